/*
 * privileged.c - privileged instructions in user mode, each under a handler that skips it.
 *
 * On Linux each one raises #GP (sysenter and sysexit on AMD: #UD), and the program gets SIGSEGV
 * with si_code SI_KERNEL (128) and si_addr 0, with the ucontext's RIP at the instruction: the
 * handler checks that, then moves RIP past the instruction (to a label after it) and the program
 * goes on. popf may not raise IOPL or clear IF in user mode (no fault: the bits stay). ud2 and
 * int3 show the other two kinds of trap: SIGILL at the instruction, SIGTRAP after it. rdtsc,
 * rdtscp and cpuid are not privileged and just run. Until the engine ran guest code at CPL 3,
 * faultline ran every privileged instruction as a kernel would, without a fault.
 *
 *     privileged           the table, exit 0
 *     privileged hlt       a hlt with no handler: killed by SIGSEGV (status 139)
 *
 * No fault rows of interest.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include "guest.h"

/* Set by each case's code before the instruction runs: where it is and where to go on. Global,
 * so the asm below names them. */
volatile uintptr_t insn_rip, next_rip;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr, got_rip;
/* what ins and outs read and lgdt, lidt and invlpg name */
unsigned char scratch[64];

static void handler(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = (uintptr_t)si->si_addr;
    got_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)next_rip; /* skip it */
}

static const char *where(uintptr_t a)
{
    return a == insn_rip ? "insn" : a == next_rip ? "next" : a == 0 ? "0" : "other";
}

static const char *signame(int sig)
{
    switch (sig) {
    case 0:
        return "none";
    case SIGSEGV:
        return "SIGSEGV";
    case SIGILL:
        return "SIGILL";
    case SIGTRAP:
        return "SIGTRAP";
    default:
        return "other";
    }
}

static void report(const char *what)
{
    if (!got_sig)
        printf("%-22s none\n", what);
    else
        printf("%-22s %s code=%d addr=%s rip=%s\n", what, signame(got_sig), got_code,
               where(got_addr), where(got_rip));
    fflush(stdout);
}

/* sysenter and sysexit: #GP on Intel, #UD on AMD in 64-bit mode, and the CPU model faultline
 * shows need not be the host's vendor; either is a fault at the instruction */
static void report_either(const char *what)
{
    bool gp = got_sig == SIGSEGV && got_code == 128 && got_addr == 0;
    bool ud = got_sig == SIGILL && got_code == ILL_ILLOPN && got_addr == insn_rip;
    if (gp || ud)
        printf("%-22s #GP or #UD rip=%s\n", what, where(got_rip));
    else
        report(what);
}

