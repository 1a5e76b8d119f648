// SQLite's core scalar functions (func.c of SQLite 3.40, plus a few later additions).
#include "dosql/engine/functions.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "datetime.h"
#include "dosql/engine/affinity.h"
#include "dosql/engine/arith.h"
#include "dosql/engine/format.h"
#include "dosql/engine/like.h"
#include "json.h"

namespace dosql::engine {
namespace {

using Args = std::span<const Value>;
using Ctx = FunctionContext;

const Status& TooBig() {
  static const Status kStatus = Status::OutOfRange("string or blob too big");
  return kStatus;
}

// sqlite3_value_text(): false for NULL; numbers are rendered into `buf`.
bool TextOf(const Value& v, std::string* buf, std::string_view* out) {
  switch (v.type()) {
    case ValueType::kNull: return false;
    case ValueType::kText:
    case ValueType::kBlob: *out = v.view(); return true;
    default:
      buf->clear();
      AppendValueText(v, buf);
      *out = *buf;
      return true;
  }
}

// The same text cut at its first NUL byte (what SQLite's C-string loops see).
std::string_view CString(std::string_view s) {
  size_t n = s.find('\0');
  return n == std::string_view::npos ? s : s.substr(0, n);
}

int32_t ValueToInt32(const Value& v) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(ValueToInt64(v))));
}

// Bytes of a UTF-8 character starting at z[i] (SQLITE_SKIP_UTF8) within [0, n).
size_t SkipUtf8(std::string_view s, size_t i) {
  if (static_cast<unsigned char>(s[i++]) >= 0xc0) {
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) i++;
  }
  return i;
}

std::mt19937_64& Rng() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

// --- the functions ---------------------------------------------------------------------------

Result<Value> FnAbs(Args a, const Ctx&) {
  const Value& v = a[0];
  if (v.type() == ValueType::kInteger) {
    int64_t i = v.integer();
    if (i < 0) {
      if (i == std::numeric_limits<int64_t>::min()) {
        return Status::OutOfRange("integer overflow");
      }
      i = -i;
    }
    return Value::Integer(i);
  }
  if (v.is_null()) return Value::Null();
  double r = ValueToReal(v);
  return Value::Real(r < 0 ? -r : r);  // -0.0 stays -0.0, as in SQLite
}

Result<Value> FnCoalesce(Args a, const Ctx&) {
  for (const Value& v : a) {
    if (!v.is_null()) return v;
  }
  return Value::Null();
}

Result<Value> FnIif(Args a, const Ctx&) { return Truth(a[0]) == TriBool::kTrue ? a[1] : a[2]; }

Result<Value> FnNullif(Args a, const Ctx& ctx) {
  if (CompareValues(a[0], a[1], ctx.collation) != 0) return a[0];
  return Value::Null();
}

Result<Value> FnTypeof(Args a, const Ctx&) {
  return Value::Text(std::string(ValueTypeName(a[0].type())));
}

Result<Value> FnLength(Args a, const Ctx&) {
  const Value& v = a[0];
  switch (v.type()) {
    case ValueType::kNull: return Value::Null();
    case ValueType::kBlob: return Value::Integer(static_cast<int64_t>(v.view().size()));
    case ValueType::kInteger:
    case ValueType::kReal: {
      char buf[kNumberBufSize];
      size_t n = v.type() == ValueType::kInteger ? FormatInteger(v.integer(), buf)
                                                 : FormatReal(v.real(), buf);
      return Value::Integer(static_cast<int64_t>(n));
    }
    case ValueType::kText: {
      std::string_view z = v.view();
      int64_t chars = 0;
      size_t i = 0;
      // Eight bytes at a time while they are ASCII and none is NUL (a character each).
      constexpr uint64_t kHighs = 0x8080808080808080ull, kOnes = 0x0101010101010101ull;
      while (z.size() - i >= 8) {
        uint64_t w;
        std::memcpy(&w, z.data() + i, 8);
        if ((w & kHighs) != 0 || ((w - kOnes) & ~w & kHighs) != 0) break;
        chars += 8;
        i += 8;
      }
      while (i < z.size() && z[i] != 0) {
        auto c = static_cast<unsigned char>(z[i++]);
        chars++;
        if (c >= 0xc0) {
          while (i < z.size() && (static_cast<unsigned char>(z[i]) & 0xc0) == 0x80) i++;
        }
      }
      return Value::Integer(chars);
    }
  }
  return Value::Null();
}

