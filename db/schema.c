/*
 * schema.c - creating the fault log's schema and telling a faultline log from any other file.
 *
 * The DDL itself, and the SQL of each upgrade step, is in schema_v2.c. Version history:
 *   1 (2026-11-22): raw_faults with every column of a fault.
 *   2 (2026-12-06): what faults share moved to fault_classes; raw_faults has a class_id.
 *   3 (2026-12-07): kernel_log, the machine's kernel log records (emu/printk.c).
 * A reader takes an older log as it is (its views have the same columns); a writer upgrades
 * it first, in the same transaction that checks it.
 */
#include <stdio.h>
#include <string.h>

#include "db/schema.h"

int fl_db_error(sqlite3 *db, const char *what, char *err, size_t errlen)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    return -1;
}

/* Run the SQL appended to s (bad: appending it failed); what names the step in an error. */
static int exec_built(sqlite3 *db, int bad, sqlite3_str *s, const char *what, char *err,
                      size_t errlen)
{
    char *sql = sqlite3_str_finish(s);
    if (!sql || bad) {
        sqlite3_free(sql);
        snprintf(err, errlen, "%s: %s", what,
                 bad ? "no such step, or a bad placeholder in schema_v2.c" : "out of memory");
        return -1;
    }
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return fl_db_error(db, what, err, errlen);
    return 0;
}

int fl_schema_create(sqlite3 *db, char *err, size_t errlen)
{
    sqlite3_str *s = sqlite3_str_new(db);
    return exec_built(db, fl_schema_sql(s), s, "creating the schema", err, errlen);
}

int fl_schema_upgrade(sqlite3 *db, int from, char *err, size_t errlen)
{
    char what[64];
    snprintf(what, sizeof(what), "upgrading the log from schema version %d", from);
    sqlite3_str *s = sqlite3_str_new(db);
    return exec_built(db, fl_schema_upgrade_sql(s, from), s, what, err, errlen);
}

/* Run a one-integer query; returns SQLite's result code and the value in *out. */
static int query_int(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    *out = 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

enum fl_schema_state fl_schema_inspect(sqlite3 *db, int *version_out, char *err, size_t errlen)
{
    long long app_id, objects, has_meta, version;

    if (version_out)
        *version_out = 0;
    /* The first read of the file is where SQLite notices "not a database" or a lock. */
    if (query_int(db, "PRAGMA application_id", &app_id) != SQLITE_OK ||
        query_int(db, "SELECT count(*) FROM sqlite_schema", &objects) != SQLITE_OK) {
        fl_db_error(db, "cannot read the database", err, errlen);
        return FL_SCHEMA_ERROR;
    }
    if (app_id == 0 && objects == 0)
        return FL_SCHEMA_EMPTY;
    if (app_id != FL_APPLICATION_ID) {
        snprintf(err, errlen, "not a faultline log (application_id is 0x%llx, not 0x%x)",
                 (unsigned long long)(unsigned)app_id, FL_APPLICATION_ID);
        return FL_SCHEMA_FOREIGN;
    }
    if (query_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'",
                  &has_meta) != SQLITE_OK) {
        fl_db_error(db, "cannot read the database", err, errlen);
        return FL_SCHEMA_ERROR;
    }
    if (!has_meta) {
        snprintf(err, errlen, "not a faultline log (no meta table)");
        return FL_SCHEMA_FOREIGN;
    }
    /* meta is the authority; user_version only mirrors it for tools that read the header. */
    if (query_int(db,
                  "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'schema_version' AND "
                  "EXISTS (SELECT 1 FROM meta WHERE key = 'application' AND value = 'faultline')",
                  &version) != SQLITE_OK) {
        fl_db_error(db, "cannot read the meta table", err, errlen);
        return FL_SCHEMA_ERROR;
    }
    if (version <= 0) {
        snprintf(err, errlen, "not a faultline log (meta has no faultline schema_version)");
        return FL_SCHEMA_FOREIGN;
    }
    if (version > FL_SCHEMA_VERSION) {
        snprintf(err, errlen,
                 "schema version %lld is newer than this faultline supports (%d); "
                 "use a newer faultline",
                 version, FL_SCHEMA_VERSION);
        return FL_SCHEMA_NEWER;
    }
    if (version_out)
        *version_out = (int)version;
    return version < FL_SCHEMA_VERSION ? FL_SCHEMA_OLDER : FL_SCHEMA_CURRENT;
}
