/*
 * sysv_ipc.h - what the System V semaphores (emu/sys_sem.c, ipc/sem.c) and message queues
 * (emu/sys_msgq.c, ipc/msg.c) share with the scheduler and the exit path.
 *
 * A semop, msgsnd or msgrcv that has to wait parks its task (WAIT_SYSV, emu/sched.h) with a
 * struct sysv_wait queued on the object, as Linux queues a sem_queue, msg_sender or
 * msg_receiver. Whoever changes the object completes what it can for the waiters (a semop done
 * on the sleeper's behalf, a message handed straight to a receiver, EIDRM for all on IPC_RMID)
 * and leaves the result in `status`; the parked call, run again, returns it.
 */
#ifndef FL_SYSV_IPC_H
#define FL_SYSV_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <unistd.h>

#include "emu/cred.h"
#include "emu/sys_info.h"

struct proc;
struct sembuf;
struct msg_msg;

#define SYSV_PENDING 1 /* status of a wait nobody has completed yet */

enum sysv_wait_kind {
    SYSV_SEMOP = 1,
    SYSV_MSGSND,
    SYSV_MSGRCV,
    SYSV_MQSEND, /* POSIX mq_timedsend and mq_timedreceive (emu/sys_mqueue.c) */
    SYSV_MQRECV
};

struct sysv_wait {
    enum sysv_wait_kind kind;
    int id;      /* the set's or queue's id when the wait began */
    long status; /* SYSV_PENDING, or what the call returns (0, -EIDRM, -E2BIG, 1: got msg) */
    struct proc *p;
    struct sysv_wait *next; /* the object's waiters, oldest first */
    /* SYSV_SEMOP: a copy of the operations; which one would block */
    struct sembuf *sops;
    size_t nsops;
    size_t blocking;
    /* SYSV_MSGSND: the size to fit; SYSV_MSGRCV: the search, the largest message it takes,
     * and the message handed to it */
    size_t msgsz;
    int mode;
    long type;
    size_t maxsize;
    struct msg_msg *msg;
    /* SYSV_MQSEND, SYSV_MQRECV: the POSIX queue; a sender's message until a receiver moves it
     * into the queue (pipelined_receive) */
    void *mq;
    void *mq_msg;
};

/* What every System V object keeps of its owner (kern_ipc_perm), in the layout IPC_STAT gives
 * (the host's struct ipc_perm, x86-64's ipc64_perm). ipc_perm_init: a new object of key with the
 * permission bits of flags, owned and created by the caller, sequence number seq (ipcget's
 * ipc_addid). ipc_update_perm: what IPC_SET may change (owner, group, permission bits). */
static inline void ipc_perm_init(struct ipc_perm *perm, const struct proc *p, int key, int flags,
                                 unsigned seq)
{
    uint32_t uids[4], gids[4]; /* the caller's effective ids (emu/cred.c) */
    task_uids(p, uids);
    task_gids(p, gids);
    *perm = (struct ipc_perm){.__key = key,
                              .uid = uids[CRED_E],
                              .gid = gids[CRED_E],
                              .cuid = uids[CRED_E],
                              .cgid = gids[CRED_E],
                              .mode = (unsigned)flags & 0777,
                              .__seq = (unsigned short)seq};
}

/* ipcperms (ipc/util.c): may p use an object with perm for flag's access (0444 to read, 0222 to
 * alter, or a *get's permission bits)? The owner's or creator's bits for its euid, the group's
 * for its groups, else the others'; CAP_IPC_OWNER passes all. */
static inline bool ipc_permitted(const struct proc *p, const struct ipc_perm *perm, int flag)
{
    uint32_t uids[4], gids[4], groups[CRED_NGROUPS];
    int want = (flag >> 6 | flag >> 3 | flag) & 7, granted = (int)perm->mode;
    task_uids(p, uids);
    task_gids(p, gids);
    int n = task_groups(p, groups, CRED_NGROUPS);
    bool in_group = gids[CRED_E] == perm->cgid || gids[CRED_E] == perm->gid;
    for (int i = 0; i < n && !in_group; i++)
        in_group = groups[i] == perm->cgid || groups[i] == perm->gid;
    if (uids[CRED_E] == perm->cuid || uids[CRED_E] == perm->uid)
        granted >>= 6;
    else if (in_group)
        granted >>= 3;
    return !(want & ~granted & 7) || guest_capable(p, 15 /* CAP_IPC_OWNER */);
}

/* ipcctl_obtain_check: IPC_SET and IPC_RMID are the owner's, the creator's, or CAP_SYS_ADMIN's */
static inline bool ipc_owner(const struct proc *p, const struct ipc_perm *perm)
{
    uint32_t uids[4];
    task_uids(p, uids);
    return uids[CRED_E] == perm->cuid || uids[CRED_E] == perm->uid ||
           guest_capable(p, 21 /* CAP_SYS_ADMIN */);
}

static inline void ipc_update_perm(struct ipc_perm *perm, const struct ipc_perm *in)
{
    perm->uid = in->uid;
    perm->gid = in->gid;
    perm->mode = (perm->mode & ~0777u) | (in->mode & 0777);
}

/* Can parked p's System V wait end now (completed by someone, or a sender's message fits)? */
bool sysv_wait_ready(struct proc *p);
/* p's wait ends without a result (a handler interrupts it, or p dies): dequeue and free it. */
void sysv_wait_cancel(struct proc *p);
/* The last task of p's thread group is going: its SEM_UNDO adjustments are applied (exit_sem). */
void sem_exit(struct proc *p);

/* /proc/sysvipc/sem, msg and shm: the run's sets, queues and segments, not the host's (a
 * read-only memfd, or -errno). */
int sysvipc_sem_proc(void);
int sysvipc_msg_proc(void);
int sysvipc_shm_proc(void);

/* For sysv_wait_ready and sysv_wait_cancel, by kind. */
bool msgq_sender_fits(const struct sysv_wait *w);
void sem_wait_unlink(struct sysv_wait *w);
void msgq_wait_unlink(struct sysv_wait *w);
void msgq_free_msg(struct msg_msg *m);
/* A POSIX queue wait (emu/sys_mqueue.c): can it go on (a message to take), and its end: off
 * the queue's list if still on it, its message freed, the queue freed if nothing holds it. */
bool mq_wait_ready(const struct sysv_wait *w);
void mq_wait_done(struct sysv_wait *w);

#endif
