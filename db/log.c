/*
 * log.c - opening and closing the fault log, and its runs and processes rows.
 *
 * A run's row is written on the caller's thread under db_lock (once per run, after a flush).
 * Processes rows are queued for the writer thread (fl_ctl records), since a fork-heavy guest
 * makes many and the emulator must not wait for SQLite; the per-fault path is observer.c +
 * writer.c. See log_internal.h for the locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/log_internal.h"
#include "db/schema.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

static const char sql_ins_run[] =
    "INSERT INTO runs(started_at, exe, argv, options, ram_bytes, fault_around_bytes, status)"
    " VALUES(" NOW ", ?1, ?2, ?3, ?4, ?5, 'running')";

/* execve keeps the pid: the same row then takes the new image. */
static const char sql_upsert_process[] =
    "INSERT INTO processes(run_id, pid, ppid, exe, argv) VALUES(?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT(run_id, pid) DO UPDATE SET exe = excluded.exe, argv = excluded.argv";

static const char sql_exit_process[] =
    "INSERT INTO processes(run_id, pid, exit_code, term_signal, min_flt, maj_flt)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(run_id, pid) DO UPDATE SET"
    " exit_code = excluded.exit_code, term_signal = excluded.term_signal,"
    " min_flt = excluded.min_flt, maj_flt = excluded.maj_flt";

static const char sql_end_run[] =
    "UPDATE runs SET finished_at = " NOW ", status = ?2, exit_code = ?3, term_signal = ?4,"
    " faults = ?5, min_flt = ?6, maj_flt = ?7, instructions = ?8, wall_seconds = ?9,"
    " message = ?10 WHERE run_id = ?1";

/*
 * argv as a JSON array, built by SQLite's own json_insert() so quoting is SQLite's.
 * Returns sqlite3_malloc'd text (NULL for a NULL argv or on error).
 */
static char *argv_json(sqlite3 *db, char *const *argv)
{
    if (!argv)
        return NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT json_insert(?1, '$[#]', ?2)", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    char *json = sqlite3_mprintf("[]");
    for (int i = 0; argv[i] && json; i++) {
        sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, argv[i], -1, SQLITE_STATIC);
        char *next = NULL;
        if (sqlite3_step(st) == SQLITE_ROW)
            next = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        sqlite3_free(json);
        json = next;
    }
    sqlite3_finalize(st);
    return json;
}

