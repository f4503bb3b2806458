/*
 * cmd_query.c - faultline query [--csv|--json|--table] DB [SQL]
 *
 * Runs any read-only SQL against a fault log and prints every result set. The log is opened
 * SQLITE_OPEN_READONLY with PRAGMA query_only, and a statement SQLite reports as writing is
 * refused before it runs, so no query can change a log. Without SQL, prints the schema.
 * Exit status: 0 ok, 1 the log or the SQL failed, 2 usage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/symbol_sql.h"
#include "db/print.h"
#include "db/reader.h"

/* Every table and view with its columns: runs, processes and the faults view first (what most
 * questions need), then the other views, then the storage tables behind faults. */
static const char schema_sql[] =
    "SELECT m.type AS kind, m.name AS name, p.name AS \"column\", p.type AS type,"
    " CASE WHEN p.pk THEN 'PRIMARY KEY' ELSE '' END AS \"key\""
    " FROM sqlite_schema m JOIN pragma_table_info(m.name) p"
    " WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'"
    " ORDER BY CASE m.name WHEN 'runs' THEN 0 WHEN 'processes' THEN 1 WHEN 'faults' THEN 2"
    " ELSE CASE m.type WHEN 'view' THEN 3 ELSE 4 END END, m.name, p.cid";

static void usage(FILE *f)
{
    fputs("usage: faultline query [--csv|--json|--table] DB [SQL]\n"
          "  Runs SQL (several statements allowed; '-' reads it from stdin) on the fault log DB,\n"
          "  read-only, and prints each result. Without SQL, prints the tables and views.\n"
          "  --table  aligned columns (default)   --csv  RFC 4180   --json  array of objects\n"
          "  See docs/schema.md for the tables, views and example questions.\n",
          f);
}

/* SQL from stdin, for `faultline query DB - < questions.sql`. */
static char *read_stdin(void)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len - 1, stdin)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    if (buf)
        buf[len] = 0;
    return buf;
}

/* The statement's text on one line, shortened, for an error message. */
static void statement_excerpt(sqlite3_stmt *st, char *buf, size_t len)
{
    const char *s = sqlite3_sql(st);
    size_t n = 0;
    bool space = false;
    for (; s && *s && n + 4 < len; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r') {
            space = n > 0;
            continue;
        }
        if (space)
            buf[n++] = ' ';
        space = false;
        buf[n++] = *s;
    }
    if (s && *s)
        n += snprintf(buf + n, len - n, "...");
    buf[n] = 0;
}

/* Run every statement of sql, printing results. 0 ok, 1 error (reported). */
static int run_sql(sqlite3 *db, const char *sql, enum fl_print_mode mode)
{
    int printed = 0;
    for (const char *tail = sql; tail && *tail;) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
            fprintf(stderr, "faultline query: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        if (!st)
            continue; /* only whitespace or a comment */
        if (!sqlite3_stmt_readonly(st)) {
            char text[80];
            statement_excerpt(st, text, sizeof(text));
            fprintf(stderr,
                    "faultline query: refusing a statement that writes (the log is "
                    "read-only here): %s\n",
                    text);
            sqlite3_finalize(st);
            return 1;
        }
        if (printed && sqlite3_column_count(st) && mode != FL_PRINT_JSON)
            fputc('\n', stdout); /* a blank line between result sets */
        printed += sqlite3_column_count(st) > 0;
        int rc = fl_print_stmt(st, mode, stdout);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            fflush(stdout);
            fprintf(stderr, "faultline query: %s\n", sqlite3_errmsg(db));
            return 1;
        }
    }
    return 0;
}

int cmd_query(int argc, char **argv)
{
    enum fl_print_mode mode = FL_PRINT_TABLE;
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    bool opts = true;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && !strcmp(a, "--")) {
            opts = false;
        } else if (opts && !strcmp(a, "--csv")) {
            mode = FL_PRINT_CSV;
        } else if (opts && !strcmp(a, "--json")) {
            mode = FL_PRINT_JSON;
        } else if (opts && !strcmp(a, "--table")) {
            mode = FL_PRINT_TABLE;
        } else if (opts && (!strcmp(a, "-h") || !strcmp(a, "--help"))) {
            usage(stdout);
            return 0;
        } else if (opts && a[0] == '-' && a[1]) {
            fprintf(stderr, "faultline query: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            fprintf(stderr, "faultline query: too many arguments (quote the SQL as one)\n");
            usage(stderr);
            return 2;
        }
    }
    if (!npos) {
        fprintf(stderr, "faultline query: no database given\n");
        usage(stderr);
        return 2;
    }

    char err[512];
    sqlite3 *db = fl_db_open_readonly(pos[0], err, sizeof(err));
    if (!db) {
        fprintf(stderr, "faultline query: %s\n", err);
        return 1;
    }
    struct symbol_sql *symbols = symbol_sql_define(db);
    if (!symbols) {
        fprintf(stderr, "faultline query: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    char *input = NULL;
    const char *sql = pos[1] ? pos[1] : schema_sql;
    if (pos[1] && !strcmp(pos[1], "-") && !(sql = input = read_stdin())) {
        fprintf(stderr, "faultline query: cannot read SQL from stdin\n");
        symbol_sql_end(symbols);
        sqlite3_close(db);
        return 1;
    }
    int rc = run_sql(db, sql, mode);
    free(input);
    symbol_sql_end(symbols);
    sqlite3_close(db);
    if (fflush(stdout) != 0) {
        perror("faultline query: stdout");
        return 1;
    }
    return rc;
}
