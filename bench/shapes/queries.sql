-- Common query shapes outside the suite's TPC-H set, timed on the TPC-H tables by
-- bench/shapes/run.sh (one statement per line: label|SQL).
full count|SELECT count(*) FROM lineitem
count over a FROM subquery|SELECT count(*), sum(q) FROM (SELECT l_orderkey, l_quantity AS q FROM lineitem)
unindexed equality|SELECT count(*) FROM orders WHERE o_custkey = 12345
index range and row fetch|SELECT count(*), sum(l_quantity) FROM lineitem WHERE l_orderkey BETWEEN 100000 AND 200000
few groups|SELECT o_orderpriority, count(*) FROM orders GROUP BY 1
100k groups, no order|SELECT o_custkey, count(*) FROM orders GROUP BY o_custkey ORDER BY 2 DESC LIMIT 5
CTE with GROUP BY|WITH big AS (SELECT o_custkey, sum(o_totalprice) AS t FROM orders GROUP BY o_custkey) SELECT count(*), max(t) FROM big WHERE t > 1000000
count(DISTINCT)|SELECT count(DISTINCT o_custkey) FROM orders
SELECT DISTINCT|SELECT DISTINCT l_shipmode FROM lineitem
top-N|SELECT o_orderkey, o_totalprice FROM orders ORDER BY o_totalprice DESC LIMIT 10
LIKE scan|SELECT count(*) FROM orders WHERE o_comment LIKE '%special%requests%'
IN subquery|SELECT count(*) FROM customer WHERE c_custkey IN (SELECT o_custkey FROM orders WHERE o_totalprice > 500000)
min/max|SELECT max(l_extendedprice), min(l_shipdate) FROM lineitem
window partitions|SELECT sum(s) FROM (SELECT sum(o_totalprice) OVER (PARTITION BY o_custkey) AS s FROM orders)
UNION ALL|SELECT count(*) FROM (SELECT o_orderkey FROM orders WHERE o_orderstatus = 'F' UNION ALL SELECT o_orderkey FROM orders WHERE o_orderstatus = 'O')
anti-join (LEFT JOIN IS NULL)|SELECT count(*) FROM customer LEFT JOIN orders ON o_custkey = c_custkey WHERE o_orderkey IS NULL
NOT EXISTS|SELECT count(*) FROM orders WHERE NOT EXISTS (SELECT 1 FROM lineitem WHERE l_orderkey = o_orderkey AND l_returnflag = 'R')
join and GROUP BY|SELECT p_brand, count(*) FROM part JOIN partsupp ON ps_partkey = p_partkey GROUP BY p_brand ORDER BY 2 DESC LIMIT 3
expression GROUP BY|SELECT substr(o_orderdate, 1, 4) AS y, count(*), avg(o_totalprice) FROM orders GROUP BY y ORDER BY y
scalar subquery bound|SELECT count(*) FROM orders WHERE o_totalprice > (SELECT avg(o_totalprice) FROM orders)
