/*
 * sys_process.c - processes: fork/vfork/clone, execve, wait4/waitid, exit notification, and the
 * syscalls that park a process (kernel/fork.c, fs/exec.c, fs/binfmt_script.c, kernel/exit.c,
 * kernel/signal.c's pause and rt_sigsuspend).
 *
 * Each process has its own registers on the shared CPU (mmu/mmu.h, docs/architecture.md) and its
 * own mm (a vfork child borrows its parent's until it execs or exits): fork copies the
 * parent's with dup_mmap, whose copy_page_range write-protects
 * the private writable PTEs on both sides and takes page references, so the first write on
 * either side is do_wp_page: wp_page_copy while the frame is still shared, wp_page_reuse for the
 * last mapper. execve builds a fresh mm, drops the old one (its frames go back when nobody maps
 * them) and starts the registers afresh. How the processes take turns is in emu/sched.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu/binfmt.h"
#include "emu/cred.h"
#include "emu/emu.h"
#include "emu/exec.h"
#include "emu/fdtable.h"
#include "emu/mqueue.h"
#include "emu/ctty.h"
#include "emu/path.h"
#include "emu/posix_locks.h"
#include "emu/procfs.h"
#include "emu/ptrace.h"
#include "emu/rseq.h"
#include "emu/sched.h"
#include "emu/seccomp.h"
#include "emu/sysv_ipc.h"
#include "emu/signal.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "kernel_model/arch.h"
#include "kernel_model/mm.h"
#include "kernel_model/userfaultfd_k.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

#define CSIGNAL              0x000000ff
#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_PTRACE         0x00002000
#define CLONE_VFORK          0x00004000
#define CLONE_PARENT         0x00008000
#define CLONE_THREAD         0x00010000
#define CLONE_NEWNS          0x00020000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000
#define CLONE_UNTRACED       0x00800000
#define CLONE_CHILD_SETTID   0x01000000
#define CLONE_IO             0x80000000u
#define CLONE_NEWCGROUP      0x02000000
#define CLONE_NEWUTS         0x04000000
#define CLONE_NEWIPC         0x08000000
#define CLONE_NEWUSER        0x10000000
#define CLONE_NEWPID         0x20000000
#define CLONE_NEWNET         0x40000000

char **strv_dup(char *const v[])
{
    size_t n = 0;
    while (v && v[n])
        n++;
    char **out = calloc(n + 1, sizeof(*out));
    for (size_t i = 0; out && i < n; i++)
        out[i] = strdup(v[i]);
    return out;
}

void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

struct proc *find_proc(struct emu *e, int pid)
{
    for (struct proc *q = e->procs; q; q = q->next)
        if (q->task.pid == pid && !q->reaped)
            return q;
    return NULL;
}

/* ---- parking ---------------------------------------------------------------------------- */

void proc_park_poll(struct proc *p, const struct pollfd *fds, unsigned long nfds)
{
    struct pollfd *copy = malloc((nfds ? nfds : 1) * sizeof(*copy));
    if (!copy) { /* as the fd table does: out of host memory is fatal */
        fprintf(stderr, "faultline: out of memory\n");
        abort();
    }
    memcpy(copy, fds, nfds * sizeof(*copy));
    free(p->wait_poll);
    p->wait_poll = copy;
    p->wait_npoll = nfds;
    proc_park(p, WAIT_POLL, 0, true);
}

void timed_wait_start(struct proc *p, int timeout)
{
    if (timeout > 0 && !p->polling) /* not a retry of a parked call */
        p->wait_deadline = monotonic_ns() + (uint64_t)timeout * 1000000u;
}

bool timed_wait_time_left(const struct proc *p, int timeout)
{
    return timeout > 0 && monotonic_ns() < p->wait_deadline;
}

void timed_wait_over(struct proc *p, long r, int timeout)
{
    if (r != -FL_ERESTARTSYS && (p->polling || timeout > 0)) {
        p->polling = false;
        p->wait_deadline = 0;
    }
}

long park_retry_after(struct proc *p, unsigned ms)
{
    p->wait_deadline = monotonic_ns() + (uint64_t)ms * 1000000u;
    proc_park(p, WAIT_SLEEP, 0, true);
    return -FL_ERESTARTSYS;
}

void proc_park(struct proc *p, enum proc_wait why, int arg, bool restart)
{
    p->wait = why;
    p->wait_arg = arg;
    p->park_restart = restart;
    p->wake_state = WAKE_NONE; /* the next wake is weighed afresh */
}

static bool host_fd_ready(struct proc *p, int fd, short events)
{
    struct ofd *o = p->files ? fd_get(p->files, fd) : NULL;
    if (!o)
        return true; /* the retried call reports what happened */
    struct pollfd pfd = {.fd = o->hostfd, .events = events};
    return poll(&pfd, 1, 0) != 0;
}

/* What wait_consider_task finds to report of a child. */
enum child_event {
    CHILD_NONE,
    CHILD_EXITED,    /* a zombie (wait_task_zombie) */
    CHILD_STOPPED,   /* a stop not yet reported, for WUNTRACED (wait_task_stopped) */
    CHILD_CONTINUED, /* a continue not yet reported, for WCONTINUED (wait_task_continued) */
    CHILD_TRACED,    /* a ptrace stop not yet reported, to the tracer (wait_task_stopped) */
};

/* The event child q has to report to a wait with `options`, in wait_consider_task's order. */
static enum child_event child_event(const struct proc *q, unsigned options, bool ptrace)
{
    if (q->exited && !q->mmu && !q->exit_deferred) {
        if (q->pt_zombie && !ptrace)
            return CHILD_NONE; /* its tracer reaps it first */
        return options & WEXITED ? CHILD_EXITED : CHILD_NONE;
    }
    /* the tracer hears of every ptrace stop, WUNTRACED or not */
    if (ptrace && q->traced && !q->pt_reported && !q->exited)
        return CHILD_TRACED;
    if ((options & WUNTRACED) && (q->stopped || (q->traced && q->pt_stop == PT_STOP_GROUP)) &&
        (q->shared->stop_flags & FL_STOP_STOPPED) && q->shared->group_stop_sig)
        return CHILD_STOPPED;
    if ((options & WCONTINUED) && (q->shared->stop_flags & FL_STOP_CONTINUED))
        return CHILD_CONTINUED;
    return CHILD_NONE;
}

