/*
 * oom_kill.c - the emulator's half of the OOM killer (the oom_kill_process part of
 * mm/oom_kill.c of Linux 4.20): the model chose a victim other than the faulting task; it gets
 * SIGKILL now, and its exit tears its address space down.
 */
#include <signal.h>

#include "emu/proc.h"
#include "emu/signal.h"
#include "kernel_model/arch.h"

void arch_oom_kill_task(struct task_struct *victim)
{
    send_signal(task_proc(victim), SIGKILL, NULL);
}
