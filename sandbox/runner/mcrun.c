/*
 * mcrun: the runner every sandbox uses to execute and measure candidate processes.
 *
 *   mcrun PLAN RESULT_DIR [UID]
 *
 * PLAN is read whole before anything runs, so a step cannot rewrite later steps. Each
 * step runs in its own session/process group with rlimits; stdout/stderr are opened by
 * the runner (as root, in RESULT_DIR or the workspace) and handed to the child, which
 * then drops to UID (when the runner is root) so it can neither forge RESULT_DIR/result
 * nor read what the runner keeps there. Wall time is fork-to-reap on CLOCK_MONOTONIC;
 * the wall limit is enforced with SIGKILL to the whole group; after every step anything
 * still alive under the candidate uid is killed (daemons that left the group included).
 *
 * Plan format (one token per line, arguments may contain spaces but not newlines):
 *   step
 *   wall_ms N | cpu_s N | mem BYTES | nproc N | fsize BYTES | stop 0|1
 *   stdin PATH|-   stdout PATH|-   collect PATH (after all steps; repeatable, top level)
 *   arg TEXT (repeated, in order)
 *   end
 *   warm MODULES (in a step; comma-separated Python modules, `module:function` to also call
 *   a function of it once): ARGV is `PYTHON [-FLAGS]
 *   SCRIPT ARGS`; run it as a child of a warm interpreter that has imported MODULES (see
 *   zygote.py; started on first use, kept for later runs of the container). Only as root
 *   with no stdin/stdout file; otherwise, or when no zygote comes up, the step runs cold.
 *   cleanup DIR (top level, repeatable): after collecting, everything under DIR is
 *   deleted with the candidate's rights, then what is left (sealed, root-owned files)
 *   by root without following links (a reused container's workspace and /tmp)
 *   scratch DIR (top level) and scrub DIR (top level, repeatable): see `fresh`
 *   fresh 1 (in a step): the step runs in a fresh, empty, candidate-owned DIR of
 *   `scratch` (its cwd); stdin is opened in the workspace first. After the step (and the
 *   kill sweep) DIR, every `scrub` directory and the candidate's SysV IPC objects are
 *   emptied, so nothing a step leaves reaches the next one
 *   link SRC NAME (in a fresh step, repeatable): SRC (workspace-relative, usually sealed:
 *   root-owned, read-only) is hard-linked as DIR/NAME before the step, so every program
 *   runs under the same name in the same place
 *   save NAME (in a fresh step): DIR/NAME is copied out after the step (candidate rights,
 *   capped) as RESULT_DIR/save.K, before the scratch is emptied
 *   discard 1 (in a step): the captured stdout is dropped once its digest is taken
 * Result: RESULT_DIR/result, one line per step:
 *   index exit_code signal timed_out skipped wall_ns cpu_ns maxrss_kb oom_kills digest
 * digest: FNV-1a 64 of the captured stdout (16 hex digits), `-` when stdout went to a
 * workspace file. Captured streams are written as stdout.cur/stderr.cur while the step
 * runs (so /proc/self/fd/1 reads the same in every step) and renamed after it.
 *   env NAME=VALUE (top level, repeatable): set in every step's environment
 *   oom_counter 1 (top level): the runner's memory cgroup is the sandbox's own (a
 *   container), so its OOM-kill counter tells an OOM kill from any other SIGKILL
 * oom_kills: OOM kills the memory cgroup counted during the step, -1 when not asked for
 * (a host cgroup counts kills of unrelated processes) or not readable.
 * captured streams RESULT_DIR/stdout.K, RESULT_DIR/stderr.K, collected files
 * RESULT_DIR/collect.K (regular files only, read with the candidate's rights).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STEPS 4096
#define MAX_ARGS 256
#define MAX_COLLECT 256
#define MAX_CLEANUP 8
#define MAX_LINKS 8

typedef struct {
    long wall_ms, cpu_s, nproc, stop, fresh, discard;
    long long mem, fsize;
    char *in, *out, *warm, *save;
    int nlinks;
    char *link_src[MAX_LINKS], *link_name[MAX_LINKS];
    int argc;
    char *argv[MAX_ARGS + 1];
} step_t;

static step_t steps[MAX_STEPS];
static int nsteps;
static char *collect[MAX_COLLECT];
static int ncollect;
static char *cleanup[MAX_CLEANUP];
static int ncleanup;
static char *scratch;
static char *scrub[MAX_CLEANUP];
static int nscrub;
static int use_oom_counter;
#define MAX_ENV 256
static char *envs[MAX_ENV];
static int nenv;
static uid_t cand_uid = 65534;
static int drop = 0;

static void die(const char *msg) {
    fprintf(stderr, "mcrun: %s: %s\n", msg, strerror(errno));
    exit(125);
}

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void parse_plan(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) die("open plan");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    step_t *s = NULL;
    while ((n = getline(&line, &cap, f)) >= 0) {
        if (n > 0 && line[n - 1] == '\n') line[--n] = 0;
        char *val = strchr(line, ' ');
        if (val) *val++ = 0; else val = "";
        if (!strcmp(line, "step")) {
            if (nsteps >= MAX_STEPS) { errno = E2BIG; die("too many steps"); }
            s = &steps[nsteps++];
            memset(s, 0, sizeof *s);
            s->wall_ms = 10000; s->cpu_s = 10; s->nproc = 64; s->stop = 1;
            s->mem = 2LL << 30; s->fsize = 64LL << 20;
        } else if (!strcmp(line, "collect")) {
            if (ncollect < MAX_COLLECT) collect[ncollect++] = strdup(val);
        } else if (!strcmp(line, "env")) {
            if (nenv < MAX_ENV && strchr(val, '=')) envs[nenv++] = strdup(val);
        } else if (!strcmp(line, "oom_counter")) {
            use_oom_counter = atoi(val);
        } else if (!strcmp(line, "cleanup")) {
            if (ncleanup < MAX_CLEANUP) cleanup[ncleanup++] = strdup(val);
        } else if (!strcmp(line, "scrub")) {
            if (nscrub < MAX_CLEANUP) scrub[nscrub++] = strdup(val);
        } else if (!strcmp(line, "scratch")) {
            scratch = *val ? strdup(val) : NULL;
        } else if (!s) {
            continue;
        } else if (!strcmp(line, "wall_ms")) s->wall_ms = atol(val);
        else if (!strcmp(line, "cpu_s")) s->cpu_s = atol(val);
        else if (!strcmp(line, "mem")) s->mem = atoll(val);
        else if (!strcmp(line, "nproc")) s->nproc = atol(val);
        else if (!strcmp(line, "fsize")) s->fsize = atoll(val);
        else if (!strcmp(line, "stop")) s->stop = atol(val);
        else if (!strcmp(line, "stdin")) s->in = strcmp(val, "-") ? strdup(val) : NULL;
        else if (!strcmp(line, "stdout")) s->out = strcmp(val, "-") ? strdup(val) : NULL;
        else if (!strcmp(line, "warm")) s->warm = *val ? strdup(val) : NULL;
        else if (!strcmp(line, "fresh")) s->fresh = atol(val);
        else if (!strcmp(line, "discard")) s->discard = atol(val);
        else if (!strcmp(line, "save")) s->save = *val ? strdup(val) : NULL;
        else if (!strcmp(line, "link")) {
            char *name = strchr(val, ' ');
            if (name && s->nlinks < MAX_LINKS) {
                *name++ = 0;
                s->link_src[s->nlinks] = strdup(val);
                s->link_name[s->nlinks++] = strdup(name);
            }
        }
        else if (!strcmp(line, "arg")) {
            if (s->argc < MAX_ARGS) s->argv[s->argc++] = strdup(val);
        } else if (!strcmp(line, "end")) s = NULL;
    }
    free(line);
    fclose(f);
}

/* Become the candidate: no supplementary groups, candidate gid/uid, no way back. */
static void become_candidate(void) {
    if (!drop) return;
    if (setgroups(0, NULL) || setgid(cand_uid) || setuid(cand_uid)) die("drop privileges");
}

