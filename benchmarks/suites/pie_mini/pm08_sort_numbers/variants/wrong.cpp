// Sorts through a std::set, which silently drops repeated values.
#include <iostream>
#include <set>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int n;
    cin >> n;
    set<long long> values;
    for (int i = 0; i < n; i++) {
        long long x;
        cin >> x;
        values.insert(x);
    }
    for (long long x : values) cout << x << '\n';
    return 0;
}
