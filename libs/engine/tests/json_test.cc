// json_each / json_tree rows, the JSON subtype, and robustness of the JSON parser. Expected
// rows were produced by the sqlite3 3.40.1 shell (quote() of every column).
#include "../src/json.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace dosql::engine {
namespace {

// A row rendered as SQLite's quote() of each column, joined by '|'.
std::string Render(const std::vector<Value>& row, bool with_json = false) {
  std::string out;
  for (int c = 0; c < kJsonEachColumnCount; c++) {
    if (c == kJsonEachJson && !with_json) continue;
    if (!out.empty()) out += '|';
    out += QuoteValue(row[c]);
  }
  return out;
}

std::vector<std::string> Rows(const std::string& json, const char* path, bool recursive,
                              bool with_json = false) {
  Value p = path ? Value::Text(path) : Value();
  auto r = JsonEachRows(Value::Text(json), path ? &p : nullptr, recursive);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> out;
  if (r.ok()) {
    for (const auto& row : *r) out.push_back(Render(row, with_json));
  }
  return out;
}

TEST(JsonEachTest, ObjectMembers) {
  const std::string j = R"({"a":[1,2.5],"b c":"x\\ny","d":null})";
  const std::string q = "'" + j + "'";
  EXPECT_EQ(Rows(j, nullptr, false, true),
            (std::vector<std::string>{
                "'a'|'[1,2.5]'|'array'|NULL|2|NULL|'$.a'|'$'|" + q + "|'$'",
                "'b c'|'x\\ny'|'text'|'x\\ny'|6|NULL|'$.\"b c\"'|'$'|" + q + "|'$'",
                "'d'|NULL|'null'|NULL|8|NULL|'$.d'|'$'|" + q + "|'$'",
            }));
}

TEST(JsonEachTest, TreeFromAMember) {
  EXPECT_EQ(Rows(R"({"a":[1,{"t":true}],"b":false})", "$.a", true),
            (std::vector<std::string>{
                R"('a'|'[1,{"t":true}]'|'array'|NULL|2|NULL|'$.a'|'$'|'$.a')",
                "0|1|'integer'|1|3|2|'$.a[0]'|'$.a'|'$.a'",
                R"(1|'{"t":true}'|'object'|NULL|4|2|'$.a[1]'|'$.a'|'$.a')",
                "'t'|1|'true'|1|6|4|'$.a[1].t'|'$.a[1]'|'$.a'",
            }));
}

TEST(JsonEachTest, TreeFromAnElementNumbersStepsAboveItZero) {
  // SQLite 3.40 prints $[0] for the start element $[1] and has no key for it.
  EXPECT_EQ(Rows("[0,[1,[2,3]]]", "$[1]", true),
            (std::vector<std::string>{
                "NULL|'[1,[2,3]]'|'array'|NULL|2|NULL|'$[0]'|'$'|'$[1]'",
                "0|1|'integer'|1|3|2|'$[0][0]'|'$[0]'|'$[1]'",
                "1|'[2,3]'|'array'|NULL|4|2|'$[0][1]'|'$[0]'|'$[1]'",
                "0|2|'integer'|2|5|4|'$[0][1][0]'|'$[0][1]'|'$[1]'",
                "1|3|'integer'|3|6|4|'$[0][1][1]'|'$[0][1]'|'$[1]'",
            }));
}

TEST(JsonEachTest, EachUnderAPathAndScalars) {
  EXPECT_EQ(Rows("[0,[1,[2,3]]]", "$[1][1]", false),
            (std::vector<std::string>{
                "0|2|'integer'|2|5|NULL|'$[1][1][0]'|'$[1][1]'|'$[1][1]'",
                "1|3|'integer'|3|6|NULL|'$[1][1][1]'|'$[1][1]'|'$[1][1]'",
            }));
  EXPECT_EQ(Rows("  3.5 ", nullptr, false),
            (std::vector<std::string>{"NULL|3.5|'real'|3.5|0|NULL|'$'|'$'|'$'"}));
  EXPECT_EQ(Rows(R"({"a":5})", "$.a", false),
            (std::vector<std::string>{"NULL|5|'integer'|5|2|NULL|'$.a'|'$.a'|'$.a'"}));
  EXPECT_EQ(Rows(R"({"a":5})", "$.a", true),
            (std::vector<std::string>{"NULL|5|'integer'|5|2|NULL|'$.a'|'$'|'$.a'"}));
}

TEST(JsonEachTest, KeysInPaths) {
  // Labels print as written, quoted unless a letter followed by letters and digits.
  EXPECT_EQ(Rows(R"({"d\u0041":{"_x":1,"":2,"a1":3}})", nullptr, true),
            (std::vector<std::string>{
                R"(NULL|'{"d\u0041":{"_x":1,"":2,"a1":3}}'|'object'|NULL|0|NULL|'$'|'$'|'$')",
                R"('dA'|'{"_x":1,"":2,"a1":3}'|'object'|NULL|2|0|'$."d\u0041"'|'$'|'$')",
                R"('_x'|1|'integer'|1|4|2|'$."d\u0041"."_x"'|'$."d\u0041"'|'$')",
                R"(''|2|'integer'|2|6|2|'$."d\u0041".""'|'$."d\u0041"'|'$')",
                R"('a1'|3|'integer'|3|8|2|'$."d\u0041".a1'|'$."d\u0041"'|'$')",
            }));
}

TEST(JsonEachTest, NullsErrorsAndMisses) {
  Value path = Value::Text("$.x");
  auto r = JsonEachRows(Value(), nullptr, false);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  Value null_path;
  r = JsonEachRows(Value::Text("[1]"), &null_path, true);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  r = JsonEachRows(Value::Text("{}"), &path, false);  // selects nothing
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  r = JsonEachRows(Value::Text("[1"), nullptr, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "malformed JSON");
  Value bad = Value::Text("x");
  r = JsonEachRows(Value::Text("[1]"), &bad, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "JSON path error near 'x'");
}

Value Call(const char* name, std::vector<Value> args) {
  Result<Value> r = CallScalarFunction(name, args);
  EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
  return r.ok() ? *r : Value();
}

TEST(JsonTest, SubtypeMarksJsonText) {
  Value j = Call("json", {Value::Text(" [1, 2] ")});
  EXPECT_EQ(j.bytes(), "[1,2]");
  EXPECT_EQ(j.subtype(), kJsonSubtype);
  EXPECT_EQ(j, Value::Text("[1,2]"));  // the subtype takes no part in comparison
  EXPECT_EQ(Call("json_array", {j, Value::Text("[1]")}).bytes(), R"([[1,2],"[1]"])");
  EXPECT_EQ(Call("json_extract", {Value::Text(R"({"a":"x"})"), Value::Text("$.a")}).subtype(), 0);
  EXPECT_EQ(Call("->>", {Value::Text(R"({"a":[1]})"), Value::Text("a")}).subtype(), 0);
  EXPECT_EQ(Call("->", {Value::Text(R"({"a":"x"})"), Value::Text("a")}).bytes(), "\"x\"");
}

TEST(JsonTest, DeepAndHostileInput) {
  // 2000 levels are accepted, 2001 are not (SQLite 3.40's limit); huge depth does not crash.
  auto nested = [](size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  EXPECT_EQ(Call("json_valid", {Value::Text(nested(2000))}).integer(), 1);
  EXPECT_EQ(Call("json_valid", {Value::Text(nested(2001))}).integer(), 0);
  EXPECT_EQ(Call("json_valid", {Value::Text(std::string(1000000, '['))}).integer(), 0);
  // A json_set path may build nesting far deeper than parsing allows.
  std::string path = "$";
  for (int i = 0; i < 200000; i++) path += ".a";
  Value deep = Call("json_set", {Value::Text("{}"), Value::Text(path), Value::Integer(1)});
  EXPECT_EQ(deep.bytes().size(), 200000 * 6 + 1);
  for (int b = 0; b < 256; b++) {
    std::string s = "[\"" + std::string(1, static_cast<char>(b)) + "\"]";
    (void)CallScalarFunction("json", std::vector<Value>{Value::Text(s)});
  }
  for (const char* bad : {"", " ", "[", "{\"a\"}", "{\"a\":}", "[1,]", "01", "1.", "-", "\"\\x\"",
                          "\"\\u12\"", "nul", "[1]x", "{1:2}", "\"a\nb\""}) {
    EXPECT_EQ(Call("json_valid", {Value::Text(bad)}).integer(), 0) << bad;
  }
}

}  // namespace
}  // namespace dosql::engine
