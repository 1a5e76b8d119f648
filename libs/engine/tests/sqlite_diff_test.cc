// Differential tests: dosql::engine's value semantics against the real SQLite (test-only
// dependency). Every case runs `SELECT <expr>` through sqlite3 with bound parameters over a
// corpus of values of every storage class and compares type, value (bit-exact for REAL) and
// errors with what the engine computes.
#include <sqlite3.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dosql/engine/affinity.h"
#include "dosql/engine/arith.h"
#include "dosql/engine/compare.h"
#include "dosql/engine/format.h"
#include "dosql/engine/functions.h"
#include "dosql/engine/like.h"

namespace dosql::engine {
namespace {

using Fn = std::function<Result<Value>(const std::vector<Value>&)>;

std::vector<Value> Corpus() {
  std::vector<Value> v;
  v.push_back(Value::Null());
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  for (int64_t i : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{2}, int64_t{3}, int64_t{-3},
                    int64_t{7}, int64_t{10}, int64_t{63}, int64_t{64}, int64_t{65}, int64_t{-64},
                    int64_t{-65}, int64_t{100}, int64_t{255}, int64_t{1000000},
                    int64_t{2147483647}, int64_t{-2147483648}, int64_t{4294967296},
                    int64_t{9007199254740993}, int64_t{4503599627370496}, kMax, kMin, kMax - 1,
                    kMin + 1, int64_t{3037000500}, int64_t{-3037000500}, int64_t{0x10ffff},
                    int64_t{0x110000}, int64_t{233}}) {
    v.push_back(Value::Integer(i));
  }
  for (double d : {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.1, 0.2, 0.3, 1e20, 1e-5,
                   1e308, -1e308, 1.7976931348623157e308, 5e-324, 2.5e-300, 123456789012345678.0,
                   9.223372036854775807e18, -9.223372036854775808e18, 3.14159265358979, 1e15,
                   1e16, 100.0, 2.675, 1.005, 4503599627370496.5, 0.30000000000000004, 1e100,
                   -7.25, 64.0, 1e-300, 12345.678, 0.125, 99.99, 1.0 / 3.0,
                   std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    v.push_back(Value::Real(d));
  }
  for (const char* s :
       {"", " ", "abc", "ABC", "aBc", "abc ", "abc  ", "12", " 12 ", "12abc", "1e5", "1E5", "1e",
        "1e+", ".5", "5.", ".", "-", "+", "-12", "+12", "0x10", "0X1F", "1.0", "1.5", "1.5x",
        " 1.5 ", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "99999999999999999999", "1e400", "-1e400", "inf", "NaN", "00012",
        "1_000", "\xd9\xa1\xd9\xa2", "\xc3\xa9", "\xc3\x89t\xc3\xa9", "a%b", "a_b", "%", "_",
        "[a-c]", "*", "?", "a*c", "a?c", "[^a]*", "\t7\n", "1e-400", "0.1", "2.675", "x'y",
        "\xe6\x97\xa5\xe6\x9c\xac", "1 2", "12.", "-0", "-0.0", "0e0", "1.7976931348623157e309",
        "123456789012345678901234567890", "4.9e-324", "0.30000000000000004", "%d", "%5.2f|%s",
        "%!.3s", "hello world", "  lead", "trail  ", "xyzzy", "\xff\xfe", "\x80", "Robert",
        "Tymczak", "e\xcc\x81", "AbC%", "a\\%", "4503599627370496.5", "1e308", "-5"}) {
    v.push_back(Value::Text(s));
  }
  v.push_back(Value::Text(std::string("a\0b", 3)));
  for (std::string b : {std::string(""), std::string("\0", 1), std::string("1"),
                        std::string("12"), std::string("-5"), std::string("A"),
                        std::string("\xff"), std::string("\xc3\xa9"), std::string("abc"),
                        std::string("1.5"), std::string("\0\x01\x02", 3)}) {
    v.push_back(Value::Blob(b));
  }
  return v;
}

void Bind(sqlite3_stmt* st, int i, const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: sqlite3_bind_null(st, i); break;
    case ValueType::kInteger: sqlite3_bind_int64(st, i, v.integer()); break;
    case ValueType::kReal: sqlite3_bind_double(st, i, v.real()); break;
    case ValueType::kText:
      sqlite3_bind_text(st, i, v.view().data(), static_cast<int>(v.view().size()),
                        SQLITE_TRANSIENT);
      break;
    case ValueType::kBlob:
      sqlite3_bind_blob(st, i, v.view().data(), static_cast<int>(v.view().size()),
                        SQLITE_TRANSIENT);
      break;
  }
}

Value Column(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return Value::Integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return Value::Real(sqlite3_column_double(st, i));
    case SQLITE_TEXT: {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
      return Value::Text(std::string(p, static_cast<size_t>(sqlite3_column_bytes(st, i))));
    }
    case SQLITE_BLOB: {
      auto* p = static_cast<const char*>(sqlite3_column_blob(st, i));
      int n = sqlite3_column_bytes(st, i);
      return Value::Blob(n ? std::string(p, static_cast<size_t>(n)) : std::string());
    }
    default: return Value::Null();
  }
}

