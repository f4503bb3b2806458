#!/usr/bin/env python3
"""faults.py - tier 3: run a guest under faultline and assert exact rows of its fault log.

    faults.py --faultline FAULTLINE --guest-dir DIR --workdir DIR CASE...
    faults.py --list

Each case below runs one guest (tests/guest) with `faultline run --db WORKDIR/CASE.db`, then
queries the log with the sqlite3 module. The guests print the addresses they use on stderr as
"prog: key=0xHEX" lines (Run.note reads them); they map their memory at fixed addresses with
MAP_FIXED_NOREPLACE, so the numbers are also stable from run to run.

Expectations are Linux 4.20's fault path (docs: kernel-model.md); the expected rows are written
next to each case. Every run is also checked against log invariants that hold for any fault
(check_log_invariants): seq numbering, handler = last element of path, page = address rounded
down, access/user/prot agree with the error code, the PFN agrees with the PTE.

The helpers are usable from other scripts:

    r = Run(faultline, prog, args, workdir, "name")
    expect_status(r, 0)
    expect_count(r, "handler = 'do_anonymous_page' AND address >= ? AND address < ?",
                 100, lo, hi)
    sys.exit(finish())
"""

import argparse
import os
import re
import sqlite3
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402

PAGE = 4096

# The paths Linux 4.20 takes (mm/memory.c, arch/x86/mm/fault.c), from do_user_addr_fault on.
# SQL path_is(path, P) and expect_row(path=PathIs(P)) accept them whole or after an entry
# prefix ending in '>' ("__do_page_fault>" when the model records its entry point).
ANON_PATH = "do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_anonymous_page"
WP_COPY_PATH = "do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_wp_page>wp_page_copy"
FILE_READ_PATH = "do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_fault>do_read_fault"

# x86 page-fault error code bits (arch/x86/include/asm/traps.h) and PTE bits.
X86_PF_PROT, X86_PF_WRITE, X86_PF_USER, X86_PF_INSTR = 1, 2, 4, 16
_PAGE_PRESENT, _PAGE_RW, _PAGE_USER, _PAGE_ACCESSED, _PAGE_DIRTY = 1, 2, 4, 0x20, 0x40
PTE_PFN_MASK = 0x000FFFFFFFFFF000

SIGSEGV, SEGV_MAPERR, SEGV_ACCERR = 11, 1, 2

FAULT_COLUMNS = [
    "run_id", "seq", "pid", "icount", "ip", "sp", "address", "page", "error_code", "access",
    "user", "prot", "vma_start", "vma_end", "vma_perms", "vma_file", "path", "handler",
    "vm_fault", "vm_fault_flags", "outcome", "signo", "si_code", "pte_before", "pte_after",
    "pfn_before", "pfn_after"]
SHOW_COLUMNS = ["seq", "address", "error_code", "access", "user", "path", "outcome", "si_code",
                "vma_start", "vma_end", "vma_perms", "pfn_before", "pfn_after"]



def path_matches(path, want):
    return path is not None and (path == want or path.endswith(">" + want))


class PathIs:
    """For expect_row: the path column is `want`, possibly after an entry prefix."""

    def __init__(self, want):
        self.want = want

    def __repr__(self):
        return "'[...>]%s'" % self.want


_failures = []
_checks = 0


# ---- running ---------------------------------------------------------------------------------

class Run:
    """One `faultline run` of a guest, with its log opened. Columns are read as sqlite3.Row."""

    def __init__(self, faultline, prog, args, workdir, name, *, quiet=False, timeout=25,
                 options=()):
        self.name = name
        self.prog = prog
        self.db_path = os.path.join(workdir, name + ".db")
        self.scratch = fh.fresh_dir(os.path.join(workdir, name + ".scratch"))
        fh.remove_db(self.db_path)
        # Not --quiet by default: the "segfault at" lines are part of what is checked.
        self.result = fh.run(fh.faultline_argv(faultline, prog, args, db=self.db_path,
                                               quiet=quiet, options=options),
                             cwd=self.scratch, timeout=timeout)
        self.status = self.result.status
        self.stderr = self.result.stderr.decode("utf-8", errors="backslashreplace")
        self.stdout = self.result.stdout.decode("utf-8", errors="backslashreplace")
        self.notes = {}
        for m in re.finditer(r"^[\w.-]+: (\w+)=0x([0-9a-fA-F]+)$", self.stderr, re.M):
            self.notes[m.group(1)] = int(m.group(2), 16)
        print("%s: %s" % (name, self.result.describe()))
        print("    argv: %s" % " ".join(self.result.argv))
        self.db = None
        self.run_id = None
        if not os.path.exists(self.db_path):
            fail("%s: faultline wrote no log at %s" % (name, self.db_path))
            return
        self.db = sqlite3.connect(self.db_path)
        self.db.row_factory = sqlite3.Row
        self.db.create_function("path_is", 2, lambda p, w: int(path_matches(p, w)),
                                deterministic=True)
        cols = {r[1] for r in self.db.execute("PRAGMA table_xinfo(faults)")}  # + generated
        missing = [c for c in FAULT_COLUMNS if c not in cols]
        if missing:
            fail("%s: table faults lacks columns %s" % (name, ", ".join(missing)))
        self.run_id = self.db.execute("SELECT max(run_id) FROM runs").fetchone()[0]
        if self.run_id is None:
            fail("%s: the log has no row in table runs" % name)

    @property
    def ok(self):
        return self.db is not None and self.run_id is not None

    def note(self, key):
        """An address the guest printed on stderr ("prog: key=0x...")."""
        if key not in self.notes:
            fail("%s: the guest did not report %r on stderr" % (self.name, key))
            raise CaseAbort()
        return self.notes[key]

    def rows(self, where="1", *params):
        """Fault rows of this run matching `where`, in seq order."""
        return self.db.execute(
            "SELECT * FROM faults WHERE run_id = ? AND (%s) ORDER BY seq" % where,
            (self.run_id,) + params).fetchall()

    def value(self, sql, *params):
        """The first column of the first row of `sql` ("?" placeholders; put the run id in
        yourself with run_id = ?)."""
        row = self.db.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def last(self):
        rows = self.db.execute("SELECT * FROM faults WHERE run_id = ? ORDER BY seq DESC LIMIT 1",
                               (self.run_id,)).fetchall()
        return rows[0] if rows else None

    def marker_seq(self, name):
        """seq of the fault at a guest_marker() page (exactly one row expected)."""
        addr = self.note("marker_" + name)
        rows = self.rows("page = ?", addr)
        if len(rows) != 1:
            fail("%s: marker %s at 0x%x has %d fault rows, expected 1"
                 % (self.name, name, addr, len(rows)), rows)
            raise CaseAbort()
        return rows[0]["seq"]

    def runs_row(self):
        return self.db.execute("SELECT * FROM runs WHERE run_id = ?", (self.run_id,)).fetchone()


class CaseAbort(Exception):
    """A case cannot continue (no log, a missing address); the failure is already recorded."""


# ---- assertions --------------------------------------------------------------------------------

def fail(msg, rows=None):
    if rows:
        msg += "\n" + format_rows(rows)
    _failures.append(msg)
    print("  FAIL " + msg.replace("\n", "\n       "))


def expect(cond, msg, rows=None):
    global _checks
    _checks += 1
    if not cond:
        fail(msg, rows)
    return bool(cond)


def expect_status(r, status):
    return expect(r.status == status, "%s: exit status %s%s, expected %s%s"
                  % (r.name, r.status, fh.signal_suffix(r.status), status,
                     fh.signal_suffix(status)))


def expect_count(r, where, n, *params):
    """Exactly n fault rows of the run match `where`; shows the rows that do otherwise."""
    rows = r.rows(where, *params)
    return expect(len(rows) == n, "%s: %d rows where %s %s, expected %d"
                  % (r.name, len(rows), where, _fmt_params(params), n), rows)


def expect_all(r, where, params, cond, what):
    """Every row matching `where` also matches `cond` (both SQL); at least one row exists."""
    rows = r.rows(where, *params)
    bad = r.rows("(%s) AND NOT (%s)" % (where, cond), *params)
    expect(rows, "%s: no rows where %s %s" % (r.name, where, _fmt_params(params)))
    return expect(not bad, "%s: %d of %d rows where %s %s are not %s"
                  % (r.name, len(bad), len(rows), where, _fmt_params(params), what), bad)


def expect_row(r, row, what, **want):
    """Columns of one row have the given values (a tuple means: one of these)."""
    if row is None:
        return expect(False, "%s: %s: no such row" % (r.name, what))
    wrong = []
    for col, v in want.items():
        if isinstance(v, PathIs):
            ok = path_matches(row[col], v.want)
        elif isinstance(v, tuple):
            ok = row[col] in v
        else:
            ok = row[col] == v
        if not ok:
            wrong.append("%s=%s (expected %s)" % (col, _fmt(row[col]), _fmt(v)))
    return expect(not wrong, "%s: %s: %s" % (r.name, what, ", ".join(wrong)), [row])


def expect_equal(r, actual, expected, what):
    if isinstance(expected, list) and isinstance(actual, list) and actual != expected:
        at = next((i for i, (x, y) in enumerate(zip(actual, expected)) if x != y),
                  min(len(actual), len(expected)))
        return expect(False, "%s: %s: %d items, expected %d; first difference at item %d: %s,"
                      " expected %s" % (r.name, what, len(actual), len(expected), at,
                                        _fmt(actual[at:at + 4]), _fmt(expected[at:at + 4])))
    return expect(actual == expected, "%s: %s is %s, expected %s"
                  % (r.name, what, _fmt(actual), _fmt(expected)))


def expect_stderr(r, pattern, count=None):
    """faultline's stderr (guest stderr and faultline's own messages) matches the regex
    `pattern` on some line, or on exactly `count` lines."""
    n = len(re.findall(pattern, r.stderr, re.M))
    if count is None:
        ok, want = n > 0, "at least one line"
    else:
        ok, want = n == count, "%d line(s)" % count
    return expect(ok, "%s: %d stderr lines match /%s/, expected %s; stderr:\n%s"
                  % (r.name, n, pattern, want, fh.tail(r.result.stderr, 2000)))


def expect_run(r, **want):
    """Columns of the run's row in table runs. term_signal=0 also accepts NULL."""
    row = r.runs_row()
    for col, v in want.items():
        got = row[col] if row is not None and col in row.keys() else "(missing)"
        if col == "term_signal" and v == 0 and got is None:
            got = 0
        expect(got == v, "%s: runs.%s is %s, expected %s" % (r.name, col, _fmt(got), _fmt(v)))


def check_log_invariants(r):
    """What every fault row must satisfy, whatever the case (kernel-model.md, the log)."""
    n = r.value("SELECT count(*) FROM faults WHERE run_id = ?", r.run_id)
    lo, hi = (r.db.execute("SELECT min(seq), max(seq) FROM faults WHERE run_id = ?",
                           (r.run_id,)).fetchone())
    distinct = r.value("SELECT count(DISTINCT seq) FROM faults WHERE run_id = ?", r.run_id)
    expect(n > 0, "%s: the log has no fault rows" % r.name)
    if n:
        expect(lo == 1 and hi == n and distinct == n,
               "%s: seq is not 1..%d (min %s, max %s, %d distinct)" % (r.name, n, lo, hi, distinct))
    runs = r.runs_row()
    if runs is not None and "faults" in runs.keys():
        expect(runs["faults"] == n, "%s: runs.faults is %s but the run has %d fault rows"
               % (r.name, runs["faults"], n))
    bad = []
    for row in r.rows():
        why = _row_problems(row)
        if why:
            bad.append((row, why))
    expect(not bad, "%s: %d rows break the log invariants, first: %s"
           % (r.name, len(bad), bad[0][1] if bad else ""), [b[0] for b in bad[:10]])


