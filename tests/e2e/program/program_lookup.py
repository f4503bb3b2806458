#!/usr/bin/env python3
"""program_lookup.py - how `faultline run -- PROG` finds PROG, as execvp and execve would.

    program_lookup.py --faultline FL --guest-dir GUESTS --workdir DIR CASE

CASE is one of:
  path     a name without '/' is looked up in PATH (faultline's own, as strace does); the
           guest's argv[0] stays as typed, the log names the file that ran
  script   a #! script runs under its interpreter: "#!/bin/sh", "#!/bin/sed -f" (an argument
           on the #! line), a script whose interpreter is a script; output, exit status and
           the process name (/proc/self/comm is the script's) as in a native run
  bad      a missing interpreter (127, as a shell), a #! line naming nothing and a name not in
           PATH: one line on stderr, nothing run
  setid    as root, PROG itself set-user-ID (uid 65534's, 4755) or set-group-ID (group
           4242's, 2755): it starts with those ids, AT_SECURE and not dumpable, as when root
           runs it natively (tests/guest/setid_exec's report)
"""

import argparse
import os
import sqlite3
import stat
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import flharness as fh  # noqa: E402


def write_script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def compare(a, argv, env, title, stdin_path=None):
    """Run argv natively (argv[0] looked up as execvp does) and under faultline."""
    scratch = fh.fresh_dir(os.path.join(a.workdir, "scratch"))
    native = fh.run(argv, cwd=scratch, env=env, stdin_path=stdin_path)
    db = os.path.join(a.workdir, "faultline.db")
    fh.remove_db(db)
    emulated = fh.run(fh.faultline_argv(a.faultline, argv[0], argv[1:], db=db), cwd=scratch,
                      env=env, stdin_path=stdin_path)
    problems = fh.compare_results(native, emulated)
    if native.status != 0:
        problems.append("the native run failed (status %s): the test itself is broken"
                        % native.status)
    return fh.report(title, problems, [("native", native), ("faultline", emulated)]), db


def case_path(a):
    # The guest prints its argv: argv[0] must be the name as typed, as execvp leaves it.
    env = fh.test_env({"PATH": "/nonexistent:" + a.guest_dir + ":/usr/bin:/bin"})
    rc, db = compare(a, ["args_env", "one", "two words"], env, "args_env found in PATH")
    c = sqlite3.connect(db)
    exe = c.execute("SELECT exe FROM processes ORDER BY pid LIMIT 1").fetchone()
    c.close()
    want = os.path.realpath(os.path.join(a.guest_dir, "args_env"))
    if not exe or exe[0] != want:
        print("FAIL: the log's processes.exe is %r, want %r" % (exe, want))
        rc = 1
    # A Debian binary by name, with a status that is not 0 passed through.
    rc2, _ = compare(a, ["printf", "%s-%s\\n", "a", "b"], env, "printf found in PATH")
    return rc or rc2


def case_script(a):
    d = fh.fresh_dir(os.path.join(a.workdir, "bin"))
    sh = write_script(os.path.join(d, "show.sh"),
                      '#!/bin/sh\necho "0=$0" "args=$*" "n=$#"\ncat /proc/self/comm\n'
                      'read c </proc/$$/comm; echo "shell comm=$c"\nexit 3\n')
    sed = write_script(os.path.join(d, "upper.sed"), "#!/bin/sed -f\ns/[a-z]/\\u&/g\n")
    inner = write_script(os.path.join(d, "inner.sh"), '#!/bin/sh\necho "inner: $*"\n')
    outer = write_script(os.path.join(d, "outer"), "#!%s -x\nnot run: the inner script reads "
                         "this file's name as an argument\n" % inner)
    data = os.path.join(a.workdir, "words.txt")
    with open(data, "w") as f:
        f.write("hello faultline\nsecond line\n")
    env = fh.test_env()
    rcs = []
    # show.sh exits 3: compare() wants status 0 natively, so check it here
    scratch = fh.fresh_dir(os.path.join(a.workdir, "scratch"))
    native = fh.run([sh, "a", "b c"], cwd=scratch, env=env)
    emulated = fh.run(fh.faultline_argv(a.faultline, sh, ["a", "b c"], no_log=True), cwd=scratch,
                      env=env)
    problems = fh.compare_results(native, emulated)
    if native.status != 3 or b"shell comm=show.sh" not in native.stdout:
        problems.append("the native run is not what the test expects: the test is broken")
    rcs.append(fh.report("#!/bin/sh script", problems, [("native", native),
                                                         ("faultline", emulated)]))
    rcs.append(compare(a, [sed, data], env, "#!/bin/sed -f script (an argument on the #! line)")[0])
    rcs.append(compare(a, [outer, "x", "y"], env, "a script whose interpreter is a script")[0])
    return max(rcs)


def case_bad(a):
    d = fh.fresh_dir(os.path.join(a.workdir, "bin"))
    cases = [
        (write_script(os.path.join(d, "nointerp.sh"), "#!/nonexistent/shell\necho no\n"), 127,
         "bad interpreter /nonexistent/shell"),
        (write_script(os.path.join(d, "empty.sh"), "#!   \necho no\n"), 126,
         "names no interpreter"),
        ("no-such-program-anywhere", 127, "no-such-program-anywhere"),
    ]
    problems = []
    for i, (prog, want_rc, want_err) in enumerate(cases):
        db = os.path.join(d, "run%d.db" % i)
        r = fh.run(fh.faultline_argv(a.faultline, prog, [], db=db), cwd=d, env=fh.test_env())
        err = r.stderr.decode(errors="replace")
        if r.status != want_rc:
            problems.append("%s: exit status %s, want %d" % (prog, r.status, want_rc))
        if err.count("\n") != 1 or want_err not in err:
            problems.append("%s: stderr %r, want one line with %r" % (prog, err, want_err))
        if r.stdout:
            problems.append("%s: something ran: stdout %r" % (prog, r.stdout))
        if "/" not in prog and os.path.exists(db):
            problems.append("%s: a log was created for a program that does not exist" % prog)
    print("\n".join("  - " + p for p in problems) or "OK: bad programs refused")
    return 1 if problems else 0


def case_setid(a):
    if os.geteuid() != 0:
        print("SKIP: not root: set-id programs not tried")
        return 0
    d = fh.fresh_dir(os.path.join(a.workdir, "bin"))
    st = os.statvfs(d)
    if st.f_flag & os.ST_NOSUID:
        print("SKIP: %s is on a nosuid mount: set-id programs not tried" % d)
        return 0
    rc = 0
    with open(os.path.join(a.guest_dir, "setid_exec"), "rb") as f:
        image = f.read()
    for name, uid, gid, mode in (("suid_nobody", 65534, 65534, 0o4755),
                                 ("sgid_group", 0, 4242, 0o2755)):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(image)
        os.chown(path, uid, gid)
        os.chmod(path, mode)  # after chown, which clears the bits
        r, _ = compare(a, [path, "report", name], fh.test_env(), "%s as the first program" % name)
        rc |= r
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=["path", "script", "bad", "setid"])
    a = ap.parse_args()
    a.faultline = os.path.abspath(a.faultline)
    a.guest_dir = os.path.abspath(a.guest_dir)
    a.workdir = os.path.abspath(a.workdir)
    fh.need_faultline(a.faultline)
    os.makedirs(a.workdir, exist_ok=True)
    return {"path": case_path, "script": case_script, "bad": case_bad,
            "setid": case_setid}[a.case](a)


if __name__ == "__main__":
    sys.exit(main())
