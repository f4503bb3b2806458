/*
 * sched.h - several processes on one emulated machine: how they take turns, park in blocking
 * syscalls and are woken (kernel/sched/, kernel/exit.c, kernel/fork.c, fs/exec.c).
 *
 * Scheduling is round robin and deterministic: the running process keeps the CPU until it
 * exits, blocks in a syscall (read of an empty guest pipe, write to a full one, poll without a
 * timeout on guest pipes, wait4/waitid, vfork, pause, rt_sigsuspend), or uses up its time slice;
 * then the next runnable process in pid order after it runs. The slice is counted in translated
 * blocks executed (QUANTUM_BLOCKS in emu/run.c) by a UC_HOOK_BLOCK hook, which is built into the
 * code of the engine a process runs on while another process is runnable (mmu/mmu.h: the CPU has
 * a build without it for a lone process, so the fast path never carries it), and a parent
 * busy-waiting with WNOHANG cannot starve its child. A parked process becomes runnable
 * when its condition holds (checked only when no process is runnable: data or EOF on the pipe,
 * room in it, a child to report, a futex wake) or when a signal it does not block arrives;
 * a stop signal does not wake it but stops it where it is (emu/signal.h). A stopped task
 * (p->stopped, Linux's TASK_STOPPED, parked or not) is skipped like a parked one whose condition
 * does not hold, until SIGCONT continues it or SIGKILL kills it.
 * Every decision depends only on what the guests did, never on host time, so the same run gives
 * the same interleaving and the same fault log (tests/e2e/processes/determinism.py) - except
 * for timed futex waits (threads: pthread_cond_timedwait, Python's GIL), which also end by the
 * host clock; when nothing else can run, the machine sleeps until the first of them ends. So
 * do sleeps, poll/epoll_wait with a timeout and socket calls under SO_RCVTIMEO/SO_SNDTIMEO:
 * they park until their time has come (or a wait's fds are ready). Still blocking the whole
 * machine: an endless wait on host fds alone.
 *
 * Wake-up preemption (check_preempt_wakeup): when the running task's syscall makes a parked or
 * stopped one runnable (a signal, SIGCONT, data in a pipe or signalfd, a child's stop for
 * wait4), the woken task gets the CPU at that syscall's return if the running one is ahead of
 * it in virtual runtime by more than a granularity; otherwise the running task's turn gets a
 * time slice. Virtual runtime is counted in translated blocks and syscalls, never host time,
 * so this keeps the interleaving deterministic (emu/run.c, wakeup_preempt).
 *
 * A parked syscall is retried, as Linux's -ERESTARTSYS does: the run loop rewinds rip to the
 * syscall instruction and puts the number back in rax, so the syscall runs again from scratch
 * when the process is picked. A signal handler that interrupts it turns that into -EINTR unless
 * the action has SA_RESTART.
 */
#ifndef FL_SCHED_H
#define FL_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/time.h>
#include <time.h>

#include "emu/proc.h"

#define FL_ERESTARTSYS 512 /* a handler parked its process: retry the syscall later */

enum proc_wait {
    WAIT_NONE,
    WAIT_FD_READ,  /* read/readv of an empty guest pipe (wait_arg: guest fd) */
    WAIT_FD_WRITE, /* write/writev to a full guest pipe */
    WAIT_CHILD,    /* wait4/waitid with no child to report yet */
    WAIT_VFORK,    /* vfork: until vfork_child execs or exits; not interruptible */
    WAIT_SIGNAL,   /* pause, rt_sigsuspend: only a signal ends it */
    WAIT_POLL,     /* poll without timeout on a set with guest pipes (wait_poll) */
    WAIT_FUTEX,    /* FUTEX_WAIT: until a FUTEX_WAKE on its key, or wait_deadline */
    WAIT_SLEEP,    /* nanosleep/clock_nanosleep: until wait_deadline */
    WAIT_SIGWAIT,  /* rt_sigtimedwait: until a signal of wait_sigset is pending, or the deadline */
    WAIT_SYSV,     /* semop, msgsnd, msgrcv: until sysv_wait is done (or fits), or the deadline */
    WAIT_AIO,      /* io_getevents: until its context holds wait_arg events, or the deadline */
    WAIT_UFFD,     /* a page fault handed to a userfaultfd (handle_userfault): until a wake
                      covers it; no syscall to restart, the access is made again */
};

/* Park p in the syscall now being handled. With restart the handler returns -FL_ERESTARTSYS
 * and the call is retried later; without it the handler's return value is delivered when the
 * process is woken (vfork returns the child's pid). */
void proc_park(struct proc *p, enum proc_wait why, int arg, bool restart);
/* Park p in the syscall now being handled, to try it again after ms milliseconds: for a wait
 * with nothing to poll for (a host flock held, a full AF_UNIX backlog) that another guest
 * process may end meanwhile. A handler ends it with EINTR unless SA_RESTART. Returns
 * -FL_ERESTARTSYS for the handler to return. */
