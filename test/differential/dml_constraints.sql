-- INSERT / UPDATE / DELETE, constraints and conflict clauses.

CREATE TABLE p(id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, qty INTEGER CHECK (qty >= 0), note TEXT DEFAULT 'none', made REAL DEFAULT (1.5 * 2));
INSERT INTO p(code, qty) VALUES ('a', 1);
INSERT INTO p(code, qty, note) VALUES ('b', 2, 'x'), ('c', 3, NULL);
INSERT INTO p VALUES (10, 'd', 4, 'y', 0.5);
INSERT INTO p(code) VALUES ('e');
INSERT INTO p DEFAULT VALUES;
INSERT INTO p(code, qty) VALUES ('a', 5);
INSERT INTO p(code, qty) VALUES (NULL, 5);
INSERT INTO p(code, qty) VALUES ('f', -1);
INSERT INTO p(id, code) VALUES (1, 'g');
INSERT INTO p(code, qty) VALUES ('h', '7');
INSERT INTO p(code, qty) VALUES ('i', 'abc');
INSERT INTO p(code, qty) VALUES ('j', x'00');
INSERT INTO p(nosuch) VALUES (1);
INSERT INTO p(code, qty) VALUES ('k');
INSERT INTO p VALUES (1, 2);
INSERT INTO nosuch VALUES (1);
SELECT id, code, qty, typeof(qty), note, made FROM p ORDER BY id;

-- Conflict clauses on INSERT.
INSERT OR IGNORE INTO p(code, qty) VALUES ('a', 100);
INSERT OR IGNORE INTO p(code, qty) VALUES ('a2', -5);
INSERT OR IGNORE INTO p(id, code, qty) VALUES (1, 'zz', 1), (50, 'z50', 1);
INSERT OR REPLACE INTO p(id, code, qty) VALUES (2, 'b2', 20);
INSERT OR REPLACE INTO p(code, qty) VALUES ('c', 30);
INSERT OR REPLACE INTO p(id, code, qty) VALUES (3, 'a', 33);
REPLACE INTO p(id, code, qty) VALUES (60, 'z60', 6);
INSERT OR FAIL INTO p(code, qty) VALUES ('f1', 1), ('a', 1), ('f2', 2);
INSERT OR ABORT INTO p(code, qty) VALUES ('g1', 1), ('a', 1), ('g2', 2);
INSERT OR ROLLBACK INTO p(code, qty) VALUES ('h1', 1), ('a', 1);
INSERT OR REPLACE INTO p(id, code, qty) VALUES (70, NULL, 1);
INSERT OR REPLACE INTO p(id, code, qty) VALUES (71, 'r71', -1);
SELECT id, code, qty, note FROM p ORDER BY id;

-- Conflict clauses in the column definitions.
CREATE TABLE cc(a INTEGER PRIMARY KEY ON CONFLICT IGNORE, b UNIQUE ON CONFLICT REPLACE, c NOT NULL ON CONFLICT REPLACE DEFAULT 'dflt', d NOT NULL ON CONFLICT IGNORE);
INSERT INTO cc VALUES (1, 'x', 'c1', 'd1');
INSERT INTO cc VALUES (1, 'y', 'c2', 'd2');
INSERT INTO cc VALUES (2, 'x', 'c3', 'd3');
INSERT INTO cc VALUES (3, 'z', NULL, 'd4');
INSERT INTO cc VALUES (4, 'w', 'c5', NULL);
INSERT OR ABORT INTO cc VALUES (2, 'q', 'c6', 'd6');
SELECT a, b, c, d FROM cc ORDER BY a;

