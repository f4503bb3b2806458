/*
 * sys_kcmp.c - kcmp (kernel/kcmp.c): do two tasks share a kernel object, and if not, in which
 * order do the two objects sort.
 *
 * Linux compares the objects' addresses, each scrambled by a per-type random bijection, so the
 * order means nothing but is a consistent total order while the objects live. Here each object
 * has a key that stands for its identity, scrambled by a fixed bijection, so that the order is
 * also the same from one run to the next (a run must be reproducible):
 *   KCMP_FILE     the open file description behind the fd (struct ofd's serial number)
 *   KCMP_FILES    the fd table (CLONE_FILES shares it; its serial number)
 *   KCMP_VM       the mm (CLONE_VM: threads, a vfork child), by the frame of its page directory
 *   KCMP_FS       the fs_struct (CLONE_FS), proc->fs_id
 *   KCMP_SIGHAND  the signal actions (CLONE_SIGHAND: a thread group, or processes made with
 *                 it), proc->sighand_id
 *   KCMP_IO       the io_context (emu/sys_ioprio.c): none until ioprio_set, shared by CLONE_IO
 *   KCMP_SYSVSEM  the System V semaphore undo list, the thread group's once a semop with SEM_UNDO
 *                 made it (none before: all such tasks compare equal)
 * A task that has exited has lost its mm, files, fs and io_context (all compare as "none", equal
 * to each other), but keeps its signal handlers until it is reaped.
 *
 * Both tasks must be ones the caller may inspect (ptrace_may_access, emu/cred.c: its own ids
 * and dumpability), else EPERM. The first guest's parent, faultline (sys_info.h), exists but its
 * objects are not the guest's: EPERM, as for a task the caller may not inspect.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>

#include "emu/cred.h"
#include "emu/fdtable.h"
#include "emu/sched.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "kernel_model/mm.h"

enum kcmp_type {
    KCMP_FILE,
    KCMP_VM,
    KCMP_FILES,
    KCMP_FS,
    KCMP_SIGHAND,
    KCMP_IO,
    KCMP_SYSVSEM,
    KCMP_EPOLL_TFD,
    KCMP_TYPES,
};

/* kptr_obfuscate with fixed cookies: xor, then multiply by an odd number, a bijection on 64 bits,
 * so equal keys stay equal and different ones stay different while their order is shuffled. */
static uint64_t scramble(uint64_t key, int type)
{
    static const uint64_t xor_cookie[KCMP_TYPES] = {
        0x9e3779b97f4a7c15, 0xbf58476d1ce4e5b9, 0x94d049bb133111eb, 0x2545f4914f6cdd1d,
        0xd6e8feb86659fd93, 0xa0761d6478bd642f, 0xe7037ed1a0b428db, 0x8ebc6af09c88c6e3,
    };
    static const uint64_t mul_cookie[KCMP_TYPES] = {
        0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53, 0x87c37b91114253d5, 0x4cf5ad432745937f,
        0x589965cc75374cc3, 0x1d8e4e27c47d124f, 0xd6e8feb86659fd93, 0xa0761d6478bd642f,
    };
    return (key ^ xor_cookie[type]) * (mul_cookie[type] | (1ULL << 63) | 1);
}

/* kcmp_ptr: 0 for the same object, 1 if the first sorts before the second, 2 if after. */
static long kcmp_order(uint64_t k1, uint64_t k2, int type)
{
    uint64_t t1 = scramble(k1, type), t2 = scramble(k2, type);
    return t1 < t2 ? 1 : t1 > t2 ? 2 : 0;
}

/* The key of task t's object of `type` (not KCMP_FILE); 0 for none. */
static uint64_t object_key(struct proc *t, int type)
{
    switch (type) {
    case KCMP_VM:
        return !t->exited && t->task.mm ? page_to_pfn(virt_to_page(t->task.mm->pgd)) + 1 : 0;
    case KCMP_FILES:
        return !t->exited && t->files ? t->files->serial : 0;
    case KCMP_FS:
        return t->exited ? 0 : (uint64_t)t->fs_id;
    case KCMP_SIGHAND:
        return (uint64_t)t->sighand_id; /* a zombie keeps its actions until reaped */
    case KCMP_IO:
        return t->exited ? 0 : (uint64_t)t->ioc_id;
    default: /* KCMP_SYSVSEM: the group's undo list, once a semop with SEM_UNDO made it */
        return !t->exited && t->shared && t->shared->sysvsem_undo_list ? (uint64_t)t->task.tgid : 0;
    }
}

/* kcmp(pid1, pid2, type, idx1, idx2): the tasks are looked up first (ESRCH), then the right to
 * inspect them (EPERM), then the type; KCMP_FILE wants both fds open (EBADF). */
long sys_kcmp(struct proc *p, const uint64_t a[6])
{
    int pid1 = (int)a[0], pid2 = (int)a[1], type = (int)a[2];
    struct proc *t1 = find_proc(p->emu, pid1), *t2 = find_proc(p->emu, pid2);

    if ((!t1 && !is_host_parent(p, pid1)) || (!t2 && !is_host_parent(p, pid2)))
        return -ESRCH;
    if (!t1 || !t2 || ptrace_may_access(p, t1, false) || ptrace_may_access(p, t2, false))
        return -EPERM; /* PTRACE_MODE_READ_REALCREDS */
    switch (type) {
    case KCMP_FILE: {
        struct ofd *f1 = NULL, *f2 = NULL;
        if (!t1->exited && t1->files && a[3] <= INT_MAX)
            f1 = fd_get(t1->files, (int)a[3]);
        if (!t2->exited && t2->files && a[4] <= INT_MAX)
            f2 = fd_get(t2->files, (int)a[4]);
        if (!f1 || !f2)
            return -EBADF;
        return kcmp_order(f1->serial, f2->serial, type);
    }
    case KCMP_VM:
    case KCMP_FILES:
    case KCMP_FS:
    case KCMP_SIGHAND:
    case KCMP_IO:
    case KCMP_SYSVSEM:
        return kcmp_order(object_key(t1, type), object_key(t2, type), type);
    case KCMP_EPOLL_TFD: {
        /* kcmp_epoll_target: the slot read first, then idx1 in task 1, the epoll fd in task 2,
         * then the item on it (EINVAL for a file that is no epoll instance, ENOENT for none) */
        struct {
            uint32_t efd, tfd, toff;
        } slot;
        if (get_user_struct(p, &slot, a[4], sizeof(slot)))
            return -EFAULT;
        struct ofd *f1 = NULL, *ep = NULL;
        if (!t1->exited && t1->files && a[3] <= INT_MAX)
            f1 = fd_get(t1->files, (int)a[3]);
        if (!f1)
            return -EBADF;
        if (!t2->exited && t2->files && slot.efd <= INT_MAX)
            ep = fd_get(t2->files, (int)slot.efd);
        if (!ep)
            return -EBADF;
        if (!ep->epoll)
            return -EINVAL;
        uint64_t serial;
        long r = epoll_target_serial(ep, (int)slot.tfd, slot.toff, &serial);
        return r ? r : kcmp_order(f1->serial, serial, KCMP_FILE);
    }
    default:
        return -EINVAL;
    }
}