Result<Value> FnOctetLength(Args a, const Ctx&) {
  const Value& v = a[0];
  if (v.is_null()) return Value::Null();
  if (v.is_numeric()) {
    char buf[kNumberBufSize];
    size_t n = v.type() == ValueType::kInteger ? FormatInteger(v.integer(), buf)
                                               : FormatReal(v.real(), buf);
    return Value::Integer(static_cast<int64_t>(n));
  }
  return Value::Integer(static_cast<int64_t>(v.view().size()));
}

Result<Value> CaseMap(Args a, bool upper) {
  std::string buf;
  std::string_view in;
  if (!TextOf(a[0], &buf, &in)) return Value::Null();
  std::string out(in);
  for (char& ch : out) {
    if (upper && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
    if (!upper && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
  }
  return Value::Text(std::move(out));
}
Result<Value> FnLower(Args a, const Ctx&) { return CaseMap(a, false); }
Result<Value> FnUpper(Args a, const Ctx&) { return CaseMap(a, true); }

Result<Value> Trim(Args a, int flags) {
  std::string buf, set_buf;
  std::string_view in;
  if (!TextOf(a[0], &buf, &in)) return Value::Null();
  std::string_view set = " ";
  if (a.size() == 2) {
    if (!TextOf(a[1], &set_buf, &set)) return Value::Null();
    set = CString(set);
  }
  // Split the set into UTF-8 characters.
  std::string_view chars[64];
  std::vector<std::string_view> many;
  size_t n_char = 0;
  for (size_t i = 0; i < set.size();) {
    size_t j = SkipUtf8(set, i);
    std::string_view ch = set.substr(i, j - i);
    if (n_char < 64) {
      chars[n_char] = ch;
    } else {
      if (many.empty()) many.assign(chars, chars + 64);
      many.push_back(ch);
    }
    n_char++;
    i = j;
  }
  auto at = [&](size_t i) { return many.empty() ? chars[i] : many[i]; };
  if (n_char > 0) {
    if (flags & 1) {
      while (!in.empty()) {
        size_t i = 0, len = 0;
        for (; i < n_char; i++) {
          len = at(i).size();
          if (len <= in.size() && std::memcmp(in.data(), at(i).data(), len) == 0) break;
        }
        if (i >= n_char) break;
        in.remove_prefix(len);
      }
    }
    if (flags & 2) {
      while (!in.empty()) {
        size_t i = 0, len = 0;
        for (; i < n_char; i++) {
          len = at(i).size();
          if (len <= in.size() &&
              std::memcmp(in.data() + in.size() - len, at(i).data(), len) == 0) {
            break;
          }
        }
        if (i >= n_char) break;
        in.remove_suffix(len);
      }
    }
  }
  return Value::Text(std::string(in));
}
Result<Value> FnLtrim(Args a, const Ctx&) { return Trim(a, 1); }
Result<Value> FnRtrim(Args a, const Ctx&) { return Trim(a, 2); }
Result<Value> FnTrim(Args a, const Ctx&) { return Trim(a, 3); }

Result<Value> FnReplace(Args a, const Ctx& ctx) {
  std::string sb, pb, rb;
  std::string_view str, pat, rep;
  if (!TextOf(a[0], &sb, &str)) return Value::Null();
  if (!TextOf(a[1], &pb, &pat)) return Value::Null();
  if (pat.empty() || pat[0] == 0) {
    // SQLite returns the first argument after converting it to text in place: numbers keep
    // their type, a BLOB comes back as TEXT.
    return a[0].type() == ValueType::kBlob ? Value::Text(a[0].bytes()) : a[0];
  }
  if (!TextOf(a[2], &rb, &rep)) return Value::Null();
  std::string out;
  out.reserve(str.size());
  size_t i = 0;
  while (i + pat.size() <= str.size()) {
    if (str[i] == pat[0] && std::memcmp(str.data() + i, pat.data(), pat.size()) == 0) {
      out.append(rep);
      i += pat.size();
      if (static_cast<int64_t>(out.size()) > ctx.max_length) return TooBig();
    } else {
      out.push_back(str[i++]);
    }
  }
  out.append(str.substr(i));
  if (static_cast<int64_t>(out.size()) > ctx.max_length) return TooBig();
  return Value::Text(std::move(out));
}

Result<Value> FnSubstr(Args a, const Ctx& ctx) {
  if (a[1].is_null() || (a.size() == 3 && a[2].is_null())) return Value::Null();
  bool is_blob = a[0].type() == ValueType::kBlob;
  int64_t p1 = ValueToInt32(a[1]);
  int64_t p2;
  bool neg_p2 = false;
  std::string buf;
  std::string_view z;
  if (!TextOf(a[0], &buf, &z)) return Value::Null();
  if (is_blob && z.empty()) return Value::Null();  // sqlite3_value_blob() gives NULL
  int64_t len = 0;
  if (is_blob) {
    len = static_cast<int64_t>(z.size());
  } else {
    z = CString(z);
    if (p1 < 0) {
      for (size_t i = 0; i < z.size(); i = SkipUtf8(z, i)) len++;
    }
  }
  if (a.size() == 3) {
    p2 = ValueToInt32(a[2]);
    if (p2 < 0) {
      p2 = -p2;
      neg_p2 = true;
    }
  } else {
    p2 = ctx.max_length;
  }
  if (p1 < 0) {
    p1 += len;
    if (p1 < 0) {
      p2 += p1;
      if (p2 < 0) p2 = 0;
      p1 = 0;
    }
  } else if (p1 > 0) {
    p1--;
  } else if (p2 > 0) {
    p2--;
  }
  if (neg_p2) {
    p1 -= p2;
    if (p1 < 0) {
      p2 += p1;
      p1 = 0;
    }
  }
  if (!is_blob) {
    size_t i = 0;
    while (i < z.size() && p1) {
      i = SkipUtf8(z, i);
      p1--;
    }
    size_t j = i;
    while (j < z.size() && p2) {
      j = SkipUtf8(z, j);
      p2--;
    }
    return Value::Text(std::string(z.substr(i, j - i)));
  }
  if (p1 + p2 > len) {
    p2 = len - p1;
    if (p2 < 0) p2 = 0;
  }
  if (p1 > len) return Value::Blob(std::string());
  return Value::Blob(std::string(z.substr(static_cast<size_t>(p1), static_cast<size_t>(p2))));
}

Result<Value> FnInstr(Args a, const Ctx&) {
  ValueType th = a[0].type(), tn = a[1].type();
  if (th == ValueType::kNull || tn == ValueType::kNull) return Value::Null();
  std::string hb, nb;
  std::string_view hay, needle;
  (void)TextOf(a[0], &hb, &hay);
  (void)TextOf(a[1], &nb, &needle);
  int64_t n = 1;
  if (!needle.empty()) {
    bool is_text = !(th == ValueType::kBlob && tn == ValueType::kBlob);
    size_t h = 0;
    while (needle.size() <= hay.size() - h &&
           (hay[h] != needle[0] || std::memcmp(hay.data() + h, needle.data(), needle.size()))) {
      n++;
      do {
        h++;
      } while (is_text && h < hay.size() && (static_cast<unsigned char>(hay[h]) & 0xc0) == 0x80);
      if (h > hay.size()) break;
    }
    if (needle.size() > hay.size() - std::min(h, hay.size())) n = 0;
  }
  return Value::Integer(n);
}

Result<Value> FnHex(Args a, const Ctx&) {
  std::string buf;
  std::string_view in;
  if (!TextOf(a[0], &buf, &in)) in = {};
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.resize(in.size() * 2);
  for (size_t i = 0; i < in.size(); i++) {
    auto c = static_cast<unsigned char>(in[i]);
    out[2 * i] = kHex[c >> 4];
    out[2 * i + 1] = kHex[c & 15];
  }
  return Value::Text(std::move(out));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<Value> FnUnhex(Args a, const Ctx&) {
  std::string buf, pbuf;
  std::string_view in, pass;
  if (!TextOf(a[0], &buf, &in)) return Value::Null();
  if (a.size() == 2 && !TextOf(a[1], &pbuf, &pass)) return Value::Null();
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    int hi = HexValue(in[i]);
    if (hi < 0) {
      // Characters from the second argument may appear between hex pairs.
      size_t j = SkipUtf8(in, i);
      std::string_view ch = in.substr(i, j - i);
      bool ok = false;
      for (size_t k = 0; k < pass.size();) {
        size_t l = SkipUtf8(pass, k);
        if (pass.substr(k, l - k) == ch) {
          ok = true;
          break;
        }
        k = l;
      }
      if (!ok) return Value::Null();
      i = j;
      continue;
    }
    if (i + 1 >= in.size()) return Value::Null();
    int lo = HexValue(in[i + 1]);
    if (lo < 0) return Value::Null();
    out.push_back(static_cast<char>((hi << 4) | lo));
    i += 2;
  }
  return Value::Blob(std::move(out));
}

Result<Value> FnQuote(Args a, const Ctx&) { return Value::Text(QuoteValue(a[0])); }

Result<Value> FnChar(Args a, const Ctx&) {
  std::string out;
  for (const Value& v : a) {
    int64_t x = ValueToInt64(v);
    if (x < 0 || x > 0x10ffff) x = 0xfffd;
    AppendUtf8(static_cast<uint32_t>(x & 0x1fffff), &out);
  }
  return Value::Text(std::move(out));
}

Result<Value> FnUnicode(Args a, const Ctx&) {
  std::string buf;
  std::string_view in;
  if (!TextOf(a[0], &buf, &in) || in.empty() || in[0] == 0) return Value::Null();
  size_t pos = 0;
  return Value::Integer(ReadUtf8(in, &pos));
}

Result<Value> FnRound(Args a, const Ctx&) {
  int n = 0;
  if (a.size() == 2) {
    if (a[1].is_null()) return Value::Null();
    n = ValueToInt32(a[1]);
    if (n > 30) n = 30;
    if (n < 0) n = 0;
  }
  if (a[0].is_null()) return Value::Null();
  double r = ValueToReal(a[0]);
  if (r < -4503599627370496.0 || r > 4503599627370496.0) {
    // No fractional part.
  } else if (n == 0) {
    r = static_cast<double>(static_cast<int64_t>(r + (r < 0 ? -0.5 : +0.5)));
  } else {
    std::string s;
    const Value pa[] = {Value::Integer(n), Value::Real(r)};
    Status st = AppendPrintf("%.*f", pa, &s);
    if (!st.ok()) return st;
    (void)ParseReal(s, &r);
  }
  return Value::Real(r);
}

// sqlite3_value_numeric_type(): TEXT that reads as a number becomes that number; anything else
// (other text, BLOB) keeps its type.
Value NumericArg(const Value& v) {
  Value x = v;
  if (x.type() == ValueType::kText) ApplyComparisonAffinity(&x, &x, Affinity::kNumeric);
  return x;
}

Result<Value> FnSign(Args a, const Ctx&) {
  Value v = NumericArg(a[0]);
  if (!v.is_numeric()) return Value::Null();
  double x = ValueToReal(v);
  return Value::Integer(x < 0.0 ? -1 : (x > 0.0 ? 1 : 0));
}

// --- math functions (SQLITE_ENABLE_MATH_FUNCTIONS) ---------------------------------------------
// Arguments must be numbers or numeric text, else the result is NULL; results are REAL, and a
// NaN (a domain error) is NULL.

Value RealOrNull(double r) { return std::isnan(r) ? Value::Null() : Value::Real(r); }

// ceil, floor, trunc: an INTEGER stays the same INTEGER.
template <double (*F)(double)>
Result<Value> FnIntegral(Args a, const Ctx&) {
  Value v = NumericArg(a[0]);
  if (v.type() == ValueType::kInteger) return v;
  if (v.type() == ValueType::kReal) return Value::Real(F(v.real()));
  return Value::Null();
}

template <double (*F)(double)>
Result<Value> FnMath1(Args a, const Ctx&) {
  Value v = NumericArg(a[0]);
  if (!v.is_numeric()) return Value::Null();
  return RealOrNull(F(ValueToReal(v)));
}

template <double (*F)(double, double)>
Result<Value> FnMath2(Args a, const Ctx&) {
  Value x = NumericArg(a[0]), y = NumericArg(a[1]);
  if (!x.is_numeric() || !y.is_numeric()) return Value::Null();
  return RealOrNull(F(ValueToReal(x), ValueToReal(y)));
}

// ln, log10, log2 and log(X) (base 10) of X > 0; log(B, X) = ln(X) / ln(B) for B > 1 and X > 0.
// As in SQLite, only B's type is checked in the two-argument form: X is read with
// sqlite3_value_double() (so 'abc' is 0 and gives NULL, '16abc' is 16).
template <double (*F)(double)>
Result<Value> FnLog(Args a, const Ctx&) {
  Value v = NumericArg(a[0]);
  if (!v.is_numeric()) return Value::Null();
  double x = ValueToReal(v);
  if (x <= 0.0) return Value::Null();
  if (a.size() == 1) return RealOrNull(F(x));
  double base = std::log(x);
  if (base <= 0.0) return Value::Null();
  x = ValueToReal(a[1]);
  if (x <= 0.0) return Value::Null();
  return RealOrNull(std::log(x) / base);
}

Result<Value> FnPi(Args, const Ctx&) { return Value::Real(std::numbers::pi); }

Result<Value> MinMax(Args a, const Ctx& ctx, bool is_max) {
  size_t best = 0;
  if (a[0].is_null()) return Value::Null();
  for (size_t i = 1; i < a.size(); i++) {
    if (a[i].is_null()) return Value::Null();
    int c = CompareValues(a[best], a[i], ctx.collation);
    if (is_max ? c < 0 : c >= 0) best = i;
  }
  return a[best];
}
Result<Value> FnMin(Args a, const Ctx& ctx) { return MinMax(a, ctx, false); }
Result<Value> FnMax(Args a, const Ctx& ctx) { return MinMax(a, ctx, true); }

Result<Value> FnRandom(Args, const Ctx&) {
  return Value::Integer(static_cast<int64_t>(Rng()()));
}

Result<Value> FnRandomblob(Args a, const Ctx& ctx) {
  int64_t n = ValueToInt64(a[0]);
  if (n < 1) n = 1;
  if (n > ctx.max_length) return TooBig();
  std::string out(static_cast<size_t>(n), '\0');
  for (char& c : out) c = static_cast<char>(Rng()() & 0xff);
  return Value::Blob(std::move(out));
}

Result<Value> FnZeroblob(Args a, const Ctx& ctx) {
  int64_t n = ValueToInt64(a[0]);
  if (n < 0) n = 0;
  if (n > ctx.max_length) return TooBig();
  return Value::Blob(std::string(static_cast<size_t>(n), '\0'));
}

Result<Value> FnPrintf(Args a, const Ctx& ctx) {
  if (a.empty()) return Value::Null();
  std::string fb;
  std::string_view fmt;
  if (!TextOf(a[0], &fb, &fmt)) return Value::Null();
  std::string out;
  bool produced = false;
  Status st =
      AppendPrintf(fmt, a.subspan(1), &out, static_cast<size_t>(ctx.max_length), &produced);
  // SQLite's printf() yields NULL (not an error) when the result would be too big.
  if (!st.ok()) return Value::Null();
  if (!produced) return Value::Null();
  return Value::Text(std::move(out));
}

Result<Value> FnConcat(Args a, const Ctx& ctx) {
  std::string out;
  for (const Value& v : a) AppendValueText(v, &out);
  if (static_cast<int64_t>(out.size()) > ctx.max_length) return TooBig();
  return Value::Text(std::move(out));
}

Result<Value> FnConcatWs(Args a, const Ctx& ctx) {
  std::string sb;
  std::string_view sep;
  if (!TextOf(a[0], &sb, &sep)) return Value::Null();
  std::string out;
  bool first = true;
  for (const Value& v : a.subspan(1)) {
    if (v.is_null()) continue;
    if (!first) out.append(sep);
    first = false;
    AppendValueText(v, &out);
  }
  if (static_cast<int64_t>(out.size()) > ctx.max_length) return TooBig();
  return Value::Text(std::move(out));
}

Result<Value> FnSoundex(Args a, const Ctx&) {
  static const unsigned char kCode[128] = {
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 1, 2, 0, 0, 2, 2, 4, 5,
      5, 0, 1, 2, 6, 2, 3, 0, 1, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 1, 2,
      0, 0, 2, 2, 4, 5, 5, 0, 1, 2, 6, 2, 3, 0, 1, 0, 2, 0, 2, 0, 0, 0, 0, 0,
  };
  std::string buf;
  std::string_view in;
  if (!TextOf(a[0], &buf, &in)) in = {};
  in = CString(in);
  auto is_alpha = [](unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; };
  size_t i = 0;
  while (i < in.size() && !is_alpha(static_cast<unsigned char>(in[i]))) i++;
  if (i >= in.size()) return Value::Text("?000");
  char result[5];
  auto first = static_cast<unsigned char>(in[i]);
  unsigned char prev = kCode[first & 0x7f];
  result[0] = static_cast<char>(first >= 'a' && first <= 'z' ? first - 32 : first);
  int j = 1;
  for (; j < 4 && i < in.size(); i++) {
    unsigned char code = kCode[static_cast<unsigned char>(in[i]) & 0x7f];
    if (code > 0) {
      if (code != prev) {
        prev = code;
        result[j++] = static_cast<char>(code + '0');
      }
    } else {
      prev = 0;
    }
  }
  while (j < 4) result[j++] = '0';
  return Value::Text(std::string(result, 4));
}

Result<Value> FnIdentity(Args a, const Ctx&) { return a[0]; }

Result<Value> FnLikelihood(Args a, const Ctx&) {
  double p = ValueToReal(a[1]);
  if (!a[1].is_numeric() || p < 0.0 || p > 1.0) {
    return Status::InvalidArgument(
        "second argument to likelihood() must be a constant between 0.0 and 1.0");
  }
  return a[0];
}

Result<Value> FnLike(Args a, const Ctx&) {
  // like(pattern, text [, escape])
  return SqlLike(a[1], a[0], a.size() == 3 ? &a[2] : nullptr);
}

Result<Value> FnGlob(Args a, const Ctx&) { return SqlGlob(a[1], a[0]); }

// The C library's math functions wrapped (taking the address of a std:: function is not
// portable).
double Ceil(double x) { return std::ceil(x); }
double Floor(double x) { return std::floor(x); }
double Trunc(double x) { return std::trunc(x); }
double Ln(double x) { return std::log(x); }
// SQLite divides the natural logarithm (log10(2) is 0.30102999566398114, not ...12).
double Log10(double x) { return std::log(x) / std::numbers::ln10; }
double Log2(double x) { return std::log(x) / std::numbers::ln2; }
double Degrees(double x) { return x * (180.0 / std::numbers::pi); }
double Radians(double x) { return x * (std::numbers::pi / 180.0); }
double Sqrt(double x) { return std::sqrt(x); }
double Exp(double x) { return std::exp(x); }
double Acos(double x) { return std::acos(x); }
double Asin(double x) { return std::asin(x); }
double Atan(double x) { return std::atan(x); }
double Cos(double x) { return std::cos(x); }
double Sin(double x) { return std::sin(x); }
double Tan(double x) { return std::tan(x); }
double Acosh(double x) { return std::acosh(x); }
double Asinh(double x) { return std::asinh(x); }
double Atanh(double x) { return std::atanh(x); }
double Cosh(double x) { return std::cosh(x); }
double Sinh(double x) { return std::sinh(x); }
double Tanh(double x) { return std::tanh(x); }
double Pow(double x, double y) { return std::pow(x, y); }
double Atan2(double y, double x) { return std::atan2(y, x); }
double Fmod(double x, double y) { return std::fmod(x, y); }

constexpr ScalarFunctionInfo kFunctions[] = {
    {"abs", 1, 1, true, FnAbs},
    {"acos", 1, 1, true, FnMath1<Acos>},
    {"acosh", 1, 1, true, FnMath1<Acosh>},
    {"asin", 1, 1, true, FnMath1<Asin>},
    {"asinh", 1, 1, true, FnMath1<Asinh>},
    {"atan", 1, 1, true, FnMath1<Atan>},
    {"atan2", 2, 2, true, FnMath2<Atan2>},
    {"atanh", 1, 1, true, FnMath1<Atanh>},
    {"ceil", 1, 1, true, FnIntegral<Ceil>},
    {"ceiling", 1, 1, true, FnIntegral<Ceil>},
    {"char", 0, -1, true, FnChar},
    {"coalesce", 2, -1, true, FnCoalesce},
    {"concat", 1, -1, true, FnConcat},
    {"concat_ws", 2, -1, true, FnConcatWs},
    {"cos", 1, 1, true, FnMath1<Cos>},
    {"cosh", 1, 1, true, FnMath1<Cosh>},
    {"date", 0, -1, false, FnDate},
    {"datetime", 0, -1, false, FnDatetime},
    {"degrees", 1, 1, true, FnMath1<Degrees>},
    {"exp", 1, 1, true, FnMath1<Exp>},
    {"floor", 1, 1, true, FnIntegral<Floor>},
    {"format", 0, -1, true, FnPrintf},
    {"glob", 2, 2, true, FnGlob},
    {"hex", 1, 1, true, FnHex},
    {"ifnull", 2, 2, true, FnCoalesce},
    {"iif", 3, 3, true, FnIif},
    {"instr", 2, 2, true, FnInstr},
    {"julianday", 0, -1, false, FnJulianday},
    {"length", 1, 1, true, FnLength},
    {"like", 2, 3, true, FnLike},
    {"likelihood", 2, 2, true, FnLikelihood},
    {"likely", 1, 1, true, FnIdentity},
    {"ln", 1, 1, true, FnLog<Ln>},
    {"log", 1, 2, true, FnLog<Log10>},
    {"log10", 1, 1, true, FnLog<Log10>},
    {"log2", 1, 1, true, FnLog<Log2>},
    {"lower", 1, 1, true, FnLower},
    {"ltrim", 1, 2, true, FnLtrim},
    {"max", 2, -1, true, FnMax},
    {"min", 2, -1, true, FnMin},
    {"mod", 2, 2, true, FnMath2<Fmod>},
    {"nullif", 2, 2, true, FnNullif},
    {"octet_length", 1, 1, true, FnOctetLength},
    {"pi", 0, 0, true, FnPi},
    {"pow", 2, 2, true, FnMath2<Pow>},
    {"power", 2, 2, true, FnMath2<Pow>},
    {"printf", 0, -1, true, FnPrintf},
    {"quote", 1, 1, true, FnQuote},
    {"radians", 1, 1, true, FnMath1<Radians>},
    {"random", 0, 0, false, FnRandom},
    {"randomblob", 1, 1, false, FnRandomblob},
    {"replace", 3, 3, true, FnReplace},
    {"round", 1, 2, true, FnRound},
    {"rtrim", 1, 2, true, FnRtrim},
    {"sign", 1, 1, true, FnSign},
    {"sin", 1, 1, true, FnMath1<Sin>},
    {"sinh", 1, 1, true, FnMath1<Sinh>},
    {"soundex", 1, 1, true, FnSoundex},
    {"sqrt", 1, 1, true, FnMath1<Sqrt>},
    {"strftime", 0, -1, false, FnStrftime},
    {"substr", 2, 3, true, FnSubstr},
    {"substring", 2, 3, true, FnSubstr},
    {"tan", 1, 1, true, FnMath1<Tan>},
    {"tanh", 1, 1, true, FnMath1<Tanh>},
    {"time", 0, -1, false, FnTime},
    {"timediff", 2, 2, false, FnTimediff},
    {"trim", 1, 2, true, FnTrim},
    {"trunc", 1, 1, true, FnIntegral<Trunc>},
    {"typeof", 1, 1, true, FnTypeof},
    {"unhex", 1, 2, true, FnUnhex},
    {"unicode", 1, 1, true, FnUnicode},
    {"unixepoch", 0, -1, false, FnUnixepoch},
    {"unlikely", 1, 1, true, FnIdentity},
    {"upper", 1, 1, true, FnUpper},
    {"zeroblob", 1, 1, true, FnZeroblob},
    {"json", 1, 1, true, JsonRemoveFn},
    {"json_array", 0, -1, true, JsonArrayFn},
    {"json_array_length", 1, 2, true, JsonArrayLengthFn},
    {"json_extract", 0, -1, true, JsonExtractFn},
    {"->", 2, 2, true, JsonArrowFn},
    {"->>", 2, 2, true, JsonArrowTextFn},
    {"json_insert", 0, -1, true, JsonInsertFn},
    {"json_object", 0, -1, true, JsonObjectFn},
    {"json_patch", 2, 2, true, JsonPatchFn},
    {"json_quote", 1, 1, true, JsonQuoteFn},
    {"json_remove", 0, -1, true, JsonRemoveFn},
    {"json_replace", 0, -1, true, JsonReplaceFn},
    {"json_set", 0, -1, true, JsonSetFn},
    {"json_type", 1, 2, true, JsonTypeFn},
    {"json_valid", 1, 1, true, JsonValidFn},
};

}  // namespace

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string QuoteValue(const Value& v) {
  std::string out;
  switch (v.type()) {
    case ValueType::kNull: return "NULL";
    case ValueType::kInteger: AppendInteger(v.integer(), &out); return out;
    case ValueType::kReal: {
      double r1 = v.real();
      AppendReal(r1, &out);
      double r2;
      (void)ParseReal(out, &r2);
      if (r1 != r2) {
        out.clear();
        const Value pa[] = {v};
        (void)AppendPrintf("%!.20e", pa, &out);
      }
      return out;
    }
    case ValueType::kText: {
      std::string_view s = CString(v.view());
      out.reserve(s.size() + 2);
      out.push_back('\'');
      for (char c : s) {
        out.push_back(c);
        if (c == '\'') out.push_back('\'');
      }
      out.push_back('\'');
      return out;
    }
    case ValueType::kBlob: {
      static const char kHex[] = "0123456789ABCDEF";
      out.reserve(v.view().size() * 2 + 3);
      out.append("X'");
      for (unsigned char c : v.view()) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
      out.push_back('\'');
      return out;
    }
  }
  return out;
}

const ScalarFunctionInfo* FindScalarFunction(std::string_view name) {
  char lower[32];
  if (name.size() >= sizeof(lower)) return nullptr;
  for (size_t i = 0; i < name.size(); i++) {
    char c = name[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  std::string_view key(lower, name.size());
  for (const ScalarFunctionInfo& f : kFunctions) {
    if (f.name == key) return &f;
  }
  return nullptr;
}

std::span<const ScalarFunctionInfo> ScalarFunctions() { return kFunctions; }

Result<Value> CallScalarFunction(std::string_view name, std::span<const Value> args,
                                 const FunctionContext& ctx) {
  const ScalarFunctionInfo* f = FindScalarFunction(name);
  if (f == nullptr) return Status::NotFound("no such function: " + std::string(name));
  auto n = static_cast<int>(args.size());
  if (n < f->min_args || (f->max_args >= 0 && n > f->max_args)) {
    return Status::InvalidArgument("wrong number of arguments to function " + std::string(name) +
                                   "()");
  }
  return f->fn(args, ctx);
}

}  // namespace dosql::engine
