/*
 * sys_epoll.c - epoll_create1, epoll_ctl, epoll_wait and epoll_pwait (fs/eventpoll.c) on a host
 * epoll instance.
 *
 * Every guest fd is a host fd, so the guest's epoll instance is a host one, with the guest's
 * interest list in it (host fds for guest fds, the guest's 64-bit data passed through). The
 * host reports readiness; faultline only translates. A wait parks the process as poll(2)'s does
 * (emu/sched.h): with a timeout until events or the time is up, without one until events. An
 * instance that has watched a host fd that is no guest pipe (a terminal, a socket to a host
 * process) is `external`: when every guest waits, the scheduler polls it on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "emu/userfaultfd.h"

/* struct epoll_event as x86-64 lays it out: packed, 12 bytes. */
struct guest_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));

#define EP_MAX_EVENTS (INT32_MAX / (int)sizeof(struct guest_epoll_event))

static long epoll_new(struct proc *p, int flags)
{
    if (flags & ~EPOLL_CLOEXEC)
        return -EINVAL;
    int hostfd = epoll_create1(EPOLL_CLOEXEC);
    if (hostfd < 0)
        return -errno;
    struct ofd *o = ofd_new(hostfd, O_RDWR, NULL);
    o->epoll = true;
    int fd = fd_install(p->files, o, 0, flags & EPOLL_CLOEXEC); /* takes our reference */
    if (fd < 0)
        ofd_put(o);
    return fd;
}

long sys_epoll_create1(struct proc *p, const uint64_t a[6])
{
    return epoll_new(p, (int)a[0]);
}

long sys_epoll_create(struct proc *p, const uint64_t a[6])
{
    return (int)a[0] <= 0 ? -EINVAL : epoll_new(p, 0);
}

/* The epoll instance behind guest fd epfd: -EBADF if none is open there, -EINVAL if it is not
 * an epoll fd. */
static long epoll_get(struct proc *p, int epfd, struct ofd **out)
{
    struct ofd *o = fd_get(p->files, epfd);
    if (!o)
        return -EBADF;
    if (!o->epoll)
        return -EINVAL;
    *out = o;
    return 0;
}

/* Does the host's epoll still have the item on host fd hostfd (the file there now)? */
static bool epoll_item_live(const struct ofd *ep, int hostfd)
{
    struct {
        uint32_t efd, tfd, toff;
    } slot = {(uint32_t)ep->hostfd, (uint32_t)hostfd, 0};
    pid_t me = getpid();
    return syscall(SYS_kcmp, me, me, 7 /* KCMP_EPOLL_TFD */, hostfd, &slot) == 0;
}

static void epoll_item_add(struct ofd *ep, int tfd, int hostfd, uint64_t serial)
{
    /* A host fd is closed only with its file's last reference, so an item on the same host fd
     * with another file is one whose file is gone: drop it. */
    int n = 0;
    for (int i = 0; i < ep->ep_nitems; i++)
        if (ep->ep_items[i].hostfd != hostfd || ep->ep_items[i].serial == serial)
            ep->ep_items[n++] = ep->ep_items[i];
    ep->ep_nitems = n;
    if (ep->ep_nitems == ep->ep_cap) { /* full: drop the items of closed files first */
        n = 0;
        for (int i = 0; i < ep->ep_nitems; i++)
            if (epoll_item_live(ep, ep->ep_items[i].hostfd))
                ep->ep_items[n++] = ep->ep_items[i];
        ep->ep_nitems = n;
    }
    if (ep->ep_nitems == ep->ep_cap) {
        int cap = ep->ep_cap ? ep->ep_cap * 2 : 8;
        struct epoll_item *n = realloc(ep->ep_items, (size_t)cap * sizeof(*n));
        if (!n)
            return; /* only kcmp misses it */
        ep->ep_items = n;
        ep->ep_cap = cap;
    }
    ep->ep_items[ep->ep_nitems++] = (struct epoll_item){tfd, hostfd, serial};
}

static void epoll_item_del(struct ofd *ep, int tfd, uint64_t serial)
{
    for (int i = 0; i < ep->ep_nitems; i++)
        if (ep->ep_items[i].tfd == tfd && ep->ep_items[i].serial == serial) {
            memmove(&ep->ep_items[i], &ep->ep_items[i + 1],
                    (size_t)(ep->ep_nitems - i - 1) * sizeof(ep->ep_items[0]));
            ep->ep_nitems--;
            return;
        }
}

