/*
 * test_log_upgrade.c - a log of schema version 1 (tests/db/data/log_v1.sql: the fixture log as
 * the faultline of 2026-11-22..12-06 wrote it) is read as it is, upgraded to the current
 * version by the writer without losing or changing a fault, and left untouched when the
 * upgrade cannot complete.
 *
 * usage: test_log_upgrade SCRATCH_DIR LOG_V1_SQL
 */
#include <stdio.h>
#include <stdlib.h>

#include "db/log.h"
#include "db/reader.h"
#include "db/schema.h"
#include "tests/db/fixture.h"
#include "tests/db/testlib.h"

/* Every row of a query as text (columns ',' rows '\n', NULL as NULL); sqlite3_free() it. */
static char *dump(sqlite3 *db, const char *sql)
{
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "dump: %s: %s\n", sql, sqlite3_errmsg(db));
        test_failures++;
        sqlite3_str_appendall(s, "(error)");
        return sqlite3_str_finish(s);
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            sqlite3_str_appendf(s, "%s%s", i ? "," : "", t ? t : "NULL");
        }
        sqlite3_str_appendall(s, "\n");
    }
    sqlite3_finalize(st);
    return sqlite3_str_finish(s);
}

/* What a user reads from a log: every view a run's analysis uses, minus wall-clock stamps. */
static const char *const questions[] = {
    "SELECT * FROM fault_log ORDER BY run_id, seq",
    "SELECT * FROM handler_counts",
    "SELECT * FROM path_counts",
    "SELECT * FROM vma_faults",
    "SELECT * FROM hot_pages",
    "SELECT * FROM hot_instructions",
    "SELECT * FROM cow_faults",
    "SELECT * FROM zero_page_reads_later_written",
    "SELECT run_id, exe, argv, status, exit_code, faults, faults_logged, minor, major, signals,"
    " efault, killed, spurious, user_mode, kernel_mode, processes FROM run_summary",
    "SELECT * FROM process_summary",
    "SELECT count(*), min(fault_id), max(fault_id) FROM faults",
};
#define NQ (sizeof(questions) / sizeof(questions[0]))

static void answers(sqlite3 *db, char *out[NQ])
{
    for (size_t i = 0; i < NQ; i++)
        out[i] = dump(db, questions[i]);
}

static void expect_same(char *const a[NQ], char *const b[NQ], const char *what)
{
    for (size_t i = 0; i < NQ; i++) {
        if (strcmp(a[i], b[i])) {
            fprintf(stderr, "%s: %s differs:\n--- before\n%s--- after\n%s", what, questions[i],
                    a[i], b[i]);
            test_failures++;
        }
    }
}

static void free_answers(char *a[NQ])
{
    for (size_t i = 0; i < NQ; i++)
        sqlite3_free(a[i]);
}

