// dosql::core — Value: one SQL value of one of SQLite's five storage classes.
//
// A Value owns its bytes (TEXT is UTF-8, BLOB is raw). Comparison follows SQLite's rules for
// values of different classes: NULL < INTEGER/REAL (compared numerically, exactly, even between
// large integers and doubles) < TEXT (bytewise, i.e. BINARY collation) < BLOB (memcmp).
// Value is a regular value type; distinct instances may be used from any thread.
//
// A value may carry a subtype byte (SQLite's sqlite3_result_subtype): the JSON functions mark
// the JSON text they produce with one, so that another JSON function given that value directly
// embeds it as JSON instead of quoting it. The subtype travels with copies of the Value, takes
// no part in comparison or equality, and is not stored in rows.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace dosql {

// The storage class. The numeric order is the cross-class sort order (INTEGER and REAL share a
// rank and compare by value).
enum class ValueType : uint8_t { kNull = 0, kInteger = 1, kReal = 2, kText = 3, kBlob = 4 };

std::string_view ValueTypeName(ValueType t);  // "null", "integer", "real", "text", "blob"

class Value {
 public:
  Value() = default;  // NULL
  // Copies touch the byte string only for TEXT and BLOB (a number's copy is three stores).
  Value(const Value& o) : type_(o.type_), subtype_(o.subtype_), i_(o.i_) {
    if (o.type_ == ValueType::kText || o.type_ == ValueType::kBlob) s_ = o.s_;
  }
  Value& operator=(const Value& o) {
    type_ = o.type_;
    subtype_ = o.subtype_;
    i_ = o.i_;  // the union's bytes, whichever member is in use
    if (o.type_ == ValueType::kText || o.type_ == ValueType::kBlob) s_ = o.s_;
    return *this;
  }
  // Moves, like copies, touch the byte string only for TEXT and BLOB (the moved-from value keeps
  // its type; its bytes are unspecified).
  Value(Value&& o) noexcept : type_(o.type_), subtype_(o.subtype_), i_(o.i_) {
    if (o.type_ == ValueType::kText || o.type_ == ValueType::kBlob) s_ = std::move(o.s_);
  }
  Value& operator=(Value&& o) noexcept {
    type_ = o.type_;
    subtype_ = o.subtype_;
    i_ = o.i_;
    if ((o.type_ == ValueType::kText || o.type_ == ValueType::kBlob) && this != &o) {
      s_ = std::move(o.s_);
    }
    return *this;
  }
  friend void swap(Value& a, Value& b) noexcept {
    std::swap(a.type_, b.type_);
    std::swap(a.subtype_, b.subtype_);
    std::swap(a.i_, b.i_);
    if (a.type_ == ValueType::kText || a.type_ == ValueType::kBlob || b.type_ == ValueType::kText ||
        b.type_ == ValueType::kBlob) {
      a.s_.swap(b.s_);
    }
  }
  static Value Null() { return Value(); }
  static Value Integer(int64_t v) {
    Value x;
    x.type_ = ValueType::kInteger;
    x.i_ = v;
    return x;
  }
  static Value Real(double v) {
    Value x;
    x.type_ = ValueType::kReal;
    x.d_ = v;
    return x;
  }
  static Value Text(std::string s) {
    Value x; x.type_ = ValueType::kText; x.s_ = std::move(s); return x;
  }
  static Value Blob(std::string b) {
    Value x; x.type_ = ValueType::kBlob; x.s_ = std::move(b); return x;
  }

  // In-place assignment that reuses this value's string buffer (hot loops decoding rows).
  void SetNull() { type_ = ValueType::kNull; }
  void SetInteger(int64_t v) { type_ = ValueType::kInteger; i_ = v; }
  void SetReal(double v) { type_ = ValueType::kReal; d_ = v; }
  void SetText(std::string_view s) { type_ = ValueType::kText; s_.assign(s.data(), s.size()); }
  void SetBlob(std::string_view b) { type_ = ValueType::kBlob; s_.assign(b.data(), b.size()); }

  ValueType type() const { return type_; }
  bool is_null() const { return type_ == ValueType::kNull; }
  bool is_numeric() const { return type_ == ValueType::kInteger || type_ == ValueType::kReal; }
  int64_t integer() const { return i_; }
  double real() const { return d_; }
  // TEXT or BLOB bytes.
  const std::string& bytes() const { return s_; }
  std::string_view view() const { return s_; }

  uint8_t subtype() const { return subtype_; }
  void set_subtype(uint8_t s) { subtype_ = s; }

  // Numeric value as a double (INTEGER converted; other classes give 0).
  double AsDouble() const;

  // A short rendering for debugging and test messages: NULL, 42, 4.5, 'text', x'00ff'.
  std::string DebugString() const;

  friend bool operator==(const Value& a, const Value& b) { return Compare(a, b) == 0; }
  // Total order described above. Returns <0, 0, >0.
  static int Compare(const Value& a, const Value& b);

 private:
  ValueType type_ = ValueType::kNull;
  uint8_t subtype_ = 0;  // 0: none
  union {
    int64_t i_ = 0;
    double d_;
  };
  std::string s_;
};

// Exact comparison of an integer with a double (NaN sorts below every number).
int CompareIntegerReal(int64_t i, double d);

// True when `a` and `b` hold the same storage class and the same bits or bytes: not SQL
// equality (1 and 1.0, 0.0 and -0.0, 'a' and 'A' differ here). Subtypes are not compared.
bool IdenticalValues(const Value& a, const Value& b);

}  // namespace dosql
