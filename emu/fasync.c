/*
 * fasync.c - signal-driven I/O (fs/fcntl.c: f_setown, f_setown_ex, f_getown_ex, send_sigio,
 * kill_fasync; the fasync calls of fs/pipe.c and net/unix/af_unix.c). What sends when is in
 * fasync.h.
 *
 * sigio_perm (the sender's uid against the owner's) is not checked: every guest runs as the one
 * host user faultline runs as, so it always allows.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "emu/emu.h"
#include "emu/fasync.h"
#include "emu/fdtable.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/uio.h"

unsigned fasync_nr;
static struct ofd *fasync_list; /* the files with O_ASYNC on a list, newest first */
static struct emu *fasync_emu;  /* whose processes own them */

enum { FA_NONE, FA_PIPE, FA_PAIR, FA_EXTERNAL };

#define FL_SI_SIGIO (-5)

/* band_table (mangle_poll is the identity on x86): the poll events each POLL_* code reports */
static const int64_t band_table[6] = {
    POLLIN | POLLRDNORM,               /* POLL_IN */
    POLLOUT | POLLWRNORM | POLLWRBAND, /* POLL_OUT */
    POLLIN | POLLRDNORM | POLLMSG,     /* POLL_MSG */
    POLLERR,                           /* POLL_ERR */
    POLLPRI | POLLRDBAND,              /* POLL_PRI */
    POLLHUP | POLLERR,                 /* POLL_HUP */
};

/* The signals whose si_code values have meanings of their own (sig_specific_sicodes): for those
 * F_SETSIG's siginfo says SI_SIGIO rather than a POLL_* code that would read as another. */
static bool sig_specific_sicodes(int sig)
{
    return sig == SIGILL || sig == SIGFPE || sig == SIGSEGV || sig == SIGBUS || sig == SIGTRAP ||
           sig == SIGCHLD || sig == SIGPOLL || sig == SIGSYS;
}

static bool reads(const struct ofd *o)
{
    return (o->flags & O_ACCMODE) != O_WRONLY;
}

static bool writes(const struct ofd *o)
{
    return (o->flags & O_ACCMODE) != O_RDONLY;
}

/* Which fasync list the file would be on: none for files without ->fasync in Linux (regular
 * files, eventfd, signalfd, timerfd, epoll, /dev/zero and its kind), whose O_ASYNC is a flag
 * only. */
static int kind_of(const struct ofd *o)
{
    if (o->signalfd || o->pidfd || o->uffd || o->mqueue || o->epoll || o->fills_reads)
        return FA_NONE;
    switch (o->type) {
    case S_IFIFO:
        return o->host_nonblock && !o->external ? FA_PIPE : FA_EXTERNAL;
    case S_IFSOCK:
        return o->pair_serial ? FA_PAIR : FA_EXTERNAL;
    case S_IFCHR:
        return FA_EXTERNAL;
    default:
        return FA_NONE;
    }
}

/* send_sigio_to_task: F_SETSIG's signal with a siginfo saying why, queued (a real-time one once
 * per event), or if it has none or it cannot be queued, plain SIGIO as the kernel's own. group:
 * to t's thread group rather than to thread t (every owner type but F_OWNER_TID). */
static void send_sigio_to(struct proc *t, const struct ofd *o, int reason, bool group)
{
    struct proc *leader = group ? find_proc(t->emu, t->task.tgid) : NULL;
    if (t->exited && !leader)
        return;
    int signum = o->sigio_signum;
    struct fl_siginfo si;
    if (signum) {
        memset(&si, 0, sizeof(si));
        si.si_signo = signum;
        si.si_code = signum != SIGPOLL && sig_specific_sicodes(signum) ? FL_SI_SIGIO : reason;
        si.u.poll.band = band_table[reason - POLL_IN];
        si.u.poll.fd = o->fasync_fd;
        if ((leader ? send_signal_group(leader, signum, &si) : send_signal(t, signum, &si)) == 0)
            return;
    }
    memset(&si, 0, sizeof(si)); /* SEND_SIG_PRIV */
    si.si_signo = SIGIO;
    si.si_code = FL_SI_KERNEL;
    if (leader)
        send_signal_group(leader, SIGIO, &si);
    else
        send_signal(t, SIGIO, &si);
}

