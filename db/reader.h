/*
 * reader.h - opening a fault log for analysis (faultline query, faultline stats).
 */
#ifndef FL_DB_READER_H
#define FL_DB_READER_H

#include <stddef.h>

#include <sqlite3.h>

/*
 * Open the log at path read-only: SQLITE_OPEN_READONLY, PRAGMA query_only = 1, defensive mode.
 * Refuses a missing file, a file that is not SQLite, a SQLite database that is not a faultline
 * log, a log with a newer schema, and a database locked by another process: NULL, with one
 * line "PATH: why" (no newline) in err. A WAL log being written by a running faultline is not
 * locked: readers see its committed faults.
 */
sqlite3 *fl_db_open_readonly(const char *path, char *err, size_t errlen);

#endif
