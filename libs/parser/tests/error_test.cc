// Syntax errors: exact messages with line/column, structured SyntaxErrorInfo, nesting limits,
// and robustness (no crash on any prefix of valid SQL, linear time on huge inputs).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "test_util.h"

namespace dosql::parser {
namespace {

using testing::ErrorOf;

TEST(Errors, ExpectedExpressionWithPosition) {
  SyntaxErrorInfo info;
  EXPECT_EQ(ErrorOf("SELECT a,\n  b, FROM t", &info),
            "near \"FROM\": syntax error at line 2, column 6: expected an expression");
  EXPECT_EQ(info.line, 2u);
  EXPECT_EQ(info.column, 6u);
  EXPECT_EQ(info.offset, 15u);
  EXPECT_EQ(info.token, "FROM");
  EXPECT_EQ(info.message,
            "near \"FROM\": syntax error at line 2, column 6: expected an expression");
}

TEST(Errors, IncompleteInput) {
  SyntaxErrorInfo info;
  EXPECT_EQ(ErrorOf("SELECT (1 + 2", &info),
            "incomplete input at line 1, column 14: expected \")\"");
  EXPECT_EQ(info.offset, 13u);
  EXPECT_EQ(info.token, "");
  EXPECT_EQ(ErrorOf("SELECT 1 +"), "incomplete input at line 1, column 11: expected an expression");
  EXPECT_EQ(ErrorOf("SELECT * FROM"),
            "incomplete input at line 1, column 14: expected a table name or subquery");
  EXPECT_EQ(ErrorOf("CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;"),
            "incomplete input at line 1, column 51: expected INSERT, UPDATE, DELETE or SELECT");
}

TEST(Errors, UnrecognizedTokens) {
  EXPECT_EQ(ErrorOf("SELECT 1abc"),
            "unrecognized token: \"1abc\" at line 1, column 8: malformed number");
  EXPECT_EQ(ErrorOf("SELECT x'0'"),
            "unrecognized token: \"x'0'\" at line 1, column 8: blob literal must be X'...' with "
            "an even number of hex digits");
  EXPECT_EQ(ErrorOf("SELECT 'abc"),
            "unrecognized token: \"'abc\" at line 1, column 8: unterminated string literal");
  EXPECT_EQ(ErrorOf("SELECT\n\n  $"),
            "unrecognized token: \"$\" at line 3, column 3: malformed parameter name");
  EXPECT_EQ(ErrorOf("SELECT 0x"),
            "unrecognized token: \"0x\" at line 1, column 8: malformed hexadecimal literal");
  EXPECT_EQ(ErrorOf("SELECT a ^ b"),
            "unrecognized token: \"^\" at line 1, column 10: unrecognized character");
}

TEST(Errors, StatementLevel) {
  EXPECT_EQ(ErrorOf("SELEC 1"),
            "near \"SELEC\": syntax error at line 1, column 1: expected a statement");
  EXPECT_EQ(ErrorOf("SELECT 1 SELECT 2"),
            "near \"SELECT\": syntax error at line 1, column 10: expected \";\" or end of input");
  EXPECT_EQ(ErrorOf("CREATE TABLE t(a) bogus"),
            "unknown table option: bogus at line 1, column 19");
  EXPECT_EQ(ErrorOf("CREATE TABLE t(a) WITHOUT foo"),
            "unknown table option: foo at line 1, column 27");
  EXPECT_EQ(ErrorOf("DROP THING x"),
            "near \"THING\": syntax error at line 1, column 6: expected TABLE, INDEX, VIEW, "
            "TRIGGER or BRANCH");
  EXPECT_EQ(ErrorOf("INSERT INTO t"),
            "incomplete input at line 1, column 14: expected VALUES, SELECT or DEFAULT VALUES");
}

TEST(Errors, SemanticRulesSqliteEnforcesInTheParser) {
  EXPECT_EQ(ErrorOf("SELECT * FROM t LEFT INNER JOIN u"),
            "unknown join type: LEFT INNER at line 1, column 17");
  EXPECT_EQ(ErrorOf("SELECT * FROM t OUTER JOIN u"),
            "unknown join type: OUTER at line 1, column 17");
  EXPECT_EQ(ErrorOf("SELECT * FROM t ON 1"),
            "a JOIN clause is required before ON at line 1, column 17");
  EXPECT_EQ(ErrorOf("SELECT * FROM t USING (a)"),
            "a JOIN clause is required before USING at line 1, column 17");
  EXPECT_EQ(ErrorOf("SELECT 1 ORDER BY 1 UNION SELECT 2"),
            "ORDER BY clause should come after UNION not before at line 1, column 21");
  EXPECT_EQ(ErrorOf("SELECT 1 LIMIT 1 UNION ALL SELECT 2"),
            "LIMIT clause should come after UNION ALL not before at line 1, column 18");
  EXPECT_EQ(ErrorOf("VALUES (1), (2, 3)"),
            "all VALUES must have the same number of terms at line 1, column 13");
  EXPECT_EQ(ErrorOf("SELECT 0x10000000000000000"),
            "hex literal too big: 0x10000000000000000 at line 1, column 8");
  EXPECT_EQ(ErrorOf("CREATE VIEW v(a COLLATE nocase) AS SELECT 1"),
            "syntax error after column name \"a\" at line 1, column 17");
  EXPECT_EQ(ErrorOf("CREATE TABLE t(a AS (1) bogus)"),
            "error in generated column \"a\" at line 1, column 25");
  EXPECT_EQ(ErrorOf("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO main.x VALUES (1); "
                    "END"),
            "qualified table names are not allowed on INSERT, UPDATE, and DELETE statements "
            "within triggers at line 1, column 55");
  EXPECT_EQ(ErrorOf("CREATE TRIGGER tr AFTER DELETE ON t BEGIN DELETE FROM x INDEXED BY i; END"),
            "the INDEXED BY clause is not allowed on UPDATE or DELETE statements within "
            "triggers at line 1, column 57");
  EXPECT_NE(ErrorOf("VALUES (1) ORDER BY 1"), "");
  EXPECT_NE(ErrorOf("CREATE TABLE t(a, PRIMARY KEY(a),)"), "");
  EXPECT_NE(ErrorOf("INSERT INTO t SELECT * FROM u ON CONFLICT DO NOTHING"), "");
}

TEST(Errors, ResultCarriesSyntaxErrorCode) {
  auto r = ParseOne("SELECT FROM");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kSyntaxError);
  EXPECT_EQ(r.status().ToString(),
            "SyntaxError: near \"FROM\": syntax error at line 1, column 8: expected an expression");
  auto e = ParseExpression("1 +");
  EXPECT_FALSE(e.ok());
  auto e2 = ParseExpression("1 2");
  EXPECT_EQ(e2.status().message(),
            "near \"2\": syntax error at line 1, column 3: expected end of expression");
}

TEST(Errors, LongTokensAreAbbreviated) {
  std::string sql = "SELECT (1 " + std::string(200, 'x') + ")";
  std::string msg = ErrorOf(sql);
  EXPECT_EQ(msg, "near \"" + std::string(60, 'x') +
                     "...\": syntax error at line 1, column 11: expected \")\"");
}

TEST(Nesting, ParenthesesTooDeep) {
  std::string ok = std::string(500, '(') + "1" + std::string(500, ')');
  EXPECT_EQ(ErrorOf("SELECT " + ok), "");
  std::string deep = std::string(1001, '(') + "1" + std::string(1001, ')');
  std::string msg = ErrorOf("SELECT " + deep);
  EXPECT_NE(msg.find("expression nested too deeply"), std::string::npos) << msg;
  std::string huge = std::string(1000000, '(');
  msg = ErrorOf("SELECT " + huge);
  EXPECT_NE(msg.find("expression nested too deeply"), std::string::npos) << msg;
}

TEST(Nesting, UnaryAndSubqueryChains) {
  std::string minus;
  for (int i = 0; i < 5000; ++i) minus += "- ";
  EXPECT_NE(ErrorOf("SELECT " + minus + "1").find("nested too deeply"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "NOT ";
  EXPECT_NE(ErrorOf("SELECT " + nots + "1").find("nested too deeply"), std::string::npos);
  std::string sub;
  for (int i = 0; i < 3000; ++i) sub += "(SELECT ";
  EXPECT_NE(ErrorOf("SELECT " + sub).find("nested too deeply"), std::string::npos);
  std::string from;
  for (int i = 0; i < 3000; ++i) from += "SELECT * FROM (";
  EXPECT_NE(ErrorOf(from).find("nested too deeply"), std::string::npos);
}

TEST(Nesting, ExpressionTreeTooLarge) {
  std::string sum = "1";
  for (int i = 0; i < 998; ++i) sum += "+1";
  EXPECT_EQ(ErrorOf("SELECT " + sum), "");  // height 999
  for (int i = 0; i < 10; ++i) sum += "+1";
  std::string msg = ErrorOf("SELECT " + sum);
  EXPECT_NE(msg.find("expression tree is too large (maximum depth 1000)"), std::string::npos)
      << msg;
  // A long flat list is fine: it is wide, not deep.
  std::string list = "1";
  for (int i = 0; i < 100000; ++i) list += ",1";
  EXPECT_EQ(ErrorOf("SELECT " + list), "");
}

TEST(Nesting, DeepInputOnASmallThreadStack) {
  // The depth limit keeps the parser within a modest stack: run it on a thread (default 8 MiB
  // on Linux) with the worst cases just under the limit.
  std::string sql = "SELECT " + std::string(990, '(') + "1" + std::string(990, ')');
  std::string nested;
  for (int i = 0; i < 240; ++i) nested += "SELECT * FROM (";
  nested += "SELECT 1" + std::string(240, ')');
  std::string msg = "unset", msg2 = "unset";
  std::thread t([&] {
    msg = ErrorOf(sql);
    msg2 = ErrorOf(nested);
  });
  t.join();
  EXPECT_EQ(msg, "");
  EXPECT_EQ(msg2, "");
}

TEST(Robustness, EveryPrefixOfValidSqlFailsCleanly) {
  const char* statements[] = {
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 5) SELECT "
      "sum(x) FILTER (WHERE x > 1) OVER (PARTITION BY x ORDER BY x ROWS BETWEEN 1 PRECEDING "
      "AND CURRENT ROW) FROM c AS a LEFT JOIN t USING (x) WHERE x IN (1, 2) AND y LIKE 'a%' "
      "ESCAPE '\\' GROUP BY 1 HAVING 1 ORDER BY 1 DESC NULLS LAST LIMIT 1 OFFSET 2;",
      "INSERT OR REPLACE INTO t(a, b) VALUES (1, x'00') ON CONFLICT (a) WHERE a DO UPDATE SET "
      "b = excluded.b WHERE 1 RETURNING *;",
      "CREATE TABLE IF NOT EXISTS t(a INTEGER PRIMARY KEY AUTOINCREMENT, b TEXT NOT NULL "
      "DEFAULT 'x' CHECK (b != ''), c REFERENCES p(id) ON DELETE CASCADE, UNIQUE (b, c)) "
      "WITHOUT ROWID;",
      "CREATE TRIGGER tr BEFORE UPDATE OF a ON t FOR EACH ROW WHEN new.a BEGIN UPDATE u SET "
      "x = 1; SELECT RAISE(ABORT, 'x'); END;",
      "SELECT CASE WHEN a THEN CAST(b AS TEXT) ELSE NOT EXISTS (SELECT 1) END FROM t FOR "
      "SYSTEM_TIME AS OF TIMESTAMP '2024' WHERE a BETWEEN 1 AND 2;",
      "CREATE OR REPLACE PROCEDURE p(a INT) AS MODULE $$ x $$;",
  };
  for (const char* full : statements) {
    std::string_view s(full);
    ASSERT_EQ(ErrorOf(s), "") << s;
    for (size_t n = 0; n < s.size(); ++n) {
      std::string prefix(s.substr(0, n));
      auto r = ParseScript(prefix);  // must not crash; errors must be syntax errors
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), StatusCode::kSyntaxError) << prefix;
      }
    }
  }
}

TEST(Robustness, HugeInputParsesInLinearTime) {
  std::string sql = "INSERT INTO t VALUES ";
  for (int i = 0; i < 100000; ++i) {
    if (i) sql += ",";
    sql += "(" + std::to_string(i) + ", 'row " + std::to_string(i) + "', x'00ff', 1.5e3, ?)";
  }
  auto start = std::chrono::steady_clock::now();
  auto r = ParseOne(sql);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->parameter_count, 100000);
  EXPECT_EQ(r->statement->As<InsertStmt>().select->cores[0]->rows.size(), 100000u);
  EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 5000);
  std::string script;
  for (int i = 0; i < 20000; ++i) script += "SELECT a, b FROM t WHERE c = 1;\n";
  auto many = ParseScript(script);
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->size(), 20000u);
}

}  // namespace
}  // namespace dosql::parser
