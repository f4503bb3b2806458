/*
 * sys_futex.c - futex(2) between the threads and processes of the machine (kernel/futex.c).
 *
 * A waiter parks (WAIT_FUTEX, emu/sched.h) on a key: (mm, user address) when the word is private
 * to one address space (FUTEX_PRIVATE_FLAG, or a private mapping, as get_futex_key decides), or
 * the word's host address when it lies in a shared mapping, where other processes may map the
 * same frame elsewhere. FUTEX_WAKE marks up to n waiters on the key woken; they run again when
 * the scheduler picks them. The wait is a restarted syscall: when the waiter runs again it comes
 * back here, finds itself woken (0), past its deadline (-ETIMEDOUT), or still queued (a signal
 * handler ran: it waits on). A timed wait also ends by the clock, so threads that use timed
 * waits (Python's GIL does) are scheduled by time as well as by what the guests do.
 *
 * Robust futexes: a thread's exit, and execve, walk the list it registered with set_robust_list
 * (futex_exit_release, called by emu/run.c's proc_release and emu/sys_process.c's do_execve),
 * so a robust mutex whose owner died is handed to its next locker as EOWNERDEAD.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "emu/emu.h"
#include "emu/sched.h"
#include "emu/syscall.h"
#include "kernel_model/mm.h"
#include "mmu/mmu.h"
#include "mmu/uaccess.h"

#define FUTEX_WAIT             0
#define FUTEX_WAKE             1
#define FUTEX_REQUEUE          3
#define FUTEX_CMP_REQUEUE      4
#define FUTEX_WAIT_BITSET      9
#define FUTEX_WAKE_BITSET      10
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_CLOCK_REALTIME   256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
/* the robust-futex protocol's bits in the word (include/uapi/linux/futex.h) */
#define FUTEX_WAITERS     0x80000000u
#define FUTEX_OWNER_DIED  0x40000000u
#define FUTEX_TID_MASK    0x3fffffffu
#define ROBUST_LIST_LIMIT 2048

/* get_futex_key: private unless the word is in a shared mapping and the caller did not say
 * FUTEX_PRIVATE_FLAG. 0, -EINVAL (misaligned) or -EFAULT. */
static long futex_key(struct proc *p, uint64_t uaddr, bool private_flag, const void **mm,
                      uint64_t *key)
{
    if (uaddr & 3)
        return -EINVAL;
    struct mm_struct *m = p->task.mm;
    struct vm_area_struct *vma = find_vma(m, uaddr);
    bool shared = !private_flag && vma && vma->vm_start <= uaddr && (vma->vm_flags & VM_SHARED);
    if (!shared) {
        *mm = m;
        *key = uaddr;
        return 0;
    }
    uint32_t word;
    unsigned error;
    if (get_user_bytes(&p->task, &word, uaddr, sizeof(word))) /* faults the page in */
        return -EFAULT;
    void *host = mmu_kernel_translate(&p->task, uaddr, false, &error);
    if (!host)
        return -EFAULT;
    *mm = NULL;
    *key = (uint64_t)(uintptr_t)host;
    return 0;
}

/* A wake that woke someone ends the waker's turn, as Linux's wakeup preemption would let the
 * woken thread run soon: a thread handing a lock or Python's GIL to another must not keep the
 * CPU until its time slice ends. */
static long woke(struct proc *p, long n)
{
    if (n > 0)
        p->preempted = true;
    return n;
}

/* Is q queued on the key, not yet woken? */
static bool futex_waiting_on(const struct proc *q, const void *mm, uint64_t key)
{
    return !q->exited && q->futex_queued && !q->futex_woken && q->futex_key_mm == mm &&
           q->futex_key == key;
}

int futex_wake_key(struct emu *e, const void *mm, uint64_t key, uint32_t bitset, int n)
{
    int woken = 0;
    for (struct proc *q = e->procs; q && woken < n; q = q->next) {
        if (!futex_waiting_on(q, mm, key) || !(q->futex_bitset & bitset))
            continue;
        q->futex_woken = true;
        woken++;
    }
    return woken;
}

/* The absolute CLOCK_MONOTONIC deadline of a wait: FUTEX_WAIT's timeout is relative,
 * FUTEX_WAIT_BITSET's absolute (on CLOCK_REALTIME with FUTEX_CLOCK_REALTIME). 0: none. */
