// Tests of the facade (dosql/dosql.h): the engine's API reached through namespace dosql, and
// the SQLite-style value conversions. Links dosql::dosql only.
#include "dosql/dosql.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "dosql/test_util/status.h"

namespace dosql {
namespace {

using test_util::Unwrap;

TEST(DosqlFacade, VersionIsConsistent) {
  EXPECT_EQ(Version(), "0.1.0");
  EXPECT_EQ(VersionNumber(), 1000);
}

TEST(DosqlFacade, CreateInsertWithBoundParametersAndReadBack) {
  std::unique_ptr<Connection> conn = Unwrap(Connection::Open(":memory:"));
  ASSERT_TRUE(conn->database().in_memory());
  ASSERT_OK(conn->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)"));

  std::unique_ptr<Statement> ins =
      Unwrap(conn->Prepare("INSERT INTO t(name, score, data) VALUES (:name, @score, $data)"));
  ASSERT_NE(ins, nullptr);
  EXPECT_FALSE(ins->readonly());
  ASSERT_EQ(ins->parameter_count(), 3);
  EXPECT_EQ(ins->parameter_name(1), ":name");
  EXPECT_EQ(ins->parameter_index("@score"), 2);
  EXPECT_EQ(ins->parameter_index("$data"), 3);
  EXPECT_EQ(ins->parameter_index(":nosuch"), 0);

  for (int i = 0; i < 3; i++) {
    ASSERT_OK(ins->Reset());
    ASSERT_OK(ins->Bind(1, Value::Text("row" + std::to_string(i))));
    ASSERT_OK(ins->Bind(2, Value::Real(i + 0.5)));
    ASSERT_OK(ins->Bind(3, Value::Blob(std::string("\0\1", 2) + char('a' + i))));
    EXPECT_FALSE(Unwrap(ins->Step()));
    EXPECT_EQ(conn->changes(), 1);
    EXPECT_EQ(conn->last_insert_rowid(), i + 1);
  }
  EXPECT_EQ(conn->total_changes(), 3);
  EXPECT_EQ(ins->Bind(4, Value::Integer(1)).code(), StatusCode::kOutOfRange);

  std::unique_ptr<Statement> sel =
      Unwrap(conn->Prepare("SELECT id, name, score, data FROM t WHERE id >= ? ORDER BY id"));
  EXPECT_TRUE(sel->readonly());
  ASSERT_EQ(sel->column_count(), 4);
  EXPECT_EQ(sel->column_name(1), "name");
  EXPECT_EQ(sel->column_decltype(2), "REAL");
  ASSERT_OK(sel->Bind(1, Value::Integer(2)));
  int rows = 0;
  while (Unwrap(sel->Step())) {
    int64_t id = sel->column(0).integer();
    EXPECT_EQ(sel->column(0).type(), ValueType::kInteger);
    EXPECT_EQ(sel->column(1).bytes(), "row" + std::to_string(id - 1));
    EXPECT_EQ(sel->column(2).type(), ValueType::kReal);
    EXPECT_EQ(sel->column(2).real(), id - 0.5);
    EXPECT_EQ(sel->column(3).type(), ValueType::kBlob);
    EXPECT_EQ(sel->column(3).bytes(), std::string("\0\1", 2) + char('a' + id - 1));
    rows++;
  }
  EXPECT_EQ(rows, 2);
  // After the end, Step keeps saying "done" until Reset.
  EXPECT_FALSE(Unwrap(sel->Step()));
  ASSERT_OK(sel->Reset());
  ASSERT_OK(sel->ClearBindings());  // ? is NULL: id >= NULL matches nothing
  EXPECT_FALSE(Unwrap(sel->Step()));
}

TEST(DosqlFacade, PrepareReportsTailAndEmptyText) {
  std::unique_ptr<Connection> conn = Unwrap(Connection::Open(""));
  std::string sql = "SELECT 1; SELECT 2";
  size_t tail = 0;
  std::unique_ptr<Statement> st = Unwrap(conn->Prepare(sql, &tail));
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(sql.substr(tail), " SELECT 2");
  EXPECT_EQ(Unwrap(conn->Prepare("  -- nothing\n ;", &tail)), nullptr);
  Result<std::unique_ptr<Statement>> bad = conn->Prepare("SELEC 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kSyntaxError);
  EXPECT_EQ(conn->error_offset(), 0);
}

TEST(DosqlFacade, QueryAndTransactions) {
  std::unique_ptr<Connection> conn = Unwrap(Connection::Open(":memory:"));
  ASSERT_OK(conn->Exec("CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES (1), (2)"));
  EXPECT_TRUE(conn->autocommit());
  ASSERT_OK(conn->Exec("BEGIN"));
  EXPECT_FALSE(conn->autocommit());
  ASSERT_OK(conn->Exec("INSERT INTO t VALUES (3)"));
  ASSERT_OK(conn->Exec("ROLLBACK"));
  EXPECT_TRUE(conn->autocommit());
  Status dup = conn->Exec("INSERT INTO t VALUES (1)");
  EXPECT_EQ(dup.code(), StatusCode::kConstraint);
  EXPECT_EQ(dup.message(), "UNIQUE constraint failed: t.a");
  Connection::QueryResult r = Unwrap(conn->Query("SELECT count(*) AS n, sum(a) FROM t"));
  ASSERT_EQ(r.column_names.size(), 2u);
  EXPECT_EQ(r.column_names[0], "n");
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0].integer(), 2);
  EXPECT_EQ(r.rows[0][1].integer(), 3);
}

TEST(DosqlFacade, ValueConversionsMatchSqlite) {
  std::string s;
  EXPECT_TRUE(AppendValueText(Value::Integer(42), &s));
  EXPECT_EQ(s, "42");
  s.clear();
  EXPECT_TRUE(AppendValueText(Value::Real(1.5), &s));
  EXPECT_EQ(s, "1.5");
  s.clear();
  EXPECT_TRUE(AppendValueText(Value::Real(1e300), &s));
  EXPECT_EQ(s, "1.0e+300");
  s.clear();
  EXPECT_TRUE(AppendValueText(Value::Real(2.0), &s));
  EXPECT_EQ(s, "2.0");
  s.clear();
  EXPECT_FALSE(AppendValueText(Value::Null(), &s));
  EXPECT_EQ(s, "");
  EXPECT_EQ(ValueToInt64(Value::Text("  12abc")), 12);
  EXPECT_EQ(ValueToInt64(Value::Real(-3.9)), -3);
  EXPECT_EQ(ValueToInt64(Value::Real(1e300)), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ValueToDouble(Value::Text("1.5e3x")), 1500.0);
  EXPECT_EQ(ValueToDouble(Value::Null()), 0.0);
  EXPECT_EQ(ValueToDouble(Value::Integer(7)), 7.0);
}


std::unique_ptr<Connection> Mem() {
  auto c = Connection::Open(":memory:");
  EXPECT_TRUE(c.ok());
  return std::move(c).value();
}

int64_t Count(Connection& c, std::string_view sql) {
  auto r = c.Query(sql);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->rows[0][0].integer() : -1;
}

TEST(DosqlFacade, TypedAccessorsAndRowIteration) {
  auto c = Mem();
  ASSERT_TRUE(c->Exec("CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x'), (2.5, NULL), ('7z', x'00')").ok());
  auto st = std::move(c->Prepare("SELECT a, b FROM t WHERE rowid >= :from ORDER BY rowid")).value();
  ASSERT_TRUE(st->Bind(":from", Value::Integer(1)).ok());
  EXPECT_EQ(st->Bind(":nope", Value::Integer(1)).code(), StatusCode::kNotFound);
  EXPECT_EQ(st->BindInt64(2, 1).code(), StatusCode::kOutOfRange);  // one parameter only
  std::vector<std::string> seen;
  for (const Statement& row : st->rows()) {
    seen.push_back(row.column_text(0) + "/" + std::to_string(row.column_int64(0)) + "/" +
                   std::to_string(row.column_double(0)) + "/" + std::to_string(row.column_is_null(1)));
  }
  ASSERT_TRUE(st->rows_status().ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"1/1/1.000000/0", "2.5/2/2.500000/1", "7z/7/7.000000/0"}));
  EXPECT_EQ(st->column_type(5), ValueType::kNull);  // out of range reads as NULL
  // An error ends the loop and is reported.
  auto bad = std::move(c->Prepare("SELECT abs(-9223372036854775807 - a) FROM t")).value();
  int n = 0;
  for (const Statement& row : bad->rows()) {
    (void)row;
    n++;
  }
  EXPECT_FALSE(bad->rows_status().ok());
  // Stepping after the error needs a Reset, and says so instead of crashing.
  EXPECT_FALSE(bad->Step().ok());
}