bool SameValue(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case ValueType::kNull: return true;
    case ValueType::kInteger: return a.integer() == b.integer();
    case ValueType::kReal: {
      double x = a.real(), y = b.real();
      return std::memcmp(&x, &y, sizeof(x)) == 0 || (std::isnan(x) && std::isnan(y));
    }
    default: return a.bytes() == b.bytes();
  }
}

std::string Show(const Value& v) {
  if (v.type() == ValueType::kReal) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g", v.real());
    return std::string("real ") + buf;
  }
  return std::string(ValueTypeName(v.type())) + " " + v.DebugString();
}

class Oracle {
 public:
  Oracle() {
    sqlite3_open(":memory:", &db_);
    Exec("CREATE TABLE aff(i INTEGER, r REAL, n NUMERIC, t TEXT, b BLOB)");
  }
  ~Oracle() { sqlite3_close(db_); }
  void Exec(const char* sql) { sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

  // Runs `sql` for every combination in `inputs` (one vector of candidates per parameter) and
  // returns the number of mismatches; prints the first few.
  int Run(const std::string& sql, const std::vector<std::vector<Value>>& inputs, const Fn& ours,
          int64_t* count, int column = 0) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "prepare failed: " << sql << ": " << sqlite3_errmsg(db_);
      return 1;
    }
    int mismatches = 0;
    std::vector<size_t> idx(inputs.size(), 0);
    std::vector<Value> args(inputs.size());
    while (true) {
      for (size_t k = 0; k < inputs.size(); k++) args[k] = inputs[k][idx[k]];
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
      for (size_t k = 0; k < args.size(); k++) Bind(st, static_cast<int>(k + 1), args[k]);
      int rc = sqlite3_step(st);
      Result<Value> mine = ours(args);
      ++*count;
      std::string why;
      if (rc == SQLITE_ROW) {
        Value theirs = Column(st, column);
        if (!mine.ok()) {
          why = "sqlite " + Show(theirs) + ", dosql error " + mine.status().ToString();
        } else if (!SameValue(theirs, *mine)) {
          why = "sqlite " + Show(theirs) + ", dosql " + Show(*mine);
        }
      } else {
        std::string msg = sqlite3_errmsg(db_);
        if (mine.ok()) {
          why = "sqlite error '" + msg + "', dosql " + Show(*mine);
        } else if (mine.status().message() != msg) {
          why = "sqlite error '" + msg + "', dosql error '" + mine.status().message() + "'";
        }
      }
      if (!why.empty()) {
        if (++mismatches <= 8) {
          std::string a;
          for (const Value& v : args) a += Show(v) + "; ";
          ADD_FAILURE() << sql << " with " << a << ": " << why;
        }
      }
      size_t k = 0;
      for (; k < idx.size(); k++) {
        if (++idx[k] < inputs[k].size()) break;
        idx[k] = 0;
      }
      if (k == idx.size()) break;
    }
    sqlite3_finalize(st);
    return mismatches;
  }

  sqlite3* db() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class SqliteDiff : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    std::printf("[differential] %lld comparisons, %lld mismatches\n",
                static_cast<long long>(total_), static_cast<long long>(mismatches_));
  }
  void Check(const std::string& sql, const std::vector<std::vector<Value>>& inputs,
             const Fn& ours, int column = 0) {
    int64_t n = 0;
    int m = oracle_.Run(sql, inputs, ours, &n, column);
    total_ += n;
    mismatches_ += m;
    EXPECT_EQ(m, 0) << sql << " (" << n << " inputs)";
  }
  Oracle oracle_;
  std::vector<Value> all_ = Corpus();
  static inline int64_t total_ = 0;
  static inline int64_t mismatches_ = 0;
};

