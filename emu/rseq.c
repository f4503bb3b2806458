/*
 * rseq.c - restartable sequences: models kernel/rseq.c of Linux 4.20 (and its hooks in
 * include/linux/sched.h).
 *
 * A thread registers a 32-byte struct rseq (glibc 2.35 and later does, for every thread, with
 * the signature 0x53053053). The kernel then keeps its cpu_id_start and cpu_id up to date, on
 * the way back to user mode after anything that may have moved the thread (registration, a
 * context switch, the first run of a forked child, a signal), and aborts a critical section the
 * thread was in when that happened: if the area's rseq_cs points at a descriptor whose
 * [start_ip, start_ip + post_commit_offset) holds RIP, RIP goes to its abort_ip (after checking
 * the signature in the 4 bytes before it). Those are kernel-mode accesses to the thread's TLS,
 * which fault like any copy_to_user: a forked child's first return to user mode writes its
 * copy-on-write TLS page, and so does a parent's return from a wait4 that slept.
 *
 * The guest has one CPU, so cpu_id is 0 and no migration happens, except the one a new
 * process's first run counts as (wake_up_new_task's rseq_migrate).
 */
#include <errno.h>
#include <string.h>

#include "emu/proc.h"
#include "emu/rseq.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "kernel_model/arch.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

/* struct rseq (include/uapi/linux/rseq.h): 32 bytes, 32-byte aligned */
#define RSEQ_SIZE         32
#define RSEQ_CPU_ID_START 0
#define RSEQ_CPU_ID       4
#define RSEQ_CS_PTR       8
#define RSEQ_FLAGS        16

#define RSEQ_CPU_ID_UNINITIALIZED 0xffffffffu
#define RSEQ_FLAG_UNREGISTER      1

/* rseq_cs and rseq flags; the event bits of rseq_event_mask are the same positions */
#define RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT 1u
#define RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL  2u
#define RSEQ_CS_FLAG_NO_RESTART_ON_MIGRATE 4u
#define RSEQ_CS_PREEMPT_MIGRATE_FLAGS                                                              \
    (RSEQ_CS_FLAG_NO_RESTART_ON_MIGRATE | RSEQ_CS_FLAG_NO_RESTART_ON_PREEMPT)
#define RSEQ_EVENT_PREEMPT 1u
#define RSEQ_EVENT_SIGNAL  2u
#define RSEQ_EVENT_MIGRATE 4u

struct rseq_cs {
    uint32_t version, flags;
    uint64_t start_ip, post_commit_offset, abort_ip;
};

static int put_u32(struct proc *p, uint64_t addr, uint32_t v)
{
    return copy_to_user(&p->task, addr, &v, sizeof(v)) ? -EFAULT : 0;
}

/* rseq_update_cpu_id: the one CPU, 0 */
static int rseq_update_cpu_id(struct proc *p)
{
    if (put_u32(p, p->rseq + RSEQ_CPU_ID_START, 0) || put_u32(p, p->rseq + RSEQ_CPU_ID, 0))
        return -EFAULT;
    return 0;
}

static int rseq_reset_rseq_cpu_id(struct proc *p)
{
    if (put_u32(p, p->rseq + RSEQ_CPU_ID_START, 0) ||
        put_u32(p, p->rseq + RSEQ_CPU_ID, RSEQ_CPU_ID_UNINITIALIZED))
        return -EFAULT;
    return 0;
}

/* rseq_get_rseq_cs: the descriptor rseq_cs points at, checked; all zero when it is NULL. */
static int rseq_get_rseq_cs(struct proc *p, struct rseq_cs *cs)
{
    uint64_t ptr;
    uint32_t sig;

    if (copy_from_user(&p->task, &ptr, p->rseq + RSEQ_CS_PTR, sizeof(ptr)))
        return -EFAULT;
    memset(cs, 0, sizeof(*cs));
    if (!ptr)
        return 0;
    if (copy_from_user(&p->task, cs, ptr, sizeof(*cs)))
        return -EFAULT;
    if (cs->version > 0)
        return -EINVAL;
    /* the abort handler must not be inside the critical section */
    if (cs->abort_ip - cs->start_ip < cs->post_commit_offset)
        return -EINVAL;
    if (copy_from_user(&p->task, &sig, cs->abort_ip - sizeof(sig), sizeof(sig)))
        return -EFAULT;
    if (sig != p->rseq_sig) {
        arch_printk("faultline: Possible attack attempt. Unexpected rseq signature 0x%x, "
                    "expecting 0x%x (pid=%d, addr=%#llx).",
                    sig, p->rseq_sig, p->task.pid, (unsigned long long)(cs->abort_ip - 4));
        return -EINVAL;
    }
    return 0;
}

