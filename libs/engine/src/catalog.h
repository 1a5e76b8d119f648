// dosql::engine (internal) — the catalog: tables, indexes, views and triggers as the engine
// sees them, built from the CREATE statements stored in the catalog tree.
//
// The catalog tree (the store's lowest TreeKind::kInternal tree) holds one row per schema object,
// keyed by RowidKey(n), with the record (type, name, tbl_name, rootpage, sql) — the columns of
// SQLite's sqlite_schema; rootpage is the object's TreeId (0 for views and triggers). Key 0 holds
// the schema cookie record (user_version, schema version, application_id). Layout: docs/formats/catalog.md.
//
// A Schema is immutable once published; DDL copies it (the object pointers are shared) and the
// copy becomes visible at commit. Objects keep their parsed CREATE statement.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/affinity.h"
#include "dosql/engine/compare.h"
#include "dosql/parser/ast.h"
#include "dosql/transaction/store.h"

namespace dosql::engine {

std::string Lower(std::string_view s);
std::string Upper(std::string_view s);
// ASCII case-insensitive equality (SQL identifiers and keywords).
bool IEquals(std::string_view a, std::string_view b);
// rowid, oid or _rowid_.
bool IsRowidName(std::string_view name);

// Tree ids as the engine holds them carry their database: the store's raw TreeId in the low 48
// bits and the tag of the store (DatabaseImpl::tag, unique in the process while the store is
// open) above. A connection routes a tagged id to its transaction on that store (conn.h), so a
// schema object can be shared by every connection that has the database open, whatever name
// they attached it under. Catalog rows store raw ids. 0 stays 0 (no tree).
inline constexpr int kTreeTagShift = 48;
inline uint64_t TreeTag(transaction::TreeId t) { return t >> kTreeTagShift; }
inline transaction::TreeId RawTreeId(transaction::TreeId t) {
  return t & ((uint64_t{1} << kTreeTagShift) - 1);
}
inline transaction::TreeId TaggedTreeId(uint64_t tag, transaction::TreeId raw) {
  return raw == 0 ? 0 : (tag << kTreeTagShift) | raw;
}

struct ColumnInfo {
  std::string name;
  std::string decl_type;
  Affinity affinity = Affinity::kBlob;
  Collation collation = Collation::kBinary;
  bool not_null = false;
  parser::ConflictAction not_null_conflict = parser::ConflictAction::kNone;
  bool primary_key = false;
  const parser::Expr* default_expr = nullptr;  // owned by the table's statement
  // What rows written before ALTER TABLE ADD COLUMN read for this column: the constant
  // default (with the column's affinity), else NULL.
  Value missing_value;
  const parser::Expr* generated = nullptr;     // generated column expression
  bool generated_stored = false;               // GENERATED ... STORED (else VIRTUAL)
  bool hidden = false;
};

struct IndexColumn {
  int column = -1;                        // table column, -1 for an expression, -2 for rowid
  const parser::Expr* expr = nullptr;     // expression index
  bool desc = false;
  Collation collation = Collation::kBinary;
};

struct TableInfo;

struct IndexInfo {
  std::string name;
  std::string table;  // lower case
  transaction::TreeId tree = 0;
  bool unique = false;
  bool auto_index = false;  // sqlite_autoindex_* (UNIQUE / PRIMARY KEY)
  bool primary_key = false;
  parser::ConflictAction on_conflict = parser::ConflictAction::kNone;
  std::vector<IndexColumn> columns;
  const parser::Expr* where = nullptr;  // partial index
  std::string sql;                      // empty for automatic indexes
  std::shared_ptr<parser::Statement> stmt;
  int64_t catalog_id = 0;
  // sqlite_stat1 (ANALYZE): rows in the index, then the average rows per distinct value of each
  // column prefix. Empty: no statistics.
  std::vector<int64_t> stat;
};

struct CheckInfo {
  std::string name;
  const parser::Expr* expr = nullptr;
};

// A FOREIGN KEY (column-level REFERENCES or table-level FOREIGN KEY) of a child table.
struct ForeignKeyInfo {
  std::string parent;                       // the parent table's name as written
  std::vector<int> columns;                 // child columns, in declaration order
  std::vector<std::string> parent_columns;  // as written; empty: the parent's PRIMARY KEY
  parser::ForeignKeyAction on_delete = parser::ForeignKeyAction::kNone;  // kNone: NO ACTION
  parser::ForeignKeyAction on_update = parser::ForeignKeyAction::kNone;
  bool deferred = false;  // DEFERRABLE INITIALLY DEFERRED
  int id = 0;             // SQLite's numbering: the last declared is 0
};

struct TableInfo {
  std::string name;  // as declared
  transaction::TreeId tree = 0;
  std::vector<ColumnInfo> columns;
  int rowid_alias = -1;  // INTEGER PRIMARY KEY column
  bool without_rowid = false;
  bool strict = false;
  bool autoincrement = false;
  std::vector<int> pk_columns;
  parser::ConflictAction pk_conflict = parser::ConflictAction::kNone;
  std::vector<CheckInfo> checks;
  std::vector<ForeignKeyInfo> foreign_keys;  // in id order (the last declared first)
  std::vector<std::shared_ptr<IndexInfo>> indexes;  // incl. automatic ones
  std::string sql;
  std::shared_ptr<parser::Statement> stmt;
  int64_t catalog_id = 0;
  bool is_schema_table = false;  // sqlite_schema itself
  int64_t stat_rows = -1;         // sqlite_stat1 row count (ANALYZE); -1: unknown
  // sqlite_schema only: catalog rows not shown (the primary key index of a WITHOUT ROWID table,
  // which SQLite stores as the table itself).
  std::vector<int64_t> hidden_catalog_rows;