/* Is a live (not zombie) process other than ourselves running under the candidate uid?
 * Read from /proc/PID/status (real uid), since a process can make its /proc entry
 * root-owned by turning itself non-dumpable. */
static int candidate_alive(void) {
    DIR *d = opendir("/proc");
    if (!d) return 0;
    struct dirent *e;
    char path[300], line[256];
    pid_t self = getpid();
    int found = 0;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == self) continue;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        int zombie = 0;
        long uid = -1;
        while (fgets(line, sizeof line, f)) {
            if (!strncmp(line, "State:", 6)) zombie = strchr(line, 'Z') || strchr(line, 'X');
            else if (!strncmp(line, "Uid:", 4)) { uid = strtol(line + 4, NULL, 10); break; }
        }
        fclose(f);
        found = !zombie && uid == (long)cand_uid;
    }
    closedir(d);
    return found;
}

/* Kill every process the candidate uid owns (daemons that left the process group too).
 * Done from a child that has become the candidate, since kill(-1) then reaches exactly
 * the candidate's processes; repeated while any is left, since a fork bomb refills the
 * table between two sweeps. (kill(-1) itself cannot tell: it returns 0 whenever any
 * other process exists, signalled or not.) Orphans come to us (child subreaper) and
 * are reaped here, so a reused container does not fill up with zombies. */
