/*
 * mlock: what mlock, mlock2, munlock, mlockall and munlockall do to an address space, seen
 * through mincore (resident pages) and the calls' results; compared with a native run.
 *
 * Fault log (faults.py, case mlock): the 16 pages locked with mlock are faulted in by the call,
 * so the stores that follow take no fault there; the 16 pages locked with MLOCK_ONFAULT take one
 * write fault each; the 8 pages mapped after mlockall(MCL_FUTURE) none; the 8 mapped after
 * munlockall one each.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <errno.h>
#include <string.h>

#define PROG "mlock"

static int resident(const unsigned char *p, long pages)
{
    unsigned char vec[64];
    int n = 0;

    if (mincore((void *)p, pages * GUEST_PAGE, vec) < 0)
        guest_die("mincore");
    for (long i = 0; i < pages; i++)
        n += vec[i] & 1;
    return n;
}

static void touch(unsigned char *p, long pages)
{
    for (long i = 0; i < pages; i++)
        p[i * GUEST_PAGE] = (unsigned char)(i + 1);
}

static const char *result(int r)
{
    return r == 0 ? "0" : strerror(errno);
}

int main(void)
{
    unsigned char *a = guest_map(0x230000000UL, 16 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    unsigned char *b = guest_map(0x231000000UL, 16 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    unsigned char *hole = guest_map(0x232000000UL, 3 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    int r;

    guest_note(PROG, "a", a);
    guest_note(PROG, "b", b);

    printf("a resident before mlock: %d\n", resident(a, 16));
    r = mlock(a + 100, 16 * GUEST_PAGE - 200); /* unaligned: whole pages are locked */
    printf("mlock a: %s, resident %d\n", result(r), resident(a, 16));
    r = madvise(a, GUEST_PAGE, MADV_DONTNEED);
    printf("madvise(DONTNEED) on locked page: %s\n", result(r));
    touch(a, 16);

    r = mlock2(b, 16 * GUEST_PAGE, MLOCK_ONFAULT);
    printf("mlock2 b ONFAULT: %s, resident %d\n", result(r), resident(b, 16));
    touch(b, 16);
    printf("b resident after stores: %d\n", resident(b, 16));
    r = mlock2(b, GUEST_PAGE, 0x10);
    printf("mlock2 bad flags: %s\n", result(r));

    r = munlock(a, 16 * GUEST_PAGE);
    printf("munlock a: %s, resident %d\n", result(r), resident(a, 16));
    r = madvise(a, 16 * GUEST_PAGE, MADV_DONTNEED);
    printf("madvise(DONTNEED) after munlock: %s, resident %d\n", result(r), resident(a, 16));

    munmap(hole + GUEST_PAGE, GUEST_PAGE);
    r = mlock(hole, 3 * GUEST_PAGE);
    printf("mlock over a hole: %s\n", result(r));

    r = mlockall(0);
    printf("mlockall(0): %s\n", result(r));
    r = mlockall(MCL_FUTURE);
    printf("mlockall(MCL_FUTURE): %s\n", result(r));
    unsigned char *c = guest_map(0x233000000UL, 8 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    guest_note(PROG, "c", c);
    printf("mapped after MCL_FUTURE: resident %d\n", resident(c, 8));
    touch(c, 8);
    r = munlockall();
    printf("munlockall: %s\n", result(r));
    unsigned char *d = guest_map(0x234000000UL, 8 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    guest_note(PROG, "d", d);
    printf("mapped after munlockall: resident %d\n", resident(d, 8));
    touch(d, 8);
    return 0;
}
