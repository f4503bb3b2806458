/*
 * sys_signal.c - signal state, generation (faults, traps, kill between guest processes, SIGCHLD
 * and SIGPIPE) and the choice of action at delivery (kernel/signal.c, arch/x86/kernel/traps.c,
 * arch/x86/kernel/signal.c's handle_signal, the default actions of include/linux/signal.h).
 * The frame itself is emu/signal_frame.c's; when delivery happens is emu/signal.h's contract.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "emu/cred.h"
#include "emu/fdtable.h"
#include "emu/emu.h"
#include "emu/sched.h"
#include "emu/sysv_ipc.h"
#include "emu/rseq.h"
#include "emu/ptrace.h"
#include "emu/signal.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "kernel_model/arch.h"
#include "kernel_model/mm.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

#define SIGHUP     1
#define SIGINT     2
#define SIGQUIT    3
#define SIGILL     4
#define SIGTRAP    5
#define SIGABRT    6
#define SIGBUS     7
#define SIGFPE     8
#define SIGKILL    9
#define SIGSEGV    11
#define SIGPIPE    13
#define SIGTSTP    20
#define SIGTTIN    21
#define SIGTTOU    22
#define SIGSYS     31
#define SIGCHLD    17
#define SIGCONT    18
#define SIGSTOP    19
#define SIGURG     23
#define SIGWINCH   28
#define SI_KERNEL  0x80
#define FPE_INTDIV 1
#define ILL_ILLOPN 2
#define TRAP_BRKPT 1

/* the kernel's SIGRTMIN (glibc keeps 32 and 33 for itself) */
#define FL_SIGRTMIN 32

const char *signal_name(int signo)
{
    static const char *const names[] = {
        "0",         "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",   "SIGTRAP", "SIGABRT", "SIGBUS",
        "SIGFPE",    "SIGKILL", "SIGUSR1",   "SIGSEGV", "SIGUSR2",  "SIGPIPE", "SIGALRM", "SIGTERM",
        "SIGSTKFLT", "SIGCHLD", "SIGCONT",   "SIGSTOP", "SIGTSTP",  "SIGTTIN", "SIGTTOU", "SIGURG",
        "SIGXCPU",   "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO",   "SIGPWR",  "SIGSYS",
    };
    if (signo >= 0 && signo < (int)(sizeof(names) / sizeof(names[0])))
        return names[signo];
    return "SIGRT";
}

/* The default actions (include/linux/signal.h, sig_kernel_ignore/stop). */
/* Set p's action for signo, and so that of every task sharing p's actions (sighand_id): a
 * thread group, or processes made with CLONE_SIGHAND; each keeps a copy. */
static void sighand_set(struct proc *p, int signo, const struct k_sigaction *ka)
{
    for (struct proc *q = p->emu->procs; q; q = q->next)
        if (q->sighand_id == p->sighand_id && !q->exited)
            q->sighand[signo] = *ka;
    p->sighand[signo] = *ka;
}

static bool sig_kernel_ignore(int signo)
{
    return signo == SIGCHLD || signo == SIGURG || signo == SIGWINCH || signo == SIGCONT;
}

static bool sig_kernel_stop(int signo)
{
    return signo == SIGSTOP || signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU;
}

/* The stop signals, as a mask (SIG_KERNEL_STOP_MASK). */
static const uint64_t stop_mask = (1ULL << (SIGSTOP - 1)) | (1ULL << (SIGTSTP - 1)) |
                                  (1ULL << (SIGTTIN - 1)) | (1ULL << (SIGTTOU - 1));

/*
 * will_become_orphaned_pgrp(pgid, NULL) for is_current_pgrp_orphaned: no live process of the
 * group has a parent in another group of the same session (init's children do not count). The
 * first guest's parent is faultline's own (the guest stands for faultline in the host's process
 * tree); only that parent is looked at on the host side, not faultline's other host relatives.
 */
static bool pgrp_orphaned(struct emu *e, int pgid)
{
    for (struct proc *q = e->procs; q; q = q->next) {
        if (q->exited || q->thread || guest_pgrp(q) != pgid)
            continue;
        int ppgrp, psid;
        if (q->parent) {
            ppgrp = guest_pgrp(q->parent);
            psid = guest_sid(q->parent);
        } else if (q->ppid == 1 || getppid() == 1) {
            continue; /* reparented to init, or faultline's parent is init */
        } else {
            pid_t host_parent = getppid();
            ppgrp = host_pgid_to_guest(q, getpgid(host_parent));
            psid = getsid(host_parent);
        }
        if (ppgrp != pgid && psid == guest_sid(q))
            return false;
    }
    return true;
}

struct fl_siginfo kill_siginfo(int signo, int code, int pid)
{
    struct fl_siginfo info;
    memset(&info, 0, sizeof(info));
    info.si_signo = signo;
    info.si_code = code;
    info.u.kill.pid = pid;
    info.u.kill.uid = getuid();
    return info;
}

/* _sigchld starts with the sender's pid and uid, as _kill does (include/uapi/asm-generic/
 * siginfo.h) */
_Static_assert(offsetof(struct fl_siginfo, u.chld.pid) == offsetof(struct fl_siginfo, u.kill.pid) &&
                   offsetof(struct fl_siginfo, u.chld.uid) ==
                       offsetof(struct fl_siginfo, u.kill.uid),
               "siginfo's chld and kill members share pid and uid");

