/*
 * test_log_roundtrip.c - the fixture log (fixture.h) read back with the plain SQLite API:
 * identification marks, every column of every runs, processes and faults row, exactly.
 *
 * usage: test_log_roundtrip SCRATCH_DIR
 */
#include <stdio.h>

#include "db/schema.h"
#include "tests/db/fixture.h"
#include "tests/db/testlib.h"

/* Every column of the faults view, in the order of the schema's documentation. */
static const char fault_columns[] =
    "run_id, seq, pid, icount, ip, sp, address, page, error_code, access, user, prot, vma_start,"
    " vma_end, vma_perms, vma_flags, vma_pgoff, vma_file, path, handler, vm_fault,"
    " vm_fault_flags, outcome, signo, si_code, pte_before, pte_after, pfn_before, pfn_after";

/* Run 1's faults, one line per row, columns joined by ',' (NULL as NULL). Computed by hand
 * from the fixture's PTE and address constants; kernel addresses and PTEs with NX set are
 * negative (SQLite integers are signed 64-bit). */
static const char *const expected_run1[FIXTURE_RUN1_FAULTS] = {
    "1,1,100,1000,4198400,140737488216064,4198400,4198400,20,exec,1,0,4194304,4202496,r-xp,85,0,/"
    "usr/bin/"
    "demo,do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_fault>do_read_fault,do_read_fault,"
    "4,MAJOR,major,0,0,0,65573,NULL,16",
    "1,2,100,2000,4198416,140737488216064,139637976731656,139637976731648,4,read,1,0,"
    "139637976727552,139637976793088,rw-p,51,0,[heap],do_user_addr_fault>handle_mm_fault>handle_"
    "pte_fault>do_anonymous_page,do_anonymous_page,0,,minor,0,0,0,-9223372036854771163,NULL,1",
    "1,3,100,2100,4198432,140737488216064,139637976731664,139637976731648,7,write,1,1,"
    "139637976727552,139637976793088,rw-p,51,0,[heap],do_user_addr_fault>handle_mm_fault>handle_"
    "pte_fault>do_wp_page>wp_page_copy,wp_page_copy,8,WRITE,minor,0,0,-9223372036854771163,-"
    "9223372036854603673,1,42",
    "1,4,100,2200,4198432,140737488216064,139637976735744,139637976735744,6,write,1,0,"
    "139637976727552,139637976793088,rw-p,51,0,[heap],do_user_addr_fault>handle_mm_fault>handle_"
    "pte_fault>do_anonymous_page,do_anonymous_page,8,WRITE,minor,0,0,0,-9223372036854599577,NULL,"
    "43",
    "1,5,100,3000,4198448,140737488216064,140737488216320,140737488216064,2,write,0,0,"
    "140737488216064,140737488351232,rw-p,307,0,[stack],do_user_addr_fault>handle_mm_fault>handle_"
    "pte_fault>do_anonymous_page,do_anonymous_page,8,WRITE,minor,0,0,0,-9223372036854595481,NULL,"
    "44",
    "1,6,101,500,4198464,140737488216064,139637976735752,139637976735744,7,write,1,1,"
    "139637976727552,139637976793088,rw-p,51,0,[heap],do_user_addr_fault>handle_mm_fault>handle_"
    "pte_fault>do_wp_page>wp_page_copy,wp_page_copy,8,WRITE,minor,0,0,-9223372036854599643,-"
    "9223372036854591385,43,45",
    "1,7,100,3500,4198464,140737488216064,139637976735760,139637976735744,7,write,1,1,"
    "139637976727552,139637976793088,rw-p,51,0,[heap],do_user_addr_fault>handle_mm_fault>handle_"
    "pte_fault>do_wp_page>wp_page_reuse,wp_page_reuse,8,WRITE,minor,0,0,-9223372036854599643,-"
    "9223372036854599577,43,43",
    "1,8,101,600,4198480,140737488216064,0,0,4,read,1,0,NULL,NULL,NULL,NULL,NULL,NULL,do_user_addr_"
    "fault>bad_area,bad_area,0,,sigsegv,11,1,0,0,NULL,NULL",
    "1,9,100,4000,4198496,140737488216064,-2130706432,-2130706432,5,read,1,1,NULL,NULL,NULL,NULL,"
    "NULL,NULL,do_kern_addr_fault>bad_area_nosemaphore,bad_area_nosemaphore,0,,sigsegv,11,1,0,0,"
    "NULL,NULL",
    "1,10,100,5000,4198512,140737488216064,139706696216576,139706696216576,6,write,1,0,"
    "139706696204288,139706696269824,rw-p,115,16,/usr/lib/"
    "libc.so.6,do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_fault>do_cow_fault,do_cow_"
    "fault,12,MAJOR|WRITE,major,0,0,0,-9223372036854587289,NULL,46",
    "1,11,100,5100,4198528,140737488216064,139637976739840,139637976739840,4,read,1,0,"
    "139637976727552,139637976793088,rw-p,51,0,[heap],do_user_addr_fault>handle_mm_fault>handle_"
    "pte_fault>do_anonymous_page,do_anonymous_page,0,,minor,0,0,0,-9223372036854771163,NULL,1",
    "1,12,100,6000,4198544,140737488211968,140737488211976,140737488211968,6,write,1,0,"
    "140737488211968,140737488351232,rw-p,307,0,[stack],do_user_addr_fault>handle_mm_fault>handle_"
    "pte_fault>do_anonymous_page,do_anonymous_page,8,WRITE,minor,0,0,0,-9223372036854583193,NULL,"
    "47",
    "1,13,100,6100,4198432,140737488216064,139637976735744,139637976735744,6,write,1,0,"
    "139637976727552,139637976793088,rw-p,51,0,[heap],do_user_addr_fault>handle_mm_fault>handle_"
    "pte_fault,handle_pte_fault,0,,spurious,0,0,-9223372036854599577,-9223372036854599577,43,43",
};

