// dosql::engine (internal) — compiled expressions and the executor's operators.
//
// A compiled query is a tree of operators. Each query level (a SELECT core) owns a Frame: a flat
// array of value slots into which scans write their columns, joins combine by position, and
// aggregation writes its results. Expressions read slots of their own frame or, when correlated,
// of an enclosing frame (Exec::frames is the stack of frames of the running query levels).
// Frame operators (Op) fill slots and return whether a row is available; row sources (RowSrc)
// produce whole result rows (projection, sort, distinct, compound, limit).
//
// Everything here is created by the planner for one Statement and used by one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog.h"
#include "dosql/btree/btree.h"
#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/affinity.h"
#include "dosql/engine/compare.h"
#include "dosql/engine/functions.h"

namespace dosql::engine {

using Row = std::vector<Value>;

struct Frame {
  std::vector<Value> slots;
};

// Read access to the data of the running statement (the write transaction if one is open, else
// a read snapshot).
class DataAccess {
 public:
  virtual ~DataAccess() = default;
  virtual Result<btree::Cursor> NewCursor(transaction::TreeId tree) = 0;
  // What a cursor over `tree` would read now: its root, and the write transaction's change
  // count (0 for a read snapshot). While both stay the same within one execution, a cursor
  // made earlier still reads the current state (and may seek from where it is).
  struct TreeVersion {
    btree::PageId root = btree::kInvalidPageId;
    uint64_t changes = 0;
  };
  virtual Result<TreeVersion> Version(transaction::TreeId tree) = 0;
  virtual Result<std::optional<std::string>> Get(transaction::TreeId tree,
                                                 std::string_view key) = 0;
  // Get into the caller's buffer (reused: a point read per statement allocates nothing);
  // *found false, *value untouched, when the key is absent.
  virtual Status GetInto(transaction::TreeId tree, std::string_view key, std::string* value,
                         bool* found) = 0;
};

struct ConnectionImpl;

// Memory an operator keeps for one execution only (LookupMemo): freed when the execution
// finishes, so that a statement kept between executions holds none.
class ExecutionMemory {
 public:
  virtual ~ExecutionMemory() = default;
  virtual void Free() = 0;
};

struct Exec {
  DataAccess* data = nullptr;
  ConnectionImpl* conn = nullptr;
  const std::vector<Value>* params = nullptr;
  std::vector<Frame*> frames;  // frames[level]
  FunctionContext fctx;
  uint64_t generation = 0;  // bumps on every statement execution (subquery caches)
  // What to free when the execution finishes (the statement's Finish); the operators outlive it.
  std::vector<ExecutionMemory*> held;

  // Connection::Interrupt() and the statement time limit, polled by scans and loops.
  const std::atomic<uint64_t>* interrupt_requests = nullptr;
  uint64_t interrupts_seen = 0;  // requests made before this execution started
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  uint32_t ticks = 0;
  // Every 1024th call checks for an interrupt or the deadline (Aborted if so).
  Status Poll() {
    if ((++ticks & 1023) != 0) return Status::OK();
    return CheckAbort();
  }
  Status CheckAbort() const;
  // The statement execution's 'now' (see FunctionContext::statement_time); owned by the
  // statement, shared with the triggers it fires. Null outside a statement.
  int64_t* statement_time = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

class CExpr {
 public:
  virtual ~CExpr() = default;
  virtual Status Eval(Exec& ex, Value* out) const = 0;
  // A value that stays valid while the current row does (a slot, a constant), read without a
  // copy; nullptr when the expression must be evaluated.
  virtual const Value* Ref(Exec&) const { return nullptr; }
  // The value of `this` for reading: *out points at *Ref() when there is one, else at *scratch,
  // evaluated. (A Status and an out-parameter, not a Result: the callers run per row, and a
  // Result<const Value*> cost them ~10% of an arithmetic-heavy scan.)
  [[gnu::always_inline]] Status Read(Exec& ex, Value* scratch, const Value** out) const {
    if (slot_ref_level >= 0) {  // a column: read in place, without a virtual call
      *out = &ex.frames[static_cast<size_t>(slot_ref_level)]->slots[static_cast<size_t>(slot_ref)];
      return Status::OK();
    }
    return ReadOther(ex, scratch, out);
  }
  // The value's truth (WHERE, AND, OR, CASE WHEN...): a comparison or a logical operator
  // answers without making a Value; others are evaluated and their value tested.
  virtual Result<TriBool> Truth(Exec& ex) const;
  // True for constants (folded at plan time).
  virtual bool IsConst() const { return false; }

