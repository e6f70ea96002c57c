// Writes 10 GB to stdout: stopped by the output limit (runtime_error).
#include <cstdio>
#include <cstring>
int main() {
    static char buf[1 << 20];
    memset(buf, '7', sizeof buf);
    for (int i = 0; i < 10 * 1024; i++) fwrite(buf, 1, sizeof buf, stdout);
    return 0;
}
