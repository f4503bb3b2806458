/*
 * userfault.c - missing pages handled by user space through a userfaultfd.
 *
 * A handler thread polls the userfaultfd, reads each fault's message and answers it with
 * UFFDIO_COPY (a page of a pattern) or UFFDIO_ZEROPAGE; the main thread's reads and writes in
 * the registered range wait until it has. Then: what is mapped afterwards (a zero page written
 * to, a page MADV_DONTNEED gave back and faulted again), the ioctls' errors, a child's VMAs after
 * fork (unregistered: no events asked for), UFFD_FEATURE_SIGBUS, UFFDIO_UNREGISTER, and the
 * faults counted as major. Needs root (CAP_SYS_PTRACE) natively, as tests run. Everything
 * printed is the same on Linux 4.20 and the host kernel.
 *
 * Last, what poll, epoll and select say of a userfaultfd with no fault waiting: EPOLLERR alone
 * before UFFDIO_API, and after it while the file is blocking (userfaultfd_poll: "poll() never
 * guarantees that read won't block"), whatever F_SETFL made of O_NONBLOCK since; nothing for a
 * non-blocking one (never writable). faultline said readable-less but writable, and a poll of
 * a blocking one waited, until 2026-12-07.
 */
#include <sys/epoll.h>
#include <sys/select.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "guest.h"
#include "guest_uffd.h"
#include "guest_trap.h"

#define RANGE_IOCTLS ((1ULL << 2) | (1ULL << 3) | (1ULL << 4))    /* WAKE, COPY, ZEROPAGE */
#define API_IOCTLS   ((1ULL << 0) | (1ULL << 1) | (1ULL << 0x3f)) /* REGISTER, UNREGISTER, API */

#define PAGES 8
static char *area;
static int uffd;
static pid_t main_tid;
static volatile int handled, stop;
static char pattern[2 * GUEST_PAGE];

static int new_uffd(uint64_t features)
{
    int fd = (int)syscall(NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        guest_die("userfaultfd");
    struct uffdio_api api = {UFFD_API, features, 0};
    if (ioctl(fd, UFFDIO_API, &api))
        guest_die("UFFDIO_API");
    return fd;
}

static long reg(int fd, void *start, size_t len, uint64_t *ioctls)
{
    struct uffdio_register r = {(uintptr_t)start, len, UFFDIO_REGISTER_MODE_MISSING, 0};
    long ret = ioctl(fd, UFFDIO_REGISTER, &r);
    if (ioctls)
        *ioctls = r.ioctls;
    return ret ? -errno : 0;
}

static const char *err(long r)
{
    return r < 0 ? guest_errno_name((int)-r) : "ok";
}

/* Even pages get a copy of the pattern (its first byte the page number), odd ones the zero
 * page. Prints each fault as it is read. */
/* poll (with a timeout: Linux answers at once), epoll and select of fd, no fault waiting */
static void show_polls(const char *what, int fd)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    int pr = poll(&pfd, 1, 100);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN}, got = {0};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
        guest_die("epoll");
    int er = epoll_wait(ep, &got, 1, 0);
    close(ep);
    fd_set rs, ws;
    FD_ZERO(&rs);
    FD_SET(fd, &rs);
    ws = rs;
    struct timeval tv = {0, 0};
    int sr = select(fd + 1, &rs, &ws, NULL, &tv);
    printf("%s: poll %d%s%s, epoll %d%s%s, select %d%s%s\n", what, pr,
           pfd.revents & POLLERR ? " POLLERR" : "", pfd.revents & ~POLLERR ? " and more" : "", er,
           er > 0 && (got.events & EPOLLERR) ? " EPOLLERR" : "",
           er > 0 && (got.events & ~EPOLLERR) ? " and more" : "", sr,
           FD_ISSET(fd, &rs) ? " readable" : "", FD_ISSET(fd, &ws) ? " writable" : "");
}

