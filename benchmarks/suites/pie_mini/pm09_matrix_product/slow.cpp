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
    vector<vector<long long>> C(n, vector<long long>(n, 0));
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++)
                C[i][j] = (C[i][j] + A[i][k] * B[k][j]) % MOD;
    long long checksum = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) checksum ^= C[i][j];
    cout << checksum << endl;
    return 0;
}
