// dosql::engine — the SQL front door: a Database (one store plus its catalog), Connections that
// run SQL on it, and prepared Statements.
//
// What it is for: everything above the engine (the facade, the C API, the shell, the
// sqllogictest backend, benchmarks) runs SQL through these three classes. They follow SQLite's
// model: Prepare() compiles one statement and reports where the rest of the text begins; Bind*()
// sets parameters (1-based, as sqlite3_bind_*); Step() produces one row at a time; Reset() rewinds.
// Outside an explicit BEGIN each statement runs in its own transaction (autocommit).
//
// Storage: a file database is a directory (see dosql/transaction/store.h) named by `path`; the
// path ":memory:" or "" opens a private in-memory database. The catalog lives in the database
// itself, in an internal tree, and is visible as the table sqlite_schema (alias sqlite_master).
// A file database is open at most once per process: opening (or ATTACHing) a path that is open
// already shares that Database, so every connection sees one store, writer lock and history.
// Each connection also has a private TEMP schema and may ATTACH up to 10 more databases (SQL).
//
// Errors: every failure is a Status. SQL errors carry SQLite's message text; syntax errors add
// "at line L, column C" and Statement/Connection::error_offset() gives the byte offset.
//
// Ownership and threads: a Database is shared (shared_ptr) by its Connections and outlives them.
// A Connection and the Statements it prepared are used by one thread at a time; different
// Connections may run on different threads. Closing (destroying) a Connection ends its
// statements' runs; a Statement used after its Connection is gone fails with InvalidArgument
// ("the connection is closed") instead of touching freed state.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/status.h"
#include "dosql/core/value.h"

namespace dosql::engine {

struct DatabaseOptions {
  bool create_if_missing = true;
  bool read_only = false;
  // Page cache budget in bytes.
  uint64_t cache_bytes = 64ull << 20;
  // Read finished data segment files through a read-only memory mapping (no read call or copy
  // per page; SQLite's mmap_size > 0). Each page is still verified on its first read. false:
  // every page is read with read calls (a file system where mappings are unwise, or files
  // another process may truncate: a mapped read past a file's end faults, as with SQLite).
  bool map_segments = true;
  std::chrono::milliseconds busy_timeout{5000};
  // fsync at every commit (SQLite's synchronous=FULL). false: commits are durable at the next
  // checkpoint or sync (synchronous=OFF).
  bool sync_commits = true;
};

class Connection;
class Statement;

// User-defined functions, registered per connection (sqlite3_create_function semantics): a
// function with the same name and argument count as a built-in replaces it on that connection;
// num_args -1 accepts any count (an exact count wins over -1). Re-registering replaces the
// function; statements prepared earlier are re-planned on their next Reset/Step.
struct FunctionFlags {
  // Same arguments, same result (SQLite's SQLITE_DETERMINISTIC): the function may be used in
  // CHECK constraints, index expressions and generated columns.
  bool deterministic = false;
};
// A scalar function: its result for one row's arguments; a non-OK Status fails the statement
// with that message (as sqlite3_result_error).
using ScalarFunction = std::function<Result<Value>(std::span<const Value> args)>;
// The state of one aggregate group (or one window partition). Step() adds a row; Final() gives
// the group's result. A window function also implements Inverse() (removes the oldest row still
// in the frame) and Current() (the value for the current frame, called once per row).
class AggregateCallbacks {
 public:
  virtual ~AggregateCallbacks() = default;
  virtual Status Step(std::span<const Value> args) = 0;
  virtual Status Inverse(std::span<const Value>) {
    return Status::NotSupported("this aggregate is not a window function");
  }
  virtual Result<Value> Current() { return Status::NotSupported("no window value"); }
  virtual Result<Value> Final() = 0;
};
using AggregateFactory = std::function<std::unique_ptr<AggregateCallbacks>()>;
// A user-defined collating sequence (sqlite3_create_collation semantics): compares two TEXT
// values (their UTF-8 bytes) and returns <0, 0 or >0. It must be a total order (consistent,
// transitive), and stay the same for data it has ordered: indexes keep their entries in its
// order, so an index built under one definition is wrong under another until REINDEX.
using CollationFunction = std::function<int(std::string_view a, std::string_view b)>;
struct DatabaseImpl;
struct ConnectionImpl;
struct StatementImpl;

class Database {
 public:
  // Opens (or creates) the database at `path`; ":memory:" or "" is a private in-memory database.
  // A path this process has open already (same read_only option) gives that Database.
  static Result<std::shared_ptr<Database>> Open(const std::string& path,
                                                const DatabaseOptions& options = {});
  ~Database();
  // Checkpoints and releases the files. Connections must be closed first.
  Status Close();

