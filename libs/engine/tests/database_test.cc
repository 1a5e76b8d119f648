// Unit tests of the engine's public API (dosql/engine/database.h): Database, Connection and
// Statement as SQLite's C API users know them (prepare with a tail, 1-based binding, stepping,
// resetting, counters, transactions, errors, persistence and several connections).
#include "dosql/engine/database.h"

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dosql/test_util/status.h"
#include "dosql/test_util/temp_dir.h"

namespace dosql::engine {
namespace {

using test_util::Unwrap;
namespace fs = std::filesystem;

std::unique_ptr<Connection> OpenMemory() { return Unwrap(Connection::Open(":memory:")); }

// Runs `sql` and returns its rows (the last statement that returns rows).
std::vector<std::vector<Value>> Rows(Connection& c, std::string_view sql) {
  auto r = c.Query(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  if (!r.ok()) return {};
  return r->rows;
}

// The single value of a one-row, one-column query.
Value Scalar(Connection& c, std::string_view sql) {
  auto rows = Rows(c, sql);
  EXPECT_EQ(rows.size(), 1u) << sql;
  if (rows.size() != 1 || rows[0].size() != 1) return Value::Null();
  return rows[0][0];
}

int64_t Int(Connection& c, std::string_view sql) {
  Value v = Scalar(c, sql);
  EXPECT_EQ(v.type(), ValueType::kInteger) << sql << " gave " << v.DebugString();
  return v.integer();
}

std::unique_ptr<Statement> Prep(Connection& c, std::string_view sql) {
  auto st = Unwrap(c.Prepare(sql));
  EXPECT_NE(st, nullptr) << sql;
  return st;
}

// Steps `st` to its end and returns how many rows it produced.
int StepAll(Statement& st) {
  int n = 0;
  while (true) {
    auto r = st.Step();
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || !*r) return n;
    n++;
  }
}

// ---------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------

TEST(DatabaseTest, OpensInMemoryDatabases) {
  for (const char* path : {":memory:", ""}) {
    auto db = Unwrap(Database::Open(path));
    EXPECT_TRUE(db->in_memory()) << path;
    EXPECT_EQ(db->path(), path);
    auto c = Unwrap(db->Connect());
    ASSERT_OK(c->Exec("CREATE TABLE t(a); INSERT INTO t VALUES (1), (2);"));
    EXPECT_EQ(Int(*c, "SELECT sum(a) FROM t"), 3);
    EXPECT_EQ(&c->database(), db.get());
  }
}

TEST(DatabaseTest, InMemoryDatabasesAreSeparate) {
  auto a = OpenMemory();
  auto b = OpenMemory();
  ASSERT_OK(a->Exec("CREATE TABLE t(x)"));
  auto r = b->Query("SELECT * FROM t");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no such table: t"), std::string::npos)
      << r.status().ToString();
}

TEST(DatabaseTest, FileDatabaseIsADirectoryAndPersists) {
  test_util::TempDir dir("dosql_database_test", false);
  {
    auto db = Unwrap(Database::Open(dir.path()));
    EXPECT_FALSE(db->in_memory());
    EXPECT_EQ(db->path(), dir.path());
    auto c = Unwrap(db->Connect());
    ASSERT_OK(c->Exec(
        "CREATE TABLE kv(k TEXT PRIMARY KEY, v);"
        "CREATE INDEX kv_v ON kv(v);"
        "INSERT INTO kv VALUES ('int', 42), ('real', 2.5), ('text', 'hello'), ('blob', x'00ff'),"
        " ('null', NULL);"
        "BEGIN; INSERT INTO kv VALUES ('rolled back', 1); ROLLBACK;"));
    c.reset();
    ASSERT_OK(db->Close());
  }
  EXPECT_TRUE(fs::is_directory(dir.path()));
  {
    // Reopened through the convenience constructor; the connection keeps its database alive.
    auto c = Unwrap(Connection::Open(dir.path()));
    EXPECT_FALSE(c->database().in_memory());
    auto rows = Rows(*c, "SELECT k, v FROM kv ORDER BY k");
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(rows[0][0].view(), "blob");
    EXPECT_EQ(rows[0][1].type(), ValueType::kBlob);
    EXPECT_EQ(rows[0][1].bytes(), std::string("\0\xff", 2));
    EXPECT_EQ(rows[1][1].integer(), 42);
    EXPECT_TRUE(rows[2][1].is_null());
    EXPECT_EQ(rows[3][1].type(), ValueType::kReal);
    EXPECT_EQ(rows[3][1].real(), 2.5);
    EXPECT_EQ(rows[4][1].view(), "hello");
    // The index survived too and is used consistently with the table.
    EXPECT_EQ(Int(*c, "SELECT count(*) FROM kv WHERE v = 42"), 1);
    EXPECT_EQ(
        Scalar(*c, "SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'kv_v'").view(),
        "kv_v");
    ASSERT_OK(c->Exec("UPDATE kv SET v = 43 WHERE k = 'int'"));
  }
  {
    auto c = Unwrap(Connection::Open(dir.path()));
    EXPECT_EQ(Int(*c, "SELECT v FROM kv WHERE k = 'int'"), 43);
    EXPECT_EQ(Int(*c, "SELECT count(*) FROM kv"), 5);
  }
}

TEST(DatabaseTest, CreateIfMissingFalseFailsOnAMissingDatabase) {
  test_util::TempDir dir("dosql_database_test", false);
  DatabaseOptions o;
  o.create_if_missing = false;
  auto db = Database::Open(dir.path(), o);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("unable to open database file"), std::string::npos)
      << db.status().ToString();
  EXPECT_FALSE(fs::exists(dir.path()));
}

TEST(DatabaseTest, ReadOnlyDatabaseRejectsWrites) {
  test_util::TempDir dir("dosql_database_test", false);
  {
    auto c = Unwrap(Connection::Open(dir.path()));
    ASSERT_OK(c->Exec("CREATE TABLE t(a); INSERT INTO t VALUES (1)"));
  }
  DatabaseOptions o;
  o.read_only = true;
  auto c = Unwrap(Connection::Open(dir.path(), o));
  EXPECT_EQ(Int(*c, "SELECT a FROM t"), 1);
  Status s = c->Exec("INSERT INTO t VALUES (2)");
  EXPECT_EQ(s.code(), StatusCode::kReadOnly) << s.ToString();
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 1);
}

TEST(DatabaseTest, CloseWithOpenConnectionsIsBusy) {
  auto db = Unwrap(Database::Open(":memory:"));
  auto c = Unwrap(db->Connect());
  Status s = db->Close();
  EXPECT_EQ(s.code(), StatusCode::kBusy) << s.ToString();
  // The database still works.
  ASSERT_OK(c->Exec("CREATE TABLE t(a)"));
  c.reset();
  EXPECT_OK(db->Close());
}

// ---------------------------------------------------------------------------------------------
// Prepare
// ---------------------------------------------------------------------------------------------

// 'now' is read once per statement execution (SQLite fixes it per sqlite3_step): every row and
// every call of one run agree, a new run reads the clock again.
TEST(DatabaseTest, NowIsFixedPerStatementExecution) {
  auto db = Unwrap(Database::Open(":memory:"));
  auto c = Unwrap(db->Connect());
  ASSERT_OK(c->Exec("CREATE TABLE t(a); INSERT INTO t VALUES (1), (2), (3);"));
  ASSERT_OK(c->Exec("CREATE TABLE log(t); CREATE TRIGGER tr AFTER INSERT ON t BEGIN "
                    "INSERT INTO log VALUES (strftime('%f', 'now') || julianday('now')); END;"));
  ASSERT_OK(c->Exec("INSERT INTO t SELECT a FROM t"));
  EXPECT_EQ(Int(*c, "SELECT count(DISTINCT t) FROM log"), 1);
  EXPECT_EQ(Int(*c, "SELECT count(DISTINCT julianday('now') || CURRENT_TIMESTAMP) FROM t"), 1);
  auto st = Prep(*c, "SELECT julianday('now')");
  ASSERT_TRUE(Unwrap(st->Step()));
  double first = st->column(0).real();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_OK(st->Reset());
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_GT(st->column(0).real(), first);
}

