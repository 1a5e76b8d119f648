// dosql::engine (internal) — window functions: the operator that computes them over the rows of
// a query level, with SQLite's semantics (partitions, peers, ROWS/RANGE/GROUPS frames, EXCLUDE).
//
// The binder collects every `f(...) OVER (...)` of a SELECT core into WindowSpecs (one per
// distinct window definition) and gives each function a result slot in the frame. WindowOp sits
// between the core's FROM/WHERE/GROUP BY/HAVING operators and its projection: it buffers every
// row (the frame slots plus each window's partition keys, order keys and function arguments),
// sorts the rows by each window in turn, computes the functions partition by partition, and then
// yields the rows (in the last window's order) with the results in their slots.
//
// Aggregates over a frame follow SQLite's evaluation order, which decides the rounding of REAL
// sums: a frame that starts UNBOUNDED PRECEDING only steps rows in; a moving frame steps rows in
// and removes them with Inverse() (count, sum, total, avg, group_concat); a frame with EXCLUDE, or
// a function without an inverse (min, max), is recomputed from its rows for every row.
//
// Created by the planner for one statement; used by one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "aggregate.h"
#include "exec.h"

namespace dosql::engine {

struct WindowFrame {
  enum class Unit { kRows, kRange, kGroups };
  enum class Bound { kUnboundedPreceding, kPreceding, kCurrentRow, kFollowing, kUnboundedFollowing };
  enum class Exclude { kNoOthers, kCurrentRow, kGroup, kTies };
  Unit unit = Unit::kRange;
  Bound start = Bound::kUnboundedPreceding;
  Bound end = Bound::kCurrentRow;
  CExprPtr start_offset;  // kPreceding / kFollowing
  CExprPtr end_offset;
  Exclude exclude = Exclude::kNoOthers;
};

struct WindowFunc {
  enum class Kind {
    kAggregate,
    kRowNumber,
    kRank,
    kDenseRank,
    kPercentRank,
    kCumeDist,
    kNtile,
    kLag,
    kLead,
    kFirstValue,
    kLastValue,
    kNthValue,
  };
  Kind kind = Kind::kAggregate;
  const AggregateFunction* agg = nullptr;  // kAggregate
  std::shared_ptr<const AggregateFunction> keep;  // a user function's, kept alive
  Collation collation = Collation::kBinary;
  std::vector<CExprPtr> args;
  CExprPtr filter;  // FILTER (WHERE ...) of an aggregate
  WindowFrame frame;
  int result_slot = 0;
};

// One window definition: the rows are sorted by partition keys, then order keys.
struct WindowSpec {
  std::vector<CExprPtr> partition;
  std::vector<Collation> partition_colls;
  std::vector<CExprPtr> order;
  std::vector<SortKey> order_keys;  // `column` = index into `order`
  std::vector<WindowFunc> funcs;
};

class WindowOp final : public Op {
 public:
  // `saved_slots`: the frame slots [0, saved_slots) are kept per row and restored on output.
  WindowOp(OpPtr child, int level, int saved_slots, std::vector<WindowSpec> windows);
  ~WindowOp() override;
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override;
  std::string Describe(int indent) const override;

 private:
  struct Layout;
  Status Consume(Exec& ex);
  Status Compute(Exec& ex, size_t w);
  bool SortByEncodedKeys(const WindowSpec& spec, const Layout& l);
  OpPtr child_;
  int level_;
  int saved_slots_;
  std::vector<WindowSpec> windows_;
  std::vector<Layout> layout_;
  std::vector<Row> rows_;
  std::vector<size_t> order_;  // output order (indexes into rows_)
  size_t pos_ = 0;
};

}  // namespace dosql::engine
