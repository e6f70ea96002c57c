// Still one sieve per query, but crossing off starts at i*i (smaller multiples are done).
#include <iostream>
#include <vector>
using namespace std;

int main() {
    int q;
    cin >> q;
    for (int k = 0; k < q; k++) {
        int x;
        cin >> x;
        vector<bool> composite(x + 1, false);
        int count = 0;
        for (int i = 2; i <= x; i++) {
            if (composite[i]) continue;
            count++;
            for (long long j = 1LL * i * i; j <= x; j += i) composite[j] = true;
        }
        cout << count << endl;
    }
    return 0;
}
