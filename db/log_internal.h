/*
 * log_internal.h - the fault log's state, shared by its three parts:
 *   log.c       open/close and runs rows (the emulator's thread); processes rows (queued)
 *   observer.c  on_fault: event -> batch row (the emulator's thread, the hot path)
 *   reclaim.c   on_reclaim: eviction -> buffer -> reclaim_events rows (queued)
 *   khugepaged.c, kernel_log.c  on_khugepaged, on_printk: one row each (queued)
 *   writer.c    the writer thread: batches -> INSERTs in large transactions
 *
 * Data flow and locks:
 *
 *   on_fault --> cur chunk --full, q_lock--> full list --(q_lock)--> writer --(db_lock)--> SQLite
 *   process start/exit, eviction buffers --(q_lock)--> ctl list --(q_lock)--> writer
 *
 *  - q_lock guards the chunk queue (which chunk is cur, the full list, the free list) and the
 *    flush/stop state. The producer appends a row to cur without it: it writes the row, then
 *    publishes it by advancing cur->n (release); it takes q_lock only to hand over a full chunk
 *    (once per FL_CHUNK_ROWS rows), so only the producer ever changes which chunk is cur. The
 *    writer takes the full list under q_lock and, when a flush, stop or idle tick asks for
 *    everything, also the rows published in cur so far (acquire); cur->taken remembers how
 *    many of cur's rows it has inserted already.
 *  - The rows that are not faults (a process started or exited, a buffer of evictions) go to
 *    the writer too, as fl_ctl records on the ctl list (q_lock, in order): the emulator never
 *    waits for SQLite on them. Before: a fork-heavy run spent a quarter of its time there,
 *    waiting for db_lock while the writer inserted a backlog.
 *  - db_lock guards the connection and its prepared statements. The writer holds it while it
 *    inserts a chunk or ctl records, or commits; log.c holds it for a runs statement (once per
 *    run, after a flush), which autocommits.
 *  - Rows point at strings interned by the producer (intern.h): immutable until close, after
 *    the writer has been joined.
 */
#ifndef FL_DB_LOG_INTERNAL_H
#define FL_DB_LOG_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "db/counts.h"
#include "db/dims.h"
#include "db/intern.h"
#include "db/log.h"
#include "kernel_model/trace.h"

/* Rows handed to the writer at a time. The chunk being filled and the one being inserted are
 * resident whatever the writer's lag, so a chunk's size is the log's memory floor: 1024 rows
 * (152 KiB) rather than 4096 lowered a logged run's peak RSS by 0.8 MiB at the same rate. */
#define FL_CHUNK_ROWS 1024
#define FL_FAULT_COLS 8 /* columns of raw_faults the writer inserts per row */
/* Back-pressure: the emulator waits beyond 8k queued rows (1.2 MiB). Where the writer is slower
 * than the faults come (touching fresh memory), a deeper queue only held more memory: 64 chunks
 * put 1.5-3 MiB more on a 1 GiB run's peak for the same time (bench/README.md). */
#define FL_MAX_FULL_CHUNKS 8
#define FL_TXN_ROWS        65536 /* commit after this many rows ... */
#define FL_TXN_MS          100   /* ... or when the transaction is this old */
#define FL_OPEN_BUSY_MS    1000  /* how long fl_log_open waits for another writer's lock */
#define FL_WRITE_BUSY_MS   10000 /* how long a commit waits (another faultline on the same log) */

/* One fault as the producer copied it; the writer turns strings and the VMA into ids. */
struct fl_fault_row {
    int64_t run_id;
    uint64_t seq, icount, ip, sp, address;
    uint64_t vma_start, vma_end, vma_pgoff;
    uint64_t pte_before, pte_after;
    unsigned long vma_flags;
    const char *vma_file;     /* interned, NULL for anonymous memory */
    const char *path;         /* interned "a>b>c" */
    const char *outcome_name; /* fault_outcome_name(): static */
    int outcome;
    int pid;
    unsigned error_code, vm_fault;
    int signo, si_code;
    bool has_vma;
};

