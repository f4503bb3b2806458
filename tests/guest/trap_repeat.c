/*
 * trap_repeat.c - the same CPU exception caught again and again, as a runtime that turns
 * divide errors into exceptions does (and stress-ng's --sigfpe and --sigsegv).
 *
 * Each round divides by zero (#DE: SIGFPE, FPE_INTDIV, si_addr the idiv) and then runs an
 * instruction longer than 15 bytes (#GP: SIGSEGV, SI_KERNEL, si_addr 0); a handler longjmps
 * out of each. Every exception is delivered before the next: none is a double fault. Until
 * faultline cleared the engine's exception in flight after taking one (mmu/exception_state.c),
 * the second divide error came as SIGSEGV (a double fault) and the third exception stopped the
 * engine at that instruction for good. No fault rows of interest.
 */
#include "guest_trap.h"

static __attribute__((noinline)) void divide_error(int zero)
{
    int a = 7, d = 0;
    __asm__ volatile("cltd; idivl %2" : "+a"(a), "+d"(d) : "r"(zero));
}

static __attribute__((noinline)) void too_long(void)
{
    int a = 1, b = 2;
    /* 28 REPNE prefixes and a mul: an instruction of 30 bytes */
    __asm__ volatile(".rept 28\n.byte 0xf2\n.endr\nmul %1\n" : "=r"(a) : "r"(b), "r"(a));
}

static void try(const char *what, void (*f)(int), int arg)
{
    guest_trap_reset();
    if (!sigsetjmp(guest_trap_env, 1))
        f(arg);
    printf("%s: %s code=%d addr=%s\n", what,
           guest_trap_sig == SIGFPE    ? "SIGFPE"
           : guest_trap_sig == SIGSEGV ? "SIGSEGV"
           : guest_trap_sig == 0       ? "none"
                                       : "other",
           guest_trap_code,
           guest_trap_addr == NULL        ? "0"
           : guest_trap_addr == (void *)1 ? "unset"
                                          : "set");
    fflush(stdout);
}

static void too_long_arg(int unused)
{
    (void)unused;
    too_long();
}

int main(int argc, char **argv)
{
    (void)argv;
    guest_trap_on(SIGFPE);
    guest_trap_on(SIGSEGV);
    int zero = argc > 5; /* 0, without the compiler knowing */
    for (int i = 0; i < 4; i++) {
        printf("round %d\n", i);
        try("divide by zero", divide_error, zero);
        try("30-byte instruction", too_long_arg, 0);
    }
    for (int i = 0; i < 3; i++)
        try("divide by zero again", divide_error, zero);
    return 0;
}
