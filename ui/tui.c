/*
 * tui.c - the TUI's thread and input loop (see tui.h).
 *
 * Two threads: the guest runs on its own thread inside emu_run, driven by the stepping
 * controller; this thread owns the terminal. The controller's callbacks copy what is shown into
 * the shared snapshot (snapshot.c); this thread redraws from its own copy at once after a key, a
 * pause or the end of the run (an eventfd wakes it) and at most 20 times a second for new faults,
 * drains the guest's terminal (a pty) into the output panel, and turns keys into controller
 * commands. A guest blocked reading its stdin therefore never freezes the screen: the user can
 * switch to typing (i) and feed it.
 */
#include "ui/elf_symbols.h"
#include "ui/tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu.h"
#include "ui/tui_internal.h"

#define REDRAW_MS 50 /* at most 20 redraws a second */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- controller callbacks (emulator thread) --- */

/* Any thread: make the input loop draw now rather than at its next frame. */
static void wake_ui(struct tui *t)
{
    uint64_t one = 1;
    if (t->wake_fd >= 0 && write(t->wake_fd, &one, sizeof(one)) < 0) {
        /* the counter is full: the loop is woken already */
    }
}

static void cb_pause(void *ctx, struct proc *p, enum ctl_reason why)
{
    struct tui *t = ctx;
    snapshot_take(&t->sh, p, true, why);
    wake_ui(t); /* a step, a breakpoint: shown at once */
}

static void cb_tick(void *ctx, struct proc *p)
{
    struct tui *t = ctx;
    snapshot_take(&t->sh, p, false, CTL_PAUSED);
}

static void cb_fault(void *ctx, const struct fault_event *ev)
{
    struct tui *t = ctx;
    feed_append(&t->sh, ev);
}

struct guest_thread {
    struct tui *t;
    void (*run)(void *);
    void *arg;
};

static void *guest_main(void *arg)
{
    struct guest_thread *g = arg;
    pthread_setname_np(pthread_self(), "fl-emulator");
    g->run(g->arg);
    atomic_store(&g->t->emu_done, true);
    wake_ui(g->t);
    return NULL;
}

/* --- input --- */

