// One sieve up to the largest query and a prefix count, instead of a sieve per query.
#include <algorithm>
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int q;
    cin >> q;
    vector<int> queries(q);
    for (auto& x : queries) cin >> x;
    int limit = *max_element(queries.begin(), queries.end());
    vector<char> composite(limit + 1, 0);
    vector<int> count(limit + 1, 0);
    for (int i = 2; i <= limit; i++) {
        count[i] = count[i - 1] + !composite[i];
        if (!composite[i])
            for (long long j = 1LL * i * i; j <= limit; j += i) composite[j] = 1;
    }
    for (int x : queries) cout << count[x] << '\n';
    return 0;
}
