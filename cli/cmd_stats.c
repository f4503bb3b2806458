/*
 * cmd_stats.c - faultline stats DB [--run N] [--pid P]: a perf-stat-like report of one run.
 *
 * Sections: the run (exe, argv, status, wall time), totals by outcome and mode, faults by
 * handler path, by VMA, the hottest pages and instructions (with the function each is in), by
 * function, faults over time, per process.
 * Counting sections read fault_counts; the per-page, per-instruction, per-function and
 * over-time sections come from one scan of the run's fault_id range of the faults view, counted
 * in C (stats_scan.h), so a log of an older schema version reads the same way. The numbers are the
 * ones the views of docs/schema.md give, so the report agrees with `faultline query`. Exit status:
 * 0 ok, 1 the log could not be read or has no such run, 2 usage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/stats_scan.h"
#include "cli/symbol_sql.h"
#include "db/reader.h"
#include "db/schema.h"
#include "kernel_model/mm.h"

struct report {
    sqlite3 *db;
    int64_t run, pid; /* pid < 0: every process */
    int64_t total;    /* faults in scope */
    bool failed;
};

/* Rows of faults in scope: this run's fault_id range (a rowid range scan), and the chosen
 * process if any. */
#define SCOPE "fault_id BETWEEN :lo AND :hi AND (:pid < 0 OR pid = :pid)"

/* Prepare sql and bind whichever of :run, :lo, :hi, :pid it names. NULL on error (reported). */
static sqlite3_stmt *query(struct report *r, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "faultline stats: %s\n", sqlite3_errmsg(r->db));
        r->failed = true;
        return NULL;
    }
    int i;
    if ((i = sqlite3_bind_parameter_index(st, ":run")))
        sqlite3_bind_int64(st, i, r->run);
    if ((i = sqlite3_bind_parameter_index(st, ":lo")))
        sqlite3_bind_int64(st, i, FL_FAULT_ID(r->run, 0));
    if ((i = sqlite3_bind_parameter_index(st, ":hi")))
        sqlite3_bind_int64(st, i, FL_FAULT_ID(r->run, FL_SEQ_MAX));
    if ((i = sqlite3_bind_parameter_index(st, ":pid")))
        sqlite3_bind_int64(st, i, r->pid);
    return st;
}

/* Finish a statement; an error while stepping it is reported once. */
static void done(struct report *r, sqlite3_stmt *st, int rc)
{
    if (rc != SQLITE_DONE && rc != SQLITE_ROW && !r->failed) {
        fprintf(stderr, "faultline stats: %s\n", sqlite3_errmsg(r->db));
        r->failed = true;
    }
    sqlite3_finalize(st);
}

/* 1234567 -> "1,234,567", as perf stat prints counts. */
static const char *count(char *buf, long long n)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof(tmp), "%lld", n < 0 ? -n : n), o = 0;
    if (n < 0)
        buf[o++] = '-';
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = 0;
    return buf;
}

static double pct(long long n, long long of)
{
    return of ? 100.0 * n / of : 0;
}

static const char *text(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static void header(struct report *r, const char *path)
{
    sqlite3_stmt *st = query(r, "SELECT exe, argv, status, exit_code, term_signal, started_at,"
                                " wall_seconds, instructions, message,"
                                " (SELECT count(*) FROM processes WHERE run_id = :run)"
                                " FROM runs WHERE run_id = :run");
    if (!st)
        return;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        char b[32];
        const char *status = text(st, 2);
        printf(" Fault log of run %lld in '%s'", (long long)r->run, path);
        if (r->pid >= 0)
            printf(", pid %lld only", (long long)r->pid);
        printf(":\n\n");
        printf("  exe          %s\n", text(st, 0));
        printf("  argv         %s\n", text(st, 1));
        printf("  status       ");
        if (!strcmp(status, "running"))
            printf("unfinished (still running, or faultline was killed)\n");
        else if (!strcmp(status, "exited"))
            printf("exited, status %d\n", sqlite3_column_int(st, 3));
        else if (!strcmp(status, "killed"))
            printf("killed by signal %d (%s)\n", sqlite3_column_int(st, 4),
                   strsignal(sqlite3_column_int(st, 4)));
        else
            printf("%s%s%s\n", status, sqlite3_column_type(st, 8) != SQLITE_NULL ? ": " : "",
                   text(st, 8));
        printf("  started      %s\n", text(st, 5));
        if (sqlite3_column_type(st, 6) != SQLITE_NULL)
            printf("  wall time    %.3f s\n", sqlite3_column_double(st, 6));
        if (sqlite3_column_int64(st, 7))
            printf("  instructions %s\n", count(b, sqlite3_column_int64(st, 7)));
        printf("  processes    %d\n", sqlite3_column_int(st, 9));
        rc = SQLITE_DONE;
    }
    done(r, st, rc);
}

