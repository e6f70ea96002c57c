#include <cstdio>
#include <vector>

int main() {
    const int LIMIT = 1000000;
    std::vector<char> composite(LIMIT + 1, 0);
    std::vector<int> primes_upto(LIMIT + 1, 0);
    for (int i = 2; i <= LIMIT; i++) {
        primes_upto[i] = primes_upto[i - 1] + !composite[i];
        if (!composite[i])
            for (long long j = 1LL * i * i; j <= LIMIT; j += i) composite[j] = 1;
    }
    int q;
    if (scanf("%d", &q) != 1) return 1;
    while (q--) {
        int x;
        scanf("%d", &x);
        printf("%d\n", primes_upto[x]);
    }
    return 0;
}
