/*
 * fd_grow.c - fds past 1024 once RLIMIT_NOFILE's soft limit is raised: the fd table grows on
 * demand (fs/file.c's expand_files) up to the limit.
 *
 * The limits a process starts with are printed (the host's, natively and under faultline), then
 * the soft limit is raised to 4096 (when the hard limit allows it) and fds past 1024 are made
 * and used: dup2 and F_DUPFD to them, a pipe read and written there, poll, epoll and select on
 * one, FDSize in /proc/self/status, /proc/self/fd's listing, a fork whose child uses them and
 * execs (close-on-exec past 1024), the table filled to the limit (EMFILE, EBADF, EINVAL at it),
 * SCM_RIGHTS into a free slot near the top, close_range over them, and a lowered limit again.
 *
 * FDSize is printed only where Linux's table sizes before and after 6.13 agree (a table grown
 * for fd 1500 or 4095, a fork's copy up to fd 2000), and never the first table's, which natively
 * depends on the table of the process that started this one.
 *
 * The output is the same natively and under faultline (tests/guest/CMakeLists.txt).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#define TARGET 4096
#define RD     1500 /* the pipe's read end */
#define WR     1501 /* and its write end */

static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, guest_errno_name(errno));
    else
        printf("%s: %ld\n", what, r);
}

static int fdsize(void)
{
    char buf[8192], *at;
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    at = strstr(buf, "FDSize:");
    return at ? atoi(at + 7) : -1;
}

/* The open fds past 1023, as /proc/self/fd lists them (getdents), in its order. */
static void list_high(const char *who)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    printf("%s /proc/self/fd past 1023:", who);
    while (d && (e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (fd >= 1024) {
            if (n++ < 8)
                printf(" %d", fd);
        }
    }
    printf(" (%d)\n", n);
    if (d)
        closedir(d);
}

/* What the pipe at RD holds now (without blocking: it is O_NONBLOCK). */
static void drain(const char *who)
{
    char buf[64];
    ssize_t n = read(RD, buf, sizeof(buf) - 1);

    if (n < 0) {
        printf("%s read %d: -1 %s\n", who, RD, guest_errno_name(errno));
        return;
    }
    buf[n] = 0;
    printf("%s read %d: \"%s\"\n", who, RD, buf);
}

static int after_exec(void)
{
    show("exec'd F_GETFD 1500", fcntl(RD, F_GETFD));
    show("exec'd F_GETFD 1100", fcntl(1100, F_GETFD));
    show("exec'd F_GETFD 2000 (close-on-exec)", fcntl(2000, F_GETFD));
    show("exec'd write 1501", write(WR, "exec'd", 6));
    return 0;
}

static long sys_select_bits(int n, uint64_t *in, uint64_t *out)
{
    struct timeval tv = {0, 0};
    return syscall(SYS_select, n, in, out, NULL, &tv);
}