TEST(DatabaseTest, PrepareReportsTheTail) {
  auto c = OpenMemory();
  const std::string sql = "SELECT 1; SELECT 2 ;\n  SELECT 3";
  size_t tail = 0;
  auto st = Unwrap(c->Prepare(sql, &tail));
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(tail, sql.find(';') + 1);
  EXPECT_EQ(st->sql().substr(0, 8), "SELECT 1");
  EXPECT_EQ(st->sql().find("SELECT 2"), std::string_view::npos);
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(0).integer(), 1);

  // Walk the whole text like sqlite3_prepare_v2 callers do.
  std::vector<int64_t> got;
  size_t pos = 0;
  while (pos < sql.size()) {
    size_t t = 0;
    auto s = Unwrap(c->Prepare(std::string_view(sql).substr(pos), &t));
    if (!s) break;
    ASSERT_TRUE(Unwrap(s->Step()));
    got.push_back(s->column(0).integer());
    ASSERT_GT(t, 0u);
    pos += t;
  }
  EXPECT_EQ(got, (std::vector<int64_t>{1, 2, 3}));
}

TEST(DatabaseTest, PrepareOfTextWithoutAStatementGivesNull) {
  auto c = OpenMemory();
  for (const char* sql :
       {"", "   ", ";", " ;; ;", "-- only a comment", "/* block */ ;", "\n-- c1\n/* c2 */\n"}) {
    size_t tail = 12345;
    auto st = c->Prepare(sql, &tail);
    ASSERT_TRUE(st.ok()) << "'" << sql << "': " << st.status().ToString();
    EXPECT_EQ(*st, nullptr) << "'" << sql << "'";
  }
  // Exec and Query accept such text too.
  EXPECT_OK(c->Exec("  ;  -- nothing\n"));
  auto q = Unwrap(c->Query(";"));
  EXPECT_TRUE(q.rows.empty());
  EXPECT_TRUE(q.column_names.empty());
}

TEST(DatabaseTest, PrepareValidatesNames) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec("CREATE TABLE t(a, b)"));
  auto r = c->Prepare("SELECT nosuch FROM t");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no such column: nosuch"), std::string::npos)
      << r.status().ToString();
  r = c->Prepare("SELECT * FROM nosuch");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no such table: nosuch"), std::string::npos)
      << r.status().ToString();
  r = c->Prepare("INSERT INTO t(nosuch) VALUES (1)");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("has no column named nosuch"), std::string::npos)
      << r.status().ToString();
}

TEST(DatabaseTest, ReadonlyTellsReadsFromWrites) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec("CREATE TABLE t(a)"));
  EXPECT_TRUE(Prep(*c, "SELECT * FROM t")->readonly());
  EXPECT_TRUE(Prep(*c, "WITH x AS (SELECT 1) SELECT * FROM x")->readonly());
  EXPECT_FALSE(Prep(*c, "INSERT INTO t VALUES (1)")->readonly());
  EXPECT_FALSE(Prep(*c, "UPDATE t SET a = 1")->readonly());
  EXPECT_FALSE(Prep(*c, "DELETE FROM t")->readonly());
  EXPECT_FALSE(Prep(*c, "CREATE TABLE u(x)")->readonly());
  EXPECT_FALSE(Prep(*c, "DROP TABLE t")->readonly());
}

// ---------------------------------------------------------------------------------------------
// Syntax errors
// ---------------------------------------------------------------------------------------------

TEST(DatabaseTest, SyntaxErrorsCarryTheOffset) {
  auto c = OpenMemory();
  EXPECT_EQ(c->error_offset(), -1);

  auto r = c->Prepare("SELECT * FROM");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kSyntaxError);
  EXPECT_NE(r.status().message().find("incomplete input"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(c->error_offset(), 13);

  r = c->Prepare("SELECT 1 FROM t WHERE a = = 2");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kSyntaxError);
  EXPECT_NE(r.status().message().find("near \"=\": syntax error"), std::string::npos)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find("line 1, column 27"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(c->error_offset(), 26);

  r = c->Prepare("SELEC 1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(c->error_offset(), 0);

  // A successful prepare clears it.
  ASSERT_NE(Unwrap(c->Prepare("SELECT 1")), nullptr);
  EXPECT_EQ(c->error_offset(), -1);

  // Exec reports the offset in the whole text, and stops at the error.
  ASSERT_OK(c->Exec("CREATE TABLE t(a)"));
  const std::string script = "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2) oops;";
  Status s = c->Exec(script);
  EXPECT_EQ(s.code(), StatusCode::kSyntaxError) << s.ToString();
  EXPECT_EQ(c->error_offset(), static_cast<int>(script.find("oops")));
  EXPECT_NE(s.message().find("line 2"), std::string::npos) << s.ToString();
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 1);
}

TEST(DatabaseTest, ExecStopsAtTheFirstError) {
  auto c = OpenMemory();
  Status s = c->Exec(
      "CREATE TABLE t(a UNIQUE); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1);"
      "INSERT INTO t VALUES (3);");
  EXPECT_EQ(s.code(), StatusCode::kConstraint) << s.ToString();
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 1);
  EXPECT_TRUE(c->autocommit());
}

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

TEST(DatabaseTest, ParameterNamesAndIndexes) {
  auto c = OpenMemory();
  auto st = Prep(*c, "SELECT ?, ?5, :a, @b, $c, ?, :a, ?2");
  // ? -> 1, ?5 -> 5, :a -> 6, @b -> 7, $c -> 8, ? -> 9, :a again -> 6, ?2 -> 2.
  EXPECT_EQ(st->parameter_count(), 9);
  EXPECT_EQ(st->parameter_name(1), "");
  EXPECT_EQ(st->parameter_name(2), "?2");
  EXPECT_EQ(st->parameter_name(3), "");
  EXPECT_EQ(st->parameter_name(5), "?5");
  EXPECT_EQ(st->parameter_name(6), ":a");
  EXPECT_EQ(st->parameter_name(7), "@b");
  EXPECT_EQ(st->parameter_name(8), "$c");
  EXPECT_EQ(st->parameter_name(9), "");
  EXPECT_EQ(st->parameter_name(0), "");
  EXPECT_EQ(st->parameter_name(10), "");
  EXPECT_EQ(st->parameter_index(":a"), 6);
  EXPECT_EQ(st->parameter_index("@b"), 7);
  EXPECT_EQ(st->parameter_index("$c"), 8);
  EXPECT_EQ(st->parameter_index("?5"), 5);
  EXPECT_EQ(st->parameter_index("?2"), 2);
  EXPECT_EQ(st->parameter_index("a"), 0);
  EXPECT_EQ(st->parameter_index(":b"), 0);
  EXPECT_EQ(st->parameter_index(""), 0);

  for (int i = 1; i <= 9; i++) ASSERT_OK(st->Bind(i, Value::Integer(i * 10)));
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(0).integer(), 10);
  EXPECT_EQ(st->column(1).integer(), 50);
  EXPECT_EQ(st->column(2).integer(), 60);
  EXPECT_EQ(st->column(3).integer(), 70);
  EXPECT_EQ(st->column(4).integer(), 80);
  EXPECT_EQ(st->column(5).integer(), 90);
  EXPECT_EQ(st->column(6).integer(), 60);  // the same :a
  EXPECT_EQ(st->column(7).integer(), 20);

  auto none = Prep(*c, "SELECT 1");
  EXPECT_EQ(none->parameter_count(), 0);
}

TEST(DatabaseTest, BindOutOfRange) {
  auto c = OpenMemory();
  auto st = Prep(*c, "SELECT ?1, ?2");
  EXPECT_EQ(st->Bind(0, Value::Integer(1)).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(st->Bind(3, Value::Integer(1)).code(), StatusCode::kOutOfRange);
  EXPECT_EQ(st->Bind(-1, Value::Integer(1)).code(), StatusCode::kOutOfRange);
  EXPECT_OK(st->Bind(1, Value::Integer(1)));
  EXPECT_OK(st->Bind(2, Value::Integer(2)));
  auto none = Prep(*c, "SELECT 1");
  EXPECT_EQ(none->Bind(1, Value::Null()).code(), StatusCode::kOutOfRange);
}

TEST(DatabaseTest, BindsEveryValueType) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec("CREATE TABLE t(x)"));
  auto ins = Prep(*c, "INSERT INTO t VALUES (?)");
  const std::vector<Value> values = {
      Value::Null(),
      Value::Integer(0),
      Value::Integer(-9223372036854775807LL - 1),
      Value::Integer(9223372036854775807LL),
      Value::Real(-0.5),
      Value::Real(1e300),
      Value::Text(""),
      Value::Text("h\xc3\xa9llo"),
      Value::Text(std::string("a\0b", 3)),
      Value::Blob(""),
      Value::Blob(std::string("\0\x01\xff", 3)),
  };
  for (const Value& v : values) {
    ASSERT_OK(ins->Reset());
    ASSERT_OK(ins->Bind(1, v));
    EXPECT_FALSE(Unwrap(ins->Step()));
  }
  auto sel = Prep(*c, "SELECT x, typeof(x) FROM t ORDER BY rowid");
  const char* types[] = {"null", "integer", "integer", "integer", "real", "real",
                         "text", "text",    "text",    "blob",    "blob"};
  for (size_t i = 0; i < values.size(); i++) {
    ASSERT_TRUE(Unwrap(sel->Step())) << i;
    const Value& got = sel->column(0);
    EXPECT_EQ(got.type(), values[i].type()) << i;
    EXPECT_TRUE(got == values[i]) << i << ": " << got.DebugString();
    if (got.type() == ValueType::kText || got.type() == ValueType::kBlob) {
      EXPECT_EQ(got.bytes(), values[i].bytes()) << i;
    }
    EXPECT_EQ(sel->column(1).view(), types[i]) << i;
  }
  EXPECT_FALSE(Unwrap(sel->Step()));

  // Bound values are values, not SQL: no injection, no affinity on a bare parameter.
  auto q = Prep(*c, "SELECT ?1, typeof(?1), ?1 = '1'");
  ASSERT_OK(q->Bind(1, Value::Text("1'); DROP TABLE t; --")));
  ASSERT_TRUE(Unwrap(q->Step()));
  EXPECT_EQ(q->column(0).view(), "1'); DROP TABLE t; --");
  EXPECT_EQ(q->column(1).view(), "text");
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), static_cast<int64_t>(values.size()));
}

