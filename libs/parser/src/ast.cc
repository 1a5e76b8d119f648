#include "dosql/parser/ast.h"

#include <string>

#include "dosql/parser/token.h"

namespace dosql::parser {
namespace {

// Printing precedence; must mirror the parser's (parser.cc).
enum : int {
  kPOr = 1,
  kPAnd = 2,
  kPNot = 3,
  kPEquality = 4,
  kPCompare = 5,
  kPEscape = 6,
  kPBitwise = 7,
  kPAdd = 8,
  kPMultiply = 9,
  kPConcat = 10,
  kPCollate = 11,
  kPUnary = 12,
  kPPrimary = 100,
};

int BinaryPrec(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return kPOr;
    case BinaryOp::kAnd: return kPAnd;
    case BinaryOp::kEq:
    case BinaryOp::kNe:
    case BinaryOp::kIs:
    case BinaryOp::kIsNot: return kPEquality;
    case BinaryOp::kLt:
    case BinaryOp::kLe:
    case BinaryOp::kGt:
    case BinaryOp::kGe: return kPCompare;
    case BinaryOp::kBitAnd:
    case BinaryOp::kBitOr:
    case BinaryOp::kShiftLeft:
    case BinaryOp::kShiftRight: return kPBitwise;
    case BinaryOp::kAdd:
    case BinaryOp::kSubtract: return kPAdd;
    case BinaryOp::kMultiply:
    case BinaryOp::kDivide:
    case BinaryOp::kModulo: return kPMultiply;
    case BinaryOp::kConcat:
    case BinaryOp::kJsonExtract:
    case BinaryOp::kJsonExtractText: return kPConcat;
  }
  return kPPrimary;
}

int ExprPrec(const Expr& e) {
  switch (e.type()) {
    case NodeType::kUnary:
      return e.As<UnaryExpr>().op == UnaryOp::kNot ? kPNot : kPUnary;
    case NodeType::kBinary:
      return BinaryPrec(e.As<BinaryExpr>().op);
    case NodeType::kNullTest:
    case NodeType::kBetween:
    case NodeType::kIn:
    case NodeType::kLike:
      return kPEquality;
    case NodeType::kCollate:
      return kPCollate;
    default:
      return kPPrimary;
  }
}

bool IsPlainIdentifier(std::string_view s) {
  if (s.empty() || !IsIdentifierStart(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!IsIdentifierChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string DoubleQuote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

// A word usable bare where SQLite's grammar takes `ids` (type names, collations).
std::string QuoteWord(std::string_view s) {
  if (IsPlainIdentifier(s)) {
    Keyword kw = LookupKeyword(s);
    if (kw == Keyword::kNone || IsFallbackKeyword(kw)) return std::string(s);
  }
  return DoubleQuote(s);
}

const char* ConflictText(ConflictAction a) {
  switch (a) {
    case ConflictAction::kNone: return "";
    case ConflictAction::kRollback: return "ROLLBACK";
    case ConflictAction::kAbort: return "ABORT";
    case ConflictAction::kFail: return "FAIL";
    case ConflictAction::kIgnore: return "IGNORE";
    case ConflictAction::kReplace: return "REPLACE";
  }
  return "";
}

const char* FkActionText(ForeignKeyAction a) {
  switch (a) {
    case ForeignKeyAction::kNone: return "";
    case ForeignKeyAction::kSetNull: return "SET NULL";
    case ForeignKeyAction::kSetDefault: return "SET DEFAULT";
    case ForeignKeyAction::kCascade: return "CASCADE";
    case ForeignKeyAction::kRestrict: return "RESTRICT";
    case ForeignKeyAction::kNoAction: return "NO ACTION";
  }
  return "";
}

class Printer {
 public:
  std::string out;

  void Node(const dosql::parser::Node& n);
  void Expr(const dosql::parser::Expr& e, int min_prec = 0);
  void Statement(const dosql::parser::Statement& s) { Node(s); }

 private:
  void Put(std::string_view s) { out.append(s.data(), s.size()); }
  void Id(const Identifier& id) { Put(QuoteIdentifier(id)); }
  void QName(const QualifiedName& q) {
    if (q.schema) {
      Id(*q.schema);
      Put(".");
    }
    Id(q.name);
  }
  void ExprList(const dosql::parser::ExprList& list) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) Put(", ");
      Expr(*list[i]);
    }
  }
  void IdList(const std::vector<Identifier>& ids) {
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i) Put(", ");
      Id(ids[i]);
    }
  }
  void Ordering(const std::vector<OrderingTerm>& terms) {
    for (size_t i = 0; i < terms.size(); ++i) {
      if (i) Put(", ");
      Expr(*terms[i].expr);
      if (terms[i].direction == SortDirection::kAsc) Put(" ASC");
      if (terms[i].direction == SortDirection::kDesc) Put(" DESC");
      if (terms[i].nulls == NullsOrder::kFirst) Put(" NULLS FIRST");
      if (terms[i].nulls == NullsOrder::kLast) Put(" NULLS LAST");
    }
  }
  void Type(const TypeName& t) {
    if (t.name.empty()) Put("\"\"");  // a type written as '' or ""
    size_t start = 0;
    bool first = true;
    while (start <= t.name.size()) {
      size_t sp = t.name.find(' ', start);
      if (sp == std::string::npos) sp = t.name.size();
      if (sp > start) {
        if (!first) Put(" ");
        Put(QuoteWord(std::string_view(t.name).substr(start, sp - start)));
        first = false;
      }
      start = sp + 1;
    }
    if (!t.args.empty()) {
      Put("(");
      for (size_t i = 0; i < t.args.size(); ++i) {
        if (i) Put(", ");
        Put(t.args[i]);
      }
      Put(")");
    }
  }
  void With(const WithClause* w);
  void Select(const SelectStmt& s);
  void Core(const SelectCore& c);
  void ResultColumns(const std::vector<ResultColumn>& cols);
  void TableRef(const dosql::parser::TableRef& t);
  void Join(const JoinClause& j);
  void Alias(const std::optional<Identifier>& a) {
    if (a) {
      Put(" AS ");
      Id(*a);
    }
  }
  void Window(const WindowDef& w);
  void Bound(const FrameBound& b);
  void Temporal(const TemporalClause& t);
  void Point(const TemporalPoint& p);
  void Options(const std::vector<OptionItem>& opts);
  void SetList(const std::vector<SetClause>& set);
  void Returning(const std::vector<ResultColumn>& r) {
    if (r.empty()) return;
    Put(" RETURNING ");
    ResultColumns(r);
  }
  void OrderLimit(const std::vector<OrderingTerm>& order, const ExprPtr& limit,
                  const ExprPtr& offset) {
    if (!order.empty()) {
      Put(" ORDER BY ");
      Ordering(order);
    }
    if (limit) {
      Put(" LIMIT ");
      Expr(*limit);
      if (offset) {
        Put(" OFFSET ");
        Expr(*offset);
      }
    }
  }
  void TargetTable(const QualifiedTableName& t) {
    QName(t.name);
    Alias(t.alias);
    if (t.indexed == TableName::Indexed::kIndexedBy) {
      Put(" INDEXED BY ");
      Id(t.index_name);
    } else if (t.indexed == TableName::Indexed::kNotIndexed) {
      Put(" NOT INDEXED");
    }
  }
  void OnConflict(ConflictAction a) {
    if (a == ConflictAction::kNone) return;
    Put(" ON CONFLICT ");
    Put(ConflictText(a));
  }
  void ColumnDef(const dosql::parser::ColumnDef& c);
  void ForeignKey(const ForeignKeyClause& fk);
  void Literal(const dosql::parser::Literal& l);
};

