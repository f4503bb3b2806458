/*
 * reader.c - the read-only side of the log: open, check it is a faultline log, lock writes out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "db/reader.h"
#include "db/schema.h"

/* Turn what SQLite said on the first read into the user's words. */
static void read_error(sqlite3 *db, const char *path, const char *why, char *err, size_t errlen)
{
    switch (sqlite3_errcode(db)) {
    case SQLITE_NOTADB:
        snprintf(err, errlen, "%s: not a SQLite database", path);
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        snprintf(err, errlen, "%s: database is locked (another process holds a lock on it)", path);
        break;
    default:
        snprintf(err, errlen, "%s: %s", path, why);
        break;
    }
}

sqlite3 *fl_db_open_readonly(const char *path, char *err, size_t errlen)
{
    /* SQLite's own "unable to open database file" does not say which of these it was. */
    struct stat sb;
    if (stat(path, &sb) < 0) {
        snprintf(err, errlen, "%s: %s", path, errno == ENOENT ? "no such file" : strerror(errno));
        return NULL;
    }
    if (S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "%s: is a directory", path);
        return NULL;
    }

    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 1000);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL);

    char why[400];
    switch (fl_schema_inspect(db, NULL, why, sizeof(why))) {
    case FL_SCHEMA_CURRENT:
    case FL_SCHEMA_OLDER: /* its own views read its own tables */
        return db;
    case FL_SCHEMA_EMPTY:
        snprintf(err, errlen, "%s: not a faultline log (empty database)", path);
        break;
    case FL_SCHEMA_ERROR:
        read_error(db, path, why, err, errlen);
        break;
    default:
        snprintf(err, errlen, "%s: %s", path, why);
        break;
    }
    sqlite3_close(db);
    return NULL;
}
