#include "dosql/parser/parser.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

#include "dosql/parser/token.h"

namespace dosql::parser {
namespace {

// Binary operator precedence, lowest first (SQLite's lang_expr.html / parse.y %left lines).
enum Prec : int {
  kPrecNone = 0,
  kPrecOr = 1,
  kPrecAnd = 2,
  kPrecNot = 3,
  kPrecEquality = 4,  // = == != <> IS IS NOT IN LIKE GLOB MATCH REGEXP BETWEEN ISNULL NOTNULL
  kPrecCompare = 5,   // < <= > >=
  kPrecEscape = 6,
  kPrecBitwise = 7,   // & | << >>
  kPrecAdd = 8,       // + -
  kPrecMultiply = 9,  // * / %
  kPrecConcat = 10,   // || -> ->>
  kPrecCollate = 11,
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}

std::string ToUpperAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return out;
}

class Parser {
 public:
  Parser(std::string_view sql, SyntaxErrorInfo* info) : sql_(sql), tokenizer_(sql), info_(info) {}

  // Parses the next statement. Returns false on error. Sets *stmt to null when the input is
  // exhausted (only semicolons/whitespace were left). Consumes the terminating ';'.
  bool NextStatement(std::unique_ptr<Statement>* stmt, uint32_t* tail);
  bool ParseStandaloneExpression(ExprPtr* out);

  const Status& status() const { return status_; }
  int parameter_count() const { return nvar_; }
  std::vector<std::string> TakeParameterNames() { return std::move(param_names_); }
  void ResetParameters() {
    nvar_ = 0;
    param_names_.clear();
    named_params_.clear();
  }

 private:
  // ----- token access -----
  const Token& Peek(int k = 0) {
    while (count_ <= k) {
      buf_[(head_ + count_) % kLookahead] = tokenizer_.Next();
      ++count_;
    }
    return buf_[(head_ + k) % kLookahead];
  }
  Token Take() {
    Peek(0);
    Token t = buf_[head_];
    if (t.type != TokenType::kEof) {
      head_ = (head_ + 1) % kLookahead;
      --count_;
      prev_end_ = t.end();
      prev_type_ = t.type;
    }
    return t;
  }
  bool PeekIs(TokenType t, int k = 0) { return Peek(k).type == t; }
  bool PeekIs(Keyword kw, int k = 0) { return Peek(k).Is(kw); }
  bool Accept(TokenType t) {
    if (!PeekIs(t)) return false;
    Take();
    return true;
  }
  bool Accept(Keyword kw) {
    if (!PeekIs(kw)) return false;
    Take();
    return true;
  }
  [[nodiscard]] bool Expect(TokenType t) {
    if (Accept(t)) return true;
    return Fail(std::string(TokenTypeName(t)));
  }
  [[nodiscard]] bool Expect(Keyword kw) {
    if (Accept(kw)) return true;
    return Fail(std::string(KeywordText(kw)));
  }
  std::string_view Text(const Token& t) const { return t.Text(sql_); }
  bool PeekWord(std::string_view word, int k = 0) {
    const Token& t = Peek(k);
    return t.type == TokenType::kIdentifier && t.quote == 0 && EqualsIgnoreCase(Text(t), word);
  }

  // ----- token classes (SQLite's id / nm / ids) -----
  static bool IsId(const Token& t) {
    if (t.type == TokenType::kIdentifier) return true;
    return t.type == TokenType::kKeyword &&
           (IsFallbackKeyword(t.keyword) || t.keyword == Keyword::kIndexed);
  }
  static bool IsNm(const Token& t) {
    return IsId(t) || t.type == TokenType::kString ||
           (t.type == TokenType::kKeyword && IsJoinKeyword(t.keyword));
  }
  static bool IsIds(const Token& t) {
    if (t.type == TokenType::kIdentifier || t.type == TokenType::kString) return true;
    return t.type == TokenType::kKeyword && IsFallbackKeyword(t.keyword);
  }
  // SQLite's tokenizer: WINDOW is a keyword only when followed by an identifier and AS.
  bool PeekWindowClause() {
    if (!PeekIs(Keyword::kWindow)) return false;
    const Token& n = Peek(1);
    bool id = n.type == TokenType::kIdentifier ||
              (n.type == TokenType::kKeyword && IsFallbackKeyword(n.keyword));
    return id && PeekIs(Keyword::kAs, 2);
  }
  bool PeekSystemTime() { return PeekIs(Keyword::kFor) && PeekWord("SYSTEM_TIME", 1); }

  Identifier MakeIdentifier(const Token& t) {
    Identifier id;
    std::string_view text = Text(t);
    if (t.type == TokenType::kString) {
      id.name = DecodeStringLiteral(text);
      id.quote = '\'';
    } else if (t.type == TokenType::kIdentifier && t.quote != 0) {
      id.name = DecodeIdentifier(text);
      id.quote = t.quote;
    } else {
      id.name.assign(text.data(), text.size());
    }
    id.span = SpanOf(t);
    return id;
  }
  SourceSpan SpanOf(const Token& t) const {
    return SourceSpan{t.offset, t.end(), t.line, t.column};
  }
  SourceSpan StartSpan() {
    const Token& t = Peek();
    return SourceSpan{t.offset, t.offset, t.line, t.column};
  }
  void EndSpan(SourceSpan* s) const { s->end = std::max(prev_end_, s->offset); }

  // ----- errors -----
  static std::string Abbreviate(std::string_view text) {
    if (text.size() <= 64) return std::string(text);
    return std::string(text.substr(0, 60)) + "...";
  }
  std::string Position(const Token& t) const {
    return " at line " + std::to_string(t.line) + ", column " + std::to_string(t.column);
  }
  bool SetError(const Token& t, std::string message) {
    if (!status_.ok()) return false;
    status_ = Status::SyntaxError(message);
    if (info_ != nullptr) {
      info_->offset = t.offset;
      info_->line = t.line;
      info_->column = t.column;
      info_->token = std::string(Text(t));
      info_->message = std::move(message);
    }
    return false;
  }
  // Syntax error at the current token: what was expected there.
  bool Fail(std::string_view expected) { return FailAt(Peek(), expected); }
  bool FailAt(const Token& t, std::string_view expected) {
    std::string msg;
    if (t.type == TokenType::kIllegal) {
      msg = "unrecognized token: \"" + Abbreviate(Text(t)) + "\"" + Position(t) + ": " +
            std::string(IllegalReasonText(t.illegal));
    } else if (t.type == TokenType::kEof) {
      msg = "incomplete input" + Position(t);
      if (!expected.empty()) msg += ": expected " + std::string(expected);
    } else {
      msg = "near \"" + Abbreviate(Text(t)) + "\": syntax error" + Position(t);
      if (!expected.empty()) msg += ": expected " + std::string(expected);
    }
    return SetError(t, std::move(msg));
  }
  // A semantic error detected by the parser, reported at token t.
  bool ErrorAt(const Token& t, std::string message) {
    if (t.type == TokenType::kIllegal) return FailAt(t, "");
    return SetError(t, message + Position(t));
  }

  // ----- nesting -----
  // Counts nesting against kMaxNestingDepth. A nested SELECT or parenthesized join costs
  // kSelectWeight levels because its frames are larger; this bounds the worst-case stack use
  // to about 1 MiB in optimized builds.
  static constexpr int kSelectWeight = 4;
  class DepthGuard {
   public:
    explicit DepthGuard(Parser* p, int weight = 1) : p_(p), weight_(weight) {
      p_->depth_ += weight_;
    }
    ~DepthGuard() { p_->depth_ -= weight_; }
    bool ok() {
      if (p_->depth_ <= kMaxNestingDepth) return true;
      return p_->ErrorAt(p_->Peek(), "expression nested too deeply");
    }

   private:
    Parser* p_;
    int weight_;
  };
  bool CheckHeight(Expr* e, const Token& at) {
    if (e->height > kMaxExprHeight) {
      return ErrorAt(at, "expression tree is too large (maximum depth " +
                             std::to_string(kMaxExprHeight) + ")");
    }
    return true;
  }
  static int H(const ExprPtr& e) { return e ? e->height : 0; }
  static int H(const ExprList& list) {
    int h = 0;
    for (const auto& e : list) h = std::max(h, H(e));
    return h;
  }

  // ----- statements -----
  std::unique_ptr<Statement> ParseStatement();
  std::unique_ptr<Statement> ParseCommand();
  std::unique_ptr<Statement> ParseWithStatement();
  std::unique_ptr<SelectStmt> ParseSelect();
  std::unique_ptr<SelectStmt> ParseSelectBody(std::unique_ptr<WithClause> with);
  std::unique_ptr<SelectCore> ParseSelectCore();
  std::unique_ptr<WithClause> ParseWith();
  bool ParseResultColumns(std::vector<ResultColumn>* out);
  std::unique_ptr<JoinClause> ParseFrom();
  TableRefPtr ParseTableOrSubquery();
  bool ParseJoinOperator(JoinItem* item);
  bool ParseAlias(std::optional<Identifier>* alias);
  bool ParseTemporal(std::optional<TemporalClause>* out);
  bool ParseTemporalPoint(TemporalPoint* out);
  bool ParseOptions(std::vector<OptionItem>* out);
  bool ParseOrderBy(std::vector<OrderingTerm>* out);
  bool ParseSortList(std::vector<OrderingTerm>* out);
  bool ParseLimit(ExprPtr* limit, ExprPtr* offset);
  std::unique_ptr<WindowDef> ParseWindowBody();
  bool ParseFrameBound(FrameBound* b, bool is_start);
  std::unique_ptr<Statement> ParseInsert(std::unique_ptr<WithClause> with, bool in_trigger);
  std::unique_ptr<Statement> ParseUpdate(std::unique_ptr<WithClause> with, bool in_trigger);
  std::unique_ptr<Statement> ParseDelete(std::unique_ptr<WithClause> with, bool in_trigger);
  bool ParseTargetTable(QualifiedTableName* t, bool in_trigger, bool allow_alias);
  bool ParseSetList(std::vector<SetClause>* out);
  bool ParseReturning(std::vector<ResultColumn>* out);
  bool ParseUpsert(std::vector<UpsertClause>* out);
  bool ParseConflictAction(ConflictAction* out);
  std::unique_ptr<Statement> ParseCreate();
  std::unique_ptr<Statement> ParseCreateTable(bool temp, const SourceSpan& start);
  std::unique_ptr<ColumnDef> ParseColumnDef();
  bool ParseColumnConstraints(ColumnDef* col);
  bool ParseDefaultValue(ExprPtr* out);
  bool ParseForeignKeyClause(ForeignKeyClause* fk);
  bool ParseDeferrable(ForeignKeyClause* fk);
  bool ParseTableConstraint(TableConstraint* c);
  bool ParseOnConflict(ConflictAction* out);
  bool ParseTypeName(std::optional<TypeName>* out, bool column_def);
  bool ParseSignedNumber(std::string* out);
  std::unique_ptr<Statement> ParseCreateIndex(bool unique);
  std::unique_ptr<Statement> ParseCreateView(bool temp);
  std::unique_ptr<Statement> ParseCreateTrigger(bool temp);
  std::unique_ptr<Statement> ParseCreateVirtualTable();
  std::unique_ptr<Statement> ParseCreateBranch();
  std::unique_ptr<Statement> ParseCreateProcedure(bool or_replace);
  std::unique_ptr<Statement> ParseDrop();
  std::unique_ptr<Statement> ParseAlter();
  std::unique_ptr<Statement> ParseBegin();
  std::unique_ptr<Statement> ParseRollback();
  std::unique_ptr<Statement> ParsePragma();
  std::unique_ptr<Statement> ParseAttach();

  bool ParseName(Identifier* out, std::string_view what);
  bool ParseQualifiedName(QualifiedName* out, std::string_view what);
  bool ParseIfNotExists(bool* out);
  bool ParseIfExists(bool* out);
  bool ParseIdList(std::vector<Identifier>* out);
  bool ParseEidList(std::vector<Identifier>* out);
  void SkipTransactionName();

  // ----- expressions -----
  ExprPtr ParseExpr() { return ParseBinary(kPrecOr); }
  ExprPtr ParseBinary(int min_prec);
  ExprPtr ParseUnary();
  ExprPtr ParsePrimary();
  ExprPtr ParseNumber(const Token& t);
  ExprPtr ParseParameter(const Token& t);
  ExprPtr ParseColumnOrFunction();
  ExprPtr ParseFunctionCall(const Token& name_tok);
  ExprPtr ParseCase();
  ExprPtr ParseCast();
  ExprPtr ParseRaise();
  ExprPtr ParseParenthesized();
  ExprPtr ParseInRhs(ExprPtr lhs, bool negated, const Token& op_tok);
  bool ParseExprList(ExprList* out);

  template <typename T>
  std::unique_ptr<T> NewNode(const SourceSpan& start) {
    auto n = std::make_unique<T>();
    n->span = start;
    return n;
  }

  static constexpr int kLookahead = 8;

