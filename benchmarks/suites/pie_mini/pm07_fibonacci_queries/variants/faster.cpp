// Tabulate F up to the largest query once, instead of iterating from zero per query.
#include <algorithm>
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    const int MOD = 1000000007;
    int q;
    cin >> q;
    vector<int> queries(q);
    for (auto& n : queries) cin >> n;
    int limit = max(1, *max_element(queries.begin(), queries.end()));
    vector<int> f(limit + 1);
    f[0] = 0;
    f[1] = 1;
    for (int i = 2; i <= limit; i++) {
        int s = f[i - 1] + f[i - 2];  // both < MOD, so the sum fits in int
        f[i] = s >= MOD ? s - MOD : s;
    }
    for (int n : queries) cout << f[n] << '\n';
    return 0;
}
