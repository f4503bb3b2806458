/*
 * schema.h - the fault log's on-disk format: identification, version, creation.
 *
 * A faultline log is an ordinary SQLite database that carries three marks, all set when the
 * schema is created and checked by every reader and writer before anything else:
 *   PRAGMA application_id = FL_APPLICATION_ID   (bytes 68..71 of the file: "fltl")
 *   PRAGMA user_version   = FL_SCHEMA_VERSION
 *   meta('application') = 'faultline', meta('schema_version') = '<version>'
 * docs/schema.md documents every table, column and view.
 */
#ifndef FL_DB_SCHEMA_H
#define FL_DB_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define FL_APPLICATION_ID 0x666c746c /* "fltl" */
#define FL_SCHEMA_VERSION 3

/* faults.fault_id = run_id << FL_SEQ_BITS | seq: 2^40 faults per run, 2^23 runs per log. */
#define FL_SEQ_BITS              40
#define FL_SEQ_MAX               ((1LL << FL_SEQ_BITS) - 1)
#define FL_RUN_MAX               ((1LL << (63 - FL_SEQ_BITS)) - 1)
#define FL_FAULT_ID(run_id, seq) (((int64_t)(run_id) << FL_SEQ_BITS) | (int64_t)(seq))

/* What fl_schema_inspect() found in a database. */
enum fl_schema_state {
    FL_SCHEMA_EMPTY,   /* no tables at all: a new file, ready for fl_schema_create() */
    FL_SCHEMA_CURRENT, /* a faultline log this code reads and writes */
    FL_SCHEMA_OLDER,   /* a log of an older version: readable as it is (its own views), and
                          upgraded by fl_schema_upgrade() before anything is written */
    FL_SCHEMA_NEWER,   /* a faultline log from a newer faultline: refuse */
    FL_SCHEMA_FOREIGN, /* some other database: refuse */
    FL_SCHEMA_ERROR,   /* SQLite failed (not a database, locked, I/O): err says why */
};

/*
 * Classify the database open on db (main schema). Reads only. On anything but
 * CURRENT/OLDER/EMPTY, err receives one line (no trailing newline) saying why the file is not
 * usable. *version (may be NULL) receives the schema version of a faultline log, else 0.
 */
enum fl_schema_state fl_schema_inspect(sqlite3 *db, int *version, char *err, size_t errlen);

/*
 * Create schema version FL_SCHEMA_VERSION in an empty database, inside the caller's
 * transaction. Returns 0, or -1 with err set.
 */
int fl_schema_create(sqlite3 *db, char *err, size_t errlen);

/*
 * Upgrade a log of schema version `from` (fl_schema_inspect: OLDER) to FL_SCHEMA_VERSION,
 * inside the caller's write transaction: every fault, run and process stays, with the same
 * ids. Returns 0, or -1 with err set (the caller rolls back: the file is left as it was).
 */
int fl_schema_upgrade(sqlite3 *db, int from, char *err, size_t errlen);

/* Append the DDL of the current schema (schema_v2.c) to s. 0, or -1 on a bad placeholder. */
int fl_schema_sql(sqlite3_str *s);

/* Append the SQL that upgrades version from_version to the current one. 0, or -1 when there
 * is no such step or on a bad placeholder. */
int fl_schema_upgrade_sql(sqlite3_str *s, int from_version);

/* Format an error line "what: sqlite message" into err. Returns -1 for use in returns. */
int fl_db_error(sqlite3 *db, const char *what, char *err, size_t errlen);

#endif