/* Counting sections read fault_counts (kept by the writer), which holds one row per kind of
 * fault: instant even for millions of faults. COUNTED is its scope. */
#define COUNTED      "g.run_id = :run AND (:pid < 0 OR g.pid = :pid)"
#define OUTCOME_JOIN "JOIN outcomes o ON o.outcome = g.outcome"

static void totals(struct report *r)
{
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT sum(g.n), sum(g.n * (o.name = 'minor')), sum(g.n * (o.name = 'major')),"
             " sum(g.n * (o.name = 'userfault')),"
             " sum(g.n * (o.name = 'sigsegv')), sum(g.n * (o.name = 'sigbus')),"
             " sum(g.n * (o.name = 'efault')), sum(g.n * (o.name IN ('oom', 'kill'))),"
             " sum(g.n * (o.name = 'spurious')), sum(g.n * (g.kind & %u != 0)),"
             " sum(g.n * (g.kind & %u = 0))"
             " FROM fault_counts g " OUTCOME_JOIN " WHERE " COUNTED,
             X86_PF_USER, X86_PF_USER);
    sqlite3_stmt *st = query(r, sql);
    if (!st)
        return;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        static const char *const what[] = {
            "faults",
            "minor",
            "major (I/O)",
            "handed to a userfaultfd (major)",
            "SIGSEGV",
            "SIGBUS",
            "-EFAULT",
            "killed (OOM, bad table)",
            "spurious",
            "user-mode",
            "kernel-mode (copy_to/from_user)",
        };
        char b[32];
        r->total = sqlite3_column_int64(st, 0);
        printf("\n");
        for (int i = 0; i < 11; i++) {
            long long n = sqlite3_column_int64(st, i);
            if (i >= 2 && i <= 8 && n == 0)
                continue; /* outcomes that did not happen */
            if (i == 0)
                printf("  %15s      %s\n", count(b, n), what[i]);
            else
                printf("  %15s      %-32s %6.2f%%\n", count(b, n), what[i], pct(n, r->total));
        }
        rc = SQLITE_DONE;
    }
    done(r, st, rc);
}

/* Memory pressure: the optional reclaim_stats row of the run (written only by runs that had
 * swap or reclaimed; older logs and quiet runs have no table or no row: nothing printed). */
static void reclaim(struct report *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT policy, swap_bytes, anon_evicted, swap_out, swap_in,"
                           " swapcache_hits, file_dropped, file_written_back, file_refaults,"
                           " scanned, rotated, oom_kills FROM reclaim_stats WHERE run_id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, r->run);
    if (sqlite3_step(st) == SQLITE_ROW) {
        static const char *const what[] = {
            "anonymous pages evicted",
            "pages written to swap",
            "pages read back from swap (major)",
            "swap-ins found in the swap cache",
            "file pages dropped",
            "dirty file pages written back",
            "file pages read again after being dropped (refaults)",
            "pages scanned",
            "second chances (accessed bit set)",
            "OOM kills",
        };
        char b[32];
        printf("\n  Reclaim (--reclaim %s, --swap %lld MiB):\n", text(st, 0),
               (long long)(sqlite3_column_int64(st, 1) >> 20));
        for (int i = 0; i < 10; i++)
            printf("  %15s      %s\n", count(b, sqlite3_column_int64(st, 2 + i)), what[i]);
    }
    sqlite3_finalize(st);
}