/* A child that wait4/waitid(pid spec, options) may report, or may still come: 1 a child with
 * an event to report (*child, the lowest pid, and *ev), 0 children that are alive or whose
 * events the options do not ask for, -1 no child matches at all. */
static int child_state(struct proc *p, int pid, unsigned options, struct proc **child,
                       enum child_event *ev)
{
    int state = -1;
    *child = NULL;
    *ev = CHILD_NONE;
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        /* a child of any thread of the group is the group's to wait for; threads share their
         * group's parent, but only the group is a child */
        /* and a task traced by any thread of the group, a thread of another group too */
        bool ptrace = ptraced_by(q, p);
        if (q->reaped)
            continue;
        if (!ptrace && (!q->parent || q->parent->task.tgid != p->task.tgid || q->thread))
            continue;
        /* pid > 0 that child, 0 one in the caller's group, < -1 one in group -pid, -1 any */
        if ((pid > 0 && q->task.pid != pid) || (pid == 0 && guest_pgrp(q) != guest_pgrp(p)) ||
            (pid < -1 && guest_pgrp(q) != -pid))
            continue;
        enum child_event e = child_event(q, options, ptrace);
        if (e != CHILD_NONE && (!*child || q->task.pid < (*child)->task.pid)) {
            *child = q;
            *ev = e;
        }
        if (state < 0)
            state = 0;
    }
    return *child ? 1 : state;
}

bool proc_ready(struct proc *p)
{
    if (p->wait != WAIT_NONE && p->wait_deadline && monotonic_ns() >= p->wait_deadline)
        return true; /* a timed wait whose time is up: the retried call says so */
    return proc_cond_ready(p);
}

bool proc_cond_ready(struct proc *p)
{
    struct proc *z;
    enum child_event ev;
    switch (p->wait) {
    case WAIT_NONE:
        return true;
    case WAIT_FD_READ:
        return host_fd_ready(p, p->wait_arg, POLLIN);
    case WAIT_FD_WRITE:
        return host_fd_ready(p, p->wait_arg, POLLOUT);
    case WAIT_CHILD:
        return child_state(p, p->wait_arg, p->wait_options, &z, &ev) != 0;
    case WAIT_VFORK:
        return p->vfork_child == NULL;
    case WAIT_POLL:
        return poll(p->wait_poll, p->wait_npoll, 0) != 0;
    case WAIT_FUTEX:
        return p->futex_woken;
    case WAIT_SLEEP:
        return false;  /* only its deadline, above */
    case WAIT_SIGWAIT: /* blocked or not: the retried call takes it before any delivery */
        return (sigpending_all(p) & p->wait_sigset) != 0;
    case WAIT_SYSV:
        return sysv_wait_ready(p);
    case WAIT_AIO:
        return aio_wait_ready(p);
    case WAIT_UFFD:
        return userfaultfd_wait_woken(&p->task);
    default: /* WAIT_SIGNAL: only proc_signal_wake ends it */
        return false;
    }
}

void proc_signal_wake(struct proc *p)
{
    if (p->wait == WAIT_NONE || p->wait == WAIT_VFORK || p->exited)
        return;
    /* a stop leaves the syscall parked: it goes on once the process is continued */
    if (!p->stopped && !p->traced && !p->ptracer && fl_signal_pending(p))
        take_stop_signals(p); /* a tracee's stop signals stop it for its tracer first */
    if (fl_signal_pending(p) && !p->interrupted) {
        p->interrupted = true; /* runnable; the run loop decides retry or -EINTR */
        sched_wake_hint(p);
    }
}

/* mm_release / complete_vfork_done: a vfork child has exec'd or exited, so its parent, which
 * shared its mm, may run again; the mm is the parent's again (the TLB is flushed when the parent
 * is switched in, after the child may have changed any PTE). */
static void vfork_release(struct proc *c)
{
    struct proc *parent = c->parent;
    if (!parent || parent->vfork_child != c)
        return;
    parent->vfork_child = NULL;
    if (parent->mmu && parent->task.mm)
        mmu_attach(parent->mmu, &parent->task);
}

/* ---- exit --------------------------------------------------------------------------------- */

int proc_wait_status(const struct proc *p)
{
    return p->term_sig ? (p->term_sig & 0x7f) : (p->exit_code & 0xff) << 8;
}

/* A live thread of group tgid other than p, or NULL (find_alive_thread). */
static struct proc *find_alive_thread(struct emu *e, int tgid, const struct proc *p)
{
    for (struct proc *q = e->procs; q; q = q->next)
        if (q != p && q->task.tgid == tgid && !q->exited)
            return q;
    return NULL;
}

/*
 * find_new_reaper: who takes the children of p, which exits: another live thread of p's group,
 * else a live thread of the nearest ancestor group that made itself a child subreaper
 * (PR_SET_CHILD_SUBREAPER), else init (NULL: faultline plays init and reaps what dies).
 */
static struct proc *find_new_reaper(struct proc *p)
{
    struct emu *e = p->emu;
    struct proc *heir = find_alive_thread(e, p->task.tgid, p);
    if (heir)
        return heir;
    for (struct proc *a = p->parent; a; a = a->parent) {
        if (a->child_subreaper && (heir = find_alive_thread(e, a->task.tgid, NULL)))
            return heir;
        struct proc *leader = find_proc(e, a->task.tgid);
        if (leader && leader != a) /* a thread: its group's parent is the leader's */
            a = leader;
    }
    return NULL;
}

static void do_notify_parent(struct proc *p);

void exit_notify(struct proc *p)
{
    struct emu *e = p->emu;
    /* forget_original_parent: children go to another live thread of the group, or to the
     * nearest child subreaper above, or else to init, which reaps whatever dies; each of their
     * threads that asked for a parent-death signal has it sent to its group, from the exiting
     * thread, even when the new parent is a thread of the same group (as Linux does: the
     * parent is the thread) */
    struct proc *heir = find_new_reaper(p);
    bool same_group = heir && heir->task.tgid == p->task.tgid;
    for (struct proc *q = e->procs; q; q = q->next) {
        if (q->parent != p)
            continue;
        q->parent = heir;
        if (q->pdeath_signal && !q->exited) {
            struct fl_siginfo info = kill_siginfo(q->pdeath_signal, FL_SI_USER, p->task.tgid);
            struct proc *leader = find_proc(e, q->task.tgid);
            send_signal_group(leader ? leader : q, q->pdeath_signal, &info);
        }
        if (same_group)
            continue;
        if (heir) {
            /* reparent_leader: a zombie's new parent hears of it (and reaps it at once if it
             * ignores SIGCHLD) */
            q->ppid = heir->task.tgid;
            if (!q->thread && q->exited && !q->reaped && !q->exit_deferred)
                do_notify_parent(q);
            continue;
        }
        q->ppid = 1;
        if (q->exited && !q->mmu)
            q->reaped = true;
    }
    vfork_release(p);
    if (ptrace_exit_notify(p))
        return; /* its tracer hears first; the parent once the tracer has reaped it */
    exit_notify_parent(p);
}

