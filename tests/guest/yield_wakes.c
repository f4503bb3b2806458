/*
 * yield_wakes.c - a busy process that only yields (sched_yield) and signals lets the processes
 * it wakes run (stress-ng --wait's killer, which stops and continues a child in a loop and
 * sends its parent SIGUSR1 when the parent makes no progress).
 *
 * The parent waits in wait4 for a child that never exits; a sibling loops over sched_yield
 * (and, with "stop", stopping and continuing the paused child), sending the parent SIGUSR1
 * every 100 rounds. Each SIGUSR1 (a handler without SA_RESTART) ends the parent's wait4 with
 * EINTR; after three the parent says so in shared memory and the sibling stops. Until
 * 2026-12-07 faultline's sched_yield did not count a parked process that a signal had woken
 * as runnable, so the sibling never gave up the CPU: the parent starved for all two million
 * rounds. No fault rows of interest.
 */
#include <sched.h>
#include <signal.h>

#include "guest.h"

#define ROUNDS 2000000L

static void on_usr1(int sig)
{
    (void)sig;
}

int main(int argc, char **argv)
{
    int stop = argc > 1 && !strcmp(argv[1], "stop");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1; /* no SA_RESTART: wait4 ends with EINTR */
    if (sigaction(SIGUSR1, &sa, NULL))
        guest_die("sigaction");
    volatile int *woken =
        mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (woken == MAP_FAILED)
        guest_die("mmap");
    pid_t sleeper = fork();
    if (sleeper < 0)
        guest_die("fork");
    if (sleeper == 0) {
        for (;;)
            pause();
    }
    pid_t parent = getpid();
    pid_t busy = fork();
    if (busy < 0)
        guest_die("fork");
    if (busy == 0) {
        long i;
        for (i = 0; i < ROUNDS && *woken < 3; i++) {
            if (stop)
                kill(sleeper, SIGSTOP);
            sched_yield();
            if (stop)
                kill(sleeper, SIGCONT);
            if (i % 100 == 0)
                kill(parent, SIGUSR1);
        }
        printf("busy sibling: %s\n", i < ROUNDS ? "the parent ran" : "the parent starved");
        fflush(stdout);
        _exit(0);
    }
    int eintr = 0;
    while (eintr < 3) {
        int status;
        pid_t w = wait4(-1, &status, 0, NULL); /* neither child exits on its own */
        if (w < 0 && errno == EINTR) {
            eintr++;
            *woken = eintr;
        } else {
            printf("wait4 returned %s\n", w == busy ? "the busy sibling" : "something else");
            if (w == busy)
                busy = 0;
            break;
        }
    }
    kill(sleeper, SIGKILL);
    if (busy && guest_reap(busy) != 0) /* it has printed: the order of the lines is fixed */
        guest_die("busy sibling");
    guest_reap(sleeper);
    printf("parent: %d waits ended by SIGUSR1\n", eintr);
    return 0;
}