static bool parse_hex(const char *s, uint64_t *out)
{
    char *end;
    while (*s == ' ')
        s++;
    if (!*s)
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    while (*end == ' ')
        end++;
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* "handler LO-HI pid=N" in any order; every part optional. */
static bool parse_filter(const char *s, struct ctl_filter *f, char *msg, size_t msglen)
{
    memset(f, 0, sizeof(*f));
    char buf[128];
    snprintf(buf, sizeof(buf), "%s", s);
    for (char *save, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *dash = strchr(tok, '-');
        if (!strncmp(tok, "pid=", 4)) {
            f->pid = atoi(tok + 4);
        } else if (dash && dash != tok) {
            *dash = 0;
            unsigned long long lo, hi;
            char *e1, *e2;
            lo = strtoull(tok, &e1, 16);
            hi = strtoull(dash + 1, &e2, 16);
            if (*e1 || *e2 || hi <= lo) {
                snprintf(msg, msglen, "bad address range (want LO-HI in hex)");
                return false;
            }
            f->lo = lo;
            f->hi = hi;
        } else {
            snprintf(f->handler, sizeof(f->handler), "%s", tok);
        }
    }
    return true;
}

/*
 * Where `b TEXT` puts a breakpoint: the function TEXT in a file the shown process has mapped
 * executable (the VMA lines of the last snapshot, their file offsets and the file's symbols, as
 * gdb's `break NAME`), else TEXT as a hex address. *what describes a function found.
 */
static bool break_address(struct tui *t, const char *text, uint64_t *a, char *what, size_t len)
{
    struct snap_vma v;
    uint64_t off;

    what[0] = 0;
    for (int i = 0; snapshot_text_vma(&t->view, i, &v); i++)
        if (v.perms[2] == 'x' && v.name[0] == '/' && elf_symbol_offset(v.name, text, &off) &&
            off >= v.offset && off - v.offset < v.end - v.start) {
            *a = v.start + (off - v.offset);
            snprintf(what, len, " (%s in %s)", text, strrchr(v.name, '/') + 1);
            return true;
        }
    return parse_hex(text, a);
}

static void finish_input(struct tui *t)
{
    t->line[t->linelen] = 0;
    uint64_t a = 0;
    switch (t->input) {
    case IN_FILTER:
        if (parse_filter(t->line, &t->filter, t->msg, sizeof(t->msg))) {
            t->have_filter = true;
            ctl_run_to_fault(t->ctl, &t->filter);
            snprintf(t->msg, sizeof(t->msg), "running to the next fault matching '%.100s'",
                     t->line);
        }
        break;
    case IN_BREAK: {
        char what[160];
        if (!break_address(t, t->line, &a, what, sizeof(what))) {
            snprintf(t->msg, sizeof(t->msg),
                     "no function %.80s in the process's files, nor a hex address", t->line);
            break;
        }
        switch (ctl_toggle_breakpoint(t->ctl, a)) {
        case 1:
            snprintf(t->msg, sizeof(t->msg), "breakpoint set at %llx%.120s", (unsigned long long)a,
                     what);
            break;
        case 0:
            snprintf(t->msg, sizeof(t->msg), "breakpoint at %llx removed%.120s",
                     (unsigned long long)a, what);
            break;
        default:
            snprintf(t->msg, sizeof(t->msg), "too many breakpoints");
        }
        break;
    }
    case IN_WALK:
        t->sel_seq = 0;
        pthread_mutex_lock(&t->sh.lock);
        t->sh.walk_pinned = parse_hex(t->line, &a);
        t->sh.walk_addr = a;
        pthread_mutex_unlock(&t->sh.lock);
        ctl_refresh(t->ctl);
        break;
    case IN_STDIN:
        if (t->guest_in >= 0) { /* the pty echoes the line into the output, as a terminal */
            t->line[t->linelen++] = '\n';
            if (write(t->guest_in, t->line, t->linelen) < 0)
                snprintf(t->msg, sizeof(t->msg), "the guest's stdin is closed");
        }
        t->linelen = 0;
        return; /* stay in typing mode */
    case IN_NONE:
        break;
    }
    t->input = IN_NONE;
    t->linelen = 0;
}

static void line_key(struct tui *t, int ch)
{
    if (ch == 27) { /* Esc */
        t->input = IN_NONE;
        t->linelen = 0;
    } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        finish_input(t);
    } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (t->linelen)
            t->linelen--;
    } else if (ch == 4 && t->input == IN_STDIN) {
        /* Ctrl-D, as on a terminal: the pty's line discipline hands over the typed part of the
         * line, or end-of-file when there is none */
        t->line[t->linelen++] = 4;
        if (t->guest_in >= 0 && write(t->guest_in, t->line, t->linelen) < 0)
            snprintf(t->msg, sizeof(t->msg), "the guest's terminal is closed");
        else
            snprintf(t->msg, sizeof(t->msg), "sent end-of-file (Ctrl-D) to the guest");
        t->input = IN_NONE;
        t->linelen = 0;
    } else if (ch >= 32 && ch < 127 && t->linelen < (int)sizeof(t->line) - 2) {
        t->line[t->linelen++] = (char)ch;
    }
    t->line[t->linelen] = 0;
}

/* Move the selection within the feed as drawn (t->feed), and walk the selected fault's page. */
static void select_fault(struct tui *t, int delta)
{
    const struct feed_entry *newest = feed_get(&t->feed, 0);
    if (newest) {
        uint64_t seq = t->sel_seq ? t->sel_seq : newest->ev.seq;
        uint64_t oldest =
            newest->ev.seq - (t->feed.total < FEED_CAP ? t->feed.total : FEED_CAP) + 1;
        if (delta < 0 && seq > oldest)
            seq--;
        else if (delta > 0 && seq < newest->ev.seq)
            seq++;
        t->sel_seq = seq;
        pthread_mutex_lock(&t->sh.lock);
        t->sh.walk_pinned = true;
        t->sh.walk_addr = feed_get(&t->feed, newest->ev.seq - seq)->ev.address;
        pthread_mutex_unlock(&t->sh.lock);
    }
    ctl_refresh(t->ctl);
}

