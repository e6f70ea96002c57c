/* Attack: leave a background process behind. Double-forks a daemon in a new session
 * (so it leaves the step's process group and is reparented), ignoring SIGTERM/SIGHUP,
 * that keeps appending to argv[1] (a workspace file) and to /tmp/maxcode-daemon-mark;
 * exits 0 as soon as the daemon has written once. The daemon's name is "mcdaemon".
 * Expected: the daemon is dead when the step ends (the file stops growing), when run()
 * returns (no "mcdaemon" process anywhere), and the next run is unaffected. */
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>
int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "bg.log";
    int ready[2];
    if (pipe(ready)) return 2;
    if (fork() != 0) {
        char c;
        close(ready[1]);
        return read(ready[0], &c, 1) == 1 ? 0 : 1;
    }
    close(ready[0]);
    setsid();
    if (fork() != 0) _exit(0);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    prctl(PR_SET_NAME, "mcdaemon");
    for (;;) {
        FILE *f = fopen(path, "a");
        if (f) { fputs("tick\n", f); fclose(f); }
        FILE *g = fopen("/tmp/maxcode-daemon-mark", "a");
        if (g) { fputs("tick\n", g); fclose(g); }
        if (ready[1] >= 0) { if (write(ready[1], "r", 1) != 1) {} close(ready[1]); ready[1] = -1; }
        usleep(20000);
    }
}
