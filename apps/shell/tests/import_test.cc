// Tests of the pieces of ".import" (the CSV/ASCII field reader and the column definitions of a
// new table) and of Tab completion's matching; the end-to-end comparison with sqlite3 is
// shell_sqlite_compat_test.sh.
#include "src/import.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "src/input.h"

namespace dosql::shell {
namespace {

struct Field {
  std::string text;
  int term;
  bool operator==(const Field&) const = default;
};

// Reads every field of `input`; warnings are appended to *warnings.
std::vector<Field> ReadAll(std::string input, bool csv, std::string* warnings, char col = ',',
                           char row = '\n') {
  FILE* f = fmemopen(input.data(), input.size(), "rb");
  FieldReader reader(f, "in.csv", col, row, csv,
                     [&](const std::string& w) { warnings->append(w); });
  std::vector<Field> fields;
  while (reader.Read()) fields.push_back({std::string(reader.field()), reader.term()});
  std::fclose(f);
  return fields;
}

TEST(FieldReader, CsvQuotingCrlfAndSeparators) {
  std::string warnings;
  auto fields = ReadAll("a,\"b,c\"\r\n\"x\"\"y\",\"line1\nline2\"\r\n,\n", true, &warnings);
  std::vector<Field> expected = {{"a", ','}, {"b,c", '\n'}, {"x\"y", ','}, {"line1\nline2", '\n'},
                                 {"", ','},  {"", '\n'}};
  EXPECT_EQ(fields, expected);
  EXPECT_EQ(warnings, "");
}

TEST(FieldReader, CsvBomUnescapedAndUnterminatedQuotes) {
  std::string warnings;
  auto fields = ReadAll("\xef\xbb\xbfk,\"ab\"c,d\n\"open", true, &warnings);
  ASSERT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields[0].text, "k");
  // After a stray quote sqlite3 reads on, across separators and lines, to a quote that is
  // followed by a separator, or to the end.
  EXPECT_EQ(fields[1].text, "ab\"c,d\n\"open");
  EXPECT_EQ(fields[1].term, EOF);
  EXPECT_EQ(warnings,
            "in.csv:1: unescaped \" character\n"
            "in.csv:2: unescaped \" character\n"
            "in.csv:1: unterminated \"-quoted field\n");
}

TEST(FieldReader, AsciiSplitsOnBytesOnly) {
  std::string warnings;
  auto fields = ReadAll(
      "\"a\"\x1f"
      "b\r\x1e",
      false, &warnings, '\x1f', '\x1e');
  std::vector<Field> expected = {{"\"a\"", '\x1f'}, {"b\r", '\x1e'}};
  EXPECT_EQ(fields, expected);
}

TEST(FieldReader, CountsLines) {
  std::string input = "a\n\"b\nc\"\nd";
  FILE* f = fmemopen(input.data(), input.size(), "rb");
  FieldReader reader(f, "x", ',', '\n', true, [](const std::string&) {});
  ASSERT_TRUE(reader.Read());
  EXPECT_EQ(reader.line(), 2);
  ASSERT_TRUE(reader.Read());
  EXPECT_EQ(reader.line(), 4);
  ASSERT_TRUE(reader.Read());
  EXPECT_EQ(reader.field(), "d");
  EXPECT_FALSE(reader.Read());
  std::fclose(f);
}

TEST(AutoColumnDefs, TextColumnsFourPerLine) {
  std::string renames;
  EXPECT_EQ(AutoColumnDefs({"a", "b\"q", "", "d", "e"}, &renames),
            "(\n\"a\" TEXT, \"b\"\"q\" TEXT, \"?\" TEXT, \"d\" TEXT,\n \"e\" TEXT)");
  EXPECT_EQ(renames, "");
}

TEST(AutoColumnDefs, RenamesDuplicatesIgnoringCase) {
  std::string renames;
  EXPECT_EQ(AutoColumnDefs({"a", "b", "A"}, &renames),
            "(\n\"a_1\" TEXT, \"b\" TEXT, \"A_3\" TEXT)");
  EXPECT_EQ(renames, "\"a\" to \"a_1\",\n\"A\" to \"A_3\"");
  // A suffixed name that is taken already gets a leading zero.
  EXPECT_EQ(AutoColumnDefs({"x", "x_1", "x"}, &renames),
            "(\n\"x_01\" TEXT, \"x_1\" TEXT, \"x_03\" TEXT)");
}

TEST(CompletionMatches, PrefixesIgnoringCase) {
  std::vector<std::string> words = {"SELECT", "SET", "Cities", "cityname", "t"};
  EXPECT_EQ(CompletionMatches("se", words), (std::vector<std::string>{"select", "set"}));
  EXPECT_EQ(CompletionMatches("SEL", words), (std::vector<std::string>{"SELECT"}));
  EXPECT_EQ(CompletionMatches("cit", words), (std::vector<std::string>{"Cities", "cityname"}));
  EXPECT_EQ(CompletionMatches("", words).size(), words.size());
  EXPECT_TRUE(CompletionMatches("zz", words).empty());
}

}  // namespace
}  // namespace dosql::shell
