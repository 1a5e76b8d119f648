#!/usr/bin/env bash
# Configures and builds dosql into BUILD_DIR (default: build) with Ninja and ccache.
# Extra arguments are passed to cmake (e.g. -DDOSQL_TSAN=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
ninja -C "$BUILD_DIR" ${TARGETS:-}
