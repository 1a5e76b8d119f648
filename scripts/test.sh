#!/usr/bin/env bash
# Sets up the machine, builds, and runs every test: unit tests, crash tests, and the
# concurrency tests again under ThreadSanitizer. This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
JOBS="$(nproc)"

echo "== build (RelWithDebInfo)"
BUILD_DIR=build scripts/build.sh
echo "== tests"
ctest --test-dir build --output-on-failure -j "$JOBS" --timeout 900

echo "== ThreadSanitizer build: concurrency tests"
BUILD_DIR=build-tsan BUILD_TYPE=RelWithDebInfo \
  TARGETS="transaction_concurrency_test engine_stress_test engine_deadlock_test" \
  scripts/build.sh -DDOSQL_TSAN=ON -DDOSQL_BUILD_BENCH=OFF
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan -L concurrency --output-on-failure --timeout 900
