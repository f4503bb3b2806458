#!/usr/bin/env python3
"""host_signals.py - signals a host process sends to `faultline run` reach the guest.

The guest's processes are not host processes: `kill PID` reaches faultline, which passes it on to
its first guest process as the kernel would have delivered it (emu/host_signals.h). Each case
runs tests/guest/host_kill natively and under faultline, sends both the same signals once the
program says "ready", and wants the same lines out and the same status (faultline says 128+N
where the native process was killed by signal N, as a shell would):
  wait       SIGUSR1, SIGTERM by sigqueue (value 7), SIGHUP, SIGUSR2: sigwaitinfo sees each with
             its code, our pid and uid as the sender (and the value)
  spin       a SIGTERM handler in a loop without system calls: it runs, status 0; the SIGTERM
             is sent twice at once, as timeout(1) sends it (to the command, then its group), and
             the second merges with the first as natively
  spin-kill  the same loop without a handler: killed by SIGTERM; the log's runs row says so
  pause      pause() without a terminal is no deadlock: SIGUSR1's handler wakes it, SIGTERM kills
  inherited  SIGHUP ignored and SIGUSR2 blocked by the launcher: the guest starts with both, as
             execve keeps them (nohup), so the SIGHUP sent does nothing and SIGTERM kills
  gone       the first process has exited and an orphan lives on: SIGTERM has nobody to go to
             and ends the run (faultline only: 143 at once, not after the orphan's 20 s)

usage: host_signals.py --faultline F --guest HOST_KILL CASE
"""

import argparse
import ctypes
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

SEND = {
    "wait": [("kill", signal.SIGUSR1), ("queue", signal.SIGTERM), ("kill", signal.SIGHUP),
             ("kill", signal.SIGUSR2)],
    "spin": [("kill", signal.SIGTERM), ("again", signal.SIGTERM)],
    "spin-kill": [("kill", signal.SIGTERM)],
    "pause": [("kill", signal.SIGUSR1), ("kill", signal.SIGTERM)],
    "inherited": [("kill", signal.SIGHUP), ("kill", signal.SIGTERM)],
}
WANT = {
    "wait": (["ready", "User defined signal 1 code=SI_USER pid=sender uid=ours",
              "Terminated code=SI_QUEUE pid=sender uid=ours value=7",
              "Hangup code=SI_USER pid=sender uid=ours",
              "User defined signal 2 code=SI_USER pid=sender uid=ours"], 0),
    "spin": (["ready", "caught Terminated (1)"], 0),
    "spin-kill": (["ready"], -signal.SIGTERM),
    "pause": (["ready", "woke by User defined signal 1"], -signal.SIGTERM),
    "inherited": (["SigBlk:\t0000000000000800", "SigIgn:\t0000000000000001", "ready"],
                  -signal.SIGTERM),
}


def sigqueue(pid, sig, value):
    """sigqueue(3) from this process (Python has none): union sigval goes in a register."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.sigqueue(ctypes.c_int(pid), ctypes.c_int(sig), ctypes.c_long(value)) != 0:
        raise OSError(ctypes.get_errno(), "sigqueue")


def launcher_masks():
    """The launcher of the `inherited` case: SIGHUP ignored, SIGUSR2 blocked, as nohup and a
    process that blocks a signal around its fork and exec leave them."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})


def run_case(cmd, case, timeout):
    """Start cmd, send the case's signals after "ready", 0.3 s apart; its lines and status."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=launcher_masks if case == "inherited" else None)
    lines = []
    deadline = time.monotonic() + timeout
    while True:
        line = p.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if line == "ready\n":
            break
    for how, sig in SEND[case]:
        if how != "again":
            time.sleep(0.3)
        if how == "queue":
            sigqueue(p.pid, sig, 7)
        else:
            os.kill(p.pid, sig)
    try:
        out, err = p.communicate(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        err += "\n(timed out)"
    lines += out.splitlines()
    return lines, p.returncode, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("case", choices=list(SEND) + ["gone"])
    a = ap.parse_args()
    fails = []
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "run.db")
        fl = [a.faultline, "run", "--quiet", "--db", db, "--"]
        if a.case == "gone":
            t0 = time.monotonic()
            lines, status, err = run_case(
                fl + ["/bin/sh", "-c", "/bin/sleep 20 & echo ready; exec /bin/true"], "spin",
                a.timeout)
            took = time.monotonic() - t0
            print("faultline: %r status %d in %.1f s, stderr %r" % (lines, status, took, err))
            if status != 128 + signal.SIGTERM or took > 10:
                fails.append("want status 143 soon after the SIGTERM")
        else:
            args = [a.guest, a.case if a.case != "spin-kill" else "spin-default"]
            if a.case == "wait":
                args += [str(os.getpid()), str(len(SEND["wait"]))]
            results = {}
            for name, cmd in (("native", args), ("faultline", fl + args)):
                lines, status, err = run_case(cmd, a.case, a.timeout)
                if name == "faultline" and status > 128:
                    status = -(status - 128)  # 128+N: the guest was killed by N
                results[name] = (lines, status)
                print("%-9s %r status %d stderr %r" % (name, lines, status, err))
            want = WANT[a.case]
            for name, got in results.items():
                if got != want:
                    fails.append("%s: got %r, want %r" % (name, got, want))
            if a.case == "spin-kill":
                row = sqlite3.connect(db).execute(
                    "SELECT status, term_signal FROM runs").fetchone()
                print("runs row", row)
                if row != ("killed", signal.SIGTERM):
                    fails.append("the runs row says %r, not killed by SIGTERM" % (row,))
    for f in fails:
        print("FAIL:", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
