/*
 * rlimits.c - resource limits the guest sets are its own, and are obeyed.
 *
 *   rlimits group       limits are per process: inherited by fork, a child's change stays its own;
 *                       prlimit reads and sets another process's (ESRCH once it is reaped); a
 *                       lowered hard limit is raised only with CAP_SYS_RESOURCE
 *   rlimits nofile      RLIMIT_NOFILE: EMFILE past the soft limit, dup2/F_DUPFD/poll at it,
 *                       SCM_RIGHTS past it (MSG_CTRUNC)
 *   rlimits fsize DIR   RLIMIT_FSIZE: writes to a regular file shortened at the limit, EFBIG and
 *                       SIGXFSZ past it (write, pwrite, writev, truncate, fallocate, sendfile,
 *                       copy_file_range, splice); pipes are not files; SIGXFSZ's default kills
 *   rlimits cpu         RLIMIT_CPU soft 1 s, hard 2 s: one SIGXCPU at 1 s (the soft limit then
 *                       2), SIGKILL at 2 s
 *   rlimits proc        /proc/self/limits and /proc/PID/limits show the limits set
 *
 * The output is the same natively and under faultline (tests/guest/CMakeLists.txt).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, guest_errno_name(errno));
    else
        printf("%s: %ld\n", what, r);
}

static void set_soft(int resource, rlim_t cur)
{
    struct rlimit r;

    getrlimit(resource, &r);
    r.rlim_cur = cur;
    if (setrlimit(resource, &r) < 0)
        perror("setrlimit"), exit(1);
}

static rlim_t soft(int resource)
{
    struct rlimit r;

    getrlimit(resource, &r);
    return r.rlim_cur;
}

static int group(void)
{
    set_soft(RLIMIT_NOFILE, 64);
    pid_t pid = fork();
    if (pid == 0) {
        printf("child inherits: %llu\n", (unsigned long long)soft(RLIMIT_NOFILE));
        set_soft(RLIMIT_NOFILE, 20);
        printf("child sets: %llu\n", (unsigned long long)soft(RLIMIT_NOFILE));
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("parent keeps: %llu\n", (unsigned long long)soft(RLIMIT_NOFILE));

    /* prlimit on another process: its limits, read and set from outside */
    int go[2];
    if (pipe(go) < 0)
        perror("pipe"), exit(1);
    pid = fork();
    if (pid == 0) {
        char c;
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        printf("child after prlimit: %llu\n", (unsigned long long)soft(RLIMIT_NOFILE));
        fflush(stdout);
        _exit(0);
    }
    close(go[0]);
    struct rlimit lim, was;
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = 24;
    show("prlimit child", prlimit(pid, RLIMIT_NOFILE, &lim, &was));
    printf("child's before: %llu\n", (unsigned long long)was.rlim_cur);
    if (write(go[1], "x", 1) != 1)
        perror("write"), exit(1);
    waitpid(pid, NULL, 0);
    printf("parent still: %llu\n", (unsigned long long)soft(RLIMIT_NOFILE));
    show("prlimit reaped child", prlimit(pid, RLIMIT_NOFILE, NULL, &was));

    /* a hard limit lowered, then raised again: only with CAP_SYS_RESOURCE, which root in a
     * container may lack (faultline asked for root until 2026-12-06); in a child, so that the
     * limit stays for the others */
    pid = fork();
    if (pid == 0) {
        struct rlimit st = {4 << 20, 16 << 20};
        show("lower the stack's hard limit", setrlimit(RLIMIT_STACK, &st));
        st.rlim_max = 32 << 20;
        long r = setrlimit(RLIMIT_STACK, &st);
        printf("raise it again: %s\n", r == 0 ? "ok" : errno == EPERM ? "EPERM" : "other error");
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    return 0;
}

