/*
 * sys_ptrace.c - ptrace(2) between guest processes: attaching (PTRACE_TRACEME, PTRACE_ATTACH,
 * PTRACE_SEIZE), the stops (syscall entry and exit, signal delivery, events, group stop), the
 * requests on a stopped tracee, detaching, and the tracer's death (kernel/ptrace.c,
 * arch/x86/kernel/ptrace.c, the ptrace parts of kernel/signal.c, kernel/exit.c and
 * kernel/fork.c, include/uapi/linux/ptrace.h). How the stops fit the run loop: emu/ptrace.h.
 *
 * PTRACE_SINGLESTEP uses the engine's RFLAGS.TF; POKETEXT writes a breakpoint into read-only
 * text as FOLL_FORCE does (a COW copy for the tracee); the FPU state is the FXSAVE image
 * (GETFPREGS, NT_PRFPREG); the debug registers are emu/hw_breakpoint.c's. What Linux 4.20 does not
 * have is not here either: PTRACE_GET_SYSCALL_INFO (5.3) is EIO, as a 4.20 kernel answers it. Not
 * modelled: the XSAVE area (NT_X86_XSTATE: EINVAL; the engine has no AVX), PEEKSIGINFO,
 * PTRACE_EVENT_VFORK_DONE, seccomp stops, and PTRACE_EVENT_EXIT for a death by signal (only exit
 * and exit_group stop for it). Attaching needs ptrace_may_access (emu/cred.c: the tracer's ids
 * and the tracee's dumpability; no Yama); faultline's own parent is not a guest (EPERM).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "emu/cred.h"
#include "emu/emu.h"
#include "emu/ptrace.h"
#include "emu/sched.h"
#include "emu/seccomp.h"
#include "emu/signal.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "kernel_model/mm.h"
#include "kernel_model/pgtable.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

/* include/uapi/linux/ptrace.h, arch/x86/include/uapi/asm/ptrace-abi.h */
#define PTRACE_TRACEME          0
#define PTRACE_PEEKTEXT         1
#define PTRACE_PEEKDATA         2
#define PTRACE_PEEKUSR          3
#define PTRACE_POKETEXT         4
#define PTRACE_POKEDATA         5
#define PTRACE_POKEUSR          6
#define PTRACE_CONT             7
#define PTRACE_KILL             8
#define PTRACE_SINGLESTEP       9
#define PTRACE_GETREGS          12
#define PTRACE_SETREGS          13
#define PTRACE_GETFPREGS        14
#define PTRACE_SETFPREGS        15
#define PTRACE_ATTACH           16
#define PTRACE_DETACH           17
#define PTRACE_SYSCALL          24
#define PTRACE_SETOPTIONS       0x4200
#define PTRACE_GETEVENTMSG      0x4201
#define PTRACE_GETSIGINFO       0x4202
#define PTRACE_SETSIGINFO       0x4203
#define PTRACE_GETREGSET        0x4204
#define PTRACE_SETREGSET        0x4205
#define PTRACE_SEIZE            0x4206
#define PTRACE_INTERRUPT        0x4207
#define PTRACE_LISTEN           0x4208
#define PTRACE_GETSIGMASK       0x420a
#define PTRACE_SETSIGMASK       0x420b
#define PTRACE_GET_SYSCALL_INFO 0x420e
#define NT_PRSTATUS             1
#define NT_PRFPREG              2
#define FXSAVE_BYTES            512

#define FL_CSIGNAL        0xffu
#define FL_CLONE_PTRACE   0x00002000u
#define FL_CLONE_UNTRACED 0x00800000u

/* struct user_regs_struct (arch/x86/include/asm/user_64.h), in its order; orig_rax (-1) is
 * p->orig_rax, not an engine register */
#define USER_REGS_N   27
#define ORIG_RAX_SLOT 15
static const int user_regs[USER_REGS_N] = {
    UC_X86_REG_R15, UC_X86_REG_R14,     UC_X86_REG_R13,     UC_X86_REG_R12,
    UC_X86_REG_RBP, UC_X86_REG_RBX,     UC_X86_REG_R11,     UC_X86_REG_R10,
    UC_X86_REG_R9,  UC_X86_REG_R8,      UC_X86_REG_RAX,     UC_X86_REG_RCX,
    UC_X86_REG_RDX, UC_X86_REG_RSI,     UC_X86_REG_RDI,     -1,
    UC_X86_REG_RIP, UC_X86_REG_CS,      UC_X86_REG_EFLAGS,  UC_X86_REG_RSP,
    UC_X86_REG_SS,  UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE, UC_X86_REG_DS,
    UC_X86_REG_ES,  UC_X86_REG_FS,      UC_X86_REG_GS,
};
#define SLOT_CS      17
#define SLOT_EFLAGS  18
#define SLOT_SS      20
#define SLOT_FS_BASE 21
#define SLOT_GS_BASE 22
#define SLOT_DS      23
#define SLOT_GS      26
/* __USER_CS and __USER_DS (arch/x86/include/asm/segment.h) */
#define USER_CS 0x33
#define USER_DS 0x2b
/* sizeof(struct user) on x86-64, and where u_debugreg[8] is in it */
#define SIZEOF_USER   912
#define USER_DEBUGREG 848
/* FLAG_MASK: the RFLAGS bits a tracer may change (CF PF AF ZF SF TF DF OF RF AC) */
#define FLAG_MASK     0x000000000004cdd5ull
#define X86_EFLAGS_TF 0x100ull

