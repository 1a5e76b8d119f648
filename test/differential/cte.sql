-- Common table expressions, including recursive ones.

WITH x AS (SELECT 1 AS a) SELECT a FROM x;
WITH x(a, b) AS (SELECT 1, 2) SELECT b, a FROM x;
WITH x(a) AS (SELECT 1, 2) SELECT * FROM x;
WITH x AS (SELECT 1 AS a), y AS (SELECT a + 1 AS b FROM x) SELECT * FROM x, y;
WITH x AS (SELECT 5 AS v) SELECT v FROM x UNION ALL SELECT v * 2 FROM x;
WITH x AS (SELECT 1 AS v UNION ALL SELECT 2) SELECT a.v, b.v FROM x AS a JOIN x AS b ON a.v < b.v;
WITH x AS (SELECT 1) SELECT * FROM nosuch;
WITH x AS MATERIALIZED (SELECT 3 AS v) SELECT v FROM x;
WITH x AS NOT MATERIALIZED (SELECT 4 AS v) SELECT v FROM x;
WITH x AS (SELECT 1 AS v) SELECT (SELECT v FROM x) + 1;
SELECT * FROM (WITH y AS (SELECT 7 AS z) SELECT z FROM y);
WITH a AS (SELECT 1 AS n), b AS (SELECT n FROM a UNION ALL SELECT n + 10 FROM a) SELECT sum(n) FROM b;

WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 10) SELECT x FROM cnt;
WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt LIMIT 5) SELECT x FROM cnt;
WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < 1000) SELECT count(*), sum(x), max(x) FROM cnt;
WITH RECURSIVE cnt(x) AS (SELECT 1 UNION SELECT x % 5 + 1 FROM cnt) SELECT x FROM cnt ORDER BY x;
WITH RECURSIVE fib(a, b, n) AS (SELECT 0, 1, 1 UNION ALL SELECT b, a + b, n + 1 FROM fib WHERE n < 60) SELECT n, a FROM fib ORDER BY n;
WITH RECURSIVE f(n, fact) AS (SELECT 1, 1 UNION ALL SELECT n + 1, fact * (n + 1) FROM f WHERE n < 25) SELECT n, fact, typeof(fact) FROM f ORDER BY n;
WITH RECURSIVE s(x) AS (SELECT 'a' UNION ALL SELECT x || 'b' FROM s WHERE length(x) < 6) SELECT x FROM s;
WITH RECURSIVE pow2(p) AS (SELECT 1.0 UNION ALL SELECT p / 2 FROM pow2 WHERE p > 1e-10) SELECT count(*), min(p), sum(p) FROM pow2;
WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 3) SELECT a.i, b.i FROM r a, r b ORDER BY a.i, b.i;
WITH RECURSIVE bad(x) AS (SELECT x FROM bad) SELECT * FROM bad;

CREATE TABLE tree(id INTEGER PRIMARY KEY, parent INTEGER, name TEXT);
INSERT INTO tree VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'a1'), (5, 2, 'a2'), (6, 4, 'a1x'), (7, 3, 'b1'), (8, 99, 'orphan');
WITH RECURSIVE sub(id, depth, path) AS (
  SELECT id, 0, name FROM tree WHERE parent IS NULL
  UNION ALL
  SELECT tree.id, sub.depth + 1, sub.path || '/' || tree.name FROM tree JOIN sub ON tree.parent = sub.id
) SELECT id, depth, path FROM sub ORDER BY id;
WITH RECURSIVE up(id, name) AS (
  SELECT id, name FROM tree WHERE id = 6
  UNION ALL
  SELECT tree.id, tree.name FROM tree, up WHERE tree.id = (SELECT parent FROM tree WHERE id = up.id)
) SELECT name FROM up;
WITH RECURSIVE sub(id) AS (SELECT 2 UNION ALL SELECT tree.id FROM tree, sub WHERE tree.parent = sub.id) SELECT count(*) FROM sub;
WITH RECURSIVE sub(id, lvl) AS (SELECT 1, 0 UNION ALL SELECT t.id, s.lvl + 1 FROM tree t JOIN sub s ON t.parent = s.id) SELECT lvl, count(*) FROM sub GROUP BY lvl ORDER BY lvl;
WITH RECURSIVE sub(id, lvl) AS (SELECT 1, 0 UNION ALL SELECT t.id, s.lvl + 1 FROM tree t JOIN sub s ON t.parent = s.id ORDER BY 2 DESC) SELECT id FROM sub;

