/*
 * log.h - the fault log writer: one SQLite file per log, one row per page fault.
 *
 * Threading: every fl_log_* call and the observer come from the emulator's thread (one thread
 * at a time); a private writer thread owns the inserts. on_fault only copies the event into an
 * in-memory batch, so a fault costs a copy, not an INSERT. Faults reach the file in
 * transactions of up to 64k rows or 100 ms, whichever comes first; fl_log_flush() and the run
 * calls force a commit. A faultline killed part-way leaves a readable log holding every
 * committed fault, with runs.status still 'running'.
 *
 * Errors after fl_log_open() are sticky: the first one stops the writer (later faults are
 * counted as dropped) and fl_log_close() reports it.
 */
#ifndef FL_DB_LOG_H
#define FL_DB_LOG_H

#include <stddef.h>
#include <stdint.h>

struct fl_log;
struct fault_observer;

/*
 * Opens or creates the log at path; creates schema v1 if the file is new or an empty SQLite
 * database; refuses a non-faultline or newer-schema database, an unwritable path, a locked
 * database: returns NULL with a one-line message (no newline) in err.
 */
struct fl_log *fl_log_open(const char *path, char *err, size_t errlen);

struct fl_run_info {
    const char *exe;
    char *const *argv;        /* NULL-terminated; stored as a JSON array */
    const char *options_json; /* the run's options as a JSON object (stored as given) */
    uint64_t ram_bytes;
    unsigned long fault_around_bytes;
};

/* Inserts a runs row with status 'running' and commits it; faults logged from now on belong to
 * it. Returns the run_id, or < 0 on error. */
int64_t fl_log_run_begin(struct fl_log *, const struct fl_run_info *);

/* A process appeared (fork/clone) or replaced its image (execve: same pid, new exe/argv). */
void fl_log_process_start(struct fl_log *, int pid, int ppid, const char *exe, char *const *argv);
void fl_log_process_exit(struct fl_log *, int pid, int exit_code, int term_sig,
                         unsigned long min_flt, unsigned long maj_flt);

/* The observer to register with fault_observer_register(); owned by the log (valid until
 * fl_log_close, which does not unregister it: unregister first). */
struct fault_observer *fl_log_fault_observer(struct fl_log *);

struct fl_run_end {
    const char *status; /* "exited","killed","error","interrupted","limit" */
    int exit_code;
    int term_sig;
    uint64_t faults, min_flt, maj_flt, instructions;
    double wall_seconds;
    const char *message; /* NULL or a one-line explanation (error, limit) */
};

/* Writes every pending fault, then finishes the current run's row, and commits. */
void fl_log_run_end(struct fl_log *, const struct fl_run_end *);

/* What reclaim did during the run (kernel_model/swap.h's vm_event_state, by name). */
struct fl_reclaim_stats {
    const char *policy; /* "clock", "lru", "fifo" */
    uint64_t swap_bytes;
    uint64_t anon_evicted, swap_out, swap_in, swapcache_hits;
    uint64_t file_dropped, file_written_back, file_refaults, scanned, rotated, oom_kills;
};

/*
 * Records the run's reclaim counters in the optional table reclaim_stats (one row per run,
 * created on first use: logs of runs without memory pressure never have it, and schema v1
 * readers ignore it). Call before fl_log_run_end.
 */
void fl_log_reclaim(struct fl_log *, const struct fl_reclaim_stats *);

/* Blocks until every fault logged so far is committed to the file. 0, or -1 after an error. */
int fl_log_flush(struct fl_log *);

/* Flushes everything, stops the writer, closes the file and frees the log (also on error).
 * Returns 0, or -1 with the first error of the log's life in err. */
int fl_log_close(struct fl_log *, char *err, size_t errlen);

#endif