void exit_notify_parent(struct proc *p)
{
    struct emu *e = p->emu;
    if (p->thread) {
        /* a thread other than the leader: reaped at once; the last one out reports the
         * leader that exited before it (release_task / delayed_group_leader) */
        p->reaped = true;
        struct proc *leader = find_proc(e, p->task.tgid);
        if (leader && leader->exit_deferred && !group_has_other_live(leader)) {
            leader->exit_deferred = false;
            exit_notify(leader);
        }
        return;
    }
    if (group_has_other_live(p)) {
        p->exit_deferred = true; /* the leader: its parent hears when the group is gone */
        return;
    }
    pidfd_exited(e, p->task.tgid);
    mqueue_exit(p->task.tgid);
    do_notify_parent(p);
}

/* do_notify_parent: p's exit_signal (SIGCHLD) to its parent process, which reaps it at once if
 * it ignores SIGCHLD or set SA_NOCLDWAIT; nobody waits for a child of faultline or init. */
static void do_notify_parent(struct proc *p)
{
    struct proc *parent = p->parent;
    if (!parent || parent->exited) {
        p->reaped = true; /* faultline (or init) is the parent: nobody waits */
        return;
    }
    if (p->exit_signal == SIGCHLD) {
        struct k_sigaction *ka = &parent->sighand[SIGCHLD];
        if (ka->handler == FL_SIG_IGN || (ka->flags & SA_NOCLDWAIT))
            p->reaped = true; /* the parent said it will not wait: no zombie */
    }
    if (p->exit_signal) {
        struct fl_siginfo info = chld_exit_siginfo(p->exit_signal, p, p->task.tgid);
        struct task_cputime t = thread_group_cputime_adjusted(p);
        info.u.chld.utime = (int64_t)nsec_to_clock_t(t.utime);
        info.u.chld.stime = (int64_t)nsec_to_clock_t(t.stime);
        send_signal_group(parent, p->exit_signal, &info); /* to the parent process */
    }
}

/* ---- fork ----------------------------------------------------------------------------------- */

#define CLONE_NEW_NONUSER                                                                          \
    (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWCGROUP)

/* The answer to a clone or unshare that asks for new namespaces, 0 if it asks for none.
 * faultline's kernel is one built without them: a user namespace is EINVAL for everybody
 * (create_user_ns without CONFIG_USER_NS); the others need CAP_SYS_ADMIN (copy_namespaces,
 * unshare_nsproxy_namespaces: EPERM without it) and are then EINVAL (copy_utsname and the
 * others without their CONFIG_*_NS). */
static long ns_refusal(const struct proc *p, uint64_t flags)
{
    if (flags & CLONE_NEWUSER)
        return -EINVAL;
    if (flags & CLONE_NEW_NONUSER)
        return guest_capable(p, 21 /* CAP_SYS_ADMIN */) ? -EINVAL : -EPERM;
    return 0;
}

