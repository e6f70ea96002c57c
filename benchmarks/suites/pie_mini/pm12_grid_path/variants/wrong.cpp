// Breadth-first search that prints 0 instead of -1 when the target is unreachable.
#include <iostream>
#include <queue>
#include <string>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int h, w;
    cin >> h >> w;
    vector<string> g(h);
    for (auto& row : g) cin >> row;
    vector<vector<int>> d(h, vector<int>(w, 0));
    vector<vector<bool>> seen(h, vector<bool>(w, false));
    queue<pair<int, int>> q;
    if (g[0][0] == '.') {
        seen[0][0] = true;
        q.push({0, 0});
    }
    const int dr[] = {1, -1, 0, 0}, dc[] = {0, 0, 1, -1};
    while (!q.empty()) {
        auto [r, c] = q.front();
        q.pop();
        for (int k = 0; k < 4; k++) {
            int nr = r + dr[k], nc = c + dc[k];
            if (nr < 0 || nr >= h || nc < 0 || nc >= w || g[nr][nc] != '.' || seen[nr][nc]) continue;
            seen[nr][nc] = true;
            d[nr][nc] = d[r][c] + 1;
            q.push({nr, nc});
        }
    }
    cout << d[h - 1][w - 1] << '\n';
    return 0;
}