static bool valid_signal(uint64_t sig)
{
    return sig <= FL_NSIG;
}

bool ptraced_by(const struct proc *q, const struct proc *p)
{
    return q->ptracer && q->ptracer->task.tgid == p->task.tgid;
}

/* do_notify_parent_cldstop(tsk, for_ptracer = true, CLD_TRAPPED): SIGCHLD to the tracer unless it
 * ignores SIGCHLD or asked not to hear of stops; a tracer parked in wait looks again anyway
 * (proc_ready). */
static void notify_tracer_stop(struct proc *p)
{
    struct proc *t = p->ptracer;
    if (!t || t->exited)
        return;
    struct proc *leader = find_proc(p->emu, t->task.tgid);
    if (!leader)
        leader = t;
    struct k_sigaction *ka = &leader->sighand[SIGCHLD];
    if (ka->handler == FL_SIG_IGN || (ka->flags & FL_SA_NOCLDSTOP))
        return;
    struct fl_siginfo info =
        chld_siginfo(SIGCHLD, FL_CLD_TRAPPED, p->task.pid, p->pt_exit_code & 0x7f);
    send_signal_group(leader, SIGCHLD, &info);
}

/* ptrace_stop: p enters TASK_TRACED with exit_code (what wait reports), its last_siginfo info
 * (NULL: none, as for a group-stop of a tracee attached without PTRACE_SEIZE), and tells its
 * tracer. The caller takes p off the CPU. */
static void ptrace_stop(struct proc *p, int exit_code, enum pt_stop kind,
                        const struct fl_siginfo *info)
{
    p->traced = true;
    p->pt_stop = kind;
    p->pt_exit_code = exit_code;
    p->pt_reported = false;
    p->pt_resumed = false;
    p->pt_data = 0;
    p->pt_has_siginfo = info != NULL;
    if (info)
        p->pt_siginfo = *info;
    notify_tracer_stop(p);
}

/* ptrace_do_notify: a stop whose siginfo says only why (si_code = exit_code). */
static void ptrace_do_notify(struct proc *p, int signr, int exit_code, enum pt_stop kind)
{
    struct fl_siginfo info = kill_siginfo(signr, exit_code, p->task.pid);
    ptrace_stop(p, exit_code, kind, &info);
}

/* The group-stop trap's signal: the stop signal while the group is stopped, else SIGTRAP
 * (do_jobctl_trap). */
static int jobctl_trap_sig(const struct proc *p)
{
    if ((p->shared->stop_flags & FL_STOP_STOPPED) && p->shared->group_stop_sig)
        return p->shared->group_stop_sig;
    return SIGTRAP;
}

/* do_jobctl_trap: the trap a seized tracee takes for PTRACE_INTERRUPT or a group stop, with
 * signal sig. */
static void jobctl_trap_sig_of(struct proc *p, int sig)
{
    if (p->pt_seized)
        ptrace_do_notify(p, sig, sig | (PTRACE_EVENT_STOP << 8), PT_STOP_GROUP);
    else
        ptrace_stop(p, sig, PT_STOP_GROUP, NULL);
}

static void jobctl_trap(struct proc *p)
{
    jobctl_trap_sig_of(p, jobctl_trap_sig(p));
}

/* What the end of p's last stop leads to, once it runs again (ptrace_resume's effects that need
 * the engine stopped: the registers and the signal queue). */