/* khugepaged: the ranges it looked at, by what became of them (the optional khugepaged_events
 * table: runs without transparent huge pages have none, and print nothing). */
static void khugepaged(struct report *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db,
                           "SELECT count(*), CASE WHEN collapse_result IS NULL"
                           " THEN 'not tried: ' || scan_result"
                           " ELSE 'collapse ' || collapse_result || CASE swapin"
                           " WHEN 'refused' THEN ' (swap-in refused: < 256 young PTEs)'"
                           " WHEN 'failed' THEN ' (swap-in failed)' ELSE '' END END AS what"
                           " FROM khugepaged_events WHERE run_id = ?"
                           " GROUP BY what ORDER BY 1 DESC, what",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, r->run);
    char b[32];
    for (bool first = true; sqlite3_step(st) == SQLITE_ROW; first = false) {
        if (first)
            printf(
                "\n  khugepaged, the 2 MiB ranges it looked at by result (khugepaged_events):\n");
        printf("  %15s      %s\n", count(b, sqlite3_column_int64(st, 0)), text(st, 1));
    }
    sqlite3_finalize(st);
}

static void by_path(struct report *r)
{
    sqlite3_stmt *st =
        query(r, "SELECT sum(g.n) AS n, o.name, p.path FROM fault_counts g"
                 " JOIN paths p ON p.path_id = g.path_id " OUTCOME_JOIN " WHERE " COUNTED
                 " GROUP BY p.path, o.name ORDER BY n DESC, p.path");
    if (!st)
        return;
    printf("\n Faults by handler path:\n\n  %12s %7s  %-8s  %s\n", "count", "%", "outcome", "path");
    int rc;
    char b[32];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long n = sqlite3_column_int64(st, 0);
        printf("  %12s %6.2f%%  %-8s  %s\n", count(b, n), pct(n, r->total), text(st, 1),
               text(st, 2));
    }
    done(r, st, rc);
}

/* Same grouping as the vma_faults view (a VMA that grew stays one row), plus faults that had
 * no VMA at all. */
static void by_vma(struct report *r)
{
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "SELECT sum(g.n) AS n, sum(g.n * (o.name = 'minor')),"
             " sum(g.n * (o.name IN ('major', 'userfault'))),"
             " sum(g.n * (o.name NOT IN ('minor', 'major', 'spurious', 'userfault'))),"
             " sum(g.n * (instr(p.path, 'do_wp_page') > 0"
             " OR p.handler IN ('do_cow_fault', 'do_huge_pmd_wp_page'))),"
             " CASE WHEN min(v.vma_start) IS NULL THEN '(no vma)' ELSE"
             " printf('%%012x-%%012x', min(v.vma_start), max(v.vma_end)) END,"
             " CASE WHEN v.vma_flags IS NULL THEN '' ELSE"
             " CASE WHEN v.vma_flags & %lu THEN 'r' ELSE '-' END ||"
             " CASE WHEN v.vma_flags & %lu THEN 'w' ELSE '-' END ||"
             " CASE WHEN v.vma_flags & %lu THEN 'x' ELSE '-' END ||"
             " CASE WHEN v.vma_flags & %lu THEN 's' ELSE 'p' END END AS perms,"
             " coalesce(f.name, '') AS file, g.pid"
             " FROM fault_counts g " OUTCOME_JOIN " JOIN paths p ON p.path_id = g.path_id"
             " LEFT JOIN vmas v ON v.vma_id = g.vma_id"
             " LEFT JOIN files f ON f.file_id = v.file_id"
             " WHERE " COUNTED " GROUP BY g.pid, file, perms,"
             " CASE WHEN v.vma_flags & %lu THEN v.vma_end ELSE v.vma_start END"
             " ORDER BY n DESC LIMIT 20",
             VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_GROWSDOWN);
    sqlite3_stmt *st = query(r, sql);
    if (!st)
        return;
    printf("\n Faults by VMA (top 20):\n\n  %12s %7s %7s %9s %7s %7s %7s  %-25s  %-4s  %s\n",
           "count", "%", "pid", "minor", "major", "failed", "cow", "range", "perm", "file");
    int rc;
    char b[5][32];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long n = sqlite3_column_int64(st, 0);
        printf("  %12s %6.2f%% %7d %9s %7s %7s %7s  %-25s  %-4s  %s\n", count(b[0], n),
               pct(n, r->total), sqlite3_column_int(st, 8),
               count(b[1], sqlite3_column_int64(st, 1)), count(b[2], sqlite3_column_int64(st, 2)),
               count(b[3], sqlite3_column_int64(st, 3)), count(b[4], sqlite3_column_int64(st, 4)),
               text(st, 5), text(st, 6), text(st, 7));
    }
    done(r, st, rc);
}

