// SQLite's date and time functions (date.c of SQLite 3.40, plus later additions).
//
// A time is kept the way SQLite keeps it: as a Julian day in milliseconds and/or as broken-down
// fields, each representation flagged valid or not, converted lazily. Days follow the proleptic
// Gregorian calendar with the Julian day conversions of Meeus, "Astronomical Algorithms", ch. 7,
// in integer arithmetic so that every result (including odd inputs such as 2023-02-31 or years
// before 0) is SQLite's.
#include "datetime.h"

#include <sys/time.h>

#include <ctime>
#include <string>
#include <string_view>

#include "catalog.h"
#include "dosql/engine/format.h"

namespace dosql::engine {
namespace {

constexpr int64_t kMsPerDay = 86400000;
constexpr int64_t kHalfDay = 43200000;
constexpr int64_t kUnixEpochMs = 210866760000000;  // 1970-01-01 00:00:00 as Julian day ms
constexpr int64_t kMaxJd = 464269060799999;        // 9999-12-31 23:59:59.999

struct DateTime {
  int64_t jd = 0;  // Julian day × 86'400'000
  int year = 0, month = 0, day = 0;
  int hour = 0, minute = 0;
  double second = 0;
  int tz = 0;            // zone offset in minutes
  bool has_jd = false;   // jd is valid
  bool has_ymd = false;  // year/month/day are valid
  bool has_hms = false;  // hour/minute/second are valid
  bool has_tz = false;   // tz must still be applied
  bool raw = false;      // `second` holds a bare number not yet known to be a Julian day
  bool tz_set = false;   // the value is known to be UTC ('utc' is then a no-op)
  bool error = false;
  bool subsec = false;  // 'subsec': show milliseconds
};

bool ValidJd(int64_t jd) { return jd >= 0 && jd <= kMaxJd; }

void SetError(DateTime* p) {
  *p = DateTime();
  p->error = true;
}

// Years, months and days (with the time of day and the zone, if any) to the Julian day.
void ComputeJd(DateTime* p) {
  if (p->has_jd) return;
  int y = 2000, m = 1, d = 1;  // a bare time of day is on 2000-01-01
  if (p->has_ymd) {
    y = p->year;
    m = p->month;
    d = p->day;
  }
  if (y < -4713 || y > 9999 || p->raw) {
    SetError(p);
    return;
  }
  if (m <= 2) {  // March-based year: February is the last month
    y--;
    m += 12;
  }
  int century = y / 100;
  int gregorian = 2 - century + century / 4;
  int year_days = 36525 * (y + 4716) / 100;
  int month_days = 306001 * (m + 1) / 10000;
  p->jd = static_cast<int64_t>((year_days + month_days + d + gregorian - 1524.5) * kMsPerDay);
  p->has_jd = true;
  if (p->has_hms) {
    p->jd += p->hour * 3600000 + p->minute * 60000 + static_cast<int64_t>(p->second * 1000 + 0.5);
    if (p->has_tz) {
      p->jd -= p->tz * 60000;
      p->has_ymd = p->has_hms = p->has_tz = false;
    }
  }
}

void ComputeYmd(DateTime* p) {
  if (p->has_ymd) return;
  if (!p->has_jd) {
    p->year = 2000;
    p->month = 1;
    p->day = 1;
  } else if (!ValidJd(p->jd)) {
    SetError(p);
    return;
  } else {
    int z = static_cast<int>((p->jd + kHalfDay) / kMsPerDay);
    int alpha = static_cast<int>((z - 1867216.25) / 36524.25);
    int a = z + 1 + alpha - alpha / 4;
    int b = a + 1524;
    int c = static_cast<int>((b - 122.1) / 365.25);
    int d = 36525 * c / 100;
    int e = static_cast<int>((b - d) / 30.6001);
    p->day = b - d - static_cast<int>(30.6001 * e);
    p->month = e < 14 ? e - 1 : e - 13;
    p->year = p->month > 2 ? c - 4716 : c - 4715;
  }
  p->has_ymd = true;
}

void ComputeHms(DateTime* p) {
  if (p->has_hms) return;
  ComputeJd(p);
  auto ms = static_cast<int>((p->jd + kHalfDay) % kMsPerDay);
  p->second = ms / 1000.0;
  int whole = static_cast<int>(p->second);
  p->second -= whole;
  p->hour = whole / 3600;
  whole -= p->hour * 3600;
  p->minute = whole / 60;
  p->second += whole - p->minute * 60;
  p->raw = false;
  p->has_hms = true;
}

void ComputeYmdHms(DateTime* p) {
  ComputeYmd(p);
  ComputeHms(p);
}

void ClearFields(DateTime* p) { p->has_ymd = p->has_hms = p->has_tz = false; }

// Month arithmetic: brings p->month back into 1..12, carrying into the year.
void NormalizeMonth(DateTime* p) {
  int carry = p->month > 0 ? (p->month - 1) / 12 : (p->month - 12) / 12;
  p->year += carry;
  p->month -= carry * 12;
}

// --- parsing ---------------------------------------------------------------------------------
// The parsers work on NUL-terminated text, as SQLite's do (a value is cut at its first NUL).

// Exactly `n` digits at z, within [lo, hi], followed by `sep` (0: anything).
bool ReadNum(const char* z, int n, int lo, int hi, char sep, int* out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!IsSqlDigit(static_cast<unsigned char>(z[i]))) return false;
    v = v * 10 + (z[i] - '0');
  }
  if (v < lo || v > hi || (sep != 0 && z[n] != sep)) return false;
  *out = v;
  return true;
}

