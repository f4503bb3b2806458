#!/usr/bin/env bash
# Set up a fresh machine (scripts/setup.sh), build faultline with the invariant checker on,
# and run the whole test suite in parallel; then the same suite again on an AddressSanitizer +
# UndefinedBehaviorSanitizer build (FL_SANITIZE=0 skips that pass). Idempotent; CI (.ci/run)
# runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
jobs=$(nproc)
cmake -S . -B build-test -DFAULTLINE_DEBUG_VM=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-test -j"$jobs"
ctest --test-dir build-test -j"$jobs" --output-on-failure "$@"
if [ "${FL_SANITIZE:-1}" != 0 ]; then
  cmake -S . -B build-asan -DFAULTLINE_DEBUG_VM=ON -DFAULTLINE_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null
  cmake --build build-asan -j"$jobs"
  ctest --test-dir build-asan -j"$jobs" --output-on-failure "$@"
fi
