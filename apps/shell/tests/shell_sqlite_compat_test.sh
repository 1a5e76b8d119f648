#!/usr/bin/env bash
# Round trips between the dosql shell and the real sqlite3 (3.40) shell:
#
#   shell_sqlite_compat_test.sh DOSQL_BINARY TESTS_DIR [SQLITE3_BINARY]
#
#  1. a database built in dosql (data/compat/build.sql: integers at the extremes, reals such as
#     0.1, 1e300, -0.0, text with quotes, line breaks and UTF-8, blobs, NULLs, indexes, views, a
#     trigger, an AUTOINCREMENT table) is dumped with .dump, the dump is loaded by sqlite3, and
#     both answer data/compat/queries.sql identically (-quote mode); dosql's dump must equal
#     sqlite3's dump of the same database byte for byte;
#  2. the reverse: sqlite3 builds it, `sqlite3 db .dump` is run by dosql, same queries;
#  3. .import of CSV/ASCII files (header, quoting, CRLF, short and long rows, BOM, duplicate
#     column names, constraint failures, pipes, usage errors): the same stdout, stderr and exit
#     status as sqlite3, and the same tables afterwards;
#  4. .output/.once/.bail/.explain scripts: the same stdout, stderr and files as sqlite3.
#
# Exits 77 (skipped) when sqlite3 is not installed.
set -u

