#include "dosql/engine/arith.h"

#include <limits>

#include <gtest/gtest.h>

namespace dosql::engine {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(ArithTest, IntegerAndOverflow) {
  EXPECT_EQ(Add(Value::Integer(2), Value::Integer(3)).integer(), 5);
  Value o = Add(Value::Integer(kMax), Value::Integer(1));
  EXPECT_EQ(o.type(), ValueType::kReal);
  EXPECT_EQ(o.real(), 9223372036854775808.0);
  EXPECT_EQ(Divide(Value::Integer(kMin), Value::Integer(-1)).type(), ValueType::kReal);
  EXPECT_EQ(Divide(Value::Integer(7), Value::Integer(2)).integer(), 3);
  EXPECT_EQ(Divide(Value::Integer(-7), Value::Integer(2)).integer(), -3);
  EXPECT_TRUE(Divide(Value::Integer(1), Value::Integer(0)).is_null());
  EXPECT_TRUE(Divide(Value::Real(1), Value::Real(-0.0)).is_null());
  EXPECT_TRUE(Remainder(Value::Integer(1), Value::Integer(0)).is_null());
  EXPECT_EQ(Remainder(Value::Real(5.5), Value::Integer(2)).real(), 1.0);
  EXPECT_EQ(Remainder(Value::Integer(kMin), Value::Integer(-1)).integer(), 0);
  EXPECT_EQ(Negate(Value::Integer(kMin)).type(), ValueType::kReal);
  EXPECT_EQ(Negate(Value::Text("abc")).integer(), 0);
  EXPECT_TRUE(Add(Value::Null(), Value::Integer(1)).is_null());
}

// IntArith (two INTEGERs, in place) gives Arith's result or declines: for every operator and
// edge value, what it writes is what Arith returns, and it declines only where the result is
// not an INTEGER or NULL (overflow, INT64_MIN / -1).
TEST(ArithTest, IntArithAgreesWithArith) {
  const int64_t vals[] = {0,
                          1,
                          -1,
                          2,
                          -2,
                          7,
                          -7,
                          1000,
                          kMax,
                          kMin,
                          kMax - 1,
                          kMin + 1,
                          int64_t{1} << 32,
                          -(int64_t{1} << 32)};
  const ArithOp ops[] = {ArithOp::kAdd, ArithOp::kSubtract, ArithOp::kMultiply, ArithOp::kDivide,
                         ArithOp::kRemainder};
  for (ArithOp op : ops) {
    for (int64_t a : vals) {
      for (int64_t b : vals) {
        Value want = Arith(op, Value::Integer(a), Value::Integer(b));
        Value got = Value::Text("stale");
        const bool done = IntArith(op, Value::Integer(a), Value::Integer(b), &got);
        SCOPED_TRACE(std::to_string(static_cast<int>(op)) + ": " + std::to_string(a) + ", " +
                     std::to_string(b));
        EXPECT_EQ(done, want.type() != ValueType::kReal);
        if (!done) continue;
        ASSERT_EQ(got.type(), want.type());
        if (want.type() == ValueType::kInteger) EXPECT_EQ(got.integer(), want.integer());
      }
    }
  }
  Value out;
  EXPECT_FALSE(IntArith(ArithOp::kAdd, Value::Real(1), Value::Integer(1), &out));
  EXPECT_FALSE(IntArith(ArithOp::kAdd, Value::Text("1"), Value::Integer(1), &out));
  EXPECT_FALSE(IntArith(ArithOp::kAdd, Value::Null(), Value::Integer(1), &out));
}

TEST(ArithTest, TextOperands) {
  EXPECT_EQ(Add(Value::Text("12abc"), Value::Integer(1)).integer(), 13);
  EXPECT_EQ(Add(Value::Text("1e5"), Value::Integer(0)).real(), 100000.0);
  EXPECT_EQ(Add(Value::Text("1.5x"), Value::Integer(0)).real(), 1.5);
  EXPECT_EQ(Add(Value::Blob("-5"), Value::Integer(0)).integer(), -5);
  EXPECT_EQ(Remainder(Value::Text("1e5"), Value::Integer(7)).real(), 1.0);
  EXPECT_TRUE(Subtract(std::numeric_limits<double>::infinity() == 0 ? Value() : Value::Real(
                           std::numeric_limits<double>::infinity()),
                       Value::Real(std::numeric_limits<double>::infinity()))
                  .is_null());  // NaN -> NULL
}

TEST(ArithTest, Bitwise) {
  EXPECT_EQ(Bitwise(BitOp::kShiftLeft, Value::Integer(1), Value::Integer(64)).integer(), 0);
  EXPECT_EQ(Bitwise(BitOp::kShiftRight, Value::Integer(-8), Value::Integer(70)).integer(), -1);
  EXPECT_EQ(Bitwise(BitOp::kShiftLeft, Value::Integer(3), Value::Integer(-1)).integer(), 1);
  EXPECT_EQ(Bitwise(BitOp::kShiftRight, Value::Integer(-8), Value::Integer(1)).integer(), -4);
  EXPECT_EQ(Bitwise(BitOp::kAnd, Value::Real(7.9), Value::Text("3")).integer(), 3);
  EXPECT_EQ(BitNot(Value::Text("1e5")).integer(), -2);
  EXPECT_TRUE(BitNot(Value::Null()).is_null());
}

TEST(ArithTest, ConcatAndTruth) {
  EXPECT_EQ(Concat(Value::Real(1.0), Value::Integer(2)).bytes(), "1.02");
  EXPECT_TRUE(Concat(Value::Null(), Value::Text("a")).is_null());
  EXPECT_EQ(Concat(Value::Blob("a"), Value::Text("b")).type(), ValueType::kText);
  EXPECT_EQ(Truth(Value::Text("1x")), TriBool::kTrue);
  EXPECT_EQ(Truth(Value::Text("abc")), TriBool::kFalse);
  EXPECT_EQ(Truth(Value::Text("0.5")), TriBool::kTrue);
  EXPECT_EQ(Truth(Value::Null()), TriBool::kNull);
  EXPECT_TRUE(LogicalAnd(Value::Null(), Value::Integer(1)).is_null());
  EXPECT_EQ(LogicalAnd(Value::Null(), Value::Integer(0)).integer(), 0);
  EXPECT_EQ(LogicalOr(Value::Null(), Value::Real(0.1)).integer(), 1);
  EXPECT_EQ(IsFalse(Value::Null()).integer(), 0);
}

}  // namespace
}  // namespace dosql::engine