void Printer::Literal(const dosql::parser::Literal& l) {
  switch (l.kind) {
    case LiteralKind::kNull: Put("NULL"); break;
    case LiteralKind::kInteger:
    case LiteralKind::kReal: Put(l.text); break;
    case LiteralKind::kString: Put(QuoteString(l.text)); break;
    case LiteralKind::kBlob: {
      static const char kHex[] = "0123456789ABCDEF";
      Put("X'");
      for (unsigned char c : l.text) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      }
      Put("'");
      break;
    }
    case LiteralKind::kTrue: Put("TRUE"); break;
    case LiteralKind::kFalse: Put("FALSE"); break;
    case LiteralKind::kCurrentTime: Put("CURRENT_TIME"); break;
    case LiteralKind::kCurrentDate: Put("CURRENT_DATE"); break;
    case LiteralKind::kCurrentTimestamp: Put("CURRENT_TIMESTAMP"); break;
  }
}

void Printer::Expr(const dosql::parser::Expr& e, int min_prec) {
  bool paren = ExprPrec(e) < min_prec;
  if (paren) Put("(");
  switch (e.type()) {
    case NodeType::kLiteral:
      Literal(e.As<dosql::parser::Literal>());
      break;
    case NodeType::kColumnRef: {
      const auto& c = e.As<ColumnRef>();
      if (c.schema) {
        Id(*c.schema);
        Put(".");
      }
      if (c.table) {
        Id(*c.table);
        Put(".");
      }
      Id(c.column);
      break;
    }
    case NodeType::kParameter:
      Put(e.As<Parameter>().text);
      break;
    case NodeType::kUnary: {
      const auto& u = e.As<UnaryExpr>();
      if (u.op == UnaryOp::kNot) {
        Put("NOT ");
        Expr(*u.operand, kPNot);
      } else {
        Put(u.op == UnaryOp::kNegate ? "-" : u.op == UnaryOp::kPlus ? "+" : "~");
        size_t at = out.size();
        Expr(*u.operand, kPUnary);
        // "- -1", never "--1" (a comment).
        if (at < out.size() && (out[at] == '-' || out[at] == '+')) {
          out.insert(out.begin() + static_cast<std::ptrdiff_t>(at), ' ');
        }
      }
      break;
    }
    case NodeType::kBinary: {
      const auto& b = e.As<BinaryExpr>();
      int p = BinaryPrec(b.op);
      Expr(*b.left, p);
      Put(" ");
      Put(BinaryOpText(b.op));
      Put(" ");
      Expr(*b.right, p + 1);
      break;
    }
    case NodeType::kNullTest: {
      const auto& n = e.As<NullTestExpr>();
      Expr(*n.operand, kPEquality);
      Put(n.negated ? " IS NOT NULL" : " IS NULL");
      break;
    }
    case NodeType::kBetween: {
      const auto& b = e.As<BetweenExpr>();
      Expr(*b.operand, kPEquality);
      Put(b.negated ? " NOT BETWEEN " : " BETWEEN ");
      Expr(*b.low, kPEquality + 1);
      Put(" AND ");
      Expr(*b.high, kPEquality + 1);
      break;
    }
    case NodeType::kIn: {
      const auto& in = e.As<InExpr>();
      Expr(*in.operand, kPEquality);
      Put(in.negated ? " NOT IN " : " IN ");
      if (in.kind == InExpr::Kind::kList) {
        Put("(");
        ExprList(in.list);
        Put(")");
      } else if (in.kind == InExpr::Kind::kSelect) {
        Put("(");
        Select(*in.select);
        Put(")");
      } else {
        QName(in.table);
        if (in.table_has_args) {
          Put("(");
          ExprList(in.table_args);
          Put(")");
        }
      }
      break;
    }
    case NodeType::kLike: {
      const auto& l = e.As<LikeExpr>();
      Expr(*l.operand, kPEquality);
      if (l.negated) Put(" NOT");
      Put(l.op == LikeOp::kLike   ? " LIKE "
          : l.op == LikeOp::kGlob ? " GLOB "
          : l.op == LikeOp::kRegexp ? " REGEXP "
                                    : " MATCH ");
      Expr(*l.pattern, kPEquality + 1);
      if (l.escape) {
        Put(" ESCAPE ");
        Expr(*l.escape, kPEscape + 1);
      }
      break;
    }
    case NodeType::kCollate: {
      const auto& c = e.As<CollateExpr>();
      Expr(*c.operand, kPCollate);
      Put(" COLLATE ");
      Put(c.collation.quote == 0 ? QuoteWord(c.collation.name) : QuoteIdentifier(c.collation));
      break;
    }
    case NodeType::kCase: {
      const auto& c = e.As<CaseExpr>();
      Put("CASE");
      if (c.operand) {
        Put(" ");
        Expr(*c.operand);
      }
      for (const auto& w : c.whens) {
        Put(" WHEN ");
        Expr(*w.condition);
        Put(" THEN ");
        Expr(*w.result);
      }
      if (c.else_result) {
        Put(" ELSE ");
        Expr(*c.else_result);
      }
      Put(" END");
      break;
    }
    case NodeType::kCast: {
      const auto& c = e.As<CastExpr>();
      Put("CAST(");
      Expr(*c.operand);
      Put(" AS");
      if (!c.type_name.name.empty()) {
        Put(" ");
        Type(c.type_name);
      }
      Put(")");
      break;
    }
    case NodeType::kExists:
      Put("EXISTS (");
      Select(*e.As<ExistsExpr>().select);
      Put(")");
      break;
    case NodeType::kSubquery:
      Put("(");
      Select(*e.As<SubqueryExpr>().select);
      Put(")");
      break;
    case NodeType::kFunctionCall: {
      const auto& f = e.As<FunctionCall>();
      if (f.name.quote == 0 && IsPlainIdentifier(f.name.name)) {
        Put(f.name.name);
      } else {
        Id(f.name);
      }
      Put("(");
      if (f.star) {
        Put("*");
      } else {
        if (f.distinct) Put("DISTINCT ");
        ExprList(f.args);
        if (!f.order_by.empty()) {
          Put(" ORDER BY ");
          Ordering(f.order_by);
        }
      }
      Put(")");
      if (f.filter) {
        Put(" FILTER (WHERE ");
        Expr(*f.filter);
        Put(")");
      }
      if (f.over_name) {
        Put(" OVER ");
        Id(*f.over_name);
      } else if (f.over) {
        Put(" OVER (");
        Window(*f.over);
        Put(")");
      }
      break;
    }
    case NodeType::kRaise: {
      const auto& r = e.As<RaiseExpr>();
      switch (r.kind) {
        case RaiseKind::kIgnore: Put("RAISE(IGNORE)"); break;
        case RaiseKind::kRollback: Put("RAISE(ROLLBACK, "); break;
        case RaiseKind::kAbort: Put("RAISE(ABORT, "); break;
        case RaiseKind::kFail: Put("RAISE(FAIL, "); break;
      }
      if (r.kind != RaiseKind::kIgnore) {
        Put(QuoteString(r.message));
        Put(")");
      }
      break;
    }
    case NodeType::kRowValue:
      Put("(");
      ExprList(e.As<RowValueExpr>().elements);
      Put(")");
      break;
    default:
      break;
  }
  if (paren) Put(")");
}

