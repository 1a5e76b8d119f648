// dosql::engine (internal) — aggregate functions with SQLite's results: count, sum, total, avg,
// min, max, group_concat, string_agg. A state accumulates one group (or one window frame);
// DISTINCT and aggregate ORDER BY wrap a state. States belong to the operator that made them and
// are used by one thread.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/compare.h"

namespace dosql::engine {

class AggregateState {
 public:
  virtual ~AggregateState() = default;
  virtual Status Step(std::span<const Value> args) = 0;
  // Removes the oldest row still stepped (a window frame moving forward), as SQLite's xInverse.
  // Only called when the function's `has_inverse` is set.
  virtual Status Inverse(std::span<const Value>) {
    return Status::Internal("aggregate has no inverse");
  }
  // Steps `n` rows without arguments at once (count(*) of a whole table); false, and nothing
  // stepped, when the state has no such shortcut.
  virtual bool StepRows(uint64_t) { return false; }
  // The group's result.
  virtual Result<Value> Final() = 0;
  // The result so far, for window functions (once per row; more Steps may follow). Built-in
  // states give Final(), which they allow any number of times.
  virtual Result<Value> Current() { return Final(); }
};

struct AggregateFunction {
  std::string_view name;
  int min_args;
  int max_args;
  std::function<std::unique_ptr<AggregateState>(Collation coll)> make;
  bool has_inverse = false;  // Inverse() is implemented (moving window frames step and undo)
  // Current() may be called repeatedly on one state (built-ins, window UDFs). A plain aggregate
  // UDF is finalized once per state, so windows recompute it from a fresh state per row.
  bool has_current = true;
  // count/sum/total/avg states can also be made in place: in state_size bytes the caller
  // provides (aligned as operator new aligns) and later ends with ~AggregateState, so that many
  // groups' states share blocks instead of one allocation each. Null for the others.
  AggregateState* (*make_at)(void* where, Collation coll) = nullptr;
  size_t state_size = 0;
};

// Looks up an aggregate by name (case-insensitive); nullptr if `name` is not an aggregate.
// min/max are aggregates only with one argument: callers check the count.
const AggregateFunction* FindAggregateFunction(std::string_view name);

// Wraps a state so that repeated argument values (equal under `coll`) are fed only once.
std::unique_ptr<AggregateState> MakeDistinct(std::unique_ptr<AggregateState> inner,
                                             Collation coll);

// Aggregate ORDER BY (group_concat(x, ',' ORDER BY y)): buffers each row's arguments with its
// sort key (the trailing `keys.size()` values of every Step's arguments) and feeds `inner` in
// that order (stable) when the result is asked for.
struct SortKey;
std::unique_ptr<AggregateState> MakeOrdered(std::unique_ptr<AggregateState> inner,
                                            std::vector<SortKey> keys, size_t nargs);

}  // namespace dosql::engine
