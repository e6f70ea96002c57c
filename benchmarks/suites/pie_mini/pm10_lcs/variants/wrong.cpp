// One rolling row, but the diagonal is read after it was overwritten in this row.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    string s, t;
    cin >> s >> t;
    int n = s.size(), m = t.size();
    vector<int> dp(m + 1, 0);
    for (int i = 1; i <= n; i++)
        for (int j = 1; j <= m; j++)
            dp[j] = s[i - 1] == t[j - 1] ? dp[j - 1] + 1 : max(dp[j], dp[j - 1]);
    cout << dp[m] << '\n';
    return 0;
}
