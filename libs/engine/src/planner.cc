#include "planner.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <functional>
#include <limits>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "conn.h"
#include "datetime.h"
#include "dosql/core/record.h"
#include "dosql/engine/arith.h"
#include "dosql/engine/format.h"
#include "dosql/engine/like.h"
#include "index_key.h"
#include "tvf.h"
#include "window.h"

namespace dosql::engine {

namespace {

Value& Slot(Exec& ex, int level, int slot) { return ex.frames[level]->slots[slot]; }

// ---------------------------------------------------------------------------------------------
// Expression nodes
// ---------------------------------------------------------------------------------------------

class ConstExpr final : public CExpr {
 public:
  explicit ConstExpr(Value v) : v_(std::move(v)) {}
  Status Eval(Exec&, Value* out) const override {
    *out = v_;
    return Status::OK();
  }
  bool IsConst() const override { return true; }
  const Value* Ref(Exec&) const override { return &v_; }
  const Value& value() const { return v_; }

 private:
  Value v_;
};

class SlotExpr final : public CExpr {
 public:
  SlotExpr(int level, int slot) : level_(level), slot_(slot) {
    slot_ref_level = level;
    slot_ref = slot;
  }
  Status Eval(Exec& ex, Value* out) const override {
    *out = Slot(ex, level_, slot_);
    return Status::OK();
  }
  const Value* Ref(Exec& ex) const override { return &Slot(ex, level_, slot_); }
  int level() const { return level_; }
  int slot() const { return slot_; }

 private:
  int level_, slot_;
};

class ParamExpr final : public CExpr {
 public:
  explicit ParamExpr(int index) : index_(index) {}
  Status Eval(Exec& ex, Value* out) const override {
    if (ex.params && index_ >= 1 && static_cast<size_t>(index_) <= ex.params->size()) {
      *out = (*ex.params)[index_ - 1];
    } else {
      *out = Value();
    }
    return Status::OK();
  }

 private:
  int index_;
};

class UnaryCExpr final : public CExpr {
 public:
  UnaryCExpr(parser::UnaryOp op, CExprPtr a) : op_(op), a_(std::move(a)) {}
  Status Eval(Exec& ex, Value* out) const override {
    Value v;
    DOSQL_RETURN_IF_ERROR(a_->Eval(ex, &v));
    switch (op_) {
      case parser::UnaryOp::kNegate: *out = Negate(v); break;
      case parser::UnaryOp::kPlus: *out = std::move(v); break;
      case parser::UnaryOp::kBitNot: *out = BitNot(v); break;
      case parser::UnaryOp::kNot: *out = LogicalNot(v); break;
    }
    return Status::OK();
  }

 private:
  parser::UnaryOp op_;
  CExprPtr a_;
};

class ArithExpr final : public CExpr {
 public:
  ArithExpr(parser::BinaryOp op, CExprPtr a, CExprPtr b)
      : op_(op), a_(std::move(a)), b_(std::move(b)) {
    using B = parser::BinaryOp;
    real_op_ = op == B::kAdd        ? ArithOp::kAdd
               : op == B::kSubtract ? ArithOp::kSubtract
               : op == B::kMultiply ? ArithOp::kMultiply
               : op == B::kDivide   ? ArithOp::kDivide
                                    : ArithOp::kRemainder;  // (RealArith declines it)
    int_op_ = op == B::kAdd || op == B::kSubtract || op == B::kMultiply || op == B::kDivide ||
              op == B::kModulo;
  }
  Status Eval(Exec& ex, Value* out) const override {
    Value xs, ys;
    const Value* xp;
    const Value* yp;
    DOSQL_RETURN_IF_ERROR(a_->Read(ex, &xs, &xp));
    DOSQL_RETURN_IF_ERROR(b_->Read(ex, &ys, &yp));
    const Value& x = *xp;
    const Value& y = *yp;
    using B = parser::BinaryOp;
    // A REAL and a number (a scan's prices and rates): computed in place.
    if (RealArith(real_op_, x, y, out)) return Status::OK();
    if (int_op_ && IntArith(real_op_, x, y, out)) return Status::OK();
    switch (op_) {
      case B::kAdd: *out = Arith(ArithOp::kAdd, x, y); break;
      case B::kSubtract: *out = Arith(ArithOp::kSubtract, x, y); break;
      case B::kMultiply: *out = Arith(ArithOp::kMultiply, x, y); break;
      case B::kDivide: *out = Arith(ArithOp::kDivide, x, y); break;
      case B::kModulo: *out = Arith(ArithOp::kRemainder, x, y); break;
      case B::kBitAnd: *out = Bitwise(BitOp::kAnd, x, y); break;
      case B::kBitOr: *out = Bitwise(BitOp::kOr, x, y); break;
      case B::kShiftLeft: *out = Bitwise(BitOp::kShiftLeft, x, y); break;
      case B::kShiftRight: *out = Bitwise(BitOp::kShiftRight, x, y); break;
      case B::kConcat: *out = Concat(x, y); break;
      default: return Status::Internal("bad arithmetic operator");
    }
    return Status::OK();
  }

 private:
  parser::BinaryOp op_;
  ArithOp real_op_;  // op_ for RealArith (+, -, *, /; kRemainder for the others)
  bool int_op_;      // + - * / %: IntArith computes two INTEGERs in place
  CExprPtr a_, b_;
};

using RecordTests = std::vector<TableScanOp::RecordTest>;

bool IsUncorrelatedScalarSubquery(const CExpr* e);  // (after ScalarSubqueryExpr below)

// A record test (TableScanOp::RecordTest) of `column ... operand` when `column` reads a stored
// column of `scan`'s row (not the rowid alias, not generated) and `operand` is a constant, a
// bound parameter or an uncorrelated scalar subquery; the caller fills in the kind of test.
// The stored column of `scan`'s row that `e` reads (not the rowid alias, not generated), or -1.
int StoredColumnOf(const TableScanOp& scan, const CExpr* e) {
  const auto* slot = dynamic_cast<const SlotExpr*>(e);
  if (slot == nullptr || slot->level() != scan.level()) return -1;
  const TableInfo& t = *scan.table();
  const int col = slot->slot() - scan.base();
  if (col < 0 || col >= static_cast<int>(t.columns.size()) || col == t.rowid_alias ||
      t.columns[col].generated != nullptr) {
    return -1;
  }
  return col;
}

std::optional<TableScanOp::RecordTest> RecordTestOn(const TableScanOp& scan, const CExpr* column,
                                                    const CExpr* operand) {
  const int col = StoredColumnOf(scan, column);
  if (col < 0) return std::nullopt;
  TableScanOp::RecordTest test;
  test.column = col;
  if (const int other = StoredColumnOf(scan, operand); other >= 0) {
    test.other_column = other;  // two columns of the row
  } else if (const auto* k = dynamic_cast<const ConstExpr*>(operand)) {
    test.konst = k->value();
  } else if (dynamic_cast<const ParamExpr*>(operand) != nullptr) {
    test.source = operand;
  } else if (IsUncorrelatedScalarSubquery(operand)) {
    test.source = operand;
  } else {
    return std::nullopt;
  }
  return test;
}

// The record test of a comparison `a op b` under (aff, coll), the column on either side.
void AppendCompareTest(const TableScanOp& scan, CompareOp op, const CExpr* a, const CExpr* b,
                       Affinity aff, const Collation& coll, RecordTests* out) {
  if (op == CompareOp::kIs || op == CompareOp::kIsNot) return;
  bool column_first = true;  // (a pair of columns is tested in the term's order)
  std::optional<TableScanOp::RecordTest> test = RecordTestOn(scan, a, b);
  if (!test) {
    test = RecordTestOn(scan, b, a);
    column_first = false;
  }
  if (!test) return;
  test->op = op;
  test->column_first = column_first;
  test->text_fast = coll.kind() == Collation::kBinary && !IsNumericAffinity(aff);
  test->coll = coll;
  out->push_back(std::move(*test));
}

// A condition: it answers Truth, and its value is that truth as 1, 0 or NULL.
class TruthCExpr : public CExpr {
 public:
  Status Eval(Exec& ex, Value* out) const final {
    DOSQL_ASSIGN_OR_RETURN(TriBool t, Truth(ex));
    SetTruthValue(t, out);
    return Status::OK();
  }
};

class CompareCExpr final : public TruthCExpr {
 public:
  CompareCExpr(CompareOp op, CExprPtr a, CExprPtr b, Affinity aff, Collation coll)
      : op_(op), a_(std::move(a)), b_(std::move(b)), aff_(aff), coll_(coll) {}
  Result<TriBool> Truth(Exec& ex) const override {
    Value xs, ys;
    const Value* x;
    DOSQL_RETURN_IF_ERROR(a_->Read(ex, &xs, &x));
    const Value* y;
    DOSQL_RETURN_IF_ERROR(b_->Read(ex, &ys, &y));
    return CompareExpr(*x, *y, op_, aff_, coll_);
  }
  void AppendRecordTests(const TableScanOp& scan, RecordTests* out) const {
    AppendCompareTest(scan, op_, a_.get(), b_.get(), aff_, coll_, out);
  }

 private:
  CompareOp op_;
  CExprPtr a_, b_;
  Affinity aff_;
  Collation coll_;
};

// `column op constant` (either way round): the column's value is read in place and compared
// with the constant directly when their types need no conversion (numbers with numbers; TEXT with
// TEXT under BINARY and no numeric affinity), else as CompareCExpr does. A scan's filters are
// mostly such terms.
class ColumnConstCompare final : public TruthCExpr {
 public:
  ColumnConstCompare(CompareOp op, CExprPtr a, CExprPtr b, Affinity aff, Collation coll,
                     const SlotExpr& column, const ConstExpr& konst)
      : op_(op),
        a_(std::move(a)),
        b_(std::move(b)),
        aff_(aff),
        coll_(coll),
        level_(column.level()),
        slot_(column.slot()),
        column_first_(a_.get() == &column),
        konst_(konst.value()),
        text_fast_(coll_.kind() == Collation::kBinary && !IsNumericAffinity(aff_)) {}
  Result<TriBool> Truth(Exec& ex) const override {
    const Value& v = Slot(ex, level_, slot_);
    const ValueType tv = v.type();
    int c;
    const bool number = tv == ValueType::kInteger || tv == ValueType::kReal;
    if (!OrderWithConstant(tv, tv == ValueType::kInteger ? v.integer() : 0,
                           tv == ValueType::kReal ? v.real() : 0,
                           number || tv == ValueType::kNull ? std::string_view() : v.view(), konst_,
                           coll_, text_fast_, &c)) {
      return column_first_ ? CompareExpr(v, konst_, op_, aff_, coll_)
                           : CompareExpr(konst_, v, op_, aff_, coll_);
    }
    return CompareOutcome(column_first_ ? c : -c, op_);
  }

  void AppendRecordTests(const TableScanOp& scan, RecordTests* out) const {
    AppendCompareTest(scan, op_, a_.get(), b_.get(), aff_, coll_, out);
  }

 private:
  CompareOp op_;
  CExprPtr a_, b_;  // kept: the result's collation was taken from them
  Affinity aff_;
  Collation coll_;
  int level_, slot_;
  bool column_first_;
  Value konst_;
  bool text_fast_;
};

class TruthTestExpr final : public TruthCExpr {
 public:
  TruthTestExpr(CExprPtr a, bool want_true, bool negated)
      : a_(std::move(a)), want_true_(want_true), negated_(negated) {}
  Result<TriBool> Truth(Exec& ex) const override {
    DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*a_, ex));
    bool r = want_true_ ? t == TriBool::kTrue : t == TriBool::kFalse;
    return r != negated_ ? TriBool::kTrue : TriBool::kFalse;
  }

 private:
  CExprPtr a_;
  bool want_true_, negated_;
};

class AndOrExpr final : public TruthCExpr {
 public:
  AndOrExpr(bool is_and, CExprPtr a, CExprPtr b) : and_(is_and), a_(std::move(a)), b_(std::move(b)) {}
  Result<TriBool> Truth(Exec& ex) const override {
    DOSQL_ASSIGN_OR_RETURN(TriBool x, EvalTruth(*a_, ex));
    if (and_ && x == TriBool::kFalse) return TriBool::kFalse;
    if (!and_ && x == TriBool::kTrue) return TriBool::kTrue;
    DOSQL_ASSIGN_OR_RETURN(TriBool y, EvalTruth(*b_, ex));
    return and_ ? TriAnd(x, y) : TriOr(x, y);
  }

 private:
  bool and_;
  CExprPtr a_, b_;
};

// The AND of several terms (a filter's conjuncts), tested in order until one is false: one call
// per term instead of a chain of nested ANDs.
class AllOfExpr final : public TruthCExpr {
 public:
  explicit AllOfExpr(std::vector<CExprPtr> terms) : terms_(std::move(terms)) {}
  Result<TriBool> Truth(Exec& ex) const override {
    TriBool all = TriBool::kTrue;
    for (const CExprPtr& t : terms_) {
      DOSQL_ASSIGN_OR_RETURN(TriBool x, t->Truth(ex));
      if (x == TriBool::kFalse) return x;
      if (x == TriBool::kNull) all = x;
    }
    return all;
  }

 private:
  std::vector<CExprPtr> terms_;
};

class NullTestCExpr final : public TruthCExpr {
 public:
  NullTestCExpr(CExprPtr a, bool negated) : a_(std::move(a)), negated_(negated) {}
  Result<TriBool> Truth(Exec& ex) const override {
    Value vs;
    const Value* v;
    DOSQL_RETURN_IF_ERROR(a_->Read(ex, &vs, &v));
    return v->is_null() != negated_ ? TriBool::kTrue : TriBool::kFalse;
  }

 private:
  CExprPtr a_;
  bool negated_;
};

class BetweenCExpr final : public TruthCExpr {
 public:
  BetweenCExpr(CExprPtr x, CExprPtr lo, CExprPtr hi, Affinity aff_lo, Affinity aff_hi,
               Collation coll_lo, Collation coll_hi, bool negated)
      : x_(std::move(x)), lo_(std::move(lo)), hi_(std::move(hi)), aff_lo_(aff_lo),
        aff_hi_(aff_hi), coll_lo_(coll_lo), coll_hi_(coll_hi), negated_(negated) {}
  Result<TriBool> Truth(Exec& ex) const override {
    Value xs, los, his;
    const Value* x;
    DOSQL_RETURN_IF_ERROR(x_->Read(ex, &xs, &x));
    const Value* lo;
    DOSQL_RETURN_IF_ERROR(lo_->Read(ex, &los, &lo));
    const Value* hi;
    DOSQL_RETURN_IF_ERROR(hi_->Read(ex, &his, &hi));
    TriBool a = CompareExpr(*x, *lo, CompareOp::kGe, aff_lo_, coll_lo_);
    TriBool b = CompareExpr(*x, *hi, CompareOp::kLe, aff_hi_, coll_hi_);
    TriBool r = TriAnd(a, b);
    return negated_ ? TriNot(r) : r;
  }
  // x >= lo and x <= hi as two tests (a row passes only when both are true).
  void AppendRecordTests(const TableScanOp& scan, RecordTests* out) const {
    if (negated_) return;
    AppendCompareTest(scan, CompareOp::kGe, x_.get(), lo_.get(), aff_lo_, coll_lo_, out);
    AppendCompareTest(scan, CompareOp::kLe, x_.get(), hi_.get(), aff_hi_, coll_hi_, out);
  }

 private:
  CExprPtr x_, lo_, hi_;
  Affinity aff_lo_, aff_hi_;
  Collation coll_lo_, coll_hi_;
  bool negated_;
};

class InListExpr final : public TruthCExpr {
 public:
  InListExpr(CExprPtr x, std::vector<CExprPtr> list, Affinity aff, Collation coll, bool negated)
      : x_(std::move(x)), list_(std::move(list)), aff_(aff), coll_(coll), negated_(negated) {}
  Result<TriBool> Truth(Exec& ex) const override {
    if (list_.empty()) return negated_ ? TriBool::kTrue : TriBool::kFalse;
    Value xs;
    const Value* x;
    DOSQL_RETURN_IF_ERROR(x_->Read(ex, &xs, &x));
    if (x->is_null()) return TriBool::kNull;
    bool saw_null = false;
    Value ys;
    for (const auto& e : list_) {
      const Value* y;
      DOSQL_RETURN_IF_ERROR(e->Read(ex, &ys, &y));
      TriBool t = CompareExpr(*x, *y, CompareOp::kEq, aff_, coll_);
      if (t == TriBool::kTrue) return negated_ ? TriBool::kFalse : TriBool::kTrue;
      if (t == TriBool::kNull) saw_null = true;
    }
    if (saw_null) return TriBool::kNull;
    return negated_ ? TriBool::kTrue : TriBool::kFalse;
  }
  // `column IN (constants)`: a record test rejects a row whose stored value certainly equals
  // none of them.
  void AppendRecordTests(const TableScanOp& scan, RecordTests* out) const {
    if (negated_ || list_.empty()) return;
    const int col = StoredColumnOf(scan, x_.get());
    if (col < 0) return;
    TableScanOp::RecordTest test;
    test.column = col;
    test.in = true;
    for (const CExprPtr& e : list_) {
      const auto* k = dynamic_cast<const ConstExpr*>(e.get());
      if (k == nullptr) return;
      test.in_list.push_back(k->value());
      test.in_heads.push_back(k->value().type() == ValueType::kText ? TextHead(k->value().view())
                                                                    : 0);
    }
    test.text_fast = coll_.kind() == Collation::kBinary && !IsNumericAffinity(aff_);
    test.coll = coll_;
    out->push_back(std::move(test));
  }

 private:
  CExprPtr x_;
  std::vector<CExprPtr> list_;
  Affinity aff_;
  Collation coll_;
  bool negated_;
};

// A subquery as a value source: runs its plan (once, if uncorrelated) and keeps the rows.
//
// A correlated one may keep its last rows too (`memo_levels` > 0: a deterministic subquery of a
// statement that writes nothing, planned at query level `memo_levels`): it reads nothing but the
// frames of the queries around it (levels below its own), the parameters and the statement's
// snapshot, so while those frames hold the same values as at its last run, it gives the same
// rows. An outer loop that repeats the values a subquery reads (rows of a join in the order of
// an outer table) then runs it once per distinct run of values instead of once per row. The
// check costs a comparison of the outer frames' values per run, so it stops for the rest of an
// execution when its first kMemoTries runs found no repeat.
class SubqueryRunner {
 public:
  SubqueryRunner(RowSrcPtr src, bool correlated, int width, int memo_levels = 0)
      : src_(std::move(src)), correlated_(correlated), width_(width), memo_levels_(memo_levels) {}
  // Materializes up to `limit` rows (-1: all).
  Result<const std::vector<Row>*> Rows(Exec& ex, int64_t limit) const {
    if (!correlated_ && valid_ && generation_ == ex.generation && limit_ == limit) return &rows_;
    bool memo = false;
    if (correlated_ && memo_levels_ > 0) {
      if (generation_ != ex.generation) {
        valid_ = false;
        memo_runs_ = 0;
        memo_hits_ = 0;
      }
      memo = memo_hits_ > 0 || memo_runs_ < kMemoTries;
      if (memo && valid_ && limit_ == limit && SameOuterValues(ex)) {
        memo_hits_++;
        return &rows_;
      }
      memo_runs_++;
    }
    valid_ = false;
    rows_.clear();
    DOSQL_RETURN_IF_ERROR(ReadRows(*src_, ex, &rows_, limit));
    runs_++;
    valid_ = !correlated_ || memo;
    if (memo) KeepOuterValues(ex);
    generation_ = ex.generation;
    limit_ = limit;
    return &rows_;
  }
  int width() const { return width_; }
  bool correlated() const { return correlated_; }
  // Changes with every run of the plan (not when kept rows are given again): lookup structures
  // built over the rows stay valid while it does not.
  uint64_t run_id() const { return runs_; }

 private:
  static constexpr uint64_t kMemoTries = 32;

  bool SameOuterValues(const Exec& ex) const {
    size_t k = 0;
    for (int level = 0; level < memo_levels_; level++) {
      const Frame* f = static_cast<size_t>(level) < ex.frames.size() ? ex.frames[level] : nullptr;
      const size_t n = f != nullptr ? f->slots.size() : 0;
      if (outer_sizes_[static_cast<size_t>(level)] != n) return false;
      for (size_t i = 0; i < n; i++, k++) {
        const Value& v = f->slots[i];
        if (!IdenticalValues(v, outer_[k]) || v.subtype() != outer_[k].subtype()) return false;
      }
    }
    return true;
  }
  void KeepOuterValues(const Exec& ex) const {
    outer_sizes_.assign(static_cast<size_t>(memo_levels_), 0);
    size_t k = 0;
    for (int level = 0; level < memo_levels_; level++) {
      const Frame* f = static_cast<size_t>(level) < ex.frames.size() ? ex.frames[level] : nullptr;
      if (f == nullptr) continue;
      outer_sizes_[static_cast<size_t>(level)] = f->slots.size();
      if (outer_.size() < k + f->slots.size()) outer_.resize(k + f->slots.size());
      for (const Value& v : f->slots) outer_[k++] = v;
    }
  }

  RowSrcPtr src_;
  bool correlated_;
  int width_;
  int memo_levels_;
  mutable std::vector<Row> rows_;
  mutable bool valid_ = false;
  mutable uint64_t generation_ = 0;
  mutable int64_t limit_ = 0;
  mutable uint64_t runs_ = 0;
  // The memo of a correlated subquery: the outer frames' values at its last run, and how many
  // runs and repeats this execution made.
  mutable std::vector<Value> outer_;
  mutable std::vector<size_t> outer_sizes_;
  mutable uint64_t memo_runs_ = 0;
  mutable uint64_t memo_hits_ = 0;
};

// The collation an operand brings to a comparison (SQLite's sqlite3BinaryCompareCollSeq picks
// between two of them): its collation, whether it has one (a column or COLLATE) and whether
// that is explicit (a COLLATE).
struct CollInfo {
  Collation collation = Collation::kBinary;
  bool has = false;
  bool is_explicit = false;
};

// One side of a row value comparison: the elements of (a, b, ...), or the first row of a
// subquery (all NULL when it returns no row).
struct RowOperand {
  std::vector<CExprPtr> elements;
  std::shared_ptr<SubqueryRunner> subquery;
  size_t width = 0;
  std::vector<Affinity> affinities;  // per element
  std::vector<CollInfo> collations;  // per element
  std::vector<ResultColumnInfo> columns;  // the subquery's result columns
};

// Row value comparison (a, b) op (c, d): SQLite compares element by element.
class RowCompareExpr final : public CExpr {
 public:
  RowCompareExpr(CompareOp op, RowOperand a, RowOperand b, std::vector<Affinity> affs,
                 std::vector<Collation> colls)
      : op_(op), a_(std::move(a)), b_(std::move(b)), affs_(std::move(affs)), colls_(std::move(colls)) {}
  Status Eval(Exec& ex, Value* out) const override;

 private:
  // Element i of side `o`: from its subquery's first row (`row`, null: no row) or evaluated.
  static Status Element(const RowOperand& o, const Row* row, size_t i, Exec& ex, Value* out) {
    if (o.subquery == nullptr) return o.elements[i]->Eval(ex, out);
    if (row == nullptr) *out = Value();
    else *out = (*row)[i];
    return Status::OK();
  }

  CompareOp op_;
  RowOperand a_, b_;
  std::vector<Affinity> affs_;
  std::vector<Collation> colls_;
};

// The first row of a side's subquery (null when it returns none; untouched without one).
Status FirstRowOf(const RowOperand& o, Exec& ex, const Row** row) {
  if (o.subquery == nullptr) return Status::OK();
  DOSQL_ASSIGN_OR_RETURN(const std::vector<Row>* rows, o.subquery->Rows(ex, 1));
  *row = rows->empty() ? nullptr : &(*rows)[0];
  return Status::OK();
}

Status RowCompareExpr::Eval(Exec& ex, Value* out) const {
  const Row* arow = nullptr;
  const Row* brow = nullptr;
  DOSQL_RETURN_IF_ERROR(FirstRowOf(a_, ex, &arow));
  DOSQL_RETURN_IF_ERROR(FirstRowOf(b_, ex, &brow));
  bool saw_null = false;
  for (size_t i = 0; i < a_.width; i++) {
    Value x, y;
    DOSQL_RETURN_IF_ERROR(Element(a_, arow, i, ex, &x));
    DOSQL_RETURN_IF_ERROR(Element(b_, brow, i, ex, &y));
    if (op_ == CompareOp::kIs || op_ == CompareOp::kIsNot) {
      if (CompareExpr(x, y, CompareOp::kIs, affs_[i], colls_[i]) != TriBool::kTrue) {
        *out = Value::Integer(op_ == CompareOp::kIsNot);
        return Status::OK();
      }
      continue;
    }
    if (x.is_null() || y.is_null()) {
      saw_null = true;
      if (op_ == CompareOp::kEq || op_ == CompareOp::kNe) continue;
      *out = Value();
      return Status::OK();
    }
    TriBool eq = CompareExpr(x, y, CompareOp::kEq, affs_[i], colls_[i]);
    if (eq == TriBool::kTrue) continue;
    if (op_ == CompareOp::kEq) {
      *out = Value::Integer(0);
      return Status::OK();
    }
    if (op_ == CompareOp::kNe) {
      *out = Value::Integer(1);
      return Status::OK();
    }
    *out = TriToValue(CompareExpr(x, y, op_, affs_[i], colls_[i]));
    return Status::OK();
  }
  if (op_ == CompareOp::kIs) {
    *out = Value::Integer(1);
  } else if (op_ == CompareOp::kIsNot) {
    *out = Value::Integer(0);
  } else if (saw_null) {
    *out = Value();
  } else {
    bool r = op_ == CompareOp::kEq || op_ == CompareOp::kLe || op_ == CompareOp::kGe;
    *out = Value::Integer(r);
  }
  return Status::OK();
}

class ScalarSubqueryExpr final : public CExpr {
 public:
  explicit ScalarSubqueryExpr(std::shared_ptr<SubqueryRunner> r) : r_(std::move(r)) {}
  // Reads nothing of the queries around it: the same value for the whole execution.
  bool uncorrelated() const { return !r_->correlated(); }
  Status Eval(Exec& ex, Value* out) const override {
    DOSQL_ASSIGN_OR_RETURN(const std::vector<Row>* rows, r_->Rows(ex, 1));
    if (rows->empty()) {
      *out = Value();
    } else {
      *out = (*rows)[0][0];
    }
    return Status::OK();
  }

 private:
  std::shared_ptr<SubqueryRunner> r_;
};

bool IsUncorrelatedScalarSubquery(const CExpr* e) {
  const auto* sq = dynamic_cast<const ScalarSubqueryExpr*>(e);
  return sq != nullptr && sq->uncorrelated();
}

// The values of `x IN (...)` for an index or rowid lookup per value (IN-driven access path).
class InValues {
 public:
  virtual ~InValues() = default;
  virtual Status Get(Exec& ex, std::vector<Value>* out) const = 0;
};

class InListValues final : public InValues {
 public:
  explicit InListValues(std::vector<CExprPtr> exprs) : exprs_(std::move(exprs)) {}
  Status Get(Exec& ex, std::vector<Value>* out) const override {
    out->resize(exprs_.size());
    for (size_t i = 0; i < exprs_.size(); i++) DOSQL_RETURN_IF_ERROR(exprs_[i]->Eval(ex, &(*out)[i]));
    return Status::OK();
  }

 private:
  std::vector<CExprPtr> exprs_;
};

class SubqueryColumnExpr final : public CExpr {
 public:
  SubqueryColumnExpr(std::shared_ptr<SubqueryRunner> r, size_t col) : r_(std::move(r)), col_(col) {}
  Status Eval(Exec& ex, Value* out) const override {
    DOSQL_ASSIGN_OR_RETURN(const std::vector<Row>* rows, r_->Rows(ex, 1));
    *out = rows->empty() ? Value() : (*rows)[0][col_];
    return Status::OK();
  }

 private:
  std::shared_ptr<SubqueryRunner> r_;
  size_t col_;
};

class InSubqueryValues final : public InValues {
 public:
  explicit InSubqueryValues(std::shared_ptr<SubqueryRunner> r) : r_(std::move(r)) {}
  Status Get(Exec& ex, std::vector<Value>* out) const override {
    DOSQL_ASSIGN_OR_RETURN(const std::vector<Row>* rows, r_->Rows(ex, -1));
    out->clear();
    for (const Row& r : *rows) out->push_back(r[0]);
    return Status::OK();
  }

 private:
  std::shared_ptr<SubqueryRunner> r_;
};

// Runs its child (a rowid or index lookup whose key is `current`) once per distinct IN value,
// in ascending value order.
class InLookupOp final : public Op {
 public:
  InLookupOp(OpPtr child, std::unique_ptr<InValues> values, std::shared_ptr<Value> current,
             Affinity affinity, Collation collation)
      : child_(std::move(child)), values_(std::move(values)), current_(std::move(current)),
        affinity_(affinity), collation_(collation) {}
  Status Open(Exec& ex) override {
    DOSQL_RETURN_IF_ERROR(values_->Get(ex, &list_));
    std::vector<Value> keep;
    for (Value& v : list_) {
      ApplyAffinity(&v, affinity_);
      if (!v.is_null()) keep.push_back(std::move(v));
    }
    ValueLess less{collation_};
    std::stable_sort(keep.begin(), keep.end(), less);
    keep.erase(std::unique(keep.begin(), keep.end(),
                           [&](const Value& a, const Value& b) {
                             return CompareValues(a, b, collation_) == 0;
                           }),
               keep.end());
    list_ = std::move(keep);
    pos_ = 0;
    open_ = false;
    return Status::OK();
  }
  Result<bool> Next(Exec& ex) override {
    while (true) {
      if (!open_) {
        if (pos_ >= list_.size()) return false;
        *current_ = list_[pos_++];
        DOSQL_RETURN_IF_ERROR(child_->Open(ex));
        open_ = true;
      }
      DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex));
      if (ok) return true;
      open_ = false;
    }
  }
  void NullRow(Exec& ex) override { child_->NullRow(ex); }
  std::string Describe(int indent) const override { return child_->Describe(indent); }

 private:
  OpPtr child_;
  std::unique_ptr<InValues> values_;
  std::shared_ptr<Value> current_;
  Affinity affinity_;
  Collation collation_;
  std::vector<Value> list_;
  size_t pos_ = 0;
  bool open_ = false;
};

// Reads the value an InLookupOp sets for its child.
class CurrentValueExpr final : public CExpr {
 public:
  explicit CurrentValueExpr(std::shared_ptr<Value> v) : v_(std::move(v)) {}
  Status Eval(Exec&, Value* out) const override {
    *out = *v_;
    return Status::OK();
  }

 private:
  std::shared_ptr<Value> v_;
};

class ExistsCExpr final : public CExpr {
 public:
  explicit ExistsCExpr(std::shared_ptr<SubqueryRunner> r) : r_(std::move(r)) {}
  Status Eval(Exec& ex, Value* out) const override {
    DOSQL_ASSIGN_OR_RETURN(const std::vector<Row>* rows, r_->Rows(ex, 1));
    *out = Value::Integer(rows->empty() ? 0 : 1);
    return Status::OK();
  }

 private:
  std::shared_ptr<SubqueryRunner> r_;
};

// SQLite compares IN (SELECT ...) through an index built with the comparison's affinity, and
// REAL affinity turns an integer beyond 2^53 into the nearest REAL, on both sides: with it,
// 9223372036854775806 and 9223372036854775807 both equal 9.223372036854775808e18. Within 2^53
// the conversion is exact, so nothing else changes.
inline void RealForIn(Value* v, Affinity aff) {
  constexpr int64_t kExact = int64_t{1} << 53;
  if (aff != Affinity::kReal) return;
  ApplyAffinity(v, aff);  // text such as '9223372036854775807' becomes a number first
  if (v->type() == ValueType::kInteger &&
      (v->integer() > kExact || v->integer() < -kExact)) {
    *v = Value::Real(static_cast<double>(v->integer()));
  }
}

