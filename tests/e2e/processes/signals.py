#!/usr/bin/env python3
"""signals.py - the fault log of tests/guest/sig_handlers: user-level fault handling.

    signals.py --faultline FAULTLINE --guest-dir DIR --workdir DIR [--musl]

The guest's guard page (reported on stderr as guard=0x...) is written, then read, while
PROT_NONE; each time its SIGSEGV handler mprotects the page and returns, and the access is
retried. Expected rows in that page, in order (Linux 4.20, arch/x86/mm/fault.c, mm/memory.c):

  1. write at guard+0x123, error 6 (USER|WRITE, not present), bad_area_access_error, sigsegv,
     SEGV_ACCERR;
  2. the retried write: do_anonymous_page, minor (the page was never touched before);
  3. read at guard+0x123 after mprotect(PROT_NONE), error 4: bad_area_access_error, sigsegv;
  4. nothing more: after the handler's mprotect(PROT_READ|PROT_WRITE) the PTE is present again
     and the retried read is a TLB refill, not a fault.

No "segfault at" line is printed (the signals are handled), and the run exits with status 0.
"""

import argparse
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import faults as F  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--musl", action="store_true", help="the musl build of the guest")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    prog = os.path.join(a.guest_dir, "sig_handlers" + ("-musl" if a.musl else ""))
    r = F.Run(os.path.abspath(a.faultline), prog, [], a.workdir, "sig_handlers")
    if not r.ok:
        return F.finish()
    try:
        F.expect_status(r, 0)
        guard = r.note("guard")
        target = guard + 0x123
        rows = r.rows("page = ?", guard)
        F.expect_count(r, "page = ?", 3, guard)
        want = [
            dict(access="write", error_code=6, handler="bad_area_access_error", outcome="sigsegv",
                 signo=F.SIGSEGV, si_code=F.SEGV_ACCERR, user=1),
            dict(access="write", error_code=6, handler="do_anonymous_page", outcome="minor",
                 path=F.PathIs(F.ANON_PATH), user=1),
            dict(access="read", error_code=4, handler="bad_area_access_error", outcome="sigsegv",
                 signo=F.SIGSEGV, si_code=F.SEGV_ACCERR, user=1),
        ]
        for i, (row, w) in enumerate(zip(rows, want)):
            F.expect_row(r, row, "fault %d in the guard page" % (i + 1), address=target, **w)
        F.expect(" segfault at " not in r.stderr,
                 "a handled SIGSEGV printed a segfault line:\n" + r.stderr)
        F.check_log_invariants(r)
    except F.CaseAbort:
        pass
    return F.finish()


if __name__ == "__main__":
    sys.exit(main())
