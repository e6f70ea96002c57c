// Sort once and count runs: O(n log n) instead of a linear scan per value.
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
    sort(a.begin(), a.end());
    long long distinct = unique(a.begin(), a.end()) - a.begin();
    cout << distinct << '\n';
    return 0;
}
