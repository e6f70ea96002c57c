/* Attack: a fork bomb; every child forks again forever, to exhaust the host's process
 * table and starve the judge. Expected: contained by RLIMIT_NPROC / the pids cgroup,
 * ended at the wall limit, every process gone afterwards, the next run works. */
#include <unistd.h>
int main(void) {
    for (;;) fork();
}
