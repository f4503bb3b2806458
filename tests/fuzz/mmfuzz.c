/*
 * mmfuzz.c - an address-space and fd-table fuzzer guest with a model of what it should see
 * (tooling, not a CTest test: see tests/fuzz/README.md).
 *
 *   mmfuzz SEED [OPS [PRESSURE_MIB]]
 *
 * From SEED, makes OPS (default 2000) calls on an arena of ARENA_PAGES pages at 16 TiB: mmap
 * (private and shared anonymous, shared and private file, MAP_FIXED, MAP_FIXED_NOREPLACE,
 * hints inside the arena, MAP_GROWSDOWN, MAP_32BIT and no hint at all), munmap, mremap (grow and
 * shrink in place, MREMAP_MAYMOVE, MREMAP_FIXED into the arena, old_size 0 of shared memory),
 * mprotect, madvise (DONTNEED, FREE, REMOVE, WIPEONFORK, KEEPONFORK, ...), brk, msync, reads and
 * writes of single pages, forks whose child checks the whole arena, and now and then an
 * allocation of PRESSURE_MIB (default 6) MiB touched once, to push reclaim under
 * `faultline run --ram 16M`. It keeps a model of each arena page (mapped, protection, and the
 * word its first 8 bytes should hold) and prints a MISMATCH line whenever memory or
 * /proc/self/maps disagrees with it. Every call's result goes to stdout with addresses relative
 * to the arena (or "out"/"low" for ones outside it), so that a native run and a faultline run of
 * the same seed can be diffed. Then the fd phase: setrlimit(RLIMIT_NOFILE), dup2/dup3/F_DUPFD to
 * large fds, close_range (with CLOSE_RANGE_CLOEXEC and _UNSHARE), fork, checked against a model
 * of the open fds and their close-on-exec flags.
 * A page MADV_FREE gave up and not written since may read as its old word or as 0 (reclaim may
 * have dropped it); the model accepts both until it is written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rng.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#define MADV_KEEPONFORK 19
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

#define PAGE        4096UL
#define ARENA_PAGES 1536
#define ARENA       ((uintptr_t)1 << 44)
#define AEND        (ARENA + ARENA_PAGES * PAGE)
#define FILE_PAGES  (2 * ARENA_PAGES)
#define NOBJ        4096

/* A cell is what one page of memory holds: a word, or (lazy) that word or 0. Private anonymous
 * pages have a cell each; shared memory and the file have one per page of the object. */
struct cell {
    uint64_t val;
    int lazy;    /* MADV_FREE: val or 0 */
    int unknown; /* the model cannot say */
};
enum kind { K_NONE, K_PRIV, K_SHM, K_FILE, K_PRIVFILE };
struct page {
    int kind, prot, wipe, gd; /* gd: of a MAP_GROWSDOWN VMA */
    int obj;                  /* K_SHM: the object; */
    long pgoff;               /* K_SHM, K_FILE, K_PRIVFILE: the page of the object */
    int cow;                  /* K_PRIVFILE: written, so own is its content */
    struct cell own;          /* K_PRIV, K_PRIVFILE after a write */
};
struct obj {
    long pages; /* size: past it, SIGBUS */
    struct cell *c;
};
static struct page pg[ARENA_PAGES];
static struct obj objs[NOBJ];
static int nobjs;
static struct cell filecell[FILE_PAGES];
static int filefd = -1;
static long ops, mismatches;
static uint64_t next_val = 1;
static int pressure_mib = 6;
static int in_child;

