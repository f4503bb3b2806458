/*
 * seccomp_filter - seccomp(2) and prctl(PR_SET_SECCOMP) as Linux 4.20 has them: classic BPF
 * filters that fail a call with an errno, skip it with a SIGSYS, kill the thread or the process,
 * or let it run; the most restrictive of several filters wins; filters are inherited by fork
 * and kept by execve; TSYNC gives every thread the chain; strict mode; the filter checks
 * (EINVAL, EFAULT) and SECCOMP_GET_ACTION_AVAIL. man-db sandboxes its groff pipeline so, and
 * took another path when prctl(PR_GET_SECCOMP) failed. Every filter goes into a child, so the
 * next case starts clean.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest_bpf.h"

/* the instructions used below, and include/uapi/linux/seccomp.h, spelled out: not every libc
 * ships it */
#define LD_ABS           0x20 /* BPF_LD | BPF_W | BPF_ABS */
#define LD_LEN           0x80 /* BPF_LD | BPF_W | BPF_LEN */
#define LD_MEM           0x60
#define ST               0x02
#define OR_K             0x44 /* BPF_ALU | BPF_OR | BPF_K */
#define JEQ_K            0x15 /* BPF_JMP | BPF_JEQ | BPF_K */
#define JA               0x05
#define RET_K            0x06
#define RET_A            0x16
#define RET_KILL_PROCESS 0x80000000u
#define RET_KILL_THREAD  0x00000000u
#define RET_TRAP         0x00030000u
#define RET_ERRNO        0x00050000u
#define RET_TRACE        0x7ff00000u
#define RET_LOG          0x7ffc0000u
#define RET_ALLOW        0x7fff0000u
#define NR_OFF           0
#define ARCH_OFF         4
#define ARG0_OFF         16

static long sys_seccomp(unsigned op, unsigned flags, void *args)
{
    return syscall(317 /* seccomp */, op, flags, args);
}

static void show(const char *what, long r)
{
    printf("%-44s %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
}

static long install(struct sock_filter *f, unsigned short n, unsigned flags)
{
    struct sock_fprog prog = {n, f};
    return sys_seccomp(1 /* SECCOMP_SET_MODE_FILTER */, flags, &prog);
}

/* A filter that gives `action` to system call nr and lets every other call run. */
static long deny(long nr, uint32_t action, unsigned flags)
{
    struct sock_filter f[] = {
        BPF_STMT(LD_ABS, ARCH_OFF),          BPF_JUMP(JEQ_K, 0xc000003e, 1, 0),
        BPF_STMT(RET_K, RET_KILL_PROCESS),   BPF_STMT(LD_ABS, NR_OFF),
        BPF_JUMP(JEQ_K, (uint32_t)nr, 0, 1), BPF_STMT(RET_K, action),
        BPF_STMT(RET_K, RET_ALLOW),
    };
    return install(f, sizeof(f) / sizeof(f[0]), flags);
}

/* Run fn in a child and report how it ended. */
static void in_child(const char *what, void (*fn)(void))
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        fn();
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    if (WIFSIGNALED(st))
        printf("%-44s killed by signal %d\n", what, WTERMSIG(st));
    else
        printf("%-44s exit %d\n", what, WEXITSTATUS(st));
}

static void c_errno(void)
{
    show("deny getppid with ERRNO(123)", deny(SYS_getppid, RET_ERRNO | 123, 0));
    show("  getppid", syscall(SYS_getppid));
    show("  PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    show("  getpid still runs", syscall(SYS_getpid) > 0);
    /* an errno above MAX_ERRNO is MAX_ERRNO */
    show("deny dup with ERRNO(0xffff)", deny(SYS_dup, RET_ERRNO | 0xffff, 0));
    long r = syscall(SYS_dup, 1);
    printf("  dup: %ld errno %d\n", r, errno);
    /* inherited by a child */
    fflush(stdout);
    pid_t g = fork();
    if (g == 0) {
        show("  getppid in a grandchild", syscall(SYS_getppid));
        fflush(stdout);
        _exit(0);
    }
    waitpid(g, NULL, 0);
    /* kept by execve */
    fflush(stdout);
    g = fork();
    if (g == 0) {
        execl("/proc/self/exe", "seccomp_filter", "exec-check", (char *)NULL);
        _exit(99);
    }
    waitpid(g, NULL, 0);
    /* /proc/self/status says so */
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "Seccomp", 7) == 0)
            printf("  status %s", line);
    if (f)
        fclose(f);
}

