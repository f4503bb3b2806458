/*
 * event_waits: eventfd and sigtimedwait between processes, compared with a native run:
 *   eventfd    a parent's read of a zero counter waits (parks) until its child writes 5; in
 *              semaphore mode a counter of 3 reads as 1 three times; EFD_NONBLOCK on a zero
 *              counter is EAGAIN; poll sees it readable after a write
 *   timerfd    a read of a 100 ms one-shot timerfd waits for it (the only process, parked on
 *              the host's clock) and counts 1 expiry; before it expires a TFD_NONBLOCK one reads
 *              EAGAIN and timerfd_gettime shows it armed
 *   sigwait    with SIGUSR1 blocked, sigwaitinfo takes one a child sends (its handler does not
 *              run, si_code SI_USER); a pending one is taken at once; sigtimedwait with 100 ms
 *              and nothing coming is EAGAIN
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

#include "guest.h"

static void test_eventfd(void)
{
    int efd = eventfd(0, EFD_CLOEXEC);
    if (efd < 0)
        guest_die("eventfd");
    pid_t pid = fork();
    if (pid == 0) {
        usleep(100000); /* the parent is already waiting */
        uint64_t v = 5;
        _exit(write(efd, &v, sizeof(v)) == sizeof(v) ? 0 : 1);
    }
    uint64_t v = 0;
    ssize_t n = read(efd, &v, sizeof(v));
    printf("eventfd: read %zd bytes, counter %llu, child %d\n", n, (unsigned long long)v,
           guest_reap(pid));
    close(efd);

    efd = eventfd(3, EFD_SEMAPHORE);
    int ones = 0;
    for (int i = 0; i < 3; i++)
        if (read(efd, &v, sizeof(v)) == sizeof(v) && v == 1)
            ones++;
    printf("eventfd: semaphore gave 1 %d times\n", ones);
    close(efd);

    efd = eventfd(0, EFD_NONBLOCK);
    errno = 0;
    n = read(efd, &v, sizeof(v));
    printf("eventfd: nonblocking read of 0 -> %zd %s\n", n, errno == EAGAIN ? "EAGAIN" : "other");
    v = 2;
    if (write(efd, &v, sizeof(v)) != sizeof(v))
        guest_die("write");
    struct pollfd pfd = {.fd = efd, .events = POLLIN};
    int ready = poll(&pfd, 1, 0);
    printf("eventfd: poll after a write -> %d, POLLIN %d\n", ready, (pfd.revents & POLLIN) != 0);
    close(efd);
}

static void test_timerfd(void)
{
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec its = {{0, 0}, {0, 100000000}}, cur;
    if (tfd < 0 || timerfd_settime(tfd, 0, &its, NULL))
        guest_die("timerfd");
    uint64_t n = 0;
    ssize_t r = read(tfd, &n, sizeof(n));
    printf("timerfd: read %zd bytes, %llu expiry\n", r, (unsigned long long)n);
    close(tfd);
    tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
    its.it_value.tv_sec = 5;
    timerfd_settime(tfd, 0, &its, NULL);
    errno = 0;
    r = read(tfd, &n, sizeof(n));
    int e = errno;
    timerfd_gettime(tfd, &cur);
    printf("timerfd: nonblocking read before expiry -> %zd %s, armed %d\n", r,
           e == EAGAIN ? "EAGAIN" : "other", cur.it_value.tv_sec > 0);
    close(tfd);
}

static volatile sig_atomic_t handled;
static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

static void test_sigwait(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        usleep(100000);
        kill(parent, SIGUSR1);
        _exit(0);
    }
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    int sig = sigwaitinfo(&set, &si);
    printf("sigwait: took %s from the child (si_code %s), handler ran %d, child %d\n",
           sig == SIGUSR1 ? "SIGUSR1" : "other", si.si_code == SI_USER ? "SI_USER" : "other",
           (int)handled, guest_reap(pid));
    raise(SIGUSR1); /* blocked: stays pending */
    sig = sigwaitinfo(&set, NULL);
    printf("sigwait: a pending one at once: %s\n", sig == SIGUSR1 ? "SIGUSR1" : "other");
    struct timespec t = {0, 100000000};
    errno = 0;
    sig = sigtimedwait(&set, NULL, &t);
    printf("sigwait: 100 ms with nothing -> %d %s, handler ran %d\n", sig,
           errno == EAGAIN ? "EAGAIN" : "other", (int)handled);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_eventfd();
    test_timerfd();
    test_sigwait();
    return 0;
}
