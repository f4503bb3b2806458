#!/usr/bin/env bash
# bench/run.sh FAULTLINE BENCH_BUILD_DIR - the same workloads natively, under qemu-x86_64 and
# under faultline (logging on and off), alternating, N runs each; prints and records medians.
# Not a test: numbers depend on the machine, and are recorded with it.
set -euo pipefail
fl=$(realpath "$1")
bdir=$(realpath "$2")
src=$(realpath "$(dirname "$0")")
runs=${BENCH_RUNS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=bench/results/$(date -u +%Y-%m-%d)-$(hostname -s).md
mkdir -p bench/results
qemu=$(command -v qemu-x86_64 || true)

head -c $((64 << 20)) /dev/urandom >"$tmp/data64m" # sha256sum input
touch_mib=${TOUCH_MIB:-1024}

# name, command, runs under the bare engine (1: static, only syscalls it knows; 0: not)
# separated by ';;' (commands contain '|'). @Q@ marks a program a shell starts: it stays as it
# is for the other runners, and becomes "qemu-x86_64 " for qemu-user, which does not follow an
# execve into an x86-64 binary on an x86-64 host (no binfmt_misc entry): without it qemu-user
# would emulate only the shell and run its children natively, while faultline emulates them all.
workloads=(
  "touch ${touch_mib} MiB fresh pages;;$bdir/bench_touch_fresh $touch_mib;;1"
  "cpu loop 200M iterations;;$bdir/bench_cpu_loop 200;;1"
  "busybox sha256sum 64 MiB;;/bin/busybox sha256sum $tmp/data64m;;1"
  "busybox gzip -c 64 MiB;;/bin/busybox gzip -c $tmp/data64m;;1"
  "200k getppid syscalls;;$bdir/bench_syscalls 200;;1"
  "dynamic pipeline (dash, seq, sort, head);;/bin/sh -c '@Q@/usr/bin/seq 1 200000 | @Q@/usr/bin/sort -rn | @Q@/usr/bin/head -3';;0"
  # two processes computing at once: native and qemu-user run them on both cores, faultline
  # time-slices its one emulated CPU between them (the block hook of emu/run.c)
  "two busybox sha256sum 64 MiB side by side;;/bin/busybox sh -c '@Q@/bin/busybox sha256sum $tmp/data64m & @Q@/bin/busybox sha256sum $tmp/data64m; wait';;0"
  "fork-heavy shell loop (200 x /bin/true);;/bin/busybox sh -c 'for i in \$(@Q@/usr/bin/seq 200); do @Q@/bin/true; done';;0"
  # what every run pays before and after the program: the engine, and with the log opening,
  # writing the run's row and closing (checkpoint included) the database
  "start-up and exit (busybox true);;/bin/busybox true;;1"
  # an interpreter with a thread: dynamic, so no bare engine
  "python3 loop, a second thread asleep (1M iterations);;/usr/bin/python3 $src/guests/thread_loop.py 1000000;;0"
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

ratio() { # a / b, or - when either is missing
  if [ "$1" = - ] || [ "$2" = - ]; then printf ' - |'; else printf ' %.2fx |' "$(echo "$1 / $2" | bc -l)"; fi
}

qlog=0 qn=0 q1log=0 q1n=0
for w in "${workloads[@]}"; do
  name=${w%%;;*}
  rest=${w#*;;}
  cmd=${rest%;;*}
  bare_ok=${rest##*;;}
  declare -A t=()
  for r in "${runners[@]}"; do
    rname=${r%%|*}
    prefix=${r#*|}
    if [ "$rname" = "bare engine" ] && [ "$bare_ok" != 1 ]; then
      t[$rname]=-
      continue
    fi
    c=${cmd//@Q@/}
    [ "$rname" = qemu-x86_64 ] && c=${cmd//@Q@/$qemu }
    t[$rname]=$(secs sh -c "$prefix $c")
  done
  {
    printf '| %s |' "$name"
    for r in "${runners[@]}"; do
      v=${t[${r%%|*}]}
      if [ "$v" = - ]; then printf ' - |'; else printf ' %.3f |' "$v"; fi
    done
    ratio "${t[faultline log]}" "${t[native]}"
    ratio "${t[faultline log]}" "${t[bare engine]}"
    if [ -n "$qemu" ]; then ratio "${t[faultline log]}" "${t[qemu-x86_64]}"; else printf ' - |'; fi
    printf '\n'
  } | tee -a "$out"
  if [ -n "$qemu" ]; then
    qlog=$(echo "$qlog + l(${t[faultline log]} / ${t[qemu-x86_64]})" | bc -l)
    qn=$((qn + 1))
    if [ "$bare_ok" = 1 ]; then # one static program: no shell, no children
      q1log=$(echo "$q1log + l(${t[faultline log]} / ${t[qemu-x86_64]})" | bc -l)
      q1n=$((q1n + 1))
    fi
  fi
  unset t
done
if [ "$qn" -gt 0 ]; then
  printf '\nGeometric mean of faultline (log) / qemu-x86_64 over the %d workloads: %.2fx\n' \
    "$qn" "$(echo "e($qlog / $qn)" | bc -l)" | tee -a "$out"
  printf 'Over the %d single-program workloads (no shell, no child processes): %.2fx\n' \
    "$q1n" "$(echo "e($q1log / $q1n)" | bc -l)" | tee -a "$out"
fi

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
  # where the CPU goes, by thread (bench/thread_cpu.py): the log's cost is the writer's time
  # plus what the emulator then zeroes itself because the prefault helper yields to the writer
  echo "CPU time by thread, touch ${touch_mib} MiB (median of $runs; main is the emulator):"
  for mode in "--no-log" "--db $tmp/b.db"; do
    printf -- '- %s: %s\n' "${mode%% *}" "$(python3 "$src/thread_cpu.py" "$runs" sh -c \
      "rm -f $tmp/b.db $tmp/b.db-wal $tmp/b.db-shm; exec $fl run --quiet $mode -- $bdir/bench_touch_fresh $touch_mib")"
  done
  # reading it back: the report over every fault of the logged run (cli/stats_scan.c)
  for f in "$tmp"/b.db*; do mv "$f" "${f/b.db/touch.db}"; done
  s=$(secs "$fl" stats "$tmp/touch.db")
  printf -- '- faultline stats on the log of that run: %.3f s (%.0f faults/s)\n' "$s" \
    "$(echo "$pages / $s" | bc -l)"
} | tee -a "$out"

# Memory: peak RSS of the touch workload (the guest's pages are the same in every runner) and of
# a program that touches almost nothing (what a runner costs by itself).
maxrss() { # median peak RSS in MiB of $runs runs of "$@"
  local ms=()
  for _ in $(seq "$runs"); do
    rm -f "$tmp/b.db" "$tmp/b.db-wal" "$tmp/b.db-shm"
    ms+=("$("$bdir/maxrss" "$@" || true)")
  done
  printf '%s\n' "${ms[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p" | awk '{printf "%.1f", $1 / 1024}'
}
{
  echo
  echo "Memory: peak RSS in MiB (median of $runs), and above native."
  echo
  echo "| workload | native | faultline --no-log | faultline log | qemu-x86_64 | no-log - native | log - native | qemu - native |"
  echo "|---|---|---|---|---|---|---|---|"
  half=$((touch_mib / 2))
  declare -A above # "no-log MiB" / "log MiB": faultline's peak above native
  for w in "touch ${touch_mib} MiB;;$bdir/bench_touch_fresh $touch_mib;;$touch_mib" \
    "touch ${half} MiB;;$bdir/bench_touch_fresh $half;;$half" "busybox true;;/bin/busybox true;;"; do
    name=${w%%;;*}
    rest=${w#*;;}
    mib=${rest#*;;}
    read -r -a cmd <<<"${rest%;;*}"
    n=$(maxrss "${cmd[@]}")
    a=$(maxrss "$fl" run --quiet --no-log -- "${cmd[@]}")
    l=$(maxrss "$fl" run --quiet --db "$tmp/b.db" -- "${cmd[@]}")
    q=-
    [ -n "$qemu" ] && q=$(maxrss "$qemu" "${cmd[@]}")
    d() { if [ "$1" = - ]; then printf -- '-'; else printf '%+.1f' "$(echo "$1 - $n" | bc -l)"; fi; }
    echo "| $name | $n | $a | $l | $q | $(d "$a") | $(d "$l") | $(d "$q") |"
    if [ -n "$mib" ]; then
      above["no-log $mib"]=$(echo "$a - $n" | bc -l)
      above["log $mib"]=$(echo "$l - $n" | bc -l)
    fi
  done
  # Two sizes give what grows with the guest (mem_map, its page tables, huge-page slack) and
  # what does not: a straight line through the two --no-log rows. The log's own share is its
  # excess over --no-log at each size (the writer's queue is deeper in a longer run).
  echo
  big=${above["no-log $touch_mib"]} small=${above["no-log $half"]}
  per_gib=$(echo "($big - $small) * 1024 / ($touch_mib - $half)" | bc -l)
  fixed=$(echo "$small - $per_gib * $half / 1024" | bc -l)
  printf -- '- faultline --no-log above native (a line through the touch rows): %.1f MiB + %.1f MiB per GiB touched\n' \
    "$fixed" "$per_gib"
  printf -- '- the log adds %.1f MiB at %s MiB, %.1f MiB at %s MiB\n' \
    "$(echo "${above["log $half"]} - $small" | bc -l)" "$half" \
    "$(echo "${above["log $touch_mib"]} - $big" | bc -l)" "$touch_mib"
} | tee -a "$out"
echo "recorded in $out"