struct fl_siginfo chld_siginfo(int signo, int code, int pid, int status)
{
    struct fl_siginfo info = kill_siginfo(signo, code, pid);
    info.u.chld.status = status;
    return info;
}

struct fl_siginfo chld_exit_siginfo(int signo, const struct proc *p, int pid)
{
    return p->term_sig ? chld_siginfo(signo, FL_CLD_KILLED, pid, p->term_sig)
                       : chld_siginfo(signo, FL_CLD_EXITED, pid, p->exit_code);
}

/*
 * do_notify_parent_cldstop(tsk, false, why): SIGCHLD with FL_CLD_STOPPED or FL_CLD_CONTINUED to the
 * parent of tsk's thread group, unless the parent ignores SIGCHLD or asked not to hear of
 * stops (SA_NOCLDSTOP). A parent parked in wait4/waitid needs no wake-up of its own: the
 * scheduler looks at its wait again (proc_ready) before it picks.
 */
static void do_notify_parent_cldstop(struct proc *tsk, int why)
{
    struct proc *leader = find_proc(tsk->emu, tsk->task.tgid);
    if (leader)
        tsk = leader;
    struct proc *parent = tsk->parent;
    if (!parent || parent->exited)
        return; /* faultline (or init) is the parent */
    struct fl_siginfo info =
        chld_siginfo(SIGCHLD, why, tsk->task.tgid,
                     why == FL_CLD_CONTINUED ? SIGCONT : tsk->shared->group_stop_sig & 0x7f);
    info.u.chld.utime = (int64_t)nsec_to_clock_t(tsk->tick_utime);
    info.u.chld.stime = (int64_t)nsec_to_clock_t(tsk->tick_stime);
    struct k_sigaction *ka = &parent->sighand[SIGCHLD];
    if (ka->handler != FL_SIG_IGN && !(ka->flags & FL_SA_NOCLDSTOP))
        send_signal_group(parent, SIGCHLD, &info);
}

/*
 * do_signal_stop: the group stop that stop signal signo starts. Linux asks each thread to stop
 * itself (JOBCTL_STOP_PENDING) and the last one to stop tells the parent; here the other
 * threads are all off the CPU (at a return to user mode, or parked), so they stop at once, and
 * the parent hears as soon as the signal is taken.
 */
static void do_signal_stop(struct proc *p, int signo)
{
    p->shared->group_stop_sig = signo;
    p->shared->stop_flags = FL_STOP_STOPPED; /* a report of an earlier continue is gone */
    for (struct proc *t = p->emu->procs; t; t = t->next)
        if (t->task.tgid == p->task.tgid && !t->exited) {
            t->stopped = true;
            if (t->ptracer) /* a tracee's group stop is a ptrace stop its tracer hears of */
                ptrace_group_stop(t, signo);
        }
    /* the real parent hears of the group stop, unless it is the tracer, told already */
    if (!(p->ptracer && p->parent && p->parent->task.tgid == p->ptracer->task.tgid))
        do_notify_parent_cldstop(p, FL_CLD_STOPPED);
}

/*
 * prepare_signal's job control, as signo is generated for p's group (whatever its action or
 * mask): a stop signal discards a pending SIGCONT; SIGCONT discards pending stop signals,
 * continues a stopped group and tells the parent (Linux has the continued task tell it on its
 * way back to user mode, get_signal's SIGNAL_CLD_MASK; here it is told now).
 */
static void prepare_signal(struct proc *p, int signo)
{
    uint64_t flush = sig_kernel_stop(signo) ? sigmask_of(SIGCONT)
                     : signo == SIGCONT     ? stop_mask
                                            : 0;
    if (!flush)
        return;
    bool changed = p->shared->set & flush;
    p->shared->set &= ~flush;
    for (struct proc *t = p->emu->procs; t; t = t->next) {
        if (t->task.tgid != p->task.tgid || t->exited)
            continue;
        changed |= (t->pending & flush) != 0;
        t->pending &= ~flush;
        if (signo == SIGCONT) {
            if (t->stopped) {
                t->continued = true;
                sched_wake_hint(t);
            }
            t->stopped = false; /* wake_up_state(t, __TASK_STOPPED) */
            ptrace_continued(t);
        }
    }
    if (changed)
        signalfd_sync(p->emu);
    if (signo == SIGCONT && (p->shared->stop_flags & FL_STOP_STOPPED)) {
        p->shared->stop_flags = FL_STOP_CONTINUED;
        p->shared->group_stop_sig = 0;
        do_notify_parent_cldstop(p, FL_CLD_CONTINUED);
    }
}

bool take_stop_signals(struct proc *p)
{
    while (!p->exited && !p->stopped) {
        int signo = next_signal(sigpending_all(p) & ~p->blocked);
        if (!signo || !sig_kernel_stop(signo) || p->sighand[signo].handler != FL_SIG_DFL)
            break;
        struct fl_siginfo info = dequeue_signal(p, signo);
        if (p->emu->strace)
            strace_signal(p, &info);
        if (signo != SIGSTOP && pgrp_orphaned(p->emu, guest_pgrp(p)))
            continue; /* get_signal: an orphaned group does not stop for the terminal */
        do_signal_stop(p, signo);
    }
    return p->stopped;
}

