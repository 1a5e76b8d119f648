// Tests of the facade (dosql/dosql.h): the engine's API reached through namespace dosql, and
// the SQLite-style value conversions. Links dosql::dosql only.
#include "dosql/dosql.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>

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

}  // namespace
}  // namespace dosql