void Printer::With(const WithClause* w) {
  if (w == nullptr) return;
  Put(w->recursive ? "WITH RECURSIVE " : "WITH ");
  for (size_t i = 0; i < w->ctes.size(); ++i) {
    const CommonTableExpr& c = w->ctes[i];
    if (i) Put(", ");
    Id(c.name);
    if (!c.columns.empty()) {
      Put("(");
      IdList(c.columns);
      Put(")");
    }
    Put(" AS ");
    if (c.materialized == CommonTableExpr::Materialized::kMaterialized) Put("MATERIALIZED ");
    if (c.materialized == CommonTableExpr::Materialized::kNotMaterialized) {
      Put("NOT MATERIALIZED ");
    }
    Put("(");
    Select(*c.select);
    Put(")");
  }
  Put(" ");
}

void Printer::Select(const SelectStmt& s) {
  With(s.with.get());
  for (size_t i = 0; i < s.cores.size(); ++i) {
    if (i) {
      switch (s.ops[i - 1]) {
        case CompoundOp::kUnion: Put(" UNION "); break;
        case CompoundOp::kUnionAll: Put(" UNION ALL "); break;
        case CompoundOp::kIntersect: Put(" INTERSECT "); break;
        case CompoundOp::kExcept: Put(" EXCEPT "); break;
      }
    }
    Core(*s.cores[i]);
  }
  OrderLimit(s.order_by, s.limit, s.offset);
}

void Printer::ResultColumns(const std::vector<ResultColumn>& cols) {
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) Put(", ");
    const ResultColumn& rc = cols[i];
    if (rc.kind == ResultColumn::Kind::kStar) {
      Put("*");
    } else if (rc.kind == ResultColumn::Kind::kTableStar) {
      Id(rc.table);
      Put(".*");
    } else {
      Expr(*rc.expr);
      Alias(rc.alias);
    }
  }
}

void Printer::Core(const SelectCore& c) {
  if (c.kind == SelectCore::Kind::kValues) {
    Put("VALUES ");
    for (size_t i = 0; i < c.rows.size(); ++i) {
      if (i) Put(", ");
      Put("(");
      ExprList(c.rows[i]);
      Put(")");
    }
    return;
  }
  Put("SELECT ");
  if (c.quantifier == SelectCore::Quantifier::kDistinct) Put("DISTINCT ");
  if (c.quantifier == SelectCore::Quantifier::kAll) Put("ALL ");
  ResultColumns(c.columns);
  if (c.from) {
    Put(" FROM ");
    Join(*c.from);
  }
  if (c.where) {
    Put(" WHERE ");
    Expr(*c.where);
  }
  if (!c.group_by.empty()) {
    Put(" GROUP BY ");
    ExprList(c.group_by);
  }
  if (c.having) {
    Put(" HAVING ");
    Expr(*c.having);
  }
  if (!c.windows.empty()) {
    Put(" WINDOW ");
    for (size_t i = 0; i < c.windows.size(); ++i) {
      if (i) Put(", ");
      Id(*c.windows[i]->name);
      Put(" AS (");
      Window(*c.windows[i]);
      Put(")");
    }
  }
}

