-- Aggregates, GROUP BY and HAVING.

CREATE TABLE sales(id INTEGER PRIMARY KEY, region TEXT, product TEXT, qty INTEGER, price REAL);
INSERT INTO sales VALUES
  (1, 'north', 'apple', 10, 0.5),
  (2, 'north', 'pear', 5, 0.75),
  (3, 'south', 'apple', 20, 0.5),
  (4, 'south', 'apple', 3, 0.25),
  (5, 'east', 'plum', 7, 1.5),
  (6, 'east', 'pear', NULL, 2.0),
  (7, NULL, 'apple', 1, 4.0),
  (8, 'west', NULL, 8, NULL),
  (9, 'north', 'plum', 2, 1.25),
  (10, 'south', 'pear', 4, 0.5);

SELECT count(*), count(qty), count(price), count(region), count(DISTINCT region) FROM sales;
SELECT sum(qty), total(qty), avg(qty), min(qty), max(qty) FROM sales;
SELECT sum(price), total(price), avg(price), min(price), max(price) FROM sales;
SELECT typeof(sum(qty)), typeof(total(qty)), typeof(avg(qty)), typeof(sum(price)) FROM sales;
SELECT sum(qty * price), sum(qty) * 1.0 / count(qty) FROM sales;
SELECT region, count(*), sum(qty), avg(price) FROM sales GROUP BY region ORDER BY region;
SELECT product, region, sum(qty) FROM sales GROUP BY product, region ORDER BY product, region;
SELECT region, count(*) AS c FROM sales GROUP BY region HAVING c > 1 ORDER BY region;
SELECT region, sum(qty) FROM sales GROUP BY region HAVING sum(qty) > 10 ORDER BY 2 DESC;
SELECT region, max(price) FROM sales WHERE qty > 2 GROUP BY region HAVING max(price) < 2 ORDER BY region;
SELECT region FROM sales GROUP BY region HAVING min(qty) IS NULL;
SELECT region, count(*) FROM sales GROUP BY 1 ORDER BY 2 DESC, 1;
SELECT upper(region) AS r, count(*) FROM sales GROUP BY r ORDER BY r;
SELECT length(product), count(*) FROM sales GROUP BY length(product) ORDER BY 1;
SELECT qty % 2, sum(qty) FROM sales GROUP BY qty % 2 ORDER BY 1;
SELECT count(*) FROM sales GROUP BY region HAVING 0;
SELECT count(*) FROM sales WHERE 0;
SELECT count(*), sum(qty) FROM sales WHERE 0 GROUP BY region;
SELECT region, count(*) FROM sales WHERE region = 'nowhere' GROUP BY region;
SELECT max(qty), min(qty) FROM sales WHERE qty IS NULL;
SELECT count(DISTINCT product), sum(DISTINCT qty), avg(DISTINCT price), count(DISTINCT price) FROM sales;
SELECT region, count(DISTINCT product) FROM sales GROUP BY region ORDER BY region;
SELECT product, max(qty), id FROM sales GROUP BY product ORDER BY product;
SELECT region, min(price), product FROM sales WHERE region IS NOT NULL AND region <> 'south' GROUP BY region ORDER BY region;
SELECT length(group_concat(product)), length(group_concat(product, '')), length(group_concat(DISTINCT product)) FROM sales;
SELECT region, length(group_concat(product, ', ')) FROM sales GROUP BY region ORDER BY region;
SELECT group_concat(product) FROM sales WHERE id = 1;
SELECT group_concat(qty, '-') FROM sales WHERE id IN (3);
SELECT group_concat(NULL), group_concat(product) FROM sales WHERE id > 100;
SELECT sum(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1);
SELECT total(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 1);
SELECT avg(x) FROM (SELECT 9223372036854775807 AS x UNION ALL SELECT 9223372036854775807);
SELECT sum(x), typeof(sum(x)) FROM (SELECT 1 AS x UNION ALL SELECT 2.5 UNION ALL SELECT '3');
SELECT sum(x), avg(x), max(x), min(x) FROM (SELECT 'abc' AS x UNION ALL SELECT '10' UNION ALL SELECT x'01');
SELECT max(x), min(x) FROM (SELECT 1 AS x UNION ALL SELECT 'a' UNION ALL SELECT x'00' UNION ALL SELECT NULL UNION ALL SELECT 2.5);
SELECT count(*) FROM (SELECT 1 UNION ALL SELECT 2) WHERE 1;
SELECT count(1), count(NULL), count('') FROM sales;
SELECT sum(qty) FROM sales HAVING sum(qty) > 1000;
SELECT sum(qty) FROM sales HAVING sum(qty) > 10;
SELECT count(*) + 1, max(qty) - min(qty), sum(qty) / count(qty) FROM sales;
SELECT region, sum(qty) FILTER (WHERE product = 'apple'), count(*) FILTER (WHERE price > 0.5) FROM sales GROUP BY region ORDER BY region;
SELECT region FROM sales GROUP BY region HAVING sum(qty) FILTER (WHERE product = 'pear') > 4;
SELECT sum(qty) FROM sales GROUP BY region HAVING region LIKE 'n%';
SELECT count(*), region FROM sales WHERE price > 1 GROUP BY region ORDER BY region;
SELECT max(id) FROM sales WHERE region = 'north';
SELECT min(id), max(id) FROM sales;
SELECT max(region), min(region), max(product) FROM sales;
SELECT count(*) FROM (SELECT DISTINCT region, product FROM sales);
SELECT region, product, count(*) FROM sales GROUP BY region, product HAVING count(*) > 1 ORDER BY 1, 2;
SELECT a.region, count(*) FROM sales a JOIN sales b ON a.region = b.region GROUP BY a.region ORDER BY 1;
SELECT sum(qty) AS s FROM sales GROUP BY region ORDER BY s;
SELECT region, sum(qty) FROM sales GROUP BY region ORDER BY sum(qty) DESC, region;
SELECT count(*) FROM sales WHERE qty > (SELECT avg(qty) FROM sales);
SELECT sum(count(*)) FROM sales;
SELECT count(*) FROM sales WHERE count(*) > 1;
SELECT count(*) FROM sales GROUP BY nosuch;
SELECT avg(x) FROM (SELECT 1 AS x UNION ALL SELECT 2);
SELECT avg(x), sum(x), total(x) FROM (SELECT 0.5 AS x UNION ALL SELECT 0.25 UNION ALL SELECT -0.125);
SELECT min(x), max(x) FROM (SELECT -0.0 AS x UNION ALL SELECT 0.0);
SELECT count(*), min(1), max('z') FROM sales WHERE 0;
SELECT DISTINCT region FROM sales ORDER BY region;
SELECT DISTINCT qty % 3 FROM sales ORDER BY 1;
SELECT DISTINCT price FROM sales WHERE price IS NOT NULL ORDER BY price DESC;

