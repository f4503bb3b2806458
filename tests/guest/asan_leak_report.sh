#!/bin/sh
# asan_leak_report.sh PROG - run an AddressSanitizer program and print the lines of its
# LeakSanitizer report that carry no addresses or pids; exit with PROG's status, or 99 when the
# report is missing (so a run where LeakSanitizer failed cannot pass for one where it worked).
out=$("$1" 2>&1)
status=$?
printf '%s\n' "$out" | grep -E '^(leaked|Direct leak|Indirect leak|SUMMARY)' || exit 99
exit $status
