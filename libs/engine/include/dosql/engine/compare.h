// dosql::engine — comparison of SQL values with SQLite's rules, collations and NULL logic.
//
// What it is for: the executor's comparison operators (=, <, IS, IN, BETWEEN, CASE), sorting
// (ORDER BY, indexes), and grouping (GROUP BY, DISTINCT, UNION) all compare values here. Order
// across storage classes: NULL < INTEGER/REAL (compared numerically, exactly) < TEXT (by
// collation) < BLOB (memcmp, then length). Three-valued logic uses TriBool.
//
// Ownership: pure functions over caller-owned values; no allocation except where an operand has
// to be converted for a comparison affinity (CompareExpr). A Collation keeps its user-defined
// function alive. Threads: reentrant and thread-safe (a user-defined collation function is
// called on the thread that compares).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/affinity.h"

namespace dosql::engine {

// A user-defined collating sequence (Connection::CreateCollation): `compare` orders two TEXT
// values (<0, =0, >0) and must be a total order. A schema names one by `name` only; the binder
// resolves the name against the connection's collations before anything compares with it.
using CollationFunction = std::function<int(std::string_view, std::string_view)>;
struct UserCollation {
  std::string name;          // as written (registered or in the schema)
  CollationFunction compare; // empty: named but not resolved (compares as BINARY)
};

// A collating sequence: one of the built-in ones, or a user-defined one. Cheap to copy (a
// user-defined one shares its UserCollation).
class Collation {
 public:
  enum Kind : uint8_t {
    kBinary,  // memcmp, then length
    kNoCase,  // ASCII letters folded to lower case; other bytes compared as they are
    kRTrim,   // trailing spaces ignored, then BINARY
    kUser,    // a user-defined function
  };
  Collation(Kind kind = kBinary) : kind_(kind) {}  // NOLINT: implicit, as the old enum was
  // A user-defined collation (resolved if `u->compare` is set).
  static Collation User(std::shared_ptr<const UserCollation> u);
  // The collation called `name`: a built-in one (case-insensitive), else an unresolved
  // user-defined one with that name.
  static Collation Named(std::string_view name);

  Kind kind() const { return kind_; }
  bool is_user() const { return kind_ == kUser; }
  // A user-defined collation that has no function yet (the connection has not resolved it).
  bool unresolved() const { return kind_ == kUser && (!user_ || !user_->compare); }
  const UserCollation* user() const { return user_.get(); }
  const std::shared_ptr<const UserCollation>& user_ref() const { return user_; }

  // Same collating sequence: same built-in, or user-defined ones of the same name (ASCII
  // case-insensitive; resolved or not).
  friend bool operator==(const Collation& a, const Collation& b);

 private:
  Kind kind_;
  std::shared_ptr<const UserCollation> user_;
};

// "BINARY", "NOCASE", "RTRIM" (case-insensitive) -> collation; NotFound otherwise
// ("no such collation sequence: X").
[[nodiscard]] Result<Collation> CollationFromName(std::string_view name);
// True for the names of the built-in collations (case-insensitive).
bool IsBuiltinCollationName(std::string_view name);
// "BINARY", "NOCASE", "RTRIM", or a user-defined collation's name.
std::string_view CollationName(const Collation& c);

// Compares two strings under a collation: <0, 0, >0.
int CompareText(std::string_view a, std::string_view b, const Collation& coll);

// The form of `text` under a built-in collation that equals another text's form exactly when
// CompareText says they are equal, and orders (bytewise) as CompareText does: BINARY the text;
// RTRIM without trailing spaces; NOCASE lower-cased ASCII, and — since SQLite's NOCASE stops
// comparing at a NUL — for a text holding a NUL, its lower-cased bytes up to that NUL followed
// by the whole length (8 bytes, big-endian). Hash and index keys of collated text use it.
std::string CollationKeyText(std::string_view text, Collation::Kind kind);

// Compares an integer with a double exactly (SQLite's sqlite3IntFloatCompare).
int CompareIntReal(int64_t i, double r);

// SQLite's sqlite3MemCompare: total order on values (two NULLs compare equal); TEXT by the
// collation. This is the order of ORDER BY (NULLs first) and of index keys.
int CompareValues(const Value& a, const Value& b, const Collation& coll = Collation());

// Three-valued truth: NULL (unknown), false, true.
enum class TriBool : uint8_t { kFalse = 0, kTrue = 1, kNull = 2 };
inline TriBool TriFromBool(bool b) { return b ? TriBool::kTrue : TriBool::kFalse; }
TriBool TriNot(TriBool a);
TriBool TriAnd(TriBool a, TriBool b);
TriBool TriOr(TriBool a, TriBool b);
// The SQL value of a truth value: INTEGER 0/1, or NULL.
Value TriToValue(TriBool t);

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIs, kIsNot };
// The truth of `a op b` given c = the order of a and b (< 0, 0, > 0), neither being NULL.
inline TriBool CompareOutcome(int c, CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kIs:
      return TriFromBool(c == 0);
    case CompareOp::kNe:
    case CompareOp::kIsNot:
      return TriFromBool(c != 0);
    case CompareOp::kLt:
      return TriFromBool(c < 0);
    case CompareOp::kLe:
      return TriFromBool(c <= 0);
    case CompareOp::kGt:
      return TriFromBool(c > 0);
    case CompareOp::kGe:
      return TriFromBool(c >= 0);
  }
  return TriBool::kNull;
}

// Evaluates `lhs op rhs` as SQLite's comparison opcodes do: the operands are first converted
// under `affinity` (see ComparisonAffinity/ApplyComparisonAffinity), then compared with `coll`.
// For kEq..kGe a NULL operand gives kNull; kIs/kIsNot treat NULLs as equal to each other and
// never give kNull.
TriBool CompareExpr(const Value& lhs, const Value& rhs, CompareOp op,
                    Affinity affinity = Affinity::kNone, const Collation& coll = Collation());

// Equality for GROUP BY, DISTINCT, UNION and IS: NULLs are equal to each other; 1 and 1.0 are
// equal; TEXT compares with the collation.
inline bool GroupEqual(const Value& a, const Value& b, const Collation& coll = Collation()) {
  return CompareValues(a, b, coll) == 0;
}

// A total order suitable for std::sort on values: CompareValues(...) < 0.
struct ValueLess {
  Collation coll;
  bool operator()(const Value& a, const Value& b) const { return CompareValues(a, b, coll) < 0; }
};

}  // namespace dosql::engine
