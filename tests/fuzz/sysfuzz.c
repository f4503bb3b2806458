/*
 * sysfuzz.c - a syscall fuzzer guest for faultline (not a test: see tests/fuzz/README.md).
 *
 *   sysfuzz SEED [CALLS [WILD]]
 *
 * From SEED, makes CALLS (default 3000) raw syscalls with numbers in 0..460 and arguments
 * drawn from small integers, -1, huge values, pointers into a scratch buffer of random bytes
 * (aligned and not, some NUL-terminated names without '/' or '.', so paths are names in the
 * current directory), pointers to unmapped memory and into a read-only mapping, and the
 * guest's own fds. Memory calls (mmap, munmap, mprotect, mremap, madvise, brk, mlock, ...)
 * get ranges inside an arena at 16 TiB, or with WILD=1 now and then over the guest's own
 * mappings; between calls it touches random addresses (read, write, call) with handlers that
 * siglongjmp back. It skips only what would end the fuzzing or reach outside the guest: exit,
 * execve, clone and fork (a few plain forks whose child exits at once are made), rt_sigreturn,
 * seccomp, ARCH_SET_FS, reboot, and signals to other pids (kill and friends are aimed at
 * itself). Run it in an empty scratch directory. In the environment:
 *   FUZZ_VERBOSE=1  each call printed to fd 2 before it is made (to minimise a finding)
 *   FUZZ_MEM=PCT    PCT% of the calls are memory calls (default 20)
 *   FUZZ_THREADS=N  N more threads (up to 7) make calls of their own at the same time
 *   FUZZ_FORK=1     fork ten times as often, each child making 20 calls before it exits
 *   FUZZ_LINGER=1   at the end unmap the arena, print the maps, close every fd and sleep 3 s
 *                   (to count the host fds faultline still holds)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"

#define PAGE         4096UL
#define ARENA        ((uintptr_t)1 << 44)
#define ARENA_SIZE   ((uintptr_t)1 << 30)
#define SCRATCH_SIZE (64 * PAGE)

static unsigned char *scratch, *rodata;
static int fds[64], nfds;
static uintptr_t brk0;
static int wild, verbose, mem_pct = 20, fork_pct = 30;
static __thread sigjmp_buf touch_env, loop_env;
static __thread volatile sig_atomic_t loop_ready;
static __thread volatile sig_atomic_t in_touch;
static long calls;
static volatile unsigned long sigs_seen;
static int errfd = 2;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char b[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n > 0)
        (void)!write(errfd, b, n < (int)sizeof b ? n : (int)sizeof b - 1);
}

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    sigs_seen++;
    if (in_touch &&
        (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP)) {
        in_touch = 0;
        siglongjmp(touch_env, 1);
    }
    /* a fault in the fuzzer's own code (its buffer made PROT_NONE...): on to the next call */
    if (loop_ready && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE))
        siglongjmp(loop_env, 1);
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    for (int s = 1; s < 65; s++) {
        if (s == SIGKILL || s == SIGSTOP || s == 32 || s == 33)
            continue;
        sigaction(s, &sa, NULL);
    }
    /* glibc keeps 32 and 33 to itself: ignore them with the raw call */
    struct {
        void *h;
        unsigned long flags;
        void *restorer;
        unsigned long mask;
    } ign = {SIG_IGN, 0, NULL, 0};
    syscall(SYS_rt_sigaction, 32, &ign, NULL, 8);
    syscall(SYS_rt_sigaction, 33, &ign, NULL, 8);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void arm_timer(void)
{
    struct itimerval it = {{0, 20000}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void fill_random(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)rnd();
        if (c == '/' || c == '.')
            c = 'x';
        p[i] = c;
    }
    /* some short names: NUL-terminated strings of letters */
    for (int k = 0; k < 64; k++) {
        size_t at = below(n - 16);
        size_t len = 1 + below(8);
        for (size_t i = 0; i < len; i++)
            p[at + i] = "abcdefgh"[below(8)];
        p[at + len] = 0;
    }
}

static uint64_t pick_arg(void);

/* No '/' or '.' byte anywhere in the buffers: a path read from them stays in the directory. */
static int path_safe(uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        if ((v & 0xff) == '/' || (v & 0xff) == '.')
            return 0;
    return 1;
}

