/*
 * sys_ioprio.c - ioprio_get and ioprio_set (block/ioprio.c, with kernel/fork.c's copy_io).
 *
 * Linux 4.20 keeps a task's I/O priority in its io_context, which a task gets at its first block
 * I/O or its first ioprio_set; a task without one reads IOPRIO_PRIO_VALUE(IOPRIO_CLASS_NONE,
 * IOPRIO_NORM) = 4. The guest does no block I/O (its files are the host's), so only ioprio_set
 * makes one here: proc->ioc_id names it, and the tasks created with CLONE_IO share it. fork gives
 * the child a context of its own with the parent's priority only when that priority has a class
 * (copy_io); an exiting task loses its context. The priority is kept and reported, not obeyed:
 * there is no I/O scheduler to obey it.
 *
 * The first guest's parent (faultline, sys_info.h) is one more task of the guest's user, and of
 * its process group when faultline is in the guest's: its priority is kept in struct emu, so that
 * what the guest sets for its group or user reads back as it would natively.
 */
#include <errno.h>
#include <unistd.h>

#include "emu/sched.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"

#define IOPRIO_CLASS_SHIFT        13
#define IOPRIO_PRIO_MASK          ((1 << IOPRIO_CLASS_SHIFT) - 1)
#define IOPRIO_CLASS_NONE         0
#define IOPRIO_CLASS_RT           1
#define IOPRIO_CLASS_BE           2
#define IOPRIO_CLASS_IDLE         3
#define IOPRIO_BE_NR              8
#define IOPRIO_NORM               4
#define IOPRIO_VALUE(class, data) (((class) << IOPRIO_CLASS_SHIFT) | (data))

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP    2
#define IOPRIO_WHO_USER    3

/* What a task without an io_context reads (get_task_ioprio). */
#define IOPRIO_NO_CONTEXT IOPRIO_VALUE(IOPRIO_CLASS_NONE, IOPRIO_NORM)

static bool ioprio_valid(int ioprio)
{
    return (ioprio >> IOPRIO_CLASS_SHIFT) != IOPRIO_CLASS_NONE;
}

/* ioprio_best: the better of two priorities, a classless one counting as best-effort NORM. */
static int ioprio_best(int a, int b)
{
    if (!ioprio_valid(a))
        a = IOPRIO_VALUE(IOPRIO_CLASS_BE, IOPRIO_NORM);
    if (!ioprio_valid(b))
        b = IOPRIO_VALUE(IOPRIO_CLASS_BE, IOPRIO_NORM);
    return a < b ? a : b;
}

/* ioprio_check_cap: the class and data a priority may have; the real-time class needs
 * CAP_SYS_ADMIN, which the guest has when faultline runs as root (its credentials). 0 or
 * -errno. */
static int ioprio_check_cap(int ioprio)
{
    int class = ioprio >> IOPRIO_CLASS_SHIFT, data = ioprio & IOPRIO_PRIO_MASK;

    switch (class) {
    case IOPRIO_CLASS_RT:
        if (geteuid() != 0)
            return -EPERM;
        /* fall through - the real-time class has eight levels too */
    case IOPRIO_CLASS_BE:
        return data >= IOPRIO_BE_NR ? -EINVAL : 0;
    case IOPRIO_CLASS_IDLE:
        return 0;
    case IOPRIO_CLASS_NONE:
        return data ? -EINVAL : 0;
    default:
        return -EINVAL;
    }
}

/* get_task_ioprio: q's priority; q NULL is the first guest's parent. */
static int task_ioprio(struct emu *e, struct proc *q)
{
    if (!q)
        return e->host_parent_ioc ? e->host_parent_ioprio : IOPRIO_NO_CONTEXT;
    return q->ioc_id && !q->exited ? q->ioprio : IOPRIO_NO_CONTEXT;
}

/* set_task_ioprio: q's context (made now if it has none; an exiting task gets none) takes
 * ioprio, for every task that shares it. Every guest task has the caller's user, so the
 * permission check always passes. q NULL is the first guest's parent. */
