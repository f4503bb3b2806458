/*
 * sys_signalfd.c - signalfd, signalfd4 (fs/signalfd.c).
 *
 * A signalfd takes pending signals of its mask as struct signalfd_siginfo records instead of
 * delivering them: read(2) dequeues them, and poll/epoll see it readable while one is pending.
 * The signals are the model's, not the host's, so the guest fd wraps a host eventfd that stands
 * for "a signal of the mask is pending": signalfd_sync() sets or drains it whenever the pending
 * sets change, and everything that waits on host fds (poll, epoll, a blocking read parked on the
 * fd) then works unchanged.
 *
 * Whose signals: a read takes the reading thread's own and its thread group's, as Linux's; the
 * readiness follows the thread that created the signalfd and its group (Linux's signalfd_poll
 * asks the polling thread: the same for the usual single reader).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/fdtable.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "mmu/uaccess.h"

struct signalfd_ctx {
    uint64_t mask;
    int efd;   /* the ofd's host fd: an eventfd, 1 while ready */
    int owner; /* the creating thread's pid */
    struct shared_pending *shared;
    struct emu *emu;
    bool ready;
    struct signalfd_ctx *next;
};

_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo is 128 bytes");

void signalfd_sync(struct emu *e)
{
    for (struct signalfd_ctx *c = e->signalfds; c; c = c->next) {
        struct proc *owner = find_proc(e, c->owner);
        uint64_t pending = c->shared->set | (owner && !owner->exited ? owner->pending : 0);
        bool ready = (pending & c->mask) != 0;
        uint64_t v = 1;
        if (ready && !c->ready && write(c->efd, &v, sizeof(v)) == sizeof(v))
            c->ready = true;
        else if (!ready && c->ready && read(c->efd, &v, sizeof(v)) >= 0)
            c->ready = false;
    }
}

void signalfd_release(struct signalfd_ctx *c)
{
    for (struct signalfd_ctx **pp = &c->emu->signalfds; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    shared_pending_put(c->shared);
    free(c);
}

/* signalfd_copyinfo: the fields of siginfo's union that the signal's kind fills. */
static void copy_info(struct signalfd_siginfo *ss, const struct fl_siginfo *info)
{
    memset(ss, 0, sizeof(*ss));
    ss->ssi_signo = (uint32_t)info->si_signo;
    ss->ssi_errno = info->si_errno;
    ss->ssi_code = info->si_code;
    switch (info->si_signo) {
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
        if (info->si_code > 0) { /* raised by the CPU, not sent */
            ss->ssi_addr = info->u.fault.addr;
            return;
        }
        break;
    case SIGCHLD:
        if (info->si_code > 0) {
            ss->ssi_pid = (uint32_t)info->u.chld.pid;
            ss->ssi_uid = info->u.chld.uid;
            ss->ssi_status = info->u.chld.status;
            ss->ssi_utime = (uint64_t)info->u.chld.utime;
            ss->ssi_stime = (uint64_t)info->u.chld.stime;
            return;
        }
        break;
    default:
        break;
    }
    if (info->si_code == FL_SI_TIMER) {
        ss->ssi_tid = (uint32_t)info->u.timer.tid;
        ss->ssi_overrun = (uint32_t)info->u.timer.overrun;
        ss->ssi_ptr = info->u.timer.value;
        ss->ssi_int = (int32_t)info->u.timer.value;
    } else if (info->si_code > 0 && info->si_code <= 6) { /* POLL_IN .. POLL_HUP: SIL_POLL */
        ss->ssi_band = (uint32_t)info->u.poll.band;
        ss->ssi_fd = info->u.poll.fd;
    } else if (info->si_code <= 0) { /* kill, tkill, sigqueue: who sent it */
        ss->ssi_pid = (uint32_t)info->u.kill.pid;
        ss->ssi_uid = info->u.kill.uid;
    }
}

long signalfd_read(struct proc *p, struct ofd *o, uint64_t buf, uint64_t len)
{
    struct signalfd_ctx *c = o->signalfd;
    uint64_t n = 0, count = len / sizeof(struct signalfd_siginfo);
    if (!count)
        return -EINVAL;
    while (n < count) {
        int signo = next_signal(sigpending_all(p) & c->mask);
        if (!signo)
            break;
        struct fl_siginfo info = dequeue_signal(p, signo);
        struct signalfd_siginfo ss;
        copy_info(&ss, &info);
        if (copy_to_user(&p->task, buf + n * sizeof(ss), &ss, sizeof(ss)))
            return n ? (long)(n * sizeof(ss)) : -EFAULT;
        n++;
    }
    /* none pending: EAGAIN, which parks a blocking read on the eventfd (emu/syscall.c) */
    return n ? (long)(n * sizeof(struct signalfd_siginfo)) : -EAGAIN;
}

/* signalfd4(fd, mask, sizemask, flags): fd -1 makes a signalfd, an existing one gets the mask. */
long sys_signalfd4(struct proc *p, const uint64_t a[6])
{
    int fd = (int)a[0], flags = (int)a[3];
    uint64_t mask;
    if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK) || a[2] != sizeof(mask))
        return -EINVAL;
    if (get_user_bytes(&p->task, &mask, a[1], sizeof(mask)))
        return -EFAULT;
    mask &= ~(sigmask_of(SIGKILL) | sigmask_of(SIGSTOP));
    if (fd != -1) {
        struct ofd *o = fd_get(p->files, fd);
        if (!o)
            return -EBADF;
        if (!o->signalfd)
            return -EINVAL;
        o->signalfd->mask = mask;
        signalfd_sync(p->emu);
        return fd;
    }
    struct signalfd_ctx *c = calloc(1, sizeof(*c));
    int efd, r = c ? fd_install_eventfd(p->files, flags & SFD_NONBLOCK, flags & SFD_CLOEXEC, &efd)
                   : -ENOMEM;
    if (r < 0) {
        free(c);
        return r;
    }
    *c = (struct signalfd_ctx){.mask = mask,
                               .efd = efd,
                               .owner = p->task.pid,
                               .shared = shared_pending_hold(p->shared),
                               .emu = p->emu,
                               .next = p->emu->signalfds};
    p->emu->signalfds = c;
    fd_get(p->files, r)->signalfd = c;
    signalfd_sync(p->emu);
    return r;
}

long sys_signalfd(struct proc *p, const uint64_t a[6])
{
    const uint64_t b[6] = {a[0], a[1], a[2], 0};
    return sys_signalfd4(p, b);
}
