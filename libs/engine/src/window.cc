#include "window.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dosql/core/coding.h"
#include "dosql/core/record.h"
#include "dosql/engine/affinity.h"
#include "dosql/engine/arith.h"

namespace dosql::engine {

// Where a window's values sit in a buffered row: after the saved frame slots come, per window,
// the partition keys, the order keys, and per function its arguments, its FILTER outcome (when it
// has one) and its result.
struct WindowOp::Layout {
  struct Func {
    size_t args = 0;
    size_t filter = 0;  // meaningful when the function has a FILTER
    size_t result = 0;
  };
  size_t partition = 0;
  size_t order = 0;
  std::vector<Func> funcs;
};

namespace {

using Bound = WindowFrame::Bound;
using Unit = WindowFrame::Unit;
using Kind = WindowFunc::Kind;

// The value as an exact integer (OP_MustBeInt: integers, integral reals, integer text).
bool ExactInteger(const Value& v, int64_t* out) {
  Value n = v;
  if (n.type() == ValueType::kText) ApplyAffinity(&n, Affinity::kNumeric);
  if (n.type() == ValueType::kInteger) {
    *out = n.integer();
    return true;
  }
  if (n.type() == ValueType::kReal) {
    double d = n.real();
    if (d >= -9.2e18 && d <= 9.2e18 && d == std::floor(d)) {
      *out = static_cast<int64_t>(d);
      return true;
    }
  }
  return false;
}

// A frame's offset, evaluated once per execution.
struct Offset {
  int64_t rows = 0;  // ROWS / GROUPS
  Value range;       // RANGE
};

Result<Offset> EvalOffset(Exec& ex, const CExpr& e, Unit unit, bool start) {
  Value v;
  DOSQL_RETURN_IF_ERROR(e.Eval(ex, &v));
  Offset o;
  const std::string which = start ? "starting" : "ending";
  if (unit == Unit::kRange) {
    Value n = v;
    if (n.type() == ValueType::kText) ApplyAffinity(&n, Affinity::kNumeric);
    if (!n.is_numeric() || n.AsDouble() < 0) {
      return Status::InvalidArgument("frame " + which + " offset must be a non-negative number");
    }
    o.range = n;
    return o;
  }
  if (!ExactInteger(v, &o.rows) || o.rows < 0) {
    return Status::InvalidArgument("frame " + which + " offset must be a non-negative integer");
  }
  return o;
}

}  // namespace

WindowOp::WindowOp(OpPtr child, int level, int saved_slots, std::vector<WindowSpec> windows)
    : child_(std::move(child)), level_(level), saved_slots_(saved_slots),
      windows_(std::move(windows)) {
  size_t off = static_cast<size_t>(saved_slots_);
  for (const WindowSpec& w : windows_) {
    Layout l;
    l.partition = off;
    off += w.partition.size();
    l.order = off;
    off += w.order.size();
    for (const WindowFunc& f : w.funcs) {
      Layout::Func lf;
      lf.args = off;
      off += f.args.size();
      if (f.filter) lf.filter = off++;
      lf.result = off++;
      l.funcs.push_back(lf);
    }
    layout_.push_back(std::move(l));
  }
}

WindowOp::~WindowOp() = default;

Status WindowOp::Consume(Exec& ex) {
  rows_.clear();
  DOSQL_RETURN_IF_ERROR(child_->Open(ex));
  size_t width = layout_.empty() ? static_cast<size_t>(saved_slots_)
                                 : layout_.back().funcs.back().result + 1;
  while (true) {
    DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex));
    if (!ok) break;
    Frame* f = ex.frames[level_];
    Row r(width);
    for (int s = 0; s < saved_slots_; s++) r[static_cast<size_t>(s)] = f->slots[static_cast<size_t>(s)];
    for (size_t w = 0; w < windows_.size(); w++) {
      const WindowSpec& spec = windows_[w];
      const Layout& l = layout_[w];
      for (size_t i = 0; i < spec.partition.size(); i++) {
        DOSQL_RETURN_IF_ERROR(spec.partition[i]->Eval(ex, &r[l.partition + i]));
      }
      for (size_t i = 0; i < spec.order.size(); i++) {
        DOSQL_RETURN_IF_ERROR(spec.order[i]->Eval(ex, &r[l.order + i]));
      }
      for (size_t k = 0; k < spec.funcs.size(); k++) {
        const WindowFunc& fn = spec.funcs[k];
        for (size_t i = 0; i < fn.args.size(); i++) {
          DOSQL_RETURN_IF_ERROR(fn.args[i]->Eval(ex, &r[l.funcs[k].args + i]));
        }
        if (fn.filter) {
          DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*fn.filter, ex));
          r[l.funcs[k].filter] = Value::Integer(t == TriBool::kTrue ? 1 : 0);
        }
      }
    }
    rows_.push_back(std::move(r));
  }
  return Status::OK();
}

