// dosql::engine (internal) — the state behind Database, Connection and Statement, and the
// statement executors (DDL in ddl.cc, DML in dml.cc).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "aggregate.h"
#include "catalog.h"
#include "dosql/engine/database.h"
#include "dosql/fsx/fsx.h"
#include "dosql/transaction/store.h"
#include "exec.h"
#include "planner.h"

namespace dosql::engine {

struct DatabaseImpl {
  std::string path;
  bool in_memory = false;
  DatabaseOptions options;
  std::shared_ptr<fsx::FileSystem> fs;
  std::unique_ptr<transaction::Store> store;
  std::mutex mu;
  std::shared_ptr<const Schema> schema;  // committed
  std::atomic<int> connections{0};  // Connect() may run on several threads at once
};

// A function registered with Connection::Create*Function.
struct StatementImpl;

struct UserFunction {
  std::string name;  // lower case
  int num_args = -1;
  FunctionFlags flags;
  ScalarFunction scalar;                         // scalar functions
  std::shared_ptr<AggregateFunction> aggregate;  // aggregate and window functions
};

struct ConnectionImpl {
  std::shared_ptr<Database> db_ref;  // keeps the database alive
  Database* db = nullptr;
  DatabaseImpl* dbi = nullptr;
  std::unique_ptr<transaction::WriteTransaction> txn;
  std::unique_ptr<transaction::ReadTransaction> snapshot;  // BEGIN DEFERRED before any write
  bool explicit_txn = false;
  std::shared_ptr<Schema> txn_schema;  // schema changed inside the open transaction
  struct SavepointEntry {
    std::string name;
    uint32_t handle = 0;
    bool started_txn = false;  // SAVEPOINT outside BEGIN opened the transaction
    int64_t fk_deferred = 0;   // the deferred foreign key counters when it was taken
    int64_t fk_deferred_imm = 0;
  };
  std::vector<SavepointEntry> savepoints;
  int64_t changes = 0;
  int64_t total_changes = 0;
  int64_t last_insert_rowid = 0;
  int error_offset = -1;
  int trigger_depth = 0;
  std::set<const TriggerInfo*> active_triggers;  // firing now (recursive_triggers is off)
  // The conflict resolution of the constraint that failed the running statement: FAIL keeps
  // the statement's earlier changes, ROLLBACK ends the transaction (else ABORT).
  parser::ConflictAction error_action = parser::ConflictAction::kNone;
  // PRAGMAs kept per connection.
  bool foreign_keys = false;
  // User-defined functions by (lower-case name, argument count); plans made before a change
  // are remade (the generation is part of what a compiled statement checks).
  std::map<std::pair<std::string, int>, std::shared_ptr<const UserFunction>> functions;
  // User-defined collations by lower-case name; changing them also advances the generation.
  std::map<std::string, std::shared_ptr<const UserCollation>> collations;
  std::function<void(std::string_view)> collation_needed;
  uint64_t functions_generation = 0;
  // The live statements prepared on this connection (closing the connection ends their runs),
  // and whether the Connection is gone.
  std::set<StatementImpl*> statements;
  bool closed = false;
  // Interrupt(): the generation of interrupt requests; a running statement fails when it sees
  // one newer than the generation it started at.
  std::atomic<uint64_t> interrupt_requests{0};
  std::chrono::milliseconds statement_timeout{0};

  // The user function for a call with `nargs` arguments (an exact count first, then -1).
  std::shared_ptr<const UserFunction> FindFunction(std::string_view lower_name, int nargs) const;
  // `c` with its user-defined function: built-in and resolved collations as they are; an
  // unresolved one from this connection's collations (asking collation_needed first), or
  // NotFound "no such collation sequence: NAME".
  Result<Collation> ResolveCollation(const Collation& c);
  // The same, but an unknown collation comes back unresolved instead of failing (for metadata
  // that only a later comparison may need).
  Collation TryResolveCollation(const Collation& c);
  bool defer_foreign_keys = false;  // reset by COMMIT and ROLLBACK
  bool recursive_triggers = false;
  int64_t cache_size = -2000;
  std::chrono::milliseconds busy_timeout{0};  // from the database options
  int64_t synchronous = -1;  // -1: from the database options (FULL, or OFF without fsync)
  // Foreign key violations (fkey.h): of the running top-level statement, of the transaction's
  // deferred constraints, and of immediate ones counted under defer_foreign_keys.
  int64_t fk_immediate = 0;
  int64_t fk_deferred = 0;
  int64_t fk_deferred_imm = 0;
  std::string fk_dropping;  // DROP TABLE's implicit DELETE runs on this table (lower case)

  // The schema statements see: the transaction's if it changed, else the committed one.
  std::shared_ptr<const Schema> CurrentSchema();
  // Opens the write transaction if none is open (autocommit statements and BEGIN IMMEDIATE).
  Status EnsureWrite();
  // Fails with "FOREIGN KEY constraint failed" (changing nothing) while deferred foreign key
  // violations are outstanding.
  Status CommitTxn();
  void RollbackTxn();
  // The statement-end foreign key check: immediate violations, and deferred ones if the
  // statement is about to commit.
  Status CheckForeignKeys(bool committing) const;
  // After a partial rollback, the schema is re-read from the transaction.
  Status ReloadTxnSchema();
};

// Data access through the connection's open transaction, or a snapshot.
class TxnDataAccess final : public DataAccess {
 public:
  TxnDataAccess(transaction::WriteTransaction* w, transaction::ReadTransaction* r)
      : w_(w), r_(r) {}
  Result<btree::Cursor> NewCursor(transaction::TreeId tree) override {
    return w_ ? w_->NewCursor(tree) : r_->NewCursor(tree);
  }
  Result<std::optional<std::string>> Get(transaction::TreeId tree, std::string_view key) override {
    return w_ ? w_->Get(tree, key) : r_->Get(tree, key);
  }

