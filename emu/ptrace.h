/*
 * ptrace.h - one guest process tracing another (kernel/ptrace.c, arch/x86/kernel/ptrace.c and
 * the ptrace stops of kernel/signal.c): the request constants and the hooks the run loop, the
 * signal code, fork, execve, exit and wait call. The requests are in emu/sys_ptrace.c.
 *
 * A tracee in a ptrace stop is TASK_TRACED (p->traced): the scheduler skips it as it skips a
 * stopped task, until its tracer resumes it. Stops are taken where Linux takes them, on the way
 * back to user mode: the syscall hook only records that one is due (p->pt_pending) and stops the
 * engine, and the run loop takes it (ptrace_work) with the registers precise. A syscall-entry
 * stop is taken before the call runs: the hook returns -ENOSYS in rax (what the tracer sees, as
 * on Linux) and, when the tracee is resumed, rip is rewound to the syscall instruction with rax =
 * orig_rax (which the tracer may have changed), so the call runs then; p->in_syscall keeps that
 * second pass, and the retries of a parked call, from stopping at the entry again.
 */
#ifndef FL_PTRACE_H
#define FL_PTRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/proc.h"

/* include/uapi/linux/ptrace.h */
#define PTRACE_EVENT_FORK       1
#define PTRACE_EVENT_VFORK      2
#define PTRACE_EVENT_CLONE      3
#define PTRACE_EVENT_EXEC       4
#define PTRACE_EVENT_VFORK_DONE 5
#define PTRACE_EVENT_EXIT       6
#define PTRACE_EVENT_SECCOMP    7
#define PTRACE_EVENT_STOP       128

#define PTRACE_O_TRACESYSGOOD    1
#define PTRACE_O_TRACEFORK       (1 << PTRACE_EVENT_FORK)
#define PTRACE_O_TRACEVFORK      (1 << PTRACE_EVENT_VFORK)
#define PTRACE_O_TRACECLONE      (1 << PTRACE_EVENT_CLONE)
#define PTRACE_O_TRACEEXEC       (1 << PTRACE_EVENT_EXEC)
#define PTRACE_O_TRACEVFORKDONE  (1 << PTRACE_EVENT_VFORK_DONE)
#define PTRACE_O_TRACEEXIT       (1 << PTRACE_EVENT_EXIT)
#define PTRACE_O_TRACESECCOMP    (1 << 7)
#define PTRACE_O_EXITKILL        (1 << 20)
#define PTRACE_O_SUSPEND_SECCOMP (1 << 21)
#define PTRACE_O_MASK            (0x000000ff | PTRACE_O_EXITKILL | PTRACE_O_SUSPEND_SECCOMP)

/* The kinds of ptrace stop (what the stop's end leads to). */
enum pt_stop {
    PT_STOP_NONE,
    PT_STOP_SYSENTER, /* syscall-entry: the call runs when resumed */
    PT_STOP_SYSEXIT,  /* syscall-exit */
    PT_STOP_RESTART,  /* syscall-exit of a parked call a signal cut short (-ERESTARTSYS) */
    PT_STOP_SIGNAL,   /* signal-delivery: the tracer picks the signal to deliver */
    PT_STOP_EVENT,    /* PTRACE_EVENT_FORK/VFORK/CLONE/EXEC, PTRACE_INTERRUPT's trap */
    PT_STOP_EXIT,     /* PTRACE_EVENT_EXIT: exit or exit_group runs when resumed */
    PT_STOP_GROUP,    /* group-stop of a traced task (PTRACE_EVENT_STOP when seized) */
    PT_STOP_SECCOMP,  /* PTRACE_EVENT_SECCOMP: the call (maybe another) runs when resumed */
};

/* pt_pending */
#define PT_P_EVENT     1u /* an event stop (pt_event) */
#define PT_P_SYSEXIT   2u
#define PT_P_SYSENTER  4u
#define PT_P_INTERRUPT 8u  /* JOBCTL_TRAP_STOP: PTRACE_INTERRUPT, or a new seized child */
#define PT_P_EXIT      16u /* PTRACE_EVENT_EXIT */
#define PT_P_SECCOMP   32u /* PTRACE_EVENT_SECCOMP */

/* The run loop, at each return to user mode (early: before a parked syscall is put back to
 * sleep, where only an event stop is taken): first what follows a stop the tracer has ended
 * (the syscall of an entry stop rewound to run, the signal it chose queued), then the next due
 * stop. True if p is in a ptrace stop now and must leave the CPU. */
bool ptrace_work(struct proc *p, bool early);
/* The syscall hook, before running call nr with the first argument arg0: true if an entry
 * stop (or PTRACE_EVENT_EXIT) comes first, in which case the call is not run now. */
bool ptrace_syscall_enter(struct proc *p, uint64_t nr, uint64_t arg0);
/* The syscall hook, after the call: unless it is parked to be retried (still), it has
 * returned, so its exit stop is due. */
void ptrace_syscall_exit(struct proc *p, bool still_in_call);
/* get_signal: signal-delivery stop for signo (with its siginfo, dequeued) of a traced p, unless
 * the tracer already let this one through. True if p stopped (the signal is the tracer's now;
 * what it resumes p with is delivered next, without a second stop). */
bool ptrace_signal(struct proc *p, int signo, const struct fl_siginfo *info);
/* Before get_signal dequeues: the exit stop of a parked call that a signal ends, with the
 * restart code Linux's call returns (-ERESTARTSYS, -ERESTARTNOHAND, -ERESTART_RESTARTBLOCK);
 * true if p is in it now. */
bool ptrace_restart_stop(struct proc *p);
/* do_signal_stop for traced thread t: its group-stop is a ptrace stop. */
void ptrace_group_stop(struct proc *t, int signo);
/* prepare_signal's SIGCONT for traced thread t (ptrace_trap_notify): a seized tracee in its
 * group stop traps again, to tell its tracer. */
void ptrace_continued(struct proc *t);
/* copy_process / ptrace_init_task / the fork's ptrace_event: child c of traced p is traced too
 * when the tracer asked for the event (or CLONE_PTRACE), and p stops for the event. */
void ptrace_fork(struct proc *p, struct proc *c, uint64_t clone_flags, bool vfork);
/* A successful execve: PTRACE_EVENT_EXEC, or the legacy SIGTRAP. */
void ptrace_exec(struct proc *p, int old_pid);
/* exit_notify of p: exit_ptrace (p's tracees are detached, or killed with PTRACE_O_EXITKILL),
 * then, if p is traced by someone other than its parent, the tracer hears of its death first:
 * true then (the parent is told once the tracer has reaped it, ptrace_reaped). */
bool ptrace_exit_notify(struct proc *p);
/* The tracer's wait reported dead tracee q that it traces but is not the parent of: q is the
 * parent's to wait for now. */
void ptrace_reaped(struct proc *q);
/* access_process_vm(FOLL_FORCE): up to n bytes between buf and [addr, addr + n) of task t (a
 * write goes through a read-only private mapping by a COW copy, as a debugger's breakpoint
 * does), page by page; the bytes moved before the first page that cannot be reached. Used by
 * the PEEK and POKE requests and by /proc/PID/mem. */
size_t ptrace_access_vm(struct proc *t, uint64_t addr, void *buf, size_t n, bool write);
/* Is q traced by a thread of p's group (its tracer's wait sees it)? */
bool ptraced_by(const struct proc *q, const struct proc *p);

#endif
