// dosql::engine (internal) — the physical operators (see exec.h for the model).
#pragma once

#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "aggregate.h"
#include "dosql/core/coding.h"
#include "dosql/core/record.h"
#include "exec.h"

namespace dosql::engine {

// Bounds on a scan's key: rowid for tables, the encoded prefix for indexes.
struct KeyBound {
  std::vector<const CExpr*> values;  // encoded in order (index columns); empty: unbounded
  bool inclusive = true;
};

// A scan's cursor, kept from one Open to the next (no allocation per lookup in a join): when
// the tree has not changed since, within the same execution, the next seek may start from the
// leaf the cursor is on (btree::Cursor::SeekNear); otherwise the cursor is Reset, which makes
// SeekNear a plain Seek.
struct CursorReuse {
  uint64_t generation = 0;
  uint64_t changes = 0;
  // Makes *cursor (made if empty) read `tree` as it is now, so that SeekNear is safe on it.
  Status Prepare(Exec& ex, transaction::TreeId tree, std::optional<btree::Cursor>* cursor);
  // The same, given what Version(tree) returned just before.
  Status Prepare(Exec& ex, transaction::TreeId tree, const DataAccess::TreeVersion& v,
                 std::optional<btree::Cursor>* cursor);
};

// The rows of a table held in memory for one execution, by rowid: a table scan that looks rows
// up by rowid (a join's inner side) reads its table into one once its lookups outnumber a
// fraction of the table's rows, then answers them from memory with no B-tree descent (an
// automatic index, made only when the lookups show it pays: SQL Server's adaptive join).
// Only the records the scan's record tests do not reject are held: a lookup of a rejected row
// finds nothing, which the filter above the scan would have made of it anyway.
class LookupMemo final : public ExecutionMemory {
 public:
  // The most bytes of records one memo holds; a table with more is left to lookups.
  static constexpr size_t kMaxBytes = size_t{128} << 20;
  // Lookups before the first look at the table's size, and the share of its estimated rows
  // the lookups must reach (1/kRowsPerLookup) before the table is read.
  static constexpr uint64_t kFirstCheck = 64;
  static constexpr uint64_t kRowsPerLookup = 8;

  enum class State { kCounting, kBuilt, kGaveUp };
  // Starts over (memory freed) unless it is for this execution and tree version.
  void Track(uint64_t generation, const DataAccess::TreeVersion& v);
  // Counts a lookup; true when the caller should build (the table estimated at `rows`).
  bool CountLookup(uint64_t estimated_rows);
  State state() const { return state_; }
  void Clear();
  void Free() override { Clear(); }
  // Building: rows in rowid order; false once over kMaxBytes (the memo then gives up).
  bool Add(int64_t rowid, std::string_view record);
  void Finish();  // indexes the rows added; state kBuilt
  // The record of `rowid`, or nullopt when the table (as the memo holds it) has none.
  std::optional<std::string_view> Find(int64_t rowid) const;

 private:
  struct Entry {
    int64_t rowid;
    const char* data;
    size_t size;
  };
  State state_ = State::kCounting;
  uint64_t generation_ = 0;
  DataAccess::TreeVersion version_;
  uint64_t lookups_ = 0;
  uint64_t next_check_ = kFirstCheck;
  // The records, in blocks that never move (no copy as they grow).
  static constexpr size_t kBlockBytes = size_t{1} << 20;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_size_ = 0, block_left_ = 0;
  size_t bytes_ = 0;            // records and entries
  std::vector<Entry> entries_;  // in rowid order
  // Buckets of rowids: bucket b holds rowids first_ + [b << shift_, (b + 1) << shift_), its
  // entries are entries_[starts_[b], starts_[b + 1]). About one entry per bucket, and
  // neighbouring rowids in neighbouring memory (lookups in rowid order stay in the CPU cache).
  int64_t first_ = 0;
  int shift_ = 0;
  std::vector<uint32_t> starts_;
};

// A text's first eight bytes as a big-endian number, zero-padded when it is shorter: two texts'
// numbers differ where the texts do (a zero pad sorts a text before the longer ones it starts).
[[gnu::always_inline]] inline uint64_t TextHead(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  if (n >= 8) return DecodeBigEndian64(p);
  // Two loads that overlap (their common bytes are the same) read the n bytes without a loop.
  if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return (static_cast<uint64_t>(__builtin_bswap32(a)) << 32) |
           (static_cast<uint64_t>(__builtin_bswap32(b)) << (64 - 8 * n));
  }
  if (n == 0) return 0;
  return (static_cast<uint64_t>(p[0]) << 56) |
         (static_cast<uint64_t>(p[n / 2]) << (56 - 8 * (n / 2))) |
         (static_cast<uint64_t>(p[n - 1]) << (64 - 8 * n));
}

