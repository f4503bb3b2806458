"""flharness - running programs natively and under `faultline run`, for the e2e tests.

Shared by compare.py (stdout and exit status, native vs faultline), busybox.py (real binaries on
generated inputs) and faults.py (the fault log). Python 3 standard library only.

Exit statuses are compared the way a shell reports them: a program killed by signal N has status
128 + N natively (subprocess reports -N; normalised here), and `faultline run` exits 128 + N
when signal N killed the guest.
"""

import argparse
import difflib
import os
import shutil
import signal
import subprocess
import sys
import time

SCRATCH = "@SCRATCH@"


class Result:
    """One finished (or timed out) run."""

    def __init__(self, argv, status, stdout, stderr, elapsed, timed_out=False):
        self.argv = argv
        self.status = status  # shell-style: 128 + N when killed by signal N; None on timeout
        self.stdout = stdout
        self.stderr = stderr
        self.elapsed = elapsed
        self.timed_out = timed_out

    def describe(self):
        if self.timed_out:
            what = "timed out after %.1f s" % self.elapsed
        else:
            what = "status %s%s, %.2f s" % (self.status, signal_suffix(self.status), self.elapsed)
        return "%s; stdout %d bytes, stderr %d bytes" % (what, len(self.stdout), len(self.stderr))


def signal_suffix(status):
    if status is not None and status > 128:
        try:
            return " (%s)" % signal.Signals(status - 128).name
        except ValueError:
            pass
    return ""


def shell_status(returncode):
    return 128 - returncode if returncode < 0 else returncode


def test_env(extra=None):
    """The environment both runs get: the caller's, with a fixed locale."""
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    if extra:
        env.update(extra)
    return env


def descendants(pid):
    """The live processes below pid (children, their children...), from /proc."""
    children = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def run(argv, *, cwd, stdin_path=None, stdin=None, env=None, timeout=25):
    """Run argv to completion; never raises for a failing or hanging program. A program that
    times out is killed with everything it started: a child left spinning would slow down the
    tests that run after it."""
    start = time.monotonic()
    if stdin is None:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    try:
        with subprocess.Popen(argv, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE,
                              env=env if env is not None else test_env()) as p:
            try:
                out, err = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                for pid in [p.pid] + descendants(p.pid):
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    out, err = p.communicate(timeout=5)
                except subprocess.TimeoutExpired:  # one forked after the scan holds the pipes
                    out, err = b"", b""
                return Result(argv, None, out or b"", err or b"", time.monotonic() - start,
                              timed_out=True)
        return Result(argv, shell_status(p.returncode), out, err, time.monotonic() - start)
    except OSError as e:
        return Result(argv, 127, b"", ("cannot run %s: %s\n" % (argv[0], e)).encode(),
                      time.monotonic() - start)
    finally:
        if stdin_path and stdin not in (None, subprocess.DEVNULL):
            stdin.close()


def faultline_argv(faultline, prog, args, *, db=None, quiet=True, no_log=False, options=()):
    """`faultline run [--db DB] [--no-log] [--quiet] [options] -- PROG ARGS...`"""
    argv = [faultline, "run"]
    if db is not None:
        argv += ["--db", db]
    if no_log:
        argv.append("--no-log")
    if quiet:
        argv.append("--quiet")
    argv += list(options)
    return argv + ["--", prog] + list(args)


def fresh_dir(path):
    """Create path as an empty directory (removing what a previous run left)."""
    if os.path.lexists(path):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    os.makedirs(path)
    return path


def remove_db(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)


def _text(data):
    return data.decode("utf-8", errors="backslashreplace")


def tail(data, limit=3000):
    text = _text(data)
    if len(text) > limit:
        text = "[... %d characters before ...]\n" % (len(text) - limit) + text[-limit:]
    return text


