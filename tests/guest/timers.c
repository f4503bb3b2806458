/*
 * timers: signals from timers, compared with a native run. One deterministic line per step:
 *   alarm        alarm(1) ends pause() with SIGALRM (si_code SI_KERNEL); alarm(0) cancels and
 *                returns the seconds left (rounded), alarm(5) then alarm(0) returns 5
 *   busy         alarm(1) interrupts a loop that makes no syscalls (the handler sets a flag);
 *                right after `alarm`'s alarm(0) left no timer armed (faultline then runs the
 *                process without the kick hook, and must put it back for this alarm)
 *   itimer       setitimer(ITIMER_REAL) every 20 ms: 5 SIGALRMs through sigsuspend, getitimer
 *                sees the period, setitimer(0) disarms and hands back the old value
 *   posix        timer_create(CLOCK_MONOTONIC, SIGEV_SIGNAL SIGUSR1, value 42): si_code
 *                SI_TIMER and si_value 42 in the handler; timer_gettime while armed, an
 *                absolute CLOCK_REALTIME expiry, timer_delete, a deleted id is EINVAL
 *   overrun      a 5 ms periodic timer whose signal stays blocked for 100 ms: one signal,
 *                timer_getoverrun > 0
 *   child        a fork child does not inherit the parent's alarm: it survives the time, and
 *                an exec keeps the alarm (a child execs itself with an alarm pending and dies
 *                of SIGALRM: status 14)
 *   sleep        nanosleep(2 s) interrupted by a 100 ms alarm with a handler: EINTR
 *   prio         getpriority/setpriority: nice 0 -> 5, a nice of 99 is clamped to 19
 *   sockname     getpeername on a pipe is ENOTSOCK; getsockname of a socketpair-free AF_UNIX
 *                socket bound to nothing has family AF_UNIX
 *   spin-first   (alone) the process's very first timer, then the busy loop above
 * usage: timers [spin-first | exec-alarm]
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "guest.h"

static volatile sig_atomic_t got, got_code, got_value;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got++;
    got_code = si->si_code;
    if (si->si_code == SI_TIMER)
        got_value = si->si_value.sival_int;
}

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sig;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL))
        guest_die("sigaction");
}

static const char *code_name(int code)
{
    return code == SI_KERNEL ? "SI_KERNEL" : code == SI_TIMER ? "SI_TIMER" : "other";
}

static void test_alarm(void)
{
    install(SIGALRM);
    got = 0;
    alarm(1);
    pause();
    printf("alarm: pause ended by %d signal(s), %s\n", (int)got, code_name(got_code));
    alarm(5);
    unsigned left = alarm(0);
    printf("alarm: alarm(0) after alarm(5) returns %u\n", left);
}

static void test_busy(void)
{
    got = 0;
    alarm(1);
    unsigned long spins = 0;
    while (!got)
        spins++;
    printf("busy: the loop saw the alarm (%s)\n", spins ? "after spinning" : "at once");
}

static void test_itimer(void)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    got = 0;
    struct itimerval it = {{0, 20000}, {0, 20000}}, cur, prev;
    if (setitimer(ITIMER_REAL, &it, NULL))
        guest_die("setitimer");
    while (got < 5)
        sigsuspend(&old);
    getitimer(ITIMER_REAL, &cur);
    printf("itimer: %d signals, period %ld us, running %d\n", (int)got,
           (long)cur.it_interval.tv_usec, cur.it_value.tv_sec || cur.it_value.tv_usec);
    memset(&it, 0, sizeof(it));
    setitimer(ITIMER_REAL, &it, &prev);
    getitimer(ITIMER_REAL, &cur);
    printf("itimer: old period %ld us, now running %d\n", (long)prev.it_interval.tv_usec,
           cur.it_value.tv_sec || cur.it_value.tv_usec);
    sigprocmask(SIG_SETMASK, &old, NULL);
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    errno = 0;
    int r = setitimer(ITIMER_REAL, &bad, NULL);
    printf("itimer: usec 1000000 -> %d errno %s\n", r, errno == EINVAL ? "EINVAL" : "other");
}

static void test_posix(void)
{
    install(SIGUSR1);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 42;
    timer_t t;
    if (timer_create(CLOCK_MONOTONIC, &ev, &t))
        guest_die("timer_create");
    struct itimerspec its = {{0, 0}, {0, 300000000}}, cur;
    got = 0;
    timer_settime(t, 0, &its, NULL);
    timer_gettime(t, &cur);
    printf("posix: armed, %s left\n",
           cur.it_value.tv_nsec > 0 && cur.it_value.tv_nsec <= 300000000 ? "<= 300 ms" : "wrong");
    while (!got)
        pause();
    printf("posix: %s, value %d\n", code_name(got_code), (int)got_value);
    /* an absolute expiry 200 ms from now on the wall clock */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 200000000;
    if (now.tv_nsec >= 1000000000) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000;
    }
    timer_t t2;
    ev.sigev_value.sival_int = 7;
    if (timer_create(CLOCK_REALTIME, &ev, &t2))
        guest_die("timer_create");
    its = (struct itimerspec){{0, 0}, now};
    got = 0;
    timer_settime(t2, TIMER_ABSTIME, &its, NULL);
    while (!got)
        pause();
    printf("posix: absolute realtime expiry, value %d\n", (int)got_value);
    timer_delete(t2);
    timer_delete(t);
    errno = 0;
    int r = timer_gettime(t, &cur);
    printf("posix: gettime of a deleted timer -> %d errno %s\n", r,
           errno == EINVAL ? "EINVAL" : "other");
}