static void after_stop(struct proc *p)
{
    int sig = p->pt_data;
    switch (p->pt_stop) {
    case PT_STOP_SECCOMP:
        /* the call (its number maybe the tracer's) runs now, its filters asked again */
        p->seccomp_recheck = true;
        /* fall through */
    case PT_STOP_SYSENTER:
    case PT_STOP_EXIT:
        /* the call runs now: back to the syscall instruction with the (tracer's) number */
        mmu_reg_write(p->mmu, UC_X86_REG_RIP, mmu_reg_read(p->mmu, UC_X86_REG_RIP) - 2);
        mmu_reg_write(p->mmu, UC_X86_REG_RAX, p->orig_rax);
        p->in_syscall = true;
        /* on Linux the call is already running: a signal that came meanwhile interrupts it
         * (its exit stop comes first), it is not delivered before it */
        p->retry_first = true;
        break;
    case PT_STOP_RESTART: /* rip is at the syscall again: rax its number for the restart */
        mmu_reg_write(p->mmu, UC_X86_REG_RAX, p->orig_rax);
        break;
    case PT_STOP_SIGNAL:
        if (!sig)
            return; /* the tracer cancelled it */
        {
            /* ptrace_signal: another signal than the one stopped for comes from the tracer */
            struct fl_siginfo info = p->pt_siginfo;
            if (sig != info.si_signo)
                info = kill_siginfo(sig, FL_SI_USER, p->ptracer ? p->ptracer->task.tgid : 0);
            if (sig == SIGKILL) {
                send_signal(p, sig, &info);
            } else if (p->blocked & sigmask_of(sig)) {
                send_signal(p, sig, &info); /* blocked now: requeued, stops again later */
            } else if (!(p->pending & sigmask_of(sig))) {
                /* delivered now, by get_signal's next round, without a second stop */
                p->pending |= sigmask_of(sig);
                p->pending_info[sig] = info;
                p->pt_passed |= sigmask_of(sig);
                signalfd_sync(p->emu);
            }
        }
        return;
    default:
        return; /* an event or group stop: the signal is ignored */
    }
    /* ptrace_report_syscall: a signal given at a syscall stop is sent */
    if (sig && (p->pt_stop == PT_STOP_SYSENTER || p->pt_stop == PT_STOP_SYSEXIT ||
                p->pt_stop == PT_STOP_RESTART))
        send_signal(p, sig, NULL);
}

bool ptrace_work(struct proc *p, bool early)
{
    if (p->pt_resumed) {
        p->pt_resumed = false;
        after_stop(p);
    }
    if (!p->ptracer || p->exited) {
        p->pt_pending = 0;
        return false;
    }
    if (p->pt_pending & PT_P_EVENT) {
        p->pt_pending &= ~PT_P_EVENT;
        ptrace_do_notify(p, SIGTRAP, SIGTRAP | (p->pt_event << 8), PT_STOP_EVENT);
        return true;
    }
    if (early || p->wait != WAIT_NONE)
        return false;
    if (p->pt_pending & PT_P_EXIT) {
        p->pt_pending &= ~PT_P_EXIT;
        ptrace_do_notify(p, SIGTRAP, SIGTRAP | (PTRACE_EVENT_EXIT << 8), PT_STOP_EXIT);
        return true;
    }
    if (p->pt_pending & PT_P_SECCOMP) {
        p->pt_pending &= ~PT_P_SECCOMP;
        ptrace_do_notify(p, SIGTRAP, SIGTRAP | (PTRACE_EVENT_SECCOMP << 8), PT_STOP_SECCOMP);
        return true;
    }
    if (p->pt_pending & PT_P_INTERRUPT) {
        p->pt_pending &= ~PT_P_INTERRUPT;
        jobctl_trap(p);
        return true;
    }
    int sysgood = (p->pt_options & PTRACE_O_TRACESYSGOOD) ? 0x80 : 0;
    if (p->pt_pending & PT_P_SYSEXIT) {
        p->pt_pending &= ~PT_P_SYSEXIT;
        if (p->pt_syscall) {
            ptrace_do_notify(p, SIGTRAP, SIGTRAP | sysgood, PT_STOP_SYSEXIT);
            return true;
        }
    }
    if (p->pt_pending & PT_P_SYSENTER) {
        p->pt_pending &= ~PT_P_SYSENTER;
        ptrace_do_notify(p, SIGTRAP, SIGTRAP | sysgood, PT_STOP_SYSENTER);
        return true;
    }
    return false;
}

bool ptrace_syscall_enter(struct proc *p, uint64_t nr, uint64_t arg0)
{
    if (!p->in_syscall)
        p->orig_rax = nr;
    if (!p->ptracer)
        return false;
    if (!p->in_syscall && p->pt_syscall) {
        p->pt_pending |= PT_P_SYSENTER;
        return true;
    }
    /* __seccomp_filter's ptrace_event(PTRACE_EVENT_SECCOMP, data), after the entry stop (as
     * syscall_trace_enter runs seccomp after ptrace): a filter said SECCOMP_RET_TRACE and the
     * tracer asked for the event; once resumed, the call runs with the filters asked again */
    uint32_t data;
    if (!p->seccomp_recheck && (p->pt_options & PTRACE_O_TRACESECCOMP) &&
        seccomp_trace_wanted(p, nr, &data)) {
        p->pt_message = data;
        p->pt_pending |= PT_P_SECCOMP;
        return true;
    }
    /* do_exit's ptrace_event(PTRACE_EVENT_EXIT, code): before exit or exit_group ends it */
    if ((nr == 60 || nr == 231) && (p->pt_options & PTRACE_O_TRACEEXIT) && !p->pt_exiting) {
        p->pt_exiting = true;
        p->pt_message = (arg0 & 0xff) << 8;
        p->pt_pending |= PT_P_EXIT;
        return true;
    }
    return false;
}

