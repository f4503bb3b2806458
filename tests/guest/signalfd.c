/*
 * signalfd: signals read from a signalfd instead of delivered, compared with a native run:
 *   raise     a blocked SIGUSR1 from raise() (tgkill) is read back: signo, code SI_TKILL, pid
 *   kill      SIGUSR1 and SIGUSR2 from kill() are read in one read() of two records, lowest
 *             first, code SI_USER; then nothing is pending
 *   poll      poll() and epoll see the signalfd readable exactly while a signal of its mask is
 *             pending; a non-blocking read of an empty one is EAGAIN
 *   mask      signalfd(fd, new mask) changes what the same fd takes
 *   child     a blocking read parks until a child exits: SIGCHLD with CLD_EXITED, the child's
 *             pid and status
 *   timer     an ITIMER_REAL expiry is read as SIGALRM with code SI_KERNEL
 *   errors    a read shorter than one record, a write, bad flags and a non-signalfd fd: EINVAL
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "guest.h"

static const char *code_name(int32_t code)
{
    switch (code) {
    case SI_USER:
        return "SI_USER";
    case SI_TKILL:
        return "SI_TKILL";
    case SI_KERNEL:
        return "SI_KERNEL";
    case CLD_EXITED:
        return "CLD_EXITED";
    default:
        return "other";
    }
}

static int readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void show(const char *what, const struct signalfd_siginfo *si)
{
    printf("%s: %s %s from %s\n", what, strsignal((int)si->ssi_signo), code_name(si->ssi_code),
           si->ssi_pid == (uint32_t)getpid() ? "this process" : "another pid");
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, SIGUSR2);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGALRM);
    if (sigprocmask(SIG_BLOCK, &mask, NULL))
        guest_die("sigprocmask");
    int fd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (fd < 0)
        guest_die("signalfd");
    struct signalfd_siginfo si[4];
    int e;

    printf("empty: readable %d\n", readable(fd));
    raise(SIGUSR1);
    printf("raise: readable %d\n", readable(fd));
    ssize_t n = read(fd, si, sizeof(si));
    printf("raise: read %zd bytes\n", n);
    show("raise", &si[0]);
    printf("raise: readable after the read %d\n", readable(fd));

    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    n = read(fd, si, sizeof(si));
    printf("kill: read %zd bytes\n", n);
    for (ssize_t i = 0; i < n / (ssize_t)sizeof(si[0]); i++)
        show("kill", &si[i]);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN}, out;
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
        guest_die("epoll");
    printf("epoll: empty %d\n", epoll_wait(ep, &out, 1, 0));
    kill(getpid(), SIGUSR2);
    printf("epoll: after kill %d\n", epoll_wait(ep, &out, 1, 0));
    n = read(fd, si, sizeof(si));
    printf("epoll: read %zd bytes, then %d\n", n, epoll_wait(ep, &out, 1, 0));

    /* readv: one signal into each 128-byte segment; a segment too small for one is EINVAL */
    kill(getpid(), SIGUSR1);
    kill(getpid(), SIGUSR2);
    struct iovec two[2] = {{&si[0], sizeof(si[0])}, {&si[1], sizeof(si[1])}};
    n = readv(fd, two, 2);
    printf("readv: %zd bytes\n", n);
    for (ssize_t i = 0; i < n / (ssize_t)sizeof(si[0]); i++)
        show("readv", &si[i]);
    kill(getpid(), SIGUSR1);
    struct iovec small[1] = {{&si[0], 64}};
    n = readv(fd, small, 1);
    e = errno;
    printf("readv: a 64-byte segment %zd (%s)\n", n, strerror(e));
    n = read(fd, si, sizeof(si));
    printf("readv: then read %zd bytes\n", n);

    int nb = signalfd(-1, &mask, SFD_NONBLOCK);
    n = read(nb, si, sizeof(si));
    e = errno;
    printf("nonblock: read %zd (%s)\n", n, e == EAGAIN ? "EAGAIN" : strerror(e));
    close(nb);

    sigset_t only2;
    sigemptyset(&only2);
    sigaddset(&only2, SIGUSR2);
    printf("mask: signalfd(fd) returns the same fd: %d\n", signalfd(fd, &only2, 0) == fd);
    raise(SIGUSR1);
    printf("mask: SIGUSR1 now makes it readable: %d\n", readable(fd));
    sigset_t pending;
    sigpending(&pending);
    printf("mask: SIGUSR1 pending: %d\n", sigismember(&pending, SIGUSR1));
    signalfd(fd, &mask, 0);
    n = read(fd, si, sizeof(si));
    printf("mask: back to the full mask, read %zd bytes\n", n);
    show("mask", &si[0]);

    pid_t pid = fork();
    if (pid == 0) {
        usleep(50000); /* the parent is in read() by then */
        _exit(7);
    }
    n = read(fd, si, sizeof(si)); /* blocks until SIGCHLD */
    printf("child: read %zd bytes: %s %s, pid %s, status %d\n", n, strsignal((int)si[0].ssi_signo),
           code_name(si[0].ssi_code), si[0].ssi_pid == (uint32_t)pid ? "the child's" : "other",
           si[0].ssi_status);
    waitpid(pid, NULL, 0);

    struct itimerval it = {.it_value = {.tv_usec = 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    n = read(fd, si, sizeof(si));
    printf("timer: read %zd bytes: %s %s\n", n, strsignal((int)si[0].ssi_signo),
           code_name(si[0].ssi_code));

    /* each call before its printf: the arguments' order of evaluation is unspecified */
    long r = read(fd, si, 64);
    printf("errors: short read %ld %s\n", r, strerror(errno));
    r = write(fd, si, sizeof(si[0]));
    printf("errors: write %ld %s\n", r, strerror(errno));
    r = signalfd(-1, &mask, 0x1);
    printf("errors: bad flags %ld %s\n", r, strerror(errno));
    r = signalfd(ep, &mask, 0);
    printf("errors: not a signalfd %ld %s\n", r, strerror(errno));
    r = signalfd(999, &mask, 0);
    printf("errors: bad fd %ld %s\n", r, strerror(errno));
    return 0;
}
