#!/usr/bin/env python3
"""sys_memory.py - the machine's memory blocks in /sys/devices/system/memory are the model's.

    sys_memory.py --faultline FAULTLINE --workdir DIR

Under `faultline run --ram 256M`, /sys/devices/system/memory shows the memory blocks of the
model's RAM, as Linux 4.20's drivers/base/memory.c shows them, not the host's. Natively the
directory is the host's, so the guest's files are checked against its own /proc/meminfo and
block_size_bytes (the host's block size: the one node0's memoryN links use):

- the listing's memoryN are memory0 to memory(B-1), B = MemTotal over block_size_bytes rounded
  up; each one's state "online", online 1, phys_index N as %08x, phys_device 0, removable 1,
  valid_zones a zone name; memoryB's directory and state are ENOENT; a write open is refused;
  auto_online_blocks says online or offline and refuses a write (it was the host's file).
- the real lsmem: "Total online memory: 256M", block size block_size_bytes, blocks 0-(B-1).
- the hugetlb pools, global and node0's, are the model's (empty, as /proc/meminfo says): each
  hstate directory lists 4.20's files only (no later kernel's demote), a demote is ENOENT, and
  as root a write of /proc/sys/vm/nr_overcommit_hugepages is what the 2048kB hstate's
  nr_overcommit_hugepages reads (one variable in 4.20), the host's file untouched.
Skipped (77) where the host has no memory hotplug directory (no block_size_bytes).
"""

import argparse
import os
import re
import shutil
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flharness as fh  # noqa: E402

