#!/usr/bin/env python3
"""Drive `faultline tui` in a real terminal (tmux) and assert on the screen.

Each case starts its own tmux server (a unique -L socket), runs
`faultline tui --db WORKDIR/CASE.db -- touch_pages 20` in an 80x24 window, sends keys and polls
capture-pane until the expected text appears (bounded waits, never a fixed long sleep).

  tui_screen.py --faultline F --guest-dir D --workdir W CASE
  tui_screen.py --list
"""
import argparse
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from terminal import Fail, Terminal  # noqa: E402

TOUCH_BASE = 0x200000000
TOUCH_PAGES = 20


class Tui(Terminal):
    """`faultline tui --db WORKDIR/NAME.db -- GUEST ARGS` in a terminal."""

    def __init__(self, faultline, guest, args, workdir, name, width=80, height=24, options=()):
        self.db = os.path.join(workdir, name + ".db")
        for f in (self.db, self.db + "-wal", self.db + "-shm"):
            if os.path.exists(f):
                os.unlink(f)
        super().__init__([faultline, "tui", "--db", self.db] + list(options) + ["--", guest] +
                         list(args), workdir, name, width, height)

    def wait_exit(self, timeout=30.0):
        try:
            return super().wait_exit(timeout)
        except Fail:
            raise Fail("faultline tui did not exit; screen:\n" + self.screen())


def elf_entry(path):
    with open(path, "rb") as f:
        hdr = f.read(64)
    return struct.unpack_from("<Q", hdr, 24)[0]


def reg(screen, name):
    m = re.search(r"\b%s\s+([0-9a-f]{16})\b" % name, screen)
    if not m:
        raise Fail("no %s register on screen:\n%s" % (name, screen))
    return int(m.group(1), 16)


def rip_line(screen):
    """(row, address) of the disassembly line marked '>' (the instruction at RIP)."""
    for row, line in enumerate(screen.splitlines()):
        m = re.match(r">.\s*([0-9a-f]+)  \S", line)
        if m:
            return row, int(m.group(1), 16)
    raise Fail("no '>' line in the disassembly:\n" + screen)


def disassembly_drawn(screen):
    """Whether the disassembly shows RIP's instruction and the three after it: the panels are
    drawn one after another, so a screen caught in between has the status line and RIP's
    line but not yet the rest (seen once in a parallel ctest run)."""
    row, _ = rip_line(screen)
    lines = screen.splitlines()
    return all(len(lines) > row + i and re.match(r"..\s*[0-9a-f]+  \S", lines[row + i])
               for i in (1, 2, 3))


def check(cond, msg, screen=""):
    if not cond:
        raise Fail(msg + ("\nscreen:\n" + screen if screen else ""))


def start(opts, name, prog="touch_pages", args=(str(TOUCH_PAGES),), **kw):
    guest = os.path.join(opts.guest_dir, prog)
    t = Tui(opts.faultline, guest, list(args), opts.workdir, name, **kw)
    # the status line can be on screen before the panels are: wait for the disassembly too
    s = t.wait(lambda s: "PAUSED at entry" in s and disassembly_drawn(s),
               desc="the initial screen", settled=True)
    return t, s, guest


def db_run(t):
    c = sqlite3.connect(t.db)
    run = c.execute("SELECT run_id, status, faults FROM runs").fetchall()
    check(len(run) == 1, "expected one run, got %r" % run)
    run_id, status, faults = run[0]
    rows = c.execute("SELECT count(*) FROM faults WHERE run_id = ?", (run_id,)).fetchone()[0]
    touched = c.execute("SELECT count(*) FROM faults WHERE run_id = ? AND address >= ? AND "
                        "address < ?", (run_id, TOUCH_BASE,
                                        TOUCH_BASE + TOUCH_PAGES * 4096)).fetchone()[0]
    c.close()
    return status, faults, rows, touched


# ---- cases --------------------------------------------------------------------------------------

def case_initial(opts):
    t, s, guest = start(opts, "initial")
    try:
        entry = elf_entry(guest)
        check(reg(s, "rip") == entry, "rip is not the ELF entry %#x" % entry, s)
        for r in ("rax", "rsp", "r15", "rfl"):
            reg(s, r)
        check("disassembly" in s, "no disassembly panel", s)
        # the panel names RIP's function and file, from the program's symbol table
        check("disassembly _start (touch_pages)" in s, "the entry is not named _start", s)
        row, addr = rip_line(s)
        check(addr == entry, "the highlighted instruction is not the entry point", s)
        check("VMAs" in s and "r-xp" in s, "no VMA panel with the text segment", s)
        check("guest output" in s, "no guest output panel", s)
        lines = s.splitlines()
        check(len(lines) <= 24 and all(len(l) <= 80 for l in lines), "the screen overflows", s)
    finally:
        t.close()


