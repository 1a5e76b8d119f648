// Unit tests of user-defined functions (scalar, aggregate, window), Connection::Interrupt and
// the statement time limit, through the engine's public API.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dosql/engine/database.h"
#include "dosql/test_util/status.h"

namespace dosql::engine {
namespace {

using test_util::Unwrap;

std::unique_ptr<Connection> Mem() { return Unwrap(Connection::Open(":memory:")); }

// The rows of `sql` rendered as "a|b" lines joined by ";".
std::string Rows(Connection& c, std::string_view sql) {
  auto r = c.Query(sql);
  if (!r.ok()) return "error: " + r.status().message();
  std::string out;
  for (const auto& row : r->rows) {
    if (!out.empty()) out += ";";
    for (size_t i = 0; i < row.size(); i++) {
      if (i) out += "|";
      out += row[i].is_null() ? "NULL" : row[i].DebugString();
    }
  }
  return out;
}

TEST(UserFunctionTest, ScalarFunctionIsCalledPerRowAndSeesItsArguments) {
  auto c = Mem();
  ASSERT_TRUE(c->CreateFunction("twice", 1, [](std::span<const Value> a) -> Result<Value> {
                 if (a[0].type() != ValueType::kInteger) return Value();
                 return Value::Integer(a[0].integer() * 2);
               }).ok());
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), ('a'), (NULL)").ok());
  EXPECT_EQ(Rows(*c, "SELECT twice(x) FROM t ORDER BY rowid"), "2;4;NULL;NULL");
  EXPECT_EQ(Rows(*c, "SELECT TWICE(21)"), "42");
  // Wrong argument count: no such function (there is no built-in either).
  EXPECT_EQ(Rows(*c, "SELECT twice(1, 2)"), "error: wrong number of arguments to function twice()");
}

TEST(UserFunctionTest, AnUncorrelatedSubqueryRunsOncePerExecution) {
  // The subquery bounds an index range and stays in the WHERE as a filter too: both share one
  // run, as SQLite runs such a subquery once. A volatile one is not shared (each use may see
  // its own values), and its results are still right.
  auto c = Mem();
  int calls = 0;
  ASSERT_TRUE(c->CreateFunction(
                   "counted", 1,
                   [&](std::span<const Value> a) -> Result<Value> {
                     calls++;
                     return a[0];
                   },
                   FunctionFlags{.deterministic = true})
                  .ok());
  ASSERT_TRUE(c->CreateFunction("volatile_id", 1, [](std::span<const Value> a) -> Result<Value> {
                 return a[0];
               }).ok());
  ASSERT_TRUE(
      c->Exec("CREATE TABLE t(a INTEGER PRIMARY KEY, c INTEGER); CREATE INDEX tc ON t(c);"
              "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 100)"
              " INSERT INTO t SELECT i, i * 3 % 101 FROM r")
          .ok());
  const std::string range =
      "SELECT count(*), sum(a) FROM t WHERE c BETWEEN 10 AND "
      "(SELECT counted(max(c)) FROM t WHERE c < 30)";
  EXPECT_EQ(Rows(*c, range), "20|837");
  EXPECT_EQ(calls, 1);
  auto st = Unwrap(c->Prepare(range));
  for (int run = 0; run < 3; run++) {
    calls = 0;
    ASSERT_TRUE(Unwrap(st->Step()));
    EXPECT_EQ(st->column(0).integer(), 20);
    ASSERT_TRUE(st->Reset().ok());
    EXPECT_EQ(calls, 1) << "execution " << run;
  }
  calls = 0;
  // (In its WHERE: an EXISTS evaluates none of its result columns, as SQLite's.)
  EXPECT_EQ(Rows(*c, "SELECT count(*) FROM t WHERE EXISTS (SELECT 1 WHERE counted(1)) AND c < 50"),
            "49");
  EXPECT_EQ(calls, 1);
  calls = 0;
  EXPECT_EQ(Rows(*c, "SELECT count(*) FROM t WHERE EXISTS (SELECT counted(1)) AND c < 50"), "49");
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(Rows(*c,
                 "SELECT count(*), sum(a) FROM t WHERE c BETWEEN 10 AND "
                 "(SELECT volatile_id(max(c)) FROM t WHERE c < 30)"),
            "20|837");
}

TEST(UserFunctionTest, ErrorsFromTheFunctionFailTheStatement) {
  auto c = Mem();
  ASSERT_TRUE(c->CreateFunction("boom", -1, [](std::span<const Value>) -> Result<Value> {
                 return Status::InvalidArgument("boom went the function");
               }).ok());
  EXPECT_EQ(Rows(*c, "SELECT boom()"), "error: boom went the function");
  EXPECT_EQ(Rows(*c, "SELECT boom(1, 2, 3)"), "error: boom went the function");
}

TEST(UserFunctionTest, ReplacesABuiltInForItsArgumentCountAndRemovalRestoresIt) {
  auto c = Mem();
  ASSERT_TRUE(c->CreateFunction("upper", 1, [](std::span<const Value>) -> Result<Value> {
                 return Value::Text("mine");
               }).ok());
  EXPECT_EQ(Rows(*c, "SELECT upper('x')"), "'mine'");
  ASSERT_TRUE(c->RemoveFunction("UPPER", 1).ok());
  EXPECT_EQ(Rows(*c, "SELECT upper('x')"), "'X'");
  EXPECT_EQ(c->RemoveFunction("upper", 1).code(), StatusCode::kNotFound);
}

TEST(UserFunctionTest, PreparedStatementsSeeANewDefinition) {
  auto c = Mem();
  ASSERT_TRUE(c->CreateFunction("f", 0, [](std::span<const Value>) -> Result<Value> {
                 return Value::Integer(1);
               }).ok());
  auto st = Unwrap(c->Prepare("SELECT f()"));
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(0).integer(), 1);
  ASSERT_TRUE(st->Reset().ok());
  ASSERT_TRUE(c->CreateFunction("f", 0, [](std::span<const Value>) -> Result<Value> {
                 return Value::Integer(2);
               }).ok());
  ASSERT_TRUE(Unwrap(st->Step()));
  EXPECT_EQ(st->column(0).integer(), 2);
}

