/*
 * oom_kill.c - the emulator's half of the OOM killer (the oom_kill_process part of
 * mm/oom_kill.c of Linux 4.20): the model chose a victim; it gets SIGKILL now, unless it is the
 * faulting task, and so does every other process sharing its mm (clone with CLONE_VM alone),
 * whose memory the OOM reaper takes too. Their exits tear the address space down.
 */
#include <signal.h>

#include "emu/proc.h"
#include "emu/signal.h"
#include "kernel_model/arch.h"

void arch_oom_kill_task(struct task_struct *victim, struct task_struct *faulting)
{
    struct proc *v = task_proc(victim);
    if (victim != faulting)
        send_signal(v, SIGKILL, NULL);
    for (struct proc *q = v->emu->procs; q; q = q->next)
        if (q->task.mm == victim->mm && q->task.tgid != victim->tgid && !q->exited)
            send_signal(q, SIGKILL, NULL);
}
