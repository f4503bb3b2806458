/*
 * sleep_overlap: a sleeping process lets the others run. The parent sleeps 300 ms while its
 * child computes briefly and prints: the child's line comes first, as natively (a sleep that
 * held up the whole machine would print the parent's first). Then a 5 s relative sleep cut
 * short by a handled signal (SA_RESTART or not, nanosleep returns EINTR with the time left in
 * rem), and an absolute clock_nanosleep. poll and epoll_wait with a timeout park the same way:
 * a child's line comes before the parent's timeout, and a child's write ends the wait early.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void on_usr1(int sig)
{
    (void)sig;
}

/* A child that computes a little, prints, and (write_too) writes a byte into fd. */
static pid_t busy_child(int fd, int write_too)
{
    pid_t pid = fork();
    if (pid == 0) {
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 2000000UL; i++)
            x += i;
        printf("child done\n");
        if (write_too && write(fd, "x", 1) != 1)
            _exit(1);
        _exit(0);
    }
    return pid;
}

static void timed_waits(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return;
    struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
    pid_t pid = busy_child(fds[1], 0);
    printf("poll timeout: %d\n", poll(&pfd, 1, 300));
    waitpid(pid, NULL, 0);
    pid = busy_child(fds[1], 1);
    printf("poll woken by the child: %d\n", poll(&pfd, 1, 5000));
    waitpid(pid, NULL, 0);
    char c;
    if (read(fds[0], &c, 1) != 1)
        return;
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN}, out;
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
    pid = busy_child(fds[1], 0);
    printf("epoll_wait timeout: %d\n", epoll_wait(ep, &out, 1, 300));
    waitpid(pid, NULL, 0);
    pid = busy_child(fds[1], 1);
    printf("epoll_wait woken by the child: %d\n", epoll_wait(ep, &out, 1, 5000));
    waitpid(pid, NULL, 0);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t pid = fork();
    if (pid == 0) {
        volatile unsigned long x = 0;
        for (unsigned long i = 0; i < 2000000UL; i++)
            x += i;
        printf("child done\n");
        _exit(0);
    }
    struct timespec ts = {0, 300 * 1000 * 1000};
    printf("parent sleep: %d\n", nanosleep(&ts, NULL));
    waitpid(pid, NULL, 0);

    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
    sigaction(SIGUSR1, &sa, NULL);
    pid = fork();
    if (pid == 0) {
        struct timespec d = {0, 50 * 1000 * 1000};
        nanosleep(&d, NULL);
        kill(getppid(), SIGUSR1);
        _exit(0);
    }
    struct timespec req = {5, 0}, rem = {0, 0};
    int r = nanosleep(&req, &rem);
    printf("interrupted sleep: %d %s, rem between 4 and 5 s: %d\n", r,
           r < 0 && errno == EINTR ? "EINTR" : "-",
           rem.tv_sec == 4 || (rem.tv_sec == 5 && !rem.tv_nsec));
    waitpid(pid, NULL, 0);

    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 50 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    printf("absolute sleep: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL));
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    printf("woke after the deadline: %d\n",
           now.tv_sec > until.tv_sec ||
               (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec));
    timed_waits();
    return 0;
}
