// Tests of the shell's statement-completeness check (sqlite3_complete() semantics).
#include "src/complete.h"

#include <gtest/gtest.h>

namespace dosql::shell {
namespace {

TEST(IsCompleteSql, EndsAtSemicolon) {
  EXPECT_TRUE(IsCompleteSql("select 1;"));
  EXPECT_TRUE(IsCompleteSql("select 1;  \n"));
  EXPECT_TRUE(IsCompleteSql("select 1; select 2;"));
  EXPECT_FALSE(IsCompleteSql("select 1"));
  EXPECT_FALSE(IsCompleteSql("select 1; select 2"));
  EXPECT_FALSE(IsCompleteSql(""));
  EXPECT_FALSE(IsCompleteSql("   "));
  EXPECT_TRUE(IsCompleteSql(";"));
}

TEST(IsCompleteSql, SemicolonInStringsAndIdentifiers) {
  EXPECT_FALSE(IsCompleteSql("select ';"));
  EXPECT_FALSE(IsCompleteSql("select 'a;b'"));
  EXPECT_TRUE(IsCompleteSql("select 'a;b';"));
  EXPECT_TRUE(IsCompleteSql("select 'it''s;';"));
  EXPECT_FALSE(IsCompleteSql("select \"a;b"));
  EXPECT_TRUE(IsCompleteSql("select \"a;b\";"));
  EXPECT_FALSE(IsCompleteSql("select [a;b"));
  EXPECT_TRUE(IsCompleteSql("select [a;b];"));
  EXPECT_FALSE(IsCompleteSql("select `a;"));
}

TEST(IsCompleteSql, Comments) {
  EXPECT_FALSE(IsCompleteSql("select 1 /* ; */"));
  EXPECT_TRUE(IsCompleteSql("select 1 /* ; */;"));
  EXPECT_FALSE(IsCompleteSql("select 1 /* ;"));
  EXPECT_FALSE(IsCompleteSql("select 1 -- ;"));
  EXPECT_FALSE(IsCompleteSql("select 1 -- ;\n"));
  EXPECT_TRUE(IsCompleteSql("select 1; -- trailing comment"));
  EXPECT_TRUE(IsCompleteSql("select 1; /* c */"));
  EXPECT_TRUE(IsCompleteSql("select 1 - 2;"));
  EXPECT_TRUE(IsCompleteSql("select 4 / 2;"));
}

TEST(IsCompleteSql, TriggerBodies) {
  const char* head = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (1);";
  EXPECT_FALSE(IsCompleteSql(head));
  EXPECT_FALSE(IsCompleteSql(std::string(head) + "\nEND"));
  EXPECT_TRUE(IsCompleteSql(std::string(head) + "\nEND;"));
  EXPECT_TRUE(IsCompleteSql(std::string(head) + "\n  UPDATE t SET a = 1;\nend ;"));
  EXPECT_FALSE(IsCompleteSql("create temp trigger x after delete on t begin select 1;"));
  EXPECT_FALSE(IsCompleteSql("create temporary trigger x after delete on t begin select 1;"));
  EXPECT_FALSE(IsCompleteSql("explain create trigger x after delete on t begin select 1;"));
  // "end" and "trigger" as ordinary words outside CREATE TRIGGER.
  EXPECT_TRUE(IsCompleteSql("select 1 as end;"));
  EXPECT_TRUE(IsCompleteSql("select trigger from t;"));
  EXPECT_TRUE(IsCompleteSql("create table trigger(a);"));
  EXPECT_TRUE(IsCompleteSql("select case when 1 then 2 end;"));
}

TEST(IsCompleteSql, DollarQuotedStrings) {
  EXPECT_FALSE(IsCompleteSql("CREATE PROCEDURE p() AS MODULE $$ export default 1; "));
  EXPECT_FALSE(IsCompleteSql("CREATE PROCEDURE p() AS MODULE $$ a; $$"));
  EXPECT_TRUE(IsCompleteSql("CREATE PROCEDURE p() AS MODULE $$ a; $$;"));
  EXPECT_TRUE(IsCompleteSql("select $a;"));
}

TEST(IsBlankSql, WhitespaceAndClosedComments) {
  EXPECT_TRUE(IsBlankSql(""));
  EXPECT_TRUE(IsBlankSql("  \t"));
  EXPECT_TRUE(IsBlankSql("-- only a comment; really"));
  EXPECT_TRUE(IsBlankSql("/* a */ -- b\n  /* c\n d */"));
  EXPECT_FALSE(IsBlankSql("/* unclosed"));
  EXPECT_FALSE(IsBlankSql("select 1"));
  EXPECT_FALSE(IsBlankSql(";"));
}

TEST(ExplainKind, Detects) {
  EXPECT_EQ(ExplainKind("EXPLAIN QUERY PLAN SELECT 1"), 2);
  EXPECT_EQ(ExplainKind("  /* c */ explain -- x\n query\tplan select 1"), 2);
  EXPECT_EQ(ExplainKind("EXPLAIN SELECT 1"), 1);
  EXPECT_EQ(ExplainKind("explain query select 1"), 1);
  EXPECT_EQ(ExplainKind("SELECT 1 AS explain"), 0);
  EXPECT_EQ(ExplainKind("explainquery plan"), 0);
}

}  // namespace
}  // namespace dosql::shell