static void c_args_and_alu(void)
{
    /* dup(7) is refused, dup(1) is not: the filter looks at the first argument; getppid gets
     * ERRNO(its own number) through arithmetic on A and RET A; the length of seccomp_data and
     * a scratch cell on the way */
    struct sock_filter f[] = {
        BPF_STMT(LD_LEN, 0),
        BPF_JUMP(JEQ_K, 64, 1, 0),
        BPF_STMT(RET_K, RET_KILL_PROCESS),
        BPF_STMT(LD_ABS, NR_OFF),
        BPF_STMT(ST, 3),
        BPF_JUMP(JEQ_K, SYS_dup, 0, 3),
        BPF_STMT(LD_ABS, ARG0_OFF),
        BPF_JUMP(JEQ_K, 7, 0, 5),
        BPF_STMT(RET_K, RET_ERRNO | EMFILE),
        BPF_STMT(LD_MEM, 3),
        BPF_JUMP(JEQ_K, SYS_getppid, 0, 2),
        BPF_STMT(OR_K, RET_ERRNO),
        BPF_STMT(RET_A, 0),
        BPF_STMT(RET_K, RET_ALLOW),
    };
    show("argument and ALU filter", install(f, sizeof(f) / sizeof(f[0]), 0));
    dup2(1, 7);
    show("  dup(7)", syscall(SYS_dup, 7));
    show("  dup(1) runs", syscall(SYS_dup, 1) >= 0);
    show("  getppid", syscall(SYS_getppid));
}

static volatile sig_atomic_t sys_code, sys_errno, sys_nr, sys_arch_ok, sys_addr_ok;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    sys_code = si->si_code;
    sys_errno = si->si_errno;
    sys_nr = si->si_syscall;
    sys_arch_ok = si->si_arch == 0xc000003e;
    sys_addr_ok = si->si_call_addr != NULL;
}

static void c_trap(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    show("deny getppid with TRAP(42)", deny(SYS_getppid, RET_TRAP | 42, 0));
    long r = syscall(SYS_getppid); /* skipped: rax is still the call's number */
    printf("  getppid returned %ld; SIGSYS code %d errno %d syscall %d arch %s addr %s\n", r,
           (int)sys_code, (int)sys_errno, (int)sys_nr, sys_arch_ok ? "x86_64" : "WRONG",
           sys_addr_ok ? "set" : "0");
    /* the most restrictive of two filters wins: TRAP over ERRNO; of two ERRNOs the newer */
    show("deny getuid with ERRNO(5)", deny(SYS_getuid, RET_ERRNO | 5, 0));
    show("deny getuid with ERRNO(6)", deny(SYS_getuid, RET_ERRNO | 6, 0));
    show("  getuid", syscall(SYS_getuid));
    show("deny getppid with ERRNO(7) too", deny(SYS_getppid, RET_ERRNO | 7, 0));
    sys_nr = 0;
    r = syscall(SYS_getppid);
    printf("  getppid returned %ld, SIGSYS for %d\n", r, (int)sys_nr);
    /* LOG lets the call run; TRACE without a tracer is ENOSYS */
    show("log getpid", deny(SYS_getpid, RET_LOG, 0));
    show("  getpid runs", syscall(SYS_getpid) > 0);
    show("trace getgid", deny(SYS_getgid, RET_TRACE, 0));
    show("  getgid", syscall(SYS_getgid));
    /* a blocked SIGSYS is forced through: the action is reset, and the process dies */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSYS);
    sigprocmask(SIG_BLOCK, &set, NULL);
    fflush(stdout);
    syscall(SYS_getppid);
    printf("  not reached\n");
}

static void c_kill_process(void)
{
    show("deny getppid with KILL_PROCESS", deny(SYS_getppid, RET_KILL_PROCESS, 0));
    fflush(stdout);
    syscall(SYS_getppid);
    printf("  not reached\n");
}