/* The process dies of signo: the default action of a terminating signal. */
static void die_of(struct proc *p, int signo)
{
    group_exit(p, 0, signo); /* a fatal signal takes the whole thread group */
}

/* Real-time signals queued behind a pending instance, machine-wide: the guests run as one user,
 * whose count of queued signals RLIMIT_SIGPENDING bounds (__sigqueue_alloc's
 * user->sigpending). Only the instances behind the first are counted: a standard signal, or the
 * first of a real-time one, has its slot in the pending set, so those never run short. */
static uint64_t rtq_queued;

/* Queue info as one more instance of real-time signal signo, behind those pending in *q. 0, or
 * -EAGAIN past RLIMIT_SIGPENDING for a signal that is not kill()'s: __send_signal fails it (and
 * send_sigio falls back to SIGIO); kill()'s is dropped, its instance already pending. */
static long rtq_add(struct proc *p, struct sigq_entry **q, int signo, const struct fl_siginfo *info)
{
    if (rtq_queued >= guest_rlimit_cur(p, RLIMIT_SIGPENDING))
        return info->si_code == FL_SI_USER ? 0 : -EAGAIN;
    struct sigq_entry *n = malloc(sizeof(*n));
    if (!n)
        return -EAGAIN;
    n->next = NULL;
    n->signo = signo;
    n->info = *info;
    while (*q)
        q = &(*q)->next;
    *q = n;
    rtq_queued++;
    return 0;
}

/* signo's pending instance has been taken: the next one queued for it (if any) moves into its
 * slot. true if there was one, so that signo stays pending. */
static bool rtq_next(struct sigq_entry **q, int signo, struct fl_siginfo *slot)
{
    for (; *q; q = &(*q)->next)
        if ((*q)->signo == signo) {
            struct sigq_entry *n = *q;
            *slot = n->info;
            *q = n->next;
            free(n);
            rtq_queued--;
            return true;
        }
    return false;
}

static void rtq_free(struct sigq_entry **q)
{
    while (*q) {
        struct sigq_entry *n = *q;
        *q = n->next;
        free(n);
        rtq_queued--;
    }
}

void signal_queue_release(struct proc *p)
{
    rtq_free(&p->rtq);
}

/* Queue signo with info; a standard signal already pending is not queued twice (legacy_queue),
 * a real-time one is (rtq_add). 0, or -EAGAIN when a real-time one cannot be queued. */
static long queue_signal(struct proc *p, int signo, const struct fl_siginfo *info)
{
    if (p->pending & sigmask_of(signo))
        return signo >= FL_SIGRTMIN ? rtq_add(p, &p->rtq, signo, info) : 0;
    p->pending |= sigmask_of(signo);
    p->pending_info[signo] = *info;
    proc_signal_wake(p); /* signal_wake_up: a parked process it is not blocked for runs */
    signalfd_sync(p->emu);
    return 0;
}

/* force_sig_info: the signal must get through: a blocked or ignored one is unblocked and its
 * action reset to SIG_DFL (so a fault inside a SIGSEGV handler without SA_NODEFER kills). */
static void force_sig_info(struct proc *p, const struct fl_siginfo *info)
{
    int signo = info->si_signo;
    struct k_sigaction *ka = &p->sighand[signo];
    bool blocked = p->blocked & sigmask_of(signo);
    if (blocked || ka->handler == FL_SIG_IGN) {
        ka->handler = FL_SIG_DFL;
        p->blocked &= ~sigmask_of(signo);
    }
    queue_signal(p, signo, info);
}

void force_sig_seccomp(struct proc *p, int nr, int data, uint64_t call_addr)
{
    struct fl_siginfo info;
    memset(&info, 0, sizeof(info));
    info.si_signo = SIGSYS;
    info.si_code = 1; /* SYS_SECCOMP */
    info.si_errno = data;
    info.u.sigsys.call_addr = call_addr;
    info.u.sigsys.syscall = nr;
    info.u.sigsys.arch = 0xc000003e; /* AUDIT_ARCH_X86_64 */
    force_sig_info(p, &info);
}

static bool handler_installed(struct proc *p, int signo)
{
    uint64_t h = p->sighand[signo].handler;
    return h != FL_SIG_DFL && h != FL_SIG_IGN && !(p->blocked & sigmask_of(signo));
}

static void fault_info(struct fl_siginfo *info, int signo, int si_code, uint64_t addr)
{
    memset(info, 0, sizeof(*info));
    info->si_signo = signo;
    info->si_code = si_code;
    info->u.fault.addr = addr;
}

void force_sig_fault(struct proc *p, int signo, int si_code, uint64_t addr,
                     const struct pt_regs *regs, unsigned long error_code)
{
    /* show_unhandled_signals: only a signal nobody handles is logged by the kernel */
    if (signo == SIGSEGV && !handler_installed(p, signo))
        show_signal_msg(&p->task, regs, error_code, addr);
    /* __bad_area_nosemaphore / do_sigbus: the frame's sigcontext reports the #PF */
    p->thread_cr2 = addr;
    p->thread_error_code = error_code;
    p->thread_trap_nr = 14;
    struct fl_siginfo info;
    fault_info(&info, signo, si_code, addr);
    force_sig_info(p, &info);
}

