/*
 * sys_msgq.c - System V message queues: msgget, msgsnd, msgrcv, msgctl (ipc/msg.c).
 *
 * The table of queues is the emulated machine's (one IPC namespace), with ids built as in
 * emu/sys_shm.c. Messages are copied into faultline on msgsnd and out on msgrcv. A receiver
 * that finds nothing parks (emu/sysv_ipc.h) queued on the queue with what it searches for; a
 * msgsnd hands its message straight to the oldest receiver that matches (pipelined_send), or
 * tells one whose buffer is too small E2BIG and tries the next, before queueing it. A sender
 * that finds the queue full parks until a receive or an IPC_SET makes room, then tries again,
 * as Linux's do_msgsnd loop does. IPC_RMID ends every wait with EIDRM; a signal handler ends
 * one with EINTR, SA_RESTART or not (ERESTARTNOHAND). Permissions are not checked, and neither
 * is MSG_COPY (the checkpoint/restore peek) provided.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/sys_info.h"
#include "emu/sched.h"
#include "emu/syscall.h"
#include "emu/sysv_ipc.h"
#include "emu/text.h"
#include "emu/uio.h"

#define MSGMNI         32000
#define MSGMAX         8192  /* the largest message */
#define MSGMNB         16384 /* a queue's default size in bytes */
#define SEQ_MULTIPLIER 32768
#define IPC_64         0x100
#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

/* convert_mode's searches */
#define SEARCH_ANY       1
#define SEARCH_EQUAL     2
#define SEARCH_NOTEQUAL  3
#define SEARCH_LESSEQUAL 4

struct msg_msg {
    long type;
    size_t size;
    struct msg_msg *next;
    char text[];
};

struct msg_queue {
    struct ipc_perm perm;
    unsigned seq; /* the id's upper part; perm.__seq is its low 16 bits */
    time_t stime, rtime, ctime;
    size_t cbytes, qnum, qbytes;
    int lspid, lrpid;
    struct msg_msg *head, **tail;
    struct sysv_wait *receivers, *senders; /* parked, oldest first */
};

static struct msg_queue *queues[MSGMNI];
static unsigned next_seq;
static long msg_hdrs, msg_bytes; /* in all queues (MSG_INFO) */

static int queue_id(const struct msg_queue *q, int idx)
{
    return (int)(q->seq * SEQ_MULTIPLIER + (unsigned)idx);
}

static struct msg_queue *queue_by_id(int id)
{
    if (id < 0)
        return NULL;
    int idx = id % SEQ_MULTIPLIER;
    struct msg_queue *q = idx < MSGMNI ? queues[idx] : NULL;
    return q && queue_id(q, idx) == id ? q : NULL;
}

void msgq_free_msg(struct msg_msg *m)
{
    free(m);
}

/* Append w to a list of waiters. */
static void enqueue_wait(struct sysv_wait **list, struct sysv_wait *w)
{
    while (*list)
        list = &(*list)->next;
    *list = w;
}

/* Remove w from a list of waiters, if it is on it. */
static bool unlink_wait(struct sysv_wait **list, struct sysv_wait *w)
{
    for (; *list; list = &(*list)->next)
        if (*list == w) {
            *list = w->next;
            w->next = NULL;
            return true;
        }
    return false;
}

void msgq_wait_unlink(struct sysv_wait *w)
{
    struct msg_queue *q = queue_by_id(w->id);
    if (q && !unlink_wait(&q->receivers, w))
        unlink_wait(&q->senders, w);
}

/* msg_fits_inqueue: room for msgsz more bytes and one more message (qnum is bounded by qbytes
 * too, so zero-length messages cannot fill memory). */
static bool fits(const struct msg_queue *q, size_t msgsz)
{
    return msgsz + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes;
}

bool msgq_sender_fits(const struct sysv_wait *w)
{
    struct msg_queue *q = queue_by_id(w->id);
    return !q || fits(q, w->msgsz);
}

/* Does a parked sender now have room? Then the one who made it ends its turn (ss_wakeup). */
static void wake_senders(struct proc *p, struct msg_queue *q)
{
    for (struct sysv_wait *w = q->senders; w; w = w->next)
        if (fits(q, w->msgsz)) {
            p->preempted = true;
            return;
        }
}

static bool testmsg(const struct msg_msg *m, long type, int mode)
{
    switch (mode) {
    case SEARCH_ANY:
        return true;
    case SEARCH_LESSEQUAL:
        return m->type <= type;
    case SEARCH_EQUAL:
        return m->type == type;
    case SEARCH_NOTEQUAL:
        return m->type != type;
    }
    return false;
}