TEST(DosqlFacade, TransactionCommitsOrRollsBackOnScopeExit) {
  auto c = Mem();
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x)").ok());
  {
    auto txn = Transaction::Begin(*c, TxnMode::kImmediate);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(c->Exec("INSERT INTO t VALUES (1)").ok());
    EXPECT_FALSE(c->autocommit());
  }  // not committed: rolled back
  EXPECT_TRUE(c->autocommit());
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM t"), 0);
  {
    auto txn = std::move(Transaction::Begin(*c, TxnMode::kExclusive)).value();
    ASSERT_TRUE(c->Exec("INSERT INTO t VALUES (1)").ok());
    ASSERT_TRUE(txn.Commit().ok());
    EXPECT_FALSE(txn.active());
    EXPECT_EQ(txn.Commit().code(), StatusCode::kInvalidArgument);  // misuse: clear error
  }
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM t"), 1);
  // BEGIN inside BEGIN fails like SQLite's.
  auto outer = std::move(Transaction::Begin(*c)).value();
  EXPECT_FALSE(Transaction::Begin(*c).ok());
  ASSERT_TRUE(outer.Rollback().ok());
}

TEST(DosqlFacade, SavepointsNestAndUndoTheirPart) {
  auto c = Mem();
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x)").ok());
  auto txn = std::move(Transaction::Begin(*c)).value();
  ASSERT_TRUE(c->Exec("INSERT INTO t VALUES (1)").ok());
  {
    auto a = std::move(Savepoint::Begin(*c, "a")).value();
    ASSERT_TRUE(c->Exec("INSERT INTO t VALUES (2)").ok());
    {
      auto b = std::move(Savepoint::Begin(*c, "b \"quoted\"")).value();
      ASSERT_TRUE(c->Exec("INSERT INTO t VALUES (3)").ok());
    }  // b rolled back
    ASSERT_TRUE(a.Release().ok());
  }
  ASSERT_TRUE(txn.Commit().ok());
  EXPECT_EQ(Count(*c, "SELECT sum(x) FROM t"), 3);
  // Outside BEGIN a savepoint opens the transaction; releasing it commits.
  {
    auto sp = std::move(Savepoint::Begin(*c, "solo")).value();
    ASSERT_TRUE(c->Exec("INSERT INTO t VALUES (10)").ok());
    ASSERT_TRUE(sp.Release().ok());
  }
  EXPECT_TRUE(c->autocommit());
  EXPECT_EQ(Count(*c, "SELECT sum(x) FROM t"), 13);
  EXPECT_FALSE(Savepoint::Begin(*c, "").ok());
}

