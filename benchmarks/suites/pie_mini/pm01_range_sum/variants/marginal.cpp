// Same per-query loop as the original; only unsynced from stdio (endl still flushes).
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    int n, q;
    cin >> n >> q;
    vector<long long> a(n);
    for (int i = 0; i < n; i++) cin >> a[i];
    for (int k = 0; k < q; k++) {
        int l, r;
        cin >> l >> r;
        long long s = 0;
        for (int i = l - 1; i < r; i++) s += a[i];
        cout << s << endl;
    }
    return 0;
}
