// Values are at most 10^6, so a plain array replaces the tree; no flush per answer.
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    vector<int> count(1000001, 0);
    int n, q, x;
    cin >> n;
    for (int i = 0; i < n; i++) {
        cin >> x;
        count[x]++;
    }
    cin >> q;
    while (q--) {
        cin >> x;
        cout << count[x] << '\n';
    }
    return 0;
}
