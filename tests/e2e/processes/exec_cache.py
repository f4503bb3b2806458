#!/usr/bin/env python3
"""exec_cache.py - a file's page cache outlives the processes that mapped it.

    exec_cache.py --faultline FAULTLINE --workdir DIR

Runs `/bin/sh -c '/bin/true; /bin/true; echo done'` with --major-faults=model (a fault is major
when the model's own cache lacks the page, which starts empty). On Linux the second /bin/true
finds the pages of /usr/bin/true that the first one read still in the page cache, although no
process had the file open in between: its faults on the file are minor. So in the log the first
process to fault on the file has major faults there, the second none, and both have some.
"""

import argparse
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import faults as F  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    true = os.path.realpath(shutil.which("true"))
    r = F.Run(os.path.abspath(a.faultline), "/bin/sh", ["-c", "%s; %s; echo done" % (true, true)],
              a.workdir, "exec_cache", quiet=True, options=("--major-faults=model",))
    if not r.ok:
        return F.finish()
    try:
        F.expect_status(r, 0)
        F.expect(r.stdout == "done\n", "the shell prints done, got %r" % r.stdout)
        per_pid = r.db.execute(
            "SELECT pid, min(seq) AS first, sum(outcome = 'major') AS major,"
            " sum(outcome = 'minor') AS minor FROM faults"
            " WHERE run_id = ? AND vma_file = ? GROUP BY pid ORDER BY first",
            (r.run_id, true)).fetchall()
        F.expect(len(per_pid) == 2, "two processes fault on %s, got %d" % (true, len(per_pid)))
        if len(per_pid) != 2:
            raise F.CaseAbort()
        first, second = per_pid
        F.expect(first["major"] > 0,
                 "the first /bin/true reads the file: major faults (got %d)" % first["major"])
        F.expect(second["major"] == 0 and second["minor"] > 0,
                 "the second /bin/true finds it cached: minor faults only (got %d major, %d minor)"
                 % (second["major"], second["minor"]))
        F.check_log_invariants(r)
    except F.CaseAbort:
        pass
    return F.finish()


if __name__ == "__main__":
    sys.exit(main())
