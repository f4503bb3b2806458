/*
 * pidfd.c - pidfd_open, pidfd_send_signal and waitid(P_PIDFD), compared with a native run.
 *
 * A pidfd is not readable while its child runs and becomes readable (poll, epoll) once the
 * child has exited; waitid through it reports the child's status; a signal sent through it
 * kills another child; bad arguments fail as on Linux; an open /proc/PID directory serves
 * pidfd_send_signal as a pidfd. Prints one line per check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "guest.h"

#define PIDFD_NONBLOCK O_NONBLOCK /* <sys/pidfd.h> is glibc 2.36 only */

static int pidfd_open(pid_t pid, unsigned flags)
{
    return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send_signal(int fd, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
}

/* "ok", or the errno's name (strerrorname_np is glibc-only; the musl build runs this too) */
static const char *err(long r)
{
    return r >= 0 ? "ok" : guest_errno_name(errno);
}

int main(void)
{
    int go[2];
    if (pipe(go))
        return 1;
    pid_t a = fork();
    if (a == 0) { /* waits for a byte, then exits 3 */
        char c;
        close(go[1]);
        _exit(read(go[0], &c, 1) == 1 ? 3 : 4);
    }
    close(go[0]);
    int fd = pidfd_open(a, 0);
    printf("pidfd_open(child): %s\n", fd >= 0 ? "ok" : err(fd));
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    printf("poll while it runs: %d\n", poll(&pfd, 1, 0));
    char buf[8];
    long r = read(fd, buf, sizeof(buf));
    printf("read(pidfd): %s\n", err(r));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    if (write(go[1], "x", 1) != 1)
        return 1;
    int n = poll(&pfd, 1, 5000);
    printf("poll after exit: %d revents POLLIN=%d\n", n, !!(pfd.revents & POLLIN));
    n = epoll_wait(ep, &out, 1, 5000);
    printf("epoll after exit: %d data %u\n", n, n == 1 ? out.data.u32 : 0);
    printf("signal to the zombie: %s\n", err(pidfd_send_signal(fd, SIGTERM)));
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    r = waitid(P_PIDFD, (id_t)fd, &si, WEXITED);
    printf("waitid(P_PIDFD): %s pid_match=%d code=%d status=%d\n", err(r), si.si_pid == a,
           si.si_code, si.si_status);
    printf("signal after reaping: %s\n", err(pidfd_send_signal(fd, SIGTERM)));
    printf("pidfd_open(reaped): %s\n", err(pidfd_open(a, 0)));
    close(fd);

    pid_t b = fork();
    if (b == 0) {
        pause();
        _exit(0);
    }
    fd = pidfd_open(b, PIDFD_NONBLOCK);
    printf("pidfd_open(second, NONBLOCK): %s\n", fd >= 0 ? "ok" : err(fd));
    printf("send SIGKILL: %s\n", err(pidfd_send_signal(fd, SIGKILL)));
    int st = 0;
    r = waitpid(b, &st, 0);
    printf("waitpid: %s signaled=%d sig=%d\n", err(r), WIFSIGNALED(st), WTERMSIG(st));
    close(fd);

    int self = pidfd_open(getpid(), 0);
    printf("pidfd_open(self): %s\n", self >= 0 ? "ok" : err(self));
    pfd.fd = self;
    printf("poll self: %d\n", poll(&pfd, 1, 0));
    printf("signal 0 to self: %s\n", err(pidfd_send_signal(self, 0)));
    printf("pidfd_open(-1): %s\n", err(pidfd_open(-1, 0)));
    printf("pidfd_open(bad flags): %s\n", err(pidfd_open(getpid(), 1)));
    printf("send through a pipe fd: %s\n", err(pidfd_send_signal(go[1], SIGTERM)));
    printf("send through a closed fd: %s\n", err(pidfd_send_signal(99, SIGTERM)));
    printf("waitid(P_PIDFD, pipe fd): %s\n", err(waitid(P_PIDFD, (id_t)go[1], &si, WEXITED)));

    /* a /proc/PID directory serves pidfd_send_signal as a pidfd (not waitid, not a thread's
     * /proc/PID/task/TID, not /proc itself); faultline said EBADF until 2026-12-06 */
    pid_t c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d", (int)c);
    int dir = open(path, O_RDONLY | O_DIRECTORY);
    printf("waitid(P_PIDFD, /proc/PID): %s\n", err(waitid(P_PIDFD, (id_t)dir, &si, WEXITED)));
    printf("send SIGTERM through /proc/PID: %s\n", err(pidfd_send_signal(dir, SIGTERM)));
    r = waitpid(c, &st, 0);
    printf("waitpid: %s signaled=%d sig=%d\n", err(r), WIFSIGNALED(st), WTERMSIG(st));
    printf("send after reaping: %s\n", err(pidfd_send_signal(dir, SIGTERM)));
    close(dir);
    static const char *const dirs[] = {"/proc/self", "/proc/self/", "/proc/self/task/%d", "/proc"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), dirs[i], (int)getpid());
        dir = open(path, O_RDONLY | O_DIRECTORY);
        printf("signal 0 through %s: %s\n", dirs[i], err(pidfd_send_signal(dir, 0)));
        close(dir);
    }
    return 0;
}
