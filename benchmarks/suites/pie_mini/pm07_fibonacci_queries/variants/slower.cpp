// Builds the whole sequence in a fresh vector for every query, then reads the last entry.
#include <iostream>
#include <vector>
using namespace std;

const long long MOD = 1000000007;

int main() {
    int q;
    cin >> q;
    for (int k = 0; k < q; k++) {
        int n;
        cin >> n;
        vector<long long> f;
        f.push_back(0);
        f.push_back(1);
        for (int i = 2; i <= n; i++) f.push_back((f[i - 1] + f[i - 2]) % MOD);
        cout << f[n] << endl;
    }
    return 0;
}
