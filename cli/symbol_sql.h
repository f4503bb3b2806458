/*
 * symbol_sql.h - the SQL function symbol() that `faultline query` and `faultline stats` add to a
 * log: the function an instruction address of a logged fault was in.
 */
#ifndef FL_CLI_SYMBOL_SQL_H
#define FL_CLI_SYMBOL_SQL_H

#include <sqlite3.h>

struct symbol_sql;

/*
 * Define symbol(run_id, pid, ip) and symbol(run_id, pid, ip, seq) on db (a log opened by
 * fl_db_open_readonly): the function containing ip in the file mapped there in process pid of
 * run run_id, as the log recorded the mapping (the last VMA over ip among the process's faults
 * up to seq, or up to its last fault), as "name+0x1f"; NULL when the address is in no file
 * (anonymous memory, [vdso]), the file cannot be read now, or no symbol covers it. NULL
 * (with the reason in errmsg) if it could not be defined. Call symbol_sql_end before closing
 * db.
 */
struct symbol_sql *symbol_sql_define(sqlite3 *db);

/*
 * It also defines code_file(run_id, pid, ip [, seq]): the file that mapping is of, by its base
 * name ("libc.so.6"), or its bracketed name ("[vdso]"); NULL for anonymous memory (JIT code) or
 * an address in no logged mapping.
 */

/* Finalize what symbol_sql_define prepared and drop the files read. NULL is fine. */
void symbol_sql_end(struct symbol_sql *s);

#endif
