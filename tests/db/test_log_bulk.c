/*
 * test_log_bulk.c - the writer under volume and over time: many chunks and transactions with
 * varied strings arrive intact; fl_log_flush makes rows visible to other connections at once;
 * an idle log commits on its own within a fraction of a second; two faultline processes can
 * log into one file at once; errors (a fault before any run, a duplicate sequence number) are
 * reported by fl_log_close, not lost.
 *
 * usage: test_log_bulk SCRATCH_DIR
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>

#include "db/log.h"
#include "tests/db/testlib.h"

#define BULK 300007 /* not a multiple of any batch size */

static const char **paths[] = {
    PATH("do_user_addr_fault", "handle_mm_fault", "handle_pte_fault", "do_anonymous_page"),
    PATH("do_user_addr_fault", "handle_mm_fault", "handle_pte_fault", "do_fault", "do_read_fault",
         "filemap_fault"),
    PATH("do_user_addr_fault", "bad_area"),
};

static struct ev_spec bulk_fault(uint64_t seq, char *file, size_t len)
{
    snprintf(file, len, "/lib/file%llu.so", (unsigned long long)(seq % 7));
    bool anon = seq % 5 == 0, novma = seq % 11 == 0;
    return (struct ev_spec){
        .seq = seq,
        .pid = 1 + (int)(seq % 3),
        .icount = seq * 3,
        .ip = 0x400000 + seq % 1000,
        .sp = 0x7ffffffde000,
        .address = 0x7f0000000000 + seq * 8,
        .error_code = X86_PF_USER | (seq & 1 ? X86_PF_WRITE : 0),
        .vma_start = novma ? 0 : 0x7f0000000000 + (seq % 13) * 0x10000,
        .vma_end = novma ? 0 : 0x7f0000000000 + (seq % 13 + 1) * 0x10000,
        .vma_flags = novma ? 0 : VM_READ | VM_WRITE,
        .vma_file = novma || anon ? NULL : file,
        .path = paths[seq % 3],
        .outcome = seq % 3 == 2 ? OUTCOME_SIGSEGV : OUTCOME_MINOR,
        .pte_after = seq << 12 | 1,
    };
}

static struct fl_log *open_with_run(const char *path, const char *exe)
{
    char err[512];
    remove_db(path);
    struct fl_log *log = fl_log_open(path, err, sizeof(err));
    CHECK(log != NULL);
    if (!log) {
        fprintf(stderr, "%s\n", err);
        exit(test_result("test_log_bulk"));
    }
    char *argv[] = {(char *)exe, NULL};
    struct fl_run_info ri = {.exe = exe, .argv = argv};
    CHECK_EQ_INT(fl_log_run_begin(log, &ri), 1);
    return log;
}

