#!/usr/bin/env python3
"""compare.py - run a program natively and under faultline; stdout and exit status must match.

    compare.py --faultline FAULTLINE --workdir DIR [--stdin FILE] [--timeout S]
               [--fl-option OPT]... [--want-status N] [--skip-status N] -- PROG [ARGS...]

Runs PROG ARGS natively, then `FAULTLINE run --db DIR/faultline.db --quiet -- PROG ARGS`.
Both runs get the same environment (the caller's, LC_ALL=C), the same stdin (FILE, or
/dev/null) and the same working directory, DIR/scratch, emptied before each run. An argument
equal to (or containing) "@SCRATCH@" is replaced with that directory's path. stderr is not
compared (guests print addresses there) but shown on failure, and a sanitizer report in
faultline's stderr (a -DFAULTLINE_SANITIZE=ON build) fails the test.

Exit status 0 when stdout (byte for byte) and exit status agree (and, with --want-status, the
native status is N, so that two identical failures do not pass), 1 otherwise, with a diff.
With --skip-status N, a native run that exits N (the program found that this host's kernel
cannot be compared) ends the test with status N and a message: ctest counts it as skipped.
"""

import argparse
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faultline", required=True, help="the faultline executable")
    ap.add_argument("--workdir", required=True, help="this test's own directory (created)")
    ap.add_argument("--stdin", help="file to feed both runs on stdin (default /dev/null)")
    ap.add_argument("--timeout", type=float, default=25, help="seconds per run (default 25)")
    ap.add_argument("--fl-option", action="append", default=[],
                    help="extra option for `faultline run` (repeatable)")
    ap.add_argument("--want-status", type=int, help="the exit status the native run must have")
    ap.add_argument("--skip-status", type=int,
                    help="native exit status that means: not comparable on this host, skip")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- PROG [ARGS...]")
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("no program given")

    faultline = os.path.abspath(a.faultline)
    fh.need_faultline(faultline)
    work = os.path.abspath(a.workdir)
    os.makedirs(work, exist_ok=True)
    scratch = os.path.join(work, "scratch")
    # The same absolute path for both runs (both would find a bare name in the same PATH).
    prog = os.path.abspath(cmd[0]) if os.sep in cmd[0] else (shutil.which(cmd[0]) or cmd[0])
    args = [x.replace(fh.SCRATCH, scratch) for x in cmd[1:]]
    stdin = os.path.abspath(a.stdin) if a.stdin else None
    db = os.path.join(work, "faultline.db")

    fh.fresh_dir(scratch)
    native = fh.run([prog] + args, cwd=scratch, stdin_path=stdin, timeout=a.timeout)
    if a.skip_status is not None and native.status == a.skip_status:
        print("SKIP: %s: the native run exited %d: this host's kernel cannot be compared"
              % (os.path.basename(prog), a.skip_status))
        return a.skip_status

    fh.fresh_dir(scratch)
    fh.remove_db(db)
    emulated = fh.run(fh.faultline_argv(faultline, prog, args, db=db, options=a.fl_option),
                      cwd=scratch, stdin_path=stdin, timeout=a.timeout)

    problems = fh.compare_results(native, emulated)
    # A sanitizer build's report (UBSan goes on after one) is a failure even when the guest
    # saw nothing: faultline must never hit undefined behaviour because of what a guest does.
    m = re.search(rb"runtime error: .*|ERROR: \w+Sanitizer.*", emulated.stderr)
    if m:
        problems.append("faultline's stderr has a sanitizer report: %s"
                        % m.group(0).decode(errors="replace"))
    if a.want_status is not None and native.status != a.want_status:
        problems.append("the native run exited with status %s, not %d: the test itself is broken"
                        % (native.status, a.want_status))
    return fh.report("%s: native and faultline agree" % os.path.basename(prog), problems,
                     [("native", native), ("faultline", emulated)])


if __name__ == "__main__":
    sys.exit(main())