static long do_fork(struct proc *p, uint64_t flags, uint64_t newsp, uint64_t ptid, uint64_t ctid,
                    uint64_t tls)
{
    /* Processes, vfork children, threads (emu/threads.c) and processes that share the memory,
     * the fd table or the signal actions (CLONE_VM, CLONE_FILES, CLONE_SIGHAND without
     * CLONE_THREAD: LeakSanitizer's tracer, stress-ng): CLONE_THREAD needs CLONE_SIGHAND, which
     * needs CLONE_VM, as copy_process checks. */
    bool vfork = (flags & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK);
    bool thread = flags & CLONE_THREAD;
    if ((thread && !(flags & CLONE_SIGHAND)) || ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
        return -EINVAL;
    /* copy_process's other flag checks: a new mount or user namespace cannot share the
     * fs_struct, nor a thread be in a new user or pid namespace */
    if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
        (flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS) ||
        (thread && (flags & (CLONE_NEWUSER | CLONE_NEWPID))))
        return -EINVAL;
    /* then copy_creds' and copy_namespaces' refusals. Until 2026-12-07 the flags were ignored:
     * `bwrap --unshare-all` as root ran its sandbox in the host's namespaces, and its
     * RTM_NEWADDR for the "new" loopback went to the host's network */
    long ns = ns_refusal(p, flags);
    if (ns)
        return ns;
    struct emu *e = p->emu;
    struct proc *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->emu = e;
    c->start_boottime = boottime_ns();
    memcpy(c->task.comm, p->task.comm, sizeof(c->task.comm));
    c->task.rlimit_stack = p->task.rlimit_stack;
    c->task.oom_score_adj = p->task.oom_score_adj; /* copy_signal, or the thread's group's */
    c->task.oom_score_adj_min = p->task.oom_score_adj_min;
    int r = 0;
    if (flags & CLONE_VM) {
        /* CLONE_VM: the child runs in the parent's mm (mmget), while the parent waits (vfork)
         * or beside it (a thread, or a process of its own sharing the memory) */
        c->task.mm = p->task.mm;
        c->task.mm->mm_users++;
    } else {
        c->task.mm = mm_alloc();
        if (!c->task.mm) {
            free(c);
            return -ENOMEM;
        }
        c->task.mm->owner = &c->task;
        /* dup_mmap write-protects the parent's private writable PTEs and flushes its TLB */
        r = dup_mmap(c->task.mm, p->task.mm);
    }
    if (!r && !(c->mmu = proc_new_mmu(c)))
        r = -ENOMEM;
    if (flags & CLONE_VM)
        p->task.mm->arch = p->mmu; /* the mm stays the running parent's until a switch */
    if (r) {
        mmput(c->task.mm);
        free(c);
        return r;
    }
    c->task.pid = e->next_pid++;
    hw_breakpoint_fork(c, p);
    c->task.tgid = thread ? p->task.tgid : c->task.pid;
    /* The child resumes after the syscall with the parent's registers and rax = 0. Inside the
     * syscall hook the parent's rip still points at the `syscall` instruction (2 bytes). */
    mmu_copy_regs(c->mmu, p->mmu);
    mmu_reg_write(c->mmu, UC_X86_REG_RIP, mmu_reg_read(p->mmu, UC_X86_REG_RIP) + 2);
    mmu_reg_write(c->mmu, UC_X86_REG_RAX, 0);
    if (newsp)
        mmu_reg_write(c->mmu, UC_X86_REG_RSP, newsp);
    if (flags & CLONE_SETTLS)
        mmu_reg_write(c->mmu, UC_X86_REG_FS_BASE, tls);

    c->files = (flags & CLONE_FILES) ? fdtable_hold(p->files) : fdtable_dup(p->files);
    c->exe = strdup(p->exe ? p->exe : "");
    int exe_fd = p->exe_fd ? fcntl(p->exe_fd - 1, F_DUPFD_CLOEXEC, 0) : -1;
    c->exe_fd = exe_fd >= 0 ? exe_fd + 1 : 0;
    c->argv = strv_dup(p->argv);
    c->ppid = thread ? p->ppid : p->task.tgid;
    c->pgid = guest_pgrp(p);
    c->sid = p->sid;
    c->ctty = p->ctty;
    c->nice = p->nice;
    c->sched_policy = p->sched_policy;
    ioprio_fork(c, p, flags & CLONE_IO);
    c->personality = p->personality;
    c->timer_slack_ns = c->default_timer_slack_ns = p->timer_slack_ns;
    c->mce_process = p->mce_process;
    c->mce_early = p->mce_early;
    c->no_new_privs = p->no_new_privs;
    c->child_subreaper = thread && p->child_subreaper;
    seccomp_fork(c, p);
    c->ids_own = p->ids_own; /* copy_creds */
    memcpy(c->uids, p->uids, sizeof(c->uids));
    memcpy(c->gids, p->gids, sizeof(c->gids));
    c->groups_own = p->groups_own;
    c->ngroups = p->ngroups;
    memcpy(c->groups, p->groups, sizeof(c->groups));
    c->caps_own = p->caps_own;
    c->cap_eff = p->cap_eff;
    c->cap_prm = p->cap_prm;
    c->cap_inh = p->cap_inh;
    c->securebits = p->securebits;
    c->cap_amb = p->cap_amb;
    c->cap_bset = p->cap_bset;
    c->bset_own = p->bset_own;
    c->parent = thread ? p->parent : p; /* a thread is its group's, not its creator's, child */
    c->exit_signal = thread ? 0 : (int)(flags & CSIGNAL);
    c->thread = thread;
    if (thread)
        timers_share(c, p); /* a fork's child starts without timers */
    /* a thread shares its group's pending signals; a child starts with none (Linux's fork
     * clears the pending sets) */
    c->shared = thread ? shared_pending_hold(p->shared) : shared_pending_new();
    if (!thread) /* copy_signal: the limits are inherited */
        memcpy(c->shared->rlim, p->shared->rlim, sizeof(c->shared->rlim));
    c->task.rlim = c->shared->rlim;
    c->acct = thread ? group_acct_hold(p->acct) : group_acct_new();
    c->cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC); /* the parent's, running now */
    c->umask = p->umask;
    c->root = p->root;
    c->fs_id = flags & CLONE_FS ? p->fs_id : c->task.pid; /* copy_fs: shared or copied */
    memcpy(c->sighand, p->sighand, sizeof(c->sighand));
    c->sighand_id = flags & CLONE_SIGHAND ? p->sighand_id : c->task.pid;
    c->blocked = p->blocked;
    c->vruntime = p->vruntime; /* as place_entity starts it near the others, not at 0 */
    /* copy_process: a task sharing the memory, not vfork's, gets no sigaltstack (sas_ss_reset):
     * two threads on one signal stack would overwrite each other's frames */
    if ((flags & (CLONE_VM | CLONE_VFORK)) == CLONE_VM) {
        c->altstack_sp = c->altstack_size = 0;
        c->altstack_flags = 2; /* SS_DISABLE */
    } else {
        c->altstack_sp = p->altstack_sp;
        c->altstack_size = p->altstack_size;
        c->altstack_flags = p->altstack_flags;
    }
    c->pending_trap = -1;
    /* futex_init_task: no robust list; the child's libc registers its own (glibc's fork and
     * thread start, musl at its first robust lock). An inherited one would be walked at the
     * child's exit in memory that is not, or no longer, the one it describes. */
    c->robust_list = c->robust_len = 0;
    rseq_fork(c, p, flags & CLONE_VM);
    if (flags & CLONE_CHILD_SETTID)
        c->set_child_tid = ctid;
    if (flags & CLONE_CHILD_CLEARTID)
        c->clear_child_tid = ctid;
    if (flags & CLONE_PARENT_SETTID) {
        uint32_t tid = (uint32_t)c->task.pid;
        copy_to_user(&p->task, ptid, &tid, sizeof(tid));
    }
    ptrace_fork(p, c, flags, vfork);
    c->next = e->procs;
    e->procs = c;
    proc_notify_start(c);
    p->need_resched = true; /* the child is runnable: the parent's turn needs an end now */
    if (vfork) {
        /* wait_for_vfork_done: the parent runs again once the child execs or exits */
        p->vfork_child = c;
        proc_park(p, WAIT_VFORK, 0, false);
    }
    return c->task.pid;
}

long sys_fork(struct proc *p, const uint64_t a[6])
{
    (void)a;
    return do_fork(p, SIGCHLD, 0, 0, 0, 0);
}

