/*
 * tty_signals.h - the terminal's signals for the guest.
 *
 * On a terminal, Ctrl-C, Ctrl-\, Ctrl-Z and a window resize make the tty driver send SIGINT,
 * SIGQUIT, SIGTSTP and SIGWINCH to the terminal's foreground process group (n_tty's isig,
 * tty_ioctl's TIOCSWINSZ). The guest's processes are not host processes, so the host sends them to
 * faultline; when faultline's stdin is a terminal it passes them on to the guest's foreground
 * group: the group a guest made foreground with tcsetpgrp (TIOCSPGRP), kept here rather than
 * given to the host, else the first process's. A guest blocked in a host read of the terminal
 * is interrupted as Linux interrupts it (-ERESTARTSYS: restarted after a handler with
 * SA_RESTART, EINTR after one without). A guest computing on the engine without the block
 * hook gets the signal at its next syscall or page fault; a second Ctrl-C while the first
 * still waits ends the run as before (status 130).
 *
 * Ctrl-Z stops the foreground group's processes (emu/signal.h's job control) rather than
 * faultline: a guest shell with job control (bash -i) sees its job stop and takes the terminal
 * back. Once every guest process is stopped (a lone cat or python3 REPL), nothing could continue
 * them but the user's own shell, so faultline stops too, with the signal the first guest stopped
 * with, and hands the terminal back to that shell; when the shell continues faultline (fg), the
 * guests are continued.
 */
#ifndef FL_TTY_SIGNALS_H
#define FL_TTY_SIGNALS_H

#include <stdbool.h>

struct emu;
struct proc;

/* Pass the terminal's signals on from now on (cli/, when stdin is a terminal). */
void tty_signals_enable(struct emu *e);

/* Whether they are passed on: then a guest waiting only for a signal is not deadlocked. */
bool tty_signals_enabled(const struct emu *e);

/*
 * From faultline's own handler for SIGINT, SIGQUIT, SIGTSTP or SIGWINCH (async-signal-safe): queue
 * sig for the guest's foreground group and kick the engine; if the process computing now is one
 * the signal will end, stop the engine too (emu_stop_for_fatal_signal). Returns false, queueing
 * nothing, if the same signal is still waiting to be delivered (the caller then stops the run).
 */
bool tty_signal_raise(struct emu *e, int sig);

/* Whether a raised signal waits for tty_signals_deliver (cheap: one atomic load). */
bool tty_signals_pending(const struct emu *e);

/* On the emulator thread: send the waiting signals to the foreground group. */
void tty_signals_deliver(struct emu *e);

/*
 * TIOCSPGRP on a terminal from p: when signals are passed on and pgid names a live guest
 * process group, it becomes the guest's foreground group and true is returned (the host's
 * foreground group stays faultline's); false: do the host's ioctl.
 */
bool tty_set_foreground(struct proc *p, int pgid);

/* TIOCGPGRP: the guest's foreground group set by tty_set_foreground while it lives, else 0. */
int tty_foreground(struct proc *p);

/* The group the terminal's signals go to: tty_set_foreground's while it lives, else the first
 * process's. Walks the process list: not from a handler that may interrupt changes to it. */
int tty_foreground_group(struct emu *e);

/*
 * On the emulator thread, when nothing can run: if signals are passed on and every live guest
 * process is stopped, stop faultline itself (the host's default action of the signal that
 * stopped the first guest, SIGTSTP if none), and once it is continued send SIGCONT to the
 * stopped guests; true then. False, doing nothing, otherwise.
 */
bool tty_stop_all_stopped(struct emu *e);

#endif
