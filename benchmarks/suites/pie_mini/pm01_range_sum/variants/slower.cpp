// A deque instead of a vector: every index is a division and a pointer hop, no SIMD.
#include <deque>
#include <iostream>
using namespace std;

int main() {
    int n, q;
    cin >> n >> q;
    deque<long long> a;
    for (int i = 0; i < n; i++) {
        long long x;
        cin >> x;
        a.push_back(x);
    }
    for (int k = 0; k < q; k++) {
        int l, r;
        cin >> l >> r;
        long long s = 0;
        for (int i = l - 1; i < r; i++) s += a[i];
        cout << s << endl;
    }
    return 0;
}
