// dosql::engine — rendering and parsing numbers exactly as SQLite 3.40 does.
//
// What it is for: every place where a number becomes text (CAST, ||, printf, results) or text
// becomes a number (affinity, arithmetic, CAST) goes through these functions so that dosql
// produces SQLite's bytes: REALs print with "%!.15g" ("1.0", "1.0e+20", "Inf"), text is parsed
// with SQLite's prefix rules (sqlite3AtoF / sqlite3Atoi64 equivalents), and printf() is SQLite's
// own printf, not the C library's. Nothing here depends on the C locale.
//
// Ownership: pure functions; output goes to caller-owned buffers or strings (appended, so callers
// can reuse one buffer across rows). Threads: all functions are reentrant and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "dosql/core/status.h"
#include "dosql/core/value.h"

namespace dosql::engine {

// SQLite's notion of white space: ' ', '\t', '\n', '\v', '\f', '\r' (ASCII only).
constexpr bool IsSqlSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
constexpr bool IsSqlDigit(unsigned char c) { return c >= '0' && c <= '9'; }

// How text parsed as a REAL (sqlite3AtoF's return code). The parsed value of the numeric prefix
// is produced in every case ('12abc' -> 12.0, 'abc' -> 0.0).
enum class RealParse : int8_t {
  kPrefixReal = -1,  // a valid prefix with '.' or an exponent, followed by other text ('1.5x')
  kNotNumeric = 0,     // not a number as a whole ('', 'abc', '12abc', '0x10', '1e')
  kInteger = 1,        // the whole text is an integer literal ('  -12 ')
  kReal = 2,           // a number with a decimal point or an exponent ('1.', '.5', '1e5')
  kRealPointExp = 3,   // a number with both ('1.5E-3')
};
[[nodiscard]] RealParse ParseReal(std::string_view text, double* out);
// True if ParseReal says the whole text is a number (kInteger, kReal or kRealPointExp).
inline bool IsWholeNumber(RealParse p) { return static_cast<int>(p) > 0; }

// How text parsed as a 64-bit integer (sqlite3Atoi64's return code). The value is always set:
// the integer prefix, saturated to INT64_MIN/INT64_MAX on overflow, 0 if there are no digits.
enum class IntParse : int8_t {
  kNoDigits = -1,     // no digits at all
  kOk = 0,            // the whole text (spaces allowed around) is an integer that fits
  kTrailingText = 1,  // digits followed by other text ('12abc', '1e5', '1.5')
  kOverflow = 2,      // too large for 64 bits
  kTwoPow63 = 3,      // exactly 9223372036854775808 without a minus sign
};
[[nodiscard]] IntParse ParseInt64(std::string_view text, int64_t* out);

// REAL -> INTEGER as SQLite converts: truncation toward zero, saturating at the int64 limits
// (NaN gives INT64_MIN, as on x86-64).
int64_t RealToInt64(double r);
// True if `r` is exactly the integer `i` and |i| < 2^51, or r is zero (sqlite3RealSameAsInt).
bool RealSameAsInt(double r, int64_t i);

// Enough for any integer or any "%!.15g" rendering, with a terminating NUL.
inline constexpr size_t kNumberBufSize = 32;
// Writes the decimal text of `v` to `buf` (at least kNumberBufSize bytes); returns its length.
size_t FormatInteger(int64_t v, char* buf);
// Writes SQLite's text for a REAL ("%!.15g": 15 significant digits, ".0" kept on integral
// values, "1.0e+20", "Inf", "-Inf") to `buf`; returns its length. No heap allocation.
size_t FormatReal(double v, char* buf);
void AppendInteger(int64_t v, std::string* out);
void AppendReal(double v, std::string* out);
std::string IntegerToText(int64_t v);
std::string RealToText(double v);

// sqlite3_value_text(): appends the text of a value (numbers rendered as above, TEXT and BLOB
// bytes as they are, NULL appends nothing). Returns false for NULL.
bool AppendValueText(const Value& v, std::string* out);
// sqlite3_value_double() / sqlite3_value_int64(): numeric value of any value (TEXT and BLOB by
// their numeric prefix, NULL -> 0).
double ValueToReal(const Value& v);
int64_t ValueToInt64(const Value& v);

// SQLite's printf as used by the SQL function printf()/format(): conversions d i u x X o c s q Q
// w f e E g G p n % r with flags - + space # 0 ! , and width/precision (also '*'), arguments
// taken from `args` (missing ones read as NULL/0). Appends to `out`. An unknown conversion stops
// the output there, as SQLite does. Fails only when the result would exceed `max_length` bytes
// ("string or blob too big"). If `produced` is given it tells whether anything was emitted at
// all (even an empty conversion): SQLite's printf() returns NULL when nothing was.
[[nodiscard]] Status AppendPrintf(std::string_view format, std::span<const Value> args,
                                  std::string* out, size_t max_length = 1000000000,
                                  bool* produced = nullptr);

}  // namespace dosql::engine
