// dosql::parser — the abstract syntax tree of dosql's SQL dialect, and its canonical printer.
//
// The parser (parser.h) builds these trees; the binder, planner and executor consume them. Every
// node derives from Node, carries its NodeType (use Is<T>()/As<T>() to downcast, no RTTI needed)
// and its SourceSpan (where its first token starts and where its last token ends), so errors
// found later can point into the SQL text.
//
// Ownership: a tree is owned top-down through std::unique_ptr; a parent owns its children and a
// statement owns everything under it. Strings are copied out of the SQL text (identifiers are
// dequoted, string literals unescaped, blobs decoded), so a tree does not reference the text it
// was parsed from and may outlive it. Trees are plain data: reading one from several threads at
// once is safe; mutating one needs external synchronization.
//
// ToSql() prints any node back as canonical SQL (upper-case keywords, single spaces, minimal
// parentheses, identifiers quoted only when needed). Parsing ToSql's output gives a tree that
// prints identically. Note that for schema text SQLite keeps the user's original text; the
// engine can do the same by slicing the SQL with a statement's span.
//
// Semantic notes for consumers (SQLite behaviour that the parser leaves to the binder):
//  * A bare TRUE/FALSE is parsed as a Literal of kind kTrue/kFalse, but SQLite resolves it to a
//    column of that name first if one is in scope (Literal::text keeps the spelling).
//  * A "double-quoted" identifier that does not resolve to a column is a string literal in SQLite
//    (Identifier::quote == '"' tells the binder it may apply that rule).
//  * An integer literal too big for int64 has overflow == true and real_value set; SQLite turns it
//    into a REAL, except that -9223372036854775808 (unary minus of such a literal whose text is
//    9223372036854775808) is the smallest INTEGER.
//  * `x IS NULL` and `x IS NOT NULL` are parsed as NullTestExpr (like ISNULL/NOTNULL/NOT NULL),
//    and `IS [NOT] DISTINCT FROM` as IS NOT / IS, as SQLite does.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dosql::parser {

// Where a node is in the SQL text: byte offsets [offset, end), and the 1-based line and column
// (in UTF-8 characters) of the first byte.
struct SourceSpan {
  uint32_t offset = 0;
  uint32_t end = 0;
  uint32_t line = 1;
  uint32_t column = 1;
};

enum class NodeType : uint8_t {
  // Expressions (derive from Expr).
  kLiteral,
  kColumnRef,
  kParameter,
  kUnary,
  kBinary,
  kNullTest,
  kBetween,
  kIn,
  kLike,
  kCollate,
  kCase,
  kCast,
  kExists,
  kSubquery,
  kFunctionCall,
  kRaise,
  kRowValue,
  // Table references in FROM (derive from TableRef).
  kTableName,
  kSubqueryRef,
  kTableFunctionRef,
  kUrlTableRef,
  kJoinClause,
  // Parts of statements.
  kSelectCore,
  kWindowDef,
  kColumnDef,
  // Statements (derive from Statement).
  kSelectStmt,
  kInsertStmt,
  kUpdateStmt,
  kDeleteStmt,
  kCreateTableStmt,
  kCreateIndexStmt,
  kCreateViewStmt,
  kCreateTriggerStmt,
  kCreateVirtualTableStmt,
  kDropStmt,
  kAlterTableStmt,
  kBeginStmt,
  kCommitStmt,
  kRollbackStmt,
  kSavepointStmt,
  kReleaseStmt,
  kPragmaStmt,
  kAnalyzeStmt,
  kReindexStmt,
  kVacuumStmt,
  kAttachStmt,
  kDetachStmt,
  kExplainStmt,
  kCreateBranchStmt,
  kCheckoutBranchStmt,
  kMergeBranchStmt,
  kDropBranchStmt,
  kCreateProcedureStmt,
  kCallStmt,
};

std::string_view NodeTypeName(NodeType type);

class Node {
 public:
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  NodeType type() const { return type_; }
  template <typename T>
  bool Is() const { return type_ == T::kType; }
  // Unchecked downcast; check with Is<T>() or type() first.
  template <typename T>
  const T& As() const { return static_cast<const T&>(*this); }
  template <typename T>
  T& As() { return static_cast<T&>(*this); }

  SourceSpan span;

 protected:
  explicit Node(NodeType type) : type_(type) {}

