/*
 * read_then_write N: mmap N fresh anonymous pages, read one byte of each (every page maps the
 * zero page), then write one byte to each (every page gets its own frame: do_wp_page finds the
 * zero page, which is no normal page, and goes to wp_page_copy).
 *
 * Fault log (faults.py): in [base, base + N pages), N read faults ending in do_anonymous_page, all
 * mapping the same frame (the zero page), then N write faults ending in do_wp_page>wp_page_copy,
 * each from the zero page to a distinct new frame.
 */
#define _GNU_SOURCE
#include "guest.h"

int main(int argc, char **argv)
{
    long n = guest_arg(argc, argv, 1, 50);
    volatile unsigned char *p = guest_map(0x210000000UL, n * GUEST_PAGE, PROT_READ | PROT_WRITE);
    guest_note("read_then_write", "base", (void *)p);
    guest_note("read_then_write", "end", (void *)(p + n * GUEST_PAGE));

    unsigned long rsum = 0, wsum = 0;
    for (long i = 0; i < n; i++)
        rsum += p[i * GUEST_PAGE + 100];
    for (long i = 0; i < n; i++)
        p[i * GUEST_PAGE + 200] = (unsigned char)(i + 1);
    for (long i = 0; i < n; i++)
        wsum += p[i * GUEST_PAGE + 200] + p[i * GUEST_PAGE + 100];
    printf("read %ld pages, sum %lu\n", n, rsum);
    printf("wrote %ld pages, sum %lu\n", n, wsum);
    return 0;
}
