// Replaying and reducing a failing script of the differential fuzzer (docs/fuzzing.md).
//
// Replay() runs a script on fresh in-memory databases of both engines. Reduce() shrinks a script
// whose last statement mismatches while the mismatch persists (same kind): first it drops earlier
// statements (delta debugging), then it simplifies every statement's fragment tree (drops
// optional clauses and list items, replaces expressions by their sub-expressions or by literals).
// Single-threaded.
#ifndef DOSQL_TEST_FUZZ_REDUCER_H_
#define DOSQL_TEST_FUZZ_REDUCER_H_

#include <optional>
#include <string>
#include <vector>

#include "generator.h"
#include "lockstep/lockstep.h"

namespace dosql::fuzz {

struct Mismatch {
  std::string diff;  // what differs (lockstep::Difference)
  lockstep::Outcome dosql, sqlite;
  lockstep::Comparison how;
};

// How a statement's outcomes are compared: its generated Comparison, except that order is only
// compared while the text still has a top-level ORDER BY (the reducer may have removed it).
lockstep::Comparison ComparisonFor(const GenStatement& g, const std::string& sql);

// The kind of a mismatch, which a reduction must keep: who failed, or that results or counters
// differ.
std::string MismatchKind(const std::string& diff);

// Runs `script` on fresh databases. The mismatch of its last statement, if that is the first
// statement that mismatches.
std::optional<Mismatch> Replay(const std::vector<GenStatement>& script);

// Replay() in a child process (so that a crash or a hang of an engine is an outcome too): the
// MismatchKind() of the last statement's mismatch, "crash" if the child died of a signal,
// "hang" if it ran longer than `timeout_seconds`, or "" if the script agrees.
// A statement running longer than this is a hang. Generous: the machine may be loaded, and a
// large join of a view may take seconds in either engine without being a bug.
constexpr int kHangSeconds = 300;

// What each engine may spend on one statement. SQLite runs some generated joins in nested loops
// for minutes (the oracle has no automatic indexes), and a few views joined can ask for tens of
// millions of rows: such a statement is not compared. dosql gets longer, so a statement SQLite
// finishes and dosql does not is reported (a plan gone wrong), not skipped.
inline constexpr lockstep::Limits kSqliteLimits{20, 200000};
inline constexpr lockstep::Limits kDosqlLimits{60, 200000};
// The address space the fuzzer may use (RLIMIT_AS). dosql holds intermediate rows in memory
// (docs/compatibility.md); a statement over a view of views can ask for ~10^8 of them. Under this
// ceiling it fails with NoMemory instead of the machine running out; such a statement is counted
// and not compared.
inline constexpr uint64_t kAddressSpaceBytes = uint64_t{8} << 30;

std::string ProbeInChild(const std::vector<GenStatement>& script, int timeout_seconds);

struct ReduceLimits {
  int max_trials = 4000;
  double max_seconds = 90;
};

// A smaller script on which ProbeInChild() still gives `kind` (every trial runs in a child).
std::vector<GenStatement> Reduce(std::vector<GenStatement> script, const std::string& kind,
                                 const ReduceLimits& limits, int* trials_out);

}  // namespace dosql::fuzz

#endif  // DOSQL_TEST_FUZZ_REDUCER_H_