static void mismatch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mismatch(const char *fmt, ...)
{
    char b[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    printf("MISMATCH op %ld%s: %s\n", ops, in_child ? " (child)" : "", b);
    fflush(stdout);
    mismatches++;
}

static const char *err(long r)
{
    static char b[32];
    if (r >= 0)
        return "ok";
    switch (-r) {
    case EINVAL:
        return "EINVAL";
    case ENOMEM:
        return "ENOMEM";
    case EEXIST:
        return "EEXIST";
    case EFAULT:
        return "EFAULT";
    case EPERM:
        return "EPERM";
    case EACCES:
        return "EACCES";
    case EAGAIN:
        return "EAGAIN";
    case EBADF:
        return "EBADF";
    case EMFILE:
        return "EMFILE";
    case EBUSY:
        return "EBUSY";
    }
    snprintf(b, sizeof b, "errno%ld", -r);
    return b;
}
static long sys(long n, long a, long b, long c, long d, long e, long f)
{
    long r = syscall(n, a, b, c, d, e, f);
    return r == -1 ? -errno : r;
}
/* An address as the trace shows it. */
static const char *rel(uintptr_t a)
{
    static char b[4][40];
    static int i;
    i = (i + 1) % 4;
    if (a >= ARENA && a <= AEND)
        snprintf(b[i], 40, "A+%lu", (unsigned long)((a - ARENA) / PAGE));
    else if (a < 0x80000000UL)
        snprintf(b[i], 40, "low");
    else
        snprintf(b[i], 40, "out");
    return b[i];
}

static struct cell *cell_of(struct page *p)
{
    switch (p->kind) {
    case K_PRIV:
        return &p->own;
    case K_SHM:
        return p->pgoff < objs[p->obj].pages ? &objs[p->obj].c[p->pgoff] : NULL;
    case K_FILE:
        return p->pgoff < FILE_PAGES ? &filecell[p->pgoff] : NULL;
    case K_PRIVFILE:
        if (p->cow)
            return &p->own;
        return p->pgoff < FILE_PAGES ? &filecell[p->pgoff] : NULL;
    }
    return NULL;
}

/* ---- touching memory, with faults caught ---- */
static sigjmp_buf touch_env;
static volatile int touching;
static void on_fault(int sig)
{
    if (touching) {
        touching = 0;
        siglongjmp(touch_env, sig);
    }
    _exit(99);
}
/* 0 on success, else the signal. */
static int rd(uintptr_t a, uint64_t *v)
{
    int s;
    if ((s = sigsetjmp(touch_env, 1)))
        return s;
    touching = 1;
    /* with the stack pointer at a: 4.20 grows a MAP_GROWSDOWN mapping only for an access at
     * most 64 KiB below it, later kernels for any (a fault runs on the alternate stack) */
    uint64_t x;
    __asm__ volatile("mov %%rsp, %%r11\n\tmov %[a], %%rsp\n\tmov (%[a]), %[x]\n\tmov %%r11, %%rsp"
                     : [x] "=&r"(x)
                     : [a] "r"(a)
                     : "r11", "memory");
    *v = x;
    touching = 0;
    return 0;
}
static int wr(uintptr_t a, uint64_t v)
{
    int s;
    if ((s = sigsetjmp(touch_env, 1)))
        return s;
    touching = 1;
    __asm__ volatile("mov %%rsp, %%r11\n\tmov %[a], %%rsp\n\tmov %[v], (%[a])\n\tmov %%r11, %%rsp"
                     :
                     : [a] "r"(a), [v] "r"(v)
                     : "r11", "memory");
    touching = 0;
    return 0;
}

static int expect_fault(struct page *p, int write)
{
    if (p->kind == K_NONE)
        return SIGSEGV;
    if (p->prot == PROT_NONE || (write && !(p->prot & PROT_WRITE)))
        return SIGSEGV;
    if (!cell_of(p))
        return SIGBUS;
    return 0;
}

/* Stack growth: linux 4.20 refuses it more than 64 KiB below the stack pointer (the arena is
 * far below), later kernels do not. main() probes which. */
static int grows_far;
/* Is arena page i (unmapped) just below a MAP_GROWSDOWN VMA that an access there would grow?
 * If so, the model grows it. */
static int grow_for(long i)
{
    if (pg[i].kind != K_NONE || !grows_far)
        return 0;
    long j = i + 1, k = i - 1;
    while (j < ARENA_PAGES && pg[j].kind == K_NONE)
        j++;
    while (k >= 0 && pg[k].kind == K_NONE)
        k--;
    if (j >= ARENA_PAGES || !pg[j].gd)
        return 0;
    if (k >= 0 && !pg[k].gd && pg[k].prot != PROT_NONE && i - (k + 1) < 256)
        return 0; /* stack_guard_gap */
    for (long m = i; m < j; m++) {
        pg[m] = pg[j];
        pg[m].own = (struct cell){0, 0, 0};
    }
    return 1;
}

static void check_page(long i, int wipe_as_child)
{
    struct page *p = &pg[i];
    grow_for(i);
    uint64_t v = 0;
    int e = expect_fault(p, 0), s = rd(ARENA + i * PAGE, &v);
    if (s != e) {
        mismatch("read A+%ld: signal %d, want %d (kind %d prot %d)", i, s, e, p->kind, p->prot);
        return;
    }
    if (s)
        return;
    struct cell *c = cell_of(p);
    if (c->unknown)
        return;
    uint64_t want = wipe_as_child && p->wipe ? 0 : c->val;
    if (v == want || (c->lazy && v == 0))
        return;
    mismatch("read A+%ld: %#lx, want %#lx%s (kind %d)", i, (unsigned long)v, (unsigned long)want,
             c->lazy ? " or 0" : "", p->kind);
    c->unknown = 1;
}

static void write_page(long i)
{
    struct page *p = &pg[i];
    uint64_t v = next_val++ | (uint64_t)rnd() << 32;
    int grew = grow_for(i);
    int e = expect_fault(p, 1), s = wr(ARENA + i * PAGE, v);
    /* growth differs between 4.20 and later kernels: not in the trace */
    if (grew)
        fprintf(stderr, "write A+%ld (grown stack): %d\n", i, s);
    else
        printf("write A+%ld: %d\n", i, s);
    if (s != e) {
        mismatch("write A+%ld: signal %d, want %d", i, s, e);
        return;
    }
    if (s)
        return;
    if (p->kind == K_PRIVFILE && !p->cow) {
        p->cow = 1;
        p->own = (struct cell){0, 0, 0};
    }
    struct cell *c = cell_of(p);
    *c = (struct cell){v, 0, 0};
}

/* ---- the maps, against the model ---- */
static char mapsbuf[1 << 20];
static long vma_of[ARENA_PAGES]; /* the start of the VMA of each page at the last check_maps */
static int diverge;  /* MMFUZZ_DIVERGE=1: also the calls whose results differ by kernel */
static int each_vma; /* MMFUZZ_VMAS=1: the trace shows each VMA, merged ones or not */
static int resync;   /* check_maps: pages gone from the maps are unmapped in the model too */
static void check_maps(int show)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd < 0)
        return;
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd, mapsbuf + n, sizeof mapsbuf - 1 - n)) > 0)
        n += r;
    close(fd);
    mapsbuf[n] = 0;
    static signed char seen[ARENA_PAGES];
    long pstart = 0, pend = 0;
    char pperms[8] = "";
    memset(seen, 0, sizeof seen);
    for (char *l = mapsbuf; *l;) {
        unsigned long s, e;
        char perms[8];
        char *nl = strchr(l, '\n');
        if (sscanf(l, "%lx-%lx %7s", &s, &e, perms) == 3 && e > ARENA && s < AEND) {
            /* Adjacent VMAs of the same protection print as one, unless MMFUZZ_VMAS is set:
             * faultline still parts from the host in which VMAs merge (docs/status.md), and
             * where it does an mremap on one of them parts the traces for the rest of the run */
            if (show) {
                if (pend > 0 && (long)s == pend && !strcmp(pperms, perms) && !each_vma) {
                    pend = (long)e;
                } else {
                    if (pend > 0)
                        printf("maps A+%ld-A+%ld %s\n", (long)(pstart - ARENA) / (long)PAGE,
                               (long)(pend - ARENA) / (long)PAGE, pperms);
                    pstart = (long)s, pend = (long)e;
                    strcpy(pperms, perms);
                }
            }
            for (unsigned long a = s < ARENA ? ARENA : s; a < e && a < AEND; a += PAGE) {
                long i = (a - ARENA) / PAGE;
                struct page *p = &pg[i];
                int prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
                           (perms[2] == 'x' ? PROT_EXEC : 0);
                seen[i] = 1;
                vma_of[i] = (long)s;
                if (p->kind == K_NONE) {
                    mismatch("maps: A+%ld mapped, the model has it unmapped", i);
                    continue;
                }
                /* PROT_EXEC alone reads on x86; maps shows the VMA's own bits */
                if (prot != p->prot)
                    mismatch("maps: A+%ld %s, the model has prot %d", i, perms, p->prot);
                int shared = perms[3] == 's';
                if (shared != (p->kind == K_SHM || p->kind == K_FILE))
                    mismatch("maps: A+%ld %s, the model has kind %d", i, perms, p->kind);
            }
        }
        if (!nl)
            break;
        l = nl + 1;
    }
    if (show && pend > 0)
        printf("maps A+%ld-A+%ld %s\n", (long)(pstart - ARENA) / (long)PAGE,
               (long)(pend - ARENA) / (long)PAGE, pperms);
    for (long i = 0; i < ARENA_PAGES; i++)
        if (!seen[i] && pg[i].kind != K_NONE && resync)
            memset(&pg[i], 0, sizeof pg[i]);
        else if (!seen[i] && pg[i].kind != K_NONE)
            mismatch("maps: A+%ld unmapped, the model has kind %d", i, pg[i].kind);
}

