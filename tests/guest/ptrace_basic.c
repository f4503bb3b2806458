/*
 * ptrace_basic: a parent tracing its forked child (PTRACE_TRACEME, then the child stops itself
 * with raise(SIGSTOP)), as kernel/ptrace.c and the ptrace stops of kernel/signal.c do it. One
 * line per fact, the same natively and under faultline (no pids, no addresses):
 *   syscalls   PTRACE_SYSCALL with PTRACE_O_TRACESYSGOOD: the entry and exit stops of getpid,
 *              write, getppid and exit_group, in order (other calls of the libc are not
 *              printed); getppid's result changed to 4242 with SETREGS at its exit stop, and
 *              the child sees 4242; PEEKUSER of orig_rax agrees with GETREGS
 *   regs       SETREGS refusals (EIO): a kernel cs, a null ss, fs_base above the user half;
 *              the registers are unchanged after them
 *   memory     PEEKDATA and POKEDATA of a variable of the child (which it then checks);
 *              PEEKDATA of an unmapped address: EIO
 *   signals    signal-delivery stops: a SIGUSR1 passed to its handler, a second one
 *              suppressed, a SIGUSR2 turned into SIGUSR1 by the tracer; GETSIGINFO of them
 *   restart    a signal sent while the tracee is in pause(): the exit stop says
 *              -ERESTARTNOHAND, then the signal-delivery stop; an ignored signal lets pause
 *              go on (a new entry stop), a handled one ends it with EINTR after the handler;
 *              the same for sigsuspend, whose mask is the caller's again afterwards
 *   fork       PTRACE_O_TRACEFORK: the PTRACE_EVENT_FORK stop, GETEVENTMSG names the new
 *              child, which starts traced in a SIGSTOP stop; its exit is reported to the
 *              tracer, and then to its own parent
 *   breakpoint an int3 written with POKETEXT into the child's read-only text traps (SIGTRAP,
 *              rip past it); taken out again, PTRACE_SINGLESTEP traps after each instruction
 *              (TRAP_TRACE, TF hidden from the tracer) until the function returns; the
 *              tracer's own text is untouched
 *   procmem    /proc/self/mem read and written at offsets (pread, pwrite, read after lseek;
 *              an unmapped address: EIO), a tracee's read-only text rewritten through
 *              /proc/PID/mem (its copy only)
 *   fpregs     GETFPREGS shows the FPU's start-up control words; SETFPREGS changes them for
 *              the child
 *   exitkill   a tracer that exits with PTRACE_O_EXITKILL set: its stopped tracee is killed
 *   badrip     SETREGS with a non-canonical rip: the tracee gets SIGSEGV (a signal-delivery
 *              stop first) and dies of it
 *   errors     requests on a process that is not the caller's tracee: ESRCH; a second
 *              PTRACE_TRACEME: EPERM
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

#include "guest.h"

#ifndef PTRACE_O_EXITKILL
#define PTRACE_O_EXITKILL 0x100000
#endif

static volatile long magic = 0x1122334455667788L;
static volatile int usr1_count;

static void on_usr1(int sig)
{
    (void)sig;
    usr1_count++;
}

/* wait for pid with __WALL; exit 100 on failure */
static int wait_for(pid_t pid)
{
    int st;
    if (waitpid(pid, &st, __WALL) != pid)
        guest_die("waitpid");
    return st;
}

static void describe(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %d\n", what, WTERMSIG(st));
    else if (WIFSTOPPED(st))
        printf("%s: stopped sig %#x event %d\n", what, WSTOPSIG(st), st >> 16);
    else
        printf("%s: status %#x\n", what, st);
}

/* fork a child that asks to be traced and stops itself; the parent sees the SIGSTOP stop */
static pid_t traced_child(void (*body)(void))
{
    pid_t pid = fork();
    if (pid < 0)
        guest_die("fork");
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
            _exit(101);
        raise(SIGSTOP);
        body();
        _exit(0);
    }
    int st = wait_for(pid);
    if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP) {
        describe("unexpected", st);
        exit(1);
    }
    return pid;
}

/* ---- syscalls, regs, memory ------------------------------------------------------------- */

