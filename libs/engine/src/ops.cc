#include "ops.h"

#include "index_key.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "dosql/core/coding.h"
#include "dosql/core/hash.h"
#include "dosql/core/record.h"
#include "dosql/engine/arith.h"
#include "dosql/engine/format.h"
#include "dosql/engine/like.h"

namespace dosql::engine {

Status Exec::CheckAbort() const {
  if (interrupt_requests && interrupt_requests->load(std::memory_order_relaxed) != interrupts_seen) {
    return Status::Aborted("interrupted");
  }
  if (deadline != std::chrono::steady_clock::time_point::max() &&
      std::chrono::steady_clock::now() >= deadline) {
    return Status::Aborted("statement timed out");
  }
  return Status::OK();
}

Status ReadRows(RowSrc& src, Exec& ex, std::vector<Row>* out, int64_t limit) {
  DOSQL_RETURN_IF_ERROR(src.Open(ex));
  while (limit < 0 || static_cast<int64_t>(out->size()) < limit) {
    Row r;
    DOSQL_ASSIGN_OR_RETURN(bool ok, src.Next(ex, &r));
    if (!ok) break;
    out->push_back(std::move(r));
  }
  return Status::OK();
}

namespace {
std::string Pad(int indent) { return std::string(static_cast<size_t>(indent) * 2, ' '); }

// Copies the values of `slots` out of a frame (buffered join sides), and back.
Row SaveSlots(const Frame& f, const std::vector<int>& slots) {
  Row r;
  r.reserve(slots.size());
  for (int s : slots) r.push_back(f.slots[s]);
  return r;
}
void LoadSlots(Frame* f, const std::vector<int>& slots, const Row& r) {
  for (size_t k = 0; k < slots.size(); k++) f->slots[slots[k]] = r[k];
}

}  // namespace

Result<TriBool> CExpr::Truth(Exec& ex) const {
  Value v;
  DOSQL_RETURN_IF_ERROR(Eval(ex, &v));
  return engine::Truth(v);
}

void SetTruthValue(TriBool t, Value* out) {
  if (t == TriBool::kNull) {
    out->SetNull();
  } else {
    out->SetInteger(t == TriBool::kTrue ? 1 : 0);
  }
  out->set_subtype(0);  // `out` may be a reused buffer that held a JSON value
}

// ----- hashing -----

size_t HashValue(const Value& v, const Collation& coll) {
  switch (v.type()) {
    case ValueType::kNull:
      return 0x9e3779b97f4a7c15ull;
    case ValueType::kInteger:
    case ValueType::kReal: {
      double d = v.type() == ValueType::kInteger ? static_cast<double>(v.integer()) : v.real();
      if (d == 0) d = 0;  // -0.0
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      return static_cast<size_t>(Hash64(&bits, 8, 1));
    }
    case ValueType::kText: {
      if (coll.kind() == Collation::kBinary) return static_cast<size_t>(Hash64(v.view(), 2));
      if (coll.kind() == Collation::kUser) return 0x5bd1e995u;  // no hash: see exec.h
      return static_cast<size_t>(Hash64(CollationKeyText(v.view(), coll.kind()), 2));
    }
    case ValueType::kBlob:
      return static_cast<size_t>(Hash64(v.view(), 3));
  }
  return 0;
}

const Collation& KeyCollation(const std::vector<Collation>* colls, size_t i) {
  static const Collation kBinary;
  return colls && i < colls->size() ? (*colls)[i] : kBinary;
}

int CompareGroupKeys(const std::vector<Value>& a, const std::vector<Value>& b,
                     const std::vector<Collation>* colls) {
  for (size_t i = 0; i < a.size() && i < b.size(); i++) {
    int c = CompareValues(a[i], b[i], KeyCollation(colls, i));
    if (c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

bool GroupKeyLess::operator()(const std::vector<Value>& a, const std::vector<Value>& b) const {
  return CompareGroupKeys(a, b, colls) < 0;
}

bool NeedsOrderedKeys(const std::vector<Collation>& colls) {
  for (const Collation& c : colls) {
    if (c.is_user()) return true;
  }
  return false;
}

// ----- rows -----

namespace {
// DecodeRowInto's work once its columns are known: [0, limit) with wanted[i] set (null: all).
[[gnu::always_inline]] inline Status DecodeRowColumns(const TableInfo& table,
                                                      std::string_view record, int64_t rowid,
                                                      Value* out, const char* wanted, size_t limit,
                                                      LazyRecordReader* lazy) {
  size_t stored = 0;
  ShortHeader h;
  if (lazy == nullptr && limit > 0 && limit <= ShortHeader::kMaxColumns &&
      ReadShortHeader(record, limit - 1, &h)) {
    // A header of one-byte serial types with every column asked for (nearly every row): the
    // columns found in one pass, no walk per column.
    for (size_t i = 0; i < limit; i++) {
      if (wanted == nullptr || wanted[i]) ShortHeaderValue(h, i, &out[i]);
    }
    stored = limit;
  } else if (lazy != nullptr) {
    DOSQL_RETURN_IF_ERROR(lazy->DecodeColumns(limit, wanted, out, &stored));
  } else {
    DOSQL_RETURN_IF_ERROR(DecodeRecordColumns(record, limit, wanted, out, &stored));
  }
  // The rowid alias is stored as NULL; columns added after the row was written are missing.
  const int alias = table.rowid_alias;
  if (alias >= 0 && static_cast<size_t>(alias) < limit && (wanted == nullptr || wanted[alias])) {
    out[alias].SetInteger(rowid);
  }
  for (size_t i = stored; i < limit; i++) {
    if (wanted == nullptr || wanted[i]) out[i] = table.columns[i].missing_value;
  }
  return Status::OK();
}

// The columns DecodeRowInto decodes: [0, *limit) with wanted[i] set (*wanted null: all).
void DecodedColumns(const TableInfo& table, const std::vector<char>* needed, const char** wanted,
                    size_t* limit) {
  const size_t n = table.columns.size();
  *wanted = nullptr;
  *limit = n;
  if (needed != nullptr && needed->size() >= n) {
    *wanted = needed->data();
    while (*limit > 0 && !(*wanted)[*limit - 1]) --*limit;
  }
}
}  // namespace

Status DecodeRowInto(const TableInfo& table, std::string_view record, int64_t rowid, Value* out,
                     const std::vector<char>* needed, LazyRecordReader* lazy) {
  const char* wanted;
  size_t limit;
  DecodedColumns(table, needed, &wanted, &limit);
  return DecodeRowColumns(table, record, rowid, out, wanted, limit, lazy);
}

// ----- LookupMemo -----

void LookupMemo::Track(uint64_t generation, const DataAccess::TreeVersion& v) {
  if (generation == generation_ && v.root == version_.root && v.changes == version_.changes) {
    return;
  }
  Clear();
  generation_ = generation;
  version_ = v;
}

void LookupMemo::Clear() {
  state_ = State::kCounting;
  lookups_ = 0;
  next_check_ = kFirstCheck;
  blocks_.clear();
  block_size_ = block_left_ = 0;
  bytes_ = 0;
  std::vector<Entry>().swap(entries_);
  std::vector<uint32_t>().swap(starts_);
}

bool LookupMemo::CountLookup(uint64_t estimated_rows) {
  if (++lookups_ < next_check_) return false;
  next_check_ = lookups_ * 2;  // the estimate is from one path: look again later
  return lookups_ * kRowsPerLookup >= estimated_rows;
}

bool LookupMemo::Add(int64_t rowid, std::string_view record) {
  const size_t cost = record.size() + sizeof(Entry);
  if (bytes_ + cost > kMaxBytes || entries_.size() >= UINT32_MAX - 1) {
    Clear();
    state_ = State::kGaveUp;
    return false;
  }
  if (record.size() > block_left_) {
    const size_t n = std::max(kBlockBytes, record.size());
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(n));
    block_size_ = block_left_ = n;
  }
  char* p = blocks_.back().get() + (block_size_ - block_left_);
  std::memcpy(p, record.data(), record.size());
  block_left_ -= record.size();
  bytes_ += cost;
  entries_.push_back(Entry{rowid, p, record.size()});
  return true;
}

void LookupMemo::Finish() {
  first_ = entries_.empty() ? 0 : entries_.front().rowid;
  const uint64_t span = entries_.empty() ? 0
                                         : static_cast<uint64_t>(entries_.back().rowid) -
                                               static_cast<uint64_t>(first_);
  shift_ = 0;
  while ((span >> shift_) >= std::max<uint64_t>(entries_.size(), 1)) shift_++;
  const size_t buckets = static_cast<size_t>(span >> shift_) + 1;
  starts_.assign(buckets + 1, 0);
  size_t e = 0;
  for (size_t b = 0; b <= buckets; b++) {
    // The first entry at or after the bucket's first rowid.
    while (e < entries_.size() &&
           (static_cast<uint64_t>(entries_[e].rowid) - static_cast<uint64_t>(first_)) >> shift_ <
               b) {
      e++;
    }
    starts_[b] = static_cast<uint32_t>(e);
  }
  state_ = State::kBuilt;
}

std::optional<std::string_view> LookupMemo::Find(int64_t rowid) const {
  if (entries_.empty() || rowid < first_ || rowid > entries_.back().rowid) return std::nullopt;
  const size_t b =
      static_cast<size_t>((static_cast<uint64_t>(rowid) - static_cast<uint64_t>(first_)) >> shift_);
  auto begin = entries_.begin() + starts_[b], end = entries_.begin() + starts_[b + 1];
  auto it =
      std::lower_bound(begin, end, rowid, [](const Entry& x, int64_t r) { return x.rowid < r; });
  if (it == end || it->rowid != rowid) return std::nullopt;
  return std::string_view(it->data, it->size);
}

// ----- TableScanOp -----

TableScanOp::TableScanOp(const TableInfo* table, int level, int base, int rowid_slot)
    : table_(table), level_(level), base_(base), rowid_slot_(rowid_slot) {}

Status CursorReuse::Prepare(Exec& ex, transaction::TreeId tree,
                            std::optional<btree::Cursor>* cursor) {
  DOSQL_ASSIGN_OR_RETURN(DataAccess::TreeVersion v, ex.data->Version(tree));
  return Prepare(ex, tree, v, cursor);
}

Status CursorReuse::Prepare(Exec& ex, transaction::TreeId tree, const DataAccess::TreeVersion& v,
                            std::optional<btree::Cursor>* cursor) {
  // (Generation 0: an execution without a number of its own; its position is never kept.)
  const bool near = cursor->has_value() && ex.generation != 0 && generation == ex.generation &&
                    changes == v.changes && (*cursor)->root() == v.root;
  if (!cursor->has_value()) {
    DOSQL_ASSIGN_OR_RETURN(btree::Cursor c, ex.data->NewCursor(tree));
    cursor->emplace(std::move(c));
  } else if (!near) {
    (*cursor)->Reset(v.root);
  }
  generation = ex.generation;
  changes = v.changes;
  return Status::OK();
}

Status TableScanOp::Open(Exec& ex) {
  // (needed_columns may be cleared after planning: PrepareToChangeRows.)
  DecodedColumns(*table_, needed_columns.empty() ? nullptr : &needed_columns, &decode_wanted_,
                 &decode_limit_);
  done_ = false;
  single_ = false;
  first_ = true;
  has_hi_ = false;
  if (table_->tree == 0) {  // sqlite_schema of an empty database
    done_ = true;
    return Status::OK();
  }
  if (rowid_eq) {
    Value v;
    DOSQL_RETURN_IF_ERROR(rowid_eq->Eval(ex, &v));
    ApplyAffinity(&v, Affinity::kNumeric);
    int64_t r;
    if (v.type() == ValueType::kInteger) {
      r = v.integer();
    } else if (v.type() == ValueType::kReal && RealSameAsInt(v.real(), RealToInt64(v.real()))) {
      r = RealToInt64(v.real());
    } else {
      done_ = true;
      return Status::OK();
    }
    single_ = true;
    single_rowid_ = r;
    memo_record_.reset();
    if (point_read_) {
      // A point read, no cursor: in a write transaction it goes through the tree's leaf hint,
      // so that the UPDATE or DELETE of the row then finds its leaf at once.
      bool found = false;
      if (single_record_.capacity() > (size_t{1} << 16)) std::string().swap(single_record_);
      DOSQL_RETURN_IF_ERROR(ex.data->GetInto(table_->tree, RowidKey(r), &single_record_, &found));
      if (!found) done_ = true;
      return Status::OK();
    }
    // Lookups of one execution may be answered from memory (LookupMemo); an execution without
    // a number of its own, and the schema table, always seek.
    const bool memo = ex.generation != 0 && !table_->is_schema_table;
    DOSQL_ASSIGN_OR_RETURN(DataAccess::TreeVersion version, ex.data->Version(table_->tree));
    if (memo) memo_.Track(ex.generation, version);
    if (!memo || memo_.state() != LookupMemo::State::kBuilt) {
      DOSQL_RETURN_IF_ERROR(reuse_.Prepare(ex, table_->tree, version, &cursor_));
      DOSQL_RETURN_IF_ERROR(cursor_->SeekNear(RowidKey(r)));
      if (memo && memo_.state() == LookupMemo::State::kCounting &&
          memo_.CountLookup(cursor_->EstimatedEntries())) {
        DOSQL_RETURN_IF_ERROR(BuildMemo(ex));
      }
    }
    if (memo && memo_.state() == LookupMemo::State::kBuilt) {
      memo_record_ = memo_.Find(r);
      if (!memo_record_) done_ = true;
    } else if (!cursor_->Valid()) {
      done_ = true;
    } else {
      DOSQL_ASSIGN_OR_RETURN(int64_t found, DecodeRowidKey(cursor_->key()));
      if (found != r) done_ = true;
    }
    return Status::OK();
  }
  DOSQL_RETURN_IF_ERROR(reuse_.Prepare(ex, table_->tree, &cursor_));
  int64_t lo = table_->is_schema_table ? 1 : INT64_MIN;
  bool lo_set = false;
  auto to_rowid = [&](const CExpr* e, bool is_lo, bool inclusive, int64_t* out,
                      bool* empty) -> Status {
    Value v;
    DOSQL_RETURN_IF_ERROR(e->Eval(ex, &v));
    ApplyAffinity(&v, Affinity::kNumeric);
    if (v.is_null()) {
      *empty = true;
      return Status::OK();
    }
    if (v.type() == ValueType::kText || v.type() == ValueType::kBlob) {
      // Text sorts after every number: rowid > 'x' is empty, rowid < 'x' is everything.
      if (is_lo) *empty = true;
      else *out = INT64_MAX;
      return Status::OK();
    }
    if (v.type() == ValueType::kReal) {
      double d = v.real();
      if (std::isnan(d)) {
        *empty = true;
        return Status::OK();
      }
      if (d >= 9223372036854775808.0) {
        if (is_lo) *empty = true;
        else *out = INT64_MAX;
        return Status::OK();
      }
      if (d < -9223372036854775808.0) {
        if (is_lo) *out = INT64_MIN;
        else *empty = true;
        return Status::OK();
      }
      double f = is_lo ? std::ceil(d) : std::floor(d);
      int64_t r = static_cast<int64_t>(f);
      if (f == d && !inclusive) {
        if (is_lo) {
          if (r == INT64_MAX) *empty = true;
          else r++;
        } else {
          if (r == INT64_MIN) *empty = true;
          else r--;
        }
      }
      *out = r;
      return Status::OK();
    }
    int64_t r = v.integer();
    if (!inclusive) {
      if (is_lo) {
        if (r == INT64_MAX) *empty = true;
        else r++;
      } else {
        if (r == INT64_MIN) *empty = true;
        else r--;
      }
    }
    *out = r;
    return Status::OK();
  };
  if (rowid_lo) {
    bool empty = false;
    int64_t v = INT64_MIN;
    DOSQL_RETURN_IF_ERROR(to_rowid(rowid_lo, true, lo_inclusive, &v, &empty));
    if (empty) {
      done_ = true;
      return Status::OK();
    }
    lo = std::max(lo, v);
    lo_set = true;
  }
  if (rowid_hi) {
    bool empty = false;
    int64_t v = INT64_MAX;
    DOSQL_RETURN_IF_ERROR(to_rowid(rowid_hi, false, hi_inclusive, &v, &empty));
    if (empty) {
      done_ = true;
      return Status::OK();
    }
    hi_ = v;
    has_hi_ = true;
  }
  (void)lo_set;
  lo_ = lo;
  has_lo_ = lo != INT64_MIN;
  if (reverse) {
    if (has_hi_) {
      DOSQL_RETURN_IF_ERROR(cursor_->SeekForPrev(RowidKey(hi_)));
    } else {
      DOSQL_RETURN_IF_ERROR(cursor_->SeekLast());
    }
    return Status::OK();
  }
  if (lo == INT64_MIN) {
    DOSQL_RETURN_IF_ERROR(cursor_->SeekFirst());
  } else {
    DOSQL_RETURN_IF_ERROR(cursor_->Seek(RowidKey(lo)));
  }
  return Status::OK();
}

Status TableScanOp::LoadRow(Exec& ex, int64_t rowid, std::string_view value, bool tested) {
  last_rowid_ = rowid;
  Frame* f = ex.frames[level_];
  DOSQL_RETURN_IF_ERROR(DecodeRowColumns(*table_, value, rowid, &f->slots[base_], decode_wanted_,
                                         decode_limit_, tested ? &lazy_ : nullptr));
  if (rowid_slot_ >= 0) f->slots[rowid_slot_].SetInteger(rowid);
  return Status::OK();
}

void TableScanOp::RowLeaf(btree::PageId* root, btree::PageRef* leaf, uint32_t* slot) const {
  if (single_ && (point_read_ || memo_record_)) {  // not read through the cursor
    leaf->reset();
    return;
  }
  *leaf = cursor_ ? cursor_->leaf_page() : nullptr;
  if (*leaf) {
    *root = cursor_->root();
    *slot = cursor_->leaf_slot();
  }
}

Result<bool> TableScanOp::Next(Exec& ex) {
  while (true) {
    DOSQL_ASSIGN_OR_RETURN(bool row, NextRow(ex));
    const auto& hidden = table_->hidden_catalog_rows;
    if (!row || std::find(hidden.begin(), hidden.end(), last_rowid_) == hidden.end()) return row;
  }
}

Result<bool> TableScanOp::NextRow(Exec& ex) {
  if (done_) return false;
  if (single_) {
    DOSQL_RETURN_IF_ERROR(ex.Poll());
    done_ = true;
    if (point_read_) {
      DOSQL_RETURN_IF_ERROR(LoadRow(ex, single_rowid_, single_record_));
      return true;
    }
    if (memo_record_) {
      DOSQL_RETURN_IF_ERROR(LoadRow(ex, single_rowid_, *memo_record_));
      return true;
    }
    first_ = false;
    if (!cursor_->Valid()) return false;
    DOSQL_ASSIGN_OR_RETURN(std::string_view value, cursor_->value(&scratch_));
    DOSQL_ASSIGN_OR_RETURN(int64_t rowid, DecodeRowidKey(cursor_->key()));
    DOSQL_RETURN_IF_ERROR(LoadRow(ex, rowid, value));
    return true;
  }
  while (true) {
    DOSQL_RETURN_IF_ERROR(ex.Poll());
    std::string_view key, value;
    // A filtered forward scan tests the rest of the leaf in place, moving the cursor only to the
    // row it keeps (then past the rows it rejected), without a call per row.
    btree::LeafEntries leaf;
    if (!first_ && !reverse && !record_tests.empty() && cursor_->LeafAhead(&leaf)) {
      uint32_t i = leaf.next;
      for (; i < leaf.end; i++) {
        if (!leaf.Entry(i, &key, &value) || key.size() != kRowidKeySize) break;
        if (has_hi_ && DecodeRowidKey(reinterpret_cast<const uint8_t*>(key.data())) > hi_) break;
        const int quick = QuickRecordRejected(value);
        bool rejected = quick == 1;
        if (quick < 0) {
          DOSQL_ASSIGN_OR_RETURN(rejected, RecordRejected(value));
        }
        if (rejected) {
          DOSQL_RETURN_IF_ERROR(ex.Poll());
          continue;
        }
        cursor_->MoveInLeaf(i);
        DOSQL_RETURN_IF_ERROR(LoadRow(
            ex, DecodeRowidKey(reinterpret_cast<const uint8_t*>(key.data())), value, lazy_on_row_));
        return true;
      }
      // The general step from the last row rejected: the next leaf, an overflowing value, a
      // cell that does not parse, the end of a rowid range.
      if (i > leaf.next) cursor_->MoveInLeaf(i - 1);
    }
    // A forward step within the leaf to an inline value (most steps) comes without a Status.
    const bool in_leaf = !first_ && !reverse && cursor_->NextInLeaf(&key, &value);
    if (!in_leaf) {
      if (!first_) {
        if (reverse) {
          DOSQL_RETURN_IF_ERROR(cursor_->Prev());
        } else {
          DOSQL_RETURN_IF_ERROR(cursor_->Next());
        }
      }
      const bool first_row = first_;
      first_ = false;
      if (!cursor_->Valid()) {
        done_ = true;
        return false;
      }
      // The record tests' operands are read at the first row (a subquery among them is not run
      // for a table with none, as SQLite runs it at its first use).
      if (first_row) DOSQL_RETURN_IF_ERROR(EvalRecordTestSources(ex));
      key = cursor_->key();
    }
    if (reverse) {
      if (has_lo_) {
        DOSQL_ASSIGN_OR_RETURN(int64_t r, DecodeRowidKey(key));
        if (r < lo_) {
          done_ = true;
          return false;
        }
      }
    } else if (has_hi_) {
      DOSQL_ASSIGN_OR_RETURN(int64_t r, DecodeRowidKey(key));
      if (r > hi_) {
        done_ = true;
        return false;
      }
    }
    if (!in_leaf) {
      DOSQL_ASSIGN_OR_RETURN(value, cursor_->value(&scratch_));
    }
    if (!record_tests.empty()) {
      DOSQL_ASSIGN_OR_RETURN(bool rejected, RecordRejected(value));
      if (rejected) continue;
    }
    DOSQL_ASSIGN_OR_RETURN(int64_t rowid, DecodeRowidKey(key));
    DOSQL_RETURN_IF_ERROR(LoadRow(ex, rowid, value, !record_tests.empty() && lazy_on_row_));
    return true;
  }
}

namespace {
// CompareOutcome(c, op) == kTrue, inline (a call per tested row cost more than the test).
[[gnu::always_inline]] inline bool OrderSatisfies(int c, CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kIs:
      return c == 0;
    case CompareOp::kNe:
    case CompareOp::kIsNot:
      return c != 0;
    case CompareOp::kLt:
      return c < 0;
    case CompareOp::kLe:
      return c <= 0;
    case CompareOp::kGt:
      return c > 0;
    case CompareOp::kGe:
      return c >= 0;
  }
  return false;
}

// True when `t` is certainly not true for the stored value `v`; false when it is true or when
// telling needs the full comparison (affinity conversions, other collations), which the filter
// above the scan then makes. The comparison is ColumnConstCompare's (OrderWithConstant).
[[gnu::always_inline]] inline bool RecordTestRejects(const TableScanOp::RecordTest& t,
                                                     const ColumnView& v) {
  if (t.in) {
    // NULL IN (...) is NULL; else true as soon as one element may equal the value (or the
    // order needs the full comparison), which the filter then decides.
    if (v.type == ValueType::kNull) return true;
    if (v.type == ValueType::kText && t.text_fast) {
      // Equal texts have equal heads and sizes (most elements differ in the head).
      const uint64_t head = TextHead(v.bytes);
      for (size_t e = 0; e < t.in_list.size(); e++) {
        const Value& k = t.in_list[e];
        if (k.type() != ValueType::kText) return false;  // a conversion: the filter decides
        if (t.in_heads[e] == head && k.view() == v.bytes) return false;
      }
      return true;
    }
    for (const Value& k : t.in_list) {
      int c;
      if (!OrderWithConstant(v.type, v.integer, v.real, v.bytes, k, t.coll, t.text_fast, &c) ||
          c == 0) {
        return false;
      }
    }
    return true;
  }
  const ValueType tk = t.konst.type();
  if (t.like) {
    // As SqlLike: a BLOB never matches, NULL is NULL; numbers (matched by their text) and
    // patterns that are not text are left to the filter.
    if (v.type == ValueType::kBlob || v.type == ValueType::kNull) return true;
    if (v.type != ValueType::kText || tk != ValueType::kText ||
        t.konst.view().size() > kMaxLikePatternBytes) {
      return false;
    }
    return !LikeMatch(t.konst.view(), v.bytes);
  }
  int c;
  if (!OrderWithConstant(v.type, v.integer, v.real, v.bytes, t.konst, t.coll, t.text_fast, &c)) {
    // NULL compared by anything but IS / IS NOT is NULL: not true.
    return v.type == ValueType::kNull;
  }
  return !OrderSatisfies(t.column_first ? c : -c, t.op);
}

// The same for `column op other_column`, `w` the other column's stored value: the order of two
// stored values when it needs no conversion (as OrderWithConstant).
[[gnu::always_inline]] inline bool ColumnPairRejects(const TableScanOp::RecordTest& t,
                                                     const ColumnView& v, const ColumnView& w) {
  if (v.type == ValueType::kNull || w.type == ValueType::kNull) return true;  // NULL: not true
  int c;
  if (OrderNumbers(v.type, v.integer, v.real, w.type, w.integer, w.real, &c)) {
    // (numbers: their exact order)
  } else if (v.type == ValueType::kText && w.type == ValueType::kText && t.text_fast) {
    c = CompareBytes(v.bytes, w.bytes);
  } else {
    return false;  // conversions or another collation: the filter decides
  }
  return !OrderSatisfies(c, t.op);
}
}  // namespace

Status TableScanOp::EvalRecordTestSources(Exec& ex) {
  for (RecordTest& t : record_tests) {
    if (t.source != nullptr) DOSQL_RETURN_IF_ERROR(t.source->Eval(ex, &t.konst));
  }
  MakeFastTests();
  return Status::OK();
}

void TableScanOp::ReorderFastTests() {
  // The tests that reject the largest share of the rows they see first (a row's tests stop at
  // its first rejection); the counts then start over at a quarter, so that the order follows
  // the data as the scan moves through the table.
  fast_rows_ = 0;
  auto rate = [](const FastTest& f) {
    return f.made == 0 ? 0.0 : static_cast<double>(f.rejected) / static_cast<double>(f.made);
  };
  std::stable_sort(fast_tests_.begin(), fast_tests_.end(),
                   [&](const FastTest& x, const FastTest& y) { return rate(x) > rate(y); });
  for (FastTest& f : fast_tests_) {
    f.made /= 4;
    f.rejected /= 4;
  }
}

void TableScanOp::MakeFastTests() {
  fast_rows_ = 0;
  fast_tests_.clear();
  record_tests_last_ = -1;
  for (const RecordTest& t : record_tests) {
    record_tests_last_ = std::max({record_tests_last_, t.column, t.other_column});
    FastTest f;
    f.column = t.column;
    f.test = &t;
    // FastTest::rejects, the order flipped for `konst op column` as RecordTestRejects does.
    for (int c = -1; c <= 1; c++) {
      if (!OrderSatisfies(t.column_first ? c : -c, t.op)) {
        f.rejects |= static_cast<uint8_t>(1u << (c + 1));
      }
    }
    const ValueType tk = t.konst.type();
    if (!t.in && !t.like && t.other_column < 0) {
      if (tk == ValueType::kText && t.text_fast) {
        f.kind = FastTest::kText;
        f.text = t.konst.view();
        f.head = TextHead(f.text);
      } else if (tk == ValueType::kInteger || tk == ValueType::kReal) {
        f.kind = FastTest::kNumber;
        f.integer = tk == ValueType::kInteger;
        f.number = f.integer ? t.konst.integer() : 0;
        f.real = f.integer ? 0 : t.konst.real();
      }
    }
    fast_tests_.push_back(f);
  }
}

Status TableScanOp::BuildMemo(Exec& ex) {
  DOSQL_RETURN_IF_ERROR(EvalRecordTestSources(ex));
  DOSQL_ASSIGN_OR_RETURN(btree::Cursor c, ex.data->NewCursor(table_->tree));
  DOSQL_RETURN_IF_ERROR(c.SeekFirst());
  std::string scratch;
  for (; c.Valid();) {
    DOSQL_RETURN_IF_ERROR(ex.Poll());
    DOSQL_ASSIGN_OR_RETURN(int64_t rowid, DecodeRowidKey(c.key()));
    DOSQL_ASSIGN_OR_RETURN(std::string_view value, c.value(&scratch));
    bool rejected = false;
    if (!record_tests.empty()) {
      DOSQL_ASSIGN_OR_RETURN(rejected, RecordRejected(value));
    }
    if (!rejected && !needed_columns.empty()) {
      DOSQL_RETURN_IF_ERROR(
          ProjectRecord(value, needed_columns.data(), needed_columns.size(), &memo_scratch_));
      value = memo_scratch_;
    }
    if (!rejected && !memo_.Add(rowid, value)) return Status::OK();  // too big: lookups it is
    DOSQL_RETURN_IF_ERROR(c.Next());
  }
  memo_.Finish();
  ex.held.push_back(&memo_);
  return Status::OK();
}

[[gnu::always_inline]] inline int TableScanOp::QuickRecordRejected(std::string_view record) {
  // In nearly every record the serial types up to the last tested column are one byte each: the
  // tested columns are found in one inline pass (no reader state kept: LoadRow decodes the row
  // afresh), and tested as RecordTestRejects would, from the serial type and the body.
  ShortHeader h;
  if (static_cast<size_t>(record_tests_last_) < ShortHeader::kMaxColumns &&
      ReadShortHeader(record, static_cast<size_t>(record_tests_last_), &h)) {
    lazy_on_row_ = false;
    if (++fast_rows_ == kReorderRows) ReorderFastTests();
    for (FastTest& f : fast_tests_) {
      f.made++;
      const uint8_t st = h.types[f.column];
      const uint8_t* body = h.body + h.offsets[f.column];
      int c;
      switch (f.kind) {
        case FastTest::kText: {
          if (st < 13 || (st & 1) == 0) {
            if (st != 0) continue;  // a number or a BLOB: the filter decides
            f.rejected++;           // NULL: not true
            return 1;
          }
          const std::string_view v(reinterpret_cast<const char*>(body), (st - 13) / 2);
          const uint64_t head = TextHead(v);
          if (head != f.head) {
            c = head < f.head ? -1 : 1;
          } else {
            const int order = CompareBytes(v, f.text);
            c = (order > 0) - (order < 0);
          }
          break;
        }
        case FastTest::kNumber: {
          if (st == 7) {
            const double r = std::bit_cast<double>(DecodeFixed64(body));
            c = f.integer ? -CompareIntReal(f.number, r) : (r > f.real) - (r < f.real);
          } else if (st >= 1 && st <= 9) {  // (10 and 11 are not in a ShortHeader's columns)
            const int64_t i = st >= 8 ? st - 8 : record_internal::IntBody(st, body);
            if (f.integer) {
              c = i < f.number ? -1 : (i > f.number ? 1 : 0);
            } else {
              c = CompareIntReal(i, f.real);
            }
          } else {
            if (st != 0) continue;  // TEXT or BLOB: the filter decides
            f.rejected++;           // NULL: not true
            return 1;
          }
          break;
        }
        default: {
          ColumnView v;
          ShortHeaderColumn(h, static_cast<size_t>(f.column), &v);
          const RecordTest& t = *f.test;
          if (t.other_column < 0) {
            if (!RecordTestRejects(t, v)) continue;
            f.rejected++;
            return 1;
          }
          ColumnView w;
          ShortHeaderColumn(h, static_cast<size_t>(t.other_column), &w);
          if (!ColumnPairRejects(t, v, w)) continue;
          f.rejected++;
          return 1;
        }
      }
      if ((f.rejects >> (c + 1)) & 1) {
        f.rejected++;
        return 1;
      }
    }
    return 0;
  }
  return -1;
}

Result<bool> TableScanOp::RecordRejected(std::string_view record) {
  if (fast_tests_.size() != record_tests.size()) MakeFastTests();
  const int quick = QuickRecordRejected(record);
  if (quick >= 0) return quick == 1;
  lazy_on_row_ = true;
  DOSQL_RETURN_IF_ERROR(lazy_.Reset(record));
  ColumnView v;
  bool stored = false;
  int read = -1;  // the column in v (a range or BETWEEN makes two tests of one column in a row)
  for (const RecordTest& t : record_tests) {
    if (t.column != read) {
      DOSQL_RETURN_IF_ERROR(lazy_.Read(static_cast<size_t>(t.column), &v, &stored));
      read = t.column;
    }
    if (!stored) continue;  // past the record's columns: the filter decides
    if (t.other_column < 0) {
      if (RecordTestRejects(t, v)) return true;
      continue;
    }
    ColumnView w;
    bool other_stored;
    DOSQL_RETURN_IF_ERROR(lazy_.Read(static_cast<size_t>(t.other_column), &w, &other_stored));
    if (other_stored && ColumnPairRejects(t, v, w)) return true;
  }
  return false;
}

Result<std::optional<uint64_t>> TableScanOp::CountRows(Exec& ex) {
  if (Seeks() || !record_tests.empty() || table_->without_rowid || table_->is_schema_table) {
    return std::optional<uint64_t>();
  }
  if (table_->tree == 0) return std::optional<uint64_t>(0);
  // A full index has one entry per row, and fewer columns make fewer leaves.
  transaction::TreeId tree = table_->tree;
  size_t columns = SIZE_MAX;
  for (const auto& idx : table_->indexes) {
    if (idx->where == nullptr && idx->tree != 0 && idx->columns.size() < columns) {
      columns = idx->columns.size();
      tree = idx->tree;
    }
  }
  DOSQL_ASSIGN_OR_RETURN(btree::Cursor c, ex.data->NewCursor(tree));
  DOSQL_RETURN_IF_ERROR(c.SeekFirst());
  uint64_t rows = 0;
  while (c.Valid()) {
    DOSQL_RETURN_IF_ERROR(ex.Poll());
    uint64_t n;
    DOSQL_RETURN_IF_ERROR(c.SkipLeaf(&n));
    rows += n;
  }
  return std::optional<uint64_t>(rows);
}

void TableScanOp::NullRow(Exec& ex) {
  Frame* f = ex.frames[level_];
  for (size_t i = 0; i < table_->columns.size(); i++) f->slots[base_ + i] = Value();
  if (rowid_slot_ >= 0) f->slots[rowid_slot_] = Value();
}

std::string TableScanOp::Describe(int indent) const {
  std::string s = Pad(indent);
  std::string name = table_->name + (alias.empty() || alias == Lower(table_->name) ? "" : " AS " + alias);
  if (rowid_eq) return s + "SEARCH " + name + " USING INTEGER PRIMARY KEY (rowid=?)\n";
  if (rowid_lo || rowid_hi) {
    std::string c = rowid_lo && rowid_hi ? "rowid>? AND rowid<?" : rowid_lo ? "rowid>?" : "rowid<?";
    return s + "SEARCH " + name + " USING INTEGER PRIMARY KEY (" + c + ")\n";
  }
  return s + "SCAN " + name + "\n";
}

// ----- IndexScanOp -----

IndexScanOp::IndexScanOp(const TableInfo* table, const IndexInfo* index, int level, int base,
                         int rowid_slot)
    : table_(table), index_(index), level_(level), base_(base), rowid_slot_(rowid_slot) {}

namespace {
// The smallest key greater than every key that starts with `prefix`.
// Turns *prefix into the least key above every key that starts with it (empty: no bound).
void ToPrefixEnd(std::string* prefix) {
  while (!prefix->empty()) {
    unsigned char c = static_cast<unsigned char>(prefix->back());
    if (c != 0xff) {
      prefix->back() = static_cast<char>(c + 1);
      return;
    }
    prefix->pop_back();
  }
}
std::string PrefixEnd(std::string prefix) {
  ToPrefixEnd(&prefix);
  return prefix;
}
}  // namespace

bool IndexScanOp::ReadsNoColumn() const {
  return !needed_columns.empty() && std::all_of(needed_columns.begin(), needed_columns.end(),
                                                [](char needed) { return needed == 0; });
}

bool IndexScanOp::CoveredByKey() const {
  if (ReadsNoColumn() || IsLabelledIndex(*index_)) return false;
  for (size_t j = 0; j < table_->columns.size(); j++) {
    if (table_->columns[j].generated != nullptr) return false;
    if (!Needed(static_cast<int>(j)) || static_cast<int>(j) == table_->rowid_alias) continue;
    const bool in_key =
        std::any_of(index_->columns.begin(), index_->columns.end(), [&](const IndexColumn& ic) {
          return ic.column == static_cast<int>(j) && ic.collation.kind() == Collation::kBinary;
        });
    if (!in_key) return false;
  }
  return true;
}

namespace {
// A number's key encoding keeps its value but not its class (3 and 3.0 are one key; an integral
// number decodes as an INTEGER below 2^53, else as a REAL: record.md). Turns `v`, decoded from
// the key of a column with affinity `aff`, into the value the row holds — which the affinity
// tells — or returns false when it cannot (a BLOB or untyped column, which keeps 3.0 as REAL;
// -2^63 under INTEGER or NUMERIC affinity, which may be either class). TEXT, BLOB and NULL decode
// as they were stored (a TEXT key under BINARY holds the bytes).
bool ValueFromKey(Affinity aff, Value* v) {
  const bool integer_aff = aff == Affinity::kInteger || aff == Affinity::kNumeric;
  if (v->type() == ValueType::kInteger) {
    if (aff == Affinity::kReal) *v = Value::Real(static_cast<double>(v->integer()));
    return integer_aff || aff == Affinity::kReal;
  }
  if (v->type() != ValueType::kReal) return true;
  const double r = v->real();
  if (std::trunc(r) != r || aff == Affinity::kReal) return true;  // not integral, or REAL
  if (!integer_aff) return false;
  // Integral beyond 2^53: these affinities store an integral REAL within int64 as INTEGER.
  constexpr double kTwo63 = 9223372036854775808.0;
  if (r > -kTwo63 && r < kTwo63) {
    *v = Value::Integer(static_cast<int64_t>(r));
    return true;
  }
  return r != -kTwo63;
}
}  // namespace

Result<bool> IndexScanOp::ReadKeyColumns(std::string_view key, Value* slots) const {
  std::string_view in = key.substr(0, key.size() - kRowidKeySize);
  Value v;
  for (const IndexColumn& ic : index_->columns) {
    // An expression, a column not read, or a column under another collation than BINARY (its key
    // holds the collation's form of the text: NOCASE folds letters, RTRIM drops trailing spaces;
    // CoveredByKey found the column under BINARY too, in this or another key column).
    if (ic.column < 0 || !Needed(ic.column) || ic.collation.kind() != Collation::kBinary) {
      DOSQL_RETURN_IF_ERROR(SkipKeyValue(&in, ic.desc));
      continue;
    }
    DOSQL_RETURN_IF_ERROR(DecodeKeyValue(&in, ic.desc, &v));
    if (!ValueFromKey(table_->columns[static_cast<size_t>(ic.column)].affinity, &v)) return false;
    slots[ic.column] = v;
  }
  if (!in.empty()) return Status::Corruption("index " + index_->name + " has a malformed key");
  return true;
}

Status IndexScanOp::Open(Exec& ex) {
  done_ = false;
  if (!shape_known_) {  // the plan's column masks are final once it runs
    reads_no_column_ = ReadsNoColumn();
    covered_ = CoveredByKey();
    shape_known_ = true;
  }
  row_read_ = false;
  prefix_.clear();
  has_upper_ = false;
  auto coll_of = [&](size_t i) -> const Collation& {
    return i < colls.size() ? colls[i] : index_->columns[i].collation;
  };
  IndexKeyAccess access{ex.data, nullptr};
  for (size_t i = 0; i < eq.size(); i++) {
    Value v;
    DOSQL_RETURN_IF_ERROR(eq[i]->Eval(ex, &v));
    if (i < eq_affinity.size()) ApplyOperandAffinity(&v, eq_affinity[i]);
    if (v.is_null()) {
      done_ = true;
      return Status::OK();
    }
    bool absent = false;
    DOSQL_RETURN_IF_ERROR(AppendIndexKey(*index_, i, coll_of(i), v, LabelMode::kLookup, access,
                                         &prefix_, &absent));
    if (absent) {  // no entry has a value equal to v under the collation
      done_ = true;
      return Status::OK();
    }
  }
  // (The bounds' buffers are kept from one Open to the next: a lookup per outer row allocates
  // nothing for them.)
  std::string& start = start_;
  start.assign(prefix_);
  upper_.assign(prefix_);
  ToPrefixEnd(&upper_);
  has_upper_ = !prefix_.empty();
  if (eq.size() < index_->columns.size() && (lo || hi)) {
    const size_t col = eq.size();
    const IndexColumn& ic = index_->columns[col];
    // *exact false: no entry equals the bound (a labelled column), which then is the same key
    // inclusive or not.
    auto bound = [&](const CExpr* e, Affinity affinity, std::string* key, bool* null,
                     bool* exact) -> Status {
      Value v;
      DOSQL_RETURN_IF_ERROR(e->Eval(ex, &v));
      ApplyOperandAffinity(&v, affinity);
      if (v.is_null()) {
        *null = true;
        return Status::OK();
      }
      *key = prefix_;
      return AppendIndexBound(*index_, col, coll_of(col), v, ex.data, key, exact);
    };
    const CExpr* low = ic.desc ? hi : lo;
    const CExpr* high = ic.desc ? lo : hi;
    const Affinity low_affinity = ic.desc ? hi_affinity : lo_affinity;
    const Affinity high_affinity = ic.desc ? lo_affinity : hi_affinity;
    bool low_incl = ic.desc ? hi_inclusive : lo_inclusive;
    bool high_incl = ic.desc ? lo_inclusive : hi_inclusive;
    if (low) {
      std::string k;
      bool null = false, exact = true;
      DOSQL_RETURN_IF_ERROR(bound(low, low_affinity, &k, &null, &exact));
      if (null) {
        done_ = true;
        return Status::OK();
      }
      start = low_incl || !exact ? k : PrefixEnd(k);
    } else if (!ic.desc) {
      // Skip NULLs: a range comparison is never true for NULL.
      std::string k = prefix_;
      AppendKeyValue(Value(), false, &k);
      start = PrefixEnd(k);
    }
    if (high) {
      std::string k;
      bool null = false, exact = true;
      DOSQL_RETURN_IF_ERROR(bound(high, high_affinity, &k, &null, &exact));
      if (null) {
        done_ = true;
        return Status::OK();
      }
      upper_ = high_incl && exact ? PrefixEnd(k) : k;
      has_upper_ = true;
    } else if (ic.desc) {
      std::string k = prefix_;
      AppendKeyValue(Value(), true, &k);
      upper_ = k;
      has_upper_ = true;
    }
  }
  DOSQL_RETURN_IF_ERROR(reuse_.Prepare(ex, index_->tree, &cursor_));
  // The row cursor too, once per scan: like the index cursor it reads the trees as they are
  // now (writes elsewhere while the scan runs, as an INSERT ... SELECT makes, leave it be). A
  // covered scan prepares it for the first entry whose key does not tell its values.
  row_cursor_ready_ = false;
  if (!reads_no_column_ && !covered_) {
    DOSQL_RETURN_IF_ERROR(row_reuse_.Prepare(ex, table_->tree, &row_cursor_));
    row_cursor_ready_ = true;
  }
  first_row_ = true;
  lower_ = start;
  if (reverse) {
    // Start at the last key below the (exclusive) upper bound.
    if (has_upper_ && !upper_.empty()) {
      DOSQL_RETURN_IF_ERROR(cursor_->SeekForPrev(upper_));
      if (cursor_->Valid() && cursor_->key() >= std::string_view(upper_)) {
        DOSQL_RETURN_IF_ERROR(cursor_->Prev());
      }
    } else {
      DOSQL_RETURN_IF_ERROR(cursor_->SeekLast());
    }
    return Status::OK();
  }
  DOSQL_RETURN_IF_ERROR(cursor_->SeekNear(start));
  return Status::OK();
}

void IndexScanOp::RowLeaf(btree::PageId* root, btree::PageRef* leaf, uint32_t* slot) const {
  *leaf = row_cursor_ && row_read_ ? row_cursor_->leaf_page() : nullptr;
  if (*leaf) {
    *root = row_cursor_->root();
    *slot = row_cursor_->leaf_slot();
  }
}

Result<bool> IndexScanOp::Next(Exec& ex) {
  if (done_) return false;
  DOSQL_RETURN_IF_ERROR(ex.Poll());
  if (!first_row_) {
    if (reverse) {
      DOSQL_RETURN_IF_ERROR(cursor_->Prev());
    } else {
      DOSQL_RETURN_IF_ERROR(cursor_->Next());
    }
  }
  first_row_ = false;
  if (!cursor_->Valid()) {
    done_ = true;
    return false;
  }
  std::string_view key = cursor_->key();
  if (reverse) {
    if (key.compare(lower_) < 0) {
      done_ = true;
      return false;
    }
  } else if (has_upper_ && !upper_.empty() && key.compare(upper_) >= 0) {
    done_ = true;
    return false;
  }
  if (key.size() < kRowidKeySize) return Status::Corruption("index key too short");
  DOSQL_ASSIGN_OR_RETURN(int64_t rowid, DecodeRowidKey(key.substr(key.size() - kRowidKeySize)));
  Frame* f = ex.frames[level_];
  row_read_ = false;
  if (reads_no_column_) {  // only the rowid is wanted: the row is not read
    if (rowid_slot_ >= 0) f->slots[rowid_slot_].SetInteger(rowid);
    return true;
  }
  if (covered_) {
    DOSQL_ASSIGN_OR_RETURN(bool from_key, ReadKeyColumns(key, &f->slots[base_]));
    if (from_key) {
      const int alias = table_->rowid_alias;
      if (alias >= 0 && Needed(alias)) f->slots[base_ + alias].SetInteger(rowid);
      if (rowid_slot_ >= 0) f->slots[rowid_slot_].SetInteger(rowid);
      return true;
    }
    if (!row_cursor_ready_) {
      DOSQL_RETURN_IF_ERROR(row_reuse_.Prepare(ex, table_->tree, &row_cursor_));
      row_cursor_ready_ = true;
    }
  }
  // Entries next to each other often name rows next to each other: the row cursor then finds
  // the next one in the leaf it is on.
  row_read_ = true;
  const std::string row_key = RowidKey(rowid);
  DOSQL_RETURN_IF_ERROR(row_cursor_->SeekNear(row_key));
  if (!row_cursor_->Valid() || row_cursor_->key() != row_key) {
    return Status::Corruption("index " + index_->name + " names a missing row");
  }
  DOSQL_ASSIGN_OR_RETURN(std::string_view rec, row_cursor_->value(&row_scratch_));
  DOSQL_RETURN_IF_ERROR(DecodeRowInto(*table_, rec, rowid, &f->slots[base_],
                                      needed_columns.empty() ? nullptr : &needed_columns));
  if (rowid_slot_ >= 0) f->slots[rowid_slot_].SetInteger(rowid);
  return true;
}

void IndexScanOp::NullRow(Exec& ex) {
  Frame* f = ex.frames[level_];
  for (size_t i = 0; i < table_->columns.size(); i++) f->slots[base_ + i] = Value();
  if (rowid_slot_ >= 0) f->slots[rowid_slot_] = Value();
}

std::string IndexScanOp::Describe(int indent) const {
  std::string cond;
  for (size_t i = 0; i < eq.size(); i++) {
    const IndexColumn& ic = index_->columns[i];
    cond += (cond.empty() ? "" : " AND ") +
            (ic.column >= 0 ? table_->columns[ic.column].name : std::string("<expr>")) + "=?";
  }
  if ((lo || hi) && eq.size() < index_->columns.size()) {
    const IndexColumn& ic = index_->columns[eq.size()];
    std::string c = ic.column >= 0 ? table_->columns[ic.column].name : std::string("<expr>");
    if (lo) cond += (cond.empty() ? "" : " AND ") + c + ">?";
    if (hi) cond += (cond.empty() ? "" : " AND ") + c + "<?";
  }
  std::string name = table_->name + (alias.empty() || alias == Lower(table_->name) ? "" : " AS " + alias);
  const std::string using_index =
      std::string(ReadsNoColumn() || CoveredByKey() ? " USING COVERING INDEX " : " USING INDEX ") +
      index_->name;
  if (cond.empty()) return Pad(indent) + "SCAN " + name + using_index + "\n";
  return Pad(indent) + "SEARCH " + name + using_index + " (" + cond + ")\n";
}

// ----- FilterOp -----

Result<bool> FilterOp::Next(Exec& ex) {
  while (true) {
    DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex));
    if (!ok) return false;
    DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*pred_, ex));
    if (t == TriBool::kTrue) return true;
  }
}

