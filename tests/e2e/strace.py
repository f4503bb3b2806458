#!/usr/bin/env python3
"""strace.py - `faultline run --strace` against strace itself, on one program.

Runs tests/guest/strace_args (memory and file syscalls with literal flag arguments) under
`strace -o FILE` natively and under `faultline run --strace=FILE`, and requires the same lines
for the calls both decode the same way: the argument text (PROT_*, MAP_*, MADV_*, MREMAP_*, O_*,
AT_FDCWD, access modes, SEEK_*, quoted buffers, modes in octal, unknown values as
0x3039 /* MADV_??? */) and the result, errors included. Addresses differ between the runs
(ASLR, the model's layout) and are replaced by ADDR; strace's column padding before " = " and
faultline's "[pid N] " prefix are dropped. Calls whose arguments strace decodes as structures
(fstat, rt_sigaction...) are not compared.

usage: strace.py --faultline PATH --guest PATH --workdir DIR
"""

import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness  # noqa: E402

COMPARED = ("mmap", "mprotect", "munmap", "madvise", "mremap", "msync", "mlock", "munlock",
            "mlock2", "openat", "write", "lseek", "close", "access", "brk", "arch_prctl",
            "exit_group")
# Lines that must be among the compared ones, so that a trace that lost most of its lines
# (or a strace that traced nothing) cannot pass.
REQUIRED = (
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

ADDR = re.compile(r"0x[0-9a-f]{5,}")
LINE = re.compile(r"^(?:\[pid \d+\] )?([a-z0-9_]+)\((.*)\)\s+= (.*)$")


def normalise(text):
    """The compared calls of one trace, as 'name(args) = result' with addresses as ADDR."""
    out = []
    for line in text.splitlines():
        m = LINE.match(line)
        if not m or m.group(1) not in COMPARED:
            continue
        out.append(ADDR.sub("ADDR", "%s(%s) = %s" % m.groups()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    flharness.need_faultline(args.faultline)
    strace = shutil.which("strace")
    if not strace:
        print("FAIL: strace is not installed (scripts/setup.sh installs it)")
        return 1
    work = flharness.fresh_dir(args.workdir)
    scratch = os.path.join(work, "scratch")
    native_trace = os.path.join(work, "native.strace")
    fl_trace = os.path.join(work, "faultline.strace")

    native = flharness.run([strace, "-o", native_trace, args.guest, scratch], cwd=work)
    os.unlink(scratch)
    emulated = flharness.run(flharness.faultline_argv(
        args.faultline, args.guest, [scratch], no_log=True,
        options=["--strace=" + fl_trace]), cwd=work)

    problems = []
    for label, r in (("strace", native), ("faultline", emulated)):
        if r.status != 0:
            problems.append("%s run: %s" % (label, r.describe()))
    want = normalise(open(native_trace).read()) if os.path.exists(native_trace) else []
    got = normalise(open(fl_trace).read()) if os.path.exists(fl_trace) else []
    missing = [l for l in REQUIRED if l not in want]
    if missing:
        problems.append("strace's own trace lacks lines this test relies on (strace %s?):\n%s"
                        % (strace, "\n".join(missing)))
    if want != got:
        diff = flharness.stdout_diff(("\n".join(want) + "\n").encode(),
                                     ("\n".join(got) + "\n").encode())
        problems.append("the traces differ (%d lines from strace, %d from faultline):\n%s"
                        % (len(want), len(got), diff.replace("native", "strace")))
    return flharness.report("faultline --strace reads as strace for %d calls" % len(want),
                            problems, [("strace", native), ("faultline", emulated)])


if __name__ == "__main__":
    sys.exit(main())
