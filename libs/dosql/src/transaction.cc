#include "dosql/transaction.h"

#include <utility>

#include "dosql/engine/functions.h"

namespace dosql {

Result<Transaction> Transaction::Begin(engine::Connection& conn, TxnMode mode) {
  const char* sql = mode == TxnMode::kImmediate   ? "BEGIN IMMEDIATE"
                    : mode == TxnMode::kExclusive ? "BEGIN EXCLUSIVE"
                                                  : "BEGIN DEFERRED";
  DOSQL_RETURN_IF_ERROR(conn.Exec(sql));
  return Transaction(&conn);
}

Transaction::~Transaction() {
  if (conn_) (void)conn_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  if (!conn_) return Status::InvalidArgument("the transaction is not active");
  DOSQL_RETURN_IF_ERROR(conn_->Exec("COMMIT"));
  conn_ = nullptr;
  return Status::OK();
}

Status Transaction::Rollback() {
  if (!conn_) return Status::InvalidArgument("the transaction is not active");
  engine::Connection* c = std::exchange(conn_, nullptr);
  return c->Exec("ROLLBACK");
}

Result<Savepoint> Savepoint::Begin(engine::Connection& conn, std::string name) {
  if (name.empty()) return Status::InvalidArgument("a savepoint needs a name");
  DOSQL_RETURN_IF_ERROR(conn.Exec("SAVEPOINT " + engine::QuoteIdentifier(name)));
  return Savepoint(&conn, std::move(name));
}

Savepoint::~Savepoint() {
  if (conn_) (void)Rollback();
}

Status Savepoint::Release() {
  if (!conn_) return Status::InvalidArgument("the savepoint is not active");
  DOSQL_RETURN_IF_ERROR(conn_->Exec("RELEASE " + engine::QuoteIdentifier(name_)));
  conn_ = nullptr;
  return Status::OK();
}

Status Savepoint::Rollback() {
  if (!conn_) return Status::InvalidArgument("the savepoint is not active");
  engine::Connection* c = std::exchange(conn_, nullptr);
  DOSQL_RETURN_IF_ERROR(c->Exec("ROLLBACK TO " + engine::QuoteIdentifier(name_)));
  return c->Exec("RELEASE " + engine::QuoteIdentifier(name_));
}

StatementCache::Handle::~Handle() {
  if (cache_ && st_) cache_->Return(std::move(sql_), std::move(st_));
}

Result<StatementCache::Handle> StatementCache::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = index_.find(key);
  if (it != index_.end()) {
    std::unique_ptr<engine::Statement> st = std::move(it->second->second);
    entries_.erase(it->second);
    index_.erase(it);
    hits_++;
    return Handle(this, std::move(key), std::move(st));
  }
  misses_++;
  size_t tail = 0;
  DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<engine::Statement> st, conn_.Prepare(sql, &tail));
  if (!st) return Status::InvalidArgument("no statement in the SQL text");
  for (size_t i = tail; i < sql.size(); i++) {
    char c = sql[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ';') {
      return Status::InvalidArgument("the statement cache takes one statement per text");
    }
  }
  return Handle(this, std::move(key), std::move(st));
}

void StatementCache::Return(std::string sql, std::unique_ptr<engine::Statement> st) {
  // A statement that cannot be reset (its connection failed) is dropped.
  if (!st->Reset().ok() || !st->ClearBindings().ok()) return;
  if (index_.count(sql)) return;  // a second copy was handed out meanwhile: keep one
  entries_.emplace_front(sql, std::move(st));
  index_[std::move(sql)] = entries_.begin();
  while (entries_.size() > capacity_) {
    index_.erase(entries_.back().first);
    entries_.pop_back();
  }
}

}  // namespace dosql