/* freeque: receivers and senders are told EIDRM, the messages go. */
static void freeque(int idx)
{
    struct msg_queue *q = queues[idx];
    struct sysv_wait **lists[] = {&q->receivers, &q->senders};
    for (int l = 0; l < 2; l++)
        while (*lists[l]) {
            struct sysv_wait *w = *lists[l];
            *lists[l] = w->next;
            w->next = NULL;
            w->status = -EIDRM;
        }
    while (q->head) {
        struct msg_msg *m = q->head;
        q->head = m->next;
        msg_hdrs--;
        msg_bytes -= (long)m->size;
        free(m);
    }
    free(q);
    queues[idx] = NULL;
}

static long newque(struct proc *p, int key, int flags)
{
    int idx = -1;
    for (int i = 0; i < MSGMNI && idx < 0; i++)
        if (!queues[i])
            idx = i;
    if (idx < 0)
        return -ENOSPC;
    struct msg_queue *q = calloc(1, sizeof(*q));
    if (!q)
        return -ENOMEM;
    q->seq = next_seq++ % (INT_MAX / SEQ_MULTIPLIER);
    ipc_perm_init(&q->perm, p, key, flags, q->seq);
    q->ctime = time(NULL);
    q->qbytes = MSGMNB;
    q->tail = &q->head;
    queues[idx] = q;
    return queue_id(q, idx);
}

/* msgget(key, flags) */
long sys_msgget(struct proc *p, const uint64_t a[6])
{
    int key = (int)a[0], flags = (int)a[1];

    if (key != IPC_PRIVATE) {
        for (int i = 0; i < MSGMNI; i++) {
            struct msg_queue *q = queues[i];
            if (!q || q->perm.__key != key)
                continue;
            if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
                return -EEXIST;
            if (!ipc_permitted(p, &q->perm, flags))
                return -EACCES;
            return queue_id(q, i);
        }
        if (!(flags & IPC_CREAT))
            return -ENOENT;
    }
    return newque(p, key, flags);
}

/* pipelined_send: the oldest receiver that matches m takes it (true), or, if its buffer is too
 * small without MSG_NOERROR, is told E2BIG and the next one is tried. */
static bool pipelined_send(struct proc *p, struct msg_queue *q, struct msg_msg *m)
{
    for (struct sysv_wait **link = &q->receivers; *link;) {
        struct sysv_wait *w = *link;
        if (!testmsg(m, w->type, w->mode)) {
            link = &w->next;
            continue;
        }
        *link = w->next;
        w->next = NULL;
        p->preempted = true;
        if (w->maxsize < m->size) {
            w->status = -E2BIG;
            continue;
        }
        q->lrpid = w->p->task.tgid;
        q->rtime = time(NULL);
        w->msg = m;
        w->status = 0;
        return true;
    }
    return false;
}

/* msgsnd(id, msgp, msgsz, flags): msgp points to a long type and then the text. */
long sys_msgsnd(struct proc *p, const uint64_t a[6])
{
    int id = (int)a[0], flags = (int)a[3];
    size_t msgsz = (size_t)a[2];
    struct sysv_wait *w = p->sysv_wait;
    long type;

    if (w && w->kind == SYSV_MSGSND) { /* parked, run again: removed, or try once more */
        long st = w->status;
        sysv_wait_cancel(p);
        if (st != SYSV_PENDING)
            return st;
    }
    if (get_user_struct(p, &type, a[1], sizeof(type)))
        return -EFAULT;
    if (msgsz > MSGMAX || (long)msgsz < 0 || id < 0)
        return -EINVAL;
    if (type < 1)
        return -EINVAL;
    struct msg_msg *m = malloc(sizeof(*m) + msgsz);
    if (!m)
        return -ENOMEM;
    if (get_user_struct(p, m->text, a[1] + sizeof(long), msgsz)) {
        free(m);
        return -EFAULT;
    }
    m->type = type;
    m->size = msgsz;
    m->next = NULL;
    struct msg_queue *q = queue_by_id(id);
    if (!q) {
        free(m);
        return -EINVAL;
    }
    if (!ipc_permitted(p, &q->perm, 0222)) {
        free(m);
        return -EACCES;
    }
    if (!fits(q, msgsz)) {
        free(m);
        if (flags & IPC_NOWAIT)
            return -EAGAIN;
        if (!(w = calloc(1, sizeof(*w))))
            return -ENOMEM;
        *w = (struct sysv_wait){
            .kind = SYSV_MSGSND, .id = id, .status = SYSV_PENDING, .p = p, .msgsz = msgsz};
        enqueue_wait(&q->senders, w);
        p->sysv_wait = w;
        p->polling = true; /* ERESTARTNOHAND: a handler ends it with EINTR */
        proc_park(p, WAIT_SYSV, 0, true);
        return -FL_ERESTARTSYS;
    }
    q->lspid = p->task.tgid;
    q->stime = time(NULL);
    if (!pipelined_send(p, q, m)) {
        *q->tail = m;
        q->tail = &m->next;
        q->cbytes += msgsz;
        q->qnum++;
        msg_hdrs++;
        msg_bytes += (long)msgsz;
    }
    return 0;
}