MEM = "/sys/devices/system/memory"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faultline", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    faultline = os.path.abspath(args.faultline)
    fh.need_faultline(faultline)
    wd = fh.fresh_dir(args.workdir)
    if not os.path.exists(MEM + "/block_size_bytes"):
        print("the host has no %s/block_size_bytes: skipped" % MEM)
        return 77
    opts = ["--ram", "256M"]
    problems, runs = [], []

    script = ("cd %s && cat block_size_bytes && grep MemTotal /proc/meminfo && "
              "echo \"list: $(ls | grep '^memory[0-9]' | tr '\\n' ' ')\" && "
              "for d in memory[0-9]*; do echo \"$d $(cat $d/state $d/online $d/phys_index "
              "$d/phys_device $d/removable $d/valid_zones | tr '\\n' ' ')\"; done; "
              "B=$(( $(grep MemTotal /proc/meminfo | tr -dc 0-9) * 1024 / "
              "0x$(cat block_size_bytes) )); "
              "test -e memory$B && echo \"memory$B is there\"; cat memory$B/state 2>&1; "
              "{ echo offline > memory0/state; } 2>/dev/null || echo refused; "
              "cat auto_online_blocks; "
              "{ echo offline > auto_online_blocks; } 2>/dev/null || echo refused; echo end" % MEM)
    r = fh.run(fh.faultline_argv(faultline, "/bin/sh", ["-c", script], no_log=True,
                                 options=opts), cwd=wd)
    runs.append(("sh", r))
    lines = r.stdout.decode(errors="replace").splitlines()
    bs = total = None
    try:
        bs = int(lines[0], 16)
        total = int(re.fullmatch(r"MemTotal:\s+(\d+) kB", lines[1]).group(1)) * 1024
    except (IndexError, ValueError, AttributeError):
        problems.append("block_size_bytes and MemTotal: %r" % (lines[:2],))
    if bs and total:
        if total != 256 << 20:
            problems.append("MemTotal under --ram 256M: %d bytes" % total)
        blocks = -(-total // bs)
        names = ["memory%d" % n for n in range(blocks)]
        listed = lines[2].split()[1:] if len(lines) > 2 and lines[2].startswith("list:") else None
        if listed is None or sorted(listed) != sorted(names):
            problems.append("listing: %r, expected %r (%d bytes in blocks of %#x)"
                            % (listed, names, total, bs))
        attrs = {}
        for line in lines[3:]:
            f = line.split()
            if f and re.fullmatch(r"memory\d+", f[0]):
                attrs[f[0]] = f[1:]
        for n, name in enumerate(names):
            got = attrs.get(name)
            if not got or got[:5] != ["online", "1", "%08x" % n, "0", "1"] or len(got) != 6 or \
                    got[5] not in ("none", "DMA", "DMA32", "Normal", "Movable"):
                problems.append("%s's state online phys_index phys_device removable "
                                "valid_zones: %r" % (name, got))
        # auto_online_blocks: 4.20's words; a write refused, never the host's file
        auto = lines[-3] if len(lines) >= 3 else None
        want = ["cat: memory%d/state: No such file or directory" % blocks, "refused",
                auto if auto in ("online", "offline") else "online or offline", "refused", "end"]
        if lines[-5:] != want:
            problems.append("the block past the RAM, a write, auto_online_blocks and a write to "
                            "it: %r, expected %r" % (lines[-6:], want))

        lsmem = shutil.which("lsmem")
        if lsmem:
            r = fh.run(fh.faultline_argv(faultline, lsmem, [], no_log=True, options=opts),
                       cwd=wd)
            runs.append(("lsmem", r))
            out = r.stdout.decode(errors="replace")
            for want in ("Total online memory: %7s" % ("%dM" % (total >> 20)),
                         "Memory block size: %9s" % ("%dM" % (bs >> 20)),
                         " online " if blocks else "",
                         " 0-%d\n" % (blocks - 1) if blocks > 1 else " 0\n"):
                if not re.search(re.escape(want).replace("\\ ", " +"), out):
                    problems.append("lsmem says no %r:\n%s" % (want, out))
        else:
            print("lsmem not installed: its check left out")

    hp, node = "/sys/kernel/mm/hugepages", "/sys/devices/system/node/node0/hugepages"
    script = ("grep HugePages_Total /proc/meminfo; for d in %s/hugepages-* %s/hugepages-*; do "
              "echo \"$d: $(ls $d | tr '\\n' ' ')\"; grep -h . $d/nr_hugepages $d/free_hugepages "
              "$d/surplus_hugepages | tr '\\n' ' '; echo; test -e $d/demote && echo demote; done; "
              "cat %s/hugepages-1048576kB/demote 2>&1; echo end" % (hp, node, node))
    if os.geteuid() == 0:
        script += ("; echo 3 > /proc/sys/vm/nr_overcommit_hugepages && "
                   "cat %s/hugepages-2048kB/nr_overcommit_hugepages" % hp)
    r = fh.run(fh.faultline_argv(faultline, "/bin/sh", ["-c", script], no_log=True,
                                 options=opts), cwd=wd)
    runs.append(("hugepages", r))
    lines = r.stdout.decode(errors="replace").splitlines()
    if lines[:1] != ["HugePages_Total:       0"]:
        problems.append("/proc/meminfo's HugePages_Total: %r" % lines[:1])
    files = {"nr_hugepages", "free_hugepages", "surplus_hugepages"}
    glob = files | {"nr_hugepages_mempolicy", "nr_overcommit_hugepages", "resv_hugepages"}
    seen = 0
    for i, line in enumerate(lines):
        m = re.fullmatch(r"(\S+)/hugepages-\d+kB: (.*)", line)
        if not m:
            continue
        seen += 1
        want = glob if m.group(1) == hp else files
        if set(m.group(2).split()) != want:
            problems.append("%s lists %r, expected %r" % (line.split(":")[0], m.group(2),
                                                          sorted(want)))
        if lines[i + 1:i + 2] != ["0 0 0 "]:
            problems.append("%s's nr, free, surplus: %r, expected the model's empty pool"
                            % (line.split(":")[0], lines[i + 1:i + 2]))
    if not seen or "demote" in lines:
        problems.append("hugepages directories: %r" % lines)
    want = ["cat: %s/hugepages-1048576kB/demote: No such file or directory" % node, "end"]
    end = lines.index("end") + 1 if "end" in lines else len(lines)
    if os.path.exists(node + "/hugepages-1048576kB") and lines[end - 2:end] != want:
        problems.append("node0's demote: %r, expected %r" % (lines[end - 2:end], want))
    if os.geteuid() == 0 and lines[end:] != ["3"]:
        problems.append("nr_overcommit_hugepages after vm.nr_overcommit_hugepages=3: %r"
                        % lines[end:])

    return fh.report("the memory blocks and hugetlb pools are the model's machine", problems,
                     runs)


if __name__ == "__main__":
    sys.exit(main())