TEST(DosqlFacade, UserCollationOrdersAndKeepsAUniqueIndex) {
  std::unique_ptr<Connection> conn = Unwrap(Connection::Open(":memory:"));
  // Numeric order of the digits in the text ("item9" < "item10").
  CollationFunction natural = [](std::string_view a, std::string_view b) {
    auto split = [](std::string_view s) {
      size_t d = s.find_first_of("0123456789");
      std::string_view head = s.substr(0, d == std::string_view::npos ? s.size() : d);
      long long n = d == std::string_view::npos ? -1 : std::stoll(std::string(s.substr(d)));
      return std::make_pair(std::string(head), n);
    };
    auto x = split(a), y = split(b);
    return x < y ? -1 : (y < x ? 1 : 0);
  };
  ASSERT_OK(conn->CreateCollation("natsort", natural));
  ASSERT_OK(conn->Exec("CREATE TABLE items(name TEXT UNIQUE COLLATE natsort)"));
  ASSERT_OK(conn->Exec("INSERT INTO items VALUES ('item10'), ('item9'), ('item100'), ('box2')"));
  // Equal under the collation: "item010" is "item10".
  EXPECT_EQ(conn->Exec("INSERT INTO items VALUES ('item010')").message(),
            "UNIQUE constraint failed: items.name");
  auto r = Unwrap(conn->Query("SELECT group_concat(name, ' ') FROM (SELECT name FROM items "
                              "WHERE name > 'item9' OR name < 'c' ORDER BY name)"));
  EXPECT_EQ(r.rows[0][0].bytes(), "box2 item10 item100");
  ASSERT_OK(conn->RemoveCollation("natsort"));
  EXPECT_EQ(conn->Query("SELECT name FROM items ORDER BY name").status().message(),
            "no such collation sequence: natsort");
}

TEST(DosqlFacade, StatementCacheReusesResetStatements) {
  auto c = Mem();
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x)").ok());
  StatementCache cache(*c, 2);
  for (int i = 0; i < 5; i++) {
    auto h = std::move(cache.Prepare("INSERT INTO t VALUES (?1)")).value();
    // Handed out without bindings: an unbound parameter is NULL.
    ASSERT_TRUE(h->BindInt64(1, i).ok());
    ASSERT_TRUE(h->Step().ok());
  }
  EXPECT_EQ(cache.misses(), 1u);
  EXPECT_EQ(cache.hits(), 4u);
  {
    auto h1 = std::move(cache.Prepare("SELECT count(*) FROM t")).value();
    auto h2 = std::move(cache.Prepare("SELECT count(*) FROM t")).value();  // in use: a fresh one
    ASSERT_TRUE(*h1->Step());
    ASSERT_TRUE(*h2->Step());
    EXPECT_EQ(h1->column_int64(0), 5);
  }
  auto h3 = std::move(cache.Prepare("SELECT 1")).value();
  EXPECT_LE(cache.size(), 2u);
  EXPECT_FALSE(cache.Prepare("SELECT 1; SELECT 2").ok());
  EXPECT_FALSE(cache.Prepare("  ").ok());
  EXPECT_FALSE(cache.Prepare("SELEC 1").ok());
}

}  // namespace
}  // namespace dosql