/* A fault row resolved to raw_faults' column values (writer.c), in the column order of the
 * batch virtual table: fault_id (0: the next id, inserted as NULL), class_id, icount, ip, sp,
 * address, pte_before, pte_after. */
struct fl_batch_row {
    int64_t v[FL_FAULT_COLS];
};

/* The rows of a chunk the writer has resolved and not inserted yet, rows [0, n): what the
 * virtual table fl_fault_batch (writer.c) returns. Writer thread, db_lock held. */
struct fl_batch {
    struct fl_batch_row rows[FL_CHUNK_ROWS];
    struct fl_count_key keys[FL_CHUNK_ROWS]; /* fault_counts' group of each row */
    unsigned n;
};

struct fl_chunk {
    struct fl_chunk *next;
    _Atomic unsigned n; /* rows written and published by the producer */
    unsigned taken;     /* writer only: rows [0, taken) are in the database already */
    struct fl_fault_row rows[FL_CHUNK_ROWS];
};

/* Evictions waiting to be inserted into reclaim_events (db/reclaim.c). */
#define FL_RECLAIM_BATCH 4096
struct fl_reclaim_row {
    uint64_t fault_seq, address, pfn, swap_slot, file_index;
    const char *file; /* interned */
    int pid;
    unsigned mappings;
    enum reclaim_kind kind;
};
struct fl_reclaim_buf {
    struct fl_reclaim_row rows[FL_RECLAIM_BATCH];
    size_t n;
};

/* A row for the writer that is not a fault (see the top of this file). */
enum fl_ctl_kind {
    FL_CTL_PROCESS_START,
    FL_CTL_PROCESS_EXIT,
    FL_CTL_RECLAIM,
    FL_CTL_KHUGEPAGED,
    FL_CTL_PRINTK
};
struct fl_ctl {
    struct fl_ctl *next;
    enum fl_ctl_kind kind;
    int64_t run_id;
    int pid, ppid;                  /* _START: also exe and argv (copies, NULL-terminated) */
    int exit_code, term_sig;        /* _EXIT */
    uint64_t min_flt, maj_flt;      /* _EXIT */
    char *exe, **argv;              /* _START */
    struct fl_reclaim_buf *reclaim; /* _RECLAIM: the buffer, now the writer's */
    struct khugepaged_event scan;   /* _KHUGEPAGED: one range khugepaged looked at */
    struct printk_event printk;     /* _PRINTK: one kernel log record; its text a copy: */
    char *text;
};

struct fl_log {
    sqlite3 *db;
    char *path;

    pthread_mutex_t db_lock;
    sqlite3_stmt *ins_faults; /* INSERT INTO raw_faults ... SELECT ... FROM fl_fault_batch */
    sqlite3_stmt *ins_run, *upsert_process, *exit_process, *end_run;
    sqlite3_stmt *max_fault_id; /* SELECT max(fault_id) FROM raw_faults */
    /* Writer thread, inside a transaction: the largest fault_id in raw_faults. A row whose
     * fault_id is one more is inserted with a NULL key, which SQLite turns into that same
     * value by appending after the last row instead of searching the b-tree for it. */
    int64_t last_fault_id;
    struct fl_dims dims;     /* writer thread only */
    struct fl_counts counts; /* writer thread only */
    struct fl_batch *batch;  /* writer thread only */

    /* q_lock and what it guards */
    pthread_mutex_t q_lock;
    pthread_cond_t q_work;  /* writer: a chunk filled, or flush/stop asked */
    pthread_cond_t q_space; /* producer: the full list shrank below its cap */
    pthread_cond_t q_done;  /* flushers: flush_done advanced */
    struct fl_chunk *cur;   /* being filled by on_fault */
    struct fl_chunk *full_head, *full_tail;
    unsigned nfull;
    struct fl_chunk *free_list;
    struct fl_ctl *ctl_head, *ctl_tail; /* rows other than faults, in order */
    uint64_t flush_req, flush_done;     /* flush generations asked / completed */
    bool stop;
    atomic_bool failed; /* sticky: the first error stops all writing (read without q_lock) */
    char errmsg[512];   /* ... and says what it was */
    uint64_t dropped;   /* faults not written because of it (the writer's count) */

