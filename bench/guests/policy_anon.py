# bench/guests/policy_anon.py - docs/walkthroughs.md exercise 6's anonymous variant: an 8 MiB hot
# set written again and again while a 64 MiB cold one is written 1 MiB more each step, 4 rounds.
# Run: faultline run -q --ram 48M --swap 128M --major-faults=model --reclaim POLICY --db X --
# /usr/bin/python3 bench/guests/policy_anon.py
import mmap

hot = mmap.mmap(-1, 8 << 20)
cold = mmap.mmap(-1, 64 << 20)
for round in range(4):
    for mib in range(64):
        for i in range(0, len(hot), 4096):
            hot[i] = 1
        for i in range(mib << 20, (mib + 1) << 20, 4096):
            cold[i] = 1
