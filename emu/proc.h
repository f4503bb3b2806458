/*
 * proc.h - the emulated machine (struct emu) and one emulated process (struct proc).
 *
 * A proc pairs the model's task_struct (pid, mm, fault counters) with its registers on the one
 * CPU all processes share (struct mmu), its file table and its signal state. A proc is one
 * thread: the threads of a process are procs with the same tgid and mm (emu/threads.c).
 */
#ifndef FL_PROC_H
#define FL_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel_model/mm_types.h"
#include "emu/cputime.h"
#include "emu/task_io.h"
#include "emu/hw_breakpoint.h"

struct mmu;
struct fdtable;

/* Options of `faultline run` that the emulated machine reads. */
struct fl_options {
    const char *db_path;       /* fault log, default faultline.db */
    bool no_log;               /* --no-log: no database at all */
    uint64_t ram_bytes;        /* --ram: guest-physical RAM */
    uint64_t code_cache_bytes; /* --code-cache: the engine's translated-code buffer */
    int cpu_model;             /* --cpu: UC_CPU_X86_* (mmu/cpu_model.h) */
    uint64_t max_insns;  /* --max-insns: stop the guest after this many instructions (0: none) */
    double time_limit;   /* --timeout: seconds of wall time (0: none) */
    const char *sysroot; /* -L/--sysroot: prefix for absolute guest paths */
    unsigned long fault_around_bytes;
    unsigned page_cluster; /* --page-cluster: vm.page-cluster, swap readahead's 2^N pages */
    int swappiness;        /* --swappiness: vm.swappiness (--reclaim linux's get_scan_count) */
    int overcommit;       /* --overcommit: vm.overcommit_memory (OVERCOMMIT_*, kernel_model/mm.h) */
    int overcommit_ratio; /* --overcommit-ratio: vm.overcommit_ratio */
    int major_faults;     /* --major-faults: enum major_fault_rule (kernel_model/mm.h) */
    uint64_t swap_bytes;  /* --swap: size of the swap device (0: no swap) */
    const char *swap_file;   /* --swap-file: where it lives (NULL: an unlinked temp file) */
    int reclaim;             /* --reclaim: enum reclaim_policy (kernel_model/swap.h) */
    int thp;                 /* --thp: enum transparent_hugepage_mode (kernel_model/huge_mm.h),
                                -1: the host's */
    const char *strace_path; /* --strace[=FILE]: syscall trace in strace's format ("-": stderr) */
    bool quiet;              /* --quiet: no summary on stderr */
    bool icount;             /* --icount: count instructions (a per-instruction hook: slow) */
    char **envp;             /* the guest's environment (after -E/-U edits) */
};

/* The rt_sigaction state of one signal (struct k_sigaction, as the guest passes it). */
struct k_sigaction {
    uint64_t handler, flags, restorer, mask;
};

#define FL_NSIG 64

/* The guest's siginfo_t (128 bytes, x86-64 layout of include/uapi/asm-generic/siginfo.h): the
 * union members faultline fills. Kept per pending signal, copied into the rt_sigframe. */
struct fl_siginfo {
    int32_t si_signo, si_errno, si_code, pad0;
    union {
        struct {
            int32_t pid;
            uint32_t uid;
        } kill; /* SI_USER, SI_TKILL */
        struct {
            uint64_t addr;
        } fault; /* SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP */
        struct {
            int32_t pid;
            uint32_t uid;
            int32_t status; /* exit code, or the signal */
            int32_t pad;
            int64_t utime, stime;
        } chld; /* SIGCHLD, waitid */
        struct {
            int32_t tid, overrun; /* the timer id, expiries missed */
            uint64_t value;       /* sigev_value */
        } timer;                  /* SI_TIMER */
        struct {
            int32_t pid;
            uint32_t uid;
            uint64_t value; /* sigev_value */
        } rt;               /* SI_MESGQ (and sigqueue's SI_QUEUE) */
        struct {
            int64_t band; /* the poll events (POLLIN | POLLRDNORM, ...) */
            int32_t fd;
        } poll; /* signal-driven I/O's POLL_IN .. POLL_HUP (emu/fasync.c) */
        struct {
            uint64_t call_addr; /* the instruction after the `syscall` */
            int32_t syscall;
            uint32_t arch; /* AUDIT_ARCH_X86_64 */
        } sigsys;          /* a seccomp filter's SECCOMP_RET_TRAP (SYS_SECCOMP) */
        uint8_t pad[112];
    } u;
};

