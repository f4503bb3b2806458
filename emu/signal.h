/*
 * signal.h - how faults and traps become signals for a process (kernel/signal.c, the x86
 * traps of arch/x86/kernel/traps.c).
 *
 * Delivery to guest handlers (the rt_sigframe on the guest stack, rt_sigreturn) belongs to the
 * processes-and-signals work; until then a signal that would run a guest handler is reported
 * plainly and the process dies of it, so nothing is silently wrong.
 */
#ifndef FL_SIGNAL_H
#define FL_SIGNAL_H

#include <stdint.h>

struct proc;
struct pt_regs;

#define FL_SIG_DFL 0
#define FL_SIG_IGN 1

/* force_sig_fault: a synchronous signal from a fault (SIGSEGV/SIGBUS) that cannot be ignored. */
void force_sig_fault(struct proc *p, int signo, int si_code, uint64_t addr,
                     const struct pt_regs *regs, unsigned long error_code);
/* A CPU exception other than #PF (vector intno) as Linux's do_trap turns it into a signal. */
void force_sig_trap(struct proc *p, int intno, const struct pt_regs *regs);
/* A signal sent by kill/tgkill/raise to p itself. Returns 0. */
long send_sig_self(struct proc *p, int signo);
const char *signal_name(int signo);

#endif