TEST(DatabaseTest, UnboundParametersAreNullAndClearBindingsResetsThem) {
  auto c = OpenMemory();
  auto st = Prep(*c, "SELECT ?1 IS NULL, ?2");
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(0).integer(), 1);
  ASSERT_OK(st->Reset());
  ASSERT_OK(st->Bind(1, Value::Integer(5)));
  ASSERT_OK(st->Bind(2, Value::Text("x")));
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(0).integer(), 0);
  EXPECT_EQ(st->column(1).view(), "x");
  // Reset keeps the bindings.
  ASSERT_OK(st->Reset());
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(1).view(), "x");
  ASSERT_OK(st->Reset());
  ASSERT_OK(st->ClearBindings());
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(0).integer(), 1);
  EXPECT_TRUE(st->column(1).is_null());
}

// ---------------------------------------------------------------------------------------------
// Step / Reset
// ---------------------------------------------------------------------------------------------

TEST(DatabaseTest, StepResetAndRebind) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)"));
  auto ins = Prep(*c, "INSERT INTO t(name) VALUES (:name)");
  for (const char* n : {"ann", "bob", "cid"}) {
    ASSERT_OK(ins->Bind(ins->parameter_index(":name"), Value::Text(n)));
    EXPECT_FALSE(Unwrap(ins->Step()));
    // Done stays done until Reset: the insert is not repeated.
    EXPECT_FALSE(Unwrap(ins->Step()));
    ASSERT_OK(ins->Reset());
  }
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 3);

  auto sel = Prep(*c, "SELECT id, name FROM t WHERE id >= ? ORDER BY id");
  ASSERT_OK(sel->Bind(1, Value::Integer(2)));
  ASSERT_TRUE(Unwrap(sel->Step()));
  EXPECT_EQ(sel->column(0).integer(), 2);
  EXPECT_EQ(sel->column(1).view(), "bob");
  ASSERT_TRUE(Unwrap(sel->Step()));
  EXPECT_EQ(sel->column(1).view(), "cid");
  EXPECT_FALSE(Unwrap(sel->Step()));
  EXPECT_FALSE(Unwrap(sel->Step()));

  // Reset in the middle of a result, rebind, and run again.
  ASSERT_OK(sel->Reset());
  ASSERT_OK(sel->Bind(1, Value::Integer(1)));
  ASSERT_TRUE(Unwrap(sel->Step()));
  EXPECT_EQ(sel->column(1).view(), "ann");
  ASSERT_OK(sel->Reset());
  ASSERT_OK(sel->Bind(1, Value::Integer(3)));
  EXPECT_EQ(StepAll(*sel), 1);
  // Out-of-range columns read as NULL rather than crashing.
  ASSERT_OK(sel->Reset());
  ASSERT_TRUE(Unwrap(sel->Step()));
  EXPECT_TRUE(sel->column(2).is_null());
  EXPECT_TRUE(sel->column(-1).is_null());
}

// BindText and BindBlob copy into the parameter's buffer: each binding replaces the last one
// whole, longer or shorter, of either class, after a Bind of another type too.
TEST(DatabaseTest, BindTextAndBindBlobReplaceTheBindingWhole) {
  auto c = OpenMemory();
  auto st = Prep(*c, "SELECT ?1, typeof(?1), length(CAST(?1 AS BLOB))");
  auto check = [&](std::string_view bytes, std::string_view type) {
    ASSERT_TRUE(Unwrap(st->Step()));
    EXPECT_EQ(st->column(0).view(), bytes);
    EXPECT_EQ(st->column(1).view(), type);
    EXPECT_EQ(st->column(2).integer(), static_cast<int64_t>(bytes.size()));
    ASSERT_OK(st->Reset());
  };
  const std::string longer(300, 'x');
  ASSERT_OK(st->BindText(1, longer));
  check(longer, "text");
  ASSERT_OK(st->BindText(1, "ab"));
  check("ab", "text");
  ASSERT_OK(st->BindBlob(1, std::string("\0\x01", 2)));
  check(std::string("\0\x01", 2), "blob");
  ASSERT_OK(st->Bind(1, Value::Integer(7)));
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(1).view(), "integer");
  ASSERT_OK(st->Reset());
  ASSERT_OK(st->BindText(1, ""));
  check("", "text");
  EXPECT_EQ(st->BindText(2, "no").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(st->BindBlob(0, "no").code(), StatusCode::kOutOfRange);
  ASSERT_OK(st->BindText(1, "run"));
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_FALSE(st->BindText(1, "late").ok());  // running
  EXPECT_EQ(st->column(0).view(), "run");
}

TEST(DatabaseTest, BindWhileRunningIsRejected) {
  auto c = OpenMemory();
  auto st = Prep(*c, "SELECT ?1 UNION ALL SELECT ?1");
  ASSERT_OK(st->Bind(1, Value::Integer(1)));
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_FALSE(st->Bind(1, Value::Integer(2)).ok());
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(0).integer(), 1);
}

TEST(DatabaseTest, AStatementThatFailedNeedsReset) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec("CREATE TABLE t(a UNIQUE)"));
  auto ins = Prep(*c, "INSERT INTO t VALUES (?)");
  ASSERT_OK(ins->Bind(1, Value::Integer(1)));
  EXPECT_FALSE(Unwrap(ins->Step()));
  ASSERT_OK(ins->Reset());
  auto r = ins->Step();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConstraint);
  EXPECT_FALSE(ins->Step().ok());  // still failed
  ASSERT_OK(ins->Reset());
  ASSERT_OK(ins->Bind(1, Value::Integer(2)));
  EXPECT_FALSE(Unwrap(ins->Step()));
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 2);
}

TEST(DatabaseTest, RuntimeErrorsComeFromStep) {
  auto c = OpenMemory();
  auto st = Prep(*c, "SELECT abs(?1)");
  ASSERT_OK(st->Bind(1, Value::Integer(-9223372036854775807LL - 1)));
  auto r = st->Step();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "integer overflow");
}

TEST(DatabaseTest, QueryCollectsTheLastResult) {
  auto c = OpenMemory();
  auto q = Unwrap(c->Query(
      "CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x'), (2, 'y'); SELECT 99 AS ignored;"
      "SELECT b, a * 10 AS ten FROM t ORDER BY a; UPDATE t SET a = 0;"));
  EXPECT_EQ(q.column_names, (std::vector<std::string>{"b", "ten"}));
  ASSERT_EQ(q.rows.size(), 2u);
  EXPECT_EQ(q.rows[0][0].view(), "x");
  EXPECT_EQ(q.rows[1][1].integer(), 20);
  EXPECT_EQ(Int(*c, "SELECT sum(a) FROM t"), 0);  // the UPDATE after the SELECT ran
}

// ---------------------------------------------------------------------------------------------
// Column metadata
// ---------------------------------------------------------------------------------------------

