/*
 * process_vm.c - process_vm_readv and process_vm_writev (mm/process_vm_access.c): copying
 * between the caller's memory and another guest process's, through the model.
 *
 * The other process's pages are reached as Linux's get_user_pages_remote reaches them: through
 * its own page tables, faulting into the model in its mm (a missing page is allocated, a COW page
 * broken for a write, the fault counted to that task), with the VMA's protection obeyed (no
 * FOLL_FORCE: a read-only page cannot be written, a PROT_NONE one not read). The caller's side is
 * an ordinary copy_to_user/copy_from_user. Every access goes page by page through a bounce page,
 * so a transfer stops at the first page that cannot be reached, and returns what it moved before
 * that, or EFAULT if nothing, as Linux does.
 *
 * Access rights: ptrace_may_access(PTRACE_MODE_ATTACH_REALCREDS) with the guests' own ids and
 * dumpability (emu/cred.c; no Yama in the model), EPERM otherwise. The first guest's parent,
 * faultline itself, exists (getppid names it) but its memory is not the guest's: it is refused with
 * EPERM, as Linux refuses a process the caller may not ptrace.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "emu/cred.h"
#include "emu/sched.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"

/* process_vm_rw_single_vec: move [addr, addr + len) of task t to or from the caller's segments
 * at the cursor, one page of t at a time, until either side ends (the caller's after `total`
 * bytes). *moved grows by the bytes moved. 0, or -EFAULT when a page of t cannot be reached or
 * the caller's memory faults first. */
static long rw_single_vec(struct proc *p, struct uiov_iter *it, uint64_t total, struct proc *t,
                          uint64_t addr, uint64_t len, bool write, uint64_t *moved)
{
    char page[PAGE_SIZE];

    while (len && *moved < total) {
        size_t chunk = PAGE_SIZE - (addr & ~PAGE_MASK);
        if (chunk > len)
            chunk = len;
        size_t n;
        if (!access_ok(addr, chunk))
            return -EFAULT; /* above the user half: no VMA for get_user_pages to find */
        if (write) {
            /* Linux pins t's page before it copies into it: if the page cannot be had, none of
             * the caller's bytes count as moved, so the cursor goes back. */
            struct uiov_iter saved = *it;
            n = iter_copy_in(p, it, page, chunk);
            if (copy_to_user(&t->task, addr, page, n)) {
                *it = saved;
                return -EFAULT;
            }
        } else {
            if (copy_from_user(&t->task, page, addr, chunk))
                return -EFAULT;
            n = iter_copy_out(p, it, page, chunk);
        }
        *moved += n;
        if (n < chunk && *moved < total)
            return -EFAULT; /* the caller's memory faulted (copy_page_to/from_iter came short) */
        addr += n;
        len -= n;
    }
    return 0;
}

/* process_vm_rw: the checks in Linux's order (flags, the local iovec with access_ok, nothing to
 * do, the remote iovec, the task, its mm), then the copy. Returns the bytes moved if any, else
 * the error. */
static long process_vm_rw(struct proc *p, const uint64_t a[6], bool write)
{
    int pid = (int)a[0];
    uint64_t lvec = a[1], liovcnt = a[2], rvec = a[3], riovcnt = a[4], flags = a[5];
    struct uiov *liov = NULL, *riov = NULL;
    uint64_t ltotal, rtotal, moved = 0;
    long r;

    if (flags)
        return -EINVAL;
    if (liovcnt > FL_UIO_MAXIOV)
        return -EINVAL;
    r = import_iovec(p, lvec, (int)liovcnt, FL_MAX_RW_COUNT, &liov, &ltotal);
    if (r < 0)
        return r;
    if (!ltotal)
        goto out; /* nothing to move: not even the pid is looked at */
    r = rw_copy_check_uvector(p, rvec, (long)riovcnt, FL_MAX_RW_COUNT, false, &riov, &rtotal);
    if (r < 0 || !rtotal)
        goto out;
    struct proc *t = find_proc(p->emu, pid);
    if (!t) {
        r = is_host_parent(p, pid) ? -EPERM : -ESRCH;
        goto out;
    }
    if (t->exited || !t->task.mm) {
        r = -ESRCH; /* mm_access: a task without an mm (a zombie) */
        goto out;
    }
    if (t->task.mm != p->task.mm && ptrace_may_access(p, t, false)) {
        r = -EPERM; /* mm_access's EACCES, which process_vm_rw_core makes EPERM */
        goto out;
    }
    struct uiov_iter it = {liov, (int)liovcnt, 0, 0};
    for (unsigned long i = 0; i < riovcnt && moved < ltotal && !r; i++)
        r = rw_single_vec(p, &it, ltotal, t, riov[i].base, riov[i].len, write, &moved);
    if (moved)
        r = (long)moved;
out:
    free(liov);
    free(riov);
    return r;
}

/* process_vm_readv(pid, local_iov, liovcnt, remote_iov, riovcnt, flags): from pid's memory into
 * the caller's. */
long sys_process_vm_readv(struct proc *p, const uint64_t a[6])
{
    return process_vm_rw(p, a, false);
}

/* process_vm_writev(pid, local_iov, liovcnt, remote_iov, riovcnt, flags): from the caller's
 * memory into pid's. */
long sys_process_vm_writev(struct proc *p, const uint64_t a[6])
{
    return process_vm_rw(p, a, true);
}
