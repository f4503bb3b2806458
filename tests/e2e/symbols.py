#!/usr/bin/env python3
"""symbols.py - the functions `faultline stats` and symbol() name for logged instructions.

    symbols.py --faultline FAULTLINE --guest DIR/touch_pages --workdir DIR

- A static program with a symbol table (tests/guest/touch_pages, copied into the work
  directory) and a dynamic one (/bin/ls, whose libc keeps a .symtab on Debian) run with a log.
- For every fault, `faultline query`'s symbol(run_id, pid, ip, seq) must be the function that
  binutils' nm says contains ip (name and offset; any alias at that address), for ips in the
  program and in libc; NULL for ips nm places in no function.
- `faultline stats` prints the hottest instruction of touch_pages (its page-touching store, in
  main) with the same name, and main in touch_pages first in its faults by function.
- code_file() is the base name of the file each of those ips is in.
- With the program's file gone after the run, stats still works and names nothing there.
"""

import os
import struct
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402


def debug_file(path):
    """The detached debug file of path under /usr/lib/debug/.build-id, if installed."""
    r = subprocess.run(["readelf", "-n", path], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if "Build ID:" in line:
            bid = line.split()[-1]
            d = "/usr/lib/debug/.build-id/%s/%s.debug" % (bid[:2], bid[2:])
            return d if os.path.exists(d) else None
    return None


def functions(path):
    """[(start, end, name)] of the defined function symbols nm lists: the debug file's, else
    the file's .symtab, else its .dynsym (where elf_symbols.c looks)."""
    d = debug_file(path)
    out = functions_in(d, [[]]) if d else []
    return out or functions_in(path, [[], ["-D"]])


def functions_in(path, variants):
    out = []
    for dynamic in variants:
        r = subprocess.run(["nm", "-S", "--defined-only"] + dynamic + [path],
                           capture_output=True, text=True)
        for line in r.stdout.splitlines():
            f = line.split()
            if len(f) == 4 and f[2] in "TtWiu" and int(f[1], 16) > 0:
                start = int(f[0], 16)
                out.append((start, start + int(f[1], 16), f[3].split("@")[0]))
        if out:
            return out
    return out


def load_segments(path):
    """[(p_offset, p_filesz, p_vaddr)] of the PT_LOAD segments of a 64-bit ELF file."""
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    segs = []
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            segs.append((p_offset, p_filesz, p_vaddr))
    return segs


def expected_names(funcs, segs, file_offset):
    """The names symbol() may give for an offset: 'name+0xN' per covering function."""
    for off, size, vaddr in segs:
        if off <= file_offset < off + size:
            addr = file_offset - off + vaddr
            return {n if addr == s else "%s+0x%x" % (n, addr - s)
                    for s, e, n in funcs if s <= addr < e}
    return set()


def check_run(faultline, db, run_id, files, problems):
    """Every fault of the run whose ip lies in one of files: symbol() against nm."""
    sql = ("SELECT f.ip, f.seq, symbol(f.run_id, f.pid, f.ip, f.seq), v.vma_start, v.vma_pgoff,"
           " fl.name, code_file(f.run_id, f.pid, f.ip, f.seq) FROM faults f JOIN fault_counts c ON c.run_id = f.run_id AND c.pid = f.pid"
           " JOIN vmas v ON v.vma_id = c.vma_id JOIN files fl ON fl.file_id = v.file_id"
           " WHERE f.run_id = %d AND v.vma_start <= f.ip AND f.ip < v.vma_end"
           " AND c.first_seq <= f.seq GROUP BY f.seq HAVING c.first_seq = max(c.first_seq)"
           % run_id)
    r = fh.run([faultline, "query", "--csv", db, sql], cwd=os.path.dirname(db))
    if r.status != 0:
        problems.append("query: status %s: %s" % (r.status, fh.tail(r.stderr)))
        return 0
    checked = 0
    for line in r.stdout.decode().splitlines()[1:]:
        ip, seq, name, start, pgoff, path, code_file = line.rstrip("\r").split(",")
        if path not in files:
            continue
        if code_file != os.path.basename(path):
            problems.append("run %d seq %s ip %#x: code_file() says %r, not %r"
                            % (run_id, seq, int(ip), code_file, os.path.basename(path)))
        funcs, segs = files[path]
        want = expected_names(funcs, segs, int(ip) - int(start) + int(pgoff) * 4096)
        if (name or None) not in (want or {None}):
            problems.append("run %d seq %s ip %#x in %s: symbol() says %r, nm says %s"
                            % (run_id, seq, int(ip), path, name, sorted(want) or "none"))
        checked += 1
    return checked


def main():
    faultline, wd, prog, db = fh.guest_in_workdir(__doc__)
    problems, runs = [], []

    static = fh.run([faultline, "run", "-q", "--db", db, "--", prog, "50"], cwd=wd)
    dynamic = fh.run([faultline, "run", "-q", "--db", db, "--", "/bin/ls", "/"], cwd=wd)
    runs += [("touch_pages", static), ("ls", dynamic)]
    if static.status != 0 or dynamic.status != 0:
        problems.append("runs: status %s and %s" % (static.status, dynamic.status))
        return fh.report("symbols of logged instructions", problems, runs)

    libc = os.path.realpath("/lib/x86_64-linux-gnu/libc.so.6")
    files = {prog: (functions(prog), load_segments(prog))}
    for name in ("/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6", libc):
        files[name] = (functions(libc), load_segments(libc))
    if check_run(faultline, db, 1, files, problems) < 50:
        problems.append("touch_pages: fewer than 50 faults with an ip in the program checked")
    if check_run(faultline, db, 2, files, problems) < 10:
        problems.append("ls: fewer than 10 faults with an ip in a checked file")

    # the hottest instruction: the store that touches each page, in main
    stats = fh.run([faultline, "stats", db, "--run", "1"], cwd=wd)
    runs.append(("stats", stats))
    out = stats.stdout.decode()
    hot = out.split("The 10 hottest instructions:")[-1].splitlines()
    rows = [l.split() for l in hot if l.strip() and l.split()[0].replace(",", "").isdigit()]
    if stats.status != 0 or not rows or int(rows[0][0]) < 50 or \
            not rows[0][-1].startswith("main+0x"):
        problems.append("stats: the hottest instruction is not main's store:\n%s"
                        % "\n".join(hot[:6]))

    by_fn = out.split("Faults by function (top 10):")[-1].splitlines()
    rows = [l.split() for l in by_fn if l.strip() and l.split()[0].replace(",", "").isdigit()]
    if not rows or rows[0][2:] != ["main", "touch_pages"] or int(rows[0][0]) < 50:
        problems.append("stats: main in touch_pages is not first by function:\n%s"
                        % "\n".join(by_fn[:6]))

    os.remove(prog)
    gone = fh.run([faultline, "stats", db, "--run", "1"], cwd=wd)
    runs.append(("stats, program removed", gone))
    hot = gone.stdout.decode().split("The 10 hottest instructions:")[-1]
    if gone.status != 0 or "main+0x" in hot or "do_anonymous_page" not in hot:
        problems.append("stats with the program removed: status %s" % gone.status)

    return fh.report("symbols of logged instructions", problems, runs)


if __name__ == "__main__":
    sys.exit(main())
