// FOREIGN KEY enforcement: see fkey.h.
#include "fkey.h"

#include <algorithm>

#include "conn.h"
#include "index_key.h"
#include "dosql/engine/functions.h"
#include "dosql/core/record.h"
#include "dosql/parser/parser.h"

namespace dosql::engine {


// A compiled "SELECT count(*) FROM child WHERE old.parent_key = child_key" whose `old` is a
// row of the parent table, filled in before each run.
struct FkQuery {
  std::string sql;
  std::shared_ptr<parser::Statement> stmt;
  std::unique_ptr<PlanContext> ctx;
  Scope scope;
  Frame frame;
  CompiledQuery query;
  uint64_t runs = 0;
};

namespace {

constexpr char kFkFailed[] = "FOREIGN KEY constraint failed";

// Whether column `c` of `t` is assigned by an UPDATE (SQLite's aChange, with the rowid as -2).
bool Modified(const TableInfo& t, const std::set<int>& updated, int c) {
  return updated.count(c) > 0 || (c == t.rowid_alias && updated.count(-2) > 0);
}

// SQLite's fkChildIsModified.
bool ChildModified(const TableInfo& child, const ForeignKeyInfo& fk, const std::set<int>& updated) {
  for (int c : fk.columns) {
    if (Modified(child, updated, c)) return true;
  }
  return false;
}

// SQLite's fkParentIsModified: by the names of the parent key (its PRIMARY KEY if implicit).
bool ParentModified(const TableInfo& parent, const ForeignKeyInfo& fk,
                    const std::set<int>& updated) {
  for (size_t i = 0; i < fk.columns.size(); i++) {
    for (size_t k = 0; k < parent.columns.size(); k++) {
      if (!Modified(parent, updated, static_cast<int>(k))) continue;
      if (fk.parent_columns.empty() ? parent.columns[k].primary_key
                                    : IEquals(parent.columns[k].name, fk.parent_columns[i])) {
        return true;
      }
    }
  }
  return false;
}

bool KeyHasNull(const std::vector<Value>& vals, const std::vector<int>& cols) {
  for (int c : cols) {
    if (vals[c].is_null()) return true;
  }
  return false;
}

Result<std::shared_ptr<parser::Statement>> ParseInternal(const std::string& sql) {
  DOSQL_ASSIGN_OR_RETURN(auto p, parser::ParseOne(sql));
  if (!p.statement) return Status::Internal("empty foreign key statement");
  return std::shared_ptr<parser::Statement>(std::move(p.statement));
}

}  // namespace

void FkCount(ConnectionImpl* conn, bool deferred, int64_t n) {
  if (conn->defer_foreign_keys) {
    conn->fk_deferred_imm += n;
  } else if (deferred) {
    conn->fk_deferred += n;
  } else {
    conn->fk_immediate += n;
  }
}

bool FkIsZero(ConnectionImpl* conn, bool deferred) {
  if (deferred) return conn->fk_deferred + conn->fk_deferred_imm == 0;
  return conn->fk_immediate == 0 && conn->fk_deferred_imm == 0;
}

ResolvedFk ResolveForeignKey(const Schema& schema, const TableInfo& child,
                             const ForeignKeyInfo& fk) {
  ResolvedFk r;
  r.child = &child;
  r.fk = &fk;
  r.parent = schema.FindTable(fk.parent);
  if (!r.parent) {
    r.error = "no such table: main." + fk.parent;
    return r;
  }
  const TableInfo& p = *r.parent;
  const size_t n = fk.columns.size();
  // SQLite's sqlite3FkLocateIndex: the INTEGER PRIMARY KEY, else a UNIQUE index (not partial)
  // on exactly the parent key columns with their default collations, else the PRIMARY KEY.
  if (n == 1 && p.rowid_alias >= 0 &&
      (fk.parent_columns.empty() || IEquals(p.columns[p.rowid_alias].name, fk.parent_columns[0]))) {
    r.parent_columns = {p.rowid_alias};
    return r;
  }
  for (const auto& idx : p.indexes) {
    if (!idx->unique || idx->where || idx->columns.size() != n) continue;
    std::vector<int> order(n, -1);
    bool usable = true;
    for (size_t k = 0; k < n && usable; k++) {
      const IndexColumn& ic = idx->columns[k];
      if (fk.parent_columns.empty()) {
        usable = idx->primary_key;
        order[k] = static_cast<int>(k);
        continue;
      }
      if (ic.column < 0 || ic.collation != p.columns[ic.column].collation) {
        usable = false;
        break;
      }
      usable = false;
      for (size_t j = 0; j < n; j++) {
        if (IEquals(fk.parent_columns[j], p.columns[ic.column].name)) {
          order[k] = static_cast<int>(j);
          usable = true;
          break;
        }
      }
    }
    if (!usable) continue;
    r.index = idx.get();
    r.index_order = order;
    r.parent_columns.assign(n, -1);
    for (size_t k = 0; k < n; k++) r.parent_columns[order[k]] = idx->columns[k].column;
    return r;
  }
  r.error = "foreign key mismatch - \"" + child.name + "\" referencing \"" + fk.parent + "\"";
  return r;
}

Result<bool> ParentKeyExists(ConnectionImpl* conn, DataAccess* data, const ResolvedFk& r,
                             const std::vector<Value>& child_vals, const std::vector<Value>* self,
                             int64_t self_rowid) {
  const TableInfo& p = *r.parent;
  const std::vector<int>& cols = r.fk->columns;
  if (!r.index) {
    // The rowid: the child value must be an integer (SQLite's OP_MustBeInt).
    Value v = child_vals[cols[0]];
    ApplyAffinity(&v, Affinity::kInteger);
    if (v.type() != ValueType::kInteger) return false;
    if (self && v.integer() == self_rowid) return true;
    DOSQL_ASSIGN_OR_RETURN(auto row, data->Get(p.tree, RowidKey(v.integer())));
    return row.has_value();
  }
  if (self) {
    // A row of a self-referencing table that is its own parent (compared as stored).
    bool same = true;
    for (size_t j = 0; j < cols.size() && same; j++) {
      const Value& a = child_vals[cols[j]];
      const Value& b = (*self)[r.parent_columns[j]];
      same = !a.is_null() && !b.is_null() && CompareValues(a, b) == 0;
    }
    if (same) return true;
  }
  std::string prefix;
  std::vector<Collation> colls;
  if (IsLabelledIndex(*r.index)) {
    DOSQL_ASSIGN_OR_RETURN(colls, ResolveIndexCollations(conn, *r.index));
  }
  IndexKeyAccess access{data, nullptr};
  for (size_t k = 0; k < r.index->columns.size(); k++) {
    const IndexColumn& ic = r.index->columns[k];
    Value v = child_vals[cols[r.index_order[k]]];
    ApplyAffinity(&v, p.columns[ic.column].affinity);
    bool absent = false;
    DOSQL_RETURN_IF_ERROR(AppendIndexKey(*r.index, k, colls.empty() ? ic.collation : colls[k], v,
                                         LabelMode::kLookup, access, &prefix, &absent));
    if (absent) return false;  // no parent value equals it under the collation
  }
  DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, data->NewCursor(r.index->tree));
  DOSQL_RETURN_IF_ERROR(cur.Seek(prefix));
  if (!cur.Valid()) return false;
  std::string_view key = cur.key();
  return key.size() == prefix.size() + kRowidKeySize && key.substr(0, prefix.size()) == prefix;
}

