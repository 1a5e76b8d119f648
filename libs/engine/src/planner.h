// dosql::engine (internal) — the binder and planner: parser AST + catalog -> operator trees.
//
// Names are resolved against a chain of Scopes (one per query level); expressions compile to
// CExpr trees with SQLite's affinity and collation rules; SELECTs become a RowSrc whose frame
// operators scan, join (nested loop, index lookup, hash join), filter, aggregate, and whose row
// sources project, sort, deduplicate, combine and limit. Constant subexpressions are folded.
#pragma once

#include <climits>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.h"
#include "exec.h"
#include "ops.h"

namespace dosql::engine {

struct ColBinding {
  std::string name;
  Affinity affinity = Affinity::kBlob;
  Collation collation = Collation::kBinary;
  bool has_collation = false;
  std::string decl_type;
  int slot = 0;
  bool hidden = false;  // a hidden column (table-valued function arguments): not in * or t.*
};

struct SourceBinding {
  std::string alias;  // lower case: the name used to qualify columns
  std::string table_name;  // lower case name of the table/view (for "main.t.c" forms)
  std::vector<ColBinding> cols;
  int rowid_slot = -1;
  bool rowid_hidden = false;  // WITHOUT ROWID: the slot exists but has no name
  const TableInfo* table = nullptr;
  std::set<std::string> hidden;  // columns merged by USING/NATURAL (not in *, not ambiguous)
  // RIGHT/FULL JOIN USING: an unqualified merged column is coalesce(this, other slot).
  std::map<std::string, ColBinding> coalesce;
  bool qualified_only = false;  // UPSERT's "excluded": never matches an unqualified name
  int base = 0;
};

struct ResultColumnInfo {
  std::string name;
  std::string decl_type;
  Affinity affinity = Affinity::kNone;
  Collation collation = Collation::kBinary;
  bool has_collation = false;
  bool explicit_collation = false;  // from a COLLATE in the result expression
};

struct CteDef {
  std::string name;  // lower case
  const parser::CommonTableExpr* cte = nullptr;
  std::string_view sql;
  // While planning the recursive part: the working table.
  std::vector<Row>* working = nullptr;
  std::vector<ResultColumnInfo> working_cols;
  bool recursive = false;
};

struct AggCollector;
struct WindowCollector;
struct PushedTerms;

struct Scope {
  Scope* parent = nullptr;
  int level = 0;
  std::vector<SourceBinding> sources;
  int nslots = 0;
  std::string_view sql;  // the text the AST spans point into (for column names)
  AggCollector* agg = nullptr;   // non-null while binding an aggregate query's outputs
  WindowCollector* win = nullptr;  // non-null where window functions may appear
  const std::vector<std::unique_ptr<parser::WindowDef>>* windows = nullptr;  // WINDOW clause
  // Aggregate queries: the slots read outside aggregate arguments (bare columns), which the
  // aggregate must keep per group.
  std::set<int>* bare_slots = nullptr;
  // Aggregate queries: GROUP BY terms (canonical SQL) and the slots holding each group's value of
  // them (the group's first row, as SQLite's sorter gives it); the same expression in the result
  // columns, HAVING or ORDER BY reads that slot.
  struct GroupTerm {
    std::string sql;
    int slot = 0;
    const CExpr* key = nullptr;
  };
  const std::vector<GroupTerm>* group_terms = nullptr;
  // Set while compiling an aggregate's arguments when some arithmetic is common to several of
  // them (AggCollector::common): that arithmetic compiles as a read of its slot.
  AggCollector* agg_args = nullptr;
  const char* agg_forbidden = nullptr;  // "WHERE", "GROUP BY", ... when aggregates are misuse
  const std::vector<parser::ResultColumn>* aliases = nullptr;  // result aliases visible
  // The smallest query level that something in this scope (or below) referenced: < level means
  // correlated with an enclosing query.
  int min_ref_level = INT_MAX;
  // Set while compiling a conjunct: which sources of this scope it references.
  uint64_t* ref_mask = nullptr;
  // Trigger bodies: NEW / OLD pseudo-tables live in these slots.
  bool in_trigger = false;
  // Set while this SELECT's FROM is planned with WHERE terms of an enclosing query pushed into
  // it: their references to this SELECT's result columns compile as those columns' expressions.
  const PushedTerms* pushed = nullptr;
  // Slots that some compiled expression reads (scans decode only the columns whose slot is
  // marked; see FromPlanner::ApplyColumnMasks).
  std::vector<char> used_slots;
  void MarkUsed(int slot) {
    if (slot < 0) return;
    if (static_cast<size_t>(slot) >= used_slots.size()) used_slots.resize(static_cast<size_t>(slot) + 1, 0);
    used_slots[static_cast<size_t>(slot)] = 1;
  }
};

struct PlanContext {
  const Schema* schema = nullptr;            // the main database's
  std::shared_ptr<const Schema> schema_ref;  // keeps `schema` alive
  ConnectionImpl* conn = nullptr;
  // The connection's databases as this plan sees them, by index (ConnectionImpl::dbs).
  struct Db {
    std::string name;
    std::shared_ptr<const Schema> schema;
    std::shared_ptr<TableInfo> schema_table;  // its sqlite_schema (made on first use)
  };
  std::vector<Db> dbs;
  // Unqualified names resolve only in this database (a view or trigger body of a non-TEMP
  // schema; see ConnectionImpl::resolve_db), -1: in temp, main, then the attached ones.
  int pinned_db = -1;
  int max_level = 0;
  std::vector<CteDef> ctes;  // stack of visible CTEs
  std::vector<std::unique_ptr<std::vector<Row>>> buffers;
  int view_depth = 0;
  bool readonly = true;
  // When set, every table what is planned scans is added (nullptr: a table-valued function,
  // whose reads are not known): INSERT ... SELECT streams its source unless it reads the target.
  std::set<const TableInfo*>* reads = nullptr;
  // How many calls whose value may change from one row to the next (random(), changes(), a
  // user function not declared deterministic) have been compiled: a WHERE term that compiled
  // none and reads no table of its query is the same for all of its rows.
  int volatile_calls = 0;
  // Planning a SELECT statement (which writes nothing): a correlated subquery may keep its rows
  // while the outer values it reads repeat (SubqueryRunner in planner.cc).
  bool read_only_statement = false;
  // Uncorrelated subqueries compiled so far (volatile ones only for IN), by AST and query level:
  // a WHERE term and the access path made from it share one (Binder::CompileSharedSubquery).
  struct SharedSubquery {
    std::shared_ptr<void> runner;  // a SubqueryRunner (planner.cc)
    std::vector<ResultColumnInfo> columns;
  };
  std::map<std::pair<const parser::SelectStmt*, int>, SharedSubquery> subqueries;
  // The SELECT core of an EXISTS subquery being planned: its result columns are resolved (their
  // errors reported) but not evaluated, as SQLite's (PlanCore).
  const parser::SelectCore* exists_core = nullptr;
};

// A planning context for `conn` over `schema` (sqlite_schema reads its catalog tree).
std::unique_ptr<PlanContext> NewPlanContext(ConnectionImpl* conn,
                                            std::shared_ptr<const Schema> schema);

struct CompiledQuery {
  RowSrcPtr src;
  std::vector<ResultColumnInfo> columns;
  // A compound's rightmost SELECT's columns: as SQLite, an expression subquery (IN, scalar, row
  // value) compares with their affinity and collation. Empty: the same as `columns`.
  std::vector<ResultColumnInfo> rightmost;
  int min_ref_level = INT_MAX;  // see Scope::min_ref_level
  std::string plan;             // EXPLAIN QUERY PLAN text
};

Result<CompiledQuery> PlanSelect(PlanContext& ctx, const parser::SelectStmt& stmt, Scope* outer,
                                 std::string_view sql);

// Compiles an expression in `scope` (no aggregates).
Result<CExprPtr> CompileExpr(PlanContext& ctx, Scope& scope, const parser::Expr& e);

// Adds a table to a scope as a source (allocating its slots); returns its index.
int AddTableSource(Scope& scope, const TableInfo& table, std::string alias);

// Plans a scan of `source` of `scope` filtered by `where` (may be null), choosing rowid or
// index access from the conjuncts; used by UPDATE and DELETE. With `only_used_columns`, the scan
// decodes only the columns marked in scope.used_slots once `where` is compiled (an index scan
// whose terms all became its bounds then reads no row at all).
Result<OpPtr> PlanSingleTableScan(PlanContext& ctx, Scope& scope, int source,
                                  const parser::Expr* where, bool only_used_columns = false);

// Makes the CTEs of a WITH clause visible to what is planned next with `ctx`.
[[nodiscard]] Status PushWith(PlanContext& ctx, const parser::WithClause& with,
                              std::string_view sql);

// (a, b) = (SELECT x, y ...): one expression per column of the subquery's first row.
Result<std::vector<CExprPtr>> CompileSubqueryColumns(PlanContext& ctx, Scope& scope,
                                                     const parser::SelectStmt& select);

// Plans a FROM clause into an existing scope whose first source(s) were added with AddSource
// (UPDATE ... FROM). Bind before compiling expressions that use the FROM's columns.
class JoinPlanner {
 public:
  JoinPlanner(PlanContext& ctx, Scope& scope);
  ~JoinPlanner();
  void AddSource(int source);
  Status Bind(const parser::JoinClause& from);
  Result<OpPtr> Build(const parser::Expr* where);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A sort key for an ORDER BY term on column `column` of the rows sorted (NULLs first when
// ascending, as SQLite, unless NULLS FIRST/LAST says otherwise).
SortKey SortKeyFor(const parser::OrderingTerm& t, int column);

// The name SQLite gives a result column written as `e` (its text) in `sql`.
std::string ExprText(std::string_view sql, const parser::Expr& e);

// A table or view named [schema.]name, found as SQLite finds it: in the named database, else in
// ctx.pinned_db, else in temp, main and the attached databases in order; `db` is its database.
// Nothing found: table and view null (unknown_db when the schema name is not a database).
struct NamedObject {
  const TableInfo* table = nullptr;
  const ViewInfo* view = nullptr;
  int db = -1;
  bool unknown_db = false;
};
NamedObject LookupObject(PlanContext& ctx, const std::optional<parser::Identifier>& schema,
                         std::string_view name);
// Only the table (unqualified name).
const TableInfo* LookupTable(PlanContext& ctx, std::string_view name);
// The sqlite_schema table of database `db`.
const TableInfo* SchemaTableOf(PlanContext& ctx, int db);

}  // namespace dosql::engine