Fn Unary(Value (*f)(const Value&)) {
  return [f](const std::vector<Value>& a) -> Result<Value> { return f(a[0]); };
}
Fn Binary(Value (*f)(const Value&, const Value&)) {
  return [f](const std::vector<Value>& a) -> Result<Value> { return f(a[0], a[1]); };
}
Fn Call(const char* name) {
  return [name](const std::vector<Value>& a) { return CallScalarFunction(name, a); };
}

TEST_F(SqliteDiff, Arithmetic) {
  Check("SELECT ?1 + ?2", {all_, all_}, Binary(&Add));
  Check("SELECT ?1 - ?2", {all_, all_}, Binary(&Subtract));
  Check("SELECT ?1 * ?2", {all_, all_}, Binary(&Multiply));
  Check("SELECT ?1 / ?2", {all_, all_}, Binary(&Divide));
  Check("SELECT ?1 % ?2", {all_, all_}, Binary(&Remainder));
  Check("SELECT -?1", {all_}, Unary(&Negate));
  Check("SELECT +?1", {all_}, Unary(&UnaryPlus));
}

TEST_F(SqliteDiff, Bitwise) {
  auto bit = [](BitOp op) {
    return [op](const std::vector<Value>& a) -> Result<Value> { return Bitwise(op, a[0], a[1]); };
  };
  Check("SELECT ?1 & ?2", {all_, all_}, bit(BitOp::kAnd));
  Check("SELECT ?1 | ?2", {all_, all_}, bit(BitOp::kOr));
  Check("SELECT ?1 << ?2", {all_, all_}, bit(BitOp::kShiftLeft));
  Check("SELECT ?1 >> ?2", {all_, all_}, bit(BitOp::kShiftRight));
  Check("SELECT ~?1", {all_}, Unary(&BitNot));
}

TEST_F(SqliteDiff, ConcatAndLogic) {
  Check("SELECT ?1 || ?2", {all_, all_}, Binary(&Concat));
  Check("SELECT NOT ?1", {all_}, Unary(&LogicalNot));
  Check("SELECT ?1 AND ?2", {all_, all_}, Binary(&LogicalAnd));
  Check("SELECT ?1 OR ?2", {all_, all_}, Binary(&LogicalOr));
  Check("SELECT ?1 IS TRUE", {all_}, Unary(&IsTrue));
  Check("SELECT ?1 IS FALSE", {all_}, Unary(&IsFalse));
  Check("SELECT CASE WHEN ?1 THEN 1 ELSE 0 END", {all_},
        [](const std::vector<Value>& a) -> Result<Value> {
          return Value::Integer(Truth(a[0]) == TriBool::kTrue ? 1 : 0);
        });
}

TEST_F(SqliteDiff, Cast) {
  const std::pair<const char*, Affinity> kTypes[] = {
      {"INTEGER", Affinity::kInteger}, {"REAL", Affinity::kReal}, {"NUMERIC", Affinity::kNumeric},
      {"TEXT", Affinity::kText},       {"BLOB", Affinity::kBlob}, {"DECIMAL(10,2)",
                                                                   Affinity::kNumeric}};
  for (auto [name, aff] : kTypes) {
    Affinity a = aff;
    Check(std::string("SELECT CAST(?1 AS ") + name + ")", {all_},
          [a](const std::vector<Value>& v) -> Result<Value> { return CastValue(v[0], a); });
  }
}