-- UPDATE.
CREATE TABLE u(id INTEGER PRIMARY KEY, k TEXT UNIQUE, n INTEGER NOT NULL, m INTEGER CHECK (m < 100));
INSERT INTO u VALUES (1, 'a', 1, 10), (2, 'b', 2, 20), (3, 'c', 3, 30), (4, 'd', 4, 40);
UPDATE u SET n = n + 10 WHERE id > 2;
SELECT id, n FROM u ORDER BY id;
UPDATE u SET n = NULL WHERE id = 1;
UPDATE u SET k = 'a' WHERE id = 2;
UPDATE u SET m = 100 WHERE id = 3;
UPDATE u SET m = m * 2;
UPDATE OR IGNORE u SET k = 'a' WHERE id = 2;
UPDATE OR REPLACE u SET k = 'a' WHERE id = 2;
SELECT id, k, n, m FROM u ORDER BY id;
UPDATE u SET id = id + 10;
SELECT id, k FROM u ORDER BY id;
UPDATE u SET id = 12 WHERE id = 13;
UPDATE u SET nosuch = 1;
UPDATE u SET n = n + 1, m = n WHERE k = 'c';
SELECT id, n, m FROM u ORDER BY id;
UPDATE u SET (n, m) = (m, n) WHERE id = 14;
SELECT id, n, m FROM u ORDER BY id;
UPDATE u SET n = (SELECT max(n) FROM u) WHERE id = 12;
SELECT id, n FROM u ORDER BY id;
UPDATE u SET m = 1 WHERE 0;
UPDATE u SET k = upper(k);
SELECT id, k FROM u ORDER BY id;

-- DELETE.
CREATE TABLE d(id INTEGER PRIMARY KEY, v);
INSERT INTO d VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e');
DELETE FROM d WHERE id = 2;
DELETE FROM d WHERE v > 'c';
DELETE FROM d WHERE 0;
DELETE FROM d WHERE nosuch = 1;
SELECT id, v FROM d ORDER BY id;
DELETE FROM d;
SELECT count(*) FROM d;
INSERT INTO d(v) VALUES ('after');
SELECT id, v FROM d;


-- AUTOINCREMENT never reuses rowids; plain rowid tables take max + 1.
CREATE TABLE ai(id INTEGER PRIMARY KEY AUTOINCREMENT, v);
CREATE TABLE na(id INTEGER PRIMARY KEY, v);
INSERT INTO ai(v) VALUES ('a'), ('b'), ('c');
INSERT INTO na(v) VALUES ('a'), ('b'), ('c');
DELETE FROM ai WHERE id = 3;
DELETE FROM na WHERE id = 3;
INSERT INTO ai(v) VALUES ('d');
INSERT INTO na(v) VALUES ('d');
SELECT id, v FROM ai ORDER BY id;
SELECT id, v FROM na ORDER BY id;
SELECT name, seq FROM sqlite_sequence ORDER BY name;
INSERT INTO ai VALUES (100, 'x');
INSERT INTO ai(v) VALUES ('y');
SELECT max(id) FROM ai;
INSERT INTO na VALUES (9223372036854775807, 'max');
SELECT count(*) FROM na;

-- Multi-column keys and WITHOUT ROWID.
CREATE TABLE mk(a INTEGER, b TEXT, c, PRIMARY KEY (a, b));
INSERT INTO mk VALUES (1, 'x', 1), (1, 'y', 2), (2, 'x', 3);
INSERT INTO mk VALUES (1, 'x', 4);
INSERT INTO mk VALUES (NULL, 'x', 5);
INSERT INTO mk VALUES (NULL, 'x', 6);
SELECT a, b, c FROM mk ORDER BY c;