static void test_overrun(void)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    timer_t t;
    if (timer_create(CLOCK_MONOTONIC, &ev, &t))
        guest_die("timer_create");
    struct itimerspec its = {{0, 5000000}, {0, 5000000}};
    timer_settime(t, 0, &its, NULL);
    struct timespec d = {0, 100000000};
    while (nanosleep(&d, &d))
        ;
    got = 0;
    sigprocmask(SIG_SETMASK, &old, NULL); /* the one pending signal is delivered here */
    int seen = got;
    int over = timer_getoverrun(t);
    timer_delete(t);
    printf("overrun: %d signal(s) while blocked, overrun %s\n", seen, over > 0 ? "> 0" : "0");
}

static void test_child(const char *self)
{
    alarm(1);
    pid_t pid = fork();
    if (pid == 0) {
        struct timespec d = {1, 300000000};
        nanosleep(&d, NULL);
        _exit(3); /* no alarm here: not inherited */
    }
    int st = guest_reap(pid); /* through the parent's own SIGALRM */
    alarm(0);
    printf("child: fork child %s\n", st == 3 ? "exited 3 (no alarm inherited)" : "was killed");
    pid = fork();
    if (pid == 0) {
        signal(SIGALRM, SIG_DFL);
        alarm(1);
        execl(self, self, "exec-alarm", (char *)NULL);
        _exit(100);
    }
    st = guest_reap(pid);
    printf("child: after exec %s %d\n", st > 128 ? "killed by signal" : "exited",
           st > 128 ? st - 128 : st);
}

static void test_sleep(void)
{
    install(SIGALRM);
    struct itimerval it = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec d = {2, 0}, rem = {0, 0};
    int r = nanosleep(&d, &rem);
    printf("sleep: nanosleep -> %d %s, remaining %s\n", r, errno == EINTR ? "EINTR" : "other",
           rem.tv_sec >= 1 ? ">= 1 s" : "< 1 s");
}

static void test_prio(void)
{
    errno = 0;
    int before = getpriority(PRIO_PROCESS, 0);
    setpriority(PRIO_PROCESS, 0, 5);
    int after = getpriority(PRIO_PROCESS, 0);
    setpriority(PRIO_PROCESS, 0, 99);
    printf("prio: %d -> %d, 99 -> %d, errno %d\n", before, after, getpriority(PRIO_PROCESS, 0),
           errno);
}

static void test_sockname(void)
{
    int fds[2];
    if (pipe(fds))
        guest_die("pipe");
    struct sockaddr_un sa;
    socklen_t len = sizeof(sa);
    errno = 0;
    int r = getpeername(fds[0], (struct sockaddr *)&sa, &len);
    printf("sockname: getpeername(pipe) -> %d %s\n", r, errno == ENOTSOCK ? "ENOTSOCK" : "other");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    len = sizeof(sa);
    memset(&sa, 0xff, sizeof(sa));
    r = getsockname(s, (struct sockaddr *)&sa, &len);
    printf("sockname: unbound AF_UNIX -> %d family %s len %d\n", r,
           sa.sun_family == AF_UNIX ? "AF_UNIX" : "other", (int)len);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && !strcmp(argv[1], "spin-first")) {
        install(SIGALRM); /* the process's first timer, then a loop without syscalls */
        test_busy();
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "exec-alarm")) {
        pause(); /* the alarm set before exec ends this process */
        return 4;
    }
    test_alarm();
    test_busy();
    test_itimer();
    test_posix();
    test_overrun();
    test_child(argv[0]);
    test_sleep();
    test_prio();
    test_sockname();
    return 0;
}
