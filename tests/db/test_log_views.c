/*
 * test_log_views.c - the analysis views on the fixture log (fixture.h), row by row, and the
 * one-line answers docs/schema.md gives to its example questions.
 *
 * usage: test_log_views SCRATCH_DIR
 */
#include <stdio.h>

#include "tests/db/fixture.h"
#include "tests/db/testlib.h"

/* All rows of a query, rows joined by ';', columns by ',' (NULL as NULL). */
static const char *rows(sqlite3 *db, const char *sql)
{
    static char out[8192];
    size_t n = 0;
    sqlite3_stmt *st;
    out[0] = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "rows: %s: %s\n", sql, sqlite3_errmsg(db));
        test_failures++;
        return "(error)";
    }
    for (int r = 0; sqlite3_step(st) == SQLITE_ROW && n < sizeof(out); r++)
        for (int i = 0; i < sqlite3_column_count(st) && n < sizeof(out); i++) {
            const char *t = (const char *)sqlite3_column_text(st, i);
            n += snprintf(out + n, sizeof(out) - n, "%s%s", i ? "," : r ? ";" : "", t ? t : "NULL");
        }
    sqlite3_finalize(st);
    return out;
}

static void check_fault_log(sqlite3 *db)
{
    CHECK_EQ_STR(rows(db, "SELECT ip, address, page, error_code, error_flags, mode, vma_start,"
                          " vma_end, vma_flags, pte_before, pte_after, pfn_before, pfn_after"
                          " FROM fault_log WHERE run_id = 1 AND seq IN (3, 5, 9) ORDER BY seq"),
                 "0x401020,0x7f0000001010,0x7f0000001000,0x7,PROT|WRITE|USER,user,"
                 "0x7f0000000000,0x7f0000010000,0x33,0x8000000000001225,0x800000000002a067,0x1,"
                 "0x2a;"
                 "0x401030,0x7ffffffde100,0x7ffffffde000,0x2,WRITE,kernel,0x7ffffffde000,"
                 "0x7ffffffff000,0x133,0x0,0x800000000002c067,NULL,0x2c;"
                 "0x401060,0xffffffff81000000,0xffffffff81000000,0x5,PROT|USER,user,NULL,NULL,"
                 "NULL,0x0,0x0,NULL,NULL");
}

static void check_counts(sqlite3 *db)
{
    CHECK_EQ_STR(rows(db, "SELECT handler, outcome, n, pct FROM handler_counts WHERE run_id = 1"),
                 "do_anonymous_page,minor,5,38.46;wp_page_copy,minor,2,15.38;"
                 "bad_area,sigsegv,1,7.69;bad_area_nosemaphore,sigsegv,1,7.69;"
                 "do_cow_fault,major,1,7.69;do_read_fault,major,1,7.69;"
                 "handle_pte_fault,spurious,1,7.69;wp_page_reuse,minor,1,7.69");
    CHECK_EQ_STR(rows(db, "SELECT handler, outcome, n, pct FROM handler_counts WHERE run_id = 2"),
                 "do_anonymous_page,minor,1,50.0;do_read_fault,major,1,50.0");
    CHECK_EQ_STR(rows(db, "SELECT path, n FROM path_counts WHERE run_id = 1 LIMIT 2"),
                 "do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_anonymous_page,5;"
                 "do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_wp_page>wp_page_copy,2");
}

static void check_vma_faults(sqlite3 *db)
{
    /* the stack grew between seq 5 and 12: one row with the widest range */
    CHECK_EQ_STR(rows(db, "SELECT pid, vma_start, vma_end, vma_perms, vma_file, n, minor, major,"
                          " failed, reads, writes, execs, cow, first_seq, last_seq"
                          " FROM vma_faults WHERE run_id = 1"),
                 "100,0x7f0000000000,0x7f0000010000,rw-p,[heap],6,5,0,0,2,4,0,2,2,13;"
                 "100,0x7ffffffdd000,0x7ffffffff000,rw-p,[stack],2,2,0,0,0,2,0,0,5,12;"
                 "100,0x400000,0x402000,r-xp,/usr/bin/demo,1,0,1,0,0,0,1,0,1,1;"
                 "100,0x7f1000000000,0x7f1000010000,rw-p,/usr/lib/libc.so.6,1,0,1,0,0,1,0,1,10,"
                 "10;"
                 "101,0x7f0000000000,0x7f0000010000,rw-p,[heap],1,1,0,0,0,1,0,1,6,6");
}

