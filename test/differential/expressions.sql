-- Expressions, operators, literal typing and column affinity.

SELECT 1, -1, +1, 1.0, -1.5, 1e3, 1E-2, .5, 5., 0x10, 0XfF, -0x1;
SELECT 9223372036854775807, -9223372036854775808, 9223372036854775808, -9223372036854775809;
SELECT 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff;
SELECT 'abc', 'it''s', '', x'', x'00ff', X'414243';
SELECT NULL, TRUE, FALSE, true + true, NOT TRUE;
SELECT 7 / 2, 7 % 2, -7 / 2, -7 % 2, 7 / -2, 7 % -2;
SELECT 7.0 / 2, 7 / 2.0, 7.5 % 2, -7.5 % 2, 7 % 2.5;
SELECT 1 / 0, 1 % 0, 1.0 / 0, 0 / 0.0, 5 % 0.0;
SELECT 9223372036854775807 + 1, -9223372036854775808 - 1, 9223372036854775807 * 2;
SELECT -(-9223372036854775808), abs(-9223372036854775807);
SELECT 4611686018427387904 * 2, 3037000500 * 3037000500, -3037000500 * 3037000500;
SELECT 1 + '2', '3' * '4', '1.5' + 1, 'abc' + 1, '12abc' + 0, ' 7 ' + 0;
SELECT '0x10' + 0, '1e2' + 0, '.5' * 2, '-' + 1, x'3132' + 0;
SELECT 2 + 3 * 4, (2 + 3) * 4, 2 - 3 - 4, 2 * 3 % 4, 100 / 10 / 5;
SELECT 1 << 3, 256 >> 4, 1 << 63, 1 << 64, -1 >> 1, 5 & 3, 5 | 3, ~5, ~0;
SELECT 1 << -2, 16 >> -2, 3 & 1.9, '6' | '1';
SELECT 1 < 2, 2 < 1, 1 = 1.0, 1 == 1, 1 <> 2, 1 != 1, 2 >= 2, 3 <= 2;
SELECT 'a' < 'b', 'B' < 'a', 'abc' = 'abc', 'abc' < 'abcd', '' < 'a';
SELECT 1 < 'a', 'a' < x'00', 1 < x'00', NULL < 1, 2.5 > 2;
SELECT 1 = '1', '1' = 1, 1.0 = '1', 1 IS 1, NULL IS NULL, 1 IS NOT NULL, 1 IS NOT 2;
SELECT 'abc' || 'def', 1 || 2, 1.5 || 'x', NULL || 'a', x'41' || 'b';
SELECT 5 BETWEEN 1 AND 10, 5 NOT BETWEEN 1 AND 4, 'b' BETWEEN 'a' AND 'c', 3 BETWEEN 5 AND 1;
SELECT 3 IN (1, 2, 3), 4 IN (1, 2, 3), 4 NOT IN (1, 2, 3), '3' IN (1, 2, 3), 3 IN ('3');
SELECT CASE 1 WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END;
SELECT CASE WHEN 1 > 2 THEN 'a' WHEN 2 > 1 THEN 'b' END, CASE WHEN 0 THEN 1 END;
SELECT CASE 'x' WHEN 'X' THEN 1 ELSE 2 END, CASE 1.0 WHEN 1 THEN 'eq' END;
SELECT CASE NULL WHEN NULL THEN 'null matched' ELSE 'no match' END;
SELECT iif(1, 'y', 'n'), iif(0, 'y', 'n'), iif(NULL, 'y', 'n'), iif('1x', 'y', 'n');
SELECT coalesce(NULL, NULL, 3, 4), ifnull(NULL, 'd'), nullif(3, 3), nullif(3, 4);
SELECT typeof(1), typeof(1.0), typeof('1'), typeof(x'01'), typeof(NULL), typeof(1 + 1.0);
SELECT abs(-5), abs(-5.5), abs('-3'), abs(NULL), sign(-2), sign(0), sign(3.5);
SELECT round(2.5), round(-2.5), round(1.2345, 2), round(1.5, 0), round(123.456, -1);
SELECT max(1, 2, 3), min(1, 2, 3), max('a', 1), min(NULL, 1), max(1.5, 2);
SELECT 10 - - 2, - - 3, -'5', +'5', -x'35', - NULL;
SELECT NOT 0, NOT 1, NOT 'abc', NOT '1', NOT NULL, NOT 0.0;
SELECT 1 AND 1, 1 AND 0, 0 OR 1, 0 OR 0, 'x' AND 1, 2 AND 3;
SELECT 1 = 1 = 1, 2 = 2 = 2, 1 < 2 < 3, 3 > 2 > 1;
SELECT 'abc' COLLATE NOCASE = 'ABC', 'abc' = 'ABC' COLLATE NOCASE, 'abc ' = 'abc' COLLATE RTRIM;
SELECT 0.1 + 0.2, 0.1 * 3, 1e308 * 10, -1e308 * 10, 1.0 / 3;
SELECT 100000000000000000000, 1e20, 12345678901234567890.0, 2e-320;
SELECT -0.0, 0.0, -0.0 + 0.0, typeof(-0.0);
SELECT 1.5e1 + 1, 3 * 1.0, 6 / 3.0, 2.0 * 0.5;
SELECT unknown_column;
SELECT nosuchfunction(1);
SELECT abs(1, 2);
SELECT 1 +;
SELECT (1, 2) = (1, 2), (1, 2) < (1, 3), (1, NULL) = (1, 2), (2, 1) > (1, 9);
SELECT (1, 2) IN (SELECT 1, 2);
SELECT 1 WHERE 0;
SELECT 1 WHERE 1;
SELECT 'x' WHERE NULL;

