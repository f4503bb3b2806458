/*
 * hostfd_wakes - threads parked on files that become ready by themselves (a timerfd's
 * expiry, not another guest's write) while the main thread computes without a syscall: one
 * reads a periodic timerfd, one polls another, one waits in epoll_wait on a third. GHC's threaded
 * RTS ticks so (a thread reading a timerfd sets the flags that make the running Haskell thread
 * yield): under faultline the computing thread kept the CPU, its turn never ended, the ticker never
 * ran again, and ghci ignored Ctrl-C in `length [1..]` (until 2026-12-07).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define TICKS 3

static atomic_int reads, polls, epolls;

static int periodic_timerfd(void)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 5000000}, {0, 5000000}}; /* every 5 ms */
    timerfd_settime(fd, 0, &its, NULL);
    return fd;
}

static void *reader(void *arg)
{
    int fd = *(int *)arg;
    uint64_t n;
    while (atomic_load(&reads) < TICKS)
        if (read(fd, &n, sizeof(n)) == sizeof(n))
            atomic_fetch_add(&reads, 1);
    return NULL;
}

static void *poller(void *arg)
{
    int fd = *(int *)arg;
    uint64_t n;
    while (atomic_load(&polls) < TICKS) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, -1) == 1 && read(fd, &n, sizeof(n)) == sizeof(n))
            atomic_fetch_add(&polls, 1);
    }
    return NULL;
}

static void *epoller(void *arg)
{
    int fd = *(int *)arg, ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    uint64_t n;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    while (atomic_load(&epolls) < TICKS)
        if (epoll_wait(ep, &ev, 1, -1) == 1 && read(fd, &n, sizeof(n)) == sizeof(n))
            atomic_fetch_add(&epolls, 1);
    return NULL;
}

int main(void)
{
    int rfd = periodic_timerfd(), pfd = periodic_timerfd(), efd = periodic_timerfd();
    pthread_t r, p, e;
    pthread_create(&r, NULL, reader, &rfd);
    pthread_create(&p, NULL, poller, &pfd);
    pthread_create(&e, NULL, epoller, &efd);
    /* compute, no syscalls, until both have seen their ticks */
    while (atomic_load(&reads) < TICKS || atomic_load(&polls) < TICKS ||
           atomic_load(&epolls) < TICKS)
        ;
    pthread_join(r, NULL);
    pthread_join(p, NULL);
    pthread_join(e, NULL);
    printf("reader: %d timerfd reads, poller: %d polls, epoller: %d epoll_waits, while the main "
           "thread computed\n",
           atomic_load(&reads), atomic_load(&polls), atomic_load(&epolls));
    return 0;
}
