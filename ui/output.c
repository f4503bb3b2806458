/*
 * output.c - the guest's stdout and stderr, read from its pty into a ring of lines for the
 * output panel. Control characters other than newline and tab are shown as '.', so nothing the
 * guest writes can move the cursor or change the terminal.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ui/tui_internal.h"

static char *cur_line(struct tui *t)
{
    if (!t->out_n) {
        t->out_n = 1;
        t->out[t->out_first][0] = 0;
        t->out_col = 0;
    }
    return t->out[(t->out_first + t->out_n - 1) % OUT_LINES];
}

static void new_line(struct tui *t)
{
    if (t->out_n == OUT_LINES)
        t->out_first = (t->out_first + 1) % OUT_LINES;
    else
        t->out_n++;
    t->out[(t->out_first + t->out_n - 1) % OUT_LINES][0] = 0;
    t->out_col = 0;
}

static void put_char(struct tui *t, unsigned char ch)
{
    char *l = cur_line(t);
    if (ch == '\n') {
        new_line(t);
        return;
    }
    if (ch == '\r')
        return;
    if (ch == '\t') {
        do
            put_char(t, ' ');
        while (t->out_col % 8);
        return;
    }
    if (t->out_col >= OUT_COLS - 1)
        return; /* long lines are cut */
    l[t->out_col++] = (ch < 32 || ch == 127) ? '.' : (char)ch;
    l[t->out_col] = 0;
}

bool output_drain(struct tui *t)
{
    bool any = false;
    unsigned char buf[4096];
    while (t->guest_out >= 0) {
        ssize_t n = read(t->guest_out, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0 || errno == EIO) { /* every slave fd closed: the guest is gone */
                close(t->guest_out);
                t->guest_out = -1;
            }
            break;
        }
        for (ssize_t i = 0; i < n; i++)
            put_char(t, buf[i]);
        any = true;
    }
    return any;
}

const char *output_line(const struct tui *t, int n)
{
    int count = t->out_n;
    /* an empty last line (just after a newline) is not shown */
    if (count && !t->out[(t->out_first + count - 1) % OUT_LINES][0])
        count--;
    if (n >= count)
        return NULL;
    return t->out[(t->out_first + count - 1 - n) % OUT_LINES];
}
