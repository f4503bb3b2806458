/*
 * mqueue.h - what the POSIX message queues (emu/sys_mqueue.c, ipc/mqueue.c) share with the fd
 * table, read(2), close(2) and the exit path.
 */
#ifndef FL_MQUEUE_H
#define FL_MQUEUE_H

#include <stdint.h>

struct proc;
struct ofd;
struct mq_file;

/* The queue's open file description is gone (ofd_put): its readiness eventfd no longer needs
 * keeping, and an unlinked queue with no descriptions left is freed. */
void mqueue_release(struct mq_file *f);
/* read(2) of a queue descriptor (mqueue_read_file): the "QSIZE:... NOTIFY:..." line, from the
 * description's own offset; at most len bytes to buf. Bytes read or -errno. */
long mqueue_read(struct proc *p, struct ofd *o, uint64_t buf, uint64_t len);
/* close(2) of a queue descriptor by p (mqueue_flush_file): p's process gives up the queue's
 * notification if it holds it. */
void mqueue_flush(struct proc *p, struct ofd *o);
/* Thread group tgid is gone: the notifications it registered are removed, as its fds' closing
 * does in Linux. */
void mqueue_exit(int tgid);

#endif
