// SQLite-exact number parsing and rendering, and SQLite's printf.
#include "dosql/engine/format.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace dosql::engine {
namespace {

constexpr int64_t kLargest = std::numeric_limits<int64_t>::max();
constexpr int64_t kSmallest = std::numeric_limits<int64_t>::min();

// Compares the 19 digits at `z` with "9223372036854775808": <0, 0 or >0.
int Compare2Pow63(const char* z) {
  static const char kPow63[] = "922337203685477580";
  int c = 0;
  for (int i = 0; c == 0 && i < 18; i++) c = (z[i] - kPow63[i]) * 10;
  if (c == 0) c = z[18] - '8';
  return c;
}

}  // namespace

RealParse ParseReal(std::string_view text, double* out) {
  const char* z = text.data();
  const char* end = z + text.size();
  int sign = 1;
  uint64_t s = 0;
  int d = 0;
  int esign = 1;
  int e = 0;
  bool e_valid = true;
  int n_digit = 0;
  int e_type = 1;
  *out = 0.0;
  if (text.empty()) return RealParse::kNotNumeric;
  while (z < end && IsSqlSpace(*z)) z++;
  if (z >= end) return RealParse::kNotNumeric;
  if (*z == '-') {
    sign = -1;
    z++;
  } else if (*z == '+') {
    z++;
  }
  constexpr uint64_t kLimit = (static_cast<uint64_t>(kLargest) - 9) / 10;
  while (z < end && IsSqlDigit(*z)) {
    s = s * 10 + static_cast<uint64_t>(*z - '0');
    z++;
    n_digit++;
    if (s >= kLimit) {
      while (z < end && IsSqlDigit(*z)) {
        z++;
        d++;
      }
    }
  }
  if (z < end) {
    if (*z == '.') {
      z++;
      e_type++;
      while (z < end && IsSqlDigit(*z)) {
        if (s < kLimit) {
          s = s * 10 + static_cast<uint64_t>(*z - '0');
          d--;
          n_digit++;
        }
        z++;
      }
    }
    if (z < end && (*z == 'e' || *z == 'E')) {
      z++;
      e_valid = false;
      e_type++;
      if (z < end) {
        if (*z == '-') {
          esign = -1;
          z++;
        } else if (*z == '+') {
          z++;
        }
        while (z < end && IsSqlDigit(*z)) {
          e = e < 10000 ? (e * 10 + (*z - '0')) : 10000;
          z++;
          e_valid = true;
        }
      }
    }
    if (z < end) {
      while (z < end && IsSqlSpace(*z)) z++;
    }
  }
  // Compute the value the way SQLite 3.40 does (long double scaling), so that results agree
  // bit for bit, including its rare deviations from correct rounding.
  e = e * esign + d;
  if (e < 0) {
    esign = -1;
    e = -e;
  } else {
    esign = 1;
  }
  double result;
  if (s == 0) {
    result = sign < 0 ? -0.0 : 0.0;
  } else {
    while (e > 0) {
      if (esign > 0) {
        if (s >= static_cast<uint64_t>(kLargest / 10)) break;
        s *= 10;
      } else {
        if (s % 10 != 0) break;
        s /= 10;
      }
      e--;
    }
    int64_t si = sign < 0 ? -static_cast<int64_t>(s) : static_cast<int64_t>(s);
    if (e == 0) {
      result = static_cast<double>(si);
    } else {
      long double scale = 1.0;
      if (e > 307) {
        if (e < 342) {
          while (e % 308) {
            scale *= 1.0e+1;
            e -= 1;
          }
          if (esign < 0) {
            result = static_cast<double>(si / scale);
            result /= 1.0e+308;
          } else {
            result = static_cast<double>(si * scale);
            result *= 1.0e+308;
          }
        } else if (esign < 0) {
          result = 0.0 * static_cast<double>(si);
        } else {
          result = std::numeric_limits<double>::infinity() * static_cast<double>(si);
        }
      } else {
        while (e % 22) {
          scale *= 1.0e+1;
          e -= 1;
        }
        while (e > 0) {
          scale *= 1.0e+22;
          e -= 22;
        }
        if (esign < 0) {
          result = static_cast<double>(si / scale);
        } else {
          result = static_cast<double>(si * scale);
        }
      }
    }
  }
  *out = result;
  if (z == end && n_digit > 0 && e_valid && e_type > 0) return static_cast<RealParse>(e_type);
  if (e_type >= 2 && (e_type == 3 || e_valid) && n_digit > 0) return RealParse::kPrefixReal;
  return RealParse::kNotNumeric;
}

