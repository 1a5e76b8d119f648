// dosql — RAII transactions, savepoints and a prepared-statement cache over a Connection.
//
// What it is for: application code that wants "commit on success, roll back on any early
// return" without writing BEGIN/COMMIT by hand:
//
//   DOSQL_ASSIGN_OR_RETURN(auto txn, dosql::Transaction::Begin(conn, dosql::TxnMode::kImmediate));
//   DOSQL_RETURN_IF_ERROR(conn.Exec("INSERT ..."));
//   return txn.Commit();            // not reached on error: the destructor rolls back
//
// Savepoints nest inside a transaction (or open one, as SQLite's SAVEPOINT does outside BEGIN).
// StatementCache keeps prepared statements by SQL text, so a hot statement is compiled once and
// handed out reset, with its bindings cleared, every time.
//
// Ownership: each object refers to a Connection that must outlive it. Threads: used by the one
// thread that uses the connection.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dosql/core/status.h"
#include "dosql/engine/database.h"

namespace dosql {

enum class TxnMode { kDeferred, kImmediate, kExclusive };

// BEGIN ... COMMIT. The destructor rolls back a transaction that was neither committed nor
// rolled back. Movable, not copyable.
class Transaction {
 public:
  static Result<Transaction> Begin(engine::Connection& conn, TxnMode mode = TxnMode::kDeferred);
  Transaction(Transaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  // COMMIT. On failure (a deferred foreign key, a busy database) the transaction stays open and
  // active, as in SQLite: fix the cause and Commit() again, or Rollback().
  Status Commit();
  Status Rollback();
  bool active() const { return conn_ != nullptr; }

 private:
  explicit Transaction(engine::Connection* conn) : conn_(conn) {}
  engine::Connection* conn_;
};

// SAVEPOINT name ... RELEASE name. The destructor of an active savepoint rolls back to it and
// releases it (the work since the savepoint is undone; an enclosing transaction continues).
class Savepoint {
 public:
  static Result<Savepoint> Begin(engine::Connection& conn, std::string name);
  Savepoint(Savepoint&& other) noexcept : conn_(other.conn_), name_(std::move(other.name_)) {
    other.conn_ = nullptr;
  }
  Savepoint& operator=(Savepoint&&) = delete;
  ~Savepoint();

  // RELEASE: keeps the work (it becomes part of the enclosing transaction, or is committed if
  // the savepoint opened the transaction).
  Status Release();
  // ROLLBACK TO + RELEASE: undoes the work since the savepoint.
  Status Rollback();
  bool active() const { return conn_ != nullptr; }

 private:
  Savepoint(engine::Connection* conn, std::string name) : conn_(conn), name_(std::move(name)) {}
  engine::Connection* conn_;
  std::string name_;
};

// Prepared statements by SQL text (one statement per text; the least recently used beyond
// `capacity` are finalized). Prepare() hands out a statement that is reset and has no
// bindings; while a handle is alive its statement is not handed out again (a second Prepare of
// the same text compiles a fresh one).
class StatementCache {
 public:
  class Handle {
   public:
    Handle(Handle&& o) noexcept : cache_(o.cache_), sql_(std::move(o.sql_)), st_(std::move(o.st_)) {
      o.cache_ = nullptr;
    }
    Handle& operator=(Handle&&) = delete;
    ~Handle();
    engine::Statement* operator->() const { return st_.get(); }
    engine::Statement& operator*() const { return *st_; }

   private:
    friend class StatementCache;
    Handle(StatementCache* cache, std::string sql, std::unique_ptr<engine::Statement> st)
        : cache_(cache), sql_(std::move(sql)), st_(std::move(st)) {}
    StatementCache* cache_;
    std::string sql_;
    std::unique_ptr<engine::Statement> st_;
  };

  explicit StatementCache(engine::Connection& conn, size_t capacity = 64)
      : conn_(conn), capacity_(capacity) {}
  // InvalidArgument if `sql` holds no statement or more than one.
  Result<Handle> Prepare(std::string_view sql);
  size_t size() const { return entries_.size(); }
  size_t hits() const { return hits_; }
  size_t misses() const { return misses_; }

 private:
  void Return(std::string sql, std::unique_ptr<engine::Statement> st);
  engine::Connection& conn_;
  size_t capacity_;
  // Most recently returned first.
  std::list<std::pair<std::string, std::unique_ptr<engine::Statement>>> entries_;
  std::unordered_map<std::string, decltype(entries_)::iterator> index_;
  size_t hits_ = 0;
  size_t misses_ = 0;
};

}  // namespace dosql
