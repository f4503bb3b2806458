/*
 * threads: POSIX threads on faultline. Four threads add to a counter under a mutex, hand a
 * token round with a condition variable, keep a __thread variable of their own, and are
 * joined (CLONE_CHILD_CLEARTID's futex wake); one ends with pthread_exit. A timed wait times out,
 * a thread reads the group's pid and its own tid, and a thread that calls exit() ends the whole
 * process with its status. Output is the same natively and under faultline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4
#define ROUNDS   2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn, passes;
static __thread int mine;
static pid_t pids[NTHREADS];
static int tid_distinct[NTHREADS];

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    mine = id * 100;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter += id + 1;
        pthread_mutex_unlock(&lock);
    }
    /* the token goes round twice: each thread waits for its turn */
    for (int r = 0; r < 2; r++) {
        pthread_mutex_lock(&lock);
        while (turn != id)
            pthread_cond_wait(&turn_changed, &lock);
        passes++;
        turn = (turn + 1) % NTHREADS;
        pthread_cond_broadcast(&turn_changed);
        pthread_mutex_unlock(&lock);
    }
    pids[id] = getpid();
    tid_distinct[id] = (pid_t)syscall(SYS_gettid) != getpid();
    if (id == NTHREADS - 1)
        pthread_exit((void *)(intptr_t)(mine + 7));
    return (void *)(intptr_t)(mine + id);
}

static void *exiter(void *arg)
{
    (void)arg;
    fflush(stdout);
    exit(5); /* the whole process ends with 5, the main thread still blocked */
}

int main(void)
{
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) != 0)
            return 100;
    long sum = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        sum += (intptr_t)ret;
    }
    int same_pid = 1, distinct = 1;
    for (int i = 0; i < NTHREADS; i++) {
        same_pid &= pids[i] == getpid();
        distinct &= tid_distinct[i];
    }
    printf("counter %ld (want %d), token passes %d, returns %ld, main's own tls %d\n", counter,
           ROUNDS * (1 + 2 + 3 + 4), passes, sum, mine);
    printf("threads share the pid: %d, have their own tid: %d\n", same_pid, distinct);

    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 20 * 1000 * 1000;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lock);
    int r = pthread_cond_timedwait(&turn_changed, &lock, &until);
    pthread_mutex_unlock(&lock);
    printf("timed wait: %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : "other");
    fflush(stdout);

    pthread_t x;
    pthread_create(&x, NULL, exiter, NULL);
    pthread_join(x, NULL);
    return 0;
}
