/*
 * sys_file.c - opening, closing, reading, writing and stat'ing files (fs/open.c,
 * fs/read_write.c, fs/stat.c, fs/readdir.c, fs/sync.c).
 *
 * Every guest fd wraps a host fd (fdtable.h), so the host kernel keeps offsets, O_APPEND, sharing
 * after dup and all the error checks of the file itself; these handlers add what the host cannot
 * see: guest fd numbers, guest paths (path.h), and guest memory, which is only reached through
 * copy_to_user/copy_from_user over a bounce buffer of FL_BOUNCE bytes (uio.h).
 *
 * Faults on the guest buffer behave as in Linux: the bytes moved before the faulting byte count,
 * and only when none were moved does the call fail with EFAULT. When a read has taken more bytes
 * from the host than the guest could accept, a seekable file's offset is moved back so that the
 * offset advances by exactly what the guest got, as Linux's does. (A pipe cannot give them back:
 * the bytes are lost, where Linux would leave them in the pipe.)
 *
 * A regular file the guest has also mapped has pages in the model's page cache. Linux's read
 * and write go through those pages; here they go to the host file, so each call keeps the two
 * views equal (hostfile.h): dirty cached pages are written back before the host sees a read or
 * write, cached pages of a written range are refreshed after it, and truncation drops the pages
 * past the new end.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "emu/cpu_bugs.h"
#include "emu/ctty.h"
#include "emu/fdtable.h"
#include "emu/mm_tunables.h"
#include "emu/mqueue.h"
#include "emu/hostfile.h"
#include "emu/path.h"
#include "emu/posix_locks.h"
#include "emu/printk.h"
#include "emu/proc_cpu.h"
#include "emu/sys_node.h"
#include "emu/proc_pagemap.h"
#include "emu/procfs.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/sock_cred.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"
#include "emu/userfaultfd.h"
#include "kernel_model/mm.h"
#include "kernel_model/swap.h"
#include "kernel_model/userfaultfd_k.h"

/* One bounce buffer: syscalls run one at a time in faultline's single host thread, and nothing
 * a copy_*_user fault does (the model, page-cache reads) comes back into these handlers. Page
 * aligned: an O_DIRECT file's host reads and writes need the buffer aligned as the guest's was
 * (the offset and length are the guest's, aligned by a program that uses O_DIRECT). */
static char bounce[FL_BOUNCE] __attribute__((aligned(4096)));

/* The structs copied as bytes have the x86-64 kernel's layout on the host too. */
_Static_assert(sizeof(struct stat) == 144, "struct stat is the kernel's");
_Static_assert(sizeof(struct statx) == 256, "struct statx is the kernel's");
_Static_assert(sizeof(struct iovec) == 16, "struct iovec is the kernel's");

/* Files that give a full read when the data is there: read them to the full count, one
 * bounce buffer at a time. That includes /dev/zero and /dev/urandom, whose Linux read fills any
 * count (dd bs=1M from them reads 1 MiB blocks; one host read per call would cap it at
 * FL_BOUNCE). Anything else (pipes, ttys, sockets) returns after one host read, so a read never
 * blocks for more after it already has data, as Linux's would not. */
static bool reads_fully(const struct ofd *o)
{
    return o->type == S_IFREG || o->type == S_IFBLK || o->fills_reads;
}

/*
 * The body of read, pread64 and readv: read up to `total` bytes from o into the guest segments,
 * at the file offset (pos < 0) or at pos (pread). total has been clamped to FL_MAX_RW_COUNT.
 * Returns bytes read, or -errno if none were.
 */
/* A process with a userfaultfd: the guest buffer of a read (write) is faulted in before any
 * byte moves on the host, so that a missing page of a registered range makes the call wait
 * (and run again, emu/syscall.c) before it has taken data from a pipe or put half of it in.
 * -EFAULT if the call must wait, else 0 (a bad address is the copy's to report). */
static long uffd_fault_in(struct proc *p, const struct uiov_iter *it, size_t total, bool write)
{
    if (!userfaultfd_mm_registered(p->task.mm))
        return 0;
    iter_fault_in(p, it, total, write);
    return p->task.uffd_wait ? -EFAULT : 0;
}

static long do_read_iter(struct proc *p, struct ofd *o, struct uiov_iter *it, size_t total,
                         int64_t pos)
{
    size_t done = 0;
    long err = uffd_fault_in(p, it, total, true);
    if (err)
        return err;

    hostfile_sync_before_io(o); /* the host file must hold what the guest's mappings wrote */
    if (total == 0)             /* the host still checks the fd's mode (EBADF, EINVAL) */
        return host_ret(pos < 0 ? read(o->hostfd, bounce, 0) : pread(o->hostfd, bounce, 0, pos));
    while (done < total) {
        size_t want = total - done < FL_BOUNCE ? total - done : FL_BOUNCE;
        ssize_t n = pos < 0 ? read(o->hostfd, bounce, want)
                            : pread(o->hostfd, bounce, want, pos + (int64_t)done);
        size_t got;

        if (n < 0)
            return done ? (long)done : -errno;
        if (n == 0)
            break;
        got = iter_copy_out(p, it, bounce, n);
        done += got;
        if (got < (size_t)n) {
            if (pos < 0) /* give back what the guest did not take (fails harmlessly on pipes) */
                lseek(o->hostfd, -(off_t)(n - got), SEEK_CUR);
            return done ? (long)done : -EFAULT;
        }
        if ((size_t)n < want || !reads_fully(o))
            break;
    }
    return done;
}

/*
 * The host side of write, pwrite64 and writev: the same contract as do_read_iter, the other way.
 * A short host write ends the call with what was written; a fault in the guest buffer writes the
 * bytes before it. EPIPE reaches the guest as -EPIPE; SIGPIPE is the signal code's to raise
 * (faultline itself must ignore SIGPIPE).
 */
static long do_write_iter_host(struct proc *p, struct ofd *o, struct uiov_iter *it, size_t total,
                               int64_t pos)
{
    size_t done = 0;
    long err = uffd_fault_in(p, it, total, false);
    if (err)
        return err;

    if (total == 0)
        return host_ret(pos < 0 ? write(o->hostfd, bounce, 0) : pwrite(o->hostfd, bounce, 0, pos));
    while (done < total) {
        size_t want = total - done < FL_BOUNCE ? total - done : FL_BOUNCE;
        size_t got = iter_copy_in(p, it, bounce, want);
        ssize_t n;

        if (got == 0)
            return done ? (long)done : -EFAULT;
        n = pos < 0 ? write(o->hostfd, bounce, got)
                    : pwrite(o->hostfd, bounce, got, pos + (int64_t)done);
        if (n < 0)
            return done ? (long)done : -errno;
        if (o->pty_master) /* a guest session's pty master: ^C and the like (ctty.h) */
            ctty_master_input(p->emu, o->hostfd, (const unsigned char *)bounce, (size_t)n);
        done += n;
        if ((size_t)n < got || got < want)
            break;
    }
    return done;
}

/* generic_write_checks of a regular file: where the write goes (the end with O_APPEND, which
 * also holds for pwrite, else pos, or the file offset for pos -1), then RLIMIT_FSIZE. */
static long write_check_limits(struct proc *p, struct ofd *o, int64_t pos, size_t *count)
{
    struct stat st;
    uint64_t n = *count;
    long r;

    if (!fsize_limited(p))
        return 0; /* every write to a file comes here: no host calls when there is no limit */
    if (o->flags & O_APPEND)
        pos = fstat(o->hostfd, &st) == 0 ? st.st_size : -1;
    else if (pos < 0)
        pos = lseek(o->hostfd, 0, SEEK_CUR);
    if (pos < 0)
        return 0; /* the host will say what is wrong */
    if ((r = fsize_write_limit(p, (uint64_t)pos, &n)) < 0)
        return r;
    *count = n;
    return 0;
}

