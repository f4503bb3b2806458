#!/usr/bin/env python3
"""sys_node.py - the machine's NUMA node in /sys/devices/system/node is the model's.

    sys_node.py --faultline FAULTLINE --guest-dir DIR --workdir DIR

Under `faultline run --ram 256M`, the guest's one node is the model's machine (one CPU, 256 MiB),
as Linux 4.20's drivers/base/node.c shows it, not the host's nodes, CPUs and memory. Natively the
files are the host's, so the node files are checked against the guest's own /proc and CPU files:

- tests/guest/sys_node reads /proc/meminfo and node0/meminfo back to back: MemTotal 262144 kB in
  both, and every counter the two share the same (MemFree, Active, ..., and MemUsed, FilePages
  as /proc/meminfo's difference and sum); node0/cpulist is /sys/devices/system/cpu/online ("0"),
  node0/cpumap the mask of one CPU ("1"), distance "10", the node masks "0".
- the real numactl --hardware: "node 0 cpus: 0", "node 0 size: 256 MB", distance 10.
- a shell in node0 reads ../node0/meminfo and cpulist by relative names, /sys/bus/node's link
  leads to the same files, a write open is refused, listings show node0 and cpu0 only, and
  names the machine does not have (node0/cpu1, a node1, a later kernel's reclaim and
  has_generic_initiator) are not there to a lookup either; node0/cpu0/../online (a ".." after
  the link to cpu/cpu0) and cpu/../cpu//online are the model's cpu/online; node0's memoryN
  links are only those of the blocks (the host's block_size_bytes) 256 MiB reaches.
- as root, vm.numa_stat 0 clears numastat's and /proc/vmstat's NUMA counters and stops them
  (the kernel says "disable numa statistics, and clear numa counters"), 1 restarts them.
"""

import os
import re
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402

NODE = "/sys/devices/system/node"


