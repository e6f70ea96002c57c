/* Attack: write outside the workspace: plant files in host paths given in argv, in system
 * directories, and forge the runner's result file (claim success for a failing run).
 * Prints "WROTE path" for any write that succeeded; exits 3 whatever happens.
 * Expected: no host file appears; the result still says exit code 3. */
#include <stdio.h>
static void attempt(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) { printf("denied %s\n", path); return; }
    if (fputs(text, f) >= 0 && fclose(f) == 0) printf("WROTE %s\n", path);
}
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) attempt(argv[i], "pwned\n");
    attempt("/etc/maxcode-pwned", "pwned\n");
    attempt("/usr/bin/maxcode-pwned", "pwned\n");
    attempt("/run/mcrun/result", "0 0 0 0 0 1 1 1 0\n");
    attempt("/run/mcrun/out/result", "0 0 0 0 0 1 1 1 0\n");
    attempt("../results/result", "0 0 0 0 0 1 1 1 0\n");
    return 3;
}
