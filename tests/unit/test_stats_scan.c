/*
 * test_stats_scan.c - cli/stats_scan.c on its own, against SQLite's GROUP BY on the same rows:
 * every group (not only the ten a report shows), through the tables' growth.
 *
 * usage: test_stats_scan CASE   (every_group, by_seq, icount_from_midway)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli/stats_scan.h"
#include "kernel_model/mm.h"
#include "tests/unit/unit_case.h"

#define ROWS 200000

static const char *const handlers[] = {"do_anonymous_page", "do_read_fault", "wp_page_copy",
                                       "do_swap_page",      "wp_page_reuse", NULL};
static const unsigned error_codes[] = {X86_PF_USER, X86_PF_USER | X86_PF_WRITE,
                                       X86_PF_USER | X86_PF_INSTR, X86_PF_WRITE,
                                       X86_PF_USER | X86_PF_PROT | X86_PF_WRITE};

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        FAIL("%s: %s", sql, err);
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        FAIL("%s: %s", sql, sqlite3_errmsg(db));
    return st;
}

/*
 * A table f of ROWS faults in seq order: 3 processes, 20,000 pages (each of the 60,000
 * process-page groups faulted about 3 times, most of them again after the table has grown),
 * 3,000 instructions, the
 * handlers and error codes above. icount: `icount_mode` 0 all 0, 1 NULL for the first 1,000
 * faults, 0 for the next 1,000, then counted.
 */
static sqlite3 *faults(int icount_mode)
{
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK)
        FAIL("no in-memory database");
    exec(db, "CREATE TABLE f(seq INTEGER PRIMARY KEY, pid, ip, page, error_code, handler, icount);"
             "BEGIN");
    sqlite3_stmt *ins = prepare(db, "INSERT INTO f VALUES(?, ?, ?, ?, ?, ?, ?)");
    int64_t icount = 0;
    for (int i = 0; i < ROWS; i++) {
        uint64_t r = next();
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_bind_int(ins, 2, 1000 + (int)(r % 3));
        sqlite3_bind_int64(ins, 3, 0x400000 + (int64_t)(r >> 8) % 3000 * 7);
        sqlite3_bind_int64(ins, 4, 0x7f0000000000 + (int64_t)(r >> 24) % 20000 * 4096);
        sqlite3_bind_int(ins, 5, (int)error_codes[(r >> 40) % 5]);
        const char *h = handlers[(r >> 48) % 6];
        if (h)
            sqlite3_bind_text(ins, 6, h, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 6);
        icount += (int64_t)(r >> 56) + 1;
        if (icount_mode == 1 && i < 1000)
            sqlite3_bind_null(ins, 7);
        else
            sqlite3_bind_int64(ins, 7, icount_mode == 0 || i < 2000 ? 0 : icount);
        if (sqlite3_step(ins) != SQLITE_DONE)
            FAIL("insert: %s", sqlite3_errmsg(db));
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    exec(db, "COMMIT; CREATE INDEX f_page ON f(page, pid); CREATE INDEX f_ip ON f(ip, pid)");
    return db;
}

static void scan(sqlite3 *db, struct stats_scan *s)
{
    sqlite3_stmt *st = prepare(db, "SELECT seq, pid, ip, page, error_code, handler, icount FROM f"
                                   " ORDER BY seq");
    memset(s, 0, sizeof(*s));
    int rc = stats_scan_rows(s, st);
    if (rc != SQLITE_DONE)
        FAIL("scan: %d", rc);
    sqlite3_finalize(st);
}

