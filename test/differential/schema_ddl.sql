-- Schema statements: CREATE/DROP/ALTER, sqlite_schema, and statements seeing schema changes.

CREATE TABLE t1(a INTEGER, b TEXT DEFAULT 'b0', c REAL);
CREATE TABLE t1(x);
CREATE TABLE IF NOT EXISTS t1(x);
CREATE TABLE T1(x);
CREATE TABLE "quoted name"("col one" INTEGER, [col two] TEXT, `col three`);
CREATE TABLE dupcol(a, a);
CREATE TABLE nocols();
CREATE TABLE sqlite_foo(a);
CREATE TABLE twopk(a PRIMARY KEY, b PRIMARY KEY);
CREATE TABLE as_select AS SELECT 1 AS one, 'two' AS two, 3.5 AS three, NULL AS four;
SELECT one, two, three, four, typeof(one), typeof(three) FROM as_select;
INSERT INTO "quoted name" VALUES (1, 'x', 2.5);
SELECT "col one", [col two], `col three` FROM "quoted name";
SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name;
SELECT type, name, tbl_name FROM sqlite_master WHERE type = 'table' ORDER BY name;
SELECT sql FROM sqlite_schema WHERE name = 't1';
SELECT count(*) FROM sqlite_schema WHERE rootpage > 0 AND type = 'table';
INSERT INTO t1(a, c) VALUES (1, 1.5), (2, 2.5);

-- ALTER TABLE.
ALTER TABLE t1 ADD COLUMN d TEXT DEFAULT 'dflt';
ALTER TABLE t1 ADD COLUMN e INTEGER;
ALTER TABLE t1 ADD f;
SELECT a, b, c, d, e, f FROM t1 ORDER BY a;
INSERT INTO t1(a, e) VALUES (3, 30);
SELECT a, d, e FROM t1 ORDER BY a;
ALTER TABLE t1 ADD COLUMN a INTEGER;
ALTER TABLE t1 ADD COLUMN g INTEGER NOT NULL;
ALTER TABLE t1 ADD COLUMN g INTEGER NOT NULL DEFAULT 7;
ALTER TABLE t1 ADD COLUMN h INTEGER PRIMARY KEY;
ALTER TABLE t1 ADD COLUMN h UNIQUE;
SELECT a, g FROM t1 ORDER BY a;
ALTER TABLE t1 RENAME COLUMN b TO bee;
SELECT a, bee FROM t1 ORDER BY a;
SELECT b FROM t1;
ALTER TABLE t1 RENAME COLUMN nosuch TO x;
ALTER TABLE t1 RENAME TO t1_renamed;
SELECT count(*) FROM t1;
SELECT count(*) FROM t1_renamed;
SELECT name, tbl_name FROM sqlite_schema WHERE name LIKE 't1%' ORDER BY name;
ALTER TABLE t1_renamed DROP COLUMN e;
SELECT * FROM t1_renamed ORDER BY a;
ALTER TABLE t1_renamed DROP COLUMN nosuch;
ALTER TABLE nosuch RENAME TO x;
ALTER TABLE t1_renamed RENAME TO as_select;


-- Indexes and views follow renames; statements see schema changes.
CREATE TABLE base(id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO base VALUES (1, 'one'), (2, 'two'), (3, 'three');
CREATE INDEX base_v ON base(v);
CREATE VIEW base_view AS SELECT id, v FROM base WHERE id > 1;
ALTER TABLE base RENAME COLUMN v TO val;
SELECT id, val FROM base_view ORDER BY id;
SELECT id FROM base WHERE val = 'two';
SELECT id FROM base WHERE v = 'two';
SELECT sql FROM sqlite_schema WHERE name IN ('base_v', 'base_view') ORDER BY name;
ALTER TABLE base RENAME TO base2;
SELECT id, val FROM base_view ORDER BY id;
SELECT tbl_name FROM sqlite_schema WHERE name = 'base_v';
SELECT id FROM base2 WHERE val > 'p' ORDER BY id;
SELECT id FROM base;
DROP TABLE base2;
SELECT count(*) FROM sqlite_schema WHERE tbl_name IN ('base', 'base2');
SELECT * FROM base_view;
DROP VIEW base_view;

-- DROP TABLE.
DROP TABLE nosuch;
DROP TABLE IF EXISTS nosuch;
DROP TABLE as_select;
SELECT * FROM as_select;
DROP TABLE "quoted name";
DROP TABLE sqlite_schema;
SELECT type, name FROM sqlite_schema ORDER BY name;

-- Typeless, odd and reserved-word names.
CREATE TABLE "select"("from" INTEGER, "where" TEXT);
INSERT INTO "select" VALUES (1, 'w');
SELECT "from", "where" FROM "select";
CREATE TABLE key_words(key, value, text, replace, rowid_ INTEGER);
INSERT INTO key_words VALUES (1, 2, 3, 4, 5);
SELECT key, value, text, replace, rowid_ FROM key_words;

-- Generated and default expressions.
CREATE TABLE dflt(a INTEGER DEFAULT (2 + 3), b TEXT DEFAULT 'it''s', c DEFAULT -1, d DEFAULT NULL, e DEFAULT x'00', f REAL DEFAULT 1);
INSERT INTO dflt DEFAULT VALUES;
SELECT a, b, c, d, e, f, typeof(f) FROM dflt;

-- CREATE TABLE ... AS SELECT stores the CREATE text SQLite writes: one line when short,
-- one column per line when longer than 50 characters.
CREATE TABLE as_short AS SELECT 1 AS one, 'two' AS two;
SELECT sql FROM sqlite_schema WHERE name = 'as_short';
CREATE TABLE as_long AS SELECT 1 AS one, 'two' AS two, 3.5 AS three, NULL AS four;
SELECT sql FROM sqlite_schema WHERE name = 'as_long';

-- Generated columns: computed on read/write, and not writable.
CREATE TABLE gen(a INTEGER, b INTEGER GENERATED ALWAYS AS (a * 2), c TEXT AS (a || 'x') STORED);
INSERT INTO gen(a) VALUES (1), (5);
INSERT INTO gen(a, b) VALUES (2, 3);
SELECT a, b, c FROM gen ORDER BY a;
UPDATE gen SET a = a + 10;
SELECT a, b, c FROM gen ORDER BY a;
SELECT a FROM gen WHERE b = 22;

-- Found by dosql-fuzz: ADD COLUMN goes after the last column definition, before the table
-- constraints.
CREATE TABLE fz_alt(a TEXT PRIMARY KEY, b NOT NULL DEFAULT 0, UNIQUE (a, b)) WITHOUT ROWID;
ALTER TABLE fz_alt ADD COLUMN c REAL DEFAULT 1.5;
INSERT INTO fz_alt(a) VALUES ('k');
SELECT * FROM fz_alt;
SELECT sql FROM sqlite_schema WHERE name = 'fz_alt';