// Sorts order_ by (partition, order keys), stable, when every key sorts as its index key
// encoding does (numbers, BINARY text and blobs, NULLs where SQLite puts them by default): the
// rows' keys are encoded once and the sort compares bytes held side by side, where comparing
// the rows' values reads each row (a cache miss per row once the rows are many). False, order_
// untouched, when a key does not allow it.
bool WindowOp::SortByEncodedKeys(const WindowSpec& spec, const Layout& l) {
  auto encodable = [&](size_t off, const Collation& coll, bool nulls_ok) {
    for (const Row& r : rows_) {
      const Value& v = r[off];
      if (v.type() == ValueType::kText && coll.kind() != Collation::kBinary) return false;
      if (v.is_null() && !nulls_ok) return false;
    }
    return true;
  };
  bool encode = true;
  for (size_t i = 0; encode && i < spec.partition.size(); i++) {
    encode = encodable(l.partition + i, spec.partition_colls[i], true);
  }
  for (size_t i = 0; encode && i < spec.order_keys.size(); i++) {
    const SortKey& k = spec.order_keys[i];
    encode = encodable(l.order + i, k.collation, k.nulls_first != k.desc);
  }
  if (!encode) return false;
  std::vector<std::string> keys(rows_.size());
  for (size_t r = 0; r < rows_.size(); r++) {
    for (size_t i = 0; i < spec.partition.size(); i++) {
      AppendKeyValue(rows_[r][l.partition + i], false, &keys[r]);
    }
    for (size_t i = 0; i < spec.order_keys.size(); i++) {
      AppendKeyValue(rows_[r][l.order + i], spec.order_keys[i].desc, &keys[r]);
    }
  }
  // Sorted as (first 16 key bytes as two numbers, position): a comparison reads the entries
  // it sorts, and the keys themselves only past 16 equal bytes (long text, several columns).
  struct Entry {
    uint64_t hi, lo;
    size_t pos, row;
  };
  std::vector<Entry> entries(order_.size());
  for (size_t i = 0; i < order_.size(); i++) {
    const std::string& k = keys[order_[i]];
    uint8_t b[16] = {};
    std::memcpy(b, k.data(), std::min<size_t>(16, k.size()));
    entries[i] = {DecodeBigEndian64(b), DecodeBigEndian64(b + 8), i, order_[i]};
  }
  std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
    if (a.hi != b.hi) return a.hi < b.hi;
    if (a.lo != b.lo) return a.lo < b.lo;
    const std::string& x = keys[a.row];
    const std::string& y = keys[b.row];
    if ((x.size() > 16 || y.size() > 16) && x != y) return x < y;
    return a.pos < b.pos;  // equal keys keep their order (the previous window's, or input)
  });
  for (size_t i = 0; i < entries.size(); i++) order_[i] = entries[i].row;
  return true;
}