def case_step(opts):
    t, s, _ = start(opts, "step")
    try:
        rip0 = reg(s, "rip")
        row0, addr0 = rip_line(s)
        t.keys("s")
        # settled: ncurses writes a frame in several chunks, so the registers (row 1) can be
        # on screen before the disassembly below them (seen once in a CI run)
        s = t.wait(lambda s: "PAUSED after step" in s and reg(s, "rip") != rip0,
                   desc="RIP to advance after 's'", settled=True)
        rip1 = reg(s, "rip")
        row1, addr1 = rip_line(s)
        check(0 < rip1 - rip0 <= 15, "one step moved RIP from %#x to %#x" % (rip0, rip1), s)
        check(addr1 == rip1, "the disassembly highlight is not at RIP", s)
        check(row1 != row0, "the disassembly highlight did not move", s)
        check(re.search(r"^\s+%x  " % rip0, s, re.M), "the stepped instruction is not shown", s)
        # changed registers are highlighted (bold yellow), unchanged ones are not
        esc = t.tmux("capture-pane", "-p", "-e")
        check(re.search(r"\x1b\[1m(\x1b\[[0-9;]*m)*rip %016x" % rip1, esc),
              "the changed rip is not highlighted", esc)
        check(not re.search(r"\x1b\[1m(\x1b\[[0-9;]*m)*rax ", esc),
              "the unchanged rax is highlighted", esc)
        # steps typed quickly all happen, in order
        t.keys("s", "s", "s")
        s = t.wait(lambda s: "PAUSED after step" in s and rip_line(s)[1] == reg(s, "rip") and
                   reg(s, "rip") > rip1 + 2, desc="three more steps")
        # step over: a call runs to its return address (the entry code calls
        # __libc_start_main, which does not return, so only check that 'n' steps)
        rip2 = reg(s, "rip")
        t.keys("n")
        t.wait(lambda s: reg(s, "rip") != rip2, desc="'n' to move RIP")
    finally:
        t.close()


def case_fault(opts):
    t, s, _ = start(opts, "fault")
    try:
        t.keys("f")
        s = t.wait(r"PAUSED after fault", desc="'f' to stop after a fault", settled=True)
        m = re.search(r"^.*│\s*(\d+)\s+([0-9a-f]+) ([rwe])\s+(\S+)\s+(minor|MAJOR)", s, re.M)
        check(m, "no fault row in the feed", s)
        addr = int(m.group(2), 16)
        w = re.search(r"page walk ([0-9a-f]+)", s)
        check(w and int(w.group(1), 16) == addr, "the walk is not of the fault's address", s)
        for level in ("PML4E", "PDPTE", "PDE", "PTE"):
            check(re.search(r"%s\s*(\[\s*\d+\])?\s*[0-9a-f]{16} " % level, s),
                  "no %s line in the walk" % level, s)
        check(re.search(r"PTE\s+[0-9a-f]{16} P ", s), "the PTE is not present", s)
        check(re.search(r"frame 0x[0-9a-f]+ refcount \d+ mapcount \d+", s), "no frame line", s)
        check(re.search(r"^\*", s.split("VMAs")[1].split("\n", 1)[1].replace("│", "\n"), re.M)
              or "*0" in s, "the faulting VMA is not marked", s)
        # a filtered run to the next fault: the first write to the touched pages
        t.keys("F")
        t.wait(r"next fault matching", desc="the filter prompt")
        t.keys("anonymous_page %x-%x" % (TOUCH_BASE, TOUCH_BASE + TOUCH_PAGES * 4096), "Enter")
        s = t.wait(lambda s: "PAUSED after fault" in s and "page walk 2000" in s,
                   desc="the filtered fault at the touched pages", settled=True)
        check(re.search(r"│\s*\d+\s+2000[0-9a-f]+ w anonymous_page minor", s),
              "the newest feed row is not the touched page", s)
        check(re.search(r"PTE\s+[0-9a-f]{16} P RW U A D NX", s),
              "the written page's PTE is not present, writable, accessed and dirty", s)
        check(re.search(r"frame 0x[0-9a-f]+ refcount 1 mapcount 1 anon", s),
              "the written page's frame is not a private anonymous page", s)
        # selecting an older row shows its walk; Enter shows the full record
        t.keys("Down")
        t.wait(lambda s: "page walk 4a9180 (selected)" in s or
               re.search(r"page walk (?!2000)[0-9a-f]+ \(selected\)", s),
               desc="the walk of the selected row")
        t.keys("Enter")
        s = t.wait(r"fault \d+  pid \d+ .*Esc closes", desc="the fault's full record",
                   settled=True)
        # the faulting instruction's function, from the program's symbol table
        check(re.search(r"ip in [A-Za-z_]\w*(\+0x[0-9a-f]+)? \(touch_pages\)", s),
              "the record does not name the function of its ip", s)
        t.keys("Escape")
        t.wait(lambda s: "Esc closes" not in s, desc="the record to close")
        # a typed address: the page after the touched one is not mapped yet
        t.keys("w")
        t.wait(r"walk address")
        t.keys("%x" % (TOUCH_BASE + 4096), "Enter")
        s = t.wait(r"page walk %x \(typed\)" % (TOUCH_BASE + 4096), desc="the typed walk",
                   settled=True)
        check(re.search(r"PTE\s+0{16} none", s) and "no frame mapped" in s,
              "the untouched page has a PTE", s)
    finally:
        t.close()


