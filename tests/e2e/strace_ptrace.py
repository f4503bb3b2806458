#!/usr/bin/env python3
"""strace_ptrace.py - the real strace running inside faultline, on guest ptrace (emu/sys_ptrace.c).

Runs the same shell command under strace natively and under `faultline run -- strace ...`, and
requires the same lines, process by process, for the calls compared (strace.py's normalise:
addresses become ADDR, process ids P0, P1... by first appearance, split calls joined):

  fork    strace -f -e trace=... sh -c '...': strace starts the shell (PTRACE_SEIZE of a child
          that stopped itself, PTRACE_EVENT_EXEC), follows the children the shell forks
          (PTRACE_O_TRACEFORK/VFORK/CLONE), decodes their calls (PTRACE_SYSCALL stops,
          PTRACE_GETREGSET, process_vm_readv), shows the signals (signal-delivery stops) and the
          exits (the tracee's death told to the tracer, and then to the shell that waits for it).
  jobs    strace -f on a shell whose child stops itself with SIGSTOP and is continued by
          the shell's SIGCONT: the group-stop of a seized tracee (PTRACE_EVENT_STOP,
          PTRACE_LISTEN), reported once ("--- stopped by SIGSTOP ---"), then the SIGCONT.
  attach  strace -f -p PID on a shell started in the background of another: PTRACE_SEIZE of a
          running process (it spins until /proc says it is traced: TracerPid),
          PTRACE_INTERRUPT, then the same as above; the shell that started it still gets its
          exit status.

usage: strace_ptrace.py --faultline PATH --workdir DIR {fork,attach}
"""

import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness  # noqa: E402
from strace import normalise  # noqa: E402

FORK_CMD = "echo hi > /dev/null; cat /etc/hostname; ls /nonexistent; exit 3"
# the shell continues its child once its SIGCHLD says the child has stopped (a busy loop of
# builtins: their number of rounds differs between the runs, and they make no call the trace
# shows), then takes the trap away so that `wait` is not cut short by the next SIGCHLD. Not
# /proc's state: a tracee shows "t" in each of strace's syscall stops too, and a SIGCONT sent
# in one of those before the SIGSTOP left the child stopped for good (natively, under load).
JOBS_CMD = ('s=; trap "s=1" CHLD; sh -c "kill -STOP \\$\\$; echo cont" & '
            'while [ -z "$s" ]; do :; done; trap - CHLD; kill -CONT $!; wait $!; echo st=$?')
JOBS_COMPARED = ("write", "kill", "exit_group")
COMPARED = ("openat", "write", "execve", "exit_group")
# Lines the comparison must include, so that a trace that lost most of its lines cannot pass.
REQUIRED = {
    "fork": ('openat(AT_FDCWD, "/dev/null", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3',
             'write(1, "hi\\n", 3) = 3',
             'openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3',
             "+++ exited with 2 +++",
             "+++ exited with 3 +++"),
    "attach": ('openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3',
               "+++ exited with 4 +++"),
    "jobs": ("--- stopped by SIGSTOP ---", "kill(P0, SIGCONT) = 0", 'write(1, "cont\\n", 5) = 5',
             'write(1, "st=0\\n", 5) = 5'),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("mode", choices=("fork", "jobs", "attach"))
    args = ap.parse_args()
    flharness.need_faultline(args.faultline)
    strace = shutil.which("strace")
    sh = shutil.which("sh")
    if not strace or not sh:
        print("FAIL: strace or sh is not installed (scripts/setup.sh installs strace)")
        return 1
    strace = os.path.realpath(strace)
    work = flharness.fresh_dir(args.workdir)
    compared = JOBS_COMPARED if args.mode == "jobs" else COMPARED
    trace = "--trace=" + ",".join(compared)

    def argv(out):
        if args.mode in ("fork", "jobs"):
            return [strace, "-f", "-q", trace, "-o", out, sh, "-c",
                    FORK_CMD if args.mode == "fork" else JOBS_CMD]
        # the target says it is running (READY: its start-up, ld.so opening libc, is over
        # before strace attaches, which a loaded machine otherwise lets strace see natively),
        # spins (builtins only: no call the trace compares) until the shell has seen strace
        # attached to it (TracerPid), then does what the trace shows
        go, ready = out + ".go", out + ".ready"
        script = ("%s -c ': > %s; while [ ! -e %s ]; do :; done; cat /etc/hostname > /dev/null; "
                  "exit 4' & p=$!; until [ -e %s ]; do :; done; %s -f -q %s -o %s -p $p & s=$!; "
                  "until grep -qs '^TracerPid:[[:space:]]*[1-9]' /proc/$p/status; do :; done; "
                  ": > %s; wait $s; wait $p; echo status $?"
                  % (sh, ready, go, ready, strace, trace, out, go))
        return [sh, "-c", script]

    native_out = os.path.join(work, "native.strace")
    fl_out = os.path.join(work, "faultline.strace")
    native = flharness.run(argv(native_out), cwd=work, timeout=60)
    prog = argv(fl_out)
    emulated = flharness.run(flharness.faultline_argv(args.faultline, prog[0], prog[1:],
                                                      no_log=True), cwd=work, timeout=60)
    problems = []
    problems += flharness.compare_results(native, emulated)
    want = normalise(open(native_out).read(), compared, True) \
        if os.path.exists(native_out) else {}
    got = normalise(open(fl_out).read(), compared, True) if os.path.exists(fl_out) else {}
    # the signal lines carry times and depend on when the tracer attached: not compared
    for d in (want, got):
        for k in d:
            d[k] = [l for l in d[k] if not l.startswith("--- ") or "stopped by" in l]
    all_want = [l for lines in want.values() for l in lines]
    missing = [l for l in REQUIRED[args.mode] if l not in all_want]
    if missing:
        problems.append("strace's own trace lacks lines this test relies on:\n%s"
                        % "\n".join(missing))
    for proc in sorted(set(want) | set(got)):
        w, g = want.get(proc, []), got.get(proc, [])
        if w != g:
            diff = flharness.stdout_diff(("\n".join(w) + "\n").encode(),
                                         ("\n".join(g) + "\n").encode())
            problems.append("process %s: the traces differ (%d lines natively, %d under "
                            "faultline):\n%s" % (proc, len(w), len(g), diff))
    return flharness.report("strace %s inside faultline: %d lines in %d processes as natively"
                            % (args.mode, len(all_want), len(want)), problems,
                            [("native", native), ("faultline", emulated)])


if __name__ == "__main__":
    sys.exit(main())
