#include "src/render.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace dosql::slt {
namespace {

constexpr int64_t kLargestInt64 = std::numeric_limits<int64_t>::max();
constexpr int64_t kSmallestInt64 = std::numeric_limits<int64_t>::min();

// sqlite3Isspace: the ASCII whitespace characters.
bool IsSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The significant decimal digits of a double, rounded the way SQLite's printf rounds them
// (sqlite3FpDecode, SQLite 3.43 and later): value = 0.<digits> * 10^decimal_point.
struct DecimalDigits {
  bool negative = false;
  std::string digits;     // no trailing zeros, at least one digit
  int decimal_point = 0;  // position of the decimal point relative to the first digit
};

// Decodes a finite `value`. If `round_at` > 0 the digits are rounded to min(round_at, max_digits)
// significant digits; if `round_at` <= 0, to -round_at digits after the decimal point, and never
// to more than max_digits significant digits. Rounding is half away from zero on the decimal
// expansion.
DecimalDigits DecodeDecimal(double value, int round_at, int max_digits) {
  DecimalDigits d;
  if (value == 0.0) {  // also -0.0: SQLite prints no sign for it
    d.digits = "0";
    d.decimal_point = 1;
    return d;
  }
  d.negative = value < 0;
  // 30 significant digits, correctly rounded by the C library: beyond what double-double
  // arithmetic (SQLite's) resolves, so rounding them again at the 16th digit or before is exact
  // but for values within 1e-30 of a tie.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.29e", std::fabs(value));  // d.ddd...de[+-]x
  const char* e = std::strchr(buf, 'e');
  std::string digits;
  digits.reserve(32);
  digits += buf[0];
  digits.append(buf + 2, static_cast<size_t>(e - (buf + 2)));
  int exp10 = std::atoi(e + 1);
  d.decimal_point = exp10 + 1;
  int n = static_cast<int>(digits.size());
  if (round_at <= 0) {
    round_at = d.decimal_point - round_at;
    if (round_at == 0 && digits[0] >= '5') {  // rounds up to the first kept place
      digits.insert(digits.begin(), '0');
      ++n;
      ++d.decimal_point;
      round_at = 1;
    }
  }
  if (round_at > 0 && (round_at < n || n > max_digits)) {
    if (round_at > max_digits) round_at = max_digits;
    bool round_up = digits[static_cast<size_t>(round_at)] >= '5';
    digits.resize(static_cast<size_t>(round_at));
    if (round_up) {
      int j = round_at - 1;
      while (true) {
        if (++digits[static_cast<size_t>(j)] <= '9') break;
        digits[static_cast<size_t>(j)] = '0';
        if (j == 0) {
          digits.insert(digits.begin(), '1');
          ++d.decimal_point;
          break;
        }
        --j;
      }
    }
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  d.digits = std::move(digits);
  return d;
}

// SQLite's printf for "%.<precision>f" (generic = false) and "%!.<precision>g" (generic = true).
std::string SqlitePrintfReal(double value, bool generic, int precision) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value < 0 ? "-Inf" : "Inf";
  int round_at;
  if (!generic) {
    round_at = -precision;
  } else {
    if (precision == 0) precision = 1;
    round_at = precision;
  }
  // The '!' flag of "%!.15g" allows 26 significant digits and keeps a ".0"; "%.3f" has neither.
  const bool altform2 = generic;
  DecimalDigits d = DecodeDecimal(value, round_at, altform2 ? 26 : 16);
  int exp = d.decimal_point - 1;
  if (generic && precision > 0) --precision;
  bool exponent_form = false;
  if (generic) {
    if (exp < -4 || exp > precision) {
      exponent_form = true;
    } else {
      precision -= exp;
    }
  }
  size_t next = 0;  // next digit of d.digits to print; zeros once they run out
  auto digit = [&]() { return next < d.digits.size() ? d.digits[next++] : '0'; };

  std::string out;
  out.reserve(32);
  if (d.negative) out += '-';
  int e2 = exponent_form ? 0 : exp;
  if (e2 < 0) {
    out += '0';
  } else {
    for (; e2 >= 0; --e2) out += digit();
  }
  const bool decimal_point = precision > 0 || altform2;
  if (decimal_point) out += '.';
  for (++e2; e2 < 0 && precision > 0; --precision, ++e2) out += '0';
  while (precision-- > 0) out += digit();
  if (generic && decimal_point) {  // "%g" removes trailing zeros; '!' keeps one after the '.'
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out += '0';
  }
  if (exponent_form) {
    out += 'e';
    if (exp < 0) {
      out += '-';
      exp = -exp;
    } else {
      out += '+';
    }
    if (exp >= 100) {
      out += static_cast<char>('0' + exp / 100);
      exp %= 100;
    }
    out += static_cast<char>('0' + exp / 10);
    out += static_cast<char>('0' + exp % 10);
  }
  return out;
}

// The bytes SQLite's sqlite3_column_text() would hand a C caller: TEXT/BLOB up to the first NUL.
std::string_view CString(const Value& value) {
  std::string_view bytes = value.view();
  size_t nul = bytes.find('\0');
  return nul == std::string_view::npos ? bytes : bytes.substr(0, nul);
}

int64_t ToInteger(const Value& value) {
  switch (value.type()) {
    case ValueType::kInteger:
      return value.integer();
    case ValueType::kReal:
      return RealToInteger(value.real());
    case ValueType::kText:
    case ValueType::kBlob:
      return TextToInteger(value.view());
    case ValueType::kNull:
      return 0;
  }
  return 0;
}

double ToReal(const Value& value) {
  switch (value.type()) {
    case ValueType::kInteger:
      return static_cast<double>(value.integer());
    case ValueType::kReal:
      return value.real();
    case ValueType::kText:
    case ValueType::kBlob:
      return TextToReal(value.view());
    case ValueType::kNull:
      return 0.0;
  }
  return 0.0;
}

std::string ToText(const Value& value) {
  std::string text;
  switch (value.type()) {
    case ValueType::kInteger:
      text = std::to_string(value.integer());
      break;
    case ValueType::kReal:
      text = RealToText(value.real());
      break;
    case ValueType::kText:
    case ValueType::kBlob:
      text = std::string(CString(value));
      break;
    case ValueType::kNull:
      return "NULL";
  }
  if (text.empty()) return "(empty)";
  for (char& c : text) {
    if (c < ' ' || c > '~') c = '@';  // char is signed: bytes >= 0x80 are negative
  }
  return text;
}

}  // namespace

