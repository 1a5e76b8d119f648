CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE "order items"(order_id INTEGER, user_id INTEGER REFERENCES users(id));
CREATE INDEX users_name ON users(name);
CREATE VIEW user_names AS SELECT name FROM users;
CREATE TABLE audit(msg);
CREATE TRIGGER users_audit AFTER INSERT ON users BEGIN INSERT INTO audit VALUES (new.name); END;
.tables
.tables u%
.schema
.schema users
.schema "order*"
.indexes
.indexes users
