#!/bin/sh
# tests/fuzz/run.sh FAULTLINE SYSFUZZ FIRST LAST [CALLS [WILD [OUTDIR]]]
# Runs sysfuzz for seeds FIRST..LAST under FAULTLINE, each in a fresh scratch directory, and
# prints one line per seed whose run looks like an emulator failure (see tests/fuzz/README.md).
fl=$(realpath "$1") fz=$(realpath "$2") first=$3 last=$4 calls=${5:-3000} wild=${6:-0} out=${7:-/tmp/sysfuzz-runs}
mkdir -p "$out"
s=$first
while [ "$s" -le "$last" ]; do
    d=$(mktemp -d /tmp/sysfuzz.XXXXXX)
    t0=$(date +%s)
    # stdin is a file of the scratch directory, not /dev/null: the fuzzer's random fchmod and
    # fchown on fd 0 reach the host's file (run as root, one made /dev/null mode 7541, uid 22)
    : >"$d/stdin"
    (cd "$d" && timeout -s KILL 60 "$fl" run --no-log --timeout 10 "$fz" "$s" "$calls" "$wild" \
        <"$d/stdin" >"$out/$s.out" 2>"$out/$s.err")
    rc=$?
    t1=$(date +%s)
    grep -a -v 'unsupported syscall' "$out/$s.err" > "$out/$s.err2"
    bad=""
    grep -aqE 'AddressSanitizer|LeakSanitizer|runtime error|Assertion|assert|invariant|BUG|internal error|panic' "$out/$s.err2" && bad="report"
    grep -aqE '^faultline: .*(exited with status|killed by SIG)|^faultline: .*(timeout|time limit)' "$out/$s.err2" || bad="$bad nosummary"
    [ $((t1 - t0)) -ge 55 ] && bad="$bad hang" # --timeout 10 did not end it
    if [ -n "$bad" ]; then
        echo "seed $s rc=$rc:$bad: $(grep -a -m1 -E 'ERROR|runtime error|Assert|faultline:' "$out/$s.err2")"
    else
        rm -f "$out/$s.out" "$out/$s.err"
    fi
    chmod -R u+rwx "$d" 2>/dev/null; rm -rf "$d"
    s=$((s + 1))
done
