#!/bin/sh
# tests/fuzz/mmrun.sh FAULTLINE MMFUZZ FIRST LAST [FAULTLINE OPTIONS...]
# Runs mmfuzz for seeds FIRST..LAST natively and under FAULTLINE (with the options, e.g.
# --ram 16M --swap 32M --reclaim lru), each in a fresh scratch directory, and prints one line per
# seed that looks wrong: a sanitizer, UBSan or check_mm_invariants report, no summary line from
# faultline, an OOM kill, a MISMATCH line (memory or the maps disagree with mmfuzz's model), or
# a trace that differs from the native one. In the environment: OPS (calls, default 2000),
# PRESS (MiB of the pressure allocation, default 6), OUT (default /tmp/mmfuzz-runs), and
# MMFUZZ_DIVERGE=1 (passed on: calls whose results differ between 4.20 and the host kernel, so
# the traces are not compared), MMFUZZ_VMAS=1 (passed on: the trace shows each VMA, where it
# otherwise shows adjacent VMAs of the same protection as one).
# A --ram under 512M boots the model with transparent huge pages off, as Linux boots, while the
# native run has the host's mode: add --thp madvise (the host's) to compare traces. Otherwise a
# read of an untouched MADV_HUGEPAGE block differs (the huge zero page's fault gives the VMA its
# anon_vma, a small zero-page read does not), and so do the merges that follow (seeds 4100 and
# 4202 with --ram 16M --swap 32M, 2026-12-07: the same on the host with THP never).
# On a host CPU with protection keys (pku in /proc/cpuinfo), Linux makes PROT_EXEC-only
# mappings execute-only: the native run's reads of them fault (MISMATCH ... prot 4, and the fork
# children's statuses that follow), where the emulated CPU, without PKU, reads them as 4.20 on
# such a CPU does; those native MISMATCH lines are the host's, not faultline's.
fl=$(realpath "$1") fz=$(realpath "$2") first=$3 last=$4
shift 4
out=${OUT:-/tmp/mmfuzz-runs}
mkdir -p "$out"
s=$first
while [ "$s" -le "$last" ]; do
    d=$(mktemp -d /tmp/mmfuzz.XXXXXX)
    nat=$out/nat.$s.${OPS:-2000}.${PRESS:-6}${MMFUZZ_VMAS:+.vmas}.out
    if [ ! -f "$nat" ] && [ -z "$MMFUZZ_DIVERGE" ]; then
        (cd "$d" && timeout 60 "$fz" "$s" "${OPS:-2000}" "${PRESS:-6}" >"$nat" 2>/dev/null)
        rm -f "$d"/*
    fi
    (cd "$d" && timeout -s KILL 120 "$fl" run --no-log --timeout 60 "$@" "$fz" "$s" \
        "${OPS:-2000}" "${PRESS:-6}" </dev/null >"$out/fl.$s.out" 2>"$out/fl.$s.err")
    rc=$?
    bad=""
    grep -aqE 'AddressSanitizer|LeakSanitizer|runtime error|Assertion|invariant|BUG|internal error|panic' \
        "$out/fl.$s.err" && bad="report"
    grep -aqE '^faultline: .*(exited with status|killed by SIG)' "$out/fl.$s.err" || bad="$bad nosummary"
    grep -aq 'OOM' "$out/fl.$s.err" && ! grep -aq ' 0 OOM kills' "$out/fl.$s.err" && bad="$bad oom"
    grep -q MISMATCH "$out/fl.$s.out" && bad="$bad mismatch"
    [ -z "$MMFUZZ_DIVERGE" ] && ! cmp -s "$nat" "$out/fl.$s.out" && bad="$bad diff"
    [ -n "$bad" ] && echo "seed $s rc=$rc:$bad $(grep -a -m1 -hE 'ERROR|runtime error|invariant|MISMATCH' "$out/fl.$s.err" "$out/fl.$s.out")"
    chmod -R u+rwx "$d" 2>/dev/null
    rm -rf "$d"
    s=$((s + 1))
done