std::string FilterOp::Describe(int indent) const { return child_->Describe(indent); }

Status InvariantFilterOp::Open(Exec& ex) {
  rejected_ = false;
  checked_ = first_row_ == nullptr;
  if (before_) {
    DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*before_, ex));
    if (t != TriBool::kTrue) {
      rejected_ = true;
      return Status::OK();
    }
  }
  return child_->Open(ex);
}

Result<bool> InvariantFilterOp::Next(Exec& ex) {
  if (rejected_) return false;
  DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex));
  if (!ok) return false;
  if (!checked_) {
    checked_ = true;
    DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*first_row_, ex));
    if (t != TriBool::kTrue) {
      rejected_ = true;
      return false;
    }
  }
  return true;
}

std::string SingleRowOp::Describe(int indent) const { return Pad(indent) + "SCAN CONSTANT ROW\n"; }

// ----- NestedLoopJoinOp -----

Status NestedLoopJoinOp::Open(Exec& ex) {
  left_valid_ = false;
  buffered_ = false;
  left_done_ = false;
  unmatched_pos_ = 0;
  right_rows_.clear();
  right_matched_.clear();
  return left_->Open(ex);
}

Result<bool> NestedLoopJoinOp::Next(Exec& ex) {
  if (type_ == JoinType::kFull) {
    Frame* f = ex.frames[right_level];
    if (!buffered_) {
      DOSQL_RETURN_IF_ERROR(right_->Open(ex));
      while (true) {
        DOSQL_ASSIGN_OR_RETURN(bool ok, right_->Next(ex));
        if (!ok) break;
        right_rows_.push_back(SaveSlots(*f, right_slots));
      }
      right_matched_.assign(right_rows_.size(), false);
      buffered_ = true;
    }
    while (!left_done_) {
      if (!left_valid_) {
        DOSQL_ASSIGN_OR_RETURN(bool ok, left_->Next(ex));
        if (!ok) {
          left_done_ = true;
          break;
        }
        left_valid_ = true;
        matched_ = false;
        right_pos_ = 0;
      }
      while (right_pos_ < right_rows_.size()) {
        DOSQL_RETURN_IF_ERROR(ex.Poll());
        size_t i = right_pos_++;
        LoadSlots(f, right_slots, right_rows_[i]);
        bool ok = true;
        if (on_) {
          DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*on_, ex));
          ok = t == TriBool::kTrue;
        }
        if (ok) {
          matched_ = true;
          right_matched_[i] = true;
          return true;
        }
      }
      left_valid_ = false;
      if (!matched_) {
        right_->NullRow(ex);
        return true;
      }
    }
    while (unmatched_pos_ < right_rows_.size()) {
      size_t i = unmatched_pos_++;
      if (right_matched_[i]) continue;
      left_->NullRow(ex);
      LoadSlots(f, right_slots, right_rows_[i]);
      return true;
    }
    return false;
  }
  while (true) {
    if (!left_valid_) {
      DOSQL_ASSIGN_OR_RETURN(bool ok, left_->Next(ex));
      if (!ok) return false;
      left_valid_ = true;
      matched_ = false;
      DOSQL_RETURN_IF_ERROR(right_->Open(ex));
    }
    while (true) {
      DOSQL_ASSIGN_OR_RETURN(bool ok, right_->Next(ex));
      if (!ok) break;
      if (on_) {
        DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*on_, ex));
        if (t != TriBool::kTrue) continue;
      }
      matched_ = true;
      return true;
    }
    left_valid_ = false;
    if (type_ == JoinType::kLeft && !matched_) {
      right_->NullRow(ex);
      return true;
    }
  }
}

