/* thp_access - accesses to transparent huge pages other than the owner's loads and stores,
 * against the kernel's, on MADV_HUGEPAGE memory at a fixed 2 MiB aligned address:
 * process_vm_readv/writev, /proc/PID/mem reads and writes and ptrace PEEKDATA/POKEDATA between
 * a parent and a child (one of them in the huge zero page), pagemap's flags before and after
 * fork; mlock, munlock and MAP_LOCKED (the faults mlock takes count in getrusage, as Linux's
 * faultin_page counts them); clear_refs and Referenced; userfaultfd missing-page faults in a
 * MADV_HUGEPAGE range answered by a handler thread. Needs root natively (userfaultfd).
 *
 * Prints what a program can see: the values read, whether the writes landed (and in whose copy
 * after fork), minor-fault counts, smaps' Rss, AnonHugePages, Locked and Referenced, and
 * pagemap's present and exclusive bits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest.h"
#include "guest_uffd.h"

#define MIB  (1UL << 20)
#define HUGE (2 * MIB)
#define BASE ((char *)0x80000000UL)

/* smaps' Rss, AnonHugePages, Locked and Referenced of the VMA that starts at start, in kB. */
static void smaps(const char *what, char *start)
{
    printf("%s: Rss %ld AnonHugePages %ld Locked %ld Referenced %ld kB\n", what,
           guest_smaps_kb(start, "Rss:"), guest_smaps_kb(start, "AnonHugePages:"),
           guest_smaps_kb(start, "Locked:"), guest_smaps_kb(start, "Referenced:"));
}

/* pagemap's present (bit 63) and exclusively mapped (bit 56) bits for the page at p. */
static void pagemap(const char *who, char *p)
{
    int fd = open("/proc/self/pagemap", O_RDONLY);
    uint64_t e = 0;
    if (fd < 0 || pread(fd, &e, 8, (off_t)((uintptr_t)p / 4096 * 8)) != 8)
        e = 0;
    if (fd >= 0)
        close(fd);
    printf("%s: pagemap present %d exclusive %d\n", who, (int)(e >> 63 & 1), (int)(e >> 56 & 1));
}

static char *map_flags(size_t len, int flags)
{
    char *p = mmap(BASE, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | flags, -1, 0);
    if (p != BASE) {
        perror("mmap");
        exit(1);
    }
    madvise(p, len, MADV_HUGEPAGE);
    return p;
}

static char *map(size_t len)
{
    return map_flags(len, 0);
}

/* mlock, munlock, MAP_LOCKED */
static void locking(void)
{
    char *p = map(2 * HUGE);
    long before = guest_minflt();
    int r = mlock(p, 2 * HUGE);
    printf("mlock %d: %ld faults\n", r, guest_minflt() - before);
    smaps("mlocked", p);
    before = guest_minflt();
    for (size_t off = 0; off < 2 * HUGE; off += 4096)
        p[off] = 1;
    printf("writes after mlock: %ld faults\n", guest_minflt() - before);
    r = munlock(p, HUGE);
    printf("munlock of the first 2 MiB %d\n", r);
    smaps("the first", p);
    smaps("the second", p + HUGE);
    munmap(p, 2 * HUGE);
    /* mlock of one page inside a huge page: the VMA is cut there, the huge page split */
    p = map(2 * HUGE);
    for (size_t off = 0; off < 2 * HUGE; off += 4096)
        p[off] = 1;
    before = guest_minflt();
    r = mlock(p + 4096, 4096);
    printf("mlock of a page inside %d: %ld faults\n", r, guest_minflt() - before);
    smaps("before it", p);
    smaps("the locked page", p + 4096);
    smaps("after it", p + 8192);
    munmap(p, 2 * HUGE);
    /* MAP_LOCKED faults the pages in before madvise can ask for huge pages: small ones */
    before = guest_minflt();
    p = map_flags(2 * HUGE, MAP_LOCKED);
    printf("MAP_LOCKED: %ld faults\n", guest_minflt() - before);
    smaps("MAP_LOCKED, then MADV_HUGEPAGE", p);
    munmap(p, 2 * HUGE);
}

/* Empty this process's TLB, natively: x86 flushes all of an mm's entries, not page by page,
 * when more than tlb_single_page_flush_ceiling (33) pages go at once. Linux 4.20's clear_refs
 * flushed the whole mm itself (a fullmm mmu_gather); the 6.18 kernel of this VM does not, and
 * a read that still hits its TLB entry leaves the accessed bit clear (1 native run in 10 here,
 * more under load). */
