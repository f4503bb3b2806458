/*
 * sig_handlers [abort]: signal delivery to guest handlers, compared with a native run.
 *
 * Each step prints one deterministic line (yes/no answers, never an address):
 *  guard-write / guard-read  a SIGSEGV handler (SA_SIGINFO) sees a store / load to a PROT_NONE
 *                page: si_addr is the exact byte, si_code SEGV_ACCERR, the ucontext reports
 *                trapno 14, cr2 = the address and the #PF error code; it mprotects the page and
 *                returns, and the access is retried and succeeds.
 *  sigbus        a load past the end of a mapped file: SIGBUS with BUS_ADRERR; the handler leaves
 *                with siglongjmp (the mask it blocked is restored by sigsetjmp's saved mask).
 *  raise         raise(SIGUSR1): si_code SI_TKILL, the signal blocked inside its handler and
 *                unblocked after; SA_RESETHAND resets the action; SA_NODEFER leaves it unblocked.
 *  kill          kill(getpid(), SIGUSR2): si_code SI_USER, si_pid = the sender.
 *  blocked       a blocked signal stays pending and arrives when sigprocmask unblocks it.
 *  altstack      SA_ONSTACK runs the handler on the sigaltstack.
 *  nested        a handler that raises another signal: both run, innermost first.
 *  fpu           the interrupted code's SSE registers survive a handler that uses SSE.
 * With "abort": abort() with a SIGABRT handler that returns: the handler runs, then the process
 * dies of SIGABRT (status 134), as glibc's and musl's abort guarantee. With "badstack": a signal
 * whose frame cannot be written (rsp on an unmapped page) kills with SIGSEGV (status 139).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>

#include "guest.h"

static volatile unsigned char *guard;
static volatile unsigned char *expected_addr;
static volatile int hits;
static volatile int ok_code, ok_addr, ok_ctx;
static long expected_err;

static void say(const char *s)
{
    write(1, s, strlen(s));
}

static void on_segv(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    hits++;
    ok_code = sig == SIGSEGV && si->si_code == SEGV_ACCERR;
    ok_addr = si->si_addr == (void *)expected_addr;
#ifdef REG_TRAPNO
    ok_ctx = uc->uc_mcontext.gregs[REG_TRAPNO] == 14 &&
             (unsigned long)uc->uc_mcontext.gregs[REG_CR2] == (unsigned long)expected_addr &&
             (uc->uc_mcontext.gregs[REG_ERR] & 7) == expected_err;
#else
    (void)uc;
    ok_ctx = 1;
#endif
    if (mprotect((void *)guard, GUEST_PAGE, PROT_READ | PROT_WRITE) != 0)
        _exit(101);
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0)
        guest_die("sigaction");
}

static void guard_test(int write_access)
{
    if (mprotect((void *)guard, GUEST_PAGE, PROT_NONE) != 0)
        guest_die("mprotect");
    hits = 0;
    expected_addr = guard + 0x123;
    expected_err = write_access ? 6 : 4; /* USER | WRITE, USER; not present */
    int v;
    if (write_access) {
        expected_addr[0] = 42;
        v = expected_addr[0];
    } else {
        v = expected_addr[0] + 1;
    }
    printf("guard-%s: hits=%d code=%s addr=%s ctx=%s value=%d\n", write_access ? "write" : "read",
           hits, ok_code ? "yes" : "no", ok_addr ? "yes" : "no", ok_ctx ? "yes" : "no", v);
}

static sigjmp_buf bus_jmp;
static volatile int bus_ok;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    bus_ok = sig == SIGBUS && si->si_code == BUS_ADRERR && si->si_addr == (void *)expected_addr;
    siglongjmp(bus_jmp, 1);
}

static void sigbus_test(void)
{
    char path[] = "/tmp/sig_handlers.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        guest_die("mkstemp");
    unlink(path);
    if (write(fd, "x", 1) != 1)
        guest_die("write");
    volatile unsigned char *m = mmap(NULL, 2 * GUEST_PAGE, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        guest_die("mmap");
    install(SIGBUS, on_bus, 0);
    expected_addr = m + GUEST_PAGE + 8;
    int got = 0;
    if (sigsetjmp(bus_jmp, 1) == 0)
        got = expected_addr[0];
    else
        got = -1;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("sigbus: first=%c after=%d ok=%s bus-unblocked=%s\n", m[0], got, bus_ok ? "yes" : "no",
           sigismember(&now, SIGBUS) ? "no" : "yes");
    munmap((void *)m, 2 * GUEST_PAGE);
    close(fd);
}

static volatile int usr1_hits, usr1_code_ok, usr1_blocked_inside;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    usr1_hits++;
    usr1_code_ok = sig == SIGUSR1 && si->si_code == SI_TKILL && si->si_pid == getpid();
    usr1_blocked_inside = sigismember(&now, SIGUSR1);
}

