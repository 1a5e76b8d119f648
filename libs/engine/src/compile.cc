// Statement dispatch: turns each kind of statement into a Program.
#include <algorithm>
#include <cctype>

#include "conn.h"
#include "fkey.h"
#include "dosql/core/record.h"
#include "dosql/engine/format.h"
#include "dosql/parser/parser.h"

namespace dosql::engine {

namespace {

Status Err(std::string m) { return Status::InvalidArgument(std::move(m)); }

ResultColumnInfo Col(std::string name) {
  ResultColumnInfo c;
  c.name = std::move(name);
  return c;
}

// A program whose rows are computed by `fill` when it runs.
struct RowsHolder {
  std::vector<Row> rows;
};

class DeferredRows final : public RowSrc {
 public:
  explicit DeferredRows(std::shared_ptr<RowsHolder> h) : h_(std::move(h)) {}
  Status Open(Exec&) override {
    pos_ = 0;
    return Status::OK();
  }
  Result<bool> Next(Exec&, Row* row) override {
    if (pos_ >= h_->rows.size()) return false;
    *row = h_->rows[pos_++];
    return true;
  }
  std::string Describe(int) const override { return ""; }

 private:
  std::shared_ptr<RowsHolder> h_;
  size_t pos_ = 0;
};


// ----- PRAGMAs -----

// SQLite's getSafetyLevel: a number, or on/no/off/false/yes/true/extra/full, else `dflt`.
int SafetyLevel(std::string_view z, bool omit_full, int dflt) {
  if (!z.empty() && z[0] >= '0' && z[0] <= '9') {
    int64_t v = 0;
    for (size_t i = 0; i < z.size() && z[i] >= '0' && z[i] <= '9' && v < INT32_MAX; i++) {
      v = v * 10 + (z[i] - '0');
    }
    return static_cast<int>(std::min<int64_t>(v, INT32_MAX));
  }
  static const struct {
    const char* name;
    int value;
  } kWords[] = {{"on", 1},  {"no", 0},   {"off", 0},   {"false", 0},
                {"yes", 1}, {"true", 1}, {"extra", 3}, {"full", 2}};
  for (const auto& w : kWords) {
    if (IEquals(z, w.name) && (!omit_full || w.value <= 1)) return w.value;
  }
  return dflt;
}

bool PragmaBoolean(std::string_view z) { return SafetyLevel(z, true, 0) != 0; }

// SQLite's sqlite3Atoi (sqlite3GetInt32): 0 unless the text starts with a 32-bit integer.
int64_t PragmaInt32(std::string_view z) {
  size_t i = 0;
  bool neg = false;
  if (i < z.size() && (z[i] == '-' || z[i] == '+')) neg = z[i++] == '-';
  if (!neg && z.size() > 2 && z[0] == '0' && (z[1] == 'x' || z[1] == 'X') &&
      std::isxdigit(static_cast<unsigned char>(z[2]))) {
    i = 2;
    while (i < z.size() && z[i] == '0') i++;
    uint64_t u = 0;
    size_t n = 0;
    for (; n < 8 && i + n < z.size() && std::isxdigit(static_cast<unsigned char>(z[i + n])); n++) {
      char c = z[i + n];
      u = u * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    bool more = i + n < z.size() && std::isxdigit(static_cast<unsigned char>(z[i + n]));
    return (u & 0x80000000u) || more ? 0 : static_cast<int64_t>(u);
  }
  if (i >= z.size() || z[i] < '0' || z[i] > '9') return 0;
  while (i < z.size() && z[i] == '0') i++;
  int64_t v = 0;
  size_t n = 0;
  for (; n < 11 && i + n < z.size() && z[i + n] >= '0' && z[i + n] <= '9'; n++) {
    v = v * 10 + (z[i + n] - '0');
  }
  if (n > 10 || v - (neg ? 1 : 0) > INT32_MAX) return 0;
  return neg ? -v : v;
}

std::string_view FkActionName(parser::ForeignKeyAction a) {
  using A = parser::ForeignKeyAction;
  switch (a) {
    case A::kSetNull: return "SET NULL";
    case A::kSetDefault: return "SET DEFAULT";
    case A::kCascade: return "CASCADE";
    case A::kRestrict: return "RESTRICT";
    default: return "NO ACTION";
  }
}

void SetColumns(PragmaRows* out, std::initializer_list<const char*> names) {
  for (const char* n : names) out->columns.push_back(Col(n));
}

Status TableInfoRows(ConnectionImpl* conn, const Schema& schema, std::string_view arg, bool xinfo,
                     PragmaRows* out) {
  SetColumns(out, {"cid", "name", "type", "notnull", "dflt_value", "pk"});
  if (xinfo) out->columns.push_back(Col("hidden"));
  if (const TableInfo* t = schema.FindTable(arg)) {
    int64_t cid = 0;
    for (size_t i = 0; i < t->columns.size(); i++) {
      const ColumnInfo& c = t->columns[i];
      int64_t hidden = c.generated ? (c.generated_stored ? 3 : 2) : 0;
      if (hidden && !xinfo) continue;  // table_info leaves generated columns out
      std::string ty = c.decl_type;
      std::string lty = Lower(ty);
      if (lty == "int" || lty == "integer" || lty == "real" || lty == "text" || lty == "blob" ||
          lty == "any") {
        ty = Upper(ty);  // SQLite spells the standard type names in upper case
      }
      Row r{Value::Integer(cid++), Value::Text(c.name), Value::Text(ty),
            Value::Integer(c.not_null ? 1 : 0),
            c.default_expr ? Value::Text(parser::ToSql(*c.default_expr)) : Value(),
            Value::Integer(0)};
      for (size_t k = 0; k < t->pk_columns.size(); k++) {
        if (t->pk_columns[k] == static_cast<int>(i)) r[5] = Value::Integer(static_cast<int64_t>(k + 1));
      }
      if (xinfo) r.push_back(Value::Integer(hidden));
      out->rows.push_back(std::move(r));
    }
  } else if (const ViewInfo* v = schema.FindView(arg)) {
    auto vctx = NewPlanContext(conn, conn->CurrentSchema());
    DOSQL_ASSIGN_OR_RETURN(CompiledQuery q, PlanSelect(*vctx, *v->select, nullptr, v->sql));
    for (size_t i = 0; i < q.columns.size(); i++) {
      Row r{Value::Integer(static_cast<int64_t>(i)),
            Value::Text(i < v->columns.size() ? v->columns[i] : q.columns[i].name),
            Value::Text(q.columns[i].decl_type), Value::Integer(0), Value(), Value::Integer(0)};
      if (xinfo) r.push_back(Value::Integer(0));
      out->rows.push_back(std::move(r));
    }
  }
  return Status::OK();
}

void IndexListRows(const Schema& schema, std::string_view arg, PragmaRows* out) {
  SetColumns(out, {"seq", "name", "unique", "origin", "partial"});
  const TableInfo* t = schema.FindTable(arg);
  if (!t) return;
  int64_t seq = 0;
  for (auto it = t->indexes.rbegin(); it != t->indexes.rend(); ++it) {
    const IndexInfo& i = **it;
    std::string origin = i.auto_index ? (i.primary_key ? "pk" : "u") : "c";
    out->rows.push_back({Value::Integer(seq++), Value::Text(i.name), Value::Integer(i.unique ? 1 : 0),
                         Value::Text(origin), Value::Integer(i.where ? 1 : 0)});
  }
}

// index_info / index_xinfo: the key columns; xinfo adds what the index entry also holds (the
// rowid, or a WITHOUT ROWID table's other primary key / table columns).
void IndexInfoRows(const Schema& schema, std::string_view arg, bool xinfo, PragmaRows* out) {
  SetColumns(out, {"seqno", "cid", "name"});
  if (xinfo) SetColumns(out, {"desc", "coll", "key"});
  const IndexInfo* idx = schema.FindIndex(arg);
  const TableInfo* t = idx ? schema.FindTable(idx->table) : nullptr;
  if (!t) return;
  int64_t seq = 0;
  auto add = [&](int cid, bool desc, Collation coll, bool key) {
    Row r{Value::Integer(seq++), Value::Integer(cid),
          cid >= 0 ? Value::Text(t->columns[cid].name) : Value()};
    if (xinfo) {
      r.push_back(Value::Integer(desc ? 1 : 0));
      r.push_back(Value::Text(std::string(CollationName(coll))));
      r.push_back(Value::Integer(key ? 1 : 0));
    }
    out->rows.push_back(std::move(r));
  };
  std::set<int> in_key;
  for (const auto& ic : idx->columns) {
    int cid = ic.column >= 0 ? ic.column : ic.column == -2 ? -1 : -2;
    in_key.insert(ic.column);
    add(cid, ic.desc, ic.collation, true);
  }
  if (!xinfo) return;
  if (!t->without_rowid) {
    add(-1, false, Collation::kBinary, false);
    return;
  }
  std::vector<int> rest;
  if (idx->primary_key) {
    for (size_t c = 0; c < t->columns.size(); c++) rest.push_back(static_cast<int>(c));
  } else {
    rest = t->pk_columns;
  }
  for (int c : rest) {
    if (in_key.count(c)) continue;
    in_key.insert(c);
    add(c, false, t->columns[c].collation, false);
  }
}

void ForeignKeyListRows(const Schema& schema, std::string_view arg, PragmaRows* out) {
  SetColumns(out, {"id", "seq", "table", "from", "to", "on_update", "on_delete", "match"});
  const TableInfo* t = schema.FindTable(arg);
  if (!t) return;
  for (const auto& fk : t->foreign_keys) {
    for (size_t j = 0; j < fk.columns.size(); j++) {
      out->rows.push_back({Value::Integer(fk.id), Value::Integer(static_cast<int64_t>(j)),
                           Value::Text(fk.parent), Value::Text(t->columns[fk.columns[j]].name),
                           fk.parent_columns.empty() ? Value() : Value::Text(fk.parent_columns[j]),
                           Value::Text(std::string(FkActionName(fk.on_update))),
                           Value::Text(std::string(FkActionName(fk.on_delete))), Value::Text("NONE")});
    }
  }
}

// foreign_key_check: (table, rowid, parent, fkid) for every child row whose parent is missing.
Status ForeignKeyCheckRows(ConnectionImpl* conn, const Schema& schema, DataAccess* data,
                           const std::optional<std::string>& arg, PragmaRows* out) {
  SetColumns(out, {"table", "rowid", "parent", "fkid"});
  std::vector<const TableInfo*> tables;
  if (arg) {
    const TableInfo* t = schema.FindTable(*arg);
    if (!t) return Err("no such table: " + *arg);
    tables.push_back(t);
  } else {
    for (const auto& [n, t] : schema.tables) tables.push_back(t.get());
  }
  for (const TableInfo* t : tables) {
    std::vector<ResolvedFk> fks;
    for (const auto& fk : t->foreign_keys) {
      fks.push_back(ResolveForeignKey(schema, *t, fk));
      if (fks.back().parent && !fks.back().error.empty()) return Err(fks.back().error);
    }
    if (fks.empty() || !data) continue;
    DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, data->NewCursor(t->tree));
    DOSQL_RETURN_IF_ERROR(cur.SeekFirst());
    std::string scratch;
    std::vector<Value> vals(t->columns.size());
    while (cur.Valid()) {
      DOSQL_ASSIGN_OR_RETURN(int64_t rowid, DecodeRowidKey(cur.key()));
      DOSQL_ASSIGN_OR_RETURN(std::string_view rec, cur.value(&scratch));
      DOSQL_RETURN_IF_ERROR(DecodeRowInto(*t, rec, rowid, vals.data()));
      for (const ResolvedFk& r : fks) {
        bool has_null = false;
        for (int c : r.fk->columns) has_null |= vals[c].is_null();
        if (has_null) continue;
        bool found = false;
        if (r.parent) {
          DOSQL_ASSIGN_OR_RETURN(found, ParentKeyExists(conn, data, r, vals));
        }
        if (found) continue;
        out->rows.push_back({Value::Text(t->name), t->without_rowid ? Value() : Value::Integer(rowid),
                             Value::Text(r.fk->parent), Value::Integer(r.fk->id)});
      }
      DOSQL_RETURN_IF_ERROR(cur.Next());
    }
  }
  return Status::OK();
}

// PRAGMAs that read a per-connection setting (the first form of "PRAGMA x", and "x = v").
struct ConnSetting {
  const char* name;
  const char* column;
  int64_t (*get)(const ConnectionImpl&);
  void (*set)(ConnectionImpl&, std::string_view value);
};

const ConnSetting kConnSettings[] = {
    {"foreign_keys", "foreign_keys", [](const ConnectionImpl& c) -> int64_t { return c.foreign_keys; },
     [](ConnectionImpl& c, std::string_view v) {
       // A no-op inside a transaction (SQLite).
       if (!c.explicit_txn) c.foreign_keys = PragmaBoolean(v);
     }},
    {"defer_foreign_keys", "defer_foreign_keys",
     [](const ConnectionImpl& c) -> int64_t { return c.defer_foreign_keys; },
     [](ConnectionImpl& c, std::string_view v) { c.defer_foreign_keys = PragmaBoolean(v); }},
    {"recursive_triggers", "recursive_triggers",
     [](const ConnectionImpl& c) -> int64_t { return c.recursive_triggers; },
     [](ConnectionImpl& c, std::string_view v) { c.recursive_triggers = PragmaBoolean(v); }},
    {"cache_size", "cache_size", [](const ConnectionImpl& c) { return c.cache_size; },
     [](ConnectionImpl& c, std::string_view v) { c.cache_size = PragmaInt32(v); }},
    {"synchronous", "synchronous",
     [](const ConnectionImpl& c) -> int64_t {
       if (c.synchronous >= 0) return c.synchronous;
       return c.dbi->options.sync_commits && !c.dbi->in_memory ? 2 : 0;
     },
     [](ConnectionImpl& c, std::string_view v) {
       int level = (SafetyLevel(v, false, 1) + 1) & 7;
       c.synchronous = (level == 0 ? 1 : level) - 1;
     }},
    {"busy_timeout", "timeout",
     [](const ConnectionImpl& c) -> int64_t { return c.busy_timeout.count(); },
     [](ConnectionImpl& c, std::string_view v) {
       c.busy_timeout = std::chrono::milliseconds(std::max<int64_t>(PragmaInt32(v), 0));
     }},
};

const ConnSetting* FindConnSetting(std::string_view name) {
  for (const auto& s : kConnSettings) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

// The schema cookie values kept in the catalog (docs/formats/catalog.md).
int64_t* CookieField(Schema& s, std::string_view name) {
  if (name == "user_version") return &s.user_version;
  if (name == "schema_version") return &s.schema_version;
  if (name == "application_id") return &s.application_id;
  return nullptr;
}

}  // namespace

Result<PragmaRows> PragmaQuery(ConnectionImpl* conn, std::shared_ptr<const Schema> schema,
                               DataAccess* data, std::string_view name,
                               const std::optional<std::string>& arg) {
  PragmaRows out;
  std::string a = arg.value_or("");
  if (name == "table_info" || name == "table_xinfo") {
    DOSQL_RETURN_IF_ERROR(TableInfoRows(conn, *schema, a, name == "table_xinfo", &out));
  } else if (name == "index_list") {
    IndexListRows(*schema, a, &out);
  } else if (name == "index_info" || name == "index_xinfo") {
    IndexInfoRows(*schema, a, name == "index_xinfo", &out);
  } else if (name == "foreign_key_list") {
    ForeignKeyListRows(*schema, a, &out);
  } else if (name == "foreign_key_check") {
    DOSQL_RETURN_IF_ERROR(ForeignKeyCheckRows(conn, *schema, data, arg, &out));
  } else if (name == "integrity_check" || name == "quick_check") {
    out.columns = {Col(std::string(name))};
    // A table name limits the check (dosql checks the whole store either way); a number is the
    // maximum of errors.
    if (arg && !arg->empty() && !std::isdigit(static_cast<unsigned char>((*arg)[0])) &&
        !schema->FindTable(*arg)) {
      return Err("no such table: " + *arg);
    }
    if (data) {
      Status s = conn->dbi->store->CheckIntegrity();
      out.rows.push_back({Value::Text(s.ok() ? "ok" : s.message())});
    }
  } else if (int64_t* f = CookieField(const_cast<Schema&>(*schema), name)) {
    out.columns = {Col(std::string(name))};
    out.rows.push_back({Value::Integer(*f)});
  } else if (const ConnSetting* cs = FindConnSetting(name)) {
    out.columns = {Col(cs->column)};
    out.rows.push_back({Value::Integer(cs->get(*conn))});
  } else if (name == "page_size") {
    out.columns = {Col("page_size")};
    out.rows.push_back({Value::Integer(static_cast<int64_t>(conn->dbi->store->pager().page_size()))});
  } else if (name == "journal_mode") {
    out.columns = {Col("journal_mode")};
    out.rows.push_back({Value::Text(conn->dbi->in_memory ? "memory" : "wal")});
  } else if (name == "table_list") {
    SetColumns(&out, {"schema", "name", "type", "ncol", "wr", "strict"});
    for (const auto& [k, t] : schema->tables) {
      out.rows.push_back({Value::Text("main"), Value::Text(t->name), Value::Text("table"),
                          Value::Integer(static_cast<int64_t>(t->columns.size())),
                          Value::Integer(t->without_rowid), Value::Integer(t->strict)});
    }
    for (const auto& [k, v] : schema->views) {
      out.rows.push_back({Value::Text("main"), Value::Text(v->name), Value::Text("view"),
                          Value::Integer(static_cast<int64_t>(v->columns.size())),
                          Value::Integer(0), Value::Integer(0)});
    }
  } else if (name == "database_list") {
    SetColumns(&out, {"seq", "name", "file"});
    out.rows.push_back({Value::Integer(0), Value::Text("main"),
                        Value::Text(conn->dbi->in_memory ? "" : conn->dbi->path)});
  } else if (name == "collation_list") {
    // The connection's user-defined collations (by name; SQLite lists them in hash order),
    // then the built-in ones in SQLite's order.
    SetColumns(&out, {"seq", "name"});
    std::vector<std::string> names;
    for (const auto& [key, c] : conn->collations) names.push_back(c->name);
    for (const char* b : {"RTRIM", "NOCASE", "BINARY"}) names.push_back(b);
    for (size_t i = 0; i < names.size(); i++) {
      out.rows.push_back({Value::Integer(static_cast<int64_t>(i)), Value::Text(names[i])});
    }
  }
  // Anything else: no columns and no rows (SQLite ignores unknown pragmas).
  return out;
}

namespace {

Result<std::unique_ptr<Program>> CompilePragma(ConnectionImpl* conn, const parser::PragmaStmt& p,
                                               std::shared_ptr<const Schema> schema) {
  auto prog = std::make_unique<Program>();
  prog->ctx = NewPlanContext(conn, schema);
  std::string name = Lower(p.name.name.name);
  auto holder = std::make_shared<RowsHolder>();
  const bool has_value = p.value_kind != parser::PragmaStmt::ValueKind::kNone;
  const std::string value = p.value;
  if (has_value && CookieField(*const_cast<Schema*>(schema.get()), name)) {
    // user_version, schema_version, application_id = N: written to the catalog cookie.
    int64_t v = PragmaInt32(value);
    prog->writes = true;
    prog->run = [conn, v, name](Exec&) -> Status {
      DOSQL_ASSIGN_OR_RETURN(auto s, MutableSchema(conn));
      *CookieField(*s, name) = v;
      if (name == "schema_version") s->schema_version = v - 1;  // the bump makes it v
      return BumpSchemaCookie(conn, *s);
    };
    return prog;
  }
  if (has_value && FindConnSetting(name)) {
    const ConnSetting* cs = FindConnSetting(name);
    // busy_timeout answers with the new value, the others with nothing.
    bool answers = name == "busy_timeout";
    if (answers) prog->columns = {Col(cs->column)};
    prog->run = [conn, cs, value, holder, answers](Exec&) -> Status {
      cs->set(*conn, value);
      holder->rows.clear();
      if (answers) holder->rows.push_back({Value::Integer(cs->get(*conn))});
      return Status::OK();
    };
    if (answers) prog->rows = std::make_unique<DeferredRows>(holder);
    return prog;
  }
  std::optional<std::string> arg;
  if (has_value) arg = value;
  // The query forms: columns now; rows when the statement runs (they read the data, or settings
  // that may change before it runs).
  DOSQL_ASSIGN_OR_RETURN(PragmaRows r, PragmaQuery(conn, schema, nullptr, name, arg));
  if (r.columns.empty()) return prog;
  prog->columns = std::move(r.columns);
  prog->run = [conn, schema, name, arg, holder](Exec& ex) -> Status {
    DOSQL_ASSIGN_OR_RETURN(PragmaRows rows, PragmaQuery(conn, schema, ex.data, name, arg));
    holder->rows = std::move(rows.rows);
    return Status::OK();
  };
  prog->rows = std::make_unique<DeferredRows>(holder);
  return prog;
}

}  // namespace

Result<std::shared_ptr<Schema>> MutableSchema(ConnectionImpl* conn) {
  if (!conn->txn) return Status::Internal("schema change outside a write transaction");
  if (!conn->txn_schema) {
    auto cur = conn->CurrentSchema();
    conn->txn_schema = std::make_shared<Schema>(*cur);
  }
  return conn->txn_schema;
}

Status WriteCatalogRow(ConnectionImpl* conn, Schema& schema, int64_t id, std::string_view type,
                       std::string_view name, std::string_view tbl_name, int64_t root,
                       const std::string* sql) {
  if (schema.catalog_tree == 0) {
    DOSQL_ASSIGN_OR_RETURN(schema.catalog_tree,
                           conn->txn->CreateTree(transaction::TreeKind::kInternal));
  }
  std::vector<Value> rec{Value::Text(std::string(type)), Value::Text(std::string(name)),
                         Value::Text(std::string(tbl_name)), Value::Integer(root),
                         sql ? Value::Text(*sql) : Value()};
  return conn->txn->Put(schema.catalog_tree, RowidKey(id), EncodeRecord(rec));
}

Status BumpSchemaCookie(ConnectionImpl* conn, Schema& schema) {
  if (schema.catalog_tree == 0) {
    DOSQL_ASSIGN_OR_RETURN(schema.catalog_tree,
                           conn->txn->CreateTree(transaction::TreeKind::kInternal));
  }
  schema.schema_version++;
  std::vector<Value> rec{Value::Integer(schema.user_version), Value::Integer(schema.schema_version),
                         Value::Integer(schema.application_id)};
  return conn->txn->Put(schema.catalog_tree, RowidKey(0), EncodeRecord(rec));
}

Result<std::unique_ptr<Program>> Compile(ConnectionImpl* conn, const parser::Statement& stmt,
                                         std::string_view sql) {
  auto schema = conn->CurrentSchema();
  using T = parser::NodeType;
  const parser::Statement* s = &stmt;
  switch (s->type()) {
    case T::kSelectStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      DOSQL_ASSIGN_OR_RETURN(CompiledQuery q,
                             PlanSelect(*prog->ctx, s->As<parser::SelectStmt>(), nullptr, sql));
      prog->rows = std::move(q.src);
      prog->columns = std::move(q.columns);
      return prog;
    }
    case T::kExplainStmt: {
      const auto& e = s->As<parser::ExplainStmt>();
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      auto holder = std::make_shared<RowsHolder>();
      std::string plan;
      if (e.statement->Is<parser::SelectStmt>()) {
        DOSQL_ASSIGN_OR_RETURN(CompiledQuery q, PlanSelect(*prog->ctx,
                                                           e.statement->As<parser::SelectStmt>(),
                                                           nullptr, sql));
        plan = q.src->Describe(0);
      } else {
        DOSQL_ASSIGN_OR_RETURN(auto inner, Compile(conn, *e.statement, sql));
        if (inner->rows) plan = inner->rows->Describe(0);
      }
      int64_t id = 0;
      size_t start = 0;
      std::vector<int64_t> parents(64, 0);
      while (start < plan.size()) {
        size_t nl = plan.find('\n', start);
        if (nl == std::string::npos) nl = plan.size();
        std::string line = plan.substr(start, nl - start);
        start = nl + 1;
        if (line.empty()) continue;
        size_t depth = 0;
        while (depth * 2 + 1 < line.size() && line[depth * 2] == ' ' && line[depth * 2 + 1] == ' ') {
          depth++;
        }
        ++id;
        int64_t parent = depth == 0 ? 0 : parents[std::min<size_t>(depth - 1, 63)];
        parents[std::min<size_t>(depth, 63)] = id;
        if (e.query_plan) {
          holder->rows.push_back({Value::Integer(id), Value::Integer(parent), Value::Integer(0),
                                  Value::Text(line.substr(depth * 2))});
        } else {
          holder->rows.push_back({Value::Integer(id - 1), Value::Text(line.substr(depth * 2))});
        }
      }
      if (e.query_plan) {
        prog->columns = {Col("id"), Col("parent"), Col("notused"), Col("detail")};
      } else {
        prog->columns = {Col("addr"), Col("opcode")};
      }
      prog->rows = std::make_unique<DeferredRows>(holder);
      return prog;
    }
    case T::kPragmaStmt:
      return CompilePragma(conn, s->As<parser::PragmaStmt>(), schema);
    case T::kBeginStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      auto mode = s->As<parser::BeginStmt>().mode;
      prog->run = [conn, mode](Exec&) -> Status {
        if (conn->explicit_txn) {
          return Err("cannot start a transaction within a transaction");
        }
        if (mode == parser::BeginStmt::Mode::kImmediate ||
            mode == parser::BeginStmt::Mode::kExclusive) {
          DOSQL_RETURN_IF_ERROR(conn->EnsureWrite());
        }
        conn->explicit_txn = true;
        return Status::OK();
      };
      return prog;
    }
    case T::kCommitStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->run = [conn](Exec&) -> Status {
        if (!conn->explicit_txn) return Err("cannot commit - no transaction is active");
        return conn->CommitTxn();
      };
      return prog;
    }
    case T::kRollbackStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      const auto& rb = s->As<parser::RollbackStmt>();
      std::optional<std::string> sp;
      if (rb.savepoint) sp = rb.savepoint->name;
      prog->run = [conn, sp](Exec&) -> Status {
        if (!sp) {
          if (!conn->explicit_txn) return Err("cannot rollback - no transaction is active");
          conn->RollbackTxn();
          return Status::OK();
        }
        for (size_t i = conn->savepoints.size(); i-- > 0;) {
          if (Lower(conn->savepoints[i].name) == Lower(*sp)) {
            conn->savepoints.resize(i + 1);
            conn->fk_deferred = conn->savepoints[i].fk_deferred;
            conn->fk_deferred_imm = conn->savepoints[i].fk_deferred_imm;
            if (conn->txn) {
              DOSQL_RETURN_IF_ERROR(conn->txn->RollbackTo(conn->savepoints[i].handle));
              DOSQL_RETURN_IF_ERROR(conn->ReloadTxnSchema());
            }
            return Status::OK();
          }
        }
        return Err("no such savepoint: " + *sp);
      };
      return prog;
    }
    case T::kSavepointStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      std::string name = s->As<parser::SavepointStmt>().name.name;
      prog->run = [conn, name](Exec&) -> Status {
        bool started = !conn->explicit_txn;
        DOSQL_RETURN_IF_ERROR(conn->EnsureWrite());
        DOSQL_ASSIGN_OR_RETURN(uint32_t h, conn->txn->Savepoint());
        conn->explicit_txn = true;
        conn->savepoints.push_back({name, h, started, conn->fk_deferred, conn->fk_deferred_imm});
        return Status::OK();
      };
      return prog;
    }
    case T::kReleaseStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      std::string name = s->As<parser::ReleaseStmt>().name.name;
      prog->run = [conn, name](Exec&) -> Status {
        for (size_t i = conn->savepoints.size(); i-- > 0;) {
          if (Lower(conn->savepoints[i].name) == Lower(name)) {
            bool commit = conn->savepoints[i].started_txn;
            if (commit) DOSQL_RETURN_IF_ERROR(conn->CheckForeignKeys(true));
            if (conn->txn) DOSQL_RETURN_IF_ERROR(conn->txn->Release(conn->savepoints[i].handle));
            conn->savepoints.resize(i);
            if (commit) return conn->CommitTxn();
            return Status::OK();
          }
        }
        return Err("no such savepoint: " + name);
      };
      return prog;
    }
    case T::kCreateTableStmt: {
      const auto& ct = s->As<parser::CreateTableStmt>();
      const std::string& n = ct.name.name.name;
      if (Lower(n).rfind("sqlite_", 0) == 0) {
        return Err("object name reserved for internal use: " + n);
      }
      if (!ct.if_not_exists && (schema->FindTable(n) || schema->FindView(n))) {
        conn->error_offset = static_cast<int>(ct.name.name.span.offset);
        return Err("table " + n + " already exists");
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      const auto* cs = &s->As<parser::CreateTableStmt>();
      std::string text(sql);
      prog->run = [conn, cs, text](Exec& ex) { return ExecCreateTable(conn, ex, *cs, text); };
      return prog;
    }
    case T::kCreateIndexStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      const auto* cs = &s->As<parser::CreateIndexStmt>();
      std::string text(sql);
      prog->run = [conn, cs, text](Exec& ex) { return ExecCreateIndex(conn, ex, *cs, text); };
      return prog;
    }
    case T::kCreateViewStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      const auto* cs = &s->As<parser::CreateViewStmt>();
      std::string text(sql);
      prog->run = [conn, cs, text](Exec&) { return ExecCreateView(conn, *cs, text); };
      return prog;
    }
    case T::kCreateTriggerStmt: {
      const auto& ct = s->As<parser::CreateTriggerStmt>();
      if (!schema->FindTable(ct.table.name) && !schema->FindView(ct.table.name)) {
        conn->error_offset = static_cast<int>(ct.table.span.offset);
        return Err("no such table: main." + ct.table.name);
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      const auto* cs = &s->As<parser::CreateTriggerStmt>();
      std::string text(sql);
      prog->run = [conn, cs, text](Exec&) { return ExecCreateTrigger(conn, *cs, text); };
      return prog;
    }
    case T::kDropStmt: {
      const auto& d = s->As<parser::DropStmt>();
      const std::string& n = d.name.name.name;
      using K = parser::DropStmt::ObjectKind;
      bool exists = d.object == K::kTable   ? schema->FindTable(n) != nullptr
                    : d.object == K::kView  ? schema->FindView(n) != nullptr
                    : d.object == K::kIndex ? schema->FindIndex(n) != nullptr
                                            : schema->triggers.count(Lower(n)) > 0;
      if (!exists && !d.if_exists && !(d.object == K::kTable && schema->FindView(n)) &&
          !(d.object == K::kView && schema->FindTable(n))) {
        conn->error_offset = static_cast<int>(d.name.name.span.offset);
        const char* what = d.object == K::kTable ? "table" : d.object == K::kView ? "view"
                           : d.object == K::kIndex ? "index" : "trigger";
        return Err(std::string("no such ") + what + ": " + n);
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      const auto* ds = &s->As<parser::DropStmt>();
      prog->run = [conn, ds](Exec& ex) { return ExecDrop(conn, ex, *ds); };
      return prog;
    }
    case T::kAlterTableStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      const auto* as = &s->As<parser::AlterTableStmt>();
      std::string text(sql);
      prog->run = [conn, as, text](Exec& ex) { return ExecAlter(conn, ex, *as, text); };
      return prog;
    }
    case T::kReindexStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      const auto* rs = &s->As<parser::ReindexStmt>();
      prog->run = [conn, rs](Exec& ex) { return ExecReindex(conn, ex, *rs); };
      return prog;
    }
    case T::kAnalyzeStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      const auto* as = &s->As<parser::AnalyzeStmt>();
      if (as->target && !as->target->schema) {  // names are checked at prepare, as SQLite does
        const std::string& n = as->target->name.name;
        if (!IEquals(n, "main") && !IEquals(n, "sqlite_schema") && !IEquals(n, "sqlite_master") &&
            !schema->FindTable(n) && !schema->FindIndex(n)) {
          return Err("no such table: " + n);
        }
      }
      prog->run = [conn, as](Exec& ex) { return ExecAnalyze(conn, ex, *as); };
      return prog;
    }
    case T::kVacuumStmt: {
      const auto& vs = s->As<parser::VacuumStmt>();
      if (vs.into) return Status::NotSupported("VACUUM INTO is not supported");
      if (vs.schema && !IEquals(vs.schema->name, "main") && !IEquals(vs.schema->name, "temp")) {
        return Err("unknown database " + vs.schema->name);
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      // dosql's VACUUM: write the newest version out (checkpoint), then compact the data
      // segments, deleting those no snapshot uses and rewriting mostly-empty ones.
      prog->run = [conn](Exec&) -> Status {
        if (conn->explicit_txn || conn->txn) {
          return Status::InvalidArgument("cannot VACUUM from within a transaction");
        }
        DOSQL_RETURN_IF_ERROR(conn->dbi->store->Checkpoint());
        return conn->dbi->store->Compact();
      };
      return prog;
    }
    case T::kInsertStmt:
    case T::kUpdateStmt:
    case T::kDeleteStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      // Validate names now (so that errors come from prepare, as in SQLite) and learn the
      // RETURNING columns.
      auto cache = NewDmlCache();
      DOSQL_ASSIGN_OR_RETURN(prog->columns, DmlReturningColumns(conn, *s, sql, cache.get()));
      auto holder = std::make_shared<RowsHolder>();
      std::string text(sql);
      if (s->Is<parser::InsertStmt>()) {
        const auto& ins = s->As<parser::InsertStmt>();
        bool one_row = ins.select && !ins.with && ins.select->cores.size() == 1 &&
                       ins.select->cores[0]->kind == parser::SelectCore::Kind::kValues &&
                       ins.select->cores[0]->rows.size() == 1 && !ins.select->with;
        bool has_triggers = false;
        for (const auto& [n, tr] : schema->triggers) {
          if (tr->table == Lower(ins.table.name.name)) has_triggers = true;
        }
        if (one_row && ins.upserts.empty() && !ins.replace &&
            ins.conflict != parser::ConflictAction::kReplace && !has_triggers &&
            schema->FindTable(ins.table.name.name)) {
          prog->needs_statement_savepoint = false;
        }
      }
      prog->run = [conn, s, text, holder, cache](Exec& ex) -> Status {
        DmlResult r;
        DOSQL_RETURN_IF_ERROR(ExecDml(conn, ex, *s, text, nullptr, &r, cache.get()));
        holder->rows = std::move(r.returning);
        return Status::OK();
      };
      if (!prog->columns.empty()) prog->rows = std::make_unique<DeferredRows>(holder);
      return prog;
    }
    case T::kAttachStmt:
    case T::kDetachStmt:
      return Status::NotSupported("ATTACH and DETACH are not supported yet");
    default:
      return Status::NotSupported(std::string(parser::NodeTypeName(s->type())) +
                                  " is not supported yet");
  }
}

}  // namespace dosql::engine