class InSubqueryExpr final : public CExpr {
 public:
  InSubqueryExpr(std::vector<CExprPtr> x, std::shared_ptr<SubqueryRunner> r,
                 std::vector<Affinity> affs, std::vector<Collation> colls, bool negated)
      : x_(std::move(x)), r_(std::move(r)), affs_(std::move(affs)), colls_(std::move(colls)),
        negated_(negated) {}
  Status Eval(Exec& ex, Value* out) const override {
    std::vector<Value> xs(x_.size());
    for (size_t i = 0; i < x_.size(); i++) DOSQL_RETURN_IF_ERROR(x_[i]->Eval(ex, &xs[i]));
    DOSQL_ASSIGN_OR_RETURN(const std::vector<Row>* rows, r_->Rows(ex, -1));
    if (rows->empty()) {
      *out = Value::Integer(negated_ ? 1 : 0);
      return Status::OK();
    }
    bool lhs_null = false;
    for (size_t i = 0; i < xs.size(); i++) {
      lhs_null |= xs[i].is_null();
      RealForIn(&xs[i], affs_[i]);
    }
    if (lhs_null && xs.size() == 1) {
      *out = Value();
      return Status::OK();
    }
    // The rows of an uncorrelated subquery, or of a correlated one given again (its kept rows),
    // are looked up through a structure built once per run of the subquery; a correlated one's
    // first rows are searched in turn.
    const bool reused = !r_->correlated() || seen_run_ == r_->run_id();
    seen_run_ = r_->run_id();
    if (xs.size() == 1 && reused && colls_[0].is_user()) {
      // A user-defined collation has no hash: binary search in the rows sorted by it.
      if (!hash_valid_ || hash_run_ != r_->run_id()) {
        sorted_.clear();
        BuildLookup(*rows, [&](Value v, size_t i) { sorted_.emplace_back(std::move(v), i); });
        std::stable_sort(sorted_.begin(), sorted_.end(), [&](const auto& a, const auto& b) {
          return CompareValues(a.first, b.first, colls_[0]) < 0;
        });
      }
      Value x = xs[0];
      ApplyAffinity(&x, affs_[0]);
      auto it = std::lower_bound(sorted_.begin(), sorted_.end(), x, [&](const auto& a, const Value& b) {
        return CompareValues(a.first, b, colls_[0]) < 0;
      });
      for (; it != sorted_.end() && CompareValues(it->first, x, colls_[0]) == 0; ++it) {
        if (CompareExpr(xs[0], it->first, CompareOp::kEq, affs_[0], colls_[0]) == TriBool::kTrue) {
          *out = Value::Integer(negated_ ? 0 : 1);
          return Status::OK();
        }
      }
      *out = has_null_ ? Value() : Value::Integer(negated_ ? 1 : 0);
      return Status::OK();
    }
    if (xs.size() == 1 && reused) {
      // Probe a hash of the rows; candidates are confirmed with the real comparison.
      if (!hash_valid_ || hash_run_ != r_->run_id()) {
        hash_.clear();
        BuildLookup(*rows, [&](Value v, size_t i) { hash_.emplace(HashValue(v, colls_[0]), i); });
      }
      Value x = xs[0];
      ApplyAffinity(&x, affs_[0]);
      auto range = hash_.equal_range(HashValue(x, colls_[0]));
      for (auto it = range.first; it != range.second; ++it) {
        Value r = (*rows)[it->second][0];
        RealForIn(&r, affs_[0]);
        if (CompareExpr(xs[0], r, CompareOp::kEq, affs_[0], colls_[0]) == TriBool::kTrue) {
          *out = Value::Integer(negated_ ? 0 : 1);
          return Status::OK();
        }
      }
      *out = has_null_ ? Value() : Value::Integer(negated_ ? 1 : 0);
      return Status::OK();
    }
    bool saw_null = false;
    Value rv;
    for (const Row& r : *rows) {
      DOSQL_RETURN_IF_ERROR(ex.Poll());
      TriBool all = TriBool::kTrue;
      for (size_t i = 0; i < xs.size(); i++) {
        rv = r[i];
        RealForIn(&rv, affs_[i]);
        all = TriAnd(all, CompareExpr(xs[i], rv, CompareOp::kEq, affs_[i], colls_[i]));
        if (all == TriBool::kFalse) break;
      }
      if (all == TriBool::kTrue) {
        *out = Value::Integer(negated_ ? 0 : 1);
        return Status::OK();
      }
      if (all == TriBool::kNull) saw_null = true;
    }
    *out = saw_null ? Value() : Value::Integer(negated_ ? 1 : 0);
    return Status::OK();
  }

 private:
  // Feeds add(value, row) the subquery's non-NULL values with the comparison's affinity (and
  // notes whether a NULL was among them): the lookup structure of an IN (SELECT x).
  template <typename Add>
  void BuildLookup(const std::vector<Row>& rows, Add add) const {
    has_null_ = false;
    for (size_t i = 0; i < rows.size(); i++) {
      Value v = rows[i][0];
      if (v.is_null()) {
        has_null_ = true;
        continue;
      }
      ApplyAffinity(&v, affs_[0]);
      RealForIn(&v, affs_[0]);
      add(std::move(v), i);
    }
    hash_valid_ = true;
    hash_run_ = r_->run_id();
  }

  std::vector<CExprPtr> x_;
  std::shared_ptr<SubqueryRunner> r_;
  std::vector<Affinity> affs_;
  std::vector<Collation> colls_;
  bool negated_;
  mutable std::unordered_multimap<size_t, size_t> hash_;
  mutable std::vector<std::pair<Value, size_t>> sorted_;  // user-defined collation
  mutable bool hash_valid_ = false;
  mutable bool has_null_ = false;
  mutable uint64_t hash_run_ = 0;
  mutable uint64_t seen_run_ = ~uint64_t{0};
};

// (a, b) IN ((1, 2), (3, 4)): as SQLite, the same as IN (VALUES (1, 2), (3, 4)).
class RowInListExpr final : public CExpr {
 public:
  RowInListExpr(std::vector<CExprPtr> x, std::vector<std::vector<CExprPtr>> rows,
                std::vector<Affinity> affs, std::vector<Collation> colls, bool negated)
      : x_(std::move(x)), rows_(std::move(rows)), affs_(std::move(affs)),
        colls_(std::move(colls)), negated_(negated) {}
  Status Eval(Exec& ex, Value* out) const override {
    std::vector<Value> xs(x_.size());
    for (size_t i = 0; i < x_.size(); i++) DOSQL_RETURN_IF_ERROR(x_[i]->Eval(ex, &xs[i]));
    bool saw_null = false;
    Value v;
    for (const auto& row : rows_) {
      TriBool all = TriBool::kTrue;
      for (size_t i = 0; i < xs.size(); i++) {
        DOSQL_RETURN_IF_ERROR(row[i]->Eval(ex, &v));
        all = TriAnd(all, CompareExpr(xs[i], v, CompareOp::kEq, affs_[i], colls_[i]));
        if (all == TriBool::kFalse) break;
      }
      if (all == TriBool::kTrue) {
        *out = Value::Integer(negated_ ? 0 : 1);
        return Status::OK();
      }
      if (all == TriBool::kNull) saw_null = true;
    }
    *out = saw_null ? Value() : Value::Integer(negated_ ? 1 : 0);
    return Status::OK();
  }

 private:
  std::vector<CExprPtr> x_;
  std::vector<std::vector<CExprPtr>> rows_;
  std::vector<Affinity> affs_;
  std::vector<Collation> colls_;
  bool negated_;
};

class LikeCExpr final : public CExpr {
 public:
  LikeCExpr(bool glob, CExprPtr x, CExprPtr pattern, CExprPtr escape, bool negated)
      : glob_(glob), x_(std::move(x)), p_(std::move(pattern)), e_(std::move(escape)),
        negated_(negated) {}
  Status Eval(Exec& ex, Value* out) const override {
    Value xs, ps, es;
    const Value* x;
    DOSQL_RETURN_IF_ERROR(x_->Read(ex, &xs, &x));
    const Value* p;
    DOSQL_RETURN_IF_ERROR(p_->Read(ex, &ps, &p));
    const Value* e = nullptr;
    if (e_) {
      DOSQL_RETURN_IF_ERROR(e_->Read(ex, &es, &e));
    }
    Value r;
    if (glob_) {
      DOSQL_ASSIGN_OR_RETURN(r, SqlGlob(*x, *p));
    } else {
      DOSQL_ASSIGN_OR_RETURN(r, SqlLike(*x, *p, e));
    }
    *out = negated_ ? LogicalNot(r) : r;
    return Status::OK();
  }
  // `column LIKE pattern` (no ESCAPE, not NOT).
  void AppendRecordTests(const TableScanOp& scan, RecordTests* out) const {
    if (glob_ || e_ || negated_) return;
    std::optional<TableScanOp::RecordTest> test = RecordTestOn(scan, x_.get(), p_.get());
    if (!test) return;
    test->like = true;
    out->push_back(std::move(*test));
  }

 private:
  bool glob_;
  CExprPtr x_, p_, e_;
  bool negated_;
};

class CaseCExpr final : public CExpr {
 public:
  CaseCExpr(CExprPtr operand, std::vector<std::pair<CExprPtr, CExprPtr>> whens, CExprPtr els,
            std::vector<Affinity> affs, std::vector<Collation> colls)
      : operand_(std::move(operand)), whens_(std::move(whens)), else_(std::move(els)),
        affs_(std::move(affs)), colls_(std::move(colls)) {}
  Status Eval(Exec& ex, Value* out) const override {
    Value base_scratch, w_scratch;
    const Value* base = nullptr;
    if (operand_) {
      DOSQL_RETURN_IF_ERROR(operand_->Read(ex, &base_scratch, &base));
    }
    for (size_t i = 0; i < whens_.size(); i++) {
      bool hit;
      if (operand_) {
        const Value* w;
        DOSQL_RETURN_IF_ERROR(whens_[i].first->Read(ex, &w_scratch, &w));
        hit = CompareExpr(*base, *w, CompareOp::kEq, affs_[i], colls_[i]) == TriBool::kTrue;
      } else {
        DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*whens_[i].first, ex));
        hit = t == TriBool::kTrue;
      }
      if (hit) return whens_[i].second->Eval(ex, out);
    }
    if (else_) return else_->Eval(ex, out);
    *out = Value();
    return Status::OK();
  }

 private:
  CExprPtr operand_;
  std::vector<std::pair<CExprPtr, CExprPtr>> whens_;
  CExprPtr else_;
  std::vector<Affinity> affs_;
  std::vector<Collation> colls_;
};

class CastCExpr final : public CExpr {
 public:
  CastCExpr(CExprPtr a, Affinity target) : a_(std::move(a)), target_(target) {}
  Status Eval(Exec& ex, Value* out) const override {
    Value v;
    DOSQL_RETURN_IF_ERROR(a_->Eval(ex, &v));
    *out = CastValue(v, target_);
    return Status::OK();
  }

 private:
  CExprPtr a_;
  Affinity target_;
};

// Passes its operand through (COLLATE, unary +): only the static attributes differ.
class PassExpr final : public CExpr {
 public:
  explicit PassExpr(CExprPtr a) : a_(std::move(a)) {}
  Status Eval(Exec& ex, Value* out) const override { return a_->Eval(ex, out); }

 private:
  CExprPtr a_;
};

class FunctionCExpr final : public CExpr {
 public:
  FunctionCExpr(const ScalarFunctionInfo* fn, std::vector<CExprPtr> args, FunctionContext ctx)
      : fn_(fn), args_(std::move(args)), ctx_(ctx) {}
  Status Eval(Exec& ex, Value* out) const override {
    // The arguments go to this call's own buffer (a TEXT or BLOB argument copied in keeps the
    // allocation of the row before) unless the call is already being evaluated further up
    // (an argument holding a subquery that reaches it again).
    std::vector<Value> own;
    const bool reuse = !busy_;
    std::vector<Value>& vals = reuse ? args_scratch_ : own;
    vals.resize(args_.size());
    busy_ = true;
    struct Release {
      const FunctionCExpr* e;
      bool reuse;
      ~Release() {
        if (!reuse) return;
        e->busy_ = false;
        for (Value& v : e->args_scratch_) {  // a large argument's memory is not kept
          if (v.bytes().capacity() > (size_t{1} << 16)) v = Value();
        }
      }
    } release{this, reuse};
    for (size_t i = 0; i < args_.size(); i++) DOSQL_RETURN_IF_ERROR(args_[i]->Eval(ex, &vals[i]));
    std::span<const Value> args(vals.data(), args_.size());
    if (!fn_->deterministic) {  // may read the statement's 'now'
      FunctionContext ctx = ctx_;
      ctx.statement_time = ex.statement_time;
      DOSQL_ASSIGN_OR_RETURN(*out, fn_->fn(args, ctx));
      return Status::OK();
    }
    DOSQL_ASSIGN_OR_RETURN(*out, fn_->fn(args, ctx_));
    return Status::OK();
  }

 private:
  const ScalarFunctionInfo* fn_;
  std::vector<CExprPtr> args_;
  FunctionContext ctx_;
  // Evaluation state: a compiled expression is evaluated by one statement execution at a time.
  mutable std::vector<Value> args_scratch_;
  mutable bool busy_ = false;
};

// A call of a user-defined scalar function (Connection::CreateFunction).
class UserFunctionExpr final : public CExpr {
 public:
  UserFunctionExpr(std::shared_ptr<const UserFunction> f, std::vector<CExprPtr> args)
      : f_(std::move(f)), args_(std::move(args)) {}
  Status Eval(Exec& ex, Value* out) const override {
    std::vector<Value> vals(args_.size());
    for (size_t i = 0; i < args_.size(); i++) DOSQL_RETURN_IF_ERROR(args_[i]->Eval(ex, &vals[i]));
    DOSQL_ASSIGN_OR_RETURN(*out, f_->scalar(vals));
    return Status::OK();
  }

 private:
  std::shared_ptr<const UserFunction> f_;
  std::vector<CExprPtr> args_;
};

class CoalesceExpr final : public CExpr {
 public:
  explicit CoalesceExpr(std::vector<CExprPtr> args) : args_(std::move(args)) {}
  Status Eval(Exec& ex, Value* out) const override {
    for (const auto& a : args_) {
      DOSQL_RETURN_IF_ERROR(a->Eval(ex, out));
      if (!out->is_null()) return Status::OK();
    }
    *out = Value();
    return Status::OK();
  }

 private:
  std::vector<CExprPtr> args_;
};

class ConnInfoExpr final : public CExpr {
 public:
  enum class Kind { kLastInsertRowid, kChanges, kTotalChanges };
  explicit ConnInfoExpr(Kind k) : k_(k) {}
  Status Eval(Exec& ex, Value* out) const override {
    switch (k_) {
      case Kind::kLastInsertRowid: *out = Value::Integer(ex.conn->last_insert_rowid); break;
      case Kind::kChanges: *out = Value::Integer(ex.conn->changes); break;
      case Kind::kTotalChanges: *out = Value::Integer(ex.conn->total_changes); break;
    }
    return Status::OK();
  }

 private:
  Kind k_;
};

class CurrentTimeExpr final : public CExpr {
 public:
  explicit CurrentTimeExpr(parser::LiteralKind k) : k_(k) {}
  Status Eval(Exec& ex, Value* out) const override {
    FunctionContext ctx;
    ctx.statement_time = ex.statement_time;
    auto fn = k_ == parser::LiteralKind::kCurrentDate   ? FnDate
              : k_ == parser::LiteralKind::kCurrentTime ? FnTime
                                                        : FnDatetime;
    DOSQL_ASSIGN_OR_RETURN(*out, fn({}, ctx));
    return Status::OK();
  }

 private:
  parser::LiteralKind k_;
};

class RaiseCExpr final : public CExpr {
 public:
  RaiseCExpr(parser::RaiseKind kind, std::string msg) : kind_(kind), msg_(std::move(msg)) {}
  Status Eval(Exec& ex, Value*) const override {
    if (kind_ == parser::RaiseKind::kIgnore) return Status::Aborted("RAISE(IGNORE)");
    if (ex.conn) {
      ex.conn->error_action = kind_ == parser::RaiseKind::kFail       ? parser::ConflictAction::kFail
                              : kind_ == parser::RaiseKind::kRollback ? parser::ConflictAction::kRollback
                                                                      : parser::ConflictAction::kAbort;
    }
    return Status::Constraint(msg_);
  }
  parser::RaiseKind kind() const { return kind_; }

 private:
  parser::RaiseKind kind_;
  std::string msg_;
};

// ---------------------------------------------------------------------------------------------
// Binder
// ---------------------------------------------------------------------------------------------

Status Err(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

}  // namespace

struct AggCollector {
  int level = 0;
  Scope* scope = nullptr;
  std::vector<AggregateOp::AggSpec> specs;
  // Arithmetic that two or more aggregate arguments compute (CommonAggregateArithmetic): each
  // is evaluated once per row into its slot (`pre`) and the arguments read the slot.
  struct Common {
    std::string sql;  // canonical SQL
    int slot = -1;    // -1 until first compiled
    Affinity affinity = Affinity::kNone;
    Collation collation;
    bool has_collation = false;
    bool explicit_collation = false;
  };
  std::vector<Common> common;
  std::vector<AggregateOp::PreExpr> pre;
  // Set while the result columns compile (the only clause counted: names bind the same way
  // in all of them, unlike HAVING's and ORDER BY's, which may see result aliases).
  bool common_active = false;
};

struct WindowCollector {
  std::vector<WindowSpec> specs;
  std::vector<std::string> keys;  // canonical SQL of each spec's PARTITION BY + ORDER BY
};

std::unique_ptr<PlanContext> NewPlanContext(ConnectionImpl* conn,
                                            std::shared_ptr<const Schema> schema) {
  auto ctx = std::make_unique<PlanContext>();
  ctx->schema = schema.get();
  ctx->conn = conn;
  if (conn) {
    ctx->pinned_db = conn->resolve_db;
    for (size_t i = 0; i < conn->dbs.size(); i++) {
      PlanContext::Db d;
      d.name = conn->dbs[i].name;
      d.schema = conn->SlotSchema(static_cast<int>(i));
      ctx->dbs.push_back(std::move(d));
    }
  } else {
    ctx->dbs.push_back({"main", schema, nullptr});
  }
  ctx->schema_ref = std::move(schema);
  return ctx;
}

const TableInfo* SchemaTableOf(PlanContext& ctx, int db) {
  PlanContext::Db& d = ctx.dbs[static_cast<size_t>(db)];
  if (!d.schema_table) {
    auto st = std::make_shared<TableInfo>(SchemaTableInfo());
    st->tree = d.schema->catalog_tree;
    for (const auto& [name, t] : d.schema->tables) {
      if (!t->without_rowid) continue;
      for (const auto& idx : t->indexes) {
        if (idx->primary_key && idx->auto_index) st->hidden_catalog_rows.push_back(idx->catalog_id);
      }
    }
    d.schema_table = std::move(st);
  }
  return d.schema_table.get();
}

CExprPtr MakeConst(Value v) { return std::make_unique<ConstExpr>(std::move(v)); }

CExprPtr MakeSlot(int level, int slot, Affinity aff, Collation coll, bool has_coll) {
  auto e = std::make_unique<SlotExpr>(level, slot);
  e->affinity = aff;
  e->collation = coll;
  e->has_collation = has_coll;
  e->column_slot = slot;
  e->column_level = level;
  return e;
}

std::string ExprText(std::string_view sql, const parser::Expr& e) {
  if (e.span.end > e.span.offset && e.span.end <= sql.size()) {
    return std::string(sql.substr(e.span.offset, e.span.end - e.span.offset));
  }
  return parser::ToSql(e);
}

int AddTableSource(Scope& scope, const TableInfo& table, std::string alias) {
  SourceBinding sb;
  sb.alias = Lower(alias);
  sb.table_name = Lower(table.name);
  sb.table = &table;
  sb.base = scope.nslots;
  for (size_t i = 0; i < table.columns.size(); i++) {
    const ColumnInfo& c = table.columns[i];
    ColBinding cb;
    cb.name = c.name;
    cb.affinity = c.affinity;
    // A column has a collation (BINARY unless declared), but the INTEGER PRIMARY KEY is the
    // rowid and has none (SQLite: a compound's ORDER BY then takes a later SELECT's).
    bool is_rowid = static_cast<int>(i) == table.rowid_alias;
    cb.collation = is_rowid ? Collation::kBinary : c.collation;
    cb.has_collation = !is_rowid;
    cb.decl_type = c.decl_type;
    cb.slot = scope.nslots++;
    sb.cols.push_back(cb);
  }
  sb.rowid_slot = scope.nslots++;
  sb.rowid_hidden = table.without_rowid;
  scope.sources.push_back(std::move(sb));
  return static_cast<int>(scope.sources.size()) - 1;
}

namespace {

// A table of database `db` (sqlite_schema and its aliases included, as SQLite's
// sqlite3FindTable: temp answers to sqlite_temp_schema/master always, and to sqlite_schema/master
// when named explicitly).
const TableInfo* FindTableIn(PlanContext& ctx, int db, std::string_view name, bool explicit_db) {
  if (name.size() > 7 && IEquals(name.substr(0, 7), "sqlite_")) {
    std::string_view rest = name.substr(7);
    bool plain = IEquals(rest, "schema") || IEquals(rest, "master");
    bool temp = IEquals(rest, "temp_schema") || IEquals(rest, "temp_master");
    if (db == ConnectionImpl::kTemp ? temp || (plain && explicit_db) : plain) {
      return SchemaTableOf(ctx, db);
    }
  }
  return ctx.dbs[static_cast<size_t>(db)].schema->FindTable(name);
}

}  // namespace

NamedObject LookupObject(PlanContext& ctx, const std::optional<parser::Identifier>& schema,
                         std::string_view name) {
  NamedObject out;
  auto look = [&](int db, bool explicit_db) {
    if (const TableInfo* t = FindTableIn(ctx, db, name, explicit_db)) {
      out.table = t;
    } else if (const ViewInfo* v = ctx.dbs[static_cast<size_t>(db)].schema->FindView(name)) {
      out.view = v;
    } else {
      return false;
    }
    out.db = db;
    return true;
  };
  if (schema) {
    int db = -1;
    for (size_t i = 0; i < ctx.dbs.size(); i++) {
      if (IEquals(ctx.dbs[i].name, schema->name)) db = static_cast<int>(i);
    }
    if (db < 0) {
      out.unknown_db = true;
      return out;
    }
    look(db, true);
    return out;
  }
  if (ctx.pinned_db >= 0 && static_cast<size_t>(ctx.pinned_db) < ctx.dbs.size()) {
    look(ctx.pinned_db, true);
    return out;
  }
  // SQLite's order: temp, main, then the attached databases.
  if (ctx.dbs.size() > 1 && look(ConnectionImpl::kTemp, false)) return out;
  if (look(ConnectionImpl::kMain, false)) return out;
  for (size_t i = 2; i < ctx.dbs.size(); i++) {
    if (look(static_cast<int>(i), false)) return out;
  }
  return out;
}

const TableInfo* LookupTable(PlanContext& ctx, std::string_view name) {
  return LookupObject(ctx, std::nullopt, name).table;
}

namespace {

Result<CompiledQuery> PlanSelectImpl(PlanContext& ctx, const parser::SelectStmt& stmt,
                                     Scope* outer, int level, std::string_view sql,
                                     const PushedTerms* pushed = nullptr);
Result<CompiledQuery> PlanRecursiveCte(PlanContext& ctx, const CteDef& def, Scope* outer,
                                       int level);
bool FromNames(const parser::TableRef* ref, const std::string& name);

}  // namespace

// WHERE terms of an enclosing query applied inside a view, FROM subquery or CTE it reads (SQLite's
// push-down optimisation), so that the subquery produces only rows they keep. A reference in a
// term to the subquery's column i (`refs`) compiles as the subquery's i-th result expression; a
// reference to a column of a query enclosing the pushing one (`outer`, a correlated term)
// compiles as it does there, resolved from `outer_scope` (the pushing query's parent), and makes
// the subquery correlated with that query.
struct PushedTerms {
  std::vector<const parser::Expr*> terms;
  std::unordered_map<const parser::ColumnRef*, int> refs;
  std::unordered_set<const parser::ColumnRef*> outer;
  Scope* outer_scope = nullptr;
  const std::vector<parser::ResultColumn>* columns = nullptr;  // the subquery's result columns
};

namespace {

// The date and time functions are registered as non-deterministic only because of 'now', which
// is one instant for a whole statement.
bool ReadsOnlyNow(const std::string& lower_name) {
  return lower_name == "date" || lower_name == "time" || lower_name == "datetime" ||
         lower_name == "julianday" || lower_name == "unixepoch" || lower_name == "strftime" ||
         lower_name == "timediff";
}

// A collation from the schema or a COLLATE clause, with the connection's function when it
// has one; an unknown one stays unresolved until something compares with it (SQLite names a
// missing collation only when a statement needs it).
Collation Resolved(PlanContext& ctx, const Collation& c) {
  return ctx.conn ? ctx.conn->TryResolveCollation(c) : c;
}

// A collation something compares with: resolved, or "no such collation sequence: NAME".
Result<Collation> Need(PlanContext& ctx, const Collation& c) {
  if (!c.unresolved()) return c;
  if (ctx.conn) return ctx.conn->ResolveCollation(c);
  return Status::NotFound("no such collation sequence: " + std::string(CollationName(c)));
}

Status NeedAll(PlanContext& ctx, std::vector<Collation>* colls) {
  for (Collation& c : *colls) {
    DOSQL_ASSIGN_OR_RETURN(c, Need(ctx, c));
  }
  return Status::OK();
}

class Binder {
 public:
  Binder(PlanContext& ctx, Scope& scope) : ctx_(ctx), scope_(scope) {}

  Result<CExprPtr> Compile(const parser::Expr& e) { return CompileNode(e); }

  // The values of an IN for an access path: its list, or its (one-column) subquery.
  Result<std::unique_ptr<InValues>> InValuesOf(const parser::InExpr& in, Affinity* rhs_affinity) {
    *rhs_affinity = Affinity::kNone;
    if (in.kind == parser::InExpr::Kind::kList) {
      // The values must not depend on the row being looked up (x IN (y) on the same table).
      uint64_t mask = 0;
      uint64_t* saved = scope_.ref_mask;
      scope_.ref_mask = &mask;
      std::vector<CExprPtr> exprs;
      Status st;
      for (const auto& e : in.list) {
        if (e->Is<parser::RowValueExpr>()) {
          st = Err("row value misused");
          break;
        }
        auto c = CompileNode(*e);
        if (!c.ok()) {
          st = c.status();
          break;
        }
        exprs.push_back(std::move(c).value());
      }
      scope_.ref_mask = saved;
      DOSQL_RETURN_IF_ERROR(st);
      if (mask != 0) return Err("IN list reads the table");
      return std::unique_ptr<InValues>(std::make_unique<InListValues>(std::move(exprs)));
    }
    if (in.kind != parser::InExpr::Kind::kSelect) return Err("unsupported IN");
    std::vector<ResultColumnInfo> cols;
    DOSQL_ASSIGN_OR_RETURN(std::shared_ptr<SubqueryRunner> runner,
                           CompileSharedSubquery(*in.select, &cols, /*in_list=*/true));
    if (cols.size() != 1 || runner_correlated(*runner)) return Err("unsupported IN");
    *rhs_affinity = cols[0].affinity;
    return std::unique_ptr<InValues>(std::make_unique<InSubqueryValues>(std::move(runner)));
  }
  // A subquery (of IN, EXISTS, a scalar or row value). An uncorrelated one compiled at this level
  // before (a WHERE term, then the access path made from it: an IN lookup, an index range
  // bounded by a scalar subquery) is shared, so that it runs once per execution. Only an IN
  // subquery is shared when it makes volatile calls (random(), a non-deterministic function):
  // its lookups and its term must see one set of values, while a volatile scalar subquery of a
  // view used twice must give each use its own value.
  Result<std::shared_ptr<SubqueryRunner>> CompileSharedSubquery(const parser::SelectStmt& s,
                                                                std::vector<ResultColumnInfo>* cols,
                                                                bool in_list = false) {
    const auto key = std::make_pair(&s, scope_.level);
    if (auto it = ctx_.subqueries.find(key); it != ctx_.subqueries.end()) {
      if (cols) *cols = it->second.columns;
      return std::static_pointer_cast<SubqueryRunner>(it->second.runner);
    }
    std::vector<ResultColumnInfo> compiled;
    const int volatile_before = ctx_.volatile_calls;
    DOSQL_ASSIGN_OR_RETURN(std::shared_ptr<SubqueryRunner> runner, CompileSubquery(s, &compiled));
    if (!runner->correlated() && (in_list || ctx_.volatile_calls == volatile_before)) {
      ctx_.subqueries[key] = {runner, compiled};
    }
    if (cols) *cols = std::move(compiled);
    return runner;
  }
  static bool runner_correlated(const SubqueryRunner& r) { return r.correlated(); }

  // One expression per column of the (first row of the) subquery: (a, b) = (SELECT x, y ...).
  Result<std::vector<CExprPtr>> SubqueryColumns(const parser::SelectStmt& s) {
    std::vector<ResultColumnInfo> cols;
    DOSQL_ASSIGN_OR_RETURN(auto runner, CompileSubquery(s, &cols));
    std::shared_ptr<SubqueryRunner> shared(std::move(runner));
    std::vector<CExprPtr> out;
    for (size_t i = 0; i < cols.size(); i++) {
      auto e = std::make_unique<SubqueryColumnExpr>(shared, i);
      e->affinity = cols[i].affinity;
      out.push_back(std::move(e));
    }
    return out;
  }

 private:
  Result<CExprPtr> CompileNode(const parser::Expr& e);
  Result<CExprPtr> CompileColumn(const parser::ColumnRef& c);
  bool InDatabase(const SourceBinding& sb, const std::string& db) const;
  Result<CExprPtr> CompileBinary(const parser::BinaryExpr& b);
  Result<CExprPtr> CompileFunction(const parser::FunctionCall& f);
  Result<CExprPtr> CompileWindowFunction(const parser::FunctionCall& f, const std::string& name);
  Status ErrAt(const parser::Node& n, std::string msg) {
    if (ctx_.conn && ctx_.view_depth == 0 && ctx_.conn->error_offset < 0) {
      ctx_.conn->error_offset = static_cast<int>(n.span.offset);
    }
    return Err(std::move(msg));
  }
  Result<CExprPtr> CompileIn(const parser::InExpr& in);
  Result<RowOperand> CompileRowOperand(const parser::Expr& e);
  Result<std::unique_ptr<SubqueryRunner>> CompileSubquery(const parser::SelectStmt& s,
                                                          std::vector<ResultColumnInfo>* cols);

  bool AllConst(const std::vector<const CExpr*>& xs) {
    for (const CExpr* x : xs) {
      if (!x->IsConst()) return false;
    }
    return true;
  }
  // Replaces `c` by its value when all of `inputs` are constants.
  // Folds `c` when its inputs are constants. Either way `c` first takes the collation of the
  // first input with an explicit COLLATE, as SQLite propagates one up the whole expression
  // (`(x COLLATE NOCASE) ISNULL` is a NOCASE value in a compound's column).
  Result<CExprPtr> MaybeFold(CExprPtr c, std::initializer_list<const CExpr*> inputs,
                             bool inherit_collation = true) {
    if (inherit_collation && !c->explicit_collation) {
      for (const CExpr* x : inputs) {
        if (x && x->explicit_collation) {
          c->collation = x->collation;
          c->has_collation = c->explicit_collation = true;
          break;
        }
      }
    }
    for (const CExpr* x : inputs) {
      if (!x || !x->IsConst()) return c;
    }
    Exec ex;
    ex.frames.assign(1, nullptr);
    Value v;
    Status s = c->Eval(ex, &v);
    if (!s.ok()) return c;  // report at run time
    auto k = MakeConst(std::move(v));
    k->affinity = c->affinity;
    k->collation = c->collation;
    k->has_collation = c->has_collation;
    k->explicit_collation = c->explicit_collation;
    return k;
  }