std::string NestedLoopJoinOp::Describe(int indent) const {
  return left_->Describe(indent) + right_->Describe(indent);
}

// ----- HashJoinOp -----

namespace {
size_t KeyHash(const std::vector<Value>& k, const std::vector<Collation>& colls) {  // NOLINT
  size_t h = 0;
  for (size_t i = 0; i < k.size(); i++) h = h * 1000003u ^ HashValue(k[i], colls[i]);
  return h;
}
}  // namespace

Status HashJoinOp::Build(Exec& ex) {
  values_.clear();
  hashes_.clear();
  sorted_.clear();
  Frame* f = ex.frames[right_level];
  DOSQL_RETURN_IF_ERROR(right_->Open(ex));
  std::vector<Value> key(right_keys_.size());
  size_t n = 0;
  while (true) {
    DOSQL_ASSIGN_OR_RETURN(bool ok, right_->Next(ex));
    if (!ok) break;
    bool has_null = false;
    for (size_t i = 0; i < right_keys_.size(); i++) {
      DOSQL_RETURN_IF_ERROR(right_keys_[i]->Eval(ex, &key[i]));
      ApplyAffinity(&key[i], key_affinity_[i]);
      if (key[i].is_null()) has_null = true;
    }
    if (has_null) continue;  // = is never true for NULL
    if (n >= UINT32_MAX - 1) return Status::NoMemory("hash join: more than 4 billion rows to hash");
    if (ordered_) {
      sorted_.emplace(key, n);
    } else {
      hashes_.push_back(KeyHash(key, colls_));
    }
    for (int s : right_slots) values_.push_back(f->slots[s]);
    n++;
  }
  if (!ordered_) {
    size_t buckets = 16;
    while (buckets < n) buckets *= 2;
    mask_ = buckets - 1;
    heads_.assign(buckets, 0);
    next_.resize(n);
    for (size_t i = n; i-- > 0;) {  // backwards, so that each chain is in build order
      uint32_t& head = heads_[hashes_[i] & mask_];
      next_[i] = head;
      head = static_cast<uint32_t>(i + 1);
    }
  }
  built_ = true;
  built_generation_ = ex.generation;
  return Status::OK();
}

