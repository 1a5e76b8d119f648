// Unit tests of the sqllogictest runner core: the script reader, value rendering, sorting, MD5,
// and the runner's semantics against a scripted fake backend.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "src/backend.h"
#include "src/md5.h"
#include "src/registry.h"
#include "src/render.h"
#include "src/runner.h"
#include "src/script.h"

namespace dosql::slt {
namespace {

// ---------------------------------------------------------------------------------------------
// Script reader

std::vector<Record> ParseAll(const std::string& text) {
  std::istringstream in(text);
  ScriptReader reader(in);
  std::vector<Record> records;
  Record r;
  while (reader.Next(&r)) records.push_back(r);
  return records;
}

TEST(SltScriptReaderTest, ParsesStatementsAndQueries) {
  auto records = ParseAll(
      "statement ok\n"
      "CREATE TABLE t1(a INTEGER, b TEXT)\n"
      "\n"
      "statement error\n"
      "INSERT INTO nowhere\n"
      "  VALUES(1)\n"
      "\n\n\n"
      "query IT rowsort label-1\n"
      "SELECT a, b\n"
      "  FROM t1\n"
      "----\n"
      "1\n"
      "x\n"
      "\n"
      "query R\n"
      "SELECT 1.0\n"
      "----\n"
      "1.000\n");
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].type, RecordType::kStatement);
  EXPECT_FALSE(records[0].expect_error);
  EXPECT_EQ(records[0].sql, "CREATE TABLE t1(a INTEGER, b TEXT)");
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].type, RecordType::kStatement);
  EXPECT_TRUE(records[1].expect_error);
  EXPECT_FALSE(records[1].expected_error.has_value());
  EXPECT_EQ(records[1].sql, "INSERT INTO nowhere\n  VALUES(1)");
  EXPECT_EQ(records[1].line, 4);
  EXPECT_EQ(records[2].type, RecordType::kQuery);
  EXPECT_EQ(records[2].types, "IT");
  EXPECT_EQ(records[2].sort_mode, SortMode::kRowSort);
  EXPECT_EQ(records[2].label, "label-1");
  EXPECT_EQ(records[2].sql, "SELECT a, b\n  FROM t1");
  EXPECT_EQ(records[2].expected, (std::vector<std::string>{"1", "x"}));
  EXPECT_EQ(records[2].line, 10);
  EXPECT_EQ(records[3].sort_mode, SortMode::kNoSort);
  EXPECT_TRUE(records[3].label.empty());
  EXPECT_EQ(records[3].expected, (std::vector<std::string>{"1.000"}));
}

TEST(SltScriptReaderTest, CommentsAreRemovedEverywhereAndDoNotSeparateRecords) {
  auto records = ParseAll(
      "# leading comment\n"
      "query I nosort\n"
      "SELECT 1\n"
      "# inside the SQL\n"
      "  + 1\n"
      "----\n"
      "# inside the results\n"
      "2\n"
      "# a comment line is not a blank line\n"
      "statement ok\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].sql, "SELECT 1\n  + 1");
  // "statement ok" is part of the query's results: only blank lines separate records.
  EXPECT_EQ(records[0].expected, (std::vector<std::string>{"2", "statement ok"}));
}

TEST(SltScriptReaderTest, WhitespaceLinesAreBlankAndCrLfIsAccepted) {
  auto records = ParseAll(
      "statement ok\r\n"
      "CREATE TABLE t(x)\r\n"
      "   \t \r\n"
      "query T\r\n"
      "SELECT 'a '\r\n"
      "----\r\n"
      "a \r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].sql, "CREATE TABLE t(x)");
  EXPECT_EQ(records[1].sql, "SELECT 'a '");
  // Trailing spaces of a value are kept: the reference compares whole lines.
  EXPECT_EQ(records[1].expected, (std::vector<std::string>{"a "}));
}

TEST(SltScriptReaderTest, ConditionsWithComments) {
  auto records = ParseAll(
      "skipif mysql # not compatible\n"
      "onlyif sqlite\n"
      "statement ok\n"
      "SELECT 1\n"
      "\n"
      "onlyif mssql  # this is allowed\n"
      "halt\n");
  ASSERT_EQ(records.size(), 2u);
  ASSERT_EQ(records[0].conditions.size(), 2u);
  EXPECT_FALSE(records[0].conditions[0].only_if);
  EXPECT_EQ(records[0].conditions[0].engine, "mysql");
  EXPECT_TRUE(records[0].conditions[1].only_if);
  EXPECT_EQ(records[0].conditions[1].engine, "sqlite");
  EXPECT_EQ(records[0].line, 3);
  EXPECT_EQ(records[1].type, RecordType::kHalt);
  ASSERT_EQ(records[1].conditions.size(), 1u);
  EXPECT_EQ(records[1].conditions[0].engine, "mssql");
}

TEST(SltScriptReaderTest, QueryWithoutResultsExpectsNothing) {
  auto records = ParseAll(
      "query I nosort\n"
      "SELECT 1 WHERE 0\n"
      "\n"
      "query I nosort\n"
      "SELECT 1 WHERE 0\n"
      "----\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].expected.empty());
  EXPECT_TRUE(records[1].expected.empty());
  EXPECT_EQ(records[1].sql, "SELECT 1 WHERE 0");
}

TEST(SltScriptReaderTest, ControlRecords) {
  auto records = ParseAll(
      "hash-threshold 20\n\n"
      "restart\n\n"
      "mode skip\n\n"
      "mode unskip\n\n"
      "halt\n");
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].type, RecordType::kHashThreshold);
  EXPECT_EQ(records[0].hash_threshold, 20);
  EXPECT_EQ(records[1].type, RecordType::kRestart);
  EXPECT_EQ(records[2].type, RecordType::kMode);
  EXPECT_TRUE(records[2].skip);
  EXPECT_EQ(records[3].type, RecordType::kMode);
  EXPECT_FALSE(records[3].skip);
  EXPECT_EQ(records[4].type, RecordType::kHalt);
  EXPECT_EQ(records[4].line, 9);
}

TEST(SltScriptReaderTest, StatementErrorWithExpectedMessage) {
  auto records = ParseAll(
      "statement error\n"
      "SELECT * FROM missing\n"
      "----\n"
      "no such table\n"
      "second line\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].sql, "SELECT * FROM missing");
  ASSERT_TRUE(records[0].expected_error.has_value());
  EXPECT_EQ(*records[0].expected_error, "no such table\nsecond line");
}

TEST(SltScriptReaderTest, MalformedRecordsAreReportedAndReadingGoesOn) {
  auto records = ParseAll(
      "query IX\nSELECT 1\n\n"
      "query I sideways\nSELECT 1\n\n"
      "frobnicate\nSELECT 1\n\n"
      "statement maybe\nSELECT 1\n\n"
      "hash-threshold many\n\n"
      "statement ok\nSELECT 1\n----\nx\n\n"
      "query I\n----\n1\n\n"
      "mode output_hash\n\n"
      "onlyif\nstatement ok\nSELECT 1\n\n"
      "skipif mysql\n\n"
      "statement ok\nSELECT 2\n");
  ASSERT_EQ(records.size(), 11u);
  for (size_t i = 0; i + 1 < records.size(); ++i) {
    EXPECT_EQ(records[i].type, RecordType::kInvalid) << i;
    EXPECT_FALSE(records[i].error.empty()) << i;
  }
  EXPECT_NE(records[0].error.find("type character 'X'"), std::string::npos);
  EXPECT_NE(records[1].error.find("sort method 'sideways'"), std::string::npos);
  EXPECT_NE(records[2].error.find("unknown record type 'frobnicate'"), std::string::npos);
  EXPECT_EQ(records[2].line, 7);
  EXPECT_EQ(records.back().type, RecordType::kStatement);
  EXPECT_EQ(records.back().sql, "SELECT 2");
}

TEST(SltScriptReaderTest, LastLineWithoutNewline) {
  auto records = ParseAll("query T\nSELECT 'x'\n----\nx");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].expected, (std::vector<std::string>{"x"}));
}

