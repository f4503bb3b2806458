#!/usr/bin/env bash
# bench/run.sh FAULTLINE BENCH_BUILD_DIR - the same workloads natively, under qemu-x86_64 and
# under faultline (logging on and off), alternating, N runs each; prints and records medians.
# Not a test: numbers depend on the machine, and are recorded with it.
set -euo pipefail
fl=$(realpath "$1")
bdir=$(realpath "$2")
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=bench/results/$(date -u +%Y-%m-%d)-$(hostname -s).md
mkdir -p bench/results
qemu=$(command -v qemu-x86_64 || true)

head -c $((64 << 20)) /dev/urandom >"$tmp/data64m" # sha256sum input
touch_mib=${TOUCH_MIB:-1024}

# name | command (with @FL@ replaced by the runner prefix)
workloads=(
  "touch ${touch_mib} MiB fresh pages|$bdir/bench_touch_fresh $touch_mib"
  "cpu loop 200M iterations|$bdir/bench_cpu_loop 200"
  "busybox sha256sum 64 MiB|/bin/busybox sha256sum $tmp/data64m"
)
runners=("native|" "bare engine|$bdir/bare_runner" "faultline --no-log|$fl run --quiet --no-log --"
         "faultline log|$fl run --quiet --db $tmp/b.db --")
[ -n "$qemu" ] && runners+=("qemu-x86_64|$qemu")

secs() { # median wall seconds of $runs runs of "$@"
  local ts=()
  for _ in $(seq "$runs"); do
    rm -f "$tmp/b.db" "$tmp/b.db-wal" "$tmp/b.db-shm"
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    ts+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${ts[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p"
}

{
  echo "# faultline benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'),"
  echo "$(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)."
  echo "faultline $(git rev-parse --short HEAD 2>/dev/null || echo '?'), Unicorn $(pkg-config --modversion unicorn)," \
       "qemu-user $($qemu --version 2>/dev/null | head -1 | awk '{print $3}'). Median of $runs runs, wall seconds."
  echo
  printf '| workload |'
  for r in "${runners[@]}"; do printf ' %s |' "${r%%|*}"; done
  printf ' log / native | log / bare | log / qemu |\n|---|'
  for _ in "${runners[@]}"; do printf -- '---|'; done
  printf -- '---|---|---|\n'
} | tee "$out"

for w in "${workloads[@]}"; do
  name=${w%%|*}
  cmd=${w#*|}
  declare -A t=()
  for r in "${runners[@]}"; do
    rname=${r%%|*}
    prefix=${r#*|}
    # shellcheck disable=SC2086
    t[$rname]=$(secs $prefix $cmd)
  done
  {
    printf '| %s |' "$name"
    for r in "${runners[@]}"; do printf ' %.3f |' "${t[${r%%|*}]}"; done
    printf ' %.2fx |' "$(echo "${t[faultline log]} / ${t[native]}" | bc -l)"
    printf ' %.2fx |' "$(echo "${t[faultline log]} / ${t[bare engine]}" | bc -l)"
    if [ -n "$qemu" ]; then printf ' %.2fx |\n' "$(echo "${t[faultline log]} / ${t[qemu-x86_64]}" | bc -l)"; else printf ' - |\n'; fi
  } | tee -a "$out"
  unset t
done

# The fault path alone: faults per second from the touch workload, logging on and off.
pages=$((touch_mib * 256))
{
  echo
  echo "Fault path: ${pages} do_anonymous_page faults (touch ${touch_mib} MiB)."
  for mode in "--no-log" "--db $tmp/b.db"; do
    rm -f "$tmp/b.db"*
    # shellcheck disable=SC2086
    s=$(secs "$fl" run --quiet $mode -- "$bdir/bench_touch_fresh" "$touch_mib")
    printf -- '- faultline %s: %.0f faults/s\n' "${mode%% *}" "$(echo "$pages / $s" | bc -l)"
  done
  s=$(secs "$bdir/bench_touch_fresh" "$touch_mib")
  printf -- '- native kernel: %.0f faults/s (including process start and exit)\n' "$(echo "$pages / $s" | bc -l)"
} | tee -a "$out"
echo "recorded in $out"