// memcmp order of two byte strings, shorter first on a common prefix; the first eight bytes
// compared as one number (most texts differ there; short ones then need no memcmp call).
[[gnu::always_inline]] inline int CompareBytes(std::string_view a, std::string_view b) {
  const uint64_t ha = TextHead(a), hb = TextHead(b);
  if (ha != hb) return ha < hb ? -1 : 1;
  if (a.size() > 8 && b.size() > 8) {
    const size_t n = std::min(a.size(), b.size()) - 8;
    const int c = std::memcmp(a.data() + 8, b.data() + 8, n);
    if (c != 0) return c;
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// *c = the order of a value (of type tv: the number i or r, or the bytes) and the constant k
// when telling needs no conversion: integers, a number with a number (SQLite's exact
// integer/real order), TEXT with TEXT when text_fast (BINARY collation, no numeric affinity;
// the first eight bytes compared as one big-endian number, where most texts differ). False
// when the full comparison (CompareExpr) is needed. Shared by ColumnConstCompare (a decoded
// column) and a scan's record tests (a column read in place).
// *c = the order of two numbers, each an INTEGER (i) or a REAL (r) by its type, as
// CompareValues orders them (exact integer/real comparison), without making a Value. False when
// either is not a number.
[[gnu::always_inline]] inline bool OrderNumbers(ValueType ta, int64_t ia, double ra, ValueType tb,
                                                int64_t ib, double rb, int* c) {
  const bool a_int = ta == ValueType::kInteger, b_int = tb == ValueType::kInteger;
  if ((!a_int && ta != ValueType::kReal) || (!b_int && tb != ValueType::kReal)) return false;
  if (a_int && b_int) {
    *c = ia < ib ? -1 : (ia > ib ? 1 : 0);
  } else if (a_int) {
    *c = CompareIntReal(ia, rb);
  } else if (b_int) {
    *c = -CompareIntReal(ib, ra);
  } else {
    *c = ra < rb ? -1 : (ra > rb ? 1 : 0);
  }
  return true;
}

[[gnu::always_inline]] inline bool OrderWithConstant(ValueType tv, int64_t i, double r,
                                                     std::string_view bytes, const Value& k,
                                                     const Collation& coll, bool text_fast,
                                                     int* c) {
  const ValueType tk = k.type();
  if (OrderNumbers(tv, i, r, tk, tk == ValueType::kInteger ? k.integer() : 0,
                   tk == ValueType::kReal ? k.real() : 0, c)) {
    return true;
  }
  if (tv != ValueType::kText || tk != ValueType::kText || !text_fast) return false;
  *c = CompareBytes(bytes, k.view());
  return true;
}

// Full or rowid-range scan of a rowid table; writes columns to slots [base, base+ncols) and the
// rowid to rowid_slot.
class TableScanOp final : public Op {
 public:
  TableScanOp(const TableInfo* table, int level, int base, int rowid_slot);
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override;
  std::string Describe(int indent) const override;

  bool Seeks() const override { return rowid_eq || rowid_lo || rowid_hi; }
  // The number of rows a full scan would give, counted from the entries of the table's smallest
  // tree (its index with the fewest columns, else the table) leaf by leaf, without opening the
  // scan; nullopt when the scan has bounds or tests of its own.
  Result<std::optional<uint64_t>> CountRows(Exec& ex);
  const TableInfo* table() const { return table_; }
  int level() const { return level_; }
  int base() const { return base_; }
  void PrepareToChangeRows() override {
    needed_columns.clear();
    point_read_ = true;
  }
  void RowLeaf(btree::PageId* root, btree::PageRef* leaf, uint32_t* slot) const override;
  const TableInfo* ScannedTable() const override { return rowid_eq ? nullptr : table_; }

  // Optional rowid constraints (evaluated at Open).
  const CExpr* rowid_eq = nullptr;
  const CExpr* rowid_lo = nullptr;
  bool lo_inclusive = true;
  const CExpr* rowid_hi = nullptr;
  bool hi_inclusive = true;
  std::string alias;
  std::vector<CExprPtr> owned;  // the expressions above point into these
  bool reverse = false;         // descending rowid order (ORDER BY ... DESC)

  // Columns the query reads (one flag per table column; empty: all): the rest are not decoded.
  std::vector<char> needed_columns;

  // A filter term `column op value`, `column LIKE pattern`, `column IN (constants)` or
  // `column op other_column` (two stored columns of the row), the value or pattern a constant
  // or a bound parameter, that the scan tests on the stored record before the row is decoded
  // (late materialisation): a row it certainly rejects is skipped undecoded. The filter above
  // the scan still tests every row the scan returns, so a test only has to be right when it
  // rejects. Set by the planner; op is never IS / IS NOT.
  struct RecordTest {
    int column;  // the table column
    CompareOp op = CompareOp::kEq;
    bool column_first = true;  // `column op konst` (else `konst op column`)
    bool text_fast = false;    // TEXT with TEXT compares bytewise (BINARY, no numeric affinity)
    bool like = false;         // `column LIKE konst` (no ESCAPE) instead of a comparison
    bool in = false;           // `column IN (in_list)` (not NOT IN) instead of a comparison
    int other_column = -1;     // >= 0: `column op other_column` instead of a constant
    std::vector<Value> in_list;
    std::vector<uint64_t> in_heads;  // TextHead of each TEXT element of in_list (else 0)
    Value konst;
    Collation coll;
    // A parameter or an uncorrelated scalar subquery: konst is read from it at the scan's
    // first row.
    const CExpr* source = nullptr;
  };
  std::vector<RecordTest> record_tests;

 private:
  Result<bool> NextRow(Exec& ex);
  // Whether a record test rejects `record` (the row is then skipped).
  Result<bool> RecordRejected(std::string_view record);
  // RecordRejected's common case, inline: 1 rejected, 0 kept, -1 RecordRejected must tell (a
  // serial type up to the last tested column is longer than a byte, or that column is past the
  // 64th or past the record's end).
  int QuickRecordRejected(std::string_view record);
  // Reads the table into memo_ (its rows the record tests keep), or gives up on it.
  Status BuildMemo(Exec& ex);
  Status EvalRecordTestSources(Exec& ex);
  LookupMemo memo_;
  std::optional<std::string_view> memo_record_;  // rowid_eq answered by memo_: the row
  std::string memo_scratch_;
  // A record test as RecordRejected makes it on each row: a column against a TEXT constant
  // (bytewise) or a number, in plain data; any other test (kGeneric) through RecordTestRejects.
  // Made at the scan's first row, the constants known.
  struct FastTest {
    enum Kind : uint8_t { kText, kNumber, kGeneric };
    Kind kind = kGeneric;
    // Bit c + 1 set: the column's order c (-1, 0, 1) against the constant rejects the row.
    uint8_t rejects = 0;
    int column = 0;
    uint64_t head = 0;      // kText: TextHead(text)
    std::string_view text;  // kText: the constant (in the RecordTest's konst)
    bool integer = false;   // kNumber: the constant is an INTEGER (number), else a REAL (real)
    int64_t number = 0;
    double real = 0;
    const RecordTest* test = nullptr;  // kGeneric
    uint64_t made = 0;      // rows this test was made on (since the counts last started over)
    uint64_t rejected = 0;  // and those it rejected
  };
  std::vector<FastTest> fast_tests_;
  // Every kReorderRows rows the tests are ordered by the share of rows they reject.
  static constexpr uint32_t kReorderRows = 4096;
  uint32_t fast_rows_ = 0;
  void MakeFastTests();
  void ReorderFastTests();
  // The columns LoadRow decodes (DecodedColumns), set at Open.
  const char* decode_wanted_ = nullptr;
  size_t decode_limit_ = 0;
  LazyRecordReader lazy_;
  bool lazy_on_row_ = false;    // RecordRejected read the row through lazy_
  int record_tests_last_ = -1;  // the highest column the record tests read (-1: not known yet)
  int64_t last_rowid_ = 0;
  // `tested`: the record tests ran on `value` (lazy_ is on it).
  Status LoadRow(Exec& ex, int64_t rowid, std::string_view value, bool tested = false);
  const TableInfo* table_;
  int level_, base_, rowid_slot_;
  std::optional<btree::Cursor> cursor_;
  CursorReuse reuse_;
  bool done_ = false;
  bool point_read_ = false;  // PrepareToChangeRows: rowid_eq reads its row with a point read
  bool single_ = false;      // rowid_eq
  std::string single_record_;  // with point_read_: the one row (at single_rowid_)
  int64_t single_rowid_ = 0;
  bool first_ = true;
  int64_t hi_ = 0;
  bool has_hi_ = false;
  int64_t lo_ = 0;
  bool has_lo_ = false;
  std::string scratch_;
};

// Index range scan: equality on a prefix of the index columns, then an optional range on the
// next column; fetches each table row by rowid, unless the index covers the columns the query
// reads (SQLite's covering index): those are then decoded from the entry's key.
class IndexScanOp final : public Op {
 public:
  IndexScanOp(const TableInfo* table, const IndexInfo* index, int level, int base, int rowid_slot);
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override;
  std::string Describe(int indent) const override;
  bool Seeks() const override { return !eq.empty() || lo || hi; }
  void PrepareToChangeRows() override { needed_columns.clear(); }
  void RowLeaf(btree::PageId* root, btree::PageRef* leaf, uint32_t* slot) const override;

  std::vector<const CExpr*> eq;       // values for the first eq.size() index columns
  std::vector<Affinity> eq_affinity;  // affinity applied to each value before encoding
  const CExpr* lo = nullptr;
  bool lo_inclusive = true;
  const CExpr* hi = nullptr;
  bool hi_inclusive = true;
  Affinity lo_affinity = Affinity::kNone;  // applied to lo's value before encoding
  Affinity hi_affinity = Affinity::kNone;  // and to hi's
  std::string alias;
  std::vector<CExprPtr> owned;  // the expressions above point into these
  bool reverse = false;         // walk the range backwards (ORDER BY ... DESC)
  // The index columns' collations, user-defined ones resolved (those the bounds need must be):
  // a labelled index (index_key.h) finds its bound keys through them. Empty: the index's own.
  std::vector<Collation> colls;

  // Columns the query reads (one flag per table column; empty: all): the rest are not decoded.
  std::vector<char> needed_columns;

 private:
  const TableInfo* table_;
  const IndexInfo* index_;
  int level_, base_, rowid_slot_;
  std::optional<btree::Cursor> cursor_;
  CursorReuse reuse_;
  // The table rows the index entries name, read through a cursor of their own.
  std::optional<btree::Cursor> row_cursor_;
  CursorReuse row_reuse_;
  std::string row_scratch_;  // an overflowing row's bytes
  std::string prefix_;   // encoded eq prefix
  std::string upper_;    // exclusive upper key bound (empty: prefix end)
  std::string start_;    // Open's first key
  bool has_upper_ = false;
  std::string lower_;    // inclusive lower key bound (reverse scans stop below it)
  bool done_ = false;
  bool first_row_ = true;
  // needed_columns names no column: only rowids are wanted, the rows are not read.
  bool ReadsNoColumn() const;
  bool reads_no_column_ = false;  // ReadsNoColumn(), fixed at the first Open
  // Every column the query reads is the rowid or a column of the key under BINARY (an index
  // without labels, a table without generated columns): Next decodes them from the key, and
  // reads the row only for an entry whose key cannot tell a number's class (see
  // ValueFromKey in ops.cc).
  bool CoveredByKey() const;
  bool covered_ = false;           // CoveredByKey(), fixed at the first Open
  bool shape_known_ = false;       // reads_no_column_ and covered_ are set
  bool row_cursor_ready_ = false;  // row_reuse_ prepared since Open (covered scans: lazily)
  bool row_read_ = false;          // the last row came through row_cursor_ (RowLeaf)
  // Decodes the columns of the current entry's key the query reads into `slots`; false when
  // one needs the row.
  Result<bool> ReadKeyColumns(std::string_view key, Value* slots) const;
  bool Needed(int column) const {
    return needed_columns.empty() ||
           (static_cast<size_t>(column) < needed_columns.size() && needed_columns[column]);
  }
};

// Evaluates a filter on each row of its child.
class FilterOp final : public Op {
 public:
  FilterOp(OpPtr child, CExprPtr pred) : child_(std::move(child)), pred_(std::move(pred)) {}
  Status Open(Exec& ex) override { return child_->Open(ex); }
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override { child_->NullRow(ex); }
  std::string Describe(int indent) const override;
  bool Seeks() const override { return child_->Seeks(); }
  void PrepareToChangeRows() override { child_->PrepareToChangeRows(); }
  void RowLeaf(btree::PageId* root, btree::PageRef* leaf, uint32_t* slot) const override {
    child_->RowLeaf(root, leaf, slot);
  }
  const TableInfo* ScannedTable() const override { return child_->ScannedTable(); }

 private:
  OpPtr child_;
  CExprPtr pred_;
};

// WHERE terms that read no table of their query (constants, columns of enclosing queries),
// the same for all of its rows: `before` (may be null) is tested once when the query is
// opened, before its first row, `first_row` (may be null) once at its first row; either
// failing ends the rows until the next Open.
class InvariantFilterOp final : public Op {
 public:
  InvariantFilterOp(OpPtr child, CExprPtr before, CExprPtr first_row)
      : child_(std::move(child)), before_(std::move(before)), first_row_(std::move(first_row)) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override { child_->NullRow(ex); }
  std::string Describe(int indent) const override { return child_->Describe(indent); }
  bool Seeks() const override { return child_->Seeks(); }
  void PrepareToChangeRows() override { child_->PrepareToChangeRows(); }

 private:
  OpPtr child_;
  CExprPtr before_;
  CExprPtr first_row_;
  bool rejected_ = false;
  bool checked_ = false;  // first_row_ was tested since Open
};

// One row, no columns (SELECT without FROM).
class SingleRowOp final : public Op {
 public:
  Status Open(Exec&) override { done_ = false; return Status::OK(); }
  Result<bool> Next(Exec&) override {
    if (done_) return false;
    done_ = true;
    return true;
  }
  void NullRow(Exec&) override {}
  std::string Describe(int indent) const override;

 private:
  bool done_ = false;
};

enum class JoinType { kInner, kLeft, kFull };

// Nested-loop join: the right side is re-opened for every left row.
class NestedLoopJoinOp final : public Op {
 public:
  NestedLoopJoinOp(OpPtr left, OpPtr right, CExprPtr on, JoinType type)
      : left_(std::move(left)), right_(std::move(right)), on_(std::move(on)), type_(type) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override {
    left_->NullRow(ex);
    right_->NullRow(ex);
  }
  std::string Describe(int indent) const override;

  // Slots written by the right side (for FULL joins, which buffer it).
  int right_level = 0;
  std::vector<int> right_slots;

 private:
  OpPtr left_, right_;
  CExprPtr on_;
  JoinType type_;
  bool left_valid_ = false;
  bool matched_ = false;
  // FULL join state.
  bool buffered_ = false;
  std::vector<Row> right_rows_;
  std::vector<bool> right_matched_;
  size_t right_pos_ = 0;
  bool left_done_ = false;
  size_t unmatched_pos_ = 0;
};

// Hash join on equality keys: builds a table of the right side's rows (its slot values) once per
// Open, keyed by right_keys, and probes with left_keys. `on` is the full join condition (checked
// on every candidate, so the hash is only a prefilter).
class HashJoinOp final : public Op {
 public:
  HashJoinOp(OpPtr left, OpPtr right, std::vector<CExprPtr> left_keys,
             std::vector<CExprPtr> right_keys, std::vector<Affinity> key_affinity,
             std::vector<Collation> key_colls, CExprPtr on, JoinType type)
      : left_(std::move(left)), right_(std::move(right)), left_keys_(std::move(left_keys)),
        right_keys_(std::move(right_keys)), key_affinity_(std::move(key_affinity)),
        colls_(std::move(key_colls)), on_(std::move(on)), type_(type),
        ordered_(NeedsOrderedKeys(colls_)), sorted_(GroupKeyLess{&colls_}) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override {
    left_->NullRow(ex);
    right_->NullRow(ex);
  }
  std::string Describe(int indent) const override;

  int right_level = 0;
  std::vector<int> right_slots;
  // Build once per statement execution when the right side does not depend on outer rows.
  bool right_is_constant = false;

 private:
  Status Build(Exec& ex);
  OpPtr left_, right_;
  std::vector<CExprPtr> left_keys_, right_keys_;
  std::vector<Affinity> key_affinity_;
  std::vector<Collation> colls_;
  CExprPtr on_;
  JoinType type_;
  bool built_ = false;
  uint64_t built_generation_ = 0;
  // The build side: the values of right_slots, row after row, and each row's key hash.
  std::vector<Value> values_;
  std::vector<size_t> hashes_;
  // Chained buckets over the rows: heads_[hash & mask_] is the bucket's first row + 1 (0: none),
  // next_[row] the bucket's next row + 1. A chain lists its rows in build order.
  std::vector<uint32_t> heads_, next_;
  size_t mask_ = 0;
  // With a user-defined collation among the keys (no hash): the rows by key, in order.
  bool ordered_;
  std::multimap<std::vector<Value>, size_t, GroupKeyLess> sorted_;
  std::vector<size_t> candidates_;
  size_t cand_pos_ = 0;
  // The probe: its key (reused per left row), its hash, the next candidate row + 1 (0: none).
  std::vector<Value> key_;
  size_t probe_hash_ = 0;
  uint32_t chain_ = 0;
  bool left_valid_ = false;
  bool matched_ = false;
};

// Buffers the slot values of its child's rows at the first Open of a statement execution and
// replays them on later Opens (the inner side of a nested loop that does not depend on the
// outer rows).
class MaterializeOp final : public Op {
 public:
  MaterializeOp(OpPtr child, int level, std::vector<int> slots)
      : child_(std::move(child)), level_(level), slots_(std::move(slots)) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override { child_->NullRow(ex); }
  std::string Describe(int indent) const override { return child_->Describe(indent); }
  // The slots it buffers (the planner drops those no expression reads).
  std::vector<int>* slots() { return &slots_; }

 private:
  OpPtr child_;
  int level_;
  std::vector<int> slots_;
  std::vector<Value> values_;  // row-major, slots_.size() per row
  bool loaded_ = false;
  uint64_t generation_ = 0;
  size_t pos_ = 0;
};

// Reads rows from a row source into slots [base, base + n).
class RowSrcScanOp final : public Op {
 public:
  RowSrcScanOp(RowSrcPtr src, int level, int base, int n, std::string name)
      : src_(std::move(src)), level_(level), base_(base), n_(n), name_(std::move(name)) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override;
  std::string Describe(int indent) const override;
  // The source's rows are the same for every read in a statement execution (uncorrelated
  // subqueries, CTEs): a second read in the execution keeps a copy for itself and the later ones.
  bool materialize = false;

 private:
  RowSrcPtr src_;
  int level_, base_, n_;
  std::string name_;
  bool streaming_ = true;  // this read comes from src_ (else from rows_)
  uint64_t opened_generation_ = 0;
  bool loaded_ = false;
  uint64_t loaded_generation_ = 0;
  std::vector<Row> rows_;
  size_t pos_ = 0;
  Row row_;
};

// Reads rows from a shared buffer (a CTE's working table during recursion).
class BufferScanOp final : public Op {
 public:
  BufferScanOp(const std::vector<Row>* rows, int level, int base, int n, std::string name)
      : rows_(rows), level_(level), base_(base), n_(n), name_(std::move(name)) {}
  Status Open(Exec&) override { pos_ = 0; return Status::OK(); }
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override;
  std::string Describe(int indent) const override;

 private:
  const std::vector<Row>* rows_;
  int level_, base_, n_;
  std::string name_;
  size_t pos_ = 0;
};

// GROUP BY / aggregate: consumes its child, then yields one row per group, restoring the
// group's representative input row into the frame and writing the aggregate results into their
// slots. Groups come out in key order (as SQLite's sorter gives them).
// Values appended in fixed chunks: appending never moves (or touches again) the values there,
// and the i-th is found with a shift and a mask (a std::deque's iterator arithmetic divides).
class ValueChunks {
 public:
  size_t size() const { return size_; }
  Value& operator[](size_t i) { return chunks_[i >> kShift][i & kMask]; }
  const Value& operator[](size_t i) const { return chunks_[i >> kShift][i & kMask]; }
  // Grows to n values (new ones NULL).
  void GrowTo(size_t n) {
    while (chunks_.size() << kShift < n) chunks_.push_back(std::make_unique<Value[]>(kMask + 1));
    for (; size_ < n; size_++) (*this)[size_] = Value();  // (a kept chunk's old values)
  }
  void push_back(const Value& v) {
    if (chunks_.size() << kShift <= size_) chunks_.push_back(std::make_unique<Value[]>(kMask + 1));
    (*this)[size_++] = v;
  }
  // Empties it, keeping the first chunk (an aggregate run again per outer row reuses it).
  void clear() {
    if (chunks_.size() > 1) chunks_.resize(1);
    size_ = 0;
  }

 private:
  static constexpr size_t kShift = 8;
  static constexpr size_t kMask = (size_t{1} << kShift) - 1;
  std::vector<std::unique_ptr<Value[]>> chunks_;
  size_t size_ = 0;
};

class AggregateOp final : public Op {
 public:
  struct AggSpec {
    const AggregateFunction* fn = nullptr;
    std::shared_ptr<const AggregateFunction> keep;  // a user function's, kept alive
    std::vector<CExprPtr> args;
    bool distinct = false;
    CExprPtr filter;
    int result_slot = 0;
    Collation collation = Collation::kBinary;
    std::vector<CExprPtr> order_by;  // aggregate ORDER BY (group_concat(x ORDER BY y))
    std::vector<SortKey> order_keys;  // columns after the arguments
  };
  AggregateOp(OpPtr child, int level, std::vector<CExprPtr> keys, std::vector<Collation> colls,
              std::vector<AggSpec> aggs, std::vector<int> saved_slots)
      : child_(std::move(child)), level_(level), keys_(std::move(keys)), colls_(std::move(colls)),
        aggs_(std::move(aggs)), saved_slots_(std::move(saved_slots)) {}
  ~AggregateOp() override { ClearStates(); }
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override;
  std::string Describe(int indent) const override;
  // Arithmetic that several aggregate arguments compute, evaluated once per input row (in
  // order: a later one may read an earlier one's slot) into slot `slot` of the row's frame,
  // which those arguments read. Only expressions that cannot fail (+ - * / % over columns and
  // literals), so evaluating one for a row that an aggregate's FILTER skips changes nothing.
  struct PreExpr {
    CExprPtr expr;
    int slot = 0;
  };
  std::vector<PreExpr> pre;
  // The aggregate whose min/max row supplies the bare columns (SQLite's rule), or -1.
  int minmax_agg = -1;
  // Slots that receive each group's key values (one per key).
  std::vector<int> key_slots;
  // Per saved slot: the index of a key that reads exactly that slot and compares it under
  // BINARY, or -1. With a min/max aggregate (whose row the bare columns follow), such a slot's
  // TEXT, BLOB or NULL value is the same in every row of its group (equal under BINARY means
  // the same bytes), so it is saved once per group; numbers are saved with the row (1 and 1.0
  // are one group but print differently).
  std::vector<int> saved_key;

 private:
  // Each group's key values, aggregate states and saved slot values live in group_keys_,
  // states_ and saved_, at keys_.size(), aggs_.size() and saved_slots_.size() entries per group
  // (no allocation per group for them); the values in ValueChunks: growing never moves (and so
  // never touches again) what is there; the states by pointer, indexed directly.
  enum GroupFlag : uint8_t {
    kRowSaved = 1,
    kMinmaxSeen = 2,  // the min/max aggregate has seen a non-NULL value
  };
  Status Consume(Exec& ex);
  OpPtr child_;
  int level_;
  std::vector<CExprPtr> keys_;
  std::vector<Collation> colls_;
  std::vector<AggSpec> aggs_;
  std::vector<int> saved_slots_;
  size_t n_groups_ = 0;
  ValueChunks group_keys_;
  ValueChunks minmax_keys_;        // the key values of each group's min/max row (minmax_agg >= 0)
  std::vector<uint8_t> flags_;     // GroupFlag bits per group
  // Group g's state of aggregate a at g * aggs_.size() + a: made in place in blocks_ when the
  // function can (in_place_[a]), else allocated alone; either way owned here (ClearStates).
  std::vector<AggregateState*> states_;
  std::vector<char> in_place_;
  std::vector<std::unique_ptr<std::byte[]>> blocks_;
  size_t block_used_ = 0;
  AggregateState* NewState(const AggSpec& a, size_t i);
  void ClearStates();
  ValueChunks saved_;
  std::vector<uint32_t> order_;  // the output order of the groups when they came out of order
  size_t pos_ = 0;
};

// ----- row sources -----

// Evaluates the result expressions of a SELECT core over its frame operator.
class ProjectSrc final : public RowSrc {
 public:
  ProjectSrc(OpPtr child, std::vector<CExprPtr> exprs, int level, int slot_count)
      : child_(std::move(child)), exprs_(std::move(exprs)), level_(level), slots_(slot_count) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex, Row* row) override;
  Result<bool> Skip(Exec& ex, Row* scratch) override;
  std::string Describe(int indent) const override;

 private:
  OpPtr child_;
  std::vector<CExprPtr> exprs_;
  int level_;
  int slots_;
  Frame frame_;
  Frame* saved_ = nullptr;
};

// VALUES (...), (...)
class ValuesSrc final : public RowSrc {
 public:
  ValuesSrc(std::vector<std::vector<CExprPtr>> rows, int level)
      : rows_(std::move(rows)), level_(level) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex, Row* row) override;
  std::string Describe(int indent) const override;

 private:
  std::vector<std::vector<CExprPtr>> rows_;
  int level_;
  size_t pos_ = 0;
  Frame frame_;
};