  std::string_view sql_;
  Tokenizer tokenizer_;
  SyntaxErrorInfo* info_;
  Status status_;
  Token buf_[kLookahead];
  int head_ = 0;
  int count_ = 0;
  uint32_t prev_end_ = 0;
  TokenType prev_type_ = TokenType::kEof;
  int depth_ = 0;
  // Parameters.
  int nvar_ = 0;
  std::vector<std::string> param_names_;
  std::unordered_map<std::string, int> named_params_;
};

// =============================================================================================
// Statements
// =============================================================================================

bool Parser::NextStatement(std::unique_ptr<Statement>* stmt, uint32_t* tail) {
  while (Accept(TokenType::kSemicolon)) {
  }
  if (PeekIs(TokenType::kEof)) {
    stmt->reset();
    *tail = static_cast<uint32_t>(sql_.size());
    return true;
  }
  std::unique_ptr<Statement> s = ParseStatement();
  if (!s) return false;
  if (!PeekIs(TokenType::kSemicolon) && !PeekIs(TokenType::kEof)) {
    return Fail("\";\" or end of input");
  }
  if (PeekIs(TokenType::kSemicolon)) {
    *tail = Take().end();
  } else {
    *tail = static_cast<uint32_t>(sql_.size());
  }
  *stmt = std::move(s);
  return true;
}

bool Parser::ParseStandaloneExpression(ExprPtr* out) {
  ExprPtr e = ParseExpr();
  if (!e) return false;
  if (!PeekIs(TokenType::kEof)) return Fail("end of expression");
  *out = std::move(e);
  return true;
}

std::unique_ptr<Statement> Parser::ParseStatement() {
  if (PeekIs(Keyword::kExplain)) {
    SourceSpan start = StartSpan();
    Take();
    auto ex = NewNode<ExplainStmt>(start);
    if (PeekIs(Keyword::kQuery)) {
      Take();
      if (!Expect(Keyword::kPlan)) return nullptr;
      ex->query_plan = true;
    }
    ex->statement = ParseCommand();
    if (!ex->statement) return nullptr;
    EndSpan(&ex->span);
    return ex;
  }
  return ParseCommand();
}

std::unique_ptr<Statement> Parser::ParseCommand() {
  const Token& t = Peek();
  if (t.type == TokenType::kKeyword) {
    switch (t.keyword) {
      case Keyword::kSelect:
      case Keyword::kValues:
        return ParseSelect();
      case Keyword::kWith:
        return ParseWithStatement();
      case Keyword::kInsert:
      case Keyword::kReplace:
        return ParseInsert(nullptr, false);
      case Keyword::kUpdate:
        return ParseUpdate(nullptr, false);
      case Keyword::kDelete:
        return ParseDelete(nullptr, false);
      case Keyword::kCreate:
        return ParseCreate();
      case Keyword::kDrop:
        return ParseDrop();
      case Keyword::kAlter:
        return ParseAlter();
      case Keyword::kBegin:
        return ParseBegin();
      case Keyword::kCommit:
      case Keyword::kEnd: {
        SourceSpan start = StartSpan();
        auto s = NewNode<CommitStmt>(start);
        s->end_keyword = Take().keyword == Keyword::kEnd;
        SkipTransactionName();
        EndSpan(&s->span);
        return s;
      }
      case Keyword::kRollback:
        return ParseRollback();
      case Keyword::kSavepoint: {
        SourceSpan start = StartSpan();
        Take();
        auto s = NewNode<SavepointStmt>(start);
        if (!ParseName(&s->name, "a savepoint name")) return nullptr;
        EndSpan(&s->span);
        return s;
      }
      case Keyword::kRelease: {
        SourceSpan start = StartSpan();
        Take();
        auto s = NewNode<ReleaseStmt>(start);
        Accept(Keyword::kSavepoint);
        if (!ParseName(&s->name, "a savepoint name")) return nullptr;
        EndSpan(&s->span);
        return s;
      }
      case Keyword::kPragma:
        return ParsePragma();
      case Keyword::kAnalyze:
      case Keyword::kReindex: {
        SourceSpan start = StartSpan();
        bool analyze = Take().keyword == Keyword::kAnalyze;
        std::optional<QualifiedName> target;
        if (IsNm(Peek())) {
          target.emplace();
          if (!ParseQualifiedName(&*target, "a name")) return nullptr;
        }
        if (analyze) {
          auto s = NewNode<AnalyzeStmt>(start);
          s->target = std::move(target);
          EndSpan(&s->span);
          return s;
        }
        auto s = NewNode<ReindexStmt>(start);
        s->target = std::move(target);
        EndSpan(&s->span);
        return s;
      }
      case Keyword::kVacuum: {
        SourceSpan start = StartSpan();
        Take();
        auto s = NewNode<VacuumStmt>(start);
        if (IsNm(Peek())) s->schema = MakeIdentifier(Take());
        if (Accept(Keyword::kInto)) {
          s->into = ParseExpr();
          if (!s->into) return nullptr;
        }
        EndSpan(&s->span);
        return s;
      }
      case Keyword::kAttach:
        return ParseAttach();
      case Keyword::kDetach: {
        SourceSpan start = StartSpan();
        Take();
        Accept(Keyword::kDatabase);
        auto s = NewNode<DetachStmt>(start);
        s->schema_name = ParseExpr();
        if (!s->schema_name) return nullptr;
        EndSpan(&s->span);
        return s;
      }
      default:
        break;
    }
  } else if (t.type == TokenType::kIdentifier && t.quote == 0) {
    SourceSpan start = StartSpan();
    if (PeekWord("CHECKOUT") && PeekWord("BRANCH", 1)) {
      Take();
      Take();
      auto s = NewNode<CheckoutBranchStmt>(start);
      if (!ParseName(&s->name, "a branch name")) return nullptr;
      EndSpan(&s->span);
      return s;
    }
    if (PeekWord("MERGE") && PeekWord("BRANCH", 1)) {
      Take();
      Take();
      auto s = NewNode<MergeBranchStmt>(start);
      if (!ParseName(&s->source, "a branch name")) return nullptr;
      if (!Expect(Keyword::kInto)) return nullptr;
      if (!ParseName(&s->target, "a branch name")) return nullptr;
      EndSpan(&s->span);
      return s;
    }
    if (PeekWord("CALL")) {
      Take();
      auto s = NewNode<CallStmt>(start);
      if (!ParseQualifiedName(&s->name, "a procedure name")) return nullptr;
      if (!Expect(TokenType::kLeftParen)) return nullptr;
      if (!PeekIs(TokenType::kRightParen) && !ParseExprList(&s->args)) return nullptr;
      if (!Expect(TokenType::kRightParen)) return nullptr;
      EndSpan(&s->span);
      return s;
    }
  }
  Fail("a statement");
  return nullptr;
}

std::unique_ptr<Statement> Parser::ParseWithStatement() {
  SourceSpan start = StartSpan();
  std::unique_ptr<WithClause> with = ParseWith();
  if (!with) return nullptr;
  std::unique_ptr<Statement> s;
  const Token& t = Peek();
  if (t.Is(Keyword::kSelect) || t.Is(Keyword::kValues)) {
    auto sel = ParseSelectBody(std::move(with));
    if (sel) sel->span = start;
    s = std::move(sel);
  } else if (t.Is(Keyword::kInsert) || t.Is(Keyword::kReplace)) {
    s = ParseInsert(std::move(with), false);
  } else if (t.Is(Keyword::kUpdate)) {
    s = ParseUpdate(std::move(with), false);
  } else if (t.Is(Keyword::kDelete)) {
    s = ParseDelete(std::move(with), false);
  } else {
    Fail("SELECT, VALUES, INSERT, REPLACE, UPDATE or DELETE");
    return nullptr;
  }
  if (!s) return nullptr;
  s->span.offset = start.offset;
  s->span.line = start.line;
  s->span.column = start.column;
  EndSpan(&s->span);
  return s;
}

std::unique_ptr<WithClause> Parser::ParseWith() {
  auto with = std::make_unique<WithClause>();
  with->span = StartSpan();
  if (!Expect(Keyword::kWith)) return nullptr;
  with->recursive = Accept(Keyword::kRecursive);
  do {
    CommonTableExpr cte;
    cte.span = StartSpan();
    if (!ParseName(&cte.name, "a common table expression name")) return nullptr;
    if (PeekIs(TokenType::kLeftParen) && !ParseEidList(&cte.columns)) return nullptr;
    if (!Expect(Keyword::kAs)) return nullptr;
    if (PeekIs(Keyword::kMaterialized)) {
      Take();
      cte.materialized = CommonTableExpr::Materialized::kMaterialized;
    } else if (PeekIs(Keyword::kNot) && PeekIs(Keyword::kMaterialized, 1)) {
      Take();
      Take();
      cte.materialized = CommonTableExpr::Materialized::kNotMaterialized;
    }
    if (!Expect(TokenType::kLeftParen)) return nullptr;
    cte.select = ParseSelect();
    if (!cte.select) return nullptr;
    if (!Expect(TokenType::kRightParen)) return nullptr;
    EndSpan(&cte.span);
    with->ctes.push_back(std::move(cte));
  } while (Accept(TokenType::kComma));
  EndSpan(&with->span);
  return with;
}

std::unique_ptr<SelectStmt> Parser::ParseSelect() {
  DepthGuard guard(this, kSelectWeight);
  if (!guard.ok()) return nullptr;
  SourceSpan start = StartSpan();
  std::unique_ptr<WithClause> with;
  if (PeekIs(Keyword::kWith)) {
    with = ParseWith();
    if (!with) return nullptr;
  }
  auto s = ParseSelectBody(std::move(with));
  if (!s) return nullptr;
  s->span = start;
  EndSpan(&s->span);
  return s;
}

std::unique_ptr<SelectStmt> Parser::ParseSelectBody(std::unique_ptr<WithClause> with) {
  auto s = NewNode<SelectStmt>(StartSpan());
  s->with = std::move(with);
  for (;;) {
    auto core = ParseSelectCore();
    if (!core) return nullptr;
    s->cores.push_back(std::move(core));
    const Token& t = Peek();
    CompoundOp op;
    if (t.Is(Keyword::kUnion)) {
      Take();
      op = Accept(Keyword::kAll) ? CompoundOp::kUnionAll : CompoundOp::kUnion;
    } else if (t.Is(Keyword::kIntersect)) {
      Take();
      op = CompoundOp::kIntersect;
    } else if (t.Is(Keyword::kExcept)) {
      Take();
      op = CompoundOp::kExcept;
    } else {
      break;
    }
    s->ops.push_back(op);
  }
  // SQLite's grammar attaches ORDER BY and LIMIT to a SELECT core, never to VALUES.
  bool last_is_select = s->cores.back()->kind == SelectCore::Kind::kSelect;
  bool has_order = false;
  if (last_is_select && PeekIs(Keyword::kOrder)) {
    has_order = true;
    if (!ParseOrderBy(&s->order_by)) return nullptr;
  }
  bool has_limit = false;
  if (last_is_select && PeekIs(Keyword::kLimit)) {
    has_limit = true;
    if (!ParseLimit(&s->limit, &s->offset)) return nullptr;
  }
  const Token& t = Peek();
  if ((has_order || has_limit) &&
      (t.Is(Keyword::kUnion) || t.Is(Keyword::kIntersect) || t.Is(Keyword::kExcept))) {
    std::string op = ToUpperAscii(Text(t));
    if (t.Is(Keyword::kUnion) && PeekIs(Keyword::kAll, 1)) op = "UNION ALL";
    ErrorAt(t, std::string(has_order ? "ORDER BY" : "LIMIT") + " clause should come after " +
                   op + " not before");
    return nullptr;
  }
  EndSpan(&s->span);
  return s;
}

std::unique_ptr<SelectCore> Parser::ParseSelectCore() {
  auto core = NewNode<SelectCore>(StartSpan());
  if (Accept(Keyword::kValues)) {
    core->kind = SelectCore::Kind::kValues;
    do {
      const Token& row_start = Peek();
      if (!Expect(TokenType::kLeftParen)) return nullptr;
      ExprList row;
      if (!ParseExprList(&row)) return nullptr;
      if (!Expect(TokenType::kRightParen)) return nullptr;
      if (!core->rows.empty() && row.size() != core->rows.front().size()) {
        ErrorAt(row_start, "all VALUES must have the same number of terms");
        return nullptr;
      }
      core->rows.push_back(std::move(row));
    } while (Accept(TokenType::kComma));
    EndSpan(&core->span);
    return core;
  }
  if (!Expect(Keyword::kSelect)) return nullptr;
  if (Accept(Keyword::kDistinct)) {
    core->quantifier = SelectCore::Quantifier::kDistinct;
  } else if (Accept(Keyword::kAll)) {
    core->quantifier = SelectCore::Quantifier::kAll;
  }
  if (!ParseResultColumns(&core->columns)) return nullptr;
  if (Accept(Keyword::kFrom)) {
    core->from = ParseFrom();
    if (!core->from) return nullptr;
  }
  if (Accept(Keyword::kWhere)) {
    core->where = ParseExpr();
    if (!core->where) return nullptr;
  }
  if (PeekIs(Keyword::kGroup)) {
    Take();
    if (!Expect(Keyword::kBy)) return nullptr;
    if (!ParseExprList(&core->group_by)) return nullptr;
  }
  if (Accept(Keyword::kHaving)) {
    core->having = ParseExpr();
    if (!core->having) return nullptr;
  }
  if (PeekWindowClause()) {
    Take();
    do {
      SourceSpan ws = StartSpan();
      Identifier name;
      if (!ParseName(&name, "a window name")) return nullptr;
      if (!Expect(Keyword::kAs)) return nullptr;
      if (!Expect(TokenType::kLeftParen)) return nullptr;
      auto w = ParseWindowBody();
      if (!w) return nullptr;
      if (!Expect(TokenType::kRightParen)) return nullptr;
      w->name = std::move(name);
      w->span = ws;
      EndSpan(&w->span);
      core->windows.push_back(std::move(w));
    } while (Accept(TokenType::kComma));
  }
  EndSpan(&core->span);
  return core;
}

bool Parser::ParseResultColumns(std::vector<ResultColumn>* out) {
  do {
    ResultColumn rc;
    rc.span = StartSpan();
    if (PeekIs(TokenType::kStar)) {
      Take();
      rc.kind = ResultColumn::Kind::kStar;
    } else if (IsNm(Peek()) && PeekIs(TokenType::kDot, 1) && PeekIs(TokenType::kStar, 2)) {
      rc.kind = ResultColumn::Kind::kTableStar;
      rc.table = MakeIdentifier(Take());
      Take();
      Take();
    } else {
      rc.expr = ParseExpr();
      if (!rc.expr) return false;
      if (Accept(Keyword::kAs)) {
        if (!IsNm(Peek())) return Fail("an alias name");
        rc.alias = MakeIdentifier(Take());
      } else if (IsIds(Peek()) && !PeekWindowClause()) {
        rc.alias = MakeIdentifier(Take());
      }
    }
    EndSpan(&rc.span);
    out->push_back(std::move(rc));
  } while (Accept(TokenType::kComma));
  return true;
}

std::unique_ptr<JoinClause> Parser::ParseFrom() {
  auto jc = NewNode<JoinClause>(StartSpan());
  jc->first = ParseTableOrSubquery();
  if (!jc->first) return nullptr;
  if (PeekIs(Keyword::kOn) || PeekIs(Keyword::kUsing)) {
    // As in SQLite, even INSERT ... SELECT ... FROM t ON CONFLICT lands here: the upsert needs
    // a WHERE clause in between to be unambiguous.
    ErrorAt(Peek(), std::string("a JOIN clause is required before ") +
                        (PeekIs(Keyword::kOn) ? "ON" : "USING"));
    return nullptr;
  }
  for (;;) {
    const Token& t = Peek();
    bool is_join = t.type == TokenType::kComma || t.Is(Keyword::kJoin) ||
                   (t.type == TokenType::kKeyword && IsJoinKeyword(t.keyword));
    if (!is_join) break;
    JoinItem item;
    item.span = StartSpan();
    if (!ParseJoinOperator(&item)) return nullptr;
    item.table = ParseTableOrSubquery();
    if (!item.table) return nullptr;
    if (PeekIs(Keyword::kOn)) {
      Take();
      item.on = ParseExpr();
      if (!item.on) return nullptr;
    } else if (PeekIs(Keyword::kUsing)) {
      Take();
      item.using_columns.emplace();
      if (!Expect(TokenType::kLeftParen)) return nullptr;
      if (!ParseIdList(&*item.using_columns)) return nullptr;
      if (!Expect(TokenType::kRightParen)) return nullptr;
    }
    EndSpan(&item.span);
    jc->joins.push_back(std::move(item));
  }
  EndSpan(&jc->span);
  return jc;
}

bool Parser::ParseJoinOperator(JoinItem* item) {
  if (Accept(TokenType::kComma)) {
    item->kind = JoinKind::kComma;
    return true;
  }
  if (Accept(Keyword::kJoin)) {
    item->kind = JoinKind::kInner;
    return true;
  }
  const Token first = Take();  // a JOIN_KW
  std::vector<Token> words{first};
  while (words.size() < 3 && IsNm(Peek()) && !PeekIs(Keyword::kJoin)) words.push_back(Take());
  if (!PeekIs(Keyword::kJoin)) return Fail("JOIN");
  Take();
  enum : int { kNatural = 1, kLeft = 2, kOuter = 4, kRight = 8, kInner = 16, kCross = 32,
               kError = 64 };
  int flags = 0;
  std::string all;
  for (const Token& w : words) {
    std::string_view text = Text(w);
    if (!all.empty()) all += ' ';
    all += text;
    if (w.type != TokenType::kKeyword && w.type != TokenType::kIdentifier) {
      flags |= kError;
    } else if (EqualsIgnoreCase(text, "NATURAL")) {
      flags |= kNatural;
    } else if (EqualsIgnoreCase(text, "LEFT")) {
      flags |= kLeft | kOuter;
    } else if (EqualsIgnoreCase(text, "OUTER")) {
      flags |= kOuter;
    } else if (EqualsIgnoreCase(text, "RIGHT")) {
      flags |= kRight | kOuter;
    } else if (EqualsIgnoreCase(text, "FULL")) {
      flags |= kLeft | kRight | kOuter;
    } else if (EqualsIgnoreCase(text, "INNER")) {
      flags |= kInner;
    } else if (EqualsIgnoreCase(text, "CROSS")) {
      flags |= kInner | kCross;
    } else {
      flags |= kError;
    }
  }
  if ((flags & (kInner | kOuter)) == (kInner | kOuter) || (flags & kError) != 0 ||
      (flags & (kOuter | kLeft | kRight)) == kOuter) {
    return ErrorAt(first, "unknown join type: " + all);
  }
  item->natural = (flags & kNatural) != 0;
  if ((flags & (kLeft | kRight)) == (kLeft | kRight)) {
    item->kind = JoinKind::kFull;
  } else if (flags & kLeft) {
    item->kind = JoinKind::kLeft;
  } else if (flags & kRight) {
    item->kind = JoinKind::kRight;
  } else if (flags & kCross) {
    item->kind = JoinKind::kCross;
  } else {
    item->kind = JoinKind::kInner;
  }
  return true;
}

bool Parser::ParseAlias(std::optional<Identifier>* alias) {
  if (Accept(Keyword::kAs)) {
    if (!IsNm(Peek())) return Fail("an alias name");
    *alias = MakeIdentifier(Take());
  } else if (IsIds(Peek()) && !PeekWindowClause() && !PeekSystemTime()) {
    *alias = MakeIdentifier(Take());
  }
  return true;
}

TableRefPtr Parser::ParseTableOrSubquery() {
  SourceSpan start = StartSpan();
  const Token& t = Peek();
  if (t.type == TokenType::kLeftParen) {
    const Token& n = Peek(1);
    if (n.Is(Keyword::kSelect) || n.Is(Keyword::kValues) || n.Is(Keyword::kWith)) {
      Take();
      auto ref = NewNode<SubqueryRef>(start);
      ref->select = ParseSelect();
      if (!ref->select) return nullptr;
      if (!Expect(TokenType::kRightParen)) return nullptr;
      if (!ParseAlias(&ref->alias)) return nullptr;
      EndSpan(&ref->span);
      return ref;
    }
    DepthGuard guard(this, kSelectWeight);
    if (!guard.ok()) return nullptr;
    Take();
    std::unique_ptr<JoinClause> inner = ParseFrom();
    if (!inner) return nullptr;
    if (!Expect(TokenType::kRightParen)) return nullptr;
    std::optional<Identifier> alias;
    if (!ParseAlias(&alias)) return nullptr;
    if (inner->joins.empty()) {
      TableRefPtr only = std::move(inner->first);
      if (alias) only->alias = std::move(alias);
      return only;
    }
    inner->span = start;
    inner->alias = std::move(alias);
    EndSpan(&inner->span);
    return inner;
  }
  if (t.type == TokenType::kString) {
    std::string_view text = Text(t);
    bool url = text.find("://") != std::string_view::npos ||
               (PeekIs(Keyword::kWith, 1) && PeekIs(TokenType::kLeftParen, 2));
    if (url && !PeekIs(TokenType::kDot, 1)) {
      auto ref = NewNode<UrlTableRef>(start);
      ref->url = DecodeStringLiteral(Text(Take()));
      if (PeekIs(Keyword::kWith) && PeekIs(TokenType::kLeftParen, 1)) {
        Take();
        if (!ParseOptions(&ref->options)) return nullptr;
      }
      if (!ParseAlias(&ref->alias)) return nullptr;
      if (ref->options.empty() && PeekIs(Keyword::kWith) && PeekIs(TokenType::kLeftParen, 1)) {
        Take();
        if (!ParseOptions(&ref->options)) return nullptr;
      }
      EndSpan(&ref->span);
      return ref;
    }
  }
  if (!IsNm(t)) {
    Fail("a table name or subquery");
    return nullptr;
  }
  QualifiedName name;
  if (!ParseQualifiedName(&name, "a table name")) return nullptr;
  if (PeekIs(TokenType::kLeftParen)) {
    Take();
    auto ref = NewNode<TableFunctionRef>(start);
    ref->name = std::move(name);
    if (!PeekIs(TokenType::kRightParen) && !ParseExprList(&ref->args)) return nullptr;
    if (!Expect(TokenType::kRightParen)) return nullptr;
    if (!ParseAlias(&ref->alias)) return nullptr;
    EndSpan(&ref->span);
    return ref;
  }
  auto ref = NewNode<TableName>(start);
  ref->name = std::move(name);
  if (PeekSystemTime() && !ParseTemporal(&ref->temporal)) return nullptr;
  if (!ParseAlias(&ref->alias)) return nullptr;
  if (!ref->temporal && PeekSystemTime() && !ParseTemporal(&ref->temporal)) return nullptr;
  if (PeekIs(Keyword::kIndexed)) {
    Take();
    if (!Expect(Keyword::kBy)) return nullptr;
    ref->indexed = TableName::Indexed::kIndexedBy;
    if (!ParseName(&ref->index_name, "an index name")) return nullptr;
  } else if (PeekIs(Keyword::kNot) && PeekIs(Keyword::kIndexed, 1)) {
    Take();
    Take();
    ref->indexed = TableName::Indexed::kNotIndexed;
  }
  EndSpan(&ref->span);
  return ref;
}

bool Parser::ParseTemporal(std::optional<TemporalClause>* out) {
  TemporalClause tc;
  tc.span = StartSpan();
  Take();  // FOR
  Take();  // SYSTEM_TIME
  if (Accept(Keyword::kAs)) {
    if (!Expect(Keyword::kOf)) return false;
    tc.kind = TemporalClause::Kind::kAsOf;
    if (!ParseTemporalPoint(&tc.start)) return false;
  } else if (Accept(Keyword::kBetween)) {
    tc.kind = TemporalClause::Kind::kBetween;
    if (!ParseTemporalPoint(&tc.start)) return false;
    if (!Expect(Keyword::kAnd)) return false;
    if (!ParseTemporalPoint(&tc.end)) return false;
  } else if (Accept(Keyword::kFrom)) {
    tc.kind = TemporalClause::Kind::kFromTo;
    if (!ParseTemporalPoint(&tc.start)) return false;
    if (!Expect(Keyword::kTo)) return false;
    if (!ParseTemporalPoint(&tc.end)) return false;
  } else {
    return Fail("AS OF, BETWEEN or FROM");
  }
  EndSpan(&tc.span);
  *out = std::move(tc);
  return true;
}

bool Parser::ParseTemporalPoint(TemporalPoint* out) {
  const Token& n = Peek(1);
  bool value_follows = n.type != TokenType::kEof && n.type != TokenType::kSemicolon &&
                       n.type != TokenType::kRightParen && n.type != TokenType::kComma &&
                       !n.Is(Keyword::kAnd) && !n.Is(Keyword::kTo) && !n.Is(Keyword::kAs) &&
                       !n.Is(Keyword::kWhere);
  if (PeekWord("TIMESTAMP") && value_follows) {
    Take();
    out->unit = TemporalPoint::Unit::kTimestamp;
  } else if (PeekWord("LSN") && value_follows) {
    Take();
    out->unit = TemporalPoint::Unit::kLsn;
  }
  out->value = ParseBinary(kPrecCompare);
  return out->value != nullptr;
}

bool Parser::ParseOptions(std::vector<OptionItem>* out) {
  if (!Expect(TokenType::kLeftParen)) return false;
  if (Accept(TokenType::kRightParen)) return true;
  do {
    OptionItem item;
    if (!ParseName(&item.name, "an option name")) return false;
    Accept(TokenType::kEq);
    if (!PeekIs(TokenType::kComma) && !PeekIs(TokenType::kRightParen)) {
      item.value = ParseExpr();
      if (!item.value) return false;
    }
    out->push_back(std::move(item));
  } while (Accept(TokenType::kComma));
  return Expect(TokenType::kRightParen);
}

bool Parser::ParseOrderBy(std::vector<OrderingTerm>* out) {
  Take();  // ORDER
  if (!Expect(Keyword::kBy)) return false;
  return ParseSortList(out);
}

bool Parser::ParseSortList(std::vector<OrderingTerm>* out) {
  do {
    OrderingTerm term;
    term.expr = ParseExpr();
    if (!term.expr) return false;
    if (Accept(Keyword::kAsc)) {
      term.direction = SortDirection::kAsc;
    } else if (Accept(Keyword::kDesc)) {
      term.direction = SortDirection::kDesc;
    }
    if (PeekIs(Keyword::kNulls)) {
      Take();
      if (Accept(Keyword::kFirst)) {
        term.nulls = NullsOrder::kFirst;
      } else if (Accept(Keyword::kLast)) {
        term.nulls = NullsOrder::kLast;
      } else {
        return Fail("FIRST or LAST");
      }
    }
    out->push_back(std::move(term));
  } while (Accept(TokenType::kComma));
  return true;
}

bool Parser::ParseLimit(ExprPtr* limit, ExprPtr* offset) {
  Take();  // LIMIT
  ExprPtr first = ParseExpr();
  if (!first) return false;
  if (Accept(Keyword::kOffset)) {
    *offset = ParseExpr();
    if (!*offset) return false;
    *limit = std::move(first);
  } else if (Accept(TokenType::kComma)) {
    *limit = ParseExpr();
    if (!*limit) return false;
    *offset = std::move(first);
  } else {
    *limit = std::move(first);
  }
  return true;
}

std::unique_ptr<WindowDef> Parser::ParseWindowBody() {
  auto w = NewNode<WindowDef>(StartSpan());
  const Token& t = Peek();
  if (IsNm(t) && !t.Is(Keyword::kPartition) && !t.Is(Keyword::kRows) &&
      !t.Is(Keyword::kRange) && !t.Is(Keyword::kGroups)) {
    w->base_name = MakeIdentifier(Take());
  }
  if (PeekIs(Keyword::kPartition)) {
    Take();
    if (!Expect(Keyword::kBy)) return nullptr;
    if (!ParseExprList(&w->partition_by)) return nullptr;
  }
  if (PeekIs(Keyword::kOrder) && !ParseOrderBy(&w->order_by)) return nullptr;
  const Token& f = Peek();
  if (f.Is(Keyword::kRows) || f.Is(Keyword::kRange) || f.Is(Keyword::kGroups)) {
    FrameSpec frame;
    frame.unit = f.Is(Keyword::kRows)    ? FrameUnit::kRows
                 : f.Is(Keyword::kRange) ? FrameUnit::kRange
                                         : FrameUnit::kGroups;
    Take();
    if (Accept(Keyword::kBetween)) {
      frame.has_between = true;
      if (!ParseFrameBound(&frame.start, true)) return nullptr;
      if (!Expect(Keyword::kAnd)) return nullptr;
      if (!ParseFrameBound(&frame.end, false)) return nullptr;
    } else {
      if (!ParseFrameBound(&frame.start, true)) return nullptr;
      frame.end.kind = FrameBoundKind::kCurrentRow;
    }
    if (Accept(Keyword::kExclude)) {
      if (Accept(Keyword::kNo)) {
        if (!Expect(Keyword::kOthers)) return nullptr;
        frame.exclude = FrameExclude::kNoOthers;
      } else if (Accept(Keyword::kCurrent)) {
        if (!Expect(Keyword::kRow)) return nullptr;
        frame.exclude = FrameExclude::kCurrentRow;
      } else if (Accept(Keyword::kGroup)) {
        frame.exclude = FrameExclude::kGroup;
      } else if (Accept(Keyword::kTies)) {
        frame.exclude = FrameExclude::kTies;
      } else {
        Fail("NO OTHERS, CURRENT ROW, GROUP or TIES");
        return nullptr;
      }
    }
    w->frame = std::move(frame);
  }
  EndSpan(&w->span);
  return w;
}

bool Parser::ParseFrameBound(FrameBound* b, bool is_start) {
  if (PeekIs(Keyword::kUnbounded)) {
    Take();
    if (is_start) {
      if (!Expect(Keyword::kPreceding)) return false;
      b->kind = FrameBoundKind::kUnboundedPreceding;
    } else {
      if (!Expect(Keyword::kFollowing)) return false;
      b->kind = FrameBoundKind::kUnboundedFollowing;
    }
    return true;
  }
  if (PeekIs(Keyword::kCurrent) && PeekIs(Keyword::kRow, 1)) {
    Take();
    Take();
    b->kind = FrameBoundKind::kCurrentRow;
    return true;
  }
  b->offset = ParseExpr();
  if (!b->offset) return false;
  if (Accept(Keyword::kPreceding)) {
    b->kind = FrameBoundKind::kPreceding;
  } else if (Accept(Keyword::kFollowing)) {
    b->kind = FrameBoundKind::kFollowing;
  } else {
    return Fail("PRECEDING or FOLLOWING");
  }
  return true;
}

// ----- INSERT / UPDATE / DELETE -----

bool Parser::ParseConflictAction(ConflictAction* out) {
  const Token& t = Peek();
  if (t.Is(Keyword::kRollback)) {
    *out = ConflictAction::kRollback;
  } else if (t.Is(Keyword::kAbort)) {
    *out = ConflictAction::kAbort;
  } else if (t.Is(Keyword::kFail)) {
    *out = ConflictAction::kFail;
  } else if (t.Is(Keyword::kIgnore)) {
    *out = ConflictAction::kIgnore;
  } else if (t.Is(Keyword::kReplace)) {
    *out = ConflictAction::kReplace;
  } else {
    return Fail("ROLLBACK, ABORT, FAIL, IGNORE or REPLACE");
  }
  Take();
  return true;
}

bool Parser::ParseOnConflict(ConflictAction* out) {
  if (PeekIs(Keyword::kOn) && PeekIs(Keyword::kConflict, 1)) {
    Take();
    Take();
    return ParseConflictAction(out);
  }
  return true;
}

bool Parser::ParseTargetTable(QualifiedTableName* t, bool in_trigger, bool allow_indexed) {
  const Token first = Peek();
  if (!ParseQualifiedName(&t->name, "a table name")) return false;
  if (in_trigger && t->name.schema) {
    return ErrorAt(first,
                   "qualified table names are not allowed on INSERT, UPDATE, and DELETE "
                   "statements within triggers");
  }
  if (!in_trigger && PeekIs(Keyword::kAs)) {
    Take();
    if (!IsNm(Peek())) return Fail("an alias name");
    t->alias = MakeIdentifier(Take());
  }
  if (!allow_indexed) return true;
  if (PeekIs(Keyword::kIndexed)) {
    const Token at = Take();
    if (in_trigger) {
      return ErrorAt(at,
                     "the INDEXED BY clause is not allowed on UPDATE or DELETE statements "
                     "within triggers");
    }
    if (!Expect(Keyword::kBy)) return false;
    t->indexed = TableName::Indexed::kIndexedBy;
    if (!ParseName(&t->index_name, "an index name")) return false;
  } else if (PeekIs(Keyword::kNot) && PeekIs(Keyword::kIndexed, 1)) {
    const Token at = Take();
    Take();
    if (in_trigger) {
      return ErrorAt(at,
                     "the NOT INDEXED clause is not allowed on UPDATE or DELETE statements "
                     "within triggers");
    }
    t->indexed = TableName::Indexed::kNotIndexed;
  }
  return true;
}

bool Parser::ParseSetList(std::vector<SetClause>* out) {
  do {
    SetClause sc;
    sc.span = StartSpan();
    if (PeekIs(TokenType::kLeftParen)) {
      Take();
      sc.parenthesized = true;
      if (!ParseIdList(&sc.columns)) return false;
      if (!Expect(TokenType::kRightParen)) return false;
    } else {
      Identifier col;
      if (!ParseName(&col, "a column name")) return false;
      sc.columns.push_back(std::move(col));
    }
    if (!Expect(TokenType::kEq)) return false;
    sc.value = ParseExpr();
    if (!sc.value) return false;
    EndSpan(&sc.span);
    out->push_back(std::move(sc));
  } while (Accept(TokenType::kComma));
  return true;
}

bool Parser::ParseReturning(std::vector<ResultColumn>* out) {
  if (!Accept(Keyword::kReturning)) return true;
  return ParseResultColumns(out);
}

bool Parser::ParseUpsert(std::vector<UpsertClause>* out) {
  while (PeekIs(Keyword::kOn) && PeekIs(Keyword::kConflict, 1)) {
    UpsertClause u;
    u.span = StartSpan();
    Take();
    Take();
    bool has_target = false;
    if (PeekIs(TokenType::kLeftParen)) {
      has_target = true;
      Take();
      if (!ParseSortList(&u.target)) return false;
      if (!Expect(TokenType::kRightParen)) return false;
      if (Accept(Keyword::kWhere)) {
        u.target_where = ParseExpr();
        if (!u.target_where) return false;
      }
    }
    if (!Expect(Keyword::kDo)) return false;
    if (Accept(Keyword::kNothing)) {
      u.do_nothing = true;
    } else if (Accept(Keyword::kUpdate)) {
      u.do_nothing = false;
      if (!Expect(Keyword::kSet)) return false;
      if (!ParseSetList(&u.set)) return false;
      if (Accept(Keyword::kWhere)) {
        u.where = ParseExpr();
        if (!u.where) return false;
      }
    } else {
      return Fail("NOTHING or UPDATE");
    }
    EndSpan(&u.span);
    out->push_back(std::move(u));
    if (!has_target) break;  // only the last ON CONFLICT clause may omit the target
  }
  return true;
}

std::unique_ptr<Statement> Parser::ParseInsert(std::unique_ptr<WithClause> with,
                                                bool in_trigger) {
  auto s = NewNode<InsertStmt>(StartSpan());
  s->with = std::move(with);
  if (Accept(Keyword::kReplace)) {
    s->replace = true;
    s->conflict = ConflictAction::kReplace;
  } else {
    Take();  // INSERT
    if (Accept(Keyword::kOr) && !ParseConflictAction(&s->conflict)) return nullptr;
  }
  if (!Expect(Keyword::kInto)) return nullptr;
  QualifiedTableName target;
  if (!ParseTargetTable(&target, in_trigger, false)) return nullptr;
  s->table = std::move(target.name);
  s->alias = std::move(target.alias);
  if (PeekIs(TokenType::kLeftParen)) {
    Take();
    if (!ParseIdList(&s->columns)) return nullptr;
    if (!Expect(TokenType::kRightParen)) return nullptr;
  }
  if (PeekIs(Keyword::kDefault)) {
    Take();
    if (!Expect(Keyword::kValues)) return nullptr;
    s->default_values = true;
  } else {
    const Token& t = Peek();
    if (!t.Is(Keyword::kSelect) && !t.Is(Keyword::kValues) && !t.Is(Keyword::kWith)) {
      Fail("VALUES, SELECT or DEFAULT VALUES");
      return nullptr;
    }
    s->select = ParseSelect();
    if (!s->select) return nullptr;
    if (!ParseUpsert(&s->upserts)) return nullptr;
  }
  if (!ParseReturning(&s->returning)) return nullptr;
  EndSpan(&s->span);
  return s;
}

std::unique_ptr<Statement> Parser::ParseUpdate(std::unique_ptr<WithClause> with,
                                                bool in_trigger) {
  auto s = NewNode<UpdateStmt>(StartSpan());
  s->with = std::move(with);
  Take();  // UPDATE
  if (Accept(Keyword::kOr) && !ParseConflictAction(&s->conflict)) return nullptr;
  if (!ParseTargetTable(&s->table, in_trigger, true)) return nullptr;
  if (!Expect(Keyword::kSet)) return nullptr;
  if (!ParseSetList(&s->set)) return nullptr;
  if (Accept(Keyword::kFrom)) {
    s->from = ParseFrom();
    if (!s->from) return nullptr;
  }
  if (Accept(Keyword::kWhere)) {
    s->where = ParseExpr();
    if (!s->where) return nullptr;
  }
  if (!in_trigger) {
    if (!ParseReturning(&s->returning)) return nullptr;
    if (PeekIs(Keyword::kOrder) && !ParseOrderBy(&s->order_by)) return nullptr;
    if (PeekIs(Keyword::kLimit) && !ParseLimit(&s->limit, &s->offset)) return nullptr;
  }
  EndSpan(&s->span);
  return s;
}

std::unique_ptr<Statement> Parser::ParseDelete(std::unique_ptr<WithClause> with,
                                                bool in_trigger) {
  auto s = NewNode<DeleteStmt>(StartSpan());
  s->with = std::move(with);
  Take();  // DELETE
  if (!Expect(Keyword::kFrom)) return nullptr;
  if (!ParseTargetTable(&s->table, in_trigger, true)) return nullptr;
  if (Accept(Keyword::kWhere)) {
    s->where = ParseExpr();
    if (!s->where) return nullptr;
  }
  if (!in_trigger) {
    if (!ParseReturning(&s->returning)) return nullptr;
    if (PeekIs(Keyword::kOrder) && !ParseOrderBy(&s->order_by)) return nullptr;
    if (PeekIs(Keyword::kLimit) && !ParseLimit(&s->limit, &s->offset)) return nullptr;
  }
  EndSpan(&s->span);
  return s;
}

// ----- CREATE -----

std::unique_ptr<Statement> Parser::ParseCreate() {
  SourceSpan start = StartSpan();
  Take();  // CREATE
  std::unique_ptr<Statement> s;
  if (PeekIs(Keyword::kOr) && PeekIs(Keyword::kReplace, 1) && PeekWord("PROCEDURE", 2)) {
    Take();
    Take();
    Take();
    s = ParseCreateProcedure(true);
  } else if (PeekWord("PROCEDURE")) {
    Take();
    s = ParseCreateProcedure(false);
  } else if (PeekWord("BRANCH")) {
    Take();
    s = ParseCreateBranch();
  } else if (Accept(Keyword::kVirtual)) {
    if (!Expect(Keyword::kTable)) return nullptr;
    s = ParseCreateVirtualTable();
  } else if (Accept(Keyword::kUnique)) {
    if (!Expect(Keyword::kIndex)) return nullptr;
    s = ParseCreateIndex(true);
  } else if (Accept(Keyword::kIndex)) {
    s = ParseCreateIndex(false);
  } else {
    bool temp = Accept(Keyword::kTemp) || Accept(Keyword::kTemporary);
    if (Accept(Keyword::kTable)) {
      s = ParseCreateTable(temp, start);
    } else if (Accept(Keyword::kView)) {
      s = ParseCreateView(temp);
    } else if (Accept(Keyword::kTrigger)) {
      s = ParseCreateTrigger(temp);
    } else {
      Fail(temp ? "TABLE, VIEW or TRIGGER"
                : "TABLE, INDEX, VIEW, TRIGGER, VIRTUAL TABLE, BRANCH or PROCEDURE");
      return nullptr;
    }
  }
  if (!s) return nullptr;
  s->span = start;
  EndSpan(&s->span);
  return s;
}

bool Parser::ParseIfNotExists(bool* out) {
  if (PeekIs(Keyword::kIf)) {
    Take();
    if (!Expect(Keyword::kNot)) return false;
    if (!Expect(Keyword::kExists)) return false;
    *out = true;
  }
  return true;
}

bool Parser::ParseIfExists(bool* out) {
  if (PeekIs(Keyword::kIf) && PeekIs(Keyword::kExists, 1)) {
    Take();
    Take();
    *out = true;
  }
  return true;
}

std::unique_ptr<Statement> Parser::ParseCreateTable(bool temp, const SourceSpan& start) {
  auto s = NewNode<CreateTableStmt>(start);
  s->temporary = temp;
  if (!ParseIfNotExists(&s->if_not_exists)) return nullptr;
  if (!ParseQualifiedName(&s->name, "a table name")) return nullptr;
  if (Accept(Keyword::kAs)) {
    s->as_select = ParseSelect();
    if (!s->as_select) return nullptr;
    return s;
  }
  if (!Expect(TokenType::kLeftParen)) return nullptr;
  bool in_constraints = false;
  for (;;) {
    const Token& t = Peek();
    bool is_constraint = t.Is(Keyword::kConstraint) || t.Is(Keyword::kPrimary) ||
                         t.Is(Keyword::kUnique) || t.Is(Keyword::kCheck) ||
                         t.Is(Keyword::kForeign);
    if (!in_constraints && !is_constraint) {
      auto col = ParseColumnDef();
      if (!col) return nullptr;
      s->columns.push_back(std::move(col));
      if (Accept(TokenType::kComma)) continue;
      break;
    }
    if (s->columns.empty()) {
      Fail("a column definition");
      return nullptr;
    }
    in_constraints = true;
    TableConstraint c;
    if (!ParseTableConstraint(&c)) return nullptr;
    s->constraints.push_back(std::move(c));
    // SQLite allows table constraints separated by spaces only, but no trailing comma.
    if (!Accept(TokenType::kComma) && PeekIs(TokenType::kRightParen)) break;
  }
  if (!Expect(TokenType::kRightParen)) return nullptr;
  // Table options.
  if (PeekIs(Keyword::kWithout) || IsNm(Peek())) {
    do {
      const Token opt = Peek();
      if (Accept(Keyword::kWithout)) {
        const Token n = Peek();
        if (!IsNm(n)) {
          Fail("ROWID");
          return nullptr;
        }
        Take();
        if (!EqualsIgnoreCase(Text(n), "rowid")) {
          ErrorAt(n, "unknown table option: " + std::string(Text(n)));
          return nullptr;
        }
        s->without_rowid = true;
      } else if (IsNm(opt)) {
        Take();
        if (!EqualsIgnoreCase(Text(opt), "strict")) {
          ErrorAt(opt, "unknown table option: " + std::string(Text(opt)));
          return nullptr;
        }
        s->strict = true;
      } else {
        Fail("WITHOUT ROWID or STRICT");
        return nullptr;
      }
    } while (Accept(TokenType::kComma));
  }
  return s;
}

std::unique_ptr<ColumnDef> Parser::ParseColumnDef() {
  auto col = NewNode<ColumnDef>(StartSpan());
  if (!ParseName(&col->name, "a column name")) return nullptr;
  if (!ParseTypeName(&col->type, true)) return nullptr;
  if (!ParseColumnConstraints(col.get())) return nullptr;
  EndSpan(&col->span);
  return col;
}

bool Parser::ParseTypeName(std::optional<TypeName>* out, bool column_def) {
  if (!IsIds(Peek())) return true;
  // Like SQLite: GENERATED starts a column constraint when it is followed by ALWAYS or comes
  // after a type word; as the first word otherwise it is a type name.
  if (column_def && PeekIs(Keyword::kGenerated) && PeekIs(Keyword::kAlways, 1)) return true;
  TypeName tn;
  tn.span = StartSpan();
  while (IsIds(Peek()) && !(column_def && !tn.name.empty() && PeekIs(Keyword::kGenerated))) {
    const Token w = Take();
    std::string word = w.type == TokenType::kString ? DecodeStringLiteral(Text(w))
                                                     : DecodeIdentifier(Text(w));
    if (word.empty()) continue;  // '' or "" adds nothing to the name
    if (!tn.name.empty()) tn.name += ' ';
    tn.name += word;
  }
  if (Accept(TokenType::kLeftParen)) {
    std::string arg;
    if (!ParseSignedNumber(&arg)) return false;
    tn.args.push_back(std::move(arg));
    if (Accept(TokenType::kComma)) {
      if (!ParseSignedNumber(&arg)) return false;
      tn.args.push_back(std::move(arg));
    }
    if (!Expect(TokenType::kRightParen)) return false;
  }
  EndSpan(&tn.span);
  *out = std::move(tn);
  return true;
}

bool Parser::ParseSignedNumber(std::string* out) {
  out->clear();
  if (PeekIs(TokenType::kPlus)) {
    Take();
    *out = "+";
  } else if (PeekIs(TokenType::kMinus)) {
    Take();
    *out = "-";
  }
  const Token& t = Peek();
  if (t.type != TokenType::kInteger && t.type != TokenType::kFloat) return Fail("a number");
  *out += Text(Take());
  return true;
}

bool Parser::ParseDefaultValue(ExprPtr* out) {
  SourceSpan start = StartSpan();
  const Token t = Peek();
  if (t.type == TokenType::kLeftParen) {
    Take();
    *out = ParseExpr();
    if (!*out) return false;
    return Expect(TokenType::kRightParen);
  }
  if (t.type == TokenType::kPlus || t.type == TokenType::kMinus) {
    Take();
    const Token& n = Peek();
    bool term = n.type == TokenType::kInteger || n.type == TokenType::kFloat ||
                n.type == TokenType::kString || n.type == TokenType::kBlob ||
                n.Is(Keyword::kNull) || n.Is(Keyword::kCurrentDate) ||
                n.Is(Keyword::kCurrentTime) || n.Is(Keyword::kCurrentTimestamp);
    if (!term) return Fail("a literal value");
    ExprPtr operand = ParsePrimary();
    if (!operand) return false;
    auto u = NewNode<UnaryExpr>(start);
    u->op = t.type == TokenType::kPlus ? UnaryOp::kPlus : UnaryOp::kNegate;
    u->height = operand->height + 1;
    u->operand = std::move(operand);
    EndSpan(&u->span);
    *out = std::move(u);
    return true;
  }
  switch (t.type) {
    case TokenType::kInteger:
    case TokenType::kFloat:
    case TokenType::kString:
    case TokenType::kBlob:
      *out = ParsePrimary();
      return *out != nullptr;
    default:
      break;
  }
  if (t.Is(Keyword::kNull) || t.Is(Keyword::kCurrentDate) || t.Is(Keyword::kCurrentTime) ||
      t.Is(Keyword::kCurrentTimestamp)) {
    *out = ParsePrimary();
    return *out != nullptr;
  }
  if (IsId(t)) {
    // SQLite: a bare identifier default is a string, or TRUE/FALSE.
    Take();
    auto lit = NewNode<Literal>(start);
    std::string text(Text(t));
    if (t.quote == 0 && EqualsIgnoreCase(text, "true")) {
      lit->kind = LiteralKind::kTrue;
      lit->text = text;
    } else if (t.quote == 0 && EqualsIgnoreCase(text, "false")) {
      lit->kind = LiteralKind::kFalse;
      lit->text = text;
    } else {
      lit->kind = LiteralKind::kString;
      lit->text = DecodeIdentifier(text);
    }
    EndSpan(&lit->span);
    *out = std::move(lit);
    return true;
  }
  return Fail("a default value");
}

bool Parser::ParseForeignKeyClause(ForeignKeyClause* fk) {
  // REFERENCES already consumed.
  if (!ParseName(&fk->table, "a table name")) return false;
  if (PeekIs(TokenType::kLeftParen) && !ParseEidList(&fk->columns)) return false;
  for (;;) {
    if (PeekIs(Keyword::kMatch)) {
      Take();
      Identifier m;
      if (!ParseName(&m, "a MATCH name")) return false;
      fk->match = std::move(m);
      continue;
    }
    if (PeekIs(Keyword::kOn) && !PeekIs(Keyword::kConflict, 1)) {
      Take();
      const Token ev = Peek();
      if (!ev.Is(Keyword::kDelete) && !ev.Is(Keyword::kUpdate) && !ev.Is(Keyword::kInsert)) {
        return Fail("DELETE, UPDATE or INSERT");
      }
      Take();
      ForeignKeyAction action;
      if (PeekIs(Keyword::kSet)) {
        Take();
        if (Accept(Keyword::kNull)) {
          action = ForeignKeyAction::kSetNull;
        } else if (Accept(Keyword::kDefault)) {
          action = ForeignKeyAction::kSetDefault;
        } else {
          return Fail("NULL or DEFAULT");
        }
      } else if (Accept(Keyword::kCascade)) {
        action = ForeignKeyAction::kCascade;
      } else if (Accept(Keyword::kRestrict)) {
        action = ForeignKeyAction::kRestrict;
      } else if (PeekIs(Keyword::kNo)) {
        Take();
        if (!Expect(Keyword::kAction)) return false;
        action = ForeignKeyAction::kNoAction;
      } else {
        return Fail("SET NULL, SET DEFAULT, CASCADE, RESTRICT or NO ACTION");
      }
      if (ev.Is(Keyword::kDelete)) fk->on_delete = action;
      if (ev.Is(Keyword::kUpdate)) fk->on_update = action;
      continue;
    }
    break;
  }
  if (PeekIs(Keyword::kDeferrable) ||
      (PeekIs(Keyword::kNot) && PeekIs(Keyword::kDeferrable, 1))) {
    if (!ParseDeferrable(fk)) return false;
  }
  return true;
}

bool Parser::ParseDeferrable(ForeignKeyClause* fk) {
  if (Accept(Keyword::kNot)) {
    fk->deferrable = ForeignKeyClause::Deferrable::kNotDeferrable;
  } else {
    fk->deferrable = ForeignKeyClause::Deferrable::kDeferrable;
  }
  if (!Expect(Keyword::kDeferrable)) return false;
  if (Accept(Keyword::kInitially)) {
    if (Accept(Keyword::kDeferred)) {
      fk->initially = ForeignKeyClause::Initially::kDeferred;
    } else if (Accept(Keyword::kImmediate)) {
      fk->initially = ForeignKeyClause::Initially::kImmediate;
    } else {
      return Fail("DEFERRED or IMMEDIATE");
    }
  }
  return true;
}

bool Parser::ParseColumnConstraints(ColumnDef* col) {
  std::optional<Identifier> pending_name;
  for (;;) {
    ColumnConstraint c;
    c.span = StartSpan();
    const Token t = Peek();
    if (t.Is(Keyword::kConstraint)) {
      Take();
      Identifier name;
      if (!ParseName(&name, "a constraint name")) return false;
      pending_name = std::move(name);
      continue;
    }
    if (t.Is(Keyword::kDefault)) {
      Take();
      c.kind = ColumnConstraint::Kind::kDefault;
      if (!ParseDefaultValue(&c.expr)) return false;
    } else if (t.Is(Keyword::kNull)) {
      Take();
      c.kind = ColumnConstraint::Kind::kNull;
      if (!ParseOnConflict(&c.conflict)) return false;
    } else if (t.Is(Keyword::kNot) && PeekIs(Keyword::kNull, 1)) {
      Take();
      Take();
      c.kind = ColumnConstraint::Kind::kNotNull;
      if (!ParseOnConflict(&c.conflict)) return false;
    } else if (t.Is(Keyword::kPrimary)) {
      Take();
      if (!Expect(Keyword::kKey)) return false;
      c.kind = ColumnConstraint::Kind::kPrimaryKey;
      if (Accept(Keyword::kAsc)) {
        c.direction = SortDirection::kAsc;
      } else if (Accept(Keyword::kDesc)) {
        c.direction = SortDirection::kDesc;
      }
      if (!ParseOnConflict(&c.conflict)) return false;
      c.autoincrement = Accept(Keyword::kAutoincrement);
    } else if (t.Is(Keyword::kUnique)) {
      Take();
      c.kind = ColumnConstraint::Kind::kUnique;
      if (!ParseOnConflict(&c.conflict)) return false;
    } else if (t.Is(Keyword::kCheck)) {
      Take();
      c.kind = ColumnConstraint::Kind::kCheck;
      if (!Expect(TokenType::kLeftParen)) return false;
      c.expr = ParseExpr();
      if (!c.expr) return false;
      if (!Expect(TokenType::kRightParen)) return false;
    } else if (t.Is(Keyword::kReferences)) {
      Take();
      c.kind = ColumnConstraint::Kind::kReferences;
      c.foreign_key.emplace();
      if (!ParseForeignKeyClause(&*c.foreign_key)) return false;
    } else if (t.Is(Keyword::kDeferrable) ||
               (t.Is(Keyword::kNot) && PeekIs(Keyword::kDeferrable, 1))) {
      // A deferral clause on its own applies to the column's last REFERENCES constraint.
      ForeignKeyClause scratch;
      ForeignKeyClause* target = &scratch;
      for (auto it = col->constraints.rbegin(); it != col->constraints.rend(); ++it) {
        if (it->kind == ColumnConstraint::Kind::kReferences) {
          target = &*it->foreign_key;
          break;
        }
      }
      if (!ParseDeferrable(target)) return false;
      continue;
    } else if (t.Is(Keyword::kCollate)) {
      Take();
      c.kind = ColumnConstraint::Kind::kCollate;
      if (!IsIds(Peek())) return Fail("a collation name");
      c.collation = MakeIdentifier(Take());
    } else if (t.Is(Keyword::kGenerated) || t.Is(Keyword::kAs)) {
      if (t.Is(Keyword::kGenerated)) {
        Take();
        if (!Expect(Keyword::kAlways)) return false;
        if (!Expect(Keyword::kAs)) return false;
        c.generated_always = true;
      } else {
        Take();
      }
      c.kind = ColumnConstraint::Kind::kGenerated;
      if (!Expect(TokenType::kLeftParen)) return false;
      c.expr = ParseExpr();
      if (!c.expr) return false;
      if (!Expect(TokenType::kRightParen)) return false;
      if (PeekIs(TokenType::kIdentifier) || (PeekIs(TokenType::kKeyword) && IsId(Peek()))) {
        const Token k = Take();
        if (EqualsIgnoreCase(Text(k), "STORED")) {
          c.stored = true;
        } else if (EqualsIgnoreCase(Text(k), "VIRTUAL")) {
          c.virtual_written = true;
        } else {
          ErrorAt(k, "error in generated column \"" + col->name.name + "\"");
          return false;
        }
      }
    } else {
      break;
    }
    c.name = std::move(pending_name);
    pending_name.reset();
    EndSpan(&c.span);
    col->constraints.push_back(std::move(c));
  }
  return true;
}

bool Parser::ParseTableConstraint(TableConstraint* c) {
  c->span = StartSpan();
  if (Accept(Keyword::kConstraint)) {
    Identifier name;
    if (!ParseName(&name, "a constraint name")) return false;
    c->name = std::move(name);
  }
  const Token t = Peek();
  if (t.Is(Keyword::kPrimary)) {
    Take();
    if (!Expect(Keyword::kKey)) return false;
    c->kind = TableConstraint::Kind::kPrimaryKey;
    if (!Expect(TokenType::kLeftParen)) return false;
    if (!ParseSortList(&c->columns)) return false;
    c->autoincrement = Accept(Keyword::kAutoincrement);
    if (!Expect(TokenType::kRightParen)) return false;
    if (!ParseOnConflict(&c->conflict)) return false;
  } else if (t.Is(Keyword::kUnique)) {
    Take();
    c->kind = TableConstraint::Kind::kUnique;
    if (!Expect(TokenType::kLeftParen)) return false;
    if (!ParseSortList(&c->columns)) return false;
    if (!Expect(TokenType::kRightParen)) return false;
    if (!ParseOnConflict(&c->conflict)) return false;
  } else if (t.Is(Keyword::kCheck)) {
    Take();
    c->kind = TableConstraint::Kind::kCheck;
    if (!Expect(TokenType::kLeftParen)) return false;
    c->check = ParseExpr();
    if (!c->check) return false;
    if (!Expect(TokenType::kRightParen)) return false;
    if (!ParseOnConflict(&c->conflict)) return false;
  } else if (t.Is(Keyword::kForeign)) {
    Take();
    if (!Expect(Keyword::kKey)) return false;
    c->kind = TableConstraint::Kind::kForeignKey;
    if (!ParseEidList(&c->fk_columns)) return false;
    if (!Expect(Keyword::kReferences)) return false;
    c->foreign_key.emplace();
    if (!ParseForeignKeyClause(&*c->foreign_key)) return false;
  } else {
    return Fail("PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY");
  }
  EndSpan(&c->span);
  return true;
}

std::unique_ptr<Statement> Parser::ParseCreateIndex(bool unique) {
  auto s = NewNode<CreateIndexStmt>(StartSpan());
  s->unique = unique;
  if (!ParseIfNotExists(&s->if_not_exists)) return nullptr;
  if (!ParseQualifiedName(&s->name, "an index name")) return nullptr;
  if (!Expect(Keyword::kOn)) return nullptr;
  if (!ParseName(&s->table, "a table name")) return nullptr;
  if (Accept(Keyword::kUsing)) {
    Identifier method;
    if (!ParseName(&method, "an index method")) return nullptr;
    s->using_method = std::move(method);
  }
  if (!Expect(TokenType::kLeftParen)) return nullptr;
  if (!ParseSortList(&s->columns)) return nullptr;
  if (!Expect(TokenType::kRightParen)) return nullptr;
  if (PeekIs(Keyword::kWith) && PeekIs(TokenType::kLeftParen, 1)) {
    Take();
    if (!ParseOptions(&s->options)) return nullptr;
  }
  if (Accept(Keyword::kWhere)) {
    s->where = ParseExpr();
    if (!s->where) return nullptr;
  }
  return s;
}

std::unique_ptr<Statement> Parser::ParseCreateView(bool temp) {
  auto s = NewNode<CreateViewStmt>(StartSpan());
  s->temporary = temp;
  if (!ParseIfNotExists(&s->if_not_exists)) return nullptr;
  if (!ParseQualifiedName(&s->name, "a view name")) return nullptr;
  if (PeekIs(TokenType::kLeftParen) && !ParseEidList(&s->columns)) return nullptr;
  if (!Expect(Keyword::kAs)) return nullptr;
  s->select = ParseSelect();
  if (!s->select) return nullptr;
  return s;
}

std::unique_ptr<Statement> Parser::ParseCreateTrigger(bool temp) {
  auto s = NewNode<CreateTriggerStmt>(StartSpan());
  s->temporary = temp;
  if (!ParseIfNotExists(&s->if_not_exists)) return nullptr;
  if (!ParseQualifiedName(&s->name, "a trigger name")) return nullptr;
  if (Accept(Keyword::kBefore)) {
    s->timing = CreateTriggerStmt::Timing::kBefore;
  } else if (Accept(Keyword::kAfter)) {
    s->timing = CreateTriggerStmt::Timing::kAfter;
  } else if (PeekIs(Keyword::kInstead)) {
    Take();
    if (!Expect(Keyword::kOf)) return nullptr;
    s->timing = CreateTriggerStmt::Timing::kInsteadOf;
  }
  if (Accept(Keyword::kDelete)) {
    s->event = CreateTriggerStmt::Event::kDelete;
  } else if (Accept(Keyword::kInsert)) {
    s->event = CreateTriggerStmt::Event::kInsert;
  } else if (Accept(Keyword::kUpdate)) {
    s->event = CreateTriggerStmt::Event::kUpdate;
    if (Accept(Keyword::kOf) && !ParseIdList(&s->update_columns)) return nullptr;
  } else {
    Fail("DELETE, INSERT or UPDATE");
    return nullptr;
  }
  if (!Expect(Keyword::kOn)) return nullptr;
  QualifiedName table;
  if (!ParseQualifiedName(&table, "a table name")) return nullptr;
  s->table = std::move(table.name);
  s->table_schema = std::move(table.schema);
  if (PeekIs(Keyword::kFor)) {
    Take();
    if (!Expect(Keyword::kEach)) return nullptr;
    if (!Expect(Keyword::kRow)) return nullptr;
    s->for_each_row = true;
  }
  if (Accept(Keyword::kWhen)) {
    s->when = ParseExpr();
    if (!s->when) return nullptr;
  }
  if (!Expect(Keyword::kBegin)) return nullptr;
  do {
    const Token& t = Peek();
    std::unique_ptr<Statement> step;
    if (t.Is(Keyword::kUpdate)) {
      step = ParseUpdate(nullptr, true);
    } else if (t.Is(Keyword::kInsert) || t.Is(Keyword::kReplace)) {
      step = ParseInsert(nullptr, true);
    } else if (t.Is(Keyword::kDelete)) {
      step = ParseDelete(nullptr, true);
    } else if (t.Is(Keyword::kSelect) || t.Is(Keyword::kValues) || t.Is(Keyword::kWith)) {
      step = ParseSelect();
    } else {
      Fail("INSERT, UPDATE, DELETE or SELECT");
      return nullptr;
    }
    if (!step) return nullptr;
    if (!Expect(TokenType::kSemicolon)) return nullptr;
    s->body.push_back(std::move(step));
  } while (!PeekIs(Keyword::kEnd));
  Take();  // END
  return s;
}

std::unique_ptr<Statement> Parser::ParseCreateVirtualTable() {
  auto s = NewNode<CreateVirtualTableStmt>(StartSpan());
  if (!ParseIfNotExists(&s->if_not_exists)) return nullptr;
  if (!ParseQualifiedName(&s->name, "a table name")) return nullptr;
  if (!Expect(Keyword::kUsing)) return nullptr;
  if (!ParseName(&s->module, "a module name")) return nullptr;
  if (!Accept(TokenType::kLeftParen)) return s;
  s->has_args = true;
  int depth = 0;
  uint32_t arg_start = 0, arg_end = 0;
  bool have = false;
  for (;;) {
    const Token& t = Peek();
    if (t.type == TokenType::kEof || t.type == TokenType::kIllegal) {
      Fail("\")\"");
      return nullptr;
    }
    if (depth == 0 && (t.type == TokenType::kComma || t.type == TokenType::kRightParen)) {
      if (have) s->args.emplace_back(sql_.substr(arg_start, arg_end - arg_start));
      have = false;
      if (Take().type == TokenType::kRightParen) break;
      continue;
    }
    if (t.type == TokenType::kLeftParen) ++depth;
    if (t.type == TokenType::kRightParen) --depth;
    const Token tok = Take();
    if (!have) {
      arg_start = tok.offset;
      have = true;
    }
    arg_end = tok.end();
  }
  return s;
}

std::unique_ptr<Statement> Parser::ParseCreateBranch() {
  auto s = NewNode<CreateBranchStmt>(StartSpan());
  if (!ParseIfNotExists(&s->if_not_exists)) return nullptr;
  if (!ParseName(&s->name, "a branch name")) return nullptr;
  if (Accept(Keyword::kFrom)) {
    Identifier from;
    if (!ParseName(&from, "a branch name")) return nullptr;
    s->from = std::move(from);
  }
  if (PeekIs(Keyword::kAs) && PeekIs(Keyword::kOf, 1)) {
    Take();
    Take();
    TemporalPoint p;
    if (!ParseTemporalPoint(&p)) return nullptr;
    s->as_of = std::move(p);
  }
  return s;
}

std::unique_ptr<Statement> Parser::ParseCreateProcedure(bool or_replace) {
  auto s = NewNode<CreateProcedureStmt>(StartSpan());
  s->or_replace = or_replace;
  if (!ParseQualifiedName(&s->name, "a procedure name")) return nullptr;
  if (!Expect(TokenType::kLeftParen)) return nullptr;
  if (!PeekIs(TokenType::kRightParen)) {
    do {
      ProcedureParam p;
      if (!ParseName(&p.name, "a parameter name")) return nullptr;
      if (!ParseTypeName(&p.type, false)) return nullptr;
      s->params.push_back(std::move(p));
    } while (Accept(TokenType::kComma));
  }
  if (!Expect(TokenType::kRightParen)) return nullptr;
  if (!Expect(Keyword::kAs)) return nullptr;
  if (!ParseName(&s->language, "a procedure language such as MODULE")) return nullptr;
  const Token& b = Peek();
  if (b.type == TokenType::kDollarString) {
    std::string_view text = Text(Take());
    s->body.assign(text.substr(2, text.size() - 4));
  } else if (b.type == TokenType::kString) {
    s->body = DecodeStringLiteral(Text(Take()));
  } else {
    Fail("a $$-quoted procedure body");
    return nullptr;
  }
  return s;
}

// ----- DROP / ALTER / transactions / misc -----

std::unique_ptr<Statement> Parser::ParseDrop() {
  SourceSpan start = StartSpan();
  Take();  // DROP
  if (PeekWord("BRANCH")) {
    Take();
    auto s = NewNode<DropBranchStmt>(start);
    if (!ParseIfExists(&s->if_exists)) return nullptr;
    if (!ParseName(&s->name, "a branch name")) return nullptr;
    EndSpan(&s->span);
    return s;
  }
  auto s = NewNode<DropStmt>(start);
  if (Accept(Keyword::kTable)) {
    s->object = DropStmt::ObjectKind::kTable;
  } else if (Accept(Keyword::kIndex)) {
    s->object = DropStmt::ObjectKind::kIndex;
  } else if (Accept(Keyword::kView)) {
    s->object = DropStmt::ObjectKind::kView;
  } else if (Accept(Keyword::kTrigger)) {
    s->object = DropStmt::ObjectKind::kTrigger;
  } else {
    Fail("TABLE, INDEX, VIEW, TRIGGER or BRANCH");
    return nullptr;
  }
  if (!ParseIfExists(&s->if_exists)) return nullptr;
  if (!ParseQualifiedName(&s->name, "a name")) return nullptr;
  EndSpan(&s->span);
  return s;
}

std::unique_ptr<Statement> Parser::ParseAlter() {
  auto s = NewNode<AlterTableStmt>(StartSpan());
  Take();  // ALTER
  if (!Expect(Keyword::kTable)) return nullptr;
  if (!ParseQualifiedName(&s->table, "a table name")) return nullptr;
  if (Accept(Keyword::kRename)) {
    if (Accept(Keyword::kTo)) {
      s->action = AlterTableStmt::Action::kRenameTable;
      if (!ParseName(&s->new_name, "a table name")) return nullptr;
    } else {
      Accept(Keyword::kColumn);
      s->action = AlterTableStmt::Action::kRenameColumn;
      if (!ParseName(&s->column_name, "a column name")) return nullptr;
      if (!Expect(Keyword::kTo)) return nullptr;
      if (!ParseName(&s->new_name, "a column name")) return nullptr;
    }
  } else if (Accept(Keyword::kAdd)) {
    Accept(Keyword::kColumn);
    s->action = AlterTableStmt::Action::kAddColumn;
    s->column = ParseColumnDef();
    if (!s->column) return nullptr;
  } else if (Accept(Keyword::kDrop)) {
    Accept(Keyword::kColumn);
    s->action = AlterTableStmt::Action::kDropColumn;
    if (!ParseName(&s->column_name, "a column name")) return nullptr;
  } else {
    Fail("RENAME, ADD or DROP");
    return nullptr;
  }
  EndSpan(&s->span);
  return s;
}

void Parser::SkipTransactionName() {
  if (Accept(Keyword::kTransaction) && IsNm(Peek())) Take();
}

std::unique_ptr<Statement> Parser::ParseBegin() {
  auto s = NewNode<BeginStmt>(StartSpan());
  Take();  // BEGIN
  if (Accept(Keyword::kDeferred)) {
    s->mode = BeginStmt::Mode::kDeferred;
  } else if (Accept(Keyword::kImmediate)) {
    s->mode = BeginStmt::Mode::kImmediate;
  } else if (Accept(Keyword::kExclusive)) {
    s->mode = BeginStmt::Mode::kExclusive;
  }
  SkipTransactionName();
  EndSpan(&s->span);
  return s;
}

std::unique_ptr<Statement> Parser::ParseRollback() {
  auto s = NewNode<RollbackStmt>(StartSpan());
  Take();  // ROLLBACK
  SkipTransactionName();
  if (Accept(Keyword::kTo)) {
    Accept(Keyword::kSavepoint);
    Identifier name;
    if (!ParseName(&name, "a savepoint name")) return nullptr;
    s->savepoint = std::move(name);
  }
  EndSpan(&s->span);
  return s;
}

std::unique_ptr<Statement> Parser::ParsePragma() {
  auto s = NewNode<PragmaStmt>(StartSpan());
  Take();  // PRAGMA
  if (!ParseQualifiedName(&s->name, "a pragma name")) return nullptr;
  bool paren = false;
  if (Accept(TokenType::kEq)) {
    paren = false;
  } else if (Accept(TokenType::kLeftParen)) {
    paren = true;
  } else {
    EndSpan(&s->span);
    return s;
  }
  s->call_form = paren;
  const Token t = Peek();
  if (t.type == TokenType::kPlus || t.type == TokenType::kMinus) {
    Take();
    const Token& n = Peek();
    if (n.type != TokenType::kInteger && n.type != TokenType::kFloat) {
      Fail("a number");
      return nullptr;
    }
    s->value_kind = PragmaStmt::ValueKind::kNumber;
    s->value = (t.type == TokenType::kMinus ? "-" : "") + std::string(Text(Take()));
  } else if (t.type == TokenType::kInteger || t.type == TokenType::kFloat) {
    s->value_kind = PragmaStmt::ValueKind::kNumber;
    s->value = std::string(Text(Take()));
  } else if (t.type == TokenType::kString) {
    s->value_kind = PragmaStmt::ValueKind::kString;
    s->value = DecodeStringLiteral(Text(Take()));
  } else if (IsNm(t) || t.Is(Keyword::kOn) || t.Is(Keyword::kDelete) ||
             t.Is(Keyword::kDefault)) {
    s->value_kind = PragmaStmt::ValueKind::kName;
    s->value = DecodeIdentifier(Text(Take()));
  } else {
    Fail("a pragma value");
    return nullptr;
  }
  if (paren && !Expect(TokenType::kRightParen)) return nullptr;
  EndSpan(&s->span);
  return s;
}

std::unique_ptr<Statement> Parser::ParseAttach() {
  auto s = NewNode<AttachStmt>(StartSpan());
  Take();  // ATTACH
  Accept(Keyword::kDatabase);
  s->file = ParseExpr();
  if (!s->file) return nullptr;
  if (!Expect(Keyword::kAs)) return nullptr;
  s->schema_name = ParseExpr();
  if (!s->schema_name) return nullptr;
  if (Accept(Keyword::kKey)) {
    s->key = ParseExpr();
    if (!s->key) return nullptr;
  }
  EndSpan(&s->span);
  return s;
}

bool Parser::ParseName(Identifier* out, std::string_view what) {
  if (!IsNm(Peek())) return Fail(what);
  *out = MakeIdentifier(Take());
  return true;
}

bool Parser::ParseQualifiedName(QualifiedName* out, std::string_view what) {
  out->span = StartSpan();
  Identifier first;
  if (!ParseName(&first, what)) return false;
  if (Accept(TokenType::kDot)) {
    out->schema = std::move(first);
    if (!ParseName(&out->name, what)) return false;
  } else {
    out->name = std::move(first);
  }
  EndSpan(&out->span);
  return true;
}

bool Parser::ParseIdList(std::vector<Identifier>* out) {
  do {
    Identifier id;
    if (!ParseName(&id, "a column name")) return false;
    out->push_back(std::move(id));
  } while (Accept(TokenType::kComma));
  return true;
}

// ( nm [COLLATE x] [ASC|DESC], ... ): SQLite rejects the COLLATE/ASC/DESC decorations here.
bool Parser::ParseEidList(std::vector<Identifier>* out) {
  if (!Expect(TokenType::kLeftParen)) return false;
  do {
    Identifier id;
    if (!ParseName(&id, "a column name")) return false;
    const Token& t = Peek();
    if (t.Is(Keyword::kCollate) || t.Is(Keyword::kAsc) || t.Is(Keyword::kDesc)) {
      return ErrorAt(t, "syntax error after column name \"" + id.name + "\"");
    }
    out->push_back(std::move(id));
  } while (Accept(TokenType::kComma));
  return Expect(TokenType::kRightParen);
}

// =============================================================================================
// Expressions
// =============================================================================================

bool Parser::ParseExprList(ExprList* out) {
  do {
    ExprPtr e = ParseExpr();
    if (!e) return false;
    out->push_back(std::move(e));
  } while (Accept(TokenType::kComma));
  return true;
}

ExprPtr Parser::ParseBinary(int min_prec) {
  const Token start_tok = Peek();
  SourceSpan start = StartSpan();
  ExprPtr lhs = ParseUnary();
  if (!lhs) return nullptr;
  for (;;) {
    const Token t = Peek();
    int prec = kPrecNone;
    BinaryOp bop = BinaryOp::kEq;
    bool simple = false;  // a plain left-associative binary operator
    switch (t.type) {
      case TokenType::kEq: prec = kPrecEquality; bop = BinaryOp::kEq; simple = true; break;
      case TokenType::kNe: prec = kPrecEquality; bop = BinaryOp::kNe; simple = true; break;
      case TokenType::kLt: prec = kPrecCompare; bop = BinaryOp::kLt; simple = true; break;
      case TokenType::kLe: prec = kPrecCompare; bop = BinaryOp::kLe; simple = true; break;
      case TokenType::kGt: prec = kPrecCompare; bop = BinaryOp::kGt; simple = true; break;
      case TokenType::kGe: prec = kPrecCompare; bop = BinaryOp::kGe; simple = true; break;
      case TokenType::kBitAnd: prec = kPrecBitwise; bop = BinaryOp::kBitAnd; simple = true; break;
      case TokenType::kBitOr: prec = kPrecBitwise; bop = BinaryOp::kBitOr; simple = true; break;
      case TokenType::kShiftLeft:
        prec = kPrecBitwise; bop = BinaryOp::kShiftLeft; simple = true; break;
      case TokenType::kShiftRight:
        prec = kPrecBitwise; bop = BinaryOp::kShiftRight; simple = true; break;
      case TokenType::kPlus: prec = kPrecAdd; bop = BinaryOp::kAdd; simple = true; break;
      case TokenType::kMinus: prec = kPrecAdd; bop = BinaryOp::kSubtract; simple = true; break;
      case TokenType::kStar: prec = kPrecMultiply; bop = BinaryOp::kMultiply; simple = true; break;
      case TokenType::kSlash: prec = kPrecMultiply; bop = BinaryOp::kDivide; simple = true; break;
      case TokenType::kPercent:
        prec = kPrecMultiply; bop = BinaryOp::kModulo; simple = true; break;
      case TokenType::kConcat: prec = kPrecConcat; bop = BinaryOp::kConcat; simple = true; break;
      case TokenType::kArrow:
        prec = kPrecConcat; bop = BinaryOp::kJsonExtract; simple = true; break;
      case TokenType::kDoubleArrow:
        prec = kPrecConcat; bop = BinaryOp::kJsonExtractText; simple = true; break;
      case TokenType::kKeyword:
        switch (t.keyword) {
          case Keyword::kOr: prec = kPrecOr; bop = BinaryOp::kOr; simple = true; break;
          case Keyword::kAnd: prec = kPrecAnd; bop = BinaryOp::kAnd; simple = true; break;
          case Keyword::kIs:
          case Keyword::kIn:
          case Keyword::kLike:
          case Keyword::kGlob:
          case Keyword::kRegexp:
          case Keyword::kMatch:
          case Keyword::kBetween:
          case Keyword::kIsnull:
          case Keyword::kNotnull:
            prec = kPrecEquality;
            break;
          case Keyword::kNot: {
            const Token& n = Peek(1);
            if (n.Is(Keyword::kNull) || n.Is(Keyword::kLike) || n.Is(Keyword::kGlob) ||
                n.Is(Keyword::kRegexp) || n.Is(Keyword::kMatch) || n.Is(Keyword::kBetween) ||
                n.Is(Keyword::kIn)) {
              prec = kPrecEquality;
            }
            break;
          }
          case Keyword::kCollate: prec = kPrecCollate; break;
          default: break;
        }
        break;
      default:
        break;
    }
    if (prec == kPrecNone || prec < min_prec) break;
    Take();
    ExprPtr result;
    if (simple) {
      ExprPtr rhs = ParseBinary(prec + 1);
      if (!rhs) return nullptr;
      auto b = NewNode<BinaryExpr>(start);
      b->op = bop;
      b->height = std::max(H(lhs), H(rhs)) + 1;
      b->left = std::move(lhs);
      b->right = std::move(rhs);
      result = std::move(b);
    } else if (t.Is(Keyword::kCollate)) {
      if (!IsIds(Peek())) {
        Fail("a collation name");
        return nullptr;
      }
      auto c = NewNode<CollateExpr>(start);
      c->collation = MakeIdentifier(Take());
      c->height = H(lhs) + 1;
      c->operand = std::move(lhs);
      result = std::move(c);
    } else {
      bool negated = false;
      Token op = t;
      if (t.Is(Keyword::kNot)) {
        negated = true;
        op = Take();
      }
      switch (op.keyword) {
        case Keyword::kIsnull:
        case Keyword::kNotnull:
        case Keyword::kNull: {
          auto n = NewNode<NullTestExpr>(start);
          n->negated = op.keyword != Keyword::kIsnull;
          n->height = H(lhs) + 1;
          n->operand = std::move(lhs);
          result = std::move(n);
          break;
        }
        case Keyword::kIs: {
          bool is_not = Accept(Keyword::kNot);
          if (PeekIs(Keyword::kDistinct)) {
            Take();
            if (!Expect(Keyword::kFrom)) return nullptr;
            is_not = !is_not;  // IS DISTINCT FROM == IS NOT
          }
          ExprPtr rhs = ParseBinary(kPrecEquality + 1);
          if (!rhs) return nullptr;
          if (rhs->Is<Literal>() && rhs->As<Literal>().kind == LiteralKind::kNull) {
            auto n = NewNode<NullTestExpr>(start);
            n->negated = is_not;
            n->height = H(lhs) + 1;
            n->operand = std::move(lhs);
            result = std::move(n);
          } else {
            auto b = NewNode<BinaryExpr>(start);
            b->op = is_not ? BinaryOp::kIsNot : BinaryOp::kIs;
            b->height = std::max(H(lhs), H(rhs)) + 1;
            b->left = std::move(lhs);
            b->right = std::move(rhs);
            result = std::move(b);
          }
          break;
        }
        case Keyword::kLike:
        case Keyword::kGlob:
        case Keyword::kRegexp:
        case Keyword::kMatch: {
          auto l = NewNode<LikeExpr>(start);
          l->op = op.keyword == Keyword::kLike   ? LikeOp::kLike
                  : op.keyword == Keyword::kGlob ? LikeOp::kGlob
                  : op.keyword == Keyword::kRegexp ? LikeOp::kRegexp
                                                   : LikeOp::kMatch;
          l->negated = negated;
          l->pattern = ParseBinary(kPrecEquality + 1);
          if (!l->pattern) return nullptr;
          if (Accept(Keyword::kEscape)) {
            l->escape = ParseBinary(kPrecEscape + 1);
            if (!l->escape) return nullptr;
          }
          l->height = std::max({H(lhs), H(l->pattern), H(l->escape)}) + 1;
          l->operand = std::move(lhs);
          result = std::move(l);
          break;
        }
        case Keyword::kBetween: {
          auto b = NewNode<BetweenExpr>(start);
          b->negated = negated;
          b->low = ParseBinary(kPrecEquality + 1);
          if (!b->low) return nullptr;
          if (!Expect(Keyword::kAnd)) return nullptr;
          b->high = ParseBinary(kPrecEquality + 1);
          if (!b->high) return nullptr;
          b->height = std::max({H(lhs), H(b->low), H(b->high)}) + 1;
          b->operand = std::move(lhs);
          result = std::move(b);
          break;
        }
        case Keyword::kIn:
          result = ParseInRhs(std::move(lhs), negated, start_tok);
          if (!result) return nullptr;
          result->span = start;
          break;
        default:
          Fail("an operator");
          return nullptr;
      }
    }
    EndSpan(&result->span);
    if (!CheckHeight(result.get(), t)) return nullptr;
    lhs = std::move(result);
  }
  return lhs;
}

ExprPtr Parser::ParseInRhs(ExprPtr lhs, bool negated, const Token& op_tok) {
  auto in = NewNode<InExpr>(StartSpan());
  in->negated = negated;
  if (PeekIs(TokenType::kLeftParen)) {
    Take();
    const Token& t = Peek();
    if (t.Is(Keyword::kSelect) || t.Is(Keyword::kValues) || t.Is(Keyword::kWith)) {
      in->kind = InExpr::Kind::kSelect;
      in->select = ParseSelect();
      if (!in->select) return nullptr;
    } else {
      in->kind = InExpr::Kind::kList;
      if (!PeekIs(TokenType::kRightParen) && !ParseExprList(&in->list)) return nullptr;
    }
    if (!Expect(TokenType::kRightParen)) return nullptr;
  } else if (IsNm(Peek())) {
    in->kind = InExpr::Kind::kTable;
    if (!ParseQualifiedName(&in->table, "a table name")) return nullptr;
    if (Accept(TokenType::kLeftParen)) {
      in->table_has_args = true;
      if (!PeekIs(TokenType::kRightParen) && !ParseExprList(&in->table_args)) return nullptr;
      if (!Expect(TokenType::kRightParen)) return nullptr;
    }
  } else {
    Fail("\"(\" or a table name");
    return nullptr;
  }
  in->height = std::max({H(lhs), H(in->list), H(in->table_args)}) + 1;
  in->operand = std::move(lhs);
  return in;
}

ExprPtr Parser::ParseUnary() {
  DepthGuard guard(this);
  if (!guard.ok()) return nullptr;
  const Token t = Peek();
  UnaryOp op;
  if (t.type == TokenType::kMinus) {
    op = UnaryOp::kNegate;
  } else if (t.type == TokenType::kPlus) {
    op = UnaryOp::kPlus;
  } else if (t.type == TokenType::kBitNot) {
    op = UnaryOp::kBitNot;
  } else if (t.Is(Keyword::kNot)) {
    op = UnaryOp::kNot;
  } else {
    return ParsePrimary();
  }
  SourceSpan start = StartSpan();
  Take();
  ExprPtr operand = op == UnaryOp::kNot ? ParseBinary(kPrecNot) : ParseUnary();
  if (!operand) return nullptr;
  auto u = NewNode<UnaryExpr>(start);
  u->op = op;
  u->height = operand->height + 1;
  u->operand = std::move(operand);
  EndSpan(&u->span);
  if (!CheckHeight(u.get(), t)) return nullptr;
  return u;
}

ExprPtr Parser::ParseNumber(const Token& t) {
  auto lit = NewNode<Literal>(SpanOf(t));
  std::string_view text = Text(t);
  lit->text.assign(text.data(), text.size());
  if (t.type == TokenType::kFloat) {
    lit->kind = LiteralKind::kReal;
    double v = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), v);
    if (res.ec != std::errc()) v = std::strtod(lit->text.c_str(), nullptr);
    lit->real_value = v;
    return lit;
  }
  lit->kind = LiteralKind::kInteger;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    size_t i = 2;
    while (i < text.size() && text[i] == '0') ++i;
    if (text.size() - i > 16) {
      ErrorAt(t, "hex literal too big: " + lit->text);
      return nullptr;
    }
    uint64_t u = 0;
    for (; i < text.size(); ++i) {
      char c = text[i];
      int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
      u = u * 16 + static_cast<uint64_t>(d);
    }
    lit->int_value = static_cast<int64_t>(u);
    return lit;
  }
  uint64_t u = 0;
  bool overflow = false;
  for (char c : text) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (u > (UINT64_MAX - d) / 10) {
      overflow = true;
      break;
    }
    u = u * 10 + d;
  }
  if (overflow || u > static_cast<uint64_t>(INT64_MAX)) {
    lit->overflow = true;
    lit->real_value = std::strtod(lit->text.c_str(), nullptr);
  } else {
    lit->int_value = static_cast<int64_t>(u);
  }
  return lit;
}

