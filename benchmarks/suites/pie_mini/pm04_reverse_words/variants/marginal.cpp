// Same prepending as the original; only unsynced stdio and no final flush.
#include <iostream>
#include <string>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    string word, result;
    while (cin >> word) {
        if (result.empty())
            result = word;
        else
            result = word + ' ' + result;
    }
    cout << result << '\n';
    return 0;
}