  Affinity affinity = Affinity::kNone;
  Collation collation = Collation::kBinary;
  bool has_collation = false;       // from a column or COLLATE
  bool explicit_collation = false;  // from COLLATE
  int column_slot = -1;             // a plain column reference of the current level
  int column_level = -1;

 protected:
  // Set by an expression that only reads ex.frames[slot_ref_level]->slots[slot_ref] (a slot
  // read), for Read to read it without a call; -1 otherwise.
  int slot_ref_level = -1;
  int slot_ref = -1;

 private:
  // Read of anything but a slot (kept out of line of the inlined Read).
  Status ReadOther(Exec& ex, Value* scratch, const Value** out) const {
    if ((*out = Ref(ex)) != nullptr) return Status::OK();
    *out = scratch;
    return Eval(ex, scratch);
  }
};
using CExprPtr = std::unique_ptr<CExpr>;

inline Result<TriBool> EvalTruth(const CExpr& e, Exec& ex) { return e.Truth(ex); }
// *out = the truth as SQL's value of a condition (1, 0 or NULL), reusing *out.
void SetTruthValue(TriBool t, Value* out);

CExprPtr MakeConst(Value v);
CExprPtr MakeSlot(int level, int slot, Affinity aff, Collation coll, bool has_coll);

// ---------------------------------------------------------------------------------------------
// Operators
// ---------------------------------------------------------------------------------------------

class Op {
 public:
  virtual ~Op() = default;
  virtual Status Open(Exec& ex) = 0;
  // Fills the frame's slots with the next row; false at the end.
  virtual Result<bool> Next(Exec& ex) = 0;
  // Sets every slot this operator writes to NULL (outer joins).
  virtual void NullRow(Exec& ex) = 0;
  virtual std::string Describe(int indent) const = 0;
  // A single-table scan (UPDATE and DELETE plan one): whether it visits only the rows a rowid or
  // index range selects (not every row of its table); and PrepareToChangeRows: the statement
  // will change the rows it yields without reading them again, so it decodes every column
  // (whatever the planner found the query reads) and reads a single row (rowid =) with a point
  // read, which leaves the write transaction's leaf hint at that row. Other operators: false,
  // and nothing to do.
  virtual bool Seeks() const { return false; }
  virtual void PrepareToChangeRows() {}
  // A scan of one table (under filters): the leaf page its current row was read from and the
  // root its cursor descended from, for the write that changes that row (TxnRouter::SuggestLeaf);
  // a null page when unknown. *slot: the row's slot in the leaf.
  virtual void RowLeaf(btree::PageId* root, btree::PageRef* leaf, uint32_t* slot) const {
    (void)root;
    (void)slot;
    leaf->reset();
  }
  // The table whose rows this operator yields as its own scan of the table's tree reads them in
  // rowid order (a full or rowid-range table scan, under filters), else null (a point read, an
  // index scan, a join, ...).
  virtual const TableInfo* ScannedTable() const { return nullptr; }
};
using OpPtr = std::unique_ptr<Op>;

class RowSrc {
 public:
  virtual ~RowSrc() = default;
  // At most this many rows will be read after the next Open (LIMIT + OFFSET); -1: all. A sort
  // keeps only that many (top-N).
  virtual void SetLimitHint(int64_t) {}
  virtual Status Open(Exec& ex) = 0;
  virtual Result<bool> Next(Exec& ex, Row* row) = 0;
  // Moves past one row (false: there was none) without having to make it: OFFSET's skipped rows
  // are not projected, so their result expressions are not evaluated (nor fail), as in SQLite
  // when no sort or DISTINCT needs them. `scratch` may receive the row.
  virtual Result<bool> Skip(Exec& ex, Row* scratch) { return Next(ex, scratch); }
  virtual std::string Describe(int indent) const = 0;
};
using RowSrcPtr = std::unique_ptr<RowSrc>;

// Opens `src` and appends its rows to *out, until *out holds `limit` rows (-1: all of them).
Status ReadRows(RowSrc& src, Exec& ex, std::vector<Row>* out, int64_t limit = -1);

// One ORDER BY key: a column of the rows sorted.
struct SortKey {
  int column = 0;
  bool desc = false;
  bool nulls_first = true;  // SQLite: NULLs first in ASC, last in DESC
  Collation collation = Collation::kBinary;
};
// Order of two values under one key (direction, NULL placement, collation).
int CompareSortValues(const Value& x, const Value& y, const SortKey& k);
int CompareRows(const Row& a, const Row& b, const std::vector<SortKey>& keys);

// Hashing and grouping under SQLite's equality (1 == 1.0; collations). A user-defined
// collation's equality has no hash: HashValue gives every TEXT value the same hash under one, so
// structures that group under collations use KeyMap (ordered for those) instead.
size_t HashValue(const Value& v, const Collation& coll);

// Lexicographic comparison of keys, each column by CompareValues under its collation (colls
// may be null or shorter: BINARY): <0, 0, >0.
int CompareGroupKeys(const std::vector<Value>& a, const std::vector<Value>& b,
                     const std::vector<Collation>* colls);
// Lexicographic order of keys, each column by CompareValues under its collation.
struct GroupKeyLess {
  const std::vector<Collation>* colls;
  bool operator()(const std::vector<Value>& a, const std::vector<Value>& b) const;
};
// colls[i], or BINARY when colls is null or shorter.
const Collation& KeyCollation(const std::vector<Collation>* colls, size_t i);
// True if one of `colls` is user-defined (keys under it must be ordered, not hashed).
bool NeedsOrderedKeys(const std::vector<Collation>& colls);

// Items 0, 1, 2, ... (stored by the caller) found by their hash: open addressing (linear
// probing) in a power-of-two table kept at most half full, each slot the hash's high half and
// the item's number + 1 (0: empty). A lookup reads one slot, then only items whose hash half
// matches. (std::unordered_map of key vectors read a bucket, a node and the node's own key
// vector: a cache miss each once the keys are many and come in no order.)
class HashSlots {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr size_t kMaxItems = kNone - 1;
  // The item stored under `hash` for which same(item) is true, or kNone.
  template <class Same>
  uint32_t Find(uint64_t hash, const Same& same) const {
    if (slots_.empty()) return kNone;
    const uint32_t tag = static_cast<uint32_t>(hash >> 32);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == 0) return kNone;
      if (static_cast<uint32_t>(slot >> 32) == tag && same(static_cast<uint32_t>(slot) - 1)) {
        return static_cast<uint32_t>(slot) - 1;
      }
    }
  }
  // Stores item size() under `hash` (the caller keeps size() below kMaxItems).
  void Insert(uint64_t hash) {
    hashes_.push_back(hash);
    if (hashes_.size() * 2 > slots_.size()) {
      slots_.assign(std::max<size_t>(8, slots_.size() * 2), 0);
      mask_ = slots_.size() - 1;
      for (size_t item = 0; item < hashes_.size(); item++) Place(hashes_[item], item);
    } else {
      Place(hash, hashes_.size() - 1);
    }
  }
  size_t size() const { return hashes_.size(); }
  void Clear() {
    slots_.clear();
    hashes_.clear();
    mask_ = 0;
  }

