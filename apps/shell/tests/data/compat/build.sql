-- A database with varied types and every kind of schema object, built the same way in dosql and
-- in sqlite3 by shell_sqlite_compat_test.sh.
CREATE TABLE t1(id INTEGER PRIMARY KEY, i INTEGER, r REAL, s TEXT, b BLOB, n NUMERIC, x);
INSERT INTO t1 VALUES(1, 9223372036854775807, 0.1, 'it''s', x'00ff10', 1.5, NULL);
INSERT INTO t1 VALUES(2, -9223372036854775808, 1e300, 'line1
line2', x'', 10, 'abc');
INSERT INTO t1 VALUES(3, 0, -0.0, 'héllo ✓ 日本 🎉', NULL, '12', 3.25);
INSERT INTO t1 VALUES(4, 42, 1e-300, 'cr' || char(13) || 'lf' || char(10), x'41', 'x', x'41');
INSERT INTO t1 VALUES(5, -1, 123456789.123456789, '', NULL, NULL, 1e999);
INSERT INTO t1 VALUES(6, 7, 3.0, '\n is a backslash and an n; "dq"', NULL, '-0.5e3', -1e999);
INSERT INTO t1 VALUES(7, 1, 2.5e-7, 'tab	here', zeroblob(3), ' 12 ', 0.30000000000000004);
INSERT INTO t1 VALUES(8, 2, 4503599627370497.0, 'x''''y', x'0d0a', 9.99e99, -9223372036854775808);
CREATE TABLE "odd name"("a b" TEXT, "select" INT, [br] REAL, `bt` BLOB, "q""uote" TEXT);
INSERT INTO "odd name" VALUES('q"q', 1, 2.5, x'DEADBEEF', 'v');
INSERT INTO "odd name" VALUES(NULL, '2', '3', NULL, NULL);
CREATE TABLE auto(id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT NOT NULL);
INSERT INTO auto(v) VALUES('a'), ('b'), ('c');
DELETE FROM auto WHERE id = 3;
CREATE TABLE norowid(k TEXT PRIMARY KEY, v INT) WITHOUT ROWID;
INSERT INTO norowid VALUES('b', 2), ('a', 1);
CREATE TABLE plain(a, b);
INSERT INTO plain VALUES(1, 2), (3, 4);
DELETE FROM plain WHERE a = 1;
INSERT INTO plain VALUES(5, 6);
CREATE INDEX t1_s ON t1(s);
CREATE UNIQUE INDEX t1_i ON t1(i DESC, r);
CREATE VIEW v1 AS SELECT id, s FROM t1 WHERE id > 1;
CREATE TABLE log(msg TEXT);
CREATE TRIGGER tr1 AFTER INSERT ON auto BEGIN
  INSERT INTO log VALUES('ins ' || new.v); -- a comment in a trigger
END;
INSERT INTO auto(v) VALUES('d');
CREATE TABLE fkp(id INTEGER PRIMARY KEY);
CREATE TABLE fkc(p INTEGER REFERENCES fkp(id) ON DELETE CASCADE, CHECK (p > 0));
INSERT INTO fkp VALUES(1);
INSERT INTO fkc VALUES(1);
CREATE TABLE dflt(a TEXT DEFAULT 'x', b INT DEFAULT (1 + 2), c TEXT COLLATE NOCASE NOT NULL DEFAULT '');
INSERT INTO dflt DEFAULT VALUES;
CREATE INDEX dflt_expr ON dflt(lower(a)) WHERE b > 0;
CREATE VIEW v2(x, y) AS SELECT a, count(*) FROM plain GROUP BY a;