static void raise_test(void)
{
    install(SIGUSR1, on_usr1, SA_RESETHAND);
    raise(SIGUSR1);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    printf("raise: hits=%d code=%s blocked-inside=%s unblocked-after=%s reset=%s\n", usr1_hits,
           usr1_code_ok ? "yes" : "no", usr1_blocked_inside ? "yes" : "no",
           sigismember(&now, SIGUSR1) ? "no" : "yes", old.sa_handler == SIG_DFL ? "yes" : "no");
    install(SIGUSR1, on_usr1, SA_NODEFER);
    raise(SIGUSR1);
    printf("nodefer: hits=%d blocked-inside=%s\n", usr1_hits, usr1_blocked_inside ? "yes" : "no");
}

static volatile int usr2_ok;

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    usr2_ok = sig == SIGUSR2 && si->si_code == SI_USER && si->si_pid == getpid() &&
              si->si_uid == getuid();
}

static void kill_test(void)
{
    install(SIGUSR2, on_usr2, 0);
    kill(getpid(), SIGUSR2);
    printf("kill: ok=%s\n", usr2_ok ? "yes" : "no");
    usr2_ok = 0;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    kill(getpid(), SIGUSR2);
    int before = usr2_ok;
    sigset_t pend;
    sigpending(&pend);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("blocked: before=%d pending=%s after=%d\n", before,
           sigismember(&pend, SIGUSR2) ? "yes" : "no", usr2_ok);
}

static char altstack[64 * 1024];
static volatile int on_alt;

static void on_alt_sig(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    char here;
    on_alt = &here >= altstack && &here < altstack + sizeof(altstack);
}

static void altstack_test(void)
{
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        guest_die("sigaltstack");
    install(SIGWINCH, on_alt_sig, SA_ONSTACK);
    raise(SIGWINCH);
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("altstack: on-alt=%s flags-after=%d\n", on_alt ? "yes" : "no", cur.ss_flags);
}

static char order[8];
static volatile int norder;

static void on_inner(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    order[norder++] = 'i';
}

static void on_outer(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    order[norder++] = 'o';
    raise(SIGHUP);
    order[norder++] = 'O';
}

static void nested_test(void)
{
    install(SIGHUP, on_inner, 0);
    install(SIGINT, on_outer, 0);
    raise(SIGINT);
    order[norder] = 0;
    printf("nested: order=%s\n", order);
}

static volatile double sink;

static void on_fpu(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    /* clobber the vector registers the interrupted code may hold values in */
    volatile double a = 1e300, b = -3.5;
    __asm__ volatile("xorpd %%xmm0, %%xmm0\n\txorpd %%xmm1, %%xmm1\n\txorpd %%xmm8, %%xmm8" ::
                         : "xmm0", "xmm1", "xmm8");
    sink = a * b;
}

static void fpu_test(void)
{
    install(SIGALRM, on_fpu, 0);
    double x = 1.25, y = 0;
    __asm__ volatile("movsd %1, %%xmm8\n\t"
                     "mov $234, %%eax\n\t" /* tgkill(getpid(), gettid(), SIGALRM) */
                     "syscall\n\t"
                     "movsd %%xmm8, %0"
                     : "=x"(y)
                     : "x"(x), "D"((long)getpid()), "S"((long)gettid()), "d"((long)SIGALRM)
                     : "rax", "rcx", "r11", "xmm8", "memory");
    printf("fpu: xmm8 kept=%s\n", y == x ? "yes" : "no");
}

static void on_abrt(int sig)
{
    (void)sig;
    say("abort handler ran\n");
}

/* With the stack pointer on an unmapped page the kernel cannot write the signal frame: it
 * forces SIGSEGV (signal_setup_done -> force_sigsegv), and the process dies of it (139). */
static void badstack_test(void)
{
    install(SIGUSR1, on_usr1, 0);
    say("raising SIGUSR1 with an unusable stack\n");
    long pid = getpid();
    __asm__ volatile("mov %%rsp, %%r12\n\t"
                     "mov $0x10000, %%rsp\n\t" /* below every mapping */
                     "mov $234, %%eax\n\t"     /* tgkill(pid, pid, SIGUSR1) */
                     "syscall\n\t"
                     "mov %%r12, %%rsp"
                     :
                     : "D"(pid), "S"(pid), "d"((long)SIGUSR1)
                     : "rax", "rcx", "r11", "r12", "memory");
    say("survived: wrong\n");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "badstack") == 0)
        badstack_test();
    if (argc > 1 && strcmp(argv[1], "abort") == 0) {
        signal(SIGABRT, on_abrt);
        say("calling abort\n");
        abort();
    }
    guard = guest_map(0x230000000UL, GUEST_PAGE, PROT_READ | PROT_WRITE);
    guest_note("sig_handlers", "guard", (void *)guard);
    install(SIGSEGV, on_segv, 0);
    guard_test(1);
    guard_test(0);
    sigbus_test();
    raise_test();
    kill_test();
    altstack_test();
    nested_test();
    fpu_test();
    say("done\n");
    return 0;
}
