/*
 * tlb_grow: a process that computes over a few hundred pages while a second thread sleeps
 * (under faultline that keeps it on the engine with the block hook; with "alone", no second
 * thread: the other engine), first between mmap/munmap
 * calls (TLB flushes), then without any system call: faultline grows the engine's TLB
 * (mmu/mmu.c, tlb_grow) by filling it with entries of its own. Afterwards no address of the
 * kernel's direct map, where those entries point, may be readable: each read must end in
 * SIGSEGV, as natively. The sums must come out the same as natively.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 1536 /* 6 MiB: more than QEMU's first TLB holds (256 entries) */
#define PAGE  4096

static sigjmp_buf back;

static void on_segv(int sig)
{
    siglongjmp(back, sig);
}

static void *sleeper(void *arg)
{
    (void)arg;
    sleep(3600);
    return NULL;
}

/* n loads over the first `pages` pages in a scattered order. */
static unsigned long sweep(const unsigned char *buf, unsigned long pages, unsigned long n)
{
    unsigned long sum = 0;
    for (unsigned long i = 0; i < n; i++)
        sum += buf[((i * 97) % pages) * PAGE + (i & 63)];
    return sum;
}

int main(int argc, char **argv)
{
    pthread_t t;
    if ((argc < 2 || strcmp(argv[1], "alone") != 0) && pthread_create(&t, NULL, sleeper, NULL))
        return 100;
    unsigned char *buf = malloc(PAGES * PAGE);
    if (!buf)
        return 101;
    for (size_t i = 0; i < PAGES * PAGE; i++)
        buf[i] = (unsigned char)(i * 31 + (i >> 12));

    unsigned long flushed = 0;
    for (int round = 0; round < 40; round++) { /* with a flush between passes */
        char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return 102;
        m[0] = (char)round;
        munmap(m, 4 * PAGE);
        flushed += sweep(buf, 384, 500000);
    }
    printf("with flushes: %lu\n", flushed);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    printf("without: %lu\n", sweep(buf, PAGES, 80000000)); /* no system call until it is printed */

    static const unsigned long direct_map[] = {0xffff888000000000UL, 0xffff888000001000UL,
                                               0xffff888000999000UL};
    for (int i = 0; i < 3; i++) {
        volatile unsigned char *p = (volatile unsigned char *)direct_map[i];
        if (sigsetjmp(back, 1) == 0)
            printf("%#lx: read %u\n", direct_map[i], *p);
        else
            printf("%#lx: SIGSEGV\n", direct_map[i]);
    }
    return 0;
}
