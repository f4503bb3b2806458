#!/usr/bin/env python3
"""swap_e2e - issue 5 end to end: memory pressure under `faultline run`.

Cases (guest tests/guest/swap_thrash.c, a 48 MiB working set):
  thrash-clock, thrash-lru, thrash-fifo, thrash-linux
      --ram 16M --swap 64M --reclaim POLICY: the same stdout and exit status as natively, and
      the log holds do_swap_page rows (at least one per page of the working set that did not
      fit: the passes go through it in order). Swap readahead reads up to 8 pages per major
      one, so the run's reclaim_stats swap-ins are between the major rows and 8 times them,
      and its swap-cache hits are the minor rows; the majors are at most a quarter of the
      rows (the passes are sequential: the windows grow to 8 pages).
  noreadahead
      thrash-clock with --page-cluster 0: no readahead, so every do_swap_page row is major,
      and as many as reclaim_stats' swap-ins.
  fork
      the same with a fork: the child checks the whole working set after the parent filled it
      (pages shared through swap slots and the swap cache), then the parent runs its passes.
  locked
      thrash-clock with the first 2 MiB of the working set mlocked before it is filled: the
      same output, and not one fault or eviction in the locked range while the rest thrashes.
  shmem, shmem-linux, sysv
      the working set is shared anonymous memory (or a SysV segment) checked by a child as in
      fork, under --reclaim clock (linux): the same output, and its pages go through their file
      (shmem_writepage, then a do_read_fault or do_shared_fault that reads them back, major,
      with the cluster of slots around them, or finds them read ahead in the swap cache),
      never through do_swap_page: at least 8192 per pass, at most a quarter of them major, each
      major one after a swap_out reclaim_events row for the same page of the same file; and
      reclaim_stats' swap-ins lie between the major faults (with the program's own
      do_swap_page ones) and 8 times them.
  oom
      the working set mapped MAP_NORESERVE (else overcommit's guess refuses it), --ram 16M and
      no swap: the guest is OOM-killed (exit 137), stderr has 4.20's kernel-style lines
      "Out of memory: Kill process PID (swap_thrash) score N or sacrifice child" and
      "Killed process PID (swap_thrash) total-vm:..." and the log an 'oom' row.
  oom-other
      `swap_thrash 12 0 oomfork` with --ram 16M and no swap: the child's fault finds RAM full,
      the OOM killer chooses the larger parent and, as 4.20's oom_kill_process does, kills its
      child (an mm of its own, badness above 0) in its place: the parent lives and says its
      child died of SIGKILL.
  oom-sib, oom-share, oom-sib-adj, oom-sib-min, oom-panic
      `swap_thrash 12 0 oomsib BIG SMALL [share|parent]`: a big child fills 12 MiB, then a small
      one 6 MiB, whose fault finds RAM full. oom-sib: the big one dies, the small one completes;
      oom-share: the same, and a process sharing the big one's memory (clone with CLONE_VM
      alone) dies with it, neither printing nor crashing; oom-sib-adj: the small one wrote 1000
      to its oom_score_adj and dies instead; oom-sib-min: the big one wrote -1000 (never chosen)
      and the small one dies; oom-panic: all three wrote -1000, nobody may be killed, and the
      run ends as 4.20 panics: "faultline: kernel panic: Out of memory and no killable
      processes...", exit 137 (4.20's "System is deadlocked on memory" panic after the report and
      "Out of memory and no killable processes..."). The victim of the 'Killed process' line is the process that
      faulted in its range, the log's one 'oom' row the small one's. -1000 needs
      CAP_SYS_RESOURCE: without it the run is repeated in a user namespace of faultline's own
      (`unshare --user --map-root-user`), else skipped (77).
  The OOM cases read the whole report 4.20 prints before the kill (check_report): dump_header's
      "COMM invoked oom-killer: gfp_mask=0x...(FLAGS), nodemask=(null), order=0,
      oom_score_adj=N" for the task whose fault is the log's 'oom' row (the mask one the
      fault's path allocates with), its cpuset and CPU lines (uname's release, no call trace),
      the Mem-Info lines with the swap device's size and --ram's pages, dump_tasks' table
      (one row per process of the run, oldest first, in 4.20's columns, with the oom_score_adj
      each set, the victim's total_vm and rss what its 'Killed process' line says in kB), and
      when the victim is not the faulting task the OOM reaper's line for it with nothing left.
  oom-threads
      `swap_thrash 48 0 oomthreads` with --ram 16M and no swap: one thread sleeps, another fills
      48 MiB: the process is OOM-killed once, every thread at once (exit 137, nothing printed,
      one 'oom' row, one row in the task table).
  oom-report-swap
      oom-sib with --swap 1M: the victim's swap entries in its row are at least the pages of
      its own region the log saw go to swap and not come back, and the report ends as above.
  oom-nodump
      oom-sib with vm.oom_dump_tasks 0 (the parent writes /proc/sys/vm/oom_dump_tasks, as
      root: else in a user namespace of faultline's own, else skipped): no task table.
  nearfull-clock, nearfull-lru, nearfull-fifo, nearfull-linux
      --ram 256M --reclaim POLICY and no swap: 253 MiB of anonymous memory runs as natively,
      254 MiB (free frames below the min watermark) is OOM-killed; neither thrashes forever.
  lazyfree
      tests/guest/madv_free.c under --ram 16M --reclaim fifo without swap: 8 MiB given up with MADV_FREE, a
      quarter of it written again, then 8 MiB more filled. Runs as natively (without MADV_FREE
      dropping pages it is OOM-killed); smaps' LazyFree is exactly 8192 and 6144 kB; the log's
      'lazyfree' reclaim rows are pages of the region never written again; each page dropped
      before the final check (a marker fault) faults in again exactly once in it, as a fresh
      anonymous page, and one dropped during the check at most once.
"""

