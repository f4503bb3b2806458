#!/usr/bin/env python3
"""Bad input gets one clear line on stderr and a non-zero exit, never a crash.

usage: bad_input.py --faultline FL --workdir DIR --guest-dir GUESTS CASE

Cases:
  elves      every file tests/e2e/make_bad_elves.py generates (truncated, 32-bit, foreign,
             corrupt program headers, ...): exit 126, exactly one stderr line with the
             expected text, no signal
  missing    a program that does not exist: exit 127, one line naming it
  options    bad options: exit 2, one line each, and no log created
  db         an unwritable log path and a non-faultline SQLite file: exit 1, one line, the guest
             never runs, the foreign database is left unchanged
  loop       a guest that never ends stops at --timeout (exit 124) and at --max-insns (exit 124),
             and its log says so (runs.status = 'limit')
  longcall   a guest inside one call that keeps the model busy for minutes (an mmap with
             MAP_POPULATE of a sparse 64 GiB file: fuzz_found populate) stops at --timeout too
  memfd      a guest that fallocates more on a memfd than its RAM and swap hold gets ENOSPC
             rather than filling the host's memory (fuzz_found memfd, --ram 64M)
"""
import argparse
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(fl, args, cwd, timeout=30):
    p = subprocess.run([fl] + args, cwd=cwd, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def one_line(err):
    lines = [l for l in err.splitlines() if l.strip()]
    return len(lines) == 1, lines


def case_elves(a):
    out = os.path.join(a.workdir, "elves")
    os.makedirs(out, exist_ok=True)
    template = shutil.which("busybox") or "/bin/busybox"
    subprocess.run([sys.executable, os.path.join(HERE, "..", "make_bad_elves.py"), out, template],
                   check=True)
    with open(os.path.join(out, "cases.txt")) as f:
        cases = [l.rstrip("\n").split("\t") for l in f if l.strip()]
    check(len(cases) >= 15, "make_bad_elves produced %d cases" % len(cases))
    for f in ("x.db", "x.db-wal", "x.db-shm"):  # a log left by an older build would be reused
        if os.path.exists(os.path.join(out, f)):
            os.unlink(os.path.join(out, f))
    for name, want in cases:
        path = os.path.join(out, name)
        rc, _, err = run(a.faultline, ["run", "--db", os.path.join(out, "x.db"), "--", path],
                         a.workdir)
        single, lines = one_line(err)
        check(rc > 0, "%s: exit %d, want a failure status (no signal)" % (name, rc))
        check(rc in (126, 127), "%s: exit %d, want 126 or 127" % (name, rc))
        check(single, "%s: want exactly one stderr line, got %r" % (name, lines))
        check(want in err, "%s: stderr %r does not contain %r" % (name, err.strip(), want))


def case_missing(a):
    rc, _, err = run(a.faultline, ["run", "--no-log", "--", "/nonexistent/prog"], a.workdir)
    check(rc == 127, "missing program: exit %d, want 127" % rc)
    check(one_line(err)[0] and "/nonexistent/prog" in err, "missing program: stderr %r" % err)


def case_options(a):
    guest = os.path.join(a.guest_dir, "hello")
    bad = [
        ["run"],
        ["run", "--ram", "lots", "--", guest],
        ["run", "--ram", "10", "--", guest],
        ["run", "--fault-around", "3000", "--", guest],
        ["run", "--page-cluster", "-1", "--", guest],
        ["run", "--page-cluster", "3x", "--", guest],
        ["run", "--overcommit", "sometimes", "--", guest],
        ["run", "--overcommit-ratio", "-5", "--", guest],
        ["run", "--timeout", "-1", "--", guest],
        ["run", "--max-insns", "0", "--", guest],
        ["run", "--no-such-option", "--", guest],
        ["run", "--cpu", "pentium9", "--", guest],
        ["compare", "--cpu", "", "--", guest],
        ["run", "-E", "NOEQUALS", "--", guest],
        ["frobnicate"],
    ]
    for args in bad:
        rc, _, err = run(a.faultline, args, a.workdir)
        check(rc == 2, "%s: exit %d, want 2" % (args, rc))
        check(one_line(err)[0], "%s: want one stderr line, got %r" % (args, err))
    check(not os.path.exists(os.path.join(a.workdir, "faultline.db")),
          "a rejected command line created faultline.db")


def case_db(a):
    guest = os.path.join(a.guest_dir, "hello")
    rc, out, err = run(a.faultline, ["run", "--db", "/nonexistent-dir/x.db", "--", guest],
                       a.workdir)
    check(rc == 1, "unwritable db: exit %d, want 1" % rc)
    check(one_line(err)[0], "unwritable db: want one stderr line, got %r" % err)
    check(out == "", "unwritable db: the guest ran anyway (stdout %r)" % out)

    # The run's other outputs are opened only once the log is: a refused log truncates neither
    # the syscall trace nor the swap file a previous run left.
    kept = {os.path.join(a.workdir, n): b"a previous run's output\n"
            for n in ("trace.txt", "swap.bin")}
    for path, data in kept.items():
        with open(path, "wb") as f:
            f.write(data)
    rc, out, err = run(a.faultline, ["run", "--db", "/nonexistent-dir/x.db",
                                     "--strace=" + os.path.join(a.workdir, "trace.txt"),
                                     "--swap", "1M", "--swap-file",
                                     os.path.join(a.workdir, "swap.bin"), "--", guest], a.workdir)
    check(rc == 1, "unwritable db with outputs: exit %d, want 1" % rc)
    check(one_line(err)[0], "unwritable db with outputs: want one stderr line, got %r" % err)
    for path, data in kept.items():
        with open(path, "rb") as f:
            check(f.read() == data, "unwritable db: %s was changed" % os.path.basename(path))

    foreign = os.path.join(a.workdir, "foreign.db")
    if os.path.exists(foreign):
        os.unlink(foreign)
    con = sqlite3.connect(foreign)
    con.execute("create table t(x)")
    con.execute("insert into t values (42)")
    con.commit()
    con.close()
    before = hashlib.sha256(open(foreign, "rb").read()).hexdigest()
    rc, out, err = run(a.faultline, ["run", "--db", foreign, "--", guest], a.workdir)
    check(rc == 1, "foreign db: exit %d, want 1" % rc)
    check(one_line(err)[0], "foreign db: want one stderr line, got %r" % err)
    after = hashlib.sha256(open(foreign, "rb").read()).hexdigest()
    check(before == after, "foreign db: the file was changed")


def case_loop(a):
    guest = os.path.join(a.guest_dir, "spin")
    db = os.path.join(a.workdir, "loop.db")
    for f in (db, db + "-wal", db + "-shm"):
        if os.path.exists(f):
            os.unlink(f)
    rc, _, err = run(a.faultline, ["run", "--db", db, "--timeout", "1", "--", guest], a.workdir)
    check(rc == 124, "--timeout: exit %d, want 124 (stderr %r)" % (rc, err))
    check("--timeout" in err, "--timeout: stderr %r does not say why it stopped" % err)
    rc, _, err = run(a.faultline, ["run", "--db", db, "--max-insns", "200000", "--", guest],
                     a.workdir)
    check(rc == 124, "--max-insns: exit %d, want 124" % rc)
    con = sqlite3.connect(db)
    rows = con.execute("select status, instructions from runs order by run_id").fetchall()
    check([r[0] for r in rows] == ["limit", "limit"], "runs.status: %r" % rows)
    check(rows[1][1] == 200000, "--max-insns: runs.instructions %r, want 200000" % rows[1][1])


def case_memfd(a):
    guest = os.path.join(a.guest_dir, "fuzz_found")
    rc, out, err = run(a.faultline, ["run", "--no-log", "--ram", "64M", "--", guest, "memfd"],
                       a.workdir, timeout=30)
    check(rc == 0, "fuzz_found memfd: exit %d (stderr %r)" % (rc, err))
    check(out.splitlines() == ["fallocate 16 MiB: ok",
                               "fallocate 1 GiB: No space left on device",
                               "fallocate 1 GiB, KEEP_SIZE: No space left on device"],
          "fallocate on a memfd past --ram 64M: %r" % out)


def case_longcall(a):
    guest = os.path.join(a.guest_dir, "fuzz_found")
    scratch = os.path.join(a.workdir, "scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    try:
        rc, _, err = run(a.faultline, ["run", "--no-log", "--ram", "64M", "--timeout", "2", "--",
                                       guest, "populate"], scratch, timeout=20)
        check(rc == 124, "--timeout in a long call: exit %d, want 124 (stderr %r)" % (rc, err))
    except subprocess.TimeoutExpired:
        check(False, "--timeout 2 did not end a guest inside one long call within 20 s")
    shutil.rmtree(scratch, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("case")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    {"elves": case_elves, "missing": case_missing, "options": case_options, "db": case_db,
     "loop": case_loop, "longcall": case_longcall, "memfd": case_memfd}[a.case](a)
    print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
