#!/usr/bin/env python3
"""compare_cmd.py - `faultline compare`: the table, and its exit status for agreeing and
disagreeing runs.

    compare_cmd.py --faultline FAULTLINE --guest-dir DIR --workdir DIR

- sha256sum of a file: stdout and exit status agree, so the exit status is 0; the table has the
  kernel's and the model's minor and major counts, and the model's minor count is within the
  margin docs/kernel-model.md ("Major faults") gives and explains (the model is at most 10 %, and
  never more than 20 faults, away from the kernel on a warm cache).
- nproc: the native run is on one CPU, as the guest is: both say 1.
- awk printing the end of its own [stack] from /proc/self/maps: the native count run is not
  randomized, so its stack ends where the model's does (0x7ffffffff000) and stdout agrees: exit
  status 0. (A randomized native run moved the libraries, heap and stack on every run, and with
  them the fault-around windows and page boundaries: its counts wandered, a fork-heavy bash
  script's by 3-4 %.)
- cat /proc/self/stat: the pids differ (the guest is pid 1000), so stdout differs: exit status 1.
- a program that does not exist: exit status 127.
- faults taken in threads (tests/guest/touch_threads 4 100, below) and in the children a shell
  waits for (sh running cat twice and ls): the kernel's count (wait4's rusage) covers them, and
  so must the model's, within the same margin. (The model column used to be the first thread's
  own count: 59 against the kernel's 316 for the shell.) Not python3 with threads: how many
  faults it takes natively depends on how its threads happen to overlap (glibc gives a thread
  that finds the malloc arena locked an arena of its own: 3057 faults on an idle machine, 4080
  under load).
- --pages on tests/guest/touch_pages 100: the page-by-page table, in which the guest's anonymous
  mapping took exactly 100 faults natively (perf events, no address randomization) and in the
  model, on the same pages (nothing only one side faulted on).
- --pages on tests/guest/asm_hello (no C library, so nothing depends on the CPU's features): the
  same count on both sides (3 minor faults), and the same pages, none on one side only. The
  kernel's count used to include the faults the native child took before its exec (glibc's
  posix_spawn runs it on a stack of its own: 4 against 3). The model's execve used to log the
  write of the strings to the new stack as a kernel-mode page fault, which Linux makes through
  get_user_pages (get_arg_page: counted in min_flt, no page fault, no perf event): one page
  "only the model" faulted on in every program.
- --pages on tests/guest/noncanonical, whose loads and stores at kernel addresses are page faults
  (do_kern_addr_fault, a SIGSEGV) that Linux counts in no perf event: the model's are left out
  of the pairing and named in a note ("6 faults of the model at kernel addresses"), so no page
  at TASK_SIZE_MAX or above is listed as one only the model faulted on.
- --pages on tests/guest/touch_threads 4 100: the same for faults taken by four threads, 404
  anonymous pages on both sides (their 400 region pages and one stack page each), none apart.
  (Both sides used to follow the main thread only.)
"""

import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import flharness as fh  # noqa: E402


