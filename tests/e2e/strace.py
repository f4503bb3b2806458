#!/usr/bin/env python3
"""strace.py - `faultline run --strace` against strace itself, on one program.

Runs a guest under `strace -f -o FILE` natively and under `faultline run --strace=FILE`, and
requires the same lines, process by process, for what both print the same way:

  args     tests/guest/strace_args: memory and file syscalls with literal flag arguments. The
           argument text (PROT_*, MAP_*, MADV_*, MREMAP_*, O_*, AT_FDCWD, access modes, SEEK_*,
           quoted buffers, modes in octal, unknown values as 0x3039 /* MADV_??? */) and the
           result, errors included.
  signals  tests/guest/strace_signals: "--- SIGxxx {siginfo} ---" for a tkill, an alarm, the
           SIGCHLDs of children that exit, are killed, segfault; "+++ exited with N +++" and
           "+++ killed by SIGxxx +++" for each process.

Addresses differ between the runs (ASLR, the model's layout) and become ADDR; process ids become
P0, P1... in the order the processes first appear; strace's column padding before " = " and the
"PID "/"[pid N] " prefixes are dropped. Calls whose arguments strace decodes as structures
(fstat, rt_sigaction...) are not compared. A call strace splits into <unfinished ...> and
<... resumed> because another process's line came between is joined back (an exit_group never
resumes: the process's "+++" line ends it); which calls get split depends on the host's
scheduling (a child's exit_group was split in one parallel ctest run in three).

usage: strace.py --faultline PATH --guest PATH --workdir DIR {args,signals}
"""

import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness  # noqa: E402

COMPARED_ARGS = ("mmap", "mprotect", "munmap", "madvise", "mremap", "msync", "mlock", "munlock",
            "mlock2", "openat", "write", "lseek", "close", "access", "brk", "arch_prctl",
            "exit_group")
COMPARED_SIGNALS = ("tgkill", "exit_group")
# Lines that must be among the compared ones, so that a trace that lost most of its lines
# (or a strace that traced nothing) cannot pass.
REQUIRED_ARGS = (
    "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = ADDR",
    "madvise(ADDR, 8192, 0x3039 /* MADV_??? */) = -1 EINVAL (Invalid argument)",
    "mremap(ADDR, 8192, 16384, MREMAP_MAYMOVE) = -1 EFAULT (Bad address)",
    "mremap(ADDR, 16384, 16384, MREMAP_MAYMOVE|MREMAP_FIXED, ADDR) = ADDR",
    "mmap(NULL, 65536, PROT_READ, "
    "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE|MAP_GROWSDOWN|MAP_STACK, -1, 0) = ADDR",
    "mmap(ADDR, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)"
    " = -1 EEXIST (File exists)",
    "openat(AT_FDCWD, \"/nonexistent/file\", O_RDONLY|O_CLOEXEC)"
    " = -1 ENOENT (No such file or directory)",
    "write(3, \"page\\n\\tfault\\1\\377\", 13) = 13",
    "access(\"/\", R_OK|X_OK) = 0",
    "exit_group(0) = ?",
)

REQUIRED_SIGNALS = (
    "--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=P0, si_uid=UID} ---",
    "--- SIGALRM {si_signo=SIGALRM, si_code=SI_KERNEL} ---",
    "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=P1, si_uid=UID, si_status=3,"
    " si_utime=T, si_stime=T} ---",
    "--- SIGTERM {si_signo=SIGTERM, si_code=SI_USER, si_pid=P0, si_uid=UID} ---",
    "+++ killed by SIGTERM +++",
    "--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---",
    "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_KILLED, si_pid=P3, si_uid=UID,"
    " si_status=SIGSEGV, si_utime=T, si_stime=T} ---",
    "+++ killed by SIGSEGV +++",
    "+++ exited with 3 +++",
    "+++ exited with 0 +++",
)

ADDR = re.compile(r"0x[0-9a-f]{5,}")
UNFINISHED = re.compile(r"^(.*) <unfinished \.\.\.>$")
RESUMED = re.compile(r"^<\.\.\. [a-z0-9_]+ resumed>(.*)$")
PREFIX = re.compile(r"^(?:\[pid (\d+)\] |(\d+) +)?(.*)$")
CALL = re.compile(r"^([a-z0-9_]+)\((.*)\)\s+= (.*)$")
EVENT = re.compile(r"^(---|\+\+\+) ")


