/*
 * sys_userfaultfd.c - the userfaultfd file (fs/userfaultfd.c's syscall, read, poll and ioctls).
 *
 * The context, the registered VMAs and the waiting faults are the model's
 * (kernel_model/userfaultfd.c). This file is what a process holds: a guest fd on a host eventfd
 * that is readable while a fault waits unread, so poll, epoll and a blocking read parked on
 * the fd work unchanged (as signalfd's does, emu/sys_signalfd.c). A task whose fault waits is
 * parked in WAIT_UFFD (emu/run.c) until a wake covers its address.
 *
 * poll, select and epoll do not look at the eventfd (which is always writable besides) but at
 * the host fd userfaultfd_poll_hostfd picks, so that they answer as userfaultfd_poll does:
 * EPOLLERR alone before UFFDIO_API and whenever the file is blocking (no O_NONBLOCK: "poll()
 * never guarantees that read won't block"), else EPOLLIN while a fault waits unread, and
 * never EPOLLOUT.
 *
 * Differences from Linux: epoll watches the host fd picked when the userfaultfd was added (or
 * modified), so UFFDIO_API or an F_SETFL of O_NONBLOCK after that is not seen there (poll and
 * select pick at each call); readlink of its /proc fd link names the eventfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/fdtable.h"
#include "emu/sched.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "emu/userfaultfd.h"
#include "kernel_model/userfaultfd_k.h"
#include "mmu/uaccess.h"

/* The ioctl numbers: _IOWR(0xAA, nr, struct) (include/uapi/linux/userfaultfd.h). */
#define UFFDIO_API        0xc018aa3fu
#define UFFDIO_REGISTER   0xc020aa00u
#define UFFDIO_UNREGISTER 0x8010aa01u
#define UFFDIO_WAKE       0x8010aa02u
#define UFFDIO_COPY       0xc028aa03u
#define UFFDIO_ZEROPAGE   0xc020aa04u

struct uffd_msg {
    uint8_t event, reserved1;
    uint16_t reserved2;
    uint32_t reserved3;
    uint64_t flags, address;
    uint32_t ptid, pad;
};
_Static_assert(sizeof(struct uffd_msg) == 32, "uffd_msg is 32 bytes");

/* The file's side of a context: its host eventfd, 1 while a fault waits unread (a blocking
 * read parks on it); for poll, a pipe whose read end (rfd) holds a byte exactly then (a pipe's
 * read end is never writable), and errfd, whose poll says POLLERR and nothing else. */
struct uffd_file {
    int efd, rfd, wfd, errfd;
    bool ready;
    struct emu *emu;
};

/* A host fd that polls as POLLERR alone: the write end of a full pipe without a reader (no
 * room: no POLLOUT; pipe_poll: no readers, EPOLLERR). One for the run, dup'ed for each file
 * (epoll tells apart the fds of one host file, not the files of one fd number). */
static int error_fd(void)
{
    static int errfd = -1;
    if (errfd >= 0)
        return errfd;
    int pp[2];
    static const char page[4096];
    if (pipe2(pp, O_NONBLOCK | O_CLOEXEC) < 0)
        return -1;
    fcntl(pp[1], F_SETPIPE_SZ, (int)sizeof(page));
    while (write(pp[1], page, sizeof(page)) > 0)
        ;
    close(pp[0]);
    errfd = pp[1];
    return errfd;
}

int userfaultfd_poll_hostfd(const struct ofd *o)
{
    struct uffd_file *f = o->uffd ? o->uffd->arch : NULL;
    if (!f)
        return o->hostfd;
    if (o->uffd->state == UFFD_STATE_WAIT_API || !(o->flags & O_NONBLOCK))
        return f->errfd;
    return f->rfd;
}

int userfaultfd_poll_hostfd_other(const struct ofd *o)
{
    struct uffd_file *f = o->uffd ? o->uffd->arch : NULL;
    if (!f)
        return o->hostfd;
    return userfaultfd_poll_hostfd(o) == f->rfd ? f->errfd : f->rfd;
}

void userfaultfd_sync(struct userfaultfd_ctx *ctx)
{
    struct uffd_file *f = ctx ? ctx->arch : NULL;
    if (!f)
        return;
    bool ready = userfaultfd_has_pending(ctx);
    uint64_t v = 1;
    if (ready && !f->ready && write(f->efd, &v, sizeof(v)) == sizeof(v)) {
        f->ready = true;
        (void)!write(f->wfd, "", 1);
    } else if (!ready && f->ready && read(f->efd, &v, sizeof(v)) >= 0) {
        f->ready = false;
        (void)!read(f->rfd, &v, 1);
    }
}

