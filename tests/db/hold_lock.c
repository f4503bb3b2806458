/*
 * hold_lock.c - hold a SQLite lock for the command-line tests.
 *
 * usage: hold_lock DB SQL
 * Opens DB, runs SQL (e.g. "BEGIN EXCLUSIVE"), prints "locked" on stdout, then holds the
 * connection until stdin reaches end of file, and exits 0 (1 if SQL failed).
 */
#include <stdio.h>

#include <sqlite3.h>

int main(int argc, char **argv)
{
    sqlite3 *db;
    if (argc != 3) {
        fprintf(stderr, "usage: hold_lock DB SQL\n");
        return 2;
    }
    if (sqlite3_open(argv[1], &db) != SQLITE_OK ||
        sqlite3_exec(db, argv[2], NULL, NULL, NULL) != SQLITE_OK) {
        fprintf(stderr, "hold_lock: %s\n", sqlite3_errmsg(db));
        return 1;
    }
    printf("locked\n");
    fflush(stdout);
    while (getchar() != EOF)
        ;
    sqlite3_close(db);
    return 0;
}