// ORDER BY: buffers all rows, sorts them (stable), and drops trailing sort-only columns (past
// `visible`). With a limit hint (offset + limit) it keeps only that many rows as they come.
class SortSrc final : public RowSrc {
 public:
  SortSrc(RowSrcPtr child, std::vector<SortKey> keys, int visible)
      : child_(std::move(child)), keys_(std::move(keys)), visible_(visible) {}
  void SetLimitHint(int64_t n) override { limit_hint_ = n; }
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex, Row* row) override;
  std::string Describe(int indent) const override;

 private:
  Status OpenTopN(Exec& ex, size_t k);
  RowSrcPtr child_;
  std::vector<SortKey> keys_;
  int visible_;
  std::vector<Row> rows_;
  size_t pos_ = 0;
  int64_t limit_hint_ = -1;
};

// DISTINCT on the first `width` columns (first occurrence wins, order kept).
class DistinctSrc final : public RowSrc {
 public:
  DistinctSrc(RowSrcPtr child, std::vector<Collation> colls)
      : child_(std::move(child)), colls_(std::move(colls)), seen_(&colls_) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex, Row* row) override;
  std::string Describe(int indent) const override;

 private:
  RowSrcPtr child_;
  std::vector<Collation> colls_;
  KeyMap<bool> seen_;
  std::vector<Value> key_;  // the row's first colls_.size() values, when it has more
};