static int nofile(void)
{
    int n = 0, last = -1, fd, sv[2], p[2];

    for (int i = 3; i < 64; i++)
        close(i);
    set_soft(RLIMIT_NOFILE, 20);
    while ((fd = open("/dev/null", O_RDONLY)) >= 0)
        n++, last = fd;
    printf("opened %d, last fd %d\n", n, last);
    show("open", fd);
    show("dup", dup(0));
    show("F_DUPFD 5", fcntl(0, F_DUPFD, 5));
    show("F_DUPFD 20", fcntl(0, F_DUPFD, 20));
    show("dup2 19", dup2(0, 19));
    show("dup2 20", dup2(0, 20));
    show("dup3 25", dup3(0, 25, O_CLOEXEC));
    show("pipe", pipe(p));
    show("socket", socket(AF_UNIX, SOCK_STREAM, 0));
    show("eventfd", eventfd(0, 0));
    show("epoll_create1", epoll_create1(0));
    show("memfd_create", memfd_create("x", 0));
    struct pollfd pf[21] = {{.fd = 0, .events = POLLIN}};
    show("poll 20", poll(pf, 20, 0) >= 0 ? 0 : -1);
    show("poll 21", poll(pf, 21, 0));

    /* one fd free: a pipe needs two (and leaves the one free) */
    close(10);
    show("pipe, 1 free", pipe(p));
    show("open, 1 free", fd = open("/dev/null", O_RDONLY));
    close(fd);

    /* fds passed in SCM_RIGHTS past the limit are dropped, and the message says MSG_CTRUNC */
    close(11), close(12), close(13);
    show("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    int pass[3] = {0, 1, 2};
    char cbuf[CMSG_SPACE(sizeof(pass))] = {0}, c = 'x';
    struct iovec iov = {.iov_base = &c, .iov_len = 1};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET, cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(pass));
    memcpy(CMSG_DATA(cm), pass, sizeof(pass));
    show("sendmsg", sendmsg(sv[0], &m, 0));
    memset(cbuf, 0, sizeof(cbuf));
    m.msg_controllen = sizeof(cbuf);
    show("recvmsg", recvmsg(sv[1], &m, 0));
    printf("MSG_CTRUNC: %d\n", !!(m.msg_flags & MSG_CTRUNC));
    cm = CMSG_FIRSTHDR(&m);
    if (cm && cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
        int got;
        memcpy(&got, CMSG_DATA(cm), sizeof(got));
        printf("fds received: %d, the first %d, msg_controllen %zu\n",
               (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int)), got, (size_t)m.msg_controllen);
    }

    /* raised again, the table has room */
    set_soft(RLIMIT_NOFILE, 64);
    show("open after raising", open("/dev/null", O_RDONLY));
    show("dup2 40", dup2(0, 40));
    return 0;
}

static volatile sig_atomic_t xfsz;

static void on_xfsz(int sig)
{
    (void)sig;
    xfsz++;
}

