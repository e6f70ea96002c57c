/* Attack: read files outside the workspace: the judge's expected outputs or a secret the
 * host keeps (paths in argv), and system secrets. Prints "READ path: content" for any
 * file it can open. Expected: nothing outside the workspace is readable (the paths do
 * not exist inside the sandbox, or are denied). */
#include <stdio.h>
int main(int argc, char **argv) {
    const char *fixed[] = {"/etc/shadow", "/root/.bash_history", "/run/mcrun/result", "../results/result"};
    for (int i = 0; i < argc - 1 + 4; i++) {
        const char *path = i < argc - 1 ? argv[i + 1] : fixed[i - (argc - 1)];
        FILE *f = fopen(path, "r");
        if (!f) { printf("denied %s\n", path); continue; }
        char buf[256] = {0};
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = 0;
        printf("READ %s: %s\n", path, buf);
        fclose(f);
    }
    return 0;
}
