// INSERT, UPDATE, DELETE: constraints, conflict resolution, index maintenance, triggers,
// UPSERT and RETURNING.
#include <algorithm>
#include <cstring>
#include <set>

#include "conn.h"
#include "dosql/core/record.h"
#include "dosql/engine/arith.h"
#include "dosql/engine/format.h"
#include "fkey.h"
#include "index_key.h"

namespace dosql::engine {
namespace {

using parser::ConflictAction;

Status Err(std::string m) { return Status::InvalidArgument(std::move(m)); }


// Per-statement state for writing one table: its row frame (columns then rowid) and the
// compiled CHECK constraints, defaults and index expressions, all evaluated against that frame.
// The unique indexes of `t` in the order of SQLite's index list: newest first, those declared
// ON CONFLICT REPLACE after the others.
std::vector<int> UniqueIndexesInListOrder(const TableInfo& t) {
  std::vector<int> by_age;
  for (bool replace : {false, true}) {
    for (size_t i = t.indexes.size(); i-- > 0;) {
      const IndexInfo& idx = *t.indexes[i];
      if (idx.unique && (idx.on_conflict == ConflictAction::kReplace) == replace) {
        by_age.push_back(static_cast<int>(i));
      }
    }
  }
  return by_age;
}

struct TableCtx {
  ConnectionImpl* conn = nullptr;
  const TableInfo* t = nullptr;
  int level = 0;
  Scope scope;
  Frame frame;
  std::vector<CExprPtr> checks;
  std::vector<std::string> check_names;
  std::vector<std::vector<CExprPtr>> index_exprs;  // per index, per column (null: plain)
  std::vector<CExprPtr> index_where;                // partial index predicates
  // Some index has an expression column or a WHERE: its key or membership is evaluated against
  // the frame, which then holds the row (LoadFrame) before the index is checked or written.
  bool index_reads_frame = false;
  std::vector<std::vector<Collation>> index_colls;  // per index, per column (resolved)
  std::vector<CExprPtr> defaults;                   // per column (null: NULL)
  std::vector<CExprPtr> generated;                  // per column (null: not generated)
  int ncols = 0;
  std::unique_ptr<FkTable> fk;  // foreign keys to enforce (null: none, or they are off)
  // ResolveUnique's order of checks without an UPSERT: the rowid (-1), then the unique indexes
  // in SQLite's list order (UniqueIndexesInListOrder).
  std::vector<int> unique_checks;
  // The index keys (rowid included) that ResolveUnique's checks built for the row they let
  // through, per index (`checked[i]`: set), which WriteIndexes then stores instead of building
  // them again. Only indexes whose keys depend on nothing but the row (not labelled ones).
  std::vector<std::string> checked_keys;
  std::vector<char> checked;
  // WriteIndexes' key buffer (taken while a key is in use, so that a nested use makes its own).
  std::string key_buf;
  // ResolveUnique's buffer for the record at the new row's rowid (read, decoded, then left).
  std::string record_buf;
  // UpdateOneRow's buffers for the new row and the SET values, while `updating`.
  std::vector<Value> update_row;
  std::vector<Value> update_sets;
  bool updating = false;
  // Index entries that a multi-row INSERT or DELETE (of every plain index) collects and writes,
  // or removes (`deferred_deletes`), in key order (WriteDeferredIndexEntries): per index,
  // whether its entries wait (`deferring` empty: none do), their keys back to back, and each
  // key's place there. An INSERT's UNIQUE indexes wait only when a conflict aborts the
  // statement (`deferred_unique`): their checks are made on the sorted entries then
  // (CheckDeferredUnique), each entry knowing its row (the statement's n-th row written).
  struct DeferredSpan {
    uint64_t head;  // the key's first 8 bytes (TextHead): most comparisons of the sort end there
    uint32_t offset, size;
    uint32_t row;
    bool null;  // the key holds a NULL: no conflict
  };
  std::vector<char> deferring;
  bool deferred_deletes = false;
  bool deferred_unique = false;
  std::vector<std::string> deferred_keys;
  std::vector<std::vector<DeferredSpan>> deferred_spans;
  size_t deferred_bytes = 0;
  uint32_t deferred_row = 0;             // rows written so far
  // Their rowids (deferred_unique), from row deferred_rowids_base on (a flush keeps the last).
  std::vector<int64_t> deferred_rowids;
  uint32_t deferred_rowids_base = 0;
  int64_t last_insert_before = 0;        // last_insert_rowid when the statement began
  ConflictAction deferred_action = ConflictAction::kNone;  // the statement's

  bool HasGenerated() const {
    for (const auto& g : generated) {
      if (g) return true;
    }
    return false;
  }
};

// `populating` >= 0: only that index will be written (CREATE INDEX, REINDEX).
Status SetupTable(PlanContext& ctx, TableCtx* tc, const TableInfo* t, int level,
                  std::string_view alias, Scope* outer, int populating = -1) {
  tc->conn = ctx.conn;
  tc->t = t;
  tc->level = level;
  tc->ncols = static_cast<int>(t->columns.size());
  tc->unique_checks = {-1};
  for (int i : UniqueIndexesInListOrder(*t)) tc->unique_checks.push_back(i);
  tc->checked_keys.assign(t->indexes.size(), std::string());
  tc->checked.assign(t->indexes.size(), 0);
  tc->scope.parent = outer;
  tc->scope.level = level;
  tc->scope.sql = t->sql;
  AddTableSource(tc->scope, *t, std::string(alias.empty() ? t->name : alias));
  tc->frame.slots.assign(static_cast<size_t>(tc->scope.nslots), Value());
  ctx.max_level = std::max(ctx.max_level, level + 1);
  Scope own;  // CHECK and index expressions see only the table
  own.level = level;
  own.sql = t->sql;
  AddTableSource(own, *t, t->name);
  for (const auto& c : t->checks) {
    DOSQL_ASSIGN_OR_RETURN(CExprPtr e, CompileExpr(ctx, own, *c.expr));
    tc->checks.push_back(std::move(e));
    tc->check_names.push_back(c.name.empty() ? ExprText(t->sql, *c.expr) : c.name);
  }
  for (const auto& idx : t->indexes) {
    // Writing the table maintains its indexes: a user-defined collation they use must be
    // registered ("no such collation sequence", as SQLite).
    const bool written = populating < 0 || t->indexes[static_cast<size_t>(populating)] == idx;
    std::vector<Collation> colls;
    if (written) {
      DOSQL_ASSIGN_OR_RETURN(colls, ResolveIndexCollations(ctx.conn, *idx));
    } else {
      for (const IndexColumn& ic : idx->columns) colls.push_back(ic.collation);
    }
    tc->index_colls.push_back(std::move(colls));
    std::vector<CExprPtr> exprs;
    for (const auto& ic : idx->columns) {
      if (ic.expr) {
        Scope is;
        is.level = level;
        is.sql = idx->sql;
        AddTableSource(is, *t, t->name);
        DOSQL_ASSIGN_OR_RETURN(CExprPtr e, CompileExpr(ctx, is, *ic.expr));
        exprs.push_back(std::move(e));
      } else {
        exprs.push_back(nullptr);
      }
    }
    for (const auto& e : exprs) tc->index_reads_frame |= e != nullptr;
    tc->index_exprs.push_back(std::move(exprs));
    if (idx->where) {
      tc->index_reads_frame = true;
      Scope is;
      is.level = level;
      is.sql = idx->sql;
      AddTableSource(is, *t, t->name);
      DOSQL_ASSIGN_OR_RETURN(CExprPtr e, CompileExpr(ctx, is, *idx->where));
      tc->index_where.push_back(std::move(e));
    } else {
      tc->index_where.push_back(nullptr);
    }
  }
  for (const auto& c : t->columns) {
    if (c.generated) {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr e, CompileExpr(ctx, own, *c.generated));
      tc->generated.push_back(std::move(e));
    } else {
      tc->generated.push_back(nullptr);
    }
  }
  Scope empty;
  empty.level = level;
  empty.sql = t->sql;
  for (const auto& c : t->columns) {
    if (c.default_expr) {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr e, CompileExpr(ctx, empty, *c.default_expr));
      tc->defaults.push_back(std::move(e));
    } else {
      tc->defaults.push_back(nullptr);
    }
  }
  return Status::OK();
}

void LoadFrame(TableCtx& tc, Exec& ex, const std::vector<Value>& vals, int64_t rowid) {
  for (int i = 0; i < tc.ncols; i++) tc.frame.slots[i] = vals[i];
  if (tc.scope.sources[0].rowid_slot >= 0) {
    tc.frame.slots[tc.scope.sources[0].rowid_slot] = Value::Integer(rowid);
  }
  ex.frames[tc.level] = &tc.frame;
}

// Computes generated columns (VIRTUAL ones are computed and stored like STORED ones).
Status ComputeGenerated(TableCtx& tc, Exec& ex, std::vector<Value>* vals, int64_t rowid) {
  if (!tc.HasGenerated()) return Status::OK();
  // Two passes: a generated column may read another one declared after it.
  for (int pass = 0; pass < 2; pass++) {
    LoadFrame(tc, ex, *vals, rowid);
    for (size_t i = 0; i < tc.generated.size(); i++) {
      if (!tc.generated[i]) continue;
      DOSQL_RETURN_IF_ERROR(tc.generated[i]->Eval(ex, &(*vals)[i]));
      ApplyAffinity(&(*vals)[i], tc.t->columns[i].affinity);
    }
  }
  return Status::OK();
}

// Index key for a row (the frame must hold the row for expression columns). A labelled index
// (index_key.h) finds TEXT values' labels in the index: with kLookup, *absent says that some
// value has none (no entry can have this key); kInsert makes the missing ones. `entry_values`
// (if given) receives the index column values. The key replaces *key's contents (its buffer is
// reused).
Status MakeIndexKey(TableCtx& tc, Exec& ex, size_t index_no, const std::vector<Value>& vals,
                    int64_t rowid, bool with_rowid, bool* has_null, std::string* key_out,
                    LabelMode mode = LabelMode::kLookup, bool* absent = nullptr,
                    std::vector<Value>* entry_values = nullptr) {
  const IndexInfo& idx = *tc.t->indexes[index_no];
  std::string& key = *key_out;
  key.clear();
  key.reserve(64);  // one allocation for most keys (a number's entry is 19 bytes)
  *has_null = false;
  bool missing = false;
  IndexKeyAccess access{ex.data, &tc.conn->router};
  if (entry_values) entry_values->clear();
  Value computed;  // the rowid or an expression's value
  for (size_t i = 0; i < idx.columns.size(); i++) {
    const IndexColumn& ic = idx.columns[i];
    const Value* v = &computed;
    if (ic.column >= 0) {
      v = &vals[ic.column];
    } else if (ic.column == -2) {
      computed = Value::Integer(rowid);
    } else {
      DOSQL_RETURN_IF_ERROR(tc.index_exprs[index_no][i]->Eval(ex, &computed));
    }
    if (v->is_null()) *has_null = true;
    if (!missing) {
      DOSQL_RETURN_IF_ERROR(
          AppendIndexKey(idx, i, tc.index_colls[index_no][i], *v, mode, access, &key, &missing));
    }
    if (entry_values) entry_values->push_back(*v);
  }
  if (absent) *absent = missing;
  if (with_rowid) key += RowidKey(rowid);
  return Status::OK();
}

Result<bool> InPartialIndex(TableCtx& tc, Exec& ex, size_t index_no) {
  if (!tc.index_where[index_no]) return true;
  DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*tc.index_where[index_no], ex));
  return t == TriBool::kTrue;
}

std::string UniqueMessage(const TableInfo& t, const IndexInfo& idx) {
  std::string cols;
  for (const auto& ic : idx.columns) {
    // An index on an expression is named instead of its columns, as SQLite does.
    if (ic.column == -1) return "UNIQUE constraint failed: index '" + idx.name + "'";
    if (!cols.empty()) cols += ", ";
    cols += t.name + "." + (ic.column >= 0 ? t.columns[ic.column].name : std::string("rowid"));
  }
  return "UNIQUE constraint failed: " + cols;
}

// The deferred entries of a multi-row INSERT or DELETE (TableCtx::deferring): large enough a
// batch that its sort pays, small enough to hold.
constexpr size_t kMaxDeferredBytes = 4 << 20;

ConflictAction Resolve(ConflictAction stmt, ConflictAction constraint);

// Whether a conflict resolved as `a` ends the statement with its changes undone (ABORT, the
// default, or ROLLBACK): which of its rows were written before the conflict then does not show.
bool AbortsStatement(ConflictAction a) {
  return a == ConflictAction::kNone || a == ConflictAction::kAbort ||
         a == ConflictAction::kRollback;
}

// Sorts index i's deferred entries by key (they hold the rowid: no two are equal; string_view
// compares bytes unsigned, as the tree).
void SortDeferred(TableCtx& tc, size_t i) {
  const std::string& keys = tc.deferred_keys[i];
  std::sort(tc.deferred_spans[i].begin(), tc.deferred_spans[i].end(),
            [&](const TableCtx::DeferredSpan& a, const TableCtx::DeferredSpan& b) {
              if (a.head != b.head) return a.head < b.head;
              return std::string_view(keys).substr(a.offset, a.size) <
                     std::string_view(keys).substr(b.offset, b.size);
            });
}

// The UNIQUE conflict SQLite reports first among an INSERT's deferred entries (the rows written
// so far): the earliest row whose entry equals, up to the rowid, an entry of an earlier row or
// one the index held before; for two indexes at the same row, the first in SQLite's order of
// checks (TableCtx::unique_checks). Sets last_insert_rowid to the row before it, as SQLite
// leaves it when it stops there. OK when there is none.
Status CheckDeferredUnique(TableCtx& tc, TxnRouter* txn) {
  if (!tc.deferred_unique) return Status::OK();
  uint32_t best_row = UINT32_MAX;
  int best_index = -1;
  for (int c : tc.unique_checks) {  // (in check order: the first index wins a tie)
    if (c < 0 || !tc.deferring[static_cast<size_t>(c)]) continue;
    const size_t i = static_cast<size_t>(c);
    auto& spans = tc.deferred_spans[i];
    if (spans.empty()) continue;
    SortDeferred(tc, i);
    const std::string_view keys = tc.deferred_keys[i];
    auto prefix = [&](const TableCtx::DeferredSpan& e) {
      return keys.substr(e.offset, e.size - kRowidKeySize);
    };
    // Within the entries: a run of equal prefixes conflicts at its second-earliest row.
    for (size_t k = 0; k < spans.size();) {
      size_t end = k + 1;
      while (end < spans.size() && prefix(spans[end]) == prefix(spans[k])) end++;
      if (end - k > 1 && !spans[k].null) {
        uint32_t first = UINT32_MAX, second = UINT32_MAX;
        for (size_t m = k; m < end; m++) {
          const uint32_t r = spans[m].row;
          if (r < first) {
            second = first;
            first = r;
          } else if (r < second) {
            second = r;
          }
        }
        if (second < best_row) {
          best_row = second;
          best_index = c;
        }
      }
      k = end;
    }
    // With the entries the index held: in key order, each next to the one before.
    const auto tree = tc.t->indexes[i]->tree;
    DOSQL_ASSIGN_OR_RETURN(std::optional<std::string> last, txn->LastKey(tree));
    if (!last) continue;
    for (const auto& e : spans) {
      if (e.null || e.row >= best_row) continue;
      const std::string_view key = keys.substr(e.offset, e.size);
      const std::string_view p = prefix(e);
      DOSQL_ASSIGN_OR_RETURN(btree::NeighborKeys nb, txn->Neighbors(tree, key, p.size()));
      auto same = [&](const std::optional<std::string>& other) {
        return other && other->size() == key.size() && std::string_view(*other).starts_with(p);
      };
      if (nb.found || same(nb.below) || same(nb.above)) {
        best_row = e.row;
        best_index = c;
      }
    }
  }
  if (best_index < 0) return Status::OK();
  const IndexInfo& idx = *tc.t->indexes[static_cast<size_t>(best_index)];
  tc.conn->error_action = Resolve(tc.deferred_action, idx.on_conflict);
  if (tc.conn->trigger_depth == 0) {
    tc.conn->last_insert_rowid = best_row > 0
                                     ? tc.deferred_rowids[best_row - 1 - tc.deferred_rowids_base]
                                     : tc.last_insert_before;
  }
  return Status::Constraint(UniqueMessage(*tc.t, idx));
}

// Writes (or removes) the entries TableCtx::deferring holds back, each index's in key order:
// into an empty index as a bulk build (WriteTransaction::Fill), else one after another (each
// next to the one before, where the tree's hint finds it without a descent). An INSERT's
// deferred UNIQUE entries are checked first (CheckDeferredUnique): nothing is written when they
// conflict. Leaves the buffers empty.
Status WriteDeferredIndexEntries(TableCtx& tc, TxnRouter* txn) {
  if (!tc.deferred_deletes) DOSQL_RETURN_IF_ERROR(CheckDeferredUnique(tc, txn));
  for (size_t i = 0; i < tc.deferring.size(); i++) {
    auto& spans = tc.deferred_spans[i];
    if (spans.empty()) continue;
    const std::string& keys = tc.deferred_keys[i];
    auto view = [&](const TableCtx::DeferredSpan& s) {
      return std::string_view(keys).substr(s.offset, s.size);
    };
    // (CheckDeferredUnique sorted those it checked.)
    if (!(tc.deferred_unique && tc.t->indexes[i]->unique)) SortDeferred(tc, i);
    const auto tree = tc.t->indexes[i]->tree;
    std::optional<std::string> last;
    if (!tc.deferred_deletes) {
      DOSQL_ASSIGN_OR_RETURN(last, txn->LastKey(tree));
    }
    if (tc.deferred_deletes) {
      for (const auto& span : spans) DOSQL_RETURN_IF_ERROR(txn->Delete(tree, view(span)));
    } else if (!last) {
      size_t next = 0;
      DOSQL_RETURN_IF_ERROR(
          txn->Fill(tree, [&](std::string_view* key, std::string_view* value) -> Result<bool> {
            if (next == spans.size()) return false;
            *key = view(spans[next++]);
            *value = std::string_view();
            return true;
          }));
    } else {
      for (const auto& span : spans) DOSQL_RETURN_IF_ERROR(txn->Put(tree, view(span), {}));
    }
    spans.clear();
    tc.deferred_keys[i].clear();
  }
  tc.deferred_bytes = 0;
  if (tc.deferred_rowids.size() > 1) {  // (a later conflict needs at most the last row's)
    tc.deferred_rowids_base += static_cast<uint32_t>(tc.deferred_rowids.size() - 1);
    tc.deferred_rowids.erase(tc.deferred_rowids.begin(), tc.deferred_rowids.end() - 1);
  }
  return Status::OK();
}