def case_thp(opts):
    """A huge-page fault (tests/guest/thp, --thp madvise): the walk ends at a PDE with PSE, the
    PTE line says why it is empty, and the frame is a private anonymous one."""
    t, s, _ = start(opts, "thp", prog="thp", args=(), options=("--thp", "madvise"))
    try:
        t.keys("F")
        t.wait(r"next fault matching", desc="the filter prompt")
        t.keys("huge_pmd_anon", "Enter")
        s = t.wait(lambda s: "PAUSED after fault" in s and "page walk 80000000" in s,
                   desc="the first huge-page fault", settled=True)
        check(re.search(r"PDE\s*(\[\s*\d+\])?\s*[0-9a-f]{16} P RW U A D PSE", s),
              "the PDE is not a present, writable, dirty 2 MiB entry", s)
        check("(a 2 MiB page" in s, "the PTE line does not say the PDE maps the page", s)
        m = re.search(r"frame 0x([0-9a-f]+) refcount 1 mapcount 1 an", s)
        check(m and int(m.group(1), 16) % 512 == 0,
              "the frame is not the 512-aligned head of a private anonymous page", s)
    finally:
        t.close()


def case_help(opts):
    t, s, _ = start(opts, "help")
    try:
        t.keys("?")
        # settled: a screen caught after the title but before the rest was seen once in CI
        s = t.wait(r"faultline tui - keys", desc="the help overlay", settled=True)
        for k in ("step one instruction", "step over", "continue", "pause",
                  "run to the next page fault", "breakpoint", "quit"):
            check(k in s, "the help does not mention %r" % k, s)
        t.keys("x")
        t.wait(lambda s: "faultline tui - keys" not in s, desc="the help to close")
    finally:
        t.close()


def case_resize(opts):
    t, s, _ = start(opts, "resize")
    try:
        t.keys("f")
        t.wait(r"PAUSED after fault")
        t.tmux("resize-window", "-x", "100", "-y", "30")
        s = t.wait(lambda s: len(s.splitlines()) >= 29 and
                   re.search(r"^s step n over", s.splitlines()[-1]) and
                   s.splitlines()[0].startswith(" faultline tui"),
                   desc="a redraw at 100x30")
        lines = s.splitlines()
        check(all(len(l) <= 100 for l in lines), "a line is wider than the window", s)
        check(sum(1 for l in lines if l.startswith(" faultline tui")) == 1,
              "the status bar appears twice", s)
        check(sum(1 for l in lines if "guest output" in l) == 1,
              "the output panel title appears twice", s)
        check(re.search(r"PTE\s*(\[\s*\d+\])?\s*[0-9a-f]{16} P .*pfn=0x[0-9a-f]+$", s, re.M),
              "the walk is not redrawn in full width", s)
        t.tmux("resize-window", "-x", "80", "-y", "24")
        s = t.wait(lambda s: len(s.splitlines()) <= 24 and "PAUSED after fault" in s and
                   all(len(l) <= 80 for l in s.splitlines()), desc="a redraw at 80x24")
        check(sum(1 for l in s.splitlines() if l.startswith(" faultline tui")) == 1,
              "the status bar appears twice after shrinking", s)
    finally:
        t.close()


