// One row updated from low capacity to high: an item can be taken more than once.
#include <algorithm>
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    int n, cap;
    cin >> n >> cap;
    vector<long long> best(cap + 1, 0);
    for (int i = 0; i < n; i++) {
        int w;
        long long v;
        cin >> w >> v;
        for (int c = w; c <= cap; c++) best[c] = max(best[c], best[c - w] + v);
    }
    cout << best[cap] << '\n';
    return 0;
}