IntParse ParseInt64(std::string_view text, int64_t* out) {
  const char* z = text.data();
  const char* end = z + text.size();
  uint64_t u = 0;
  bool neg = false;
  while (z < end && IsSqlSpace(*z)) z++;
  if (z < end) {
    if (*z == '-') {
      neg = true;
      z++;
    } else if (*z == '+') {
      z++;
    }
  }
  const char* start = z;
  while (z < end && *z == '0') z++;
  ptrdiff_t i = 0;
  while (z + i < end && IsSqlDigit(z[i])) {
    u = u * 10 + static_cast<uint64_t>(z[i] - '0');
    i++;
  }
  if (u > static_cast<uint64_t>(kLargest)) {
    *out = neg ? kSmallest : kLargest;
  } else if (neg) {
    *out = -static_cast<int64_t>(u);
  } else {
    *out = static_cast<int64_t>(u);
  }
  IntParse rc = IntParse::kOk;
  if (i == 0 && start == z) {
    rc = IntParse::kNoDigits;
  } else if (z + i < end) {
    for (const char* p = z + i; p < end; p++) {
      if (!IsSqlSpace(*p)) {
        rc = IntParse::kTrailingText;
        break;
      }
    }
  }
  if (i < 19) return rc;
  int c = i > 19 ? 1 : Compare2Pow63(z);
  if (c < 0) return rc;
  *out = neg ? kSmallest : kLargest;
  if (c > 0) return IntParse::kOverflow;
  return neg ? rc : IntParse::kTwoPow63;
}

int64_t RealToInt64(double r) {
  if (std::isnan(r)) return kSmallest;
  if (r <= static_cast<double>(kSmallest)) return kSmallest;
  if (r >= static_cast<double>(kLargest)) return kLargest;
  return static_cast<int64_t>(r);
}

bool RealSameAsInt(double r, int64_t i) {
  double r2 = static_cast<double>(i);
  return r == 0.0 || (std::memcmp(&r, &r2, sizeof(r)) == 0 && i >= -2251799813685248LL &&
                      i < 2251799813685248LL);
}

size_t FormatInteger(int64_t v, char* buf) {
  char tmp[24];
  int n = 0;
  uint64_t u = v < 0 ? (~static_cast<uint64_t>(v) + 1) : static_cast<uint64_t>(v);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u > 0);
  size_t len = 0;
  if (v < 0) buf[len++] = '-';
  while (n > 0) buf[len++] = tmp[--n];
  buf[len] = 0;
  return len;
}