static void kill_candidate_processes(void) {
    if (!drop) return;
    pid_t k = fork();
    if (k == 0) {
        become_candidate();
        for (int i = 0; i < 5000; i++) {
            kill(-1, SIGKILL);
            if (!candidate_alive()) break;
            usleep(200);
        }
        _exit(0);
    }
    if (k > 0) waitpid(k, NULL, 0);
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
}

/* The memory cgroup's OOM-kill counter (v2 memory.events, v1 memory.oom_control), or -1.
 * Read around each step so an OOM kill is told apart from any other SIGKILL. */
static long oom_kills(void) {
    if (!use_oom_counter) return -1;
    static const char *files[] = {"/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "r");
        if (!f) continue;
        char key[64];
        long val, found = -1;
        while (fscanf(f, "%63s %ld", key, &val) == 2)
            if (!strcmp(key, "oom_kill")) found = val;
        fclose(f);
        if (found >= 0) return found;
    }
    return -1;
}

static int open_out(const char *path) {
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
}


/* ---- fresh steps: a new scratch for every step, and nothing left behind ---- */

/* Remove everything inside the directory open as DFD without following links, opening
 * up directories the candidate made unreadable on the way (its own: it may chmod them).
 * Two passes, since removing entries while reading a directory may skip some. */
static void empty_at(int dfd, int depth) {
    DIR *d = fdopendir(dfd);
    if (!d) { close(dfd); return; }
    for (int pass = 0; pass < 2; pass++) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno != EISDIR || depth > 64) continue;
            fchmodat(dirfd(d), e->d_name, 0700, 0);
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) empty_at(sub, depth + 1);
            unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
        }
        rewinddir(d);
    }
    closedir(d);
}

static void empty_dir(const char *dir) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (dfd < 0) return;
    /* u+rwx on a directory of the candidate's own (a scratch it made read-only). */
    if (!fstat(dfd, &st) && st.st_uid == geteuid()) fchmod(dfd, (st.st_mode & 07777) | 0700);
    empty_at(dfd, 0);
}

/* Remove the SysV shared memory, semaphores and message queues the candidate created:
 * they outlive its processes and would carry data from one run to the next. Run as the
 * candidate (only the creator or owner may remove one); *_STAT_ANY skips the read check
 * that a mode-0 object would fail. */
#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY SHM_STAT
#endif
#ifndef SEM_STAT_ANY
#define SEM_STAT_ANY SEM_STAT
#endif
#ifndef MSG_STAT_ANY
#define MSG_STAT_ANY MSG_STAT
#endif
static void scrub_ipc(void) {
    struct shm_info shm;
    int top = shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&shm);
    for (int i = 0; i <= top; i++) {
        struct shmid_ds ds;
        int id = shmctl(i, SHM_STAT_ANY, &ds);
        if (id >= 0) shmctl(id, IPC_RMID, NULL);
    }
    struct seminfo sem;
    top = semctl(0, 0, SEM_INFO, &sem);
    for (int i = 0; i <= top; i++) {
        struct semid_ds ds;
        int id = semctl(i, 0, SEM_STAT_ANY, &ds);
        if (id >= 0) semctl(id, 0, IPC_RMID);
    }
    struct msginfo msg;
    top = msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&msg);
    for (int i = 0; i <= top; i++) {
        struct msqid_ds ds;
        int id = msgctl(i, MSG_STAT_ANY, &ds);
        if (id >= 0) msgctl(id, IPC_RMID, NULL);
    }
}

/* The root-owned scratch with the step's programs linked in, then handed to the
 * candidate (linked first: root without DAC_OVERRIDE cannot write into the candidate's
 * directory). A scratch left by a step that could not be emptied is moved aside. */