ExprPtr Parser::ParseParameter(const Token& t) {
  auto p = NewNode<Parameter>(SpanOf(t));
  std::string_view text = Text(t);
  p->text.assign(text.data(), text.size());
  if (t.quote == '?') {
    if (text.size() == 1) {
      p->index = ++nvar_;
      param_names_.resize(nvar_);
    } else {
      int64_t n = 0;
      for (size_t i = 1; i < text.size() && n <= kMaxParameterNumber; ++i) {
        n = n * 10 + (text[i] - '0');
      }
      if (n < 1 || n > kMaxParameterNumber) {
        ErrorAt(t, "variable number must be between ?1 and ?" +
                       std::to_string(kMaxParameterNumber));
        return nullptr;
      }
      p->index = static_cast<int>(n);
      if (p->index > nvar_) {
        nvar_ = p->index;
        param_names_.resize(nvar_);
      }
      if (param_names_[p->index - 1].empty()) param_names_[p->index - 1] = p->text;
    }
    return p;
  }
  auto it = named_params_.find(p->text);
  if (it != named_params_.end()) {
    p->index = it->second;
    return p;
  }
  p->index = ++nvar_;
  param_names_.resize(nvar_);
  param_names_[p->index - 1] = p->text;
  named_params_.emplace(p->text, p->index);
  return p;
}

