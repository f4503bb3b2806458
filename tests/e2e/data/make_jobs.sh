#!/bin/sh
# make_jobs.sh - GNU make -j2 building a small library in the current directory: make waits
# for its jobs in pselect6 on the jobserver pipe, and each finished job's SIGCHLD (a handler
# with SA_RESTART) must end that wait with EINTR (tests/guest/wait_eintr.c has the calls alone).
set -e
for i in 1 2 3 4 5 6; do
    printf 'int f%d(int x) { return x * %d; }\n' "$i" "$i" >"f$i.c"
done
printf 'lib.a: f1.o f2.o f3.o f4.o f5.o f6.o\n\tar rcs $@ $^\n%%.o: %%.c\n\t%s -O2 -c $< -o $@\n' \
    "${CC:-cc}" >Makefile
make -j2 -s
ar t lib.a