TEST(DatabaseTest, ColumnNamesAndDeclaredTypes) {
  auto c = OpenMemory();
  ASSERT_OK(
      c->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name VARCHAR(20), score REAL, misc);"
              "CREATE VIEW v AS SELECT name AS who, score FROM t"));
  auto st = Prep(*c,
                 "SELECT id, name AS n, score * 2, misc, t.score, 1 + 1 AS two, count(*) "
                 "FROM t");
  ASSERT_EQ(st->column_count(), 7);
  EXPECT_EQ(st->column_name(0), "id");
  EXPECT_EQ(st->column_name(1), "n");
  EXPECT_EQ(st->column_name(2), "score * 2");
  EXPECT_EQ(st->column_name(3), "misc");
  EXPECT_EQ(st->column_name(4), "score");
  EXPECT_EQ(st->column_name(5), "two");
  EXPECT_EQ(st->column_name(6), "count(*)");
  EXPECT_EQ(st->column_decltype(0), "INTEGER");
  EXPECT_EQ(st->column_decltype(1), "VARCHAR(20)");
  EXPECT_EQ(st->column_decltype(2), "");
  EXPECT_EQ(st->column_decltype(3), "");
  EXPECT_EQ(st->column_decltype(4), "REAL");
  EXPECT_EQ(st->column_decltype(5), "");

  auto star = Prep(*c, "SELECT * FROM t");
  ASSERT_EQ(star->column_count(), 4);
  EXPECT_EQ(star->column_name(2), "score");
  EXPECT_EQ(star->column_decltype(2), "REAL");

  auto view = Prep(*c, "SELECT * FROM v");
  ASSERT_EQ(view->column_count(), 2);
  EXPECT_EQ(view->column_name(0), "who");
  EXPECT_EQ(view->column_decltype(0), "VARCHAR(20)");

  // Statements that return nothing have no columns; RETURNING has them.
  EXPECT_EQ(Prep(*c, "INSERT INTO t(name) VALUES ('a')")->column_count(), 0);
  EXPECT_EQ(Prep(*c, "CREATE TABLE u(x)")->column_count(), 0);
  auto ret = Prep(*c, "INSERT INTO t(name) VALUES ('b') RETURNING id, name AS nm");
  ASSERT_EQ(ret->column_count(), 2);
  EXPECT_EQ(ret->column_name(1), "nm");
  ASSERT_TRUE(Unwrap(ret->Step()));
  EXPECT_EQ(ret->column(1).view(), "b");
}

// ---------------------------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------------------------

TEST(DatabaseTest, ChangesTotalChangesAndLastInsertRowid) {
  auto c = OpenMemory();
  EXPECT_EQ(c->changes(), 0);
  EXPECT_EQ(c->total_changes(), 0);
  EXPECT_EQ(c->last_insert_rowid(), 0);
  ASSERT_OK(c->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v)"));
  ASSERT_OK(c->Exec("INSERT INTO t(v) VALUES (1), (2), (3)"));
  EXPECT_EQ(c->changes(), 3);
  EXPECT_EQ(c->total_changes(), 3);
  EXPECT_EQ(c->last_insert_rowid(), 3);
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (100, 4)"));
  EXPECT_EQ(c->changes(), 1);
  EXPECT_EQ(c->last_insert_rowid(), 100);
  ASSERT_OK(c->Exec("UPDATE t SET v = v + 1 WHERE id < 100"));
  EXPECT_EQ(c->changes(), 3);
  EXPECT_EQ(c->total_changes(), 7);
  EXPECT_EQ(c->last_insert_rowid(), 100);  // UPDATE does not set it
  ASSERT_OK(c->Exec("DELETE FROM t WHERE v > 3"));
  EXPECT_EQ(c->changes(), 2);
  EXPECT_EQ(c->total_changes(), 9);
  // A SELECT and a DDL statement leave the counters alone.
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 2);
  ASSERT_OK(c->Exec("CREATE TABLE u(x)"));
  EXPECT_EQ(c->changes(), 2);
  EXPECT_EQ(c->total_changes(), 9);
  // A statement matching nothing sets changes to 0.
  ASSERT_OK(c->Exec("UPDATE t SET v = 0 WHERE id = -1"));
  EXPECT_EQ(c->changes(), 0);
  // The next rowid follows the largest one (ids 3 and 100 were deleted: 1 and 2 are left).
  ASSERT_OK(c->Exec("INSERT INTO t(v) VALUES (7)"));
  EXPECT_EQ(c->last_insert_rowid(), 3);
  // A failed insert does not change last_insert_rowid, and (as in SQLite) sets changes() to 0.
  int64_t total = c->total_changes();
  EXPECT_EQ(c->Exec("INSERT INTO t VALUES (3, 9)").code(), StatusCode::kConstraint);
  EXPECT_EQ(c->last_insert_rowid(), 3);
  EXPECT_EQ(c->changes(), 0);
  EXPECT_EQ(c->total_changes(), total);
  ASSERT_OK(c->Exec("UPDATE t SET v = 0 WHERE id = 3"));
  // Counters are per connection.
  auto other = Unwrap(c->database().Connect());
  EXPECT_EQ(other->total_changes(), 0);
  EXPECT_EQ(other->last_insert_rowid(), 0);
  // The SQL functions see the same values.
  EXPECT_EQ(Int(*c, "SELECT last_insert_rowid()"), 3);
  EXPECT_EQ(Int(*c, "SELECT changes()"), 1);
  EXPECT_EQ(Int(*c, "SELECT total_changes()"), c->total_changes());
}

TEST(DatabaseTest, TriggerChangesCountInTotalChangesOnly) {
  auto c = OpenMemory();
  ASSERT_OK(
      c->Exec("CREATE TABLE t(a); CREATE TABLE log(x);"
              "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a);"
              " INSERT INTO log VALUES (new.a); END;"));
  int64_t before = c->total_changes();
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (1), (2)"));
  EXPECT_EQ(c->changes(), 2);
  EXPECT_EQ(c->total_changes() - before, 6);
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM log"), 4);
  EXPECT_EQ(c->last_insert_rowid(), 2);  // the trigger's inserts do not leak out
}

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

TEST(DatabaseTest, AutocommitAroundBeginCommitRollback) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec("CREATE TABLE t(a)"));
  EXPECT_TRUE(c->autocommit());
  ASSERT_OK(c->Exec("BEGIN"));
  EXPECT_FALSE(c->autocommit());
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (1)"));
  EXPECT_FALSE(c->autocommit());
  ASSERT_OK(c->Exec("COMMIT"));
  EXPECT_TRUE(c->autocommit());
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 1);

  ASSERT_OK(c->Exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (2); INSERT INTO t VALUES (3)"));
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 3);  // own writes are visible
  ASSERT_OK(c->Exec("ROLLBACK"));
  EXPECT_TRUE(c->autocommit());
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 1);

  ASSERT_OK(
      c->Exec("BEGIN DEFERRED TRANSACTION; CREATE TABLE u(x); INSERT INTO u VALUES (1);"
              "END TRANSACTION"));
  EXPECT_TRUE(c->autocommit());
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM u"), 1);

  ASSERT_OK(c->Exec("BEGIN EXCLUSIVE; DROP TABLE u; ROLLBACK"));
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM u"), 1);  // the DROP was rolled back

  Status s = c->Exec("COMMIT");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot commit - no transaction is active"), std::string::npos)
      << s.ToString();
  s = c->Exec("ROLLBACK");
  EXPECT_NE(s.message().find("cannot rollback - no transaction is active"), std::string::npos)
      << s.ToString();
  ASSERT_OK(c->Exec("BEGIN"));
  s = c->Exec("BEGIN");
  EXPECT_NE(s.message().find("cannot start a transaction within a transaction"), std::string::npos)
      << s.ToString();
  EXPECT_FALSE(c->autocommit());
  ASSERT_OK(c->Exec("ROLLBACK"));
}

TEST(DatabaseTest, AFailedStatementInsideATransactionKeepsTheTransaction) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec("CREATE TABLE t(a UNIQUE); BEGIN; INSERT INTO t VALUES (1)"));
  // The multi-row insert fails at its second row: the statement is undone, the transaction not.
  EXPECT_EQ(c->Exec("INSERT INTO t VALUES (2), (1)").code(), StatusCode::kConstraint);
  EXPECT_FALSE(c->autocommit());
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (3)"));
  ASSERT_OK(c->Exec("COMMIT"));
  auto rows = Rows(*c, "SELECT a FROM t ORDER BY a");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].integer(), 1);
  EXPECT_EQ(rows[1][0].integer(), 3);
}

TEST(DatabaseTest, ClosingAConnectionRollsBack) {
  auto db = Unwrap(Database::Open(":memory:"));
  auto c1 = Unwrap(db->Connect());
  ASSERT_OK(c1->Exec("CREATE TABLE t(a); BEGIN; INSERT INTO t VALUES (1)"));
  c1.reset();
  auto c2 = Unwrap(db->Connect());
  EXPECT_EQ(Int(*c2, "SELECT count(*) FROM t"), 0);
  ASSERT_OK(c2->Exec("INSERT INTO t VALUES (2)"));  // and the writer slot is free again
}

