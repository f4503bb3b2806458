/*
 * sys_fd.c - calls about the fd table itself: dup, dup2, dup3, fcntl, pipe2, poll (fs/file.c,
 * fs/fcntl.c, fs/pipe.c, fs/select.c).
 *
 * What belongs to the fd (its number, close-on-exec) lives in the guest's table; what belongs to
 * the open file description (offset, status flags, locks) lives in the host fd, which every
 * guest fd dup'ed from it shares.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "emu/fasync.h"
#include "emu/fdtable.h"
#include "emu/hostfile.h"
#include "emu/posix_locks.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "emu/userfaultfd.h"

_Static_assert(sizeof(struct flock) == 32, "struct flock is the kernel's");
_Static_assert(sizeof(struct pollfd) == 8, "struct pollfd is the kernel's");

long sys_dup(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    int fd;

    if (!o)
        return -EBADF;
    fd = fd_install(p->files, ofd_hold(o), 0, false);
    if (fd < 0)
        ofd_put(o);
    return fd;
}

/* dup2/dup3 (ksys_dup3): newfd gets oldfd's file, closing what newfd had; close-on-exec only as
 * asked (dup2 clears it). */
static long do_dup3(struct proc *p, int oldfd, int newfd, int flags)
{
    struct ofd *o = fd_get(p->files, oldfd);

    if (!o)
        return -EBADF;
    if (newfd < 0 || newfd >= p->files->nofile) /* rlimit(RLIMIT_NOFILE) */
        return -EBADF;
    if (newfd != oldfd) /* what newfd had is closed: its file's locks go (filp_close) */
        posix_locks_close(p, fd_get(p->files, newfd));
    return fd_install_at(p->files, newfd, ofd_hold(o), flags & O_CLOEXEC);
}

long sys_dup2(struct proc *p, const uint64_t a[6])
{
    int oldfd = (int)a[0], newfd = (int)a[1];

    /* dup2(fd, fd) only checks fd, and leaves its close-on-exec alone. */
    if (oldfd == newfd)
        return fd_get(p->files, oldfd) ? newfd : -EBADF;
    return do_dup3(p, oldfd, newfd, 0);
}

long sys_dup3(struct proc *p, const uint64_t a[6])
{
    int flags = (int)a[2];

    if (flags & ~O_CLOEXEC)
        return -EINVAL;
    if ((int)a[0] == (int)a[1])
        return -EINVAL;
    return do_dup3(p, (int)a[0], (int)a[1], flags);
}

/* The OFD lock commands: the host's, on the guest's description, whose own it is (a fork's
 * child shares it, as in Linux); struct flock has the same layout on both sides. A waiting
 * F_OFD_SETLKW parks and tries again rather than stopping every guest. The POSIX commands are
 * per process: emu/posix_locks.c. */
static long fcntl_ofd_lock(struct proc *p, struct ofd *o, int cmd, uint64_t uarg)
{
    struct flock fl;

    if (get_user_struct(p, &fl, uarg, sizeof(fl)))
        return -EFAULT;
    if (fcntl(o->hostfd, cmd == F_OFD_SETLKW ? F_OFD_SETLK : cmd, &fl) < 0)
        return (errno == EAGAIN || errno == EACCES) && cmd == F_OFD_SETLKW ? park_retry_after(p, 10)
                                                                           : -errno;
    if (cmd == F_OFD_GETLK)
        return put_user_struct(p, uarg, &fl, sizeof(fl));
    return 0;
}

