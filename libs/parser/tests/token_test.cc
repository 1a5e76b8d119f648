#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dosql/parser/token.h"

namespace dosql::parser {
namespace {

std::vector<Token> Lex(std::string_view sql) {
  std::vector<Token> out;
  Tokenizer t(sql);
  for (;;) {
    Token tok = t.Next();
    if (tok.type == TokenType::kEof) break;
    out.push_back(tok);
  }
  return out;
}

// The single token of `sql`.
Token One(std::string_view sql) {
  std::vector<Token> toks = Lex(sql);
  EXPECT_EQ(toks.size(), 1u) << sql;
  return toks.empty() ? Token{} : toks[0];
}

TEST(Keywords, AllKeywordsRoundTrip) {
  int n = 0;
  for (int k = 1; k <= kKeywordCount; ++k) {
    Keyword kw = static_cast<Keyword>(k);
    std::string text(KeywordText(kw));
    EXPECT_EQ(LookupKeyword(text), kw) << text;
    std::string lower = text;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(LookupKeyword(lower), kw) << lower;
    ++n;
  }
  EXPECT_EQ(n, 147);
  EXPECT_EQ(LookupKeyword("SeLeCt"), Keyword::kSelect);
  EXPECT_EQ(LookupKeyword("selects"), Keyword::kNone);
  EXPECT_EQ(LookupKeyword("value"), Keyword::kNone);
  EXPECT_EQ(LookupKeyword("text"), Keyword::kNone);
  EXPECT_EQ(LookupKeyword("true"), Keyword::kNone);
  EXPECT_EQ(LookupKeyword(""), Keyword::kNone);
  EXPECT_EQ(LookupKeyword("x"), Keyword::kNone);
}

TEST(Keywords, FallbackSetMatchesSqlite) {
  EXPECT_TRUE(IsFallbackKeyword(Keyword::kKey));
  EXPECT_TRUE(IsFallbackKeyword(Keyword::kReplace));
  EXPECT_TRUE(IsFallbackKeyword(Keyword::kAbort));
  EXPECT_TRUE(IsFallbackKeyword(Keyword::kEnd));
  EXPECT_TRUE(IsFallbackKeyword(Keyword::kWindow));
  EXPECT_FALSE(IsFallbackKeyword(Keyword::kSelect));
  EXPECT_FALSE(IsFallbackKeyword(Keyword::kFrom));
  EXPECT_FALSE(IsFallbackKeyword(Keyword::kPrimary));
  EXPECT_FALSE(IsFallbackKeyword(Keyword::kLeft));
  EXPECT_TRUE(IsJoinKeyword(Keyword::kLeft));
  EXPECT_TRUE(IsJoinKeyword(Keyword::kNatural));
  EXPECT_FALSE(IsJoinKeyword(Keyword::kJoin));
}

TEST(Tokenizer, Identifiers) {
  Token t = One("abc_1$x");
  EXPECT_EQ(t.type, TokenType::kIdentifier);
  EXPECT_EQ(t.quote, 0);
  EXPECT_EQ(t.length, 7u);
  t = One("\"a \"\" b\"");
  EXPECT_EQ(t.type, TokenType::kIdentifier);
  EXPECT_EQ(t.quote, '"');
  EXPECT_EQ(DecodeIdentifier(t.Text("\"a \"\" b\"")), "a \" b");
  t = One("[a b]");
  EXPECT_EQ(t.quote, '[');
  EXPECT_EQ(DecodeIdentifier("[a b]"), "a b");
  t = One("`x``y`");
  EXPECT_EQ(t.quote, '`');
  EXPECT_EQ(DecodeIdentifier("`x``y`"), "x`y");
  t = One("ünïcødé");
  EXPECT_EQ(t.type, TokenType::kIdentifier);
  t = One("\"select\"");
  EXPECT_EQ(t.type, TokenType::kIdentifier);  // quoted keywords are identifiers
  t = One("SeLeCt");
  EXPECT_EQ(t.type, TokenType::kKeyword);
  EXPECT_EQ(t.keyword, Keyword::kSelect);
}

TEST(Tokenizer, Strings) {
  std::string_view sql = "'it''s'";
  Token t = One(sql);
  EXPECT_EQ(t.type, TokenType::kString);
  EXPECT_EQ(DecodeStringLiteral(t.Text(sql)), "it's");
  EXPECT_EQ(DecodeStringLiteral("''"), "");
  EXPECT_EQ(DecodeStringLiteral("''''"), "'");
  t = One("'multi\nline'");
  EXPECT_EQ(t.type, TokenType::kString);
}

TEST(Tokenizer, Blobs) {
  Token t = One("X'0aFF'");
  EXPECT_EQ(t.type, TokenType::kBlob);
  EXPECT_EQ(DecodeBlobLiteral("X'0aFF'"), std::string("\x0a\xff", 2));
  EXPECT_EQ(One("x''").type, TokenType::kBlob);
  for (std::string_view bad : {"x'0'", "x'zz'", "X'abc'", "x'00"}) {
    t = One(bad);
    EXPECT_EQ(t.type, TokenType::kIllegal) << bad;
    EXPECT_EQ(t.illegal, IllegalReason::kMalformedBlob) << bad;
  }
  // x alone, or x followed by something else, is an identifier.
  EXPECT_EQ(Lex("x 'a'")[0].type, TokenType::kIdentifier);
}

TEST(Tokenizer, Numbers) {
  struct Case {
    std::string_view text;
    TokenType type;
  } cases[] = {
      {"0", TokenType::kInteger},      {"123", TokenType::kInteger},
      {"0x1F", TokenType::kInteger},   {"0XaB", TokenType::kInteger},
      {"1.5", TokenType::kFloat},      {".5", TokenType::kFloat},
      {"5.", TokenType::kFloat},       {"1e10", TokenType::kFloat},
      {"1E+10", TokenType::kFloat},    {"1.5e-3", TokenType::kFloat},
      {"00012", TokenType::kInteger},
  };
  for (const Case& c : cases) {
    Token t = One(c.text);
    EXPECT_EQ(t.type, c.type) << c.text;
    EXPECT_EQ(t.length, c.text.size()) << c.text;
  }
  for (std::string_view bad : {"1abc", "1e", "12e5x", "1.5x", "1_000"}) {
    Token t = One(bad);
    EXPECT_EQ(t.type, TokenType::kIllegal) << bad;
    EXPECT_EQ(t.illegal, IllegalReason::kMalformedNumber) << bad;
    EXPECT_EQ(t.length, bad.size()) << bad;
  }
  for (std::string_view bad : {"0x", "0xg", "0x1g"}) {
    Token t = One(bad);
    EXPECT_EQ(t.type, TokenType::kIllegal) << bad;
    EXPECT_EQ(t.illegal, IllegalReason::kMalformedHex) << bad;
  }
  // "1e+" is the malformed "1e" then "+", as in SQLite.
  std::vector<Token> e = Lex("1e+");
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].type, TokenType::kIllegal);
  EXPECT_EQ(e[1].type, TokenType::kPlus);
  // "1.2.3" is 1.2 then .3
  std::vector<Token> toks = Lex("1.2.3");
  ASSERT_EQ(toks.size(), 2u);
  EXPECT_EQ(toks[0].type, TokenType::kFloat);
  EXPECT_EQ(toks[1].type, TokenType::kFloat);
  // a.b is identifier, dot, identifier; t.5 is identifier then float .5
  toks = Lex("a.b");
  ASSERT_EQ(toks.size(), 3u);
  EXPECT_EQ(toks[1].type, TokenType::kDot);
}

