// dosql::engine (internal) — aggregate functions with SQLite's results: count, sum, total, avg,
// min, max, group_concat, string_agg. A state accumulates one group; DISTINCT wraps a state.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/compare.h"

namespace dosql::engine {

class AggregateState {
 public:
  virtual ~AggregateState() = default;
  virtual Status Step(std::span<const Value> args) = 0;
  virtual Result<Value> Final() = 0;
};

struct AggregateFunction {
  std::string_view name;
  int min_args;
  int max_args;
  std::unique_ptr<AggregateState> (*make)(Collation coll);
};

// Looks up an aggregate by name (case-insensitive); nullptr if `name` is not an aggregate.
// min/max are aggregates only with one argument: callers check the count.
const AggregateFunction* FindAggregateFunction(std::string_view name);

// Wraps a state so that repeated argument values (equal under `coll`) are fed only once.
std::unique_ptr<AggregateState> MakeDistinct(std::unique_ptr<AggregateState> inner,
                                             Collation coll);

}  // namespace dosql::engine
