/*
 * madvise_flags - the advice Linux keeps as VMA flags (mm/madvise.c's madvise_behavior) and
 * its checks:
 *   MADV_DONTFORK on part of a mapping splits it, and a child has no such pages (SIGSEGV);
 *   MADV_DOFORK merges it back; MADV_WIPEONFORK gives a child zeroes where the parent keeps its
 *   data (MADV_KEEPONFORK undoes it), and is EINVAL on shared or file memory; MADV_SEQUENTIAL,
 *   MADV_RANDOM, MADV_DONTDUMP and MADV_HUGEPAGE/NOHUGEPAGE show in smaps' VmFlags; MADV_FREE is
 *   EINVAL on shared anonymous and file mappings; MADV_REMOVE punches a hole in shared anonymous
 *   memory (a child's call zeroes the parent's page) and in a memfd (the file reads zeroes);
 *   unknown advice is EINVAL; a range with a hole is ENOMEM after acting on the mapped parts. Until
 * 2026-12-07 faultline kept none of these flags, refused MADV_WIPEONFORK with EINVAL and accepted
 * MADV_FREE anywhere.
 */
#include <sys/syscall.h>

#include "guest_trap.h"

#ifndef MADV_WIPEONFORK
#define MADV_WIPEONFORK 18
#define MADV_KEEPONFORK 19
#endif

#define PG GUEST_PAGE

/* -1 if the page at p cannot be read, else its first byte */
static int probe(volatile unsigned char *p)
{
    if (sigsetjmp(guest_trap_env, 1))
        return -1;
    return *p;
}

static void report(const char *what, int r)
{
    printf("%s: %s\n", what, r == 0 ? "ok" : guest_errno_name(errno));
}

/* The mappings of /proc/self/maps that overlap [lo, hi), and the flags of interest in the smaps
 * VmFlags line of the one that holds addr. */
static int count_vmas(unsigned long lo, unsigned long hi)
{
    char line[512];
    int n = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        guest_die("fopen maps");
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < hi && e > lo)
            n++;
    }
    fclose(f);
    return n;
}

static void show_flags(const char *what, void *addr)
{
    static const char *const wanted[] = {"sr", "rr", "dc", "wf", "dd", "hg", "nh"};
    char line[512];
    int in = 0;
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        guest_die("fopen smaps");
    printf("%s:", what);
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' '))
            in = (unsigned long)addr >= s && (unsigned long)addr < e;
        else if (in && !strncmp(line, "VmFlags:", 8))
            for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
                char tok[8];
                snprintf(tok, sizeof(tok), " %s", wanted[i]);
                if (strstr(line, tok))
                    printf(" %s", wanted[i]);
            }
    }
    fclose(f);
    printf("\n");
}

