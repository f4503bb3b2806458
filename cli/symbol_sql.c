/*
 * symbol_sql.c - symbol(run_id, pid, ip [, seq]) for log readers (see symbol_sql.h).
 *
 * The log keeps, for every fault, the VMA of the faulting address, not of the instruction; but
 * every page a process executes was mapped by a fault of that process in the VMA holding it
 * (exec starts with no pages, and fork does not copy the PTEs of file mappings), so the
 * process's fault_counts rows name the VMAs its code ran from. The last one over ip that had
 * faulted by seq is the mapping the instruction was fetched from; its file and page offset give
 * the offset in the file, and ui/elf_symbols.c the name. The file is read as it is now: a file
 * rebuilt since the run gives wrong names, as perf report without a build-id cache would.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/symbol_sql.h"
#include "db/schema.h"
#include "ui/elf_symbols.h"

struct symbol_sql {
    sqlite3_stmt *vma;
};

static const char vma_sql[] =
    "SELECT v.vma_start, v.vma_pgoff, f.name FROM fault_counts c"
    " JOIN vmas v ON v.vma_id = c.vma_id JOIN files f ON f.file_id = v.file_id"
    " WHERE c.run_id = ?1 AND c.pid = ?2 AND v.vma_start <= ?3 AND ?3 < v.vma_end"
    " AND c.first_seq <= ?4 ORDER BY c.first_seq DESC LIMIT 1";

/* The mapping the instruction at argv[2] was fetched from: its start, page offset and file (a
 * path or a bracketed name) into *start, *pgoff, file. 1 found, 0 none (or a NULL argument),
 * -1 an SQL error (already the function's result). */
static int code_vma(sqlite3_context *ctx, int argc, sqlite3_value **argv, uint64_t *start,
                    uint64_t *pgoff, char *file, size_t filelen)
{
    struct symbol_sql *s = sqlite3_user_data(ctx);

    for (int i = 0; i < argc; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
            return 0;
    sqlite3_bind_int64(s->vma, 1, sqlite3_value_int64(argv[0]));
    sqlite3_bind_int64(s->vma, 2, sqlite3_value_int64(argv[1]));
    sqlite3_bind_int64(s->vma, 3, sqlite3_value_int64(argv[2]));
    sqlite3_bind_int64(s->vma, 4, argc > 3 ? sqlite3_value_int64(argv[3]) : FL_SEQ_MAX);
    int rc = sqlite3_step(s->vma), found = 0;
    if (rc == SQLITE_ROW) {
        *start = (uint64_t)sqlite3_column_int64(s->vma, 0);
        *pgoff = (uint64_t)sqlite3_column_int64(s->vma, 1);
        snprintf(file, filelen, "%s", (const char *)sqlite3_column_text(s->vma, 2));
        found = 1;
    } else if (rc != SQLITE_DONE) {
        sqlite3_result_error(ctx, sqlite3_errmsg(sqlite3_context_db_handle(ctx)), -1);
        found = -1;
    }
    sqlite3_reset(s->vma);
    return found;
}

static void symbol_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    uint64_t start, pgoff, ip = (uint64_t)sqlite3_value_int64(argv[2]);
    char file[4096], name[512];

    if (code_vma(ctx, argc, argv, &start, &pgoff, file, sizeof(file)) == 1 &&
        elf_symbolize(file, ip - start + pgoff * 4096, name, sizeof(name)))
        sqlite3_result_text(ctx, name, -1, SQLITE_TRANSIENT);
}

static void code_file_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    uint64_t start, pgoff;
    char file[4096];

    if (code_vma(ctx, argc, argv, &start, &pgoff, file, sizeof(file)) == 1) {
        const char *base = file[0] == '/' ? strrchr(file, '/') + 1 : file;
        sqlite3_result_text(ctx, base, -1, SQLITE_TRANSIENT);
    }
}

struct symbol_sql *symbol_sql_define(sqlite3 *db)
{
    struct symbol_sql *s = calloc(1, sizeof(*s));

    if (!s || sqlite3_prepare_v3(db, vma_sql, -1, SQLITE_PREPARE_PERSISTENT, &s->vma, NULL) ||
        sqlite3_create_function(db, "symbol", 3, SQLITE_UTF8, s, symbol_fn, NULL, NULL) ||
        sqlite3_create_function(db, "symbol", 4, SQLITE_UTF8, s, symbol_fn, NULL, NULL) ||
        sqlite3_create_function(db, "code_file", 3, SQLITE_UTF8, s, code_file_fn, NULL, NULL) ||
        sqlite3_create_function(db, "code_file", 4, SQLITE_UTF8, s, code_file_fn, NULL, NULL)) {
        symbol_sql_end(s);
        return NULL;
    }
    return s;
}

void symbol_sql_end(struct symbol_sql *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->vma);
    free(s);
    elf_symbols_forget();
}
