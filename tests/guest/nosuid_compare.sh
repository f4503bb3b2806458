#!/bin/sh
# nosuid_compare.sh DIR COMMAND... - run COMMAND (a compare.py line) in a private mount namespace
# in which DIR is a fresh tmpfs mounted nosuid, so that the native and the faultline run of a
# guest both see it (compare-setid_exec-nosuid). Without root, or where the namespace or the
# mount cannot be made, it says so and exits 0, as the root-only guests do.
dir=$1
shift
mkdir -p "$dir" || exit 1
if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
    echo "SKIP: no private mount namespace here: a nosuid mount not tried"
    exit 0
fi
exec unshare -m --propagation private sh -c '
    d=$1
    shift
    if ! mount -t tmpfs -o nosuid,mode=755 none "$d"; then
        echo "SKIP: could not mount a nosuid tmpfs on $d"
        exit 0
    fi
    exec "$@"' sh "$dir" "$@"