 private:
  NodeType type_;
};

// A (possibly quoted) name. `name` is dequoted. `quote` is how it was written: 0 (bare), '"',
// '[', '`', or '\'' (a string literal used as a name, which SQLite allows in many places).
struct Identifier {
  std::string name;
  char quote = 0;
  SourceSpan span;

  bool empty() const { return name.empty(); }
};

// [schema.]name
struct QualifiedName {
  std::optional<Identifier> schema;
  Identifier name;
  SourceSpan span;
};

class Expr;
class SelectStmt;
class WindowDef;
using ExprPtr = std::unique_ptr<Expr>;
using ExprList = std::vector<ExprPtr>;

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

class Expr : public Node {
 public:
  // Height of the expression tree (a leaf is 1); the parser rejects trees above 1000.
  int height = 1;

 protected:
  explicit Expr(NodeType type) : Node(type) {}
};

enum class LiteralKind : uint8_t {
  kNull,
  kInteger,
  kReal,
  kString,
  kBlob,
  kTrue,
  kFalse,
  kCurrentTime,
  kCurrentDate,
  kCurrentTimestamp,
};

class Literal final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kLiteral;
  Literal() : Expr(kType) {}

  LiteralKind kind = LiteralKind::kNull;
  // kInteger/kReal: the token text ("0x1F", "1e3"); kString: the unescaped text; kBlob: the raw
  // bytes; kTrue/kFalse: the identifier as written; others: the keyword.
  std::string text;
  int64_t int_value = 0;    // kInteger (hex literals are 64-bit two's complement, as SQLite)
  bool overflow = false;    // kInteger: decimal text exceeds INT64_MAX; see real_value
  double real_value = 0.0;  // kReal, and kInteger when overflow
};

// [[schema.]table.]column
class ColumnRef final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kColumnRef;
  ColumnRef() : Expr(kType) {}

  std::optional<Identifier> schema;
  std::optional<Identifier> table;
  Identifier column;
};

class Parameter final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kParameter;
  Parameter() : Expr(kType) {}

  // The token text: "?", "?3", ":name", "@name", "$name".
  std::string text;
  // 1-based index assigned by SQLite's rules: "?" takes the next index; "?NNN" is NNN; a named
  // parameter reuses the index of an earlier one of the same text, else takes the next index.
  int index = 0;
};

enum class UnaryOp : uint8_t { kNegate, kPlus, kBitNot, kNot };

class UnaryExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kUnary;
  UnaryExpr() : Expr(kType) {}

  UnaryOp op = UnaryOp::kNegate;
  ExprPtr operand;
};

enum class BinaryOp : uint8_t {
  kOr,
  kAnd,
  kEq,       // = or ==
  kNe,       // != or <>
  kIs,       // IS, IS NOT DISTINCT FROM
  kIsNot,    // IS NOT, IS DISTINCT FROM
  kLt,
  kLe,
  kGt,
  kGe,
  kBitAnd,
  kBitOr,
  kShiftLeft,
  kShiftRight,
  kAdd,
  kSubtract,
  kMultiply,
  kDivide,
  kModulo,
  kConcat,       // ||
  kJsonExtract,  // ->   (SQLite calls the -> function with both operands)
  kJsonExtractText,  // ->>
};

std::string_view BinaryOpText(BinaryOp op);

class BinaryExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kBinary;
  BinaryExpr() : Expr(kType) {}

  BinaryOp op = BinaryOp::kEq;
  ExprPtr left;
  ExprPtr right;
};

// x ISNULL, x IS NULL (negated = false); x NOTNULL, x NOT NULL, x IS NOT NULL (negated = true).
class NullTestExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kNullTest;
  NullTestExpr() : Expr(kType) {}

  bool negated = false;
  ExprPtr operand;
};

class BetweenExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kBetween;
  BetweenExpr() : Expr(kType) {}

  bool negated = false;
  ExprPtr operand;
  ExprPtr low;
  ExprPtr high;
};

// x [NOT] IN (list) | (select) | [schema.]table | [schema.]table_function(args)
class InExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kIn;
  InExpr() : Expr(kType) {}

  enum class Kind : uint8_t { kList, kSelect, kTable };
  Kind kind = Kind::kList;
  bool negated = false;
  ExprPtr operand;
  ExprList list;                       // kList (may be empty: `x IN ()` is legal in SQLite)
  std::unique_ptr<SelectStmt> select;  // kSelect
  QualifiedName table;                 // kTable
  bool table_has_args = false;         // kTable written as a table-valued function call
  ExprList table_args;                 // kTable
};

