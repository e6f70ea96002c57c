// Keeps every value in a multiset and counts by walking all equal nodes per query.
#include <iostream>
#include <set>
using namespace std;

int main() {
    int n;
    cin >> n;
    multiset<int> values;
    for (int i = 0; i < n; i++) {
        int x;
        cin >> x;
        values.insert(x);
    }
    int q;
    cin >> q;
    for (int k = 0; k < q; k++) {
        int x;
        cin >> x;
        cout << values.count(x) << endl;
    }
    return 0;
}
