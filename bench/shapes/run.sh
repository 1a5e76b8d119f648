#!/usr/bin/env bash
# Times the query shapes of bench/shapes/queries.sql on dosql (its shell) and SQLite (sqlite3)
# over the TPC-H tables that `dosql-bench --workload analytics --scale 1 --keep --dir DIR` left in
# DIR, and prints a Markdown table: the best of REPS runs per engine (each run a new process, so
# the engines start with empty page caches of their own), interleaved, and the ratio.
#   bench/shapes/run.sh DIR [REPS]
# DOSQL (default: the shell built in BUILD_DIR, build-bench, Release, as scripts/bench.sh builds)
# and SQLITE (default sqlite3, installed from Debian when missing) name the programs.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:?usage: bench/shapes/run.sh DIR [REPS]}
reps=${2:-3}
BUILD_DIR="${BUILD_DIR:-build-bench}"
sqlite=${SQLITE:-sqlite3}
if ! command -v "$sqlite" >/dev/null; then
  echo "== installing sqlite3" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null
fi
if [[ -z "${DOSQL:-}" ]]; then
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DDOSQL_BUILD_TESTS=OFF -DDOSQL_BUILD_BENCH=ON >/dev/null
  ninja -C "$BUILD_DIR" -j 2 dosql >&2
fi
dosql=${DOSQL:-$BUILD_DIR/apps/shell/dosql}
ddb=$(ls -d "$dir"/dosql-bench-*/analytics-1-dosql "$dir"/analytics-1-dosql 2>/dev/null | head -1 || true)
sdb=$(ls "$dir"/dosql-bench-*/analytics-1-sqlite/tpch.db "$dir"/analytics-1-sqlite/tpch.db 2>/dev/null | head -1 || true)
[[ -n "$ddb" && -n "$sdb" ]] || { echo "no analytics-1 databases under $dir" >&2; exit 1; }
best() {  # best() PROGRAM DB SQL -> the smallest "real" time of $reps runs, in ms
  local t b=""
  for ((i = 0; i < reps; i++)); do
    t=$(printf '.timer on\n%s;\n' "$3" | "$1" "$2" 2>&1 | grep -o 'real [0-9.]*' | tail -1 | cut -d' ' -f2)
    [[ -n "$t" ]] || { echo "failed: $1 on: $3" >&2; exit 1; }
    b=$(awk -v a="$t" -v b="$b" 'BEGIN { print (b == "" || a < b) ? a : b }')
  done
  awk -v s="$b" 'BEGIN { printf "%.0f", s * 1000 }'
}
echo "| shape | dosql ms | sqlite ms | ratio |"
echo "|---|---:|---:|---:|"
grep -v '^--' bench/shapes/queries.sql | while IFS='|' read -r label sql; do
  [[ -n "$sql" ]] || continue
  d=$(best "$dosql" "$ddb" "$sql")
  s=$(best "$sqlite" "$sdb" "$sql")
  r=$(awk -v d="$d" -v s="$s" 'BEGIN { printf "%.2f", (s > 0 ? d / s : 0) }')
  echo "| $label | $d | $s | $r |"
done
