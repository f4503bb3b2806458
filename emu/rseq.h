/*
 * rseq.h - restartable sequences (kernel/rseq.c of Linux 4.20): what the rest of the emulated
 * kernel calls at fork, exec, a context switch, signal delivery and the return to user mode.
 */
#ifndef FL_RSEQ_H
#define FL_RSEQ_H

#include <stdbool.h>

struct proc;

/* rseq_fork: a task sharing the address space (CLONE_VM: a thread, a vfork child) starts
 * unregistered; one with an address space of its own inherits the parent's registration, its
 * pending events, and the need to update the area. */
void rseq_fork(struct proc *child, const struct proc *parent, bool shares_vm);

/* rseq_execve: the new image starts unregistered. */
void rseq_execve(struct proc *p);

/* rseq_preempt: p was switched out (prepare_task_switch): an event that aborts a critical
 * section, and the cpu number to write again on its way back to user mode. */
void rseq_preempt(struct proc *p);

/* Whether p must go through rseq_handle_notify_resume before it runs guest code again. */
bool rseq_notify_pending(const struct proc *p);

/*
 * rseq_handle_notify_resume, on the return to user mode: move RIP to the abort handler if it is
 * inside a critical section that an event since it began must abort, and write the cpu number
 * (0: the guest has one CPU) to the area's cpu_id_start and cpu_id, with kernel-mode accesses
 * that fault like Linux's put_user. A bad area or critical-section descriptor is SIGSEGV.
 */
void rseq_handle_notify_resume(struct proc *p);

/*
 * rseq_signal_deliver: before a handler's frame is built for signo, the same, with a signal as
 * the event (the frame then saves the abort handler's address). A bad area sends SIGSEGV
 * (force_sigsegv), and the frame is built all the same, as in Linux.
 */
void rseq_signal_deliver(struct proc *p, int signo);

#endif
