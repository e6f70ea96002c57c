// Kadane with the best sum starting at 0: answers 0 when every value is negative.
#include <algorithm>
#include <iostream>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    int n;
    cin >> n;
    long long best = 0, ending_here = 0;
    for (int i = 0; i < n; i++) {
        long long x;
        cin >> x;
        ending_here = max(0LL, ending_here + x);
        best = max(best, ending_here);
    }
    cout << best << '\n';
    return 0;
}