/*
 * write, pwrite64 and writev of a regular file the model caches: Linux writes through the page
 * cache, so the mappings see the bytes at once. Here the host file is written, with the cache
 * made to agree around it: dirty pages go to the host first (else refreshing them would drop
 * what the guest stored through a mapping), and the written pages are read again afterwards.
 */
static long do_write_iter(struct proc *p, struct ofd *o, struct uiov_iter *it, size_t total,
                          int64_t pos)
{
    long r;

    if (o->sock_cred) /* what a message written now carries (SCM_CREDENTIALS) */
        sock_cred_sending(p, o, NULL);
    if (o->type == S_IFREG && (r = write_check_limits(p, o, pos, &total)) < 0)
        return r;
    hostfile_sync_before_io(o);
    r = do_write_iter_host(p, o, it, total, pos);
    if (r > 0)
        hostfile_after_write(o, pos, (uint64_t)r);
    return r;
}

/* A buffer that is not in the user half fails with EFAULT, but only after the fd's own checks,
 * which Linux makes first: a zero-length host call reports those. */
static long bad_buffer(struct ofd *o, bool writing, int64_t pos)
{
    long r;

    if (pos < 0)
        r = host_ret(writing ? write(o->hostfd, bounce, 0) : read(o->hostfd, bounce, 0));
    else
        r = host_ret(writing ? pwrite(o->hostfd, bounce, 0, pos)
                             : pread(o->hostfd, bounce, 0, pos));
    return r < 0 ? r : -EFAULT;
}

/* A procfs file read from its start is made again: seq_read at *ppos 0 starts the iterator
 * over, the first read after the open included (the text made at open is not what Linux
 * shows: cat's malloc'd buffer, made between its open and its read, is in its maps). Also
 * for the reads sendfile and splice make (do_splice_to's ->splice_read, in 4.20
 * default_file_splice_read: a read at the offset given). */
static long proc_reread(struct proc *p, struct ofd *o, int64_t pos)
{
    if (!o->proc_regen)
        return 0;
    long err = procfs_read_check(p, o);
    if (err)
        return err;
    bool at_start = pos >= 0 ? pos == 0 : lseek(o->hostfd, 0, SEEK_CUR) == 0;
    if (at_start)
        procfs_refresh(p, o);
    return 0;
}

/* A read of a file procfs made, opened write-only: its host fd is readable, Linux's is not. */
static bool made_write_only(const struct ofd *o, bool writing)
{
    return !writing && o->proc_made && (o->flags & O_ACCMODE) == O_WRONLY;
}

static long rw_one(struct proc *p, const uint64_t a[6], bool writing, int64_t pos)
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    struct uiov v = {a[1], a[2]};
    struct uiov_iter it = {&v, 1, 0, 0};

    if (!o)
        return -EBADF;
    if (o->pidfd)
        return -EINVAL; /* a pidfd is not read or written */
    if (o->mqueue)      /* mqueue_read_file, and no ->write; FMODE_READ / FMODE_WRITE first */
        return !(((o->flags & O_ACCMODE) + 1) & (writing ? 2 : 1)) ? -EBADF
               : writing || pos >= 0                               ? -EINVAL
                                     : mqueue_read(p, o, v.base, v.len);
    if (o->signalfd) /* not a file: reads take signals; no writes, no offsets */
        return writing ? -EINVAL : pos >= 0 ? -ESPIPE : signalfd_read(p, o, v.base, v.len);
    if (o->kmsg) /* the kernel's log: records, whatever the offset (emu/printk.h) */
        return writing ? kmsg_write(p, o, &v, 1, v.len) : kmsg_read(p, o, v.base, v.len);
    if (o->uffd) /* reads take fault messages; no writes, no offsets */
        return writing ? -EINVAL : pos >= 0 ? -ESPIPE : userfaultfd_read(p, o, v.base, v.len);
    if (o->page_file) /* made from the model at each read; clear_refs acts on a write */
        return writing ? proc_page_file_write(p, o, v.base, v.len, pos)
                       : proc_page_file_read(p, o, v.base, v.len, pos);
    if (writing && o->proc_made) /* comm_write, or none */
        return procfs_write(p, o, v.base, v.len, pos);
    if (made_write_only(o, writing))
        return -EBADF;
    long err = writing ? 0 : proc_reread(p, o, pos);
    if (err)
        return err;
    if (!access_ok(v.base, v.len))
        return bad_buffer(o, writing, pos);
    if (v.len > FL_MAX_RW_COUNT)
        v.len = FL_MAX_RW_COUNT;
    if (!writing && o->proc_regen) /* seq_read hands out a page of records at a time */
        v.len = procfs_seq_read_len(o, pos, v.len);
    return writing ? do_write_iter(p, o, &it, v.len, pos) : do_read_iter(p, o, &it, v.len, pos);
}

long sys_read(struct proc *p, const uint64_t a[6])
{
    return rw_one(p, a, false, -1);
}

long sys_write(struct proc *p, const uint64_t a[6])
{
    return rw_one(p, a, true, -1);
}

/* pread64/pwrite64: a negative offset is EINVAL and an unseekable file ESPIPE; the host says
 * both, so only the offset's sign needs keeping apart from "use the file offset". */
long sys_pread64(struct proc *p, const uint64_t a[6])
{
    if ((int64_t)a[3] < 0)
        return fd_get(p->files, (int)a[0]) ? -EINVAL : -EBADF;
    return rw_one(p, a, false, (int64_t)a[3]);
}

long sys_pwrite64(struct proc *p, const uint64_t a[6])
{
    if ((int64_t)a[3] < 0)
        return fd_get(p->files, (int)a[0]) ? -EINVAL : -EBADF;
    return rw_one(p, a, true, (int64_t)a[3]);
}

/* One segment of a file that has only ->read or ->write (at pos, or -1: the file offset). */
typedef long (*rw_one_fn)(struct proc *p, struct ofd *o, uint64_t base, uint64_t len, int64_t pos);

/* do_loop_readv_writev: such a file takes the segments one by one, each at the offset the
 * previous ones reached, stopping at the first error (returned if nothing was done) or at a
 * segment not filled. */
static long loop_rw(struct proc *p, struct ofd *o, const struct uiov *iov, int n, int64_t pos,
                    rw_one_fn one)
{
    long done = 0;
    for (int i = 0; i < n; i++) {
        long r = one(p, o, iov[i].base, iov[i].len, pos >= 0 ? pos + done : -1);
        if (r < 0)
            return done ? done : r;
        done += r;
        if ((uint64_t)r != iov[i].len)
            break;
    }
    return done;
}

static long signalfd_one(struct proc *p, struct ofd *o, uint64_t base, uint64_t len, int64_t pos)
{
    (void)pos; /* readv only: a signalfd has no offset */
    return signalfd_read(p, o, base, len);
}

static long kmsg_one(struct proc *p, struct ofd *o, uint64_t base, uint64_t len, int64_t pos)
{
    (void)pos; /* devkmsg_read and kmsg_read take no offset */
    return kmsg_read(p, o, base, len);
}

static long uffd_one(struct proc *p, struct ofd *o, uint64_t base, uint64_t len, int64_t pos)
{
    (void)pos; /* readv only: a userfaultfd has no offset */
    return userfaultfd_read(p, o, base, len);
}

static long page_file_write_one(struct proc *p, struct ofd *o, uint64_t base, uint64_t len,
                                int64_t pos)
{
    return proc_page_file_write(p, o, base, len, pos);
}