  PlanContext& ctx_;
  Scope& scope_;
  std::vector<std::unique_ptr<parser::SelectStmt>> owned_selects_;
  // The common aggregate argument being compiled into its AggregateOp::PreExpr (itself is not
  // read from its slot; its operands may be).
  const parser::Expr* common_self_ = nullptr;
};

// SQLite's sqlite3ExprCollSeq: a COLLATE in a function's arguments or in a CASE's parts (the
// first, in order, that has one) is the collation of the whole expression.
template <class E>
E InheritCollation(E e, const std::vector<const CExpr*>& parts) {
  for (const CExpr* p : parts) {
    if (p && p->explicit_collation) {
      e->collation = p->collation;
      e->has_collation = e->explicit_collation = true;
      break;
    }
  }
  return e;
}

CollInfo CollOf(const CExpr& e) { return {e.collation, e.has_collation, e.explicit_collation}; }
CollInfo CollOf(const ResultColumnInfo& c) {
  return {c.collation, c.has_collation, c.explicit_collation};
}

// Collation of a binary comparison (SQLite's sqlite3BinaryCompareCollSeq): an explicit COLLATE
// on the left, then on the right, then the left's (a column's), then the right's.
Collation PickCollation(const CollInfo& a, const CollInfo& b) {
  if (a.is_explicit) return a.collation;
  if (b.is_explicit) return b.collation;
  if (a.has) return a.collation;
  if (b.has) return b.collation;
  return Collation::kBinary;
}
Collation PickCollation(const CExpr& a, const CExpr& b) { return PickCollation(CollOf(a), CollOf(b)); }

// A scalar subquery: its column's affinity, but no collation (SQLite gives it none).
CExprPtr ScalarSubquery(std::shared_ptr<SubqueryRunner> runner, const ResultColumnInfo& col) {
  auto s = std::make_unique<ScalarSubqueryExpr>(std::move(runner));
  s->affinity = col.affinity;
  return s;
}

// Whether a FROM item is a table of the database named `db` (schema.table.column).
bool Binder::InDatabase(const SourceBinding& sb, const std::string& db) const {
  if (!sb.table) return false;
  uint64_t tag = sb.table->is_schema_table ? 0 : TreeTag(sb.table->tree);
  for (const auto& d : ctx_.dbs) {
    if (!IEquals(d.name, db)) continue;
    if (sb.table->is_schema_table) {
      return d.schema_table.get() == sb.table;
    }
    return d.schema && d.schema->db_tag == tag;
  }
  return false;
}

Result<CExprPtr> Binder::CompileColumn(const parser::ColumnRef& c) {
  if (scope_.pushed) {
    if (auto it = scope_.pushed->refs.find(&c); it != scope_.pushed->refs.end()) {
      // As SQLite's substitution: the column's expression, with the collation the column had
      // (BINARY when it names none), no longer explicit.
      DOSQL_ASSIGN_OR_RETURN(CExprPtr x, CompileNode(*(*scope_.pushed->columns)[it->second].expr));
      if (!x->has_collation) x->collation = Collation::kBinary;
      x->has_collation = true;
      x->explicit_collation = false;
      return x;
    }
    if (scope_.pushed->outer.count(&c)) {
      Binder outer(ctx_, *scope_.pushed->outer_scope);
      DOSQL_ASSIGN_OR_RETURN(CExprPtr x, outer.CompileColumn(c));
      scope_.min_ref_level = std::min(scope_.min_ref_level, x->column_level);
      return x;
    }
  }
  std::string col = c.column.name;
  std::string tbl = c.table ? Lower(c.table->name) : "";
  int depth = 0;
  for (Scope* s = &scope_; s; s = s->parent, depth++) {
    const ColBinding* found = nullptr;
    const SourceBinding* found_src = nullptr;
    int found_index = -1;
    int matches = 0;
    bool rowid_match = false;
    for (size_t si = 0; si < s->sources.size(); si++) {
      const SourceBinding& sb = s->sources[si];
      if (!tbl.empty() && sb.alias != tbl) continue;
      if (tbl.empty() && sb.qualified_only) continue;
      if (c.schema && !InDatabase(sb, c.schema->name)) continue;
      bool hit = false;
      for (const ColBinding& cb : sb.cols) {
        if (IEquals(cb.name, col)) {
          if (tbl.empty() && sb.hidden.count(Lower(col))) break;
          if (!found || !tbl.empty() || true) {
            if (!found) {
              found = &cb;
              found_src = &sb;
              found_index = static_cast<int>(si);
            }
          }
          hit = true;
          break;
        }
      }
      if (hit) matches++;
    }
    if (matches > 1) {
      return Err("ambiguous column name: " + (c.table ? c.table->name + "." : "") + col);
    }
    if (!found && IsRowidName(col)) {
      for (size_t si = 0; si < s->sources.size(); si++) {
        const SourceBinding& sb = s->sources[si];
        if (!tbl.empty() && sb.alias != tbl) continue;
        if (c.schema && !InDatabase(sb, c.schema->name)) continue;
        if (sb.rowid_slot < 0 || sb.rowid_hidden) continue;
        if (rowid_match) return Err("ambiguous column name: " + col);
        rowid_match = true;
        found_src = &sb;
        found_index = static_cast<int>(si);
      }
    }
    if (found || rowid_match) {
      if (s != &scope_) {
        for (Scope* t = &scope_; t != s; t = t->parent) {
          t->min_ref_level = std::min(t->min_ref_level, s->level);
        }
      } else if (scope_.ref_mask && found_index < 64) {
        *scope_.ref_mask |= uint64_t{1} << found_index;
      } else if (scope_.ref_mask) {
        *scope_.ref_mask = ~uint64_t{0};
      }
      if (s != &scope_ && s->ref_mask) {
        if (found_index < 64) *s->ref_mask |= uint64_t{1} << found_index;
        else *s->ref_mask = ~uint64_t{0};
      }
      if (s->agg && s->bare_slots) {
        s->bare_slots->insert(rowid_match ? found_src->rowid_slot : found->slot);
        if (!rowid_match) {
          auto co = found_src->coalesce.find(Lower(col));
          if (co != found_src->coalesce.end()) s->bare_slots->insert(co->second.slot);
        }
      }
      if (rowid_match) {
        return MakeSlot(s->level, found_src->rowid_slot, Affinity::kInteger, Collation::kBinary,
                        false);
      }
      s->MarkUsed(found->slot);
      if (auto co = found_src->coalesce.find(Lower(col)); co != found_src->coalesce.end()) {
        s->MarkUsed(co->second.slot);
      }
      if (tbl.empty()) {
        auto co = found_src->coalesce.find(Lower(col));
        if (co != found_src->coalesce.end()) {
          std::vector<CExprPtr> args;
          args.push_back(MakeSlot(s->level, found->slot, found->affinity,
                                  Resolved(ctx_, found->collation), found->has_collation));
          const ColBinding& o = co->second;
          args.push_back(MakeSlot(s->level, o.slot, o.affinity, Resolved(ctx_, o.collation),
                                  o.has_collation));
          auto e = std::make_unique<CoalesceExpr>(std::move(args));
          e->affinity = found->affinity;
          e->collation = Resolved(ctx_, found->collation);
          e->has_collation = found->has_collation;
          return CExprPtr(std::move(e));
        }
      }
      return MakeSlot(s->level, found->slot, found->affinity, Resolved(ctx_, found->collation),
                      found->has_collation);
    }
    // A result column alias (WHERE, GROUP BY, HAVING, ORDER BY may use them).
    if (tbl.empty() && s == &scope_ && s->aliases) {
      for (const auto& rc : *s->aliases) {
        if (rc.kind == parser::ResultColumn::Kind::kExpr && rc.alias &&
            IEquals(rc.alias->name, col)) {
          const parser::Expr* target = rc.expr.get();
          // Avoid self-reference (SELECT a AS a ...) looping.
          if (target->Is<parser::ColumnRef>() &&
              IEquals(target->As<parser::ColumnRef>().column.name, col) &&
              !target->As<parser::ColumnRef>().table) {
            break;
          }
          auto saved = s->aliases;
          s->aliases = nullptr;
          auto r = CompileNode(*target);
          s->aliases = saved;
          return r;
        }
      }
    }
  }
  if (!c.table && c.column.quote == '"') {
    // SQLite's fallback: a double-quoted identifier that names no column is a string.
    return MakeConst(Value::Text(c.column.name));
  }
  if (ctx_.conn && ctx_.view_depth == 0 && ctx_.conn->error_offset < 0) {
    ctx_.conn->error_offset = static_cast<int>(c.span.offset);
  }
  if (c.table) return Err("no such column: " + c.table->name + "." + col);
  return Err("no such column: " + col);
}

CompareOp ToCompareOp(parser::BinaryOp op) {
  using B = parser::BinaryOp;
  switch (op) {
    case B::kEq: return CompareOp::kEq;
    case B::kNe: return CompareOp::kNe;
    case B::kLt: return CompareOp::kLt;
    case B::kLe: return CompareOp::kLe;
    case B::kGt: return CompareOp::kGt;
    case B::kGe: return CompareOp::kGe;
    case B::kIs: return CompareOp::kIs;
    default: return CompareOp::kIsNot;
  }
}

Result<CExprPtr> Binder::CompileBinary(const parser::BinaryExpr& b) {
  using B = parser::BinaryOp;
  switch (b.op) {
    case B::kAnd:
    case B::kOr: {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr l, CompileNode(*b.left));
      DOSQL_ASSIGN_OR_RETURN(CExprPtr r, CompileNode(*b.right));
      const CExpr* lp = l.get();
      const CExpr* rp = r.get();
      auto e = InheritCollation(
          std::make_unique<AndOrExpr>(b.op == B::kAnd, std::move(l), std::move(r)), {lp, rp});
      return MaybeFold(std::move(e), {lp, rp});
    }
    case B::kEq:
    case B::kNe:
    case B::kLt:
    case B::kLe:
    case B::kGt:
    case B::kGe:
    case B::kIs:
    case B::kIsNot: {
      const bool lrow = b.left->Is<parser::RowValueExpr>();
      const bool rrow = b.right->Is<parser::RowValueExpr>();
      CExprPtr l, r;
      if (lrow || rrow || b.left->Is<parser::SubqueryExpr>() ||
          b.right->Is<parser::SubqueryExpr>()) {
        // Row values, each (a, b, ...) or a subquery's first row (SQLite compares a subquery's
        // own result expressions: their affinities and collations count).
        DOSQL_ASSIGN_OR_RETURN(RowOperand lo, CompileRowOperand(*b.left));
        DOSQL_ASSIGN_OR_RETURN(RowOperand ro, CompileRowOperand(*b.right));
        if (lo.width != ro.width) return Err("row value misused");
        if (lo.width >= 2) {
          std::vector<Affinity> affs;
          std::vector<Collation> colls;
          for (size_t i = 0; i < lo.width; i++) {
            affs.push_back(ComparisonAffinity(lo.affinities[i], ro.affinities[i]));
            DOSQL_ASSIGN_OR_RETURN(Collation coll,
                                   Need(ctx_, PickCollation(lo.collations[i], ro.collations[i])));
            colls.push_back(std::move(coll));
          }
          return CExprPtr(std::make_unique<RowCompareExpr>(ToCompareOp(b.op), std::move(lo),
                                                           std::move(ro), std::move(affs),
                                                           std::move(colls)));
        }
        // Scalars (a subquery of one column among them).
        l = lo.subquery ? ScalarSubquery(std::move(lo.subquery), lo.columns[0])
                        : std::move(lo.elements[0]);
        r = ro.subquery ? ScalarSubquery(std::move(ro.subquery), ro.columns[0])
                        : std::move(ro.elements[0]);
      }
      if ((b.op == B::kIs || b.op == B::kIsNot) && b.right->Is<parser::Literal>() &&
          (b.right->As<parser::Literal>().kind == parser::LiteralKind::kTrue ||
           b.right->As<parser::Literal>().kind == parser::LiteralKind::kFalse)) {
        // x IS [NOT] TRUE / FALSE test truth, not equality with 1 / 0.
        DOSQL_ASSIGN_OR_RETURN(CExprPtr l, CompileNode(*b.left));
        bool want_true = b.right->As<parser::Literal>().kind == parser::LiteralKind::kTrue;
        const CExpr* lp = l.get();
        return MaybeFold(std::make_unique<TruthTestExpr>(std::move(l), want_true,
                                                         b.op == B::kIsNot),
                         {lp});
      }
      if (l == nullptr) {
        DOSQL_ASSIGN_OR_RETURN(l, CompileNode(*b.left));
        DOSQL_ASSIGN_OR_RETURN(r, CompileNode(*b.right));
      }
      Affinity aff = ComparisonAffinity(l->affinity, r->affinity);
      DOSQL_ASSIGN_OR_RETURN(Collation coll, Need(ctx_, PickCollation(*l, *r)));
      const CExpr* lp = l.get();
      const CExpr* rp = r.get();
      const auto* lslot = dynamic_cast<const SlotExpr*>(lp);
      const auto* rslot = dynamic_cast<const SlotExpr*>(rp);
      const auto* lconst = dynamic_cast<const ConstExpr*>(lp);
      const auto* rconst = dynamic_cast<const ConstExpr*>(rp);
      if ((lslot && rconst) || (rslot && lconst)) {
        const SlotExpr& column = lslot ? *lslot : *rslot;
        const ConstExpr& konst = rconst ? *rconst : *lconst;
        return MaybeFold(InheritCollation(std::make_unique<ColumnConstCompare>(
                                              ToCompareOp(b.op), std::move(l), std::move(r), aff,
                                              coll, column, konst),
                                          {lp, rp}),
                         {lp, rp});
      }
      auto e = InheritCollation(
          std::make_unique<CompareCExpr>(ToCompareOp(b.op), std::move(l), std::move(r), aff, coll),
          {lp, rp});
      return MaybeFold(std::move(e), {lp, rp});
    }
    case B::kJsonExtract:
    case B::kJsonExtractText: {
      // SQLite calls its functions "->" and "->>" with both operands.
      DOSQL_ASSIGN_OR_RETURN(CExprPtr l, CompileNode(*b.left));
      DOSQL_ASSIGN_OR_RETURN(CExprPtr r, CompileNode(*b.right));
      const CExpr* lp = l.get();
      const CExpr* rp = r.get();
      std::vector<CExprPtr> args;
      args.push_back(std::move(l));
      args.push_back(std::move(r));
      const ScalarFunctionInfo* sf = FindScalarFunction(b.op == B::kJsonExtract ? "->" : "->>");
      return MaybeFold(std::make_unique<FunctionCExpr>(sf, std::move(args), FunctionContext{}),
                       {lp, rp});
    }
    default: {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr l, CompileNode(*b.left));
      DOSQL_ASSIGN_OR_RETURN(CExprPtr r, CompileNode(*b.right));
      const CExpr* lp = l.get();
      const CExpr* rp = r.get();
      Collation coll = PickCollation(*l, *r);
      bool expl = l->explicit_collation || r->explicit_collation;
      auto e = std::make_unique<ArithExpr>(b.op, std::move(l), std::move(r));
      // SQLite propagates a COLLATE through binary operators to the comparison above.
      e->collation = coll;
      e->has_collation = expl;
      e->explicit_collation = expl;
      return MaybeFold(std::move(e), {lp, rp});
    }
  }
}

Result<std::unique_ptr<SubqueryRunner>> Binder::CompileSubquery(
    const parser::SelectStmt& s, std::vector<ResultColumnInfo>* cols) {
  const int volatile_before = ctx_.volatile_calls;
  DOSQL_ASSIGN_OR_RETURN(CompiledQuery q,
                         PlanSelectImpl(ctx_, s, &scope_, scope_.level + 1, scope_.sql));
  bool correlated = q.min_ref_level <= scope_.level;
  // Keeping a correlated subquery's last rows (SubqueryRunner) needs a statement that writes
  // nothing and a subquery whose value depends on nothing but its outer rows.
  const int memo_levels =
      correlated && ctx_.read_only_statement && ctx_.volatile_calls == volatile_before
          ? scope_.level + 1
          : 0;
  if (q.min_ref_level < INT_MAX) {
    for (Scope* t = &scope_; t; t = t->parent) {
      if (t->level <= q.min_ref_level) break;
      t->min_ref_level = std::min(t->min_ref_level, q.min_ref_level);
    }
  }
  if (cols) *cols = q.rightmost.empty() ? q.columns : q.rightmost;
  int width = static_cast<int>(q.columns.size());
  return std::make_unique<SubqueryRunner>(std::move(q.src), correlated, width, memo_levels);
}

Result<RowOperand> Binder::CompileRowOperand(const parser::Expr& e) {
  RowOperand o;
  if (e.Is<parser::SubqueryExpr>()) {
    DOSQL_ASSIGN_OR_RETURN(o.subquery,
                           CompileSharedSubquery(*e.As<parser::SubqueryExpr>().select, &o.columns));
    for (const ResultColumnInfo& c : o.columns) {
      o.affinities.push_back(c.affinity);
      o.collations.push_back(CollOf(c));
    }
    o.width = o.columns.size();
    return o;
  }
  auto add = [&](const parser::Expr& x) -> Status {
    DOSQL_ASSIGN_OR_RETURN(CExprPtr c, CompileNode(x));
    o.affinities.push_back(c->affinity);
    o.collations.push_back(CollOf(*c));
    o.elements.push_back(std::move(c));
    return Status::OK();
  };
  if (e.Is<parser::RowValueExpr>()) {
    for (const auto& x : e.As<parser::RowValueExpr>().elements) DOSQL_RETURN_IF_ERROR(add(*x));
  } else {
    DOSQL_RETURN_IF_ERROR(add(e));
  }
  o.width = o.elements.size();
  return o;
}

Result<CExprPtr> Binder::CompileIn(const parser::InExpr& in) {
  std::vector<CExprPtr> lhs;
  if (in.operand->Is<parser::RowValueExpr>()) {
    for (const auto& el : in.operand->As<parser::RowValueExpr>().elements) {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr x, CompileNode(*el));
      lhs.push_back(std::move(x));
    }
  } else {
    DOSQL_ASSIGN_OR_RETURN(CExprPtr x, CompileNode(*in.operand));
    lhs.push_back(std::move(x));
  }
  if (in.kind == parser::InExpr::Kind::kList) {
    if (lhs.size() != 1) {
      if (in.list.empty()) return Err("row value misused");
      // (a, b) IN ((1, 2), (3, 4)): each element a row value of the same width, compared as
      // with IN (VALUES ...): the last row's terms give the comparison affinity and collation.
      std::vector<std::vector<CExprPtr>> rows;
      for (const auto& e : in.list) {
        size_t n = e->Is<parser::RowValueExpr>() ? e->As<parser::RowValueExpr>().elements.size()
                                                 : 1;
        if (n != lhs.size()) {
          return Err("IN(...) element has " + std::to_string(n) + (n == 1 ? " term" : " terms") +
                     " - expected " + std::to_string(lhs.size()));
        }
        const auto& elems = e->As<parser::RowValueExpr>().elements;
        std::vector<CExprPtr> row;
        for (const auto& el : elems) {
          DOSQL_ASSIGN_OR_RETURN(CExprPtr x, CompileNode(*el));
          row.push_back(std::move(x));
        }
        rows.push_back(std::move(row));
      }
      std::vector<Affinity> affs;
      std::vector<Collation> colls;
      for (size_t i = 0; i < lhs.size(); i++) {
        const CExpr& r = *rows.back()[i];  // VALUES is a compound: its last row counts
        affs.push_back(ComparisonAffinity(lhs[i]->affinity, r.affinity));
        DOSQL_ASSIGN_OR_RETURN(Collation coll, Need(ctx_, lhs[i]->has_collation ? lhs[i]->collation
                                                          : r.has_collation ? r.collation
                                                                            : Collation::kBinary));
        colls.push_back(std::move(coll));
      }
      return CExprPtr(std::make_unique<RowInListExpr>(std::move(lhs), std::move(rows),
                                                      std::move(affs), std::move(colls),
                                                      in.negated));
    }
    if (in.list.empty()) {
      // SQLite replaces `x IN ()` by the constant 0 (1 for NOT IN): x is not evaluated and
      // lends the result no collation.
      return MakeConst(Value::Integer(in.negated ? 1 : 0));
    }
    if (in.list.size() == 1 && !in.list[0]->Is<parser::RowValueExpr>()) {
      // SQLite rewrites x IN (y) as x = +y when y is a constant: y's collation counts then,
      // its affinity does not (unary + drops it).
      DOSQL_ASSIGN_OR_RETURN(CExprPtr r, CompileNode(*in.list[0]));
      if (!r->IsConst()) {
        Affinity aff = ComparisonAffinity(lhs[0]->affinity, Affinity::kNone);
        DOSQL_ASSIGN_OR_RETURN(Collation coll,
                               Need(ctx_, lhs[0]->has_collation ? lhs[0]->collation
                                                                : Collation::kBinary));
        std::vector<const CExpr*> parts{lhs[0].get(), r.get()};
        std::vector<CExprPtr> list;
        list.push_back(std::move(r));
        return CExprPtr(InheritCollation(std::make_unique<InListExpr>(std::move(lhs[0]),
                                                                      std::move(list), aff, coll,
                                                                      in.negated),
                                         parts));
      }
      Affinity aff = ComparisonAffinity(lhs[0]->affinity, Affinity::kNone);
      DOSQL_ASSIGN_OR_RETURN(Collation coll, Need(ctx_, PickCollation(*lhs[0], *r)));
      const CExpr* lp = lhs[0].get();
      const CExpr* rp = r.get();
      return MaybeFold(std::make_unique<CompareCExpr>(in.negated ? CompareOp::kNe : CompareOp::kEq,
                                                      std::move(lhs[0]), std::move(r), aff, coll),
                       {lp, rp});
    }
    std::vector<CExprPtr> list;
    std::vector<const CExpr*> inputs{lhs[0].get()};
    for (const auto& e : in.list) {
      if (e->Is<parser::RowValueExpr>()) return Err("row value misused");
      DOSQL_ASSIGN_OR_RETURN(CExprPtr x, CompileNode(*e));
      inputs.push_back(x.get());
      list.push_back(std::move(x));
    }
    // The right-hand values have no affinity; the left operand's applies (if any).
    Affinity aff = ComparisonAffinity(lhs[0]->affinity, Affinity::kNone);
    DOSQL_ASSIGN_OR_RETURN(Collation coll, Need(ctx_, lhs[0]->has_collation ? lhs[0]->collation
                                                                            : Collation::kBinary));
    bool all_const = AllConst(inputs);
    auto e = InheritCollation(std::make_unique<InListExpr>(std::move(lhs[0]), std::move(list),
                                                           aff, coll, in.negated),
                              inputs);
    if (all_const) return MaybeFold(std::move(e), {});
    return CExprPtr(std::move(e));
  }
  std::shared_ptr<SubqueryRunner> runner;
  std::vector<ResultColumnInfo> cols;
  if (in.kind == parser::InExpr::Kind::kSelect) {
    DOSQL_ASSIGN_OR_RETURN(runner, CompileSharedSubquery(*in.select, &cols, /*in_list=*/true));
  } else {
    // x IN table: the table's (single) column.
    auto sel = std::make_unique<parser::SelectStmt>();
    auto core = std::make_unique<parser::SelectCore>();
    parser::ResultColumn rc;
    rc.kind = parser::ResultColumn::Kind::kStar;
    core->columns.push_back(std::move(rc));
    core->from = std::make_unique<parser::JoinClause>();
    auto tn = std::make_unique<parser::TableName>();
    tn->name = in.table;
    core->from->first = std::move(tn);
    sel->cores.push_back(std::move(core));
    DOSQL_ASSIGN_OR_RETURN(runner, CompileSubquery(*sel, &cols));
    owned_selects_.push_back(std::move(sel));
  }
  if (cols.size() != lhs.size()) {
    return Err("sub-select returns " + std::to_string(cols.size()) + " columns - expected " +
               std::to_string(lhs.size()));
  }
  std::vector<Affinity> affs;
  std::vector<Collation> colls;
  for (size_t i = 0; i < lhs.size(); i++) {
    affs.push_back(ComparisonAffinity(lhs[i]->affinity, cols[i].affinity));
    colls.push_back(PickCollation(CollOf(*lhs[i]), CollOf(cols[i])));  // as for x = y
  }
  DOSQL_RETURN_IF_ERROR(NeedAll(ctx_, &colls));
  std::vector<const CExpr*> parts;
  for (const auto& x : lhs) parts.push_back(x.get());
  return CExprPtr(InheritCollation(
      std::make_unique<InSubqueryExpr>(std::move(lhs), std::move(runner), std::move(affs),
                                       std::move(colls), in.negated),
      parts));
}

namespace {

// The built-in window functions that are not aggregates.
struct BuiltinWindow {
  std::string_view name;
  WindowFunc::Kind kind;
  int min_args;
  int max_args;
};
constexpr BuiltinWindow kBuiltinWindows[] = {
    {"row_number", WindowFunc::Kind::kRowNumber, 0, 0},
    {"rank", WindowFunc::Kind::kRank, 0, 0},
    {"dense_rank", WindowFunc::Kind::kDenseRank, 0, 0},
    {"percent_rank", WindowFunc::Kind::kPercentRank, 0, 0},
    {"cume_dist", WindowFunc::Kind::kCumeDist, 0, 0},
    {"ntile", WindowFunc::Kind::kNtile, 1, 1},
    {"lag", WindowFunc::Kind::kLag, 1, 3},
    {"lead", WindowFunc::Kind::kLead, 1, 3},
    {"first_value", WindowFunc::Kind::kFirstValue, 1, 1},
    {"last_value", WindowFunc::Kind::kLastValue, 1, 1},
    {"nth_value", WindowFunc::Kind::kNthValue, 2, 2},
};

const BuiltinWindow* FindBuiltinWindow(std::string_view name) {
  for (const auto& w : kBuiltinWindows) {
    if (w.name == name) return &w;
  }
  return nullptr;
}

// A window definition with its base window (OVER (base ...)) resolved.
struct ResolvedWindow {
  const parser::ExprList* partition = nullptr;
  const std::vector<parser::OrderingTerm>* order = nullptr;
  const parser::FrameSpec* frame = nullptr;
};

Result<ResolvedWindow> ResolveWindow(const parser::WindowDef& def, const Scope& scope, int depth);

Result<ResolvedWindow> NamedWindow(const std::string& name, const Scope& scope, int depth) {
  if (scope.windows && depth < 64) {
    for (const auto& w : *scope.windows) {
      if (w->name && IEquals(w->name->name, name)) return ResolveWindow(*w, scope, depth + 1);
    }
  }
  return Err("no such window: " + name);
}

Result<ResolvedWindow> ResolveWindow(const parser::WindowDef& def, const Scope& scope, int depth) {
  ResolvedWindow r;
  r.partition = &def.partition_by;
  r.order = &def.order_by;
  r.frame = def.frame ? &*def.frame : nullptr;
  if (!def.base_name) return r;
  const std::string& base_name = def.base_name->name;
  DOSQL_ASSIGN_OR_RETURN(ResolvedWindow base, NamedWindow(base_name, scope, depth));
  if (!def.partition_by.empty()) {
    return Err("cannot override PARTITION clause of window: " + base_name);
  }
  if (!base.order->empty() && !def.order_by.empty()) {
    return Err("cannot override ORDER BY clause of window: " + base_name);
  }
  if (base.frame) return Err("cannot override frame specification of window: " + base_name);
  r.partition = base.partition;
  if (def.order_by.empty()) r.order = base.order;
  return r;
}

}  // namespace

