#!/usr/bin/env bash
# Set up a fresh machine, build faultline, and run a real static binary on the modeled MMU:
# busybox's sha256sum over busybox itself. Then show the fault log's report.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target faultline
rm -f demo.db
./build/faultline run --db demo.db -- /bin/busybox sha256sum /bin/busybox
./build/faultline stats demo.db