void force_sig_trap(struct proc *p, int intno, const struct pt_regs *regs, unsigned long error_code,
                    int code)
{
    int signo, si_code = SI_KERNEL;
    uint64_t addr = 0;
    const char *what;
    switch (intno) {
    case 0:
        signo = SIGFPE, what = "divide error", si_code = FPE_INTDIV, addr = regs->ip;
        break;
    case X86_TRAP_DB: /* do_debug: a single step (RFLAGS.TF) is TRAP_TRACE, a breakpoint of the
                         debug registers TRAP_HWBKPT (emu/hw_breakpoint.c); at the next
                         instruction, or at a hardware breakpoint's */
        signo = SIGTRAP, what = "debug", addr = regs->ip;
        si_code = (p->hw.virtual_dr6 & DR_STEP) || !(p->hw.virtual_dr6 & DR_TRAP_BITS)
                      ? 2  /* TRAP_TRACE */
                      : 4; /* TRAP_HWBKPT */
        break;
    case 3:
        signo = SIGTRAP, what = "int3", si_code = SI_KERNEL;
        break;
    case 6:
        signo = SIGILL, what = "invalid opcode", si_code = ILL_ILLOPN, addr = regs->ip;
        break;
    case 12: /* do_stack_segment: a non-canonical address through SS */
        signo = SIGBUS, what = "stack segment";
        break;
    case 13:
        signo = SIGSEGV, what = "general protection fault";
        break;
    default:
        signo = SIGSEGV, what = "trap";
        break;
    }
    if (code)
        si_code = code;
    if (!handler_installed(p, signo) && signo != SIGTRAP)
        arch_printk(KERN_INFO "traps: %s[%d] %s ip:%llx sp:%llx error:%lx", p->task.comm,
                    p->task.pid, what, (unsigned long long)regs->ip, (unsigned long long)regs->sp,
                    error_code);
    p->thread_trap_nr = (uint64_t)intno;
    p->thread_error_code = error_code;
    struct fl_siginfo info;
    fault_info(&info, signo, si_code, addr);
    force_sig_info(p, &info);
}

void force_sigsegv(struct proc *p, int signo)
{
    if (signo == SIGSEGV) {
        struct k_sigaction dfl = p->sighand[SIGSEGV];
        dfl.handler = FL_SIG_DFL;
        sighand_set(p, SIGSEGV, &dfl);
    }
    struct fl_siginfo info;
    fault_info(&info, SIGSEGV, SI_KERNEL, 0);
    force_sig_info(p, &info);
}

long send_signal(struct proc *p, int signo, const struct fl_siginfo *info)
{
    if (signo < 0 || signo > FL_NSIG)
        return -EINVAL;
    if (signo == 0 || p->exited)
        return 0;
    if (signo == SIGKILL) {
        die_of(p, signo);
        return 0;
    }
    /* sig_ignored: an ignored signal that is not blocked is discarded at generation (a blocked
     * one stays pending: the action may change before it is unblocked) */
    struct fl_siginfo self;
    if (!info) {
        self = kill_siginfo(signo, FL_SI_USER, p->task.tgid);
        info = &self;
    }
    prepare_signal(p, signo);
    struct k_sigaction *ka = &p->sighand[signo];
    bool ignored =
        ka->handler == FL_SIG_IGN || (ka->handler == FL_SIG_DFL && sig_kernel_ignore(signo));
    /* a tracee's are not: its tracer may want to see them (sig_ignored) */
    if (ignored && !(p->blocked & sigmask_of(signo)) && !p->ptracer) {
        /* strace still shows it: under ptrace, sig_ignored lets it through to the tracer */
        if (p->emu->strace)
            strace_signal(p, info);
        return 0;
    }
    return queue_signal(p, signo, info);
}

void wait_sigmask_begin(struct proc *p, uint64_t mask)
{
    if (!p->sigsuspend_mask)
        p->saved_blocked = p->blocked;
    p->blocked = mask & ~(sigmask_of(SIGKILL) | sigmask_of(SIGSTOP)); /* never these two */
    p->sigsuspend_mask = true;
}

void wait_sigmask_end(struct proc *p, long ret)
{
    if (ret != -FL_ERESTARTSYS) {
        p->blocked = p->saved_blocked;
        p->sigsuspend_mask = false;
    }
}

long send_sig_self(struct proc *p, int signo)
{
    return send_signal(p, signo, NULL);
}

/* dequeue_signal: the thread's own pending signals first, as Linux's; a POSIX timer's siginfo
 * gets its overruns counted up to now. */
struct fl_siginfo dequeue_signal(struct proc *p, int signo)
{
    uint64_t bit = sigmask_of(signo);
    struct fl_siginfo info;
    if (p->pending & bit) {
        info = p->pending_info[signo];
        if (!rtq_next(&p->rtq, signo, &p->pending_info[signo]))
            p->pending &= ~bit;
    } else {
        info = p->shared->info[signo];
        if (!rtq_next(&p->shared->rtq, signo, &p->shared->info[signo]))
            p->shared->set &= ~bit;
    }
    if (info.si_code == FL_SI_TIMER)
        posix_timer_dequeued(p, &info);
    signalfd_sync(p->emu);
    return info;
}