TEST_F(SqliteDiff, ColumnAffinity) {
  const Affinity kAff[] = {Affinity::kInteger, Affinity::kReal, Affinity::kNumeric,
                           Affinity::kText, Affinity::kBlob};
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(oracle_.db(), "INSERT INTO aff VALUES(?1,?1,?1,?1,?1)", -1, &ins, nullptr);
  const CompareOp kOps[] = {CompareOp::kEq, CompareOp::kLt, CompareOp::kGt};
  const char* kOpSql[] = {"=", "<", ">"};
  for (const Value& v : all_) {
    oracle_.Exec("DELETE FROM aff");
    sqlite3_reset(ins);
    Bind(ins, 1, v);
    ASSERT_EQ(sqlite3_step(ins), SQLITE_DONE);
    const char* cols[] = {"i", "r", "n", "t", "b"};
    for (int c = 0; c < 5; c++) {
      Affinity aff = kAff[c];
      Value stored = v;
      ApplyAffinity(&stored, aff);
      Check(std::string("SELECT ") + cols[c] + " FROM aff", {{Value::Null()}},
            [stored](const std::vector<Value>&) -> Result<Value> { return stored; });
      for (int o = 0; o < 3; o++) {
        CompareOp op = kOps[o];
        Check(std::string("SELECT ") + cols[c] + " " + kOpSql[o] + " ?1 FROM aff", {all_},
              [stored, aff, op](const std::vector<Value>& a) -> Result<Value> {
                return TriToValue(
                    CompareExpr(stored, a[0], op, ComparisonAffinity(aff, Affinity::kNone)));
              });
      }
    }
  }
  sqlite3_finalize(ins);
}

TEST_F(SqliteDiff, Comparison) {
  const CompareOp kOps[] = {CompareOp::kEq, CompareOp::kNe, CompareOp::kLt, CompareOp::kLe,
                            CompareOp::kGt, CompareOp::kGe, CompareOp::kIs, CompareOp::kIsNot};
  const char* kSql[] = {"=", "<>", "<", "<=", ">", ">=", "IS", "IS NOT"};
  const std::pair<const char*, Collation> kColl[] = {{"BINARY", Collation::kBinary},
                                                     {"NOCASE", Collation::kNoCase},
                                                     {"RTRIM", Collation::kRTrim}};
  for (int o = 0; o < 8; o++) {
    for (auto [cname, coll] : kColl) {
      CompareOp op = kOps[o];
      Collation cl = coll;
      Check(std::string("SELECT ?1 ") + kSql[o] + " ?2 COLLATE " + cname, {all_, all_},
            [op, cl](const std::vector<Value>& a) -> Result<Value> {
              return TriToValue(CompareExpr(a[0], a[1], op, Affinity::kNone, cl));
            });
    }
  }
  // Affinity from CAST on one side (datatype3.html §4.2).
  const std::pair<const char*, Affinity> kCast[] = {
      {"TEXT", Affinity::kText}, {"INTEGER", Affinity::kInteger}, {"REAL", Affinity::kReal},
      {"NUMERIC", Affinity::kNumeric}, {"BLOB", Affinity::kBlob}};
  for (auto [tname, taff] : kCast) {
    Affinity aff = taff;
    Check(std::string("SELECT CAST(?1 AS ") + tname + ") < ?2", {all_, all_},
          [aff](const std::vector<Value>& a) -> Result<Value> {
            return TriToValue(CompareExpr(CastValue(a[0], aff), a[1], CompareOp::kLt,
                                          ComparisonAffinity(aff, Affinity::kNone)));
          });
  }
  // Sort order: ORDER BY on a two-row VALUES list equals CompareValues.
  Check("SELECT (SELECT count(*) FROM (SELECT ?1 AS x UNION ALL SELECT ?2) "
        "ORDER BY 1) + (SELECT x FROM (SELECT 1 AS k, ?1 AS x UNION ALL SELECT 2, ?2) "
        "ORDER BY x, k LIMIT 1) IS ?1",
        {all_, all_}, [](const std::vector<Value>& a) -> Result<Value> {
          // The first of the two in ORDER BY x, k order is ?1 iff ?1 <= ?2.
          bool first = CompareValues(a[0], a[1]) <= 0;
          Value least = first ? a[0] : a[1];
          Value sum = Add(Value::Integer(2), least);
          return TriToValue(CompareExpr(sum, a[0], CompareOp::kIs));
        });
}

