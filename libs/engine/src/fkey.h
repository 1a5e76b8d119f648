// dosql::engine (internal) — FOREIGN KEY enforcement (PRAGMA foreign_keys=ON), done the way
// SQLite's fkey.c does it.
//
// What it is for: every row a DML statement adds or removes is checked against the foreign keys
// of its table (the table as child: does the parent row exist?) and against the foreign keys
// that reference it (the table as parent: how many child rows point at this key?). Violations
// are not errors at once: they move a counter — the running statement's for immediate
// constraints, the transaction's for DEFERRABLE INITIALLY DEFERRED ones (and for all of them
// under PRAGMA defer_foreign_keys) — and a row that removes a violation moves it back. The
// statement fails at its end if its counter is not zero; COMMIT fails (the transaction stays
// open) if the transaction's is not. ON DELETE / ON UPDATE actions run as SQLite's do: as
// AFTER triggers on the parent whose body is DELETE / UPDATE / SELECT RAISE on the child.
// Parents are looked up through their PRIMARY KEY or UNIQUE index (affinity and collation of
// the parent key); children are counted with a query the planner answers from a child index
// if there is one, else by a scan.
//
// Ownership: an FkTable belongs to one execution of one DML statement on one table (it holds
// the schema it was prepared against and the queries it compiled). Threads: a connection's.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "catalog.h"
#include "exec.h"

namespace dosql::engine {

struct ConnectionImpl;
struct FkQuery;

// A foreign key with its parent key resolved against a schema.
struct ResolvedFk {
  const TableInfo* child = nullptr;
  const ForeignKeyInfo* fk = nullptr;
  const TableInfo* parent = nullptr;  // null: no such table
  const IndexInfo* index = nullptr;   // the parent key's unique index; null: the rowid
  std::vector<int> parent_columns;    // the parent column of each FK column
  std::vector<int> index_order;       // for each index column, the FK column it holds
  std::string error;  // why it cannot be enforced ("foreign key mismatch - ...")
};

ResolvedFk ResolveForeignKey(const Schema& schema, const TableInfo& child,
                             const ForeignKeyInfo& fk);

// Whether `parent` has a child row for the key in `child_vals` (a row of fk's child table).
// `self` (INSERT of a row into a self-referencing table): the row's own values and rowid,
// which satisfy the key without being stored yet.
// `conn` resolves a user-defined collation of the parent key's index.
Result<bool> ParentKeyExists(ConnectionImpl* conn, DataAccess* data, const ResolvedFk& r,
                             const std::vector<Value>& child_vals,
                             const std::vector<Value>* self = nullptr, int64_t self_rowid = 0);

enum class FkOp { kInsert, kUpdate, kDelete };

// The foreign-key work of one DML statement on one table.
class FkTable {
 public:
  ~FkTable();
  // Null when foreign keys are off or `t` has none and none references it. Fails with SQLite's
  // prepare-time errors (no such parent table, foreign key mismatch) for what `op` touches.
  // `updated`: the columns an UPDATE assigns (-2: the rowid). `single_row`: a one-row INSERT
  // ... VALUES at top level, which SQLite does not check as a parent for immediate keys.
  static Result<std::unique_ptr<FkTable>> Prepare(ConnectionImpl* conn,
                                                  std::shared_ptr<const Schema> schema,
                                                  const TableInfo& t, FkOp op,
                                                  const std::set<int>* updated, bool single_row);

  // A row about to leave the table (DELETE, REPLACE, the old image of an UPDATE, before the
  // row is removed) / about to enter it (after the old image is gone, before it is written).
  // `updated` is null except for UPDATE.
  Status OldRow(Exec& ex, const std::vector<Value>& vals, int64_t rowid,
                const std::set<int>* updated);
  Status NewRow(Exec& ex, const std::vector<Value>& vals, int64_t rowid,
                const std::set<int>* updated);
  // ON DELETE (new_vals null) / ON UPDATE actions, after the row was removed or rewritten.
  Status Actions(Exec& ex, const std::vector<Value>& old_vals, int64_t old_rowid,
                 const std::vector<Value>* new_vals, int64_t new_rowid,
                 const std::set<int>* updated);

 private:
  FkTable() = default;
  Status Lookup(Exec& ex, const ResolvedFk& r, const std::vector<Value>& vals, int64_t rowid,
                int incr);
  Status ScanChildren(Exec& ex, size_t ref, const std::vector<Value>& vals, int64_t rowid,
                      int incr);
  Result<const TriggerInfo*> ActionTrigger(size_t ref, bool update);

  ConnectionImpl* conn_ = nullptr;
  std::shared_ptr<const Schema> schema_;
  const TableInfo* table_ = nullptr;
  bool dropping_ = false;   // DROP TABLE's implicit DELETE: errors ignored, no triggers
  bool single_row_ = false;
  std::vector<ResolvedFk> children_;  // the table's own foreign keys
  std::vector<ResolvedFk> refs_;      // foreign keys of other tables (or itself) referencing it
  std::vector<std::unique_ptr<FkQuery>> counts_;   // per ref: the child-counting query
  std::vector<std::shared_ptr<TriggerInfo>> actions_;  // per ref: delete, update action
  std::vector<bool> actions_built_;
};

// The counters (see the file comment).
void FkCount(ConnectionImpl* conn, bool deferred, int64_t n);
bool FkIsZero(ConnectionImpl* conn, bool deferred);

// DROP TABLE with foreign keys on: deletes every row as a DELETE would (actions run, triggers do
// not), then fails if that left immediate violations.
Status FkDropTable(ConnectionImpl* conn, Exec& ex, const TableInfo& t);

// Runs an action trigger (dml.cc): like a trigger, but allowed to recurse.
Status RunActionTrigger(ConnectionImpl* conn, Exec& ex, const TriggerInfo& tr,
                        const TableInfo& table, const std::vector<Value>* old_vals,
                        int64_t old_rowid, const std::vector<Value>* new_vals, int64_t new_rowid);

}  // namespace dosql::engine