// Starts (when `defer`) or ends a statement's deferral of index entries (TableCtx::deferring):
// for DELETE every plain (not labelled) index's; for INSERT (`action`: its conflict clause)
// those of plain non-unique indexes, and of UNIQUE ones whose conflict aborts the statement
// (ABORT or ROLLBACK: which rows were written before the conflict then does not matter; the
// others are written row by row, each check seeing every entry before it).
void DeferIndexEntries(TableCtx& tc, bool defer, bool deletes,
                       ConflictAction action = ConflictAction::kNone) {
  tc.deferring.clear();
  tc.deferred_unique = false;
  if (!defer) return;
  const size_t n = tc.t->indexes.size();
  bool any = false;
  std::vector<char> deferring(n, 0);
  for (size_t i = 0; i < n; i++) {
    const IndexInfo& idx = *tc.t->indexes[i];
    const bool aborts = !deletes && idx.unique && AbortsStatement(Resolve(action, idx.on_conflict));
    deferring[i] = (deletes || !idx.unique || aborts) && !IsLabelledIndex(idx);
    any |= deferring[i] != 0;
    tc.deferred_unique |= deferring[i] && idx.unique && !deletes;
  }
  if (!any) return;
  tc.deferring = std::move(deferring);
  tc.deferred_deletes = deletes;
  tc.deferred_action = action;
  tc.deferred_keys.assign(n, std::string());
  tc.deferred_spans.assign(n, {});
  tc.deferred_bytes = 0;
  tc.deferred_row = 0;
  tc.deferred_rowids.clear();
  tc.deferred_rowids_base = 0;
  tc.last_insert_before = tc.conn->last_insert_rowid;
}

// Writes the entries a statement deferred when it ends, however it ends (on an error, the
// entries of the rows handled so far: INSERT OR FAIL keeps those rows; otherwise the
// statement's rollback undoes them), and ends the deferral.
struct WriteDeferredOnExit {
  TableCtx& tc;
  TxnRouter* txn;
  ~WriteDeferredOnExit() {
    if (tc.deferred_bytes > 0) WriteDeferredIndexEntries(tc, txn).IgnoreError();
    tc.deferring.clear();
  }
};

// `only`: when given, the indexes to write (the others are left as they are).
Status WriteIndexes(TableCtx& tc, Exec& ex, TxnRouter* txn, const std::vector<Value>& vals,
                    int64_t rowid, bool insert, const std::vector<bool>* only = nullptr) {
  bool loaded = false;  // the row is put in the frame for the first index written (that reads it)
  for (size_t i = 0; i < tc.t->indexes.size(); i++) {
    if (only && !(*only)[i]) continue;
    if (!loaded && tc.index_reads_frame) {
      LoadFrame(tc, ex, vals, rowid);
      loaded = true;
    }
    DOSQL_ASSIGN_OR_RETURN(bool in, InPartialIndex(tc, ex, i));
    if (!in) continue;
    const IndexInfo& idx = *tc.t->indexes[i];
    if (insert && tc.checked[i]) {
      tc.checked[i] = 0;
      DOSQL_RETURN_IF_ERROR(txn->Put(idx.tree, tc.checked_keys[i], std::string_view()));
      continue;
    }
    bool has_null;
    bool absent = false;
    std::vector<Value> entry;  // the values a labelled index's entry stores
    std::string key = std::move(tc.key_buf);
    DOSQL_RETURN_IF_ERROR(MakeIndexKey(tc, ex, i, vals, rowid, true, &has_null, &key,
                                       insert ? LabelMode::kInsert : LabelMode::kLookup, &absent,
                                       insert && IsLabelledIndex(idx) ? &entry : nullptr));
    if (!tc.deferring.empty() && tc.deferring[i]) {
      tc.deferred_spans[i].push_back(
          {TextHead(key), static_cast<uint32_t>(tc.deferred_keys[i].size()),
           static_cast<uint32_t>(key.size()), tc.deferred_row, has_null});
      tc.deferred_keys[i] += key;
      tc.deferred_bytes += key.size() + sizeof(TableCtx::DeferredSpan);
    } else if (insert) {
      DOSQL_RETURN_IF_ERROR(txn->Put(idx.tree, key, IndexEntryValue(idx, entry)));
    } else {
      DOSQL_RETURN_IF_ERROR(DeleteIndexEntry(txn, idx, key, absent, rowid));
    }
    tc.key_buf = std::move(key);
  }
  if (insert && !tc.deferring.empty()) {  // the next row is the statement's next
    if (tc.deferred_unique) tc.deferred_rowids.push_back(rowid);
    tc.deferred_row++;
  }
  if (tc.deferred_bytes > kMaxDeferredBytes)
    DOSQL_RETURN_IF_ERROR(WriteDeferredIndexEntries(tc, txn));
  return Status::OK();
}

// Sets (*changing)[i] for each index of `t` whose entry for a row may differ between `before` and
// `after` (the same rowid): an indexed column whose value is not identical (type and bytes), an
// expression column, or a partial index.
// Whether index `idx`'s entry for a row may differ between `before` and `after` (the same
// rowid): an indexed column whose value is not identical, an expression column, a partial index.
bool IndexKeyMayChange(const IndexInfo& idx, const std::vector<Value>& before,
                       const std::vector<Value>& after) {
  if (idx.where != nullptr) return true;
  for (const IndexColumn& c : idx.columns) {
    if (c.column == -2) continue;  // the rowid: the same
    if (c.column < 0 || !IdenticalValues(before[static_cast<size_t>(c.column)],
                                         after[static_cast<size_t>(c.column)])) {
      return true;
    }
  }
  return false;
}

void IndexKeysThatChange(const TableInfo& t, const std::vector<Value>& before,
                         const std::vector<Value>& after, std::vector<bool>* changing) {
  changing->assign(t.indexes.size(), false);
  for (size_t i = 0; i < t.indexes.size(); i++) {
    (*changing)[i] = IndexKeyMayChange(*t.indexes[i], before, after);
  }
}

// The rowid of a row that conflicts with `vals` (the row at `rowid`) in unique index `i`, other
// than `self` (the row's own entry when it is already stored), or nullopt.
Result<std::optional<int64_t>> FindUniqueConflict(TableCtx& tc, Exec& ex, TxnRouter* txn, size_t i,
                                                  const std::vector<Value>& vals, int64_t rowid,
                                                  std::optional<int64_t> self) {
  const IndexInfo& idx = *tc.t->indexes[i];
  if (!idx.unique) return std::optional<int64_t>();
  DOSQL_ASSIGN_OR_RETURN(bool in, InPartialIndex(tc, ex, i));
  if (!in) return std::optional<int64_t>();
  bool has_null;
  bool absent = false;
  // The row's own entry: its values' key, then the rowid (built where WriteIndexes finds it when
  // the check lets the row through).
  tc.checked[i] = 0;
  std::string& key = tc.checked_keys[i];
  DOSQL_RETURN_IF_ERROR(
      MakeIndexKey(tc, ex, i, vals, rowid, true, &has_null, &key, LabelMode::kLookup, &absent));
  if (has_null || absent) return std::optional<int64_t>();
  const std::string_view prefix = std::string_view(key).substr(0, key.size() - kRowidKeySize);
  auto conflict = [&](const std::optional<std::string>& other) -> Result<std::optional<int64_t>> {
    if (!other || other->size() != key.size() || !other->starts_with(prefix)) {
      return std::optional<int64_t>();
    }
    DOSQL_ASSIGN_OR_RETURN(int64_t hit,
                           DecodeRowidKey(std::string_view(*other).substr(prefix.size())));
    return hit != self ? std::optional<int64_t>(hit) : std::optional<int64_t>();
  };
  if (!self || *self == rowid) {
    // The entries with this prefix sort together, and this row's entry (stored or not) sorts
    // among them: another one, if any, is next to it. The entry is then written to the same leaf.
    DOSQL_ASSIGN_OR_RETURN(btree::NeighborKeys nb, txn->Neighbors(idx.tree, key, prefix.size()));
    // The key itself: an entry of another row with this rowid (an INSERT whose rowid is taken).
    if (nb.found && self != rowid) return std::optional<int64_t>(rowid);
    DOSQL_ASSIGN_OR_RETURN(std::optional<int64_t> below, conflict(nb.below));
    if (below) return below;
    DOSQL_ASSIGN_OR_RETURN(std::optional<int64_t> above, conflict(nb.above));
    // No conflict: the entry WriteIndexes will store for this row (see TableCtx::checked).
    if (!above && !IsLabelledIndex(idx)) tc.checked[i] = 1;
    return above;
  }
  DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, txn->NewCursor(idx.tree));
  DOSQL_RETURN_IF_ERROR(cur.Seek(prefix));
  while (cur.Valid()) {
    std::string_view other = cur.key();
    if (other.size() != key.size() || other.substr(0, prefix.size()) != prefix) break;
    DOSQL_ASSIGN_OR_RETURN(int64_t hit, DecodeRowidKey(other.substr(prefix.size())));
    if (hit != self) return std::optional<int64_t>(hit);
    DOSQL_RETURN_IF_ERROR(cur.Next());
  }
  return std::optional<int64_t>();
}

// Reads the row at `rowid` into *vals (whose TEXT and BLOB buffers are reused); false when
// there is none.
Result<bool> ReadRowInto(const TableInfo& t, TxnRouter* txn, int64_t rowid,
                         std::vector<Value>* vals) {
  DOSQL_ASSIGN_OR_RETURN(auto rec, txn->Get(t.tree, RowidKey(rowid)));
  if (!rec) return false;
  vals->resize(t.columns.size());
  DOSQL_RETURN_IF_ERROR(DecodeRowInto(t, *rec, rowid, vals->data()));
  return true;
}

Result<std::optional<std::vector<Value>>> ReadRow(const TableInfo& t,
                                                  TxnRouter* txn,
                                                  int64_t rowid) {
  std::vector<Value> vals;
  DOSQL_ASSIGN_OR_RETURN(bool found, ReadRowInto(t, txn, rowid, &vals));
  if (!found) return std::optional<std::vector<Value>>();
  return std::optional<std::vector<Value>>(std::move(vals));
}

// Stores a row; `vals` is as given on return (its INTEGER PRIMARY KEY, stored as NULL in the
// record, is set aside while the record is made).
// *existed (when given): whether a row was at `rowid` (now overwritten).
Status PutRow(const TableInfo& t, TxnRouter* txn, std::vector<Value>& vals, int64_t rowid,
              bool* existed = nullptr) {
  // One buffer per thread for the record (a row store allocates nothing for it); a large
  // record's memory is not kept.
  thread_local std::string record;
  record.clear();
  if (t.rowid_alias < 0) {
    EncodeRecord(vals, &record);
  } else {
    Value alias = std::move(vals[t.rowid_alias]);
    vals[t.rowid_alias] = Value();
    EncodeRecord(vals, &record);
    vals[t.rowid_alias] = std::move(alias);
  }
  Status st = txn->Put(t.tree, RowidKey(rowid), record, existed);
  if (record.capacity() > (size_t{1} << 16)) std::string().swap(record);
  return st;
}

// ----- triggers -----

enum class Timing { kBefore, kAfter, kInstead };

Status FireTriggers(ConnectionImpl* conn, Exec& ex, const Schema& schema, const std::string& table,
                    const TableInfo* t, const std::vector<std::string>* view_cols, Timing timing,
                    parser::CreateTriggerStmt::Event event, const std::vector<Value>* old_vals,
                    int64_t old_rowid, const std::vector<Value>* new_vals, int64_t new_rowid,
                    const std::set<int>* updated, bool* ignore);

// The database of the table a TEMP trigger is on (a TEMP trigger may be on a table of any
// database): the one named in ON, else the first in SQLite's order that has the table; -1 none.
int TempTriggerDb(ConnectionImpl* conn, const TriggerInfo& tr) {
  if (tr.create->table_schema) return conn->FindDb(tr.create->table_schema->name);
  std::vector<int> order{ConnectionImpl::kTemp, ConnectionImpl::kMain};
  for (size_t i = 2; i < conn->dbs.size(); i++) order.push_back(static_cast<int>(i));
  for (int i : order) {
    auto s = conn->SlotSchema(i);
    if (s->FindTable(tr.table) || s->FindView(tr.table)) return i;
  }
  return -1;
}

// Calls fn(trigger) for every trigger on `table` of the database whose schema is `schema`: its
// own, and the TEMP triggers on it. Stops when fn returns false.
template <typename Fn>
void ForEachTriggerOn(ConnectionImpl* conn, const Schema& schema, const std::string& table, Fn fn) {
  const bool has_temp = conn->dbs[ConnectionImpl::kTemp].db != nullptr;
  std::shared_ptr<const Schema> temp;
  if (has_temp) temp = conn->SlotSchema(ConnectionImpl::kTemp);
  const bool is_temp = temp && temp->db_tag == schema.db_tag;
  for (const auto& [n, tr] : schema.triggers) {
    if (tr->table != table) continue;
    if (is_temp && TempTriggerDb(conn, *tr) != ConnectionImpl::kTemp) continue;
    if (!fn(tr)) return;
  }
  if (!temp || is_temp || temp->triggers.empty()) return;
  int db = -1;
  for (const auto& [n, tr] : temp->triggers) {
    if (tr->table != table) continue;
    if (db < 0) db = conn->DbOfSchema(schema);
    if (TempTriggerDb(conn, *tr) != db) continue;
    if (!fn(tr)) return;
  }
}

// The triggers on `table` of the database whose schema is `schema`: its own and TEMP ones.
std::vector<std::shared_ptr<TriggerInfo>> TriggersOn(ConnectionImpl* conn, const Schema& schema,
                                                     const std::string& table) {
  std::vector<std::shared_ptr<TriggerInfo>> out;
  ForEachTriggerOn(conn, schema, table, [&](const std::shared_ptr<TriggerInfo>& tr) {
    out.push_back(tr);
    return true;
  });
  return out;
}

bool HasTriggers(ConnectionImpl* conn, const Schema& schema, const std::string& table) {
  bool any = false;
  ForEachTriggerOn(conn, schema, table, [&](const std::shared_ptr<TriggerInfo>&) {
    any = true;
    return false;
  });
  return any;
}

TableInfo PseudoTable(const TableInfo* t, const std::vector<std::string>* view_cols) {
  if (t) return *t;
  TableInfo p;
  p.name = "view";
  for (const auto& c : *view_cols) {
    ColumnInfo ci;
    ci.name = c;
    p.columns.push_back(ci);
  }
  p.without_rowid = false;
  return p;
}

Status RunTriggerBody(ConnectionImpl* conn, Exec& outer_ex, const TriggerInfo& tr,
                      const TableInfo& pseudo, const std::vector<Value>* old_vals, int64_t old_rowid,
                      const std::vector<Value>* new_vals, int64_t new_rowid, bool* ignore) {
  // The body of a trigger of a non-TEMP schema names only that schema's objects.
  int trigger_db = tr.db_tag ? conn->DbOfTag(tr.db_tag) : conn->resolve_db;
  ResolveIn pin(conn, trigger_db == ConnectionImpl::kTemp ? -1 : trigger_db);
  auto schema = conn->CurrentSchema();
  auto ctxp = NewPlanContext(conn, schema);
  PlanContext& ctx = *ctxp;
  Scope scope;
  scope.level = 0;
  scope.sql = tr.sql;
  scope.in_trigger = true;
  int new_src = AddTableSource(scope, pseudo, "new");
  int old_src = AddTableSource(scope, pseudo, "old");
  Frame frame;
  frame.slots.assign(static_cast<size_t>(scope.nslots), Value());
  auto fill = [&](int src, const std::vector<Value>* vals, int64_t rowid) {
    const SourceBinding& sb = scope.sources[src];
    for (size_t i = 0; i < sb.cols.size(); i++) {
      frame.slots[sb.cols[i].slot] = vals ? (*vals)[i] : Value();
    }
    if (sb.rowid_slot >= 0) frame.slots[sb.rowid_slot] = vals ? Value::Integer(rowid) : Value();
  };
  fill(new_src, new_vals, new_rowid);
  fill(old_src, old_vals, old_rowid);
  Exec ex;
  ex.data = outer_ex.data;
  ex.conn = conn;
  ex.params = nullptr;
  ex.generation = outer_ex.generation * 1000003u + static_cast<uint64_t>(conn->trigger_depth) + 7;
  ex.statement_time = outer_ex.statement_time;
  ex.frames.assign(2, nullptr);
  ex.frames[0] = &frame;
  if (tr.create->when) {
    DOSQL_ASSIGN_OR_RETURN(CExprPtr w, CompileExpr(ctx, scope, *tr.create->when));
    ex.frames.resize(static_cast<size_t>(std::max(ctx.max_level, 1) + 1), nullptr);
    ex.frames[0] = &frame;
    DOSQL_ASSIGN_OR_RETURN(TriBool t, EvalTruth(*w, ex));
    if (t != TriBool::kTrue) return Status::OK();
  }
  for (const auto& body : tr.create->body) {
    Status s;
    if (body->Is<parser::SelectStmt>()) {
      auto bctx = NewPlanContext(conn, schema);
      auto q = PlanSelect(*bctx, body->As<parser::SelectStmt>(), &scope, tr.sql);
      if (!q.ok()) return q.status();
      ex.frames.resize(static_cast<size_t>(std::max(bctx->max_level, 1) + 2), nullptr);
      ex.frames[0] = &frame;
      s = q->src->Open(ex);
      while (s.ok()) {
        Row r;
        auto n = q->src->Next(ex, &r);
        if (!n.ok()) {
          s = n.status();
          break;
        }
        if (!*n) break;
      }
    } else {
      DmlResult dr;
      ex.frames[0] = &frame;
      s = ExecDml(conn, ex, *body, tr.sql, &scope, &dr);
    }
    if (!s.ok()) {
      if (s.code() == StatusCode::kAborted && s.message() == "RAISE(IGNORE)") {
        *ignore = true;
        return Status::OK();
      }
      return s;
    }
  }
  return Status::OK();
}

