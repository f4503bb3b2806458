#!/usr/bin/env python3
"""footprint.py - faultline's own memory while a guest waits: the translated-code buffers.

Each CPU engine has a translated-code buffer (--code-cache, 128 MiB by default). Unicorn 2.1.1
zeroes all of it whenever all code is dropped, which faultline used to do once as it set each
engine up: the buffer was resident from the start, and later, once those zeroed pages were
given back, still for a moment (the peak RSS, VmHWM). Now a buffer costs what the code
translated into it so far, at every moment (mmu/code_buffer.c). While the guest waits, faultline
should also mostly sleep. The guest waits reading faultline's stdin, the test reads
/proc/PID/smaps, status and its threads' context switches meanwhile, then lets the guest
finish and checks its output.

  one-engine   busybox head -c 1: one engine
  two-engines  a shell that ran a busy background child first: the time-sliced engine too

usage: footprint.py --faultline F --busybox B CASE
"""

import argparse
import os
import subprocess
import sys
import time

MIB = 1 << 20
# Code a small program translates, rounded up to the host's 2 MiB huge pages (Unicorn asks for
# them on the buffer), with room: far below the 128 MiB buffer being resident.
MAX_CODE_BUFFER_RSS = 8 * MIB
# How far faultline's peak RSS may be above its RSS while the guest waits: what a short run
# frees again (a few MiB of start-up), far below a code buffer resident for a moment.
MAX_PEAK_ABOVE_NOW = 12 * MIB
# Wakeups of faultline's threads in a second while the guest waits for its stdin: about one (the
# scheduler's wait is cut into 1 s steps); it used to poll every 10 ms (100), with the CPU-time
# ticker's 250 on top.
MAX_IDLE_WAKEUPS = 50

CASES = {
    "one-engine": (["head", "-c", "1"], 1),
    "two-engines": (["sh", "-c", "yes >/dev/null & sleep 0.3; kill $!; wait; head -c 1"], 2),
}


def blocked_in_read(pid):
    """True when faultline's main thread waits for the guest's stdin (head -c 1 reading it):
    the guest is parked on the host pipe and the scheduler polls it (poll(2) with one fd or
    more; a sleeping guest would be a poll of no fds), or, in builds before 2026-12-06, a
    read(2) of it."""
    try:
        with open("/proc/%d/syscall" % pid) as f:
            fields = f.read().split()
    except OSError:
        return False
    if len(fields) > 2 and fields[0] == "7":  # poll(fds, nfds, timeout)
        return int(fields[2], 16) >= 1
    return len(fields) > 1 and fields[0] == "0"


def code_buffers(pid):
    """[(range, rss bytes)] of faultline's rwx anonymous mappings: the engines' code buffers.
    A buffer can show as two pieces one page apart: faultline makes the page 7/8 of the way
    through inaccessible (the guard that tells it the buffer is nearly full)."""
    out, firsts = [], []  # (start, end) of the first piece of each buffer, or None
    cur = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5 and ":" in head[3]:
                anon = len(head) == 5 or head[5].startswith("[")
                start, end = (int(x, 16) for x in head[0].split("-"))
                cur = None
                if head[1] == "rwxp" and anon:
                    first = firsts[-1] if firsts else None
                    # the piece after the guard is the last eighth (give or take the guard page
                    # and the inaccessible page Unicorn leaves at the end)
                    if first and start == first[1] + 4096 and \
                            abs(7 * (end - start) - (first[1] - first[0])) <= 16 * 4096:
                        cur = len(out) - 1
                        out[cur] = ("%x-%x" % (first[0], end), out[cur][1])
                        firsts[-1] = None
                    else:
                        out.append((head[0], 0))
                        firsts.append((start, end))
                        cur = len(out) - 1
            elif cur is not None and head[0] == "Rss:":
                out[cur] = (out[cur][0], out[cur][1] + int(head[1]) * 1024)
    return out


def wakeups(pid):
    """Voluntary context switches of all of pid's threads so far: how often they slept and woke."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        total += int(line.split()[1])
        except OSError:
            pass  # a thread that ended meanwhile
    return total


def status_bytes(pid, field):
    """A kB line of /proc/PID/status (VmRSS, VmHWM) in bytes."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--busybox", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("case", choices=sorted(CASES))
    a = ap.parse_args()
    argv, engines = CASES[a.case]

    p = subprocess.Popen([a.faultline, "run", "--quiet", "--no-log", "--", a.busybox] + argv,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + a.timeout
    while not blocked_in_read(p.pid):
        if p.poll() is not None or time.monotonic() > deadline:
            p.kill()
            out, err = p.communicate()
            print("FAIL: the guest never waited on stdin (status %s): %s" % (p.returncode, err))
            return 1
        time.sleep(0.02)
    # faultline's threads while the guest waits: the scheduler waits in poll(2) on the guest's
    # stdin, the CPU-time ticker (250 Hz) sleeps while nothing runs
    w0 = wakeups(p.pid)
    time.sleep(1.0)
    woke = wakeups(p.pid) - w0
    buffers = code_buffers(p.pid)
    rss, peak = status_bytes(p.pid, "VmRSS"), status_bytes(p.pid, "VmHWM")
    out, err = p.communicate(b"x", timeout=a.timeout)

    ok = True
    print("faultline RSS %.1f MiB, peak %.1f MiB; code buffers:" % (rss / MIB, peak / MIB))
    for rng, r in buffers:
        print("  %s  %.2f MiB resident" % (rng, r / MIB))
    if len(buffers) != engines:
        print("FAIL: expected %d code buffers (engines), found %d" % (engines, len(buffers)))
        ok = False
    for rng, r in buffers:
        if r > MAX_CODE_BUFFER_RSS:
            print("FAIL: code buffer %s has %.1f MiB resident (at most %d MiB expected)"
                  % (rng, r / MIB, MAX_CODE_BUFFER_RSS // MIB))
            ok = False
    print("faultline's threads woke %d times in the second the guest waited" % woke)
    if woke > MAX_IDLE_WAKEUPS:
        print("FAIL: more than %d wakeups in a second of waiting" % MAX_IDLE_WAKEUPS)
        ok = False
    if peak - rss > MAX_PEAK_ABOVE_NOW:
        print("FAIL: the peak RSS is %.1f MiB above the RSS now (at most %d MiB expected): "
              "something was resident for a moment" % ((peak - rss) / MIB, MAX_PEAK_ABOVE_NOW // MIB))
        ok = False
    if p.returncode != 0 or out != b"x":
        print("FAIL: guest ended with status %d, stdout %r, stderr %r" % (p.returncode, out, err))
        ok = False
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
