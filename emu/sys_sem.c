/*
 * sys_sem.c - System V semaphores: semget, semop, semtimedop, semctl (ipc/sem.c).
 *
 * The table of sets is the emulated machine's (one IPC namespace), like the shared memory
 * segments of emu/sys_shm.c, with ids built the same way (seq * 32768 + index). A semop that
 * cannot go on parks its task (emu/sysv_ipc.h) with a copy of its operations queued on the set;
 * every change to the set (a semop, SETVAL, SETALL, an exit's undo) runs the queue oldest first
 * and does the operations that can now be done on their sleepers' behalf (update_queue), so a
 * woken semop has already happened when its task runs again. SEM_UNDO adjustments are kept per
 * thread group and set (Linux's undo list is shared by CLONE_SYSVSEM, which pthread_create
 * passes) and applied when the group's last task exits. A wait ends with EIDRM when the set is
 * removed, EAGAIN when semtimedop's timeout passes, and EINTR after a signal handler, with or
 * without SA_RESTART (semop is never restarted). Permissions are not checked (as in sys_shm.c).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/sched.h"
#include "emu/syscall.h"
#include "emu/sysv_ipc.h"
#include "emu/text.h"
#include "emu/uio.h"

#define SEMMNI         32000 /* sets */
#define SEMMSL         32000 /* semaphores per set */
#define SEMMNS         (SEMMNI * SEMMSL)
#define SEMOPM         500 /* operations per semop */
#define SEMVMX         32767
#define SEMAEM         SEMVMX
#define SEQ_MULTIPLIER 32768 /* IPCMNI: ids are seq * SEQ_MULTIPLIER + index (ipc_buildid) */
#define IPC_64         0x100

struct sem_undo {
    int tgid;
    short *adj; /* one per semaphore of the set */
    struct sem_undo *next;
};

struct sem {
    int val;
    int pid; /* sempid: the thread group of the last operation */
};

struct sem_array {
    struct ipc_perm perm;
    unsigned seq; /* the id's upper part; perm.__seq is its low 16 bits */
    int nsems;
    struct sem *sems;
    time_t otime, ctime;
    struct sysv_wait *pending; /* parked semops, oldest first */
    struct sem_undo *undos;
};

static struct sem_array *sets[SEMMNI];
static unsigned next_seq;
static long used_sems; /* semaphores in all sets (SEM_INFO's semaem) */
static long nr_undos;  /* undo records in all sets: sem_exit has nothing to do while 0 */

static int set_id(const struct sem_array *s, int idx)
{
    return (int)(s->seq * SEQ_MULTIPLIER + (unsigned)idx);
}

/* The set with id `id`, NULL for none (Linux says EINVAL for an id whose seq is stale). */
static struct sem_array *set_by_id(int id)
{
    if (id < 0)
        return NULL;
    int idx = id % SEQ_MULTIPLIER;
    struct sem_array *s = idx < SEMMNI ? sets[idx] : NULL;
    return s && set_id(s, idx) == id ? s : NULL;
}

/* The thread group's undo record on s; created if `make` (NULL only when out of memory or not
 * made). */
static struct sem_undo *find_undo(struct sem_array *s, int tgid, bool make)
{
    for (struct sem_undo *u = s->undos; u; u = u->next)
        if (u->tgid == tgid)
            return u;
    if (!make)
        return NULL;
    struct sem_undo *u = calloc(1, sizeof(*u));
    if (!u || !(u->adj = calloc((size_t)s->nsems, sizeof(short)))) {
        free(u);
        return NULL;
    }
    u->tgid = tgid;
    u->next = s->undos;
    s->undos = u;
    nr_undos++;
    return u;
}

/*
 * perform_atomic_semop: do all of sops for thread group tgid, or none. Returns 0 (done), 1 (one
 * would block: *blocking is its index), -EAGAIN (it would block but says IPC_NOWAIT), -ERANGE
 * (a value or an adjustment out of range) or -ENOMEM. Operations are applied in order and undone
 * on failure, so a semaphore named twice sees the first operation's result.
 */
