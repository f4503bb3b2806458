/*
 * sys_aio.c - Linux native AIO (fs/aio.c): io_setup, io_destroy, io_submit, io_cancel,
 * io_getevents, io_pgetevents.
 *
 * Until 2026-12-07 these were ENOSYS, a kernel without CONFIG_AIO, which 4.20 as Debian built
 * it was not: MariaDB's InnoDB said "native AIO failed: falling back to innodb_use_native_aio=OFF"
 * and ran its own I/O threads instead.
 *
 * As in Linux, io_setup maps a ring of completion events into the process (the context's id is
 * its address: libaio reads completions from it without a system call when its magic is there)
 * and io_getevents takes them from it, moving its head. A request runs at once, inside io_submit,
 * through the same emulated pread, pwrite, preadv, pwritev, fsync and fdatasync a program would
 * call (Linux too completes a buffered file's request before io_submit returns); its event goes
 * into the ring then, and to the eventfd IOCB_FLAG_RESFD names. So io_cancel finds nothing in
 * flight (EINVAL, as for a completed request). Not done: IOCB_CMD_POLL (EINVAL), a request that
 * would block (an empty pipe's read) blocks io_submit itself, the [aio] name in maps.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "emu/fdtable.h"
#include "emu/proc.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "kernel_model/arch.h"
#include "kernel_model/mm.h"

#define AIO_RING_MAGIC           0xa10a10a1u
#define AIO_RING_COMPAT_FEATURES 1
#define AIO_MAX_NR               65536 /* /proc/sys/fs/aio-max-nr's default */
#define IOCB_FLAG_RESFD          1u
#define IOCB_FLAG_IOPRIO         2u
enum {
    IOCB_CMD_PREAD,
    IOCB_CMD_PWRITE,
    IOCB_CMD_FSYNC,
    IOCB_CMD_FDSYNC,
    IOCB_CMD_POLL = 5,
    IOCB_CMD_NOOP,
    IOCB_CMD_PREADV,
    IOCB_CMD_PWRITEV
};

/* include/uapi/linux/aio_abi.h */
struct io_event {
    uint64_t data, obj;
    int64_t res, res2;
};
struct iocb {
    uint64_t aio_data;
    uint32_t aio_key, aio_rw_flags;
    uint16_t aio_lio_opcode;
    int16_t aio_reqprio;
    uint32_t aio_fildes;
    uint64_t aio_buf, aio_nbytes;
    int64_t aio_offset;
    uint64_t aio_reserved2;
    uint32_t aio_flags, aio_resfd;
};
/* fs/aio.c's struct aio_ring: the header at the start of the mapping, the events after it */
struct aio_ring {
    uint32_t id, nr, head, tail, magic, compat_features, incompat_features, header_length;
};

/* a context: its mm, its ring's address (the id) and size, the events it holds */
struct kioctx {
    struct kioctx *next;
    const struct mm_struct *mm;
    uint64_t user_id;
    size_t ring_bytes;
    uint32_t nr_events; /* slots in the ring; one stays empty, as in Linux */
    uint32_t tail;      /* the kernel's tail; the head is the ring's, which user space moves */
};

static struct kioctx *ctxs;

static struct kioctx *lookup_ioctx(struct proc *p, uint64_t id)
{
    for (struct kioctx *c = ctxs; c; c = c->next)
        if (c->mm == p->task.mm && c->user_id == id)
            return c;
    return NULL;
}

/* Take c off the list and free it: a task waiting on it sees it gone (aio_wait_ready). */
static void ioctx_free(struct kioctx *c)
{
    for (struct kioctx **l = &ctxs; *l; l = &(*l)->next)
        if (*l == c) {
            *l = c->next;
            break;
        }
    free(c);
}

void exit_aio(struct mm_struct *mm)
{
    for (struct kioctx **l = &ctxs; *l;) {
        struct kioctx *c = *l;
        if (c->mm == mm) {
            *l = c->next;
            free(c);
        } else {
            l = &c->next;
        }
    }
}

static int ring_read(struct proc *p, struct kioctx *c, struct aio_ring *r)
{
    return get_user_struct(p, r, c->user_id, sizeof(*r)) ? -EFAULT : 0;
}

