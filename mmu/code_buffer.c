/*
 * code_buffer.c - an engine's translated-code buffer: where it is, its guard, its memory.
 *
 * Unicorn does not say where the buffer is; it is the only memory it maps read-write-execute
 * (the RAM buffer is read-write), so a new engine's buffer is the rwx anonymous mapping that
 * appeared while the engine was created. Mappings that were there before belong to other
 * engines and hold live code. The buffer's first bytes hold the TCG prologue (the code that
 * enters and leaves translated code, written once when the engine starts, never dropped).
 *
 * The guard. Unicorn drops all translated code itself when its buffer is full, but 2.1.1 sets
 * up the buffer's regions only when all code is dropped, so the first time a new engine's
 * buffer fills it is reused under the code still linked into it and the guest runs garbage
 * (fixed in 2.1.2, "Init tcg region buffer"). Dropping all code once sets the regions up, but
 * 2.1.1 zeroes the whole buffer when it does, so dropping it as soon as the engine existed made
 * the buffer resident for a moment in every run (the peak RSS of a short run: 40 MiB for
 * `busybox true`, 12 without). Instead the page 7/8 of the way through the buffer is made
 * inaccessible: translated code is written upwards from the prologue, so the first write there
 * means the buffer is nearly full. The SIGSEGV handler makes the page accessible again, notes
 * it and stops the engine; mmu.c then drops all code before the next run and puts the guard
 * back. The stop takes effect at the start of the block just translated, before any of it
 * runs, so the eighth still free is far more than enough, and Unicorn never finds its buffer
 * full: every drop of all code is faultline's, and gives the memory back (below), where one of
 * Unicorn's own would leave a buffer of zeroes resident (2.1.1) or of dead code (later).
 *
 * Giving memory back. After all code is dropped nothing past the prologue is used, so those
 * pages go back to the host and come back one by one as code is written again. The buffer is
 * also out of transparent huge pages: Unicorn asks for them, and khugepaged would collapse the
 * 2 MiB around the few pages of code in use (seen: 2 MiB where 0.5 MiB had been written).
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

bool code_buffer_find(struct code_buffer *b, const struct code_buffer_snapshot *before)
{
    struct code_buffer_snapshot now;
    int found = 0;
    b->start = b->end = 0;
    code_buffer_snapshot(&now);
    /* an incomplete picture of either moment could take another engine's code for this one's */
    if (before->overflow || now.overflow)
        return false;
    for (int i = 0; i < now.n; i++) {
        bool old = false;
        for (int j = 0; j < before->n && !old; j++)
            old = now.start[i] < before->end[j] && before->start[j] < now.end[i];
        if (!old && found++ == 0) {
            b->start = now.start[i];
            b->end = now.end[i];
        }
    }
    if (found != 1) {
        b->start = b->end = 0;
        return false;
    }
    madvise((void *)b->start, b->end - b->start, MADV_NOHUGEPAGE);
    return true;
}

/* The guarded buffers, for the handler (at most two engines, and the probe's). */
#define MAX_GUARDED 4
static struct code_buffer *_Atomic guarded[MAX_GUARDED];
static struct sigaction previous_segv;
static bool handler_installed;
static long page_size;

static void on_sigsegv(int sig, siginfo_t *si, void *ctx)
{
    unsigned long addr = (unsigned long)si->si_addr;
    (void)ctx;
    for (int i = 0; i < MAX_GUARDED; i++) {
        struct code_buffer *b = atomic_load(&guarded[i]);
        unsigned long g = b ? atomic_load(&b->guard) : 0;
        if (g && si->si_code > 0 && addr - g < (unsigned long)page_size) {
            mprotect((void *)g, (size_t)page_size, PROT_READ | PROT_WRITE | PROT_EXEC);
            atomic_store(&b->guard, 0);
            atomic_store(&b->nearly_full, true);
            if (b->on_nearly_full)
                b->on_nearly_full(b->arg);
            return; /* the write is tried again, now allowed */
        }
    }
    /* Not a guard: a real fault (or a kill). Let it have the disposition faultline had before
     * (the default, or a sanitizer's report): the instruction faults again on return. */
    sigaction(SIGSEGV, &previous_segv, NULL);
    if (si->si_code <= 0)
        raise(sig);
}

static bool install_handler(void)
{
    if (handler_installed)
        return true;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigsegv;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    page_size = sysconf(_SC_PAGESIZE);
    if (page_size <= 0 || sigaction(SIGSEGV, &sa, &previous_segv) != 0)
        return false;
    handler_installed = true;
    return true;
}

bool code_buffer_guard(struct code_buffer *b, void (*on_nearly_full)(void *arg), void *arg)
{
    int slot = -1;
    if (b->start == b->end || !install_handler())
        return false;
    unsigned long at = (b->start + (b->end - b->start) / 8 * 7) & ~((unsigned long)page_size - 1);
    if (at < b->start + PROLOGUE_KEEP || at + (unsigned long)page_size > b->end)
        return false; /* too small to guard: the prologue's neighbourhood */
    for (int i = 0; i < MAX_GUARDED && slot < 0; i++)
        if (atomic_load(&guarded[i]) == b || !atomic_load(&guarded[i]))
            slot = i;
    if (slot < 0)
        return false;
    b->on_nearly_full = on_nearly_full;
    b->arg = arg;
    atomic_store(&b->nearly_full, false);
    atomic_store(&b->guard, at);
    atomic_store(&guarded[slot], b);
    if (mprotect((void *)at, (size_t)page_size, PROT_NONE) != 0) {
        atomic_store(&guarded[slot], NULL);
        atomic_store(&b->guard, 0);
        return false;
    }
    return true;
}

void code_buffer_unguard(struct code_buffer *b)
{
    unsigned long g = atomic_exchange(&b->guard, 0);
    if (g)
        mprotect((void *)g, (size_t)page_size, PROT_READ | PROT_WRITE | PROT_EXEC);
    for (int i = 0; i < MAX_GUARDED; i++)
        if (atomic_load(&guarded[i]) == b)
            atomic_store(&guarded[i], NULL);
}

void code_buffer_release(const struct code_buffer *b)
{
    if (b->end - b->start > PROLOGUE_KEEP)
        madvise((void *)(b->start + PROLOGUE_KEEP), b->end - b->start - PROLOGUE_KEEP,
                MADV_DONTNEED);
}
