#include <cstdio>
#include <vector>

int main() {
    std::vector<int> count(1000001, 0);
    int n, q, x;
    if (scanf("%d", &n) != 1) return 1;
    for (int i = 0; i < n; i++) {
        scanf("%d", &x);
        count[x]++;
    }
    scanf("%d", &q);
    while (q--) {
        scanf("%d", &x);
        printf("%d\n", count[x]);
    }
    return 0;
}
