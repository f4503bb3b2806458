/*
 * kernel_log.c - the kernel_log table: one row per record of the machine's kernel log (emu/
 * printk.c), what the guest's dmesg shows: the kernel's "segfault at" and OOM lines, faultline's
 * own warnings, the lines guests wrote to /dev/kmsg; with the fault each came after, so a line
 * can be put next to the faults around it.
 *
 * Records are few (a line per signal death, per OOM kill, per guest write), so each is one ctl
 * record for the writer (log_internal.h), inserted in the writer's transaction in the order
 * queued. The table is part of schema version 3 (schema_v2.c): every log has it.
 */
#include <stdlib.h>
#include <string.h>

#include "db/log_internal.h"

void fl_printk_record(struct fl_log *log, const struct printk_event *ev)
{
    if (log->run_id <= 0 || log->failed)
        return;
    struct fl_ctl *c = fl_ctl_new(log, FL_CTL_PRINTK);
    if (!c)
        return;
    c->printk = *ev;
    c->text = strdup(ev->text ? ev->text : "");
    if (!c->text) {
        fl_ctl_free(c);
        fl_log_fail(log, "%s: recording the kernel log: out of memory", log->path);
        return;
    }
    c->printk.text = c->text;
    fl_ctl_push(log, c);
}

int fl_printk_insert(struct fl_log *log, const struct fl_ctl *c)
{
    const struct printk_event *ev = &c->printk;

    if (!log->ins_printk &&
        sqlite3_prepare_v3(log->db, "INSERT INTO kernel_log VALUES(?, ?, ?, ?, ?, ?, ?)", -1,
                           SQLITE_PREPARE_PERSISTENT, &log->ins_printk, NULL) != SQLITE_OK) {
        fl_log_fail(log, "%s: recording the kernel log: %s", log->path, sqlite3_errmsg(log->db));
        return -1;
    }
    sqlite3_stmt *st = log->ins_printk;
    sqlite3_bind_int64(st, 1, c->run_id);
    sqlite3_bind_int64(st, 2, (int64_t)ev->seq);
    if (ev->fault_seq)
        sqlite3_bind_int64(st, 3, (int64_t)ev->fault_seq);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, (int64_t)ev->ts_nsec);
    sqlite3_bind_int(st, 5, ev->facility);
    sqlite3_bind_int(st, 6, ev->level);
    sqlite3_bind_text(st, 7, c->text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        fl_log_fail(log, "%s: recording the kernel log: %s", log->path, sqlite3_errmsg(log->db));
        return -1;
    }
    return 0;
}