ExprPtr Parser::ParsePrimary() {
  const Token t = Peek();
  SourceSpan start = StartSpan();
  switch (t.type) {
    case TokenType::kInteger:
    case TokenType::kFloat:
      Take();
      return ParseNumber(t);
    case TokenType::kString: {
      if (PeekIs(TokenType::kDot, 1) && IsNm(Peek(2))) return ParseColumnOrFunction();
      Take();
      auto lit = NewNode<Literal>(SpanOf(t));
      lit->kind = LiteralKind::kString;
      lit->text = DecodeStringLiteral(Text(t));
      return lit;
    }
    case TokenType::kBlob: {
      Take();
      auto lit = NewNode<Literal>(SpanOf(t));
      lit->kind = LiteralKind::kBlob;
      lit->text = DecodeBlobLiteral(Text(t));
      return lit;
    }
    case TokenType::kParameter:
      Take();
      return ParseParameter(t);
    case TokenType::kLeftParen:
      return ParseParenthesized();
    case TokenType::kIdentifier:
      return ParseColumnOrFunction();
    case TokenType::kKeyword:
      break;
    default:
      Fail("an expression");
      return nullptr;
  }
  switch (t.keyword) {
    case Keyword::kNull: {
      Take();
      auto lit = NewNode<Literal>(SpanOf(t));
      lit->kind = LiteralKind::kNull;
      lit->text = "NULL";
      return lit;
    }
    case Keyword::kCurrentDate:
    case Keyword::kCurrentTime:
    case Keyword::kCurrentTimestamp: {
      Take();
      auto lit = NewNode<Literal>(SpanOf(t));
      lit->kind = t.keyword == Keyword::kCurrentDate   ? LiteralKind::kCurrentDate
                  : t.keyword == Keyword::kCurrentTime ? LiteralKind::kCurrentTime
                                                       : LiteralKind::kCurrentTimestamp;
      lit->text = std::string(KeywordText(t.keyword));
      return lit;
    }
    case Keyword::kCase:
      return ParseCase();
    case Keyword::kCast:
      return ParseCast();
    case Keyword::kRaise:
      return ParseRaise();
    case Keyword::kExists: {
      Take();
      if (!Expect(TokenType::kLeftParen)) return nullptr;
      auto e = NewNode<ExistsExpr>(start);
      e->select = ParseSelect();
      if (!e->select) return nullptr;
      if (!Expect(TokenType::kRightParen)) return nullptr;
      EndSpan(&e->span);
      return e;
    }
    default:
      break;
  }
  if (IsId(t) || IsJoinKeyword(t.keyword)) return ParseColumnOrFunction();
  Fail("an expression");
  return nullptr;
}

