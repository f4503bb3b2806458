"""terminal.py - a real terminal for tests: a command in its own tmux server, keys sent to it,
its screen polled until the expected text appears (bounded waits, never a fixed long sleep),
and its exit status read from a file the shell writes. Used by tui_screen.py and
tty_signals.py."""

import os
import re
import shlex
import subprocess
import time


class Fail(Exception):
    pass


class Terminal:
    def __init__(self, argv, workdir, name, width=80, height=24, stderr=True):
        """Run argv in a width x height window; its stderr goes to WORKDIR/NAME.stderr unless
        stderr is False (then it is on the screen too)."""
        self.sock = "flterm-%s-%d" % (name, os.getpid())
        self.status_file = os.path.join(workdir, name + ".status")
        if os.path.exists(self.status_file):
            os.unlink(self.status_file)
        cmd = " ".join(shlex.quote(c) for c in argv)
        if stderr:
            cmd += " 2>" + shlex.quote(os.path.join(workdir, name + ".stderr"))
        # The window outlives the command (close() ends it), so its last screen can be read;
        # the shell around the command survives a Ctrl-C meant for the command (a trap that
        # runs a command is reset to the default action in the child).
        script = "trap true INT QUIT; %s; echo $? > %s; exec sleep 3600" % (
            cmd, shlex.quote(self.status_file))
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height),
                  "exec bash -c " + shlex.quote(script))

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock] + list(args), check=True,
                              capture_output=True, text=True, timeout=10).stdout

    def screen(self):
        return self.tmux("capture-pane", "-p")

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def wait(self, what, timeout=20.0, desc=None, settled=False):
        """Poll the screen until what (a regex or a predicate on the screen) holds.

        settled: also until the screen is the same in two captures 50 ms apart. The program
        draws its panels one after another, so the text waited for (the status line, a title)
        can be on screen before the rest of the frame that a caller then checks."""
        deadline = time.monotonic() + timeout
        pred = (lambda s: re.search(what, s)) if isinstance(what, str) else what
        s = ""
        while time.monotonic() < deadline:
            s = self.screen()
            try:
                ok = pred(s)
            except Fail:  # a half-drawn screen
                ok = False
            if ok and settled:
                time.sleep(0.05)
                ok = self.screen() == s
            if ok:
                return s
            time.sleep(0.05)
        raise Fail("timed out waiting for %s; screen:\n%s" % (desc or what, s))

    def wait_sleeping(self, timeout=20.0):
        """Until the command in the window sleeps: natively in a blocking call, under faultline
        with its emulator thread parked in one for the guest. A key typed before the command
        gets back into its read can race with it (a Ctrl-C then runs the handler before the
        read, which waits on): seen under the sanitizer build on a loaded machine."""
        shell = int(self.tmux("display", "-p", "#{pane_pid}").strip())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open("/proc/%d/task/%d/children" % (shell, shell)) as f:
                    kids = [int(k) for k in f.read().split()]
                for k in kids:
                    with open("/proc/%d/stat" % k) as f:
                        if f.read().rsplit(")", 1)[1].split()[0] == "S":
                            return
            except (OSError, ValueError, IndexError):
                pass
            time.sleep(0.02)
        raise Fail("the command did not go to sleep; screen:\n" + self.screen())

    def exit_status(self):
        """The command's exit status once it has ended, else None."""
        if os.path.exists(self.status_file):
            with open(self.status_file) as f:
                txt = f.read().strip()
            if txt:
                return int(txt)
        return None

    def wait_exit(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.exit_status()
            if status is not None:
                return status
            time.sleep(0.05)
        raise Fail("the command did not exit; screen:\n" + self.screen())

    def close(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], capture_output=True)
