// dosql-bench: the engine adapter. One small interface (Exec, Prepare, Bind, Step, Column) that
// every workload drives, implemented for dosql (the facade, dosql/dosql.h) and for SQLite (its C
// API), so that both engines run exactly the same driver code.
//
// Errors: a failed statement throws EngineError (the bench is a program, not a library; the
// workload runners catch it and report the step as failed). Single-threaded.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dosql_bench {

struct EngineError : std::runtime_error {
  explicit EngineError(const std::string& what, bool timed_out = false)
      : std::runtime_error(what), timed_out(timed_out) {}
  bool timed_out;
};

enum class CellType { kNull, kInt, kReal, kText, kBlob };

class Stmt {
 public:
  virtual ~Stmt() = default;
  // 1-based parameter index, as sqlite3_bind_*.
  virtual void BindInt(int i, int64_t v) = 0;
  virtual void BindReal(int i, double v) = 0;
  virtual void BindText(int i, std::string_view v) = 0;
  // True while there is a row; throws EngineError on an error.
  virtual bool Step() = 0;
  virtual void Reset() = 0;
  virtual int ColumnCount() = 0;
  virtual CellType ColumnType(int i) = 0;
  virtual int64_t ColumnInt(int i) = 0;
  virtual double ColumnReal(int i) = 0;
  // TEXT and BLOB bytes; valid until the next Step/Reset.
  virtual std::string_view ColumnText(int i) = 0;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* name() const = 0;
  // Runs every statement of `sql`, discarding rows.
  virtual void Exec(const std::string& sql) = 0;
  virtual std::unique_ptr<Stmt> Prepare(const std::string& sql) = 0;
};

struct EngineOptions {
  // A directory (dosql) or file (SQLite) path, or ":memory:".
  std::string path;
  // Page cache in MiB; -1 keeps the engine's default (dosql 64 MiB, SQLite 2000 KiB).
  int64_t cache_mb = -1;
  // Time limit of one statement's execution in ms (0: none). dosql: Connection::
  // SetStatementTimeout; SQLite: a progress handler that interrupts the statement. A statement
  // over the limit throws EngineError with timed_out set.
  int64_t timeout_ms = 0;
};

// dosql through its facade: dosql::Connection::Open with default DatabaseOptions
// (sync_commits = true: fsync of the WAL at every commit).
std::unique_ptr<Engine> OpenDosql(const EngineOptions& o);
// SQLite through its C API: journal_mode=WAL and synchronous=FULL on files (the durable setting;
// SQLite's compiled default synchronous in WAL mode on Debian is FULL too), default cache.
std::unique_ptr<Engine> OpenSqlite(const EngineOptions& o);

std::string SqliteVersion();
std::string DosqlVersion();

}  // namespace dosql_bench
