// Copies the tail of the array for every start before scanning it.
#include <iostream>
#include <vector>
using namespace std;

int main() {
    int n;
    cin >> n;
    vector<long long> a(n);
    for (int i = 0; i < n; i++) cin >> a[i];
    long long best = a[0];
    for (int i = 0; i < n; i++) {
        vector<long long> tail(a.begin() + i, a.end());
        long long sum = 0;
        for (size_t j = 0; j < tail.size(); j++) {
            sum += tail[j];
            if (sum > best) best = sum;
        }
    }
    cout << best << endl;
    return 0;
}
