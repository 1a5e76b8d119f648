SELECT 1 AS id, 'plain' AS name, NULL AS nada, 2.5 AS score, 'a,b "c"' AS quoted, x'4142' AS raw
UNION ALL SELECT 22, 'two' || char(10) || 'lines', 'x', -1e20, 'é|ü', x''
UNION ALL SELECT 333, 'tab' || char(9) || 'bed', 0.1, 100.0, '', NULL