void ptrace_syscall_exit(struct proc *p, bool still_in_call)
{
    if (still_in_call)
        return;
    p->in_syscall = false;
    if (p->ptracer && p->pt_syscall && !p->exited)
        p->pt_pending |= PT_P_SYSEXIT;
}

bool ptrace_restart_stop(struct proc *p)
{
    if (!p->ptracer || !p->in_syscall || !p->restart_pending)
        return false;
    p->in_syscall = false;
    if (!p->pt_syscall)
        return false;
    /* the tracer sees the call return what Linux's would (-ERESTART_RESTARTBLOCK for a sleep,
     * -ERESTARTNOHAND for the waits a handler ends whatever SA_RESTART says, else
     * -ERESTARTSYS); the restart will enter it again */
    int64_t code = p->sleeping ? 516 : p->polling ? 514 : FL_ERESTARTSYS;
    mmu_reg_write(p->mmu, UC_X86_REG_RAX, (uint64_t)-code);
    int sysgood = (p->pt_options & PTRACE_O_TRACESYSGOOD) ? 0x80 : 0;
    ptrace_do_notify(p, SIGTRAP, SIGTRAP | sysgood, PT_STOP_RESTART);
    return true;
}

bool ptrace_signal(struct proc *p, int signo, const struct fl_siginfo *info)
{
    if (!p->ptracer || signo == SIGKILL)
        return false;
    if (p->pt_passed & sigmask_of(signo)) {
        p->pt_passed &= ~sigmask_of(signo);
        return false;
    }
    ptrace_stop(p, signo, PT_STOP_SIGNAL, info);
    return true;
}

void ptrace_group_stop(struct proc *t, int signo)
{
    (void)signo;
    t->stopped = false;
    jobctl_trap(t);
}

void ptrace_continued(struct proc *t)
{
    if (!t->ptracer || !t->pt_seized || t->exited)
        return;
    /* the group is being continued (prepare_signal has yet to say so in stop_flags) */
    if (t->pt_listening) {
        t->pt_listening = false;
        jobctl_trap_sig_of(t, SIGTRAP);
    } else if (t->traced && t->pt_stop == PT_STOP_GROUP) {
        jobctl_trap_sig_of(t, SIGTRAP); /* ptrace_trap_notify: the stop, reported anew */
    }
}

void ptrace_fork(struct proc *p, struct proc *c, uint64_t clone_flags, bool vfork)
{
    if (!p->ptracer || (clone_flags & FL_CLONE_UNTRACED))
        return;
    int event = vfork                                   ? PTRACE_EVENT_VFORK
                : (clone_flags & FL_CSIGNAL) != SIGCHLD ? PTRACE_EVENT_CLONE
                                                        : PTRACE_EVENT_FORK;
    bool want = p->pt_options & (1u << event);
    if (!want && !(clone_flags & FL_CLONE_PTRACE))
        return;
    /* ptrace_init_task: the same tracer and options; it starts in a stop (a seized child in the
     * PTRACE_EVENT_STOP trap, another with SIGSTOP pending); TIF_SYSCALL_TRACE is not copied */
    c->ptracer = p->ptracer;
    c->pt_cap_sys_ptrace = p->pt_cap_sys_ptrace;
    c->pt_seized = p->pt_seized;
    c->pt_options = p->pt_options;
    if (c->pt_seized) {
        c->pt_pending |= PT_P_INTERRUPT;
    } else {
        struct fl_siginfo info;
        memset(&info, 0, sizeof(info));
        info.si_signo = SIGSTOP;
        info.si_code = FL_SI_USER;
        c->pending |= sigmask_of(SIGSTOP);
        c->pending_info[SIGSTOP] = info;
    }
    if (want) {
        p->pt_event = event;
        p->pt_message = (uint64_t)c->task.pid;
        p->pt_pending |= PT_P_EVENT;
    }
}

void ptrace_exec(struct proc *p, int old_pid)
{
    if (!p->ptracer)
        return;
    if (p->pt_options & PTRACE_O_TRACEEXEC) {
        p->pt_event = PTRACE_EVENT_EXEC;
        p->pt_message = (uint64_t)old_pid;
        p->pt_pending |= PT_P_EVENT;
    } else if (!p->pt_seized) {
        send_sig_self(p, SIGTRAP); /* the SIGTRAP of a traced exec before PTRACE_O_TRACEEXEC */
    }
}

/* __ptrace_detach / ptrace_detach: q is no longer traced; a stopped q runs on with signal sig
 * (or goes back into its group's stop), a dead one is its parent's to wait for. */