/* Half the words of the scratch buffer become argument-like values (pointers into it, fds,
 * small numbers), so the structures a call reads from it (iovecs, msghdrs, timespecs,
 * sigevents...) point somewhere and hold plausible sizes. */
static void fill_structured(unsigned char *p, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i += 8) {
        if (!chance(50))
            continue;
        uint64_t v = pick_arg();
        for (int k = 0; k < 8 && !path_safe(v); k++)
            v = pick_arg();
        if (path_safe(v))
            memcpy(p + i, &v, 8);
    }
}

static uint64_t pick_fd(void)
{
    if (nfds && chance(80))
        return (uint64_t)fds[below(nfds)];
    return below(20);
}

static uint64_t pick_ptr(void)
{
    switch (below(7)) {
    case 0:
        return (uint64_t)(uintptr_t)scratch + below(SCRATCH_SIZE / PAGE) * PAGE;
    case 1:
        return (uint64_t)(uintptr_t)scratch + below(SCRATCH_SIZE);
    case 2:
        return (uint64_t)(uintptr_t)scratch + SCRATCH_SIZE - below(64); /* near the end */
    case 3:
        return (uint64_t)(uintptr_t)rodata + below(PAGE);
    case 4:
        return ARENA + below(ARENA_SIZE / PAGE) * PAGE; /* arena, mapped or not */
    case 5:
        return (uint64_t)(uintptr_t)scratch - PAGE + below(PAGE); /* guard page */
    default: {
        static const uint64_t odd[] = {0,
                                       1,
                                       0xfff,
                                       0x1000,
                                       0x7ffffffff000,
                                       0x800000000000,
                                       0xffffffffff600000,
                                       0xffff800000000000,
                                       -1ULL,
                                       -4096ULL};
        return odd[below(sizeof odd / sizeof odd[0])];
    }
    }
}

static uint64_t pick_int(void)
{
    switch (below(8)) {
    case 0:
        return below(4);
    case 1:
        return below(64);
    case 2:
        return -1ULL;
    case 3:
        return 1ULL << below(64);
    case 4:
        return rnd();
    case 5:
        return (uint32_t)rnd();
    case 6:
        return (uint64_t)(int64_t) - (int64_t)below(200);
    default:
        return below(4097);
    }
}

static uint64_t pick_arg(void)
{
    switch (below(4)) {
    case 0:
        return pick_int();
    case 1:
        return pick_ptr();
    case 2:
        return pick_fd();
    default:
        return chance(50) ? pick_int() : pick_ptr();
    }
}

/* Address for a memory call: in the arena, or with WILD somewhere the guest has things. */
static uint64_t pick_maddr(void)
{
    if (wild && chance(3)) {
        extern char __executable_start[], etext[], end[];
        uint64_t sp = (uint64_t)(uintptr_t)&sp;
        switch (below(6)) {
        case 0:
            return (uint64_t)(uintptr_t)__executable_start + below(16) * PAGE;
        case 1:
            return ((uint64_t)(uintptr_t)etext & ~(PAGE - 1)) + below(8) * PAGE;
        case 2:
            return ((uint64_t)(uintptr_t)end & ~(PAGE - 1)) + below(8) * PAGE;
        case 3:
            return (sp & ~(PAGE - 1)) + below(64) * PAGE - 32 * PAGE;
        case 4:
            return (uint64_t)(uintptr_t)scratch + below(SCRATCH_SIZE / PAGE) * PAGE;
        default:
            return pick_ptr();
        }
    }
    if (chance(3)) { /* a wild one, but not a range over the guest's own mappings */
        uint64_t p = pick_ptr();
        if (p >= 0x800000000000 || (p >= ARENA && p < ARENA + 2 * ARENA_SIZE))
            return p;
    }
    uint64_t a = ARENA + below(256) * PAGE * (chance(30) ? 1024 : 1);
    if (chance(5))
        a += below(PAGE);
    return a;
}

static uint64_t pick_len(void)
{
    switch (below(6)) {
    case 0:
        return 0;
    case 1:
        return (1 + below(4)) * PAGE;
    case 2:
        return (1 + below(64)) * PAGE;
    case 3:
        return below(3 * PAGE);
    case 4:
        return (1 + below(4)) * PAGE * 512; /* huge-page sized */
    default: {
        static const uint64_t huge[] = {-1ULL, -4096ULL, 1ULL << 63, 1ULL << 47, 0x7ffffffff000};
        return chance(50) ? huge[below(5)] : (1 + below(256)) * PAGE * 64;
    }
    }
}

