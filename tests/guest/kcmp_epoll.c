/*
 * kcmp_epoll - kcmp(KCMP_EPOLL_TFD), which CRIU and stress-ng's kcmp stressor use to ask which
 * file an epoll instance watches on an fd: the same file (0), another one (not 0), an fd the
 * instance does not watch or a toff past its items (ENOENT), a file that is no epoll instance
 * (EINVAL), bad fds (EBADF), a bad slot (EFAULT); the item outliving its fd while a dup holds
 * the file and going with the file's last close, even when a new file takes the same fd;
 * EPOLL_CTL_DEL; a forked child asking about its parent's instance. faultline said EOPNOTSUPP
 * until 2026-12-07. Which of two different files sorts first is left out: Linux orders them by
 * scrambled addresses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KCMP_EPOLL_TFD 7

struct slot {
    uint32_t efd, tfd, toff;
};

static void ask(const char *what, pid_t p1, pid_t p2, int idx1, int efd, int tfd, int toff)
{
    struct slot s = {(uint32_t)efd, (uint32_t)tfd, (uint32_t)toff};
    errno = 0;
    long r = syscall(SYS_kcmp, p1, p2, KCMP_EPOLL_TFD, idx1, &s);
    printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : r == 0 ? "same" : "differs");
}

int main(void)
{
    pid_t me = getpid();
    int ep = epoll_create1(0), p[2], s[2];
    if (ep < 0 || pipe(p) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, s) < 0)
        return 2;
    struct epoll_event ev = {.events = EPOLLIN};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, s[0], &ev) < 0)
        return 3;
    ask("pipe against its item", me, me, p[0], ep, p[0], 0);
    ask("socket against the pipe's item", me, me, s[0], ep, p[0], 0);
    ask("socket against its item", me, me, s[0], ep, s[0], 0);
    ask("toff 1", me, me, p[0], ep, p[0], 1);
    ask("unwatched fd", me, me, p[1], ep, p[1], 0);
    ask("not an epoll fd", me, me, p[0], p[1], p[0], 0);
    ask("bad epoll fd", me, me, p[0], 999, p[0], 0);
    ask("bad idx1", me, me, 999, ep, p[0], 0);
    errno = 0;
    long r = syscall(SYS_kcmp, me, me, KCMP_EPOLL_TFD, p[0], (void *)8);
    printf("bad slot: %s\n", r < 0 ? strerrorname_np(errno) : "ok");

    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        ask("child: its socket against the parent's item", getpid(), getppid(), s[0], ep, s[0], 0);
        fflush(stdout);
        _exit(0);
    }
    waitpid(c, NULL, 0);

    int d = dup(p[0]);
    close(p[0]);
    ask("dup after the fd's close", me, me, d, ep, p[0], 0);
    close(d);
    ask("after the file's last close", me, me, s[0], ep, p[0], 0);
    int q[2];
    if (pipe(q) < 0)
        return 4;
    ask("a new file at the same fd", me, me, q[0], ep, q[0], 0);
    epoll_ctl(ep, EPOLL_CTL_DEL, s[0], NULL);
    ask("after EPOLL_CTL_DEL", me, me, s[0], ep, s[0], 0);
    return 0;
}
