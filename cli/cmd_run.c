/*
 * cmd_run.c - `faultline run`: parse the options, open the log, run the guest, close the log,
 * and exit with the guest's status (128+N when signal N killed it).
 *
 * Exit statuses of faultline itself (before or around the guest): 2 for bad options, 127 when
 * the program does not exist, 126 when it cannot be run (not an x86-64 ELF this build runs),
 * 1 when the log cannot be written, 128 + N when signal N sent to faultline ended the run
 * (emu/host_signals.h), 124 when --timeout or --max-insns ended the run (as timeout(1) does). The
 * run itself is cli/run_session.c, shared with `faultline tui`.
 */
#include <unistd.h>

#include "cli/commands.h"
#include "cli/run_session.h"

int cmd_run(int argc, char **argv)
{
    struct run_session s;
    int rc = run_session_open(&s, argc, argv);
    if (rc >= 0)
        return rc;
    /* signals sent to faultline, and the terminal's Ctrl-C, Ctrl-\, Ctrl-Z and resizes, are the
     * guest's, as natively */
    s.pass_signals = true;
    s.on_tty = isatty(STDIN_FILENO);
    if (run_session_spawn(&s) == 0)
        run_session_run(&s);
    return run_session_finish(&s);
}