ExprPtr Parser::ParseColumnOrFunction() {
  const Token t = Take();
  SourceSpan start = SpanOf(t);
  if (PeekIs(TokenType::kLeftParen) && IsId(t)) return ParseFunctionCall(t);
  if (PeekIs(TokenType::kLeftParen) && t.type == TokenType::kKeyword &&
      IsJoinKeyword(t.keyword)) {
    Fail("an operator");
    return nullptr;
  }
  if (t.type == TokenType::kIdentifier && t.quote == 0 && !PeekIs(TokenType::kDot)) {
    std::string_view text = Text(t);
    if (EqualsIgnoreCase(text, "true") || EqualsIgnoreCase(text, "false")) {
      auto lit = NewNode<Literal>(start);
      lit->kind = (text[0] == 't' || text[0] == 'T') ? LiteralKind::kTrue : LiteralKind::kFalse;
      lit->text.assign(text.data(), text.size());
      return lit;
    }
  }
  auto col = NewNode<ColumnRef>(start);
  Identifier first = MakeIdentifier(t);
  if (Accept(TokenType::kDot)) {
    if (!IsNm(Peek())) {
      Fail("a column name");
      return nullptr;
    }
    Identifier second = MakeIdentifier(Take());
    if (Accept(TokenType::kDot)) {
      if (!IsNm(Peek())) {
        Fail("a column name");
        return nullptr;
      }
      col->schema = std::move(first);
      col->table = std::move(second);
      col->column = MakeIdentifier(Take());
    } else {
      col->table = std::move(first);
      col->column = std::move(second);
    }
  } else {
    col->column = std::move(first);
  }
  EndSpan(&col->span);
  return col;
}

