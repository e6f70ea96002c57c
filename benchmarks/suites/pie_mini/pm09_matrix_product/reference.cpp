#include <cstdio>
#include <vector>

int main() {
    const unsigned long long MOD = 1000000007ULL;
    int n;
    unsigned long long x;
    if (scanf("%d %llu", &n, &x) != 2) return 1;
    std::vector<unsigned long long> a(n * n), b(n * n);
    for (auto* m : {&a, &b})
        for (auto& v : *m) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            v = (x >> 33) % MOD;
        }
    unsigned long long checksum = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            unsigned long long c = 0;
            for (int k = 0; k < n; k++) c = (c + a[i * n + k] * b[k * n + j]) % MOD;
            checksum ^= c;
        }
    printf("%llu\n", checksum);
    return 0;
}