/* convert_mode: msgtyp 0 any, > 0 that type (or, with MSG_EXCEPT, any other), < 0 the lowest
 * type up to -msgtyp. */
static int convert_mode(long *type, int flags)
{
    if (*type == 0)
        return SEARCH_ANY;
    if (*type < 0) {
        *type = *type == LONG_MIN ? LONG_MAX : -*type;
        return SEARCH_LESSEQUAL;
    }
    return (flags & MSG_EXCEPT) ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
}

/* find_msg: the first message that matches; for SEARCH_LESSEQUAL the first of the lowest
 * type. The link that points to it, or NULL. */
static struct msg_msg **find_msg(struct msg_queue *q, long type, int mode)
{
    struct msg_msg **found = NULL;
    for (struct msg_msg **link = &q->head; *link; link = &(*link)->next) {
        if (!testmsg(*link, type, mode))
            continue;
        if (mode != SEARCH_LESSEQUAL || (*link)->type == 1)
            return link;
        found = link;
        type = (*link)->type - 1; /* only a lower type can beat it now */
    }
    return found;
}

/* The message m for the receiver: its type and as much text as bufsz allows; frees m. */
static long copy_msg_out(struct proc *p, uint64_t ubuf, size_t bufsz, struct msg_msg *m)
{
    size_t n = m->size < bufsz ? m->size : bufsz;
    long r = put_user_struct(p, ubuf, &m->type, sizeof(m->type)) ||
                     put_user_struct(p, ubuf + sizeof(long), m->text, n)
                 ? -EFAULT
                 : (long)n;
    free(m);
    return r;
}

/* msgrcv(id, msgp, msgsz, msgtyp, flags) */
long sys_msgrcv(struct proc *p, const uint64_t a[6])
{
    int id = (int)a[0], flags = (int)a[4];
    size_t bufsz = (size_t)a[2];
    long type = (long)a[3];
    struct sysv_wait *w = p->sysv_wait;

    if (w && w->kind == SYSV_MSGRCV) { /* parked, run again */
        long st = w->status;
        if (st == SYSV_PENDING) { /* woken by a signal no handler took: wait on */
            proc_park(p, WAIT_SYSV, 0, true);
            return -FL_ERESTARTSYS;
        }
        struct msg_msg *m = w->msg;
        w->msg = NULL;
        sysv_wait_cancel(p);
        return m ? copy_msg_out(p, a[1], bufsz, m) : st;
    }
    if ((long)bufsz < 0 || id < 0)
        return -EINVAL;
    if (flags & MSG_COPY)
        return -ENOSYS; /* CONFIG_CHECKPOINT_RESTORE's, not provided */
    int mode = convert_mode(&type, flags);
    struct msg_queue *q = queue_by_id(id);
    if (!q)
        return -EINVAL;
    if (!ipc_permitted(p, &q->perm, 0444))
        return -EACCES;
    struct msg_msg **link = find_msg(q, type, mode);
    if (link) {
        struct msg_msg *m = *link;
        if (bufsz < m->size && !(flags & MSG_NOERROR))
            return -E2BIG; /* and it stays queued */
        *link = m->next;
        if (q->tail == &m->next)
            q->tail = link;
        q->qnum--;
        q->cbytes -= m->size;
        msg_hdrs--;
        msg_bytes -= (long)m->size;
        q->rtime = time(NULL);
        q->lrpid = p->task.tgid;
        wake_senders(p, q);
        return copy_msg_out(p, a[1], bufsz, m);
    }
    if (flags & IPC_NOWAIT)
        return -ENOMSG;
    if (!(w = calloc(1, sizeof(*w))))
        return -ENOMEM;
    *w = (struct sysv_wait){.kind = SYSV_MSGRCV,
                            .id = id,
                            .status = SYSV_PENDING,
                            .p = p,
                            .mode = mode,
                            .type = type,
                            .maxsize = (flags & MSG_NOERROR) ? (size_t)INT_MAX : bufsz};
    enqueue_wait(&q->receivers, w);
    p->sysv_wait = w;
    p->polling = true; /* ERESTARTNOHAND: a handler ends it with EINTR */
    proc_park(p, WAIT_SYSV, 0, true);
    return -FL_ERESTARTSYS;
}

