# script.sh - a shell script for tests/e2e/processes.cmake (shell-*-script): run by busybox sh
# and dash, natively and under faultline, with the same output expected. Each line exercises
# fork/exec/wait, pipes and signals the way shells use them.
x=$(echo abc | tr a-c A-C); echo "x=$x"
cat <<END
here $x
END
(exit 7); echo "sub=$?"
sh -c 'exit 3'; echo "sh=$?"
for i in 1 2 3; do echo $i; done | wc -l
sh -c 'kill -9 $$'; echo "killed=$?"
yes | head -2
f() { echo "in f $1"; return 4; }; f a; echo "f=$?"
echo "$(seq 1 5 | sort -rn | tr '\n' ' ')"
ls /nonexistent 2>/dev/null; echo "ls=$?"
trap 'echo trapped' USR1; kill -USR1 $$; echo after-trap
sleep 0 & wait $!; echo "bg=$?"
(cd / && pwd); basename "$(pwd)"
echo end
