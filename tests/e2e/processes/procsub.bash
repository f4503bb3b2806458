# bash's process substitution: each <(...) is a pipe the command opens as /dev/fd/N.
diff <(printf 'a\nb\n') <(printf 'a\nc\n')
echo "diff=$?"
cat <(seq 3) /dev/stdin < <(echo stdin)
test -p /dev/stdin < <(true) && echo stdin is a pipe
exec 7<&-
cat /dev/fd/7 2>&1
wc -l < /proc/self/fd/0 < <(seq 5)
while read -r l; do echo "got $l"; done < <(seq 2)
