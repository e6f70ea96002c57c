// Insertion sort that looks for the slot from the front: always i steps instead of ~i/2.
#include <iostream>
#include <vector>
using namespace std;

int main() {
    int n;
    cin >> n;
    vector<long long> a(n);
    for (int i = 0; i < n; i++) cin >> a[i];
    for (int i = 1; i < n; i++) {
        long long key = a[i];
        int slot = 0;
        while (slot < i && a[slot] <= key) slot++;
        for (int j = i; j > slot; j--) a[j] = a[j - 1];
        a[slot] = key;
    }
    for (int i = 0; i < n; i++) cout << a[i] << endl;
    return 0;
}
