/* thp_mremap - mremap of transparent huge pages against the kernel's: a whole aligned huge page
 * moved to another aligned address (Linux moves the huge PMD, move_huge_pmd), moved to an
 * unaligned address (split), grown in place and moved by growing, shrunk; then MADV_FREE of a
 * whole huge page and of part of one.
 *
 * Prints what a program can see: the contents, minor faults taken by touching the moved range
 * again (getrusage), and smaps' Rss, AnonHugePages and LazyFree of the mapping. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"

#ifndef MADV_FREE
#define MADV_FREE 8
#endif

#define MIB  (1UL << 20)
#define HUGE (2 * MIB)
#define BASE ((char *)0x80000000UL)
#define DEST ((char *)0x90000000UL)

/* Rss, AnonHugePages and LazyFree of the VMA that starts at start, in kB. */
static void smaps_lines(const char *what, char *start, int lazyfree)
{
    printf("%s: Rss %ld kB AnonHugePages %ld kB", what, guest_smaps_kb(start, "Rss:"),
           guest_smaps_kb(start, "AnonHugePages:"));
    if (lazyfree)
        printf(" LazyFree %ld kB", guest_smaps_kb(start, "LazyFree:"));
    printf("\n");
}

static void smaps(const char *what, char *start)
{
    smaps_lines(what, start, 1);
}

static void smaps_rss(const char *what, char *start)
{
    smaps_lines(what, start, 0);
}

/* The byte fill puts in page i: never 0, for a kernel that maps zero-filled pages of a split
 * huge page to the zero page (Linux 6.12 and later) would count those out of Rss. */
static char pattern(int seed, size_t i)
{
    return (char)(1 + (seed + i) % 251);
}

/* Fill [p, p + len) with a pattern seeded by seed (one byte per 4 KiB page). */
static void fill(char *p, size_t len, int seed)
{
    for (size_t off = 0; off < len; off += 4096)
        p[off] = pattern(seed, off >> 12);
}

/* How many pages of [p, p + len) do not hold fill's pattern; the minor faults the reads took. */
static void check(const char *what, char *p, size_t len, int seed)
{
    long before = guest_minflt();
    long bad = 0;
    for (size_t off = 0; off < len; off += 4096)
        bad += p[off] != pattern(seed, off >> 12);
    long faults = guest_minflt() - before;
    printf("%s: %ld pages wrong, %ld faults\n", what, bad, faults);
}

static char *map(char *at, size_t len)
{
    char *p = mmap(at, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != at) {
        perror("mmap");
        exit(1);
    }
    madvise(p, len, MADV_HUGEPAGE);
    return p;
}

