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
  ~DatabaseImpl();  // gives the tag back
  std::string path;
  bool in_memory = false;
  DatabaseOptions options;
  std::shared_ptr<fsx::FileSystem> fs;
  std::unique_ptr<transaction::Store> store;
  std::mutex mu;
  std::shared_ptr<const Schema> schema;  // committed
  // schema.get(), set with it under `mu`: a statement compares its compiled schema with it
  // without the lock (SlotSchemaIs).
  std::atomic<const Schema*> schema_ptr{nullptr};
  // Connections, and attachments by connections of other databases (Close waits for none).
  // Connect() may run on several threads at once.
  std::atomic<int> connections{0};
  uint64_t tag = 0;  // the tag of this store's tree ids (catalog.h), unique while it is open
};

// One database of a connection, as SQLite's Db: main (index 0), temp (1, created on first use)
// and the attached ones (2, 3, ... in ATTACH order). Each has its own write transaction and
// deferred-read snapshot, opened when a statement first needs them.
struct DbSlot {
  std::string name;                // "main", "temp", or the name given to ATTACH
  Database* db = nullptr;          // null: the temp database is not created yet
  std::shared_ptr<Database> keep;  // temp and attached databases: this connection's reference
  std::unique_ptr<transaction::WriteTransaction> txn;
  std::unique_ptr<transaction::ReadTransaction> snapshot;  // BEGIN DEFERRED before any write
  // Snapshots superseded by the write transaction while statements may still read them; freed
  // when the transaction ends.
  std::vector<std::unique_ptr<transaction::ReadTransaction>> retired;
  std::shared_ptr<Schema> txn_schema;  // schema changed inside the open transaction
  // The write transaction's savepoint handle for each savepoint level the connection has open
  // (ConnectionImpl::sp_levels), taken when the level was, or when the transaction began.
  std::vector<uint32_t> sp_handles;
  int active_reads = 0;  // running statements reading a snapshot of it (DETACH refuses)

  DatabaseImpl* impl() const { return db ? db->impl() : nullptr; }
};

struct ConnectionImpl;

// Write access for DDL and DML: routes each tagged tree id (catalog.h) to the connection's write
// transaction on that tree's database, beginning it if needed (ConnectionImpl::EnsureWrite).
class TxnRouter {
 public:
  explicit TxnRouter(ConnectionImpl* c) : c_(c) {}
  // A new tree in the database tagged `tag` (a schema's db_tag); returns its tagged id.
  Result<transaction::TreeId> CreateTree(uint64_t tag, transaction::TreeKind kind);
  Status DropTree(transaction::TreeId tree);
  Status ClearTree(transaction::TreeId tree);
  Status Put(transaction::TreeId tree, std::string_view key, std::string_view value,
             bool* existed = nullptr);
  Status Delete(transaction::TreeId tree, std::string_view key, bool* existed = nullptr);
  // WriteTransaction::Fill, for the tree's database's write transaction.
  Status Fill(transaction::TreeId tree, const transaction::EntrySource& next);
  Result<std::optional<std::string>> Get(transaction::TreeId tree, std::string_view key);
  // Get into the caller's buffer (reused; *found false, *value untouched, when absent).
  Status GetInto(transaction::TreeId tree, std::string_view key, std::string* value, bool* found);
  Result<btree::NeighborKeys> Neighbors(transaction::TreeId tree, std::string_view key,
                                        size_t prefix = 0);
  // WriteTransaction::LastKey, for the tree's database's write transaction.
  Result<std::optional<std::string>> LastKey(transaction::TreeId tree);
  // WriteTransaction::TreeShape and SuggestLeaf, for the tree's database's write transaction.
  uint64_t TreeShape(transaction::TreeId tree);
  void SuggestLeaf(transaction::TreeId tree, uint64_t shape, btree::PageId root,
                   const btree::PageRef& leaf, uint32_t slot);
  Result<btree::Cursor> NewCursor(transaction::TreeId tree);
  // WriteTransaction::PagesSealed, for the tree's database's write transaction (false when it
  // cannot be had).
  bool PagesSealed(transaction::TreeId tree);
  // How many Put/Delete calls were made through this router (to tell whether a statement wrote).
  uint64_t writes() const { return writes_; }

