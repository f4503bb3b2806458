#!/usr/bin/env python3
"""kmsg.py - the emulated kernel's log as a guest reads it: syslog(2), /dev/kmsg, /proc/kmsg,
and the real busybox and util-linux dmesg inside faultline.

faultline alone, never natively: the host's log holds the host's lines, and a guest's writes to
/dev/kmsg would go into it. As root (CAP_SYSLOG with kernel.dmesg_restrict, and /dev/kmsg is
0644 root); skipped (77) otherwise.

  segv      tests/guest/kmsg_log segv: a child's "segfault at" record, by syslog(READ_ALL) and
            by /dev/kmsg, at the same time, between the fork and the wait; and in the fault
            log, the run's one kernel_log row (level 6, facility 0), after the child's SIGSEGV
            fault (its fault_seq).
  syslog    kmsg_log syslog: SIZE_UNREAD, partial READ, CLEAR, READ_CLEAR, /dev/kmsg's
            SEEK_DATA/SET/END, writev, poll, EINVAL for a short read, a READ woken by a write,
            /proc/kmsg.
  epipe     kmsg_log epipe: more than 128 KiB written to /dev/kmsg: the reader's EPIPE, the
            buffer nearly full of the newest lines, the ratelimit of a file's 11th line.
  dmesg-segv  busybox sh runs null_deref, then util-linux `dmesg -x` and `dmesg -r` and busybox
            `dmesg -r`: each shows the segfault line, at level info (<6>, kern:info).
  follow    busybox sh writes a line to /dev/kmsg, then `cat /dev/kmsg` (dmesg --follow's
            read) gets its record and waits for the next; without a terminal nothing else can
            end the wait: faultline ends the run, saying the guest waits in "read of the kernel
            log" (status 137).
  dmesg-oom   under --ram 16M without swap, busybox sh runs swap_thrash until the OOM killer
            kills it, then both dmesg show "Out of memory: Kill process PID (swap_thrash)" and
            "Killed process PID (swap_thrash)".
"""

import argparse
import os
import re
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fl  # noqa: E402

EXPECTED = {
    "segv": """child: signal 11
SIZE_BUFFER: 131072
syscall 999: ENOSYS
READ_ALL: <6> segfault at 0 of the child, error 6, in kmsg_log: yes
READ_ALL: its time between the fork and the wait: yes
READ_ALL: 1 such line
READ_ALL: 0 line of the emulator's own
devkmsg: 6,SEQ,USEC,-; segfault at 0 of the child, the same time: yes
devkmsg: then EAGAIN
devkmsg: 1 such record
""",
    "syslog": """write one: 17
SIZE_UNREAD == READ_ALL's length: yes
last line: <13>kmsg_log: one
READ 10: 10, the first 10 bytes: yes
SIZE_UNREAD 10 less: yes
READ the rest: yes
SIZE_UNREAD: 0
CLEAR: 0
READ_ALL: 0
write two: 17
READ_ALL: <11>kmsg_log: two
SIZE_UNREAD == its length: yes
READ_CLEAR: <11>kmsg_log: two
READ_ALL: 0
READ_ALL into 10 bytes: 0
write three: 16
SEEK_DATA: 0
read: 12,SEQ,USEC,-;kmsg_log: three
read: EAGAIN
poll at the end: 0
SEEK_SET: 0
the first record: 13,0,USEC,-;kmsg_log: one
lseek 1: ESPIPE
SEEK_CUR: EINVAL
SEEK_END: 0
writev: 18
poll: 1 POLLIN
read 5 bytes: EINVAL
then: EAGAIN
write five: 18
read: 14,SEQ,USEC,-;kmsg_log: five
read of a write-only fd: EBADF
write of a read-only fd: EBADF
write wake: 18
child's READ: <14>kmsg_log: wake
child: exit 0
open /proc/kmsg: ok
read /proc/kmsg: EAGAIN
write proc: 18
poll /proc/kmsg: 1 POLLIN
read /proc/kmsg: <14>kmsg_log: proc
then: EAGAIN
SIZE_UNREAD: 0
""",
    "epipe": """write first: 19
1500 lines of 100 bytes written
poll: 1
read: EPIPE
then: EAGAIN
the oldest kept: a fill line, seq past the first's: yes
the newest: fill 1499, all between kept: yes
kept records fill the 128 KiB buffer: yes
READ_ALL ends with fill 1499: yes
SIZE_UNREAD == READ_ALL's length: yes
printk_devkmsg: {mode}
{suppressed}burst records: {bursts}
write 993 bytes: EINVAL
write 992 bytes: 992
""",
}

