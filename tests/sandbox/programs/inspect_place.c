/* Prints what a program can learn about where it runs (one fact a line), then tries to
 * change the binary it runs from and the workspace around it; prints `changed WHAT` for
 * each attempt that worked. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    (void)argc;
    char buf[512] = {0};
    printf("argv0 %s\n", argv[0]);
    if (getcwd(buf, sizeof buf)) printf("cwd %s\n", buf);
    memset(buf, 0, sizeof buf);
    if (readlink("/proc/self/fd/0", buf, sizeof buf - 1) > 0) printf("stdin %s\n", buf);
    memset(buf, 0, sizeof buf);
    if (readlink("/proc/self/fd/1", buf, sizeof buf - 1) > 0) printf("stdout %s\n", buf);
    memset(buf, 0, sizeof buf);
    if (readlink("/proc/self/exe", buf, sizeof buf - 1) > 0) printf("exe %s\n", buf);
    struct stat st;
    if (fstat(1, &st) == 0) printf("stdout kind %o\n", st.st_mode & S_IFMT);
    DIR *d = opendir("..");
    printf("workspace listable %d\n", d != NULL);
    if (d) closedir(d);
    int n = 0;
    if ((d = opendir("."))) { struct dirent *e; while ((e = readdir(d))) n++; closedir(d); }
    printf("cwd entries %d\n", n);
    fflush(stdout);
    /* Attempts: each must fail on a sealed binary. */
    if (chmod("prog", 0777) == 0) printf("changed mode\n");
    int fd = open("prog", O_WRONLY);
    if (fd >= 0) { printf("changed contents\n"); close(fd); }
    if (mkdir("../planted", 0755) == 0) printf("changed workspace\n");
    return 0;
}
