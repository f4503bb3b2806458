#!/usr/bin/env python3
"""icount_modes.py - instructions counted by block agree with a count before every instruction.

    icount_modes.py --faultline FAULTLINE --guest DIR/code_rewrite --workdir DIR

`--icount` counts a block's instructions at its start and takes back what did not run when the
engine stops inside it (emu/run.c, count_block); with `--max-insns` a hook runs before every
instruction instead. Both are run here on the same programs, with `--major-faults=model` so that
the host's page cache cannot change the faults, and every fault (seq, pid, icount, ip, address)
and runs.instructions must be the same:

- dash (under find) running ls, wc and true one after another (fork, execve, dynamic linking,
  syscalls, kernel-mode faults; one process runnable at a time, so no time slices: those count
  blocks, and the hook before every instruction splits blocks differently);
- the same under coreutils timeout, whose armed timer runs them on the engine that also has
  the time slice's block hook;
- code_rewrite, which rewrites functions it has run (translated code dropped and made again).
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402

MODES = (("by block", ["--icount"]), ("per instruction", ["--icount", "--max-insns", "1" + "0" * 12]))


def counts(faultline, db, problems):
    """The run's faults as (seq, pid, icount, ip, address) lines, and runs.instructions."""
    out = []
    for sql in ("SELECT seq, pid, icount, ip, address FROM faults ORDER BY seq",
                "SELECT instructions FROM runs"):
        r = fh.run([faultline, "query", "--csv", db, sql], cwd=os.path.dirname(db))
        if r.status != 0:
            problems.append("query: status %s: %s" % (r.status, fh.tail(r.stderr)))
        out.append(r.stdout.decode().splitlines()[1:])
    return out


def main():
    faultline, wd, prog, db = fh.guest_in_workdir(__doc__)
    problems, runs = [], []
    script = "ls /usr > out; wc -l < out; /bin/true"
    # dash formats its PPID with printf: as the first process its parent is faultline, whose
    # host pid differs between the two runs, and the first touch of libc's digits page lands on
    # that pid's last digit. Under find, dash's parent is the guest's pid 1000 in both.
    programs = (("sh", ["/usr/bin/find", "/usr", "-maxdepth", "0", "-exec", "/bin/sh", "-c",
                        script, ";"]),
                # timeout's armed timer puts every process on the engine with the time slice's
                # block hook (emu/run.c, "Kicks"), after the counting one
                ("timeout sh", ["/usr/bin/timeout", "20", "/bin/sh", "-c", script]),
                ("code_rewrite", [prog]))
    for label, argv in programs:
        seen = []
        for mode, opts in MODES:
            fh.remove_db(db)
            r = fh.run([faultline, "run", "-q", "--major-faults=model", "--db", db] + opts +
                       ["--"] + argv, cwd=wd)
            runs.append(("%s, %s" % (label, mode), r))
            if r.status != 0:
                problems.append("%s, %s: status %s" % (label, mode, r.status))
            seen.append(counts(faultline, db, problems))
        (faults, total), (faults2, total2) = seen
        if len(faults) < 20 or not total or int(total[0]) < 10000:
            problems.append("%s: only %d faults and %s instructions" % (label, len(faults), total))
        if total != total2:
            problems.append("%s: %s instructions by block, %s per instruction"
                            % (label, total, total2))
        diff = [(a, b) for a, b in zip(faults, faults2) if a != b]
        if diff or len(faults) != len(faults2):
            problems.append("%s: %d and %d faults, %d differ; first (seq,pid,icount,ip,address)"
                            " by block %s, per instruction %s"
                            % (label, len(faults), len(faults2), len(diff),
                               diff[0][0] if diff else "-", diff[0][1] if diff else "-"))
    return fh.report("instructions counted by block and per instruction", problems, runs)


if __name__ == "__main__":
    sys.exit(main())