/* ---- operations ---- */
static long rand_len(void)
{
    switch (below(4)) {
    case 0:
        return 1;
    case 1:
        return 1 + below(8);
    case 2:
        return 1 + below(64);
    default:
        return 1 + below(300);
    }
}
static int rand_prot(void)
{
    static const int p[] = {PROT_READ | PROT_WRITE,
                            PROT_READ | PROT_WRITE,
                            PROT_READ,
                            PROT_NONE,
                            PROT_READ | PROT_EXEC,
                            PROT_WRITE,
                            PROT_EXEC};
    return p[below(7)];
}

static void unmap_model(long s, long n)
{
    for (long i = s; i < s + n && i < ARENA_PAGES; i++)
        if (i >= 0)
            memset(&pg[i], 0, sizeof pg[i]);
}

static void set_pages(long s, long n, int kind, int prot, int obj, long pgoff)
{
    for (long i = 0; i < n; i++) {
        if (s + i < 0 || s + i >= ARENA_PAGES)
            continue;
        struct page *p = &pg[s + i];
        memset(p, 0, sizeof *p);
        p->kind = kind;
        p->prot = prot;
        p->obj = obj;
        p->pgoff = pgoff + i;
    }
}

/* no malloc: op_brk moves the break under it */
static struct cell cellpool[1 << 18];
static long cellused;
static int new_obj(long pages)
{
    if (nobjs >= NOBJ || cellused + pages > (long)(sizeof cellpool / sizeof cellpool[0]))
        return -1;
    objs[nobjs].pages = pages;
    objs[nobjs].c = cellpool + cellused;
    cellused += pages;
    return nobjs++;
}