Status HashJoinOp::Open(Exec& ex) {
  left_valid_ = false;
  if (!right_is_constant || !built_ || built_generation_ != ex.generation) {
    DOSQL_RETURN_IF_ERROR(Build(ex));
  }
  return left_->Open(ex);
}

Result<bool> HashJoinOp::Next(Exec& ex) {
  Frame* f = ex.frames[right_level];
  const size_t width = right_slots.size();
  auto load = [&](size_t row) {
    const Value* v = values_.data() + row * width;
    for (size_t k = 0; k < width; k++) f->slots[right_slots[k]] = v[k];
  };
  key_.resize(left_keys_.size());
  while (true) {
    if (!left_valid_) {
      DOSQL_ASSIGN_OR_RETURN(bool ok, left_->Next(ex));
      if (!ok) return false;
      left_valid_ = true;
      matched_ = false;
      candidates_.clear();
      cand_pos_ = 0;
      chain_ = 0;
      bool has_null = false;
      for (size_t i = 0; i < left_keys_.size(); i++) {
        DOSQL_RETURN_IF_ERROR(left_keys_[i]->Eval(ex, &key_[i]));
        ApplyAffinity(&key_[i], key_affinity_[i]);
        if (key_[i].is_null()) has_null = true;
      }
      if (!has_null && ordered_) {
        auto range = sorted_.equal_range(key_);
        for (auto it = range.first; it != range.second; ++it) candidates_.push_back(it->second);
        std::sort(candidates_.begin(), candidates_.end());
      } else if (!has_null) {
        probe_hash_ = KeyHash(key_, colls_);
        chain_ = heads_[probe_hash_ & mask_];
      }
    }
    while (true) {
      // Each candidate polls: one probe may meet millions of equal keys, every one of them
      // rejected by the ON terms, without returning to a scan that polls.
      DOSQL_RETURN_IF_ERROR(ex.Poll());
      size_t row;
      if (chain_ != 0) {
        row = chain_ - 1;
        chain_ = next_[row];
        if (hashes_[row] != probe_hash_) continue;
      } else if (cand_pos_ < candidates_.size()) {
        row = candidates_[cand_pos_++];
      } else {
        break;
      }
      load(row);
      if (on_) {
        DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*on_, ex));
        if (t != TriBool::kTrue) continue;
      }
      matched_ = true;
      return true;
    }
    left_valid_ = false;
    if (type_ == JoinType::kLeft && !matched_) {
      right_->NullRow(ex);
      return true;
    }
  }
}