#define FL_RLIM_NLIMITS 16 /* RLIMIT_CPU .. RLIMIT_RTTIME */

/* A real-time signal (signo >= 32, SIGRTMIN) sent again while one is pending: it queues behind
 * the instance in pending_info/info, each with its own siginfo, and they are taken in order, as
 * kernel/signal.c's sigqueue list keeps them (a standard signal is pending once at most). */
struct sigq_entry {
    struct sigq_entry *next;
    int signo;
    struct fl_siginfo info;
};

/* The signals sent to a whole thread group while every one of its threads blocked them (Linux's
 * signal->shared_pending): any thread of the group takes them, by unblocking one, in sigwait, or
 * through a signalfd. One per thread group, shared by its threads; never NULL in a proc. */
struct shared_pending {
    int refs;
    uint64_t set;
    struct fl_siginfo info[FL_NSIG + 1];
    struct sigq_entry *rtq; /* further instances of real-time signals in `set`, oldest first */
    /* job control, the rest of Linux's signal_struct that the group shares (emu/sys_signal.c):
     * SIGNAL_STOP_STOPPED / SIGNAL_STOP_CONTINUED (FL_STOP_*), and group_exit_code, the signal
     * that stopped the group until wait reports it (0 once reported) */
    unsigned stop_flags;
    int group_stop_sig;
    /* sysvsem.undo_list exists: made by the group's first semop with SEM_UNDO (get_undo_list;
     * its threads share it, as glibc's CLONE_SYSVSEM does), gone at exit (kcmp's KCMP_SYSVSEM) */
    bool sysvsem_undo_list;
    /* the group's resource limits (signal->rlim; emu/sys_info.c): the host's for the first
     * guest, copied by fork, kept by execve; RLIMIT_STACK's soft limit is task.rlimit_stack */
    struct task_rlimit rlim[FL_RLIM_NLIMITS]; /* each task's task.rlim points here */
};

/* stop_flags */
#define FL_STOP_STOPPED   1u /* the group is stopped (SIGNAL_STOP_STOPPED) */
#define FL_STOP_CONTINUED 2u /* continued, WCONTINUED has yet to say so (SIGNAL_STOP_CONTINUED) */

struct signalfd_ctx;
struct pidfd_ctx;

