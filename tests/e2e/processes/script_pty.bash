# util-linux script(1): runs a command on a new pseudo-terminal and copies its output, waiting
# for the child's SIGCHLD and its terminal's end through a signalfd in one poll().
out=$(script -qec 'echo in a pty; tty | grep -c /dev/pts/; exit 3' /dev/null)
echo "script: $?"
printf '%s\n' "$out" | tr -d '\r'