Result<CExprPtr> Binder::CompileWindowFunction(const parser::FunctionCall& f,
                                               const std::string& name) {
  WindowFunc fn;
  size_t nargs = f.star ? 0 : f.args.size();
  auto user = ctx_.conn ? ctx_.conn->FindFunction(name, static_cast<int>(nargs)) : nullptr;
  if (user && user->scalar) {
    return ErrAt(f, f.name.name + "() may not be used as a window function");
  }
  const BuiltinWindow* builtin = user ? nullptr : FindBuiltinWindow(name);
  const AggregateFunction* agg = user        ? user->aggregate.get()
                                 : builtin ? nullptr
                                           : FindAggregateFunction(name);
  if (!user && agg && (name == "min" || name == "max") && nargs != 1) agg = nullptr;
  if (user) fn.keep = user->aggregate;
  auto wrong_args = [&] {
    return ErrAt(f, "wrong number of arguments to function " + f.name.name + "()");
  };
  if (builtin) {
    fn.kind = builtin->kind;
    if (f.star || static_cast<int>(nargs) < builtin->min_args ||
        static_cast<int>(nargs) > builtin->max_args) {
      return wrong_args();
    }
    if (f.filter) return Err("FILTER clause may only be used with aggregate window functions");
  } else if (agg) {
    fn.kind = WindowFunc::Kind::kAggregate;
    fn.agg = agg;
    if ((f.star && name != "count") || static_cast<int>(nargs) < agg->min_args ||
        static_cast<int>(nargs) > agg->max_args) {
      return wrong_args();
    }
  } else if (FindScalarFunction(name)) {
    return ErrAt(f, f.name.name + "() may not be used as a window function");
  } else {
    return ErrAt(f, "no such function: " + f.name.name);
  }
  if (!scope_.win) return ErrAt(f, "misuse of window function " + f.name.name + "()");
  if (f.distinct) return Err("DISTINCT is not supported for window functions");
  if (!f.order_by.empty()) return Err("ORDER BY may not be used with window functions");

  ResolvedWindow def;
  if (f.over_name) {
    DOSQL_ASSIGN_OR_RETURN(def, NamedWindow(f.over_name->name, scope_, 0));
  } else {
    DOSQL_ASSIGN_OR_RETURN(def, ResolveWindow(*f.over, scope_, 0));
  }

  // Frame: the default is RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW. Only aggregates and
  // first_value/last_value/nth_value look at it.
  using B = WindowFrame::Bound;
  bool uses_frame = fn.kind == WindowFunc::Kind::kAggregate ||
                    fn.kind == WindowFunc::Kind::kFirstValue ||
                    fn.kind == WindowFunc::Kind::kLastValue ||
                    fn.kind == WindowFunc::Kind::kNthValue;
  if (def.frame) {
    const parser::FrameSpec& fs = *def.frame;
    auto bound = [](parser::FrameBoundKind k) {
      switch (k) {
        case parser::FrameBoundKind::kUnboundedPreceding: return B::kUnboundedPreceding;
        case parser::FrameBoundKind::kPreceding: return B::kPreceding;
        case parser::FrameBoundKind::kCurrentRow: return B::kCurrentRow;
        case parser::FrameBoundKind::kFollowing: return B::kFollowing;
        case parser::FrameBoundKind::kUnboundedFollowing: return B::kUnboundedFollowing;
      }
      return B::kCurrentRow;
    };
    WindowFrame& fr = fn.frame;
    fr.unit = fs.unit == parser::FrameUnit::kRows     ? WindowFrame::Unit::kRows
              : fs.unit == parser::FrameUnit::kGroups ? WindowFrame::Unit::kGroups
                                                      : WindowFrame::Unit::kRange;
    fr.start = bound(fs.start.kind);
    fr.end = fs.has_between ? bound(fs.end.kind) : B::kCurrentRow;
    // A frame may not start after its end's kind allows (SQLite's "unsupported" forms).
    if (fr.start == B::kUnboundedFollowing || fr.end == B::kUnboundedPreceding ||
        (fr.start == B::kCurrentRow && fr.end == B::kPreceding) ||
        (fr.start == B::kFollowing && (fr.end == B::kPreceding || fr.end == B::kCurrentRow))) {
      return Err("unsupported frame specification");
    }
    bool offsets = fr.start == B::kPreceding || fr.start == B::kFollowing ||
                   fr.end == B::kPreceding || fr.end == B::kFollowing;
    if (fr.unit == WindowFrame::Unit::kRange && offsets && def.order->size() != 1) {
      return Err("RANGE with offset PRECEDING/FOLLOWING requires one ORDER BY expression");
    }
    switch (fs.exclude) {
      case parser::FrameExclude::kNone:
      case parser::FrameExclude::kNoOthers: break;
      case parser::FrameExclude::kCurrentRow: fr.exclude = WindowFrame::Exclude::kCurrentRow; break;
      case parser::FrameExclude::kGroup: fr.exclude = WindowFrame::Exclude::kGroup; break;
      case parser::FrameExclude::kTies: fr.exclude = WindowFrame::Exclude::kTies; break;
    }
    if (!uses_frame) {
      fn.frame = WindowFrame();
    } else {
      WindowCollector* saved = scope_.win;
      scope_.win = nullptr;
      Status st;
      if (fs.start.offset) {
        auto r = CompileNode(*fs.start.offset);
        if (r.ok()) fr.start_offset = std::move(r).value();
        else st = r.status();
      }
      if (st.ok() && fs.has_between && fs.end.offset) {
        auto r = CompileNode(*fs.end.offset);
        if (r.ok()) fr.end_offset = std::move(r).value();
        else st = r.status();
      }
      scope_.win = saved;
      DOSQL_RETURN_IF_ERROR(st);
    }
  }

  // Arguments, FILTER, PARTITION BY and ORDER BY: no window functions inside.
  WindowCollector* collector = scope_.win;
  scope_.win = nullptr;
  WindowSpec spec;
  Status st = [&]() -> Status {
    for (const auto& a : f.args) {
      if (f.star) break;
      DOSQL_ASSIGN_OR_RETURN(CExprPtr c, CompileNode(*a));
      fn.args.push_back(std::move(c));
    }
    if (f.filter) {
      DOSQL_ASSIGN_OR_RETURN(fn.filter, CompileNode(*f.filter));
    }
    for (const auto& p : *def.partition) {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr c, CompileNode(*p));
      DOSQL_ASSIGN_OR_RETURN(Collation pc,
                             Need(ctx_, c->has_collation ? c->collation : Collation::kBinary));
      spec.partition_colls.push_back(std::move(pc));
      spec.partition.push_back(std::move(c));
    }
    for (const auto& t : *def.order) {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr c, CompileNode(*t.expr));
      SortKey sk = SortKeyFor(t, static_cast<int>(spec.order.size()));
      DOSQL_ASSIGN_OR_RETURN(sk.collation,
                             Need(ctx_, c->has_collation ? c->collation : Collation::kBinary));
      spec.order_keys.push_back(sk);
      spec.order.push_back(std::move(c));
    }
    return Status::OK();
  }();
  scope_.win = collector;
  DOSQL_RETURN_IF_ERROR(st);
  if (!fn.args.empty() && fn.args[0]->has_collation) fn.collation = fn.args[0]->collation;
  if (name == "min" || name == "max" || f.distinct) {
    DOSQL_ASSIGN_OR_RETURN(fn.collation, Need(ctx_, fn.collation));
  }

  // Functions over the same PARTITION BY / ORDER BY share one sort.
  std::string key;
  for (const auto& p : *def.partition) key += parser::ToSql(*p) + ",";
  key += "|";
  for (const auto& t : *def.order) {
    key += parser::ToSql(*t.expr) + (t.direction == parser::SortDirection::kDesc ? " d" : " a") +
           std::to_string(static_cast<int>(t.nulls)) + ",";
  }
  size_t w = 0;
  while (w < collector->keys.size() && collector->keys[w] != key) w++;
  if (w == collector->keys.size()) {
    collector->keys.push_back(key);
    collector->specs.push_back(std::move(spec));
  }
  fn.result_slot = scope_.nslots++;
  int slot = fn.result_slot;
  // As an aggregate's: the first explicit COLLATE among the arguments.
  std::vector<const CExpr*> arg_ptrs;
  for (const auto& a : fn.args) arg_ptrs.push_back(a.get());
  auto e = InheritCollation(MakeSlot(scope_.level, slot, Affinity::kNone, Collation::kBinary, false),
                            arg_ptrs);
  collector->specs[w].funcs.push_back(std::move(fn));
  e->column_slot = -1;
  return CExprPtr(std::move(e));
}

Result<CExprPtr> Binder::CompileFunction(const parser::FunctionCall& f) {
  const std::string name = Lower(f.name.name);
  if (f.is_window()) return CompileWindowFunction(f, name);
  size_t nargs = f.star ? 0 : f.args.size();
  // User functions replace built-ins of the same name and argument count.
  auto user = ctx_.conn ? ctx_.conn->FindFunction(name, static_cast<int>(nargs)) : nullptr;
  if (user && user->scalar && !f.star) {
    if (f.distinct || f.filter || !f.order_by.empty()) {
      return Err(std::string(f.distinct ? "DISTINCT" : f.filter ? "FILTER clause" : "ORDER BY") +
                 " may not be used with non-aggregate " + f.name.name + "()");
    }
    std::vector<CExprPtr> args;
    for (const auto& a : f.args) {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr x, CompileNode(*a));
      args.push_back(std::move(x));
    }
    if (!user->flags.deterministic) ctx_.volatile_calls++;
    return CExprPtr(std::make_unique<UserFunctionExpr>(std::move(user), std::move(args)));
  }
  if (!user && FindBuiltinWindow(name)) {
    return ErrAt(f, "misuse of window function " + f.name.name + "()");
  }
  const AggregateFunction* agg = user ? user->aggregate.get() : FindAggregateFunction(name);
  if (!user && agg && (name == "min" || name == "max") && nargs != 1) agg = nullptr;
  if (agg) {
    if (f.star && name != "count") {
      return Err("wrong number of arguments to function " + f.name.name + "()");
    }
    if (static_cast<int>(nargs) < agg->min_args || static_cast<int>(nargs) > agg->max_args) {
      return Err("wrong number of arguments to function " + f.name.name + "()");
    }
    if (!scope_.agg) {
      if (scope_.agg_forbidden) return Err("misuse of aggregate: " + f.name.name + "()");
      return Err("misuse of aggregate function " + f.name.name + "()");
    }
    if (f.distinct && nargs != 1) {
      return Err("DISTINCT aggregates must have exactly one argument");
    }
    AggCollector* collector = scope_.agg;
    scope_.agg = nullptr;
    AggregateOp::AggSpec spec;
    spec.fn = agg;
    if (user) spec.keep = user->aggregate;
    spec.distinct = f.distinct;
    Status st;
    if (collector->common_active && collector->scope == &scope_) scope_.agg_args = collector;
    for (const auto& a : f.args) {
      if (f.star) break;
      auto r = CompileNode(*a);
      if (!r.ok()) {
        st = r.status();
        break;
      }
      spec.args.push_back(std::move(r).value());
    }
    scope_.agg_args = nullptr;
    if (st.ok() && f.filter) {
      auto r = CompileNode(*f.filter);
      if (r.ok()) spec.filter = std::move(r).value();
      else st = r.status();
    }
    for (const auto& t : f.order_by) {
      if (!st.ok()) break;
      auto r = CompileNode(*t.expr);
      if (!r.ok()) {
        st = r.status();
        break;
      }
      SortKey sk = SortKeyFor(t, static_cast<int>(spec.args.size() + spec.order_by.size()));
      auto kc = Need(ctx_, r.value()->has_collation ? r.value()->collation : Collation::kBinary);
      if (!kc.ok()) {
        st = kc.status();
        break;
      }
      sk.collation = std::move(kc).value();
      spec.order_keys.push_back(sk);
      spec.order_by.push_back(std::move(r).value());
    }
    scope_.agg = collector;
    DOSQL_RETURN_IF_ERROR(st);
    if (!spec.args.empty() && spec.args[0]->has_collation) spec.collation = spec.args[0]->collation;
    if (name == "min" || name == "max" || spec.distinct) {
      DOSQL_ASSIGN_OR_RETURN(spec.collation, Need(ctx_, spec.collation));
    }
    spec.result_slot = scope_.nslots++;
    int slot = spec.result_slot;
    collector->specs.push_back(std::move(spec));
    Affinity aff = Affinity::kNone;
    auto e = MakeSlot(scope_.level, slot, aff, Collation::kBinary, false);
    e->column_slot = -1;
    // The result has the collation of the first argument with an explicit COLLATE (SQLite
    // propagates it up from a function's arguments); a column's declared one stays inside.
    std::vector<const CExpr*> arg_ptrs;
    for (const auto& a : collector->specs.back().args) arg_ptrs.push_back(a.get());
    return CExprPtr(InheritCollation(std::move(e), arg_ptrs));
  }
  if (f.star) return Err("wrong number of arguments to function " + f.name.name + "()");
  if (f.distinct || f.filter || !f.order_by.empty()) {
    const ScalarFunctionInfo* sf = FindScalarFunction(name);
    if (sf) {
      return Err(std::string(f.distinct ? "DISTINCT" : f.filter ? "FILTER clause" : "ORDER BY") +
                 " may not be used with non-aggregate " + f.name.name + "()");
    }
  }
  std::vector<CExprPtr> args;
  std::vector<const CExpr*> raw;
  for (const auto& a : f.args) {
    DOSQL_ASSIGN_OR_RETURN(CExprPtr x, CompileNode(*a));
    raw.push_back(x.get());
    args.push_back(std::move(x));
  }
  if (name == "coalesce" || name == "ifnull") {
    if ((name == "ifnull" && args.size() != 2) || (name == "coalesce" && args.size() < 2)) {
      return Err("wrong number of arguments to function " + f.name.name + "()");
    }
    bool all = AllConst(raw);
    auto e = InheritCollation(std::make_unique<CoalesceExpr>(std::move(args)), raw);
    if (all) return MaybeFold(std::move(e), {});
    return CExprPtr(std::move(e));
  }
  if (name == "iif") {
    if (args.size() != 3) return Err("wrong number of arguments to function " + f.name.name + "()");
    std::vector<std::pair<CExprPtr, CExprPtr>> whens;
    whens.emplace_back(std::move(args[0]), std::move(args[1]));
    return CExprPtr(InheritCollation(
        std::make_unique<CaseCExpr>(nullptr, std::move(whens), std::move(args[2]),
                                    std::vector<Affinity>{}, std::vector<Collation>{}),
        raw));
  }
  if (name == "last_insert_rowid" || name == "changes" || name == "total_changes") {
    if (!args.empty()) return Err("wrong number of arguments to function " + f.name.name + "()");
    auto k = name == "last_insert_rowid" ? ConnInfoExpr::Kind::kLastInsertRowid
             : name == "changes"         ? ConnInfoExpr::Kind::kChanges
                                         : ConnInfoExpr::Kind::kTotalChanges;
    ctx_.volatile_calls++;
    return CExprPtr(std::make_unique<ConnInfoExpr>(k));
  }
  if (name == "likely" || name == "unlikely" || name == "likelihood") {
    size_t want = name == "likelihood" ? 2 : 1;
    if (args.size() != want) {
      return Err("wrong number of arguments to function " + f.name.name + "()");
    }
    if (name == "likelihood") {
      if (!args[1]->IsConst()) {
        return Err("second argument to likelihood() must be a constant between 0.0 and 1.0");
      }
    }
    // A function call to SQLite: no affinity, and only an explicit COLLATE carries through.
    auto e = InheritCollation(std::make_unique<PassExpr>(std::move(args[0])), raw);
    e->affinity = Affinity::kNone;
    return MaybeFold(std::move(e), {raw[0]});
  }
  const ScalarFunctionInfo* sf = FindScalarFunction(name);
  if (!sf) {
    bool user_named = false;
    if (ctx_.conn) {
      auto it = ctx_.conn->functions.lower_bound({name, -1});
      user_named = it != ctx_.conn->functions.end() && it->first.first == name;
    }
    if (agg || user_named) {
      return ErrAt(f, "wrong number of arguments to function " + f.name.name + "()");
    }
    if (ctx_.conn && ctx_.view_depth == 0 && ctx_.conn->error_offset < 0) {
      ctx_.conn->error_offset = static_cast<int>(f.span.offset);
    }
    return Err("no such function: " + f.name.name);
  }
  if (static_cast<int>(args.size()) < sf->min_args ||
      (sf->max_args >= 0 && static_cast<int>(args.size()) > sf->max_args)) {
    return Err("wrong number of arguments to function " + f.name.name + "()");
  }
  FunctionContext fctx;
  for (const CExpr* a : raw) {
    if (a->has_collation) {
      fctx.collation = a->collation;
      break;
    }
  }
  if (name == "min" || name == "max" || name == "nullif") {  // the ones that compare
    DOSQL_ASSIGN_OR_RETURN(fctx.collation, Need(ctx_, fctx.collation));
  }
  if (!sf->deterministic && !ReadsOnlyNow(name)) ctx_.volatile_calls++;
  bool all = sf->deterministic && AllConst(raw);
  auto e = InheritCollation(std::make_unique<FunctionCExpr>(sf, std::move(args), fctx), raw);
  if (all) return MaybeFold(std::move(e), {});
  return CExprPtr(std::move(e));
}

Result<CExprPtr> Binder::CompileNode(const parser::Expr& e) {
  using T = parser::NodeType;
  if (scope_.agg_args != nullptr && &e != common_self_ &&
      (e.Is<parser::BinaryExpr>() || e.Is<parser::UnaryExpr>())) {
    AggCollector& c = *scope_.agg_args;
    const std::string sql = parser::ToSql(e);
    for (AggCollector::Common& t : c.common) {
      if (t.sql != sql) continue;
      if (t.slot < 0) {
        const parser::Expr* outer = common_self_;
        common_self_ = &e;
        Result<CExprPtr> inner = CompileNode(e);
        common_self_ = outer;
        DOSQL_RETURN_IF_ERROR(inner.status());
        const CExpr& x = **inner;
        t.affinity = x.affinity;
        t.collation = x.collation;
        t.has_collation = x.has_collation;
        t.explicit_collation = x.explicit_collation;
        t.slot = scope_.nslots++;
        c.pre.push_back({std::move(inner).value(), t.slot});
      }
      auto x = MakeSlot(scope_.level, t.slot, t.affinity, t.collation, t.has_collation);
      x->explicit_collation = t.explicit_collation;
      x->column_slot = -1;  // not a column (names, declared types)
      return CExprPtr(std::move(x));
    }
  }
  if (scope_.agg && scope_.group_terms && !e.Is<parser::Literal>()) {
    std::string sql = parser::ToSql(e);
    for (const Scope::GroupTerm& g : *scope_.group_terms) {
      if (g.sql != sql) continue;
      auto x = MakeSlot(scope_.level, g.slot, g.key->affinity, g.key->collation,
                        g.key->has_collation);
      x->explicit_collation = g.key->explicit_collation;
      x->column_slot = g.key->column_slot;  // names and declared types of result columns
      x->column_level = g.key->column_level;
      return CExprPtr(std::move(x));
    }
  }
  switch (e.type()) {
    case T::kLiteral: {
      const auto& l = e.As<parser::Literal>();
      switch (l.kind) {
        case parser::LiteralKind::kNull: return MakeConst(Value());
        case parser::LiteralKind::kInteger:
          return MakeConst(l.overflow ? Value::Real(l.real_value) : Value::Integer(l.int_value));
        case parser::LiteralKind::kReal: return MakeConst(Value::Real(l.real_value));
        case parser::LiteralKind::kString: return MakeConst(Value::Text(l.text));
        case parser::LiteralKind::kBlob: return MakeConst(Value::Blob(l.text));
        case parser::LiteralKind::kTrue: return MakeConst(Value::Integer(1));
        case parser::LiteralKind::kFalse: return MakeConst(Value::Integer(0));
        default: return CExprPtr(std::make_unique<CurrentTimeExpr>(l.kind));
      }
    }
    case T::kColumnRef: {
      const auto& c = e.As<parser::ColumnRef>();
      // TRUE / FALSE written as identifiers resolve to columns first, then to booleans.
      auto r = CompileColumn(c);
      if (!r.ok() && !c.table && c.column.quote == 0 &&
          (IEquals(c.column.name, "true") || IEquals(c.column.name, "false"))) {
        return MakeConst(Value::Integer(IEquals(c.column.name, "true") ? 1 : 0));
      }
      return r;
    }
    case T::kParameter: {
      const auto& p = e.As<parser::Parameter>();
      return CExprPtr(std::make_unique<ParamExpr>(p.index));
    }
    case T::kUnary: {
      const auto& u = e.As<parser::UnaryExpr>();
      // -9223372036854775808 is an integer.
      if (u.op == parser::UnaryOp::kNegate && u.operand->Is<parser::Literal>()) {
        const auto& l = u.operand->As<parser::Literal>();
        if (l.kind == parser::LiteralKind::kInteger && l.overflow &&
            l.text == "9223372036854775808") {
          return MakeConst(Value::Integer(INT64_MIN));
        }
        // SQLite negates numeric literals in the text (so -0.0 keeps its sign).
        if (l.kind == parser::LiteralKind::kReal) return MakeConst(Value::Real(-l.real_value));
      }
      DOSQL_ASSIGN_OR_RETURN(CExprPtr a, CompileNode(*u.operand));
      const CExpr* ap = a.get();
      Collation coll = a->collation;
      bool has = a->has_collation, expl = a->explicit_collation;
      auto x = std::make_unique<UnaryCExpr>(u.op, std::move(a));
      if (u.op == parser::UnaryOp::kPlus || u.op == parser::UnaryOp::kNegate) {
        // Unary + keeps even a column's declared collation (SQLite looks through it, as
        // through CAST); the other operators keep only an explicit COLLATE (MaybeFold).
        x->collation = coll;
        x->has_collation = u.op == parser::UnaryOp::kPlus ? has : expl;
        x->explicit_collation = expl;
      }
      return MaybeFold(std::move(x), {ap});
    }
    case T::kBinary: return CompileBinary(e.As<parser::BinaryExpr>());
    case T::kNullTest: {
      const auto& n = e.As<parser::NullTestExpr>();
      DOSQL_ASSIGN_OR_RETURN(CExprPtr a, CompileNode(*n.operand));
      const CExpr* ap = a.get();
      return MaybeFold(std::make_unique<NullTestCExpr>(std::move(a), n.negated), {ap});
    }
    case T::kBetween: {
      const auto& b = e.As<parser::BetweenExpr>();
      DOSQL_ASSIGN_OR_RETURN(CExprPtr x, CompileNode(*b.operand));
      DOSQL_ASSIGN_OR_RETURN(CExprPtr lo, CompileNode(*b.low));
      DOSQL_ASSIGN_OR_RETURN(CExprPtr hi, CompileNode(*b.high));
      Affinity alo = ComparisonAffinity(x->affinity, lo->affinity);
      Affinity ahi = ComparisonAffinity(x->affinity, hi->affinity);
      DOSQL_ASSIGN_OR_RETURN(Collation clo, Need(ctx_, PickCollation(*x, *lo)));
      DOSQL_ASSIGN_OR_RETURN(Collation chi, Need(ctx_, PickCollation(*x, *hi)));
      const CExpr *p1 = x.get(), *p2 = lo.get(), *p3 = hi.get();
      // Only the operand's COLLATE reaches the BETWEEN (SQLite's parser attaches the bounds
      // without propagating their flags).
      return MaybeFold(InheritCollation(std::make_unique<BetweenCExpr>(std::move(x), std::move(lo),
                                                                       std::move(hi), alo, ahi,
                                                                       clo, chi, b.negated),
                                        {p1}),
                       {p1, p2, p3}, /*inherit_collation=*/false);
    }
    case T::kIn: return CompileIn(e.As<parser::InExpr>());
    case T::kLike: {
      const auto& l = e.As<parser::LikeExpr>();
      if (l.op == parser::LikeOp::kRegexp) return Err("no such function: REGEXP");
      if (l.op == parser::LikeOp::kMatch) return Err("unable to use function MATCH in the requested context");
      DOSQL_ASSIGN_OR_RETURN(CExprPtr x, CompileNode(*l.operand));
      DOSQL_ASSIGN_OR_RETURN(CExprPtr p, CompileNode(*l.pattern));
      CExprPtr esc;
      if (l.escape) {
        DOSQL_ASSIGN_OR_RETURN(esc, CompileNode(*l.escape));
      }
      if (esc && l.op == parser::LikeOp::kGlob) {
        return Err("wrong number of arguments to function glob()");
      }
      // SQLite calls like(pattern, operand[, escape]): the pattern's COLLATE comes first.
      const CExpr *p1 = p.get(), *p2 = x.get(), *p3 = esc ? esc.get() : x.get();
      return MaybeFold(std::make_unique<LikeCExpr>(l.op == parser::LikeOp::kGlob, std::move(x),
                                                   std::move(p), std::move(esc), l.negated),
                       {p1, p2, p3});
    }
    case T::kCollate: {
      const auto& c = e.As<parser::CollateExpr>();
      Collation coll = Resolved(ctx_, Collation::Named(c.collation.name));
      DOSQL_ASSIGN_OR_RETURN(CExprPtr a, CompileNode(*c.operand));
      Affinity aff = a->affinity;
      int cs = a->column_slot, cl = a->column_level;
      const CExpr* ap = a.get();
      auto x = std::make_unique<PassExpr>(std::move(a));
      x->affinity = aff;
      x->collation = coll;
      x->has_collation = true;
      x->explicit_collation = true;
      x->column_slot = cs;
      x->column_level = cl;
      return MaybeFold(std::move(x), {ap});
    }
    case T::kCase: {
      const auto& c = e.As<parser::CaseExpr>();
      CExprPtr operand;
      if (c.operand) {
        DOSQL_ASSIGN_OR_RETURN(operand, CompileNode(*c.operand));
      }
      std::vector<std::pair<CExprPtr, CExprPtr>> whens;
      std::vector<Affinity> affs;
      std::vector<Collation> colls;
      std::vector<const CExpr*> parts = {operand.get()};
      for (const auto& w : c.whens) {
        DOSQL_ASSIGN_OR_RETURN(CExprPtr cond, CompileNode(*w.condition));
        DOSQL_ASSIGN_OR_RETURN(CExprPtr res, CompileNode(*w.result));
        parts.push_back(cond.get());
        parts.push_back(res.get());
        if (operand) {
          affs.push_back(ComparisonAffinity(operand->affinity, cond->affinity));
          DOSQL_ASSIGN_OR_RETURN(Collation coll, Need(ctx_, PickCollation(*operand, *cond)));
          colls.push_back(std::move(coll));
        }
        whens.emplace_back(std::move(cond), std::move(res));
      }
      CExprPtr els;
      if (c.else_result) {
        DOSQL_ASSIGN_OR_RETURN(els, CompileNode(*c.else_result));
      }
      parts.push_back(els.get());
      return CExprPtr(InheritCollation(
          std::make_unique<CaseCExpr>(std::move(operand), std::move(whens), std::move(els),
                                      std::move(affs), std::move(colls)),
          parts));
    }
    case T::kCast: {
      const auto& c = e.As<parser::CastExpr>();
      DOSQL_ASSIGN_OR_RETURN(CExprPtr a, CompileNode(*c.operand));
      Affinity target = CastAffinity(c.type_name.name);
      const CExpr* ap = a.get();
      // CAST keeps its operand's collation, also a column's declared one (SQLite looks
      // through CAST when it picks a comparison's collating sequence).
      Collation coll = a->collation;
      bool has = a->has_collation, expl = a->explicit_collation;
      auto x = std::make_unique<CastCExpr>(std::move(a), target);
      x->affinity = target;
      x->collation = coll;
      x->has_collation = has;
      x->explicit_collation = expl;
      return MaybeFold(std::move(x), {ap});
    }
    case T::kExists: {
      const auto& x = e.As<parser::ExistsExpr>();
      const parser::SelectCore* outer_exists = ctx_.exists_core;
      ctx_.exists_core = x.select->cores.size() == 1 ? x.select->cores[0].get() : nullptr;
      auto runner = CompileSharedSubquery(*x.select, nullptr);
      ctx_.exists_core = outer_exists;
      DOSQL_RETURN_IF_ERROR(runner.status());
      return CExprPtr(std::make_unique<ExistsCExpr>(std::move(runner).value()));
    }
    case T::kSubquery: {
      const auto& x = e.As<parser::SubqueryExpr>();
      std::vector<ResultColumnInfo> cols;
      DOSQL_ASSIGN_OR_RETURN(auto runner, CompileSharedSubquery(*x.select, &cols));
      if (cols.size() != 1) {
        return Err("sub-select returns " + std::to_string(cols.size()) +
                   " columns - expected 1");
      }
      return ScalarSubquery(std::move(runner), cols[0]);
    }
    case T::kFunctionCall: return CompileFunction(e.As<parser::FunctionCall>());
    case T::kRaise: {
      const auto& r = e.As<parser::RaiseExpr>();
      bool in_trigger = false;
      for (Scope* sc = &scope_; sc; sc = sc->parent) in_trigger |= sc->in_trigger;
      if (!in_trigger) return Err("RAISE() may only be used within a trigger-program");
      return CExprPtr(std::make_unique<RaiseCExpr>(r.kind, r.message));
    }
    case T::kRowValue:
      return Err("row value misused");
    default:
      return Status::Internal("unexpected expression node");
  }
}

// ---------------------------------------------------------------------------------------------
// Aggregate detection
// ---------------------------------------------------------------------------------------------

// An aggregate call (not a window): a built-in aggregate, or a user aggregate of `conn`.
bool IsAggregateCall(const parser::FunctionCall& f, const ConnectionImpl* conn) {
  if (f.is_window()) return false;
  std::string n = Lower(f.name.name);
  if (conn) {
    auto user = conn->FindFunction(n, static_cast<int>(f.star ? 0 : f.args.size()));
    if (user) return user->aggregate != nullptr;
  }
  const AggregateFunction* agg = FindAggregateFunction(n);
  if (!agg) return false;
  if ((n == "min" || n == "max") && (f.star || f.args.size() != 1)) return false;
  return true;
}

// True if `e` contains a call satisfying `pred` at this query level (not inside subqueries):
// in arguments, FILTER, and an inline window's PARTITION BY / ORDER BY.
bool HasCall(const parser::Expr* e, const std::function<bool(const parser::FunctionCall&)>& pred) {
  if (!e) return false;
  using T = parser::NodeType;
  switch (e->type()) {
    case T::kFunctionCall: {
      const auto& f = e->As<parser::FunctionCall>();
      if (pred(f)) return true;
      for (const auto& a : f.args) {
        if (HasCall(a.get(), pred)) return true;
      }
      if (HasCall(f.filter.get(), pred)) return true;
      if (f.over) {
        for (const auto& p : f.over->partition_by) {
          if (HasCall(p.get(), pred)) return true;
        }
        for (const auto& t : f.over->order_by) {
          if (HasCall(t.expr.get(), pred)) return true;
        }
      }
      return false;
    }
    case T::kUnary: return HasCall(e->As<parser::UnaryExpr>().operand.get(), pred);
    case T::kBinary:
      return HasCall(e->As<parser::BinaryExpr>().left.get(), pred) ||
             HasCall(e->As<parser::BinaryExpr>().right.get(), pred);
    case T::kNullTest: return HasCall(e->As<parser::NullTestExpr>().operand.get(), pred);
    case T::kBetween: {
      const auto& b = e->As<parser::BetweenExpr>();
      return HasCall(b.operand.get(), pred) || HasCall(b.low.get(), pred) ||
             HasCall(b.high.get(), pred);
    }
    case T::kIn: {
      const auto& in = e->As<parser::InExpr>();
      if (HasCall(in.operand.get(), pred)) return true;
      for (const auto& x : in.list) {
        if (HasCall(x.get(), pred)) return true;
      }
      return false;
    }
    case T::kLike: {
      const auto& l = e->As<parser::LikeExpr>();
      return HasCall(l.operand.get(), pred) || HasCall(l.pattern.get(), pred) ||
             HasCall(l.escape.get(), pred);
    }
    case T::kCollate: return HasCall(e->As<parser::CollateExpr>().operand.get(), pred);
    case T::kCase: {
      const auto& c = e->As<parser::CaseExpr>();
      if (HasCall(c.operand.get(), pred) || HasCall(c.else_result.get(), pred)) return true;
      for (const auto& w : c.whens) {
        if (HasCall(w.condition.get(), pred) || HasCall(w.result.get(), pred)) return true;
      }
      return false;
    }
    case T::kCast: return HasCall(e->As<parser::CastExpr>().operand.get(), pred);
    case T::kRowValue:
      for (const auto& x : e->As<parser::RowValueExpr>().elements) {
        if (HasCall(x.get(), pred)) return true;
      }
      return false;
    default: return false;
  }
}

bool HasAggregate(const parser::Expr* e, const ConnectionImpl* conn) {
  return HasCall(e, [conn](const parser::FunctionCall& f) { return IsAggregateCall(f, conn); });
}
// Arithmetic that two or more aggregate arguments in `exprs` compute (Q1's
// l_extendedprice * (1 - l_discount) in two sums), as canonical SQL: `+ - * / %` and unary
// `- +` over columns, literals and parameters (no function, subquery or COLLATE: nothing that
// can fail or differs between evaluations). Larger expressions first; an expression inside a
// chosen one counts once for all of that one's occurrences (so `1 - l_discount` alone is not
// chosen above).
std::vector<std::string> CommonAggregateArithmetic(const std::vector<const parser::Expr*>& exprs,
                                                   const ConnectionImpl* conn) {
  struct Node {
    std::string sql;
    std::vector<size_t> inner;  // the arithmetic nodes below it
  };
  std::vector<Node> nodes;
  // The index of `e`'s node when `e` is such arithmetic; leaves and the rest give SIZE_MAX.
  std::function<size_t(const parser::Expr*)> walk = [&](const parser::Expr* e) -> size_t {
    using B = parser::BinaryOp;
    std::vector<const parser::Expr*> operands;
    if (e->Is<parser::BinaryExpr>()) {
      const auto& b = e->As<parser::BinaryExpr>();
      if (b.op != B::kAdd && b.op != B::kSubtract && b.op != B::kMultiply && b.op != B::kDivide &&
          b.op != B::kModulo) {
        return SIZE_MAX;
      }
      operands = {b.left.get(), b.right.get()};
    } else if (e->Is<parser::UnaryExpr>()) {
      const auto& u = e->As<parser::UnaryExpr>();
      if (u.op != parser::UnaryOp::kNegate && u.op != parser::UnaryOp::kPlus) return SIZE_MAX;
      operands = {u.operand.get()};
    } else {
      return SIZE_MAX;
    }
    std::vector<size_t> inner;
    for (const parser::Expr* o : operands) {
      if (o->Is<parser::ColumnRef>() || o->Is<parser::Literal>() || o->Is<parser::Parameter>()) {
        continue;
      }
      const size_t k = walk(o);
      if (k == SIZE_MAX) return SIZE_MAX;
      inner.push_back(k);
      inner.insert(inner.end(), nodes[k].inner.begin(), nodes[k].inner.end());
    }
    nodes.push_back({parser::ToSql(*e), std::move(inner)});
    return nodes.size() - 1;
  };
  for (const parser::Expr* e : exprs) {
    HasCall(e, [&](const parser::FunctionCall& f) {
      if (IsAggregateCall(f, conn)) {
        for (const auto& a : f.args) walk(a.get());
      }
      return false;  // visit them all
    });
  }
  std::map<std::string, int> count;
  for (const Node& n : nodes) count[n.sql]++;
  std::vector<size_t> order(nodes.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return nodes[a].sql.size() > nodes[b].sql.size(); });
  std::vector<std::string> chosen;
  for (size_t i : order) {
    const Node& n = nodes[i];
    const int c = count[n.sql];
    if (c < 2) continue;
    chosen.push_back(n.sql);
    count[n.sql] = 0;  // its other occurrences are done with it
    for (size_t k : n.inner) count[nodes[k].sql] -= c - 1;
  }
  return chosen;
}