Status FireTriggers(ConnectionImpl* conn, Exec& ex, const Schema& schema, const std::string& table,
                    const TableInfo* t, const std::vector<std::string>* view_cols, Timing timing,
                    parser::CreateTriggerStmt::Event event, const std::vector<Value>* old_vals,
                    int64_t old_rowid, const std::vector<Value>* new_vals, int64_t new_rowid,
                    const std::set<int>* updated, bool* ignore) {
  *ignore = false;
  std::vector<std::shared_ptr<TriggerInfo>> todo;
  for (const auto& tr : TriggersOn(conn, schema, table)) {
    const auto* c = tr->create;
    if (c->event != event) continue;
    Timing tt = c->timing == parser::CreateTriggerStmt::Timing::kAfter ? Timing::kAfter
                : c->timing == parser::CreateTriggerStmt::Timing::kInsteadOf ? Timing::kInstead
                                                                             : Timing::kBefore;
    if (tt != timing) continue;
    if (event == parser::CreateTriggerStmt::Event::kUpdate && !c->update_columns.empty() &&
        updated && t) {
      bool hit = false;
      for (const auto& id : c->update_columns) {
        int ci = t->FindColumn(id.name);
        if (ci >= 0 && updated->count(ci)) hit = true;
      }
      if (!hit) continue;
    }
    todo.push_back(tr);
  }
  if (todo.empty()) return Status::OK();
  // The newest trigger fires first (SQLite's order).
  std::sort(todo.begin(), todo.end(),
            [](const auto& a, const auto& b) { return a->catalog_id > b->catalog_id; });
  TableInfo pseudo = PseudoTable(t, view_cols);
  for (const auto& tr : todo) {
    // Unless recursive_triggers is on, a trigger does not fire itself again while it runs.
    if (!conn->recursive_triggers && conn->active_triggers.count(tr.get())) continue;
    if (conn->trigger_depth >= 1000) return Err("too many levels of trigger recursion");
    conn->trigger_depth++;
    conn->active_triggers.insert(tr.get());
    bool ig = false;
    Status s = RunTriggerBody(conn, ex, *tr, pseudo, old_vals, old_rowid, new_vals, new_rowid, &ig);
    conn->active_triggers.erase(tr.get());
    conn->trigger_depth--;
    DOSQL_RETURN_IF_ERROR(s);
    if (ig) {
      *ignore = true;
      return Status::OK();
    }
  }
  return Status::OK();
}

}  // namespace

Status RunActionTrigger(ConnectionImpl* conn, Exec& ex, const TriggerInfo& tr,
                        const TableInfo& table, const std::vector<Value>* old_vals,
                        int64_t old_rowid, const std::vector<Value>* new_vals, int64_t new_rowid) {
  if (conn->trigger_depth >= 1000) return Err("too many levels of trigger recursion");
  conn->trigger_depth++;
  bool ignore = false;
  Status s = RunTriggerBody(conn, ex, tr, table, old_vals, old_rowid, new_vals, new_rowid, &ignore);
  conn->trigger_depth--;
  return s;
}

namespace {

// ----- shared row checks -----

ConflictAction Resolve(ConflictAction stmt, ConflictAction constraint) {
  if (stmt != ConflictAction::kNone) return stmt;
  if (constraint != ConflictAction::kNone) return constraint;
  return ConflictAction::kAbort;
}

// Column i's type applied to *v: its affinity, and for a STRICT table the check (and REAL's
// conversion of an integer) that its declared type asks for.
Status ApplyColumnType(const TableInfo& t, size_t i, Value* v) {
  const ColumnInfo& c = t.columns[i];
  if (static_cast<int>(i) == t.rowid_alias) return Status::OK();
  ApplyAffinity(v, c.affinity);
  if (!t.strict || v->is_null()) return Status::OK();
  const std::string_view ty = c.decl_type;
  bool ok = true;
  if (IEquals(ty, "int") || IEquals(ty, "integer")) {
    ok = v->type() == ValueType::kInteger;
  } else if (IEquals(ty, "real")) {
    if (v->type() == ValueType::kInteger) *v = Value::Real(static_cast<double>(v->integer()));
    ok = v->type() == ValueType::kReal;
  } else if (IEquals(ty, "text")) {
    ok = v->type() == ValueType::kText;
  } else if (IEquals(ty, "blob")) {
    ok = v->type() == ValueType::kBlob;
  }
  if (ok) return Status::OK();
  // SQLite names the value's type INT, REAL, TEXT or BLOB.
  std::string_view vt = v->type() == ValueType::kInteger ? "INT"
                        : v->type() == ValueType::kReal  ? "REAL"
                        : v->type() == ValueType::kText  ? "TEXT"
                                                         : "BLOB";
  return Status::Constraint("cannot store " + std::string(vt) + " value in " + Upper(c.decl_type) +
                            " column " + t.name + "." + c.name);
}

// Applies column affinities (and STRICT typing); checks the INTEGER PRIMARY KEY value.
Status ApplyColumnTypes(const TableInfo& t, std::vector<Value>* vals) {
  for (size_t i = 0; i < t.columns.size(); i++) {
    DOSQL_RETURN_IF_ERROR(ApplyColumnType(t, i, &(*vals)[i]));
  }
  return Status::OK();
}


// Checks NOT NULL and CHECK; returns false (skip) under IGNORE.
Result<bool> CheckRow(TableCtx& tc, Exec& ex, std::vector<Value>* vals, int64_t rowid,
                      ConflictAction stmt_action, const Status* typing = nullptr) {
  const TableInfo& t = *tc.t;
  for (size_t i = 0; i < t.columns.size(); i++) {
    const ColumnInfo& c = t.columns[i];
    if (!c.not_null || static_cast<int>(i) == t.rowid_alias) continue;
    if (!(*vals)[i].is_null()) continue;
    ConflictAction a = Resolve(stmt_action, c.not_null_conflict);
    if (a == ConflictAction::kIgnore) return false;
    tc.conn->error_action = a;
    if (a == ConflictAction::kReplace && tc.defaults[i]) {
      DOSQL_RETURN_IF_ERROR(tc.defaults[i]->Eval(ex, &(*vals)[i]));
      ApplyAffinity(&(*vals)[i], c.affinity);
      if (!(*vals)[i].is_null()) continue;
    }
    return Status::Constraint("NOT NULL constraint failed: " + t.name + "." + c.name);
  }
  // The typing comes after NOT NULL and before CHECK (SQLite).
  if (typing && !typing->ok() && !tc.checks.empty()) return *typing;
  if (!tc.checks.empty()) {
    LoadFrame(tc, ex, *vals, rowid);
    for (size_t i = 0; i < tc.checks.size(); i++) {
      DOSQL_ASSIGN_OR_RETURN(TriBool r, EvalTruth(*tc.checks[i], ex));
      if (r == TriBool::kFalse) {
        if (stmt_action == ConflictAction::kIgnore) return false;
        tc.conn->error_action = Resolve(stmt_action, ConflictAction::kNone);
        return Status::Constraint("CHECK constraint failed: " + tc.check_names[i]);
      }
    }
  }
  return true;
}

Status DeleteRowAndIndexes(TableCtx& tc, Exec& ex, TxnRouter* txn,
                           const std::vector<Value>& vals, int64_t rowid) {
  DOSQL_RETURN_IF_ERROR(WriteIndexes(tc, ex, txn, vals, rowid, false));
  return txn->Delete(tc.t->tree, RowidKey(rowid));
}

// REPLACE deletes a conflicting row: as a DELETE for foreign keys, and for DELETE triggers
// when recursive_triggers is on (SQLite).
Status DeleteConflictingRow(TableCtx& tc, Exec& ex, TxnRouter* txn, const std::vector<Value>& old,
                            int64_t rowid) {
  std::shared_ptr<const Schema> schema;
  std::string lname;
  bool trig = false;
  if (tc.conn->recursive_triggers) {
    schema = tc.conn->SlotSchema(tc.conn->DbOfTag(TreeTag(tc.t->tree)));
    lname = Lower(tc.t->name);
    trig = HasTriggers(tc.conn, *schema, lname);
  }
  bool ignore = false;
  auto fire = [&](Timing timing) {
    return FireTriggers(tc.conn, ex, *schema, lname, tc.t, nullptr, timing,
                        parser::CreateTriggerStmt::Event::kDelete, &old, rowid, nullptr, 0, nullptr,
                        &ignore);
  };
  if (trig) DOSQL_RETURN_IF_ERROR(fire(Timing::kBefore));
  if (tc.fk) DOSQL_RETURN_IF_ERROR(tc.fk->OldRow(ex, old, rowid, nullptr));
  DOSQL_RETURN_IF_ERROR(DeleteRowAndIndexes(tc, ex, txn, old, rowid));
  if (tc.fk) DOSQL_RETURN_IF_ERROR(tc.fk->Actions(ex, old, rowid, nullptr, 0, nullptr));
  if (trig) DOSQL_RETURN_IF_ERROR(fire(Timing::kAfter));
  return Status::OK();
}

// Resolves uniqueness (rowid and unique indexes) for a row about to be written at `rowid`
// (`self` is the row's current rowid for UPDATE, or a value that matches nothing). Returns
// false to skip the row (IGNORE). Under REPLACE the conflicting rows are deleted.
// `upsert_hit` receives the conflicting rowid when an upsert clause should handle it.
Result<bool> ResolveUnique(TableCtx& tc, Exec& ex, TxnRouter* txn, std::vector<Value>& vals,
                           int64_t rowid, std::optional<int64_t> self, ConflictAction stmt_action,
                           bool has_upsert, const std::set<size_t>* upsert_targets,
                           bool upsert_rowid_target, std::optional<int64_t>* upsert_hit,
                           int* hit_constraint = nullptr,
                           const std::vector<int>* upsert_order = nullptr,
                           const std::vector<bool>* changing = nullptr,
                           std::optional<std::vector<Value>>* replace_in_place = nullptr) {
  const TableInfo& t = *tc.t;
  // The order of the checks, SQLite's: an UPSERT's target constraints first (`upsert_order`:
  // in the order of the ON CONFLICT clauses, with the rowid where SQLite checks it), then the
  // rowid, then the unique indexes newest first, those declared ON CONFLICT REPLACE after the
  // others (the order of SQLite's index list). It decides which conflict an UPSERT without a
  // target handles and which constraint an error names. -1 stands for the rowid.
  std::vector<int> order;
  auto targeted = [&](int c) {
    if (!has_upsert) return false;
    if (c < 0) return upsert_rowid_target;
    return !upsert_targets || upsert_targets->count(static_cast<size_t>(c)) > 0;
  };
  std::fill(tc.checked.begin(), tc.checked.end(), 0);
  const std::vector<int>* checks = &tc.unique_checks;
  if (upsert_order || has_upsert) {
    if (upsert_order) {
      order = *upsert_order;
    } else {
      if (upsert_rowid_target) order.push_back(-1);
      for (size_t k = 1; k < tc.unique_checks.size(); k++) {
        if (targeted(tc.unique_checks[k])) order.push_back(tc.unique_checks[k]);
      }
    }
    for (int c : tc.unique_checks) {
      if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(c);
    }
    checks = &order;
  }
  for (int c : *checks) {
    if (c < 0) {
      if (t.without_rowid || (self && *self == rowid)) continue;
      std::string& existing = tc.record_buf;
      if (existing.capacity() > (size_t{1} << 16)) std::string().swap(existing);  // not kept
      bool found = false;
      DOSQL_RETURN_IF_ERROR(txn->GetInto(t.tree, RowidKey(rowid), &existing, &found));
      if (!found) continue;
      if (targeted(-1)) {
        *upsert_hit = rowid;
        if (hit_constraint) *hit_constraint = -1;
        return true;
      }
      ConflictAction a = Resolve(stmt_action, t.pk_conflict);
      if (a == ConflictAction::kIgnore) return false;
      if (a == ConflictAction::kReplace) {
        // The row the lookup found (not read again).
        std::optional<std::vector<Value>> old(std::in_place, t.columns.size());
        DOSQL_RETURN_IF_ERROR(DecodeRowInto(t, existing, rowid, old->data()));
        if (replace_in_place && !has_upsert && !tc.fk && !tc.conn->recursive_triggers) {
          // Deleting the row runs nothing (no foreign key, no DELETE trigger): the caller
          // overwrites it instead, and its own index entries are no conflict for the new row.
          *replace_in_place = std::move(old);
          self = rowid;
          continue;
        }
        DOSQL_RETURN_IF_ERROR(DeleteConflictingRow(tc, ex, txn, *old, rowid));
        continue;
      }
      tc.conn->error_action = a;
      std::string col = t.rowid_alias >= 0 ? t.columns[t.rowid_alias].name : "rowid";
      return Status::Constraint("UNIQUE constraint failed: " + t.name + "." + col);
    }
    size_t i = static_cast<size_t>(c);
    // An UPDATE that keeps the row's rowid and its key in this index cannot conflict there.
    if (changing && !(*changing)[i]) continue;
    // An INSERT's deferred UNIQUE entries are checked together (CheckDeferredUnique).
    if (tc.deferred_unique && tc.deferring[i]) continue;
    // A REPLACE over the row at its rowid that keeps the row's key in this index cannot conflict
    // there: the only entry with that key is the row's own (the index is unique).
    if (replace_in_place && *replace_in_place && self == rowid &&
        !IndexKeyMayChange(*t.indexes[i], **replace_in_place, vals)) {
      continue;
    }
    while (true) {
      if (tc.index_reads_frame) LoadFrame(tc, ex, vals, rowid);
      // An INSERT's row is not stored yet: a hit at its rowid is another row (the one its
      // rowid check would meet later), which an UPSERT on this index handles first.
      DOSQL_ASSIGN_OR_RETURN(auto hit, FindUniqueConflict(tc, ex, txn, i, vals, rowid, self));
      if (!hit) break;
      if (targeted(c)) {
        *upsert_hit = *hit;
        if (hit_constraint) *hit_constraint = c;
        return true;
      }
      ConflictAction a = Resolve(stmt_action, t.indexes[i]->on_conflict);
      if (a == ConflictAction::kIgnore) return false;
      if (a == ConflictAction::kReplace) {
        DOSQL_ASSIGN_OR_RETURN(auto old, ReadRow(t, txn, *hit));
        if (!old) break;
        DOSQL_RETURN_IF_ERROR(DeleteConflictingRow(tc, ex, txn, *old, *hit));
        continue;
      }
      tc.conn->error_action = a;
      return Status::Constraint(UniqueMessage(t, *t.indexes[i]));
    }
  }
  return true;
}

// The table (or view) a DML statement writes, and the schema of its database.
Result<const TableInfo*> TargetTable(PlanContext& ctx, const parser::QualifiedName& name,
                                     const ViewInfo** view,
                                     std::shared_ptr<const Schema>* schema) {
  *view = nullptr;
  NamedObject obj = LookupObject(ctx, name.schema, name.name.name);
  if (obj.db >= 0) *schema = ctx.dbs[static_cast<size_t>(obj.db)].schema;
  const TableInfo* t = obj.table;
  if (t && t->is_schema_table) return Err("table " + t->name + " may not be modified");
  if (t) return t;
  if (obj.view) {
    *view = obj.view;
    return nullptr;
  }
  return Err("no such table: " + (name.schema ? name.schema->name + "." : "") + name.name.name);
}

Status CompileReturning(PlanContext& ctx, Scope& scope, const std::vector<parser::ResultColumn>& rc,
                        std::string_view sql, std::vector<CExprPtr>* exprs,
                        std::vector<ResultColumnInfo>* cols) {
  for (const auto& r : rc) {
    if (r.kind == parser::ResultColumn::Kind::kExpr) {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr e, CompileExpr(ctx, scope, *r.expr));
      ResultColumnInfo info;
      info.name = r.alias ? r.alias->name
                  : r.expr->Is<parser::ColumnRef>() ? r.expr->As<parser::ColumnRef>().column.name
                                                    : ExprText(sql, *r.expr);
      info.affinity = e->affinity;
      cols->push_back(info);
      exprs->push_back(std::move(e));
    } else {
      const SourceBinding& sb = scope.sources[0];
      for (const auto& cb : sb.cols) {
        exprs->push_back(MakeSlot(scope.level, cb.slot, cb.affinity, cb.collation, cb.has_collation));
        ResultColumnInfo info;
        info.name = cb.name;
        info.decl_type = cb.decl_type;
        cols->push_back(info);
      }
    }
  }
  return Status::OK();
}

Status EvalReturning(Exec& ex, const std::vector<CExprPtr>& exprs, DmlResult* result) {
  if (exprs.empty()) return Status::OK();
  Row r(exprs.size());
  for (size_t i = 0; i < exprs.size(); i++) DOSQL_RETURN_IF_ERROR(exprs[i]->Eval(ex, &r[i]));
  result->returning.push_back(std::move(r));
  return Status::OK();
}

