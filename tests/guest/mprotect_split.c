/*
 * mprotect_split: mmap 4 RW pages, mprotect pages 1-2 read-only (the VMA splits in three), write
 * pages 0 and 3, read pages 1 and 2, then make pages 1-2 writable again and write page 1.
 *
 * Fault log (faults.py), 5 faults in [base, base + 4 pages):
 *   page 0 write  do_anonymous_page      VMA [base, base+1p)   rw-p
 *   page 3 write  do_anonymous_page      VMA [base+3p, base+4p) rw-p
 *   page 1 read   do_anonymous_page      VMA [base+1p, base+3p) r--p
 *   page 2 read   do_anonymous_page      VMA [base+1p, base+3p) r--p
 *   page 1 write  do_wp_page>wp_page_copy (the zero page was mapped), VMA writable
 */
#define _GNU_SOURCE
#include "guest.h"

int main(void)
{
    volatile unsigned char *p = guest_map(0x240000000UL, 4 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    guest_note("mprotect_split", "base", (void *)p);
    if (mprotect((void *)(p + GUEST_PAGE), 2 * GUEST_PAGE, PROT_READ) != 0)
        guest_die("mprotect ro");

    p[0 * GUEST_PAGE + 1] = 0xaa;
    p[3 * GUEST_PAGE + 3] = 0xbb;
    unsigned r1 = p[1 * GUEST_PAGE + 5];
    unsigned r2 = p[2 * GUEST_PAGE + 7];
    printf("page0=0x%x page3=0x%x page1=%u page2=%u\n", p[1], p[3 * GUEST_PAGE + 3], r1, r2);

    if (mprotect((void *)(p + GUEST_PAGE), 2 * GUEST_PAGE, PROT_READ | PROT_WRITE) != 0)
        guest_die("mprotect rw");
    p[1 * GUEST_PAGE + 9] = 0xcc;
    printf("page1=0x%x page2=%u after mprotect rw\n", p[GUEST_PAGE + 9], p[2 * GUEST_PAGE + 7]);
    return 0;
}