/* Runs SETUP, then INSN between the labels 1 and 2; a handler that sees it fault resumes at 2. */
#define CASE(what, setup, insn)                                                                    \
    do {                                                                                           \
        got_sig = got_code = 0;                                                                    \
        got_addr = got_rip = 1;                                                                    \
        __asm__ volatile(setup "\n\t"                                                              \
                               "lea 1f(%%rip), %%r8\n\t"                                           \
                               "mov %%r8, insn_rip(%%rip)\n\t"                                     \
                               "lea 2f(%%rip), %%r8\n\t"                                           \
                               "mov %%r8, next_rip(%%rip)\n"                                       \
                               "1: " insn "\n"                                                     \
                               "2:\n"                                                              \
                         :                                                                         \
                         :                                                                         \
                         : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r11", "memory", "cc");        \
    } while (0)

#define PRIV(what, setup, insn)                                                                    \
    do {                                                                                           \
        CASE(what, setup, insn);                                                                   \
        report(what);                                                                              \
    } while (0)

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static uint64_t flags(void)
{
    uint64_t f;
    __asm__ volatile("pushfq; pop %0" : "=r"(f));
    return f;
}

static void unprivileged(void)
{
    uint32_t r[4];
    cpuid(0, r);
    printf("cpuid: %s\n", r[0] >= 1 ? "ok" : "no leaves");

    uint64_t a = rdtsc(), b = rdtsc();
    printf("rdtsc: %s\n", b > a ? "ok" : "not increasing");

    /* rdtscp where CPUID says the CPU has it (the model faultline shows may not): either way,
     * "ok" says nothing went wrong */
    cpuid(0x80000000u, r);
    bool has = false;
    if (r[0] >= 0x80000001u) {
        cpuid(0x80000001u, r);
        has = r[3] & (1u << 27);
    }
    if (!has) {
        printf("rdtscp: ok\n");
        return;
    }
    CASE("rdtscp", "", "rdtscp");
    uint64_t c = rdtsc();
    if (got_sig)
        report("rdtscp");
    else
        printf("rdtscp: %s\n", c > b ? "ok" : "not increasing");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "hlt")) {
        printf("hlt without a handler\n");
        fflush(stdout);
        __asm__ volatile("hlt");
        printf("still here\n");
        return 1;
    }

    struct sigaction sa = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO};
    if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGILL, &sa, NULL) ||
        sigaction(SIGTRAP, &sa, NULL))
        guest_die("sigaction");

    unprivileged();

    PRIV("rdmsr", "xor %%ecx, %%ecx", "rdmsr");
    PRIV("wrmsr", "mov $0x10, %%ecx; xor %%eax, %%eax; xor %%edx, %%edx", "wrmsr");
    PRIV("hlt", "", "hlt");
    PRIV("cli", "", "cli");
    PRIV("sti", "", "sti");
    PRIV("mov rax, cr0", "", "mov %%cr0, %%rax");
    PRIV("mov cr0, rax", "mov $0x80050033, %%eax", "mov %%rax, %%cr0");
    PRIV("mov rax, cr2", "", "mov %%cr2, %%rax");
    PRIV("mov rax, cr3", "", "mov %%cr3, %%rax");
    PRIV("mov cr3, rax", "xor %%eax, %%eax", "mov %%rax, %%cr3");
    PRIV("mov rax, cr4", "", "mov %%cr4, %%rax");
    PRIV("mov cr4, rax", "mov $0x600, %%eax", "mov %%rax, %%cr4");
    PRIV("mov rax, cr8", "", "mov %%cr8, %%rax");
    PRIV("mov rax, dr7", "", "mov %%db7, %%rax");
    PRIV("mov dr7, rax", "xor %%eax, %%eax", "mov %%rax, %%db7");
    PRIV("mov dr0, rax", "xor %%eax, %%eax", "mov %%rax, %%db0");
    PRIV("lgdt", "", "lgdt scratch(%%rip)");
    PRIV("lidt", "", "lidt scratch(%%rip)");
    PRIV("lldt", "xor %%eax, %%eax", "lldt %%ax");
    PRIV("ltr", "xor %%eax, %%eax", "ltr %%ax");
    PRIV("lmsw", "mov $0x33, %%eax", "lmsw %%ax");
    PRIV("invlpg", "", "invlpg scratch(%%rip)");
    PRIV("wbinvd", "", "wbinvd");
    PRIV("invd", "", "invd");
    PRIV("clts", "", "clts");
    PRIV("swapgs", "", "swapgs");
    PRIV("xsetbv", "xor %%ecx, %%ecx; mov $3, %%eax; xor %%edx, %%edx", "xsetbv");
    PRIV("rdpmc", "xor %%ecx, %%ecx", "rdpmc");
    PRIV("sysretq", "", "sysretq");
    /* iretq to CPL 0: a frame with the kernel's CS (0x10) and SS (0x18); where it faults the
     * frame is still on the stack, and the code after label 2 drops it */
    PRIV("iretq to cpl 0",
         "mov %%rsp, %%rax; push $0x18; push %%rax; pushfq; push $0x10;"
         "lea 3f(%%rip), %%rax; push %%rax",
         "iretq\n3: jmp 4f\n2: add $40, %%rsp\n4:");
    CASE("sysexit", "", "sysexitq");
    report_either("sysexit");

    /* popf: IOPL and IF are not a user's to change; the attempt is ignored, no fault */
    uint64_t before = flags(), after;
    __asm__ volatile("pushfq; orq $0x3000, (%%rsp); popfq; pushfq; pop %0" : "=r"(after));
    printf("popf iopl=3: iopl=%llu\n", (unsigned long long)((after >> 12) & 3));
    __asm__ volatile("pushfq; andq $~0x200, (%%rsp); popfq; pushfq; pop %0; pushfq;"
                     "orq $0x200, (%%rsp); popfq"
                     : "=r"(after));
    printf("popf if=0: if=%llu (was %llu)\n", (unsigned long long)((after >> 9) & 1),
           (unsigned long long)((before >> 9) & 1));

    PRIV("ud2", "", "ud2");
    PRIV("int3", "", "int3");

    unprivileged(); /* still fine after all that */
    printf("done\n");
    return 0;
}
