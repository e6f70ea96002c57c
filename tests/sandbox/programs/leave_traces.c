/* Looks for what an earlier step left, then leaves traces for a later one: files in the
 * cwd, /tmp, /dev/shm and $HOME, and a SysV shared memory segment. Prints `found PLACE`
 * for each trace of an earlier run, then `left PLACE` for each it managed to leave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#define KEY 0x4d43524eL

int main(void) {
    const char *home = getenv("HOME");
    const char *places[] = {".", "/tmp", "/dev/shm", home ? home : "/nonexistent"};
    char path[512];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/.maxcode-trace", places[i]);
        if (access(path, F_OK) == 0) printf("found %s\n", places[i]);
    }
    if (shmget(KEY, 64, 0600) >= 0) printf("found shm\n");
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/.maxcode-trace", places[i]);
        FILE *f = fopen(path, "w");
        if (f) { fputs("trace\n", f); fclose(f); printf("left %s\n", places[i]); }
    }
    if (shmget(KEY, 64, IPC_CREAT | 0600) >= 0) printf("left shm\n");
    return 0;
}