/* One key in the normal mode. Returns false when the user quits. */
static bool key(struct tui *t, int ch)
{
    if (t->help) {
        t->help = false;
        return true;
    }
    if (t->detail && (ch == 27 || ch == '\n' || ch == KEY_ENTER)) {
        t->detail = false;
        return true;
    }
    t->msg[0] = 0;
    bool done = atomic_load(&t->emu_done);
    bool running = ctl_running(t->ctl);
    bool cmd_key = ch > 0 && ch < 128 && strchr("sncfF", ch);
    if (done && (cmd_key || ch == 'p')) {
        snprintf(t->msg, sizeof(t->msg), "the guest has finished: q quits");
        return true;
    }
    if (running && cmd_key) {
        snprintf(t->msg, sizeof(t->msg), "running: p pauses first");
        return true;
    }
    switch (ch) {
    case 'q':
        return false;
    case '?':
        t->help = true;
        break;
    case 's':
        ctl_step(t->ctl, 1);
        break;
    case 'n':
        ctl_step_over(t->ctl);
        break;
    case 'c':
        ctl_continue(t->ctl);
        break;
    case 'p':
        ctl_pause(t->ctl);
        break;
    case 'f':
        ctl_run_to_fault(t->ctl, NULL);
        break;
    case 'F':
        t->input = IN_FILTER;
        break;
    case 'b':
        t->input = IN_BREAK;
        break;
    case 'w':
        t->input = IN_WALK;
        break;
    case 'i':
        if (t->guest_in >= 0)
            t->input = IN_STDIN;
        else
            snprintf(t->msg, sizeof(t->msg), "the guest's stdin is closed");
        break;
    case KEY_UP: /* the feed is newest first: up is newer */
    case 'k':
        select_fault(t, 1);
        break;
    case KEY_DOWN:
    case 'j':
        select_fault(t, -1);
        break;
    case KEY_END:
        t->sel_seq = 0;
        pthread_mutex_lock(&t->sh.lock);
        t->sh.walk_pinned = false;
        pthread_mutex_unlock(&t->sh.lock);
        ctl_refresh(t->ctl);
        break;
    case '\n':
    case '\r':
    case KEY_ENTER:
        if (t->feed.total)
            t->detail = !t->detail;
        break;
    default:
        break;
    }
    t->linelen = 0;
    t->line[0] = 0;
    return true;
}

/* Take the newest snapshot for drawing; mark registers that changed since the last one. */
static void take_view(struct tui *t)
{
    if (t->sh.snap.gen == t->view_gen)
        return;
    bool first = !t->view.valid;
    for (int i = 0; i < SNAP_NREGS; i++)
        t->changed[i] = !first && t->sh.snap.regs[i] != t->view.regs[i];
    t->view = t->sh.snap;
    t->view_gen = t->view.gen;
}

static void update_rate(struct tui *t)
{
    double now = now_s();
    if (now - t->rate_t >= 1.0) {
        t->rate = (t->feed.total - t->rate_total) / (now - t->rate_t);
        t->rate_total = t->feed.total;
        t->rate_t = now;
    }
}

/* Draw the newest state; returns the number of faults drawn. The lock is held only to copy:
 * the emulator thread appends every fault under it, so drawing under it (Capstone, ncurses)
 * would stall the guest for the whole frame. */
static uint64_t redraw(struct tui *t)
{
    pthread_mutex_lock(&t->sh.lock);
    take_view(t);
    feed_copy(&t->feed, &t->sh.feed);
    pthread_mutex_unlock(&t->sh.lock);
    update_rate(t);
    tui_draw(t);
    refresh();
    return t->feed.total;
}

struct tui *tui_create(struct emu *e)
{
    struct tui *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->e = e;
    t->guest_out = t->guest_in = -1;
    t->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    tui_shared_init(&t->sh);
    t->cs_ok = cs_open(CS_ARCH_X86, CS_MODE_64, &t->cs) == CS_ERR_OK;
    struct ctl_client client = {cb_pause, cb_tick, cb_fault, t};
    t->ctl = ctl_create(e, &client, REDRAW_MS);
    if (!t->ctl) {
        tui_destroy(t);
        return NULL;
    }
    return t;
}