/* A segment of a readv of a file procfs made: seq_file has ->read alone, so
 * do_loop_readv_writev reads segment by segment with seq_read (procfs_seq_read_len: a page of
 * maps' records at most), and stops at the first one not filled. */
static long proc_read_one(struct proc *p, struct ofd *o, uint64_t base, uint64_t len, int64_t pos)
{
    struct uiov v = {base, procfs_seq_read_len(o, pos, len)};
    struct uiov_iter it = {&v, 1, 0, 0};
    return do_read_iter(p, o, &it, v.len, pos);
}

/* readv/writev (pos -1: at the file offset) and preadv/pwritev. */
static long rw_vec(struct proc *p, const uint64_t a[6], bool writing, int64_t pos)
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    struct uiov *iov;
    uint64_t total;

    if (!o)
        return -EBADF;
    if (o->pidfd || o->mqueue || ((o->signalfd || o->uffd) && writing))
        return -EINVAL; /* a pidfd is not read or written, a signalfd not written */
    if (o->page_file && writing && o->page_file != PAGE_FILE_CLEAR_REFS &&
        o->page_file != PAGE_FILE_MEM)
        return -EBADF; /* opened read-only */
    if ((o->signalfd || o->uffd) && pos >= 0)
        return -ESPIPE;
    if (made_write_only(o, writing))
        return -EBADF;
    long r = import_iovec(p, a[1], (int)a[2], FL_MAX_RW_COUNT, &iov, &total);
    if (r)
        return r;
    struct uiov_iter it = {iov, (int)a[2], 0, 0};
    if (!writing && (r = proc_reread(p, o, pos)) != 0) {
        free(iov);
        return r;
    }
    if (o->signalfd)
        r = loop_rw(p, o, iov, (int)a[2], pos, signalfd_one);
    else if (o->kmsg) /* devkmsg_write takes the segments as one message, ->read each one */
        r = writing ? kmsg_write(p, o, iov, (int)a[2], total)
                    : loop_rw(p, o, iov, (int)a[2], pos, kmsg_one);
    else if (o->uffd)
        r = loop_rw(p, o, iov, (int)a[2], pos, uffd_one);
    else if (o->page_file)
        r = loop_rw(p, o, iov, (int)a[2], pos, writing ? page_file_write_one : proc_page_file_read);
    else if (writing && o->proc_made)
        r = loop_rw(p, o, iov, (int)a[2], pos, procfs_write);
    else if (!writing && o->proc_regen)
        r = loop_rw(p, o, iov, (int)a[2], pos, proc_read_one);
    else
        r = writing ? do_write_iter(p, o, &it, total, pos) : do_read_iter(p, o, &it, total, pos);
    free(iov);
    return r;
}

long sys_readv(struct proc *p, const uint64_t a[6])
{
    return rw_vec(p, a, false, -1);
}

long sys_writev(struct proc *p, const uint64_t a[6])
{
    return rw_vec(p, a, true, -1);
}

/* preadv/pwritev(fd, iov, cnt, pos_l, pos_h): on x86-64 the offset is pos_l alone. */
long sys_preadv(struct proc *p, const uint64_t a[6])
{
    if ((int64_t)a[3] < 0)
        return fd_get(p->files, (int)a[0]) ? -EINVAL : -EBADF;
    return rw_vec(p, a, false, (int64_t)a[3]);
}

long sys_pwritev(struct proc *p, const uint64_t a[6])
{
    if ((int64_t)a[3] < 0)
        return fd_get(p->files, (int)a[0]) ? -EINVAL : -EBADF;
    return rw_vec(p, a, true, (int64_t)a[3]);
}

/* preadv2/pwritev2(..., flags): offset -1 is the file offset (readv/writev). The RWF_* flags
 * are hints or write-through requests (RWF_HIPRI, RWF_DSYNC, RWF_SYNC, RWF_APPEND) that the
 * host's page cache honours by its own rules; RWF_NOWAIT, which needs the cache's state, and
 * unknown bits are EOPNOTSUPP, as a file system without them says. */
#define FL_RWF_SUPPORTED 0x17 /* RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_APPEND */
static long rw_vec2(struct proc *p, const uint64_t a[6], bool writing)
{
    if (a[5] & ~(uint64_t)FL_RWF_SUPPORTED)
        return -EOPNOTSUPP;
    if ((int64_t)a[3] < -1)
        return fd_get(p->files, (int)a[0]) ? -EINVAL : -EBADF;
    return rw_vec(p, a, writing, (int64_t)a[3]);
}

long sys_preadv2(struct proc *p, const uint64_t a[6])
{
    return rw_vec2(p, a, false);
}

long sys_pwritev2(struct proc *p, const uint64_t a[6])
{
    return rw_vec2(p, a, true);
}

long sys_lseek(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);

    if (!o)
        return -EBADF;
    if (o->kmsg)
        return kmsg_llseek(o, (int64_t)a[1], (int)a[2]);
    if (o->proc_dir && (int64_t)a[1] == 0 && (int)a[2] == SEEK_SET) /* rewinddir */
        o->proc_host_done = false, o->proc_last = 0;
    /* mem_lseek: only from the start or the current offset; the file has no end to seek to */
    if (o->page_file && (int)a[2] != SEEK_SET && (int)a[2] != SEEK_CUR)
        return -EINVAL;
    return host_ret(lseek(o->hostfd, (off_t)a[1], (int)a[2]));
}

/*
 * A named FIFO (mkfifo) is opened on the host with O_NONBLOCK, so that faultline never blocks in
 * open(), and stays non-blocking there like a guest pipe (struct ofd). Linux's fifo_open makes a
 * blocking O_RDONLY open wait for a writer and a blocking O_WRONLY one for a reader; here the
 * opener parks and tries again every FIFO_RETRY_MS (the other end may be a guest process, which
 * must get to run to open it). A write open without a reader is ENXIO on the host, which is the
 * retry's cue. A waiting reader keeps its host fd open between tries (p->fifo_fd), so that a
 * writer's open finds it; it goes on once a writer has come: data or a hang-up to poll(), or,
 * for a writer that holds the FIFO empty, tee()'s EAGAIN (tee takes no data). The peer may be a
 * host process, so the ofd is `external`. Returns the host fd, -errno, or -FL_ERESTARTSYS.
 */
#define FIFO_RETRY_MS 10

static bool fifo_had_writer(int h)
{
    struct pollfd pfd = {.fd = h, .events = POLLIN};
    int sp[2];
    ssize_t r;

    if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLHUP)))
        return true;
    if (pipe2(sp, O_NONBLOCK | O_CLOEXEC) < 0)
        return true; /* cannot tell: do not wait */
    r = tee(h, sp[1], 1, SPLICE_F_NONBLOCK);
    close(sp[0]);
    close(sp[1]);
    return r > 0 || (r < 0 && errno == EAGAIN);
}

/* The read end a parked reader holds, if it is this FIFO's; else it is closed. -1: none. */
static int take_held_fifo(struct proc *p, const struct stat *st)
{
    struct stat hs;
    int h = p->fifo_fd - 1;

    if (!p->fifo_fd)
        return -1;
    p->fifo_fd = 0;
    if (fstat(h, &hs) == 0 && hs.st_dev == st->st_dev && hs.st_ino == st->st_ino)
        return h;
    close(h);
    return -1;
}

static long open_fifo(struct proc *p, int hdir, const char *hpath, int flags, unsigned mode,
                      const struct stat *st)
{
    bool blocking = !(flags & O_NONBLOCK), reader = (flags & O_ACCMODE) == O_RDONLY;
    int h = blocking && reader ? take_held_fifo(p, st) : -1;

    p->wait_deadline = 0; /* a retry starts afresh */
    if (h < 0)
        h = openat(hdir, hpath, flags | O_CLOEXEC | O_NONBLOCK, mode);
    if (h < 0)
        return errno == ENXIO && blocking ? park_retry_after(p, FIFO_RETRY_MS) : -errno;
    if (blocking && reader && !fifo_had_writer(h)) {
        p->fifo_fd = h + 1;
        return park_retry_after(p, FIFO_RETRY_MS);
    }
    return h;
}