// A rowid for a new row of `t`: one past its largest (`*past_last` then true), or a free one
// below when the largest is INT64_MAX.
Result<int64_t> NewRowid(const TableInfo& t, TxnRouter* txn, bool* past_last = nullptr) {
  if (past_last) *past_last = true;
  DOSQL_ASSIGN_OR_RETURN(std::optional<std::string> last_key, txn->LastKey(t.tree));
  if (!last_key) return int64_t{1};
  DOSQL_ASSIGN_OR_RETURN(int64_t last, DecodeRowidKey(*last_key));
  if (last == INT64_MAX) {
    if (past_last) *past_last = false;
    // SQLite then tries random rowids; we search for a gap from the bottom.
    for (int64_t r = 1; r < INT64_MAX; r++) {
      DOSQL_ASSIGN_OR_RETURN(auto e, txn->Get(t.tree, RowidKey(r)));
      if (!e) return r;
      if (r > 1000000) break;
    }
    return Status::NoSpace("database or disk is full");
  }
  return last + 1;  // also when the largest rowid is negative, as SQLite
}

// AUTOINCREMENT: the table's row in sqlite_sequence (name, seq).
struct Sequence {
  const TableInfo* seq_table = nullptr;
  std::optional<int64_t> row;  // rowid of the table's sqlite_sequence row
  int64_t value = 0;
  bool dirty = false;
};

Status LoadSequence(const Schema& schema, const TableInfo& t, TxnRouter* txn,
                    Sequence* seq) {
  seq->seq_table = schema.FindTable("sqlite_sequence");
  if (!seq->seq_table) return Status::OK();
  DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, txn->NewCursor(seq->seq_table->tree));
  DOSQL_RETURN_IF_ERROR(cur.SeekFirst());
  std::string scratch;
  while (cur.Valid()) {
    DOSQL_ASSIGN_OR_RETURN(int64_t rowid, DecodeRowidKey(cur.key()));
    DOSQL_ASSIGN_OR_RETURN(std::string_view v, cur.value(&scratch));
    std::vector<Value> vals(2);
    DOSQL_RETURN_IF_ERROR(DecodeRowInto(*seq->seq_table, v, rowid, vals.data()));
    if (vals[0].type() == ValueType::kText && vals[0].bytes() == t.name) {
      seq->row = rowid;
      seq->value = ValueToInt64(vals[1]);
      return Status::OK();
    }
    DOSQL_RETURN_IF_ERROR(cur.Next());
  }
  return Status::OK();
}

Status SaveSequence(const TableInfo& t, TxnRouter* txn, Sequence* seq) {
  if (!seq->dirty || !seq->seq_table) return Status::OK();
  if (!seq->row) {
    DOSQL_ASSIGN_OR_RETURN(int64_t r, NewRowid(*seq->seq_table, txn));
    seq->row = r;
  }
  std::vector<Value> vals{Value::Text(t.name), Value::Integer(seq->value)};
  return txn->Put(seq->seq_table->tree, RowidKey(*seq->row), EncodeRecord(vals));
}

// ----- UPDATE core, shared with UPSERT -----

struct SetTarget {
  int column = -1;  // -2: rowid
  const CExpr* value = nullptr;
};

// Whether an UPDATE that keeps the rowid and sets the columns `updated` can change the entry of
// `idx`: it reads one of them, a generated column, or an expression (partial or expression
// indexes are always rewritten).
bool IndexMayChange(const TableInfo& t, const IndexInfo& idx, const std::set<int>& updated) {
  if (idx.where) return true;
  for (const IndexColumn& ic : idx.columns) {
    if (ic.column == -2) continue;
    if (ic.column < 0 || t.columns[ic.column].generated || updated.count(ic.column)) return true;
  }
  return false;
}

// What an UPDATE's SET list means for every row it writes, worked out once per statement.
struct UpdateShape {
  std::set<int> updated;      // the columns set (-2: the rowid)
  std::vector<bool> changing;  // per index: its key may change when the rowid is kept
  std::string lname;          // the table's name, lower case
  bool has_trig = false;
};

UpdateShape ShapeOfUpdate(ConnectionImpl* conn, const Schema& schema, const TableInfo& t,
                          const std::vector<SetTarget>& sets) {
  UpdateShape shape;
  for (const auto& st : sets) shape.updated.insert(st.column);
  shape.changing.resize(t.indexes.size());
  for (size_t i = 0; i < t.indexes.size(); i++) {
    shape.changing[i] = IndexMayChange(t, *t.indexes[i], shape.updated);
  }
  shape.lname = Lower(t.name);
  shape.has_trig = HasTriggers(conn, schema, shape.lname);
  return shape;
}

// Updates one row: `old` at `rowid` gets new values computed by `sets` (evaluated with the
// frames as the caller set them). `shape`: ShapeOfUpdate(sets), or null to work it out here.
// With `frame_new_row`, the table context's frame holds the new row after (for RETURNING).
// Returns whether the row was written.
Result<bool> UpdateOneRow(ConnectionImpl* conn, Exec& ex, const Schema& schema, TableCtx& tc,
                          TxnRouter* txn, const std::vector<Value>& old, int64_t rowid,
                          const std::vector<SetTarget>& sets, ConflictAction action,
                          int64_t* new_rowid_out, const UpdateShape* shape = nullptr,
                          bool frame_new_row = true) {
  const TableInfo& t = *tc.t;
  UpdateShape own_shape;
  if (!shape) {
    own_shape = ShapeOfUpdate(conn, schema, t, sets);
    shape = &own_shape;
  }
  const std::set<int>& updated = shape->updated;
  const std::string& lname = shape->lname;
  const bool has_trig = shape->has_trig;
  // The new row and the SET values: the table context's buffers (their TEXT and BLOB buffers
  // reused from row to row) unless an update of this table is already using them.
  std::vector<Value> own_nv, own_computed;
  const bool reuse = !tc.updating;
  std::vector<Value>& nv = reuse ? tc.update_row : own_nv;
  std::vector<Value>& computed = reuse ? tc.update_sets : own_computed;
  tc.updating = true;
  struct Release {
    TableCtx& tc;
    bool reuse;
    ~Release() {
      if (reuse) tc.updating = false;
    }
  } release{tc, reuse};
  nv = old;
  int64_t new_rowid = rowid;
  computed.resize(sets.size());
  for (size_t i = 0; i < sets.size(); i++) DOSQL_RETURN_IF_ERROR(sets[i].value->Eval(ex, &computed[i]));
  for (size_t i = 0; i < sets.size(); i++) {
    int c = sets[i].column;
    Value& v = computed[i];
    if (c == -2 || c == t.rowid_alias) {
      ApplyAffinity(&v, Affinity::kInteger);
      // NULL too: SQLite's UPDATE reports a datatype mismatch, even on INTEGER PRIMARY KEY NOT NULL.
      if (v.type() != ValueType::kInteger) return Status::Constraint("datatype mismatch");
      new_rowid = v.integer();
      if (c >= 0) nv[c] = v;
      continue;
    }
    nv[c] = v;
  }
  DOSQL_RETURN_IF_ERROR(ApplyColumnTypes(t, &nv));
  DOSQL_RETURN_IF_ERROR(ComputeGenerated(tc, ex, &nv, new_rowid));
  if (has_trig) {
    bool ignore = false;
    DOSQL_RETURN_IF_ERROR(FireTriggers(conn, ex, schema, lname, &t, nullptr, Timing::kBefore,
                                       parser::CreateTriggerStmt::Event::kUpdate, &old, rowid, &nv,
                                       new_rowid, &updated, &ignore));
    if (ignore) return false;
  }
  DOSQL_ASSIGN_OR_RETURN(bool ok, CheckRow(tc, ex, &nv, new_rowid, action));
  if (!ok) return false;
  std::optional<int64_t> upsert_hit;
  // The entries of an index whose key cannot change stay as they are (SQLite too).
  const std::vector<bool>* only = new_rowid == rowid ? &shape->changing : nullptr;
  DOSQL_ASSIGN_OR_RETURN(ok, ResolveUnique(tc, ex, txn, nv, new_rowid, rowid, action, false,
                                           nullptr, false, &upsert_hit, nullptr, nullptr, only));
  if (!ok) return false;
  // Foreign keys see the old row leave before the new one comes (SQLite's order).
  if (tc.fk) DOSQL_RETURN_IF_ERROR(tc.fk->OldRow(ex, old, rowid, &updated));
  DOSQL_RETURN_IF_ERROR(WriteIndexes(tc, ex, txn, old, rowid, false, only));
  if (new_rowid != rowid || tc.fk) DOSQL_RETURN_IF_ERROR(txn->Delete(t.tree, RowidKey(rowid)));
  if (tc.fk) DOSQL_RETURN_IF_ERROR(tc.fk->NewRow(ex, nv, new_rowid, &updated));
  DOSQL_RETURN_IF_ERROR(PutRow(t, txn, nv, new_rowid));
  DOSQL_RETURN_IF_ERROR(WriteIndexes(tc, ex, txn, nv, new_rowid, true, only));
  if (tc.fk) DOSQL_RETURN_IF_ERROR(tc.fk->Actions(ex, old, rowid, &nv, new_rowid, &updated));
  if (has_trig) {
    bool ignore = false;
    DOSQL_RETURN_IF_ERROR(FireTriggers(conn, ex, schema, lname, &t, nullptr, Timing::kAfter,
                                       parser::CreateTriggerStmt::Event::kUpdate, &old, rowid, &nv,
                                       new_rowid, &updated, &ignore));
  }
  if (frame_new_row) LoadFrame(tc, ex, nv, new_rowid);
  *new_rowid_out = new_rowid;
  return true;
}

Result<std::vector<SetTarget>> ResolveSets(PlanContext& ctx, Scope& scope, const TableInfo& t,
                                           const std::vector<parser::SetClause>& set,
                                           std::vector<CExprPtr>* owned) {
  std::vector<SetTarget> out;
  for (const auto& sc : set) {
    std::vector<CExprPtr> values;
    if (sc.columns.size() != 1 || sc.parenthesized) {
      if (sc.value->Is<parser::SubqueryExpr>()) {
        DOSQL_ASSIGN_OR_RETURN(values, CompileSubqueryColumns(
                                           ctx, scope, *sc.value->As<parser::SubqueryExpr>().select));
      } else if (sc.value->Is<parser::RowValueExpr>()) {
        for (const auto& el : sc.value->As<parser::RowValueExpr>().elements) {
          DOSQL_ASSIGN_OR_RETURN(CExprPtr ce, CompileExpr(ctx, scope, *el));
          values.push_back(std::move(ce));
        }
      } else {
        DOSQL_ASSIGN_OR_RETURN(CExprPtr ce, CompileExpr(ctx, scope, *sc.value));
        values.push_back(std::move(ce));
      }
      if (values.size() != sc.columns.size()) {
        return Err(std::to_string(sc.columns.size()) + " columns assigned " +
                   std::to_string(values.size()) + " values");
      }
    } else {
      DOSQL_ASSIGN_OR_RETURN(CExprPtr ce, CompileExpr(ctx, scope, *sc.value));
      values.push_back(std::move(ce));
    }
    for (size_t k = 0; k < sc.columns.size(); k++) {
      const std::string& name = sc.columns[k].name;
      int c = t.FindColumn(name);
      if (c < 0) {
        if (IsRowidName(name) && !t.without_rowid) {
          c = -2;
        } else {
          return Err("no such column: " + name);
        }
      }
      if (c >= 0 && t.columns[c].generated) {
        return Err("cannot UPDATE generated column \"" + t.columns[c].name + "\"");
      }
      // A later assignment to the same column wins (SQLite).
      for (auto& st : out) {
        if (st.column == c) st.column = -3;
      }
      out.push_back({c, values[k].get()});
      owned->push_back(std::move(values[k]));
    }
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const SetTarget& s) { return s.column == -3; }),
            out.end());
  return out;
}

// ----- INSERT -----

// A compiled INSERT: planned once per prepared statement (top level) and run per Step.
struct InsertPlan {
  std::shared_ptr<const Schema> schema;
  std::unique_ptr<PlanContext> ctxp;
  const ViewInfo* view = nullptr;
  const TableInfo* t = nullptr;
  std::vector<std::string> view_cols;
  TableInfo view_table;
  std::vector<int> targets;
  RowSrcPtr src;
  bool src_reads_target = true;  // the source may read the target table (see PlanContext::reads)
  int level = 0;
  TableCtx tc;
  Scope upsert_scope;
  Frame upsert_frame;
  std::vector<std::vector<SetTarget>> upsert_sets;
  std::vector<CExprPtr> upsert_owned;
  std::vector<CExprPtr> upsert_where;
  std::vector<std::set<size_t>> upsert_targets;
  std::vector<bool> upsert_rowid_target;
  std::vector<bool> upsert_any;
  // SQLite's order of the uniqueness checks when the first ON CONFLICT clause has a target:
  // the clauses' indexes in clause order, the rowid (-1) where the first clause on the rowid
  // (or the catch-all) stands. Empty otherwise (the rowid first).
  std::vector<int> upsert_order;
  // The excluded row is the row before column affinity when the rowid is checked first and
  // nothing applied the affinity before it (no CHECK constraint, no generated column): the
  // order of SQLite's constraint checks.
  bool upsert_rowid_first_raw = false;
  std::vector<CExprPtr> returning;
  std::vector<ResultColumnInfo> columns;
  std::string lname;      // the target's name in lower case
  bool has_trig = false;  // a trigger on the target (the plan is remade when the schema changes)
  // An execution's row buffers, kept with the plan (a cached plan runs one execution at a time:
  // only top-level statements cache theirs): their storage, and their TEXT and BLOB buffers,
  // serve the next row and the next execution.
  Row streamed;             // the source's row
  std::vector<Value> vals;  // the row being inserted
  std::vector<bool> given;  // which of its columns the source gives
};

