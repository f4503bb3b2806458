/*
 * signal.h - how faults, traps and kill() become signals for a process, and how they reach it
 * (kernel/signal.c, the x86 traps of arch/x86/kernel/traps.c, arch/x86/kernel/signal.c).
 *
 * Generation only queues: the signal becomes a bit in p->pending with its siginfo. Delivery
 * happens where Linux does it, on the way back to user mode: the run loop calls do_signal()
 * each time the engine has stopped (after a fault, a trap, or a syscall that left a signal
 * deliverable), with the engine's registers precise. do_signal either applies the default
 * action or builds an rt_sigframe on the guest stack and enters the handler.
 */
#ifndef FL_SIGNAL_H
#define FL_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/proc.h"

struct pt_regs;

#define FL_SIG_DFL 0
#define FL_SIG_IGN 1

/* sa_flags (include/uapi/asm-generic/signal.h, x86) */
#define FL_SA_SIGINFO   0x00000004
#define FL_SA_ONSTACK   0x08000000
#define FL_SA_RESTORER  0x04000000
#define FL_SA_RESTART   0x10000000
#define FL_SA_NODEFER   0x40000000
#define FL_SA_RESETHAND 0x80000000
#define FL_SA_NOCLDSTOP 0x00000001 /* SIGCHLD: not for children that stop or continue */

/* si_code values faultline produces outside faults */
#define FL_SI_USER   0
#define FL_SI_QUEUE  (-1)
#define FL_SI_TKILL  (-6)
#define FL_SI_TIMER  (-2)
#define FL_SI_KERNEL 0x80

/* SIGCHLD's si_code: what happened to the child */
#define FL_CLD_EXITED    1
#define FL_CLD_KILLED    2
#define FL_CLD_TRAPPED   4
#define FL_CLD_STOPPED   5
#define FL_CLD_CONTINUED 6

/* The siginfo a parent (or tracer) gets about child `pid` (signo: SIGCHLD, or the exit signal a
 * clone asked for): si_code FL_CLD_*, status the exit code or signal, the guest's uid (the host
 * user's), no CPU times (the callers that report them fill utime and stime). */
struct fl_siginfo chld_siginfo(int signo, int code, int pid, int status);
/* The siginfo of a signal sent by process `pid` (kill, tgkill, a tracer's; prepare_kill_siginfo):
 * si_code FL_SI_USER or another sender code, the guest's uid. */
struct fl_siginfo kill_siginfo(int signo, int code, int pid);
/* The same for child p that has exited: FL_CLD_KILLED with its signal, or FL_CLD_EXITED with
 * its code. */
struct fl_siginfo chld_exit_siginfo(int signo, const struct proc *p, int pid);

static inline uint64_t sigmask_of(int signo)
{
    return 1ULL << (signo - 1);
}

/* force_sig_fault: a synchronous signal from a fault (SIGSEGV/SIGBUS) that cannot be ignored or
 * blocked: a blocked or ignored one resets the action to SIG_DFL, as force_sig_info does. */
void force_sig_fault(struct proc *p, int signo, int si_code, uint64_t addr,
                     const struct pt_regs *regs, unsigned long error_code);
/* A CPU exception other than #PF (vector intno) as Linux's do_trap turns it into a signal. */
void force_sig_trap(struct proc *p, int intno, const struct pt_regs *regs, unsigned long error_code,
                    int si_code);
/* force_sig_seccomp: a seccomp filter's SECCOMP_RET_TRAP, SIGSYS (SYS_SECCOMP) forced as
 * force_sig_fault's signals are, naming the call (nr), the filter's data (si_errno) and the
 * address after the `syscall` instruction. */
void force_sig_seccomp(struct proc *p, int nr, int data, uint64_t call_addr);
/* force_sigsegv: a signal frame could not be written or read back. If the signal being handled
 * was SIGSEGV its handler is reset first, so the next delivery kills. */
void force_sigsegv(struct proc *p, int signo);
/* send_signal: queue signo for p with info (NULL: SI_USER from p itself). Ignored signals are
 * discarded at once; SIGKILL kills at once; a real-time signal already pending queues another
 * instance. Returns 0, -EINVAL, or -EAGAIN when RLIMIT_SIGPENDING leaves no room to queue. */
long send_signal(struct proc *p, int signo, const struct fl_siginfo *info);
/* complete_signal's choice of the thread that takes a signal sent to a whole thread group (kill,
 * a timer): one waiting for it in sigwait, else the leader unless it blocks it, else another
 * thread that does not block it; NULL when all block it (send_signal_group keeps it shared). */
struct proc *group_signal_target(struct proc *leader, int signo);
/* p is freed: the real-time signals still queued for it go (flush_sigqueue). */
void signal_queue_release(struct proc *p);
/* A signal p sends itself without siginfo of its own (SIGPIPE from a write): SI_USER. */
long send_sig_self(struct proc *p, int signo);
const char *signal_name(int signo);
/* set_user_sigmask for a wait with a mask of its own (pselect6, epoll_pwait): the mask replaces
 * the blocked set while the call waits, as rt_sigsuspend's does; a handler's frame saves the
 * caller's own mask, and the run loop restores it when no handler ran (emu/run.c). Call
 * wait_sigmask_end with the call's result: unless it parked, the caller's mask is back. */
