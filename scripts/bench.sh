#!/usr/bin/env bash
# Runs the benchmark suite (dosql-bench: speedtest, oltp, analytics against SQLite and DuckDB)
# with one command: installs what it needs (Debian packages, the DuckDB peer from npm with
# `npm ci`), builds Release with Ninja and ccache in build-bench/ (BUILD_DIR), runs the suite and
# writes the report, the raw rows and the plot of the ratios:
#   docs/bench/results.md   the Markdown tables (OUT_DIR, default docs/bench)
#   docs/bench/results.tsv  one row per step: medians and ratios
#   docs/bench/ratios.png   dosql ÷ SQLite (and DuckDB ÷ SQLite) per step, log scale
# Every argument goes to dosql-bench, e.g.
#   scripts/bench.sh --workload=speedtest,oltp --size 50 --scale 0.1,1 --reps 5
#   scripts/bench.sh --smoke
# Exit status: dosql-bench's (2 when a statement failed or results differed); the plot is drawn
# either way.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build-bench}"
OUT_DIR="${OUT_DIR:-docs/bench}"

# --- what the suite needs
pkgs=()
command -v cmake >/dev/null || pkgs+=(cmake)
command -v ninja >/dev/null || pkgs+=(ninja-build)
command -v ccache >/dev/null || pkgs+=(ccache)
command -v g++ >/dev/null || pkgs+=(g++)
command -v gnuplot >/dev/null || pkgs+=(gnuplot-nox)
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)
dpkg -s libsqlite3-dev >/dev/null 2>&1 || pkgs+=(libsqlite3-dev)
if ((${#pkgs[@]})); then
  echo "== installing ${pkgs[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
if [[ ! -f bench/duckdb/node_modules/@duckdb/node-api/package.json ||
      bench/duckdb/package-lock.json -nt bench/duckdb/node_modules/.package-lock.json ]]; then
  echo "== npm ci (bench/duckdb)" >&2
  (cd bench/duckdb && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# --- build
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
echo "== building dosql-bench (Release) in $BUILD_DIR" >&2
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DDOSQL_BUILD_TESTS=OFF -DDOSQL_BUILD_BENCH=ON >/dev/null
ninja -C "$BUILD_DIR" -j 2 dosql-bench >&2

# --- run
mkdir -p "$OUT_DIR"
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-);$(uptime)" >&2
status=0
"$BUILD_DIR/bench/dosql-bench" --tsv "$OUT_DIR/results.tsv" "$@" >"$OUT_DIR/results.md" || status=$?
echo "== report: $OUT_DIR/results.md (exit status $status)" >&2

# --- plot: one panel per (workload, group), bars from 1 to the ratio on a log scale
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
awk -F'\t' -v dir="$tmp" '
  NR == 1 { next }
  $3 == "load" { next }
  {
    key = $1 " — " $2
    if (!(key in id)) { id[key] = ++n; names[n] = key; x[n] = 0 }
    k = id[key]
    f = dir "/panel" k ".dat"
    print x[k], $3, ($7 == "" ? "NaN" : $7), ($8 == "" ? "NaN" : $8) > f
    x[k]++
  }
  END {
    for (k = 1; k <= n; k++) print k "\t" names[k] "\t" x[k] > (dir "/panels.tsv")
  }' "$OUT_DIR/results.tsv"
if [[ -s "$tmp/panels.tsv" ]]; then
  npanels=$(wc -l <"$tmp/panels.tsv")
  height=$((330 * npanels + 80))
  {
    echo "set terminal pngcairo size 1500,$height font 'DejaVu Sans,10'"
    echo "set output '$OUT_DIR/ratios.png'"
    echo "set multiplot layout $npanels,1 title 'dosql-bench: time ratio per step (log scale; below 1 = faster than SQLite)' font ',13'"
    echo "set logscale y 2"
    echo "set yrange [0.03:64]"
    echo "set ytics ('1/32' 0.03125, '1/16' 0.0625, '1/8' 0.125, '1/4' 0.25, '1/2' 0.5, '1' 1, '2' 2, '4' 4, '8' 8, '16' 16, '32' 32, '64' 64)"
    echo "set grid ytics"
    echo "set key top left horizontal"
    echo "set xtics rotate by 45 right font ',9'"
    echo "set style fill solid 0.85 border -1"
    echo "set lmargin 8"
    echo "set bmargin 4.5"
    echo "clip(r) = r < 0.03 ? 0.031 : (r > 64 ? 63 : r)"
    echo "col(r) = r > 1 ? 0xd62728 : 0x2ca02c"
    while IFS=$'\t' read -r k name count; do
      echo "set title \"$name\""
      echo "set xrange [-0.7:$count - 0.3]"
      if [[ "$name" == analytics* ]] && awk '$4 != "NaN" { found = 1 } END { exit !found }' "$tmp/panel$k.dat"; then
        echo "plot '$tmp/panel$k.dat' using (\$1-0.2):(clip(\$3)):(\$1-0.38):(\$1-0.02):(1):(clip(\$3)):(col(\$3)):xtic(2) with boxxyerror lc rgb variable title 'dosql ÷ SQLite (red: slower, green: faster)', \\"
        echo "     '' using (\$1+0.2):(clip(\$4)):(\$1+0.02):(\$1+0.38):(1):(clip(\$4)) with boxxyerror lc rgb '#4a74b4' title 'DuckDB ÷ SQLite', \\"
        echo "     '' using (\$1-0.2):(clip(\$3)):(sprintf('%.2f', \$3)) with labels offset 0,char 0.6 font ',8' notitle, \\"
        echo "     1 with lines lc rgb 'black' lw 1.5 notitle"
      else
        echo "plot '$tmp/panel$k.dat' using 1:(clip(\$3)):(\$1-0.38):(\$1+0.38):(1):(clip(\$3)):(col(\$3)):xtic(2) with boxxyerror lc rgb variable title 'dosql ÷ SQLite (red: slower, green: faster)', \\"
        echo "     '' using 1:(clip(\$3)):(sprintf('%.2f', \$3)) with labels offset 0,char 0.6 font ',8' notitle, \\"
        echo "     1 with lines lc rgb 'black' lw 1.5 notitle"
      fi
    done <"$tmp/panels.tsv"
    echo "unset multiplot"
  } >"$tmp/plot.gp"
  gnuplot "$tmp/plot.gp" && echo "== plot: $OUT_DIR/ratios.png" >&2
fi
exit "$status"
