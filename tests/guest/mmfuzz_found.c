/*
 * mmfuzz_found - what tests/fuzz/mmfuzz found in faultline's address-space calls, each case
 * against the host kernel:
 *   1. mmap's hint is rounded down to a page (do_mmap's round_hint_to_min), not up: an
 *      unaligned hint inside a free page gets that page.
 *   2. VMAs merge only where their vm_pgoff goes on, anonymous ones too: an anonymous VMA that
 *      mremap moved keeps its vm_pgoff and stays apart from a like VMA at its new place.
 *   3. The pieces of a MAP_GROWSDOWN VMA that mprotect split merge again when it makes them
 *      alike (faultline kept stacks apart from every neighbour).
 */
#define _GNU_SOURCE /* mremap flags */
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

/* The VMAs of [BASE, BASE + 64 pages) as page ranges, on one line. */
static void show_vmas(const char *what)
{
    static char buf[1 << 16];
    guest_read_file("/proc/self/maps", buf, sizeof(buf));
    printf("%s:", what);
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        unsigned long s, e;
        if (sscanf(l, "%lx-%lx", &s, &e) == 2 && s >= BASE && s < BASE + 64 * P)
            printf(" %lu-%lu", (s - BASE) / P, (e - BASE) / P);
    }
    printf("\n");
}

static void *map_at(unsigned long page, unsigned long pages, int flags)
{
    void *p = mmap((void *)(BASE + page * P), pages * P, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | flags, -1, 0);
    if (p == MAP_FAILED)
        guest_die("mmap");
    return p;
}

static void merges(void)
{
    char *a = map_at(0, 1, 0), *b = map_at(40, 1, 0);
    a[0] = b[0] = 1;
    if (mremap(b, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, BASE + P) == MAP_FAILED)
        guest_die("mremap");
    show_vmas("moved next to a like VMA");
    char *g = map_at(20, 4, MAP_GROWSDOWN);
    if (mprotect(g + P, P, PROT_READ) || mprotect(g + P, P, PROT_READ | PROT_WRITE))
        guest_die("mprotect");
    show_vmas("a stack split and made whole");
    munmap((void *)BASE, 64 * P);
}

int main(void)
{
    hint_rounding();
    merges();
    return 0;
}
