/*
 * cpu_exc.c - CPU exceptions in user mode and the signals Linux makes of them: for each case the
 * signal, si_code, si_addr, the ucontext's trap number and error code (REG_TRAPNO, REG_ERR) and
 * where RIP is, relative to the instruction that trapped. Each case runs under SA_SIGINFO
 * handlers for SIGSEGV, SIGILL, SIGBUS, SIGFPE and SIGTRAP, which record what they got and
 * siglongjmp back out.
 *
 *     cpu_exc              faults, traps and privileged instructions (exit 0)
 *     cpu_exc io           in, out, ins and outs, after ioperm and iopl were refused: the
 *                          capability they need (CAP_SYS_RAWIO) is dropped first, so the run
 *                          is the same as root's and a user's (exit 0)
 *     cpu_exc out-nohandler  an out with SIGSEGV's default action: killed (status 139)
 *     cpu_exc int80        int $0x80 from a 64-bit program: the 32-bit system call (exit 0)
 *     cpu_exc show         sgdt, sidt, smsw, sldt, str, sysenter: not a test (they
 *                          depend on the CPU's vendor and UMIP; docs/status.md)
 *     cpu_exc engine       where the engine differs from the CPU: not a test (docs/status.md)
 *
 * Addresses go out as "insn" (the trapping instruction), "next" (the one after it), "target"
 * (where a jump went), "0", or "other"; never as numbers.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/prctl.h>
#include <ucontext.h>

#include "guest.h"

/* Set by each case before the instruction runs; global so the asm names them. */
volatile uintptr_t insn_rip, next_rip, target;
static sigjmp_buf back;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr, got_rip, got_trapno, got_err;
unsigned char scratch[64];

static void handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    got_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    got_trapno = (uintptr_t)uc->uc_mcontext.gregs[REG_TRAPNO];
    got_err = (uintptr_t)uc->uc_mcontext.gregs[REG_ERR];
    siglongjmp(back, 1);
}

static const char *where(uintptr_t a)
{
    static char buf[32];
    if (a == insn_rip)
        return "insn";
    if (a == next_rip)
        return "next";
    if (a == target && target)
        return "target";
    if (a == 0)
        return "0";
    if (insn_rip && a > insn_rip && a - insn_rip < 32) {
        snprintf(buf, sizeof(buf), "insn+%d", (int)(a - insn_rip));
        return buf;
    }
    return "other";
}

static const char *signame(int sig)
{
    switch (sig) {
    case SIGSEGV:
        return "SIGSEGV";
    case SIGILL:
        return "SIGILL";
    case SIGBUS:
        return "SIGBUS";
    case SIGFPE:
        return "SIGFPE";
    case SIGTRAP:
        return "SIGTRAP";
    default:
        return "other";
    }
}

static void report(const char *what, int ran)
{
    if (!ran) {
        printf("%-26s none\n", what);
    } else {
        /* where() keeps one buffer: one call per printf */
        printf("%-26s %s code=%d", what, signame(got_sig), got_code);
        printf(" addr=%s", where(got_addr));
        printf(" rip=%s trapno=%lu err=%#lx\n", where(got_rip), (unsigned long)got_trapno,
               (unsigned long)got_err);
    }
    fflush(stdout);
}