ExprPtr Parser::ParseFunctionCall(const Token& name_tok) {
  auto f = NewNode<FunctionCall>(SpanOf(name_tok));
  f->name = MakeIdentifier(name_tok);
  Take();  // (
  if (PeekIs(TokenType::kStar)) {
    Take();
    f->star = true;
  } else if (!PeekIs(TokenType::kRightParen)) {
    if (Accept(Keyword::kDistinct)) {
      f->distinct = true;
    } else {
      Accept(Keyword::kAll);
    }
    if (!PeekIs(TokenType::kRightParen)) {
      if (!ParseExprList(&f->args)) return nullptr;
      if (PeekIs(Keyword::kOrder) && !ParseOrderBy(&f->order_by)) return nullptr;
    }
  }
  if (!Expect(TokenType::kRightParen)) return nullptr;
  int h = H(f->args);
  for (const auto& o : f->order_by) h = std::max(h, H(o.expr));
  if (PeekIs(Keyword::kFilter) && PeekIs(TokenType::kLeftParen, 1)) {
    Take();
    Take();
    if (!Expect(Keyword::kWhere)) return nullptr;
    f->filter = ParseExpr();
    if (!f->filter) return nullptr;
    if (!Expect(TokenType::kRightParen)) return nullptr;
    h = std::max(h, H(f->filter));
  }
  if (PeekIs(Keyword::kOver)) {
    const Token& n = Peek(1);
    if (n.type == TokenType::kLeftParen) {
      Take();
      Take();
      SourceSpan ws = StartSpan();
      f->over = ParseWindowBody();
      if (!f->over) return nullptr;
      f->over->span = ws;
      EndSpan(&f->over->span);
      if (!Expect(TokenType::kRightParen)) return nullptr;
    } else if (n.type == TokenType::kIdentifier ||
               (n.type == TokenType::kKeyword && IsFallbackKeyword(n.keyword))) {
      Take();
      f->over_name = MakeIdentifier(Take());
    }
  }
  f->height = h + 1;
  EndSpan(&f->span);
  if (!CheckHeight(f.get(), name_tok)) return nullptr;
  return f;
}

