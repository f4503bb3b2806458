/*
 * writer.c - the writer thread: takes filled chunks off the queue, resolves each row's strings,
 * VMA and class to lookup-table ids (dims.c) into a plain array of column values, and inserts
 * them with one step of a prepared INSERT INTO raw_faults ... SELECT ... FROM fl_fault_batch, a
 * virtual table over that array, inside large transactions; the rows are counted into
 * fault_counts (counts.c) once that statement has succeeded.
 *
 * The virtual table is eponymous-only (no xCreate), registered on the writer's connection
 * alone and never named in the schema: the log stays a plain SQLite file. One statement per
 * chunk instead of one per 32 rows, with values read from the array instead of bound, took a
 * fifth off the writer's instructions per row; most of it is the larger batch (bench/README.md).
 *
 * Commit policy: a transaction is committed when it holds FL_TXN_ROWS rows, when it is
 * FL_TXN_MS old, when the queue has been idle for FL_TXN_MS (then the half-filled chunk is
 * taken too), or at once when a flush or stop is asked. So a faultline killed part-way loses at
 * most the last ~200 ms of faults and never leaves a half-written transaction (WAL rolls it
 * back on the next open).
 *
 * Back-pressure: at FL_MAX_FULL_CHUNKS queued chunks the producer waits; logging may slow the
 * emulator down to SQLite's speed but never loses a fault.
 *
 * The ctl records (processes rows, eviction buffers: log_internal.h) are taken with the chunks
 * and inserted after them in the same transaction, in the order they were queued.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "db/log_internal.h"
#include "db/schema.h"
#include "kernel_model/mm.h"

static void fail_locked(struct fl_log *log, const char *fmt, va_list ap)
{
    if (!log->failed) {
        log->failed = true;
        vsnprintf(log->errmsg, sizeof(log->errmsg), fmt, ap);
    }
    /* Nobody may wait forever for a writer that has stopped writing. */
    pthread_cond_broadcast(&log->q_space);
    pthread_cond_broadcast(&log->q_done);
}

void fl_log_fail(struct fl_log *log, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&log->q_lock);
    fail_locked(log, fmt, ap);
    pthread_mutex_unlock(&log->q_lock);
    va_end(ap);
}

static void fail_locked_f(struct fl_log *log, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_locked(log, fmt, ap);
    va_end(ap);
}

void fl_ctl_free(struct fl_ctl *c)
{
    if (!c)
        return;
    for (char **a = c->argv; a && *a; a++)
        free(*a);
    free(c->argv);
    free(c->exe);
    free(c->reclaim);
    free(c->text);
    free(c);
}

struct fl_ctl *fl_ctl_new(struct fl_log *log, enum fl_ctl_kind kind)
{
    struct fl_ctl *c = calloc(1, sizeof(*c));

    if (!c) {
        fl_log_fail(log, "%s: out of memory for the log", log->path);
        return NULL;
    }
    c->kind = kind;
    c->run_id = log->run_id;
    return c;
}

void fl_ctl_push(struct fl_log *log, struct fl_ctl *c)
{
    pthread_mutex_lock(&log->q_lock);
    if (log->failed) {
        pthread_mutex_unlock(&log->q_lock);
        fl_ctl_free(c);
        return;
    }
    c->next = NULL;
    if (log->ctl_tail)
        log->ctl_tail->next = c;
    else
        log->ctl_head = c;
    log->ctl_tail = c;
    /* no wake-up: the writer takes it with the next chunk, flush or idle tick (FL_TXN_MS) */
    pthread_mutex_unlock(&log->q_lock);
}

struct fl_chunk *fl_chunk_get_locked(struct fl_log *log)
{
    struct fl_chunk *c = log->free_list;
    if (c)
        log->free_list = c->next;
    else if (!(c = malloc(sizeof(*c))))
        return NULL;
    c->next = NULL;
    atomic_store_explicit(&c->n, 0, memory_order_relaxed);
    c->taken = 0;
    return c;
}

