/*
 * brk_heap: the heap two ways.
 *   1. Raw brk(2), before libc's malloc has run: move the break up to a page boundary plus 16
 *      pages, write every page, move it back to exactly where it was (so libc's own idea of the
 *      break stays true), then leave a marker fault (guest_marker).
 *   2. malloc/free/realloc of many sizes (small ones from the brk heap, large ones mmapped by
 *      libc), driven by a fixed LCG; every block is filled and checked.
 * Prints checksums only.
 *
 * Fault log (faults.py): before the marker, exactly 16 faults in [grow, grow_end):
 * do_anonymous_page, write, user mode, one per page. (After it, malloc may reuse the range.)
 */
#define _GNU_SOURCE
#include <sys/syscall.h>

#include "guest.h"

#define GROW_PAGES 16
#define SLOTS      512

static unsigned long raw_brk(unsigned long addr)
{
    return (unsigned long)syscall(SYS_brk, addr);
}

static unsigned lcg_state = 12345;
static unsigned lcg(void)
{
    lcg_state = lcg_state * 1103515245u + 12345u;
    return lcg_state >> 8;
}

int main(void)
{
    /* 1. brk. No stdio before this point: its buffers would come from malloc. */
    unsigned long old = raw_brk(0);
    unsigned long grow = (old + GUEST_PAGE - 1) & ~(GUEST_PAGE - 1);
    unsigned long end = grow + GROW_PAGES * GUEST_PAGE;
    if (raw_brk(end) != end)
        guest_die("brk grow");
    volatile unsigned char *g = (volatile unsigned char *)grow;
    unsigned long bsum = 0;
    for (int i = 0; i < GROW_PAGES; i++)
        g[i * GUEST_PAGE + 8 * i] = (unsigned char)(0x40 + i);
    for (int i = 0; i < GROW_PAGES; i++)
        bsum += g[i * GUEST_PAGE + 8 * i] + g[i * GUEST_PAGE + 4095];
    if (raw_brk(old) != old)
        guest_die("brk shrink");
    int restored = raw_brk(0) == old;
    guest_marker("brk_heap", "after_brk", 0);
    guest_note("brk_heap", "grow", (void *)grow);
    guest_note("brk_heap", "grow_end", (void *)end);

    /* 2. malloc/free */
    static unsigned char *slot[SLOTS];
    static size_t len[SLOTS];
    unsigned long msum = 0, ops = 0;
    for (int round = 0; round < 20000; round++) {
        int s = lcg() % SLOTS;
        if (slot[s]) {
            for (size_t i = 0; i < len[s]; i += 97)
                msum += slot[s][i] ^ (unsigned char)(i + s);
            free(slot[s]);
            slot[s] = NULL;
        } else {
            unsigned r = lcg();
            /* mostly small, some medium, a few above the 128 KiB mmap threshold */
            len[s] = r % 16 == 0  ? 130000 + r % 200000
                     : r % 4 == 0 ? 1000 + r % 20000
                                  : 1 + r % 300;
            slot[s] = malloc(len[s]);
            if (!slot[s])
                guest_die("malloc");
            for (size_t i = 0; i < len[s]; i++)
                slot[s][i] = (unsigned char)(i + s) ^ (unsigned char)(i >> 8);
        }
        ops++;
    }
    for (int s = 0; s < SLOTS; s++)
        free(slot[s]);
    unsigned char *big = realloc(NULL, 1 << 20);
    if (!big)
        guest_die("realloc");
    memset(big, 0x33, 1 << 20);
    big = realloc(big, 3 << 20);
    if (!big)
        guest_die("realloc");
    memset(big + (1 << 20), 0x5a, 2 << 20);
    msum += big[0] + big[(3 << 20) - 1];
    free(big);

    printf("brk: %d pages, sum %lu, break restored: %s\n", GROW_PAGES, bsum,
           restored ? "yes" : "no");
    printf("malloc: %lu ops, checksum %lu\n", ops, msum);
    return 0;
}
