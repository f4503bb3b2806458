/*
 * sys_pidfd.c - pidfd_open, pidfd_send_signal and waitid(P_PIDFD) (kernel/pid.c, kernel/signal.c,
 * kernel/exit.c).
 *
 * A pidfd names a process (a thread group, by its leader) without the race of reusing its pid:
 * poll/epoll see it readable once the whole group has exited, a signal can be sent through it,
 * and waitid can wait for it. As with a signalfd, the guest fd wraps a host eventfd that stands
 * for "the process has exited": pidfd_exited() writes it when the group is gone, so everything
 * that waits on host fds works unchanged. The fd has no read or write (EINVAL, as Linux's).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/fdtable.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/syscall.h"

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

struct pidfd_ctx {
    int pid; /* the thread group's leader */
    int efd; /* the ofd's host fd: an eventfd, 1 once the group has exited */
    bool exited;
    struct emu *emu;
    struct pidfd_ctx *next;
};

static void mark_exited(struct pidfd_ctx *c)
{
    uint64_t v = 1;
    if (!c->exited && write(c->efd, &v, sizeof(v)) == sizeof(v))
        c->exited = true;
}

void pidfd_exited(struct emu *e, int tgid)
{
    for (struct pidfd_ctx *c = e->pidfds; c; c = c->next)
        if (c->pid == tgid)
            mark_exited(c);
}

void pidfd_release(struct pidfd_ctx *c)
{
    for (struct pidfd_ctx **pp = &c->emu->pidfds; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    free(c);
}

int pidfd_pid(struct proc *p, int fd)
{
    struct ofd *o = fd_get(p->files, fd);
    return o && o->pidfd ? o->pidfd->pid : -EBADF;
}

/* pidfd_open(pid, flags): a pidfd for the process pid leads; a zombie is still a process. */
long sys_pidfd_open(struct proc *p, const uint64_t a[6])
{
    int pid = (int)a[0];
    unsigned flags = (unsigned)a[1];
    if (flags & ~(unsigned)PIDFD_NONBLOCK || pid <= 0)
        return -EINVAL;
    struct proc *q = find_proc(p->emu, pid);
    if (!q || q->reaped)
        return -ESRCH;
    if (q->task.tgid != q->task.pid)
        return -EINVAL; /* a thread that does not lead its group (no PIDFD_THREAD) */
    struct pidfd_ctx *c = calloc(1, sizeof(*c));
    int efd, r = c ? fd_install_eventfd(p->files, flags & PIDFD_NONBLOCK, true, &efd) : -ENOMEM;
    if (r < 0) {
        free(c);
        return r;
    }
    *c = (struct pidfd_ctx){.pid = pid, .efd = efd, .emu = p->emu, .next = p->emu->pidfds};
    p->emu->pidfds = c;
    fd_get(p->files, r)->pidfd = c;
    if (q->exited && !group_has_other_live(q))
        mark_exited(c); /* a zombie: the group is already gone */
    return r;
}
