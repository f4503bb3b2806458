#!/usr/bin/env python3
"""dynamic.py - Debian's dynamically linked binaries, native vs `faultline run`, byte for byte.

    dynamic.py --faultline FAULTLINE --workdir DIR CASE...
    dynamic.py --list

Each case runs one program from the host (ld.so, libc and the rest come from the host too, as
for any dynamic binary) on inputs made in WORKDIR/input, natively and under faultline, and
requires the same stdout and exit status. The inputs are made the same way every time, with
fixed modification times, so `ls -la` and `find` print the same text on every run. A program
that is not installed makes its case fail with a message (the test machine is Debian with
these packages: coreutils, grep, findutils, python3, sqlite3, gzip, mawk).
"""

import argparse
import os
import sqlite3
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import flharness as fh  # noqa: E402

FIXED_TIME = 1700000000  # 2023-11-14: any fixed mtime makes ls -la deterministic

PY_PROG = ("import json, hashlib, sys\n"
           "d = {'sha': hashlib.sha256(b'faultline').hexdigest(), 'n': list(range(5))}\n"
           "print(json.dumps(d, sort_keys=True))\n"
           "print(hashlib.md5(open(sys.argv[1], 'rb').read()).hexdigest())\n")

# A shared file mapping mixed with read/write/flush of the same file, from a real program.
PY_MMAP = ("import mmap, os, sys\n"
           "fn = os.path.join(sys.argv[1], 'mm.bin')\n"
           "with open(fn, 'wb') as f: f.write(b'\\0' * 10000)\n"
           "with open(fn, 'r+b') as f:\n"
           "    m = mmap.mmap(f.fileno(), 0)\n"
           "    m[100:105] = b'hello'\n"
           "    f.seek(100); print(f.read(5))\n"
           "    f.seek(5000); f.write(b'WORLD'); f.flush()\n"
           "    print(m[5000:5005])\n"
           "    m.flush(); m.close()\n"
           "data = open(fn, 'rb').read()\n"
           "print(data.count(b'\\0'), data[95:110], data[4995:5010])\n")

# case -> argv; "@IN@" is the input directory. Expected: native and faultline agree.
CASES = {
    "ls": ["/bin/ls", "-la", "@IN@/tree"],
    "sha256sum": ["/usr/bin/sha256sum", "@IN@/words.txt", "@IN@/tree/b.bin"],
    "sort": ["/usr/bin/sort", "@IN@/words.txt"],
    "sort-n": ["/usr/bin/sort", "-n", "-r", "@IN@/numbers.txt"],
    "grep-r": ["/bin/grep", "-r", "-n", "needle", "@IN@/tree"],
    "find": ["/usr/bin/find", "@IN@/tree", "-name", "*.txt"],
    "python3": ["/usr/bin/python3", "-c", PY_PROG, "@IN@/words.txt"],
    "sqlite3": ["/usr/bin/sqlite3", "@IN@/db.sqlite",
                "SELECT count(*), sum(n), max(word) FROM t; SELECT word FROM t WHERE n % 97 = 0;"],
    "python3-mmap": ["/usr/bin/python3", "-c", PY_MMAP, "@IN@"],
    "gzip": ["/usr/bin/gzip", "-c", "-n", "@IN@/words.txt"],
    "awk": ["/usr/bin/awk", "{ s += $1; n++ } END { printf \"%d %d %.3f\\n\", n, s, s / n }",
            "@IN@/numbers.txt"],
}


def make_inputs(d):
    """The inputs, written the same way every time (deterministic contents and mtimes)."""
    fh.fresh_dir(d)
    words = ["w%05d-%s" % ((i * 7919) % 10007, "needle" if i % 50 == 0 else "hay")
             for i in range(3000)]
    with open(os.path.join(d, "words.txt"), "w") as f:
        f.write("\n".join(words) + "\n")
    with open(os.path.join(d, "numbers.txt"), "w") as f:
        f.write("".join("%d\n" % ((i * 104729) % 65521) for i in range(2000)))
    tree = os.path.join(d, "tree")
    for sub in ("", "sub", "sub/deeper"):
        os.makedirs(os.path.join(tree, sub), exist_ok=True)
    files = {
        "a.txt": "hello needle\n", "b.bin": bytes(range(256)) * 64,
        "sub/c.txt": "no match here\n", "sub/deeper/d.txt": "a needle in a haystack\n",
        "sub/deeper/e.dat": "needle needle\n",
    }
    for name, data in files.items():
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(os.path.join(tree, name), mode) as f:
            f.write(data)
    db = os.path.join(d, "db.sqlite")
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t(n INTEGER, word TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, w) for i, w in enumerate(words)])
    con.commit()
    con.close()
    for root, dirs, names in os.walk(d, topdown=False):
        for n in names + dirs:
            os.utime(os.path.join(root, n), (FIXED_TIME, FIXED_TIME))
    os.utime(d, (FIXED_TIME, FIXED_TIME))


def run_case(faultline, name, workdir, timeout):
    argv = CASES[name]
    if not os.path.exists(argv[0]):
        print("FAIL: %s: %s is not installed" % (name, argv[0]))
        return 1
    indir = os.path.join(workdir, "input")
    make_inputs(indir)
    argv = [a.replace("@IN@", indir) for a in argv]
    native = fh.run(argv, cwd=workdir, timeout=timeout)
    make_inputs(indir)  # the same inputs again (atimes and all), for the second run
    emulated = fh.run(fh.faultline_argv(faultline, argv[0], argv[1:], no_log=True),
                      cwd=workdir, timeout=timeout)
    problems = fh.compare_results(native, emulated)
    if not native.stdout:
        problems.append("the native run printed nothing: the case itself is broken")
    return fh.report("dynamic %s" % name, problems, [("native", native), ("faultline", emulated)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faultline")
    ap.add_argument("--workdir")
    ap.add_argument("--timeout", type=float, default=50)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if not args.faultline or not args.workdir or not args.cases:
        ap.error("--faultline, --workdir and at least one CASE are needed")
    args.faultline = os.path.abspath(args.faultline)
    fh.need_faultline(args.faultline)
    status = 0
    for c in args.cases:
        if c not in CASES:
            print("FAIL: unknown case %s (try --list)" % c)
            status = 1
            continue
        wd = fh.fresh_dir(os.path.join(args.workdir, c))
        status |= run_case(args.faultline, c, wd, args.timeout)
    return status


if __name__ == "__main__":
    sys.exit(main())
