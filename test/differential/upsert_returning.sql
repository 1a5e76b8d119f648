-- UPSERT (ON CONFLICT DO ...) and RETURNING.

CREATE TABLE kv(k TEXT PRIMARY KEY, v INTEGER, hits INTEGER DEFAULT 0);
INSERT INTO kv VALUES ('a', 1, 0), ('b', 2, 0);
INSERT INTO kv(k, v) VALUES ('a', 10) ON CONFLICT(k) DO UPDATE SET v = excluded.v, hits = hits + 1;
INSERT INTO kv(k, v) VALUES ('c', 3) ON CONFLICT(k) DO UPDATE SET v = excluded.v, hits = hits + 1;
INSERT INTO kv(k, v) VALUES ('b', 20) ON CONFLICT DO NOTHING;
INSERT INTO kv(k, v) VALUES ('b', 20) ON CONFLICT(k) DO NOTHING;
INSERT INTO kv(k, v) VALUES ('a', 100) ON CONFLICT(k) DO UPDATE SET v = v + excluded.v WHERE excluded.v > 1000;
INSERT INTO kv(k, v) VALUES ('a', 5) ON CONFLICT(k) DO UPDATE SET v = kv.v + excluded.v WHERE kv.v < 50;
SELECT k, v, hits FROM kv ORDER BY k;
INSERT INTO kv(k, v) VALUES ('a', 1), ('d', 4), ('a', 2) ON CONFLICT(k) DO UPDATE SET hits = hits + 10, v = excluded.v;
SELECT k, v, hits FROM kv ORDER BY k;
INSERT INTO kv(k, v) VALUES ('a', 1) ON CONFLICT(v) DO NOTHING;
INSERT INTO kv(k, v) VALUES ('a', 1) ON CONFLICT(k) DO UPDATE SET nosuch = 1;
INSERT INTO kv(k, v) SELECT k || '2', v FROM kv WHERE true ON CONFLICT(k) DO NOTHING;
INSERT INTO kv(k, v) SELECT k, v * 1000 FROM kv WHERE true ON CONFLICT(k) DO UPDATE SET v = excluded.v;
SELECT k, v, hits FROM kv ORDER BY k;

CREATE TABLE multi(a INTEGER UNIQUE, b INTEGER UNIQUE, c TEXT);
INSERT INTO multi VALUES (1, 1, 'one'), (2, 2, 'two');
INSERT INTO multi VALUES (1, 5, 'x') ON CONFLICT(a) DO UPDATE SET c = 'a-conflict';
INSERT INTO multi VALUES (7, 2, 'x') ON CONFLICT(a) DO UPDATE SET c = 'a-conflict';
INSERT INTO multi VALUES (8, 9, 'x') ON CONFLICT DO UPDATE SET c = 'any';
SELECT a, b, c FROM multi ORDER BY a;


CREATE TABLE cnt(word TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;
INSERT INTO cnt(word) VALUES ('x') ON CONFLICT(word) DO UPDATE SET n = n + 1;
INSERT INTO cnt(word) VALUES ('x') ON CONFLICT(word) DO UPDATE SET n = n + 1;
INSERT INTO cnt(word) VALUES ('y') ON CONFLICT(word) DO UPDATE SET n = n + 1;
INSERT INTO cnt(word) VALUES ('x') ON CONFLICT(word) DO UPDATE SET n = NULL;
SELECT word, n FROM cnt ORDER BY word;

CREATE TABLE rowidup(id INTEGER PRIMARY KEY, v TEXT);
INSERT INTO rowidup VALUES (1, 'a');
INSERT INTO rowidup VALUES (1, 'b') ON CONFLICT(id) DO UPDATE SET v = v || excluded.v;
INSERT INTO rowidup VALUES (1, 'c') ON CONFLICT DO UPDATE SET v = v || excluded.v;
SELECT id, v FROM rowidup;

-- RETURNING.
CREATE TABLE r(id INTEGER PRIMARY KEY, name TEXT, score REAL DEFAULT 0.5);
INSERT INTO r(name) VALUES ('ann') RETURNING id, name, score;
INSERT INTO r(name, score) VALUES ('bob', 2.25), ('cy', 3.5) RETURNING *;
INSERT INTO r(name) VALUES ('dan') RETURNING id * 10 AS tenfold, upper(name), typeof(score);
INSERT INTO r(id, name) VALUES (1, 'dup') RETURNING id;
INSERT OR IGNORE INTO r(id, name) VALUES (1, 'dup'), (20, 'twenty') RETURNING id, name;
INSERT INTO r(id, name) VALUES (2, 'bob2') ON CONFLICT(id) DO UPDATE SET name = excluded.name RETURNING id, name, score;
UPDATE r SET name = name || '!' WHERE id > 100 RETURNING id;
DELETE FROM r WHERE id = 3 RETURNING *;
DELETE FROM r WHERE name LIKE 'd%' RETURNING name, score;
INSERT INTO r(name) SELECT name || '2' FROM r RETURNING name;
SELECT id, name, score FROM r ORDER BY id;
DELETE FROM r RETURNING id;
SELECT count(*) FROM r;
INSERT INTO r(name) VALUES ('x') RETURNING nosuch;
INSERT INTO r(name) VALUES ('y') RETURNING count(*);
SELECT id, name FROM r;

-- UPSERT: the conflict target's constraint is checked first, and OR IGNORE combined with
-- DO UPDATE still updates.
CREATE TABLE multi2(a INTEGER UNIQUE, b INTEGER UNIQUE, c TEXT);
INSERT INTO multi2 VALUES (1, 1, 'one'), (2, 2, 'two');
INSERT INTO multi2 VALUES (7, 2, 'x') ON CONFLICT(a) DO NOTHING ON CONFLICT(b) DO UPDATE SET c = 'b-conflict';
INSERT INTO multi2 VALUES (2, 1, 'x') ON CONFLICT(b) DO UPDATE SET c = 'b-hit';
INSERT OR IGNORE INTO multi2 VALUES (1, 1, 'ign') ON CONFLICT(a) DO UPDATE SET c = c || '+';
SELECT a, b, c FROM multi2 ORDER BY a;

-- Found by dosql-fuzz: excluded.* has no column affinity or collation in comparisons (SQLite).
CREATE TABLE fz_ex(a INT, b BOOLEAN, c TEXT COLLATE NOCASE, k UNIQUE);
INSERT INTO fz_ex VALUES (0, 9, 'a', 0);
INSERT INTO fz_ex VALUES (0, 1, 'a', 0) ON CONFLICT DO UPDATE SET a = (excluded.b <= '-0') * 10 + (fz_ex.b <= '-0');
INSERT INTO fz_ex VALUES (0, 1, 'a', 0) ON CONFLICT DO UPDATE SET b = (excluded.c = 'A') * 10 + (fz_ex.c = 'A');
SELECT * FROM fz_ex;
INSERT INTO fz_ex VALUES (0, 1, 'a', 0) ON CONFLICT DO UPDATE SET a = 5 WHERE excluded.b <= '-0';
SELECT changes(), * FROM fz_ex;