static void ptrace_unlink(struct proc *q, int sig)
{
    q->ptracer = NULL;
    q->pt_seized = false;
    q->pt_options = 0;
    q->pt_syscall = false;
    q->pt_pending = 0;
    q->pt_passed = 0;
    if (q->pt_zombie) {
        q->pt_zombie = false;
        exit_notify_parent(q);
        return;
    }
    if (q->exited)
        return;
    bool group_stopped = q->shared->stop_flags & FL_STOP_STOPPED;
    if (q->pt_listening) {
        q->pt_listening = false;
        q->stopped = group_stopped;
    }
    if (q->traced) {
        q->traced = false;
        q->pt_data = sig;
        q->pt_resumed = true;
        q->stopped = group_stopped && q->pt_stop == PT_STOP_GROUP;
    }
}

void ptrace_reaped(struct proc *q)
{
    ptrace_unlink(q, 0);
}

bool ptrace_exit_notify(struct proc *p)
{
    /* exit_ptrace: p's tracees go free, or die with it (PTRACE_O_EXITKILL) */
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        if (q->ptracer != p)
            continue;
        bool kill = (q->pt_options & PTRACE_O_EXITKILL) && !q->exited;
        ptrace_unlink(q, 0);
        if (kill)
            send_signal(q, SIGKILL, NULL);
    }
    struct proc *t = p->ptracer;
    if (!t)
        return false;
    if (t->exited) {
        ptrace_unlink(p, 0);
        return false;
    }
    p->traced = false;
    if (!p->thread && p->parent && p->parent->task.tgid == t->task.tgid)
        return false; /* the tracer is the parent: told and reaped as a child */
    /* the tracer hears first (do_notify_parent with SIGCHLD); the zombie waits for it */
    p->pt_zombie = true;
    struct proc *leader = find_proc(p->emu, t->task.tgid);
    if (!leader)
        leader = t;
    struct k_sigaction *ka = &leader->sighand[SIGCHLD];
    if (ka->handler == FL_SIG_IGN) {
        ptrace_unlink(p, 0); /* the tracer will not wait: on to the parent */
        return true;
    }
    struct fl_siginfo info = chld_exit_siginfo(SIGCHLD, p, p->task.pid);
    send_signal_group(leader, SIGCHLD, &info);
    return true;
}

/* ---- the requests ------------------------------------------------------------------------ */

static uint64_t getreg(struct proc *c, int slot)
{
    if (slot == ORIG_RAX_SLOT)
        return c->orig_rax;
    /* the engine runs flat 64-bit code without loading selectors: a 64-bit task's are these */
    if (slot == SLOT_CS)
        return USER_CS;
    if (slot == SLOT_SS)
        return USER_DS;
    uint64_t v = mmu_reg_read(c->mmu, user_regs[slot]);
    if (slot >= SLOT_DS || slot == SLOT_CS || slot == SLOT_SS)
        v &= 0xffff;
    if (slot == SLOT_EFLAGS && c->pt_forced_tf)
        v &= ~X86_EFLAGS_TF; /* get_flags: the debugger's TF is hidden from it */
    return v;
}

/* putreg: what Linux refuses is EIO (a base above the user half, a selector of another
 * privilege level, a null cs or ss); the selectors themselves are not loaded, as the engine runs
 * only flat 64-bit user code; only the FLAG_MASK bits of RFLAGS change. */
static long putreg(struct proc *c, int slot, uint64_t v)
{
    switch (slot) {
    case ORIG_RAX_SLOT:
        c->orig_rax = v;
        return 0;
    case SLOT_FS_BASE:
    case SLOT_GS_BASE:
        if (v >= TASK_SIZE_MAX)
            return -EIO;
        break;
    case SLOT_EFLAGS: {
        /* set_flags: a TF the tracer writes is the task's own from now on; one that
         * PTRACE_SINGLESTEP set stays */
        uint64_t old = mmu_reg_read(c->mmu, UC_X86_REG_EFLAGS);
        if (v & X86_EFLAGS_TF)
            c->pt_forced_tf = false;
        else if (c->pt_forced_tf)
            v |= X86_EFLAGS_TF;
        v = (old & ~FLAG_MASK) | (v & FLAG_MASK);
        break;
    }
    case SLOT_CS:
    case SLOT_SS:
        v &= 0xffff;
        if (!v || (v & 3) != 3)
            return -EIO;
        return 0;
    default:
        if (slot >= SLOT_DS) {
            v &= 0xffff;
            if (v && (v & 3) != 3)
                return -EIO;
            return 0;
        }
        break;
    }
    mmu_reg_write(c->mmu, user_regs[slot], v);
    return 0;
}

/* SETREGS and SETREGSET: each slot in order, as Linux's genregs_set, stopping at the first one
 * putreg refuses. */
static long put_regs(struct proc *c, const uint64_t *regs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        long r = putreg(c, (int)i, regs[i]);
        if (r)
            return r;
    }
    return 0;
}