/* Join the columns of the current row of st with ',' into buf. */
static void row_text(sqlite3_stmt *st, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < sqlite3_column_count(st) && n < len; i++) {
        const char *t = (const char *)sqlite3_column_text(st, i);
        n += snprintf(buf + n, len - n, "%s%s", i ? "," : "", t ? t : "NULL");
    }
}

static void check_faults(sqlite3 *db)
{
    char *sql =
        sqlite3_mprintf("SELECT %s FROM faults WHERE run_id = 1 ORDER BY seq", fault_columns);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    int i = 0;
    char row[2048];
    while (st && sqlite3_step(st) == SQLITE_ROW) {
        row_text(st, row, sizeof(row));
        if (i < FIXTURE_RUN1_FAULTS)
            CHECK_EQ_STR(row, expected_run1[i]);
        i++;
    }
    CHECK_EQ_INT(i, FIXTURE_RUN1_FAULTS);
    sqlite3_finalize(st);
    sqlite3_free(sql);

    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults WHERE run_id = 2"), FIXTURE_RUN2_FAULTS);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM faults"),
                 FIXTURE_RUN1_FAULTS + FIXTURE_RUN2_FAULTS);
    /* (run_id, seq) is the key: fault_id encodes it */
    CHECK_EQ_INT(sql_int(db, "SELECT fault_id FROM faults WHERE run_id = 2 AND seq = 2"),
                 FL_FAULT_ID(2, 2));
    CHECK_EQ_INT(sql_int(db, "SELECT count(DISTINCT run_id || '.' || seq) FROM faults"),
                 FIXTURE_RUN1_FAULTS + FIXTURE_RUN2_FAULTS);
    /* each distinct string is stored once */
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM files"), 4);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM paths"), 8);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM vmas"), 5);
}

static void check_runs(sqlite3 *db)
{
    CHECK_EQ_STR(sql_text(db, "SELECT exe || '|' || argv || '|' || options || '|' || ram_bytes"
                              " || '|' || fault_around_bytes || '|' || status || '|' || exit_code"
                              " || '|' || term_signal || '|' || faults || '|' || min_flt || '|'"
                              " || maj_flt || '|' || instructions || '|' || wall_seconds"
                              " || '|' || coalesce(message, 'NULL') FROM runs WHERE run_id = 1"),
                 "/usr/bin/demo|[\"demo\",\"--flag\",\"a \\\"b\\\", c\"]|{\"ram\":\"64M\"}|"
                 "67108864|65536|exited|0|0|13|10|2|7000|0.25|NULL");
    CHECK_EQ_STR(sql_text(db, "SELECT json_extract(argv, '$[2]') FROM runs WHERE run_id = 1"),
                 "a \"b\", c");
    CHECK_EQ_INT(sql_int(db, "SELECT started_at <= finished_at FROM runs WHERE run_id = 1"), 1);
    CHECK_EQ_INT(sql_int(db, "SELECT started_at GLOB '20[0-9][0-9]-*T*Z' FROM runs"), 1);
    /* run 2 never ended */
    CHECK_EQ_STR(sql_text(db, "SELECT status || '|' || coalesce(finished_at, 'NULL') || '|'"
                              " || coalesce(options, 'NULL') || '|' || coalesce(faults, 'NULL')"
                              " FROM runs WHERE run_id = 2"),
                 "running|NULL|NULL|NULL");
}

static void check_processes(sqlite3 *db)
{
    CHECK_EQ_STR(sql_text(db, "SELECT group_concat(r, ';') FROM (SELECT run_id || ',' || pid"
                              " || ',' || ppid || ',' || exe || ',' || argv || ',' ||"
                              " coalesce(exit_code, 'NULL') || ',' || coalesce(term_signal,"
                              " 'NULL') || ',' || coalesce(min_flt, 'NULL') || ',' ||"
                              " coalesce(maj_flt, 'NULL') AS r FROM processes"
                              " ORDER BY run_id, pid)"),
                 "1,100,1,/usr/bin/demo,[\"demo\",\"--flag\",\"a \\\"b\\\", c\"],0,0,9,2;"
                 "1,101,100,/usr/bin/demo,[\"demo\",\"child\"],0,11,1,0;"
                 "2,200,1,/usr/bin/demo2,[\"demo2\"],NULL,NULL,NULL,NULL");
}

static void check_marks(sqlite3 *db)
{
    CHECK_EQ_INT(sql_int(db, "PRAGMA application_id"), FL_APPLICATION_ID);
    CHECK_EQ_INT(sql_int(db, "PRAGMA user_version"), FL_SCHEMA_VERSION);
    CHECK_EQ_STR(sql_text(db, "SELECT value FROM meta WHERE key = 'application'"), "faultline");
    CHECK_EQ_STR(sql_text(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "3");
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM pragma_table_info('kernel_log')"), 7);
    CHECK_EQ_STR(sql_text(db, "PRAGMA journal_mode"), "wal");
    CHECK_EQ_STR(sql_text(db, "PRAGMA integrity_check"), "ok");
}

int main(int argc, char **argv)
{
    char path[4096], err[512];
    scratch_path(path, sizeof(path), argc > 1 ? argv[1] : ".", "roundtrip.db");
    remove_db(path);
    if (fixture_write(path, err, sizeof(err)) < 0) {
        fprintf(stderr, "fixture: %s\n", err);
        return 1;
    }
    sqlite3 *db;
    CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    check_marks(db);
    check_runs(db);
    check_processes(db);
    check_faults(db);
    check_fault_counts(db);
    sqlite3_close(db);
    return test_result("test_log_roundtrip");
}