SEGV_RE = (r"null_deref\[(\d+)\]: segfault at 0 ip [0-9a-f]{16} sp [0-9a-f]{16} error 4 "
           r"in null_deref\[[0-9a-f]+\+[0-9a-f]+\]")
TIME = r"\[\s*\d+\.\d{6}\] "


def host_devkmsg_mode():
    try:
        with open("/proc/sys/kernel/printk_devkmsg") as f:
            return f.read().strip()
    except OSError:
        return ""


def check_kernel_log_row(db):
    """The segfault's kernel_log row: the kernel's (facility 0) at KERN_INFO, its fault_seq
    the child's SIGSEGV fault."""
    try:
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        rows = con.execute("SELECT facility, level, text, fault_seq FROM kernel_log").fetchall()
        sig = con.execute("SELECT seq, pid FROM faults WHERE signo = 11").fetchall()
    except sqlite3.Error as e:
        return ["reading the fault log's kernel_log: %s" % e]
    if len(sig) != 1:
        return ["expected one SIGSEGV fault row, got %s" % sig]
    seq, pid = sig[0]
    want = "kmsg_log[%d]: segfault at 0 ip " % pid
    if len(rows) != 1 or rows[0][:2] != (0, 6) or not rows[0][2].startswith(want) \
            or rows[0][3] != seq:
        return ["kernel_log rows %r; expected one (0, 6, %r..., %d)" % (rows, want, seq)]
    return []


