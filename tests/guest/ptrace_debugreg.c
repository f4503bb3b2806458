/*
 * ptrace_debugreg: the x86 debug registers through PTRACE_PEEKUSER / PTRACE_POKEUSER (what gdb's
 * `watch`, `rwatch`, `awatch` and `hbreak` use), a parent tracing its forked child. One line per
 * fact, the same natively and under faultline (no pids; code addresses as offsets into the
 * child's functions):
 *   refusals   DR4 and DR5 (EIO); DR0 above the user half; DR7 enabling an I/O breakpoint
 *              (RW 10), an instruction breakpoint longer than one byte, a watchpoint on an
 *              address not aligned to its length (EINVAL), and DR7 unchanged after them
 *   readback   DR0-DR3 and DR7 read back as written (reserved bits of DR7 dropped)
 *   write      a 4-byte write watchpoint: SIGTRAP (TRAP_HWBKPT) after each store to it, also
 *              one that stores the same value; si_addr and rip the next instruction; DR6 says
 *              which; a store next to it, reads of it and a read(2) into it (ptrace's
 *              breakpoints exclude the kernel's accesses) do not trap
 *   access     an 8-byte read/write watchpoint on another variable: a load traps
 *   insn       an instruction breakpoint on a function: the trap comes before its first
 *              instruction, and the child continues from there without trapping again
 *   zero page  an access watchpoint on a page that only the zero page backs: a load from
 *              another such page, the same frame, does not trap; a load from it does
 *   step       PTRACE_SINGLESTEP: DR6 says single step (BS) and no breakpoint
 *   fork       a child forked by the tracee starts with no debug registers
 *   disarm     DR7 = 0: the child runs to its end without trapping
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "guest.h"

#define DR_OFFSET(n) (offsetof(struct user, u_debugreg) + (n) * sizeof(long))

volatile int watched;   /* DR0: write watchpoint, 4 bytes */
volatile int neighbour; /* the int after it: stores to it must not trap */
volatile long accessed; /* DR2: read/write watchpoint, 8 bytes */

__attribute__((noinline)) void store_twice(void)
{
    watched = 1;
    neighbour = 7;
    watched = 1; /* the same value: the store still traps */
    (void)watched;
}

__attribute__((noinline)) long load_it(void)
{
    return accessed + 1;
}

volatile int hw_calls;           /* a side effect: the call stays where it is written */
#define ZERO_PAGES 0x5a0000000UL /* two pages read, never written: both map the zero page */
static volatile unsigned char *zp;

__attribute__((noinline)) int hw_target(int v)
{
    hw_calls++;
    return v * 3;
}

__attribute__((noinline)) int read_zero_pages(void)
{
    int other = zp[GUEST_PAGE + 64];
    return other + zp[64];
}

static void child(void)
{
    zp = guest_map(ZERO_PAGES, 2 * GUEST_PAGE, PROT_READ | PROT_WRITE);
    if (zp != (unsigned char *)ZERO_PAGES || zp[64] + zp[GUEST_PAGE + 64])
        _exit(92);
    if (ptrace(PTRACE_TRACEME, 0, 0, 0))
        _exit(90);
    raise(SIGSTOP);
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0 || read(fd, (void *)&watched, sizeof(watched)) != sizeof(watched))
        _exit(93);
    close(fd);
    store_twice();
    long r = load_it();
    int t = hw_target((int)r);
    read_zero_pages();
    pid_t g = fork(); /* the tracer looks at its registers (PTRACE_O_TRACEFORK) */
    if (g == 0)
        _exit(0);
    guest_reap(g);
    raise(SIGSTOP); /* the tracer clears DR7 here */
    watched = 5;    /* must not trap any more */
    _exit(t == 3 * (int)r ? 0 : 91);
}

static int wait_stop(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, __WALL) != pid)
        guest_die("waitpid");
    return st;
}

static long peek_dr(pid_t pid, int n)
{
    errno = 0;
    long v = ptrace(PTRACE_PEEKUSER, pid, (void *)DR_OFFSET(n), 0);
    return errno ? -errno : v;
}

static const char *poke_dr(pid_t pid, int n, unsigned long v)
{
    return ptrace(PTRACE_POKEUSER, pid, (void *)DR_OFFSET(n), (void *)v) ? guest_errno_name(errno)
                                                                         : "ok";
}

/* Where rip is: an offset into one of the child's functions, or "elsewhere". */
static void describe(uint64_t ip, char *buf, size_t n)
{
    const struct {
        const char *name;
        uint64_t at;
    } f[] = {{"store_twice", (uint64_t)store_twice},
             {"load_it", (uint64_t)load_it},
             {"hw_target", (uint64_t)hw_target},
             {"read_zero_pages", (uint64_t)read_zero_pages}};
    int best = -1; /* the function that starts last at or before ip */
    for (int i = 0; i < (int)(sizeof(f) / sizeof(f[0])); i++)
        if (ip >= f[i].at && ip < f[i].at + 64 && (best < 0 || f[i].at > f[best].at))
            best = i;
    if (best < 0)
        snprintf(buf, n, "elsewhere");
    else
        snprintf(buf, n, "%s+%llu", f[best].name, (unsigned long long)(ip - f[best].at));
}