static int try_semop(struct sem_array *s, const struct sembuf *sops, size_t n, int tgid,
                     size_t *blocking)
{
    struct sem_undo *u = NULL;
    size_t i;
    int r = 0;

    for (i = 0; i < n; i++)
        if ((sops[i].sem_flg & SEM_UNDO) && !(u = find_undo(s, tgid, true)))
            return -ENOMEM;
    for (i = 0; i < n; i++) {
        struct sem *sem = &s->sems[sops[i].sem_num];
        int op = sops[i].sem_op, res = sem->val + op;
        if ((op == 0 && sem->val) || res < 0) {
            *blocking = i;
            r = (sops[i].sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
            break;
        }
        if (res > SEMVMX) {
            r = -ERANGE;
            break;
        }
        if (sops[i].sem_flg & SEM_UNDO) {
            int undo = u->adj[sops[i].sem_num] - op;
            if (undo < -SEMAEM - 1 || undo > SEMAEM) {
                r = -ERANGE;
                break;
            }
            u->adj[sops[i].sem_num] = (short)undo;
        }
        sem->val = res;
    }
    if (r) { /* undo what was done, newest first */
        while (i-- > 0) {
            s->sems[sops[i].sem_num].val -= sops[i].sem_op;
            if (sops[i].sem_flg & SEM_UNDO)
                u->adj[sops[i].sem_num] += sops[i].sem_op;
        }
        return r;
    }
    bool alter = false;
    for (i = 0; i < n; i++) {
        s->sems[sops[i].sem_num].pid = tgid;
        alter |= sops[i].sem_op != 0;
    }
    if (alter)
        s->otime = time(NULL);
    return 0;
}

/* The parked semops that the set's new values let go on are done, oldest first, and their
 * sleepers told (update_queue/do_smart_update); a done operation that changed values may let
 * an older one go on, so the scan starts over after it. Returns how many were completed. */
static int update_queue(struct sem_array *s)
{
    int done = 0;
again:
    for (struct sysv_wait **link = &s->pending; *link;) {
        struct sysv_wait *w = *link;
        int r = try_semop(s, w->sops, w->nsops, w->p->task.tgid, &w->blocking);
        if (r == 1) {
            link = &w->next;
            continue;
        }
        *link = w->next;
        w->next = NULL;
        w->status = r; /* 0, or the error of an operation after the one it slept on */
        done++;
        bool alter = false;
        for (size_t i = 0; i < w->nsops; i++)
            alter |= w->sops[i].sem_op != 0;
        if (r == 0 && alter)
            goto again;
    }
    return done;
}

/* After a change to s: complete what it allows, and end the changer's turn if that woke
 * anybody (wakeup preemption, as futex wakes do). */
static void smart_update(struct proc *p, struct sem_array *s)
{
    if (update_queue(s) && p)
        p->preempted = true;
}

/* freeary: every sleeper gets EIDRM, the undo records go, the set goes. */
static void freeary(int idx)
{
    struct sem_array *s = sets[idx];
    while (s->pending) {
        struct sysv_wait *w = s->pending;
        s->pending = w->next;
        w->next = NULL;
        w->status = -EIDRM;
    }
    while (s->undos) {
        struct sem_undo *u = s->undos;
        s->undos = u->next;
        free(u->adj);
        free(u);
        nr_undos--;
    }
    used_sems -= s->nsems;
    free(s->sems);
    free(s);
    sets[idx] = NULL;
}

static long newary(struct proc *p, int key, int nsems, int flags)
{
    int idx = -1;
    if (nsems <= 0 || nsems > SEMMSL)
        return -EINVAL;
    if (used_sems + nsems > SEMMNS)
        return -ENOSPC;
    for (int i = 0; i < SEMMNI && idx < 0; i++) /* the lowest free index, as idr_alloc */
        if (!sets[i])
            idx = i;
    if (idx < 0)
        return -ENOSPC;
    struct sem_array *s = calloc(1, sizeof(*s));
    if (!s || !(s->sems = calloc((size_t)nsems, sizeof(*s->sems)))) {
        free(s);
        return -ENOMEM;
    }
    s->seq = next_seq++ % (INT_MAX / SEQ_MULTIPLIER);
    ipc_perm_init(&s->perm, p, key, flags, s->seq);
    s->nsems = nsems;
    s->ctime = time(NULL);
    sets[idx] = s;
    used_sems += nsems;
    (void)p;
    return set_id(s, idx);
}

/* semget(key, nsems, flags) */
long sys_semget(struct proc *p, const uint64_t a[6])
{
    int key = (int)a[0], nsems = (int)a[1], flags = (int)a[2];

    if (nsems < 0 || nsems > SEMMSL)
        return -EINVAL;
    if (key != IPC_PRIVATE) {
        for (int i = 0; i < SEMMNI; i++) {
            struct sem_array *s = sets[i];
            if (!s || s->perm.__key != key)
                continue;
            if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
                return -EEXIST;
            if (nsems > s->nsems) /* sem_more_checks */
                return -EINVAL;
            if (!ipc_permitted(p, &s->perm, flags))
                return -EACCES;
            return set_id(s, i);
        }
        if (!(flags & IPC_CREAT))
            return -ENOENT;
    }
    return newary(p, key, nsems, flags);
}

/* The end of a parked semop, run again: what its waker left, or EAGAIN once the timeout is
 * past; else it parks on (a signal woke it that no handler took). */
static long semop_parked(struct proc *p)
{
    struct sysv_wait *w = p->sysv_wait;
    long r = w->status;
    if (r == SYSV_PENDING) {
        if (!p->wait_deadline || monotonic_ns() < p->wait_deadline) {
            proc_park(p, WAIT_SYSV, 0, true);
            return -FL_ERESTARTSYS;
        }
        r = -EAGAIN;
    }
    sysv_wait_cancel(p);
    return r;
}

/* do_semtimedop: semop is semtimedop without a timeout. */
static long do_semtimedop(struct proc *p, int id, uint64_t usops, size_t nsops, uint64_t utimeout)
{
    struct sembuf *sops;
    struct timespec ts;
    uint64_t deadline = 0;
    size_t blocking = 0;
    int max = 0;

    if (p->sysv_wait && p->sysv_wait->kind == SYSV_SEMOP)
        return semop_parked(p);
    if (nsops < 1 || id < 0)
        return -EINVAL;
    if (nsops > SEMOPM)
        return -E2BIG;
    if (!(sops = malloc(nsops * sizeof(*sops))))
        return -ENOMEM;
    long r = get_user_struct(p, sops, usops, nsops * sizeof(*sops)) ? -EFAULT : 0;
    if (!r && utimeout) {
        if (get_user_struct(p, &ts, utimeout, sizeof(ts)))
            r = -EFAULT;
        else if (!timespec_valid(&ts))
            r = -EINVAL;
        else
            deadline = monotonic_ns() + timespec_ns(&ts);
    }
    for (size_t i = 0; i < nsops; i++) {
        if (sops[i].sem_num >= max)
            max = sops[i].sem_num;
        /* find_alloc_undo's get_undo_list: made before the set is even looked up */
        if (!r && (sops[i].sem_flg & SEM_UNDO))
            p->shared->sysvsem_undo_list = true;
    }
    struct sem_array *s = r ? NULL : set_by_id(id);
    if (!r && !s)
        r = -EINVAL;
    if (!r && max >= s->nsems)
        r = -EFBIG;
    if (!r) { /* altering any semaphore needs write permission, waiting for zero read */
        bool alter = false;
        for (size_t i = 0; i < nsops; i++)
            alter |= sops[i].sem_op != 0;
        if (!ipc_permitted(p, &s->perm, alter ? 0222 : 0444))
            r = -EACCES;
    }
    if (!r) {
        r = try_semop(s, sops, nsops, p->task.tgid, &blocking);
        if (r == 0)
            smart_update(p, s);
    }
    if (r != 1) {
        free(sops);
        return r;
    }
    if (utimeout && monotonic_ns() >= deadline) { /* a zero timeout: no wait at all */
        free(sops);
        return -EAGAIN;
    }
    struct sysv_wait *w = calloc(1, sizeof(*w));
    if (!w) {
        free(sops);
        return -ENOMEM;
    }
    *w = (struct sysv_wait){.kind = SYSV_SEMOP,
                            .id = id,
                            .status = SYSV_PENDING,
                            .p = p,
                            .sops = sops,
                            .nsops = nsops,
                            .blocking = blocking};
    struct sysv_wait **link = &s->pending;
    while (*link)
        link = &(*link)->next;
    *link = w;
    p->sysv_wait = w;
    p->wait_deadline = deadline;
    p->polling = true; /* a handler ends it with EINTR, SA_RESTART or not */
    proc_park(p, WAIT_SYSV, 0, true);
    return -FL_ERESTARTSYS;
}

/* semop(id, sops, nsops) */
long sys_semop(struct proc *p, const uint64_t a[6])
{
    return do_semtimedop(p, (int)a[0], a[1], (size_t)a[2], 0);
}

/* semtimedop(id, sops, nsops, timeout): the timeout is relative. */
long sys_semtimedop(struct proc *p, const uint64_t a[6])
{
    return do_semtimedop(p, (int)a[0], a[1], (size_t)a[2], a[3]);
}

/* count_semcnt: sleepers whose blocking operation on semaphore num waits for zero (zero) or
 * for the value to grow. */
static int count_waiters(const struct sem_array *s, int num, bool zero)
{
    int n = 0;
    for (const struct sysv_wait *w = s->pending; w; w = w->next) {
        const struct sembuf *b = &w->sops[w->blocking];
        if (b->sem_num == num && (zero ? b->sem_op == 0 : b->sem_op < 0))
            n++;
    }
    return n;
}

static void fill_semid_ds(const struct sem_array *s, struct semid_ds *ds)
{
    memset(ds, 0, sizeof(*ds));
    ds->sem_perm = s->perm;
    ds->sem_otime = s->otime;
    ds->sem_ctime = s->ctime;
    ds->sem_nsems = (unsigned long)s->nsems;
}

/* The highest index in use, 0 if none (what IPC_INFO and SEM_INFO return). */
static int max_idx(void)
{
    int m = 0;
    for (int i = 0; i < SEMMNI; i++)
        if (sets[i])
            m = i;
    return m;
}

/* semctl's IPC_INFO and SEM_INFO: the limits, and for SEM_INFO what is in use. */
static long sem_info(struct proc *p, int cmd, uint64_t ubuf)
{
    struct seminfo si = {.semmap = SEMMNS,
                         .semmni = SEMMNI,
                         .semmns = SEMMNS,
                         .semmnu = SEMMNS,
                         .semmsl = SEMMSL,
                         .semopm = SEMOPM,
                         .semume = SEMOPM,
                         .semusz = 20, /* sizeof(sem_undo) */
                         .semvmx = SEMVMX,
                         .semaem = SEMAEM};
    if (cmd == SEM_INFO) {
        int in_use = 0;
        for (int i = 0; i < SEMMNI; i++)
            in_use += sets[i] != NULL;
        si.semusz = in_use;
        si.semaem = (int)used_sems;
    }
    return put_user_struct(p, ubuf, &si, sizeof(si)) ? -EFAULT : max_idx();
}

/* semctl(id, semnum, cmd, arg): arg is the union semun's value (an int or a pointer). */
long sys_semctl(struct proc *p, const uint64_t a[6])
{
    int id = (int)a[0], num = (int)a[1], cmd = (int)a[2] & ~IPC_64;
    uint64_t arg = a[3];
    struct semid_ds ds;
    struct sem_array *s;

    if (cmd == IPC_INFO || cmd == SEM_INFO)
        return sem_info(p, cmd, arg);
    if (cmd == SEM_STAT || cmd == SEM_STAT_ANY) { /* id is an index: ipcs walks them */
        s = id >= 0 && id < SEMMNI ? sets[id] : NULL;
        if (!s)
            return -EINVAL;
        if (cmd == SEM_STAT && !ipc_permitted(p, &s->perm, 0444))
            return -EACCES;
        fill_semid_ds(s, &ds);
        return put_user_struct(p, arg, &ds, sizeof(ds)) ? -EFAULT : set_id(s, id);
    }
    if (!(s = set_by_id(id)))
        return -EINVAL;
    int idx = id % SEQ_MULTIPLIER;
    switch (cmd) {
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT:
    case SETVAL:
        if (num < 0 || num >= s->nsems)
            return -EINVAL;
        break;
    default:
        break;
    }
    /* semctl_main and friends: reading needs read permission, setting write; IPC_SET and
     * IPC_RMID the owner */
    switch (cmd) {
    case SETVAL:
    case SETALL:
        if (!ipc_permitted(p, &s->perm, 0222))
            return -EACCES;
        break;
    case IPC_SET:
    case IPC_RMID:
        break;
    default:
        if (!ipc_permitted(p, &s->perm, 0444))
            return -EACCES;
        break;
    }
    switch (cmd) {
    case IPC_STAT:
        fill_semid_ds(s, &ds);
        return put_user_struct(p, arg, &ds, sizeof(ds)) ? -EFAULT : 0;
    case IPC_SET:
        if (get_user_struct(p, &ds, arg, sizeof(ds)))
            return -EFAULT;
        if (!ipc_owner(p, &s->perm))
            return -EPERM;
        ipc_update_perm(&s->perm, &ds.sem_perm);
        s->ctime = time(NULL);
        return 0;
    case IPC_RMID:
        if (!ipc_owner(p, &s->perm))
            return -EPERM;
        freeary(idx);
        return 0;
    case GETVAL:
        return s->sems[num].val;
    case GETPID:
        return s->sems[num].pid;
    case GETNCNT:
        return count_waiters(s, num, false);
    case GETZCNT:
        return count_waiters(s, num, true);
    case GETALL: {
        unsigned short *v = malloc((size_t)s->nsems * sizeof(*v));
        if (!v)
            return -ENOMEM;
        for (int i = 0; i < s->nsems; i++)
            v[i] = (unsigned short)s->sems[i].val;
        long r = put_user_struct(p, arg, v, (size_t)s->nsems * sizeof(*v)) ? -EFAULT : 0;
        free(v);
        return r;
    }
    case SETVAL: {
        int val = (int)arg;
        if (val < 0 || val > SEMVMX)
            return -ERANGE;
        for (struct sem_undo *u = s->undos; u; u = u->next)
            u->adj[num] = 0; /* an adjustment would undo a change that is gone */
        s->sems[num].val = val;
        s->sems[num].pid = p->task.tgid;
        s->ctime = time(NULL);
        smart_update(p, s);
        return 0;
    }
    case SETALL: {
        unsigned short *v = malloc((size_t)s->nsems * sizeof(*v));
        if (!v)
            return -ENOMEM;
        if (get_user_struct(p, v, arg, (size_t)s->nsems * sizeof(*v))) {
            free(v);
            return -EFAULT;
        }
        for (int i = 0; i < s->nsems; i++)
            if (v[i] > SEMVMX) {
                free(v);
                return -ERANGE;
            }
        for (struct sem_undo *u = s->undos; u; u = u->next)
            memset(u->adj, 0, (size_t)s->nsems * sizeof(short));
        for (int i = 0; i < s->nsems; i++) {
            s->sems[i].val = v[i];
            s->sems[i].pid = p->task.tgid;
        }
        free(v);
        s->ctime = time(NULL);
        smart_update(p, s);
        return 0;
    }
    default:
        return -EINVAL;
    }
}

/* exit_sem. Linux finds the group's undo records through the task's undo list; here they hang
 * off their sets, so an exit scans the sets, and only while some record exists: a fork-heavy
 * run without semaphores paid 25 us per exit for the scan. */
void sem_exit(struct proc *p)
{
    int tgid = p->task.tgid;
    if (!nr_undos)
        return;
    for (int i = 0; i < SEMMNI; i++) {
        struct sem_array *s = sets[i];
        if (!s)
            continue;
        for (struct sem_undo **link = &s->undos; *link; link = &(*link)->next) {
            struct sem_undo *u = *link;
            if (u->tgid != tgid)
                continue;
            /* exit_sem: the adjustment is added and the result clamped to the valid range
             * rather than refused; the pid becomes the exiting one's */
            for (int k = 0; k < s->nsems; k++) {
                if (!u->adj[k])
                    continue;
                int v = s->sems[k].val + u->adj[k];
                s->sems[k].val = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
                s->sems[k].pid = tgid;
            }
            *link = u->next;
            free(u->adj);
            free(u);
            nr_undos--;
            smart_update(NULL, s);
            break;
        }
    }
}

void sem_wait_unlink(struct sysv_wait *w)
{
    struct sem_array *s = set_by_id(w->id);
    if (!s)
        return;
    for (struct sysv_wait **link = &s->pending; *link; link = &(*link)->next)
        if (*link == w) {
            *link = w->next;
            return;
        }
}

bool sysv_wait_ready(struct proc *p)
{
    struct sysv_wait *w = p->sysv_wait;
    if (!w || w->status != SYSV_PENDING)
        return true;
    if (w->kind == SYSV_MQRECV)
        return mq_wait_ready(w);
    return w->kind == SYSV_MSGSND && msgq_sender_fits(w);
}

void sysv_wait_cancel(struct proc *p)
{
    struct sysv_wait *w = p->sysv_wait;
    if (!w)
        return;
    if (w->kind == SYSV_MQSEND || w->kind == SYSV_MQRECV)
        mq_wait_done(w);
    else if (w->status == SYSV_PENDING) {
        if (w->kind == SYSV_SEMOP)
            sem_wait_unlink(w);
        else
            msgq_wait_unlink(w);
    }
    if (w->msg)
        msgq_free_msg(w->msg);
    free(w->sops);
    free(w);
    p->sysv_wait = NULL;
    p->polling = false;
    p->wait_deadline = 0;
}

int sysvipc_sem_proc(void)
{
    struct text t = {0};

    /* sysvipc_sem_proc_show's columns */
    text_printf(&t,
                "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      "
                "ctime\n");
    for (int i = 0; i < SEMMNI; i++) {
        const struct sem_array *s = sets[i];
        if (s)
            text_printf(&t, "%10d %10d  %4o %10u %5u %5u %5u %5u %10llu %10llu\n", s->perm.__key,
                        set_id(s, i), s->perm.mode, (unsigned)s->nsems, s->perm.uid, s->perm.gid,
                        s->perm.cuid, s->perm.cgid, (unsigned long long)s->otime,
                        (unsigned long long)s->ctime);
    }
    return text_to_fd(&t, "sysvipc_sem");
}
