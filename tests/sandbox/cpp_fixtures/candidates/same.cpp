// The baseline's algorithm, reformatted: an A/A candidate (correct, no real change).
#include <cstdio>
#include <vector>
int main() {
    int n; if (scanf("%d", &n) != 1) return 1;
    std::vector<long long> a(n); for (auto &x : a) scanf("%lld", &x);
    const int REPEAT = 1000; volatile long long total = 0;
    for (int r = 0; r < REPEAT; r++) { long long s = 0; for (int i = 0; i < n; i++) s += a[i] ^ (r & 0); total = s; }
    printf("%lld\n", (long long)total);
    return 0;
}
