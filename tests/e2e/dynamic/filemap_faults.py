#!/usr/bin/env python3
"""filemap_faults.py - exact fault rows of file mappings, read back from the SQLite log.

    filemap_faults.py --faultline FAULTLINE --guest DIR/filemap --workdir DIR CASE...
    filemap_faults.py --list

Each case runs the guest tests/guest/filemap.c under `faultline run --db` (and, where the file
it leaves matters, natively too), then asserts the rows of the `faults` view that fall inside
the guest's file mapping: the guest prints its mapping address on stderr as "filemap: map=0x..".
The expected rows are Linux 4.20's (mm/memory.c do_read_fault / do_cow_fault /
do_shared_fault, mm/filemap.c filemap_fault) and are written next to each case.

One more case, dynamic-layout, runs /bin/true and checks where a dynamic PIE and its ld.so land.

The guest writes its 32-page data file with write(2) just before mapping it, so the host's page
cache holds every page: under the default --major-faults=host no fault is major, as on Linux;
under --major-faults=model the model's own cache decides (it starts empty).
"""

import argparse
import os
import re
import sqlite3
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import flharness as fh  # noqa: E402

PAGE = 4096
NPAGES = 32
BUS_ADRERR = 2


class Case:
    """One run of the guest and what its log must show."""

    def __init__(self, faultline, guest, workdir, name, mode, options=()):
        self.name = name
        self.problems = []
        self.dir = fh.fresh_dir(os.path.join(workdir, "scratch"))
        self.db = os.path.join(workdir, name + ".db")
        fh.remove_db(self.db)
        self.result = fh.run(fh.faultline_argv(faultline, guest, [mode, self.dir], db=self.db,
                                               options=options), cwd=workdir)
        self.notes = dict((k, int(v, 16)) for k, v in
                          re.findall(rb"filemap: (\w+)=0x([0-9a-f]+)", self.result.stderr))
        self.notes = {k.decode(): v for k, v in self.notes.items()}

    def rows(self, key="map", pages=NPAGES):
        """(address offset, access, handler, outcome, si_code, vm_fault_flags, vma_file) inside
        the mapping."""
        if key not in self.notes:
            self.problems.append("the guest did not report its mapping (%s)" % key)
            return []
        lo = self.notes[key]
        con = sqlite3.connect("file:%s?mode=ro" % self.db, uri=True)
        rows = con.execute(
            "SELECT address - ?, access, handler, outcome, si_code, vm_fault_flags, vma_file"
            " FROM faults"
            " WHERE address >= ? AND address < ? ORDER BY seq",
            (lo, lo, lo + pages * PAGE)).fetchall()
        con.close()
        return rows

    def expect(self, what, got, want):
        if got != want:
            self.problems.append("%s:\n  want %r\n  got  %r" % (what, want, got))

    def expect_status(self, status):
        self.expect("exit status", self.result.status, status)

    def finish(self):
        return fh.report("filemap %s" % self.name, self.problems, [("faultline", self.result)])


def data_file_bytes(pages=NPAGES):
    """What the guest's data file holds before any store: page i is 'a' + i % 26."""
    return b"".join(bytes([ord("a") + i % 26]) * PAGE for i in range(pages))


# What handle_mm_fault returns (the vm_fault column, by name): a read the fault-around window
# satisfied is NOPAGE (do_fault_around); one that reached filemap_fault is LOCKED (it hands the
# page back locked, and do_read_fault, do_cow_fault and do_shared_fault return that); a major
# fault's first try returned MAJOR | RETRY and its retry NOPAGE, which the row shows together.
FA, LOCKED, MAJOR_RETRIED = "NOPAGE", "LOCKED", "MAJOR|NOPAGE"


def row(page_off, access, handler, outcome, flags, si_code=0):
    return (page_off, access, handler, outcome, si_code, flags)


def strip(rows):
    """The rows without their vma_file column."""
    return [tuple(r[:6]) for r in rows]


