#!/usr/bin/env python3
"""walkthroughs.py - the exercises in docs/walkthroughs.md still do what the text says.

    walkthroughs.py --faultline FAULTLINE --doc docs/walkthroughs.md --workdir DIR [--only N]

Every `$ ` command of every exercise is taken from the document as it is written (a command
goes on over the lines that follow until bash can parse it) and run with bash, `faultline`
being FAULTLINE, in a directory of its own per exercise. Then:

- every command must exit 0;
- a `faultline query` the document shows output for must print a table with the same columns;
- each exercise's claims are checked against the run's log and output, not against the numbers
  printed in the document (those are one machine's: frame numbers, counts of Python's own pages
  and timings differ, the shapes the text explains do not). The checks are in CHECKS below, one
  function per exercise, and name the sentence they check.

Exercise 2 says to use the address the program printed: its query is run with that address in
place of the document's.
"""

import argparse
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402


def complete(text):
    """Does bash parse text as whole commands (no open quote, no `do` without `done`)?"""
    return subprocess.run(["bash", "-n", "-c", text], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def parse(doc):
    """{number: (title, [(command, shown output lines)])} for each `## N. Title` section."""
    sections = {}
    for m in re.finditer(r"^## (\d+)\. (.*?)\n(.*?)(?=^## |\Z)", doc, re.M | re.S):
        steps = []
        for block in re.findall(r"^```\n(.*?)^```", m.group(3), re.M | re.S):
            lines = block.splitlines()
            i = 0
            while i < len(lines):
                if not lines[i].startswith("$ "):
                    i += 1
                    continue
                cmd = lines[i][2:]
                i += 1
                while not complete(cmd) and i < len(lines):
                    cmd += "\n" + lines[i]
                    i += 1
                shown = []
                while i < len(lines) and not lines[i].startswith("$ "):
                    shown.append(lines[i])
                    i += 1
                steps.append((cmd, shown))
        sections[int(m.group(1))] = (m.group(2), steps)
    return sections


def table_columns(lines):
    """The column names of the first `+---+` table in lines, or None."""
    for i, line in enumerate(lines):
        if line.startswith("+-") and i + 1 < len(lines) and lines[i + 1].startswith("|"):
            return [c.strip() for c in lines[i + 1].strip().strip("|").split("|")]
    return None


class Exercise:
    """One section's runs: the commands' results and SQL on its logs."""

    def __init__(self, faultline, wd):
        self.faultline, self.wd = faultline, wd
        self.results = []  # (command, Result)
        self.problems = []

    def output(self, i):
        r = self.results[i][1]
        return r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")

    def sql(self, db, query):
        r = fh.run([self.faultline, "query", "--json", os.path.join(self.wd, db), query],
                   cwd=self.wd)
        if r.status != 0:
            self.problems.append("query %s failed: %s" % (query, fh.tail(r.stderr)))
            return []
        return json.loads(r.stdout.decode() or "[]")

    def one(self, db, query):
        rows = self.sql(db, query)
        return list(rows[0].values())[0] if rows else None

    def claim(self, ok, text):
        if not ok:
            self.problems.append(text)


def check_cow(ex):
    # "the forked child writes them again ... the child's writes each take a private copy"
    child = ex.one("cow.db", "select pid from processes where ppid = "
                   "(select min(pid) from processes) order by pid limit 1")
    copies = ex.one("cow.db", "select count(*) from faults where pid = %s and access = 'write' "
                    "and vma_file is null and handler = 'wp_page_copy'" % child)
    ex.claim(copies is not None and copies >= 64,
             "the child (pid %s) made %s wp_page_copy faults in anonymous memory, "
             "not the 64 data pages or more" % (child, copies))
    before = ex.one("cow.db", "select count(*) from faults where pid = (select min(pid) "
                    "from processes) and handler = 'do_anonymous_page' and access = 'write'")
    ex.claim(before is not None and before >= 64,
             "the parent's first writes: %s do_anonymous_page faults, not 64 or more" % before)


def check_walk(ex):
    # "faultline serves it from the model, so it is the frame the fault log's PTE names"
    m = re.search(r"(0x[0-9a-f]+) present 1 frame (0x[0-9a-f]+)", ex.output(0))
    if not m:
        ex.problems.append("the program did not print 'ADDR present 1 frame N'")
        return
    addr, frame = int(m.group(1), 16), int(m.group(2), 16)
    rows = ex.sql("walk.db", "select handler, access, (pte_after >> 12) & 0xffffffffff frame "
                  "from faults where page = %d order by seq desc limit 1" % addr)
    ex.claim(rows and rows[0]["handler"] == "do_anonymous_page" and rows[0]["access"] == "write"
             and rows[0]["frame"] == frame,
             "pagemap said frame %#x for %#x; the log's last fault there: %s" % (frame, addr, rows))


def check_pressure(ex):
    out = ex.output(0)
    # "/proc/meminfo and /proc/vmstat describe the same 48 MiB machine"
    ex.claim("MemTotal 49152 kB" in out, "meminfo's MemTotal is not 49152 kB")
    m = re.search(r"pswpout (\d+) pswpin (\d+) pgmajfault (\d+)", out)
    ex.claim(m and all(int(v) > 0 for v in m.groups()),
             "the guest's vmstat shows no swapping: %s" % (m.group(0) if m else "no line"))
    # "touching them again is a major fault through do_swap_page"
    major = ex.one("mp.db", "select count(*) from faults where handler = 'do_swap_page' "
                   "and outcome = 'major'")
    ex.claim(major and major > 0, "no major do_swap_page fault in the log")
    kinds = {r["kind"] for r in ex.sql("mp.db", "select distinct kind from reclaim_events")}
    ex.claim({"swap_out", "file_drop"} <= kinds, "reclaim_events kinds: %s" % sorted(kinds))


def check_oom(ex):
    out = ex.output(0)
    # "kills the highest score, here the smaller child, and the larger one carries on"
    ex.claim("big exited" in out and "small killed by signal 9" in out,
             "not 'big exited' and 'small killed by signal 9'")
    kids = [r["pid"] for r in ex.sql("oom.db", "select pid from processes where ppid = "
                                     "(select min(pid) from processes) order by pid")]
    m = re.search(r"Killed process (\d+)", out)
    ex.claim(len(kids) == 2 and m and int(m.group(1)) == kids[1],
             "the killed process is not the second (small) child: %s, children %s"
             % (m.group(0) if m else "no 'Killed process' line", kids))
    oom = ex.sql("oom.db", "select pid, seq from faults where outcome = 'oom'")
    ex.claim(len(oom) == 1, "%d faults with outcome 'oom', not one" % len(oom))
    # "the fault log keeps every line as a kernel_log row with its level and the fault it came
    # during": the two kill lines at KERN_ERR, during the 'oom' fault
    kills = ex.sql("oom.db", "select level, fault_seq, text from kernel_log where "
                   "text like 'Out of memory: Kill process %' or text like 'Killed process %'")
    ex.claim(len(kills) == 2 and len(oom) == 1 and
             all(k["level"] == 3 and k["fault_seq"] == oom[0]["seq"] for k in kills),
             "kernel_log's kill lines: %s; the oom fault: %s" % (kills, oom))


def fault_around_windows(vma_start, npages, window=16):
    """The pages of a mapping at vma_start (npages long) that fault when read in order, each
    read fault mapping 4.20's do_fault_around window: the window-aligned block of virtual
    addresses around the fault, moved to start at the VMA's start if it began before it, and
    ending at the end of the page table (512 pages) it starts in if that comes first."""
    faults, mapped = [], set()
    for page in range(npages):
        if page in mapped:
            continue
        faults.append(page)
        first_vpage = max((vma_start // 4096 + page) & ~(window - 1), vma_start // 4096)
        end_vpage = min(first_vpage + window, (first_vpage | 511) + 1)
        first = first_vpage - vma_start // 4096
        mapped.update(range(first, min(end_vpage - vma_start // 4096, npages)))
    return faults


def check_file(ex):
    out = ex.output(0)
    # "b'z' stayed in that copy and b'y' reached the file"
    ex.claim("b'y' b'z'" in out, "the program did not print b'y' b'z'")
    got = {(r["vma_perms"], r["access"], r["handler"]): r["n"] for r in ex.sql(
        "file.db", "select vma_perms, access, handler, count(*) n from faults "
        "where vma_file like '%/data.bin' group by 1, 2, 3")}
    ex.claim(got.get(("rw-s", "write", "wp_page_shared")) == 64 and
             got.get(("rw-p", "write", "do_cow_fault")) == 64 and
             set(got) == {("rw-s", "read", "do_read_fault"), ("rw-s", "write", "wp_page_shared"),
                          ("rw-p", "write", "do_cow_fault")},
             "data.bin's faults by handler: %s" % got)
    # "the windows are ... a 64 KiB-aligned block of virtual addresses"; "all minor"
    rows = ex.sql("file.db", "select vma_start, (address - vma_start) / 4096 page, outcome "
                  "from faults where vma_file like '%/data.bin' and access = 'read' order by seq")
    if rows:
        want = fault_around_windows(rows[0]["vma_start"], 64)
        ex.claim([r["page"] for r in rows] == want,
                 "read faults at pages %s; fault-around windows give %s"
                 % ([r["page"] for r in rows], want))
        ex.claim(all(r["outcome"] == "minor" for r in rows), "a read fault was not minor")


def check_policies(ex):
    rows = ex.sql("pol.db", "select policy, sum(vma_file like '%/hot.bin') hot from "
                  "reclaim_stats join faults using (run_id) where outcome = 'major' "
                  "group by run_id order by run_id")
    hot = {r["policy"]: r["hot"] for r in rows}
    ex.claim(sorted(hot) == ["clock", "fifo", "linux", "lru"], "runs by policy: %s" % hot)
    if len(hot) == 4:
        # "Under FIFO the hot file is read from disk again in every round; under the others
        # only once": four rounds of 2,048 pages against one read
        others = max(hot["clock"], hot["lru"], hot["linux"])
        ex.claim(hot["fifo"] >= 4 * 2048 // 32 and others * 4 <= hot["fifo"] // 4,
                 "major faults on hot.bin by policy: %s" % hot)


CHECKS = {1: check_cow, 2: check_walk, 3: check_pressure, 4: check_oom, 5: check_file,
          6: check_policies}


def run_exercise(num, title, steps, faultline, workdir, bindir):
    wd = fh.fresh_dir(os.path.join(workdir, "ex%d" % num))
    ex = Exercise(faultline, wd)
    failed = False
    env = fh.test_env({"PATH": bindir + os.pathsep + os.environ.get("PATH", "")})
    for cmd, shown in steps:
        if num == 2 and ex.results:  # the address the program printed, not the document's
            m = re.search(r"(0x[0-9a-f]+) present", ex.output(0))
            if m:
                cmd = re.sub(r"page = 0x[0-9a-f]+", "page = " + m.group(1), cmd)
        r = fh.run(["bash", "-c", cmd], cwd=wd, env=env, timeout=240)
        ex.results.append((cmd, r))
        if r.status != 0:
            failed = True
            ex.problems.append("`%s` failed: %s\n%s" % (cmd.splitlines()[0], r.describe(),
                                                        fh.tail(r.stderr)))
            continue
        want = table_columns(shown)
        if want is not None:
            got = table_columns(r.stdout.decode(errors="replace").splitlines())
            ex.claim(got == want, "`%s`: columns %s, the document shows %s"
                     % (cmd.splitlines()[0], got, want))
    if not failed:  # the claims need every command's output and log
        CHECKS[num](ex)
    status = "OK" if not ex.problems else "FAIL"
    print("%s: %d. %s (%d commands, %.1f s)" % (status, num, title, len(steps),
                                                 sum(r.elapsed for _, r in ex.results)))
    for p in ex.problems:
        print("  - " + p.replace("\n", "\n    "))
    return not ex.problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--doc", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--only", type=int, action="append", help="run only exercise N")
    args = ap.parse_args()
    faultline = os.path.abspath(args.faultline)
    fh.need_faultline(faultline)
    workdir = fh.fresh_dir(args.workdir)
    bindir = fh.fresh_dir(os.path.join(workdir, "bin"))
    os.symlink(faultline, os.path.join(bindir, "faultline"))
    with open(args.doc) as f:
        sections = parse(f.read())
    missing = sorted(set(sections) ^ set(CHECKS))
    if missing:
        print("FAIL: exercises without checks, or checks without exercises: %s" % missing)
        return 1
    ok = True
    for num in sorted(sections):
        if args.only and num not in args.only:
            continue
        title, steps = sections[num]
        if not steps:
            print("FAIL: %d. %s: no `$ ` commands found" % (num, title))
            ok = False
            continue
        ok &= run_exercise(num, title, steps, faultline, workdir, bindir)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