TEST(UserFunctionTest, BadRegistrationsAreRejected) {
  auto c = Mem();
  EXPECT_FALSE(c->CreateFunction("", 1, [](std::span<const Value>) -> Result<Value> {
                  return Value();
                }).ok());
  EXPECT_FALSE(c->CreateFunction("f", 200, [](std::span<const Value>) -> Result<Value> {
                  return Value();
                }).ok());
  EXPECT_FALSE(c->CreateFunction("f", 1, ScalarFunction()).ok());
  EXPECT_FALSE(c->CreateAggregateFunction("g", 1, AggregateFactory()).ok());
}

// product(x): multiplies the integers of a group; NULL for an empty group.
class Product final : public AggregateCallbacks {
 public:
  Status Step(std::span<const Value> a) override {
    if (!a[0].is_null()) {
      p_ *= a[0].integer();
      n_++;
    }
    return Status::OK();
  }
  Result<Value> Final() override { return n_ ? Value::Integer(p_) : Value(); }

 private:
  int64_t p_ = 1;
  int n_ = 0;
};

TEST(UserFunctionTest, AggregateFunctionGroupsAndEmptyInput) {
  auto c = Mem();
  ASSERT_TRUE(c->CreateAggregateFunction("product", 1, [] {
                 return std::make_unique<Product>();
               }).ok());
  ASSERT_TRUE(
      c->Exec("CREATE TABLE t(g, x); INSERT INTO t VALUES (1, 2), (1, 3), (2, 5), (2, NULL)").ok());
  EXPECT_EQ(Rows(*c, "SELECT g, product(x) FROM t GROUP BY g ORDER BY g"), "1|6;2|5");
  EXPECT_EQ(Rows(*c, "SELECT product(x) FROM t WHERE g > 5"), "NULL");
  EXPECT_EQ(Rows(*c, "SELECT product(DISTINCT x) FILTER (WHERE x > 2) FROM t"), "15");
  EXPECT_EQ(Rows(*c, "SELECT g FROM t GROUP BY g HAVING product(x) > 5"), "1");
  // Not a window function: recomputed per row from a fresh state, finalized once each.
  EXPECT_EQ(Rows(*c, "SELECT x, product(x) OVER (ORDER BY x ROWS 1 PRECEDING) FROM t "
                     "WHERE x IS NOT NULL ORDER BY x"),
            "2|2;3|6;5|15");
}