static long fsize_of(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

#define SHOW_SIG(what, call)                                                                       \
    do {                                                                                           \
        xfsz = 0;                                                                                  \
        show(what, call);                                                                          \
        printf("  SIGXFSZ %d, size %ld\n", (int)xfsz, fsize_of(fd));                               \
    } while (0)

static int fsize(const char *dir)
{
    static char buf[20000];
    int fd, src, p[2];
    char path[4096];

    if (chdir(dir) < 0)
        return perror("chdir"), 1;
    signal(SIGXFSZ, on_xfsz);
    set_soft(RLIMIT_FSIZE, 10240);
    fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0600);
    SHOW_SIG("write 20000", write(fd, buf, sizeof(buf)));
    SHOW_SIG("write at the limit", write(fd, buf, 100));
    SHOW_SIG("write 0 at the limit", write(fd, buf, 0));
    SHOW_SIG("pwrite across", pwrite(fd, buf, 1000, 10000));
    SHOW_SIG("pwrite past", pwrite(fd, buf, 1000, 20000));
    struct iovec iov[2] = {{buf, 100}, {buf, 300}};
    lseek(fd, 10000, SEEK_SET);
    SHOW_SIG("writev across", writev(fd, iov, 2));
    SHOW_SIG("pwritev past", pwritev(fd, iov, 2, 10240));
    SHOW_SIG("ftruncate 5000", ftruncate(fd, 5000));
    SHOW_SIG("ftruncate 10240", ftruncate(fd, 10240));
    SHOW_SIG("ftruncate 10241", ftruncate(fd, 10241));
    SHOW_SIG("truncate 20000", truncate("f", 20000));
    SHOW_SIG("fallocate past", fallocate(fd, 0, 10000, 1000));
    SHOW_SIG("fallocate keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 10000, 1000));
    int app = open("f", O_WRONLY | O_APPEND);
    SHOW_SIG("append at the limit", write(app, buf, 10));
    close(app);

    /* a file written from another */
    src = open("src", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (write(src, buf, 8000) != 8000)
        return 1;
    close(fd);
    fd = open("g", O_RDWR | O_CREAT | O_TRUNC, 0600);
    lseek(fd, 8000, SEEK_SET);
    lseek(src, 0, SEEK_SET);
    SHOW_SIG("sendfile across", sendfile(fd, src, NULL, 8000));
    SHOW_SIG("sendfile past", sendfile(fd, src, NULL, 8000));
    loff_t in_off = 0, out_off = 6000;
    SHOW_SIG("copy_file_range across", copy_file_range(src, &in_off, fd, &out_off, 8000, 0));
    out_off = 10240;
    SHOW_SIG("copy_file_range past", copy_file_range(src, &in_off, fd, &out_off, 8000, 0));
    if (pipe(p) < 0 || write(p[1], buf, 8000) != 8000)
        return 1;
    out_off = 4000;
    SHOW_SIG("splice across", splice(p[0], NULL, fd, &out_off, 8000, 0));
    out_off = 10240;
    SHOW_SIG("splice past", splice(p[0], NULL, fd, &out_off, 100, 0));

    /* not regular files: no limit */
    xfsz = 0;
    close(p[0]), close(p[1]);
    if (pipe(p) < 0)
        return 1;
    show("pipe write 20000", write(p[1], buf, sizeof(buf)));
    int null = open("/dev/null", O_WRONLY);
    show("/dev/null write 20000", write(null, buf, sizeof(buf)));
    printf("  SIGXFSZ %d\n", (int)xfsz);

    /* the default action: the writer dies of SIGXFSZ (bash's ulimit -f) */
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_DFL);
        int h = open("h", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        while (write(h, buf, sizeof(buf)) > 0)
            ;
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("writer: %s %d\n", WIFSIGNALED(status) ? "killed by" : "exited",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    snprintf(path, sizeof(path), "h");
    struct stat st;
    stat(path, &st);
    printf("h: %ld bytes\n", (long)st.st_size);
    return 0;
}

static volatile sig_atomic_t xcpu;

static void on_xcpu(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    if (xcpu++ == 0) {
        char msg[64];
        int n = snprintf(msg, sizeof(msg), "SIGXCPU, si_code %d, soft limit now %llu\n",
                         si->si_code, (unsigned long long)soft(RLIMIT_CPU));
        (void)!write(1, msg, (size_t)n);
    }
}

static int cpu(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct sigaction sa = {.sa_sigaction = on_xcpu, .sa_flags = SA_SIGINFO};
        sigaction(SIGXCPU, &sa, NULL);
        struct rlimit r = {1, 2};
        if (setrlimit(RLIMIT_CPU, &r) < 0)
            _exit(1);
        for (volatile unsigned long i = 0;; i++)
            ; /* until SIGKILL */
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child: %s %d\n", WIFSIGNALED(status) ? "killed by" : "exited",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    return 0;
}

static void cat(const char *path)
{
    char buf[4096];
    int fd = open(path, O_RDONLY);
    ssize_t n;

    printf("%s:\n", strncmp(path, "/proc/self", 10) ? "/proc/PID/limits" : path);
    while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    close(fd);
}

static int proc_limits(void)
{
    char path[64];
    int p[2];

    /* the limits that differ between faultline and its host, set to what both can */
    struct rlimit r = {100, 200};
    setrlimit(RLIMIT_NOFILE, &r);
    r = (struct rlimit){1000, 2000};
    setrlimit(RLIMIT_CPU, &r);
    set_soft(RLIMIT_FSIZE, 10240);
    set_soft(RLIMIT_STACK, 4 << 20);
    set_soft(RLIMIT_CORE, 0);
    cat("/proc/self/limits");
    /* a child's own, read by its parent */
    int ready[2];
    if (pipe(p) < 0 || pipe(ready) < 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        set_soft(RLIMIT_NOFILE, 20);
        set_soft(RLIMIT_FSIZE, RLIM_INFINITY);
        close(p[1]);
        char c = 0;
        (void)!write(ready[1], &c, 1);
        (void)!read(p[0], &c, 1);
        _exit(0);
    }
    close(p[0]);
    char c;
    (void)!read(ready[0], &c, 1);
    snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
    cat(path);
    close(p[1]);
    waitpid(pid, NULL, 0);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IONBF, 0);
    if (!strcmp(mode, "group"))
        return group();
    if (!strcmp(mode, "nofile"))
        return nofile();
    if (!strcmp(mode, "cpu"))
        return cpu();
    if (!strcmp(mode, "proc"))
        return proc_limits();
    if (!strcmp(mode, "fsize") && argc > 2)
        return fsize(argv[2]);
    fprintf(stderr, "usage: rlimits group|nofile|fsize DIR|cpu|proc\n");
    return 2;
}
