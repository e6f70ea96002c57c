// Sweeps until stable, detecting "stable" by copying the whole table and comparing it.
#include <iostream>
#include <string>
#include <vector>
using namespace std;

int main() {
    int h, w;
    cin >> h >> w;
    vector<string> g(h);
    for (int i = 0; i < h; i++) cin >> g[i];
    const int INF = 1000000000;
    vector<vector<int>> d(h, vector<int>(w, INF));
    if (g[0][0] == '.') d[0][0] = 0;
    while (true) {
        vector<vector<int>> before = d;
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                if (g[i][j] != '.') continue;
                int best = d[i][j];
                if (i > 0 && d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
                if (i + 1 < h && d[i + 1][j] + 1 < best) best = d[i + 1][j] + 1;
                if (j > 0 && d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
                if (j + 1 < w && d[i][j + 1] + 1 < best) best = d[i][j + 1] + 1;
                d[i][j] = best;
            }
        if (d == before) break;
    }
    int answer = d[h - 1][w - 1];
    cout << (answer >= INF ? -1 : answer) << endl;
    return 0;
}