-- Column affinity on storage.
CREATE TABLE aff(i INTEGER, r REAL, n NUMERIC, t TEXT, b BLOB, x);
INSERT INTO aff VALUES (1, 1, 1, 1, 1, 1);
INSERT INTO aff VALUES ('2', '2', '2', '2', '2', '2');
INSERT INTO aff VALUES ('3.0', '3.0', '3.0', '3.0', '3.0', '3.0');
INSERT INTO aff VALUES ('4.5', '4.5', '4.5', '4.5', '4.5', '4.5');
INSERT INTO aff VALUES (5.0, 5.0, 5.0, 5.0, 5.0, 5.0);
INSERT INTO aff VALUES ('x6', 'x6', 'x6', 'x6', 'x6', 'x6');
INSERT INTO aff VALUES (x'37', x'37', x'37', x'37', x'37', x'37');
INSERT INTO aff VALUES (NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO aff VALUES (' 8 ', ' 8 ', ' 8 ', ' 8 ', ' 8 ', ' 8 ');
INSERT INTO aff VALUES ('1e3', '1e3', '1e3', '1e3', '1e3', '1e3');
INSERT INTO aff VALUES ('9223372036854775808', '9223372036854775808', '9223372036854775808', '9223372036854775808', '9223372036854775808', '9223372036854775808');
INSERT INTO aff VALUES ('0x1A', '0x1A', '0x1A', '0x1A', '0x1A', '0x1A');
SELECT rowid, i, typeof(i), r, typeof(r), n, typeof(n), t, typeof(t), b, typeof(b), x, typeof(x) FROM aff ORDER BY rowid;
SELECT rowid FROM aff WHERE i = '2' ORDER BY rowid;
SELECT rowid FROM aff WHERE t = 2 ORDER BY rowid;
SELECT rowid FROM aff WHERE x = 2 ORDER BY rowid;
SELECT rowid FROM aff WHERE n = 3 ORDER BY rowid;
SELECT rowid FROM aff WHERE r > 4 ORDER BY rowid;
SELECT rowid FROM aff WHERE t > 4 ORDER BY rowid;
SELECT rowid FROM aff WHERE i IN ('1', '2', 5) ORDER BY rowid;
SELECT rowid FROM aff WHERE t IN (1, 2) ORDER BY rowid;
SELECT i + r, n * 2, t || 'z', b = '7', x < 3 FROM aff ORDER BY rowid;

-- Declared types map to affinities by SQLite's substring rules.
CREATE TABLE decl(a INT, b VARCHAR(10), c DOUBLE PRECISION, d FLOATING POINT, e CHARINT, f BLOBBY, g DECIMAL(10,2), h BOOLEAN, j DATE, k STRING);
INSERT INTO decl VALUES ('12', 12, '1.5', '2', '3', '4', '5.00', 'true', '2024-01-01', '0012');
SELECT typeof(a), typeof(b), typeof(c), typeof(d), typeof(e), typeof(f), typeof(g), typeof(h), typeof(j), typeof(k) FROM decl;
SELECT a, b, c, d, e, f, g, h, j, k FROM decl;

-- Comparisons between columns of different affinity.
CREATE TABLE cmp(a TEXT, b INTEGER, c);
INSERT INTO cmp VALUES ('10', 10, '10'), ('9', 9, 9), ('abc', 0, 'abc'), ('1.0', 1, 1.0);
SELECT a, b, a = b, a < b, b = c, a = c, c < b FROM cmp ORDER BY b;
SELECT count(*) FROM cmp WHERE a = b;
SELECT count(*) FROM cmp WHERE a + 0 = b;

-- Rowid aliases.
CREATE TABLE rid(id INTEGER PRIMARY KEY, v);
INSERT INTO rid(v) VALUES ('a'), ('b');
INSERT INTO rid VALUES (10, 'c');
INSERT INTO rid(v) VALUES ('d');
INSERT INTO rid VALUES ('20', 'e');
INSERT INTO rid VALUES ('x', 'f');
INSERT INTO rid VALUES (2.5, 'g');
INSERT INTO rid VALUES (30.0, 'h');
SELECT id, rowid, _rowid_, oid, v FROM rid ORDER BY id;
SELECT typeof(id), count(*) FROM rid GROUP BY 1;

-- Mixed storage classes in one table: comparisons, functions and grouping over them.
CREATE TABLE mixed(a INTEGER, b TEXT, c REAL, d BLOB, e);
INSERT INTO mixed VALUES (1, '1', 1.0, x'31', 1), (2, 'two', 2.5, NULL, '2'), (NULL, NULL, NULL, NULL, NULL), (3, '3.0', -0.5, x'', 3.5);
SELECT a, b, c FROM mixed WHERE b = a ORDER BY a;
SELECT a FROM mixed WHERE c = '1' ORDER BY a;
SELECT a FROM mixed WHERE e = '3.5';
SELECT a FROM mixed WHERE e IN ('2', 3.5) ORDER BY a;
SELECT count(*) FROM mixed WHERE d = '1';
SELECT a || b, c || '', quote(c), typeof(c) FROM mixed ORDER BY a;
SELECT DISTINCT typeof(e) FROM mixed ORDER BY 1;
SELECT max(e), min(e), sum(e), avg(e) FROM mixed;
SELECT CASE WHEN a > 1 THEN 'big' WHEN a = 1 THEN 'one' END AS k, count(*) FROM mixed GROUP BY k ORDER BY k;
SELECT a, (SELECT count(*) FROM mixed t2 WHERE t2.a <= mixed.a) FROM mixed ORDER BY a;
SELECT * FROM mixed t1 JOIN mixed t2 ON t1.a = t2.e;
SELECT * FROM mixed t1 JOIN mixed t2 ON t1.b = t2.e;
SELECT t1.a, t2.a FROM mixed t1 LEFT JOIN mixed t2 ON t1.a < t2.a AND t2.c > 0 ORDER BY 1, 2;
SELECT a FROM mixed ORDER BY b COLLATE NOCASE DESC, a;
SELECT substr(b, 2), instr(b, '.'), length(d), hex(d) FROM mixed ORDER BY a;
SELECT count(*) FILTER (WHERE a > 1), sum(a) FILTER (WHERE b IS NOT NULL) FROM mixed;
SELECT a FROM mixed WHERE a IN (SELECT e FROM mixed) ORDER BY a;
SELECT a FROM mixed WHERE b IN (SELECT a FROM mixed) ORDER BY a;
SELECT a FROM mixed WHERE a NOT IN (SELECT a FROM mixed WHERE a IS NOT NULL AND a > 1) ORDER BY a;
SELECT (SELECT b FROM mixed WHERE a = 2) || (SELECT c FROM mixed WHERE a = 3);
SELECT a, b FROM mixed WHERE (a, b) IN (SELECT a, b FROM mixed WHERE a < 3) ORDER BY a;
SELECT a, b FROM mixed WHERE (a, b) = (1, '1');
SELECT a FROM mixed WHERE a BETWEEN '1' AND '2' ORDER BY a;
SELECT a FROM mixed WHERE b BETWEEN 1 AND 3 ORDER BY a;
SELECT b FROM mixed WHERE b LIKE '%o' ESCAPE 'x';
SELECT b FROM mixed WHERE b GLOB '[0-9]*' ORDER BY b;
SELECT 10 / 3.0 * 3, 1e15 / 7, 2 / 3 * 3.0, 5 % 3.5, -5 % 3, 5 % -3.0;
SELECT printf('%.15g|%.20f|%e', 0.1, 0.1, 1e-300), printf('%d', 3.99), printf('%s', 1e100);
SELECT 1e999, -1e999, 1e999 - 1e999, 0.0 / 0.0, typeof(1e999 - 1e999);
SELECT CAST(1e999 AS INTEGER), CAST(-1e999 AS INTEGER), CAST('inf' AS REAL), abs(-1e999);
SELECT 9223372036854775807 + 0.0, CAST(9223372036854775807 AS REAL), 9223372036854775807 = 9223372036854775808.0;
SELECT 9007199254740993 = 9007199254740992.0, 9007199254740993 > 9007199254740992.0;
SELECT round(9223372036854775807.0), round(-0.4), round(0.49999999999999994), round(2.5, 0);
SELECT group_concat(a, b) FROM mixed WHERE a = 1;
SELECT total(a), sum(c), avg(c), count(e) FROM mixed;
SELECT a, b FROM mixed ORDER BY a IS NULL, a DESC;
SELECT coalesce(a, b, c) FROM mixed ORDER BY 1;
SELECT nullif('a', 'A'), nullif('a' COLLATE NOCASE, 'A'), 'a' = 'A' COLLATE NOCASE;
SELECT max('a' COLLATE NOCASE, 'B'), min('a', 'B' COLLATE NOCASE);
SELECT 'abc' COLLATE NOCASE IN ('ABC');
SELECT likely(1), unlikely(0), likelihood(2, 0.5);
SELECT upper(e), lower(d), length(c), typeof(length(NULL)) FROM mixed ORDER BY a;
SELECT x'41' = 'A', x'41' < 'A', CAST(x'41' AS TEXT) = 'A';
SELECT trim(x'2041'), hex(trim(x'2041'));
SELECT unicode(x'c3a9'), char(65, 66.7, '67'), char(-1), hex(char(0));
SELECT substr('abc', 0), substr('abc', -5, 3), substr('abc', 2, 0), substr('abc', 1, -1);
SELECT replace(NULL, 'a', 'b'), replace('aaa', 'aa', 'b'), replace(123, 2, 9);
SELECT a AS x FROM mixed WHERE x > 1 ORDER BY x;
SELECT a + 1 AS a FROM mixed WHERE a > 1 ORDER BY a;
SELECT a FROM mixed GROUP BY a HAVING a > 1 ORDER BY a;
SELECT count(*) AS n, typeof(a) FROM mixed GROUP BY typeof(a) ORDER BY n, 2;
SELECT * FROM (SELECT a FROM mixed) AS s WHERE s.a > 1 ORDER BY 1;
SELECT a FROM mixed WHERE a = (SELECT max(a) FROM mixed) OR a IS NULL ORDER BY a;
SELECT 1 FROM mixed WHERE EXISTS (SELECT * FROM mixed WHERE a > 100);
SELECT (SELECT a FROM mixed ORDER BY a DESC NULLS FIRST LIMIT 1);
SELECT iif(a, 'T', 'F'), iif(b, 'T', 'F'), iif(c, 'T', 'F') FROM mixed ORDER BY a;

-- x IN (y) with a one-element list is x = y, so an explicit COLLATE on y applies (with more
-- elements only the left operand's collation counts).
SELECT 'abc' IN ('ABC' COLLATE NOCASE), 'abc' IN ('x', 'ABC' COLLATE NOCASE);

-- Found by dosql-fuzz: a COLLATE in a function's arguments or a CASE's parts is the collation of
-- the whole expression (SQLite's sqlite3ExprCollSeq).
SELECT typeof(NULL COLLATE NOCASE) = 'NULL';
SELECT ('a' COLLATE NOCASE || 'b') = 'AB';
SELECT upper('a' COLLATE NOCASE) = 'a';
SELECT ('a' COLLATE NOCASE) = 'A';
SELECT (CASE WHEN 1 THEN 'a' COLLATE NOCASE END) = 'A';
SELECT -('a' COLLATE NOCASE) = 'A';
SELECT CAST('a' COLLATE NOCASE AS TEXT) = 'A';
SELECT coalesce(NULL, 'a' COLLATE NOCASE) = 'A';
SELECT ('x' || ('a' COLLATE RTRIM)) = 'xa  ';
SELECT max('a', 'B' COLLATE NOCASE);
SELECT ('b' COLLATE NOCASE) IN ('B');
SELECT ('b' COLLATE NOCASE) BETWEEN 'A' AND 'B';
SELECT (('b' COLLATE NOCASE) = 'B') = 1;
SELECT (CASE WHEN ('x' COLLATE NOCASE) = 'X' THEN 'a' END) = 'A';
SELECT iif(1, 'a', 'b' COLLATE NOCASE) = 'A', ifnull('a' COLLATE NOCASE, 1) = 'A';

-- Found by dosql-fuzz: x IN (y) is x = y only when y is a constant; otherwise only x's affinity
-- applies (as in any IN list).
CREATE TABLE fz_in(a INTEGER PRIMARY KEY, t TEXT, n NUMERIC);
INSERT INTO fz_in VALUES (1, '1.5', 1.5), (2, '7', '7');
SELECT a FROM fz_in WHERE abs(t) IN (t);
SELECT a FROM fz_in WHERE abs(t) IN (t, 'zz');
SELECT a FROM fz_in WHERE abs(t) = t;
SELECT a FROM fz_in WHERE n IN (t);
SELECT a FROM fz_in WHERE t IN (n);
SELECT a FROM fz_in WHERE 7 IN (t);
SELECT a FROM fz_in WHERE t IN (7);
SELECT a FROM fz_in WHERE (t COLLATE NOCASE) IN (upper(t));

-- Found by dosql-fuzz: likely()/unlikely()/likelihood() are function calls to SQLite: no affinity,
-- and only an explicit COLLATE carries through.
CREATE TABLE fz_lk(t CLOB, n INT COLLATE NOCASE, s TEXT COLLATE NOCASE);
INSERT INTO fz_lk VALUES ('010', 2, 'a');
SELECT t > unlikely(n), t > likely(n), t > likelihood(n, 0.5), t > n FROM fz_lk;
SELECT unlikely(s) = 'A', likely(s COLLATE BINARY) = 'A', s = 'A' FROM fz_lk;