def case_read(c):
    # The first read maps the whole 64 KiB fault-around window (16 pages) from the page cache,
    # so page 1 does not fault; page 20 is in the next window and faults once.
    c.expect_status(0)
    rows = c.rows()
    c.expect("fault rows", strip(rows), [
        row(0, "read", "do_read_fault", "minor", FA),
        row(20 * PAGE, "read", "do_read_fault", "minor", FA),
    ])
    # the file's canonical path, as Linux's d_path names it
    c.expect("vma_file", sorted(set(r[6] for r in rows)),
             [os.path.realpath(os.path.join(c.dir, "data"))])


def case_read_nofa(c):
    # --fault-around 0: every page faults on its own, page 1 included.
    c.expect_status(0)
    c.expect("fault rows", strip(c.rows()), [
        row(0, "read", "do_read_fault", "minor", LOCKED),
        row(PAGE + 7, "read", "do_read_fault", "minor", LOCKED),
        row(20 * PAGE, "read", "do_read_fault", "minor", LOCKED),
    ])


def case_read_model(c):
    # --major-faults=model: the model's cache starts empty, so the first read is major (it reads
    # the page and a read-around window). As in 4.20, the fault is retried once the read is done
    # (VM_FAULT_RETRY), and the retry's fault-around maps pages 0-15, so page 1 takes no fault;
    # page 20 was read around and faults once, minor, mapping its own window.
    c.expect_status(0)
    c.expect("fault rows", strip(c.rows()), [
        row(0, "read", "do_read_fault", "major", MAJOR_RETRIED),
        row(20 * PAGE, "read", "do_read_fault", "minor", FA),
    ])


def case_seq_model(c):
    # --major-faults=model, 64 pages read in order, as 4.20 reads them: page 0 misses (major) and
    # reads around it pages 0-31 with the readahead marker on page 24; the fault's retry maps
    # pages 0-15. Page 16's fault-around maps 16-31 but the marker; page 24's own fault finds
    # the marker and reads the next window, 32-63, whose first page is the next marker; page
    # 32's fault maps it (and 33-47 around it); page 48's fault-around maps the rest. No other
    # page faults, and only the first is major.
    c.expect_status(0)
    c.expect("fault rows", strip(c.rows(pages=2 * NPAGES)), [
        row(0, "read", "do_read_fault", "major", MAJOR_RETRIED),
        row(16 * PAGE, "read", "do_read_fault", "minor", FA),
        row(24 * PAGE, "read", "do_read_fault", "minor", LOCKED),
        row(32 * PAGE, "read", "do_read_fault", "minor", LOCKED),
        row(48 * PAGE, "read", "do_read_fault", "minor", FA),
    ])


def case_cow(c):
    # A store to a private file mapping: one do_cow_fault; the file is unchanged.
    c.expect_status(0)
    c.expect("stdout", c.result.stdout, b"mapping: X, file: a\n")
    c.expect("fault rows", strip(c.rows()), [row(5, "write", "do_cow_fault", "minor", LOCKED)])
    with open(os.path.join(c.dir, "data"), "rb") as f:
        c.expect("the file after the run is unchanged", f.read() == data_file_bytes(), True)


def case_shared(c, faultline, guest, workdir):
    # Stores to a shared mapping: one do_shared_fault per page; the exit writes them back, and
    # the file is what a native run leaves.
    c.expect_status(0)
    c.expect("fault rows", strip(c.rows()), [
        row(10, "write", "do_shared_fault", "minor", LOCKED),
        row(3 * PAGE + 100, "write", "do_shared_fault", "minor", LOCKED),
    ])
    want = bytearray(data_file_bytes())
    want[10:18] = b"SHARED-0"
    want[3 * PAGE + 100:3 * PAGE + 108] = b"SHARED-3"
    with open(os.path.join(c.dir, "data"), "rb") as f:
        got = f.read()
    c.expect("the file after the run has the stores", got == bytes(want), True)
    native_dir = fh.fresh_dir(os.path.join(workdir, "native"))
    native = fh.run([guest, "shared", native_dir], cwd=workdir)
    with open(os.path.join(native_dir, "data"), "rb") as f:
        c.expect("the file is the one a native run leaves", f.read() == got, True)
    c.expect("native exit status", native.status, 0)


