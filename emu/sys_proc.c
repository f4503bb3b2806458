/*
 * sys_proc.c - process-level calls of a single-threaded process: exit, the thread-area and
 * thread-bookkeeping calls glibc and musl make at start-up, prctl (its speculation control is
 * the emulated CPU's, cpu_bugs.c).
 */
#include <errno.h>
#include <string.h>

#include "emu/cpu_bugs.h"
#include "emu/emu.h"
#include "emu/sched.h"
#include "emu/seccomp.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

#define ARCH_SET_GS                 0x1001
#define ARCH_SET_FS                 0x1002
#define ARCH_GET_FS                 0x1003
#define ARCH_GET_GS                 0x1004
#define ARCH_GET_CPUID              0x1011
#define ARCH_SET_CPUID              0x1012
#define PR_SET_NAME                 15
#define PR_GET_NAME                 16
#define PR_GET_DUMPABLE             3
#define PR_SET_NO_NEW_PRIVS         38
#define PR_GET_NO_NEW_PRIVS         39
#define PR_SET_DUMPABLE             4
#define PR_SET_PDEATHSIG            1
#define PR_GET_PDEATHSIG            2
#define PR_SET_THP_DISABLE          41
#define PR_SET_CHILD_SUBREAPER      36
#define PR_GET_CHILD_SUBREAPER      37
#define PR_GET_THP_DISABLE          42
#define PR_GET_TIMING               13
#define PR_SET_TIMING               14
#define PR_TIMING_STATISTICAL       0
#define PR_GET_TSC                  25
#define PR_SET_TSC                  26
#define PR_TSC_ENABLE               1
#define PR_TSC_SIGSEGV              2
#define PR_SET_TIMERSLACK           29
#define PR_GET_TIMERSLACK           30
#define PR_TASK_PERF_EVENTS_DISABLE 31
#define PR_TASK_PERF_EVENTS_ENABLE  32
#define PR_MCE_KILL                 33
#define PR_MCE_KILL_CLEAR           0
#define PR_MCE_KILL_SET             1
#define PR_MCE_KILL_LATE            0
#define PR_MCE_KILL_EARLY           1
#define PR_MCE_KILL_DEFAULT         2
#define PR_MCE_KILL_GET             34
#define PR_GET_TID_ADDRESS          40

/* exit ends the calling thread only; the last one to go ends the process. */
long sys_exit(struct proc *p, const uint64_t a[6])
{
    proc_exit(p, (int)a[0], 0);
    return 0;
}

long sys_exit_group(struct proc *p, const uint64_t a[6])
{
    group_exit(p, (int)a[0], 0);
    return 0;
}

long sys_arch_prctl(struct proc *p, const uint64_t a[6])
{
    uint64_t v;
    switch (a[0]) {
    case ARCH_SET_FS:
        if (a[1] >= TASK_SIZE_MAX)
            return -EPERM;
        mmu_reg_write(p->mmu, UC_X86_REG_FS_BASE, a[1]);
        return 0;
    case ARCH_SET_GS:
        if (a[1] >= TASK_SIZE_MAX)
            return -EPERM;
        mmu_reg_write(p->mmu, UC_X86_REG_GS_BASE, a[1]);
        return 0;
    case ARCH_GET_FS:
        v = mmu_reg_read(p->mmu, UC_X86_REG_FS_BASE);
        return put_user_bytes(&p->task, a[1], &v, 8);
    case ARCH_GET_GS:
        v = mmu_reg_read(p->mmu, UC_X86_REG_GS_BASE);
        return put_user_bytes(&p->task, a[1], &v, 8);
    case ARCH_GET_CPUID:
        return 1; /* cpuid is enabled */
    default:
        return -EINVAL;
    }
}

long sys_set_tid_address(struct proc *p, const uint64_t a[6])
{
    p->clear_child_tid = a[0];
    return p->task.pid;
}

long sys_set_robust_list(struct proc *p, const uint64_t a[6])
{
    if (a[1] != 24) /* sizeof(struct robust_list_head) */
        return -EINVAL;
    p->robust_list = a[0];
    p->robust_len = a[1];
    return 0;
}

/* get_robust_list(pid, head_ptr, len_ptr): what set_robust_list recorded for that thread. */
long sys_get_robust_list(struct proc *p, const uint64_t a[6])
{
    struct proc *q = a[0] ? find_proc(p->emu, (int)a[0]) : p;
    if (!q)
        return -ESRCH;
    uint64_t head = q->robust_list, len = q->robust_len ? q->robust_len : 24;
    if (put_user_struct(p, a[1], &head, sizeof(head)) ||
        put_user_struct(p, a[2], &len, sizeof(len)))
        return -EFAULT;
    return 0;
}