long sys_vfork(struct proc *p, const uint64_t a[6])
{
    (void)a;
    return do_fork(p, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}

/* x86-64 argument order: flags, newsp, parent_tid, child_tid, tls */
long sys_clone(struct proc *p, const uint64_t a[6])
{
    return do_fork(p, a[0], a[1], a[2], a[3], a[4]);
}

/* ---- execve ------------------------------------------------------------------------------- */

/* Copy a NULL-terminated array of guest strings (copy_strings' input). NULL array: empty. */
static long get_user_strv(struct proc *p, uint64_t uv, char ***out)
{
    size_t n = 0, cap = 16;
    char **v = calloc(cap + 1, sizeof(*v));
    char *buf = malloc(MAX_ARG_STRLEN);
    long r = 0;
    if (!v || !buf) {
        r = -ENOMEM;
        goto fail;
    }
    for (; uv; n++) {
        uint64_t ptr;
        if (get_user_bytes(&p->task, &ptr, uv + 8 * n, 8)) {
            r = -EFAULT;
            goto fail;
        }
        if (!ptr)
            break;
        long len = strncpy_from_user(&p->task, buf, ptr, MAX_ARG_STRLEN);
        if (len < 0) {
            r = len == -ENAMETOOLONG ? -E2BIG : len;
            goto fail;
        }
        if (n == cap) {
            char **nv = realloc(v, (2 * cap + 1) * sizeof(*v));
            if (!nv) {
                r = -ENOMEM;
                goto fail;
            }
            v = nv;
            cap *= 2;
        }
        v[n] = strdup(buf);
        v[n + 1] = NULL;
    }
    free(buf);
    *out = v;
    return 0;
fail:
    free(buf);
    strv_free(v);
    return r;
}

/* An id for an fs_struct or a set of signal actions that a task unshares: pids are all
 * positive, these negative. */
static int unshared_id(void)
{
    static int next = -1;
    return next--;
}

/* Does another live task share p's signal actions (CLONE_SIGHAND)? */
static bool sighand_shared(const struct proc *p)
{
    for (const struct proc *q = p->emu->procs; q; q = q->next)
        if (q != p && !q->exited && q->sighand_id == p->sighand_id)
            return true;
    return false;
}

void mm_update_next_owner(struct proc *p, struct mm_struct *mm)
{
    if (!mm || mm->owner != &p->task)
        return;
    mm->owner = NULL;
    for (struct proc *q = p->emu->procs; q && !mm->owner; q = q->next)
        if (q != p && q->task.mm == mm && q->mmu)
            mm->owner = &q->task;
}

/* de_thread: the other threads of the group die, and an exec'ing thread that is not the leader
 * takes the leader's place (and pid), as Linux's de_thread does. */
static void de_thread(struct proc *p)
{
    struct proc *leader = NULL;
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        if (q == p || q->task.tgid != p->task.tgid || q->reaped)
            continue;
        if (!q->thread)
            leader = q;
        q->thread = true; /* reaped silently, the old leader too */
        q->exit_deferred = false;
        proc_exit(q, 0, SIGKILL);
    }
    if (p->thread && leader) {
        p->thread = false;
        p->task.pid = leader->task.pid;
        p->parent = leader->parent;
        p->exit_signal = leader->exit_signal;
        leader->task.pid = -leader->task.pid; /* gone: find_proc no longer finds it */
        proc_took_over(leader, p);
        timers_put(p); /* the group's timers (kept with the leader) are the new leader's */
        timers_share(p, leader);
    }
}

/*
 * execveat's file relative to a directory fd, or (AT_EMPTY_PATH) the fd's own file: the host
 * path of it in host (through faultline's /proc/self/fd link to the host fd), and the name
 * Linux gives the program in name (alloc_bprm: "/dev/fd/N" or "/dev/fd/N/PATH"). *inaccessible:
 * that name means nothing after the exec, the fd being close-on-exec
 * (BINPRM_FLAGS_PATH_INACCESSIBLE: a script cannot run so).
 */
static long execveat_file(struct proc *p, int dirfd, const char *given, int flags, char *host,
                          size_t hostlen, char *name, size_t namelen, bool *inaccessible)
{
    struct ofd *o = fd_get(p->files, dirfd);
    char rel[PATH_MAX];
    int hdir;
    long r;

    if (!o)
        return -EBADF;
    *inaccessible = fd_get_cloexec(p->files, dirfd);
    if (!*given) {
        snprintf(name, namelen, "/dev/fd/%d", dirfd);
        snprintf(host, hostlen, "/proc/self/fd/%d", o->hostfd);
        return 0;
    }
    if (snprintf(name, namelen, "/dev/fd/%d/%s", dirfd, given) >= (int)namelen)
        return -ENAMETOOLONG;
    r = resolve_at(p, dirfd, given, rel, sizeof(rel), &hdir);
    if (r < 0)
        return r;
    if (hdir == AT_FDCWD)
        return snprintf(host, hostlen, "%s", rel) >= (int)hostlen ? -ENAMETOOLONG : 0;
    return snprintf(host, hostlen, "/proc/self/fd/%d/%s", hdir, rel) >= (int)hostlen ? -ENAMETOOLONG
                                                                                     : 0;
}