 private:
  transaction::WriteTransaction* w_;
  transaction::ReadTransaction* r_;
};

// A statement's compiled, executable form.
struct Program {
  std::unique_ptr<PlanContext> ctx;
  RowSrcPtr rows;  // SELECT / RETURNING / PRAGMA results
  std::vector<ResultColumnInfo> columns;
  bool writes = false;
  // Inside BEGIN, a writing statement runs under a statement savepoint so that a failure undoes
  // only it. A statement that checks everything before its first write (one-row INSERT ...
  // VALUES without triggers, REPLACE or UPSERT) does not need one.
  bool needs_statement_savepoint = true;
  // Run once at the first Step (DDL, DML, transaction control); may fill `rows`.
  std::function<Status(Exec&)> run;
};

// Compiles `stmt` for `conn` (sql is the statement's own text, for column names and CREATE
// texts).
Result<std::unique_ptr<Program>> Compile(ConnectionImpl* conn, const parser::Statement& stmt,
                                         std::string_view sql);

// The rows of a PRAGMA's query form (`PRAGMA name` / `PRAGMA name(arg)`), with SQLite's column
// names; no columns for unknown pragmas. Also the rows of the table-valued pragma_<name>().
// `data` null: the columns, the rows that need no data, and the errors SQLite gives at prepare.
struct PragmaRows {
  std::vector<ResultColumnInfo> columns;
  std::vector<Row> rows;
};
Result<PragmaRows> PragmaQuery(ConnectionImpl* conn, std::shared_ptr<const Schema> schema,
                               DataAccess* data, std::string_view name,
                               const std::optional<std::string>& arg);

// DDL and DML executors (called from Program::run).
Status ExecCreateTable(ConnectionImpl* conn, Exec& ex, const parser::CreateTableStmt& s,
                       std::string_view sql);
Status ExecCreateIndex(ConnectionImpl* conn, Exec& ex, const parser::CreateIndexStmt& s,
                       std::string_view sql);
Status ExecCreateView(ConnectionImpl* conn, const parser::CreateViewStmt& s, std::string_view sql);
Status ExecCreateTrigger(ConnectionImpl* conn, const parser::CreateTriggerStmt& s,
                         std::string_view sql);
Status ExecDrop(ConnectionImpl* conn, Exec& ex, const parser::DropStmt& s);
Status ExecAlter(ConnectionImpl* conn, Exec& ex, const parser::AlterTableStmt& s,
                 std::string_view sql);
Status ExecReindex(ConnectionImpl* conn, Exec& ex, const parser::ReindexStmt& s);

// DML: returns RETURNING rows (if any) in *returning.
struct DmlResult {
  std::vector<Row> returning;
  std::vector<ResultColumnInfo> columns;
};
// What a prepared DML statement keeps between executions (its compiled plan).
struct DmlCache;
std::shared_ptr<DmlCache> NewDmlCache();
// Compiles and runs an INSERT/UPDATE/DELETE. `outer` is the trigger scope (NEW/OLD) or null.
// With a cache (top-level statements), the plan is compiled once and reused.
Status ExecDml(ConnectionImpl* conn, Exec& ex, const parser::Statement& s, std::string_view sql,
               Scope* outer, DmlResult* result, DmlCache* cache = nullptr);
// The RETURNING columns of a DML statement (for column metadata at prepare time).
// The INSERT's plan made here is kept in `cache` for the first run.
Result<std::vector<ResultColumnInfo>> DmlReturningColumns(ConnectionImpl* conn,
                                                          const parser::Statement& s,
                                                          std::string_view sql, DmlCache* cache);

// Fills index `index_no` of `t` from the table's rows (CREATE INDEX, REINDEX); Constraint if a
// unique index finds duplicates.
Status PopulateIndex(ConnectionImpl* conn, const TableInfo& t, size_t index_no);
Status WriteCatalogRow(ConnectionImpl* conn, Schema& schema, int64_t id, std::string_view type,
                       std::string_view name, std::string_view tbl_name, int64_t root,
                       const std::string* sql);
Status BumpSchemaCookie(ConnectionImpl* conn, Schema& schema);
// Creates the trees and catalog rows of a table built from `sql` (internal tables such as
// sqlite_sequence and sqlite_stat1 too).
Status InstallTable(ConnectionImpl* conn, Schema& schema, const std::string& sql,
                    std::shared_ptr<TableInfo>* out);
// ANALYZE: fills sqlite_stat1 and the schema's statistics (analyze.cc).
Status ExecAnalyze(ConnectionImpl* conn, Exec& ex, const parser::AnalyzeStmt& s);
// Runs a statement compiled with Compile() inside the running statement `outer` (same data
// access) and returns its rows.
Result<std::vector<Row>> RunNested(Program& prog, Exec& outer);
Result<std::shared_ptr<Schema>> MutableSchema(ConnectionImpl* conn);

}  // namespace dosql::engine
