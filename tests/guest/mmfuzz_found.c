/*
 * mmfuzz_found - what tests/fuzz/mmfuzz found in faultline's address-space calls, each case
 * against the host kernel:
 *   1. mmap's hint is rounded down to a page (do_mmap's round_hint_to_min), not up: an
 *      unaligned hint inside a free page gets that page.
 */
#include "guest.h"

#define P    GUEST_PAGE
#define BASE ((uintptr_t)1 << 44) /* 16 TiB: free in every layout */

static void hint_rounding(void)
{
    uintptr_t hint = BASE + 3 * P + 123;
    void *p = mmap((void *)hint, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        guest_die("mmap");
    printf("hint at page 3 + 123: %s\n", (uintptr_t)p == BASE + 3 * P   ? "page 3"
                                         : (uintptr_t)p == BASE + 4 * P ? "page 4"
                                                                        : "elsewhere");
    munmap(p, P);
}

int main(void)
{
    hint_rounding();
    return 0;
}
