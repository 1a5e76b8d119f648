// LIKE and GLOB (SQLite's patternCompare()).
#include "dosql/engine/like.h"

#include <cstring>
#include <string>

#include "dosql/engine/format.h"

namespace dosql::engine {
namespace {

enum class Match : uint8_t { kMatch, kNoMatch, kNoWildcardMatch };

struct PatternInfo {
  uint32_t match_all;
  uint32_t match_one;
  uint32_t match_set;
  bool no_case;
};

// A NUL-terminated view: reading at or past the end, or at a NUL byte, yields 0.
struct Cursor {
  const unsigned char* p;
  const unsigned char* end;
  unsigned char Peek() const { return p < end ? *p : 0; }
  bool AtEnd() const { return p >= end || *p == 0; }
};

constexpr unsigned char kTrans1[] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
    0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
    0x1e, 0x1f, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
    0x0d, 0x0e, 0x0f, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, 0x01, 0x02, 0x03,
    0x00, 0x01, 0x00, 0x00,
};

// sqlite3Utf8Read on a cursor (the caller guarantees !AtEnd()).
uint32_t Read(Cursor* c) {
  if (c->AtEnd()) return 0;
  uint32_t ch = *(c->p++);
  if (ch >= 0xc0) {
    ch = kTrans1[ch - 0xc0];
    while (c->p < c->end && (*c->p & 0xc0) == 0x80) ch = (ch << 6) + (0x3f & *(c->p++));
    if (ch < 0x80 || (ch & 0xFFFFF800) == 0xD800 || (ch & 0xFFFFFFFE) == 0xFFFE) ch = 0xFFFD;
  }
  return ch;
}

inline uint32_t Lower(uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
inline uint32_t Upper(uint32_t c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }

Match PatternCompare(Cursor pat, Cursor str, const PatternInfo& info, uint32_t match_other) {
  uint32_t c, c2;
  const unsigned char* escaped = nullptr;
  while ((c = Read(&pat)) != 0) {
    if (c == info.match_all) {
      while ((c = Read(&pat)) == info.match_all || (c == info.match_one && info.match_one != 0)) {
        if (c == info.match_one && Read(&str) == 0) return Match::kNoWildcardMatch;
      }
      if (c == 0) return Match::kMatch;
      if (c == match_other) {
        if (info.match_set == 0) {
          c = Read(&pat);
          if (c == 0) return Match::kNoWildcardMatch;
        } else {
          // "[...]" right after "*": slow recursive search.
          Cursor sub = pat;
          sub.p--;  // back to the '['
          while (!str.AtEnd()) {
            Match m = PatternCompare(sub, str, info, match_other);
            if (m != Match::kNoMatch) return m;
            str.p++;
            while (str.p < str.end && (*str.p & 0xc0) == 0x80) str.p++;
          }
          return Match::kNoWildcardMatch;
        }
      }
      if (c < 0x80) {
        uint32_t s1 = info.no_case ? Upper(c) : c;
        uint32_t s2 = info.no_case ? Lower(c) : c;
        while (true) {
          while (!str.AtEnd() && *str.p != s1 && *str.p != s2) str.p++;
          if (str.AtEnd()) break;
          str.p++;
          Match m = PatternCompare(pat, str, info, match_other);
          if (m != Match::kNoMatch) return m;
        }
      } else {
        while ((c2 = Read(&str)) != 0) {
          if (c2 != c) continue;
          Match m = PatternCompare(pat, str, info, match_other);
          if (m != Match::kNoMatch) return m;
        }
      }
      return Match::kNoWildcardMatch;
    }
    if (c == match_other) {
      if (info.match_set == 0) {
        c = Read(&pat);
        if (c == 0) return Match::kNoMatch;
        escaped = pat.p;
      } else {
        uint32_t prior_c = 0;
        bool seen = false;
        bool invert = false;
        c = Read(&str);
        if (c == 0) return Match::kNoMatch;
        c2 = Read(&pat);
        if (c2 == '^') {
          invert = true;
          c2 = Read(&pat);
        }
        if (c2 == ']') {
          if (c == ']') seen = true;
          c2 = Read(&pat);
        }
        while (c2 && c2 != ']') {
          if (c2 == '-' && pat.Peek() != ']' && pat.Peek() != 0 && prior_c > 0) {
            c2 = Read(&pat);
            if (c >= prior_c && c <= c2) seen = true;
            prior_c = 0;
          } else {
            if (c == c2) seen = true;
            prior_c = c2;
          }
          c2 = Read(&pat);
        }
        if (c2 == 0 || (seen ^ invert) == 0) return Match::kNoMatch;
        continue;
      }
    }
    c2 = Read(&str);
    if (c == c2) continue;
    if (info.no_case && Lower(c) == Lower(c2) && c < 0x80 && c2 < 0x80) continue;
    if (c == info.match_one && pat.p != escaped && c2 != 0) continue;
    return Match::kNoMatch;
  }
  return str.AtEnd() ? Match::kMatch : Match::kNoMatch;
}

Cursor MakeCursor(std::string_view s) {
  auto* p = reinterpret_cast<const unsigned char*>(s.data());
  return Cursor{p, p + s.size()};
}

}  // namespace

void AppendUtf8(uint32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c & 0xff));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 + ((c >> 6) & 0x1F)));
    out->push_back(static_cast<char>(0x80 + (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 + ((c >> 12) & 0x0F)));
    out->push_back(static_cast<char>(0x80 + ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 + (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 + ((c >> 18) & 0x07)));
    out->push_back(static_cast<char>(0x80 + ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 + ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 + (c & 0x3F)));
  }
}