// ---------------------------------------------------------------------------------------------
// Rendering

TEST(SltRenderTest, NullIsNullForEveryType) {
  for (char type : {'I', 'R', 'T'}) EXPECT_EQ(RenderValue(Value::Null(), type), "NULL");
}

TEST(SltRenderTest, Integers) {
  EXPECT_EQ(RenderValue(Value::Integer(42), 'I'), "42");
  EXPECT_EQ(RenderValue(Value::Integer(-7), 'I'), "-7");
  EXPECT_EQ(RenderValue(Value::Integer(42), 'R'), "42.000");
  EXPECT_EQ(RenderValue(Value::Integer(-7), 'T'), "-7");
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t min = std::numeric_limits<int64_t>::min();
  // Full 64-bit values (the C reference's sqlite3_column_int would wrap these to 32 bits).
  EXPECT_EQ(RenderValue(Value::Integer(max), 'I'), "9223372036854775807");
  EXPECT_EQ(RenderValue(Value::Integer(min), 'I'), "-9223372036854775808");
  EXPECT_EQ(RenderValue(Value::Integer(4294967297), 'I'), "4294967297");
  EXPECT_EQ(RenderValue(Value::Integer(min), 'T'), "-9223372036854775808");
  // As a double, -2^63 has more than 16 significant digits: SQLite prints 16, then zeros.
  EXPECT_EQ(RenderValue(Value::Integer(min), 'R'), "-9223372036854776000.000");
}

TEST(SltRenderTest, RealsInIntegerColumnsTruncateTowardZeroAndClamp) {
  EXPECT_EQ(RenderValue(Value::Real(2.9), 'I'), "2");
  EXPECT_EQ(RenderValue(Value::Real(-2.9), 'I'), "-2");
  EXPECT_EQ(RenderValue(Value::Real(-0.0), 'I'), "0");
  EXPECT_EQ(RenderValue(Value::Real(1e30), 'I'), "9223372036854775807");
  EXPECT_EQ(RenderValue(Value::Real(-1e30), 'I'), "-9223372036854775808");
  EXPECT_EQ(RenderValue(Value::Real(9223372036854775808.0), 'I'), "9223372036854775807");
  EXPECT_EQ(RenderValue(Value::Real(std::numeric_limits<double>::infinity()), 'I'),
            "9223372036854775807");
  EXPECT_EQ(RenderValue(Value::Real(std::nan("")), 'I'), "0");
  EXPECT_EQ(RenderValue(Value::Real(4503599627370497.0), 'I'), "4503599627370497");
}

