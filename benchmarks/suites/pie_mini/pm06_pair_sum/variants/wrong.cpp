// Two pointers that step both ends on a match: misses pairs when values repeat.
#include <algorithm>
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int n;
    long long k;
    cin >> n >> k;
    vector<long long> a(n);
    for (auto& x : a) cin >> x;
    sort(a.begin(), a.end());
    long long pairs = 0;
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        long long s = a[lo] + a[hi];
        if (s == k) {
            pairs++;
            lo++;
            hi--;
        } else if (s < k) {
            lo++;
        } else {
            hi--;
        }
    }
    cout << pairs << '\n';
    return 0;
}