namespace {

// ---------------------------------------------------------------------------------------------
// SQLite's printf engine.

enum class XType : uint8_t {
  kInvalid, kDecimal, kString, kGeneric, kSqlEscape, kSqlEscape2, kSqlEscape3, kCharX, kRadix,
  kFloat, kExp, kSize, kPercent, kPointer, kInternal, kOrdinal,
};

struct FmtInfo {
  char type_char;
  uint8_t base;
  bool is_signed;
  XType type;
  uint8_t charset;
  uint8_t prefix;
};

constexpr FmtInfo kFmtInfo[] = {
    {'d', 10, true, XType::kDecimal, 0, 0},     {'s', 0, false, XType::kString, 0, 0},
    {'g', 0, true, XType::kGeneric, 30, 0},     {'z', 0, false, XType::kString, 0, 0},
    {'q', 0, false, XType::kSqlEscape, 0, 0},   {'Q', 0, false, XType::kSqlEscape2, 0, 0},
    {'w', 0, false, XType::kSqlEscape3, 0, 0},  {'c', 0, false, XType::kCharX, 0, 0},
    {'o', 8, false, XType::kRadix, 0, 2},       {'u', 10, false, XType::kDecimal, 0, 0},
    {'x', 16, false, XType::kRadix, 16, 1},     {'X', 16, false, XType::kRadix, 0, 4},
    {'f', 0, true, XType::kFloat, 0, 0},        {'e', 0, true, XType::kExp, 30, 0},
    {'E', 0, true, XType::kExp, 14, 0},         {'G', 0, true, XType::kGeneric, 14, 0},
    {'i', 10, true, XType::kDecimal, 0, 0},     {'n', 0, false, XType::kSize, 0, 0},
    {'%', 0, false, XType::kPercent, 0, 0},     {'p', 16, false, XType::kPointer, 0, 1},
    {'T', 0, false, XType::kInternal, 0, 0},    {'S', 0, false, XType::kInternal, 0, 0},
    {'r', 10, true, XType::kOrdinal, 0, 0},
};

constexpr char kDigits[] = "0123456789ABCDEF0123456789abcdef";
constexpr char kPrefix[] = "-x0\000X0";
constexpr double kRound[] = {5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05,
                             5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10};

char GetDigit(long double* val, int* cnt) {
  if (*cnt <= 0) return '0';
  (*cnt)--;
  int digit = static_cast<int>(*val);
  long double d = digit;
  *val = (*val - d) * 10.0;
  return static_cast<char>('0' + digit);
}

struct FloatSpec {
  XType xtype;
  int precision;
  int width;
  char prefix_flag;  // '+', ' ' or 0
  bool alternate;    // '#'
  bool altform2;     // '!'
  bool zeropad;
  bool leftjustify;
  uint8_t charset;
};

// Formats a double into `buf` (capacity enough: max(e2,0)+precision+width+15, at least 64).
// Returns the length; `*no_pad_applied` style details match SQLite's etFLOAT/etEXP/etGENERIC.
size_t FormatFloatInto(double value, FloatSpec sp, char* buf) {
  long double realvalue = value;
  char prefix;
  int precision = sp.precision;
  XType xtype = sp.xtype;
  if (precision < 0) precision = 6;
  if (precision > 100000000) precision = 100000000;
  if (realvalue < 0.0L) {
    realvalue = -realvalue;
    prefix = '-';
  } else {
    prefix = sp.prefix_flag;
  }
  if (xtype == XType::kGeneric && precision > 0) precision--;
  int idx = precision & 0xfff;
  double rounder = kRound[idx % 10];
  while (idx >= 10) {
    rounder *= 1.0e-10;
    idx -= 10;
  }
  if (xtype == XType::kFloat) {
    double rx = static_cast<double>(realvalue);
    uint64_t u;
    std::memcpy(&u, &rx, sizeof(u));
    int ex = -1023 + static_cast<int>((u >> 52) & 0x7ff);
    if (precision + (ex / 3) < 15) rounder += static_cast<double>(realvalue * 3e-16);
    realvalue += rounder;
  }
  int exp = 0;
  if (std::isnan(static_cast<double>(realvalue))) {
    std::memcpy(buf, "NaN", 3);
    return 3;
  }
  if (realvalue > 0.0L) {
    long double scale = 1.0L;
    while (realvalue >= 1e100 * scale && exp <= 350) {
      scale *= 1e100;
      exp += 100;
    }
    while (realvalue >= 1e10 * scale && exp <= 350) {
      scale *= 1e10;
      exp += 10;
    }
    while (realvalue >= 10.0 * scale && exp <= 350) {
      scale *= 10.0;
      exp++;
    }
    realvalue /= scale;
    while (realvalue < 1e-8) {
      realvalue *= 1e8;
      exp -= 8;
    }
    while (realvalue < 1.0) {
      realvalue *= 10.0;
      exp--;
    }
    if (exp > 350) {
      size_t n = 0;
      if (prefix) buf[n++] = prefix;
      std::memcpy(buf + n, "Inf", 3);
      return n + 3;
    }
  }
  char* bufpt = buf;
  if (xtype != XType::kFloat) {
    realvalue += rounder;
    if (realvalue >= 10.0L) {
      realvalue *= 0.1;
      exp++;
    }
  }
  bool flag_rtz;
  if (xtype == XType::kGeneric) {
    flag_rtz = !sp.alternate;
    if (exp < -4 || exp > precision) {
      xtype = XType::kExp;
    } else {
      precision = precision - exp;
      xtype = XType::kFloat;
    }
  } else {
    flag_rtz = sp.altform2;
  }
  int e2 = xtype == XType::kExp ? 0 : exp;
  int nsd = 16 + (sp.altform2 ? 10 : 0);
  bool flag_dp = (precision > 0) || sp.alternate || sp.altform2;
  if (prefix) *(bufpt++) = prefix;
  if (e2 < 0) {
    *(bufpt++) = '0';
  } else {
    for (; e2 >= 0; e2--) *(bufpt++) = GetDigit(&realvalue, &nsd);
  }
  if (flag_dp) *(bufpt++) = '.';
  for (e2++; e2 < 0; precision--, e2++) *(bufpt++) = '0';
  while ((precision--) > 0) *(bufpt++) = GetDigit(&realvalue, &nsd);
  if (flag_rtz && flag_dp) {
    while (bufpt[-1] == '0') --bufpt;
    if (bufpt[-1] == '.') {
      if (sp.altform2) {
        *(bufpt++) = '0';
      } else {
        --bufpt;
      }
    }
  }
  if (xtype == XType::kExp) {
    *(bufpt++) = kDigits[sp.charset];
    if (exp < 0) {
      *(bufpt++) = '-';
      exp = -exp;
    } else {
      *(bufpt++) = '+';
    }
    if (exp >= 100) {
      *(bufpt++) = static_cast<char>(exp / 100 + '0');
      exp %= 100;
    }
    *(bufpt++) = static_cast<char>(exp / 10 + '0');
    *(bufpt++) = static_cast<char>(exp % 10 + '0');
  }
  size_t length = static_cast<size_t>(bufpt - buf);
  if (sp.zeropad && !sp.leftjustify && static_cast<int>(length) < sp.width) {
    int n_pad = sp.width - static_cast<int>(length);
    for (int i = sp.width; i >= n_pad; i--) buf[i] = buf[i - n_pad];
    int i = prefix != 0 ? 1 : 0;
    while (n_pad--) buf[i++] = '0';
    length = static_cast<size_t>(sp.width);
  }
  return length;
}

// Argument source for printf(): SQL values consumed in order.
class ArgList {
 public:
  explicit ArgList(std::span<const Value> args) : args_(args) {}
  int64_t Int() { return used_ < args_.size() ? ValueToInt64(args_[used_++]) : 0; }
  double Real() { return used_ < args_.size() ? ValueToReal(args_[used_++]) : 0.0; }
  // Returns false for NULL or a missing argument (SQLite's NULL pointer). The text is cut at
  // its first NUL byte, as SQLite's C-string handling does.
  bool Text(std::string* scratch, std::string_view* out) {
    if (used_ >= args_.size()) return false;
    const Value& v = args_[used_++];
    if (v.is_null()) return false;
    std::string_view sv;
    if (v.type() == ValueType::kText || v.type() == ValueType::kBlob) {
      sv = v.view();
    } else {
      scratch->clear();
      AppendValueText(v, scratch);
      sv = *scratch;
    }
    size_t nul = sv.find('\0');
    if (nul != std::string_view::npos) sv = sv.substr(0, nul);
    *out = sv;
    return true;
  }

