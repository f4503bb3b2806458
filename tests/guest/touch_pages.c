/*
 * touch_pages N: mmap N fresh anonymous pages and write one byte to each, in address order; then
 * read every byte back.
 *
 * Fault log (faults.py): exactly N faults in [base, base + N pages): do_anonymous_page, write,
 * user mode, one per page, nothing else.
 */
#define _GNU_SOURCE
#include "guest.h"

int main(int argc, char **argv)
{
    long n = guest_arg(argc, argv, 1, 100);
    volatile unsigned char *p = guest_map(0x200000000UL, n * GUEST_PAGE, PROT_READ | PROT_WRITE);
    guest_note("touch_pages", "base", (void *)p);
    guest_note("touch_pages", "end", (void *)(p + n * GUEST_PAGE));

    for (long i = 0; i < n; i++)
        p[i * GUEST_PAGE + (i * 16) % GUEST_PAGE] = (unsigned char)(i * 7 + 1);
    /* Every other byte of a fresh page reads as zero (faultline faults RAM in ahead of the
     * guest on another thread: that must never change a byte). */
    unsigned long sum = 0, nonzero = 0;
    for (long i = 0; i < n; i++)
        for (long b = 0; b < GUEST_PAGE; b++) {
            unsigned char v = p[i * GUEST_PAGE + b];
            if (b == (i * 16) % GUEST_PAGE)
                sum += v;
            else
                nonzero += v != 0;
        }
    printf("touched %ld pages, sum %lu, %lu other bytes not zero\n", n, sum, nonzero);
    return 0;
}
