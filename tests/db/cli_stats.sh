#!/bin/sh
# cli_stats.sh - faultline stats on the fixture log: the latest run by default (unfinished,
# instruction counting off), --run and --pid, every section present with the fixture's
# numbers; one-line errors with exit 1 for bad files, a missing run, a log without runs;
# exit 2 for usage errors.
#
# usage: cli_stats.sh FAULTLINE MAKE_FIXTURE HOLD_LOCK SCRATCH_DIR
set -u
FL=$1 MK=$2 HOLD=$3 T=$4
. "$(dirname "$0")/cli_lib.sh"
rm -rf "$T" && mkdir -p "$T" || exit 1
DB=$T/log.db
"$MK" "$DB" || exit 1
E="faultline stats"

run "$FL" stats "$DB"
expect_rc 0 "latest run"
for s in "Fault log of run 2 in" "/usr/bin/demo2" "unfinished (still running, or faultline was killed)" \
    "by sequence number: instruction counting was off" "Per process:"; do
    expect_out_has "$s" "latest run: $s"
done

run "$FL" stats "$DB" --run 1
expect_rc 0 "run 1"
for s in "Fault log of run 1 in" 'argv         ["demo","--flag","a \"b\", c"]' \
    "exited, status 0" "instructions 7,000" \
    "               13      faults" \
    "                8      minor                             61.54%" \
    "                2      major (I/O)                       15.38%" \
    "                2      SIGSEGV                           15.38%" \
    "                1      kernel-mode (copy_to/from_user)    7.69%" \
    "             5  38.46%  minor     do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_anonymous_page" \
    "             6  46.15%     100         5       0       0       2  7f0000000000-7f0000010000  rw-p  [heap]" \
    "             2  15.38%     100         2       0       0       0  7ffffffdd000-7ffffffff000  rw-p  [stack]" \
    "             3  23.08%     100  0x7f0000002000          0      3      0  do_anonymous_page,wp_page_reuse,handle_pte_fault" \
    "             3  23.08%     100  0x401020                0      3      0" \
    "Faults over time (20 slices of 281 instructions)" \
    "  [500, 781)                                   2  ########################################" \
    "  [781, 1,062)                                 1  ####################" \
    "  [1,062, 1,343)                               0  " \
    "  [2,748, 3,029)                               1  ####################" \
    "  [5,839, 6,120)                               2  ########################################" \
    "      101     100            2            1         0        1        0  signal 11   /usr/bin/demo"; do
    expect_out_has "$s" "run 1: $s"
done

run "$FL" stats "$DB" --run 1 --pid 101
expect_rc 0 "pid filter"
expect_out_has ", pid 101 only:" "pid filter"
expect_out_has "                2      faults" "pid filter total"
if grep -q "^      100 " "$T/out"; then
    echo "FAIL [pid filter]: pid 100 listed"
    fail=1
fi

run "$FL" stats "$DB" --run 9
expect_rc 1 "no such run"
expect_err "$E" "no run 9 in this log" "no such run"

"$MK" "$T/empty.db" empty
run "$FL" stats "$T/empty.db"
expect_rc 1 "no runs"
expect_err "$E" "the log has no runs" "no runs"

run "$FL" stats "$T/missing.db"
expect_rc 1 "missing file"
expect_err "$E" "no such file" "missing file"

echo "not a database, just text that is long enough to look like a header" >"$T/notes.txt"
run "$FL" stats "$T/notes.txt"
expect_rc 1 "text file"
expect_err "$E" "not a SQLite database" "text file"

sql "$T/other.db" "CREATE TABLE t(x)"
run "$FL" stats "$T/other.db"
expect_rc 1 "foreign db"
expect_err "$E" "not a faultline log" "foreign db"

cp "$DB" "$T/rollback.db" && sql "$T/rollback.db" "PRAGMA journal_mode = DELETE"
hold "$T/rollback.db" "BEGIN EXCLUSIVE; DELETE FROM runs WHERE run_id = 0"
run "$FL" stats "$T/rollback.db"
expect_rc 1 "locked"
expect_err "$E" "database is locked" "locked"
release

# A log of schema version 1 (data/log_v1.sql: the same fixture, as the faultline before
# 2026-12-06 wrote it) reads the same, every section, and is not changed by reading.
if command -v sqlite3 >/dev/null; then
    rm -f "$T/v1.db" && sqlite3 "$T/v1.db" <"$(dirname "$0")/data/log_v1.sql" || fail=1
    run "$FL" stats "$DB" --run 1
    grep -v -e "^ Fault log of run" -e "^  started " "$T/out" >"$T/current"
    before=$(db_sum "$T/v1.db")
    run "$FL" stats "$T/v1.db" --run 1
    expect_rc 0 "schema 1 log"
    grep -v -e "^ Fault log of run" -e "^  started " "$T/out" >"$T/old"
    if ! cmp -s "$T/current" "$T/old" || [ "$(wc -l <"$T/old")" -lt 40 ]; then
        echo "FAIL [schema 1 log]: stats differ from the current log's (current, old):"
        diff "$T/current" "$T/old" | sed 's/^/  /'
        fail=1
    fi
    [ "$(db_sum "$T/v1.db")" = "$before" ] || { echo "FAIL [schema 1 log]: reading changed it"; fail=1; }
else
    echo "SKIP [schema 1 log]: no sqlite3 shell"
fi

run "$FL" stats
expect_rc 2 "no arguments"
run "$FL" stats "$DB" --run abc
expect_rc 2 "bad --run"
run "$FL" stats "$DB" --frobnicate
expect_rc 2 "unknown option"
run "$FL" stats "$DB" "$DB"
expect_rc 2 "two databases"

finish cli_stats
