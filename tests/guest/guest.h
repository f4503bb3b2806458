/*
 * guest.h - helpers shared by the guest programs (the .c files in tests/guest).
 *
 * Guests run twice: natively and under `faultline run`, and their stdout and exit status must be
 * identical (tests/e2e/compare.py). So stdout holds only deterministic text: never an address, a
 * pid or a time. Addresses that the fault-log checks need (tests/e2e/faults.py) go to stderr as
 * `NAME: key=0xHEX` lines, which compare.py ignores and faults.py parses.
 *
 * Builds with glibc (gcc -static) and musl (musl-gcc -static): plain POSIX plus Linux mmap flags.
 */
#ifndef GUEST_H
#define GUEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define GUEST_PAGE 4096UL

/* capget and capset of the calling thread, version 3: d[0], d[1], d[2] are the low words of the
 * effective, permitted and inheritable sets, d[3], d[4], d[5] their high words. 0 or -1. */
static inline int guest_capget(uint32_t d[6])
{
    struct {
        uint32_t version;
        int pid;
    } hdr = {0x20080522, 0};
    return (int)syscall(SYS_capget, &hdr, d);
}

static inline int guest_capset(const uint32_t d[6])
{
    struct {
        uint32_t version;
        int pid;
    } hdr = {0x20080522, 0};
    return (int)syscall(SYS_capset, &hdr, d);
}

/* A failed setup step is not the behaviour under test: exit 100 with a message. */
static inline void guest_die(const char *what)
{
    fprintf(stderr, "guest: %s failed: %s\n", what, strerror(errno));
    exit(100);
}

/* Wait for child pid (through EINTR from the caller's own signals) and return its status as a
 * shell reports it: the exit code, or 128 + the signal that killed it. */
static inline int guest_reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            guest_die("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* An errno's name ("EINVAL"), the same under glibc and musl (strerror's texts differ). */
static inline const char *guest_errno_name(int e)
{
    static const struct {
        int e;
        const char *name;
    } names[] = {{EPERM, "EPERM"},
                 {ENOENT, "ENOENT"},
                 {ESRCH, "ESRCH"},
                 {EINTR, "EINTR"},
                 {EIO, "EIO"},
                 {E2BIG, "E2BIG"},
                 {EBADF, "EBADF"},
                 {ECHILD, "ECHILD"},
                 {EAGAIN, "EAGAIN"},
                 {ENOMEM, "ENOMEM"},
                 {EACCES, "EACCES"},
                 {EFAULT, "EFAULT"},
                 {EBUSY, "EBUSY"},
                 {EEXIST, "EEXIST"},
                 {ENOTDIR, "ENOTDIR"},
                 {EINVAL, "EINVAL"},
                 {ENOSPC, "ENOSPC"},
                 {ERANGE, "ERANGE"},
                 {ENOSYS, "ENOSYS"},
                 {EIDRM, "EIDRM"},
                 {ENOMSG, "ENOMSG"},
                 {EOPNOTSUPP, "EOPNOTSUPP"},
                 {EMFILE, "EMFILE"},
                 {EFBIG, "EFBIG"},
                 {EDEADLK, "EDEADLK"},
                 {ETIMEDOUT, "ETIMEDOUT"},
                 {EOWNERDEAD, "EOWNERDEAD"},
                 {ENOTRECOVERABLE, "ENOTRECOVERABLE"},
                 {EXDEV, "EXDEV"}};
    static char other[24];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].e == e)
            return names[i].name;
    snprintf(other, sizeof(other), "errno %d", e);
    return other;
}

/* Run this program again in a child (fork, then execve of /proc/self/exe with argv0 and arg),
 * and return its status as guest_reap does: for what a fresh image inherits across exec. */
static inline int guest_run_self(const char *argv0, const char *arg)
{
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv0, arg, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        guest_die("fork");
    return guest_reap(pid);
}

/*
 * A fresh private anonymous mapping of `len` bytes, placed at `hint` if that range is free
 * (MAP_FIXED_NOREPLACE, so the fault-log checks see stable addresses), else wherever the kernel
 * puts it (kernels before 4.17 ignore the flag and treat `hint` as a hint). Nothing is touched.
 */
