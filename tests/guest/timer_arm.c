/*
 * timer_arm KIND - a timer armed for 2 ms, and its handler installed only after the arming
 * call, as python3's signal.setitimer() and then signal.signal() do: natively the handler is
 * in place long before the timer fires. KIND: real (setitimer ITIMER_REAL), posix (timer_settime
 * on CLOCK_MONOTONIC), prof (setitimer ITIMER_PROF, 2 ms of CPU time).
 *
 * The first timer of a run makes faultline build its second engine (the one whose block hook
 * lets a timer stop a computing process), which takes 5 to 70 ms; that time used to be part of
 * the timer's first interval, so the signal came first and killed the process (emu/sched.h,
 * emu_build_sliced).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t fired;

static void on_timer(int sig)
{
    (void)sig;
    fired = 1;
}

int main(int argc, char **argv)
{
    const char *kind = argc > 1 ? argv[1] : "real";
    struct itimerval it = {.it_value = {0, 2000}};
    int sig = SIGALRM;
    if (!strcmp(kind, "real")) {
        setitimer(ITIMER_REAL, &it, NULL);
    } else if (!strcmp(kind, "prof")) {
        sig = SIGPROF;
        setitimer(ITIMER_PROF, &it, NULL);
    } else if (!strcmp(kind, "posix")) {
        timer_t t;
        struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
        struct itimerspec ts = {.it_value = {0, 2000000}};
        sig = SIGUSR1;
        if (timer_create(CLOCK_MONOTONIC, &ev, &t) || timer_settime(t, 0, &ts, NULL))
            return 2;
    } else {
        return 2;
    }
    signal(sig, on_timer);
    while (!fired) /* spin: the prof timer needs CPU time, and none needs a syscall to fire */
        ;
    printf("%s: the handler ran\n", kind);
    return 0;
}