static void *handler(void *arg)
{
    (void)arg;
    while (!stop) {
        struct pollfd pfd = {uffd, POLLIN, 0};
        if (poll(&pfd, 1, 20) <= 0)
            continue;
        struct uffd_msg m[4];
        ssize_t n = read(uffd, m, sizeof(m));
        if (n < 0 && errno == EAGAIN)
            continue;
        if (n < 0 || n % (ssize_t)sizeof(m[0]))
            guest_die("read uffd");
        for (ssize_t i = 0; i < n / (ssize_t)sizeof(m[0]); i++) {
            long page = (long)((m[i].address - (uintptr_t)area) / GUEST_PAGE);
            printf("fault: event %#x page %ld %s, by the main thread %d\n", m[i].event, page,
                   m[i].flags & UFFD_PAGEFAULT_FLAG_WRITE ? "write" : "read",
                   (pid_t)m[i].ptid == main_tid);
            fflush(stdout);
            long r;
            if (page % 2 == 0) {
                pattern[0] = (char)page;
                struct uffdio_copy c = {m[i].address, (uintptr_t)pattern, GUEST_PAGE, 0, 0};
                r = ioctl(uffd, UFFDIO_COPY, &c) ? -errno : 0;
                printf("  UFFDIO_COPY: %s, copy %lld\n", err(r), (long long)c.copy);
            } else {
                struct uffdio_zeropage z = {m[i].address, GUEST_PAGE, 0, 0};
                r = ioctl(uffd, UFFDIO_ZEROPAGE, &z) ? -errno : 0;
                printf("  UFFDIO_ZEROPAGE: %s, zeropage %lld\n", err(r), (long long)z.zeropage);
            }
            fflush(stdout);
            handled++;
        }
    }
    return NULL;
}

/* The handler prints its answer after the ioctl that lets the faulting access go on: the main
 * thread waits for that before it prints, so the lines come in one order. */
static void wait_handled(int n)
{
    while (handled < n)
        sched_yield();
}

static long majflt(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_majflt;
}

static int smaps_has_um(void *addr)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int in = 0, um = -1;
    if (!f)
        guest_die("smaps");
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
            in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
        else if (in && !strncmp(line, "VmFlags:", 8))
            um = strstr(line, " um") != NULL;
    }
    fclose(f);
    return um;
}