static uint64_t pick_prot(void)
{
    return chance(90) ? below(8) : pick_int();
}

static uint64_t pick_mflags(void)
{
    static const uint64_t bits[] = {MAP_SHARED,    MAP_PRIVATE,   MAP_FIXED,
                                    MAP_ANONYMOUS, MAP_GROWSDOWN, MAP_NORESERVE,
                                    MAP_POPULATE,  MAP_LOCKED,    MAP_FIXED_NOREPLACE,
                                    MAP_STACK,     MAP_HUGETLB,   0x03 /* VALIDATE */};
    uint64_t f = chance(50) ? MAP_PRIVATE : MAP_SHARED;
    if (chance(60))
        f |= MAP_ANONYMOUS;
    for (int i = 0; i < 2; i++)
        if (chance(40))
            f |= bits[below(sizeof bits / sizeof bits[0])];
    if (chance(5))
        f = pick_int();
    return f;
}

static int is_mem_call(long nr)
{
    switch (nr) {
    case SYS_mmap:
    case SYS_munmap:
    case SYS_mprotect:
    case SYS_mremap:
    case SYS_madvise:
    case SYS_brk:
    case SYS_mlock:
    case SYS_munlock:
    case SYS_mlock2:
    case SYS_msync:
    case SYS_mincore:
    case SYS_pkey_mprotect:
    case SYS_shmat:
    case SYS_shmdt:
    case SYS_mbind:
    case SYS_remap_file_pages:
    case SYS_mlockall:
    case SYS_munlockall:
    case 440 /* process_madvise */:
        return 1;
    }
    return 0;
}