std::string HashJoinOp::Describe(int indent) const {
  std::string r = right_->Describe(indent);
  // SQLite calls an ephemeral hash index an automatic index.
  if (r.rfind(Pad(indent) + "SCAN ", 0) == 0) {
    r = Pad(indent) + "SEARCH " + r.substr(Pad(indent).size() + 5);
    if (!r.empty() && r.back() == '\n') r.pop_back();
    r += " USING AUTOMATIC HASH INDEX\n";
  }
  return left_->Describe(indent) + r;
}

// ----- MaterializeOp -----

Status MaterializeOp::Open(Exec& ex) {
  pos_ = 0;
  if (loaded_ && generation_ == ex.generation) return Status::OK();
  values_.clear();
  DOSQL_RETURN_IF_ERROR(child_->Open(ex));
  Frame* f = ex.frames[level_];
  while (true) {
    DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex));
    if (!ok) break;
    for (int s : slots_) values_.push_back(f->slots[s]);
  }
  loaded_ = true;
  generation_ = ex.generation;
  return Status::OK();
}

Result<bool> MaterializeOp::Next(Exec& ex) {
  if (pos_ >= values_.size()) return false;
  DOSQL_RETURN_IF_ERROR(ex.Poll());  // replayed once per outer row of a join
  Frame* f = ex.frames[level_];
  for (int s : slots_) f->slots[s] = values_[pos_++];
  return true;
}

