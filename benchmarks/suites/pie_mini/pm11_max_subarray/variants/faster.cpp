// Kadane's algorithm: the best sum ending at each position, one pass.
#include <algorithm>
#include <iostream>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int n;
    cin >> n;
    long long x;
    cin >> x;
    long long best = x, ending_here = x;
    for (int i = 1; i < n; i++) {
        cin >> x;
        ending_here = max(x, ending_here + x);
        best = max(best, ending_here);
    }
    cout << best << '\n';
    return 0;
}
