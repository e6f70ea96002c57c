// Merge-sort counting that also counts equal pairs (<= instead of <): wrong with duplicates.
#include <iostream>
#include <vector>
using namespace std;

static long long merge_count(vector<long long>& a, vector<long long>& buf, int lo, int hi) {
    if (hi - lo < 2) return 0;
    int mid = (lo + hi) / 2;
    long long count = merge_count(a, buf, lo, mid) + merge_count(a, buf, mid, hi);
    int i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        if (a[j] <= a[i]) {
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
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int n;
    cin >> n;
    vector<long long> a(n), buf(n);
    for (auto& x : a) cin >> x;
    cout << merge_count(a, buf, 0, n) << '\n';
    return 0;
}