def main():
    faultline, guest_dir, wd = fh.guest_dir_and_workdir(__doc__)
    problems = []

    data = os.path.join(wd, "data.txt")
    with open(data, "w") as f:
        f.write("".join("line %d\n" % i for i in range(5000)))
    fh.run(["/usr/bin/sha256sum", data], cwd=wd)  # warm the host's page cache
    same = fh.run([faultline, "compare", "--", "/usr/bin/sha256sum", data], cwd=wd)
    out = same.stdout.decode()
    if same.status != 0:
        problems.append("agreeing runs: exit status %s, want 0" % same.status)
    counts = {}
    for label in ("minor faults", "major faults"):
        m = re.search(r"^%s +(\d+) +(\d+)$" % label, out, re.M)
        if not m:
            problems.append("no '%s' row in:\n%s" % (label, out))
        else:
            counts[label] = (int(m.group(1)), int(m.group(2)))
    if not re.search(r"^stdout bytes +(\d+) +\1 +same$", out, re.M):
        problems.append("the stdout row does not say 'same':\n%s" % out)
    if "minor faults" in counts:
        kernel, model = counts["minor faults"]
        if abs(kernel - model) > max(20, kernel // 10):
            problems.append("minor faults: kernel %d, model %d: outside the documented margin"
                            % (kernel, model))

    def counts_within_margin(name, r, least):
        m = re.search(r"^minor faults +(\d+) +(\d+)$", r.stdout.decode(), re.M)
        if r.status != 0 or not m:
            problems.append("%s: exit status %s, or no minor faults row:\n%s"
                            % (name, r.status, r.stdout.decode()))
            return
        kernel, model = int(m.group(1)), int(m.group(2))
        if kernel < least or abs(kernel - model) > max(20, kernel // 10):
            problems.append("%s: minor faults kernel %d, model %d: want at least %d, the two "
                            "within the documented margin" % (name, kernel, model, least))

    shell = ["/bin/sh", "-c", "/bin/cat %s >/dev/null; /bin/cat %s >/dev/null; /bin/ls / >/dev/null"
             % (data, data)]
    fh.run(shell, cwd=wd)  # warm the host's page cache
    children = fh.run([faultline, "compare", "--"] + shell, cwd=wd)
    counts_within_margin("children", children, 150)
    runs = [("children", children)]

    stack_end = ["/usr/bin/awk", '/\\[stack\\]/ { split($1, a, "-"); print a[2] }', "/proc/self/maps"]
    layout = fh.run([faultline, "compare", "--"] + stack_end, cwd=wd)
    if layout.status != 0 or not re.search(r"^stdout bytes +13 +13 +same$", layout.stdout.decode(),
                                           re.M):
        problems.append("the end of [stack]: exit status %s, want 0 and the same 13 bytes on "
                        "both sides (the native run without address randomization):\n%s"
                        % (layout.status, layout.stdout.decode()))
    runs.append(("layout", layout))

    # the native run gets one CPU, as the guest has: nproc says 1 on both sides
    nproc = fh.run([faultline, "compare", "--", "/usr/bin/nproc"], cwd=wd)
    if nproc.status != 0 or not re.search(r"^stdout bytes +2 +2 +same$", nproc.stdout.decode(),
                                          re.M):
        problems.append("nproc: exit status %s, want 0 and '1' on both sides (the native run "
                        "on one CPU):\n%s" % (nproc.status, nproc.stdout.decode()))
    runs.append(("nproc", nproc))

    differ = fh.run([faultline, "compare", "--", "/bin/cat", "/proc/self/stat"], cwd=wd)
    if differ.status != 1:
        problems.append("disagreeing runs: exit status %s, want 1" % differ.status)
    if b"DIFFERENT" not in differ.stdout:
        problems.append("disagreeing runs: the table does not say DIFFERENT:\n%s"
                        % differ.stdout.decode())

    missing = fh.run([faultline, "compare", "--", os.path.join(wd, "no-such-program")], cwd=wd)
    if missing.status != 127:
        problems.append("missing program: exit status %s, want 127" % missing.status)

    touch = os.path.join(guest_dir, "touch_pages")
    pages = fh.run([faultline, "compare", "--pages", "--", touch, "100"], cwd=wd)
    out = pages.stdout.decode()
    if pages.status != 0:
        problems.append("--pages: exit status %s, want 0" % pages.status)
    m = re.search(r"^\[anon\] +(\d+) +(\d+) +(\d+) +(\d+)$", out, re.M)
    if not m:
        problems.append("--pages: no [anon] row in:\n%s" % out)
    elif [int(x) for x in m.groups()] != [100, 100, 0, 0]:
        problems.append("--pages: the [anon] row is %s, want kernel 100, model 100, none only on "
                        "one side:\n%s" % (m.group(0), out))
    if not re.search(r"^all +\d+ +\d+ +\d+ +\d+$", out, re.M):
        problems.append("--pages: no 'all' row in:\n%s" % out)

    # The model's count is the same in every run; the host's total (rusage) once took one
    # fault more than the model's and its own sampled pages under a loaded sanitizer suite
    # (2026-12-07, 1 run in 7; the pages agreed). A difference that is the model's shows in
    # every run: up to three native runs, and the first that agrees is taken.
    asm_hello = os.path.join(guest_dir, "asm_hello")
    for attempt in range(3):
        asm_problems = []
        apages = fh.run([faultline, "compare", "--pages", "--", asm_hello], cwd=wd)
        out = apages.stdout.decode()
        m = re.search(r"^all +(\d+) +(\d+) +(\d+) +(\d+)$", out, re.M)
        if apages.status != 0 or not m:
            asm_problems.append("--pages on asm_hello: exit status %s, or no 'all' row in:\n%s"
                                % (apages.status, out))
        elif int(m.group(1)) != int(m.group(2)) or [int(m.group(3)), int(m.group(4))] != [0, 0]:
            asm_problems.append("--pages on asm_hello: the 'all' row is %s, want the same count "
                                "on both sides and none only on one side:\n%s" % (m.group(0), out))
        m = re.search(r"^all faults +(\d+) +(\d+)$", out, re.M)
        if not m or m.group(1) != m.group(2):
            asm_problems.append("asm_hello: want the same 'all faults' count natively and in the "
                                "model (the native child's faults before its exec not counted):"
                                "\n%s" % out)
        if not asm_problems:
            break
        print("asm_hello, native run %d of 3 disagreed" % (attempt + 1))
    problems += asm_problems

    noncanon = os.path.join(guest_dir, "noncanonical")
    npages = fh.run([faultline, "compare", "--pages", "--", noncanon], cwd=wd)
    out = npages.stdout.decode()
    listed = [int(x, 16) for x in re.findall(r"^ +(0x[0-9a-f]+) ", out, re.M)]
    if not re.search(r"^\(6 faults of the model at kernel addresses are not in the table", out,
                     re.M) or any(a >= 0x7ffffffff000 for a in listed):
        problems.append("--pages on noncanonical: want the 6 faults at kernel addresses in a note "
                        "and none listed as a page only one side faulted on:\n%s" % out)

    touch_threads = os.path.join(guest_dir, "touch_threads")
    tpages = fh.run([faultline, "compare", "--pages", "--", touch_threads, "4", "100"], cwd=wd)
    out = tpages.stdout.decode()
    m = re.search(r"^\[anon\] +(\d+) +(\d+) +(\d+) +(\d+)$", out, re.M)
    if tpages.status != 0 or not m:
        problems.append("--pages with threads: exit status %s, or no [anon] row in:\n%s"
                        % (tpages.status, out))
    elif [int(x) for x in m.groups()] != [404, 404, 0, 0]:
        problems.append("--pages with threads: the [anon] row is %s, want kernel 404, model 404, "
                        "none only on one side:\n%s" % (m.group(0), out))
    counts_within_margin("threads", tpages, 400)

    return fh.report("faultline compare", problems,
                     [("same", same), ("differ", differ), ("missing", missing),
                      ("pages", pages), ("apages", apages), ("npages", npages),
                      ("tpages", tpages)] + runs)


if __name__ == "__main__":
    sys.exit(main())