long sys_prctl(struct proc *p, const uint64_t a[6])
{
    char name[16];
    switch (a[0]) {
    case PR_SET_NAME: {
        long n = strncpy_from_user(&p->task, name, a[1], sizeof(name));
        if (n == -EFAULT)
            return -EFAULT;
        name[sizeof(name) - 1] = 0;
        memcpy(p->task.comm, name, sizeof(name));
        return 0;
    }
    case PR_GET_NAME:
        return put_user_bytes(&p->task, a[1], p->task.comm, sizeof(p->task.comm));
    case PR_SET_PDEATHSIG: /* delivered by exit_notify when the parent goes */
        if (a[1] > FL_NSIG)
            return -EINVAL;
        p->pdeath_signal = (int)a[1];
        return 0;
    case PR_GET_PDEATHSIG: {
        int sig = p->pdeath_signal;
        return put_user_bytes(&p->task, a[1], &sig, sizeof(sig));
    }
    case PR_GET_DUMPABLE: /* get_dumpable(me->mm) */
        return p->task.mm ? p->task.mm->dumpable : SUID_DUMP_USER;
    case PR_SET_DUMPABLE: /* only "not" or "as the user" */
        if (a[1] != SUID_DUMP_DISABLE && a[1] != SUID_DUMP_USER)
            return -EINVAL;
        if (p->task.mm)
            p->task.mm->dumpable = (unsigned char)a[1];
        return 0;
    case PR_SET_NO_NEW_PRIVS: /* one way: set, never cleared (setpriv --nnp, sandboxes) */
        if (a[1] != 1 || a[2] || a[3] || a[4])
            return -EINVAL;
        p->no_new_privs = true;
        return 0;
    case 7:  /* PR_GET_KEEPCAPS */
    case 8:  /* PR_SET_KEEPCAPS */
    case 23: /* PR_CAPBSET_READ */
    case 24: /* PR_CAPBSET_DROP */
    case 27: /* PR_GET_SECUREBITS */
    case 28: /* PR_SET_SECUREBITS */
    case 47: /* PR_CAP_AMBIENT */
        return cap_task_prctl(p, a);
    case 21: /* PR_GET_SECCOMP: the mode, whatever the other arguments */
        return seccomp_prctl_get(p);
    case 22: /* PR_SET_SECCOMP(mode, filter) */
        return seccomp_prctl_set(p, a[1], a[2]);
    case PR_GET_NO_NEW_PRIVS:
        if (a[1] || a[2] || a[3] || a[4])
            return -EINVAL;
        return p->no_new_privs;
    case PR_SET_CHILD_SUBREAPER: /* the group's flag (signal->is_child_subreaper): exit_notify */
        for (struct proc *q = p->emu->procs; q; q = q->next)
            if (q->task.tgid == p->task.tgid)
                q->child_subreaper = a[1] != 0;
        return 0;
    case PR_GET_CHILD_SUBREAPER: {
        int v = p->child_subreaper;
        return put_user_bytes(&p->task, a[1], &v, sizeof(v));
    }
    case PR_SET_THP_DISABLE: /* MMF_DISABLE_THP of the whole mm, every thread's */
        if (a[2] || a[3] || a[4])
            return -EINVAL;
        p->task.mm->thp_disabled = a[1] != 0;
        return 0;
    case PR_GET_THP_DISABLE:
        if (a[1] || a[2] || a[3] || a[4])
            return -EINVAL;
        return p->task.mm->thp_disabled;
    case PR_GET_TIMING: /* only statistical process timing exists */
        return PR_TIMING_STATISTICAL;
    case PR_SET_TIMING:
        return a[1] == PR_TIMING_STATISTICAL ? 0 : -EINVAL;
    case PR_SET_TIMERSLACK: /* 0: back to the thread's default */
        p->timer_slack_ns = a[1] ? a[1] : p->default_timer_slack_ns;
        return 0;
    case PR_GET_TIMERSLACK: /* as a long (the C library's int prctl truncates a huge one) */
        return (long)p->timer_slack_ns;
    case PR_GET_TSC: { /* x86's get_tsc_mode */
        int mode = mmu_tsc_disabled(p->mmu) ? PR_TSC_SIGSEGV : PR_TSC_ENABLE;
        return put_user_bytes(&p->task, a[1], &mode, sizeof(mode));
    }
    case PR_SET_TSC: /* set_tsc_mode: this thread's, inherited, kept by execve */
        if (a[1] != PR_TSC_SIGSEGV && a[1] != PR_TSC_ENABLE)
            return -EINVAL;
        mmu_set_tsc_disabled(p->mmu, a[1] == PR_TSC_SIGSEGV);
        return 0;
    case PR_TASK_PERF_EVENTS_DISABLE: /* the task has no perf events to switch */
    case PR_TASK_PERF_EVENTS_ENABLE:
        return 0;
    case PR_MCE_KILL: /* the thread's policy for memory-failure kills */
        if (a[3] || a[4])
            return -EINVAL;
        if (a[1] == PR_MCE_KILL_CLEAR) {
            if (a[2])
                return -EINVAL;
            p->mce_process = false;
            return 0;
        }
        if (a[1] != PR_MCE_KILL_SET)
            return -EINVAL;
        /* as sys_prctl: the policy is the thread's own before arg3 is looked at, so an EINVAL
         * for a bad arg3 leaves it set, with the early bit as it was */
        p->mce_process = true;
        if (a[2] == PR_MCE_KILL_EARLY || a[2] == PR_MCE_KILL_LATE)
            p->mce_early = a[2] == PR_MCE_KILL_EARLY;
        else if (a[2] == PR_MCE_KILL_DEFAULT)
            p->mce_process = p->mce_early = false;
        else
            return -EINVAL;
        return 0;
    case PR_MCE_KILL_GET:
        if (a[1] || a[2] || a[3] || a[4])
            return -EINVAL;
        return !p->mce_process ? PR_MCE_KILL_DEFAULT
               : p->mce_early  ? PR_MCE_KILL_EARLY
                               : PR_MCE_KILL_LATE;
    case PR_GET_TID_ADDRESS: /* CONFIG_CHECKPOINT_RESTORE: set_tid_address's pointer */
        return put_user_bytes(&p->task, a[1], &p->clear_child_tid, sizeof(p->clear_child_tid));
    case PR_GET_SPECULATION_CTRL: /* the unused arguments first, then the CPU's (cpu_bugs.h) */
        if (a[2] || a[3] || a[4])
            return -EINVAL;
        return arch_prctl_spec_ctrl_get(a[1]);
    case PR_SET_SPECULATION_CTRL:
        if (a[3] || a[4])
            return -EINVAL;
        return arch_prctl_spec_ctrl_set(a[1], a[2]);
    default:
        return -EINVAL;
    }
}
