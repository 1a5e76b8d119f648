// SQLite's arithmetic opcodes (OP_Add ... OP_Remainder, OP_BitAnd ..., OP_Concat, OP_Not).
#include "dosql/engine/arith.h"

#include <cmath>
#include <limits>

#include "dosql/engine/affinity.h"
#include "dosql/engine/format.h"

namespace dosql::engine {
namespace {

constexpr int64_t kSmallest = std::numeric_limits<int64_t>::min();

// Numeric class of an operand for arithmetic (numericType()): sets *i or *r.
enum class NumClass : uint8_t { kInt, kReal };

NumClass Classify(const Value& v, int64_t* i) {
  switch (v.type()) {
    case ValueType::kInteger: *i = v.integer(); return NumClass::kInt;
    case ValueType::kReal: return NumClass::kReal;
    default: {
      Value n = NumericValue(v);
      if (n.type() == ValueType::kInteger) {
        *i = n.integer();
        return NumClass::kInt;
      }
      return NumClass::kReal;
    }
  }
}

}  // namespace

Value Arith(ArithOp op, const Value& lhs, const Value& rhs) {
  int64_t a = 0, b = 0;  // a = left, b = right
  bool int_math = false;
  if (lhs.type() == ValueType::kInteger && rhs.type() == ValueType::kInteger) {
    a = lhs.integer();
    b = rhs.integer();
    int_math = true;
  } else if (lhs.is_null() || rhs.is_null()) {
    return Value::Null();
  } else if (Value r; RealArith(op, lhs, rhs, &r)) {  // a REAL and a number
    return r;
  } else {
    int_math = Classify(lhs, &a) == NumClass::kInt && Classify(rhs, &b) == NumClass::kInt;
  }
  if (int_math) {
    int64_t r;
    switch (op) {
      case ArithOp::kAdd:
        if (AddInt64(a, b, &r)) return Value::Integer(r);
        break;
      case ArithOp::kSubtract:
        if (SubInt64(a, b, &r)) return Value::Integer(r);
        break;
      case ArithOp::kMultiply:
        if (MulInt64(a, b, &r)) return Value::Integer(r);
        break;
      case ArithOp::kDivide:
        if (b == 0) return Value::Null();
        if (b == -1 && a == kSmallest) break;
        return Value::Integer(a / b);
      case ArithOp::kRemainder:
        if (b == 0) return Value::Null();
        if (b == -1) b = 1;
        return Value::Integer(a % b);
    }
  }
  // Floating-point math (also the fallback for integer overflow).
  double ra = ValueToReal(lhs);
  double rb = ValueToReal(rhs);
  double res;
  switch (op) {
    case ArithOp::kAdd: res = ra + rb; break;
    case ArithOp::kSubtract: res = ra - rb; break;
    case ArithOp::kMultiply: res = ra * rb; break;
    case ArithOp::kDivide:
      if (rb == 0.0) return Value::Null();
      res = ra / rb;
      break;
    case ArithOp::kRemainder: {
      int64_t ia = ValueToInt64(lhs);
      int64_t ib = ValueToInt64(rhs);
      if (ib == 0) return Value::Null();
      if (ib == -1) ib = 1;
      res = static_cast<double>(ia % ib);
      break;
    }
    default: res = 0; break;
  }
  if (std::isnan(res)) return Value::Null();
  return Value::Real(res);
}

Value Negate(const Value& v) { return Arith(ArithOp::kSubtract, Value::Integer(0), v); }

Value Bitwise(BitOp op, const Value& lhs, const Value& rhs) {
  if (lhs.is_null() || rhs.is_null()) return Value::Null();
  int64_t a = ValueToInt64(lhs);
  int64_t b = ValueToInt64(rhs);
  switch (op) {
    case BitOp::kAnd: return Value::Integer(a & b);
    case BitOp::kOr: return Value::Integer(a | b);
    case BitOp::kShiftLeft:
    case BitOp::kShiftRight: {
      if (b == 0) return Value::Integer(a);
      bool left = op == BitOp::kShiftLeft;
      if (b < 0) {
        left = !left;
        b = b > -64 ? -b : 64;
      }
      if (b >= 64) return Value::Integer((a >= 0 || left) ? 0 : -1);
      uint64_t u = static_cast<uint64_t>(a);
      if (left) {
        u <<= b;
      } else {
        u >>= b;
        if (a < 0) u |= (~uint64_t{0}) << (64 - b);
      }
      return Value::Integer(static_cast<int64_t>(u));
    }
  }
  return Value::Null();
}

Value BitNot(const Value& v) {
  if (v.is_null()) return Value::Null();
  return Value::Integer(~ValueToInt64(v));
}

bool AppendConcat(const Value& v, std::string* out) { return AppendValueText(v, out); }

Value Concat(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return Value::Null();
  std::string s;
  if (a.type() == ValueType::kText || a.type() == ValueType::kBlob) {
    s.reserve(a.view().size() + (b.is_numeric() ? kNumberBufSize : b.view().size()));
  }
  AppendValueText(a, &s);
  AppendValueText(b, &s);
  return Value::Text(std::move(s));
}

TriBool Truth(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: return TriBool::kNull;
    case ValueType::kInteger: return TriFromBool(v.integer() != 0);
    case ValueType::kReal: return TriFromBool(v.real() != 0.0);
    default: return TriFromBool(ValueToReal(v) != 0.0);
  }
}

Value LogicalNot(const Value& v) { return TriToValue(TriNot(Truth(v))); }
Value LogicalAnd(const Value& a, const Value& b) {
  return TriToValue(TriAnd(Truth(a), Truth(b)));
}
Value LogicalOr(const Value& a, const Value& b) { return TriToValue(TriOr(Truth(a), Truth(b))); }
Value IsTrue(const Value& v) { return Value::Integer(Truth(v) == TriBool::kTrue ? 1 : 0); }
Value IsFalse(const Value& v) { return Value::Integer(Truth(v) == TriBool::kFalse ? 1 : 0); }

}  // namespace dosql::engine