/* A directory whose listing must be the guest's (procfs_getdents): /proc, /proc/PID/fd,
 * /proc/PID/task, /sys/devices/system/cpu, /sys/devices/system/node and its node0. */
static void mark_proc_dir(struct proc *p, struct ofd *o, const char *gname, const char *opath)
{
    struct proc *t;
    const char *rest = gname[0] == '/' ? proc_pid_rest(p, gname, &t, NULL) : NULL;
    char pid_dir[PATH_MAX];

    /* /proc/PID itself ("/proc/PID" as "/proc/PID/" for proc_pid_rest) */
    if (strncmp(gname, "/proc/", 6) == 0 && !strchr(gname + 6, '/') &&
        snprintf(pid_dir, sizeof(pid_dir), "%s/", gname) < (int)sizeof(pid_dir) &&
        proc_pid_rest(p, pid_dir, &t, NULL) && strcmp(gname + 6, "thread-self") != 0)
        o->proc_tgid = t->task.tgid;
    else if (rest && rest[0] == 0 && strncmp(gname + 6, "thread-self", 11) != 0 &&
             !strstr(gname, "/task/"))
        o->proc_tgid = t->task.tgid; /* "/proc/PID/" */

    if (opath && strcmp(opath, "/proc") == 0) {
        o->proc_dir = PROC_DIR_ROOT;
    } else if (rest && (strcmp(rest, "fd") == 0 || strcmp(rest, "fd/") == 0)) {
        o->proc_dir = PROC_DIR_FD;
        o->proc_fd_pid = t->task.pid;
    } else if (rest && (strcmp(rest, "task") == 0 || strcmp(rest, "task/") == 0)) {
        o->proc_dir = PROC_DIR_TASK;
        o->proc_fd_pid = t->task.tgid;
    } else if (opath && (strcmp(opath, SYS_CPU_DIR) == 0 || strcmp(opath, SYS_CPU_VULN_DIR) == 0)) {
        o->proc_dir = PROC_DIR_SYS_CPU;
    } else if (opath && sys_node_filtered_dir(opath)) {
        o->proc_dir = PROC_DIR_SYS_NODE;
    } else if (opath && (strcmp(opath, MM_TUNABLES_THP_DIR) == 0 ||
                         strcmp(opath, MM_TUNABLES_THP_DIR "/khugepaged") == 0 ||
                         strcmp(opath, MM_TUNABLES_VM_DIR) == 0 ||
                         !strncmp(opath, MM_TUNABLES_HUGEPAGES_DIR, 24) ||
                         !strncmp(opath, MM_TUNABLES_NODE_HUGEPAGES_DIR, 40))) {
        o->proc_dir = PROC_DIR_MM_TUNABLES; /* without a later kernel's files (mm_tunables.h) */
    }
}

/*
 * open/openat: procfs first (absolute paths), then the host. The host fd is always O_CLOEXEC on
 * the host; the guest's O_CLOEXEC goes into the fd table. A free guest fd is found before the
 * host open, so EMFILE never leaves a file created behind it.
 */
static long do_openat(struct proc *p, int dirfd, uint64_t upath, int flags, unsigned mode)
{
    char name[PATH_MAX], hpath[PATH_MAX], gpath[PATH_MAX], abs[PATH_MAX];
    const char *gname, *opath; /* opath: the ofd's path, what the guest sees in /proc/PID/maps */
    int hdir, hostfd, fd;
    long r = get_user_path(p, upath, name);
    struct ofd *o, *link = NULL;
    bool host_nonblock = false, fifo = false;
    struct stat st;

    if (r < 0)
        return r;
    r = fd_lowest_free(p->files, 0);
    if (r < 0)
        return r;
    /* /dev/tty: the terminal of the guest's own session, if it is in one (ctty.h) */
    if (strcmp(name, "/dev/tty") == 0 && (r = ctty_dev_tty(p, name, sizeof(name))) < 0)
        return r;
    gname = proc_absolute(p, dirfd, name, abs, sizeof(abs)); /* "1000/stat" in /proc */
    opath = gname;
    /* the kernel's log is the emulated kernel's (emu/printk.h), never the host's */
    if (gname[0] == '/' && !(flags & O_PATH) &&
        (r = kmsg_open(p, gname, -1, flags)) != KMSG_PASSTHROUGH)
        return r;
    hostfd = gname[0] == '/' ? procfs_open(p, gname, flags) : PROCFS_PASSTHROUGH;
    bool procfs_made = hostfd >= 0;
    if (hostfd == PROCFS_PASSTHROUGH) {
        r = resolve_at(p, dirfd, name, hpath, sizeof(hpath), &hdir);
        if (r < 0)
            return r;
        /* Reopening a guest pipe (/dev/fd/N, bash's <(...)) gives the same pipe, which must
         * stay non-blocking on the host like the original (struct ofd) */
        if (gname[0] != '/' || guest_fd_link(p, gname, &link) <= 0)
            link = NULL;
        host_nonblock = link && link->host_nonblock;
        /* O_PATH opens no file (Linux's do_dentry_open stops before fifo_open): no wait */
        if (!link && !(flags & (O_EXCL | O_PATH)) && fstatat(hdir, hpath, &st, 0) == 0 &&
            S_ISFIFO(st.st_mode)) {
            hostfd = (int)open_fifo(p, hdir, hpath, flags, mode, &st);
            if (hostfd < 0)
                return hostfd;
            host_nonblock = fifo = true;
        } else {
            /* never a terminal for faultline's own session: a guest's is the model's */
            hostfd = openat(hdir, hpath,
                            flags | O_CLOEXEC | O_NOCTTY | (host_nonblock ? O_NONBLOCK : 0), mode);
            if (hostfd < 0)
                return -errno;
            ctty_opened(p, hostfd, flags);
        }
        opath = guest_path_of_hostfd(p, hostfd, gpath, sizeof(gpath));
        /* a name that reached the host's /dev/kmsg or /proc/kmsg another way: the guest's too */
        if (!(flags & O_PATH) && (r = kmsg_open(p, opath, hostfd, flags)) != KMSG_PASSTHROUGH) {
            close(hostfd);
            return r;
        }
        /* a name the lexical test missed (a symlink to /proc/sys/vm, /proc/self/root/...) that
         * reached a tunable file of the host's: the model's all the same, never the host's */
        if (opath && opath[0] == '/' && (mm_tunable_owns(opath) || mm_tunable_absent(opath))) {
            close(hostfd);
            hostfd = mm_tunable_owns(opath) ? mm_tunable_open(p, opath, flags) : -ENOENT;
            if (hostfd < 0)
                return hostfd;
            gname = opath;
            procfs_made = true;
        } else if (opath && opath[0] == '/' &&
                   (r = cpu_vulnerabilities_open(opath, flags)) != PROCFS_PASSTHROUGH) {
            close(hostfd); /* the same for a CPU vulnerabilities file (cpu_bugs.h) */
            if (r < 0)
                return r;
            hostfd = (int)r;
            gname = opath;
            procfs_made = true;
        } else if (opath && opath[0] == '/' && (sys_node_owns(opath) || proc_cpu_owns(opath))) {
            /* the same for a node or CPU file reached through a link
             * (/sys/bus/node/devices/node0) or a ".." after one (node0/cpu0/../online) */
            close(hostfd);
            hostfd = sys_node_owns(opath) ? sys_node_open(opath, flags)
                                          : proc_cpu_open(opath, flags, false);
            if (hostfd < 0)
                return hostfd;
            gname = opath;
            procfs_made = true;
        }
    } else if (hostfd < 0) {
        return hostfd;
    }
    o = ofd_new(hostfd, flags & ~(O_CLOEXEC | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC), opath);
    if (o->type == S_IFDIR) {
        mark_proc_dir(p, o, gname, opath);
    } else if (procfs_made) {
        proc_page_file_mark(p, o, gname);
        if (!o->page_file) {
            o->proc_regen = procfs_regen_path(p, gname);
        }
        o->proc_made = true;
        /* what stat(2) of the name looks at: the fd's own stat is to be that */
        int sdir;
        unsigned mode;
        const char *stand_in = mm_tunable_stat_path(gname, &mode); /* a host that lacks it */
        if (stand_in)
            o->proc_hpath = strdup(stand_in);
        else if (resolve_at(p, dirfd, name, hpath, sizeof(hpath), &sdir) == 0 && sdir == AT_FDCWD &&
                 hpath[0] == '/')
            o->proc_hpath = strdup(hpath);
    }
    if (host_nonblock) {
        o->host_nonblock = true;
        o->external = fifo || link->external;
    }
    fd = fd_install(p->files, o, 0, flags & O_CLOEXEC);
    if (fd < 0)
        ofd_put(o);
    return fd;
}