  // A new connection (own transaction state, changes counters, last_insert_rowid).
  Result<std::unique_ptr<Connection>> Connect();

  const std::string& path() const;
  bool in_memory() const;

  explicit Database(std::unique_ptr<DatabaseImpl> impl);
  DatabaseImpl* impl() { return impl_.get(); }

 private:
  std::unique_ptr<DatabaseImpl> impl_;
};

class Connection {
 public:
  // Convenience: opens a Database at `path` and connects to it; the connection keeps it alive.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  const DatabaseOptions& options = {});
  ~Connection();  // rolls back an open transaction

  // Compiles the first statement of `sql`. *tail_offset (if given) receives the byte offset just
  // past it. A text with no statement (only spaces, comments, ';') gives a null Statement.
  Result<std::unique_ptr<Statement>> Prepare(std::string_view sql, size_t* tail_offset = nullptr);

  // Runs every statement of `sql` in order, discarding rows; stops at the first error.
  Status Exec(std::string_view sql);
  // Runs `sql` (one or more statements) and collects the rows of the last one that returns rows.
  struct QueryResult {
    std::vector<std::string> column_names;
    std::vector<std::vector<Value>> rows;
  };
  Result<QueryResult> Query(std::string_view sql);

  // Rows changed by the most recent INSERT/UPDATE/DELETE (sqlite3_changes), the total since the
  // connection opened, and the rowid of the most recent successful INSERT into a rowid table.
  int64_t changes() const;
  int64_t total_changes() const;
  int64_t last_insert_rowid() const;
  // True outside BEGIN ... COMMIT.
  bool autocommit() const;

  // User-defined functions (see ScalarFunction / AggregateCallbacks). Names are
  // case-insensitive; InvalidArgument for an empty name or num_args outside [-1, 127].
  Status CreateFunction(std::string_view name, int num_args, ScalarFunction fn,
                        FunctionFlags flags = {});
  Status CreateAggregateFunction(std::string_view name, int num_args, AggregateFactory make,
                                 FunctionFlags flags = {});
  // An aggregate that is also usable with OVER (...) over any frame: its states implement
  // Inverse() and Current().
  Status CreateWindowFunction(std::string_view name, int num_args, AggregateFactory make,
                              FunctionFlags flags = {});
  // Removes a user function (NotFound if there is none with that name and count).
  Status RemoveFunction(std::string_view name, int num_args);

  // User-defined collations, usable on this connection by COLLATE clauses, column definitions,
  // indexes and UNIQUE constraints (names are case-insensitive). Registering a name again
  // replaces the function; a null `compare` removes it (as RemoveCollation). Statements
  // prepared earlier are re-planned on their next Step, and fail with "no such collation
  // sequence: NAME" if they need a removed one. InvalidArgument for an empty name and for the
  // built-in names BINARY, NOCASE and RTRIM (dosql does not let them be replaced).
  Status CreateCollation(std::string_view name, CollationFunction compare);
  // NotFound if no collation of that name is registered.
  Status RemoveCollation(std::string_view name);
  // Called with the name when a statement needs a collation that is not registered, before it
  // fails with "no such collation sequence" (sqlite3_collation_needed); the handler may
  // register it with CreateCollation. A null handler removes it.
  void SetCollationNeeded(std::function<void(std::string_view name)> handler);

