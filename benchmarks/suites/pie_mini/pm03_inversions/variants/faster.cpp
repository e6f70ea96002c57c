// Fenwick tree over value ranks: O(n log n) instead of comparing every pair.
#include <algorithm>
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int n;
    cin >> n;
    vector<long long> a(n);
    for (auto& x : a) cin >> x;
    vector<long long> sorted_values(a);
    sort(sorted_values.begin(), sorted_values.end());
    sorted_values.erase(unique(sorted_values.begin(), sorted_values.end()), sorted_values.end());
    int m = sorted_values.size();
    vector<int> tree(m + 1, 0);
    long long inversions = 0;
    for (int i = n - 1; i >= 0; i--) {
        int rank = lower_bound(sorted_values.begin(), sorted_values.end(), a[i]) - sorted_values.begin();
        for (int k = rank; k > 0; k -= k & -k) inversions += tree[k];  // smaller values to the right
        for (int k = rank + 1; k <= m; k += k & -k) tree[k]++;
    }
    cout << inversions << '\n';
    return 0;
}
