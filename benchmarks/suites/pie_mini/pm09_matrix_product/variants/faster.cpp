// i-k-j order over flat rows (unit stride) and a modulo only every 16 products:
// entries are < 2^30, so 16 products of < 2^60 each fit in 64 bits without overflow.
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
        for (int k = 0; k < n; k++) {
            const unsigned long long aik = a[i * n + k];
            const unsigned long long* bk = &b[k * n];
            for (int j = 0; j < n; j++) row[j] += aik * bk[j];
            if (k % 15 == 14)
                for (int j = 0; j < n; j++) row[j] %= MOD;
        }
        for (int j = 0; j < n; j++) checksum ^= row[j] % MOD;
    }
    cout << checksum << '\n';
    return 0;
}
