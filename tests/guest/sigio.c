/*
 * sigio.c - signal-driven I/O (O_ASYNC, F_SETOWN, F_SETOWN_EX, F_SETSIG) between a parent and
 * its children: the owner calls and their errors, SIGIO counted while a child writes a pipe in
 * handshaked steps and then closes it, F_SETSIG's real-time signal queued once per write with
 * its siginfo (si_code, si_band, si_fd), POLL_OUT to a writer as a reader drains the pipe, a
 * process group as the owner, and a socket pair (POLL_IN per send, POLL_HUP at the close).
 * Every signal comes from a write, read or close the program makes itself, and each count is
 * read while the signals are blocked or after a handshake, so the output is the same each run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

static volatile sig_atomic_t nsigio;
static volatile sig_atomic_t nrt;
static int rt_code[64], rt_band[64], rt_fd[64];

static void on_sigio(int sig)
{
    (void)sig;
    nsigio++;
}

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    if (nrt < 64) {
        rt_code[nrt] = si->si_code;
        rt_band[nrt] = (int)si->si_band;
        rt_fd[nrt] = si->si_fd;
    }
    nrt++;
}

/* fcntl through the raw syscall: glibc's F_GETOWN asks F_GETOWN_EX, and a negative owner would
 * read as an error through the wrapper. */
static long raw_fcntl(int fd, int cmd, long arg)
{
    long r = syscall(SYS_fcntl, fd, cmd, arg);
    return r < 0 ? -errno : r;
}

/* F_GETOWN's owner, which for a group is negative: syscall() takes -1..-4095 for an error */
static long raw_getown(int fd)
{
    long r = syscall(SYS_fcntl, fd, F_GETOWN, 0);
    return r == -1 ? -errno : r;
}

static void mkpipe(int p[2])
{
    if (pipe(p) < 0)
        guest_die("pipe");
}

static void set_async(int fd, int sig)
{
    if (fcntl(fd, F_SETOWN, getpid()) < 0 || fcntl(fd, F_SETSIG, sig) < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC | O_NONBLOCK) < 0)
        guest_die("set_async");
}

static void block(int sig, int how)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(how, &s, NULL);
}

/* Wait for a handled signal until *count reaches want (sig blocked outside the wait). */
static void await(volatile sig_atomic_t *count, int want, int sig)
{
    sigset_t s;
    sigprocmask(SIG_SETMASK, NULL, &s);
    sigdelset(&s, sig);
    while (*count < want)
        sigsuspend(&s);
}

static void print_rt(const char *what, int from, int to, int fd)
{
    for (int i = from; i < to; i++)
        printf("%s %d: code=%d band_in=%d band_out=%d band_hup=%d fd_ok=%d\n", what, i - from,
               rt_code[i], !!(rt_band[i] & POLLIN), !!(rt_band[i] & POLLOUT),
               !!(rt_band[i] & POLLHUP), rt_fd[i] == fd);
}