const char* SkipSpaces(const char* z) {
  while (IsSqlSpace(static_cast<unsigned char>(*z))) z++;
  return z;
}

// An optional zone suffix ("[+-]HH:MM" or "Z"), then the end of the text.
bool ParseZone(const char* z, DateTime* p) {
  z = SkipSpaces(z);
  p->tz = 0;
  if (*z == 'Z' || *z == 'z') {
    z++;
  } else if (*z == '+' || *z == '-') {
    int hh, mm;
    if (!ReadNum(z + 1, 2, 0, 14, ':', &hh) || !ReadNum(z + 4, 2, 0, 59, 0, &mm)) return false;
    p->tz = (*z == '-' ? -1 : 1) * (hh * 60 + mm);
    z += 6;
  } else {
    return *z == 0;
  }
  p->tz_set = true;
  return *SkipSpaces(z) == 0;
}

// HH:MM, HH:MM:SS or HH:MM:SS.F... (any number of fraction digits), then an optional zone.
bool ParseHms(const char* z, DateTime* p) {
  int h, m, s = 0;
  double frac = 0;
  if (!ReadNum(z, 2, 0, 24, ':', &h) || !ReadNum(z + 3, 2, 0, 59, 0, &m)) return false;
  z += 5;
  if (*z == ':') {
    if (!ReadNum(z + 1, 2, 0, 59, 0, &s)) return false;
    z += 3;
    if (*z == '.' && IsSqlDigit(static_cast<unsigned char>(z[1]))) {
      double scale = 1.0;
      for (z++; IsSqlDigit(static_cast<unsigned char>(*z)); z++) {
        frac = frac * 10.0 + (*z - '0');
        scale *= 10.0;
      }
      frac /= scale;
    }
  }
  p->has_jd = false;
  p->raw = false;
  p->has_hms = true;
  p->hour = h;
  p->minute = m;
  p->second = s + frac;
  if (!ParseZone(z, p)) return false;
  p->has_tz = p->tz != 0;
  return true;
}

