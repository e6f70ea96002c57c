// Dereferences null on the second test: runtime_error (SIGSEGV).
#include <cstdio>
int main() {
    int n; if (scanf("%d", &n) != 1) return 1;
    volatile int *p = nullptr;
    if (n > 100) *p = 1;
    long long s = 0, x;
    for (int i = 0; i < n; i++) { scanf("%lld", &x); s += x; }
    printf("%lld\n", s);
    return 0;
}