TEST(DatabaseTest, Savepoints) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec("CREATE TABLE t(a)"));
  // SAVEPOINT outside BEGIN starts a transaction that RELEASE of it commits.
  ASSERT_OK(c->Exec("SAVEPOINT outer_sp"));
  EXPECT_FALSE(c->autocommit());
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (1)"));
  ASSERT_OK(c->Exec("SAVEPOINT inner_sp; INSERT INTO t VALUES (2)"));
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 2);
  ASSERT_OK(c->Exec("ROLLBACK TO inner_sp"));
  EXPECT_FALSE(c->autocommit());
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 1);
  // The savepoint is still there after ROLLBACK TO.
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (3); ROLLBACK TO inner_sp"));
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 1);
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (4); RELEASE inner_sp"));
  EXPECT_FALSE(c->autocommit());
  ASSERT_OK(c->Exec("RELEASE outer_sp"));
  EXPECT_TRUE(c->autocommit());
  EXPECT_EQ(Int(*c, "SELECT sum(a) FROM t"), 5);

  // Inside BEGIN, RELEASE does not commit; ROLLBACK undoes everything.
  ASSERT_OK(c->Exec("BEGIN; SAVEPOINT a; INSERT INTO t VALUES (10); RELEASE a"));
  EXPECT_FALSE(c->autocommit());
  ASSERT_OK(c->Exec("ROLLBACK"));
  EXPECT_EQ(Int(*c, "SELECT sum(a) FROM t"), 5);

  // Savepoint names are case-insensitive; unknown names fail.
  ASSERT_OK(
      c->Exec("SAVEPOINT Mixed; INSERT INTO t VALUES (100); ROLLBACK TO mixed; RELEASE MIXED"));
  EXPECT_EQ(Int(*c, "SELECT sum(a) FROM t"), 5);
  Status s = c->Exec("RELEASE nosuch");
  EXPECT_NE(s.message().find("no such savepoint: nosuch"), std::string::npos) << s.ToString();
  s = c->Exec("ROLLBACK TO nosuch");
  EXPECT_NE(s.message().find("no such savepoint: nosuch"), std::string::npos) << s.ToString();

  // Schema changes roll back to a savepoint as well.
  ASSERT_OK(c->Exec("BEGIN; SAVEPOINT s; CREATE TABLE gone(x); ROLLBACK TO s; COMMIT"));
  auto r = c->Query("SELECT * FROM gone");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no such table: gone"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Constraint errors
// ---------------------------------------------------------------------------------------------

void ExpectConstraint(Connection& c, std::string_view sql, std::string_view message) {
  Status s = c.Exec(sql);
  EXPECT_EQ(s.code(), StatusCode::kConstraint) << sql << ": " << s.ToString();
  EXPECT_NE(s.message().find(message), std::string::npos)
      << sql << ": got \"" << s.message() << "\", want \"" << message << "\"";
}

TEST(DatabaseTest, ConstraintErrorsUseSqliteMessages) {
  auto c = OpenMemory();
  ASSERT_OK(
      c->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, a UNIQUE, b NOT NULL, c CHECK (c > 0),"
              " d, e, CONSTRAINT d_small CHECK (d < 10), UNIQUE (d, e));"
              "INSERT INTO t VALUES (1, 1, 'x', 1, 1, 1)"));
  ExpectConstraint(*c, "INSERT INTO t VALUES (2, 1, 'x', 1, 2, 2)",
                   "UNIQUE constraint failed: t.a");
  ExpectConstraint(*c, "INSERT INTO t VALUES (2, 2, NULL, 1, 2, 2)",
                   "NOT NULL constraint failed: t.b");
  ExpectConstraint(*c, "INSERT INTO t VALUES (2, 2, 'x', 0, 2, 2)",
                   "CHECK constraint failed: c > 0");
  ExpectConstraint(*c, "INSERT INTO t VALUES (2, 2, 'x', 1, 20, 2)",
                   "CHECK constraint failed: d_small");
  ExpectConstraint(*c, "INSERT INTO t VALUES (2, 2, 'x', 1, 1, 1)",
                   "UNIQUE constraint failed: t.d, t.e");
  ExpectConstraint(*c, "INSERT INTO t VALUES (1, 2, 'x', 1, 2, 2)",
                   "UNIQUE constraint failed: t.id");
  ExpectConstraint(*c, "UPDATE t SET b = NULL", "NOT NULL constraint failed: t.b");
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (2, 2, 'y', 2, 2, 2)"));
  ExpectConstraint(*c, "UPDATE t SET a = 1 WHERE id = 2", "UNIQUE constraint failed: t.a");
  // A NULL CHECK result passes; NULLs are distinct in UNIQUE.
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (3, NULL, 'z', NULL, NULL, NULL)"));
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (4, NULL, 'z', NULL, NULL, NULL)"));
  // Failed statements changed nothing.
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), 4);
  EXPECT_EQ(Int(*c, "SELECT a FROM t WHERE id = 2"), 2);

  ASSERT_OK(
      c->Exec("CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
              "INSERT INTO w VALUES ('a', 1);"
              "CREATE UNIQUE INDEX w_v ON w(v)"));
  ExpectConstraint(*c, "INSERT INTO w VALUES ('a', 2)", "UNIQUE constraint failed: w.k");
  ExpectConstraint(*c, "INSERT INTO w VALUES ('b', 1)", "UNIQUE constraint failed: w.v");
  ExpectConstraint(*c, "INSERT INTO w VALUES (NULL, 3)", "NOT NULL constraint failed: w.k");
  // CREATE UNIQUE INDEX over duplicates fails.
  ASSERT_OK(c->Exec("CREATE TABLE dup(x); INSERT INTO dup VALUES (1), (1)"));
  ExpectConstraint(*c, "CREATE UNIQUE INDEX dup_x ON dup(x)", "UNIQUE constraint failed: dup.x");
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM sqlite_schema WHERE name = 'dup_x'"), 0);
}

TEST(DatabaseTest, ConflictClauses) {
  auto c = OpenMemory();
  ASSERT_OK(
      c->Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v UNIQUE);"
              "INSERT INTO t VALUES (1, 'a'), (2, 'b')"));
  ASSERT_OK(c->Exec("INSERT OR IGNORE INTO t VALUES (3, 'a'), (4, 'd')"));
  EXPECT_EQ(c->changes(), 1);
  ASSERT_OK(c->Exec("INSERT OR REPLACE INTO t VALUES (5, 'b')"));  // removes row 2
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t WHERE k = 2"), 0);
  EXPECT_EQ(Int(*c, "SELECT k FROM t WHERE v = 'b'"), 5);
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (1, 'z') ON CONFLICT(k) DO UPDATE SET v = excluded.v"));
  EXPECT_EQ(Scalar(*c, "SELECT v FROM t WHERE k = 1").view(), "z");
  ASSERT_OK(c->Exec("INSERT INTO t VALUES (1, 'y') ON CONFLICT DO NOTHING"));
  EXPECT_EQ(Scalar(*c, "SELECT v FROM t WHERE k = 1").view(), "z");
}

// ---------------------------------------------------------------------------------------------
// Schema changes and prepared statements
// ---------------------------------------------------------------------------------------------