import argparse
import os
import re
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import flharness as fl  # noqa: E402

MIB, PASSES = "48", "2"


# dump_header's first line, dump_tasks' header and rows, the reaper's line (mm/oom_kill.c, 4.20)
HEADER_RE = (r"^(\S+) invoked oom-killer: gfp_mask=(0x[0-9a-f]+)\(([A-Z_|]+)\), nodemask=\(null\), "
             r"order=0, oom_score_adj=(-?\d+)$")
TASKS_HEADER = ("[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj "
                "name")
ROW_RE = r"^\[ *(\d+)\] +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+) +(-?\d+) (\S+)$"
REAPED_RE = (r"^oom_reaper: reaped process (\d+) \(swap_thrash\), now anon-rss:(\d+)kB, "
             r"file-rss:(\d+)kB, shmem-rss:(\d+)kB$")
# the masks 4.20 allocates a fault's pages with: a zeroed anonymous page, a page read, copied or
# swapped in, a page table (x86's PGALLOC_GFP)
GFP_ANON = ("0x6280ca", "GFP_HIGHUSER_MOVABLE|__GFP_ZERO")
GFP_PAGE = ("0x6200ca", "GFP_HIGHUSER_MOVABLE")
GFP_PGTABLE = ("0x7080c0", "GFP_KERNEL_ACCOUNT|__GFP_ZERO")
PANIC_LINE = "faultline: kernel panic: System is deadlocked on memory"

# 4.20's two lines: oom_kill_process's choice, __oom_kill_process's kill
KILL_RE = r"Out of memory: Kill process (\d+) \(swap_thrash\) score (\d+) or sacrifice child"
KILLED_RE = (r"Killed process (\d+) \(swap_thrash\) total-vm:\d+kB, anon-rss:\d+kB, "
             r"file-rss:\d+kB, shmem-rss:\d+kB")
KILLED_KB_RE = (r"^Killed process (\d+) \(swap_thrash\) total-vm:(\d+)kB, anon-rss:(\d+)kB, "
                r"file-rss:(\d+)kB, shmem-rss:(\d+)kB$")
SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests

# oomsib cases: swap_thrash's arguments after "oomsib", who dies ("big", "small", or None: the
# panic), the parent's output
BIG_DIES = b"small: filled 1536 pages, 0 bad\nsmall: exit 0\nbig: exit 137\n"
SMALL_DIES = b"small: exit 137\nbig: exit 0\n"
OOM_SIBLINGS = {
    "oom-sib": (["-", "-"], "big", BIG_DIES),
    "oom-share": (["-", "-", "share"], "big", BIG_DIES),
    "oom-sib-adj": (["-", "1000"], "small", SMALL_DIES),
    "oom-sib-min": (["-1000", "-"], "small", SMALL_DIES),
    "oom-panic": (["-1000", "-1000", "parent"], None, b""),
    "oom-report-swap": (["-", "-"], "big", BIG_DIES),
    "oom-nodump": (["-", "-", "nodump"], "big", BIG_DIES),
}
# cases run with swap: --swap 1M (255 slots of 4 KiB after the header page)
OOM_SWAP_MIB = {"oom-report-swap": 1}


def expected_gfp(path):
    """The masks the allocation that failed in a fault with this path could have."""
    if ">do_anonymous_page" in path or ">wp_page_copy" in path:
        return (GFP_ANON, GFP_PAGE, GFP_PGTABLE)  # wp_page_copy: zeroed when from the zero page
    return (GFP_PAGE, GFP_PGTABLE)


