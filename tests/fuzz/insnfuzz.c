/*
 * insnfuzz.c - random instruction bytes, run natively and under faultline (tooling, not a test).
 *
 *     insnfuzz SEED [COUNT [v]]
 *
 * COUNT times (default 2000): fill a fresh page of a large RWX mapping with 1 to 24 random bytes
 * (a third start with 0x0f) and int3 after them, set every general register (and RSP) to the
 * middle of a 1 MiB scratch mapping far from everything else, and jump there. Handlers on an
 * altstack for every catchable signal count the signal, put FS back and return to the loop
 * through the ucontext (the timer's signal only when it interrupted the random code); an interval
 * timer (20 ms) ends a loop. A seccomp filter makes every
 * system call but write, exit_group, rt_sigreturn, arch_prctl and setitimer fail with EPERM, so
 * the random code cannot reach the host. With `v`, one line per case: its signal, RIP relative to
 * the page, and the bytes; compare the native run's lines with faultline's (tests/fuzz/README.md).
 *
 * Environment: FROM=i TO=j run only cases i..j (the bytes are still drawn for the others);
 * SAMEPAGE=1 reuses one code page (rewritten each time, as a JIT would); B1=hex and B2=hex
 * replace the bytes of cases FROM and FROM+1; NOSEC=1 and NOTIMER=1 leave out the filter and
 * the timer.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODEBASE  0x7e0000100000UL
#define CODEPAGES 4096UL
#define DATA      ((unsigned char *)0x7e0000000000UL)

unsigned char *code_ptr;         /* where run_code jumps */
unsigned long saved_rsp, fsbase; /* run_code's stack, glibc's FS base */
extern char recover[];
extern void run_code(void);

static volatile unsigned long counts[65];
static volatile int last_sig;
static volatile long last_rip;
static char altstack[1 << 16];
static uint64_t rs;

static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}

static void handler(int sig, siginfo_t *si, void *ucv)
{
    (void)si;
    ucontext_t *uc = ucv;
    unsigned long rip = (unsigned long)uc->uc_mcontext.gregs[REG_RIP];
    /* The timer's signal may come while the harness runs (its loop, a system call, this
     * handler: SA_NODEFER): there is no case to end, and recover would run the harness on
     * with the registers and the stack of the last case, long overwritten. Under faultline,
     * where the harness's share of the time is larger, that ended in thousands of SIGBUS at
     * its own printing (tests/fuzz/README.md). */
    if (sig == SIGALRM && (rip < CODEBASE || rip >= CODEBASE + 4096 * CODEPAGES))
        return;
    counts[sig]++;
    last_sig = sig;
    last_rip = uc->uc_mcontext.gregs[REG_RIP];
    syscall(SYS_arch_prctl, ARCH_SET_FS, fsbase); /* the random code may have changed FS */
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)recover;
    uc->uc_mcontext.gregs[REG_RSP] = (greg_t)saved_rsp;
    uc->uc_mcontext.gregs[REG_EFL] = 0x202;
}

__asm__(".text\n"
        "run_code:\n"
        "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
        "  mov %rsp, saved_rsp(%rip)\n"
        "  mov $0x7e0000080000, %rax\n"
        "  mov %rax, %rsp\n mov %rax, %rbx\n mov %rax, %rcx\n mov %rax, %rdx\n"
        "  mov %rax, %rsi\n mov %rax, %rdi\n mov %rax, %rbp\n mov %rax, %r8\n mov %rax, %r9\n"
        "  mov %rax, %r10\n mov %rax, %r11\n mov %rax, %r12\n mov %rax, %r13\n"
        "  mov %rax, %r14\n mov %rax, %r15\n"
        "  mov code_ptr(%rip), %rax\n"
        "  jmp *%rax\n"
        "recover:\n"
        "  pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
        "  ret\n");

static unsigned from_hex(unsigned char *code, const char *hex)
{
    unsigned n = 0, v;
    memset(code, 0xcc, 4096);
    for (; hex[0] && hex[1] && sscanf(hex, "%2x", &v) == 1; hex += 2)
        code[n++] = (unsigned char)v;
    return n;
}

int main(int argc, char **argv)
{
    unsigned seed = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
    unsigned count = argc > 2 ? (unsigned)atoi(argv[2]) : 2000;
    int verbose = argc > 3;
    unsigned from = getenv("FROM") ? (unsigned)atoi(getenv("FROM")) : 0;
    unsigned to = getenv("TO") ? (unsigned)atoi(getenv("TO")) : ~0u;
    int samepage = getenv("SAMEPAGE") != NULL;
    rs = seed * 0x9e3779b97f4a7c15ULL + 1;
    if (mmap(DATA, 0x100000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
             0) == MAP_FAILED ||
        mmap((void *)CODEBASE, 4096 * CODEPAGES, PROT_READ | PROT_WRITE | PROT_EXEC,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED)
        return 2;
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    sigaltstack(&ss, NULL);
    syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase);
    struct sigaction sa = {.sa_sigaction = handler,
                           .sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER};
    sigemptyset(&sa.sa_mask);
    for (int s = 1; s < 32; s++)
        if (s != SIGKILL && s != SIGSTOP)
            sigaction(s, &sa, NULL);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_arch_prctl, 5, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_rt_sigreturn, 4, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_exit_group, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_setitimer, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof(f) / sizeof(f[0]), f};
    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (!getenv("NOSEC") && prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
        return 3;
    struct itimerval it = {{0, 20000}, {0, 20000}};
    if (!getenv("NOTIMER"))
        setitimer(ITIMER_REAL, &it, NULL);
    for (unsigned i = 0; i < count; i++) {
        unsigned char *code = (unsigned char *)CODEBASE + 4096 * (samepage ? 0 : i % CODEPAGES);
        code_ptr = code;
        memset(code, 0xcc, 4096);
        unsigned n = 1 + rnd() % 24;
        for (unsigned k = 0; k < n; k++)
            code[k] = (unsigned char)rnd();
        if (rnd() % 3 == 0) /* the two-byte opcode map */
            code[0] = 0x0f;
        if (getenv("B1") && i == from)
            n = from_hex(code, getenv("B1"));
        if (getenv("B2") && i == from + 1)
            n = from_hex(code, getenv("B2"));
        if (i < from || i > to)
            continue;
        last_sig = 0;
        run_code();
        if (verbose) {
            char b[128];
            int l = snprintf(b, sizeof(b), "%u sig %d rip %lx bytes", i, last_sig,
                             (unsigned long)(last_rip - (long)code));
            for (unsigned k = 0; k < n && k < 12; k++)
                l += snprintf(b + l, sizeof(b) - l, " %02x", code[k]);
            b[l++] = '\n';
            syscall(SYS_write, 1, b, l);
        }
    }
    char buf[160];
    int len =
        snprintf(buf, sizeof(buf), "seed %u: SEGV %lu ILL %lu TRAP %lu FPE %lu BUS %lu ALRM %lu\n",
                 seed, counts[SIGSEGV], counts[SIGILL], counts[SIGTRAP], counts[SIGFPE],
                 counts[SIGBUS], counts[SIGALRM]);
    syscall(SYS_write, 1, buf, len);
    syscall(SYS_exit_group, 0);
}