// [-]YYYY-MM-DD, then optionally (after spaces or 'T's) a time as ParseHms reads it.
bool ParseYmd(const char* z, DateTime* p) {
  bool neg = *z == '-';
  if (neg) z++;
  int y, m, d;
  if (!ReadNum(z, 4, 0, 9999, '-', &y) || !ReadNum(z + 5, 2, 1, 12, '-', &m) ||
      !ReadNum(z + 8, 2, 1, 31, 0, &d)) {
    return false;
  }
  z += 10;
  while (IsSqlSpace(static_cast<unsigned char>(*z)) || *z == 'T') z++;
  if (!ParseHms(z, p)) {
    if (*z != 0) return false;
    p->has_hms = false;
  }
  p->has_jd = false;
  p->has_ymd = true;
  p->year = neg ? -y : y;
  p->month = m;
  p->day = d;
  if (p->has_tz) ComputeJd(p);
  return true;
}

// A bare number: a Julian day if in range, else kept raw for 'unixepoch' or 'auto'.
void SetRawNumber(DateTime* p, double r) {
  p->second = r;
  p->raw = true;
  if (r >= 0.0 && r < 5373484.5) {
    p->jd = static_cast<int64_t>(r * kMsPerDay + 0.5);
    p->has_jd = true;
  }
}

int64_t ClockNow() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return kUnixEpochMs + 1000 * static_cast<int64_t>(tv.tv_sec) + tv.tv_usec / 1000;
}

bool SetNow(const FunctionContext& ctx, DateTime* p) {
  p->jd = StatementTime(ctx);
  p->has_jd = p->jd > 0;
  return p->has_jd;
}

bool ParseTimeValue(const char* z, const FunctionContext& ctx, DateTime* p) {
  if (ParseYmd(z, p) || ParseHms(z, p)) return true;
  if (IEquals(z, "now")) return SetNow(ctx, p);
  double r;
  if (!IsWholeNumber(ParseReal(z, &r))) return false;
  SetRawNumber(p, r);
  return true;
}

// --- local time ------------------------------------------------------------------------------

// Treats p as UTC and moves it to local time. Outside 1970..2037 (where localtime_r may not
// know the rules) the year is mapped to one in 2000..2003 with the same leap-ness and back.
Status ToLocal(DateTime* p) {
  ComputeJd(p);
  int year_shift = 0;
  int64_t ms = p->jd;
  if (p->jd < 210866760000000 || p->jd > 213014145600000) {
    DateTime x = *p;
    ComputeYmdHms(&x);
    year_shift = (2000 + x.year % 4) - x.year;
    x.year += year_shift;
    x.has_jd = false;
    ComputeJd(&x);
    ms = x.jd;
  }
  auto t = static_cast<time_t>(ms / 1000 - kUnixEpochMs / 1000);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return Status::InvalidArgument("local time unavailable");
  p->year = tm.tm_year + 1900 - year_shift;
  p->month = tm.tm_mon + 1;
  p->day = tm.tm_mday;
  p->hour = tm.tm_hour;
  p->minute = tm.tm_min;
  p->second = tm.tm_sec + static_cast<double>(p->jd % 1000) * 0.001;
  p->has_ymd = p->has_hms = true;
  p->has_jd = p->raw = p->has_tz = p->error = false;
  return Status::OK();
}

// Treats p as local time and moves it to UTC: guesses, checks the guess with ToLocal, corrects
// (a few rounds at most, DST gaps may not converge).
Status ToUtc(DateTime* p) {
  if (p->tz_set) return Status::OK();
  ComputeJd(p);
  int64_t target = p->jd, guess = target, off = 0;
  for (int round = 0;; round++) {
    guess -= off;
    DateTime local;
    local.jd = guess;
    local.has_jd = true;
    DOSQL_RETURN_IF_ERROR(ToLocal(&local));
    ComputeJd(&local);
    off = local.jd - target;
    if (off == 0 || round >= 3) break;
  }
  *p = DateTime();
  p->jd = guess;
  p->has_jd = true;
  p->tz_set = true;
  return Status::OK();
}

// --- modifiers -------------------------------------------------------------------------------