static void owners(void)
{
    int p[2];
    struct f_owner_ex ex;
    mkpipe(p);
    printf("fresh: getown=%ld getsig=%ld async=%d\n", raw_getown(p[0]),
           raw_fcntl(p[0], F_GETSIG, 0), !!(fcntl(p[0], F_GETFL) & O_ASYNC));
    memset(&ex, 0x55, sizeof(ex));
    long r = raw_fcntl(p[0], F_GETOWN_EX, (long)&ex);
    printf("fresh getown_ex: r=%ld type=%d pid=%d\n", r, ex.type, ex.pid);

    /* errors: a pid or group that does not exist (a reaped child's), a bad type, INT_MIN */
    pid_t c = fork();
    if (c < 0)
        guest_die("fork");
    if (c == 0)
        _exit(0);
    guest_reap(c);
    printf("setown gone pid: %s\n", guest_errno_name((int)-raw_fcntl(p[0], F_SETOWN, c)));
    printf("setown gone pgrp: %s\n", guest_errno_name((int)-raw_fcntl(p[0], F_SETOWN, -c)));
    printf("setown INT_MIN: %s\n", guest_errno_name((int)-raw_fcntl(p[0], F_SETOWN, INT_MIN)));
    ex.type = 7, ex.pid = getpid();
    printf("setown_ex type 7: %s\n",
           guest_errno_name((int)-raw_fcntl(p[0], F_SETOWN_EX, (long)&ex)));
    ex.type = F_OWNER_PID, ex.pid = c;
    printf("setown_ex gone: %s\n", guest_errno_name((int)-raw_fcntl(p[0], F_SETOWN_EX, (long)&ex)));
    printf("setown_ex fault: %s\n", guest_errno_name((int)-raw_fcntl(p[0], F_SETOWN_EX, 8)));
    printf("setsig 65: %s\n", guest_errno_name((int)-raw_fcntl(p[0], F_SETSIG, 65)));
    printf("after errors: getown=%ld\n", raw_getown(p[0]));

    /* a process, a thread, a group */
    r = raw_fcntl(p[0], F_SETOWN, getpid()); /* (printf's arguments come in no set order) */
    printf("setown self: %ld getown_ok=%d\n", r, raw_getown(p[0]) == getpid());
    raw_fcntl(p[0], F_GETOWN_EX, (long)&ex);
    printf("getown_ex: type=%d pid_ok=%d\n", ex.type, ex.pid == getpid());
    ex.type = F_OWNER_TID, ex.pid = gettid();
    r = raw_fcntl(p[0], F_SETOWN_EX, (long)&ex);
    printf("setown_ex tid: %ld\n", r);
    memset(&ex, 0, sizeof(ex));
    raw_fcntl(p[0], F_GETOWN_EX, (long)&ex);
    printf("getown_ex: type=%d pid_ok=%d getown_ok=%d\n", ex.type, ex.pid == gettid(),
           raw_getown(p[0]) == gettid());
    r = raw_fcntl(p[0], F_SETOWN, -getpgrp());
    printf("setown pgrp: %ld raw_ok=%d libc_ok=%d\n", r, raw_getown(p[0]) == -getpgrp(),
           fcntl(p[0], F_GETOWN) == -getpgrp());
    raw_fcntl(p[0], F_GETOWN_EX, (long)&ex);
    printf("getown_ex: type=%d pid_ok=%d\n", ex.type, ex.pid == getpgrp());
    ex.type = F_OWNER_PGRP, ex.pid = 0;
    raw_fcntl(p[0], F_SETOWN_EX, (long)&ex);
    raw_fcntl(p[0], F_GETOWN_EX, (long)&ex);
    printf("setown_ex pgrp 0: type=%d pid=%d getown=%ld\n", ex.type, ex.pid, raw_getown(p[0]));
    r = raw_fcntl(p[0], F_SETSIG, SIGRTMIN + 2);
    printf("setsig: %ld getsig_ok=%d\n", r, raw_fcntl(p[0], F_GETSIG, 0) == SIGRTMIN + 2);

    /* O_ASYNC is the file's flag: F_SETFL and FIOASYNC set it, F_GETFL shows it */
    fcntl(p[0], F_SETFL, O_ASYNC);
    printf("setfl async: getfl_async=%d\n", !!(fcntl(p[0], F_GETFL) & O_ASYNC));
    fcntl(p[0], F_SETFL, 0);
    printf("setfl 0: getfl_async=%d\n", !!(fcntl(p[0], F_GETFL) & O_ASYNC));
    int on = 1;
    int fr = ioctl(p[1], FIOASYNC, &on);
    printf("fioasync: %d getfl_async=%d\n", fr, !!(fcntl(p[1], F_GETFL) & O_ASYNC));
    on = 0;
    fr = ioctl(p[1], FIOASYNC, &on);
    printf("fioasync off: %d getfl_async=%d\n", fr, !!(fcntl(p[1], F_GETFL) & O_ASYNC));
    close(p[0]);
    close(p[1]);
}

/* SIGIO (no F_SETSIG) counted while a child writes in steps, then closes its end. */
static void counted(void)
{
    int data[2], go[2];
    mkpipe(data);
    mkpipe(go);
    block(SIGIO, SIG_BLOCK);
    nsigio = 0;
    pid_t c = fork();
    if (c < 0)
        guest_die("fork");
    if (c == 0) {
        close(data[0]);
        close(go[1]);
        char b;
        while (read(go[0], &b, 1) == 1 && b == 'w')
            if (write(data[1], "0123456789", 10) != 10)
                _exit(2);
        _exit(0);
    }
    close(data[1]);
    close(go[0]);
    set_async(data[0], 0);
    for (int i = 0; i < 5; i++) {
        if (write(go[1], "w", 1) != 1)
            guest_die("write");
        await(&nsigio, i + 1, SIGIO);
        char buf[64];
        long n = read(data[0], buf, sizeof(buf));
        printf("step %d: sigio=%d read=%ld\n", i, (int)nsigio, n);
    }
    if (write(go[1], "q", 1) != 1)
        guest_die("write");
    await(&nsigio, 6, SIGIO); /* the last writer's close: end of file (pipe_release) */
    printf("writer closed: sigio=%d status=%d\n", (int)nsigio, guest_reap(c));
    char b;
    printf("eof read: %ld\n", (long)read(data[0], &b, 1));
    close(data[0]);
    close(go[1]);
    block(SIGIO, SIG_UNBLOCK);
}

/* F_SETSIG with a real-time signal: one queued per write, each with its siginfo. */
static void realtime(void)
{
    int p[2];
    int sig = SIGRTMIN + 1;
    mkpipe(p);
    block(sig, SIG_BLOCK);
    set_async(p[0], sig);
    nrt = 0;
    pid_t c = fork();
    if (c < 0)
        guest_die("fork");
    if (c == 0) {
        close(p[0]);
        for (int i = 0; i < 3; i++)
            if (write(p[1], "abc", 3) != 3)
                _exit(2);
        _exit(0);
    }
    close(p[1]);
    int st = guest_reap(c);
    block(sig, SIG_UNBLOCK); /* three writes and the close, all queued meanwhile */
    printf("rt: status=%d signals=%d sigio=%d\n", st, (int)nrt, (int)nsigio);
    print_rt("rt", 0, nrt, p[0]);
    close(p[0]);
}

