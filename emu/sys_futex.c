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
 *
 * PI futexes (FUTEX_LOCK_PI and friends): the word holds its owner's tid, FUTEX_WAITERS when
 * someone waits in the kernel, FUTEX_OWNER_DIED after a robust owner died. With one CPU and no
 * real priorities, priority inheritance is only its lock hand-off protocol, which is what
 * programs depend on: Linux's pi_state is not modelled as an object; its owner is each
 * waiter's futex_pi_owner, and its rt_mutex's waiter list the waiters queued on the key with
 * futex_pi, first come first served (all have the same priority). FUTEX_UNLOCK_PI, and the
 * owner's exit (exit_pi_state_list), write the top waiter's tid into the word and wake it:
 * it returns owning the lock.
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
#define FUTEX_WAKE_OP          5
#define FUTEX_LOCK_PI          6
#define FUTEX_UNLOCK_PI        7
#define FUTEX_TRYLOCK_PI       8
#define FUTEX_WAIT_BITSET      9
#define FUTEX_WAKE_BITSET      10
#define FUTEX_WAIT_REQUEUE_PI  11
#define FUTEX_CMP_REQUEUE_PI   12
#define FUTEX_LOCK_PI2         13
#define FUTEX_PRIVATE_FLAG     128
#define FUTEX_CLOCK_REALTIME   256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
/* FUTEX_WAKE_OP's encoded operation and comparison */
#define FUTEX_OP_SET    0
#define FUTEX_OP_ADD    1
#define FUTEX_OP_OR     2
#define FUTEX_OP_ANDN   3
#define FUTEX_OP_XOR    4
#define FUTEX_OP_CMP_EQ 0
#define FUTEX_OP_CMP_NE 1
#define FUTEX_OP_CMP_LT 2
#define FUTEX_OP_CMP_LE 3
#define FUTEX_OP_CMP_GT 4
#define FUTEX_OP_CMP_GE 5
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

