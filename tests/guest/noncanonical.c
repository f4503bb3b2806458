/*
 * noncanonical.c - loads and stores at addresses a user program may not use: non-canonical
 * ones (bits 63-47 not all equal), which the CPU refuses with #GP before any page walk, and
 * canonical kernel-half and unmapped user ones, which are page faults.
 *
 * Linux: #GP is do_general_protection's SIGSEGV with si_code SI_KERNEL (128) and si_addr 0; a
 * page fault's SIGSEGV is SEGV_MAPERR with the address. Until 2026-12-07 faultline took a
 * non-canonical address for a page fault (SEGV_MAPERR, si_addr the address, a row in the
 * log). No fault rows of interest.
 */
#include <setjmp.h>
#include <signal.h>

#include "guest.h"

static sigjmp_buf env;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    got_addr = si->si_addr;
    siglongjmp(env, 1);
}

static void probe(const char *what, uintptr_t a, int write)
{
    got_sig = 0;
    got_code = 0;
    got_addr = (void *)1;
    if (!sigsetjmp(env, 1)) {
        if (write)
            *(volatile uint8_t *)a = 1;
        else
            (void)*(volatile uint8_t *)a;
    }
    printf("%-5s %-28s sig=%d code=%d addr=%s\n", write ? "store" : "load", what, got_sig, got_code,
           got_addr == (void *)a ? "the address"
           : got_addr == NULL    ? "0"
                                 : "other");
    fflush(stdout);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
        guest_die("sigaction");
    for (int write = 0; write < 2; write++) {
        probe("unmapped user page", 0x10000010UL, write);
        probe("last user page", 0x00007ffffffff010UL, write);
        probe("bit 47", 0x0000800000000010UL, write);
        probe("bit 48", 0x0001000000000010UL, write);
        probe("bit 63", 0x8000000000000010UL, write);
        probe("all but bit 47 high", 0xffff7ffffffff010UL, write);
        probe("kernel half", 0xffff800000000010UL, write);
        probe("top page", 0xfffffffffffff010UL, write);
    }
    return 0;
}
