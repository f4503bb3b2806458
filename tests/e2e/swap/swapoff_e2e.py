#!/usr/bin/env python3
"""swapoff_e2e - a root guest's swapoff(2) and swapon(2) of faultline's swap device.

Cases:
  cycle
      tests/guest/swapoff_cycle under --ram 16M --swap 64M (see its header): its stdout is
      exactly EXPECTED (SwapFree below SwapTotal after the pressure, the EINVAL, EBUSY and EPERM
      answers, swapoff's 0, SwapTotal 0 and a /proc/swaps of only its header after it, pswpin
      grown but not pgmajfault, the region's contents intact, swapon's 0, priority -2, swap in
      use again under new pressure). In the log: no do_swap_page row between the marker after
      swapoff and the one after the check; in region A, a `swapoff_in` reclaim_events row for
      exactly the pages whose last event before the swapoff was a swap_out (not a swap-in
      fault), all at the swapoff's fault_seq (the last fault before the call); and in the
      check, exactly those pages take a fault, a wp_page_reuse each (swapoff maps them
      read-only and old, as 4.20's unuse_pte), the others none.
  nomem
      `swapoff_cycle nomem`: 24 MiB written under --ram 16M, then swapoff: ENOMEM, and the
      device stays (SwapTotal as before, swap still in use, /proc/swaps lists it), the contents
      intact; the swapoff_in rows (the pages that did come back) are fewer than the region.
  util-linux
      util-linux's swapon --show, swapoff -v NAME, swapon -v NAME and swapoff -a inside
      faultline, on the device /proc/swaps names: each exits 0 and says what it did.
The guest runs as faultline's uid; the cases need it to be root (else skipped, 77).
"""

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys

EXPECTED = """before: SwapTotal 65532, some used 1
swaps: priority -2
swapoff /etc/passwd: EINVAL
swapon bad flags: EINVAL
swapon /etc/passwd: EINVAL
swapon active: EBUSY
uid 65534 swapoff: EPERM
uid 65534 swapon: EPERM
swapoff: 0
after: SwapTotal 0 SwapFree 0, /proc/swaps lines 1
pswpin grew 1, pgmajfault grew 0
swapoff again: EINVAL
contents: 0 bad pages
swapon: 0
swapon again: EBUSY
swaps: lines 2 priority -2, SwapTotal 65532
pressure: some used 1, pswpout grew 1
contents: 0 bad pages
"""

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(args, work, *cmd, db=None):
    argv = [args.faultline, "run"] + (["--db", db] if db else ["--no-log"]) + \
        ["--ram", "16M", "--swap", "64M", "--swap-file", os.path.join(work, "swapfile"), "--"] + \
        list(cmd)
    return subprocess.run(["timeout", "-s", "KILL", "100"] + argv, cwd=work,
                          capture_output=True, text=True)