TEST(DatabaseTest, PreparedStatementsSeeSchemaChanges) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec("CREATE TABLE t(a, b); INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'x')"));
  auto sel = Prep(*c, "SELECT count(*) FROM t WHERE b = 'x'");
  ASSERT_TRUE(Unwrap(sel->Step()));
  EXPECT_EQ(sel->column(0).integer(), 2);

  // After CREATE INDEX the statement is recompiled and still right.
  ASSERT_OK(c->Exec("CREATE INDEX t_b ON t(b)"));
  ASSERT_OK(sel->Reset());
  ASSERT_TRUE(Unwrap(sel->Step()));
  EXPECT_EQ(sel->column(0).integer(), 2);

  // A statement prepared before a UNIQUE index enforces it after.
  auto ins = Prep(*c, "INSERT INTO t VALUES (?, 'z')");
  ASSERT_OK(c->Exec("CREATE UNIQUE INDEX t_a ON t(a)"));
  ASSERT_OK(ins->Bind(1, Value::Integer(1)));
  auto r = ins->Step();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConstraint);
  EXPECT_NE(r.status().message().find("UNIQUE constraint failed: t.a"), std::string::npos)
      << r.status().ToString();

  // After DROP INDEX and ALTER TABLE ADD COLUMN the statements still run; SELECT * widens.
  ASSERT_OK(c->Exec("DROP INDEX t_b"));
  auto star = Prep(*c, "SELECT * FROM t ORDER BY a");
  EXPECT_EQ(star->column_count(), 2);
  ASSERT_OK(c->Exec("ALTER TABLE t ADD COLUMN c DEFAULT 7"));
  ASSERT_OK(sel->Reset());
  ASSERT_TRUE(Unwrap(sel->Step()));
  EXPECT_EQ(sel->column(0).integer(), 2);
  ASSERT_TRUE(Unwrap(star->Step()));
  EXPECT_EQ(star->column_count(), 3);
  EXPECT_EQ(star->column(2).integer(), 7);

  // After DROP TABLE the statement fails at Step with SQLite's message.
  ASSERT_OK(c->Exec("DROP TABLE t"));
  ASSERT_OK(sel->Reset());
  r = sel->Step();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no such table: t"), std::string::npos)
      << r.status().ToString();
  // ... and works again once a table of that name exists.
  ASSERT_OK(c->Exec("CREATE TABLE t(b); INSERT INTO t VALUES ('x')"));
  ASSERT_OK(sel->Reset());
  ASSERT_TRUE(Unwrap(sel->Step()));
  EXPECT_EQ(sel->column(0).integer(), 1);
}

TEST(DatabaseTest, SqliteSchemaContents) {
  auto c = OpenMemory();
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM sqlite_schema"), 0);
  ASSERT_OK(
      c->Exec("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT UNIQUE, b);"
              "CREATE INDEX t_b ON t(b);"
              "CREATE VIEW v AS SELECT a FROM t;"
              "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;"));
  auto rows = Rows(*c,
                   "SELECT type, name, tbl_name, rootpage > 0, sql FROM sqlite_schema "
                   "ORDER BY name");
  ASSERT_EQ(rows.size(), 5u);
  // sqlite_autoindex_t_1 (the UNIQUE constraint's index: no SQL), t, t_b, tr, v
  EXPECT_EQ(rows[0][0].view(), "index");
  EXPECT_EQ(rows[0][1].view(), "sqlite_autoindex_t_1");
  EXPECT_EQ(rows[0][2].view(), "t");
  EXPECT_EQ(rows[0][3].integer(), 1);
  EXPECT_TRUE(rows[0][4].is_null());
  EXPECT_EQ(rows[1][0].view(), "table");
  EXPECT_EQ(rows[1][1].view(), "t");
  EXPECT_EQ(rows[1][3].integer(), 1);
  EXPECT_EQ(rows[1][4].view(), "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT UNIQUE, b)");
  EXPECT_EQ(rows[2][0].view(), "index");
  EXPECT_EQ(rows[2][1].view(), "t_b");
  EXPECT_EQ(rows[2][4].view(), "CREATE INDEX t_b ON t(b)");
  EXPECT_EQ(rows[3][0].view(), "trigger");
  EXPECT_EQ(rows[3][2].view(), "t");
  EXPECT_EQ(rows[3][3].integer(), 0);
  EXPECT_EQ(rows[4][0].view(), "view");
  EXPECT_EQ(rows[4][3].integer(), 0);
  EXPECT_EQ(rows[4][4].view(), "CREATE VIEW v AS SELECT a FROM t");

  // sqlite_master is the same table; the schema table is read-only to SQL.
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM sqlite_master"), 5);
  EXPECT_FALSE(c->Exec("DELETE FROM sqlite_schema").ok());
  EXPECT_FALSE(c->Exec("DROP TABLE sqlite_schema").ok());
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM sqlite_schema"), 5);

  // DROP TABLE removes the table with its indexes and triggers.
  ASSERT_OK(c->Exec("DROP TABLE t"));
  rows = Rows(*c, "SELECT type, name FROM sqlite_schema");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][1].view(), "v");
}

// ---------------------------------------------------------------------------------------------
// Two connections on one Database
// ---------------------------------------------------------------------------------------------

TEST(DatabaseTest, AReaderSeesAStableSnapshot) {
  test_util::TempDir dir("dosql_database_test", false);
  auto db = Unwrap(Database::Open(dir.path()));
  auto writer = Unwrap(db->Connect());
  auto reader = Unwrap(db->Connect());
  ASSERT_OK(writer->Exec("CREATE TABLE t(a); INSERT INTO t VALUES (1), (2)"));

  ASSERT_OK(reader->Exec("BEGIN"));
  EXPECT_EQ(Int(*reader, "SELECT count(*) FROM t"), 2);  // pins the snapshot

  ASSERT_OK(writer->Exec("INSERT INTO t VALUES (3)"));
  ASSERT_OK(
      writer->Exec("BEGIN; DELETE FROM t WHERE a = 1; UPDATE t SET a = 20 WHERE a = 2;"
                   "COMMIT"));
  EXPECT_EQ(Int(*writer, "SELECT sum(a) FROM t"), 23);

  EXPECT_EQ(Int(*reader, "SELECT count(*) FROM t"), 2);
  EXPECT_EQ(Int(*reader, "SELECT sum(a) FROM t"), 3);
  // A statement that was already running also keeps its snapshot.
  auto running = Prep(*reader, "SELECT a FROM t ORDER BY a");
  ASSERT_TRUE(Unwrap(running->Step()));
  EXPECT_EQ(running->column(0).integer(), 1);
  ASSERT_OK(reader->Exec("COMMIT"));
  running.reset();
  EXPECT_EQ(Int(*reader, "SELECT sum(a) FROM t"), 23);

  // Outside a transaction, each statement sees the latest commit.
  ASSERT_OK(writer->Exec("INSERT INTO t VALUES (100)"));
  EXPECT_EQ(Int(*reader, "SELECT sum(a) FROM t"), 123);
}

TEST(DatabaseTest, RunningStatementKeepsItsSnapshotInAutocommit) {
  auto db = Unwrap(Database::Open(":memory:"));
  auto a = Unwrap(db->Connect());
  auto b = Unwrap(db->Connect());
  ASSERT_OK(a->Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3)"));
  auto sel = Prep(*b, "SELECT x FROM t ORDER BY x");
  ASSERT_TRUE(Unwrap(sel->Step()));
  ASSERT_OK(a->Exec("DELETE FROM t"));
  EXPECT_EQ(StepAll(*sel), 2);  // rows 2 and 3 of the old snapshot
  EXPECT_EQ(Int(*b, "SELECT count(*) FROM t"), 0);
}

TEST(DatabaseTest, ASecondWriterWaitsForBusyTimeoutThenFailsBusy) {
  DatabaseOptions o;
  o.busy_timeout = std::chrono::milliseconds(200);
  auto db = Unwrap(Database::Open(":memory:", o));
  auto w1 = Unwrap(db->Connect());
  auto w2 = Unwrap(db->Connect());
  ASSERT_OK(w1->Exec("CREATE TABLE t(a)"));
  ASSERT_OK(w1->Exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (1)"));

  auto t0 = std::chrono::steady_clock::now();
  Status s = w2->Exec("INSERT INTO t VALUES (2)");
  auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(s.code(), StatusCode::kBusy) << s.ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_TRUE(w2->autocommit());
  s = w2->Exec("BEGIN IMMEDIATE");
  EXPECT_EQ(s.code(), StatusCode::kBusy) << s.ToString();
  // Reads are not blocked by the writer, and do not see its uncommitted row.
  EXPECT_EQ(Int(*w2, "SELECT count(*) FROM t"), 0);

  // The second writer gets through once the first commits while it waits.
  std::thread committer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_OK(w1->Exec("COMMIT"));
  });
  EXPECT_OK(w2->Exec("INSERT INTO t VALUES (3)"));
  committer.join();
  EXPECT_EQ(Int(*w2, "SELECT sum(a) FROM t"), 4);
}

TEST(DatabaseTest, ADeferredTransactionThatReadAnOldSnapshotCannotWrite) {
  auto db = Unwrap(Database::Open(":memory:"));
  auto a = Unwrap(db->Connect());
  auto b = Unwrap(db->Connect());
  ASSERT_OK(a->Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)"));
  ASSERT_OK(b->Exec("BEGIN"));
  EXPECT_EQ(Int(*b, "SELECT count(*) FROM t"), 1);
  ASSERT_OK(a->Exec("INSERT INTO t VALUES (2)"));
  // b's snapshot is stale: writing would lose a's commit (SQLite's SQLITE_BUSY_SNAPSHOT).
  Status s = b->Exec("INSERT INTO t VALUES (3)");
  EXPECT_EQ(s.code(), StatusCode::kBusy) << s.ToString();
  ASSERT_OK(b->Exec("ROLLBACK"));
  ASSERT_OK(b->Exec("INSERT INTO t VALUES (3)"));
  EXPECT_EQ(Int(*a, "SELECT sum(x) FROM t"), 6);
}