def case_quit(opts):
    t, s, _ = start(opts, "quit")
    try:
        t.keys("c")
        t.wait(r"EXITED", desc="the guest to finish")
        t.wait(r"(?m)^touched %d pages, sum \d+, 0 other bytes not zero$" % TOUCH_PAGES,
               desc="the guest's output in its panel")
        t.keys("q")
        rc = t.wait_exit()
        check(rc == 0, "exit status %d (want the guest's 0)" % rc)
        status, faults, rows, touched = db_run(t)
        check(status == "exited", "runs.status is %r" % status)
        check(rows == faults and rows > 0, "runs.faults %d but %d fault rows" % (faults, rows))
        check(touched == TOUCH_PAGES, "%d faults on the touched pages, want %d" %
              (touched, TOUCH_PAGES))
    finally:
        t.close()


def case_quit_early(opts):
    t, s, _ = start(opts, "quit_early")
    try:
        t.keys("f")
        t.wait(r"PAUSED after fault")
        t.keys("q")
        rc = t.wait_exit()
        check(rc == 130, "exit status %d (want 130, interrupted)" % rc)
        status, faults, rows, _ = db_run(t)
        check(status == "interrupted", "runs.status is %r" % status)
        check(rows == faults and rows > 0, "runs.faults %d but %d fault rows" % (faults, rows))
    finally:
        t.close()


def case_breakpoint(opts):
    t, s, _ = start(opts, "breakpoint")
    try:
        row, rip = rip_line(s)
        lines = s.splitlines()
        m = re.match(r"..\s*([0-9a-f]+)  ", lines[row + 3])
        check(m, "no third instruction after RIP", s)
        target = int(m.group(1), 16)
        t.keys("b")
        t.wait(r"toggle breakpoint at")
        t.keys("%x" % target, "Enter")
        t.wait(r"breakpoint set at %x" % target)
        t.keys("c")
        s = t.wait(r"PAUSED at breakpoint", desc="the breakpoint to be hit", settled=True)
        check(reg(s, "rip") == target, "stopped at %#x, not at the breakpoint" % reg(s, "rip"), s)
        # continuing from a breakpoint runs on (removing it first lets the guest finish)
        t.keys("b")
        t.wait(r"toggle breakpoint at")
        t.keys("%x" % target, "Enter")
        t.wait(r"breakpoint at %x removed" % target)
        t.keys("c")
        t.wait(r"EXITED", desc="the guest to finish")
    finally:
        t.close()


def symbol_address(path, name):
    """The address nm gives function `name` in a static program, or None."""
    out = subprocess.run(["nm", "--defined-only", path], capture_output=True, text=True,
                         timeout=30).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "Tt" and f[2] == name:
            return int(f[0], 16)
    return None


def case_breakpoint_name(opts):
    t, s, guest = start(opts, "breakpoint-name")
    try:
        main = symbol_address(guest, "main")
        check(main is not None, "nm finds no main in %s" % guest)
        t.keys("b")
        t.wait(r"toggle breakpoint at \(function or hex\)")
        t.keys("no_such_function", "Enter")
        t.wait(r"no function no_such_function", desc="the unknown name refused")
        # by name, as gdb's `break main`: the address nm gives, named in the message
        t.keys("b")
        t.wait(r"toggle breakpoint at")
        t.keys("main", "Enter")
        t.wait(r"breakpoint set at %x \(main in touch_pages\)" % main)
        t.keys("c")
        s = t.wait(r"PAUSED at breakpoint", desc="the breakpoint at main to be hit",
                   settled=True)
        check(reg(s, "rip") == main, "stopped at %#x, not at main %#x" % (reg(s, "rip"), main), s)
        check("disassembly main (touch_pages)" in s, "the panel does not name main", s)
        t.keys("q")
        t.wait_exit()
    finally:
        t.close()


def strtol_call(guest):
    """(address of main's `call strtol`, address after it) from objdump, or None."""
    if not shutil.which("objdump"):
        return None
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", guest], capture_output=True,
                         text=True, timeout=30).stdout
    body = out.split("<main>:\n", 1)[1].split("\n\n", 1)[0] if "<main>:" in out else ""
    lines = [l for l in body.splitlines() if re.match(r"\s*[0-9a-f]+:", l)]
    for i, l in enumerate(lines[:-1]):
        if re.search(r"\bcall\b.*<_*strtol", l):
            nxt = lines[i + 1]
            return int(l.split(":")[0], 16), int(nxt.split(":")[0], 16)
    return None