void fl_queue_push_full_locked(struct fl_log *log)
{
    struct fl_chunk *c = log->cur;
    if (log->full_tail)
        log->full_tail->next = c;
    else
        log->full_head = c;
    log->full_tail = c;
    log->nfull++;
    log->cur = fl_chunk_get_locked(log);
    if (!log->cur)
        fail_locked_f(log, "out of memory for the fault batch");
    pthread_cond_signal(&log->q_work);
    while (log->nfull >= FL_MAX_FULL_CHUNKS && !log->failed)
        pthread_cond_wait(&log->q_space, &log->q_lock);
}

/* The full chunks queued. With `all` (flush, stop, idle) also the chunk being filled, in
 * *partial, whose rows up to *upto the producer has published. q_lock held. */
static struct fl_chunk *take_work_locked(struct fl_log *log, bool all, struct fl_chunk **partial,
                                         unsigned *upto)
{
    struct fl_chunk *work = log->full_head;
    log->full_head = log->full_tail = NULL;
    log->nfull = 0;
    *partial = all ? log->cur : NULL;
    *upto = *partial ? atomic_load_explicit(&(*partial)->n, memory_order_acquire) : 0;
    return work;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct timespec deadline_after_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/*
 * fl_fault_batch: a read-only, eponymous-only virtual table whose rows are log->batch->rows
 * [0, n), columns in struct fl_batch_row order. A fault_id of 0 reads as NULL: the next id,
 * which SQLite appends without searching the b-tree for it.
 */
struct batch_vtab {
    sqlite3_vtab base;
    const struct fl_batch *b;
};

struct batch_cursor {
    sqlite3_vtab_cursor base;
    const struct fl_batch *b;
    unsigned i;
};

static int batch_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                         sqlite3_vtab **vt, char **err)
{
    (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(fault_id, class_id, icount, ip, sp, address,"
                                      " pte_before, pte_after)");
    if (rc != SQLITE_OK)
        return rc;
    /* not from triggers or views: only the writer's own statement reads it */
    sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
    struct batch_vtab *t = sqlite3_malloc(sizeof(*t));
    if (!t)
        return SQLITE_NOMEM;
    *t = (struct batch_vtab){.b = aux};
    *vt = &t->base;
    return SQLITE_OK;
}

static int batch_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

static int batch_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    (void)vt;
    info->estimatedCost = FL_CHUNK_ROWS;
    info->estimatedRows = FL_CHUNK_ROWS;
    return SQLITE_OK;
}

static int batch_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur)
{
    struct batch_cursor *c = sqlite3_malloc(sizeof(*c));
    if (!c)
        return SQLITE_NOMEM;
    *c = (struct batch_cursor){.b = ((struct batch_vtab *)vt)->b};
    *cur = &c->base;
    return SQLITE_OK;
}

static int batch_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int batch_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
                        sqlite3_value **argv)
{
    (void)idx, (void)idx_str, (void)argc, (void)argv;
    struct batch_cursor *c = (struct batch_cursor *)cur;
    c->i = 0;
    return SQLITE_OK;
}

static int batch_next(sqlite3_vtab_cursor *cur)
{
    ((struct batch_cursor *)cur)->i++;
    return SQLITE_OK;
}

static int batch_eof(sqlite3_vtab_cursor *cur)
{
    const struct batch_cursor *c = (const struct batch_cursor *)cur;
    return c->i >= c->b->n;
}

static int batch_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    const struct batch_cursor *c = (const struct batch_cursor *)cur;
    int64_t v = c->b->rows[c->i].v[col];
    if (col == 0 && !v)
        sqlite3_result_null(ctx);
    else
        sqlite3_result_int64(ctx, v);
    return SQLITE_OK;
}

static int batch_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = ((const struct batch_cursor *)cur)->i;
    return SQLITE_OK;
}

static const sqlite3_module batch_module = {
    .xConnect = batch_connect, /* no xCreate: eponymous-only, never in the schema */
    .xBestIndex = batch_best_index,
    .xDisconnect = batch_disconnect,
    .xOpen = batch_open,
    .xClose = batch_close,
    .xFilter = batch_filter,
    .xNext = batch_next,
    .xEof = batch_eof,
    .xColumn = batch_column,
    .xRowid = batch_rowid,
};

