// Tabulated, but the table starts at F(1) = F(2) = 1 and answers 1 for n = 0.
#include <algorithm>
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    const long long MOD = 1000000007;
    int q;
    cin >> q;
    vector<int> queries(q);
    for (auto& n : queries) cin >> n;
    int limit = max(2, *max_element(queries.begin(), queries.end()));
    vector<long long> f(limit + 1);
    f[0] = f[1] = f[2] = 1;
    for (int i = 3; i <= limit; i++) f[i] = (f[i - 1] + f[i - 2]) % MOD;
    for (int n : queries) cout << f[n] << '\n';
    return 0;
}