def check_report(err, db, *, adjs, uid, ram_pages, swap_kb, tasks=True, panic=False,
                 pids=None):
    """4.20's OOM report on stderr against the log: see the module's docstring. adjs: the
    oom_score_adj of each process of the run, by pid order; pids: the processes (default: the
    log's, every one of the run). Returns the problems."""
    problems = []
    lines = err.splitlines()
    con = sqlite3.connect(db)
    try:
        oom = con.execute("SELECT pid, path FROM faults WHERE outcome = 'oom'").fetchall()
        if pids is None:
            pids = [r[0] for r in con.execute("SELECT pid FROM processes ORDER BY pid")]
        victim = None
        m = [re.match(KILLED_KB_RE, ln) for ln in lines]
        killed = [x for x in m if x]
        if killed:
            victim = int(killed[0].group(1))
            lo, hi = (0x300000000, 0x400000000)
            region_out = con.execute(
                "SELECT count(*) FROM reclaim_events WHERE kind = 'swap_out' AND pid = ? "
                "AND address >= ? AND address < ?", (victim, lo, hi)).fetchone()[0]
            region_in = con.execute(
                "SELECT count(*) FROM faults WHERE handler = 'do_swap_page' AND pid = ? "
                "AND page >= ? AND page < ?", (victim, lo, hi)).fetchone()[0]
    finally:
        con.close()
    if len(oom) != 1:
        return ["expected one 'oom' row, got %s" % oom]
    faulting, path = oom[0]
    heads = [i for i, ln in enumerate(lines) if re.match(HEADER_RE, ln)]
    if len(heads) != 1:
        return ["expected one 'invoked oom-killer' line, got %d" % len(heads)]
    h = heads[0]
    comm, gfp, names, adj = re.match(HEADER_RE, lines[h]).groups()
    # a thread of a process is not in pids: one process, whose value its threads share
    want_adj = adjs[pids.index(faulting)] if faulting in pids else adjs[0]
    if comm != "swap_thrash" or int(adj) != want_adj:
        problems.append("header %r: expected swap_thrash and the faulting task's oom_score_adj %d"
                        % (lines[h], want_adj))
    if (gfp, names) not in expected_gfp(path):
        problems.append("gfp_mask %s(%s) is not one a fault by %s allocates with"
                        % (gfp, names, path))
    rel = os.uname().release
    ver = os.uname().version.split(" ")[0]
    want = ["swap_thrash cpuset=/ mems_allowed=0",
            "CPU: 0 PID: %d Comm: swap_thrash Not tainted %s %s" % (faulting, rel, ver),
            "Mem-Info:"]
    if lines[h + 1:h + 4] != want:
        problems.append("after the header %r, expected %r" % (lines[h + 1:h + 4], want))
    mem = lines[h + 4:h + 16]
    shapes = [r"active_anon:\d+ inactive_anon:\d+ isolated_anon:0",
              r" active_file:\d+ inactive_file:\d+ isolated_file:0",
              r" unevictable:\d+ dirty:\d+ writeback:0 unstable:0",
              r" slab_reclaimable:0 slab_unreclaimable:0",
              r" mapped:\d+ shmem:\d+ pagetables:\d+ bounce:0",
              r" free:\d+ free_pcp:0 free_cma:0",
              r"\d+ pages in swap cache",
              r"Free swap  = (\d+)kB",
              r"Total swap = %dkB" % swap_kb,
              r"%d pages RAM" % ram_pages,
              r"0 pages HighMem/MovableOnly",
              r"\d+ pages reserved"]
    for ln, shape in zip(mem + [""] * 12, shapes):
        if not re.fullmatch(shape, ln):
            problems.append("Mem-Info line %r, expected the shape %r" % (ln, shape))
    free_swap = re.fullmatch(shapes[7], mem[7]) if len(mem) > 7 else None
    if free_swap and int(free_swap.group(1)) > swap_kb:
        problems.append("Free swap %s kB above Total swap %d kB" % (free_swap.group(1), swap_kb))
    at = h + 16
    rows = {}
    if tasks:
        if lines[at:at + 2] != ["Tasks state (memory values in pages):", TASKS_HEADER]:
            problems.append("expected dump_tasks' two header lines at %r" % lines[at:at + 2])
        at += 2
        while at < len(lines) and re.match(ROW_RE, lines[at]):
            g = [int(x) for x in re.match(ROW_RE, lines[at]).groups()[:8]]
            name = re.match(ROW_RE, lines[at]).group(9)
            shape = "[%7d] %5d %5d %8d %8d %8d %8d         %5d %s" % tuple(g + [name])
            if lines[at] != shape:
                problems.append("row %r is not in 4.20's columns (%r)" % (lines[at], shape))
            rows[g[0]] = g
            if g[2] != g[0] or g[1] != uid or name != "swap_thrash":
                problems.append("row %r: expected tgid = pid, uid %d, swap_thrash"
                                % (lines[at], uid))
            at += 1
        if list(rows) != pids:
            problems.append("dump_tasks rows for %s, expected every process of the run, in "
                            "order: %s" % (list(rows), pids))
        for pid, a in zip(pids, adjs):
            if pid in rows and rows[pid][7] != a:
                problems.append("row of %d: oom_score_adj %d, expected %d"
                                % (pid, rows[pid][7], a))
    elif any("Tasks state" in ln or re.match(ROW_RE, ln) for ln in lines):
        problems.append("vm.oom_dump_tasks is 0, yet there is a task table")
    rest = lines[at:]
    if panic:
        want = ["Out of memory and no killable processes...",
                "Kernel panic - not syncing: System is deadlocked on memory"]
        if rest[:2] != want or PANIC_LINE not in rest:
            problems.append("after the report %r, expected %r and %r" % (rest[:3], want,
                                                                       PANIC_LINE))
        return problems
    if len(rest) < 2 or not re.match(KILL_RE, rest[0]) or not re.match(KILLED_KB_RE, rest[1]):
        problems.append("after the report %r, expected the 'Kill process' and 'Killed "
                        "process' lines" % rest[:2])
        return problems
    _, total_kb, anon_kb, file_kb, shmem_kb = (int(x) for x in killed[0].groups())
    if tasks and victim in rows:
        row = rows[victim]
        if row[3] * 4 != total_kb or row[4] * 4 != anon_kb + file_kb + shmem_kb:
            problems.append("victim's row total_vm %d rss %d pages, its 'Killed process' line "
                            "%d kB and %d+%d+%d kB" % (row[3], row[4], total_kb, anon_kb,
                                                       file_kb, shmem_kb))
        if not region_out - region_in <= row[6] <= swap_kb // 4:
            problems.append("victim's swapents %d: the log saw %d of its pages go to swap and %d "
                            "come back, the device has %d slots"
                            % (row[6], region_out, region_in, swap_kb // 4))
    reaped = [re.match(REAPED_RE, ln) for ln in rest[2:]]
    reaped = [r for r in reaped if r]
    # the faulting task (or a thread of it: not a process of pids) was the victim and died at once
    if victim == faulting or (faulting not in pids and len(pids) == 1):
        if reaped:
            problems.append("the faulting task died at once: no reaper line expected")
    elif len(reaped) != 1 or reaped[0].groups() != (str(victim), "0", "0", "0"):
        problems.append("expected 'oom_reaper: reaped process %d (swap_thrash), now "
                        "anon-rss:0kB, file-rss:0kB, shmem-rss:0kB' after the kill" % victim)
    return problems


def oom_lines(err):
    """Both of 4.20's lines, naming the same process (no child to sacrifice)."""
    chosen, killed = re.findall(KILL_RE, err), re.findall(KILLED_RE, err)
    return len(chosen) == 1 and len(killed) == 1 and chosen[0][0] == killed[0]


def oom_siblings(a, work, db):
    """swap_thrash 12 0 oomsib ...: the victim is the one oom_badness and oom_score_adj say."""
    args, victim, want_out = OOM_SIBLINGS[a.case]
    problems = []
    swap = OOM_SWAP_MIB.get(a.case, 0)
    options = ["--ram", "16M"] + (["--swap", "%dM" % swap] if swap else [])
    argv = fl.faultline_argv(a.faultline, a.guest, ["12", "0", "oomsib"] + args, db=db,
                             options=options)
    emu = fl.run(argv, cwd=work, timeout=a.timeout)
    uid = os.getuid()
    if emu.status == 3 and (b"cannot set oom_score_adj" in emu.stdout or
                            b"cannot set oom_dump_tasks" in emu.stdout):
        # going below 0 needs CAP_SYS_RESOURCE, which the guest has when faultline has it, and
        # a sysctl write root: in a user namespace of its own it has every capability
        unshare = shutil.which("unshare")
        if unshare:
            fl.fresh_dir(work)
            emu = fl.run([unshare, "--user", "--map-root-user"] + argv, cwd=work,
                         timeout=a.timeout)
            uid = 0
        if emu.status == 3:
            print("SKIP: swap %s: the guest may not lower oom_score_adj or write a sysctl here "
                  "(no CAP_SYS_RESOURCE or root, no user namespace)" % a.case)
            return SKIP
    err = emu.stderr.decode("utf-8", "replace")
    # the parent, big (and its sharer), small: the values each set
    adj = [0 if x == "-" else int(x) for x in args[:2]]
    parent_adj = adj[1] if "parent" in args else 0
    adjs = [parent_adj, adj[0]] + ([adj[0]] if "share" in args else []) + [adj[1]]
    report = dict(adjs=adjs, uid=uid, ram_pages=4096, swap_kb=swap * 1024 - 4 if swap else 0,
                  tasks="nodump" not in args)
    if victim is None:
        if emu.status != 137:
            problems.append("exit status %s, expected 137 (the panic kills all)" % emu.status)
        if re.search(r"Killed process", err):
            problems.append("a process was killed, none is eligible")
        problems += check_report(err, db, panic=True, **report)
        return fl.report("swap " + a.case, problems, [("faultline", emu)])
    if emu.status != 0:
        problems.append("exit status %s, expected 0" % emu.status)
    if emu.stdout != want_out:
        problems.append("stdout %r, expected %r" % (emu.stdout, want_out))
    if "sharer:" in err or "segfault" in err:
        problems.append("a process crashed after the OOM kill: %s" % err.strip())
    if not oom_lines(err):
        problems.append("expected one 'Kill process' and one 'Killed process' line, the same pid")
    if not problems:
        con = sqlite3.connect(db)
        try:
            def pids(lo, hi):
                return [r[0] for r in con.execute(
                    "SELECT DISTINCT pid FROM faults WHERE page >= ? AND page < ?", (lo, hi))]
            big, small = pids(0x300000000, 0x400000000), pids(0x400000000, 0x500000000)
            oom_pids = [r[0] for r in con.execute("SELECT pid FROM faults WHERE outcome = 'oom'")]
        finally:
            con.close()
        killed = int(re.findall(KILLED_RE, err)[0])
        want = big if victim == "big" else small
        if len(big) != 1 or len(small) != 1 or [killed] != want:
            problems.append("killed pid %d, expected %s (big %s, small %s)"
                            % (killed, victim, big, small))
        if oom_pids != small:
            problems.append("expected one 'oom' row, from small %s: %s" % (small, oom_pids))
    if not problems:
        problems += check_report(err, db, **report)
    return fl.report("swap " + a.case, problems, [("faultline", emu)])


def swap_rows(db):
    con = sqlite3.connect(db)
    try:
        # do_swap_page is the handler, or on the path when a write goes on to do_wp_page
        rows = dict(con.execute(
            "SELECT outcome, count(*) FROM faults WHERE path LIKE '%>do_swap_page%' "
            "GROUP BY outcome").fetchall())
        oom = con.execute("SELECT count(*) FROM faults WHERE outcome = 'oom'").fetchone()[0]
        rec = con.execute("SELECT policy, swap_out, swap_in, swapcache_hits FROM reclaim_stats"
                          ).fetchall()
    finally:
        con.close()
    return rows, oom, rec


def check_evictions(db, rec):
    """Pages leaving are rows too: one reclaim_events row per page written to swap, and every
    page do_swap_page brings back was seen leaving from that address earlier (after fork a
    shared page leaves once, in the name of one of the processes that mapped it)."""
    problems = []
    con = sqlite3.connect(db)
    try:
        outs = con.execute("SELECT count(*) FROM reclaim_events WHERE kind = 'swap_out'"
                           ).fetchone()[0]
        if rec and outs != rec[0][1]:
            problems.append("%d swap_out rows in reclaim_events, reclaim_stats says %d"
                            % (outs, rec[0][1]))
        orphans = con.execute(
            "SELECT count(*) FROM faults f WHERE f.handler = 'do_swap_page' AND NOT EXISTS ("
            " SELECT 1 FROM reclaim_events r WHERE r.run_id = f.run_id"
            " AND r.address = f.page AND r.kind LIKE 'swap_%' AND r.fault_seq < f.seq)"
            ).fetchone()[0]
        if orphans:
            problems.append("%d do_swap_page faults on pages never seen leaving" % orphans)
    finally:
        con.close()
    return problems


def check_shmem(db, rec, swap_page_rows, file_like):
    """The working set's pages went to swap through their shmem file and came back by faults
    of the file's own path, each major one after a swap_out row for the same page of the file;
    the others found their page in the swap cache, read ahead with a major one's cluster."""
    problems = []
    con = sqlite3.connect(db)
    try:
        majors = con.execute(
            "SELECT handler, count(*) FROM faults WHERE vma_file LIKE ? AND outcome = 'major'"
            " GROUP BY handler", (file_like,)).fetchall()
        via_pte = con.execute("SELECT count(*) FROM faults WHERE vma_file LIKE ? AND"
                              " path LIKE '%do_swap_page%'", (file_like,)).fetchone()[0]
        outs = con.execute("SELECT file, file_index, fault_seq FROM reclaim_events"
                           " WHERE kind = 'swap_out' AND file LIKE ?", (file_like,)).fetchall()
        ins = con.execute("SELECT vma_file, vma_pgoff + (page - vma_start) / 4096, seq"
                          " FROM faults WHERE vma_file LIKE ? AND outcome = 'major'",
                          (file_like,)).fetchall()
    finally:
        con.close()
    # each read back after it left: the earliest swap_out of the page precedes the fault
    # (a join in SQL has no index to use: 86,000 faults against 94,000 rows)
    first_out = {}
    for f, i, s in outs:
        first_out[(f, i)] = min(s, first_out.get((f, i), s))
    orphans = sum(1 for f, i, s in ins if first_out.get((f, i), s) >= s)
    by_handler = dict(majors)
    n = sum(by_handler.values())
    # the swap-cache hits that were not do_swap_page's were this file's faults
    hits = rec[0][3] - swap_page_rows.get("minor", 0) if len(rec) == 1 else 0
    if (n + hits < 8192 * int(PASSES) or not 0 < 4 * n <= n + hits
            or set(by_handler) - {"do_read_fault", "do_shared_fault"}):
        problems.append("expected at least %d swap-ins in %s, at most a quarter of them major"
                        " do_read_fault/do_shared_fault rows (cluster readahead), got %s and"
                        " %d swap-cache hits" % (8192 * int(PASSES), file_like, by_handler, hits))
    if via_pte:
        problems.append("%d faults in %s went through do_swap_page" % (via_pte, file_like))
    if len(outs) < 8192:
        problems.append("%d swap_out rows for %s, expected at least 8192" % (len(outs), file_like))
    if orphans:
        problems.append("%d major faults on pages of %s never seen leaving" % (orphans, file_like))
    # the program's own anonymous pages (stack, data) may go through do_swap_page meanwhile;
    # every major fault read its page and at most 7 more ahead
    majors = n + swap_page_rows.get("major", 0)
    if len(rec) != 1 or not majors <= rec[0][2] <= 8 * majors:
        problems.append("reclaim_stats %s: its swap-ins are not the %d major faults and their"
                        " readahead" % (rec, majors))
    return problems


def check_locked(db):
    """The mlocked first 2 MiB at 0x300000000: mlock faulted them in (no fault rows), and
    reclaim never took one away (no reclaim_events rows there)."""
    lo, hi = 0x300000000, 0x300000000 + 2 * 1024 * 1024
    con = sqlite3.connect(db)
    try:
        faults = con.execute("SELECT count(*) FROM faults WHERE address >= ? AND address < ?",
                             (lo, hi)).fetchone()[0]
        evicted = con.execute("SELECT count(*) FROM reclaim_events WHERE address >= ? AND "
                              "address < ?", (lo, hi)).fetchone()[0]
    finally:
        con.close()
    problems = []
    if faults or evicted:
        problems.append("locked range: %d fault rows and %d reclaim_events rows, expected none"
                        % (faults, evicted))
    return problems


def lazyfree(a, work, db):
    native = fl.run([a.guest, "8"], cwd=work, timeout=a.timeout)
    # FIFO ignores accessed bits: the pages written again are not spared for being recent, only
    # for being dirty
    emu = fl.run(fl.faultline_argv(a.faultline, a.guest, ["8"], db=db,
                                   options=["--ram", "16M", "--reclaim", "fifo"]),
                 cwd=work, timeout=a.timeout)
    problems = fl.compare_results(native, emu)
    err = emu.stderr.decode("utf-8", "replace")
    notes = dict(re.findall(r"(?m)^madv_free: (\w+)=(\S+)$", err))
    for key, want in (("lazyfree_written", "0"), ("lazyfree_freed", "8192"),
                      ("lazyfree_rewritten", "6144")):
        if notes.get(key) != want:
            problems.append("smaps LazyFree %s: %s kB, expected %s" % (key, notes.get(key), want))
    if problems or "region" not in notes or "marker_check" not in notes:
        return fl.report("swap lazyfree", problems or ["no region note"], [("native", native),
                                                                          ("faultline", emu)])
    base, end = int(notes["region"], 16), int(notes["region"], 16) + (8 << 20)
    con = sqlite3.connect(db)
    try:
        dropped = con.execute(
            "SELECT address, fault_seq FROM reclaim_events WHERE kind = 'lazyfree'").fetchall()
        refaults = dict(con.execute(
            "SELECT r.address, count(f.seq) FROM reclaim_events r LEFT JOIN faults f"
            " ON f.run_id = r.run_id AND f.page = r.address AND f.seq > r.fault_seq"
            " AND f.handler = 'do_anonymous_page' AND f.outcome = 'minor'"
            " WHERE r.kind = 'lazyfree' GROUP BY r.address").fetchall())
        anon_stats = con.execute("SELECT swap_out, oom_kills FROM reclaim_stats").fetchall()
        check_seq = con.execute("SELECT min(seq) FROM faults WHERE page = ?",
                                (int(notes["marker_check"], 16),)).fetchone()[0]
    finally:
        con.close()
    # 16 MiB of RAM cannot hold both 8 MiB regions with the program: at least a few hundred
    # of the 1536 pages not written again had to go
    if len(dropped) < 256:
        problems.append("%d 'lazyfree' reclaim rows, expected at least 256" % len(dropped))
    outside = [hex(r[0]) for r in dropped if not base <= r[0] < end]
    rewritten = [hex(r[0]) for r in dropped if base <= r[0] < end and (r[0] - base) // 4096 % 4 == 0]
    if outside:
        problems.append("lazyfree rows outside the region: %s" % outside[:5])
    if rewritten:
        problems.append("pages written after MADV_FREE were dropped: %s" % rewritten[:5])
    when = dict(dropped)
    if check_seq is None:
        problems.append("no marker fault before the check")
    else:
        wrong = {hex(k): v for k, v in refaults.items()
                 if v > 1 or (v != 1 and when[k] < check_seq)}
        if wrong:
            problems.append("dropped pages that did not fault in again once: %s"
                            % list(wrong.items())[:5])
        if not any(s < check_seq for s in when.values()):
            problems.append("no page was dropped before the check")
    if anon_stats != [(0, 0)]:
        problems.append("reclaim_stats swap_out, oom_kills: %s, expected [(0, 0)]" % anon_stats)
    return fl.report("swap lazyfree", problems, [("native", native), ("faultline", emu)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--timeout", type=float, default=50)
    ap.add_argument("case")
    a = ap.parse_args()
    fl.need_faultline(a.faultline)
    work = fl.fresh_dir(a.workdir)
    db = os.path.join(work, "log.db")
    problems = []

    if a.case.startswith("thrash-") or a.case in ("fork", "locked", "noreadahead"):
        policy = a.case.split("-", 1)[1] if a.case.startswith("thrash-") else "clock"
        args = [MIB, PASSES] + ([a.case] if a.case in ("fork", "locked") else [])
        ra = ["--page-cluster", "0"] if a.case == "noreadahead" else []
        native = fl.run([a.guest] + args, cwd=work, timeout=a.timeout)
        emu = fl.run(fl.faultline_argv(a.faultline, a.guest, args, db=db,
                                       options=["--ram", "16M", "--swap", "64M",
                                                "--reclaim", policy] + ra),
                     cwd=work, timeout=a.timeout)
        problems += fl.compare_results(native, emu)
        if not problems:
            rows, _, rec = swap_rows(db)
            # 48 MiB is 12288 pages, 16 MiB of RAM holds under 4096 of them: every pass reads
            # back at least the 8192 pages that cannot have stayed.
            major, minor = rows.get("major", 0), rows.get("minor", 0)
            if a.case == "noreadahead":
                if minor or major < 8192 * int(PASSES) or rec[0][2:] != (major, 0):
                    problems.append("without readahead: %s do_swap_page rows, reclaim_stats %s;"
                                    " expected only major ones, as many as the swap-ins"
                                    % (rows, rec))
            elif major + minor < 8192 * int(PASSES) or not 0 < 4 * major <= major + minor:
                problems.append("expected at least %d do_swap_page rows, at most a quarter of"
                                " them major (swap readahead), got %s"
                                % (8192 * int(PASSES), rows))
            # the run's reclaim_stats row: each major row read its page and at most 7 more
            # ahead; every minor row found its page in the swap cache
            if (len(rec) != 1 or rec[0][0] != policy or not major <= rec[0][2] <= 8 * major
                    or rec[0][3] != minor):
                problems.append("reclaim_stats %s does not match %s" % (rec, rows))
            problems += check_evictions(db, rec)
            if a.case == "locked":
                problems += check_locked(db)
        return fl.report("swap %s" % a.case, problems, [("native", native), ("faultline", emu)])

    if a.case in ("shmem", "shmem-linux", "sysv"):
        policy = "linux" if a.case == "shmem-linux" else "clock"
        args = [MIB, PASSES, "sysv" if a.case == "sysv" else "shared"]
        native = fl.run([a.guest] + args, cwd=work, timeout=a.timeout)
        emu = fl.run(fl.faultline_argv(a.faultline, a.guest, args, db=db,
                                       options=["--ram", "16M", "--swap", "64M",
                                                "--reclaim", policy]),
                     cwd=work, timeout=a.timeout)
        problems += fl.compare_results(native, emu)
        if not problems:
            rows, _, rec = swap_rows(db)
            problems += check_shmem(db, rec, rows, "/SYSV%" if a.case == "sysv" else "/dev/zero%")
        return fl.report("swap %s" % a.case, problems, [("native", native), ("faultline", emu)])

    if a.case == "oom-python3":
        # A real program at the edge: python3 forks two children that fill a 64 MiB RAM
        # without swap, the smaller one offered up (oom_score_adj 1000). Under the default
        # clock policy this ran for ten minutes and more at one instruction of python3's text
        # that straddles two pages, each fault evicting the other page (36 million faults);
        # Linux OOM-kills, and so must faultline (fault.c, thrash_guard), within seconds.
        py = "/usr/bin/python3"
        if not os.access(py, os.X_OK):
            print("SKIP: no %s" % py)
            return 77
        script = "\n".join([
            "import os, time",
            "def hog(mib, adj):",
            "    pid = os.fork()",
            "    if pid == 0:",
            "        with open('/proc/self/oom_score_adj', 'w') as f:",
            "            f.write(str(adj))",
            "        pages = [bytearray(b'x' * 4096) for _ in range(mib * 256)]",
            "        time.sleep(1)",
            "        os._exit(0)",
            "    return pid",
            "for name, pid in (('big', hog(40, 0)), ('small', hog(30, 1000))):",
            "    _, st = os.waitpid(pid, 0)",
            "    print(name, 'killed by signal %d' % os.WTERMSIG(st) if os.WIFSIGNALED(st)",
            "          else 'exited %d' % os.WEXITSTATUS(st))",
        ])
        emu = fl.run(fl.faultline_argv(a.faultline, py, ["-c", script], db=db,
                                       options=["--ram", "64M"]), cwd=work, timeout=60)
        out = emu.stdout.decode("utf-8", "replace")
        if emu.status != 0 or out != "big exited 0\nsmall killed by signal 9\n":
            problems.append("expected status 0 and 'big exited 0', 'small killed by signal 9',"
                            " got status %s and %r" % (emu.status, out))
        else:
            with sqlite3.connect(db) as con:
                oom = con.execute("SELECT count(*) FROM faults WHERE outcome = 'oom'").fetchone()[0]
            if oom != 1:
                problems.append("expected one 'oom' row in the log, got %d" % oom)
        return fl.report("swap %s" % a.case, problems, [("faultline", emu)])

    if a.case.startswith("nearfull-"):
        # No swap, 256 MiB of RAM: 253 MiB of anonymous memory fits and the run ends as
        # natively; 254 MiB leaves less than the min watermark and the OOM killer ends it. Both
        # used to thrash the program's own file pages forever (each fault evicting the page the
        # next one needed), under every policy.
        policy = a.case.split("-", 1)[1]
        opts = ["--ram", "256M", "--reclaim", policy]
        native = fl.run([a.guest, "253", "0"], cwd=work, timeout=a.timeout)
        fits = fl.run(fl.faultline_argv(a.faultline, a.guest, ["253", "0"], no_log=True,
                                        options=opts), cwd=work, timeout=20)
        problems += fl.compare_results(native, fits)
        over = fl.run(fl.faultline_argv(a.faultline, a.guest, ["254", "0"], no_log=True,
                                        options=opts), cwd=work, timeout=20)
        if over.status != 137:
            problems.append("254 MiB: exit status %s, expected 137 (SIGKILL)" % over.status)
        if not oom_lines(over.stderr.decode("utf-8", "replace")):
            problems.append("254 MiB: no 'Out of memory: Kill process' and 'Killed process' lines")
        return fl.report("swap %s" % a.case, problems,
                         [("native", native), ("253 MiB", fits), ("254 MiB", over)])

    if a.case == "oom":
        # MAP_NORESERVE: 48 MiB in one private writable mapping is more than RAM and swap, and
        # overcommit's guess would refuse it (ENOMEM) before the OOM killer could act
        emu = fl.run(fl.faultline_argv(a.faultline, a.guest, [MIB, PASSES, "noreserve"], db=db,
                                       options=["--ram", "16M"]),
                     cwd=work, timeout=a.timeout)
        if emu.status != 137:
            problems.append("exit status %s, expected 137 (SIGKILL)" % emu.status)
        err = emu.stderr.decode("utf-8", "replace")
        if not oom_lines(err):
            problems.append("no 'Out of memory: Kill process' and 'Killed process' lines")
        if not problems:
            _, oom, _ = swap_rows(db)
            if oom != 1:
                problems.append("expected one 'oom' row in the log, got %d" % oom)
        if not problems:  # the faulting task is the victim: no reaper line
            problems += check_report(err, db, adjs=[0], uid=os.getuid(), ram_pages=4096,
                                     swap_kb=0)
        return fl.report("swap oom", problems, [("faultline", emu)])

    if a.case == "oom-other":
        emu = fl.run(fl.faultline_argv(a.faultline, a.guest, ["12", "0", "oomfork"], db=db,
                                       options=["--ram", "16M"]),
                     cwd=work, timeout=a.timeout)
        if emu.status != 0:
            problems.append("exit status %s, expected 0 (the parent lives)" % emu.status)
        if emu.stdout != b"parent: child exit 137\n":
            problems.append("stdout %r, expected only the parent's line" % emu.stdout)
        err = emu.stderr.decode("utf-8", "replace")
        chosen = re.findall(KILL_RE, err)
        killed = re.findall(KILLED_RE, err)
        if len(chosen) != 1 or len(killed) != 1:
            problems.append("expected one 'Kill process' and one 'Killed process' line, got %d "
                            "and %d" % (len(chosen), len(killed)))
        if not problems:
            con = sqlite3.connect(db)
            try:
                first = con.execute("SELECT min(pid) FROM faults").fetchone()[0]
                oom_pids = [r[0] for r in con.execute(
                    "SELECT pid FROM faults WHERE outcome = 'oom'")]
            finally:
                con.close()
            if chosen[0][0] != str(first):
                problems.append("chosen pid %s, expected the parent %s" % (chosen[0][0], first))
            if len(oom_pids) != 1 or oom_pids[0] == first:
                problems.append("expected one 'oom' row, from the child: %s" % oom_pids)
            elif killed[0] != str(oom_pids[0]):
                problems.append("killed pid %s, expected the child %s (sacrificed)"
                                % (killed[0], oom_pids[0]))
        if not problems:  # the sacrificed child is the faulting task: no reaper line
            problems += check_report(err, db, adjs=[0, 0], uid=os.getuid(), ram_pages=4096,
                                     swap_kb=0)
        return fl.report("swap " + a.case, problems, [("faultline", emu)])

    if a.case == "oom-threads":
        # the filler thread's fault: the process is chosen and all its threads die at once;
        # before, only the faulting thread did, and the others faulted into a second kill of it
        emu = fl.run(fl.faultline_argv(a.faultline, a.guest, [MIB, "0", "oomthreads"], db=db,
                                       options=["--ram", "16M"]),
                     cwd=work, timeout=a.timeout)
        if emu.status != 137 or emu.stdout:
            problems.append("exit status %s and stdout %r, expected 137 and nothing"
                            % (emu.status, emu.stdout))
        err = emu.stderr.decode("utf-8", "replace")
        if not oom_lines(err):
            problems.append("expected one 'Kill process' and one 'Killed process' line, the "
                            "same pid: %d and %d" % (len(re.findall(KILL_RE, err)),
                                                     len(re.findall(KILLED_RE, err))))
        if not problems:
            con = sqlite3.connect(db)
            try:
                first = con.execute("SELECT min(pid) FROM processes").fetchone()[0]
            finally:
                con.close()
            problems += check_report(err, db, adjs=[0], uid=os.getuid(), ram_pages=4096,
                                     swap_kb=0, pids=[first])
        return fl.report("swap " + a.case, problems, [("faultline", emu)])

    if a.case in OOM_SIBLINGS:
        return oom_siblings(a, work, db)

    if a.case == "lazyfree":
        return lazyfree(a, work, db)

    if a.case == "thp":
        # 16 MiB of huge pages and 20 MiB more in each of two processes in 40 MiB of RAM: reclaim
        # splits the huge pages (shared after fork) and swaps their small pages out
        native = fl.run([a.guest], cwd=work, timeout=a.timeout)
        emu = fl.run(fl.faultline_argv(a.faultline, a.guest, [], db=db,
                                       options=["--ram", "40M", "--swap", "64M",
                                                "--thp", "madvise"]),
                     cwd=work, timeout=a.timeout)
        problems += fl.compare_results(native, emu)
        if not problems:
            con = sqlite3.connect(db)
            try:
                huge = con.execute("SELECT count(*) FROM faults WHERE handler = "
                                   "'do_huge_pmd_anonymous_page' AND page >= 0x80000000 AND "
                                   "page < 0x81000000").fetchone()[0]
                swapin = con.execute("SELECT count(*) FROM faults WHERE handler = "
                                     "'do_swap_page' AND page >= 0x80000000 AND "
                                     "page < 0x81000000").fetchone()[0]
            finally:
                con.close()
            if huge != 8:
                problems.append("%d do_huge_pmd_anonymous_page rows in the 16 MiB, expected 8"
                                % huge)
            if swapin < 1:
                problems.append("no page of the huge pages was swapped out and read back")
        return fl.report("swap thp", problems, [("native", native), ("faultline", emu)])

    print("unknown case %s" % a.case)
    return 2


if __name__ == "__main__":
    sys.exit(main())
