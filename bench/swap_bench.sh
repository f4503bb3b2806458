#!/usr/bin/env bash
# bench/swap_bench.sh FAULTLINE GUEST_DIR - memory pressure: the thrashing guest
# tests/guest/swap_thrash (48 MiB working set, 2 passes) under --ram 16M --swap 64M, once per
# --reclaim policy, in two shapes: "seq" (pure sequential passes: every policy must evict what
# the next pass needs) and "hot" (each step also reads one page of a 2 MiB hot set, which the
# accessed-bit policies keep resident and FIFO does not). Records major faults (do_swap_page
# rows of the log), pages written to swap and the median wall time of BENCH_RUNS runs (3).
# Not a test: numbers depend on the machine; they are printed and appended to
# bench/results/DATE-HOST-swap.md.
set -euo pipefail
fl=$(realpath "$1")
guest=$(realpath "$2")/swap_thrash
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p bench/results
out=bench/results/$(date -u +%Y-%m-%d)-$(hostname -s)-swap.md

{
  echo "## swap_thrash 48 MiB x 2 passes, --ram 16M --swap 64M ($(date -u +%H:%M) UTC)"
  echo
  echo "| shape | policy | major faults | do_swap_page rows | written to swap | wall s (median of $runs) |"
  echo "|---|---|---|---|---|---|"
} | tee -a "$out"

for shape in seq hot; do
  extra=()
  [ "$shape" = hot ] && extra=(hot)
  for pol in clock lru fifo; do
    ts=()
    for _ in $(seq "$runs"); do
      rm -f "$tmp/s.db" "$tmp/s.db-wal" "$tmp/s.db-shm"
      t0=$(date +%s.%N)
      "$fl" run --db "$tmp/s.db" --ram 16M --swap 64M --reclaim "$pol" -- \
        "$guest" 48 2 "${extra[@]}" >/dev/null 2>"$tmp/err"
      t1=$(date +%s.%N)
      ts+=("$(echo "$t1 - $t0" | bc -l)")
    done
    med=$(printf '%s\n' "${ts[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
    major=$(sed -n 's/.* \([0-9]*\) major, .*/\1/p' "$tmp/err" | head -1)
    out_pages=$(sed -n 's/.*(\([0-9]*\) written to swap).*/\1/p' "$tmp/err" | head -1)
    rows=$(sqlite3 "$tmp/s.db" "SELECT count(*) FROM faults WHERE handler = 'do_swap_page'")
    printf '| %s | %s | %s | %s | %s | %.2f |\n' "$shape" "$pol" "$major" "$rows" \
      "${out_pages:-0}" "$med" | tee -a "$out"
  done
done
echo | tee -a "$out"