/* name_to_handle_at(dirfd, path, handle, mount_id, flags): the host's file handle of the file
 * the guest names (handles are the host file systems'); struct file_handle is handle_bytes,
 * handle_type and then handle_bytes bytes; on EOVERFLOW the size needed is written back. */
#define FL_MAX_HANDLE_SZ 128
long sys_name_to_handle_at(struct proc *p, const uint64_t a[6])
{
    char hpath[PATH_MAX];
    int hdir;
    long r = get_path_at(p, (int)a[0], a[1], hpath, &hdir);
    if (r < 0)
        return r;
    uint32_t bytes;
    if (get_user_struct(p, &bytes, a[2], sizeof(bytes)))
        return -EFAULT;
    struct {
        uint32_t handle_bytes;
        int32_t handle_type;
        unsigned char f_handle[FL_MAX_HANDLE_SZ];
    } h = {.handle_bytes = bytes};
    if (bytes > FL_MAX_HANDLE_SZ)
        return -EINVAL;
    int mount_id = 0;
    r = host_ret(syscall(SYS_name_to_handle_at, hdir, hpath, &h, &mount_id, (int)a[4]));
    if (r == -EOVERFLOW)
        return put_user_struct(p, a[2], &h.handle_bytes, sizeof(h.handle_bytes)) ? -EFAULT : r;
    if (r < 0)
        return r;
    if (put_user_struct(p, a[2], &h, 8 + h.handle_bytes) ||
        put_user_struct(p, a[3], &mount_id, sizeof(mount_id)))
        return -EFAULT;
    return 0;
}

/* open_by_handle_at(mount_fd, handle, flags): the host opens the handle (CAP_DAC_READ_SEARCH:
 * faultline's), the new file is the guest's as an openat's. */
long sys_open_by_handle_at(struct proc *p, const uint64_t a[6])
{
    int mount_fd = (int)a[0], flags = (int)a[2];
    int hmount = AT_FDCWD;
    if (mount_fd != AT_FDCWD) {
        struct ofd *m = fd_get(p->files, mount_fd);
        if (!m)
            return -EBADF;
        hmount = m->hostfd;
    }
    struct {
        uint32_t handle_bytes;
        int32_t handle_type;
        unsigned char f_handle[FL_MAX_HANDLE_SZ];
    } h;
    if (get_user_struct(p, &h, a[1], 8))
        return -EFAULT;
    if (h.handle_bytes > FL_MAX_HANDLE_SZ || h.handle_bytes == 0)
        return -EINVAL;
    if (get_user_struct(p, &h, a[1], 8 + h.handle_bytes))
        return -EFAULT;
    int hostfd = (int)syscall(SYS_open_by_handle_at, hmount, &h, flags | O_CLOEXEC | O_NOCTTY);
    if (hostfd < 0)
        return -errno;
    char gpath[PATH_MAX];
    const char *opath = guest_path_of_hostfd(p, hostfd, gpath, sizeof(gpath));
    struct ofd *o =
        ofd_new(hostfd, flags & ~(O_CLOEXEC | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC), opath);
    int fd = fd_install(p->files, o, 0, flags & O_CLOEXEC);
    if (fd < 0)
        ofd_put(o);
    return fd;
}

long sys_open(struct proc *p, const uint64_t a[6])
{
    return do_openat(p, AT_FDCWD, a[0], (int)a[1], (unsigned)a[2]);
}

/* creat(path, mode): open(path, O_CREAT | O_WRONLY | O_TRUNC, mode). */
long sys_creat(struct proc *p, const uint64_t a[6])
{
    return do_openat(p, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, (unsigned)a[1]);
}

long sys_openat(struct proc *p, const uint64_t a[6])
{
    return do_openat(p, (int)a[0], a[1], (int)a[2], (unsigned)a[3]);
}

long sys_close(struct proc *p, const uint64_t a[6])
{
    posix_locks_close(p, fd_get(p->files, (int)a[0])); /* filp_close's locks_remove_posix */
    mqueue_flush(p, fd_get(p->files, (int)a[0]));      /* and its ->flush */
    return fd_close(p->files, (int)a[0]);
}

/* close_range(first, last, flags): every open fd in the range closed, or with
 * CLOSE_RANGE_CLOEXEC only marked close-on-exec. CLOSE_RANGE_UNSHARE first gives the caller a
 * table of its own if its threads share one (CLONE_FILES). */
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)

long sys_close_range(struct proc *p, const uint64_t a[6])
{
    unsigned first = (unsigned)a[0], last = (unsigned)a[1], flags = (unsigned)a[2];
    if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) || first > last)
        return -EINVAL;
    if (flags & CLOSE_RANGE_UNSHARE)
        p->files = fdtable_unshare(p->files);
    /* the open fds of the range, however far the table grew (and none past it) */
    if (first >= (unsigned)p->files->max_fds)
        return 0;
    for (int fd = (int)first; (fd = fd_next_open(p->files, fd)) >= 0 && (unsigned)fd <= last;
         fd++) {
        if (flags & CLOSE_RANGE_CLOEXEC) {
            fd_set_cloexec(p->files, fd, true);
        } else {
            posix_locks_close(p, fd_get(p->files, fd));
            fd_close(p->files, fd);
        }
    }
    return 0;
}

/* Calls that take a guest fd and plain integers: the host fd does all the work. */
#define FD_OR_EBADF(p, fd)                                                                         \
    struct ofd *o = fd_get((p)->files, (int)(fd));                                                 \
    if (!o)                                                                                        \
        return -EBADF;

long sys_fsync(struct proc *p, const uint64_t a[6])
{
    FD_OR_EBADF(p, a[0]);
    hostfile_sync_before_io(o); /* vfs_fsync_range writes the dirty page cache first */
    return host_ret(fsync(o->hostfd));
}

long sys_fdatasync(struct proc *p, const uint64_t a[6])
{
    FD_OR_EBADF(p, a[0]);
    hostfile_sync_before_io(o);
    return host_ret(fdatasync(o->hostfd));
}

/* sync_file_range(fd, offset, nbytes, flags): the model's dirty pages of the file go to the host
 * first, as for fdatasync; then the host's call, whose checks are Linux's. */
