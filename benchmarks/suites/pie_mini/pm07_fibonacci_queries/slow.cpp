#include <iostream>
using namespace std;

const long long MOD = 1000000007;

long long fib(int n) {
    long long a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        long long c = (a + b) % MOD;
        a = b;
        b = c;
    }
    return a;
}

int main() {
    int q;
    cin >> q;
    for (int k = 0; k < q; k++) {
        int n;
        cin >> n;
        cout << fib(n) << endl;
    }
    return 0;
}