static void syscalls_body(void)
{
    syscall(SYS_getpid);
    syscall(SYS_write, -1, "x", 1);
    long r = syscall(SYS_getppid);
    /* the tracer poked magic while we were stopped at getpid's entry */
    _exit((r == 4242 ? 0 : 1) | (magic == 0x55aa ? 0 : 2));
}

static int interesting(long nr)
{
    return nr == SYS_getpid || nr == SYS_write || nr == SYS_getppid || nr == SYS_exit_group;
}

static void test_syscalls(void)
{
    pid_t pid = traced_child(syscalls_body);
    if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD) != 0)
        guest_die("PTRACE_SETOPTIONS");
    int entering = 1, poked = 0, st;
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, pid, 0, 0) != 0)
            guest_die("PTRACE_SYSCALL");
        st = wait_for(pid);
        if (!WIFSTOPPED(st))
            break;
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
            describe("syscalls: other stop", st);
            continue;
        }
        struct user_regs_struct regs;
        if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0)
            guest_die("PTRACE_GETREGS");
        long nr = (long)regs.orig_rax;
        errno = 0;
        long peek = ptrace(PTRACE_PEEKUSER, pid, offsetof(struct user_regs_struct, orig_rax), 0);
        if (peek != nr || errno)
            printf("syscalls: PEEKUSER orig_rax disagrees\n");
        if (interesting(nr)) {
            if (entering)
                printf("syscalls: enter %ld rax=%lld\n", nr, (long long)regs.rax);
            else
                printf("syscalls: exit %ld%s\n", nr, nr == SYS_write ? " (EBADF)" : "");
        }
        if (entering && nr == SYS_getpid && !poked) {
            poked = 1;
            errno = 0;
            long v = ptrace(PTRACE_PEEKDATA, pid, (void *)&magic, 0);
            printf("memory: peek %#lx errno %d\n", v, errno);
            if (ptrace(PTRACE_POKEDATA, pid, (void *)&magic, (void *)0x55aaL) != 0)
                guest_die("PTRACE_POKEDATA");
            errno = 0;
            v = ptrace(PTRACE_PEEKDATA, pid, (void *)16, 0);
            printf("memory: peek of an unmapped address: %ld %s\n", v, guest_errno_name(errno));
            printf("memory: own copy still %#lx\n", (long)magic);
            /* refused register writes change nothing */
            struct user_regs_struct bad = regs;
            bad.cs = 0x10;
            printf("regs: kernel cs: %s\n",
                   ptrace(PTRACE_SETREGS, pid, 0, &bad) ? guest_errno_name(errno) : "accepted");
            bad = regs;
            bad.ss = 0;
            printf("regs: null ss: %s\n",
                   ptrace(PTRACE_SETREGS, pid, 0, &bad) ? guest_errno_name(errno) : "accepted");
            bad = regs;
            bad.fs_base = 0x8000000000000000ULL;
            printf("regs: kernel fs_base: %s\n",
                   ptrace(PTRACE_SETREGS, pid, 0, &bad) ? guest_errno_name(errno) : "accepted");
            struct user_regs_struct again;
            ptrace(PTRACE_GETREGS, pid, 0, &again);
            printf("regs: unchanged: %s\n", again.rip == regs.rip &&
                                                    again.fs_base == regs.fs_base &&
                                                    again.cs == regs.cs && again.ss == regs.ss
                                                ? "yes"
                                                : "no");
        }
        if (!entering && nr == SYS_getppid) {
            regs.rax = 4242;
            if (ptrace(PTRACE_SETREGS, pid, 0, &regs) != 0)
                guest_die("PTRACE_SETREGS");
        }
        entering = !entering;
    }
    describe("syscalls: child", st);
}

/* ---- signals -------------------------------------------------------------------------- */

static void signals_body(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1); /* passed on: the handler runs */
    raise(SIGUSR1); /* suppressed */
    raise(SIGUSR2); /* turned into SIGUSR1 */
    _exit(usr1_count);
}

static void test_signals(void)
{
    pid_t pid = traced_child(signals_body);
    int n = 0, st;
    int sig = 0;
    for (;;) {
        if (ptrace(PTRACE_CONT, pid, 0, sig) != 0)
            guest_die("PTRACE_CONT");
        st = wait_for(pid);
        if (!WIFSTOPPED(st))
            break;
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) != 0)
            guest_die("PTRACE_GETSIGINFO");
        printf("signals: stop %d, siginfo signo %d code %d\n", WSTOPSIG(st), si.si_signo,
               si.si_code);
        n++;
        sig = n == 1 ? SIGUSR1 : n == 2 ? 0 : n == 3 ? SIGUSR1 : WSTOPSIG(st);
    }
    describe("signals: child (handler runs)", st);
}