long sys_sync_file_range(struct proc *p, const uint64_t a[6])
{
    FD_OR_EBADF(p, a[0]);
    hostfile_sync_before_io(o);
    return host_ret(sync_file_range(o->hostfd, (off64_t)a[1], (off64_t)a[2], (unsigned)a[3]));
}

/* readahead(fd, offset, count): a hint to the host's page cache, which serves the guest's reads
 * (EINVAL for what is not a regular file, as Linux's). */
long sys_readahead(struct proc *p, const uint64_t a[6])
{
    FD_OR_EBADF(p, a[0]);
    return host_ret(readahead(o->hostfd, (off64_t)a[1], (size_t)a[2]));
}

/*
 * memfd_create(name, flags): the host's memfd, an anonymous regular file: read, write, mmap
 * (through the model's page cache, like any file), ftruncate and seals are the host file's.
 * MFD_HUGETLB is refused (EINVAL, as on a kernel without hugetlbfs): the model has no huge pages.
 */
long sys_memfd_create(struct proc *p, const uint64_t a[6])
{
    char name[250], path[300];
    unsigned flags = (unsigned)a[1];
    long r = strncpy_from_user(&p->task, name, a[0], sizeof(name));
    if (r == -ENAMETOOLONG)
        return -EINVAL; /* MFD_NAME_MAX_LEN: 249 bytes */
    if (r < 0)
        return r;
    if (flags & MFD_HUGETLB)
        return -EINVAL;
    if ((r = fd_lowest_free(p->files, 0)) < 0)
        return r;
    int h = memfd_create(name, flags | MFD_CLOEXEC);
    if (h < 0)
        return -errno;
    snprintf(path, sizeof(path), "/memfd:%s (deleted)", name); /* as /proc/PID/maps names it */
    struct ofd *o = ofd_new(h, O_RDWR, path);
    int fd = fd_install(p->files, o, 0, flags & MFD_CLOEXEC);
    if (fd < 0)
        ofd_put(o);
    return fd;
}

/* sync: the dirty page cache of every mapped file goes back first, then the host's. */
long sys_sync(struct proc *p, const uint64_t a[6])
{
    (void)p;
    (void)a;
    filemap_write_all();
    sync();
    return 0;
}

long sys_syncfs(struct proc *p, const uint64_t a[6])
{
    FD_OR_EBADF(p, a[0]);
    filemap_write_all();
    return host_ret(syncfs(o->hostfd));
}

long sys_ftruncate(struct proc *p, const uint64_t a[6])
{
    long r;

    FD_OR_EBADF(p, a[0]);
    struct stat st;
    if ((int64_t)a[1] >= 0 && o->type == S_IFREG && fsize_limited(p) &&
        fstat(o->hostfd, &st) == 0 && (r = fsize_newsize_ok(p, (uint64_t)st.st_size, a[1])) < 0)
        return r;
    r = host_ret(ftruncate(o->hostfd, (off_t)a[1]));
    if (r == 0) /* truncate_pagecache: the cache and the mappings follow the new size */
        hostfile_after_truncate(o);
    return r;
}

long sys_fallocate(struct proc *p, const uint64_t a[6])
{
    FD_OR_EBADF(p, a[0]);
    /* the file systems check the new size with inode_newsize_ok unless it keeps the size */
    struct stat st;
    long r;
    if (!((int)a[1] & FALLOC_FL_KEEP_SIZE) && (int64_t)a[2] >= 0 && (int64_t)a[3] > 0 &&
        o->type == S_IFREG && fsize_limited(p) && fstat(o->hostfd, &st) == 0 &&
        (r = fsize_newsize_ok(p, (uint64_t)st.st_size, a[2] + a[3])) < 0)
        return r;
    /* A file in memory (a memfd, a file in /dev/shm: tmpfs on the host) keeps its pages in RAM:
     * in Linux the machine's, so an allocation past what the guest's RAM and swap hold ends in
     * the OOM killer, but passed on as it is it would fill the host's memory (sysfuzz seed 3055:
     * fallocate of 17 TiB on a memfd, and the host's OOM killer took faultline and others).
     * Refused with tmpfs's ENOSPC (a full mount) once the file would hold more than that. */
    if (!((int)a[1] & FALLOC_FL_PUNCH_HOLE) && (int64_t)a[2] >= 0 && (int64_t)a[3] > 0 &&
        o->type == S_IFREG && hostfile_in_memory(o->hostfd) && fstat(o->hostfd, &st) == 0) {
        uint64_t limit = (uint64_t)(totalram_pages() + total_swap_pages()) << PAGE_SHIFT;
        if (a[3] > limit || (uint64_t)st.st_blocks * 512 > limit - a[3])
            return -ENOSPC;
    }
    hostfile_sync_before_io(o);
    r = host_ret(fallocate(o->hostfd, (int)a[1], (off_t)a[2], (off_t)a[3]));
    if (r == 0) /* a punched or zeroed range reads as zeroes in the mappings too */
        hostfile_after_fallocate(o, (int)a[1], a[2], a[3]);
    return r;
}

/* fadvise64(fd, offset, len, advice): advice about the host file goes to the host, which
 * checks the fd (EBADF, ESPIPE on a pipe) and the advice (EINVAL) as Linux does. */
long sys_fadvise64(struct proc *p, const uint64_t a[6])
{
    FD_OR_EBADF(p, a[0]);
    int err = posix_fadvise(o->hostfd, (off_t)a[1], (off_t)a[2], (int)a[3]);
    return err ? -err : 0;
}

/* A splice into a file cut short at RLIMIT_FSIZE: the pipe-buffer loop of
 * iter_file_splice_write goes on writing at the limit, which sends SIGXFSZ, though the call
 * returns the bytes written before it. */
static long splice_past_limit(struct proc *p, long r, size_t count, size_t asked)
{
    if (r > 0 && (size_t)r == count && count < asked)
        send_signal(p, SIGXFSZ, NULL);
    return r;
}

/* sendfile(out_fd, in_fd, offset, count): host fd to host fd, no guest buffer in between. With
 * an offset pointer the in file's own offset is left alone and the pointer is updated, even
 * when the copy failed (do_sendfile's caller writes it back unconditionally). */
long sys_sendfile(struct proc *p, const uint64_t a[6])
{
    struct ofd *out = fd_get(p->files, (int)a[0]), *in = fd_get(p->files, (int)a[1]);
    size_t count = a[3] < FL_MAX_RW_COUNT ? a[3] : FL_MAX_RW_COUNT;
    off_t pos;
    long r;

    if (in && out) { /* as for read and write: the source's dirty pages first, and the cached
                      * pages of the file written refreshed afterwards */
        hostfile_sync_before_io(in);
        hostfile_sync_before_io(out);
    }
    /* the file written stops at RLIMIT_FSIZE (generic_write_checks in its ->write_iter) */
    size_t asked = count;
    if (out && in && out->type == S_IFREG && (r = write_check_limits(p, out, -1, &count)) < 0)
        return r;
    if (!a[2]) {
        if (!out || !in)
            return -EBADF;
        if ((r = proc_reread(p, in, -1)) != 0)
            return r;
        r = host_ret(sendfile(out->hostfd, in->hostfd, NULL, count));
        if (r > 0)
            hostfile_after_write(out, -1, (uint64_t)r);
        return splice_past_limit(p, r, count, asked);
    }
    if (get_user_struct(p, &pos, a[2], sizeof(pos)))
        return -EFAULT;
    if (!out || !in)
        return -EBADF;
    if ((r = proc_reread(p, in, pos)) != 0)
        return r;
    r = host_ret(sendfile(out->hostfd, in->hostfd, &pos, count));
    if (r > 0) /* out is written at its own offset; pos is in's */
        hostfile_after_write(out, -1, (uint64_t)r);
    if (put_user_struct(p, a[2], &pos, sizeof(pos)))
        return -EFAULT;
    return splice_past_limit(p, r, count, asked);
}

