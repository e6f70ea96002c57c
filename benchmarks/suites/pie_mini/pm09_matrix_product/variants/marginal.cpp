// Same i-j-k loops; the running entry is kept in a local instead of C[i][j].
#include <iostream>
#include <vector>
using namespace std;

const long long MOD = 1000000007;

int main() {
    int n;
    unsigned long long x;
    cin >> n >> x;
    vector<vector<long long>> A(n, vector<long long>(n)), B(n, vector<long long>(n));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            A[i][j] = (x >> 33) % MOD;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            B[i][j] = (x >> 33) % MOD;
        }
    long long checksum = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            long long c = 0;
            for (int k = 0; k < n; k++) c = (c + A[i][k] * B[k][j]) % MOD;
            checksum ^= c;
        }
    cout << checksum << endl;
    return 0;
}
