#include "catalog.h"

#include <algorithm>

#include "dosql/core/record.h"
#include "dosql/parser/parser.h"

namespace dosql::engine {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsRowidName(std::string_view n) {
  return IEquals(n, "rowid") || IEquals(n, "oid") || IEquals(n, "_rowid_");
}

int TableInfo::FindColumn(std::string_view n) const {
  for (size_t i = 0; i < columns.size(); i++) {
    if (IEquals(columns[i].name, n)) return static_cast<int>(i);
  }
  return -1;
}

bool TableInfo::DeclaresReplace() const {
  if (pk_conflict == parser::ConflictAction::kReplace) return true;
  for (const auto& idx : indexes) {
    if (idx->on_conflict == parser::ConflictAction::kReplace) return true;
  }
  return false;
}

const TableInfo* Schema::FindTable(std::string_view name) const {
  auto it = tables.find(Lower(name));
  return it == tables.end() ? nullptr : it->second.get();
}
const ViewInfo* Schema::FindView(std::string_view name) const {
  auto it = views.find(Lower(name));
  return it == views.end() ? nullptr : it->second.get();
}
const IndexInfo* Schema::FindIndex(std::string_view name) const {
  auto it = indexes.find(Lower(name));
  return it == indexes.end() ? nullptr : it->second.get();
}
bool Schema::NameInUse(std::string_view name) const {
  std::string l = Lower(name);
  return tables.count(l) || views.count(l) || indexes.count(l);
}

namespace {

bool IsIntegerType(const std::optional<parser::TypeName>& t) {
  return t.has_value() && Lower(t->name) == "integer";
}

// A built-in collation, or a user-defined one by name (resolved per connection when a statement
// needs it: a schema may name collations this connection has not registered).
Result<Collation> CollationOf(const parser::Identifier& id) { return Collation::Named(id.name); }

// The collation named by a COLLATE at the top of an index/PK term, and the column it names.
struct TermTarget {
  int column = -1;
  const parser::Expr* expr = nullptr;
  std::optional<Collation> collation;
};

Result<TermTarget> ResolveTerm(const TableInfo& t, const parser::Expr* e, bool allow_expr) {
  TermTarget out;
  while (e->Is<parser::CollateExpr>()) {
    DOSQL_ASSIGN_OR_RETURN(Collation c, CollationOf(e->As<parser::CollateExpr>().collation));
    if (!out.collation) out.collation = c;
    e = e->As<parser::CollateExpr>().operand.get();
  }
  std::string name;
  if (e->Is<parser::ColumnRef>() && !e->As<parser::ColumnRef>().table) {
    name = e->As<parser::ColumnRef>().column.name;
  } else if (e->Is<parser::Literal>() &&
             e->As<parser::Literal>().kind == parser::LiteralKind::kString) {
    name = e->As<parser::Literal>().text;  // PRIMARY KEY('a') is accepted by SQLite
  }
  if (!name.empty()) {
    out.column = t.FindColumn(name);
    if (out.column < 0) {
      if (IsRowidName(name)) {
        if (allow_expr) {
          out.column = -2;
          return out;
        }
      }
      return Status::InvalidArgument("no such column: " + name);
    }
    return out;
  }
  if (!allow_expr) {
    return Status::InvalidArgument("expressions prohibited in PRIMARY KEY and UNIQUE constraints");
  }
  out.expr = e;
  return out;
}

std::shared_ptr<IndexInfo> AutoIndex(const TableInfo& t, int n, std::vector<IndexColumn> cols,
                                     parser::ConflictAction conflict, bool pk) {
  auto idx = std::make_shared<IndexInfo>();
  idx->name = "sqlite_autoindex_" + t.name + "_" + std::to_string(n);
  idx->table = Lower(t.name);
  idx->unique = true;
  idx->auto_index = true;
  idx->primary_key = pk;
  idx->on_conflict = conflict;
  idx->columns = std::move(cols);
  return idx;
}

}  // namespace

namespace {
// The value of a constant DEFAULT (a literal, or a signed numeric literal).
std::optional<Value> ConstantDefault(const parser::Expr* e) {
  bool negate = false;
  while (e->Is<parser::UnaryExpr>()) {
    const auto& u = e->As<parser::UnaryExpr>();
    if (u.op == parser::UnaryOp::kNegate) negate = !negate;
    else if (u.op != parser::UnaryOp::kPlus) return std::nullopt;
    e = u.operand.get();
  }
  if (!e->Is<parser::Literal>()) return std::nullopt;
  const auto& l = e->As<parser::Literal>();
  Value v;
  switch (l.kind) {
    case parser::LiteralKind::kNull: break;
    case parser::LiteralKind::kInteger:
      if (l.overflow) {
        v = Value::Real(negate ? -l.real_value : l.real_value);
        if (negate && l.text == "9223372036854775808") v = Value::Integer(INT64_MIN);
        return v;
      }
      v = Value::Integer(negate ? -l.int_value : l.int_value);
      return v;
    case parser::LiteralKind::kReal: return Value::Real(negate ? -l.real_value : l.real_value);
    case parser::LiteralKind::kString: v = Value::Text(l.text); break;
    case parser::LiteralKind::kBlob: v = Value::Blob(l.text); break;
    case parser::LiteralKind::kTrue: v = Value::Integer(1); break;
    case parser::LiteralKind::kFalse: v = Value::Integer(0); break;
    default: return std::nullopt;
  }
  if (negate) return std::nullopt;
  return v;
}
void AddForeignKey(TableInfo* t, const parser::ForeignKeyClause& clause, std::vector<int> cols) {
  ForeignKeyInfo fk;
  fk.parent = clause.table.name;
  fk.columns = std::move(cols);
  for (const auto& id : clause.columns) fk.parent_columns.push_back(id.name);
  fk.on_delete = clause.on_delete;
  fk.on_update = clause.on_update;
  fk.deferred = clause.deferrable == parser::ForeignKeyClause::Deferrable::kDeferrable &&
                clause.initially == parser::ForeignKeyClause::Initially::kDeferred;
  t->foreign_keys.push_back(std::move(fk));
}

}  // namespace

Result<std::shared_ptr<TableInfo>> BuildTable(std::shared_ptr<parser::Statement> stmt,
                                              std::string sql) {
  const auto& ct = stmt->As<parser::CreateTableStmt>();
  auto t = std::make_shared<TableInfo>();
  t->name = ct.name.name.name;
  t->without_rowid = ct.without_rowid;
  t->strict = ct.strict;
  t->sql = std::move(sql);
  int auto_n = 0;
  bool have_pk = false;
  std::vector<std::vector<IndexColumn>> uniques;  // pending UNIQUE constraints (in order)
  std::vector<parser::ConflictAction> unique_conflicts;
  std::vector<bool> unique_is_pk;

  for (const auto& cd : ct.columns) {
    ColumnInfo c;
    c.name = cd->name.name;
    if (t->FindColumn(c.name) >= 0) {
      return Status::InvalidArgument("duplicate column name: " + c.name);
    }
    if (cd->type) {
      const auto& sp = cd->type->span;
      if (sp.end > sp.offset && sp.end <= t->sql.size()) {
        c.decl_type = t->sql.substr(sp.offset, sp.end - sp.offset);  // as written
      } else {
        c.decl_type = cd->type->name;
        for (size_t i = 0; i < cd->type->args.size(); i++) {
          c.decl_type += (i == 0 ? "(" : ",") + cd->type->args[i];
          if (i + 1 == cd->type->args.size()) c.decl_type += ")";
        }
      }
    }
    c.affinity = AffinityFromDeclaredType(cd->type ? cd->type->name : "");
    if (ct.strict) {
      std::string ty = cd->type ? Lower(cd->type->name) : "";
      if (ty.empty()) {
        return Status::InvalidArgument("missing datatype for " + t->name + "." + c.name);
      }
      if ((ty != "int" && ty != "integer" && ty != "real" && ty != "text" && ty != "blob" &&
           ty != "any") ||
          !cd->type->args.empty()) {
        return Status::InvalidArgument("unknown datatype for " + t->name + "." + c.name + ": \"" +
                                       c.decl_type + "\"");
      }
      if (ty == "any") c.affinity = Affinity::kBlob;  // ANY keeps every value as it is
    }
    t->columns.push_back(c);
  }
  for (size_t ci = 0; ci < ct.columns.size(); ci++) {
    const auto& cd = ct.columns[ci];
    ColumnInfo& c = t->columns[ci];
    for (const auto& cc : cd->constraints) {
      using K = parser::ColumnConstraint::Kind;
      switch (cc.kind) {
        case K::kPrimaryKey: {
          if (have_pk) {
            return Status::InvalidArgument("table \"" + t->name +
                                           "\" has more than one primary key");
          }
          have_pk = true;
          c.primary_key = true;
          t->pk_columns = {static_cast<int>(ci)};
          t->pk_conflict = cc.conflict;
          if (IsIntegerType(cd->type) && cc.direction != parser::SortDirection::kDesc &&
              !ct.without_rowid) {
            t->rowid_alias = static_cast<int>(ci);
            t->autoincrement = cc.autoincrement;
          } else {
            if (cc.autoincrement) {
              return Status::InvalidArgument(
                  "AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY");
            }
            IndexColumn ic;
            ic.column = static_cast<int>(ci);
            uniques.push_back({ic});
            unique_conflicts.push_back(cc.conflict);
            unique_is_pk.push_back(true);
          }
          break;
        }
        case K::kNotNull:
          c.not_null = true;
          c.not_null_conflict = cc.conflict;
          break;
        case K::kNull:
          break;
        case K::kUnique: {
          IndexColumn ic;
          ic.column = static_cast<int>(ci);
          uniques.push_back({ic});
          unique_conflicts.push_back(cc.conflict);
          unique_is_pk.push_back(false);
          break;
        }
        case K::kCheck:
          t->checks.push_back({cc.name ? cc.name->name : "", cc.expr.get()});
          break;
        case K::kDefault:
          c.default_expr = cc.expr.get();
          break;
        case K::kCollate: {
          DOSQL_ASSIGN_OR_RETURN(c.collation, CollationOf(cc.collation));
          break;
        }
        case K::kReferences: {
          const parser::ForeignKeyClause& fk = *cc.foreign_key;
          if (fk.columns.size() > 1) {
            return Status::InvalidArgument("foreign key on " + c.name +
                                           " should reference only one column of table " +
                                           fk.table.name);
          }
          AddForeignKey(t.get(), fk, {static_cast<int>(ci)});
          break;
        }
        case K::kGenerated:
          c.generated = cc.expr.get();
          c.generated_stored = cc.stored;
          break;
      }
    }
  }
  for (const auto& tc : ct.constraints) {
    using K = parser::TableConstraint::Kind;
    if (tc.kind == K::kCheck) {
      t->checks.push_back({tc.name ? tc.name->name : "", tc.check.get()});
      continue;
    }
    if (tc.kind == K::kForeignKey) {
      const parser::ForeignKeyClause& fk = *tc.foreign_key;
      std::vector<int> cols;
      for (const auto& id : tc.fk_columns) {
        int c = t->FindColumn(id.name);
        if (c < 0) {
          return Status::InvalidArgument("unknown column \"" + id.name +
                                         "\" in foreign key definition");
        }
        cols.push_back(c);
      }
      if (!fk.columns.empty() && fk.columns.size() != cols.size()) {
        return Status::InvalidArgument(
            "number of columns in foreign key does not match the number of columns in the "
            "referenced table");
      }
      AddForeignKey(t.get(), fk, std::move(cols));
      continue;
    }
    std::vector<IndexColumn> cols;
    for (const auto& term : tc.columns) {
      DOSQL_ASSIGN_OR_RETURN(TermTarget tt, ResolveTerm(*t, term.expr.get(), false));
      IndexColumn ic;
      ic.column = tt.column;
      ic.desc = term.direction == parser::SortDirection::kDesc;
      ic.collation = tt.collation ? *tt.collation : t->columns[tt.column].collation;
      cols.push_back(ic);
    }
    if (tc.kind == K::kPrimaryKey) {
      if (have_pk) {
        return Status::InvalidArgument("table \"" + t->name + "\" has more than one primary key");
      }
      have_pk = true;
      t->pk_conflict = tc.conflict;
      t->pk_columns.clear();
      for (const auto& ic : cols) {
        t->pk_columns.push_back(ic.column);
        t->columns[ic.column].primary_key = true;
      }
      if (cols.size() == 1 && !ct.without_rowid &&
          IsIntegerType(ct.columns[cols[0].column]->type) && !cols[0].desc) {
        t->rowid_alias = cols[0].column;
        t->autoincrement = tc.autoincrement;
        continue;
      }
      if (tc.autoincrement) {
        return Status::InvalidArgument("AUTOINCREMENT is only allowed on an INTEGER PRIMARY KEY");
      }
      uniques.push_back(cols);
      unique_conflicts.push_back(tc.conflict);
      unique_is_pk.push_back(true);
    } else {
      uniques.push_back(cols);
      unique_conflicts.push_back(tc.conflict);
      unique_is_pk.push_back(false);
    }
  }
  for (auto& c : t->columns) {
    if (!c.default_expr) continue;
    if (c.affinity == Affinity::kText) {
      // SQLite's valueFromExpr turns a REAL literal into the text of its token (with one
      // leading minus) before the column's affinity: DEFAULT 9.2233720368547758e18 reads back
      // as that text, not as the REAL's rendering.
      const parser::Expr* e = c.default_expr;
      while (e->Is<parser::UnaryExpr>() && e->As<parser::UnaryExpr>().op == parser::UnaryOp::kPlus) {
        e = e->As<parser::UnaryExpr>().operand.get();
      }
      std::string sign;
      if (e->Is<parser::UnaryExpr>() && e->As<parser::UnaryExpr>().op == parser::UnaryOp::kNegate) {
        sign = "-";
        e = e->As<parser::UnaryExpr>().operand.get();
      }
      // (An integer that fits is set as an integer first, so 0x10 reads as '16'.)
      if (e->Is<parser::Literal>() &&
          (e->As<parser::Literal>().kind == parser::LiteralKind::kReal ||
           (e->As<parser::Literal>().kind == parser::LiteralKind::kInteger &&
            e->As<parser::Literal>().overflow))) {
        c.missing_value = Value::Text(sign + e->As<parser::Literal>().text);
        continue;
      }
    }
    if (auto v = ConstantDefault(c.default_expr)) {
      c.missing_value = *v;
      // As SQLite's valueFromExpr: a numeric literal for a column without affinity gets NUMERIC
      // (DEFAULT 1.0 reads back as INTEGER 1 in rows written before ADD COLUMN).
      Affinity aff = c.affinity == Affinity::kBlob && v->is_numeric() ? Affinity::kNumeric
                                                                      : c.affinity;
      ApplyAffinity(&c.missing_value, aff);
    }
  }
  // SQLite numbers foreign keys from the last declared one.
  std::reverse(t->foreign_keys.begin(), t->foreign_keys.end());
  for (size_t i = 0; i < t->foreign_keys.size(); i++) t->foreign_keys[i].id = static_cast<int>(i);
  if (ct.without_rowid && t->pk_columns.empty()) {
    return Status::InvalidArgument("PRIMARY KEY missing on table " + t->name);
  }
  for (size_t i = 0; i < uniques.size(); i++) {
    for (auto& ic : uniques[i]) {
      if (ic.column >= 0 && !uniques[i].empty() && ic.collation == Collation::kBinary) {
        ic.collation = t->columns[ic.column].collation;
      }
    }
    // SQLite skips a UNIQUE constraint identical to an earlier one.
    bool dup = false;
    for (const auto& ex : t->indexes) {
      if (ex->columns.size() != uniques[i].size()) continue;
      bool same = true;
      for (size_t k = 0; k < uniques[i].size(); k++) {
        if (ex->columns[k].column != uniques[i][k].column ||
            ex->columns[k].collation != uniques[i][k].collation) {
          same = false;
        }
      }
      if (same) {
        dup = true;
        // As SQLite: a PRIMARY KEY identical to an earlier UNIQUE makes that index the primary
        // key (a WITHOUT ROWID table is then read in its order).
        if (unique_is_pk[i]) ex->primary_key = true;
      }
    }
    if (dup) continue;
    t->indexes.push_back(
        AutoIndex(*t, ++auto_n, uniques[i], unique_conflicts[i], unique_is_pk[i]));
  }
  for (auto& c : t->columns) {
    if (c.primary_key && (ct.without_rowid || ct.strict) && !c.not_null &&
        t->rowid_alias < 0) {
      if (ct.without_rowid) c.not_null = true;
    }
  }
  t->stmt = std::move(stmt);
  return t;
}

Result<std::shared_ptr<IndexInfo>> BuildIndex(const TableInfo& table,
                                              std::shared_ptr<parser::Statement> stmt,
                                              std::string sql) {
  const auto& ci = stmt->As<parser::CreateIndexStmt>();
  auto idx = std::make_shared<IndexInfo>();
  idx->name = ci.name.name.name;
  idx->table = Lower(table.name);
  idx->unique = ci.unique;
  idx->where = ci.where.get();
  idx->sql = std::move(sql);
  for (const auto& term : ci.columns) {
    DOSQL_ASSIGN_OR_RETURN(TermTarget tt, ResolveTerm(table, term.expr.get(), true));
    IndexColumn ic;
    ic.column = tt.column;
    ic.expr = tt.expr;
    ic.desc = term.direction == parser::SortDirection::kDesc;
    if (tt.collation) {
      ic.collation = *tt.collation;
    } else if (tt.column >= 0) {
      ic.collation = table.columns[tt.column].collation;
    }
    idx->columns.push_back(ic);
  }
  idx->stmt = std::move(stmt);
  return idx;
}

const TableInfo& SchemaTableInfo() {
  static const TableInfo* info = [] {
    auto* t = new TableInfo();
    t->name = "sqlite_schema";
    t->is_schema_table = true;
    for (const char* n : {"type", "name", "tbl_name", "rootpage", "sql"}) {
      ColumnInfo c;
      c.name = n;
      c.decl_type = std::string(n) == "rootpage" ? "INT" : "TEXT";
      c.affinity = std::string(n) == "rootpage" ? Affinity::kInteger : Affinity::kText;
      t->columns.push_back(c);
    }
    return t;
  }();
  return *info;
}

template <typename Txn>
Result<std::shared_ptr<Schema>> LoadSchema(const Txn& txn, uint64_t tag) {
  auto schema = std::make_shared<Schema>();
  schema->db_tag = tag;
  DOSQL_ASSIGN_OR_RETURN(auto trees, txn.ListTrees());
  for (const auto& ti : trees) {
    if (ti.kind == transaction::TreeKind::kInternal &&
        (schema->catalog_tree == 0 || ti.id < schema->catalog_tree)) {
      schema->catalog_tree = ti.id;
    }
  }
  if (schema->catalog_tree == 0) return schema;
  struct Row {
    int64_t id;
    std::string type, name, tbl_name, sql;
    bool sql_null;
    int64_t root;
  };
  std::vector<Row> rows;
  {
    DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, txn.NewCursor(schema->catalog_tree));
    DOSQL_RETURN_IF_ERROR(cur.Seek(""));
    while (cur.Valid()) {
      DOSQL_ASSIGN_OR_RETURN(int64_t id, DecodeRowidKey(cur.key()));
      std::string scratch;
      DOSQL_ASSIGN_OR_RETURN(std::string_view value, cur.value(&scratch));
      DOSQL_ASSIGN_OR_RETURN(std::vector<Value> rec, DecodeRecord(value));
      if (id <= 0) {
        if (rec.size() >= 2) {
          schema->user_version = rec[0].integer();
          schema->schema_version = rec[1].integer();
        }
        if (rec.size() >= 3) schema->application_id = rec[2].integer();
      } else {
        if (rec.size() != 5) return Status::Corruption("malformed catalog row");
        rows.push_back({id, rec[0].bytes(), rec[1].bytes(), rec[2].bytes(), rec[4].bytes(),
                        rec[4].is_null(), rec[3].integer()});
        schema->next_catalog_id = std::max(schema->next_catalog_id, id + 1);
      }
      DOSQL_RETURN_IF_ERROR(cur.Next());
    }
  }
  auto parse = [](const std::string& sql) -> Result<std::shared_ptr<parser::Statement>> {
    DOSQL_ASSIGN_OR_RETURN(auto p, parser::ParseOne(sql));
    if (!p.statement) return Status::Corruption("empty catalog statement");
    return std::shared_ptr<parser::Statement>(std::move(p.statement));
  };
  for (const Row& r : rows) {
    if (r.type != "table") continue;
    DOSQL_ASSIGN_OR_RETURN(auto stmt, parse(r.sql));
    if (!stmt->template Is<parser::CreateTableStmt>()) return Status::Corruption("bad catalog table row");
    DOSQL_ASSIGN_OR_RETURN(auto t, BuildTable(stmt, r.sql));
    t->tree = static_cast<transaction::TreeId>(r.root);
    t->catalog_id = r.id;
    schema->tables[Lower(t->name)] = t;
  }
  for (const Row& r : rows) {
    if (r.type != "index") continue;
    auto tit = schema->tables.find(Lower(r.tbl_name));
    if (tit == schema->tables.end()) return Status::Corruption("index on missing table");
    TableInfo& t = *tit->second;
    if (r.sql_null) {
      for (auto& idx : t.indexes) {
        if (Lower(idx->name) == Lower(r.name)) {
          idx->tree = static_cast<transaction::TreeId>(r.root);
          idx->catalog_id = r.id;
          schema->indexes[Lower(idx->name)] = idx;
        }
      }
      continue;
    }
    DOSQL_ASSIGN_OR_RETURN(auto stmt, parse(r.sql));
    if (!stmt->template Is<parser::CreateIndexStmt>()) return Status::Corruption("bad catalog index row");
    DOSQL_ASSIGN_OR_RETURN(auto idx, BuildIndex(t, stmt, r.sql));
    idx->tree = static_cast<transaction::TreeId>(r.root);
    idx->catalog_id = r.id;
    t.indexes.push_back(idx);
    schema->indexes[Lower(idx->name)] = idx;
  }
  for (const Row& r : rows) {
    if (r.type == "view") {
      DOSQL_ASSIGN_OR_RETURN(auto stmt, parse(r.sql));
      auto v = std::make_shared<ViewInfo>();
      const auto& cv = stmt->template As<parser::CreateViewStmt>();
      v->name = cv.name.name.name;
      for (const auto& c : cv.columns) v->columns.push_back(c.name);
      v->select = cv.select.get();
      v->stmt = stmt;
      v->sql = r.sql;
      v->catalog_id = r.id;
      schema->views[Lower(v->name)] = v;
    } else if (r.type == "trigger") {
      DOSQL_ASSIGN_OR_RETURN(auto stmt, parse(r.sql));
      auto tr = std::make_shared<TriggerInfo>();
      tr->create = &stmt->template As<parser::CreateTriggerStmt>();
      tr->name = tr->create->name.name.name;
      tr->table = Lower(tr->create->table.name);
      tr->stmt = stmt;
      tr->sql = r.sql;
      tr->catalog_id = r.id;
      tr->db_tag = tag;
      schema->triggers[Lower(tr->name)] = tr;
    }
  }
  // Statistics from ANALYZE.
  auto stat1 = schema->tables.find("sqlite_stat1");
  if (stat1 != schema->tables.end()) {
    DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, txn.NewCursor(stat1->second->tree));
    DOSQL_RETURN_IF_ERROR(cur.Seek(""));
    while (cur.Valid()) {
      std::string scratch;
      DOSQL_ASSIGN_OR_RETURN(std::string_view value, cur.value(&scratch));
      DOSQL_ASSIGN_OR_RETURN(std::vector<Value> rec, DecodeRecord(value));
      if (rec.size() >= 3) ApplyStat1Row(*schema, rec[0], rec[1], rec[2]);
      DOSQL_RETURN_IF_ERROR(cur.Next());
    }
  }
  // What the engine holds are tagged ids (the reads above used the raw ones).
  schema->catalog_tree = TaggedTreeId(tag, schema->catalog_tree);
  for (auto& [n, t] : schema->tables) {
    t->tree = TaggedTreeId(tag, t->tree);
    for (auto& idx : t->indexes) idx->tree = TaggedTreeId(tag, idx->tree);
  }
  return schema;
}

