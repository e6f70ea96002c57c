/* Attack: allocate (and touch) 50 GB, 1 GiB at a time, to push the host into swapping or
 * its OOM killer. Expected: the allocation fails at the step's memory limit (RLIMIT_AS:
 * std::bad_alloc, abort) or the cgroup OOM-kills it; memory_exceeded; host unharmed. */
#include <cstring>
#include <vector>
int main() {
    std::vector<char *> blocks;
    for (int i = 0; i < 50; i++) {
        char *p = new char[1UL << 30];
        std::memset(p, i, 1UL << 30);
        blocks.push_back(p);
    }
    return blocks.size() == 50 ? 0 : 1;
}
