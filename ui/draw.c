/*
 * draw.c - the TUI's screen, drawn whole from the last snapshot (ncurses sends only what
 * changed). Layout, from 80x24 up:
 *
 *   status bar
 *   registers        | fault feed (newest first)
 *   disassembly      | page walk of the selected fault (or a typed address)
 *                    | VMAs (/proc/PID/maps), the walked address's VMA marked
 *   guest output
 *   counters
 *   keys / prompt
 */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel_model/mm.h"
#include "ui/tui_internal.h"

enum { C_CHANGED = 1, C_MINOR, C_MAJOR, C_SIGNAL, C_BAR, C_MARK, C_TITLE, C_BREAK };

void tui_colors(void)
{
    if (!has_colors())
        return;
    start_color();
    use_default_colors();
    init_pair(C_CHANGED, COLOR_YELLOW, -1);
    init_pair(C_MINOR, COLOR_GREEN, -1);
    init_pair(C_MAJOR, COLOR_CYAN, -1);
    init_pair(C_SIGNAL, COLOR_RED, -1);
    init_pair(C_BAR, COLOR_WHITE, COLOR_BLUE);
    init_pair(C_MARK, COLOR_MAGENTA, -1);
    init_pair(C_TITLE, COLOR_BLUE, -1);
    init_pair(C_BREAK, COLOR_RED, -1);
}

/* printf at (y, x), cut to w columns. */
static void put(int y, int x, int w, attr_t attr, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (w <= 0 || y < 0 || y >= LINES)
        return;
    attron(attr);
    mvaddnstr(y, x, buf, w);
    attroff(attr);
}

static void title(int y, int x, int w, const char *name)
{
    put(y, x, w, A_BOLD | COLOR_PAIR(C_TITLE), "%s", name);
}

static const char *why_text(const struct tui_snapshot *s)
{
    if (!s->paused)
        return "RUNNING";
    switch (s->why) {
    case CTL_AT_START:
        return "PAUSED at entry";
    case CTL_STEPPED:
        return "PAUSED after step";
    case CTL_BREAKPOINT:
        return "PAUSED at breakpoint";
    case CTL_FAULT:
        return "PAUSED after fault";
    case CTL_PROC_EXITED: /* a process exited, others may go on */
        return "PROCESS EXITED";
    case CTL_PAUSED:
        break;
    }
    return "PAUSED";
}

static attr_t outcome_attr(enum fault_kind_outcome o)
{
    switch (o) {
    case OUTCOME_MINOR:
    case OUTCOME_SPURIOUS:
        return COLOR_PAIR(C_MINOR);
    case OUTCOME_MAJOR:
    case OUTCOME_USERFAULT:
        return COLOR_PAIR(C_MAJOR) | A_BOLD;
    default:
        return COLOR_PAIR(C_SIGNAL) | A_BOLD;
    }
}