void wait_sigmask_begin(struct proc *p, uint64_t mask);
void wait_sigmask_end(struct proc *p, long ret);
/* A POSIX timer's signal is being taken (emu/sys_timer.c): its si_overrun becomes the expiries
 * missed while it was pending, which timer_getoverrun reports from now on (posixtimer_rearm). */
void posix_timer_dequeued(struct proc *p, struct fl_siginfo *info);

/* The signals pending for thread p: its own and its thread group's. */
static inline uint64_t sigpending_all(const struct proc *p)
{
    return p->pending | p->shared->set;
}

/* A pending signal that is not blocked: the process must go through do_signal before it runs. */
static inline bool fl_signal_pending(const struct proc *p)
{
    return (sigpending_all(p) & ~p->blocked) != 0;
}

/* A thread group's shared pending set: new (refs 1; aborts when out of memory), one more thread
 * of the group, and the end of one. */
struct shared_pending *shared_pending_new(void);
struct shared_pending *shared_pending_hold(struct shared_pending *s);
void shared_pending_put(struct shared_pending *s);

/* A signal for the thread group of `leader` (kill, a timer, a child's exit): taken by a thread
 * waiting for it in sigwait, else by a thread that does not block it (the leader first), else it
 * stays in the group's shared pending set until a thread unblocks or waits for it. */
long send_signal_group(struct proc *leader, int signo,
                       const struct fl_siginfo *info /* not NULL */);
/* __kill_pgrp_info: signo with info to every process of guest process group pgid (each
 * through send_signal_group). 0, or -ESRCH when the group has no live process. */
struct emu;
long kill_pgrp_info(struct emu *e, int pgid, int signo, const struct fl_siginfo *info);
/* Take signo off p's own pending set, else off its group's; its siginfo. */
struct fl_siginfo dequeue_signal(struct proc *p, int signo);
/* The next signal of `set` to take: synchronous (fault) signals first, then the lowest. 0: none. */
int next_signal(uint64_t set);

/* emu/sys_signalfd.c: bring every signalfd's readiness (its host eventfd) up to the pending
 * signals, after they changed. */
void signalfd_sync(struct emu *e);
struct ofd;
/* read(2) of a signalfd: dequeue up to len / 128 signals of its mask as signalfd_siginfo records
 * at buf. The bytes written, -EINVAL (len < 128), -EFAULT, or -EAGAIN when none is pending. */
long signalfd_read(struct proc *p, struct ofd *o, uint64_t buf, uint64_t len);
/* The signalfd's open file description is closed (ofd_put). */
void signalfd_release(struct signalfd_ctx *c);

/* emu/sys_pidfd.c: the thread group `tgid` is gone (its last task exited): its pidfds become
 * readable. */
void pidfd_exited(struct emu *e, int tgid);
/* The pidfd's open file description is closed (ofd_put). */
void pidfd_release(struct pidfd_ctx *c);
/* The pid (thread-group leader) the pidfd `fd` names; -EBADF when fd is not a pidfd. */
int pidfd_pid(struct proc *p, int fd);

/*
 * do_signal (arch/x86/kernel/signal.c): take the next deliverable signal (synchronous ones
 * first, then the lowest number), and apply its action: ignore, terminate (proc_exit with the
 * signal), or build the rt_sigframe and point the registers at the handler. Call only while
 * the engine is stopped; the caller loops while fl_signal_pending() and the process lives.
 */
void do_signal(struct proc *p);
/* Whether signo, raised now for p's process group, would end p at its next delivery: the
 * action is the default one and terminates, p does not block it and has no tracer to decide. */
bool signal_kills(const struct proc *p, int signo);
/*
 * Job control (kernel/signal.c). A stop signal whose action is the default (SIGTSTP, SIGTTIN and
 * SIGTTOU only outside an orphaned process group) stops every thread of the group at once
 * (do_signal_stop: p->stopped, FL_STOP_STOPPED) and tells the parent (CLD_STOPPED); SIGCONT,
 * when generated, continues it (prepare_signal) and tells the parent (CLD_CONTINUED). A stopped
 * thread keeps its parked syscall, which goes on (or is retried) once it is continued, as
 * Linux restarts it; the scheduler does not run it meanwhile.
 *
 * take_stop_signals: a signal arrived for parked p (proc_signal_wake): the default-action stop
 * signals at the head of its deliverable set are taken now, so that the stop leaves its syscall
 * parked rather than ending it. Returns true if p is stopped now.
 */
bool take_stop_signals(struct proc *p);
/* setup_rt_frame (emu/signal_frame.c): write the rt_sigframe for signo with action ka and the
 * mask to restore (oldmask), and point the registers at the handler. Nonzero if the frame could
 * not be written (the caller then forces SIGSEGV, as signal_setup_done does). */
int setup_rt_frame(struct proc *p, int signo, const struct fl_siginfo *info,
                   const struct k_sigaction *ka, uint64_t oldmask);
/* The FPU and SSE state of the task with registers m (loaded on the engine or not) as the
 * 512-byte FXSAVE image (struct user_i387_struct), and back: PTRACE_GETFPREGS/SETFPREGS. The
 * reserved MXCSR bits are not written. */
struct mmu;
void fpu_get_fxsave(struct mmu *m, void *fxsave);
void fpu_set_fxsave(struct mmu *m, const void *fxsave);
/* The second half of rt_sigreturn: restore registers, FPU state, mask and altstack from the
 * frame at rsp - 8 (the restorer's `ret` popped pretcode). A bad frame is SIGSEGV. */
void restore_rt_sigframe(struct proc *p);

#endif
