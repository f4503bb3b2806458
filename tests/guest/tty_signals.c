/*
 * tty_signals - a program reading its terminal that handles SIGINT (without SA_RESTART) and
 * SIGWINCH (with it), for tests/tui/tty_signals.py: Ctrl-C must interrupt the read with EINTR
 * and run the handler, a resize must run the SIGWINCH handler (the read goes on), and the
 * program ends after the second Ctrl-C. Prints one line per event; the same natively and under
 * faultline.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t got_int, got_winch;

static void on_int(int sig)
{
    (void)sig;
    got_int++;
}

static void on_winch(int sig)
{
    (void)sig;
    got_winch++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_int;
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_winch;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, NULL);
    printf("ready\n");
    fflush(stdout);
    while (got_int < 2) {
        char buf[64];
        ssize_t n = read(0, buf, sizeof(buf));
        int err = errno;
        if (got_winch) {
            struct winsize ws;
            ioctl(0, TIOCGWINSZ, &ws);
            printf("SIGWINCH: %dx%d\n", ws.ws_col, ws.ws_row);
            got_winch = 0;
        }
        if (n < 0)
            printf("read: %s, SIGINT %d\n", strerror(err), (int)got_int);
        else
            printf("read %zd bytes\n", n);
        fflush(stdout);
    }
    printf("done\n");
    return 0;
}