/* ---- restart ---------------------------------------------------------------------------- */

static void restart_setup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART; /* pause ends with EINTR all the same (ERESTARTNOHAND) */
    sigaction(SIGUSR1, &sa, NULL);
}

static void restart_body(void)
{
    restart_setup();
    int r = pause();
    _exit(r == -1 && errno == EINTR && usr1_count == 1 ? 0 : 1);
}

/* the same with sigsuspend, whose mask (SIGUSR2 blocked) lasts while it waits only */
static void sigsuspend_body(void)
{
    restart_setup();
    sigset_t during, after;
    sigemptyset(&during);
    sigaddset(&during, SIGUSR2);
    int r = sigsuspend(&during);
    sigprocmask(SIG_BLOCK, NULL, &after);
    _exit(r == -1 && errno == EINTR && usr1_count == 1 && !sigismember(&after, SIGUSR2) ? 0 : 1);
}

static void test_restart(long sysno, void (*body)(void))
{
    pid_t pid = traced_child(body);
    if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD) != 0)
        guest_die("PTRACE_SETOPTIONS");
    int entering = 1, pauses = 0, sig = 0, st;
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, pid, 0, sig) != 0)
            guest_die("PTRACE_SYSCALL");
        sig = 0;
        st = wait_for(pid);
        if (!WIFSTOPPED(st))
            break;
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
            printf("restart: signal stop %d\n", WSTOPSIG(st));
            sig = WSTOPSIG(st);
            continue;
        }
        struct user_regs_struct regs;
        if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0)
            guest_die("PTRACE_GETREGS");
        long nr = (long)regs.orig_rax;
        if (nr == sysno || nr == SYS_rt_sigreturn || nr == SYS_exit_group) {
            if (entering)
                printf("restart: enter %ld\n", nr);
            else
                printf("restart: exit %ld = %lld\n", nr, (long long)regs.rax);
        }
        /* at pause's entry: an ignored signal the first time (pause goes on), a handled one
         * the second time (pause ends with EINTR) */
        if (entering && nr == sysno)
            kill(pid, ++pauses == 1 ? SIGWINCH : SIGUSR1);
        entering = !entering;
    }
    describe("restart: child", st);
}

/* ---- fork ----------------------------------------------------------------------------- */

static void fork_body(void)
{
    pid_t g = fork();
    if (g == 0)
        _exit(9);
    int st;
    if (waitpid(g, &st, 0) != g)
        _exit(50);
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) + 10 : 51);
}

static void test_fork(void)
{
    pid_t pid = traced_child(fork_body);
    if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEFORK) != 0)
        guest_die("PTRACE_SETOPTIONS");
    if (ptrace(PTRACE_CONT, pid, 0, 0) != 0)
        guest_die("PTRACE_CONT");
    int st = wait_for(pid);
    describe("fork: parent", st);
    unsigned long msg = 0;
    if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg) != 0)
        guest_die("PTRACE_GETEVENTMSG");
    pid_t g = (pid_t)msg;
    printf("fork: event message names a new process: %s\n", g > 0 && g != pid ? "yes" : "no");
    st = wait_for(g);
    describe("fork: new child", st);
    if (ptrace(PTRACE_CONT, g, 0, 0) != 0)
        guest_die("PTRACE_CONT new child");
    st = wait_for(g);
    describe("fork: new child, to the tracer", st);
    if (ptrace(PTRACE_CONT, pid, 0, 0) != 0)
        guest_die("PTRACE_CONT parent");
    for (;;) {
        st = wait_for(pid);
        if (!WIFSTOPPED(st))
            break;
        describe("fork: parent", st); /* its SIGCHLD */
        ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(st));
    }
    describe("fork: parent, which waited for it", st);
}

/* ---- breakpoint, singlestep ------------------------------------------------------------- */

__attribute__((noinline)) int breakpoint_target(int v)
{
    return v * 3 + 1;
}

