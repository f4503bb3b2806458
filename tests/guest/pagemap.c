/* pagemap SCRATCH_DIR - what /proc/self/pagemap, /proc/kpagecount and /proc/kpageflags say
 * about a process's own pages: written, read (the zero page), untouched, shared with a forked
 * child and copied on its write, a file page; and the files' own rules (8-byte alignment, the
 * end of the address space, no SEEK_END). Prints only facts every kernel agrees on (bits,
 * equalities between frame numbers), never a frame number itself; not the soft-dirty bit, which
 * a kernel without CONFIG_MEM_SOFT_DIRTY leaves clear (faults.py checks it under faultline). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE       4096UL
#define PM_PFN(e)  ((e) & ((1ULL << 55) - 1))
#define PM_EXCL    (1ULL << 56)
#define PM_FILE    (1ULL << 61)
#define PM_SWAP    (1ULL << 62)
#define PM_PRESENT (1ULL << 63)

#define KPF_UPTODATE   3
#define KPF_BUDDY      10
#define KPF_MMAP       11
#define KPF_ANON       12
#define KPF_SWAPBACKED 14
#define KPF_NOPAGE     20
#define KPF_ZERO_PAGE  24

static int pm_fd, kcount_fd = -1, kflags_fd = -1;

static uint64_t entry(const void *addr)
{
    uint64_t e = 0;
    if (pread(pm_fd, &e, 8, (off_t)((uintptr_t)addr / PAGE * 8)) != 8)
        printf("pread pagemap failed: %s\n", strerror(errno));
    return e;
}

static uint64_t kread(int fd, uint64_t pfn)
{
    uint64_t v = 0;
    if (pread(fd, &v, 8, (off_t)(pfn * 8)) != 8)
        printf("pread kpage failed: %s\n", strerror(errno));
    return v;
}

/* The present/exclusive/file/swap/soft-dirty bits of one page, as text. */
static void show(const char *what, const void *addr)
{
    uint64_t e = entry(addr);
    printf("%-22s present=%d swap=%d file=%d exclusive=%d\n", what, !!(e & PM_PRESENT),
           !!(e & PM_SWAP), !!(e & PM_FILE), !!(e & PM_EXCL));
}

/* Selected KPF bits of the frame behind addr (kpageflags needs root and shown frames). */
static void show_kpf(const char *what, const void *addr)
{
    uint64_t pfn = PM_PFN(entry(addr));
    if (kflags_fd < 0 || !(entry(addr) & PM_PRESENT))
        return;
    uint64_t f = kread(kflags_fd, pfn);
    printf("%-22s kpf: uptodate=%d mmap=%d anon=%d swapbacked=%d zero=%d buddy=%d count=%llu\n",
           what, (int)(f >> KPF_UPTODATE & 1), (int)(f >> KPF_MMAP & 1), (int)(f >> KPF_ANON & 1),
           (int)(f >> KPF_SWAPBACKED & 1), (int)(f >> KPF_ZERO_PAGE & 1), (int)(f >> KPF_BUDDY & 1),
           (unsigned long long)kread(kcount_fd, pfn));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pagemap SCRATCH_DIR\n");
        return 2;
    }
    pm_fd = open("/proc/self/pagemap", O_RDONLY);
    if (pm_fd < 0) {
        perror("open pagemap");
        return 1;
    }
    kcount_fd = open("/proc/kpagecount", O_RDONLY);
    kflags_fd = open("/proc/kpageflags", O_RDONLY);
    printf("kpageflags: %s\n", kflags_fd >= 0 ? "readable" : strerror(errno));

    volatile char *p =
        mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    p[0] = 1;                                  /* page 0: written */
    (void)p[PAGE];                             /* page 1: read: the zero page */
    p[3 * PAGE] = 3;                           /* page 3: written; page 2 never touched */
    bool pfns = PM_PFN(entry((void *)p)) != 0; /* a written page is never frame 0 */
    printf("frames shown: %s\n", pfns ? "yes" : "no");
    show("written", (void *)p);
    show("read only", (void *)(p + PAGE));
    show("untouched", (void *)(p + 2 * PAGE));
    show_kpf("written", (void *)p);
    show_kpf("read only", (void *)(p + PAGE));
    if (pfns) {
        uint64_t a = PM_PFN(entry((void *)p)), z = PM_PFN(entry((void *)(p + PAGE))),
                 d = PM_PFN(entry((void *)(p + 3 * PAGE)));
        printf("two written pages, two frames: %d\n", a != d);
        volatile char *q = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        (void)q[0];
        printf("two read pages, one zero page: %d\n", PM_PFN(entry((void *)q)) == z);
    }

    /* a hole, an address past the user half, misaligned reads, SEEK_END */
    void *hole = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole, PAGE);
    uint64_t e = 1;
    printf("%-22s entry=%llu\n", "unmapped",
           (unsigned long long)(pread(pm_fd, &e, 8, (off_t)((uintptr_t)hole / PAGE * 8)) == 8
                                    ? e
                                    : 99));
    printf("past the user half: read %zd\n", pread(pm_fd, &e, 8, (off_t)((1ULL << 47) / PAGE * 8)));
    errno = 0;
    ssize_t r = pread(pm_fd, &e, 8, 4);
    printf("misaligned offset: %zd %s\n", r, strerror(errno));
    errno = 0;
    r = pread(pm_fd, &e, 4, 0);
    printf("misaligned count: %zd %s\n", r, strerror(errno));
    errno = 0;
    off_t o = lseek(pm_fd, 0, SEEK_END);
    printf("SEEK_END: %lld %s\n", (long long)o, strerror(errno));
    lseek(pm_fd, (off_t)((uintptr_t)p / PAGE * 8), SEEK_SET);
    uint64_t two[2];
    r = read(pm_fd, two, sizeof(two));
    o = lseek(pm_fd, 0, SEEK_CUR);
    printf("read at the offset: %zd, then %d pages on\n", r,
           (int)(o / 8 - (off_t)((uintptr_t)p / PAGE)));
    errno = 0;
    r = write(pm_fd, two, 8);
    printf("write: %zd %s\n", r, strerror(errno));

    /* fork: the written page is shared until the child writes it. A pagemap fd reads the mm
     * it was opened for: the child's inherited one still shows the parent's pages. */
    uint64_t before = PM_PFN(entry((void *)p));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int inherited = pm_fd;
        pm_fd = open("/proc/self/pagemap", O_RDONLY);
        show("child, shared", (void *)p);
        show_kpf("child, shared", (void *)p);
        if (pfns)
            printf("child sees the parent's frame: %d\n", PM_PFN(entry((void *)p)) == before);
        p[0] = 2;
        show("child, after write", (void *)p);
        if (pfns) {
            printf("child has its own frame: %d\n", PM_PFN(entry((void *)p)) != before);
            uint64_t old = 0;
            pread(inherited, &old, 8, (off_t)((uintptr_t)p / PAGE * 8));
            printf("the inherited fd shows the parent's: %d\n", PM_PFN(old) == before);
        }
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    show("parent, child gone", (void *)p);
    show_kpf("parent, child gone", (void *)p);

    /* a page of a file */
    char path[4096];
    snprintf(path, sizeof(path), "%s/page.file", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "x", 1) != 1 || ftruncate(fd, PAGE) < 0)
        return 1;
    volatile char *f = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
    (void)f[0];
    show("file, read", (void *)f);
    show_kpf("file, read", (void *)f);
    close(fd);
    unlink(path);
    return 0;
}
