// dosql::engine — SQLite's arithmetic, bitwise, concatenation and truth-value operators.
//
// What it is for: the executor evaluates + - * / % & | << >> ~ unary -, ||, NOT/AND/OR with
// these functions, which reproduce SQLite 3.40's VDBE opcodes exactly:
//  - NULL in -> NULL out (except AND/OR, which are three-valued).
//  - TEXT/BLOB operands are converted by numeric prefix ('12abc' -> 12, 'abc' -> 0, '1.5x' ->
//    1.5); two INTEGERs use integer math, whose overflow switches to REAL for + - * and for
//    INT64_MIN / -1; integer division truncates; division or remainder by zero is NULL; a NaN
//    result is NULL.
//  - % always computes an integer remainder (REAL operands are truncated to integers), giving
//    REAL if either operand was REAL.
//  - Bitwise operators convert operands to INTEGER; shifts by >= 64 give 0 (or -1 for >> of a
//    negative), negative shift counts shift the other way.
//  - Unary minus is 0 - x (so -INT64_MIN is REAL 9.22337203685478e+18, -'abc' is 0).
//  - || renders numbers as SQLite does and returns TEXT.
//  - Truth of a value: INTEGER != 0; REAL != 0.0; TEXT/BLOB by numeric prefix ('1x' is true,
//    'abc' is false); NULL is unknown.
// Ownership: pure functions; results returned by value (numeric results never allocate).
// Threads: reentrant and thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "dosql/core/value.h"
#include "dosql/engine/compare.h"

namespace dosql::engine {

// Checked 64-bit integer operations: return false on overflow.
inline bool AddInt64(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}
inline bool SubInt64(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_sub_overflow(a, b, out);
}
inline bool MulInt64(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

enum class ArithOp : uint8_t { kAdd, kSubtract, kMultiply, kDivide, kRemainder };
enum class BitOp : uint8_t { kAnd, kOr, kShiftLeft, kShiftRight };

// Arith's floating-point case, written into *out in place: two numbers, at least one REAL, op
// not kRemainder (true, *out the REAL result, NULL for a NaN or a division by zero); false
// when another of Arith's rules applies.
inline bool RealArith(ArithOp op, const Value& lhs, const Value& rhs, Value* out) {
  const ValueType tl = lhs.type(), tr = rhs.type();
  const bool l_real = tl == ValueType::kReal, r_real = tr == ValueType::kReal;
  if (!(l_real || r_real) || !(l_real || tl == ValueType::kInteger) ||
      !(r_real || tr == ValueType::kInteger) || op == ArithOp::kRemainder) {
    return false;
  }
  const double a = l_real ? lhs.real() : static_cast<double>(lhs.integer());
  const double b = r_real ? rhs.real() : static_cast<double>(rhs.integer());
  double r;
  switch (op) {
    case ArithOp::kAdd:
      r = a + b;
      break;
    case ArithOp::kSubtract:
      r = a - b;
      break;
    case ArithOp::kMultiply:
      r = a * b;
      break;
    default:  // kDivide
      if (b == 0.0) {
        out->SetNull();
        out->set_subtype(0);
        return true;
      }
      r = a / b;
      break;
  }
  if (r != r) {  // NaN
    out->SetNull();
  } else {
    out->SetReal(r);
  }
  out->set_subtype(0);
  return true;
}

// Arith's case of two INTEGERs, written into *out in place: true with the INTEGER result (NULL
// for a division or remainder by zero); false when the result is not an INTEGER (an overflow of
// + - *, INT64_MIN / -1) or an operand is not an INTEGER.
inline bool IntArith(ArithOp op, const Value& lhs, const Value& rhs, Value* out) {
  if (lhs.type() != ValueType::kInteger || rhs.type() != ValueType::kInteger) return false;
  const int64_t a = lhs.integer(), b = rhs.integer();
  if (b == 0 && (op == ArithOp::kDivide || op == ArithOp::kRemainder)) {
    out->SetNull();
    out->set_subtype(0);
    return true;
  }
  int64_t r;
  switch (op) {
    case ArithOp::kAdd:
      if (!AddInt64(a, b, &r)) return false;
      break;
    case ArithOp::kSubtract:
      if (!SubInt64(a, b, &r)) return false;
      break;
    case ArithOp::kMultiply:
      if (!MulInt64(a, b, &r)) return false;
      break;
    case ArithOp::kDivide:
      if (b == -1 && a == INT64_MIN) return false;
      r = a / b;
      break;
    default:  // kRemainder
      r = b == -1 ? 0 : a % b;
      break;
  }
  out->SetInteger(r);
  out->set_subtype(0);
  return true;
}

// `lhs op rhs` with SQLite's rules (see above).
Value Arith(ArithOp op, const Value& lhs, const Value& rhs);
inline Value Add(const Value& a, const Value& b) { return Arith(ArithOp::kAdd, a, b); }
inline Value Subtract(const Value& a, const Value& b) { return Arith(ArithOp::kSubtract, a, b); }
inline Value Multiply(const Value& a, const Value& b) { return Arith(ArithOp::kMultiply, a, b); }
inline Value Divide(const Value& a, const Value& b) { return Arith(ArithOp::kDivide, a, b); }
inline Value Remainder(const Value& a, const Value& b) {
  return Arith(ArithOp::kRemainder, a, b);
}

// Unary minus (0 - x) and unary plus (the operand itself, unchanged, even TEXT).
Value Negate(const Value& v);
inline Value UnaryPlus(const Value& v) { return v; }

// & | << >> and ~.
Value Bitwise(BitOp op, const Value& lhs, const Value& rhs);
Value BitNot(const Value& v);

// a || b: NULL if either is NULL, else TEXT.
Value Concat(const Value& a, const Value& b);
// Appends the text of `v` for ||; returns false if `v` is NULL.
bool AppendConcat(const Value& v, std::string* out);

// Truth value of a value in a boolean context (WHERE, CASE WHEN, NOT, AND, OR, IS TRUE).
TriBool Truth(const Value& v);
// NOT x, x AND y, x OR y as SQL values (INTEGER 0/1 or NULL).
Value LogicalNot(const Value& v);
Value LogicalAnd(const Value& a, const Value& b);
Value LogicalOr(const Value& a, const Value& b);
// x IS TRUE / x IS FALSE (never NULL): INTEGER 0/1.
Value IsTrue(const Value& v);
Value IsFalse(const Value& v);

}  // namespace dosql::engine