// ----- RowSrcScanOp / BufferScanOp -----

Status RowSrcScanOp::Open(Exec& ex) {
  pos_ = 0;
  streaming_ = true;
  if (!materialize) return src_->Open(ex);
  if (loaded_ && loaded_generation_ == ex.generation) {
    streaming_ = false;
    return Status::OK();
  }
  // The first read in an execution streams (most such subqueries are read once: a copy of a
  // large one would only cost memory); a second read in the same execution copies the rows
  // and every later one reads the copy. (Generation 0, an execution without a number of its
  // own, copies at once.)
  if (ex.generation != 0 && opened_generation_ != ex.generation) {
    opened_generation_ = ex.generation;
    loaded_ = false;
    rows_.clear();
    return src_->Open(ex);
  }
  streaming_ = false;
  rows_.clear();
  DOSQL_RETURN_IF_ERROR(ReadRows(*src_, ex, &rows_));
  loaded_ = true;
  loaded_generation_ = ex.generation;
  return Status::OK();
}

Result<bool> RowSrcScanOp::Next(Exec& ex) {
  const Row* r;
  if (!streaming_) {
    if (pos_ >= rows_.size()) return false;
    DOSQL_RETURN_IF_ERROR(ex.Poll());  // a correlated subquery may rescan it per outer row
    r = &rows_[pos_++];
  } else {
    DOSQL_ASSIGN_OR_RETURN(bool ok, src_->Next(ex, &row_));
    if (!ok) return false;
    r = &row_;
  }
  Frame* f = ex.frames[level_];
  for (int i = 0; i < n_; i++) {
    Value& v = f->slots[base_ + i];
    v = i < static_cast<int>(r->size()) ? (*r)[i] : Value();
    v.set_subtype(0);  // SQLite's subquery and CTE columns carry no subtype
  }
  return true;
}

void RowSrcScanOp::NullRow(Exec& ex) {
  Frame* f = ex.frames[level_];
  for (int i = 0; i < n_; i++) f->slots[base_ + i] = Value();
}

std::string RowSrcScanOp::Describe(int indent) const {
  return Pad(indent) + (materialize ? "SCAN " + name_ + "\n" : "CO-ROUTINE " + name_ + "\n") +
         src_->Describe(indent + 1);
}

Result<bool> BufferScanOp::Next(Exec& ex) {
  if (pos_ >= rows_->size()) return false;
  DOSQL_RETURN_IF_ERROR(ex.Poll());
  const Row& r = (*rows_)[pos_++];
  Frame* f = ex.frames[level_];
  for (int i = 0; i < n_; i++) {
    Value& v = f->slots[base_ + i];
    v = i < static_cast<int>(r.size()) ? r[i] : Value();
    v.set_subtype(0);
  }
  return true;
}

void BufferScanOp::NullRow(Exec& ex) {
  Frame* f = ex.frames[level_];
  for (int i = 0; i < n_; i++) f->slots[base_ + i] = Value();
}

std::string BufferScanOp::Describe(int indent) const {
  return Pad(indent) + "SCAN " + name_ + "\n";
}

// ----- AggregateOp -----

namespace {
constexpr size_t kStateBlockBytes = 64 << 10;
constexpr size_t kStateAlign = __STDCPP_DEFAULT_NEW_ALIGNMENT__;
}  // namespace

AggregateState* AggregateOp::NewState(const AggSpec& a, size_t i) {
  if (in_place_[i]) {
    const size_t size = (a.fn->state_size + kStateAlign - 1) / kStateAlign * kStateAlign;
    if (blocks_.empty() || block_used_ + size > kStateBlockBytes) {
      blocks_.push_back(std::make_unique_for_overwrite<std::byte[]>(kStateBlockBytes));
      block_used_ = 0;
    }
    AggregateState* st = a.fn->make_at(blocks_.back().get() + block_used_, a.collation);
    block_used_ += size;
    return st;
  }
  auto st = a.fn->make(a.collation);
  if (a.distinct) st = MakeDistinct(std::move(st), a.collation);
  if (!a.order_by.empty()) st = MakeOrdered(std::move(st), a.order_keys, a.args.size());
  return st.release();
}

void AggregateOp::ClearStates() {
  const size_t n_aggs = aggs_.size();
  for (size_t i = 0; i < states_.size(); i++) {
    if (in_place_[i % n_aggs]) {
      states_[i]->~AggregateState();
    } else {
      delete states_[i];
    }
  }
  states_.clear();
  blocks_.clear();
  block_used_ = 0;
}