// LIMIT / OFFSET (expressions evaluated at Open).
class LimitSrc final : public RowSrc {
 public:
  LimitSrc(RowSrcPtr child, CExprPtr limit, CExprPtr offset, int level)
      : child_(std::move(child)), limit_(std::move(limit)), offset_(std::move(offset)),
        level_(level) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex, Row* row) override;
  std::string Describe(int indent) const override;

 private:
  RowSrcPtr child_;
  CExprPtr limit_, offset_;
  int level_;
  int64_t remaining_ = -1;
  int64_t skip_ = 0;
};

// Reading a compound subquery in FROM (also a view, a CTE, a VALUES list of several rows): a
// column whose affinity (its first arm's) is REAL turns INTEGER values into REAL, as SQLite's
// reads of such a column do; other values pass unchanged.
class RealColumnsSrc final : public RowSrc {
 public:
  RealColumnsSrc(RowSrcPtr child, std::vector<int> columns)
      : child_(std::move(child)), columns_(std::move(columns)) {}
  void SetLimitHint(int64_t n) override { child_->SetLimitHint(n); }
  Status Open(Exec& ex) override { return child_->Open(ex); }
  Result<bool> Next(Exec& ex, Row* row) override;
  std::string Describe(int indent) const override { return child_->Describe(indent); }