static void op_mmap(void)
{
    long n = rand_len(), s = below(ARENA_PAGES);
    if (s + n > ARENA_PAGES)
        n = ARENA_PAGES - s;
    int prot = rand_prot(), kind;
    int flags, how = below(10);
    long fpg = 0;
    switch (below(8)) {
    case 0:
    case 1:
    case 2:
    case 3:
        kind = K_PRIV;
        flags = MAP_PRIVATE | MAP_ANONYMOUS;
        break;
    case 4:
    case 5:
        kind = K_SHM;
        flags = MAP_SHARED | MAP_ANONYMOUS;
        break;
    case 6:
        kind = K_FILE;
        flags = MAP_SHARED;
        break;
    default:
        kind = K_PRIVFILE;
        flags = MAP_PRIVATE;
        break;
    }
    if (kind == K_FILE || kind == K_PRIVFILE)
        fpg = chance(70) ? (s > 0 ? s : 0) : (long)below(FILE_PAGES);
    int grows = 0;
    if (kind == K_PRIV && chance(8)) {
        flags |= MAP_GROWSDOWN;
        grows = 1;
    }
    const char *hw;
    if (how < 5) {
        flags |= MAP_FIXED;
        hw = "fixed";
    } else if (how < 7) {
        flags |= MAP_FIXED_NOREPLACE;
        hw = "noreplace";
    } else if (how < 9) {
        hw = "hint";
    } else {
        hw = chance(30) ? "32bit" : "any";
        if (hw[0] == '3')
            flags |= MAP_32BIT;
    }
    uintptr_t addr = (hw[0] == 'a' || hw[0] == '3') ? 0 : ARENA + s * PAGE;
    if (hw[0] == 'h' && chance(10))
        addr += below(PAGE); /* an unaligned hint */
    int fd = (kind == K_FILE || kind == K_PRIVFILE) ? filefd : -1;
    long r = sys(SYS_mmap, addr, n * PAGE, prot, flags, fd, fpg * PAGE);
    printf("mmap %s A+%ld n=%ld prot=%d kind=%d grows=%d -> %s %s\n", hw, s, n, prot, kind, grows,
           err(r), r >= 0 ? rel(r) : "");
    if (r < 0)
        return;
    uintptr_t a = r;
    if (flags & MAP_32BIT && a + n * PAGE > 0x80000000UL)
        mismatch("MAP_32BIT mapping at %#lx", (unsigned long)a);
    if (a < ARENA || a >= AEND) {
        if (a < AEND && a + n * PAGE > ARENA)
            mismatch("mapping %#lx+%ld overlaps the arena", (unsigned long)a, n);
        /* outside the arena: use it a little and give it back */
        if ((prot & PROT_WRITE) && fd < 0) { /* the file's pages are the model's */
            for (long i = 0; i < n; i += 1 + below(8))
                *(volatile uint64_t *)(a + i * PAGE) = i + 1;
            for (long i = 0; i < n; i += 1 + below(8))
                (void)*(volatile uint64_t *)(a + i * PAGE);
        }
        munmap((void *)a, n * PAGE);
        return;
    }
    if ((a - ARENA) % PAGE)
        mismatch("unaligned %#lx", (unsigned long)a);
    s = (a - ARENA) / PAGE;
    if (s + n > ARENA_PAGES) {
        mismatch("mapping A+%ld n=%ld runs out of the arena", s, n);
        munmap((void *)a, n * PAGE);
        return;
    }
    int obj = 0;
    long pgoff = fpg;
    if (kind == K_SHM) {
        obj = new_obj(n);
        pgoff = 0;
        if (obj < 0) {
            munmap((void *)a, n * PAGE);
            return;
        }
    }
    set_pages(s, n, kind, prot, obj, pgoff);
    for (long i = 0; i < n; i++)
        pg[s + i].gd = grows;
}

/* One of the arena's 2 MiB blocks mapped afresh, private and writable, with MADV_HUGEPAGE: where
 * the host (and faultline, following it) gives such memory transparent huge pages, the reads,
 * writes, forks and partial calls that follow go through them. */