// mysum(x) with an inverse and a current value: a window function.
class MySum final : public AggregateCallbacks {
 public:
  Status Step(std::span<const Value> a) override {
    s_ += a[0].is_null() ? 0 : a[0].integer();
    return Status::OK();
  }
  Status Inverse(std::span<const Value> a) override {
    s_ -= a[0].is_null() ? 0 : a[0].integer();
    inverses++;
    return Status::OK();
  }
  Result<Value> Current() override { return Value::Integer(s_); }
  Result<Value> Final() override { return Value::Integer(s_); }
  static inline int inverses = 0;

 private:
  int64_t s_ = 0;
};

TEST(UserFunctionTest, WindowFunctionUsesInverseOverAMovingFrame) {
  auto c = Mem();
  ASSERT_TRUE(c->CreateWindowFunction("mysum", 1, [] { return std::make_unique<MySum>(); }).ok());
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2), (3), (4), (5)").ok());
  MySum::inverses = 0;
  EXPECT_EQ(Rows(*c, "SELECT x, mysum(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) "
                     "FROM t ORDER BY x"),
            "1|1;2|3;3|5;4|7;5|9");
  EXPECT_EQ(MySum::inverses, 3);
  EXPECT_EQ(Rows(*c, "SELECT mysum(x) FROM t"), "15");
  // A scalar function is not a window function.
  ASSERT_TRUE(c->CreateFunction("s", 1, [](std::span<const Value> a) -> Result<Value> {
                 return a[0];
               }).ok());
  EXPECT_EQ(Rows(*c, "SELECT s(x) OVER () FROM t"),
            "error: s() may not be used as a window function");
}

TEST(InterruptTest, InterruptFromAnotherThreadStopsARunningStatement) {
  auto c = Mem();
  auto st = Unwrap(c->Prepare(
      "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"));
  std::atomic<bool> done{false};
  std::thread t([&] {
    while (!done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      c->Interrupt();
    }
  });
  auto r = st->Step();
  done = true;
  t.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_EQ(r.status().message(), "interrupted");
  // The connection works afterwards; an interrupt before a statement starts does not stop it.
  ASSERT_TRUE(st->Reset().ok() || true);
  c->Interrupt();
  EXPECT_EQ(Rows(*c, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LIMIT 5000) "
                     "SELECT count(*) FROM r"),
            "5000");
}