def _row_problems(row):
    p = []
    ec, addr = row["error_code"], row["address"]
    if not isinstance(addr, int):
        return ["address is %s, not an integer" % type(addr).__name__]
    path = row["path"] or ""
    if path and path.split(">")[-1] != row["handler"]:
        p.append("handler %s is not the last element of path %s" % (row["handler"], path))
    if row["page"] != addr & ~(PAGE - 1):
        p.append("page %s != address & ~0xfff" % _fmt(row["page"]))
    want_access = "exec" if ec & X86_PF_INSTR else "write" if ec & X86_PF_WRITE else "read"
    if row["access"] != want_access:
        p.append("access %s but error_code %d says %s" % (row["access"], ec, want_access))
    if row["user"] != (1 if ec & X86_PF_USER else 0):
        p.append("user %s but error_code %d" % (row["user"], ec))
    if row["prot"] != (1 if ec & X86_PF_PROT else 0):
        p.append("prot %s but error_code %d" % (row["prot"], ec))
    for when in ("before", "after"):
        pte, pfn = row["pte_" + when], row["pfn_" + when]
        if isinstance(pte, int) and pte & _PAGE_PRESENT and pfn is not None:
            if (pte & PTE_PFN_MASK) >> 12 != pfn:
                p.append("pfn_%s %s is not the frame of pte_%s %s" % (when, pfn, when, _fmt(pte)))
    if row["outcome"] == "sigsegv" and row["signo"] != SIGSEGV:
        p.append("outcome sigsegv with signo %s" % row["signo"])
    return "; ".join(p)


def finish():
    """Print the verdict; the process exit status (0 when every check passed)."""
    if _failures:
        print("FAILED: %d of %d checks" % (len(_failures), _checks))
        return 1
    print("OK: %d checks" % _checks)
    return 0


def format_rows(rows, limit=20):
    out = []
    for row in rows[:limit]:
        keys = row.keys()
        out.append("  " + " ".join("%s=%s" % (k, _fmt(row[k])) for k in SHOW_COLUMNS if k in keys))
    if len(rows) > limit:
        out.append("  [... %d more rows]" % (len(rows) - limit))
    return "\n".join(out)


def _fmt(v):
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int):
        return hex(v) if abs(v) >= 4096 else str(v)
    if isinstance(v, tuple):
        return " or ".join(_fmt(x) for x in v)
    if isinstance(v, list):
        return "[%s]" % ", ".join(_fmt(x) for x in v)
    return repr(v)


def _fmt_params(params):
    return "[%s]" % ", ".join(_fmt(p) for p in params) if params else ""


def segfault_line(comm, address, error):
    """Linux's show_signal_msg line: 'comm[pid]: segfault at ADDR ip IP sp SP error E'."""
    addr = "%x" % address if isinstance(address, int) else address
    return r"%s\[\d+\]: segfault at %s ip [0-9a-f]+ sp [0-9a-f]+ error %s" % (
        re.escape(comm), addr, error)


RANGE = "address >= ? AND address < ?"


# ---- the cases ---------------------------------------------------------------------------------

CASES = {}


def case(name):
    def reg(fn):
        CASES[name] = fn
        return fn
    return reg


class Ctx:
    def __init__(self, a):
        self.faultline = os.path.abspath(a.faultline)
        self.guests = os.path.abspath(a.guest_dir)
        self.work = os.path.abspath(a.workdir)
        self.timeout = a.timeout

    def guest(self, name):
        return os.path.join(self.guests, name)

    def run(self, name, prog, args=(), **kw):
        r = Run(self.faultline, self.guest(prog), list(args), self.work, name,
                timeout=self.timeout, **kw)
        if not r.ok:
            raise CaseAbort()
        check_log_invariants(r)
        return r


def _touch_pages(ctx, prog):
    """touch_pages 100: exactly 100 faults in the mapping, one per page in address order, each a
    user-mode write to a fresh anonymous page: do_anonymous_page, error 6, minor, PTE none ->
    present|rw|user|accessed|dirty on a frame of its own."""
    n = 100
    r = ctx.run(prog, prog, [str(n)])
    expect_status(r, 0)
    lo, hi = r.note("base"), r.note("end")
    expect_equal(r, hi - lo, n * PAGE, "the mapping size")
    expect_count(r, RANGE, n, lo, hi)
    expect_count(r, RANGE + " AND handler = 'do_anonymous_page' AND access = 'write' AND user = 1",
                 n, lo, hi)
    expect_all(r, RANGE, (lo, hi),
               "path_is(path, '%s') AND error_code = 6 AND outcome = 'minor' AND prot = 0"
               % ANON_PATH,
               "an anonymous write fault (path, error 6, minor)")
    expect_all(r, RANGE, (lo, hi), "vma_start <= %d AND vma_end >= %d AND vma_perms = 'rw-p'"
               % (lo, hi), "in the rw-p VMA of the mapping")
    expect_all(r, RANGE, (lo, hi), "pte_before = 0 AND (pte_after & 103) = 103",
               "pte none -> present|rw|user|accessed|dirty (0x67)")
    rows = r.rows(RANGE, lo, hi)
    expect_equal(r, [x["page"] for x in rows], [lo + i * PAGE for i in range(n)],
                 "the faulting pages in seq order")
    expect_equal(r, len({x["pfn_after"] for x in rows}), n, "the number of distinct frames")
    expect_run(r, exit_code=0, term_signal=0)


@case("touch_pages")
def _c_touch_pages(ctx):
    """touch_pages 100 (glibc): 100 do_anonymous_page writes, one per page, in order."""
    _touch_pages(ctx, "touch_pages")


@case("touch_pages-musl")
def _c_touch_pages_musl(ctx):
    """touch_pages 100 built with musl: the same exact expectations as with glibc."""
    _touch_pages(ctx, "touch_pages-musl")


@case("read_then_write")
def _c_read_then_write(ctx):
    """read_then_write 50: 50 read faults (do_anonymous_page, error 4: the zero page, one frame
    for all, mapped read-only), then 50 write faults (do_wp_page>wp_page_copy, error 7: from the
    zero page to 50 distinct new frames, writable and dirty). All reads come before all writes."""
    n = 50
    r = ctx.run("read_then_write", "read_then_write", [str(n)])
    expect_status(r, 0)
    lo, hi = r.note("base"), r.note("end")
    expect_count(r, RANGE, 2 * n, lo, hi)
    reads = r.rows(RANGE + " AND access = 'read'", lo, hi)
    writes = r.rows(RANGE + " AND access = 'write'", lo, hi)
    expect_count(r, RANGE + " AND access = 'read' AND handler = 'do_anonymous_page' AND "
                 "path_is(path, ?) AND user = 1 AND error_code = 4 AND outcome = 'minor'",
                 n, lo, hi, ANON_PATH)
    expect_count(r, RANGE + " AND access = 'write' AND handler = 'wp_page_copy' AND "
                 "path_is(path, ?) AND user = 1 AND error_code = 7 AND outcome = 'minor'",
                 n, lo, hi, WP_COPY_PATH)
    if not (reads and writes):
        return
    expect(max(x["seq"] for x in reads) < min(x["seq"] for x in writes),
           "read_then_write: a write fault comes before the last read fault", reads + writes)
    expect_equal(r, [x["page"] for x in reads], [lo + i * PAGE for i in range(n)],
                 "the read-faulting pages in seq order")
    expect_equal(r, [x["page"] for x in writes], [lo + i * PAGE for i in range(n)],
                 "the write-faulting pages in seq order")
    zero = {x["pfn_after"] for x in reads}
    expect(len(zero) == 1, "read_then_write: the read faults map %d different frames, expected"
           " one (the zero page)" % len(zero), reads)
    zpfn = next(iter(zero))
    expect(all(x["pte_before"] == 0 and x["pte_after"] & 3 == _PAGE_PRESENT for x in reads),
           "read_then_write: read faults must go from pte none to present and read-only", reads)
    expect(all(x["pfn_before"] == zpfn for x in writes),
           "read_then_write: write faults must start from the zero page (pfn %s)" % zpfn, writes)
    wp = {x["pfn_after"] for x in writes}
    expect(len(wp) == n and zpfn not in wp,
           "read_then_write: the write faults must each get a new frame (%d distinct, zero page"
           " %s)" % (len(wp), "among them" if zpfn in wp else "not among them"), writes)
    expect(all(x["pte_after"] & 0x43 == 0x43 for x in writes),
           "read_then_write: after a write fault the PTE is present, writable and dirty", writes)


def _write_ro(ctx, name, args, handled):
    """write_ro: the read maps the zero page (do_anonymous_page, error 4); the write to the
    PROT_READ VMA is bad_area_access_error (error 7 = PROT|WRITE|USER, SIGSEGV, SEGV_ACCERR) at
    the exact address written; with a handler (SA_RESETHAND) it happens twice, the handler runs
    once, and the second one kills. Linux prints the segfault line only for the unhandled one."""
    r = ctx.run(name, "write_ro", args)
    expect_status(r, 128 + SIGSEGV)
    base, target = r.note("base"), r.note("target")
    nerr = 2 if handled else 1
    rows = r.rows(RANGE, base, base + PAGE)
    expect_count(r, RANGE, 1 + nerr, base, base + PAGE)
    if rows:
        expect_row(r, rows[0], "the first fault in the page (the read)", access="read",
                   handler="do_anonymous_page", path=PathIs(ANON_PATH), error_code=4, user=1,
                   outcome="minor", address=target)
    for row in rows[1:]:
        expect_row(r, row, "a write to the read-only page", handler="bad_area_access_error",
                   outcome="sigsegv", signo=SIGSEGV, si_code=SEGV_ACCERR, error_code=7, user=1,
                   prot=1, access="write", address=target, page=base, vma_start=base,
                   vma_end=base + PAGE, vma_perms="r--p")
    last = r.last()
    expect_row(r, last, "the last fault of the run", handler="bad_area_access_error",
               outcome="sigsegv", si_code=SEGV_ACCERR, address=target, page=base)
    expect_count(r, "outcome = 'sigsegv'", nerr)
    expect_stderr(r, segfault_line("write_ro", target, 7), count=1)
    if handled:
        expect(r.stdout.endswith("caught signal 11 si_code 2 si_addr okY\n"),
               "write_ro: the handler did not report SIGSEGV/SEGV_ACCERR at the target; stdout:\n"
               + r.stdout)
    expect_run(r, term_signal=SIGSEGV)


@case("write_ro")
def _c_write_ro(ctx):
    """write_ro nohandler: zero-page read, then one bad_area_access_error (error 7) that kills."""
    _write_ro(ctx, "write_ro", ["nohandler"], handled=False)


@case("write_ro-handler")
def _c_write_ro_handler(ctx):
    """write_ro with an SA_RESETHAND handler: two bad_area_access_error rows, one segfault line."""
    _write_ro(ctx, "write_ro-handler", [], handled=True)