/* Count the run's faults in scope per page and per instruction, and place each in time, in one
 * pass (stats_scan.h) for the sections below. false on an error (reported). */
static bool scan_faults(struct report *r, struct stats_scan *s)
{
    sqlite3_stmt *st = query(r, "SELECT fault_id & :seqmask, pid, ip, page, error_code, handler,"
                                " icount FROM faults WHERE " SCOPE " ORDER BY fault_id");
    if (!st)
        return false;
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":seqmask"), FL_SEQ_MAX);
    int rc = stats_scan_rows(s, st);
    if (rc == SQLITE_NOMEM && !r->failed) {
        fprintf(stderr, "faultline stats: out of memory counting the faults\n");
        r->failed = true;
    }
    done(r, st, rc);
    return !r->failed;
}

/* symbol(), and code_file() if file is not NULL, of an instruction of the run (as the log mapped
 * it at seq), into the buffers ("" for NULL). */
static void name_ip(struct report *r, sqlite3_stmt *st, const struct stats_group *g, char *sym,
                    size_t symlen, char *file, size_t filelen)
{
    sqlite3_reset(st);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":p"), g->pid);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":ip"), g->key);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":seq"), g->first_seq);
    int rc = sqlite3_step(st);
    snprintf(sym, symlen, "%s", rc == SQLITE_ROW ? text(st, 0) : "");
    if (file)
        snprintf(file, filelen, "%s", rc == SQLITE_ROW ? text(st, 1) : "");
    if (rc != SQLITE_ROW && !r->failed) {
        fprintf(stderr, "faultline stats: %s\n", sqlite3_errmsg(r->db));
        r->failed = true;
    }
}

/* The faults the first program's execve takes before it has run an instruction (its arguments
 * copied to the new stack, the rest of its data page cleared) have no instruction: ip 0,
 * kernel mode. Linux would name its own functions there. */
static bool before_first_insn(const struct stats_group *g)
{
    return g->key == 0 && !g->user;
}

#define EXECVE_NAME "(execve: no user instruction yet)"

static sqlite3_stmt *naming_query(struct report *r)
{
    return query(r, "SELECT symbol(:run, :p, :ip, :seq), code_file(:run, :p, :ip, :seq)");
}

/* The 10 pages or instructions with the most faults; an instruction with the function it is
 * in, as perf report names it (symbol(), cli/symbol_sql.h). */
