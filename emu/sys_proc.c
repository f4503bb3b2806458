/*
 * sys_proc.c - process-level calls of a single-threaded process: exit, the thread-area and
 * thread-bookkeeping calls glibc and musl make at start-up, prctl.
 */
#include <errno.h>
#include <string.h>

#include "emu/emu.h"
#include "emu/sched.h"
#include "emu/seccomp.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

#define ARCH_SET_GS            0x1001
#define ARCH_SET_FS            0x1002
#define ARCH_GET_FS            0x1003
#define ARCH_GET_GS            0x1004
#define ARCH_GET_CPUID         0x1011
#define ARCH_SET_CPUID         0x1012
#define PR_SET_NAME            15
#define PR_GET_NAME            16
#define PR_GET_DUMPABLE        3
#define PR_SET_NO_NEW_PRIVS    38
#define PR_GET_NO_NEW_PRIVS    39
#define PR_SET_DUMPABLE        4
#define PR_SET_PDEATHSIG       1
#define PR_GET_PDEATHSIG       2
#define PR_SET_THP_DISABLE     41
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define PR_GET_THP_DISABLE     42

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
    default:
        return -EINVAL;
    }
}