Status PlanInsert(ConnectionImpl* conn, const parser::InsertStmt& ins, std::string_view sql,
                  Scope* outer, InsertPlan* plan) {
  plan->schema = conn->CurrentSchema();
  auto& schema = plan->schema;
  plan->ctxp = NewPlanContext(conn, schema);
  PlanContext& ctx = *plan->ctxp;
  const int base_level = outer ? outer->level + 1 : 0;
  const ViewInfo*& view = plan->view;
  const TableInfo*& t = plan->t;
  DOSQL_ASSIGN_OR_RETURN(t, TargetTable(ctx, ins.table, &view, &plan->schema));
  if (ins.with) DOSQL_RETURN_IF_ERROR(PushWith(ctx, *ins.with, sql));
  auto& view_cols = plan->view_cols;
  auto& view_table = plan->view_table;
  if (view) {
    // Columns of the view, for INSTEAD OF triggers.
    int view_db = conn->DbOfSchema(*schema);
    ResolveIn pin(conn, view_db == ConnectionImpl::kTemp ? -1 : view_db);
    auto vctx = NewPlanContext(conn, schema);
    DOSQL_ASSIGN_OR_RETURN(CompiledQuery vq, PlanSelect(*vctx, *view->select, nullptr, view->sql));
    for (size_t i = 0; i < vq.columns.size(); i++) {
      view_cols.push_back(i < view->columns.size() ? view->columns[i] : vq.columns[i].name);
    }
    bool has = false;
    for (const auto& tr : TriggersOn(conn, *schema, Lower(view->name))) {
      if (tr->table == Lower(view->name) &&
          tr->create->timing == parser::CreateTriggerStmt::Timing::kInsteadOf &&
          tr->create->event == parser::CreateTriggerStmt::Event::kInsert) {
        has = true;
      }
    }
    if (!has) return Err("cannot modify " + view->name + " because it is a view");
    view_table = PseudoTable(nullptr, &view_cols);
    view_table.name = view->name;
    t = &view_table;
  }
  plan->lname = Lower(t->name);
  plan->has_trig = HasTriggers(conn, *schema, plan->lname);
  // Target columns.
  auto& targets = plan->targets;
  if (ins.columns.empty()) {
    // Without a column list: every column but the generated ones (SQLite's hidden columns).
    for (size_t i = 0; i < t->columns.size(); i++) {
      if (!t->columns[i].generated) targets.push_back(static_cast<int>(i));
    }
  } else {
    for (const auto& id : ins.columns) {
      int c = t->FindColumn(id.name);
      if (c < 0) {
        if (IsRowidName(id.name) && !t->without_rowid && !view) {
          c = -2;
        } else {
          return Err("table " + t->name + " has no column named " + id.name);
        }
      }
      if (c >= 0 && t->columns[c].generated) {
        return Err("cannot INSERT into generated column \"" + t->columns[c].name + "\"");
      }
      targets.push_back(c);
    }
  }
  // Source rows.
  auto& src = plan->src;
  if (!ins.default_values) {
    std::set<const TableInfo*> reads;
    ctx.reads = &reads;
    auto planned = PlanSelect(ctx, *ins.select, outer, sql);
    ctx.reads = nullptr;
    DOSQL_ASSIGN_OR_RETURN(CompiledQuery q, std::move(planned));
    plan->src_reads_target = view != nullptr;
    for (const TableInfo* r : reads) plan->src_reads_target |= !r || r == t || r->tree == t->tree;
    if (q.columns.size() != targets.size()) {
      if (ins.columns.empty()) {
        return Err("table " + t->name + " has " + std::to_string(targets.size()) +
                   " columns but " + std::to_string(q.columns.size()) + " values were supplied");
      }
      return Err(std::to_string(q.columns.size()) + " values for " +
                 std::to_string(targets.size()) + " columns");
    }
    src = std::move(q.src);
  } else {
    targets.clear();
  }
  // The writer's row frame sits above every level the source select uses.
  plan->level = std::max(ctx.max_level, base_level);
  int level = plan->level;
  auto& tc = plan->tc;
  DOSQL_RETURN_IF_ERROR(SetupTable(ctx, &tc, t, level, ins.alias ? ins.alias->name : "", outer));
  // UPSERT: the target row (table alias) and `excluded`.
  auto& upsert_scope = plan->upsert_scope;
  auto& upsert_frame = plan->upsert_frame;
  auto& upsert_sets = plan->upsert_sets;
  auto& upsert_owned = plan->upsert_owned;
  auto& upsert_where = plan->upsert_where;
  auto& upsert_targets = plan->upsert_targets;
  auto& upsert_rowid_target = plan->upsert_rowid_target;
  auto& upsert_any = plan->upsert_any;
  upsert_sets.resize(ins.upserts.size());
  upsert_where.resize(ins.upserts.size());
  upsert_targets.resize(ins.upserts.size());
  upsert_rowid_target.assign(ins.upserts.size(), false);
  upsert_any.assign(ins.upserts.size(), false);
  if (!ins.upserts.empty()) {
    upsert_scope.parent = outer;
    upsert_scope.level = level + 1;
    upsert_scope.sql = sql;
    AddTableSource(upsert_scope, *t, ins.alias ? ins.alias->name : t->name);
    AddTableSource(upsert_scope, *t, "excluded");
    upsert_scope.sources[1].qualified_only = true;
    // SQLite reads excluded.* as plain values: no column affinity or collation in comparisons.
    for (ColBinding& cb : upsert_scope.sources[1].cols) {
      cb.affinity = Affinity::kNone;
      cb.collation = Collation::kBinary;
      cb.has_collation = false;
    }
    upsert_frame.slots.assign(static_cast<size_t>(upsert_scope.nslots), Value());
    for (size_t u = 0; u < ins.upserts.size(); u++) {
      const auto& up = ins.upserts[u];
      if (up.target.empty()) {
        upsert_any[u] = true;
        if (u + 1 != ins.upserts.size()) {
          return Err("ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint");
        }
      } else {
        std::vector<int> cols;
        std::vector<std::optional<Collation>> colls;  // a term's explicit COLLATE
        for (const auto& term : up.target) {
          const parser::Expr* e = term.expr.get();
          std::optional<Collation> coll;
          while (e->Is<parser::CollateExpr>()) {
            const auto& ce = e->As<parser::CollateExpr>();
            if (!coll) {
              DOSQL_ASSIGN_OR_RETURN(coll, CollationFromName(ce.collation.name));
            }
            e = ce.operand.get();
          }
          if (!e->Is<parser::ColumnRef>()) {
            return Err("ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint");
          }
          int c = t->FindColumn(e->As<parser::ColumnRef>().column.name);
          if (c < 0) return Err("no such column: " + e->As<parser::ColumnRef>().column.name);
          cols.push_back(c);
          colls.push_back(coll);
        }
        bool matched = false;
        if (cols.size() == 1 && cols[0] == t->rowid_alias) {
          upsert_rowid_target[u] = true;
          matched = true;
        }
        // As SQLite: the rowid, else the first unique index in the table's index list (newest
        // first, REPLACE-declared last) that the target matches — one index, even when an
        // unqualified term matches several (one per collation).
        for (int li : UniqueIndexesInListOrder(*t)) {
          if (matched) break;
          const size_t i = static_cast<size_t>(li);
          const auto& idx = t->indexes[i];
          if (!idx->unique || idx->columns.size() != cols.size()) continue;
          // A partial index is a target only when the target's WHERE implies the index's
          // (SQLite); dosql recognises the same expression.
          if (idx->where && (!up.target_where ||
                             parser::ToSql(*up.target_where) != parser::ToSql(*idx->where))) {
            continue;
          }
          // SQLite's rule: as many terms as the index has columns, and every column of the
          // index matched by some term (the same column, and the same collation when the term
          // names one), so `(c1, c0)` matches an index on `(c1 COLLATE NOCASE, c1)`.
          bool all = true;
          for (const auto& ic : idx->columns) {
            bool found = false;
            for (size_t j = 0; j < cols.size() && !found; j++) {
              found = cols[j] == ic.column && (!colls[j] || *colls[j] == ic.collation);
            }
            all = all && found;
          }
          if (all) {
            upsert_targets[u].insert(i);
            matched = true;
          }
        }
        if (!matched) {
          return Err("ON CONFLICT clause does not match any PRIMARY KEY or UNIQUE constraint");
        }
      }
      if (!up.do_nothing) {
        DOSQL_ASSIGN_OR_RETURN(upsert_sets[u],
                               ResolveSets(ctx, upsert_scope, *t, up.set, &upsert_owned));
        if (up.where) {
          DOSQL_ASSIGN_OR_RETURN(upsert_where[u], CompileExpr(ctx, upsert_scope, *up.where));
        }
      }
    }
  }
  if (!ins.upserts.empty() && !t->without_rowid) {
    bool rowid_first = upsert_any[0] || upsert_rowid_target[0];
    if (!rowid_first) {
      std::vector<int> list_order = UniqueIndexesInListOrder(*t);
      auto& order = plan->upsert_order;
      auto add = [&](int c) {
        if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(c);
      };
      for (size_t u = 0; u < ins.upserts.size() && !upsert_any[u]; u++) {
        if (upsert_rowid_target[u]) {
          add(-1);
          continue;
        }
        for (int i : list_order) {
          if (upsert_targets[u].count(static_cast<size_t>(i))) add(i);
        }
      }
      add(-1);
    }
    plan->upsert_rowid_first_raw = rowid_first && tc.checks.empty() && !tc.HasGenerated();
  }
  auto& returning = plan->returning;
  {
    std::vector<ResultColumnInfo> cols;
    DOSQL_RETURN_IF_ERROR(CompileReturning(ctx, tc.scope, ins.returning, sql, &returning, &cols));
    plan->columns = std::move(cols);
  }
  return Status::OK();
}

Status ExecInsert(ConnectionImpl* conn, Exec& ex, const parser::InsertStmt& ins,
                  std::string_view sql, Scope* outer, DmlResult* result, bool dry_run,
                  std::unique_ptr<InsertPlan>* cache = nullptr) {
  std::unique_ptr<InsertPlan> fresh;
  InsertPlan* plan = cache ? cache->get() : nullptr;
  if (!plan) {
    fresh = std::make_unique<InsertPlan>();
    plan = fresh.get();
    DOSQL_RETURN_IF_ERROR(PlanInsert(conn, ins, sql, outer, plan));
  }
  result->columns = plan->columns;
  struct Keep {
    std::unique_ptr<InsertPlan>* cache;
    std::unique_ptr<InsertPlan>* fresh;
    ~Keep() {
      if (cache && *fresh) *cache = std::move(*fresh);
    }
  } keep{cache, &fresh};
  if (dry_run) return Status::OK();
  auto& schema = plan->schema;
  PlanContext& ctx = *plan->ctxp;
  const ViewInfo* view = plan->view;
  const TableInfo* t = plan->t;
  auto& view_cols = plan->view_cols;
  auto& targets = plan->targets;
  auto& src = plan->src;
  int level = plan->level;
  auto& tc = plan->tc;
  auto& upsert_scope = plan->upsert_scope;
  auto& upsert_frame = plan->upsert_frame;
  auto& upsert_sets = plan->upsert_sets;
  auto& upsert_where = plan->upsert_where;
  auto& upsert_targets = plan->upsert_targets;
  auto& upsert_rowid_target = plan->upsert_rowid_target;
  auto& upsert_any = plan->upsert_any;
  auto& returning = plan->returning;
  (void)upsert_scope;
  if (ex.frames.size() < static_cast<size_t>(ctx.max_level + 2)) {
    ex.frames.resize(static_cast<size_t>(ctx.max_level + 2), nullptr);
  }
  TxnRouter* txn = &conn->router;
  ConflictAction action = ins.replace ? ConflictAction::kReplace : ins.conflict;
  const std::string& lname = plan->lname;
  const bool has_trig = plan->has_trig;
  const bool may_replace = action == ConflictAction::kReplace || t->DeclaresReplace();
  // The source rows: one at a time as the rows go in (SQLite's co-routine) when nothing the
  // INSERT does can change what the source reads — it does not read the target table, and no
  // trigger, UPSERT or REPLACE writes elsewhere; otherwise all of them first (INSERT INTO t
  // SELECT ... FROM t). A REPLACE deletes only rows of the target table unless a foreign key
  // action or a DELETE trigger (recursive_triggers) runs for them.
  const bool replace_writes_elsewhere = conn->foreign_keys || conn->recursive_triggers;
  const bool stream = src && !outer && !plan->src_reads_target && !has_trig &&
                      ins.upserts.empty() && !(may_replace && replace_writes_elsewhere);
  Frame* saved_outer = outer ? ex.frames[outer->level] : nullptr;
  std::vector<Row> rows;
  if (src) {
    DOSQL_RETURN_IF_ERROR(stream ? src->Open(ex) : ReadRows(*src, ex, &rows));
  } else {
    rows.push_back({});
  }
  if (outer) ex.frames[outer->level] = saved_outer;
  // One row of VALUES (or DEFAULT VALUES).
  const parser::SelectStmt* sel = ins.select.get();
  const bool one_row = !src || (sel && sel->cores.size() == 1 &&
                                sel->cores[0]->kind == parser::SelectCore::Kind::kValues &&
                                sel->cores[0]->rows.size() == 1);
  if (!view) {
    // SQLite's one-row INSERT (no SELECT, triggers, REPLACE or UPSERT) at top level.
    bool single_row = !outer && sel && one_row && !sel->with && !ins.with && !has_trig &&
                      ins.upserts.empty() && action != ConflictAction::kReplace;
    DOSQL_ASSIGN_OR_RETURN(tc.fk,
                           FkTable::Prepare(conn, schema, *t, FkOp::kInsert, nullptr, single_row));
  }
  // The entries of plain indexes wait and go in in key order at the end (or every
  // kMaxDeferredBytes) when many rows stream in and nothing the statement runs reads the table's
  // indexes meanwhile: no trigger, UPSERT, REPLACE (which deletes entries), RETURNING or foreign
  // key, and a source that does not read the table. A UNIQUE index's wait too when a conflict
  // there aborts the statement (DeferIndexEntries), and are checked then; else they are written
  // row by row (each check sees every entry before it). On an error the entries so far are
  // written (INSERT OR FAIL keeps the rows before the failing one; otherwise the statement's
  // rollback undoes them).
  DeferIndexEntries(tc,
                    stream && !one_row && !view && !t->without_rowid && !has_trig &&
                        ins.upserts.empty() && !may_replace && returning.empty() && !tc.fk,
                    /*deletes=*/false, action);
  WriteDeferredOnExit write_deferred_on_exit{tc, txn};
  int64_t count = 0;
  Sequence seq;
  if (t->autoincrement) DOSQL_RETURN_IF_ERROR(LoadSequence(*schema, *t, txn, &seq));
  // SQLite computes a constant DEFAULT once per statement and applies the column affinity to
  // it in place: once a row of the statement got its affinities, later rows see their
  // defaults converted even where `excluded` is otherwise the row as given.
  bool defaults_typed = false;
  // A rowid conflict that aborts the statement is found by the row's store itself (it reports
  // the row it overwrote, which the statement's rollback restores) instead of a lookup first,
  // when nothing checked between the two could fail first: every UNIQUE index deferred, no
  // foreign key, UPSERT or REPLACE, and no trigger (which could read the row). Not for a
  // one-row INSERT, which may run without a statement savepoint (compile.cc: it cannot fail
  // after its write).
  bool rowid_by_put = false;
  if (!view && !one_row && !t->without_rowid && ins.upserts.empty() && !may_replace && !tc.fk &&
      !has_trig) {
    rowid_by_put = AbortsStatement(Resolve(action, t->pk_conflict));
    for (size_t i = 0; i < t->indexes.size(); i++) {
      if (t->indexes[i]->unique && !(tc.deferred_unique && tc.deferring[i])) rowid_by_put = false;
    }
  }
  // REPLACE into a table without indexes, with no trigger or foreign key to run for the row it
  // replaces: the row's store replaces a row at its rowid by itself (nothing else of the old
  // row is to be removed), without a lookup first.
  const bool replace_by_put = !view && !t->without_rowid && ins.upserts.empty() && !has_trig &&
                              !tc.fk && t->indexes.empty() &&
                              Resolve(action, t->pk_conflict) == ConflictAction::kReplace;
  // The table's largest rowid, once known, while only this loop's own inserts can change it (no
  // trigger, UPSERT or REPLACE removing or moving rows): a new rowid is then the next one,
  // without a seek to the end of the table per row.
  const bool track_last =
      !view && !has_trig && ins.upserts.empty() && !t->without_rowid && !may_replace;
  std::optional<int64_t> last_rowid;
  size_t next_row = 0;
  Row& streamed = plan->streamed;
  std::vector<Value>& vals = plan->vals;
  std::vector<bool>& given = plan->given;
  vals.resize(t->columns.size());
  given.resize(t->columns.size());
  // A row that REPLACE overwrites at the new row's rowid, and which index keys then change.
  std::optional<std::vector<Value>> replaced;
  std::vector<bool> changing;
  // (The rows in a function of their own: an error there first looks for a conflict among the
  // deferred UNIQUE entries, which SQLite would have met at an earlier row.)
  Status rows_status = [&]() -> Status {
    while (true) {
      Row* rp = nullptr;
      if (stream) {
        DOSQL_ASSIGN_OR_RETURN(bool more, src->Next(ex, &streamed));
        if (!more) break;
        rp = &streamed;
      } else {
        if (next_row == rows.size()) break;
        rp = &rows[next_row++];
      }
      Row& r = *rp;
      for (Value& v : vals) {
        v.SetNull();
        v.set_subtype(0);
      }
      std::fill(given.begin(), given.end(), false);
      std::optional<Value> rowid_given;
      for (size_t i = 0; i < targets.size(); i++) {
        if (targets[i] == -2) {
          rowid_given = r[i];
        } else {
          // (Swapped: the source's row is not read again, and its buffers serve the next one.)
          swap(vals[targets[i]], r[i]);
          given[targets[i]] = true;
        }
      }
      ex.frames[level] = &tc.frame;
      for (size_t i = 0; i < t->columns.size(); i++) {
        if (given[i] || view) continue;
        if (tc.defaults[i]) DOSQL_RETURN_IF_ERROR(tc.defaults[i]->Eval(ex, &vals[i]));
      }
      if (view) {
        bool ignore = false;
        DOSQL_RETURN_IF_ERROR(FireTriggers(
            conn, ex, *schema, lname, nullptr, &view_cols, Timing::kInstead,
            parser::CreateTriggerStmt::Event::kInsert, nullptr, 0, &vals, 0, nullptr, &ignore));
        continue;
      }
      // rowid
      int64_t rowid = 0;
      bool have_rowid = false;
      Value rv;
      if (t->rowid_alias >= 0 && (given[t->rowid_alias] || tc.defaults[t->rowid_alias])) {
        rv = vals[t->rowid_alias];
      }
      if (rowid_given) rv = *rowid_given;
      if (!rv.is_null()) {
        ApplyAffinity(&rv, Affinity::kInteger);
        if (rv.type() != ValueType::kInteger) {
          if (rv.type() == ValueType::kReal && RealSameAsInt(rv.real(), RealToInt64(rv.real()))) {
            rv = Value::Integer(RealToInt64(rv.real()));
          } else {
            return Status::Constraint("datatype mismatch");
          }
        }
        rowid = rv.integer();
        have_rowid = true;
      }
      // SQLite applies the column affinities (and STRICT typing) late: before the CHECK
      // constraints, before the first unique index is checked, or when the record is made, so a
      // NOT NULL failure comes first and an UPSERT on the rowid sees the row as given.
      std::vector<Value> raw;
      if (plan->upsert_rowid_first_raw) raw = vals;
      Status typing = ApplyColumnTypes(*t, &vals);
      if (!typing.ok() && (has_trig || tc.HasGenerated())) return typing;
      DOSQL_RETURN_IF_ERROR(ComputeGenerated(tc, ex, &vals, have_rowid ? rowid : -1));
      if (has_trig) {
        bool ignore = false;
        if (t->rowid_alias >= 0)
          vals[t->rowid_alias] = have_rowid ? Value::Integer(rowid) : Value();
        DOSQL_RETURN_IF_ERROR(FireTriggers(conn, ex, *schema, lname, t, nullptr, Timing::kBefore,
                                           parser::CreateTriggerStmt::Event::kInsert, nullptr, 0,
                                           &vals, have_rowid ? rowid : -1, nullptr, &ignore));
        if (ignore) continue;
      }
      bool past_last = false;  // rowid is beyond every rowid of the table
      if (!have_rowid) {
        if (track_last && last_rowid && *last_rowid < INT64_MAX) {
          rowid = *last_rowid + 1;
          past_last = true;
        } else {
          DOSQL_ASSIGN_OR_RETURN(rowid, NewRowid(*t, txn, &past_last));
        }
        if (t->autoincrement && seq.value >= rowid) {
          if (seq.value == INT64_MAX) return Status::NoSpace("database or disk is full");
          rowid = seq.value + 1;
        }
      }
      if (t->rowid_alias >= 0) vals[t->rowid_alias] = Value::Integer(rowid);
      // As SQLite (OP_MemMax before the constraint checks): a row that a conflict then skips
      // still advances the AUTOINCREMENT sequence.
      if (t->autoincrement && rowid > seq.value) {
        seq.value = rowid;
        seq.dirty = true;
      }
      ex.frames[level] = &tc.frame;
      DOSQL_ASSIGN_OR_RETURN(bool ok, CheckRow(tc, ex, &vals, rowid, action, &typing));
      if (!ok) continue;
      std::optional<int64_t> upsert_hit;
      // Which upsert clause handles a conflict: the first whose target matches.
      bool has_upsert = !ins.upserts.empty();
      const std::set<size_t>* targets_ptr = nullptr;
      bool rowid_target = false;
      std::set<size_t> all_targets;
      if (has_upsert) {
        bool any = false;
        for (size_t u = 0; u < ins.upserts.size(); u++) {
          if (upsert_any[u]) any = true;
          all_targets.insert(upsert_targets[u].begin(), upsert_targets[u].end());
          rowid_target |= upsert_rowid_target[u];
        }
        if (any) {
          targets_ptr = nullptr;
          rowid_target = true;
        } else {
          targets_ptr = &all_targets;
        }
      }
      int hit_constraint = -2;
      if (!typing.ok()) {
        // Only an UPSERT on the rowid, checked before the typing, can take the row.
        if (!plan->upsert_rowid_first_raw) return typing;
        DOSQL_ASSIGN_OR_RETURN(auto existing, txn->Get(t->tree, RowidKey(rowid)));
        if (!existing) return typing;
        upsert_hit = rowid;
        hit_constraint = -1;
      } else {
        // A rowid past the table's last cannot conflict: passed as the row's own, its check is
        // skipped (no index entry can name it either).
        replaced.reset();
        DOSQL_ASSIGN_OR_RETURN(
            ok,
            ResolveUnique(
                tc, ex, txn, vals, rowid,
                past_last || rowid_by_put || replace_by_put ? std::optional<int64_t>(rowid)
                                                            : std::nullopt,
                action, has_upsert, targets_ptr, rowid_target, &upsert_hit, &hit_constraint,
                plan->upsert_order.empty() ? nullptr : &plan->upsert_order, nullptr, &replaced));
        if (!upsert_hit || hit_constraint != -1) defaults_typed = true;
        if (!ok) continue;
      }
      if (upsert_hit) {
        // The clause: the first whose target is the violated constraint (or the catch-all).
        size_t u = 0;
        for (; u < ins.upserts.size(); u++) {
          if (upsert_any[u]) break;
          if (hit_constraint == -1 && upsert_rowid_target[u]) break;
          if (hit_constraint >= 0 && upsert_targets[u].count(static_cast<size_t>(hit_constraint)))
            break;
        }
        if (u >= ins.upserts.size()) u = ins.upserts.size() - 1;
        if (ins.upserts[u].do_nothing) continue;
        DOSQL_ASSIGN_OR_RETURN(auto old, ReadRow(*t, txn, *upsert_hit));
        if (!old) continue;
        // Frame: target row, then excluded.
        const SourceBinding& ts = upsert_scope.sources[0];
        const SourceBinding& xs = upsert_scope.sources[1];
        bool as_given = hit_constraint == -1 && plan->upsert_rowid_first_raw;
        if (as_given && t->rowid_alias >= 0) raw[t->rowid_alias] = Value::Integer(rowid);
        if (as_given && defaults_typed) {
          for (size_t i = 0; i < t->columns.size(); i++) {
            if (!given[i]) raw[i] = vals[i];
          }
        }
        const std::vector<Value>& excluded = as_given ? raw : vals;
        for (size_t i = 0; i < t->columns.size(); i++) {
          upsert_frame.slots[ts.cols[i].slot] = (*old)[i];
          Value& x = upsert_frame.slots[xs.cols[i].slot];
          x = excluded[i];
          // Reading a REAL column makes an integer a REAL (SQLite's OP_RealAffinity on every
          // column read), also from the row as given; text stays text.
          if (as_given && x.type() == ValueType::kInteger &&
              t->columns[i].affinity == Affinity::kReal) {
            x = Value::Real(static_cast<double>(x.integer()));
          }
        }
        if (ts.rowid_slot >= 0) upsert_frame.slots[ts.rowid_slot] = Value::Integer(*upsert_hit);
        if (xs.rowid_slot >= 0) upsert_frame.slots[xs.rowid_slot] = Value::Integer(rowid);
        ex.frames[level + 1] = &upsert_frame;
        if (upsert_where[u]) {
          DOSQL_ASSIGN_OR_RETURN(TriBool w, EvalTruth(*upsert_where[u], ex));
          if (w != TriBool::kTrue) continue;
        }
        int64_t nr = 0;
        DOSQL_ASSIGN_OR_RETURN(
            bool done, UpdateOneRow(conn, ex, *schema, tc, txn, *old, *upsert_hit, upsert_sets[u],
                                    ConflictAction::kNone, &nr));
        if (done) {
          count++;
          DOSQL_RETURN_IF_ERROR(EvalReturning(ex, returning, result));
        }
        continue;
      }
      if (tc.fk) DOSQL_RETURN_IF_ERROR(tc.fk->NewRow(ex, vals, rowid, nullptr));
      if (replaced) {
        // REPLACE over the row at this rowid: the row is overwritten, and only the index entries
        // whose key changes are replaced.
        IndexKeysThatChange(*t, *replaced, vals, &changing);
        DOSQL_RETURN_IF_ERROR(WriteIndexes(tc, ex, txn, *replaced, rowid, false, &changing));
        DOSQL_RETURN_IF_ERROR(PutRow(*t, txn, vals, rowid));
        DOSQL_RETURN_IF_ERROR(WriteIndexes(tc, ex, txn, vals, rowid, true, &changing));
      } else {
        bool existed = false;
        DOSQL_RETURN_IF_ERROR(PutRow(*t, txn, vals, rowid, rowid_by_put ? &existed : nullptr));
        if (existed) {
          tc.conn->error_action = Resolve(action, t->pk_conflict);
          return Status::Constraint(
              "UNIQUE constraint failed: " + t->name + "." +
              (t->rowid_alias >= 0 ? t->columns[t->rowid_alias].name : std::string("rowid")));
        }
        DOSQL_RETURN_IF_ERROR(WriteIndexes(tc, ex, txn, vals, rowid, true));
      }
      if (track_last && past_last) {
        last_rowid = rowid;
      } else if (track_last && last_rowid) {
        last_rowid = std::max(*last_rowid, rowid);
      }
      count++;
      if (conn->trigger_depth == 0 && !t->without_rowid) conn->last_insert_rowid = rowid;
      if (has_trig) {
        bool ignore = false;
        DOSQL_RETURN_IF_ERROR(FireTriggers(conn, ex, *schema, lname, t, nullptr, Timing::kAfter,
                                           parser::CreateTriggerStmt::Event::kInsert, nullptr, 0,
                                           &vals, rowid, nullptr, &ignore));
      }
      if (!returning.empty()) {
        LoadFrame(tc, ex, vals, rowid);
        DOSQL_RETURN_IF_ERROR(EvalReturning(ex, returning, result));
      }
    }
    return Status::OK();
  }();
  if (!rows_status.ok()) {
    // The deferred entries of the rows before the error, checked (an earlier UNIQUE conflict is
    // the error SQLite reports) and written here, once (WriteDeferredOnExit then has none left).
    DOSQL_RETURN_IF_ERROR(WriteDeferredIndexEntries(tc, txn));
    return rows_status;
  }
  DOSQL_RETURN_IF_ERROR(WriteDeferredIndexEntries(tc, txn));
  if (t->autoincrement) DOSQL_RETURN_IF_ERROR(SaveSequence(*t, txn, &seq));
  if (conn->trigger_depth == 0) {
    conn->changes = count;
  }
  conn->total_changes += count;
  return Status::OK();
}

