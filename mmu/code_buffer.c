/*
 * code_buffer.c - give back the host memory of a new engine's empty translated-code buffer.
 *
 * Unicorn 2.1.1 zeroes its whole code buffer whenever it drops all translated code, and
 * cpu_create must drop it once (see there), so each engine's buffer (--code-cache, 32 MiB by
 * default) would be resident from the start. Right after that drop the buffer holds nothing
 * but zeroes, which is exactly what MADV_DONTNEED leaves in private anonymous memory, so its
 * pages can go back to the host and come back one by one as code is written.
 *
 * Unicorn does not say where the buffer is; it is the only memory it maps read-write-execute
 * (the RAM buffer is read-write), so a new engine's buffer is the rwx anonymous mapping that
 * appeared while the engine was created. Mappings that were there before belong to other
 * engines and hold live code: those are left alone, and so is anything overlapping them. The
 * buffer's first bytes hold the TCG prologue (the code that enters and leaves translated code,
 * written once when the engine starts, never zeroed): they stay. The buffer is taken out of
 * transparent huge pages at the same time, so it grows 4 KiB at a time as code is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mmu/code_buffer.h"

/* Kept at the start of a buffer: the prologue (a few hundred bytes on x86-64) with room over. */
#define PROLOGUE_KEEP (64UL << 10)

/* Calls fn(start, end, arg) for every private rwx mapping without a file; 0, or -1 when
 * /proc/self/maps cannot be read. */
static int for_each_rwx(void (*fn)(unsigned long, unsigned long, void *), void *arg)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return -1;
    char line[512];
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e, off;
        char perm[5];
        unsigned dmaj, dmin;
        unsigned long ino;
        if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu", &s, &e, perm, &off, &dmaj, &dmin, &ino) != 7)
            continue;
        if (strcmp(perm, "rwxp") == 0 && ino == 0)
            fn(s, e, arg);
    }
    fclose(f);
    return 0;
}

static void remember(unsigned long s, unsigned long e, void *arg)
{
    struct code_buffer_snapshot *snap = arg;
    if (snap->n < CODE_BUFFER_SNAPSHOT_MAX) {
        snap->start[snap->n] = s;
        snap->end[snap->n] = e;
        snap->n++;
    } else {
        snap->overflow = 1;
    }
}

void code_buffer_snapshot(struct code_buffer_snapshot *snap)
{
    memset(snap, 0, sizeof(*snap));
    if (for_each_rwx(remember, snap) < 0)
        snap->overflow = 1;
}

static void release_if_new(unsigned long s, unsigned long e, void *arg)
{
    const struct code_buffer_snapshot *before = arg;
    for (int i = 0; i < before->n; i++)
        if (s < before->end[i] && before->start[i] < e)
            return; /* was there before (or merged with what was): it may hold live code */
    /* Unicorn asks for huge pages on the buffer; khugepaged would then collapse the 2 MiB
     * around the few pages of code in use, resident again all at once (seen: 2 MiB where
     * 0.5 MiB of code had been written). */
    madvise((void *)s, e - s, MADV_NOHUGEPAGE);
    if (e - s > PROLOGUE_KEEP)
        madvise((void *)(s + PROLOGUE_KEEP), e - s - PROLOGUE_KEEP, MADV_DONTNEED);
}

void code_buffer_release_new(const struct code_buffer_snapshot *before)
{
    /* An incomplete picture of what existed before could hide another engine's code. */
    if (before->overflow)
        return;
    for_each_rwx(release_if_new, (void *)before);
}