/* The tasks whose waits a wake ended (of ctx, or of any context: an unregister wakes the
 * range's): runnable now, weighed against the waker. ctx's readiness follows. */
static void wake_hints(struct emu *e, struct userfaultfd_ctx *ctx)
{
    for (struct proc *q = e->procs; q; q = q->next)
        if (q->wait == WAIT_UFFD && q->task.uffd_wait && userfaultfd_wait_woken(&q->task)) {
            sched_wake_hint(q);
            userfaultfd_sync(q->task.uffd_wait->ctx);
        }
    userfaultfd_sync(ctx);
}

void userfaultfd_file_release(struct userfaultfd_ctx *ctx)
{
    struct uffd_file *f = ctx->arch;
    ctx->arch = NULL;         /* the host eventfd goes with the ofd */
    userfaultfd_release(ctx); /* wakes every waiter: ctx stays while they hold it */
    if (f) {
        wake_hints(f->emu, NULL);
        close(f->rfd);
        close(f->wfd);
        close(f->errfd);
    }
    free(f);
}

/* userfaultfd(2). 4.20 has no permission check; Linux 5.2's vm.unprivileged_userfaultfd (0
 * here, as on most distributions) asks for CAP_SYS_PTRACE unless UFFD_USER_MODE_ONLY (5.11):
 * the guest gets the host's rule. */
long sys_userfaultfd(struct proc *p, const uint64_t a[6])
{
    int flags = (int)a[0];
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY))
        return -EINVAL;
    if (!(flags & UFFD_USER_MODE_ONLY) && !host_unprivileged_userfaultfd() &&
        !guest_capable(p, 19 /* CAP_SYS_PTRACE */))
        return -EPERM;
    struct uffd_file *f = calloc(1, sizeof(*f));
    int pp[2] = {-1, -1}, errfd = error_fd() >= 0 ? fcntl(error_fd(), F_DUPFD_CLOEXEC, 0) : -1;
    struct userfaultfd_ctx *ctx = f && errfd >= 0 && !pipe2(pp, O_NONBLOCK | O_CLOEXEC)
                                      ? userfaultfd_ctx_create(p->task.mm, (unsigned)flags)
                                      : NULL;
    int r = ctx ? fd_install_eventfd(p->files, flags & O_NONBLOCK, flags & O_CLOEXEC, &f->efd)
                : -ENOMEM;
    if (r < 0) {
        if (ctx)
            userfaultfd_release(ctx);
        for (int i = 0; i < 2; i++)
            if (pp[i] >= 0)
                close(pp[i]);
        if (errfd >= 0)
            close(errfd);
        free(f);
        return r;
    }
    f->rfd = pp[0];
    f->wfd = pp[1];
    f->errfd = errfd;
    f->emu = p->emu;
    ctx->arch = f;
    fd_get(p->files, r)->uffd = ctx;
    return r;
}

/* userfaultfd_read: whole messages, oldest first; only the first may wait (EAGAIN parks a
 * blocking read on the eventfd, emu/syscall.c). */
long userfaultfd_read(struct proc *p, struct ofd *o, uint64_t buf, uint64_t len)
{
    struct userfaultfd_ctx *ctx = o->uffd;
    uint64_t n = 0;
    if (ctx->state == UFFD_STATE_WAIT_API)
        return -EINVAL;
    if (len < sizeof(struct uffd_msg))
        return -EINVAL;
    while (len - n >= sizeof(struct uffd_msg)) {
        struct userfaultfd_wait *w = userfaultfd_next_unread(ctx);
        if (!w)
            break;
        struct uffd_msg m = {.event = UFFD_EVENT_PAGEFAULT,
                             .flags = w->write ? UFFD_PAGEFAULT_FLAG_WRITE : 0,
                             .address = w->address};
        if (ctx->features & UFFD_FEATURE_THREAD_ID)
            m.ptid = (uint32_t)w->tsk->pid;
        if (copy_to_user(&p->task, buf + n, &m, sizeof(m))) {
            w->read = false; /* not reported after all */
            if (!n)
                n = (uint64_t)-EFAULT;
            break;
        }
        n += sizeof(m);
    }
    userfaultfd_sync(ctx);
    return n ? (long)n : -EAGAIN;
}

