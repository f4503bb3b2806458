/*
 * signal_wakes.c - a signal to a process parked in sigsuspend gives it the CPU soon (wake-up
 * preemption), while the sender goes on computing (stress-ng --sigsuspend, --sigfd, --wait).
 *
 * The child handles SIGUSR1 only inside sigsuspend and acknowledges each one through a pipe.
 * The parent sends ROUNDS signals; after each it spins on getppid (a cheap syscall that never
 * parks) for at most SPINS rounds, watching a counter the child bumps in shared memory, and
 * only then reads the acknowledgement (which parks it if the child has not run). A round whose
 * signal was not handled within the spin is late; after three the parent gives up. Natively
 * the child runs within microseconds (another CPU, or Linux's wake-up preemption on one), far
 * inside the SPINS syscalls. Until 2026-12-07 faultline let the sender run its whole turn (no
 * slice at all while the child was parked), so every round was late. The parent computes
 * first, as a process that has run while the child slept: Linux's woken sleeper preempts a
 * waker that is ahead of it, which a task that has just been forked is not. No fault rows of
 * interest.
 */
#include <signal.h>

#include "guest.h"

#define ROUNDS 200
#define SPINS  200000L

static void on_usr1(int sig)
{
    (void)sig;
}

int main(void)
{
    volatile unsigned *handled =
        mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (handled == MAP_FAILED)
        guest_die("mmap");
    int ack[2];
    if (pipe(ack))
        guest_die("pipe");
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    if (sigaction(SIGUSR1, &sa, NULL))
        guest_die("sigaction");
    sigset_t usr1, during;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    if (sigprocmask(SIG_BLOCK, &usr1, &during)) /* taken only inside sigsuspend */
        guest_die("sigprocmask");
    pid_t child = fork();
    if (child < 0)
        guest_die("fork");
    if (child == 0) {
        for (;;) {
            sigsuspend(&during); /* returns after the handler ran, with EINTR */
            ++*handled;
            if (write(ack[1], "a", 1) != 1)
                _exit(1);
        }
    }
    for (long i = 0; i < 50000; i++) /* the parent has run while the child slept */
        getppid();
    int late = 0, rounds;
    for (rounds = 0; rounds < ROUNDS && late < 3; rounds++) {
        if (kill(child, SIGUSR1))
            guest_die("kill");
        long spin = 0;
        while (*handled <= (unsigned)rounds && spin < SPINS) {
            getppid();
            spin++;
        }
        if (spin == SPINS)
            late++;
        char c;
        if (read(ack[0], &c, 1) != 1)
            guest_die("read");
    }
    kill(child, SIGKILL);
    int status;
    if (waitpid(child, &status, 0) != child)
        guest_die("waitpid");
    printf("%d signals handled, %d of them late\n", rounds, late);
    return late != 0;
}