enum class LikeOp : uint8_t { kLike, kGlob, kRegexp, kMatch };

class LikeExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kLike;
  LikeExpr() : Expr(kType) {}

  LikeOp op = LikeOp::kLike;
  bool negated = false;
  ExprPtr operand;  // left side
  ExprPtr pattern;  // right side
  ExprPtr escape;   // optional
};

class CollateExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kCollate;
  CollateExpr() : Expr(kType) {}

  ExprPtr operand;
  Identifier collation;
};

class CaseExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kCase;
  CaseExpr() : Expr(kType) {}

  struct When {
    ExprPtr condition;
    ExprPtr result;
  };
  ExprPtr operand;  // optional: CASE x WHEN ...
  std::vector<When> whens;
  ExprPtr else_result;  // optional
};

// A column type or CAST target: the words of the name joined by single spaces, e.g.
// "VARCHAR", "DOUBLE PRECISION", "UNSIGNED BIG INT", and up to two signed-number arguments as
// written ("10", "-5", "+3.5"). An empty name means no type (CAST(x AS "") is not possible).
struct TypeName {
  std::string name;
  std::vector<std::string> args;
  SourceSpan span;
};

class CastExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kCast;
  CastExpr() : Expr(kType) {}

  ExprPtr operand;
  TypeName type_name;
};

// EXISTS (select). NOT EXISTS is a UnaryExpr kNot over this.
class ExistsExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kExists;
  ExistsExpr() : Expr(kType) {}

  std::unique_ptr<SelectStmt> select;
};

// A scalar subquery (SELECT ...), or a row-value subquery when compared with a row value.
class SubqueryExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kSubquery;
  SubqueryExpr() : Expr(kType) {}

  std::unique_ptr<SelectStmt> select;
};

enum class SortDirection : uint8_t { kDefault, kAsc, kDesc };
enum class NullsOrder : uint8_t { kDefault, kFirst, kLast };

// An ORDER BY term, an indexed column (CREATE INDEX, PRIMARY KEY/UNIQUE lists) or an upsert
// target column. A COLLATE clause is part of `expr` (a CollateExpr).
struct OrderingTerm {
  ExprPtr expr;
  SortDirection direction = SortDirection::kDefault;
  NullsOrder nulls = NullsOrder::kDefault;
};

class FunctionCall final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kFunctionCall;
  FunctionCall() : Expr(kType) {}

  Identifier name;
  bool distinct = false;
  bool star = false;  // count(*)
  ExprList args;
  std::vector<OrderingTerm> order_by;  // aggregate ORDER BY: group_concat(x, ',' ORDER BY y)
  ExprPtr filter;                      // FILTER (WHERE expr)
  // OVER: either a window name (OVER w) or an inline definition (OVER (...)); neither if absent.
  std::optional<Identifier> over_name;
  std::unique_ptr<WindowDef> over;

  bool is_window() const { return over_name.has_value() || over != nullptr; }
};

enum class RaiseKind : uint8_t { kIgnore, kRollback, kAbort, kFail };

// RAISE(IGNORE) | RAISE(ROLLBACK|ABORT|FAIL, message)
class RaiseExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kRaise;
  RaiseExpr() : Expr(kType) {}

  RaiseKind kind = RaiseKind::kIgnore;
  std::string message;
};

// A row value (a, b, c): two or more expressions in parentheses.
class RowValueExpr final : public Expr {
 public:
  static constexpr NodeType kType = NodeType::kRowValue;
  RowValueExpr() : Expr(kType) {}

  ExprList elements;
};

// ---------------------------------------------------------------------------------------------
// Windows
// ---------------------------------------------------------------------------------------------

enum class FrameUnit : uint8_t { kRows, kRange, kGroups };
enum class FrameBoundKind : uint8_t {
  kUnboundedPreceding,
  kPreceding,  // expr PRECEDING
  kCurrentRow,
  kFollowing,  // expr FOLLOWING
  kUnboundedFollowing,
};
enum class FrameExclude : uint8_t { kNone, kNoOthers, kCurrentRow, kGroup, kTies };

