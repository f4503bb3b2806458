#!/usr/bin/env python3
"""determinism.py - the same multi-process run twice gives the same fault log (emu/sched.h).

    determinism.py --faultline FAULTLINE --workdir DIR -- PROG [ARGS...]

Runs `faultline run` twice and compares, row by row, the faults (pid, address, error code,
path, outcome, frames before and after) and the process tree (pid, ppid, argv, exit status,
fault counts). Scheduling only at blocking syscalls and exits makes them identical.
"""

import argparse
import os
import sqlite3
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import flharness as fh  # noqa: E402

FAULTS = ("SELECT pid, address, error_code, path, outcome, pfn_before, pfn_after FROM faults "
          "ORDER BY seq")
# The first process's ppid is faultline's own host pid: left out.
PROCS = ("SELECT pid, CASE WHEN pid = (SELECT min(pid) FROM processes) THEN NULL ELSE ppid END, "
         "argv, exit_code, term_signal, min_flt, maj_flt FROM processes ORDER BY pid")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    work = os.path.abspath(a.workdir)
    os.makedirs(work, exist_ok=True)
    logs = []
    for i in (1, 2):
        db = os.path.join(work, "run%d.db" % i)
        fh.remove_db(db)
        # The model's major-fault rule: the default one asks the host's page cache, which the
        # first run may warm for the second (a fresh machine's busybox: 7 major faults, then 0).
        r = fh.run(fh.faultline_argv(os.path.abspath(a.faultline), cmd[0], cmd[1:], db=db,
                                     options=["--major-faults=model"]),
                   cwd=work, timeout=60)
        print("run %d: %s" % (i, r.describe()))
        con = sqlite3.connect(db)
        logs.append((r.status, r.stdout, con.execute(FAULTS).fetchall(),
                     con.execute(PROCS).fetchall()))
        con.close()
    problems = []
    (s1, o1, f1, p1), (s2, o2, f2, p2) = logs
    if (s1, o1) != (s2, o2):
        problems.append("status or stdout differ: %s vs %s" % (s1, s2))
    if len(p1) < 2:
        problems.append("expected several processes, the log has %d" % len(p1))
    if p1 != p2:
        problems.append("the process trees differ:\n  %s\n  %s" % (p1, p2))
    if f1 != f2:
        first = next((i for i, (x, y) in enumerate(zip(f1, f2)) if x != y), min(len(f1), len(f2)))
        problems.append("the fault logs differ (%d vs %d rows) from row %d:\n  %s\n  %s"
                        % (len(f1), len(f2), first, f1[first] if first < len(f1) else None,
                           f2[first] if first < len(f2) else None))
    for p in problems:
        print("FAIL: " + p)
    if not problems:
        print("OK: %d faults in %d processes, identical in both runs" % (len(f1), len(p1)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