def stdout_diff(expected, actual, max_lines=80):
    """A readable difference between two outputs: a unified diff of the lines for text, the first
    differing offset with the bytes around it otherwise."""
    if b"\0" in expected or b"\0" in actual:
        n = min(len(expected), len(actual))
        at = next((i for i in range(n) if expected[i] != actual[i]), n)
        lo = max(0, at - 16)
        return ("binary outputs differ at byte %d (lengths %d native, %d faultline)\n"
                "  native:    %s\n  faultline: %s\n"
                % (at, len(expected), len(actual), expected[lo:at + 16].hex(" "),
                   actual[lo:at + 16].hex(" ")))
    lines = list(difflib.unified_diff(
        _text(expected).splitlines(keepends=True), _text(actual).splitlines(keepends=True),
        "native", "faultline", n=2))
    if len(lines) > max_lines:
        lines = lines[:max_lines] + ["[... %d more diff lines ...]\n" % (len(lines) - max_lines)]
    return "".join(l if l.endswith("\n") else l + "\n\\ No newline at end of file\n"
                   for l in lines)


def compare_results(native, emulated, *, what="stdout"):
    """Problems (a list of strings, empty when the runs agree) between a native run and a
    faultline run: exit status, then stdout byte for byte."""
    problems = []
    if native.timed_out:
        problems.append("the native run timed out: the test itself is broken")
    if emulated.timed_out:
        problems.append("faultline timed out after %.1f s" % emulated.elapsed)
    if not native.timed_out and not emulated.timed_out and native.status != emulated.status:
        problems.append("exit status: native %s%s, faultline %s%s"
                        % (native.status, signal_suffix(native.status),
                           emulated.status, signal_suffix(emulated.status)))
    if native.stdout != emulated.stdout:
        problems.append("%s differs (%d bytes native, %d bytes faultline):\n%s"
                        % (what, len(native.stdout), len(emulated.stdout),
                           stdout_diff(native.stdout, emulated.stdout)))
    return problems


def report(title, problems, runs):
    """Print the outcome of one check; return the process exit status (0 ok, 1 failed)."""
    for label, r in runs:
        print("%-10s %s" % (label + ":", r.describe()))
        print("           argv: %s" % " ".join(_quote(a) for a in r.argv))
    if not problems:
        print("OK: %s" % title)
        return 0
    print("FAIL: %s" % title)
    for p in problems:
        print("  - " + p.replace("\n", "\n    "))
    for label, r in runs:
        if r.stderr:
            print("--- %s stderr ---\n%s" % (label, tail(r.stderr)))
    return 1


def _quote(a):
    if a and all(c.isalnum() or c in "-_./=:@+," for c in a):
        return a
    return "'" + a.replace("'", "'\\''") + "'"


def need_faultline(path):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        print("faultline executable not found: %s (build the 'faultline' target)" % path)
        sys.exit(1)


def _test_args(doc, guest_option):
    """`TEST --faultline FAULTLINE GUEST_OPTION X --workdir WORK` (doc: the test's docstring):
    the absolute FAULTLINE (checked), X and WORK (emptied)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--faultline", required=True)
    ap.add_argument(guest_option, required=True, dest="guest")
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    faultline = os.path.abspath(args.faultline)
    need_faultline(faultline)
    return faultline, args.guest, fresh_dir(args.workdir)


def guest_dir_and_workdir(doc):
    """For a test run as `TEST --faultline FAULTLINE --guest-dir DIR --workdir WORK`: the
    absolute FAULTLINE, DIR and WORK, emptied."""
    faultline, guest_dir, wd = _test_args(doc, "--guest-dir")
    return faultline, os.path.abspath(guest_dir), wd


def guest_in_workdir(doc):
    """For a test run as `TEST --faultline FAULTLINE --guest GUEST --workdir DIR` (doc: its
    docstring): check FAULTLINE, empty DIR and copy GUEST into it. Returns the absolute
    FAULTLINE, DIR, the copy of GUEST and DIR/log.db."""
    faultline, guest, wd = _test_args(doc, "--guest")
    prog = os.path.join(wd, os.path.basename(guest))
    shutil.copy(guest, prog)
    return faultline, wd, prog, os.path.join(wd, "log.db")