struct FrameBound {
  FrameBoundKind kind = FrameBoundKind::kCurrentRow;
  ExprPtr offset;  // kPreceding / kFollowing
};

struct FrameSpec {
  FrameUnit unit = FrameUnit::kRange;
  // Without BETWEEN, `start` is the single bound written and `end` is CURRENT ROW (implied).
  bool has_between = false;
  FrameBound start;
  FrameBound end;
  FrameExclude exclude = FrameExclude::kNone;  // kNone: no EXCLUDE clause written
};

// A window specification: the body of OVER (...) or of WINDOW name AS (...).
class WindowDef final : public Node {
 public:
  static constexpr NodeType kType = NodeType::kWindowDef;
  WindowDef() : Node(kType) {}

  std::optional<Identifier> name;       // WINDOW name AS (...); empty for OVER (...)
  std::optional<Identifier> base_name;  // OVER (base_window ORDER BY ...)
  ExprList partition_by;
  std::vector<OrderingTerm> order_by;
  std::optional<FrameSpec> frame;  // absent: the default frame
};

// ---------------------------------------------------------------------------------------------
// SELECT
// ---------------------------------------------------------------------------------------------

struct CommonTableExpr {
  enum class Materialized : uint8_t { kDefault, kMaterialized, kNotMaterialized };
  Identifier name;
  std::vector<Identifier> columns;
  Materialized materialized = Materialized::kDefault;
  std::unique_ptr<SelectStmt> select;
  SourceSpan span;
};

struct WithClause {
  bool recursive = false;
  std::vector<CommonTableExpr> ctes;
  SourceSpan span;
};

// One item of a result column list (also used for RETURNING).
struct ResultColumn {
  enum class Kind : uint8_t { kExpr, kStar, kTableStar };
  Kind kind = Kind::kExpr;
  ExprPtr expr;                    // kExpr
  std::optional<Identifier> alias;  // kExpr: [AS] alias
  Identifier table;                // kTableStar: table.*
  SourceSpan span;
};

// dosql extension: FOR SYSTEM_TIME ...
struct TemporalPoint {
  enum class Unit : uint8_t { kUnspecified, kTimestamp, kLsn };
  Unit unit = Unit::kUnspecified;  // TIMESTAMP expr | LSN expr | expr
  ExprPtr value;
};

struct TemporalClause {
  enum class Kind : uint8_t { kAsOf, kBetween, kFromTo };
  Kind kind = Kind::kAsOf;
  TemporalPoint start;  // AS OF start | BETWEEN start AND end | FROM start TO end
  TemporalPoint end;
  SourceSpan span;
};

// `name value` or `name = value` in dosql's WITH (...) option lists (URL tables, HNSW indexes).
struct OptionItem {
  Identifier name;
  ExprPtr value;  // may be null for a bare flag
};

class TableRef : public Node {
 public:
  std::optional<Identifier> alias;

 protected:
  explicit TableRef(NodeType type) : Node(type) {}
};
using TableRefPtr = std::unique_ptr<TableRef>;

// [schema.]table [[AS] alias] [INDEXED BY idx | NOT INDEXED] [FOR SYSTEM_TIME ...]
class TableName final : public TableRef {
 public:
  static constexpr NodeType kType = NodeType::kTableName;
  TableName() : TableRef(kType) {}

  enum class Indexed : uint8_t { kDefault, kIndexedBy, kNotIndexed };
  QualifiedName name;
  Indexed indexed = Indexed::kDefault;
  Identifier index_name;                   // kIndexedBy
  std::optional<TemporalClause> temporal;  // dosql time travel
};

// (select) [[AS] alias]
class SubqueryRef final : public TableRef {
 public:
  static constexpr NodeType kType = NodeType::kSubqueryRef;
  SubqueryRef() : TableRef(kType) {}

  std::unique_ptr<SelectStmt> select;
};

// [schema.]function(args) [[AS] alias] — a table-valued function such as json_each(x).
class TableFunctionRef final : public TableRef {
 public:
  static constexpr NodeType kType = NodeType::kTableFunctionRef;
  TableFunctionRef() : TableRef(kType) {}

  QualifiedName name;
  ExprList args;
};

