/*
 * test_log_open.c - what fl_log_open and fl_db_open_readonly accept and refuse: a new file, an
 * empty file, an existing log (runs append), and, each with one line of explanation, a foreign
 * SQLite database (left untouched), a newer schema, a text file, an unwritable path, a log
 * another process holds locked.
 *
 * usage: test_log_open SCRATCH_DIR
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>

#include "db/log.h"
#include "db/reader.h"
#include "tests/db/fixture.h"
#include "tests/db/testlib.h"

static char dir[4096];

static const char *path_of(const char *name)
{
    static char p[4][4096];
    static int k;
    k = (k + 1) % 4;
    scratch_path(p[k], sizeof(p[k]), dir, name);
    return p[k];
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
}

/* fl_log_open must fail with a message containing `want`. */
static void expect_refused(const char *path, const char *want)
{
    char err[512] = "";
    struct fl_log *log = fl_log_open(path, err, sizeof(err));
    CHECK(log == NULL);
    if (log)
        fl_log_close(log, err, sizeof(err));
    if (!strstr(err, want)) {
        fprintf(stderr, "fl_log_open(%s): \"%s\" lacks \"%s\"\n", path, err, want);
        test_failures++;
    }
    CHECK(!strchr(err, '\n'));
}

static void expect_reader_refused(const char *path, const char *want)
{
    char err[512] = "";
    sqlite3 *db = fl_db_open_readonly(path, err, sizeof(err));
    CHECK(db == NULL);
    sqlite3_close(db);
    if (!strstr(err, want)) {
        fprintf(stderr, "fl_db_open_readonly(%s): \"%s\" lacks \"%s\"\n", path, err, want);
        test_failures++;
    }
}

static void test_new_and_reopen(void)
{
    char err[512];
    const char *p = path_of("fixture.db");
    remove_db(p);
    CHECK(fixture_write(p, err, sizeof(err)) == 0);

    /* an existing log takes another run, numbered after the others */
    struct fl_log *log = fl_log_open(p, err, sizeof(err));
    CHECK(log != NULL);
    if (log) {
        char *argv[] = {"again", NULL};
        struct fl_run_info ri = {.exe = "/bin/again", .argv = argv};
        CHECK_EQ_INT(fl_log_run_begin(log, &ri), 3);
        CHECK_EQ_INT(fl_log_close(log, err, sizeof(err)), 0);
    }
    sqlite3 *db = fl_db_open_readonly(p, err, sizeof(err));
    CHECK(db != NULL);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM runs"), 3);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults"),
                 FIXTURE_RUN1_FAULTS + FIXTURE_RUN2_FAULTS);
    /* a query-only connection cannot write, whatever it is asked */
    CHECK(sqlite3_exec(db, "DELETE FROM runs", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);

    /* a zero-byte file is an empty database: it becomes a log */
    const char *empty = path_of("empty.db");
    remove_db(empty);
    close(open(empty, O_CREAT | O_WRONLY, 0644));
    expect_reader_refused(empty, "not a faultline log (empty database)");
    log = fl_log_open(empty, err, sizeof(err));
    CHECK(log != NULL);
    CHECK_EQ_INT(fl_log_close(log, err, sizeof(err)), 0);
}