TEST(InterruptTest, StatementTimeoutStopsARunawayQuery) {
  auto c = Mem();
  c->SetStatementTimeout(std::chrono::milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  auto r = c->Query("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                    "SELECT max(n) FROM r");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_EQ(r.status().message(), "statement timed out");
  EXPECT_LT(took, std::chrono::seconds(5));
  c->SetStatementTimeout(std::chrono::milliseconds(0));
  EXPECT_EQ(Rows(*c, "SELECT 1"), "1");
}

// Loops that make many rows from few reads (a hash join's probe meeting thousands of equal
// keys, a window frame recomputed per row) poll the time limit themselves: the scans under
// them read too few rows to poll often enough.
void ExpectTimesOut(Connection& c, std::string_view sql) {
  c.SetStatementTimeout(std::chrono::milliseconds(100));
  auto start = std::chrono::steady_clock::now();
  auto r = c.Query(sql);
  auto took = std::chrono::steady_clock::now() - start;
  c.SetStatementTimeout(std::chrono::milliseconds(0));
  ASSERT_FALSE(r.ok()) << sql;
  EXPECT_EQ(r.status().message(), "statement timed out") << sql;
  EXPECT_LT(took, std::chrono::seconds(3)) << sql;
}

TEST(InterruptTest, StatementTimeoutStopsJoinsAndWindowsThatReadLittle) {
  auto c = Mem();
  ASSERT_TRUE(c->Exec("CREATE TABLE small(x); INSERT INTO small VALUES (1), (1), (1);"
                      "CREATE TABLE big(x);"
                      "INSERT INTO big WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 "
                      "FROM r WHERE n < 20000) SELECT 1 FROM r")
                  .ok());
  // 3 x 20,000 x 20,000 candidate rows from 40,003 rows read; every one rejected by ON.
  ExpectTimesOut(*c,
                 "SELECT count(*) FROM small a JOIN big b ON a.x = b.x "
                 "JOIN big c ON b.x = c.x AND b.rowid + c.rowid < 0");
  // As the fuzzer met it: an aggregate over a join of a streamed subquery, its HAVING false.
  ExpectTimesOut(*c,
                 "SELECT count(*) FROM (SELECT b.x AS x FROM small a JOIN big b ON a.x = b.x)"
                 " AS s JOIN big c ON s.x = c.x GROUP BY c.rowid % 7 HAVING count(*) < 0");
  // A frame without an inverse step, recomputed for each of 20,000 rows.
  ExpectTimesOut(*c,
                 "SELECT max(m) FROM (SELECT min(x) OVER (ORDER BY rowid ROWS BETWEEN "
                 "UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) AS m FROM big)");
  ExpectTimesOut(*c,
                 "SELECT count(v) FROM (SELECT last_value(x) OVER (ORDER BY x RANGE BETWEEN "
                 "UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE GROUP) AS v FROM big)");
  EXPECT_EQ(Rows(*c, "SELECT count(*) FROM small a JOIN big b ON a.x = b.x"), "60000");
}

TEST(InterruptTest, InterruptedWriteInsideATransactionIsUndoneAndTheTransactionStays) {
  auto c = Mem();
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x); BEGIN; INSERT INTO t VALUES (1)").ok());
  c->SetStatementTimeout(std::chrono::milliseconds(50));
  auto r = c->Exec("INSERT INTO t WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
                   "SELECT n FROM r");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), StatusCode::kAborted);
  c->SetStatementTimeout(std::chrono::milliseconds(0));
  EXPECT_FALSE(c->autocommit());
  EXPECT_EQ(Rows(*c, "SELECT count(*) FROM t"), "1");
  ASSERT_TRUE(c->Exec("COMMIT").ok());
  EXPECT_EQ(Rows(*c, "SELECT count(*) FROM t"), "1");
}

TEST(MisuseTest, StatementsOutlivingTheirConnectionFailCleanly) {
  auto c = Mem();
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)").ok());
  auto running = Unwrap(c->Prepare("SELECT x FROM t"));
  auto idle = Unwrap(c->Prepare("SELECT count(*) FROM t"));
  ASSERT_TRUE(Unwrap(running->Step()));
  c.reset();  // closes the connection (and its in-memory database)
  auto r = running->Step();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "the connection is closed");
  EXPECT_FALSE(idle->Step().ok());
  EXPECT_FALSE(idle->Reset().ok());
  EXPECT_EQ(idle->column_name(0), "count(*)");
  EXPECT_EQ(idle->column_name(7), "");  // out of range: empty, not a crash
  EXPECT_TRUE(idle->column(3).is_null());
}

}  // namespace
}  // namespace dosql::engine
