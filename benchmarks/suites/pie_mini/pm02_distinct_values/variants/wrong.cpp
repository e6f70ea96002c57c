// Reads the values as int: right while they fit, wrong once one exceeds 2^31 - 1.
#include <algorithm>
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int n;
    cin >> n;
    vector<int> a(n);
    for (auto& x : a) cin >> x;
    sort(a.begin(), a.end());
    cout << (unique(a.begin(), a.end()) - a.begin()) << '\n';
    return 0;
}