void tui_destroy(struct tui *t)
{
    if (!t)
        return;
    ctl_destroy(t->ctl);
    if (t->cs_ok)
        cs_close(&t->cs);
    tui_shared_destroy(&t->sh);
    if (t->wake_fd >= 0)
        close(t->wake_fd);
    free(t);
}

int tui_run(struct tui *t, struct tui_io *io, void (*run_guest)(void *arg), void *arg, char *err,
            size_t errlen)
{
    t->guest_out = io->guest_out;
    t->guest_in = io->guest_in;
    fcntl(t->guest_out, F_SETFL, fcntl(t->guest_out, F_GETFL) | O_NONBLOCK);

    setlocale(LC_ALL, "");
    FILE *out = fdopen(io->tty_out, "w"), *in = fdopen(io->tty_in, "r");
    SCREEN *scr = out && in ? newterm(NULL, out, in) : NULL;
    if (!scr) {
        snprintf(err, errlen, "cannot open the terminal (TERM=%s)",
                 getenv("TERM") ? getenv("TERM") : "");
        if (out)
            fclose(out);
        if (in)
            fclose(in);
        close(t->guest_out);
        if (t->guest_in >= 0)
            close(t->guest_in);
        tui_destroy(t);
        return -1;
    }
    set_term(scr);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    timeout(0); /* the loop waits in poll() */
    tui_colors();

    struct guest_thread g = {t, run_guest, arg};
    pthread_t th;
    pthread_create(&th, NULL, guest_main, &g);
    t->rate_t = now_s();

    double last_draw = 0;
    bool dirty = true, quit = false, drawn_running = false, drawn_done = false;
    uint64_t drawn_faults = 0;
    struct pollfd pfd[3] = {{.fd = io->tty_in, .events = POLLIN},
                            {.fd = t->wake_fd, .events = POLLIN},
                            {.fd = -1, .events = POLLIN}};
    while (!quit) {
        /* Sleep until a key, a pause or the end of the run (drawn at once), guest output, or
         * the next frame: new faults and ticks are drawn at most every REDRAW_MS. */
        double since = now_s() - last_draw;
        int wait_ms = dirty && since < REDRAW_MS / 1000.0 ? (int)(REDRAW_MS - since * 1000) + 1
                      : dirty                             ? 0
                                                          : REDRAW_MS;
        pfd[2].fd = t->guest_out; /* -1 once the guest's terminal is gone: not polled */
        if (poll(pfd, 3, wait_ms) > 0 && pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
            pfd[0].fd = -1; /* the user's terminal hung up: do not spin on it */
        uint64_t woken = 0;
        bool now_draw = t->wake_fd >= 0 && read(t->wake_fd, &woken, sizeof(woken)) > 0;
        if (output_drain(t))
            dirty = true;
        int ch;
        while (!quit && (ch = getch()) != ERR) {
            dirty = now_draw = true;
            if (ch == KEY_RESIZE)
                clear();
            else if (t->input != IN_NONE)
                line_key(t, ch);
            else
                quit = !key(t, ch);
        }
        /* new state, new faults, or the controller started or stopped running */
        bool running = ctl_running(t->ctl), done = atomic_load(&t->emu_done);
        pthread_mutex_lock(&t->sh.lock);
        if (t->sh.snap.gen != t->view_gen || t->sh.feed.total != drawn_faults ||
            running != drawn_running || done != drawn_done)
            dirty = true;
        pthread_mutex_unlock(&t->sh.lock);
        double now = now_s();
        if (dirty && (now_draw || now - last_draw >= REDRAW_MS / 1000.0)) {
            drawn_running = running;
            drawn_done = done;
            drawn_faults = redraw(t);
            last_draw = now;
            dirty = false;
        }
    }

    /* Quit: stop the guest. Closing the pty's master hangs its terminal up, so a guest waiting
     * to read it or for room to write returns at once. */
    ctl_quit(t->ctl);
    if (t->guest_in >= 0)
        close(t->guest_in);
    if (t->guest_out >= 0)
        close(t->guest_out);
    pthread_join(th, NULL);
    endwin();
    delscreen(scr);
    fclose(out);
    fclose(in);
    tui_destroy(t);
    return 0;
}