static void hottest(struct report *r, const struct stats_scan *s, bool ip, const char *title)
{
    const struct stats_group *top[10];
    size_t n = stats_top(ip ? &s->ips : &s->pages, top, 10);
    sqlite3_stmt *names = ip ? naming_query(r) : NULL;
    if (ip && !names)
        return;
    struct {
        char key[24], handlers[256], symbol[256];
    } rows[10];
    int width = (int)strlen("handlers");
    for (size_t i = 0; i < n; i++) {
        snprintf(rows[i].key, sizeof(rows[i].key), "0x%llx", (unsigned long long)top[i]->key);
        stats_group_handlers(s, top[i], rows[i].handlers, sizeof(rows[i].handlers));
        if ((int)strlen(rows[i].handlers) > width)
            width = (int)strlen(rows[i].handlers);
        rows[i].symbol[0] = 0;
        if (ip && before_first_insn(top[i]))
            snprintf(rows[i].symbol, sizeof(rows[i].symbol), "%s", EXECVE_NAME);
        else if (ip)
            name_ip(r, names, top[i], rows[i].symbol, sizeof(rows[i].symbol), NULL, 0);
    }
    sqlite3_finalize(names);
    printf("\n %s:\n\n  %12s %7s %7s  %-18s %6s %6s %6s  %-*s%s\n", title, "count", "%", "pid",
           ip ? "ip" : "page", "reads", "writes", "execs", ip ? width : 0, "handlers",
           ip ? "  function" : "");
    char b[32];
    for (size_t i = 0; i < n; i++) {
        const struct stats_group *g = top[i];
        long long faults = (long long)(g->reads + g->writes + g->execs);
        printf("  %12s %6.2f%% %7d  %-18s %6llu %6llu %6llu  %-*s%s%s\n", count(b, faults),
               pct(faults, r->total), g->pid, rows[i].key, (unsigned long long)g->reads,
               (unsigned long long)g->writes, (unsigned long long)g->execs,
               ip && rows[i].symbol[0] ? width : 0, rows[i].handlers, rows[i].symbol[0] ? "  " : "",
               rows[i].symbol);
    }
}

struct fn_faults {
    char *fn, *file; /* "" for none */
    long long n;
};

static int by_name(const void *a, const void *b)
{
    const struct fn_faults *x = a, *y = b;
    int c = strcmp(x->fn, y->fn);
    return c ? c : strcmp(x->file, y->file);
}

static int by_total(const void *a, const void *b)
{
    const struct fn_faults *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return by_name(a, b);
}

/* Faults per function, as perf report's default view groups samples by symbol: each distinct
 * instruction is named once (symbol(), code_file()), then the names are added up. */
static void by_function(struct report *r, const struct stats_scan *s)
{
    sqlite3_stmt *names = naming_query(r);
    if (!names)
        return;
    struct fn_faults *v = calloc(s->ips.n ? s->ips.n : 1, sizeof(*v));
    bool oom = !v;
    size_t n = 0;
    for (size_t i = 0; !oom && !r->failed && i < s->ips.n; i++) {
        const struct stats_group *g = &s->ips.v[i];
        char sym[256] = EXECVE_NAME, file[256] = "";
        if (!before_first_insn(g))
            name_ip(r, names, g, sym, sizeof(sym), file, sizeof(file));
        sym[strcspn(sym, "+")] = 0; /* "main+0x30" is in main */
        v[n].fn = strdup(sym);
        v[n].file = strdup(file);
        v[n].n = (long long)(g->reads + g->writes + g->execs);
        n++;
        oom = !v[n - 1].fn || !v[n - 1].file;
    }
    sqlite3_finalize(names);
    if (oom && !r->failed) {
        fprintf(stderr, "faultline stats: out of memory naming the instructions\n");
        r->failed = true;
    }
    if (!r->failed) {
        /* add up the instructions of each function, then the functions with most faults */
        qsort(v, n, sizeof(*v), by_name);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            if (m && !by_name(&v[m - 1], &v[i])) {
                v[m - 1].n += v[i].n;
                free(v[i].fn);
                free(v[i].file);
            } else {
                v[m++] = v[i];
            }
        }
        n = m;
        qsort(v, n, sizeof(*v), by_total);
        printf("\n Faults by function (top 10):\n\n  %12s %7s  %-40s %s\n", "count", "%",
               "function", "file");
        char b[32];
        for (size_t i = 0; i < n && i < 10; i++)
            printf("  %12s %6.2f%%  %-40s %s\n", count(b, v[i].n), pct(v[i].n, r->total),
                   v[i].fn[0]     ? v[i].fn
                   : v[i].file[0] ? "(no symbol)"
                                  : "(not in a file)",
                   v[i].file);
    }
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].fn);
        free(v[i].file);
    }
    free(v);
}