/* Linux's do_execveat_common, with the host-side checks the ELF loader does not do. */
static long do_execveat(struct proc *p, int at_dirfd, uint64_t upath, uint64_t uargv,
                        uint64_t uenvp, int flags)
{
    char given[PATH_MAX], name[PATH_MAX], host[PATH_MAX];
    int dirfd;
    bool by_fd = false, inaccessible = false;
    long r = get_user_path(p, upath, given);
    if (r < 0)
        return r;
    if (!given[0] && !(flags & AT_EMPTY_PATH)) /* getname_flags without LOOKUP_EMPTY */
        return -ENOENT;
    if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) /* do_open_execat */
        return -EINVAL;
    if (at_dirfd != AT_FDCWD && given[0] != '/') {
        r = execveat_file(p, at_dirfd, given, flags, host, sizeof(host), name, sizeof(name),
                          &inaccessible);
        if (r < 0)
            return r;
        by_fd = true;
    } else {
        snprintf(name, sizeof(name), "%s", given);
    }
    char **argv = NULL, **envp = NULL;
    if ((r = get_user_strv(p, uargv, &argv)) || (r = get_user_strv(p, uenvp, &envp))) {
        strv_free(argv);
        return r;
    }
    /* The kernel reads the image (and a script's first line) whatever the task may read: an
     * execute-only file runs. faultline reads them with its own ids (as_self), once the task's
     * have passed the exec permission check. */
    struct cred_host_save as_self;
    cred_enter(p, &as_self);
    bool unreadable = false;
    /* #! scripts, nested at most BINPRM_MAX_RECURSION + 1 deep */
    char cur[PATH_MAX];
    snprintf(cur, sizeof(cur), "%s", name);
    for (int depth = 0;; depth++) {
        /* /proc/self/exe and friends name the guest's files, not faultline's (busybox runs
         * its applets that way) */
        if (cur[0] == '/' && !(by_fd && depth == 0)) {
            char link[PATH_MAX];
            long n = procfs_readlink(p, cur, link, sizeof(link) - 1);
            if (n >= 0 && n < (long)sizeof(link) - 1) {
                link[n] = 0;
                snprintf(cur, sizeof(cur), "%s", link);
            }
        }
        if (by_fd && depth == 0)
            r = 0; /* host is the file already */
        else
            r = resolve_at(p, AT_FDCWD, cur, host, sizeof(host), &dirfd);
        if (!r && !*cur)
            r = -ENOENT;
        struct stat st;
        /* AT_SYMLINK_NOFOLLOW: a final symlink is ELOOP (open_flags' O_NOFOLLOW) */
        if (!r && depth == 0 && (flags & AT_SYMLINK_NOFOLLOW) && given[0] &&
            lstat(host, &st) == 0 && S_ISLNK(st.st_mode))
            r = -ELOOP;
        /* may_open's MAY_EXEC, with the task's fs ids (on this thread during the call) */
        if (!r)
            r = cred_faccessat(p, AT_FDCWD, host, X_OK, AT_EACCESS);
        if (!r && stat(host, &st) != 0)
            r = -errno;
        if (!r && !S_ISREG(st.st_mode)) /* do_open_execat: only regular files run */
            r = -EACCES;
        if (r)
            goto out;
        /* search_binary_handler refuses a recursion_depth above 5: five scripts may name each
         * other, the interpreter of the sixth (opened by load_script, so a missing one is
         * ENOENT first) is ELOOP */
        if (depth > BINPRM_MAX_RECURSION + 1) {
            r = -ELOOP;
            goto out;
        }
        char interp[PATH_MAX], **nargv = NULL;
        /* would_dump of the file named: one the task may run but not read makes it undumpable
         * (a script's interpreter is not asked, as in 4.20's load_script) */
        if (depth == 0)
            unreadable = cred_faccessat(p, AT_FDCWD, host, R_OK, AT_EACCESS) != 0;
        cred_as_faultline(p, &as_self, true);
        int s = load_script(host, cur, argv, &nargv, interp, sizeof(interp));
        cred_as_faultline(p, &as_self, false);
        if (s < 0) {
            r = s;
            goto out;
        }
        if (!s)
            break;
        if (depth == 0 && inaccessible) { /* load_script: the interpreter could not open it */
            strv_free(nargv);
            r = -ENOENT;
            goto out;
        }
        strv_free(argv);
        argv = nargv;
        snprintf(cur, sizeof(cur), "%s", interp);
    }
    char err[512];
    cred_as_faultline(p, &as_self, true);
    bool not_elf = elf_check_file(host, err, sizeof(err)) != 0;
    cred_as_faultline(p, &as_self, false);
    if (not_elf) {
        r = -ENOEXEC;
        goto out;
    }
    /* prepare_binprm of the image (a script's interpreter): set-id bits, file capabilities */
    struct exec_cred bcred;
    cred_as_faultline(p, &as_self, true);
    r = cred_prepare_exec(p, host, &bcred);
    cred_as_faultline(p, &as_self, false);
    if (r)
        goto out;

    /* A fresh mm; the old one stays until the new image is loaded, so a failure here still
     * returns to the caller (Linux's point of no return comes later in load_elf_binary; the
     * checks above catch what would fail before it). */
    struct mm_struct *old_mm = p->task.mm;
    struct mm_struct *mm = mm_alloc();
    if (!mm) {
        r = -ENOMEM;
        goto out;
    }
    mm->owner = &p->task;
    /* mm_init takes the flags of MMF_INIT_MASK from the caller's mm: PR_SET_THP_DISABLE too */
    mm->thp_disabled = old_mm->thp_disabled;
    p->task.mm = mm;
    mmu_attach(p->mmu, &p->task);
    struct exec_image img;
    cred_as_faultline(p, &as_self, true);
    int lr = exec_load(p, host, argv, envp, &bcred, &img, err, sizeof(err));
    cred_as_faultline(p, &as_self, false);
    if (lr) {
        arch_printk("faultline: %s[%d]: execve %s: %s", p->task.comm, p->task.pid, host, err);
        mm->arch = NULL;
        mmput(mm);
        p->task.mm = old_mm;
        mmu_attach(p->mmu, &p->task);
        r = lr == -E2BIG ? -E2BIG : -ENOEXEC; /* before the point of no return, as in Linux */
        goto out;
    }
    de_thread(p);
    /* exec_mm_release: the old image's robust list is walked in the old mm, after de_thread as
     * in begin_new_exec: so with the tid it has now (the leader's, if a non-leader execs). */
    p->task.mm = old_mm;
    futex_exit_release(p);
    p->task.mm = mm;
    /* exec_mmap: the old mm goes; frames nobody else maps are freed now. The engine is still
     * inside this syscall's hook: start_thread's registers are set once it has stopped. */
    if (old_mm->arch == p->mmu)
        old_mm->arch = NULL;
    account_mm_hiwater(p, old_mm); /* the old image's peak still counts for the process */
    mm_update_next_owner(p, old_mm);
    mmput(old_mm);
    timers_exec(p);
    p->exec_pending = true;
    p->exec_entry = img.entry;
    p->exec_sp = img.stack_ptr;

    /* unshare_files: a table shared with another process (CLONE_FILES) stays as it is for that
     * one; the exec'ing process closes its close-on-exec fds in a copy of its own */
    p->files = fdtable_unshare(p->files);
    /* flush_old_exec / setup_new_exec; the close-on-exec fds are closed as by close(2), so the
     * process's record locks on their files go (do_close_on_exec's filp_close) */
    for (int fd = 0; posix_locks_held(p) && (fd = fd_next_open(p->files, fd)) >= 0; fd++)
        if (fd_get_cloexec(p->files, fd))
            posix_locks_close(p, fd_get(p->files, fd));
    fdtable_close_on_exec(p->files);
    if (sighand_shared(p)) /* de_thread: a process sharing them keeps the old actions */
        p->sighand_id = unshared_id();
    for (int s = 1; s <= FL_NSIG; s++) /* flush_signal_handlers: SIG_IGN stays */
        if (p->sighand[s].handler != FL_SIG_IGN)
            memset(&p->sighand[s], 0, sizeof(p->sighand[s]));
    p->altstack_sp = p->altstack_size = 0;
    p->sigreturn_pending = false;
    cred_exec(p, &bcred, unreadable); /* install_exec_creds */
    p->securebits &= ~(1u << 4);      /* SECBIT_KEEP_CAPS: cleared by every execve */
    flush_ptrace_hw_breakpoint(p);    /* flush_thread */
    p->clear_child_tid = 0;           /* the robust list went with the old mm */
    rseq_execve(p);
    /* begin_new_exec: comm is the file the caller named (a script's, not its interpreter's);
     * for execveat's AT_EMPTY_PATH the file's own name (comm_from_dentry, Linux 6.14), not the
     * "/dev/fd/N" made up for it */
    char dentry[PATH_MAX];
    const char *comm = name;
    if (by_fd && !given[0] && realpath(host, dentry))
        comm = dentry;
    const char *base = strrchr(comm, '/');
    snprintf(p->task.comm, sizeof(p->task.comm), "%.15s", base ? base + 1 : comm);
    proc_set_exe(p, host);
    strv_free(p->argv);
    p->argv = argv;
    argv = NULL;
    p->did_exec = true;
    vfork_release(p);
    ptrace_exec(p, p->task.pid);
    proc_notify_start(p);
    r = 0;