void ApplyStat1Row(Schema& schema, const Value& tbl, const Value& idx, const Value& stat) {
  if (tbl.type() != ValueType::kText || stat.type() != ValueType::kText) return;
  std::vector<int64_t> numbers;
  std::string_view text = stat.view();
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') i++;
    size_t start = i;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && n < (int64_t{1} << 58)) {
      n = n * 10 + (text[i] - '0');
      i++;
    }
    if (i == start) break;  // "unordered", "sz=..." and other words end the numbers
    numbers.push_back(n);
  }
  if (numbers.empty()) return;
  auto t = schema.tables.find(Lower(tbl.view()));
  if (t == schema.tables.end()) return;
  if (idx.is_null()) {
    t->second->stat_rows = numbers[0];
    return;
  }
  if (idx.type() != ValueType::kText) return;
  auto it = schema.indexes.find(Lower(idx.view()));
  if (it == schema.indexes.end() || Lower(it->second->table) != Lower(t->second->name)) return;
  it->second->stat = std::move(numbers);
  if (!it->second->where) t->second->stat_rows = it->second->stat[0];
}

template Result<std::shared_ptr<Schema>> LoadSchema(const transaction::ReadTransaction&, uint64_t);
template Result<std::shared_ptr<Schema>> LoadSchema(const transaction::WriteTransaction&, uint64_t);

}  // namespace dosql::engine