static void set_task_ioprio(struct emu *e, struct proc *q, int ioprio)
{
    if (!q) {
        e->host_parent_ioc = true;
        e->host_parent_ioprio = ioprio;
        return;
    }
    if (q->exited)
        return;
    if (!q->ioc_id)
        q->ioc_id = q->task.pid; /* pids are never reused in a run: a unique id */
    for (struct proc *r = e->procs; r; r = r->next)
        if (r->ioc_id == q->ioc_id)
            r->ioprio = ioprio;
}

void ioprio_fork(struct proc *child, struct proc *parent, bool clone_io)
{
    if (!parent->ioc_id)
        return;
    if (clone_io) { /* ioc_task_link: one context for both */
        child->ioc_id = parent->ioc_id;
        child->ioprio = parent->ioprio;
    } else if (ioprio_valid(parent->ioprio)) {
        child->ioc_id = child->task.pid;
        child->ioprio = parent->ioprio;
    }
}

/* Is guest task q (NULL: the first guest's parent) one that (which, who) names, with which
 * PGRP or USER? who 0 is the caller's group; USER's who is the uid itself (both 4.20 calls
 * compare task_uid against it, whose user every guest task has). */
static bool ioprio_match(struct proc *p, struct proc *q, int which, int who)
{
    if (which == IOPRIO_WHO_PGRP) {
        int pgid = who ? who : guest_pgrp(p);
        return q ? guest_pgrp(q) == pgid : host_parent_pgrp(p) == pgid;
    }
    return (uid_t)who == getuid();
}

/* ioprio_set(which, who, ioprio): the priority is checked first, then the tasks named get it; a
 * group or user with no task is ESRCH. */
long sys_ioprio_set(struct proc *p, const uint64_t a[6])
{
    int which = (int)a[0], who = (int)a[1], ioprio = (int)a[2];
    struct emu *e = p->emu;
    long r = ioprio_check_cap(ioprio);

    if (r)
        return r;
    switch (which) {
    case IOPRIO_WHO_PROCESS: {
        struct proc *q = who ? find_proc(e, who) : p;
        if (!q && !is_host_parent(p, who))
            return -ESRCH;
        set_task_ioprio(e, q, ioprio);
        return 0;
    }
    case IOPRIO_WHO_USER:
        /* !uid_valid, or find_user: no task has that uid (who 0 is the caller's user struct,
         * but the tasks matched are uid 0's) */
        if (who == -1 || (who && (uid_t)who != getuid()))
            return -ESRCH;
        /* fall through */
    case IOPRIO_WHO_PGRP:
        r = -ESRCH;
        for (struct proc *q = e->procs; q; q = q->next)
            if (!q->reaped && ioprio_match(p, q, which, who)) {
                set_task_ioprio(e, q, ioprio);
                r = 0;
            }
        if (ioprio_match(p, NULL, which, who)) {
            set_task_ioprio(e, NULL, ioprio);
            r = 0;
        }
        return r;
    default:
        return -EINVAL;
    }
}

/* ioprio_get(which, who): one task's priority, or the best among a group's or a user's tasks
 * (ioprio_best, so that two tasks without a context read as best-effort NORM, one as 4). */
long sys_ioprio_get(struct proc *p, const uint64_t a[6])
{
    int which = (int)a[0], who = (int)a[1];
    struct emu *e = p->emu;
    long r = -ESRCH;

    switch (which) {
    case IOPRIO_WHO_PROCESS: {
        struct proc *q = who ? find_proc(e, who) : p;
        if (!q && !is_host_parent(p, who))
            return -ESRCH;
        return task_ioprio(e, q);
    }
    case IOPRIO_WHO_USER:
        if (who && (uid_t)who != getuid())
            return -ESRCH;   /* find_user: no task has that uid */
        who = (int)getuid(); /* who 0: the caller's user, whose uid is compared */
        /* fall through */
    case IOPRIO_WHO_PGRP:
        for (struct proc *q = e->procs; q; q = q->next)
            if (!q->reaped && ioprio_match(p, q, which, who))
                r = r == -ESRCH ? task_ioprio(e, q) : ioprio_best((int)r, task_ioprio(e, q));
        if (ioprio_match(p, NULL, which, who))
            r = r == -ESRCH ? task_ioprio(e, NULL) : ioprio_best((int)r, task_ioprio(e, NULL));
        return r;
    default:
        return -EINVAL;
    }
}
