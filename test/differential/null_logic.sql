-- Three-valued logic and NULL handling everywhere.

SELECT NULL AND 0, NULL AND 1, 0 AND NULL, 1 AND NULL, NULL AND NULL;
SELECT NULL OR 0, NULL OR 1, 0 OR NULL, 1 OR NULL, NULL OR NULL;
SELECT NOT NULL, NULL = NULL, NULL <> NULL, NULL IS NULL, NULL IS NOT NULL, NULL IS 1;
SELECT 1 IN (NULL), 1 IN (1, NULL), 2 IN (1, NULL), 2 NOT IN (1, NULL), NULL IN (), NULL NOT IN ();
SELECT NULL IN (1, 2), NULL NOT IN (1, 2), NULL BETWEEN 1 AND 2, 1 BETWEEN NULL AND 2, 3 BETWEEN NULL AND 2;
SELECT NULL + 1, NULL * 0, NULL / 0, NULL || 'x', -NULL, ~NULL, NULL << 1;
SELECT NULL LIKE 'a', 'a' LIKE NULL, NULL GLOB '*', 'abc' LIKE 'a%' ESCAPE NULL;
SELECT coalesce(NULL), coalesce(NULL, NULL), ifnull(NULL, NULL), nullif(NULL, 1), nullif(1, NULL);
SELECT CASE WHEN NULL THEN 1 ELSE 2 END, CASE NULL WHEN 1 THEN 'a' ELSE 'b' END;
SELECT typeof(NULL + 1), typeof(max(NULL, 1)), typeof(min(1, NULL)), typeof(abs(NULL));
SELECT (NULL, 1) = (NULL, 1), (1, NULL) = (2, NULL), (1, NULL) <> (2, NULL), (1, NULL) < (2, 0);
SELECT length(NULL), upper(NULL), substr(NULL, 1), replace('abc', NULL, 'x'), instr(NULL, 'a');

CREATE TABLE n(id INTEGER PRIMARY KEY, a, b);
INSERT INTO n VALUES (1, 1, 1), (2, 1, NULL), (3, NULL, 1), (4, NULL, NULL), (5, 0, 0), (6, 2, 3);
SELECT id FROM n WHERE a = b ORDER BY id;
SELECT id FROM n WHERE a IS b ORDER BY id;
SELECT id FROM n WHERE a IS NOT b ORDER BY id;
SELECT id FROM n WHERE a <> b ORDER BY id;
SELECT id FROM n WHERE NOT (a = b) ORDER BY id;
SELECT id FROM n WHERE a = b OR a IS NULL ORDER BY id;
SELECT id FROM n WHERE a IS NULL AND b IS NOT NULL ORDER BY id;
SELECT id FROM n WHERE a ISNULL ORDER BY id;
SELECT id FROM n WHERE b NOTNULL ORDER BY id;
SELECT id FROM n WHERE b NOT NULL ORDER BY id;
SELECT id FROM n WHERE a AND b ORDER BY id;
SELECT id FROM n WHERE a OR b ORDER BY id;
SELECT id FROM n WHERE NOT a ORDER BY id;
SELECT id FROM n WHERE a IN (1, NULL) ORDER BY id;
SELECT id FROM n WHERE a NOT IN (1, NULL) ORDER BY id;
SELECT id FROM n WHERE a NOT IN (2, 3) ORDER BY id;
SELECT id FROM n WHERE a NOT IN (SELECT b FROM n WHERE id = 6) ORDER BY id;
SELECT id FROM n WHERE a NOT IN (SELECT b FROM n) ORDER BY id;
SELECT id FROM n WHERE a IN (SELECT b FROM n) ORDER BY id;
SELECT id FROM n WHERE a BETWEEN 0 AND b ORDER BY id;
SELECT id, a = b, a IS b, a <> b, a IS NOT b, a AND b, a OR b, NOT a FROM n ORDER BY id;
SELECT id, coalesce(a, b, -1), ifnull(b, a), nullif(a, b), a + b, a || b FROM n ORDER BY id;
SELECT id, CASE a WHEN b THEN 'same' ELSE 'diff' END FROM n ORDER BY id;
SELECT id, CASE WHEN a THEN 'a' WHEN b THEN 'b' ELSE 'neither' END FROM n ORDER BY id;
SELECT id, max(a, b), min(a, b) FROM n ORDER BY id;

-- NULLs in aggregates, GROUP BY, DISTINCT, ORDER BY.
SELECT count(*), count(a), count(b), sum(a), total(a), avg(a), min(a), max(a) FROM n;
SELECT count(DISTINCT a), count(DISTINCT b), sum(DISTINCT a) FROM n;
SELECT a, count(*) FROM n GROUP BY a ORDER BY a;
SELECT b, count(*) FROM n GROUP BY b ORDER BY b DESC;
SELECT DISTINCT a FROM n ORDER BY a;
SELECT DISTINCT a, b FROM n WHERE a IS NULL OR b IS NULL ORDER BY a, b;
SELECT id, a FROM n ORDER BY a, id;
SELECT id, a FROM n ORDER BY a DESC, id;
SELECT id, a FROM n ORDER BY a NULLS LAST, id;
SELECT id, a FROM n ORDER BY a DESC NULLS FIRST, id;
SELECT sum(a), avg(b), max(a), min(b), count(a), total(b), group_concat(a) FROM n WHERE id > 100;
SELECT typeof(sum(a)), typeof(total(a)), typeof(avg(a)) FROM n WHERE a IS NULL;
SELECT a, sum(b), count(b) FROM n GROUP BY a HAVING sum(b) IS NULL ORDER BY a;

-- NULLs and unique constraints: several NULLs are allowed.
CREATE TABLE un(x UNIQUE, y);
INSERT INTO un VALUES (NULL, 1), (NULL, 2), (1, 3);
INSERT INTO un VALUES (1, 4);
SELECT x, y FROM un ORDER BY y;
CREATE TABLE un2(x, y, UNIQUE(x, y));
INSERT INTO un2 VALUES (1, NULL), (1, NULL), (NULL, NULL);
INSERT INTO un2 VALUES (1, 2);
INSERT INTO un2 VALUES (1, 2);
SELECT count(*) FROM un2;

-- NULL in joins.
CREATE TABLE nl(k, v);
CREATE TABLE nr(k, w);
INSERT INTO nl VALUES (1, 'a'), (NULL, 'b'), (2, 'c');
INSERT INTO nr VALUES (1, 'x'), (NULL, 'y'), (3, 'z');
SELECT v, w FROM nl JOIN nr ON nl.k = nr.k;
SELECT v, w FROM nl JOIN nr ON nl.k IS nr.k;
SELECT v, w FROM nl LEFT JOIN nr ON nl.k = nr.k ORDER BY v;
SELECT v, w FROM nl LEFT JOIN nr ON nl.k = nr.k WHERE w IS NULL ORDER BY v;
SELECT v, nr.k IS NULL FROM nl LEFT JOIN nr USING (k) ORDER BY v;
SELECT count(*) FROM nl, nr WHERE nl.k = nr.k OR (nl.k IS NULL AND nr.k IS NULL);

-- x IS TRUE / x IS FALSE test truth, not equality with 1 / 0.
SELECT NULL IS FALSE, NULL IS NOT FALSE, 0 IS FALSE, 1 IS TRUE, 2 IS TRUE, 0.5 IS TRUE;
SELECT 'x' IS FALSE, '1' IS TRUE, 2 IS NOT TRUE, -1 IS NOT FALSE;
