// Expressions: precedence, literals, parameters, keyword-as-identifier rules.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_util.h"

namespace dosql::parser {
namespace {

using testing::ErrorOf;
using testing::Parse;
using testing::ParseAs;
using testing::ParseExpr;
using testing::RoundTrip;
using testing::TreeOf;

TEST(Precedence, Arithmetic) {
  EXPECT_EQ(TreeOf("1+2*3"), "(+ 1 (* 2 3))");
  EXPECT_EQ(TreeOf("1*2+3"), "(+ (* 1 2) 3)");
  EXPECT_EQ(TreeOf("1-2-3"), "(- (- 1 2) 3)");
  EXPECT_EQ(TreeOf("(1-2)*3"), "(* (- 1 2) 3)");
  EXPECT_EQ(TreeOf("a % b / c"), "(/ (% a b) c)");
  EXPECT_EQ(TreeOf("- - 1"), "(neg (neg 1))");
  EXPECT_EQ(TreeOf("-a*b"), "(* (neg a) b)");
  EXPECT_EQ(TreeOf("~a & b | c << 2"), "(<< (| (& (~ a) b) c) 2)");
  EXPECT_EQ(TreeOf("a + b << 1"), "(<< (+ a b) 1)");
}

TEST(Precedence, Logical) {
  EXPECT_EQ(TreeOf("a OR b AND c"), "(OR a (AND b c))");
  EXPECT_EQ(TreeOf("a AND b OR c"), "(OR (AND a b) c)");
  EXPECT_EQ(TreeOf("NOT a = b"), "(NOT (= a b))");
  EXPECT_EQ(TreeOf("NOT a AND b"), "(AND (NOT a) b)");
  EXPECT_EQ(TreeOf("NOT NOT a"), "(NOT (NOT a))");
  EXPECT_EQ(TreeOf("a = NOT b"), "(= a (NOT b))");
  EXPECT_EQ(TreeOf("x IS NOT NULL AND y"), "(AND (NOTNULL x) y)");
  EXPECT_EQ(TreeOf("x IS NULL OR y ISNULL"), "(OR (ISNULL x) (ISNULL y))");
}

TEST(Precedence, ComparisonAndEquality) {
  EXPECT_EQ(TreeOf("a = b < c"), "(= a (< b c))");
  EXPECT_EQ(TreeOf("a < b = c"), "(= (< a b) c)");
  EXPECT_EQ(TreeOf("a = b = c"), "(= (= a b) c)");
  EXPECT_EQ(TreeOf("a == b != c <> d"), "(!= (!= (= a b) c) d)");
  EXPECT_EQ(TreeOf("a IS b IS NOT c"), "(IS NOT (IS a b) c)");
  EXPECT_EQ(TreeOf("a IS DISTINCT FROM b"), "(IS NOT a b)");
  EXPECT_EQ(TreeOf("a IS NOT DISTINCT FROM b"), "(IS a b)");
  EXPECT_EQ(TreeOf("a < b + c"), "(< a (+ b c))");
}

TEST(Precedence, ConcatJsonCollate) {
  EXPECT_EQ(TreeOf("a || b -> c"), "(-> (|| a b) c)");
  EXPECT_EQ(TreeOf("a -> b ->> c"), "(->> (-> a b) c)");
  EXPECT_EQ(TreeOf("a + b || c"), "(+ a (|| b c))");
  EXPECT_EQ(TreeOf("a COLLATE nocase = b"), "(= (COLLATE a nocase) b)");
  EXPECT_EQ(TreeOf("a || b COLLATE x"), "(|| a (COLLATE b x))");
  EXPECT_EQ(TreeOf("-a COLLATE x"), "(COLLATE (neg a) x)");
  EXPECT_EQ(TreeOf("a COLLATE x COLLATE y"), "(COLLATE (COLLATE a x) y)");
}

TEST(Precedence, BetweenInLike) {
  EXPECT_EQ(TreeOf("a BETWEEN b AND c AND d"), "(AND (BETWEEN a b c) d)");
  EXPECT_EQ(TreeOf("a NOT BETWEEN b + 1 AND c"), "(NOT-BETWEEN a (+ b 1) c)");
  EXPECT_EQ(TreeOf("a BETWEEN b AND c = d"), "(= (BETWEEN a b c) d)");
  EXPECT_EQ(TreeOf("a IN (1, 2) = b"), "(= (IN a 1 2) b)");
  EXPECT_EQ(TreeOf("a NOT IN (1) AND b"), "(AND (NOT-IN a 1) b)");
  EXPECT_EQ(TreeOf("a LIKE b ESCAPE c"), "(LIKE a b ESCAPE c)");
  EXPECT_EQ(TreeOf("a NOT LIKE b || c"), "(NOT-LIKE a (|| b c))");
  EXPECT_EQ(TreeOf("a LIKE b AND c"), "(AND (LIKE a b) c)");
  EXPECT_EQ(TreeOf("a LIKE b < c"), "(LIKE a (< b c))");
  EXPECT_EQ(TreeOf("a NOT NULL = 1"), "(= (NOTNULL a) 1)");
  EXPECT_EQ(TreeOf("1 NOT NULL NOT NULL"), "(NOTNULL (NOTNULL 1))");
}

TEST(Precedence, PrinterRoundTripKeepsShape) {
  for (const char* e :
       {"(a OR b) AND c", "a - (b - c)", "-(a + b)", "NOT (a AND b)", "(a = b) = c",
        "a = (b = c)", "(NOT a) IS NULL", "(a BETWEEN b AND c) BETWEEN d AND e",
        "a BETWEEN (b AND c) AND d", "- -1", "-(-1)", "+-+1", "(a || b) COLLATE x",
        "a LIKE (b LIKE c)", "(a LIKE b) LIKE c ESCAPE (d || e)", "a IN (SELECT 1) IS NULL",
        "~(a + 1)", "(a, b) = (1, 2)", "a = (NOT b)", "x NOT IN (1, 2) AND NOT y"}) {
    ExprPtr first = ParseExpr(e);
    ASSERT_NE(first, nullptr) << e;
    std::string printed = ToSql(*first);
    ExprPtr second = ParseExpr(printed);
    ASSERT_NE(second, nullptr) << printed;
    EXPECT_EQ(testing::Tree(*first), testing::Tree(*second)) << e << " printed as " << printed;
  }
}

TEST(Literals, IntegersRealsAndOverflow) {
  ExprPtr e = ParseExpr("42");
  ASSERT_TRUE(e->Is<Literal>());
  EXPECT_EQ(e->As<Literal>().kind, LiteralKind::kInteger);
  EXPECT_EQ(e->As<Literal>().int_value, 42);
  EXPECT_FALSE(e->As<Literal>().overflow);

  e = ParseExpr("9223372036854775807");
  EXPECT_EQ(e->As<Literal>().int_value, std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(e->As<Literal>().overflow);

  e = ParseExpr("9223372036854775808");
  EXPECT_EQ(e->As<Literal>().kind, LiteralKind::kInteger);
  EXPECT_TRUE(e->As<Literal>().overflow);
  EXPECT_DOUBLE_EQ(e->As<Literal>().real_value, 9223372036854775808.0);
  EXPECT_EQ(e->As<Literal>().text, "9223372036854775808");

  e = ParseExpr("-9223372036854775808");
  ASSERT_TRUE(e->Is<UnaryExpr>());
  EXPECT_TRUE(e->As<UnaryExpr>().operand->As<Literal>().overflow);

  e = ParseExpr("99999999999999999999999");
  EXPECT_TRUE(e->As<Literal>().overflow);
  EXPECT_DOUBLE_EQ(e->As<Literal>().real_value, 1e23);

  e = ParseExpr("0xffffffffffffffff");
  EXPECT_EQ(e->As<Literal>().int_value, -1);
  e = ParseExpr("0x0000000000000000000012");
  EXPECT_EQ(e->As<Literal>().int_value, 18);
  EXPECT_EQ(e->As<Literal>().text, "0x0000000000000000000012");

  e = ParseExpr("1.5e3");
  EXPECT_EQ(e->As<Literal>().kind, LiteralKind::kReal);
  EXPECT_DOUBLE_EQ(e->As<Literal>().real_value, 1500.0);
  e = ParseExpr(".25");
  EXPECT_DOUBLE_EQ(e->As<Literal>().real_value, 0.25);
  e = ParseExpr("1e999");
  EXPECT_TRUE(std::isinf(e->As<Literal>().real_value));
}

TEST(Literals, StringsBlobsNullBooleansTime) {
  ExprPtr e = ParseExpr("'it''s'");
  EXPECT_EQ(e->As<Literal>().kind, LiteralKind::kString);
  EXPECT_EQ(e->As<Literal>().text, "it's");
  e = ParseExpr("x'00fF'");
  EXPECT_EQ(e->As<Literal>().kind, LiteralKind::kBlob);
  EXPECT_EQ(e->As<Literal>().text, std::string("\x00\xff", 2));
  EXPECT_EQ(ToSql(*e), "X'00FF'");
  EXPECT_EQ(ParseExpr("NULL")->As<Literal>().kind, LiteralKind::kNull);
  EXPECT_EQ(ParseExpr("TRUE")->As<Literal>().kind, LiteralKind::kTrue);
  EXPECT_EQ(ParseExpr("false")->As<Literal>().kind, LiteralKind::kFalse);
  EXPECT_EQ(ParseExpr("false")->As<Literal>().text, "false");
  // Quoted or qualified "true" is a column.
  EXPECT_TRUE(ParseExpr("\"true\"")->Is<ColumnRef>());
  EXPECT_TRUE(ParseExpr("t.true")->Is<ColumnRef>());
  EXPECT_EQ(ParseExpr("CURRENT_TIME")->As<Literal>().kind, LiteralKind::kCurrentTime);
  EXPECT_EQ(ParseExpr("current_date")->As<Literal>().kind, LiteralKind::kCurrentDate);
  EXPECT_EQ(ParseExpr("CURRENT_TIMESTAMP")->As<Literal>().kind,
            LiteralKind::kCurrentTimestamp);
}

TEST(Expressions, ColumnRefs) {
  ExprPtr e = ParseExpr("main.t.c");
  const auto& c = e->As<ColumnRef>();
  EXPECT_EQ(c.schema->name, "main");
  EXPECT_EQ(c.table->name, "t");
  EXPECT_EQ(c.column.name, "c");
  e = ParseExpr("\"My Table\".[col]");
  EXPECT_EQ(e->As<ColumnRef>().table->name, "My Table");
  EXPECT_EQ(e->As<ColumnRef>().table->quote, '"');
  EXPECT_EQ(e->As<ColumnRef>().column.quote, '[');
  e = ParseExpr("'t'.c");  // SQLite: a string before a dot is a name
  ASSERT_TRUE(e->Is<ColumnRef>());
  EXPECT_EQ(e->As<ColumnRef>().table->quote, '\'');
  EXPECT_EQ(ParseExpr("x.left")->As<ColumnRef>().column.name, "left");
}

TEST(Expressions, Parameters) {
  auto r = ParseOne("SELECT ?, ?5, :a, ?, :a, @b, $c, ?2");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->parameter_count, 9);
  std::vector<std::string> want = {"", "?2", "", "", "?5", ":a", "", "@b", "$c"};
  EXPECT_EQ(r->parameter_names, want);
  const auto& core = *r->statement->As<SelectStmt>().cores[0];
  std::vector<int> idx;
  for (const auto& rc : core.columns) idx.push_back(rc.expr->As<Parameter>().index);
  EXPECT_EQ(idx, (std::vector<int>{1, 5, 6, 7, 6, 8, 9, 2}));
}

TEST(Expressions, ParameterNumbering) {
  auto r = ParseOne("SELECT :x, ?, :x, ?1");
  ASSERT_TRUE(r.ok());
  const auto& cols = r->statement->As<SelectStmt>().cores[0]->columns;
  EXPECT_EQ(cols[0].expr->As<Parameter>().index, 1);
  EXPECT_EQ(cols[1].expr->As<Parameter>().index, 2);
  EXPECT_EQ(cols[2].expr->As<Parameter>().index, 1);
  EXPECT_EQ(cols[3].expr->As<Parameter>().index, 1);
  EXPECT_EQ(r->parameter_count, 2);
  EXPECT_EQ(r->parameter_names, (std::vector<std::string>{":x", ""}));
  EXPECT_EQ(ErrorOf("SELECT ?0"),
            "variable number must be between ?1 and ?250000 at line 1, column 8");
  EXPECT_EQ(ErrorOf("SELECT ?250001"),
            "variable number must be between ?1 and ?250000 at line 1, column 8");
  EXPECT_EQ(ErrorOf("SELECT ?250000"), "");
}

TEST(Expressions, FunctionsAndAggregates) {
  ExprPtr e = ParseExpr("count(*)");
  EXPECT_TRUE(e->As<FunctionCall>().star);
  e = ParseExpr("count(DISTINCT a)");
  EXPECT_TRUE(e->As<FunctionCall>().distinct);
  EXPECT_EQ(e->As<FunctionCall>().args.size(), 1u);
  e = ParseExpr("group_concat(a, ',' ORDER BY b DESC) FILTER (WHERE a > 0)");
  const auto& f = e->As<FunctionCall>();
  EXPECT_EQ(f.args.size(), 2u);
  ASSERT_EQ(f.order_by.size(), 1u);
  EXPECT_EQ(f.order_by[0].direction, SortDirection::kDesc);
  ASSERT_NE(f.filter, nullptr);
  EXPECT_FALSE(f.is_window());
  e = ParseExpr("f()");
  EXPECT_TRUE(e->As<FunctionCall>().args.empty());
  e = ParseExpr("sum(x) OVER w");
  EXPECT_EQ(e->As<FunctionCall>().over_name->name, "w");
  e = ParseExpr(
      "sum(x) OVER (base PARTITION BY a, b ORDER BY c ROWS BETWEEN 2 PRECEDING AND "
      "UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW)");
  const WindowDef& w = *e->As<FunctionCall>().over;
  EXPECT_EQ(w.base_name->name, "base");
  EXPECT_EQ(w.partition_by.size(), 2u);
  EXPECT_EQ(w.order_by.size(), 1u);
  ASSERT_TRUE(w.frame.has_value());
  EXPECT_EQ(w.frame->unit, FrameUnit::kRows);
  EXPECT_TRUE(w.frame->has_between);
  EXPECT_EQ(w.frame->start.kind, FrameBoundKind::kPreceding);
  EXPECT_EQ(w.frame->end.kind, FrameBoundKind::kUnboundedFollowing);
  EXPECT_EQ(w.frame->exclude, FrameExclude::kCurrentRow);
  e = ParseExpr("rank() OVER (GROUPS CURRENT ROW)");
  EXPECT_EQ(e->As<FunctionCall>().over->frame->unit, FrameUnit::kGroups);
  EXPECT_FALSE(e->As<FunctionCall>().over->frame->has_between);
  e = ParseExpr("x(1) OVER (RANGE UNBOUNDED PRECEDING EXCLUDE NO OTHERS)");
  EXPECT_EQ(e->As<FunctionCall>().over->frame->exclude, FrameExclude::kNoOthers);
}

TEST(Expressions, CaseCastExistsSubqueryRaiseRowValue) {
  ExprPtr e = ParseExpr("CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END");
  const auto& c = e->As<CaseExpr>();
  EXPECT_NE(c.operand, nullptr);
  EXPECT_EQ(c.whens.size(), 2u);
  EXPECT_NE(c.else_result, nullptr);
  e = ParseExpr("CASE WHEN a THEN 1 END");
  EXPECT_EQ(e->As<CaseExpr>().operand, nullptr);
  EXPECT_EQ(e->As<CaseExpr>().else_result, nullptr);
  e = ParseExpr("CAST(x AS UNSIGNED BIG INT)");
  EXPECT_EQ(e->As<CastExpr>().type_name.name, "UNSIGNED BIG INT");
  e = ParseExpr("CAST(x AS DECIMAL(10, -2))");
  EXPECT_EQ(e->As<CastExpr>().type_name.name, "DECIMAL");
  EXPECT_EQ(e->As<CastExpr>().type_name.args, (std::vector<std::string>{"10", "-2"}));
  e = ParseExpr("NOT EXISTS (SELECT 1)");
  ASSERT_TRUE(e->Is<UnaryExpr>());
  EXPECT_TRUE(e->As<UnaryExpr>().operand->Is<ExistsExpr>());
  e = ParseExpr("(SELECT 1)");
  EXPECT_TRUE(e->Is<SubqueryExpr>());
  e = ParseExpr("RAISE(ABORT, 'no')");
  EXPECT_EQ(e->As<RaiseExpr>().kind, RaiseKind::kAbort);
  EXPECT_EQ(e->As<RaiseExpr>().message, "no");
  EXPECT_EQ(ParseExpr("RAISE(IGNORE)")->As<RaiseExpr>().kind, RaiseKind::kIgnore);
  EXPECT_EQ(ParseExpr("RAISE(ROLLBACK, x)")->As<RaiseExpr>().kind, RaiseKind::kRollback);
  EXPECT_EQ(ParseExpr("RAISE(FAIL, 'x')")->As<RaiseExpr>().kind, RaiseKind::kFail);
  e = ParseExpr("(1, 2, 3)");
  EXPECT_EQ(e->As<RowValueExpr>().elements.size(), 3u);
  EXPECT_TRUE(ParseExpr("(((1)))")->Is<Literal>());
}

TEST(Expressions, InForms) {
  ExprPtr e = ParseExpr("x IN ()");
  EXPECT_EQ(e->As<InExpr>().kind, InExpr::Kind::kList);
  EXPECT_TRUE(e->As<InExpr>().list.empty());
  e = ParseExpr("x NOT IN (SELECT y FROM t)");
  EXPECT_EQ(e->As<InExpr>().kind, InExpr::Kind::kSelect);
  EXPECT_TRUE(e->As<InExpr>().negated);
  e = ParseExpr("x IN main.tbl");
  EXPECT_EQ(e->As<InExpr>().kind, InExpr::Kind::kTable);
  EXPECT_EQ(e->As<InExpr>().table.schema->name, "main");
  e = ParseExpr("x IN json_each('[1]')");
  EXPECT_TRUE(e->As<InExpr>().table_has_args);
  EXPECT_EQ(e->As<InExpr>().table_args.size(), 1u);
}

TEST(Expressions, LikeForms) {
  for (const char* op : {"LIKE", "GLOB", "REGEXP", "MATCH"}) {
    ExprPtr e = ParseExpr(std::string("a NOT ") + op + " b");
    ASSERT_TRUE(e->Is<LikeExpr>()) << op;
    EXPECT_TRUE(e->As<LikeExpr>().negated);
  }
  EXPECT_EQ(ParseExpr("a GLOB b")->As<LikeExpr>().op, LikeOp::kGlob);
  EXPECT_EQ(ParseExpr("a REGEXP b")->As<LikeExpr>().op, LikeOp::kRegexp);
  EXPECT_EQ(ParseExpr("a MATCH b")->As<LikeExpr>().op, LikeOp::kMatch);
}

TEST(KeywordsAsIdentifiers, ColumnsAndTables) {
  // SQLite's %fallback: most keywords are usable as names.
  auto s = ParseAs<SelectStmt>(
      "SELECT key, value, text, replace, abort, action, temp, row, rows, first, last, "
      "filter, over, window, end, do, plan, query, if, match, glob, like FROM t");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->cores[0]->columns.size(), 22u);
  EXPECT_EQ(s->cores[0]->columns[0].expr->As<ColumnRef>().column.name, "key");
  RoundTrip("SELECT key, value, replace FROM t AS abort WHERE key = 1");
  ParseAs<CreateTableStmt>(
      "CREATE TABLE t(key TEXT, value TEXT, text TEXT, replace INT, abort INT, action INT, "
      "after INT, before INT, window INT, current INT, generated INT, always INT, left INT)");
  ParseAs<SelectStmt>("SELECT x.left, natural.right FROM t x, u AS natural");
  EXPECT_NE(ErrorOf("SELECT * FROM t x, u natural"), "");  // JOIN keywords need AS
  // Function names that are keywords.
  auto f = ParseAs<SelectStmt>("SELECT replace(a, 'b', 'c'), like('a', 'b'), glob('*', x)");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->cores[0]->columns[0].expr->As<FunctionCall>().name.name, "replace");
  // Implicit aliases may be fallback keywords.
  auto a = ParseAs<SelectStmt>("SELECT 1 asc, 2 desc, 3 key FROM t offset");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->cores[0]->columns[0].alias->name, "asc");
  EXPECT_EQ(a->cores[0]->from->first->alias->name, "offset");
  // WINDOW/OVER/FILTER are identifiers outside their contexts.
  auto w = ParseAs<SelectStmt>("SELECT count(*) filter, a over FROM t window");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->cores[0]->columns[0].alias->name, "filter");
  EXPECT_EQ(w->cores[0]->from->first->alias->name, "window");
}

