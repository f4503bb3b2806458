/*
 * sys_mqueue.c - POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive,
 * mq_notify, mq_getsetattr (ipc/mqueue.c).
 *
 * The queues are the emulated machine's (one IPC namespace, like the System V objects of
 * emu/sys_msgq.c): every guest process of the run sees the same names, and a queue lives until
 * it is unlinked and its last open description is closed, else as long as the run. Messages are
 * copied into faultline on send and out on receive, kept highest priority first and in order of
 * arrival within a priority (Linux's rbtree of per-priority lists).
 *
 * A queue descriptor is a guest fd whose host fd is an eventfd that faultline keeps at a level
 * that mirrors mqueue_poll_file: 0 while the queue is empty (writable, not readable), 1 while it
 * has messages and room (both), ULLONG_MAX - 1 while it is full (readable, not writable: an
 * eventfd at that count does not poll writable). So poll, select, epoll and a parked wait on the
 * host fd all work unchanged. Each open description has its own eventfd, all synced on a change.
 *
 * A send to a full queue or a receive from an empty one parks its task on that eventfd (and the
 * absolute CLOCK_REALTIME timeout, if any, as a monotonic deadline) and runs again from scratch
 * when it may succeed; wq_sleep's -ERESTARTSYS means a handler restarts it with SA_RESTART and
 * ends it with EINTR without. Which parked receiver gets a message is the one the scheduler
 * picks first, not the longest waiting as in Linux's pipelined_send.
 *
 * Notification: SIGEV_SIGNAL and SIGEV_NONE as Linux; SIGEV_THREAD needs glibc's netlink
 * socket to carry the cookie back, which faultline does not provide: ENOSYS (glibc's mq_notify
 * then fails with it). Permissions follow the queue's mode against faultline's own euid (the
 * guest's), root passing everything.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/fdtable.h"
#include "emu/mqueue.h"
#include "emu/path.h"
#include "emu/sched.h"
#include "emu/signal.h"
#include "emu/sys_info.h"
#include "emu/syscall.h"
#include "emu/sysv_ipc.h"
#include "emu/uio.h"

/* ipc/mq_sysctl.c defaults and include/linux/ipc_namespace.h hard limits */
#define QUEUES_MAX      256
#define MSG_MAX         10
#define MSGSIZE_MAX     8192
#define MSG_DEFAULT     10
#define MSGSIZE_DEFAULT 8192
#define HARD_MSGMAX     65536
#define HARD_MSGSIZEMAX (16 * 1024 * 1024)
#define MQ_PRIO_MAX     32768
#define RLIM_MSGQUEUE   819200 /* RLIMIT_MSGQUEUE's default (MQ_BYTES_MAX) */
/* The kernel's cost of a message and of a priority's tree node, which mq_bytes charges to the
 * user (sizeof(struct msg_msg), sizeof(struct posix_msg_tree_node) on x86-64). */
#define MSG_MSG_SIZE  48
#define TREE_NODE_SZ  48
#define EVENTFD_FULL  (UINT64_MAX - 1) /* an eventfd at this count is not writable */
#define FL_SI_MESGQ   (-3)
#define FL_SIGEV_SIG  0
#define FL_SIGEV_NONE 1
#define FL_SIGEV_THR  2

struct fl_mq_attr {
    long mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, pad[4];
};

/* struct sigevent as the x86-64 kernel reads it (64 bytes) */
struct fl_sigevent {
    uint64_t value;
    int32_t signo, notify;
    uint8_t rest[48];
};

struct mq_msg {
    long prio;
    size_t size;
    struct mq_msg *next;
    char text[];
};

struct mq_file {
    struct mqueue *q;
    int efd;         /* the ofd's host fd */
    uint64_t level;  /* what efd counts now: 0, 1 or EVENTFD_FULL */
    uint64_t rd_pos; /* read(2)'s offset in the status line */
    struct mq_file *next;
};

struct mqueue {
    char name[NAME_MAX + 1];
    bool linked; /* still has its name */
    unsigned mode, uid, gid;
    long maxmsg, msgsize, curmsgs;
    unsigned long qsize; /* as mqueue_read_file shows it: text and tree nodes */
    unsigned long mq_bytes;
    struct mq_msg *head; /* highest priority first, FIFO within one */
    int notify_owner;    /* the registered thread group, 0 if none */
    struct fl_sigevent notify;
    struct emu *emu;
    struct mq_file *files;
    struct sysv_wait *senders, *receivers; /* parked (emu/sysv_ipc.h), oldest first */
    struct mqueue *next;
};