out:
    strv_free(argv);
    strv_free(envp);
    return r;
}

long sys_execve(struct proc *p, const uint64_t a[6])
{
    return do_execveat(p, AT_FDCWD, a[0], a[1], a[2], 0);
}

/* execveat(dirfd, path, argv, envp, flags) */
long sys_execveat(struct proc *p, const uint64_t a[6])
{
    return do_execveat(p, (int)a[0], a[1], a[2], a[3], (int)a[4]);
}

/* ---- wait ------------------------------------------------------------------------------------ */

/* The reaped child's usage, its own and its reaped children's (getrusage RUSAGE_BOTH). */
static long put_rusage(struct proc *p, uint64_t uaddr, struct proc *c)
{
    struct rusage ru;
    task_rusage(c, RUSAGE_BOTH, &ru);
    return put_user_bytes(&p->task, uaddr, &ru, sizeof(ru));
}

/* wait_task_zombie's release: the tracer of a task it is not the parent of lets go of it (the
 * parent's to wait for now); the parent reaps it. */
static void reap_child(struct proc *p, struct proc *z)
{
    if (z->pt_zombie && ptraced_by(z, p)) {
        ptrace_reaped(z);
        return;
    }
    z->ptracer = NULL;
    account_reap(p, z);
    z->reaped = true;
}

/* The event wait reported for child z is used up: a stop or continue is reported once (the
 * child stays), a ptrace stop once to its tracer, an exit reaps the child. */
static void wait_consume(struct proc *p, struct proc *z, enum child_event ev)
{
    if (ev == CHILD_STOPPED)
        z->shared->group_stop_sig = 0;
    else if (ev == CHILD_CONTINUED)
        z->shared->stop_flags &= ~FL_STOP_CONTINUED;
    else if (ev == CHILD_TRACED)
        z->pt_reported = true;
    else
        reap_child(p, z);
}

long sys_wait4(struct proc *p, const uint64_t a[6])
{
    int pid = (int)a[0];
    unsigned options = (unsigned)a[2];
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
        return -EINVAL;
    struct proc *z;
    enum child_event ev;
    options |= WEXITED;
    int st = child_state(p, pid, options, &z, &ev);
    if (st < 0)
        return -ECHILD;
    if (!st) {
        if (options & WNOHANG)
            return 0;
        p->wait_options = options;
        proc_park(p, WAIT_CHILD, pid, true);
        return -FL_ERESTARTSYS;
    }
    /* a stop reports (sig << 8) | 0x7f, a continue 0xffff, each once; the child stays */
    int status = ev == CHILD_STOPPED     ? (z->shared->group_stop_sig << 8) | 0x7f
                 : ev == CHILD_CONTINUED ? 0xffff
                 : ev == CHILD_TRACED    ? (z->pt_exit_code << 8) | 0x7f
                                         : proc_wait_status(z);
    if (a[1] && put_user_bytes(&p->task, a[1], &status, sizeof(status)))
        return -EFAULT;
    if (a[3] && put_rusage(p, a[3], z))
        return -EFAULT;
    wait_consume(p, z, ev);
    return z->task.pid;
}

long sys_waitid(struct proc *p, const uint64_t a[6])
{
    int which = (int)a[0], id = (int)a[1];
    unsigned options = (unsigned)a[3];
    if (options &
        ~(WNOHANG | WNOWAIT | WEXITED | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE))
        return -EINVAL;
    if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
        return -EINVAL;
    int pid;
    switch (which) {
    case P_ALL:
        pid = -1;
        break;
    case P_PID:
        if (id <= 0)
            return -EINVAL;
        pid = id;
        break;
    case P_PGID:
        if (id < 0)
            return -EINVAL;
        pid = id ? -id : 0;
        break;
    case P_PIDFD:
        pid = pidfd_pid(p, id);
        if (pid < 0)
            return pid;
        break;
    default:
        return -EINVAL;
    }
    struct proc *z;
    enum child_event ev;
    int st = child_state(p, pid, options, &z, &ev);
    if (st < 0)
        return -ECHILD;
    struct fl_siginfo info;
    memset(&info, 0, sizeof(info));
    if (!st) {
        if (options & WNOHANG) /* nothing to report: a zeroed siginfo */
            return a[2] && put_user_bytes(&p->task, a[2], &info, sizeof(info)) ? -EFAULT : 0;
        p->wait_options = options;
        proc_park(p, WAIT_CHILD, pid, true);
        return -FL_ERESTARTSYS;
    }
    if (ev == CHILD_TRACED)
        info = chld_siginfo(SIGCHLD, FL_CLD_TRAPPED, z->task.pid, z->pt_exit_code);
    else if (ev == CHILD_STOPPED)
        info = chld_siginfo(SIGCHLD, FL_CLD_STOPPED, z->task.tgid, z->shared->group_stop_sig);
    else if (ev == CHILD_CONTINUED)
        info = chld_siginfo(SIGCHLD, FL_CLD_CONTINUED, z->task.tgid, SIGCONT);
    else
        info = chld_exit_siginfo(SIGCHLD, z, z->task.tgid);
    if (a[2] && put_user_bytes(&p->task, a[2], &info, sizeof(info)))
        return -EFAULT;
    if (a[4] && put_rusage(p, a[4], z))
        return -EFAULT;
    if (options & WNOWAIT)
        return 0; /* reported, and left to report again */
    wait_consume(p, z, ev);
    return 0;
}

/* ---- unshare (kernel/fork.c) ------------------------------------------------------------- */

