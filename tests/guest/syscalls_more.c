/*
 * syscalls_more - calls real programs make that faultline answered ENOSYS until 2026-12-06:
 * the set/remove extended-attribute calls (Python's os.setxattr), utime and futimesat,
 * setrlimit, setgroups, clock_settime/settimeofday's argument checks, sigqueue
 * (rt_sigqueueinfo, rt_tgsigqueueinfo) with its si_value to the process itself and to a child,
 * readahead and sync_file_range, and kill(getppid(), 0); reads of 1 MiB from /dev/zero,
 * /dev/urandom and /dev/random (read, readv, pread: each returns the whole count); execve with
 * too many arguments and with one too long (E2BIG both). Takes a scratch
 * directory as argv[1]. Prints each result; the same natively and under faultline (as root: nothing
 * here changes the clock or the ids).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

static const char *err(long r)
{
    static char buf[64];
    if (r >= 0) {
        snprintf(buf, sizeof(buf), "%ld", r);
        return buf;
    }
    return strerrorname_np(errno) ? strerrorname_np(errno) : "?";
}

static volatile sig_atomic_t got_value, got_code;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    got_value = si->si_value.sival_int;
    got_code = si->si_code;
}

/* One read, readv (two segments) and pread of 1 MiB + 1 from each device: the counts. */
static void dev_reads(void)
{
    static const char *const devs[] = {"/dev/zero", "/dev/urandom", "/dev/random"};
    const size_t len = (1 << 20) + 1;
    char *buf = malloc(len);

    for (int i = 0; i < 3; i++) {
        int d = open(devs[i], O_RDONLY);
        if (d < 0 || !buf) {
            printf("open %s: %s\n", devs[i], err(-1));
            continue;
        }
        memset(buf, 1, len);
        long r = read(d, buf, len);
        printf("read %zu from %s: %s", len, devs[i], err(r));
        if (i == 0) {
            size_t z = 0;
            while (z < len && buf[z] == 0)
                z++;
            printf(", zeros: %zu", z);
        }
        struct iovec iov[2] = {{buf, 3000}, {buf + 3000, len - 3000}};
        printf(", readv: %s", err(readv(d, iov, 2)));
        printf(", pread: %s\n", err(pread(d, buf, len, 0)));
        close(d);
    }
    free(buf);
}

/* execve of this program in a child, with 8 MiB of stack limit (so 2 MiB for the arguments):
 * 300000 short arguments (over the limit by their pointers and strings together, each small)
 * and then one of 200 KiB (over MAX_ARG_STRLEN). Both E2BIG; the child reports. */