bool HasWindow(const parser::Expr* e) {
  return HasCall(e, [](const parser::FunctionCall& f) { return f.is_window(); });
}

// Can a WHERE term be evaluated inside a subquery too (push-down)? Only deterministic
// expressions without subqueries, aggregates or windows can; collects its column references.
bool PushableExpr(const parser::Expr* e, const ConnectionImpl* conn,
                  std::vector<const parser::ColumnRef*>* refs) {
  if (!e) return true;
  using T = parser::NodeType;
  auto all = [&](const parser::ExprList& l) {
    for (const auto& x : l) {
      if (!PushableExpr(x.get(), conn, refs)) return false;
    }
    return true;
  };
  switch (e->type()) {
    case T::kLiteral:
    case T::kParameter: return true;
    case T::kColumnRef:
      refs->push_back(&e->As<parser::ColumnRef>());
      return true;
    case T::kUnary: return PushableExpr(e->As<parser::UnaryExpr>().operand.get(), conn, refs);
    case T::kBinary:
      return PushableExpr(e->As<parser::BinaryExpr>().left.get(), conn, refs) &&
             PushableExpr(e->As<parser::BinaryExpr>().right.get(), conn, refs);
    case T::kNullTest:
      return PushableExpr(e->As<parser::NullTestExpr>().operand.get(), conn, refs);
    case T::kBetween: {
      const auto& b = e->As<parser::BetweenExpr>();
      return PushableExpr(b.operand.get(), conn, refs) && PushableExpr(b.low.get(), conn, refs) &&
             PushableExpr(b.high.get(), conn, refs);
    }
    case T::kIn: {
      const auto& in = e->As<parser::InExpr>();
      return in.kind == parser::InExpr::Kind::kList && PushableExpr(in.operand.get(), conn, refs) &&
             all(in.list);
    }
    case T::kLike: {
      const auto& l = e->As<parser::LikeExpr>();
      return PushableExpr(l.operand.get(), conn, refs) &&
             PushableExpr(l.pattern.get(), conn, refs) && PushableExpr(l.escape.get(), conn, refs);
    }
    case T::kCollate: return PushableExpr(e->As<parser::CollateExpr>().operand.get(), conn, refs);
    case T::kCase: {
      const auto& c = e->As<parser::CaseExpr>();
      if (!PushableExpr(c.operand.get(), conn, refs) ||
          !PushableExpr(c.else_result.get(), conn, refs)) {
        return false;
      }
      for (const auto& w : c.whens) {
        if (!PushableExpr(w.condition.get(), conn, refs) ||
            !PushableExpr(w.result.get(), conn, refs)) {
          return false;
        }
      }
      return true;
    }
    case T::kCast: return PushableExpr(e->As<parser::CastExpr>().operand.get(), conn, refs);
    case T::kRowValue: return all(e->As<parser::RowValueExpr>().elements);
    case T::kFunctionCall: {
      const auto& f = e->As<parser::FunctionCall>();
      if (f.is_window() || f.star || f.distinct || f.filter || !f.order_by.empty() ||
          IsAggregateCall(f, conn)) {
        return false;
      }
      const std::string n = Lower(f.name.name);
      const int nargs = static_cast<int>(f.args.size());
      bool deterministic = false;
      if (auto user = conn ? conn->FindFunction(n, nargs) : nullptr) {
        deterministic = user->flags.deterministic;
      } else if (n == "coalesce" || n == "ifnull" || n == "iif" || n == "likely" ||
                 n == "unlikely" || n == "likelihood") {
        deterministic = true;
      } else if (const ScalarFunctionInfo* sf = FindScalarFunction(n)) {
        deterministic = sf->deterministic || ReadsOnlyNow(n);
      }
      return deterministic && all(f.args);
    }
    default: return false;  // subqueries, EXISTS, RAISE
  }
}

// A comparison that cannot raise an error or have an effect: `=`, `<>`, `<`, ..., IS, BETWEEN, IN
// (a list), IS NULL over columns, literals and parameters (COLLATE allowed). Evaluating one more
// often than the query says changes nothing but time.
bool HarmlessComparison(const parser::Expr* e) {
  using T = parser::NodeType;
  auto plain = [](const parser::Expr* x) {
    if (x && x->Is<parser::CollateExpr>()) x = x->As<parser::CollateExpr>().operand.get();
    return x &&
           (x->type() == T::kColumnRef || x->type() == T::kLiteral || x->type() == T::kParameter);
  };
  switch (e->type()) {
    case T::kBinary: {
      const auto& b = e->As<parser::BinaryExpr>();
      using B = parser::BinaryOp;
      const bool cmp = b.op == B::kEq || b.op == B::kNe || b.op == B::kIs || b.op == B::kIsNot ||
                       b.op == B::kLt || b.op == B::kLe || b.op == B::kGt || b.op == B::kGe;
      return cmp && plain(b.left.get()) && plain(b.right.get());
    }
    case T::kBetween: {
      const auto& b = e->As<parser::BetweenExpr>();
      return plain(b.operand.get()) && plain(b.low.get()) && plain(b.high.get());
    }
    case T::kIn: {
      const auto& in = e->As<parser::InExpr>();
      if (in.kind != parser::InExpr::Kind::kList || !plain(in.operand.get())) return false;
      for (const auto& x : in.list) {
        if (!plain(x.get())) return false;
      }
      return true;
    }
    case T::kNullTest:
      return plain(e->As<parser::NullTestExpr>().operand.get());
    default:
      return false;
  }
}

void SplitDisjuncts(const parser::Expr* e, std::vector<const parser::Expr*>* out) {
  if (e->Is<parser::BinaryExpr>() && e->As<parser::BinaryExpr>().op == parser::BinaryOp::kOr) {
    SplitDisjuncts(e->As<parser::BinaryExpr>().left.get(), out);
    SplitDisjuncts(e->As<parser::BinaryExpr>().right.get(), out);
    return;
  }
  out->push_back(e);
}

// Can WHERE terms of an enclosing query be applied inside `sel` as well? Not past a LIMIT,
// grouping or windows (they would change which rows those see), nor into a compound or VALUES;
// its result columns must be expressions (no `*`), so that column i is result column i. Past a
// DISTINCT, as SQLite: which of the values equal under a column's collation it keeps is then
// one the term keeps.
bool CanPushInto(const parser::SelectStmt& sel, const ConnectionImpl* conn) {
  if (sel.cores.size() != 1 || sel.limit) return false;
  const parser::SelectCore& core = *sel.cores[0];
  if (core.kind != parser::SelectCore::Kind::kSelect || !core.from || !core.group_by.empty() ||
      core.having) {
    return false;
  }
  for (const auto& rc : core.columns) {
    if (rc.kind != parser::ResultColumn::Kind::kExpr || HasAggregate(rc.expr.get(), conn) ||
        HasWindow(rc.expr.get())) {
      return false;
    }
  }
  for (const auto& t : sel.order_by) {
    if (HasAggregate(t.expr.get(), conn) || HasWindow(t.expr.get())) return false;
  }
  return true;
}

void SplitConjuncts(const parser::Expr* e, std::vector<const parser::Expr*>* out) {
  if (!e) return;
  if (e->Is<parser::BinaryExpr>() && e->As<parser::BinaryExpr>().op == parser::BinaryOp::kAnd) {
    SplitConjuncts(e->As<parser::BinaryExpr>().left.get(), out);
    SplitConjuncts(e->As<parser::BinaryExpr>().right.get(), out);
    return;
  }
  out->push_back(e);
}

CExprPtr AndAll(std::vector<CExprPtr> preds) {
  // (Null entries are access-path-only conjuncts: the upper half of a BETWEEN.)
  std::erase_if(preds, [](const CExprPtr& p) { return p == nullptr; });
  if (preds.empty()) return nullptr;
  if (preds.size() == 1) return std::move(preds[0]);
  if (preds.size() == 2) {
    return std::make_unique<AndOrExpr>(true, std::move(preds[0]), std::move(preds[1]));
  }
  return std::make_unique<AllOfExpr>(std::move(preds));
}

// ---------------------------------------------------------------------------------------------
// FROM planning
// ---------------------------------------------------------------------------------------------

struct Conjunct {
  const parser::Expr* ast = nullptr;
  CExprPtr expr;          // the whole predicate
  uint64_t mask = 0;      // sources of this level it references
  bool used = false;
  // The access path of its source yields only rows that satisfy it (Leaf's exact lookups and
  // ranges): no filter tests it again, as SQLite codes such a term only into the lookup.
  bool enforced = false;
  bool from_on = false;   // ON of an inner join (same as WHERE)
  bool outer_ref = false;  // reads a column of an enclosing query
  // `column IN (...)` (not negated, uncorrelated): usable as a lookup per value.
  const parser::InExpr* in_expr = nullptr;
  int in_src = -1;
  int in_col = -1;
  Affinity in_col_affinity = Affinity::kNone;
  Collation in_collation = Collation::kBinary;
  // `a.x = b.y` constrains either side: the other orientation, swapped in by Orient().
  struct Form {
    int src = -1;
    int col = -1;
    parser::BinaryOp op = parser::BinaryOp::kEq;
    CExprPtr other;
    uint64_t other_mask = 0;
    Affinity cmp_affinity = Affinity::kNone;
    Collation cmp_collation = Collation::kBinary;
  };
  std::unique_ptr<Form> alt;
  // Makes the form that constrains a source in `mine` the primary one.
  void Orient(uint64_t mine) {
    if (!alt || alt->src < 0) return;
    if (src >= 0 && ((uint64_t{1} << src) & mine)) return;
    if (!((uint64_t{1} << alt->src) & mine)) return;
    std::swap(src, alt->src);
    std::swap(col, alt->col);
    std::swap(op, alt->op);
    std::swap(other, alt->other);
    std::swap(other_mask, alt->other_mask);
    std::swap(cmp_affinity, alt->cmp_affinity);
    std::swap(cmp_collation, alt->cmp_collation);
  }
  // For col = expr / ranges: a usable "source column op other" view.
  int src = -1;           // the source whose column is constrained
  int col = -1;           // column index in the source (-2 = rowid)
  parser::BinaryOp op = parser::BinaryOp::kEq;
  CExprPtr other;         // the other side
  uint64_t other_mask = 0;
  Affinity cmp_affinity = Affinity::kNone;
  Collation cmp_collation = Collation::kBinary;
};

struct FromItem {
  enum class Kind { kTable, kSubquery, kBuffer, kNested, kFunction };
  Kind kind = Kind::kTable;
  int source = -1;  // index in scope.sources (kNested: first of a range)
  int source_end = -1;
  const TableInfo* table = nullptr;
  std::string alias;
  parser::JoinKind join = parser::JoinKind::kComma;
  const parser::Expr* on = nullptr;
  CExprPtr using_pred;  // USING / NATURAL equalities
  // The same equalities as hash-join keys: each left column's slot, the right column's, their
  // affinities, and the comparison's affinity and collation.
  struct UsingKey {
    int left_slot, right_slot;
    Affinity left_affinity, right_affinity, affinity;
    Collation collation;
  };
  std::vector<UsingKey> using_keys;
  RowSrcPtr subquery;
  bool subquery_materialize = false;
  std::vector<Row>* buffer = nullptr;
  int width = 0;
  OpPtr nested;  // kNested
  const parser::TableName* table_ref = nullptr;
  std::optional<TableFunction> function;  // kFunction, with its arguments
  std::vector<CExprPtr> function_args;
  uint64_t depends = 0;  // earlier sources the arguments read
};

// A compound (or a VALUES list of several rows, or a recursive CTE) read as a table: SQLite
// gives each column its first arm's affinity, and reading a REAL column turns INTEGER values
// into REAL (`SELECT y FROM (SELECT CAST(NULL AS REAL) AS y UNION ALL SELECT 0)` is 0.0).
RowSrcPtr ReadAsTable(CompiledQuery& q, bool compound) {
  std::vector<int> real_cols;
  if (compound) {
    for (size_t i = 0; i < q.columns.size(); i++) {
      if (q.columns[i].affinity == Affinity::kReal) real_cols.push_back(static_cast<int>(i));
    }
  }
  if (real_cols.empty()) return std::move(q.src);
  return std::make_unique<RealColumnsSrc>(std::move(q.src), std::move(real_cols));
}

// The collations an index scan builds its keys with (a labelled index, index_key.h, compares
// through them): the first `needed` columns' must be registered, the rest are resolved if they
// can be (a full walk in index order needs none of them).
Status SetIndexCollations(PlanContext& ctx, IndexScanOp* op, const IndexInfo& idx,
                          size_t needed) {
  op->colls.clear();
  for (size_t i = 0; i < idx.columns.size(); i++) {
    const Collation& c = idx.columns[i].collation;
    if (i < needed) {
      DOSQL_ASSIGN_OR_RETURN(Collation r, Need(ctx, c));
      op->colls.push_back(std::move(r));
    } else {
      op->colls.push_back(Resolved(ctx, c));
    }
  }
  return Status::OK();
}

class FromPlanner {
 public:
  FromPlanner(PlanContext& ctx, Scope& scope) : ctx_(ctx), scope_(scope) {}

  // Binds all FROM items into the scope (so that every clause can see them).
  Status Bind(const parser::JoinClause& from);
  // The WHERE of the query this FROM belongs to, before Bind: its terms that read only one view,
  // FROM subquery or CTE are pushed into it (see PushDown).
  void SetWhere(const parser::Expr* where) { where_ = where; }
  // The FROM of a statement's own SELECT (not a subquery's, a nested join's or a trigger's):
  // its join runs once per execution, so a FROM subquery or view that comes first in the join
  // order streams its rows (CO-ROUTINE) instead of being materialized first.
  void SetRunsOnce(bool once) { runs_once_ = once; }
  // Builds the operator tree, consuming `where` conjuncts it can apply; `pushed`: terms of an
  // enclosing query pushed into this SELECT (scope.pushed set while it runs).
  Result<OpPtr> Build(const parser::Expr* where, const PushedTerms* pushed = nullptr);
  // ORDER BY of a single-table query, as columns of that table (-2: rowid); when the access
  // path can produce rows in that order, order_satisfied() turns true and no sort is needed.
  struct OrderTerm {
    int col;
    bool desc;
    std::optional<Collation> coll;  // an explicit built-in COLLATE (else the column's)
  };
  void SetOrderHint(std::vector<OrderTerm> hint) { order_hint_ = std::move(hint); }
  bool order_satisfied() const { return order_satisfied_; }

  // Once every expression of the query level is compiled: tells each table scan which columns
  // are read (Scope::used_slots), so that it decodes only those, and drops the columns it does
  // not decode from the slots that joins buffer (TrackSlots).
  void ApplyColumnMasks() {
    std::vector<char> undecoded;  // by slot
    auto used = [&](size_t slot) {
      return slot < scope_.used_slots.size() && scope_.used_slots[slot] != 0;
    };
    for (const auto& [source, needed] : scans_) {
      const SourceBinding& sb = scope_.sources[static_cast<size_t>(source)];
      needed->assign(sb.cols.size(), 0);
      for (size_t i = 0; i < sb.cols.size(); i++) {
        size_t slot = static_cast<size_t>(sb.cols[i].slot);
        (*needed)[i] = used(slot) ? 1 : 0;
        if (!used(slot)) {
          if (undecoded.size() <= slot) undecoded.resize(slot + 1, 0);
          undecoded[slot] = 1;
        }
      }
    }
    for (std::vector<int>* slots : slot_lists_) {
      std::erase_if(*slots, [&](int s) {
        return static_cast<size_t>(s) < undecoded.size() && undecoded[static_cast<size_t>(s)];
      });
    }
  }

  // UPDATE/DELETE: a table source already in the scope joins first.
  void AddSource(int source) {
    FromItem item;
    item.kind = FromItem::Kind::kTable;
    item.source = source;
    item.source_end = source + 1;
    item.table = scope_.sources[source].table;
    item.alias = scope_.sources[source].alias;
    items_.push_back(std::move(item));
  }
  Result<OpPtr> BuildForSource(int source, const parser::Expr* where) {
    FromItem item;
    item.kind = FromItem::Kind::kTable;
    item.source = source;
    item.source_end = source + 1;
    item.table = scope_.sources[source].table;
    item.alias = scope_.sources[source].alias;
    items_.push_back(std::move(item));
    return Build(where);
  }

 private:
  Status BindItem(const parser::TableRef& ref, parser::JoinKind join, const parser::JoinItem* ji);
  Status BindUsing(FromItem& item, const parser::JoinItem& ji);
  // A table-valued function in FROM (args null: written as a plain name, no arguments).
  Status BindFunction(FromItem& item, const std::string& fname, const parser::ExprList* args,
                      const std::string& alias);
  Result<OpPtr> Leaf(FromItem& item, std::vector<Conjunct*>& local, std::vector<Conjunct*>& eqs,
                     uint64_t available, bool* correlated_to_left);
  Result<std::vector<Conjunct>> MakeConjunct(const parser::Expr* e);
  // Adds to `conj`, for a WHERE term `or_term` that is an OR, the terms on one table each that it
  // implies (see Build).
  Status AddImpliedTerms(const parser::Expr* or_term, std::vector<std::unique_ptr<Conjunct>>* conj);
  bool MakeForm(const parser::Expr* colside, const parser::Expr* other, parser::BinaryOp op,
                bool flipped, Conjunct::Form* out);

  // Does scanning `idx` (after `eq` equality columns) give rows in the hinted order?
  bool IndexGivesOrder(const TableInfo& t, const IndexInfo& idx, size_t eq, bool* reverse) const;

  PlanContext& ctx_;
  Scope& scope_;
  std::vector<FromItem> items_;
  std::vector<OrderTerm> order_hint_;
  bool order_satisfied_ = false;
  std::vector<std::pair<int, std::vector<char>*>> scans_;  // see ApplyColumnMasks
  std::vector<std::vector<int>*> slot_lists_;              // see ApplyColumnMasks
  void TrackScan(int source, std::vector<char>* needed) { scans_.emplace_back(source, needed); }
  // A join's list of slots it saves and restores (see ApplyColumnMasks).
  void TrackSlots(std::vector<int>* slots) { slot_lists_.push_back(slots); }
  // Join ordering (see the caller): another order of items_ whose estimate is at least a fifth
  // below `order`'s, or empty.
  std::vector<size_t> CheaperJoinOrder(const std::vector<size_t>& order,
                                       const std::vector<std::unique_ptr<Conjunct>>& conj) const;
  // Forgets a scan planned and then dropped (its column mask is freed with it).
  void UntrackScan(const std::vector<char>* needed) {
    std::erase_if(scans_, [&](const auto& s) { return s.second == needed; });
  }
  bool has_right_join_ = false;  // the FROM clause has a RIGHT or FULL join (anywhere)
  const parser::Expr* where_ = nullptr;  // see SetWhere
  bool runs_once_ = false;               // see SetRunsOnce

  // The terms of where_ that read only the columns of the FROM item about to be bound: `sel`
  // (a view, FROM subquery or CTE body) under `alias`, joined by `join`, its columns named by
  // `names` (a column list; empty: by sel's result columns). Null when there are none.
  std::unique_ptr<PushedTerms> PushDown(const parser::SelectStmt& sel,
                                        const std::vector<std::string>& names,
                                        const std::string& alias, parser::JoinKind join) const;
  // Plans `sel` with the terms PushDown finds (`plan(pushed)` plans it), and without them
  // should a pushed reference turn out not to name the column planned at its index.
  Result<CompiledQuery> PlanPushedInto(
      const parser::SelectStmt& sel, const std::vector<std::string>& names,
      const std::string& alias, parser::JoinKind join,
      const std::function<Result<CompiledQuery>(const PushedTerms*)>& plan) const;
};

std::unique_ptr<PushedTerms> FromPlanner::PushDown(const parser::SelectStmt& sel,
                                                   const std::vector<std::string>& names,
                                                   const std::string& alias,
                                                   parser::JoinKind join) const {
  // A WHERE term filters the joined rows: it may filter an item's rows beforehand unless the
  // item is on the null-extended side of an outer join.
  if (!where_ || has_right_join_ || join == parser::JoinKind::kLeft ||
      join == parser::JoinKind::kRight || join == parser::JoinKind::kFull ||
      !CanPushInto(sel, ctx_.conn)) {
    return nullptr;
  }
  const auto& columns = sel.cores[0]->columns;
  auto column_name = [&](size_t i) -> std::string {
    if (i < names.size()) return names[i];
    const parser::ResultColumn& rc = columns[i];
    if (rc.alias) return rc.alias->name;
    if (rc.expr->Is<parser::ColumnRef>()) return rc.expr->As<parser::ColumnRef>().column.name;
    return "";  // named by its text: not a name a term is likely to use
  };
  const std::string lalias = Lower(alias);
  auto pushed = std::make_unique<PushedTerms>();
  pushed->columns = &columns;
  std::vector<const parser::Expr*> parts;
  SplitConjuncts(where_, &parts);
  for (const parser::Expr* term : parts) {
    std::vector<const parser::ColumnRef*> refs;
    if (!PushableExpr(term, ctx_.conn, &refs) || refs.empty()) continue;
    std::vector<std::pair<const parser::ColumnRef*, int>> mapped;
    std::vector<const parser::ColumnRef*> outer;
    for (const parser::ColumnRef* r : refs) {
      if (r->schema) break;
      if (r->table && Lower(r->table->name) != lalias) {
        // A column of an enclosing query (no FROM item here has that name): a value fixed
        // while this query runs, read inside the subquery as well.
        const std::string t = Lower(r->table->name);
        bool here = false;
        for (const SourceBinding& sb : scope_.sources) here |= sb.alias == t;
        if (here || !scope_.parent) break;
        outer.push_back(r);
        continue;
      }
      // The item's first column of that name; an unqualified name must not be an earlier
      // item's column too (a later item's would make the query fail as ambiguous).
      int index = -1;
      for (size_t i = 0; i < columns.size() && index < 0; i++) {
        if (IEquals(column_name(i), r->column.name)) index = static_cast<int>(i);
      }
      if (index < 0) break;
      bool earlier = false;
      for (const SourceBinding& sb : scope_.sources) {
        if (r->table && sb.alias == lalias) earlier = true;
        for (const ColBinding& cb : sb.cols) {
          if (!r->table && IEquals(cb.name, r->column.name)) earlier = true;
        }
      }
      if (earlier) break;
      mapped.emplace_back(r, index);
    }
    if (mapped.empty() || mapped.size() + outer.size() != refs.size()) continue;
    pushed->terms.push_back(term);
    for (const auto& [r, i] : mapped) pushed->refs[r] = i;
    for (const parser::ColumnRef* r : outer) pushed->outer.insert(r);
  }
  pushed->outer_scope = scope_.parent;
  if (pushed->terms.empty()) return nullptr;
  return pushed;
}

Result<CompiledQuery> FromPlanner::PlanPushedInto(
    const parser::SelectStmt& sel, const std::vector<std::string>& names,
    const std::string& alias, parser::JoinKind join,
    const std::function<Result<CompiledQuery>(const PushedTerms*)>& plan) const {
  std::unique_ptr<PushedTerms> pushed = PushDown(sel, names, alias, join);
  if (!pushed) return plan(nullptr);
  DOSQL_ASSIGN_OR_RETURN(CompiledQuery q, plan(pushed.get()));
  for (const auto& [r, i] : pushed->refs) {
    const std::string& name = static_cast<size_t>(i) < names.size() ? names[i] : q.columns[i].name;
    bool first = IEquals(name, r->column.name);
    for (int j = 0; j < i && first; j++) {
      const std::string& other = static_cast<size_t>(j) < names.size() ? names[j] : q.columns[j].name;
      if (IEquals(other, r->column.name)) first = false;
    }
    if (!first) return plan(nullptr);
  }
  return q;
}

std::vector<size_t> FromPlanner::CheaperJoinOrder(
    const std::vector<size_t>& order, const std::vector<std::unique_ptr<Conjunct>>& conj) const {
  const size_t n = items_.size();
  if (n < 3) return {};  // two items: the connectivity greedy already picks the keyed side
  // Costs in rows scanned. SQLite's assumptions without statistics: a table of ~1M rows, ~10
  // rows per value of an indexed non-key column, a key lookup ~20.
  constexpr double kTableRows = 1e6;
  constexpr double kRowsPerValue = 10;
  constexpr double kLookup = 20;
  // A row fetched by rowid from an index entry (a non-covering index lookup: the rows of one
  // value are mostly near each other), and a table held in memory for key lookups
  // (LookupMemo): per row read into it, per probe.
  constexpr double kFetch = 2;
  constexpr double kMemoRead = 2;
  constexpr double kMemoProbe = 2;
  // Building a hash table costs more per row than scanning one (each row's columns copied,
  // a bucket allocated).
  constexpr double kHashBuild = 8;
  constexpr size_t kExhaustiveItems = 10;  // every order up to 10 items: 1,024 sets of them
  // A table's rows: ANALYZE's count, else an estimate from its tree (the path to its first
  // row: the fan-out of each level), else SQLite's assumption.
  std::vector<double> rows_of(n, kTableRows);
  for (size_t i = 0; i < n; i++) {
    const TableInfo* t = items_[i].table;
    if (t == nullptr) continue;
    if (t->stat_rows > 0) {
      rows_of[i] = static_cast<double>(t->stat_rows);
    } else if (ctx_.conn != nullptr && !t->is_schema_table) {
      const double estimate = ctx_.conn->EstimatedRows(t->tree);
      if (estimate >= 0) rows_of[i] = std::max(1.0, estimate);
    }
  }
  // How a column of a table is reached by equality: 2 = key (rowid or a one-column UNIQUE
  // index), 1 = first column of an index, 0 = neither.
  auto reach = [&](const FromItem& it, int col) {
    if (it.table == nullptr) return 0;
    if (col == -2 || (col >= 0 && col == it.table->rowid_alias)) return 2;
    int r = 0;
    for (const auto& idx : it.table->indexes) {
      if (idx->where != nullptr || idx->columns.empty() || idx->columns[0].column != col) continue;
      r = std::max(r, idx->unique && idx->columns.size() == 1 ? 2 : 1);
    }
    return r;
  };
  // The cost of joining item i after the sources in `have`, `rows` rows so far; updates rows.
  auto step = [&](size_t i, uint64_t have, double* rows) {
    const FromItem& it = items_[i];
    const int src = it.source;
    const uint64_t mine = uint64_t{1} << src;
    const double total = rows_of[i];
    int best_reach = -1;  // -1: no usable equality; else the best reach of one
    bool joined_eq = false;
    double filter = 1;
    int equalities = 0;  // usable ones: the one the lookup takes, the others filter its rows
    for (const auto& c : conj) {
      if ((c->mask & mine) == 0 || (c->mask & ~(have | mine)) != 0) continue;
      // The forms of the conjunct that constrain a column of this item.
      int col = -3;
      uint64_t other = 0;
      bool eq = false;
      if (c->src == src) {
        col = c->col;
        other = c->other_mask;
        eq = c->op == parser::BinaryOp::kEq;
      } else if (c->alt && c->alt->src == src) {
        col = c->alt->col;
        other = c->alt->other_mask;
        eq = c->alt->op == parser::BinaryOp::kEq;
      }
      if (eq && col != -3 && (other & ~have) == 0) {
        best_reach = std::max(best_reach, reach(it, col));
        joined_eq |= other != 0;
        equalities++;
      } else {
        filter *= 0.25;
      }
    }
    for (int e = 1; e < equalities; e++) filter /= kRowsPerValue;
    double cost;
    double per_outer;
    if (best_reach == 2) {
      per_outer = 1;
      // Past an eighth of the table's rows, its key lookups are answered from memory
      // (LookupMemo): the table read once, then a probe each.
      cost = *rows <= total / 8 ? *rows * kLookup
                                : total / 8 * kLookup + total * kMemoRead + *rows * kMemoProbe;
    } else if (best_reach == 1) {
      per_outer = kRowsPerValue;
      cost = *rows * (kLookup + kRowsPerValue * kFetch);
    } else if (best_reach == 0 && joined_eq) {  // a hash join: one pass to build
      // An unindexed join column is as often a low-cardinality one (a foreign key to a small
      // table) as a near-key: assumed to match as many rows per value as an equality with a
      // constant does (a tenth of the table), so that such a join comes after the lookups that
      // narrow its outer rows.
      per_outer = std::max(kRowsPerValue, total / kRowsPerValue);
      cost = total * kHashBuild + *rows * kRowsPerValue;
    } else if (best_reach == 0) {  // = constant on an unindexed column
      per_outer = total / kRowsPerValue;
      cost = *rows * (kLookup + total);  // (each scan positions a cursor, as a lookup does)
    } else {
      per_outer = total;
      cost = *rows * (kLookup + total);
    }
    *rows = std::max(1.0, *rows * per_outer * filter);
    return cost;
  };
  auto cost_of = [&](const std::vector<size_t>& o) {
    double rows = 1, cost = 0;
    uint64_t have = 0;
    for (size_t i : o) {
      cost += step(i, have, &rows);
      have |= uint64_t{1} << items_[i].source;
    }
    return cost;
  };
  const double current = cost_of(order);
  double best = current / 1.25;  // only an order at least a fifth cheaper
  std::vector<size_t> best_order;
  if (n <= kExhaustiveItems) {
    // Every order, by dynamic programming over the sets of items joined so far: the cheapest
    // way to join each set (its cost and rows), extended by one item at a time. (A greedy
    // choice of the next item misses orders whose cheap steps come after a dearer one: a key
    // lookup into a large table before the small ones it leads to.)
    const size_t sets = size_t{1} << n;
    std::vector<double> set_cost(sets, std::numeric_limits<double>::infinity());
    std::vector<double> set_rows(sets, 1);
    std::vector<int> set_last(sets, -1);
    set_cost[0] = 0;
    for (size_t set = 0; set < sets; set++) {
      if (set_cost[set] == std::numeric_limits<double>::infinity()) continue;
      uint64_t have = 0;
      for (size_t i = 0; i < n; i++) {
        if (set >> i & 1) have |= uint64_t{1} << items_[i].source;
      }
      for (size_t i = 0; i < n; i++) {
        if (set >> i & 1) continue;
        double r = set_rows[set];
        const double c = set_cost[set] + step(i, have, &r);
        const size_t next = set | size_t{1} << i;
        if (c < set_cost[next]) {
          set_cost[next] = c;
          set_rows[next] = r;
          set_last[next] = static_cast<int>(i);
        }
      }
    }
    if (set_cost[sets - 1] < best) {
      best_order.assign(n, 0);
      size_t set = sets - 1;
      for (size_t k = n; k-- > 0;) {
        best_order[k] = static_cast<size_t>(set_last[set]);
        set &= ~(size_t{1} << best_order[k]);
      }
    }
    return best_order;
  }
  // Many items: a greedy order from every start, the next item the one whose step costs least.
  for (size_t start = 0; start < n; start++) {
    std::vector<size_t> o{start};
    std::vector<bool> used(n, false);
    used[start] = true;
    double rows = 1;
    double cost = step(start, 0, &rows);
    uint64_t have = uint64_t{1} << items_[start].source;
    while (o.size() < n) {
      size_t pick = n;
      double pick_cost = 0, pick_rows = 0;
      for (size_t i = 0; i < n; i++) {
        if (used[i]) continue;
        double r = rows;
        double c = step(i, have, &r);
        if (pick == n || c + r < pick_cost + pick_rows) {
          pick = i;
          pick_cost = c;
          pick_rows = r;
        }
      }
      used[pick] = true;
      o.push_back(pick);
      cost += pick_cost;
      rows = pick_rows;
      have |= uint64_t{1} << items_[pick].source;
    }
    if (cost < best) {
      best = cost;
      best_order = std::move(o);
    }
  }
  return best_order;
}

