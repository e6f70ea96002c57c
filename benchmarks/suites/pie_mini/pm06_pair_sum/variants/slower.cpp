// Copies the rest of the array for every i before scanning it: the same scan plus a copy.
#include <iostream>
#include <vector>
using namespace std;

int main() {
    int n;
    long long k;
    cin >> n >> k;
    vector<long long> a(n);
    for (int i = 0; i < n; i++) cin >> a[i];
    long long pairs = 0;
    for (int i = 0; i < n; i++) {
        vector<long long> rest(a.begin() + i + 1, a.end());
        for (size_t j = 0; j < rest.size(); j++)
            if (a[i] + rest[j] == k) pairs++;
    }
    cout << pairs << endl;
    return 0;
}