static void exec_too_big(void)
{
    static const int counts[] = {300000, 2};
    for (int i = 0; i < 2; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            struct rlimit rl = {8 << 20, 8 << 20};
            char **args = calloc(counts[i] + 1, sizeof(*args));
            char *longarg = malloc(200 << 10);
            if (!args || !longarg || setrlimit(RLIMIT_STACK, &rl))
                _exit(3);
            memset(longarg, 'x', (200 << 10) - 1);
            longarg[(200 << 10) - 1] = 0;
            args[0] = "/proc/self/exe";
            for (int j = 1; j < counts[i]; j++)
                args[j] = i == 0 ? "abcdefg" : longarg;
            execv("/proc/self/exe", args);
            printf("execve with %d arguments%s: %s\n", counts[i], i ? ", one of 200 KiB" : "",
                   err(-1));
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        printf("  child status %d\n", status);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || chdir(argv[1]))
        return 2;
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = open("f", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "data\n", 5) != 5)
        return 2;

    /* extended attributes */
    char val[32] = "";
    long r = setxattr("f", "user.fl", "one", 3, 0);
    printf("setxattr: %s\n", err(r));
    if (r == 0) {
        r = getxattr("f", "user.fl", val, sizeof(val));
        printf("getxattr: %s %.*s\n", err(r), r > 0 ? (int)r : 0, val);
        printf("setxattr XATTR_CREATE on an existing one: %s\n",
               err(setxattr("f", "user.fl", "x", 1, XATTR_CREATE)));
        printf("setxattr XATTR_REPLACE on a missing one: %s\n",
               err(setxattr("f", "user.none", "x", 1, XATTR_REPLACE)));
        printf("fsetxattr: %s\n", err(fsetxattr(fd, "user.fl", "two", 3, XATTR_REPLACE)));
        r = fgetxattr(fd, "user.fl", val, sizeof(val));
        printf("fgetxattr: %s %.*s\n", err(r), r > 0 ? (int)r : 0, val);
        printf("setxattr with a bad flag: %s\n", err(setxattr("f", "user.fl", "x", 1, 4)));
        symlink("f", "link");
        printf("lsetxattr user.* on a symlink: %s\n", err(lsetxattr("link", "user.fl", "x", 1, 0)));
        printf("removexattr: %s\n", err(removexattr("f", "user.fl")));
        printf("removexattr again: %s\n", err(removexattr("f", "user.fl")));
        printf("fremovexattr of a missing one: %s\n", err(fremovexattr(fd, "user.fl")));
        unlink("link");
    }

    /* utime, futimesat */
    struct utimbuf ub = {1000000000, 1100000000};
    struct stat st;
    r = utime("f", &ub);
    stat("f", &st);
    printf("utime: %s, mtime %ld\n", err(r), (long)st.st_mtime);
    struct timeval tv[2] = {{1200000000, 0}, {1300000000, 5}};
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    r = syscall(SYS_futimesat, dir, "f", tv);
    stat("f", &st);
    printf("futimesat: %s, mtime %ld\n", err(r), (long)st.st_mtime);
    tv[0].tv_usec = 2000000;
    printf("futimesat with a bad usec: %s\n", err(syscall(SYS_futimesat, dir, "f", tv)));

    /* setrlimit: lower a soft limit, read it back */
    struct rlimit rl, back;
    getrlimit(RLIMIT_CORE, &rl);
    struct rlimit lower = {0, rl.rlim_max};
    r = setrlimit(RLIMIT_CORE, &lower);
    getrlimit(RLIMIT_CORE, &back);
    printf("setrlimit RLIMIT_CORE soft 0: %s, now %ld\n", err(r), (long)back.rlim_cur);
    printf("setrlimit of resource 99: %s\n", err(syscall(SYS_setrlimit, 99, &lower)));

    /* setgroups to the groups we have */
    gid_t groups[64];
    int ng = getgroups(64, groups);
    printf("setgroups to the same groups: %s\n", err(setgroups(ng, groups)));
    printf("setgroups with a negative size: %s\n", err(syscall(SYS_setgroups, -1, groups)));

    /* clock_settime/settimeofday: only the argument checks (as root they would set the clock) */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    printf("clock_settime(CLOCK_MONOTONIC): %s\n", err(clock_settime(CLOCK_MONOTONIC, &now)));
    struct timespec bad = {now.tv_sec, 2000000000};
    printf("clock_settime with tv_nsec 2e9: %s\n", err(clock_settime(CLOCK_REALTIME, &bad)));
    printf("settimeofday(NULL, NULL): %s\n", err(syscall(SYS_settimeofday, NULL, NULL)));

    /* sigqueue: to ourselves, with a value */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    union sigval sv = {.sival_int = 42};
    r = sigqueue(getpid(), SIGUSR1, sv);
    printf("sigqueue to ourselves: %s, value %d, SI_QUEUE %s\n", err(r), (int)got_value,
           got_code == SI_QUEUE ? "yes" : "no");
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_code = SI_QUEUE;
    si.si_value.sival_int = 7;
    got_value = 0;
    r = syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, &si);
    printf("rt_tgsigqueueinfo to this thread: %s, value %d\n", err(r), (int)got_value);

    /* ... and to a child waiting in sigwaitinfo */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        siginfo_t got;
        int s = sigwaitinfo(&set, &got);
        _exit(s == SIGUSR2 && got.si_value.sival_int == 99 && got.si_code == SI_QUEUE &&
                      got.si_pid == getppid()
                  ? 0
                  : 1);
    }
    si.si_code = SI_USER; /* claiming kill()'s origin for another process */
    printf("rt_sigqueueinfo with SI_USER to a child: %s\n",
           err(syscall(SYS_rt_sigqueueinfo, pid, SIGUSR2, &si)));
    sv.sival_int = 99;
    r = sigqueue(pid, SIGUSR2, sv);
    int status = 0;
    waitpid(pid, &status, 0);
    printf("sigqueue to a child: %s, it got the value: %s\n", err(r),
           WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");

    /* our parent exists (under faultline: faultline itself) */
    printf("kill(getppid(), 0): %s\n", err(kill(getppid(), 0)));

    /* readahead, sync_file_range */
    printf("readahead: %s\n", err(readahead(fd, 0, 4096)));
    int pfd[2];
    pipe(pfd);
    printf("readahead on a pipe: %s\n", err(readahead(pfd[0], 0, 4096)));
    printf("sync_file_range: %s\n", err(sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE)));
    printf("sync_file_range with a bad flag: %s\n", err(sync_file_range(fd, 0, 0, 8)));

    /* the mem devices fill a read of any size at once (not FL_BOUNCE at a time) */
    dev_reads();

    /* execve's argument limits */
    exec_too_big();
    close(fd);
    unlink("f");
    return 0;
}
