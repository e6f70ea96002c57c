// Uses find() and resumes after the whole match: misses overlapping occurrences.
#include <iostream>
#include <string>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    string text, pattern;
    cin >> text >> pattern;
    int count = 0;
    for (size_t pos = text.find(pattern); pos != string::npos; pos = text.find(pattern, pos + pattern.size()))
        count++;
    cout << count << '\n';
    return 0;
}