static const char *outcome_short(enum fault_kind_outcome o)
{
    static const char *const names[] = {"minor", "MAJOR", "SEGV", "BUS", "EFLT",
                                        "OOM",   "KILL",  "spur", "UFLT"};
    return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

static const char *access_name(unsigned err)
{
    if (err & X86_PF_INSTR)
        return "exec";
    return err & X86_PF_WRITE ? "write" : "read";
}

static void draw_regs(struct tui *t, int y, int x, int w)
{
    const struct tui_snapshot *s = &t->view;
    for (int i = 0; i < SNAP_NREGS; i++) {
        int row = y + i / 2, col = x + (i % 2) * 21;
        attr_t a = t->changed[i] ? (COLOR_PAIR(C_CHANGED) | A_BOLD) : A_NORMAL;
        if (col + 20 <= x + w)
            put(row, col, 20, a, "%-3s %016llx", snap_reg_names[i], (unsigned long long)s->regs[i]);
    }
}

static bool is_bp(const uint64_t *bps, int n, uint64_t a)
{
    for (int i = 0; i < n; i++)
        if (bps[i] == a)
            return true;
    return false;
}

static void draw_code(struct tui *t, int y, int x, int w, int h)
{
    const struct tui_snapshot *s = &t->view;
    char head[200];
    snprintf(head, sizeof(head), "disassembly%s%s", s->code_where[0] ? " " : "", s->code_where);
    title(y, x, w, head);
    if (!t->cs_ok || !s->code_len) {
        put(y + 1, x, w, A_NORMAL, "  (no code readable at %llx)", (unsigned long long)s->regs[0]);
        return;
    }
    uint64_t bps[32];
    int nbp = ctl_breakpoints(t->ctl, bps, 32);
    if (nbp > 32)
        nbp = 32;
    cs_insn *insn;
    uint64_t rip = s->regs[0], start = s->code_addr;
    size_t n = cs_disasm(t->cs, s->code, s->code_len, start, h - 1, &insn);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= insn[i].address == rip;
    if (!found && rip > start && rip < start + s->code_len) {
        /* the instructions stepped before did not lead linearly to RIP: start at RIP */
        if (n)
            cs_free(insn, n);
        n = cs_disasm(t->cs, s->code + (rip - start), s->code_len - (rip - start), rip, h - 1,
                      &insn);
    }
    for (size_t i = 0; i < n && (int)i < h - 1; i++) {
        bool at_rip = insn[i].address == s->regs[0];
        attr_t a = at_rip ? A_REVERSE : A_NORMAL;
        put(y + 1 + (int)i, x, w, a, "%s%c%9llx  %s %s", at_rip ? ">" : " ",
            is_bp(bps, nbp, insn[i].address) ? '*' : ' ', (unsigned long long)insn[i].address,
            insn[i].mnemonic, insn[i].op_str);
    }
    if (n)
        cs_free(insn, n);
}

static const struct feed_entry *selected(struct tui *t, uint64_t *index)
{
    if (!t->feed.total)
        return NULL;
    uint64_t i = 0;
    if (t->sel_seq) {
        const struct feed_entry *newest = feed_get(&t->feed, 0);
        if (newest->ev.seq >= t->sel_seq)
            i = newest->ev.seq - t->sel_seq;
    }
    if (index)
        *index = i;
    return feed_get(&t->feed, i);
}

static void draw_feed(struct tui *t, int y, int x, int w, int h)
{
    bool wide = w >= 50; /* narrow: no pid column (it is in the status bar), short names */
    title(y, x, w, "faults, newest first:");
    put(y, x + 22, w - 22, A_DIM,
        wide ? "seq pid address access handler outcome" : "seq addr acc handler");
    uint64_t sel = 0;
    const struct feed_entry *cur = selected(t, &sel);
    uint64_t first = sel >= (uint64_t)(h - 1) ? sel - (h - 2) : 0;
    for (int r = 0; r < h - 1; r++) {
        const struct feed_entry *f = feed_get(&t->feed, first + r);
        if (!f)
            break;
        const struct fault_event *ev = &f->ev;
        attr_t a = outcome_attr(ev->outcome) | (f == cur && t->sel_seq ? A_REVERSE : 0);
        if (wide)
            put(y + 1 + r, x, w, a, "%4llu %d %9llx %-5s %-16.16s %s", (unsigned long long)ev->seq,
                ev->pid, (unsigned long long)ev->address, access_name(ev->error_code),
                handler_short(ev), fault_outcome_name(ev->outcome));
        else
            put(y + 1 + r, x, w, a, "%4llu %9llx %c %-14.14s %s", (unsigned long long)ev->seq,
                (unsigned long long)ev->address, access_name(ev->error_code)[0], handler_short(ev),
                outcome_short(ev->outcome));
    }
}

static void draw_walk(struct tui *t, int y, int x, int w)
{
    const struct tui_snapshot *s = &t->view;
    if (!s->walk_valid) {
        title(y, x, w, "page walk (no fault yet; w: walk an address)");
        return;
    }
    const struct page_walk *pw = &s->walk;
    put(y, x, w, A_BOLD | COLOR_PAIR(C_TITLE), "page walk %llx%s", (unsigned long long)pw->addr,
        t->sel_seq          ? " (selected)"
        : t->sh.walk_pinned ? " (typed)"
                            : "");
    for (int l = 0; l < 4; l++) {
        if (l >= pw->levels) {
            /* a PDE with PS set maps 2 MiB itself: there is no PTE below it */
            bool huge = l == 3 && pw->levels == 3 && (pw->lv[2].entry & _PAGE_PSE);
            put(y + 1 + l, x, w, A_DIM, "%-5s   -%s", walk_level_name[l],
                huge ? " (a 2 MiB page: the PDE maps it)" : "");
            continue;
        }
        char bits[160];
        walk_decode_entry(pw->lv[l].entry, l == 3, bits, sizeof(bits));
        if (w >= 60)
            put(y + 1 + l, x, w, A_NORMAL, "%-5s[%3u] %016llx %s", walk_level_name[l],
                pw->lv[l].index, (unsigned long long)pw->lv[l].entry, bits);
        else /* narrow: the bits matter more than the slot index */
            put(y + 1 + l, x, w, A_NORMAL, "%-5s %016llx %s", walk_level_name[l],
                (unsigned long long)pw->lv[l].entry, bits);
    }
    if (pw->have_frame)
        put(y + 5, x, w, A_NORMAL, "frame %#lx refcount %d mapcount %d%s%s", pw->pfn, pw->refcount,
            pw->mapcount, pw->zero_page ? " zero-page" : "", pw->anon ? " anon" : " file");
    else
        put(y + 5, x, w, A_DIM, "no frame mapped");
}

static void draw_maps(struct tui *t, int y, int x, int w, int h)
{
    const struct tui_snapshot *s = &t->view;
    char head[64];
    if (s->map_count > s->nmaps) /* a window of them, around the walked address */
        snprintf(head, sizeof(head), "VMAs %d-%d of %d (/proc/PID/maps)", s->map_first + 1,
                 s->map_first + s->nmaps, s->map_count);
    else
        snprintf(head, sizeof(head), "VMAs (/proc/PID/maps)");
    title(y, x, w, head);
    uint64_t a = s->walk_valid ? s->walk.addr : 0;
    int mark = -1;
    for (int i = 0; i < s->nmaps; i++)
        if (a >= s->map_lo[i] && a < s->map_hi[i])
            mark = i;
    int first = mark >= h - 1 ? mark - (h - 2) : 0;
    for (int r = 0; r < h - 1 && first + r < s->nmaps; r++) {
        int i = first + r;
        attr_t a = i == mark ? (COLOR_PAIR(C_MARK) | A_BOLD) : A_NORMAL;
        const char *l = s->maps[i];
        if (w >= 80 || strlen(l) < 23) { /* the /proc/PID/maps line as it is */
            put(y + 1 + r, x, w, a, "%c%s", i == mark ? '*' : ' ', l);
        } else { /* narrow: range, permissions and name (the file's base name) */
            const char *name = strlen(l) > 73 ? l + 73 : "";
            const char *base = strrchr(name, '/');
            put(y + 1 + r, x, w, a, "%c%.22s %s", i == mark ? '*' : ' ', l, base ? base + 1 : name);
        }
    }
}

static void draw_counters(struct tui *t, int y, int w)
{
    const struct tui_snapshot *s = &t->view;
    char buf[512];
    int n =
        snprintf(buf, sizeof(buf),
                 "minor %lu major %lu sig %lu | RSS %ldK (anon %ld file %ld) | free %luM of %luM",
                 t->feed.minor, t->feed.major, t->feed.signalled,
                 (s->rss_anon + s->rss_file + s->rss_shmem) * 4, s->rss_anon, s->rss_file,
                 s->mem_free / 256, s->mem_total / 256);
    if (s->swap_total) /* the swap device, when --swap gave one */
        n += snprintf(buf + n, sizeof(buf) - n, ", swap used %luM of %luM",
                      (s->swap_total - s->swap_free) / 256, s->swap_total / 256);
    n += snprintf(buf + n, sizeof(buf) - n, " | %.0f f/s |", t->rate);
    for (int i = 0; i < t->feed.nhandlers && n < (int)sizeof(buf) - 64; i++)
        n += snprintf(buf + n, sizeof(buf) - n, " %s %lu", t->feed.handlers[i].name,
                      t->feed.handlers[i].n);
    put(y, 0, w, A_NORMAL, "%s", buf);
}

static void draw_output(struct tui *t, int y, int w, int h)
{
    title(y, 0, w,
          t->input == IN_STDIN ? "guest output  [typing to guest stdin: Enter sends, "
                                 "Ctrl-D: end of file, Esc leaves]"
                               : "guest output (i: type to its stdin)");
    for (int r = 0; r < h - 1; r++) {
        const char *l = output_line(t, h - 2 - r);
        if (l)
            put(y + 1 + r, 0, w, A_NORMAL, "%s", l);
    }
}

static void draw_bottom(struct tui *t, int y, int w)
{
    static const char *const prompt[] = {
        [IN_FILTER] = "next fault matching (handler substring, LO-HI, pid=N): ",
        [IN_BREAK] = "toggle breakpoint at (function or hex): ",
        [IN_WALK] = "walk address (hex, empty: follow faults): ",
        [IN_STDIN] = "stdin> ",
    };
    if (t->input != IN_NONE) {
        put(y, 0, w, A_BOLD, "%s%s", prompt[t->input], t->line);
        return;
    }
    if (t->msg[0])
        put(y, 0, w, A_BOLD, "%s", t->msg);
    else
        put(y, 0, w, A_DIM,
            "s step n over c cont p pause f fault F filter b break w walk ?help q quit");
}

static void draw_help(int h, int w)
{
    static const char *const lines[] = {
        "faultline tui - keys",
        "",
        "s        step one instruction",
        "n        step over (a call runs to its return)",
        "c        continue (until a breakpoint, p, or exit)",
        "p        pause",
        "f        run to the next page fault",
        "F        run to the next fault matching a filter:",
        "         handler substring, LO-HI address range, pid=N",
        "b        toggle a breakpoint at a function (by name) or an address",
        "w        walk the page tables for a typed address",
        "Up/Down  select a fault (its walk is shown)",
        "Enter    the selected fault's full record",
        "End      follow the newest fault again",
        "i        type to the guest's stdin (Esc leaves)",
        "?        this help (any key closes it)",
        "q        quit: stop the guest, commit the log",
    };
    int n = (int)(sizeof(lines) / sizeof(lines[0]));
    int bw = 60 < w - 2 ? 60 : w - 2, bh = n + 2 < h - 2 ? n + 2 : h - 2;
    int y0 = (h - bh) / 2, x0 = (w - bw) / 2;
    for (int r = 0; r < bh; r++) {
        move(y0 + r, x0);
        for (int c = 0; c < bw; c++)
            addch(' ' | A_REVERSE);
    }
    for (int i = 0; i < n && i < bh - 2; i++)
        put(y0 + 1 + i, x0 + 2, bw - 4, A_REVERSE | (i == 0 ? A_BOLD : 0), "%s", lines[i]);
}

static void draw_detail(struct tui *t, int h, int w)
{
    const struct feed_entry *f = selected(t, NULL);
    if (!f)
        return;
    const struct fault_event *ev = &f->ev;
    int bh = 12 < h - 2 ? 12 : h - 2, bw = w - 4;
    int y0 = (h - bh) / 2, x0 = 2;
    for (int r = 0; r < bh; r++) {
        move(y0 + r, x0);
        for (int c = 0; c < bw; c++)
            addch(' ' | A_REVERSE);
    }
    attr_t a = A_REVERSE;
    int y = y0 + 1, x = x0 + 2, cw = bw - 4;
    put(y++, x, cw, a | A_BOLD, "fault %llu  pid %d  %s  (Esc closes)", (unsigned long long)ev->seq,
        ev->pid, fault_outcome_name(ev->outcome));
    put(y++, x, cw, a, "address %#llx  %s %s-mode  error_code %#x  ip %#llx  sp %#llx",
        (unsigned long long)ev->address, access_name(ev->error_code), ev->user ? "user" : "kernel",
        ev->error_code, (unsigned long long)ev->ip, (unsigned long long)ev->sp);
    char where[200];
    if (ev->pid == t->view.pid && snapshot_where(&t->view, ev->ip, where, sizeof(where)))
        put(y++, x, cw, a, "ip in %s", where);
    put(y++, x, cw, a, "vma %llx-%llx flags %#lx pgoff %#llx %s", (unsigned long long)ev->vma_start,
        (unsigned long long)ev->vma_end, ev->vma_flags, (unsigned long long)ev->vma_pgoff, f->file);
    char path[512];
    fault_path_format(ev, path, sizeof(path));
    put(y++, x, cw, a, "path %s", path);
    put(y++, x, cw, a, "vm_fault %#x  signal %d si_code %d  icount %llu", ev->vm_fault, ev->signo,
        ev->si_code, (unsigned long long)ev->icount);
    char b1[160];
    walk_decode_entry(ev->pte_before, true, b1, sizeof(b1));
    put(y++, x, cw, a, "pte before %016llx %s", (unsigned long long)ev->pte_before, b1);
    walk_decode_entry(ev->pte_after, true, b1, sizeof(b1));
    put(y++, x, cw, a, "pte after  %016llx %s", (unsigned long long)ev->pte_after, b1);
    if (t->view.walk_valid && t->view.walk.addr == ev->address && y < y0 + bh - 1) {
        const struct page_walk *pw = &t->view.walk;
        put(y++, x, cw, a, "now: PML4E %llx PDPTE %llx PDE %llx PTE %llx",
            (unsigned long long)pw->lv[0].entry, (unsigned long long)pw->lv[1].entry,
            (unsigned long long)pw->lv[2].entry, (unsigned long long)pw->lv[3].entry);
    }
}

void tui_draw(struct tui *t)
{
    int H = LINES, W = COLS;
    erase();
    if (H < 16 || W < 60) {
        put(0, 0, W, A_BOLD, "faultline tui: the terminal is too small (%dx%d, need 60x16)", W, H);
        return;
    }
    const struct tui_snapshot *s = &t->view;
    int out_h = H >= 30 ? 7 : 4;
    int main_end = H - 2 - out_h; /* main panels use rows [1, main_end) */
    int lw = W >= 100 ? 44 : 42, rx = lw + 1, rw = W - rx;

    attron(COLOR_PAIR(C_BAR));
    mvhline(0, 0, ' ', W);
    attroff(COLOR_PAIR(C_BAR));
    put(0, 0, W, COLOR_PAIR(C_BAR) | A_BOLD,
        " faultline tui | pid %d %s | %s | faults %llu | ? help", s->pid, s->comm,
        t->emu_done           ? (s->exited ? "EXITED" : "ENDED") /* the whole run is over */
        : ctl_running(t->ctl) ? "RUNNING" /* also while blocked in a syscall */
                              : why_text(s),
        (unsigned long long)t->feed.total);

    draw_regs(t, 1, 0, lw);
    draw_code(t, 11, 0, lw, main_end - 11);
    mvvline(1, lw, ACS_VLINE, main_end - 1);

    int mh = main_end - 1;
    int walk_h = 6, feed_h = (mh - walk_h) / 2 + 1, maps_h = mh - walk_h - feed_h;
    if (maps_h < 3) {
        maps_h = 3;
        feed_h = mh - walk_h - maps_h;
    }
    draw_feed(t, 1, rx, rw, feed_h);
    draw_walk(t, 1 + feed_h, rx, rw);
    draw_maps(t, 1 + feed_h + walk_h, rx, rw, maps_h);

    mvhline(main_end, 0, ACS_HLINE, W);
    draw_output(t, main_end, W, out_h);
    draw_counters(t, H - 2, W);
    draw_bottom(t, H - 1, W);
    if (t->detail)
        draw_detail(t, H, W);
    if (t->help)
        draw_help(H, W);
}