long sys_epoll_ctl(struct proc *p, const uint64_t a[6])
{
    struct ofd *ep, *o;
    int op = (int)a[1];
    long r = epoll_get(p, (int)a[0], &ep);
    if (r)
        return r;
    if (!(o = fd_get(p->files, (int)a[2])))
        return -EBADF;
    if (o == ep)
        return -EINVAL; /* an instance cannot watch itself */
    struct guest_epoll_event g = {0};
    if (op != EPOLL_CTL_DEL && get_user_struct(p, &g, a[3], sizeof(g)))
        return -EFAULT;
    struct epoll_event h = {.events = g.events, .data.u64 = g.data};
    /* a userfaultfd: the host fd that polls as userfaultfd_poll answers now; DEL and MOD find
     * the one ADD picked, whichever it was */
    int hostfd = o->uffd ? userfaultfd_poll_hostfd(o) : o->hostfd;
    if (epoll_ctl(ep->hostfd, op, hostfd, &h) < 0) {
        int err = errno;
        if (!o->uffd || err != ENOENT || op == EPOLL_CTL_ADD)
            return -err;
        /* added while the other host fd was the pick: DEL it; MOD picks again */
        if (epoll_ctl(ep->hostfd, EPOLL_CTL_DEL, userfaultfd_poll_hostfd_other(o), NULL) < 0)
            return -errno;
        if (op == EPOLL_CTL_MOD && epoll_ctl(ep->hostfd, EPOLL_CTL_ADD, hostfd, &h) < 0)
            return -errno;
    }
    if (op == EPOLL_CTL_ADD && (o->external || !o->host_nonblock))
        ep->external = true; /* a host fd that is no guest pipe: the scheduler polls it */
    if (op == EPOLL_CTL_ADD)
        epoll_item_add(ep, (int)a[2], hostfd, o->serial);
    else if (op == EPOLL_CTL_DEL)
        epoll_item_del(ep, (int)a[2], o->serial);
    return 0;
}

/* KCMP_EPOLL_TFD's lookup (get_epoll_tfile_raw_ptr): the serial of the file the toff-th live
 * item of ep watching guest fd tfd has; -ENOENT if there is none. Linux keys an item by its
 * file and fd and drops it at the file's last close; the host's epoll does the same with the
 * host file, so an item whose host entry is gone (or whose host fd now names another file) is
 * skipped. Items on the same fd with different files come in the order they were added, where
 * Linux sorts them by the files' addresses. */
long epoll_target_serial(struct ofd *ep, int tfd, unsigned toff, uint64_t *serial)
{
    for (int i = 0; i < ep->ep_nitems; i++) {
        const struct epoll_item *it = &ep->ep_items[i];
        if (it->tfd != tfd || !epoll_item_live(ep, it->hostfd))
            continue;
        if (toff-- == 0) {
            *serial = it->serial;
            return 0;
        }
    }
    return -ENOENT;
}

static long epoll_wait_common(struct proc *p, int epfd, uint64_t uevents, int maxevents,
                              int timeout)
{
    struct ofd *ep;
    struct epoll_event *h = NULL;
    struct guest_epoll_event *g = NULL;
    int n = maxevents < 1024 ? maxevents : 1024;
    long r = epoll_get(p, epfd, &ep);
    if (r)
        goto out;
    if (maxevents <= 0 || maxevents > EP_MAX_EVENTS) {
        r = -EINVAL;
        goto out;
    }
    h = calloc(n, sizeof(*h));
    g = calloc(n, sizeof(*g));
    if (!h || !g) {
        r = -ENOMEM;
        goto out;
    }
    bool endless = timeout < 0;
    timed_wait_start(p, timeout);
    r = epoll_wait(ep->hostfd, h, n, 0);
    if (r < 0) {
        r = -errno;
        goto out;
    }
    if (r == 0 && (endless || timed_wait_time_left(p, timeout))) {
        p->polling = true;                      /* a handler ends it with EINTR, as ep_poll does */
        proc_park(p, WAIT_FD_READ, epfd, true); /* an epoll fd reads as ready with events */
        r = -FL_ERESTARTSYS;
        goto out;
    }
    for (long i = 0; i < r; i++)
        g[i] = (struct guest_epoll_event){.events = h[i].events, .data = h[i].data.u64};
    if (r && put_user_struct(p, uevents, g, r * sizeof(*g)))
        r = -EFAULT;
out:
    timed_wait_over(p, r, timeout);
    free(h);
    free(g);
    return r;
}

long sys_epoll_wait(struct proc *p, const uint64_t a[6])
{
    return epoll_wait_common(p, (int)a[0], a[1], (int)a[2], (int)a[3]);
}

/*
 * epoll_pwait with a NULL mask is epoll_wait. A mask replaces the blocked set for the wait, the
 * way rt_sigsuspend's does (set_user_sigmask): while parked, only signals it leaves unblocked
 * wake the process; a handler's frame saves the caller's own mask, and the run loop restores it
 * when no handler ran (emu/run.c), before the parked call is retried.
 */
long sys_epoll_pwait(struct proc *p, const uint64_t a[6])
{
    if (!a[4])
        return sys_epoll_wait(p, a);
    if (a[5] != sizeof(uint64_t))
        return -EINVAL;
    uint64_t mask;
    if (get_user_struct(p, &mask, a[4], sizeof(mask)))
        return -EFAULT;
    wait_sigmask_begin(p, mask);
    long r = epoll_wait_common(p, (int)a[0], a[1], (int)a[2], (int)a[3]);
    wait_sigmask_end(p, r);
    return r;
}