/* POLL_OUT to a writer with O_ASYNC as a child drains the full pipe page by page (each read
 * frees a buffer), then closes it. The child never reads the empty pipe: Linux 5.5 and later
 * send POLL_OUT for such a read too, 4.20 did not. */
static void room(void)
{
    int p[2];
    int sig = SIGRTMIN + 3;
    char page[4096];
    memset(page, 'x', sizeof(page));
    mkpipe(p);
    block(sig, SIG_BLOCK);
    int pages = 0;
    fcntl(p[1], F_SETFL, O_NONBLOCK);
    while (write(p[1], page, sizeof(page)) == (long)sizeof(page))
        pages++;
    set_async(p[1], sig);
    nrt = 0;
    pid_t c = fork();
    if (c < 0)
        guest_die("fork");
    if (c == 0) {
        close(p[1]);
        for (int i = 0; i < pages; i++)
            if (read(p[0], page, sizeof(page)) != (long)sizeof(page))
                _exit(2);
        _exit(0);
    }
    close(p[0]);
    int st = guest_reap(c);
    block(sig, SIG_UNBLOCK);
    int out = 0, other = 0;
    for (int i = 0; i < nrt && i < 64; i++) {
        if (rt_code[i] == POLL_OUT && (rt_band[i] & POLLOUT) && rt_fd[i] == p[1])
            out++;
        else
            other++;
    }
    printf("room: status=%d pages=%d pollout=%d other=%d\n", st, pages, out, other);
    close(p[1]);
}

/* The owner is a process group: the parent and a child of its group both get SIGIO. */
static void group(void)
{
    int data[2], ready[2];
    mkpipe(data);
    mkpipe(ready);
    block(SIGIO, SIG_BLOCK);
    nsigio = 0;
    if (fcntl(data[0], F_SETOWN, -getpgrp()) < 0 ||
        fcntl(data[0], F_SETFL, O_ASYNC | O_NONBLOCK) < 0)
        guest_die("setown pgrp");
    pid_t c = fork();
    if (c < 0)
        guest_die("fork");
    if (c == 0) {
        if (write(ready[1], "r", 1) != 1)
            _exit(3);
        await(&nsigio, 1, SIGIO);
        _exit(nsigio);
    }
    char b;
    if (read(ready[0], &b, 1) != 1)
        guest_die("read");
    if (write(data[1], "x", 1) != 1)
        guest_die("write");
    await(&nsigio, 1, SIGIO);
    printf("group: parent sigio=%d child status=%d\n", (int)nsigio, guest_reap(c));
    close(data[0]);
    close(data[1]);
    close(ready[0]);
    close(ready[1]);
    block(SIGIO, SIG_UNBLOCK);
}

/* A socket pair: POLL_IN per send, POLL_HUP when the other end's last holder closes it. */
static void pair(void)
{
    int sv[2];
    int sig = SIGRTMIN + 4;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        guest_die("socketpair");
    /* a socket's owner through sock_ioctl too; a pipe does not take it */
    int pid = getpid(), got = 0, pp[2];
    int r1 = ioctl(sv[0], FIOSETOWN, &pid), r2 = ioctl(sv[0], FIOGETOWN, &got);
    printf("fiosetown: %d %d owner_ok=%d\n", r1, r2, got == pid);
    mkpipe(pp);
    r1 = ioctl(pp[0], FIOSETOWN, &pid);
    printf("fiosetown pipe: %d enotty=%d\n", r1, r1 < 0 && errno == ENOTTY);
    close(pp[0]);
    close(pp[1]);
    block(sig, SIG_BLOCK);
    set_async(sv[0], sig);
    nrt = 0;
    pid_t c = fork();
    if (c < 0)
        guest_die("fork");
    if (c == 0) {
        close(sv[0]);
        if (write(sv[1], "a", 1) != 1 || send(sv[1], "bc", 2, 0) != 2)
            _exit(2);
        _exit(0);
    }
    close(sv[1]);
    int st = guest_reap(c);
    block(sig, SIG_UNBLOCK);
    printf("pair: status=%d signals=%d\n", st, (int)nrt);
    print_rt("pair", 0, nrt, sv[0]);
    close(sv[0]);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigio;
    sigaction(SIGIO, &sa, NULL);
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    for (int s = SIGRTMIN; s <= SIGRTMIN + 4; s++)
        sigaction(s, &sa, NULL);
    /* a group of its own, so that a group owner's SIGIO reaches nobody else */
    if (setpgid(0, 0) < 0)
        guest_die("setpgid");
    setvbuf(stdout, NULL, _IONBF, 0);
    owners();
    counted();
    realtime();
    room();
    group();
    pair();
    return 0;
}
