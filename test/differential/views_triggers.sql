-- Views and triggers.

CREATE TABLE acct(id INTEGER PRIMARY KEY, owner TEXT, balance INTEGER NOT NULL DEFAULT 0);
CREATE TABLE ledger(seq INTEGER PRIMARY KEY, acct INTEGER, delta INTEGER, why TEXT);
INSERT INTO acct VALUES (1, 'ann', 100), (2, 'bob', 50), (3, 'cid', 0);

CREATE VIEW rich AS SELECT id, owner, balance FROM acct WHERE balance >= 50;
CREATE VIEW named(who, amount) AS SELECT owner, balance FROM acct;
CREATE VIEW summary AS SELECT count(*) AS n, sum(balance) AS total, max(balance) AS top FROM acct;
CREATE VIEW rich AS SELECT 1;
CREATE VIEW IF NOT EXISTS rich AS SELECT 1;
CREATE VIEW badview AS SELECT nosuch FROM acct;
CREATE VIEW badcols(a, b) AS SELECT 1;
SELECT * FROM badview;
SELECT * FROM badcols;
SELECT id, owner FROM rich ORDER BY id;
SELECT who, amount FROM named WHERE amount < 100 ORDER BY who;
SELECT n, total, top FROM summary;
SELECT r.owner, n.amount FROM rich r JOIN named n ON r.owner = n.who ORDER BY r.owner;
SELECT * FROM rich WHERE id IN (SELECT id FROM rich WHERE balance > 60);
INSERT INTO rich VALUES (9, 'x', 1);
UPDATE rich SET balance = 0;
DELETE FROM rich;
CREATE VIEW nested AS SELECT owner FROM rich WHERE owner <> 'bob';
SELECT owner FROM nested;
UPDATE acct SET balance = 75 WHERE id = 3;
SELECT owner FROM nested ORDER BY owner;
DROP VIEW nested;
SELECT * FROM nested;
DROP VIEW nested;
DROP VIEW IF EXISTS nested;
DROP TABLE rich;
DROP VIEW acct;

-- Triggers.
CREATE TRIGGER acct_ins AFTER INSERT ON acct BEGIN
  INSERT INTO ledger(acct, delta, why) VALUES (new.id, new.balance, 'open');
END;
CREATE TRIGGER acct_upd AFTER UPDATE OF balance ON acct WHEN new.balance <> old.balance BEGIN
  INSERT INTO ledger(acct, delta, why) VALUES (new.id, new.balance - old.balance, 'change');
END;
CREATE TRIGGER acct_del BEFORE DELETE ON acct BEGIN
  INSERT INTO ledger(acct, delta, why) VALUES (old.id, -old.balance, 'close');
END;
INSERT INTO acct(owner, balance) VALUES ('dee', 40);
UPDATE acct SET balance = balance + 10 WHERE owner IN ('ann', 'dee');
UPDATE acct SET balance = balance WHERE id = 1;
UPDATE acct SET owner = 'ANN' WHERE id = 1;
DELETE FROM acct WHERE id = 2;
SELECT acct, delta, why FROM ledger ORDER BY seq;
SELECT id, owner, balance FROM acct ORDER BY id;

CREATE TRIGGER no_neg BEFORE UPDATE ON acct WHEN new.balance < 0 BEGIN
  SELECT RAISE(ABORT, 'negative balance');
END;
UPDATE acct SET balance = -5 WHERE id = 1;
UPDATE acct SET balance = balance - 80 WHERE id IN (1, 3);
SELECT id, balance FROM acct ORDER BY id;
CREATE TRIGGER ign BEFORE INSERT ON acct WHEN new.owner = 'skip' BEGIN
  SELECT RAISE(IGNORE);
END;
INSERT INTO acct(owner, balance) VALUES ('skip', 1), ('keep', 2);
SELECT owner FROM acct ORDER BY id;
SELECT count(*) FROM ledger;

-- INSTEAD OF triggers make a view writable.
CREATE VIEW owners AS SELECT id, owner FROM acct;
CREATE TRIGGER owners_ins INSTEAD OF INSERT ON owners BEGIN
  INSERT INTO acct(id, owner, balance) VALUES (new.id, upper(new.owner), 1);
END;
CREATE TRIGGER owners_upd INSTEAD OF UPDATE ON owners BEGIN
  UPDATE acct SET owner = new.owner WHERE id = old.id;
END;
CREATE TRIGGER owners_del INSTEAD OF DELETE ON owners BEGIN
  DELETE FROM acct WHERE id = old.id;
END;
INSERT INTO owners VALUES (50, 'vee');
SELECT id, owner, balance FROM acct ORDER BY id;
SELECT acct, delta, why FROM ledger ORDER BY seq;

