#!/usr/bin/env python3
"""tty_signals.py - the terminal's signals reach the guest as they reach a native program.

    tty_signals.py --faultline F --guest-dir D --workdir W CASE

Each case types the same keys into a program run natively and under `faultline run` in a tmux
window (emu/tty_signals.h) and compares what the two windows show and how the two runs end:

  handler      tests/guest/tty_signals: Ctrl-C interrupts its read with EINTR and runs its
               SIGINT handler, a resize runs its SIGWINCH handler; two Ctrl-C end it (status 0)
  default      cat reading the terminal, no handler: Ctrl-C ends it (status 130); the log says
               the guest was killed by SIGINT
  python       the python3 REPL: Ctrl-C in time.sleep() and in input() raises
               KeyboardInterrupt and the REPL goes on
  bash-job     an interactive bash: Ctrl-C ends the foreground job (sleep, cat: $? is 130) and
               bash goes on (tcsetpgrp gives the job the terminal)
  bash-stop    an interactive bash: Ctrl-Z stops the foreground job (sleep) and bash says so
               and takes the terminal back; jobs lists it, fg continues it (Ctrl-C ends it)
  stop-self    an interactive bash on the host runs python3 (natively, or under faultline):
               Ctrl-Z stops it, and with it faultline, so the outer bash says "Stopped"; fg
               continues faultline, which continues the guest (its SIGCONT handler runs)
  thread-read  a thread prints while the main thread waits for a line from the terminal: the
               wait must not stop the other thread (it parks instead of blocking faultline)
  repl-thread  the same at the Python REPL's prompt, where readline waits in pselect6
  busy         a guest computing without system calls, SIGINT's default action: the first
               Ctrl-C ends it at once, as natively (130, runs.status 'killed' by signal 2)
  busy-handler the same guest with a SIGINT handler: the first Ctrl-C runs the handler at
               once (the engine stops precisely between two blocks), which ends the loop:
               "caught SIGINT", status 0, as natively
  busy-handler-icount  the same under --icount, whose block hook holds the engine's stop
               checks and takes the kick itself at the next block start
  busy-handler-max-insns  the same under --max-insns, whose hook before every instruction
               takes it before the next instruction
"""

import argparse
import os
import shutil
import sqlite3
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from terminal import Fail, Terminal  # noqa: E402


def run_both(opts, name, argv, script, width=80, height=24, stderr=True, fl_args=()):
    """Run argv natively and under faultline (with fl_args), each in its own terminal, through
    script (a function of the Terminal); returns [(screen, status, db)] for native and
    faultline. stderr=False: the program's stderr is on the screen too (prompts, tracebacks)."""
    out = []
    for side in ("native", "faultline"):
        db = os.path.join(opts.workdir, "%s-%s.db" % (name, side))
        for f in (db, db + "-wal", db + "-shm"):
            if os.path.exists(f):
                os.unlink(f)
        cmd = argv if side == "native" else ([opts.faultline, "run", "-q", "--db", db] +
                                             list(fl_args) + ["--"] + argv)
        t = Terminal(cmd, opts.workdir, "%s-%s" % (name, side), width, height, stderr)
        try:
            script(t)
            status = t.wait_exit(20)
            screen = t.screen()
        finally:
            t.close()
        out.append((screen, status, db))
    return out


def same(results, what):
    (native, nstatus, _), (emulated, estatus, _) = results
    strip = lambda s: [l.rstrip() for l in s.rstrip().splitlines()]  # noqa: E731
    if strip(native) != strip(emulated) or nstatus != estatus:
        raise Fail("%s: native (status %s):\n%s\n--- under faultline (status %s):\n%s"
                   % (what, nstatus, native, estatus, emulated))


def killed_by_sigint(results, what):
    """The same screens and statuses natively and under faultline, the guest killed by SIGINT:
    status 130, and the log's runs row says so."""
    same(results, what)
    if results[1][1] != 130:
        raise Fail("%s ended with status %s, not 130" % (what, results[1][1]))
    con = sqlite3.connect(results[1][2])
    row = con.execute("SELECT status, term_signal FROM runs").fetchone()
    con.close()
    if tuple(row) != ("killed", 2):
        raise Fail("the runs row says %r, not killed by SIGINT" % (row,))


def case_handler(opts):
    def script(t):
        t.wait("ready")
        t.keys("abc", "Enter")
        t.wait("read 4 bytes")
        t.wait_sleeping()  # back in read(2): a Ctrl-C before it would not interrupt it
        t.keys("C-c")
        t.wait("SIGINT 1")
        t.tmux("resize-window", "-x", "90", "-y", "20")
        time.sleep(0.3)
        t.keys("x", "Enter")
        t.wait("read 2 bytes")
        t.wait_sleeping()
        t.keys("C-c")
        t.wait("done")
    results = run_both(opts, "handler", [os.path.join(opts.guest_dir, "tty_signals")], script)
    same(results, "tty_signals")
    if "SIGWINCH: 90x20" not in results[1][0] or results[1][1] != 0:
        raise Fail("no SIGWINCH under faultline:\n" + results[1][0])


