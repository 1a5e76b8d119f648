#include "dosql/core/value.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace dosql {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNull: return "null";
    case ValueType::kInteger: return "integer";
    case ValueType::kReal: return "real";
    case ValueType::kText: return "text";
    case ValueType::kBlob: return "blob";
  }
  return "?";
}

double Value::AsDouble() const {
  if (type_ == ValueType::kInteger) return static_cast<double>(i_);
  if (type_ == ValueType::kReal) return d_;
  return 0.0;
}

std::string Value::DebugString() const {
  switch (type_) {
    case ValueType::kNull: return "NULL";
    case ValueType::kInteger: return std::to_string(i_);
    case ValueType::kReal: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", d_);
      return buf;
    }
    case ValueType::kText: return "'" + s_ + "'";
    case ValueType::kBlob: {
      static const char* kHex = "0123456789abcdef";
      std::string out = "x'";
      for (unsigned char c : s_) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return out + "'";
    }
  }
  return "?";
}

bool IdenticalValues(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case ValueType::kNull:
      return true;
    case ValueType::kInteger:
      return a.integer() == b.integer();
    case ValueType::kReal: {
      const double x = a.real(), y = b.real();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    default:
      return a.view() == b.view();
  }
}

int CompareIntegerReal(int64_t i, double d) {
  if (std::isnan(d)) return 1;
  // -2^63 <= i < 2^63: doubles outside that range decide immediately.
  if (d < -9223372036854775808.0) return 1;
  if (d >= 9223372036854775808.0) return -1;
  double t = std::trunc(d);
  auto di = static_cast<int64_t>(t);
  if (i < di) return -1;
  if (i > di) return 1;
  // Integer parts are equal; the fraction decides.
  if (d > t) return -1;
  if (d < t) return 1;
  return 0;
}

int Value::Compare(const Value& a, const Value& b) {
  auto rank = [](ValueType t) {
    return t == ValueType::kReal ? 1 : static_cast<int>(t);
  };
  int ra = rank(a.type_), rb = rank(b.type_);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (a.type_) {
    case ValueType::kNull: return 0;
    case ValueType::kInteger:
      if (b.type_ == ValueType::kInteger) return a.i_ < b.i_ ? -1 : (a.i_ > b.i_ ? 1 : 0);
      return CompareIntegerReal(a.i_, b.d_);
    case ValueType::kReal:
      if (b.type_ == ValueType::kInteger) return -CompareIntegerReal(b.i_, a.d_);
      if (std::isnan(a.d_) || std::isnan(b.d_)) {
        return std::isnan(a.d_) ? (std::isnan(b.d_) ? 0 : -1) : 1;
      }
      return a.d_ < b.d_ ? -1 : (a.d_ > b.d_ ? 1 : 0);
    case ValueType::kText:
    case ValueType::kBlob: {
      int c = a.s_.compare(b.s_);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
  }
  return 0;
}

}  // namespace dosql
