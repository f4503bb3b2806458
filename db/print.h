/*
 * print.h - printing the rows of a statement as an aligned table, CSV or JSON.
 */
#ifndef FL_DB_PRINT_H
#define FL_DB_PRINT_H

#include <stdio.h>

#include <sqlite3.h>

enum fl_print_mode {
    FL_PRINT_TABLE, /* ASCII box: header, rows, numbers right-aligned, NULL as empty */
    FL_PRINT_CSV,   /* RFC 4180: header line, CRLF line ends, quoted when needed, NULL empty */
    FL_PRINT_JSON,  /* one array of objects keyed by column name, NULL as null */
};

/*
 * Step st to the end, printing its rows to out. A statement without result columns prints
 * nothing; one with columns but no rows prints the header (table, CSV) or [] (JSON).
 * Returns SQLITE_DONE, or the failing result code (message: sqlite3_errmsg of st's db).
 */
int fl_print_stmt(sqlite3_stmt *st, enum fl_print_mode mode, FILE *out);

#endif