Status AggregateOp::Consume(Exec& ex) {
  n_groups_ = 0;
  group_keys_.clear();
  minmax_keys_.clear();
  flags_.clear();
  ClearStates();
  in_place_.resize(aggs_.size());
  for (size_t a = 0; a < aggs_.size(); a++) {
    const AggSpec& spec = aggs_[a];
    in_place_[a] = spec.fn->make_at != nullptr && spec.fn->state_size <= kStateBlockBytes &&
                   !spec.distinct && spec.order_by.empty();
  }
  saved_.clear();
  order_.clear();
  Frame* f = ex.frames[level_];
  // Keys under a user-defined collation have no hash: they go in an ordered KeyMap.
  const bool hashed = !NeedsOrderedKeys(colls_);
  HashSlots hash_index;  // group numbers by key hash
  KeyMap<size_t> ordered_index(&colls_);
  const size_t n_keys = keys_.size(), n_aggs = aggs_.size(), n_saved = saved_slots_.size();
  // count(*) alone over a whole table: its rows are counted, not read.
  auto count_star = [](const AggSpec& a) {
    return a.args.empty() && !a.filter && !a.distinct && a.order_by.empty();
  };
  auto* scan = dynamic_cast<TableScanOp*>(child_.get());
  if (scan != nullptr && n_keys == 0 && n_saved == 0 && minmax_agg < 0 && n_aggs > 0 &&
      pre.empty() && std::all_of(aggs_.begin(), aggs_.end(), count_star)) {
    DOSQL_ASSIGN_OR_RETURN(std::optional<uint64_t> rows, scan->CountRows(ex));
    if (rows) {
      bool counted = true;
      for (size_t a = 0; a < n_aggs; a++) {
        states_.push_back(NewState(aggs_[a], a));
        counted = counted && states_.back()->StepRows(*rows);
      }
      if (counted) {
        group_keys_.clear();
        flags_.push_back(0);
        n_groups_ = 1;
        return Status::OK();
      }
      ClearStates();  // a state without the shortcut (a user's count): rows are read
    }
  }
  DOSQL_RETURN_IF_ERROR(child_->Open(ex));
  std::vector<Value> key(n_keys);
  // The row's key as read: in place (a column) or in key[i]; copied into `key` only when a
  // group is made or hashing needs it.
  std::vector<const Value*> keyp(n_keys);
  // GROUP BY's equality of the row's key value i and `other` (CompareValues(...) == 0), with
  // the common cases first: two INTEGERs, or two TEXTs / BLOBs compared as bytes.
  std::vector<const Collation*> key_colls(n_keys);
  for (size_t i = 0; i < n_keys; i++) key_colls[i] = &KeyCollation(&colls_, i);
  auto same_value = [&](size_t i, const Value& other) {
    const Value& v = *keyp[i];
    if (v.type() == other.type()) {
      if (v.type() == ValueType::kInteger) return v.integer() == other.integer();
      if (v.type() == ValueType::kBlob ||
          (v.type() == ValueType::kText && key_colls[i]->kind() == Collation::kBinary)) {
        return v.bytes() == other.bytes();
      }
    }
    return CompareValues(v, other, *key_colls[i]) == 0;
  };
  auto compare_key = [&](const std::vector<Value>& other) {
    for (size_t i = 0; i < n_keys; i++) {
      const int c = CompareValues(*keyp[i], other[i], *key_colls[i]);
      if (c != 0) return c;
    }
    return 0;
  };
  auto take_key = [&]() {
    for (size_t i = 0; i < n_keys; i++) {
      if (keyp[i] != &key[i]) key[i] = *keyp[i];
      keyp[i] = &key[i];
    }
  };
  std::vector<Value> last;  // the newest group's key, while the input is in key order
  size_t prev_group = SIZE_MAX;  // once hashing: the previous row's group
  size_t max_args = 0;
  for (const AggSpec& a : aggs_) max_args = std::max(max_args, a.args.size() + a.order_by.size());
  std::vector<Value> args(max_args);  // each aggregate steps on its first entries
  // How each aggregate steps. Most take one argument (read in place when it is a column)
  // straight into their state, a built-in count's or sum's without a virtual call; FILTER,
  // several arguments, ORDER BY and the min/max that picks the bare columns' row go the
  // general way.
  enum class StepKind : uint8_t { kGeneral, kOneArg, kCountRow, kCountValue, kSum };
  std::vector<StepKind> step_kind(n_aggs, StepKind::kGeneral);
  for (size_t a = 0; a < n_aggs; a++) {
    const AggSpec& spec = aggs_[a];
    if (spec.filter || !spec.order_by.empty() || static_cast<int>(a) == minmax_agg) continue;
    using B = AggregateFunction::Builtin;
    const B builtin = spec.distinct ? B::kOther : spec.fn->builtin;  // (DISTINCT wraps the state)
    if (spec.args.empty()) {
      if (builtin == B::kCount) step_kind[a] = StepKind::kCountRow;
    } else if (spec.args.size() == 1) {
      step_kind[a] = builtin == B::kCount ? StepKind::kCountValue
                     : builtin == B::kSum ? StepKind::kSum
                                          : StepKind::kOneArg;
    }
  }
  auto new_group = [&](const std::vector<Value>& k) {
    for (const Value& v : k) group_keys_.push_back(v);
    if (minmax_agg >= 0) minmax_keys_.GrowTo(minmax_keys_.size() + n_keys);
    flags_.push_back(0);
    for (size_t a = 0; a < n_aggs; a++) states_.push_back(NewState(aggs_[a], a));
    saved_.GrowTo(saved_.size() + n_saved);
    return n_groups_++;
  };
  // Group g's key values: group_key(g)[i].
  struct KeyOf {
    const ValueChunks* keys;
    size_t base;
    const Value& operator[](size_t i) const { return (*keys)[base + i]; }
  };
  auto group_key = [&](size_t g) { return KeyOf{&group_keys_, g * n_keys}; };
  auto group_key_copy = [&](size_t g) {
    std::vector<Value> k(n_keys);
    for (size_t i = 0; i < n_keys; i++) k[i] = group_keys_[g * n_keys + i];
    return k;
  };
  // Whether the row's key (keyp) is group g's.
  auto in_group = [&](size_t g) {
    auto k = group_key(g);
    for (size_t i = 0; i < n_keys; i++) {
      if (!same_value(i, k[i])) return false;
    }
    return true;
  };
  // The previous row's group's key values (in group_keys_, which never moves them).
  std::vector<const Value*> prev_key(n_keys);
  auto in_prev_group = [&]() {
    for (size_t i = 0; i < n_keys; i++) {
      if (!same_value(i, *prev_key[i])) return false;
    }
    return true;
  };
  auto set_prev_group = [&](size_t g) {
    if (g == prev_group) return;
    prev_group = g;
    auto k = group_key(g);
    for (size_t i = 0; i < n_keys; i++) prev_key[i] = &k[i];
  };
  // The hash of the row's key, or of group g's.
  auto row_hash = [&]() {
    return HashGroupKey(
        n_keys, [&](size_t i) -> const Value& { return *keyp[i]; }, &colls_);
  };
  auto group_hash = [&](size_t g) {
    auto k = group_key(g);
    return HashGroupKey(
        n_keys, [&](size_t i) -> const Value& { return k[i]; }, &colls_);
  };
  // While the input arrives in key order (an index or a table loaded in key order), each row
  // belongs to the last group or starts the next one: no hashing, and no sort at the end. The
  // first row out of order indexes the groups so far and switches to hashing.
  bool in_order = true;
  while (true) {
    DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex));
    if (!ok) break;
    for (size_t i = 0; i < n_keys; i++) {
      DOSQL_RETURN_IF_ERROR(keys_[i]->Read(ex, &key[i], &keyp[i]));
    }
    size_t gi;
    if (n_keys == 0) {
      gi = n_groups_ == 0 ? new_group(key) : 0;  // no GROUP BY: one group
    } else if (in_order) {
      const int c = n_groups_ == 0 ? 1 : compare_key(last);
      if (c == 0) {
        gi = n_groups_ - 1;
      } else if (c > 0) {
        take_key();
        gi = new_group(key);
        last = key;
      } else {
        in_order = false;
        for (size_t g = 0; g < n_groups_; g++) {
          if (hashed) {
            hash_index.Insert(group_hash(g));
          } else {
            DOSQL_RETURN_IF_ERROR(ordered_index.Emplace(group_key_copy(g), g).status());
          }
        }
      }
    }
    if (!in_order) {
      // Neighbouring rows often share a group: the previous row's is tried before hashing.
      if (prev_group != SIZE_MAX && in_prev_group()) {
        gi = prev_group;
      } else if (hashed) {
        const uint64_t h = row_hash();
        const uint32_t found = hash_index.Find(h, in_group);
        if (found != HashSlots::kNone) {
          gi = found;
        } else {
          if (n_groups_ >= HashSlots::kMaxItems) {
            return Status::OutOfRange("GROUP BY: more than " +
                                      std::to_string(HashSlots::kMaxItems) + " groups");
          }
          take_key();
          gi = new_group(key);
          hash_index.Insert(h);
        }
        set_prev_group(gi);
      } else {
        take_key();
        if (size_t* found = ordered_index.Find(key)) {
          gi = *found;
        } else {
          gi = new_group(key);
          DOSQL_RETURN_IF_ERROR(ordered_index.Emplace(key, gi).status());
        }
        set_prev_group(gi);
      }
    }
    for (const PreExpr& p : pre) DOSQL_RETURN_IF_ERROR(p.expr->Eval(ex, &f->slots[p.slot]));
    uint8_t& flags = flags_[gi];
    AggregateState* const* states = states_.data() + gi * n_aggs;
    // The bare columns come from the group's first row, as in SQLite 3.40 — or, with a min() or
    // max(), from the row that gave its value (below).
    const bool first_save = (flags & kRowSaved) == 0;
    bool save_row = first_save;
    for (size_t a = 0; a < n_aggs; a++) {
      const AggSpec& spec = aggs_[a];
      switch (step_kind[a]) {
        case StepKind::kCountRow:
          static_cast<CountState*>(states[a])->StepRow();
          continue;
        case StepKind::kCountValue:
        case StepKind::kSum:
        case StepKind::kOneArg: {
          const Value* v;
          DOSQL_RETURN_IF_ERROR(spec.args[0]->Read(ex, &args[0], &v));
          if (step_kind[a] == StepKind::kSum) {
            static_cast<SumState*>(states[a])->StepValue(*v);
          } else if (step_kind[a] == StepKind::kCountValue) {
            static_cast<CountState*>(states[a])->StepValue(*v);
          } else {
            DOSQL_RETURN_IF_ERROR(states[a]->Step(std::span<const Value>(v, 1)));
          }
          continue;
        }
        case StepKind::kGeneral:
          break;
      }
      if (spec.filter) {
        DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*spec.filter, ex));
        if (t != TriBool::kTrue) continue;
      }
      const size_t n_args = spec.args.size() + spec.order_by.size();
      std::span<const Value> step_args(args.data(), n_args);
      if (n_args == 1 && spec.order_by.empty()) {
        // One argument, read in place when it is a column (no copy).
        const Value* v;
        DOSQL_RETURN_IF_ERROR(spec.args[0]->Read(ex, &args[0], &v));
        step_args = std::span<const Value>(v, 1);
      } else {
        for (size_t i = 0; i < spec.args.size(); i++) {
          DOSQL_RETURN_IF_ERROR(spec.args[i]->Eval(ex, &args[i]));
        }
        for (size_t i = 0; i < spec.order_by.size(); i++) {
          DOSQL_RETURN_IF_ERROR(spec.order_by[i]->Eval(ex, &args[spec.args.size() + i]));
        }
      }
      if (static_cast<int>(a) == minmax_agg && n_args > 0 && !step_args[0].is_null()) {
        DOSQL_ASSIGN_OR_RETURN(Value before, states[a]->Final());
        DOSQL_RETURN_IF_ERROR(states[a]->Step(step_args));
        DOSQL_ASSIGN_OR_RETURN(Value after, states[a]->Final());
        if (before.is_null() || CompareValues(before, after, spec.collation) != 0) save_row = true;
        flags |= kMinmaxSeen;
        continue;
      }
      // Until min()/max() has seen a value, the bare columns follow the latest row (SQLite's).
      if (static_cast<int>(a) == minmax_agg && (flags & kMinmaxSeen) == 0) save_row = true;
      DOSQL_RETURN_IF_ERROR(states[a]->Step(step_args));
    }
    if (save_row && minmax_agg >= 0) {
      for (size_t i = 0; i < n_keys; i++) minmax_keys_[gi * n_keys + i] = *keyp[i];
    }
    if (save_row) {
      flags |= kRowSaved;
      for (size_t i = 0; i < n_saved; i++) {
        const int k = i < saved_key.size() ? saved_key[i] : -1;
        if (k >= 0 && !first_save && !keyp[static_cast<size_t>(k)]->is_numeric()) continue;
        saved_[gi * n_saved + i] = f->slots[saved_slots_[i]];
      }
    }
  }
  if (n_groups_ == 0 && n_keys == 0) new_group({});
  // Output in group-key order, as SQLite's sorter does.
  if (n_keys != 0 && !in_order) {
    order_.resize(n_groups_);
    for (size_t i = 0; i < order_.size(); i++) order_[i] = static_cast<uint32_t>(i);
    std::stable_sort(order_.begin(), order_.end(), [&](uint32_t a, uint32_t b) {
      auto ka = group_key(a), kb = group_key(b);
      for (size_t i = 0; i < n_keys; i++) {
        const int c = CompareValues(ka[i], kb[i], KeyCollation(&colls_, i));
        if (c != 0) return c < 0;
      }
      return false;
    });
  }
  return Status::OK();
}

Status AggregateOp::Open(Exec& ex) {
  pos_ = 0;
  return Consume(ex);
}

Result<bool> AggregateOp::Next(Exec& ex) {
  if (pos_ >= n_groups_) return false;
  const size_t gi = order_.empty() ? pos_ : order_[pos_];
  pos_++;
  Frame* f = ex.frames[level_];
  const size_t n_saved = saved_slots_.size();
  for (size_t i = 0; i < n_saved; i++) f->slots[saved_slots_[i]] = saved_[gi * n_saved + i];
  for (size_t a = 0; a < aggs_.size(); a++) {
    DOSQL_ASSIGN_OR_RETURN(f->slots[aggs_[a].result_slot], states_[gi * aggs_.size() + a]->Final());
  }
  // The key values of the min/max row once there is one, else the group's.
  const bool minmax_row = minmax_agg >= 0 && (flags_[gi] & kRowSaved) != 0;
  const ValueChunks& keys = minmax_row ? minmax_keys_ : group_keys_;
  for (size_t i = 0; i < key_slots.size() && i < keys_.size(); i++) {
    f->slots[key_slots[i]] = keys[gi * keys_.size() + i];
  }
  return true;
}

void AggregateOp::NullRow(Exec& ex) {
  Frame* f = ex.frames[level_];
  for (int s : saved_slots_) f->slots[s] = Value();
  for (const auto& a : aggs_) f->slots[a.result_slot] = Value();
  for (int s : key_slots) f->slots[s] = Value();
}

std::string AggregateOp::Describe(int indent) const {
  std::string s = child_->Describe(indent);
  if (!keys_.empty()) s += Pad(indent) + "USE TEMP B-TREE FOR GROUP BY\n";
  return s;
}

// ----- ProjectSrc -----

Status ProjectSrc::Open(Exec& ex) {
  frame_.slots.assign(static_cast<size_t>(slots_), Value());
  ex.frames[level_] = &frame_;
  return child_->Open(ex);
}

Result<bool> ProjectSrc::Next(Exec& ex, Row* row) {
  ex.frames[level_] = &frame_;
  DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex));
  if (!ok) return false;
  row->resize(exprs_.size());
  for (size_t i = 0; i < exprs_.size(); i++) DOSQL_RETURN_IF_ERROR(exprs_[i]->Eval(ex, &(*row)[i]));
  return true;
}

Result<bool> ProjectSrc::Skip(Exec& ex, Row*) {
  ex.frames[level_] = &frame_;
  return child_->Next(ex);
}

std::string ProjectSrc::Describe(int indent) const { return child_->Describe(indent); }

// ----- ValuesSrc -----

Status ValuesSrc::Open(Exec& ex) {
  pos_ = 0;
  ex.frames[level_] = &frame_;
  return Status::OK();
}

Result<bool> ValuesSrc::Next(Exec& ex, Row* row) {
  if (pos_ >= rows_.size()) return false;
  ex.frames[level_] = &frame_;
  const auto& exprs = rows_[pos_++];
  row->resize(exprs.size());
  for (size_t i = 0; i < exprs.size(); i++) DOSQL_RETURN_IF_ERROR(exprs[i]->Eval(ex, &(*row)[i]));
  return true;
}

std::string ValuesSrc::Describe(int indent) const {
  return Pad(indent) + "SCAN " + std::to_string(rows_.size()) + " CONSTANT ROWS\n";
}

// ----- SortSrc -----