struct proc {
    struct task_struct task; /* pid, comm, mm, min_flt, maj_flt */
    struct emu *emu;
    struct mmu *mmu;
    struct fdtable *files;
    char *exe;   /* the executable's host path (for /proc/self/exe and the log) */
    int exe_fd;  /* host O_PATH fd of that file + 1, what /proc/PID/exe names; 0: none (exited) */
    char **argv; /* the guest's argv, NULL-terminated (owned) */
    int ppid;
    /* life */
    bool exited;
    int exit_code;    /* exit_group status (0-255) when exited without a signal */
    int term_sig;     /* the signal that killed it, 0 if none */
    int pending_trap; /* CPU exception vector seen by the interrupt hook, -1 if none */
    /* preemption (emu/sched.h): while another process is runnable, a block-counting hook ends
     * the turn after QUANTUM_BLOCKS translated blocks */
    bool slice_armed;
    uint64_t quantum_left;
    bool preempted;    /* end the turn after this syscall (sched_yield, a futex wake) */
    bool need_resched; /* another task became runnable: arm the slice after this syscall */
    /* wake-up preemption (emu/run.c, wakeup_preempt): the CPU the task has used, counted
     * deterministically (translated blocks while its slice is armed, and a fixed cost a
     * syscall), as CFS's vruntime; how far its last wake has been weighed against the running
     * task (until it runs); and whether SIGCONT has continued it since it last ran */
    uint64_t vruntime;
    uint64_t turn_vruntime;                                     /* vruntime when its turn began */
    enum { WAKE_NONE, WAKE_DEFERRED, WAKE_DECIDED } wake_state; /* preemption: now, later */
    bool continued;
    /* signals (emu/sys_signal.c, emu/signal_frame.c); masks have bit signo-1 for signo */
    struct k_sigaction sighand[FL_NSIG + 1];
    /* procs with one sighand_id share their actions (CLONE_SIGHAND: a thread group, or
     * processes made with it); each keeps a copy, which sighand_set writes in all of them */
    int sighand_id;
    uint64_t blocked;
    uint64_t pending;                            /* raised for this thread, not yet delivered */
    struct fl_siginfo pending_info[FL_NSIG + 1]; /* one queued instance per standard signal */
    struct sigq_entry *rtq; /* further instances of real-time signals in `pending`, oldest first */
    struct shared_pending *shared; /* ... and for its thread group */
    /* CPU time (emu/cputime.c) */
    struct group_acct *acct;         /* the thread group's: exited threads, reaped children */
    uint64_t exec_start;             /* the emulator thread's CPU clock when p went on the CPU;
                                        0 while p is off it */
    uint64_t sum_exec_runtime;       /* ns on the CPU, precisely */
    uint64_t tick_utime, tick_stime; /* sampled ticks in user and system mode, in ns */
    unsigned long ticks_seen[2];     /* the tick counters when last brought up to date */
    struct prev_cputime prev_cputime;
    bool acct_exited;               /* its times have gone to acct->dead (account_thread_exit) */
    struct task_io_accounting ioac; /* its own reads and writes (emu/task_io.c) */
    bool sigreturn_pending; /* rt_sigreturn ran: the run loop restores the frame's registers */
    uint64_t altstack_sp, altstack_size;
    /* sas_ss_flags: the flags sigaltstack was given (its mode, SS_AUTODISARM), SS_DISABLE
     * after a reset (a new thread, an auto-disarming delivery); a signal frame's uc_stack
     * carries them as they are */
    int32_t altstack_flags;
    /* struct thread_struct: what the last trap left, reported in the next signal frame */
    uint64_t thread_cr2, thread_error_code, thread_trap_nr;
    struct thread_debugreg hw; /* the debug registers (emu/hw_breakpoint.h) */
    /* the process tree and the scheduler (emu/sched.h) */
    struct proc *parent;      /* NULL when started by faultline or orphaned (reparented to init) */
    int exit_signal;          /* sent to the parent at exit: SIGCHLD, or clone's low byte */
    bool reaped;              /* reported by wait4/waitid or auto-reaped: gone for good */
    bool vfork_done;          /* a vfork child that has exec'd or exited: its parent runs on */
    struct proc *vfork_child; /* (parent) the vfork child being waited for */
    int wait;                 /* enum proc_wait: what a parked process waits for, 0 if runnable */
    int wait_arg;             /* the guest fd (WAIT_FD_*), the pid spec (WAIT_CHILD) */
    unsigned wait_options;    /* WAIT_CHILD: WEXITED, WUNTRACED, WCONTINUED of the wait */
    bool stopped;    /* TASK_STOPPED by a group stop: not run, parked or not, until SIGCONT */
    void *wait_poll; /* WAIT_POLL: the host struct pollfd set (owned), wait_npoll long */
    unsigned long wait_npoll;
    bool wait_external;   /* WAIT_POLL: the set has a socket whose peer may be outside */
    uint64_t wait_sigset; /* WAIT_SIGWAIT: the signals rt_sigtimedwait takes */
    bool park_restart;    /* the parked syscall is retried when the process runs again */
    bool restart_pending; /* rip was rewound to the syscall: -EINTR it if a handler runs */
    bool tty_restart;     /* a host call was cut short by a terminal signal: rewind, restart */
    /* a blocking write(2) to a guest pipe that has written part of its buffer and waits to
     * write the rest (pipe_write's loop): bytes done, and the caller's rsi/rdx to restore */
    uint64_t pw_done, pw_buf, pw_len;
    bool interrupted;     /* a signal woke the parked process */
    bool retry_first;     /* run the parked syscall again before delivering signals */
    bool sigsuspend_mask; /* rt_sigsuspend: the frame must restore saved_blocked */
    uint64_t saved_blocked;
    bool exec_pending; /* execve loaded a new image: the registers are reset once stopped */
    uint64_t exec_entry, exec_sp;
    int pgid, sid;           /* process group and session; 0: not fixed yet (emu/sys_info.c) */
    unsigned long ctty;      /* the terminal of a session of its own (st_rdev), 0: none (ctty.h) */
    uint64_t start_boottime; /* CLOCK_BOOTTIME ns when the task was made (real_start_time) */
    int nice;                /* -20..19, setpriority/getpriority (task_nice); kept, not obeyed */
    int sched_policy;        /* SCHED_OTHER (0), SCHED_BATCH or SCHED_IDLE; kept, not obeyed */
    /* the I/O context (emu/sys_ioprio.c): 0 while the task has none (Linux makes one at the
     * first ioprio_set, as the guest does no block I/O), else an id shared by the tasks that
     * share it (CLONE_IO); its I/O priority, kept, not obeyed */
    int ioc_id;
    int ioprio;
    /* PR_SET_PDEATHSIG: sent to this thread's group when its parent (the thread that forked
     * it) exits; per thread, 0 in a new task, kept by execve; cleared by a change of ids and a
     * set-id exec (emu/cred.c) */
    int pdeath_signal;
    unsigned personality; /* personality(2): kept (execve: see cred_exec), not obeyed */
    /* PR_SET_TIMERSLACK: this thread's timer slack and what setting 0 restores; a new task
     * takes its creator's current slack as both; kept by execve. Kept, not obeyed. */
    uint64_t timer_slack_ns, default_timer_slack_ns;
    /* PR_MCE_KILL: PF_MCE_PROCESS and PF_MCE_EARLY, the thread's own machine-check policy
     * (inherited, kept by execve); no machine checks happen here */
    bool mce_process, mce_early;
    bool no_new_privs; /* PR_SET_NO_NEW_PRIVS: sticky, inherited, kept by execve */
    /* PR_SET_CHILD_SUBREAPER (signal->is_child_subreaper): the group's orphaned descendants
     * are reparented to it rather than to init; every thread of the group has the same value,
     * a new thread takes it, a new process does not; kept by execve */
    bool child_subreaper;
    /* seccomp (emu/seccomp.c): SECCOMP_MODE_DISABLED (0), _STRICT (1) or _FILTER (2), and the
     * filters, newest first; inherited, kept by execve */
    int seccomp_mode;
    struct seccomp_filter *seccomp;
    /* user and group ids (emu/cred.c): real, effective, saved and fs, the task's own once a
     * set*id call changed one (ids_own), else faultline's; its supplementary groups once
     * setgroups set them (groups_own); inherited by clone, kept by execve */
    bool ids_own, groups_own;
    uint32_t uids[4], gids[4];
    int ngroups;
    uint32_t groups[32]; /* CRED_NGROUPS */
    /* capset: the task's own effective, permitted and inheritable sets once it has changed
     * them (caps_own), else faultline's; inherited by clone, back to faultline's at execve
     * (emu/sys_info.c) */
    bool caps_own;
    uint64_t cap_eff, cap_prm, cap_inh;
    /* the rest of the credentials prctl reaches (cap_task_prctl, emu/sys_info.c): securebits
     * (SECBIT_KEEP_CAPS cleared by execve), the ambient set, and the bounding set once the task
     * has dropped from it (bset_own), else faultline's; inherited, kept by execve */
    uint32_t securebits;
    uint64_t cap_amb, cap_bset;
    bool bset_own;
    struct guest_timers *timers; /* alarm, itimers, POSIX timers: shared by the thread group */
    bool did_exec;               /* has called execve since fork: setpgid by the parent is EACCES */
    int cwd_fd;                  /* host O_PATH fd of the cwd while not running, -1 if none */
    unsigned umask;              /* the file-creation mask: the host's while p runs (switch_cwd) */
    int fs_id; /* procs with one fs_id share an fs_struct (CLONE_FS): cwd and umask (fs_shared) */
    /* chroot: the host path of the root directory (interned by emu/path.c, never freed), NULL
     * for the host's (or the sysroot's) own; part of the fs_struct, copied by fork */
    const char *root;
    uint64_t set_child_tid; /* CLONE_CHILD_SETTID: written by the child when it first runs */
    /* threads (emu/threads.c): the procs of one thread group share tgid, mm, files and signal
     * actions; `thread` marks one that is not the group leader (no SIGCHLD, reaped at once) */
    bool thread;
    bool exit_deferred; /* a leader that exited while its threads run: told to the parent later */
    /* a futex wait (emu/sys_futex.c): the key, the bitset, whether a wake came */
    const void *futex_key_mm; /* the mm for a private key, NULL for a shared one */
    uint64_t futex_key;       /* the user address (private) or the host address (shared) */
    uint32_t futex_bitset;
    bool futex_queued, futex_woken;
    /* PI futexes: waiting for the lock at futex_uaddr held by futex_pi_owner (futex_pi), or in
     * FUTEX_WAIT_REQUEUE_PI on the first word until requeued to futex_key2 (futex_rqpi); a wake
     * means the lock was handed over. futex_seq orders the waiters, first come first served. */
    bool futex_pi, futex_rqpi;
    int futex_pi_owner;        /* the tid holding the lock waited for */
    const void *futex_key2_mm; /* FUTEX_WAIT_REQUEUE_PI's second key */
    uint64_t futex_key2, futex_uaddr, futex_seq;
    uint64_t wait_deadline; /* CLOCK_MONOTONIC ns when a timed wait ends; 0: none */
    int fifo_fd;            /* host fd + 1 of a FIFO a parked open holds for reading; 0: none */
    bool sleeping;          /* parked in nanosleep until wait_deadline (emu/sys_time.c) */
    bool polling; /* parked in a wait a handler ends with EINTR whatever SA_RESTART says (poll,
                     select, epoll_wait, sigtimedwait); with a timeout, until wait_deadline */
    /* a blocking socket call parked under SO_RCVTIMEO/SO_SNDTIMEO (emu/sock.h): when its
     * timeout ends (monotonic ns), kept across its retries; 0: none */
    uint64_t sock_timeo_end;
    /* a semop, msgsnd or msgrcv parked on a System V object (emu/sysv_ipc.h), NULL if none */
    struct sysv_wait *sysv_wait;
    /* an io_getevents parked on an AIO context (emu/sys_aio.c), NULL if none */
    struct kioctx *aio_wait;
    uint64_t sleep_urem; /* where a relative sleep cut short by a handler writes what is left */
    /* select, pselect6, ppoll (emu/sys_fd.c): where the call writes back what is left of its
     * timeout when it returns, a handler's EINTR included (poll_select_copy_remaining), as a
     * timeval or a timespec; the timeout exactly (the wait itself is in whole ms) and when the
     * first try began. 0: nothing to write back (no timeout, or a zero one). */
    uint64_t select_utime, select_start;
    int64_t select_sec, select_nsec;
    bool select_utime_timeval;
    /* a clock_nanosleep on a CPU-time clock (emu/sys_time.c): the clock (as cpu_clock_decode
     * names it) and the time on it the sleep waits for; sleep_cpu_pid 0: a wall-clock sleep */
    int sleep_cpu_pid, sleep_cpu_which;
    bool sleep_cpu_thread;
    uint64_t sleep_cpu_end;
    /* thread bookkeeping that glibc sets up */
    uint64_t clear_child_tid, robust_list, robust_len;
    /* rseq (emu/rseq.c): the registered area, 0 if none; events since the last return to user
     * mode (RSEQ_EVENT_*); whether that return must update the area (TIF_NOTIFY_RESUME) */
    uint64_t rseq;
    uint32_t rseq_len, rseq_sig, rseq_event_mask;
    bool rseq_notify;
    /* ptrace (emu/sys_ptrace.c, emu/ptrace.h) */
    struct proc *ptracer; /* the tracing thread (Linux's task->parent while ptraced), or NULL */
    bool pt_seized;       /* PT_SEIZED: attached by PTRACE_SEIZE */
    unsigned pt_options;  /* PTRACE_O_* */
    bool pt_syscall;      /* TIF_SYSCALL_TRACE: resumed by PTRACE_SYSCALL */
    bool traced;          /* TASK_TRACED: in a ptrace stop; not run until its tracer resumes it */
    int pt_stop;          /* enum pt_stop: the kind of the stop it is in (or was in last) */
    int pt_exit_code;     /* the stop's exit_code: signal | PTRACE_EVENT_* << 8 */
    bool pt_reported;     /* wait has reported the stop (Linux zeroes exit_code) */
    int pt_data;          /* the signal the tracer resumed it with */
    bool pt_resumed;      /* the tracer ended the stop: the run loop does what follows it */
    unsigned pt_pending;  /* PT_P_*: stops to take on the way back to user mode */
    int pt_event;         /* the PTRACE_EVENT_* of a pending event stop */
    uint64_t pt_message;  /* PTRACE_GETEVENTMSG */
    bool pt_has_siginfo;  /* last_siginfo: the stop has a siginfo for PTRACE_GETSIGINFO */
    struct fl_siginfo pt_siginfo;
    uint64_t pt_passed; /* signals the tracer let through at their delivery stop */
    bool pt_listening;  /* PTRACE_LISTEN: in its group stop, the tracer told of a SIGCONT */
    bool pt_zombie;     /* dead: its tracer, not its parent, has yet to reap it */
    bool pt_exiting;    /* PTRACE_EVENT_EXIT taken: the exit goes on now */
    bool pt_forced_tf;  /* TIF_FORCED_TF: PTRACE_SINGLESTEP set RFLAGS.TF, not the task */
    bool in_syscall;    /* the syscall-entry stop was taken: the call has yet to return */
    uint64_t orig_rax;  /* the syscall number of the last entry (-1: entered otherwise) */
    /* resumed from PTRACE_EVENT_SECCOMP: the call's filters run again, and a TRACE lets it run
     * (__seccomp_filter's recheck_after_trace) */
    bool seccomp_recheck;
    /* ptracer_capable: the tracer had CAP_SYS_PTRACE when it attached (its ptracer_cred), so a
     * set-id exec is not downgraded (emu/cred.c) */
    bool pt_cap_sys_ptrace;
    struct proc *next;
};

struct emu {
    const struct fl_options *opt;
    void *ram;
    uint64_t ram_bytes;
    struct proc *procs;
    int next_pid;
    FILE *strace;                   /* NULL unless --strace */
    volatile int stop_requested;    /* SIGINT/SIGTERM to faultline itself */
    uint64_t insns;                 /* instructions retired so far, when counted */
    struct signalfd_ctx *signalfds; /* open signalfds, whose readiness follows pending signals */
    struct pidfd_ctx *pidfds;       /* open pidfds, readable once their process has exited */
    /* ioprio_set on the first guest's parent (emu/sys_ioprio.c): it has an I/O context from
     * then on, with this priority */
    bool host_parent_ioc;
    int host_parent_ioprio;
    const char *panic; /* arch_panic's message: the run ends with it (EMU_ERROR) */
};

static inline struct proc *task_proc(struct task_struct *t)
{
    return (struct proc *)((char *)t - __builtin_offsetof(struct proc, task));
}

#endif