/* user_enable_single_step / user_disable_single_step: RFLAGS.TF makes the CPU trap (#DB, a
 * SIGTRAP with TRAP_TRACE) after the next instruction; the flag is ptrace's own
 * (TIF_FORCED_TF) unless the task had set it itself. */
static void set_single_step(struct proc *c, bool on)
{
    uint64_t fl = mmu_reg_read(c->mmu, UC_X86_REG_EFLAGS);
    if (on && !(fl & X86_EFLAGS_TF)) {
        mmu_reg_write(c->mmu, UC_X86_REG_EFLAGS, fl | X86_EFLAGS_TF);
        c->pt_forced_tf = true;
    } else if (!on && c->pt_forced_tf) {
        mmu_reg_write(c->mmu, UC_X86_REG_EFLAGS, fl & ~X86_EFLAGS_TF);
        c->pt_forced_tf = false;
    }
}

/* ptrace_resume: PTRACE_CONT, PTRACE_SYSCALL (and DETACH's signal) end the stop. */
static long ptrace_resume(struct proc *c, long request, uint64_t data)
{
    if (!valid_signal(data))
        return -EIO;
    set_single_step(c, request == PTRACE_SINGLESTEP);
    c->pt_syscall = request == PTRACE_SYSCALL;
    c->pt_data = (int)data;
    c->traced = false;
    c->pt_resumed = true;
    return 0;
}

static long ptrace_traceme(struct proc *p)
{
    if (p->ptracer || !p->parent || p->parent->exited)
        return -EPERM;
    p->ptracer = p->parent;
    /* ptrace_link: the parent's credentials are the tracer's */
    p->pt_cap_sys_ptrace = guest_capable(p->parent, 19 /* CAP_SYS_PTRACE */);
    return 0;
}

static long ptrace_attach(struct proc *p, struct proc *c, long request, uint64_t addr,
                          uint64_t flags)
{
    bool seize = request == PTRACE_SEIZE;
    if (seize && (addr || (flags & ~(uint64_t)PTRACE_O_MASK)))
        return -EIO;
    if (c->task.tgid == p->task.tgid || c->exited || c->ptracer ||
        ptrace_may_access(p, c, false)) /* PTRACE_MODE_ATTACH_REALCREDS */
        return -EPERM;
    c->ptracer = p;
    c->pt_cap_sys_ptrace = guest_capable(p, 19 /* CAP_SYS_PTRACE */);
    c->pt_seized = seize;
    c->pt_options = seize ? (unsigned)flags : 0;
    c->pt_syscall = false;
    c->pt_passed = 0;
    if (!seize) {
        struct fl_siginfo info;
        memset(&info, 0, sizeof(info));
        info.si_signo = SIGSTOP;
        info.si_code = FL_SI_KERNEL;
        send_signal(c, SIGSTOP, &info);
    }
    /* a task already in a group stop traps now (JOBCTL_TRAP_STOP), for the tracer to see */
    if (c->stopped) {
        c->stopped = false;
        jobctl_trap(c);
    }
    return 0;
}

/*
 * access_process_vm(FOLL_FORCE | FOLL_WRITE) of n bytes within one page of c: the write a
 * debugger's breakpoint makes into read-only text. A private mapping that may be made writable
 * (is_cow_mapping) takes the write through a COW copy of the page that stays read-only for the
 * tracee (do_wp_page with maybe_mkwrite finding no VM_WRITE; follow_page's FOLL_COW accepts the
 * dirty PTE); a shared one must be writable. Translated code made from the old bytes goes. 0 or
 * -EIO.
 */
static long poke_forced(struct proc *c, uint64_t addr, const void *buf, size_t n)
{
    struct mm_struct *mm = c->task.mm;
    if (!mm || !access_ok(addr, n))
        return -EIO;
    struct vm_area_struct *vma = find_vma(mm, addr);
    if (!vma || vma->vm_start > addr)
        return -EIO;
    if (!(vma->vm_flags & VM_WRITE) && (vma->vm_flags & (VM_SHARED | VM_MAYWRITE)) != VM_MAYWRITE)
        return -EIO; /* check_vma_flags */
    for (int tries = 0; tries < 3; tries++) {
        bool huge;
        pte_t pte = lookup_leaf(mm, addr, &huge);
        if (pte_present(pte) && (pte_write(pte) || (tries && pte_dirty(pte)))) {
            unsigned long pfn = pte_pfn(pte) + (huge ? pte_index(addr) : 0);
            char *host = (char *)pfn_address(pfn) + (addr & ~PAGE_MASK);
            memcpy(host, buf, n);
            mmu_kernel_wrote(host);
            return 0;
        }
        if (handle_mm_fault(vma, addr, FAULT_FLAG_WRITE | FAULT_FLAG_REMOTE) & VM_FAULT_ERROR)
            return -EIO;
    }
    return -EIO;
}