def case_cycle(args, work):
    db = os.path.join(work, "cycle.db")
    r = run(args, work, args.guest, db=db)
    check(r.returncode == 0, "exit status %d, stderr: %s" % (r.returncode, r.stderr[-2000:]))
    check(r.stdout == EXPECTED, "stdout:\n" + r.stdout)
    notes = dict(re.findall(r"swapoff_cycle: (\w+)=(0x[0-9a-f]+)", r.stderr))
    if not {"a", "a_end", "marker_after_swapoff", "marker_checked"} <= notes.keys():
        check(False, "the guest stopped early: %s" % r.stderr[-1000:])
        return
    lo, hi = int(notes["a"], 16), int(notes["a_end"], 16)
    con = sqlite3.connect(db)
    q = lambda sql, *p: con.execute(sql, p).fetchall()  # noqa: E731
    run_id = q("SELECT max(run_id) FROM runs")[0][0]
    m1 = q("SELECT seq FROM faults WHERE run_id = ? AND address = ?", run_id,
           int(notes["marker_after_swapoff"], 16))[0][0]
    m2 = q("SELECT seq FROM faults WHERE run_id = ? AND address = ?", run_id,
           int(notes["marker_checked"], 16))[0][0]
    n = q("SELECT count(*) FROM faults WHERE run_id = ? AND seq > ? AND seq < ? AND "
          "handler = 'do_swap_page'", run_id, m1, m2)[0][0]
    check(n == 0, "%d do_swap_page rows after swapoff" % n)
    ins = q("SELECT address, fault_seq, mappings, swap_slot FROM reclaim_events "
            "WHERE run_id = ? AND kind = 'swapoff_in'", run_id)
    seqs = {s for _, s, _, _ in ins}
    check(len(seqs) == 1, "swapoff_in rows at fault_seqs %s" % sorted(seqs))
    s = min(seqs) if seqs else 0
    check(s < m1, "swapoff_in rows at %d, after the marker %d" % (s, m1))
    check(all(m == 1 and slot is not None for _, _, m, slot in ins), "swapoff_in rows' columns")
    got = {a for a, _, _, _ in ins if lo <= a < hi}
    # each page of A: its last swap_out before the swapoff, its last swap-in fault before it
    out = dict(q("SELECT address, max(fault_seq) FROM reclaim_events WHERE run_id = ? AND "
                 "kind = 'swap_out' AND address >= ? AND address < ? AND fault_seq <= ? "
                 "GROUP BY 1", run_id, lo, hi, s))
    back = dict(q("SELECT page, max(seq) FROM faults WHERE run_id = ? AND path LIKE "
                  "'%do_swap_page%' AND page >= ? AND page < ? AND seq <= ? GROUP BY 1",
                  run_id, lo, hi, s))
    want = {a for a, t in out.items() if back.get(a, -1) < t}
    check(got == want, "swapoff_in pages of A: %d, pages on swap: %d, differing: %s" %
          (len(got), len(want), sorted(got ^ want)[:8]))
    check(len(want) > 1024, "only %d pages of A on swap" % len(want))
    rows = q("SELECT page, handler FROM faults WHERE run_id = ? AND seq > ? AND seq < ? AND "
             "page >= ? AND page < ?", run_id, m1, m2, lo, hi)
    check({p for p, _ in rows} == want and len(rows) == len(want),
          "%d faults in A during the check, %d pages swapoff mapped" % (len(rows), len(want)))
    check(all(h == "wp_page_reuse" for _, h in rows),
          "check faults: %s" % sorted({h for _, h in rows}))
    print("cycle: %d pages of A brought back by swapoff, %d swapoff_in rows in all" %
          (len(got), len(ins)))


def case_nomem(args, work):
    db = os.path.join(work, "nomem.db")
    r = run(args, work, args.guest, "nomem", db=db)
    check(r.returncode == 0, "exit status %d, stderr: %s" % (r.returncode, r.stderr[-2000:]))
    want = ("swapoff: ENOMEM\nafter: SwapTotal same 1, some used 1, /proc/swaps lines 2\n"
            "contents: 0 bad pages\n")
    check(r.stdout == want, "stdout:\n" + r.stdout)
    if os.path.exists(db):
        con = sqlite3.connect(db)
        n = con.execute("SELECT count(*) FROM reclaim_events WHERE kind = 'swapoff_in'")
        n = n.fetchone()[0]
        check(n < 24 * 256, "%d swapoff_in rows" % n)
        print("nomem: swapoff brought %d pages back before it ran out of RAM" % n)


def case_util_linux(args, work):
    for tool in ("swapon", "swapoff"):
        if not shutil.which(tool):
            print("no util-linux %s" % tool)
            sys.exit(77)
    name = os.path.realpath(os.path.join(work, "swapfile"))
    script = ("swapon --show; swapoff -v %s; echo rc=$?; swapon --show; cat /proc/swaps; "
              "swapon -v %s; echo rc=$?; swapon --show=NAME,SIZE,PRIO; swapoff -a; echo rc=$?; "
              "cat /proc/swaps" % (name, name))
    r = run(args, work, "/bin/sh", "-c", script)
    print(r.stdout + r.stderr)
    check(r.returncode == 0, "exit status %d" % r.returncode)
    check(r.stdout.count("rc=0") == 3, "a util-linux call failed")
    check("swapoff %s" % name in r.stdout + r.stderr, "swapoff -v said nothing")
    lines = r.stdout.splitlines()
    check(sum(name in ln for ln in lines) >= 3, "the device listed before and after")
    check(lines[-1].startswith("Filename"), "/proc/swaps after swapoff -a: %s" % lines[-1:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=["cycle", "nomem", "util-linux"])
    args = ap.parse_args()
    args.guest, args.faultline = os.path.abspath(args.guest), os.path.abspath(args.faultline)
    if os.geteuid() != 0:
        print("swapoff and swapon need a root guest: skipped")
        return 77
    shutil.rmtree(args.workdir, ignore_errors=True)
    os.makedirs(args.workdir)
    {"cycle": case_cycle, "nomem": case_nomem,
     "util-linux": case_util_linux}[args.case](args, args.workdir)
    print("FAILED" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
