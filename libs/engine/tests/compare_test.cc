#include "dosql/engine/compare.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

namespace dosql::engine {
namespace {

TEST(CompareTest, CrossClassOrder) {
  std::vector<Value> v = {Value::Blob("a"), Value::Text("a"), Value::Real(1.5),
                          Value::Integer(1), Value::Null()};
  std::sort(v.begin(), v.end(), ValueLess{});
  EXPECT_TRUE(v[0].is_null());
  EXPECT_EQ(v[1].type(), ValueType::kInteger);
  EXPECT_EQ(v[2].type(), ValueType::kReal);
  EXPECT_EQ(v[3].type(), ValueType::kText);
  EXPECT_EQ(v[4].type(), ValueType::kBlob);
  EXPECT_EQ(CompareValues(Value::Integer(1), Value::Real(1.0)), 0);
  EXPECT_LT(CompareValues(Value::Integer(9007199254740993), Value::Real(9007199254740994.0)), 0);
}

TEST(CompareTest, Collations) {
  EXPECT_EQ(CompareText("ABC", "abc", Collation::kNoCase), 0);
  EXPECT_NE(CompareText("\xc3\x89", "\xc3\xa9", Collation::kNoCase), 0);  // ASCII only
  EXPECT_EQ(CompareText("abc  ", "abc", Collation::kRTrim), 0);
  EXPECT_LT(CompareText("abc", "abd", Collation::kBinary), 0);
  EXPECT_LT(CompareText("ab", "abc", Collation::kBinary), 0);
  EXPECT_EQ(*CollationFromName("NoCase"), Collation::kNoCase);
  EXPECT_FALSE(CollationFromName("x").ok());
}

TEST(CompareTest, ThreeValuedLogic) {
  EXPECT_EQ(TriAnd(TriBool::kNull, TriBool::kFalse), TriBool::kFalse);
  EXPECT_EQ(TriOr(TriBool::kNull, TriBool::kTrue), TriBool::kTrue);
  EXPECT_EQ(TriAnd(TriBool::kNull, TriBool::kTrue), TriBool::kNull);
  EXPECT_EQ(TriNot(TriBool::kNull), TriBool::kNull);
  EXPECT_EQ(CompareExpr(Value::Null(), Value::Integer(1), CompareOp::kEq), TriBool::kNull);
  EXPECT_EQ(CompareExpr(Value::Null(), Value::Null(), CompareOp::kIs), TriBool::kTrue);
  EXPECT_EQ(CompareExpr(Value::Null(), Value::Integer(1), CompareOp::kIsNot), TriBool::kTrue);
  EXPECT_TRUE(GroupEqual(Value::Null(), Value::Null()));
}

TEST(CompareTest, Affinity) {
  // '10' vs 9: no affinity -> TEXT > INTEGER; numeric affinity -> 10 > 9 as numbers; text
  // affinity -> '10' < '9'.
  Value t = Value::Text("10"), i = Value::Integer(9);
  EXPECT_EQ(CompareExpr(t, i, CompareOp::kGt), TriBool::kTrue);
  EXPECT_EQ(CompareExpr(t, i, CompareOp::kGt, Affinity::kNumeric), TriBool::kTrue);
  EXPECT_EQ(CompareExpr(t, i, CompareOp::kLt, Affinity::kText), TriBool::kTrue);
  EXPECT_EQ(CompareExpr(Value::Text("1.0"), Value::Integer(1), CompareOp::kEq, Affinity::kInteger),
            TriBool::kTrue);
}

}  // namespace
}  // namespace dosql::engine