long park_retry_after(struct proc *p, unsigned ms);
/* Park p in poll(2) on the host pollfd set `fds` (copied): ready when a host poll of it with
 * timeout 0 reports an event. Restarts the call. */
struct pollfd;
void proc_park_poll(struct proc *p, const struct pollfd *fds, unsigned long nfds);
/* A write(2) that parked after writing part of its buffer ends now (a signal, an error):
 * *ret becomes the bytes written in all, and rsi/rdx are the caller's again. */
void pipe_write_finish(struct proc *p, long *ret);
/* Could parked p make progress now? */
bool proc_ready(struct proc *p);
/* A signal arrived for parked p: make it runnable if the signal would be acted on. */
void proc_signal_wake(struct proc *p);
/* Does the AIO context parked p waits on hold the events it wants, or is it gone
 * (emu/sys_aio.c)? */
bool aio_wait_ready(struct proc *p);
/* Could parked p's syscall go on now, its deadline aside (proc_ready without the clock)? */
bool proc_cond_ready(struct proc *p);
/* q has been made runnable (a signal interrupted its park, SIGCONT continued it) in a way the
 * end of the running task's syscall does not look for by itself: that syscall's return weighs
 * q against the running task (wake-up preemption, emu/run.c). */
void sched_wake_hint(struct proc *q);

/* A register file on the machine's CPU for p, running in p->task.mm, at power-on values
 * (emu/run.c). NULL if out of memory. */
struct mmu *proc_new_mmu(struct proc *p);
/* A NULL-terminated string vector (argv): a deep copy (NULL if out of memory), and its free. */
char **strv_dup(char *const v[]);
void strv_free(char **v);

/* A poll-like wait with a timeout in ms (poll, epoll_wait): the first try of a call starts its
 * clock (wait_deadline); is there time left to park for; and, once the call returns, the wait
 * is over (r is what it returns). */
void timed_wait_start(struct proc *p, int timeout);
bool timed_wait_time_left(const struct proc *p, int timeout);
void timed_wait_over(struct proc *p, long r, int timeout);
/* A select, pselect6 or ppoll ends (it returns, or a handler interrupts it): the time left of
 * its timeout goes back to the guest (emu/sys_fd.c). */
void select_copy_remaining(struct proc *p);

/* fork's copy_io (emu/sys_ioprio.c): the child shares the parent's I/O context (CLONE_IO), or
 * gets one of its own with the parent's priority if that has a class, or none. */
void ioprio_fork(struct proc *child, struct proc *parent, bool clone_io);

/* Threads (emu/threads.c). */
/* Is another thread of p's group still alive? */
bool group_has_other_live(const struct proc *p);
/* exit_group / a fatal signal: every thread of p's group exits (code, or killed by sig). */
void group_exit(struct proc *p, int code, int sig);
/* The thread p is going away: CLONE_CHILD_CLEARTID's word zeroed and its waiter woken
 * (mm_release), while the mm is still shared with the rest of the group. */
void thread_mm_release(struct proc *p);
/* de_thread: thread `new` has taken the place of its group's leader `old` (which is dying). */
void proc_took_over(struct proc *old, struct proc *new);
/* p lets go of mm (it exits or execs; mm may still have other users): if p's task owns mm, the
 * first other live task using it takes over (mm_update_next_owner), as a process sharing the
 * mm (clone with CLONE_VM alone) may outlive the one that made it. */
void mm_update_next_owner(struct proc *p, struct mm_struct *mm);
/* Wake up to n futex waiters on key (mm: NULL for a shared key) whose bitset meets bitset. */
int futex_wake_key(struct emu *e, const void *mm, uint64_t key, uint32_t bitset, int n);
/* futex_exit_release / futex_exec_release: walk p's robust list (set_robust_list) in p's
 * current mm, marking the futexes p's tid holds OWNER_DIED and waking a waiter of each, then
 * forget the list. At a thread's exit and at execve (with the old mm). */
void futex_exit_release(struct proc *p);
/* A handler is about to run for p: 0 if p is not parked in a PI futex call, 1 if that call is
 * to be restarted whatever SA_RESTART says, or the -errno it returns instead of EINTR. */
long futex_pi_interrupted(struct proc *p);
/* A handler is about to run for p: if p is parked in a plain futex wait, take it off the queue
 * (a wait the handler makes is its own) and say whether it had been woken (it returns 0). */
bool futex_wait_interrupted(struct proc *p);
/* Timers that send signals (emu/sys_timer.c). A new thread shares its creator's; a process
 * lets go of them at its end (timers_put); execve deletes the POSIX ones, keeping the alarm. */
void timers_share(struct proc *thread, struct proc *creator);
void timers_put(struct proc *p);
void timers_exec(struct proc *p);
/* /proc/PID/timers of p's process, made now (a memfd, as procfs hands its files out). */
int proc_timers_open(struct proc *p);
/* p has exited: the timers of its process no longer need to interrupt anybody. */
void timers_exit(struct proc *p);
/* The CPU timers that running p's time counts down (its group's ITIMER_VIRTUAL and ITIMER_PROF,
 * POSIX timers on its own or its group's CPU clocks, whoever made them): tell emu/cputime.c
 * when they are due (when p goes on the CPU, and after a change), and send the signals of those
 * that are (run_posix_cpu_timers). */
