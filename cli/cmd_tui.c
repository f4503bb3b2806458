/*
 * cmd_tui.c - `faultline tui [options] -- PROG [ARGS...]`: the same run as `faultline run` (same
 * options, same log, same exit status), shown live in the terminal UI with stepping (ui/).
 *
 * The guest must not write to the terminal the TUI draws on: before the guest is loaded, the
 * host's fds 0, 1 and 2 (which the guest's fd table duplicates) are pointed at a pseudo-terminal
 * of its own, so it runs as it would in a terminal (isatty, line-buffered stdout, the window
 * size). The TUI reads the pty's master into its output panel and writes what the user types
 * into it. faultline's own messages during the run (the kernel's segfault lines) land in the
 * panel too. The terminal fds are restored before the summary line is printed.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/run_session.h"
#include "ui/tui.h"

static void run_guest(void *arg)
{
    run_session_run(arg);
}

static void restore_stdio(const int saved[3])
{
    for (int fd = 0; fd < 3; fd++) {
        dup2(saved[fd], fd);
        close(saved[fd]);
    }
}

/* A new pseudo-terminal: its master in *master, its slave returned (-1 on error). */
static int open_guest_pty(int *master)
{
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0)
        return -1;
    const char *name = grantpt(*master) || unlockpt(*master) ? NULL : ptsname(*master);
    int slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    if (slave < 0) {
        close(*master);
        *master = -1;
    }
    return slave;
}

/* True when the options (before "--") ask for --help, which needs no terminal. */
static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return true;
    return false;
}

int cmd_tui(int argc, char **argv)
{
    /* Checked before the log is opened, so a missing terminal leaves no run behind. */
    if (!wants_help(argc, argv) && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "faultline tui: stdin and stdout must be a terminal (use "
                        "`faultline run` otherwise)\n");
        return 2;
    }
    struct run_session s;
    int rc = run_session_open(&s, argc, argv);
    if (rc >= 0)
        return rc;

    int master = -1, slave = open_guest_pty(&master);
    if (slave < 0) {
        perror("faultline tui: cannot create a pseudo-terminal for the guest");
        s.status = 1;
        return run_session_finish(&s);
    }
    int saved[3], tty_in, tty_out;
    for (int fd = 0; fd < 3; fd++)
        saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    tty_in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    tty_out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    struct winsize ws;
    if (ioctl(tty_out, TIOCGWINSZ, &ws) == 0)
        ioctl(slave, TIOCSWINSZ, &ws);
    for (int fd = 0; fd < 3; fd++)
        dup2(slave, fd);
    close(slave);

    char err[256] = "out of memory";
    struct tui *ui = tui_create(s.e);
    int spawned = ui && run_session_spawn(&s) == 0;
    int ui_failed = !ui;
    if (spawned) {
        struct tui_io io = {tty_in, tty_out, master, fcntl(master, F_DUPFD_CLOEXEC, 3)};
        ui_failed = tui_run(ui, &io, run_guest, &s, err, sizeof(err)) != 0;
    } else {
        tui_destroy(ui);
        close(tty_in);
        close(tty_out);
        close(master);
    }
    restore_stdio(saved);
    if (ui && !spawned)
        fprintf(stderr, "faultline: %s: %s\n", s.ro.prog, s.res.message);
    if (ui_failed) {
        fprintf(stderr, "faultline tui: %s\n", err);
        s.res.stop = EMU_ERROR;
        snprintf(s.res.message, sizeof(s.res.message), "tui: %.240s", err);
        s.status = 1;
    }
    return run_session_finish(&s);
}
