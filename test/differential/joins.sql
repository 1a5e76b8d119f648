-- Joins of every kind.

CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, dept INTEGER, boss INTEGER, salary REAL);
CREATE TABLE dept(id INTEGER PRIMARY KEY, dname TEXT, city TEXT);
CREATE TABLE proj(pid INTEGER PRIMARY KEY, title TEXT, dept INTEGER, lead INTEGER);
INSERT INTO dept VALUES (1, 'eng', 'Oslo'), (2, 'ops', 'Rome'), (3, 'sales', 'Oslo'), (4, 'empty', 'Lima');
INSERT INTO emp VALUES
  (1, 'ann', 1, NULL, 100.5),
  (2, 'bob', 1, 1, 80.25),
  (3, 'cid', 2, 1, 70.0),
  (4, 'dee', 2, 3, 65.5),
  (5, 'eve', 3, 1, 90.0),
  (6, 'fay', NULL, 2, 50.75),
  (7, 'gus', 9, 5, 40.0);
INSERT INTO proj VALUES (10, 'alpha', 1, 2), (11, 'beta', 1, 1), (12, 'gamma', 2, 4), (13, 'delta', 5, NULL), (14, 'eps', 3, 7);

SELECT e.name, d.dname FROM emp e JOIN dept d ON e.dept = d.id;
SELECT e.name, d.dname FROM emp e INNER JOIN dept d ON e.dept = d.id ORDER BY e.name;
SELECT e.name, d.dname FROM emp AS e, dept AS d WHERE e.dept = d.id AND d.city = 'Oslo' ORDER BY 1;
SELECT e.name, d.dname FROM emp e CROSS JOIN dept d WHERE e.dept = d.id ORDER BY e.id;
SELECT count(*) FROM emp, dept;
SELECT count(*) FROM emp CROSS JOIN dept CROSS JOIN proj;
SELECT e.name, d.dname FROM emp e LEFT JOIN dept d ON e.dept = d.id ORDER BY e.id;
SELECT e.name, d.dname FROM emp e LEFT OUTER JOIN dept d ON e.dept = d.id AND d.city = 'Oslo' ORDER BY e.id;
SELECT e.name, d.dname FROM emp e LEFT JOIN dept d ON e.dept = d.id WHERE d.city = 'Oslo' ORDER BY e.id;
SELECT d.dname, count(e.id) FROM dept d LEFT JOIN emp e ON e.dept = d.id GROUP BY d.id ORDER BY d.id;
SELECT d.dname, e.name FROM dept d LEFT JOIN emp e ON e.dept = d.id WHERE e.id IS NULL;
SELECT e.name, d.dname FROM emp e RIGHT JOIN dept d ON e.dept = d.id;
SELECT e.name, d.dname FROM emp e RIGHT OUTER JOIN dept d ON e.dept = d.id WHERE e.name IS NULL;
SELECT e.name, d.dname FROM emp e FULL JOIN dept d ON e.dept = d.id;
SELECT e.name, d.dname FROM emp e FULL OUTER JOIN dept d ON e.dept = d.id WHERE e.id IS NULL OR d.id IS NULL;
SELECT coalesce(e.name, '-'), coalesce(d.dname, '-') FROM emp e FULL JOIN dept d ON e.dept = d.id ORDER BY 1, 2;
SELECT e.name, b.name FROM emp e JOIN emp b ON e.boss = b.id ORDER BY e.id;
SELECT e.name, b.name FROM emp e LEFT JOIN emp b ON e.boss = b.id ORDER BY e.id;
SELECT e.name, b.name, bb.name FROM emp e LEFT JOIN emp b ON e.boss = b.id LEFT JOIN emp bb ON b.boss = bb.id ORDER BY e.id;
SELECT p.title, e.name, d.dname FROM proj p JOIN emp e ON p.lead = e.id JOIN dept d ON p.dept = d.id;
SELECT p.title, e.name, d.dname FROM proj p LEFT JOIN emp e ON p.lead = e.id LEFT JOIN dept d ON p.dept = d.id ORDER BY p.pid;
SELECT p.title, d.dname FROM proj p LEFT JOIN dept d ON p.dept = d.id JOIN emp e ON e.id = p.lead ORDER BY p.pid;
SELECT p.title, e.name FROM proj p JOIN emp e ON p.lead = e.id AND p.dept = e.dept ORDER BY p.pid;
SELECT p.title, e.name FROM proj p, emp e WHERE p.lead = e.id AND p.dept <> e.dept;
SELECT e.name, p.title FROM emp e JOIN proj p ON p.dept = e.dept AND e.salary > 75 ORDER BY e.id, p.pid;
SELECT e.name, p.title FROM emp e JOIN proj p ON e.salary > 85 ORDER BY e.id, p.pid;
SELECT e.name, p.title FROM emp e LEFT JOIN proj p ON p.lead = e.id AND p.title LIKE '%a' ORDER BY e.id, p.pid;