TEST(SltRenderTest, TextInNumericColumnsTakesTheNumericPrefix) {
  EXPECT_EQ(RenderValue(Value::Text("12abc"), 'I'), "12");
  EXPECT_EQ(RenderValue(Value::Text("  -7"), 'I'), "-7");
  EXPECT_EQ(RenderValue(Value::Text("+5"), 'I'), "5");
  EXPECT_EQ(RenderValue(Value::Text("abc"), 'I'), "0");
  EXPECT_EQ(RenderValue(Value::Text(""), 'I'), "0");
  EXPECT_EQ(RenderValue(Value::Text("1.9"), 'I'), "1");
  EXPECT_EQ(RenderValue(Value::Text("1e5"), 'I'), "1");
  EXPECT_EQ(RenderValue(Value::Text("0x10"), 'I'), "0");
  EXPECT_EQ(RenderValue(Value::Text("000000000000000000000042"), 'I'), "42");
  EXPECT_EQ(RenderValue(Value::Text("9223372036854775807"), 'I'), "9223372036854775807");
  EXPECT_EQ(RenderValue(Value::Text("9223372036854775808"), 'I'), "9223372036854775807");
  EXPECT_EQ(RenderValue(Value::Text("-9223372036854775808"), 'I'), "-9223372036854775808");
  EXPECT_EQ(RenderValue(Value::Text("-99999999999999999999999"), 'I'), "-9223372036854775808");
  EXPECT_EQ(RenderValue(Value::Blob("17"), 'I'), "17");

  EXPECT_EQ(RenderValue(Value::Text("1.5e2x"), 'R'), "150.000");
  EXPECT_EQ(RenderValue(Value::Text("  -3.25"), 'R'), "-3.250");
  EXPECT_EQ(RenderValue(Value::Text(".5"), 'R'), "0.500");
  EXPECT_EQ(RenderValue(Value::Text("5."), 'R'), "5.000");
  EXPECT_EQ(RenderValue(Value::Text("1e"), 'R'), "1.000");
  EXPECT_EQ(RenderValue(Value::Text("abc"), 'R'), "0.000");
  EXPECT_EQ(RenderValue(Value::Text("."), 'R'), "0.000");
  EXPECT_EQ(RenderValue(Value::Text("inf"), 'R'), "0.000");
}

TEST(SltRenderTest, RealsPrintLikeSqlitesPercentPoint3f) {
  EXPECT_EQ(RenderValue(Value::Real(1.0), 'R'), "1.000");
  EXPECT_EQ(RenderValue(Value::Real(-1.5), 'R'), "-1.500");
  EXPECT_EQ(RenderValue(Value::Real(0.0), 'R'), "0.000");
  EXPECT_EQ(RenderValue(Value::Real(-0.0), 'R'), "0.000");      // no sign on negative zero
  EXPECT_EQ(RenderValue(Value::Real(-0.0001), 'R'), "-0.000");  // but on a small negative
  EXPECT_EQ(RenderValue(Value::Real(0.0625), 'R'), "0.063");    // exact tie: away from zero
  EXPECT_EQ(RenderValue(Value::Real(-0.0625), 'R'), "-0.063");
  EXPECT_EQ(RenderValue(Value::Real(0.0005), 'R'), "0.001");
  EXPECT_EQ(RenderValue(Value::Real(0.0009), 'R'), "0.001");
  EXPECT_EQ(RenderValue(Value::Real(0.0004), 'R'), "0.000");
  EXPECT_EQ(RenderValue(Value::Real(9.9996), 'R'), "10.000");
  EXPECT_EQ(RenderValue(Value::Real(2.0 / 3.0), 'R'), "0.667");
  EXPECT_EQ(RenderValue(Value::Real(1e-300), 'R'), "0.000");
  EXPECT_EQ(RenderValue(Value::Real(1e20), 'R'), "100000000000000000000.000");
  EXPECT_EQ(RenderValue(Value::Real(123456789012345678.0), 'R'), "123456789012345700.000");
  EXPECT_EQ(RenderValue(Value::Real(-18446744073709551616.0), 'R'), "-18446744073709550000.000");
  EXPECT_EQ(RenderValue(Value::Real(std::numeric_limits<double>::infinity()), 'R'), "Inf");
  EXPECT_EQ(RenderValue(Value::Real(-std::numeric_limits<double>::infinity()), 'R'), "-Inf");
  EXPECT_EQ(FormatReal3(std::nan("")), "NaN");
}

TEST(SltRenderTest, RealsAsTextPrintLikeSqlitesCast) {
  EXPECT_EQ(RenderValue(Value::Real(1.0), 'T'), "1.0");
  EXPECT_EQ(RenderValue(Value::Real(0.1), 'T'), "0.1");
  EXPECT_EQ(RenderValue(Value::Real(-2.5), 'T'), "-2.5");
  EXPECT_EQ(RenderValue(Value::Real(-0.0), 'T'), "0.0");
  EXPECT_EQ(RenderValue(Value::Real(1.0 / 3.0), 'T'), "0.333333333333333");
  EXPECT_EQ(RenderValue(Value::Real(0.1 + 0.2), 'T'), "0.3");
  EXPECT_EQ(RenderValue(Value::Real(123456789.125), 'T'), "123456789.125");
  EXPECT_EQ(RenderValue(Value::Real(1e14), 'T'), "100000000000000.0");
  EXPECT_EQ(RenderValue(Value::Real(1e15), 'T'), "1.0e+15");
  EXPECT_EQ(RenderValue(Value::Real(1e20), 'T'), "1.0e+20");
  EXPECT_EQ(RenderValue(Value::Real(1e100), 'T'), "1.0e+100");
  EXPECT_EQ(RenderValue(Value::Real(1.5e-7), 'T'), "1.5e-07");
  EXPECT_EQ(RenderValue(Value::Real(0.0001), 'T'), "0.0001");
  EXPECT_EQ(RenderValue(Value::Real(0.00001), 'T'), "1.0e-05");
  EXPECT_EQ(RenderValue(Value::Real(9223372036854775808.0), 'T'), "9.22337203685478e+18");
  EXPECT_EQ(RenderValue(Value::Real(999999999999999.9), 'T'), "1.0e+15");
  EXPECT_EQ(RenderValue(Value::Real(std::numeric_limits<double>::infinity()), 'T'), "Inf");
}

