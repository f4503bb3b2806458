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
#include "guest_trap.h"

static void probe(const char *what, uintptr_t a, int write)
{
    guest_trap_reset();
    if (!sigsetjmp(guest_trap_env, 1)) {
        if (write)
            *(volatile uint8_t *)a = 1;
        else
            (void)*(volatile uint8_t *)a;
    }
    printf("%-5s %-28s sig=%d code=%d addr=%s\n", write ? "store" : "load", what, guest_trap_sig,
           guest_trap_code,
           guest_trap_addr == (void *)a ? "the address"
           : guest_trap_addr == NULL    ? "0"
                                        : "other");
    fflush(stdout);
}

int main(void)
{
    guest_trap_on(SIGSEGV);
    guest_trap_on(SIGBUS);
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