int main(int argc, char **argv)
{
    struct rlimit r;
    int p[2], sv[2];

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && !strcmp(argv[1], "exec"))
        return after_exec();
    /* fds the process was started with (natively, whatever its spawner left open) */
    syscall(SYS_close_range, 3U, ~0U, 0U);

    getrlimit(RLIMIT_NOFILE, &r);
    printf("initial soft %llu hard %llu\n", (unsigned long long)r.rlim_cur,
           (unsigned long long)r.rlim_max);
    if (r.rlim_max < TARGET) {
        printf("hard limit below %d: nothing more to try\n", TARGET);
        return 0;
    }
    r.rlim_cur = TARGET;
    show("raise soft to 4096", setrlimit(RLIMIT_NOFILE, &r));

    /* a pipe moved past 1024 */
    if (pipe2(p, O_NONBLOCK) < 0)
        guest_die("pipe2");
    show("dup2 to 1500", dup2(p[0], RD));
    show("dup2 to 1501", dup2(p[1], WR));
    close(p[0]), close(p[1]);
    printf("FDSize: %d\n", fdsize());
    show("F_DUPFD 1100", fcntl(RD, F_DUPFD, 1100));
    show("F_DUPFD_CLOEXEC 2000", fcntl(WR, F_DUPFD_CLOEXEC, 2000));
    show("F_GETFD 1100", fcntl(1100, F_GETFD));
    show("F_GETFD 2000", fcntl(2000, F_GETFD));
    show("F_DUPFD 1100 again", fcntl(RD, F_DUPFD, 1100));
    close(1102);
    show("dup2 to 4095", dup2(0, 4095));
    printf("FDSize: %d\n", fdsize());
    show("dup2 to 4096", dup2(0, 4096));
    show("F_DUPFD 4096", fcntl(0, F_DUPFD, 4096));
    close(4095);

    /* used there: read and write, poll, epoll, select */
    show("write 1501", write(WR, "hello", 5));
    struct pollfd pf = {.fd = RD, .events = POLLIN};
    show("poll 1500", poll(&pf, 1, 0));
    printf("revents POLLIN: %d\n", !!(pf.revents & POLLIN));
    drain("parent");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = RD}, got = {0};
    show("epoll_ctl ADD 1500", epoll_ctl(ep, EPOLL_CTL_ADD, RD, &ev));
    show("epoll_wait, empty", epoll_wait(ep, &got, 1, 0));
    show("write 2000", write(2000, "epoll", 5));
    show("epoll_wait", epoll_wait(ep, &got, 1, 0));
    printf("epoll data.fd %d\n", got.data.fd);
    drain("parent");
    /* fd_sets past FD_SETSIZE, as the kernel takes them (n bits) */
    uint64_t rset[TARGET / 64] = {0}, wset[TARGET / 64] = {0};
    rset[RD / 64] |= 1ULL << (RD % 64);
    rset[1100 / 64] |= 1ULL << (1100 % 64);
    show("select 1500 and 1100 to read, empty", sys_select_bits(WR + 1, rset, wset));
    show("write 1501", write(WR, "select", 6));
    rset[RD / 64] |= 1ULL << (RD % 64);
    wset[WR / 64] |= 1ULL << (WR % 64);
    show("select 1500 to read, 1501 to write", sys_select_bits(WR + 1, rset, wset));
    printf("bits set: 1500 %d, 1501 %d\n", (int)(rset[RD / 64] >> (RD % 64) & 1),
           (int)(wset[WR / 64] >> (WR % 64) & 1));
    drain("parent");
    memset(rset, 0, sizeof(rset));
    rset[1499 / 64] |= 1ULL << (1499 % 64);
    show("select 1499, not open", sys_select_bits(WR + 1, rset, NULL));
    list_high("parent");

    /* a fork's child has them; its exec closes the close-on-exec one */
    pid_t pid = fork();
    if (pid == 0) {
        printf("child FDSize: %d\n", fdsize());
        list_high("child");
        show("child write 1501", write(WR, "child,", 6));
        execl(argv[0], argv[0], "exec", (char *)NULL);
        _exit(127);
    }
    printf("child exited %d\n", guest_reap(pid));
    drain("parent");

    /* filled to the limit */
    int n = 0, last = -1, fd;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        guest_die("socketpair");
    while ((fd = dup(0)) >= 0)
        n++, last = fd;
    printf("dup until the limit: %d more, the last %d\n", n, last);
    show("dup at the limit", dup(0));
    show("open at the limit", open("/dev/null", O_RDONLY));
    show("pipe at the limit", pipe(p));

    /* a file opened into the one free slot, then SCM_RIGHTS into it */
    close(3000);
    printf("FDSize: %d\n", fdsize());
    int pass = WR;
    char cbuf[CMSG_SPACE(sizeof(int))] = {0}, c = 'x';
    struct iovec iov = {.iov_base = &c, .iov_len = 1};
    struct msghdr m = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET, cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &pass, sizeof(int));
    show("sendmsg 1501", sendmsg(sv[0], &m, 0));
    memset(cbuf, 0, sizeof(cbuf));
    m.msg_controllen = sizeof(cbuf);
    show("recvmsg", recvmsg(sv[1], &m, 0));
    cm = CMSG_FIRSTHDR(&m);
    if (cm && cm->cmsg_type == SCM_RIGHTS) {
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        printf("received fd %d, MSG_CTRUNC %d\n", fd, !!(m.msg_flags & MSG_CTRUNC));
        show("write received", write(fd, "scm", 3));
        drain("parent");
    }

    /* close_range over them: close-on-exec first, then closed */
    show("close_range 1024.. CLOEXEC", syscall(SYS_close_range, 1024U, ~0U, 4U));
    show("F_GETFD 1500", fcntl(RD, F_GETFD));
    show("F_GETFD 1023", fcntl(1023, F_GETFD));
    show("close_range 1024..", syscall(SYS_close_range, 1024U, ~0U, 0U));
    show("F_GETFD 1500", fcntl(RD, F_GETFD));
    list_high("after close_range");
    printf("FDSize: %d\n", fdsize());
    show("dup, lowest free", dup(0));

    /* lowered again: high fds are out of reach */
    r.rlim_cur = 1024;
    show("lower soft to 1024", setrlimit(RLIMIT_NOFILE, &r));
    show("dup2 to 1500", dup2(0, RD));
    show("F_DUPFD 1024", fcntl(0, F_DUPFD, 1024));
    show("dup at the limit", dup(0));
    return 0;
}
