/*
 * anon_vma_merge - which anonymous VMAs merge, now that a VMA's anon_vma is an identity
 * (is_mergeable_anon_vma, mm/mmap.c): two VMAs whose pages were faulted in separately have
 * different anon_vmas and stay apart when mprotect, madvise or mremap makes them otherwise
 * alike; a VMA without an anon_vma and one with one merge, unless that one was inherited
 * through fork; a piece of a split VMA shares its anon_vma and merges back; a fault
 * next to a compatible neighbour reuses its anon_vma (find_mergeable_anon_vma), so the two
 * merge later. Each case prints the VMAs of its range as page ranges, compared with the host.
 */
#define _GNU_SOURCE /* mremap flags */
#include "guest.h"

#define P    GUEST_PAGE
#define BASE ((uintptr_t)1 << 44) /* 16 TiB: free in every layout */

/* The VMAs that start in pages [lo, hi) of BASE, as page ranges, on one line. */
static void show(const char *what, unsigned long lo, unsigned long hi)
{
    static char buf[1 << 16];
    guest_read_file("/proc/self/maps", buf, sizeof(buf));
    printf("%s:", what);
    for (char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        unsigned long s, e;
        if (sscanf(l, "%lx-%lx", &s, &e) == 2 && s >= BASE + lo * P && s < BASE + hi * P)
            printf(" %lu-%lu", (s - BASE) / P, (e - BASE) / P);
    }
    printf("\n");
    fflush(stdout);
}

static char *map_at(unsigned long page, unsigned long pages, int prot)
{
    void *p = mmap((void *)(BASE + page * P), pages * P, prot,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED)
        guest_die("mmap");
    return p;
}

static void prot(char *p, unsigned long pages, int prot)
{
    if (mprotect(p, pages * P, prot))
        guest_die("mprotect");
}

static void advise(char *p, unsigned long pages, int advice)
{
    if (madvise(p, pages * P, advice))
        guest_die("madvise");
}

#define RW (PROT_READ | PROT_WRITE)

/* [A|M|B]: M made PROT_NONE, A and B faulted in apart (each gets an anon_vma of its own: M,
 * without one, is between them), then M made writable again: M joins A, B stays apart. */
static void mprotect_between(void)
{
    char *a = map_at(0, 3, RW);
    prot(a + P, 1, PROT_NONE);
    a[0] = 1;
    a[2 * P] = 1;
    prot(a + P, 1, RW);
    show("mprotect between two faulted VMAs", 0, 4);
}

/* Two VMAs told apart by MADV_RANDOM, faulted in apart (not compatible: no reuse), then made
 * alike by MADV_NORMAL: still two. */
static void madvise_alike(void)
{
    char *a = map_at(8, 2, RW);
    advise(a + P, 1, MADV_RANDOM);
    a[0] = 1;
    a[P] = 1;
    advise(a + P, 1, MADV_NORMAL);
    show("madvise makes two faulted VMAs alike", 8, 12);
}

/* The pieces of a faulted VMA split by mprotect share its anon_vma and merge back. */
static void split_and_back(void)
{
    char *a = map_at(12, 3, RW);
    memset(a, 1, 3 * P);
    prot(a + P, 1, PROT_READ);
    show("a faulted VMA split", 12, 16);
    prot(a + P, 1, RW);
    show("and made whole", 12, 16);
}

/* B faults next to A, which has an anon_vma and differs only in its rights: B reuses it
 * (find_mergeable_anon_vma), so the two merge once their rights agree. */
static void reuse_neighbour(void)
{
    char *a = map_at(16, 2, RW);
    prot(a + P, 1, PROT_READ);
    a[0] = 1;
    prot(a, 1, PROT_READ);
    prot(a + P, 1, RW);
    a[P] = 1;
    prot(a, 1, RW);
    show("a fault reuses its neighbour's anon_vma", 16, 20);
}

/* A faulted VMA made alike to an untouched neighbour joins it, either side (4.20 refused that,
 * by accident; the host does it). Unless they are made read-only: then the untouched one loses
 * VM_ACCOUNT (the host's mprotect drops it from an anonymous VMA without an anon_vma), the
 * faulted one keeps it, and their flags keep them apart. */
