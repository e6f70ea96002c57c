// The values live in a std::map keyed by position: the same pair scan walks tree nodes.
#include <iostream>
#include <map>
using namespace std;

int main() {
    int n;
    cin >> n;
    map<int, long long> a;
    for (int i = 0; i < n; i++) cin >> a[i];
    long long inversions = 0;
    for (auto it = a.begin(); it != a.end(); ++it)
        for (auto jt = next(it); jt != a.end(); ++jt)
            if (it->second > jt->second) inversions++;
    cout << inversions << endl;
    return 0;
}