int fl_writer_prepare(struct fl_log *log, char *err, size_t errlen)
{
    /* A table or view of that name in the file would hide the virtual table from the INSERT
     * (SQLite looks in the schema first), and the writer would insert its rows. */
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        log->db,
        "SELECT count(*) FROM sqlite_schema"
        " WHERE type IN ('table', 'view') AND name = 'fl_fault_batch' COLLATE NOCASE",
        -1, &st, NULL);
    bool taken = false;
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        taken = rc == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
        rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
        sqlite3_finalize(st);
    }
    if (taken) {
        snprintf(err, errlen,
                 "%s: the log has a table or view named fl_fault_batch, a name"
                 " faultline's writer needs",
                 log->path);
        return -1;
    }
    if (rc == SQLITE_OK && !(log->batch = malloc(sizeof(*log->batch))))
        rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK)
        rc = sqlite3_create_module(log->db, "fl_fault_batch", &batch_module, log->batch);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v3(
            log->db,
            "INSERT INTO raw_faults(fault_id, class_id, icount, ip, sp, address, pte_before,"
            " pte_after) SELECT fault_id, class_id, icount, ip, sp, address, pte_before,"
            " pte_after FROM fl_fault_batch",
            -1, SQLITE_PREPARE_PERSISTENT, &log->ins_faults, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", log->path,
                 rc == SQLITE_NOMEM ? sqlite3_errstr(rc) : sqlite3_errmsg(log->db));
        return -1;
    }
    return 0;
}

/*
 * Resolve row r into *out: its strings, VMA and class to lookup-table ids (inserting new
 * ones), its fault_id to 0 when it is the next one. db_lock held. 0 or -1.
 */
static int resolve_row(struct fl_log *log, const struct fl_fault_row *r, struct fl_batch_row *out,
                       struct fl_count_key *key)
{
    struct fl_dims *d = &log->dims;
    int64_t path_id = fl_dim_path(d, r->path), vma_id = 0, file_id = 0;
    if (r->has_vma) {
        if (r->vma_file)
            file_id = fl_dim_file(d, r->vma_file);
        vma_id = file_id < 0
                     ? -1
                     : fl_dim_vma(d, r->vma_start, r->vma_end, r->vma_flags, r->vma_pgoff, file_id);
    }
    if (path_id < 0 || vma_id < 0 || fl_dim_outcome(d, r->outcome, r->outcome_name) < 0)
        return -1;
    *key = (struct fl_count_key){
        .run_id = r->run_id,
        .vma_id = vma_id,
        .path_id = path_id,
        .pid = r->pid,
        .outcome = r->outcome,
        .kind = r->error_code & (X86_PF_WRITE | X86_PF_INSTR | X86_PF_USER),
    };

    int64_t class_id = fl_dim_class(d, &(struct fl_fault_class){
                                           .pid = r->pid,
                                           .error_code = r->error_code,
                                           .vm_fault = r->vm_fault,
                                           .vma_id = vma_id,
                                           .path_id = path_id,
                                           .outcome = r->outcome,
                                           .signo = r->signo,
                                           .si_code = r->si_code,
                                       });
    if (class_id < 0)
        return -1;

    int64_t id = FL_FAULT_ID(r->run_id, r->seq);
    *out = (struct fl_batch_row){{
        id == log->last_fault_id + 1 ? 0 : id,
        class_id,
        (int64_t)r->icount,
        (int64_t)r->ip,
        (int64_t)r->sp,
        (int64_t)r->address,
        (int64_t)r->pte_before,
        (int64_t)r->pte_after,
    }};
    if (id > log->last_fault_id)
        log->last_fault_id = id;
    return 0;
}

struct txn {
    uint64_t rows;
    double started_ms;
};

/* Insert the n resolved rows of log->batch, rows [i, i + n) of c, with one step, and count
 * them. */