  int FindColumn(std::string_view name) const;  // -1 if none
  // The PRIMARY KEY or a UNIQUE index is declared ON CONFLICT REPLACE: a write may delete rows.
  bool DeclaresReplace() const;
};

struct ViewInfo {
  std::string name;
  std::vector<std::string> columns;  // declared column names (may be empty)
  std::shared_ptr<parser::Statement> stmt;  // CreateViewStmt
  const parser::SelectStmt* select = nullptr;
  std::string sql;
  int64_t catalog_id = 0;
};

struct TriggerInfo {
  std::string name;
  std::string table;  // lower case
  // The tag of the database whose schema holds the trigger (its body's unqualified names
  // resolve there unless it is a TEMP trigger); 0: unknown (resolve as the caller does).
  uint64_t db_tag = 0;
  std::shared_ptr<parser::Statement> stmt;  // CreateTriggerStmt
  const parser::CreateTriggerStmt* create = nullptr;
  std::string sql;
  int64_t catalog_id = 0;
};

struct Schema {
  std::map<std::string, std::shared_ptr<TableInfo>> tables;   // lower-case name
  std::map<std::string, std::shared_ptr<IndexInfo>> indexes;
  std::map<std::string, std::shared_ptr<ViewInfo>> views;
  std::map<std::string, std::shared_ptr<TriggerInfo>> triggers;
  int64_t next_catalog_id = 1;
  int64_t user_version = 0;
  int64_t schema_version = 0;
  int64_t application_id = 0;
  transaction::TreeId catalog_tree = 0;
  uint64_t db_tag = 0;  // the store this schema describes (see TreeTag)

  const TableInfo* FindTable(std::string_view name) const;
  const ViewInfo* FindView(std::string_view name) const;
  const IndexInfo* FindIndex(std::string_view name) const;
  bool NameInUse(std::string_view name) const;
};

// Builds a TableInfo from a CREATE TABLE statement (columns, affinities, constraints). The
// automatic indexes are described but get their trees from the caller.
Result<std::shared_ptr<TableInfo>> BuildTable(std::shared_ptr<parser::Statement> stmt,
                                              std::string sql);
Result<std::shared_ptr<IndexInfo>> BuildIndex(const TableInfo& table,
                                              std::shared_ptr<parser::Statement> stmt,
                                              std::string sql);

// Reads every catalog row of a snapshot of the store tagged `tag` into a Schema (catalog_tree 0 =
// empty database); the tree ids it holds are tagged.
template <typename Txn>
Result<std::shared_ptr<Schema>> LoadSchema(const Txn& txn, uint64_t tag);
// Applies one sqlite_stat1 row (tbl, idx, stat) to the statistics of `schema`; rows naming
// unknown tables or indexes, or without numbers, are ignored (as SQLite does).
void ApplyStat1Row(Schema& schema, const Value& tbl, const Value& idx, const Value& stat);

// The column list the catalog uses for sqlite_schema.
const TableInfo& SchemaTableInfo();

}  // namespace dosql::engine
