/*
 * tui.h - `faultline tui`: the full-screen view of a running guest, with stepping.
 */
#ifndef FL_UI_TUI_H
#define FL_UI_TUI_H

#include <stddef.h>

struct emu;

/* The terminal and the guest's stdio, as cmd_tui set them up. */
struct tui_io {
    int tty_in, tty_out; /* the user's terminal */
    int guest_out;       /* read: the master of the pty behind the guest's fds 0, 1, 2 */
    int guest_in;        /* write: the same master (its own fd) */
};

struct tui;

/* Attach the TUI's controller and fault feed to e, before the guest is loaded (so the feed holds
 * the faults of loading it too). NULL when out of memory. */
struct tui *tui_create(struct emu *e);

/*
 * Run the TUI on this thread while run_guest(arg) runs the machine on a second thread (it must
 * call emu_run). The guest starts paused at its entry point. Returns 0 when the user quits (the
 * run is stopped if still going, and run_guest has returned), or -1 with a message in err when
 * the terminal cannot be used (then run_guest was never started). Closes io's fds; frees t.
 */
int tui_run(struct tui *t, struct tui_io *io, void (*run_guest)(void *arg), void *arg, char *err,
            size_t errlen);

/* Free a TUI that never ran (the guest could not be loaded). */
void tui_destroy(struct tui *t);

#endif
