/* Helper, not an attack: prints the name of every process it can see (/proc/PID/comm),
 * so a test can check that nothing an earlier hostile step started is still alive. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
int main(void) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    char path[300], name[64];
    while (d && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0])) continue;
        snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f && fgets(name, sizeof name, f)) printf("%s", name);
        if (f) fclose(f);
    }
    return 0;
}