-- USING and NATURAL.
CREATE TABLE a1(k INTEGER, x TEXT, shared TEXT);
CREATE TABLE b1(k INTEGER, y TEXT, shared TEXT);
INSERT INTO a1 VALUES (1, 'a', 's1'), (2, 'b', 's2'), (3, 'c', 's3'), (NULL, 'n', 's4');
INSERT INTO b1 VALUES (1, 'p', 's1'), (2, 'q', 'zz'), (4, 'r', 's4'), (NULL, 'm', 's4');
SELECT * FROM a1 JOIN b1 USING (k);
SELECT * FROM a1 JOIN b1 USING (k, shared);
SELECT * FROM a1 NATURAL JOIN b1;
SELECT * FROM a1 NATURAL LEFT JOIN b1;
SELECT k, x, y FROM a1 LEFT JOIN b1 USING (k);
SELECT k, x, y FROM a1 RIGHT JOIN b1 USING (k);
SELECT k, x, y FROM a1 FULL JOIN b1 USING (k);
SELECT a1.k, b1.k, x, y FROM a1 FULL JOIN b1 USING (k);
SELECT * FROM a1 JOIN b1 USING (nosuch);
SELECT k FROM a1, b1;
SELECT x, y FROM a1 JOIN b1 ON a1.k = b1.k AND a1.shared = b1.shared;
SELECT count(*) FROM a1 JOIN b1 ON 1;
SELECT count(*) FROM a1 JOIN b1 ON 0;
SELECT count(*) FROM a1 LEFT JOIN b1 ON 0;
SELECT x, y FROM a1 LEFT JOIN b1 ON a1.k = b1.k WHERE b1.k IS NULL OR b1.y = 'p';
SELECT x, y FROM a1 LEFT JOIN b1 ON a1.k = b1.k AND b1.y = 'p';

-- Joins with subqueries and views in FROM.
SELECT d.dname, s.total FROM dept d JOIN (SELECT dept, sum(salary) AS total FROM emp GROUP BY dept) s ON s.dept = d.id ORDER BY d.id;
SELECT d.dname, s.n FROM dept d LEFT JOIN (SELECT dept, count(*) AS n FROM emp GROUP BY dept) s ON s.dept = d.id ORDER BY d.id;
SELECT t.name FROM (SELECT name, salary FROM emp WHERE salary > 60) AS t JOIN (SELECT max(salary) AS m FROM emp) AS u ON t.salary = u.m;
SELECT x.v, y.v FROM (SELECT 1 AS v UNION ALL SELECT 2) x, (SELECT 2 AS v UNION ALL SELECT 3) y WHERE x.v <= y.v;

-- Larger joins (hash join and nested loop must agree).
CREATE TABLE big1(id INTEGER PRIMARY KEY, g INTEGER, s TEXT);
CREATE TABLE big2(id INTEGER PRIMARY KEY, g INTEGER, t TEXT);
INSERT INTO big1 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 300) SELECT i, i % 17, 'r' || i FROM c;
INSERT INTO big2 WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200) SELECT i, i % 13, 'q' || (i % 7) FROM c;
SELECT count(*), sum(big1.id), sum(big2.id) FROM big1 JOIN big2 ON big1.g = big2.g;
SELECT count(*) FROM big1 LEFT JOIN big2 ON big1.g = big2.g + 10;
SELECT big1.g, count(*) FROM big1 JOIN big2 ON big1.g = big2.g GROUP BY big1.g ORDER BY big1.g;
SELECT count(*) FROM big1 JOIN big2 ON big1.id = big2.id * 2;
SELECT count(*) FROM big1, big2 WHERE big1.g < big2.g AND big2.id < 20;
SELECT count(*), count(big2.id) FROM big1 FULL JOIN big2 ON big1.id = big2.id + 250;
SELECT b1.s, b2.t FROM big1 b1 JOIN big2 b2 ON b1.id = b2.id WHERE b1.id % 50 = 0;
SELECT count(*) FROM big1 JOIN big2 ON big1.g = big2.g AND big1.s > big2.t;
SELECT count(*) FROM big1 JOIN big2 ON CAST(big1.g AS TEXT) = big2.g;
SELECT count(*) FROM big1 a JOIN big1 b ON a.g = b.g AND a.id < b.id;