#define BUCKETS 20

/* Faults per slice of the run, by instruction count, or by seq when icount was not counted. */
static void over_time(const struct stats_scan *s)
{
    bool by_icount = s->by_icount;
    long long lo = 0, hi = 0;
    for (size_t i = 0; i < s->nx; i++) {
        if (!i || s->x[i] < lo)
            lo = s->x[i];
        if (!i || s->x[i] > hi)
            hi = s->x[i];
    }
    int buckets = hi - lo + 1 < BUCKETS ? (int)(hi - lo + 1) : BUCKETS;
    long long width = (hi - lo) / buckets + 1, n[BUCKETS] = {0}, max = 1;
    buckets = (int)((hi - lo) / width + 1); /* no empty slices past the last fault */
    for (size_t i = 0; i < s->nx; i++)
        n[(s->x[i] - lo) / width]++;
    for (int i = 0; i < buckets; i++)
        if (n[i] > max)
            max = n[i];

    char b1[32], b2[32], b3[32];
    if (by_icount)
        printf("\n Faults over time (%d slices of %s instructions):\n\n", buckets,
               count(b1, width));
    else
        printf("\n Faults over time (%d slices of %s faults, by sequence number: instruction"
               " counting was off):\n\n",
               buckets, count(b1, width));
    printf("  %-33s %12s\n", by_icount ? "instructions" : "seq", "count");
    for (int i = 0; i < buckets; i++) {
        char range[80];
        snprintf(range, sizeof(range), "[%s, %s)", count(b1, lo + i * width),
                 count(b2, lo + (i + 1) * width));
        printf("  %-33s %12s  ", range, count(b3, n[i]));
        for (long long k = 0; k < (n[i] * 40 + max - 1) / max; k++)
            putchar('#');
        putchar('\n');
    }
}

static void per_process(struct report *r)
{
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "WITH fc AS (SELECT g.pid, sum(g.n) AS n, sum(g.n * (o.name = 'minor')) AS minor,"
             "   sum(g.n * (o.name IN ('major', 'userfault'))) AS major,"
             "   sum(g.n * (o.name IN ('sigsegv', 'sigbus'))) AS sig,"
             "   sum(g.n * (g.kind & %u = 0)) AS kern"
             "   FROM fault_counts g " OUTCOME_JOIN " WHERE g.run_id = :run GROUP BY g.pid),"
             " pids AS (SELECT pid FROM processes WHERE run_id = :run UNION SELECT pid FROM fc)"
             " SELECT pids.pid, p.ppid, coalesce(fc.n, 0), coalesce(fc.minor, 0),"
             "  coalesce(fc.major, 0), coalesce(fc.sig, 0), coalesce(fc.kern, 0),"
             "  CASE WHEN p.term_signal THEN 'signal ' || p.term_signal"
             "   WHEN p.exit_code IS NOT NULL THEN 'exit ' || p.exit_code ELSE 'running' END,"
             "  coalesce(p.exe, '')"
             " FROM pids LEFT JOIN processes p ON p.run_id = :run AND p.pid = pids.pid"
             " LEFT JOIN fc ON fc.pid = pids.pid WHERE :pid < 0 OR pids.pid = :pid"
             " ORDER BY pids.pid",
             X86_PF_USER);
    sqlite3_stmt *st = query(r, sql);
    if (!st)
        return;
    printf("\n Per process:\n\n  %7s %7s %12s %12s %9s %8s %8s  %-10s  %s\n", "pid", "ppid",
           "faults", "minor", "major", "signals", "kernel", "end", "exe");
    int rc;
    char b[5][32];
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        printf("  %7d %7s %12s %12s %9s %8s %8s  %-10s  %s\n", sqlite3_column_int(st, 0),
               text(st, 1), count(b[0], sqlite3_column_int64(st, 2)),
               count(b[1], sqlite3_column_int64(st, 3)), count(b[2], sqlite3_column_int64(st, 4)),
               count(b[3], sqlite3_column_int64(st, 5)), count(b[4], sqlite3_column_int64(st, 6)),
               text(st, 7), text(st, 8));
    done(r, st, rc);
}

