/*
 * uio.h - small helpers the file, time and info syscalls share for moving data between the host
 * and guest memory: access_ok(), the bounce-buffer size, and struct copies as bytes.
 *
 * Guest memory is only ever touched through mmu/uaccess.h, so that every byte the emulated kernel
 * reads or writes walks the guest's page tables and faults through the model like Linux's own
 * copy_*_user. Host syscalls therefore never see a guest address: data goes through a bounce
 * buffer of at most FL_BOUNCE bytes per host call.
 */
#ifndef FL_UIO_H
#define FL_UIO_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu/proc.h"
#include "mmu/uaccess.h"

/* Bytes moved per host call by read/write-style syscalls. */
#define FL_BOUNCE (64 * 1024)

/* Linux's MAX_RW_COUNT: one read or write moves at most this much (fs/read_write.c). */
#define FL_MAX_RW_COUNT (0x7fffffffUL & PAGE_MASK)

/* access_ok() of arch/x86/include/asm/uaccess.h: [addr, addr+size) lies in the user half. Only a
 * range check: whether it is mapped is found out by the copy itself. */
static inline bool access_ok(uint64_t addr, uint64_t size)
{
    return size <= TASK_SIZE_MAX && addr <= TASK_SIZE_MAX - size;
}

/* Copy a struct the guest and the host lay out identically (x86-64 both sides). 0 or -EFAULT. */
static inline long put_user_struct(struct proc *p, uint64_t uaddr, const void *v, size_t n)
{
    return copy_to_user(&p->task, uaddr, v, n) ? -EFAULT : 0;
}

static inline long get_user_struct(struct proc *p, void *v, uint64_t uaddr, size_t n)
{
    return copy_from_user(&p->task, v, uaddr, n) ? -EFAULT : 0;
}

/* struct iovec as the guest lays it out. */
struct uiov {
    uint64_t base, len;
};

/* A cursor over guest iovec segments. */
struct uiov_iter {
    const struct uiov *iov;
    int cnt, seg;
    uint64_t off; /* bytes already done in iov[seg] */
};

/* Linux's UIO_MAXIOV: the most segments one call takes. */
#define FL_UIO_MAXIOV 1024

/* Copy n bytes from buf to the guest segments at the cursor (out) or from them into buf (in);
 * returns the bytes copied, less than n only if a fault stopped it. The cursor moves on. */
size_t iter_copy_out(struct proc *p, struct uiov_iter *it, const char *buf, size_t n);
/* Fault the next n bytes at the cursor in (for a write into them, or a read), without moving
 * the cursor. Returns the bytes that could not be faulted in. */
size_t iter_fault_in(struct proc *p, const struct uiov_iter *it, size_t n, bool write);
size_t iter_copy_in(struct proc *p, struct uiov_iter *it, char *buf, size_t n);

/* import_iovec (lib/iov_iter.c): read the guest's cnt-segment iovec array at uvec into a new
 * array (*iov, free() it), checking the count (EINVAL), each length (EINVAL if negative) and
 * range (EFAULT), with the segments cut so that the total is at most max_total (*total). */
long import_iovec(struct proc *p, uint64_t uvec, int cnt, uint64_t max_total, struct uiov **iov,
                  uint64_t *total);
/* The same for any count (EINVAL if negative or above FL_UIO_MAXIOV); with local false the
 * segments are another process's (process_vm_readv's remote iovec), so they get no access_ok
 * (rw_copy_check_uvector's CHECK_IOVEC_ONLY). */
long rw_copy_check_uvector(struct proc *p, uint64_t uvec, long cnt, uint64_t max_total, bool local,
                           struct uiov **iov, uint64_t *total);

/* A host call's result as a syscall result: r itself, or -errno when it failed. */
static inline long host_ret(long r)
{
    return r < 0 ? -(long)errno : r;
}

#endif
