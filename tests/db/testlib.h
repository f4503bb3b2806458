/*
 * testlib.h - helpers for the fault log tests: checks, scratch paths, synthetic fault events,
 * one-value SQL queries. Header-only so each test is one .c file plus this.
 */
#ifndef FL_TESTS_DB_TESTLIB_H
#define FL_TESTS_DB_TESTLIB_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "kernel_model/mm.h"
#include "kernel_model/trace.h"

static int test_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a,    \
                    a_, #b, b_);                                                                   \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_)) {                                                        \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,      \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
            test_failures++;                                                                       \
        }                                                                                          \
    } while (0)

/* A fresh scratch directory for one test: TMPDIR_ROOT/name (removed files, kept dir). */
static inline void scratch_path(char *buf, size_t len, const char *dir, const char *file)
{
    mkdir(dir, 0777);
    if (snprintf(buf, len, "%s/%s", dir, file) >= (int)len)
        abort(); /* a scratch path longer than PATH_MAX: the build tree is too deep */
}

/* Remove a database and its WAL side files. */
static inline void remove_db(const char *path)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        char p[4096];
        snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
        unlink(p);
    }
}

/* One value of a query (the first column of the first row), as integer or text. */
static inline long long sql_int(sqlite3 *db, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    long long v = -999999;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql_int: %s: %s\n", sql, sqlite3_errmsg(db));
        test_failures++;
    } else {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_free(sql);
    return v;
}

/* Returns a static buffer: "(null)" for NULL, "(error)" when the query fails. */
static inline const char *sql_text(sqlite3 *db, const char *fmt, ...)
{
    static char out[4096];
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    sqlite3_stmt *st;
    snprintf(out, sizeof(out), "(error)");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sql_text: %s: %s\n", sql, sqlite3_errmsg(db));
        test_failures++;
    } else {
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(st, 0);
            snprintf(out, sizeof(out), "%s", t ? t : "(null)");
        }
        sqlite3_finalize(st);
    }
    sqlite3_free(sql);
    return out;
}

/* A path as the model records it: an array of static handler names. */
#define PATH(...) ((const char *[]){__VA_ARGS__, NULL})

/* The fields of a synthetic fault a test chooses; the rest are zero. */
struct ev_spec {
    uint64_t seq;
    int pid;
    uint64_t icount, ip, sp, address;
    unsigned error_code;
    uint64_t vma_start, vma_end;
    unsigned long vma_flags;
    uint64_t vma_pgoff;
    const char *vma_file;
    const char **path;
    unsigned vm_fault;
    enum fault_kind_outcome outcome;
    int signo, si_code;
    uint64_t pte_before, pte_after;
};

/*
 * Deliver spec to obs the way trace_fault_end() does. vma_file is copied into a scratch buffer
 * that is scribbled over after the callback, as the model's name buffers are: the log must
 * have copied it.
 */
static inline void deliver(struct fault_observer *obs, const struct ev_spec *s)
{
    char name[256];
    struct fault_event ev = {
        .seq = s->seq,
        .pid = s->pid,
        .icount = s->icount,
        .ip = s->ip,
        .sp = s->sp,
        .address = s->address,
        .error_code = s->error_code,
        .user = (s->error_code & X86_PF_USER) != 0,
        .vma_start = s->vma_start,
        .vma_end = s->vma_end,
        .vma_flags = s->vma_flags,
        .vma_pgoff = s->vma_pgoff,
        .vm_fault = s->vm_fault,
        .outcome = s->outcome,
        .signo = s->signo,
        .si_code = s->si_code,
        .pte_before = s->pte_before,
        .pte_after = s->pte_after,
    };
    if (s->vma_file) {
        snprintf(name, sizeof(name), "%s", s->vma_file);
        ev.vma_file = name;
    }
    for (int i = 0; s->path && s->path[i] && i < FAULT_PATH_MAX; i++)
        ev.path[ev.path_len++] = s->path[i];
    obs->on_fault(obs->ctx, &ev);
    memset(name, 'X', sizeof(name) - 1);
    name[sizeof(name) - 1] = 0;
}

/* fault_counts (kept by the writer) must equal a GROUP BY over the committed faults. */
static inline void check_fault_counts(sqlite3 *db)
{
    static const char recount[] =
        "SELECT fault_id >> 40, pid, coalesce(vma_id, 0), path_id, outcome, error_code & 22,"
        " count(*), min(fault_id) & 1099511627775, max(fault_id) & 1099511627775"
        " FROM raw_faults JOIN fault_classes USING (class_id) GROUP BY 1, 2, 3, 4, 5, 6";
    static const char kept[] = "SELECT run_id, pid, vma_id, path_id, outcome, kind, n,"
                               " first_seq, last_seq FROM fault_counts";
    long long a = sql_int(db, "SELECT count(*) FROM (%s EXCEPT %s)", kept, recount);
    long long b = sql_int(db, "SELECT count(*) FROM (%s EXCEPT %s)", recount, kept);
    if (a || b) {
        fprintf(stderr, "fault_counts disagrees with raw_faults: %lld extra, %lld missing\n", a, b);
        test_failures++;
    }
}

static inline int test_result(const char *name)
{
    if (test_failures)
        fprintf(stderr, "%s: %d check(s) failed\n", name, test_failures);
    else
        printf("%s: ok\n", name);
    return test_failures ? 1 : 0;
}

#endif