static struct mqueue *queues;
static int queues_count;
static unsigned long user_mq_bytes; /* one sum for every uid (Linux keeps one a user) */

/* CAP_SYS_RESOURCE, for the hard limits (emu/cred.c: the task's own sets) */
static bool capable(const struct proc *p)
{
    return guest_capable(p, 24 /* CAP_SYS_RESOURCE */);
}

static struct mqueue *find_queue(const char *name)
{
    for (struct mqueue *q = queues; q; q = q->next)
        if (q->linked && strcmp(q->name, name) == 0)
            return q;
    return NULL;
}

/* The queue is unlinked and no description is open: it goes (mqueue_evict_inode). */
static void maybe_free(struct mqueue *q)
{
    if (q->linked || q->files || q->senders || q->receivers)
        return;
    for (struct mqueue **pp = &queues; *pp; pp = &(*pp)->next)
        if (*pp == q) {
            *pp = q->next;
            break;
        }
    while (q->head) {
        struct mq_msg *m = q->head;
        q->head = m->next;
        free(m);
    }
    user_mq_bytes -= q->mq_bytes;
    queues_count--;
    free(q);
}

/* Every description's eventfd to the level mqueue_poll_file's answer calls for. */
static void sync_ready(struct mqueue *q)
{
    uint64_t want = q->curmsgs == 0 ? 0 : q->curmsgs >= q->maxmsg ? EVENTFD_FULL : 1;
    for (struct mq_file *f = q->files; f; f = f->next) {
        uint64_t v;
        if (f->level == want)
            continue;
        if (f->level && read(f->efd, &v, sizeof(v)) != sizeof(v))
            continue; /* cannot happen on our own eventfd; keep the old level then */
        f->level = 0;
        if (want && write(f->efd, &want, sizeof(want)) == sizeof(want))
            f->level = want;
    }
}

void mqueue_release(struct mq_file *f)
{
    struct mqueue *q = f->q;
    for (struct mq_file **pp = &q->files; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            break;
        }
    free(f);
    maybe_free(q);
}

static void remove_notification(struct mqueue *q)
{
    q->notify_owner = 0;
}

void mqueue_flush(struct proc *p, struct ofd *o)
{
    if (o && o->mqueue && o->mqueue->q->notify_owner == p->task.tgid)
        remove_notification(o->mqueue->q);
}

void mqueue_exit(int tgid)
{
    for (struct mqueue *q = queues; q; q = q->next)
        if (q->notify_owner == tgid)
            remove_notification(q);
}

/* The queue behind guest fd `fd`, or NULL: not open, or not a queue (EBADF either way). */
static struct mq_file *mq_fd(struct proc *p, int fd, struct ofd **op)
{
    struct ofd *o = fd_get(p->files, fd);
    if (op)
        *op = o;
    return o ? o->mqueue : NULL;
}

/* ---- mq_open, mq_unlink ------------------------------------------------------------------ */

/* getname: the name glibc passes (it has taken the leading '/' off). 0 or -errno. */
static long get_mq_name(struct proc *p, uint64_t uname, char name[PATH_MAX])
{
    long n = get_user_path(p, uname, name);
    return n < 0 ? n : n == 0 ? -ENOENT : 0;
}

