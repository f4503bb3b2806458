#!/usr/bin/env python3
"""stats_sql.py - what `faultline stats` counts in C agrees with the same questions in SQL.

    stats_sql.py --faultline FAULTLINE --guest DIR/touch_pages --workdir DIR

stats counts the hottest pages and instructions, the faults by function and the faults over
time in one pass of its own (cli/stats_scan.c). Here the same questions go to SQLite through
`faultline query` (GROUP BY, symbol(), code_file()), and every row must match:

- run 1: dash running two pipelines and touch_pages 40 three times (ten processes; the three
  touch_pages tie on their store, which the report orders by count, then ip, then pid),
  instruction counting off (slices by seq);
- run 2: touch_pages 3000 with --icount in 8 MiB of RAM with swap: each page faults when first
  written and again when read back from swap, so the table of pages grows twice between a
  page's two faults; slices by instruction count;
- each run in whole and for one of its processes (--pid).
"""

import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402

READ_WRITE_EXEC = ("sum(error_code & 18 = 0), sum(error_code & 18 = 2), "
                   "sum(error_code & 16 != 0)")  # X86_PF_WRITE 2, X86_PF_INSTR 16
# the first program's execve faults before any instruction: ip 0, kernel mode only
SYMBOL = ("CASE WHEN ip = 0 AND max(user) = 0 THEN '(execve: no user instruction yet)'"
          " ELSE symbol(run_id, pid, ip, min(seq)) END")


def query(faultline, db, sql, problems):
    r = fh.run([faultline, "query", "--json", db, sql], cwd=os.path.dirname(db))
    if r.status != 0:
        problems.append("query %s: status %s: %s" % (sql, r.status, fh.tail(r.stderr)))
        return []
    return [list(row.values()) for row in json.loads(r.stdout.decode() or "[]")]


def section(out, title):
    """The rows of one section of the report, each split on blanks."""
    rows = []
    for line in out.split(title)[-1].splitlines()[3:]:
        if not line.strip():
            break
        rows.append(line.split())
    return rows


def num(s):
    return int(s.replace(",", ""))


def expected_hottest(faultline, db, run, scope, key, problems):
    """[count, pid, key, reads, writes, execs, handlers, function] of the 10 hottest."""
    sym = SYMBOL if key == "ip" else "NULL"
    rows = query(faultline, db,
                 "SELECT count(*) AS n, pid, %s, %s, %s FROM faults WHERE %s"
                 " GROUP BY pid, %s ORDER BY n DESC, %s, pid LIMIT 10"
                 % (key, READ_WRITE_EXEC, sym, scope, key, key), problems)
    out = []
    for n, pid, k, reads, writes, execs, fn in rows:
        handlers = []
        for (h,) in query(faultline, db, "SELECT handler FROM faults WHERE %s AND pid = %d AND"
                          " %s = %d ORDER BY seq" % (scope, pid, key, k), problems):
            if h is not None and h not in handlers:
                handlers.append(h)  # in the order they first fault there
        out.append([n, pid, "0x%x" % k, reads, writes, execs] +
                   [x for x in (",".join(handlers), fn) if x])
    return out


def check_hottest(out, title, expected, what, problems):
    # handlers (no blanks), then the function, which may have some
    got = [[num(r[0]), int(r[2]), r[3], int(r[4]), int(r[5]), int(r[6])] + r[7:8] +
           ([" ".join(r[8:])] if len(r) > 8 else []) for r in section(out, title)]
    if got != expected or len(expected) == 0:
        problems.append("%s, %s:\n  stats %s\n  SQL   %s" % (what, title, got, expected))


