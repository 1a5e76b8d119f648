// Tests of the shell's output modes on hand-made rows (the end-to-end test compares whole runs
// with sqlite3's bytes; these pin the helpers and a few edge cases).
#include "src/render.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace dosql::shell {
namespace {

std::string Render(const OutputSettings& s, const std::vector<std::string>& names,
                   const std::vector<std::vector<Value>>& rows) {
  Renderer r(s);
  r.BeginStatement(names);
  for (const auto& row : rows) r.AddRow(row);
  r.EndStatement();
  return r.TakeOutput();
}

TEST(Render, ListWithHeaderAndNullValue) {
  OutputSettings s;
  s.show_header = true;
  s.null_value = "NULL";
  EXPECT_EQ(
      Render(s, {"a", "b"}, {{Value::Integer(1), Value()}, {Value::Real(2.5), Value::Text("x")}}),
      "a|b\n1|NULL\n2.5|x\n");
}

TEST(Render, NoRowsPrintsNothing) {
  for (Mode m : {Mode::kList, Mode::kCsv, Mode::kJson, Mode::kBox, Mode::kTable, Mode::kLine}) {
    OutputSettings s;
    s.mode = m;
    s.show_header = true;
    EXPECT_EQ(Render(s, {"a"}, {}), "") << ModeName(m);
  }
}

TEST(Render, CsvQuoting) {
  OutputSettings s;
  s.mode = Mode::kCsv;
  s.col_sep = ",";
  EXPECT_EQ(Render(s, {"a"},
                   {{Value::Text("plain")},
                    {Value::Text("a b")},
                    {Value::Text("")},
                    {Value::Text("say \"hi\"")},
                    {Value::Text("1,2")},
                    {Value()}}),
            "plain\n\"a b\"\n\"\"\n\"say \"\"hi\"\"\"\n\"1,2\"\n\n");
}

TEST(Render, JsonTypes) {
  OutputSettings s;
  s.mode = Mode::kJson;
  std::string blob("\x00\x01", 2);
  EXPECT_EQ(Render(s, {"i", "r", "t", "n", "b"},
                   {{Value::Integer(-3), Value::Real(0.5), Value::Text("q\"\\\n\t"), Value(),
                     Value::Blob(blob)},
                    {Value::Integer(1), Value::Real(std::numeric_limits<double>::infinity()),
                     Value::Text("é"), Value(), Value::Blob("")}}),
            "[{\"i\":-3,\"r\":0.5,\"t\":\"q\\\"\\\\\\n\\t\",\"n\":null,\"b\":\"\\u0000\\u0001\"},\n"
            "{\"i\":1,\"r\":1e999,\"t\":\"é\",\"n\":null,\"b\":\"\"}]\n");
}

TEST(Render, BoxWrapsLongCellsAndSeparatesRows) {
  OutputSettings s;
  s.mode = Mode::kBox;
  s.wrap = 4;
  EXPECT_EQ(Render(s, {"c"}, {{Value::Text("abcdefg")}, {Value::Text("x")}}),
            "┌──────┐\n"
            "│  c   │\n"
            "├──────┤\n"
            "│ abcd │\n"
            "│ efg  │\n"
            "├──────┤\n"
            "│ x    │\n"
            "└──────┘\n");
}

TEST(Render, TableExpandsTabsAndCountsCharacters) {
  // Widths count UTF-8 characters, not display cells (as sqlite3 3.40 does: CJK misaligns).
  OutputSettings s;
  s.mode = Mode::kTable;
  EXPECT_EQ(Render(s, {"x", "y"}, {{Value::Text("a\tb"), Value::Text("日本")}}),
            "+-----------+----+\n"
            "|     x     | y  |\n"
            "+-----------+----+\n"
            "| a       b | 日本 |\n"
            "+-----------+----+\n");
}

TEST(Render, LineMode) {
  OutputSettings s;
  s.mode = Mode::kLine;
  EXPECT_EQ(Render(s, {"a", "longname"},
                   {{Value::Integer(1), Value()}, {Value::Integer(2), Value::Text("z")}}),
            "       a = 1\nlongname = \n\n       a = 2\nlongname = z\n");
}

TEST(Render, Literals) {
  std::string out;
  AppendRealLiteral(3.0, &out, true);
  out += ' ';
  AppendRealLiteral(0.1, &out, true);
  out += ' ';
  AppendRealLiteral(-std::numeric_limits<double>::infinity(), &out, true);
  out += ' ';
  AppendRealLiteral(std::numeric_limits<double>::infinity(), &out, false);
  out += ' ';
  AppendRealLiteral(1e20, &out, true);
  EXPECT_EQ(out, "3.0 0.10000000000000000555 -1e999 Inf 1.0e+20");
  out.clear();
  AppendQuotedString("it's", &out);
  EXPECT_EQ(out, "'it''s'");
  EXPECT_EQ(QuoteIdentifierIfNeeded("users"), "users");
  EXPECT_EQ(QuoteIdentifierIfNeeded("order items"), "\"order items\"");
  EXPECT_EQ(QuoteIdentifierIfNeeded("select"), "\"select\"");
  EXPECT_EQ(QuoteIdentifierIfNeeded("1abc"), "\"1abc\"");
  EXPECT_EQ(QuoteIdentifierIfNeeded("a\"b"), "\"a\"\"b\"");
}

TEST(Render, SchemaLines) {
  std::string out;
  AppendSchemaLine("CREATE TABLE t(a)", &out);
  AppendSchemaLine("CREATE TABLE \"x y\"(a)", &out);
  AppendSchemaLine("CREATE TABLE u(a -- note\n)", &out);
  AppendSchemaLine("CREATE TABLE v(a) -- trailing", &out);
  EXPECT_EQ(out,
            "CREATE TABLE t(a);\n"
            "CREATE TABLE IF NOT EXISTS \"x y\"(a);\n"
            "CREATE TABLE u(a -- note\n);\n"
            "CREATE TABLE v(a) -- trailing\n;\n");
}

TEST(Render, QueryPlanTree) {
  // The rows sqlite3 3.40 produces for a join with an IN subquery, and its drawing.
  std::vector<PlanRow> rows = {{3, 0, "SCAN b"},
                               {5, 0, "SEARCH a USING INTEGER PRIMARY KEY (rowid=?)"},
                               {8, 0, "LIST SUBQUERY 1"},
                               {10, 8, "SCAN b"},
                               {28, 0, "USE TEMP B-TREE FOR ORDER BY"}};
  EXPECT_EQ(RenderQueryPlan(rows),
            "QUERY PLAN\n"
            "|--SCAN b\n"
            "|--SEARCH a USING INTEGER PRIMARY KEY (rowid=?)\n"
            "|--LIST SUBQUERY 1\n"
            "|  `--SCAN b\n"
            "`--USE TEMP B-TREE FOR ORDER BY\n");
  EXPECT_EQ(RenderQueryPlan({}), "");
}

TEST(Render, CTextStopsAtNul) {
  std::string out;
  EXPECT_TRUE(ValueCText(Value::Blob(std::string("ab\0cd", 5)), &out));
  EXPECT_EQ(out, "ab");
  EXPECT_FALSE(ValueCText(Value(), &out));
  EXPECT_EQ(Utf8Chars("é日x"), 3);
}

TEST(Render, ExplainLayout) {
  // sqlite3 -cmd ".explain on" :memory: "SELECT 1 AS x, 'a wide value here' AS y, NULL"
  OutputSettings s;
  s.mode = Mode::kExplain;
  EXPECT_EQ(
      Render(s, {"x", "y", "z"}, {{Value::Integer(1), Value::Text("a wide value here"), Value()}}),
      "x     y              z   \n"
      "----  -------------  ----\n"
      "1     a wide value here  \n");
  EXPECT_EQ(Render(s, {"x"}, {}), "");
}

}  // namespace
}  // namespace dosql::shell
