// dosql-slt — a test-only SltBackend on the system's SQLite (libsqlite3).
//
// SQLite is dosql's oracle, never part of it: this backend lives in its own target
// (dosql_slt_sqlite_backend), linked only by the runner's tests and by dosql-slt-sqlite, so that
// the runner can be proven on the public corpus before dosql's engine exists. Nothing in the
// engine libraries or in dosql-slt links it.
//
// The database is a file in the work directory (so that "restart" can close and reopen it),
// opened with PRAGMA synchronous=OFF as in sqllogictest's reference SQLite driver. Values come
// back with SQLite's storage classes (sqlite3_column_type). Used from one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "src/backend.h"
#include "src/registry.h"

struct sqlite3;

namespace dosql::slt {

class SqliteBackend : public SltBackend {
 public:
  // `path` is the database file; it is created by Reset() and deleted by Reset() and on
  // destruction.
  explicit SqliteBackend(std::string path);
  ~SqliteBackend() override;
  SqliteBackend(const SqliteBackend&) = delete;
  SqliteBackend& operator=(const SqliteBackend&) = delete;

  std::string_view name() const override { return "sqlite"; }
  [[nodiscard]] Status Execute(std::string_view sql) override;
  [[nodiscard]] Result<QueryResult> Query(std::string_view sql) override;
  [[nodiscard]] Status Reset() override;
  [[nodiscard]] Status Restart() override;

 private:
  Status Open();
  void Close();
  void RemoveFiles();
  Status Error(std::string_view what) const;

  std::string path_;
  sqlite3* db_ = nullptr;
};

// Factory for BackendRegistry: a SqliteBackend with its database in options.work_dir.
Result<std::unique_ptr<SltBackend>> MakeSqliteBackend(const BackendOptions& options);

}  // namespace dosql::slt
