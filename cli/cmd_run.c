/*
 * cmd_run.c - `faultline run`: parse the options, open the log, run the guest, close the log,
 * and exit with the guest's status (128+N when signal N killed it).
 *
 * Exit statuses of faultline itself (before or around the guest): 2 for bad options, 127 when
 * the program does not exist, 126 when it cannot be run (not an x86-64 ELF this build runs),
 * 1 when the log cannot be written, 130/143 when faultline was interrupted, 124 when --timeout or
 * --max-insns ended the run (as timeout(1) does).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/run_options.h"
#include "db/log.h"
#include "emu/emu.h"
#include "emu/signal.h"
#include "kernel_model/mm.h"
#include "kernel_model/trace.h"

extern char **environ;

static struct emu *running_emu;

static void on_stop_signal(int sig)
{
    (void)sig;
    if (running_emu)
        emu_request_stop(running_emu);
}

struct run_observer {
    struct fl_log *log;
    unsigned long faults, minor, major, signals;
};

static void observe_fault(void *ctx, const struct fault_event *ev)
{
    struct run_observer *ro = ctx;
    ro->faults++;
    if (ev->outcome == OUTCOME_MAJOR)
        ro->major++;
    else if (ev->outcome == OUTCOME_MINOR || ev->outcome == OUTCOME_SPURIOUS)
        ro->minor++;
    else
        ro->signals++;
}

static void observe_start(void *ctx, struct proc *p)
{
    struct run_observer *ro = ctx;
    if (ro->log)
        fl_log_process_start(ro->log, p->task.pid, p->ppid, p->exe, p->argv);
}

static void observe_exit(void *ctx, struct proc *p)
{
    struct run_observer *ro = ctx;
    if (ro->log)
        fl_log_process_exit(ro->log, p->task.pid, p->exit_code, p->term_sig, p->task.min_flt,
                            p->task.maj_flt);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *stop_status(const struct emu_result *r)
{
    switch (r->stop) {
    case EMU_EXITED:
        return r->term_sig ? "killed" : "exited";
    case EMU_INTERRUPTED:
        return "interrupted";
    case EMU_TIME_LIMIT:
    case EMU_INSN_LIMIT:
        return "limit";
    case EMU_ERROR:
        return "error";
    }
    return "error";
}

int cmd_run(int argc, char **argv)
{
    struct run_options ro_opts;
    int rc = parse_run_options(argc, argv, &ro_opts);
    if (rc >= 0)
        return rc; /* --help, or a usage error already reported */
    struct fl_options *opt = &ro_opts.opt;
    char err[512];

    /* Check the program before creating a log, so a typo leaves no empty run behind. */
    if (access(ro_opts.prog, F_OK)) {
        fprintf(stderr, "faultline: %s: %s\n", ro_opts.prog, strerror(errno));
        return 127;
    }

    struct run_observer obs = {0};
    if (!opt->no_log) {
        obs.log = fl_log_open(opt->db_path, err, sizeof(err));
        if (!obs.log) {
            fprintf(stderr, "faultline: %s\n", err);
            return 1;
        }
    }

    struct emu *e = emu_create(opt, err, sizeof(err));
    if (!e) {
        fprintf(stderr, "faultline: %s\n", err);
        if (obs.log)
            fl_log_close(obs.log, err, sizeof(err));
        return 1;
    }
    struct fault_observer fobs = {.on_fault = observe_fault, .ctx = &obs};
    fault_observer_register(&fobs);
    int64_t run_id = -1;
    if (obs.log) {
        struct fl_run_info info = {
            .exe = ro_opts.prog,
            .argv = ro_opts.guest_argv,
            .options_json = ro_opts.options_json,
            .ram_bytes = opt->ram_bytes,
            .fault_around_bytes = opt->fault_around_bytes,
        };
        run_id = fl_log_run_begin(obs.log, &info);
        fault_observer_register(fl_log_fault_observer(obs.log));
    }
    struct proc_observer pobs = {observe_start, observe_exit, &obs};
    emu_set_proc_observer(e, &pobs);

    double t0 = now();
    struct proc *p = emu_spawn(e, ro_opts.prog, ro_opts.guest_argv, opt->envp, err, sizeof(err));
    struct emu_result res = {0};
    int status;
    if (!p) {
        fprintf(stderr, "faultline: %s: %s\n", ro_opts.prog, err);
        res.stop = EMU_ERROR;
        snprintf(res.message, sizeof(res.message), "%s", err);
        status = 126;
    } else {
        running_emu = e;
        struct sigaction sa = {.sa_handler = on_stop_signal};
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        /* A guest writing to a closed pipe must get EPIPE, not kill faultline mid-log. */
        signal(SIGPIPE, SIG_IGN);
        emu_run(e, &res);
        running_emu = NULL;
        if (res.stop == EMU_ERROR)
            fprintf(stderr, "faultline: %s\n", res.message);
        status = res.term_sig ? 128 + res.term_sig : res.exit_code;
        if (res.stop == EMU_INTERRUPTED)
            status = 130;
        else if (res.stop == EMU_TIME_LIMIT || res.stop == EMU_INSN_LIMIT) {
            fprintf(stderr, "faultline: %s: stopped: %s limit reached\n", ro_opts.prog,
                    res.stop == EMU_TIME_LIMIT ? "--timeout" : "--max-insns");
            status = 124;
        }
    }
    double wall = now() - t0;
    unsigned long min_flt = p ? p->task.min_flt : 0, maj_flt = p ? p->task.maj_flt : 0;

    int log_failed = 0;
    if (obs.log) {
        struct fl_run_end end = {
            .status = stop_status(&res),
            .exit_code = res.exit_code,
            .term_sig = res.term_sig,
            .faults = obs.faults,
            .min_flt = min_flt,
            .maj_flt = maj_flt,
            .instructions = e->insns,
            .wall_seconds = wall,
            .message = res.message[0] ? res.message : NULL,
        };
        fl_log_run_end(obs.log, &end);
        if (fl_log_close(obs.log, err, sizeof(err))) {
            fprintf(stderr, "faultline: the fault log is incomplete: %s\n", err);
            log_failed = 1;
        }
    }
    if (!opt->quiet && p) {
        char how[64];
        if (res.term_sig)
            snprintf(how, sizeof(how), "killed by %s", signal_name(res.term_sig));
        else
            snprintf(how, sizeof(how), "exited with status %d", res.exit_code);
        fprintf(stderr,
                "faultline: %s %s; %lu page faults (%lu minor, %lu major, %lu signalled); "
                "%.3f s",
                p->task.comm, how, obs.faults, obs.minor, obs.major, obs.signals, wall);
        if (obs.log)
            fprintf(stderr, "; log %s run %lld", opt->db_path, (long long)run_id);
        fputc('\n', stderr);
    }
    emu_destroy(e);
    free_run_options(&ro_opts);
    return log_failed && status == 0 ? 1 : status;
}
