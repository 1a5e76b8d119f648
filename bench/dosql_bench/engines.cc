// dosql-bench: the dosql and SQLite implementations of the engine adapter (engines.h).
#include "engines.h"

#include <sqlite3.h>

#include <chrono>
#include <string>

#include "dosql/dosql.h"

namespace dosql_bench {
namespace {

using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// dosql

class DosqlStmt final : public Stmt {
 public:
  explicit DosqlStmt(std::unique_ptr<dosql::Statement> st) : st_(std::move(st)) {}
  void BindInt(int i, int64_t v) override { Check(st_->BindInt64(i, v)); }
  void BindReal(int i, double v) override { Check(st_->BindDouble(i, v)); }
  void BindText(int i, std::string_view v) override { Check(st_->BindText(i, v)); }
  bool Step() override {
    auto r = st_->Step();
    if (!r.ok()) {
      const std::string msg = r.status().ToString();
      throw EngineError("dosql: " + msg, msg.find("timed out") != std::string::npos);
    }
    return *r;
  }
  void Reset() override { Check(st_->Reset()); }
  int ColumnCount() override { return st_->column_count(); }
  CellType ColumnType(int i) override {
    switch (st_->column(i).type()) {
      case dosql::ValueType::kNull: return CellType::kNull;
      case dosql::ValueType::kInteger: return CellType::kInt;
      case dosql::ValueType::kReal: return CellType::kReal;
      case dosql::ValueType::kText: return CellType::kText;
      case dosql::ValueType::kBlob: return CellType::kBlob;
    }
    return CellType::kNull;
  }
  int64_t ColumnInt(int i) override { return st_->column_int64(i); }
  double ColumnReal(int i) override { return st_->column_double(i); }
  std::string_view ColumnText(int i) override {
    const dosql::Value& v = st_->column(i);
    if (v.type() == dosql::ValueType::kText || v.type() == dosql::ValueType::kBlob) return v.view();
    scratch_.clear();
    dosql::AppendValueText(v, &scratch_);
    return scratch_;
  }

 private:
  static void Check(const dosql::Status& s) {
    if (!s.ok()) throw EngineError("dosql: " + s.ToString());
  }
  std::unique_ptr<dosql::Statement> st_;
  std::string scratch_;
};

class DosqlEngine final : public Engine {
 public:
  explicit DosqlEngine(const EngineOptions& o) {
    dosql::DatabaseOptions opts;  // defaults: sync_commits = true, 64 MiB cache
    if (o.cache_mb >= 0) opts.cache_bytes = static_cast<uint64_t>(o.cache_mb) << 20;
    auto c = dosql::Connection::Open(o.path, opts);
    if (!c.ok()) throw EngineError("dosql open " + o.path + ": " + c.status().ToString());
    conn_ = std::move(c).value();
    if (o.timeout_ms > 0) conn_->SetStatementTimeout(std::chrono::milliseconds(o.timeout_ms));
  }
  const char* name() const override { return "dosql"; }
  void Exec(const std::string& sql) override {
    dosql::Status s = conn_->Exec(sql);
    if (!s.ok()) {
      const std::string msg = s.ToString();
      throw EngineError("dosql: " + msg, msg.find("timed out") != std::string::npos);
    }
  }
  std::unique_ptr<Stmt> Prepare(const std::string& sql) override {
    auto r = conn_->Prepare(sql);
    if (!r.ok()) throw EngineError("dosql: " + r.status().ToString());
    if (!*r) throw EngineError("dosql: no statement in: " + sql);
    return std::make_unique<DosqlStmt>(std::move(r).value());
  }

 private:
  std::unique_ptr<dosql::Connection> conn_;
};

// ---------------------------------------------------------------------------------------------
// SQLite

// The statement time limit of a SQLite connection: the deadline of the running statement.
struct SqliteLimit {
  int64_t timeout_ms = 0;
  Clock::time_point deadline;
  bool expired = false;
};

int SqliteProgress(void* arg) {
  auto* l = static_cast<SqliteLimit*>(arg);
  if (Clock::now() > l->deadline) {
    l->expired = true;
    return 1;  // interrupts the statement
  }
  return 0;
}

class SqliteStmt final : public Stmt {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* st, SqliteLimit* limit) : db_(db), st_(st), limit_(limit) {}
  ~SqliteStmt() override { sqlite3_finalize(st_); }
  void BindInt(int i, int64_t v) override { Check(sqlite3_bind_int64(st_, i, v)); }
  void BindReal(int i, double v) override { Check(sqlite3_bind_double(st_, i, v)); }
  void BindText(int i, std::string_view v) override {
    Check(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  bool Step() override {
    if (!started_) {
      started_ = true;
      limit_->deadline = Clock::now() + std::chrono::milliseconds(limit_->timeout_ms);
      limit_->expired = false;
    }
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    if (limit_->expired) throw EngineError("sqlite: statement timed out", true);
    throw EngineError(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  void Reset() override {
    started_ = false;
    sqlite3_reset(st_);
  }
  int ColumnCount() override { return sqlite3_column_count(st_); }
  CellType ColumnType(int i) override {
    switch (sqlite3_column_type(st_, i)) {
      case SQLITE_INTEGER: return CellType::kInt;
      case SQLITE_FLOAT: return CellType::kReal;
      case SQLITE_TEXT: return CellType::kText;
      case SQLITE_BLOB: return CellType::kBlob;
      default: return CellType::kNull;
    }
  }
  int64_t ColumnInt(int i) override { return sqlite3_column_int64(st_, i); }
  double ColumnReal(int i) override { return sqlite3_column_double(st_, i); }
  std::string_view ColumnText(int i) override {
    const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
    return std::string_view(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st_, i)));
  }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) throw EngineError(std::string("sqlite bind: ") + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* st_;
  SqliteLimit* limit_;
  bool started_ = false;
};

class SqliteEngine final : public Engine {
 public:
  explicit SqliteEngine(const EngineOptions& o) {
    const bool memory = o.path == ":memory:";
    if (sqlite3_open_v2(o.path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw EngineError("sqlite open " + o.path + ": " + msg);
    }
    if (!memory) {
      Exec("PRAGMA journal_mode=WAL");
      Exec("PRAGMA synchronous=FULL");
    }
    if (o.cache_mb >= 0) Exec("PRAGMA cache_size=-" + std::to_string(o.cache_mb * 1024));
    limit_.timeout_ms = o.timeout_ms > 0 ? o.timeout_ms : int64_t{1} << 40;
    if (o.timeout_ms > 0) sqlite3_progress_handler(db_, 10000, SqliteProgress, &limit_);
  }
  ~SqliteEngine() override { sqlite3_close_v2(db_); }
  const char* name() const override { return "sqlite"; }
  void Exec(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw EngineError("sqlite: " + msg);
    }
  }
  std::unique_ptr<Stmt> Prepare(const std::string& sql) override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw EngineError(std::string("sqlite: ") + sqlite3_errmsg(db_));
    if (!st) throw EngineError("sqlite: no statement in: " + sql);
    return std::make_unique<SqliteStmt>(db_, st, &limit_);
  }

 private:
  sqlite3* db_ = nullptr;
  SqliteLimit limit_;
};

}  // namespace

std::unique_ptr<Engine> OpenDosql(const EngineOptions& o) { return std::make_unique<DosqlEngine>(o); }
std::unique_ptr<Engine> OpenSqlite(const EngineOptions& o) { return std::make_unique<SqliteEngine>(o); }
std::string SqliteVersion() { return sqlite3_libversion(); }
std::string DosqlVersion() { return std::string(dosql::Version()); }

}  // namespace dosql_bench