 private:
  Result<transaction::WriteTransaction*> For(transaction::TreeId tree);
  ConnectionImpl* c_;
  uint64_t writes_ = 0;
  size_t last_db_ = SIZE_MAX;  // For's last slot (checked before use)
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
  ConnectionImpl();
  std::shared_ptr<Database> db_ref;  // keeps the database alive
  Database* db = nullptr;
  DatabaseImpl* dbi = nullptr;  // the main database
  uint64_t id = 0;              // unique in the process (lock ownership)
  static constexpr int kMain = 0;
  static constexpr int kTemp = 1;
  static constexpr int kMaxAttached = 10;  // SQLite's SQLITE_MAX_ATTACHED default
  std::vector<DbSlot> dbs;                 // main, temp, attached
  uint64_t attach_generation = 0;          // bumped by ATTACH and DETACH (plans are remade)
  // Where unqualified table names resolve: -1 in SQLite's order (temp, main, attached), else
  // only in that database (the bodies of triggers and views of a non-TEMP schema, and the SQL
  // the engine runs on a table's database: foreign key queries, ANALYZE).
  int resolve_db = -1;
  TxnRouter router{this};
  bool explicit_txn = false;
  struct SavepointEntry {
    std::string name;
    uint32_t handle = 0;       // the connection's savepoint level id (Savepoint())
    bool started_txn = false;  // SAVEPOINT outside BEGIN opened the transaction
    int64_t fk_deferred = 0;   // the deferred foreign key counters when it was taken
    int64_t fk_deferred_imm = 0;
  };
  std::vector<SavepointEntry> savepoints;
  // Open savepoint levels (statement savepoints and SAVEPOINT), oldest first; every open write
  // transaction has one handle per level (DbSlot::sp_handles).
  std::vector<uint32_t> sp_levels;
  uint32_t next_sp_level = 1;
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

  // The schema of database `db` statements see: the transaction's if it changed, else the
  // committed one (an empty schema for a temp database not created yet).
  std::shared_ptr<const Schema> SlotSchema(int db);
  // Whether SlotSchema(db) is `schema` (without taking its lock or a reference).
  bool SlotSchemaIs(int db, const Schema* schema);
  // The main database's.
  std::shared_ptr<const Schema> CurrentSchema() { return SlotSchema(kMain); }
  // A database attached twice (same file) keeps its transaction state in its first slot: the
  // index of that slot.
  int Canonical(int db) const;
  // The index of the database named `name` (case-insensitive), or -1.
  int FindDb(std::string_view name) const;
  // The database whose store has tag `tag` (see TreeTag), or -1.
  int DbOfTag(uint64_t tag) const;
  int DbOfSchema(const Schema& s) const { return DbOfTag(s.db_tag); }
  // An estimate of the entries of `tree` for the planner when a table has no statistics
  // (btree::Cursor::EstimatedEntries: the path to its first entry), read through the
  // transaction or snapshot the connection holds on its database, else a snapshot of its own.
  // -1 when it cannot tell, or would have to pin a BEGIN DEFERRED transaction's snapshot
  // before the transaction's first read.
  double EstimatedRows(transaction::TreeId tree);
  // Creates the temp database (an in-memory store) if it does not exist yet.
  Status EnsureTempDb();
  // Opens the write transaction on database `db` if none is open (autocommit statements, BEGIN
  // IMMEDIATE, the first write of a transaction to a database).
  Status EnsureWrite(int db = kMain);
  // True while any database has an open write transaction.
  bool InWriteTxn() const;
  // `st` with the store directories it quotes replaced by this connection's database names
  // (deadlock errors of the lock manager).
  Status NameDatabases(const Status& st) const;
  // Savepoint levels across every database's write transaction (see sp_levels): a new level's
  // id; back to the state when `level` was taken (it stays open); forget it and later ones.
  Result<uint32_t> Savepoint();
  Status RollbackTo(uint32_t level);
  Status Release(uint32_t level);
  // Commits every database's write transaction, all or nothing. Fails with "FOREIGN KEY
  // constraint failed" (changing nothing) while deferred foreign key violations are
  // outstanding.
  Status CommitTxn();
  void RollbackTxn();
  // ATTACH / DETACH (SQLite's rules and messages).
  Status Attach(const std::string& path, const std::string& name);
  Status Detach(const std::string& name);
  // Ends the transaction state and releases the attached databases (Connection's destructor).
  void Close();
  // The statement-end foreign key check: immediate violations, and deferred ones if the
  // statement is about to commit.
  Status CheckForeignKeys(bool committing) const;
  // After a partial rollback, the schema is re-read from the transaction.
  Status ReloadTxnSchema();
};

