/*
 * threads.c - thread groups (kernel/exit.c's do_group_exit, kernel/fork.c's mm_release).
 *
 * A thread is a proc made by clone with CLONE_VM | CLONE_SIGHAND | CLONE_THREAD: it shares the
 * group's tgid, mm and signal actions (and, with CLONE_FILES, the file table), has registers of
 * its own on the shared CPU, and is scheduled like any process. Only the group as a whole has
 * an exit status for the parent: the threads other than the leader are reaped as they exit, and
 * the leader is reported once the last thread is gone (emu/sys_process.c, exit_notify).
 */
#include <stdint.h>

#include "emu/emu.h"
#include "emu/sched.h"
#include "mmu/uaccess.h"

bool group_has_other_live(const struct proc *p)
{
    for (const struct proc *q = p->emu->procs; q; q = q->next)
        if (q != p && q->task.tgid == p->task.tgid && !q->exited)
            return true;
    return false;
}

void group_exit(struct proc *p, int code, int sig)
{
    for (struct proc *q = p->emu->procs; q; q = q->next) {
        if (q == p || q->task.tgid != p->task.tgid)
            continue;
        if (q->exited && !q->thread) {
            /* A leader that left with exit(2) earlier waits for its threads; the group's
             * status is this one (Linux's wait_task_zombie reports signal->group_exit_code). */
            q->exit_code = code & 0xff;
            q->term_sig = sig;
        } else {
            proc_exit(q, code, sig);
        }
    }
    proc_exit(p, code, sig);
}

void thread_mm_release(struct proc *p)
{
    if (!p->clear_child_tid || !p->task.mm || !group_has_other_live(p))
        return;
    uint32_t zero = 0;
    if (copy_to_user(&p->task, p->clear_child_tid, &zero, sizeof(zero)) == 0) {
        /* pthread_join waits on it; the stack it is in is a private mapping: key (mm, addr) */
        futex_wake_key(p->emu, p->task.mm, p->clear_child_tid, ~0u, 1);
    }
    p->clear_child_tid = 0;
}
