# /proc/PID of other guest processes: a child's status, cmdline, exe, maps and fd listing are
# the child's (under faultline every guest process is in one host process, whose /proc/PID is
# not theirs).
sleep 30 & # ended below: it must outlive every look at it, however slow the build
child=$!
until [ "$(cat /proc/$child/comm 2>/dev/null)" = sleep ]; do :; done
grep -E '^(Name|Tgid|Threads):' /proc/$child/status | sed "s/$child/CHILD/"
tr '\0' ' ' < /proc/$child/cmdline; echo
readlink /proc/$child/exe
grep -c ' /usr/bin/sleep$' /proc/$child/maps
[ "$(grep PPid: /proc/$child/status | cut -f2)" = $$ ] && echo "PPid is the shell"
grep -E '^Name:' /proc/$$/status
ls /proc/$$/fd/255 > /dev/null 2>&1 || echo "no fd 255"
# fd listings (only fds this script decides about: the harness may pass others down)
exec 7< /dev/null 5<&- 6<&-
ls /proc/$$/fd | grep -qx 7 && echo "7 is listed"
ls /proc/$$/fd | grep -qx 5 || echo "5 is not listed"
ls /proc/self/fd | grep -qx 6 || echo "6 is not listed for ls either"
ls /proc/$child/fd | grep -qx 7 || echo "the child, started before, has no 7"
ls /proc/$child/fd | grep -qx 1 && echo "the child has 1"
kill $child
wait
exit 0