static void c_kill_thread(void)
{
    show("deny getppid with KILL_THREAD", deny(SYS_getppid, RET_KILL_THREAD, 0));
    fflush(stdout);
    syscall(SYS_getppid);
    printf("  not reached\n");
}

static void c_strict(void)
{
    show("filter, then strict mode",
         deny(SYS_getppid, RET_ERRNO | 1, 0) || prctl(PR_SET_SECCOMP, 1 /* STRICT */, 0, 0, 0));
}

static void c_strict2(void)
{
    fflush(stdout);
    if (prctl(PR_SET_SECCOMP, 1, 0, 0, 0) != 0)
        _exit(100);
    static const char ok[] = "  strict mode: write still runs\n";
    if (write(1, ok, sizeof(ok) - 1) < 0)
        syscall(SYS_exit, 3);
    syscall(SYS_getpid); /* killed here (SIGKILL) */
    syscall(SYS_exit, 4);
}

static void c_strict_then_filter(void)
{
    fflush(stdout);
    if (sys_seccomp(0 /* SECCOMP_SET_MODE_STRICT */, 0, NULL) != 0)
        _exit(100);
    /* seccomp() is not allowed in strict mode: the thread dies of SIGKILL */
    deny(SYS_getppid, RET_ERRNO | 1, 0);
    syscall(SYS_exit, 5);
}

/* SECCOMP_RET_TRACE under a tracer that asked for PTRACE_EVENT_SECCOMP (strace --seccomp-bpf):
 * the event comes after the syscall-entry stop, PTRACE_GETEVENTMSG is the filter's data, and
 * the call runs once resumed, as the tracer left it: getppid made into getpid there returns
 * the pid. With PTRACE_CONT only the event stops. */
