// dosql-bench: what the workloads share — options, the deterministic random generator, result
// digests and row sets (to check that the engines agree), timing samples and the report rows.
// Single-threaded.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engines.h"

namespace dosql_bench {

using Clock = std::chrono::steady_clock;
inline double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Options {
  std::vector<std::string> workloads = {"speedtest", "oltp", "analytics"};
  int size = 4;                              // speedtest size (speedtest1's --size; rows = 500 x size)
  std::vector<std::string> modes = {"file", "memory"};  // speedtest databases
  int oltp_rows = 100000;                    // rows in the oltp table
  int oltp_auto_ops = 300;                   // operations per autocommit measurement
  int oltp_batch_ops = 10000;                // operations per batched measurement
  int oltp_batch = 1000;                     // operations per transaction when batched
  std::vector<double> scales = {0.1, 1.0};   // analytics TPC-H scale factors
  int reps = 3;                              // repetitions of each measurement
  int reps_large = 1;                        // repetitions at analytics scales >= 1
  int timeout_s = 60;                        // analytics: time limit of one query per engine (0: none)
  int duckdb = -1;                           // DuckDB peer in analytics: 1 yes, 0 no, -1 if installed
  std::string duckdb_version;                // filled by the analytics workload
  std::string duckdb_dir;                    // bench/duckdb (node_modules installed)
  std::string dir;                           // work directory (default $TMPDIR)
  std::string tsv;                           // write the result rows as TSV here
  std::vector<std::string> only;             // step names to run (speedtest/analytics); empty: all
  bool keep = false;
};

// Deterministic pseudo-random numbers (SplitMix64 sequence); the same on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi].
  int64_t Uniform(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t s_;
};

// One cell of a result, engine-neutral.
struct Cell {
  CellType type = CellType::kNull;
  int64_t i = 0;
  double r = 0;
  std::string s;
};
using Row = std::vector<Cell>;

std::string CellToString(const Cell& c);
Cell ReadCell(Stmt& st, int col);
// Steps `st` to the end, collecting every row (for small results).
std::vector<Row> CollectRows(Stmt& st);

// Compares two results row by row: same row count, same cells; REAL within a relative
// tolerance; with `strict_types` an INTEGER never equals a REAL (dosql against SQLite), without it
// numbers compare by value (DuckDB's types differ: HUGEINT sums, DATE). On a difference returns
// false and describes the first differing row in *why.
bool SameRows(const std::vector<Row>& a, const std::vector<Row>& b, bool strict_types, double rel_tol,
              std::string* why);

// A digest of a (possibly large) result: row count, a hash of the non-REAL cells (order-sensitive
// or not) and the sum of the REAL cells (compared with a tolerance, so that sums computed in a
// different order still agree). TEXT cells holding a comma-separated list are hashed with the
// list sorted (group_concat's order is unspecified).
struct Digest {
  int64_t rows = 0;
  uint64_t hash = 0;
  double real_sum = 0;
  void Add(const Digest& o) {
    rows += o.rows;
    hash += o.hash * 0x9e3779b97f4a7c15ULL + 1;
    real_sum += o.real_sum;
  }
  bool Matches(const Digest& o) const;
  std::string ToString() const;
};
// Steps `st` to the end and digests its rows.
Digest DigestRows(Stmt& st, bool ordered);

// Repeated measurements of one thing on one engine, in milliseconds.
struct Sample {
  std::vector<double> ms;
  bool empty() const { return ms.empty(); }
  double Median() const;
  double Min() const { return *std::min_element(ms.begin(), ms.end()); }
  double Max() const { return *std::max_element(ms.begin(), ms.end()); }
};

constexpr int kDosql = 0, kSqlite = 1, kDuckdb = 2, kEngines = 3;
extern const char* const kEngineNames[kEngines];

// One line of a result table.
struct ResultRow {
  std::string workload;  // speedtest / oltp / analytics
  std::string group;     // e.g. "file, size 25", "autocommit", "scale 0.1"
  std::string step;      // e.g. "100", "point-select", "Q1"
  std::string what;      // description
  int64_t ops = 0;       // operations per measurement (for per-op figures; 0 = not shown)
  int64_t rows_out = -1; // rows the query returned (analytics; -1 = not shown)
  Sample s[kEngines];
  std::string failure;   // non-empty: an error or a result mismatch
  bool timed_out[kEngines] = {false, false, false};  // hit --timeout: the time is a lower bound
  bool in_total = true;  // counted in the group's total
};

std::string FmtMs(double ms);
std::string Fmt(const char* f, double v);

// The workloads append their rows to *rows; they return false if a result check failed or a
// statement failed (the run goes on, the exit status will be 2).
bool RunSpeedtest(const Options& o, const std::string& root, std::vector<ResultRow>* rows);
bool RunOltp(const Options& o, const std::string& root, std::vector<ResultRow>* rows);
bool RunAnalytics(Options& o, const std::string& root, std::vector<ResultRow>* rows);

// Prints a progress line to stderr.
void Progress(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Runs `fns[e]` for the engines e that have one, rotating the order by `rep` so that no engine
// always goes first (interleaving).
void Interleave(int rep, const std::vector<std::function<void()>>& fns);

// True if `step` is selected by --only (or --only is empty).
bool Wanted(const Options& o, const std::string& step);

}  // namespace dosql_bench