def normalise(text, compared, events):
    """{P<n>: [line...]}: the compared calls (and, with events, the signal and exit lines) of
    each process, in its order, as 'name(args) = result', with addresses as ADDR and process
    ids as P0, P1... by first appearance."""
    order, per, pending = {}, {}, {}
    for line in text.splitlines():
        m = PREFIX.match(line)
        pid = m.group(1) or m.group(2) or "0"
        rest = m.group(3)
        if pid not in order:
            order[pid] = "P%d" % len(order)
        # strace -f splits a call when another process's line comes between its entry and its
        # return ("wait4(5,  <unfinished ...>" ... "<... wait4 resumed>...) = 5"); exit_group
        # never returns, so its second half is the process's "+++" line.
        u = UNFINISHED.match(rest)
        if u:
            pending[pid] = u.group(1)
            continue
        r = RESUMED.match(rest)
        if r and pid in pending:
            rest = pending.pop(pid) + r.group(1)
        elif rest.startswith("+++ ") and pid in pending:
            first = pending.pop(pid) + ") = ?"
            c = CALL.match(first)
            if c and c.group(1) in compared:
                per.setdefault(order[pid], []).append("%s(%s) = %s" % c.groups())
        c = CALL.match(rest)
        if c and c.group(1) in compared:
            rest = "%s(%s) = %s" % c.groups()
        elif not (events and EVENT.match(rest)):
            continue
        per.setdefault(order[pid], []).append(rest)
    out = {}
    for key, lines in per.items():
        fixed = []
        for l in lines:
            l = ADDR.sub("ADDR", l)
            for pid, name in order.items():
                l = re.sub(r"\b%s\b" % pid, name, l)
            l = re.sub(r"si_uid=\d+", "si_uid=UID", l)
            l = re.sub(r"si_([us])time=\d+", r"si_\1time=T", l)
            fixed.append(l)
        out[key] = fixed
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("mode", choices=("args", "signals"))
    args = ap.parse_args()
    flharness.need_faultline(args.faultline)
    strace = shutil.which("strace")
    if not strace:
        print("FAIL: strace is not installed (scripts/setup.sh installs it)")
        return 1
    work = flharness.fresh_dir(args.workdir)
    scratch = os.path.join(work, "scratch")
    guest_args = [scratch] if args.mode == "args" else []
    compared = COMPARED_ARGS if args.mode == "args" else COMPARED_SIGNALS
    required = REQUIRED_ARGS if args.mode == "args" else REQUIRED_SIGNALS
    native_trace = os.path.join(work, "native.strace")
    fl_trace = os.path.join(work, "faultline.strace")

    native = flharness.run([strace, "-f", "-o", native_trace, args.guest] + guest_args, cwd=work)
    if os.path.exists(scratch):
        os.unlink(scratch)
    emulated = flharness.run(flharness.faultline_argv(
        args.faultline, args.guest, guest_args, no_log=True,
        options=["--strace=" + fl_trace]), cwd=work)

    problems = []
    for label, r in (("strace", native), ("faultline", emulated)):
        if r.status != 0:
            problems.append("%s run: %s" % (label, r.describe()))
    events = args.mode == "signals"
    want = normalise(open(native_trace).read(), compared, events) \
        if os.path.exists(native_trace) else {}
    got = normalise(open(fl_trace).read(), compared, events) if os.path.exists(fl_trace) else {}
    all_want = [l for lines in want.values() for l in lines]
    missing = [l for l in required if l not in all_want]
    if missing:
        problems.append("strace's own trace lacks lines this test relies on (strace %s?):\n%s"
                        % (strace, "\n".join(missing)))
    for proc in sorted(set(want) | set(got)):
        w, g = want.get(proc, []), got.get(proc, [])
        if w != g:
            diff = flharness.stdout_diff(("\n".join(w) + "\n").encode(),
                                         ("\n".join(g) + "\n").encode())
            problems.append("process %s: the traces differ (%d lines from strace, %d from "
                            "faultline):\n%s" % (proc, len(w), len(g),
                                                 diff.replace("native", "strace")))
    return flharness.report("faultline --strace reads as strace for %d lines in %d processes"
                            % (len(all_want), len(want)), problems,
                            [("strace", native), ("faultline", emulated)])


if __name__ == "__main__":
    sys.exit(main())