long sys_fcntl(struct proc *p, const uint64_t a[6])
{
    int fd = (int)a[0], cmd = (int)a[1];
    struct ofd *o = fd_get(p->files, fd);
    long r;

    if (!o)
        return -EBADF;
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        /* the argument is an unsigned long; past RLIMIT_NOFILE it is EINVAL (f_dupfd) */
        if (a[2] >= (uint64_t)p->files->nofile)
            return -EINVAL;
        r = fd_install(p->files, ofd_hold(o), (int)a[2], cmd == F_DUPFD_CLOEXEC);
        if (r < 0)
            ofd_put(o);
        return r;
    case F_GETFD:
        return fd_get_cloexec(p->files, fd) ? FD_CLOEXEC : 0;
    case F_SETFD:
        fd_set_cloexec(p->files, fd, a[2] & FD_CLOEXEC);
        return 0;
    case F_GETFL:
        r = fcntl(o->hostfd, F_GETFL);
        if (r >= 0 && o->host_nonblock) /* the guest sees its own O_NONBLOCK, not ours */
            r = (r & ~O_NONBLOCK) | (o->flags & O_NONBLOCK);
        if (r >= 0) /* and its own O_ASYNC, which the host fd never has */
            r = (r & ~O_ASYNC) | (o->flags & O_ASYNC);
        /* and the access mode it opened a file procfs made with: the host has the memfd
         * behind it open read-write (until 2026-12-07 F_GETFL said O_RDWR for a read-only
         * /proc/PID/statm, and Chromium's CHECK that it is read-only killed its browser) */
        if (r >= 0 && (o->proc_made || o->kmsg)) /* and /dev/kmsg's eventfd */
            r = (r & ~O_ACCMODE) | (o->flags & O_ACCMODE);
        return host_ret(r);
    case F_SETFL: {
        /* The host decides which status flags may change (O_APPEND, O_NONBLOCK, O_DIRECT,
         * O_NOATIME) and refuses what Linux refuses. O_ASYNC stays off the host fd, which
         * would signal faultline: it is the guest's (emu/fasync.h), and a change of it puts the
         * file on the list or takes it off, as setfl calls ->fasync. */
        bool async = a[2] & O_ASYNC;
        if (fcntl(o->hostfd, F_SETFL,
                  ((int)a[2] & ~O_ASYNC) | (o->host_nonblock ? O_NONBLOCK : 0)) < 0)
            return -errno;
        if (async != ((o->flags & O_ASYNC) != 0) && (r = fasync_set(p, o, fd, async)) < 0)
            return r;
        r = fcntl(o->hostfd, F_GETFL);
        int acc = o->flags & O_ACCMODE; /* setfl never changes it; a memfd's host one differs */
        if (r >= 0)
            o->flags = o->host_nonblock ? (int)((r & ~O_NONBLOCK) | (a[2] & O_NONBLOCK)) : (int)r;
        o->flags = (o->flags & ~(O_ASYNC | O_ACCMODE)) | (async ? O_ASYNC : 0) | acc;
        return 0;
    }
    case F_GETOWN:
    case F_SETOWN:
    case F_GETOWN_EX:
    case F_SETOWN_EX:
    case F_GETSIG:
    case F_SETSIG:
        /* the guest's owner and signal, never the host fd's (emu/fasync.h) */
        return fasync_fcntl(p, o, fd, cmd, a[2]);
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
        return posix_lock(p, o, cmd, a[2]);
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
        return fcntl_ofd_lock(p, o, cmd, a[2]);
    case F_ADD_SEALS: {
        /* memfd_add_seals: F_SEAL_WRITE while the file is mapped shared and writable is EBUSY
         * (mapping_deny_writable). The mappings are the model's, which the host does not see;
         * its answer comes first where it refuses for another reason (F_SEAL_SEAL, a file that
         * cannot be sealed). */
        int seals = fcntl(o->hostfd, F_GET_SEALS);
        if (seals >= 0 && !(seals & F_SEAL_SEAL) && (a[2] & F_SEAL_WRITE) &&
            !(seals & F_SEAL_WRITE) && !(a[2] & ~(uint64_t)0x1f) && hostfile_writably_mapped(o))
            return -EBUSY;
        return host_ret(fcntl(o->hostfd, cmd, (int)a[2]));
    }
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
    case F_GET_SEALS:
        /* integer argument and result, all about the file itself */
        return host_ret(fcntl(o->hostfd, cmd, (int)a[2]));
    default:
        /* leases, F_NOTIFY, F_GETOWNER_UIDS, the write hints: not kept */
        return -EINVAL;
    }
}

/* pipe2: the host's pipe. Both fds are installed, then the pair is copied out; if that faults
 * both are closed again, as Linux's do_pipe2 does. */