static void flush_tlb(void)
{
    size_t len = 64 * 4096;
    char *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (q == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    for (size_t off = 0; off < len; off += 4096)
        q[off] = 1;
    madvise(q, len, MADV_DONTNEED);
    munmap(q, len);
}

/* clear_refs: the huge PMD's accessed bit cleared, set again by the next access (no fault) */
static void clearing(void)
{
    char *p = map(2 * HUGE);
    for (size_t off = 0; off < HUGE; off += 4096)
        p[off] = 1;
    volatile char sink = p[HUGE + 5]; /* the huge zero page: not resident */
    smaps("before clear_refs", p);
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0 || write(fd, "1", 1) != 1)
        perror("clear_refs");
    close(fd);
    smaps("after clear_refs", p);
    flush_tlb();
    long before = guest_minflt();
    sink = p[4096 * 3];
    (void)sink;
    printf("a read after clear_refs: %ld faults\n", guest_minflt() - before);
    smaps("after that read", p);
    munmap(p, 2 * HUGE);
}

/* userfaultfd: a handler thread answers missing-page faults in a MADV_HUGEPAGE range */
static int uffd;
static char *uarea;
static volatile int handled, stop;

static void *handler(void *arg)
{
    static char page[4096];
    (void)arg;
    while (!stop) {
        struct pollfd pfd = {uffd, POLLIN, 0};
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        struct uffd_msg m;
        if (read(uffd, &m, sizeof(m)) != (ssize_t)sizeof(m))
            continue;
        long n = (long)((m.address - (uintptr_t)uarea) / 4096);
        printf("fault at page %ld, %s\n", n, m.flags & 1 ? "write" : "read");
        if (n % 2 == 0) {
            memset(page, (int)(n % 100 + 1), sizeof(page));
            struct uffdio_copy c = {m.address & ~4095UL, (uintptr_t)page, 4096, 0, 0};
            int ret = ioctl(uffd, UFFDIO_COPY, &c);
            printf("  UFFDIO_COPY %d, copy %lld\n", ret, (long long)c.copy);
        } else {
            struct uffdio_zeropage z = {m.address & ~4095UL, 4096, 0, 0};
            int ret = ioctl(uffd, UFFDIO_ZEROPAGE, &z);
            printf("  UFFDIO_ZEROPAGE %d, zeropage %lld\n", ret, (long long)z.zeropage);
        }
        handled++;
    }
    return NULL;
}

static void wait_handled(int n)
{
    while (handled < n)
        sched_yield();
}