  // Makes the statements running on this connection fail with Status::Aborted ("interrupted")
  // at their next check, which comes at least every 1024 rows read or produced. Thread-safe: may
  // be called from any thread while another runs Step (sqlite3_interrupt). Statements that
  // start after the call are not affected. An interrupted statement inside BEGIN is undone
  // (its statement savepoint), the transaction stays open.
  void Interrupt();
  // A time limit for each statement's execution, measured from its first Step; exceeding it
  // fails the statement with Status::Aborted ("statement timed out"), checked as Interrupt().
  // Zero: no limit (the default).
  void SetStatementTimeout(std::chrono::milliseconds limit);
  // Byte offset of the error in the SQL of the last failed Prepare/Step, or -1.
  int error_offset() const;

  Database& database();

  explicit Connection(std::unique_ptr<ConnectionImpl> impl);
  ConnectionImpl* impl() { return impl_.get(); }

 private:
  // Shared with the connection's Statements, which only look at whether it is closed once the
  // Connection is gone.
  std::shared_ptr<ConnectionImpl> impl_;
};

class Statement {
 public:
  ~Statement();

  // The SQL text of this statement (without the tail).
  std::string_view sql() const;
  // True if the statement does not write (SELECT, most PRAGMAs, EXPLAIN).
  bool readonly() const;

  // Parameters: count is the largest index; names are ":a", "@a", "$a", "?3" or "" for "?".
  int parameter_count() const;
  std::string_view parameter_name(int index) const;  // 1-based; "" if none
  int parameter_index(std::string_view name) const;  // 0 if there is no such parameter
  // OutOfRange if index is not in [1, parameter_count()]. Binding resets nothing: bind between
  // Reset() and the first Step().
  Status Bind(int index, Value value);
  // Typed forms of Bind(index, Value).
  Status BindNull(int index) { return Bind(index, Value()); }
  Status BindInt64(int index, int64_t v) { return Bind(index, Value::Integer(v)); }
  Status BindDouble(int index, double v) { return Bind(index, Value::Real(v)); }
  // (The bytes are copied into the parameter's buffer, reused from one binding to the next.)
  Status BindText(int index, std::string_view v);
  Status BindBlob(int index, std::string_view bytes);
  // By name (":a", "@a", "$a" as written in the SQL); NotFound if there is no such parameter.
  Status Bind(std::string_view name, Value value);
  Status ClearBindings();

  // Runs until the next row (true) or the end (false). After the end, Step() returns false again
  // until Reset(). An error leaves the statement needing Reset().
  Result<bool> Step();
  Status Reset();

  // Result columns (known after Prepare).
  int column_count() const;
  const std::string& column_name(int i) const;
  // The declared type of a result column that is a table column ("" otherwise).
  const std::string& column_decltype(int i) const;
  // The current row's values; valid after Step() returned true, until the next Step/Reset.
  const Value& column(int i) const;
  // Typed reads of the current row with SQLite's conversions (sqlite3_column_int64/double/text):
  // NULL is 0 / 0.0 / ""; TEXT and BLOB convert by their leading number; numbers render as
  // SQLite prints them. Out-of-range columns read as NULL.
  ValueType column_type(int i) const;
  bool column_is_null(int i) const { return column_type(i) == ValueType::kNull; }
  int64_t column_int64(int i) const;
  double column_double(int i) const;
  std::string column_text(int i) const;

  // Iteration over the remaining rows: `for (const Statement& row : stmt.rows()) ...`. Each
  // increment is a Step(); the loop ends at the last row or at the first error, which
  // rows_status() then reports (check it after the loop).
  class RowIterator {
   public:
    RowIterator() = default;
    explicit RowIterator(Statement* st) : st_(st) { Advance(); }
    const Statement& operator*() const { return *st_; }
    RowIterator& operator++() {
      Advance();
      return *this;
    }
    bool operator==(const RowIterator& o) const { return st_ == o.st_; }

   private:
    void Advance();
    Statement* st_ = nullptr;
  };
  struct RowRange {
    Statement* st;
    RowIterator begin() const { return RowIterator(st); }
    RowIterator end() const { return RowIterator(); }
  };
  RowRange rows() { return RowRange{this}; }
  const Status& rows_status() const { return rows_status_; }

  explicit Statement(std::unique_ptr<StatementImpl> impl);
  StatementImpl* impl() { return impl_.get(); }

 private:
  std::unique_ptr<StatementImpl> impl_;
  Status rows_status_;
};

}  // namespace dosql::engine