/* copy_file_range and splice take the same arguments, and the host does either between the
 * two host fds. */
typedef ssize_t (*host_fd_copy)(int fd_in, loff_t *off_in, int fd_out, loff_t *off_out, size_t len,
                                unsigned flags);

/* (fd_in, off_in, fd_out, off_out, len, flags) done by copy on the host fds, with the offsets
 * (when given) read from and written back to the guest. The page cache is kept coherent as for
 * read and write: dirty pages of the source are written back first, and the destination's
 * cached pages are refreshed afterwards. */
static long copy_between_fds(struct proc *p, const uint64_t a[6], host_fd_copy copy)
{
    struct ofd *in = fd_get(p->files, (int)a[0]), *out = fd_get(p->files, (int)a[2]);
    loff_t off_in, off_out, start;
    size_t len = a[4] < FL_MAX_RW_COUNT ? a[4] : FL_MAX_RW_COUNT;
    long r;

    if (!in || !out)
        return -EBADF;
    if (a[1] && get_user_struct(p, &off_in, a[1], sizeof(off_in)))
        return -EFAULT;
    if (a[3] && get_user_struct(p, &off_out, a[3], sizeof(off_out)))
        return -EFAULT;
    hostfile_sync_before_io(in);
    hostfile_sync_before_io(out);
    start = a[3] ? off_out : -1;
    /* generic_copy_file_checks and splice's ->write_iter: RLIMIT_FSIZE of the file written */
    size_t asked = len;
    if (out->type == S_IFREG && (r = write_check_limits(p, out, a[3] ? off_out : -1, &len)) < 0)
        return r;
    if (copy == splice && (r = proc_reread(p, in, a[1] ? off_in : -1)) != 0)
        return r;
    r = host_ret(copy(in->hostfd, a[1] ? &off_in : NULL, out->hostfd, a[3] ? &off_out : NULL, len,
                      (unsigned)a[5]));
    if (copy == splice)
        r = splice_past_limit(p, r, len, asked);
    if (r > 0)
        hostfile_after_write(out, start, (uint64_t)r);
    if (r >= 0 && a[1] && put_user_struct(p, a[1], &off_in, sizeof(off_in)))
        return -EFAULT;
    if (r >= 0 && a[3] && put_user_struct(p, a[3], &off_out, sizeof(off_out)))
        return -EFAULT;
    return r;
}

/*
 * copy_file_range(fd_in, off_in, fd_out, off_out, len, flags). A file procfs made is a memfd
 * on the host, where a copy to another memfd (the same shmem superblock) would succeed; but
 * it is procfs's file, and 4.20's vfs_copy_file_range refuses two superblocks with EXDEV,
 * after its other checks: flags, directories (EISDIR), files that are not regular (EINVAL),
 * an fd not open for reading or writing or open for appending (EBADF). The host makes the
 * same checks in the same order for everything else.
 */
long sys_copy_file_range(struct proc *p, const uint64_t a[6])
{
    struct ofd *in = fd_get(p->files, (int)a[0]), *out = fd_get(p->files, (int)a[2]);

    if (in && out && in->proc_made != out->proc_made && !a[5] && in->type == S_IFREG &&
        out->type == S_IFREG && (in->flags & O_ACCMODE) != O_WRONLY &&
        (out->flags & O_ACCMODE) != O_RDONLY && !(out->flags & O_APPEND))
        return -EXDEV;
    return copy_between_fds(p, a, copy_file_range);
}

/*
 * splice(fd_in, off_in, fd_out, off_out, len, flags): one of the fds is a pipe. A guest pipe
 * that is empty (in) or full (out) parks the process first (syscall.c), so the host's
 * non-blocking pipe says EAGAIN only to a caller that asked for SPLICE_F_NONBLOCK.
 */
long sys_splice(struct proc *p, const uint64_t a[6])
{
    return copy_between_fds(p, a, splice);
}

/* tee(fd_in, fd_out, len, flags): duplicate pipe data, done by the host between the two host
 * pipes; waits park as for splice. */
long sys_tee(struct proc *p, const uint64_t a[6])
{
    struct ofd *in = fd_get(p->files, (int)a[0]), *out = fd_get(p->files, (int)a[1]);
    if (!in || !out)
        return -EBADF;
    return host_ret(tee(in->hostfd, out->hostfd, a[2] < FL_MAX_RW_COUNT ? a[2] : FL_MAX_RW_COUNT,
                        (unsigned)a[3]));
}

/*
 * vmsplice(pipe, iov, nr_segs, flags): the iovec's bytes into a pipe's write end, or out of its
 * read end into the iovec (vmsplice_to_pipe, vmsplice_to_user). 4.20 puts the user pages
 * themselves in the pipe (what the program writes to them before the reader has read shows);
 * here the bytes are copied, as writev and readv do. A full or empty pipe waits unless
 * SPLICE_F_NONBLOCK (syscall.c).
 */
long sys_vmsplice(struct proc *p, const uint64_t a[6])
{
    struct ofd *o = fd_get(p->files, (int)a[0]);
    if (!o)
        return -EBADF;
    int acc = o->flags & O_ACCMODE; /* vmsplice_type: FMODE_WRITE first */
    bool writing = acc == O_WRONLY || acc == O_RDWR;
    if (!writing && acc != O_RDONLY)
        return -EBADF;
    struct uiov *iov;
    uint64_t total;
    long r = import_iovec(p, a[1], (int)a[2], FL_MAX_RW_COUNT, &iov, &total);
    if (r)
        return r;
    if (a[3] & ~(uint64_t)0xf) /* SPLICE_F_MOVE, NONBLOCK, MORE, GIFT */
        r = -EINVAL;
    else if (total && o->type != S_IFIFO)
        r = -EBADF; /* get_pipe_info */
    else if (total) {
        struct uiov_iter it = {iov, (int)a[2], 0, 0};
        r = writing ? do_write_iter_host(p, o, &it, total, -1) : do_read_iter(p, o, &it, total, -1);
    }
    free(iov);
    return r;
}

/* --- stat family: struct stat and struct statx are the same bytes on host and guest --- */

/* A path argument of the *at stat calls: since Linux 6.11 a NULL path with AT_EMPTY_PATH means
 * the dirfd itself (glibc's fstat uses that form). name gets the guest's name ("" for the
 * dirfd itself). A file procfs made, named by its fd, is stat'ed by the host path a stat of
 * its name looks at (ofd.proc_hpath): the procfs inode, not the memfd behind the fd. */
static long stat_path(struct proc *p, int dirfd, uint64_t upath, int flags, char hpath[PATH_MAX],
                      int *hdir, char name[PATH_MAX])
{
    name[0] = 0;
    if (!(upath == 0 && (flags & AT_EMPTY_PATH))) {
        long r = get_user_path(p, upath, name);
        if (r < 0)
            return r;
    }
    const struct ofd *o =
        !name[0] && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD ? fd_get(p->files, dirfd) : NULL;
    if (o && (o->proc_made || o->kmsg) && o->proc_hpath) {
        snprintf(hpath, PATH_MAX, "%s", o->proc_hpath);
        *hdir = AT_FDCWD;
        return 0;
    }
    return resolve_at(p, dirfd, name, hpath, PATH_MAX, hdir);
}

/* A /proc/sys/vm file of the model's named by a stat call (gname relative to dirfd; "" for the
 * fd itself, whose ofd says): the host file to stat into hpath (mm_tunable_stat_path: a stand-in
 * where the host lacks the file), and the mode its table gives it; 0 for any other name. */
