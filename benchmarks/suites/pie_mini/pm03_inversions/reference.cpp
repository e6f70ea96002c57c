#include <cstdio>
#include <vector>

static long long merge_count(std::vector<long long>& a, std::vector<long long>& buf, int lo, int hi) {
    if (hi - lo < 2) return 0;
    int mid = (lo + hi) / 2;
    long long count = merge_count(a, buf, lo, mid) + merge_count(a, buf, mid, hi);
    int i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        if (a[j] < a[i]) {
            count += mid - i;
            buf[k++] = a[j++];
        } else {
            buf[k++] = a[i++];
        }
    }
    while (i < mid) buf[k++] = a[i++];
    while (j < hi) buf[k++] = a[j++];
    for (int t = lo; t < hi; t++) a[t] = buf[t];
    return count;
}

int main() {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    std::vector<long long> a(n), buf(n);
    for (auto& x : a) scanf("%lld", &x);
    printf("%lld\n", merge_count(a, buf, 0, n));
    return 0;
}
