/*
 * fasync.h - signal-driven I/O: O_ASYNC, F_SETOWN(_EX), F_SETSIG (fs/fcntl.c's f_setown,
 * send_sigio, kill_fasync; the fasync lists of fs/pipe.c and net/socket.c).
 *
 * The owner and the signal belong to the open file description (struct ofd: Linux's
 * file->f_owner), and so does O_ASYNC, which stays the guest's flag: the host fd never gets it,
 * nor an owner, so the host never signals faultline. A file with O_ASYNC set on a pipe, a FIFO,
 * a socket or a character device is on one list (Linux keeps one per pipe and socket: the
 * readers' and the writers'); with the list empty, the only cost to any call is the test of
 * fasync_nr.
 *
 * When the signal is sent:
 * - a guest pipe or FIFO: a read, write, splice, tee, vmsplice or sendfile by a guest that moved
 *   data sends POLL_IN to the files reading the pipe (pipe_write), and a read that emptied the
 *   pipe or took a page or more POLL_OUT to those writing it (pipe_read, at a buffer it frees:
 *   the host's buffers are not seen, so that is the guess); the last close of one side sends
 *   POLL_IN to the readers or POLL_OUT to the writers left (pipe_release);
 * - an AF_UNIX socket pair made by socketpair: data sent sends POLL_IN to the other end unless a
 *   task waits in a read of it (sock_def_readable, SOCK_WAKE_WAITD); data received sends POLL_OUT
 *   to the other end if a write of it found no room since (unix_write_space, SOCK_WAKE_SPACE); a
 *   close, or shutdown of both directions, of a stream or seqpacket end sends POLL_HUP to the
 *   other, a shutdown of writing alone POLL_IN (unix_release_sock, unix_shutdown).
 *   Those are decided by the guests' own calls, so they are deterministic.
 * - anything whose other end is outside the guest (a host pipe, a terminal, a socket from
 *   socket() or accept(), an end of a pair received through SCM_RIGHTS): readiness is looked at
 *   only when every guest task waits and the scheduler polls the host (emu/run.c, idle_wait),
 *   and a signal goes for each of POLLIN (POLL_IN), POLLOUT (POLL_OUT) or POLLHUP (POLL_HUP)
 *   that was not there the previous time: edge-triggered, and at a time the host decides.
 */
#ifndef FL_FASYNC_H
#define FL_FASYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proc;
struct ofd;
struct pollfd;

/* How many files have O_ASYNC on a list: nothing else is looked at while it is 0. */
extern unsigned fasync_nr;

/* fcntl's F_GETOWN, F_SETOWN, F_GETOWN_EX, F_SETOWN_EX, F_GETSIG, F_SETSIG on o (through fd):
 * the result, or -errno. */
long fasync_fcntl(struct proc *p, struct ofd *o, int fd, int cmd, uint64_t arg);
/* F_SETFL or FIOASYNC changes O_ASYNC of o through fd: put it on the list or take it off
 * (setfl's ->fasync call). 0, or 1 if the file has no ->fasync in Linux (O_ASYNC is only a
 * flag then: FIOASYNC says ENOTTY), or -errno. */
long fasync_set(struct proc *p, struct ofd *o, int fd, bool on);
/* A socket pair's ends: each is the other's peer, for the signals a write, read or close of
 * one sends to the other. */
void fasync_pair(struct ofd *a, struct ofd *b);

/* The syscall nr with arguments a returned ret (before a parked write's progress is added):
 * the signals its reads and writes of pipes and socket pairs send. */
void fasync_syscall(struct proc *p, uint64_t nr, const uint64_t a[6], long ret);
static inline void fasync_after_syscall(struct proc *p, uint64_t nr, const uint64_t a[6], long ret)
{
    if (fasync_nr)
        fasync_syscall(p, nr, a, ret);
}

/* ofd_put: o's last reference goes. fasync_release before its host fd is closed (off the list;
 * a socket pair's peer told), fasync_closed after it (a pipe's other side told). */
void fasync_release(struct ofd *o);
void fasync_closed(struct ofd *o);

/* The scheduler's idle wait: fasync_poll_external signals the owners of the files outside the
 * guest that show an event they did not show when last looked at (true if it sent one: then
 * the wait is over before it began); fasync_external_fds appends their host fds to poll for the
 * events they do not show yet. */
void fasync_external_fds(struct pollfd **fds, size_t *n, size_t *cap);
bool fasync_poll_external(void);

#endif