// dosql extension: 'scheme://...' [WITH (options)] [[AS] alias]. A string in FROM is a URL table
// when it contains "://" or has a WITH (...) option list; otherwise it is a table name written as
// a string (SQLite's rule), parsed as TableName with quote '\''.
class UrlTableRef final : public TableRef {
 public:
  static constexpr NodeType kType = NodeType::kUrlTableRef;
  UrlTableRef() : TableRef(kType) {}

  std::string url;
  std::vector<OptionItem> options;
};

enum class JoinKind : uint8_t {
  kComma,  // a, b
  kInner,  // [INNER] JOIN
  kCross,  // CROSS JOIN
  kLeft,   // LEFT [OUTER] JOIN
  kRight,  // RIGHT [OUTER] JOIN
  kFull,   // FULL [OUTER] JOIN
};

struct JoinItem {
  JoinKind kind = JoinKind::kInner;
  bool natural = false;
  TableRefPtr table;
  ExprPtr on;                            // ON expr
  std::optional<std::vector<Identifier>> using_columns;  // USING (a, b)
  SourceSpan span;                       // from the join operator to the end of the constraint
};

// A FROM clause, or a parenthesized join in one: first [join-op table [constraint]]...
// (SQLite's flat SrcList: joins associate to the left). A JoinClause with an alias is SQLite's
// "(a JOIN b) AS x", which it treats as a subquery.
class JoinClause final : public TableRef {
 public:
  static constexpr NodeType kType = NodeType::kJoinClause;
  JoinClause() : TableRef(kType) {}

  TableRefPtr first;
  std::vector<JoinItem> joins;
};

// One SELECT ... or VALUES ... of a (possibly compound) select.
class SelectCore final : public Node {
 public:
  static constexpr NodeType kType = NodeType::kSelectCore;
  SelectCore() : Node(kType) {}

  enum class Kind : uint8_t { kSelect, kValues };
  Kind kind = Kind::kSelect;
  // kSelect:
  enum class Quantifier : uint8_t { kNone, kDistinct, kAll };
  Quantifier quantifier = Quantifier::kNone;
  std::vector<ResultColumn> columns;
  std::unique_ptr<JoinClause> from;  // null without FROM
  ExprPtr where;
  ExprList group_by;
  ExprPtr having;
  std::vector<std::unique_ptr<WindowDef>> windows;  // WINDOW w AS (...), ...
  // kValues: one ExprList per row.
  std::vector<ExprList> rows;
};

enum class CompoundOp : uint8_t { kUnion, kUnionAll, kIntersect, kExcept };

// [WITH ...] core [op core]... [ORDER BY ...] [LIMIT ...]. Compound operators associate to the
// left: ((cores[0] ops[0] cores[1]) ops[1] cores[2]) ...; ops.size() == cores.size() - 1.
// Used both as a statement and as a subquery.
class Statement : public Node {
 protected:
  explicit Statement(NodeType type) : Node(type) {}
};

class SelectStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kSelectStmt;
  SelectStmt() : Statement(kType) {}

  std::unique_ptr<WithClause> with;
  std::vector<std::unique_ptr<SelectCore>> cores;
  std::vector<CompoundOp> ops;
  std::vector<OrderingTerm> order_by;
  ExprPtr limit;
  ExprPtr offset;  // LIMIT a OFFSET b, or LIMIT b, a (SQLite's comma form: offset first)
};

// ---------------------------------------------------------------------------------------------
// DML
// ---------------------------------------------------------------------------------------------

enum class ConflictAction : uint8_t { kNone, kRollback, kAbort, kFail, kIgnore, kReplace };

// a = expr, or (a, b) = expr (columns.size() > 1, or a one-element parenthesized list).
struct SetClause {
  std::vector<Identifier> columns;
  bool parenthesized = false;
  ExprPtr value;
  SourceSpan span;
};

// ON CONFLICT [(target) [WHERE ...]] DO NOTHING | DO UPDATE SET ... [WHERE ...]
struct UpsertClause {
  std::vector<OrderingTerm> target;  // empty: no conflict target
  ExprPtr target_where;
  bool do_nothing = true;
  std::vector<SetClause> set;
  ExprPtr where;
  SourceSpan span;
};

class InsertStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kInsertStmt;
  InsertStmt() : Statement(kType) {}

  std::unique_ptr<WithClause> with;
  bool replace = false;  // REPLACE INTO (conflict == kReplace too)
  ConflictAction conflict = ConflictAction::kNone;  // INSERT OR ...
  QualifiedName table;
  std::optional<Identifier> alias;  // INSERT INTO t AS x
  std::vector<Identifier> columns;  // empty: all columns
  // Exactly one of: select (VALUES rows are a SelectStmt with one kValues core) or
  // default_values.
  std::unique_ptr<SelectStmt> select;
  bool default_values = false;
  std::vector<UpsertClause> upserts;
  std::vector<ResultColumn> returning;
};

// UPDATE/DELETE target: [schema.]table [AS alias] [INDEXED BY idx | NOT INDEXED]
struct QualifiedTableName {
  QualifiedName name;
  std::optional<Identifier> alias;
  TableName::Indexed indexed = TableName::Indexed::kDefault;
  Identifier index_name;
};

class UpdateStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kUpdateStmt;
  UpdateStmt() : Statement(kType) {}

  std::unique_ptr<WithClause> with;
  ConflictAction conflict = ConflictAction::kNone;
  QualifiedTableName table;
  std::vector<SetClause> set;
  std::unique_ptr<JoinClause> from;  // UPDATE ... FROM
  ExprPtr where;
  std::vector<ResultColumn> returning;
  std::vector<OrderingTerm> order_by;
  ExprPtr limit;
  ExprPtr offset;
};

class DeleteStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kDeleteStmt;
  DeleteStmt() : Statement(kType) {}

  std::unique_ptr<WithClause> with;
  QualifiedTableName table;
  ExprPtr where;
  std::vector<ResultColumn> returning;
  std::vector<OrderingTerm> order_by;
  ExprPtr limit;
  ExprPtr offset;
};

// ---------------------------------------------------------------------------------------------
// DDL
// ---------------------------------------------------------------------------------------------

enum class ForeignKeyAction : uint8_t { kNone, kSetNull, kSetDefault, kCascade, kRestrict,
                                        kNoAction };

struct ForeignKeyClause {
  Identifier table;
  std::vector<Identifier> columns;  // empty: the parent's primary key
  ForeignKeyAction on_delete = ForeignKeyAction::kNone;  // kNone: not written
  ForeignKeyAction on_update = ForeignKeyAction::kNone;
  std::optional<Identifier> match;  // MATCH name (parsed, ignored by SQLite)
  enum class Deferrable : uint8_t { kNone, kDeferrable, kNotDeferrable };
  Deferrable deferrable = Deferrable::kNone;
  enum class Initially : uint8_t { kDefault, kDeferred, kImmediate };
  Initially initially = Initially::kDefault;
};

struct ColumnConstraint {
  enum class Kind : uint8_t {
    kPrimaryKey,  // direction, conflict, autoincrement
    kNotNull,     // conflict
    kNull,        // conflict (NULL is accepted and ignored by SQLite)
    kUnique,      // conflict
    kCheck,       // expr
    kDefault,     // expr
    kCollate,     // collation
    kReferences,  // foreign_key
    kGenerated,   // expr, stored
  };
  Kind kind = Kind::kNotNull;
  std::optional<Identifier> name;  // CONSTRAINT name
  SortDirection direction = SortDirection::kDefault;
  ConflictAction conflict = ConflictAction::kNone;
  bool autoincrement = false;
  // kCheck/kGenerated: the expression. kDefault: a literal, a signed number (UnaryExpr over a
  // literal), a bare identifier (as a string Literal, or kTrue/kFalse), or any expression that
  // was written in parentheses.
  ExprPtr expr;
  Identifier collation;
  std::optional<ForeignKeyClause> foreign_key;
  bool generated_always = false;  // GENERATED ALWAYS AS (...) vs AS (...)
  bool stored = false;            // kGenerated: STORED (else VIRTUAL)
  bool virtual_written = false;   // kGenerated: VIRTUAL spelled out
  SourceSpan span;
};

class ColumnDef final : public Node {
 public:
  static constexpr NodeType kType = NodeType::kColumnDef;
  ColumnDef() : Node(kType) {}

  Identifier name;
  std::optional<TypeName> type;
  std::vector<ColumnConstraint> constraints;
};

