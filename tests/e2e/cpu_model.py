#!/usr/bin/env python3
"""cpu_model.py - the CPU the guest sees, and --cpu.

    cpu_model.py --faultline FAULTLINE --guest-dir DIR --workdir DIR

- By default the guest's CPUID says AMD EPYC-Rome (mmu/cpu_model.h), and x86-64-v2 code
  (tests/guest/x86_64_v2: POPCNT, CRC32, RDTSCP) runs (its output against native is the test
  compare-x86_64_v2).
- --cpu nehalem: CPUID says Intel Nehalem, and the log's runs row records the option.
- --cpu qemu64 (Unicorn's own default, SSE3 at most): the same program dies of SIGILL at its
  first x86-64-v2 instruction, as on such a CPU: exit status 132.
- --cpu help lists the models and exits 0.
- /proc/cpuinfo, /proc/stat, /sys/devices/system/cpu and AT_HWCAP describe the chosen model's
  one CPU: tests/guest/cpuinfo checks them against CPUID and sched_getaffinity and prints the
  same as natively under --cpu qemu64 and nehalem too (the default: compare-cpuinfo); the
  flags line has SSSE3 and POPCNT under the default and neither under qemu64.
"""

import json
import os
import sqlite3
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402


def main():
    faultline, guest_dir, wd = fh.guest_dir_and_workdir(__doc__)
    prog = os.path.join(guest_dir, "x86_64_v2")
    problems = []

    default = fh.run([faultline, "run", "-q", "--no-log", "--", prog, "cpuid"], cwd=wd)
    if default.status != 0 or b"vendor AuthenticAMD\nbrand AMD EPYC-Rome Processor" not in \
            default.stdout:
        problems.append("default model: status %s, stdout %r" % (default.status, default.stdout))

    db = os.path.join(wd, "log.db")
    nehalem = fh.run([faultline, "run", "-q", "--db", db, "--cpu", "nehalem", "--", prog,
                      "cpuid"], cwd=wd)
    if nehalem.status != 0 or b"vendor GenuineIntel\nbrand Intel Core i7 9xx (Nehalem" not in \
            nehalem.stdout:
        problems.append("--cpu nehalem: status %s, stdout %r" % (nehalem.status, nehalem.stdout))
    else:
        con = sqlite3.connect(db)
        options = json.loads(con.execute("SELECT options FROM runs").fetchone()[0])
        con.close()
        if options.get("cpu") != "nehalem":
            problems.append("--cpu nehalem: the runs row's options are %r" % options)

    old = fh.run([faultline, "run", "-q", "--no-log", "--cpu", "qemu64", "--", prog], cwd=wd)
    if old.status != 128 + 4:
        problems.append("--cpu qemu64: exit status %s, want 132 (SIGILL)" % old.status)

    cpuinfo = os.path.join(guest_dir, "cpuinfo")
    native = fh.run([cpuinfo], cwd=wd)
    runs = [("default", default), ("nehalem", nehalem), ("qemu64", old), ("native cpuinfo", native)]
    for model in ("qemu64", "nehalem"):
        r = fh.run([faultline, "run", "-q", "--no-log", "--cpu", model, "--", cpuinfo], cwd=wd)
        runs.append(("cpuinfo --cpu " + model, r))
        if r.status != 0 or r.stdout != native.stdout:
            problems.append("cpuinfo under --cpu %s: status %s, stdout differs from native's"
                            % (model, r.status))
    for model, want, unwanted in (("epyc-rome", [b"ssse3", b"popcnt"], []),
                                  ("qemu64", [b"sse2"], [b"ssse3", b"popcnt"])):
        r = fh.run([faultline, "run", "-q", "--no-log", "--cpu", model, "--", cpuinfo, "flags"],
                   cwd=wd)
        words = r.stdout.split()
        if r.status != 0 or any(w not in words for w in want) or \
                any(w in words for w in unwanted):
            problems.append("/proc/cpuinfo flags under --cpu %s: %r" % (model, r.stdout))

    listing = fh.run([faultline, "run", "--cpu", "help"], cwd=wd)
    out = listing.stdout.decode()
    if listing.status != 0 or "epyc-rome" not in out or "qemu64" not in out:
        problems.append("--cpu help: status %s, stdout:\n%s" % (listing.status, out))

    return fh.report("the guest's CPU model", problems, runs + [("help", listing)])


if __name__ == "__main__":
    sys.exit(main())
