#include "aggregate.h"

#include "catalog.h"
#include "exec.h"
#include "json.h"

#include <algorithm>
#include <new>
#include <string>
#include <vector>

#include "dosql/engine/affinity.h"
#include "dosql/engine/arith.h"
#include "dosql/engine/format.h"

namespace dosql::engine {
namespace {

class MinMaxState final : public AggregateState {
 public:
  MinMaxState(bool is_max, Collation coll) : max_(is_max), coll_(coll) {}
  Status Step(std::span<const Value> args) override {
    const Value& v = args[0];
    if (v.is_null()) return Status::OK();
    if (!has_) {
      best_ = v;
      has_ = true;
      return Status::OK();
    }
    int c = CompareValues(v, best_, coll_);
    if (max_ ? c > 0 : c < 0) best_ = v;
    return Status::OK();
  }
  Result<Value> Final() override { return has_ ? best_ : Value(); }

 private:
  bool max_;
  Collation coll_;
  bool has_ = false;
  Value best_;
};

class GroupConcatState final : public AggregateState {
 public:
  Status Step(std::span<const Value> args) override {
    const Value& v = args[0];
    if (v.is_null()) return Status::OK();
    if (has_) {
      if (args.size() > 1) {
        AppendValueText(args[1], &out_);
      } else {
        out_ += ',';
      }
    }
    has_ = true;
    AppendValueText(v, &out_);
    return Status::OK();
  }
  // As SQLite 3.40: drops the value's text and one separator's worth of bytes (this row's
  // separator) from the front; an emptied accumulator starts over without a separator.
  Status Inverse(std::span<const Value> args) override {
    const Value& v = args[0];
    if (v.is_null()) return Status::OK();
    std::string text;
    AppendValueText(v, &text);
    size_t n = text.size();
    if (args.size() > 1) {
      text.clear();
      AppendValueText(args[1], &text);
      n += text.size();
    } else {
      n++;
    }
    if (n >= out_.size()) {
      out_.clear();
      has_ = false;
      in_window_ = true;
    } else {
      out_.erase(0, n);
    }
    return Status::OK();
  }
  Result<Value> Final() override {
    if (in_window_ && out_.empty()) return Value();  // sqlite3_str_value of an empty string
    return has_ ? Value::Text(out_) : Value();
  }

 private:
  bool has_ = false;
  bool in_window_ = false;
  std::string out_;
};

class DistinctState final : public AggregateState {
 public:
  DistinctState(std::unique_ptr<AggregateState> inner, Collation coll)
      : inner_(std::move(inner)), colls_{coll}, seen_(&colls_) {}
  Status Step(std::span<const Value> args) override {
    if (args.empty()) return inner_->Step(args);
    key_.assign(args.begin(), args.begin() + 1);
    DOSQL_ASSIGN_OR_RETURN(auto stored, seen_.Emplace(key_, true));
    if (!stored.second) return Status::OK();
    return inner_->Step(args);
  }
  Result<Value> Final() override { return inner_->Final(); }

 private:
  std::unique_ptr<AggregateState> inner_;
  const std::vector<Collation> colls_;
  KeyMap<bool> seen_;  // the first arguments seen (equal under the collation)
  std::vector<Value> key_;
};

class OrderedState final : public AggregateState {
 public:
  OrderedState(std::unique_ptr<AggregateState> inner, std::vector<SortKey> keys, size_t nargs)
      : inner_(std::move(inner)), keys_(std::move(keys)), nargs_(nargs) {}
  Status Step(std::span<const Value> args) override {
    rows_.emplace_back(args.begin(), args.end());
    return Status::OK();
  }
  Result<Value> Final() override {
    std::stable_sort(rows_.begin(), rows_.end(),
                     [&](const Row& a, const Row& b) { return CompareRows(a, b, keys_) < 0; });
    for (; fed_ < rows_.size(); fed_++) {
      DOSQL_RETURN_IF_ERROR(inner_->Step(std::span<const Value>(rows_[fed_]).first(nargs_)));
    }
    return inner_->Final();
  }

 private:
  std::unique_ptr<AggregateState> inner_;
  std::vector<SortKey> keys_;
  size_t nargs_;
  std::vector<Row> rows_;
  size_t fed_ = 0;
};

std::unique_ptr<AggregateState> MakeCount(Collation) { return std::make_unique<CountState>(); }
std::unique_ptr<AggregateState> MakeSum(Collation) {
  return std::make_unique<SumState>(SumState::Kind::kSum);
}
std::unique_ptr<AggregateState> MakeTotal(Collation) {
  return std::make_unique<SumState>(SumState::Kind::kTotal);
}
std::unique_ptr<AggregateState> MakeAvg(Collation) {
  return std::make_unique<SumState>(SumState::Kind::kAvg);
}
std::unique_ptr<AggregateState> MakeMin(Collation c) {
  return std::make_unique<MinMaxState>(false, c);
}
std::unique_ptr<AggregateState> MakeMax(Collation c) {
  return std::make_unique<MinMaxState>(true, c);
}
AggregateState* CountAt(void* where, Collation) { return new (where) CountState(); }
AggregateState* SumAt(void* where, Collation) { return new (where) SumState(SumState::Kind::kSum); }
AggregateState* TotalAt(void* where, Collation) {
  return new (where) SumState(SumState::Kind::kTotal);
}
AggregateState* AvgAt(void* where, Collation) { return new (where) SumState(SumState::Kind::kAvg); }
std::unique_ptr<AggregateState> MakeGroupConcat(Collation) {
  return std::make_unique<GroupConcatState>();
}

const AggregateFunction kAggregates[] = {
    {"count", 0, 1, &MakeCount, true, true, &CountAt, sizeof(CountState),
     AggregateFunction::Builtin::kCount},
    {"sum", 1, 1, &MakeSum, true, true, &SumAt, sizeof(SumState), AggregateFunction::Builtin::kSum},
    {"total", 1, 1, &MakeTotal, true, true, &TotalAt, sizeof(SumState),
     AggregateFunction::Builtin::kSum},
    {"avg", 1, 1, &MakeAvg, true, true, &AvgAt, sizeof(SumState), AggregateFunction::Builtin::kSum},
    // (min and max keep a Value each: made in place next to each other, the first statement of a
    // process ran a min/max scan of lineitem 55% slower in memcmp, for reasons not found.)
    {"min", 1, 1, &MakeMin},
    {"max", 1, 1, &MakeMax},
    {"group_concat", 1, 2, &MakeGroupConcat, true},
    {"string_agg", 2, 2, &MakeGroupConcat, true},
    {"json_group_array", 1, 1, &MakeJsonGroupArray},
    {"json_group_object", 2, 2, &MakeJsonGroupObject},
};

}  // namespace

const AggregateFunction* FindAggregateFunction(std::string_view name) {
  for (const auto& f : kAggregates) {
    if (IEquals(f.name, name)) return &f;
  }
  return nullptr;
}

std::unique_ptr<AggregateState> MakeDistinct(std::unique_ptr<AggregateState> inner,
                                             Collation coll) {
  return std::make_unique<DistinctState>(std::move(inner), coll);
}

std::unique_ptr<AggregateState> MakeOrdered(std::unique_ptr<AggregateState> inner,
                                            std::vector<SortKey> keys, size_t nargs) {
  return std::make_unique<OrderedState>(std::move(inner), std::move(keys), nargs);
}

}  // namespace dosql::engine
