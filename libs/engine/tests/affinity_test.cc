#include "dosql/engine/affinity.h"

#include <limits>

#include <gtest/gtest.h>

namespace dosql::engine {
namespace {

TEST(AffinityTest, FromDeclaredType) {
  EXPECT_EQ(AffinityFromDeclaredType("INT"), Affinity::kInteger);
  EXPECT_EQ(AffinityFromDeclaredType("BIGINT"), Affinity::kInteger);
  EXPECT_EQ(AffinityFromDeclaredType("VARCHAR(255)"), Affinity::kText);
  EXPECT_EQ(AffinityFromDeclaredType("clob"), Affinity::kText);
  EXPECT_EQ(AffinityFromDeclaredType("BLOB"), Affinity::kBlob);
  EXPECT_EQ(AffinityFromDeclaredType(""), Affinity::kBlob);
  EXPECT_EQ(AffinityFromDeclaredType("DOUBLE PRECISION"), Affinity::kReal);
  EXPECT_EQ(AffinityFromDeclaredType("FLOAT"), Affinity::kReal);
  EXPECT_EQ(AffinityFromDeclaredType("DECIMAL(10,5)"), Affinity::kNumeric);
  EXPECT_EQ(AffinityFromDeclaredType("BOOLEAN"), Affinity::kNumeric);
  EXPECT_EQ(AffinityFromDeclaredType("FLOATING POINT"), Affinity::kInteger);  // "INT" wins
  EXPECT_EQ(AffinityFromDeclaredType("CHARINT"), Affinity::kInteger);
  EXPECT_EQ(AffinityFromDeclaredType("STRING"), Affinity::kNumeric);
}

Value Applied(Value v, Affinity a) {
  ApplyAffinity(&v, a);
  return v;
}

TEST(AffinityTest, Apply) {
  EXPECT_EQ(Applied(Value::Text("  12 "), Affinity::kInteger).type(), ValueType::kInteger);
  EXPECT_EQ(Applied(Value::Text("1.0"), Affinity::kNumeric).integer(), 1);
  EXPECT_EQ(Applied(Value::Text("1e5"), Affinity::kNumeric).integer(), 100000);
  EXPECT_EQ(Applied(Value::Text("0x10"), Affinity::kNumeric).type(), ValueType::kText);
  EXPECT_EQ(Applied(Value::Text("1.5"), Affinity::kInteger).type(), ValueType::kReal);
  EXPECT_EQ(Applied(Value::Text("9223372036854775808"), Affinity::kNumeric).type(),
            ValueType::kReal);
  EXPECT_EQ(Applied(Value::Text("9223372036854775807"), Affinity::kNumeric).integer(),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Applied(Value::Real(3.0), Affinity::kNumeric).type(), ValueType::kInteger);
  EXPECT_EQ(Applied(Value::Real(3.5), Affinity::kNumeric).type(), ValueType::kReal);
  EXPECT_EQ(Applied(Value::Integer(3), Affinity::kReal).type(), ValueType::kReal);
  EXPECT_EQ(Applied(Value::Integer(3), Affinity::kText).bytes(), "3");
  EXPECT_EQ(Applied(Value::Real(1.0), Affinity::kText).bytes(), "1.0");
  EXPECT_EQ(Applied(Value::Blob("12"), Affinity::kInteger).type(), ValueType::kBlob);
  EXPECT_EQ(Applied(Value::Text("12"), Affinity::kBlob).type(), ValueType::kText);
}

TEST(AffinityTest, ComparisonAffinity) {
  EXPECT_EQ(ComparisonAffinity(Affinity::kInteger, Affinity::kText), Affinity::kNumeric);
  EXPECT_EQ(ComparisonAffinity(Affinity::kText, Affinity::kBlob), Affinity::kBlob);
  EXPECT_EQ(ComparisonAffinity(Affinity::kText, Affinity::kNone), Affinity::kText);
  EXPECT_EQ(ComparisonAffinity(Affinity::kNone, Affinity::kReal), Affinity::kReal);
  EXPECT_EQ(ComparisonAffinity(Affinity::kNone, Affinity::kNone), Affinity::kNone);
}

TEST(AffinityTest, Cast) {
  EXPECT_EQ(CastValue(Value::Text("abc"), Affinity::kInteger).integer(), 0);
  EXPECT_EQ(CastValue(Value::Text("12abc"), Affinity::kInteger).integer(), 12);
  EXPECT_EQ(CastValue(Value::Text("1e5"), Affinity::kInteger).integer(), 1);
  EXPECT_EQ(CastValue(Value::Real(1e300), Affinity::kInteger).integer(),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(CastValue(Value::Text("1.5x"), Affinity::kReal).real(), 1.5);
  EXPECT_EQ(CastValue(Value::Text("2.0abc"), Affinity::kNumeric).integer(), 2);
  EXPECT_EQ(CastValue(Value::Real(1.0), Affinity::kNumeric).type(), ValueType::kReal);
  EXPECT_EQ(CastValue(Value::Blob("ab"), Affinity::kText).type(), ValueType::kText);
  EXPECT_EQ(CastValue(Value::Integer(5), Affinity::kBlob).bytes(), "5");
  EXPECT_TRUE(CastValue(Value::Null(), Affinity::kInteger).is_null());
  EXPECT_EQ(NumericValue(Value::Text("12abc")).integer(), 12);
  EXPECT_EQ(NumericValue(Value::Text("1e5")).type(), ValueType::kReal);
}

}  // namespace
}  // namespace dosql::engine
