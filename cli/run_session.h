/*
 * run_session.h - one run of a guest as `faultline run` and `faultline tui` both do it: options,
 * the fault log (runs row, processes, faults), the emulated machine, the exit status and the
 * summary line.
 *
 * Order: run_session_open, (the caller may now redirect host fds the guest will inherit),
 * run_session_spawn, run_session_run (on any one thread), run_session_finish.
 */
#ifndef FL_RUN_SESSION_H
#define FL_RUN_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/run_options.h"
#include "emu/emu.h"
#include "kernel_model/trace.h"

struct fl_log;

struct run_session {
    struct run_options ro;
    struct fl_log *log; /* NULL with --no-log */
    struct emu *e;
    struct proc *p; /* the first process, NULL if it could not be loaded */
    unsigned long faults, minor, major, signals;
    unsigned long efaults; /* kernel-mode faults a system call answered with EFAULT */
    struct fault_observer fobs;
    struct proc_observer pobs;
    int64_t run_id;
    double t0, wall;
    struct emu_result res;
    int status;        /* the exit status faultline returns */
    bool pass_signals; /* pass host signals on to the guest (emu/host_signals.h) */
    bool on_tty;       /* and stdin is a terminal (its Ctrl-C may end any wait) */
};

/* Parse `argv` (argv[0] is the subcommand), check the program, open the log, create the machine
 * and begin the runs row. Returns -1 when the run goes ahead, else the exit status to return at
 * once (the message is already on stderr; nothing is left open). */
int run_session_open(struct run_session *s, int argc, char **argv);
/* Load the program as the first process; it inherits the host's fds 0, 1, 2 as they are now.
 * Returns 0, or -1 after reporting the error (the session still finishes normally). */
int run_session_spawn(struct run_session *s);
/* Run the guest to the end and compute the exit status. SIGTERM and SIGINT stop it cleanly
 * (status 128 + the signal), unless s->pass_signals: then they and the other signals a user
 * sends or types go to the guest (emu/host_signals.h), and only one that cannot get through
 * stops the run. */
void run_session_run(struct run_session *s);
/* End the runs row, close the log, print the summary (unless --quiet), free everything.
 * Returns the exit status. */
int run_session_finish(struct run_session *s);

#endif
