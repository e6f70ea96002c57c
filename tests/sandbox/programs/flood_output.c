/* Attack: write 10 GB, to stdout or to the file named in argv[1], to fill the host's disk
 * or memory. Expected: stopped by SIGXFSZ at the step's output limit (RLIMIT_FSIZE),
 * output_exceeded, within a fraction of the time 10 GB would take. */
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    FILE *out = argc > 1 ? fopen(argv[1], "w") : stdout;
    if (!out) return 2;
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    for (long i = 0; i < 10L * 1024; i++)
        if (fwrite(block, 1, sizeof block, out) != sizeof block) return 1;
    return 0;
}