 private:
  void Place(uint64_t hash, size_t item) {
    size_t i = hash & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = (hash >> 32 << 32) | (uint64_t{item} + 1);
  }
  std::vector<uint64_t> slots_;
  std::vector<uint64_t> hashes_;  // by item, for growing
  size_t mask_ = 0;
};

// The hash of a key of n values, `key(0)` .. `key(n - 1)`, each under its collation (colls may
// be null or shorter: BINARY): keys equal under the collations hash alike.
template <class At>
uint64_t HashGroupKey(size_t n, const At& key, const std::vector<Collation>* colls) {
  uint64_t h = 0;
  for (size_t i = 0; i < n; i++) {
    h = h * 1000003u ^ HashValue(key(i), KeyCollation(colls, i));
  }
  return h;
}

// Keys (equal as SQLite's GROUP BY/DISTINCT equality under per-column collations) mapped to
// values: hashed (HashSlots over the keys' values, stored end to end) when every collation is
// built in, an ordered map (by the collations) when one is user-defined. `colls` must outlive
// the map. A stored value stays where it is while the map grows.
template <class V>
class KeyMap {
 public:
  explicit KeyMap(const std::vector<Collation>* colls)
      : colls_(colls), ordered_(NeedsOrderedKeys(*colls)), sorted_(GroupKeyLess{colls}) {}
  // The value stored for `key`, or null.
  V* Find(const std::vector<Value>& key) {
    if (ordered_) {
      auto it = sorted_.find(key);
      return it == sorted_.end() ? nullptr : &it->second;
    }
    const uint32_t item = slots_.Find(Hash(key), [&](uint32_t i) { return Same(i, key); });
    return item == HashSlots::kNone ? nullptr : &values_[item];
  }
  // Stores (key, v) unless an equal key is there; returns the stored value and whether it was
  // inserted (the key is copied only then). Fails only past HashSlots::kMaxItems keys.
  Result<std::pair<V*, bool>> Emplace(const std::vector<Value>& key, V v) {
    if (ordered_) {
      auto [it, inserted] = sorted_.try_emplace(key, std::move(v));
      return std::pair<V*, bool>{&it->second, inserted};
    }
    const uint64_t h = Hash(key);
    const uint32_t item = slots_.Find(h, [&](uint32_t i) { return Same(i, key); });
    if (item != HashSlots::kNone) return std::pair<V*, bool>{&values_[item], false};
    if (slots_.size() >= HashSlots::kMaxItems) {
      return Status::OutOfRange("more than " + std::to_string(HashSlots::kMaxItems) +
                                " distinct keys");
    }
    starts_.push_back(keys_.size());
    keys_.insert(keys_.end(), key.begin(), key.end());
    values_.push_back(std::move(v));
    slots_.Insert(h);
    return std::pair<V*, bool>{&values_.back(), true};
  }
  void Clear() {
    slots_.Clear();
    keys_.clear();
    starts_.clear();
    values_.clear();
    sorted_.clear();
  }

 private:
  uint64_t Hash(const std::vector<Value>& key) const {
    return HashGroupKey(
        key.size(), [&](size_t i) -> const Value& { return key[i]; }, colls_);
  }
  bool Same(uint32_t item, const std::vector<Value>& key) const {
    const size_t start = starts_[item];
    const size_t end = item + 1 < starts_.size() ? starts_[item + 1] : keys_.size();
    if (end - start != key.size()) return false;
    for (size_t i = 0; i < key.size(); i++) {
      if (CompareValues(keys_[start + i], key[i], KeyCollation(colls_, i)) != 0) return false;
    }
    return true;
  }

  const std::vector<Collation>* colls_;
  bool ordered_;
  HashSlots slots_;
  std::deque<Value> keys_;      // the stored keys' values, end to end
  std::vector<size_t> starts_;  // where each stored key starts in keys_
  std::deque<V> values_;
  std::map<std::vector<Value>, V, GroupKeyLess> sorted_;
};

}  // namespace dosql::engine