-- Many groups (hash aggregation must agree).
CREATE TABLE nums(n INTEGER, m INTEGER, r REAL);
INSERT INTO nums WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 999) SELECT i, i % 37, (i % 8) * 0.125 FROM c;
SELECT m, count(*), sum(n), min(n), max(n), sum(r) FROM nums GROUP BY m ORDER BY m;
SELECT count(*), sum(n), avg(n), sum(r), avg(r) FROM nums;
SELECT m % 5, count(DISTINCT m) FROM nums GROUP BY 1 ORDER BY 1;
SELECT r, count(*) FROM nums GROUP BY r ORDER BY r;
SELECT count(*) FROM (SELECT m FROM nums GROUP BY m HAVING sum(n) > 13000);
SELECT n / 100, count(*) FROM nums WHERE n % 3 = 0 GROUP BY n / 100 HAVING count(*) > 33 ORDER BY 1;

-- HAVING on a query that is not an aggregate (no GROUP BY, no aggregate in the result) fails
-- with "HAVING clause on a non-aggregate query", also inside a subquery.
CREATE TABLE hav(x INTEGER);
INSERT INTO hav VALUES (1), (2), (3);
SELECT 1 FROM hav HAVING count(*) > 1;
SELECT count(*) FROM hav AS o WHERE EXISTS (SELECT 1 FROM hav AS i WHERE i.x = o.x HAVING count(*) > 0);

-- The value of a GROUP BY term in a group is the group's first row's (NOCASE/RTRIM groups, 1 vs
-- 1.0), or the min/max row's when the query's only aggregate is min() or max().
CREATE TABLE kf_nc(w TEXT COLLATE NOCASE, r TEXT COLLATE RTRIM, n, id INTEGER PRIMARY KEY);
INSERT INTO kf_nc(w, r, n) VALUES ('b', 'x ', 1.0), ('B', 'x', 1), ('a', 'y', 2), ('A', 'y  ', 2.0);
SELECT w, count(*) FROM kf_nc GROUP BY w ORDER BY 1;
SELECT r, typeof(n), n FROM kf_nc GROUP BY r, n ORDER BY r;
SELECT n, max(id), w FROM kf_nc GROUP BY n ORDER BY n;
SELECT w, min(id) FROM kf_nc GROUP BY w ORDER BY 1;
SELECT w, max(id) FROM kf_nc GROUP BY w ORDER BY 1;
SELECT upper(w), count(*) FROM kf_nc GROUP BY upper(w) HAVING w >= 'a' ORDER BY upper(w);
SELECT w || '!' FROM kf_nc GROUP BY w ORDER BY w DESC;