/* next_signal: synchronous (fault) signals first, so the frame describes the faulting
 * instruction; then the lowest number. */
int next_signal(uint64_t deliverable)
{
    const uint64_t synchronous = sigmask_of(SIGSEGV) | sigmask_of(SIGBUS) | sigmask_of(SIGILL) |
                                 sigmask_of(SIGTRAP) | sigmask_of(SIGFPE) | sigmask_of(SIGSYS);
    uint64_t m = deliverable & synchronous ? deliverable & synchronous : deliverable;
    return m ? __builtin_ctzll(m) + 1 : 0;
}

bool signal_kills(const struct proc *p, int signo)
{
    return signo > 0 && signo < 32 && !p->exited && !p->ptracer &&
           !(p->blocked & sigmask_of(signo)) && p->sighand[signo].handler == FL_SIG_DFL &&
           !sig_kernel_ignore(signo) && !sig_kernel_stop(signo);
}

void do_signal(struct proc *p)
{
    /* get_signal: dequeue until one has an action that runs */
    for (;;) {
        int signo = next_signal(sigpending_all(p) & ~p->blocked);
        if (!signo || p->exited || p->stopped || p->traced)
            return;
        /* a tracee's parked call that the signal ends shows its -ERESTARTSYS exit first */
        if (ptrace_restart_stop(p))
            return;
        struct fl_siginfo info = dequeue_signal(p, signo);
        if (p->emu->strace) /* strace's signal-delivery stop comes before the action */
            strace_signal(p, &info);
        if (ptrace_signal(p, signo, &info))
            return; /* the tracer decides what is delivered (emu/sys_ptrace.c) */
        struct k_sigaction ka = p->sighand[signo];
        if (ka.handler == FL_SIG_IGN)
            continue;
        if (ka.handler == FL_SIG_DFL) {
            if (sig_kernel_ignore(signo))
                continue;
            if (sig_kernel_stop(signo)) {
                /* the terminal's stop signals mean nothing to an orphaned group: nobody
                 * would continue it (is_current_pgrp_orphaned) */
                if (signo != SIGSTOP && pgrp_orphaned(p->emu, guest_pgrp(p)))
                    continue;
                do_signal_stop(p, signo);
                return;
            }
            die_of(p, signo);
            return;
        }
        /* SA_RESETHAND (SA_ONESHOT): the action is reset as the signal is taken */
        if (ka.flags & FL_SA_RESETHAND) {
            struct k_sigaction reset = p->sighand[signo];
            reset.handler = FL_SIG_DFL;
            sighand_set(p, signo, &reset);
        }
        /* handle_signal: a syscall parked and rewound for a restart (-ERESTARTSYS) returns
         * -EINTR to the interrupted code unless the action has SA_RESTART. A futex wait with a
         * timeout is never restarted after a handler (Linux gives it a restart_block,
         * -ERESTART_RESTARTBLOCK, which a handler turns into EINTR); one without is. Nor is
         * a socket call waiting under SO_RCVTIMEO/SO_SNDTIMEO (sock_intr_errno: -EINTR), nor
         * io_getevents (read_events: -EINTR). */
        bool timed_futex = p->futex_queued && p->wait_deadline;
        /* a PI lock's wait is restarted, SA_RESTART or not (-ERESTARTNOINTR), timed or not */
        long pi = p->restart_pending ? futex_pi_interrupted(p) : 0;
        if (p->restart_pending && pi == 0 && futex_wait_interrupted(p)) {
            /* a futex wait woken before its handler: the call returns 0 */
            mmu_reg_write(p->mmu, UC_X86_REG_RIP, mmu_reg_read(p->mmu, UC_X86_REG_RIP) + 2);
            mmu_reg_write(p->mmu, UC_X86_REG_RAX, 0);
        } else if (p->restart_pending && pi != 1 &&
                   (pi < 0 || p->pw_done || p->sleeping || p->polling || timed_futex ||
                    p->sock_timeo_end || p->aio_wait || !(ka.flags & FL_SA_RESTART))) {
            /* a write that had made progress returns it, whatever SA_RESTART says; a sleep
             * is never restarted, and says how much of it was left */
            long ret = pi < 0 ? pi : -EINTR;
            pipe_write_finish(p, &ret);
            if (p->sysv_wait && p->sysv_wait->kind == SYSV_MQSEND && p->sysv_wait->status == 0)
                ret = 0; /* a receiver has already queued its message (pipelined_receive) */
            if (p->sleeping) {
                uint64_t now = monotonic_ns(),
                         left = p->wait_deadline > now ? p->wait_deadline - now : 0;
                struct timespec rem = ns_timespec(left);
                if (p->sleep_urem && copy_to_user(&p->task, p->sleep_urem, &rem, sizeof(rem)))
                    ret = -EFAULT;
                p->sleeping = false;
            }
            if (p->polling) /* a select, pselect6 or ppoll says what it had left */
                select_copy_remaining(p);
            p->polling = false;
            p->sock_timeo_end = 0;
            p->futex_queued = p->futex_woken = false; /* a futex wait ends unqueued */
            p->futex_pi = p->futex_rqpi = false;
            sysv_wait_cancel(p); /* as does a semop or msgrcv */
            p->aio_wait = NULL;  /* and an io_getevents */
            p->wait_deadline = 0;
            mmu_reg_write(p->mmu, UC_X86_REG_RIP, mmu_reg_read(p->mmu, UC_X86_REG_RIP) + 2);
            mmu_reg_write(p->mmu, UC_X86_REG_RAX, (uint64_t)ret);
        }
        p->restart_pending = false;
        p->in_syscall = false; /* ended by -EINTR, or entered afresh after the handler */
        /* signal_setup_done; after rt_sigsuspend the frame restores the mask it replaced */
        uint64_t oldmask = p->sigsuspend_mask ? p->saved_blocked : p->blocked;
        p->sigsuspend_mask = false;
        rseq_signal_deliver(p, signo); /* x86's setup_rt_frame does it first */
        if (setup_rt_frame(p, signo, &info, &ka, oldmask)) {
            force_sigsegv(p, signo);
            continue;
        }
        p->blocked |= ka.mask;
        if (!(ka.flags & FL_SA_NODEFER))
            p->blocked |= sigmask_of(signo);
        p->blocked &= ~(sigmask_of(SIGKILL) | sigmask_of(SIGSTOP));
        return;
    }
}

