#!/usr/bin/env bash
# A 1,000,000-row CSV .import into a file database:
#
#   shell_import_long_test.sh DOSQL_BINARY [ROWS]
#
# generates the CSV (quoted fields with separators and doubled quotes), imports it with the
# progress indicator forced on (DOSQL_PROGRESS=1: "\rimported N rows..." every 100,000 rows,
# cleared at the end), checks the row count and a checksum, that the progress lines appeared,
# that none appear when stderr is not a terminal and DOSQL_PROGRESS is unset, and prints the
# import time.
set -u

BIN=${1:?usage: shell_import_long_test.sh DOSQL_BINARY [ROWS]}
ROWS=${2:-1000000}
case "$BIN" in */*) BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN") ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dosql-import-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export DOSQL_HISTORY=""
cd "$WORK" || exit 1
status=0
fail() {
  echo "FAIL: $1"
  status=1
}

awk -v n="$ROWS" 'BEGIN {
  print "id,name,score,note"
  for (i = 1; i <= n; i++)
    printf "%d,name %d,%.3f,\"note, with \"\"quotes\"\" %d\"\r\n", i, i, i / 7, i % 100
}' >big.csv

start=$(date +%s.%N)
DOSQL_PROGRESS=1 "$BIN" big.db ".import --csv big.csv t" 2>progress.err >import.out
rc=$?
end=$(date +%s.%N)
[ $rc = 0 ] || fail "import exit status $rc"
[ -s import.out ] && fail "import printed on stdout: $(head -c 200 import.out)"
printf 'imported %d rows in %.2f s\n' "$ROWS" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')"

expected_sum=$((ROWS * (ROWS + 1) / 2))
got=$("$BIN" big.db "SELECT count(*), sum(id), typeof(id), count(DISTINCT note) FROM t" 2>&1)
[ "$got" = "$ROWS|$expected_sum|text|100" ] || fail "table contents: $got"
got=$("$BIN" big.db "SELECT note FROM t WHERE id = '42'" 2>&1)
[ "$got" = 'note, with "quotes" 42' ] || fail "a quoted field: $got"

if [ "$ROWS" -ge 100000 ]; then
  grep -q $'\rimported 100000 rows\.\.\.' progress.err || fail "no progress line"
  last=$((ROWS / 100000 * 100000))
  grep -q $'\rimported '"$last"' rows\.\.\.' progress.err || fail "no progress line for $last"
  # cleared at the end: carriage return, blanks, carriage return
  [ "$(tail -c 42 progress.err | tr -d '\r ')" = "" ] || fail "progress not cleared"
fi
grep -v $'^\r' progress.err | grep -q . && fail "unexpected stderr: $(head -c 300 progress.err)"

# Without a terminal (and without DOSQL_PROGRESS) nothing is printed.
head -n 200001 big.csv >part.csv
"$BIN" part.db ".import --csv part.csv t" >quiet.out 2>quiet.err || fail "small import failed"
[ -s quiet.err ] && fail "progress shown without a terminal: $(head -c 200 quiet.err)"

[ $status = 0 ] && echo "shell_import_long_test: passed"
exit $status
