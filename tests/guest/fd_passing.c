/*
 * fd_passing: sendmsg/recvmsg with SCM_RIGHTS between processes, sendmmsg/recvmmsg, and the
 * calls that go with them; compared with a native run. One line per step:
 *   rights    a parent passes a pipe's read end to its child over a socket pair; the child's
 *             blocking read waits (parks) until the parent writes; the received fd shares the
 *             open file description (O_NONBLOCK set on the sender's copy shows on it)
 *   several   three fds in one message, and MSG_CTRUNC with a control buffer too small for
 *             them (the ones that do not fit are closed, the message's data still arrives)
 *   mmsg      sendmmsg of three datagrams, recvmmsg of them, msg_len of each
 *   dontwait  recvmsg(MSG_DONTWAIT) on an empty blocking socket: EAGAIN, no wait
 *   memfd     memfd_create, write, an fd of it passed to a child that maps it shared
 *   ppoll     ppoll with a timeout on a pipe with data and on one without
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "guest.h"

static void send_fds(int sock, const int *fds, int n, const char *data)
{
    char ctl[CMSG_SPACE(8 * sizeof(int))];
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = CMSG_SPACE(n * sizeof(int));
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(n * sizeof(int));
    memcpy(CMSG_DATA(c), fds, n * sizeof(int));
    if (sendmsg(sock, &m, 0) != (ssize_t)strlen(data))
        guest_die("sendmsg");
}

/* Receive up to `room` fds; returns how many arrived (fds[]), data into buf, msg_flags. */
static int recv_fds(int sock, int *fds, int room, char *buf, size_t len, int *flags)
{
    char ctl[CMSG_SPACE(8 * sizeof(int))];
    struct iovec iov = {buf, len - 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = CMSG_SPACE(room * sizeof(int));
    ssize_t r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
    if (r < 0)
        guest_die("recvmsg");
    buf[r] = 0;
    *flags = m.msg_flags;
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds + n, CMSG_DATA(c), k * sizeof(int));
            n += k;
        }
    return n;
}

static void test_rights(void)
{
    int sv[2], p[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || pipe(p))
        guest_die("socketpair/pipe");
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        close(p[0]);
        close(p[1]);
        int fd, flags;
        char buf[32], data[16];
        int n = recv_fds(sv[1], &fd, 1, data, sizeof(data), &flags);
        /* set by the sender on its copy: one open file description */
        int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        write(sv[1], "k", 1);
        ssize_t got = read(fd, buf, sizeof(buf) - 1); /* waits for the parent's write */
        buf[got > 0 ? got : 0] = 0;
        printf("rights: %d fd(s), data '%s', nonblock %d, cloexec %d, then read '%s'\n", n, data,
               !!(fl & O_NONBLOCK), !!(fdfl & FD_CLOEXEC), buf);
        _exit(0);
    }
    close(sv[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    send_fds(sv[0], &p[0], 1, "pipe");
    close(p[0]);
    char k;
    read(sv[0], &k, 1);
    usleep(100000); /* the child is waiting in read by now */
    write(p[1], "late data", 9);
    close(p[1]);
    guest_reap(pid);
}

static void test_several(void)
{
    int sv[2], fds[3], got[8], flags;
    char data[16];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        guest_die("socketpair");
    for (int i = 0; i < 3; i++)
        fds[i] = open("/dev/null", O_RDONLY);
    send_fds(sv[0], fds, 3, "three");
    int n = recv_fds(sv[1], got, 3, data, sizeof(data), &flags);
    int open_ok = 0;
    for (int i = 0; i < n; i++)
        open_ok += fcntl(got[i], F_GETFD) >= 0 && got[i] != fds[0] && got[i] != fds[1];
    printf("several: %d fds, %d open and new, data '%s', ctrunc %d\n", n, open_ok, data,
           !!(flags & MSG_CTRUNC));
    send_fds(sv[0], fds, 3, "cut");
    n = recv_fds(sv[1], got, 1, data, sizeof(data), &flags);
    printf("several: room for 1: %d fd(s), data '%s', ctrunc %d\n", n, data,
           !!(flags & MSG_CTRUNC));
}

static void test_mmsg(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
        guest_die("socketpair");
    struct mmsghdr out[3], in[3];
    struct iovec oi[3], ii[3];
    static const char *words[3] = {"one", "three", "fifteen"};
    char bufs[3][16];
    memset(out, 0, sizeof(out));
    memset(in, 0, sizeof(in));
    for (int i = 0; i < 3; i++) {
        oi[i] = (struct iovec){(void *)words[i], strlen(words[i])};
        out[i].msg_hdr.msg_iov = &oi[i];
        out[i].msg_hdr.msg_iovlen = 1;
        ii[i] = (struct iovec){bufs[i], sizeof(bufs[i])};
        in[i].msg_hdr.msg_iov = &ii[i];
        in[i].msg_hdr.msg_iovlen = 1;
    }
    int s = sendmmsg(sv[0], out, 3, 0);
    int r = recvmmsg(sv[1], in, 3, 0, NULL);
    printf("mmsg: sent %d (%u %u %u), received %d:", s, out[0].msg_len, out[1].msg_len,
           out[2].msg_len, r);
    for (int i = 0; i < r; i++)
        printf(" %.*s/%u", (int)in[i].msg_len, bufs[i], in[i].msg_len);
    printf("\n");
}

static void test_dontwait(void)
{
    int sv[2];
    char b;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        guest_die("socketpair");
    struct iovec iov = {&b, 1};
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    ssize_t r = recvmsg(sv[0], &m, MSG_DONTWAIT);
    int e = errno;
    ssize_t r2 = recv(sv[0], &b, 1, MSG_DONTWAIT);
    int e2 = errno;
    printf("dontwait: recvmsg %zd %s, recv %zd %s\n", r, strerror(e), r2, strerror(e2));
}

static void test_memfd(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        guest_die("socketpair");
    int m = memfd_create("shared", MFD_CLOEXEC);
    if (m < 0 || ftruncate(m, 4096) || pwrite(m, "from the parent", 15, 100) != 15)
        guest_die("memfd");
    pid_t pid = fork();
    if (pid == 0) {
        int fd, flags;
        char data[8];
        recv_fds(sv[1], &fd, 1, data, sizeof(data), &flags);
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            guest_die("mmap memfd");
        printf("memfd: child maps '%.15s'\n", p + 100);
        memcpy(p + 200, "child wrote", 11);
        _exit(0);
    }
    send_fds(sv[0], &m, 1, "m");
    guest_reap(pid);
    char buf[16] = {0};
    pread(m, buf, 11, 200);
    printf("memfd: parent reads '%s'\n", buf);
}

static void test_ppoll(void)
{
    int p[2];
    if (pipe(p))
        guest_die("pipe");
    struct timespec ts = {0, 50 * 1000 * 1000};
    struct pollfd pf = {p[0], POLLIN, 0};
    sigset_t none;
    sigemptyset(&none);
    int r0 = ppoll(&pf, 1, &ts, &none);
    write(p[1], "x", 1);
    int r1 = ppoll(&pf, 1, &ts, NULL);
    printf("ppoll: empty %d, with data %d revents %#x\n", r0, r1, pf.revents);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_rights();
    test_several();
    test_mmsg();
    test_dontwait();
    test_memfd();
    test_ppoll();
    return 0;
}
