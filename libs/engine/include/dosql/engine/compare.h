// dosql::engine — comparison of SQL values with SQLite's rules, collations and NULL logic.
//
// What it is for: the executor's comparison operators (=, <, IS, IN, BETWEEN, CASE), sorting
// (ORDER BY, indexes), and grouping (GROUP BY, DISTINCT, UNION) all compare values here. Order
// across storage classes: NULL < INTEGER/REAL (compared numerically, exactly) < TEXT (by
// collation) < BLOB (memcmp, then length). Three-valued logic uses TriBool.
//
// Ownership: pure functions over caller-owned values; no allocation except where an operand has
// to be converted for a comparison affinity (CompareExpr). Threads: reentrant and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/affinity.h"

namespace dosql::engine {

// The built-in collating sequences.
enum class Collation : uint8_t {
  kBinary,  // memcmp, then length
  kNoCase,  // ASCII letters folded to lower case; other bytes compared as they are
  kRTrim,   // trailing spaces ignored, then BINARY
};

// "BINARY", "NOCASE", "RTRIM" (case-insensitive) -> collation; NotFound otherwise
// ("no such collation sequence: X").
[[nodiscard]] Result<Collation> CollationFromName(std::string_view name);
std::string_view CollationName(Collation c);

// Compares two strings under a collation: <0, 0, >0.
int CompareText(std::string_view a, std::string_view b, Collation coll);

// Compares an integer with a double exactly (SQLite's sqlite3IntFloatCompare).
int CompareIntReal(int64_t i, double r);

// SQLite's sqlite3MemCompare: total order on values (two NULLs compare equal); TEXT by the
// collation. This is the order of ORDER BY (NULLs first) and of index keys.
int CompareValues(const Value& a, const Value& b, Collation coll = Collation::kBinary);

// Three-valued truth: NULL (unknown), false, true.
enum class TriBool : uint8_t { kFalse = 0, kTrue = 1, kNull = 2 };
inline TriBool TriFromBool(bool b) { return b ? TriBool::kTrue : TriBool::kFalse; }
TriBool TriNot(TriBool a);
TriBool TriAnd(TriBool a, TriBool b);
TriBool TriOr(TriBool a, TriBool b);
// The SQL value of a truth value: INTEGER 0/1, or NULL.
Value TriToValue(TriBool t);

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIs, kIsNot };

// Evaluates `lhs op rhs` as SQLite's comparison opcodes do: the operands are first converted
// under `affinity` (see ComparisonAffinity/ApplyComparisonAffinity), then compared with `coll`.
// For kEq..kGe a NULL operand gives kNull; kIs/kIsNot treat NULLs as equal to each other and
// never give kNull.
TriBool CompareExpr(const Value& lhs, const Value& rhs, CompareOp op,
                    Affinity affinity = Affinity::kNone, Collation coll = Collation::kBinary);

// Equality for GROUP BY, DISTINCT, UNION and IS: NULLs are equal to each other; 1 and 1.0 are
// equal; TEXT compares with the collation.
inline bool GroupEqual(const Value& a, const Value& b, Collation coll = Collation::kBinary) {
  return CompareValues(a, b, coll) == 0;
}

// A total order suitable for std::sort on values: CompareValues(...) < 0.
struct ValueLess {
  Collation coll = Collation::kBinary;
  bool operator()(const Value& a, const Value& b) const { return CompareValues(a, b, coll) < 0; }
};

}  // namespace dosql::engine
