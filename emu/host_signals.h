/*
 * host_signals.h - signals sent to faultline's own process, passed on to the guest.
 *
 * The guest's processes are not host processes: what the host sends goes to faultline. During
 * `faultline run` it is passed on as the kernel would have delivered it natively, much as
 * qemu-user passes its host signals to its guest:
 *
 * - From the terminal (the host's si_code SI_KERNEL): Ctrl-C, Ctrl-\, Ctrl-Z and a window
 *   resize make the tty driver send SIGINT, SIGQUIT, SIGTSTP and SIGWINCH to the terminal's
 *   foreground process group (n_tty's isig, tty_ioctl's TIOCSWINSZ), a hangup SIGHUP. They go
 *   to the guest's foreground group: the group a guest made foreground with tcsetpgrp
 *   (TIOCSPGRP), kept here rather than given to the host, else the first process's; with
 *   SI_KERNEL and no sender.
 * - From another process (kill, sigqueue, tkill: the host's si_code SI_USER, SI_QUEUE,
 *   SI_TKILL), say `timeout` or `kill -TERM`: SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2,
 *   SIGALRM, SIGTERM, SIGTSTP and SIGWINCH go to the first guest process, the one faultline
 *   started (natively it would have had the pid they were sent to), with the sender's pid and
 *   uid (and sigqueue's value) as the host gave them: the guest sees host pids for what lies
 *   outside it, as getppid shows faultline's.
 *
 * A guest blocked in a host call (a read of the terminal or a socket) is interrupted as Linux
 * interrupts it (-ERESTARTSYS: restarted after a handler with SA_RESTART, EINTR after one
 * without). A guest computing on the engine without the block hook gets the signal at its next
 * syscall or page fault, at once when the signal kills it (emu_stop_for_fatal_signal). A signal
 * sent again while the first waits merges with it, as Linux's standard signals do (timeout(1)
 * sends SIGTERM twice). A second SIGINT, SIGTERM or SIGHUP while the first still waits (typed,
 * or sent a second or more after it), or one that has nobody to go to
 * (the first process or the foreground group is gone, a daemon it started lives on), ends the
 * run as `faultline tui` does with them (128 + the signal).
 *
 * Ctrl-Z stops the foreground group's processes (emu/signal.h's job control) rather than
 * faultline: a guest shell with job control (bash -i) sees its job stop and takes the terminal
 * back. Once every guest process is stopped (a lone cat or python3 REPL), nothing could continue
 * them but the user's own shell, so faultline stops too, with the signal the first guest stopped
 * with, and hands the terminal back to that shell; when the shell continues faultline (fg), the
 * guests are continued.
 */
#ifndef FL_HOST_SIGNALS_H
#define FL_HOST_SIGNALS_H

#include <stdbool.h>
#include <stdint.h>

struct emu;
struct proc;

/*
 * At faultline's start, before it sets any action of its own: the signals it inherited ignored
 * and blocked. The first guest process starts with them, as execve keeps them natively
 * (flush_signal_handlers resets handlers but keeps SIG_IGN; the blocked mask survives): so
 * `nohup faultline run ...` ignores SIGHUP, and a job a non-interactive shell starts in the
 * background ignores SIGINT and SIGQUIT.
 */
void host_signals_save_inherited(void);
/* What host_signals_save_inherited saw, as guest masks (bit signo-1); both 0 when it was not
 * called (a unit test's machine). */
void host_signals_inherited(uint64_t *ignored, uint64_t *blocked);

/* Pass host signals on from now on (cli/ during `faultline run`). on_tty: faultline's stdin is
 * a terminal, whose Ctrl-C may end any wait. */
void host_signals_enable(struct emu *e, bool on_tty);

/* Whether stdin is a terminal whose signals are passed on: then a guest waiting on anything
 * is not deadlocked (a Ctrl-C may end it), as natively. */
bool host_signals_tty(const struct emu *e);

/* Whether a signal sent from the host could still come (they are passed on): a guest waiting
 * only for a signal (pause, sigsuspend, sigwait) is not deadlocked. */
bool host_signals_enabled(const struct emu *e);

/* The sender of a host signal, from the host's siginfo. */
struct host_sender {
    int code;    /* the host's si_code: SI_KERNEL (> 0) from the terminal, else sent */
    int32_t pid; /* sent: the sender's host pid and uid */
    uint32_t uid;
    uint64_t value; /* SI_QUEUE: sigqueue's value */
};

/*
 * From faultline's own handler (async-signal-safe): queue sig for the guest's foreground group
 * (from the terminal) or its first process (sent), and kick the engine; if the process computing
 * now is one the signal will end, stop the engine too (emu_stop_for_fatal_signal). A sent signal
 * merges with the same one still waiting to be delivered if that came less than a second ago.
 * Returns false, queueing nothing, if the same signal is still waiting otherwise (the caller
 * then stops the run for SIGINT, SIGTERM and SIGHUP).
 */
bool host_signal_raise(struct emu *e, int sig, const struct host_sender *from);

/* Whether a raised signal waits for host_signals_deliver (cheap: one atomic load). */
bool host_signals_pending(const struct emu *e);

/* On the emulator thread: send the waiting signals to their guest processes. Returns false if a
 * SIGINT, SIGTERM or SIGHUP had nobody to go to (the first process or the foreground group is
 * gone): the caller ends the run. */
bool host_signals_deliver(struct emu *e);

/* The signal that ended the run: a second one while the first waited (host_signal_raise
 * returned false), or one with nobody to go to (host_signals_deliver); 0 if none did. */
int host_signals_ended_by(const struct emu *e);

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
