#include <iostream>
#include <vector>
using namespace std;

int main() {
    int n;
    cin >> n;
    vector<long long> seen;
    for (int i = 0; i < n; i++) {
        long long x;
        cin >> x;
        bool found = false;
        for (size_t j = 0; j < seen.size(); j++) {
            if (seen[j] == x) {
                found = true;
                break;
            }
        }
        if (!found) seen.push_back(x);
    }
    cout << seen.size() << endl;
    return 0;
}