void cpu_timers_publish(struct proc *p);
void cpu_timers_fire(struct proc *p);
/* setrlimit changed p's group's RLIMIT_CPU (update_rlimit_cpu): its deadline, and the kicks. */
void rlimit_cpu_changed(struct proc *p);
/* Is a task other than p ready to run now, or about to be (emu/run.c)? */
bool sched_others_runnable(struct proc *p);
/* Whether a timer is armed that may have to interrupt a computing task (emu_kick from the
 * timers' ticker or the CPU-time ticker): while one is and kicks cannot stop the engine without
 * a hook (emu/run.c, "Kicks"), processes run on the engine whose block hook takes them (the one
 * running now moves there after this syscall); otherwise on the one without the hook's cost. */
void emu_set_timer_kicks(struct emu *e, bool armed);
/* Build the engine with the block hook (time slices, kicks) if there is none yet, on behalf of
 * p, outside p's CPU time; true when it exists. The run loop builds it the first time a process
 * needs it; a call that arms a timer builds it first, so that its cost (5 to 70 ms) is part of
 * that syscall rather than of the timer's first interval (python3 arming a 50 ms ITIMER_REAL
 * was killed by it before its next statement had run). A failed build is reported once. */
bool emu_build_sliced(struct emu *e, struct proc *p);
/* The earliest expiry of any armed timer (monotonic ns), 0 if none. */
uint64_t timers_earliest(struct emu *e);
/* Fire every timer due at `now`: queue its signal, re-arm the periodic ones. */
void timers_fire(struct emu *e, uint64_t now);
/* A timer was armed, disarmed or fired: the run loop's ticker looks at the earliest again
 * (emu/run.c). */
void timers_changed(struct emu *e);
/* Guest times (emu/sys_time.c). A guest struct timespec has the host's layout on x86-64. */
/* The current CLOCK_MONOTONIC time in ns: every deadline of a timed wait or timer is one. */
uint64_t monotonic_ns(void);
/* A time as nanoseconds, and back; a timespec the kernel accepts (0 <= nsec < 1e9, sec >= 0). */
uint64_t timespec_ns(const struct timespec *ts);
struct timespec ns_timespec(uint64_t ns);
struct timeval ns_timeval(uint64_t ns);
bool timespec_valid(const struct timespec *ts);
/* A poll-style timeout: whole milliseconds, rounded up so a wait never ends early. */
int timespec_ms_ceil(const struct timespec *ts);
/* An absolute time abs_ns on clock clk (TIMER_ABSTIME, FUTEX_CLOCK_REALTIME) as a monotonic
 * deadline: the time left is measured now, so a later change of the wall clock does not move
 * it; a time already past is now. */
uint64_t monotonic_deadline(clockid_t clk, uint64_t abs_ns);

/* A CPU-time clock (emu/sys_time.c): a thread's, or a thread group's (pid: its leader's), and
 * which of its times. */
#define CPUCLOCK_PROF      0 /* user + system time */
#define CPUCLOCK_VIRT      1 /* user time */
#define CPUCLOCK_SCHED     2 /* the precise runtime */
#define CPUCLOCK_PERTHREAD 4
struct cpu_clock {
    int pid;
    bool thread;
    int which; /* CPUCLOCK_PROF, _VIRT or _SCHED */
};
/* Clock id clk as p names it (its own CPU clocks, or another task's by the ids glibc's
 * clock_getcpuclockid and pthread_getcpuclockid make): 1 if it is not a CPU-time clock, -EINVAL
 * if it names no task p may read, else 0 with *c filled in and, if task is not NULL, the task
 * whose times it reads (p itself for its own clocks). */
int cpu_clock_decode(struct proc *p, clockid_t clk, struct cpu_clock *c, struct proc **task);
/* The clock's time as the ticks sample it (CPUCLOCK_SCHED: precise), as CPU timers count it;
 * false once its task is gone. */
bool cpu_clock_sample(struct emu *e, const struct cpu_clock *c, uint64_t *ns);

/* Every process of the machine whose pid is `pid` and that has not been reaped, or NULL. */
struct proc *find_proc(struct emu *e, int pid);
/* The life-cycle observers: a process started (fork) or replaced its image (execve). */
void proc_notify_start(struct proc *p);
/* After p has been released: SIGCHLD to the parent (or auto-reap), orphans to init, and the
 * vfork parent allowed to run on (exit_notify, mm_release). */
void exit_notify(struct proc *p);
/* The part of exit_notify that tells p's parent (or reaps p at once), which a traced p's tracer
 * puts off until it has reaped p itself (emu/sys_ptrace.c). */
void exit_notify_parent(struct proc *p);
/* The wait status of a dead process as wait4 reports it. */
int proc_wait_status(const struct proc *p);

#endif