/* Step a control statement under db_lock; a failure is the log's sticky error. */
static void run_control(struct fl_log *log, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        fl_log_fail(log, "%s: %s: %s", log->path, what, sqlite3_errmsg(log->db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static int configure(sqlite3 *db, const char *path, char *err, size_t errlen);

/* The database's size in pages (0: a new or empty file), -1 when it cannot be read. */
static int64_t file_pages(sqlite3 *db)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return n;
}

/* Check the file and create, upgrade or accept the schema, in one write transaction. */
static int prepare_schema(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    char why[400];
    if (sqlite3_db_readonly(db, "main") == 1) {
        snprintf(err, errlen, "%s: the file is not writable", path);
        return -1;
    }
    /* Larger pages: fewer page writes and b-tree splits per row appended. Only a new file
     * takes it; an existing log keeps its page size. */
    sqlite3_exec(db, "PRAGMA page_size = 16384", NULL, NULL, NULL);
    /* A file without pages (new, or empty) is a log to be: it goes to WAL mode first (writing
     * page 1 through a rollback journal), and the schema then commits as an append to the WAL.
     * Files with pages keep the other order, so that a database that is not a log is refused
     * untouched; for a new log that order costs a second journal transaction: 12 syncs where
     * this takes 8 (strace). While another faultline creates the same log the switch can fail
     * ("database is locked": test_log_bulk's two writers), so a failure here is not an error. */
    if (file_pages(db) == 0)
        configure(db, path, err, errlen); /* on failure the call after the schema decides */
    /* IMMEDIATE takes the write lock now, so a locked log is refused here, not mid-run. */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        return -1;
    }
    int rc = -1, version;
    switch (fl_schema_inspect(db, &version, why, sizeof(why))) {
    case FL_SCHEMA_EMPTY:
        rc = fl_schema_create(db, why, sizeof(why));
        break;
    case FL_SCHEMA_OLDER:
        rc = fl_schema_upgrade(db, version, why, sizeof(why));
        break;
    case FL_SCHEMA_CURRENT:
        rc = 0;
        break;
    default:
        break;
    }
    if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = fl_db_error(db, "commit", why, sizeof(why));
    if (rc < 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        snprintf(err, errlen, "%s: %s", path, why);
    }
    return rc;
}

/* WAL lets readers (faultline query, the TUI) look at a log while it is written, and a commit
 * costs an append instead of a rewrite. NORMAL sync: a killed faultline loses nothing that
 * was committed; only a power cut may lose the last transactions. */
static int configure(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int ok = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &st, NULL) == SQLITE_OK) {
        ok = sqlite3_step(st) == SQLITE_ROW &&
             !sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
    }
    /* The writer appends by rowid: it needs the right edge of each b-tree and the small
     * lookup tables, and a transaction larger than the cache spills to the WAL early. 512 KiB
     * took the touch benchmark's rows as fast as 2 MiB did, and 2 MiB less resident. */
    if (!ok || sqlite3_exec(db,
                            "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -512;"
                            " PRAGMA wal_autocheckpoint = 256;",
                            NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot switch to WAL mode: %s", path, sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_busy_timeout(db, FL_WRITE_BUSY_MS);
    return 0;
}

static int prepare_statements(struct fl_log *log, char *err, size_t errlen)
{
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } stmts[] = {
        {&log->ins_run, sql_ins_run},
        {&log->upsert_process, sql_upsert_process},
        {&log->exit_process, sql_exit_process},
        {&log->end_run, sql_end_run},
        {&log->max_fault_id, "SELECT max(fault_id) FROM raw_faults"},
    };
    int rc = SQLITE_NOMEM;
    for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++) {
        rc = sqlite3_prepare_v3(log->db, stmts[i].sql, -1, SQLITE_PREPARE_PERSISTENT, stmts[i].st,
                                NULL);
        if (rc != SQLITE_OK)
            break;
    }
    if (rc == SQLITE_OK)
        rc = fl_dims_init(&log->dims, log->db);
    if (rc == SQLITE_OK)
        rc = fl_counts_init(&log->counts, log->db);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", log->path, sqlite3_errmsg(log->db));
        return -1;
    }
    return fl_writer_prepare(log, err, errlen);
}

static void free_log(struct fl_log *log)
{
    sqlite3_stmt *stmts[] = {log->ins_faults,     log->ins_run,    log->upsert_process,
                             log->exit_process,   log->end_run,    log->ins_reclaim,
                             log->ins_khugepaged, log->ins_printk, log->max_fault_id};
    fl_dims_free(&log->dims);
    fl_counts_free(&log->counts);
    for (size_t i = 0; i < sizeof(stmts) / sizeof(stmts[0]); i++)
        sqlite3_finalize(stmts[i]);
    sqlite3_close(log->db);
    free(log->batch);
    for (struct fl_chunk *c = log->free_list, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(log->cur);
    for (struct fl_ctl *c = log->ctl_head, *next; c; c = next) {
        next = c->next;
        fl_ctl_free(c);
    }
    free(log->reclaim);
    intern_free(&log->files);
    intern_free(&log->paths);
    pthread_mutex_destroy(&log->db_lock);
    pthread_mutex_destroy(&log->q_lock);
    pthread_cond_destroy(&log->q_work);
    pthread_cond_destroy(&log->q_space);
    pthread_cond_destroy(&log->q_done);
    free(log->path);
    free(log);
}

struct fl_log *fl_log_open(const char *path, char *err, size_t errlen)
{
    struct fl_log *log = calloc(1, sizeof(*log));
    if (!log || !(log->path = strdup(path))) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(log);
        return NULL;
    }
    log->last_path_n = -1;
    pthread_mutex_init(&log->db_lock, NULL);
    fl_queue_init(log);
    fl_observer_init(log);

    /* SQLite's allocation statistics take a global mutex on every malloc; the log does not
     * use them. Only possible before SQLite initializes: later calls fail harmlessly. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    int rc = sqlite3_open_v2(
        path, &log->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path,
                 log->db ? sqlite3_errmsg(log->db) : sqlite3_errstr(rc));
        goto fail;
    }
    sqlite3_extended_result_codes(log->db, 1);
    sqlite3_busy_timeout(log->db, FL_OPEN_BUSY_MS);
    if (prepare_schema(log->db, path, err, errlen) < 0 ||
        configure(log->db, path, err, errlen) < 0 || prepare_statements(log, err, errlen) < 0)
        goto fail;
    /* Opened: from now on wait as long as a commit would for another faultline's lock (a
     * busy log is not an error once the run has started). */
    sqlite3_busy_timeout(log->db, FL_WRITE_BUSY_MS);
    if (fl_writer_start(log) < 0) {
        snprintf(err, errlen, "%s: cannot start the writer thread", path);
        goto fail;
    }
    return log;

fail:
    fl_writer_stop(log);
    free_log(log);
    return NULL;
}