TEST(Tokenizer, Parameters) {
  for (std::string_view p : {"?", "?12", ":name", "@name", "$name", "$a::b", "$a(x)", ":1"}) {
    Token t = One(p);
    EXPECT_EQ(t.type, TokenType::kParameter) << p;
    EXPECT_EQ(t.length, p.size()) << p;
    EXPECT_EQ(t.quote, p[0]) << p;
  }
  for (std::string_view bad : {"$", ":", "@", "#1", "$a(x"}) {
    Token t = Lex(bad)[0];
    EXPECT_EQ(t.type, TokenType::kIllegal) << bad;
    EXPECT_EQ(t.illegal, IllegalReason::kMalformedParameter) << bad;
  }
}

TEST(Tokenizer, DollarQuotedString) {
  std::string_view sql = "$$ body; with 'quotes' $ and $x $$";
  Token t = One(sql);
  EXPECT_EQ(t.type, TokenType::kDollarString);
  EXPECT_EQ(t.length, sql.size());
  t = One("$$ never closed");
  EXPECT_EQ(t.type, TokenType::kIllegal);
  EXPECT_EQ(t.illegal, IllegalReason::kUnterminatedDollar);
}

TEST(Tokenizer, Operators) {
  std::string_view sql = "- -> ->> ( ) ; + * / % = == != <> < <= << > >= >> | || & ~ , .";
  std::vector<TokenType> want = {
      TokenType::kMinus,      TokenType::kArrow,      TokenType::kDoubleArrow,
      TokenType::kLeftParen,  TokenType::kRightParen, TokenType::kSemicolon,
      TokenType::kPlus,       TokenType::kStar,       TokenType::kSlash,
      TokenType::kPercent,    TokenType::kEq,         TokenType::kEq,
      TokenType::kNe,         TokenType::kNe,         TokenType::kLt,
      TokenType::kLe,         TokenType::kShiftLeft,  TokenType::kGt,
      TokenType::kGe,         TokenType::kShiftRight, TokenType::kBitOr,
      TokenType::kConcat,     TokenType::kBitAnd,     TokenType::kBitNot,
      TokenType::kComma,      TokenType::kDot,
  };
  std::vector<Token> toks = Lex(sql);
  ASSERT_EQ(toks.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(toks[i].type, want[i]) << i << ": " << toks[i].Text(sql);
  }
  for (std::string_view bad : {"!", "^", "{", "\\"}) {
    Token t = One(bad);
    EXPECT_EQ(t.type, TokenType::kIllegal) << bad;
    EXPECT_EQ(t.illegal, IllegalReason::kUnrecognizedCharacter) << bad;
  }
}

