/*
 * task_io.c - per-task I/O accounting (see task_io.h).
 */
#include <errno.h>

#include "emu/proc.h"
#include "emu/syscall.h"
#include "emu/task_io.h"

/* read and write: 4.20's ksys_read (EBADF without a file), vfs_read (EBADF without FMODE_READ,
 * EINVAL without a read method or for rw_verify_area), ksys_pread64 (ESPIPE where the file
 * cannot seek) refuse before inc_syscr. */
static int refused_early(long ret)
{
    return ret == -EBADF || ret == -EINVAL || ret == -ESPIPE;
}

void task_io_account_syscall(struct proc *p, const struct syscall_desc *sd, long ret)
{
    struct task_io_accounting *io = &p->ioac;
    uint64_t n = ret > 0 ? (uint64_t)ret : 0;

    switch (sd->ioac) {
    case IOAC_READ:
        if (refused_early(ret))
            return;
        /* fallthrough */
    case IOAC_READV:
        io->rchar += n;
        io->syscr++;
        return;
    case IOAC_WRITE:
        if (refused_early(ret))
            return;
        /* fallthrough */
    case IOAC_WRITEV:
        io->wchar += n;
        io->syscw++;
        return;
    case IOAC_BOTH:
        if (refused_early(ret))
            return;
        io->rchar += n;
        io->wchar += n;
        io->syscr++;
        io->syscw++;
        return;
    default:
        return;
    }
}

void task_io_accounting_add(struct task_io_accounting *to, const struct task_io_accounting *from)
{
    to->rchar += from->rchar;
    to->wchar += from->wchar;
    to->syscr += from->syscr;
    to->syscw += from->syscw;
    to->read_bytes += from->read_bytes;
    to->write_bytes += from->write_bytes;
    to->cancelled_write_bytes += from->cancelled_write_bytes;
}

void task_io_read(struct proc *p, int whole, struct task_io_accounting *out)
{
    if (!whole) {
        *out = p->ioac;
        return;
    }
    *out = p->acct->ioac; /* exited threads and reaped children */
    for (struct proc *q = p->emu->procs; q; q = q->next)
        if (q->acct == p->acct && !q->acct_exited)
            task_io_accounting_add(out, &q->ioac);
}
