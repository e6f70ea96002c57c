// Z-function over pattern#text: linear time, no substring copies.
#include <iostream>
#include <string>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    string text, pattern;
    cin >> text >> pattern;
    const string s = pattern + '#' + text;
    const int n = s.size(), m = pattern.size();
    vector<int> z(n, 0);
    int count = 0;
    for (int i = 1, l = 0, r = 0; i < n; i++) {
        if (i < r) z[i] = min(r - i, z[i - l]);
        while (i + z[i] < n && s[z[i]] == s[i + z[i]]) z[i]++;
        if (i + z[i] > r) {
            l = i;
            r = i + z[i];
        }
        if (i > m && z[i] >= m) count++;
    }
    cout << count << '\n';
    return 0;
}