void Printer::Join(const JoinClause& j) {
  TableRef(*j.first);
  for (const JoinItem& item : j.joins) {
    if (item.kind == JoinKind::kComma) {
      Put(", ");
    } else {
      Put(" ");
      if (item.natural) Put("NATURAL ");
      switch (item.kind) {
        case JoinKind::kInner: Put("JOIN "); break;
        case JoinKind::kCross: Put("CROSS JOIN "); break;
        case JoinKind::kLeft: Put("LEFT JOIN "); break;
        case JoinKind::kRight: Put("RIGHT JOIN "); break;
        case JoinKind::kFull: Put("FULL JOIN "); break;
        case JoinKind::kComma: break;
      }
    }
    TableRef(*item.table);
    if (item.on) {
      Put(" ON ");
      Expr(*item.on);
    } else if (item.using_columns) {
      Put(" USING (");
      IdList(*item.using_columns);
      Put(")");
    }
  }
}

void Printer::TableRef(const dosql::parser::TableRef& t) {
  switch (t.type()) {
    case NodeType::kTableName: {
      const auto& tn = t.As<TableName>();
      QName(tn.name);
      if (tn.temporal) Temporal(*tn.temporal);
      Alias(tn.alias);
      if (tn.indexed == TableName::Indexed::kIndexedBy) {
        Put(" INDEXED BY ");
        Id(tn.index_name);
      } else if (tn.indexed == TableName::Indexed::kNotIndexed) {
        Put(" NOT INDEXED");
      }
      return;
    }
    case NodeType::kSubqueryRef:
      Put("(");
      Select(*t.As<SubqueryRef>().select);
      Put(")");
      break;
    case NodeType::kTableFunctionRef: {
      const auto& f = t.As<TableFunctionRef>();
      QName(f.name);
      Put("(");
      ExprList(f.args);
      Put(")");
      break;
    }
    case NodeType::kUrlTableRef: {
      const auto& u = t.As<UrlTableRef>();
      Put(QuoteString(u.url));
      if (!u.options.empty() || u.url.find("://") == std::string::npos) {
        Put(" WITH ");
        Options(u.options);
      }
      break;
    }
    case NodeType::kJoinClause:
      Put("(");
      Join(t.As<JoinClause>());
      Put(")");
      break;
    default:
      break;
  }
  Alias(t.alias);
}

void Printer::Temporal(const TemporalClause& t) {
  Put(" FOR SYSTEM_TIME ");
  switch (t.kind) {
    case TemporalClause::Kind::kAsOf:
      Put("AS OF ");
      Point(t.start);
      break;
    case TemporalClause::Kind::kBetween:
      Put("BETWEEN ");
      Point(t.start);
      Put(" AND ");
      Point(t.end);
      break;
    case TemporalClause::Kind::kFromTo:
      Put("FROM ");
      Point(t.start);
      Put(" TO ");
      Point(t.end);
      break;
  }
}

void Printer::Point(const TemporalPoint& p) {
  if (p.unit == TemporalPoint::Unit::kTimestamp) Put("TIMESTAMP ");
  if (p.unit == TemporalPoint::Unit::kLsn) Put("LSN ");
  Expr(*p.value, kPCompare);
}

void Printer::Options(const std::vector<OptionItem>& opts) {
  Put("(");
  for (size_t i = 0; i < opts.size(); ++i) {
    if (i) Put(", ");
    Id(opts[i].name);
    if (opts[i].value) {
      Put(" = ");
      Expr(*opts[i].value);
    }
  }
  Put(")");
}

void Printer::Window(const WindowDef& w) {
  bool space = false;
  auto sep = [&] {
    if (space) Put(" ");
    space = true;
  };
  if (w.base_name) {
    sep();
    Id(*w.base_name);
  }
  if (!w.partition_by.empty()) {
    sep();
    Put("PARTITION BY ");
    ExprList(w.partition_by);
  }
  if (!w.order_by.empty()) {
    sep();
    Put("ORDER BY ");
    Ordering(w.order_by);
  }
  if (w.frame) {
    const FrameSpec& f = *w.frame;
    sep();
    Put(f.unit == FrameUnit::kRows ? "ROWS " : f.unit == FrameUnit::kRange ? "RANGE " : "GROUPS ");
    if (f.has_between) {
      Put("BETWEEN ");
      Bound(f.start);
      Put(" AND ");
      Bound(f.end);
    } else {
      Bound(f.start);
    }
    switch (f.exclude) {
      case FrameExclude::kNone: break;
      case FrameExclude::kNoOthers: Put(" EXCLUDE NO OTHERS"); break;
      case FrameExclude::kCurrentRow: Put(" EXCLUDE CURRENT ROW"); break;
      case FrameExclude::kGroup: Put(" EXCLUDE GROUP"); break;
      case FrameExclude::kTies: Put(" EXCLUDE TIES"); break;
    }
  }
}

void Printer::Bound(const FrameBound& b) {
  switch (b.kind) {
    case FrameBoundKind::kUnboundedPreceding: Put("UNBOUNDED PRECEDING"); break;
    case FrameBoundKind::kUnboundedFollowing: Put("UNBOUNDED FOLLOWING"); break;
    case FrameBoundKind::kCurrentRow: Put("CURRENT ROW"); break;
    case FrameBoundKind::kPreceding:
      Expr(*b.offset);
      Put(" PRECEDING");
      break;
    case FrameBoundKind::kFollowing:
      Expr(*b.offset);
      Put(" FOLLOWING");
      break;
  }
}

void Printer::SetList(const std::vector<SetClause>& set) {
  for (size_t i = 0; i < set.size(); ++i) {
    if (i) Put(", ");
    if (set[i].parenthesized) {
      Put("(");
      IdList(set[i].columns);
      Put(")");
    } else {
      Id(set[i].columns[0]);
    }
    Put(" = ");
    Expr(*set[i].value);
  }
}