def case_default(opts):
    def script(t):
        t.keys("hello", "Enter")
        t.wait(r"hello\s+hello")
        t.keys("C-c")
    killed_by_sigint(run_both(opts, "default", ["/bin/cat"], script), "cat")


def at_prompt(screen):
    """The REPL waits for a line: its last line is the bare prompt (keys typed before it
    would be echoed ahead of it, differently from run to run)."""
    lines = screen.rstrip().splitlines()
    return bool(lines) and lines[-1].rstrip() == ">>>"


def case_python(opts):
    def script(t):
        t.wait(at_prompt, desc="the first prompt")
        t.keys("import time; time.sleep(30)", "Enter")
        time.sleep(0.5)
        t.keys("C-c")
        t.wait(lambda s: "KeyboardInterrupt" in s and at_prompt(s), desc="the prompt again")
        t.keys("input('name? ')", "Enter")
        t.wait(r"(?m)^name\? ?$", desc="the input() prompt")
        t.keys("C-c")
        t.wait(lambda s: s.count("KeyboardInterrupt") == 2 and at_prompt(s),
               desc="a second KeyboardInterrupt and the prompt")
        t.keys("print('alive')", "Enter")
        t.wait(lambda s: "\nalive" in s and at_prompt(s), desc="the REPL to go on")
        t.keys("exit()", "Enter")
    env = ["env", "PYTHONSTARTUP=", "HOME=" + opts.workdir]  # no history file, no startup
    same(run_both(opts, "python", env + ["/usr/bin/python3", "-q"], script, stderr=False),
         "python3 REPL")


def case_bash_job(opts):
    prompt = r"(?m)^\$ ?$"

    def script(t):
        t.wait(prompt, desc="the prompt")
        # a job sleeping, then one reading the terminal: Ctrl-C ends the job, not bash
        for job, rc in (("sleep 30", "rc"), ("cat", "rc2")):
            t.keys(job, "Enter")
            time.sleep(0.5)
            t.keys("C-c")
            t.wait(prompt, desc="the prompt")
            t.keys("echo %s=$?" % rc, "Enter")
            t.wait(rc + "=130")
            t.wait(prompt, desc="the prompt")
        t.keys("exit", "Enter")
    argv = ["env", "HISTFILE=/dev/null", "PS1=$ ", "/bin/bash", "--norc", "--noprofile", "-i"]
    same(run_both(opts, "bash", argv, script, stderr=False), "bash job control")


def prompts(n):
    """A predicate: the screen shows n prompts, the last one on the last line."""
    def pred(s):
        lines = [l.rstrip() for l in s.rstrip().splitlines()]
        return len([l for l in lines if l.startswith("$")]) >= n and lines[-1] == "$"
    return pred


def case_bash_stop(opts):
    def script(t):
        t.wait(prompts(1), desc="the prompt")
        t.keys("sleep 30", "Enter")
        time.sleep(0.5)
        t.keys("C-z")
        t.wait(r"Stopped\s+sleep 30")
        t.wait(prompts(2), desc="the prompt after the stop")
        t.keys("jobs", "Enter")
        t.wait(prompts(3), desc="the prompt after jobs")
        t.keys("fg", "Enter")
        t.wait(r"(?m)^sleep 30$", desc="fg naming the job")
        time.sleep(0.5)
        t.keys("C-c")
        t.wait(prompts(4), desc="the prompt after Ctrl-C")
        t.keys("echo rc=$?", "Enter")
        t.wait("rc=130")
        # (not kill %1 on the stopped job: natively, whether bash hears of SIGCONT before the
        # job ends of its SIGTERM is a race, and what it prints with it)
        t.wait(prompts(5), desc="the prompt")
        t.keys("exit", "Enter")
    argv = ["env", "HISTFILE=/dev/null", "PS1=$ ", "/bin/bash", "--norc", "--noprofile", "-i"]
    same(run_both(opts, "bash-stop", argv, script, stderr=False), "bash: Ctrl-Z, jobs, fg")


