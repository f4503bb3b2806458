/*
 * thread_edges: what a thread does to its whole process. Default: a thread forks (its child is
 * the process's), a process-directed signal runs its handler once, not once a thread.
 * `crash`: a thread's SIGSEGV kills every thread (status 139). `exec`: a thread that is not the
 * leader execs while another thread waits; the others die and the new program is the process.
 * `leader-exit`: the leader arms an alarm and a POSIX timer, then leaves with pthread_exit; the
 * timers belong to the process, so both still fire in the thread that is left (Linux keeps them
 * in signal_struct), once while it computes and once while it sleeps. `leader-exit-status`: the
 * leader leaves with pthread_exit, the thread that is left calls exit(7): the process's status
 * is 7, not the leader's own 0.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int hits;

static void on_usr1(int sig)
{
    (void)sig;
    hits++;
}

static void *crash(void *arg)
{
    (void)arg;
    *(volatile int *)8 = 1;
    return NULL;
}

static void *forker(void *arg)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0)
        _exit(9);
    int st = 0;
    waitpid(pid, &st, 0);
    printf("fork from a thread: child exited %d\n", WEXITSTATUS(st));
    return NULL;
}

static void *execer(void *arg)
{
    (void)arg;
    execl("/bin/echo", "echo", "exec from a thread", (char *)NULL);
    return NULL;
}

static void *idle(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static volatile sig_atomic_t alarms, ticks;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

static void on_tick(int sig)
{
    (void)sig;
    ticks++;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Computes until the alarm has come, then sleeps until the POSIX timer has; 5 s at most. */
static void *survivor(void *arg)
{
    (void)arg;
    double give_up = seconds() + 5;
    volatile unsigned long spins = 0;
    while (!alarms && (spins & 0xfffff || seconds() < give_up))
        spins++;
    while (!ticks && seconds() < give_up)
        usleep(1000);
    printf("after the leader left: SIGALRM %s, timer signal %s\n", alarms ? "came" : "missing",
           ticks ? "came" : "missing");
    exit(alarms && ticks ? 0 : 1);
}

static void *exit_7(void *arg)
{
    (void)arg;
    usleep(10000);
    exit(7);
}

static void leader_exit(void)
{
    signal(SIGALRM, on_alarm);
    signal(SIGUSR2, on_tick);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2};
    timer_t id;
    struct itimerspec ts = {.it_value = {0, 400 * 1000000}};
    struct itimerval alarm = {.it_value = {0, 200 * 1000}};
    if (timer_create(CLOCK_MONOTONIC, &ev, &id) || timer_settime(id, 0, &ts, NULL) ||
        setitimer(ITIMER_REAL, &alarm, NULL)) {
        perror("timers");
        exit(2);
    }
    pthread_t t;
    pthread_create(&t, NULL, survivor, NULL);
    pthread_exit(NULL);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pthread_t t, i;
    if (argc > 1 && !strcmp(argv[1], "crash")) {
        pthread_create(&t, NULL, crash, NULL);
        pthread_join(t, NULL);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "leader-exit"))
        leader_exit();
    if (argc > 1 && !strcmp(argv[1], "leader-exit-status")) {
        pthread_create(&t, NULL, exit_7, NULL);
        pthread_exit(NULL);
    }
    if (argc > 1 && !strcmp(argv[1], "exec")) {
        pthread_create(&i, NULL, idle, NULL);
        pthread_create(&t, NULL, execer, NULL);
        for (;;)
            pause();
    }
    signal(SIGUSR1, on_usr1);
    pthread_create(&t, NULL, forker, NULL);
    pthread_join(t, NULL);
    pthread_create(&i, NULL, idle, NULL);
    kill(getpid(), SIGUSR1);
    while (!hits)
        usleep(1000);
    usleep(10000);
    printf("handler ran %d time(s)\n", hits);
    return 0;
}