static void fill_msqid_ds(const struct msg_queue *q, struct msqid_ds *ds)
{
    memset(ds, 0, sizeof(*ds));
    ds->msg_perm = q->perm;
    ds->msg_stime = q->stime;
    ds->msg_rtime = q->rtime;
    ds->msg_ctime = q->ctime;
    ds->__msg_cbytes = q->cbytes;
    ds->msg_qnum = q->qnum;
    ds->msg_qbytes = q->qbytes;
    ds->msg_lspid = q->lspid;
    ds->msg_lrpid = q->lrpid;
}

/* msgctl's IPC_INFO and MSG_INFO: the limits, and for MSG_INFO what is in use. Returns the
 * highest index in use (0 if none). */
static long msg_info(struct proc *p, int cmd, uint64_t ubuf)
{
    struct msginfo mi = {.msgpool = MSGMNI * MSGMNB / 1024,
                         .msgmap = MSGMNB,
                         .msgmax = MSGMAX,
                         .msgmnb = MSGMNB,
                         .msgmni = MSGMNI,
                         .msgssz = 16,
                         .msgtql = MSGMNB,
                         .msgseg = 0xffff};
    int max = 0, in_use = 0;
    for (int i = 0; i < MSGMNI; i++)
        if (queues[i]) {
            max = i;
            in_use++;
        }
    if (cmd == MSG_INFO) {
        mi.msgpool = in_use;
        mi.msgmap = (int)msg_hdrs;
        mi.msgtql = (int)msg_bytes;
    }
    return put_user_struct(p, ubuf, &mi, sizeof(mi)) ? -EFAULT : max;
}

/* msgctl(id, cmd, buf) */
long sys_msgctl(struct proc *p, const uint64_t a[6])
{
    int id = (int)a[0], cmd = (int)a[1] & ~IPC_64;
    struct msqid_ds ds;
    struct msg_queue *q;

    if (cmd == IPC_INFO || cmd == MSG_INFO)
        return msg_info(p, cmd, a[2]);
    if (cmd == MSG_STAT || cmd == MSG_STAT_ANY) { /* id is an index: ipcs walks them */
        q = id >= 0 && id < MSGMNI ? queues[id] : NULL;
        if (!q)
            return -EINVAL;
        if (cmd == MSG_STAT && !ipc_permitted(p, &q->perm, 0444))
            return -EACCES;
        fill_msqid_ds(q, &ds);
        return put_user_struct(p, a[2], &ds, sizeof(ds)) ? -EFAULT : queue_id(q, id);
    }
    if (id < 0 || !(q = queue_by_id(id)))
        return -EINVAL;
    switch (cmd) {
    case IPC_STAT:
        if (!ipc_permitted(p, &q->perm, 0444))
            return -EACCES;
        fill_msqid_ds(q, &ds);
        return put_user_struct(p, a[2], &ds, sizeof(ds)) ? -EFAULT : 0;
    case IPC_SET:
        if (get_user_struct(p, &ds, a[2], sizeof(ds)))
            return -EFAULT;
        if (!ipc_owner(p, &q->perm))
            return -EPERM;
        if (ds.msg_qbytes > MSGMNB && !guest_capable(p, 24 /* CAP_SYS_RESOURCE */))
            return -EPERM;
        q->qbytes = ds.msg_qbytes;
        ipc_update_perm(&q->perm, &ds.msg_perm);
        q->ctime = time(NULL);
        wake_senders(p, q); /* a bigger queue may take them now */
        return 0;
    case IPC_RMID:
        if (!ipc_owner(p, &q->perm))
            return -EPERM;
        freeque(id % SEQ_MULTIPLIER);
        return 0;
    default:
        return -EINVAL;
    }
}

int sysvipc_msg_proc(void)
{
    struct text t = {0};

    /* sysvipc_msg_proc_show's columns */
    text_printf(&t, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  "
                    "cuid  cgid      stime      rtime      ctime\n");
    for (int i = 0; i < MSGMNI; i++) {
        const struct msg_queue *q = queues[i];
        if (q)
            text_printf(&t,
                        "%10d %10d  %4o  %10lu %10lu %5u %5u %5u %5u %5u %5u %10llu %10llu "
                        "%10llu\n",
                        q->perm.__key, queue_id(q, i), q->perm.mode, (unsigned long)q->cbytes,
                        (unsigned long)q->qnum, (unsigned)q->lspid, (unsigned)q->lrpid, q->perm.uid,
                        q->perm.gid, q->perm.cuid, q->perm.cgid, (unsigned long long)q->stime,
                        (unsigned long long)q->rtime, (unsigned long long)q->ctime);
    }
    return text_to_fd(&t, "sysvipc_msg");
}
