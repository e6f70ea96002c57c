/* Attack: stay under the per-process memory limit (RLIMIT_AS) but fork three children
 * that each touch 400 MB, so that together they exceed the sandbox's memory cap.
 * Expected (docker): the container's memory cgroup OOM-kills a child; the runner reads
 * the cgroup's OOM-kill counter and reports memory_exceeded; the container is discarded. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
    for (int i = 0; i < 3; i++) {
        if (fork() == 0) {
            for (int k = 0; k < 25; k++) {
                char *p = malloc(16 << 20);
                if (!p) _exit(2);
                memset(p, k, 16 << 20);
            }
            sleep(2);
            _exit(0);
        }
    }
    int status, failed = 0;
    while (wait(&status) > 0) failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    return failed;
}
