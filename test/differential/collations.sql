-- User-defined collations: test/lockstep registers REV (reverse byte order), LEN (shorter
-- first, then byte order) and RNOCASE (NOCASE reversed) on both engines. Every query runs on an
-- unindexed table (plain) and on an identical one with indexes and UNIQUE constraints under the
-- collations (idx, whose TEXT keys are labels: libs/engine/src/index_key.h).

CREATE TABLE plain(id INTEGER PRIMARY KEY, r TEXT COLLATE REV, l COLLATE LEN, n TEXT COLLATE RNOCASE, b TEXT);
CREATE TABLE idx(id INTEGER PRIMARY KEY, r TEXT COLLATE REV, l COLLATE LEN, n TEXT COLLATE RNOCASE, b TEXT);
INSERT INTO plain WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 400)
SELECT i, 'w' || (i * 37 % 101), substr('abcdefghij', 1 + i % 7, 1 + i % 5),
       CASE i % 4 WHEN 0 THEN 'Key' || (i % 13) WHEN 1 THEN 'KEY' || (i % 13) WHEN 2 THEN 'key' || (i % 17) ELSE i % 9 END,
       CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN 'B' || (i % 11) ELSE 'b' || (i % 11) END FROM k;
INSERT INTO idx SELECT * FROM plain;
CREATE INDEX idx_r ON idx(r);
CREATE INDEX idx_l_desc ON idx(l DESC, id);
CREATE INDEX idx_n ON idx(n, r);
CREATE INDEX idx_b_rev ON idx(b COLLATE REV);
CREATE INDEX idx_b_rnocase ON idx(b COLLATE RNOCASE DESC);

SELECT count(*), sum(id) FROM plain WHERE r = 'w50';
SELECT count(*), sum(id) FROM idx WHERE r = 'w50';
SELECT id FROM plain WHERE r > 'w9' ORDER BY id;
SELECT id FROM idx WHERE r > 'w9' ORDER BY id;
SELECT id FROM plain WHERE r BETWEEN 'w5' AND 'w3' ORDER BY id;
SELECT id FROM idx WHERE r BETWEEN 'w5' AND 'w3' ORDER BY id;
SELECT r, id FROM plain ORDER BY r, id;
SELECT r, id FROM idx ORDER BY r, id;
SELECT r FROM plain ORDER BY r DESC LIMIT 12;
SELECT r FROM idx ORDER BY r DESC LIMIT 12;
SELECT count(*) FROM plain WHERE l = 'cde';
SELECT count(*) FROM idx WHERE l = 'cde';
SELECT count(*) FROM plain WHERE l > 'ab' AND l < 'abcd';
SELECT count(*) FROM idx WHERE l > 'ab' AND l < 'abcd';
SELECT l, id FROM plain ORDER BY l DESC, id;
SELECT l, id FROM idx ORDER BY l DESC, id;
SELECT count(*), sum(id) FROM plain WHERE n = 'KEY3';
SELECT count(*), sum(id) FROM idx WHERE n = 'KEY3';
SELECT count(*), sum(id) FROM plain WHERE n = 'key3' AND r < 'w5';
SELECT count(*), sum(id) FROM idx WHERE n = 'key3' AND r < 'w5';
SELECT count(*) FROM plain WHERE n >= 'key2' AND n < 'Key1';
SELECT count(*) FROM idx WHERE n >= 'key2' AND n < 'Key1';
SELECT count(*) FROM plain WHERE n < 5;
SELECT count(*) FROM idx WHERE n < 5;
SELECT id FROM plain WHERE n IN ('key5', 'KEY12', 7) ORDER BY id;
SELECT id FROM idx WHERE n IN ('key5', 'KEY12', 7) ORDER BY id;
SELECT id FROM plain WHERE b COLLATE REV = 'b3' ORDER BY id;
SELECT id FROM idx WHERE b COLLATE REV = 'b3' ORDER BY id;
SELECT count(*) FROM plain WHERE b COLLATE RNOCASE = 'b3';
SELECT count(*) FROM idx WHERE b COLLATE RNOCASE = 'b3';
SELECT count(*) FROM plain WHERE b COLLATE RNOCASE > 'B5';
SELECT count(*) FROM idx WHERE b COLLATE RNOCASE > 'B5';
SELECT lower(n), count(*) FROM plain GROUP BY n ORDER BY 1;
SELECT lower(n), count(*) FROM idx GROUP BY n ORDER BY 1;
SELECT count(DISTINCT n), count(DISTINCT r), count(DISTINCT l) FROM plain;
SELECT count(DISTINCT n), count(DISTINCT r), count(DISTINCT l) FROM idx;
SELECT min(r), max(r), min(l), max(l), lower(min(n)), lower(max(n)) FROM plain;
SELECT min(r), max(r), min(l), max(l), lower(min(n)), lower(max(n)) FROM idx;
SELECT count(*) FROM (SELECT DISTINCT n FROM plain);
SELECT count(*) FROM (SELECT n FROM plain UNION SELECT n FROM idx);
SELECT count(*) FROM (SELECT b COLLATE RNOCASE FROM plain INTERSECT SELECT upper(b) FROM idx);
SELECT count(*) FROM (SELECT r FROM plain EXCEPT SELECT r FROM idx WHERE id > 100);
SELECT l FROM plain UNION SELECT 'zz' ORDER BY 1;
SELECT id, rank() OVER (PARTITION BY lower(n) ORDER BY r) FROM plain WHERE id < 60 ORDER BY id;
SELECT p.id, i.id FROM plain p JOIN idx i ON p.r = i.r WHERE p.id < 30 ORDER BY 1, 2;
SELECT p.id, i.id FROM plain p JOIN idx i ON i.n = p.b WHERE p.id < 40 ORDER BY 1, 2;
SELECT 'abc' < 'abd' COLLATE REV, 'b' < 'aa' COLLATE LEN, 'A' = 'a' COLLATE RNOCASE, 'a' < 'B' COLLATE RNOCASE;