/* One SIGTRAP stop: how it was reported; DR6 is then cleared, as gdb does. */
static void report_trap(pid_t pid, const char *what)
{
    siginfo_t si;
    struct user_regs_struct regs;
    ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
    ptrace(PTRACE_GETREGS, pid, 0, &regs);
    char where[64];
    describe(regs.rip, where, sizeof(where));
    printf("%s: si_code %d, si_addr is rip %s, at %s, dr6 %#lx\n", what, si.si_code,
           (uint64_t)si.si_addr == regs.rip ? "yes" : "no", where, peek_dr(pid, 6));
    poke_dr(pid, 6, 0);
}

/* Continue to the next stop; 0 when it is a SIGTRAP, the wait status otherwise. */
static int cont_to_trap(pid_t pid, int sig)
{
    ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig);
    int st = wait_stop(pid);
    return WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP ? 0 : st;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    pid_t pid = fork();
    if (pid == 0)
        child();
    int st = wait_stop(pid);
    if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
        guest_die("first stop");
    ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(long)PTRACE_O_TRACEFORK);

    /* one request per statement: the order of a call's arguments is unspecified */
    const char *dr4 = poke_dr(pid, 4, 0), *dr5 = poke_dr(pid, 5, 0);
    const char *kern = poke_dr(pid, 0, 0xffff888000000000UL);
    printf("refusals: DR4 %s, DR5 %s, DR0 kernel address %s\n", dr4, dr5, kern);
    poke_dr(pid, 0, (unsigned long)&watched);
    const char *io = poke_dr(pid, 7, 0x1 | (2UL << 16));
    const char *x4 = poke_dr(pid, 7, 0x1 | (0UL << 16) | (3UL << 18));
    poke_dr(pid, 0, (unsigned long)&watched + 1);
    const char *mis = poke_dr(pid, 7, 0x1 | (1UL << 16) | (3UL << 18));
    printf("refusals: DR7 I/O %s, DR7 4-byte instruction %s, DR7 misaligned %s, DR7 now %#lx\n", io,
           x4, mis, peek_dr(pid, 7));

    /* DR0: write, 4 bytes; DR1 and DR2: read/write, 8 bytes; DR3: instruction; LE and a
     * reserved bit */
    unsigned long dr7 = 0x1 | (1UL << 16) | (3UL << 18) | 0x4 | (3UL << 20) | (2UL << 22) | 0x10 |
                        (3UL << 24) | (2UL << 26) | 0x40 | 0x100 | 0x400;
    const char *d0 = poke_dr(pid, 0, (unsigned long)&watched);
    poke_dr(pid, 1, ZERO_PAGES + 64);
    const char *d2 = poke_dr(pid, 2, (unsigned long)&accessed);
    const char *d3 = poke_dr(pid, 3, (unsigned long)hw_target);
    const char *d7 = poke_dr(pid, 7, dr7);
    printf("arm: DR0 %s, DR2 %s, DR3 %s, DR7 %s\n", d0, d2, d3, d7);
    printf("readback: DR0 %s, DR1 %#lx, DR2 %s, DR3 %s, DR7 %#lx\n",
           peek_dr(pid, 0) == (long)&watched ? "ok" : "wrong", peek_dr(pid, 1) - ZERO_PAGES,
           peek_dr(pid, 2) == (long)&accessed ? "ok" : "wrong",
           peek_dr(pid, 3) == (long)hw_target ? "ok" : "wrong", peek_dr(pid, 7));

    const char *names[] = {"write", "write again", "access", "insn", "zero page"};
    for (int i = 0; i < 5; i++) {
        if ((st = cont_to_trap(pid, 0))) {
            printf("%s: no trap, status %#x\n", names[i], st);
            return 1;
        }
        report_trap(pid, names[i]);
    }
    /* the fork: its event stop, then the new child's own first stop */
    ptrace(PTRACE_CONT, pid, 0, 0);
    st = wait_stop(pid);
    printf("fork event: %s\n", st >> 8 == (SIGTRAP | (PTRACE_EVENT_FORK << 8)) ? "yes" : "no");
    unsigned long g;
    ptrace(PTRACE_GETEVENTMSG, pid, 0, &g);
    wait_stop((pid_t)g);
    printf("fork: the new child's DR0 %#lx, DR7 %#lx\n", peek_dr((pid_t)g, 0),
           peek_dr((pid_t)g, 7));
    ptrace(PTRACE_DETACH, (pid_t)g, 0, 0);

    /* on to the child's second SIGSTOP, passing on its SIGCHLD */
    int sig = 0;
    for (;;) {
        ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig);
        st = wait_stop(pid);
        if (!WIFSTOPPED(st)) {
            printf("the child ended early, status %#x\n", st);
            return 1;
        }
        if (WSTOPSIG(st) == SIGSTOP)
            break;
        if (WSTOPSIG(st) == SIGTRAP)
            report_trap(pid, "unexpected");
        sig = WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st);
    }
    ptrace(PTRACE_SINGLESTEP, pid, 0, 0);
    st = wait_stop(pid);
    if (WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP)
        report_trap(pid, "step");
    else
        printf("step: status %#x\n", st);
    printf("disarm: DR7 %s\n", poke_dr(pid, 7, 0));
    ptrace(PTRACE_CONT, pid, 0, 0);
    st = wait_stop(pid);
    printf("end: %s %d\n", WIFEXITED(st) ? "exit" : "status", WIFEXITED(st) ? WEXITSTATUS(st) : st);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