static void usage(FILE *f)
{
    fputs("usage: faultline stats DB [--run N] [--pid P]\n"
          "  Summarizes one run of the fault log DB (default: the latest run): outcomes, handler\n"
          "  paths, VMAs, hottest pages and instructions, faults over time, processes.\n",
          f);
}

/* Parse a non-negative integer option value; -1 if it is not one. */
static long long number(const char *s)
{
    char *end;
    long long v = s && *s ? strtoll(s, &end, 10) : -1;
    return s && *s && !*end && v >= 0 ? v : -1;
}

/* The run to report: the one asked for, else the latest. 0 ok, 1 reported error. */
static int pick_run(struct report *r, const char *path, long long want)
{
    r->run = want;
    sqlite3_stmt *st = query(r, want >= 0 ? "SELECT run_id FROM runs WHERE run_id = :run"
                                          : "SELECT max(run_id) FROM runs");
    if (!st)
        return 1;
    int rc = sqlite3_step(st);
    bool found = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (found)
        r->run = sqlite3_column_int64(st, 0);
    done(r, st, rc == SQLITE_ROW ? SQLITE_DONE : rc);
    if (r->failed)
        return 1;
    if (!found) {
        if (want >= 0)
            fprintf(stderr, "faultline stats: %s: no run %lld in this log\n", path, want);
        else
            fprintf(stderr, "faultline stats: %s: the log has no runs\n", path);
        return 1;
    }
    return 0;
}

int cmd_stats(int argc, char **argv)
{
    const char *path = NULL;
    long long run = -1, pid = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--run") || !strcmp(a, "--pid")) {
            long long v = number(i + 1 < argc ? argv[i + 1] : NULL);
            if (v < 0) {
                fprintf(stderr, "faultline stats: %s needs a number\n", a);
                usage(stderr);
                return 2;
            }
            *(a[2] == 'r' ? &run : &pid) = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "faultline stats: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!path) {
            path = a;
        } else {
            fprintf(stderr, "faultline stats: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!path) {
        fprintf(stderr, "faultline stats: no database given\n");
        usage(stderr);
        return 2;
    }

    char err[512];
    struct report r = {.pid = pid};
    if (!(r.db = fl_db_open_readonly(path, err, sizeof(err)))) {
        fprintf(stderr, "faultline stats: %s\n", err);
        return 1;
    }
    struct symbol_sql *symbols = symbol_sql_define(r.db);
    if (!symbols) {
        fprintf(stderr, "faultline stats: %s\n", sqlite3_errmsg(r.db));
        sqlite3_close(r.db);
        return 1;
    }
    int rc = pick_run(&r, path, run);
    if (rc == 0) {
        header(&r, path);
        totals(&r);
        reclaim(&r);
        khugepaged(&r);
        if (r.total > 0 && !r.failed) {
            by_path(&r);
            by_vma(&r);
            struct stats_scan scan = {0};
            if (scan_faults(&r, &scan)) {
                hottest(&r, &scan, false, "The 10 hottest pages");
                hottest(&r, &scan, true, "The 10 hottest instructions");
                by_function(&r, &scan);
                if (!r.failed)
                    over_time(&scan);
            }
            stats_scan_free(&scan);
        }
        if (!r.failed)
            per_process(&r);
    }
    symbol_sql_end(symbols);
    sqlite3_close(r.db);
    return rc || r.failed || fflush(stdout) != 0 ? 1 : 0;
}
