// Still copies each window, but into one reused buffer instead of a new string.
#include <iostream>
#include <string>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    string text, pattern, window;
    cin >> text >> pattern;
    int n = text.size(), m = pattern.size();
    int count = 0;
    for (int i = 0; i + m <= n; i++) {
        window.assign(text, i, m);
        if (window == pattern) count++;
    }
    cout << count << '\n';
    return 0;
}
