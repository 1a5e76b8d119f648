#include "src/dosql_backend.h"

#include <filesystem>
#include <string>
#include <system_error>

#include "dosql/engine/database.h"

namespace dosql::slt {
namespace {

class DosqlBackend final : public SltBackend {
 public:
  explicit DosqlBackend(std::string dir) : dir_(std::move(dir)) {}
  ~DosqlBackend() override {
    conn_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string_view name() const override { return "dosql"; }

  Status Execute(std::string_view sql) override {
    if (!conn_) return Status::Internal("database is not open");
    return conn_->Exec(sql);
  }

  Result<QueryResult> Query(std::string_view sql) override {
    if (!conn_) return Status::Internal("database is not open");
    size_t tail = 0;
    DOSQL_ASSIGN_OR_RETURN(auto stmt, conn_->Prepare(sql, &tail));
    if (!stmt) return Status::InvalidArgument("no SQL statement in query");
    QueryResult result;
    result.column_count = static_cast<size_t>(stmt->column_count());
    while (true) {
      auto r = stmt->Step();
      if (!r.ok()) {
        result.error = r.status();
        break;
      }
      if (!*r) break;
      for (int i = 0; i < stmt->column_count(); i++) result.values.push_back(stmt->column(i));
    }
    return result;
  }

  Status Reset() override {
    conn_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    return Open();
  }

  Status Restart() override {
    conn_.reset();
    return Open();
  }

 private:
  Status Open() {
    engine::DatabaseOptions options;
    options.sync_commits = false;  // as the SQLite oracle runs with synchronous=OFF
    DOSQL_ASSIGN_OR_RETURN(conn_, engine::Connection::Open(dir_, options));
    return Status::OK();
  }

  std::string dir_;
  std::unique_ptr<engine::Connection> conn_;
};

}  // namespace

Result<std::unique_ptr<SltBackend>> MakeDosqlBackend(const BackendOptions& options) {
  if (options.work_dir.empty()) return Status::InvalidArgument("dosql backend needs a work_dir");
  return std::unique_ptr<SltBackend>(new DosqlBackend(options.work_dir + "/dosql.db"));
}

}  // namespace dosql::slt
