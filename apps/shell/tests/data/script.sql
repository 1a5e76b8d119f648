-- A script read from stdin: statements over several lines, several statements per line,
-- semicolons inside strings, comments and a trigger body.
.headers on
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, note TEXT);
INSERT INTO t(name, note) VALUES ('semi;colon', 'it''s'), ('multi
line', NULL);
INSERT INTO t(name, note) VALUES ('/* not a comment */', '-- nor this');
SELECT * FROM t; SELECT count(*) AS n FROM t;
SELECT id,
       name   -- a comment; with a semicolon
  FROM t
 WHERE id > 1;
CREATE TABLE log(msg TEXT);
CREATE TRIGGER tr AFTER INSERT ON t BEGIN
  INSERT INTO log VALUES ('added; ' || new.name);
END;
INSERT INTO t(name) VALUES ('x');
SELECT * FROM log;
/* a block comment
   over two lines; */
.mode csv
SELECT * FROM t;
.mode box
SELECT * FROM t WHERE id < 3;
.nullvalue <null>
.mode table --wrap 8 --wordwrap on
SELECT id, name || ' and more words' AS long_name, note FROM t;
.mode markdown
SELECT id, note FROM t;
.mode line
SELECT * FROM t WHERE id = 2;
.mode json
SELECT id, name, note, id * 1.5 AS r FROM t;
.mode list
.separator " :: "
SELECT id, note FROM t;
.headers off
.mode quote
SELECT * FROM t;
.mode insert t2
SELECT * FROM t WHERE id <= 2;
.mode
SELECT 'no terminating semicolon at the end'