void Printer::ForeignKey(const ForeignKeyClause& fk) {
  Put("REFERENCES ");
  Id(fk.table);
  if (!fk.columns.empty()) {
    Put("(");
    IdList(fk.columns);
    Put(")");
  }
  if (fk.on_delete != ForeignKeyAction::kNone) {
    Put(" ON DELETE ");
    Put(FkActionText(fk.on_delete));
  }
  if (fk.on_update != ForeignKeyAction::kNone) {
    Put(" ON UPDATE ");
    Put(FkActionText(fk.on_update));
  }
  if (fk.match) {
    Put(" MATCH ");
    Id(*fk.match);
  }
  if (fk.deferrable == ForeignKeyClause::Deferrable::kDeferrable) Put(" DEFERRABLE");
  if (fk.deferrable == ForeignKeyClause::Deferrable::kNotDeferrable) Put(" NOT DEFERRABLE");
  if (fk.deferrable != ForeignKeyClause::Deferrable::kNone) {
    if (fk.initially == ForeignKeyClause::Initially::kDeferred) Put(" INITIALLY DEFERRED");
    if (fk.initially == ForeignKeyClause::Initially::kImmediate) Put(" INITIALLY IMMEDIATE");
  }
}

void Printer::ColumnDef(const dosql::parser::ColumnDef& c) {
  Id(c.name);
  if (c.type) {
    Put(" ");
    Type(*c.type);
  }
  for (const ColumnConstraint& cc : c.constraints) {
    Put(" ");
    if (cc.name) {
      Put("CONSTRAINT ");
      Id(*cc.name);
      Put(" ");
    }
    switch (cc.kind) {
      case ColumnConstraint::Kind::kPrimaryKey:
        Put("PRIMARY KEY");
        if (cc.direction == SortDirection::kAsc) Put(" ASC");
        if (cc.direction == SortDirection::kDesc) Put(" DESC");
        OnConflict(cc.conflict);
        if (cc.autoincrement) Put(" AUTOINCREMENT");
        break;
      case ColumnConstraint::Kind::kNotNull:
        Put("NOT NULL");
        OnConflict(cc.conflict);
        break;
      case ColumnConstraint::Kind::kNull:
        Put("NULL");
        OnConflict(cc.conflict);
        break;
      case ColumnConstraint::Kind::kUnique:
        Put("UNIQUE");
        OnConflict(cc.conflict);
        break;
      case ColumnConstraint::Kind::kCheck:
        Put("CHECK (");
        Expr(*cc.expr);
        Put(")");
        break;
      case ColumnConstraint::Kind::kDefault: {
        Put("DEFAULT ");
        const dosql::parser::Expr& d = *cc.expr;
        bool literal = d.Is<dosql::parser::Literal>();
        if (d.Is<UnaryExpr>()) {
          const auto& u = d.As<UnaryExpr>();
          literal = (u.op == UnaryOp::kNegate || u.op == UnaryOp::kPlus) &&
                    u.operand->Is<dosql::parser::Literal>();
        }
        if (literal) {
          Expr(d);
        } else {
          Put("(");
          Expr(d);
          Put(")");
        }
        break;
      }
      case ColumnConstraint::Kind::kCollate:
        Put("COLLATE ");
        Put(cc.collation.quote == 0 ? QuoteWord(cc.collation.name)
                                    : QuoteIdentifier(cc.collation));
        break;
      case ColumnConstraint::Kind::kReferences:
        ForeignKey(*cc.foreign_key);
        break;
      case ColumnConstraint::Kind::kGenerated:
        Put(cc.generated_always ? "GENERATED ALWAYS AS (" : "AS (");
        Expr(*cc.expr);
        Put(")");
        if (cc.stored) Put(" STORED");
        if (cc.virtual_written) Put(" VIRTUAL");
        break;
    }
  }
}

