#!/usr/bin/env python3
"""fork_faults.py - the fault log of tests/guest/fork_cow: copy-on-write across fork.

    fork_faults.py --faultline FAULTLINE --guest-dir DIR --workdir DIR [--musl]

fork_cow maps one private anonymous VMA of three pages A, Z, S (reported on stderr) and
expects, in this order (Linux 4.20: dup_mmap/copy_page_range, do_wp_page):

  parent  A write  do_anonymous_page            frame F_A
  parent  Z read   do_anonymous_page            maps the zero page (read-only, special)
  parent  S write  do_anonymous_page
  -- fork: copy_page_range write-protects A and S in both, Z stays the zero page --
  child   A write  do_wp_page>wp_page_copy      pfn_before F_A, pfn_after a new frame
  child   Z write  do_wp_page>wp_page_copy      from the zero page
  parent  A write  do_wp_page>wp_page_reuse     F_A again, no copy (the child's copy left it
                                                 with one mapping)
  parent  Z write  do_wp_page>wp_page_copy      the zero page is never reused

and nothing else in those pages: S, written by nobody after the fork, stays one frame shared
read-only (no fault at all). The process tree has the child with the parent as ppid and exit
code 5; every fault row carries the pid of the process that took it.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import faults as F  # noqa: E402

WP = "do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_wp_page>"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--musl", action="store_true", help="the musl build of the guest")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    prog = os.path.join(a.guest_dir, "fork_cow" + ("-musl" if a.musl else ""))
    r = F.Run(os.path.abspath(a.faultline), prog, [], a.workdir, "fork_cow", quiet=True)
    if not r.ok:
        return F.finish()
    try:
        F.expect_status(r, 0)
        pa, pz, ps = r.note("a"), r.note("z"), r.note("s")
        procs = r.db.execute("SELECT pid, ppid, exit_code, term_signal FROM processes "
                             "WHERE run_id = ? ORDER BY pid", (r.run_id,)).fetchall()
        F.expect(len(procs) == 2, "two processes in the log, got %d" % len(procs))
        if len(procs) != 2:
            raise F.CaseAbort()
        parent, child = procs[0]["pid"], procs[1]["pid"]
        F.expect(procs[1]["ppid"] == parent, "the child's ppid is the parent's pid")
        F.expect(procs[1]["exit_code"] == 5 and procs[0]["exit_code"] == 0,
                 "exit codes: child 5, parent 0; got %s, %s"
                 % (procs[1]["exit_code"], procs[0]["exit_code"]))
        where = "page IN (?, ?, ?)"
        rows = r.rows(where, pa, pz, ps)
        want = [
            (parent, pa, "write", "do_anonymous_page", F.ANON_PATH),
            (parent, pz, "read", "do_anonymous_page", F.ANON_PATH),
            (parent, ps, "write", "do_anonymous_page", F.ANON_PATH),
            (child, pa, "write", "wp_page_copy", WP + "wp_page_copy"),
            (child, pz, "write", "wp_page_copy", WP + "wp_page_copy"),
            (parent, pa, "write", "wp_page_reuse", WP + "wp_page_reuse"),
            (parent, pz, "write", "wp_page_copy", WP + "wp_page_copy"),
        ]
        F.expect_count(r, where, len(want), pa, pz, ps)
        for i, (row, (pid, page, acc, handler, path)) in enumerate(zip(rows, want)):
            F.expect_row(r, row, "fault %d in A/Z/S" % (i + 1), pid=pid, page=page, access=acc,
                         handler=handler, path=F.PathIs(path), user=1, outcome="minor")
        if len(rows) == len(want):
            f_a = rows[0]["pfn_after"]
            zero = rows[1]["pfn_after"]
            F.expect(rows[3]["pfn_before"] == f_a and rows[3]["pfn_after"] != f_a,
                     "the child's copy of A starts from the parent's frame and gets a new one")
            F.expect(rows[4]["pfn_before"] == zero, "the child's Z write starts from the zero page")
            F.expect(rows[5]["pfn_before"] == f_a and rows[5]["pfn_after"] == f_a,
                     "the parent's write to A reuses its frame")
            F.expect(rows[6]["pfn_before"] == zero and rows[6]["pfn_after"] != zero,
                     "the parent's Z write copies from the zero page")
        F.expect_count(r, "pid NOT IN (?, ?)", 0, parent, child)
        F.check_log_invariants(r)
    except F.CaseAbort:
        pass
    return F.finish()


if __name__ == "__main__":
    sys.exit(main())
