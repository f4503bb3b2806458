/*
 * make_fixture.c - write the fixture log (fixture.h) to the path given, for the CLI tests.
 *
 * usage: make_fixture DB [empty]   ("empty": a valid log with no runs at all)
 */
#include <stdio.h>

#include "db/log.h"
#include "tests/db/fixture.h"
#include "tests/db/testlib.h"

int main(int argc, char **argv)
{
    char err[512];
    if (argc < 2 || argc > 3 || (argc == 3 && strcmp(argv[2], "empty"))) {
        fprintf(stderr, "usage: make_fixture DB [empty]\n");
        return 2;
    }
    remove_db(argv[1]);
    if (argc == 3) {
        struct fl_log *log = fl_log_open(argv[1], err, sizeof(err));
        if (!log || fl_log_close(log, err, sizeof(err)) < 0) {
            fprintf(stderr, "make_fixture: %s\n", err);
            return 1;
        }
        return 0;
    }
    if (fixture_write(argv[1], err, sizeof(err)) < 0) {
        fprintf(stderr, "make_fixture: %s\n", err);
        return 1;
    }
    return 0;
}