struct Unit {
  std::string_view name;
  float limit;    // |N| must stay below this
  float seconds;  // seconds per unit (months and years: for their fractional part)
};
constexpr Unit kUnits[] = {
    {"second", 4.6427e+14f, 1.0f},    {"minute", 7.7379e+12f, 60.0f},
    {"hour", 1.2897e+11f, 3600.0f},   {"day", 5373485.0f, 86400.0f},
    {"month", 176546.0f, 2592000.0f}, {"year", 14713.0f, 31536000.0f},
};

bool StartsWithI(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

// '[+-]HH:MM[:SS[.SSS]]' at z (sign optional): shifts p by that time of day (mod 24 hours).
bool ShiftByTime(const char* z, bool negative, DateTime* p) {
  if (!IsSqlDigit(static_cast<unsigned char>(*z))) z++;
  DateTime t;
  if (!ParseHms(z, &t)) return false;
  ComputeJd(&t);
  int64_t ms = (t.jd - kHalfDay) % kMsPerDay;
  if (negative) ms = -ms;
  ComputeJd(p);
  ClearFields(p);
  p->jd += ms;
  return true;
}

// '±YYYY-MM-DD[ HH:MM[:SS[.SSS]]]' (SQLite 3.43): `year_digits` (4 or 5) digits after the sign.
bool ShiftByDate(const char* z, int year_digits, DateTime* p) {
  bool negative = z[0] == '-';
  const char* f = z + 1;
  int y, m, d;
  if (!ReadNum(f, year_digits, 0, 9999, '-', &y) ||
      !ReadNum(f + year_digits + 1, 2, 0, 11, '-', &m) ||
      !ReadNum(f + year_digits + 4, 2, 0, 30, 0, &d)) {
    return false;
  }
  ComputeYmdHms(p);
  p->has_jd = false;
  p->year += negative ? -y : y;
  p->month += negative ? -m : m;
  NormalizeMonth(p);
  ComputeJd(p);
  p->has_ymd = p->has_hms = false;
  p->jd += static_cast<int64_t>(negative ? -d : d) * kMsPerDay;
  const char* rest = f + year_digits + 6;
  if (*rest == 0) return true;
  int h, mi;
  if (!IsSqlSpace(static_cast<unsigned char>(*rest)) || !ReadNum(rest + 1, 2, 0, 24, ':', &h) ||
      !ReadNum(rest + 4, 2, 0, 59, 0, &mi)) {
    return false;
  }
  return ShiftByTime(rest + 1, negative, p);
}

// 'NNN unit[s]', '±HH:MM[:SS[.SSS]]' or '±YYYY-MM-DD[ time]'.
bool ApplyNumericModifier(const char* z, DateTime* p) {
  size_t n = 1;
  int date_digits = 0;
  for (; z[n] && z[n] != ':' && !IsSqlSpace(static_cast<unsigned char>(z[n])); n++) {
    if (z[n] == '-' && (n == 5 || n == 6)) {
      int y;
      if (ReadNum(z + 1, static_cast<int>(n) - 1, 0, 9999, 0, &y)) {
        date_digits = static_cast<int>(n) - 1;
        break;
      }
    }
  }
  double r;
  if (!IsWholeNumber(ParseReal(std::string_view(z, n), &r))) return false;
  if (date_digits > 0) {
    if (z[0] != '+' && z[0] != '-') return false;
    return ShiftByDate(z, date_digits, p);
  }
  if (z[n] == ':') return ShiftByTime(z, z[0] == '-', p);
  std::string_view unit = SkipSpaces(z + n);
  if (unit.size() < 3 || unit.size() > 10) return false;
  if (unit.back() == 's' || unit.back() == 'S') unit.remove_suffix(1);
  ComputeJd(p);
  bool ok = false;
  for (const Unit& u : kUnits) {
    if (!IEquals(u.name, unit) || !(r > -u.limit && r < u.limit)) continue;
    if (u.name == "month" || u.name == "year") {
      ComputeYmdHms(p);
      int whole = static_cast<int>(r);
      if (u.name == "month") {
        p->month += whole;
        NormalizeMonth(p);
      } else {
        p->year += whole;
      }
      p->has_jd = false;
      ComputeJd(p);
      r -= whole;
    }
    double rounder = r < 0 ? -0.5 : 0.5;
    p->jd += static_cast<int64_t>(r * 1000.0 * u.seconds + rounder);
    ok = true;
    break;
  }
  ClearFields(p);
  return ok;
}

// Applies modifier `idx` (1 = the one right after the time value). False: the result is NULL.
Result<bool> ApplyModifier(std::string_view mod, int idx, DateTime* p) {
  if (mod.empty()) return false;
  double r;
  char c = mod[0];
  if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  if (c == '+' || c == '-' || IsSqlDigit(static_cast<unsigned char>(c))) {
    return ApplyNumericModifier(mod.data(), p);
  }
  switch (c) {
    case 'a':  // auto: a raw number is a Julian day or, failing that, unix time
      if (!IEquals(mod, "auto") || idx > 1) return false;
      if (!p->raw || p->has_jd) {
        p->raw = false;
        return true;
      }
      if (p->second >= -210866760000.0 && p->second <= 253402300799.0) {
        ClearFields(p);
        p->jd = static_cast<int64_t>(p->second * 1000.0 + 210866760000000.0 + 0.5);
        p->has_jd = true;
        p->raw = false;
        return true;
      }
      return false;
    case 'j':  // julianday: the raw number must be a Julian day
      if (!IEquals(mod, "julianday") || idx > 1 || !(p->has_jd && p->raw)) return false;
      p->raw = false;
      return true;
    case 'l':
      if (!IEquals(mod, "localtime")) return false;
      DOSQL_RETURN_IF_ERROR(ToLocal(p));
      return true;
    case 'u':
      if (IEquals(mod, "unixepoch") && p->raw) {
        if (idx > 1) return false;
        double ms = p->second * 1000.0 + 210866760000000.0;
        if (!(ms >= 0.0 && ms < 464269060800000.0)) return false;
        ClearFields(p);
        p->jd = static_cast<int64_t>(ms + 0.5);
        p->has_jd = true;
        p->raw = false;
        return true;
      }
      if (!IEquals(mod, "utc")) return false;
      DOSQL_RETURN_IF_ERROR(ToUtc(p));
      return true;
    case 'w': {  // weekday N: forward to the next day with that weekday (0 = Sunday)
      if (!StartsWithI(mod, "weekday ") || !IsWholeNumber(ParseReal(mod.substr(8), &r)) ||
          !(r >= 0.0 && r < 7.0) || static_cast<int>(r) != r) {
        return false;
      }
      auto want = static_cast<int64_t>(r);
      ComputeYmdHms(p);
      p->has_tz = false;
      p->has_jd = false;
      ComputeJd(p);
      int64_t dow = ((p->jd + 129600000) / kMsPerDay) % 7;
      if (dow > want) dow -= 7;
      p->jd += (want - dow) * kMsPerDay;
      ClearFields(p);
      return true;
    }
    case 's': {
      if (!StartsWithI(mod, "start of ")) {
        if (!IEquals(mod, "subsec") && !IEquals(mod, "subsecond")) return false;
        p->subsec = true;
        return true;
      }
      if (!p->has_jd && !p->has_ymd && !p->has_hms) return false;
      std::string_view what = mod.substr(9);
      ComputeYmd(p);
      p->has_hms = true;
      p->hour = p->minute = 0;
      p->second = 0;
      p->raw = p->has_tz = p->has_jd = false;
      if (IEquals(what, "month")) {
        p->day = 1;
      } else if (IEquals(what, "year")) {
        p->month = p->day = 1;
      } else if (!IEquals(what, "day")) {
        return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// The text of an argument (numbers rendered), cut at its first NUL; false for NULL.
bool ArgText(const Value& v, std::string* out) {
  out->clear();
  if (!AppendValueText(v, out)) return false;
  size_t nul = out->find('\0');
  if (nul != std::string::npos) out->resize(nul);
  return true;
}

// SQLite's isDate(): the time value args[0] (none: 'now') and the modifiers after it. False:
// the result is NULL.
Result<bool> ParseArgs(DateArgs args, const FunctionContext& ctx, DateTime* p) {
  *p = DateTime();
  if (args.empty()) return SetNow(ctx, p);
  std::string text;
  if (args[0].is_numeric()) {
    SetRawNumber(p, ValueToReal(args[0]));
  } else if (!ArgText(args[0], &text) || !ParseTimeValue(text.c_str(), ctx, p)) {
    return false;
  }
  for (size_t i = 1; i < args.size(); i++) {
    if (!ArgText(args[i], &text)) return false;
    DOSQL_ASSIGN_OR_RETURN(bool ok, ApplyModifier(text, static_cast<int>(i), p));
    if (!ok) return false;
  }
  ComputeJd(p);
  return !p->error && ValidJd(p->jd);
}

// --- output ----------------------------------------------------------------------------------

void AppendDigits(int v, int width, std::string* out) {
  char buf[8];
  for (int i = width - 1; i >= 0; i--) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

void AppendDate(const DateTime& x, std::string* out) {
  if (x.year < 0) out->push_back('-');
  AppendDigits(x.year < 0 ? -x.year : x.year, 4, out);
  out->push_back('-');
  AppendDigits(x.month, 2, out);
  out->push_back('-');
  AppendDigits(x.day, 2, out);
}

void AppendTime(const DateTime& x, std::string* out) {
  AppendDigits(x.hour, 2, out);
  out->push_back(':');
  AppendDigits(x.minute, 2, out);
  out->push_back(':');
  if (x.subsec) {
    int ms = static_cast<int>(1000.0 * x.second + 0.5);
    AppendDigits(ms / 1000, 2, out);
    out->push_back('.');
    AppendDigits(ms % 1000, 3, out);
  } else {
    AppendDigits(static_cast<int>(x.second), 2, out);
  }
}

// SQLite's printf for one argument (zero-padded widths, %.3f, %.16g exactly as SQLite prints).
void AppendF(std::string_view fmt, Value v, std::string* out) {
  (void)AppendPrintf(fmt, std::span<const Value>(&v, 1), out);
}

int DaysSinceJan1(const DateTime& x) {
  DateTime jan1 = x;
  jan1.has_jd = false;
  jan1.month = jan1.day = 1;
  ComputeJd(&jan1);
  return static_cast<int>((x.jd - jan1.jd + kHalfDay) / kMsPerDay);
}
int DaysSinceMonday(const DateTime& x) {
  return static_cast<int>(((x.jd + kHalfDay) / kMsPerDay) % 7);
}
int DaysSinceSunday(const DateTime& x) {
  return static_cast<int>(((x.jd + 129600000) / kMsPerDay) % 7);
}

// The Thursday of x's ISO week (its year is the ISO year).
DateTime IsoThursday(const DateTime& x) {
  DateTime y = x;
  y.jd += (3 - DaysSinceMonday(x)) * kMsPerDay;
  y.has_ymd = false;
  ComputeYmd(&y);
  return y;
}

// One strftime conversion; false for an unknown one.
bool AppendConversion(char c, const DateTime& x, std::string* out) {
  auto i = [](int64_t v) { return Value::Integer(v); };
  int h12 = x.hour > 12 ? x.hour - 12 : (x.hour == 0 ? 12 : x.hour);
  switch (c) {
    case 'd':
      AppendF("%02d", i(x.day), out);
      break;
    case 'e':
      AppendF("%2d", i(x.day), out);
      break;
    case 'f':
      AppendF("%06.3f", Value::Real(x.second > 59.999 ? 59.999 : x.second), out);
      break;
    case 'F':
      AppendF("%04d", i(x.year), out);
      AppendF("-%02d", i(x.month), out);
      AppendF("-%02d", i(x.day), out);
      break;
    case 'G':
      AppendF("%04d", i(IsoThursday(x).year), out);
      break;
    case 'g':
      AppendF("%02d", i(IsoThursday(x).year % 100), out);
      break;
    case 'H':
      AppendF("%02d", i(x.hour), out);
      break;
    case 'k':
      AppendF("%2d", i(x.hour), out);
      break;
    case 'I':
      AppendF("%02d", i(h12), out);
      break;
    case 'l':
      AppendF("%2d", i(h12), out);
      break;
    case 'j':
      AppendF("%03d", i(DaysSinceJan1(x) + 1), out);
      break;
    case 'J':
      AppendF("%.16g", Value::Real(static_cast<double>(x.jd) / kMsPerDay), out);
      break;
    case 'm':
      AppendF("%02d", i(x.month), out);
      break;
    case 'M':
      AppendF("%02d", i(x.minute), out);
      break;
    case 'p':
      out->append(x.hour >= 12 ? "PM" : "AM");
      break;
    case 'P':
      out->append(x.hour >= 12 ? "pm" : "am");
      break;
    case 'R':
      AppendF("%02d", i(x.hour), out);
      AppendF(":%02d", i(x.minute), out);
      break;
    case 's':
      if (x.subsec) {
        AppendF("%.3f", Value::Real(static_cast<double>(x.jd - kUnixEpochMs) / 1000.0), out);
      } else {
        AppendF("%lld", i(x.jd / 1000 - kUnixEpochMs / 1000), out);
      }
      break;
    case 'S':
      AppendF("%02d", i(static_cast<int>(x.second)), out);
      break;
    case 'T':
      AppendF("%02d", i(x.hour), out);
      AppendF(":%02d", i(x.minute), out);
      AppendF(":%02d", i(static_cast<int>(x.second)), out);
      break;
    case 'u': {
      int dow = DaysSinceSunday(x);
      out->push_back(static_cast<char>('0' + (dow == 0 ? 7 : dow)));
      break;
    }
    case 'w':
      out->push_back(static_cast<char>('0' + DaysSinceSunday(x)));
      break;
    case 'U':
      AppendF("%02d", i((DaysSinceJan1(x) - DaysSinceSunday(x) + 7) / 7), out);
      break;
    case 'V': {
      DateTime t = IsoThursday(x);
      AppendF("%02d", i(DaysSinceJan1(t) / 7 + 1), out);
      break;
    }
    case 'W':
      AppendF("%02d", i((DaysSinceJan1(x) - DaysSinceMonday(x) + 7) / 7), out);
      break;
    case 'Y':
      AppendF("%04d", i(x.year), out);
      break;
    case '%':
      out->push_back('%');
      break;
    default:
      return false;
  }
  return true;
}

}  // namespace

int64_t StatementTime(const FunctionContext& ctx) {
  if (ctx.statement_time == nullptr) return ClockNow();
  if (*ctx.statement_time == 0) *ctx.statement_time = ClockNow();
  return *ctx.statement_time;
}

Result<Value> FnDate(DateArgs args, const FunctionContext& ctx) {
  DateTime x;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArgs(args, ctx, &x));
  if (!ok) return Value::Null();
  ComputeYmd(&x);
  std::string out;
  AppendDate(x, &out);
  return Value::Text(std::move(out));
}

Result<Value> FnTime(DateArgs args, const FunctionContext& ctx) {
  DateTime x;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArgs(args, ctx, &x));
  if (!ok) return Value::Null();
  ComputeHms(&x);
  std::string out;
  AppendTime(x, &out);
  return Value::Text(std::move(out));
}

Result<Value> FnDatetime(DateArgs args, const FunctionContext& ctx) {
  DateTime x;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArgs(args, ctx, &x));
  if (!ok) return Value::Null();
  ComputeYmdHms(&x);
  std::string out;
  AppendDate(x, &out);
  out.push_back(' ');
  AppendTime(x, &out);
  return Value::Text(std::move(out));
}

Result<Value> FnJulianday(DateArgs args, const FunctionContext& ctx) {
  DateTime x;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArgs(args, ctx, &x));
  if (!ok) return Value::Null();
  return Value::Real(static_cast<double>(x.jd) / kMsPerDay);
}

Result<Value> FnUnixepoch(DateArgs args, const FunctionContext& ctx) {
  DateTime x;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArgs(args, ctx, &x));
  if (!ok) return Value::Null();
  if (x.subsec) return Value::Real(static_cast<double>(x.jd - kUnixEpochMs) / 1000.0);
  return Value::Integer(x.jd / 1000 - kUnixEpochMs / 1000);
}

