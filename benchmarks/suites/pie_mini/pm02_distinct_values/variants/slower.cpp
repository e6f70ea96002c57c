// The seen values in a linked list: the same scan, but every step is a cache miss.
#include <iostream>
#include <list>
using namespace std;

int main() {
    int n;
    cin >> n;
    list<long long> seen;
    for (int i = 0; i < n; i++) {
        long long x;
        cin >> x;
        bool found = false;
        for (long long y : seen) {
            if (y == x) {
                found = true;
                break;
            }
        }
        if (!found) seen.push_back(x);
    }
    cout << seen.size() << endl;
    return 0;
}
