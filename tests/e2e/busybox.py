#!/usr/bin/env python3
"""busybox.py - tier 3: a real static binary (busybox) on real inputs, native vs faultline.

    busybox.py --faultline FAULTLINE --workdir DIR [--busybox PATH] [--timeout S] CASE...
    busybox.py --list

Each case runs one busybox applet natively and under `faultline run --quiet` and requires the
same stdout, byte for byte, and the same exit status; some also check the output against a value
computed here (expected results live next to the case). The inputs are generated at test time,
deterministically (fixed seeds), into DIR/inputs:

    text.txt   about 3 MiB of text lines: words, numbers, tabs, repeated lines
    data.bin   4 MiB of pseudo-random bytes

Sizes are chosen so that every case runs in a few seconds under emulation (CPU-bound work costs
about 5x native there).
"""

import argparse
import hashlib
import os
import random
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402

TEXT_BYTES = 3 * 1024 * 1024
BIN_BYTES = 4 * 1024 * 1024


def gen_text(path, size=TEXT_BYTES, seed=1717):
    rnd = random.Random(seed)
    syll = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "dan", "xu", "zor", "qel",
            "bri", "fa", "gu", "ho", "jin", "wex", "yo"]
    words = ["".join(rnd.choice(syll) for _ in range(rnd.randint(1, 4))) for _ in range(3000)]
    out, total, recent = [], 0, []
    while total < size:
        r = rnd.random()
        if r < 0.05 and recent:
            line = rnd.choice(recent)  # duplicate lines, for sort/uniq-like behaviour
        elif r < 0.10:
            line = "%d\t%d\t%s" % (rnd.randint(-10**6, 10**6), rnd.randint(0, 999),
                                   rnd.choice(words))
        elif r < 0.12:
            line = ""
        else:
            n = rnd.randint(1, 14)
            ws = [rnd.choice(words) for _ in range(n)]
            if rnd.random() < 0.2:
                ws[0] = ws[0].capitalize()
            if rnd.random() < 0.1:
                ws.append(str(rnd.randint(0, 10**9)))
            line = " ".join(ws) + rnd.choice(["", "", "", ".", ",", "!", "?"])
        recent = (recent + [line])[-50:]
        out.append(line + "\n")
        total += len(line) + 1
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.writelines(out)


def gen_bin(path, size=BIN_BYTES, seed=4242):
    with open(path, "wb") as f:
        f.write(random.Random(seed).randbytes(size))


class Ctx:
    def __init__(self, a):
        self.faultline = os.path.abspath(a.faultline)
        self.busybox = os.path.abspath(a.busybox)
        self.work = os.path.abspath(a.workdir)
        self.timeout = a.timeout
        self.inputs = os.path.join(self.work, "inputs")
        self.text = os.path.join(self.inputs, "text.txt")
        self.bin = os.path.join(self.inputs, "data.bin")
        self.scratch = os.path.join(self.work, "scratch")
        self.nruns = 0

    def make_inputs(self):
        fh.fresh_dir(self.inputs)
        gen_text(self.text)
        gen_bin(self.bin)

    def native(self, applet_args, stdin_path=None):
        fh.fresh_dir(self.scratch)
        return fh.run([self.busybox] + applet_args, cwd=self.scratch, stdin_path=stdin_path,
                      timeout=self.timeout)

    def emulated(self, applet_args, stdin_path=None):
        self.nruns += 1
        db = os.path.join(self.work, "run%d.db" % self.nruns)
        fh.remove_db(db)
        fh.fresh_dir(self.scratch)
        return fh.run(fh.faultline_argv(self.faultline, self.busybox, applet_args, db=db),
                      cwd=self.scratch, stdin_path=stdin_path, timeout=self.timeout)


def compare(ctx, args, stdin_path=None, expect_stdout=None, expect_status=0):
    """The standard case: same stdout and status natively and under faultline; optionally also
    a known stdout and status."""
    native = ctx.native(args, stdin_path)
    emulated = ctx.emulated(args, stdin_path)
    problems = fh.compare_results(native, emulated)
    if native.status != expect_status:
        problems.append("native busybox exited %s, expected %s: the test is broken"
                        % (native.status, expect_status))
    if expect_stdout is not None and native.stdout != expect_stdout:
        problems.append("native stdout is not the expected value: the test is broken\n"
                        + fh.stdout_diff(expect_stdout, native.stdout))
    return problems, [("native", native), ("faultline", emulated)]


CASES = {}


def case(name):
    def reg(fn):
        CASES[name] = fn
        return fn
    return reg


@case("echo")
def _echo(ctx):
    args = ["echo", "hello", "faultline", "two  spaces", "", "tab\there", "-n"]
    return compare(ctx, args, expect_stdout=b"hello faultline two  spaces  tab\there -n\n")


@case("cat")
def _cat(ctx):
    with open(ctx.text, "rb") as f, open(ctx.bin, "rb") as g:
        want = f.read() + g.read()
    return compare(ctx, ["cat", ctx.text, ctx.bin], expect_stdout=want)


@case("cat-stdin")
def _cat_stdin(ctx):
    with open(ctx.text, "rb") as f:
        want = f.read()
    return compare(ctx, ["cat"], stdin_path=ctx.text, expect_stdout=want)


@case("wc")
def _wc(ctx):
    with open(ctx.text, "rb") as f:
        data = f.read()
    lines, words, chars = data.count(b"\n"), len(data.split()), len(data)
    problems, runs = compare(ctx, ["wc", ctx.text])
    got = runs[0][1].stdout.split()
    if got[:3] != [str(lines).encode(), str(words).encode(), str(chars).encode()]:
        problems.append("native wc says %r, expected %d %d %d: the test is broken"
                        % (got, lines, words, chars))
    return problems, runs