static int prepare_scratch(const step_t *s, int idx) {
    char path[4096];
    if (rmdir(scratch) && errno != ENOENT) {
        snprintf(path, sizeof path, "%s.left.%d", scratch, idx);
        if (rename(scratch, path)) return -1;
    }
    if (mkdir(scratch, 0700)) return -1;
    for (int i = 0; i < s->nlinks; i++) {
        snprintf(path, sizeof path, "%s/%s", scratch, s->link_name[i]);
        if (strchr(s->link_name[i], '/') || link(s->link_src[i], path)) return -1;
    }
    if (drop && chown(scratch, cand_uid, cand_uid)) return -1;
    return 0;
}

/* After a fresh step (its processes killed): empty the scratch, every scrub directory and
 * the candidate's IPC objects with the candidate's rights, then remove the scratch. */
static void scrub_after_step(void) {
    pid_t c = fork();
    if (c == 0) {
        become_candidate();
        empty_dir(scratch);
        for (int i = 0; i < nscrub; i++) empty_dir(scrub[i]);
        scrub_ipc();
        _exit(0);
    }
    if (c > 0) waitpid(c, NULL, 0);
    rmdir(scratch);
}

/* FNV-1a 64 of a file as 16 hex digits into OUT, or "-" when it cannot be read. Not a
 * cryptographic digest, and it need not be: it is compared with the digest of the same
 * program's checked output, which a program can only match by printing that output. */
static void file_digest(const char *path, char out[17]) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { strcpy(out, "-"); return; }
    unsigned long long h = 14695981039346656037ULL;
    static unsigned char buf[1 << 16];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++) { h ^= buf[i]; h *= 1099511628211ULL; }
    close(fd);
    snprintf(out, 17, "%016llx", h);
}

static void collect_file(const char *dst_name, const char *src, const char *resdir);

/* ---- warm steps: forked by a zygote (zygote.py) instead of exec'd ---- */

#define ZYGOTE_SCRIPT "/usr/local/lib/mcrun/zygote.py"
#define MAX_REQUEST 65536
static char zygote_dir[3800] = "/run/mcrun";

/* Index of SCRIPT in ARGV = PYTHON [-FLAGS] SCRIPT ARGS, or -1. */
static int script_index(const step_t *s) {
    for (int i = 1; i < s->argc; i++)
        if (s->argv[i][0] != '-') return i;
    return -1;
}

static unsigned long long fnv(unsigned long long h, const char *text) {
    for (; *text; text++) { h ^= (unsigned char)*text; h *= 1099511628211ULL; }
    return (h ^ 0xff) * 1099511628211ULL; /* a separator, so "ab","c" differs from "a","bc" */
}

static int zygote_connect(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
    if (fd >= 0) close(fd);
    return -1;
}

/* A connection to the zygote of this step's interpreter, flags, modules and environment,
 * started first when there is none (its imports are the one cold start it pays, outside
 * the step's clock); -1 when none comes up (the step then runs cold). */
static int zygote_for(const step_t *s, int script) {
    unsigned long long h = 14695981039346656037ULL;
    for (int i = 0; i < script; i++) h = fnv(h, s->argv[i]);
    h = fnv(h, s->warm);
    for (int i = 0; i < nenv; i++) h = fnv(h, envs[i]);
    char path[4096];
    snprintf(path, sizeof path, "%s/zygote-%016llx", zygote_dir, h);
    if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) return -1;
    int fd = zygote_connect(path);
    if (fd >= 0) return fd;
    pid_t z = fork();
    if (z < 0) return -1;
    if (z == 0) {
        setsid();
        char log[4200];
        snprintf(log, sizeof log, "%s.log", path);
        int null = open("/dev/null", O_RDWR);
        int lf = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(null, 0);
        dup2(lf >= 0 ? lf : null, 1);
        dup2(lf >= 0 ? lf : null, 2);
        for (int fd2 = 3; fd2 < 1024; fd2++) close(fd2);
        if (chdir("/")) _exit(126);
        for (int i = 0; i < nenv; i++) putenv(envs[i]);
        char *argv[MAX_ARGS + 4];
        int n = 0;
        for (int i = 0; i < script; i++) argv[n++] = s->argv[i];
        argv[n++] = ZYGOTE_SCRIPT;
        argv[n++] = path;
        argv[n++] = s->warm;
        argv[n] = NULL;
        execvp(argv[0], argv);
        _exit(127);
    }
    for (int i = 0; i < 6000; i++) { /* up to a minute for the imports */
        if ((fd = zygote_connect(path)) >= 0) return fd;
        if (waitpid(z, NULL, WNOHANG) == z) return -1; /* it died: its log says why */
        usleep(10000);
    }
    kill(z, SIGKILL);
    return -1;
}