Status WindowOp::Compute(Exec& ex, size_t w) {
  const WindowSpec& spec = windows_[w];
  const Layout& l = layout_[w];
  auto at = [&](size_t pos, size_t off) -> const Value& { return rows_[order_[pos]][off]; };
  auto cmp_partition = [&](const Row& a, const Row& b) {
    for (size_t i = 0; i < spec.partition.size(); i++) {
      int c = CompareValues(a[l.partition + i], b[l.partition + i], spec.partition_colls[i]);
      if (c != 0) return c;
    }
    return 0;
  };
  auto cmp_order = [&](const Row& a, const Row& b) {
    for (size_t i = 0; i < spec.order_keys.size(); i++) {
      int c = CompareSortValues(a[l.order + i], b[l.order + i], spec.order_keys[i]);
      if (c != 0) return c;
    }
    return 0;
  };
  if (!SortByEncodedKeys(spec, l)) {
    std::stable_sort(order_.begin(), order_.end(), [&](size_t a, size_t b) {
      int c = cmp_partition(rows_[a], rows_[b]);
      if (c != 0) return c < 0;
      return cmp_order(rows_[a], rows_[b]) < 0;
    });
  }

  // Frame offsets are constants of the statement: evaluated once.
  std::vector<Offset> starts(spec.funcs.size()), ends(spec.funcs.size());
  for (size_t k = 0; k < spec.funcs.size(); k++) {
    const WindowFrame& fr = spec.funcs[k].frame;
    if (fr.start_offset) {
      DOSQL_ASSIGN_OR_RETURN(starts[k], EvalOffset(ex, *fr.start_offset, fr.unit, true));
    }
    if (fr.end_offset) {
      DOSQL_ASSIGN_OR_RETURN(ends[k], EvalOffset(ex, *fr.end_offset, fr.unit, false));
    }
  }

  const size_t n = order_.size();
  std::vector<size_t> group_of;   // per position in the partition: its peer group
  std::vector<size_t> group_at;   // per peer group: its first position (+ one past the end)
  for (size_t p0 = 0; p0 < n;) {
    size_t p1 = p0 + 1;
    while (p1 < n && cmp_partition(rows_[order_[p0]], rows_[order_[p1]]) == 0) p1++;
    const size_t count = p1 - p0;
    group_of.assign(count, 0);
    group_at.clear();
    group_at.push_back(p0);
    for (size_t i = p0 + 1; i < p1; i++) {
      bool peer = cmp_order(rows_[order_[i - 1]], rows_[order_[i]]) == 0;
      if (!peer) group_at.push_back(i);
      group_of[i - p0] = group_at.size() - 1;
    }
    group_at.push_back(p1);
    auto group = [&](size_t pos) { return group_of[pos - p0]; };
    auto group_start = [&](size_t pos) { return group_at[group(pos)]; };
    auto group_end = [&](size_t pos) { return group_at[group(pos) + 1]; };
    const size_t ngroups = group_at.size() - 1;

    for (size_t k = 0; k < spec.funcs.size(); k++) {
      const WindowFunc& fn = spec.funcs[k];
      const WindowFrame& fr = fn.frame;
      const Layout::Func& lf = l.funcs[k];
      auto set_result = [&](size_t pos, Value v) { rows_[order_[pos]][lf.result] = std::move(v); };

      // RANGE with an offset: the first position whose key compares to `target` >= 0 (or > 0).
      auto range_bound = [&](size_t pos, const Value& off, bool preceding, bool after) {
        const SortKey& key = spec.order_keys[0];
        const Value& v = at(pos, l.order);
        Value target = v;
        if (v.is_numeric()) {
          bool minus = preceding != key.desc;
          target = minus ? Subtract(v, off) : Add(v, off);
        }
        size_t lo = p0, hi = p1;
        while (lo < hi) {
          size_t mid = lo + (hi - lo) / 2;
          int c = CompareSortValues(at(mid, l.order), target, key);
          if (after ? c <= 0 : c < 0) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      // The frame of the row at `pos`: positions [fs, fe).
      auto frame_of = [&](size_t pos, size_t* fs, size_t* fe) {
        auto clamp = [&](int64_t x) {
          return static_cast<size_t>(std::clamp<int64_t>(x, static_cast<int64_t>(p0),
                                                         static_cast<int64_t>(p1)));
        };
        auto group_pos = [&](int64_t g, bool end) {
          if (g < 0) return p0;
          if (g >= static_cast<int64_t>(ngroups)) return p1;
          return group_at[static_cast<size_t>(g) + (end ? 1 : 0)];
        };
        const int64_t ip = static_cast<int64_t>(pos);
        const int64_t g = static_cast<int64_t>(group(pos));
        switch (fr.start) {
          case Bound::kUnboundedPreceding: *fs = p0; break;
          case Bound::kUnboundedFollowing: *fs = p1; break;
          case Bound::kCurrentRow: *fs = fr.unit == Unit::kRows ? pos : group_start(pos); break;
          case Bound::kPreceding:
          case Bound::kFollowing: {
            bool prec = fr.start == Bound::kPreceding;
            int64_t d = prec ? -starts[k].rows : starts[k].rows;
            if (fr.unit == Unit::kRows) *fs = clamp(ip + d);
            else if (fr.unit == Unit::kGroups) *fs = group_pos(g + d, false);
            else *fs = range_bound(pos, starts[k].range, prec, false);
            break;
          }
        }
        switch (fr.end) {
          case Bound::kUnboundedPreceding: *fe = p0; break;
          case Bound::kUnboundedFollowing: *fe = p1; break;
          case Bound::kCurrentRow: *fe = fr.unit == Unit::kRows ? pos + 1 : group_end(pos); break;
          case Bound::kPreceding:
          case Bound::kFollowing: {
            bool prec = fr.end == Bound::kPreceding;
            int64_t d = prec ? -ends[k].rows : ends[k].rows;
            if (fr.unit == Unit::kRows) *fe = clamp(ip + d + 1);
            else if (fr.unit == Unit::kGroups) *fe = group_pos(g + d, true);
            else *fe = range_bound(pos, ends[k].range, prec, true);
            break;
          }
        }
      };
      auto excluded = [&](size_t pos, size_t j) {
        switch (fr.exclude) {
          case WindowFrame::Exclude::kNoOthers: return false;
          case WindowFrame::Exclude::kCurrentRow: return j == pos;
          case WindowFrame::Exclude::kGroup: return group(j) == group(pos);
          case WindowFrame::Exclude::kTies: return j != pos && group(j) == group(pos);
        }
        return false;
      };
      auto arg = [&](size_t pos, size_t i) -> const Value& { return at(pos, lf.args + i); };

      switch (fn.kind) {
        case Kind::kAggregate: {
          auto feed = [&](AggregateState& st, size_t pos, bool inverse) -> Status {
            DOSQL_RETURN_IF_ERROR(ex.Poll());  // a frame recomputed per row is n² steps
            if (fn.filter && at(pos, lf.filter).integer() == 0) return Status::OK();
            std::span<const Value> args(&rows_[order_[pos]][lf.args], fn.args.size());
            return inverse ? st.Inverse(args) : st.Step(args);
          };
          bool excludes = fr.exclude != WindowFrame::Exclude::kNoOthers;
          if (!excludes && fn.agg->has_current &&
              (fr.start == Bound::kUnboundedPreceding || fn.agg->has_inverse)) {
            // Rows enter at the frame's end and leave at its start, as in SQLite: leaving rows
            // are removed before new rows are added.
            auto st = fn.agg->make(fn.collation);
            size_t lo = p0, hi = p0;
            for (size_t pos = p0; pos < p1; pos++) {
              size_t fs, fe;
              frame_of(pos, &fs, &fe);
              while (lo < fs && lo < hi) DOSQL_RETURN_IF_ERROR(feed(*st, lo++, true));
              if (lo < fs) lo = fs;
              hi = std::max(hi, lo);
              while (hi < fe) DOSQL_RETURN_IF_ERROR(feed(*st, hi++, false));
              DOSQL_ASSIGN_OR_RETURN(Value v, st->Current());
              set_result(pos, std::move(v));
            }
          } else {
            // Recomputed per row, in frame order. min/max over a moving frame without EXCLUDE:
            // SQLite keeps the frame in an index where, of equal values, the latest row wins;
            // stepping the frame backwards gives that row (the state keeps the first of equals).
            bool backwards = !excludes && (fn.agg->name == "min" || fn.agg->name == "max");
            for (size_t pos = p0; pos < p1; pos++) {
              size_t fs, fe;
              frame_of(pos, &fs, &fe);
              auto st = fn.agg->make(fn.collation);
              for (size_t i = fs; i < fe; i++) {
                size_t j = backwards ? fe - 1 - (i - fs) : i;
                if (!excluded(pos, j)) DOSQL_RETURN_IF_ERROR(feed(*st, j, false));
              }
              DOSQL_ASSIGN_OR_RETURN(Value v, fn.agg->has_current ? st->Current() : st->Final());
              set_result(pos, std::move(v));
            }
          }
          break;
        }
        case Kind::kRowNumber:
          for (size_t pos = p0; pos < p1; pos++) {
            set_result(pos, Value::Integer(static_cast<int64_t>(pos - p0 + 1)));
          }
          break;
        case Kind::kRank:
          for (size_t pos = p0; pos < p1; pos++) {
            set_result(pos, Value::Integer(static_cast<int64_t>(group_start(pos) - p0 + 1)));
          }
          break;
        case Kind::kDenseRank:
          for (size_t pos = p0; pos < p1; pos++) {
            set_result(pos, Value::Integer(static_cast<int64_t>(group(pos) + 1)));
          }
          break;
        case Kind::kPercentRank:
          for (size_t pos = p0; pos < p1; pos++) {
            double r = count > 1 ? static_cast<double>(group_start(pos) - p0) /
                                       static_cast<double>(count - 1)
                                 : 0.0;
            set_result(pos, Value::Real(r));
          }
          break;
        case Kind::kCumeDist:
          for (size_t pos = p0; pos < p1; pos++) {
            set_result(pos, Value::Real(static_cast<double>(group_end(pos) - p0) /
                                        static_cast<double>(count)));
          }
          break;
        case Kind::kNtile:
          for (size_t pos = p0; pos < p1; pos++) {
            int64_t buckets;
            if (!ExactInteger(arg(pos, 0), &buckets) || buckets <= 0) {
              return Status::InvalidArgument("argument of ntile must be a positive integer");
            }
            // SQLite's distribution: the first (count % buckets) buckets get one row more.
            int64_t total = static_cast<int64_t>(count);
            int64_t row = static_cast<int64_t>(pos - p0);
            int64_t size = total / buckets;
            int64_t r;
            if (size == 0) {
              r = row + 1;
            } else {
              int64_t large = total - buckets * size;
              int64_t small_start = large * (size + 1);
              r = row < small_start ? 1 + row / (size + 1) : 1 + large + (row - small_start) / size;
            }
            set_result(pos, Value::Integer(r));
          }
          break;
        case Kind::kLag:
        case Kind::kLead:
          for (size_t pos = p0; pos < p1; pos++) {
            int64_t off = 1;
            bool exact = true;
            if (fn.args.size() > 1) {
              if (arg(pos, 1).is_null()) {
                set_result(pos, Value());
                continue;
              }
              exact = ExactInteger(arg(pos, 1), &off);
            }
            Value v = fn.args.size() > 2 ? arg(pos, 2) : Value();
            if (exact) {
              int64_t j = static_cast<int64_t>(pos) + (fn.kind == Kind::kLag ? -off : off);
              if (j >= static_cast<int64_t>(p0) && j < static_cast<int64_t>(p1)) {
                v = arg(static_cast<size_t>(j), 0);
              }
            }
            set_result(pos, std::move(v));
          }
          break;
        case Kind::kFirstValue:
        case Kind::kLastValue:
        case Kind::kNthValue:
          for (size_t pos = p0; pos < p1; pos++) {
            int64_t nth = 1;
            if (fn.kind == Kind::kNthValue) {
              if (!ExactInteger(arg(pos, 1), &nth) || nth <= 0) {
                return Status::InvalidArgument(
                    "second argument to nth_value must be a positive integer");
              }
            }
            size_t fs, fe;
            frame_of(pos, &fs, &fe);
            Value v;
            if (fn.kind == Kind::kLastValue) {
              for (size_t j = fe; j > fs; j--) {
                DOSQL_RETURN_IF_ERROR(ex.Poll());  // past excluded rows: n² at worst
                if (!excluded(pos, j - 1)) {
                  v = arg(j - 1, 0);
                  break;
                }
              }
            } else {
              for (size_t j = fs; j < fe; j++) {
                DOSQL_RETURN_IF_ERROR(ex.Poll());
                if (!excluded(pos, j) && --nth == 0) {
                  v = arg(j, 0);
                  break;
                }
              }
            }
            set_result(pos, std::move(v));
          }
          break;
      }
    }
    p0 = p1;
  }
  return Status::OK();
}

Status WindowOp::Open(Exec& ex) {
  pos_ = 0;
  DOSQL_RETURN_IF_ERROR(Consume(ex));
  order_.resize(rows_.size());
  for (size_t i = 0; i < order_.size(); i++) order_[i] = i;
  for (size_t w = 0; w < windows_.size(); w++) DOSQL_RETURN_IF_ERROR(Compute(ex, w));
  return Status::OK();
}

Result<bool> WindowOp::Next(Exec& ex) {
  if (pos_ >= order_.size()) return false;
  // The rows come out in window order, scattered in memory: the ones a few ahead are fetched
  // into the cache meanwhile (their vectors first, then the values they point to).
  if (pos_ + 16 < order_.size()) __builtin_prefetch(&rows_[order_[pos_ + 16]]);
  if (pos_ + 8 < order_.size()) {
    const Row& ahead = rows_[order_[pos_ + 8]];
    __builtin_prefetch(ahead.data());
    __builtin_prefetch(reinterpret_cast<const char*>(ahead.data()) + 64);
  }
  Row& r = rows_[order_[pos_++]];
  Frame* f = ex.frames[level_];
  for (int s = 0; s < saved_slots_; s++) {
    f->slots[static_cast<size_t>(s)] = std::move(r[static_cast<size_t>(s)]);
  }
  for (size_t w = 0; w < windows_.size(); w++) {
    for (size_t k = 0; k < windows_[w].funcs.size(); k++) {
      f->slots[static_cast<size_t>(windows_[w].funcs[k].result_slot)] =
          std::move(r[layout_[w].funcs[k].result]);
    }
  }
  return true;
}

void WindowOp::NullRow(Exec& ex) {
  Frame* f = ex.frames[level_];
  for (int s = 0; s < saved_slots_; s++) f->slots[static_cast<size_t>(s)] = Value();
  for (const WindowSpec& w : windows_) {
    for (const WindowFunc& fn : w.funcs) f->slots[static_cast<size_t>(fn.result_slot)] = Value();
  }
}

std::string WindowOp::Describe(int indent) const { return child_->Describe(indent); }

}  // namespace dosql::engine