CREATE TABLE wr(k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
INSERT INTO wr VALUES ('b', 2), ('a', 1), ('c', 3);
INSERT INTO wr VALUES ('a', 9);
INSERT INTO wr VALUES (NULL, 9);
INSERT OR REPLACE INTO wr VALUES ('a', 10);
UPDATE wr SET v = v * 100 WHERE k >= 'b';
DELETE FROM wr WHERE k = 'c';
SELECT k, v FROM wr;
SELECT k, v FROM wr ORDER BY k DESC;
SELECT rowid FROM wr;

-- Table-level CHECK and multi-row semantics.
CREATE TABLE ck(a INTEGER, b INTEGER, CHECK (a < b), CONSTRAINT positive CHECK (a > 0));
INSERT INTO ck VALUES (1, 2);
INSERT INTO ck VALUES (2, 1);
INSERT INTO ck VALUES (-1, 5);
INSERT INTO ck VALUES (NULL, 1);
INSERT INTO ck VALUES (3, 4), (5, 4);
SELECT a, b FROM ck ORDER BY a;
UPDATE ck SET b = 0;
SELECT a, b FROM ck ORDER BY a;

-- Statement atomicity inside a transaction.
CREATE TABLE at(x INTEGER UNIQUE);
BEGIN;
INSERT INTO at VALUES (1), (2);
INSERT INTO at VALUES (3), (1);
INSERT INTO at VALUES (4);
COMMIT;
SELECT x FROM at ORDER BY x;
BEGIN;
INSERT INTO at VALUES (5);
INSERT OR ROLLBACK INTO at VALUES (1);
SELECT x FROM at ORDER BY x;
COMMIT;
BEGIN;
INSERT INTO at VALUES (6);
INSERT OR FAIL INTO at VALUES (7), (1), (8);
COMMIT;
SELECT x FROM at ORDER BY x;

-- Transactions and savepoints.
BEGIN;
BEGIN;
INSERT INTO at VALUES (10);
ROLLBACK;
SELECT x FROM at ORDER BY x;
COMMIT;
ROLLBACK;
SAVEPOINT s1;
INSERT INTO at VALUES (20);
SAVEPOINT s2;
INSERT INTO at VALUES (21);
ROLLBACK TO s2;
INSERT INTO at VALUES (22);
RELEASE s1;
SELECT x FROM at ORDER BY x;
BEGIN;
SAVEPOINT a;
INSERT INTO at VALUES (30);
SAVEPOINT b;
INSERT INTO at VALUES (31);
RELEASE b;
ROLLBACK TO a;
INSERT INTO at VALUES (32);
RELEASE a;
COMMIT;
SELECT x FROM at ORDER BY x;
RELEASE nosuch;
ROLLBACK TO nosuch;
BEGIN IMMEDIATE;
INSERT INTO at VALUES (40);
END;
BEGIN EXCLUSIVE;
DELETE FROM at WHERE x >= 30;
COMMIT TRANSACTION;
SELECT x FROM at ORDER BY x;
BEGIN DEFERRED TRANSACTION;
CREATE TABLE in_txn(a);
INSERT INTO in_txn VALUES (1);
ROLLBACK TRANSACTION;
SELECT * FROM in_txn;
SAVEPOINT outer_sp;
CREATE TABLE sp_tab(a);
ROLLBACK TO outer_sp;
SELECT * FROM sp_tab;
RELEASE outer_sp;

-- INSERT ... SELECT, including from the table itself.
CREATE TABLE src(a INTEGER, b TEXT);
INSERT INTO src VALUES (1, 'x'), (2, 'y');
INSERT INTO src SELECT a + 10, b || b FROM src;
INSERT INTO src SELECT a + 100, b FROM src WHERE a > 10;
SELECT a, b FROM src ORDER BY a;
INSERT INTO src(b) SELECT 'only b';
INSERT INTO src SELECT 1;
INSERT INTO src SELECT a, b, a FROM src;
SELECT count(*), sum(a) FROM src;

-- Rowid edge cases, REPLACE with NOT NULL defaults, keys of mixed types, triggers on writes.
CREATE TABLE dt(id INTEGER PRIMARY KEY, a INTEGER UNIQUE, b TEXT NOT NULL DEFAULT 'dflt', c CHECK (c <> 'bad'));
INSERT INTO dt(a, b, c) VALUES (1, 'x', 'ok');
INSERT INTO dt(a, b) VALUES (2, NULL);
INSERT OR REPLACE INTO dt(a, b) VALUES (3, NULL);
SELECT id, a, b FROM dt ORDER BY id;
INSERT OR IGNORE INTO dt(a, b) VALUES (4, NULL);
SELECT count(*) FROM dt;
UPDATE OR REPLACE dt SET b = NULL WHERE a = 1;
SELECT id, a, b FROM dt ORDER BY id;
INSERT INTO dt(id, a) VALUES (-5, 5), (0, 6);
INSERT INTO dt(a) VALUES (7);
SELECT id, a FROM dt ORDER BY id;
INSERT INTO dt(id, a) VALUES ('abc', 8);
INSERT INTO dt(id, a) VALUES (1.5, 8);
INSERT INTO dt(id, a) VALUES ('12', 8);
SELECT id, typeof(id) FROM dt WHERE a = 8;
UPDATE dt SET id = NULL WHERE a = 8;
SELECT id FROM dt WHERE a = 8;
UPDATE dt SET a = a + 1;
SELECT a FROM dt ORDER BY a;
UPDATE dt SET a = 10 - a;
SELECT a FROM dt ORDER BY a;
DELETE FROM dt WHERE id IN (SELECT id FROM dt ORDER BY id LIMIT 2);
SELECT count(*) FROM dt;
CREATE TABLE du(x INTEGER PRIMARY KEY, y);
INSERT INTO du VALUES (1, 'a'), (2, 'b'), (3, 'c');
UPDATE du SET x = x + 1;
SELECT x, y FROM du ORDER BY x;
UPDATE du SET x = 5 - x;
SELECT x, y FROM du ORDER BY x;
INSERT INTO du SELECT x + 10, y FROM du ORDER BY x DESC LIMIT 2;
SELECT x, y FROM du ORDER BY x;
INSERT INTO du(y) SELECT y FROM du;
SELECT count(*), max(x) FROM du;
CREATE TABLE dlog(msg);
CREATE TRIGGER du_bd BEFORE DELETE ON du BEGIN INSERT INTO dlog VALUES ('del ' || old.x); END;
CREATE TRIGGER du_bu BEFORE UPDATE OF y ON du BEGIN INSERT INTO dlog VALUES ('upd ' || old.y || '->' || new.y); END;
DELETE FROM du WHERE x > 12;
UPDATE du SET y = upper(y) WHERE x < 3;
UPDATE du SET x = x WHERE x = 1;
SELECT msg FROM dlog ORDER BY rowid;
INSERT OR REPLACE INTO du VALUES (1, 'replaced');
SELECT msg FROM dlog ORDER BY rowid;
CREATE TRIGGER du_ai AFTER INSERT ON du BEGIN UPDATE du SET y = y || '!' WHERE x = new.x; END;
INSERT INTO du VALUES (50, 'fifty');
SELECT x, y FROM du WHERE x = 50;
SELECT msg FROM dlog ORDER BY rowid;
SELECT last_insert_rowid();
CREATE TABLE dv(k PRIMARY KEY, n);
INSERT INTO dv VALUES (1, 1), ('1', 2);
INSERT INTO dv VALUES (1.0, 3);
SELECT k, typeof(k), n FROM dv ORDER BY n;
CREATE TABLE dw(k TEXT PRIMARY KEY, n);
INSERT INTO dw VALUES (1, 1);
INSERT INTO dw VALUES ('1', 2);
SELECT k, typeof(k) FROM dw;
CREATE TABLE dz(a, b, PRIMARY KEY(b, a)) WITHOUT ROWID;
INSERT INTO dz VALUES (1, 2), (2, 1), (1, 1);
SELECT a, b FROM dz;
SELECT a, b FROM dz ORDER BY a, b;
INSERT INTO dz VALUES (1, 2) ON CONFLICT DO UPDATE SET a = 9;
INSERT INTO dz VALUES (3, 3) ON CONFLICT (b, a) DO NOTHING RETURNING *;
SELECT a, b FROM dz ORDER BY a, b;

-- Found by dosql-fuzz: a new rowid is the largest plus one, also when that is negative
-- (AUTOINCREMENT starts above the sequence, at least 1).
CREATE TABLE fz_neg(a INTEGER PRIMARY KEY, b TEXT);
INSERT INTO fz_neg VALUES (-9223372036854775807, 'x'), (NULL, 'y');
INSERT INTO fz_neg(b) VALUES ('z');
SELECT a, b FROM fz_neg ORDER BY a;
CREATE TABLE fz_neg_ai(a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT);
INSERT INTO fz_neg_ai VALUES (-5, 'x');
INSERT INTO fz_neg_ai(b) VALUES ('y');
SELECT a, b FROM fz_neg_ai ORDER BY a;

-- Found by dosql-fuzz: a row that a conflict skips still advances the AUTOINCREMENT sequence.
CREATE TABLE fz_ai(a INTEGER PRIMARY KEY AUTOINCREMENT, b NOT NULL UNIQUE);
INSERT OR IGNORE INTO fz_ai VALUES (34, 1), (57, 1);
INSERT INTO fz_ai(b) VALUES (2);
INSERT INTO fz_ai VALUES (70, 2) ON CONFLICT DO NOTHING;
INSERT INTO fz_ai(b) VALUES (3);
SELECT a, b FROM fz_ai ORDER BY a;
SELECT seq FROM sqlite_sequence WHERE name = 'fz_ai';