int CompareSortValues(const Value& x, const Value& y, const SortKey& k) {
  if (x.is_null() || y.is_null()) {
    if (x.is_null() && y.is_null()) return 0;
    bool x_first = x.is_null() == k.nulls_first;
    return x_first ? -1 : 1;
  }
  int c = CompareValues(x, y, k.collation);
  return k.desc ? -c : c;
}

int CompareRows(const Row& a, const Row& b, const std::vector<SortKey>& keys) {
  for (const SortKey& k : keys) {
    int c = CompareSortValues(a[k.column], b[k.column], k);
    if (c != 0) return c;
  }
  return 0;
}

Status SortSrc::Open(Exec& ex) {
  rows_.clear();
  pos_ = 0;
  if (limit_hint_ >= 0) {
    DOSQL_RETURN_IF_ERROR(child_->Open(ex));
    return OpenTopN(ex, static_cast<size_t>(limit_hint_));
  }
  DOSQL_RETURN_IF_ERROR(ReadRows(*child_, ex, &rows_));
  // Ties keep their input order (a stable sort).
  std::stable_sort(rows_.begin(), rows_.end(),
                   [&](const Row& a, const Row& b) { return CompareRows(a, b, keys_) < 0; });
  return Status::OK();
}

// The first k rows in order as they stream in: a heap of the best k so far, its worst on top
// (ties broken by input position, so the sort stays stable). A row that does not beat the top
// is dropped at once and its buffer reused: memory and comparisons follow k, not the input.
Status SortSrc::OpenTopN(Exec& ex, size_t k) {
  std::vector<uint64_t> seq;   // input position of rows_[i]
  std::vector<uint32_t> heap;  // indexes into rows_
  auto before = [&](uint32_t a, uint32_t b) {
    const int c = CompareRows(rows_[a], rows_[b], keys_);
    return c != 0 ? c < 0 : seq[a] < seq[b];
  };
  Row r;
  for (uint64_t n = 0;; n++) {
    DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex, &r));
    if (!ok) break;
    if (heap.size() < k) {
      heap.push_back(static_cast<uint32_t>(rows_.size()));
      rows_.push_back(std::move(r));
      seq.push_back(n);
      std::push_heap(heap.begin(), heap.end(), before);
      r = Row();
      continue;
    }
    // Later than every row held: it gets in only with a key strictly before the top's.
    if (k == 0 || CompareRows(r, rows_[heap.front()], keys_) >= 0) continue;
    std::pop_heap(heap.begin(), heap.end(), before);
    const uint32_t slot = heap.back();
    std::swap(rows_[slot], r);  // r keeps the dropped row's buffer for the next row
    seq[slot] = n;
    std::push_heap(heap.begin(), heap.end(), before);
  }
  std::sort(heap.begin(), heap.end(), before);
  std::vector<Row> out;
  out.reserve(heap.size());
  for (uint32_t i : heap) out.push_back(std::move(rows_[i]));
  rows_ = std::move(out);
  return Status::OK();
}

Result<bool> SortSrc::Next(Exec&, Row* row) {
  if (pos_ >= rows_.size()) return false;
  *row = std::move(rows_[pos_++]);
  row->resize(static_cast<size_t>(visible_));
  return true;
}

std::string SortSrc::Describe(int indent) const {
  return child_->Describe(indent) + Pad(indent) + "USE TEMP B-TREE FOR ORDER BY\n";
}

// ----- DistinctSrc -----

Status DistinctSrc::Open(Exec& ex) {
  seen_.Clear();
  return child_->Open(ex);
}

Result<bool> DistinctSrc::Next(Exec& ex, Row* row) {
  while (true) {
    DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex, row));
    if (!ok) return false;
    // The key is copied only when it is stored: a repeated row allocates nothing.
    const std::vector<Value>* key = row;
    if (row->size() != colls_.size()) {
      key_.assign(row->begin(), row->begin() + static_cast<long>(colls_.size()));
      key = &key_;
    }
    DOSQL_ASSIGN_OR_RETURN(auto stored, seen_.Emplace(*key, true));
    if (stored.second) return true;
  }
}

std::string DistinctSrc::Describe(int indent) const {
  return child_->Describe(indent) + Pad(indent) + "USE TEMP B-TREE FOR DISTINCT\n";
}

// ----- LimitSrc -----

namespace {
Result<int64_t> EvalLimit(const CExpr& e, Exec& ex) {
  Value v;
  DOSQL_RETURN_IF_ERROR(e.Eval(ex, &v));
  ApplyAffinity(&v, Affinity::kNumeric);
  if (v.type() == ValueType::kInteger) return v.integer();
  if (v.type() == ValueType::kReal && RealSameAsInt(v.real(), RealToInt64(v.real()))) {
    return RealToInt64(v.real());
  }
  return Status::InvalidArgument("datatype mismatch");
}
}  // namespace

Result<bool> RealColumnsSrc::Next(Exec& ex, Row* row) {
  DOSQL_ASSIGN_OR_RETURN(bool more, child_->Next(ex, row));
  if (!more) return false;
  for (int c : columns_) {
    Value& v = (*row)[static_cast<size_t>(c)];
    if (v.type() == ValueType::kInteger) v = Value::Real(static_cast<double>(v.integer()));
  }
  return true;
}

Status LimitSrc::Open(Exec& ex) {
  remaining_ = -1;
  skip_ = 0;
  if (limit_) {
    DOSQL_ASSIGN_OR_RETURN(remaining_, EvalLimit(*limit_, ex));
    if (remaining_ < 0) remaining_ = -1;
  }
  if (offset_) {
    DOSQL_ASSIGN_OR_RETURN(skip_, EvalLimit(*offset_, ex));
    if (skip_ < 0) skip_ = 0;
  }
  if (remaining_ == 0) return Status::OK();
  if (remaining_ > 0 && remaining_ <= INT64_MAX - skip_) child_->SetLimitHint(remaining_ + skip_);
  return child_->Open(ex);
}

Result<bool> LimitSrc::Next(Exec& ex, Row* row) {
  if (remaining_ == 0) return false;
  while (skip_ > 0) {
    DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Skip(ex, row));
    if (!ok) return false;
    skip_--;
  }
  DOSQL_ASSIGN_OR_RETURN(bool ok, child_->Next(ex, row));
  if (!ok) return false;
  if (remaining_ > 0) remaining_--;
  return true;
}

std::string LimitSrc::Describe(int indent) const { return child_->Describe(indent); }

// ----- CompoundSrc -----

Status CompoundSrc::Open(Exec& ex) {
  rows_.clear();
  pos_ = 0;
  left_done_ = false;
  if (kind_ == Kind::kUnionAll) return left_->Open(ex);
  std::vector<SortKey> keys;
  for (size_t i = 0; i < colls_.size(); i++) {
    SortKey k;
    k.column = static_cast<int>(i);
    k.collation = colls_[i];
    keys.push_back(k);
  }
  auto less = [&](const Row& a, const Row& b) { return CompareRows(a, b, keys) < 0; };
  auto eq = [&](const Row& a, const Row& b) { return CompareRows(a, b, keys) == 0; };
  std::vector<Row> left;
  DOSQL_RETURN_IF_ERROR(ReadRows(*left_, ex, &left));
  std::vector<Row> right;
  DOSQL_RETURN_IF_ERROR(ReadRows(*right_, ex, &right));
  // Duplicates: the row seen last represents them (SQLite's ephemeral index keeps the last).
  auto dedupe_last = [&](std::vector<Row>* rows) {
    std::stable_sort(rows->begin(), rows->end(), less);
    std::vector<Row> out;
    for (auto& r : *rows) {
      if (!out.empty() && eq(out.back(), r)) {
        out.back() = std::move(r);
      } else {
        out.push_back(std::move(r));
      }
    }
    *rows = std::move(out);
  };
  switch (kind_) {
    case Kind::kUnion: {
      for (auto& r : right) left.push_back(std::move(r));
      dedupe_last(&left);
      rows_ = std::move(left);
      break;
    }
    case Kind::kIntersect:
      dedupe_last(&left);
      dedupe_last(&right);
      std::set_intersection(left.begin(), left.end(), right.begin(), right.end(),
                            std::back_inserter(rows_), less);
      break;
    case Kind::kExcept:
      dedupe_last(&left);
      dedupe_last(&right);
      std::set_difference(left.begin(), left.end(), right.begin(), right.end(),
                          std::back_inserter(rows_), less);
      break;
    case Kind::kUnionAll:
      break;
  }
  return Status::OK();
}

Result<bool> CompoundSrc::Next(Exec& ex, Row* row) {
  if (kind_ == Kind::kUnionAll) {
    if (!left_done_) {
      DOSQL_ASSIGN_OR_RETURN(bool ok, left_->Next(ex, row));
      if (ok) return true;
      left_done_ = true;
      DOSQL_RETURN_IF_ERROR(right_->Open(ex));
    }
    return right_->Next(ex, row);
  }
  if (pos_ >= rows_.size()) return false;
  *row = std::move(rows_[pos_++]);
  return true;
}

std::string CompoundSrc::Describe(int indent) const {
  const char* names[] = {"UNION USING TEMP B-TREE", "UNION ALL", "INTERSECT USING TEMP B-TREE",
                         "EXCEPT USING TEMP B-TREE"};
  return Pad(indent) + "COMPOUND QUERY\n" + Pad(indent + 1) + "LEFT-MOST SUBQUERY\n" +
         left_->Describe(indent + 2) + Pad(indent + 1) + names[static_cast<int>(kind_)] + "\n" +
         right_->Describe(indent + 2);
}

// ----- RecursiveSrc -----

bool RecursiveSrc::RowLess(const Row& a, const Row& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); i++) {
    int c = CompareValues(a[i], b[i], Collation::kBinary);
    if (c != 0) return c < 0;
  }
  return a.size() < b.size();
}

Status RecursiveSrc::Open(Exec& ex) {
  queue_.clear();
  seen_.clear();
  working_->clear();
  DOSQL_RETURN_IF_ERROR(initial_->Open(ex));
  while (true) {
    Row r;
    DOSQL_ASSIGN_OR_RETURN(bool ok, initial_->Next(ex, &r));
    if (!ok) break;
    if (distinct_ && !seen_.insert(r).second) continue;
    queue_.push_back(std::move(r));
  }
  return Status::OK();
}

// SQLite's algorithm: rows wait in a queue (FIFO, or ordered by the CTE's ORDER BY); each step
// takes one row out, returns it, and runs the recursive select with that row as the working
// table, queueing what it yields.
Result<bool> RecursiveSrc::Next(Exec& ex, Row* row) {
  if (queue_.empty()) return false;
  DOSQL_RETURN_IF_ERROR(ex.Poll());
  auto pick = queue_.begin();
  if (!order.empty()) {
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (CompareRows(*it, *pick, order) < 0) pick = it;
    }
  }
  *row = std::move(*pick);
  queue_.erase(pick);
  working_->clear();
  working_->push_back(*row);
  DOSQL_RETURN_IF_ERROR(recursive_->Open(ex));
  while (true) {
    Row r;
    DOSQL_ASSIGN_OR_RETURN(bool ok, recursive_->Next(ex, &r));
    if (!ok) break;
    if (distinct_ && !seen_.insert(r).second) continue;
    queue_.push_back(std::move(r));
  }
  return true;
}

std::string RecursiveSrc::Describe(int indent) const {
  return Pad(indent) + "SETUP\n" + initial_->Describe(indent + 1) + Pad(indent) +
         "RECURSIVE STEP\n" + recursive_->Describe(indent + 1);
}

std::string BufferSrc::Describe(int) const { return ""; }

}  // namespace dosql::engine
