#include <algorithm>
#include <cstdio>

int main() {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    long long best = 0, ending_here = 0;
    for (int i = 0; i < n; i++) {
        long long x;
        scanf("%lld", &x);
        ending_here = i == 0 ? x : std::max(x, ending_here + x);
        best = i == 0 ? x : std::max(best, ending_here);
    }
    printf("%lld\n", best);
    return 0;
}