 private:
  std::span<const Value> args_;
  size_t used_ = 0;
};

}  // namespace

size_t FormatReal(double v, char* buf) {
  FloatSpec sp{XType::kGeneric, 15, 0, 0, false, true, false, false, 30};
  char tmp[96];
  size_t n = FormatFloatInto(v, sp, tmp);
  if (n >= kNumberBufSize) n = kNumberBufSize - 1;  // cannot happen for %!.15g
  std::memcpy(buf, tmp, n);
  buf[n] = 0;
  return n;
}

void AppendInteger(int64_t v, std::string* out) {
  char buf[kNumberBufSize];
  out->append(buf, FormatInteger(v, buf));
}

void AppendReal(double v, std::string* out) {
  char buf[kNumberBufSize];
  out->append(buf, FormatReal(v, buf));
}

std::string IntegerToText(int64_t v) {
  std::string s;
  AppendInteger(v, &s);
  return s;
}

std::string RealToText(double v) {
  std::string s;
  AppendReal(v, &s);
  return s;
}

bool AppendValueText(const Value& v, std::string* out) {
  switch (v.type()) {
    case ValueType::kNull: return false;
    case ValueType::kInteger: AppendInteger(v.integer(), out); return true;
    case ValueType::kReal: AppendReal(v.real(), out); return true;
    case ValueType::kText:
    case ValueType::kBlob: out->append(v.view()); return true;
  }
  return false;
}