TEST_F(SqliteDiff, RenderingAndParsing) {
  Check("SELECT CAST(?1 AS TEXT)", {all_},
        [](const std::vector<Value>& a) {
          return Result<Value>(CastValue(a[0], Affinity::kText));
        });
  Check("SELECT ?1 || ''", {all_}, [](const std::vector<Value>& a) {
    return Result<Value>(Concat(a[0], Value::Text("")));
  });
  // Random doubles across the whole range: rendering and re-parsing.
  std::vector<Value> reals;
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double d;
    if (i % 3 == 0) {
      std::memcpy(&d, &x, sizeof(d));
      if (!std::isfinite(d)) continue;
    } else if (i % 3 == 1) {
      d = static_cast<double>(static_cast<int64_t>(x % 2000001) - 1000000) / 1000.0;
    } else {
      d = static_cast<double>(x % 1000000007) * std::pow(10.0, static_cast<int>(x % 41) - 20);
    }
    reals.push_back(Value::Real(d));
  }
  Check("SELECT CAST(?1 AS TEXT)", {reals},
        [](const std::vector<Value>& a) {
          return Result<Value>(CastValue(a[0], Affinity::kText));
        });
  std::vector<Value> texts;
  for (const Value& r : reals) texts.push_back(Value::Text(RealToText(r.real())));
  for (const Value& r : reals) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g", r.real());
    texts.push_back(Value::Text(buf));
    std::snprintf(buf, sizeof(buf), "%.25e", r.real());
    texts.push_back(Value::Text(buf));
  }
  // Known divergence (docs/compatibility.md): two 15-digit texts with exponents > 250 where
  // SQLite 3.40's sqlite3AtoF lands one ulp away from dosql's result.
  std::erase_if(texts, [](const Value& t) {
    return t.view() == "7.99146545966143e+267" || t.view() == "3.74352610700288e+280";
  });
  Check("SELECT CAST(?1 AS REAL)", {texts},
        [](const std::vector<Value>& a) {
          return Result<Value>(CastValue(a[0], Affinity::kReal));
        });
  Check("SELECT CAST(?1 AS NUMERIC)", {texts}, [](const std::vector<Value>& a) {
    return Result<Value>(CastValue(a[0], Affinity::kNumeric));
  });
}

TEST_F(SqliteDiff, KnownParseDivergenceIsOneUlp) {
  for (const char* t : {"7.99146545966143e+267", "3.74352610700288e+280"}) {
    double ours;
    ASSERT_EQ(ParseReal(t, &ours), RealParse::kRealPointExp);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(oracle_.db(), "SELECT CAST(?1 AS REAL)", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, t, -1, SQLITE_TRANSIENT);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    double theirs = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    EXPECT_EQ(std::nextafter(ours, 0.0), theirs) << t;
  }
}

TEST_F(SqliteDiff, LikeGlob) {
  std::vector<Value> pats = all_;
  for (const char* p : {"a%", "%c", "%b%", "_b_", "A_C", "%\xc3\xa9%", "%\xc3\x89%", "[abc]*",
                        "*[0-9]*", "[]]*", "[^]]*", "[a-]*", "[-a]", "*\\%*", "ab\\_c", "%%%",
                        "_%_", "%_", "a\\%b", "\\%%", "[z-a]*", "*[", "[", "?*", "*?", "***"}) {
    pats.push_back(Value::Text(p));
  }
  Check("SELECT ?1 LIKE ?2", {all_, pats},
        [](const std::vector<Value>& a) { return SqlLike(a[0], a[1]); });
  Check("SELECT ?1 GLOB ?2", {all_, pats},
        [](const std::vector<Value>& a) { return SqlGlob(a[0], a[1]); });
  std::vector<Value> escapes = {Value::Null(), Value::Text("\\"), Value::Text("%"),
                                Value::Text("_"), Value::Text("ab"), Value::Text(""),
                                Value::Text("\xc3\xa9"), Value::Text("x"), Value::Integer(1)};
  Check("SELECT ?1 LIKE ?2 ESCAPE ?3", {all_, pats, escapes},
        [](const std::vector<Value>& a) { return SqlLike(a[0], a[1], &a[2]); });
}