/* lookup_one_len in the mqueue root, then simple_lookup's length check. */
static long lookup_check(const char *name)
{
    if (strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return -EACCES;
    return strlen(name) > NAME_MAX ? -ENAMETOOLONG : 0;
}

/* mq_attr_ok: sizes within the limits (root's are the hard ones), and no overflow. On success
 * *bytes is what the queue charges to RLIMIT_MSGQUEUE. */
static long attr_ok(const struct proc *p, const struct fl_mq_attr *a, unsigned long *bytes)
{
    if (a->mq_maxmsg <= 0 || a->mq_msgsize <= 0)
        return -EINVAL;
    if (capable(p) ? a->mq_maxmsg > HARD_MSGMAX || a->mq_msgsize > HARD_MSGSIZEMAX
                   : a->mq_maxmsg > MSG_MAX || a->mq_msgsize > MSGSIZE_MAX)
        return -EINVAL;
    /* both are small now, so the sum cannot overflow */
    unsigned long n = (unsigned long)a->mq_maxmsg;
    unsigned long tree = n * MSG_MSG_SIZE + (n < MQ_PRIO_MAX ? n : MQ_PRIO_MAX) * TREE_NODE_SZ;
    *bytes = tree + n * (unsigned long)a->mq_msgsize;
    return 0;
}

/* inode_permission against the queue's mode: owner, then group, then others. */
static bool permitted(const struct proc *p, const struct mqueue *q, int acc /* 4 read, 2 write */)
{
    if (guest_capable(p, 1 /* CAP_DAC_OVERRIDE */))
        return true;
    uint32_t uids[4], gids[4], groups[CRED_NGROUPS]; /* the task's fs ids and groups */
    task_uids(p, uids);
    task_gids(p, gids);
    int n = task_groups(p, groups, CRED_NGROUPS);
    bool in_group = gids[CRED_FS] == q->gid;
    for (int i = 0; i < n && !in_group; i++)
        in_group = groups[i] == q->gid;
    unsigned m = q->mode;
    if (uids[CRED_FS] == q->uid)
        m >>= 6;
    else if (in_group)
        m >>= 3;
    return (m & (unsigned)acc) == (unsigned)acc;
}

/* mqueue_create_attr / mqueue_get_inode: a new queue named name. */
static long create_queue(struct proc *p, const char *name, unsigned mode,
                         const struct fl_mq_attr *ua, struct mqueue **out)
{
    struct fl_mq_attr a = {.mq_maxmsg = MSG_DEFAULT, .mq_msgsize = MSGSIZE_DEFAULT};
    unsigned long bytes;
    if (queues_count >= QUEUES_MAX && !capable(p))
        return -ENOSPC;
    if (ua)
        a = *ua;
    long r = attr_ok(p, &a, &bytes);
    if (r)
        return r;
    if (user_mq_bytes + bytes > RLIM_MSGQUEUE)
        return -EMFILE;
    struct mqueue *q = calloc(1, sizeof(*q));
    if (!q)
        return -ENOMEM;
    memcpy(q->name, name, strlen(name) + 1); /* lookup_check bounded it by NAME_MAX */
    q->linked = true;
    q->mode = mode & ~p->umask & 0777;
    uint32_t uids[4], gids[4]; /* mqueue_get_inode: the creator's fs ids */
    task_uids(p, uids);
    task_gids(p, gids);
    q->uid = uids[CRED_FS];
    q->gid = gids[CRED_FS];
    q->maxmsg = a.mq_maxmsg;
    q->msgsize = a.mq_msgsize;
    q->mq_bytes = bytes;
    q->emu = p->emu;
    q->next = queues;
    queues = q;
    queues_count++;
    user_mq_bytes += bytes;
    *out = q;
    return 0;
}

/* mq_open(name, oflag, mode, attr): a descriptor, always close-on-exec (do_mq_open). */
long sys_mq_open(struct proc *p, const uint64_t a[6])
{
    int oflag = (int)a[1];
    unsigned mode = (unsigned)a[2];
    struct fl_mq_attr attr;
    char name[PATH_MAX];

    if (a[3] && get_user_struct(p, &attr, a[3], sizeof(attr)))
        return -EFAULT;
    long r = get_mq_name(p, a[0], name);
    if (r)
        return r;
    if ((r = fd_lowest_free(p->files, 0)) < 0) /* get_unused_fd_flags comes before the lookup */
        return r;
    if ((r = lookup_check(name)))
        return r;
    struct mqueue *q = find_queue(name);
    bool created = false;
    if (!q) {
        if (!(oflag & O_CREAT))
            return -ENOENT;
        if ((r = create_queue(p, name, mode, a[3] ? &attr : NULL, &q)))
            return r;
        created = true;
    } else {
        static const int acc[3] = {4, 2, 6};
        if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
            return -EEXIST;
        if ((oflag & O_ACCMODE) == O_ACCMODE)
            return -EINVAL;
        if (!permitted(p, q, acc[oflag & O_ACCMODE]))
            return -EACCES;
    }
    struct mq_file *f = calloc(1, sizeof(*f));
    int efd, fd = f ? fd_install_eventfd(p->files, oflag & O_NONBLOCK, true, &efd) : -ENOMEM;
    if (fd < 0) {
        free(f);
        if (created) {
            q->linked = false;
            maybe_free(q);
        }
        return fd;
    }
    *f = (struct mq_file){.q = q, .efd = efd, .next = q->files};
    q->files = f;
    struct ofd *o = fd_get(p->files, fd);
    o->mqueue = f;
    o->flags = oflag & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
    sync_ready(q);
    return fd;
}

/* mq_unlink(name): the name goes; the queue lives on while descriptions are open. */
long sys_mq_unlink(struct proc *p, const uint64_t a[6])
{
    char name[PATH_MAX];
    long r = get_mq_name(p, a[0], name);
    if (!r)
        r = lookup_check(name);
    if (r)
        return r;
    struct mqueue *q = find_queue(name);
    if (!q)
        return -ENOENT;
    /* may_delete in the sticky mqueue root: the owner or root */
    uint32_t uids[4];
    task_uids(p, uids);
    if (!guest_capable(p, 3 /* CAP_FOWNER */) && uids[CRED_FS] != q->uid)
        return -EPERM;
    q->linked = false;
    maybe_free(q);
    return 0;
}

/* ---- send and receive ---------------------------------------------------------------------- */

/* prepare_timeout: the absolute CLOCK_REALTIME time at ut as a monotonic deadline in *deadline
 * (0 without one). */
static long get_timeout(struct proc *p, uint64_t ut, uint64_t *deadline)
{
    struct timespec ts;
    *deadline = 0;
    if (!ut)
        return 0;
    if (get_user_struct(p, &ts, ut, sizeof(ts)))
        return -EFAULT;
    if (!timespec_valid(&ts))
        return -EINVAL;
    *deadline = monotonic_deadline(CLOCK_REALTIME, timespec_ns(&ts));
    if (!*deadline)
        *deadline = 1; /* 0 means none */
    return 0;
}

/* wq_sleep: park w's task on the queue's list until a receiver completes it (a sender) or a
 * message is there (a receiver), or the deadline: the call runs again then. ETIMEDOUT at once
 * when the deadline is past. */
static long mq_sleep(struct proc *p, struct mqueue *q, enum sysv_wait_kind kind, struct mq_msg *m,
                     uint64_t deadline)
{
    if (deadline && monotonic_ns() >= deadline) {
        free(m);
        return -ETIMEDOUT;
    }
    struct sysv_wait *w = calloc(1, sizeof(*w));
    if (!w) {
        free(m);
        return -ENOMEM;
    }
    *w = (struct sysv_wait){.kind = kind, .status = SYSV_PENDING, .p = p, .mq = q, .mq_msg = m};
    struct sysv_wait **link = kind == SYSV_MQSEND ? &q->senders : &q->receivers;
    while (*link)
        link = &(*link)->next;
    *link = w;
    p->sysv_wait = w;
    proc_park(p, WAIT_SYSV, 0, true);
    p->wait_deadline = deadline; /* after proc_park, which may have cleared it */
    return -FL_ERESTARTSYS;
}

bool mq_wait_ready(const struct sysv_wait *w)
{
    const struct mqueue *q = w->mq;
    return q->curmsgs > 0;
}

void mq_wait_done(struct sysv_wait *w)
{
    struct mqueue *q = w->mq;
    struct sysv_wait **lists[] = {&q->senders, &q->receivers};
    for (int l = 0; l < 2; l++)
        for (struct sysv_wait **link = lists[l]; *link; link = &(*link)->next)
            if (*link == w) {
                *link = w->next;
                break;
            }
    w->next = NULL;
    struct mq_msg *m = w->mq_msg;
    w->mq_msg = NULL;
    if (m && w->kind == SYSV_MQRECV) {
        /* handed to a receiver that a handler ended with EINTR before it ran again: back to
         * the front of its priority rather than lost */
        struct mq_msg **link = &q->head;
        while (*link && (*link)->prio > m->prio)
            link = &(*link)->next;
        q->qsize += m->size + (!*link || (*link)->prio != m->prio ? TREE_NODE_SZ : 0);
        m->next = *link;
        *link = m;
        q->curmsgs++;
        sync_ready(q);
    } else {
        free(m);
    }
    maybe_free(q);
}

/* A call of p's that parked on a queue, run again: a sender a receiver completed returns 0, a
 * receiver a sender handed a message to gets it in *m (and 0); 1 means "run the call afresh",
 * its wait dropped (woken by a message, a timeout, or a signal no handler took). */
static long mq_parked(struct proc *p, enum sysv_wait_kind kind, struct mq_msg **m)
{
    struct sysv_wait *w = p->sysv_wait;
    if (!w || w->kind != kind)
        return 1;
    long st = w->status;
    if (m && st != SYSV_PENDING) {
        *m = w->mq_msg;
        w->mq_msg = NULL;
    }
    sysv_wait_cancel(p);
    return st == SYSV_PENDING ? 1 : st;
}

/* __do_notify: the queue has just become non-empty. Nobody waits to receive, or Linux's
 * pipelined_send would have handed the message over without notifying. */
static void do_notify(struct proc *p, struct mqueue *q)
{
    if (!q->notify_owner || q->receivers)
        return;
    if (q->notify.notify == FL_SIGEV_SIG && q->notify.signo) {
        struct proc *owner = find_proc(p->emu, q->notify_owner);
        struct fl_siginfo info = {.si_signo = q->notify.signo, .si_code = FL_SI_MESGQ};
        info.u.rt.pid = p->task.tgid;
        uint32_t uids[4];
        task_uids(p, uids);
        info.u.rt.uid = uids[CRED_R];
        info.u.rt.value = q->notify.value;
        if (owner && !owner->exited)
            send_signal_group(owner, q->notify.signo, &info);
    }
    remove_notification(q);
}

/* msg_insert: after the last message of its priority. */
static void msg_insert(struct mqueue *q, struct mq_msg *m)
{
    struct mq_msg **link = &q->head;
    bool new_prio = true;
    while (*link && (*link)->prio >= m->prio) {
        if ((*link)->prio == m->prio)
            new_prio = false;
        link = &(*link)->next;
    }
    m->next = *link;
    *link = m;
    q->curmsgs++;
    q->qsize += m->size + (new_prio ? TREE_NODE_SZ : 0);
}

/* mq_timedsend(mqdes, msg, len, prio, abs_timeout) */
long sys_mq_timedsend(struct proc *p, const uint64_t a[6])
{
    size_t len = (size_t)a[2];
    unsigned prio = (unsigned)a[3];
    uint64_t deadline;
    struct ofd *o;

    long r = mq_parked(p, SYSV_MQSEND, NULL);
    if (r != 1)
        return r;
    if (prio >= MQ_PRIO_MAX)
        return -EINVAL;
    if ((r = get_timeout(p, a[4], &deadline)))
        return r;
    struct mq_file *f = mq_fd(p, (int)a[0], &o);
    if (!f || !(((o->flags & O_ACCMODE) + 1) & 2)) /* FMODE_WRITE */
        return -EBADF;
    struct mqueue *q = f->q;
    if (len > (size_t)q->msgsize)
        return -EMSGSIZE;
    struct mq_msg *m = malloc(sizeof(*m) + len);
    if (!m)
        return -ENOMEM;
    if (get_user_struct(p, m->text, a[1], len)) {
        free(m);
        return -EFAULT;
    }
    m->prio = prio;
    m->size = len;
    if (q->curmsgs >= q->maxmsg) {
        if (o->flags & O_NONBLOCK) {
            free(m);
            return -EAGAIN;
        }
        return mq_sleep(p, q, SYSV_MQSEND, m, deadline);
    }
    struct sysv_wait *w = q->receivers;
    if (w) { /* pipelined_send: the oldest parked receiver takes it; the queue stays empty */
        q->receivers = w->next;
        w->next = NULL;
        w->mq_msg = m;
        w->status = 0;
        p->preempted = true;
        return 0;
    }
    msg_insert(q, m);
    if (q->curmsgs == 1)
        do_notify(p, q);
    sync_ready(q);
    return 0;
}

/* pipelined_receive: a message was taken from the full queue, so the oldest parked sender's
 * goes in and its call is complete. */
static void pipelined_receive(struct proc *p, struct mqueue *q)
{
    struct sysv_wait *w = q->senders;
    if (!w)
        return;
    q->senders = w->next;
    w->next = NULL;
    msg_insert(q, w->mq_msg);
    w->mq_msg = NULL;
    w->status = 0;
    p->preempted = true;
}

/* The received message m to the guest's buffer and priority word (if uprio); frees m. The message
 * is taken even when it cannot be stored, as Linux's: its size or -EFAULT. */
static long copy_msg_out(struct proc *p, uint64_t ubuf, uint64_t uprio, struct mq_msg *m)
{
    uint32_t up = (uint32_t)m->prio;
    long r = (long)m->size;
    if ((uprio && put_user_struct(p, uprio, &up, sizeof(up))) ||
        put_user_struct(p, ubuf, m->text, m->size))
        r = -EFAULT;
    free(m);
    return r;
}

/* mq_timedreceive(mqdes, msg, len, prio, abs_timeout): the message's size. */
long sys_mq_timedreceive(struct proc *p, const uint64_t a[6])
{
    size_t len = (size_t)a[2];
    uint64_t deadline;
    struct ofd *o;

    struct mq_msg *m = NULL;
    long r = mq_parked(p, SYSV_MQRECV, &m);
    if (r != 1)
        return m ? copy_msg_out(p, a[1], a[3], m) : r;
    if ((r = get_timeout(p, a[4], &deadline)))
        return r;
    struct mq_file *f = mq_fd(p, (int)a[0], &o);
    if (!f || !(((o->flags & O_ACCMODE) + 1) & 1)) /* FMODE_READ */
        return -EBADF;
    struct mqueue *q = f->q;
    if (len < (size_t)q->msgsize)
        return -EMSGSIZE;
    if (q->curmsgs == 0) {
        if (o->flags & O_NONBLOCK)
            return -EAGAIN;
        return mq_sleep(p, q, SYSV_MQRECV, NULL, deadline);
    }
    m = q->head;
    q->head = m->next;
    q->curmsgs--;
    q->qsize -= m->size + (!q->head || q->head->prio != m->prio ? TREE_NODE_SZ : 0);
    pipelined_receive(p, q);
    sync_ready(q);
    return copy_msg_out(p, a[1], a[3], m);
}

/* ---- notification and attributes -------------------------------------------------------- */

/* mq_notify(mqdes, sevp): register p's process for a signal when the queue becomes non-empty;
 * NULL unregisters it if it is the one registered. */
long sys_mq_notify(struct proc *p, const uint64_t a[6])
{
    struct fl_sigevent ev;
    if (a[1]) {
        if (get_user_struct(p, &ev, a[1], sizeof(ev)))
            return -EFAULT;
        if (ev.notify != FL_SIGEV_NONE && ev.notify != FL_SIGEV_SIG && ev.notify != FL_SIGEV_THR)
            return -EINVAL;
        if (ev.notify == FL_SIGEV_SIG && (ev.signo < 0 || ev.signo > FL_NSIG))
            return -EINVAL;
        if (ev.notify == FL_SIGEV_THR)
            return -ENOSYS; /* the netlink socket that carries it is not provided */
    }
    struct mq_file *f = mq_fd(p, (int)a[0], NULL);
    if (!f)
        return -EBADF;
    struct mqueue *q = f->q;
    if (!a[1]) {
        if (q->notify_owner == p->task.tgid)
            remove_notification(q);
        return 0;
    }
    if (q->notify_owner)
        return -EBUSY;
    q->notify_owner = p->task.tgid;
    q->notify = ev;
    return 0;
}

/* mq_getsetattr(mqdes, newattr, oldattr): only O_NONBLOCK can be set, on the description. */
long sys_mq_getsetattr(struct proc *p, const uint64_t a[6])
{
    struct fl_mq_attr nw, old;
    struct ofd *o;
    if (a[1]) {
        if (get_user_struct(p, &nw, a[1], sizeof(nw)))
            return -EFAULT;
        if (nw.mq_flags & ~(long)O_NONBLOCK)
            return -EINVAL;
    }
    struct mq_file *f = mq_fd(p, (int)a[0], &o);
    if (!f)
        return -EBADF;
    memset(&old, 0, sizeof(old));
    old.mq_flags = o->flags & O_NONBLOCK;
    old.mq_maxmsg = f->q->maxmsg;
    old.mq_msgsize = f->q->msgsize;
    old.mq_curmsgs = f->q->curmsgs;
    if (a[1])
        o->flags = (o->flags & ~O_NONBLOCK) | (int)(nw.mq_flags & O_NONBLOCK);
    if (a[2] && put_user_struct(p, a[2], &old, sizeof(old)))
        return -EFAULT;
    return 0;
}

long mqueue_read(struct proc *p, struct ofd *o, uint64_t buf, uint64_t len)
{
    struct mq_file *f = o->mqueue;
    struct mqueue *q = f->q;
    char line[80];
    int n = snprintf(line, sizeof(line), "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
                     q->qsize, q->notify_owner ? q->notify.notify : 0,
                     q->notify_owner && q->notify.notify == FL_SIGEV_SIG ? q->notify.signo : 0,
                     q->notify_owner);
    if (n < 0 || f->rd_pos >= (uint64_t)n)
        return 0;
    size_t k = (size_t)n - f->rd_pos < len ? (size_t)n - f->rd_pos : len;
    if (put_user_struct(p, buf, line + f->rd_pos, k))
        return -EFAULT;
    f->rd_pos += k;
    return (long)k;
}