static void mem_args(long nr, uint64_t a[6])
{
    a[0] = pick_maddr();
    a[1] = pick_len();
    switch (nr) {
    case SYS_mmap:
        if (chance(30))
            a[0] = chance(50) ? 0 : pick_arg(); /* a hint: harmless without MAP_FIXED */
        a[2] = pick_prot();
        a[3] = pick_mflags();
        if ((a[3] & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && !(wild && chance(3)))
            a[0] = pick_maddr() & (chance(90) ? ~(PAGE - 1) : ~0ULL);
        a[4] = (a[3] & MAP_ANONYMOUS) && chance(80) ? -1ULL : pick_fd();
        a[5] = chance(70) ? 0 : chance(70) ? below(16) * PAGE : pick_int();
        if (!wild && (a[3] & MAP_FIXED) && a[0] < ARENA)
            a[3] &= ~MAP_FIXED; /* never clobber the guest's own mappings */
        break;
    case SYS_mprotect:
    case SYS_pkey_mprotect:
        a[2] = pick_prot();
        a[3] = chance(80) ? 0 : pick_int();
        break;
    case SYS_mremap:
        a[2] = pick_len();
        a[3] = below(8); /* MAYMOVE, FIXED, DONTUNMAP */
        a[4] = pick_maddr() & ~(PAGE - 1);
        if (!wild && (a[3] & 2) && a[4] < ARENA)
            a[3] &= ~2UL;
        break;
    case SYS_madvise: {
        static const uint64_t adv[] = {0,  1,  2,  3,  4,  8,  9,  10,  11,  12,   13,
                                       14, 15, 16, 17, 18, 19, 20, 100, 101, -1ULL};
        a[2] = adv[below(sizeof adv / sizeof adv[0])];
        break;
    }
    case SYS_brk:
        a[0] = chance(20) ? pick_arg() : brk0 + below(64) * PAGE * (chance(20) ? 1024 : 1);
        if (!wild && a[0] < brk0 && a[0] != 0)
            a[0] = brk0;
        break;
    case SYS_msync:
        a[2] = chance(80) ? below(8) : pick_int();
        break;
    case SYS_mincore:
        a[2] = pick_ptr();
        break;
    case SYS_mlock2:
    case SYS_mlockall:
        a[2] = below(4);
        a[0] = chance(50) ? below(8) : a[0];
        break;
    case SYS_shmat:
        a[0] = pick_int();
        a[1] = pick_maddr();
        a[2] = chance(50) ? 0 : below(0x8000);
        if (!wild && (a[2] & 040000 /* SHM_REMAP */) && a[1] < ARENA)
            a[2] &= ~040000UL;
        break;
    case SYS_mbind:
        a[2] = below(5);
        a[3] = pick_ptr();
        a[4] = below(130);
        a[5] = below(8);
        break;
    case SYS_remap_file_pages:
        a[2] = 0;
        a[3] = below(16);
        a[4] = 0;
        break;
    case 440:
        a[0] = pick_fd();
        a[1] = pick_ptr();
        a[2] = below(4);
        a[3] = below(30);
        break;
    default:
        for (int i = 2; i < 6; i++)
            a[i] = pick_arg();
    }
    if (nr == SYS_mlockall)
        a[0] = below(8);
}

static int skip_call(long nr, uint64_t a[6])
{
    switch (nr) {
    case SYS_exit:
    case SYS_exit_group:
    case SYS_execve:
    case SYS_execveat:
    case SYS_fork:
    case SYS_vfork:
    case SYS_clone:
    case 435 /* clone3 */:
    case SYS_rt_sigreturn:
    case SYS_reboot:
    case SYS_seccomp:
    case SYS_kexec_load:
    case SYS_kexec_file_load:
    case SYS_settimeofday:
    case SYS_clock_settime:
    case SYS_clock_adjtime:
    case SYS_adjtimex:
    case SYS_mount:
    case SYS_umount2:
    case SYS_swapon:
    case SYS_swapoff:
    case SYS_sethostname:
    case SYS_setdomainname:
    case SYS_init_module:
    case SYS_finit_module:
    case SYS_delete_module:
    case SYS_iopl:
    case SYS_ioperm:
    case SYS_bpf:
    case SYS_acct:
    case SYS_pivot_root:
    case SYS_vhangup:
    case SYS_quotactl:
        return 1;
    case SYS_prctl:
        return a[0] == 22 /* PR_SET_SECCOMP */;
    case SYS_arch_prctl:
        return a[0] == 0x1002 /* ARCH_SET_FS */;
    }
    return 0;
}

static uint64_t fix_sig(uint64_t s)
{
    if ((int)s == SIGKILL || (int)s == SIGSTOP)
        return SIGUSR1;
    return s;
}

static void aim_at_self(long nr, uint64_t a[6])
{
    switch (nr) {
    case SYS_kill:
        a[0] = getpid();
        a[1] = fix_sig(a[1]);
        break;
    case SYS_tkill:
        a[0] = gettid();
        a[1] = fix_sig(a[1]);
        break;
    case SYS_tgkill:
        a[0] = getpid();
        a[1] = gettid();
        a[2] = fix_sig(a[2]);
        break;
    case SYS_rt_sigqueueinfo:
        a[0] = getpid();
        a[1] = fix_sig(a[1]);
        break;
    case SYS_rt_tgsigqueueinfo:
        a[0] = getpid();
        a[1] = gettid();
        a[2] = fix_sig(a[2]);
        break;
    case 424 /* pidfd_send_signal */:
        a[1] = fix_sig(a[1]);
        break;
    }
}

static void touch(void)
{
    uint64_t addr;
    int kind = (int)below(10);
    if (chance(60))
        addr = ARENA + below(256) * PAGE * (chance(30) ? 1024 : 1) + below(PAGE);
    else if (chance(50))
        addr = (uint64_t)(uintptr_t)scratch + below(SCRATCH_SIZE);
    else
        addr = pick_ptr();
    if (wild && chance(5))
        addr = pick_maddr() + below(PAGE);
    in_touch = 1;
    if (sigsetjmp(touch_env, 1) == 0) {
        volatile unsigned char *p = (volatile unsigned char *)(uintptr_t)addr;
        if (kind < 5) {
            (void)*p;
        } else if (kind < 9) {
            if (addr < (uint64_t)(uintptr_t)scratch - PAGE ||
                addr >= (uint64_t)(uintptr_t)scratch + SCRATCH_SIZE + PAGE || addr >= ARENA)
                if (addr < ARENA || addr >= ARENA + 2 * ARENA_SIZE)
                    goto out; /* writes stay in the arena and the scratch buffer */
            *p = 0xc3;
        } else {
            if (addr < ARENA || addr >= ARENA + 2 * ARENA_SIZE)
                goto out;
            if (*p == 0xc3)
                ((void (*)(void))(uintptr_t)addr)();
        }
    }
out:
    in_touch = 0;
}

static void make_fds(void)
{
    char name[16];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "f%d", i);
        int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            (void)!write(fd, scratch, (1 + below(5)) * PAGE + below(PAGE));
            fds[nfds++] = fd;
        }
    }
    int p[2];
    if (pipe2(p, O_NONBLOCK) == 0)
        fds[nfds++] = p[0], fds[nfds++] = p[1];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p) == 0)
        fds[nfds++] = p[0], fds[nfds++] = p[1];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, p) == 0)
        fds[nfds++] = p[0], fds[nfds++] = p[1];
    int fd;
    if ((fd = open(".", O_RDONLY | O_DIRECTORY)) >= 0)
        fds[nfds++] = fd;
    if ((fd = open("/dev/zero", O_RDWR)) >= 0)
        fds[nfds++] = fd;
    if ((fd = open("/proc/self/maps", O_RDONLY)) >= 0)
        fds[nfds++] = fd;
    if ((fd = open("/proc/self/mem", O_RDWR)) >= 0)
        fds[nfds++] = fd;
    if ((fd = (int)syscall(SYS_memfd_create, "fz", 0)) >= 0) {
        (void)!ftruncate(fd, 8 * PAGE);
        fds[nfds++] = fd;
    }
    if ((fd = (int)syscall(SYS_eventfd2, 0, O_NONBLOCK)) >= 0)
        fds[nfds++] = fd;
    if ((fd = (int)syscall(SYS_epoll_create1, 0)) >= 0)
        fds[nfds++] = fd;
    if ((fd = (int)syscall(SYS_timerfd_create, CLOCK_MONOTONIC, O_NONBLOCK)) >= 0)
        fds[nfds++] = fd;
    if ((fd = (int)syscall(SYS_inotify_init1, O_NONBLOCK)) >= 0)
        fds[nfds++] = fd;
    if ((fd = (int)syscall(434, getpid(), 0)) >= 0) /* pidfd_open */
        fds[nfds++] = fd;
    fds[nfds++] = -100; /* AT_FDCWD */
}

