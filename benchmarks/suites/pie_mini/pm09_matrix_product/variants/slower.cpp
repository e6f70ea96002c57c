// Copies column j of B into a fresh vector for every entry of C before the dot product.
#include <iostream>
#include <vector>
using namespace std;

const long long MOD = 1000000007;

static long long dot(const vector<long long>& row, vector<long long> column) {
    long long c = 0;
    for (size_t k = 0; k < row.size(); k++) c = (c + row[k] * column[k]) % MOD;
    return c;
}

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
            vector<long long> column(n);
            for (int k = 0; k < n; k++) column[k] = B[k][j];
            checksum ^= dot(A[i], column);
        }
    cout << checksum << endl;
    return 0;
}
