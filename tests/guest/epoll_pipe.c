/*
 * epoll_pipe: epoll over a pipe that a child writes. The parent waits without a timeout before
 * the child has run, so under faultline it parks (the pipe is a guest pipe) until the child's
 * write makes the instance ready; the guest's data word must come back unchanged. Then the
 * child's exit (EPOLLHUP), MOD, DEL, epoll_pwait with a mask, and the errors of each call.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "guest.h"

static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what,
               errno == EINVAL   ? "EINVAL"
               : errno == EBADF  ? "EBADF"
               : errno == EEXIST ? "EEXIST"
               : errno == ENOENT ? "ENOENT"
               : errno == EPERM  ? "EPERM"
                                 : "other");
    else
        printf("%s: %ld\n", what, r);
}

int main(void)
{
    int fds[2];
    struct epoll_event ev, out[4];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0 || pipe(fds) != 0)
        guest_die("setup");
    show("cloexec", fcntl(ep, F_GETFD));
    ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 0x1234567890abcdefULL};
    show("add", epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev));
    show("add again", epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev));
    show("wait empty", epoll_wait(ep, out, 4, 0));

    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        close(fds[0]);
        if (write(fds[1], "hello", 5) != 5)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    int n = epoll_wait(ep, out, 4, -1);
    /* EPOLLHUP may come with it natively, when the child has exited by then */
    printf("wait: %d in=%d data=%#llx\n", n, n > 0 ? !!(out[0].events & EPOLLIN) : 0,
           n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
    char buf[16] = {0};
    show("read", read(fds[0], buf, sizeof(buf) - 1));
    printf("got: %s\n", buf);
    waitpid(pid, NULL, 0);

    ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 7};
    show("mod", epoll_ctl(ep, EPOLL_CTL_MOD, fds[0], &ev));
    n = epoll_wait(ep, out, 4, 1000);
    printf("after exit: %d events=%#x data=%llu\n", n, n > 0 ? out[0].events : 0,
           n > 0 ? (unsigned long long)out[0].data.u64 : 0ULL);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    show("pwait masked", epoll_pwait(ep, out, 4, 0, &mask));
    show("del", epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL));
    show("del again", epoll_ctl(ep, EPOLL_CTL_DEL, fds[0], NULL));
    show("wait after del", epoll_wait(ep, out, 4, 0));

    show("ctl on a pipe", epoll_ctl(fds[0], EPOLL_CTL_ADD, fds[0], &ev));
    show("ctl bad epfd", epoll_ctl(99, EPOLL_CTL_ADD, fds[0], &ev));
    show("ctl itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    show("wait maxevents 0", epoll_wait(ep, out, 0, 0));
    show("create1 bad flags", epoll_create1(1));
    show("create 0", epoll_create(0));
    return 0;
}
