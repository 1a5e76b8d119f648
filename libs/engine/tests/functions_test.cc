#include "dosql/engine/functions.h"

#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace dosql::engine {
namespace {

Value F(const char* name, std::vector<Value> args) {
  Result<Value> r = CallScalarFunction(name, args);
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  return r.ok() ? *r : Value::Null();
}

TEST(FunctionsTest, Errors) {
  Result<Value> r = CallScalarFunction("substr", std::vector<Value>{Value::Text("a")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "wrong number of arguments to function substr()");
  r = CallScalarFunction("abs",
                         std::vector<Value>{Value::Integer(std::numeric_limits<int64_t>::min())});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "integer overflow");
  EXPECT_EQ(CallScalarFunction("nosuch", {}).status().message(), "no such function: nosuch");
  EXPECT_NE(FindScalarFunction("UPPER"), nullptr);
}

TEST(FunctionsTest, Core) {
  EXPECT_EQ(F("abs", {Value::Text("-5")}).real(), 5.0);
  EXPECT_EQ(F("length", {Value::Text("\xc3\xa9t\xc3\xa9")}).integer(), 3);
  EXPECT_EQ(F("length", {Value::Blob("\xc3\xa9")}).integer(), 2);
  EXPECT_EQ(F("substr", {Value::Text("hello"), Value::Integer(-3), Value::Integer(2)}).bytes(),
            "ll");
  EXPECT_EQ(F("substr", {Value::Text("hello"), Value::Integer(0), Value::Integer(2)}).bytes(),
            "h");
  EXPECT_EQ(F("substr", {Value::Text("h\xc3\xa9llo"), Value::Integer(2), Value::Integer(1)})
                .bytes(),
            "\xc3\xa9");
  EXPECT_EQ(F("instr", {Value::Text("h\xc3\xa9llo"), Value::Text("l")}).integer(), 3);
  EXPECT_EQ(F("trim", {Value::Text("xxhixx"), Value::Text("x")}).bytes(), "hi");
  EXPECT_EQ(F("replace", {Value::Text("aaa"), Value::Text("a"), Value::Text("bb")}).bytes(),
            "bbbbbb");
  EXPECT_EQ(F("hex", {Value::Null()}).bytes(), "");
  EXPECT_EQ(F("quote", {Value::Text("it's")}).bytes(), "'it''s'");
  EXPECT_EQ(F("quote", {Value::Blob("\x00\xff")}).bytes(), "X''");
  EXPECT_EQ(F("quote", {Value::Real(0.1)}).bytes(), "0.1");
  EXPECT_EQ(F("char", {Value::Integer(233), Value::Integer(0x10ffff + 1)}).bytes(),
            "\xc3\xa9\xef\xbf\xbd");
  EXPECT_EQ(F("unicode", {Value::Text("\xc3\xa9")}).integer(), 233);
  EXPECT_EQ(F("round", {Value::Real(2.5)}).real(), 3.0);
  EXPECT_EQ(F("round", {Value::Real(-0.5)}).real(), -1.0);
  EXPECT_EQ(F("round", {Value::Real(1.005), Value::Integer(2)}).real(), 1.01);
  EXPECT_EQ(F("sign", {Value::Text("-3")}).integer(), -1);
  EXPECT_TRUE(F("sign", {Value::Text("x")}).is_null());
  EXPECT_EQ(F("min", {Value::Integer(1), Value::Real(1.0)}).type(), ValueType::kReal);
  EXPECT_EQ(F("max", {Value::Integer(1), Value::Real(1.0)}).type(), ValueType::kInteger);
  EXPECT_TRUE(F("max", {Value::Integer(1), Value::Null()}).is_null());
  EXPECT_EQ(F("soundex", {Value::Text("Robert")}).bytes(), "R163");
  EXPECT_EQ(F("soundex", {Value::Text("")}).bytes(), "?000");
  EXPECT_EQ(F("printf", {Value::Text("%5.2f|%-3d|%s"), Value::Real(3.14159), Value::Integer(7),
                         Value::Null()})
                .bytes(),
            " 3.14|7  |");
  EXPECT_TRUE(F("printf", {Value::Text("")}).is_null());
  EXPECT_EQ(F("typeof", {Value::Real(1)}).bytes(), "real");
  EXPECT_EQ(F("iif", {Value::Text("1x"), Value::Integer(1), Value::Integer(2)}).integer(), 1);
  EXPECT_TRUE(F("nullif", {Value::Integer(1), Value::Real(1.0)}).is_null());
  EXPECT_EQ(F("coalesce", {Value::Null(), Value::Null(), Value::Integer(3)}).integer(), 3);
  EXPECT_EQ(F("zeroblob", {Value::Integer(3)}).bytes(), std::string(3, '\0'));
  EXPECT_EQ(F("randomblob", {Value::Integer(0)}).bytes().size(), 1u);
  EXPECT_EQ(F("upper", {Value::Text("\xc3\xa9" "a")}).bytes(), "\xc3\xa9" "A");
}

TEST(FunctionsTest, PostSqlite340Functions) {
  EXPECT_EQ(F("octet_length", {Value::Text("\xc3\xa9")}).integer(), 2);
  EXPECT_EQ(F("octet_length", {Value::Real(1.5)}).integer(), 3);
  EXPECT_EQ(F("concat", {Value::Text("a"), Value::Null(), Value::Integer(1)}).bytes(), "a1");
  EXPECT_EQ(F("concat_ws", {Value::Text(","), Value::Integer(1), Value::Null(), Value::Real(2)})
                .bytes(),
            "1,2.0");
  EXPECT_TRUE(F("concat_ws", {Value::Null(), Value::Integer(1)}).is_null());
  EXPECT_EQ(F("unhex", {Value::Text("41-42"), Value::Text("-")}).bytes(), "AB");
  EXPECT_TRUE(F("unhex", {Value::Text("4")}).is_null());
  EXPECT_TRUE(F("unhex", {Value::Text("zz")}).is_null());
}

TEST(FunctionsTest, MathKeepsIntegersAndNullsDomainErrors) {
  EXPECT_EQ(F("ceil", {Value::Integer(7)}).type(), ValueType::kInteger);
  EXPECT_EQ(F("floor", {Value::Text("-1.5")}).real(), -2.0);
  EXPECT_TRUE(F("sqrt", {Value::Integer(-1)}).is_null());
  EXPECT_TRUE(F("ln", {Value::Integer(0)}).is_null());
  EXPECT_TRUE(F("acos", {Value::Blob("1")}).is_null());
  EXPECT_EQ(F("log", {Value::Integer(2), Value::Integer(8)}).real(), 3.0);
  EXPECT_TRUE(F("log", {Value::Integer(1), Value::Integer(8)}).is_null());
  EXPECT_EQ(F("mod", {Value::Integer(7), Value::Integer(3)}).real(), 1.0);
}

// 'now' is the statement's time when the caller provides one: every call sees the same value.
TEST(FunctionsTest, NowIsTheStatementTime) {
  int64_t now = 0;
  FunctionContext ctx;
  ctx.statement_time = &now;
  Result<Value> first =
      CallScalarFunction("julianday", std::vector<Value>{Value::Text("now")}, ctx);
  ASSERT_TRUE(first.ok());
  EXPECT_NE(now, 0);
  EXPECT_EQ(first->real(), static_cast<double>(now) / 86400000.0);
  now = 212247894199000;  // 2013-10-07 08:23:19 (Julian day x 86'400'000)
  Result<Value> r = CallScalarFunction("datetime", std::vector<Value>{}, ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes(), "2013-10-07 08:23:19");
  r = CallScalarFunction("strftime", std::vector<Value>{Value::Text("%s"), Value::Text("now")},
                         ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes(), "1381134199");
  r = CallScalarFunction("date", std::vector<Value>{Value::Text("now"), Value::Text("+1 day")},
                         ctx);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->bytes(), "2013-10-08");
  EXPECT_FALSE(FindScalarFunction("date")->deterministic);  // never folded at prepare time
}

}  // namespace
}  // namespace dosql::engine
