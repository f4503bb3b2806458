/*
 * wait_eintr - a handler ends a wait that has no timeout: select, pselect6, poll, ppoll and
 * epoll_wait on a pipe nobody writes, each interrupted by the SIGCHLD of a child that exits
 * meanwhile. The handler has SA_RESTART, which these calls ignore: Linux never restarts them
 * after a handler (ERESTARTNOHAND, or EINTR outright for epoll_wait), so each returns -1 EINTR.
 * GNU make -j waits for its jobs exactly so (pselect6 on the jobserver pipe).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t chld;

static void on_chld(int sig)
{
    (void)sig;
    chld++;
}

/* A child that exits after 20 ms: its SIGCHLD interrupts the parent's wait. */
static pid_t start_child(void)
{
    pid_t c = fork();
    if (c == 0) {
        usleep(20000);
        _exit(0);
    }
    return c;
}

static void report(const char *call, int r, int err)
{
    printf("%-10s returned %d, %s, handler ran %s\n", call, r, r < 0 ? strerror(err) : "no error",
           chld ? "yes" : "no");
    chld = 0;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    int pfd[2];
    if (pipe(pfd))
        return 1;
    sigset_t none;
    sigemptyset(&none);

    for (int call = 0; call < 5; call++) {
        pid_t c = start_child();
        fd_set in;
        FD_ZERO(&in);
        FD_SET(pfd[0], &in);
        struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
        int r = 0, ep;
        const char *name = "";
        switch (call) {
        case 0:
            name = "select";
            r = select(pfd[0] + 1, &in, NULL, NULL, NULL);
            break;
        case 1:
            name = "pselect";
            r = pselect(pfd[0] + 1, &in, NULL, NULL, NULL, &none);
            break;
        case 2:
            name = "poll";
            r = poll(&pf, 1, -1);
            break;
        case 3:
            name = "ppoll";
            r = ppoll(&pf, 1, NULL, &none);
            break;
        case 4:
            name = "epoll_wait";
            ep = epoll_create1(0);
            struct epoll_event ev = {.events = EPOLLIN};
            epoll_ctl(ep, EPOLL_CTL_ADD, pfd[0], &ev);
            r = epoll_wait(ep, &ev, 1, -1);
            break;
        }
        int err = errno;
        waitpid(c, NULL, 0);
        report(name, r, err);
    }
    return 0;
}