bool FromPlanner::IndexGivesOrder(const TableInfo& t, const IndexInfo& idx, size_t eq,
                                  bool* reverse) const {
  if (order_hint_.empty() || idx.where) return false;
  std::optional<bool> dir;  // scan backwards?
  size_t j = eq;
  for (size_t k = 0; k < order_hint_.size(); k++) {
    const OrderTerm& term = order_hint_[k];
    bool is_rowid = term.col == -2 || (term.col >= 0 && term.col == t.rowid_alias);
    if (j < idx.columns.size()) {
      const IndexColumn& ic = idx.columns[j];
      if (ic.column < 0 || ic.column != term.col) return false;
      if (ic.collation != (term.coll ? *term.coll : t.columns[ic.column].collation)) return false;
      bool d = term.desc != ic.desc;
      if (dir && *dir != d) return false;
      dir = d;
      j++;
      continue;
    }
    // Past the index columns only the rowid (the key's suffix, ascending) can follow.
    if (!is_rowid || t.without_rowid || k + 1 != order_hint_.size()) return false;
    if (dir && *dir != term.desc) return false;
    dir = term.desc;
  }
  *reverse = dir.value_or(false);
  return true;
}

Status FromPlanner::Bind(const parser::JoinClause& from) {
  for (const auto& j : from.joins) {
    if (j.kind == parser::JoinKind::kRight || j.kind == parser::JoinKind::kFull) {
      has_right_join_ = true;
    }
  }
  DOSQL_RETURN_IF_ERROR(BindItem(*from.first, parser::JoinKind::kComma, nullptr));
  for (const auto& j : from.joins) {
    DOSQL_RETURN_IF_ERROR(BindItem(*j.table, j.kind, &j));
  }
  return Status::OK();
}

Status FromPlanner::BindItem(const parser::TableRef& ref, parser::JoinKind join,
                             const parser::JoinItem* ji) {
  FromItem item;
  item.join = join;
  item.on = ji ? ji->on.get() : nullptr;
  std::string alias = ref.alias ? ref.alias->name : "";
  if (ref.Is<parser::TableName>()) {
    const auto& tn = ref.As<parser::TableName>();
    if (tn.temporal) return Status::NotSupported("FOR SYSTEM_TIME is not supported yet");
    std::string name = tn.name.name.name;
    std::string lname = Lower(name);
    // CTEs first (innermost wins).
    const CteDef* cte = nullptr;
    if (!tn.name.schema) {
      for (auto it = ctx_.ctes.rbegin(); it != ctx_.ctes.rend(); ++it) {
        if (it->name == lname) {
          cte = &*it;
          break;
        }
      }
    }
    if (cte) {
      // ctx_.ctes is replaced while the body is planned: keep what we need from the entry.
      const parser::CommonTableExpr* cte_ast = cte->cte;
      SourceBinding sb;
      sb.alias = Lower(alias.empty() ? name : alias);
      sb.table_name = lname;
      sb.base = scope_.nslots;
      std::vector<ResultColumnInfo> cols;
      if (cte->working) {
        cols = cte->working_cols;
        item.kind = FromItem::Kind::kBuffer;
        item.buffer = cte->working;
      } else if (cte->recursive) {
        CteDef copy = *cte;
        DOSQL_ASSIGN_OR_RETURN(CompiledQuery q,
                               PlanRecursiveCte(ctx_, copy, scope_.parent, scope_.level + 1));
        cols = q.columns;
        item.kind = FromItem::Kind::kSubquery;
        item.subquery = ReadAsTable(q, true);
        item.subquery_materialize = q.min_ref_level > scope_.level;
        if (q.min_ref_level < INT_MAX) {
          scope_.min_ref_level = std::min(scope_.min_ref_level, q.min_ref_level);
        }
      } else {
        // Plan the CTE body here (each reference plans it; materialized once per run).
        CteDef copy = *cte;
        // The CTE's own name is not visible inside its (non-recursive) body.
        std::vector<CteDef> saved = ctx_.ctes;
        size_t pos = static_cast<size_t>(cte - ctx_.ctes.data());
        ctx_.ctes.resize(pos);
        Scope cte_scope_parent;  // CTE bodies cannot see the referencing query's columns
        std::vector<std::string> names;
        for (const auto& c : cte_ast->columns) names.push_back(c.name);
        auto r = PlanPushedInto(*copy.cte->select, names, sb.alias, join,
                                [&](const PushedTerms* pushed) {
                                  return PlanSelectImpl(ctx_, *copy.cte->select, scope_.parent,
                                                        scope_.level + 1, copy.sql, pushed);
                                });
        ctx_.ctes = std::move(saved);
        DOSQL_RETURN_IF_ERROR(r.status());
        CompiledQuery q = std::move(r).value();
        cols = q.columns;
        if (!copy.cte->columns.empty()) {
          if (copy.cte->columns.size() != cols.size()) {
            return Err("table " + copy.cte->name.name + " has " + std::to_string(cols.size()) +
                       " values for " + std::to_string(copy.cte->columns.size()) + " columns");
          }
        }
        item.kind = FromItem::Kind::kSubquery;
        item.subquery = ReadAsTable(q, !q.rightmost.empty());
        item.subquery_materialize = q.min_ref_level > scope_.level;
        if (q.min_ref_level < INT_MAX) {
          scope_.min_ref_level = std::min(scope_.min_ref_level, q.min_ref_level);
        }
      }
      for (size_t i = 0; i < cols.size(); i++) {
        ColBinding cb;
        cb.name = i < cte_ast->columns.size() ? cte_ast->columns[i].name : cols[i].name;
        cb.affinity = cols[i].affinity;
        // Like a table's column, a subquery's has a collation, BINARY when it names none.
        cb.collation = cols[i].has_collation ? cols[i].collation : Collation::kBinary;
        cb.has_collation = true;
        cb.decl_type = cols[i].decl_type;
        cb.slot = scope_.nslots++;
        sb.cols.push_back(cb);
      }
      item.width = static_cast<int>(cols.size());
      item.alias = sb.alias;
      scope_.sources.push_back(std::move(sb));
      item.source = static_cast<int>(scope_.sources.size()) - 1;
    } else if (NamedObject obj = LookupObject(ctx_, tn.name.schema, name); obj.table) {
      const TableInfo* t = obj.table;
      item.kind = FromItem::Kind::kTable;
      item.table = t;
      item.table_ref = &tn;
      item.alias = Lower(alias.empty() ? t->name : alias);
      if (t->is_schema_table && alias.empty()) item.alias = lname;
      item.source = AddTableSource(scope_, *t, item.alias);
    } else if (obj.view) {
      const ViewInfo* v = obj.view;
      if (ctx_.view_depth > 64) return Err("view " + v->name + " is circularly defined");
      ctx_.view_depth++;
      std::vector<CteDef> saved = std::move(ctx_.ctes);
      ctx_.ctes.clear();
      // The body of a view of a non-TEMP schema names only that schema's objects.
      const int saved_pin = ctx_.pinned_db;
      ctx_.pinned_db = obj.db == ConnectionImpl::kTemp ? -1 : obj.db;
      auto r = PlanPushedInto(*v->select, v->columns, alias.empty() ? v->name : alias, join,
                              [&](const PushedTerms* pushed) {
                                return PlanSelectImpl(ctx_, *v->select, nullptr, scope_.level + 1,
                                                      v->sql, pushed);
                              });
      ctx_.pinned_db = saved_pin;
      ctx_.ctes = std::move(saved);
      ctx_.view_depth--;
      DOSQL_RETURN_IF_ERROR(r.status());
      CompiledQuery q = std::move(r).value();
      if (!v->columns.empty() && v->columns.size() != q.columns.size()) {
        return Err("expected " + std::to_string(v->columns.size()) + " columns for '" + v->name +
                   "' but got " + std::to_string(q.columns.size()));
      }
      SourceBinding sb;
      sb.alias = Lower(alias.empty() ? v->name : alias);
      sb.table_name = lname;
      sb.base = scope_.nslots;
      for (size_t i = 0; i < q.columns.size(); i++) {
        ColBinding cb;
        cb.name = i < v->columns.size() ? v->columns[i] : q.columns[i].name;
        cb.affinity = q.columns[i].affinity;
        cb.collation = q.columns[i].has_collation ? q.columns[i].collation : Collation::kBinary;
        cb.has_collation = true;
        cb.decl_type = q.columns[i].decl_type;
        cb.slot = scope_.nslots++;
        sb.cols.push_back(cb);
      }
      item.kind = FromItem::Kind::kSubquery;
      item.subquery = ReadAsTable(q, !q.rightmost.empty());
      // Once per statement, unless a pushed term made it read an enclosing query.
      item.subquery_materialize = q.min_ref_level > scope_.level;
      if (q.min_ref_level < INT_MAX) {
        scope_.min_ref_level = std::min(scope_.min_ref_level, q.min_ref_level);
      }
      item.width = static_cast<int>(q.columns.size());
      item.alias = sb.alias;
      scope_.sources.push_back(std::move(sb));
      item.source = static_cast<int>(scope_.sources.size()) - 1;
    } else if (!tn.name.schema && FindTableFunction(ctx_.conn, name).ok()) {
      DOSQL_RETURN_IF_ERROR(BindFunction(item, name, nullptr, alias));
    } else {
      return Err("no such table: " + (tn.name.schema ? tn.name.schema->name + "." : "") + name);
    }
  } else if (ref.Is<parser::SubqueryRef>()) {
    const auto& sr = ref.As<parser::SubqueryRef>();
    DOSQL_ASSIGN_OR_RETURN(
        CompiledQuery q,
        PlanPushedInto(*sr.select, {}, alias, join, [&](const PushedTerms* pushed) {
          return PlanSelectImpl(ctx_, *sr.select, scope_.parent, scope_.level + 1, scope_.sql,
                                pushed);
        }));
    SourceBinding sb;
    sb.alias = Lower(alias);
    sb.base = scope_.nslots;
    for (const auto& c : q.columns) {
      ColBinding cb;
      cb.name = c.name;
      cb.affinity = c.affinity;
      cb.collation = c.has_collation ? c.collation : Collation::kBinary;
      cb.has_collation = true;
      cb.decl_type = c.decl_type;
      cb.slot = scope_.nslots++;
      sb.cols.push_back(cb);
    }
    item.kind = FromItem::Kind::kSubquery;
    item.subquery = ReadAsTable(q, !q.rightmost.empty());
    item.subquery_materialize = q.min_ref_level >= scope_.level;
    if (q.min_ref_level < INT_MAX) {
      scope_.min_ref_level = std::min(scope_.min_ref_level, q.min_ref_level);
    }
    item.width = static_cast<int>(q.columns.size());
    item.alias = sb.alias.empty() ? "(subquery)" : sb.alias;
    scope_.sources.push_back(std::move(sb));
    item.source = static_cast<int>(scope_.sources.size()) - 1;
  } else if (ref.Is<parser::JoinClause>()) {
    const auto& jc = ref.As<parser::JoinClause>();
    if (ref.alias) return Status::NotSupported("an aliased parenthesized join is not supported");
    FromPlanner inner(ctx_, scope_);
    int first = static_cast<int>(scope_.sources.size());
    DOSQL_RETURN_IF_ERROR(inner.Bind(jc));
    DOSQL_ASSIGN_OR_RETURN(item.nested, inner.Build(nullptr));
    item.kind = FromItem::Kind::kNested;
    item.source = first;
    item.source_end = static_cast<int>(scope_.sources.size());
  } else if (ref.Is<parser::TableFunctionRef>()) {
    const auto& tf = ref.As<parser::TableFunctionRef>();
    DOSQL_RETURN_IF_ERROR(BindFunction(item, tf.name.name.name, &tf.args, alias));
  } else {
    return Status::NotSupported("URL tables are not supported yet");
  }
  if (item.source_end < 0) item.source_end = item.source + 1;
  if (ji) DOSQL_RETURN_IF_ERROR(BindUsing(item, *ji));
  items_.push_back(std::move(item));
  return Status::OK();
}

Status FromPlanner::BindFunction(FromItem& item, const std::string& fname,
                                 const parser::ExprList* args, const std::string& alias) {
  size_t nargs = args ? args->size() : 0;
  auto found = FindTableFunction(ctx_.conn, fname);
  if (!found.ok()) return Err("no such table: " + fname);
  TableFunction fn = std::move(found).value();
  if (nargs > fn.hidden.size()) {
    return Err("too many arguments on " + fname + "() - max " +
               std::to_string(fn.hidden.size()));
  }
  // The arguments may read earlier FROM items: the function then runs once per row of them.
  uint64_t mask = 0;
  uint64_t* saved_mask = scope_.ref_mask;
  scope_.ref_mask = &mask;
  Status st;
  for (size_t i = 0; i < nargs; i++) {
    const auto& a = (*args)[i];
    Binder b(ctx_, scope_);
    auto c = b.Compile(*a);
    if (!c.ok()) {
      st = c.status();
      break;
    }
    item.function_args.push_back(std::move(c).value());
  }
  scope_.ref_mask = saved_mask;
  DOSQL_RETURN_IF_ERROR(st);
  SourceBinding sb;
  sb.alias = Lower(alias.empty() ? fname : alias);
  sb.base = scope_.nslots;
  for (const std::string& c : fn.columns) {
    ColBinding cb;
    cb.name = c;
    cb.affinity = Affinity::kNone;
    cb.slot = scope_.nslots++;
    sb.cols.push_back(cb);
  }
  for (const std::string& c : fn.hidden) {
    ColBinding cb;
    cb.name = c;
    cb.affinity = Affinity::kNone;
    cb.slot = scope_.nslots++;
    cb.hidden = true;
    sb.cols.push_back(cb);
  }
  item.kind = FromItem::Kind::kFunction;
  item.function = std::move(fn);
  item.depends = mask;
  item.alias = sb.alias;
  scope_.sources.push_back(std::move(sb));
  item.source = static_cast<int>(scope_.sources.size()) - 1;
  return Status::OK();
}

Status FromPlanner::BindUsing(FromItem& item, const parser::JoinItem& ji) {
  std::vector<std::string> names;
  if (ji.natural) {
    if (ji.on || ji.using_columns) {
      return Err("a NATURAL join may not have an ON or USING clause");
    }
    for (int s = item.source; s < item.source_end; s++) {
      for (const auto& c : scope_.sources[s].cols) {
        bool in_left = false;
        for (int l = 0; l < item.source && !in_left; l++) {
          for (const auto& lc : scope_.sources[l].cols) {
            if (IEquals(lc.name, c.name) && !scope_.sources[l].hidden.count(Lower(c.name))) {
              in_left = true;
              break;
            }
          }
        }
        if (in_left) names.push_back(c.name);
      }
    }
  } else if (ji.using_columns) {
    if (ji.on) return Err("cannot have both ON and USING clauses in the same join");
    for (const auto& id : *ji.using_columns) names.push_back(id.name);
  }
  if (names.empty()) return Status::OK();
  std::vector<CExprPtr> preds;
  for (const std::string& n : names) {
    const ColBinding* left = nullptr;
    int left_src = -1;
    for (int l = 0; l < item.source && !left; l++) {
      if (scope_.sources[l].hidden.count(Lower(n))) continue;
      for (const auto& lc : scope_.sources[l].cols) {
        if (IEquals(lc.name, n)) {
          left = &lc;
          left_src = l;
          break;
        }
      }
    }
    const ColBinding* right = nullptr;
    int right_src = -1;
    for (int s = item.source; s < item.source_end && !right; s++) {
      for (const auto& c : scope_.sources[s].cols) {
        if (IEquals(c.name, n)) {
          right = &c;
          right_src = s;
          break;
        }
      }
    }
    if (!left || !right) {
      return Err("cannot join using column " + n + " - column not present in both tables");
    }
    // With a RIGHT or FULL join in the clause, the USING column would be a coalesce of every
    // left table that has it: SQLite rejects that unless those tables were joined USING it.
    for (int l = left_src + 1; has_right_join_ && l < item.source; l++) {
      if (scope_.sources[l].hidden.count(Lower(n))) continue;
      for (const auto& lc : scope_.sources[l].cols) {
        if (IEquals(lc.name, n)) return Err("ambiguous reference to " + n + " in USING()");
      }
    }
    scope_.MarkUsed(left->slot);
    scope_.MarkUsed(right->slot);
    auto l = MakeSlot(scope_.level, left->slot, left->affinity, Resolved(ctx_, left->collation),
                      left->has_collation);
    auto r = MakeSlot(scope_.level, right->slot, right->affinity, Resolved(ctx_, right->collation),
                      right->has_collation);
    Affinity aff = ComparisonAffinity(l->affinity, r->affinity);
    DOSQL_ASSIGN_OR_RETURN(Collation coll, Need(ctx_, PickCollation(*l, *r)));
    item.using_keys.push_back(
        FromItem::UsingKey{left->slot, right->slot, left->affinity, right->affinity, aff, coll});
    preds.push_back(std::make_unique<CompareCExpr>(CompareOp::kEq, std::move(l), std::move(r),
                                                   aff, coll));
    if (ji.kind == parser::JoinKind::kRight || ji.kind == parser::JoinKind::kFull) {
      scope_.sources[left_src].coalesce[Lower(n)] = *right;
    }
    scope_.sources[right_src].hidden.insert(Lower(n));
  }
  item.using_pred = AndAll(std::move(preds));
  return Status::OK();
}

// Describes `colside op other` as an access form if colside is a column of one source of this
// level and `other` does not read that source.
bool FromPlanner::MakeForm(const parser::Expr* colside, const parser::Expr* other,
                           parser::BinaryOp op, bool flipped, Conjunct::Form* out) {
  using B = parser::BinaryOp;
  // A column, possibly with a COLLATE (which then is the comparison's collation, so an index
  // declared with that collation serves it).
  const parser::Expr* bare = colside;
  while (bare->Is<parser::CollateExpr>()) bare = bare->As<parser::CollateExpr>().operand.get();
  if (!bare->Is<parser::ColumnRef>()) return false;
  uint64_t* saved = scope_.ref_mask;
  int saved_min = scope_.min_ref_level;
  uint64_t cm = 0, om = 0;
  scope_.ref_mask = &cm;
  auto cr = Binder(ctx_, scope_).Compile(*colside);
  scope_.ref_mask = &om;
  auto orr = Binder(ctx_, scope_).Compile(*other);
  scope_.ref_mask = saved;
  scope_.min_ref_level = saved_min;
  if (!cr.ok() || !orr.ok()) return false;
  CExprPtr ce = std::move(cr).value();
  if (ce->column_level != scope_.level || ce->column_slot < 0) return false;
  if (__builtin_popcountll(cm) != 1 || (om & cm)) return false;
  int src = __builtin_ctzll(cm);
  const SourceBinding& sb = scope_.sources[src];
  out->src = src;
  out->col = ce->column_slot == sb.rowid_slot ? -2 : ce->column_slot - sb.base;
  if (flipped) {
    if (op == B::kLt) op = B::kGt;
    else if (op == B::kLe) op = B::kGe;
    else if (op == B::kGt) op = B::kLt;
    else if (op == B::kGe) op = B::kLe;
  }
  out->op = op;
  CExprPtr oe = std::move(orr).value();
  out->cmp_affinity = ComparisonAffinity(ce->affinity, oe->affinity);
  out->cmp_collation = PickCollation(flipped ? *oe : *ce, flipped ? *ce : *oe);
  out->other = std::move(oe);
  out->other_mask = om;
  return true;
}

Result<std::vector<Conjunct>> FromPlanner::MakeConjunct(const parser::Expr* e) {
  std::vector<Conjunct> out;
  Conjunct c;
  c.ast = e;
  uint64_t mask = 0;
  uint64_t* saved = scope_.ref_mask;
  scope_.ref_mask = &mask;
  int saved_min = scope_.min_ref_level;
  scope_.min_ref_level = INT_MAX;
  Binder b(ctx_, scope_);
  auto r = b.Compile(*e);
  scope_.ref_mask = saved;
  c.outer_ref = scope_.min_ref_level < scope_.level;
  scope_.min_ref_level = std::min(saved_min, scope_.min_ref_level);
  DOSQL_RETURN_IF_ERROR(r.status());
  c.expr = std::move(r).value();
  c.mask = mask;
  auto set_primary = [](Conjunct* c, Conjunct::Form&& f) {
    c->src = f.src;
    c->col = f.col;
    c->op = f.op;
    c->other = std::move(f.other);
    c->other_mask = f.other_mask;
    c->cmp_affinity = f.cmp_affinity;
    c->cmp_collation = f.cmp_collation;
  };
  using B = parser::BinaryOp;
  if (e->Is<parser::BinaryExpr>()) {
    // `column op expr`, either way round; both ways when both sides are columns.
    const auto& be = e->As<parser::BinaryExpr>();
    if (be.op == B::kEq || be.op == B::kLt || be.op == B::kLe || be.op == B::kGt ||
        be.op == B::kGe) {
      Conjunct::Form f0, f1;
      bool ok0 = MakeForm(be.left.get(), be.right.get(), be.op, false, &f0);
      bool ok1 = MakeForm(be.right.get(), be.left.get(), be.op, true, &f1);
      if (ok0) {
        set_primary(&c, std::move(f0));
        if (ok1) c.alt = std::make_unique<Conjunct::Form>(std::move(f1));
      } else if (ok1) {
        set_primary(&c, std::move(f1));
      }
    }
  } else if (e->Is<parser::InExpr>() && !e->As<parser::InExpr>().negated &&
             e->As<parser::InExpr>().operand->Is<parser::ColumnRef>() &&
             e->As<parser::InExpr>().kind != parser::InExpr::Kind::kTable && !c.outer_ref &&
             __builtin_popcountll(c.mask) == 1) {
    // column IN (...): the column's source and column; the values come at Leaf time.
    const auto& in = e->As<parser::InExpr>();
    Conjunct::Form f;
    auto null_lit = std::make_unique<parser::Literal>();
    if (MakeForm(in.operand.get(), null_lit.get(), B::kEq, false, &f)) {
      c.in_expr = &in;
      c.in_src = f.src;
      c.in_col = f.col;
      c.in_col_affinity = f.cmp_affinity;  // the column's own (compared with a NULL literal)
      c.in_collation = f.cmp_collation;
    }
  } else if (e->Is<parser::BetweenExpr>() && !e->As<parser::BetweenExpr>().negated) {
    // x BETWEEN lo AND hi: x >= lo (this conjunct, which also filters) and x <= hi (an
    // access-path-only conjunct without a filter of its own).
    const auto& be = e->As<parser::BetweenExpr>();
    Conjunct::Form lo, hi;
    if (MakeForm(be.operand.get(), be.low.get(), B::kGe, false, &lo) &&
        MakeForm(be.operand.get(), be.high.get(), B::kLe, false, &hi)) {
      set_primary(&c, std::move(lo));
      Conjunct upper;
      upper.ast = e;
      upper.mask = c.mask;
      upper.outer_ref = c.outer_ref;
      set_primary(&upper, std::move(hi));
      out.push_back(std::move(c));
      out.push_back(std::move(upper));
      return out;
    }
  }
  out.push_back(std::move(c));
  return out;
}

Status FromPlanner::AddImpliedTerms(const parser::Expr* or_term,
                                    std::vector<std::unique_ptr<Conjunct>>* conj) {
  std::vector<const parser::Expr*> branches;
  SplitDisjuncts(or_term, &branches);
  if (branches.size() < 2) return Status::OK();
  // Each branch's harmless comparisons on one source, compiled, with that source's bit.
  struct Part {
    uint64_t mask;
    CExprPtr expr;
  };
  std::vector<std::vector<Part>> parts(branches.size());
  uint64_t candidates = ~uint64_t{0};
  for (size_t b = 0; b < branches.size(); b++) {
    std::vector<const parser::Expr*> terms;
    SplitConjuncts(branches[b], &terms);
    uint64_t here = 0;
    for (const parser::Expr* t : terms) {
      if (!HarmlessComparison(t)) continue;
      DOSQL_ASSIGN_OR_RETURN(std::vector<Conjunct> cs, MakeConjunct(t));
      Conjunct& c = cs.front();
      if (c.outer_ref || __builtin_popcountll(c.mask) != 1) continue;
      here |= c.mask;
      parts[b].push_back(Part{c.mask, std::move(c.expr)});
    }
    candidates &= here;
  }
  for (uint64_t left = candidates; left != 0; left &= left - 1) {
    const uint64_t bit = left & -left;
    CExprPtr any;
    for (auto& branch : parts) {
      std::vector<CExprPtr> mine;
      for (Part& part : branch) {
        if (part.mask == bit) mine.push_back(std::move(part.expr));
      }
      CExprPtr all = AndAll(std::move(mine));
      any =
          any ? std::make_unique<AndOrExpr>(false, std::move(any), std::move(all)) : std::move(all);
    }
    auto c = std::make_unique<Conjunct>();
    c->ast = or_term;
    c->expr = std::move(any);
    c->mask = bit;
    conj->push_back(std::move(c));
  }
  return Status::OK();
}

// Can an index on a column with `col_aff`/`col_coll` serve `col op value` compared under
// `cmp_aff`/`cmp_coll`? Stored values must compare the same way in the key order.
bool IndexUsable(Affinity col_aff, const Collation& col_coll, Affinity cmp_aff,
                 const Collation& cmp_coll) {
  if (col_coll != cmp_coll) return false;
  bool cmp_none = cmp_aff == Affinity::kNone || cmp_aff == Affinity::kBlob;
  if (cmp_none) return true;
  if (IsNumericAffinity(cmp_aff) && IsNumericAffinity(col_aff)) return true;
  if (cmp_aff == Affinity::kText && col_aff == Affinity::kText) return true;
  return false;
}

