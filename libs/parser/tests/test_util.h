// Helpers shared by the parser tests: parse-or-fail, round-trip checks and an S-expression dump
// of expression trees (for precedence tests).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "dosql/parser/ast.h"
#include "dosql/parser/parser.h"

namespace dosql::parser::testing {

// Parses exactly one statement; fails the test (and returns null) on error.
inline std::unique_ptr<Statement> Parse(std::string_view sql) {
  auto r = ParseScript(sql);
  EXPECT_TRUE(r.ok()) << sql << "\n  -> " << r.status().ToString();
  if (!r.ok()) return nullptr;
  EXPECT_EQ(r->size(), 1u) << sql;
  if (r->size() != 1) return nullptr;
  return std::move((*r)[0]);
}

template <typename T>
std::unique_ptr<T> ParseAs(std::string_view sql) {
  std::unique_ptr<Statement> s = Parse(sql);
  if (!s) return nullptr;
  EXPECT_EQ(s->type(), T::kType) << sql << " parsed as " << NodeTypeName(s->type());
  if (s->type() != T::kType) return nullptr;
  return std::unique_ptr<T>(static_cast<T*>(s.release()));
}

// parse -> ToSql -> parse -> ToSql must be stable. Returns the canonical text.
inline std::string RoundTrip(std::string_view sql) {
  std::unique_ptr<Statement> s = Parse(sql);
  if (!s) return "<parse error>";
  std::string first = ToSql(*s);
  std::unique_ptr<Statement> again = Parse(first);
  if (!again) return "<reparse error: " + first + ">";
  std::string second = ToSql(*again);
  EXPECT_EQ(first, second) << "unstable round trip for: " << sql;
  return first;
}

// The syntax error message for `sql` ("" if it parses).
inline std::string ErrorOf(std::string_view sql, SyntaxErrorInfo* info = nullptr) {
  auto r = ParseScript(sql, info);
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kSyntaxError);
  return r.status().message();
}

inline ExprPtr ParseExpr(std::string_view sql) {
  auto r = ParseExpression(sql);
  EXPECT_TRUE(r.ok()) << sql << "\n  -> " << r.status().ToString();
  if (!r.ok()) return nullptr;
  return std::move(r).value();
}

// Fully parenthesized prefix dump of an expression tree, e.g. (+ 1 (* 2 3)).
inline std::string Tree(const Expr& e) {
  switch (e.type()) {
    case NodeType::kLiteral: {
      const auto& l = e.As<Literal>();
      if (l.kind == LiteralKind::kString) return "'" + l.text + "'";
      if (l.kind == LiteralKind::kNull) return "NULL";
      if (l.kind == LiteralKind::kTrue) return "TRUE";
      if (l.kind == LiteralKind::kFalse) return "FALSE";
      return l.text;
    }
    case NodeType::kColumnRef: {
      const auto& c = e.As<ColumnRef>();
      std::string s;
      if (c.schema) s += c.schema->name + ".";
      if (c.table) s += c.table->name + ".";
      return s + c.column.name;
    }
    case NodeType::kParameter:
      return e.As<Parameter>().text;
    case NodeType::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      const char* op = u.op == UnaryOp::kNegate ? "neg"
                       : u.op == UnaryOp::kPlus ? "pos"
                       : u.op == UnaryOp::kBitNot ? "~"
                                                  : "NOT";
      return std::string("(") + op + " " + Tree(*u.operand) + ")";
    }
    case NodeType::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      return "(" + std::string(BinaryOpText(b.op)) + " " + Tree(*b.left) + " " +
             Tree(*b.right) + ")";
    }
    case NodeType::kNullTest: {
      const auto& n = e.As<NullTestExpr>();
      return std::string(n.negated ? "(NOTNULL " : "(ISNULL ") + Tree(*n.operand) + ")";
    }
    case NodeType::kBetween: {
      const auto& b = e.As<BetweenExpr>();
      return std::string(b.negated ? "(NOT-BETWEEN " : "(BETWEEN ") + Tree(*b.operand) + " " +
             Tree(*b.low) + " " + Tree(*b.high) + ")";
    }
    case NodeType::kLike: {
      const auto& l = e.As<LikeExpr>();
      std::string s = std::string("(") + (l.negated ? "NOT-" : "") + "LIKE " + Tree(*l.operand) +
                      " " + Tree(*l.pattern);
      if (l.escape) s += " ESCAPE " + Tree(*l.escape);
      return s + ")";
    }
    case NodeType::kCollate: {
      const auto& c = e.As<CollateExpr>();
      return "(COLLATE " + Tree(*c.operand) + " " + c.collation.name + ")";
    }
    case NodeType::kIn: {
      const auto& in = e.As<InExpr>();
      std::string s = std::string(in.negated ? "(NOT-IN " : "(IN ") + Tree(*in.operand);
      for (const auto& x : in.list) s += " " + Tree(*x);
      return s + ")";
    }
    default:
      return "<" + ToSql(e) + ">";
  }
}

inline std::string TreeOf(std::string_view sql) {
  ExprPtr e = ParseExpr(sql);
  return e ? Tree(*e) : "<error>";
}

}  // namespace dosql::parser::testing
