/*
 * run_session.c - the life of one run shared by `faultline run` and `faultline tui` (see
 * run_session.h). Exit statuses: the guest's own (128+N when signal N killed it), 2 for bad
 * options, 127 when the program does not exist, 126 when it cannot be run, 1 when the log cannot
 * be written, 128 + N when signal N sent to faultline ended the run, 124 when --timeout or
 * --max-insns ended the run.
 */
#include "cli/run_session.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db/log.h"
#include "emu/cputime.h"
#include "emu/signal.h"
#include "emu/host_signals.h"
#include "kernel_model/swap.h"

static struct emu *running_emu;
static pthread_t emulator_thread; /* the one that runs the guest: host reads block there */

static volatile sig_atomic_t stopped_by; /* the signal on_stop_signal took */

static void on_stop_signal(int sig)
{
    stopped_by = sig;
    if (running_emu)
        emu_request_stop(running_emu);
}

/* A host signal sent to another of faultline's threads, on its way to the emulator thread (the
 * one whose blocking host call it must interrupt): the sender as the host gave it. */
static struct host_sender forwarded[32];

/* Host signals for the guest (emu/host_signals.h), during `faultline run`. The handler must run
 * on the emulator thread, whose blocking host read it is to interrupt, and where the engine
 * can be stopped. */
static void on_host_signal(int sig, siginfo_t *si, void *ucontext)
{
    (void)ucontext;
    int saved = errno;
    struct host_sender from = {si->si_code, si->si_pid, si->si_uid,
                               (uint64_t)(uintptr_t)si->si_value.sival_ptr};
    if (si->si_code == SI_TKILL && si->si_pid == getpid() && sig < 32)
        from = forwarded[sig]; /* our own pthread_kill below */
    if (!pthread_equal(pthread_self(), emulator_thread)) {
        if (sig < 32)
            forwarded[sig] = from;
        pthread_kill(emulator_thread, sig);
    } else if (running_emu && !host_signal_raise(running_emu, sig, &from) &&
               host_signals_ended_by(running_emu) == sig) {
        /* the first has not got through (no system call or page fault since): stop */
        const char *parts[] = {"\nfaultline: the guest did not take ", signal_name(sig),
                               " (no system call or page fault since the first): stopping the "
                               "run\n"};
        for (int i = 0; i < 3; i++)
            if (write(STDERR_FILENO, parts[i], strlen(parts[i])) < 0)
                break;
        emu_request_stop(running_emu);
    }
    errno = saved;
}

static void observe_fault(void *ctx, const struct fault_event *ev)
{
    struct run_session *s = ctx;
    s->faults++;
    if (ev->outcome == OUTCOME_MAJOR || ev->outcome == OUTCOME_USERFAULT) /* 4.20: major */
        s->major++;
    else if (ev->outcome == OUTCOME_MINOR || ev->outcome == OUTCOME_SPURIOUS)
        s->minor++;
    else if (ev->outcome == OUTCOME_EFAULT) /* no signal: the call returned -EFAULT */
        s->efaults++;
    else
        s->signals++;
}

static void observe_start(void *ctx, struct proc *p)
{
    struct run_session *s = ctx;
    if (s->log)
        fl_log_process_start(s->log, p->task.pid, p->ppid, p->exe, p->argv);
}