static char *remap(char *old, size_t old_len, size_t new_len, int flags, char *to)
{
    char *p = mremap(old, old_len, new_len, flags, to);
    if (p == MAP_FAILED) {
        perror("mremap");
        exit(1);
    }
    return p;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    /* 1. a whole aligned huge page to another aligned address */
    char *p = map(BASE, 2 * HUGE);
    fill(p, 2 * HUGE, 1);
    smaps("before the move", p);
    char *q = remap(p, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, DEST);
    smaps("moved to an aligned address", q);
    smaps("what stayed", p + HUGE);
    check("moved", q, HUGE, 1);
    check("stayed", p + HUGE, HUGE, 1 + (int)(HUGE >> 12));
    smaps("moved, after the reads", q);
    /* written after the move: still one huge page, no faults */
    long before = guest_minflt();
    fill(q, HUGE, 7);
    printf("rewrite the moved page: %ld faults\n", guest_minflt() - before);
    smaps("moved, rewritten", q);
    munmap(q, HUGE);
    munmap(p + HUGE, HUGE);

    /* 2. two huge pages moved together, then back */
    p = map(BASE, 2 * HUGE);
    fill(p, 2 * HUGE, 2);
    q = remap(p, 2 * HUGE, 2 * HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, DEST);
    p = remap(q, 2 * HUGE, 2 * HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, BASE);
    smaps("moved there and back", p);
    check("there and back", p, 2 * HUGE, 2);
    munmap(p, 2 * HUGE);

    /* 3. to an address not 2 MiB aligned: the huge page is split */
    p = map(BASE, HUGE);
    fill(p, HUGE, 3);
    q = remap(p, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, DEST + 4096);
    smaps("moved to an unaligned address", q);
    check("unaligned", q, HUGE, 3);
    munmap(q, HUGE);

    /* 4. grow in place (nothing after it), then grow by moving */
    p = map(BASE, HUGE);
    fill(p, HUGE, 4);
    q = remap(p, HUGE, 2 * HUGE, 0, NULL);
    smaps("grown in place", q);
    check("grown, old part", q, HUGE, 4);
    before = guest_minflt();
    fill(q + HUGE, HUGE, 5);
    printf("write the new part: %ld faults\n", guest_minflt() - before);
    smaps("grown, new part written", q);
    char *block = map(BASE + 2 * HUGE, HUGE); /* now it cannot grow in place */
    q = remap(q, 2 * HUGE, 3 * HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, DEST);
    smaps("grown by moving", q);
    check("grown by moving, first", q, HUGE, 4);
    check("grown by moving, second", q + HUGE, HUGE, 5);
    munmap(q, 3 * HUGE);
    munmap(block, HUGE);

    /* 5. shrink: to one huge page, then to half of one */
    p = map(BASE, 2 * HUGE);
    fill(p, 2 * HUGE, 6);
    q = remap(p, 2 * HUGE, HUGE, 0, NULL);
    smaps("shrunk to 2 MiB", q);
    q = remap(q, HUGE, MIB, 0, NULL);
    smaps("shrunk to 1 MiB", q);
    check("shrunk", q, MIB, 6);
    munmap(q, MIB);

    /* 6. MADV_FREE of a whole huge page, and of part of one */
    p = map(BASE, 2 * HUGE);
    fill(p, 2 * HUGE, 8);
    madvise(p, HUGE, MADV_FREE);
    smaps("first 2 MiB MADV_FREE", p);
    /* part of one: split (LazyFree is not compared: the host marks pages lazily free in
     * per-cpu batches, so a few of them are not counted yet when smaps is read) */
    madvise(p + HUGE, MIB, MADV_FREE);
    smaps_rss("and half of the second", p);
    check("after MADV_FREE (no pressure: kept)", p, 2 * HUGE, 8);
    smaps_rss("after the reads", p);
    before = guest_minflt();
    fill(p, HUGE, 9);
    printf("write the freed page again: %ld faults\n", guest_minflt() - before);
    smaps_rss("written again", p);
    check("written again", p, HUGE, 9);
    munmap(p, 2 * HUGE);

    /* 7. MADV_FREE of a whole huge page, then written: LazyFree only until the write */
    p = map(BASE, HUGE);
    fill(p, HUGE, 10);
    madvise(p, HUGE, MADV_FREE);
    smaps("one huge page MADV_FREE", p);
    fill(p, 4096, 11);
    smaps("one byte of it written", p);
    check("the rest kept", p + 4096, HUGE - 4096, 10 + 1);
    munmap(p, HUGE);
    /* the huge zero page (read, never written) moved to an aligned address: still one PMD, so
     * the first write there maps a new huge page */
    p = map(BASE, HUGE);
    volatile char sink = 0;
    for (size_t off = 0; off < HUGE; off += 4096)
        sink += p[off];
    (void)sink;
    q = remap(p, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, DEST);
    before = guest_minflt();
    long zeros = 0;
    for (size_t off = 0; off < HUGE; off += 4096)
        zeros += q[off] == 0;
    printf("the huge zero page moved: %ld pages read 0, %ld faults\n", zeros,
           guest_minflt() - before);
    before = guest_minflt();
    q[5] = 1;
    printf("a write into it: %ld faults\n", guest_minflt() - before);
    smaps_rss("the huge zero page moved, written", q);
    munmap(q, HUGE);
    /* a huge page shared after fork is left alone by MADV_FREE (not split) */
    p = map(BASE, HUGE);
    fill(p, HUGE, 12);
    pid_t pid = fork();
    if (pid == 0) {
        madvise(p, HUGE, MADV_FREE);
        smaps("child: shared huge page MADV_FREE", p);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    smaps("parent after the child's MADV_FREE", p);
    munmap(p, 2 * HUGE);
    return 0;
}