/*
 * unshare(flags): the flags a 4.20 kernel adds (CLONE_NEWUSER brings CLONE_THREAD and CLONE_FS,
 * CLONE_VM brings CLONE_SIGHAND, which brings CLONE_THREAD, CLONE_NEWNS brings CLONE_FS), then
 * check_unshare_flags (an unknown flag is EINVAL; the thread group, the signal handlers and the
 * mm can only be "unshared" when not shared, as a no-op, else EINVAL). What faultline can honour
 * it does: CLONE_FS gives the task an fs_struct (cwd, umask) of its own, CLONE_FILES an fd table
 * of its own, CLONE_SYSVSEM drops the semaphore undo list (no task has one yet). Namespaces it
 * has none of (ns_refusal: EPERM without CAP_SYS_ADMIN in the task's effective set, which until
 * 2026-12-07 was faultline's euid 0 whatever the task had dropped, else EINVAL; a user
 * namespace is EINVAL for everybody). Nothing changes on an error.
 */
long sys_unshare(struct proc *p, const uint64_t a[6])
{
    const uint64_t ns_flags = CLONE_NEW_NONUSER;
    uint64_t flags = a[0];

    if (flags & CLONE_NEWUSER)
        flags |= CLONE_THREAD | CLONE_FS;
    if (flags & CLONE_VM)
        flags |= CLONE_SIGHAND;
    if (flags & CLONE_SIGHAND)
        flags |= CLONE_THREAD;
    if (flags & CLONE_NEWNS)
        flags |= CLONE_FS;
    if (flags & ~(CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM |
                  CLONE_NEWUSER | ns_flags))
        return -EINVAL;
    /* the thread group, the signal actions and the mm can only be "unshared" when not shared */
    if ((flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) && group_has_other_live(p))
        return -EINVAL;
    if ((flags & CLONE_SIGHAND) && sighand_shared(p))
        return -EINVAL;
    if ((flags & CLONE_VM) && p->task.mm && p->task.mm->mm_users > 1)
        return -EINVAL;
    long ns = ns_refusal(p, flags);
    if (ns)
        return ns;
    if (flags & CLONE_FS) { /* unshare_fs: a copy only when another task shares it */
        bool shared = false;
        for (struct proc *q = p->emu->procs; q && !shared; q = q->next)
            shared = q != p && !q->exited && q->fs_id == p->fs_id;
        if (shared)
            p->fs_id = unshared_id(); /* the cwd and umask stay, now p's alone */
    }
    if (flags & CLONE_FILES)
        p->files = fdtable_unshare(p->files);
    return 0;
}

/* ---- sleeping until a signal ------------------------------------------------------ */

long sys_pause(struct proc *p, const uint64_t a[6])
{
    (void)a;
    /* -ERESTARTNOHAND: only a handler ends it, and then the call returns -EINTR; a signal
     * without one (one a tracer let through to its default action of ignoring it) restarts
     * it */
    p->polling = true;
    proc_park(p, WAIT_SIGNAL, 0, true);
    return -FL_ERESTARTSYS;
}

long sys_rt_sigsuspend(struct proc *p, const uint64_t a[6])
{
    uint64_t mask;
    if (a[1] != 8)
        return -EINVAL;
    if (get_user_bytes(&p->task, &mask, a[0], sizeof(mask)))
        return -EFAULT;
    /* the frame of the handler that ends it saves the old mask (set_restore_sigmask) */
    p->saved_blocked = p->blocked;
    p->sigsuspend_mask = true;
    p->blocked = mask & ~(sigmask_of(9) | sigmask_of(19));
    /* -ERESTARTNOHAND, as pause, even with a signal pending already (the run loop's
     * finish_park takes it at once): a handler ends it with EINTR; a signal without one (a
     * tracee's, let through to be ignored) restores the mask (the run loop's
     * restore_saved_sigmask) and restarts it */
    p->polling = true;
    proc_park(p, WAIT_SIGNAL, 0, true);
    return -FL_ERESTARTSYS;
}

/* clone3 arrived in Linux 5.3; a 4.20 kernel answers -ENOSYS and glibc falls back to clone. */
long sys_clone3(struct proc *p, const uint64_t a[6])
{
    (void)p;
    (void)a;
    return -ENOSYS;
}

/* ---- process groups and sessions (kernel/sys.c) ------------------------------------------- */

long sys_setpgid(struct proc *p, const uint64_t a[6])
{
    int pid = (int)a[0], pgid = (int)a[1];
    if (pgid < 0)
        return -EINVAL;
    struct proc *t = pid ? find_proc(p->emu, pid) : p;
    if (!t || t->exited || (t != p && t->parent != p))
        return -ESRCH;
    if (t != p) {
        if (guest_sid(t) != guest_sid(p))
            return -EPERM;
        if (t->did_exec)
            return -EACCES;
    }
    if (t->sid == t->task.pid) /* a session leader stays in its group */
        return -EPERM;
    if (!pgid)
        pgid = t->task.pid;
    if (pgid != t->task.pid) { /* joining a group: it must exist in the same session */
        bool found = false;
        for (struct proc *q = p->emu->procs; q && !found; q = q->next)
            found = !q->exited && guest_pgrp(q) == pgid && guest_sid(q) == guest_sid(p);
        if (!found)
            return -EPERM;
    }
    t->pgid = pgid;
    return 0;
}

/* getpgid(pid): a guest's group, or that of the first guest's parent (sys_info.h). */
long sys_getpgid(struct proc *p, const uint64_t a[6])
{
    struct proc *t = a[0] ? find_proc(p->emu, (int)a[0]) : p;
    if (!t && is_host_parent(p, (int)a[0]))
        return host_parent_pgrp(p);
    return t ? guest_pgrp(t) : -ESRCH;
}

long sys_setsid(struct proc *p, const uint64_t a[6])
{
    (void)a;
    if (guest_pgrp(p) == p->task.pid) /* a group leader cannot start a session */
        return -EPERM;
    p->sid = p->pgid = p->task.pid;
    ctty_setsid(p);
    return p->task.pid;
}

/* getsid(pid): a guest's session, or that of the first guest's parent (sys_info.h). */
long sys_getsid(struct proc *p, const uint64_t a[6])
{
    struct proc *t = a[0] ? find_proc(p->emu, (int)a[0]) : p;
    if (!t && is_host_parent(p, (int)a[0]))
        return host_parent_sid(p);
    return t ? guest_sid(t) : -ESRCH;
}
