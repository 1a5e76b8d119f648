// dosql::parser — tokens and the tokenizer of dosql's SQL dialect (SQLite's, plus extensions).
//
// The Tokenizer turns SQL text into Tokens one at a time, in a single forward pass with no
// allocation: a Token is a small value that points into the caller's text by offset and length,
// so the text must outlive the tokens taken from it. The rules are SQLite's (tokenize.c):
// identifiers (bare, "double", [bracket], `backtick`), 'strings' with '' escapes, X'blob'
// literals, integers, 0x hex integers and reals, parameters (?, ?NNN, :name, @name, $name),
// `--` and `/* */` comments (an unterminated block comment runs to the end of the input), and
// every operator. Keywords are case-insensitive and looked up in a perfect-hash table; dosql adds
// one token, the dollar-quoted string $$...$$ used for procedure bodies. A NUL byte ends the
// input, as in SQLite. Malformed text yields a kIllegal token whose `illegal` field says why;
// the tokenizer never fails otherwise.
//
// Tokenizer instances are not synchronized; each thread uses its own. The free functions are
// pure and may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/status.h"

namespace dosql::parser {

// SQLite's 147 keywords (lang_keywords.html). kNone marks a token that is not a keyword.
// The X-macro keeps the enum, the spelling table and the hash table in one place.
#define DOSQL_PARSER_KEYWORDS(X)                                                              \
  X(Abort, "ABORT") X(Action, "ACTION") X(Add, "ADD") X(After, "AFTER") X(All, "ALL")          \
  X(Alter, "ALTER") X(Always, "ALWAYS") X(Analyze, "ANALYZE") X(And, "AND") X(As, "AS")        \
  X(Asc, "ASC") X(Attach, "ATTACH") X(Autoincrement, "AUTOINCREMENT") X(Before, "BEFORE")      \
  X(Begin, "BEGIN") X(Between, "BETWEEN") X(By, "BY") X(Cascade, "CASCADE") X(Case, "CASE")    \
  X(Cast, "CAST") X(Check, "CHECK") X(Collate, "COLLATE") X(Column, "COLUMN")                  \
  X(Commit, "COMMIT") X(Conflict, "CONFLICT") X(Constraint, "CONSTRAINT") X(Create, "CREATE")  \
  X(Cross, "CROSS") X(Current, "CURRENT") X(CurrentDate, "CURRENT_DATE")                       \
  X(CurrentTime, "CURRENT_TIME") X(CurrentTimestamp, "CURRENT_TIMESTAMP")                      \
  X(Database, "DATABASE") X(Default, "DEFAULT") X(Deferrable, "DEFERRABLE")                    \
  X(Deferred, "DEFERRED") X(Delete, "DELETE") X(Desc, "DESC") X(Detach, "DETACH")              \
  X(Distinct, "DISTINCT") X(Do, "DO") X(Drop, "DROP") X(Each, "EACH") X(Else, "ELSE")          \
  X(End, "END") X(Escape, "ESCAPE") X(Except, "EXCEPT") X(Exclude, "EXCLUDE")                  \
  X(Exclusive, "EXCLUSIVE") X(Exists, "EXISTS") X(Explain, "EXPLAIN") X(Fail, "FAIL")          \
  X(Filter, "FILTER") X(First, "FIRST") X(Following, "FOLLOWING") X(For, "FOR")                \
  X(Foreign, "FOREIGN") X(From, "FROM") X(Full, "FULL") X(Generated, "GENERATED")              \
  X(Glob, "GLOB") X(Group, "GROUP") X(Groups, "GROUPS") X(Having, "HAVING") X(If, "IF")        \
  X(Ignore, "IGNORE") X(Immediate, "IMMEDIATE") X(In, "IN") X(Index, "INDEX")                  \
  X(Indexed, "INDEXED") X(Initially, "INITIALLY") X(Inner, "INNER") X(Insert, "INSERT")        \
  X(Instead, "INSTEAD") X(Intersect, "INTERSECT") X(Into, "INTO") X(Is, "IS")                  \
  X(Isnull, "ISNULL") X(Join, "JOIN") X(Key, "KEY") X(Last, "LAST") X(Left, "LEFT")            \
  X(Like, "LIKE") X(Limit, "LIMIT") X(Match, "MATCH") X(Materialized, "MATERIALIZED")          \
  X(Natural, "NATURAL") X(No, "NO") X(Not, "NOT") X(Nothing, "NOTHING") X(Notnull, "NOTNULL")  \
  X(Null, "NULL") X(Nulls, "NULLS") X(Of, "OF") X(Offset, "OFFSET") X(On, "ON") X(Or, "OR")    \
  X(Order, "ORDER") X(Others, "OTHERS") X(Outer, "OUTER") X(Over, "OVER")                      \
  X(Partition, "PARTITION") X(Plan, "PLAN") X(Pragma, "PRAGMA") X(Preceding, "PRECEDING")      \
  X(Primary, "PRIMARY") X(Query, "QUERY") X(Raise, "RAISE") X(Range, "RANGE")                  \
  X(Recursive, "RECURSIVE") X(References, "REFERENCES") X(Regexp, "REGEXP")                    \
  X(Reindex, "REINDEX") X(Release, "RELEASE") X(Rename, "RENAME") X(Replace, "REPLACE")        \
  X(Restrict, "RESTRICT") X(Returning, "RETURNING") X(Right, "RIGHT")                          \
  X(Rollback, "ROLLBACK") X(Row, "ROW") X(Rows, "ROWS") X(Savepoint, "SAVEPOINT")              \
  X(Select, "SELECT") X(Set, "SET") X(Table, "TABLE") X(Temp, "TEMP")                          \
  X(Temporary, "TEMPORARY") X(Then, "THEN") X(Ties, "TIES") X(To, "TO")                        \
  X(Transaction, "TRANSACTION") X(Trigger, "TRIGGER") X(Unbounded, "UNBOUNDED")                \
  X(Union, "UNION") X(Unique, "UNIQUE") X(Update, "UPDATE") X(Using, "USING")                  \
  X(Vacuum, "VACUUM") X(Values, "VALUES") X(View, "VIEW") X(Virtual, "VIRTUAL")                \
  X(When, "WHEN") X(Where, "WHERE") X(Window, "WINDOW") X(With, "WITH") X(Without, "WITHOUT")

enum class Keyword : uint8_t {
  kNone = 0,
#define DOSQL_PARSER_KW_ENUM(name, text) k##name,
  DOSQL_PARSER_KEYWORDS(DOSQL_PARSER_KW_ENUM)
#undef DOSQL_PARSER_KW_ENUM
};

inline constexpr int kKeywordCount = 147;

// The canonical (upper-case) spelling of a keyword; "" for kNone.
std::string_view KeywordText(Keyword kw);

// Case-insensitive keyword lookup; kNone when `word` is not a keyword.
Keyword LookupKeyword(std::string_view word);

// True for the keywords SQLite's grammar lets fall back to an identifier when they cannot be
// parsed as themselves (parse.y %fallback ID ...), plus WINDOW, OVER and FILTER, which SQLite's
// tokenizer only treats as keywords in their own contexts. JOIN keywords (NATURAL, LEFT, ...)
// are not in this set: SQLite accepts them as table/column names but not as function names or
// implicit aliases.
bool IsFallbackKeyword(Keyword kw);

// NATURAL, LEFT, RIGHT, FULL, OUTER, INNER, CROSS (SQLite's JOIN_KW token class).
bool IsJoinKeyword(Keyword kw);

enum class TokenType : uint8_t {
  kEof,           // end of input (or a NUL byte)
  kIllegal,       // malformed text; Token::illegal says why
  kIdentifier,    // bare or quoted identifier that is not a keyword (Token::quote tells which)
  kKeyword,       // bare word that is a keyword (Token::keyword)
  kString,        // 'text' with '' escapes
  kBlob,          // X'hex'
  kInteger,       // 123 or 0x7f
  kFloat,         // 1.5, .5, 1e10, 1.5E-3
  kParameter,     // ?, ?NNN, :name, @name, $name
  kDollarString,  // $$ ... $$ (dosql extension: procedure bodies)
  kSemicolon,     // ;
  kLeftParen,     // (
  kRightParen,    // )
  kComma,         // ,
  kDot,           // .
  kPlus,          // +
  kMinus,         // -
  kStar,          // *
  kSlash,         // /
  kPercent,       // %
  kEq,            // = or ==
  kNe,            // != or <>
  kLt,            // <
  kLe,            // <=
  kGt,            // >
  kGe,            // >=
  kShiftLeft,     // <<
  kShiftRight,    // >>
  kBitAnd,        // &
  kBitOr,         // |
  kBitNot,        // ~
  kConcat,        // ||
  kArrow,         // ->
  kDoubleArrow,   // ->>
};

// Why a token is kIllegal.
enum class IllegalReason : uint8_t {
  kNone,
  kUnrecognizedCharacter,   // a byte that starts no token (e.g. '!' alone, '^')
  kUnterminatedString,      // 'abc
  kUnterminatedIdentifier,  // "abc, [abc, `abc
  kMalformedBlob,           // X'0' (odd digit count), X'zz', unterminated X'..
  kMalformedNumber,         // 1abc, 1e, 1.5x
  kMalformedHex,            // 0x, 0x1g
  kMalformedParameter,      // $, :, @ with no name; $a( without ')'
  kUnterminatedDollar,      // $$ without a closing $$
};

// A human-readable explanation of an IllegalReason, e.g. "unterminated string literal".
std::string_view IllegalReasonText(IllegalReason reason);

std::string_view TokenTypeName(TokenType type);

struct Token {
  TokenType type = TokenType::kEof;
  Keyword keyword = Keyword::kNone;  // set when type == kKeyword
  // For kIdentifier: 0 (bare), '"', '[', '`'. For kParameter: the prefix character.
  char quote = 0;
  IllegalReason illegal = IllegalReason::kNone;
  uint32_t offset = 0;  // byte offset of the first byte in the source
  uint32_t length = 0;  // byte length of the token's text (with quotes)
  uint32_t line = 1;    // 1-based line of the first byte
  uint32_t column = 1;  // 1-based column of the first byte, counted in UTF-8 characters

