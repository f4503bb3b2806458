# cli_lib.sh - helpers for the faultline query/stats tests (sourced, POSIX sh).
#
# The test script sets FL (the faultline binary), HOLD (hold_lock) and T (its scratch
# directory). Each check prints FAIL lines and sets fail=1; finish() turns that into the exit
# status.

fail=0

# run CMD...: stdout to $T/out, stderr to $T/err, exit status in $rc.
run() {
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

expect_rc() { # WANT WHAT
    if [ "$rc" -ne "$1" ]; then
        echo "FAIL [$2]: exit status $rc, expected $1"
        sed 's/^/  stderr: /' "$T/err"
        fail=1
    fi
}

# expect_out WHAT FORMAT [ARGS]: stdout must be exactly printf FORMAT ARGS.
expect_out() {
    what=$1
    shift
    # shellcheck disable=SC2059
    printf "$@" >"$T/want"
    if ! cmp -s "$T/want" "$T/out"; then
        echo "FAIL [$what]: stdout differs (want, got):"
        diff "$T/want" "$T/out" | sed 's/^/  /'
        fail=1
    fi
}

expect_out_has() { # TEXT WHAT
    if ! grep -qF -- "$1" "$T/out"; then
        echo "FAIL [$2]: stdout lacks '$1'"
        fail=1
    fi
}

# The error must be one line on stderr, starting with the command's name, containing TEXT.
expect_err() { # PREFIX TEXT WHAT
    if [ "$(wc -l <"$T/err")" -ne 1 ] || ! grep -q "^$1: " "$T/err" ||
        ! grep -qF -- "$2" "$T/err"; then
        echo "FAIL [$3]: stderr is not one line '$1: ...$2...':"
        sed 's/^/  stderr: /' "$T/err"
        fail=1
    fi
    if [ -s "$T/out" ]; then
        echo "FAIL [$3]: stdout not empty"
        fail=1
    fi
}

# A hash of a database's contents: every table's rows, read by SQLite itself (through the
# sqlite3 shell when installed), plus the bytes of the file and its WAL.
db_sum() {
    {
        if command -v sqlite3 >/dev/null 2>&1; then
            sqlite3 -readonly "$1" .sha3sum
        fi
        cat "$1" "$1-wal" 2>/dev/null
    } | cksum
}

# hold DB SQL: run SQL (a lock) in another process and keep it until release().
hold() {
    rm -f "$T/hold.fifo" "$T/hold.out"
    mkfifo "$T/hold.fifo"
    "$HOLD" "$1" "$2" <"$T/hold.fifo" >"$T/hold.out" 2>&1 &
    hold_pid=$!
    exec 9>"$T/hold.fifo"
    i=0
    while ! grep -q locked "$T/hold.out" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 200 ] || ! kill -0 "$hold_pid" 2>/dev/null; then
            echo "FAIL: could not take the lock: $(cat "$T/hold.out")"
            fail=1
            break
        fi
        sleep 0.05
    done
}

release() {
    exec 9>&-
    wait "$hold_pid"
}

# sql DB SQL: run SQL on DB with write access (setup only), through hold_lock.
sql() {
    "$HOLD" "$1" "$2" </dev/null >/dev/null || {
        echo "FAIL: setup SQL failed on $1: $2"
        fail=1
    }
}

finish() {
    if [ "$fail" -ne 0 ]; then
        echo "$1: FAILED"
        exit 1
    fi
    echo "$1: ok"
    exit 0
}