// Read access for a running statement: each tagged tree id goes to the connection's write
// transaction on its database if one is open, else to its BEGIN DEFERRED snapshot, else to a
// snapshot this object takes on first use (pinned for the transaction inside BEGIN).
class ConnDataAccess final : public DataAccess {
 public:
  explicit ConnDataAccess(ConnectionImpl* c) : c_(c) {}
  ~ConnDataAccess() override { Release(); }
  // Ends the statement's own snapshots; the object then serves the statement's next execution.
  void Release();
  Result<btree::Cursor> NewCursor(transaction::TreeId tree) override;
  Result<TreeVersion> Version(transaction::TreeId tree) override;
  Result<std::optional<std::string>> Get(transaction::TreeId tree, std::string_view key) override;
  Status GetInto(transaction::TreeId tree, std::string_view key, std::string* value,
                 bool* found) override;

 private:
  struct Source {
    transaction::WriteTransaction* w = nullptr;
    transaction::ReadTransaction* r = nullptr;
  };
  Result<Source> For(transaction::TreeId tree);
  ConnectionImpl* c_;
  // The statement's own snapshots, with the databases they keep alive.
  struct Read {
    int db;
    Database* database;
    std::shared_ptr<Database> keep;  // null for the main database (it outlives the connection)
    std::unique_ptr<transaction::ReadTransaction> txn;
  };
  std::vector<Read> reads_;
};

// Makes unqualified names resolve only in database `db` (ConnectionImpl::resolve_db) while it
// lives; -1 restores SQLite's search order.
class ResolveIn {
 public:
  ResolveIn(ConnectionImpl* c, int db) : c_(c), saved_(c->resolve_db) { c->resolve_db = db; }
  ~ResolveIn() { c_->resolve_db = saved_; }
  ResolveIn(const ResolveIn&) = delete;
  ResolveIn& operator=(const ResolveIn&) = delete;

 private:
  ConnectionImpl* c_;
  int saved_;
};

// A statement's compiled, executable form.
struct Program {
  std::unique_ptr<PlanContext> ctx;
  RowSrcPtr rows;  // SELECT / RETURNING / PRAGMA results
  std::vector<ResultColumnInfo> columns;
  bool writes = false;
  // The database a writing statement writes (its write transaction begins with the statement);
  // others it writes (TEMP triggers) begin at their first write.
  int write_db = ConnectionImpl::kMain;
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
// `db`: the database named by `PRAGMA db.name` (or the schema argument of pragma_<name>()); -1
// when none is named (tables are then looked up in SQLite's order).
Result<PragmaRows> PragmaQuery(ConnectionImpl* conn, int db, DataAccess* data,
                               std::string_view name, const std::optional<std::string>& arg);

// DDL and DML executors (called from Program::run). `db` is the database the statement
// changes (see TargetDb in compile.cc).
Status ExecCreateTable(ConnectionImpl* conn, Exec& ex, const parser::CreateTableStmt& s,
                       std::string_view sql, int db);
Status ExecCreateIndex(ConnectionImpl* conn, Exec& ex, const parser::CreateIndexStmt& s,
                       std::string_view sql, int db);
Status ExecCreateView(ConnectionImpl* conn, const parser::CreateViewStmt& s, std::string_view sql,
                      int db);
Status ExecCreateTrigger(ConnectionImpl* conn, const parser::CreateTriggerStmt& s,
                         std::string_view sql, int db);
Status ExecDrop(ConnectionImpl* conn, Exec& ex, const parser::DropStmt& s, int db);
Status ExecAlter(ConnectionImpl* conn, Exec& ex, const parser::AlterTableStmt& s,
                 std::string_view sql, int db);
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
// The schema of database `db` that DDL changes inside the write transaction (a copy of the
// committed one, published at commit).
Result<std::shared_ptr<Schema>> MutableSchema(ConnectionImpl* conn, int db = ConnectionImpl::kMain);

}  // namespace dosql::engine
