#!/usr/bin/env python3
"""external_socket.py - a guest talking over TCP to a host process, both ways.

While the guest waits for a peer outside the guest (every guest process parked), faultline
must wait on the host socket, not call it a deadlock, and must not block anything else.
  client  a host server that answers only after 300 ms; the guest client's recv parks
  server  the guest listens and prints its port; a host client connects 300 ms later

usage: external_socket.py --faultline F --guest G CASE
"""

import argparse
import socket
import subprocess
import sys
import threading
import time


def host_server(ls, delay):
    conn, _ = ls.accept()
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(64)
        if not chunk:
            break
        data += chunk
    time.sleep(delay)
    conn.sendall(data.upper())
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("case", choices=["client", "server"])
    a = ap.parse_args()
    run = [a.faultline, "run", "--quiet", "--no-log", "--"]
    ok = True
    t0 = time.monotonic()
    if a.case == "client":
        ls = socket.socket()
        ls.bind(("127.0.0.1", 0))
        ls.listen(1)
        threading.Thread(target=host_server, args=(ls, 0.3), daemon=True).start()
        p = subprocess.run(run + [a.guest, "client", str(ls.getsockname()[1])],
                           capture_output=True, timeout=a.timeout)
        want = b"external: client got 'HELLO SERVER'\n"
        print("guest stdout %r, status %d, stderr %r" % (p.stdout, p.returncode, p.stderr))
        ok = p.returncode == 0 and p.stdout == want
    else:
        p = subprocess.Popen(run + [a.guest, "server"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        line = p.stdout.readline()
        port = int(line.split()[1]) if line.startswith(b"port ") else 0
        time.sleep(0.3)
        answer = b""
        if port:
            with socket.create_connection(("127.0.0.1", port), timeout=a.timeout) as c:
                c.sendall(b"hello server\n")
                while not answer.endswith(b"\n"):
                    chunk = c.recv(64)
                    if not chunk:
                        break
                    answer += chunk
        out, err = p.communicate(timeout=a.timeout)
        print("port line %r, answer %r, guest status %d, stdout %r, stderr %r"
              % (line, answer, p.returncode, out, err))
        ok = (answer == b"HELLO SERVER\n" and p.returncode == 0 and
              out == b"external: server read 13 bytes from a peer of family AF_INET\n")
    print("%.2f s" % (time.monotonic() - t0))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