static void observe_exit(void *ctx, struct proc *p)
{
    struct run_session *s = ctx;
    if (s->log)
        fl_log_process_exit(s->log, p->task.pid, p->exit_code, p->term_sig, p->task.min_flt,
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

int run_session_open(struct run_session *s, int argc, char **argv)
{
    memset(s, 0, sizeof(*s));
    s->run_id = -1;
    int rc = parse_run_options(argc, argv, &s->ro);
    if (rc >= 0) { /* --help, or a usage error already reported */
        free_run_options(&s->ro);
        return rc;
    }
    struct fl_options *opt = &s->ro.opt;
    char err[512];

    /* Check the program before creating a log, so a typo leaves no empty run behind. */
    if (access(s->ro.prog, F_OK)) {
        fprintf(stderr, "faultline: %s: %s\n", s->ro.prog, strerror(errno));
        free_run_options(&s->ro);
        return 127;
    }
    if (!opt->no_log) {
        s->log = fl_log_open(opt->db_path, err, sizeof(err));
        if (!s->log) {
            fprintf(stderr, "faultline: %s\n", err);
            free_run_options(&s->ro);
            return 1;
        }
    }
    s->e = emu_create(opt, err, sizeof(err));
    if (!s->e) {
        fprintf(stderr, "faultline: %s\n", err);
        if (s->log)
            fl_log_close(s->log, err, sizeof(err));
        free_run_options(&s->ro);
        return 1;
    }
    s->fobs = (struct fault_observer){.on_fault = observe_fault, .ctx = s};
    fault_observer_register(&s->fobs);
    if (s->log) {
        struct fl_run_info info = {
            .exe = s->ro.prog,
            .argv = s->ro.guest_argv,
            .options_json = s->ro.options_json,
            .ram_bytes = opt->ram_bytes,
            .fault_around_bytes = opt->fault_around_bytes,
        };
        s->run_id = fl_log_run_begin(s->log, &info);
        fault_observer_register(fl_log_fault_observer(s->log));
    }
    s->pobs = (struct proc_observer){observe_start, observe_exit, s};
    emu_set_proc_observer(s->e, &s->pobs);
    return -1;
}

int run_session_spawn(struct run_session *s)
{
    char err[512];
    s->t0 = now();
    s->p = emu_spawn(s->e, s->ro.prog, s->ro.guest_argv, s->ro.opt.envp, err, sizeof(err));
    if (!s->p) {
        s->status = errno == ENOENT ? 127 : 126; /* a missing #! interpreter: 127, as in a shell */
        fprintf(stderr, "faultline: %s: %s\n", s->ro.prog, err);
        s->res.stop = EMU_ERROR;
        snprintf(s->res.message, sizeof(s->res.message), "%.*s", (int)sizeof(s->res.message) - 1,
                 err);
        return -1;
    }
    return 0;
}

void run_session_run(struct run_session *s)
{
    if (!s->p)
        return;
    running_emu = s->e;
    emulator_thread = pthread_self();
    struct sigaction sa = {.sa_handler = on_stop_signal};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (s->pass_signals) {
        /* no SA_RESTART: a host call the guest blocks in returns EINTR, and the guest's own
         * action decides between a restart and EINTR */
        struct sigaction pass = {.sa_sigaction = on_host_signal, .sa_flags = SA_SIGINFO};
        static const int passed[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGUSR1, SIGUSR2,
                                     SIGALRM, SIGTERM, SIGTSTP, SIGWINCH};
        host_signals_enable(s->e, s->on_tty);
        for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
            sigaction(passed[i], &pass, NULL);
    }
    /* A guest writing to a closed pipe must get EPIPE, not kill faultline mid-log. */
    signal(SIGPIPE, SIG_IGN);
    emu_run(s->e, &s->res);
    running_emu = NULL;
    s->wall = now() - s->t0;
    const struct emu_result *res = &s->res;
    if (res->stop == EMU_ERROR)
        fprintf(stderr, "faultline: %s\n", res->message);
    s->status = res->term_sig ? 128 + res->term_sig : res->exit_code;
    if (res->stop == EMU_ERROR && s->status == 0) /* the first process was done: still an error */
        s->status = 1;
    if (res->stop == EMU_INTERRUPTED) { /* 128 + the host signal that ended it, as a shell says */
        int sig = host_signals_ended_by(s->e) ? host_signals_ended_by(s->e) : stopped_by;
        s->status = 128 + (sig ? sig : SIGINT);
    } else if (res->stop == EMU_TIME_LIMIT || res->stop == EMU_INSN_LIMIT) {
        fprintf(stderr, "faultline: %s: stopped: %s limit reached\n", s->ro.prog,
                res->stop == EMU_TIME_LIMIT ? "--timeout" : "--max-insns");
        s->status = 124;
    }
}

static const char *policy_name(void)
{
    return reclaim_policy == RECLAIM_LRU     ? "lru"
           : reclaim_policy == RECLAIM_FIFO  ? "fifo"
           : reclaim_policy == RECLAIM_LINUX ? "linux"
                                             : "clock";
}

static bool reclaim_happened(const struct run_session *s)
{
    const struct vm_event_state *ve = &vm_events;
    return s->ro.opt.swap_bytes || ve->pgsteal_anon || ve->pgsteal_file || ve->pswpin ||
           ve->oom_kills || ve->pglazyfreed;
}

int run_session_finish(struct run_session *s)
{
    char err[512];
    const struct emu_result *res = &s->res;
    struct proc *p = s->p ? emu_first(s->e) : NULL;
    if (p && !s->wall)
        s->wall = now() - s->t0;
    unsigned long min_flt = 0, maj_flt = 0; /* as the program's parent would see them */
    if (p)
        wait_rusage_faults(p, &min_flt, &maj_flt);
    int log_failed = 0;
    if (s->log && reclaim_happened(s)) {
        const struct vm_event_state *ve = &vm_events;
        struct fl_reclaim_stats rs = {
            .policy = policy_name(),
            .swap_bytes = s->ro.opt.swap_bytes,
            .anon_evicted = ve->pgsteal_anon,
            .swap_out = ve->pswpout,
            .swap_in = ve->pswpin,
            .swapcache_hits = ve->swapcache_hits,
            .file_dropped = ve->pgsteal_file,
            .file_written_back = ve->pgwriteback_file,
            .file_refaults = ve->workingset_refault,
            .scanned = ve->pgscan + ve->pgrefill,
            .rotated = ve->pgrotated + ve->reclaim_kept,
            .oom_kills = ve->oom_kills,
        };
        fl_log_reclaim(s->log, &rs);
    }
    if (s->log) {
        struct fl_run_end end = {
            .status = stop_status(res),
            .exit_code = res->exit_code,
            .term_sig = res->term_sig,
            .faults = s->faults,
            .min_flt = min_flt,
            .maj_flt = maj_flt,
            .instructions = s->e->insns,
            .wall_seconds = s->wall,
            .message = res->message[0] ? res->message : NULL,
        };
        fault_observer_unregister(fl_log_fault_observer(s->log));
        fl_log_run_end(s->log, &end);
        if (fl_log_close(s->log, err, sizeof(err))) {
            fprintf(stderr, "faultline: the fault log is incomplete: %s\n", err);
            log_failed = 1;
        }
    }
    fault_observer_unregister(&s->fobs);
    if (!s->ro.opt.quiet && p) {
        char how[64];
        if (res->term_sig)
            snprintf(how, sizeof(how), "killed by %s", signal_name(res->term_sig));
        else
            snprintf(how, sizeof(how), "exited with status %d", res->exit_code);
        char efaults[48] = "";
        if (s->efaults)
            snprintf(efaults, sizeof(efaults), ", %lu EFAULT", s->efaults);
        fprintf(stderr,
                "faultline: %s %s; %lu page faults (%lu minor, %lu major, %lu signalled%s); "
                "%.3f s",
                p->task.comm, how, s->faults, s->minor, s->major, s->signals, efaults, s->wall);
        if (s->log)
            fprintf(stderr, "; log %s run %lld", s->ro.opt.db_path, (long long)s->run_id);
        fputc('\n', stderr);
        const struct vm_event_state *ve = &vm_events;
        if (reclaim_happened(s) && (ve->pgsteal_anon || ve->pgsteal_file || ve->pswpin ||
                                    ve->oom_kills || ve->pglazyfreed)) {
            fprintf(stderr,
                    "faultline: reclaim (%s): %lu anonymous pages evicted (%lu written to swap), "
                    "%lu read back from swap (%lu read ahead), %lu swap faults found the page in "
                    "the swap cache, %lu file pages dropped (%lu written back, %lu read again), "
                    "%lu OOM kills",
                    policy_name(), ve->pgsteal_anon, ve->pswpout, ve->pswpin, ve->swap_ra,
                    ve->swapcache_hits, ve->pgsteal_file, ve->pgwriteback_file,
                    ve->workingset_refault, ve->oom_kills);
            if (ve->pglazyfreed) /* MADV_FREE'd pages dropped: a line without them is as before */
                fprintf(stderr, "; %lu lazily freed pages dropped", ve->pglazyfreed);
            fputc('\n', stderr);
        }
    }
    emu_destroy(s->e);
    free_run_options(&s->ro);
    return log_failed && s->status == 0 ? 1 : s->status;
}