/* rseq_need_restart: 1 if an event since the critical section began must abort it. */
static int rseq_need_restart(struct proc *p, uint32_t cs_flags)
{
    uint32_t flags;

    if (copy_from_user(&p->task, &flags, p->rseq + RSEQ_FLAGS, sizeof(flags)))
        return -EFAULT;
    flags |= cs_flags;
    /* restart on signal can be inhibited only if restart on preempt and migrate are too */
    if ((flags & RSEQ_CS_FLAG_NO_RESTART_ON_SIGNAL) &&
        (flags & RSEQ_CS_PREEMPT_MIGRATE_FLAGS) != RSEQ_CS_PREEMPT_MIGRATE_FLAGS)
        return -EINVAL;
    uint32_t events = p->rseq_event_mask;
    p->rseq_event_mask = 0;
    return !!(events & ~flags);
}

static int clear_rseq_cs(struct proc *p)
{
    uint64_t zero = 0;
    return copy_to_user(&p->task, p->rseq + RSEQ_CS_PTR, &zero, sizeof(zero)) ? -EFAULT : 0;
}

static int rseq_ip_fixup(struct proc *p)
{
    uint64_t ip = mmu_reg_read(p->mmu, UC_X86_REG_RIP);
    struct rseq_cs cs;
    int ret = rseq_get_rseq_cs(p, &cs);

    if (ret)
        return ret;
    /* not in a critical section: restarting is useless; forget the descriptor */
    if (!(ip - cs.start_ip < cs.post_commit_offset))
        return clear_rseq_cs(p);
    ret = rseq_need_restart(p, cs.flags);
    if (ret <= 0)
        return ret;
    ret = clear_rseq_cs(p);
    if (ret)
        return ret;
    mmu_reg_write(p->mmu, UC_X86_REG_RIP, cs.abort_ip);
    return 0;
}

/* __rseq_handle_notify_resume; signo is the signal being delivered, or 0. */
static void handle_notify_resume(struct proc *p, int signo)
{
    p->rseq_notify = false;
    if (!p->rseq || p->exited)
        return;
    if (rseq_ip_fixup(p) < 0 || rseq_update_cpu_id(p))
        force_sigsegv(p, signo);
}

void rseq_handle_notify_resume(struct proc *p)
{
    handle_notify_resume(p, 0);
}

bool rseq_notify_pending(const struct proc *p)
{
    return p->rseq_notify;
}

void rseq_signal_deliver(struct proc *p, int signo)
{
    p->rseq_event_mask |= RSEQ_EVENT_SIGNAL;
    handle_notify_resume(p, signo);
}

void rseq_preempt(struct proc *p)
{
    p->rseq_event_mask |= RSEQ_EVENT_PREEMPT;
    if (p->rseq)
        p->rseq_notify = true;
}

void rseq_fork(struct proc *child, const struct proc *parent, bool shares_vm)
{
    if (shares_vm) { /* its area would be the parent's, in the same memory */
        child->rseq = 0;
        child->rseq_len = child->rseq_sig = child->rseq_event_mask = 0;
        child->rseq_notify = false;
        return;
    }
    child->rseq = parent->rseq;
    child->rseq_len = parent->rseq_len;
    child->rseq_sig = parent->rseq_sig;
    /* wake_up_new_task: rseq_migrate, as the fork balancing may pick another CPU */
    child->rseq_event_mask = parent->rseq_event_mask | RSEQ_EVENT_MIGRATE;
    child->rseq_notify = child->rseq != 0;
}

void rseq_execve(struct proc *p)
{
    p->rseq = 0;
    p->rseq_len = p->rseq_sig = p->rseq_event_mask = 0;
    p->rseq_notify = false;
}

/* rseq(rseq, rseq_len, flags, sig): register the calling thread's area, or unregister it. */
long sys_rseq(struct proc *p, const uint64_t a[6])
{
    uint64_t area = a[0];
    uint32_t len = (uint32_t)a[1], sig = (uint32_t)a[3];
    int flags = (int)a[2];

    if (flags & RSEQ_FLAG_UNREGISTER) {
        if (flags & ~RSEQ_FLAG_UNREGISTER)
            return -EINVAL;
        if (!p->rseq || p->rseq != area || len != RSEQ_SIZE)
            return -EINVAL;
        if (p->rseq_sig != sig)
            return -EPERM;
        if (rseq_reset_rseq_cpu_id(p))
            return -EFAULT;
        p->rseq = 0;
        p->rseq_len = p->rseq_sig = 0;
        return 0;
    }
    if (flags)
        return -EINVAL;
    if (p->rseq) {
        /* already registered: the same area again is EBUSY, another one EINVAL */
        if (p->rseq != area || p->rseq_len != len)
            return -EINVAL;
        if (p->rseq_sig != sig)
            return -EPERM;
        return -EBUSY;
    }
    if ((area & (RSEQ_SIZE - 1)) || len != RSEQ_SIZE)
        return -EINVAL;
    if (!access_ok(area, len))
        return -EFAULT;
    p->rseq = area;
    p->rseq_len = len;
    p->rseq_sig = sig;
    /* the cpu number goes in before the thread is back in user mode */
    p->rseq_notify = true;
    return 0;
}
