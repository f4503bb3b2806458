/*
 * oom_kill.c - the emulator's half of the OOM killer (the __oom_kill_process part of
 * mm/oom_kill.c of Linux 4.20): the model chose a victim; its thread group gets SIGKILL now (the
 * faulting task's too), and so does every other process sharing its mm (clone with CLONE_VM alone),
 * whose memory the OOM reaper takes too. Their exits tear the address space down. Also the
 * process tree oom_kill_process walks for a child to sacrifice, the process list and uids
 * dump_tasks prints, dump_stack's CPU line, and panic().
 */
#include <signal.h>
#include <string.h>
#include <sys/utsname.h>

#include "emu/cred.h"
#include "emu/emu.h"
#include "emu/proc.h"
#include "emu/signal.h"
#include "kernel_model/arch.h"

void arch_oom_kill_task(struct task_struct *victim, struct task_struct *faulting)
{
    struct proc *v = task_proc(victim);
    /* do_send_sig_info(SIGKILL, ..., PIDTYPE_TGID): the victim's whole thread group, the
     * faulting task's too when it is the victim (its fault's FAULT_KILL alone ended only the
     * faulting thread: the others ran on, holding the mm, and faulted into the OOM killer
     * again) */
    (void)faulting;
    send_signal(v, SIGKILL, NULL);
    for (struct proc *q = v->emu->procs; q; q = q->next)
        if (q->task.mm == victim->mm && q->task.tgid != victim->tgid && !q->exited)
            send_signal(q, SIGKILL, NULL);
}

struct task_struct *arch_oom_next_child(struct task_struct *p, struct task_struct *prev)
{
    struct proc *q = prev ? task_proc(prev)->next : task_proc(p)->emu->procs;
    /* a child process (its group's leader) whose parent is a thread of p's group; threads are
     * not on a task's children list */
    for (; q; q = q->next)
        if (q->parent && q->parent->task.tgid == p->tgid && q->task.pid == q->task.tgid &&
            !q->reaped)
            return &q->task;
    return NULL;
}

void arch_panic(struct task_struct *tsk, const char *msg)
{
    struct emu *e = task_proc(tsk)->emu;
    arch_printk(KERN_EMERG "Kernel panic - not syncing: %s", msg);
    if (!e->panic)
        e->panic = msg;
    emu_request_stop(e);
}

/* A task of group leader g with an mm (find_lock_task_mm), or NULL. */
static struct task_struct *group_task_with_mm(struct proc *g)
{
    if (g->task.mm)
        return &g->task;
    for (struct proc *q = g->emu->procs; q; q = q->next)
        if (q->task.tgid == g->task.tgid && q->task.mm)
            return &q->task;
    return NULL;
}

struct task_struct *arch_next_process(struct task_struct *tsk, struct task_struct *prev)
{
    /* emu->procs is newest first: the group after prev's, oldest first, is the leader just
     * before it in the list */
    struct emu *e = task_proc(tsk)->emu;
    struct proc *stop = NULL;
    if (prev)
        for (struct proc *q = e->procs; q; q = q->next)
            if (q->task.pid == q->task.tgid && q->task.tgid == prev->tgid)
                stop = q;
    for (;;) {
        struct proc *before = NULL;
        for (struct proc *q = e->procs; q && q != stop; q = q->next)
            if (q->task.pid == q->task.tgid)
                before = q;
        if (!before)
            return NULL;
        struct task_struct *t = group_task_with_mm(before);
        if (t)
            return t;
        stop = before;
    }
}

unsigned int arch_task_uid(struct task_struct *t)
{
    uint32_t u[4];
    task_uids(task_proc(t), u);
    return u[0];
}

void arch_dump_stack(struct task_struct *tsk)
{
    struct utsname u;
    if (uname(&u) < 0) /* the release and version sys_uname gives the guest */
        return;
    arch_printk("CPU: 0 PID: %d Comm: %.20s Not tainted %s %.*s", tsk->pid, tsk->comm, u.release,
                (int)strcspn(u.version, " "), u.version);
}