// A statement whose intermediate rows outgrow the memory the process may have fails with
// NoMemory ("out of memory", SQLite's SQLITE_NOMEM) instead of ending the process; the
// connection, and the transaction it was in if it only read, stay usable.
TEST(DatabaseTest, OutOfMemoryFailsTheStatementNotTheProcess) {
  EXPECT_EXIT(
      {
        auto c = OpenMemory();
        bool ok = c->Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2); BEGIN;").ok();
        // The address space the process uses now, plus 256 MiB.
        long pages = 0;
        if (FILE* f = std::fopen("/proc/self/statm", "r")) {
          ok = ok && std::fscanf(f, "%ld", &pages) == 1;
          std::fclose(f);
        }
        rlimit old{};
        getrlimit(RLIMIT_AS, &old);
        rlimit lim = old;
        lim.rlim_cur = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) +
                       (rlim_t{256} << 20);
        ok = ok && setrlimit(RLIMIT_AS, &lim) == 0;
        // count(*) OVER () holds its whole partition: 10^8 rows.
        auto r = c->Query(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000000) "
            "SELECT count(*) OVER () FROM n");
        ok = ok && !r.ok() && r.status().code() == StatusCode::kNoMemory &&
             r.status().message() == "out of memory";
        auto n = c->Query("SELECT count(*) FROM t");
        ok = ok && n.ok() && n->rows.size() == 1 && n->rows[0][0].integer() == 2;
        ok = ok && c->Exec("INSERT INTO t VALUES (3); COMMIT;").ok();
        auto m = c->Query("SELECT count(*) FROM t");
        ok = ok && m.ok() && m->rows.size() == 1 && m->rows[0][0].integer() == 3;
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// A FROM subquery read once streams, however many rows it makes: count(*) over a view whose
// FROM is a compound subquery of 8 million rows runs in 256 MiB more than the process had (a
// copy of its rows would need several times that).
TEST(DatabaseTest, AFromSubqueryReadOnceIsNotCopied) {
  EXPECT_EXIT(
      {
        auto c = OpenMemory();
        bool ok = c->Exec(
                       "CREATE TABLE t(x); "
                       "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                       "WHERE i < 200) INSERT INTO t SELECT i FROM n; "
                       "CREATE VIEW w AS SELECT a FROM (SELECT p.x AS a FROM t p, t q, t r "
                       "UNION ALL SELECT 1) AS s;")
                      .ok();
        long pages = 0;
        if (FILE* f = std::fopen("/proc/self/statm", "r")) {
          ok = ok && std::fscanf(f, "%ld", &pages) == 1;
          std::fclose(f);
        }
        rlimit lim{};
        getrlimit(RLIMIT_AS, &lim);
        lim.rlim_cur = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) +
                       (rlim_t{256} << 20);
        ok = ok && setrlimit(RLIMIT_AS, &lim) == 0;
        auto r = c->Query("SELECT count(*), sum(a) FROM w");
        ok = ok && r.ok() && r->rows.size() == 1 && r->rows[0][0].integer() == 8000001 &&
             r->rows[0][1].integer() == 804000001;
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(DatabaseTest, SchemaChangesAreSeenByOtherConnections) {
  auto db = Unwrap(Database::Open(":memory:"));
  auto a = Unwrap(db->Connect());
  auto b = Unwrap(db->Connect());
  ASSERT_OK(a->Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (1)"));
  EXPECT_EQ(Int(*b, "SELECT count(*) FROM t"), 2);
  auto ins = Prep(*b, "INSERT INTO t VALUES (?)");
  ASSERT_OK(a->Exec("DELETE FROM t; CREATE UNIQUE INDEX t_x ON t(x); INSERT INTO t VALUES (5)"));
  ASSERT_OK(ins->Bind(1, Value::Integer(5)));
  auto r = ins->Step();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kConstraint) << r.status().ToString();
  // An uncommitted schema change is private to its transaction.
  ASSERT_OK(a->Exec("BEGIN; CREATE TABLE private_t(y)"));
  auto q = b->Query("SELECT * FROM private_t");
  EXPECT_FALSE(q.ok());
  ASSERT_OK(a->Exec("COMMIT"));
  EXPECT_TRUE(b->Query("SELECT * FROM private_t").ok());
}

TEST(DatabaseTest, ConcurrentWritersOnThreadsAllCommit) {
  test_util::TempDir dir("dosql_database_test", false);
  DatabaseOptions o;
  o.sync_commits = false;
  auto db = Unwrap(Database::Open(dir.path(), o));
  {
    auto c = Unwrap(db->Connect());
    ASSERT_OK(c->Exec("CREATE TABLE t(thread INTEGER, i INTEGER)"));
  }
  constexpr int kThreads = 4, kRows = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&db, t] {
      auto c = Unwrap(db->Connect());
      auto ins = Unwrap(c->Prepare("INSERT INTO t VALUES (?, ?)"));
      for (int i = 0; i < kRows; i++) {
        EXPECT_OK(ins->Reset());
        EXPECT_OK(ins->Bind(1, Value::Integer(t)));
        EXPECT_OK(ins->Bind(2, Value::Integer(i)));
        auto r = ins->Step();
        EXPECT_TRUE(r.ok()) << r.status().ToString();
      }
    });
  }
  for (auto& th : threads) th.join();
  auto c = Unwrap(db->Connect());
  EXPECT_EQ(Int(*c, "SELECT count(*) FROM t"), kThreads * kRows);
  EXPECT_EQ(Int(*c, "SELECT count(DISTINCT thread) FROM t"), kThreads);
}

}  // namespace
}  // namespace dosql::engine

namespace dosql::engine {
namespace {

// A scan tests `column op ?`, `column BETWEEN ? AND ?` and `column LIKE ?` on the stored record
// with the values bound for each execution: one statement, executed again with other values,
// keeps exactly the rows the same query with the values written as literals keeps.
TEST(DatabaseTest, ParameterFiltersOnScansFollowEachBinding) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT, d);"
      "INSERT INTO t VALUES(1, 5, 0.05, '1994-01-01', 7), (2, 24, 0.07, '1994-12-31', '7'),"
      "(3, NULL, NULL, NULL, NULL), (4, '12', '0.06', '1995-01-01', 7.0),"
      "(5, 'x', 'y', 19940101, x'07'), (6, 3.5, 6, '1994-01-0', 'abc'),"
      "(7, -9223372036854775808, 1e300, '1994-01-01 extra', 6.5), (8, 23, 0.05, 'apple', 8)"));
  struct Case {
    std::string with_params;
    std::vector<std::pair<std::vector<Value>, std::string>> bindings;  // values, literal SQL
  };
  const std::vector<Case> cases = {
      {"SELECT id FROM t WHERE c >= ?1 AND c < ?2 ORDER BY id",
       {{{Value::Text("1994-01-01"), Value::Text("1995-01-01")},
         "SELECT id FROM t WHERE c >= '1994-01-01' AND c < '1995-01-01' ORDER BY id"},
        {{Value::Integer(19940101), Value::Text("1994-06")},
         "SELECT id FROM t WHERE c >= 19940101 AND c < '1994-06' ORDER BY id"},
        {{Value::Null(), Value::Text("z")},
         "SELECT id FROM t WHERE c >= NULL AND c < 'z' ORDER BY id"}}},
      {"SELECT id FROM t WHERE ?1 > a ORDER BY id",
       {{{Value::Integer(24)}, "SELECT id FROM t WHERE 24 > a ORDER BY id"},
        {{Value::Real(3.5)}, "SELECT id FROM t WHERE 3.5 > a ORDER BY id"},
        {{Value::Text("12")}, "SELECT id FROM t WHERE '12' > a ORDER BY id"}}},
      {"SELECT id FROM t WHERE b BETWEEN ?1 AND ?2 ORDER BY id",
       {{{Value::Real(0.05), Value::Real(0.07)},
         "SELECT id FROM t WHERE b BETWEEN 0.05 AND 0.07 ORDER BY id"},
        {{Value::Integer(1), Value::Text("9")},
         "SELECT id FROM t WHERE b BETWEEN 1 AND '9' ORDER BY id"}}},
      {"SELECT id FROM t WHERE d = ?1 ORDER BY id",
       {{{Value::Integer(7)}, "SELECT id FROM t WHERE d = 7 ORDER BY id"},
        {{Value::Text("7")}, "SELECT id FROM t WHERE d = '7' ORDER BY id"},
        {{Value::Blob(std::string(1, '\x07'))}, "SELECT id FROM t WHERE d = x'07' ORDER BY id"}}},
      {"SELECT id FROM t WHERE c LIKE ?1 ORDER BY id",
       {{{Value::Text("1994%")}, "SELECT id FROM t WHERE c LIKE '1994%' ORDER BY id"},
        {{Value::Text("APP__")}, "SELECT id FROM t WHERE c LIKE 'APP__' ORDER BY id"},
        {{Value::Integer(19940101)}, "SELECT id FROM t WHERE c LIKE 19940101 ORDER BY id"},
        {{Value::Null()}, "SELECT id FROM t WHERE c LIKE NULL ORDER BY id"}}},
  };
  int nonempty = 0;  // bindings that keep some rows (the others are empty for SQLite too)
  for (const Case& k : cases) {
    auto st = Prep(*c, k.with_params);
    ASSERT_NE(st, nullptr);
    for (const auto& [values, literal] : k.bindings) {
      ASSERT_OK(st->Reset());
      for (size_t i = 0; i < values.size(); i++) {
        ASSERT_OK(st->Bind(static_cast<int>(i + 1), values[i]));
      }
      std::vector<int64_t> got;
      while (Unwrap(st->Step())) got.push_back(st->column(0).integer());
      std::vector<int64_t> want;
      for (const auto& row : Rows(*c, literal)) want.push_back(row[0].integer());
      EXPECT_EQ(got, want) << k.with_params << " as " << literal;
      nonempty += want.empty() ? 0 : 1;
    }
  }
  EXPECT_EQ(nonempty, 12);
}

