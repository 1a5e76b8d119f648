// dosql-slt — the interface between the sqllogictest runner and a SQL engine.
//
// The runner knows nothing about any engine: it drives an SltBackend. An engine plugs in by
// implementing SltBackend and registering a factory under a name in a BackendRegistry (see
// registry.h and apps/slt/main.cc). The runner renders and compares the Values a backend returns,
// so a backend reports results typed exactly as its engine produces them (storage class per
// value, as sqlite3_column_type would) and never formats anything itself.
//
// Ownership and threads: the runner owns its backend (std::unique_ptr) and calls it from one
// thread, one call at a time; a backend needs no locking of its own. The string_views passed in
// are valid only for the duration of the call. A backend may keep files under the work directory
// it was created with (BackendOptions) and must not touch anything else on disk.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/status.h"
#include "dosql/core/value.h"

namespace dosql::slt {

// The rows a query returned, row-major: values[row * column_count + column].
struct QueryResult {
  size_t column_count = 0;
  std::vector<Value> values;
  // OK, or the error that stopped the query after it had started producing rows (an integer
  // overflow in sum(), say); `values` then holds the rows produced before it. sqllogictest's
  // reference SQLite driver ends the result at a failed step without reporting an error, and
  // the corpus's expected results record that, so the runner compares those rows (docs/slt.md).
  Status error;

  size_t row_count() const { return column_count == 0 ? 0 : values.size() / column_count; }
  const Value& at(size_t row, size_t column) const { return values[row * column_count + column]; }
};

class SltBackend {
 public:
  virtual ~SltBackend() = default;

  // The engine's name, for messages ("sqlite", "dosql").
  virtual std::string_view name() const = 0;

  // Runs one SQL statement and discards any rows it produces ("statement ok" / "statement
  // error"). Returns OK on success, or an error whose message is the engine's error message
  // (matched against the expected message of a "statement error" record that gives one).
  [[nodiscard]] virtual Status Execute(std::string_view sql) = 0;

  // Runs one query and returns all of its rows with their column count. An error returned here
  // (the query does not compile, names an unknown table, ...) fails the query record; an error
  // raised while rows are being produced goes in QueryResult::error with the rows before it.
  [[nodiscard]] virtual Result<QueryResult> Query(std::string_view sql) = 0;

  // Discards the current database, if any, and opens a new, empty one. The runner calls it
  // before every script file, so each file starts from an empty database as in the reference.
  [[nodiscard]] virtual Status Reset() = 0;

  // Closes the database and opens it again, keeping everything committed (the "restart"
  // record, DuckDB's extension, used to test persistence). Backends that cannot do this keep
  // the default, and "restart" records then fail with its message.
  [[nodiscard]] virtual Status Restart() {
    return Status::NotSupported(std::string(name()) + " backend cannot restart");
  }
};

}  // namespace dosql::slt