def case_step_over(opts):
    t, s, guest = start(opts, "step_over")
    try:
        call = strtol_call(guest)
        if not call:
            print("no objdump or no call to strtol in main: skipped")
            return
        at, ret = call
        t.keys("b")
        t.wait(r"toggle breakpoint at")
        t.keys("%x" % at, "Enter")
        t.wait(r"breakpoint set at %x" % at)
        t.keys("c")
        s = t.wait(r"PAUSED at breakpoint", desc="the breakpoint at the call", settled=True)
        check(reg(s, "rip") == at, "not stopped at the call", s)
        check(re.search(r"^>\*\s*%x  call" % at, s, re.M), "the call is not marked '>*'", s)
        t.keys("n")
        s = t.wait(lambda s: "PAUSED after step" in s and reg(s, "rip") == ret,
                   desc="'n' to stop at the call's return address", settled=True)
        check(reg(s, "rax") == TOUCH_PAGES, "strtol returned %#x, not %d" %
              (reg(s, "rax"), TOUCH_PAGES), s)
    finally:
        t.close()


def case_pause(opts):
    """A guest that never ends: continue, pause (the ticker stops the engine), step, quit."""
    t, s, _ = start(opts, "pause", prog="spin", args=())
    try:
        t.keys("c")
        t.wait(r"\| RUNNING \|", desc="the running state")
        t.keys("s")
        t.wait(r"running: p pauses first", desc="steps to be refused while running")
        t.keys("p")
        s = t.wait(r"\| PAUSED \|", desc="'p' to pause the running guest", settled=True)
        rip = reg(s, "rip")
        check(rip_line(s)[1] == rip, "the disassembly is not at RIP after a pause", s)
        t.keys("s")
        t.wait(lambda s: "PAUSED after step" in s and rip_line(s)[1] == reg(s, "rip"),
               desc="a step after the pause")
        t.keys("q")
        rc = t.wait_exit()
        check(rc == 130, "exit status %d (want 130, interrupted)" % rc)
        status, faults, rows, _ = db_run(t)
        check(status == "interrupted", "runs.status is %r" % status)
        check(rows == faults and rows > 0, "runs.faults %d but %d fault rows" % (faults, rows))
    finally:
        t.close()


def case_segv(opts):
    """A guest killed by SIGSEGV: the fault is in the feed, the kernel's line in the output
    panel (not on the terminal), and the run ends as `faultline run` would end it."""
    t, s, _ = start(opts, "segv", prog="null_deref", args=())
    try:
        t.keys("c")
        s = t.wait(r"EXITED", desc="the guest to die", settled=True)
        check(re.search(r"│\s*\d+\s+0 r \S+\s+SEGV", s), "no SEGV row for address 0", s)
        t.wait(r"(?m)^null_deref\[\d+\]: segfault at 0 ip ", desc="the segfault line")
        t.keys("q")
        rc = t.wait_exit()
        check(rc == 139, "exit status %d (want 139)" % rc)
        status, faults, rows, _ = db_run(t)
        check(status == "killed", "runs.status is %r" % status)
        check(rows == faults, "runs.faults %d but %d fault rows" % (faults, rows))
    finally:
        t.close()


BUSYBOX = "/bin/busybox"


def case_stdin(opts):
    """The guest's stdin is a terminal of its own: typed lines reach `busybox cat` (echoed, as
    a terminal does, and copied back by cat), Ctrl-D ends its input."""
    if not os.path.exists(BUSYBOX):
        print("no %s: skipped" % BUSYBOX)
        return
    t, s, _ = start(opts, "stdin", prog=BUSYBOX, args=("cat",))
    try:
        t.keys("c")
        t.wait(r"\| RUNNING \|", desc="cat to run")
        t.keys("i")
        t.wait(r"(?m)^stdin>", desc="the typing prompt")
        t.keys("hello tui", "Enter")
        t.wait(lambda s: len(re.findall(r"(?m)^hello tui$", s)) == 2,
               desc="the echoed line and cat's copy of it")
        t.keys("C-d")
        t.wait(r"EXITED", desc="cat to end at end-of-file")
        t.keys("q")
        check(t.wait_exit() == 0, "cat did not exit with 0")
    finally:
        t.close()


def case_stdin_quit(opts):
    """Quitting while the guest waits to read its terminal stops it at once."""
    if not os.path.exists(BUSYBOX):
        print("no %s: skipped" % BUSYBOX)
        return
    t, s, _ = start(opts, "stdin_quit", prog=BUSYBOX, args=("cat",))
    try:
        t.keys("c")
        t.wait(r"\| RUNNING \|", desc="cat to run")
        t.keys("q")
        rc = t.wait_exit()
        check(rc == 130, "exit status %d (want 130, interrupted)" % rc)
        status, faults, rows, _ = db_run(t)
        check(status == "interrupted", "runs.status is %r" % status)
    finally:
        t.close()