long sys_pipe2(struct proc *p, const uint64_t a[6])
{
    int flags = (int)a[1], hfd[2], fd[2];
    struct ofd *o[2];

    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
        return -EINVAL;
    /* host O_NONBLOCK always: a guest read of an empty pipe parks the reader (emu/sched.h) */
    if (pipe2(hfd, (flags & ~O_CLOEXEC) | O_CLOEXEC | O_NONBLOCK) < 0)
        return -errno;
    o[0] = ofd_new(hfd[0], O_RDONLY | (flags & ~O_CLOEXEC), NULL);
    o[1] = ofd_new(hfd[1], O_WRONLY | (flags & ~O_CLOEXEC), NULL);
    o[0]->host_nonblock = o[1]->host_nonblock = true;
    long r = fd_install_pair(p->files, o, flags & O_CLOEXEC, fd);
    if (!r && put_user_struct(p, a[0], fd, sizeof(fd))) {
        fd_close(p->files, fd[0]);
        fd_close(p->files, fd[1]);
        r = -EFAULT;
    }
    return r;
}

/* pipe(fds): pipe2 without flags. */
long sys_pipe(struct proc *p, const uint64_t a[6])
{
    const uint64_t b[6] = {a[0], 0};
    return sys_pipe2(p, b);
}

/*
 * poll: the guest's pollfd array with guest fd numbers swapped for host ones, polled on the
 * host, revents copied back. A negative fd is skipped (revents 0), a guest fd that is not open
 * reports POLLNVAL, as Linux's do_pollfd does. A wait parks the process (emu/sched.h) rather
 * than block faultline: with a timeout, until something is ready or the time is up; without one,
 * until something is ready. Either way a handler ends it with EINTR, with or without
 * SA_RESTART: Linux never restarts poll or select after a handler (ERESTARTNOHAND). A set with
 * a host fd that is no guest pipe (a terminal, a socket to a host process) is `external`: when
 * every guest waits, the scheduler polls it on the host (the Python REPL's readline waits in
 * pselect6 on the terminal while its other threads run).
 */
/* poll on guest pollfds g (guest fd numbers, in host memory): revents filled in; the count of
 * ready fds, -FL_ERESTARTSYS when parked, or -errno. */
