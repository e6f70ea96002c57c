// A sieve per query over a vector<int>: 32 times the memory of the bit vector to sweep.
#include <iostream>
#include <vector>
using namespace std;

int main() {
    int q;
    cin >> q;
    for (int k = 0; k < q; k++) {
        int x;
        cin >> x;
        vector<int> composite(x + 1, 0);
        int count = 0;
        for (int i = 2; i <= x; i++) {
            if (composite[i]) continue;
            count++;
            for (int j = 2 * i; j <= x; j += i) composite[j] = 1;
        }
        cout << count << endl;
    }
    return 0;
}