-- More joins: mixed outer joins, joins through views and subqueries, NULL keys.
CREATE TABLE ja(x INTEGER, y TEXT);
CREATE TABLE jb(x INTEGER, z REAL);
INSERT INTO ja VALUES (1, 'a'), (2, 'b'), (3, 'c'), (NULL, 'n'), (2, 'bb');
INSERT INTO jb VALUES (2, 0.5), (3, 1.5), (4, 2.5), (NULL, 3.5), (3, 4.5);
SELECT * FROM ja, jb WHERE ja.x = jb.x;
SELECT * FROM ja LEFT JOIN jb ON ja.x = jb.x WHERE jb.z IS NULL OR jb.z > 1;
SELECT * FROM ja LEFT JOIN jb ON ja.x = jb.x AND jb.z > 1;
SELECT * FROM ja LEFT JOIN jb USING (x) LEFT JOIN ja AS a2 USING (x);
SELECT * FROM ja NATURAL JOIN jb;
SELECT * FROM ja RIGHT JOIN jb USING (x);
SELECT * FROM ja FULL JOIN jb USING (x) ORDER BY x, y, z;
SELECT * FROM ja JOIN jb ON ja.x > jb.x JOIN ja AS a3 ON a3.x = jb.x;
SELECT * FROM (ja JOIN jb USING (x)) JOIN ja AS c USING (x);
SELECT * FROM ja AS p, ja AS q WHERE p.y < q.y AND p.x = q.x;
SELECT y, (SELECT sum(z) FROM jb WHERE jb.x = ja.x) FROM ja ORDER BY y;
SELECT y FROM ja WHERE x IN (SELECT x FROM jb GROUP BY x HAVING count(*) > 1);
SELECT y FROM ja WHERE x > ANY (SELECT x FROM jb);
SELECT y FROM ja WHERE EXISTS (SELECT 1 FROM jb WHERE jb.x = ja.x LIMIT 0);
SELECT y FROM ja WHERE (SELECT z FROM jb WHERE jb.x = ja.x ORDER BY z DESC LIMIT 1) > 2;
SELECT ja.x, count(jb.x) FROM ja LEFT JOIN jb ON ja.x = jb.x GROUP BY ja.x ORDER BY ja.x;
SELECT ja.x, max(jb.z) FROM ja JOIN jb ON ja.x = jb.x GROUP BY ja.x HAVING max(jb.z) > 1 ORDER BY 1;
SELECT x FROM ja UNION SELECT x FROM jb ORDER BY x DESC;
SELECT x FROM ja INTERSECT SELECT x FROM jb;
SELECT x FROM ja EXCEPT SELECT x FROM jb;
SELECT * FROM (SELECT x FROM ja EXCEPT SELECT x FROM jb) JOIN jb USING (x);
SELECT count(*) FROM ja JOIN jb;
SELECT count(*) FROM ja JOIN jb ON TRUE WHERE ja.x = jb.x OR ja.x IS NULL;
SELECT y, z FROM ja CROSS JOIN jb WHERE ja.x + 1 = jb.x ORDER BY y, z;
SELECT DISTINCT ja.x FROM ja JOIN jb ON ja.x <= jb.x ORDER BY 1;
CREATE VIEW jvab AS SELECT ja.x, y, z FROM ja JOIN jb ON ja.x = jb.x;
SELECT * FROM jvab WHERE z > 1;
SELECT x, count(*) FROM jvab GROUP BY x;
SELECT * FROM jvab v1 JOIN jvab v2 USING (x) WHERE v1.y < v2.y;
CREATE VIEW jvagg AS SELECT x, count(*) AS n, sum(z) AS s FROM jb GROUP BY x;
SELECT * FROM jvagg WHERE n > 1;
SELECT ja.y, jvagg.s FROM ja LEFT JOIN jvagg USING (x) ORDER BY ja.y;
SELECT * FROM ja WHERE x = 2 AND y = 'b' OR x = 3;
SELECT * FROM ja WHERE NOT (x = 2 OR y = 'a');
SELECT * FROM ja WHERE x IN (2, 3) AND y NOT IN ('b');
SELECT * FROM ja WHERE y > 'b' AND y < 'c';
SELECT * FROM ja WHERE x + 0 = 2 AND +y = 'bb';
SELECT y FROM ja ORDER BY x DESC, y LIMIT 2 OFFSET 1;
SELECT (SELECT y FROM ja ORDER BY y LIMIT 1 OFFSET 2), (SELECT count(*) FROM (SELECT * FROM ja LIMIT 3));
WITH c AS (SELECT x, y FROM ja WHERE x IS NOT NULL) SELECT c1.y, c2.y FROM c c1 JOIN c c2 ON c1.x = c2.x AND c1.y < c2.y;
WITH RECURSIVE r(n, s) AS (SELECT 1, y FROM ja WHERE x = 1 UNION ALL SELECT n + 1, s || y FROM r JOIN ja ON ja.x = r.n + 1 WHERE n < 5) SELECT n, s FROM r ORDER BY n, s;

-- Found by dosql-fuzz: with a RIGHT/FULL join in the clause, a USING column that two left
-- tables have (not joined USING it) is ambiguous.
CREATE TABLE fz_u1(c0, c1);
CREATE TABLE fz_u2(c0);
INSERT INTO fz_u1 VALUES (1, 2);
INSERT INTO fz_u2 VALUES (1);
SELECT * FROM fz_u1 AS a RIGHT JOIN fz_u2 AS b ON 1 JOIN fz_u1 AS c USING (c0);
SELECT * FROM fz_u1 AS a JOIN fz_u2 AS b ON 1 JOIN fz_u1 AS c USING (c0) FULL JOIN fz_u2 AS d ON 0;
SELECT a.c1, c.c1 FROM fz_u1 AS a JOIN fz_u2 AS b USING (c0) RIGHT JOIN fz_u1 AS c USING (c0);
SELECT a.c1, c.c1 FROM fz_u1 AS a JOIN fz_u2 AS b ON 1 JOIN fz_u1 AS c USING (c0);
