/*
 * fdtable.c - the guest's file descriptor table (models fs/file.c).
 *
 * Invariants:
 *  1. t->fd[i] != NULL  <=>  guest fd i is open; each non-NULL slot holds one reference.
 *  2. open_fds bit i is set <=> t->fd[i] != NULL; cloexec bit i is clear whenever it is NULL.
 *  3. o->refs == 0  <=>  o->hostfd has been closed and o freed.
 *  4. t->max_fds is FDTABLE_MIN or a size table_size() gave, a multiple of 64: fd i is past
 *     the table (closed) when i >= t->max_fds.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emu/ctty.h"
#include "emu/fdtable.h"
#include "emu/fasync.h"
#include "emu/mqueue.h"
#include "emu/printk.h"
#include "emu/signal.h"
#include "emu/sock_cred.h"
#include "emu/sys_info.h"
#include "emu/userfaultfd.h"
#include "kernel_model/mm.h"

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
        if (S_ISFIFO(st.st_mode)) { /* a pipe's ends find each other by it (emu/fasync.c) */
            o->fasync_dev = st.st_dev;
            o->fasync_ino = st.st_ino;
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
    bool fasync = fasync_nr != 0; /* SIGIO to whoever waits on the other side */
    if (fasync)
        fasync_release(o);
    if (o->signalfd)
        signalfd_release(o->signalfd);
    if (o->pidfd)
        pidfd_release(o->pidfd);
    if (o->mqueue)
        mqueue_release(o->mqueue);
    if (o->uffd)
        userfaultfd_file_release(o->uffd);
    if (o->kmsg)
        kmsg_release(o->kmsg);
    if (o->pty_master)
        ctty_hostfd_closing(o->hostfd);
    if (o->map_file)
        fput(o->map_file);
    sock_cred_release(o);
    close(o->hostfd);
    if (fasync)
        fasync_closed(o);
    free(o->path);
    free(o->proc_regen);
    free(o->proc_hpath);
    free(o->ep_items);
    free(o);
}

static void set_bit_to(uint64_t *bits, int i, bool on)
{
    if (on)
        bits[i / 64] |= 1ULL << (i % 64);
    else
        bits[i / 64] &= ~(1ULL << (i % 64));
}

int fdtable_nr_open(void)
{
    /* Read once, at the first guest's limits (guest_rlimits_init), before any guest thread
     * runs: the guest sees the host's /proc/sys/fs/nr_open, so its tables obey the same. */
    static int nr_open;

    if (!nr_open) {
        long v = host_sysctl("/proc/sys/fs/nr_open", 0);
        if (v < FDTABLE_MIN || v > INT_MAX)
            v = 1048576; /* sysctl_nr_open's default */
        nr_open = (int)v;
    }
    return nr_open;
}

/* alloc_fdtable's size for a table of at least `slots` fds (Linux 6.13 on): the first
 * FDTABLE_MIN, then the smallest power of two that holds them, so a table that keeps growing is
 * copied log2(n) times; never past fs.nr_open rounded up to a whole word. (Before 6.13 it was
 * 128 times a power of two past slots / 128: the same sizes but near the powers of two.) */
static int table_size(int slots)
{
    long cap = ((long)(fdtable_nr_open() - 1) | 63) + 1, nr = FDTABLE_MIN;

    while (nr < slots)
        nr <<= 1;
    return (int)(nr > cap ? cap : nr);
}

/* Point t at arrays of `size` slots (at least t->max_fds) holding what it has: 0 or -ENOMEM
 * with t unchanged. The table is the guest's memory in Linux, a failed expand_fdtable its
 * ENOMEM, so no abort here. */
static int resize(struct fdtable *t, int size)
{
    size_t words = (size_t)size / 64, old_words = (size_t)t->max_fds / 64;
    struct ofd **fd = calloc((size_t)size, sizeof(*fd));
    uint64_t *open_fds = calloc(words, sizeof(*open_fds));
    uint64_t *cloexec = calloc(words, sizeof(*cloexec));

    if (!fd || !open_fds || !cloexec) {
        free(fd);
        free(open_fds);
        free(cloexec);
        return -ENOMEM;
    }
    if (t->max_fds) {
        memcpy(fd, t->fd, (size_t)t->max_fds * sizeof(*fd));
        memcpy(open_fds, t->open_fds, old_words * sizeof(*open_fds));
        memcpy(cloexec, t->cloexec, old_words * sizeof(*cloexec));
    }
    free(t->fd);
    free(t->open_fds);
    free(t->cloexec);
    t->fd = fd;
    t->open_fds = open_fds;
    t->cloexec = cloexec;
    t->max_fds = size;
    return 0;
}

/* expand_files: make room for fd (below fs.nr_open). 0, or -ENOMEM. */
static int expand(struct fdtable *t, int fd)
{
    if (fd < t->max_fds)
        return 0;
    return resize(t, table_size(fd + 1));
}

/* A table with no fds, room for `slots`. Aborts when out of memory: a fork or the first
 * process cannot go on without one. */