Result<OpPtr> FromPlanner::Leaf(FromItem& item, std::vector<Conjunct*>& local,
                                std::vector<Conjunct*>& eqs, uint64_t available,
                                bool* correlated_to_left) {
  *correlated_to_left = false;
  const int level = scope_.level;
  if (ctx_.reads && item.kind == FromItem::Kind::kTable) ctx_.reads->insert(item.table);
  if (ctx_.reads && item.kind == FromItem::Kind::kFunction) ctx_.reads->insert(nullptr);
  if (item.kind == FromItem::Kind::kNested) return std::move(item.nested);
  if (item.kind == FromItem::Kind::kSubquery) {
    const SourceBinding& sb = scope_.sources[item.source];
    auto op = std::make_unique<RowSrcScanOp>(std::move(item.subquery), level, sb.base, item.width,
                                             item.alias);
    op->materialize = item.subquery_materialize;
    return OpPtr(std::move(op));
  }
  if (item.kind == FromItem::Kind::kFunction) {
    *correlated_to_left = (item.depends & available) != 0;
    return OpPtr(std::make_unique<TableFunctionOp>(std::move(*item.function),
                                                   std::move(item.function_args), level,
                                                   scope_.sources[item.source].base));
  }
  if (item.kind == FromItem::Kind::kBuffer) {
    const SourceBinding& sb = scope_.sources[item.source];
    return OpPtr(std::make_unique<BufferScanOp>(item.buffer, level, sb.base, item.width,
                                                item.alias));
  }
  const TableInfo* t = item.table;
  const SourceBinding& sb = scope_.sources[item.source];
  bool not_indexed = item.table_ref &&
                     item.table_ref->indexed == parser::TableName::Indexed::kNotIndexed;
  // Candidates: constraints on this source whose other side is available (outer levels,
  // earlier sources) — from local conjuncts (other side constant) and join equalities.
  std::vector<Conjunct*> cands;
  for (Conjunct* c : local) {
    if (c->src == item.source && (c->other_mask & ~available) == 0) cands.push_back(c);
  }
  for (Conjunct* c : eqs) {
    if (c->src == item.source && (c->other_mask & ~available) == 0) cands.push_back(c);
  }
  auto uses_left = [&](Conjunct* c) { return c->other_mask != 0; };
  std::vector<CExprPtr> owned;
  auto take = [&](Conjunct* c) {
    const CExpr* p = c->other.get();
    owned.push_back(std::move(c->other));
    return p;
  };
  // Marks the conjuncts an access path enforces exactly (`exact`: those it took). A BETWEEN is
  // its lower half's test: enforced only when its upper half (no test of its own) was taken too.
  auto enforce = [](const std::vector<Conjunct*>& exact) {
    for (Conjunct* c : exact) {
      if (c->expr == nullptr) continue;
      if (c->ast != nullptr && c->ast->Is<parser::BetweenExpr>()) {
        bool upper = false;
        for (Conjunct* u : exact) upper |= u != c && u->ast == c->ast && u->expr == nullptr;
        if (!upper) continue;
      }
      c->enforced = true;
    }
  };
  // 1. rowid equality.
  if (!t->without_rowid) {
    for (Conjunct* c : cands) {
      if ((c->col == -2 || (c->col >= 0 && c->col == t->rowid_alias)) &&
          c->op == parser::BinaryOp::kEq) {
        auto op = std::make_unique<TableScanOp>(t, level, sb.base, sb.rowid_slot);
        TrackScan(item.source, &op->needed_columns);
        op->rowid_eq = take(c);
        enforce({c});  // (the rowid as SQLite compares it: TableScanOp::Open)
        op->owned = std::move(owned);
        op->alias = item.alias;
        *correlated_to_left = uses_left(c);
        if (!order_hint_.empty() && items_.size() == 1) order_satisfied_ = true;  // one row
        return OpPtr(std::move(op));
      }
    }
  }
  // 1b. column IN (list or uncorrelated subquery): one rowid or index lookup per value, unless
  // an equality does better.
  bool has_eq = false;
  for (Conjunct* c : cands) has_eq |= c->op == parser::BinaryOp::kEq && c->src == item.source;
  for (Conjunct* c : has_eq ? std::vector<Conjunct*>{} : local) {
    if (!c->in_expr || c->in_src != item.source) continue;
    Affinity rhs_aff = Affinity::kNone;
    auto values = Binder(ctx_, scope_).InValuesOf(*c->in_expr, &rhs_aff);
    if (!values.ok()) continue;
    Affinity cmp_aff = ComparisonAffinity(c->in_col_affinity, rhs_aff);
    auto current = std::make_shared<Value>();
    auto cur_expr = std::make_unique<CurrentValueExpr>(current);
    OpPtr child;
    DOSQL_ASSIGN_OR_RETURN(Collation coll, Need(ctx_, c->in_collation));
    bool is_rowid = c->in_col == -2 || (c->in_col >= 0 && c->in_col == t->rowid_alias);
    if (is_rowid && !t->without_rowid) {
      auto op = std::make_unique<TableScanOp>(t, level, sb.base, sb.rowid_slot);
      TrackScan(item.source, &op->needed_columns);
      op->rowid_eq = cur_expr.get();
      op->owned.push_back(std::move(cur_expr));
      op->alias = item.alias;
      child = std::move(op);
      coll = Collation::kBinary;
    } else if (c->in_col >= 0 && !not_indexed) {
      const ColumnInfo& ci = t->columns[c->in_col];
      for (const auto& idx : t->indexes) {
        if (idx->where || idx->columns.empty() || idx->columns[0].column != c->in_col) continue;
        if (!IndexUsable(ci.affinity, idx->columns[0].collation, cmp_aff, c->in_collation)) continue;
        if (item.table_ref && item.table_ref->indexed == parser::TableName::Indexed::kIndexedBy &&
            !IEquals(item.table_ref->index_name.name, idx->name)) {
          continue;
        }
        auto op = std::make_unique<IndexScanOp>(t, idx.get(), level, sb.base, sb.rowid_slot);
        TrackScan(item.source, &op->needed_columns);
        op->eq.push_back(cur_expr.get());
        op->eq_affinity.push_back(cmp_aff);
        op->owned.push_back(std::move(cur_expr));
        DOSQL_RETURN_IF_ERROR(SetIndexCollations(ctx_, op.get(), *idx, 1));
        op->alias = item.alias;
        child = std::move(op);
        break;
      }
    }
    if (!child) continue;
    return OpPtr(std::make_unique<InLookupOp>(std::move(child), std::move(values).value(), current,
                                              cmp_aff, coll));
  }
  // 2. index with equality on a prefix (longest prefix wins).
  if (!not_indexed) {
    const IndexInfo* best = nullptr;
    std::vector<Conjunct*> best_eq;
    Conjunct* best_lo = nullptr;
    Conjunct* best_hi = nullptr;
    int best_score = 0;
    for (const auto& idx : t->indexes) {
      if (idx->where) continue;  // partial indexes: not used for lookups yet
      if (item.table_ref && item.table_ref->indexed == parser::TableName::Indexed::kIndexedBy &&
          !IEquals(item.table_ref->index_name.name, idx->name)) {
        continue;
      }
      std::vector<Conjunct*> eq;
      Conjunct* lo = nullptr;
      Conjunct* hi = nullptr;
      for (const IndexColumn& ic : idx->columns) {
        if (ic.column < 0) break;
        const ColumnInfo& ci = t->columns[ic.column];
        Conjunct* hit = nullptr;
        for (Conjunct* c : cands) {
          // A conjunct serves one index column (an index may list a column twice).
          if (c->col == ic.column && c->op == parser::BinaryOp::kEq &&
              std::find(eq.begin(), eq.end(), c) == eq.end() &&
              IndexUsable(ci.affinity, ic.collation, c->cmp_affinity, c->cmp_collation)) {
            hit = c;
            break;
          }
        }
        if (hit) {
          eq.push_back(hit);
          continue;
        }
        for (Conjunct* c : cands) {
          if (c->col != ic.column || c->op == parser::BinaryOp::kEq) continue;
          if (!IndexUsable(ci.affinity, ic.collation, c->cmp_affinity, c->cmp_collation)) continue;
          if ((c->op == parser::BinaryOp::kGt || c->op == parser::BinaryOp::kGe) && !lo) lo = c;
          if ((c->op == parser::BinaryOp::kLt || c->op == parser::BinaryOp::kLe) && !hi) hi = c;
        }
        break;
      }
      int score = static_cast<int>(eq.size()) * 4 + (lo ? 1 : 0) + (hi ? 1 : 0);
      if (idx->unique && eq.size() == idx->columns.size()) score += 2;
      // ANALYZE statistics break ties: the index whose key prefix matches fewer rows.
      auto est = [&](const IndexInfo& i, size_t neq) {
        return neq > 0 && i.stat.size() > neq ? i.stat[neq] : INT64_MAX;
      };
      bool better = score > best_score ||
                    (score == best_score && best && score > 0 &&
                     est(*idx, eq.size()) < est(*best, best_eq.size()));
      if (better) {
        best_score = score;
        best = idx.get();
        best_eq = eq;
        best_lo = lo;
        best_hi = hi;
      }
    }
    if (best) {
      auto op = std::make_unique<IndexScanOp>(t, best, level, sb.base, sb.rowid_slot);
      TrackScan(item.source, &op->needed_columns);
      bool rev = false;
      if (items_.size() == 1 && IndexGivesOrder(*t, *best, best_eq.size(), &rev)) {
        op->reverse = rev;
        order_satisfied_ = true;
      }
      bool left = false;
      for (Conjunct* c : best_eq) {
        op->eq.push_back(take(c));
        op->eq_affinity.push_back(c->cmp_affinity);
        left |= uses_left(c);
      }
      if (best_lo) {
        op->lo = take(best_lo);
        op->lo_inclusive = best_lo->op == parser::BinaryOp::kGe;
        op->lo_affinity = best_lo->cmp_affinity;
        left |= uses_left(best_lo);
      }
      if (best_hi) {
        op->hi = take(best_hi);
        op->hi_inclusive = best_hi->op == parser::BinaryOp::kLe;
        op->hi_affinity = best_hi->cmp_affinity;
        left |= uses_left(best_hi);
      }
      DOSQL_RETURN_IF_ERROR(SetIndexCollations(
          ctx_, op.get(), *best,
          order_satisfied_ ? best->columns.size()
                           : best_eq.size() + (best_lo || best_hi ? 1 : 0)));
      // The key's prefix and range are exact (IndexScanOp::Open: each comparison's affinity,
      // NULL never matching, the index's collation) unless a column stores labels, whose bounds
      // are inexact.
      if (!IsLabelledIndex(*best)) {
        std::vector<Conjunct*> exact = best_eq;
        if (best_lo) exact.push_back(best_lo);
        if (best_hi) exact.push_back(best_hi);
        enforce(exact);
      }
      op->alias = item.alias;
      op->owned = std::move(owned);
      *correlated_to_left = left;
      return OpPtr(std::move(op));
    }
  }
  // WITHOUT ROWID tables are read in primary key order (their primary key index).
  if (t->without_rowid && !not_indexed) {
    for (const auto& idx : t->indexes) {
      if (!idx->primary_key) continue;
      auto op = std::make_unique<IndexScanOp>(t, idx.get(), level, sb.base, sb.rowid_slot);
      TrackScan(item.source, &op->needed_columns);
      op->alias = item.alias;
      bool rev = false;
      if (items_.size() == 1 && IndexGivesOrder(*t, *idx, 0, &rev)) {
        op->reverse = rev;
        order_satisfied_ = true;
      }
      DOSQL_RETURN_IF_ERROR(
          SetIndexCollations(ctx_, op.get(), *idx, order_satisfied_ ? idx->columns.size() : 0));
      return OpPtr(std::move(op));
    }
  }
  // 3. rowid range.
  auto op = std::make_unique<TableScanOp>(t, level, sb.base, sb.rowid_slot);
  TrackScan(item.source, &op->needed_columns);
  op->alias = item.alias;
  std::vector<Conjunct*> rowid_bounds;
  if (!t->without_rowid) {
    for (Conjunct* c : cands) {
      if (!(c->col == -2 || (c->col >= 0 && c->col == t->rowid_alias))) continue;
      if (uses_left(c)) continue;
      if ((c->op == parser::BinaryOp::kGt || c->op == parser::BinaryOp::kGe) && !op->rowid_lo) {
        op->rowid_lo = take(c);
        op->lo_inclusive = c->op == parser::BinaryOp::kGe;
        rowid_bounds.push_back(c);
      } else if ((c->op == parser::BinaryOp::kLt || c->op == parser::BinaryOp::kLe) &&
                 !op->rowid_hi) {
        op->rowid_hi = take(c);
        op->hi_inclusive = c->op == parser::BinaryOp::kLe;
        rowid_bounds.push_back(c);
      }
    }
  }
  if (items_.size() == 1 && !order_hint_.empty()) {
    const OrderTerm& first = order_hint_[0];
    bool rowid_order = order_hint_.size() == 1 &&
                       (first.col == -2 || (first.col >= 0 && first.col == t->rowid_alias));
    if (rowid_order && !t->without_rowid) {
      op->reverse = first.desc;
      order_satisfied_ = true;
    } else if (!op->rowid_lo && !op->rowid_hi && !not_indexed) {
      // A full scan in the wanted order: walk an index instead of sorting.
      for (const auto& idx : t->indexes) {
        bool rev = false;
        if (!IndexGivesOrder(*t, *idx, 0, &rev)) continue;
        auto iop = std::make_unique<IndexScanOp>(t, idx.get(), level, sb.base, sb.rowid_slot);
        TrackScan(item.source, &iop->needed_columns);
        iop->alias = item.alias;
        iop->reverse = rev;
        iop->owned = std::move(owned);
        order_satisfied_ = true;
        DOSQL_RETURN_IF_ERROR(SetIndexCollations(ctx_, iop.get(), *idx, idx->columns.size()));
        UntrackScan(&op->needed_columns);  // `op` is dropped for the index walk
        return OpPtr(std::move(iop));
      }
    }
  }
  enforce(rowid_bounds);  // (converted as SQLite compares the rowid: TableScanOp::Open)
  op->owned = std::move(owned);
  return OpPtr(std::move(op));
}

Result<OpPtr> FromPlanner::Build(const parser::Expr* where, const PushedTerms* pushed) {
  const int level = scope_.level;
  // Conjuncts: WHERE, and ON of inner joins (equivalent to WHERE).
  std::vector<std::unique_ptr<Conjunct>> conj;
  bool has_outer = false;
  bool has_right_full = false;  // WHERE terms then wait until every join is done
  for (const auto& it : items_) {
    if (it.join == parser::JoinKind::kLeft || it.join == parser::JoinKind::kRight ||
        it.join == parser::JoinKind::kFull) {
      has_outer = true;
    }
    if (it.join == parser::JoinKind::kRight || it.join == parser::JoinKind::kFull) {
      has_right_full = true;
    }
  }
  std::vector<const parser::Expr*> parts;
  SplitConjuncts(where, &parts);
  // WHERE terms that read no table of this query (constants, columns of enclosing queries) are
  // the same for every row: as SQLite, one without subqueries is tested once before the first
  // row (so that an error in it is raised even when there are no rows), one with subqueries
  // (SQLite tests it at its outermost loop) once at the first row.
  std::vector<CExprPtr> invariant_before, invariant_first_row;
  for (const parser::Expr* p : parts) {
    const int volatile_before = ctx_.volatile_calls;
    DOSQL_ASSIGN_OR_RETURN(std::vector<Conjunct> cs, MakeConjunct(p));
    const bool invariant = ctx_.volatile_calls == volatile_before;
    for (auto& c : cs) {
      if (invariant && c.mask == 0) {
        std::vector<const parser::ColumnRef*> refs;
        (PushableExpr(p, ctx_.conn, &refs) ? invariant_before : invariant_first_row)
            .push_back(std::move(c.expr));
        continue;
      }
      conj.push_back(std::make_unique<Conjunct>(std::move(c)));
    }
  }
  // An OR whose every branch constrains one table by itself implies the OR of those constraints,
  // a term on that table alone: tested as it is read, it drops rows before they are joined (TPC-H
  // Q19: each branch limits lineitem's quantity, shipmode and shipinstruct, so lineitem rows that
  // no branch can accept are not looked up in part). The OR itself stays and decides.
  if (!has_outer && items_.size() > 1) {
    for (const parser::Expr* p : parts) {
      DOSQL_RETURN_IF_ERROR(AddImpliedTerms(p, &conj));
    }
  }
  // Pushed terms filter like this WHERE's own. One that does not compile here is left to the
  // enclosing query, which still tests every term and reports any error in it.
  for (const parser::Expr* p : pushed ? pushed->terms : std::vector<const parser::Expr*>{}) {
    const int saved_offset = ctx_.conn ? ctx_.conn->error_offset : -1;
    auto cs = MakeConjunct(p);
    if (ctx_.conn) ctx_.conn->error_offset = saved_offset;
    if (!cs.ok()) continue;
    for (auto& c : cs.value()) conj.push_back(std::make_unique<Conjunct>(std::move(c)));
  }
  std::vector<std::vector<std::unique_ptr<Conjunct>>> on_conj(items_.size());
  for (size_t i = 0; i < items_.size(); i++) {
    if (!items_[i].on) continue;
    std::vector<const parser::Expr*> on_parts;
    SplitConjuncts(items_[i].on, &on_parts);
    bool inner = items_[i].join == parser::JoinKind::kInner ||
                 items_[i].join == parser::JoinKind::kComma ||
                 items_[i].join == parser::JoinKind::kCross;
    for (const parser::Expr* p : on_parts) {
      DOSQL_ASSIGN_OR_RETURN(std::vector<Conjunct> cs, MakeConjunct(p));
      for (auto& c : cs) {
        if (inner && !has_outer) {
          c.from_on = true;
          conj.push_back(std::make_unique<Conjunct>(std::move(c)));
        } else {
          on_conj[i].push_back(std::make_unique<Conjunct>(std::move(c)));
        }
      }
    }
  }
  auto src_mask = [&](const FromItem& it) {
    uint64_t m = 0;
    for (int s = it.source; s < it.source_end && s < 64; s++) m |= uint64_t{1} << s;
    if (it.source_end > 64) m = ~uint64_t{0};
    return m;
  };
  // Join order: for inner joins only (no outer joins, USING or nested joins), a greedy order:
  // start with the most constrained item, then always join an item connected to what is
  // already joined by an equality (hash join or index lookup) before any cross product.
  bool reorderable = !has_outer && items_.size() > 1 && items_.size() <= 64;
  for (const auto& it : items_) {
    if (it.using_pred || it.kind == FromItem::Kind::kNested || it.source_end - it.source != 1) {
      reorderable = false;
    }
    if (it.table_ref && it.join == parser::JoinKind::kCross) reorderable = false;
    if (it.depends != 0) reorderable = false;
  }
  if (reorderable) {
    auto local_score = [&](const FromItem& it) {
      uint64_t mine = src_mask(it);
      int score = 4;
      for (const auto& c : conj) {
        if (c->mask != mine) continue;
        score = std::min(score, 3);
        if (c->src == it.source && c->op == parser::BinaryOp::kEq && c->other_mask == 0) {
          bool keyed = false;
          if (it.table && (c->col == -2 || (c->col >= 0 && c->col == it.table->rowid_alias))) {
            keyed = true;
          }
          if (it.table && c->col >= 0) {
            for (const auto& idx : it.table->indexes) {
              if (idx->unique && idx->columns.size() == 1 && idx->columns[0].column == c->col) {
                keyed = true;
              }
            }
          }
          score = std::min(score, keyed ? 1 : 2);
        }
      }
      if (it.kind != FromItem::Kind::kTable) score = std::min(score + 1, 4);
      return score;
    };
    std::vector<int> scores;
    for (const auto& it : items_) scores.push_back(local_score(it));
    std::vector<bool> used(items_.size(), false);
    std::vector<size_t> order;
    uint64_t have = 0;
    for (size_t step = 0; step < items_.size(); step++) {
      int best = -1;
      int best_rank = INT_MAX;
      for (size_t i = 0; i < items_.size(); i++) {
        if (used[i]) continue;
        uint64_t mine = src_mask(items_[i]);
        bool connected = false;
        for (const auto& c : conj) {
          if ((c->mask & mine) && (c->mask & have) && (c->mask & ~(have | mine)) == 0 &&
              c->op == parser::BinaryOp::kEq && c->src >= 0) {
            connected = true;
          }
        }
        int rank = (step == 0 || connected ? 0 : 10) + scores[i];
        if (rank < best_rank) {
          best_rank = rank;
          best = static_cast<int>(i);
        }
      }
      used[static_cast<size_t>(best)] = true;
      order.push_back(static_cast<size_t>(best));
      have |= src_mask(items_[static_cast<size_t>(best)]);
    }
    // The greedy order above ignores fan-out and table sizes: joining many rows per outer row
    // (a hash join on a non-key column) early multiplies the work of everything after it, and
    // scanning the biggest table may cost more than reaching it through a key. Estimate the
    // cost of that order and of the cheapest order (every order up to ten tables, else a
    // cost-driven greedy one from every start) from the tables' sizes (ANALYZE's counts, else
    // an estimate from each table's tree) and SQLite's other assumptions without statistics
    // (~10 rows per value of a non-unique column, a key lookup ~20 scanned rows), and take the
    // cheaper one when it is clearly cheaper (by a fifth of the estimate).
    {
      std::vector<size_t> best_order = CheaperJoinOrder(order, conj);
      if (!best_order.empty()) order = std::move(best_order);
    }
    std::vector<FromItem> reordered;
    for (size_t i : order) reordered.push_back(std::move(items_[i]));
    items_ = std::move(reordered);
  }
  OpPtr tree;
  uint64_t available = 0;
  for (size_t i = 0; i < items_.size(); i++) {
    FromItem& item = items_[i];
    uint64_t mine = src_mask(item);
    parser::JoinKind jk = item.join;
    bool outer_join = jk == parser::JoinKind::kLeft || jk == parser::JoinKind::kRight ||
                      jk == parser::JoinKind::kFull;
    // Predicates usable at this leaf: WHERE conjuncts referencing only this item (inner joins),
    // or this join's ON conjuncts referencing only this item.
    std::vector<Conjunct*> local, eqs, joinpreds;
    for (auto& c : conj) {
      if (!c->used) c->Orient(mine);
    }
    for (auto& c : on_conj[i]) c->Orient(mine);
    bool preserved_leaf = jk == parser::JoinKind::kRight || jk == parser::JoinKind::kFull;
    auto classify = [&](Conjunct* c, bool allow_local) {
      if (allow_local && (c->mask & ~mine) == 0 && c->mask != 0) {
        local.push_back(c);
        return;
      }
      joinpreds.push_back(c);
      if (!preserved_leaf && c->op == parser::BinaryOp::kEq && c->src >= 0 &&
          ((uint64_t{1} << c->src) & mine) && (c->other_mask & ~available) == 0) {
        eqs.push_back(c);
      }
    };
    if (!outer_join && !has_right_full) {
      for (auto& c : conj) {
        if (c->used) continue;
        if ((c->mask & ~(available | mine)) != 0) continue;
        if ((c->mask & mine) == 0 && c->mask != 0) continue;  // applies to earlier items
        if (c->mask == 0 && i != 0) continue;  // constants/outer refs: first item
        if ((c->mask & ~mine) == 0) {
          local.push_back(c.get());
        } else {
          classify(c.get(), false);
        }
      }
    }
    // This join's own ON terms: for inner and LEFT joins, terms on the joined item alone
    // filter it; for RIGHT and FULL joins every term is part of the join condition.
    for (auto& c : on_conj[i]) {
      if (!outer_join && (c->mask & ~mine) == 0 && c->mask == 0 && i == 0) {
        local.push_back(c.get());
        continue;
      }
      classify(c.get(), !preserved_leaf);
    }
    bool correlated = false;
    // The first item of a join that runs once is read once: a subquery there needs no copy.
    if (i == 0 && runs_once_ && !has_right_full) item.subquery_materialize = false;
    DOSQL_ASSIGN_OR_RETURN(OpPtr leaf, Leaf(item, local, eqs, available, &correlated));
    // Local filters (the access path's conjuncts stay as filters: they are cheap and exact).
    std::vector<CExprPtr> lf;
    bool leaf_outer_ref = false;
    for (Conjunct* c : local) {
      leaf_outer_ref |= c->outer_ref;
      if (!c->enforced) lf.push_back(std::move(c->expr));
      c->used = true;
    }
    if (auto* scan = dynamic_cast<TableScanOp*>(leaf.get())) {
      // Terms a table scan can test on the stored record, before it decodes the row.
      for (const CExprPtr& e : lf) {
        const CExpr* c = e.get();
        if (const auto* cc = dynamic_cast<const ColumnConstCompare*>(c)) {
          cc->AppendRecordTests(*scan, &scan->record_tests);
        } else if (const auto* ce = dynamic_cast<const CompareCExpr*>(c)) {
          ce->AppendRecordTests(*scan, &scan->record_tests);
        } else if (const auto* be = dynamic_cast<const BetweenCExpr*>(c)) {
          be->AppendRecordTests(*scan, &scan->record_tests);
        } else if (const auto* le = dynamic_cast<const LikeCExpr*>(c)) {
          le->AppendRecordTests(*scan, &scan->record_tests);
        } else if (const auto* ie = dynamic_cast<const InListExpr*>(c)) {
          ie->AppendRecordTests(*scan, &scan->record_tests);
        }
      }
      // The likeliest to reject first (a row stops at its first rejection): equality and IN,
      // then other tests against a value, then two columns compared (often true for half the
      // rows); the tests of one column stay together (RecordRejected reads it once).
      auto rank = [](const TableScanOp::RecordTest& t) {
        if (t.other_column >= 0) return 2;
        return t.in || (!t.like && t.op == CompareOp::kEq) ? 0 : 1;
      };
      std::stable_sort(scan->record_tests.begin(), scan->record_tests.end(),
                       [&](const auto& x, const auto& y) { return rank(x) < rank(y); });
    }
    {
      CExprPtr f = AndAll(std::move(lf));
      if (f) leaf = std::make_unique<FilterOp>(std::move(leaf), std::move(f));
    }
    if (!tree) {
      tree = std::move(leaf);
      // Remaining join predicates at the first position are constants: filter.
      std::vector<CExprPtr> jf;
      for (Conjunct* c : joinpreds) {
        jf.push_back(std::move(c->expr));
        c->used = true;
      }
      if (item.using_pred) jf.push_back(std::move(item.using_pred));
      {
      CExprPtr f = AndAll(std::move(jf));
      if (f) tree = std::make_unique<FilterOp>(std::move(tree), std::move(f));
    }
      available |= mine;
      continue;
    }
    // Join condition: join predicates + USING.
    std::vector<CExprPtr> on_parts;
    std::vector<Conjunct*> hash_eqs;
    for (Conjunct* c : joinpreds) {
      if (!correlated && item.kind != FromItem::Kind::kNested && c->op == parser::BinaryOp::kEq &&
          c->src >= 0 && ((uint64_t{1} << c->src) & mine) && (c->other_mask & ~available) == 0 &&
          c->other_mask != 0 && c->other) {
        hash_eqs.push_back(c);
      }
    }
    std::vector<CExprPtr> lkeys, rkeys;
    std::vector<Affinity> kaff;
    std::vector<Collation> kcoll;
    for (Conjunct* c : hash_eqs) {
      // Right key: the constrained column of this item; left key: the other side.
      const SourceBinding& sb = scope_.sources[c->src];
      int slot = c->col == -2 ? sb.rowid_slot : sb.cols[c->col].slot;
      Affinity caff = c->col == -2 ? Affinity::kInteger : sb.cols[c->col].affinity;
      rkeys.push_back(MakeSlot(level, slot, caff, Collation::kBinary, false));
      // Re-compile the other side (its compiled copy lives in the conjunct).
      lkeys.push_back(std::move(c->other));
      kaff.push_back(c->cmp_affinity);
      DOSQL_ASSIGN_OR_RETURN(Collation kc, Need(ctx_, c->cmp_collation));
      kcoll.push_back(std::move(kc));
    }
    // USING / NATURAL equalities key a hash join too (the condition below still tests them).
    if (!correlated && item.kind != FromItem::Kind::kNested && item.using_pred) {
      for (const FromItem::UsingKey& k : item.using_keys) {
        rkeys.push_back(MakeSlot(level, k.right_slot, k.right_affinity, Collation::kBinary, false));
        lkeys.push_back(MakeSlot(level, k.left_slot, k.left_affinity, Collation::kBinary, false));
        kaff.push_back(k.affinity);
        kcoll.push_back(k.collation);
      }
    }
    for (Conjunct* c : joinpreds) {
      if (!c->enforced) on_parts.push_back(std::move(c->expr));
      c->used = true;
    }
    if (item.using_pred) on_parts.push_back(std::move(item.using_pred));
    CExprPtr on = AndAll(std::move(on_parts));
    JoinType jt = jk == parser::JoinKind::kLeft   ? JoinType::kLeft
                  : jk == parser::JoinKind::kFull ? JoinType::kFull
                                                  : JoinType::kInner;
    std::vector<int> right_slots;
    for (int s = item.source; s < item.source_end; s++) {
      const SourceBinding& sb = scope_.sources[s];
      for (const auto& cb : sb.cols) right_slots.push_back(cb.slot);
      if (sb.rowid_slot >= 0) right_slots.push_back(sb.rowid_slot);
    }
    if (jk == parser::JoinKind::kRight) {
      // a RIGHT JOIN b == b LEFT JOIN a (slots are addressed by binding, not position).
      auto j = std::make_unique<NestedLoopJoinOp>(std::move(leaf), std::move(tree), std::move(on),
                                                  JoinType::kLeft);
      tree = std::move(j);
    } else if (!lkeys.empty() && jt != JoinType::kFull) {
      auto j = std::make_unique<HashJoinOp>(std::move(tree), std::move(leaf), std::move(lkeys),
                                            std::move(rkeys), std::move(kaff), std::move(kcoll),
                                            std::move(on), jt);
      j->right_level = level;
      j->right_slots = std::move(right_slots);
      TrackSlots(&j->right_slots);
      tree = std::move(j);
    } else {
      if (!correlated && !leaf_outer_ref && item.kind == FromItem::Kind::kTable &&
          jt != JoinType::kFull) {
        // The inner side does not depend on the outer rows: read it once per execution.
        auto m = std::make_unique<MaterializeOp>(std::move(leaf), level, right_slots);
        TrackSlots(m->slots());
        leaf = std::move(m);
      }
      auto j =
          std::make_unique<NestedLoopJoinOp>(std::move(tree), std::move(leaf), std::move(on), jt);
      j->right_level = level;
      j->right_slots = std::move(right_slots);
      TrackSlots(&j->right_slots);
      tree = std::move(j);
    }
    available |= mine;
    // WHERE conjuncts that became fully available after an outer join: filter on top.
    if (outer_join && !has_right_full) {
      std::vector<CExprPtr> wf;
      for (auto& c : conj) {
        if (c->used || (c->mask & ~available) != 0) continue;
        wf.push_back(std::move(c->expr));
        c->used = true;
      }
      {
      CExprPtr f = AndAll(std::move(wf));
      if (f) tree = std::make_unique<FilterOp>(std::move(tree), std::move(f));
    }
    }
  }
  if (!tree) tree = std::make_unique<SingleRowOp>();
  std::vector<CExprPtr> rest;
  for (auto& c : conj) {
    if (!c->used) rest.push_back(std::move(c->expr));
  }
  {
      CExprPtr f = AndAll(std::move(rest));
      if (f) tree = std::make_unique<FilterOp>(std::move(tree), std::move(f));
    }
  if (!invariant_before.empty() || !invariant_first_row.empty()) {
    tree = std::make_unique<InvariantFilterOp>(std::move(tree), AndAll(std::move(invariant_before)),
                                               AndAll(std::move(invariant_first_row)));
  }
  return tree;
}

// ---------------------------------------------------------------------------------------------
// SELECT
// ---------------------------------------------------------------------------------------------

struct CoreResult {
  RowSrcPtr src;
  std::vector<ResultColumnInfo> columns;
  std::vector<ResultColumnInfo> rightmost;  // VALUES of several rows: the last row's (a compound)
  int visible = 0;
};

ResultColumnInfo InfoOf(const CExpr& e, std::string name, std::string decl) {
  ResultColumnInfo info;
  info.name = std::move(name);
  info.decl_type = std::move(decl);
  info.affinity = e.affinity;
  info.collation = e.collation;
  info.has_collation = e.has_collation;
  info.explicit_collation = e.explicit_collation;
  return info;
}

}  // namespace

SortKey SortKeyFor(const parser::OrderingTerm& t, int column) {
  SortKey sk;
  sk.column = column;
  sk.desc = t.direction == parser::SortDirection::kDesc;
  sk.nulls_first = t.nulls == parser::NullsOrder::kDefault ? !sk.desc
                                                           : t.nulls == parser::NullsOrder::kFirst;
  return sk;
}