static void c_ptrace_trace(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        struct sock_filter f[] = {
            BPF_STMT(LD_ABS, NR_OFF),
            BPF_JUMP(JEQ_K, SYS_getppid, 0, 1),
            BPF_STMT(RET_K, RET_TRACE | 0x123),
            BPF_STMT(RET_K, RET_ALLOW),
        };
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) || install(f, 4, 0))
            _exit(100);
        raise(SIGSTOP);
        long pid = syscall(SYS_getpid);
        long r = syscall(SYS_getppid);  /* the tracer makes it getpid */
        long r2 = syscall(SYS_getppid); /* resumed with PTRACE_CONT: only the event */
        _exit((r == pid ? 1 : 0) | (r2 == getppid() ? 2 : 0));
    }
    int st;
    waitpid(c, &st, 0);
    ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP);
    int events = 0;
    for (int step = 0; step < 40; step++) {
        ptrace(events >= 1 ? PTRACE_CONT : PTRACE_SYSCALL, c, 0, 0);
        if (waitpid(c, &st, 0) != c || !WIFSTOPPED(st))
            break;
        struct user_regs_struct regs;
        ptrace(PTRACE_GETREGS, c, 0, &regs);
        if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
            if (regs.orig_rax == SYS_getppid || regs.orig_rax == SYS_getpid)
                printf("  syscall stop: %s, rax %s\n",
                       regs.orig_rax == SYS_getppid ? "getppid" : "getpid",
                       (long long)regs.rax == -ENOSYS ? "-ENOSYS (entry)"
                       : (long long)regs.rax > 0      ? "a pid (exit)"
                                                      : "WRONG");
        } else if (WSTOPSIG(st) == SIGTRAP && st >> 16 == 7 /* PTRACE_EVENT_SECCOMP */) {
            unsigned long msg = 0;
            ptrace(PTRACE_GETEVENTMSG, c, 0, &msg);
            printf("  seccomp event: msg %#lx, orig_rax %s, rax %lld\n", msg,
                   regs.orig_rax == SYS_getppid ? "getppid" : "other", (long long)regs.rax);
            if (events++ == 0) {
                regs.orig_rax = SYS_getpid;
                ptrace(PTRACE_SETREGS, c, 0, &regs);
            }
        }
    }
    waitpid(c, &st, 0);
    printf("  tracee: %s %d\n", WIFEXITED(st) ? "exit" : "signal",
           WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

static volatile int go;

static void *thread_main(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        usleep(1000);
    long r = syscall(SYS_getppid);
    return (void *)(r < 0 ? (intptr_t)errno : 0);
}

static void c_tsync(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, thread_main, NULL))
        _exit(100);
    show("TSYNC filter for both threads", deny(SYS_getppid, RET_ERRNO | 77, 1 /* TSYNC */));
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    void *res;
    pthread_join(t, &res);
    printf("  the other thread's getppid: errno %d\n", (int)(intptr_t)res);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec-check") == 0) {
        show("  getppid after execve", syscall(SYS_getppid));
        return 0;
    }
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core); /* a SIGSYS death natively would dump core */
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);

    show("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    show("PR_GET_SECCOMP, other arguments ignored", prctl(PR_GET_SECCOMP, 1, 2, 3, 4));
    static const uint32_t actions[] = {RET_KILL_PROCESS, RET_KILL_THREAD, RET_TRAP,  RET_ERRNO,
                                       RET_TRACE,        RET_LOG,         RET_ALLOW, 0x12340000u};
    for (unsigned i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        char what[64];
        snprintf(what, sizeof(what), "GET_ACTION_AVAIL %#x", actions[i]);
        show(what, sys_seccomp(2, 0, (void *)&actions[i]));
    }
    show("GET_ACTION_AVAIL with flags", sys_seccomp(2, 1, (void *)&actions[0]));
    show("an unknown op", sys_seccomp(9, 0, NULL));
    show("strict mode with flags", sys_seccomp(0, 1, NULL));

    /* refused filters: nothing installed */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
        return 100;
    show("NULL program", sys_seccomp(1, 0, NULL));
    struct sock_filter ok[] = {BPF_STMT(RET_K, RET_ALLOW)};
    show("unknown flag", install(ok, 1, 0x100));
    show("empty program", install(ok, 0, 0));
    show("program at NULL", sys_seccomp(1, 0, &(struct sock_fprog){1, NULL}));
    struct sock_filter unaligned[] = {BPF_STMT(LD_ABS, 2), BPF_STMT(RET_K, RET_ALLOW)};
    show("unaligned load", install(unaligned, 2, 0));
    struct sock_filter beyond[] = {BPF_STMT(LD_ABS, 64), BPF_STMT(RET_K, RET_ALLOW)};
    show("load past seccomp_data", install(beyond, 2, 0));
    struct sock_filter noret[] = {BPF_STMT(LD_ABS, 0)};
    show("no RET at the end", install(noret, 1, 0));
    struct sock_filter far[] = {BPF_JUMP(JEQ_K, 0, 5, 0), BPF_STMT(RET_K, RET_ALLOW)};
    show("a jump out of the program", install(far, 2, 0));
    struct sock_filter ja[] = {BPF_STMT(JA, 1), BPF_STMT(RET_K, RET_ALLOW)};
    show("JA out of the program", install(ja, 2, 0));
    struct sock_filter unset[] = {BPF_STMT(LD_MEM, 2), BPF_STMT(RET_K, RET_ALLOW)};
    show("a scratch cell loaded before a store", install(unset, 2, 0));
    struct sock_filter mod[] = {BPF_STMT(0x94 /* ALU MOD K */, 3), BPF_STMT(RET_K, RET_ALLOW)};
    show("MOD (not for seccomp)", install(mod, 2, 0));
    struct sock_filter byte[] = {BPF_STMT(0x30 /* LD B ABS */, 0), BPF_STMT(RET_K, RET_ALLOW)};
    show("a byte load", install(byte, 2, 0));
    show("PR_GET_SECCOMP after all that", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));

    in_child("errno, fork, execve", c_errno);
    in_child("arguments and ALU", c_args_and_alu);
    in_child("trap", c_trap);
    in_child("kill process", c_kill_process);
    in_child("kill thread", c_kill_thread);
    in_child("filter then strict", c_strict);
    in_child("strict", c_strict2);
    in_child("strict then seccomp()", c_strict_then_filter);
    in_child("tsync", c_tsync);
    in_child("trace under a tracer", c_ptrace_trace);
    return 0;
}
