// dosql-slt — runs sqllogictest scripts against an SltBackend and checks the results.
//
// Semantics (those of sqllogictest's C reference, plus DuckDB's extensions; docs/slt.md has the
// full description):
//  * Every script starts from an empty database (SltBackend::Reset) with hash-threshold 8.
//  * skipif/onlyif compare the engine name with RunnerOptions::engine_names, case-insensitively.
//    A statement or query excluded by them, or inside "mode skip", is counted as skipped; excluded
//    control records (halt, hash-threshold, ...) are simply ignored.
//  * statement ok passes if the statement succeeds; statement error if it fails (and, when an
//    expected message is given after "----", if the engine's message contains it).
//  * query: the result must have as many columns as the type string has letters. Values are
//    rendered by type letter (render.h), sorted as the sort mode says (strcmp order on the
//    rendered text; rowsort keeps rows together, valuesort sorts every value on its own), and
//    compared with the expected block. The block is either "N values hashing to H" (H is the
//    MD5 of every rendered value followed by "\n"), or the values themselves: one per line (the
//    original corpus) or one row per line with the columns separated by tabs or spaces (DuckDB).
//    Expected values are sorted like the result, so an unsorted expected block is fine.
//    A query that compiles but stops with an error while producing rows (QueryResult::error) is
//    judged on the rows it produced before the error, as the reference's SQLite driver does; a
//    query that does not run at all fails.
//  * Failure reports show a result of more than hash-threshold values as its hash line.
//  * A labeled query must give the same hash as the first query with the same label in the
//    script (the first one's expected block fixes the label's hash; skipped queries fix it too,
//    as in the reference).
//  * halt ends the script; restart calls SltBackend::Restart; a malformed record is a failure
//    and ends the script.
//
// A Runner drives one backend; it is used by one thread. Counts are per record: a statement or
// query that runs either passes or fails.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "src/backend.h"
#include "src/script.h"

namespace dosql::slt {

struct RunnerOptions {
  // The names the runner answers to in skipif/onlyif: dosql's target is SQLite's behaviour, so
  // it is both "dosql" and "sqlite".
  std::vector<std::string> engine_names = {"dosql", "sqlite"};
  // Results with more values than this are shown hashed, until a hash-threshold record
  // changes it (the reference's default is 8; 0 never hashes).
  int64_t hash_threshold = 8;
  // Stop at the first failure.
  bool fail_fast = false;
  // Failure reports show every value of a hashed or long result, not just its hash or the first
  // values.
  bool verbose = false;
};

// One failed record.
struct Failure {
  std::string file;
  int line = 0;
  std::string sql;       // the record's SQL (empty for control records)
  std::string message;   // what went wrong, e.g. "wrong result"
  std::string expected;  // what the script expects, as text (may be empty)
  std::string got;       // what the engine did, as text (may be empty)
};

enum class Outcome { kPassed, kFailed, kSkipped };

// Receives what a Runner does as it goes. The default implementation ignores everything.
class RunnerListener {
 public:
  virtual ~RunnerListener() = default;
  virtual void OnFailure(const Failure& failure) {}
  // Called for every statement and query record once it has run or been skipped.
  virtual void OnRecord(std::string_view file, const Record& record, Outcome outcome) {}
};

struct FileSummary {
  std::string file;
  int64_t passed = 0;
  int64_t failed = 0;
  int64_t skipped = 0;
  int64_t statements = 0;  // statement records run (passed or failed)
  int64_t queries = 0;     // query records run (passed or failed)
  bool halted = false;     // a halt record ended the script
  double seconds = 0;
};

class Runner {
 public:
  // `backend` and `listener` (which may be null) must outlive the Runner.
  Runner(SltBackend* backend, RunnerOptions options, RunnerListener* listener = nullptr);

  // Runs the script in the file at `path`.
  FileSummary RunFile(const std::string& path);
  // Runs a script read from `in`; `name` identifies it in failures.
  FileSummary RunScript(std::istream& in, std::string_view name);

  // True once a failure has happened in fail-fast mode: the caller should run nothing more.
  bool stopped() const { return stopped_; }

 private:
  struct ScriptState;

  // Each returns whether the record passed, reporting a failure otherwise.
  bool RunStatement(ScriptState& state, const Record& record);
  bool RunQuery(ScriptState& state, const Record& record);
  // A skipped query still fixes its label's hash. Returns false on a conflict.
  bool RecordSkippedLabel(ScriptState& state, const Record& record);
  bool Excluded(const Record& record) const;
  void Fail(ScriptState& state, const Record* record, std::string message, std::string expected,
            std::string got);

  SltBackend* backend_;
  RunnerOptions options_;
  RunnerListener* listener_;
  bool stopped_ = false;
};

// Helpers shared with tests.

// Sorts rendered values in place as `mode` says; `columns` groups them into rows for rowsort.
void SortValues(std::vector<std::string>& values, size_t columns, SortMode mode);
// MD5 of every value followed by "\n", as 32 hex digits.
std::string HashValues(const std::vector<std::string>& values);
// Parses "N values hashing to <32 hex digits>".
bool ParseHashLine(std::string_view line, int64_t* count, std::string* hash);

}  // namespace dosql::slt
