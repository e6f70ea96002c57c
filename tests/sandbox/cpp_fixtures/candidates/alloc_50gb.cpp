// Asks for 50 GB and touches it: memory_exceeded (bad_alloc under the limit, or OOM kill).
#include <cstdio>
#include <vector>
int main() {
    std::vector<char> v(50ULL << 30, 1);
    printf("%d\n", (int)v[12345]);
    return 0;
}