static void *fuzz_loop(void *arg);

/* A child that touches memory shared copy-on-write with its parent, with FUZZ_FORK also makes
 * a few calls of its own, and exits. */
static void small_fork(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        for (int i = 0; i < 8; i++)
            touch();
        if (getenv("FUZZ_FORK")) {
            arm_timer(); /* itimers are not inherited */
            calls = 20;
            fuzz_loop((void *)(uintptr_t)rnd());
        }
        _exit(0);
    }
    if (pid > 0) { /* a child stuck in a call gets 2 s, then SIGKILL (its own child) */
        int st;
        for (int k = 0; k < 200; k++) {
            if (waitpid(pid, &st, WNOHANG) == pid)
                return;
            usleep(10000);
        }
        kill(pid, SIGKILL);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
}

static void *fuzz_loop(void *arg);

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sysfuzz SEED [CALLS [WILD]]\n");
        return 2;
    }
    uint64_t seed = strtoull(argv[1], NULL, 0);
    calls = argc > 2 ? atol(argv[2]) : 3000;
    wild = argc > 3 ? atoi(argv[3]) : 0;
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (getenv("FUZZ_MEM")) /* percent of calls that are memory calls (default 20) */
        mem_pct = atoi(getenv("FUZZ_MEM"));
    if (getenv("FUZZ_FORK")) /* children make calls too, and there are more of them */
        fork_pct = 100;
    rng = seed * 0x9e3779b97f4a7c15ULL + 0x1234567;
    if (!rng)
        rng = 1;
    errfd = fcntl(2, F_DUPFD, 900);
    if (errfd < 0)
        errfd = 2;

    unsigned char *s = mmap(NULL, SCRATCH_SIZE + 2 * PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s == MAP_FAILED)
        return 100;
    munmap(s, PAGE);
    munmap(s + PAGE + SCRATCH_SIZE, PAGE);
    scratch = s + PAGE;
    fill_random(scratch, SCRATCH_SIZE);
    rodata = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rodata == MAP_FAILED)
        return 100;
    fill_random(rodata, PAGE);
    mprotect(rodata, PAGE, PROT_READ);
    make_fds();
    /* The arena starts with a few mappings to carve up. */
    for (int i = 0; i < 8; i++)
        mmap((void *)(ARENA + below(256) * PAGE), (1 + below(32)) * PAGE, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    fill_structured(scratch, SCRATCH_SIZE);
    brk0 = (uintptr_t)sbrk(0) + 16 * PAGE;
    install_handlers();
    arm_timer();
    int threads = getenv("FUZZ_THREADS") ? atoi(getenv("FUZZ_THREADS")) : 0;
    for (int t = 1; t <= threads && t < 8; t++) {
        pthread_t tid;
        pthread_create(&tid, NULL, fuzz_loop, (void *)(uintptr_t)(seed * 8 + t));
    }
    long made = (long)(uintptr_t)fuzz_loop((void *)(uintptr_t)(seed * 8));
    say("sysfuzz: seed %llu done: %ld calls made, %lu signals\n", (unsigned long long)seed, made,
        sigs_seen);
    if (getenv("FUZZ_LINGER")) { /* every fd closed, then a pause to count faultline's own */
        munmap((void *)ARENA, 2 * ARENA_SIZE);
        char buf[4096];
        int m = open("/proc/self/maps", O_RDONLY);
        ssize_t n;
        while (m >= 0 && (n = read(m, buf, sizeof buf)) > 0)
            (void)!write(errfd, buf, n);
        for (int fd = 0; fd < 4096; fd++)
            if (fd != errfd)
                close(fd);
        struct timespec ts = {3, 0};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
    }
    return 0;
}