static void breakpoint_body(void)
{
    int r = breakpoint_target(4);
    r += breakpoint_target(5);
    _exit(r);
}

static void test_breakpoint(void)
{
    pid_t pid = traced_child(breakpoint_body);
    uintptr_t at = (uintptr_t)breakpoint_target;
    errno = 0;
    long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)at, 0);
    if (errno)
        guest_die("PTRACE_PEEKTEXT");
    /* an int3 into the read-only text (FOLL_FORCE): the tracee's copy only */
    printf("breakpoint: POKETEXT: %s\n",
           ptrace(PTRACE_POKETEXT, pid, (void *)at, (void *)((word & ~0xffL) | 0xcc))
               ? guest_errno_name(errno)
               : "ok");
    if (ptrace(PTRACE_CONT, pid, 0, 0) != 0)
        guest_die("PTRACE_CONT");
    int st = wait_for(pid);
    describe("breakpoint", st);
    struct user_regs_struct regs;
    siginfo_t si;
    ptrace(PTRACE_GETREGS, pid, 0, &regs);
    ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
    printf("breakpoint: rip past the int3: %s, si_code %d\n", regs.rip == at + 1 ? "yes" : "no",
           si.si_code);
    /* take it out, go back to it, step one instruction */
    ptrace(PTRACE_POKETEXT, pid, (void *)at, (void *)word);
    regs.rip = at;
    ptrace(PTRACE_SETREGS, pid, 0, &regs);
    int steps = 0;
    for (; steps < 50; steps++) {
        if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) != 0)
            guest_die("PTRACE_SINGLESTEP");
        st = wait_for(pid);
        if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTRAP)
            break;
        ptrace(PTRACE_GETREGS, pid, 0, &regs);
        ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
        if (steps == 0)
            printf("singlestep: SIGTRAP code %d, TF shown %d\n", si.si_code,
                   (int)!!(regs.eflags & 0x100));
        if (regs.rip < at || regs.rip >= at + 64)
            break; /* returned from it */
    }
    printf("singlestep: left breakpoint_target after a few steps: %s\n",
           steps > 0 && steps < 50 ? "yes" : "no");
    if (ptrace(PTRACE_CONT, pid, 0, 0) != 0)
        guest_die("PTRACE_CONT");
    describe("breakpoint: child (29 unless the int3 stayed)", wait_for(pid));
    printf("breakpoint: own text intact: %d\n", breakpoint_target(1));
}

/* ---- /proc/PID/mem ---------------------------------------------------------------------- */

static void procmem_body(void)
{
    _exit(breakpoint_target(1) == 42 ? 0 : 1);
}

static void test_procmem(void)
{
    int fd = open("/proc/self/mem", O_RDWR);
    if (fd < 0)
        guest_die("open /proc/self/mem");
    long v = 0, nv = 0x5678;
    ssize_t r = pread(fd, &v, sizeof(v), (off_t)(uintptr_t)&magic);
    printf("procmem: own pread %zd, value %#lx\n", r, v);
    r = pwrite(fd, &nv, sizeof(nv), (off_t)(uintptr_t)&magic);
    printf("procmem: own pwrite %zd, value now %#lx\n", r, (long)magic);
    unsigned char c;
    errno = 0;
    r = pread(fd, &c, 1, 16);
    printf("procmem: unmapped address: %zd %s\n", r, guest_errno_name(errno));
    lseek(fd, (off_t)(uintptr_t)&magic, SEEK_SET);
    r = read(fd, &v, sizeof(v));
    printf("procmem: read at the offset %zd, value %#lx, offset moved: %s\n", r, v,
           lseek(fd, 0, SEEK_CUR) == (off_t)(uintptr_t)&magic + 8 ? "yes" : "no");
    close(fd);
    /* a tracee's read-only text, rewritten through its mem file: mov $42, %eax; ret */
    pid_t pid = traced_child(procmem_body);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
    fd = open(path, O_RDWR);
    if (fd < 0)
        guest_die("open /proc/PID/mem");
    static const unsigned char patch[6] = {0xb8, 0x2a, 0, 0, 0, 0xc3};
    r = pwrite(fd, patch, sizeof(patch), (off_t)(uintptr_t)breakpoint_target);
    printf("procmem: tracee text pwrite %zd\n", r);
    close(fd);
    if (ptrace(PTRACE_CONT, pid, 0, 0) != 0)
        guest_die("PTRACE_CONT");
    describe("procmem: child (0: it ran the patched code)", wait_for(pid));
    printf("procmem: own text intact: %d\n", breakpoint_target(1));
}

