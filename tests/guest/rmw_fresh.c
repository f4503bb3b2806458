/*
 * rmw_fresh: read-modify-write instructions on fresh anonymous pages: lock xadd, a plain incl
 * and lock cmpxchg, one page each. A CPU walks the page tables for them with write intent, so
 * each page takes exactly one fault, a write (tests/e2e/faults.py, case rmw_fresh), not a read
 * that maps the zero page followed by a write that copies it.
 */
#include <stdio.h>
#include <sys/mman.h>

#include "guest.h"

int main(void)
{
    char *p =
        mmap(NULL, 3 * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    guest_note("rmw_fresh", "base", p);
    int *a = (int *)p, *b = (int *)(p + GUEST_PAGE), *c = (int *)(p + 2 * GUEST_PAGE);
    __atomic_fetch_add(a, 1, __ATOMIC_SEQ_CST); /* lock xadd */
    __asm__ volatile("incl %0" : "+m"(*b));     /* not locked: still one RMW access */
    __sync_val_compare_and_swap(c, 0, 5);       /* lock cmpxchg */
    printf("%d %d %d\n", *a, *b, *c);
    return 0;
}
