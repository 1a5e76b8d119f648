#!/usr/bin/env bash
# End-to-end tests of the dosql shell: runs the binary and compares stdout, stderr and the exit
# status with the files in expected/.
#
#   shell_cli_test.sh DOSQL_BINARY TESTS_DIR
#
# Cases marked "oracle" have expected output taken from sqlite3 3.40.1 for the very same
# command line and input: dosql must print the same bytes. Regenerate those files with
#
#   SHELL_TEST_REGEN=1 shell_cli_test.sh sqlite3 apps/shell/tests
#
# (it runs sqlite3 instead of dosql for the oracle cases and writes expected/). The other cases
# check what is dosql's own (-c, error positions, persistence of a directory database, .timer,
# -version/-help) against hand-checked files or patterns.
set -u

BIN=${1:?usage: shell_cli_test.sh DOSQL_BINARY TESTS_DIR}
TESTS=${2:?usage: shell_cli_test.sh DOSQL_BINARY TESTS_DIR}
TESTS=$(cd "$TESTS" && pwd)
case "$BIN" in */*) BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN") ;; esac
EXPECTED=$TESTS/expected
REGEN=${SHELL_TEST_REGEN:-0}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/dosql-shell-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export DOSQL_HISTORY=""  # never touch the user's history file
cd "$TESTS/data" || exit 1

passed=0
failed=0
fail() {
  echo "FAIL: $1"
  failed=$((failed + 1))
}

# run NAME STDIN ARGS... : runs the binary, leaves $WORK/NAME.{out,err,rc}.
run() {
  local name=$1 input=$2
  shift 2
  "$BIN" "$@" <"$input" >"$WORK/$name.out" 2>"$WORK/$name.err"
  echo $? >"$WORK/$name.rc"
}

# compare NAME RC: stdout must equal expected/NAME.out, stderr expected/NAME.err (empty if the
# file does not exist), the exit status RC.
compare() {
  local name=$1 rc=$2 ok=1
  if ! cmp -s "$WORK/$name.out" "$EXPECTED/$name.out"; then
    echo "--- stdout of $name differs (expected vs actual):"
    diff "$EXPECTED/$name.out" "$WORK/$name.out" | head -40
    ok=0
  fi
  local err_expected=/dev/null
  [ -f "$EXPECTED/$name.err" ] && err_expected=$EXPECTED/$name.err
  if ! cmp -s "$WORK/$name.err" "$err_expected"; then
    echo "--- stderr of $name differs (expected vs actual):"
    diff "$err_expected" "$WORK/$name.err" | head -40
    ok=0
  fi
  if [ "$(cat "$WORK/$name.rc")" != "$rc" ]; then
    echo "--- exit status of $name: expected $rc, got $(cat "$WORK/$name.rc")"
    ok=0
  fi
  if [ $ok = 1 ]; then passed=$((passed + 1)); else fail "$name"; fi
}

# oracle NAME RC STDIN ARGS... : a case whose expected bytes come from sqlite3.
oracle() {
  local name=$1 rc=$2
  if [ "$REGEN" = 1 ]; then
    shift 2
    run "$name" "$@"
    cp "$WORK/$name.out" "$EXPECTED/$name.out"
    if [ -s "$WORK/$name.err" ]; then cp "$WORK/$name.err" "$EXPECTED/$name.err"; else rm -f "$EXPECTED/$name.err"; fi
    [ "$(cat "$WORK/$name.rc")" = "$rc" ] || echo "warning: $name exits with $(cat "$WORK/$name.rc"), not $rc"
    echo "regenerated $name"
    return
  fi
  shift 2
  run "$name" "$@"
  compare "$name" "$rc"
}

# own NAME RC STDIN ARGS... : a case with dosql-specific expected output.
own() {
  [ "$REGEN" = 1 ] && return
  local name=$1 rc=$2
  shift 2
  run "$name" "$@"
  compare "$name" "$rc"
}

# 1. Every output mode on one result with NULL, REAL, quotes, commas, a newline, a tab, UTF-8,
#    an empty string and blobs (sqlite3 -MODE -header :memory: SQL).
QUERY=$(cat modes_query.sql)
for mode in list csv json box table markdown line column quote html tabs; do
  oracle "mode_$mode" 0 /dev/null "-$mode" -header :memory: "$QUERY"
done
oracle mode_default 0 /dev/null :memory: "$QUERY"
oracle mode_csv_noheader 0 /dev/null -csv -noheader :memory: "$QUERY"

# 2. A script on stdin: multi-line statements, several per line, ';' in strings, comments and
#    a trigger body, dot-commands (.headers .mode with --wrap/--wordwrap, .nullvalue
#    .separator), insert mode, a last statement without ';'.
oracle stdin_script 0 script.sql

# 3. SQL and dot-commands as arguments (sqlite3 FILE SQL...).
oracle args_sql 0 /dev/null :memory: "SELECT 1 AS a; SELECT 2" ".mode csv" "SELECT 3, 'x y'" \
  ".headers on" "SELECT 4 AS four"

# 4. .tables/.schema/.indexes with and without patterns, read through sqlite_schema.
oracle tables_schema 0 schema.sql

# 5. .read: nested files, an error reported with the line number inside the file, .quit ending
#    only the file being read, a missing file, a usage error; exit status 1.
oracle read_files 1 read_main.sql

# 6. .dump renders a database as SQL (and the dump loads back: checked below).
oracle dump 0 dump.sql

# 6b. EXPLAIN QUERY PLAN is drawn as a tree in every output mode.
oracle explain_query_plan 0 /dev/null -box :memory: "CREATE TABLE a(x INTEGER PRIMARY KEY, y)" \
  "EXPLAIN QUERY PLAN SELECT * FROM a WHERE x = 1"

# 7. -c SQL (dosql's spelling of the SQL argument), also before the database name.
own dash_c 0 /dev/null -c "SELECT 1 AS a, 'b' AS b; SELECT 2" -header -box
own dash_c_stdin_ignored 0 script.sql -c "SELECT 'only -c runs'"

# 8. Errors: a parse error, a runtime error and a syntax error whose position (line and column
#    in the input, and a caret under the statement) is shown; the script goes on and exits 1.
#    With -bail it stops at the first error.
own errors_stdin 1 errors.sql
own errors_bail 1 errors.sql -bail
# An SQL argument that fails: "Error: in prepare, ..." and exit status 1, or SQLite's result
# code for a runtime error (19: SQLITE_CONSTRAINT), like sqlite3.
own error_arg_syntax 1 /dev/null :memory: "SELECT * FRM t"
own error_arg_constraint 19 /dev/null -c "CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES (1), (1)"
own unknown_option 1 /dev/null -nosuchoption
own unknown_dot_command 1 /dev/null :memory: ".nosuch"

# 9. Persistence: a directory database written by one run is there in the next ones.
if [ "$REGEN" != 1 ]; then
  DB=$WORK/persist.db
  "$BIN" "$DB" "CREATE TABLE kv(k TEXT PRIMARY KEY, v INTEGER); INSERT INTO kv VALUES ('a', 1), ('b', 2);" \
    >"$WORK/p1.out" 2>&1 || fail "persistence: first run failed: $(cat "$WORK/p1.out")"
  [ -d "$DB" ] || fail "persistence: $DB is not a directory"
  printf "INSERT INTO kv VALUES ('c', 3);\nUPDATE kv SET v = v * 10 WHERE k = 'a';\n.quit\n" |
    "$BIN" "$DB" >"$WORK/p2.out" 2>&1 || fail "persistence: second run failed: $(cat "$WORK/p2.out")"
  "$BIN" -header "$DB" "SELECT * FROM kv ORDER BY k" ".tables" >"$WORK/p3.out" 2>&1
  printf 'k|v\na|10\nb|2\nc|3\nkv\n' >"$WORK/p3.expected"
  if cmp -s "$WORK/p3.out" "$WORK/p3.expected"; then
    passed=$((passed + 1))
  else
    echo "--- persistence: third run printed:"
    cat "$WORK/p3.out"
    fail persistence
  fi

  # The .dump output loads into a fresh database, whose dump is the same text.
  "$BIN" "$WORK/reload.db" <"$EXPECTED/dump.out" >"$WORK/reload.out" 2>&1
  "$BIN" "$WORK/reload.db" .dump >"$WORK/redump.out" 2>&1
  if cmp -s "$WORK/redump.out" "$EXPECTED/dump.out"; then
    passed=$((passed + 1))
  else
    echo "--- dump reload: second dump differs:"
    diff "$EXPECTED/dump.out" "$WORK/redump.out" | head -20
    cat "$WORK/reload.out"
    fail dump_reload
  fi

  # 10. .timer prints sqlite3's "Run Time: real R user U sys S" after each statement.
  printf '.timer on\nSELECT 1;\n.timer off\nSELECT 2;\n' | "$BIN" >"$WORK/timer.out" 2>&1
  if [ "$(sed -n 1p "$WORK/timer.out")" = 1 ] &&
    sed -n 2p "$WORK/timer.out" | grep -Eq '^Run Time: real [0-9]+\.[0-9]{3} user [0-9]+\.[0-9]{6} sys [0-9]+\.[0-9]{6}$' &&
    [ "$(sed -n 3p "$WORK/timer.out")" = 2 ] && [ "$(wc -l <"$WORK/timer.out")" -eq 3 ]; then
    passed=$((passed + 1))
  else
    echo "--- .timer printed:"
    cat "$WORK/timer.out"
    fail timer
  fi

  # 11. -version and -help exit 0.
  if "$BIN" -version | grep -Eq '^dosql [0-9]+\.[0-9]+\.[0-9]+$' && "$BIN" -help | grep -q '^Usage: dosql'; then
    passed=$((passed + 1))
  else
    fail version_help
  fi

  # 12. Interactive use on a pseudo-terminal (needs python3): banner, prompts, a statement
  #     continued on a second line, Ctrl-C dropping a pending statement, an error without a
  #     line number, Tab completion, the history file written at exit, exit status 1 after an
  #     error.
  if command -v python3 >/dev/null; then
    python3 "$TESTS/pty_session.py" "$BIN" "$WORK/history" >"$WORK/pty.out" 2>&1
    ok=1
    while IFS= read -r line; do
      grep -Fxq -- "$line" "$WORK/pty.out" || { echo "--- interactive: missing line: $line"; ok=0; }
    done <<'LINES'
Enter ".help" for usage hints.
Connected to a transient in-memory database.
dosql> SELECT 1 + 1;
2
dosql> SELECT 'a;b',
   ...>   2;
a;b|2
dosql> SELECT 'dropped'
Parse error: near "FRM": syntax error at line 1, column 10: expected ";" or end of input
  SELECT * FRM t;
           ^--- error here
Oslo
5
dosql> .quit
[exit 1]
LINES
    if grep -qx dropped "$WORK/pty.out"; then
      echo "--- interactive: the interrupted statement ran"
      ok=0
    fi
    # libedit writes blanks as \040.
    grep -Fq 'SELECT\0401\040+\0401;' "$WORK/history" 2>/dev/null ||
      grep -Fq 'SELECT 1 + 1;' "$WORK/history" 2>/dev/null ||
      { echo "--- interactive: history file lacks the first statement"; ok=0; }
    # Tab completed "sel", "cityn", "fr" and "citi" to keyword, column, keyword and table (and
    # "cities.popu" to a qualified column: the "5" above).
    grep -Fq 'select\040cityname\040from\040cities\040;' "$WORK/history" 2>/dev/null ||
      grep -Fq 'select cityname from cities ;' "$WORK/history" 2>/dev/null ||
      { echo "--- interactive: Tab completion did not complete the query"; ok=0; }
    if [ $ok = 1 ]; then
      passed=$((passed + 1))
    else
      cat "$WORK/pty.out"
      fail interactive
    fi
  fi
fi

echo "shell_cli_test: $passed passed, $failed failed"
[ "$failed" = 0 ]