// ----- UPDATE / DELETE -----

// Rows an UPDATE or DELETE keeps from its match scan (the first ones, until their values take
// kMaxKeptBytes; the rest are read again by rowid): their columns, one row after another. A
// plan keeps its buffer between executions only up to kRetainedKeptBytes.
constexpr size_t kMaxKeptBytes = 16 << 20;
constexpr size_t kRetainedKeptBytes = 1 << 20;

// The rows an UPDATE or DELETE touches: its scan, then ORDER BY, LIMIT and OFFSET.
struct MatchPlan {
  OpPtr op;
  CExprPtr lim, off;
  std::vector<CExprPtr> order_exprs;
  std::vector<SortKey> keys;
};

Result<MatchPlan> PlanMatches(PlanContext& ctx, Scope& scope, OpPtr op,
                              const std::vector<parser::OrderingTerm>& order,
                              const parser::Expr* limit, const parser::Expr* offset) {
  MatchPlan mp;
  mp.op = std::move(op);
  if (limit) {
    DOSQL_ASSIGN_OR_RETURN(mp.lim, CompileExpr(ctx, scope, *limit));
  }
  if (offset) {
    DOSQL_ASSIGN_OR_RETURN(mp.off, CompileExpr(ctx, scope, *offset));
  }
  for (size_t i = 0; i < order.size(); i++) {
    DOSQL_ASSIGN_OR_RETURN(CExprPtr e, CompileExpr(ctx, scope, *order[i].expr));
    mp.order_exprs.push_back(std::move(e));
    mp.keys.push_back(SortKeyFor(order[i], scope.nslots + static_cast<int>(i)));
  }
  return mp;
}

// Drops OFFSET rows from the front of `out` and keeps LIMIT rows.
template <typename T>
Status ApplyLimit(Exec& ex, MatchPlan& mp, std::vector<T>* out) {
  if (!mp.lim) return Status::OK();
  Value lv, ov;
  DOSQL_RETURN_IF_ERROR(mp.lim->Eval(ex, &lv));
  if (mp.off) DOSQL_RETURN_IF_ERROR(mp.off->Eval(ex, &ov));
  int64_t l = ValueToInt64(lv), o = mp.off ? ValueToInt64(ov) : 0;
  if (o < 0) o = 0;
  if (o > 0) {
    out->erase(out->begin(), out->begin() + std::min<int64_t>(o, static_cast<int64_t>(out->size())));
  }
  if (l >= 0 && static_cast<int64_t>(out->size()) > l) out->resize(static_cast<size_t>(l));
  return Status::OK();
}

// Runs `mp` without ORDER BY keeping only the matching rows' rowids (from `rowid_slot`), in
// order; with `kept`, also the columns of the first of them (`sb`'s slots, up to kMaxKeptBytes),
// one row after another (*kept is overwritten: the values it holds lend their buffers). `frame`:
// the buffer the scan's rows are read into. A kept row's place: the leaf the search read it from,
// and the root it descended from (the write of the row starts there: TxnRouter::SuggestLeaf).
struct RowLeaf {
  btree::PageId root = btree::kInvalidPageId;
  btree::PageRef leaf;
  uint32_t slot = btree::LeafHint::kNoSlot;
};

Status RunMatchRowids(PlanContext& ctx, Exec& ex, Scope& scope, MatchPlan& mp, Frame& frame,
                      int rowid_slot, std::vector<int64_t>* rowids,
                      std::vector<Value>* kept = nullptr, const SourceBinding* sb = nullptr,
                      std::vector<RowLeaf>* leaves = nullptr) {
  if (ex.frames.size() < static_cast<size_t>(ctx.max_level + 2)) {
    ex.frames.resize(static_cast<size_t>(ctx.max_level + 2), nullptr);
  }
  frame.slots.assign(static_cast<size_t>(scope.nslots), Value());
  ex.frames[scope.level] = &frame;
  std::vector<int64_t>& out = *rowids;  // (the caller's buffer, kept from run to run)
  out.clear();
  DOSQL_RETURN_IF_ERROR(mp.op->Open(ex));
  bool keeping = kept != nullptr;
  size_t kept_bytes = 0;
  size_t kept_values = 0;  // of *kept, in use
  while (true) {
    ex.frames[scope.level] = &frame;
    DOSQL_ASSIGN_OR_RETURN(bool ok, mp.op->Next(ex));
    if (!ok) break;
    out.push_back(frame.slots[static_cast<size_t>(rowid_slot)].integer());
    if (keeping) {
      for (const auto& cb : sb->cols) {
        const Value& v = frame.slots[static_cast<size_t>(cb.slot)];
        const bool bytes = v.type() == ValueType::kText || v.type() == ValueType::kBlob;
        kept_bytes += sizeof(Value) + (bytes ? v.bytes().size() : 0);
        if (kept_values < kept->size()) {
          (*kept)[kept_values] = v;  // (its TEXT or BLOB buffer reused)
        } else {
          kept->push_back(v);
        }
        kept_values++;
      }
      if (leaves) {
        RowLeaf& where = leaves->emplace_back();
        mp.op->RowLeaf(&where.root, &where.leaf, &where.slot);
      }
      keeping = kept_bytes < kMaxKeptBytes;
    }
  }
  if (kept != nullptr) kept->resize(kept_values);
  return ApplyLimit(ex, mp, &out);
}

// The n-th row a search matched (at `rowid`), into *old: the copy the search kept (`kept`, as
// RunMatchRowids fills it), else read again by rowid (false: the row is gone).
Result<bool> MatchedRow(const TableInfo& t, TxnRouter* txn, std::vector<Value>& kept, size_t n,
                        int64_t rowid, std::vector<Value>* old) {
  const size_t ncols = t.columns.size();
  if (ncols > 0 && (n + 1) * ncols <= kept.size()) {
    old->resize(ncols);
    for (size_t i = 0; i < ncols; i++) swap((*old)[i], kept[n * ncols + i]);
    return true;
  }
  return ReadRowInto(t, txn, rowid, old);
}

// Runs `mp` (any number of times): the frames of the matching rows, in order.
Result<std::vector<std::vector<Value>>> RunMatches(PlanContext& ctx, Exec& ex, Scope& scope,
                                                   MatchPlan& mp) {
  if (ex.frames.size() < static_cast<size_t>(ctx.max_level + 2)) {
    ex.frames.resize(static_cast<size_t>(ctx.max_level + 2), nullptr);
  }
  Frame frame;
  frame.slots.assign(static_cast<size_t>(scope.nslots), Value());
  ex.frames[scope.level] = &frame;
  std::vector<std::vector<Value>> out;
  DOSQL_RETURN_IF_ERROR(mp.op->Open(ex));
  while (true) {
    ex.frames[scope.level] = &frame;
    DOSQL_ASSIGN_OR_RETURN(bool ok, mp.op->Next(ex));
    if (!ok) break;
    std::vector<Value> row = frame.slots;
    for (const auto& e : mp.order_exprs) {
      Value v;
      DOSQL_RETURN_IF_ERROR(e->Eval(ex, &v));
      row.push_back(std::move(v));
    }
    out.push_back(std::move(row));
  }
  if (!mp.keys.empty()) {
    std::stable_sort(out.begin(), out.end(),
                     [&](const Row& a, const Row& b) { return CompareRows(a, b, mp.keys) < 0; });
    for (auto& r : out) r.resize(static_cast<size_t>(scope.nslots));
  }
  DOSQL_RETURN_IF_ERROR(ApplyLimit(ex, mp, &out));
  return out;
}

// UPDATE / DELETE on a view: the view's rows that match run its INSTEAD OF triggers (OLD is
// the row; NEW the updated row for UPDATE). Without such a trigger the view is read-only.
Status ExecViewDml(ConnectionImpl* conn, Exec& ex, const Schema& schema, PlanContext& ctx,
                   const ViewInfo& view, const parser::QualifiedTableName& target,
                   const std::vector<parser::SetClause>* set, const parser::Expr* where,
                   std::string_view sql, Scope* outer, bool dry_run) {
  auto event = set ? parser::CreateTriggerStmt::Event::kUpdate
                   : parser::CreateTriggerStmt::Event::kDelete;
  bool has = false;
  for (const auto& tr : TriggersOn(conn, schema, Lower(view.name))) {
    if (tr->create->timing == parser::CreateTriggerStmt::Timing::kInsteadOf &&
        tr->create->event == event) {
      has = true;
    }
  }
  if (!has) return Err("cannot modify " + view.name + " because it is a view");
  const int level = outer ? outer->level + 1 : 0;
  Scope scope;
  scope.parent = outer;
  scope.level = level;
  scope.sql = sql;
  parser::JoinClause from;
  auto tn = std::make_unique<parser::TableName>();
  tn->name = target.name;
  if (target.alias) tn->alias = target.alias;
  from.first = std::move(tn);
  JoinPlanner jp(ctx, scope);
  DOSQL_RETURN_IF_ERROR(jp.Bind(from));
  std::vector<std::string> cols;
  for (const auto& cb : scope.sources[0].cols) cols.push_back(cb.name);
  TableInfo pseudo = PseudoTable(nullptr, &cols);
  pseudo.name = view.name;
  std::vector<CExprPtr> owned;
  std::vector<SetTarget> sets;
  if (set) {
    DOSQL_ASSIGN_OR_RETURN(sets, ResolveSets(ctx, scope, pseudo, *set, &owned));
  }
  DOSQL_ASSIGN_OR_RETURN(OpPtr op, jp.Build(where));
  if (dry_run) return Status::OK();
  Frame* saved_outer = outer ? ex.frames[outer->level] : nullptr;
  DOSQL_ASSIGN_OR_RETURN(MatchPlan mp, PlanMatches(ctx, scope, std::move(op), {}, nullptr, nullptr));
  DOSQL_ASSIGN_OR_RETURN(auto matches, RunMatches(ctx, ex, scope, mp));
  if (outer) ex.frames[outer->level] = saved_outer;
  const SourceBinding& sb = scope.sources[0];
  Frame frame;
  for (auto& m : matches) {
    std::vector<Value> old;
    for (const auto& cb : sb.cols) old.push_back(m[cb.slot]);
    std::vector<Value> nv = old;
    if (set) {
      frame.slots = m;
      ex.frames[level] = &frame;
      if (outer) ex.frames[outer->level] = saved_outer;
      for (const auto& st : sets) {
        if (st.column < 0) continue;
        DOSQL_RETURN_IF_ERROR(st.value->Eval(ex, &nv[st.column]));
      }
    }
    bool ignore = false;
    DOSQL_RETURN_IF_ERROR(FireTriggers(conn, ex, schema, Lower(view.name), nullptr, &cols,
                                       Timing::kInstead, event, &old, 0, set ? &nv : nullptr, 0,
                                       nullptr, &ignore));
  }
  if (conn->trigger_depth == 0) conn->changes = 0;
  return Status::OK();
}