static void test_bulk(const char *path)
{
    char err[512], file[64];
    struct fl_log *log = open_with_run(path, "/bin/bulk");
    struct fault_observer *obs = fl_log_fault_observer(log);
    for (uint64_t seq = 1; seq <= BULK; seq++) {
        struct ev_spec s = bulk_fault(seq, file, sizeof(file));
        deliver(obs, &s);
        if (seq == BULK / 2) {
            /* everything so far is visible to another connection once flush returns */
            CHECK_EQ_INT(fl_log_flush(log), 0);
            sqlite3 *db;
            CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
            CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM raw_faults"), BULK / 2);
            check_fault_counts(db);
            sqlite3_close(db);
        }
    }
    fl_log_run_end(log, &(struct fl_run_end){.status = "exited", .faults = BULK});
    CHECK_EQ_INT(fl_log_close(log, err, sizeof(err)), 0);

    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults"), BULK);
    CHECK_EQ_INT(sql_int(db, "SELECT sum(seq) FROM faults"), (long long)BULK * (BULK + 1) / 2);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM files"), 7);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM paths"), 3);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE vma_start IS NULL"), BULK / 11);
    /* every row's strings and VMA are its own, not a neighbour's */
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE"
                             " vma_file IS NOT ('/lib/file' || (seq %% 7) || '.so')"
                             " AND seq %% 5 != 0 AND seq %% 11 != 0"),
                 0);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE seq %% 5 = 0 AND vma_file IS NOT"
                             " NULL"),
                 0);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE vma_start IS NOT NULL AND"
                             " vma_start != 0x7f0000000000 + (seq %% 13) * 0x10000"),
                 0);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE handler !="
                             " CASE seq %% 3 WHEN 0 THEN 'do_anonymous_page'"
                             " WHEN 1 THEN 'filemap_fault' ELSE 'bad_area' END"),
                 0);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE pid != 1 + seq %% 3 OR"
                             " icount != seq * 3 OR address != 0x7f0000000000 + seq * 8 OR"
                             " pfn_after != seq OR access != CASE WHEN seq & 1 THEN 'write'"
                             " ELSE 'read' END"),
                 0);
    CHECK_EQ_STR(sql_text(db, "SELECT status FROM runs"), "exited");
    check_fault_counts(db);
    /* the writer's virtual table lives on its connection only, never in the file */
    CHECK_EQ_INT(
        sql_int(db, "SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%%fl_fault_batch%%'"), 0);
    CHECK(sqlite3_exec(db, "SELECT * FROM fl_fault_batch", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
}

/* With no flush at all, a few faults reach the file within FL_TXN_MS-ish of going idle. */
static void test_idle_commit(const char *path)
{
    char err[512], file[64];
    struct fl_log *log = open_with_run(path, "/bin/idle");
    for (uint64_t seq = 1; seq <= 10; seq++) {
        struct ev_spec s = bulk_fault(seq, file, sizeof(file));
        deliver(fl_log_fault_observer(log), &s);
    }
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    long long seen = 0;
    for (int i = 0; i < 100 && seen < 10; i++) { /* up to 5 s on a loaded machine */
        usleep(50 * 1000);
        seen = sql_int(db, "SELECT count(*) FROM raw_faults");
    }
    CHECK_EQ_INT(seen, 10);
    sqlite3_close(db);
    CHECK_EQ_INT(fl_log_close(log, err, sizeof(err)), 0);
}

static void test_errors(const char *path)
{
    char err[512] = "", file[64];
    remove_db(path);
    struct fl_log *log = fl_log_open(path, err, sizeof(err));
    struct ev_spec s = bulk_fault(1, file, sizeof(file));
    deliver(fl_log_fault_observer(log), &s);
    CHECK_EQ_INT(fl_log_close(log, err, sizeof(err)), -1);
    CHECK(strstr(err, "before fl_log_run_begin") != NULL);

    /* a duplicate (run_id, seq) fails the insert; the error sticks and later faults are
     * counted as not logged */
    log = open_with_run(path, "/bin/dup");
    for (int i = 0; i < 3; i++)
        deliver(fl_log_fault_observer(log), &s);
    CHECK_EQ_INT(fl_log_flush(log), -1);
    deliver(fl_log_fault_observer(log), &s);
    CHECK_EQ_INT(fl_log_close(log, err, sizeof(err)), -1);
    CHECK(strstr(err, "UNIQUE constraint failed") != NULL);
    CHECK(strstr(err, "faults not logged") != NULL);
    /* a failed statement inserted none of its rows, and none were counted: only the first
     * fault can be in the file (when an idle tick took it alone) */
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(sql_int(db, "SELECT count(*) FROM raw_faults") <= 1);
    check_fault_counts(db);
    sqlite3_close(db);
}

/* Two processes write one log concurrently: both runs complete, strings are shared. */
static void test_two_writers(const char *path)
{
    enum { EACH = 50000 };
    remove_db(path);
    for (int k = 0; k < 2; k++) {
        if (fork() == 0) {
            char err[512], file[64];
            struct fl_log *log = fl_log_open(path, err, sizeof(err));
            if (!log)
                _exit(1);
            char *argv[] = {"writer", NULL};
            struct fl_run_info ri = {.exe = "/bin/writer", .argv = argv};
            if (fl_log_run_begin(log, &ri) <= 0)
                _exit(2);
            for (uint64_t seq = 1; seq <= EACH; seq++) {
                struct ev_spec s = bulk_fault(seq, file, sizeof(file));
                deliver(fl_log_fault_observer(log), &s);
            }
            fl_log_run_end(log, &(struct fl_run_end){.status = "exited", .faults = EACH});
            _exit(fl_log_close(log, err, sizeof(err)) ? 3 : 0);
        }
    }
    int status;
    while (wait(&status) > 0)
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK_EQ_STR(sql_text(db, "SELECT group_concat(run_id || ':' || status || ':' ||"
                              " faults_logged) FROM run_summary"),
                 "1:exited:50000,2:exited:50000");
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM files"), 7);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM paths"), 3);
    check_fault_counts(db);
    sqlite3_close(db);
}

/* Two logs on one file commit in turns, so each transaction of one run starts after rows of the
 * other: every row still keeps its own run and seq (the writer appends with an implicit key only
 * when that key is the next one after the table's last row). */
static void test_alternating_writers(const char *path)
{
    enum { EACH = 20000, TURN = 1000 };
    char err[512], file[64];
    struct fl_log *a = open_with_run(path, "/bin/a"), *b = fl_log_open(path, err, sizeof(err));
    CHECK(b != NULL);
    if (!b) {
        fprintf(stderr, "%s\n", err);
        exit(test_result("test_log_bulk"));
    }
    char *argv[] = {"b", NULL};
    CHECK_EQ_INT(fl_log_run_begin(b, &(struct fl_run_info){.exe = "/bin/b", .argv = argv}), 2);
    for (uint64_t seq = 1; seq <= EACH; seq++) {
        struct ev_spec s = bulk_fault(seq, file, sizeof(file));
        deliver(fl_log_fault_observer(a), &s);
        deliver(fl_log_fault_observer(b), &s);
        if (seq % TURN == 0) {
            CHECK_EQ_INT(fl_log_flush(a), 0);
            CHECK_EQ_INT(fl_log_flush(b), 0);
        }
    }
    CHECK_EQ_INT(fl_log_close(a, err, sizeof(err)), 0);
    CHECK_EQ_INT(fl_log_close(b, err, sizeof(err)), 0);
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE run_id IN (1, 2) AND seq"
                             " BETWEEN 1 AND 20000 AND icount = seq * 3"
                             " AND address = 0x7f0000000000 + seq * 8"),
                 2 * EACH);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults"), 2 * EACH);
    check_fault_counts(db);
    sqlite3_close(db);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    char path[4096];
    scratch_path(path, sizeof(path), dir, "bulk.db");
    test_bulk(path);
    scratch_path(path, sizeof(path), dir, "idle.db");
    test_idle_commit(path);
    scratch_path(path, sizeof(path), dir, "errors.db");
    test_errors(path);
    scratch_path(path, sizeof(path), dir, "two.db");
    test_two_writers(path);
    scratch_path(path, sizeof(path), dir, "turns.db");
    test_alternating_writers(path);
    return test_result("test_log_bulk");
}
