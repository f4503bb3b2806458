# The guest's /proc listing: ps, pidof and pgrep see the guest's processes (pids from 1000),
# not the host's; a relative path under /proc (pidof's chdir("/proc") + "1001/stat") is too.
sleep 30 &
ps -o pid=,ppid=,comm=
pidof sleep
pgrep -x sleep
cd /proc && cat 1001/comm && readlink self/exe
ls /proc | grep -c '^[0-9]' # bash, sleep, ls, grep
kill $!
wait
exit 0