static void faulted_into_untouched(void)
{
    char *a = map_at(20, 2, RW);
    prot(a + P, 1, PROT_WRITE);
    a[0] = 1;
    prot(a, 1, PROT_WRITE);
    show("a faulted VMA made alike to an untouched next one", 20, 24);
    char *b = map_at(56, 2, RW);
    prot(b, 1, PROT_WRITE);
    b[P] = 1;
    prot(b + P, 1, PROT_WRITE);
    show("a faulted VMA made alike to an untouched previous one", 56, 60);
    char *c = map_at(64, 2, RW);
    prot(c, 1, PROT_READ);
    c[P] = 1;
    prot(c + P, 1, PROT_READ);
    show("the same made read-only (the untouched one is no longer accounted)", 64, 68);
}

/* mremap growing A in place up to B, both faulted in apart: they stay two. */
static void mremap_grow(void)
{
    char *a = map_at(24, 3, RW);
    prot(a + P, 1, PROT_NONE);
    a[0] = 1;
    a[2 * P] = 1;
    munmap(a + P, P);
    if (mremap(a, P, 2 * P, 0) != a)
        guest_die("mremap grow");
    show("mremap grows a faulted VMA up to another", 24, 28);
}

/* mremap moving an untouched VMA: with no anon_vma its vm_pgoff follows its new address
 * (copy_vma), so it merges with the faulted VMA it lands next to; a faulted one keeps its
 * vm_pgoff and stays apart. */
static void mremap_move(void)
{
    char *a = map_at(30, 1, RW), *c = map_at(50, 1, RW), *d = map_at(52, 1, RW);
    a[0] = 1;
    d[0] = 1;
    if (mremap(c, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, a + P) == MAP_FAILED)
        guest_die("mremap move");
    show("an untouched VMA moved next to a faulted one", 30, 34);
    if (mremap(d, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, a + 2 * P) == MAP_FAILED)
        guest_die("mremap move");
    show("then a faulted one moved after them", 30, 34);
}

/* After fork the child's VMAs have anon_vmas of their own whose parent is the parent's
 * (anon_vma_fork): a new mapping or an untouched VMA next to one of them does not merge with
 * it in the child (its anon_vma chain is not singular), while the parent's still merge; the
 * pieces of a split inherited VMA merge back in the child too. brk in the child thus makes a
 * second [heap] VMA. */
static void after_fork(void)
{
    char *a = map_at(34, 1, RW), *b = map_at(38, 3, RW), *c = map_at(44, 2, RW);
    char *d = map_at(60, 2, RW);
    a[0] = 1;
    memset(b, 1, 3 * P);
    prot(c + P, 1, PROT_NONE);
    c[0] = 1;
    prot(d, 1, PROT_WRITE);
    d[P] = 1;
    char *heap = sbrk(0);
    if (sbrk(2 * P) == (void *)-1)
        guest_die("sbrk");
    heap[0] = 1;
    printf("heap VMAs before fork: %d\n", guest_maps_lines("[heap]"));
    fflush(stdout);

    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        map_at(35, 1, RW);
        show("child: a new mapping next to an inherited faulted VMA", 34, 38);
        prot(b + P, 1, PROT_READ);
        prot(b + P, 1, RW);
        show("child: an inherited VMA split and made whole", 38, 42);
        prot(c + P, 1, RW);
        show("child: an untouched VMA made alike to an inherited one", 44, 48);
        prot(d + P, 1, PROT_WRITE);
        show("child: an inherited VMA made alike to an untouched one", 60, 64);
        char *more = sbrk(2 * P);
        if (more == (void *)-1)
            guest_die("sbrk");
        more[0] = 1;
        printf("child: heap VMAs after brk: %d\n", guest_maps_lines("[heap]"));
        fflush(stdout);
        _exit(0);
    }
    printf("child exited %d\n", guest_reap(pid));
    map_at(35, 1, RW);
    show("parent: a new mapping next to its faulted VMA", 34, 38);
    prot(c + P, 1, RW);
    show("parent: an untouched VMA made alike to its faulted one", 44, 48);
    prot(d + P, 1, PROT_WRITE);
    show("parent: its faulted VMA made alike to an untouched one", 60, 64);
    char *more = sbrk(2 * P);
    if (more == (void *)-1)
        guest_die("sbrk");
    more[0] = 1;
    printf("parent: heap VMAs after brk: %d\n", guest_maps_lines("[heap]"));
}

int main(void)
{
    mprotect_between();
    madvise_alike();
    split_and_back();
    reuse_neighbour();
    faulted_into_untouched();
    mremap_grow();
    mremap_move();
    after_fork();
    return 0;
}