FkTable::~FkTable() = default;

Result<std::unique_ptr<FkTable>> FkTable::Prepare(ConnectionImpl* conn,
                                                  std::shared_ptr<const Schema> schema,
                                                  const TableInfo& t, FkOp op,
                                                  const std::set<int>* updated, bool single_row) {
  if (!conn->foreign_keys) return std::unique_ptr<FkTable>();
  std::unique_ptr<FkTable> f(new FkTable());
  f->conn_ = conn;
  f->table_ = &t;
  f->single_row_ = single_row && op == FkOp::kInsert;
  f->dropping_ = op == FkOp::kDelete && conn->trigger_depth == 0 &&
                 conn->fk_dropping == Lower(t.name);
  for (const auto& fk : t.foreign_keys) {
    f->children_.push_back(ResolveForeignKey(*schema, t, fk));
  }
  // SQLite's order: the keys of the newest table first, each table's last declared first.
  std::vector<const TableInfo*> tables;
  for (const auto& [name, ct] : schema->tables) tables.push_back(ct.get());
  std::sort(tables.begin(), tables.end(),
            [](const TableInfo* a, const TableInfo* b) { return a->catalog_id > b->catalog_id; });
  for (const TableInfo* ct : tables) {
    for (const auto& fk : ct->foreign_keys) {
      if (IEquals(fk.parent, t.name)) f->refs_.push_back(ResolveForeignKey(*schema, *ct, fk));
    }
  }
  if (f->children_.empty() && f->refs_.empty()) return std::unique_ptr<FkTable>();
  f->schema_ = std::move(schema);
  f->counts_.resize(2 * f->refs_.size());
  f->actions_.resize(2 * f->refs_.size());
  f->actions_built_.assign(2 * f->refs_.size(), false);
  if (f->dropping_) return f;
  // The errors SQLite reports when it compiles the statement.
  bool update_needs = op != FkOp::kUpdate;
  if (op == FkOp::kUpdate) {
    for (const auto& r : f->children_) update_needs |= ChildModified(t, *r.fk, *updated);
    for (const auto& r : f->refs_) update_needs |= ParentModified(t, *r.fk, *updated);
  }
  if (!update_needs) return f;
  for (const auto& r : f->children_) {
    if (r.error.empty()) continue;
    if (op == FkOp::kUpdate && !IEquals(r.fk->parent, t.name) &&
        !ChildModified(t, *r.fk, *updated)) {
      continue;
    }
    return Status::InvalidArgument(r.error);
  }
  // SQLite stops at the first bad key, except that an UPDATE first resolves every referencing
  // key and reports the last that fails.
  const std::string* error = nullptr;
  for (const auto& r : f->refs_) {
    if (r.error.empty()) continue;
    if (f->single_row_ && !r.fk->deferred && !conn->defer_foreign_keys) continue;
    error = &r.error;
    if (op != FkOp::kUpdate) break;
  }
  if (error) return Status::InvalidArgument(*error);
  return f;
}