Result<Value> FnStrftime(DateArgs args, const FunctionContext& ctx) {
  std::string fmt;
  if (args.empty() || !ArgText(args[0], &fmt)) return Value::Null();
  DateTime x;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArgs(args.subspan(1), ctx, &x));
  if (!ok) return Value::Null();
  ComputeYmdHms(&x);
  std::string out;
  for (size_t i = 0; i < fmt.size(); i++) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i == fmt.size() || !AppendConversion(fmt[i], x, &out)) return Value::Null();
    if (static_cast<int64_t>(out.size()) > ctx.max_length) {
      return Status::OutOfRange("string or blob too big");
    }
  }
  if (static_cast<int64_t>(out.size()) > ctx.max_length) {
    return Status::OutOfRange("string or blob too big");
  }
  return Value::Text(std::move(out));
}

// timediff(A, B): what must be added to B to reach A, as "±YYYY-MM-DD HH:MM:SS.SSS". B is moved
// to A's year and month, then back (towards A) one month at a time until it does not pass A;
// what is left is less than a month and is shown as days and time.
Result<Value> FnTimediff(DateArgs args, const FunctionContext& ctx) {
  DateTime a, b;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArgs(args.subspan(0, 1), ctx, &a));
  if (!ok) return Value::Null();
  DOSQL_ASSIGN_OR_RETURN(ok, ParseArgs(args.subspan(1, 1), ctx, &b));
  if (!ok) return Value::Null();
  ComputeYmdHms(&a);
  ComputeYmdHms(&b);
  bool negative = a.jd < b.jd;
  int dir = negative ? -1 : 1;  // a is after b when +1
  int years = dir * (a.year - b.year);
  int months = dir * (a.month - b.month);
  if (months < 0) {
    years--;
    months += 12;
  }
  auto move_b = [&b](int y, int m) {
    if (y == b.year && m == b.month) return;
    b.year = y;
    b.month = m;
    b.has_jd = false;
    ComputeJd(&b);
  };
  move_b(a.year, b.month);
  move_b(b.year, a.month);
  while (negative ? a.jd > b.jd : a.jd < b.jd) {
    if (--months < 0) {
      months = 11;
      years--;
    }
    int m = b.month - dir, y = b.year;
    if (m < 1) {
      m = 12;
      y--;
    } else if (m > 12) {
      m = 1;
      y++;
    }
    b.year = y;
    b.month = m;
    b.has_jd = false;
    ComputeJd(&b);
  }
  DateTime rest;  // the remainder as a time after 0000-01-01 00:00:00
  rest.jd = dir * (a.jd - b.jd) + 148699540800000;
  rest.has_jd = true;
  ComputeYmdHms(&rest);
  std::string out(1, negative ? '-' : '+');
  const Value vals[] = {Value::Integer(years),        Value::Integer(months),
                        Value::Integer(rest.day - 1), Value::Integer(rest.hour),
                        Value::Integer(rest.minute),  Value::Real(rest.second)};
  (void)AppendPrintf("%04d-%02d-%02d %02d:%02d:%06.3f", vals, &out);
  return Value::Text(std::move(out));
}

}  // namespace dosql::engine
