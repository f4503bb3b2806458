/*
 * khugepaged.c - the khugepaged_events table: one row per 2 MiB range khugepaged looked at, with
 * what it found there and whether it collapsed the range into a huge page. Linux shows the same
 * through its mm_khugepaged_scan_pmd, mm_collapse_huge_page_swapin and mm_collapse_huge_page
 * tracepoints; the result names are theirs (kernel_model/trace.c's scan_result_name).
 *
 * A pass looks at a few ranges every scan_sleep_millisecs (8 by default, every 10 s), so each
 * event is one ctl record for the writer (log_internal.h), inserted in the writer's
 * transaction in the order queued. The table is created on first use: logs of runs without
 * transparent huge pages are unchanged.
 */
#include <stdlib.h>

#include "db/log_internal.h"

static const char create_sql[] =
    "CREATE TABLE IF NOT EXISTS khugepaged_events(\n"
    "  run_id INTEGER NOT NULL REFERENCES runs,\n"
    "  fault_seq INTEGER,       -- the last fault before the scan\n"
    "  pid INTEGER,             -- the process whose memory it is\n"
    "  address INTEGER,         -- the range's start (2 MiB aligned)\n"
    "  writable INTEGER,        -- a writable PTE was seen\n"
    "  referenced INTEGER,      -- young PTEs\n"
    "  none_or_zero INTEGER,    -- holes: none and zero-page PTEs\n"
    "  unmapped INTEGER,        -- swap PTEs\n"
    "  scan_result TEXT,        -- khugepaged_scan_pmd's result: succeeded = a collapse tried\n"
    "  swapin TEXT,             -- done, refused (< 256 young PTEs) or failed; NULL: not reached\n"
    "  swapped_in INTEGER,      -- pages read back from swap for the collapse\n"
    "  collapse_result TEXT,    -- collapse_huge_page's result; NULL: not tried\n"
    "  pfn INTEGER);            -- the new huge page's first frame, if collapsed";

void fl_khugepaged_record(struct fl_log *log, const struct khugepaged_event *ev)
{
    if (log->run_id <= 0 || log->failed)
        return;
    struct fl_ctl *c = fl_ctl_new(log, FL_CTL_KHUGEPAGED);
    if (!c)
        return;
    c->scan = *ev;
    fl_ctl_push(log, c);
}

int fl_khugepaged_insert(struct fl_log *log, const struct fl_ctl *c)
{
    const struct khugepaged_event *ev = &c->scan;
    bool tried = ev->scan == SCAN_SUCCEED;
    const char *swapin = khugepaged_swapin_name(ev->swapin);

    if (!log->ins_khugepaged &&
        (sqlite3_exec(log->db, create_sql, NULL, NULL, NULL) != SQLITE_OK ||
         sqlite3_prepare_v3(log->db,
                            "INSERT INTO khugepaged_events"
                            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            -1, SQLITE_PREPARE_PERSISTENT, &log->ins_khugepaged,
                            NULL) != SQLITE_OK)) {
        fl_log_fail(log, "%s: recording khugepaged: %s", log->path, sqlite3_errmsg(log->db));
        return -1;
    }
    sqlite3_stmt *st = log->ins_khugepaged;
    sqlite3_bind_int64(st, 1, c->run_id);
    sqlite3_bind_int64(st, 2, (int64_t)ev->fault_seq);
    if (ev->pid)
        sqlite3_bind_int(st, 3, ev->pid);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, (int64_t)ev->address);
    sqlite3_bind_int(st, 5, ev->writable);
    sqlite3_bind_int(st, 6, ev->referenced);
    sqlite3_bind_int(st, 7, ev->none_or_zero);
    sqlite3_bind_int(st, 8, ev->unmapped);
    sqlite3_bind_text(st, 9, scan_result_name(ev->scan), -1, SQLITE_STATIC);
    if (swapin)
        sqlite3_bind_text(st, 10, swapin, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 10);
    sqlite3_bind_int(st, 11, ev->swapped_in);
    if (tried)
        sqlite3_bind_text(st, 12, scan_result_name(ev->collapse), -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 12);
    if (tried && ev->collapse == SCAN_SUCCEED)
        sqlite3_bind_int64(st, 13, (int64_t)ev->pfn);
    else
        sqlite3_bind_null(st, 13);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        fl_log_fail(log, "%s: recording khugepaged: %s", log->path, sqlite3_errmsg(log->db));
        return -1;
    }
    return 0;
}