/* UFFDIO_COPY and UFFDIO_ZEROPAGE (mcopy_atomic, mfill_zeropage): page by page into ctx's mm,
 * from the caller's memory for a copy. The count done goes to user space at count_at (also a
 * negative error); the faults in what was done are woken unless DONTWAKE. 0 if all was done,
 * -EAGAIN if part, else the error. */
static long uffd_fill(struct proc *p, struct userfaultfd_ctx *ctx, uint64_t dst, uint64_t src,
                      uint64_t len, uint64_t mode, uint64_t count_at, bool zero)
{
    long err = userfaultfd_validate_range(ctx, dst, len);
    if (err)
        return err;
    if (!zero && src + len <= src)
        return -EINVAL;
    if (mode & ~(uint64_t)UFFDIO_COPY_MODE_DONTWAKE)
        return -EINVAL;
    if (!ctx->mm)
        return -ESRCH;
    static unsigned char page[PAGE_SIZE];
    int64_t done = 0;
    while ((uint64_t)done < len) {
        if (!zero && copy_from_user(&p->task, page, src + (uint64_t)done, PAGE_SIZE)) {
            err = -EFAULT;
            break;
        }
        err = mfill_atomic_pte(ctx, dst, len, dst + (uint64_t)done, zero ? NULL : page);
        if (err)
            break;
        done += PAGE_SIZE;
    }
    int64_t ret = done ? done : err;
    if (copy_to_user(&p->task, count_at, &ret, sizeof(ret)))
        return -EFAULT;
    if (ret < 0)
        return ret;
    if (!(mode & UFFDIO_COPY_MODE_DONTWAKE)) {
        userfaultfd_wake(ctx, dst, (uint64_t)done);
        wake_hints(p->emu, ctx);
    }
    return (uint64_t)done == len ? 0 : -EAGAIN;
}

long userfaultfd_ioctl(struct proc *p, struct ofd *o, unsigned req, uint64_t arg)
{
    struct userfaultfd_ctx *ctx = o->uffd;
    uint64_t v[5];
    long r;

    if (req != UFFDIO_API && ctx->state == UFFD_STATE_WAIT_API)
        return -EINVAL;
    switch (req) {
    case UFFDIO_API: /* {api, features, ioctls} */
        if (ctx->state != UFFD_STATE_WAIT_API)
            return -EINVAL;
        if (get_user_struct(p, v, arg, 3 * sizeof(v[0])))
            return -EFAULT;
        r = userfaultfd_api(ctx, v[0], &v[1], &v[2]);
        if (r)
            v[0] = 0;
        if (put_user_struct(p, arg, v, 3 * sizeof(v[0])))
            return -EFAULT;
        return r;
    case UFFDIO_REGISTER: /* {range {start, len}, mode, ioctls} */
        if (get_user_struct(p, v, arg, 3 * sizeof(v[0])))
            return -EFAULT;
        r = userfaultfd_register(ctx, v[0], v[1], v[2], &v[3]);
        if (!r && put_user_struct(p, arg + 3 * sizeof(v[0]), &v[3], sizeof(v[3])))
            return -EFAULT;
        return r;
    case UFFDIO_UNREGISTER: /* {start, len} */
    case UFFDIO_WAKE:
        if (get_user_struct(p, v, arg, 2 * sizeof(v[0])))
            return -EFAULT;
        r = req == UFFDIO_WAKE ? userfaultfd_wake(ctx, v[0], v[1])
                               : userfaultfd_unregister(ctx, v[0], v[1]);
        wake_hints(p->emu, ctx);
        return r;
    case UFFDIO_COPY: /* {dst, src, len, mode, copy} */
        if (get_user_struct(p, v, arg, 4 * sizeof(v[0])))
            return -EFAULT;
        return uffd_fill(p, ctx, v[0], v[1], v[2], v[3], arg + 4 * sizeof(v[0]), false);
    case UFFDIO_ZEROPAGE: /* {range {start, len}, mode, zeropage} */
        if (get_user_struct(p, v, arg, 3 * sizeof(v[0])))
            return -EFAULT;
        return uffd_fill(p, ctx, v[0], 0, v[1], v[2], arg + 3 * sizeof(v[0]), true);
    default:
        return -EINVAL;
    }
}