namespace {

struct OrderSpec {
  const std::vector<parser::OrderingTerm>* terms = nullptr;
  const parser::Expr* limit = nullptr;
  const parser::Expr* offset = nullptr;
};

// Resolves an ORDER BY term to a result column index: a number, an alias, or an expression
// identical to a result expression. -1 if none.
Result<int> MatchResultColumn(const parser::Expr* e, const std::vector<std::string>& names,
                              const std::vector<const parser::Expr*>& exprs, bool compound) {
  const parser::Expr* inner = e;
  while (inner->Is<parser::CollateExpr>()) inner = inner->As<parser::CollateExpr>().operand.get();
  if (inner->Is<parser::Literal>() && inner->As<parser::Literal>().kind == parser::LiteralKind::kInteger) {
    int64_t k = inner->As<parser::Literal>().int_value;
    if (k < 1 || k > static_cast<int64_t>(names.size())) {
      return Status::InvalidArgument("ORDER BY term out of range - should be between 1 and " +
                                     std::to_string(names.size()));
    }
    return static_cast<int>(k - 1);
  }
  if (inner->Is<parser::ColumnRef>() && !inner->As<parser::ColumnRef>().table) {
    const std::string& n = inner->As<parser::ColumnRef>().column.name;
    for (size_t i = 0; i < names.size(); i++) {
      if (!names[i].empty() && IEquals(names[i], n)) return static_cast<int>(i);
    }
  }
  if (compound) {
    std::string want = parser::ToSql(*inner);
    for (size_t i = 0; i < exprs.size(); i++) {
      if (exprs[i] && parser::ToSql(*exprs[i]) == want) return static_cast<int>(i);
    }
  }
  return -1;
}

// The slots an aggregate keeps per group: the bare columns (read outside aggregates).
std::vector<int> SavedSlots(const std::set<int>& bare, int source_slots) {
  std::vector<int> out;
  for (int s : bare) {
    if (s < source_slots) out.push_back(s);
  }
  return out;
}

// `dedup_follows`: the core's rows go into a set operation that removes duplicates (a later
// UNION, EXCEPT or INTERSECT of its compound without ORDER BY), which makes SQLite ignore the
// core's own DISTINCT (it may compare under another collation than the set operation's).
Result<CoreResult> PlanCore(PlanContext& ctx, const parser::SelectCore& core, Scope* outer,
                            int level, std::string_view sql, const OrderSpec* order,
                            int* min_ref_level, bool dedup_follows = false,
                            const PushedTerms* pushed = nullptr) {
  ctx.max_level = std::max(ctx.max_level, level + 1);
  Scope scope;
  scope.parent = outer;
  scope.level = level;
  scope.sql = sql;
  CoreResult out;
  if (core.kind == parser::SelectCore::Kind::kValues) {
    std::vector<std::vector<CExprPtr>> rows;
    size_t width = core.rows.empty() ? 0 : core.rows[0].size();
    for (const auto& r : core.rows) {
      if (r.size() != width) return Err("all VALUES must have the same number of terms");
      std::vector<CExprPtr> exprs;
      for (const auto& e : r) {
        Binder b(ctx, scope);
        DOSQL_ASSIGN_OR_RETURN(CExprPtr c, b.Compile(*e));
        exprs.push_back(std::move(c));
      }
      rows.push_back(std::move(exprs));
    }
    for (size_t i = 0; i < width; i++) {
      ResultColumnInfo info;
      info.name = "column" + std::to_string(i + 1);
      if (!rows.empty()) {
        info.affinity = rows[0][i]->affinity;
        info.collation = rows[0][i]->collation;
        info.has_collation = rows[0][i]->has_collation;
        info.explicit_collation = rows[0][i]->explicit_collation;
      }
      out.columns.push_back(info);
      if (rows.size() > 1) {
        info.affinity = rows.back()[i]->affinity;
        info.collation = rows.back()[i]->collation;
        info.has_collation = rows.back()[i]->has_collation;
        info.explicit_collation = rows.back()[i]->explicit_collation;
        out.rightmost.push_back(info);
      }
    }
    out.src = std::make_unique<ValuesSrc>(std::move(rows), level);
    out.visible = static_cast<int>(width);
    *min_ref_level = std::min(*min_ref_level, scope.min_ref_level);
    // ORDER BY / LIMIT on a lone VALUES.
    if (order && order->terms && !order->terms->empty()) {
      std::vector<std::string> names;
      for (const auto& c : out.columns) names.push_back(c.name);
      std::vector<SortKey> keys;
      for (const auto& t : *order->terms) {
        DOSQL_ASSIGN_OR_RETURN(int k, MatchResultColumn(t.expr.get(), names, {}, true));
        if (k < 0) return Err("1st ORDER BY term does not match any column in the result set");
        SortKey sk = SortKeyFor(t, k);
        keys.push_back(sk);
      }
      out.src = std::make_unique<SortSrc>(std::move(out.src), std::move(keys), out.visible);
    }
    return out;
  }
  // FROM
  FromPlanner fp(ctx, scope);
  fp.SetWhere(core.where.get());
  fp.SetRunsOnce(level == 0);
  if (core.from) DOSQL_RETURN_IF_ERROR(fp.Bind(*core.from));
  int source_slots = scope.nslots;
  // Window functions (they reorder the rows, so no ORDER BY from the access path).
  bool has_window = false;
  for (const auto& rc : core.columns) {
    if (rc.kind == parser::ResultColumn::Kind::kExpr && HasWindow(rc.expr.get())) has_window = true;
  }
  if (order && order->terms) {
    for (const auto& t : *order->terms) {
      if (HasWindow(t.expr.get())) has_window = true;
    }
  }
  scope.windows = &core.windows;
  // ORDER BY on plain columns of a single table: let the access path produce that order.
  if (!has_window && order && order->terms && !order->terms->empty() && core.group_by.empty() &&
      !core.having &&
      core.quantifier != parser::SelectCore::Quantifier::kDistinct &&
      scope.sources.size() == 1 && scope.sources[0].table &&
      !scope.sources[0].table->is_schema_table) {
    bool ok = true;
    for (const auto& rc : core.columns) {
      if (rc.kind == parser::ResultColumn::Kind::kExpr && HasAggregate(rc.expr.get(), ctx.conn)) ok = false;
    }
    const SourceBinding& sb = scope.sources[0];
    std::vector<FromPlanner::OrderTerm> hint;
    for (const auto& t : *order->terms) {
      if (!ok) break;
      // A column, or a column under a built-in COLLATE (an index with that collation gives it).
      const parser::Expr* term_expr = t.expr.get();
      std::optional<Collation> coll;
      if (term_expr->Is<parser::CollateExpr>()) {
        const auto& ce = term_expr->As<parser::CollateExpr>();
        auto c = CollationFromName(ce.collation.name);
        if (!c.ok()) {
          ok = false;
          break;
        }
        coll = *c;
        term_expr = ce.operand.get();
      }
      if (t.nulls != parser::NullsOrder::kDefault || !term_expr->Is<parser::ColumnRef>()) {
        ok = false;
        break;
      }
      const auto& cr = term_expr->As<parser::ColumnRef>();
      if (cr.schema || (cr.table && Lower(cr.table->name) != sb.alias)) {
        ok = false;
        break;
      }
      for (const auto& rc : core.columns) {  // a result alias would win over the column
        if (rc.alias && IEquals(rc.alias->name, cr.column.name)) ok = false;
      }
      int col = sb.table->FindColumn(cr.column.name);
      if (col < 0 && IsRowidName(cr.column.name) && !sb.table->without_rowid) col = -2;
      if (col < 0 && col != -2) ok = false;
      hint.push_back({col, t.direction == parser::SortDirection::kDesc, coll});
    }
    if (ok) fp.SetOrderHint(std::move(hint));
  }
  scope.agg_forbidden = "WHERE";
  scope.aliases = &core.columns;
  OpPtr op;
  {
    scope.pushed = pushed;
    auto r = fp.Build(core.where.get(), pushed);
    scope.pushed = nullptr;
    DOSQL_RETURN_IF_ERROR(r.status());
    op = std::move(r).value();
  }
  scope.agg_forbidden = nullptr;
  // Aggregation?
  bool is_agg = !core.group_by.empty();
  for (const auto& rc : core.columns) {
    if (rc.kind == parser::ResultColumn::Kind::kExpr && HasAggregate(rc.expr.get(), ctx.conn)) is_agg = true;
  }
  if (core.having) {
    if (!is_agg) return Err("HAVING clause on a non-aggregate query");
  }
  if (order && order->terms) {
    for (const auto& t : *order->terms) {
      if (HasAggregate(t.expr.get(), ctx.conn)) is_agg = true;
    }
  }
  AggCollector collector;
  collector.level = level;
  collector.scope = &scope;
  std::set<int> bare_slots;
  std::vector<CExprPtr> group_keys;
  std::vector<Collation> group_colls;
  std::vector<Scope::GroupTerm> group_terms;
  if (is_agg) {
    scope.agg_forbidden = "GROUP BY";
    for (const auto& g : core.group_by) {
      if (HasAggregate(g.get(), ctx.conn)) return Err("aggregate functions are not allowed in the GROUP BY clause");
      // GROUP BY k (an integer) names a result column.
      const parser::Expr* ge = g.get();
      if (ge->Is<parser::Literal>() && ge->As<parser::Literal>().kind == parser::LiteralKind::kInteger) {
        int64_t k = ge->As<parser::Literal>().int_value;
        if (k < 1 || k > static_cast<int64_t>(core.columns.size())) {
          return Err("GROUP BY term out of range - should be between 1 and " +
                     std::to_string(core.columns.size()));
        }
        const auto& rc = core.columns[k - 1];
        if (rc.kind != parser::ResultColumn::Kind::kExpr) return Err("GROUP BY term out of range");
        ge = rc.expr.get();
        if (HasAggregate(ge, ctx.conn)) return Err("aggregate functions are not allowed in the GROUP BY clause");
      }
      Binder b(ctx, scope);
      DOSQL_ASSIGN_OR_RETURN(CExprPtr k, b.Compile(*ge));
      DOSQL_ASSIGN_OR_RETURN(Collation gc,
                             Need(ctx, k->has_collation ? k->collation : Collation::kBinary));
      group_colls.push_back(std::move(gc));
      group_terms.push_back({parser::ToSql(*ge), scope.nslots++, k.get()});
      group_keys.push_back(std::move(k));
    }
    scope.group_terms = &group_terms;
    scope.agg_forbidden = nullptr;
    scope.agg = &collector;
    scope.bare_slots = &bare_slots;
    std::vector<const parser::Expr*> result_exprs;
    for (const auto& rc : core.columns) {
      if (rc.kind == parser::ResultColumn::Kind::kExpr) result_exprs.push_back(rc.expr.get());
    }
    for (std::string& sql : CommonAggregateArithmetic(result_exprs, ctx.conn)) {
      collector.common.push_back({std::move(sql)});
    }
    collector.common_active = !collector.common.empty();
  }
  // Result columns (and ORDER BY terms) may hold window functions.
  WindowCollector windows;
  scope.win = &windows;
  std::vector<CExprPtr> exprs;
  std::vector<std::string> names;
  std::vector<const parser::Expr*> result_asts;
  // An EXISTS subquery's rows are counted, not read: SQLite evaluates none of its result columns
  // (an error in one is not raised). Their aggregates and window functions still run (HAVING
  // may read them); without those, the columns they alone read are not even decoded.
  const bool exists_only = ctx.exists_core == &core;
  const bool exists_unread = exists_only && !is_agg && !has_window;
  const std::vector<char> used_before = exists_unread ? scope.used_slots : std::vector<char>();
  for (const auto& rc : core.columns) {
    if (rc.kind == parser::ResultColumn::Kind::kExpr) {
      Binder b(ctx, scope);
      auto saved_aliases = scope.aliases;
      scope.aliases = nullptr;
      auto r = b.Compile(*rc.expr);
      scope.aliases = saved_aliases;
      DOSQL_RETURN_IF_ERROR(r.status());
      CExprPtr c = std::move(r).value();
      std::string name;
      std::string decl;
      std::string resolved;
      if (rc.expr->Is<parser::ColumnRef>() && c->column_level == level) {
        // The declared name and type of the column it resolved to.
        for (const auto& sb : scope.sources) {
          for (const auto& cb : sb.cols) {
            if (cb.slot == c->column_slot) {
              resolved = cb.name;
              decl = cb.decl_type;
            }
          }
        }
      }
      if (rc.alias) {
        name = rc.alias->name;
      } else if (rc.expr->Is<parser::ColumnRef>()) {
        name = resolved.empty() ? rc.expr->As<parser::ColumnRef>().column.name : resolved;
      } else {
        name = ExprText(sql, *rc.expr);
      }
      out.columns.push_back(InfoOf(*c, name, decl));
      names.push_back(rc.alias ? rc.alias->name : "");
      result_asts.push_back(rc.expr.get());
      exprs.push_back(std::move(c));
      continue;
    }
    // * or table.*
    bool any = false;
    std::string want = rc.kind == parser::ResultColumn::Kind::kTableStar ? Lower(rc.table.name) : "";
    if (scope.sources.empty()) return Err("no tables specified");
    for (const auto& sb : scope.sources) {
      if (!want.empty() && sb.alias != want) continue;
      for (const auto& cb : sb.cols) {
        if (cb.hidden || (want.empty() && sb.hidden.count(Lower(cb.name)))) continue;
        CExprPtr c =
            MakeSlot(level, cb.slot, cb.affinity, Resolved(ctx, cb.collation), cb.has_collation);
        auto co = sb.coalesce.find(Lower(cb.name));
        scope.MarkUsed(cb.slot);
        if (co != sb.coalesce.end()) scope.MarkUsed(co->second.slot);
        if (scope.bare_slots) {
          scope.bare_slots->insert(cb.slot);
          if (co != sb.coalesce.end()) scope.bare_slots->insert(co->second.slot);
        }
        if (want.empty() && co != sb.coalesce.end()) {
          std::vector<CExprPtr> args;
          args.push_back(std::move(c));
          args.push_back(MakeSlot(level, co->second.slot, co->second.affinity,
                                  Resolved(ctx, co->second.collation), co->second.has_collation));
          c = std::make_unique<CoalesceExpr>(std::move(args));
          c->affinity = cb.affinity;
        }
        out.columns.push_back(InfoOf(*c, cb.name, cb.decl_type));
        names.push_back(cb.name);
        result_asts.push_back(nullptr);
        exprs.push_back(std::move(c));
        any = true;
      }
      if (!want.empty()) any = true;
    }
    if (!any && !want.empty()) return Err("no such table: " + rc.table.name);
  }
  out.visible = static_cast<int>(exprs.size());
  collector.common_active = false;
  if (exists_only) {
    // Resolved above (name errors reported); now not evaluated.
    for (CExprPtr& e : exprs) e = MakeConst(Value::Integer(1));
    if (exists_unread) scope.used_slots = used_before;
  }
  // HAVING (filters the groups). With a GROUP BY, its terms that read no column and no
  // aggregate (deterministic, no subquery) are the same for every group: they are tested once,
  // on the first row into the aggregation (SQLite moves them into WHERE), so a false one
  // aggregates nothing. (Without GROUP BY an empty input still makes a group: left alone.)
  CExprPtr having;
  CExprPtr having_first_row;
  if (core.having) {
    scope.win = nullptr;
    Binder b(ctx, scope);
    std::vector<const parser::Expr*> parts;
    SplitConjuncts(core.having.get(), &parts);
    std::vector<CExprPtr> rest, invariant;
    for (const parser::Expr* p : parts) {
      std::vector<const parser::ColumnRef*> refs;
      const bool same_for_all =
          !core.group_by.empty() && PushableExpr(p, ctx.conn, &refs) && refs.empty();
      DOSQL_ASSIGN_OR_RETURN(CExprPtr c, b.Compile(*p));
      (same_for_all ? invariant : rest).push_back(std::move(c));
    }
    having = AndAll(std::move(rest));
    having_first_row = AndAll(std::move(invariant));
    scope.win = &windows;
  }
  // ORDER BY (single core): result columns or extra expressions — unless the access path
  // already delivers the rows in that order.
  std::vector<SortKey> keys;
  std::vector<CExprPtr> extra;
  if (order && order->terms && !(fp.order_satisfied() && !is_agg && !has_window)) {
    for (const auto& t : *order->terms) {
      DOSQL_ASSIGN_OR_RETURN(int k, MatchResultColumn(t.expr.get(), names, result_asts, false));
      SortKey sk = SortKeyFor(t, k);
      if (k >= 0) {
        sk.column = k;
        sk.collation = out.columns[k].has_collation ? out.columns[k].collation : Collation::kBinary;
        if (t.expr->Is<parser::CollateExpr>()) {
          sk.collation = Collation::Named(t.expr->As<parser::CollateExpr>().collation.name);
        }
      } else {
        Binder ob(ctx, scope);
        DOSQL_ASSIGN_OR_RETURN(CExprPtr c, ob.Compile(*t.expr));
        sk.column = static_cast<int>(exprs.size() + extra.size());
        sk.collation = c->has_collation ? c->collation : Collation::kBinary;
        extra.push_back(std::move(c));
      }
      DOSQL_ASSIGN_OR_RETURN(sk.collation, Need(ctx, sk.collation));
      keys.push_back(sk);
    }
  }
  if (is_agg) {
    // SQLite's rule: with exactly one aggregate and it is min() or max(), the bare columns come
    // from the row that gave the min/max.
    int minmax = -1;
    if (collector.specs.size() == 1) {
      std::string_view n = collector.specs[0].fn->name;
      if (n == "min" || n == "max") minmax = 0;
    }
    std::vector<int> saved = SavedSlots(bare_slots, source_slots);
    std::vector<int> saved_key(saved.size(), -1);
    for (size_t i = 0; i < saved.size(); i++) {
      for (size_t k = 0; k < group_keys.size(); k++) {
        const auto* slot = dynamic_cast<const SlotExpr*>(group_keys[k].get());
        if (slot != nullptr && slot->level() == level && slot->slot() == saved[i] &&
            k < group_colls.size() && group_colls[k].kind() == Collation::kBinary) {
          saved_key[i] = static_cast<int>(k);
          break;
        }
      }
    }
    if (having_first_row) {
      op = std::make_unique<InvariantFilterOp>(std::move(op), nullptr, std::move(having_first_row));
    }
    auto agg = std::make_unique<AggregateOp>(std::move(op), level, std::move(group_keys),
                                             std::move(group_colls), std::move(collector.specs),
                                             std::move(saved));
    agg->saved_key = std::move(saved_key);
    agg->pre = std::move(collector.pre);
    agg->minmax_agg = minmax;
    for (const auto& g : group_terms) agg->key_slots.push_back(g.slot);
    op = std::move(agg);
    if (having) op = std::make_unique<FilterOp>(std::move(op), std::move(having));
  }
  scope.win = nullptr;
  if (!windows.specs.empty()) {
    op = std::make_unique<WindowOp>(std::move(op), level, scope.nslots, std::move(windows.specs));
  }
  for (auto& e : extra) exprs.push_back(std::move(e));
  RowSrcPtr src = std::make_unique<ProjectSrc>(std::move(op), std::move(exprs), level, scope.nslots);
  if (core.quantifier == parser::SelectCore::Quantifier::kDistinct && !dedup_follows) {
    std::vector<Collation> colls;
    for (int i = 0; i < out.visible; i++) {
      colls.push_back(out.columns[i].has_collation ? out.columns[i].collation : Collation::kBinary);
    }
    DOSQL_RETURN_IF_ERROR(NeedAll(ctx, &colls));
    src = std::make_unique<DistinctSrc>(std::move(src), std::move(colls));
  }
  if (!keys.empty()) src = std::make_unique<SortSrc>(std::move(src), std::move(keys), out.visible);
  out.src = std::move(src);
  *min_ref_level = std::min(*min_ref_level, scope.min_ref_level);
  fp.ApplyColumnMasks();
  return out;
}

Result<CompiledQuery> PlanSelectImpl(PlanContext& ctx, const parser::SelectStmt& stmt,
                                     Scope* outer, int level, std::string_view sql,
                                     const PushedTerms* pushed) {
  ctx.max_level = std::max(ctx.max_level, level + 1);
  size_t cte_mark = ctx.ctes.size();
  struct CteRestore {
    PlanContext& ctx;
    size_t mark;
    ~CteRestore() { ctx.ctes.resize(mark); }
  } restore{ctx, cte_mark};
  CompiledQuery result;
  result.min_ref_level = INT_MAX;
  if (stmt.with) DOSQL_RETURN_IF_ERROR(PushWith(ctx, *stmt.with, sql));
  const bool compound = stmt.cores.size() > 1;
  OrderSpec order;
  order.terms = &stmt.order_by;
  RowSrcPtr src;
  std::vector<ResultColumnInfo> columns;
  std::vector<ResultColumnInfo> first_columns;  // a compound's first SELECT's
  int visible = 0;
  if (!compound) {
    DOSQL_ASSIGN_OR_RETURN(CoreResult cr, PlanCore(ctx, *stmt.cores[0], outer, level, sql,
                                                   &order, &result.min_ref_level, false, pushed));
    src = std::move(cr.src);
    columns = std::move(cr.columns);
    result.rightmost = std::move(cr.rightmost);
    visible = cr.visible;
  } else {
    std::vector<std::string> names;
    std::vector<const parser::Expr*> first_exprs;
    std::vector<CoreResult> cores;
    for (size_t i = 0; i < stmt.cores.size(); i++) {
      // The chain is left-deep: core i's rows pass through operator i-1 (core 0: operator 0) and
      // every operator after it. With an ORDER BY, SQLite runs each core on its own and merges
      // their sorted rows: every core's DISTINCT then applies.
      bool dedup_follows = false;
      for (size_t j = i == 0 ? 0 : i - 1; stmt.order_by.empty() && j < stmt.ops.size(); j++) {
        dedup_follows |= stmt.ops[j] != parser::CompoundOp::kUnionAll;
      }
      DOSQL_ASSIGN_OR_RETURN(CoreResult cr, PlanCore(ctx, *stmt.cores[i], outer, level, sql,
                                                     nullptr, &result.min_ref_level,
                                                     dedup_follows));
      if (i > 0 && cr.columns.size() != cores[0].columns.size()) {
        return Err("SELECTs to the left and right of " +
                   std::string(stmt.ops[i - 1] == parser::CompoundOp::kUnion      ? "UNION"
                               : stmt.ops[i - 1] == parser::CompoundOp::kUnionAll ? "UNION ALL"
                               : stmt.ops[i - 1] == parser::CompoundOp::kIntersect ? "INTERSECT"
                                                                                  : "EXCEPT") +
                   " do not have the same number of result columns");
      }
      cores.push_back(std::move(cr));
    }
    // SQLite's multiSelectCollSeq: every set operation of the chain compares a column under the
    // collation of the first SELECT, in the whole chain, whose column has one.
    std::vector<Collation> chain(cores[0].columns.size(), Collation::kBinary);
    for (size_t c = 0; c < chain.size(); c++) {
      for (const CoreResult& cr : cores) {
        if (cr.columns[c].has_collation) {
          chain[c] = cr.columns[c].collation;
          break;
        }
      }
    }
    for (size_t i = 0; i < cores.size(); i++) {
      CoreResult& cr = cores[i];
      if (i == 0) {
        columns = cr.columns;
        first_columns = cr.columns;
        src = std::move(cr.src);
        for (const auto& rc : stmt.cores[0]->columns) {
          if (rc.kind == parser::ResultColumn::Kind::kExpr) first_exprs.push_back(rc.expr.get());
        }
        continue;
      }
      result.rightmost = cr.columns;
      std::vector<Collation> colls = chain;
      for (size_t c = 0; c < columns.size(); c++) {
        if (!columns[c].has_collation && cr.columns[c].has_collation) {
          columns[c].collation = cr.columns[c].collation;
          columns[c].has_collation = true;
        }
      }
      if (stmt.ops[i - 1] != parser::CompoundOp::kUnionAll) {
        DOSQL_RETURN_IF_ERROR(NeedAll(ctx, &colls));  // UNION ALL compares nothing
      }
      CompoundSrc::Kind k = stmt.ops[i - 1] == parser::CompoundOp::kUnion      ? CompoundSrc::Kind::kUnion
                            : stmt.ops[i - 1] == parser::CompoundOp::kUnionAll ? CompoundSrc::Kind::kUnionAll
                            : stmt.ops[i - 1] == parser::CompoundOp::kIntersect
                                ? CompoundSrc::Kind::kIntersect
                                : CompoundSrc::Kind::kExcept;
      src = std::make_unique<CompoundSrc>(std::move(src), std::move(cr.src), k, std::move(colls));
    }
    visible = static_cast<int>(columns.size());
    for (const auto& c : columns) names.push_back(c.name);
    // Aliases of the first core name the columns for ORDER BY.
    std::vector<std::string> alias_names;
    for (const auto& rc : stmt.cores[0]->columns) {
      alias_names.push_back(rc.alias ? rc.alias->name : "");
    }
    if (!stmt.order_by.empty()) {
      std::vector<SortKey> keys;
      int n = 0;
      for (const auto& t : stmt.order_by) {
        n++;
        DOSQL_ASSIGN_OR_RETURN(int k, MatchResultColumn(t.expr.get(), names, first_exprs, true));
        if (k < 0) {
          static const char* ord[] = {"1st", "2nd", "3rd"};
          std::string nth = n <= 3 ? ord[n - 1] : std::to_string(n) + "th";
          return Err(nth + " ORDER BY term does not match any column in the result set");
        }
        SortKey sk = SortKeyFor(t, k);
        sk.collation = columns[k].has_collation ? columns[k].collation : Collation::kBinary;
        if (t.expr->Is<parser::CollateExpr>()) {
          sk.collation = Collation::Named(t.expr->As<parser::CollateExpr>().collation.name);
        }
        DOSQL_ASSIGN_OR_RETURN(sk.collation, Need(ctx, sk.collation));
        keys.push_back(sk);
      }
      src = std::make_unique<SortSrc>(std::move(src), std::move(keys), visible);
    }
  }
  if (stmt.limit) {
    Scope ls;
    ls.parent = outer;
    ls.level = level;
    ls.sql = sql;
    CExprPtr lim, off;
    {
      Binder b(ctx, ls);
      DOSQL_ASSIGN_OR_RETURN(lim, b.Compile(*stmt.limit));
    }
    if (stmt.offset) {
      Binder b(ctx, ls);
      DOSQL_ASSIGN_OR_RETURN(off, b.Compile(*stmt.offset));
    }
    result.min_ref_level = std::min(result.min_ref_level, ls.min_ref_level);
    src = std::make_unique<LimitSrc>(std::move(src), std::move(lim), std::move(off), level);
  }
  if (compound) {
    // Read as a table (a view, a CTE, a subquery in FROM), a compound's columns have its first
    // SELECT's collations; the later SELECTs' apply only to its own set operations and ORDER BY.
    for (size_t c = 0; c < columns.size() && c < first_columns.size(); c++) {
      columns[c].collation = first_columns[c].collation;
      columns[c].has_collation = first_columns[c].has_collation;
      columns[c].explicit_collation = first_columns[c].explicit_collation;
    }
  }
  result.src = std::move(src);
  result.columns = std::move(columns);
  (void)visible;
  return result;
}

// True if the FROM clause of `core` names `name` (directly or in a nested join).
bool FromNames(const parser::TableRef* ref, const std::string& name) {
  if (!ref) return false;
  if (ref->Is<parser::TableName>()) {
    const auto& tn = ref->As<parser::TableName>();
    return !tn.name.schema && Lower(tn.name.name.name) == name;
  }
  if (ref->Is<parser::JoinClause>()) {
    const auto& jc = ref->As<parser::JoinClause>();
    if (FromNames(jc.first.get(), name)) return true;
    for (const auto& j : jc.joins) {
      if (FromNames(j.table.get(), name)) return true;
    }
  }
  return false;
}

Result<CompiledQuery> PlanRecursiveCte(PlanContext& ctx, const CteDef& def, Scope* outer,
                                       int level) {
  const parser::SelectStmt& stmt = *def.cte->select;
  size_t n = stmt.cores.size();
  const parser::CompoundOp op = stmt.ops[n - 2];
  if (op != parser::CompoundOp::kUnion && op != parser::CompoundOp::kUnionAll) {
    return Err("recursive query \"" + def.cte->name.name +
               "\" must be a compound of the form: initial UNION [ALL] recursive");
  }
  ctx.max_level = std::max(ctx.max_level, level + 1);
  // Hide the CTE from its own initial select.
  std::vector<CteDef> saved = ctx.ctes;
  for (auto it = ctx.ctes.begin(); it != ctx.ctes.end(); ++it) {
    if (it->name == def.name) {
      ctx.ctes.erase(it, ctx.ctes.end());
      break;
    }
  }
  CompiledQuery result;
  result.min_ref_level = INT_MAX;
  RowSrcPtr initial;
  std::vector<ResultColumnInfo> columns;
  for (size_t i = 0; i + 1 < n; i++) {
    DOSQL_ASSIGN_OR_RETURN(CoreResult cr, PlanCore(ctx, *stmt.cores[i], outer, level, def.sql,
                                                   nullptr, &result.min_ref_level));
    if (i == 0) {
      columns = cr.columns;
      initial = std::move(cr.src);
      continue;
    }
    if (cr.columns.size() != columns.size()) {
      return Err("SELECTs to the left and right of UNION do not have the same number of result columns");
    }
    std::vector<Collation> colls(columns.size(), Collation::kBinary);
    CompoundSrc::Kind k = stmt.ops[i - 1] == parser::CompoundOp::kUnion ? CompoundSrc::Kind::kUnion
                          : stmt.ops[i - 1] == parser::CompoundOp::kUnionAll ? CompoundSrc::Kind::kUnionAll
                          : stmt.ops[i - 1] == parser::CompoundOp::kIntersect ? CompoundSrc::Kind::kIntersect
                                                                               : CompoundSrc::Kind::kExcept;
    initial = std::make_unique<CompoundSrc>(std::move(initial), std::move(cr.src), k, std::move(colls));
  }
  if (!def.cte->columns.empty()) {
    if (def.cte->columns.size() != columns.size()) {
      ctx.ctes = std::move(saved);
      return Err("table " + def.cte->name.name + " has " + std::to_string(columns.size()) +
                 " values for " + std::to_string(def.cte->columns.size()) + " columns");
    }
    for (size_t i = 0; i < columns.size(); i++) columns[i].name = def.cte->columns[i].name;
  }
  ctx.ctes = saved;
  // The recursive part sees the CTE as its working table.
  ctx.buffers.push_back(std::make_unique<std::vector<Row>>());
  std::vector<Row>* working = ctx.buffers.back().get();
  CteDef wdef = def;
  wdef.working = working;
  wdef.working_cols = columns;
  for (auto& c : ctx.ctes) {
    if (c.name == def.name) c = wdef;
  }
  {
    const parser::SelectCore& rc = *stmt.cores[n - 1];
    bool agg = !rc.group_by.empty();
    for (const auto& c : rc.columns) {
      if (c.kind == parser::ResultColumn::Kind::kExpr && HasAggregate(c.expr.get(), ctx.conn)) agg = true;
    }
    if (agg) {
      ctx.ctes = std::move(saved);
      return Err("recursive aggregate queries not supported");
    }
  }
  auto rec = PlanCore(ctx, *stmt.cores[n - 1], outer, level, def.sql, nullptr,
                      &result.min_ref_level);
  ctx.ctes = std::move(saved);
  DOSQL_RETURN_IF_ERROR(rec.status());
  CoreResult rcr = std::move(rec).value();
  if (rcr.columns.size() != columns.size()) {
    return Err("SELECTs to the left and right of UNION do not have the same number of result columns");
  }
  auto rsrc = std::make_unique<RecursiveSrc>(std::move(initial), std::move(rcr.src), working,
                                             op == parser::CompoundOp::kUnion,
                                             static_cast<int>(columns.size()));
  if (!stmt.order_by.empty()) {
    std::vector<std::string> names;
    for (const auto& c : columns) names.push_back(c.name);
    std::vector<std::string> aliases;
    for (const auto& rc : stmt.cores[0]->columns) aliases.push_back(rc.alias ? rc.alias->name : "");
    for (const auto& t : stmt.order_by) {
      DOSQL_ASSIGN_OR_RETURN(int k, MatchResultColumn(t.expr.get(), names, {}, true));
      if (k < 0) {
        DOSQL_ASSIGN_OR_RETURN(k, MatchResultColumn(t.expr.get(), aliases, {}, true));
      }
      if (k < 0) return Err("1st ORDER BY term does not match any column in the result set");
      SortKey sk = SortKeyFor(t, k);
      rsrc->order.push_back(sk);
    }
  }
  RowSrcPtr src = std::move(rsrc);
  if (stmt.limit) {
    Scope ls;
    ls.parent = outer;
    ls.level = level;
    ls.sql = def.sql;
    CExprPtr lim, off;
    {
      Binder b(ctx, ls);
      DOSQL_ASSIGN_OR_RETURN(lim, b.Compile(*stmt.limit));
    }
    if (stmt.offset) {
      Binder b(ctx, ls);
      DOSQL_ASSIGN_OR_RETURN(off, b.Compile(*stmt.offset));
    }
    src = std::make_unique<LimitSrc>(std::move(src), std::move(lim), std::move(off), level);
  }
  result.src = std::move(src);
  result.columns = std::move(columns);
  return result;
}

}  // namespace

Result<CompiledQuery> PlanSelect(PlanContext& ctx, const parser::SelectStmt& stmt, Scope* outer,
                                 std::string_view sql) {
  int level = outer ? outer->level + 1 : 0;
  return PlanSelectImpl(ctx, stmt, outer, level, sql);
}

Result<CExprPtr> CompileExpr(PlanContext& ctx, Scope& scope, const parser::Expr& e) {
  ctx.max_level = std::max(ctx.max_level, scope.level + 1);
  Binder b(ctx, scope);
  return b.Compile(e);
}

Status PushWith(PlanContext& ctx, const parser::WithClause& with, std::string_view sql) {
  for (size_t i = 0; i < with.ctes.size(); i++) {
    for (size_t j = 0; j < i; j++) {
      if (Lower(with.ctes[j].name.name) == Lower(with.ctes[i].name.name)) {
        return Err("duplicate WITH table name: " + with.ctes[i].name.name);
      }
    }
  }
  for (const auto& cte : with.ctes) {
    CteDef def;
    def.name = Lower(cte.name.name);
    def.cte = &cte;
    def.sql = sql;
    // A recursive CTE: a compound whose last core reads the CTE itself.
    if (with.recursive && cte.select->cores.size() >= 2 &&
        FromNames(cte.select->cores.back()->from.get(), def.name)) {
      def.recursive = true;
    }
    ctx.ctes.push_back(def);
  }
  return Status::OK();
}

Result<std::vector<CExprPtr>> CompileSubqueryColumns(PlanContext& ctx, Scope& scope,
                                                     const parser::SelectStmt& select) {
  ctx.max_level = std::max(ctx.max_level, scope.level + 2);
  Binder b(ctx, scope);
  return b.SubqueryColumns(select);
}

struct JoinPlanner::Impl {
  Impl(PlanContext& ctx, Scope& scope) : fp(ctx, scope) {}
  FromPlanner fp;
};
JoinPlanner::JoinPlanner(PlanContext& ctx, Scope& scope)
    : impl_(std::make_unique<Impl>(ctx, scope)) {
  ctx.max_level = std::max(ctx.max_level, scope.level + 1);
}
JoinPlanner::~JoinPlanner() = default;
void JoinPlanner::AddSource(int source) { impl_->fp.AddSource(source); }
Status JoinPlanner::Bind(const parser::JoinClause& from) { return impl_->fp.Bind(from); }
Result<OpPtr> JoinPlanner::Build(const parser::Expr* where) { return impl_->fp.Build(where); }

Result<OpPtr> PlanSingleTableScan(PlanContext& ctx, Scope& scope, int source,
                                  const parser::Expr* where, bool only_used_columns) {
  ctx.max_level = std::max(ctx.max_level, scope.level + 1);
  FromPlanner fp(ctx, scope);
  DOSQL_ASSIGN_OR_RETURN(OpPtr op, fp.BuildForSource(source, where));
  if (only_used_columns) fp.ApplyColumnMasks();
  return op;
}

}  // namespace dosql::engine