@case("null_deref")
def _c_null_deref(ctx):
    """null_deref: a load from 0, which no VMA covers: bad_area, SIGSEGV, SEGV_MAPERR, error 4
    (user read, not present; 6 accepted too), and the run ends with status 139."""
    r = ctx.run("null_deref", "null_deref")
    expect_status(r, 128 + SIGSEGV)
    expect_row(r, r.last(), "the last fault of the run", handler="bad_area", outcome="sigsegv",
               signo=SIGSEGV, si_code=SEGV_MAPERR, address=0, page=0, error_code=(4, 6), user=1)
    expect_count(r, "address < 4096", 1)
    expect_count(r, "outcome = 'sigsegv'", 1)
    expect_stderr(r, segfault_line("null_deref", 0, "[46]"), count=1)
    expect_run(r, term_signal=SIGSEGV)


@case("read_into_fresh")
def _c_read_into_fresh(ctx):
    """read_into_fresh pipe: write(2) from 2 fresh pages faults them in kernel mode as reads
    (user 0, error 0, the zero page); read(2) into 3 fresh pages faults them in kernel mode as
    writes (user 0, error 2, do_anonymous_page). Nothing else touches either range."""
    r = ctx.run("read_into_fresh", "read_into_fresh", ["pipe"])
    expect_status(r, 0)
    src, src_end = r.note("src"), r.note("src_end")
    dst, dst_end = r.note("dst"), r.note("dst_end")
    expect_count(r, RANGE, 2, src, src_end)
    expect_count(r, RANGE + " AND user = 0 AND access = 'read' AND error_code = 0 AND "
                 "handler = 'do_anonymous_page' AND path_is(path, ?) AND outcome = 'minor'",
                 2, src, src_end, ANON_PATH)
    expect_count(r, RANGE, 3, dst, dst_end)
    expect_count(r, RANGE + " AND user = 0 AND access = 'write' AND error_code = 2 AND "
                 "handler = 'do_anonymous_page' AND path_is(path, ?) AND outcome = 'minor'",
                 3, dst, dst_end, ANON_PATH)
    s_rows, d_rows = r.rows(RANGE, src, src_end), r.rows(RANGE, dst, dst_end)
    if s_rows and d_rows:
        expect(max(x["seq"] for x in s_rows) < min(x["seq"] for x in d_rows),
               "read_into_fresh: the write(2) faults must come before the read(2) faults",
               s_rows + d_rows)
        expect_equal(r, len({x["pfn_after"] for x in s_rows}), 1,
                     "the number of frames behind the src read faults (the zero page)")


@case("read_into_fresh-zero")
def _c_read_into_fresh_zero(ctx):
    """read_into_fresh zero: read(2) of /dev/zero into 3 fresh pages: 3 kernel-mode write
    faults, do_anonymous_page."""
    r = ctx.run("read_into_fresh-zero", "read_into_fresh", ["zero"])
    expect_status(r, 0)
    dst, dst_end = r.note("dst"), r.note("dst_end")
    expect_count(r, RANGE, 3, dst, dst_end)
    expect_count(r, RANGE + " AND user = 0 AND access = 'write' AND error_code = 2 AND "
                 "handler = 'do_anonymous_page' AND outcome = 'minor'", 3, dst, dst_end)


@case("mprotect_split")
def _c_mprotect_split(ctx):
    """mprotect_split: pages 1-2 of a 4-page mapping made read-only split its VMA in three;
    each fault reports the piece it hit. Five faults, in this order."""
    r = ctx.run("mprotect_split", "mprotect_split")
    expect_status(r, 0)
    b = r.note("base")
    rows = r.rows(RANGE, b, b + 4 * PAGE)
    expect_count(r, RANGE, 5, b, b + 4 * PAGE)
    want = [
        ("page 0 write", dict(address=b + 1, access="write", handler="do_anonymous_page",
                              path=PathIs(ANON_PATH), error_code=6, vma_start=b, vma_end=b + PAGE,
                              vma_perms="rw-p")),
        ("page 3 write", dict(address=b + 3 * PAGE + 3, access="write",
                              handler="do_anonymous_page", path=PathIs(ANON_PATH),
                              error_code=6, vma_start=b + 3 * PAGE, vma_end=b + 4 * PAGE,
                              vma_perms="rw-p")),
        ("page 1 read", dict(address=b + PAGE + 5, access="read", handler="do_anonymous_page",
                             error_code=4, vma_start=b + PAGE, vma_end=b + 3 * PAGE,
                             vma_perms="r--p")),
        ("page 2 read", dict(address=b + 2 * PAGE + 7, access="read",
                             handler="do_anonymous_page", error_code=4, vma_start=b + PAGE,
                             vma_end=b + 3 * PAGE, vma_perms="r--p")),
        ("page 1 write after mprotect rw", dict(address=b + PAGE + 9, access="write",
                                                handler="wp_page_copy", path=PathIs(WP_COPY_PATH),
                                                error_code=7, vma_perms="rw-p")),
    ]
    for row, (what, cols) in zip(rows, want):
        expect_row(r, row, what, user=1, outcome="minor", **cols)
    if len(rows) == 5:
        expect(rows[4]["vma_start"] <= b + PAGE and rows[4]["vma_end"] >= b + 3 * PAGE,
               "mprotect_split: after mprotect rw, the VMA of page 1 must cover pages 1-2",
               rows[4:])


@case("mlock")
def _c_mlock(ctx):
    """mlock: mlock faults its 16 pages in itself (get_user_pages, not a page fault), so the
    stores after it take no fault; the 16 pages under mlock2(MLOCK_ONFAULT) take one write fault
    each; the 8 pages mapped after mlockall(MCL_FUTURE) none, the 8 mapped after munlockall one
    each."""
    r = ctx.run("mlock", "mlock")
    expect_status(r, 0)
    a, b, c, d = (r.note(k) for k in "abcd")
    expect_count(r, RANGE, 0, a, a + 16 * PAGE)
    expect_count(r, RANGE + " AND handler = 'do_anonymous_page' AND access = 'write' AND user = 1",
                 16, b, b + 16 * PAGE)
    expect_count(r, RANGE, 16, b, b + 16 * PAGE)
    expect_count(r, RANGE, 0, c, c + 8 * PAGE)
    expect_count(r, RANGE + " AND handler = 'do_anonymous_page' AND access = 'write'", 8, d,
                 d + 8 * PAGE)
    expect_run(r, exit_code=0, term_signal=0)


