/*
 * fdtable.c - the guest's file descriptor table (models fs/file.c).
 *
 * Invariants:
 *  1. t->fd[i] != NULL  <=>  guest fd i is open; each non-NULL slot holds one reference.
 *  2. cloexec bit i is clear whenever t->fd[i] is NULL.
 *  3. o->refs == 0  <=>  o->hostfd has been closed and o freed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emu/ctty.h"
#include "emu/fdtable.h"
#include "emu/mqueue.h"
#include "emu/signal.h"

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p) {
        fprintf(stderr, "faultline: out of memory\n");
        abort();
    }
    return p;
}

/* Numbers for new ofds and tables: kcmp orders them by it, a key that, unlike their host
 * addresses, is the same from one run to the next. */
static uint64_t next_serial = 1;

struct ofd *ofd_new(int hostfd, int flags, const char *path)
{
    struct ofd *o = xcalloc(1, sizeof(*o));
    struct stat st;

    o->serial = next_serial++;
    o->hostfd = hostfd;
    o->refs = 1;
    o->flags = flags;
    /* The file's type never changes, and read() needs it on every call (regular files and the
     * devices that fill reads are read to the full count, everything else returns after one
     * host read). */
    if (fstat(hostfd, &st) == 0) {
        o->type = st.st_mode & S_IFMT;
        if (S_ISREG(st.st_mode)) {
            o->dev = st.st_dev;
            o->ino = st.st_ino;
        }
        /* the mem devices (major 1) zero 5, full 7, random 8, urandom 9 */
        o->fills_reads = S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
                         (minor(st.st_rdev) == 5 || minor(st.st_rdev) == 7 ||
                          minor(st.st_rdev) == 8 || minor(st.st_rdev) == 9);
        o->pty_master = S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2;
    }
    if (path) {
        o->path = strdup(path);
        if (!o->path) {
            fprintf(stderr, "faultline: out of memory\n");
            abort();
        }
    }
    return o;
}

struct ofd *ofd_hold(struct ofd *o)
{
    o->refs++;
    return o;
}

void ofd_put(struct ofd *o)
{
    if (!o || --o->refs > 0)
        return;
    if (o->signalfd)
        signalfd_release(o->signalfd);
    if (o->pidfd)
        pidfd_release(o->pidfd);
    if (o->mqueue)
        mqueue_release(o->mqueue);
    if (o->pty_master)
        ctty_hostfd_closing(o->hostfd);
    close(o->hostfd);
    free(o->path);
    free(o->proc_regen);
    free(o);
}

static void set_bit_to(uint64_t *bits, int i, bool on)
{
    if (on)
        bits[i / 64] |= 1ULL << (i % 64);
    else
        bits[i / 64] &= ~(1ULL << (i % 64));
}

struct fdtable *fdtable_new_stdio(void)
{
    struct fdtable *t = xcalloc(1, sizeof(*t));

    t->serial = next_serial++;
    t->refs = 1;
    t->nofile = FDTABLE_MAX;
    for (int i = 0; i < 3; i++) {
        /* A dup, so the guest closing its fd 2 does not take faultline's stderr with it. */
        int h = fcntl(i, F_DUPFD_CLOEXEC, 3);
        if (h < 0)
            continue;
        t->fd[i] = ofd_new(h, fcntl(h, F_GETFL), NULL);
    }
    return t;
}

struct fdtable *fdtable_dup(struct fdtable *old)
{
    struct fdtable *t = xcalloc(1, sizeof(*t));

    t->serial = next_serial++;
    t->refs = 1;
    t->nofile = old->nofile;
    for (int i = 0; i < FDTABLE_MAX; i++)
        if (old->fd[i])
            t->fd[i] = ofd_hold(old->fd[i]);
    memcpy(t->cloexec, old->cloexec, sizeof(t->cloexec));
    return t;
}

struct fdtable *fdtable_hold(struct fdtable *t)
{
    t->refs++;
    return t;
}