static long poll_common(struct proc *p, struct pollfd *g, uint64_t nfds, int timeout)
{
    int nval = 0;
    bool external = false;
    long r;
    struct pollfd *h = calloc(nfds ? nfds : 1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    for (uint64_t i = 0; i < nfds; i++) {
        struct ofd *o = g[i].fd >= 0 ? fd_get(p->files, g[i].fd) : NULL;
        h[i].fd = !o ? -1 : o->uffd ? userfaultfd_poll_hostfd(o) : o->hostfd;
        h[i].events = g[i].events;
        nval += g[i].fd >= 0 && !o;
        external |= o && (o->external || !o->host_nonblock);
    }
    /* POLLNVAL is an event: with one, the call returns at once */
    bool endless = timeout < 0;
    timed_wait_start(p, timeout);
    r = poll(h, nfds, 0);
    if (r == 0 && !nval && (endless || timed_wait_time_left(p, timeout))) {
        /* only another guest process, or the clock, can end the wait: park (emu/sched.h) */
        p->polling = true;
        proc_park_poll(p, h, nfds);
        p->wait_external = external;
        r = -FL_ERESTARTSYS;
    } else if (r < 0) {
        r = -errno;
    } else {
        for (uint64_t i = 0; i < nfds; i++) {
            g[i].revents = h[i].revents;
            if (g[i].fd >= 0 && h[i].fd < 0) {
                g[i].revents = POLLNVAL;
                r++;
            }
        }
    }
    timed_wait_over(p, r, timeout);
    free(h);
    return r;
}

static long do_poll(struct proc *p, uint64_t ufds, uint64_t nfds, int timeout)
{
    long r;

    if (nfds > (uint64_t)p->files->nofile) /* rlimit(RLIMIT_NOFILE) */
        return -EINVAL;
    struct pollfd *g = calloc(nfds ? nfds : 1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    if (get_user_struct(p, g, ufds, nfds * sizeof(*g)))
        r = -EFAULT;
    else if ((r = poll_common(p, g, nfds, timeout)) >= 0 &&
             put_user_struct(p, ufds, g, nfds * sizeof(*g)))
        r = -EFAULT;
    free(g);
    return r;
}

long sys_poll(struct proc *p, const uint64_t a[6])
{
    return do_poll(p, a[0], a[1], (int)a[2]);
}

/*
 * The time left of a select, pselect6 or ppoll (poll_select_set_timeout and
 * poll_select_copy_remaining): the call's end is its first try's time plus the timeout as given,
 * and when it returns, or a handler ends it, what is left of that is written back over the
 * timeout (zero once it has passed). A zero timeout is left alone. glibc's select() is pselect6
 * on a copy it converts back, so every select() sees this. A write that faults is ignored, as in
 * Linux (the call's result stands).
 */
static void select_timeout_begin(struct proc *p, uint64_t uaddr, const struct timespec *ts,
                                 bool timeval)
{
    if (p->polling)
        return; /* a retry of a parked call: its first try's clock goes on */
    p->select_utime = uaddr && (ts->tv_sec || ts->tv_nsec) ? uaddr : 0;
    p->select_utime_timeval = timeval;
    p->select_sec = ts->tv_sec;
    p->select_nsec = ts->tv_nsec;
    p->select_start = monotonic_ns();
}

void select_copy_remaining(struct proc *p)
{
    if (!p->select_utime)
        return;
    uint64_t elapsed = monotonic_ns() - p->select_start;
    /* the timeout less the time elapsed, in seconds and ns: a timeout of any size, no overflow */
    int64_t sec = p->select_sec - (int64_t)(elapsed / 1000000000u);
    int64_t nsec = p->select_nsec - (int64_t)(elapsed % 1000000000u);
    if (nsec < 0) {
        nsec += 1000000000;
        sec--;
    }
    if (sec < 0)
        sec = nsec = 0;
    if (p->select_utime_timeval) {
        struct timeval tv = {sec, nsec / 1000};
        (void)put_user_struct(p, p->select_utime, &tv, sizeof(tv));
    } else {
        struct timespec ts = {sec, nsec};
        (void)put_user_struct(p, p->select_utime, &ts, sizeof(ts));
    }
    p->select_utime = 0;
}

/* The end of a select, pselect6 or ppoll: r is what it returns; a parked one goes on. */
static long select_timeout_end(struct proc *p, long r)
{
    if (r != -FL_ERESTARTSYS)
        select_copy_remaining(p);
    return r;
}

/* ppoll(fds, nfds, timespec, sigmask, sigsetsize): poll with a timespec (the wait rounded up to
 * whole milliseconds, the time left written back as select's) and a signal mask for the wait, as
 * pselect6's. */
long sys_ppoll(struct proc *p, const uint64_t a[6])
{
    int timeout = -1;
    struct timespec ts = {0, 0};
    if (a[2]) {
        if (get_user_struct(p, &ts, a[2], sizeof(ts)))
            return -EFAULT;
        if (!timespec_valid(&ts))
            return -EINVAL;
        timeout = timespec_ms_ceil(&ts);
    }
    if (!a[3]) {
        select_timeout_begin(p, a[2], &ts, false);
        return select_timeout_end(p, do_poll(p, a[0], a[1], timeout));
    }
    uint64_t mask;
    if (a[4] != sizeof(mask))
        return -EINVAL;
    if (get_user_struct(p, &mask, a[3], sizeof(mask)))
        return -EFAULT;
    select_timeout_begin(p, a[2], &ts, false);
    wait_sigmask_begin(p, mask);
    long r = do_poll(p, a[0], a[1], timeout);
    wait_sigmask_end(p, r);
    return select_timeout_end(p, r);
}

/* The fd_set bits of select(2) as Linux's do_select reads them from poll events. */
#define FL_POLLIN_SET  (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define FL_POLLOUT_SET (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define FL_POLLEX_SET  POLLPRI

/*
 * select and pselect6 as poll over the fds named in the three sets (core_sys_select): a named
 * fd that is not open is EBADF; the sets are rewritten with the ready bits, the count of bits
 * returned. The wait is rounded up to whole milliseconds; the callers write the time left of the
 * exact timeout back (select_timeout_end).
 */
static long do_select(struct proc *p, int n, const uint64_t uset[3], int timeout)
{
    if (n < 0)
        return -EINVAL;
    /* core_sys_select reads no further than the table goes (max_fds); the first 1024 bits
     * (FD_SETSIZE) are always read, as when the table had a fixed 1024 slots, so an fd set
     * there that is not open stays EBADF, whatever size the host's table would have */
    if (n > p->files->max_fds && n > 1024)
        n = p->files->max_fds > 1024 ? p->files->max_fds : 1024;
    size_t words = ((size_t)n + 63) / 64, bytes = words * 8;
    static const short ev[3] = {POLLIN, POLLOUT, POLLPRI};
    /* in[k] and out[k] are the words of set k; a table grown to fs.nr_open has 16K of them */
    uint64_t *bits = calloc(words ? 6 * words : 1, sizeof(*bits)), *in[3], *out[3];
    struct pollfd *g = calloc(n ? n : 1, sizeof(*g));
    uint64_t nfds = 0;
    long r = -EBADF;

    if (!g || !bits) {
        r = -ENOMEM;
        goto out;
    }
    for (int k = 0; k < 3; k++) {
        in[k] = bits + k * words;
        out[k] = bits + (3 + k) * words;
    }
    for (int k = 0; k < 3; k++)
        if (uset[k] && bytes && get_user_struct(p, in[k], uset[k], bytes)) {
            r = -EFAULT;
            goto out;
        }
    for (int fd = 0; fd < n; fd++) {
        short events = 0;
        for (int k = 0; k < 3; k++)
            if (in[k][fd / 64] >> (fd % 64) & 1)
                events |= ev[k];
        if (!events)
            continue;
        if (!fd_get(p->files, fd))
            goto out; /* -EBADF */
        g[nfds++] = (struct pollfd){.fd = fd, .events = events};
    }
    r = poll_common(p, g, nfds, timeout);
    if (r >= 0) {
        r = 0;
        for (uint64_t i = 0; i < nfds; i++) {
            int fd = g[i].fd;
            short re = g[i].revents;
            bool hit[3] = {(g[i].events & POLLIN) && (re & FL_POLLIN_SET),
                           (g[i].events & POLLOUT) && (re & FL_POLLOUT_SET),
                           (g[i].events & POLLPRI) && (re & FL_POLLEX_SET)};
            for (int k = 0; k < 3; k++)
                if (hit[k]) {
                    out[k][fd / 64] |= 1ULL << (fd % 64);
                    r++;
                }
        }
        for (int k = 0; k < 3; k++)
            if (uset[k] && bytes && put_user_struct(p, uset[k], out[k], bytes))
                r = -EFAULT;
    }
out:
    free(bits);
    free(g);
    return r;
}

long sys_select(struct proc *p, const uint64_t a[6])
{
    int timeout = -1;
    struct timespec ts = {0, 0};
    if (a[4]) {
        struct timeval tv;
        if (get_user_struct(p, &tv, a[4], sizeof(tv)))
            return -EFAULT;
        /* kern_select: whole seconds of tv_usec carry into tv_sec, the rest must leave a
         * valid timespec (a negative remainder does not); the sum wraps as in the kernel. */
        ts = (struct timespec){(long)((uint64_t)tv.tv_sec + (uint64_t)(tv.tv_usec / 1000000)),
                               (tv.tv_usec % 1000000) * 1000};
        if (!timespec_valid(&ts))
            return -EINVAL;
        timeout = timespec_ms_ceil(&ts);
    }
    const uint64_t sets[3] = {a[1], a[2], a[3]};
    select_timeout_begin(p, a[4], &ts, true);
    return select_timeout_end(p, do_select(p, (int)a[0], sets, timeout));
}

/* pselect6(n, in, out, ex, timespec, {sigmask, size}): the mask replaces the blocked set for the
 * wait, as epoll_pwait's does. */
long sys_pselect6(struct proc *p, const uint64_t a[6])
{
    int timeout = -1;
    long r;
    struct timespec ts = {0, 0};
    if (a[4]) {
        if (get_user_struct(p, &ts, a[4], sizeof(ts)))
            return -EFAULT;
        if (!timespec_valid(&ts))
            return -EINVAL;
        timeout = timespec_ms_ceil(&ts);
    }
    uint64_t sig[2] = {0, 0}, mask;
    if (a[5] && get_user_struct(p, sig, a[5], sizeof(sig)))
        return -EFAULT;
    const uint64_t sets[3] = {a[1], a[2], a[3]};
    if (!sig[0]) {
        select_timeout_begin(p, a[4], &ts, false);
        return select_timeout_end(p, do_select(p, (int)a[0], sets, timeout));
    }
    if (sig[1] != sizeof(uint64_t))
        return -EINVAL;
    if (get_user_struct(p, &mask, sig[0], sizeof(mask)))
        return -EFAULT;
    select_timeout_begin(p, a[4], &ts, false);
    wait_sigmask_begin(p, mask);
    r = do_select(p, (int)a[0], sets, timeout);
    wait_sigmask_end(p, r);
    return select_timeout_end(p, r);
}

/*
 * flock(fd, op): the host's lock on the host file, so it also excludes other host processes. A
 * blocking LOCK_SH/LOCK_EX is tried without blocking, and a held lock parks the process for
 * FLOCK_RETRY_MS before it tries again (the holder may be another guest process, which must get
 * to run to let go); a handler ends the wait with EINTR unless SA_RESTART.
 */
#define FLOCK_RETRY_MS 10
long sys_flock(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    int op = (int)a[1];
    if (!o)
        return -EBADF;
    p->wait_deadline = 0; /* a retry starts afresh */
    if (flock(o->hostfd, op | LOCK_NB) == 0)
        return 0;
    if (errno != EWOULDBLOCK || (op & LOCK_NB) || (op & LOCK_UN))
        return -errno;
    return park_retry_after(p, FLOCK_RETRY_MS);
}

/* eventfd2(initval, flags): the host's eventfd, non-blocking on the host like a guest pipe, so
 * a read of a zero counter (or a write that would overflow it) parks the process until another
 * guest process writes (reads); EFD_NONBLOCK is the guest's own flag. */
long sys_eventfd2(struct proc *p, const uint64_t a[6])
{
    int flags = (int)a[1];
    if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
        return -EINVAL;
    int h = eventfd((unsigned)a[0], (flags & EFD_SEMAPHORE) | EFD_CLOEXEC | EFD_NONBLOCK);
    if (h < 0)
        return -errno;
    return fd_install_nonblocking(p->files, h, flags & EFD_NONBLOCK, flags & EFD_CLOEXEC, false);
}

long sys_eventfd(struct proc *p, const uint64_t a[6])
{
    const uint64_t b[6] = {a[0], 0};
    return sys_eventfd2(p, b);
}

/* timerfd_create(clock, flags): the host's timerfd. Its expiries come from the host's clock, so
 * it is `external`: a process parked reading it, with every other one parked too, is waited
 * for on the host (emu/run.c), not taken for a deadlock. TFD_NONBLOCK is the guest's flag. */
long sys_timerfd_create(struct proc *p, const uint64_t a[6])
{
    int flags = (int)a[1];
    if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
        return -EINVAL;
    int h = timerfd_create((int)a[0], TFD_CLOEXEC | TFD_NONBLOCK);
    if (h < 0)
        return -errno;
    return fd_install_nonblocking(p->files, h, flags & TFD_NONBLOCK, flags & TFD_CLOEXEC, true);
}

/* timerfd_settime(fd, flags, new, old) and timerfd_gettime(fd, cur): struct itimerspec is the
 * same for guest and host, copied through. */
long sys_timerfd_settime(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    struct itimerspec in, old;
    if (!o)
        return -EBADF;
    if (get_user_struct(p, &in, a[2], sizeof(in)))
        return -EFAULT;
    if (timerfd_settime(o->hostfd, (int)a[1], &in, &old) < 0)
        return -errno;
    if (a[3] && put_user_struct(p, a[3], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

long sys_timerfd_gettime(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    struct itimerspec cur;
    if (!o)
        return -EBADF;
    if (timerfd_gettime(o->hostfd, &cur) < 0)
        return -errno;
    if (put_user_struct(p, a[1], &cur, sizeof(cur)))
        return -EFAULT;
    return 0;
}
