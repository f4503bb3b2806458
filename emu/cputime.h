/*
 * cputime.h - the CPU time of guest tasks: how long each ran, split into user and system time
 * (models kernel/sched/cputime.c with the accounting parts of kernel/exit.c and kernel/sys.c).
 *
 * All guest tasks take turns on faultline's one emulator thread, so a task's runtime is that
 * thread's CPU clock while the task is on the CPU (sum_exec_runtime: read when it goes on and
 * off, and when somebody asks). The split is sampled as Linux's tick accounting does: a ticker
 * thread looks, HZ times a second, whether the emulator thread ran since the last tick and
 * whether the CPU was in guest code (user) or in the kernel (cpu_cpl, mmu/mmu.h: a syscall, a
 * page fault from its entry in the TLB-fill hook, the scheduler); cputime_adjust then scales
 * those samples to the precise runtime, never letting a reported time go backwards. Entering
 * guest code again after a fault counts as user time: nothing marks the first instruction.
 */
#ifndef FL_CPUTIME_H
#define FL_CPUTIME_H

#include <stdbool.h>
#include <stdint.h>

#include "emu/task_io.h"

struct proc;
struct emu;

#define CPUTIME_HZ 250 /* ticks a second, CONFIG_HZ_250 as Debian's kernels */
#define TICK_NSEC  (1000000000ULL / CPUTIME_HZ)

/* Times in nanoseconds. */
struct task_cputime {
    uint64_t utime, stime, sum_exec_runtime;
};
/* What was last reported, so that a later report is never smaller (Linux's prev_cputime). */
struct prev_cputime {
    uint64_t utime, stime;
};

/* The accounting half of a thread group's signal_struct: shared by its threads, refcounted. */
struct group_acct {
    int refs;
    struct task_cputime dead; /* threads of the group that have exited (adjusted times) */
    unsigned long dead_min_flt, dead_maj_flt;
    struct task_cputime children; /* reaped children, with their own reaped children */
    unsigned long cmin_flt, cmaj_flt;
    /* peak RSS in pages (signal->maxrss, cmaxrss): of the mms the group's tasks left by exit or
     * execve, and the largest of the reaped children's (each its own or its children's) */
    unsigned long maxrss, cmaxrss;
    struct prev_cputime prev; /* thread_group_cputime_adjusted */
    /* signal->ioac: the reads and writes of exited threads and of reaped children */
    struct task_io_accounting ioac;
};

/* A new group's (aborts when out of memory, as shared_pending_new does), another thread's hold
 * on its group's, and letting go. */
struct group_acct *group_acct_new(void);
struct group_acct *group_acct_hold(struct group_acct *a);
void group_acct_put(struct group_acct *a);

/* The emulator thread (the caller) starts accounting: the ticker thread starts sampling it,
 * and kicks e's engine when a CPU-time itimer is due. cputime_stop ends the ticker; both once
 * per run. */
void cputime_start(struct emu *e);
void cputime_stop(void);
/* The emulator thread is about to wait for the host with nothing to run (idle), or runs a
 * process again. No tick can go to a task meanwhile, so the ticker sleeps instead of waking 250
 * times a second for nothing. */
void cputime_idle(bool idle);

/* p goes on the CPU (the emulator thread runs it from now), and comes off it. */
void account_switch_in(struct proc *p);
void account_switch_out(struct proc *p);

/* The thread's own times (RUSAGE_THREAD, CLOCK_THREAD_CPUTIME_ID), adjusted. */
struct task_cputime task_cputime_adjusted(struct proc *p);
/* The whole thread group's: every live thread and the exited ones (RUSAGE_SELF, times(),
 * CLOCK_PROCESS_CPUTIME_ID, /proc/PID/stat). */
struct task_cputime thread_group_cputime_adjusted(struct proc *p);
/* Minor and major faults of the whole thread group. */
void thread_group_faults(struct proc *p, unsigned long *min_flt, unsigned long *maj_flt);
/* The faults a parent's wait4 reports for process p once p has exited: its whole thread group
 * and the descendants it reaped itself (what account_reap adds to the parent). */
void wait_rusage_faults(struct proc *p, unsigned long *min_flt, unsigned long *maj_flt);

/* Thread p has exited and is off the CPU: its times and faults join its group's dead ones
 * (__exit_signal). Once per thread; the first call counts. */
void account_thread_exit(struct proc *p);
/* parent reaps the zombie group leader child: the child's group times and faults, and those of
 * its own reaped children, join parent's children, and its peak RSS (or its children's) raises
 * parent's children's peak (wait_task_zombie). */
void account_reap(struct proc *parent, struct proc *child);

/* The thread group's CPU time as the samples count it (not adjusted): what ITIMER_PROF
 * (utime + stime) and ITIMER_VIRTUAL (utime) count down, in whole ticks; sum_exec_runtime is
 * precise. task_cputime_sampled: the same for one thread. */
struct task_cputime thread_group_cputime_sampled(struct proc *p);
struct task_cputime task_cputime_sampled(struct proc *p);

/* How much more CPU time of the running task p makes its earliest CPU timer due, in ns
 * (UINT64_MAX: none armed): prof counts user + system samples (ITIMER_PROF, CPUCLOCK_PROF), virt
 * user samples (ITIMER_VIRTUAL, CPUCLOCK_VIRT), sched the precise runtime (CPUCLOCK_SCHED).
 * The ticker kicks the engine at the first tick that reaches one, and cputime_timers_due() says
 * so once. Only for the task on the CPU: switching it out forgets them. */
struct cpu_timer_deadlines {
    uint64_t prof_left, virt_left, sched_left;
};
void cputime_set_timer_deadlines(struct proc *p, const struct cpu_timer_deadlines *d);
bool cputime_timers_due(void);

/* Clock ticks (USER_HZ, 100 a second), as times(), /proc and siginfo report CPU time. */
uint64_t nsec_to_clock_t(uint64_t ns);

#endif
