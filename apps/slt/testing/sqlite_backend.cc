#include "testing/sqlite_backend.h"

#include <sqlite3.h>

#include <cstdio>
#include <utility>

namespace dosql::slt {
namespace {

// Finalizes a statement when it goes out of scope.
struct StmtGuard {
  sqlite3_stmt* stmt = nullptr;
  ~StmtGuard() { sqlite3_finalize(stmt); }
};

}  // namespace

SqliteBackend::SqliteBackend(std::string path) : path_(std::move(path)) {}

SqliteBackend::~SqliteBackend() {
  Close();
  RemoveFiles();
}

Status SqliteBackend::Error(std::string_view what) const {
  std::string message(what);
  if (db_ != nullptr) message += std::string(message.empty() ? "" : ": ") + sqlite3_errmsg(db_);
  return Status(StatusCode::kInvalidArgument, std::move(message));
}

Status SqliteBackend::Open() {
  if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    Status st = Error("cannot open " + path_);
    Close();
    return st;
  }
  if (sqlite3_exec(db_, "PRAGMA synchronous=OFF", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return Error("PRAGMA synchronous=OFF");
  }
  return Status::OK();
}

void SqliteBackend::Close() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

void SqliteBackend::RemoveFiles() {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::remove((path_ + suffix).c_str());
  }
}

Status SqliteBackend::Reset() {
  Close();
  RemoveFiles();
  return Open();
}

Status SqliteBackend::Restart() {
  Close();
  return Open();
}

Status SqliteBackend::Execute(std::string_view sql) {
  if (db_ == nullptr) return Status::Internal("database is not open");
  // Like sqlite3_exec: run every statement in the text, discarding rows.
  const char* tail = sql.data();
  const char* end = sql.data() + sql.size();
  while (tail < end) {
    StmtGuard guard;
    const char* next = nullptr;
    if (sqlite3_prepare_v2(db_, tail, static_cast<int>(end - tail), &guard.stmt, &next) !=
        SQLITE_OK) {
      return Error("");
    }
    if (guard.stmt == nullptr) break;  // only whitespace or comments remained
    int rc;
    while ((rc = sqlite3_step(guard.stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return Error("");
    tail = next;
  }
  return Status::OK();
}

Result<QueryResult> SqliteBackend::Query(std::string_view sql) {
  if (db_ == nullptr) return Status::Internal("database is not open");
  StmtGuard guard;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &guard.stmt, nullptr) !=
      SQLITE_OK) {
    return Error("");
  }
  if (guard.stmt == nullptr) return Status::InvalidArgument("no SQL statement in query");
  QueryResult result;
  const int columns = sqlite3_column_count(guard.stmt);
  result.column_count = static_cast<size_t>(columns);
  int rc;
  while ((rc = sqlite3_step(guard.stmt)) == SQLITE_ROW) {
    for (int i = 0; i < columns; ++i) {
      switch (sqlite3_column_type(guard.stmt, i)) {
        case SQLITE_INTEGER:
          result.values.push_back(Value::Integer(sqlite3_column_int64(guard.stmt, i)));
          break;
        case SQLITE_FLOAT:
          result.values.push_back(Value::Real(sqlite3_column_double(guard.stmt, i)));
          break;
        case SQLITE_TEXT: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(guard.stmt, i));
          int n = sqlite3_column_bytes(guard.stmt, i);
          result.values.push_back(Value::Text(std::string(text, static_cast<size_t>(n))));
          break;
        }
        case SQLITE_BLOB: {
          const auto* blob = static_cast<const char*>(sqlite3_column_blob(guard.stmt, i));
          int n = sqlite3_column_bytes(guard.stmt, i);
          result.values.push_back(
              Value::Blob(n > 0 ? std::string(blob, static_cast<size_t>(n)) : std::string()));
          break;
        }
        default:
          result.values.push_back(Value::Null());
          break;
      }
    }
  }
  // A failed step ends the result, as in sqllogictest's reference driver (slt_sqlite.c).
  if (rc != SQLITE_DONE) result.error = Error("");
  return result;
}

Result<std::unique_ptr<SltBackend>> MakeSqliteBackend(const BackendOptions& options) {
  if (options.work_dir.empty()) return Status::InvalidArgument("sqlite backend needs a work_dir");
  return std::unique_ptr<SltBackend>(new SqliteBackend(options.work_dir + "/sqlite.db"));
}

}  // namespace dosql::slt
