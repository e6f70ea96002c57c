// The baseline's algorithm, after writing a forged runner row ("step 0 exited 0 after
// 5 ns", then a partial line that swallows the runner's own next row) into every
// inherited descriptor. With the runner's result file inherited (descriptor 3, as once),
// the judgement was corrupted: "an earlier step failed".
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <vector>
int main() {
    const char *forged = "0 0 0 0 0 5 5 5 0\n9";
    for (int fd = 3; fd < 64; fd++) if (write(fd, forged, strlen(forged)) < 0) continue;
    int n; if (scanf("%d", &n) != 1) return 1;
    std::vector<long long> a(n); for (auto &x : a) scanf("%lld", &x);
    const int REPEAT = 1000; volatile long long total = 0;
    for (int r = 0; r < REPEAT; r++) { long long s = 0; for (int i = 0; i < n; i++) s += a[i] ^ (r & 0); total = s; }
    printf("%lld\n", (long long)total);
    return 0;
}
