#include "dosql/parser/token.h"

#include <array>
#include <string>

namespace dosql::parser {
namespace {

constexpr std::array<std::string_view, kKeywordCount + 1> kKeywordTexts = {
    "",
#define DOSQL_PARSER_KW_TEXT(name, text) text,
    DOSQL_PARSER_KEYWORDS(DOSQL_PARSER_KW_TEXT)
#undef DOSQL_PARSER_KW_TEXT
};

constexpr unsigned char ToUpper(unsigned char c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }

// Hash on the length and three (upper-cased) characters; the table is built at compile time
// with linear probing and verified to need few probes (see kMaxProbe below).
constexpr uint32_t kHashSize = 512;
constexpr uint32_t KeywordHash(const char* s, size_t n) {
  uint32_t h = static_cast<uint32_t>(n) * 67u;
  h += ToUpper(static_cast<unsigned char>(s[0])) * 131u;
  h += ToUpper(static_cast<unsigned char>(s[n - 1])) * 17u;
  h += ToUpper(static_cast<unsigned char>(s[n / 2])) * 7u;
  h += ToUpper(static_cast<unsigned char>(s[(n - 1) / 3])) * 3u;
  return h % kHashSize;
}

struct KeywordTable {
  std::array<uint8_t, kHashSize> slot{};  // 0 = empty, else Keyword value
  int max_probe = 0;
};

constexpr KeywordTable BuildKeywordTable() {
  KeywordTable t;
  for (int k = 1; k <= kKeywordCount; ++k) {
    std::string_view w = kKeywordTexts[k];
    uint32_t h = KeywordHash(w.data(), w.size());
    int probe = 0;
    while (t.slot[h] != 0) {
      h = (h + 1) % kHashSize;
      ++probe;
    }
    t.slot[h] = static_cast<uint8_t>(k);
    if (probe > t.max_probe) t.max_probe = probe;
  }
  return t;
}

constexpr KeywordTable kKeywordTable = BuildKeywordTable();
static_assert(kKeywordTable.max_probe < 8, "keyword hash has too many collisions");

// Character classes.
enum : uint8_t { kClsIdStart = 1, kClsIdChar = 2, kClsDigit = 4, kClsSpace = 8, kClsHex = 16 };

constexpr std::array<uint8_t, 256> BuildClasses() {
  std::array<uint8_t, 256> c{};
  for (int i = 0; i < 256; ++i) {
    uint8_t v = 0;
    bool alpha = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z');
    bool digit = i >= '0' && i <= '9';
    if (alpha || i == '_' || i >= 0x80) v |= kClsIdStart | kClsIdChar;
    if (digit || i == '$') v |= kClsIdChar;
    if (digit) v |= kClsDigit;
    if (digit || (i >= 'a' && i <= 'f') || (i >= 'A' && i <= 'F')) v |= kClsHex;
    if (i == ' ' || i == '\t' || i == '\n' || i == '\f' || i == '\r') v |= kClsSpace;
    c[i] = v;
  }
  return c;
}
constexpr std::array<uint8_t, 256> kClass = BuildClasses();

inline bool IsDigit(unsigned char c) { return kClass[c] & kClsDigit; }
inline bool IsHex(unsigned char c) { return kClass[c] & kClsHex; }
inline bool IsSpace(unsigned char c) { return kClass[c] & kClsSpace; }
inline bool IdChar(unsigned char c) { return kClass[c] & kClsIdChar; }

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

std::string_view KeywordText(Keyword kw) { return kKeywordTexts[static_cast<int>(kw)]; }

Keyword LookupKeyword(std::string_view word) {
  size_t n = word.size();
  if (n < 2 || n > 17) return Keyword::kNone;
  uint32_t h = KeywordHash(word.data(), n);
  for (int probe = 0; probe <= kKeywordTable.max_probe; ++probe) {
    uint8_t k = kKeywordTable.slot[h];
    if (k == 0) return Keyword::kNone;
    std::string_view cand = kKeywordTexts[k];
    if (cand.size() == n) {
      size_t i = 0;
      while (i < n && ToUpper(static_cast<unsigned char>(word[i])) ==
                          static_cast<unsigned char>(cand[i])) {
        ++i;
      }
      if (i == n) return static_cast<Keyword>(k);
    }
    h = (h + 1) % kHashSize;
  }
  return Keyword::kNone;
}

bool IsFallbackKeyword(Keyword kw) {
  switch (kw) {
    case Keyword::kAbort: case Keyword::kAction: case Keyword::kAfter:
    case Keyword::kAnalyze: case Keyword::kAsc: case Keyword::kAttach:
    case Keyword::kBefore: case Keyword::kBegin: case Keyword::kBy:
    case Keyword::kCascade: case Keyword::kCast: case Keyword::kColumn:
    case Keyword::kConflict: case Keyword::kDatabase: case Keyword::kDeferred:
    case Keyword::kDesc: case Keyword::kDetach: case Keyword::kDo:
    case Keyword::kEach: case Keyword::kEnd: case Keyword::kExclusive:
    case Keyword::kExplain: case Keyword::kFail: case Keyword::kFor:
    case Keyword::kIgnore: case Keyword::kImmediate: case Keyword::kInitially:
    case Keyword::kInstead: case Keyword::kLike: case Keyword::kGlob:
    case Keyword::kRegexp: case Keyword::kMatch: case Keyword::kNo:
    case Keyword::kPlan: case Keyword::kQuery: case Keyword::kKey:
    case Keyword::kOf: case Keyword::kOffset: case Keyword::kPragma:
    case Keyword::kRaise: case Keyword::kRecursive: case Keyword::kRelease:
    case Keyword::kReplace: case Keyword::kRestrict: case Keyword::kRow:
    case Keyword::kRows: case Keyword::kRollback: case Keyword::kSavepoint:
    case Keyword::kTemp: case Keyword::kTemporary: case Keyword::kTrigger:
    case Keyword::kVacuum: case Keyword::kView: case Keyword::kVirtual:
    case Keyword::kWith: case Keyword::kWithout: case Keyword::kNulls:
    case Keyword::kFirst: case Keyword::kLast: case Keyword::kCurrent:
    case Keyword::kFollowing: case Keyword::kPartition: case Keyword::kPreceding:
    case Keyword::kRange: case Keyword::kUnbounded: case Keyword::kExclude:
    case Keyword::kGroups: case Keyword::kOthers: case Keyword::kTies:
    case Keyword::kGenerated: case Keyword::kAlways: case Keyword::kMaterialized:
    case Keyword::kReindex: case Keyword::kRename: case Keyword::kCurrentDate:
    case Keyword::kCurrentTime: case Keyword::kCurrentTimestamp: case Keyword::kIf:
    case Keyword::kWindow: case Keyword::kOver: case Keyword::kFilter:
      return true;
    default:
      return false;
  }
}

bool IsJoinKeyword(Keyword kw) {
  switch (kw) {
    case Keyword::kNatural: case Keyword::kLeft: case Keyword::kRight: case Keyword::kFull:
    case Keyword::kOuter: case Keyword::kInner: case Keyword::kCross:
      return true;
    default:
      return false;
  }
}

std::string_view IllegalReasonText(IllegalReason reason) {
  switch (reason) {
    case IllegalReason::kNone: return "";
    case IllegalReason::kUnrecognizedCharacter: return "unrecognized character";
    case IllegalReason::kUnterminatedString: return "unterminated string literal";
    case IllegalReason::kUnterminatedIdentifier: return "unterminated quoted identifier";
    case IllegalReason::kMalformedBlob:
      return "blob literal must be X'...' with an even number of hex digits";
    case IllegalReason::kMalformedNumber: return "malformed number";
    case IllegalReason::kMalformedHex: return "malformed hexadecimal literal";
    case IllegalReason::kMalformedParameter: return "malformed parameter name";
    case IllegalReason::kUnterminatedDollar: return "unterminated $$ string";
  }
  return "";
}

std::string_view TokenTypeName(TokenType type) {
  switch (type) {
    case TokenType::kEof: return "end of input";
    case TokenType::kIllegal: return "illegal token";
    case TokenType::kIdentifier: return "identifier";
    case TokenType::kKeyword: return "keyword";
    case TokenType::kString: return "string";
    case TokenType::kBlob: return "blob";
    case TokenType::kInteger: return "integer";
    case TokenType::kFloat: return "real";
    case TokenType::kParameter: return "parameter";
    case TokenType::kDollarString: return "$$ string";
    case TokenType::kSemicolon: return "\";\"";
    case TokenType::kLeftParen: return "\"(\"";
    case TokenType::kRightParen: return "\")\"";
    case TokenType::kComma: return "\",\"";
    case TokenType::kDot: return "\".\"";
    case TokenType::kPlus: return "\"+\"";
    case TokenType::kMinus: return "\"-\"";
    case TokenType::kStar: return "\"*\"";
    case TokenType::kSlash: return "\"/\"";
    case TokenType::kPercent: return "\"%\"";
    case TokenType::kEq: return "\"=\"";
    case TokenType::kNe: return "\"!=\"";
    case TokenType::kLt: return "\"<\"";
    case TokenType::kLe: return "\"<=\"";
    case TokenType::kGt: return "\">\"";
    case TokenType::kGe: return "\">=\"";
    case TokenType::kShiftLeft: return "\"<<\"";
    case TokenType::kShiftRight: return "\">>\"";
    case TokenType::kBitAnd: return "\"&\"";
    case TokenType::kBitOr: return "\"|\"";
    case TokenType::kBitNot: return "\"~\"";
    case TokenType::kConcat: return "\"||\"";
    case TokenType::kArrow: return "\"->\"";
    case TokenType::kDoubleArrow: return "\"->>\"";
  }
  return "token";
}

bool IsIdentifierStart(unsigned char c) { return kClass[c] & kClsIdStart; }
bool IsIdentifierChar(unsigned char c) { return kClass[c] & kClsIdChar; }

Tokenizer::Tokenizer(std::string_view sql, uint32_t start) : sql_(sql) {
  AdvanceTo(start < sql.size() ? start : static_cast<uint32_t>(sql.size()));
}

void Tokenizer::AdvanceTo(uint32_t to) {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(sql_.data());
  uint32_t line = line_;
  uint32_t column = column_;
  for (uint32_t i = pos_; i < to; ++i) {
    unsigned char c = s[i];
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  line_ = line;
  column_ = column;
  pos_ = to;
}

Token Tokenizer::Next() {
  const unsigned char* s = reinterpret_cast<const unsigned char*>(sql_.data());
  const uint32_t n = static_cast<uint32_t>(sql_.size());
  // Skip whitespace and comments.
  uint32_t i = pos_;
  while (i < n) {
    unsigned char c = s[i];
    if (IsSpace(c)) {
      ++i;
    } else if (c == '-' && i + 1 < n && s[i + 1] == '-') {
      i += 2;
      while (i < n && s[i] != '\n' && s[i] != 0) ++i;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      i += 2;
      while (i < n && s[i] != 0 && !(s[i] == '*' && i + 1 < n && s[i + 1] == '/')) ++i;
      if (i < n && s[i] == '*') i += 2;
    } else {
      break;
    }
  }
  AdvanceTo(i);
  Token tok;
  tok.offset = pos_;
  tok.line = line_;
  tok.column = column_;
  if (pos_ >= n || s[pos_] == 0) {
    tok.type = TokenType::kEof;
    tok.length = 0;
    return tok;
  }
  tok.length = Scan(&tok);
  AdvanceTo(pos_ + tok.length);
  return tok;
}

uint32_t Tokenizer::Scan(Token* tok) {
  const unsigned char* z = reinterpret_cast<const unsigned char*>(sql_.data()) + pos_;
  const uint32_t avail = static_cast<uint32_t>(sql_.size()) - pos_;
  // Reads z[k] with NUL past the end, so scanning loops need no separate bounds checks.
  auto at = [&](uint32_t k) -> unsigned char { return k < avail ? z[k] : 0; };
  auto illegal = [&](IllegalReason r, uint32_t len) {
    tok->type = TokenType::kIllegal;
    tok->illegal = r;
    return len;
  };
  auto op = [&](TokenType t, uint32_t len) {
    tok->type = t;
    return len;
  };
  unsigned char c = z[0];
  switch (c) {
    case '-':
      if (at(1) == '>') {
        if (at(2) == '>') return op(TokenType::kDoubleArrow, 3);
        return op(TokenType::kArrow, 2);
      }
      return op(TokenType::kMinus, 1);
    case '(': return op(TokenType::kLeftParen, 1);
    case ')': return op(TokenType::kRightParen, 1);
    case ';': return op(TokenType::kSemicolon, 1);
    case '+': return op(TokenType::kPlus, 1);
    case '*': return op(TokenType::kStar, 1);
    case '/': return op(TokenType::kSlash, 1);
    case '%': return op(TokenType::kPercent, 1);
    case ',': return op(TokenType::kComma, 1);
    case '&': return op(TokenType::kBitAnd, 1);
    case '~': return op(TokenType::kBitNot, 1);
    case '=': return op(TokenType::kEq, at(1) == '=' ? 2 : 1);
    case '<':
      if (at(1) == '=') return op(TokenType::kLe, 2);
      if (at(1) == '>') return op(TokenType::kNe, 2);
      if (at(1) == '<') return op(TokenType::kShiftLeft, 2);
      return op(TokenType::kLt, 1);
    case '>':
      if (at(1) == '=') return op(TokenType::kGe, 2);
      if (at(1) == '>') return op(TokenType::kShiftRight, 2);
      return op(TokenType::kGt, 1);
    case '!':
      if (at(1) == '=') return op(TokenType::kNe, 2);
      return illegal(IllegalReason::kUnrecognizedCharacter, 1);
    case '|':
      if (at(1) == '|') return op(TokenType::kConcat, 2);
      return op(TokenType::kBitOr, 1);
    case '\'': {
      uint32_t i = 1;
      for (;;) {
        unsigned char d = at(i);
        if (d == 0 && i >= avail) return illegal(IllegalReason::kUnterminatedString, i);
        if (d == 0) return illegal(IllegalReason::kUnterminatedString, i);
        if (d == '\'') {
          if (at(i + 1) == '\'') {
            i += 2;
            continue;
          }
          tok->type = TokenType::kString;
          return i + 1;
        }
        ++i;
      }
    }
    case '"':
    case '`': {
      uint32_t i = 1;
      for (;;) {
        unsigned char d = at(i);
        if (d == 0) return illegal(IllegalReason::kUnterminatedIdentifier, i);
        if (d == c) {
          if (at(i + 1) == c) {
            i += 2;
            continue;
          }
          tok->type = TokenType::kIdentifier;
          tok->quote = static_cast<char>(c);
          return i + 1;
        }
        ++i;
      }
    }
    case '[': {
      uint32_t i = 1;
      while (at(i) != ']' && at(i) != 0) ++i;
      if (at(i) != ']') return illegal(IllegalReason::kUnterminatedIdentifier, i);
      tok->type = TokenType::kIdentifier;
      tok->quote = '[';
      return i + 1;
    }
    case '.':
      if (!IsDigit(at(1))) return op(TokenType::kDot, 1);
      [[fallthrough]];
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': {
      uint32_t i = 0;
      tok->type = TokenType::kInteger;
      if (c == '0' && (at(1) == 'x' || at(1) == 'X') && IsHex(at(2))) {
        i = 3;
        while (IsHex(at(i))) ++i;
        if (IdChar(at(i))) {
          while (IdChar(at(i))) ++i;
          return illegal(IllegalReason::kMalformedHex, i);
        }
        return i;
      }
      while (IsDigit(at(i))) ++i;
      if (at(i) == '.') {
        ++i;
        while (IsDigit(at(i))) ++i;
        tok->type = TokenType::kFloat;
      }
      if ((at(i) == 'e' || at(i) == 'E') &&
          (IsDigit(at(i + 1)) ||
           ((at(i + 1) == '+' || at(i + 1) == '-') && IsDigit(at(i + 2))))) {
        i += 2;
        while (IsDigit(at(i))) ++i;
        tok->type = TokenType::kFloat;
      }
      if (IdChar(at(i))) {
        bool hex = c == '0' && i == 1 && (at(1) == 'x' || at(1) == 'X');
        while (IdChar(at(i))) ++i;
        return illegal(hex ? IllegalReason::kMalformedHex : IllegalReason::kMalformedNumber, i);
      }
      return i;
    }
    case '?': {
      uint32_t i = 1;
      while (IsDigit(at(i))) ++i;
      tok->type = TokenType::kParameter;
      tok->quote = '?';
      return i;
    }
    case '$':
      if (at(1) == '$') {
        // dosql extension: $$ ... $$ dollar-quoted string (no escapes).
        uint32_t i = 2;
        while (i + 1 < avail && !(z[i] == '$' && z[i + 1] == '$')) ++i;
        if (i + 1 >= avail) return illegal(IllegalReason::kUnterminatedDollar, avail);
        tok->type = TokenType::kDollarString;
        return i + 2;
      }
      [[fallthrough]];
    case ':':
    case '@':
    case '#': {
      uint32_t i = 1;
      int name_chars = 0;
      tok->type = TokenType::kParameter;
      tok->quote = static_cast<char>(c);
      for (;; ++i) {
        unsigned char d = at(i);
        if (IdChar(d)) {
          ++name_chars;
        } else if (d == '(' && name_chars > 0) {
          // TCL-style array suffix $a(index).
          do {
            ++i;
            d = at(i);
          } while (d != 0 && !IsSpace(d) && d != ')');
          if (d == ')') return i + 1;
          return illegal(IllegalReason::kMalformedParameter, i);
        } else if (d == ':' && at(i + 1) == ':') {
          ++i;
        } else {
          break;
        }
      }
      if (name_chars == 0 || c == '#') return illegal(IllegalReason::kMalformedParameter, i);
      return i;
    }
    case 'x':
    case 'X':
      if (at(1) == '\'') {
        uint32_t i = 2;
        bool ok = true;
        while (at(i) != '\'' && at(i) != 0) {
          if (!IsHex(at(i))) ok = false;
          ++i;
        }
        if (at(i) != '\'') return illegal(IllegalReason::kMalformedBlob, i);
        if (!ok || (i - 2) % 2 != 0) return illegal(IllegalReason::kMalformedBlob, i + 1);
        tok->type = TokenType::kBlob;
        return i + 1;
      }
      [[fallthrough]];
    default: {
      if (!IsIdentifierStart(c)) return illegal(IllegalReason::kUnrecognizedCharacter, 1);
      uint32_t i = 1;
      while (IdChar(at(i))) ++i;
      Keyword kw = LookupKeyword(std::string_view(reinterpret_cast<const char*>(z), i));
      if (kw != Keyword::kNone) {
        tok->type = TokenType::kKeyword;
        tok->keyword = kw;
      } else {
        tok->type = TokenType::kIdentifier;
      }
      return i;
    }
  }
}

Result<std::vector<Token>> Tokenize(std::string_view sql) {
  if (sql.size() >= 0xFFFFFFF0u) return Status::SyntaxError("SQL text too long");
  std::vector<Token> out;
  Tokenizer t(sql);
  for (;;) {
    Token tok = t.Next();
    if (tok.type == TokenType::kEof) break;
    if (tok.type == TokenType::kIllegal) {
      return Status::SyntaxError("unrecognized token: \"" + std::string(tok.Text(sql)) +
                                 "\" at line " + std::to_string(tok.line) + ", column " +
                                 std::to_string(tok.column) + ": " +
                                 std::string(IllegalReasonText(tok.illegal)));
    }
    out.push_back(tok);
  }
  return out;
}

std::string DecodeStringLiteral(std::string_view text) {
  std::string out;
  if (text.size() < 2) return out;
  out.reserve(text.size() - 2);
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    out.push_back(text[i]);
    if (text[i] == '\'' && i + 2 < text.size() && text[i + 1] == '\'') ++i;
  }
  return out;
}

std::string DecodeIdentifier(std::string_view text) {
  if (text.empty()) return std::string();
  char q = text[0];
  if (q == '[') return std::string(text.substr(1, text.size() >= 2 ? text.size() - 2 : 0));
  if (q != '"' && q != '`' && q != '\'') return std::string(text);
  std::string out;
  if (text.size() < 2) return out;
  out.reserve(text.size() - 2);
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    out.push_back(text[i]);
    if (text[i] == q && i + 2 < text.size() && text[i + 1] == q) ++i;
  }
  return out;
}

std::string DecodeBlobLiteral(std::string_view text) {
  std::string out;
  if (text.size() < 3) return out;
  std::string_view hex = text.substr(2, text.size() - 3);
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(
        HexValue(static_cast<unsigned char>(hex[i])) * 16 +
        HexValue(static_cast<unsigned char>(hex[i + 1]))));
  }
  return out;
}

}  // namespace dosql::parser
