#!/usr/bin/env python3
"""gdb_ptrace.py - the real gdb debugging a program inside faultline (emu/sys_ptrace.c).

Runs `gdb -batch` with the same commands on tests/guest/gdb_target natively and under
`faultline run -- gdb ...`, and requires the same stdout (process ids aside) and exit status.
The commands use what gdb needs ptrace for: breakpoints (int3 written with PTRACE_POKETEXT into
read-only text, the SIGTRAP, rip put back), `next`/`step`/`finish` (PTRACE_SINGLESTEP and
temporary breakpoints), `bt` and `print` (PTRACE_PEEKTEXT/GETREGS), `set var` (POKEDATA),
`stepi`, the FPU registers (PTRACE_GETFPREGS), and the inferior's exit. Hardware watchpoints are not among them: the debug registers
are not modelled (gdb says it cannot write them).

usage: gdb_ptrace.py --faultline PATH --guest PATH --workdir DIR
"""

import argparse
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness  # noqa: E402

COMMANDS = """set startup-with-shell off
set pagination off
break main
run
next
step
bt
finish
next
print x
print counter
print $mxcsr
set var counter = 100
break 21
continue
print counter
info breakpoints
delete
stepi
continue
"""
# Lines the output must have, so that a gdb that failed early cannot pass by failing alike.
REQUIRED = ("Breakpoint 1, main () at", "square (v=6) at", "Value returned is $1 = 36",
            "$4 = [ IM DM ZM OM UM PM ]", "$5 = 103", "x=36 counter=103", "exited normally]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    flharness.need_faultline(args.faultline)
    gdb = shutil.which("gdb")
    if not gdb:
        print("FAIL: gdb is not installed")
        return 1
    gdb = os.path.realpath(gdb)
    work = flharness.fresh_dir(args.workdir)
    script = os.path.join(work, "commands.gdb")
    with open(script, "w") as f:
        f.write(COMMANDS)
    argv = [gdb, "-q", "-batch", "-nx", "-x", script, args.guest]
    native = flharness.run(argv, cwd=work, timeout=60)
    emulated = flharness.run(flharness.faultline_argv(args.faultline, argv[0], argv[1:],
                                                      no_log=True), cwd=work, timeout=60)
    for r in (native, emulated):
        r.stdout = re.sub(rb"process \d+", b"process PID", r.stdout)
    problems = flharness.compare_results(native, emulated)
    text = native.stdout.decode(errors="replace")
    missing = [l for l in REQUIRED if l not in text]
    if missing:
        problems.append("gdb's own output lacks lines this test relies on:\n%s"
                        % "\n".join(missing))
    return flharness.report("gdb inside faultline debugs as natively", problems,
                            [("native", native), ("faultline", emulated)])


if __name__ == "__main__":
    sys.exit(main())
