#include <cstdio>
#include <queue>
#include <string>
#include <vector>

int main() {
    int h, w;
    if (scanf("%d %d", &h, &w) != 2) return 1;
    std::vector<std::string> g(h);
    std::vector<char> buf(w + 2);
    for (int i = 0; i < h; i++) {
        scanf("%s", buf.data());
        g[i] = buf.data();
    }
    std::vector<int> d(h * w, -1);
    std::queue<int> q;
    if (g[0][0] == '.') {
        d[0] = 0;
        q.push(0);
    }
    const int dr[] = {1, -1, 0, 0}, dc[] = {0, 0, 1, -1};
    while (!q.empty()) {
        int cell = q.front();
        q.pop();
        int r = cell / w, c = cell % w;
        for (int k = 0; k < 4; k++) {
            int nr = r + dr[k], nc = c + dc[k];
            if (nr < 0 || nr >= h || nc < 0 || nc >= w || g[nr][nc] != '.' || d[nr * w + nc] >= 0) continue;
            d[nr * w + nc] = d[cell] + 1;
            q.push(nr * w + nc);
        }
    }
    printf("%d\n", g[h - 1][w - 1] == '.' ? d[h * w - 1] : -1);
    return 0;
}