/* One line from the zygote into BUF: 0, or -1 on EOF/error, 1 past DEADLINE (0: none). */
static int read_line(int fd, char *buf, size_t cap, long long deadline) {
    size_t n = 0;
    while (n + 1 < cap) {
        if (deadline) {
            long long left = deadline - now_ns();
            if (left <= 0) return 1;
            struct pollfd p = {fd, POLLIN, 0};
            int r = poll(&p, 1, (int)(left / 1000000LL) + 1);
            if (r < 0 && errno != EINTR) return -1;
            if (r <= 0) continue;
        }
        ssize_t k = read(fd, buf + n, 1);
        if (k <= 0) return -1;
        if (buf[n] == '\n') { buf[n] = 0; return 0; }
        n++;
    }
    return -1;
}

typedef struct {
    int status, timed_out;
    long long t0, t1, cpu_ns;
    long maxrss;
} outcome_t;

/* Runs step S as a child of its zygote with IN/OUT/ERR as 0/1/2 (closed here once handed
 * over), filling O. Returns 0, or -1 when no child was started: not a warm step, a stdin or
 * stdout file (opened with the candidate's rights, by a cold child), no root to drop from,
 * or no zygote; the caller then runs the step cold with the descriptors untouched. */
static int run_warm(const step_t *s, int in_fd, int out_fd, int err_fd, outcome_t *o) {
    int script = s->warm && drop ? script_index(s) : -1;
    if (script < 0 || in_fd < 0 || out_fd < 0) return -1;
    char cwd[2048];
    if (!getcwd(cwd, sizeof cwd)) return -1;
    static char req[MAX_REQUEST];
    int len = snprintf(req, sizeof req, "uid %u\nmem %lld\ncpu_s %ld\nfsize %lld\nnproc %ld\ncwd %s\n",
                       (unsigned)cand_uid, s->mem, s->cpu_s, s->fsize, s->nproc, cwd);
    for (int i = script; i < s->argc && len < (int)sizeof req; i++)
        len += snprintf(req + len, sizeof req - len, "arg %s\n", s->argv[i]);
    if (len >= (int)sizeof req) return -1;
    int fd = zygote_for(s, script);
    if (fd < 0) return -1;
    int fds[3] = {in_fd, out_fd, err_fd};
    char control[CMSG_SPACE(sizeof fds)];
    memset(control, 0, sizeof control);
    struct iovec iov = {req, (size_t)len};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    char line[256];
    o->t0 = now_ns();
    pid_t pid = 0;
    if (sendmsg(fd, &msg, 0) != len || read_line(fd, line, sizeof line, 0) != 0 ||
        sscanf(line, "pid %d", &pid) != 1 || pid <= 0) {
        close(fd);
        return -1;
    }
    close(in_fd);
    close(out_fd);
    close(err_fd);
    long long deadline = o->t0 + (long long)s->wall_ms * 1000000LL;
    int r = read_line(fd, line, sizeof line, deadline);
    o->timed_out = r == 1;
    if (r == 1) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        r = read_line(fd, line, sizeof line, now_ns() + 10000000000LL);
    }
    o->t1 = now_ns();
    o->status = SIGKILL; /* raw wait status of a SIGKILL, if the zygote never says */
    o->cpu_ns = 0;
    o->maxrss = 0;
    if (r == 0) {
        long long ut = 0, st = 0;
        if (sscanf(line, "done %d %lld %lld %ld", &o->status, &ut, &st, &o->maxrss) == 4) o->cpu_ns = ut + st;
    }
    close(fd);
    kill(-pid, SIGKILL); /* whatever the step left in its group */
    return 0;
}

static void run_cold(step_t *s, int in_fd, int out_fd, int err_fd, outcome_t *o);