static int by_key_pid(const void *a, const void *b)
{
    const struct stats_group *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Every group of g (by column `key`) against SQL: counts, first seq, handlers in order. */
static void check_groups(sqlite3 *db, const struct stats_scan *s, const struct stats_groups *g,
                         const char *key)
{
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT %s, pid, sum(error_code & 18 = 0), sum(error_code & 18 = 2),"
             " sum(error_code & 16 != 0), min(seq), (SELECT group_concat(handler) FROM"
             "  (SELECT handler FROM f AS h WHERE h.%s = f.%s AND h.pid = f.pid AND handler"
             "   NOT NULL GROUP BY handler ORDER BY min(seq)))"
             " FROM f GROUP BY %s, pid ORDER BY %s, pid",
             key, key, key, key, key);
    sqlite3_stmt *st = prepare(db, sql);
    struct stats_group *sorted = malloc(g->n * sizeof(*sorted));
    if (!sorted)
        FAIL("out of memory");
    memcpy(sorted, g->v, g->n * sizeof(*sorted));
    qsort(sorted, g->n, sizeof(*sorted), by_key_pid);
    size_t groups = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t k = sqlite3_column_int64(st, 0);
        int pid = sqlite3_column_int(st, 1);
        const struct stats_group *e = groups < g->n ? &sorted[groups] : NULL;
        groups++;
        if (!e || e->key != k || e->pid != pid)
            FAIL("%s 0x%llx of pid %d: no group (0x%llx of pid %d in its place)", key, (long long)k,
                 pid, e ? (long long)e->key : -1LL, e ? e->pid : -1);
        char hs[512];
        const char *want = (const char *)sqlite3_column_text(st, 6);
        stats_group_handlers(s, e, hs, sizeof(hs));
        if ((int64_t)e->reads != sqlite3_column_int64(st, 2) ||
            (int64_t)e->writes != sqlite3_column_int64(st, 3) ||
            (int64_t)e->execs != sqlite3_column_int64(st, 4) ||
            e->first_seq != sqlite3_column_int64(st, 5) || strcmp(hs, want ? want : ""))
            FAIL("%s 0x%llx of pid %d: %llu/%llu/%llu from %lld, %s; SQL %lld/%lld/%lld from %lld,"
                 " %s",
                 key, (long long)k, pid, (unsigned long long)e->reads,
                 (unsigned long long)e->writes, (unsigned long long)e->execs,
                 (long long)e->first_seq, hs, (long long)sqlite3_column_int64(st, 2),
                 (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4),
                 (long long)sqlite3_column_int64(st, 5), want ? want : "");
    }
    sqlite3_finalize(st);
    free(sorted);
    if (groups != g->n)
        FAIL("%zu %s groups, SQL has %zu", g->n, key, groups);

    /* the ten with most faults, ties by key, then pid */
    const struct stats_group *top[10];
    size_t n = stats_top(g, top, 10);
    snprintf(sql, sizeof(sql),
             "SELECT %s, pid FROM f GROUP BY %s, pid ORDER BY count(*) DESC, %s, pid LIMIT 10", key,
             key, key);
    st = prepare(db, sql);
    for (size_t i = 0; i < 10; i++)
        if (sqlite3_step(st) != SQLITE_ROW || i >= n ||
            top[i]->key != sqlite3_column_int64(st, 0) || top[i]->pid != sqlite3_column_int(st, 1))
            FAIL("%s: top %zu is 0x%llx of pid %d, SQL's 0x%llx of pid %d", key, i,
                 i < n ? (long long)top[i]->key : -1LL, i < n ? top[i]->pid : -1,
                 (long long)sqlite3_column_int64(st, 0), sqlite3_column_int(st, 1));
    sqlite3_finalize(st);
}

/* x, in fault order, against SQL's column expression `x` over rows `where`. */
static void check_time(sqlite3 *db, const struct stats_scan *s, bool by_icount, const char *x,
                       const char *where)
{
    if (s->by_icount != by_icount)
        FAIL("by_icount %d, expected %d", s->by_icount, by_icount);
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT %s FROM f WHERE %s ORDER BY seq", x, where);
    sqlite3_stmt *st = prepare(db, sql);
    size_t i = 0;
    for (; sqlite3_step(st) == SQLITE_ROW; i++)
        if (i >= s->nx || s->x[i] != sqlite3_column_int64(st, 0))
            FAIL("fault %zu in time: %lld, SQL %lld", i, i < s->nx ? (long long)s->x[i] : -1LL,
                 (long long)sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    if (i != s->nx)
        FAIL("%zu faults placed in time, SQL has %zu", s->nx, i);
}

static void every_group(void)
{
    sqlite3 *db = faults(2);
    struct stats_scan s;
    scan(db, &s);
    if (s.pages.n < 55000 || s.ips.n < 8900)
        FAIL("only %zu page and %zu ip groups", s.pages.n, s.ips.n);
    check_groups(db, &s, &s.pages, "page");
    check_groups(db, &s, &s.ips, "ip");
    check_time(db, &s, true, "icount", "1");
    stats_scan_free(&s);
    sqlite3_close(db);
}

/* The faults of faults(icount_mode), placed in time: as SQL's column x over rows `where`. */
static void time_case(int icount_mode, bool by_icount, const char *x, const char *where)
{
    sqlite3 *db = faults(icount_mode);
    struct stats_scan s;
    scan(db, &s);
    check_time(db, &s, by_icount, x, where);
    stats_scan_free(&s);
    sqlite3_close(db);
}

/* Instruction counting off: every fault placed by its seq. */
static void by_seq(void)
{
    time_case(0, false, "seq", "1");
}

/* NULL icounts, then zeros, then counted: the NULLs are left out, the zeros stay (at 0). */
static void icount_from_midway(void)
{
    time_case(1, true, "icount", "icount NOT NULL");
}

int main(int argc, char **argv)
{
    static const struct unit_case cases[] = {{"every_group", every_group},
                                             {"by_seq", by_seq},
                                             {"icount_from_midway", icount_from_midway}};
    return unit_case_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
