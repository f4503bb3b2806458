/*
 * guest_trap.h - go on after an access or an instruction that raises a signal: the trap's
 * handler records the signal, its si_code and si_addr and jumps back to the guest_trap_env
 * the caller set. One signal at a time; a guest that catches faults this way includes it.
 *
 *     guest_trap_on(SIGSEGV);
 *     guest_trap_reset();
 *     if (!sigsetjmp(guest_trap_env, 1))
 *         *(volatile char *)p = 1;
 *     printf("%d\n", guest_trap_sig);   (0: nothing was raised)
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <setjmp.h>
#include <signal.h>

#include "guest.h"

static sigjmp_buf guest_trap_env;
static volatile int guest_trap_sig, guest_trap_code;
static void *volatile guest_trap_addr;

static inline void guest_trap_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    guest_trap_sig = sig;
    guest_trap_code = si->si_code;
    guest_trap_addr = si->si_addr;
    siglongjmp(guest_trap_env, 1);
}

/* Send sig to the trap. */
static inline void guest_trap_on(int sig)
{
    struct sigaction sa = {.sa_sigaction = guest_trap_handler, .sa_flags = SA_SIGINFO};
    if (sigaction(sig, &sa, NULL))
        guest_die("sigaction");
}

/* Forget the last trap: no signal, si_code 0, si_addr 1 (a value no fault reports). */
static inline void guest_trap_reset(void)
{
    guest_trap_sig = 0;
    guest_trap_code = 0;
    guest_trap_addr = (void *)1;
}

#endif