void fdtable_free(struct fdtable *t)
{
    if (!t || --t->refs > 0)
        return;
    for (int i = 0; i < FDTABLE_MAX; i++)
        ofd_put(t->fd[i]);
    free(t);
}

struct fdtable *fdtable_unshare(struct fdtable *t)
{
    if (t->refs == 1)
        return t;
    struct fdtable *own = fdtable_dup(t);
    fdtable_free(t);
    return own;
}

int fd_lowest_free(struct fdtable *t, int minfd)
{
    if (minfd < 0 || minfd >= FDTABLE_MAX)
        return -EINVAL;
    /* alloc_fd: a free fd at or past the limit is EMFILE, though the table has room */
    for (int i = minfd; i < t->nofile; i++)
        if (!t->fd[i])
            return i;
    return -EMFILE;
}

int fd_install(struct fdtable *t, struct ofd *o, int minfd, bool cloexec)
{
    int fd = fd_lowest_free(t, minfd);

    if (fd < 0)
        return fd;
    t->fd[fd] = o;
    set_bit_to(t->cloexec, fd, cloexec);
    return fd;
}

int fd_install_nonblocking(struct fdtable *t, int hostfd, bool guest_nonblock, bool cloexec,
                           bool external)
{
    struct ofd *o = ofd_new(hostfd, O_RDWR | (guest_nonblock ? O_NONBLOCK : 0), NULL);
    o->host_nonblock = true;
    o->external = external;
    int fd = fd_install(t, o, 0, cloexec);
    if (fd < 0)
        ofd_put(o);
    return fd;
}

int fd_install_eventfd(struct fdtable *t, bool guest_nonblock, bool cloexec, int *efd)
{
    *efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (*efd < 0)
        return -errno;
    return fd_install_nonblocking(t, *efd, guest_nonblock, cloexec, false);
}

int fd_install_pair(struct fdtable *t, struct ofd *o[2], bool cloexec, int fd[2])
{
    fd[0] = fd_install(t, o[0], 0, cloexec);
    if (fd[0] < 0) {
        ofd_put(o[0]);
        ofd_put(o[1]);
        return fd[0];
    }
    fd[1] = fd_install(t, o[1], 0, cloexec);
    if (fd[1] < 0) {
        fd_close(t, fd[0]);
        ofd_put(o[1]);
        return fd[1];
    }
    return 0;
}

int fd_install_at(struct fdtable *t, int fd, struct ofd *o, bool cloexec)
{
    struct ofd *old;

    if (fd < 0 || fd >= FDTABLE_MAX)
        return -EBADF;
    /* Swap first, then drop: the slot is never seen empty (do_dup2 in fs/file.c). */
    old = t->fd[fd];
    t->fd[fd] = o;
    set_bit_to(t->cloexec, fd, cloexec);
    ofd_put(old);
    return fd;
}

struct ofd *fd_get(struct fdtable *t, int fd)
{
    if (!t || fd < 0 || fd >= FDTABLE_MAX)
        return NULL;
    return t->fd[fd];
}

bool fd_get_cloexec(struct fdtable *t, int fd)
{
    return t->cloexec[fd / 64] & (1ULL << (fd % 64));
}

void fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
    set_bit_to(t->cloexec, fd, on);
}

int fd_close(struct fdtable *t, int fd)
{
    struct ofd *o = fd_get(t, fd);

    if (!o)
        return -EBADF;
    t->fd[fd] = NULL;
    set_bit_to(t->cloexec, fd, false);
    ofd_put(o);
    return 0;
}

void fdtable_close_on_exec(struct fdtable *t)
{
    for (int w = 0; w < FDTABLE_MAX / 64; w++) {
        uint64_t bits = t->cloexec[w];
        while (bits) {
            int fd = w * 64 + __builtin_ctzll(bits);
            bits &= bits - 1;
            fd_close(t, fd);
        }
    }
}
