/*
 * tui_internal.h - the TUI's own state, shared by its input loop (tui.c), its drawing (draw.c)
 * and the guest-output panel (output.c). UI thread only, except `sh` (see snapshot.h) and
 * `emu_done`.
 */
#ifndef FL_UI_TUI_INTERNAL_H
#define FL_UI_TUI_INTERNAL_H

#include <capstone/capstone.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "emu/control.h"
#include "ui/snapshot.h"

#define OUT_LINES 200
#define OUT_COLS  240

enum tui_input { IN_NONE, IN_FILTER, IN_BREAK, IN_WALK, IN_STDIN };

struct tui {
    struct emu *e;
    struct ctl *ctl;
    struct tui_shared sh;
    atomic_bool emu_done;
    int guest_out, guest_in; /* -1 once closed */
    int wake_fd;             /* eventfd: a pause or the run's end wakes the input loop */

    /* guest output: a ring of lines, the last one being written */
    char out[OUT_LINES][OUT_COLS];
    int out_first, out_n, out_col;

    /* what is drawn: copies taken under sh.lock, drawn without it */
    struct tui_snapshot view;
    struct fault_feed feed;
    bool changed[SNAP_NREGS];
    unsigned long view_gen;
    uint64_t sel_seq; /* the selected fault (0: follow the newest) */
    bool help, detail;
    enum tui_input input;
    char line[128];
    int linelen;
    char msg[160];
    struct ctl_filter filter; /* the last F filter */
    bool have_filter;

    /* faults per second */
    double rate_t;
    uint64_t rate_total;
    double rate;

    csh cs;
    bool cs_ok;
};

/* draw.c: the whole screen from t->view and t->feed, into ncurses' buffer (UI thread, without
 * t->sh.lock: both are the UI's own copies). */
void tui_draw(struct tui *t);
void tui_colors(void);
/* output.c: drain the guest's terminal (pty master) into the panel; true if anything arrived. */
bool output_drain(struct tui *t);
/* output.c: the panel's line n from the newest (0: newest), or NULL. */
const char *output_line(const struct tui *t, int n);

#endif