static void userfault(void)
{
    uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    struct uffdio_api api = {UFFD_API, 0, 0};
    if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
        perror("userfaultfd");
        exit(1);
    }
    uarea = map(2 * HUGE);
    struct uffdio_register r = {(uintptr_t)uarea, 2 * HUGE, UFFDIO_REGISTER_MODE_MISSING, 0};
    printf("UFFDIO_REGISTER %d\n", ioctl(uffd, UFFDIO_REGISTER, &r));
    pthread_t t;
    pthread_create(&t, NULL, handler, NULL);
    /* the handler prints its answer after the ioctl that lets the access go on: wait for
     * that before printing, so the lines come in one order */
    char c = uarea[4096 * 2 + 5];
    wait_handled(1);
    printf("read page 2: %d\n", c);
    c = uarea[4096 * 3];
    wait_handled(2);
    printf("read page 3: %d\n", c);
    uarea[HUGE + 4096 * 8] = 7;
    wait_handled(3);
    c = uarea[HUGE + 4096 * 9];
    wait_handled(4);
    printf("wrote page 520: %d, next page %d\n", uarea[HUGE + 4096 * 8], c);
    printf("page 2 again: %d\n", uarea[4096 * 2]);
    stop = 1;
    pthread_join(t, NULL);
    printf("%d faults handled\n", handled);
    smaps("the registered range", uarea);
    munmap(uarea, 2 * HUGE);
    close(uffd);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    char *p = map(2 * HUGE);
    for (size_t off = 0; off < HUGE; off += 4096) /* the first huge page written, the second not */
        p[off] = (char)(1 + off / 4096 % 200);
    printf("parent AnonHugePages %ld kB\n", guest_smaps_kb(p, "AnonHugePages:"));
    pagemap("parent, before fork", p + 8192);

    int go[2], done[2];
    if (pipe(go) || pipe(done))
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        char c;
        /* the child's own copy: shared with the parent until a store */
        pagemap("child, before", p + 8192);
        if (write(done[1], "r", 1) != 1 || read(go[0], &c, 1) != 1) /* parent reads and writes */
            _exit(2);
        printf("child sees %d %d %d %d (second page %d)\n", p[0], p[4096 * 5], p[4096 * 300],
               p[HUGE - 4096], p[HUGE + 4096 * 7]);
        printf("child AnonHugePages %ld kB\n", guest_smaps_kb(p, "AnonHugePages:"));
        pagemap("child, after", p + 4096 * 5);
        pagemap("child, after, a page not written", p + 4096 * 100);
        if (write(done[1], "d", 1) != 1 || read(go[0], &c, 1) != 1) /* parent ptraces */
            _exit(2);
        _exit(0);
    }
    char c;
    if (read(done[0], &c, 1) != 1)
        return 1;
    pagemap("parent, after fork", p + 8192);

    /* process_vm_readv of the child's huge page, across 4 KiB and into the second one */
    char buf[3 * 4096];
    struct iovec local = {buf, sizeof(buf)}, remote = {p + HUGE - 4096 * 2, sizeof(buf)};
    long n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    printf("process_vm_readv %ld: %d %d %d\n", n, buf[0], buf[4096], buf[8192]);
    /* process_vm_writev into it: the child's copy-on-write, not the parent's */
    char val = 77;
    struct iovec lw = {&val, 1}, rw = {p + 4096 * 5, 1};
    n = process_vm_writev(pid, &lw, 1, &rw, 1, 0);
    printf("process_vm_writev %ld\n", n);
    /* /proc/PID/mem read and write, one of them in the huge zero page of the second 2 MiB */
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDWR);
    char r[2] = {0, 0};
    n = pread(fd, r, 2, (off_t)(uintptr_t)(p + 4096 * 300));
    printf("mem pread %ld: %d %d\n", n, r[0], r[1]);
    val = 88;
    n = pwrite(fd, &val, 1, (off_t)(uintptr_t)(p + 4096 * 300));
    printf("mem pwrite %ld\n", n);
    val = 99;
    n = pwrite(fd, &val, 1, (off_t)(uintptr_t)(p + HUGE + 4096 * 7));
    printf("mem pwrite into the second 2 MiB %ld\n", n);
    close(fd);
    printf("parent still sees %d %d %d\n", p[4096 * 5], p[4096 * 300], p[HUGE + 4096 * 7]);
    /* the child's stores split only the child's PMDs: the parent keeps its huge page, whose
     * frames the child's PTEs still map (not exclusive) but for the ones it copied */
    printf("parent AnonHugePages %ld kB\n", guest_smaps_kb(p, "AnonHugePages:"));
    pagemap("parent, after the child's stores", p + 4096 * 5);
    pagemap("parent, a page the child did not write", p + 4096 * 100);
    if (write(go[1], "g", 1) != 1 || read(done[0], &c, 1) != 1)
        return 1;

    /* ptrace: attach, PEEKDATA and POKEDATA the huge page, detach */
    if (ptrace(PTRACE_ATTACH, pid, 0, 0) == 0) {
        int st;
        waitpid(pid, &st, 0);
        errno = 0;
        long w = ptrace(PTRACE_PEEKDATA, pid, p + 4096 * 5, 0);
        printf("peek %ld (errno %d)\n", w & 0xff, errno);
        w = ptrace(PTRACE_PEEKDATA, pid, p + HUGE - 8, 0);
        printf("peek at the end %ld\n", (w >> 56) & 0xff);
        long poke = ptrace(PTRACE_POKEDATA, pid, p + 4096 * 9, (void *)0x4242L);
        w = ptrace(PTRACE_PEEKDATA, pid, p + 4096 * 9, 0);
        printf("poke %ld, read back %lx\n", poke, w & 0xffff);
        ptrace(PTRACE_DETACH, pid, 0, 0);
    } else {
        perror("PTRACE_ATTACH");
    }
    printf("parent sees at the poke %d\n", p[4096 * 9]);
    if (write(go[1], "g", 1) != 1)
        return 1;
    int st;
    waitpid(pid, &st, 0);
    printf("child status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    munmap(p, 2 * HUGE);

    locking();
    clearing();
    userfault();
    return 0;
}
