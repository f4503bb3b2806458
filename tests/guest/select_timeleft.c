/*
 * select_timeleft - select, pselect6 and ppoll write back the time their timeout had left
 * (Linux's poll_select_copy_remaining): zero after a wait that timed out, nearly all of it
 * after one that found an fd ready at once, the rest after a handler cut it short. glibc's
 * select() is pselect6 on a copy of the timeval that it converts back, so every select() a
 * program makes sees the time left (Perl's four-argument select returns it: `($n, $left)`).
 * A zero timeout is not written back. The raw calls are made with syscall() so that libc's
 * wrappers (which hide pselect6's and ppoll's write-back) are not in the way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* A timeval or timespec's time in microseconds. */
static long long tv_us(const struct timeval *tv)
{
    return (long long)tv->tv_sec * 1000000 + tv->tv_usec;
}

static long long ts_us(const struct timespec *ts)
{
    return (long long)ts->tv_sec * 1000000 + ts->tv_nsec / 1000;
}

/* Where the time left falls: the bounds are wide, the machine may be slow. */
static const char *range(long long left_us, long long lo_us, long long hi_us)
{
    return left_us == 0 ? "zero" : left_us >= lo_us && left_us <= hi_us ? "in range" : "WRONG";
}

static void report(const char *what, long r, int err, const char *left)
{
    printf("%-40s returned %ld%s%s, left %s\n", what, r, r < 0 ? " " : "",
           r < 0 ? strerror(err) : "", left);
}

int main(void)
{
    int quiet[2], ready[2];
    if (pipe(quiet) || pipe(ready) || write(ready[1], "x", 1) != 1)
        return 100;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);

    /* a wait that times out: nothing left */
    fd_set set;
    FD_ZERO(&set);
    FD_SET(quiet[0], &set);
    struct timeval tv = {0, 30000};
    long r = syscall(SYS_select, quiet[0] + 1, &set, NULL, NULL, &tv);
    report("select timed out", r, errno, range(tv_us(&tv), 1, 0));

    /* an fd ready at once: nearly all of 5 s left */
    FD_ZERO(&set);
    FD_SET(ready[0], &set);
    tv = (struct timeval){5, 0};
    r = syscall(SYS_select, ready[0] + 1, &set, NULL, NULL, &tv);
    report("select ready", r, errno, range(tv_us(&tv), 4000000, 5000000));

    /* tv_usec of a second and more carries into seconds (kern_select), and what is written
     * back is the carried time: 1.5 s */
    FD_ZERO(&set);
    FD_SET(ready[0], &set);
    tv = (struct timeval){0, 1500000};
    r = syscall(SYS_select, ready[0] + 1, &set, NULL, NULL, &tv);
    report("select ready, tv_usec 1500000", r, errno,
           tv.tv_sec == 1 && tv.tv_usec < 1000000 ? range(tv_us(&tv), 1000000, 1500000)
                                                  : "not carried");

    /* a zero timeout stays as it was (no update for a zero timeout) */
    tv = (struct timeval){0, 0};
    r = syscall(SYS_select, ready[0] + 1, &set, NULL, NULL, &tv);
    report("select zero timeout", r, errno, tv.tv_sec == 0 && tv.tv_usec == 0 ? "zero" : "WRONG");

    /* a handler cuts a 5 s wait short after 50 ms: EINTR, and most of it left */
    struct itimerval it = {{0, 0}, {0, 50000}};
    FD_ZERO(&set);
    FD_SET(quiet[0], &set);
    tv = (struct timeval){5, 0};
    setitimer(ITIMER_REAL, &it, NULL);
    r = syscall(SYS_select, quiet[0] + 1, &set, NULL, NULL, &tv);
    report("select interrupted", r, errno, range(tv_us(&tv), 3000000, 4990000));

    /* pselect6 writes back a timespec */
    struct timespec ts = {0, 20000000};
    FD_ZERO(&set);
    FD_SET(quiet[0], &set);
    r = syscall(SYS_pselect6, quiet[0] + 1, &set, NULL, NULL, &ts, NULL);
    report("pselect6 timed out", r, errno, range(ts_us(&ts), 1, 0));
    ts = (struct timespec){3, 0};
    FD_ZERO(&set);
    FD_SET(ready[0], &set);
    r = syscall(SYS_pselect6, ready[0] + 1, &set, NULL, NULL, &ts, NULL);
    report("pselect6 ready", r, errno, range(ts_us(&ts), 2000000, 3000000));
    ts = (struct timespec){5, 0};
    FD_ZERO(&set);
    FD_SET(quiet[0], &set);
    setitimer(ITIMER_REAL, &it, NULL);
    r = syscall(SYS_pselect6, quiet[0] + 1, &set, NULL, NULL, &ts, NULL);
    report("pselect6 interrupted", r, errno, range(ts_us(&ts), 3000000, 4990000));

    /* ppoll too */
    struct pollfd pq = {quiet[0], POLLIN, 0}, pr = {ready[0], POLLIN, 0};
    ts = (struct timespec){0, 20000000};
    r = syscall(SYS_ppoll, &pq, 1, &ts, NULL, 8);
    report("ppoll timed out", r, errno, range(ts_us(&ts), 1, 0));
    ts = (struct timespec){3, 0};
    r = syscall(SYS_ppoll, &pr, 1, &ts, NULL, 8);
    report("ppoll ready", r, errno, range(ts_us(&ts), 2000000, 3000000));
    ts = (struct timespec){5, 0};
    setitimer(ITIMER_REAL, &it, NULL);
    r = syscall(SYS_ppoll, &pq, 1, &ts, NULL, 8);
    report("ppoll interrupted", r, errno, range(ts_us(&ts), 3000000, 4990000));

    /* libc's select(): glibc converts pselect6's time left back into the caller's timeval;
     * musl passes select a copy, so there the timeval stays as it was (natively too) */
    FD_ZERO(&set);
    FD_SET(quiet[0], &set);
    tv = (struct timeval){0, 20000};
    r = select(quiet[0] + 1, &set, NULL, NULL, &tv);
    report("libc select timed out", r, errno, range(tv_us(&tv), 1, 0));
    FD_ZERO(&set);
    FD_SET(ready[0], &set);
    tv = (struct timeval){3, 0};
    r = select(ready[0] + 1, &set, NULL, NULL, &tv);
    report("libc select ready", r, errno, range(tv_us(&tv), 2000000, 3000000));

    printf("alarms %d\n", (int)alarms);
    return 0;
}
