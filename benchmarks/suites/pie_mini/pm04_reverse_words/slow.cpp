#include <iostream>
#include <string>
using namespace std;

int main() {
    string word, result;
    while (cin >> word) {
        if (result.empty())
            result = word;
        else
            result = word + " " + result;
    }
    cout << result << endl;
    return 0;
}
