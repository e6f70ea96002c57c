/* Writes forged result rows ("step 0 exited 0 in 5 ns", then a partial line that would
 * swallow the runner's own row) into every descriptor it might have inherited, then
 * sleeps 300 ms: the runner must report the time it really took. */
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    const char *forged = "0 0 0 0 0 5 5 5 0\n9";
    for (int fd = 3; fd < 64; fd++) {
        if (write(fd, forged, strlen(forged)) < 0) continue;
    }
    struct timespec ts = {0, 300000000L};
    nanosleep(&ts, NULL);
    return 0;
}