static long wait_deadline(struct proc *p, int op, bool realtime, uint64_t utime, uint64_t *out)
{
    *out = 0;
    if (!utime)
        return 0;
    struct timespec ts;
    if (get_user_bytes(&p->task, &ts, utime, sizeof(ts)))
        return -EFAULT;
    if (!timespec_valid(&ts))
        return -EINVAL;
    uint64_t t = timespec_ns(&ts);
    if (op == FUTEX_WAIT)
        *out = monotonic_ns() + t;
    else
        *out = realtime ? monotonic_deadline(CLOCK_REALTIME, t) : t;
    if (!*out)
        *out = 1; /* an absolute time of 0 is long past */
    return 0;
}

static long futex_wait(struct proc *p, int op, uint64_t uaddr, uint32_t val, uint64_t utime,
                       uint32_t bitset, bool private_flag, bool realtime)
{
    if (p->futex_queued) { /* the parked call, run again */
        if (p->futex_woken) {
            p->futex_queued = p->futex_woken = false;
            p->wait_deadline = 0;
            return 0;
        }
        if (p->wait_deadline && monotonic_ns() >= p->wait_deadline) {
            p->futex_queued = false;
            p->wait_deadline = 0;
            return -ETIMEDOUT;
        }
        proc_park(p, WAIT_FUTEX, 0, true); /* a handler ran meanwhile: wait on */
        return -FL_ERESTARTSYS;
    }
    if (op == FUTEX_WAIT_BITSET && !bitset)
        return -EINVAL;
    const void *mm;
    uint64_t key, deadline;
    long r = futex_key(p, uaddr, private_flag, &mm, &key);
    if (!r)
        r = wait_deadline(p, op, realtime, utime, &deadline);
    if (r)
        return r;
    uint32_t cur;
    if (get_user_bytes(&p->task, &cur, uaddr, sizeof(cur)))
        return -EFAULT;
    if (cur != val)
        return -EAGAIN;
    if (deadline && monotonic_ns() >= deadline)
        return -ETIMEDOUT;
    p->futex_key_mm = mm;
    p->futex_key = key;
    p->futex_bitset = op == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : bitset;
    p->futex_queued = true;
    p->futex_woken = false;
    p->wait_deadline = deadline;
    proc_park(p, WAIT_FUTEX, 0, true);
    return -FL_ERESTARTSYS;
}

/* FUTEX_REQUEUE/CMP_REQUEUE: wake up to n, move up to n2 more waiters to the second key. */
static long futex_requeue(struct proc *p, bool cmp, uint64_t uaddr, int n, int n2, uint64_t uaddr2,
                          uint32_t val3, bool private_flag)
{
    const void *mm, *mm2;
    uint64_t key, key2;
    long r = futex_key(p, uaddr, private_flag, &mm, &key);
    if (!r)
        r = futex_key(p, uaddr2, private_flag, &mm2, &key2);
    if (r)
        return r;
    if (n < 0 || n2 < 0)
        return -EINVAL;
    if (cmp) {
        uint32_t cur;
        if (get_user_bytes(&p->task, &cur, uaddr, sizeof(cur)))
            return -EFAULT;
        if (cur != val3)
            return -EAGAIN;
    }
    int done = futex_wake_key(p->emu, mm, key, FUTEX_BITSET_MATCH_ANY, n);
    for (struct proc *q = p->emu->procs; q && n2 > 0; q = q->next) {
        if (!futex_waiting_on(q, mm, key))
            continue;
        q->futex_key_mm = mm2;
        q->futex_key = key2;
        n2--;
        done++;
    }
    return done;
}

long sys_futex(struct proc *p, const uint64_t a[6])
{
    int op = (int)a[1] & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool private_flag = a[1] & FUTEX_PRIVATE_FLAG, realtime = a[1] & FUTEX_CLOCK_REALTIME;
    const void *mm;
    uint64_t key;
    long r;

    if (realtime && op != FUTEX_WAIT_BITSET && op != FUTEX_WAIT)
        return -ENOSYS;
    switch (op) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
        return futex_wait(p, op, a[0], (uint32_t)a[2], a[3], (uint32_t)a[5], private_flag,
                          realtime);
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
        if (op == FUTEX_WAKE_BITSET && !(uint32_t)a[5])
            return -EINVAL;
        if ((r = futex_key(p, a[0], private_flag, &mm, &key)))
            return r;
        return woke(p, futex_wake_key(p->emu, mm, key,
                                      op == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5],
                                      (int)a[2] < 0 ? 0 : (int)a[2]));
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        return woke(p, futex_requeue(p, op == FUTEX_CMP_REQUEUE, a[0], (int)a[2], (int)a[3], a[4],
                                     (uint32_t)a[5], private_flag));
    default:
        return -ENOSYS;
    }
}