struct TableConstraint {
  enum class Kind : uint8_t { kPrimaryKey, kUnique, kCheck, kForeignKey };
  Kind kind = Kind::kPrimaryKey;
  std::optional<Identifier> name;
  std::vector<OrderingTerm> columns;  // kPrimaryKey/kUnique
  ConflictAction conflict = ConflictAction::kNone;
  bool autoincrement = false;         // kPrimaryKey
  ExprPtr check;                      // kCheck
  std::vector<Identifier> fk_columns;  // kForeignKey
  std::optional<ForeignKeyClause> foreign_key;
  SourceSpan span;
};

class CreateTableStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCreateTableStmt;
  CreateTableStmt() : Statement(kType) {}

  bool temporary = false;
  bool if_not_exists = false;
  QualifiedName name;
  std::vector<std::unique_ptr<ColumnDef>> columns;
  std::vector<TableConstraint> constraints;
  bool without_rowid = false;
  bool strict = false;
  std::unique_ptr<SelectStmt> as_select;  // CREATE TABLE ... AS SELECT (then no columns)
};

class CreateIndexStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCreateIndexStmt;
  CreateIndexStmt() : Statement(kType) {}

  bool unique = false;
  bool if_not_exists = false;
  QualifiedName name;
  Identifier table;
  std::optional<Identifier> using_method;  // dosql: USING hnsw
  std::vector<OrderingTerm> columns;
  std::vector<OptionItem> options;         // dosql: WITH (m = 16, ...)
  ExprPtr where;                           // partial index
};

class CreateViewStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCreateViewStmt;
  CreateViewStmt() : Statement(kType) {}

  bool temporary = false;
  bool if_not_exists = false;
  QualifiedName name;
  std::vector<Identifier> columns;
  std::unique_ptr<SelectStmt> select;
};

class CreateTriggerStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCreateTriggerStmt;
  CreateTriggerStmt() : Statement(kType) {}

  enum class Timing : uint8_t { kDefault, kBefore, kAfter, kInsteadOf };
  enum class Event : uint8_t { kDelete, kInsert, kUpdate };
  bool temporary = false;
  bool if_not_exists = false;
  QualifiedName name;
  Timing timing = Timing::kDefault;  // kDefault behaves as BEFORE
  Event event = Event::kInsert;
  std::vector<Identifier> update_columns;  // UPDATE OF a, b
  Identifier table;                        // ON table (SQLite: fullname; schema kept below)
  std::optional<Identifier> table_schema;
  bool for_each_row = false;
  ExprPtr when;
  // INSERT, UPDATE, DELETE or SELECT statements (unqualified targets, no INDEXED BY).
  std::vector<std::unique_ptr<Statement>> body;
};

class CreateVirtualTableStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCreateVirtualTableStmt;
  CreateVirtualTableStmt() : Statement(kType) {}

  bool if_not_exists = false;
  QualifiedName name;
  Identifier module;
  bool has_args = false;           // USING m(...) vs USING m
  std::vector<std::string> args;   // raw text of each non-empty argument, trimmed
};

class DropStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kDropStmt;
  DropStmt() : Statement(kType) {}

  enum class ObjectKind : uint8_t { kTable, kIndex, kView, kTrigger };
  ObjectKind object = ObjectKind::kTable;
  bool if_exists = false;
  QualifiedName name;
};

class AlterTableStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kAlterTableStmt;
  AlterTableStmt() : Statement(kType) {}

  enum class Action : uint8_t { kRenameTable, kRenameColumn, kAddColumn, kDropColumn };
  QualifiedName table;
  Action action = Action::kRenameTable;
  Identifier new_name;     // kRenameTable, kRenameColumn
  Identifier column_name;  // kRenameColumn (old name), kDropColumn
  std::unique_ptr<ColumnDef> column;  // kAddColumn
};

// ---------------------------------------------------------------------------------------------
// Transactions and utility statements
// ---------------------------------------------------------------------------------------------

class BeginStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kBeginStmt;
  BeginStmt() : Statement(kType) {}

  enum class Mode : uint8_t { kDefault, kDeferred, kImmediate, kExclusive };
  Mode mode = Mode::kDefault;  // kDefault behaves as DEFERRED
};

class CommitStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCommitStmt;
  CommitStmt() : Statement(kType) {}

  bool end_keyword = false;  // written as END
};

class RollbackStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kRollbackStmt;
  RollbackStmt() : Statement(kType) {}

  std::optional<Identifier> savepoint;  // ROLLBACK TO [SAVEPOINT] name
};

class SavepointStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kSavepointStmt;
  SavepointStmt() : Statement(kType) {}

  Identifier name;
};

class ReleaseStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kReleaseStmt;
  ReleaseStmt() : Statement(kType) {}

  Identifier name;
};

class PragmaStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kPragmaStmt;
  PragmaStmt() : Statement(kType) {}

  enum class ValueKind : uint8_t { kNone, kName, kString, kNumber };
  QualifiedName name;
  ValueKind value_kind = ValueKind::kNone;
  // kName: the identifier or keyword (ON, DELETE, DEFAULT, ...) as written, dequoted;
  // kString: the unescaped string; kNumber: the number with its sign ("-1", "2.5").
  std::string value;
  bool call_form = false;  // PRAGMA x(value) rather than PRAGMA x = value
};

class AnalyzeStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kAnalyzeStmt;
  AnalyzeStmt() : Statement(kType) {}

  std::optional<QualifiedName> target;  // schema, table or index; absent: everything
};

class ReindexStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kReindexStmt;
  ReindexStmt() : Statement(kType) {}

  std::optional<QualifiedName> target;  // collation, table or index; absent: everything
};

class VacuumStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kVacuumStmt;
  VacuumStmt() : Statement(kType) {}

  std::optional<Identifier> schema;
  ExprPtr into;  // VACUUM INTO expr
};

class AttachStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kAttachStmt;
  AttachStmt() : Statement(kType) {}

  // SQLite evaluates these as expressions in which a bare identifier means its own name.
  ExprPtr file;
  ExprPtr schema_name;
  ExprPtr key;  // KEY expr (optional)
};

class DetachStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kDetachStmt;
  DetachStmt() : Statement(kType) {}

  ExprPtr schema_name;
};

class ExplainStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kExplainStmt;
  ExplainStmt() : Statement(kType) {}

  bool query_plan = false;  // EXPLAIN QUERY PLAN
  std::unique_ptr<Statement> statement;
};

// ---------------------------------------------------------------------------------------------
// dosql extensions
// ---------------------------------------------------------------------------------------------

// CREATE BRANCH name [FROM parent] [AS OF point]
class CreateBranchStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCreateBranchStmt;
  CreateBranchStmt() : Statement(kType) {}

  bool if_not_exists = false;
  Identifier name;
  std::optional<Identifier> from;
  std::optional<TemporalPoint> as_of;
};

class CheckoutBranchStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCheckoutBranchStmt;
  CheckoutBranchStmt() : Statement(kType) {}

  Identifier name;
};

class MergeBranchStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kMergeBranchStmt;
  MergeBranchStmt() : Statement(kType) {}

  Identifier source;
  Identifier target;
};

class DropBranchStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kDropBranchStmt;
  DropBranchStmt() : Statement(kType) {}

  bool if_exists = false;
  Identifier name;
};

struct ProcedureParam {
  Identifier name;
  std::optional<TypeName> type;
};

// CREATE [OR REPLACE] PROCEDURE name(params) AS MODULE $$ body $$
class CreateProcedureStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCreateProcedureStmt;
  CreateProcedureStmt() : Statement(kType) {}

  bool or_replace = false;
  QualifiedName name;
  std::vector<ProcedureParam> params;
  Identifier language;  // the word after AS, e.g. MODULE
  std::string body;     // text between the $$ delimiters (or the unescaped string literal)
};

class CallStmt final : public Statement {
 public:
  static constexpr NodeType kType = NodeType::kCallStmt;
  CallStmt() : Statement(kType) {}

  QualifiedName name;
  ExprList args;
};

// ---------------------------------------------------------------------------------------------
// Printing
// ---------------------------------------------------------------------------------------------

// Canonical SQL for any node (statement, expression, table reference, select core, window
// definition or column definition). Statements are printed without a trailing semicolon.
std::string ToSql(const Node& node);

// Canonical spelling of an identifier: bare when that is unambiguous, else "double-quoted"
// (always double-quoted when it was double-quoted in the source).
std::string QuoteIdentifier(const Identifier& id);
// 'text' with quotes doubled.
std::string QuoteString(std::string_view text);

}  // namespace dosql::parser