int main(void)
{
    main_tid = (pid_t)syscall(SYS_gettid);
    memset(pattern, 0x5a, sizeof(pattern));
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* the handshake: only the bits both kernels know are printed */
    int fd = (int)syscall(NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        guest_die("userfaultfd");
    struct uffdio_register early = {0, GUEST_PAGE, UFFDIO_REGISTER_MODE_MISSING, 0};
    printf("register before UFFDIO_API: %s\n",
           err(ioctl(fd, UFFDIO_REGISTER, &early) ? -errno : 0));
    struct uffdio_api bad = {0x55, 0, 0};
    printf("UFFDIO_API with a bad api: %s\n", err(ioctl(fd, UFFDIO_API, &bad) ? -errno : 0));
    struct uffdio_api api = {UFFD_API, 0, 0};
    long r = ioctl(fd, UFFDIO_API, &api) ? -errno : 0;
    printf("UFFDIO_API: %s, SIGBUS and THREAD_ID offered %d, ioctls %d\n", err(r),
           (api.features & (UFFD_FEATURE_SIGBUS | UFFD_FEATURE_THREAD_ID)) ==
               (UFFD_FEATURE_SIGBUS | UFFD_FEATURE_THREAD_ID),
           (api.ioctls & API_IOCTLS) == API_IOCTLS);
    printf("UFFDIO_API again: %s\n", err(ioctl(fd, UFFDIO_API, &api) ? -errno : 0));
    close(fd);

    uffd = new_uffd(UFFD_FEATURE_THREAD_ID);
    area =
        mmap(NULL, PAGES * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        guest_die("mmap");
    fprintf(stderr, "userfault: area=%p\n", (void *)area);
    uint64_t ioctls;
    r = reg(uffd, area, PAGES * GUEST_PAGE, &ioctls);
    printf("UFFDIO_REGISTER: %s, range ioctls %d, smaps um %d\n", err(r),
           (ioctls & RANGE_IOCTLS) == RANGE_IOCTLS, smaps_has_um(area));

    /* the errors */
    printf("register unaligned: %s\n", err(reg(uffd, area + 1, GUEST_PAGE, NULL)));
    printf("register empty: %s\n", err(reg(uffd, area, 0, NULL)));
    char *hole = mmap(NULL, 3 * GUEST_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(hole + GUEST_PAGE, GUEST_PAGE);
    printf("register a hole: %s\n", err(reg(uffd, hole + GUEST_PAGE, GUEST_PAGE, NULL)));
    printf("register over the hole: %s\n", err(reg(uffd, hole, 3 * GUEST_PAGE, NULL)));
    int file = open("/proc/self/exe", O_RDONLY);
    void *fmap = mmap(NULL, GUEST_PAGE, PROT_READ, MAP_PRIVATE, file, 0);
    printf("register a file mapping: %s\n", err(reg(uffd, fmap, GUEST_PAGE, NULL)));
    void *shared =
        mmap(NULL, GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int other = new_uffd(0);
    printf("register with a second userfaultfd: %s\n", err(reg(other, area, GUEST_PAGE, NULL)));
    close(other);
    struct uffdio_copy c = {(uintptr_t)area + 1, (uintptr_t)pattern, GUEST_PAGE, 0, 0};
    printf("copy unaligned: %s\n", err(ioctl(uffd, UFFDIO_COPY, &c) ? -errno : 0));
    c = (struct uffdio_copy){(uintptr_t)fmap, (uintptr_t)pattern, GUEST_PAGE, 0, 0};
    r = ioctl(uffd, UFFDIO_COPY, &c) ? -errno : 0;
    printf("copy outside the range: %s, copy %s\n", err(r), err(c.copy));
    c = (struct uffdio_copy){(uintptr_t)area, (uintptr_t)pattern, GUEST_PAGE, 4, 0};
    printf("copy with a bad mode: %s\n", err(ioctl(uffd, UFFDIO_COPY, &c) ? -errno : 0));
    munmap(shared, GUEST_PAGE);

    pthread_t t;
    if (pthread_create(&t, NULL, handler, NULL))
        guest_die("pthread_create");
    long maj = majflt();

    /* the faults, one after another: each waits for the handler */
    volatile char *v = area;
    int x = v[1 * GUEST_PAGE + 5];
    wait_handled(1);
    printf("read page 1: %d\n", x);
    v[0] = 7;
    wait_handled(2);
    printf("wrote page 0: %d %d\n", v[0], v[1]);
    v[2 * GUEST_PAGE + 3] = 9;
    wait_handled(3);
    printf("wrote page 2: %d %d %d\n", v[2 * GUEST_PAGE], v[2 * GUEST_PAGE + 3],
           v[2 * GUEST_PAGE + 4]);
    x = v[3 * GUEST_PAGE];
    wait_handled(4);
    printf("read page 3: %d\n", x);
    v[1 * GUEST_PAGE] = 1; /* the zero page is copied on write: no message */
    printf("wrote page 1: %d, faults handled %d\n", v[1 * GUEST_PAGE], handled);
    /* 4.20 counts a fault that slept as major, the host kernel (6.x) does not: to stderr */
    fprintf(stderr, "userfault: majflt=%#lx\n", majflt() - maj);

    /* a page that is there already */
    c = (struct uffdio_copy){(uintptr_t)area, (uintptr_t)pattern, GUEST_PAGE, 0, 0};
    r = ioctl(uffd, UFFDIO_COPY, &c) ? -errno : 0;
    printf("copy onto page 0: %s, copy %s\n", err(r), err(c.copy));
    struct uffdio_zeropage z = {(uintptr_t)area + 2 * GUEST_PAGE, 2 * GUEST_PAGE, 0, 0};
    r = ioctl(uffd, UFFDIO_ZEROPAGE, &z) ? -errno : 0;
    printf("zeropage onto pages 2-3: %s, zeropage %s\n", err(r), err(z.zeropage));
    /* a copy ahead of the fault: no message */
    c = (struct uffdio_copy){(uintptr_t)area + 4 * GUEST_PAGE, (uintptr_t)pattern, 2 * GUEST_PAGE,
                             0, 0};
    r = ioctl(uffd, UFFDIO_COPY, &c) ? -errno : 0;
    printf("copy pages 4-5 ahead: %s, copy %lld; page 5 reads %d, faults handled %d\n", err(r),
           (long long)c.copy, v[5 * GUEST_PAGE + 1], handled);

    /* MADV_DONTNEED gives page 0 back: the next touch asks again */
    madvise(area, GUEST_PAGE, MADV_DONTNEED);
    x = v[0];
    wait_handled(5);
    printf("page 0 after MADV_DONTNEED: %d\n", x);

    /* a child's VMAs are not registered (no UFFD_FEATURE_EVENT_FORK) */
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        printf("child: page 6 reads %d, smaps um %d\n", v[6 * GUEST_PAGE], smaps_has_um(area));
        v[7 * GUEST_PAGE] = 3;
        _exit(v[7 * GUEST_PAGE]);
    }
    printf("child exited with %d, faults handled %d\n", guest_reap(pid), handled);

    /* unregistered pages fault as any anonymous page */
    struct uffdio_register un = {(uintptr_t)area + 6 * GUEST_PAGE, 2 * GUEST_PAGE, 0, 0};
    r = ioctl(uffd, UFFDIO_UNREGISTER, &un) ? -errno : 0;
    printf("UFFDIO_UNREGISTER pages 6-7: %s, smaps um %d %d\n", err(r), smaps_has_um(area),
           smaps_has_um(area + 6 * GUEST_PAGE));
    v[6 * GUEST_PAGE] = 6;
    printf("page 6 now: %d, faults handled %d\n", v[6 * GUEST_PAGE], handled);

    /* a system call's own access to a missing page waits for the handler too */
    madvise(area + 2 * GUEST_PAGE, 2 * GUEST_PAGE, MADV_DONTNEED);
    int pfd[2];
    if (pipe(pfd) || write(pfd[1], "hello", 5) != 5)
        guest_die("pipe");
    ssize_t got = read(pfd[0], area + 2 * GUEST_PAGE + 8, 16);
    wait_handled(6);
    printf("read(2) into page 2: %zd \"%.5s\", byte 0 %d\n", got, area + 2 * GUEST_PAGE + 8,
           area[2 * GUEST_PAGE]);
    got = write(pfd[1], area + 3 * GUEST_PAGE, 4);
    wait_handled(7);
    char back[4] = {1, 1, 1, 1};
    ssize_t back_n = read(pfd[0], back, 4);
    printf("write(2) from page 3: %zd, %zd bytes back, zeros %d\n", got, back_n,
           !back[0] && !back[1] && !back[2] && !back[3]);
    stop = 1;
    pthread_join(t, NULL);

    /* UFFD_FEATURE_SIGBUS: no message, a SIGBUS at the access */
    int sb = new_uffd(UFFD_FEATURE_SIGBUS);
    char *b =
        mmap(NULL, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fprintf(stderr, "userfault: sigbus=%p\n", (void *)b);
    printf("register for SIGBUS: %s\n", err(reg(sb, b, 2 * GUEST_PAGE, NULL)));
    guest_trap_on(SIGBUS);
    guest_trap_reset();
    if (!sigsetjmp(guest_trap_env, 1))
        b[GUEST_PAGE + 10] = 1;
    printf("write: signal %d code %d at offset %ld\n", guest_trap_sig, guest_trap_code,
           (long)((char *)guest_trap_addr - b));
    close(sb); /* closing unregisters: the page faults in as usual */
    b[GUEST_PAGE + 10] = 1;
    printf("after close: %d\n", b[GUEST_PAGE + 10]);

    /* poll, epoll and select, blocking and not, before and after UFFDIO_API and F_SETFL */
    for (int nonblock = 0; nonblock < 2; nonblock++) {
        const char *kind = nonblock ? "non-blocking" : "blocking";
        char what[96];
        int pf = (int)syscall(NR_userfaultfd, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
        if (pf < 0)
            guest_die("userfaultfd");
        snprintf(what, sizeof(what), "%s, before UFFDIO_API", kind);
        show_polls(what, pf);
        struct uffdio_api a2 = {UFFD_API, 0, 0};
        if (ioctl(pf, UFFDIO_API, &a2))
            guest_die("UFFDIO_API");
        snprintf(what, sizeof(what), "%s, after UFFDIO_API", kind);
        show_polls(what, pf);
        fcntl(pf, F_SETFL, fcntl(pf, F_GETFL) ^ O_NONBLOCK);
        snprintf(what, sizeof(what), "%s, then O_NONBLOCK %s by F_SETFL", kind,
                 nonblock ? "cleared" : "set");
        show_polls(what, pf);
        close(pf);
    }
    return 0;
}
