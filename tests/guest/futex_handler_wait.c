/*
 * futex_handler_wait - a signal handler that waits on a futex of its own while its thread was
 * interrupted in a futex wait that SA_RESTART restarts afterwards: SBCL's stop-the-world GC
 * sends SIGUSR2 to its finalizer thread, parked in a futex wait, and the handler waits on
 * another futex for the GC to end. The handler's wait is a wait on its own word, woken by a
 * wake on that word; the interrupted wait is restarted from scratch, comparing its word again
 * (the handler changed it: EAGAIN). Until 2026-12-07 faultline kept the interrupted wait queued
 * through the handler, took the handler's call for it run again and parked it on the old word,
 * so the wake found no one and SBCL hung at its first GC after a control stack exhaustion.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* as <linux/futex.h>, which musl builds lack */
#define FUTEX_WAIT         0
#define FUTEX_WAKE         1
#define FUTEX_PRIVATE_FLAG 128

static atomic_int w1, w2, ready, in_handler, handler_done;
static atomic_int tid;
static long wait_ret, wait_errno, ran_before;

/* Wait until the thread sleeps (S in /proc/self/task/TID/stat), so the wakes below find it
 * asleep natively too, however loaded the machine. */
static void wait_asleep(int t)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", t);
    for (;;) {
        FILE *f = fopen(path, "r");
        char *rp = f && fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
        if (f)
            fclose(f);
        if (rp && rp[1] == ' ' && rp[2] == 'S')
            return;
        usleep(1000);
    }
}

static long futex(atomic_int *w, int op, int val)
{
    return syscall(SYS_futex, w, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void on_usr2(int sig)
{
    (void)sig;
    in_handler = 1;
    while (w2 == 0) /* woken by main's wake on w2 (or w2 already set: EAGAIN) */
        futex(&w2, FUTEX_WAIT, 0);
    w1 = 1; /* the restarted wait must see this and not sleep */
    handler_done = 1;
}

static void *waiter(void *arg)
{
    (void)arg;
    tid = (int)syscall(SYS_gettid);
    ready = 1;
    errno = 0;
    wait_ret = futex(&w1, FUTEX_WAIT, 0);
    wait_errno = errno;
    ran_before = handler_done;
    return NULL;
}

int main(void)
{
    struct sigaction sa = {.sa_handler = on_usr2, .sa_flags = SA_RESTART};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    pthread_t t;
    pthread_create(&t, NULL, waiter, NULL);
    while (!ready)
        usleep(1000);
    wait_asleep(tid); /* in its futex wait */
    syscall(SYS_tgkill, getpid(), tid, SIGUSR2);
    while (!in_handler)
        usleep(1000);
    wait_asleep(tid); /* the handler, in its own wait */
    w2 = 1;
    long n = futex(&w2, FUTEX_WAKE, 1);
    pthread_join(t, NULL);
    printf("main: woke %ld on the handler's word\n", n);
    printf("waiter: futex wait returned %ld (errno %s), handler ran first: %ld\n", wait_ret,
           wait_ret == 0          ? "none"
           : wait_errno == EAGAIN ? "EAGAIN"
                                  : strerror((int)wait_errno),
           ran_before);
    return 0;
}
