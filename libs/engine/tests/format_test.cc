#include "dosql/engine/format.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace dosql::engine {
namespace {

TEST(FormatTest, RealRendering) {
  EXPECT_EQ(RealToText(0.1 + 0.2), "0.3");
  EXPECT_EQ(RealToText(1e20), "1.0e+20");
  EXPECT_EQ(RealToText(1.0), "1.0");
  EXPECT_EQ(RealToText(1e-5), "1.0e-05");
  EXPECT_EQ(RealToText(123456789012345678.0), "1.23456789012346e+17");
  EXPECT_EQ(RealToText(-0.0), "0.0");
  EXPECT_EQ(RealToText(2.5e-300), "2.5e-300");
  EXPECT_EQ(RealToText(std::numeric_limits<double>::infinity()), "Inf");
  EXPECT_EQ(RealToText(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(RealToText(1e15), "1.0e+15");
  EXPECT_EQ(RealToText(123456789012345.6), "123456789012346.0");
  EXPECT_EQ(RealToText(-7.25), "-7.25");
  EXPECT_EQ(IntegerToText(std::numeric_limits<int64_t>::min()), "-9223372036854775808");
}

TEST(FormatTest, ParseReal) {
  double d;
  EXPECT_EQ(ParseReal("  12 ", &d), RealParse::kInteger);
  EXPECT_EQ(d, 12.0);
  EXPECT_EQ(ParseReal("1.5", &d), RealParse::kReal);
  EXPECT_EQ(ParseReal("1e5", &d), RealParse::kReal);
  EXPECT_EQ(d, 100000.0);
  EXPECT_EQ(ParseReal("1.5x", &d), RealParse::kPrefixReal);
  EXPECT_EQ(d, 1.5);
  EXPECT_EQ(ParseReal("12abc", &d), RealParse::kNotNumeric);
  EXPECT_EQ(d, 12.0);
  EXPECT_EQ(ParseReal("1e", &d), RealParse::kNotNumeric);
  EXPECT_EQ(ParseReal("1.5e3", &d), RealParse::kRealPointExp);
  EXPECT_EQ(d, 1500.0);
  EXPECT_EQ(ParseReal("1.e", &d), RealParse::kPrefixReal);
  EXPECT_EQ(ParseReal("0x10", &d), RealParse::kNotNumeric);
  EXPECT_EQ(ParseReal("", &d), RealParse::kNotNumeric);
  EXPECT_EQ(ParseReal(".", &d), RealParse::kNotNumeric);
  EXPECT_EQ(ParseReal("1e400", &d), RealParse::kReal);
  EXPECT_TRUE(std::isinf(d));
  EXPECT_EQ(ParseReal("-0", &d), RealParse::kInteger);
  EXPECT_TRUE(std::signbit(d));
}

TEST(FormatTest, ParseInt64) {
  int64_t i;
  EXPECT_EQ(ParseInt64(" -12 ", &i), IntParse::kOk);
  EXPECT_EQ(i, -12);
  EXPECT_EQ(ParseInt64("12abc", &i), IntParse::kTrailingText);
  EXPECT_EQ(i, 12);
  EXPECT_EQ(ParseInt64("abc", &i), IntParse::kNoDigits);
  EXPECT_EQ(i, 0);
  EXPECT_EQ(ParseInt64("9223372036854775807", &i), IntParse::kOk);
  EXPECT_EQ(ParseInt64("9223372036854775808", &i), IntParse::kTwoPow63);
  EXPECT_EQ(i, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseInt64("-9223372036854775808", &i), IntParse::kOk);
  EXPECT_EQ(i, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(ParseInt64("99999999999999999999", &i), IntParse::kOverflow);
  EXPECT_EQ(RealToInt64(1e300), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(RealToInt64(-2.9), -2);
}

TEST(FormatTest, Printf) {
  auto pf = [](const char* fmt, std::initializer_list<Value> args) {
    std::vector<Value> v(args);
    std::string out;
    EXPECT_TRUE(AppendPrintf(fmt, v, &out).ok());
    return out;
  };
  EXPECT_EQ(pf("%,d", {Value::Integer(1234567)}), "1,234,567");
  EXPECT_EQ(pf("%r", {Value::Integer(3)}), "3rd");
  EXPECT_EQ(pf("%.2f", {Value::Real(2.675)}), "2.68");
  EXPECT_EQ(pf("%05.1f", {Value::Real(-2.25)}), "-02.3");
  EXPECT_EQ(pf("%#x|%#o|%p", {Value::Integer(255), Value::Integer(8), Value::Integer(255)}),
            "0xff|010|FF");
  EXPECT_EQ(pf("%q|%Q|%Q", {Value::Text("it's"), Value::Text("a"), Value::Null()}),
            "it''s|'a'|NULL");
  EXPECT_EQ(pf("%e", {Value::Real(12345.678)}), "1.234568e+04");
  EXPECT_EQ(pf("%!.3s", {Value::Text("\xc3\xa9\xc3\xa9\xc3\xa9x")}), "\xc3\xa9\xc3\xa9\xc3\xa9");
  EXPECT_EQ(pf("a%yb", {}), "a");
  EXPECT_EQ(pf("%d%%", {Value::Text("12abc")}), "12%");
  std::string big;
  std::vector<Value> w = {Value::Integer(2000000000), Value::Integer(1)};
  EXPECT_FALSE(AppendPrintf("%*d", w, &big).ok());
}

}  // namespace
}  // namespace dosql::engine