static void op_huge_block(void)
{
    long n = 512, s = n * below(ARENA_PAGES / n);
    long r = sys(SYS_mmap, ARENA + s * PAGE, n * PAGE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("mmap huge block A+%ld n=%ld -> %s\n", s, n, err(r));
    if (r < 0)
        return;
    set_pages(s, n, K_PRIV, PROT_READ | PROT_WRITE, 0, 0);
    r = sys(SYS_madvise, ARENA + s * PAGE, n * PAGE, MADV_HUGEPAGE, 0, 0, 0);
    printf("madvise A+%ld n=%ld %d -> %s\n", s, n, MADV_HUGEPAGE, err(r));
}

static void op_munmap(void)
{
    long s = below(ARENA_PAGES + 20) - 10, n = rand_len();
    long r = sys(SYS_munmap, ARENA + s * PAGE, n * PAGE, 0, 0, 0, 0);
    printf("munmap A+%ld n=%ld -> %s\n", s, n, err(r));
    if (r == 0)
        unmap_model(s, n);
}

static void op_mprotect(void)
{
    long s = below(ARENA_PAGES), n = rand_len();
    int prot = rand_prot();
    if (s + n > ARENA_PAGES)
        n = ARENA_PAGES - s;
    long r = sys(SYS_mprotect, ARENA + s * PAGE, n * PAGE, prot, 0, 0, 0);
    printf("mprotect A+%ld n=%ld %d -> %s\n", s, n, prot, err(r));
    /* on ENOMEM (a hole) the VMAs before the hole have changed */
    if (r == 0 || r == -ENOMEM)
        for (long i = s; i < s + n && pg[i].kind != K_NONE; i++)
            pg[i].prot = prot;
}

static void op_madvise(void)
{
    /* MADV_HUGEPAGE: transparent huge pages where the arena's 2 MiB blocks are whole VMAs */
    static const int adv[] = {MADV_DONTNEED,   MADV_FREE,       MADV_FREE,       MADV_REMOVE,
                              MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_NORMAL,     MADV_WILLNEED,
                              MADV_DONTFORK,   MADV_DOFORK,     MADV_SEQUENTIAL, MADV_DONTNEED,
                              MADV_HUGEPAGE,   MADV_HUGEPAGE,   MADV_NOHUGEPAGE};
    long s = below(ARENA_PAGES), n = rand_len();
    int a = adv[below(sizeof(adv) / sizeof(adv[0]))];
    if (a == MADV_HUGEPAGE && below(2)) { /* one of the arena's 2 MiB blocks, whole */
        s = 512 * below(ARENA_PAGES / 512);
        n = 512;
    }
    if (s + n > ARENA_PAGES)
        n = ARENA_PAGES - s;
    if (a == MADV_DONTFORK)
        a = MADV_NORMAL; /* the fork check would need the model to know it */
    /* 4.20 wants VM_WRITE for MADV_REMOVE, later kernels VM_MAYWRITE: keep out of that */
    for (long i = s; a == MADV_REMOVE && i < s + n; i++)
        if ((pg[i].kind == K_SHM || pg[i].kind == K_FILE) && !(pg[i].prot & PROT_WRITE))
            a = MADV_NORMAL;
    long r = sys(SYS_madvise, ARENA + s * PAGE, n * PAGE, a, 0, 0, 0);
    printf("madvise A+%ld n=%ld %d -> %s\n", s, n, a, err(r));
    if (r != 0 && r != -EINVAL && r != -EACCES && r != -ENOMEM)
        return;
    /* madvise goes through the VMAs in order and stops at the first that refuses the advice */
    for (long i = s; i < s + n; i++) {
        struct page *p = &pg[i];
        struct cell *c = cell_of(p);
        if (p->kind == K_NONE)
            continue;
        if ((a == MADV_FREE || a == MADV_WIPEONFORK) && p->kind != K_PRIV)
            break;
        if (a == MADV_REMOVE &&
            ((p->kind != K_SHM && p->kind != K_FILE) || !(p->prot & PROT_WRITE)))
            break;
        switch (a) {
        case MADV_DONTNEED:
            if (p->kind == K_PRIV)
                *c = (struct cell){0, 0, 0};
            else if (p->kind == K_PRIVFILE)
                p->cow = 0;
            break;
        case MADV_FREE:
            if (c->val)
                c->lazy = 1;
            break;
        case MADV_REMOVE:
            if ((p->kind == K_SHM || p->kind == K_FILE) && c)
                *c = (struct cell){0, 0, 0};
            break;
        case MADV_WIPEONFORK:
            p->wipe = 1;
            break;
        case MADV_KEEPONFORK:
            p->wipe = 0;
            break;
        }
    }
}

/* The arena pages [s, s+n) as one mapping if they are one kind and prot, else -1. */
static void op_mremap(void)
{
    long s = below(ARENA_PAGES), on = rand_len(), nn = rand_len();
    int f = 0;
    const char *how = "inplace";
    long t = 0;
    switch (below(6)) {
    case 0:
        break;
    case 1:
    case 2:
        f = MREMAP_MAYMOVE;
        how = "maymove";
        break;
    case 3:
    case 4:
        f = MREMAP_MAYMOVE | MREMAP_FIXED;
        how = "fixed";
        t = below(ARENA_PAGES);
        break;
    default:
        on = 0;
        f = MREMAP_MAYMOVE;
        how = "dup";
        if (chance(50)) {
            f |= MREMAP_FIXED;
            t = below(ARENA_PAGES);
        }
    }
    /* A range not inside one VMA: Linux 6.17 moves several VMAs (and the holes between them)
     * where 4.20 says EFAULT; 4.20 shrinks it without a look (unmapping the tail) and with
     * MREMAP_FIXED unmaps the target and the tail before it says EFAULT, where 6.x says EFAULT
     * first. Only the last ones are tried, out of the trace, the model resynced from the maps. */
    int one = 1, skip = chance(70); /* drawn always: the stream stays the same */
    for (long i = s; i < s + on && i < ARENA_PAGES; i++)
        if (pg[i].kind == K_NONE || vma_of[i] != vma_of[s])
            one = 0;
    int div = !one && on;
    if (div && (((f & MREMAP_FIXED) && on == nn) || skip || !diverge))
        return;
    /* a 4.20 duplicate of private memory (old_size 0) is refused by newer kernels: skip */
    if (on == 0 && pg[s].kind != K_SHM && pg[s].kind != K_FILE)
        return;
    if (s + on > ARENA_PAGES)
        on = ARENA_PAGES - s;
    if ((f & MREMAP_FIXED) && t + nn > ARENA_PAGES)
        nn = ARENA_PAGES - t;
    if (!(f & MREMAP_FIXED) && s + nn > ARENA_PAGES) /* growing in place past the arena */
        nn = ARENA_PAGES - s;
    if (nn == 0)
        return;
    long r = sys(SYS_mremap, ARENA + s * PAGE, on * PAGE, nn * PAGE, f, ARENA + t * PAGE, 0);
    if (div) {
        /* 4.20 unmaps the tail first, then moves or keeps the head if that is one VMA */
        fprintf(stderr, "mremap %s A+%ld %ld->%ld t=A+%ld (not one VMA) -> %s %s\n", how, s, on, nn,
                t, err(r), r >= 0 ? rel(r) : "");
        if (r >= 0 && on < nn)
            mismatch("mremap grew a range that is not one VMA");
        if (r >= 0 && on > nn)
            on = nn; /* the tail is gone too: main()'s check_maps after this op resyncs */
        resync = 1;
    } else {
        printf("mremap %s A+%ld %ld->%ld t=A+%ld -> %s %s\n", how, s, on, nn, t, err(r),
               r >= 0 ? rel(r) : "");
    }
    if (r < 0 && (f & MREMAP_FIXED)) { /* the target may be unmapped before the failure */
        resync = 1;
        check_maps(0);
        resync = 0;
    }
    if (r < 0)
        return;
    /* the model: the pages move, each with its cell */
    static struct page save[ARENA_PAGES];
    long keep = on ? (on < nn ? on : nn) : nn;
    for (long i = 0; i < keep; i++) {
        save[i] = pg[s + (on ? i : 0)];
        if (!on) { /* a duplicate of shared memory: the same object, from s's page on */
            save[i] = pg[s];
            save[i].pgoff = pg[s].pgoff + i;
            save[i].wipe = 0;
        }
    }
    struct page top = on ? pg[s + on - 1] : pg[s];
    uintptr_t a = r;
    if (on) {
        if (a == ARENA + s * PAGE) {
            if (nn < on)
                unmap_model(s + nn, on - nn);
        } else {
            unmap_model(s, on);
        }
    }
    int inside = a >= ARENA && a < AEND;
    long d = inside ? (long)((a - ARENA) / PAGE) : -1;
    if (!inside) {
        /* moved out of the arena: check what came along, then unmap it */
        for (long i = 0; i < keep; i++) {
            struct cell *c = cell_of(&save[i]);
            uint64_t v;
            if (save[i].prot != PROT_NONE && c && !c->unknown && !rd(a + i * PAGE, &v) &&
                v != c->val && !(c->lazy && v == 0))
                mismatch("moved out page %ld: %#lx want %#lx", i, (unsigned long)v,
                         (unsigned long)c->val);
        }
        munmap((void *)a, nn * PAGE);
        return;
    }
    if (d + nn > ARENA_PAGES) {
        mismatch("mremap result A+%ld n=%ld runs out of the arena", d, nn);
        return;
    }
    if (d != s || !on)
        unmap_model(d, nn);
    for (long i = 0; i < keep; i++)
        pg[d + i] = save[i];
    for (long i = keep; i < nn; i++) { /* grown: the top page's mapping continued */
        struct page *p = &pg[d + i];
        *p = top;
        p->pgoff = top.pgoff + (i - keep) + 1;
        if (top.kind == K_PRIV || top.kind == K_PRIVFILE) {
            p->own = (struct cell){0, 0, 0};
            p->cow = 0;
        }
    }
}

static void op_brk(void)
{
    static uintptr_t brk0;
    if (!brk0)
        brk0 = sys(SYS_brk, 0, 0, 0, 0, 0, 0);
    long delta = (long)below(2048 * PAGE); /* never below glibc's own use of brk */
    long r = sys(SYS_brk, brk0 + delta, 0, 0, 0, 0, 0);
    printf("brk %+ld -> %+ld\n", delta, r - (long)brk0);
    if (r == (long)(brk0 + delta) && delta > 0)
        for (long o = 0; o < delta; o += 16 * PAGE)
            *(volatile char *)(brk0 + o) = 1;
}

static void op_fork(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        in_child = 1;
        mismatches = 0;
        for (long i = 0; i < ARENA_PAGES; i++)
            check_page(i, 1);
        /* write private pages in the child: the parent must not see them */
        for (int k = 0; k < 20; k++) {
            long i = below(ARENA_PAGES);
            if (pg[i].kind == K_PRIV && !expect_fault(&pg[i], 1))
                *(volatile uint64_t *)(ARENA + i * PAGE) = 0xdead0000 + i;
        }
        fflush(stdout);
        _exit(mismatches ? 1 : 0);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    printf("fork -> child %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        mismatch("child status %#x", st);
    for (int k = 0; k < 20; k++)
        below(ARENA_PAGES); /* the child's draws: keep the streams the same */
}

static void op_pressure(void)
{
    size_t len = (size_t)pressure_mib << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    for (size_t o = 0; o < len; o += PAGE)
        p[o] = 1;
    munmap(p, len);
    printf("pressure %d MiB\n", pressure_mib);
}

static void op_msync(void)
{
    long s = below(ARENA_PAGES), n = rand_len();
    if (s + n > ARENA_PAGES)
        n = ARENA_PAGES - s;
    long r = sys(SYS_msync, ARENA + s * PAGE, n * PAGE, chance(50) ? MS_SYNC : MS_ASYNC, 0, 0, 0);
    printf("msync A+%ld n=%ld -> %s\n", s, n, err(r));
    if (chance(50))
        fsync(filefd);
    /* the file, through read(2), against the file's cells */
    for (int k = 0; k < 16; k++) {
        long i = below(FILE_PAGES);
        uint64_t v = 0;
        if (pread(filefd, &v, 8, i * PAGE) != 8)
            mismatch("pread page %ld", i);
        else if (!filecell[i].unknown && v != filecell[i].val)
            mismatch("file page %ld: %#lx want %#lx", i, (unsigned long)v,
                     (unsigned long)filecell[i].val);
    }
}

static void op_stack_touch(void)
{
    for (long i = 1; i < ARENA_PAGES; i++)
        if (pg[i].gd && pg[i - 1].kind == K_NONE && chance(40)) {
            long j = i - 1 - below(300);
            if (j >= 0)
                check_page(j, 0);
            return;
        }
}

/* ---- top-down placement: mmap(NULL) against the gaps /proc/self/maps shows ---- */
static uintptr_t mmap_base; /* estimated at start: just above the first mmap(NULL) */
#define TD_MAX 512
static uintptr_t td[TD_MAX];
static long td_len[TD_MAX];
static int ntd;
static uintptr_t expect_topdown(long len)
{
    int fd = open("/proc/self/maps", O_RDONLY);
    size_t n = 0;
    ssize_t r;
    while (fd >= 0 && (r = read(fd, mapsbuf + n, sizeof mapsbuf - 1 - n)) > 0)
        n += r;
    if (fd >= 0)
        close(fd);
    mapsbuf[n] = 0;
    uintptr_t prev_end = 0, best = 0;
    for (char *l = mapsbuf; *l;) {
        unsigned long s, e;
        char *nl = strchr(l, '\n');
        if (sscanf(l, "%lx-%lx", &s, &e) == 2) {
            uintptr_t top = s < mmap_base ? s : mmap_base;
            if (top > prev_end && top - prev_end >= (uintptr_t)len)
                best = top - len;
            prev_end = e;
        }
        if (!nl)
            break;
        l = nl + 1;
    }
    if (prev_end < mmap_base && mmap_base - prev_end >= (uintptr_t)len)
        best = mmap_base - len;
    return best;
}
static void op_topdown(void)
{
    int k = below(4);
    if (k == 0 && ntd < TD_MAX) { /* a batch of small mappings that do not merge */
        for (int i = 0; i < 32 && ntd < TD_MAX; i++) {
            long len = (1 + below(4)) * PAGE;
            int prot = (ntd & 1) ? PROT_READ : PROT_READ | PROT_WRITE;
            uintptr_t want = expect_topdown(len);
            void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED)
                break;
            if ((uintptr_t)p != want)
                mismatch("top-down mmap of %ld pages at %#lx, the maps say %#lx", len / (long)PAGE,
                         (unsigned long)(uintptr_t)p, (unsigned long)want);
            td[ntd] = (uintptr_t)p, td_len[ntd++] = len;
        }
    } else if (k == 1 && ntd) { /* holes */
        for (int i = 0; i < 8 && ntd; i++) {
            int j = below(ntd);
            munmap((void *)td[j], td_len[j]);
            td[j] = td[--ntd], td_len[j] = td_len[ntd];
        }
    } else if (ntd < TD_MAX) { /* one mapping of a random size into the holes */
        long len = (1 + below(k == 2 ? 6 : 40)) * PAGE;
        uintptr_t want = expect_topdown(len);
        void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return;
        if ((uintptr_t)p != want)
            mismatch("top-down mmap of %ld pages at %#lx, the maps say %#lx", len / (long)PAGE,
                     (unsigned long)(uintptr_t)p, (unsigned long)want);
        td[ntd] = (uintptr_t)p, td_len[ntd++] = len;
    }
    printf("topdown %d\n", k);
}

/* ---- the fd phase ---- */
#define FDMAX 70000
static unsigned char fdopen_[FDMAX], fdcloexec[FDMAX];
static long fd_cur;
static void fd_check(const char *who)
{
    for (int k = 0; k < 200; k++) {
        long fd = below(2) ? (long)below(64) : (long)below(FDMAX);
        int fl = fcntl(fd, F_GETFD);
        int want = fdopen_[fd] ? (fdcloexec[fd] ? FD_CLOEXEC : 0) : -1;
        if (fl != want)
            mismatch("%s: fd %ld F_GETFD %d want %d", who, fd, fl, want);
    }
}
static void fd_phase(long n)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("nofile hard %s\n", rl.rlim_max >= 65536 ? ">=65536" : "less");
    for (int fd = 0; fd < FDMAX; fd++) /* the harness may pass high fds too */
        if (fcntl(fd, F_GETFD) >= 0) {
            fdopen_[fd] = 1;
            fdcloexec[fd] = fcntl(fd, F_GETFD) & FD_CLOEXEC;
        }
    fd_cur = rl.rlim_cur;
    for (long k = 0; k < n; k++) {
        ops++;
        long r, fd, lo, hi;
        switch (below(8)) {
        case 0: {
            long lim = 64 + below(rl.rlim_max < FDMAX ? rl.rlim_max - 64 : FDMAX - 64);
            struct rlimit nl = {lim, rl.rlim_max};
            r = setrlimit(RLIMIT_NOFILE, &nl) ? -errno : 0;
            printf("setrlimit %ld -> %s\n", lim, err(r));
            if (!r)
                fd_cur = lim;
            break;
        }
        case 1:
        case 2:
            fd = below(2) ? (long)below(1100) : (long)below(FDMAX);
            r = sys(SYS_dup2, 0, fd, 0, 0, 0, 0);
            printf("dup2 0 %ld -> %s\n", fd, err(r));
            if (r >= 0) {
                fdopen_[fd] = 1;
                fdcloexec[fd] = 0;
            }
            break;
        case 3:
            fd = below(FDMAX);
            r = sys(SYS_dup3, 1, fd, O_CLOEXEC, 0, 0, 0);
            printf("dup3 1 %ld -> %s\n", fd, err(r));
            if (r >= 0) {
                fdopen_[fd] = 1;
                fdcloexec[fd] = 1;
            }
            break;
        case 4:
            lo = below(2) ? (long)below(2000) : (long)below(FDMAX);
            r = sys(SYS_fcntl, 2, chance(50) ? F_DUPFD : F_DUPFD_CLOEXEC, lo, 0, 0, 0);
            printf("F_DUPFD %ld -> %s %ld\n", lo, err(r), r >= 0 ? r : 0);
            if (r >= 0) {
                long want = lo;
                while (want < FDMAX && fdopen_[want])
                    want++;
                if (r != want)
                    mismatch("F_DUPFD %ld gave %ld, want %ld", lo, r, want);
                fdopen_[r] = 1;
                fdcloexec[r] = fcntl(r, F_GETFD) & FD_CLOEXEC;
            }
            break;
        case 5: {
            lo = 3 + below(2) * below(FDMAX);
            hi = lo + (chance(20) ? 100000 : (long)below(3000));
            unsigned fl = chance(30) ? CLOSE_RANGE_CLOEXEC : chance(30) ? CLOSE_RANGE_UNSHARE : 0;
            r = sys(SYS_close_range, lo, hi, fl, 0, 0, 0);
            printf("close_range %ld %ld %u -> %s\n", lo, hi, fl, err(r));
            if (!r)
                for (long i = lo; i <= hi && i < FDMAX; i++) {
                    if (fl & CLOSE_RANGE_CLOEXEC) {
                        if (fdopen_[i])
                            fdcloexec[i] = 1;
                    } else {
                        fdopen_[i] = 0;
                    }
                }
            break;
        }
        case 6: {
            fflush(stdout);
            pid_t pid = fork();
            if (pid == 0) {
                in_child = 1;
                mismatches = 0;
                fd_check("child");
                long f2 = below(FDMAX);
                dup2(0, f2);
                _exit(mismatches ? 1 : 0);
            }
            int st;
            waitpid(pid, &st, 0);
            below(FDMAX);
            printf("fd fork -> %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
            break;
        }
        default:
            fd = below(FDMAX);
            r = sys(SYS_close, fd, 0, 0, 0, 0, 0);
            printf("close %ld -> %s\n", fd, err(r));
            if (!r)
                fdopen_[fd] = 0;
            else if (fdopen_[fd])
                mismatch("close %ld failed", fd);
        }
        fd_check("parent");
    }
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
    long nops = argc > 2 ? atol(argv[2]) : 2000;
    if (argc > 3)
        pressure_mib = atoi(argv[3]);
    rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    for (int i = 0; i < 10; i++)
        rnd();
    diverge = getenv("MMFUZZ_DIVERGE") && atoi(getenv("MMFUZZ_DIVERGE"));
    each_vma = getenv("MMFUZZ_VMAS") && atoi(getenv("MMFUZZ_VMAS"));
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    /* does an access far below the stack pointer grow a MAP_GROWSDOWN mapping? */
    char *g = mmap((void *)(ARENA + 1000 * PAGE), PAGE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED, -1, 0);
    uint64_t gv;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fault;
    sa.sa_flags = SA_NODEFER | SA_ONSTACK;
    static char altstack[1 << 16];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
    sigaltstack(&ss, NULL);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    grows_far = g != MAP_FAILED && rd((uintptr_t)g - PAGE, &gv) == 0;
    fprintf(stderr, "mmfuzz: growsdown far below sp: %d\n", grows_far);
    munmap((void *)(ARENA + 990 * PAGE), 11 * PAGE);

    syscall(SYS_close_range, 3, ~0U, 0); /* as under faultline: nothing past stderr */
    void *first = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mmap_base = (uintptr_t)first + PAGE;
    munmap(first, PAGE);
    filefd = open("mmfuzz.data", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (filefd < 0 || ftruncate(filefd, FILE_PAGES * PAGE)) {
        perror("mmfuzz.data");
        return 100;
    }
    for (ops = 0; ops < nops; ops++) {
        int w = below(100);
        if (w < 1)
            op_huge_block();
        else if (w < 18)
            op_mmap();
        else if (w < 26)
            op_munmap();
        else if (w < 34)
            op_mprotect();
        else if (w < 46)
            op_madvise();
        else if (w < 56)
            op_mremap();
        else if (w < 58)
            op_brk();
        else if (w < 60)
            op_fork();
        else if (w < 62)
            op_pressure();
        else if (w < 65)
            op_msync();
        else if (w < 67)
            op_stack_touch();
        else if (w < 70)
            op_topdown();
        else if (w < 85)
            for (int k = 0; k < 8; k++)
                write_page(below(ARENA_PAGES));
        else
            for (int k = 0; k < 16; k++)
                check_page(below(ARENA_PAGES), 0);
        int full = ops % 50 == 0 || below(20) == 0;
        check_maps(full);
        resync = 0;
        if (full) {
            for (long i = 0; i < ARENA_PAGES; i++)
                check_page(i, 0);
        }
    }
    check_maps(1);
    for (long i = 0; i < ARENA_PAGES; i++)
        check_page(i, 0);
    fd_phase(nops / 4);
    printf("mmfuzz: %ld ops, %ld mismatches\n", ops, mismatches);
    return mismatches ? 1 : 0;
}
