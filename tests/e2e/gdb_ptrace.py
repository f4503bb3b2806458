#!/usr/bin/env python3
"""gdb_ptrace.py - the real gdb debugging a program inside faultline (emu/sys_ptrace.c).

Runs `gdb -batch` with the same commands on tests/guest/gdb_target natively and under
`faultline run -- gdb ...`, and requires the same stdout (process ids aside) and exit status.
The commands use what gdb needs ptrace for: breakpoints (int3 written with PTRACE_POKETEXT into
read-only text, the SIGTRAP, rip put back), `next`/`step`/`finish` (PTRACE_SINGLESTEP and
temporary breakpoints), `bt` and `print` (PTRACE_PEEKTEXT/GETREGS), `set var` (POKEDATA),
`stepi`, the FPU registers (PTRACE_GETFPREGS), and the inferior's exit. With --watch, the
commands are gdb's hardware watchpoints and breakpoints instead (`watch`, `rwatch`, `awatch`,
`hbreak`: the debug registers through PTRACE_POKEUSER, the SIGTRAP after the access, DR6 read
back to tell which fired, emu/hw_breakpoint.c). With --threads (on tests/guest/gdb_threads), a
watchpoint followed into threads gdb sets it in as they start, deleted while the main thread
waits in pthread_join (the engine's hooks go then), and a local variable watched until its
function returns.

usage: gdb_ptrace.py --faultline PATH --guest PATH --workdir DIR [--watch | --threads]
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

# A hardware breakpoint on square; counter (5) watched as the loop adds 0, 1 and 2 to it: each
# load and store (awatch), the stores that change it (watch: the first one stores 5 again),
# then printf's load of it (rwatch).
WATCH_COMMANDS = """set startup-with-shell off
set pagination off
break main
run
hbreak square
continue
awatch counter
continue
continue
continue
delete 3
watch counter
continue
continue
delete 4
rwatch counter
continue
info breakpoints
delete
continue
"""
WATCH_REQUIRED = ("Breakpoint 2, square (v=6) at", "Hardware access (read/write) watchpoint 3: counter",
                  "Hardware watchpoint 4: counter", "Old value = 5", "New value = 6",
                  "New value = 8", "Hardware read watchpoint 5: counter", "Value = 8",
                  "x=36 counter=8", "exited normally]")

THREADS_COMMANDS = """set startup-with-shell off
set pagination off
break main
run
watch shared
continue
continue
delete 2
break sum_to
continue
next
watch acc
continue
continue
continue
continue
delete
continue
"""
THREADS_REQUIRED = ("Hardware watchpoint 2: shared", "New value = 2", "Hardware watchpoint 4: acc",
                    "New value = 6", "Watchpoint 4 deleted because the program has left the block",
                    "shared=9 sum=6", "exited normally]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--watch", action="store_true")
    ap.add_argument("--threads", action="store_true")
    args = ap.parse_args()
    commands, required = (COMMANDS, REQUIRED)
    if args.watch:
        commands, required = (WATCH_COMMANDS, WATCH_REQUIRED)
    elif args.threads:
        commands, required = (THREADS_COMMANDS, THREADS_REQUIRED)
    flharness.need_faultline(args.faultline)
    gdb = shutil.which("gdb")
    if not gdb:
        print("FAIL: gdb is not installed")
        return 1
    gdb = os.path.realpath(gdb)
    work = flharness.fresh_dir(args.workdir)
    script = os.path.join(work, "commands.gdb")
    with open(script, "w") as f:
        f.write(commands)
    argv = [gdb, "-q", "-batch", "-nx", "-x", script, args.guest]
    native = flharness.run(argv, cwd=work, timeout=60)
    emulated = flharness.run(flharness.faultline_argv(args.faultline, argv[0], argv[1:],
                                                      no_log=True), cwd=work, timeout=60)
    for r in (native, emulated):
        r.stdout = re.sub(rb"process \d+", b"process PID", r.stdout)
        r.stdout = re.sub(rb"Thread 0x[0-9a-f]+ \(LWP \d+\)", b"Thread T", r.stdout)
        # when gdb hears of a new thread, against the first thread's stores, is up to timing
        r.stdout = re.sub(rb"(?m)^\[New Thread T\]\n", b"", r.stdout)
    problems = flharness.compare_results(native, emulated)
    text = native.stdout.decode(errors="replace")
    missing = [l for l in required if l not in text]
    if missing:
        problems.append("gdb's own output lacks lines this test relies on:\n%s"
                        % "\n".join(missing))
    return flharness.report("gdb inside faultline debugs as natively", problems,
                            [("native", native), ("faultline", emulated)])


if __name__ == "__main__":
    sys.exit(main())
