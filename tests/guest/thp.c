/* thp - transparent huge pages of anonymous memory against the kernel's: faults per 2 MiB,
 * smaps' AnonHugePages, the huge zero page, fork and copy-on-write, partial munmap and
 * mprotect (splits), MADV_DONTNEED of a whole huge page, MADV_NOHUGEPAGE.
 *
 * Prints what a program can see: minor-fault counts (getrusage) and smaps lines for its own
 * mapping. On a host without THP for MADV_HUGEPAGE memory (enabled = never) the counts differ
 * from those below, as they do natively: the test compares with a native run either way. */
#include "guest.h"

#define MIB  (1UL << 20)
#define HUGE (2 * MIB)
#define BASE ((char *)0x80000000UL)

/* Rss and AnonHugePages of the VMA that starts at start, in kB. */
static void smaps(const char *what, char *start)
{
    printf("%s: Rss %ld kB AnonHugePages %ld kB\n", what, guest_smaps_kb(start, "Rss:"),
           guest_smaps_kb(start, "AnonHugePages:"));
}

/* Touch every page of [p, p + len) (write or read); print the minor faults it took. */
static void touch(const char *what, char *p, size_t len, int write)
{
    long before = guest_minflt();
    volatile char sink = 0;
    for (size_t off = 0; off < len; off += 4096) {
        if (write)
            p[off] = (char)(off >> 12);
        else
            sink += p[off];
    }
    (void)sink;
    printf("%s: %ld faults\n", what, guest_minflt() - before);
}

static char *map(size_t len)
{
    char *p = mmap(BASE, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p != BASE) {
        perror("mmap");
        exit(1);
    }
    return p;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    /* 1. MADV_HUGEPAGE: one fault per 2 MiB */
    char *p = map(8 * MIB);
    madvise(p, 8 * MIB, MADV_HUGEPAGE);
    touch("write 4 MiB", p, 4 * MIB, 1);
    smaps("after writes", p);
    /* 2. reads of untouched huge pages: the huge zero page (not resident) */
    touch("read 4 MiB", p + 4 * MIB, 4 * MIB, 0);
    smaps("after reads", p);
    /* a write into the huge zero page: split, one small page copied */
    touch("write 4 KiB into the zero page", p + 4 * MIB, 4096, 1);
    smaps("after that write", p);

    /* 3. fork: the child's first store into a shared huge page splits the child's PMD only and
     * copies 4 KiB; the parent keeps its huge PMDs until it writes while the child still maps
     * the page (a split and a copy of its own), and reuses a page the child has let go of */
    int stored[2], go_on[2];
    char token;
    if (pipe(stored) || pipe(go_on))
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        touch("child writes 4 KiB", p + 8192, 4096, 1);
        smaps("child after its store", p);
        if (write(stored[1], "s", 1) != 1 || read(go_on[0], &token, 1) != 1)
            _exit(4);
        touch("child writes the rest of that 2 MiB", p, HUGE, 1);
        smaps("child", p);
        _exit(p[HUGE] == (char)0 ? 0 : 3);
    }
    if (read(stored[0], &token, 1) != 1)
        return 1;
    smaps("parent while the child maps its pages", p);
    touch("parent writes 4 KiB of the second 2 MiB", p + HUGE + 4096, 4096, 1);
    smaps("parent after that write", p);
    if (write(go_on[1], "g", 1) != 1)
        return 1;
    int st;
    waitpid(pid, &st, 0);
    printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    printf("parent still sees %d %d\n", p[8192], p[HUGE + 4096]);
    touch("parent writes 4 KiB of the first 2 MiB, the child gone", p + 4096, 4096, 1);
    smaps("parent at the end", p);
    munmap(p, 8 * MIB);

    /* 4. partial munmap and mprotect split; MADV_DONTNEED of a whole huge page zaps it */
    p = map(8 * MIB);
    madvise(p, 8 * MIB, MADV_HUGEPAGE);
    touch("write 8 MiB", p, 8 * MIB, 1);
    smaps("8 MiB", p);
    mprotect(p, HUGE, PROT_READ);
    smaps("first 2 MiB read-only", p + HUGE);
    munmap(p + HUGE + 4096, 4096);
    smaps("a page unmapped from the second", p + HUGE);
    madvise(p + 3 * HUGE, HUGE, MADV_DONTNEED);
    smaps("the fourth dropped", p + HUGE);
    touch("write the fourth again", p + 3 * HUGE, HUGE, 1);
    printf("first byte of the fourth %d, of the third %d\n", p[3 * HUGE], p[2 * HUGE + 4096]);
    munmap(p, 8 * MIB);

    /* 5. MADV_NOHUGEPAGE, and a range too small for a huge page: small pages */
    p = map(4 * MIB);
    madvise(p, 4 * MIB, MADV_NOHUGEPAGE);
    touch("write 4 MiB, MADV_NOHUGEPAGE", p, 4 * MIB, 1);
    smaps("no huge pages", p);
    munmap(p, 4 * MIB);
    p = map(HUGE - 4096);
    madvise(p, HUGE - 4096, MADV_HUGEPAGE);
    touch("write 2 MiB - 4 KiB, MADV_HUGEPAGE", p, HUGE - 4096, 1);
    return 0;
}