/* ---- fpregs --------------------------------------------------------------------------- */

static void fpregs_body(void)
{
    unsigned short cw;
    unsigned mxcsr;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    _exit((cw == 0x27f ? 0 : 1) | (mxcsr == 0x7f80 ? 0 : 2));
}

static void test_fpregs(void)
{
    pid_t pid = traced_child(fpregs_body);
    struct user_fpregs_struct fp;
    if (ptrace(PTRACE_GETFPREGS, pid, 0, &fp) != 0)
        guest_die("PTRACE_GETFPREGS");
    printf("fpregs: cwd %#x mxcsr %#x\n", fp.cwd, fp.mxcsr);
    fp.cwd = 0x27f;    /* 53-bit precision */
    fp.mxcsr = 0x7f80; /* round toward zero */
    if (ptrace(PTRACE_SETFPREGS, pid, 0, &fp) != 0)
        guest_die("PTRACE_SETFPREGS");
    if (ptrace(PTRACE_CONT, pid, 0, 0) != 0)
        guest_die("PTRACE_CONT");
    describe("fpregs: child (0: it sees the tracer's control words)", wait_for(pid));
}

/* ---- exitkill, badrip, errors ---------------------------------------------------------- */

static void forever_body(void)
{
    for (;;)
        pause();
}

static void test_exitkill(void)
{
    int fds[2];
    if (pipe(fds))
        guest_die("pipe");
    pid_t tracer = fork();
    if (tracer == 0) {
        close(fds[0]);
        pid_t pid = traced_child(forever_body); /* holds the pipe's write end */
        close(fds[1]);
        if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL) != 0)
            _exit(3);
        _exit(0); /* and the tracee dies with it */
    }
    close(fds[1]);
    char c;
    ssize_t n = read(fds[0], &c, 1); /* EOF once the tracee is gone */
    printf("exitkill: tracee gone: %s\n", n == 0 ? "yes" : "no");
    close(fds[0]);
    describe("exitkill: tracer", wait_for(tracer));
}

static void test_badrip(void)
{
    pid_t pid = traced_child(forever_body);
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, pid, 0, &regs) != 0)
        guest_die("PTRACE_GETREGS");
    regs.rip = 0x8000000000001000ULL;
    printf("badrip: SETREGS: %s\n",
           ptrace(PTRACE_SETREGS, pid, 0, &regs) ? guest_errno_name(errno) : "accepted");
    int sig = 0, st;
    for (;;) {
        ptrace(PTRACE_CONT, pid, 0, sig);
        st = wait_for(pid);
        if (!WIFSTOPPED(st))
            break;
        describe("badrip", st);
        sig = WSTOPSIG(st);
    }
    describe("badrip: child", st);
}

static void test_errors(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    struct user_regs_struct regs;
    printf("errors: GETREGS of an untraced child: %s\n",
           ptrace(PTRACE_GETREGS, pid, 0, &regs) ? guest_errno_name(errno) : "accepted");
    printf("errors: CONT of an untraced child: %s\n",
           ptrace(PTRACE_CONT, pid, 0, 0) ? guest_errno_name(errno) : "accepted");
    kill(pid, SIGKILL);
    describe("errors: child", wait_for(pid));
    pid = fork();
    if (pid == 0) { /* a second TRACEME: already traced */
        long r1 = ptrace(PTRACE_TRACEME, 0, 0, 0);
        long r2 = ptrace(PTRACE_TRACEME, 0, 0, 0);
        _exit(r1 == 0 && r2 == -1 && errno == EPERM ? 0 : 1);
    }
    describe("errors: TRACEME twice, EPERM the second time", wait_for(pid));
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    test_syscalls();
    test_signals();
    test_restart(SYS_pause, restart_body);
    test_restart(SYS_rt_sigsuspend, sigsuspend_body);
    test_fork();
    test_breakpoint();
    test_fpregs();
    test_procmem();
    test_exitkill();
    test_badrip();
    test_errors();
    return 0;
}
