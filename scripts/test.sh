#!/usr/bin/env bash
# Set up a fresh machine (scripts/setup.sh), build faultline with the invariant checker on,
# and run the whole test suite in parallel. Idempotent; CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)
cmake -S . -B build-test -DFAULTLINE_DEBUG_VM=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-test -j"$jobs"
ctest --test-dir build-test -j"$jobs" --output-on-failure "$@"