@case("userfault")
def _c_userfault(ctx):
    """userfault: each missing page of the registered range faults once into handle_userfault
    (outcome 'userfault', the PTE left none: the handler thread's UFFDIO_COPY or ZEROPAGE maps
    it, and the access made again takes no fault): pages 1, 0, 2, 3 in that order, then page 0
    again after MADV_DONTNEED, then pages 2 and 3 from kernel mode (read(2) into page 2,
    write(2) from page 3, after MADV_DONTNEED: each call waits and runs again). The zero page ZEROPAGE put at page 1 is copied on write as
    usual. The fork child's VMA is not registered: its pages fault into do_anonymous_page.
    Under UFFD_FEATURE_SIGBUS the write is a SIGBUS from handle_userfault; once that
    userfaultfd is closed, the same page faults in as usual. Each fault that slept counts as
    major (4.20), in getrusage and in the run's counts."""
    r = ctx.run("userfault", "userfault")
    expect_status(r, 0)
    area, sb = r.note("area"), r.note("sigbus")
    pid = r.value("SELECT pid FROM faults WHERE run_id = ? AND outcome = 'userfault' LIMIT 1",
                  r.run_id)
    uf = r.rows(RANGE + " AND outcome = 'userfault'", area, area + 8 * PAGE)
    expect_equal(r, [((x["page"] - area) // PAGE, x["access"]) for x in uf],
                 [(1, "read"), (0, "write"), (2, "write"), (3, "read"), (0, "read"),
                  (2, "write"), (3, "read")],
                 "the faults handed to the userfaultfd (page, access), in order")
    expect_equal(r, [x["user"] for x in uf], [1, 1, 1, 1, 1, 0, 0],
                 "user mode, then the two system calls' own accesses")
    expect_all(r, RANGE + " AND outcome = 'userfault'", (area, area + 8 * PAGE),
               "path_is(path, '%s>handle_userfault') AND handler = 'handle_userfault' AND "
               "pte_before = 0 AND pte_after = 0 AND pid = %d" % (ANON_PATH, pid),
               "handle_userfault from do_anonymous_page, the PTE left none, the main thread")
    expect_count(r, RANGE + " AND pid = %d AND handler = 'wp_page_copy'" % pid, 1,
                 area + PAGE, area + 2 * PAGE)
    expect_count(r, RANGE + " AND pid != %d AND handler = 'do_anonymous_page'" % pid, 2,
                 area + 6 * PAGE, area + 8 * PAGE)
    # page-cache reads are major only when the host's cache lacks the page too (the host rule):
    # rarely, on a loaded machine, one of the program's own pages is
    io = r.value("SELECT count(*) FROM faults WHERE run_id = ? AND outcome = 'major'", r.run_id)
    expect(4 <= r.note("majflt") <= 4 + io,
           "%s: getrusage's major faults over the first four waits: %d, expected 4 (+ up to %d "
           "page-cache reads)" % (r.name, r.note("majflt"), io))
    bus = r.rows(RANGE, sb + PAGE, sb + 2 * PAGE)
    expect_equal(r, [(x["outcome"], "handle_userfault" in x["path"]) for x in bus],
                 [("sigbus", True), ("minor", False)],
                 "UFFD_FEATURE_SIGBUS (from handle_userfault), then the page after close")
    expect_stderr(r, r"\(\d+ minor, %d major, 1 signalled\)" % (7 + io), 1)
    expect_equal(r, r.value("SELECT major FROM run_summary WHERE run_id = ?", r.run_id), 7 + io,
                 "run_summary's major faults (the seven rows with outcome 'userfault')")
    expect_run(r, exit_code=0, term_signal=0)


THP_BASE, HPAGE = 0x80000000, 2 << 20
_PAGE_PSE = 0x80
HUGE_ANON_PATH = "do_user_addr_fault>handle_mm_fault>do_huge_pmd_anonymous_page"


@case("thp")
def _c_thp(ctx):
    """thp under --thp madvise (tests/guest/thp.c maps 8 MiB at 0x80000000, MADV_HUGEPAGE):
    writing 4 MiB takes two faults, each do_huge_pmd_anonymous_page from a none PMD to a
    writable dirty huge PMD (_PAGE_PSE) on a frame a multiple of 512; reading the next 4 MiB
    takes two that map the huge zero page read-only; the write into it is do_huge_pmd_wp_page,
    which puts a writable huge page in its place. The fork child's first store into a shared
    huge page splits its PMD (__split_huge_pmd) and copies one small page
    (wp_page_copy); its other 511 pages are do_wp_page too. The parent's PMDs stay huge: its
    write while the child maps the page splits its own PMD and copies, its write once the child
    is gone reuses the huge page (cow_faults). With MADV_NOHUGEPAGE and in a
    range shorter than 2 MiB every page is a do_anonymous_page fault."""
    r = ctx.run("thp", "thp", options=("--thp", "madvise"))
    expect_status(r, 0)
    main = r.value("SELECT pid FROM faults WHERE run_id = ? ORDER BY seq LIMIT 1", r.run_id)
    first = r.rows(RANGE + " AND pid = %d" % main, THP_BASE, THP_BASE + 8 * (1 << 20))[:5]
    expect_equal(r, [((x["address"] - THP_BASE) // HPAGE, x["access"], x["handler"])
                     for x in first],
                 [(0, "write", "do_huge_pmd_anonymous_page"),
                  (1, "write", "do_huge_pmd_anonymous_page"),
                  (2, "read", "do_huge_pmd_anonymous_page"),
                  (3, "read", "do_huge_pmd_anonymous_page"),
                  (2, "write", "do_huge_pmd_wp_page")],
                 "the first five faults in the region (huge page, access, handler)")
    for x in first[:4]:
        expect(x["pte_before"] == 0 and x["pte_after"] & _PAGE_PSE and
               ((x["pte_after"] & PTE_PFN_MASK) >> 12) % 512 == 0 and
               x["path"].endswith(HUGE_ANON_PATH) and x["outcome"] == "minor",
               "%s: fault %d: a none PMD to a huge PMD on an aligned frame, got %#x -> %#x, %s"
               % (r.name, x["seq"], x["pte_before"], x["pte_after"], x["path"]))
    expect_equal(r, [bool(x["pte_after"] & _PAGE_RW) for x in first],
                 [True, True, False, False, True],
                 "writable huge pages; the huge zero page read-only until written")
    expect(first[2]["pfn_after"] == first[3]["pfn_after"] != first[4]["pfn_after"],
           "%s: both reads map the one huge zero page, the write a new page" % r.name)
    child = r.rows(RANGE + " AND pid != %d" % main, THP_BASE, THP_BASE + HPAGE)
    expect_equal(r, len(child), 512, "the child's faults in the first huge page")
    expect(child and child[0]["path"].endswith(
               "do_huge_pmd_wp_page>__split_huge_pmd>handle_pte_fault>do_wp_page>wp_page_copy") and child[0]["page"] == THP_BASE + 2 * PAGE,
           "%s: the child's first store splits the huge page and copies one small page: %s"
           % (r.name, child[0]["path"] if child else None))
    expect_all(r, RANGE + " AND pid != %d AND seq > %d" % (main, child[0]["seq"] if child else 0),
               (THP_BASE, THP_BASE + HPAGE), "handler = 'wp_page_copy'",
               "the child's later stores copy small pages")
    # the cow_faults view: the parent's write into the huge zero page (a new huge page), its
    # write while the child maps the page (its PMD split, 4 KiB copied), its write once the
    # child is gone (the huge page reused); the child's copies
    cow = r.value("SELECT group_concat(handler || ':' || copied || from_zero_page, ' ') FROM "
                  "cow_faults WHERE run_id = ? AND pid = ? "
                  "AND seq IN (SELECT seq FROM faults WHERE run_id = ? AND pid = ? AND "
                  "address >= ? AND address < ?)", r.run_id, main, r.run_id, main, THP_BASE,
                  THP_BASE + 8 * (1 << 20))
    expect_equal(r, cow, "do_huge_pmd_wp_page:11 wp_page_copy:10 do_huge_pmd_wp_page:00",
                 "cow_faults of the parent in the region (handler:copied from_zero_page)")
    split = r.value("SELECT path FROM cow_faults WHERE run_id = ? AND pid = ? AND "
                    "handler = 'wp_page_copy' AND seq IN (SELECT seq FROM faults WHERE "
                    "run_id = ? AND address >= ? AND address < ?)", r.run_id, main, r.run_id,
                    THP_BASE, THP_BASE + 8 * (1 << 20))
    expect(split and split.endswith("do_huge_pmd_wp_page>__split_huge_pmd>handle_pte_fault>"
                                    "do_wp_page>wp_page_copy"),
           "%s: the parent's write while the child maps the page splits the parent's PMD: %s"
           % (r.name, split))
    child_cow = r.value("SELECT count(*) FROM cow_faults WHERE run_id = ? AND pid != ? AND "
                        "copied AND NOT from_zero_page AND seq IN (SELECT seq FROM faults "
                        "WHERE run_id = ? AND address >= ? AND address < ?)", r.run_id, main,
                        r.run_id, THP_BASE, THP_BASE + HPAGE)
    expect_equal(r, child_cow, 512, "cow_faults of the child in the first huge page, copied")
    small = r.value("SELECT count(*) FROM faults WHERE run_id = ? AND pid = ? AND "
                    "handler = 'do_anonymous_page' AND address >= ? AND address < ?",
                    r.run_id, main, THP_BASE, THP_BASE + 4 * (1 << 20))
    expect_equal(r, small, 1024 + 511, "small-page faults: MADV_NOHUGEPAGE 4 MiB, then "
                 "2 MiB - 4 KiB")
    expect_run(r, exit_code=0, term_signal=0)


PM_PRESENT, PM_SWAP, PM_FILE, PM_EXCL = 1 << 63, 1 << 62, 1 << 61, 1 << 56
PM_FRAME = (1 << 55) - 1
PTE_PFN = ((1 << 52) - 1) & ~(PAGE - 1)


def _pagemap_report(r):
    """pagemap_log's stdout: {"page": [entries, in the order printed], "untouched": e,
    "hole": e, "delta": {name: value}, "swap": {name: value}}."""
    out = {"page": [], "delta": {}, "swap": {}}
    for line in r.stdout.splitlines():
        f = line.split()
        if f[0] == "page":
            out["page"].append(int(f[2], 16))
        elif f[0] in ("untouched", "hole"):
            out[f[0]] = int(f[1], 16)
        elif f[0] in ("delta", "swap"):
            out[f[0]][f[1]] = int(f[2])
    return out


@case("pagemap")
def _c_pagemap(ctx):
    """pagemap_log 64: the guest writes 64 fresh pages and reads /proc/self/pagemap, /proc/meminfo
    and /proc/vmstat. Each page's entry is present, exclusive and anonymous (never soft-dirty:
    the model is a kernel without CONFIG_MEM_SOFT_DIRTY), and its frame is the one its fault's
    PTE got in the log; a page of the VMA never touched and an unmapped one are 0. Across the
    writes
    AnonPages grew by exactly 64 pages, MemFree shrank by those and the new page tables, and
    pgfault counted exactly the 64 faults."""
    n = 64
    r = ctx.run("pagemap", "pagemap_log", [str(n)])
    expect_status(r, 0)
    base = r.note("base")
    rep = _pagemap_report(r)
    entries = rep["page"]
    expect_equal(r, len(entries), n, "pagemap entries printed")
    faults = {x["address"] & ~(PAGE - 1): x for x in r.rows(RANGE, base, base + n * PAGE)}
    expect_equal(r, len(faults), n, "pages with a fault in the log")
    for i, e in enumerate(entries):
        row = faults.get(base + i * PAGE)
        flags = e & ~PM_FRAME
        if not expect(flags == PM_PRESENT | PM_EXCL,
                      "pagemap: page %d entry %#x: expected present, exclusive, nothing else"
                      % (i, e)) or row is None:
            continue
        expect(e & PM_FRAME == (row["pte_after"] & PTE_PFN) >> 12,
               "pagemap: page %d is frame %#x, its fault's PTE %#x" %
               (i, e & PM_FRAME, row["pte_after"]), [row])
    expect_equal(r, rep.get("untouched"), 0, "the untouched page's entry")
    expect_equal(r, rep.get("hole"), 0, "the unmapped page's entry")
    d = rep["delta"]
    expect_equal(r, d.get("AnonPages"), n * 4, "AnonPages' growth (kB)")
    expect_equal(r, d.get("MemFree"), -(n * 4 + d.get("PageTables", 0)),
                 "MemFree's change (kB): the pages and their page tables")
    expect(d.get("PageTables", 0) > 0, "pagemap: the new mapping needed page tables", None)
    expect_equal(r, d.get("pgfault"), n, "pgfault's growth")
    expect_run(r, exit_code=0, term_signal=0)


@case("pagemap-swap")
def _c_pagemap_swap(ctx):
    """pagemap_log 1024 6000 under --ram 16M --swap 32M: writing 6000 more pages than fit pushes
    part of the first 1024 out. Each of those now has a swap entry in pagemap (type 0) whose
    offset is the slot its last eviction in reclaim_events names; each still present is the
    frame of the last fault on that page. /proc/vmstat's pswpout lies between the numbers of
    swap_out evictions the log has before the markers the guest makes right before and right
    after reading it, and /proc/meminfo's SwapTotal is the swap file less its header."""
    n, push = 1024, 6000
    r = ctx.run("pagemap-swap", "pagemap_log", [str(n), str(push)],
                options=["--ram", "16M", "--swap", "32M"])
    expect_status(r, 0)
    base = r.note("base")
    rep = _pagemap_report(r)
    after = rep["page"][n:]
    expect_equal(r, len(after), n, "pagemap entries after the push")
    evicted = {}
    for x in r.db.execute("SELECT address, swap_slot, kind FROM reclaim_events WHERE run_id = ? "
                          "AND address >= ? AND address < ? ORDER BY fault_seq, rowid",
                          (r.run_id, base, base + n * PAGE)):
        evicted[x["address"]] = x
    last_fault = {}
    for x in r.rows(RANGE, base, base + n * PAGE):
        last_fault[x["address"] & ~(PAGE - 1)] = x
    swapped = 0
    for i, e in enumerate(after):
        addr = base + i * PAGE
        if e & PM_SWAP:
            swapped += 1
            ev = evicted.get(addr)
            expect(ev is not None and ev["kind"] in ("swap_out", "swap_clean") and
                   (e & PM_FRAME) == ev["swap_slot"] << 5,
                   "pagemap-swap: page %d has swap entry %#x (slot %d), its last eviction %s" %
                   (i, e, (e & PM_FRAME) >> 5, dict(ev) if ev else None))
        elif e & PM_PRESENT:
            row = last_fault.get(addr)
            expect(row is not None and e & PM_FRAME == (row["pte_after"] & PTE_PFN) >> 12,
                   "pagemap-swap: page %d is frame %#x, its last fault's PTE %s" %
                   (i, e & PM_FRAME, hex(row["pte_after"]) if row else None))
        else:
            expect(False, "pagemap-swap: page %d neither present nor swapped: %#x" % (i, e))
    expect(swapped > 0, "pagemap-swap: no page of the first mapping went to swap")
    sw = rep["swap"]

    def outs_before(marker):
        return r.value("SELECT count(*) FROM reclaim_events WHERE run_id = ? AND "
                       "kind = 'swap_out' AND fault_seq < ?", r.run_id, r.marker_seq(marker))
    lo, hi = outs_before("before_count"), outs_before("counted")
    expect(lo <= sw.get("pswpout", -1) <= hi,
           "pagemap-swap: pswpout %s is not between the log's swap_out evictions before the "
           "read (%d) and after it (%d)" % (sw.get("pswpout"), lo, hi))
    expect_equal(r, sw.get("SwapTotal"), 32 * 1024 - 4, "SwapTotal (kB)")
    expect(sw.get("SwapTotal", 0) - sw.get("SwapFree", 0) >= swapped * 4,
           "pagemap-swap: swap in use %s kB holds the %d swapped pages" %
           (sw.get("SwapTotal", 0) - sw.get("SwapFree", 0), swapped))
    expect_run(r, exit_code=0, term_signal=0)


@case("clear_refs")
def _c_clear_refs(ctx):
    """clear_refs DIR retouch: writing 1 to /proc/self/clear_refs clears the accessed bit of
    every PTE and flushes the TLB (4.20), so after touching 10 of its 100 anonymous and 10 of
    its 100 file pages again smaps says 40 kB referenced in each; 2 then clears the anonymous
    mapping only, 3 the file one. Clearing accessed bits never takes a page away: the anonymous
    mapping has exactly its 100 first-touch faults."""
    r = ctx.run("clear_refs", "clear_refs", [ctx.work, "retouch"])
    expect_status(r, 0)
    lines = r.stdout.splitlines()
    for want in ("10 touched again: anon 40 kB, file 40 kB referenced",
                 "anon cleared: anon 0 kB, file 40 kB referenced",
                 "file cleared: anon 0 kB, file 0 kB referenced",
                 "resident still: anon 400 kB, file 400 kB"):
        expect(want in lines, "clear_refs: no line %r in:\n%s" % (want, r.stdout))
    anon = r.note("anon")
    expect_count(r, RANGE, 100, anon, anon + 100 * PAGE)
    expect_run(r, exit_code=0, term_signal=0)


@case("thp-small-ram")
def _c_thp_small_ram(ctx):
    """thp on a machine under 512 MiB: Linux boots with THP disabled there (hugepage_init), so
    without --thp not one huge-page fault, whatever the host's mode; --thp madvise enables
    it again, as an admin's write to sysfs would."""
    r = ctx.run("thp-256m", "thp", options=("--ram", "256M"))
    expect_status(r, 0)
    huge = r.value("SELECT count(*) FROM faults WHERE run_id = ? AND handler LIKE '%huge%'",
                   r.run_id)
    expect_equal(r, huge, 0, "huge-page rows under --ram 256M without --thp")
    r = ctx.run("thp-256m-madvise", "thp", options=("--ram", "256M", "--thp", "madvise"))
    expect_status(r, 0)
    huge = r.value("SELECT count(*) FROM faults WHERE run_id = ? AND "
                   "handler = 'do_huge_pmd_anonymous_page'", r.run_id)
    expect(huge >= 4, "%s: --thp madvise under --ram 256M: %d huge-page faults, expected at "
           "least 4" % (r.name, huge))
    expect_run(r, exit_code=0, term_signal=0)


@case("hugetlb")
def _c_hugetlb(ctx):
    """hugetlb_noreserve: an anonymous MAP_HUGETLB|MAP_NORESERVE mapping has no huge page to
    get (the pools are empty): each fault in it goes handle_mm_fault>hugetlb_fault>
    hugetlb_no_page and ends in do_sigbus (VM_FAULT_SIGBUS), nothing mapped (PTE none before
    and after). In the 4 MiB mapping at the noted address, in order: the user write at +100 and
    the user read at 2 MiB + 4095 are SIGBUS (BUS_ADRERR); read(2) into and write(2) from
    +2 MiB are kernel-mode faults that end in no_context (EFAULT); the forked child's write at
    +1 is SIGBUS in the child. No fault in any hugetlb VMA of the run (the others the program
    maps included) gets a page."""
    r = ctx.run("hugetlb", "hugetlb_noreserve")
    expect_status(r, 0)
    area = r.note("area")
    hp = 2 << 20
    rows = r.rows(RANGE, area, area + 2 * hp)
    expect_equal(r, [(x["address"] - area, x["access"], x["user"], x["handler"], x["outcome"])
                     for x in rows],
                 [(100, "write", 1, "do_sigbus", "sigbus"),
                  (hp + 4095, "read", 1, "do_sigbus", "sigbus"),
                  (hp, "write", 0, "no_context", "efault"),
                  (hp, "read", 0, "no_context", "efault"),
                  (1, "write", 1, "do_sigbus", "sigbus")],
                 "the faults in the fixed mapping (offset, access, user, handler, outcome)")
    hpath = "do_user_addr_fault>handle_mm_fault>hugetlb_fault>hugetlb_no_page>mm_fault_error>do_sigbus"
    expect_all(r, RANGE + " AND user = 1", (area, area + 2 * hp),
               "path_is(path, '%s') AND signo = 7 AND si_code = 2 AND pte_before = 0 AND "
               "pte_after = 0 AND vma_file = '/anon_hugepage (deleted)'" % hpath,
               "user faults: SIGBUS from hugetlb_no_page, nothing mapped")
    expect_all(r, RANGE + " AND user = 0", (area, area + 2 * hp),
               "path_is(path, '%s>no_context') AND pte_after = 0" % hpath,
               "the system calls' faults: EFAULT from hugetlb_no_page's SIGBUS")
    if len(rows) == 5:
        expect(rows[0]["pid"] == rows[3]["pid"] != rows[4]["pid"],
               "hugetlb: the parent's four faults, then the child's", [x["pid"] for x in rows])
    expect_count(r, "vma_file = '/anon_hugepage (deleted)' AND (outcome NOT IN ('sigbus', 'efault')"
                 " OR path NOT LIKE '%>hugetlb_fault>hugetlb_no_page>%')", 0)
    expect_run(r, exit_code=0, term_signal=0)


@case("sysv_shm")
def _c_sysv_shm(ctx):
    """sysv_shm: a System V segment is a shmem file mapped MAP_SHARED. In its VMAs
    ('/SYSV00000000 (deleted)') the parent's first store is do_shared_fault, its read through
    the second (read-only) attach do_read_fault of the same page, the forked child's read
    do_read_fault and its store do_shared_fault; never a private copy (do_cow_fault,
    do_anonymous_page, wp_page_copy)."""
    r = ctx.run("sysv_shm", "sysv_shm")
    expect_status(r, 0)
    where = "vma_file = '/SYSV00000000 (deleted)'"
    rows = r.rows(where)
    got = [(x["access"], x["handler"]) for x in rows]
    expect_equal(r, got, [("write", "do_shared_fault"), ("read", "do_read_fault"),
                          ("read", "do_read_fault"), ("write", "do_shared_fault"),
                          ("read", "do_read_fault")], "the segment's faults in seq order")
    pids = [x["pid"] for x in rows]
    if len(pids) == 5:
        expect(pids[0] == pids[1] == pids[4] and pids[2] == pids[3] != pids[0],
               "sysv_shm: parent, parent, child, child, parent", pids)
    expect_all(r, where, (), "outcome = 'minor' AND vma_perms LIKE '%s'", "shared, minor")
    expect_run(r, exit_code=0, term_signal=0)


OVERCOMMIT_ACCT = """\
mmap private writable 4 MiB        +4096 kB
mmap private NORESERVE 4 MiB       +0 kB
mmap private read-only 4 MiB       +0 kB
mprotect half of it writable       +2048 kB
mmap shared anonymous 4 MiB        +4096 kB
mmap shared NORESERVE 4 MiB        +0 kB
munmap the shared 4 MiB            -4096 kB
munmap 1 MiB of the private one    -1024 kB
mremap the other 3 MiB to 8 MiB    +5120 kB
shmget 4 MiB                       +4096 kB
shmget SHM_NORESERVE 4 MiB         +0 kB
IPC_RMID both                      -4096 kB
sbrk 1 MiB                         +1024 kB
sbrk -1 MiB                        -1024 kB
fork: child charged exactly its VM_ACCOUNT VMAs
fork and the child's exit          +0 kB
munmap the rest                    -10240 kB
"""

OVERCOMMIT_NEVER = """\
mode 2, CommitLimit 32768 kB
one page more than the room: Cannot allocate memory
the room: ok
then a page of heap: Cannot allocate memory
then a NORESERVE page: ok
fork: Cannot allocate memory
after munmap, fork: ok
"""

OVERCOMMIT_SYSCTL_ROOT = """\
write 1: ok
1 TiB under always: ok
write 3: Invalid argument
write x: Invalid argument
mode 1
write 0: ok
1 TiB under guess: Cannot allocate memory
write ratio 25: ok
CommitLimit 16384 kB
write kbytes 1000: ok
CommitLimit 1000 kB, ratio 0
"""


@case("overcommit")
def _c_overcommit(ctx):
    """overcommit_acct (tests/guest/overcommit_acct.c) under --ram 64M: what each call charges to
    Committed_AS (worked out by hand from 4.20's accountable_mapping, shmem_acct_size, mprotect,
    mremap, brk, dup_mmap); under --overcommit never the room __vm_enough_memory leaves, to the
    page; root's writes of the vm.overcommit_* files change the model's mode and CommitLimit
    (50% of 64 MiB, then 25%, then overcommit_kbytes) and never the host's."""
    host_mode = open("/proc/sys/vm/overcommit_memory").read()
    r = ctx.run("overcommit-acct", "overcommit_acct", ["acct"], options=["--ram", "64M"])
    expect_status(r, 0)
    expect_equal(r, r.stdout, OVERCOMMIT_ACCT, "Committed_AS after each call")
    r = ctx.run("overcommit-never", "overcommit_acct", ["never"],
                options=["--ram", "64M", "--overcommit", "never"])
    expect_status(r, 0)
    expect_equal(r, r.stdout, OVERCOMMIT_NEVER, "--overcommit never")
    r = ctx.run("overcommit-sysctl", "overcommit_acct", ["sysctl"], options=["--ram", "64M"])
    expect_status(r, 0)
    if os.geteuid() == 0:
        expect_equal(r, r.stdout, OVERCOMMIT_SYSCTL_ROOT, "vm.overcommit_* written by root")
    else:  # the files are 0644 root's: the opens for writing fail
        expect(r.stdout.startswith("write 1: Permission denied\n"),
               "overcommit-sysctl: a non-root write must be EACCES; stdout:\n" + r.stdout)
    expect(open("/proc/sys/vm/overcommit_memory").read() == host_mode,
           "overcommit-sysctl: the host's vm.overcommit_memory changed")


THP_SYSFS_OUT = """\
enabled: [always] madvise never
AnonHugePages: 2048 kB
write enabled never: ok
enabled: always madvise [never]
AnonHugePages: 2048 kB
write enabled madvise: ok
AnonHugePages: 4096 kB
write enabled sometimes: Invalid argument
write use_zero_page 2: Invalid argument
write use_zero_page 0: ok
use_zero_page: 0
read: 0
AnonHugePages: 6144 kB
write khugepaged/pages_to_scan 1234: ok
cwd khugepaged/pages_to_scan: 1234
cwd ./khugepaged//pages_to_scan: 1234
dirfd pages_to_scan: 1234
dirfd ../khugepaged/pages_to_scan: 1234
cwd enabled: wrote never 
dirfd ../enabled: always madvise [never]
cwd enabled/: Not a directory
defrag: always defer defer+madvise [madvise] never
khugepaged/defrag: 1
write defrag defer+: ok
defrag: always defer [defer+madvise] madvise never
write defrag sometimes: Invalid argument
shmem_enabled: always within_size advise [never] deny force
write shmem_enabled adv: Invalid argument
write shmem_enabled deny: ok
shmem_enabled: always within_size advise never [deny] force
transparent_hugepage: defrag enabled hpage_pmd_size khugepaged shmem_enabled use_zero_page
khugepaged: alloc_sleep_millisecs defrag full_scans max_ptes_none max_ptes_swap pages_collapsed pages_to_scan scan_sleep_millisecs
khugepaged/max_ptes_shared: No such file or directory
dirfd max_ptes_shared: No such file or directory
stat max_ptes_shared: No such file or directory
lstat max_ptes_shared: No such file or directory
fstatat max_ptes_shared: No such file or directory
statx max_ptes_shared: No such file or directory
access max_ptes_shared: No such file or directory
"""


@case("thp-sysfs")
def _c_thp_sysfs(ctx):
    """thp_sysfs under --thp always, as root: the guest's /sys/kernel/mm/transparent_hugepage
    files are the model's. enabled shows --thp's mode; after root writes "never" the next
    2 MiB block's write fault is do_anonymous_page, after "madvise" a MADV_HUGEPAGE block's is
    do_huge_pmd_anonymous_page again; with use_zero_page 0 a read fault takes a new huge page
    (6 MiB of AnonHugePages) instead of the huge zero page. Bad values are EINVAL, as
    enabled_store and single_hugepage_flag_store answer; the host's files never change, also
    when the guest names them relative to the directory or from a directory fd. defrag and
    khugepaged/defrag are the model's too (4.20's defaults; defrag_store's prefix compare). A
    later kernel's files (khugepaged/max_ptes_shared) are neither listed, opened nor found by
    stat, lstat, fstatat, statx or access.
    shmem_enabled is the model's, with shmem_enabled_store's whole words."""
    if os.geteuid() != 0:
        print("thp-sysfs: needs root (the files are 0644 root's)")
        return
    files = ("enabled", "use_zero_page", "khugepaged/pages_to_scan", "defrag",
             "khugepaged/defrag", "shmem_enabled")
    if os.path.exists("/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_shared"):
        files += ("khugepaged/max_ptes_shared",)
    host = [open("/sys/kernel/mm/transparent_hugepage/" + f).read() for f in files]
    r = ctx.run("thp-sysfs", "thp_sysfs", options=("--thp", "always"))
    expect_status(r, 0)
    expect_equal(r, r.stdout, THP_SYSFS_OUT, "the guest's view and writes")
    rows = r.rows("address >= ? AND address < ?", 0x80000000, 0x80800000)
    expect_equal(r, [((x["address"] - 0x80000000) // HPAGE, x["access"], x["handler"])
                     for x in rows],
                 [(0, "write", "do_huge_pmd_anonymous_page"),
                  (1, "write", "do_anonymous_page"),
                  (2, "write", "do_huge_pmd_anonymous_page"),
                  (3, "read", "do_huge_pmd_anonymous_page")],
                 "one fault per block (block, access, handler)")
    now = [open("/sys/kernel/mm/transparent_hugepage/" + f).read() for f in files]
    expect(now == host, "thp-sysfs: the host's transparent_hugepage files changed")
    for f, was, is_ in zip(files, host, now):  # put back what a broken build changed
        if was != is_:
            with open("/sys/kernel/mm/transparent_hugepage/" + f, "w") as out:
                out.write(re.search(r"\[(.*)\]", was).group(1) if "[" in was else was)


VM_SYSCTL_OUT = """\
swappiness: 10
min_free_kbytes: 1024
watermark_scale_factor: 10
max_map_count: 65530
drop_caches: 0
vfs_cache_pressure: 100
lowmem_reserve_ratio: 256	256	32	0	0
numa_zonelist_order: Node
block_dump: 0
watermark_boost_factor: No such file or directory
compact_memory: Permission denied
stat watermark_boost_factor: No such file or directory
mode drop_caches: 644
mode block_dump: 644
realpath block_dump: /proc/sys/vm/block_dump
/proc/sys/vm (46): admin_reserve_kbytes block_dump compact_memory compact_unevictable_allowed dirty_background_bytes dirty_background_ratio dirty_bytes dirty_expire_centisecs dirty_ratio dirty_writeback_centisecs dirtytime_expire_seconds drop_caches extfrag_threshold hugetlb_shm_group laptop_mode legacy_va_layout lowmem_reserve_ratio max_map_count memory_failure_early_kill memory_failure_recovery min_free_kbytes min_slab_ratio min_unmapped_ratio mmap_min_addr mmap_rnd_bits mmap_rnd_compat_bits nr_hugepages nr_hugepages_mempolicy nr_overcommit_hugepages numa_stat numa_zonelist_order oom_dump_tasks oom_kill_allocating_task overcommit_kbytes overcommit_memory overcommit_ratio page-cluster panic_on_oom percpu_pagelist_fraction stat_interval stat_refresh swappiness user_reserve_kbytes vfs_cache_pressure watermark_scale_factor zone_reclaim_mode
write swappiness 101: Invalid argument
write swappiness -1: Invalid argument
write swappiness 30: ok
swappiness: 30
write min_free_kbytes -1: Invalid argument
write min_free_kbytes 2048: ok
min_free_kbytes: 2048
write watermark_scale_factor 0: Invalid argument
write watermark_scale_factor 1001: Invalid argument
write drop_caches 0: Invalid argument
write drop_caches 5: Invalid argument
write vfs_cache_pressure 50: ok
vfs_cache_pressure: 50
write dirty_ratio 101: Invalid argument
write dirty_bytes 1000: ok
dirty_bytes: 0
write dirty_bytes 65536: ok
dirty_ratio: 0
read 70000000: 136
read 71000000: 136
write drop_caches 1: ok
drop_caches: 1
read 72000000: 136
write drop_caches 3: ok
read 73000000: 136
write max_map_count VMAs + 20: ok
mmap 21: Cannot allocate memory
VMAs at the refusal: max_map_count + 1
write max_map_count 65530: ok
cwd swappiness: 30
cwd ../vm//./min_free_kbytes: 2048
dirfd vm/swappiness: 30
dirfd vm/../vm/vfs_cache_pressure: 50
cwd watermark_boost_factor: No such file or directory
cwd swappiness/x: Not a directory
access watermark_boost_factor: No such file or directory
cwd proc/sys/vm/swappiness: 30
write mmap_min_addr 1048576: ok
mmap_min_addr: 1048576
write swappiness 60: Permission denied
swappiness: 30
mmap at 0x80000: Operation not permitted
"""


def host_vm_sysctls():
    """The host's /proc/sys/vm values that can be read (stat_refresh's read acts, and a 0200 file
    has none), by name."""
    vals = {}
    for name in sorted(os.listdir("/proc/sys/vm")):
        path = "/proc/sys/vm/" + name
        if name == "stat_refresh" or not os.stat(path).st_mode & 0o444:
            continue
        try:
            with open(path) as f:
                vals[name] = f.read()
        except OSError:
            pass
    return vals


@case("vm-sysctl")
def _c_vm_sysctl(ctx):
    """vm_sysctl (tests/guest/vm_sysctl.c) under --ram 64M --swappiness 10 --major-faults=model,
    as root: /proc/sys/vm is the model's, all of it. Reads give --swappiness, min_free_kbytes from
    the RAM (sqrt(16 * 65536 KiB)) and 4.20's defaults and modes; 4.20's handlers' EINVALs and
    silent skips; 4.20's 46 files listed, a later kernel's not found by open, stat or access.
    drop_caches 1 drops the model's clean page cache: of a 16-page file read through four
    mappings in turn (one fault each, fault-around maps the rest), the first read is major, the
    second minor, the one after drop_caches 1 major again, and the one after drop_caches 3 minor,
    the file being mapped meanwhile. max_map_count limits the model's VMAs as do_mmap does. The
    same by relative names; a non-root write is EACCES, and after root's mmap_min_addr 1 MiB a
    non-root MAP_FIXED at 512 KiB is EPERM. The host's /proc/sys/vm never changes."""
    if os.geteuid() != 0:
        print("vm-sysctl: needs root (the files are 0644 root's)")
        return
    host = host_vm_sysctls()
    try:
        r = ctx.run("vm-sysctl", "vm_sysctl",
                    options=("--ram", "64M", "--swappiness", "10", "--major-faults=model"))
    finally:
        now = host_vm_sysctls()
        for name, was in host.items():  # put back what a broken build changed
            if now.get(name) != was:
                try:
                    with open("/proc/sys/vm/" + name, "w") as out:
                        out.write(was)
                except OSError:
                    pass
    expect(now == host, "vm-sysctl: the host's /proc/sys/vm changed: %s"
           % sorted(n for n in host if now.get(n) != host[n]))
    expect_status(r, 0)
    expect_equal(r, r.stdout, VM_SYSCTL_OUT, "the guest's view and writes")
    rows = r.rows("address >= ? AND address < ?", 0x70000000, 0x74000000)
    expect_equal(r, [(x["address"] >> 24, x["handler"], x["outcome"]) for x in rows],
                 [(0x70, "do_read_fault", "major"), (0x71, "do_read_fault", "minor"),
                  (0x72, "do_read_fault", "major"), (0x73, "do_read_fault", "minor")],
                 "one read fault per mapping of the file (phase, handler, outcome)")


def speculation_out():
    """What tests/guest/speculation prints under faultline: Linux 4.20's answers for a CPU
    without X86_BUG_SPEC_STORE_BYPASS and X86_BUG_SPECTRE_V2 (worked by hand from
    arch/x86/kernel/cpu/bugs.c, kernel/sys.c, fs/proc/array.c and drivers/base/cpu.c)."""
    out = ["get store_bypass: 0", "get indirect_branch: 0",  # PR_SPEC_NOT_AFFECTED
           "get which 2: ENODEV", "get which -1: ENODEV",
           "get store_bypass arg3 1: EINVAL", "get store_bypass arg4 1: EINVAL",
           "get store_bypass arg5 1: EINVAL", "get which 2 arg3 1: EINVAL"]
    # ssb_prctl_set: ssb_mode is not PRCTL or SECCOMP, so ENXIO before any ctrl is looked at
    out += ["set store_bypass %d: ENXIO" % c for c in (0, 1, 2, 4, 8, 16, 3)]
    # ib_prctl_set with spectre_v2_user NONE: ENABLE is 0, DISABLE and FORCE_DISABLE EPERM
    ib = {2: "0", 4: "EPERM", 8: "EPERM"}
    out += ["set indirect_branch %d: %s" % (c, ib.get(c, "ERANGE")) for c in (0, 1, 2, 4, 8, 16, 3)]
    out += ["set which 2 ctrl 2: ENODEV", "set indirect_branch 2 arg4 1: EINVAL",
            "set indirect_branch 2 arg5 1: EINVAL", "set which 2 ctrl 2 arg4 1: EINVAL",
            "get store_bypass after: 0", "get indirect_branch after: 0",
            "status Speculation_Store_Bypass:\tnot vulnerable"]
    # a later kernel's line (4.20 has none), kept where the host's file has it (as
    # Seccomp_filters is), with that kernel's word for PR_SPEC_NOT_AFFECTED
    with open("/proc/self/status") as f:
        if any(line.startswith("SpeculationIndirectBranch:") for line in f):
            out.append("status SpeculationIndirectBranch:\tnot affected")
    out += ["vulnerabilities (5): l1tf meltdown spec_store_bypass spectre_v1 spectre_v2"]
    out += ["%s: Not affected" % n
            for n in ("meltdown", "spectre_v1", "spectre_v2", "spec_store_bypass", "l1tf")]
    out += ["dirfd spectre_v2: Not affected", "dirfd ./l1tf: Not affected",
            "cwd meltdown: Not affected", "cwd ../vulnerabilities/spec_store_bypass: Not affected",
            "write open meltdown: EACCES", "read-write open spectre_v1: EACCES"]
    for n in ("retbleed", "mds", "itlb_multihit"):
        out += ["open %s: ENOENT" % n, "stat %s: ENOENT" % n, "lstat %s: ENOENT" % n,
                "fstatat dirfd %s: ENOENT" % n, "statx cwd %s: ENOENT" % n,
                "access %s: ENOENT" % n, "openat dirfd %s: ENOENT" % n]
    return "\n".join(out) + "\n"


@case("speculation")
def _c_speculation(ctx):
    """speculation (tests/guest/speculation.c): the emulated CPU does not speculate, and every
    view says so as Linux 4.20 says it for a CPU without the speculation bugs (as
    /proc/cpuinfo's empty bugs line does). prctl(PR_GET_SPECULATION_CTRL) is
    PR_SPEC_NOT_AFFECTED for both controls and ENODEV for another; PR_SET_SPECULATION_CTRL is
    ENXIO for the store bypass control (no prctl mode) and, for indirect branches, 0 for
    PR_SPEC_ENABLE, EPERM for the two disables, ERANGE for any other value; unused arguments
    non-zero are EINVAL before anything else. /proc/self/status says "not vulnerable".
    /sys/devices/system/cpu/vulnerabilities holds 4.20's five files, each "Not affected",
    read-only (a write open is EACCES), by absolute and relative names; a later kernel's
    (retbleed, mds, itlb_multihit) are not listed and not found by open, stat or access.
    faultline only: natively the answers are the host CPU's and kernel's."""
    r = ctx.run("speculation", "speculation")
    expect_status(r, 0)
    expect_equal(r, r.stdout, speculation_out(), "the guest's view of speculation")


KHUGEPAGED_OUT = """\
before MADV_HUGEPAGE: AnonHugePages 0 kB, pages_collapsed 0
after MADV_HUGEPAGE: AnonHugePages 4096 kB, pages_collapsed 2
child gone, C read-only: AnonHugePages 4096 kB
after a write to C: pages_collapsed 3
AnonHugePages 6144 kB
block A: same bytes
block B: same bytes
block C: same bytes
block D: same bytes
"""


@case("khugepaged")
def _c_khugepaged(ctx):
    """khugepaged (tests/guest/khugepaged.c) under --thp madvise, as root: of four 2 MiB blocks
    faulted in small pages, MADV_HUGEPAGE's immediate pass collapses the one fully written and
    the one with 300 pages (212 holes), not the one with 100 (4.20 wants 256 young PTEs) nor the
    one shared with a child; that one only after the child is gone and a write made a PTE
    writable again. Worked by hand from khugepaged_scan_pmd and __collapse_huge_page_swapin.
    In the log: the holes of the collapsed block D are read without a fault (a huge page maps
    them), those of B with one zero-page read fault each. khugepaged_events has a row per block
    per pass, with 4.20's tracepoint results: the first pass collapses A (512 young PTEs) and D
    (300, 212 holes), finds C's pages shared (not_suitable_page_count) and tries B (100 young, 412
    holes) but refuses it at the swap-in step (fewer than 256 young) after allocating a huge page;
    later passes find A and D huge (pmd_null), C read-only (no_writable_page) until the write,
    then collapse it, and refuse B each time. thp_collapse_alloc counts one huge page per try."""
    if os.geteuid() != 0:
        print("khugepaged: needs root (the guest sets scan_sleep_millisecs)")
        return
    host = open("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs").read()
    r = ctx.run("khugepaged", "khugepaged", options=("--thp", "madvise"))
    expect_status(r, 0)
    expect_equal(r, r.stdout, KHUGEPAGED_OUT, "the guest's view")
    base, page = 0x80000000, 4096
    d_holes = r.rows("address >= ? AND address < ?", base + 3 * HPAGE + 300 * page,
                     base + 4 * HPAGE)
    expect_equal(r, len(d_holes), 0, "faults in block D's holes (collapsed)")
    b_holes = r.rows("address >= ? AND address < ? AND access = 'read'",
                     base + HPAGE + 100 * page, base + 2 * HPAGE)
    expect_equal(r, (len(b_holes), {x["handler"] for x in b_holes}),
                 (412, {"do_anonymous_page"}), "read faults in block B's holes (small pages)")
    ev = r.db.execute("SELECT (address - ?) / ? AS block, writable, referenced, none_or_zero,"
                      " unmapped, scan_result, swapin, swapped_in, collapse_result, pfn"
                      " FROM khugepaged_events WHERE run_id = ? ORDER BY rowid",
                      (base, HPAGE, r.run_id)).fetchall()
    first = [tuple(x)[:9] for x in ev[:4]]
    expect_equal(r, first,
                 [(0, 1, 512, 0, 0, "succeeded", "done", 0, "succeeded"),
                  (1, 1, 100, 412, 0, "succeeded", "refused", 0, "failed"),
                  (2, 0, 0, 0, 0, "not_suitable_page_count", None, 0, None),
                  (3, 1, 300, 212, 0, "succeeded", "done", 0, "succeeded")],
                 "khugepaged's first pass (block, writable, referenced, none_or_zero, unmapped,"
                 " scan, swapin, swapped_in, collapse)")
    by_block = [[(x["scan_result"], x["collapse_result"]) for x in ev if x["block"] == b]
                for b in range(4)]
    expect(len(ev) % 4 == 0 and all(len(b) == len(ev) // 4 for b in by_block),
           "khugepaged: every pass looks at the four blocks, in order", [tuple(x) for x in ev])
    for b in (0, 3):
        expect_equal(r, set(by_block[b][1:]), {("pmd_null", None)}, "block %s after its collapse"
                     % "ABCD"[b])
    expect_equal(r, set(by_block[1]), {("succeeded", "failed")}, "block B in every pass")
    # C: shared while the child lives, read-only for the (at least two) passes after, one collapse
    letters = {("not_suitable_page_count", None): "s", ("no_writable_page", None): "r",
               ("succeeded", "succeeded"): "C", ("pmd_null", None): "h"}
    c = "".join(letters.get(x, "?") for x in by_block[2])
    expect(re.fullmatch(r"s+rr+Ch*", c), "khugepaged: block C's passes are %s, expected shared (s),"
           " read-only (r) twice or more, one collapse (C), then huge (h)" % c)
    pfns = [x["pfn"] for x in ev if x["collapse_result"] == "succeeded"]
    expect(len(pfns) == 3 and len(set(pfns)) == 3 and all(p % 512 == 0 for p in pfns),
           "khugepaged: three collapses, each into its own huge page", pfns)
    expect_equal(r, r.note("thp_collapse_alloc"),
                 sum(1 for x in ev if x["collapse_result"] is not None),
                 "thp_collapse_alloc against the collapses tried in the log")
    # faultline stats: the ranges by result, counted from the same rows
    st = fh.run([ctx.faultline, "stats", r.db_path], cwd=ctx.work, timeout=ctx.timeout)
    out = st.stdout.decode()
    want = {"collapse succeeded": 3,
            "collapse failed (swap-in refused: < 256 young PTEs)": len(by_block[1]),
            "not tried: not_suitable_page_count": c.count("s"),
            "not tried: no_writable_page": c.count("r"),
            "not tried: pmd_null": sum(1 for x in ev if x["scan_result"] == "pmd_null")}
    got = {m.group(2): int(m.group(1).replace(",", ""))
           for m in re.finditer(r"^ +([\d,]+) +(collapse .*|not tried: .*)$", out, re.M)}
    expect_equal(r, got, want, "faultline stats' khugepaged lines")
    expect(open("/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs").read()
           == host, "khugepaged: the host's scan_sleep_millisecs changed")


@case("stack_grow")
def _c_stack_grow(ctx):
    """stack_grow 256: about 1 MiB of new stack below the frame of main. Each new page is first
    touched by a store, so every fault in [deepest frame, outermost frame] is a do_anonymous_page
    write, one per page, in the growing rw-p stack VMA; no signal anywhere in the run. The
    start-up code may have touched up to 16 of those pages before (stores, or a system call
    filling a buffer on the stack: a kernel-mode write, error 2)."""
    r = ctx.run("stack_grow", "stack_grow", ["256"])
    expect_status(r, 0)
    deep, top = r.note("deep") & ~(PAGE - 1), r.note("top") & ~(PAGE - 1)
    npages = (top - deep) // PAGE + 1
    rows = r.rows(RANGE, deep, top + PAGE)
    expect(npages - 16 <= len(rows) <= npages,
           "stack_grow: %d faults in the %d pages the recursion used, expected %d..%d"
           % (len(rows), npages, npages - 16, npages), rows[:5])
    expect_equal(r, len({x["page"] for x in rows}), len(rows), "the number of distinct pages")
    expect_all(r, RANGE, (deep, top + PAGE),
               "handler = 'do_anonymous_page' AND access = 'write' AND error_code IN (2, 6) "
               "AND outcome = 'minor' AND vma_perms = 'rw-p'",
               "an anonymous write fault in a rw-p VMA")
    nuser = sum(1 for x in rows if x["user"] == 1)
    expect(nuser >= npages - 16, "stack_grow: only %d user-mode faults in the %d pages the"
           " recursion used" % (nuser, npages), rows[:5])
    if rows:
        expect(rows[-1]["vma_start"] <= deep,
               "stack_grow: the deepest fault's VMA starts at 0x%x, above the page 0x%x"
               % (rows[-1]["vma_start"], deep), rows[-1:])
        expect(rows[0]["page"] > rows[-1]["page"],
               "stack_grow: the stack must fault downwards", [rows[0], rows[-1]])
    expect_count(r, "outcome IN ('sigsegv', 'sigbus')", 0)


@case("brk_heap")
def _c_brk_heap(ctx):
    """brk_heap: the break moved up 16 whole pages that are written once each: before the
    marker, exactly 16 user-mode do_anonymous_page writes in [grow, grow_end), in order."""
    r = ctx.run("brk_heap", "brk_heap")
    expect_status(r, 0)
    lo, hi, m = r.note("grow"), r.note("grow_end"), r.marker_seq("after_brk")
    expect_count(r, RANGE + " AND seq < ?", 16, lo, hi, m)
    expect_count(r, RANGE + " AND seq < ? AND handler = 'do_anonymous_page' AND "
                 "path_is(path, ?) AND access = 'write' AND user = 1 AND error_code = 6 AND "
                 "outcome = 'minor'",
                 16, lo, hi, m, ANON_PATH)
    rows = r.rows(RANGE + " AND seq < ?", lo, hi, m)
    expect_equal(r, [x["page"] for x in rows], [lo + i * PAGE for i in range(16)],
                 "the faulting brk pages in seq order")
    expect(all(x["vma_start"] <= lo and x["vma_end"] >= hi for x in rows),
           "brk_heap: the brk VMA must cover [grow, grow_end)", rows)


@case("asm_touch")
def _c_asm_touch(ctx):
    """asm_touch (no libc): exactly 16 user-mode do_anonymous_page writes in
    [0x300000000, 0x300010000), one per page, in order."""
    base = 0x300000000
    r = ctx.run("asm_touch", "asm_touch")
    expect_status(r, 0)
    expect_count(r, RANGE, 16, base, base + 16 * PAGE)
    expect_count(r, RANGE + " AND handler = 'do_anonymous_page' AND path_is(path, ?) AND "
                 "access = 'write' AND user = 1 AND error_code = 6 AND outcome = 'minor'",
                 16, base, base + 16 * PAGE, ANON_PATH)
    expect_equal(r, [x["address"] for x in r.rows(RANGE, base, base + 16 * PAGE)],
                 [base + i * PAGE + 8 * i for i in range(16)], "the faulting addresses in order")


@case("asm_touch-icount")
def _c_asm_touch_icount(ctx):
    """asm_touch's instruction counts, exact: 11 instructions map the pages, 1 starts the loop,
    and each pass stores with its 5th of 8, so the store of page i faults with 16 + 8i retired;
    the write of the message (a kernel-mode fault on .rodata) comes after 305 and counts its
    syscall; 309 in all. Counted by block (--icount) and before every instruction (--icount with
    --max-insns): the same numbers."""
    base = 0x300000000
    for name, opts in (("by-block", ["--icount"]),
                       ("per-insn", ["--icount", "--max-insns", "1000000000"])):
        r = ctx.run("asm_touch-" + name, "asm_touch", options=opts)
        expect_status(r, 0)
        expect_equal(r, [x["icount"] for x in r.rows(RANGE, base, base + 16 * PAGE)],
                     [16 + 8 * i for i in range(16)], "the icount of each store's fault")
        expect_equal(r, [x["icount"] for x in r.rows("user = 0 AND vma_perms = 'r--p'")],
                     [306], "the icount of the write's kernel-mode fault")
        expect_equal(r, r.value("SELECT instructions FROM runs WHERE run_id = ?", r.run_id), 309,
                     "runs.instructions")


def _elf_entry(path):
    with open(path, "rb") as f:
        hdr = f.read(64)
    return struct.unpack_from("<Q", hdr, 24)[0]


@case("asm_hello")
def _c_asm_hello(ctx):
    """asm_hello: the first instruction fetch is a fault on the file-backed text at the ELF
    entry point: access exec, error 0x14 (USER|INSTR), do_read_fault, in a VMA of the file.
    The run has no signal and exits 7."""
    r = ctx.run("asm_hello", "asm_hello")
    expect_status(r, 7)
    entry = _elf_entry(ctx.guest("asm_hello"))
    ex = r.rows("access = 'exec'")
    expect(ex, "asm_hello: no instruction-fetch fault in the log")
    if ex:
        expect_row(r, ex[0], "the first instruction-fetch fault", address=entry,
                   handler="do_read_fault", error_code=0x14, user=1, outcome=("minor", "major"))
        expect((ex[0]["vma_file"] or "").endswith("asm_hello"),
               "asm_hello: the text fault's VMA file is %r, expected the executable"
               % ex[0]["vma_file"], ex[:1])
    expect_count(r, "outcome IN ('sigsegv', 'sigbus')", 0)


@case("exec_strings")
def _c_exec_strings(ctx):
    """args_env with a 13,000-byte argument: execve's strings (filename, environment, argv) fill
    the top pages of the new stack, which Linux 4.20 reaches through get_arg_page, that is
    get_user_pages_remote(FOLL_FORCE | FOLL_WRITE): each page is faulted in by handle_mm_fault
    and counted in the task's min_flt, but that is no page fault, so no row in the log (and no
    page-fault perf event natively: `compare --pages` pairs nothing with them). The strings'
    pages therefore have no row at all (the program never forks, and get_user_pages left them
    writable and dirty), and runs.min_flt exceeds the minor rows by exactly their number.
    create_elf_tables' writes of the pointer tables below the strings are real page faults
    where they reach a page of their own: kernel-mode writes (error 2) before any user fault."""
    r = ctx.run("exec_strings", "args_env", ["x" * 13000])
    expect_status(r, 0)
    strings = r.note("argv0") & ~(PAGE - 1)
    top = 0x7ffffffff000  # STACK_TOP
    npages = (top - strings) // PAGE
    expect(npages >= 4, "exec_strings: the strings start at 0x%x, want at least 4 pages below "
           "the top of the stack" % strings)
    expect_count(r, RANGE, 0, strings, top)
    run = r.runs_row()
    logged = r.value("SELECT count(*) FROM faults WHERE run_id = ? AND outcome IN "
                     "('minor', 'major')", r.run_id)
    expect_equal(r, run["min_flt"] + run["maj_flt"] - logged, npages,
                 "min_flt + maj_flt beyond the logged faults (the strings' pages)")
    tables = r.note("argv") & ~(PAGE - 1)
    first_user = r.value("SELECT min(seq) FROM faults WHERE run_id = ? AND user = 1", r.run_id)
    if tables < strings:
        expect_all(r, RANGE, (tables, strings), "user = 0 AND error_code = 2 AND seq < %d AND "
                   "handler = 'do_anonymous_page'" % first_user,
                   "create_elf_tables' kernel-mode writes before the first user fault")
        expect_count(r, RANGE, (strings - tables) // PAGE, tables, strings)


@case("path_fault")
def _c_path_fault(ctx):
    """path_fault: stat(2) of paths that reach an unmapped page. Linux's strncpy_from_user reads
    a word at a time and, when a word faults, reads that word again byte by byte: the hole
    itself takes 2 faults there (EFAULT), 40 'a's running into it 2 (EFAULT), "ab" whose NUL
    is the last byte before it 1 (the last word reaches past the NUL; the bytes then find it:
    the path is copied, ENOENT). Each a kernel-mode read at the hole's page (user 0, error 0)
    that no VMA covers: no_context, outcome efault. The run's summary line counts them as
    EFAULT, not as signalled."""
    r = ctx.run("path_fault", "path_fault")
    expect_status(r, 0)
    hole = r.note("hole")
    a, b, c, d = (r.marker_seq(x) for x in "abcd")
    for lo, hi, n in ((a, b, 2), (b, c, 2), (c, d, 1)):
        expect_count(r, "page = ? AND seq > ? AND seq < ?", n, hole, lo, hi)
        expect_count(r, "page = ? AND seq > ? AND seq < ? AND user = 0 AND access = 'read' AND "
                     "error_code = 0 AND handler = 'no_context' AND outcome = 'efault'", n,
                     hole, lo, hi)
    # the summary counts them apart: no signal was sent
    expect_stderr(r, r"\(\d+ minor, \d+ major, 0 signalled, %d EFAULT\)" %
                  r.value("SELECT count(*) FROM faults WHERE run_id = ? AND outcome = 'efault'",
                          r.run_id), 1)


@case("vdso")
def _c_vdso(ctx):
    """vdso (static glibc): the C library reads the vDSO's ELF header at start-up, which is the
    one fault on [vdso]: a user read (error 4) at the page AT_SYSINFO_EHDR gives, through
    do_read_fault and the special mapping's ->fault, minor, mapping the image's frame readable
    and executable. The vDSO's code is in that page, so calling it faults no more. Its first
    clock_gettime reads the time data at the start of [vvar] (6 pages below the image), as
    Linux's vDSO does: one user read fault there, minor; and a high-resolution clock also reads
    the host clock source's page of [vvar_vclock] when that is kvm-clock's (the first) or
    Hyper-V's (the second); none for the TSC."""
    r = ctx.run("vdso", "vdso")
    expect_status(r, 0)
    base = r.note("base")
    rows = r.rows("vma_file = '[vdso]'")
    expect_equal(r, len(rows), 1, "the number of faults on [vdso]")
    if rows:
        expect_row(r, rows[0], "the [vdso] fault", page=base, access="read", error_code=4, user=1,
                   handler="do_read_fault", outcome="minor", vma_perms="r-xp", vma_start=base)
        expect(path_matches(rows[0]["path"], FILE_READ_PATH),
               "vdso: the [vdso] fault's path is %r" % rows[0]["path"], rows)
        expect((rows[0]["pte_after"] & 0x8000000000000005) == 5,
               "vdso: the PTE maps the image present, user and executable (no NX): %#x"
               % rows[0]["pte_after"], rows)
    vvar = base - 6 * PAGE
    rows = r.rows("vma_file = '[vvar]'")
    expect_equal(r, len(rows), 1, "the number of faults on [vvar]")
    if rows:
        expect_row(r, rows[0], "the [vvar] fault", page=vvar, access="read", error_code=4, user=1,
                   handler="do_read_fault", outcome="minor", vma_perms="r--p", vma_start=vvar)
    try:
        with open("/sys/devices/system/clocksource/clocksource0/current_clocksource") as f:
            source = f.read().strip()
    except OSError:
        source = ""
    vclock = {"kvm-clock": [base - 2 * PAGE],
              "hyperv_clocksource_tsc_page": [base - PAGE]}.get(source, [])
    rows = r.rows("vma_file = '[vvar_vclock]'")
    expect_equal(r, [row["page"] for row in rows], vclock,
                 "the [vvar_vclock] pages read (clock source %r)" % source)
    expect_run(r, exit_code=0, term_signal=0)


@case("rmw_fresh")
def _c_rmw_fresh(ctx):
    """rmw_fresh: lock xadd, incl and lock cmpxchg on three fresh anonymous pages. The CPU walks
    the tables for a read-modify-write with write intent: one fault per page, a user write
    (error 6) through do_anonymous_page, never a zero-page read followed by wp_page_copy."""
    r = ctx.run("rmw_fresh", "rmw_fresh")
    expect_status(r, 0)
    lo = r.note("base")
    expect_count(r, RANGE, 3, lo, lo + 3 * PAGE)
    expect_all(r, RANGE, (lo, lo + 3 * PAGE),
               "path_is(path, '%s') AND error_code = 6 AND access = 'write'" % ANON_PATH,
               "a write fault through do_anonymous_page (error 6)")
    rows = r.rows(RANGE, lo, lo + 3 * PAGE)
    expect_equal(r, [x["page"] for x in rows], [lo, lo + PAGE, lo + 2 * PAGE],
                 "the faulting pages in order")
    expect_run(r, exit_code=0, term_signal=0)


@case("no-log")
def _c_no_log(ctx):
    """--no-log writes no database, neither at --db PATH nor the default ./faultline.db; and
    without it, the default ./faultline.db appears (so the check above is not vacuous)."""
    global _checks
    hello = ctx.guest("hello")
    for label, argv_db in (("--no-log --db", True), ("--no-log", False)):
        cwd = fh.fresh_dir(os.path.join(ctx.work, "no-log.scratch"))
        db = os.path.join(ctx.work, "no-log.db")
        fh.remove_db(db)
        res = fh.run(fh.faultline_argv(ctx.faultline, hello, [], db=db if argv_db else None,
                                       no_log=True), cwd=cwd, timeout=ctx.timeout)
        print("no-log (%s): %s" % (label, res.describe()))
        expect(res.status == 3 and res.stdout == b"hello, world\n",
               "no-log (%s): hello must still run: status %s, stdout %r"
               % (label, res.status, res.stdout[:200]))
        expect(not os.path.exists(db), "no-log (%s): %s was created" % (label, db))
        left = os.listdir(cwd)
        expect(not left, "no-log (%s): files appeared in the working directory: %s"
               % (label, left))
    cwd = fh.fresh_dir(os.path.join(ctx.work, "no-log.scratch"))
    res = fh.run(fh.faultline_argv(ctx.faultline, hello, []), cwd=cwd, timeout=ctx.timeout)
    expect(res.status == 3, "no-log: control run without --no-log: status %s" % res.status)
    expect(os.path.exists(os.path.join(cwd, "faultline.db")),
           "no-log: control run without --no-log or --db wrote no ./faultline.db (files: %s)"
           % os.listdir(cwd))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faultline")
    ap.add_argument("--guest-dir", help="where the guest programs were built")
    ap.add_argument("--workdir")
    ap.add_argument("--timeout", type=float, default=25, help="seconds per run (default 25)")
    ap.add_argument("--list", action="store_true", help="print the case names")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    if a.list:
        for name, fn in CASES.items():
            doc = " ".join((fn.__doc__ or "").split())
            print("%-22s %s" % (name, doc if len(doc) < 100 else doc[:96] + " ..."))
        return 0
    if not (a.faultline and a.guest_dir and a.workdir and a.cases):
        ap.error("--faultline, --guest-dir, --workdir and at least one CASE are required")
    unknown = [c for c in a.cases if c not in CASES]
    if unknown:
        ap.error("unknown case(s) %s; known: %s" % (", ".join(unknown), ", ".join(CASES)))
    fh.need_faultline(a.faultline)
    ctx = Ctx(a)
    os.makedirs(ctx.work, exist_ok=True)
    for name in a.cases:
        print("== %s" % name)
        try:
            CASES[name](ctx)
        except CaseAbort:
            pass
    return finish()


if __name__ == "__main__":
    sys.exit(main())