def check_run(faultline, db, run, pid, problems):
    what = "run %d%s" % (run, ", pid %d" % pid if pid else "")
    scope = "run_id = %d%s" % (run, " AND pid = %d" % pid if pid else "")
    r = fh.run([faultline, "stats", db, "--run", str(run)] + (["--pid", str(pid)] if pid else []),
               cwd=os.path.dirname(db))
    if r.status != 0:
        problems.append("%s: stats status %s: %s" % (what, r.status, fh.tail(r.stderr)))
        return r
    out = r.stdout.decode()
    for key, title in (("page", "The 10 hottest pages:"), ("ip", "The 10 hottest instructions:")):
        check_hottest(out, title, expected_hottest(faultline, db, run, scope, key, problems),
                      what, problems)

    by_fn = query(faultline, db,
                  "SELECT sum(n) AS total, coalesce(fn, ''), coalesce(f, '') FROM"
                  " (SELECT substr(s, 1, instr(s || '+', '+') - 1) AS fn, f, n FROM"
                  "  (SELECT %s AS s,"
                  "   code_file(run_id, pid, ip, min(seq)) AS f, count(*) AS n"
                  "   FROM faults WHERE %s GROUP BY pid, ip))"
                  " GROUP BY fn, f ORDER BY total DESC, fn, f LIMIT 10" % (SYMBOL, scope), problems)
    expected = [[n, " ".join(x for x in (fn or ("(no symbol)" if f else "(not in a file)"), f) if x)]
                for n, fn, f in by_fn]
    got = [[num(r[0]), " ".join(r[2:])] for r in section(out, "Faults by function (top 10):")]
    if got != expected or not expected:
        problems.append("%s, by function:\n  stats %s\n  SQL   %s" % (what, got, expected))

    # over time: the same slices, each with the same count
    (lo, hi, by_icount), = query(faultline, db,
                                 "SELECT CASE WHEN max(icount) > 0 THEN min(icount) ELSE min(seq)"
                                 " END, CASE WHEN max(icount) > 0 THEN max(icount) ELSE max(seq)"
                                 " END, max(icount) > 0 FROM faults WHERE %s" % scope, problems)
    slices = min(hi - lo + 1, 20)
    width = (hi - lo) // slices + 1
    counts = dict(query(faultline, db, "SELECT (%s - %d) / %d AS slice, count(*) FROM faults"
                        " WHERE %s GROUP BY slice" % ("icount" if by_icount else "seq", lo,
                                                      width, scope), problems))
    expected = [counts.get(i, 0) for i in range((hi - lo) // width + 1)]
    got = [num(r[2]) for r in section(out, "Faults over time")]  # "[lo," "hi)" count bar
    unit = "instructions" if by_icount else "faults, by sequence number"
    if got != expected or ("slices of %s %s" % (format(width, ","), unit)) not in out:
        problems.append("%s, over time (width %d, by %s):\n  stats %s\n  SQL   %s"
                        % (what, width, unit, got, expected))
    return r


def main():
    faultline, wd, prog, db = fh.guest_in_workdir(__doc__)
    problems, runs = [], []

    shell = fh.run([faultline, "run", "-q", "--db", db, "--", "/bin/sh", "-c",
                    "ls /usr/bin | sort | head -3; seq 1 1000 | wc -l; for i in 1 2 3; do ./touch_pages 40; done"], cwd=wd)
    touch = fh.run([faultline, "run", "-q", "--icount", "--ram", "8M", "--swap", "32M", "--db", db,
                    "--", prog, "3000"], cwd=wd)
    runs += [("sh", shell), ("touch", touch)]
    if shell.status != 0 or touch.status != 0:
        problems.append("runs: status %s and %s" % (shell.status, touch.status))
        return fh.report("stats against SQL", problems, runs)

    for run, pid in ((1, None), (1, 1002), (2, None), (2, 1000)):
        runs.append(("stats %d %s" % (run, pid), check_run(faultline, db, run, pid, problems)))
    (pages,), = query(faultline, db, "SELECT count(DISTINCT page) FROM faults WHERE run_id = 2",
                      problems) or [[0]]
    (swapins,), = query(faultline, db, "SELECT count(*) FROM faults WHERE run_id = 2 AND"
                        " handler = 'do_swap_page'", problems) or [[0]]
    if pages < 3000 or swapins < 2900:
        problems.append("run 2: %d distinct pages (3,000 touched), %d swap-ins" % (pages, swapins))
    return fh.report("stats against SQL", problems, runs)


if __name__ == "__main__":
    sys.exit(main())
