/*
 * gdb_threads: threads for gdb's hardware watchpoints to follow (tests/e2e/gdb_ptrace.py
 * --threads), natively and inside faultline. Two workers run at once, but the second waits for
 * the first to finish (a condition variable), so that the stores come in the same order
 * everywhere; the main thread waits in pthread_join meanwhile (a futex wait). Then a local
 * variable is watched until its function returns.
 */
#include <pthread.h>
#include <stdio.h>

volatile int shared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static long turn = 1; /* the worker whose stores come next */

static void *worker(void *arg)
{
    long me = (long)arg;
    pthread_mutex_lock(&lock);
    while (turn != me)
        pthread_cond_wait(&turn_changed, &lock);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < 3; i++)
        shared += (int)me;
    pthread_mutex_lock(&lock);
    turn = me + 1;
    pthread_cond_broadcast(&turn_changed);
    pthread_mutex_unlock(&lock);
    return NULL;
}

int sum_to(int n)
{
    int acc = 0;
    for (int i = 0; i < n; i++)
        acc += i;
    return acc;
}

int main(void)
{
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(i + 1)))
            return 1;
    for (int i = 0; i < 2; i++)
        if (pthread_join(t[i], NULL))
            return 1;
    int s = sum_to(4);
    printf("shared=%d sum=%d\n", shared, s);
    return shared == 9 && s == 6 ? 0 : 1;
}
