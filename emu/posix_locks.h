/*
 * posix_locks.h - fcntl record locks (F_GETLK, F_SETLK, F_SETLKW) between guest processes.
 */
#ifndef FL_POSIX_LOCKS_H
#define FL_POSIX_LOCKS_H

#include <stdbool.h>
#include <stdint.h>

struct proc;
struct ofd;

/* fcntl(fd, cmd, uarg) for the three POSIX lock commands on the guest's open file o. Returns
 * 0, -errno, or -FL_ERESTARTSYS when an F_SETLKW that must wait parked the process. */
long posix_lock(struct proc *p, struct ofd *o, int cmd, uint64_t uarg);

/* locks_remove_posix: p closed a descriptor of o's file; its process's locks on the file go. */
void posix_locks_close(struct proc *p, struct ofd *o);

/* Does p's process hold record locks on any file (a cheap test before a loop over its fds)? */
bool posix_locks_held(const struct proc *p);

/* p's thread group has ended: every lock it held goes. */
void posix_locks_exit(struct proc *p);

#endif
