/*
 * hugetlb_noreserve - an anonymous MAP_HUGETLB mapping on a machine without huge pages in its
 * pools (vm.nr_hugepages 0, as on the test hosts; the model never has any): mmap without
 * MAP_NORESERVE is ENOMEM (nothing to reserve); with it the mapping is made, sized and placed
 * in huge pages ("/anon_hugepage (deleted)" in /proc/self/maps, KernelPageSize 2048 kB and
 * VmFlags ht in smaps), and the first touch is SIGBUS (hugetlb_no_page: no page to give),
 * BUS_ADRERR at the address itself; read(2) into it and write(2) from it are EFAULT; it is cut
 * only at huge page boundaries (munmap, mprotect: EINVAL elsewhere), not resized by mremap
 * (EINVAL) and never merged with a neighbour. A forked child's touch is a SIGBUS too. Until
 * 2026-12-07 faultline gave such a mapping ordinary pages.
 *
 * Fault rows (faults-hugetlb): the touches below of the mapping at 0x340000000 are one
 * do_sigbus row each, on the path handle_mm_fault>hugetlb_fault>hugetlb_no_page.
 */
#define _GNU_SOURCE
#include "guest.h"

#include <setjmp.h>
#include <signal.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << MAP_HUGE_SHIFT)
#endif
#ifndef MAP_HUGE_1GB
#define MAP_HUGE_1GB (30 << MAP_HUGE_SHIFT)
#endif
#define HPAGE (2UL << 20)
#define FIXED ((char *)0x340000000UL)

static sigjmp_buf jb;
static volatile char *want;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    printf("  SIGBUS %s, si_code %s, si_addr %s\n", sig == SIGBUS ? "caught" : "?",
           si->si_code == BUS_ADRERR ? "BUS_ADRERR" : "other",
           si->si_addr == (void *)want ? "the address touched" : "ELSEWHERE");
    siglongjmp(jb, 1);
}

static void touch(const char *what, volatile char *p, int write_it)
{
    want = p;
    printf("%s:\n", what);
    if (!sigsetjmp(jb, 1)) {
        if (write_it)
            *p = 1;
        else
            (void)*p;
        printf("  no signal: the access went through\n");
    }
}

static void result(const char *what, long r)
{
    printf("%s: %s\n", what, r < 0 ? guest_errno_name(errno) : "ok");
}

static void *map(size_t len, int flags, void *hint)
{
    return mmap(hint, len, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | flags, -1, 0);
}