TEST(Tokenizer, CommentsAndWhitespace) {
  std::vector<Token> toks = Lex("a -- line comment\n b /* block\n comment */ c /* unterminated");
  ASSERT_EQ(toks.size(), 3u);
  EXPECT_EQ(toks[1].line, 2u);
  EXPECT_EQ(toks[2].line, 3u);
  EXPECT_EQ(Lex("-- only a comment").size(), 0u);
  EXPECT_EQ(Lex("   \t\r\n\f ").size(), 0u);
  EXPECT_EQ(Lex("a/b").size(), 3u);
}

TEST(Tokenizer, PositionsCountLinesAndCharacters) {
  std::string_view sql = "SELECT\n  ünï, x\n\tFROM t";
  std::vector<Token> toks = Lex(sql);
  ASSERT_EQ(toks.size(), 6u);
  EXPECT_EQ(toks[0].line, 1u);
  EXPECT_EQ(toks[0].column, 1u);
  EXPECT_EQ(toks[1].line, 2u);
  EXPECT_EQ(toks[1].column, 3u);
  EXPECT_EQ(toks[2].column, 6u);  // ',' after three characters (five bytes)
  EXPECT_EQ(toks[3].column, 8u);
  EXPECT_EQ(toks[4].line, 3u);
  EXPECT_EQ(toks[4].column, 2u);
  EXPECT_EQ(toks[1].offset, 9u);
  EXPECT_EQ(toks[1].length, 5u);
}

TEST(Tokenizer, UnterminatedQuotes) {
  Token t = One("'abc");
  EXPECT_EQ(t.type, TokenType::kIllegal);
  EXPECT_EQ(t.illegal, IllegalReason::kUnterminatedString);
  for (std::string_view bad : {"\"abc", "[abc", "`abc"}) {
    t = One(bad);
    EXPECT_EQ(t.type, TokenType::kIllegal) << bad;
    EXPECT_EQ(t.illegal, IllegalReason::kUnterminatedIdentifier) << bad;
  }
}

TEST(Tokenizer, NulByteEndsInput) {
  std::string sql("SELECT 1\0garbage !", 18);
  EXPECT_EQ(Lex(sql).size(), 2u);
}

TEST(Tokenizer, TokenizeReportsFirstIllegalToken) {
  auto r = Tokenize("SELECT 1, 2abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kSyntaxError);
  EXPECT_EQ(r.status().message(),
            "unrecognized token: \"2abc\" at line 1, column 11: malformed number");
  auto ok = Tokenize("SELECT a FROM t");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 4u);
}

TEST(Tokenizer, LargeInputIsLinear) {
  std::string sql = "SELECT ";
  for (int i = 0; i < 200000; ++i) sql += "abc + 'str' + 12.5e3 + ";
  sql += "1";
  size_t n = 0;
  Tokenizer t(sql);
  while (t.Next().type != TokenType::kEof) ++n;
  EXPECT_EQ(n, 200000u * 6 + 2);
}

}  // namespace
}  // namespace dosql::parser