-- A graph with a cycle: UNION stops it.
CREATE TABLE edge(src INTEGER, dst INTEGER);
INSERT INTO edge VALUES (1, 2), (2, 3), (3, 1), (3, 4), (5, 6);
WITH RECURSIVE reach(n) AS (SELECT 1 UNION SELECT dst FROM edge JOIN reach ON src = n) SELECT n FROM reach ORDER BY n;
WITH RECURSIVE reach(n, d) AS (SELECT 1, 0 UNION ALL SELECT dst, d + 1 FROM edge JOIN reach ON src = n WHERE d < 7) SELECT n, min(d), count(*) FROM reach GROUP BY n ORDER BY n;

-- CTEs inside other statements.
CREATE TABLE dest(v INTEGER);
INSERT INTO dest WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5) SELECT i * i FROM c;
SELECT v FROM dest ORDER BY v;
WITH big AS (SELECT v FROM dest WHERE v > 5) SELECT count(*) FROM big;
WITH m AS (SELECT max(v) AS mv FROM dest) SELECT v FROM dest, m WHERE v * 2 > mv ORDER BY v;
CREATE VIEW vcte AS WITH q AS (SELECT v FROM dest WHERE v % 2 = 1) SELECT v FROM q;
SELECT v FROM vcte ORDER BY v;
SELECT (WITH q AS (SELECT count(*) AS c FROM dest) SELECT c FROM q);
SELECT v FROM dest WHERE v IN (WITH q(x) AS (VALUES (1), (16)) SELECT x FROM q) ORDER BY v;
CREATE TABLE wdml(v INTEGER);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5) INSERT INTO wdml SELECT i FROM c;
SELECT count(*), sum(v) FROM wdml;
WITH big AS (SELECT 3 AS lim) DELETE FROM wdml WHERE v > (SELECT lim FROM big);
WITH d AS (SELECT 100 AS k) UPDATE wdml SET v = v + (SELECT k FROM d);
SELECT v FROM wdml ORDER BY v;
WITH RECURSIVE c(i) AS (SELECT 10 UNION ALL SELECT i + 10 FROM c WHERE i < 30) INSERT INTO wdml SELECT i FROM c RETURNING v;

-- Mandelbrot-style arithmetic-heavy recursion (exact REAL arithmetic must agree).
WITH RECURSIVE
  xaxis(x) AS (VALUES (-2.0) UNION ALL SELECT x + 0.25 FROM xaxis WHERE x < 1.0),
  yaxis(y) AS (VALUES (-1.0) UNION ALL SELECT y + 0.25 FROM yaxis WHERE y < 1.0),
  m(iter, cx, cy, x, y) AS (
    SELECT 0, x, y, 0.0, 0.0 FROM xaxis, yaxis
    UNION ALL
    SELECT iter + 1, cx, cy, x * x - y * y + cx, 2.0 * x * y + cy FROM m
     WHERE (x * x + y * y) < 4.0 AND iter < 20
  )
SELECT cx, cy, max(iter) FROM m GROUP BY cx, cy ORDER BY cy, cx;
WITH RECURSIVE c(i, x) AS (SELECT 1, 1.0 UNION ALL SELECT i + 1, x * 1.1 + 0.3 FROM c WHERE i < 40) SELECT i, x FROM c ORDER BY i;

-- Duplicate CTE names fail ("duplicate WITH table name: x").
WITH x AS (SELECT 1 AS v), x AS (SELECT 2 AS v) SELECT v FROM x;