static void check_hot(sqlite3 *db)
{
    CHECK_EQ_STR(rows(db, "SELECT pid, page, n, reads, writes, execs, handlers, first_seq,"
                          " last_seq FROM hot_pages WHERE run_id = 1 LIMIT 2"),
                 "100,0x7f0000002000,3,0,3,0,do_anonymous_page,wp_page_reuse,handle_pte_fault,4,"
                 "13;100,0x7f0000001000,2,1,1,0,do_anonymous_page,wp_page_copy,2,3");
    CHECK_EQ_STR(rows(db, "SELECT pid, ip, n, pages, writes FROM hot_instructions"
                          " WHERE run_id = 1 LIMIT 1"),
                 "100,0x401020,3,2,3");
}

static void check_cow_and_zero(sqlite3 *db)
{
    CHECK_EQ_STR(rows(db, "SELECT seq, pid, handler, copied, from_zero_page, pfn_before,"
                          " pfn_after FROM cow_faults WHERE run_id = 1 ORDER BY seq"),
                 "3,100,wp_page_copy,1,1,0x1,0x2a;6,101,wp_page_copy,1,0,0x2b,0x2d;"
                 "7,100,wp_page_reuse,0,0,0x2b,0x2b;10,100,do_cow_fault,1,0,NULL,0x2e");
    /* seq 2 read the zero page and seq 3 wrote it; seq 11's page was never written */
    CHECK_EQ_STR(rows(db, "SELECT * FROM zero_page_reads_later_written"),
                 "1,100,0x7f0000001000,2,2000,0x401010,3,2100,0x401020,wp_page_copy");
}

static void check_summaries(sqlite3 *db)
{
    CHECK_EQ_STR(rows(db, "SELECT run_id, exe, status, exit_code, faults, faults_logged, minor,"
                          " major, signals, efault, killed, spurious, user_mode, kernel_mode,"
                          " processes FROM run_summary"),
                 "1,/usr/bin/demo,exited,0,13,13,8,2,2,0,0,1,12,1,2;"
                 "2,/usr/bin/demo2,unfinished,NULL,NULL,2,1,1,0,0,0,0,2,0,1");
    CHECK_EQ_STR(rows(db, "SELECT run_id, pid, ppid, faults, minor, major, signals, kernel_mode,"
                          " term_signal FROM process_summary"),
                 "1,100,1,11,7,2,1,1,0;1,101,100,2,1,0,1,0,11;2,200,1,2,1,1,0,0,NULL");
    CHECK_EQ_INT(sql_int(db, "SELECT run_id FROM latest_run"), 2);
}

/* The example questions of docs/schema.md, as written there. */
static void check_doc_questions(sqlite3 *db)
{
    CHECK_EQ_STR(rows(db, "SELECT vma_file, vma_start, vma_end, cow FROM vma_faults"
                          " WHERE run_id = 1 ORDER BY cow DESC LIMIT 1"),
                 "[heap],0x7f0000000000,0x7f0000010000,2");
    CHECK_EQ_STR(rows(db, "SELECT ip, n FROM hot_instructions WHERE run_id IN latest_run"
                          " LIMIT 1"),
                 "0x401000,2");
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM zero_page_reads_later_written"
                             " WHERE run_id = 1"),
                 1);
    CHECK_EQ_STR(rows(db, "SELECT count(*) FROM faults WHERE access = 'read' AND user = 0"), "0");
}

int main(int argc, char **argv)
{
    char path[4096], err[512];
    scratch_path(path, sizeof(path), argc > 1 ? argv[1] : ".", "views.db");
    remove_db(path);
    if (fixture_write(path, err, sizeof(err)) < 0) {
        fprintf(stderr, "fixture: %s\n", err);
        return 1;
    }
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    check_fault_log(db);
    check_counts(db);
    check_vma_faults(db);
    check_hot(db);
    check_cow_and_zero(db);
    check_summaries(db);
    check_doc_questions(db);
    sqlite3_close(db);
    return test_result("test_log_views");
}