static inline unsigned char *guest_map(unsigned long hint, size_t len, int prot)
{
    void *p =
        mmap((void *)hint, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED)
        p = mmap((void *)hint, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        guest_die("mmap");
    return p;
}

/* Report an address for faults.py on stderr: "prog: key=0x1234". */
static inline void guest_note(const char *prog, const char *key, const void *addr)
{
    fprintf(stderr, "%s: %s=0x%lx\n", prog, key, (unsigned long)(uintptr_t)addr);
}

/*
 * A marker in the fault log: map a fresh page at a fixed hint (0x2f0000000 + index pages) and
 * store to it, which is exactly one do_anonymous_page fault at a known address. faults.py finds
 * its seq number to tell the faults before a point of the program from those after.
 */
static inline void guest_marker(const char *prog, const char *name, int index)
{
    volatile unsigned char *m =
        guest_map(0x2f0000000UL + index * GUEST_PAGE, GUEST_PAGE, PROT_READ | PROT_WRITE);
    char key[64];
    snprintf(key, sizeof(key), "marker_%s", name);
    guest_note(prog, key, (void *)m);
    m[0] = 1;
}

/* How many lines of /proc/self/maps contain needle ("" counts the VMAs). */
static inline int guest_maps_lines(const char *needle)
{
    char line[512];
    int n = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        guest_die("fopen maps");
    while (fgets(line, sizeof(line), f))
        if (strstr(line, needle))
            n++;
    fclose(f);
    return n;
}

/* The whole of a (small) file such as /proc/self/status into buf, NUL-terminated, with raw
 * read(2)s (no stdio buffer to allocate). Returns its length; dies when it cannot be read. */
static inline size_t guest_read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    size_t got = 0;
    ssize_t n = 0;

    if (fd < 0)
        guest_die(path);
    while (got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
        got += (size_t)n;
    if (n < 0 || got == 0)
        guest_die(path);
    close(fd);
    buf[got] = 0;
    return got;
}

/* A clock's time in ns. */
static inline long long guest_clock_ns(clockid_t clk)
{
    struct timespec ts;
    if (clock_gettime(clk, &ts))
        guest_die("clock_gettime");
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The number of failed guest_checks so far. */
static inline int *guest_failures(void)
{
    static int n;
    return &n;
}

/* One property: stdout says only whether it holds ("what: ok" or "what: FAIL"), the same natively
 * and under faultline; the numbers behind a failure go to stderr. */
static inline void guest_check(const char *what, int ok, long long a, long long b)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) {
        fprintf(stderr, "guest: %s failed: %lld %lld\n", what, a, b);
        (*guest_failures())++;
    }
}

/* The minor faults this process has taken so far (getrusage). */
static inline long guest_minflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* The value (kB) of the /proc/self/smaps line `key` ("Rss:", "AnonHugePages:" ...) of the VMA
 * that starts at start; -1 if there is no such VMA or line. */
static inline long guest_smaps_kb(const void *start, const char *key)
{
    char want[32], line[256];
    snprintf(want, sizeof(want), "%lx-", (unsigned long)start);
    FILE *f = fopen("/proc/self/smaps", "r");
    int in = 0;
    long v = -1;
    while (f && fgets(line, sizeof(line), f)) {
        char *dash = strchr(line, '-'), *space = strchr(line, ' ');
        if (dash && space && dash < space) /* a VMA's first line */
            in = strncmp(line, want, strlen(want)) == 0;
        else if (in && !strncmp(line, key, strlen(key)))
            v = atol(line + strlen(key));
    }
    if (f)
        fclose(f);
    return v;
}

/* argv[i] as a count, or `dflt` when absent. */
static inline long guest_arg(int argc, char **argv, int i, long dflt)
{
    return argc > i ? strtol(argv[i], NULL, 0) : dflt;
}

/* Tunable files (/proc/sys/vm, /sys/kernel/mm/transparent_hugepage): print "NAME: CONTENT" of
 * DIR/NAME (its first 127 bytes, a newline at their end) or "NAME: ERROR". */
static inline void guest_file_show(const char *dir, const char *name)
{
    char path[256], buf[128] = {0};
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
        snprintf(buf, sizeof(buf), "%s\n", strerror(errno));
    if (fd >= 0)
        close(fd);
    printf("%s: %s", name, buf);
}

/* Write val to DIR/NAME and print "write NAME LABEL: ok" or the error, LABEL being label (NULL:
 * val) up to its first newline. */
static inline void guest_file_write(const char *dir, const char *name, const char *val,
                                    const char *label)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY);
    ssize_t r = fd < 0 ? -1 : write(fd, val, strlen(val));
    if (!label)
        label = val;
    printf("write %s %.*s: %s\n", name, (int)strcspn(label, "\n"), label,
           r < 0 ? strerror(errno) : "ok");
    if (fd >= 0)
        close(fd);
}

/* NAME opened relative to dirfd (AT_FDCWD: the cwd), read or, with val, written; printed as
 * "cwd NAME: CONTENT" or "dirfd NAME: wrote VAL" (or the error). */
static inline void guest_file_at(int dirfd, const char *name, const char *val)
{
    char buf[128] = {0};
    int fd = openat(dirfd, name, val ? O_WRONLY : O_RDONLY);
    ssize_t r = fd < 0 ? -1 : val ? write(fd, val, strlen(val)) : read(fd, buf, sizeof(buf) - 1);
    if (r < 0)
        snprintf(buf, sizeof(buf), "%s\n", strerror(errno));
    else if (val)
        snprintf(buf, sizeof(buf), "wrote %.*s\n", (int)strcspn(val, "\n"), val);
    if (fd >= 0)
        close(fd);
    printf("%s %s: %s", dirfd == AT_FDCWD ? "cwd" : "dirfd", name, buf);
}

static inline int guest_by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* dir's entries but . and .., sorted, printed after head (and their count) on one line. */
static inline void guest_list_dir(const char *dir, const char *head, int with_count)
{
    static char *names[128];
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && n < 128 && (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    if (d)
        closedir(d);
    qsort(names, (size_t)n, sizeof(names[0]), guest_by_name);
    if (with_count)
        printf("%s (%d):", head, n);
    else
        printf("%s:", head);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
}

#endif
