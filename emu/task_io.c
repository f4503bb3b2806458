/*
 * task_io.c - per-task I/O accounting (see task_io.h).
 */
#include <errno.h>
#include <stdbool.h>

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
    enum ioac_kind k = sd->ioac;
    bool reads = k == IOAC_READ || k == IOAC_READV || k == IOAC_BOTH;
    bool writes = k == IOAC_WRITE || k == IOAC_WRITEV || k == IOAC_BOTH;
    bool vector = k == IOAC_READV || k == IOAC_WRITEV; /* counted however they end */
    uint64_t n = ret > 0 ? (uint64_t)ret : 0;

    if (!vector && refused_early(ret))
        return;
    if (reads) {
        p->ioac.rchar += n;
        p->ioac.syscr++;
    }
    if (writes) {
        p->ioac.wchar += n;
        p->ioac.syscw++;
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