long sys_rt_sigaction(struct proc *p, const uint64_t a[6])
{
    int signo = (int)a[0];
    if (a[3] != 8)
        return -EINVAL;
    if (signo < 1 || signo > FL_NSIG)
        return -EINVAL;
    if (a[2] && put_user_bytes(&p->task, a[2], &p->sighand[signo], sizeof(struct k_sigaction)))
        return -EFAULT;
    if (a[1]) {
        struct k_sigaction ka;
        if (get_user_bytes(&p->task, &ka, a[1], sizeof(ka)))
            return -EFAULT;
        if (signo == SIGKILL || signo == SIGSTOP)
            return -EINVAL;
        sighand_set(p, signo, &ka);
    }
    return 0;
}

long sys_rt_sigprocmask(struct proc *p, const uint64_t a[6])
{
    if (a[3] != 8)
        return -EINVAL;
    uint64_t old = p->blocked, set;
    if (a[1]) {
        if (get_user_bytes(&p->task, &set, a[1], 8))
            return -EFAULT;
        switch (a[0]) {
        case 0: /* SIG_BLOCK */
            p->blocked |= set;
            break;
        case 1: /* SIG_UNBLOCK */
            p->blocked &= ~set;
            break;
        case 2: /* SIG_SETMASK */
            p->blocked = set;
            break;
        default:
            return -EINVAL;
        }
        p->blocked &= ~(sigmask_of(SIGKILL) | sigmask_of(SIGSTOP));
    }
    if (a[2] && put_user_bytes(&p->task, a[2], &old, 8))
        return -EFAULT;
    return 0;
}

long sys_rt_sigpending(struct proc *p, const uint64_t a[6])
{
    if (a[1] > 8)
        return -EINVAL;
    /* the pending set seen through the mask, as do_sigpending reports it */
    uint64_t set = sigpending_all(p) & p->blocked;
    return put_user_bytes(&p->task, a[0], &set, a[1]);
}

/* do_sigaltstack: the old stack is reported with SS_ONSTACK while running on it, and changing
 * it from there is refused (EPERM), as the handler would lose the stack under its feet. */
