// Breadth-first search: every cell is settled once, instead of sweeping until stable.
#include <iostream>
#include <string>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int h, w;
    cin >> h >> w;
    string grid;
    grid.reserve(h * w);
    for (int i = 0; i < h; i++) {
        string row;
        cin >> row;
        grid += row;
    }
    vector<int> dist(h * w, -1), queue;
    queue.reserve(h * w);
    if (grid[0] == '.') {
        dist[0] = 0;
        queue.push_back(0);
    }
    for (size_t head = 0; head < queue.size(); head++) {
        int cell = queue[head], r = cell / w, c = cell % w;
        int next[4] = {r > 0 ? cell - w : -1, r + 1 < h ? cell + w : -1, c > 0 ? cell - 1 : -1,
                       c + 1 < w ? cell + 1 : -1};
        for (int nb : next) {
            if (nb < 0 || grid[nb] != '.' || dist[nb] >= 0) continue;
            dist[nb] = dist[cell] + 1;
            queue.push_back(nb);
        }
    }
    cout << (grid[h * w - 1] == '.' ? dist[h * w - 1] : -1) << '\n';
    return 0;
}