static unsigned tunable_stat(struct proc *p, int dirfd, const char *gname, int flags,
                             char hpath[PATH_MAX], int *hdir)
{
    char abs[PATH_MAX];
    unsigned mode;
    const struct ofd *o =
        !gname[0] && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD ? fd_get(p->files, dirfd) : NULL;
    const char *g = o && o->proc_made ? o->proc_regen
                    : gname[0]        ? proc_absolute(p, dirfd, gname, abs, sizeof(abs))
                                      : NULL;
    const char *h = g && g[0] == '/' ? mm_tunable_stat_path(g, &mode) : NULL;
    if (!h)
        return 0;
    snprintf(hpath, PATH_MAX, "%s", h);
    *hdir = AT_FDCWD;
    return mode;
}

/* The link count the guest sees for the directory a stat call named (procfs_task_nlink), or -1
 * for the host's. Asked for directories only: it makes a relative name absolute. */
static long stat_nlink(struct proc *p, int dirfd, const char *name, int flags)
{
    char abs[PATH_MAX];
    const struct ofd *o = NULL;
    if (!name[0] && (flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD)
        o = fd_get(p->files, dirfd);
    const char *gname = name[0] ? proc_absolute(p, dirfd, name, abs, sizeof(abs)) : NULL;
    return procfs_task_nlink(p, gname, o);
}

/* The owner the guest sees of the file a stat call named, for a guest task's /proc entry
 * (procfs_task_owner); false for the host's. */
static bool stat_owner(struct proc *p, int dirfd, const char *name, int flags, unsigned mode,
                       uint32_t *uid, uint32_t *gid)
{
    char abs[PATH_MAX];
    const char *gname = name[0] ? proc_absolute(p, dirfd, name, abs, sizeof(abs)) : NULL;
    return procfs_task_owner(p, gname, !(flags & AT_SYMLINK_NOFOLLOW), mode, uid, gid);
}

static long do_fstatat(struct proc *p, int dirfd, uint64_t upath, uint64_t ubuf, int flags)
{
    char hpath[PATH_MAX], gname[PATH_MAX] = "";
    int hdir;
    struct stat st;
    long r = stat_path(p, dirfd, upath, flags, hpath, &hdir, gname);

    if (r < 0)
        return r;
    unsigned mode = tunable_stat(p, dirfd, gname, flags, hpath, &hdir);
    if (fstatat(hdir, hpath, &st, flags) < 0)
        return -errno;
    if (mode)
        st.st_mode = S_IFREG | mode;
    long nlink = S_ISDIR(st.st_mode) ? stat_nlink(p, dirfd, gname, flags) : -1;
    if (nlink >= 0)
        st.st_nlink = (nlink_t)nlink;
    uint32_t uid, gid;
    if (stat_owner(p, dirfd, gname, flags, st.st_mode, &uid, &gid))
        st.st_uid = uid, st.st_gid = gid;
    return put_user_struct(p, ubuf, &st, sizeof(st));
}

long sys_stat(struct proc *p, const uint64_t a[6])
{
    return do_fstatat(p, AT_FDCWD, a[0], a[1], 0);
}

long sys_lstat(struct proc *p, const uint64_t a[6])
{
    return do_fstatat(p, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

long sys_newfstatat(struct proc *p, const uint64_t a[6])
{
    return do_fstatat(p, (int)a[0], a[1], a[2], (int)a[3]);
}

long sys_fstat(struct proc *p, const uint64_t a[6])
{
    struct stat st;
    FD_OR_EBADF(p, a[0]);

    /* a procfs file: its inode as stat of its name shows it (ofd.proc_hpath), else the host's */
    if (!((o->proc_made || o->kmsg) && o->proc_hpath && stat(o->proc_hpath, &st) == 0) &&
        fstat(o->hostfd, &st) < 0)
        return -errno;
    unsigned mode = 0;
    if (o->proc_made && o->proc_regen && mm_tunable_stat_path(o->proc_regen, &mode))
        st.st_mode = S_IFREG | mode; /* a /proc/sys/vm file's, from the model's table */
    long nlink = S_ISDIR(st.st_mode) ? procfs_task_nlink(p, NULL, o) : -1;
    if (nlink >= 0)
        st.st_nlink = (nlink_t)nlink;
    return put_user_struct(p, a[1], &st, sizeof(st));
}

long sys_statx(struct proc *p, const uint64_t a[6])
{
    char hpath[PATH_MAX], gname[PATH_MAX] = "";
    int hdir, flags = (int)a[2];
    struct statx stx;
    long r = stat_path(p, (int)a[0], a[1], flags, hpath, &hdir, gname);

    if (r < 0)
        return r;
    unsigned mode = tunable_stat(p, (int)a[0], gname, flags, hpath, &hdir);
    if (statx(hdir, hpath, flags, (unsigned)a[3], &stx) < 0)
        return -errno;
    if (mode && (stx.stx_mask & STATX_MODE))
        stx.stx_mode = (uint16_t)(S_IFREG | mode);
    long nlink = S_ISDIR(stx.stx_mode) ? stat_nlink(p, (int)a[0], gname, flags) : -1;
    if (nlink >= 0 && (stx.stx_mask & STATX_NLINK))
        stx.stx_nlink = (uint32_t)nlink;
    uint32_t uid, gid;
    if ((stx.stx_mask & STATX_UID) &&
        stat_owner(p, (int)a[0], gname, flags, stx.stx_mode, &uid, &gid))
        stx.stx_uid = uid, stx.stx_gid = gid;
    return put_user_struct(p, a[4], &stx, sizeof(stx));
}

/* The next entries of directory fd a[0] into bounce as struct linux_dirent64, at most a[2] bytes:
 * the host fills at most FL_BOUNCE bytes per call, which only means fewer entries per call (the
 * guest calls again until 0). Their length, or -errno. */
static long read_dirents64(struct proc *p, const uint64_t a[6])
{
    unsigned count = (unsigned)a[2];
    long n;
    FD_OR_EBADF(p, a[0]);

    if (!access_ok(a[1], count))
        return -EFAULT;
    if (o->proc_dir)
        return procfs_getdents(p, o, bounce, count < FL_BOUNCE ? count : FL_BOUNCE);
    n = syscall(SYS_getdents64, o->hostfd, bounce, count < FL_BOUNCE ? count : FL_BOUNCE);
    return n < 0 ? -errno : n;
}

/* getdents64: struct linux_dirent64 is copied as it came. */
long sys_getdents64(struct proc *p, const uint64_t a[6])
{
    long n = read_dirents64(p, a);
    if (n < 0)
        return n;
    return put_user_struct(p, a[1], bounce, n) ? -EFAULT : n;
}

/*
 * getdents, the old call (sanitizers' ThreadLister still makes it): struct linux_dirent, whose
 * d_type is the record's last byte, after the name and its padding (fs/readdir.c, filldir). A
 * record is as long as the linux_dirent64 of the same entry (both are the name plus 20 bytes,
 * rounded up to 8), so each is rewritten where it lies: the name one byte earlier, d_type last.
 */
long sys_getdents(struct proc *p, const uint64_t a[6])
{
    long n = read_dirents64(p, a);
    if (n < 0)
        return n;
    for (long at = 0; at < n;) {
        char *rec = (char *)bounce + at;
        uint16_t reclen;
        uint8_t type;
        memcpy(&reclen, rec + 16, sizeof(reclen));
        type = (uint8_t)rec[18];
        size_t len = strnlen(rec + 19, reclen - 19u);
        memmove(rec + 18, rec + 19, len);
        memset(rec + 18 + len, 0, reclen - 18u - len);
        rec[reclen - 1] = (char)type;
        at += reclen;
    }
    return put_user_struct(p, a[1], bounce, n) ? -EFAULT : n;
}