long sys_sigaltstack(struct proc *p, const uint64_t a[6])
{
    struct {
        uint64_t ss_sp;
        int32_t ss_flags, pad;
        uint64_t ss_size;
    } ss, old;
    uint64_t sp = mmu_reg_read(p->mmu, UC_X86_REG_RSP);
    bool on_stack =
        p->altstack_size && sp > p->altstack_sp && sp - p->altstack_sp <= p->altstack_size;
    memset(&old, 0, sizeof(old));
    old.ss_sp = p->altstack_sp;
    old.ss_size = p->altstack_size;
    old.ss_flags = (!p->altstack_size ? 2 /* SS_DISABLE */
                    : on_stack        ? 1 /* SS_ONSTACK */
                                      : 0) |
                   (p->altstack_flags & (int32_t)(1U << 31) /* SS_AUTODISARM */);
    if (a[0]) {
        if (get_user_bytes(&p->task, &ss, a[0], sizeof(ss)))
            return -EFAULT;
        if (on_stack)
            return -EPERM;
        /* SS_AUTODISARM (1 << 31): the delivery of a signal on the stack disarms it until the
         * handler returns (setup_rt_frame, rt_sigreturn) */
        int32_t mode = ss.ss_flags & ~(int32_t)(1U << 31);
        if (mode != 0 && mode != 1 && mode != 2)
            return -EINVAL;
        if (mode == 2) {
            p->altstack_sp = 0;
            p->altstack_size = 0;
        } else {
            if (ss.ss_size < 2048)
                return -ENOMEM;
            p->altstack_sp = ss.ss_sp;
            p->altstack_size = ss.ss_size;
        }
        p->altstack_flags = ss.ss_flags;
    }
    if (a[1] && put_user_bytes(&p->task, a[1], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

/*
 * kill_pid_info / kill_something_info: pid > 0 is one process; -1 every guest process but the
 * sender; 0 the sender's process group; -pgid that group. si_code SI_USER for kill, SI_TKILL
 * for tkill/tgkill (glibc's raise and abort), si_pid/si_uid of the sender.
 */
struct proc *group_signal_target(struct proc *leader, int signo)
{
    uint64_t bit = sigmask_of(signo);
    struct proc *pick = NULL;
    for (struct proc *t = leader->emu->procs; t; t = t->next) {
        if (t->exited || t->task.tgid != leader->task.tgid)
            continue;
        if (t->wait == WAIT_SIGWAIT && (t->wait_sigset & bit))
            return t;
        if (!(t->blocked & bit) && (t == leader || !pick))
            pick = t;
    }
    return pick;
}

long send_signal_group(struct proc *leader, int signo, const struct fl_siginfo *info)
{
    if (signo <= 0 || signo > FL_NSIG)
        return send_signal(leader, signo, info);
    struct proc *t = group_signal_target(leader, signo);
    if (t)
        return send_signal(t, signo, info);
    if (leader->exited && !group_has_other_live(leader))
        return 0; /* a zombie accepts and drops signals */
    /* every thread blocks it: the group's, until one unblocks it or waits for it; SIGCONT
     * continues the group all the same */
    prepare_signal(leader, signo);
    struct shared_pending *s = leader->shared;
    if (s->set & sigmask_of(signo))
        return signo >= FL_SIGRTMIN ? rtq_add(leader, &s->rtq, signo, info) : 0;
    s->set |= sigmask_of(signo);
    s->info[signo] = *info;
    signalfd_sync(leader->emu);
    return 0;
}

struct shared_pending *shared_pending_new(void)
{
    struct shared_pending *s = calloc(1, sizeof(*s));
    if (!s)
        abort();
    s->refs = 1;
    return s;
}

struct shared_pending *shared_pending_hold(struct shared_pending *s)
{
    s->refs++;
    return s;
}

void shared_pending_put(struct shared_pending *s)
{
    if (s && --s->refs == 0) {
        rtq_free(&s->rtq);
        free(s);
    }
}

long kill_pgrp_info(struct emu *e, int pgid, int signo, const struct fl_siginfo *info)
{
    int found = 0;
    for (struct proc *q = e->procs; q; q = q->next) {
        if (q->exited || q->thread || guest_pgrp(q) != pgid)
            continue; /* one signal a process: its group leader takes it */
        found++;
        send_signal_group(q, signo, info);
    }
    return found ? 0 : -ESRCH;
}

static long kill_target(struct proc *p, long pid, int signo, int si_code)
{
    if (signo < 0 || signo > FL_NSIG)
        return -EINVAL;
    struct fl_siginfo info = kill_siginfo(signo, si_code, p->task.tgid);
    uint32_t uids[4];
    task_uids(p, uids);
    info.u.kill.uid = uids[CRED_R]; /* the sender's real uid (emu/cred.c) */
    if (signo == SIGCONT)
        p->need_resched = true; /* a process it continues may run: the turn needs an end */
    if (pid > 0) {
        struct proc *q = find_proc(p->emu, (int)pid);
        /* The first guest's parent is faultline itself (getppid says so): it exists, and a
         * signal sent to it is taken and ignored, as by a shell waiting for its job; it never
         * reaches faultline. */
        if (!q && pid == getpid())
            return 0;
        if (!q)
            return -ESRCH;
        if (!kill_ok_by_cred(p, q, signo))
            return -EPERM;
        if (si_code == FL_SI_USER && q->task.pid == q->task.tgid && signo)
            return send_signal_group(q, signo, &info); /* kill() names the process */
        if (q->exited && !q->mmu && q != p)
            return 0; /* a zombie accepts and drops signals */
        return send_signal(q, signo, &info);
    }
    if (pid != -1) { /* __kill_pgrp_info: 0 if any took it, else the last error */
        int pgid = pid == 0 ? guest_pgrp(p) : (int)-pid;
        long r = -ESRCH;
        bool sent = false;
        for (struct proc *q = p->emu->procs; q; q = q->next) {
            if (q->exited || q->thread || guest_pgrp(q) != pgid)
                continue; /* one signal a process: its group leader takes it */
            if (!kill_ok_by_cred(p, q, signo)) {
                r = -EPERM;
                continue;
            }
            sent = true;
            send_signal_group(q, signo, &info);
        }
        return sent ? 0 : r;
    }
    int found = 0; /* -1: every process but the caller's, those it may not signal skipped */
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        if (q->exited || q->thread || q->task.tgid == p->task.tgid)
            continue; /* one signal a process: its group leader takes it */
        found++;
        if (kill_ok_by_cred(p, q, signo))
            send_signal_group(q, signo, &info);
    }
    return found ? 0 : -ESRCH;
}

long sys_kill(struct proc *p, const uint64_t a[6])
{
    return kill_target(p, (long)(int)a[0], (int)a[1], FL_SI_USER);
}

/* pidfd_send_signal(pidfd, sig, info, flags): kill() through a pidfd; a zombie takes and drops
 * it, ESRCH once the process has been reaped. A caller-supplied siginfo is not supported
 * (EINVAL). */
long sys_pidfd_send_signal(struct proc *p, const uint64_t a[6])
{
    if (a[3] || a[2])
        return -EINVAL;
    int pid = pidfd_pid(p, (int)a[0]);
    struct ofd *o = pid == -EBADF ? fd_get(p->files, (int)a[0]) : NULL;
    if (o && o->proc_tgid) /* a /proc/PID directory serves as a pidfd (pidfd_to_pid) */
        pid = o->proc_tgid;
    if (pid < 0)
        return pid;
    struct proc *q = find_proc(p->emu, pid);
    if (!q || q->reaped)
        return -ESRCH;
    return kill_target(p, pid, (int)a[1], FL_SI_USER);
}

long sys_tkill(struct proc *p, const uint64_t a[6])
{
    if ((int)a[0] <= 0)
        return -EINVAL;
    return kill_target(p, (long)(int)a[0], (int)a[1], FL_SI_TKILL);
}

long sys_tgkill(struct proc *p, const uint64_t a[6])
{
    if ((int)a[0] <= 0 || (int)a[1] <= 0)
        return -EINVAL;
    struct proc *t = find_proc(p->emu, (int)a[1]);
    if (!t || t->task.tgid != (int)a[0]) /* the thread must be in that group */
        return -ESRCH;
    return kill_target(p, (long)(int)a[1], (int)a[2], FL_SI_TKILL);
}

/*
 * rt_sigqueueinfo and rt_tgsigqueueinfo: a signal with the caller's own siginfo (sigqueue's
 * si_value), to a process or to one of its threads (tid > 0). Only to itself may a task claim a
 * kernel or kill() origin (si_code >= 0, or SI_TKILL), as do_rt_sigqueueinfo checks.
 */
static long queue_info(struct proc *p, int tgid, int tid, int signo, uint64_t uinfo)
{
    struct fl_siginfo info;

    if (get_user_struct(p, &info, uinfo, sizeof(info)))
        return -EFAULT;
    if ((info.si_code >= 0 || info.si_code == FL_SI_TKILL) && tgid != p->task.pid)
        return -EPERM;
    if (signo < 0 || signo > FL_NSIG)
        return -EINVAL;
    info.si_signo = signo;
    struct proc *q = find_proc(p->emu, tid > 0 ? tid : tgid);
    if (!q || q->reaped || (tid > 0 && q->task.tgid != tgid))
        return -ESRCH;
    if (info.si_code <= 0 && !kill_ok_by_cred(p, q, signo)) /* si_fromuser */
        return -EPERM;
    if (!signo || (q->exited && !q->mmu && q != p))
        return 0; /* only the checks; a zombie takes and drops it */
    return tid > 0 ? send_signal(q, signo, &info) : send_signal_group(q, signo, &info);
}

long sys_rt_sigqueueinfo(struct proc *p, const uint64_t a[6])
{
    return queue_info(p, (int)a[0], 0, (int)a[1], a[2]);
}

long sys_rt_tgsigqueueinfo(struct proc *p, const uint64_t a[6])
{
    if ((int)a[0] <= 0 || (int)a[1] <= 0)
        return -EINVAL;
    return queue_info(p, (int)a[0], (int)a[1], (int)a[2], a[3]);
}

long sys_rt_sigreturn(struct proc *p, const uint64_t a[6])
{
    (void)a;
    /* The registers are restored by the run loop once the engine has stopped after this
     * syscall: written from inside the syscall hook, RIP would get the syscall's length added. */
    p->sigreturn_pending = true;
    return 0;
}

/*
 * rt_sigtimedwait(set, info, timeout, sigsetsize): take a pending signal of `set` (blocked or
 * not) without running its handler, and return its number with its siginfo. With none pending
 * the process parks (WAIT_SIGWAIT) until one is, or the timeout (rounded up to milliseconds)
 * has passed: EAGAIN. A handled signal outside the set ends the wait with EINTR; the call is
 * never restarted, as in Linux.
 */
long sys_rt_sigtimedwait(struct proc *p, const uint64_t a[6])
{
    uint64_t set;
    int timeout = -1;
    long r;
    if (a[3] != sizeof(uint64_t))
        return -EINVAL;
    if (get_user_struct(p, &set, a[0], sizeof(set)))
        return -EFAULT;
    set &= ~(sigmask_of(SIGKILL) | sigmask_of(SIGSTOP));
    if (a[2]) {
        struct timespec ts;
        if (get_user_struct(p, &ts, a[2], sizeof(ts)))
            return -EFAULT;
        if (!timespec_valid(&ts))
            return -EINVAL;
        timeout = timespec_ms_ceil(&ts);
    }
    uint64_t hit = sigpending_all(p) & set;
    if (hit) {
        int signo = __builtin_ctzll(hit) + 1;
        struct fl_siginfo info = dequeue_signal(p, signo);
        r = a[1] && put_user_struct(p, a[1], &info, sizeof(info)) ? -EFAULT : signo;
    } else {
        timed_wait_start(p, timeout);
        if (timeout < 0 || timed_wait_time_left(p, timeout)) {
            p->polling = true; /* never restarted after a handler */
            p->wait_sigset = set;
            proc_park(p, WAIT_SIGWAIT, 0, true);
            r = -FL_ERESTARTSYS;
        } else {
            r = -EAGAIN;
        }
    }
    timed_wait_over(p, r, timeout);
    return r;
}