static int run_step(int idx, step_t *s, const char *resdir, FILE *res) {
    char path[4096];
    int in_fd, out_fd, err_fd;
    if (s->in) {
        /* Opened by the child after dropping rights, so stdin cannot name a root file. */
        in_fd = -2;
    } else {
        in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    /* A workspace stdout file is opened by the child with the candidate's rights, so a
     * planted symlink cannot make the runner write somewhere the candidate cannot.
     * Captured streams get one name while the step runs: their index would tell a step
     * where it stands in the plan (a check run from a timing round). */
    char cur_out[4096], cur_err[4096];
    snprintf(cur_out, sizeof cur_out, "%s/stdout.cur", resdir);
    snprintf(cur_err, sizeof cur_err, "%s/stderr.cur", resdir);
    if (s->out) out_fd = -2;
    else out_fd = open_out(cur_out);
    err_fd = open_out(cur_err);
    if (out_fd == -1 || err_fd < 0) die("open output");
    int fresh = s->fresh && scratch;

    outcome_t o;
    memset(&o, 0, sizeof o);
    long oom_before = oom_kills();
    if (fresh && prepare_scratch(s, idx) != 0) {
        dprintf(err_fd, "mcrun: cannot prepare the step's scratch %s: %s\n", scratch, strerror(errno));
        if (in_fd >= 0) close(in_fd);
        if (out_fd >= 0) close(out_fd);
        close(err_fd);
        o.status = 126 << 8;
    } else if (fresh || run_warm(s, in_fd, out_fd, err_fd, &o) != 0) {
        run_cold(s, in_fd, out_fd, err_fd, &o);
    }
    kill_candidate_processes();
    long oom_after = oom_kills();
    long oom = oom_before < 0 || oom_after < 0 ? -1 : oom_after - oom_before;
    if (fresh) {
        if (s->save) {
            snprintf(path, sizeof path, "%s/%s", scratch, s->save);
            char name[64];
            snprintf(name, sizeof name, "save.%d", idx);
            collect_file(name, path, resdir);
        }
        scrub_after_step();
    }
    char digest[17] = "-";
    if (!s->out) {
        snprintf(path, sizeof path, "%s/stdout.%d", resdir, idx);
        if (rename(cur_out, path) == 0) file_digest(path, digest);
        if (s->discard) unlink(path);
    }
    snprintf(path, sizeof path, "%s/stderr.%d", resdir, idx);
    rename(cur_err, path);
    int status = o.status;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    fprintf(res, "%d %d %d %d 0 %lld %lld %ld %ld %s\n", idx, code, sig, o.timed_out, o.t1 - o.t0, o.cpu_ns,
            o.maxrss, oom, digest);
    fflush(res);
    return code == 0 && !o.timed_out;
}

/* Runs step S the ordinary way (fork, drop, exec), filling O. */
static void run_cold(step_t *s, int in_fd, int out_fd, int err_fd, outcome_t *o) {
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);

    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        setsid();
        become_candidate();
        if (in_fd == -2) {
            in_fd = open(s->in, O_RDONLY);
            if (in_fd < 0) { perror("mcrun: stdin"); _exit(126); }
        }
        if (out_fd == -2) {
            out_fd = open(s->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (out_fd < 0) { perror("mcrun: stdout"); _exit(126); }
        }
        if (s->fresh && scratch && chdir(scratch)) { perror("mcrun: scratch"); _exit(126); }
        dup2(in_fd, 0); dup2(out_fd, 1); dup2(err_fd, 2);
        /* The OOM killer takes the candidate, not the runner (raising is unprivileged). */
        int adj = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
        if (adj >= 0) { if (write(adj, "1000", 4) != 4) {} close(adj); }
        struct rlimit r;
        r.rlim_cur = r.rlim_max = (rlim_t)s->mem; setrlimit(RLIMIT_AS, &r);
        /* Hard limit one second above the soft one: the kernel sends SIGXCPU at the soft
         * limit but a bare SIGKILL when both are equal, which would read as an OOM kill. */
        r.rlim_cur = (rlim_t)s->cpu_s; r.rlim_max = (rlim_t)s->cpu_s + 1; setrlimit(RLIMIT_CPU, &r);
        r.rlim_cur = r.rlim_max = (rlim_t)s->fsize; setrlimit(RLIMIT_FSIZE, &r);
        r.rlim_cur = r.rlim_max = (rlim_t)s->nproc; if (drop) setrlimit(RLIMIT_NPROC, &r);
        r.rlim_cur = r.rlim_max = 0; setrlimit(RLIMIT_CORE, &r);
        for (int i = 0; i < nenv; i++) putenv(envs[i]);
        s->argv[s->argc] = NULL;
        execvp(s->argv[0], s->argv);
        fprintf(stderr, "mcrun: cannot execute %s: %s\n", s->argv[0], strerror(errno));
        _exit(127);
    }
    if (in_fd >= 0) close(in_fd);
    if (out_fd >= 0) close(out_fd);
    close(err_fd);

    int timed_out = 0, status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    long long deadline = t0 + (long long)s->wall_ms * 1000000LL;
    long long t1;
    for (;;) {
        pid_t w = wait4(pid, &status, WNOHANG, &ru);
        if (w == pid) { t1 = now_ns(); break; }
        long long left = deadline - now_ns();
        if (left <= 0) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            wait4(pid, &status, 0, &ru);
            t1 = now_ns();
            timed_out = 1;
            break;
        }
        struct timespec ts = {left / 1000000000LL, left % 1000000000LL};
        sigtimedwait(&chld, NULL, &ts);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    kill(-pid, SIGKILL); /* whatever the step left in its group */
    o->status = status;
    o->timed_out = timed_out;
    o->t0 = t0;
    o->t1 = t1;
    o->cpu_ns = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
                (long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
    o->maxrss = ru.ru_maxrss;
}

/* Copy a candidate file out with the candidate's rights (a symlink to a root file, or a
 * FIFO that never ends, gets nothing), capped in size. */
static void collect_file(const char *dst_name, const char *src, const char *resdir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", resdir, dst_name);
    pid_t c = fork();
    if (c == 0) {
        int out = open_out(path);
        become_candidate();
        int in = open(src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
        struct stat st;
        if (in < 0 || fstat(in, &st) || !S_ISREG(st.st_mode)) _exit(1);
        char buf[1 << 16];
        ssize_t n;
        long long total = 0;
        while ((n = read(in, buf, sizeof buf)) > 0 && total < (1LL << 30)) {
            if (write(out, buf, n) != n) _exit(1);
            total += n;
        }
        _exit(0);
    }
    if (c > 0) {
        /* The copy can only block on a hostile file system object; cap it anyway. */
        int status = 0;
        for (int i = 0; i < 2000; i++) {
            if (waitpid(c, &status, WNOHANG) == c) {
                if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) unlink(path);
                return;
            }
            usleep(5000);
        }
        kill(c, SIGKILL);
        waitpid(c, NULL, 0);
        unlink(path);
    }
}

/* Empty DIR with the candidate's rights: everything in it was made by the candidate (or
 * handed to it), so no privilege is needed, and a planted symlink leads nowhere else.
 * Then root removes what is left: sealed files, root's own; by now no candidate process
 * is alive to swap a directory for a link, and links are never followed. */
static void clean_dir(const char *dir) {
    for (int as_root = 0; as_root < 2; as_root++) {
        pid_t c = fork();
        if (c == 0) {
            if (!as_root) become_candidate();
            empty_dir(dir);
            _exit(0);
        }
        if (c > 0) waitpid(c, NULL, 0);
        if (!drop) break;
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: mcrun PLAN RESULT_DIR [UID]\n");
        return 125;
    }
    if (argc > 3) cand_uid = (uid_t)atol(argv[3]);
    drop = geteuid() == 0;
    /* Orphans of a step (double-forked daemons) are reparented to us, not to an init
     * that may never reap them, and are counted and killed with the rest. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    parse_plan(argv[1]);
    unlink(argv[1]);
    /* Zygotes live beside the plan, in the runner's own directory (root only). */
    snprintf(zygote_dir, sizeof zygote_dir, "%s", argv[1]);
    char *slash = strrchr(zygote_dir, '/');
    if (slash) *slash = 0; else strcpy(zygote_dir, ".");
    char path[4096];
    snprintf(path, sizeof path, "%s/result", argv[2]);
    /* Close-on-exec: a step inheriting it could write rows of its own (a forged wall time). */
    FILE *res = fopen(path, "we");
    if (!res) die("open result");
    int failed = 0;
    for (int i = 0; i < nsteps; i++) {
        if (failed) {
            fprintf(res, "%d -1 0 0 1 0 0 0 0 -\n", i);
            continue;
        }
        if (!run_step(i, &steps[i], argv[2], res) && steps[i].stop) failed = 1;
    }
    fclose(res);
    for (int k = 0; k < ncollect; k++) {
        char name[64];
        snprintf(name, sizeof name, "collect.%d", k);
        collect_file(name, collect[k], argv[2]);
    }
    for (int k = 0; k < ncleanup; k++) clean_dir(cleanup[k]);
    kill_candidate_processes();
    return 0;
}
