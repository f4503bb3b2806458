# Named FIFOs (mkfifo) between guest processes, in the scratch directory $1: each blocking open
# waits for the other end, whichever side comes first.
cd "$1" || exit 1
mkfifo ff g || exit 1
(echo "writer first" > ff &) && sleep 0.05 && cat ff
(sleep 0.05; echo "reader first" > g) & cat g
wait
exec 3<>g # read-write never waits
echo "through O_RDWR" >&3
read -r x <&3 && echo "$x"
(exec 4>ff; sleep 0.05) & cat ff # a writer that writes nothing: end of file
echo "empty writer: status $?"
seq 1 20000 > ff & sort -rn < ff | head -2
wait