Status FkTable::Lookup(Exec& ex, const ResolvedFk& r, const std::vector<Value>& vals,
                       int64_t rowid, int incr) {
  if (incr < 0 && FkIsZero(conn_, r.fk->deferred)) return Status::OK();
  if (KeyHasNull(vals, r.fk->columns)) return Status::OK();
  bool self = incr > 0 && IEquals(r.fk->parent, table_->name);
  DOSQL_ASSIGN_OR_RETURN(bool found, ParentKeyExists(conn_, ex.data, r, vals, self ? &vals : nullptr, rowid));
  if (!found) FkCount(conn_, r.fk->deferred, incr);
  return Status::OK();
}

Status FkTable::ScanChildren(Exec& ex, size_t ref, const std::vector<Value>& vals, int64_t rowid,
                             int incr) {
  const ResolvedFk& r = refs_[ref];
  if (incr < 0 && FkIsZero(conn_, r.fk->deferred)) return Status::OK();
  if (KeyHasNull(vals, r.parent_columns)) return Status::OK();
  // Deleting a row of a self-referencing table: the row does not count as its own child.
  bool exclude_self = incr > 0 && IEquals(r.child->name, table_->name);
  std::unique_ptr<FkQuery>& q = counts_[2 * ref + (exclude_self ? 1 : 0)];
  if (!q) {
    q = std::make_unique<FkQuery>();
    const TableInfo& child = *r.child;
    std::string where;
    for (size_t j = 0; j < r.fk->columns.size(); j++) {
      if (j) where += " AND ";
      where += "\"old\"." + QuoteIdentifier(table_->columns[r.parent_columns[j]].name) + " = " +
               QuoteIdentifier(child.columns[r.fk->columns[j]].name);
    }
    if (exclude_self && !child.without_rowid) {
      where += " AND " + QuoteIdentifier(child.name) + ".rowid <> \"old\".rowid";
    } else if (exclude_self) {
      where += " AND NOT (";
      for (size_t k = 0; k < r.index->columns.size(); k++) {
        const std::string& c = table_->columns[r.index->columns[k].column].name;
        where += std::string(k ? " AND " : "") + "\"old\"." + QuoteIdentifier(c) + " IS " + QuoteIdentifier(c);
      }
      where += ")";
    }
    q->sql = "SELECT count(*) FROM " + QuoteIdentifier(child.name) + " WHERE " + where;
    DOSQL_ASSIGN_OR_RETURN(q->stmt, ParseInternal(q->sql));
    q->ctx = NewPlanContext(conn_, schema_);
    q->ctx->pinned_db = conn_->DbOfSchema(*schema_);  // the children are in the parent's database
    q->scope.sql = q->sql;
    AddTableSource(q->scope, *table_, "old");
    q->frame.slots.assign(static_cast<size_t>(q->scope.nslots), Value());
    DOSQL_ASSIGN_OR_RETURN(q->query, PlanSelect(*q->ctx, q->stmt->As<parser::SelectStmt>(),
                                                &q->scope, q->sql));
  }
  const SourceBinding& sb = q->scope.sources[0];
  for (size_t i = 0; i < sb.cols.size(); i++) q->frame.slots[sb.cols[i].slot] = vals[i];
  q->frame.slots[sb.rowid_slot] = Value::Integer(rowid);
  Exec sub;
  sub.data = ex.data;
  sub.conn = conn_;
  sub.generation = ex.generation * 1000003u + 0x9e3779b97f4a7c15ull + ++q->runs;
  sub.frames.assign(static_cast<size_t>(std::max(q->ctx->max_level, 1) + 2), nullptr);
  sub.frames[0] = &q->frame;
  DOSQL_RETURN_IF_ERROR(q->query.src->Open(sub));
  Row row;
  DOSQL_ASSIGN_OR_RETURN(bool has, q->query.src->Next(sub, &row));
  int64_t n = has && !row.empty() ? row[0].integer() : 0;
  if (n) FkCount(conn_, r.fk->deferred, incr * n);
  return Status::OK();
}