-- Trigger recursion limits, nested triggers, and NEW/OLD in various positions.
CREATE TABLE t2(a, b);
CREATE TABLE t2log(what TEXT, a, b);
CREATE TRIGGER t2_bu BEFORE UPDATE ON t2 BEGIN INSERT INTO t2log VALUES ('before', old.a, new.a); END;
CREATE TRIGGER t2_au AFTER UPDATE ON t2 BEGIN INSERT INTO t2log VALUES ('after', old.a, new.a); END;
CREATE TRIGGER t2_bi BEFORE INSERT ON t2 BEGIN INSERT INTO t2log VALUES ('bi', new.a, new.b); END;
CREATE TRIGGER t2_ad AFTER DELETE ON t2 FOR EACH ROW BEGIN INSERT INTO t2log VALUES ('ad', old.a, old.b); END;
INSERT INTO t2 VALUES (1, 'x'), (2, 'y');
UPDATE t2 SET a = a * 10;
DELETE FROM t2 WHERE a = 10;
SELECT what, a, b FROM t2log ORDER BY rowid;
SELECT a, b FROM t2 ORDER BY a;
CREATE TRIGGER t2_bi BEFORE INSERT ON t2 BEGIN SELECT 1; END;
CREATE TRIGGER IF NOT EXISTS t2_bi BEFORE INSERT ON t2 BEGIN SELECT 1; END;
CREATE TRIGGER bad_t AFTER INSERT ON nosuch BEGIN SELECT 1; END;
DROP TRIGGER t2_bi;
DROP TRIGGER t2_bi;
DROP TRIGGER IF EXISTS t2_bi;
INSERT INTO t2 VALUES (3, 'z');
SELECT count(*) FROM t2log;
SELECT type, name, tbl_name FROM sqlite_schema WHERE type IN ('trigger', 'view') ORDER BY name;
DROP TABLE t2;
SELECT type, name FROM sqlite_schema WHERE tbl_name = 't2';

-- A trigger that fails rolls back the whole statement.
CREATE TABLE guarded(x INTEGER);
CREATE TABLE guardlog(x INTEGER UNIQUE);
CREATE TRIGGER guard AFTER INSERT ON guarded BEGIN INSERT INTO guardlog VALUES (new.x % 3); END;
INSERT INTO guarded VALUES (1), (2);
INSERT INTO guarded VALUES (3), (4);
SELECT x FROM guarded ORDER BY x;
SELECT x FROM guardlog ORDER BY x;
CREATE TRIGGER guard_fail AFTER INSERT ON guarded WHEN new.x > 100 BEGIN SELECT RAISE(FAIL, 'too big'); END;
INSERT INTO guarded VALUES (6);
SELECT x FROM guarded ORDER BY x;

-- RAISE(FAIL) keeps the changes the statement made before it (the row that fired the trigger).
CREATE TABLE failkeep(x INTEGER);
CREATE TRIGGER failkeep_t AFTER INSERT ON failkeep WHEN new.x > 100 BEGIN SELECT RAISE(FAIL, 'too big'); END;
INSERT INTO failkeep VALUES (200);
SELECT x FROM failkeep;

-- INSTEAD OF UPDATE / DELETE triggers on views.
CREATE TABLE acct2(id INTEGER PRIMARY KEY, owner TEXT);
INSERT INTO acct2 VALUES (1, 'ann'), (2, 'bob');
CREATE VIEW owners2 AS SELECT id, owner FROM acct2;
CREATE TRIGGER owners2_upd INSTEAD OF UPDATE ON owners2 BEGIN UPDATE acct2 SET owner = new.owner WHERE id = old.id; END;
CREATE TRIGGER owners2_del INSTEAD OF DELETE ON owners2 BEGIN DELETE FROM acct2 WHERE id = old.id; END;
UPDATE owners2 SET owner = 'renamed' WHERE id = 1;
DELETE FROM owners2 WHERE owner = 'bob';
SELECT id, owner FROM acct2 ORDER BY id;

-- Triggers do not fire recursively (recursive_triggers is off by default).
CREATE TABLE chain(n INTEGER);
CREATE TABLE chainlog(n INTEGER);
CREATE TRIGGER chain_t AFTER INSERT ON chain WHEN new.n < 5 BEGIN
  INSERT INTO chainlog VALUES (new.n);
  INSERT INTO chain VALUES (new.n + 1);
END;
INSERT INTO chain VALUES (1);
SELECT n FROM chain ORDER BY n;
SELECT n FROM chainlog ORDER BY n;

-- Several triggers on the same event fire newest first (SQLite's order).
CREATE TABLE tord(x INTEGER);
CREATE TABLE tord_log(seq INTEGER PRIMARY KEY, who TEXT);
CREATE TRIGGER tord_first AFTER INSERT ON tord BEGIN INSERT INTO tord_log(who) VALUES ('first'); END;
CREATE TRIGGER tord_second AFTER INSERT ON tord BEGIN INSERT INTO tord_log(who) VALUES ('second'); END;
INSERT INTO tord VALUES (1);
SELECT seq, who FROM tord_log ORDER BY seq;