uint32_t ReadUtf8(std::string_view s, size_t* pos) {
  Cursor c = MakeCursor(s);
  c.p += *pos;
  if (c.p >= c.end) return 0;
  // Unlike pattern matching, a NUL byte is returned as a character here.
  uint32_t ch;
  if (*c.p == 0) {
    c.p++;
    ch = 0;
  } else {
    ch = Read(&c);
  }
  *pos = static_cast<size_t>(c.p - reinterpret_cast<const unsigned char*>(s.data()));
  return ch;
}

size_t Utf8CharCount(std::string_view s) {
  size_t n = 0;
  for (unsigned char ch : s) {
    if (ch == 0) break;
    if ((ch & 0xc0) != 0x80) n++;
  }
  return n;
}

bool LikeMatch(std::string_view pattern, std::string_view text, uint32_t escape,
               bool case_sensitive) {
  PatternInfo info{'%', '_', 0, !case_sensitive};
  if (escape == info.match_all) info.match_all = 0;
  if (escape == info.match_one) info.match_one = 0;
  return PatternCompare(MakeCursor(pattern), MakeCursor(text), info, escape) == Match::kMatch;
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  PatternInfo info{'*', '?', '[', false};
  return PatternCompare(MakeCursor(pattern), MakeCursor(text), info, '[') == Match::kMatch;
}

Result<Value> SqlLike(const Value& text, const Value& pattern, const Value* escape) {
  // Debian's SQLite is built with SQLITE_LIKE_DOESNT_MATCH_BLOBS: a BLOB never matches.
  if (text.type() == ValueType::kBlob || pattern.type() == ValueType::kBlob) {
    return Value::Integer(0);
  }
  std::string pat_buf, text_buf, esc_buf;
  if (pattern.view().size() > kMaxLikePatternBytes) {
    return Status::InvalidArgument("LIKE or GLOB pattern too complex");
  }
  uint32_t esc = 0;
  if (escape != nullptr) {
    if (escape->is_null()) return Value::Null();
    std::string_view ev;
    if (escape->is_numeric()) {
      AppendValueText(*escape, &esc_buf);
      ev = esc_buf;
    } else {
      ev = escape->view();
    }
    if (Utf8CharCount(ev) != 1) {
      return Status::InvalidArgument("ESCAPE expression must be a single character");
    }
    Cursor c = MakeCursor(ev);
    esc = Read(&c);
  }
  if (text.is_null() || pattern.is_null()) return Value::Null();
  std::string_view p = pattern.is_numeric() ? (AppendValueText(pattern, &pat_buf), pat_buf)
                                            : std::string_view(pattern.view());
  std::string_view t = text.is_numeric() ? (AppendValueText(text, &text_buf), text_buf)
                                         : std::string_view(text.view());
  return Value::Integer(LikeMatch(p, t, esc) ? 1 : 0);
}

Result<Value> SqlGlob(const Value& text, const Value& pattern) {
  if (text.type() == ValueType::kBlob || pattern.type() == ValueType::kBlob) {
    return Value::Integer(0);
  }
  if (pattern.view().size() > kMaxLikePatternBytes) {
    return Status::InvalidArgument("LIKE or GLOB pattern too complex");
  }
  if (text.is_null() || pattern.is_null()) return Value::Null();
  std::string pat_buf, text_buf;
  std::string_view p = pattern.is_numeric() ? (AppendValueText(pattern, &pat_buf), pat_buf)
                                            : std::string_view(pattern.view());
  std::string_view t = text.is_numeric() ? (AppendValueText(text, &text_buf), text_buf)
                                         : std::string_view(text.view());
  return Value::Integer(GlobMatch(p, t) ? 1 : 0);
}

}  // namespace dosql::engine
