#include <cstdio>
#include <vector>

int main() {
    const long long MOD = 1000000007;
    const int LIMIT = 1000000;
    std::vector<long long> f(LIMIT + 1);
    f[0] = 0;
    f[1] = 1;
    for (int i = 2; i <= LIMIT; i++) f[i] = (f[i - 1] + f[i - 2]) % MOD;
    int q;
    if (scanf("%d", &q) != 1) return 1;
    while (q--) {
        int n;
        scanf("%d", &n);
        printf("%lld\n", f[n]);
    }
    return 0;
}