TEST(KeywordsAsIdentifiers, ReservedWordsAreNot) {
  EXPECT_EQ(ErrorOf("SELECT cast FROM t"),
            "near \"FROM\": syntax error at line 1, column 13: expected \"(\"");
  EXPECT_NE(ErrorOf("CREATE TABLE t(primary INT)"), "");
  EXPECT_NE(ErrorOf("SELECT left(1)"), "");
  EXPECT_NE(ErrorOf("SELECT a FROM select"), "");
  EXPECT_EQ(ErrorOf("SELECT \"select\" FROM \"from\""), "");
}

TEST(Expressions, Spans) {
  auto r = ParseOne("SELECT a +\n  foo(b)  FROM t");
  ASSERT_TRUE(r.ok());
  const Expr& e = *r->statement->As<SelectStmt>().cores[0]->columns[0].expr;
  EXPECT_EQ(e.span.offset, 7u);
  EXPECT_EQ(e.span.end, 19u);
  EXPECT_EQ(e.span.line, 1u);
  EXPECT_EQ(e.span.column, 8u);
  const Expr& call = *e.As<BinaryExpr>().right;
  EXPECT_EQ(call.span.line, 2u);
  EXPECT_EQ(call.span.column, 3u);
  EXPECT_EQ(call.span.offset, 13u);
  EXPECT_EQ(call.span.end, 19u);
  EXPECT_EQ(r->statement->span.offset, 0u);
  EXPECT_EQ(r->statement->span.end, 27u);
}

}  // namespace
}  // namespace dosql::parser