/* events in the ring not yet taken */
static uint32_t ring_avail(struct proc *p, struct kioctx *c)
{
    struct aio_ring r;
    if (ring_read(p, c, &r))
        return 0;
    uint32_t head = r.head % c->nr_events;
    return (c->tail + c->nr_events - head) % c->nr_events;
}

/* io_setup(nr_events, ctxp) (ioctx_alloc, aio_setup_ring): a ring for at least nr_events
 * completions, mapped shared and read-write; its address goes to *ctxp, which must be 0 */
long sys_io_setup(struct proc *p, const uint64_t a[6])
{
    uint64_t old;
    if (get_user_struct(p, &old, a[1], sizeof(old)))
        return -EFAULT;
    if (old)
        return -EINVAL;
    unsigned nr = (unsigned)a[0];
    if (!nr || nr > AIO_MAX_NR)
        return nr ? -EAGAIN : -EINVAL;
    /* ioctx_alloc: room for four per possible CPU (one here), doubled; aio_setup_ring: two more */
    unsigned want = (nr < 4 ? 4 : nr) * 2 + 2;
    size_t bytes = sizeof(struct aio_ring) + (size_t)want * sizeof(struct io_event);
    bytes = (bytes + 4095) & ~(size_t)4095;
    uint64_t args[6] = {0, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, (uint64_t)-1,
                        0};
    long addr = sys_mmap(p, args);
    if (addr < 0)
        return addr == -ENOMEM ? -EAGAIN : addr;
    struct kioctx *c = calloc(1, sizeof(*c));
    if (!c) {
        uint64_t un[6] = {(uint64_t)addr, bytes};
        sys_munmap(p, un);
        return -ENOMEM;
    }
    c->mm = p->task.mm;
    c->user_id = (uint64_t)addr;
    c->ring_bytes = bytes;
    c->nr_events = (uint32_t)((bytes - sizeof(struct aio_ring)) / sizeof(struct io_event));
    struct aio_ring r = {.id = ~0u,
                         .nr = c->nr_events,
                         .magic = AIO_RING_MAGIC,
                         .compat_features = AIO_RING_COMPAT_FEATURES,
                         .header_length = sizeof(struct aio_ring)};
    if (put_user_struct(p, c->user_id, &r, sizeof(r)) ||
        put_user_struct(p, a[1], &c->user_id, sizeof(c->user_id))) {
        uint64_t un[6] = {(uint64_t)addr, bytes};
        sys_munmap(p, un);
        free(c);
        return -EFAULT;
    }
    c->next = ctxs;
    ctxs = c;
    return 0;
}

/* io_destroy(ctx) (kill_ioctx): the ring is unmapped; a task waiting in io_getevents on it
 * wakes with EINVAL */
long sys_io_destroy(struct proc *p, const uint64_t a[6])
{
    struct kioctx *c = lookup_ioctx(p, a[0]);
    if (!c)
        return -EINVAL;
    uint64_t un[6] = {c->user_id, c->ring_bytes};
    ioctx_free(c);
    sys_munmap(p, un);
    return 0;
}

/* the eventfd IOCB_FLAG_RESFD names: one more completion (eventfd_signal) */
static void signal_resfd(struct ofd *o)
{
    uint64_t one = 1;
    if (o && write(o->hostfd, &one, sizeof(one)) < 0) {
        /* a counter at its maximum: Linux's eventfd_signal does not fail either */
    }
}

static bool is_eventfd(struct ofd *o)
{
    char link[64], path[32];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", o->hostfd);
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    if (n < 0)
        return false;
    link[n] = 0;
    return strcmp(link, "anon_inode:[eventfd]") == 0 && !o->signalfd && !o->pidfd && !o->uffd;
}