def main():
    faultline, guest_dir, wd = fh.guest_dir_and_workdir(__doc__)
    prog = os.path.join(guest_dir, "sys_node")
    opts = ["--ram", "256M"]
    problems, runs = [], []

    r = fh.run(fh.faultline_argv(faultline, prog, [], no_log=True, options=opts), cwd=wd)
    runs.append(("sys_node", r))
    out = r.stdout.decode(errors="replace")
    if r.status != 0:
        problems.append("sys_node: status %s" % r.status)
    counters = {}
    files = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and "/" not in f[0]:
            counters[f[0]] = (int(f[1]), int(f[2]))
        elif len(f) >= 2:
            files[f[0]] = " ".join(f[1:])
    if counters.get("MemTotal") != (262144, 262144):
        problems.append("MemTotal (/proc/meminfo, node0/meminfo) under --ram 256M: %r"
                        % (counters.get("MemTotal"),))
    if len(counters) < 29:
        problems.append("sys_node compared %d counters, expected 29:\n%s" % (len(counters), out))
    for name, (proc, node) in sorted(counters.items()):
        if proc != node or proc < 0:
            problems.append("%s: /proc/meminfo says %d kB, node0/meminfo %d kB" % (name, proc, node))
    online = files.get("cpu/online")
    for name, want in (("node0/cpulist", online), ("node0/cpumap", "1"), ("node0/distance", "10"),
                       ("online", "0"), ("possible", "0"), ("has_memory", "0"),
                       ("has_normal_memory", "0"), ("has_cpu", "0")):
        if files.get(name) != want or want is None:
            problems.append("%s: %r, expected %r (cpu/online %r)" % (name, files.get(name), want,
                                                                    online))

    numactl = shutil.which("numactl")
    if numactl:
        r = fh.run(fh.faultline_argv(faultline, numactl, ["--hardware"], no_log=True,
                                     options=opts), cwd=wd)
        runs.append(("numactl", r))
        out = r.stdout.decode(errors="replace")
        for want in ("available: 1 nodes (0)\n", "node 0 cpus: 0\n", "node 0 size: 256 MB\n",
                     "  0:  10 \n"):
            if want not in out:
                problems.append("numactl --hardware has no %r:\n%s" % (want, out))
        m = re.search(r"node 0 free: (\d+) MB", out)
        if not m or int(m.group(1)) > 256:
            problems.append("numactl --hardware: free memory %r" % (m and m.group(0)))
    else:
        print("numactl not installed: its check left out")

    script = ("cd %s/node0 && cat cpulist && grep MemTotal ../node0/./meminfo && "
              "cat /sys/bus/node/devices/node0/cpulist && "
              "grep -c . /sys/bus/node/devices/node0/numastat && "
              "{ echo 1 > cpulist || echo refused; } && ls %s | tr '\\n' ' ' && echo && "
              "ls | grep -E '^(cpu|node)[0-9]' | tr '\\n' ' '; echo; "
              "for n in cpu1/online reclaim ../node1/meminfo ../has_generic_initiator; do "
              "test -e $n && echo \"$n is there\"; done; echo end; "
              "cat cpu0/../online /sys/devices/system/cpu/../cpu//online; "
              "echo \"links: $(ls | grep '^memory[0-9]' | tr '\\n' ' ')\"" % (NODE, NODE))
    r = fh.run(fh.faultline_argv(faultline, "/bin/sh", ["-c", script], no_log=True,
                                 options=opts), cwd=wd)
    runs.append(("sh", r))
    lines = r.stdout.decode(errors="replace").splitlines()
    want = ["0", "Node 0 MemTotal:         262144 kB", "0", "6", "refused"]
    if lines[:5] != want:
        problems.append("relative names in node0: %r, expected %r" % (lines[:5], want))
    listing = lines[5].split() if len(lines) > 5 else []
    if [n for n in listing if re.match(r"node\d", n)] != ["node0"] or \
            "has_generic_initiator" in listing:
        problems.append("ls %s: %r" % (NODE, listing))
    if len(lines) < 7 or lines[6].split() != ["cpu0"]:
        problems.append("ls node0's CPUs and nodes: %r" % (lines[6:],))
    if lines[7:8] != ["end"]:
        problems.append("names the machine does not have: %r" % (lines[7:],))
    # cpu0 is a link to ../../cpu/cpu0: its ".." is the CPU directory, whose online is the model's
    if lines[8:10] != [online, online] or not lines[10:11] or lines[10][:6] != "links:":
        problems.append("cpu0/../online and cpu/../cpu//online: %r, expected cpu/online %r twice"
                        % (lines[8:10], online))
    # node0's memoryN links: the host's memory blocks the model's 256 MiB reaches, no others
    try:
        with open("/sys/devices/system/memory/block_size_bytes") as f:
            blocks = -(-(256 << 20) // int(f.read(), 16))
    except OSError:
        blocks = None
    memory = [m for line in lines if line.startswith("links:") for m in line.split()[1:]]
    if blocks is not None and any(int(m[6:]) >= blocks for m in memory):
        problems.append("node0 links memory blocks past 256 MiB (%d blocks): %r"
                        % (blocks, memory))

    # vm.numa_stat (root may write it): 0 clears the NUMA counters and stops them, 1 restarts them
    if os.geteuid() == 0:
        script = ("N=%s/node0/numastat; grep -c . $N; echo 0 > /proc/sys/vm/numa_stat && "
                  "grep -E '^(numa_hit|local_node)' $N; grep -E '^numa_(hit|local) ' /proc/vmstat; "
                  "echo 1 > /proc/sys/vm/numa_stat && grep '^numa_hit' $N" % NODE)
        r = fh.run(fh.faultline_argv(faultline, "/bin/sh", ["-c", script], no_log=True,
                                     options=opts), cwd=wd)
        runs.append(("numa_stat", r))
        lines = r.stdout.decode(errors="replace").splitlines()
        want = ["6", "numa_hit 0", "local_node 0", "numa_hit 0", "numa_local 0"]
        if lines[:5] != want or len(lines) != 6 or not re.fullmatch(r"numa_hit [1-9]\d*", lines[5]):
            problems.append("vm.numa_stat 0 then 1: %r, expected %r and then numa_hit > 0"
                            % (lines, want))
        if b"disable numa statistics, and clear numa counters" not in r.stderr:
            problems.append("vm.numa_stat 0: no \"disable numa statistics\" line")
    else:
        print("not root: vm.numa_stat's check left out")

    return fh.report("the node files are the model's machine", problems, runs)


if __name__ == "__main__":
    sys.exit(main())
