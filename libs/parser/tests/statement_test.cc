// One test per grammar item: parse, check the key AST fields, and check that
// parse -> ToSql -> parse -> ToSql is stable.
#include <gtest/gtest.h>

#include "test_util.h"

namespace dosql::parser {
namespace {

using testing::ErrorOf;
using testing::Parse;
using testing::ParseAs;
using testing::RoundTrip;

// ----- SELECT -----

TEST(Select, CoreClauses) {
  auto s = ParseAs<SelectStmt>(
      "SELECT DISTINCT a, b AS x, c y, t.*, * FROM t WHERE a > 1 GROUP BY a, b HAVING "
      "count(*) > 1 ORDER BY a DESC NULLS FIRST, b COLLATE nocase ASC NULLS LAST LIMIT 10 "
      "OFFSET 5");
  ASSERT_NE(s, nullptr);
  const SelectCore& c = *s->cores[0];
  EXPECT_EQ(c.quantifier, SelectCore::Quantifier::kDistinct);
  ASSERT_EQ(c.columns.size(), 5u);
  EXPECT_EQ(c.columns[1].alias->name, "x");
  EXPECT_EQ(c.columns[2].alias->name, "y");
  EXPECT_EQ(c.columns[3].kind, ResultColumn::Kind::kTableStar);
  EXPECT_EQ(c.columns[3].table.name, "t");
  EXPECT_EQ(c.columns[4].kind, ResultColumn::Kind::kStar);
  EXPECT_NE(c.where, nullptr);
  EXPECT_EQ(c.group_by.size(), 2u);
  EXPECT_NE(c.having, nullptr);
  ASSERT_EQ(s->order_by.size(), 2u);
  EXPECT_EQ(s->order_by[0].direction, SortDirection::kDesc);
  EXPECT_EQ(s->order_by[0].nulls, NullsOrder::kFirst);
  EXPECT_TRUE(s->order_by[1].expr->Is<CollateExpr>());
  EXPECT_EQ(s->order_by[1].nulls, NullsOrder::kLast);
  EXPECT_EQ(s->limit->As<Literal>().int_value, 10);
  EXPECT_EQ(s->offset->As<Literal>().int_value, 5);
  RoundTrip(
      "SELECT DISTINCT a, b AS x, c y, t.*, * FROM t WHERE a > 1 GROUP BY a, b HAVING "
      "count(*) > 1 ORDER BY a DESC NULLS FIRST LIMIT 10 OFFSET 5");
}

TEST(Select, LimitCommaFormMeansOffsetFirst) {
  auto s = ParseAs<SelectStmt>("SELECT * FROM t LIMIT 5, 10");
  EXPECT_EQ(s->limit->As<Literal>().int_value, 10);
  EXPECT_EQ(s->offset->As<Literal>().int_value, 5);
  EXPECT_EQ(RoundTrip("SELECT * FROM t LIMIT 5, 10"), "SELECT * FROM t LIMIT 10 OFFSET 5");
}

TEST(Select, AllQuantifierAndNoFrom) {
  auto s = ParseAs<SelectStmt>("SELECT ALL 1, 'a'");
  EXPECT_EQ(s->cores[0]->quantifier, SelectCore::Quantifier::kAll);
  EXPECT_EQ(s->cores[0]->from, nullptr);
  RoundTrip("SELECT ALL 1, 'a'");
}

TEST(Select, Compound) {
  auto s = ParseAs<SelectStmt>(
      "SELECT 1 UNION SELECT 2 UNION ALL SELECT 3 INTERSECT SELECT 4 EXCEPT SELECT 5 "
      "ORDER BY 1 LIMIT 2");
  ASSERT_EQ(s->cores.size(), 5u);
  EXPECT_EQ(s->ops, (std::vector<CompoundOp>{CompoundOp::kUnion, CompoundOp::kUnionAll,
                                             CompoundOp::kIntersect, CompoundOp::kExcept}));
  EXPECT_EQ(s->order_by.size(), 1u);
  RoundTrip("SELECT 1 UNION SELECT 2 UNION ALL SELECT 3 INTERSECT SELECT 4 EXCEPT SELECT 5");
  RoundTrip("VALUES (1) UNION SELECT 2 ORDER BY 1");
}

TEST(Select, Values) {
  auto s = ParseAs<SelectStmt>("VALUES (1, 'a'), (2, 'b'), (3, NULL)");
  ASSERT_EQ(s->cores.size(), 1u);
  EXPECT_EQ(s->cores[0]->kind, SelectCore::Kind::kValues);
  EXPECT_EQ(s->cores[0]->rows.size(), 3u);
  EXPECT_EQ(RoundTrip("VALUES(1,'a'),(2,'b')"), "VALUES (1, 'a'), (2, 'b')");
}

TEST(Select, WithClause) {
  auto s = ParseAs<SelectStmt>(
      "WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt LIMIT 10), "
      "m AS MATERIALIZED (SELECT 2), n AS NOT MATERIALIZED (SELECT 3) SELECT * FROM cnt");
  ASSERT_NE(s->with, nullptr);
  EXPECT_TRUE(s->with->recursive);
  ASSERT_EQ(s->with->ctes.size(), 3u);
  EXPECT_EQ(s->with->ctes[0].name.name, "cnt");
  EXPECT_EQ(s->with->ctes[0].columns.size(), 1u);
  EXPECT_EQ(s->with->ctes[1].materialized, CommonTableExpr::Materialized::kMaterialized);
  EXPECT_EQ(s->with->ctes[2].materialized, CommonTableExpr::Materialized::kNotMaterialized);
  RoundTrip(
      "WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt LIMIT 10), "
      "m AS MATERIALIZED (SELECT 2), n AS NOT MATERIALIZED (SELECT 3) SELECT * FROM cnt");
}

TEST(Select, Joins) {
  auto s = ParseAs<SelectStmt>(
      "SELECT * FROM a INNER JOIN b ON a.x = b.x LEFT JOIN c USING (x, y) LEFT OUTER JOIN d "
      "RIGHT JOIN e FULL OUTER JOIN f CROSS JOIN g NATURAL JOIN h NATURAL LEFT JOIN i, j JOIN k");
  const JoinClause& j = *s->cores[0]->from;
  EXPECT_EQ(j.first->As<TableName>().name.name.name, "a");
  ASSERT_EQ(j.joins.size(), 10u);
  EXPECT_EQ(j.joins[0].kind, JoinKind::kInner);
  EXPECT_NE(j.joins[0].on, nullptr);
  EXPECT_EQ(j.joins[1].kind, JoinKind::kLeft);
  ASSERT_TRUE(j.joins[1].using_columns.has_value());
  EXPECT_EQ(j.joins[1].using_columns->size(), 2u);
  EXPECT_EQ(j.joins[2].kind, JoinKind::kLeft);
  EXPECT_EQ(j.joins[3].kind, JoinKind::kRight);
  EXPECT_EQ(j.joins[4].kind, JoinKind::kFull);
  EXPECT_EQ(j.joins[5].kind, JoinKind::kCross);
  EXPECT_EQ(j.joins[6].kind, JoinKind::kInner);
  EXPECT_TRUE(j.joins[6].natural);
  EXPECT_EQ(j.joins[7].kind, JoinKind::kLeft);
  EXPECT_TRUE(j.joins[7].natural);
  EXPECT_EQ(j.joins[8].kind, JoinKind::kComma);
  EXPECT_EQ(j.joins[9].kind, JoinKind::kInner);
  RoundTrip(
      "SELECT * FROM a INNER JOIN b ON a.x = b.x LEFT JOIN c USING (x, y) LEFT OUTER JOIN d "
      "RIGHT JOIN e FULL OUTER JOIN f CROSS JOIN g NATURAL JOIN h NATURAL LEFT JOIN i, j");
}

TEST(Select, TableRefs) {
  auto s = ParseAs<SelectStmt>(
      "SELECT * FROM main.t AS x INDEXED BY i, u NOT INDEXED, (SELECT 1) AS sq, "
      "json_each('[1]') j, (a JOIN b ON 1) AS ab, (c)");
  const JoinClause& j = *s->cores[0]->from;
  const auto& t = j.first->As<TableName>();
  EXPECT_EQ(t.name.schema->name, "main");
  EXPECT_EQ(t.alias->name, "x");
  EXPECT_EQ(t.indexed, TableName::Indexed::kIndexedBy);
  EXPECT_EQ(t.index_name.name, "i");
  EXPECT_EQ(j.joins[0].table->As<TableName>().indexed, TableName::Indexed::kNotIndexed);
  EXPECT_TRUE(j.joins[1].table->Is<SubqueryRef>());
  EXPECT_EQ(j.joins[1].table->alias->name, "sq");
  EXPECT_TRUE(j.joins[2].table->Is<TableFunctionRef>());
  EXPECT_EQ(j.joins[2].table->As<TableFunctionRef>().args.size(), 1u);
  ASSERT_TRUE(j.joins[3].table->Is<JoinClause>());
  EXPECT_EQ(j.joins[3].table->alias->name, "ab");
  EXPECT_EQ(j.joins[3].table->As<JoinClause>().joins.size(), 1u);
  EXPECT_TRUE(j.joins[4].table->Is<TableName>());  // (c) is just c
  RoundTrip(
      "SELECT * FROM main.t AS x INDEXED BY i, u NOT INDEXED, (SELECT 1) AS sq, "
      "json_each('[1]') j, (a JOIN b ON 1) AS ab, (c), a JOIN (b JOIN c ON 1) ON 2");
}

TEST(Select, StringTableName) {
  auto s = ParseAs<SelectStmt>("SELECT * FROM 'tbl'");
  ASSERT_TRUE(s->cores[0]->from->first->Is<TableName>());
  EXPECT_EQ(s->cores[0]->from->first->As<TableName>().name.name.quote, '\'');
}

TEST(Select, WindowClause) {
  auto s = ParseAs<SelectStmt>(
      "SELECT sum(x) OVER w, rank() OVER (w2 ORDER BY y) FROM t WINDOW w AS (PARTITION BY a), "
      "w2 AS (ORDER BY b RANGE BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE GROUP)");
  const SelectCore& c = *s->cores[0];
  ASSERT_EQ(c.windows.size(), 2u);
  EXPECT_EQ(c.windows[0]->name->name, "w");
  EXPECT_EQ(c.windows[1]->frame->exclude, FrameExclude::kGroup);
  EXPECT_EQ(c.columns[1].expr->As<FunctionCall>().over->base_name->name, "w2");
  RoundTrip(
      "SELECT sum(x) OVER w, rank() OVER (w2 ORDER BY y) FROM t WINDOW w AS (PARTITION BY a), "
      "w2 AS (ORDER BY b RANGE BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE GROUP)");
}

TEST(Select, Subqueries) {
  RoundTrip(
      "SELECT (SELECT max(x) FROM u WHERE u.id = t.id), EXISTS (SELECT 1 FROM v) FROM t "
      "WHERE a IN (SELECT b FROM w) AND c NOT IN (VALUES (1), (2)) AND (d, e) IN (SELECT 1, 2)");
}

// ----- DML -----

TEST(Insert, ValuesColumnsAndConflict) {
  auto s = ParseAs<InsertStmt>("INSERT OR IGNORE INTO main.t (a, b) VALUES (1, 2), (3, 4)");
  EXPECT_EQ(s->conflict, ConflictAction::kIgnore);
  EXPECT_FALSE(s->replace);
  EXPECT_EQ(s->table.schema->name, "main");
  EXPECT_EQ(s->columns.size(), 2u);
  EXPECT_EQ(s->select->cores[0]->rows.size(), 2u);
  for (const char* c : {"ROLLBACK", "ABORT", "FAIL", "IGNORE", "REPLACE"}) {
    RoundTrip(std::string("INSERT OR ") + c + " INTO t VALUES (1)");
  }
  auto r = ParseAs<InsertStmt>("REPLACE INTO t VALUES (1)");
  EXPECT_TRUE(r->replace);
  EXPECT_EQ(r->conflict, ConflictAction::kReplace);
  RoundTrip("REPLACE INTO t VALUES (1)");
}

TEST(Insert, SelectDefaultValuesAlias) {
  auto s = ParseAs<InsertStmt>("INSERT INTO t SELECT * FROM u WHERE x");
  EXPECT_EQ(s->select->cores[0]->kind, SelectCore::Kind::kSelect);
  auto d = ParseAs<InsertStmt>("INSERT INTO t DEFAULT VALUES RETURNING rowid");
  EXPECT_TRUE(d->default_values);
  EXPECT_EQ(d->select, nullptr);
  EXPECT_EQ(d->returning.size(), 1u);
  auto a = ParseAs<InsertStmt>("INSERT INTO t AS x VALUES (1)");
  EXPECT_EQ(a->alias->name, "x");
  RoundTrip("INSERT INTO t SELECT * FROM u WHERE x");
  RoundTrip("INSERT INTO t DEFAULT VALUES RETURNING rowid");
  RoundTrip("WITH c AS (SELECT 1) INSERT INTO t AS x SELECT * FROM c");
}

TEST(Insert, Upsert) {
  auto s = ParseAs<InsertStmt>(
      "INSERT INTO t VALUES (1, 2) ON CONFLICT (a COLLATE nocase, b) WHERE a > 0 DO UPDATE SET "
      "b = excluded.b, (c, d) = (1, 2) WHERE b < 3 ON CONFLICT (c) DO NOTHING "
      "ON CONFLICT DO NOTHING RETURNING *, a AS x");
  ASSERT_EQ(s->upserts.size(), 3u);
  const UpsertClause& u = s->upserts[0];
  EXPECT_EQ(u.target.size(), 2u);
  EXPECT_NE(u.target_where, nullptr);
  EXPECT_FALSE(u.do_nothing);
  ASSERT_EQ(u.set.size(), 2u);
  EXPECT_EQ(u.set[1].columns.size(), 2u);
  EXPECT_TRUE(u.set[1].parenthesized);
  EXPECT_NE(u.where, nullptr);
  EXPECT_TRUE(s->upserts[1].do_nothing);
  EXPECT_TRUE(s->upserts[2].target.empty());
  EXPECT_EQ(s->returning.size(), 2u);
  RoundTrip(
      "INSERT INTO t VALUES (1, 2) ON CONFLICT (a COLLATE nocase, b) WHERE a > 0 DO UPDATE SET "
      "b = excluded.b, (c, d) = (1, 2) WHERE b < 3 ON CONFLICT (c) DO NOTHING "
      "ON CONFLICT DO NOTHING RETURNING *, a AS x");
  RoundTrip("INSERT INTO t SELECT * FROM u WHERE true ON CONFLICT DO NOTHING");
}

TEST(Update, AllClauses) {
  auto s = ParseAs<UpdateStmt>(
      "WITH c AS (SELECT 1) UPDATE OR REPLACE main.t AS x INDEXED BY i SET a = 1, (b, c) = "
      "(SELECT 1, 2) FROM u JOIN v ON 1 WHERE x.id = u.id RETURNING a, * ORDER BY a LIMIT 5 "
      "OFFSET 2");
  ASSERT_NE(s->with, nullptr);
  EXPECT_EQ(s->conflict, ConflictAction::kReplace);
  EXPECT_EQ(s->table.name.schema->name, "main");
  EXPECT_EQ(s->table.alias->name, "x");
  EXPECT_EQ(s->table.indexed, TableName::Indexed::kIndexedBy);
  ASSERT_EQ(s->set.size(), 2u);
  EXPECT_EQ(s->set[1].columns.size(), 2u);
  ASSERT_NE(s->from, nullptr);
  EXPECT_EQ(s->from->joins.size(), 1u);
  EXPECT_NE(s->where, nullptr);
  EXPECT_EQ(s->returning.size(), 2u);
  EXPECT_EQ(s->order_by.size(), 1u);
  EXPECT_NE(s->limit, nullptr);
  EXPECT_NE(s->offset, nullptr);
  RoundTrip(
      "WITH c AS (SELECT 1) UPDATE OR REPLACE main.t AS x INDEXED BY i SET a = 1, (b, c) = "
      "(SELECT 1, 2) FROM u JOIN v ON 1 WHERE x.id = u.id RETURNING a, * ORDER BY a LIMIT 5 "
      "OFFSET 2");
}

TEST(Delete, AllClauses) {
  auto s = ParseAs<DeleteStmt>(
      "DELETE FROM t AS x NOT INDEXED WHERE a = 1 RETURNING * ORDER BY b LIMIT 1 OFFSET 1");
  EXPECT_EQ(s->table.alias->name, "x");
  EXPECT_EQ(s->table.indexed, TableName::Indexed::kNotIndexed);
  EXPECT_NE(s->where, nullptr);
  EXPECT_EQ(s->returning.size(), 1u);
  EXPECT_EQ(s->order_by.size(), 1u);
  RoundTrip("DELETE FROM t AS x NOT INDEXED WHERE a = 1 RETURNING * ORDER BY b LIMIT 1 OFFSET 1");
  RoundTrip("WITH c AS (SELECT 1) DELETE FROM t WHERE a IN c");
}

// ----- DDL -----

TEST(CreateTable, ColumnsTypesAndConstraints) {
  auto s = ParseAs<CreateTableStmt>(
      "CREATE TEMP TABLE IF NOT EXISTS main.t ("
      "id INTEGER PRIMARY KEY DESC ON CONFLICT ABORT AUTOINCREMENT, "
      "name VARCHAR(10) NOT NULL ON CONFLICT FAIL UNIQUE COLLATE nocase DEFAULT 'x', "
      "d DOUBLE PRECISION DEFAULT -5.5 CHECK (d > 0), "
      "big UNSIGNED BIG INT DEFAULT (1 + 2) NULL, "
      "p CONSTRAINT fk REFERENCES parent(id) ON DELETE CASCADE ON UPDATE SET NULL MATCH FULL "
      "DEFERRABLE INITIALLY DEFERRED, "
      "g AS (d * 2) STORED, "
      "h INT GENERATED ALWAYS AS (d + 1) VIRTUAL, "
      "i DEFAULT true, j DEFAULT abc, k DEFAULT CURRENT_TIMESTAMP, l DECIMAL(10, 2))");
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->temporary);
  EXPECT_TRUE(s->if_not_exists);
  ASSERT_EQ(s->columns.size(), 11u);
  const ColumnDef& id = *s->columns[0];
  EXPECT_EQ(id.type->name, "INTEGER");
  ASSERT_EQ(id.constraints.size(), 1u);
  EXPECT_EQ(id.constraints[0].kind, ColumnConstraint::Kind::kPrimaryKey);
  EXPECT_EQ(id.constraints[0].direction, SortDirection::kDesc);
  EXPECT_EQ(id.constraints[0].conflict, ConflictAction::kAbort);
  EXPECT_TRUE(id.constraints[0].autoincrement);
  const ColumnDef& name = *s->columns[1];
  EXPECT_EQ(name.type->name, "VARCHAR");
  EXPECT_EQ(name.type->args, std::vector<std::string>{"10"});
  ASSERT_EQ(name.constraints.size(), 4u);
  EXPECT_EQ(name.constraints[0].kind, ColumnConstraint::Kind::kNotNull);
  EXPECT_EQ(name.constraints[0].conflict, ConflictAction::kFail);
  EXPECT_EQ(name.constraints[2].collation.name, "nocase");
  EXPECT_EQ(name.constraints[3].expr->As<Literal>().text, "x");
  EXPECT_EQ(s->columns[2]->type->name, "DOUBLE PRECISION");
  EXPECT_TRUE(s->columns[2]->constraints[0].expr->Is<UnaryExpr>());
  EXPECT_EQ(s->columns[3]->type->name, "UNSIGNED BIG INT");
  EXPECT_TRUE(s->columns[3]->constraints[0].expr->Is<BinaryExpr>());
  EXPECT_EQ(s->columns[3]->constraints[1].kind, ColumnConstraint::Kind::kNull);
  const ColumnConstraint& fk = s->columns[4]->constraints[0];
  EXPECT_EQ(fk.name->name, "fk");
  EXPECT_EQ(fk.foreign_key->table.name, "parent");
  EXPECT_EQ(fk.foreign_key->on_delete, ForeignKeyAction::kCascade);
  EXPECT_EQ(fk.foreign_key->on_update, ForeignKeyAction::kSetNull);
  EXPECT_EQ(fk.foreign_key->match->name, "FULL");
  EXPECT_EQ(fk.foreign_key->deferrable, ForeignKeyClause::Deferrable::kDeferrable);
  EXPECT_EQ(fk.foreign_key->initially, ForeignKeyClause::Initially::kDeferred);
  EXPECT_EQ(s->columns[5]->constraints[0].kind, ColumnConstraint::Kind::kGenerated);
  EXPECT_TRUE(s->columns[5]->constraints[0].stored);
  EXPECT_FALSE(s->columns[5]->constraints[0].generated_always);
  EXPECT_TRUE(s->columns[6]->constraints[0].generated_always);
  EXPECT_FALSE(s->columns[6]->constraints[0].stored);
  EXPECT_EQ(s->columns[7]->constraints[0].expr->As<Literal>().kind, LiteralKind::kTrue);
  EXPECT_EQ(s->columns[8]->constraints[0].expr->As<Literal>().kind, LiteralKind::kString);
  EXPECT_EQ(s->columns[8]->constraints[0].expr->As<Literal>().text, "abc");
  EXPECT_EQ(s->columns[9]->constraints[0].expr->As<Literal>().kind,
            LiteralKind::kCurrentTimestamp);
  EXPECT_EQ(s->columns[10]->type->args, (std::vector<std::string>{"10", "2"}));
  RoundTrip(ToSql(*s));
}

TEST(CreateTable, TableConstraintsAndOptions) {
  auto s = ParseAs<CreateTableStmt>(
      "CREATE TABLE t (a, b, c, CONSTRAINT pk PRIMARY KEY (a, b DESC AUTOINCREMENT) ON CONFLICT "
      "REPLACE UNIQUE (c COLLATE nocase) CHECK (a > b) ON CONFLICT IGNORE, FOREIGN KEY (c) "
      "REFERENCES p(x) ON DELETE SET DEFAULT NOT DEFERRABLE) WITHOUT ROWID, STRICT");
  ASSERT_EQ(s->constraints.size(), 4u);
  EXPECT_EQ(s->constraints[0].kind, TableConstraint::Kind::kPrimaryKey);
  EXPECT_EQ(s->constraints[0].name->name, "pk");
  EXPECT_EQ(s->constraints[0].columns.size(), 2u);
  EXPECT_TRUE(s->constraints[0].autoincrement);
  EXPECT_EQ(s->constraints[0].conflict, ConflictAction::kReplace);
  EXPECT_EQ(s->constraints[1].kind, TableConstraint::Kind::kUnique);
  EXPECT_EQ(s->constraints[2].kind, TableConstraint::Kind::kCheck);
  EXPECT_EQ(s->constraints[2].conflict, ConflictAction::kIgnore);
  EXPECT_EQ(s->constraints[3].kind, TableConstraint::Kind::kForeignKey);
  EXPECT_EQ(s->constraints[3].foreign_key->on_delete, ForeignKeyAction::kSetDefault);
  EXPECT_EQ(s->constraints[3].foreign_key->deferrable,
            ForeignKeyClause::Deferrable::kNotDeferrable);
  EXPECT_TRUE(s->without_rowid);
  EXPECT_TRUE(s->strict);
  RoundTrip(ToSql(*s));
  EXPECT_TRUE(ParseAs<CreateTableStmt>("CREATE TABLE t(a) STRICT")->strict);
}

TEST(CreateTable, AsSelectAndOddTypeNames) {
  auto s = ParseAs<CreateTableStmt>("CREATE TABLE t2 AS SELECT a, b FROM t");
  ASSERT_NE(s->as_select, nullptr);
  EXPECT_TRUE(s->columns.empty());
  RoundTrip("CREATE TABLE t2 AS SELECT a, b FROM t");
  auto t = ParseAs<CreateTableStmt>(
      "CREATE TABLE t(a INT KEY, b \"my type\", c GENERATED, d NATIVE CHARACTER(70), e)");
  EXPECT_EQ(t->columns[0]->type->name, "INT KEY");
  EXPECT_EQ(t->columns[1]->type->name, "my type");
  EXPECT_EQ(t->columns[2]->type->name, "GENERATED");
  EXPECT_EQ(t->columns[3]->type->name, "NATIVE CHARACTER");
  EXPECT_FALSE(t->columns[4]->type.has_value());
  RoundTrip(ToSql(*t));
}

TEST(CreateIndex, AllForms) {
  auto s = ParseAs<CreateIndexStmt>(
      "CREATE UNIQUE INDEX IF NOT EXISTS main.i ON t (a COLLATE nocase ASC, b DESC, lower(c)) "
      "WHERE a IS NOT NULL");
  EXPECT_TRUE(s->unique);
  EXPECT_TRUE(s->if_not_exists);
  EXPECT_EQ(s->name.schema->name, "main");
  EXPECT_EQ(s->table.name, "t");
  ASSERT_EQ(s->columns.size(), 3u);
  EXPECT_TRUE(s->columns[0].expr->Is<CollateExpr>());
  EXPECT_EQ(s->columns[0].direction, SortDirection::kAsc);
  EXPECT_TRUE(s->columns[2].expr->Is<FunctionCall>());
  EXPECT_NE(s->where, nullptr);
  RoundTrip(ToSql(*s));
}

TEST(CreateIndex, HnswExtension) {
  auto s = ParseAs<CreateIndexStmt>(
      "CREATE INDEX v ON items USING hnsw (embedding) WITH (m = 16, ef_construction = 200, "
      "metric 'cosine')");
  EXPECT_EQ(s->using_method->name, "hnsw");
  ASSERT_EQ(s->options.size(), 3u);
  EXPECT_EQ(s->options[0].name.name, "m");
  EXPECT_EQ(s->options[0].value->As<Literal>().int_value, 16);
  EXPECT_EQ(s->options[2].value->As<Literal>().text, "cosine");
  RoundTrip(ToSql(*s));
  RoundTrip(
      "CREATE INDEX v ON t(libsql_vector_idx(col, 'metric=cosine', 'm=16', "
      "'ef_construction=200'))");
}

TEST(CreateView, ColumnsAndTemp) {
  auto s = ParseAs<CreateViewStmt>("CREATE TEMP VIEW IF NOT EXISTS v(a, b) AS SELECT 1, 2");
  EXPECT_TRUE(s->temporary);
  EXPECT_TRUE(s->if_not_exists);
  EXPECT_EQ(s->columns.size(), 2u);
  RoundTrip(ToSql(*s));
}

TEST(CreateTrigger, AllParts) {
  auto s = ParseAs<CreateTriggerStmt>(
      "CREATE TRIGGER IF NOT EXISTS main.tr BEFORE UPDATE OF a, b ON t FOR EACH ROW WHEN "
      "new.a > 0 BEGIN INSERT INTO log VALUES (new.a); UPDATE t2 SET x = 1 WHERE y = old.a; "
      "DELETE FROM t3 WHERE z = 1; SELECT RAISE(ABORT, 'nope') WHERE 0; END");
  EXPECT_EQ(s->timing, CreateTriggerStmt::Timing::kBefore);
  EXPECT_EQ(s->event, CreateTriggerStmt::Event::kUpdate);
  EXPECT_EQ(s->update_columns.size(), 2u);
  EXPECT_EQ(s->table.name, "t");
  EXPECT_TRUE(s->for_each_row);
  EXPECT_NE(s->when, nullptr);
  ASSERT_EQ(s->body.size(), 4u);
  EXPECT_TRUE(s->body[0]->Is<InsertStmt>());
  EXPECT_TRUE(s->body[1]->Is<UpdateStmt>());
  EXPECT_TRUE(s->body[2]->Is<DeleteStmt>());
  EXPECT_TRUE(s->body[3]->Is<SelectStmt>());
  RoundTrip(ToSql(*s));
  auto i = ParseAs<CreateTriggerStmt>(
      "CREATE TEMP TRIGGER tr INSTEAD OF INSERT ON v BEGIN SELECT 1; END");
  EXPECT_TRUE(i->temporary);
  EXPECT_EQ(i->timing, CreateTriggerStmt::Timing::kInsteadOf);
  auto d = ParseAs<CreateTriggerStmt>("CREATE TRIGGER tr DELETE ON t BEGIN SELECT 1; END");
  EXPECT_EQ(d->timing, CreateTriggerStmt::Timing::kDefault);
  EXPECT_EQ(d->event, CreateTriggerStmt::Event::kDelete);
  RoundTrip("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END");
}

TEST(CreateVirtualTable, RawArguments) {
  auto s = ParseAs<CreateVirtualTableStmt>(
      "CREATE VIRTUAL TABLE IF NOT EXISTS d USING fts5(title, body,  tokenize = 'porter "
      "unicode61', x(a, (b)), )");
  EXPECT_TRUE(s->if_not_exists);
  EXPECT_EQ(s->module.name, "fts5");
  EXPECT_EQ(s->args, (std::vector<std::string>{"title", "body", "tokenize = 'porter unicode61'",
                                               "x(a, (b))"}));
  RoundTrip(ToSql(*s));
  auto n = ParseAs<CreateVirtualTableStmt>("CREATE VIRTUAL TABLE t USING m");
  EXPECT_FALSE(n->has_args);
}

TEST(Drop, AllObjects) {
  auto s = ParseAs<DropStmt>("DROP TABLE IF EXISTS main.t");
  EXPECT_EQ(s->object, DropStmt::ObjectKind::kTable);
  EXPECT_TRUE(s->if_exists);
  EXPECT_EQ(ParseAs<DropStmt>("DROP INDEX i")->object, DropStmt::ObjectKind::kIndex);
  EXPECT_EQ(ParseAs<DropStmt>("DROP VIEW v")->object, DropStmt::ObjectKind::kView);
  EXPECT_EQ(ParseAs<DropStmt>("DROP TRIGGER tr")->object, DropStmt::ObjectKind::kTrigger);
  RoundTrip("DROP TRIGGER IF EXISTS main.tr");
}

TEST(AlterTable, AllActions) {
  auto r = ParseAs<AlterTableStmt>("ALTER TABLE main.t RENAME TO u");
  EXPECT_EQ(r->action, AlterTableStmt::Action::kRenameTable);
  EXPECT_EQ(r->new_name.name, "u");
  auto c = ParseAs<AlterTableStmt>("ALTER TABLE t RENAME COLUMN a TO b");
  EXPECT_EQ(c->action, AlterTableStmt::Action::kRenameColumn);
  EXPECT_EQ(c->column_name.name, "a");
  EXPECT_EQ(c->new_name.name, "b");
  EXPECT_EQ(ParseAs<AlterTableStmt>("ALTER TABLE t RENAME a TO b")->action,
            AlterTableStmt::Action::kRenameColumn);
  auto a = ParseAs<AlterTableStmt>("ALTER TABLE t ADD COLUMN c INT NOT NULL DEFAULT 0");
  EXPECT_EQ(a->action, AlterTableStmt::Action::kAddColumn);
  EXPECT_EQ(a->column->constraints.size(), 2u);
  EXPECT_EQ(ParseAs<AlterTableStmt>("ALTER TABLE t ADD d")->column->name.name, "d");
  auto d = ParseAs<AlterTableStmt>("ALTER TABLE t DROP COLUMN c");
  EXPECT_EQ(d->action, AlterTableStmt::Action::kDropColumn);
  EXPECT_EQ(d->column_name.name, "c");
  for (const char* sql : {"ALTER TABLE main.t RENAME TO u", "ALTER TABLE t RENAME a TO b",
                          "ALTER TABLE t ADD c INT DEFAULT 0", "ALTER TABLE t DROP c"}) {
    RoundTrip(sql);
  }
}

// ----- Transactions and utility statements -----

TEST(Transactions, BeginCommitRollbackSavepoint) {
  EXPECT_EQ(ParseAs<BeginStmt>("BEGIN")->mode, BeginStmt::Mode::kDefault);
  EXPECT_EQ(ParseAs<BeginStmt>("BEGIN DEFERRED TRANSACTION")->mode, BeginStmt::Mode::kDeferred);
  EXPECT_EQ(ParseAs<BeginStmt>("BEGIN IMMEDIATE")->mode, BeginStmt::Mode::kImmediate);
  EXPECT_EQ(ParseAs<BeginStmt>("BEGIN EXCLUSIVE TRANSACTION tx")->mode,
            BeginStmt::Mode::kExclusive);
  EXPECT_FALSE(ParseAs<CommitStmt>("COMMIT TRANSACTION")->end_keyword);
  EXPECT_TRUE(ParseAs<CommitStmt>("END")->end_keyword);
  EXPECT_FALSE(ParseAs<RollbackStmt>("ROLLBACK")->savepoint.has_value());
  EXPECT_EQ(ParseAs<RollbackStmt>("ROLLBACK TRANSACTION TO SAVEPOINT sp")->savepoint->name, "sp");
  EXPECT_EQ(ParseAs<RollbackStmt>("ROLLBACK TO sp")->savepoint->name, "sp");
  EXPECT_EQ(ParseAs<SavepointStmt>("SAVEPOINT sp")->name.name, "sp");
  EXPECT_EQ(ParseAs<ReleaseStmt>("RELEASE SAVEPOINT sp")->name.name, "sp");
  EXPECT_EQ(ParseAs<ReleaseStmt>("RELEASE sp")->name.name, "sp");
  for (const char* sql : {"BEGIN IMMEDIATE", "COMMIT", "END", "ROLLBACK TO SAVEPOINT sp",
                          "SAVEPOINT sp", "RELEASE SAVEPOINT sp"}) {
    EXPECT_EQ(RoundTrip(sql), sql);
  }
}

TEST(Pragma, Forms) {
  auto p = ParseAs<PragmaStmt>("PRAGMA main.journal_mode = WAL");
  EXPECT_EQ(p->name.schema->name, "main");
  EXPECT_EQ(p->name.name.name, "journal_mode");
  EXPECT_EQ(p->value_kind, PragmaStmt::ValueKind::kName);
  EXPECT_EQ(p->value, "WAL");
  auto n = ParseAs<PragmaStmt>("PRAGMA cache_size = -2000");
  EXPECT_EQ(n->value_kind, PragmaStmt::ValueKind::kNumber);
  EXPECT_EQ(n->value, "-2000");
  auto c = ParseAs<PragmaStmt>("PRAGMA table_info('t')");
  EXPECT_TRUE(c->call_form);
  EXPECT_EQ(c->value_kind, PragmaStmt::ValueKind::kString);
  EXPECT_EQ(c->value, "t");
  EXPECT_EQ(ParseAs<PragmaStmt>("PRAGMA foreign_keys = ON")->value, "ON");
  EXPECT_EQ(ParseAs<PragmaStmt>("PRAGMA secure_delete(DELETE)")->value, "DELETE");
  EXPECT_EQ(ParseAs<PragmaStmt>("PRAGMA x")->value_kind, PragmaStmt::ValueKind::kNone);
  for (const char* sql : {"PRAGMA main.journal_mode = WAL", "PRAGMA cache_size = -2000",
                          "PRAGMA table_info('t')", "PRAGMA foreign_keys = ON", "PRAGMA x",
                          "PRAGMA x(DEFAULT)"}) {
    EXPECT_EQ(RoundTrip(sql), sql);
  }
}

TEST(Utility, AnalyzeReindexVacuumAttachDetach) {
  EXPECT_FALSE(ParseAs<AnalyzeStmt>("ANALYZE")->target.has_value());
  EXPECT_EQ(ParseAs<AnalyzeStmt>("ANALYZE main.t")->target->schema->name, "main");
  EXPECT_FALSE(ParseAs<ReindexStmt>("REINDEX")->target.has_value());
  EXPECT_EQ(ParseAs<ReindexStmt>("REINDEX nocase")->target->name.name, "nocase");
  auto v = ParseAs<VacuumStmt>("VACUUM main INTO 'backup.db'");
  EXPECT_EQ(v->schema->name, "main");
  EXPECT_NE(v->into, nullptr);
  auto a = ParseAs<AttachStmt>("ATTACH DATABASE 'x.db' AS aux KEY 'secret'");
  EXPECT_EQ(a->file->As<Literal>().text, "x.db");
  EXPECT_EQ(a->schema_name->As<ColumnRef>().column.name, "aux");
  EXPECT_NE(a->key, nullptr);
  EXPECT_NE(ParseAs<AttachStmt>("ATTACH 'y.db' AS y"), nullptr);
  EXPECT_NE(ParseAs<DetachStmt>("DETACH aux"), nullptr);
  for (const char* sql : {"ANALYZE", "ANALYZE main.t", "REINDEX", "REINDEX t", "VACUUM",
                          "VACUUM main INTO 'x.db'", "ATTACH DATABASE 'x.db' AS aux",
                          "DETACH DATABASE aux"}) {
    EXPECT_EQ(RoundTrip(sql), sql);
  }
}

TEST(Explain, PlainAndQueryPlan) {
  auto e = ParseAs<ExplainStmt>("EXPLAIN SELECT 1");
  EXPECT_FALSE(e->query_plan);
  EXPECT_TRUE(e->statement->Is<SelectStmt>());
  auto q = ParseAs<ExplainStmt>("EXPLAIN QUERY PLAN UPDATE t SET a = 1");
  EXPECT_TRUE(q->query_plan);
  EXPECT_TRUE(q->statement->Is<UpdateStmt>());
  EXPECT_EQ(RoundTrip("EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1"),
            "EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 1");
  EXPECT_NE(ErrorOf("EXPLAIN EXPLAIN SELECT 1"), "");
}

// ----- dosql extensions -----

TEST(Extensions, TimeTravel) {
  auto s = ParseAs<SelectStmt>(
      "SELECT * FROM t FOR SYSTEM_TIME AS OF TIMESTAMP '2024-01-01 00:00:00' AS x, "
      "u FOR SYSTEM_TIME AS OF LSN 42, v FOR SYSTEM_TIME BETWEEN TIMESTAMP '2024-01-01' AND "
      "TIMESTAMP '2024-02-01', w AS y FOR SYSTEM_TIME FROM LSN 1 TO LSN 2, z FOR SYSTEM_TIME "
      "AS OF now");
  const JoinClause& j = *s->cores[0]->from;
  const auto& t = j.first->As<TableName>();
  ASSERT_TRUE(t.temporal.has_value());
  EXPECT_EQ(t.temporal->kind, TemporalClause::Kind::kAsOf);
  EXPECT_EQ(t.temporal->start.unit, TemporalPoint::Unit::kTimestamp);
  EXPECT_EQ(t.temporal->start.value->As<Literal>().text, "2024-01-01 00:00:00");
  EXPECT_EQ(t.alias->name, "x");
  const auto& u = j.joins[0].table->As<TableName>();
  EXPECT_EQ(u.temporal->start.unit, TemporalPoint::Unit::kLsn);
  EXPECT_EQ(u.temporal->start.value->As<Literal>().int_value, 42);
  const auto& v = j.joins[1].table->As<TableName>();
  EXPECT_EQ(v.temporal->kind, TemporalClause::Kind::kBetween);
  EXPECT_EQ(v.temporal->end.unit, TemporalPoint::Unit::kTimestamp);
  const auto& w = j.joins[2].table->As<TableName>();
  EXPECT_EQ(w.temporal->kind, TemporalClause::Kind::kFromTo);
  EXPECT_EQ(w.alias->name, "y");
  const auto& z = j.joins[3].table->As<TableName>();
  EXPECT_EQ(z.temporal->start.unit, TemporalPoint::Unit::kUnspecified);
  RoundTrip(ToSql(*s));
  // FOR stays usable as an alias when SYSTEM_TIME does not follow.
  EXPECT_EQ(ParseAs<SelectStmt>("SELECT * FROM t for")->cores[0]->from->first->alias->name,
            "for");
}

TEST(Extensions, Branches) {
  auto c = ParseAs<CreateBranchStmt>(
      "CREATE BRANCH feature FROM main AS OF TIMESTAMP '2024-01-01'");
  EXPECT_EQ(c->name.name, "feature");
  EXPECT_EQ(c->from->name, "main");
  EXPECT_EQ(c->as_of->unit, TemporalPoint::Unit::kTimestamp);
  EXPECT_FALSE(ParseAs<CreateBranchStmt>("CREATE BRANCH b")->from.has_value());
  EXPECT_EQ(ParseAs<CreateBranchStmt>("create branch b as of lsn 7")->as_of->unit,
            TemporalPoint::Unit::kLsn);
  EXPECT_EQ(ParseAs<CheckoutBranchStmt>("CHECKOUT BRANCH feature")->name.name, "feature");
  auto m = ParseAs<MergeBranchStmt>("MERGE BRANCH feature INTO main");
  EXPECT_EQ(m->source.name, "feature");
  EXPECT_EQ(m->target.name, "main");
  EXPECT_TRUE(ParseAs<DropBranchStmt>("DROP BRANCH IF EXISTS feature")->if_exists);
  for (const char* sql :
       {"CREATE BRANCH feature FROM main AS OF TIMESTAMP '2024-01-01'", "CREATE BRANCH b",
        "CHECKOUT BRANCH feature", "MERGE BRANCH feature INTO main", "DROP BRANCH feature"}) {
    EXPECT_EQ(RoundTrip(sql), sql);
  }
  // The words stay ordinary identifiers elsewhere.
  RoundTrip("SELECT branch, checkout, merge, call, procedure, lsn, system_time FROM t");
}

TEST(Extensions, UrlTables) {
  auto s = ParseAs<SelectStmt>(
      "SELECT * FROM 'file:///data/x.csv' WITH (format 'csv', header true, delimiter = ';') "
      "AS f JOIN 's3://bucket/k.parquet' p ON 1, 'local.json' WITH (format 'json')");
  const JoinClause& j = *s->cores[0]->from;
  const auto& f = j.first->As<UrlTableRef>();
  EXPECT_EQ(f.url, "file:///data/x.csv");
  ASSERT_EQ(f.options.size(), 3u);
  EXPECT_EQ(f.options[0].name.name, "format");
  EXPECT_EQ(f.options[1].value->As<Literal>().kind, LiteralKind::kTrue);
  EXPECT_EQ(f.alias->name, "f");
  EXPECT_TRUE(j.joins[0].table->Is<UrlTableRef>());
  EXPECT_TRUE(j.joins[0].table->As<UrlTableRef>().options.empty());
  EXPECT_EQ(j.joins[1].table->As<UrlTableRef>().url, "local.json");
  RoundTrip(ToSql(*s));
}

TEST(Extensions, ProceduresAndCall) {
  auto p = ParseAs<CreateProcedureStmt>(
      "CREATE OR REPLACE PROCEDURE app.transfer(src INTEGER, dst, amount REAL) AS MODULE $$\n"
      "export default async function (db, src, dst, amount) { return 'ok'; }\n$$");
  EXPECT_TRUE(p->or_replace);
  EXPECT_EQ(p->name.schema->name, "app");
  ASSERT_EQ(p->params.size(), 3u);
  EXPECT_EQ(p->params[0].type->name, "INTEGER");
  EXPECT_FALSE(p->params[1].type.has_value());
  EXPECT_EQ(p->language.name, "MODULE");
  EXPECT_EQ(p->body, "\nexport default async function (db, src, dst, amount) { return 'ok'; }\n");
  RoundTrip(ToSql(*p));
  EXPECT_FALSE(ParseAs<CreateProcedureStmt>("CREATE PROCEDURE p() AS MODULE $$$$")->or_replace);
  auto c = ParseAs<CallStmt>("CALL app.transfer(1, 2, ?)");
  EXPECT_EQ(c->name.name.name, "transfer");
  EXPECT_EQ(c->args.size(), 3u);
  EXPECT_EQ(RoundTrip("CALL p()"), "CALL p()");
}

// ----- Scripts and ParseOne -----

TEST(Script, MultipleStatementsAndEmptyOnes) {
  auto r = ParseScript(";; SELECT 1; ; INSERT INTO t VALUES (1);\n-- trailing comment\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_TRUE((*r)[0]->Is<SelectStmt>());
  EXPECT_TRUE((*r)[1]->Is<InsertStmt>());
  auto empty = ParseScript("  -- nothing\n ;;");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseOne, TailOffsetAndEmptyInput) {
  std::string_view sql = "SELECT 1;  SELECT 2; bogus garbage";
  auto r = ParseOne(sql);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tail_offset, 9u);
  auto r2 = ParseOne(sql.substr(r->tail_offset));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(sql.substr(r->tail_offset + r2->tail_offset), " bogus garbage");
  auto last = ParseOne("SELECT 3");
  EXPECT_EQ(last->tail_offset, 8u);
  auto none = ParseOne("   /* c */ ");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->statement, nullptr);
  EXPECT_EQ(none->tail_offset, 11u);
  // Only the first statement is examined: garbage after it is not an error.
  auto first = ParseOne("SELECT 1; SELECT 1abc");
  EXPECT_TRUE(first.ok());
}

TEST(ParseOne, TriggerBodySemicolonsDoNotEndTheStatement) {
  std::string_view sql = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END; X";
  auto r = ParseOne(sql);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(sql.substr(r->tail_offset), " X");
}

TEST(ToSql, QuotingOfIdentifiers) {
  EXPECT_EQ(RoundTrip("SELECT \"a b\", [c], `d`, \"x\"\"y\", \"plain\" FROM \"select\""),
            "SELECT \"a b\", c, d, \"x\"\"y\", \"plain\" FROM \"select\"");
  EXPECT_EQ(RoundTrip("SELECT 'it''s', key FROM t"), "SELECT 'it''s', \"key\" FROM t");
}

}  // namespace
}  // namespace dosql::parser