/* io_submit_one: check the request, run it, queue its event; 0 or the request's error */
static long submit_one(struct proc *p, struct kioctx *c, uint64_t user_iocb)
{
    struct iocb cb;
    if (get_user_struct(p, &cb, user_iocb, sizeof(cb)))
        return -EFAULT;
    if (cb.aio_reserved2)
        return -EINVAL;
    if ((int64_t)cb.aio_nbytes < 0)
        return -EINVAL;
    /* reqs_available: the ring's slots but one, freed as the head moves past events */
    struct aio_ring r;
    if (ring_read(p, c, &r))
        return -EFAULT;
    if ((c->tail + 1) % c->nr_events == r.head % c->nr_events)
        return -EAGAIN;
    struct ofd *resfd = NULL;
    if (cb.aio_flags & IOCB_FLAG_RESFD) {
        resfd = fd_get(p->files, (int)cb.aio_resfd);
        if (!resfd || !is_eventfd(resfd))
            return resfd ? -EINVAL : -EBADF;
    }
    uint32_t key = 0; /* KIOCB_KEY */
    if (put_user_struct(p, user_iocb + offsetof(struct iocb, aio_key), &key, sizeof(key)))
        return -EFAULT;
    struct ofd *o = fd_get(p->files, (int)cb.aio_fildes);
    if (!o)
        return -EBADF;
    uint64_t args[6] = {cb.aio_fildes, cb.aio_buf, cb.aio_nbytes, (uint64_t)cb.aio_offset};
    long res;
    switch (cb.aio_lio_opcode) {
    case IOCB_CMD_PREAD:
        if ((o->flags & O_ACCMODE) == O_WRONLY)
            return -EBADF;
        res = sys_pread64(p, args);
        break;
    case IOCB_CMD_PWRITE:
        if ((o->flags & O_ACCMODE) == O_RDONLY)
            return -EBADF;
        res = sys_pwrite64(p, args);
        break;
    case IOCB_CMD_PREADV:
        if ((o->flags & O_ACCMODE) == O_WRONLY)
            return -EBADF;
        res = sys_preadv(p, args);
        break;
    case IOCB_CMD_PWRITEV:
        if ((o->flags & O_ACCMODE) == O_RDONLY)
            return -EBADF;
        res = sys_pwritev(p, args);
        break;
    case IOCB_CMD_FSYNC:
        res = sys_fsync(p, args);
        break;
    case IOCB_CMD_FDSYNC:
        res = sys_fdatasync(p, args);
        break;
    default: /* IOCB_CMD_POLL is not done here; NOOP and the rest are EINVAL in 4.20 too */
        return -EINVAL;
    }
    if (res == -FL_ERESTARTSYS) {
        /* the request would wait (a pipe): Linux's io_submit blocks in it; here it cannot be
         * retried alone, so it completes with EAGAIN, as a non-blocking request would */
        p->wait = WAIT_NONE;
        p->wait_deadline = 0;
        res = -EAGAIN;
    }
    /* aio_complete: the event at the tail, then the tail moves */
    struct io_event ev = {.data = cb.aio_data, .obj = user_iocb, .res = res};
    uint64_t slot = c->user_id + sizeof(struct aio_ring) + (uint64_t)c->tail * sizeof(ev);
    if (put_user_struct(p, slot, &ev, sizeof(ev)))
        return -EFAULT;
    c->tail = (c->tail + 1) % c->nr_events;
    if (put_user_struct(p, c->user_id + offsetof(struct aio_ring, tail), &c->tail, sizeof(c->tail)))
        return -EFAULT;
    signal_resfd(resfd);
    return 0;
}

/* io_submit(ctx, nr, iocbpp): the requests in order until one fails; how many went in, or the
 * first one's error */
long sys_io_submit(struct proc *p, const uint64_t a[6])
{
    long nr = (long)a[1];
    if (nr < 0)
        return -EINVAL;
    struct kioctx *c = lookup_ioctx(p, a[0]);
    if (!c)
        return -EINVAL;
    if (nr > (long)c->nr_events)
        nr = c->nr_events;
    long i;
    for (i = 0; i < nr; i++) {
        uint64_t user_iocb;
        long r = get_user_struct(p, &user_iocb, a[2] + (uint64_t)i * 8, 8) ? -EFAULT : 0;
        if (!r)
            r = submit_one(p, c, user_iocb);
        if (r)
            return i ? i : r;
    }
    return i;
}

