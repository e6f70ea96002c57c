// Splits each line on single spaces: runs of spaces or tabs yield empty "words".
#include <iostream>
#include <sstream>
#include <string>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    vector<string> words;
    string line;
    while (getline(cin, line)) {
        string word;
        stringstream ss(line);
        while (getline(ss, word, ' ')) words.push_back(word);
    }
    for (size_t i = words.size(); i-- > 0;) cout << words[i] << (i ? " " : "\n");
    return 0;
}