int main(void)
{
    guest_trap_on(SIGSEGV);
    setvbuf(stdout, NULL, _IONBF, 0);

    unsigned char *a =
        mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED)
        guest_die("mmap");
    for (int i = 0; i < 8; i++)
        a[i * PG] = (unsigned char)(10 + i);
    unsigned long lo = (unsigned long)a, hi = lo + 8 * PG;

    /* DONTFORK on pages 2-3: three VMAs; the child lacks those pages */
    report("dontfork", madvise(a + 2 * PG, 2 * PG, MADV_DONTFORK));
    printf("vmas after dontfork: %d\n", count_vmas(lo, hi));
    show_flags("flags of page 2", a + 2 * PG);
    pid_t pid = fork();
    if (pid == 0) {
        int bits = 0;
        for (int i = 0; i < 8; i++)
            bits |= (probe(a + i * PG) < 0) << i;
        _exit(bits);
    }
    printf("child's unreadable pages: %#x\n", guest_reap(pid));
    report("dofork", madvise(a + 2 * PG, 2 * PG, MADV_DOFORK));
    printf("vmas after dofork: %d\n", count_vmas(lo, hi));

    /* WIPEONFORK on pages 4-7: the child reads zeroes there, the parent its data */
    report("wipeonfork", madvise(a + 4 * PG, 4 * PG, MADV_WIPEONFORK));
    show_flags("flags of page 5", a + 5 * PG);
    pid = fork();
    if (pid == 0) {
        int sum = 0;
        for (int i = 0; i < 8; i++)
            sum += probe(a + i * PG);
        a[5 * PG] = 1; /* a fresh page of the child's own */
        _exit(sum + a[5 * PG]);
    }
    printf("child's sum: %d; parent's page 5: %d\n", guest_reap(pid), a[5 * PG]);
    report("keeponfork", madvise(a + 4 * PG, 4 * PG, MADV_KEEPONFORK));
    pid = fork();
    if (pid == 0)
        _exit(a[5 * PG]);
    printf("child after keeponfork: %d; vmas: %d\n", guest_reap(pid), count_vmas(lo, hi));

    unsigned char *shr =
        mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int fd = open("/proc/self/exe", O_RDONLY);
    unsigned char *file = fd < 0 ? MAP_FAILED : mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
    if (shr == MAP_FAILED || file == MAP_FAILED)
        guest_die("mmap shared/file");
    report("wipeonfork shared", madvise(shr, PG, MADV_WIPEONFORK));
    report("wipeonfork file", madvise(file, PG, MADV_WIPEONFORK));
    report("free private", madvise(a, PG, MADV_FREE));
    report("free shared", madvise(shr, PG, MADV_FREE));
    report("free file", madvise(file, PG, MADV_FREE));
    report("advice 999", madvise(a, PG, 999));

    /* flags shown in smaps */
    report("sequential", madvise(a, 8 * PG, MADV_SEQUENTIAL));
    show_flags("flags", a);
    report("random", madvise(a, 8 * PG, MADV_RANDOM));
    report("dontdump", madvise(a, 8 * PG, MADV_DONTDUMP));
    show_flags("flags", a);
    report("normal", madvise(a, 8 * PG, MADV_NORMAL));
    report("dodump", madvise(a, 8 * PG, MADV_DODUMP));
    report("hugepage", madvise(a, 4 * PG, MADV_HUGEPAGE));
    show_flags("flags of page 0", a);
    report("nohugepage", madvise(a, 4 * PG, MADV_NOHUGEPAGE));
    show_flags("flags of page 0", a);
    show_flags("flags of page 6", a + 6 * PG);
    printf("vmas: %d\n", count_vmas(lo, hi));

    /* MADV_REMOVE: a hole in shared memory's file; private memory is EINVAL, a private file
     * mapping EACCES */
    shr[0] = 7;
    shr[PG] = 8;
    pid = fork();
    if (pid == 0)
        _exit(madvise(shr, PG, MADV_REMOVE) ? 100 + errno : 0);
    int st = guest_reap(pid);
    printf("remove in a child: %d; parent reads %d %d\n", st, shr[0], shr[PG]);
    report("remove private", madvise(a, PG, MADV_REMOVE));
    report("remove file", madvise(file, PG, MADV_REMOVE));
    int mfd = (int)syscall(319 /* memfd_create */, "madv", 0);
    if (mfd < 0 || ftruncate(mfd, 4 * PG))
        guest_die("memfd");
    unsigned char *mem = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (mem == MAP_FAILED)
        guest_die("mmap memfd");
    memset(mem, 0x33, 4 * PG);
    report("remove memfd", madvise(mem + PG, 2 * PG, MADV_REMOVE));
    unsigned char buf[4];
    for (int i = 0; i < 4; i++)
        if (pread(mfd, buf + i, 1, i * PG + 5) != 1)
            guest_die("pread");
    printf("memfd mapped %d %d %d %d, read %d %d %d %d, size %ld\n", mem[5], mem[PG + 5],
           mem[2 * PG + 5], mem[3 * PG + 5], buf[0], buf[1], buf[2], buf[3],
           (long)lseek(mfd, 0, SEEK_END));

    /* a hole: ENOMEM, but the mapped pages still took the advice */
    munmap(a + 3 * PG, PG);
    report("dontfork over a hole", madvise(a, 8 * PG, MADV_DONTFORK));
    show_flags("flags of page 6", a + 6 * PG);
    return 0;
}