ExprPtr Parser::ParseParenthesized() {
  SourceSpan start = StartSpan();
  const Token open = Take();  // (
  const Token& t = Peek();
  if (t.Is(Keyword::kSelect) || t.Is(Keyword::kValues) || t.Is(Keyword::kWith)) {
    auto sq = NewNode<SubqueryExpr>(start);
    sq->select = ParseSelect();
    if (!sq->select) return nullptr;
    if (!Expect(TokenType::kRightParen)) return nullptr;
    EndSpan(&sq->span);
    return sq;
  }
  ExprPtr first = ParseExpr();
  if (!first) return nullptr;
  if (!PeekIs(TokenType::kComma)) {
    if (!Expect(TokenType::kRightParen)) return nullptr;
    return first;
  }
  auto row = NewNode<RowValueExpr>(start);
  row->elements.push_back(std::move(first));
  while (Accept(TokenType::kComma)) {
    ExprPtr e = ParseExpr();
    if (!e) return nullptr;
    row->elements.push_back(std::move(e));
  }
  if (!Expect(TokenType::kRightParen)) return nullptr;
  row->height = H(row->elements) + 1;
  EndSpan(&row->span);
  if (!CheckHeight(row.get(), open)) return nullptr;
  return row;
}

ExprPtr Parser::ParseCase() {
  const Token case_tok = Take();
  auto c = NewNode<CaseExpr>(SpanOf(case_tok));
  if (!PeekIs(Keyword::kWhen)) {
    c->operand = ParseExpr();
    if (!c->operand) return nullptr;
  }
  int h = H(c->operand);
  if (!PeekIs(Keyword::kWhen)) {
    Fail("WHEN");
    return nullptr;
  }
  while (Accept(Keyword::kWhen)) {
    CaseExpr::When w;
    w.condition = ParseExpr();
    if (!w.condition) return nullptr;
    if (!Expect(Keyword::kThen)) return nullptr;
    w.result = ParseExpr();
    if (!w.result) return nullptr;
    h = std::max({h, H(w.condition), H(w.result)});
    c->whens.push_back(std::move(w));
  }
  if (Accept(Keyword::kElse)) {
    c->else_result = ParseExpr();
    if (!c->else_result) return nullptr;
    h = std::max(h, H(c->else_result));
  }
  if (!Expect(Keyword::kEnd)) return nullptr;
  c->height = h + 1;
  EndSpan(&c->span);
  if (!CheckHeight(c.get(), case_tok)) return nullptr;
  return c;
}