size_t ptrace_access_vm(struct proc *t, uint64_t addr, void *buf, size_t n, bool write)
{
    size_t done = 0;
    while (done < n) {
        uint64_t at = addr + done;
        size_t chunk = PAGE_SIZE - (at & ~PAGE_MASK);
        if (chunk > n - done)
            chunk = n - done;
        char *b = (char *)buf + done;
        if (!access_ok(at, chunk))
            break;
        if (write) {
            /* a writable mapping the ordinary way, else FOLL_FORCE's COW */
            if (copy_to_user(&t->task, at, b, chunk) && poke_forced(t, at, b, chunk))
                break;
        } else if (copy_from_user(&t->task, b, at, chunk)) {
            break;
        }
        done += chunk;
    }
    return done;
}

/* ptrace_regset for NT_PRSTATUS: iov_len is cut to the set's size (it must be a multiple of a
 * register's), and written back. */
static long ptrace_regset(struct proc *p, struct proc *c, bool set, uint64_t type, uint64_t uiov)
{
    struct {
        uint64_t base, len;
    } iov;
    if (get_user_bytes(&p->task, &iov, uiov, sizeof(iov)))
        return -EFAULT;
    if (type == NT_PRFPREG) { /* xfpregs: the FXSAVE image, in whole (its element is 16) */
        if (iov.len % 16)
            return -EINVAL;
        if (iov.len > FXSAVE_BYTES)
            iov.len = FXSAVE_BYTES;
        uint8_t fx[FXSAVE_BYTES];
        fpu_get_fxsave(c->mmu, fx);
        if (set) {
            if (get_user_bytes(&p->task, fx, iov.base, iov.len))
                return -EFAULT;
            fpu_set_fxsave(c->mmu, fx);
        } else if (put_user_bytes(&p->task, iov.base, fx, iov.len)) {
            return -EFAULT;
        }
        return put_user_bytes(&p->task, uiov + 8, &iov.len, 8) ? -EFAULT : 0;
    }
    if (type != NT_PRSTATUS || iov.len % 8)
        return -EINVAL; /* NT_X86_XSTATE and the others: not modelled */
    if (iov.len > USER_REGS_N * 8)
        iov.len = USER_REGS_N * 8;
    uint64_t regs[USER_REGS_N];
    long r = 0;
    if (set) {
        if (get_user_bytes(&p->task, regs, iov.base, iov.len))
            return -EFAULT;
        r = put_regs(c, regs, (unsigned)(iov.len / 8));
    } else {
        for (int i = 0; i < USER_REGS_N; i++)
            regs[i] = getreg(c, i);
        if (put_user_bytes(&p->task, iov.base, regs, iov.len))
            return -EFAULT;
    }
    if (!r && put_user_bytes(&p->task, uiov + 8, &iov.len, 8))
        return -EFAULT;
    return r;
}

/* ptrace_request and arch_ptrace, on a tracee in a ptrace stop (or, for KILL and INTERRUPT,
 * any tracee of the caller's). */