void Printer::Node(const dosql::parser::Node& n) {
  switch (n.type()) {
    case NodeType::kSelectStmt:
      Select(n.As<SelectStmt>());
      return;
    case NodeType::kSelectCore:
      Core(n.As<SelectCore>());
      return;
    case NodeType::kWindowDef:
      Window(n.As<WindowDef>());
      return;
    case NodeType::kColumnDef:
      ColumnDef(n.As<dosql::parser::ColumnDef>());
      return;
    case NodeType::kTableName:
    case NodeType::kSubqueryRef:
    case NodeType::kTableFunctionRef:
    case NodeType::kUrlTableRef:
      TableRef(n.As<dosql::parser::TableRef>());
      return;
    case NodeType::kJoinClause: {
      const auto& j = n.As<JoinClause>();
      Join(j);
      Alias(j.alias);
      return;
    }
    case NodeType::kInsertStmt: {
      const auto& s = n.As<InsertStmt>();
      With(s.with.get());
      if (s.replace) {
        Put("REPLACE");
      } else {
        Put("INSERT");
        if (s.conflict != ConflictAction::kNone) {
          Put(" OR ");
          Put(ConflictText(s.conflict));
        }
      }
      Put(" INTO ");
      QName(s.table);
      Alias(s.alias);
      if (!s.columns.empty()) {
        Put(" (");
        IdList(s.columns);
        Put(")");
      }
      if (s.default_values) {
        Put(" DEFAULT VALUES");
      } else {
        Put(" ");
        Select(*s.select);
      }
      for (const UpsertClause& u : s.upserts) {
        Put(" ON CONFLICT");
        if (!u.target.empty()) {
          Put(" (");
          Ordering(u.target);
          Put(")");
          if (u.target_where) {
            Put(" WHERE ");
            Expr(*u.target_where);
          }
        }
        if (u.do_nothing) {
          Put(" DO NOTHING");
        } else {
          Put(" DO UPDATE SET ");
          SetList(u.set);
          if (u.where) {
            Put(" WHERE ");
            Expr(*u.where);
          }
        }
      }
      Returning(s.returning);
      return;
    }
    case NodeType::kUpdateStmt: {
      const auto& s = n.As<UpdateStmt>();
      With(s.with.get());
      Put("UPDATE ");
      if (s.conflict != ConflictAction::kNone) {
        Put("OR ");
        Put(ConflictText(s.conflict));
        Put(" ");
      }
      TargetTable(s.table);
      Put(" SET ");
      SetList(s.set);
      if (s.from) {
        Put(" FROM ");
        Join(*s.from);
      }
      if (s.where) {
        Put(" WHERE ");
        Expr(*s.where);
      }
      Returning(s.returning);
      OrderLimit(s.order_by, s.limit, s.offset);
      return;
    }
    case NodeType::kDeleteStmt: {
      const auto& s = n.As<DeleteStmt>();
      With(s.with.get());
      Put("DELETE FROM ");
      TargetTable(s.table);
      if (s.where) {
        Put(" WHERE ");
        Expr(*s.where);
      }
      Returning(s.returning);
      OrderLimit(s.order_by, s.limit, s.offset);
      return;
    }
    case NodeType::kCreateTableStmt: {
      const auto& s = n.As<CreateTableStmt>();
      Put(s.temporary ? "CREATE TEMP TABLE " : "CREATE TABLE ");
      if (s.if_not_exists) Put("IF NOT EXISTS ");
      QName(s.name);
      if (s.as_select) {
        Put(" AS ");
        Select(*s.as_select);
        return;
      }
      Put(" (");
      for (size_t i = 0; i < s.columns.size(); ++i) {
        if (i) Put(", ");
        ColumnDef(*s.columns[i]);
      }
      for (const TableConstraint& c : s.constraints) {
        Put(", ");
        if (c.name) {
          Put("CONSTRAINT ");
          Id(*c.name);
          Put(" ");
        }
        switch (c.kind) {
          case TableConstraint::Kind::kPrimaryKey:
            Put("PRIMARY KEY (");
            Ordering(c.columns);
            if (c.autoincrement) Put(" AUTOINCREMENT");
            Put(")");
            OnConflict(c.conflict);
            break;
          case TableConstraint::Kind::kUnique:
            Put("UNIQUE (");
            Ordering(c.columns);
            Put(")");
            OnConflict(c.conflict);
            break;
          case TableConstraint::Kind::kCheck:
            Put("CHECK (");
            Expr(*c.check);
            Put(")");
            OnConflict(c.conflict);
            break;
          case TableConstraint::Kind::kForeignKey:
            Put("FOREIGN KEY (");
            IdList(c.fk_columns);
            Put(") ");
            ForeignKey(*c.foreign_key);
            break;
        }
      }
      Put(")");
      if (s.without_rowid) Put(" WITHOUT ROWID");
      if (s.strict) Put(s.without_rowid ? ", STRICT" : " STRICT");
      return;
    }
    case NodeType::kCreateIndexStmt: {
      const auto& s = n.As<CreateIndexStmt>();
      Put(s.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ");
      if (s.if_not_exists) Put("IF NOT EXISTS ");
      QName(s.name);
      Put(" ON ");
      Id(s.table);
      if (s.using_method) {
        Put(" USING ");
        Id(*s.using_method);
      }
      Put(" (");
      Ordering(s.columns);
      Put(")");
      if (!s.options.empty()) {
        Put(" WITH ");
        Options(s.options);
      }
      if (s.where) {
        Put(" WHERE ");
        Expr(*s.where);
      }
      return;
    }
    case NodeType::kCreateViewStmt: {
      const auto& s = n.As<CreateViewStmt>();
      Put(s.temporary ? "CREATE TEMP VIEW " : "CREATE VIEW ");
      if (s.if_not_exists) Put("IF NOT EXISTS ");
      QName(s.name);
      if (!s.columns.empty()) {
        Put("(");
        IdList(s.columns);
        Put(")");
      }
      Put(" AS ");
      Select(*s.select);
      return;
    }
    case NodeType::kCreateTriggerStmt: {
      const auto& s = n.As<CreateTriggerStmt>();
      Put(s.temporary ? "CREATE TEMP TRIGGER " : "CREATE TRIGGER ");
      if (s.if_not_exists) Put("IF NOT EXISTS ");
      QName(s.name);
      switch (s.timing) {
        case CreateTriggerStmt::Timing::kDefault: break;
        case CreateTriggerStmt::Timing::kBefore: Put(" BEFORE"); break;
        case CreateTriggerStmt::Timing::kAfter: Put(" AFTER"); break;
        case CreateTriggerStmt::Timing::kInsteadOf: Put(" INSTEAD OF"); break;
      }
      switch (s.event) {
        case CreateTriggerStmt::Event::kDelete: Put(" DELETE"); break;
        case CreateTriggerStmt::Event::kInsert: Put(" INSERT"); break;
        case CreateTriggerStmt::Event::kUpdate:
          Put(" UPDATE");
          if (!s.update_columns.empty()) {
            Put(" OF ");
            IdList(s.update_columns);
          }
          break;
      }
      Put(" ON ");
      if (s.table_schema) {
        Id(*s.table_schema);
        Put(".");
      }
      Id(s.table);
      if (s.for_each_row) Put(" FOR EACH ROW");
      if (s.when) {
        Put(" WHEN ");
        Expr(*s.when);
      }
      Put(" BEGIN ");
      for (const auto& st : s.body) {
        Node(*st);
        Put("; ");
      }
      Put("END");
      return;
    }
    case NodeType::kCreateVirtualTableStmt: {
      const auto& s = n.As<CreateVirtualTableStmt>();
      Put("CREATE VIRTUAL TABLE ");
      if (s.if_not_exists) Put("IF NOT EXISTS ");
      QName(s.name);
      Put(" USING ");
      Id(s.module);
      if (s.has_args) {
        Put("(");
        for (size_t i = 0; i < s.args.size(); ++i) {
          if (i) Put(", ");
          Put(s.args[i]);
        }
        Put(")");
      }
      return;
    }
    case NodeType::kDropStmt: {
      const auto& s = n.As<DropStmt>();
      switch (s.object) {
        case DropStmt::ObjectKind::kTable: Put("DROP TABLE "); break;
        case DropStmt::ObjectKind::kIndex: Put("DROP INDEX "); break;
        case DropStmt::ObjectKind::kView: Put("DROP VIEW "); break;
        case DropStmt::ObjectKind::kTrigger: Put("DROP TRIGGER "); break;
      }
      if (s.if_exists) Put("IF EXISTS ");
      QName(s.name);
      return;
    }
    case NodeType::kAlterTableStmt: {
      const auto& s = n.As<AlterTableStmt>();
      Put("ALTER TABLE ");
      QName(s.table);
      switch (s.action) {
        case AlterTableStmt::Action::kRenameTable:
          Put(" RENAME TO ");
          Id(s.new_name);
          break;
        case AlterTableStmt::Action::kRenameColumn:
          Put(" RENAME COLUMN ");
          Id(s.column_name);
          Put(" TO ");
          Id(s.new_name);
          break;
        case AlterTableStmt::Action::kAddColumn:
          Put(" ADD COLUMN ");
          ColumnDef(*s.column);
          break;
        case AlterTableStmt::Action::kDropColumn:
          Put(" DROP COLUMN ");
          Id(s.column_name);
          break;
      }
      return;
    }
    case NodeType::kBeginStmt:
      switch (n.As<BeginStmt>().mode) {
        case BeginStmt::Mode::kDefault: Put("BEGIN"); break;
        case BeginStmt::Mode::kDeferred: Put("BEGIN DEFERRED"); break;
        case BeginStmt::Mode::kImmediate: Put("BEGIN IMMEDIATE"); break;
        case BeginStmt::Mode::kExclusive: Put("BEGIN EXCLUSIVE"); break;
      }
      return;
    case NodeType::kCommitStmt:
      Put(n.As<CommitStmt>().end_keyword ? "END" : "COMMIT");
      return;
    case NodeType::kRollbackStmt: {
      const auto& s = n.As<RollbackStmt>();
      Put("ROLLBACK");
      if (s.savepoint) {
        Put(" TO SAVEPOINT ");
        Id(*s.savepoint);
      }
      return;
    }
    case NodeType::kSavepointStmt:
      Put("SAVEPOINT ");
      Id(n.As<SavepointStmt>().name);
      return;
    case NodeType::kReleaseStmt:
      Put("RELEASE SAVEPOINT ");
      Id(n.As<ReleaseStmt>().name);
      return;
    case NodeType::kPragmaStmt: {
      const auto& s = n.As<PragmaStmt>();
      Put("PRAGMA ");
      QName(s.name);
      if (s.value_kind == PragmaStmt::ValueKind::kNone) return;
      Put(s.call_form ? "(" : " = ");
      switch (s.value_kind) {
        case PragmaStmt::ValueKind::kName: {
          Keyword kw = LookupKeyword(s.value);
          bool bare = IsPlainIdentifier(s.value) &&
                      (kw == Keyword::kNone || IsFallbackKeyword(kw) || IsJoinKeyword(kw) ||
                       kw == Keyword::kOn || kw == Keyword::kDelete || kw == Keyword::kDefault);
          Put(bare ? s.value : DoubleQuote(s.value));
          break;
        }
        case PragmaStmt::ValueKind::kString: Put(QuoteString(s.value)); break;
        case PragmaStmt::ValueKind::kNumber: Put(s.value); break;
        case PragmaStmt::ValueKind::kNone: break;
      }
      if (s.call_form) Put(")");
      return;
    }
    case NodeType::kAnalyzeStmt:
    case NodeType::kReindexStmt: {
      bool analyze = n.type() == NodeType::kAnalyzeStmt;
      const auto& target =
          analyze ? n.As<AnalyzeStmt>().target : n.As<ReindexStmt>().target;
      Put(analyze ? "ANALYZE" : "REINDEX");
      if (target) {
        Put(" ");
        QName(*target);
      }
      return;
    }
    case NodeType::kVacuumStmt: {
      const auto& s = n.As<VacuumStmt>();
      Put("VACUUM");
      if (s.schema) {
        Put(" ");
        Id(*s.schema);
      }
      if (s.into) {
        Put(" INTO ");
        Expr(*s.into);
      }
      return;
    }
    case NodeType::kAttachStmt: {
      const auto& s = n.As<AttachStmt>();
      Put("ATTACH DATABASE ");
      Expr(*s.file);
      Put(" AS ");
      Expr(*s.schema_name);
      if (s.key) {
        Put(" KEY ");
        Expr(*s.key);
      }
      return;
    }
    case NodeType::kDetachStmt:
      Put("DETACH DATABASE ");
      Expr(*n.As<DetachStmt>().schema_name);
      return;
    case NodeType::kExplainStmt: {
      const auto& s = n.As<ExplainStmt>();
      Put(s.query_plan ? "EXPLAIN QUERY PLAN " : "EXPLAIN ");
      Node(*s.statement);
      return;
    }
    case NodeType::kCreateBranchStmt: {
      const auto& s = n.As<CreateBranchStmt>();
      Put("CREATE BRANCH ");
      if (s.if_not_exists) Put("IF NOT EXISTS ");
      Id(s.name);
      if (s.from) {
        Put(" FROM ");
        Id(*s.from);
      }
      if (s.as_of) {
        Put(" AS OF ");
        Point(*s.as_of);
      }
      return;
    }
    case NodeType::kCheckoutBranchStmt:
      Put("CHECKOUT BRANCH ");
      Id(n.As<CheckoutBranchStmt>().name);
      return;
    case NodeType::kMergeBranchStmt:
      Put("MERGE BRANCH ");
      Id(n.As<MergeBranchStmt>().source);
      Put(" INTO ");
      Id(n.As<MergeBranchStmt>().target);
      return;
    case NodeType::kDropBranchStmt:
      Put("DROP BRANCH ");
      if (n.As<DropBranchStmt>().if_exists) Put("IF EXISTS ");
      Id(n.As<DropBranchStmt>().name);
      return;
    case NodeType::kCreateProcedureStmt: {
      const auto& s = n.As<CreateProcedureStmt>();
      Put(s.or_replace ? "CREATE OR REPLACE PROCEDURE " : "CREATE PROCEDURE ");
      QName(s.name);
      Put("(");
      for (size_t i = 0; i < s.params.size(); ++i) {
        if (i) Put(", ");
        Id(s.params[i].name);
        if (s.params[i].type) {
          Put(" ");
          Type(*s.params[i].type);
        }
      }
      Put(") AS ");
      Id(s.language);
      Put(" ");
      if (s.body.find("$$") == std::string::npos) {
        Put("$$");
        Put(s.body);
        Put("$$");
      } else {
        Put(QuoteString(s.body));
      }
      return;
    }
    case NodeType::kCallStmt: {
      const auto& s = n.As<CallStmt>();
      Put("CALL ");
      QName(s.name);
      Put("(");
      ExprList(s.args);
      Put(")");
      return;
    }
    default:
      Expr(static_cast<const dosql::parser::Expr&>(n));
      return;
  }
}

}  // namespace

