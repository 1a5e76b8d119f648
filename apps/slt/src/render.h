// dosql-slt — rendering of result values the way sqllogictest's C reference does.
//
// sqllogictest compares text: every result value is rendered according to the query's type
// letter, exactly as the reference runner renders SQLite's results (sqllogictest's slt_sqlite.c):
//
//   NULL (any letter)  "NULL"
//   'I'  the value as a 64-bit integer, printed in decimal. REAL is truncated toward zero and
//        clamped to the int64 range; TEXT/BLOB take their leading integer prefix ("12abc" -> 12,
//        "abc" -> 0), clamped on overflow. (The C reference reads it through the 32-bit
//        sqlite3_column_int; see docs/slt.md for why dosql prints the full 64-bit value.)
//   'R'  the value as a double, printed like SQLite's printf "%.3f": at most 16 significant
//        digits (then zeros), ties rounded away from zero, -0.0 printed as "0.000". TEXT/BLOB
//        take their leading numeric prefix ("1.5e2x" -> 150.0).
//   'T'  the value as text: INTEGER in decimal, REAL as SQLite's "%!.15g" (e.g. "1.0",
//        "1.0e+20"), TEXT/BLOB bytes up to the first NUL. An empty string is "(empty)" and every
//        byte outside ' '..'~' (control characters, DEL, non-ASCII) becomes '@'.
//
// The conversions are SQLite's (sqlite3VdbeIntValue, sqlite3VdbeRealValue, and the rounding of
// its printf since 3.43, sqlite3FpDecode: round half away from zero on the exact decimal digits),
// so that an engine with SQLite's semantics renders exactly as the corpus expects. SQLite 3.40's
// printf computed in long double and differs in rare last places: it truncates beyond the 16th
// significant digit ("%.3f" of -2^63: 3.40 prints -9223372036854775000.000; the corpus and
// SQLite >= 3.43 -9223372036854776000.000), rounds up values within a relative 3e-16 below a
// rounding boundary, and can round an exact tie at the 16th digit down. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dosql/core/value.h"

namespace dosql::slt {

// Renders `value` for a result column of sqllogictest type letter `type` ('I', 'R' or 'T'; any
// other letter renders like 'T').
std::string RenderValue(const Value& value, char type);

// The conversions behind RenderValue, exposed for tests and for backends that want them.
// SQLite's text-to-integer conversion: the leading integer prefix, clamped to int64.
int64_t TextToInteger(std::string_view text);
// SQLite's text-to-real conversion: the leading numeric prefix, 0.0 if there is none.
double TextToReal(std::string_view text);
// SQLite's real-to-integer conversion: truncation toward zero, clamped to int64 (NaN gives 0).
int64_t RealToInteger(double value);
// SQLite's printf "%.3f".
std::string FormatReal3(double value);
// SQLite's conversion of a REAL to TEXT (printf "%!.15g").
std::string RealToText(double value);

}  // namespace dosql::slt