    pthread_t writer;
    bool writer_started;

    /* producer-only state (the emulator's thread) */
    int64_t run_id;            /* 0 before fl_log_run_begin */
    uint64_t producer_dropped; /* faults the producer could not queue after a failure */
    struct intern files, paths;
    /* the last fault's handler path and file, interned: consecutive faults mostly share them,
     * and comparing is cheaper than hashing */
    const char *last_path_key[FAULT_PATH_MAX];
    int last_path_n; /* -1: none yet */
    const char *last_path;
    const char *last_file_key, *last_file;
    struct fault_observer observer;
    struct fl_reclaim_buf *reclaim; /* being filled; NULL until the first eviction */

    /* writer-thread state for the ctl records */
    sqlite3_stmt *ins_reclaim;    /* prepared with the table, at the first eviction */
    sqlite3_stmt *ins_khugepaged; /* prepared with the table, at khugepaged's first scan */
    sqlite3_stmt *ins_printk;     /* INSERT INTO kernel_log, at the first record */
};

/* writer.c */
void fl_queue_init(struct fl_log *log); /* locks and conditions, before anything else */
int fl_writer_start(struct fl_log *log);
void fl_writer_stop(struct fl_log *log);                  /* drains, commits, joins */
struct fl_chunk *fl_chunk_get_locked(struct fl_log *log); /* q_lock held; NULL on ENOMEM */
void fl_queue_push_full_locked(struct fl_log *log);       /* q_lock held: cur is full */
/* Register the virtual table fl_fault_batch on log->db (allocating log->batch) and prepare
 * ins_faults. 0, or -1 with a message in err. */
int fl_writer_prepare(struct fl_log *log, char *err, size_t errlen);
/* Record the first error (q_lock must NOT be held). */
void fl_log_fail(struct fl_log *log, const char *fmt, ...);
/* A zeroed ctl record of this kind for the log's current run; NULL (the log failed, saying so)
 * when out of memory. */
struct fl_ctl *fl_ctl_new(struct fl_log *log, enum fl_ctl_kind kind);
/* Queue a ctl record for the writer (takes q_lock); after a failure it is only freed. */
void fl_ctl_push(struct fl_log *log, struct fl_ctl *c);
void fl_ctl_free(struct fl_ctl *c);

/* observer.c: a file name interned for the log's lifetime (producer thread) */
const char *fl_intern_file(struct fl_log *log, const char *file);
/* reclaim.c */
void fl_reclaim_record(struct fl_log *log, const struct reclaim_event *ev);
/* Hand the buffered evictions to the writer (emulator thread; no SQL). */
void fl_reclaim_flush(struct fl_log *log);
/* Writer thread, db_lock held, inside a transaction: insert the buffer's rows. 0 or -1. */
int fl_reclaim_insert(struct fl_log *log, const struct fl_reclaim_buf *b, int64_t run_id);

/* khugepaged.c: the observer's on_khugepaged (emulator thread: queues a ctl record), and the
 * writer's insert of one (db_lock held, inside a transaction; 0 or -1) */
void fl_khugepaged_record(struct fl_log *log, const struct khugepaged_event *ev);
int fl_khugepaged_insert(struct fl_log *log, const struct fl_ctl *c);

/* kernel_log.c: the observer's on_printk (emulator thread: queues a ctl record), and the
 * writer's insert of one (db_lock held, inside a transaction; 0 or -1) */
void fl_printk_record(struct fl_log *log, const struct printk_event *ev);
int fl_printk_insert(struct fl_log *log, const struct fl_ctl *c);

/* log.c: writer thread, db_lock held: the processes row of a _START or _EXIT record. 0 or -1 */
int fl_log_insert_process(struct fl_log *log, const struct fl_ctl *c);

/* observer.c */
void fl_observer_init(struct fl_log *log);

#endif