/* io_cancel(ctx, iocb, result): every request has completed by the time io_submit returns, so
 * none is in flight: EINVAL, once the iocb's key could be read (EFAULT first, as in Linux) */
long sys_io_cancel(struct proc *p, const uint64_t a[6])
{
    uint32_t key;
    if (get_user_struct(p, &key, a[1] + offsetof(struct iocb, aio_key), sizeof(key)))
        return -EFAULT;
    return -EINVAL;
}

/* aio_read_events_ring: up to nr events from the head on, the head moved past them */
static long read_events(struct proc *p, struct kioctx *c, long nr, uint64_t uevents)
{
    struct aio_ring r;
    if (ring_read(p, c, &r))
        return -EFAULT;
    uint32_t head = r.head % c->nr_events;
    long got = 0;
    while (got < nr && head != c->tail) {
        struct io_event ev;
        uint64_t slot = c->user_id + sizeof(struct aio_ring) + (uint64_t)head * sizeof(ev);
        if (get_user_struct(p, &ev, slot, sizeof(ev)) ||
            put_user_struct(p, uevents + (uint64_t)got * sizeof(ev), &ev, sizeof(ev)))
            return got ? got : -EFAULT;
        head = (head + 1) % c->nr_events;
        got++;
    }
    if (got &&
        put_user_struct(p, c->user_id + offsetof(struct aio_ring, head), &head, sizeof(head)))
        return -EFAULT;
    return got;
}

bool aio_wait_ready(struct proc *p)
{
    struct kioctx *c = p->aio_wait;
    bool live = false;
    for (struct kioctx *k = ctxs; k; k = k->next)
        live |= k == c;
    return !live || ring_avail(p, c) >= (uint32_t)p->wait_arg;
}

/* do_io_getevents (read_events): at least min_nr events, or what there is when the timeout
 * (relative) ends; a handler ends the wait with EINTR, never restarted (as in Linux) */
static long getevents(struct proc *p, uint64_t ctx, long min_nr, long nr, uint64_t uevents,
                      uint64_t utimeout)
{
    struct kioctx *c = lookup_ioctx(p, ctx);
    bool retry = p->aio_wait != NULL;
    p->aio_wait = NULL;
    if (!c) {
        p->wait_deadline = 0;
        return -EINVAL; /* also a context destroyed while the task waited */
    }
    if (min_nr < 0 || nr < 0 || min_nr > nr)
        return -EINVAL;
    uint64_t deadline = 0;
    if (retry) {
        deadline = p->wait_deadline;
    } else if (utimeout) {
        struct timespec ts;
        if (get_user_struct(p, &ts, utimeout, sizeof(ts)))
            return -EFAULT;
        if (!timespec_valid(&ts))
            return -EINVAL;
        uint64_t ns = timespec_ns(&ts);
        deadline = ns ? monotonic_ns() + ns : 1; /* a zero timeout: what is there now */
    }
    p->wait_deadline = 0;
    bool timed_out = deadline && monotonic_ns() >= deadline;
    if (ring_avail(p, c) >= (uint64_t)min_nr || timed_out || !nr)
        return read_events(p, c, nr, uevents);
    p->aio_wait = c;
    proc_park(p, WAIT_AIO, (int)min_nr, true);
    p->wait_deadline = deadline; /* after proc_park, which may have cleared it */
    return -FL_ERESTARTSYS;
}

long sys_io_getevents(struct proc *p, const uint64_t a[6])
{
    return getevents(p, a[0], (long)a[1], (long)a[2], a[3], a[4]);
}

/* io_pgetevents(..., usig): the same with a signal mask for the wait (as ppoll's), which is
 * not applied here beyond its checks */
long sys_io_pgetevents(struct proc *p, const uint64_t a[6])
{
    if (a[5]) {
        struct {
            uint64_t sigmask, sigsetsize;
        } us;
        if (get_user_struct(p, &us, a[5], sizeof(us)))
            return -EFAULT;
        if (us.sigmask && us.sigsetsize != 8)
            return -EINVAL;
    }
    return getevents(p, a[0], (long)a[1], (long)a[2], a[3], a[4]);
}