/* The mapping's lines in /proc/self/maps and its smaps block: size, name, page size, flags. */
static void show(const char *what, void *p)
{
    char line[512], key[32];
    FILE *f = fopen("/proc/self/smaps", "r");
    int in = 0, lines = 0;
    if (!f)
        guest_die("fopen smaps");
    snprintf(key, sizeof(key), "%lx-", (unsigned long)p);
    printf("%s:\n", what);
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, ':') != line + 8) {
            in = strncmp(line, key, strlen(key)) == 0;
            if (in) {
                lines++;
                char *name = strchr(line, '/');
                printf("  %lu kB, perms %.4s, name %s", (hi - lo) >> 10, strchr(line, ' ') + 1,
                       name ? name : "(none)\n");
            }
        } else if (in && (!strncmp(line, "KernelPageSize", 14) ||
                          !strncmp(line, "MMUPageSize", 11) || !strncmp(line, "Rss", 3))) {
            printf("  %s", line);
        } else if (in && !strncmp(line, "VmFlags", 7)) {
            printf("  hugetlb flag (ht) %s\n", strstr(line, " ht") ? "set" : "NOT SET");
        }
    }
    fclose(f);
    if (!lines)
        printf("  not mapped\n");
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);

    /* no reservation possible */
    char *p = map(4 << 20, MAP_PRIVATE | MAP_HUGETLB, NULL);
    result("MAP_HUGETLB without MAP_NORESERVE", p == MAP_FAILED ? -1 : 0);
    p = map(4 << 20, MAP_SHARED | MAP_HUGETLB | MAP_HUGE_2MB, NULL);
    result("MAP_SHARED|MAP_HUGETLB|MAP_HUGE_2MB without MAP_NORESERVE", p == MAP_FAILED ? -1 : 0);
    p = map(4 << 20, MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE | (22 << MAP_HUGE_SHIFT), NULL);
    result("MAP_HUGETLB|MAP_NORESERVE with a 4 MiB page size (no such size)",
           p == MAP_FAILED ? -1 : 0);

    /* the default size, 2 MiB, and MAP_HUGE_2MB, private and shared */
    const struct {
        const char *name;
        int flags;
    } kinds[] = {
        {"MAP_PRIVATE|MAP_HUGETLB|MAP_NORESERVE", MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE},
        {"MAP_PRIVATE|MAP_HUGETLB|MAP_HUGE_2MB|MAP_NORESERVE",
         MAP_PRIVATE | MAP_HUGETLB | MAP_HUGE_2MB | MAP_NORESERVE},
        {"MAP_SHARED|MAP_HUGETLB|MAP_NORESERVE", MAP_SHARED | MAP_HUGETLB | MAP_NORESERVE},
    };
    for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        p = map(3 << 20, kinds[k].flags, NULL); /* 3 MiB: two huge pages */
        result(kinds[k].name, p == MAP_FAILED ? -1 : 0);
        if (p == MAP_FAILED)
            continue;
        printf("  on a 2 MiB boundary: %s\n", ((unsigned long)p & (HPAGE - 1)) ? "no" : "yes");
        show("  the mapping", p);
        touch("  write to its first page", p + 5, 1);
        touch("  read from its second huge page", p + HPAGE + 7, 0);
        munmap(p, 4 << 20);
    }

    /* a 1 GiB page size: placed on a 1 GiB boundary, touched: SIGBUS */
    p = map(1 << 20, MAP_PRIVATE | MAP_HUGETLB | MAP_HUGE_1GB | MAP_NORESERVE, NULL);
    result("MAP_HUGETLB|MAP_HUGE_1GB|MAP_NORESERVE", p == MAP_FAILED ? -1 : 0);
    if (p != MAP_FAILED) {
        printf("  on a 1 GiB boundary: %s\n",
               ((unsigned long)p & ((1UL << 30) - 1)) ? "no" : "yes");
        show("  the mapping", p);
        touch("  write to it", p + 4096, 1);
        munmap(p, 1UL << 30);
    }

    /* at a fixed address (faults-hugetlb reads these rows), placement rules */
    p = map(4 << 20, MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE | MAP_FIXED_NOREPLACE, FIXED);
    if (p != FIXED)
        guest_die("mmap at FIXED");
    guest_note("hugetlb_noreserve", "area", p);
    char *q = map(HPAGE, MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
                  FIXED + (4 << 20));
    result("a second one right above it", q == FIXED + (4 << 20) ? 0 : -1);
    show("the first, not merged with the second", p);
    munmap(q, HPAGE);
    q = map(HPAGE, MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE | MAP_FIXED, FIXED + (8 << 20) + 4096);
    result("MAP_FIXED off a 2 MiB boundary", q == MAP_FAILED ? -1 : 0);
    q = map(HPAGE, MAP_PRIVATE | MAP_HUGETLB | MAP_NORESERVE, FIXED + (8 << 20) + 4096);
    printf("a hint off a 2 MiB boundary: %s\n",
           q == FIXED + (10 << 20) ? "rounded up to the next one" : "placed elsewhere");
    if (q != MAP_FAILED)
        munmap(q, HPAGE);

    touch("write to the fixed mapping", p + 100, 1);
    touch("read from its second huge page", p + HPAGE + 4095, 0);

    /* system calls: the kernel's own access fails */
    int pp[2];
    if (pipe(pp) || write(pp[1], "abcd", 4) != 4)
        guest_die("pipe");
    result("read(2) from a pipe into it", read(pp[0], p + HPAGE, 4));
    result("write(2) from it into a pipe", write(pp[1], p + HPAGE, 4));

    /* cut only at huge page boundaries */
    result("munmap of its first 4 KiB", munmap(p, 4096));
    result("munmap of 4 KiB inside it", munmap(p + 8192, 4096));
    result("munmap of 3 MiB from its start", munmap(p, 3 << 20));
    result("mprotect PROT_READ of 4 KiB inside it", mprotect(p + 4096, 4096, PROT_READ));
    result("mprotect PROT_READ of its second huge page", mprotect(p + HPAGE, HPAGE, PROT_READ));
    show("its first huge page", p);
    show("its second huge page", p + HPAGE);
    result("munmap of its second huge page", munmap(p + HPAGE, HPAGE));
    show("its second huge page", p + HPAGE);
    void *r = mremap(p, HPAGE, 2 * HPAGE, MREMAP_MAYMOVE);
    result("mremap of its first huge page to two", r == MAP_FAILED ? -1 : 0);

    /* a child's touch: killed by the SIGBUS (default action) */
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);
        p[1] = 1;
        _exit(0);
    }
    int st = guest_reap(pid);
    printf("a forked child writing to it: %s\n",
           st == 128 + SIGBUS ? "killed by SIGBUS" : "not killed by SIGBUS");
    return 0;
}
