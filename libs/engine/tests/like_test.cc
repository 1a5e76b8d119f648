#include "dosql/engine/like.h"

#include <gtest/gtest.h>

namespace dosql::engine {
namespace {

TEST(LikeTest, Like) {
  EXPECT_TRUE(LikeMatch("a%", "ABC"));
  EXPECT_TRUE(LikeMatch("_b_", "abc"));
  EXPECT_FALSE(LikeMatch("\xc3\xa9", "\xc3\x89"));  // non-ASCII is case-sensitive
  EXPECT_TRUE(LikeMatch("%\xc3\xa9%", "x\xc3\xa9y"));
  EXPECT_TRUE(LikeMatch("_", "\xc3\xa9"));  // one character, two bytes
  EXPECT_TRUE(LikeMatch("a\\%", "a%", '\\'));
  EXPECT_FALSE(LikeMatch("a\\%", "ab", '\\'));
  EXPECT_TRUE(LikeMatch("%%%", ""));
  EXPECT_FALSE(LikeMatch("a", "a\0b"[0] ? std::string_view("ab") : std::string_view("")));
}

TEST(LikeTest, Glob) {
  EXPECT_TRUE(GlobMatch("a*c", "abbbc"));
  EXPECT_FALSE(GlobMatch("a*c", "ABC"));
  EXPECT_TRUE(GlobMatch("[a-c]?", "bx"));
  EXPECT_TRUE(GlobMatch("[^a-c]*", "xyz"));
  EXPECT_TRUE(GlobMatch("[]]", "]"));
  EXPECT_TRUE(GlobMatch("*[0-9]*", "ab7"));
  EXPECT_FALSE(GlobMatch("[", "["));
}

TEST(LikeTest, SqlSemantics) {
  EXPECT_TRUE(SqlLike(Value::Null(), Value::Text("a"))->is_null());
  EXPECT_EQ(SqlLike(Value::Integer(12), Value::Text("1%"))->integer(), 1);
  EXPECT_EQ(SqlLike(Value::Blob("a"), Value::Null())->integer(), 0);  // blobs never match
  Value esc = Value::Text("ab");
  Result<Value> r = SqlLike(Value::Text("a"), Value::Text("a"), &esc);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "ESCAPE expression must be a single character");
  std::string big(50001, '%');
  EXPECT_FALSE(SqlLike(Value::Text("a"), Value::Text(big)).ok());
  EXPECT_EQ(Utf8CharCount("\xc3\xa9t\xc3\xa9"), 3u);
}

}  // namespace
}  // namespace dosql::engine