Status FkTable::OldRow(Exec& ex, const std::vector<Value>& vals, int64_t rowid,
                       const std::set<int>* updated) {
  for (const auto& r : children_) {
    if (updated && !IEquals(r.fk->parent, table_->name) && !ChildModified(*table_, *r.fk, *updated)) {
      continue;
    }
    if (!r.error.empty()) {
      if (!dropping_) return Status::InvalidArgument(r.error);
      // DROP TABLE: a missing parent is an empty one, so every full key was a violation.
      if (!r.parent && !KeyHasNull(vals, r.fk->columns)) FkCount(conn_, r.fk->deferred, -1);
      continue;
    }
    DOSQL_RETURN_IF_ERROR(Lookup(ex, r, vals, rowid, -1));
  }
  for (size_t i = 0; i < refs_.size(); i++) {
    if (updated && !ParentModified(*table_, *refs_[i].fk, *updated)) continue;
    if (!refs_[i].error.empty()) {
      if (dropping_) continue;
      return Status::InvalidArgument(refs_[i].error);
    }
    DOSQL_RETURN_IF_ERROR(ScanChildren(ex, i, vals, rowid, +1));
  }
  return Status::OK();
}

Status FkTable::NewRow(Exec& ex, const std::vector<Value>& vals, int64_t rowid,
                       const std::set<int>* updated) {
  for (const auto& r : children_) {
    if (updated && !IEquals(r.fk->parent, table_->name) && !ChildModified(*table_, *r.fk, *updated)) {
      continue;
    }
    if (!r.error.empty()) return Status::InvalidArgument(r.error);
    DOSQL_RETURN_IF_ERROR(Lookup(ex, r, vals, rowid, +1));
  }
  for (size_t i = 0; i < refs_.size(); i++) {
    const ResolvedFk& r = refs_[i];
    if (updated && !ParentModified(*table_, *r.fk, *updated)) continue;
    // A one-row INSERT cannot fix an immediate violation: SQLite does not look.
    if (!updated && single_row_ && !r.fk->deferred && !conn_->defer_foreign_keys) continue;
    if (!r.error.empty()) return Status::InvalidArgument(r.error);
    DOSQL_RETURN_IF_ERROR(ScanChildren(ex, i, vals, rowid, -1));
  }
  return Status::OK();
}

