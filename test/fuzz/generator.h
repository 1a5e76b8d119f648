// The differential fuzzer's statement generator (docs/fuzzing.md). Deterministic from a seed:
// the same seed and feature set always produce the same statements, on every platform (own
// PRNG, no std distributions).
//
// Statements come as `Frag` trees, not strings, so that the reducer (reducer.h) can drop
// optional clauses and replace expressions by their sub-expressions. The generator keeps a
// model of the schema it created (tables, columns with affinity and collation, indexes, views)
// and builds statements against it; DDL changes the model only when both engines accepted it
// (Generator::Accepted). Statements come in episodes: each starts with fresh databases.
// Not thread-safe.
#ifndef DOSQL_TEST_FUZZ_GENERATOR_H_
#define DOSQL_TEST_FUZZ_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lockstep/lockstep.h"

namespace dosql::fuzz {

// A fragment of generated SQL. kText is literal text; kSeq concatenates its kids; kList joins
// the kids that are not dropped with `text` as separator.
struct Frag {
  enum Kind : uint8_t { kText, kSeq, kList };
  Kind kind = kText;
  bool expr = false;      // an expression: the reducer may replace it by a sub-expression
  bool optional = false;  // the reducer may drop it
  // The reducer may replace it, but not by an expression inside it (an aggregate's argument
  // or a subquery's parts would change meaning, or become unspecified, outside it).
  bool opaque = false;
  bool dropped = false;
  std::string text;
  std::vector<Frag> kids;

  std::string ToSql() const;
  void AppendSql(std::string* out) const;
};

// Feature groups, each switchable with --features. To add one: a value here, a row in
// kFeatureInfo (generator.cc), and a branch in the generator guarded by Has(kThatFeature).
enum Feature : int {
  kJoin,        // inner/left/cross/natural/USING joins, multi-way
  kRightJoin,   // RIGHT and FULL OUTER joins
  kSubquery,    // scalar, EXISTS, IN (SELECT), correlated, subqueries in FROM
  kAggregate,   // aggregate functions, GROUP BY, HAVING
  kCompound,    // UNION [ALL], INTERSECT, EXCEPT
  kCte,         // WITH, WITH RECURSIVE
  kDistinct,    // SELECT DISTINCT, count(DISTINCT)
  kOrderLimit,  // ORDER BY (total), LIMIT/OFFSET, NULLS FIRST/LAST
  kIndex,       // CREATE [UNIQUE] INDEX, multi-column, partial, DROP INDEX
  kView,        // CREATE VIEW
  kConstraint,  // NOT NULL, UNIQUE, PRIMARY KEY, CHECK, DEFAULT, OR <conflict> clauses
  kUpsert,      // INSERT ... ON CONFLICT
  kReturning,   // RETURNING
  kTxn,         // BEGIN/COMMIT/ROLLBACK, SAVEPOINT
  kAlter,       // ALTER TABLE ADD COLUMN
  kCollate,     // COLLATE NOCASE/RTRIM in columns, indexes and expressions
  kCast,        // CAST
  kFunctions,   // scalar functions (string, numeric, typeof, coalesce, ...)
  kPrintf,      // printf()/format()
  kLikeGlob,    // LIKE, GLOB, ESCAPE
  kBitOps,      // & | ~ << >>
  kWithoutRowid,  // WITHOUT ROWID tables
  kWindow,      // window functions (aggregates and ranking over peer-only frames)
  kJson,        // JSON functions on well-formed documents
  kDate,        // date and time functions on fixed inputs
  kUserCollate,  // also the user-defined collations REV, LEN, RNOCASE (test/lockstep registers
                 // them on both engines)
  kFeatureCount
};

struct FeatureInfo {
  const char* name;
  bool on_by_default;
};
extern const FeatureInfo kFeatureInfo[kFeatureCount];

class FeatureSet {
 public:
  FeatureSet();  // the defaults
  // Applies "a,-b,+c,all,none,default" (a bare name turns it on). False on an unknown name.
  bool Apply(const std::string& spec, std::string* error);
  bool has(Feature f) const { return (bits_ >> f) & 1; }
  void set(Feature f, bool on) { bits_ = on ? bits_ | (1u << f) : bits_ & ~(1u << f); }
  std::string ToString() const;  // the names of the features that are on

 private:
  uint32_t bits_ = 0;
};

// One generated statement and how to compare its outcomes.
struct GenStatement {
  Frag frag;
  lockstep::Comparison how;
  bool new_episode = false;  // run on fresh databases (this is the first statement of one)
};

class Generator {
 public:
  Generator(uint64_t seed, FeatureSet features);
  ~Generator();

  GenStatement Next();
  // Reports whether both engines accepted the last statement from Next() (DDL changes the
  // schema model only then) and how many rows it changed (to bound the tables' sizes).
  void Accepted(bool ok, int64_t changes);
  // The next statement starts a new episode (on fresh databases).
  void EndEpisode();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosql::fuzz

#endif  // DOSQL_TEST_FUZZ_GENERATOR_H_
