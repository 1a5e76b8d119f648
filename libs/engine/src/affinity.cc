// Type affinity and CAST (SQLite's applyAffinity, sqlite3AffinityType, sqlite3VdbeMemCast).
#include "dosql/engine/affinity.h"

#include <cmath>
#include <limits>
#include <string>

#include "dosql/engine/format.h"

namespace dosql::engine {
namespace {

constexpr int64_t kLargest = std::numeric_limits<int64_t>::max();
constexpr int64_t kSmallest = std::numeric_limits<int64_t>::min();

// sqlite3AffinityType(): scans the name with a rolling 4-byte window.
Affinity TypeNameAffinity(std::string_view name) {
  uint32_t h = 0;
  Affinity aff = Affinity::kNumeric;
  auto tag = [](char a, char b, char c, char d) {
    return (static_cast<uint32_t>(a) << 24) | (static_cast<uint32_t>(b) << 16) |
           (static_cast<uint32_t>(c) << 8) | static_cast<uint32_t>(d);
  };
  for (char ch : name) {
    auto uc = static_cast<unsigned char>(ch);
    if (uc == 0) break;
    if (uc >= 'A' && uc <= 'Z') uc = static_cast<unsigned char>(uc + 32);
    h = (h << 8) + uc;
    if (h == tag('c', 'h', 'a', 'r') || h == tag('c', 'l', 'o', 'b') ||
        h == tag('t', 'e', 'x', 't')) {
      aff = Affinity::kText;
    } else if (h == tag('b', 'l', 'o', 'b') &&
               (aff == Affinity::kNumeric || aff == Affinity::kReal)) {
      aff = Affinity::kBlob;
    } else if ((h == tag('r', 'e', 'a', 'l') || h == tag('f', 'l', 'o', 'a') ||
                h == tag('d', 'o', 'u', 'b')) &&
               aff == Affinity::kNumeric) {
      aff = Affinity::kReal;
    } else if ((h & 0x00FFFFFF) == ((uint32_t{'i'} << 16) | (uint32_t{'n'} << 8) | 't')) {
      aff = Affinity::kInteger;
      break;
    }
  }
  return aff;
}

// (i64)r as x86-64 computes it (cvttsd2si): out of range and NaN give INT64_MIN.
int64_t TruncateLikeX86(double r) {
  if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return kSmallest;
  return static_cast<int64_t>(r);
}

// sqlite3VdbeIntegerAffinity: REAL -> INTEGER when exact and strictly inside the int64 range.
void IntegerAffinity(Value* v) {
  double r = v->real();
  int64_t ix = RealToInt64(r);
  if (r == static_cast<double>(ix) && ix > kSmallest && ix < kLargest) *v = Value::Integer(ix);
}

// applyNumericAffinity(): TEXT -> number when the whole text is numeric.
void ApplyNumericAffinity(Value* v, bool try_for_int) {
  double r;
  RealParse rc = ParseReal(v->view(), &r);
  if (!IsWholeNumber(rc)) return;
  if (rc == RealParse::kInteger) {
    int64_t iv = RealToInt64(r);
    if (RealSameAsInt(r, iv)) {
      *v = Value::Integer(iv);
      return;
    }
    if (ParseInt64(v->view(), &iv) == IntParse::kOk) {
      *v = Value::Integer(iv);
      return;
    }
  }
  *v = Value::Real(r);
  if (try_for_int) IntegerAffinity(v);
}

void Stringify(Value* v) {
  std::string s;
  AppendValueText(*v, &s);
  *v = Value::Text(std::move(s));
}

}  // namespace

std::string_view AffinityName(Affinity a) {
  switch (a) {
    case Affinity::kNone: return "NONE";
    case Affinity::kBlob: return "BLOB";
    case Affinity::kText: return "TEXT";
    case Affinity::kNumeric: return "NUMERIC";
    case Affinity::kInteger: return "INTEGER";
    case Affinity::kReal: return "REAL";
  }
  return "NONE";
}

Affinity AffinityFromDeclaredType(std::string_view declared_type) {
  if (declared_type.empty()) return Affinity::kBlob;
  return TypeNameAffinity(declared_type);
}

void ApplyAffinity(Value* v, Affinity affinity) {
  switch (affinity) {
    case Affinity::kNone:
    case Affinity::kBlob:
      return;
    case Affinity::kText:
      if (v->is_numeric()) Stringify(v);
      return;
    case Affinity::kNumeric:
    case Affinity::kInteger:
    case Affinity::kReal:
      if (v->type() == ValueType::kText) {
        ApplyNumericAffinity(v, true);
      } else if (v->type() == ValueType::kReal) {
        IntegerAffinity(v);
      }
      if (affinity == Affinity::kReal && v->type() == ValueType::kInteger) {
        *v = Value::Real(static_cast<double>(v->integer()));
      }
      return;
  }
}

Affinity ComparisonAffinity(Affinity lhs, Affinity rhs) {
  if (lhs > Affinity::kNone && rhs > Affinity::kNone) {
    return (IsNumericAffinity(lhs) || IsNumericAffinity(rhs)) ? Affinity::kNumeric
                                                              : Affinity::kBlob;
  }
  if (lhs <= Affinity::kNone && rhs <= Affinity::kNone) return Affinity::kNone;
  return lhs <= Affinity::kNone ? rhs : lhs;
}

void ApplyComparisonAffinity(Value* lhs, Value* rhs, Affinity affinity) {
  if (IsNumericAffinity(affinity)) {
    if (lhs->type() == ValueType::kText) ApplyNumericAffinity(lhs, false);
    if (rhs->type() == ValueType::kText) ApplyNumericAffinity(rhs, false);
  } else if (affinity == Affinity::kText) {
    if (lhs->type() == ValueType::kText || rhs->type() == ValueType::kText) {
      if (lhs->is_numeric()) Stringify(lhs);
      if (rhs->is_numeric()) Stringify(rhs);
    }
  }
}

void ApplyOperandAffinity(Value* v, Affinity affinity) {
  if (IsNumericAffinity(affinity)) {
    if (v->type() == ValueType::kText) ApplyNumericAffinity(v, false);
  } else if (affinity == Affinity::kText) {
    if (v->is_numeric()) Stringify(v);
  }
}

Value NumericValue(const Value& v) {
  if (v.type() != ValueType::kText && v.type() != ValueType::kBlob) return v;
  double r;
  int64_t ix;
  RealParse rc = ParseReal(v.view(), &r);
  if (!IsWholeNumber(rc)) {
    if (rc == RealParse::kNotNumeric &&
        static_cast<int>(ParseInt64(v.view(), &ix)) <= static_cast<int>(IntParse::kTrailingText)) {
      return Value::Integer(ix);
    }
    return Value::Real(r);
  }
  if (rc == RealParse::kInteger && ParseInt64(v.view(), &ix) == IntParse::kOk) {
    return Value::Integer(ix);
  }
  return Value::Real(r);
}

void CastInPlace(Value* v, Affinity target) {
  if (v->is_null()) return;
  switch (target) {
    case Affinity::kNone:
    case Affinity::kBlob:
      if (v->type() == ValueType::kBlob) return;
      if (v->type() == ValueType::kText) {
        *v = Value::Blob(v->bytes());
      } else {
        std::string s;
        AppendValueText(*v, &s);
        *v = Value::Blob(std::move(s));
      }
      return;
    case Affinity::kText:
      if (v->type() == ValueType::kText) return;
      if (v->type() == ValueType::kBlob) {
        *v = Value::Text(v->bytes());
      } else {
        Stringify(v);
      }
      return;
    case Affinity::kNumeric: {
      if (v->is_numeric()) return;
      double r;
      int64_t ix = 0;
      RealParse rc = ParseReal(v->view(), &r);
      bool as_int = false;
      if ((rc == RealParse::kNotNumeric || rc == RealParse::kInteger) &&
          static_cast<int>(ParseInt64(v->view(), &ix)) <= 1) {
        as_int = true;
      } else {
        ix = TruncateLikeX86(r);
        as_int = RealSameAsInt(r, ix);
      }
      *v = as_int ? Value::Integer(ix) : Value::Real(r);
      return;
    }
    case Affinity::kInteger:
      if (v->type() == ValueType::kInteger) return;
      *v = Value::Integer(ValueToInt64(*v));
      return;
    case Affinity::kReal:
      if (v->type() == ValueType::kReal) return;
      *v = Value::Real(ValueToReal(*v));
      return;
  }
}

Value CastValue(const Value& v, Affinity target) {
  Value out = v;
  CastInPlace(&out, target);
  return out;
}

}  // namespace dosql::engine