int64_t fl_log_run_begin(struct fl_log *log, const struct fl_run_info *ri)
{
    /* Faults of an earlier run are committed first, so the new run row commits on its own. */
    if (fl_log_flush(log) < 0)
        return -1;
    int64_t id = -1;
    pthread_mutex_lock(&log->db_lock);
    char *argv = argv_json(log->db, ri->argv);
    sqlite3_stmt *st = log->ins_run;
    bind_text_or_null(st, 1, ri->exe);
    bind_text_or_null(st, 2, argv);
    bind_text_or_null(st, 3, ri->options_json);
    sqlite3_bind_int64(st, 4, (int64_t)ri->ram_bytes);
    sqlite3_bind_int64(st, 5, (int64_t)ri->fault_around_bytes);
    if (sqlite3_step(st) == SQLITE_DONE)
        id = sqlite3_last_insert_rowid(log->db);
    if (id > FL_RUN_MAX) {
        fl_log_fail(log, "%s: run id %lld exceeds %lld (faults.fault_id has no room)", log->path,
                    (long long)id, (long long)FL_RUN_MAX);
        id = -1;
    } else if (id < 0)
        fl_log_fail(log, "%s: inserting the run: %s", log->path, sqlite3_errmsg(log->db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_free(argv);
    pthread_mutex_unlock(&log->db_lock);
    log->run_id = id > 0 ? id : 0;
    return id;
}

/* A NULL-terminated copy of argv (NULL for NULL or out of memory). */
static char **copy_argv(char *const *argv)
{
    size_t n = 0;
    char **copy;

    if (!argv)
        return NULL;
    while (argv[n])
        n++;
    copy = calloc(n + 1, sizeof(*copy));
    for (size_t i = 0; copy && i < n; i++)
        if (!(copy[i] = strdup(argv[i]))) {
            for (size_t j = 0; j < i; j++)
                free(copy[j]);
            free(copy);
            copy = NULL;
        }
    return copy;
}

void fl_log_process_start(struct fl_log *log, int pid, int ppid, const char *exe, char *const *argv)
{
    struct fl_ctl *c;

    if (log->run_id <= 0)
        return;
    c = fl_ctl_new(log, FL_CTL_PROCESS_START);
    if (!c)
        return;
    if ((exe && !(c->exe = strdup(exe))) || (argv && !(c->argv = copy_argv(argv)))) {
        fl_ctl_free(c);
        fl_log_fail(log, "%s: out of memory recording a process", log->path);
        return;
    }
    c->pid = pid;
    c->ppid = ppid;
    fl_ctl_push(log, c);
}

void fl_log_process_exit(struct fl_log *log, int pid, int exit_code, int term_sig,
                         unsigned long min_flt, unsigned long maj_flt)
{
    struct fl_ctl *c;

    if (log->run_id <= 0)
        return;
    c = fl_ctl_new(log, FL_CTL_PROCESS_EXIT);
    if (!c)
        return;
    c->pid = pid;
    c->exit_code = exit_code;
    c->term_sig = term_sig;
    c->min_flt = min_flt;
    c->maj_flt = maj_flt;
    fl_ctl_push(log, c);
}

int fl_log_insert_process(struct fl_log *log, const struct fl_ctl *c)
{
    sqlite3_stmt *st;

    if (c->kind == FL_CTL_PROCESS_START) {
        char *json = argv_json(log->db, c->argv);
        st = log->upsert_process;
        sqlite3_bind_int64(st, 1, c->run_id);
        sqlite3_bind_int(st, 2, c->pid);
        sqlite3_bind_int(st, 3, c->ppid);
        bind_text_or_null(st, 4, c->exe);
        bind_text_or_null(st, 5, json);
        run_control(log, st, "recording a process");
        sqlite3_free(json);
    } else {
        st = log->exit_process;
        sqlite3_bind_int64(st, 1, c->run_id);
        sqlite3_bind_int(st, 2, c->pid);
        sqlite3_bind_int(st, 3, c->exit_code);
        sqlite3_bind_int(st, 4, c->term_sig);
        sqlite3_bind_int64(st, 5, (int64_t)c->min_flt);
        sqlite3_bind_int64(st, 6, (int64_t)c->maj_flt);
        run_control(log, st, "recording a process exit");
    }
    return log->failed ? -1 : 0;
}

void fl_log_run_end(struct fl_log *log, const struct fl_run_end *re)
{
    if (log->run_id <= 0)
        return;
    fl_reclaim_flush(log);
    fl_log_flush(log); /* every fault of the run is in the file before it says finished */
    pthread_mutex_lock(&log->db_lock);
    sqlite3_stmt *st = log->end_run;
    sqlite3_bind_int64(st, 1, log->run_id);
    bind_text_or_null(st, 2, re->status ? re->status : "error");
    sqlite3_bind_int(st, 3, re->exit_code);
    sqlite3_bind_int(st, 4, re->term_sig);
    sqlite3_bind_int64(st, 5, (int64_t)re->faults);
    sqlite3_bind_int64(st, 6, (int64_t)re->min_flt);
    sqlite3_bind_int64(st, 7, (int64_t)re->maj_flt);
    sqlite3_bind_int64(st, 8, (int64_t)re->instructions);
    sqlite3_bind_double(st, 9, re->wall_seconds);
    bind_text_or_null(st, 10, re->message);
    run_control(log, st, "finishing the run");
    pthread_mutex_unlock(&log->db_lock);
    fl_log_flush(log); /* commits the UPDATE if it joined a transaction */
}

void fl_log_reclaim(struct fl_log *log, const struct fl_reclaim_stats *rs)
{
    static const char create[] = "CREATE TABLE IF NOT EXISTS reclaim_stats(\n"
                                 "  run_id INTEGER PRIMARY KEY REFERENCES runs,\n"
                                 "  policy TEXT,\n"
                                 "  swap_bytes INTEGER,\n"
                                 "  anon_evicted INTEGER,\n"
                                 "  swap_out INTEGER,\n"
                                 "  swap_in INTEGER,\n"
                                 "  swapcache_hits INTEGER,\n"
                                 "  file_dropped INTEGER,\n"
                                 "  file_written_back INTEGER,\n"
                                 "  file_refaults INTEGER,\n"
                                 "  scanned INTEGER,\n"
                                 "  rotated INTEGER,\n"
                                 "  oom_kills INTEGER)";
    if (log->run_id <= 0)
        return;
    fl_reclaim_flush(log);
    fl_log_flush(log);
    pthread_mutex_lock(&log->db_lock);
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(log->db, create, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(log->db,
                           "INSERT OR REPLACE INTO reclaim_stats "
                           "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        fl_log_fail(log, "%s: recording reclaim: %s", log->path, sqlite3_errmsg(log->db));
    } else {
        const uint64_t v[] = {rs->swap_bytes,        rs->anon_evicted,   rs->swap_out,
                              rs->swap_in,           rs->swapcache_hits, rs->file_dropped,
                              rs->file_written_back, rs->file_refaults,  rs->scanned,
                              rs->rotated,           rs->oom_kills};
        sqlite3_bind_int64(st, 1, log->run_id);
        bind_text_or_null(st, 2, rs->policy);
        for (int i = 0; i < (int)(sizeof(v) / sizeof(v[0])); i++)
            sqlite3_bind_int64(st, 3 + i, (int64_t)v[i]);
        run_control(log, st, "recording reclaim");
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&log->db_lock);
    fl_log_flush(log);
}

int fl_log_close(struct fl_log *log, char *err, size_t errlen)
{
    if (!log)
        return 0;
    fl_reclaim_flush(log);
    fl_writer_stop(log); /* drains and commits */
    int rc = 0;
    if (log->failed) {
        uint64_t dropped = log->dropped + log->producer_dropped;
        if (dropped)
            snprintf(err, errlen, "%s (%llu faults not logged)", log->errmsg,
                     (unsigned long long)dropped);
        else
            snprintf(err, errlen, "%s", log->errmsg);
        rc = -1;
    }
    pthread_mutex_lock(&log->db_lock);
    sqlite3_exec(log->db, "PRAGMA optimize", NULL, NULL, NULL);
    pthread_mutex_unlock(&log->db_lock);
    free_log(log);
    return rc;
}