// A compiled UPDATE or DELETE of a table (not a view): planned once per prepared statement
// (top level) and run per Step.
struct RowDmlPlan {
  std::shared_ptr<const Schema> schema;
  std::unique_ptr<PlanContext> ctxp;
  const TableInfo* t = nullptr;
  int level = 0;
  Scope scope;
  std::unique_ptr<JoinPlanner> jp;  // UPDATE ... FROM
  std::vector<CExprPtr> owned;
  std::vector<SetTarget> sets;      // UPDATE
  TableCtx tc;
  std::vector<CExprPtr> returning;
  std::vector<ResultColumnInfo> columns;
  MatchPlan match;
  // The match scan decodes whole rows, which the statement changes without reading them again
  // when nothing it does per row can change another matched row (see KeepsMatchedRows).
  bool keep_rows = false;
  // An UPDATE whose scan reads the table itself in rowid order: when it changes only its rows'
  // records (ChangesOnlyItsRow), each row is written as the scan reads it (UpdateRowsOnePass).
  bool one_pass = false;
  // Worked out at the first run (the plan is remade when the schema changes): the table's name
  // and triggers, and for UPDATE the columns set and the indexes whose keys they change.
  std::optional<UpdateShape> shape;
  // An execution's buffers, kept with the plan (a cached plan runs one execution at a time:
  // only top-level statements cache theirs): the rows the search kept and where it read them
  // (emptied when the execution ends: the leaves pin pages), the row being changed, its frame.
  std::vector<Value> kept;
  std::vector<RowLeaf> leaves;
  std::vector<int64_t> rowids;  // the rows the search matched
  std::vector<Value> old;
  Frame frame;
};

// Empties a plan's `leaves` when an execution ends, however it ends, and frees its kept rows'
// and rowids' buffers when they grew past kRetainedKeptBytes.
struct ReleaseLeaves {
  std::vector<RowLeaf>& leaves;
  std::vector<Value>& kept;
  std::vector<int64_t>& rowids;
  ~ReleaseLeaves() {
    leaves.clear();
    if (kept.capacity() * sizeof(Value) > kRetainedKeptBytes) std::vector<Value>().swap(kept);
    if (rowids.capacity() * sizeof(int64_t) > kRetainedKeptBytes) {
      std::vector<int64_t>().swap(rowids);
    }
  }
};

// Whether an UPDATE (`up`) or DELETE of `t` may change the rows its scan matched as the scan
// read them: no trigger, no REPLACE (which deletes other rows), no new rowid, no LIMIT, a table
// with rowids. Foreign keys are checked when the statement runs.
bool KeepsMatchedRows(ConnectionImpl* conn, const Schema& schema, const TableInfo& t,
                      const parser::UpdateStmt* up, const parser::DeleteStmt* del,
                      const std::vector<SetTarget>& sets) {
  if (t.without_rowid || (up ? up->limit : del->limit) != nullptr) return false;
  if (HasTriggers(conn, schema, Lower(t.name))) return false;
  if (up) {
    if (up->conflict == parser::ConflictAction::kReplace || t.DeclaresReplace()) return false;
    for (const auto& st : sets) {
      if (st.column == -2 || st.column == t.rowid_alias) return false;
    }
  }
  return true;
}

// Plans an UPDATE (`up`) or a DELETE (`del`) of a table. Leaves `plan->t` null when the target
// is a view (`*view` set; the caller takes the INSTEAD OF path).
Status PlanRowDml(ConnectionImpl* conn, const parser::UpdateStmt* up,
                  const parser::DeleteStmt* del, std::string_view sql, Scope* outer,
                  RowDmlPlan* plan, const ViewInfo** view) {
  plan->schema = conn->CurrentSchema();
  plan->ctxp = NewPlanContext(conn, plan->schema);
  PlanContext& ctx = *plan->ctxp;
  plan->level = outer ? outer->level + 1 : 0;
  const parser::QualifiedTableName& target = up ? up->table : del->table;
  DOSQL_ASSIGN_OR_RETURN(const TableInfo* t,
                         TargetTable(ctx, target.name, view, &plan->schema));
  const parser::WithClause* with = up ? up->with.get() : del->with.get();
  if (with) DOSQL_RETURN_IF_ERROR(PushWith(ctx, *with, sql));
  if (*view) return Status::OK();
  Scope& scope = plan->scope;
  scope.parent = outer;
  scope.level = plan->level;
  scope.sql = sql;
  std::string alias = target.alias ? target.alias->name : t->name;
  AddTableSource(scope, *t, alias);
  if (up && up->from) {
    plan->jp = std::make_unique<JoinPlanner>(ctx, scope);
    plan->jp->AddSource(0);
    DOSQL_RETURN_IF_ERROR(plan->jp->Bind(*up->from));
  }
  if (up) {
    DOSQL_ASSIGN_OR_RETURN(plan->sets, ResolveSets(ctx, scope, *t, up->set, &plan->owned));
  }
  DOSQL_RETURN_IF_ERROR(SetupTable(ctx, &plan->tc, t, plan->level, alias, outer));
  DOSQL_RETURN_IF_ERROR(CompileReturning(ctx, plan->tc.scope, up ? up->returning : del->returning,
                                         sql, &plan->returning, &plan->columns));
  const parser::Expr* where = up ? up->where.get() : del->where.get();
  OpPtr op;
  if (plan->jp) {
    DOSQL_ASSIGN_OR_RETURN(op, plan->jp->Build(where));
  } else if ((up ? up->order_by : del->order_by).empty()) {
    // The match keeps only rowids (each row is read again when it is changed): its scan decodes
    // only what the WHERE reads, so the slots marked by SET and RETURNING are set aside.
    std::vector<char> marked;
    marked.swap(scope.used_slots);
    DOSQL_ASSIGN_OR_RETURN(op, PlanSingleTableScan(ctx, scope, 0, where, true));
    if (scope.used_slots.size() < marked.size()) scope.used_slots.resize(marked.size(), 0);
    for (size_t i = 0; i < marked.size(); i++) scope.used_slots[i] |= marked[i];
    // When the scan reads only the rows it matches (a rowid or index range, or every row
    // without a WHERE), it decodes them whole and the statement keeps them.
    const bool keeps = KeepsMatchedRows(conn, *plan->schema, *t, up, del, plan->sets);
    if ((where == nullptr || op->Seeks()) && keeps) {
      op->PrepareToChangeRows();
      plan->keep_rows = true;
    }
    // (As in SQLite, a subquery in the WHERE then sees the rows written before its row.)
    if (up && keeps && op->ScannedTable() == t) {
      op->PrepareToChangeRows();
      plan->one_pass = true;
    }
  } else {
    DOSQL_ASSIGN_OR_RETURN(op, PlanSingleTableScan(ctx, scope, 0, where));
  }
  DOSQL_ASSIGN_OR_RETURN(plan->match,
                         PlanMatches(ctx, scope, std::move(op), up ? up->order_by : del->order_by,
                                     up ? up->limit.get() : del->limit.get(),
                                     up ? up->offset.get() : del->offset.get()));
  plan->t = t;
  return Status::OK();
}

// The plan of an UPDATE or DELETE: the cached one, or a new one (cached when `cache` is given
// and planning succeeded). Null with `*view` set when the target is a view.
Result<RowDmlPlan*> GetRowDmlPlan(ConnectionImpl* conn, const parser::UpdateStmt* up,
                                  const parser::DeleteStmt* del, std::string_view sql,
                                  Scope* outer, std::unique_ptr<RowDmlPlan>* cache,
                                  std::unique_ptr<RowDmlPlan>* fresh, const ViewInfo** view) {
  *view = nullptr;
  if (cache && *cache) return cache->get();
  *fresh = std::make_unique<RowDmlPlan>();
  DOSQL_RETURN_IF_ERROR(PlanRowDml(conn, up, del, sql, outer, fresh->get(), view));
  if (*view) return static_cast<RowDmlPlan*>(nullptr);
  if (!cache) return fresh->get();
  *cache = std::move(*fresh);
  return cache->get();
}

// Whether an UPDATE whose rows the search kept (no trigger, foreign key, REPLACE or new rowid:
// KeepsMatchedRows) changes nothing but each row's own record: no index key can change and no
// column is generated. UpdateRowsInPlace then writes its rows.
bool ChangesOnlyItsRow(const UpdateShape& shape, const TableCtx& tc) {
  if (tc.HasGenerated()) return false;
  for (bool c : shape.changing) {
    if (c) return false;
  }
  return true;
}

// The row of an UPDATE that ChangesOnlyItsRow, in the frame (its columns in the source's
// slots), updated without what that case does not need (index entries, uniqueness, generated
// columns, a copy of the old row): the SET values computed there, the new row made of the
// frame's values with the SET values over them (the frame's slots are left spent), checked (NOT
// NULL, CHECK, column types) and stored at `rowid`, then RETURNING. `at` (may be null): where a
// search read the row, while the tree's shape was `shape_read` (the write's leaf hint). False:
// the row was skipped (OR IGNORE).
Result<bool> WriteUpdatedRow(Exec& ex, RowDmlPlan& plan, const parser::UpdateStmt& up,
                             TxnRouter* txn, int64_t rowid, const RowLeaf* at, uint64_t shape_read,
                             DmlResult* result) {
  const TableInfo& t = *plan.t;
  TableCtx& tc = plan.tc;
  const SourceBinding& sb = plan.scope.sources[0];
  std::vector<Value>& nv = tc.update_row;
  std::vector<Value>& computed = tc.update_sets;
  nv.resize(t.columns.size());
  computed.resize(plan.sets.size());
  Frame& frame = plan.frame;
  for (size_t i = 0; i < plan.sets.size(); i++) {
    DOSQL_RETURN_IF_ERROR(plan.sets[i].value->Eval(ex, &computed[i]));
  }
  for (size_t i = 0; i < nv.size(); i++) swap(nv[i], frame.slots[sb.cols[i].slot]);
  for (size_t i = 0; i < plan.sets.size(); i++) swap(nv[plan.sets[i].column], computed[i]);
  // The row's other columns are as stored, their types applied when they were: only the SET
  // values need theirs (UpdateShape::updated: in column order, the order of SQLite's check).
  for (int c : plan.shape->updated) {
    if (c >= 0) DOSQL_RETURN_IF_ERROR(ApplyColumnType(t, static_cast<size_t>(c), &nv[c]));
  }
  DOSQL_ASSIGN_OR_RETURN(bool ok, CheckRow(tc, ex, &nv, rowid, up.conflict));
  if (!ok) return false;
  if (at != nullptr) txn->SuggestLeaf(t.tree, shape_read, at->root, at->leaf, at->slot);
  DOSQL_RETURN_IF_ERROR(PutRow(t, txn, nv, rowid));
  if (!plan.returning.empty()) {
    LoadFrame(tc, ex, nv, rowid);
    DOSQL_RETURN_IF_ERROR(EvalReturning(ex, plan.returning, result));
  }
  return true;
}

// The rows of an UPDATE that ChangesOnlyItsRow, as its search kept them (else read again by
// rowid): each moved into the frame (swapped: the kept row is not read again) and written by
// WriteUpdatedRow. Returns the count of rows written.
Result<int64_t> UpdateRowsInPlace(Exec& ex, RowDmlPlan& plan, const parser::UpdateStmt& up,
                                  TxnRouter* txn, const std::vector<int64_t>& rowids,
                                  uint64_t shape_read, Frame* saved_outer, DmlResult* result) {
  const TableInfo& t = *plan.t;
  const SourceBinding& sb = plan.scope.sources[0];
  const Scope* outer = plan.scope.parent;
  const size_t ncols = t.columns.size();
  Frame& frame = plan.frame;
  int64_t count = 0;
  for (size_t n = 0; n < rowids.size(); n++) {
    const int64_t rowid = rowids[n];
    Value* row;
    if (ncols > 0 && (n + 1) * ncols <= plan.kept.size()) {
      row = &plan.kept[n * ncols];
    } else {
      DOSQL_ASSIGN_OR_RETURN(bool found, ReadRowInto(t, txn, rowid, &plan.old));
      if (!found) continue;
      row = plan.old.data();
    }
    for (size_t i = 0; i < ncols; i++) swap(frame.slots[sb.cols[i].slot], row[i]);
    if (sb.rowid_slot >= 0) frame.slots[sb.rowid_slot] = Value::Integer(rowid);
    ex.frames[plan.level] = &frame;
    if (outer) ex.frames[outer->level] = saved_outer;
    DOSQL_ASSIGN_OR_RETURN(
        bool written,
        WriteUpdatedRow(ex, plan, up, txn, rowid,
                        n < plan.leaves.size() ? &plan.leaves[n] : nullptr, shape_read, result));
    count += written ? 1 : 0;
  }
  return count;
}

// The rows of an UPDATE that ChangesOnlyItsRow, written by WriteUpdatedRow as the scan of the
// table reads them (SQLite's one-pass update), without keeping them first. The scan reads the
// table as it was when the statement began: the caller made sure that the pages it reads are
// sealed (WriteTransaction::PagesSealed), so each write copies the page it changes (the scan's
// leaf is never the transaction's own: no leaf to suggest). Returns the count of rows written.
Result<int64_t> UpdateRowsOnePass(Exec& ex, RowDmlPlan& plan, const parser::UpdateStmt& up,
                                  TxnRouter* txn, Frame* saved_outer, DmlResult* result) {
  const SourceBinding& sb = plan.scope.sources[0];
  const Scope* outer = plan.scope.parent;
  Frame& frame = plan.frame;
  frame.slots.assign(static_cast<size_t>(plan.scope.nslots), Value());
  if (ex.frames.size() < static_cast<size_t>(plan.ctxp->max_level + 2)) {
    ex.frames.resize(static_cast<size_t>(plan.ctxp->max_level + 2), nullptr);
  }
  Op& op = *plan.match.op;
  ex.frames[plan.level] = &frame;
  DOSQL_RETURN_IF_ERROR(op.Open(ex));
  int64_t count = 0;
  while (true) {
    ex.frames[plan.level] = &frame;
    if (outer) ex.frames[outer->level] = saved_outer;
    DOSQL_ASSIGN_OR_RETURN(bool more, op.Next(ex));
    if (!more) break;
    // (The scan fills every slot again for its next row.)
    const int64_t rowid = frame.slots[static_cast<size_t>(sb.rowid_slot)].integer();
    DOSQL_ASSIGN_OR_RETURN(bool written,
                           WriteUpdatedRow(ex, plan, up, txn, rowid, nullptr, 0, result));
    count += written ? 1 : 0;
  }
  return count;
}