static void test_refusals(void)
{
    /* another application's database is refused and left exactly as it was */
    const char *foreign = path_of("foreign.db");
    remove_db(foreign);
    exec_sql(foreign, "CREATE TABLE t(x); INSERT INTO t VALUES(42);");
    expect_refused(foreign, "not a faultline log");
    expect_reader_refused(foreign, "not a faultline log");
    sqlite3 *db;
    CHECK(sqlite3_open(foreign, &db) == SQLITE_OK);
    CHECK_EQ_STR(sql_text(db, "PRAGMA journal_mode"), "delete");
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM sqlite_schema"), 1);
    CHECK_EQ_INT(sql_int(db, "SELECT x FROM t"), 42);
    sqlite3_close(db);

    /* a SQLite file with a meta table but not ours */
    const char *meta = path_of("meta.db");
    remove_db(meta);
    exec_sql(meta, "CREATE TABLE meta(key, value); PRAGMA application_id = 1718383724;");
    expect_refused(meta, "not a faultline log");

    /* a log written by a newer faultline */
    char err[512];
    const char *newer = path_of("newer.db");
    remove_db(newer);
    CHECK(fixture_write(newer, err, sizeof(err)) == 0);
    exec_sql(newer, "UPDATE meta SET value = '4' WHERE key = 'schema_version'");
    expect_refused(newer, "schema version 4 is newer than this faultline supports (3)");
    expect_reader_refused(newer, "schema version 4 is newer");

    /* a log with a view named like the writer's virtual table, which it would hide; readers
     * do not mind */
    const char *shadow = path_of("shadow.db");
    remove_db(shadow);
    CHECK(fixture_write(shadow, err, sizeof(err)) == 0);
    exec_sql(shadow, "CREATE VIEW FL_Fault_Batch AS SELECT 1");
    expect_refused(shadow, "a table or view named fl_fault_batch");
    sqlite3 *rdb = fl_db_open_readonly(shadow, err, sizeof(err));
    CHECK(rdb != NULL);
    sqlite3_close(rdb);

    const char *text = path_of("notes.txt");
    FILE *f = fopen(text, "w");
    fputs("these are not the pages you are looking for\n", f);
    fclose(f);
    expect_refused(text, "not a database");
    expect_reader_refused(text, "not a SQLite database");

    expect_refused("/nonexistent-dir/log.db", "unable to open");
    expect_refused(dir, "unable to open"); /* a directory */
    expect_reader_refused(path_of("missing.db"), "no such file");
    expect_reader_refused(dir, "is a directory");
    if (geteuid() != 0) { /* root writes anywhere */
        const char *ro = path_of("readonly.db");
        remove_db(ro);
        CHECK(fixture_write(ro, err, sizeof(err)) == 0);
        chmod(ro, 0444);
        expect_refused(ro, "not writable");
    }
}

/* Fork a process that runs `sql` (a lock) on path and holds it until *release is closed. */
static pid_t hold_lock(const char *path, const char *sql, int *release)
{
    int ready[2], hold[2];
    CHECK(pipe(ready) == 0 && pipe(hold) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        sqlite3 *db;
        char c;
        close(ready[0]);
        close(hold[1]);
        if (sqlite3_open(path, &db) != SQLITE_OK ||
            sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        while (read(hold[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(ready[1]);
    close(hold[0]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    close(ready[0]);
    *release = hold[1];
    return pid;
}

static void release_lock(pid_t pid, int release)
{
    int status;
    close(release);
    CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_locked(void)
{
    char err[512];
    const char *p = path_of("locked.db");
    remove_db(p);
    CHECK(fixture_write(p, err, sizeof(err)) == 0);

    int release;
    pid_t pid = hold_lock(p, "BEGIN EXCLUSIVE", &release);
    time_t t0 = time(NULL);
    expect_refused(p, "database is locked");
    CHECK(time(NULL) - t0 < 10); /* refused after a short wait, not hung */
    /* a WAL log stays readable while another process writes it */
    sqlite3 *db = fl_db_open_readonly(p, err, sizeof(err));
    CHECK(db != NULL);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE run_id = 1"), FIXTURE_RUN1_FAULTS);
    sqlite3_close(db);
    release_lock(pid, release);

    /* a rollback-journal database under an exclusive lock cannot even be read */
    const char *rb = path_of("rollback.db");
    remove_db(rb);
    CHECK(fixture_write(rb, err, sizeof(err)) == 0);
    exec_sql(rb, "PRAGMA journal_mode = DELETE");
    pid = hold_lock(rb, "BEGIN EXCLUSIVE; DELETE FROM runs WHERE run_id = 0", &release);
    expect_reader_refused(rb, "database is locked");
    expect_refused(rb, "database is locked");
    release_lock(pid, release);
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof(dir), "%s", argc > 1 ? argv[1] : ".");
    mkdir(dir, 0777);
    test_new_and_reopen();
    test_refusals();
    test_locked();
    return test_result("test_log_open");
}
