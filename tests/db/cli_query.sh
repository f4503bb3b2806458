#!/bin/sh
# cli_query.sh - faultline query against the fixture log: the three output formats, several
# statements, SQL from stdin, the schema listing; one-line errors with exit 1 for a missing
# file, a text file, another application's database, a newer schema, a locked database,
# malformed SQL; exit 2 for usage errors; and every kind of write refused with the log
# unchanged.
#
# usage: cli_query.sh FAULTLINE MAKE_FIXTURE HOLD_LOCK SCRATCH_DIR
set -u
FL=$1 MK=$2 HOLD=$3 T=$4
. "$(dirname "$0")/cli_lib.sh"
rm -rf "$T" && mkdir -p "$T" || exit 1
DB=$T/log.db
"$MK" "$DB" || exit 1
E="faultline query"

# --- output formats ------------------------------------------------------------------------
Q="SELECT seq, handler, outcome, vm_fault_flags FROM faults WHERE run_id = 1 AND seq IN (1, 3, 8) ORDER BY seq"
run "$FL" query "$DB" "$Q"
expect_rc 0 "table"
expect_out "table" '%s\n' \
    '+-----+---------------+---------+----------------+' \
    '| seq | handler       | outcome | vm_fault_flags |' \
    '+-----+---------------+---------+----------------+' \
    '|   1 | do_read_fault | major   | MAJOR          |' \
    '|   3 | wp_page_copy  | minor   | WRITE          |' \
    '|   8 | bad_area      | sigsegv |                |' \
    '+-----+---------------+---------+----------------+'

run "$FL" query --csv "$DB" "$Q"
expect_rc 0 "csv"
expect_out "csv" '%s\r\n' 'seq,handler,outcome,vm_fault_flags' '1,do_read_fault,major,MAJOR' \
    '3,wp_page_copy,minor,WRITE' '8,bad_area,sigsegv,'

run "$FL" query --json "$DB" "$Q"
expect_rc 0 "json"
expect_out "json" '%s\n' \
    '[{"seq":1,"handler":"do_read_fault","outcome":"major","vm_fault_flags":"MAJOR"},' \
    '{"seq":3,"handler":"wp_page_copy","outcome":"minor","vm_fault_flags":"WRITE"},' \
    '{"seq":8,"handler":"bad_area","outcome":"sigsegv","vm_fault_flags":""}]'

# options may follow the database; quoting reaches the output intact
run "$FL" query "$DB" --csv "SELECT argv FROM runs WHERE run_id = 1"
expect_out "csv quoting" '%s\r\n' 'argv' '"[""demo"",""--flag"",""a \""b\"", c""]"'

run "$FL" query "$DB" "SELECT 1 AS a; SELECT 2 AS b"
expect_rc 0 "two statements"
expect_out "two statements" '%s\n' '+---+' '| a |' '+---+' '| 1 |' '+---+' '' '+---+' '| b |' \
    '+---+' '| 2 |' '+---+'

echo "SELECT count(*) AS n FROM faults; -- a comment" >"$T/q.sql"
run sh -c "\"$FL\" query --csv \"$DB\" - <\"$T/q.sql\""
expect_rc 0 "stdin"
expect_out "stdin" '%s\r\n' n 15

run "$FL" query "$DB"
expect_rc 0 "schema"
for obj in "table | runs" "table | processes" "view  | faults" "view  | fault_log" \
    "view  | handler_counts" "view  | path_counts" "view  | vma_faults" "view  | hot_pages" \
    "view  | hot_instructions" "view  | cow_faults" "view  | zero_page_reads_later_written" \
    "view  | run_summary" "view  | process_summary" "view  | latest_run" "table | meta" \
    "table | raw_faults"; do
    expect_out_has "| $obj " "schema lists $obj"
done
expect_out_has "| view  | faults                        | vm_fault_flags " "schema columns"

# --- errors ----------------------------------------------------------------------------------
run "$FL" query "$T/missing.db" "SELECT 1"
expect_rc 1 "missing file"
expect_err "$E" "$T/missing.db: no such file" "missing file"