def case_stop_self(opts):
    # a program that echoes its lines and says when it is continued (SIGCONT handler)
    code = ("import signal, sys\n"
            "signal.signal(signal.SIGCONT, lambda *a: print('SIGCONT', flush=True))\n"
            "print('ready', flush=True)\n"
            "while True:\n"
            "    line = sys.stdin.readline()\n"
            "    if not line:\n"
            "        break\n"
            "    print('echo', line, end='', flush=True)\n")

    def script(t):
        t.wait(prompts(1), desc="the prompt")
        t.keys('$RUN python3 -c "$CODE"', "Enter")
        t.wait(r"(?m)^ready", desc="the program to start")
        t.keys("hello", "Enter")
        t.wait(r"echo hello")
        t.keys("C-z")
        t.wait(r"Stopped\s+\$RUN python3", desc="the outer bash to see the job stop")
        t.wait(prompts(2), desc="the prompt after the stop")
        t.keys("jobs", "Enter")
        t.wait(prompts(3), desc="the prompt after jobs")
        t.keys("fg", "Enter")
        t.wait(r"(?m)^SIGCONT", desc="the program to be continued")
        t.keys("again", "Enter")
        t.wait(r"echo again", desc="the program to go on")
        t.keys("C-d")
        t.wait(prompts(4), desc="the prompt after the program")
        t.keys("echo rc=$?", "Enter")
        t.wait("rc=0")
        t.wait(prompts(5), desc="the prompt")
        t.keys("exit", "Enter")
    out = []
    for side in ("native", "faultline"):
        run = "" if side == "native" else "%s run -q --no-log --" % opts.faultline
        argv = ["env", "HISTFILE=/dev/null", "PS1=$ ", "RUN=" + run, "CODE=" + code,
                "PYTHONSTARTUP=", "HOME=" + opts.workdir, "/bin/bash", "--norc", "--noprofile",
                "-i"]
        t = Terminal(argv, opts.workdir, "stop-self-" + side, width=100, stderr=False)
        try:
            script(t)
            status = t.wait_exit(20)
            screen = t.screen()
        finally:
            t.close()
        out.append((screen, status, None))
    same(out, "Ctrl-Z stopping python3 (and faultline) in an outer bash")


def case_thread_read(opts):
    code = ("import threading, time\n"
            "def count():\n"
            "    for i in range(5):\n"
            "        print('tick', i, flush=True)\n"
            "        time.sleep(0.1)\n"
            "t = threading.Thread(target=count)\n"
            "t.start()\n"
            "line = input('> ')\n"
            "t.join()\n"
            "print('got', line)\n")
    def script(t):
        t.wait("tick 4", timeout=10, desc="the thread to print while input() waits")
        t.keys("hello", "Enter")
        t.wait("got hello")
    same(run_both(opts, "thread-read", ["/usr/bin/python3", "-c", code], script),
         "python3: a thread and input()")


def case_repl_thread(opts):
    line = ("import threading, time; threading.Thread(target=lambda: [time.sleep(0.3)] + "
            "[print('tick', i) or time.sleep(0.1) for i in range(5)]).start()")

    def script(t):
        t.wait(">>>")
        t.keys(line, "Enter")
        t.wait("tick 4", timeout=10, desc="the thread to print while the prompt waits")
        t.keys("exit()", "Enter")
    env = ["env", "PYTHONSTARTUP=", "HOME=" + opts.workdir]
    same(run_both(opts, "repl-thread", env + ["/usr/bin/python3", "-q"], script, width=100,
                  stderr=False), "python3 REPL: a thread and the prompt")


def case_busy(opts):
    def script(t):
        time.sleep(0.5)
        t.keys("C-c")
    killed_by_sigint(run_both(opts, "busy", [os.path.join(opts.guest_dir, "spin")], script),
                     "spin")


def case_busy_handler(opts, name="busy-handler", fl_args=()):
    def script(t):
        time.sleep(0.5)
        t.keys("C-c")
    results = run_both(opts, name, [os.path.join(opts.guest_dir, "spin"), "handler"], script,
                       stderr=False, fl_args=fl_args)
    same(results, "spin handler " + " ".join(fl_args))
    if results[1][1] != 0 or "caught SIGINT" not in results[1][0]:
        raise Fail("the handler did not end the loop: status %s\n%s" % results[1][:2])
    con = sqlite3.connect(results[1][2])
    row = con.execute("SELECT status, exit_code FROM runs").fetchone()
    con.close()
    if tuple(row) != ("exited", 0):
        raise Fail("the runs row says %r, not exited with 0" % (row,))


def case_busy_handler_icount(opts):
    case_busy_handler(opts, "busy-handler-icount", ["--icount"])


def case_busy_handler_max_insns(opts):
    case_busy_handler(opts, "busy-handler-max-insns", ["--max-insns", "1000000000000"])


CASES = {"handler": case_handler, "default": case_default, "python": case_python,
         "bash-job": case_bash_job, "bash-stop": case_bash_stop, "stop-self": case_stop_self,
         "thread-read": case_thread_read,
         "repl-thread": case_repl_thread, "busy": case_busy,
         "busy-handler": case_busy_handler, "busy-handler-icount": case_busy_handler_icount,
         "busy-handler-max-insns": case_busy_handler_max_insns}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    opts = ap.parse_args()
    if not shutil.which("tmux"):
        print("SKIP: no tmux")
        return 77
    opts.faultline = os.path.abspath(opts.faultline)
    opts.guest_dir = os.path.abspath(opts.guest_dir)
    os.makedirs(opts.workdir, exist_ok=True)
    opts.workdir = os.path.abspath(opts.workdir)
    try:
        CASES[opts.case](opts)
    except Fail as e:
        print("FAIL: tty-%s: %s" % (opts.case, e))
        return 1
    print("OK: tty-%s" % opts.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