ExprPtr Parser::ParseCast() {
  const Token cast_tok = Take();
  auto c = NewNode<CastExpr>(SpanOf(cast_tok));
  if (!Expect(TokenType::kLeftParen)) return nullptr;
  c->operand = ParseExpr();
  if (!c->operand) return nullptr;
  if (!Expect(Keyword::kAs)) return nullptr;
  std::optional<TypeName> tn;
  c->type_name.span = StartSpan();
  if (!ParseTypeName(&tn, false)) return nullptr;
  if (tn) c->type_name = std::move(*tn);
  if (!Expect(TokenType::kRightParen)) return nullptr;
  c->height = H(c->operand) + 1;
  EndSpan(&c->span);
  return c;
}

ExprPtr Parser::ParseRaise() {
  const Token raise_tok = Take();
  auto r = NewNode<RaiseExpr>(SpanOf(raise_tok));
  if (!Expect(TokenType::kLeftParen)) return nullptr;
  if (Accept(Keyword::kIgnore)) {
    r->kind = RaiseKind::kIgnore;
  } else {
    if (Accept(Keyword::kRollback)) {
      r->kind = RaiseKind::kRollback;
    } else if (Accept(Keyword::kAbort)) {
      r->kind = RaiseKind::kAbort;
    } else if (Accept(Keyword::kFail)) {
      r->kind = RaiseKind::kFail;
    } else {
      Fail("IGNORE, ROLLBACK, ABORT or FAIL");
      return nullptr;
    }
    if (!Expect(TokenType::kComma)) return nullptr;
    if (!IsNm(Peek())) {
      Fail("an error message");
      return nullptr;
    }
    const Token m = Take();
    r->message = m.type == TokenType::kString ? DecodeStringLiteral(Text(m))
                                               : DecodeIdentifier(Text(m));
  }
  if (!Expect(TokenType::kRightParen)) return nullptr;
  EndSpan(&r->span);
  return r;
}

}  // namespace

Result<std::vector<std::unique_ptr<Statement>>> ParseScript(std::string_view sql,
                                                            SyntaxErrorInfo* error) {
  if (sql.size() >= 0xFFFFFFF0u) return Status::SyntaxError("SQL text too long");
  Parser p(sql, error);
  std::vector<std::unique_ptr<Statement>> out;
  for (;;) {
    std::unique_ptr<Statement> stmt;
    uint32_t tail = 0;
    p.ResetParameters();
    if (!p.NextStatement(&stmt, &tail)) return p.status();
    if (!stmt) break;
    out.push_back(std::move(stmt));
  }
  return out;
}

Result<ParsedStatement> ParseOne(std::string_view sql, SyntaxErrorInfo* error) {
  if (sql.size() >= 0xFFFFFFF0u) return Status::SyntaxError("SQL text too long");
  Parser p(sql, error);
  ParsedStatement out;
  if (!p.NextStatement(&out.statement, &out.tail_offset)) return p.status();
  out.parameter_count = p.parameter_count();
  out.parameter_names = p.TakeParameterNames();
  return out;
}

Result<ExprPtr> ParseExpression(std::string_view sql, SyntaxErrorInfo* error) {
  if (sql.size() >= 0xFFFFFFF0u) return Status::SyntaxError("SQL text too long");
  Parser p(sql, error);
  ExprPtr e;
  if (!p.ParseStandaloneExpression(&e)) return p.status();
  return e;
}

}  // namespace dosql::parser
