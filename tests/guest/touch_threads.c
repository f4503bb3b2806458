/*
 * touch_threads T N: map T regions of N fresh anonymous pages each (from the main thread, in
 * order, at fixed addresses), then start T threads that each write one byte to every page of
 * its own region, and join them.
 *
 * The pages faulted are the same whatever order the threads run in, so `faultline compare
 * --pages` (compare_cmd.py) can ask that the kernel and the model fault on exactly the same
 * T * N pages of the regions: faults taken by threads, not only by the main one.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "guest.h"

#define MAX_THREADS 16

static long pages;

static void *touch(void *arg)
{
    volatile unsigned char *p = arg;
    for (long i = 0; i < pages; i++)
        p[i * GUEST_PAGE] = 1;
    return NULL;
}

int main(int argc, char **argv)
{
    long threads = guest_arg(argc, argv, 1, 4);
    pages = guest_arg(argc, argv, 2, 100);
    if (threads < 1 || threads > MAX_THREADS)
        guest_die("touch_threads: 1 to 16 threads");
    pthread_t t[MAX_THREADS];
    unsigned char *region[MAX_THREADS];
    for (long i = 0; i < threads; i++)
        region[i] =
            guest_map(0x300000000UL + i * 0x10000000UL, pages * GUEST_PAGE, PROT_READ | PROT_WRITE);
    for (long i = 0; i < threads; i++)
        if (pthread_create(&t[i], NULL, touch, region[i]))
            guest_die("pthread_create");
    for (long i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    printf("%ld threads touched %ld pages each\n", threads, pages);
    return 0;
}
