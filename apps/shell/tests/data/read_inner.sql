CREATE TABLE r(x);
INSERT INTO r VALUES (1), (2);
SELECT sum(x) AS total FROM r;
SELECT * FROM missing_table;
.read read_nested.sql
.quit
SELECT 'not reached: .quit ends this file';