-- Maintenance under updates and deletes, then the same queries.
UPDATE idx SET r = r || 'x', n = upper(n) WHERE id % 3 = 0;
UPDATE plain SET r = r || 'x', n = upper(n) WHERE id % 3 = 0;
DELETE FROM idx WHERE id % 5 = 1;
DELETE FROM plain WHERE id % 5 = 1;
SELECT r, id FROM plain ORDER BY r, id;
SELECT r, id FROM idx ORDER BY r, id;
SELECT count(*), sum(id) FROM plain WHERE n = 'key3';
SELECT count(*), sum(id) FROM idx WHERE n = 'key3';
REINDEX REV;
SELECT id FROM idx WHERE r < 'w2' ORDER BY id;
SELECT id FROM plain WHERE r < 'w2' ORDER BY id;

-- UNIQUE under a collation, every conflict resolution.
CREATE TABLE u(id INTEGER PRIMARY KEY, k TEXT UNIQUE COLLATE RNOCASE, v);
INSERT INTO u(k, v) VALUES ('alpha', 1), ('Beta', 2);
INSERT INTO u(k, v) VALUES ('ALPHA', 3);
INSERT OR IGNORE INTO u(k, v) VALUES ('Alpha', 4);
INSERT OR REPLACE INTO u(k, v) VALUES ('BETA', 5);
INSERT INTO u(k, v) VALUES ('aLPHA', 6) ON CONFLICT(k) DO UPDATE SET v = v + 10;
UPDATE u SET k = 'beta' WHERE k = 'alpha';
SELECT * FROM u ORDER BY id;
CREATE TABLE wr(k TEXT PRIMARY KEY COLLATE LEN, v) WITHOUT ROWID;
INSERT INTO wr VALUES ('bb', 1), ('a', 2), ('ccc', 3);
INSERT INTO wr VALUES ('bb', 4);
SELECT * FROM wr;
SELECT * FROM wr WHERE k > 'zz';
CREATE UNIQUE INDEX u_rev ON plain(r);

-- Found by dosql-fuzz (+usercoll): which collation an expression carries up. A COLLATE in an
-- aggregate's or a function's arguments rises; one in a BETWEEN's bounds does not (only the
-- operand's does); a compound's ORDER BY uses the first SELECT's column collation.
CREATE TABLE g(c0 TEXT, c1);
INSERT INTO g VALUES (' 10 ', 1), ('a', 2), ('B', 'b');
SELECT c0 > (length(group_concat(c1 COLLATE REV)) == 5) FROM g GROUP BY c0 ORDER BY c0;
SELECT c0 > (0 == count(c1 COLLATE REV)) FROM g GROUP BY c0 ORDER BY c0;
SELECT c0 > -sum(c1 COLLATE REV) FROM g GROUP BY c0 ORDER BY c0;
SELECT c0 = lower(max(c1 COLLATE RNOCASE)) FROM g GROUP BY c0 ORDER BY c0;
SELECT -(1 BETWEEN 0 AND ('b' COLLATE REV)) UNION ALL SELECT 'ff' UNION ALL SELECT '0' ORDER BY 1 DESC;
SELECT (('b' COLLATE REV) BETWEEN 'a' AND 'c') UNION ALL SELECT 'ff' UNION ALL SELECT '0' ORDER BY 1 DESC;
SELECT (c0 COLLATE LEN) FROM g UNION SELECT 'zz' ORDER BY 1;
