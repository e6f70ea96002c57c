// Collect the words once and print them backwards: linear instead of re-copying the result.
#include <iostream>
#include <string>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    vector<string> words;
    string w;
    while (cin >> w) words.push_back(move(w));
    string out;
    for (size_t i = words.size(); i-- > 0;) {
        out += words[i];
        out += i ? ' ' : '\n';
    }
    cout << out;
    return 0;
}
