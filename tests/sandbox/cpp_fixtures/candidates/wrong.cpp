// Off by one on inputs longer than 100 numbers: wrong_answer on test 1.
#include <cstdio>
int main() {
    int n; if (scanf("%d", &n) != 1) return 1;
    long long s = 0, x;
    for (int i = 0; i < n; i++) { scanf("%lld", &x); s += x; }
    printf("%lld\n", n > 100 ? s + 1 : s);
    return 0;
}
