/*
 * test_print.c - the result printers of faultline query, byte for byte: the ASCII table
 * (alignment, NULL, escapes, UTF-8 width), RFC 4180 CSV (quoting, CRLF) and JSON (SQLite's own
 * quoting, null, blobs), and the empty and column-less cases.
 *
 * usage: test_print [SCRATCH_DIR]
 */
#include <stdio.h>
#include <stdlib.h>

#include "db/print.h"
#include "tests/db/testlib.h"

static sqlite3 *db;

/* Print the first statement of sql in mode; the output as a string (static buffer). */
static const char *printed(const char *sql, enum fl_print_mode mode)
{
    static char *buf;
    size_t len;
    free(buf);
    FILE *f = open_memstream(&buf, &len);
    sqlite3_stmt *st;
    CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
    CHECK_EQ_INT(fl_print_stmt(st, mode, f), SQLITE_DONE);
    sqlite3_finalize(st);
    fclose(f);
    return buf;
}

static const char values[] = "SELECT 1 AS n, 'x,y' AS s, NULL AS nul, 2.5 AS r,"
                             " 'two' || char(10) || 'lines' AS nl, x'00ff' AS b,"
                             " 'say \"hi\"' AS q, 'h\xc3\xa9' AS u"
                             " UNION ALL SELECT -12345, '', 'v', -0.125, 'tab' || char(9), NULL,"
                             " '', 'ok'";

int main(void)
{
    CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);

    CHECK_EQ_STR(
        printed(values, FL_PRINT_TABLE),
        "+--------+-----+-----+--------+------------+---------+----------+----+\n"
        "| n      | s   | nul | r      | nl         | b       | q        | u  |\n"
        "+--------+-----+-----+--------+------------+---------+----------+----+\n"
        "|      1 | x,y |     |    2.5 | two\\nlines | X'00FF' | say \"hi\" | h\xc3\xa9 |\n"
        "| -12345 |     | v   | -0.125 | tab\\t      |         |          | ok |\n"
        "+--------+-----+-----+--------+------------+---------+----------+----+\n");

    CHECK_EQ_STR(printed(values, FL_PRINT_CSV),
                 "n,s,nul,r,nl,b,q,u\r\n"
                 "1,\"x,y\",,2.5,\"two\nlines\",X'00FF',\"say \"\"hi\"\"\",h\xc3\xa9\r\n"
                 "-12345,,v,-0.125,tab\t,,,ok\r\n");

    CHECK_EQ_STR(printed(values, FL_PRINT_JSON),
                 "[{\"n\":1,\"s\":\"x,y\",\"nul\":null,\"r\":2.5,\"nl\":\"two\\nlines\","
                 "\"b\":\"00FF\",\"q\":\"say \\\"hi\\\"\",\"u\":\"h\xc3\xa9\"},\n"
                 "{\"n\":-12345,\"s\":\"\",\"nul\":\"v\",\"r\":-0.125,\"nl\":\"tab\\t\","
                 "\"b\":null,\"q\":\"\",\"u\":\"ok\"}]\n");

    /* a result with columns and no rows still names its columns */
    const char *none = "SELECT 1 AS only_column WHERE 0";
    CHECK_EQ_STR(printed(none, FL_PRINT_TABLE), "+-------------+\n"
                                                "| only_column |\n"
                                                "+-------------+\n");
    CHECK_EQ_STR(printed(none, FL_PRINT_CSV), "only_column\r\n");
    CHECK_EQ_STR(printed(none, FL_PRINT_JSON), "[]\n");
    /* a statement without result columns prints nothing */
    CHECK_EQ_STR(printed("BEGIN", FL_PRINT_TABLE), "");
    CHECK_EQ_STR(printed("COMMIT", FL_PRINT_JSON), "");

    sqlite3_close(db);
    return test_result("test_print");
}