@case("sort")
def _sort(ctx):
    with open(ctx.text, "rb") as f:
        lines = f.read().split(b"\n")[:-1]  # the file ends with a newline
    want = b"".join(l + b"\n" for l in sorted(lines))  # strcmp order, as LC_ALL=C sort
    return compare(ctx, ["sort", ctx.text], expect_stdout=want)


@case("sort-n")
def _sort_n(ctx):
    # numeric sort of the tab-separated number lines, reverse, with a key: a different code path
    return compare(ctx, ["sort", "-t", "\t", "-k", "1,1n", "-r", ctx.text])


@case("seq")
def _seq(ctx):
    want = "".join("%d\n" % i for i in range(1, 300001)).encode()
    return compare(ctx, ["seq", "1", "300000"], expect_stdout=want)


@case("head")
def _head(ctx):
    with open(ctx.text, "rb") as f:
        want = b"".join(f.read().splitlines(keepends=True)[:5000])
    return compare(ctx, ["head", "-n", "5000", ctx.text], expect_stdout=want)


@case("head-c")
def _head_c(ctx):
    with open(ctx.bin, "rb") as f:
        want = f.read(100000)
    return compare(ctx, ["head", "-c", "100000", ctx.bin], expect_stdout=want)


@case("tr")
def _tr(ctx):
    with open(ctx.text, "rb") as f:
        want = f.read().upper()
    return compare(ctx, ["tr", "a-z", "A-Z"], stdin_path=ctx.text, expect_stdout=want)


def _digest_lines(algo, paths):
    out = b""
    for p in paths:
        with open(p, "rb") as f:
            out += ("%s  %s\n" % (hashlib.new(algo, f.read()).hexdigest(), p)).encode()
    return out


@case("sha256sum")
def _sha256sum(ctx):
    paths = [ctx.bin, ctx.text]
    return compare(ctx, ["sha256sum"] + paths, expect_stdout=_digest_lines("sha256", paths))


@case("md5sum")
def _md5sum(ctx):
    paths = [ctx.bin, ctx.text]
    return compare(ctx, ["md5sum"] + paths, expect_stdout=_digest_lines("md5", paths))


@case("gzip")
def _gzip(ctx):
    """gzip -c TEXT compared with native byte for byte, then the round trip through a real pipe
    between two faultline processes: faultline gzip -c TEXT | faultline gzip -dc == TEXT."""
    with open(ctx.text, "rb") as f:
        text = f.read()
    problems, runs = compare(ctx, ["gzip", "-c", ctx.text])

    fh.fresh_dir(ctx.scratch)
    dbs = [os.path.join(ctx.work, "pipe%d.db" % i) for i in (1, 2)]
    for db in dbs:
        fh.remove_db(db)
    start = time.monotonic()
    env = fh.test_env()
    p1 = subprocess.Popen(fh.faultline_argv(ctx.faultline, ctx.busybox, ["gzip", "-c", ctx.text],
                                            db=dbs[0]),
                          cwd=ctx.scratch, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env)
    pipe_argv = fh.faultline_argv(ctx.faultline, ctx.busybox, ["gzip", "-dc"], db=dbs[1])
    r2 = fh.run(pipe_argv, cwd=ctx.scratch, stdin=p1.stdout, env=env, timeout=ctx.timeout)
    p1.stdout.close()
    try:
        err1 = p1.stderr.read()
        st1 = fh.shell_status(p1.wait(timeout=max(1, ctx.timeout - (time.monotonic() - start))))
    except subprocess.TimeoutExpired:
        p1.kill()
        p1.wait()
        st1 = None
    r1 = fh.Result(p1.args, st1, b"(piped)", err1, time.monotonic() - start, st1 is None)
    runs += [("pipe gzip -c", r1), ("pipe gzip -dc", r2)]
    if st1 != 0 or r2.status != 0:
        problems.append("pipeline statuses: gzip -c %s, gzip -dc %s (expected 0 0)"
                        % (st1, r2.status))
    if r2.stdout != text:
        problems.append("round trip through the pipe changed the text:\n"
                        + fh.stdout_diff(text, r2.stdout))
    return problems, runs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--faultline")
    ap.add_argument("--workdir")
    ap.add_argument("--busybox", default="/bin/busybox")
    ap.add_argument("--timeout", type=float, default=25, help="seconds per run (default 25)")
    ap.add_argument("--list", action="store_true", help="print the case names")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    if a.list:
        print("\n".join(CASES))
        return 0
    if not a.faultline or not a.workdir or not a.cases:
        ap.error("--faultline, --workdir and at least one CASE are required")
    unknown = [c for c in a.cases if c not in CASES]
    if unknown:
        ap.error("unknown case(s) %s; known: %s" % (", ".join(unknown), ", ".join(CASES)))
    fh.need_faultline(a.faultline)
    if not os.access(a.busybox, os.X_OK):
        print("busybox not found at %s (Debian: busybox-static)" % a.busybox)
        return 1
    ctx = Ctx(a)
    os.makedirs(ctx.work, exist_ok=True)
    t = time.monotonic()
    ctx.make_inputs()
    print("inputs generated in %.2f s" % (time.monotonic() - t))
    status = 0
    for name in a.cases:
        problems, runs = CASES[name](ctx)
        status |= fh.report("busybox %s" % name, problems, runs)
    return status


if __name__ == "__main__":
    sys.exit(main())