TEST_F(SqliteDiff, Functions) {
  for (const char* f : {"abs", "length", "lower", "upper", "hex", "quote", "typeof", "unicode",
                        "round", "sign", "soundex", "trim", "ltrim", "rtrim", "char", "likely",
                        "unlikely"}) {
    Check(std::string("SELECT ") + f + "(?1)", {all_}, Call(f));
  }
  std::vector<Value> small;
  for (int i = -5; i <= 5; i++) small.push_back(Value::Integer(i));
  for (int64_t i : {int64_t{31}, int64_t{100}, int64_t{-100}, int64_t{2147483648},
                    int64_t{4294967297}, std::numeric_limits<int64_t>::min()}) {
    small.push_back(Value::Integer(i));
  }
  for (const Value& v : {Value::Null(), Value::Real(1.5), Value::Real(-2.7), Value::Text("2"),
                         Value::Text("x"), Value::Blob("3")}) {
    small.push_back(v);
  }
  Check("SELECT round(?1, ?2)", {all_, small}, Call("round"));
  Check("SELECT substr(?1, ?2)", {all_, small}, Call("substr"));
  Check("SELECT substr(?1, ?2, ?3)", {all_, small, small}, Call("substr"));
  Check("SELECT instr(?1, ?2)", {all_, all_}, Call("instr"));
  Check("SELECT trim(?1, ?2)", {all_, all_}, Call("trim"));
  Check("SELECT ltrim(?1, ?2)", {all_, all_}, Call("ltrim"));
  Check("SELECT rtrim(?1, ?2)", {all_, all_}, Call("rtrim"));
  Check("SELECT nullif(?1, ?2)", {all_, all_}, Call("nullif"));
  Check("SELECT min(?1, ?2)", {all_, all_}, Call("min"));
  Check("SELECT max(?1, ?2)", {all_, all_}, Call("max"));
  Check("SELECT coalesce(?1, ?2)", {all_, all_}, Call("coalesce"));
  Check("SELECT ifnull(?1, ?2)", {all_, all_}, Call("ifnull"));
  Check("SELECT iif(?1, ?2, 'no')", {all_, small},
        [](const std::vector<Value>& a) {
          std::vector<Value> b = {a[0], a[1], Value::Text("no")};
          return CallScalarFunction("iif", b);
        });
  Check("SELECT char(?1, ?2)", {all_, small}, Call("char"));
  Check("SELECT zeroblob(?1)", {small}, Call("zeroblob"));
  Check("SELECT length(randomblob(?1))", {small}, [](const std::vector<Value>& a) {
    Result<Value> r = CallScalarFunction("randomblob", a);
    if (!r.ok()) return r;
    return CallScalarFunction("length", std::vector<Value>{*r});
  });
  std::vector<Value> reps = {Value::Null(), Value::Text(""), Value::Text("a"), Value::Text("b"),
                             Value::Text("ab"), Value::Text("\xc3\xa9"), Value::Integer(1),
                             Value::Real(1.5), Value::Blob("2"), Value::Text("  ")};
  Check("SELECT replace(?1, ?2, ?3)", {all_, reps, reps}, Call("replace"));
  Check("SELECT likelihood(?1, 0.5)", {all_}, [](const std::vector<Value>& a) {
    return CallScalarFunction("likelihood", std::vector<Value>{a[0], Value::Real(0.5)});
  });
}

TEST_F(SqliteDiff, Printf) {
  std::vector<Value> formats;
  for (const char* f :
       {"%d", "%5d", "%-5d|", "%05d", "%+d", "% d", "%,d", "%x", "%X", "%#x", "%o", "%#o", "%u",
        "%c", "%5c", "%-3c|", "%.3c", "%s", "%.3s", "%10s", "%-10s|", "%!.3s", "%!5s|", "%q", "%Q",
        "%w", "%.2q", "%f", "%.2f", "%10.3f", "%-10.1f|", "%010.2f", "%+.1f", "%#.0f", "%e",
        "%.3e", "%E", "%g", "%.10g", "%G", "%!.15g", "%!.20e", "%#g", "%!g", "%p", "%r", "%%",
        "%.0f", "%.0e", "%.0g", "%i", "%n|", "%lld", "%ld", "%z", "%T", "a%yb", "%", "%5",
        "%.30f", "%,.3d", "%08.3e", "%-+8d|", "%.100f", "x%sy%dz", "%s%s", "%*d", "%.*f",
        "%-*d|", "%!.*s", "%.16g", "%.17g", "%.20g", "%.18e", "%3$d", "%!.0f", "%!f"}) {
    formats.push_back(Value::Text(f));
  }
  Check("SELECT printf(?1, ?2, ?2)", {formats, all_}, [](const std::vector<Value>& a) {
    std::vector<Value> b = {a[0], a[1], a[1]};
    return CallScalarFunction("printf", b);
  });
  Check("SELECT format(?1, ?2, 7)", {formats, all_}, [](const std::vector<Value>& a) {
    std::vector<Value> b = {a[0], a[1], Value::Integer(7)};
    return CallScalarFunction("format", b);
  });
  Check("SELECT printf(?1)", {all_}, Call("printf"));
}

}  // namespace
}  // namespace dosql::engine
