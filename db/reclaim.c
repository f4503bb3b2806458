/*
 * reclaim.c - the reclaim_events table: one row per page that reclaim took away (swapped out,
 * dropped, written back), so the log shows pages leaving as well as the do_swap_page faults
 * that bring them back; and one per page a guest's swapoff brought back (swapoff_in), no fault.
 *
 * Evictions arrive on the emulator's thread through the observer's on_reclaim. They are kept in
 * a buffer of FL_RECLAIM_BATCH rows, which goes to the writer thread (a ctl record,
 * log_internal.h) when it fills and before the run ends; the writer inserts the rows in its
 * transaction. The table is created on first use, so logs of runs without memory pressure are
 * unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "db/log_internal.h"

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS reclaim_events(\n"
    "  run_id INTEGER NOT NULL REFERENCES runs,\n"
    "  fault_seq INTEGER,   -- the fault whose allocation ran reclaim, or the last before\n"
    "  pid INTEGER,         -- a process that mapped the page (NULL: none did)\n"
    "  address INTEGER,     -- where that process mapped it\n"
    "  mappings INTEGER,    -- PTEs taken away\n"
    "  pfn INTEGER,\n"
    "  kind TEXT,           -- swap_out, swap_clean, file_drop, file_writeback, lazyfree,\n"
    "                       -- swapoff_in (a page swapoff brought back: no fault)\n"
    "  swap_slot INTEGER,   -- swap_*: the slot in the swap file\n"
    "  file TEXT,           -- file_*: the file and the page's index in it\n"
    "  file_index INTEGER);\n"
    "CREATE INDEX IF NOT EXISTS reclaim_events_page ON reclaim_events(run_id, address)";

static void bind_or_null(sqlite3_stmt *st, int i, bool present, int64_t v)
{
    if (present)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Writer thread, db_lock held, inside the writer's transaction. */
int fl_reclaim_insert(struct fl_log *log, const struct fl_reclaim_buf *b, int64_t run_id)
{
    sqlite3_stmt *st = log->ins_reclaim;

    if (!st && (sqlite3_exec(log->db, create_sql, NULL, NULL, NULL) != SQLITE_OK ||
                sqlite3_prepare_v3(
                    log->db, "INSERT INTO reclaim_events VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", -1,
                    SQLITE_PREPARE_PERSISTENT, &log->ins_reclaim, NULL) != SQLITE_OK)) {
        fl_log_fail(log, "%s: recording evictions: %s", log->path, sqlite3_errmsg(log->db));
        return -1;
    }
    st = log->ins_reclaim;
    for (size_t i = 0; i < b->n; i++) {
        const struct fl_reclaim_row *r = &b->rows[i];
        bool swap = r->kind == RECLAIM_SWAP_OUT || r->kind == RECLAIM_SWAP_CLEAN ||
                    r->kind == RECLAIM_SWAPOFF_IN;
        int rc;

        sqlite3_bind_int64(st, 1, run_id);
        bind_or_null(st, 2, r->fault_seq != 0, (int64_t)r->fault_seq);
        bind_or_null(st, 3, r->pid != 0, r->pid);
        bind_or_null(st, 4, r->pid != 0, (int64_t)r->address);
        sqlite3_bind_int64(st, 5, r->mappings);
        sqlite3_bind_int64(st, 6, (int64_t)r->pfn);
        sqlite3_bind_text(st, 7, reclaim_kind_name(r->kind), -1, SQLITE_STATIC);
        bind_or_null(st, 8, swap, (int64_t)r->swap_slot);
        if (r->file)
            sqlite3_bind_text(st, 9, r->file, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 9);
        bind_or_null(st, 10, r->file != NULL, (int64_t)r->file_index);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            fl_log_fail(log, "%s: recording evictions: %s", log->path, sqlite3_errmsg(log->db));
            return -1;
        }
    }
    return 0;
}

void fl_reclaim_flush(struct fl_log *log)
{
    struct fl_ctl *c;

    if (!log->reclaim || !log->reclaim->n || log->run_id <= 0)
        return;
    c = fl_ctl_new(log, FL_CTL_RECLAIM);
    if (!c)
        return;
    c->reclaim = log->reclaim;
    log->reclaim = NULL;
    fl_ctl_push(log, c);
}

/* The observer's on_reclaim: copy the event (its file name is only valid now). */
void fl_reclaim_record(struct fl_log *log, const struct reclaim_event *ev)
{
    struct fl_reclaim_row *r;

    if (log->run_id <= 0 || log->failed)
        return;
    if (!log->reclaim && !(log->reclaim = calloc(1, sizeof(*log->reclaim)))) {
        fl_log_fail(log, "%s: out of memory recording evictions", log->path);
        return;
    }
    r = &log->reclaim->rows[log->reclaim->n++];
    r->fault_seq = ev->fault_seq;
    r->pid = ev->pid;
    r->address = ev->address;
    r->mappings = ev->mappings;
    r->pfn = ev->pfn;
    r->kind = ev->kind;
    r->swap_slot = ev->swap_slot;
    r->file = fl_intern_file(log, ev->file);
    r->file_index = ev->file_index;
    if (log->reclaim->n == FL_RECLAIM_BATCH)
        fl_reclaim_flush(log);
}
