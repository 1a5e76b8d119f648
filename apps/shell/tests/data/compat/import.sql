-- .import cases run in dosql and in sqlite3 by shell_sqlite_compat_test.sh (in a directory holding
-- the files it generates); stdout, stderr and the resulting tables must be identical.
.import --csv header.csv t
.mode quote
SELECT * FROM t;
.schema t
CREATE TABLE typed(i INTEGER, r REAL, t TEXT, n NUMERIC, b BLOB, x);
.import --csv --skip 1 typed.csv typed
SELECT *, typeof(i), typeof(r), typeof(t), typeof(n), typeof(b), typeof(x) FROM typed;
.mode csv
.import typed.csv typed2
.mode quote
SELECT count(*) FROM typed2;
.schema typed2
.mode list
.import pipes.txt p
SELECT * FROM p;
.mode ascii
.import ascii.txt a1
.mode list
.import --ascii ascii.txt a2
SELECT * FROM a1;
SELECT * FROM a2;
.import --csv empty.csv e
.import --csv headeronly.csv h
.schema h
SELECT count(*) FROM h;
CREATE TABLE u(a INTEGER UNIQUE, b TEXT NOT NULL);
.import --csv unique.csv u
SELECT * FROM u;
.import --csv odd.csv o
.mode quote
SELECT * FROM o;
.import "|cat header.csv" piped
SELECT count(*) FROM piped;
.import --csv wide.csv w
.schema w
.import --csv
.import --csv nosuchfile.csv x
.import --csv a b c
.import --bogus a b
BEGIN;
.import --csv unique.csv u
ROLLBACK;
SELECT count(*) FROM u;