static long ptrace_request(struct proc *p, struct proc *c, long request, uint64_t addr,
                           uint64_t data)
{
    uint64_t word;
    switch (request) {
    case PTRACE_PEEKTEXT:
    case PTRACE_PEEKDATA:
        if (ptrace_access_vm(c, addr, &word, sizeof(word), false) != sizeof(word))
            return -EIO;
        return put_user_bytes(&p->task, data, &word, sizeof(word));
    case PTRACE_POKETEXT:
    case PTRACE_POKEDATA:
        return ptrace_access_vm(c, addr, &data, sizeof(data), true) == sizeof(data) ? 0 : -EIO;
    case PTRACE_PEEKUSR:
        if ((addr & 7) || addr >= SIZEOF_USER)
            return -EIO;
        if (addr < USER_REGS_N * 8)
            word = getreg(c, (int)(addr / 8));
        else if (addr >= USER_DEBUGREG)
            word = ptrace_get_debugreg(c, (unsigned)(addr - USER_DEBUGREG) / 8);
        else
            word = 0;
        return put_user_bytes(&p->task, data, &word, sizeof(word));
    case PTRACE_POKEUSR:
        if ((addr & 7) || addr >= SIZEOF_USER)
            return -EIO;
        if (addr < USER_REGS_N * 8)
            return putreg(c, (int)(addr / 8), data);
        if (addr >= USER_DEBUGREG)
            return ptrace_set_debugreg(c, (unsigned)(addr - USER_DEBUGREG) / 8, data);
        return -EIO;
    case PTRACE_GETREGS: {
        uint64_t regs[USER_REGS_N];
        for (int i = 0; i < USER_REGS_N; i++)
            regs[i] = getreg(c, i);
        return put_user_bytes(&p->task, data, regs, sizeof(regs));
    }
    case PTRACE_SETREGS: {
        uint64_t regs[USER_REGS_N];
        if (get_user_bytes(&p->task, regs, data, sizeof(regs)))
            return -EFAULT;
        return put_regs(c, regs, USER_REGS_N);
    }
    case PTRACE_GETFPREGS: {
        uint8_t fx[FXSAVE_BYTES];
        fpu_get_fxsave(c->mmu, fx);
        return put_user_bytes(&p->task, data, fx, sizeof(fx));
    }
    case PTRACE_SETFPREGS: {
        uint8_t fx[FXSAVE_BYTES];
        if (get_user_bytes(&p->task, fx, data, sizeof(fx)))
            return -EFAULT;
        fpu_set_fxsave(c->mmu, fx);
        return 0;
    }
    case PTRACE_GETREGSET:
    case PTRACE_SETREGSET:
        return ptrace_regset(p, c, request == PTRACE_SETREGSET, addr, data);
    case PTRACE_SETOPTIONS:
        if (data & ~(uint64_t)PTRACE_O_MASK)
            return -EINVAL;
        c->pt_options = (unsigned)data;
        return 0;
    case PTRACE_GETEVENTMSG:
        return put_user_bytes(&p->task, data, &c->pt_message, sizeof(c->pt_message));
    case PTRACE_GETSIGINFO:
        if (!c->pt_has_siginfo)
            return -EINVAL;
        return put_user_bytes(&p->task, data, &c->pt_siginfo, sizeof(c->pt_siginfo));
    case PTRACE_SETSIGINFO: {
        struct fl_siginfo info;
        if (get_user_bytes(&p->task, &info, data, sizeof(info)))
            return -EFAULT;
        if (!c->pt_has_siginfo)
            return -EINVAL;
        c->pt_siginfo = info;
        return 0;
    }
    case PTRACE_GETSIGMASK:
    case PTRACE_SETSIGMASK:
        if (addr != 8)
            return -EINVAL;
        if (request == PTRACE_GETSIGMASK)
            return put_user_bytes(&p->task, data, &c->blocked, 8);
        if (get_user_bytes(&p->task, &word, data, 8))
            return -EFAULT;
        c->blocked = word & ~(sigmask_of(SIGKILL) | sigmask_of(SIGSTOP));
        return 0;
    case PTRACE_CONT:
    case PTRACE_SYSCALL:
    case PTRACE_SINGLESTEP:
        return ptrace_resume(c, request, data);
    case PTRACE_KILL:
        if (!c->exited)
            send_signal(c, SIGKILL, NULL);
        return 0;
    case PTRACE_DETACH:
        if (!valid_signal(data))
            return -EIO;
        set_single_step(c, false);
        ptrace_unlink(c, (int)data);
        return 0;
    case PTRACE_INTERRUPT:
        if (!c->pt_seized)
            return -EIO;
        if (c->pt_listening) {
            c->pt_listening = false;
            c->stopped = false;
            jobctl_trap(c);
        } else if (!c->traced) {
            c->pt_pending |= PT_P_INTERRUPT;
            if (c->wait != WAIT_NONE && c->wait != WAIT_VFORK)
                c->interrupted = true; /* signal_wake_up: a parked call is cut short */
        } else {
            c->pt_pending |= PT_P_INTERRUPT; /* trapped again once resumed */
        }
        return 0;
    case PTRACE_LISTEN:
        if (!c->pt_seized || !c->traced || c->pt_stop != PT_STOP_GROUP)
            return -EIO;
        c->traced = false;
        if (c->shared->stop_flags & FL_STOP_STOPPED) {
            c->stopped = true;
            c->pt_listening = true;
        } else {
            jobctl_trap(c); /* nothing to listen for: it traps again at once */
        }
        return 0;
    default: /* SINGLESTEP, the FPU registers, PEEKSIGINFO, GET_SYSCALL_INFO (5.3+)... */
        return -EIO;
    }
}

long sys_ptrace(struct proc *p, const uint64_t a[6])
{
    long request = (long)a[0];
    int pid = (int)a[1];
    if (request == PTRACE_TRACEME)
        return ptrace_traceme(p);
    struct proc *c = find_proc(p->emu, pid);
    if (!c)
        return is_host_parent(p, pid) ? -EPERM : -ESRCH;
    if (request == PTRACE_ATTACH || request == PTRACE_SEIZE)
        return ptrace_attach(p, c, request, a[2], a[3]);
    /* ptrace_check_attach: the caller's tracee, stopped unless the request works either way */
    bool any_state = request == PTRACE_KILL || request == PTRACE_INTERRUPT;
    if (c->ptracer != p || c->pt_zombie || (!any_state && (!c->traced || c->exited)))
        return -ESRCH;
    return ptrace_request(p, c, request, a[2], a[3]);
}