double ValueToReal(const Value& v) {
  switch (v.type()) {
    case ValueType::kInteger: return static_cast<double>(v.integer());
    case ValueType::kReal: return v.real();
    case ValueType::kText:
    case ValueType::kBlob: {
      double d;
      (void)ParseReal(v.view(), &d);
      return d;
    }
    case ValueType::kNull: break;
  }
  return 0.0;
}

int64_t ValueToInt64(const Value& v) {
  switch (v.type()) {
    case ValueType::kInteger: return v.integer();
    case ValueType::kReal: return RealToInt64(v.real());
    case ValueType::kText:
    case ValueType::kBlob: {
      int64_t i;
      (void)ParseInt64(v.view(), &i);
      return i;
    }
    case ValueType::kNull: break;
  }
  return 0;
}

Status AppendPrintf(std::string_view format, std::span<const Value> args, std::string* out,
                    size_t max_length, bool* produced) {
  bool produced_local = false;
  bool& touched = produced ? *produced : produced_local;
  touched = false;
  ArgList al(args);
  const size_t base = out->size();
  std::string work;     // conversion output when it does not fit the stack buffer
  std::string scratch;  // text of a non-text argument
  auto too_big = [&]() { return out->size() - base > max_length; };
  auto append_chars = [&](int64_t n, char c) -> bool {
    if (n <= 0) return true;
    if (static_cast<uint64_t>(n) > max_length) return false;
    out->append(static_cast<size_t>(n), c);
    return !too_big();
  };
  const Status kTooBig = Status::OutOfRange("string or blob too big");
  const char* fmt = format.data();
  const char* fmt_end = fmt + format.size();
  // SQLite sees a NUL-terminated format string.
  if (const void* nul = std::memchr(fmt, 0, format.size())) fmt_end = static_cast<const char*>(nul);
  auto at = [&](const char* p) -> char { return p < fmt_end ? *p : '\0'; };
  char buf[80];
  for (; fmt < fmt_end; ++fmt) {
    char c = *fmt;
    if (c != '%') {
      const char* start = fmt;
      while (fmt < fmt_end && *fmt != '%') fmt++;
      out->append(start, static_cast<size_t>(fmt - start));
      touched = true;
      if (too_big()) return kTooBig;
      if (fmt >= fmt_end) break;
    }
    c = at(++fmt);
    if (c == 0) {
      out->push_back('%');
      touched = true;
      break;
    }
    bool flag_leftjustify = false, flag_alternateform = false, flag_altform2 = false;
    bool flag_zeropad = false;
    char flag_prefix = 0, c_thousand = 0;
    bool done = false;
    int width = 0;
    int precision = -1;
    do {
      switch (c) {
        case '-': flag_leftjustify = true; break;
        case '+': flag_prefix = '+'; break;
        case ' ': flag_prefix = ' '; break;
        case '#': flag_alternateform = true; break;
        case '!': flag_altform2 = true; break;
        case '0': flag_zeropad = true; break;
        case ',': c_thousand = ','; break;
        default: done = true; break;
        case 'l': {
          c = at(++fmt);
          if (c == 'l') c = at(++fmt);
          done = true;
          break;
        }
        case '1': case '2': case '3': case '4': case '5':
        case '6': case '7': case '8': case '9': {
          unsigned wx = static_cast<unsigned>(c - '0');
          while ((c = at(++fmt)) >= '0' && c <= '9') wx = wx * 10 + static_cast<unsigned>(c - '0');
          width = static_cast<int>(wx & 0x7fffffff);
          if (c != '.' && c != 'l') {
            done = true;
          } else {
            fmt--;
          }
          break;
        }
        case '*': {
          int64_t w = al.Int();
          width = static_cast<int>(w);
          if (width < 0) {
            flag_leftjustify = true;
            width = width >= -2147483647 ? -width : 0;
          }
          if ((c = at(fmt + 1)) != '.' && c != 'l') {
            c = at(++fmt);
            done = true;
          }
          break;
        }
        case '.': {
          c = at(++fmt);
          if (c == '*') {
            precision = static_cast<int>(al.Int());
            if (precision < 0) precision = precision >= -2147483647 ? -precision : -1;
            c = at(++fmt);
          } else {
            unsigned px = 0;
            while (c >= '0' && c <= '9') {
              px = px * 10 + static_cast<unsigned>(c - '0');
              c = at(++fmt);
            }
            precision = static_cast<int>(px & 0x7fffffff);
          }
          if (c == 'l') {
            --fmt;
          } else {
            done = true;
          }
          break;
        }
      }
    } while (!done && (c = at(++fmt)) != 0);

    const FmtInfo* info = nullptr;
    for (const FmtInfo& fi : kFmtInfo) {
      if (c == fi.type_char) {
        info = &fi;
        break;
      }
    }
    if (info == nullptr || info->type == XType::kInternal) return Status::OK();

    std::string_view text;  // the converted field
    switch (info->type) {
      case XType::kPointer:
      case XType::kOrdinal:
      case XType::kRadix:
        c_thousand = 0;
        [[fallthrough]];
      case XType::kDecimal: {
        uint64_t longvalue;
        char prefix;
        if (info->is_signed) {
          int64_t v = al.Int();
          if (v < 0) {
            longvalue = ~static_cast<uint64_t>(v) + 1;
            prefix = '-';
          } else {
            longvalue = static_cast<uint64_t>(v);
            prefix = flag_prefix;
          }
        } else {
          longvalue = static_cast<uint64_t>(al.Int());
          prefix = 0;
        }
        bool alt = flag_alternateform && longvalue != 0;
        if (flag_zeropad && precision < width - (prefix != 0)) precision = width - (prefix != 0);
        size_t n_out;
        char* z_out;
        if (precision < 70 - 10 - 70 / 3) {
          n_out = sizeof(buf);
          z_out = buf;
        } else {
          uint64_t n = static_cast<uint64_t>(precision) + 10;
          if (c_thousand) n += static_cast<uint64_t>(precision) / 3;
          if (n > max_length + 10) return kTooBig;
          work.assign(n, '\0');
          z_out = work.data();
          n_out = n;
        }
        char* bp = &z_out[n_out - 1];
        if (info->type == XType::kOrdinal) {
          static const char kOrd[] = "thstndrd";
          int x = static_cast<int>(longvalue % 10);
          if (x >= 4 || (longvalue / 10) % 10 == 1) x = 0;
          *(--bp) = kOrd[x * 2 + 1];
          *(--bp) = kOrd[x * 2];
        }
        const char* cset = &kDigits[info->charset];
        do {
          *(--bp) = cset[longvalue % info->base];
          longvalue /= info->base;
        } while (longvalue > 0);
        int length = static_cast<int>(&z_out[n_out - 1] - bp);
        while (precision > length) {
          *(--bp) = '0';
          length++;
        }
        if (c_thousand) {
          int nn = (length - 1) / 3;
          int ix = (length - 1) % 3 + 1;
          bp -= nn;
          for (int i = 0; nn > 0; i++) {
            bp[i] = bp[i + nn];
            ix--;
            if (ix == 0) {
              bp[++i] = c_thousand;
              nn--;
              ix = 3;
            }
          }
        }
        if (prefix) *(--bp) = prefix;
        if (alt && info->prefix) {
          for (const char* pre = &kPrefix[info->prefix]; *pre; pre++) *(--bp) = *pre;
        }
        text = std::string_view(bp, static_cast<size_t>(&z_out[n_out - 1] - bp));
        break;
      }
      case XType::kFloat:
      case XType::kExp:
      case XType::kGeneric: {
        double realvalue = al.Real();
        int prec = precision < 0 ? 6 : std::min(precision, 100000000);
        int64_t need = std::max(0, 400) + static_cast<int64_t>(prec) + width + 15;
        if (static_cast<uint64_t>(need) > max_length + 400) return kTooBig;
        char* fb = buf;
        if (need > static_cast<int64_t>(sizeof(buf))) {
          work.assign(static_cast<size_t>(need), '\0');
          fb = work.data();
        }
        FloatSpec sp{info->type, precision, width, flag_prefix, flag_alternateform,
                     flag_altform2, flag_zeropad, flag_leftjustify, info->charset};
        size_t len = FormatFloatInto(realvalue, sp, fb);
        text = std::string_view(fb, len);
        break;
      }
      case XType::kSize:
        width = 0;
        text = {};
        break;
      case XType::kPercent:
        buf[0] = '%';
        text = std::string_view(buf, 1);
        break;
      case XType::kCharX: {
        std::string_view arg;
        size_t length = 1;
        if (al.Text(&scratch, &arg) && !arg.empty()) {
          buf[0] = arg[0];
          size_t k = 1;
          if ((static_cast<unsigned char>(buf[0]) & 0xc0) == 0xc0) {
            while (length < 4 && k < arg.size() &&
                   (static_cast<unsigned char>(arg[k]) & 0xc0) == 0x80) {
              buf[length++] = arg[k++];
            }
          }
        } else {
          buf[0] = 0;
        }
        if (precision > 1) {
          width -= precision - 1;
          touched = true;
          if (width > 1 && !flag_leftjustify) {
            if (!append_chars(width - 1, ' ')) return kTooBig;
            width = 0;
          }
          if (static_cast<uint64_t>(precision) * length > max_length) return kTooBig;
          for (int i = 0; i < precision - 1; i++) out->append(buf, length);
          if (too_big()) return kTooBig;
        }
        text = std::string_view(buf, length);
        flag_altform2 = true;
        break;
      }
      case XType::kString: {
        std::string_view arg;
        if (!al.Text(&scratch, &arg)) arg = {};
        size_t length;
        if (precision >= 0) {
          if (flag_altform2) {
            size_t k = 0;
            int p = precision;
            while (p-- > 0 && k < arg.size()) {
              k++;
              while (k < arg.size() && (static_cast<unsigned char>(arg[k]) & 0xc0) == 0x80) k++;
            }
            length = k;
          } else {
            length = std::min(arg.size(), static_cast<size_t>(precision));
          }
        } else {
          length = arg.size();
        }
        text = arg.substr(0, length);
        break;
      }
      case XType::kSqlEscape:
      case XType::kSqlEscape2:
      case XType::kSqlEscape3: {
        char q = info->type == XType::kSqlEscape3 ? '"' : '\'';
        std::string_view arg;
        bool isnull = !al.Text(&scratch, &arg);
        if (isnull) arg = info->type == XType::kSqlEscape2 ? "NULL" : "(NULL)";
        size_t i = 0;
        int64_t k = precision;
        for (; k != 0 && i < arg.size(); i++, k--) {
          if (flag_altform2 && (static_cast<unsigned char>(arg[i]) & 0xc0) == 0xc0) {
            while (i + 1 < arg.size() && (static_cast<unsigned char>(arg[i + 1]) & 0xc0) == 0x80)
              i++;
          }
        }
        bool need_quote = !isnull && info->type == XType::kSqlEscape2;
        work.clear();
        if (need_quote) work.push_back(q);
        for (size_t j = 0; j < i; j++) {
          work.push_back(arg[j]);
          if (arg[j] == q) work.push_back(q);
        }
        if (need_quote) work.push_back(q);
        text = work;
        break;
      }
      case XType::kInvalid:
      case XType::kInternal:
        return Status::OK();
    }
    // Width is in bytes; with '!' on string-like conversions it counts characters.
    if (flag_altform2 && width > 0 &&
        (info->type == XType::kString || info->type == XType::kCharX ||
         info->type == XType::kSqlEscape || info->type == XType::kSqlEscape2 ||
         info->type == XType::kSqlEscape3)) {
      for (unsigned char ch : text) {
        if ((ch & 0xc0) == 0x80) width++;
      }
    }
    touched = true;
    int64_t pad = static_cast<int64_t>(width) - static_cast<int64_t>(text.size());
    if (pad > 0) {
      if (!flag_leftjustify && !append_chars(pad, ' ')) return kTooBig;
      out->append(text);
      if (flag_leftjustify && !append_chars(pad, ' ')) return kTooBig;
    } else {
      out->append(text);
    }
    if (too_big()) return kTooBig;
  }
  return Status::OK();
}

}  // namespace dosql::engine