/* send_sigio: to the owner o names, if any. */
static void send_sigio(const struct ofd *o, int reason)
{
    struct emu *e = fasync_emu;
    if (!o->owner_pid || !e)
        return;
    if (o->owner_type != F_OWNER_PGRP) {
        struct proc *t = find_proc(e, o->owner_pid);
        if (t)
            send_sigio_to(t, o, reason, o->owner_type != F_OWNER_TID);
        return;
    }
    for (struct proc *q = e->procs; q; q = q->next) /* each process of the group, once */
        if (!q->exited && !q->thread && guest_pgrp(q) == o->owner_pid)
            send_sigio_to(q, o, reason, true);
}

/* A task sleeps in a read of o (SOCKWQ_ASYNC_WAITDATA): sk_wake_async's SOCK_WAKE_WAITD sends
 * nothing then, the reader being woken anyway. */
static bool read_waiter(const struct ofd *o)
{
    for (struct proc *q = fasync_emu ? fasync_emu->procs : NULL; q; q = q->next)
        if (!q->exited && q->wait == WAIT_FD_READ && q->files && fd_get(q->files, q->wait_arg) == o)
            return true;
    return false;
}

/* The end of a socket pair on the list whose peer is o, or NULL. */
static struct ofd *async_peer(const struct ofd *o)
{
    if (!o->pair_serial)
        return NULL;
    for (struct ofd *a = fasync_list; a; a = a->fasync_next)
        if (a->serial == o->pair_serial)
            return a;
    return NULL;
}

static bool same_pipe(const struct ofd *a, const struct ofd *o)
{
    return a->fasync_kind == FA_PIPE && a->fasync_ino == o->fasync_ino &&
           a->fasync_dev == o->fasync_dev;
}

/* kill_fasync on a pipe's readers (POLL_IN) or writers (POLL_OUT). */
static void kill_pipe_fasync(const struct ofd *o, int reason)
{
    for (struct ofd *a = fasync_list; a; a = a->fasync_next)
        if (same_pipe(a, o) && (reason == POLL_IN ? reads(a) : writes(a)))
            send_sigio(a, reason);
}

static bool pipe_has_async(const struct ofd *o, bool writer)
{
    for (struct ofd *a = fasync_list; a; a = a->fasync_next)
        if (same_pipe(a, o) && (writer ? writes(a) : reads(a)))
            return true;
    return false;
}

/* Data went into o (pipe_write, sock_def_readable of the peer). */
static void data_in(struct ofd *o)
{
    if (o->type == S_IFIFO) {
        kill_pipe_fasync(o, POLL_IN);
    } else {
        struct ofd *a = async_peer(o);
        if (a && !read_waiter(a))
            send_sigio(a, POLL_IN);
    }
}

/* n bytes (or messages) came out of o (pipe_read freeing a buffer, unix_write_space). */
static void data_out(struct ofd *o, long n)
{
    if (o->type == S_IFIFO) {
        int left = 0;
        if (pipe_has_async(o, true) &&
            (n >= 4096 || (ioctl(o->hostfd, FIONREAD, &left) == 0 && left == 0)))
            kill_pipe_fasync(o, POLL_OUT);
        return;
    }
    struct ofd *a = async_peer(o);
    if (!a || !a->fasync_nospace)
        return;
    struct pollfd pfd = {.fd = a->hostfd, .events = POLLOUT};
    if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT)) { /* unix_writable */
        a->fasync_nospace = false;
        send_sigio(a, POLL_OUT);
    }
}