/* ---- robust futexes (kernel/futex/core.c: exit_robust_list, handle_futex_death) ---------- */

/* The word at uaddr was a dying thread's, or it was about to take or drop it: wake one waiter.
 * Linux wakes with FLAGS_SHARED: the key is the shared one when the word is in a shared
 * mapping (a waiter in another process, a process-shared mutex), else (mm, address). */
static void wake_robust(struct proc *p, uint64_t uaddr)
{
    const void *mm;
    uint64_t key;
    if (!futex_key(p, uaddr, false, &mm, &key))
        futex_wake_key(p->emu, mm, key, FUTEX_BITSET_MATCH_ANY, 1);
}

/* handle_futex_death: -1 stops the walk (a fault), as in Linux. */
static int handle_futex_death(struct proc *p, uint64_t uaddr, bool pi, bool pending_op)
{
    uint32_t uval;
    if (uaddr & 3)
        return -1;
    if (get_user_bytes(&p->task, &uval, uaddr, sizeof(uval)))
        return -1;
    uint32_t owner = uval & FUTEX_TID_MASK;
    /* Killed between releasing the word and waking (or a woken waiter killed before it took the
     * word): the word is free, so only the wake is owed; OWNER_DIED would be a lie. */
    if (pending_op && !pi && !owner) {
        wake_robust(p, uaddr);
        return 0;
    }
    if (owner != (uint32_t)p->task.pid)
        return 0;
    /* Linux's cmpxchg: no guest runs while the emulated kernel does, so the read above and this
     * write are one atomic step; a read-only word fails the write and stops the walk. */
    uint32_t mval = (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
    if (put_user_bytes(&p->task, uaddr, &mval, sizeof(mval)))
        return -1;
    /* A PI futex's waiters are woken by exit_pi_state_list; faultline has no PI futexes
     * (FUTEX_LOCK_PI is ENOSYS), so there are none to wake. */
    if (!pi && (uval & FUTEX_WAITERS))
        wake_robust(p, uaddr);
    return 0;
}

/* fetch_robust_entry: the pointer at uptr, its bit 0 saying "PI futex". */
static bool fetch_robust_entry(struct proc *p, uint64_t uptr, uint64_t *entry, bool *pi)
{
    uint64_t v;
    if (get_user_bytes(&p->task, &v, uptr, sizeof(v)))
        return false;
    *entry = v & ~1ull;
    *pi = v & 1;
    return true;
}

/* struct robust_list_head: { list.next; long futex_offset; list_op_pending; } */
static void exit_robust_list(struct proc *p, uint64_t head)
{
    uint64_t entry, next, pending;
    int64_t futex_offset;
    bool pi, next_pi, pending_pi;
    if (!fetch_robust_entry(p, head, &entry, &pi) ||
        get_user_bytes(&p->task, &futex_offset, head + 8, sizeof(futex_offset)) ||
        !fetch_robust_entry(p, head + 16, &pending, &pending_pi))
        return;
    /* bounded: a circular or corrupt list must not keep the exit going */
    for (unsigned limit = ROBUST_LIST_LIMIT; entry != head;) {
        bool ok = fetch_robust_entry(p, entry, &next, &next_pi); /* before the word changes */
        /* a pending lock may already be on the list: not twice */
        if (entry != pending && handle_futex_death(p, entry + (uint64_t)futex_offset, pi, false))
            return;
        if (!ok)
            return;
        entry = next;
        pi = next_pi;
        if (!--limit)
            break;
    }
    if (pending)
        handle_futex_death(p, pending + (uint64_t)futex_offset, pending_pi, true);
}

void futex_exit_release(struct proc *p)
{
    uint64_t head = p->robust_list;
    p->robust_list = p->robust_len = 0;
    /* Not when the memory is gone: no mm, or the OOM reaper has emptied its private part,
     * where the list lives (Linux: faults in an MMF_UNSTABLE mm fail, so the walk stops). */
    if (!head || !p->task.mm || p->task.mm->oom_reaped)
        return;
    exit_robust_list(p, head);
}