  uint32_t end() const { return offset + length; }
  bool Is(TokenType t) const { return type == t; }
  bool Is(Keyword kw) const { return type == TokenType::kKeyword && keyword == kw; }
  std::string_view Text(std::string_view source) const { return source.substr(offset, length); }
};

// Single-pass tokenizer over `sql`, starting at byte `start`. Whitespace and comments are skipped.
// After kEof every call returns kEof again.
class Tokenizer {
 public:
  explicit Tokenizer(std::string_view sql, uint32_t start = 0);

  Token Next();
  std::string_view source() const { return sql_; }

 private:
  // Moves pos_ to `to`, keeping line_/column_ up to date (counts '\n' and UTF-8 lead bytes).
  void AdvanceTo(uint32_t to);
  // Scans one token starting at pos_ (which is not whitespace); returns its length.
  uint32_t Scan(Token* tok);

  std::string_view sql_;
  uint32_t pos_ = 0;
  uint32_t line_ = 1;
  uint32_t column_ = 1;
};

// Tokenizes the whole input (without the final kEof). Returns SyntaxError at the first illegal
// token. For tests and tools; the parser pulls tokens lazily instead.
Result<std::vector<Token>> Tokenize(std::string_view sql);

// Decoding helpers for token text (including its quotes).
// 'it''s' -> it's
std::string DecodeStringLiteral(std::string_view text);
// "a""b" -> a"b, [x] -> x, `a``b` -> a`b, bare -> bare
std::string DecodeIdentifier(std::string_view text);
// X'0aFF' -> the two bytes 0x0a 0xff (text must be a well-formed blob token)
std::string DecodeBlobLiteral(std::string_view text);

// Character classes of SQLite's tokenizer.
bool IsIdentifierStart(unsigned char c);  // A-Z a-z _ and bytes >= 0x80
bool IsIdentifierChar(unsigned char c);   // IsIdentifierStart, digits and '$'

}  // namespace dosql::parser
