/*
 * madv_free MIB: MADV_FREE as a program sees it. MIB MiB of anonymous memory (no huge pages, so
 * that smaps counts in small pages natively too) is written, given up with MADV_FREE, and every
 * fourth page written again; smaps' LazyFree says how much the kernel may drop. Then as much
 * memory again is filled. Under `faultline run --ram 16M` without swap (MIB 8) that fits only if
 * reclaim drops the pages given up and not written since: those read back as zeroes, the others
 * as they were; natively nothing needs dropping. Either way the rewritten pages keep their
 * values, and stdout is the same. stdout rounds LazyFree to 256 kB: Linux skips the pages still
 * in a per-CPU batch on their way to the LRU (mark_page_lazyfree wants PageLRU), a few dozen
 * kB that vary from run to run. On stderr, for swap_e2e.py: the first region's address, the
 * exact LazyFree values, and a marker fault before the final check of the first region.
 */
#include <sys/mman.h>

#include "guest.h"

#define WORDS (GUEST_PAGE / sizeof(unsigned long))

/* The LazyFree line of the smaps entry that starts at addr, in kB (-1: not found). */
static long lazyfree_kb(const void *addr)
{
    static char buf[1 << 20];
    char head[32];
    guest_read_file("/proc/self/smaps", buf, sizeof(buf));
    snprintf(head, sizeof(head), "%lx-", (unsigned long)addr);
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : 0) {
        if (strncmp(line, head, strlen(head)))
            continue;
        char *lf = strstr(line, "LazyFree:");
        return lf ? strtol(lf + 9, NULL, 10) : -1;
    }
    return -1;
}

static unsigned long *map_small_pages(size_t len)
{
    unsigned long *p = (unsigned long *)guest_map(0, len, PROT_READ | PROT_WRITE);
    if (madvise(p, len, MADV_NOHUGEPAGE))
        guest_die("madvise(MADV_NOHUGEPAGE)");
    return p;
}

/* Print LazyFree rounded to 256 kB on stdout, exactly on stderr. */
static void show_lazyfree(const char *when, const void *addr, const char *key)
{
    long kb = lazyfree_kb(addr);
    printf("LazyFree %s: %ld kB (to 256 kB)\n", when, (kb + 128) / 256 * 256);
    fprintf(stderr, "madv_free: %s=%ld\n", key, kb);
}

int main(int argc, char **argv)
{
    long mib = guest_arg(argc, argv, 1, 8), pages = mib * 256;
    size_t len = (size_t)mib << 20;
    unsigned long *a = map_small_pages(len);
    guest_note("madv_free", "region", a);

    for (long i = 0; i < pages; i++)
        a[i * WORDS] = i + 1;
    show_lazyfree("after writing", a, "lazyfree_written");
    if (madvise(a, len, MADV_FREE))
        guest_die("madvise(MADV_FREE)");
    show_lazyfree("after MADV_FREE", a, "lazyfree_freed");
    for (long i = 0; i < pages; i += 4)
        a[i * WORDS] = 0x100000 + i;
    show_lazyfree("after writing every 4th page again", a, "lazyfree_rewritten");

    /* as much again: under faultline's 16 MiB, more than fits beside the first region */
    unsigned long *b = map_small_pages(len);
    for (long i = 0; i < pages; i++)
        b[i * WORDS] = i;

    guest_marker("madv_free", "check", 0); /* the faults from here on are the check's */
    long bad = 0;
    for (long i = 0; i < pages; i++) {
        unsigned long v = a[i * WORDS];
        if (i % 4 == 0 ? v != 0x100000UL + i : v != 0 && v != (unsigned long)i + 1)
            bad++;
    }
    printf("%ld pages with a value neither written nor zero\n", bad);
    return bad != 0;
}