// A join looking its inner table up by rowid many times answers from memory after a while
// (LookupMemo): a statement run again sees the table's changes and each new binding of a filter
// on the inner table, inside and outside a transaction.
TEST(DatabaseTest, RepeatedRowidLookupsFollowChangesAndBindings) {
  auto c = OpenMemory();
  ASSERT_OK(
      c->Exec("CREATE TABLE p(id INTEGER PRIMARY KEY, grp INTEGER, amount INTEGER);"
              "CREATE TABLE c(k INTEGER PRIMARY KEY, pid INTEGER);"
              "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000)"
              " INSERT INTO p SELECT i * 2, i % 5, i FROM s;"
              "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000)"
              " INSERT INTO c SELECT i, (i * 7919) % 6500 FROM s;"));
  std::map<int64_t, std::pair<int64_t, int64_t>> p;  // id -> (grp, amount), the model
  for (int64_t i = 1; i <= 3000; i++) p[i * 2] = {i % 5, i};
  auto expected = [&](int64_t grp) {
    int64_t sum = 0;
    for (int64_t k = 1; k <= 20000; k++) {
      auto it = p.find((k * 7919) % 6500);
      if (it != p.end() && it->second.first == grp) sum += it->second.second;
    }
    return sum;
  };
  auto st = Prep(*c, "SELECT total(p.amount) FROM c CROSS JOIN p ON p.id = c.pid WHERE p.grp = ?1");
  ASSERT_NE(st, nullptr);
  auto run = [&](int64_t grp) {
    EXPECT_OK(st->Reset());
    EXPECT_OK(st->Bind(1, Value::Integer(grp)));
    EXPECT_TRUE(Unwrap(st->Step()));
    const double got = st->column(0).real();
    while (Unwrap(st->Step())) {
    }
    return static_cast<int64_t>(got);
  };
  for (int64_t grp = 0; grp < 5; grp++) EXPECT_EQ(run(grp), expected(grp)) << grp;
  ASSERT_OK(c->Exec(
      "UPDATE p SET amount = amount * 10 WHERE id % 3 = 0; DELETE FROM p WHERE id % 7 = 0"));
  for (auto it = p.begin(); it != p.end();) {
    if (it->first % 3 == 0) it->second.second *= 10;
    it = it->first % 7 == 0 ? p.erase(it) : std::next(it);
  }
  EXPECT_EQ(run(2), expected(2));
  ASSERT_OK(c->Exec("BEGIN; UPDATE p SET grp = 4 WHERE id < 1000"));
  for (auto& [id, v] : p) {
    if (id < 1000) v.first = 4;
  }
  EXPECT_EQ(run(4), expected(4));
  ASSERT_OK(c->Exec("INSERT INTO p VALUES(6001, 4, 1000000), (6003, 4, 2000000)"));
  p[6001] = {4, 1000000};
  p[6003] = {4, 2000000};
  EXPECT_EQ(run(4), expected(4));
  ASSERT_OK(c->Exec("COMMIT"));
  EXPECT_EQ(run(4), expected(4));
  EXPECT_EQ(run(1), expected(1));
}

TEST(DatabaseTest, AnIndexCoversTheColumnsTheQueryReads) {
  auto c = OpenMemory();
  ASSERT_OK(c->Exec(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT, w TEXT COLLATE NOCASE, z);"
      "CREATE INDEX tk ON t(k, v); CREATE INDEX tw ON t(w); CREATE INDEX tz ON t(z);"
      "INSERT INTO t VALUES (1, 10, 'a', 'A', 3), (2, 20, 'b', 'b', 3.0), (3, 30, 'c', 'C', 'x')"));
  auto detail = [&](const std::string& sql) {
    auto rows = Rows(*c, "EXPLAIN QUERY PLAN " + sql);
    return rows.empty() ? std::string() : std::string(rows.back().back().bytes());
  };
  // The index key holds k, v and the rowid (id): no row is read.
  EXPECT_EQ(detail("SELECT id, k, v FROM t WHERE k > 15"),
            "SEARCH t USING COVERING INDEX tk (k>?)");
  // A column outside the key, or under NOCASE (the key holds the folded text), needs the row.
  EXPECT_EQ(detail("SELECT k, z FROM t WHERE k > 15"), "SEARCH t USING INDEX tk (k>?)");
  EXPECT_EQ(detail("SELECT w FROM t WHERE w > 'a'"), "SEARCH t USING INDEX tw (w>?)");
  EXPECT_EQ(Rows(*c, "SELECT w FROM t WHERE w > 'a' ORDER BY w").size(), 2u);
  // An untyped column is covered, but 3 and 3.0 share a key: such entries read the row.
  EXPECT_EQ(detail("SELECT z FROM t WHERE z > 0"), "SEARCH t USING COVERING INDEX tz (z>?)");
  auto z = Rows(*c, "SELECT typeof(z) FROM t WHERE z > 0 ORDER BY id");
  ASSERT_EQ(z.size(), 3u);
  EXPECT_EQ(z[0][0].bytes(), "integer");
  EXPECT_EQ(z[1][0].bytes(), "real");
  EXPECT_EQ(z[2][0].bytes(), "text");
  EXPECT_EQ(Int(*c, "SELECT sum(k) FROM t WHERE k BETWEEN 10 AND 25"), 30);
}

TEST(DatabaseTest, AFromSubqueryFirstInTheJoinStreamsAndOneAfterItIsReadFromACopy) {
  auto c = OpenMemory();
  ASSERT_OK(
      c->Exec("CREATE TABLE t(a INTEGER PRIMARY KEY, g TEXT); CREATE TABLE u(g TEXT, w INTEGER);"
              "CREATE VIEW v AS SELECT g FROM t WHERE a > 1;"
              "INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'x'); INSERT INTO u VALUES ('x', 1)"));
  auto plan = [&](const std::string& sql) {
    std::string s;
    for (const auto& r : Rows(*c, "EXPLAIN QUERY PLAN " + sql))
      s += std::string(r.back().bytes()) + ";";
    return s;
  };
  // Read once: the rows come from the subquery as it runs, no copy.
  EXPECT_EQ(plan("SELECT * FROM (SELECT g FROM t ORDER BY a DESC LIMIT 2)"),
            "CO-ROUTINE (subquery);SCAN t;");
  EXPECT_EQ(plan("SELECT count(*) FROM v"),
            "CO-ROUTINE v;SEARCH t USING INTEGER PRIMARY KEY (rowid>?);");
  // Joined after u: read once per row of u, so copied once (and hashed on g).
  EXPECT_EQ(plan("SELECT * FROM u, (SELECT g, count(*) AS n FROM t GROUP BY g) AS s "
                 "WHERE s.g = u.g"),
            "SCAN u;SEARCH s;SCAN t;USE TEMP B-TREE FOR GROUP BY USING AUTOMATIC HASH INDEX;");
}

}  // namespace
}  // namespace dosql::engine
