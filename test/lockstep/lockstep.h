// Lock-step comparison of dosql with the real SQLite, shared by the differential corpus test
// (test/differential) and the differential fuzzer (test/fuzz). SQLite is a test-only dependency:
// only test programs link this library.
//
// DosqlSide and SqliteSide each own one private in-memory database (one connection), on which
// they register the same user-defined collations: REV (reverse byte order), LEN (shorter first,
// then byte order) and RNOCASE (NOCASE reversed). Run() runs one statement to completion and
// returns its Outcome (success or error, the rows, the change counters). Difference() says how
// two outcomes differ ("" when they agree). Nothing here is thread-safe: one thread drives a
// pair of sides.
#ifndef DOSQL_TEST_LOCKSTEP_LOCKSTEP_H_
#define DOSQL_TEST_LOCKSTEP_LOCKSTEP_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dosql/core/value.h"

struct sqlite3;
namespace dosql::engine {
class Connection;
}

namespace dosql::lockstep {

using Row = std::vector<Value>;

// What one statement did in one engine.
struct Outcome {
  bool ok = true;
  bool empty = false;   // the text holds no statement
  std::string error;    // for display (dosql: with the status code)
  std::string message;  // the message alone, to compare with SQLite's
  int columns = 0;
  std::vector<std::string> names;
  std::vector<Row> rows;
  int64_t changes = 0;
  int64_t total_changes = 0;
  int64_t last_insert_rowid = 0;
  // The counters before the statement ran (compared as deltas, so that one difference does not
  // repeat for every later statement).
  int64_t total_changes_before = 0;
  int64_t last_insert_rowid_before = 0;
  bool autocommit = true;
  std::string note;  // harness-level anomaly (e.g. text left after the statement)
  // Stopped at the side's limits (set_limits): its time limit, or more rows than it keeps.
  bool timed_out = false;
};

// What a side may spend on one statement (0: no limit): a generated join of a few views can ask
// for tens of millions of rows, which neither engine should be made to hold or compute.
struct Limits {
  double seconds = 0;
  size_t max_rows = 0;
};

class SqliteSide {
 public:
  SqliteSide();
  ~SqliteSide();
  SqliteSide(const SqliteSide&) = delete;
  SqliteSide& operator=(const SqliteSide&) = delete;
  Outcome Run(const std::string& sql);
  // A statement running longer is interrupted (Outcome::timed_out); 0: no limit.
  void set_limits(Limits limits) { limits_ = limits; }

 private:
  static int Progress(void* self);
  sqlite3* db_ = nullptr;
  Limits limits_;
  std::chrono::steady_clock::time_point deadline_;
  bool interrupted_ = false;
};

class DosqlSide {
 public:
  DosqlSide();
  ~DosqlSide();
  DosqlSide(const DosqlSide&) = delete;
  DosqlSide& operator=(const DosqlSide&) = delete;
  Outcome Run(const std::string& sql);
  void set_limits(Limits limits);

 private:
  std::unique_ptr<engine::Connection> conn_;
  Limits limits_;
};

// How to compare two outcomes.
struct Comparison {
  // Rows in order (the statement has a total ORDER BY); otherwise as multisets.
  bool ordered = false;
  // Values are compared modulo the differences SQL leaves unspecified when it picks one of
  // several equal values (DISTINCT, UNION, GROUP BY representatives): an integral REAL equals the
  // INTEGER, and text compares ASCII-case-insensitively without trailing spaces (NOCASE, RTRIM),
  // a text holding a NUL only up to it, and its length (NOCASE).
  bool loose = false;
  // With `ordered`: rows that tie (equal when loose) may come in either order, as long as the
  // multiset of rows agrees (strictly unless `loose`).
  bool loose_ties = false;
  // The statement is an INSERT/UPDATE/DELETE, so changes() reports it.
  bool dml = false;
  // REALs that are not bit-identical still agree within this relative difference (0: exact).
  // For sums and averages whose order of addition is the plan's.
  double real_tolerance = 0;
};

// Empty when the two outcomes agree; otherwise what differs. REALs are compared bit-exactly
// (NaN equals NaN) unless how.real_tolerance allows more.
std::string Difference(const Outcome& d, const Outcome& s, const Comparison& how);

bool SameValue(const Value& a, const Value& b);
// A strict total order consistent with SameValue (for multiset comparison).
int TotalCompare(const Value& a, const Value& b);
std::string Show(const Value& v);
std::string ShowRow(const Row& r);
std::string ShowOutcome(const Outcome& o, size_t max_rows = 25);

// A statement of a script.
struct ScriptStatement {
  std::string text;     // from the first token to the end of the statement (incl. ';')
  int line = 0;         // 1-based line of the first token
  std::string leading;  // the comments and blank lines before it
};
// Splits a script into statements with sqlite3_complete() (so that statements meant to fail to
// parse, and CREATE TRIGGER bodies, split the same way for both engines).
std::vector<ScriptStatement> SplitScript(const std::string& text);

// Lexical helpers, independent of both parsers.
// Offset of the first character from `pos` that is not whitespace, a comment or a ';'.
size_t SkipSpaceAndComments(const std::string& s, size_t pos);
// True if the statement has an ORDER BY outside parentheses.
bool HasTopLevelOrderBy(const std::string& s);
// The first keyword, upper-cased.
std::string FirstKeyword(const std::string& sql);
// INSERT, UPDATE, DELETE or REPLACE.
bool IsDml(const std::string& sql);

}  // namespace dosql::lockstep

#endif  // DOSQL_TEST_LOCKSTEP_LOCKSTEP_H_
