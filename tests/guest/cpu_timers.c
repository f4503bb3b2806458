/*
 * cpu_timers: POSIX timers on CPU-time clocks (timer_create on CLOCK_PROCESS_CPUTIME_ID,
 * CLOCK_THREAD_CPUTIME_ID and the ids clock_getcpuclockid and pthread_getcpuclockid make). They
 * expire after that much CPU time of their process or thread, never while it sleeps; a periodic
 * one keeps firing while the task computes; timer_gettime counts down in CPU time; an absolute
 * expiry is a time on the CPU clock; SIGEV_THREAD_ID sends the signal to the thread named; a
 * timer on another thread's clock fires while that thread computes, not while the creator waits.
 * clock_nanosleep on CPU-time clocks: on the process's clock and another thread's it returns once
 * that much CPU time has been used (by a thread that computes meanwhile), on a child process's
 * likewise; the caller's own thread clock and a clock of no task are EINVAL. (faultline slept on
 * the host's clock of that id until 2026-12-07: its own process's, which its sleep stopped, or a
 * host process's of the guest's pid.)
 *
 * Only whether each property holds is printed (the numbers go to stderr), so that a native run
 * and a faultline run print the same. Bounds leave room for a loaded machine and for a CPU clock
 * that runs slower than the wall clock.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL

static volatile sig_atomic_t fired, fired_tid, last_value;
static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fired++;
    fired_tid = (sig_atomic_t)syscall(SYS_gettid);
    last_value = si->si_code == SI_TIMER ? si->si_value.sival_int : -1;
}

static timer_t make_timer(clockid_t clk, int notify, pid_t tid, int value)
{
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = notify;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = value;
#ifdef sigev_notify_thread_id
    ev.sigev_notify_thread_id = tid;
#else
    ev._sigev_un._tid = tid;
#endif
    timer_t t;
    if (timer_create(clk, &ev, &t))
        guest_die("timer_create");
    return t;
}

static void set_timer(timer_t t, int flags, long long value, long long interval)
{
    struct itimerspec its = {{interval / 1000000000LL, interval % 1000000000LL},
                             {value / 1000000000LL, value % 1000000000LL}};
    if (timer_settime(t, flags, &its, NULL))
        guest_die("timer_settime");
}

/* Compute until `*flag` reaches `want` or `wall_ms` of wall time pass. */
static void spin_until(volatile sig_atomic_t *flag, int want, long long wall_ms)
{
    long long end = guest_clock_ns(CLOCK_MONOTONIC) + wall_ms * MS;
    while (*flag < want && guest_clock_ns(CLOCK_MONOTONIC) < end)
        for (volatile int i = 0; i < 100000; i++)
            ;
}

static void spin_cpu(clockid_t clk, long long ns)
{
    long long end = guest_clock_ns(clk) + ns;
    while (guest_clock_ns(clk) < end)
        for (volatile int i = 0; i < 100000; i++)
            ;
}

static void process_clock(void)
{
    timer_t t = make_timer(CLOCK_PROCESS_CPUTIME_ID, SIGEV_SIGNAL, 0, 7);

    /* asleep, the process's CPU clock stands still */
    fired = 0;
    set_timer(t, 0, 50 * MS, 0);
    struct timespec nap = {0, 300 * MS};
    nanosleep(&nap, NULL);
    guest_check("no expiry while asleep", fired == 0, fired, 0);

    struct itimerspec cur;
    if (timer_gettime(t, &cur))
        guest_die("timer_gettime");
    long long left = cur.it_value.tv_sec * 1000000000LL + cur.it_value.tv_nsec;
    guest_check("timer_gettime counts CPU time", left > 30 * MS && left <= 50 * MS, left, 0);

    long long c0 = guest_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    spin_until(&fired, 1, 5000);
    long long used = guest_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
    guest_check("one-shot fires after its CPU time",
                fired == 1 && used >= 20 * MS && used <= 1000 * MS, fired, used);
    guest_check("si_code SI_TIMER, si_value from sigevent", last_value == 7, last_value, 0);
    if (timer_gettime(t, &cur))
        guest_die("timer_gettime");
    guest_check("a fired one-shot is disarmed",
                cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0, cur.it_value.tv_nsec, 0);

    /* periodic: 10 ms of CPU time each, for 150 ms of CPU time */
    fired = 0;
    set_timer(t, 0, 10 * MS, 10 * MS);
    spin_cpu(CLOCK_PROCESS_CPUTIME_ID, 150 * MS);
    set_timer(t, 0, 0, 0);
    int n = fired;
    guest_check("periodic fires about every 10 ms of CPU time", n >= 5 && n <= 16, n, 0);

    /* an absolute expiry is a time on the CPU clock */
    fired = 0;
    set_timer(t, TIMER_ABSTIME, guest_clock_ns(CLOCK_PROCESS_CPUTIME_ID) + 40 * MS, 0);
    spin_until(&fired, 1, 5000);
    guest_check("TIMER_ABSTIME on the CPU clock", fired == 1, fired, 0);
    /* ... and one already past fires at once */
    fired = 0;
    set_timer(t, TIMER_ABSTIME, 1, 0);
    spin_until(&fired, 1, 5000);
    guest_check("an absolute time already past fires", fired == 1, fired, 0);
    if (timer_delete(t))
        guest_die("timer_delete");

    clockid_t own;
    if (clock_getcpuclockid(0, &own))
        guest_die("clock_getcpuclockid");
    t = make_timer(own, SIGEV_SIGNAL, 0, 8);
    fired = 0;
    set_timer(t, 0, 20 * MS, 0);
    spin_until(&fired, 1, 5000);
    guest_check("timer on clock_getcpuclockid(0)", fired == 1 && last_value == 8, fired,
                last_value);
    timer_delete(t);
}