TEST(SltRenderTest, TextEdgeCases) {
  EXPECT_EQ(RenderValue(Value::Text("hello world"), 'T'), "hello world");
  EXPECT_EQ(RenderValue(Value::Text(""), 'T'), "(empty)");
  EXPECT_EQ(RenderValue(Value::Blob(""), 'T'), "(empty)");
  EXPECT_EQ(RenderValue(Value::Text("a\tb\nc\r"), 'T'), "a@b@c@");
  EXPECT_EQ(RenderValue(Value::Text("del\x7f"), 'T'), "del@");
  EXPECT_EQ(RenderValue(Value::Text("caf\xc3\xa9"), 'T'), "caf@@");  // each UTF-8 byte
  EXPECT_EQ(RenderValue(Value::Text(" ~"), 'T'), " ~");
  // A C caller of sqlite3_column_text sees the value up to its first NUL.
  EXPECT_EQ(RenderValue(Value::Text(std::string("ab\0cd", 5)), 'T'), "ab");
  EXPECT_EQ(RenderValue(Value::Text(std::string("\0cd", 3)), 'T'), "(empty)");
  EXPECT_EQ(RenderValue(Value::Blob("hi\x01"), 'T'), "hi@");
  EXPECT_EQ(RenderValue(Value::Text("NULL"), 'T'), "NULL");
}

// ---------------------------------------------------------------------------------------------
// Sorting, hashing

TEST(SltSortTest, Modes) {
  std::vector<std::string> values = {"9", "b", "10", "a", "10", "c"};
  auto v = values;
  SortValues(v, 2, SortMode::kNoSort);
  EXPECT_EQ(v, values);
  v = values;
  SortValues(v, 2, SortMode::kRowSort);  // rows (9,b) (10,a) (10,c): strcmp order, "10" < "9"
  EXPECT_EQ(v, (std::vector<std::string>{"10", "a", "10", "c", "9", "b"}));
  v = values;
  SortValues(v, 2, SortMode::kValueSort);
  EXPECT_EQ(v, (std::vector<std::string>{"10", "10", "9", "a", "b", "c"}));
  v = {"NULL", "-1", "(empty)", "0"};
  SortValues(v, 1, SortMode::kRowSort);
  EXPECT_EQ(v, (std::vector<std::string>{"(empty)", "-1", "0", "NULL"}));
}