static bool stream_socket(const struct ofd *o)
{
    int type = 0;
    socklen_t len = sizeof(type);
    return getsockopt(o->hostfd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
           (type == SOCK_STREAM || type == SOCK_SEQPACKET);
}

void fasync_syscall(struct proc *p, uint64_t nr, const uint64_t a[6], long ret)
{
    int in = -1, out = -1;
    if (!p->files) /* it has exited meanwhile */
        return;
    switch (nr) {
    case 0:   /* read */
    case 19:  /* readv */
    case 45:  /* recvfrom */
    case 47:  /* recvmsg */
    case 299: /* recvmmsg */
        in = (int)a[0];
        break;
    case 1:   /* write */
    case 20:  /* writev */
    case 44:  /* sendto */
    case 46:  /* sendmsg */
    case 307: /* sendmmsg */
        out = (int)a[0];
        break;
    case 40: /* sendfile(out, in, ...) */
        out = (int)a[0], in = (int)a[1];
        break;
    case 275: /* splice(in, off, out, ...) */
        in = (int)a[0], out = (int)a[2];
        break;
    case 276: /* tee(in, out, ...): takes nothing out of in */
        out = (int)a[1];
        break;
    case 278: { /* vmsplice: into a write end, out of a read end */
        struct ofd *o = fd_get(p->files, (int)a[0]);
        if (o && (o->flags & O_ACCMODE) == O_RDONLY)
            in = (int)a[0];
        else
            out = (int)a[0];
        break;
    }
    case 48: { /* shutdown(fd, how): unix_shutdown tells a stream peer */
        struct ofd *o = ret == 0 ? fd_get(p->files, (int)a[0]) : NULL;
        struct ofd *peer = o ? async_peer(o) : NULL;
        if (!peer || !stream_socket(o) || read_waiter(peer))
            return;
        if (a[1] == SHUT_RDWR) /* the peer can neither send nor receive */
            send_sigio(peer, POLL_HUP);
        else if (a[1] == SHUT_WR) /* the peer receives no more */
            send_sigio(peer, POLL_IN);
        return;
    }
    default:
        return;
    }
    struct ofd *oo = out >= 0 ? fd_get(p->files, out) : NULL;
    struct ofd *io = in >= 0 ? fd_get(p->files, in) : NULL;
    if (ret > 0) {
        if (oo)
            data_in(oo);
        if (io)
            data_out(io, ret);
    }
    /* a send that found no room, all or part (sock_alloc_send_pskb: SOCKWQ_ASYNC_NOSPACE) */
    if (oo && oo->pair_serial &&
        (ret == -EAGAIN || ((nr == 1 || nr == 44) && ret > 0 && (uint64_t)ret < a[2])))
        oo->fasync_nospace = true;
}

static void list_add(struct ofd *o)
{
    o->fasync_next = fasync_list;
    fasync_list = o;
    o->fasync_on = true;
    fasync_nr++;
}

static void list_del(struct ofd *o)
{
    for (struct ofd **l = &fasync_list; *l; l = &(*l)->fasync_next)
        if (*l == o) {
            *l = o->fasync_next;
            o->fasync_on = false;
            fasync_nr--;
            return;
        }
}

/* The events an external file shows now (of those its access mode reads). */
static short external_revents(const struct ofd *o)
{
    struct pollfd pfd = {.fd = o->hostfd,
                         .events = (short)((reads(o) ? POLLIN : 0) | (writes(o) ? POLLOUT : 0))};
    return poll(&pfd, 1, 0) == 1 ? pfd.revents : 0;
}

long fasync_set(struct proc *p, struct ofd *o, int fd, bool on)
{
    int kind = kind_of(o);
    if (kind == FA_NONE)
        return 1; /* no ->fasync: O_ASYNC is a flag and nothing more */
    fasync_emu = p->emu;
    if (!on) {
        if (o->fasync_on)
            list_del(o);
        return 0;
    }
    if (!o->fasync_on)
        list_add(o);
    o->fasync_fd = fd; /* fasync_insert_entry: the fd it was last set through */
    o->fasync_kind = kind;
    if (kind == FA_EXTERNAL) /* edge-triggered from what it shows now */
        o->fasync_revents = external_revents(o);
    return 0;
}

void fasync_pair(struct ofd *a, struct ofd *b)
{
    a->pair_serial = b->serial;
    b->pair_serial = a->serial;
}

/* find_vpid: does a struct pid with this number exist in the guest, as a task's id, or a
 * process group's or session's that a process still has? */
static bool guest_pid_exists(struct emu *e, int nr)
{
    for (struct proc *q = e->procs; q; q = q->next)
        if (!q->reaped && (q->task.pid == nr || guest_pgrp(q) == nr || guest_sid(q) == nr))
            return true;
    return false;
}

/* f_modown: the owner and its type. */
static void set_owner(struct ofd *o, int pid, int type)
{
    o->owner_pid = pid;
    o->owner_type = type;
}

long fasync_fcntl(struct proc *p, struct ofd *o, int fd, int cmd, uint64_t arg)
{
    (void)fd;
    fasync_emu = p->emu;
    switch (cmd) {
    case F_GETOWN: /* a group's id negated (so a large one reads as an error: glibc asks
                      F_GETOWN_EX instead) */
        return o->owner_type == F_OWNER_PGRP ? -(long)o->owner_pid : o->owner_pid;
    case F_SETOWN: {
        int who = (int)arg, type = F_OWNER_PID;
        if (who < 0) {
            if (who == INT_MIN)
                return -EINVAL;
            type = F_OWNER_PGRP;
            who = -who;
        }
        if (who && !guest_pid_exists(p->emu, who))
            return -ESRCH;
        set_owner(o, who, type);
        return 0;
    }
    case F_GETOWN_EX: {
        struct f_owner_ex ex = {.type = o->owner_type, .pid = o->owner_pid};
        return put_user_struct(p, arg, &ex, sizeof(ex)) ? -EFAULT : 0;
    }
    case F_SETOWN_EX: {
        struct f_owner_ex ex;
        if (get_user_struct(p, &ex, arg, sizeof(ex)))
            return -EFAULT;
        if (ex.type != F_OWNER_TID && ex.type != F_OWNER_PID && ex.type != F_OWNER_PGRP)
            return -EINVAL;
        if (ex.pid && !guest_pid_exists(p->emu, ex.pid))
            return -ESRCH;
        /* find_vpid of a negative number finds nothing: the owner is none, of that type */
        set_owner(o, ex.pid > 0 ? ex.pid : 0, ex.type);
        return 0;
    }
    case F_GETSIG:
        return o->sigio_signum;
    case F_SETSIG:
        if (arg > 64) /* valid_signal; 0 is plain SIGIO again */
            return -EINVAL;
        o->sigio_signum = (int)arg;
        return 0;
    default:
        return -EINVAL;
    }
}

void fasync_release(struct ofd *o)
{
    if (o->fasync_on)
        list_del(o); /* __fput's ->fasync(-1, file, 0) */
    struct ofd *peer = async_peer(o);
    /* unix_release_sock: a stream peer can neither send nor receive any more */
    if (peer && stream_socket(o) && !read_waiter(peer))
        send_sigio(peer, POLL_HUP);
}

void fasync_closed(struct ofd *o)
{
    if (o->type != S_IFIFO || !fasync_nr)
        return;
    /* pipe_release: one side has no file left while the other has (the files on the list are
     * of that other side): readers see end of file, writers a broken pipe */
    for (struct ofd *a = fasync_list; a; a = a->fasync_next) {
        if (!same_pipe(a, o))
            continue;
        struct pollfd pfd = {.fd = a->hostfd, .events = 0};
        if (poll(&pfd, 1, 0) != 1)
            continue;
        if (reads(a) && (pfd.revents & POLLHUP))
            send_sigio(a, POLL_IN);
        else if (writes(a) && (pfd.revents & POLLERR))
            send_sigio(a, POLL_OUT);
    }
}

static bool watched_externally(const struct ofd *a)
{
    return a->fasync_kind == FA_EXTERNAL && a->owner_pid;
}

void fasync_external_fds(struct pollfd **fds, size_t *n, size_t *cap)
{
    for (struct ofd *a = fasync_list; a; a = a->fasync_next) {
        if (!watched_externally(a) || (a->fasync_revents & (POLLHUP | POLLERR)))
            continue; /* a hang-up stays: polling for it again would not wait */
        short want =
            (short)(((reads(a) ? POLLIN : 0) | (writes(a) ? POLLOUT : 0)) & ~a->fasync_revents);
        if (!want)
            continue;
        if (*n + 1 > *cap) {
            size_t ncap = (*n + 1) * 2;
            struct pollfd *grown = realloc(*fds, ncap * sizeof(**fds));
            if (!grown)
                return;
            *fds = grown;
            *cap = ncap;
        }
        (*fds)[(*n)++] = (struct pollfd){a->hostfd, want, 0};
    }
}

bool fasync_poll_external(void)
{
    bool sent = false;
    for (struct ofd *a = fasync_list; a; a = a->fasync_next) {
        if (!watched_externally(a))
            continue;
        short now = external_revents(a), rising = (short)(now & ~a->fasync_revents);
        a->fasync_revents = now;
        if (rising & POLLIN)
            send_sigio(a, POLL_IN), sent = true;
        if (rising & POLLOUT)
            send_sigio(a, POLL_OUT), sent = true;
        if (rising & POLLHUP)
            send_sigio(a, POLL_HUP), sent = true;
    }
    return sent;
}