BIN=${1:?usage: shell_sqlite_compat_test.sh DOSQL_BINARY TESTS_DIR [SQLITE3]}
TESTS=$(cd "${2:?usage: shell_sqlite_compat_test.sh DOSQL_BINARY TESTS_DIR [SQLITE3]}" && pwd)
SQLITE=${3:-sqlite3}
case "$BIN" in */*) BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN") ;; esac
if ! command -v "$SQLITE" >/dev/null 2>&1; then
  echo "SKIP: $SQLITE not found"
  exit 77
fi
DATA=$TESTS/data/compat
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dosql-compat-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export DOSQL_HISTORY=""
export DOSQL_PROGRESS=0
cd "$WORK" || exit 1

passed=0
failed=0
check() {  # check NAME FILE_A FILE_B: the two files must be identical
  if cmp -s "$2" "$3"; then
    passed=$((passed + 1))
  else
    echo "FAIL: $1 ($2 vs $3):"
    diff "$2" "$3" | head -30
    failed=$((failed + 1))
  fi
}
same_status() {  # same_status NAME RC_A RC_B
  if [ "$2" = "$3" ]; then passed=$((passed + 1)); else
    echo "FAIL: $1: exit status $2 vs $3"
    failed=$((failed + 1))
  fi
}

# 1. dosql -> .dump -> sqlite3.
"$BIN" d1.db <"$DATA/build.sql" >build1.out 2>&1 || { echo "FAIL: building in dosql"; cat build1.out; exit 1; }
"$BIN" d1.db .dump >d1.dump
"$SQLITE" s1.db <d1.dump >load1.out 2>&1
check "sqlite3 loads dosql's dump without messages" load1.out /dev/null
"$SQLITE" s1.db .dump >s1.dump
check "sqlite3's dump of the loaded database equals dosql's dump" s1.dump d1.dump
# (the queries end with an INSERT that fires the trigger: run them on copies)
cp -r d1.db d1q.db && cp s1.db s1q.db
"$BIN" -quote d1q.db <"$DATA/queries.sql" >q_dosql1.out 2>&1
"$SQLITE" -quote s1q.db <"$DATA/queries.sql" >q_sqlite1.out 2>&1
check "queries after dosql -> sqlite3" q_sqlite1.out q_dosql1.out

# 2. sqlite3 -> .dump -> dosql.
"$SQLITE" s2.db <"$DATA/build.sql" >build2.out 2>&1
"$SQLITE" s2.db .dump >s2.dump
check "dosql's dump equals sqlite3's dump of the same script" s2.dump d1.dump
"$BIN" d2.db <s2.dump >load2.out 2>&1
check "dosql loads sqlite3's dump without messages" load2.out /dev/null
"$BIN" d2.db .dump >d2.dump
check "dosql's dump of sqlite3's dump is sqlite3's dump" s2.dump d2.dump
cp -r d2.db d2q.db && cp s2.db s2q.db
"$BIN" -quote d2q.db <"$DATA/queries.sql" >q_dosql2.out 2>&1
"$SQLITE" -quote s2q.db <"$DATA/queries.sql" >q_sqlite2.out 2>&1
check "queries after sqlite3 -> dosql" q_sqlite2.out q_dosql2.out
# .dump options and patterns.
for opts in "--data-only" "--nosys auto" "--preserve-rowids plain log" "--newlines t1" "t1_% v_"; do
  "$BIN" d1.db ".dump $opts" >dopt.out 2>&1
  "$SQLITE" s2.db ".dump $opts" >sopt.out 2>&1
  check ".dump $opts" sopt.out dopt.out
done

# 3. .import.
mkdir imp_dosql imp_sqlite
make_files() {
  printf 'a,b,A,"c d"\r\n1,2.5,x,"q""uote"\r\n"multi\nline",,"sep,here",z\r\nshort\r\n1,2,3,4,5,6\r\n\r\n"unterminated\n' >header.csv
  printf 'skipped,line,,,,\n1,2.5,003,1e3,x,12\n" 7 ",abc,4,0x10,,\n9223372036854775808,-0,1.0,12.50,1,\n' >typed.csv
  printf 'x|y\n1|2\n3|4|5\n' >pipes.txt
  printf 'a\037b\036one\037two\036\036three\036' >ascii.txt
  : >empty.csv
  printf 'only,header\n' >headeronly.csv
  printf '1,x\n1,y\n2,\n3\n' >unique.csv
  printf '\357\273\277k,v\na"b"c,"ab"c,d\n"x""y",2\n' >odd.csv
  printf 'a,b,c,a,,e,f,g,h,i,j,A,a_4\n1,2,3,4,5,6,7,8,9,10,11,12,13\n' >wide.csv
}
(cd imp_dosql && make_files && "$BIN" imp.db <"$DATA/import.sql" >out 2>err; echo $? >rc)
(cd imp_sqlite && make_files && "$SQLITE" imp.db <"$DATA/import.sql" >out 2>err; echo $? >rc)
check ".import stdout" imp_sqlite/out imp_dosql/out
check ".import stderr" imp_sqlite/err imp_dosql/err
same_status ".import" "$(cat imp_sqlite/rc)" "$(cat imp_dosql/rc)"
"$BIN" imp_dosql/imp.db .dump >imp_dosql.dump
"$SQLITE" imp_sqlite/imp.db .dump >imp_sqlite.dump
check ".import: the imported tables" imp_sqlite.dump imp_dosql.dump

# 4. .output, .once, .bail, .explain.
mkdir out_dosql out_sqlite
cat >redirect.sql <<'EOF'
create table t(a integer primary key, b);
insert into t values(1, 'x'), (2, 'y');
.output OUTDIR/o1.txt
select * from t;
.print printed
.output
select 'back';
.once OUTDIR/o2.txt
select count(*) from t;
select 'after once';
.once OUTDIR/o3.txt
.print once-dot
select 'after once dot';
.output |tr a-z A-Z > OUTDIR/o4.txt
select 'piped';
.output stdout
.once OUTDIR/nodir/x.txt
select 'still stdout';
.once --bom OUTDIR/o5.txt
.dump
.explain off
explain query plan select * from t;
.explain on
select 1 as x, 'a wide value here' as y, null;
.explain auto
explain query plan select * from t;
.mode csv
select 1, 2;
.explain
.explain off
select 3, 4;
EOF
sed "s#OUTDIR#out_dosql#g" redirect.sql | "$BIN" >out_dosql/out 2>out_dosql/err
echo $? >out_dosql/rc
sed "s#OUTDIR#out_sqlite#g" redirect.sql | "$SQLITE" >out_sqlite/out 2>out_sqlite/err
echo $? >out_sqlite/rc
sed -i "s#out_sqlite#OUTDIR#g" out_sqlite/err
sed -i "s#out_dosql#OUTDIR#g" out_dosql/err
# EXPLAIN QUERY PLAN row ids are the engine's own: compare the rows without them.
sed -i "s#^[0-9]*|0|0|#N|0|0|#" out_sqlite/out out_dosql/out
for f in out err rc o1.txt o2.txt o3.txt o4.txt o5.txt; do
  check ".output/.once/.explain: $f" "out_sqlite/$f" "out_dosql/$f"
done
# .bail: the first error ends the script (exit status 1) in both.
printf 'select 1;\n.bail on\nselect * from nosuch;\nselect 2;\n' >bail.sql
"$BIN" <bail.sql >bail_dosql.out 2>bail_dosql.err
same_status ".bail on exit status" 1 $?
"$SQLITE" <bail.sql >bail_sqlite.out 2>/dev/null
check ".bail on stops" bail_sqlite.out bail_dosql.out
printf 'select 1;\n.bail off\nselect * from nosuch;\nselect 2;\n' >nobail.sql
"$BIN" <nobail.sql >nobail_dosql.out 2>/dev/null
"$SQLITE" <nobail.sql >nobail_sqlite.out 2>/dev/null
check ".bail off goes on" nobail_sqlite.out nobail_dosql.out

echo "shell_sqlite_compat_test: $passed passed, $failed failed"
[ "$failed" = 0 ]
