/*
 * test_log_kill.c - a faultline killed part-way (SIGKILL, no chance to clean up) leaves a
 * readable log: every committed fault is there, the run still says 'running' and the views
 * call it unfinished, and the next faultline can append to the same log.
 *
 * The child logs N faults, waits for them to be committed (fl_log_flush), tells the parent,
 * keeps logging into an open transaction, and is killed with SIGKILL mid-write.
 *
 * usage: test_log_kill SCRATCH_DIR
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include "db/log.h"
#include "db/reader.h"
#include "tests/db/testlib.h"

#define COMMITTED 50000

static const char **heap_path =
    PATH("do_user_addr_fault", "handle_mm_fault", "handle_pte_fault", "do_anonymous_page");

static struct ev_spec fault(uint64_t seq)
{
    return (struct ev_spec){
        .seq = seq,
        .pid = 1,
        .icount = seq * 10,
        .ip = 0x401000,
        .address = 0x7f0000000000 + seq * 4096,
        .error_code = X86_PF_USER | X86_PF_WRITE,
        .vma_start = 0x7f0000000000,
        .vma_end = 0x7f1000000000,
        .vma_flags = VM_READ | VM_WRITE,
        .vma_file = "[heap]",
        .path = heap_path,
        .vm_fault = VM_FAULT_WRITE,
        .outcome = OUTCOME_MINOR,
        .pte_after = (seq << 12) | 0x67,
    };
}

static void child(const char *path, int ready)
{
    char err[512];
    struct fl_log *log = fl_log_open(path, err, sizeof(err));
    if (!log)
        _exit(2);
    char *argv[] = {"victim", NULL};
    struct fl_run_info ri = {.exe = "/bin/victim", .argv = argv};
    if (fl_log_run_begin(log, &ri) != 1)
        _exit(3);
    fl_log_process_start(log, 1, 0, "/bin/victim", argv);
    struct fault_observer *obs = fl_log_fault_observer(log);
    uint64_t seq = 1;
    for (; seq <= COMMITTED; seq++) {
        struct ev_spec s = fault(seq);
        deliver(obs, &s);
    }
    if (fl_log_flush(log) < 0 || write(ready, "x", 1) != 1)
        _exit(4);
    /* keep the writer busy until the parent's SIGKILL lands mid-transaction */
    for (;; seq++) {
        struct ev_spec s = fault(seq);
        deliver(obs, &s);
    }
}

int main(int argc, char **argv)
{
    char path[4096], err[512];
    scratch_path(path, sizeof(path), argc > 1 ? argv[1] : ".", "killed.db");
    remove_db(path);

    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        child(path, ready[1]);
    }
    close(ready[1]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    usleep(50 * 1000); /* let it write some uncommitted pages */
    kill(pid, SIGKILL);
    int status;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    /* the log opens read-only like any other, with the committed faults in order */
    sqlite3 *db = fl_db_open_readonly(path, err, sizeof(err));
    CHECK(db != NULL);
    if (!db) {
        fprintf(stderr, "%s\n", err);
        return test_result("test_log_kill");
    }
    CHECK_EQ_STR(sql_text(db, "PRAGMA quick_check"), "ok");
    long long n = sql_int(db, "SELECT count(*) FROM faults WHERE run_id = 1");
    CHECK(n >= COMMITTED);
    CHECK_EQ_INT(sql_int(db, "SELECT max(seq) FROM faults WHERE run_id = 1"), n);
    CHECK_EQ_INT(sql_int(db,
                         "SELECT count(*) FROM faults WHERE run_id = 1 AND seq <= %d AND"
                         " handler = 'do_anonymous_page' AND vma_file = '[heap]'",
                         COMMITTED),
                 COMMITTED);
    CHECK_EQ_STR(sql_text(db, "SELECT status FROM runs WHERE run_id = 1"), "running");
    CHECK_EQ_STR(sql_text(db, "SELECT finished_at IS NULL FROM runs WHERE run_id = 1"), "1");
    CHECK_EQ_STR(sql_text(db, "SELECT status FROM run_summary WHERE run_id = 1"), "unfinished");
    CHECK_EQ_INT(sql_int(db, "SELECT faults_logged FROM run_summary WHERE run_id = 1"), n);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM processes WHERE run_id = 1"), 1);
    check_fault_counts(db); /* committed with the faults, also when killed */
    sqlite3_close(db);

    /* the next faultline appends its run to the same log */
    struct fl_log *log = fl_log_open(path, err, sizeof(err));
    CHECK(log != NULL);
    if (log) {
        char *av[] = {"next", NULL};
        struct fl_run_info ri = {.exe = "/bin/next", .argv = av};
        CHECK_EQ_INT(fl_log_run_begin(log, &ri), 2);
        struct ev_spec s = fault(1);
        deliver(fl_log_fault_observer(log), &s);
        fl_log_run_end(log, &(struct fl_run_end){.status = "exited", .faults = 1});
        CHECK_EQ_INT(fl_log_close(log, err, sizeof(err)), 0);
    }
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK_EQ_STR(sql_text(db, "SELECT group_concat(status) FROM run_summary"), "unfinished,exited");
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE run_id = 2"), 1);
    check_fault_counts(db);
    sqlite3_close(db);
    return test_result("test_log_kill");
}
