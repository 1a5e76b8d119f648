CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT, price REAL, data BLOB);
INSERT INTO items VALUES (1, 'apple', 1.5, NULL), (2, 'it''s', 2.0, x'00ff'), (3, 'two
lines', -0.25, x'');
CREATE TABLE "odd name"("select" TEXT, b);
INSERT INTO "odd name" VALUES ('x', 1e300 * 1e300);
CREATE INDEX items_name ON items(name);
CREATE VIEW cheap AS SELECT name FROM items WHERE price < 2;
.dump