echo "just some text, long enough to fill a SQLite header and then some more" >"$T/notes.txt"
run "$FL" query "$T/notes.txt" "SELECT 1"
expect_rc 1 "text file"
expect_err "$E" "not a SQLite database" "text file"

sql "$T/other.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1)"
run "$FL" query "$T/other.db" "SELECT * FROM t"
expect_rc 1 "foreign db"
expect_err "$E" "not a faultline log" "foreign db"

cp "$DB" "$T/newer.db" && sql "$T/newer.db" "UPDATE meta SET value = '4' WHERE key = 'schema_version'"
run "$FL" query "$T/newer.db" "SELECT 1"
expect_rc 1 "newer schema"
expect_err "$E" "schema version 4 is newer than this faultline supports (3)" "newer schema"

run "$FL" query "$DB" "SELEC seq FROM faults"
expect_rc 1 "malformed SQL"
expect_err "$E" 'near "SELEC": syntax error' "malformed SQL"

run "$FL" query "$DB" "SELECT * FROM no_such_table"
expect_rc 1 "unknown table"
expect_err "$E" "no such table: no_such_table" "unknown table"

# A WAL log under another writer's exclusive lock stays readable (live queries during a run);
# a rollback-journal database under one cannot be read at all.
hold "$DB" "BEGIN EXCLUSIVE"
run "$FL" query --csv "$DB" "SELECT count(*) AS n FROM faults"
expect_rc 0 "WAL log while another process writes"
expect_out "WAL log while another process writes" '%s\r\n' n 15
release
cp "$DB" "$T/rollback.db" && sql "$T/rollback.db" "PRAGMA journal_mode = DELETE"
hold "$T/rollback.db" "BEGIN EXCLUSIVE; DELETE FROM runs WHERE run_id = 0"
run "$FL" query "$T/rollback.db" "SELECT count(*) FROM faults"
expect_rc 1 "locked"
expect_err "$E" "database is locked" "locked"
release

# --- usage -----------------------------------------------------------------------------------
run "$FL" query
expect_rc 2 "no arguments"
run "$FL" query --xml "$DB" "SELECT 1"
expect_rc 2 "unknown option"
run "$FL" query "$DB" "SELECT 1" "SELECT 2"
expect_rc 2 "too many arguments"
run "$FL" query --help
expect_rc 0 "--help"

# --- writes are refused and change nothing ---------------------------------------------------
before=$(db_sum "$DB")
for w in "INSERT INTO runs(started_at) VALUES ('now')" \
    "DELETE FROM raw_faults" \
    "UPDATE runs SET status = 'exited'" \
    "DROP TABLE runs" \
    "DROP VIEW faults" \
    "CREATE TABLE x(y)" \
    "CREATE TEMP TABLE x(y)" \
    "PRAGMA user_version = 7" \
    "PRAGMA journal_mode = DELETE" \
    "VACUUM" \
    "VACUUM INTO '$T/copy.db'" \
    "SELECT 1; DELETE FROM runs" \
    "PRAGMA query_only = 0; DELETE FROM runs"; do
    run "$FL" query "$DB" "$w"
    expect_rc 1 "$w"
    if ! grep -q "^$E: refusing a statement that writes" "$T/err"; then
        echo "FAIL [$w]: not refused as a write:"
        sed 's/^/  stderr: /' "$T/err"
        fail=1
    fi
done
run "$FL" query "$DB" "ATTACH '$T/evil.db' AS e; CREATE TABLE e.t(x)"
expect_rc 1 "attach a new file"
if [ -e "$T/evil.db" ] || [ -e "$T/copy.db" ]; then
    echo "FAIL: a query created a file"
    fail=1
fi
after=$(db_sum "$DB")
if [ "$before" != "$after" ]; then
    echo "FAIL: the log changed under read-only queries ($before -> $after)"
    fail=1
fi

finish cli_query