 private:
  RowSrcPtr child_;
  std::vector<int> columns_;
};

// UNION / UNION ALL / INTERSECT / EXCEPT. The set forms produce their rows in sorted order, as
// SQLite does.
class CompoundSrc final : public RowSrc {
 public:
  enum class Kind { kUnion, kUnionAll, kIntersect, kExcept };
  CompoundSrc(RowSrcPtr left, RowSrcPtr right, Kind kind, std::vector<Collation> colls)
      : left_(std::move(left)), right_(std::move(right)), kind_(kind), colls_(std::move(colls)) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex, Row* row) override;
  std::string Describe(int indent) const override;

 private:
  RowSrcPtr left_, right_;
  Kind kind_;
  std::vector<Collation> colls_;
  bool left_done_ = false;
  std::vector<Row> rows_;
  size_t pos_ = 0;
};

// A recursive CTE: runs the initial select, then the recursive select against the rows of the
// previous step (exposed through `working`) until it yields nothing. UNION drops duplicates.
class RecursiveSrc final : public RowSrc {
 public:
  RecursiveSrc(RowSrcPtr initial, RowSrcPtr recursive, std::vector<Row>* working, bool distinct,
               int width)
      : initial_(std::move(initial)), recursive_(std::move(recursive)), working_(working),
        distinct_(distinct), width_(width) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex, Row* row) override;
  std::string Describe(int indent) const override;

 private:
  RowSrcPtr initial_, recursive_;
  std::vector<Row>* working_;
  bool distinct_;
  int width_;
  std::deque<Row> queue_;
 public:
  // ORDER BY of the recursive CTE: the queue becomes a priority queue on these keys.
  std::vector<struct SortKey> order;
 private:
  std::set<Row, bool (*)(const Row&, const Row&)> seen_{&RowLess};
  static bool RowLess(const Row& a, const Row& b);
};

// Rows held in memory (INSERT ... VALUES after evaluation, RETURNING, PRAGMA results).
class BufferSrc final : public RowSrc {
 public:
  explicit BufferSrc(std::vector<Row> rows) : rows_(std::move(rows)) {}
  Status Open(Exec&) override { pos_ = 0; return Status::OK(); }
  Result<bool> Next(Exec&, Row* row) override {
    if (pos_ >= rows_.size()) return false;
    *row = rows_[pos_++];
    return true;
  }
  std::string Describe(int indent) const override;

 private:
  std::vector<Row> rows_;
  size_t pos_ = 0;
};

// Decodes a table row record into slots; columns past the record's end read as NULL; the
// INTEGER PRIMARY KEY column reads the rowid. With `needed` (one flag per column), only the
// flagged columns are decoded (the others keep what the slot held). `lazy`: a reader already
// Reset on `record` (a scan's record tests walked its header), whose walk the decoding continues.
Status DecodeRowInto(const TableInfo& table, std::string_view record, int64_t rowid, Value* out,
                     const std::vector<char>* needed = nullptr, LazyRecordReader* lazy = nullptr);

}  // namespace dosql::engine
