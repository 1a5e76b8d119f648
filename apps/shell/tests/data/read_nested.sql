.mode csv
.headers on
SELECT x, x * 10 AS tenfold FROM r;