/* A new file from the version 1 dump. */
static void load_v1(const char *path, const char *sql)
{
    sqlite3 *db;
    remove_db(path);
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "loading the version 1 log: %s\n", sqlite3_errmsg(db));
        test_failures++;
    }
    sqlite3_close(db);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
        buf[n] = 0;
    else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    char err[512], path[4096], fresh[4096], blocked[4096];
    if (argc != 3) {
        fprintf(stderr, "usage: test_log_upgrade SCRATCH_DIR LOG_V1_SQL\n");
        return 2;
    }
    char *v1_sql = read_file(argv[2]);
    if (!v1_sql) {
        fprintf(stderr, "test_log_upgrade: cannot read %s\n", argv[2]);
        return 1;
    }
    mkdir(argv[1], 0755);
    scratch_path(path, sizeof(path), argv[1], "v1.db");
    scratch_path(fresh, sizeof(fresh), argv[1], "fresh.db");
    scratch_path(blocked, sizeof(blocked), argv[1], "blocked.db");

    /* A version 1 log is read as it is: readers do not write. */
    load_v1(path, v1_sql);
    char *before[NQ], *after[NQ], *current[NQ];
    sqlite3 *db = fl_db_open_readonly(path, err, sizeof(err));
    CHECK(db != NULL);
    if (!db) {
        fprintf(stderr, "reading the version 1 log: %s\n", err);
        return test_result("test_log_upgrade");
    }
    CHECK_EQ_INT(sql_int(db, "PRAGMA user_version"), 1);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults"),
                 FIXTURE_RUN1_FAULTS + FIXTURE_RUN2_FAULTS);
    answers(db, before);
    sqlite3_close(db);

    /* The writer upgrades it, in the transaction that opens it. */
    struct fl_log *log = fl_log_open(path, err, sizeof(err));
    CHECK(log != NULL);
    if (!log)
        fprintf(stderr, "fl_log_open(version 1 log): %s\n", err);
    else
        CHECK(fl_log_close(log, err, sizeof(err)) == 0);
    db = fl_db_open_readonly(path, err, sizeof(err));
    CHECK(db != NULL);
    if (!db)
        return test_result("test_log_upgrade");
    CHECK_EQ_INT(sql_int(db, "PRAGMA user_version"), FL_SCHEMA_VERSION);
    CHECK_EQ_STR(sql_text(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "3");
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM pragma_table_info('raw_faults')"), 8);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM pragma_table_info('kernel_log')"), 7);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'raw_faults_v1'"), 0);
    /* 14 distinct classes among the 15 faults (the two zero-page reads of seq 2 and 11 share
     * one), numbered in the order of their first fault. */
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM fault_classes"), 14);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM (SELECT class_id, min(fault_id) AS f"
                             " FROM raw_faults GROUP BY class_id)"
                             " WHERE class_id != (SELECT count(DISTINCT class_id) FROM raw_faults r"
                             " WHERE r.fault_id <= f)"),
                 0);
    check_fault_counts(db);
    answers(db, after);
    expect_same(before, after, "upgraded log");
    sqlite3_close(db);

    /* And reads exactly as the same log written by this faultline does. */
    remove_db(fresh);
    CHECK(fixture_write(fresh, err, sizeof(err)) == 0);
    db = fl_db_open_readonly(fresh, err, sizeof(err));
    CHECK(db != NULL);
    if (db) {
        answers(db, current);
        expect_same(after, current, "upgraded log against a new one");
        free_answers(current);
        sqlite3_close(db);
    }

    /* The upgraded log takes more runs. */
    log = fl_log_open(path, err, sizeof(err));
    CHECK(log != NULL);
    if (log) {
        struct fl_run_info ri = {.exe = "/bin/true"};
        CHECK_EQ_INT(fl_log_run_begin(log, &ri), 3);
        struct ev_spec s = {.seq = 1,
                            .pid = 300,
                            .address = 0x1000,
                            .ip = 0x401000,
                            .error_code = X86_PF_USER | X86_PF_WRITE,
                            .outcome = OUTCOME_MINOR,
                            .path = PATH("do_anonymous_page")};
        deliver(fl_log_fault_observer(log), &s);
        CHECK(fl_log_close(log, err, sizeof(err)) == 0);
    }
    db = fl_db_open_readonly(path, err, sizeof(err));
    if (db) {
        CHECK_EQ_STR(sql_text(db, "SELECT handler || ' ' || pid || ' ' || page FROM faults"
                                  " WHERE run_id = 3"),
                     "do_anonymous_page 300 4096");
        check_fault_counts(db);
        sqlite3_close(db);
    }

    /* A version 2 log (version 3 without kernel_log) is read as it is, and the writer adds
     * the table; its faults are as they were. */
    char v2[4096];
    scratch_path(v2, sizeof(v2), argv[1], "v2.db");
    remove_db(v2);
    CHECK(fixture_write(v2, err, sizeof(err)) == 0);
    CHECK(sqlite3_open(v2, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db,
                       "DROP TABLE kernel_log; PRAGMA user_version = 2;"
                       " UPDATE meta SET value = '2' WHERE key = 'schema_version'",
                       NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    db = fl_db_open_readonly(v2, err, sizeof(err));
    CHECK(db != NULL);
    if (db) {
        CHECK_EQ_INT(sql_int(db, "PRAGMA user_version"), 2);
        answers(db, current);
        sqlite3_close(db);
        log = fl_log_open(v2, err, sizeof(err));
        CHECK(log != NULL);
        if (!log)
            fprintf(stderr, "fl_log_open(version 2 log): %s\n", err);
        else
            CHECK(fl_log_close(log, err, sizeof(err)) == 0);
        db = fl_db_open_readonly(v2, err, sizeof(err));
        CHECK(db != NULL);
        if (db) {
            CHECK_EQ_INT(sql_int(db, "PRAGMA user_version"), FL_SCHEMA_VERSION);
            CHECK_EQ_STR(sql_text(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "3");
            CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM pragma_table_info('kernel_log')"), 7);
            char *v3[NQ];
            answers(db, v3);
            expect_same(current, v3, "log upgraded from version 2");
            free_answers(v3);
            sqlite3_close(db);
        }
        free_answers(current);
    }

    /* An upgrade that cannot finish leaves the file as it was and says why. */
    load_v1(blocked, v1_sql);
    CHECK(sqlite3_open(blocked, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "CREATE TABLE fault_classes(x)", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    err[0] = 0;
    log = fl_log_open(blocked, err, sizeof(err));
    CHECK(log == NULL);
    if (log)
        fl_log_close(log, err, sizeof(err));
    if (!strstr(err, "upgrading the log from schema version 1: table fault_classes already "
                     "exists")) {
        fprintf(stderr, "blocked upgrade: \"%s\"\n", err);
        test_failures++;
    }
    db = fl_db_open_readonly(blocked, err, sizeof(err));
    CHECK(db != NULL);
    if (db) {
        CHECK_EQ_INT(sql_int(db, "PRAGMA user_version"), 1);
        answers(db, current);
        expect_same(before, current, "log after a failed upgrade");
        free_answers(current);
        sqlite3_close(db);
    }

    free_answers(before);
    free_answers(after);
    free(v1_sql);
    return test_result("test_log_upgrade");
}