def case_sigbus(c):
    # A 100-byte file mapped two pages long: the tail of page 0 reads as zeroes; page 1 is past
    # EOF: SIGBUS with BUS_ADRERR, exit status 128 + 7.
    c.expect_status(135)
    c.expect("stdout", c.result.stdout, b"byte 99: z, byte 100: 0\n")
    rows = c.rows(pages=2)
    c.expect("fault rows (outcome, si_code, vm_fault)", [(r[0], r[1], r[3], r[4], r[5])
                                                         for r in rows], [
        (99, "read", "minor", 0, FA),
        (PAGE, "read", "sigbus", BUS_ADRERR, "SIGBUS"),
    ])


def case_remap(c):
    # --major-faults=model: the first mapping's read brings page 0 into the model's cache
    # (major); the second mapping of the same file finds it there: minor, no major fault.
    c.expect_status(0)
    c.expect("first mapping", strip(c.rows("map1")), [row(0, "read", "do_read_fault", "major",
                                                                 MAJOR_RETRIED)])
    c.expect("second mapping", strip(c.rows("map2")), [row(0, "read", "do_read_fault", "minor",
                                                                  FA)])


def case_dynamic_layout(faultline, workdir):
    """A dynamic PIE (/bin/true): the first instruction fetch that faults is ld.so's entry, which is
    mapped top-down below mmap_base (0x7ffff7fff000 and down, as under setarch -R); the program
    itself is at 0x555555554000; libc is faulted in from its own file."""
    db = os.path.join(workdir, "layout.db")
    fh.remove_db(db)
    r = fh.run(fh.faultline_argv(faultline, "/bin/true", [], db=db), cwd=workdir)
    problems = []
    if r.status != 0:
        problems.append("exit status %s, want 0" % r.status)
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    first = con.execute("SELECT address, access, handler, vma_file FROM faults"
                        " WHERE access = 'exec' ORDER BY seq LIMIT 1").fetchone()
    if not first or first[1] != "exec" or not (first[3] or "").endswith("ld-linux-x86-64.so.2") \
            or not 0x7ff000000000 <= first[0] < 0x7ffff7fff000:
        problems.append("first fault: want an exec fault in ld.so below 0x7ffff7fff000, got %r"
                        % (first,))
    exe = con.execute("SELECT min(vma_start) FROM faults WHERE vma_file LIKE '%/true'").fetchone()
    if not exe or exe[0] != 0x555555554000:
        problems.append("the program's first VMA: want 0x555555554000, got %r" % (exe,))
    libc = con.execute("SELECT count(*) FROM faults WHERE vma_file LIKE '%/libc.so.6'"
                       " AND handler IN ('do_read_fault', 'do_cow_fault')").fetchone()[0]
    if libc == 0:
        problems.append("no do_read_fault/do_cow_fault in libc.so.6")
    con.close()
    return fh.report("filemap dynamic-layout", problems, [("faultline", r)])


CASES = {
    "read": ("read", (), case_read),
    "read-nofaultaround": ("read", ("--fault-around", "0"), case_read_nofa),
    "read-model": ("read", ("--major-faults=model",), case_read_model),
    "seq-model": ("seq", ("--major-faults=model",), case_seq_model),
    "cow": ("cow", (), case_cow),
    "shared": ("shared", (), None),
    "sigbus": ("sigbus", (), case_sigbus),
    "remap": ("remap", ("--major-faults=model",), case_remap),
    "dynamic-layout": (None, (), None),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faultline")
    ap.add_argument("--guest")
    ap.add_argument("--workdir")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if not args.faultline or not args.guest or not args.workdir or not args.cases:
        ap.error("--faultline, --guest, --workdir and at least one CASE are needed")
    args.faultline = os.path.abspath(args.faultline)
    args.guest = os.path.abspath(args.guest)
    fh.need_faultline(args.faultline)
    status = 0
    for name in args.cases:
        if name not in CASES:
            print("FAIL: unknown case %s (try --list)" % name)
            status = 1
            continue
        mode, options, check = CASES[name]
        wd = fh.fresh_dir(os.path.join(os.path.abspath(args.workdir), name))
        if name == "dynamic-layout":
            status |= case_dynamic_layout(args.faultline, wd)
            continue
        c = Case(args.faultline, args.guest, wd, name, mode, options)
        if name == "shared":
            case_shared(c, args.faultline, args.guest, wd)
        else:
            check(c)
        status |= c.finish()
    return status


if __name__ == "__main__":
    sys.exit(main())
