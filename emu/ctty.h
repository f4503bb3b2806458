/*
 * ctty.h - the controlling terminals of the guest's own sessions (drivers/tty/tty_jobctrl.c).
 *
 * A guest process that starts a session with setsid() has no controlling terminal until, as
 * its session leader, it takes one: TIOCSCTTY on a tty (login_tty, forkpty, Python's pty.fork,
 * script), or the open of a tty without O_NOCTTY. The guest's processes are not host processes
 * and faultline's host session keeps its own terminal, so the host cannot do that for them;
 * the model keeps it: each process's terminal (signal->tty, proc->ctty, inherited by fork,
 * dropped by setsid) and, per terminal, the session that owns it and its foreground group
 * (tty->session, tty->pgrp) for TIOCGSID, TIOCGPGRP and TIOCSPGRP. /dev/tty opens it. Processes
 * still in faultline's session (sid 0) have faultline's terminal, the host's: none of this
 * applies to them. The pty's master closing hangs the terminal up: its session leader gets
 * SIGHUP. Not modelled: the hang-up of a session whose leader exits (SIGHUP to the foreground
 * group) and SIGTTOU/SIGTTIN for background groups of these terminals.
 */
#ifndef FL_CTTY_H
#define FL_CTTY_H

#include <stdbool.h>
#include <stddef.h>

struct proc;
struct ofd;

/* An ioctl on a tty for a process in a session of its own: TIOCSCTTY, TIOCNOTTY, TIOCGSID,
 * TIOCGPGRP and TIOCSPGRP. true with *ret the result when handled here, false for the host. */
bool ctty_ioctl(struct proc *p, struct ofd *o, unsigned req, unsigned long arg, long *ret);

/* open() of host fd `hostfd` (a guest's, just opened): a session leader without a terminal
 * opening a free tty without O_NOCTTY takes it (tty_open_proc_set_tty). */
void ctty_opened(struct proc *p, int hostfd, int flags);

/* "/dev/tty" for a process in a session of its own: 1 with its terminal's path in out, or
 * -ENXIO when it has none; 0 for a process in faultline's session (the host's /dev/tty). */
int ctty_dev_tty(struct proc *p, char *out, unsigned long outlen);

/* A guest wrote buf to host fd `hostfd`: if that is the master of a guest session's terminal
 * with ISIG, its INTR, QUIT and SUSP characters signal the terminal's foreground group (the
 * host's line discipline knows no group to signal). */
struct emu;
void ctty_master_input(struct emu *e, int hostfd, const unsigned char *buf, size_t n);

/* The last guest reference to host fd `hostfd` is closing: if it is the master of a pty that is
 * a guest session's terminal, that terminal hangs up (pty_close's tty_vhangup of the slave). */
void ctty_hostfd_closing(int hostfd);

/* /proc/PID/stat's tty_nr (new_encode_dev) and tpgid for p, in a session of its own: 0 and -1
 * without a terminal. */
void ctty_task_tty(struct proc *p, int *tty_nr, int *tpgid);

/* setsid(): p leaves its terminal (proc_clear_tty). */
void ctty_setsid(struct proc *p);

#endif
