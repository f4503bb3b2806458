#!/usr/bin/env python3
"""bench/tui_bench.py FAULTLINE BENCH_BUILD_DIR - `faultline tui` against `faultline run` on the
same workloads (both logging to a database): how much the live view slows a guest down.

`run` is timed from start to exit. `tui` runs in a detached 200x50 tmux window: the clock starts
when 'c' (continue from the entry point) is sent and stops when the screen says EXITED (polled
every 50 ms; half a poll is subtracted). Median of BENCH_RUNS (default 3) runs, wall seconds;
written to bench/results/<date>-<host>-tui.md. Not a test: the numbers belong to the machine.
"""
import os
import random
import resource
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time


# Each poll starts a tmux client: polling faster than this steals the CPU being measured.
POLL = 0.05


def run_time(fl, db, cmd):
    """(wall seconds, CPU seconds) of `faultline run`."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run([fl, "run", "--quiet", "--db", db, "--"] + cmd, check=True,
                   stdout=subprocess.DEVNULL)
    t = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return t, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def tui_time(fl, db, cmd, sock):
    """(wall seconds from 'c' to EXITED, CPU seconds of the whole faultline tui process)."""
    tmux = ["tmux", "-L", sock]
    cpu_file = db + ".cpu"
    line = " ".join(["/usr/bin/time", "-o", cpu_file, "-f", "'%U %S'", fl, "tui", "--quiet",
                     "--db", db, "--"] + cmd)
    subprocess.run(tmux + ["new-session", "-d", "-x", "200", "-y", "50", line], check=True)
    try:
        def screen():
            return subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True,
                                  text=True).stdout
        deadline = time.monotonic() + 30
        while "PAUSED at entry" not in screen():
            if time.monotonic() > deadline:
                raise RuntimeError("tui did not start")
            time.sleep(0.01)
        subprocess.run(tmux + ["send-keys", "c"], check=True)
        t0 = time.monotonic()
        while not re.search(r"\| EXITED \|", screen()):
            if time.monotonic() - t0 > 600:
                raise RuntimeError("tui run did not finish")
            time.sleep(POLL)
        t = time.monotonic() - t0 - POLL / 2  # the end is seen POLL/2 late on average
        subprocess.run(tmux + ["send-keys", "q"], check=True)
        deadline = time.monotonic() + 30
        while not (os.path.exists(cpu_file) and open(cpu_file).read().strip()):
            if time.monotonic() > deadline:
                raise RuntimeError("tui did not quit")
            time.sleep(0.05)
        user, sys_ = open(cpu_file).read().split()[-2:]
        return t, float(user) + float(sys_)
    finally:
        subprocess.run(tmux + ["kill-server"], capture_output=True)


def main():
    fl, bdir = os.path.realpath(sys.argv[1]), os.path.realpath(sys.argv[2])
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    if not shutil.which("tmux"):
        sys.exit("tmux is needed")
    tmp = tempfile.mkdtemp()
    # A real CPU-bound program beside the synthetic loop: the block hook the TUI needs costs per
    # translated block, and a tight loop of a few instructions per block is its worst case.
    data = os.path.join(tmp, "data64m")
    with open(data, "wb") as f:
        f.write(random.Random(1).randbytes(64 << 20))
    workloads = [
        ("touch 1 GiB fresh pages", [os.path.join(bdir, "bench_touch_fresh"), "1024"]),
        ("cpu loop 200M iterations", [os.path.join(bdir, "bench_cpu_loop"), "200"]),
        ("busybox sha256sum 64 MiB", ["/bin/busybox", "sha256sum", data]),
    ]
    cache = {}
    cache_path = os.path.join(os.path.dirname(fl), "CMakeCache.txt")
    if os.path.exists(cache_path):
        for line in open(cache_path):
            m = re.match(r"(CMAKE_BUILD_TYPE|FAULTLINE_DEBUG_VM|FAULTLINE_SANITIZE):\w+=(.*)", line)
            if m:
                cache[m.group(1)] = m.group(2).strip()
    build = ", ".join("%s=%s" % kv for kv in sorted(cache.items())) or "unknown build"
    load0 = os.getloadavg()[0]
    rows = []
    for name, cmd in workloads:
        r, t = [], []
        for i in range(runs):
            for f in os.listdir(tmp):
                if f != "data64m":
                    os.unlink(os.path.join(tmp, f))
            r.append(run_time(fl, os.path.join(tmp, "r.db"), cmd))
            t.append(tui_time(fl, os.path.join(tmp, "t.db"), cmd, "flbench%d" % os.getpid()))
        rm, tm = statistics.median(x[0] for x in r), statistics.median(x[0] for x in t)
        rc, tc = statistics.median(x[1] for x in r), statistics.median(x[1] for x in t)
        rows.append((name, rm, tm, rc, tc))
        print("%-28s run %.2f s  tui %.2f s  (%.2fx)  CPU run %.2f s  tui %.2f s" %
              (name, rm, tm, tm / rm, rc, tc), flush=True)
    shutil.rmtree(tmp)
    out = "bench/results/%s-%s-tui.md" % (time.strftime("%Y-%m-%d", time.gmtime()),
                                        socket.gethostname().split(".")[0])
    os.makedirs("bench/results", exist_ok=True)
    with open(out, "w") as f:
        f.write("# `faultline tui` vs `faultline run`, %s\n\n" %
                time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        f.write("Build: %s. " % build)
        f.write("Machine: %d cores. Both log to a database. tui: from 'c' at the entry point "
                "to EXITED on screen (200x50 tmux window, polled every 50 ms, half a poll subtracted). Median of %d "
                "runs, wall seconds. Load average (1 min) %.1f before, %.1f after: other work "
                "on the machine shows up as noise in both columns.\n\n" %
                (os.cpu_count(), runs, load0, os.getloadavg()[0]))
        f.write("CPU is user + system seconds of the whole faultline process (tui: every thread, "
                "the time paused at the entry point included, which costs nothing).\n\n")
        f.write("| workload | run wall | tui wall | tui / run | run CPU | tui CPU |\n"
                "|---|---|---|---|---|---|\n")
        for name, rm, tm, rc, tc in rows:
            f.write("| %s | %.2f | %.2f | %.2fx | %.2f | %.2f |\n" % (name, rm, tm, tm / rm, rc, tc))
    print("written to", out)


if __name__ == "__main__":
    main()