/* Runs SETUP, then INSN at label 1, label 2 after it; reports what trapped. */
#define CASE(what, setup, insn)                                                                    \
    do {                                                                                           \
        got_sig = 0;                                                                               \
        target = 0;                                                                                \
        int ran_ = 1;                                                                              \
        if (!sigsetjmp(back, 1)) {                                                                 \
            __asm__ volatile(setup "\n\t"                                                          \
                                   "lea 1f(%%rip), %%r8\n\t"                                       \
                                   "mov %%r8, insn_rip(%%rip)\n\t"                                 \
                                   "lea 2f(%%rip), %%r8\n\t"                                       \
                                   "mov %%r8, next_rip(%%rip)\n"                                   \
                                   "1: " insn "\n"                                                 \
                                   "2:\n"                                                          \
                             :                                                                     \
                             :                                                                     \
                             : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",        \
                               "memory", "cc");                                                    \
            ran_ = 0;                                                                              \
        }                                                                                          \
        report(what, ran_);                                                                        \
    } while (0)

/* a jump to P: the fault is at the target (a page fault on the fetch) or at the jump (#GP) */
static void jump_to(const char *what, uintptr_t p)
{
    got_sig = 0;
    target = p;
    if (!sigsetjmp(back, 1)) {
        __asm__ volatile("lea 1f(%%rip), %%r8\n\t"
                         "mov %%r8, insn_rip(%%rip)\n\t"
                         "lea 2f(%%rip), %%r8\n\t"
                         "mov %%r8, next_rip(%%rip)\n"
                         "1: jmp *%0\n"
                         "2:\n"
                         :
                         : "r"(p)
                         : "r8", "memory");
        report(what, 0);
        return;
    }
    report(what, 1);
}

static volatile int depth_reached;
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int recurse(int n)
{
    volatile char pad[4096];
    pad[0] = (char)n;
    depth_reached = n;
    return recurse(n + 1) + pad[0];
}

static void stack_overflow(void)
{
    got_sig = 0;
    insn_rip = next_rip = target = 0;
    struct rlimit rl = {8 << 20, 8 << 20};
    setrlimit(RLIMIT_STACK, &rl);
    if (!sigsetjmp(back, 1)) {
        recurse(0);
        report("stack overflow", 0);
        return;
    }
    printf("%-26s %s code=%d trapno=%lu err=%#lx deep=%s\n", "stack overflow", signame(got_sig),
           got_code, (unsigned long)got_trapno, (unsigned long)got_err,
           depth_reached > 1000 ? "yes" : "no");
    fflush(stdout);
}

static void page_faults(void)
{
    char *ro = mmap(NULL, GUEST_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *none = mmap(NULL, GUEST_PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *hole = mmap(NULL, GUEST_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ro == MAP_FAILED || none == MAP_FAILED || hole == MAP_FAILED)
        guest_die("mmap");
    munmap(hole, GUEST_PAGE);
    (void)*(volatile char *)ro; /* present */

    target = (uintptr_t)ro;
    got_sig = 0;
    if (!sigsetjmp(back, 1)) {
        insn_rip = next_rip = 0;
        *(volatile char *)ro = 1;
        report("write read-only", 0);
    } else {
        printf("%-26s %s code=%d addr=%s trapno=%lu err=%#lx\n", "write read-only",
               signame(got_sig), got_code, got_addr == (uintptr_t)ro ? "target" : "other",
               (unsigned long)got_trapno, (unsigned long)got_err);
    }
    got_sig = 0;
    if (!sigsetjmp(back, 1)) {
        *(volatile char *)hole = 1;
        report("write unmapped", 0);
    } else {
        printf("%-26s %s code=%d addr=%s trapno=%lu err=%#lx\n", "write unmapped", signame(got_sig),
               got_code, got_addr == (uintptr_t)hole ? "target" : "other",
               (unsigned long)got_trapno, (unsigned long)got_err);
    }
    got_sig = 0;
    if (!sigsetjmp(back, 1)) {
        (void)*(volatile char *)none;
        report("read PROT_NONE", 0);
    } else {
        printf("%-26s %s code=%d addr=%s trapno=%lu err=%#lx\n", "read PROT_NONE", signame(got_sig),
               got_code, got_addr == (uintptr_t)none ? "target" : "other",
               (unsigned long)got_trapno, (unsigned long)got_err);
    }
    fflush(stdout);

    jump_to("jump PROT_NONE", (uintptr_t)none);
    jump_to("jump no-exec", (uintptr_t)ro);
    jump_to("jump unmapped", (uintptr_t)hole);
}

static void faults(void)
{
    CASE("ud2", "", "ud2");
    CASE("into", "", ".byte 0xce");
    CASE("bound", "", ".byte 0x62, 0x00"); /* EVEX in 64-bit mode: #UD without AVX-512 */
    CASE("aaa", "", ".byte 0x37");
    CASE("lock nop", "", ".byte 0xf0, 0x90");
    CASE("lock add reg", "", ".byte 0xf0; add %%eax, %%ecx");
    CASE("16 prefixes", "",
         ".byte 0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x90");
    CASE("int3", "", "int3");
    CASE("int $3", "", "int $3");
    CASE("int1 (icebp)", "", ".byte 0xf1");
    CASE("int $1", "", "int $1");
    CASE("int $4", "", "int $4");
    CASE("int $6", "", "int $6");
    CASE("int $13", "", "int $13");
    CASE("int $14", "", "int $14");
    CASE("int $0x81", "", "int $0x81");
    CASE("int $0xff", "", "int $0xff");
    CASE("div 0", "xor %%ecx, %%ecx; mov $1, %%eax; xor %%edx, %%edx", "div %%ecx");
    CASE("idiv INT_MIN/-1", "mov $-1, %%ecx; mov $0x80000000, %%eax; cdq", "idiv %%ecx");
    CASE("idiv64 min/-1", "mov $-1, %%rcx; mov $1, %%rax; shl $63, %%rax; cqo", "idiv %%rcx");
    CASE("load non-canonical", "mov $0x8000000000000000, %%rax", "mov (%%rax), %%rcx");
    CASE("store non-canonical", "mov $0x0000800000000000, %%rax", "mov %%rcx, (%%rax)");
    /* through the stack segment: #SS, SIGBUS (64-bit mode ignores a DS override; FS makes it
     * #GP again) */
    CASE("load non-canonical rsp", "mov $0x8000000000000000, %%rax", "mov (%%rsp,%%rax,1), %%rcx");
    CASE("load non-canonical rbp", "mov $0x8000000000000000, %%rax", "mov (%%rbp,%%rax,1), %%rcx");
    CASE("load non-canonical ds:rsp", "mov $0x8000000000000000, %%rax",
         "mov %%ds:(%%rsp,%%rax,1), %%rcx");
    CASE("load non-canonical fs:rsp", "mov $0x8000000000000000, %%rax",
         "mov %%fs:(%%rsp,%%rax,1), %%rcx");
    CASE("load non-canonical index", "mov $0x8000000000000000, %%rax; lea scratch(%%rip), %%rcx",
         "mov (%%rcx,%%rax,1), %%rcx");
    CASE("push non-canonical", "mov %%rsp, %%r9; mov $0x8000000000000000, %%rsp", "push %%rax");
    CASE("pop non-canonical", "mov %%rsp, %%r9; mov $0x0000800000000000, %%rsp", "pop %%rax");
    CASE("call non-canonical rsp", "mov %%rsp, %%r9; mov $0x0000800000000008, %%rsp", "call 2f");
    CASE("trap flag", "", "pushfq; orq $0x100, (%%rsp); popfq; nop");
    CASE("hlt", "", "hlt");
    CASE("cli", "", "cli");
    CASE("sti", "", "sti");
    CASE("lgdt", "", "lgdt scratch(%%rip)");
    CASE("lidt", "", "lidt scratch(%%rip)");
    CASE("mov cr0, rax", "", "mov %%cr0, %%rax");
    CASE("mov rax, cr0", "mov $0x80050033, %%eax", "mov %%rax, %%cr0");
    CASE("mov cr3, rax", "", "mov %%cr3, %%rax");
    CASE("mov rax, cr3", "xor %%eax, %%eax", "mov %%rax, %%cr3");
    CASE("mov dr7, rax", "", "mov %%db7, %%rax");
    CASE("mov rax, dr7", "xor %%eax, %%eax", "mov %%rax, %%db7");
    CASE("rdmsr", "xor %%ecx, %%ecx", "rdmsr");
    CASE("wrmsr", "mov $0x10, %%ecx; xor %%eax, %%eax; xor %%edx, %%edx", "wrmsr");
    CASE("invd", "", "invd");
    CASE("wbinvd", "", "wbinvd");
    CASE("invlpg", "", "invlpg scratch(%%rip)");
    CASE("clts", "", "clts");
    CASE("rdpmc", "xor %%ecx, %%ecx", "rdpmc");
    CASE("swapgs", "", "swapgs");
    CASE("sysexit", "", "sysexitq"); /* #GP at CPL 3 on Intel and AMD */
    /* iretq with the kernel's CS: #GP with the selector as the error code */
    CASE("iretq cs=0x10",
         "mov %%rsp, %%rax; push $0x2b; push %%rax; pushfq; push $0x10; lea 2f(%%rip), %%rax;"
         "push %%rax",
         "iretq");
    CASE("iretq cs=0",
         "mov %%rsp, %%rax; push $0x2b; push %%rax; pushfq; push $0; lea 2f(%%rip), %%rax;"
         "push %%rax",
         "iretq");
    page_faults();
    stack_overflow();
}

/* a child without CAP_SYS_RAWIO, as an unprivileged user is */
static void io(void)
{
    if (prctl(PR_CAPBSET_DROP, 17 /* CAP_SYS_RAWIO */, 0, 0, 0))
        guest_die("PR_CAPBSET_DROP");
    uint32_t d[6];
    if (guest_capget(d))
        guest_die("capget");
    d[0] &= ~(1u << 17);
    d[1] &= ~(1u << 17);
    if (guest_capset(d))
        guest_die("capset");

    /* Linux 4.20 says EPERM to what would grant ports without the capability; a kernel built
     * without CONFIG_X86_IOPL_IOPERM (5.5+) ENOSYS: either refuses, and the instructions fault */
    struct {
        const char *what;
        int r;
    } calls[] = {
        {"ioperm(0x80, 1, 1)", ioperm(0x80, 1, 1)},
        {"ioperm(0x3ff, 2, 1)", ioperm(0x3ff, 2, 1)},
        {"iopl(3)", iopl(3)},
    };
    for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
        printf("%s: %s\n", calls[i].what, calls[i].r == -1 ? "refused" : "granted");
    fflush(stdout);

    CASE("in al, imm", "", "in $0x80, %%al");
    CASE("in al, dx", "mov $0x80, %%edx", "in (%%dx), %%al");
    CASE("in ax, dx", "mov $0x80, %%edx", "in (%%dx), %%ax");
    CASE("in eax, dx", "mov $0x80, %%edx", "in (%%dx), %%eax");
    CASE("out imm, al", "xor %%eax, %%eax", "out %%al, $0x80");
    CASE("out dx, al", "mov $0x80, %%edx; xor %%eax, %%eax", "out %%al, (%%dx)");
    CASE("out dx, ax", "mov $0x80, %%edx; xor %%eax, %%eax", "out %%ax, (%%dx)");
    CASE("out dx, eax", "mov $0x80, %%edx; xor %%eax, %%eax", "out %%eax, (%%dx)");
    CASE("insb", "mov $0x80, %%edx; lea scratch(%%rip), %%rdi", "insb");
    CASE("insl", "mov $0x80, %%edx; lea scratch(%%rip), %%rdi", "insl");
    CASE("outsb", "mov $0x80, %%edx; lea scratch(%%rip), %%rsi", "outsb");
    CASE("outsw", "mov $0x80, %%edx; lea scratch(%%rip), %%rsi", "outsw");
    CASE("rep insb", "mov $0x80, %%edx; mov $4, %%ecx; lea scratch(%%rip), %%rdi", "rep insb");
    CASE("rep outsb", "mov $0x80, %%edx; mov $4, %%ecx; lea scratch(%%rip), %%rsi", "rep outsb");
    /* again and again: each one a #GP, never a double fault or a hang */
    int n = 0;
    for (int i = 0; i < 2000; i++) {
        got_sig = 0;
        if (!sigsetjmp(back, 1))
            __asm__ volatile("mov $0x80, %%edx; in (%%dx), %%al" : : : "rax", "rdx");
        n += got_sig == SIGSEGV;
    }
    printf("in 2000 times: %d SIGSEGV\n", n);
    /* in the middle of a block, after flags were set: RIP and the flags must be the
     * instruction's */
    CASE("in after cmp", "mov $0x80, %%edx; xor %%ecx, %%ecx; cmp $1, %%ecx; nop; nop",
         "in (%%dx), %%al");
}

/* int $0x80 from a 64-bit program is the 32-bit system call (entry_INT80_compat) */
static void int80(void)
{
    long pid = getpid(), ret;
    insn_rip = next_rip = 0;
    if (sigsetjmp(back, 1)) { /* a kernel without CONFIG_IA32_EMULATION: #GP(0x402) */
        report("int $0x80", 1);
        return;
    }
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
    printf("int80 getpid: %s\n", ret == pid ? "pid" : "wrong");
    static const char msg[] = "int80 write\n"; /* static: a 32-bit address */
    fflush(stdout);
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(4L), "b"(1L), "c"((long)(uintptr_t)msg), "d"((long)sizeof(msg) - 1)
                     : "memory");
    printf("int80 write returned %ld\n", ret);
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(9999L) : "memory");
    printf("int80 9999 returned %ld\n", ret);
    fflush(stdout);
}

/* where the engine differs (docs/status.md): QEMU 5.0 neither refuses lock on mov nor checks
 * movaps' alignment, and a jump to a non-canonical address faults at the target, where the CPU
 * faults at the jump */
static void engine(void)
{
    CASE("lock mov", "", ".byte 0xf0; mov %%eax, %%ecx");
    CASE("movaps unaligned", "lea scratch+1(%%rip), %%rax", "movaps (%%rax), %%xmm0");
    jump_to("jump non-canonical", 0x8000000000000000UL);
    jump_to("jump non-canonical low", 0x0000800000000000UL);
}

static void show(void)
{
    CASE("sgdt", "", "sgdt scratch(%%rip)");
    CASE("sidt", "", "sidt scratch(%%rip)");
    CASE("smsw", "", "smsw %%eax");
    CASE("sldt", "", "sldt %%eax");
    CASE("str", "", "str %%eax");
    CASE("sysenter", "", "sysenter");
}

int main(int argc, char **argv)
{
    struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO | SA_ONSTACK};
    static char altstack[65536];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    if (sigaltstack(&ss, NULL))
        guest_die("sigaltstack");
    int sigs[] = {SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGTRAP};
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        if (sigaction(sigs[i], &sa, NULL))
            guest_die("sigaction");

    const char *mode = argc > 1 ? argv[1] : "";
    if (!strcmp(mode, "io"))
        io();
    else if (!strcmp(mode, "int80"))
        int80();
    else if (!strcmp(mode, "show"))
        show();
    else if (!strcmp(mode, "engine"))
        engine();
    else if (!strcmp(mode, "out-nohandler")) {
        signal(SIGSEGV, SIG_DFL);
        printf("out without a handler\n");
        fflush(stdout);
        __asm__ volatile("out %%al, $0x80" : : "a"(0));
        printf("still here\n");
        return 1;
    } else
        faults();
    printf("done\n");
    return 0;
}
