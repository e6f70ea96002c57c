// Prints the right answer but exits 3: runtime_error.
#include <cstdio>
int main() {
    int n; if (scanf("%d", &n) != 1) return 1;
    long long s = 0, x;
    for (int i = 0; i < n; i++) { scanf("%lld", &x); s += x; }
    printf("%lld\n", s);
    return 3;
}
