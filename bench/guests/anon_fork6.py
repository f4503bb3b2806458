# bench/guests/anon_fork6.py - six processes writing anonymous memory at once: a python3 parent
# forks 6 children, each writes one byte of every page of a 12 MiB bytearray, twice (or as many
# times as argv[1] says), and exits.
# Under a small --ram with swap, every reclaim walks the reverse map of anonymous pages of six
# mms (bench/README.md, "Reclaim"). Run: faultline run -q --ram 48M --swap 256M --reclaim lru
# --db X -- /usr/bin/python3 bench/guests/anon_fork6.py
import os
import sys

N, SIZE = 6, 12 << 20
PASSES = int(sys.argv[1]) if len(sys.argv) > 1 else 2
pids = []
for _ in range(N):
    pid = os.fork()
    if pid == 0:
        b = bytearray(SIZE)
        for _ in range(PASSES):
            for i in range(0, SIZE, 4096):
                b[i] = (b[i] + 1) & 255
        os._exit(0)
    pids.append(pid)
for pid in pids:
    os.waitpid(pid, 0)
