/*
 * print.c - result printers for faultline query: ASCII table, CSV (RFC 4180), JSON.
 *
 * The table needs every width before the first line, so it buffers the result; CSV and JSON
 * stream. JSON values and keys are quoted by SQLite's json_quote(), so the output is exactly
 * what SQLite's JSON functions would read back.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "db/print.h"

/* A cell as text: SQLite's rendering of numbers, blobs as X'..' hex, NULL as "". */
static char *cell_text(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_BLOB) {
        const unsigned char *b = sqlite3_column_blob(st, i);
        int n = sqlite3_column_bytes(st, i);
        char *s = malloc(2 * (size_t)n + 4), *p = s;
        if (!s)
            return NULL;
        p += sprintf(p, "X'");
        for (int k = 0; k < n; k++)
            p += sprintf(p, "%02X", b[k]);
        strcpy(p, "'");
        return s;
    }
    const char *t = (const char *)sqlite3_column_text(st, i);
    return strdup(t ? t : "");
}

/* ---- table ---- */

struct grid {
    int ncol;
    size_t nrows, cap; /* rows of cells, header row first */
    char **cells;
    bool *right; /* per column: numbers are right-aligned */
    size_t *width;
};

/* Table cells stay on one line: control characters become visible escapes. */
static char *one_line(const char *s)
{
    char *out = malloc(strlen(s) * 4 + 1), *p = out;
    if (!out)
        return NULL;
    for (; *s; s++) {
        unsigned char c = *s;
        if (c == '\n')
            p += sprintf(p, "\\n");
        else if (c == '\t')
            p += sprintf(p, "\\t");
        else if (c == '\r')
            p += sprintf(p, "\\r");
        else if (c < 0x20 || c == 0x7f)
            p += sprintf(p, "\\x%02x", c);
        else
            *p++ = c;
    }
    *p = 0;
    return out;
}

/* Display width in code points: UTF-8 continuation bytes take no column. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static int grid_add_row(struct grid *g, char **row)
{
    if (g->nrows == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        char **cells = realloc(g->cells, cap * g->ncol * sizeof(*cells));
        if (!cells)
            return -1;
        g->cells = cells;
        g->cap = cap;
    }
    for (int i = 0; i < g->ncol; i++) {
        char *c = one_line(row[i] ? row[i] : "");
        free(row[i]);
        g->cells[g->nrows * g->ncol + i] = c;
        size_t w = c ? display_width(c) : 0;
        if (w > g->width[i])
            g->width[i] = w;
    }
    g->nrows++;
    return 0;
}

static void rule(const struct grid *g, FILE *out)
{
    for (int i = 0; i < g->ncol; i++) {
        fputc('+', out);
        for (size_t k = 0; k < g->width[i] + 2; k++)
            fputc('-', out);
    }
    fputs("+\n", out);
}

static void grid_row(const struct grid *g, size_t r, FILE *out)
{
    for (int i = 0; i < g->ncol; i++) {
        const char *c = g->cells[r * g->ncol + i];
        c = c ? c : "";
        int pad = (int)(g->width[i] - display_width(c));
        if (g->right[i] && r > 0)
            fprintf(out, "| %*s%s ", pad, "", c);
        else
            fprintf(out, "| %s%*s ", c, pad, "");
    }
    fputs("|\n", out);
}

static int print_table(sqlite3_stmt *st, FILE *out)
{
    struct grid g = {.ncol = sqlite3_column_count(st)};
    g.right = calloc(g.ncol, sizeof(*g.right));
    g.width = calloc(g.ncol, sizeof(*g.width));
    char **row = calloc(g.ncol, sizeof(*row));
    int rc = SQLITE_NOMEM;
    if (!g.right || !g.width || !row)
        goto out;
    for (int i = 0; i < g.ncol; i++)
        row[i] = strdup(sqlite3_column_name(st, i));
    if (grid_add_row(&g, row) < 0)
        goto out;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < g.ncol; i++) {
            int t = sqlite3_column_type(st, i);
            if (t == SQLITE_INTEGER || t == SQLITE_FLOAT)
                g.right[i] = true;
            row[i] = cell_text(st, i);
        }
        if (grid_add_row(&g, row) < 0) {
            rc = SQLITE_NOMEM;
            goto out;
        }
    }
    if (rc == SQLITE_DONE) {
        rule(&g, out);
        grid_row(&g, 0, out);
        rule(&g, out);
        for (size_t r = 1; r < g.nrows; r++)
            grid_row(&g, r, out);
        if (g.nrows > 1)
            rule(&g, out);
    }
out:
    for (size_t k = 0; k < g.nrows * g.ncol; k++)
        free(g.cells[k]);
    free(g.cells);
    free(g.right);
    free(g.width);
    free(row);
    return rc;
}

/* ---- CSV ---- */

static void csv_field(const char *s, FILE *out)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static int print_csv(sqlite3_stmt *st, FILE *out)
{
    int n = sqlite3_column_count(st), rc;
    for (int i = 0; i < n; i++) {
        if (i)
            fputc(',', out);
        csv_field(sqlite3_column_name(st, i), out);
    }
    fputs("\r\n", out);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            char *c = cell_text(st, i);
            if (i)
                fputc(',', out);
            csv_field(c ? c : "", out);
            free(c);
        }
        fputs("\r\n", out);
    }
    return rc;
}

/* ---- JSON ---- */

/* Print json_quote(v): SQLite's JSON rendering of any value (blobs as hex strings). */
static int json_value(sqlite3_stmt *q, sqlite3_value *v, FILE *out)
{
    sqlite3_bind_value(q, 1, v);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        fputs((const char *)sqlite3_column_text(q, 0), out);
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int json_text(sqlite3_stmt *q, const char *s, FILE *out)
{
    sqlite3_bind_text(q, 1, s, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        fputs((const char *)sqlite3_column_text(q, 0), out);
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int print_json(sqlite3_stmt *st, FILE *out)
{
    sqlite3_stmt *q;
    int rc = sqlite3_prepare_v2(sqlite3_db_handle(st),
                                "SELECT CASE WHEN typeof(?1) = 'blob' THEN json_quote(hex(?1))"
                                " ELSE json_quote(?1) END",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        return rc;
    int n = sqlite3_column_count(st);
    unsigned long rows = 0;
    fputc('[', out);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fputs(rows++ ? ",\n{" : "{", out);
        for (int i = 0; i < n; i++) {
            if (i)
                fputc(',', out);
            if (json_text(q, sqlite3_column_name(st, i), out) < 0)
                goto fail;
            fputc(':', out);
            if (json_value(q, sqlite3_column_value(st, i), out) < 0)
                goto fail;
        }
        fputc('}', out);
    }
    fputs("]\n", out);
    sqlite3_finalize(q);
    return rc;
fail:
    fputs("]\n", out);
    sqlite3_finalize(q);
    return SQLITE_ERROR;
}

int fl_print_stmt(sqlite3_stmt *st, enum fl_print_mode mode, FILE *out)
{
    if (sqlite3_column_count(st) == 0) {
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            ;
        return rc;
    }
    switch (mode) {
    case FL_PRINT_CSV:
        return print_csv(st, out);
    case FL_PRINT_JSON:
        return print_json(st, out);
    default:
        return print_table(st, out);
    }
}