std::string_view BinaryOpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr: return "OR";
    case BinaryOp::kAnd: return "AND";
    case BinaryOp::kEq: return "=";
    case BinaryOp::kNe: return "!=";
    case BinaryOp::kIs: return "IS";
    case BinaryOp::kIsNot: return "IS NOT";
    case BinaryOp::kLt: return "<";
    case BinaryOp::kLe: return "<=";
    case BinaryOp::kGt: return ">";
    case BinaryOp::kGe: return ">=";
    case BinaryOp::kBitAnd: return "&";
    case BinaryOp::kBitOr: return "|";
    case BinaryOp::kShiftLeft: return "<<";
    case BinaryOp::kShiftRight: return ">>";
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSubtract: return "-";
    case BinaryOp::kMultiply: return "*";
    case BinaryOp::kDivide: return "/";
    case BinaryOp::kModulo: return "%";
    case BinaryOp::kConcat: return "||";
    case BinaryOp::kJsonExtract: return "->";
    case BinaryOp::kJsonExtractText: return "->>";
  }
  return "?";
}

std::string_view NodeTypeName(NodeType type) {
  switch (type) {
    case NodeType::kLiteral: return "Literal";
    case NodeType::kColumnRef: return "ColumnRef";
    case NodeType::kParameter: return "Parameter";
    case NodeType::kUnary: return "UnaryExpr";
    case NodeType::kBinary: return "BinaryExpr";
    case NodeType::kNullTest: return "NullTestExpr";
    case NodeType::kBetween: return "BetweenExpr";
    case NodeType::kIn: return "InExpr";
    case NodeType::kLike: return "LikeExpr";
    case NodeType::kCollate: return "CollateExpr";
    case NodeType::kCase: return "CaseExpr";
    case NodeType::kCast: return "CastExpr";
    case NodeType::kExists: return "ExistsExpr";
    case NodeType::kSubquery: return "SubqueryExpr";
    case NodeType::kFunctionCall: return "FunctionCall";
    case NodeType::kRaise: return "RaiseExpr";
    case NodeType::kRowValue: return "RowValueExpr";
    case NodeType::kTableName: return "TableName";
    case NodeType::kSubqueryRef: return "SubqueryRef";
    case NodeType::kTableFunctionRef: return "TableFunctionRef";
    case NodeType::kUrlTableRef: return "UrlTableRef";
    case NodeType::kJoinClause: return "JoinClause";
    case NodeType::kSelectCore: return "SelectCore";
    case NodeType::kWindowDef: return "WindowDef";
    case NodeType::kColumnDef: return "ColumnDef";
    case NodeType::kSelectStmt: return "SelectStmt";
    case NodeType::kInsertStmt: return "InsertStmt";
    case NodeType::kUpdateStmt: return "UpdateStmt";
    case NodeType::kDeleteStmt: return "DeleteStmt";
    case NodeType::kCreateTableStmt: return "CreateTableStmt";
    case NodeType::kCreateIndexStmt: return "CreateIndexStmt";
    case NodeType::kCreateViewStmt: return "CreateViewStmt";
    case NodeType::kCreateTriggerStmt: return "CreateTriggerStmt";
    case NodeType::kCreateVirtualTableStmt: return "CreateVirtualTableStmt";
    case NodeType::kDropStmt: return "DropStmt";
    case NodeType::kAlterTableStmt: return "AlterTableStmt";
    case NodeType::kBeginStmt: return "BeginStmt";
    case NodeType::kCommitStmt: return "CommitStmt";
    case NodeType::kRollbackStmt: return "RollbackStmt";
    case NodeType::kSavepointStmt: return "SavepointStmt";
    case NodeType::kReleaseStmt: return "ReleaseStmt";
    case NodeType::kPragmaStmt: return "PragmaStmt";
    case NodeType::kAnalyzeStmt: return "AnalyzeStmt";
    case NodeType::kReindexStmt: return "ReindexStmt";
    case NodeType::kVacuumStmt: return "VacuumStmt";
    case NodeType::kAttachStmt: return "AttachStmt";
    case NodeType::kDetachStmt: return "DetachStmt";
    case NodeType::kExplainStmt: return "ExplainStmt";
    case NodeType::kCreateBranchStmt: return "CreateBranchStmt";
    case NodeType::kCheckoutBranchStmt: return "CheckoutBranchStmt";
    case NodeType::kMergeBranchStmt: return "MergeBranchStmt";
    case NodeType::kDropBranchStmt: return "DropBranchStmt";
    case NodeType::kCreateProcedureStmt: return "CreateProcedureStmt";
    case NodeType::kCallStmt: return "CallStmt";
  }
  return "Node";
}

std::string QuoteIdentifier(const Identifier& id) {
  if (id.quote != '"' && IsPlainIdentifier(id.name) &&
      LookupKeyword(id.name) == Keyword::kNone) {
    return id.name;
  }
  return DoubleQuote(id.name);
}

std::string QuoteString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  out.push_back('\'');
  return out;
}

std::string ToSql(const Node& node) {
  Printer p;
  p.Node(node);
  return std::move(p.out);
}

}  // namespace dosql::parser