static volatile sig_atomic_t worker_stop;
static volatile pid_t worker_tid;

static void *worker(void *arg)
{
    (void)arg;
    worker_tid = (pid_t)syscall(SYS_gettid);
    long long end = guest_clock_ns(CLOCK_MONOTONIC) + 5000 * MS;
    while (!worker_stop && guest_clock_ns(CLOCK_MONOTONIC) < end)
        for (volatile int i = 0; i < 100000; i++)
            ;
    return NULL;
}

static void thread_clocks(void)
{
    /* the caller's own thread clock, signal to the caller (SIGEV_THREAD_ID) */
    pid_t me = (pid_t)syscall(SYS_gettid);
    timer_t t = make_timer(CLOCK_THREAD_CPUTIME_ID, SIGEV_THREAD_ID, me, 9);
    fired = 0;
    set_timer(t, 0, 30 * MS, 0);
    spin_until(&fired, 1, 5000);
    guest_check("thread clock timer to this thread", fired == 1 && fired_tid == me, fired, 0);
    timer_delete(t);

    /* another thread's clock: the main thread only waits, the worker computes */
    worker_stop = 0;
    pthread_t th;
    if (pthread_create(&th, NULL, worker, NULL))
        guest_die("pthread_create");
    while (!worker_tid)
        sched_yield();
    clockid_t wclk;
    if (pthread_getcpuclockid(th, &wclk))
        guest_die("pthread_getcpuclockid");
    t = make_timer(wclk, SIGEV_THREAD_ID, me, 10);
    fired = 0;
    long long mine0 = guest_clock_ns(CLOCK_THREAD_CPUTIME_ID), w0 = guest_clock_ns(wclk);
    set_timer(t, 0, 40 * MS, 0);
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, &old);
    struct timespec limit = {5, 0};
    siginfo_t si;
    int got = sigtimedwait(&usr1, &si, &limit);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    long long worker_used = guest_clock_ns(wclk) - w0,
              mine = guest_clock_ns(CLOCK_THREAD_CPUTIME_ID) - mine0;
    guest_check("timer on another thread's clock fires as it computes",
                got == SIGUSR1 && si.si_value.sival_int == 10 && worker_used >= 20 * MS, got,
                worker_used);
    guest_check("the waiting thread used little CPU meanwhile", mine < worker_used, mine,
                worker_used);
    worker_stop = 1;
    pthread_join(th, NULL);
    timer_delete(t);
}

/* clock_nanosleep's error number (glibc and musl return it) */
static int nsleep(clockid_t clk, int flags, long long ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
    return clock_nanosleep(clk, flags, &ts, NULL);
}

static void clock_sleeps(void)
{
    guest_check("clock_nanosleep on the caller's thread clock: EINVAL",
                nsleep(CLOCK_THREAD_CPUTIME_ID, 0, 10 * MS) == EINVAL, 0, 0);
    clockid_t own;
    if (pthread_getcpuclockid(pthread_self(), &own))
        guest_die("pthread_getcpuclockid");
    guest_check("clock_nanosleep on the caller's own clock id: EINVAL",
                nsleep(own, 0, 10 * MS) == EINVAL, 0, 0);
    /* a clock of no task: ~pid << 3 for a pid beyond PID_MAX_LIMIT (CPUCLOCK_PROF) */
    guest_check("clock_nanosleep on a clock of no task: EINVAL",
                nsleep((clockid_t)(~0x3fffff0u << 3), 0, 10 * MS) == EINVAL, 0, 0);

    worker_stop = 0;
    worker_tid = 0;
    pthread_t th;
    if (pthread_create(&th, NULL, worker, NULL))
        guest_die("pthread_create");
    while (!worker_tid)
        sched_yield();
    long long p0 = guest_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    int r = nsleep(CLOCK_PROCESS_CPUTIME_ID, 0, 30 * MS);
    long long used = guest_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - p0;
    guest_check("clock_nanosleep 30 ms on the process clock while a thread computes",
                r == 0 && used >= 30 * MS, r, used);
    clockid_t wclk;
    if (pthread_getcpuclockid(th, &wclk))
        guest_die("pthread_getcpuclockid");
    long long until = guest_clock_ns(wclk) + 30 * MS;
    r = nsleep(wclk, TIMER_ABSTIME, until);
    long long at = guest_clock_ns(wclk);
    guest_check("clock_nanosleep until a time on the computing thread's clock",
                r == 0 && at >= until, r, at - until);
    worker_stop = 1;
    pthread_join(th, NULL);

    /* a child process's clock (clock_getcpuclockid), the child computing */
    pid_t child = fork();
    if (child < 0)
        guest_die("fork");
    if (child == 0) {
        long long end = guest_clock_ns(CLOCK_MONOTONIC) + 5000 * MS;
        while (guest_clock_ns(CLOCK_MONOTONIC) < end)
            for (volatile int i = 0; i < 100000; i++)
                ;
        _exit(0);
    }
    clockid_t cclk;
    if (clock_getcpuclockid(child, &cclk))
        guest_die("clock_getcpuclockid");
    long long c0 = guest_clock_ns(cclk);
    r = nsleep(cclk, 0, 20 * MS);
    long long cused = guest_clock_ns(cclk) - c0;
    guest_check("clock_nanosleep 20 ms on a computing child's clock", r == 0 && cused >= 20 * MS, r,
                cused);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGUSR1, &sa, NULL))
        guest_die("sigaction");
    process_clock();
    thread_clocks();
    clock_sleeps();
    printf("%s\n", *guest_failures() ? "FAILED" : "all ok");
    return *guest_failures() ? 1 : 0;
}
