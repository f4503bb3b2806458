# /proc/PID of other guest processes: a child's status, cmdline, exe and maps are the child's
# (under faultline every guest process is in one host process, whose /proc/PID is not theirs).
sleep 0.5 &
child=$!
until [ "$(cat /proc/$child/comm 2>/dev/null)" = sleep ]; do :; done
grep -E '^(Name|Tgid|Threads):' /proc/$child/status | sed "s/$child/CHILD/"
tr '\0' ' ' < /proc/$child/cmdline; echo
readlink /proc/$child/exe
grep -c ' /usr/bin/sleep$' /proc/$child/maps
[ "$(grep PPid: /proc/$child/status | cut -f2)" = $$ ] && echo "PPid is the shell"
grep -E '^Name:' /proc/$$/status
ls /proc/$$/fd/255 > /dev/null 2>&1 || echo "no fd 255"
wait
