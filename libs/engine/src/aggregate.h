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
#include "dosql/engine/affinity.h"
#include "dosql/engine/arith.h"
#include "dosql/engine/compare.h"
#include "dosql/engine/format.h"

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
  // What its states are (kCount: CountState, kSum: SumState), for callers that step them
  // directly; kOther for the rest.
  enum class Builtin : uint8_t { kOther, kCount, kSum };
  Builtin builtin = Builtin::kOther;
};

// The states of count and of sum/total/avg, declared here so that the aggregation loop
// (AggregateOp) steps them without a virtual call (AggregateFunction::builtin says which a
// function's states are).
class CountState final : public AggregateState {
 public:
  Status Step(std::span<const Value> args) override {
    if (args.empty() || !args[0].is_null()) n_++;
    return Status::OK();
  }
  void StepRow() { n_++; }                                       // count(*)
  void StepValue(const Value& v) { n_ += v.is_null() ? 0 : 1; }  // count(x)
  Status Inverse(std::span<const Value> args) override {
    if (args.empty() || !args[0].is_null()) n_--;
    return Status::OK();
  }
  bool StepRows(uint64_t n) override {
    n_ += static_cast<int64_t>(n);
    return true;
  }
  Result<Value> Final() override { return Value::Integer(n_); }

 private:
  int64_t n_ = 0;
};

// sum/total/avg share SQLite 3.40's accumulator: an exact integer sum while every input is an
// integer, and a double sum of everything.
class SumState final : public AggregateState {
  // Adds an INTEGER exactly (while no REAL was seen and the sum fits) and anything else as REAL.
  void AddNumber(const Value& n) {
    if (n.type() == ValueType::kReal) {
      rsum_ += n.real();
      approx_ = true;
    } else if (n.type() == ValueType::kInteger) {
      const int64_t x = n.integer();
      rsum_ += static_cast<double>(x);
      if (!approx_ && !overflow_ && !AddInt64(isum_, x, &isum_)) approx_ = overflow_ = true;
    } else {
      rsum_ += ValueToReal(n);
      approx_ = true;
    }
  }

 public:
  enum class Kind { kSum, kTotal, kAvg };
  explicit SumState(Kind k) : kind_(k) {}
  Status Step(std::span<const Value> args) override {
    StepValue(args[0]);
    return Status::OK();
  }
  void StepValue(const Value& v) {
    if (v.is_null()) return;
    cnt_++;
    if (v.type() == ValueType::kText) {
      Value converted = v;
      ApplyAffinity(&converted, Affinity::kNumeric);
      AddNumber(converted);
    } else {
      AddNumber(v);
    }
  }
  // SQLite's sumInverse: integers leave the exact sum while no real has been seen.
  Status Inverse(std::span<const Value> args) override {
    const Value& v = args[0];
    if (v.is_null()) return Status::OK();
    Value n = v;
    if (v.type() == ValueType::kText) ApplyAffinity(&n, Affinity::kNumeric);
    cnt_--;
    if (n.type() == ValueType::kInteger && !approx_) {
      rsum_ -= static_cast<double>(n.integer());
      isum_ -= n.integer();
    } else {
      rsum_ -= ValueToReal(n);
    }
    return Status::OK();
  }
  Result<Value> Final() override {
    switch (kind_) {
      case Kind::kSum:
        if (cnt_ == 0) return Value();
        if (overflow_) return Status::OutOfRange("integer overflow");
        if (approx_) return Value::Real(rsum_);
        return Value::Integer(isum_);
      case Kind::kTotal:
        return Value::Real(rsum_);
      case Kind::kAvg:
        if (cnt_ == 0) return Value();
        return Value::Real(rsum_ / static_cast<double>(cnt_));
    }
    return Value();
  }

 private:
  Kind kind_;
  int64_t cnt_ = 0;
  int64_t isum_ = 0;
  double rsum_ = 0;
  bool approx_ = false;
  bool overflow_ = false;
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
