/*
 * strace_signals.c - signals and process ends for comparing faultline --strace with strace -f
 * (tests/e2e/strace.py): a tkill to itself, an ITIMER_REAL expiry, a child's exit(3), a child
 * killed by SIGTERM and one by SIGSEGV at address 0 (with RLIMIT_CORE 0, so no core is dumped
 * natively either), each parent's SIGCHLD, and the ends of all four processes.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_signal(int sig)
{
    (void)sig;
}

int main(void)
{
    signal(SIGUSR1, on_signal);
    signal(SIGALRM, on_signal);
    raise(SIGUSR1);

    /* the alarm is blocked until sigsuspend, so it cannot come before the wait */
    sigset_t alrm, old;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_BLOCK, &alrm, &old);
    struct itimerval it = {.it_value = {0, 10000}};
    setitimer(ITIMER_REAL, &it, NULL);
    sigsuspend(&old);

    int st;
    pid_t c = fork();
    if (c == 0)
        _exit(3);
    waitpid(c, &st, 0);

    c = fork();
    if (c == 0) {
        pause();
        _exit(0);
    }
    kill(c, SIGTERM);
    waitpid(c, &st, 0);

    c = fork();
    if (c == 0) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none);
        *(volatile int *)0 = 1;
        _exit(0);
    }
    waitpid(c, &st, 0);
    return 0;
}