Status ExecUpdate(ConnectionImpl* conn, Exec& ex, const parser::UpdateStmt& up,
                  std::string_view sql, Scope* outer, DmlResult* result, bool dry_run,
                  std::unique_ptr<RowDmlPlan>* cache = nullptr) {
  std::unique_ptr<RowDmlPlan> fresh;
  const ViewInfo* view = nullptr;
  DOSQL_ASSIGN_OR_RETURN(RowDmlPlan* plan,
                         GetRowDmlPlan(conn, &up, nullptr, sql, outer, cache, &fresh, &view));
  if (view) {
    return ExecViewDml(conn, ex, *fresh->schema, *fresh->ctxp, *view, up.table, &up.set,
                       up.where.get(), sql, outer, dry_run);
  }
  result->columns = plan->columns;
  if (dry_run) return Status::OK();
  auto& schema = plan->schema;
  PlanContext& ctx = *plan->ctxp;
  const TableInfo* t = plan->t;
  const int level = plan->level;
  Scope& scope = plan->scope;
  TableCtx& tc = plan->tc;
  if (!plan->shape) plan->shape = ShapeOfUpdate(conn, *schema, *t, plan->sets);
  const UpdateShape& shape = *plan->shape;
  DOSQL_ASSIGN_OR_RETURN(tc.fk,
                         FkTable::Prepare(conn, schema, *t, FkOp::kUpdate, &shape.updated, false));
  const SourceBinding& sb = scope.sources[0];
  Frame* saved_outer = outer ? ex.frames[outer->level] : nullptr;
  // The matching rows are found first (an update must not meet the rows it wrote). A plain
  // UPDATE keeps only their rowids; UPDATE ... FROM and ORDER BY keep the whole frames.
  const bool whole_frames = plan->jp || !plan->match.keys.empty();
  // (Sealed pages: when the transaction began with the statement or the statement took a
  // savepoint. A statement that takes none inside a transaction that wrote pages in place
  // collects its rows first, rather than copying those pages again.)
  if (plan->one_pass && !whole_frames && !tc.fk && !shape.has_trig && !plan->match.lim &&
      ChangesOnlyItsRow(shape, tc) && conn->router.PagesSealed(t->tree)) {
    DOSQL_ASSIGN_OR_RETURN(int64_t count,
                           UpdateRowsOnePass(ex, *plan, up, &conn->router, saved_outer, result));
    if (outer) ex.frames[outer->level] = saved_outer;
    if (conn->trigger_depth == 0) conn->changes = count;
    conn->total_changes += count;
    return Status::OK();
  }
  std::vector<std::vector<Value>> matches;
  std::vector<int64_t>& rowids = plan->rowids;
  rowids.clear();
  // The rows as the scan read them, when nothing this statement does to one row can change
  // another (the plan's conditions, and no foreign key or trigger now).
  const bool keep = plan->keep_rows && !whole_frames && !tc.fk && !shape.has_trig;
  std::vector<Value>& kept = plan->kept;        // (RunMatchRowids overwrites it when it keeps rows)
  std::vector<RowLeaf>& leaves = plan->leaves;  // where each kept row was read
  if (!keep) kept.clear();
  leaves.clear();
  ReleaseLeaves release_leaves{leaves, kept, rowids};
  if (whole_frames) {
    DOSQL_ASSIGN_OR_RETURN(matches, RunMatches(ctx, ex, scope, plan->match));
    if (plan->jp) {
      // UPDATE ... FROM: each target row is updated once (with its first match).
      std::set<int64_t> seen;
      std::vector<std::vector<Value>> unique;
      for (auto& m : matches) {
        if (seen.insert(m[sb.rowid_slot].integer()).second) unique.push_back(std::move(m));
      }
      matches = std::move(unique);
    }
    for (const auto& m : matches) rowids.push_back(m[sb.rowid_slot].integer());
  } else {
    DOSQL_RETURN_IF_ERROR(RunMatchRowids(ctx, ex, scope, plan->match, plan->frame, sb.rowid_slot,
                                         &rowids, keep ? &kept : nullptr, &sb, &leaves));
  }
  if (outer) ex.frames[outer->level] = saved_outer;
  TxnRouter* txn = &conn->router;
  // The table's shape when the search read the kept rows (it wrote nothing).
  const uint64_t shape_read = leaves.empty() ? 0 : txn->TreeShape(t->tree);
  int64_t count = 0;
  Frame& frame = plan->frame;
  frame.slots.assign(static_cast<size_t>(scope.nslots), Value());
  std::vector<Value>& old = plan->old;  // reused from row to row
  if (keep && ChangesOnlyItsRow(shape, tc)) {
    DOSQL_ASSIGN_OR_RETURN(count, UpdateRowsInPlace(ex, *plan, up, txn, rowids, shape_read,
                                                    saved_outer, result));
    if (conn->trigger_depth == 0) conn->changes = count;
    conn->total_changes += count;
    return Status::OK();
  }
  for (size_t n = 0; n < rowids.size(); n++) {
    int64_t rowid = rowids[n];
    // Unless kept: read the row now, an earlier update in this statement (or a trigger) may
    // have changed it.
    DOSQL_ASSIGN_OR_RETURN(bool found, MatchedRow(*t, txn, kept, n, rowid, &old));
    if (!found) continue;
    if (whole_frames) frame.slots = matches[n];
    for (size_t i = 0; i < t->columns.size(); i++) frame.slots[sb.cols[i].slot] = old[i];
    if (sb.rowid_slot >= 0) frame.slots[sb.rowid_slot] = Value::Integer(rowid);
    ex.frames[level] = &frame;
    if (outer) ex.frames[outer->level] = saved_outer;
    int64_t new_rowid = rowid;
    if (n < leaves.size()) {
      txn->SuggestLeaf(t->tree, shape_read, leaves[n].root, leaves[n].leaf, leaves[n].slot);
    }
    DOSQL_ASSIGN_OR_RETURN(
        bool done, UpdateOneRow(conn, ex, *schema, tc, txn, old, rowid, plan->sets, up.conflict,
                                &new_rowid, &shape, !plan->returning.empty()));
    if (!done) continue;
    count++;
    DOSQL_RETURN_IF_ERROR(EvalReturning(ex, plan->returning, result));
  }
  if (conn->trigger_depth == 0) conn->changes = count;
  conn->total_changes += count;
  return Status::OK();
}

Status ExecDelete(ConnectionImpl* conn, Exec& ex, const parser::DeleteStmt& del,
                  std::string_view sql, Scope* outer, DmlResult* result, bool dry_run,
                  std::unique_ptr<RowDmlPlan>* cache = nullptr) {
  std::unique_ptr<RowDmlPlan> fresh;
  const ViewInfo* view = nullptr;
  DOSQL_ASSIGN_OR_RETURN(RowDmlPlan* plan,
                         GetRowDmlPlan(conn, nullptr, &del, sql, outer, cache, &fresh, &view));
  if (view) {
    return ExecViewDml(conn, ex, *fresh->schema, *fresh->ctxp, *view, del.table, nullptr,
                       del.where.get(), sql, outer, dry_run);
  }
  result->columns = plan->columns;
  if (dry_run) return Status::OK();
  auto& schema = plan->schema;
  PlanContext& ctx = *plan->ctxp;
  const TableInfo* t = plan->t;
  Scope& scope = plan->scope;
  TableCtx& tc = plan->tc;
  DOSQL_ASSIGN_OR_RETURN(tc.fk, FkTable::Prepare(conn, schema, *t, FkOp::kDelete, nullptr, false));
  TxnRouter* txn = &conn->router;
  if (!plan->shape) plan->shape = ShapeOfUpdate(conn, *schema, *t, {});
  const std::string& lname = plan->shape->lname;
  // DROP TABLE's implicit DELETE fires no triggers.
  bool has_trig =
      plan->shape->has_trig && !(conn->trigger_depth == 0 && conn->fk_dropping == lname);
  // SQLite's truncate optimisation: DELETE without WHERE, with nothing to run per row (no
  // trigger, no foreign key work, no RETURNING), empties the table's and its indexes' trees
  // instead of deleting row by row; changes() still counts the rows.
  if (del.where == nullptr && del.limit == nullptr && plan->returning.empty() && !has_trig &&
      !tc.fk && conn->trigger_depth == 0 && !t->is_schema_table &&
      !lname.starts_with("sqlite_")) {
    int64_t count = 0;
    {
      DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, txn->NewCursor(t->tree));
      DOSQL_RETURN_IF_ERROR(cur.SeekFirst());
      for (; cur.Valid(); count++) DOSQL_RETURN_IF_ERROR(cur.Next());
    }
    if (count > 0) {
      DOSQL_RETURN_IF_ERROR(txn->ClearTree(t->tree));
      for (const auto& idx : t->indexes) DOSQL_RETURN_IF_ERROR(txn->ClearTree(idx->tree));
    }
    conn->changes = count;
    conn->total_changes += count;
    return Status::OK();
  }
  const SourceBinding& sb = scope.sources[0];
  Frame* saved_outer = outer ? ex.frames[outer->level] : nullptr;
  std::vector<int64_t>& rowids = plan->rowids;
  rowids.clear();
  // The rows as the scan read them, when deleting one cannot change another (the plan's
  // conditions, and no foreign key or trigger now).
  const bool keep = plan->keep_rows && plan->match.keys.empty() && !tc.fk && !has_trig;
  std::vector<Value>& kept = plan->kept;        // (RunMatchRowids overwrites it when it keeps rows)
  std::vector<RowLeaf>& leaves = plan->leaves;  // where each kept row was read
  if (!keep) kept.clear();
  leaves.clear();
  ReleaseLeaves release_leaves{leaves, kept, rowids};
  if (!plan->match.keys.empty()) {
    DOSQL_ASSIGN_OR_RETURN(auto matches, RunMatches(ctx, ex, scope, plan->match));
    for (const auto& m : matches) rowids.push_back(m[sb.rowid_slot].integer());
  } else {
    DOSQL_RETURN_IF_ERROR(RunMatchRowids(ctx, ex, scope, plan->match, plan->frame, sb.rowid_slot,
                                         &rowids, keep ? &kept : nullptr, &sb, &leaves));
  }
  if (outer) ex.frames[outer->level] = saved_outer;
  // The table's shape when the search read the kept rows (it wrote nothing).
  const uint64_t shape_read = leaves.empty() ? 0 : txn->TreeShape(t->tree);
  // Many rows, and nothing run per row that reads the table's indexes (no trigger, foreign key
  // or RETURNING): the index entries are removed in key order after the rows (a few rows' keys
  // are as scattered sorted as not).
  DeferIndexEntries(
      tc,
      rowids.size() >= 16 && !has_trig && !tc.fk && plan->returning.empty() && !t->without_rowid,
      /*deletes=*/true);
  WriteDeferredOnExit write_deferred_on_exit{tc, txn};
  int64_t count = 0;
  std::vector<Value>& old = plan->old;  // reused from row to row
  for (size_t n = 0; n < rowids.size(); n++) {
    const int64_t rowid = rowids[n];
    DOSQL_ASSIGN_OR_RETURN(bool found, MatchedRow(*t, txn, kept, n, rowid, &old));
    if (!found) continue;
    if (has_trig) {
      bool ignore = false;
      DOSQL_RETURN_IF_ERROR(FireTriggers(conn, ex, *schema, lname, t, nullptr, Timing::kBefore,
                                         parser::CreateTriggerStmt::Event::kDelete, &old, rowid,
                                         nullptr, 0, nullptr, &ignore));
      if (ignore) continue;
      DOSQL_ASSIGN_OR_RETURN(bool still, ReadRowInto(*t, txn, rowid, &old));
      if (!still) continue;
    }
    if (tc.fk) DOSQL_RETURN_IF_ERROR(tc.fk->OldRow(ex, old, rowid, nullptr));
    if (!plan->returning.empty()) {
      LoadFrame(tc, ex, old, rowid);
      DOSQL_RETURN_IF_ERROR(EvalReturning(ex, plan->returning, result));
    }
    if (n < leaves.size()) {
      txn->SuggestLeaf(t->tree, shape_read, leaves[n].root, leaves[n].leaf, leaves[n].slot);
    }
    DOSQL_RETURN_IF_ERROR(DeleteRowAndIndexes(tc, ex, txn, old, rowid));
    if (tc.fk) DOSQL_RETURN_IF_ERROR(tc.fk->Actions(ex, old, rowid, nullptr, 0, nullptr));
    count++;
    if (has_trig) {
      bool ignore = false;
      DOSQL_RETURN_IF_ERROR(FireTriggers(conn, ex, *schema, lname, t, nullptr, Timing::kAfter,
                                         parser::CreateTriggerStmt::Event::kDelete, &old, rowid,
                                         nullptr, 0, nullptr, &ignore));
    }
  }
  DOSQL_RETURN_IF_ERROR(WriteDeferredIndexEntries(tc, txn));
  if (conn->trigger_depth == 0) conn->changes = count;
  conn->total_changes += count;
  return Status::OK();
}

}  // namespace

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

struct DmlCache {
  std::unique_ptr<InsertPlan> insert;
  std::unique_ptr<RowDmlPlan> row_dml;  // UPDATE or DELETE
};
std::shared_ptr<DmlCache> NewDmlCache() { return std::make_shared<DmlCache>(); }

Status ExecDml(ConnectionImpl* conn, Exec& ex, const parser::Statement& s, std::string_view sql,
               Scope* outer, DmlResult* result, DmlCache* cache) {
  if (!conn->InWriteTxn()) return Status::Internal("DML outside a write transaction");
  if (conn->trigger_depth == 0) conn->changes = 0;
  if (s.Is<parser::InsertStmt>()) {
    return ExecInsert(conn, ex, s.As<parser::InsertStmt>(), sql, outer, result, false,
                      cache && !outer ? &cache->insert : nullptr);
  }
  if (s.Is<parser::UpdateStmt>()) {
    return ExecUpdate(conn, ex, s.As<parser::UpdateStmt>(), sql, outer, result, false,
                      cache && !outer ? &cache->row_dml : nullptr);
  }
  if (s.Is<parser::DeleteStmt>()) {
    return ExecDelete(conn, ex, s.As<parser::DeleteStmt>(), sql, outer, result, false,
                      cache && !outer ? &cache->row_dml : nullptr);
  }
  return Status::Internal("not a DML statement");
}

Status PopulateIndex(ConnectionImpl* conn, const TableInfo& t, size_t index_no) {
  auto ctxp = NewPlanContext(conn, conn->CurrentSchema());
  TableCtx tc;
  DOSQL_RETURN_IF_ERROR(SetupTable(*ctxp, &tc, &t, 0, "", nullptr, static_cast<int>(index_no)));
  ConnDataAccess data(conn);
  Exec ex;
  ex.conn = conn;
  ex.data = &data;
  ex.frames.assign(static_cast<size_t>(ctxp->max_level + 2), nullptr);
  TxnRouter* txn = &conn->router;
  const IndexInfo& idx = *t.indexes[index_no];
  // Calls row(vals, rowid) for each row of the table, in rowid order.
  auto for_each_row = [&](auto&& row) -> Status {
    DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, txn->NewCursor(t.tree));
    DOSQL_RETURN_IF_ERROR(cur.SeekFirst());
    std::string scratch;
    std::vector<Value> vals(t.columns.size());
    while (cur.Valid()) {
      DOSQL_ASSIGN_OR_RETURN(int64_t rowid, DecodeRowidKey(cur.key()));
      DOSQL_ASSIGN_OR_RETURN(std::string_view v, cur.value(&scratch));
      DOSQL_RETURN_IF_ERROR(DecodeRowInto(t, v, rowid, vals.data()));
      DOSQL_RETURN_IF_ERROR(row(vals, rowid));
      DOSQL_RETURN_IF_ERROR(cur.Next());
    }
    return Status::OK();
  };
  if (IsLabelledIndex(idx)) {
    // A new TEXT value's label depends on the entries already stored: one row at a time, after
    // the scan (the stores change the index the labels are read from, not the table).
    std::vector<std::pair<std::vector<Value>, int64_t>> rows;
    DOSQL_RETURN_IF_ERROR(for_each_row([&](const std::vector<Value>& vals, int64_t rowid) {
      rows.emplace_back(vals, rowid);
      return Status::OK();
    }));
    for (const auto& [vals, rowid] : rows) {
      LoadFrame(tc, ex, vals, rowid);
      DOSQL_ASSIGN_OR_RETURN(bool in, InPartialIndex(tc, ex, index_no));
      if (!in) continue;
      if (idx.unique) {
        DOSQL_ASSIGN_OR_RETURN(auto hit,
                               FindUniqueConflict(tc, ex, txn, index_no, vals, rowid, rowid));
        if (hit) return Status::Constraint(UniqueMessage(t, idx));
      }
      bool has_null;
      std::vector<Value> entry;
      std::string key;
      DOSQL_RETURN_IF_ERROR(MakeIndexKey(tc, ex, index_no, vals, rowid, true, &has_null, &key,
                                         LabelMode::kInsert, nullptr, &entry));
      DOSQL_RETURN_IF_ERROR(txn->Put(idx.tree, key, IndexEntryValue(idx, entry)));
    }
    return Status::OK();
  }
  // As SQLite builds an index: every entry first (an error in an indexed expression shows
  // before a UNIQUE violation), sorted, then stored in key order (each store lands next to the
  // one before it); equal keys of a UNIQUE index are then neighbours. The entries are made
  // while the table is read, their keys one after another in one buffer; the entries (head,
  // place and size of each key) are what is sorted.
  struct Entry {
    uint64_t head;    // the key's first 8 bytes as a big-endian number, zero-padded
    uint64_t offset;  // where the key starts in `keys` (no value: only labelled indexes store one)
    uint32_t size;
    bool has_null;
  };
  std::vector<Entry> entries;
  std::string keys;
  std::string key;
  DOSQL_RETURN_IF_ERROR(for_each_row([&](const std::vector<Value>& vals, int64_t rowid) -> Status {
    LoadFrame(tc, ex, vals, rowid);
    DOSQL_ASSIGN_OR_RETURN(bool in, InPartialIndex(tc, ex, index_no));
    if (!in) return Status::OK();
    Entry e;
    DOSQL_RETURN_IF_ERROR(MakeIndexKey(tc, ex, index_no, vals, rowid, true, &e.has_null, &key));
    e.head = 0;
    for (size_t b = 0; b < 8; b++) {
      e.head = (e.head << 8) | (b < key.size() ? static_cast<unsigned char>(key[b]) : 0u);
    }
    e.offset = keys.size();
    e.size = static_cast<uint32_t>(key.size());
    keys += key;
    entries.push_back(e);
    return Status::OK();
  }));
  auto key_of = [&](const Entry& e) { return std::string_view(keys).substr(e.offset, e.size); };
  // Sorted by the heads, the whole keys compared only when those are equal: most comparisons
  // then touch neither the keys nor memcmp.
  std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
    if (a.head != b.head) return a.head < b.head;
    return key_of(a) < key_of(b);
  });
  // The index's pages are then built from the sorted entries (a bulk load), not entry by entry.
  size_t i = 0;
  return txn->Fill(idx.tree, [&](std::string_view* key, std::string_view* value) -> Result<bool> {
    if (i == entries.size()) return false;
    const Entry& e = entries[i];
    const std::string_view k = key_of(e);
    if (idx.unique && i > 0 && !e.has_null) {
      const std::string_view prev = key_of(entries[i - 1]);
      const size_t n = k.size() - kRowidKeySize;
      if (prev.size() == k.size() && prev.substr(0, n) == k.substr(0, n)) {
        return Status::Constraint(UniqueMessage(t, idx));
      }
    }
    *key = k;
    *value = std::string_view();
    i++;
    return true;
  });
}

Result<std::vector<ResultColumnInfo>> DmlReturningColumns(ConnectionImpl* conn,
                                                          const parser::Statement& s,
                                                          std::string_view sql, DmlCache* cache) {
  DmlResult r;
  Exec ex;
  ex.conn = conn;
  if (s.Is<parser::InsertStmt>()) {
    DOSQL_RETURN_IF_ERROR(ExecInsert(conn, ex, s.As<parser::InsertStmt>(), sql, nullptr, &r, true,
                                     cache ? &cache->insert : nullptr));
  } else if (s.Is<parser::UpdateStmt>()) {
    DOSQL_RETURN_IF_ERROR(ExecUpdate(conn, ex, s.As<parser::UpdateStmt>(), sql, nullptr, &r, true,
                                     cache ? &cache->row_dml : nullptr));
  } else if (s.Is<parser::DeleteStmt>()) {
    DOSQL_RETURN_IF_ERROR(ExecDelete(conn, ex, s.As<parser::DeleteStmt>(), sql, nullptr, &r, true,
                                     cache ? &cache->row_dml : nullptr));
  }
  return r.columns;
}

}  // namespace dosql::engine