static struct fdtable *table_new(int slots)
{
    struct fdtable *t = xcalloc(1, sizeof(*t));

    t->serial = next_serial++;
    t->refs = 1;
    if (resize(t, table_size(slots))) {
        fprintf(stderr, "faultline: out of memory\n");
        abort();
    }
    return t;
}

static void put_fd(struct fdtable *t, int fd, struct ofd *o, bool cloexec)
{
    t->fd[fd] = o;
    set_bit_to(t->open_fds, fd, o != NULL);
    set_bit_to(t->cloexec, fd, o && cloexec);
}

struct fdtable *fdtable_new_stdio(void)
{
    struct fdtable *t = table_new(FDTABLE_MIN);

    /* INR_OPEN_CUR until guest_rlimits_init sets the first guest's soft limit */
    t->nofile = 1024;
    for (int i = 0; i < 3; i++) {
        /* A dup, so the guest closing its fd 2 does not take faultline's stderr with it. */
        int h = fcntl(i, F_DUPFD_CLOEXEC, 3);
        if (h < 0)
            continue;
        put_fd(t, i, ofd_new(h, fcntl(h, F_GETFL), NULL), false);
    }
    return t;
}

int fd_next_open(struct fdtable *t, int fd)
{
    if (fd < 0)
        fd = 0;
    while (fd < t->max_fds) {
        uint64_t bits = t->open_fds[fd / 64] & (~0ULL << (fd % 64));
        if (bits)
            return (fd & ~63) + __builtin_ctzll(bits);
        fd = (fd | 63) + 1;
    }
    return -1;
}

struct fdtable *fdtable_dup(struct fdtable *old)
{
    int last = -1;

    for (int fd = 0; (fd = fd_next_open(old, fd)) >= 0; fd++)
        last = fd;
    /* dup_fd: the copy is as big as the open fds need (count_open_files: whole words up to
     * the last open fd), not as big as the old table grew */
    struct fdtable *t = table_new(last < 0 ? 0 : (last / 64 + 1) * 64);

    t->nofile = old->nofile;
    for (int fd = 0; (fd = fd_next_open(old, fd)) >= 0; fd++)
        put_fd(t, fd, ofd_hold(old->fd[fd]), fd_get_cloexec(old, fd));
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
    for (int fd = 0; (fd = fd_next_open(t, fd)) >= 0; fd++)
        ofd_put(t->fd[fd]);
    free(t->fd);
    free(t->open_fds);
    free(t->cloexec);
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
    int end = t->nofile, fd = minfd;

    if (minfd < 0 || minfd >= fdtable_nr_open())
        return -EINVAL;
    /* alloc_fd: a free fd at or past the limit is EMFILE, though the table may have room */
    while (fd < end && fd < t->max_fds) {
        uint64_t free_bits = ~t->open_fds[fd / 64] & (~0ULL << (fd % 64));
        if (free_bits) {
            fd = (fd & ~63) + __builtin_ctzll(free_bits);
            return fd < end ? fd : -EMFILE;
        }
        fd = (fd | 63) + 1;
    }
    /* every slot from minfd up is taken: the first fd past the table, which grows for it */
    fd = minfd > t->max_fds ? minfd : t->max_fds;
    return fd < end ? fd : -EMFILE;
}

int fd_install(struct fdtable *t, struct ofd *o, int minfd, bool cloexec)
{
    int fd = fd_lowest_free(t, minfd), r;

    if (fd < 0)
        return fd;
    if ((r = expand(t, fd)) < 0)
        return r;
    put_fd(t, fd, o, cloexec);
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
    int r;

    if (fd < 0 || fd >= fdtable_nr_open()) {
        ofd_put(o);
        return -EBADF;
    }
    if ((r = expand(t, fd)) < 0) {
        ofd_put(o);
        return r;
    }
    /* Swap first, then drop: the slot is never seen empty (do_dup2 in fs/file.c). */
    old = t->fd[fd];
    put_fd(t, fd, o, cloexec);
    ofd_put(old);
    return fd;
}

struct ofd *fd_get(struct fdtable *t, int fd)
{
    if (!t || fd < 0 || fd >= t->max_fds)
        return NULL;
    return t->fd[fd];
}

bool fd_get_cloexec(struct fdtable *t, int fd)
{
    return fd_get(t, fd) && (t->cloexec[fd / 64] & (1ULL << (fd % 64)));
}

void fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
    if (fd_get(t, fd))
        set_bit_to(t->cloexec, fd, on);
}

int fd_close(struct fdtable *t, int fd)
{
    struct ofd *o = fd_get(t, fd);

    if (!o)
        return -EBADF;
    put_fd(t, fd, NULL, false);
    ofd_put(o);
    return 0;
}

void fdtable_close_on_exec(struct fdtable *t)
{
    for (int w = 0; w < t->max_fds / 64; w++) {
        uint64_t bits = t->cloexec[w];
        while (bits) {
            int fd = w * 64 + __builtin_ctzll(bits);
            bits &= bits - 1;
            fd_close(t, fd);
        }
    }
}