/* The keys of the two words of a requeue or a wake-op call: get_futex_key for each. */
static long futex_key2(struct proc *p, uint64_t uaddr, uint64_t uaddr2, bool private_flag,
                       const void **mm, uint64_t *key, const void **mm2, uint64_t *key2)
{
    long r = futex_key(p, uaddr, private_flag, mm, key);
    return r ? r : futex_key(p, uaddr2, private_flag, mm2, key2);
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

/* A PI waiter, or a FUTEX_WAIT_REQUEUE_PI one, on the key? The plain wakes and requeues refuse
 * to touch them (Linux: a futex_q with a pi_state or rt_waiter gives -EINVAL). */
static bool pi_waiter_on(struct emu *e, const void *mm, uint64_t key)
{
    for (struct proc *q = e->procs; q; q = q->next)
        if (futex_waiting_on(q, mm, key) && (q->futex_pi || q->futex_rqpi))
            return true;
    return false;
}

/* The waiter queued first on the key (the plist's head: equal priorities are FIFO), or NULL. */
static struct proc *top_waiter(struct emu *e, const void *mm, uint64_t key)
{
    struct proc *top = NULL;
    for (struct proc *q = e->procs; q; q = q->next)
        if (futex_waiting_on(q, mm, key) && (!top || q->futex_seq < top->futex_seq))
            top = q;
    return top;
}

static uint64_t futex_seq_next(void)
{
    static uint64_t seq;
    return ++seq;
}

int futex_wake_key(struct emu *e, const void *mm, uint64_t key, uint32_t bitset, int n)
{
    int woken = 0;
    for (struct proc *q = e->procs; q && woken < n; q = q->next) {
        /* a PI waiter is woken only by its lock's hand-over */
        if (!futex_waiting_on(q, mm, key) || !(q->futex_bitset & bitset) || q->futex_pi ||
            q->futex_rqpi)
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
    p->futex_woken = p->futex_pi = p->futex_rqpi = false;
    p->futex_seq = futex_seq_next();
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
    long r = futex_key2(p, uaddr, uaddr2, private_flag, &mm, &key, &mm2, &key2);
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
    if (pi_waiter_on(p->emu, mm, key))
        return -EINVAL;
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

/* ---- FUTEX_WAKE_OP (futex_wake_op, futex_atomic_op_inuser) ------------------------------- */

/* The operation encoded in op done on the word at uaddr2, its old value compared as op says:
 * 1 (true), 0 (false), or -ENOSYS (an unknown operation: the word is left alone; an unknown
 * comparison: the word has been changed already, as on x86), -EFAULT. */
static long wake_op_atomic(struct proc *p, uint32_t encoded, uint64_t uaddr2)
{
    unsigned op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
    /* 12-bit signed fields */
    int32_t oparg = (int32_t)(encoded << 8) >> 20, cmparg = (int32_t)(encoded << 20) >> 20;
    if (encoded & 0x80000000u) /* FUTEX_OP_OPARG_SHIFT: Linux masks a bad shift and goes on */
        oparg = (int32_t)(1u << (oparg & 31));
    uint32_t old, val;
    if (get_user_bytes(&p->task, &old, uaddr2, sizeof(old)))
        return -EFAULT;
    switch (op) {
    case FUTEX_OP_SET:
        val = (uint32_t)oparg;
        break;
    case FUTEX_OP_ADD:
        val = old + (uint32_t)oparg;
        break;
    case FUTEX_OP_OR:
        val = old | (uint32_t)oparg;
        break;
    case FUTEX_OP_ANDN:
        val = old & ~(uint32_t)oparg;
        break;
    case FUTEX_OP_XOR:
        val = old ^ (uint32_t)oparg;
        break;
    default:
        return -ENOSYS;
    }
    /* read and write are one atomic step: no guest runs while the emulated kernel does */
    if (put_user_bytes(&p->task, uaddr2, &val, sizeof(val)))
        return -EFAULT;
    int32_t o = (int32_t)old;
    switch (cmp) {
    case FUTEX_OP_CMP_EQ:
        return o == cmparg;
    case FUTEX_OP_CMP_NE:
        return o != cmparg;
    case FUTEX_OP_CMP_LT:
        return o < cmparg;
    case FUTEX_OP_CMP_LE:
        return o <= cmparg;
    case FUTEX_OP_CMP_GT:
        return o > cmparg;
    case FUTEX_OP_CMP_GE:
        return o >= cmparg;
    default:
        return -ENOSYS;
    }
}

/* Linux's wake loops (futex_wake, futex_wake_op) mark a waiter before they count it against the
 * limit, so a limit of 0 or less still wakes one. */
static int wake_limit(int n)
{
    return n < 1 ? 1 : n;
}

static long futex_wake_op(struct proc *p, uint64_t uaddr, int n, int n2, uint64_t uaddr2,
                          uint32_t encoded, bool private_flag)
{
    const void *mm, *mm2;
    uint64_t key, key2;
    long r = futex_key2(p, uaddr, uaddr2, private_flag, &mm, &key, &mm2, &key2);
    if (r)
        return r;
    long cond = wake_op_atomic(p, encoded, uaddr2);
    if (cond < 0)
        return cond;
    if (pi_waiter_on(p->emu, mm, key) || (cond && pi_waiter_on(p->emu, mm2, key2)))
        return -EINVAL;
    int done = futex_wake_key(p->emu, mm, key, FUTEX_BITSET_MATCH_ANY, wake_limit(n));
    if (cond)
        done += futex_wake_key(p->emu, mm2, key2, FUTEX_BITSET_MATCH_ANY, wake_limit(n2));
    return done;
}

/* ---- PI futexes (futex_lock_pi, futex_unlock_pi, the requeue-PI pair) --------------------- */

static long get_word(struct proc *p, uint64_t uaddr, uint32_t *v)
{
    return get_user_bytes(&p->task, v, uaddr, sizeof(*v)) ? -EFAULT : 0;
}

static long put_word(struct proc *p, uint64_t uaddr, uint32_t v)
{
    return put_user_bytes(&p->task, uaddr, &v, sizeof(v)) ? -EFAULT : 0;
}

/* The lock on key goes to its top waiter q: q's tid in the word (FUTEX_WAITERS always, as
 * wake_futex_pi writes it; OWNER_DIED kept when the owner died, as fixup_pi_state_owner does),
 * q woken owning it, the other waiters now waiting for q. */
static long pi_hand_over(struct proc *q, const void *mm, uint64_t key, uint32_t keep)
{
    uint32_t uval;
    long r = get_word(q, q->futex_uaddr, &uval);
    if (!r)
        r = put_word(q, q->futex_uaddr, (uval & keep) | FUTEX_WAITERS | (uint32_t)q->task.pid);
    if (r)
        return r;
    q->futex_woken = true;
    for (struct proc *o = q->emu->procs; o; o = o->next)
        if (futex_waiting_on(o, mm, key) && o->futex_pi)
            o->futex_pi_owner = q->task.pid;
    return 0;
}

/* futex_lock_pi_atomic: try to take the PI word at uaddr (p's address) for `locker` (p, or a
 * requeued waiter). 1: taken; 0: held by *owner, FUTEX_WAITERS now set, the locker is to wait;
 * else -errno. set_waiters: the requeue sets FUTEX_WAITERS even on a free word it takes, as
 * more waiters follow. */
static long pi_lock_atomic(struct proc *p, uint64_t uaddr, const void *mm, uint64_t key,
                           const struct proc *locker, bool set_waiters, int *owner)
{
    uint32_t uval, tid = (uint32_t)locker->task.pid;
    long r = get_word(p, uaddr, &uval);
    if (r)
        return r;
    if ((uval & FUTEX_TID_MASK) == tid)
        return -EDEADLK;
    struct proc *top = top_waiter(p->emu, mm, key);
    if (top) { /* attach_to_pi_state: the word must agree with the kernel's owner */
        if (!top->futex_pi || (uval & FUTEX_TID_MASK) != (uint32_t)top->futex_pi_owner)
            return -EINVAL;
        *owner = top->futex_pi_owner;
        return (uval & FUTEX_WAITERS) ? 0 : put_word(p, uaddr, uval | FUTEX_WAITERS);
    }
    if (!(uval & FUTEX_TID_MASK)) { /* free, perhaps after a robust owner died: keep saying so */
        r = put_word(p, uaddr, (uval & FUTEX_OWNER_DIED) | tid | (set_waiters ? FUTEX_WAITERS : 0));
        return r ? r : 1;
    }
    /* the first waiter: FUTEX_WAITERS sends the owner's unlock to the kernel */
    if (!(uval & FUTEX_WAITERS) && (r = put_word(p, uaddr, uval | FUTEX_WAITERS)))
        return r;
    struct proc *o = find_proc(p->emu, (int)(uval & FUTEX_TID_MASK));
    if (!o || o->exited)
        return -ESRCH; /* handle_exit_race: an owner gone without a robust list, or a bogus tid */
    *owner = o->task.pid;
    return 0;
}

static void pi_queue(struct proc *p, const void *mm, uint64_t key, uint64_t uaddr, int owner)
{
    p->futex_key_mm = mm;
    p->futex_key = key;
    p->futex_uaddr = uaddr;
    p->futex_bitset = FUTEX_BITSET_MATCH_ANY;
    p->futex_pi = true;
    p->futex_pi_owner = owner;
    p->futex_seq = futex_seq_next();
}

/* The parked PI call run again: 0 once woken (the lock is p's), -ETIMEDOUT past the deadline
 * (p leaves the queue; FUTEX_WAITERS stays in the word, the owner's unlock clears it), else
 * it parks again. */
static long pi_rerun(struct proc *p)
{
    long r;
    if (p->futex_woken)
        r = 0;
    else if (p->wait_deadline && monotonic_ns() >= p->wait_deadline)
        r = -ETIMEDOUT;
    else {
        proc_park(p, WAIT_FUTEX, 0, true);
        return -FL_ERESTARTSYS;
    }
    p->futex_queued = p->futex_woken = p->futex_pi = p->futex_rqpi = false;
    p->wait_deadline = 0;
    return r;
}

/* An absolute timeout (LOCK_PI: CLOCK_REALTIME; LOCK_PI2 and WAIT_REQUEUE_PI: CLOCK_MONOTONIC
 * unless FUTEX_CLOCK_REALTIME) as a CLOCK_MONOTONIC deadline, as FUTEX_WAIT_BITSET's; 0: none. */
static long pi_deadline(struct proc *p, uint64_t utime, bool realtime, uint64_t *out)
{
    return wait_deadline(p, FUTEX_WAIT_BITSET, realtime, utime, out);
}

/* rt_mutex_adjust_prio_chain's deadlock check (futex_lock_pi walks the whole chain): would p,
 * waiting for owner, wait for itself, through the owners of the PI futexes they in turn wait
 * for? A chain longer than max_lock_depth (1024) counts as a deadlock too, as in Linux. */
static bool pi_chain_deadlock(struct proc *p, int owner)
{
    for (int depth = 0; depth <= 1024; depth++) {
        if (owner == p->task.pid)
            return true;
        struct proc *o = find_proc(p->emu, owner);
        if (!o || o->exited || !o->futex_queued || !o->futex_pi || o->futex_woken)
            return false;
        owner = o->futex_pi_owner;
    }
    return true;
}

static long futex_lock_pi(struct proc *p, uint64_t uaddr, uint64_t utime, bool realtime,
                          bool trylock, bool private_flag)
{
    if (p->futex_queued && p->futex_pi)
        return pi_rerun(p);
    const void *mm;
    uint64_t key, deadline = 0;
    int owner = 0;
    long r = futex_key(p, uaddr, private_flag, &mm, &key);
    if (!r && !trylock)
        r = pi_deadline(p, utime, realtime, &deadline);
    if (!r)
        r = pi_lock_atomic(p, uaddr, mm, key, p, false, &owner);
    if (r)
        return r < 0 ? r : 0;
    if (trylock)
        return -EAGAIN; /* EWOULDBLOCK, with FUTEX_WAITERS set as Linux leaves it */
    if (deadline && monotonic_ns() >= deadline)
        return -ETIMEDOUT;
    if (pi_chain_deadlock(p, owner))
        return -EDEADLK; /* FUTEX_WAITERS stays set: the owner's unlock finds no waiter */
    pi_queue(p, mm, key, uaddr, owner);
    p->futex_rqpi = p->futex_woken = false;
    p->futex_queued = true;
    p->wait_deadline = deadline;
    proc_park(p, WAIT_FUTEX, 0, true);
    return -FL_ERESTARTSYS;
}

static long futex_unlock_pi(struct proc *p, uint64_t uaddr, bool private_flag)
{
    const void *mm;
    uint64_t key;
    uint32_t uval;
    long r = futex_key(p, uaddr, private_flag, &mm, &key);
    if (!r)
        r = get_word(p, uaddr, &uval);
    if (r)
        return r;
    if ((uval & FUTEX_TID_MASK) != (uint32_t)p->task.pid)
        return -EPERM;
    struct proc *q = top_waiter(p->emu, mm, key);
    if (q && !q->futex_pi)
        return -EINVAL; /* a plain waiter on a PI word: no pi_state */
    if (!q)             /* nobody waits in the kernel: neither WAITERS nor OWNER_DIED is kept */
        return put_word(p, uaddr, 0);
    if ((r = pi_hand_over(q, mm, key, 0)))
        return r;
    woke(p, 1);
    return 0;
}

static long futex_wait_requeue_pi(struct proc *p, uint64_t uaddr, uint32_t val, uint64_t utime,
                                  uint32_t bitset, uint64_t uaddr2, bool private_flag,
                                  bool realtime)
{
    if (p->futex_queued && p->futex_rqpi)
        return pi_rerun(p);
    if (!bitset || uaddr == uaddr2)
        return -EINVAL;
    const void *mm, *mm2;
    uint64_t key, key2, deadline;
    long r = pi_deadline(p, utime, realtime, &deadline);
    if (!r)
        r = futex_key2(p, uaddr, uaddr2, private_flag, &mm, &key, &mm2, &key2);
    if (r)
        return r;
    uint32_t cur;
    if (get_word(p, uaddr, &cur))
        return -EFAULT;
    if (cur != val)
        return -EAGAIN;
    if (mm == mm2 && key == key2) /* the same word by another address */
        return -EINVAL;
    if (deadline && monotonic_ns() >= deadline)
        return -ETIMEDOUT;
    p->futex_key_mm = mm;
    p->futex_key = key;
    p->futex_key2_mm = mm2;
    p->futex_key2 = key2;
    p->futex_uaddr = uaddr2; /* the word the lock is taken in, in p's address space */
    p->futex_bitset = bitset;
    p->futex_seq = futex_seq_next();
    p->futex_pi = p->futex_woken = false;
    p->futex_rqpi = p->futex_queued = true;
    p->wait_deadline = deadline;
    proc_park(p, WAIT_FUTEX, 0, true);
    return -FL_ERESTARTSYS;
}

/* FUTEX_CMP_REQUEUE_PI: the top waiter on uaddr takes uaddr2 if it is free and is woken owning
 * it; the others (up to n2 more) wait for uaddr2's lock. The count of both, or -errno. */
static long futex_cmp_requeue_pi(struct proc *p, uint64_t uaddr, int n, int n2, uint64_t uaddr2,
                                 uint32_t val3, bool private_flag)
{
    if (uaddr == uaddr2 || n != 1 || n2 < 0)
        return -EINVAL;
    const void *mm, *mm2;
    uint64_t key, key2;
    long r = futex_key2(p, uaddr, uaddr2, private_flag, &mm, &key, &mm2, &key2);
    if (r)
        return r;
    if (mm == mm2 && key == key2)
        return -EINVAL;
    uint32_t cur;
    if (get_word(p, uaddr, &cur))
        return -EFAULT;
    if (cur != val3)
        return -EAGAIN;
    struct proc *top = top_waiter(p->emu, mm, key);
    if (!top)
        return 0;
    if (!top->futex_rqpi || top->futex_key2_mm != mm2 || top->futex_key2 != key2)
        return -EINVAL;
    int owner = 0, count = 0;
    /* futex_proxy_trylock_atomic */
    r = pi_lock_atomic(p, uaddr2, mm2, key2, top, true, &owner);
    if (r < 0)
        return r;
    if (r == 1) {
        top->futex_key_mm = mm2;
        top->futex_key = key2;
        top->futex_woken = top->futex_pi = true;
        owner = top->task.pid;
        count = 1;
    }
    /* the rest, first come first served, wait in the PI queue of uaddr2 */
    for (struct proc *q; count < 1 + n2 && (q = top_waiter(p->emu, mm, key)); count++) {
        if (!q->futex_rqpi || q->futex_key2_mm != mm2 || q->futex_key2 != key2)
            return -EINVAL;
        pi_queue(q, mm2, key2, q->futex_uaddr, owner);
    }
    return count;
}

/* A signal's handler is about to run for p: what becomes of a PI wait it is parked in?
 * 0: not one (the usual rules); 1: the call is restarted after the handler, whatever
 * SA_RESTART says (-ERESTARTNOINTR): from scratch (p leaves the queue), or to return 0 if the
 * lock has been handed to p meanwhile; or -EAGAIN, a requeued FUTEX_WAIT_REQUEUE_PI (Linux
 * returns EWOULDBLOCK rather than restart it: its futex value has moved on). */
long futex_pi_interrupted(struct proc *p)
{
    if (!p->futex_queued || !(p->futex_pi || p->futex_rqpi))
        return 0;
    if (p->futex_woken)
        return 1;
    if (p->futex_rqpi && p->futex_pi)
        return -EAGAIN;
    p->futex_queued = p->futex_pi = p->futex_rqpi = false;
    p->wait_deadline = 0;
    return 1;
}

/* futex_wait after its schedule(): unqueue_me finding the waiter woken means the call returns
 * 0, a pending signal or not; otherwise it leaves the queue with -ERESTARTSYS, and a restart
 * after the handler is a new call that compares the word again. Kept queued through the
 * handler, the wait's state would be taken for the handler's own futex wait run again. */
bool futex_wait_interrupted(struct proc *p)
{
    if (!p->futex_queued || p->futex_pi || p->futex_rqpi)
        return false;
    bool woken = p->futex_woken;
    p->futex_queued = p->futex_woken = false;
    p->wait_deadline = 0;
    return woken;
}

long sys_futex(struct proc *p, const uint64_t a[6])
{
    int op = (int)a[1] & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    bool private_flag = a[1] & FUTEX_PRIVATE_FLAG, realtime = a[1] & FUTEX_CLOCK_REALTIME;
    const void *mm;
    uint64_t key;
    long r;

    if (realtime && op != FUTEX_WAIT_BITSET && op != FUTEX_WAIT && op != FUTEX_WAIT_REQUEUE_PI &&
        op != FUTEX_LOCK_PI2)
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
        if (pi_waiter_on(p->emu, mm, key))
            return -EINVAL;
        return woke(p, futex_wake_key(p->emu, mm, key,
                                      op == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5],
                                      wake_limit((int)a[2])));
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        return woke(p, futex_requeue(p, op == FUTEX_CMP_REQUEUE, a[0], (int)a[2], (int)a[3], a[4],
                                     (uint32_t)a[5], private_flag));
    case FUTEX_WAKE_OP:
        return woke(
            p, futex_wake_op(p, a[0], (int)a[2], (int)a[3], a[4], (uint32_t)a[5], private_flag));
    case FUTEX_LOCK_PI:  /* its timeout is absolute on CLOCK_REALTIME */
    case FUTEX_LOCK_PI2: /* on CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME (Linux 5.14) */
    case FUTEX_TRYLOCK_PI:
        return futex_lock_pi(p, a[0], a[3], op == FUTEX_LOCK_PI || realtime, op == FUTEX_TRYLOCK_PI,
                             private_flag);
    case FUTEX_UNLOCK_PI:
        return futex_unlock_pi(p, a[0], private_flag);
    case FUTEX_WAIT_REQUEUE_PI:
        return futex_wait_requeue_pi(p, a[0], (uint32_t)a[2], a[3], (uint32_t)a[5], a[4],
                                     private_flag, realtime);
    case FUTEX_CMP_REQUEUE_PI:
        return woke(p, futex_cmp_requeue_pi(p, a[0], (int)a[2], (int)a[3], a[4], (uint32_t)a[5],
                                            private_flag));
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
    /* a PI futex's waiters get it from exit_pi_state_list, after the walk */
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

/* exit_pi_state_list: every PI lock p holds with waiters in the kernel goes to its top waiter,
 * the OWNER_DIED bit the robust walk may have set staying in the word for it to see. */
static void exit_pi_state_list(struct proc *p)
{
    for (;;) {
        struct proc *q = NULL;
        for (struct proc *o = p->emu->procs; o && !q; o = o->next)
            if (o != p && o->futex_queued && !o->futex_woken && !o->exited && o->futex_pi &&
                o->futex_pi_owner == p->task.pid)
                q = o;
        if (!q)
            return;
        q = top_waiter(p->emu, q->futex_key_mm, q->futex_key);
        if (pi_hand_over(q, q->futex_key_mm, q->futex_key, FUTEX_OWNER_DIED)) {
            /* the word is gone from under the waiters: they wait for nobody, and time out */
            for (struct proc *o = p->emu->procs; o; o = o->next)
                if (o->futex_pi && o->futex_pi_owner == p->task.pid)
                    o->futex_pi_owner = 0;
        }
    }
}

void futex_exit_release(struct proc *p)
{
    uint64_t head = p->robust_list;
    p->robust_list = p->robust_len = 0;
    /* Not when the memory is gone: no mm, or the OOM reaper has emptied its private part,
     * where the list lives (Linux: faults in an MMF_UNSTABLE mm fail, so the walk stops). */
    if (head && p->task.mm && !p->task.mm->oom_reaped)
        exit_robust_list(p, head);
    exit_pi_state_list(p);
}
