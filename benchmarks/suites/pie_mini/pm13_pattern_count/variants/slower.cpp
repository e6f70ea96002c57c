// Copies the window and the pattern for every position before comparing them.
#include <iostream>
#include <string>
using namespace std;

static bool same(string a, string b) { return a == b; }

int main() {
    string text, pattern;
    cin >> text >> pattern;
    int n = text.size(), m = pattern.size();
    int count = 0;
    for (int i = 0; i + m <= n; i++)
        if (same(text.substr(i, m), pattern)) count++;
    cout << count << endl;
    return 0;
}