int64_t TextToInteger(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  while (i < text.size() && text[i] == '0') ++i;
  size_t start = i;
  uint64_t magnitude = 0;
  for (; i < text.size() && IsDigit(text[i]) && i - start < 20; ++i) {
    magnitude = magnitude * 10 + static_cast<uint64_t>(text[i] - '0');
  }
  const bool more_digits = i < text.size() && IsDigit(text[i]);
  size_t digits = i - start;
  // More than 19 significant digits, or a value of at least 2^63, clamps (-2^63 itself is exact).
  if (more_digits || digits > 19 || magnitude > static_cast<uint64_t>(kLargestInt64)) {
    return negative ? kSmallestInt64 : kLargestInt64;
  }
  auto v = static_cast<int64_t>(magnitude);
  return negative ? -v : v;
}

double TextToReal(std::string_view text) {
  // The longest prefix of the form  space* [+-] digit* [. digit*] [(e|E) [+-] digit+]  with at
  // least one mantissa digit; strtod then converts exactly that prefix.
  size_t i = 0;
  while (i < text.size() && IsSpace(text[i])) ++i;
  size_t begin = i;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  size_t mantissa_digits = 0;
  while (i < text.size() && IsDigit(text[i])) ++i, ++mantissa_digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return 0.0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    size_t j = i + 1;
    if (j < text.size() && (text[j] == '-' || text[j] == '+')) ++j;
    if (j < text.size() && IsDigit(text[j])) {
      while (j < text.size() && IsDigit(text[j])) ++j;
      i = j;
    }
  }
  std::string prefix(text.substr(begin, i - begin));
  return std::strtod(prefix.c_str(), nullptr);
}

int64_t RealToInteger(double value) {
  if (std::isnan(value)) return 0;
  if (value <= static_cast<double>(kSmallestInt64)) return kSmallestInt64;
  if (value >= static_cast<double>(kLargestInt64)) return kLargestInt64;
  return static_cast<int64_t>(value);
}

std::string FormatReal3(double value) { return SqlitePrintfReal(value, false, 3); }

std::string RealToText(double value) { return SqlitePrintfReal(value, true, 15); }

std::string RenderValue(const Value& value, char type) {
  if (value.is_null()) return "NULL";
  switch (type) {
    case 'I':
      return std::to_string(ToInteger(value));
    case 'R':
      return FormatReal3(ToReal(value));
    default:
      return ToText(value);
  }
}

}  // namespace dosql::slt