def run_sections(a, busybox, script, work, options, prog, prog_status, problems):
    """Run `busybox sh -c script` under faultline: the shell must exit 0 after PROG's status
    (printed as "status N") is prog_status; returns the run and its output's "-- NAME"
    sections by name."""
    r = fl.run(fl.faultline_argv(a.faultline, busybox, ["sh", "-c", script], no_log=True,
                                 options=options),
               cwd=work, timeout=a.timeout)
    out = r.stdout.decode("utf-8", "replace")
    if r.status != 0:
        problems.append("exit status %s, expected 0" % r.status)
    if "status %d\n" % prog_status not in out:
        problems.append("%s did not end with status %d" % (prog, prog_status))
    parts = re.split(r"^-- (.*)\n", out, flags=re.M)
    return r, dict(zip(parts[1::2], parts[2::2]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--timeout", type=float, default=50)
    ap.add_argument("case")
    a = ap.parse_args()
    fl.need_faultline(a.faultline)
    a.faultline, a.guest_dir = os.path.abspath(a.faultline), os.path.abspath(a.guest_dir)
    if os.geteuid() != 0:
        print("SKIP: the guest needs CAP_SYSLOG and /dev/kmsg's write permission (run as root)")
        return 77
    work = fl.fresh_dir(a.workdir)
    problems = []

    if a.case in EXPECTED:
        guest = os.path.join(a.guest_dir, "kmsg_log")
        db = os.path.join(work, "log.db")
        r = fl.run(fl.faultline_argv(a.faultline, guest, [a.case], db=db),
                   cwd=work, timeout=a.timeout)
        want = EXPECTED[a.case]
        if a.case == "epipe":
            mode = host_devkmsg_mode()
            limited = mode not in ("on", "off")
            want = want.format(
                mode=mode, bursts=10 if limited else 11,
                suppressed=("record: 4,SEQ,USEC,-;kmsg_log: 1 output lines suppressed due to "
                            "ratelimiting\n") if limited else "")
        if r.status != 0:
            problems.append("exit status %s, expected 0" % r.status)
        if r.stdout.decode("utf-8", "replace") != want:
            problems.append("stdout differs from the expected:\n" +
                            fl.stdout_diff(want.encode(), r.stdout))
        if a.case == "segv" and not problems:
            problems += check_kernel_log_row(db)
        return fl.report("kmsg %s" % a.case, problems, [("faultline", r)])

    busybox = shutil.which("busybox")
    dmesg = shutil.which("dmesg")
    if not busybox or not dmesg:
        print("SKIP: busybox or util-linux dmesg not installed")
        return 77

    if a.case == "dmesg-segv":
        script = ('%s/null_deref; echo "status $?"; echo "-- dmesg -x"; %s -x; '
                  'echo "-- dmesg -r"; %s -r; echo "-- busybox dmesg -r"; busybox dmesg -r'
                  % (a.guest_dir, dmesg, dmesg))
        r, got = run_sections(a, busybox, script, work, [], "null_deref", 139, problems)
        forms = {
            "dmesg -x": r"^kern  :info  : " + TIME + SEGV_RE + "$",
            "dmesg -r": r"^<6>" + TIME + SEGV_RE + "$",
            "busybox dmesg -r": r"^<6>" + TIME + SEGV_RE + "$",
        }
        for name, rx in forms.items():
            found = re.findall(rx, got.get(name, ""), flags=re.M)
            if len(found) != 1:
                problems.append("%s: %d lines like %r, expected 1" % (name, len(found), rx))
        return fl.report("kmsg dmesg-segv", problems, [("faultline", r)])

    if a.case == "follow":
        r = fl.run(fl.faultline_argv(a.faultline, busybox, ["sh", "-c", "echo hello >/dev/kmsg;"
                                                             " exec busybox cat /dev/kmsg"],
                                     no_log=True, quiet=False),
                   cwd=work, timeout=a.timeout)
        out = r.stdout.decode("utf-8", "replace")
        err = r.stderr.decode("utf-8", "replace")
        if r.status != 137:
            problems.append("exit status %s, expected 137 (the blocked guest killed)" % r.status)
        if not re.fullmatch(r"12,0,\d+,-;hello\n", out):
            problems.append("stdout %r, expected the one record '12,0,USEC,-;hello'" % out)
        if not re.search(r"every guest process is blocked: \d+ \(busybox\) in read of the "
                         r"kernel log\n", err):
            problems.append("stderr does not say the guest waits in a read of the kernel log")
        return fl.report("kmsg follow", problems, [("faultline", r)])

    if a.case == "dmesg-oom":
        thrash = os.path.join(a.guest_dir, "swap_thrash")
        script = ('%s 48 2 noreserve >/dev/null; echo "status $?"; echo "-- dmesg"; %s; '
                  'echo "-- busybox dmesg"; busybox dmesg; echo "-- dmesg -r"; %s -r'
                  % (thrash, dmesg, dmesg))
        r, got = run_sections(a, busybox, script, work, ["--ram", "16M"], "swap_thrash", 137,
                              problems)
        for name in ("dmesg", "busybox dmesg"):
            text = got.get(name, "")
            chose = re.findall(r"^" + TIME + r"Out of memory: Kill process (\d+) \(swap_thrash\)"
                               r" score \d+ or sacrifice child$", text, flags=re.M)
            killed = re.findall(r"^" + TIME + r"Killed process (\d+) \(swap_thrash\) "
                                r"total-vm:\d+kB, anon-rss:\d+kB, file-rss:\d+kB", text,
                                flags=re.M)
            if len(chose) != 1 or chose != killed:
                problems.append("%s: Out of memory lines %s, Killed process lines %s; expected "
                                "one of each, for the same pid" % (name, chose, killed))
        # each line at its 4.20 level: dump_header's pr_warn, dump_tasks' pr_info, the kill's
        # pr_err, show_mem's plain printk (the default, 4)
        raw = got.get("dmesg -r", "")
        for level, line in (("4", "swap_thrash invoked oom-killer: "), ("6", "Tasks state "),
                            ("4", "Mem-Info:"), ("3", "Out of memory: Kill process "),
                            ("3", "Killed process ")):
            levels = re.findall(r"^<(\d+)>" + TIME + re.escape(line), raw, flags=re.M)
            if levels != [level]:
                problems.append("dmesg -r: %r at levels %s, expected [%s]" % (line, levels, level))
        return fl.report("kmsg dmesg-oom", problems, [("faultline", r)])

    print("unknown case %s" % a.case)
    return 2


if __name__ == "__main__":
    sys.exit(main())