def case_processes(opts):
    """A breakpoint at busybox's entry point stops each process that execs busybox (a new
    engine each time), and the run ends with every process's faults in the log."""
    if not os.path.exists(BUSYBOX):
        print("no %s: skipped" % BUSYBOX)
        return
    script = "%s echo b | %s cat; exit 3" % (BUSYBOX, BUSYBOX)
    t, s, _ = start(opts, "processes", prog=BUSYBOX, args=("sh", "-c", script))
    try:
        entry = elf_entry(BUSYBOX)
        t.keys("b")
        t.wait(r"toggle breakpoint at")
        t.keys("%x" % entry, "Enter")
        t.wait(r"breakpoint set at %x" % entry)
        pids = []
        for _ in range(2):
            t.keys("c")
            s = t.wait(lambda s: "PAUSED at breakpoint" in s and
                       int(re.search(r"\| pid (\d+) ", s).group(1)) not in pids + [1000],
                       timeout=30, desc="the next exec'd process at the breakpoint",
                       settled=True)
            check(reg(s, "rip") == entry, "not stopped at the entry point", s)
            pids.append(int(re.search(r"\| pid (\d+) ", s).group(1)))
        t.keys("c")
        t.wait(r"EXITED", timeout=30, desc="the shell to exit")
        t.keys("q")
        check(t.wait_exit() == 3, "the shell's status 3 was not returned")
        c = sqlite3.connect(t.db)
        got = sorted(r[0] for r in c.execute("SELECT DISTINCT pid FROM faults"))
        c.close()
        check(got == sorted([1000] + pids), "faults of pids %r, want %r" % (got, [1000] + pids))
        status, faults, rows, _ = db_run(t)
        check(status == "exited" and rows == faults, "runs: %r, %d rows" % (status, rows))
    finally:
        t.close()


def case_many_vmas(opts):
    """A process with more VMAs than the panel has lines: the panel shows the window around the
    walked fault's VMA, marked, and says which of how many it shows; RIP is still named."""
    far = 0x300000000
    t, s, _ = start(opts, "many_vmas", prog="many_vmas", args=())
    try:
        t.keys("F")
        t.wait(r"next fault matching", desc="the filter prompt")
        t.keys("anonymous_page %x-%x" % (far, far + 4096), "Enter")
        s = t.wait(lambda s: "PAUSED after fault" in s and "page walk %x" % far in s,
                   desc="the fault at the far page", settled=True)
        m = re.search(r"VMAs (\d+)-(\d+) of (\d+)", s)
        check(m and int(m.group(3)) > 120, "the panel does not say it shows a window of them", s)
        check(re.search(r"(?m)^\*%x-%x rw" % (far, far + 4096),
                        s.split("VMAs")[1].split("\n", 1)[1].replace("│", "\n")),
              "the far page's VMA is not on the panel, marked", s)
        check(re.search(r"disassembly \w+(\+0x[0-9a-f]+)? \(many_vmas\)", s),
              "RIP's function is not named", s)
    finally:
        t.close()


CASES = {
    "initial": case_initial,
    "step": case_step,
    "fault": case_fault,
    "help": case_help,
    "resize": case_resize,
    "quit": case_quit,
    "quit-early": case_quit_early,
    "breakpoint": case_breakpoint,
    "breakpoint-name": case_breakpoint_name,
    "step-over": case_step_over,
    "pause": case_pause,
    "segv": case_segv,
    "stdin": case_stdin,
    "stdin-quit": case_stdin_quit,
    "processes": case_processes,
    "many-vmas": case_many_vmas,
    "thp": case_thp,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline")
    ap.add_argument("--guest-dir")
    ap.add_argument("--workdir")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("cases", nargs="*")
    opts = ap.parse_args()
    if opts.list:
        print("\n".join(CASES))
        return 0
    if not shutil.which("tmux"):
        print("tmux is not installed: skipped")
        return 77
    os.makedirs(opts.workdir, exist_ok=True)
    failed = 0
    for name in opts.cases or list(CASES):
        try:
            CASES[name](opts)
            print("ok   %s" % name)
        except Fail as e:
            failed += 1
            print("FAIL %s: %s" % (name, e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