TEST(SltMd5Test, Rfc1321TestSuite) {
  EXPECT_EQ(Md5::HashHex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5::HashHex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(Md5::HashHex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Md5::HashHex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(Md5::HashHex("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(Md5::HashHex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(Md5::HashHex("1234567890123456789012345678901234567890123456789012345678901234567890"
                         "1234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(SltMd5Test, IncrementalEqualsOneShotAtEveryBlockBoundary) {
  std::string data;
  for (int i = 0; i < 300; ++i) data += static_cast<char>('a' + i % 26);
  for (size_t len = 0; len <= data.size(); ++len) {
    std::string_view msg(data.data(), len);
    Md5 md5;
    for (size_t i = 0; i < len; i += 7) md5.Update(msg.substr(i, 7));
    ASSERT_EQ(md5.FinishHex(), Md5::HashHex(msg)) << len;
  }
  Md5 million;
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) million.Update(chunk);
  EXPECT_EQ(million.FinishHex(), "7707d6ae4e027c70eea2a935c2296f21");
}

TEST(SltHashTest, ValuesAreHashedWithANewlineAfterEach) {
  EXPECT_EQ(HashValues({}), Md5::HashHex(""));
  EXPECT_EQ(HashValues({"1", "NULL", "(empty)"}), Md5::HashHex("1\nNULL\n(empty)\n"));
  int64_t count = 0;
  std::string hash;
  EXPECT_TRUE(
      ParseHashLine("30 values hashing to 3c13dee48d9356ae19af2515e05e6b54", &count, &hash));
  EXPECT_EQ(count, 30);
  EXPECT_EQ(hash, "3c13dee48d9356ae19af2515e05e6b54");
  EXPECT_TRUE(
      ParseHashLine("9 values hashing to 3C13DEE48D9356AE19AF2515E05E6B54 ", &count, &hash));
  EXPECT_EQ(hash, "3c13dee48d9356ae19af2515e05e6b54");
  EXPECT_FALSE(ParseHashLine("values hashing to 3c13dee48d9356ae19af2515e05e6b54", &count, &hash));
  EXPECT_FALSE(ParseHashLine("3 values hashing to 3c13", &count, &hash));
  EXPECT_FALSE(
      ParseHashLine("3 values hashing to 3c13dee48d9356ae19af2515e05e6b5z", &count, &hash));
}

// ---------------------------------------------------------------------------------------------
// Runner semantics against a scripted backend

// Answers SQL from tables set up by the test; anything else is an error.
class FakeBackend : public SltBackend {
 public:
  std::string_view name() const override { return "fake"; }

  Status Execute(std::string_view sql) override {
    executed.emplace_back(sql);
    auto it = statement_errors.find(std::string(sql));
    if (it != statement_errors.end()) return Status::Constraint(it->second);
    return Status::OK();
  }

  Result<QueryResult> Query(std::string_view sql) override {
    queried.emplace_back(sql);
    auto it = results.find(std::string(sql));
    if (it == results.end()) return Status::SyntaxError("no such query: " + std::string(sql));
    return it->second;
  }

  Status Reset() override {
    ++resets;
    return Status::OK();
  }

  Status Restart() override {
    ++restarts;
    if (!can_restart) return SltBackend::Restart();
    return Status::OK();
  }

  // Sets the result of `sql` to `rows` of `columns` columns.
  void SetResult(const std::string& sql, size_t columns, std::vector<Value> values) {
    QueryResult r;
    r.column_count = columns;
    r.values = std::move(values);
    results[sql] = std::move(r);
  }

  std::map<std::string, QueryResult> results;
  std::map<std::string, std::string> statement_errors;
  std::vector<std::string> executed;
  std::vector<std::string> queried;
  int resets = 0;
  int restarts = 0;
  bool can_restart = true;
};

class CollectingListener : public RunnerListener {
 public:
  void OnFailure(const Failure& failure) override { failures.push_back(failure); }
  void OnRecord(std::string_view, const Record& record, Outcome outcome) override {
    outcomes.emplace_back(record.line, outcome);
  }
  std::vector<Failure> failures;
  std::vector<std::pair<int, Outcome>> outcomes;
};

class SltRunnerTest : public ::testing::Test {
 protected:
  FileSummary Run(const std::string& script, RunnerOptions options = {}) {
    Runner runner(&backend_, std::move(options), &listener_);
    std::istringstream in(script);
    return runner.RunScript(in, "test.slt");
  }
  std::string FailureMessages() const {
    std::string out;
    for (const auto& f : listener_.failures) {
      out += f.file + ":" + std::to_string(f.line) + ": " + f.message + "\n";
    }
    return out;
  }

  FakeBackend backend_;
  CollectingListener listener_;
};

std::vector<Value> Ints(std::initializer_list<int64_t> xs) {
  std::vector<Value> v;
  for (int64_t x : xs) v.push_back(Value::Integer(x));
  return v;
}

TEST_F(SltRunnerTest, StatementOkAndError) {
  backend_.statement_errors["INSERT bad"] = "UNIQUE constraint failed: t.x";
  FileSummary s =
      Run("statement ok\nCREATE TABLE t(x)\n\n"
          "statement error\nINSERT bad\n\n"
          "statement error\nINSERT bad\n----\nUNIQUE constraint\n\n"
          "statement ok\nINSERT bad\n\n"                             // fails: the statement errors
          "statement error\nCREATE TABLE u(x)\n\n"                   // fails: no error
          "statement error\nINSERT bad\n----\nCHECK constraint\n");  // fails: wrong message
  EXPECT_EQ(s.passed, 3);
  EXPECT_EQ(s.failed, 3);
  EXPECT_EQ(s.statements, 6);
  EXPECT_EQ(s.queries, 0);
  ASSERT_EQ(listener_.failures.size(), 3u);
  EXPECT_EQ(listener_.failures[0].line, 12);
  EXPECT_EQ(listener_.failures[0].message, "statement failed");
  EXPECT_EQ(listener_.failures[0].sql, "INSERT bad");
  EXPECT_EQ(listener_.failures[0].got, "error: UNIQUE constraint failed: t.x");
  EXPECT_EQ(listener_.failures[1].message, "statement succeeded but an error was expected");
  EXPECT_EQ(listener_.failures[1].got, "ok");
  EXPECT_EQ(listener_.failures[2].message, "wrong error message");
  EXPECT_EQ(listener_.failures[2].expected, "error containing: CHECK constraint");
  EXPECT_EQ(backend_.resets, 1);
}

TEST_F(SltRunnerTest, QueryValuesOnePerLineAndRowsPerLine) {
  backend_.SetResult("SELECT a, b", 2,
                     {Value::Integer(1), Value::Text("x y"), Value::Integer(2), Value::Null()});
  FileSummary s =
      Run("query IT nosort\nSELECT a, b\n----\n1\nx y\n2\nNULL\n\n"  // the corpus's layout
          "query IT nosort\nSELECT a, b\n----\n1\tx y\n2\tNULL\n\n"  // DuckDB's: tab-separated
          "query IT nosort\nSELECT a, b\n----\n1 x y\n2 NULL\n\n"    // spaces: ambiguous here
          "query IT nosort\nSELECT a, b\n----\n1\nx y\n2\n3\n");     // wrong
  EXPECT_EQ(s.passed, 2);
  EXPECT_EQ(s.failed, 2) << FailureMessages();
  ASSERT_EQ(listener_.failures.size(), 2u);
  EXPECT_EQ(listener_.failures[0].line, 15);  // "x y" holds a space: rows need tabs then
  EXPECT_EQ(listener_.failures[1].message, "wrong result");
  EXPECT_EQ(listener_.failures[1].line, 21);
  EXPECT_EQ(listener_.failures[1].expected, "1\nx y\n2\n3");
  EXPECT_EQ(listener_.failures[1].got, "1\nx y\n2\nNULL");
  EXPECT_EQ(s.queries, 4);
}

TEST_F(SltRunnerTest, SpaceSeparatedRowsWhenUnambiguous) {
  backend_.SetResult("SELECT a, b", 2, Ints({1, 2, 3, 4}));
  FileSummary s = Run("query II\nSELECT a, b\n----\n1 2\n3   4\n");
  EXPECT_EQ(s.passed, 1) << FailureMessages();
}

TEST_F(SltRunnerTest, SortModesApplyToResultAndExpected) {
  backend_.SetResult("q", 2, Ints({3, 1, 10, 2, 9, 0}));
  FileSummary s = Run(
      "query II rowsort\nq\n----\n10\n2\n3\n1\n9\n0\n\n"  // sorted as text: 10 < 3 < 9
      "query II rowsort\nq\n----\n9\n0\n3\n1\n10\n2\n\n"  // expected block unsorted: still equal
      "query II valuesort\nq\n----\n0\n1\n10\n2\n3\n9\n\n"
      "query II nosort\nq\n----\n3\n1\n10\n2\n9\n0\n\n"
      "query II nosort\nq\n----\n10\n2\n3\n1\n9\n0\n");  // nosort keeps the engine's order
  EXPECT_EQ(s.passed, 4) << FailureMessages();
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(listener_.failures[0].line, 41);
}

TEST_F(SltRunnerTest, WrongColumnCountFails) {
  backend_.SetResult("SELECT 1, 2", 2, Ints({1, 2}));
  FileSummary s = Run("query I\nSELECT 1, 2\n----\n1\n2\n");
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(listener_.failures[0].message, "wrong number of result columns");
  EXPECT_EQ(listener_.failures[0].expected, "1 columns (I)");
  EXPECT_EQ(listener_.failures[0].got, "2 columns");
}

TEST_F(SltRunnerTest, QueryErrorsFailButErrorsAfterRowsKeepTheRows) {
  QueryResult partial;
  partial.column_count = 1;
  partial.values = Ints({1});
  partial.error = Status::OutOfRange("integer overflow");
  backend_.results["SELECT partial"] = partial;
  FileSummary s =
      Run("query I\nSELECT broken\n----\n\n"
          "query I\nSELECT partial\n----\n1\n\n"
          "query I\nSELECT partial\n----\n1\n2\n");
  EXPECT_EQ(s.passed, 1);
  EXPECT_EQ(s.failed, 2);
  EXPECT_EQ(listener_.failures[0].message, "query failed");
  EXPECT_EQ(listener_.failures[0].got, "error: no such query: SELECT broken");
  EXPECT_NE(listener_.failures[1].got.find("stopped with an error after 1 rows: integer overflow"),
            std::string::npos);
}

TEST_F(SltRunnerTest, HashThreshold) {
  std::vector<Value> ten = Ints({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  backend_.SetResult("SELECT ten", 1, ten);
  backend_.SetResult("SELECT three", 1, Ints({1, 2, 3}));
  const std::string ten_hash = Md5::HashHex("0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  const std::string three_hash = Md5::HashHex("1\n2\n3\n");
  FileSummary s = Run(
      // Default threshold 8: ten values are hashed.
      "query I rowsort\nSELECT ten\n----\n10 values hashing to " + ten_hash + "\n\n" +
      // Listing the values instead of the hash is accepted too.
      "query I rowsort\nSELECT ten\n----\n0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n\n" +
      // A hash line is compared even under the threshold.
      "query I rowsort\nSELECT three\n----\n3 values hashing to " + three_hash + "\n\n" +
      // Wrong count with the right hash fails.
      "query I rowsort\nSELECT ten\n----\n11 values hashing to " + ten_hash + "\n\n" +
      // Failures show a result over the threshold as its hash...
      "query I rowsort\nSELECT ten\n----\n1\n\n" +
      // ...and, with hashing off, as values.
      "hash-threshold 0\n\n"
      "query I rowsort\nSELECT ten\n----\n1\n\n"
      "hash-threshold 2\n\n"
      "query I rowsort\nSELECT three\n----\n1\n");
  EXPECT_EQ(s.passed, 3) << FailureMessages();
  EXPECT_EQ(s.failed, 4);
  ASSERT_EQ(listener_.failures.size(), 4u);
  EXPECT_EQ(listener_.failures[0].got, "10 values hashing to " + ten_hash);
  EXPECT_EQ(listener_.failures[1].got, "10 values hashing to " + ten_hash);
  EXPECT_EQ(listener_.failures[2].got, "0\n1\n2\n3\n4\n5\n6\n7\n8\n9");
  EXPECT_EQ(listener_.failures[3].got, "3 values hashing to " + three_hash);
}

TEST_F(SltRunnerTest, VerboseShowsHashedValuesToo) {
  backend_.SetResult("SELECT ten", 1, Ints({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  RunnerOptions options;
  options.verbose = true;
  Run("query I nosort\nSELECT ten\n----\n10 values hashing to 00000000000000000000000000000000\n",
      options);
  ASSERT_EQ(listener_.failures.size(), 1u);
  EXPECT_NE(listener_.failures[0].got.find("hashing to"), std::string::npos);
  EXPECT_NE(listener_.failures[0].got.find("\n0\n1\n2"), std::string::npos);
}

TEST_F(SltRunnerTest, LabelsMustAgree) {
  backend_.SetResult("q1", 1, Ints({1, 2}));
  backend_.SetResult("q2", 1, Ints({2, 1}));
  backend_.SetResult("q3", 1, Ints({5}));
  FileSummary s =
      Run("query I rowsort label-a\nq1\n----\n1\n2\n\n"
          "query I rowsort label-a\nq2\n----\n1\n2\n\n"  // same values: agrees
          "query I nosort label-b\nq3\n----\n5\n\n"
          "query I nosort label-a\nq3\n----\n5\n");  // right result, but not label-a's
  EXPECT_EQ(s.passed, 3);
  EXPECT_EQ(s.failed, 1);
  ASSERT_EQ(listener_.failures.size(), 1u);
  EXPECT_EQ(listener_.failures[0].line, 18);
  EXPECT_EQ(listener_.failures[0].message, "labeled result [label-a] does not agree with line 1");
}

TEST_F(SltRunnerTest, AWrongFirstLabeledResultDoesNotFailItsSiblings) {
  backend_.SetResult("wrong", 1, Ints({7}));
  backend_.SetResult("right", 1, Ints({1}));
  FileSummary s =
      Run("query I nosort label-x\nwrong\n----\n1\n\n"
          "query I nosort label-x\nright\n----\n1\n");
  EXPECT_EQ(s.passed, 1);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(listener_.failures[0].line, 1);
}

TEST_F(SltRunnerTest, SkippedLabeledQueriesFixTheLabel) {
  backend_.SetResult("q", 1, Ints({1}));
  FileSummary s =
      Run("onlyif mysql\nquery I nosort label-1\nmysql only\n----\n2\n\n"
          "query I nosort label-1\nq\n----\n1\n\n"  // right result, but label-1 says 2
          "onlyif mysql\nquery I nosort label-2\nmysql only\n----\n1 values hashing to " +
          Md5::HashHex("1\n") + "\n\n" + "query I nosort label-2\nq\n----\n1\n");
  EXPECT_EQ(s.passed, 1);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.skipped, 2);
  EXPECT_EQ(listener_.failures[0].line, 7);
  EXPECT_TRUE(backend_.queried == std::vector<std::string>({"q", "q"}));
}

TEST_F(SltRunnerTest, SkipifAndOnlyif) {
  FileSummary s =
      Run("onlyif sqlite\nstatement ok\nS1\n\n"
          "skipif sqlite\nstatement ok\nS2\n\n"
          "onlyif mysql\nstatement ok\nS3\n\n"
          "skipif mysql # not compatible\nstatement ok\nS4\n\n"
          "onlyif dosql\nstatement ok\nS5\n\n"
          "skipif DoSQL\nstatement ok\nS6\n\n"
          "onlyif SQLite\nstatement ok\nS7\n\n"
          "skipif postgresql\nonlyif mssql\nstatement ok\nS8\n\n"
          "skipif postgresql\nskipif mysql\nstatement ok\nS9\n\n"
          "onlyif mssql\nstatement ok\nS10\n\n"
          "onlyif mssql\nhalt\n\n"  // excluded control records are not counted
          "skipif sqlite\nhalt\n\n"
          "onlyif oracle\nfrobnicate\n\n"  // nor are excluded malformed ones
          "statement ok\nS11\n");
  EXPECT_EQ(backend_.executed, (std::vector<std::string>{"S1", "S4", "S5", "S7", "S9", "S11"}));
  EXPECT_EQ(s.passed, 6);
  EXPECT_EQ(s.skipped, 5);
  EXPECT_EQ(s.failed, 0) << FailureMessages();
  EXPECT_FALSE(s.halted);
}

TEST_F(SltRunnerTest, EngineNamesAreConfigurable) {
  RunnerOptions options;
  options.engine_names = {"mysql"};
  FileSummary s =
      Run("onlyif mysql\nstatement ok\nS1\n\nonlyif sqlite\nstatement ok\nS2\n", options);
  EXPECT_EQ(backend_.executed, (std::vector<std::string>{"S1"}));
  EXPECT_EQ(s.skipped, 1);
}

TEST_F(SltRunnerTest, HaltStopsTheScript) {
  FileSummary s = Run("statement ok\nS1\n\nhalt\n\nstatement ok\nS2\n");
  EXPECT_TRUE(s.halted);
  EXPECT_EQ(s.passed, 1);
  EXPECT_EQ(backend_.executed, (std::vector<std::string>{"S1"}));
}

TEST_F(SltRunnerTest, RestartCallsTheBackend) {
  FileSummary s = Run("statement ok\nS1\n\nrestart\n\nstatement ok\nS2\n");
  EXPECT_EQ(backend_.restarts, 1);
  EXPECT_EQ(s.passed, 2);
  EXPECT_EQ(s.failed, 0);
}

TEST_F(SltRunnerTest, RestartOnABackendThatCannotFailsAndStops) {
  backend_.can_restart = false;
  FileSummary s = Run("statement ok\nS1\n\nrestart\n\nstatement ok\nS2\n");
  EXPECT_EQ(s.passed, 1);
  EXPECT_EQ(s.failed, 1);
  ASSERT_EQ(listener_.failures.size(), 1u);
  EXPECT_EQ(listener_.failures[0].message, "restart failed");
  EXPECT_NE(listener_.failures[0].got.find("cannot restart"), std::string::npos);
  EXPECT_EQ(backend_.executed, (std::vector<std::string>{"S1"}));
}

TEST_F(SltRunnerTest, ModeSkip) {
  FileSummary s =
      Run("statement ok\nS1\n\nmode skip\n\nstatement ok\nS2\n\nquery I\nQ\n----\n1\n\n"
          "mode unskip\n\nstatement ok\nS3\n");
  EXPECT_EQ(backend_.executed, (std::vector<std::string>{"S1", "S3"}));
  EXPECT_EQ(s.passed, 2);
  EXPECT_EQ(s.skipped, 2);
}

TEST_F(SltRunnerTest, MalformedRecordFailsAndEndsTheScript) {
  FileSummary s = Run("statement ok\nS1\n\nloop i 0 10\n\nstatement ok\nS2\n");
  EXPECT_EQ(s.passed, 1);
  EXPECT_EQ(s.failed, 1);
  ASSERT_EQ(listener_.failures.size(), 1u);
  EXPECT_EQ(listener_.failures[0].line, 4);
  EXPECT_EQ(listener_.failures[0].message, "malformed record: unknown record type 'loop'");
}

TEST_F(SltRunnerTest, FailFastStopsAtTheFirstFailure) {
  RunnerOptions options;
  options.fail_fast = true;
  backend_.statement_errors["BAD"] = "boom";
  Runner runner(&backend_, options, &listener_);
  std::istringstream in("statement ok\nBAD\n\nstatement ok\nS2\n");
  FileSummary s = runner.RunScript(in, "x");
  EXPECT_TRUE(runner.stopped());
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(backend_.executed, (std::vector<std::string>{"BAD"}));
}

TEST_F(SltRunnerTest, EveryScriptStartsFromAFreshDatabaseAndHashThreshold) {
  backend_.SetResult("SELECT ten", 1, Ints({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  Runner runner(&backend_, {}, &listener_);
  std::istringstream a("hash-threshold 0\n\nstatement ok\nS1\n");
  runner.RunScript(a, "a");
  std::istringstream b("query I\nSELECT ten\n----\n1\n");
  runner.RunScript(b, "b");
  EXPECT_EQ(backend_.resets, 2);
  ASSERT_EQ(listener_.failures.size(), 1u);
  EXPECT_EQ(listener_.failures[0].file, "b");
  EXPECT_NE(listener_.failures[0].got.find("hashing to"), std::string::npos);  // threshold 8 again
}

TEST_F(SltRunnerTest, ListenerSeesEveryStatementAndQuery) {
  backend_.SetResult("Q", 1, Ints({1}));
  Run("statement ok\nS\n\nonlyif mysql\nstatement ok\nS\n\nquery I\nQ\n----\n2\n");
  ASSERT_EQ(listener_.outcomes.size(), 3u);
  EXPECT_EQ(listener_.outcomes[0], std::make_pair(1, Outcome::kPassed));
  EXPECT_EQ(listener_.outcomes[1], std::make_pair(5, Outcome::kSkipped));
  EXPECT_EQ(listener_.outcomes[2], std::make_pair(8, Outcome::kFailed));
}

TEST_F(SltRunnerTest, MissingFileIsAFailure) {
  Runner runner(&backend_, {}, &listener_);
  FileSummary s = runner.RunFile("/nonexistent/dir/x.test");
  EXPECT_EQ(s.failed, 1);
  ASSERT_EQ(listener_.failures.size(), 1u);
  EXPECT_EQ(listener_.failures[0].message, "cannot open script");
}

TEST_F(SltRunnerTest, LargeScriptsStreamInLinearTime) {
  // 200,000 records; a quadratic reader or runner would take minutes.
  std::string script;
  script.reserve(200000 * 40);
  for (int i = 0; i < 100000; ++i) {
    script += "statement ok\nINSERT INTO t VALUES(" + std::to_string(i) + ")\n\n";
    script += "query I rowsort label-" + std::to_string(i % 7) + "\nQ\n----\n1\n\n";
  }
  backend_.SetResult("Q", 1, Ints({1}));
  auto start = std::chrono::steady_clock::now();
  FileSummary s = Run(script);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(s.passed, 200000);
  EXPECT_LT(seconds, 20.0);
}

// ---------------------------------------------------------------------------------------------
// Registry

TEST(SltRegistryTest, RegistersAndCreatesByCaseInsensitiveName) {
  BackendRegistry registry;
  EXPECT_TRUE(registry.Names().empty());
  auto factory = [](const BackendOptions&) -> Result<std::unique_ptr<SltBackend>> {
    return std::unique_ptr<SltBackend>(new FakeBackend());
  };
  ASSERT_TRUE(registry.Register("fake", factory).ok());
  EXPECT_EQ(registry.Register("FAKE", factory).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(registry.Contains("Fake"));
  auto backend = registry.Create("FaKe", {"/tmp"});
  ASSERT_TRUE(backend.ok());
  EXPECT_EQ((*backend)->name(), "fake");
  auto missing = registry.Create("dosql", {"/tmp"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "unknown engine 'dosql' (available: fake)");
}

}  // namespace
}  // namespace dosql::slt
