// dosql::engine — type affinity and CAST, exactly as SQLite 3.40 applies them.
//
// What it is for: the binder derives a column's affinity from its declared type
// (AffinityFromDeclaredType), the executor applies it when storing values (ApplyAffinity), picks
// the affinity of a comparison from its operands (ComparisonAffinity) and evaluates CAST
// (CastValue). See SQLite's datatype3.html §3 and §4.
//
// Ownership: pure functions over dosql::Value; values are modified in place or returned by
// value. Numeric paths never allocate. Threads: reentrant and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "dosql/core/value.h"

namespace dosql::engine {

// SQLite's affinities. The numeric values match SQLite's SQLITE_AFF_* codes so that order
// comparisons carry over (kNumeric and above are the numeric affinities). kNone is the
// "no affinity" of an expression that is not a column (a literal, a function result).
enum class Affinity : uint8_t {
  kNone = 0x40,
  kBlob = 0x41,  // a.k.a. no affinity for a column: "BLOB" or no declared type
  kText = 0x42,
  kNumeric = 0x43,
  kInteger = 0x44,
  kReal = 0x45,
};

inline bool IsNumericAffinity(Affinity a) { return a >= Affinity::kNumeric; }

// "TEXT", "NUMERIC", ... (kNone and kBlob give "BLOB" and "NONE" respectively).
std::string_view AffinityName(Affinity a);

// Column affinity from a declared type name (datatype3.html §3.1, in rule order: "INT" ->
// INTEGER; "CHAR", "CLOB", "TEXT" -> TEXT; "BLOB" or empty -> BLOB; "REAL", "FLOA", "DOUB" ->
// REAL; otherwise NUMERIC). Matching is case-insensitive on substrings.
Affinity AffinityFromDeclaredType(std::string_view declared_type);

// The affinity CAST(x AS <type>) converts to: the same rules, except that an empty type name
// means BLOB... as in SQLite, CAST uses the type name's affinity (sqlite3AffinityType).
inline Affinity CastAffinity(std::string_view type_name) {
  return AffinityFromDeclaredType(type_name);
}

// Applies a column affinity to a value as SQLite does when a value is stored in a column (or
// passed through OP_Affinity):
//  - TEXT: INTEGER/REAL become their text; BLOB and NULL unchanged.
//  - NUMERIC, INTEGER: TEXT that is a whole number becomes INTEGER (if it is an integer or a
//    real with an exact integer value, e.g. '1.0', '1e5') or REAL; other text is unchanged (hex
//    is not converted); a REAL with an exact integer value strictly inside the int64 range
//    becomes INTEGER.
//  - REAL: like NUMERIC, but the result of a conversion to a number is always REAL.
//  - BLOB, kNone: no change.
void ApplyAffinity(Value* v, Affinity affinity);

// The affinity used to compare `lhs op rhs` given each operand's own affinity (kNone for an
// operand that is not a column or CAST): if both have an affinity, NUMERIC if either is numeric,
// else BLOB (no conversion); if one has, that one; if neither, BLOB (datatype3.html §4.2).
Affinity ComparisonAffinity(Affinity lhs, Affinity rhs);

// Prepares two operands for comparison under `affinity` (the result of ComparisonAffinity), as
// SQLite's comparison opcodes do: numeric affinity turns numeric-looking TEXT into a number
// (on both sides); TEXT affinity turns numbers into text when the other side is text.
void ApplyComparisonAffinity(Value* lhs, Value* rhs, Affinity affinity);

// The same for one operand compared with a column (an index lookup's key or bound): numeric
// affinities turn numeric-looking TEXT into a number and leave numbers exact (an INTEGER next
// to REAL keys stays an INTEGER, unlike ApplyAffinity(kReal)); TEXT turns numbers into text.
void ApplyOperandAffinity(Value* v, Affinity affinity);

// CAST(v AS <affinity>) (sqlite3VdbeMemCast): NULL stays NULL.
//  - INTEGER: REAL truncated and saturated; TEXT/BLOB by integer prefix ('12abc' -> 12,
//    'abc' -> 0, '1e5' -> 1, huge -> INT64_MAX).
//  - REAL: TEXT/BLOB by numeric prefix ('1.5x' -> 1.5, 'abc' -> 0.0).
//  - NUMERIC: numbers unchanged; TEXT/BLOB -> INTEGER when the prefix is an integer (or an exact
//    small integral real), else REAL.
//  - TEXT: numbers rendered, BLOB bytes reinterpreted as text.
//  - BLOB (and kNone): TEXT/numbers -> their bytes as BLOB.
Value CastValue(const Value& v, Affinity target);
void CastInPlace(Value* v, Affinity target);

// The numeric value of TEXT/BLOB for arithmetic (SQLite's numericType()): INTEGER when the text
// is an integer or an integer prefix that fits ('12abc', 'abc' -> 0), REAL otherwise ('1.5',
// '1e5', '1.5x', '99999999999999999999'). NULL, INTEGER and REAL are returned unchanged.
Value NumericValue(const Value& v);

}  // namespace dosql::engine
