#!/usr/bin/env python3
"""bench/thread_cpu.py RUNS CMD [ARGS...] - where a faultline run's CPU time goes, by thread.

Runs CMD (stdout discarded) RUNS times. While it runs, reads every thread's CPU time
(/proc/PID/task/TID/schedstat, nanoseconds) and name (comm: faultline names its threads
fl-log-writer, fl-prefault, fl-cputime, ...) every millisecond; the last reading of a thread that
has ended stands for its total, which misses at most a millisecond of it. The process's own
total comes from wait4's rusage, exact, and the main thread (the emulator under `faultline run`)
is credited with what the other threads do not account for. Prints the median of each name
over the runs, in milliseconds of CPU, with the median wall time:

    wall 218 ms; cpu 351 ms: main 198, fl-log-writer 112, fl-prefault 41, fl-cputime 0

Not a test: the numbers belong to the machine (bench/README.md).
"""
import glob
import os
import statistics
import subprocess
import sys
import time


def one_run(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    last = {}  # tid -> (name, ns)
    while True:
        pid, _, ru = os.wait4(p.pid, os.WNOHANG)  # reaps it with its rusage (Popen.poll would not)
        if pid == p.pid:
            break
        for task in glob.glob("/proc/%d/task/*" % p.pid):
            tid = int(task.rsplit("/", 1)[1])
            if tid == p.pid:
                continue
            try:
                with open(task + "/comm") as f:
                    name = f.read().strip()
                with open(task + "/schedstat") as f:
                    ns = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # the thread ended between the listing and the reads
            last[tid] = (name, ns)
        time.sleep(0.001)
    p.returncode = 0  # reaped above: keep Popen from waiting for it again
    wall = time.monotonic() - t0
    total = (ru.ru_utime + ru.ru_stime) * 1e3
    by_name = {}
    for name, ns in last.values():
        by_name[name] = by_name.get(name, 0.0) + ns / 1e6
    by_name["main"] = max(0.0, total - sum(by_name.values()))
    return wall * 1e3, total, by_name


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: thread_cpu.py RUNS CMD [ARGS...]")
    runs, cmd = int(sys.argv[1]), sys.argv[2:]
    walls, totals, names = [], [], {}
    for _ in range(runs):
        wall, total, by_name = one_run(cmd)
        walls.append(wall)
        totals.append(total)
        for k, v in by_name.items():
            names.setdefault(k, []).append(v)
    parts = sorted(((statistics.median(v + [0.0] * (runs - len(v))), k) for k, v in names.items()),
                   key=lambda x: (x[1] != "main", -x[0]))
    print("wall %.0f ms; cpu %.0f ms: %s" % (statistics.median(walls), statistics.median(totals),
                                             ", ".join("%s %.0f" % (k, v) for v, k in parts)))


if __name__ == "__main__":
    main()