static int insert_rows(struct fl_log *log, const struct fl_chunk *c, unsigned i, unsigned n)
{
    struct fl_batch *b = log->batch;
    b->n = n;
    int rc = sqlite3_step(log->ins_faults);
    sqlite3_reset(log->ins_faults);
    if (rc != SQLITE_DONE) {
        fl_log_fail(log, "%s: inserting faults %llu..%llu: %s", log->path,
                    (unsigned long long)c->rows[i].seq, (unsigned long long)c->rows[i + n - 1].seq,
                    sqlite3_errmsg(log->db));
        return -1;
    }
    /* counted only once the rows are in: a failed statement inserted none of them */
    for (unsigned k = 0; k < n; k++) {
        if (fl_counts_add(&log->counts, &b->keys[k], c->rows[i + k].seq) < 0) {
            fl_log_fail(log, "%s: out of memory counting faults", log->path);
            return -1;
        }
    }
    return 0;
}

/* Open a transaction if none is open. db_lock held. 0 or -1 (failed). */
static int begin(struct fl_log *log, struct txn *txn)
{
    if (sqlite3_get_autocommit(log->db)) {
        if (sqlite3_exec(log->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
            fl_log_fail(log, "%s: starting a transaction: %s", log->path, sqlite3_errmsg(log->db));
            return -1;
        }
        txn->rows = 0;
        txn->started_ms = now_ms();
        /* Another faultline may have appended between our transactions; inside one, nobody
         * else writes. */
        sqlite3_stmt *st = log->max_fault_id;
        int rc = sqlite3_step(st);
        log->last_fault_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (rc != SQLITE_ROW) {
            fl_log_fail(log, "%s: reading the last fault_id: %s", log->path,
                        sqlite3_errmsg(log->db));
            return -1;
        }
    }
    return 0;
}

/* Insert rows [c->taken, upto) of c, opening a transaction if none is open, and mark them
 * taken. db_lock held. 0 or -1 (failed). */
static int insert_chunk(struct fl_log *log, struct fl_chunk *c, unsigned upto, struct txn *txn)
{
    if (begin(log, txn) < 0)
        return -1;
    /* resolve them all first: a new lookup-table value is inserted by its own statement, before
     * the one that inserts the rows */
    unsigned i = c->taken, n = upto - i;
    struct fl_batch *b = log->batch;
    for (unsigned k = 0; k < n; k++) {
        if (resolve_row(log, &c->rows[i + k], &b->rows[k], &b->keys[k]) < 0) {
            fl_log_fail(log, "%s: recording the strings of fault %llu: %s", log->path,
                        (unsigned long long)c->rows[i + k].seq, sqlite3_errmsg(log->db));
            return -1;
        }
    }
    if (n && insert_rows(log, c, i, n) < 0)
        return -1;
    txn->rows += upto - c->taken;
    c->taken = upto;
    return 0;
}

/* Insert one ctl record in the open (or a new) transaction. db_lock held. 0 or -1. */
static int insert_ctl(struct fl_log *log, const struct fl_ctl *c, struct txn *txn)
{
    if (begin(log, txn) < 0)
        return -1;
    txn->rows++;
    if (c->kind == FL_CTL_RECLAIM)
        return fl_reclaim_insert(log, c->reclaim, c->run_id);
    if (c->kind == FL_CTL_KHUGEPAGED)
        return fl_khugepaged_insert(log, c);
    if (c->kind == FL_CTL_PRINTK)
        return fl_printk_insert(log, c);
    return fl_log_insert_process(log, c);
}

/* Commit the open transaction, if any. db_lock held. */
static void commit(struct fl_log *log, struct txn *txn)
{
    if (sqlite3_get_autocommit(log->db))
        return;
    if (fl_counts_flush(&log->counts) != SQLITE_OK) {
        fl_log_fail(log, "%s: updating fault_counts: %s", log->path, sqlite3_errmsg(log->db));
        sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
    } else if (sqlite3_exec(log->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        fl_log_fail(log, "%s: commit: %s", log->path, sqlite3_errmsg(log->db));
        if (!sqlite3_get_autocommit(log->db))
            sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
    }
    txn->rows = 0;
}

static void *writer_main(void *arg)
{
    struct fl_log *log = arg;
    pthread_setname_np(pthread_self(), "fl-log-writer");
    struct txn txn = {0};
    struct timespec tick = deadline_after_ms(FL_TXN_MS);

    pthread_mutex_lock(&log->q_lock);
    for (;;) {
        bool urgent = log->stop || log->flush_req != log->flush_done;
        bool idle = false;
        if (!log->full_head && !urgent) {
            if (pthread_cond_timedwait(&log->q_work, &log->q_lock, &tick) != ETIMEDOUT)
                continue; /* new work, or spurious: look again */
            idle = true;
            tick = deadline_after_ms(FL_TXN_MS);
        }
        uint64_t flush_gen = log->flush_req;
        bool stopping = log->stop;
        struct fl_chunk *partial;
        unsigned upto;
        struct fl_chunk *work = take_work_locked(log, urgent || idle, &partial, &upto);
        struct fl_ctl *ctl = log->ctl_head;
        log->ctl_head = log->ctl_tail = NULL;
        bool failed = log->failed;
        pthread_mutex_unlock(&log->q_lock);

        uint64_t dropped = 0;
        pthread_mutex_lock(&log->db_lock);
        /* the full chunks are older than the one being filled */
        for (struct fl_chunk *c = work; c; c = c->next) {
            unsigned n = atomic_load_explicit(&c->n, memory_order_acquire);
            if (!failed && insert_chunk(log, c, n, &txn) < 0)
                failed = true;
            if (failed)
                dropped += n - c->taken;
        }
        if (partial && upto > partial->taken) {
            if (!failed && insert_chunk(log, partial, upto, &txn) < 0)
                failed = true;
            if (failed) {
                dropped += upto - partial->taken;
                partial->taken = upto;
            }
        }
        for (struct fl_ctl *c = ctl; c && !failed; c = c->next)
            if (insert_ctl(log, c, &txn) < 0)
                failed = true;
        if (urgent || idle || txn.rows >= FL_TXN_ROWS || now_ms() - txn.started_ms >= FL_TXN_MS)
            commit(log, &txn);
        pthread_mutex_unlock(&log->db_lock);
        while (ctl) {
            struct fl_ctl *next = ctl->next;
            fl_ctl_free(ctl);
            ctl = next;
        }

        pthread_mutex_lock(&log->q_lock);
        while (work) {
            struct fl_chunk *next = work->next;
            work->next = log->free_list;
            log->free_list = work;
            work = next;
        }
        log->dropped += dropped;
        pthread_cond_broadcast(&log->q_space);
        if (urgent) {
            log->flush_done = flush_gen;
            pthread_cond_broadcast(&log->q_done);
        }
        if (stopping && !log->full_head && !log->ctl_head &&
            !(log->cur &&
              atomic_load_explicit(&log->cur->n, memory_order_acquire) > log->cur->taken))
            break;
    }
    pthread_mutex_unlock(&log->q_lock);
    return NULL;
}

void fl_queue_init(struct fl_log *log)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* idle ticks immune to clock changes */
    pthread_cond_init(&log->q_work, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&log->q_space, NULL);
    pthread_cond_init(&log->q_done, NULL);
    pthread_mutex_init(&log->q_lock, NULL);
}

int fl_writer_start(struct fl_log *log)
{
    log->cur = fl_chunk_get_locked(log); /* not shared yet: no lock needed */
    if (!log->cur)
        return -1;
    if (pthread_create(&log->writer, NULL, writer_main, log) != 0)
        return -1;
    log->writer_started = true;
    return 0;
}

void fl_writer_stop(struct fl_log *log)
{
    if (log->writer_started) {
        pthread_mutex_lock(&log->q_lock);
        log->stop = true;
        pthread_cond_signal(&log->q_work);
        pthread_mutex_unlock(&log->q_lock);
        pthread_join(log->writer, NULL);
        log->writer_started = false;
    }
}

int fl_log_flush(struct fl_log *log)
{
    pthread_mutex_lock(&log->q_lock);
    uint64_t gen = ++log->flush_req;
    pthread_cond_signal(&log->q_work);
    while (log->flush_done < gen && !log->failed)
        pthread_cond_wait(&log->q_done, &log->q_lock);
    int rc = log->failed ? -1 : 0;
    pthread_mutex_unlock(&log->q_lock);
    return rc;
}