/* One thread's calls: the main thread's, and FUZZ_THREADS more with streams of their own. */
static void *fuzz_loop(void *arg)
{
    static __thread long made, i; /* static: kept across a siglongjmp to loop_env */
    rng = (uint64_t)(uintptr_t)arg * 0x9e3779b97f4a7c15ULL + 0x1234567;
    if (!rng)
        rng = 1;
    for (i = 0; i < calls; i++) {
        uint64_t a[6];
        long nr;
        if (chance(1) && chance(fork_pct)) {
            small_fork();
            continue;
        }
        if (sigsetjmp(loop_env, 1)) {
            i++;
            continue;
        }
        loop_ready = 1;
        if (i % 256 == 255) { /* calls write into it: start afresh now and then */
            mmap(scratch, SCRATCH_SIZE, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            fill_random(scratch, SCRATCH_SIZE);
            fill_structured(scratch, SCRATCH_SIZE);
        }
        nr = (long)(chance(75) ? below(335) : below(461)); /* few calls above 334 exist */
        if (chance(mem_pct)) {                             /* a memory call */
            static const long mem[] = {SYS_mmap,    SYS_munmap,  SYS_mprotect, SYS_mremap,
                                       SYS_madvise, SYS_brk,     SYS_mlock,    SYS_munlock,
                                       SYS_msync,   SYS_mincore, SYS_mmap,     SYS_mmap};
            nr = mem[below(sizeof mem / sizeof mem[0])];
        }
        for (int k = 0; k < 6; k++)
            a[k] = pick_arg();
        if (is_mem_call(nr))
            mem_args(nr, a);
        if (skip_call(nr, a))
            continue;
        aim_at_self(nr, a);
        if (verbose)
            say("call %ld: %ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)\n", i, nr, (unsigned long)a[0],
                (unsigned long)a[1], (unsigned long)a[2], (unsigned long)a[3], (unsigned long)a[4],
                (unsigned long)a[5]);
        long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        made++;
        if (verbose)
            say("  = %ld (%d)\n", r, r < 0 ? errno : 0);
        if (r >= 0 && r < 1024 && nfds < 60 &&
            (nr == SYS_open || nr == SYS_openat || nr == SYS_dup || nr == SYS_socket ||
             nr == SYS_memfd_create || nr == SYS_eventfd2 || nr == SYS_epoll_create1))
            fds[nfds++] = (int)r;
        /* keep the fuzzer itself able to go on */
        if (nr == SYS_rt_sigaction || nr == SYS_rt_sigprocmask || nr == SYS_signalfd4 ||
            nr == SYS_sigaltstack || nr == SYS_rt_sigsuspend || nr == SYS_prctl)
            install_handlers();
        if (nr == SYS_alarm || nr == SYS_setitimer)
            arm_timer();
        if (nr == SYS_setrlimit || nr == SYS_prlimit64) {
            struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
            setrlimit(RLIMIT_CPU, &rl);
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        for (int t = (int)below(4); t > 0; t--)
            touch();
    }
    return (void *)(uintptr_t)made;
}