Result<const TriggerInfo*> FkTable::ActionTrigger(size_t ref, bool update) {
  size_t slot = 2 * ref + (update ? 1 : 0);
  if (actions_built_[slot]) return actions_[slot].get();
  actions_built_[slot] = true;
  const ResolvedFk& r = refs_[ref];
  using A = parser::ForeignKeyAction;
  A action = update ? r.fk->on_update : r.fk->on_delete;
  if (action == A::kNone || action == A::kNoAction || !r.error.empty()) return nullptr;
  if (action == A::kRestrict && conn_->defer_foreign_keys) return nullptr;
  const TableInfo& child = *r.child;
  // SQLite's fkActionTrigger: "old.parent_col = child_col" keeps the parent's affinity and
  // collation for the comparison.
  std::string where, when, set;
  for (size_t j = 0; j < r.fk->columns.size(); j++) {
    const std::string pc = QuoteIdentifier(table_->columns[r.parent_columns[j]].name);
    const ColumnInfo& cc = child.columns[r.fk->columns[j]];
    where += std::string(j ? " AND " : "") + "\"old\"." + pc + " = " + QuoteIdentifier(cc.name);
    when += std::string(j ? " AND " : "") + "\"old\"." + pc + " IS \"new\"." + pc;
    std::string value = "NULL";
    if (action == A::kCascade) {
      value = "\"new\"." + pc;
    } else if (action == A::kSetDefault && cc.default_expr && !cc.generated) {
      value = parser::ToSql(*cc.default_expr);
    }
    set += std::string(j ? ", " : "") + QuoteIdentifier(cc.name) + " = " + value;
  }
  std::string body;
  if (action == A::kRestrict) {
    body = "SELECT RAISE(ABORT, '" + std::string(kFkFailed) + "') FROM " + QuoteIdentifier(child.name) +
           " WHERE " + where;
  } else if (action == A::kCascade && !update) {
    body = "DELETE FROM " + QuoteIdentifier(child.name) + " WHERE " + where;
  } else {
    body = "UPDATE " + QuoteIdentifier(child.name) + " SET " + set + " WHERE " + where;
  }
  auto tr = std::make_shared<TriggerInfo>();
  tr->name = "fkey";
  tr->table = Lower(table_->name);
  tr->db_tag = schema_->db_tag;  // it runs in the parent's database
  tr->sql = std::string("CREATE TRIGGER \"fkey\" AFTER ") + (update ? "UPDATE" : "DELETE") +
            " ON " + QuoteIdentifier(table_->name) + (update ? " WHEN NOT (" + when + ")" : "") +
            " BEGIN " + body + "; END";
  DOSQL_ASSIGN_OR_RETURN(tr->stmt, ParseInternal(tr->sql));
  tr->create = &tr->stmt->As<parser::CreateTriggerStmt>();
  actions_[slot] = std::move(tr);
  return actions_[slot].get();
}

Status FkTable::Actions(Exec& ex, const std::vector<Value>& old_vals, int64_t old_rowid,
                        const std::vector<Value>* new_vals, int64_t new_rowid,
                        const std::set<int>* updated) {
  for (size_t i = 0; i < refs_.size(); i++) {
    if (updated && !ParentModified(*table_, *refs_[i].fk, *updated)) continue;
    DOSQL_ASSIGN_OR_RETURN(const TriggerInfo* tr, ActionTrigger(i, updated != nullptr));
    if (!tr) continue;
    DOSQL_RETURN_IF_ERROR(RunActionTrigger(conn_, ex, *tr, *table_, &old_vals, old_rowid,
                                           new_vals, new_rowid));
  }
  return Status::OK();
}

Status FkDropTable(ConnectionImpl* conn, Exec& ex, const TableInfo& t) {
  if (!conn->foreign_keys) return Status::OK();
  const int db = conn->DbOfTag(TreeTag(t.tree));
  auto schema = conn->SlotSchema(db);
  ResolveIn pin(conn, db);  // the DELETE below names the table in its own database
  bool referenced = false;
  for (const auto& [name, ct] : schema->tables) {
    for (const auto& fk : ct->foreign_keys) referenced |= IEquals(fk.parent, t.name);
  }
  if (!referenced) {
    // Only deferred violations of its own keys can be undone by emptying it.
    bool deferred = conn->defer_foreign_keys;
    for (const auto& fk : t.foreign_keys) deferred |= fk.deferred;
    if (!deferred || FkIsZero(conn, true)) return Status::OK();
  }
  std::string sql = "DELETE FROM " + QuoteIdentifier(t.name);
  DOSQL_ASSIGN_OR_RETURN(auto stmt, ParseInternal(sql));
  // Like SQLite, the DELETE's count becomes changes().
  conn->fk_dropping = Lower(t.name);
  DmlResult result;
  Status s = ExecDml(conn, ex, *stmt, sql, nullptr, &result);
  conn->fk_dropping.clear();
  DOSQL_RETURN_IF_ERROR(s);
  if (!conn->defer_foreign_keys && !FkIsZero(conn, false)) return Status::Constraint(kFkFailed);
  return Status::OK();
}

}  // namespace dosql::engine
