#include <iostream>
#include <string>
using namespace std;

int main() {
    string text, pattern;
    cin >> text >> pattern;
    int n = text.size(), m = pattern.size();
    int count = 0;
    for (int i = 0; i + m <= n; i++)
        if (text.substr(i, m) == pattern) count++;
    cout << count << endl;
    return 0;
}
