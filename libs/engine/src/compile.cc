// Statement dispatch: turns each kind of statement into a Program.
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "conn.h"
#include "fkey.h"
#include "rename.h"
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
    auto vctx = NewPlanContext(conn, conn->CurrentSchema());  // pinned by the caller
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

namespace {

// The databases in SQLite's search order for unqualified names: temp, main, attached.
std::vector<int> SearchOrder(const ConnectionImpl* conn) {
  std::vector<int> order{ConnectionImpl::kTemp, ConnectionImpl::kMain};
  for (size_t i = 2; i < conn->dbs.size(); i++) order.push_back(static_cast<int>(i));
  return order;
}

// The database a pragma about object `name` reads: `db` if given, else the first in SQLite's
// order that has it as a table or view (`index`: as an index); main if none has.
int PragmaDb(ConnectionImpl* conn, int db, std::string_view name, bool index) {
  if (db >= 0) return db;
  for (int i : SearchOrder(conn)) {
    auto s = conn->SlotSchema(i);
    if (index ? s->FindIndex(name) != nullptr : s->FindTable(name) || s->FindView(name)) return i;
  }
  return ConnectionImpl::kMain;
}

std::string FilePathOf(const DatabaseImpl& d) {
  if (d.in_memory) return "";
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(d.path, ec);
  return ec ? d.path : p.lexically_normal().string();
}

}  // namespace

Result<PragmaRows> PragmaQuery(ConnectionImpl* conn, int db, DataAccess* data,
                               std::string_view name, const std::optional<std::string>& arg) {
  PragmaRows out;
  std::string a = arg.value_or("");
  const bool about_index = name == "index_info" || name == "index_xinfo";
  const int tdb = PragmaDb(conn, db, a, about_index);
  std::shared_ptr<const Schema> schema = conn->SlotSchema(tdb);
  DatabaseImpl* dbi = conn->dbs[static_cast<size_t>(tdb)].impl();
  if (name == "table_info" || name == "table_xinfo") {
    ResolveIn pin(conn, tdb == ConnectionImpl::kTemp ? -1 : tdb);
    DOSQL_RETURN_IF_ERROR(TableInfoRows(conn, *schema, a, name == "table_xinfo", &out));
  } else if (name == "index_list") {
    IndexListRows(*schema, a, &out);
  } else if (about_index) {
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
      Status s = dbi ? dbi->store->CheckIntegrity() : Status::OK();
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
    out.rows.push_back(
        {Value::Integer(dbi ? static_cast<int64_t>(dbi->store->pager().page_size()) : 4096)});
  } else if (name == "journal_mode") {
    out.columns = {Col("journal_mode")};
    out.rows.push_back({Value::Text(!dbi || dbi->in_memory ? "memory" : "wal")});
  } else if (name == "table_list") {
    SetColumns(&out, {"schema", "name", "type", "ncol", "wr", "strict"});
    for (size_t i = 0; i < conn->dbs.size(); i++) {
      if (db >= 0 && static_cast<int>(i) != db) continue;
      auto sc = conn->SlotSchema(static_cast<int>(i));
      const Value dbname = Value::Text(conn->dbs[i].name);
      auto want = [&](const std::string& n) { return !arg || IEquals(n, *arg); };
      for (const auto& [k, t] : sc->tables) {
        if (!want(t->name)) continue;
        out.rows.push_back({dbname, Value::Text(t->name), Value::Text("table"),
                            Value::Integer(static_cast<int64_t>(t->columns.size())),
                            Value::Integer(t->without_rowid), Value::Integer(t->strict)});
      }
      for (const auto& [k, v] : sc->views) {
        if (!want(v->name)) continue;
        out.rows.push_back({dbname, Value::Text(v->name), Value::Text("view"),
                            Value::Integer(static_cast<int64_t>(v->columns.size())),
                            Value::Integer(0), Value::Integer(0)});
      }
      std::string st = i == ConnectionImpl::kTemp ? "sqlite_temp_schema" : "sqlite_schema";
      if (want(st)) {
        out.rows.push_back({dbname, Value::Text(st), Value::Text("table"), Value::Integer(5),
                            Value::Integer(0), Value::Integer(0)});
      }
    }
  } else if (name == "database_list") {
    SetColumns(&out, {"seq", "name", "file"});
    for (size_t i = 0; i < conn->dbs.size(); i++) {
      const DatabaseImpl* d = conn->dbs[i].impl();
      if (!d) continue;  // temp before its first use
      out.rows.push_back({Value::Integer(static_cast<int64_t>(i)), Value::Text(conn->dbs[i].name),
                          Value::Text(FilePathOf(*d))});
    }
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
  int db = -1;  // PRAGMA schema.name
  if (p.name.schema) {
    db = conn->FindDb(p.name.schema->name);
    if (db < 0) {
      conn->error_offset = static_cast<int>(p.name.schema->span.offset);
      return Err("unknown database " + p.name.schema->name);
    }
  }
  auto holder = std::make_shared<RowsHolder>();
  const bool has_value = p.value_kind != parser::PragmaStmt::ValueKind::kNone;
  const std::string value = p.value;
  if (has_value && CookieField(*const_cast<Schema*>(schema.get()), name)) {
    // user_version, schema_version, application_id = N: written to the catalog cookie.
    int64_t v = PragmaInt32(value);
    prog->writes = true;
    prog->write_db = std::max(db, 0);
    prog->run = [conn, v, name, db](Exec&) -> Status {
      DOSQL_ASSIGN_OR_RETURN(auto s, MutableSchema(conn, std::max(db, 0)));
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
  DOSQL_ASSIGN_OR_RETURN(PragmaRows r, PragmaQuery(conn, db, nullptr, name, arg));
  if (r.columns.empty()) return prog;
  prog->columns = std::move(r.columns);
  prog->run = [conn, db, name, arg, holder](Exec& ex) -> Status {
    DOSQL_ASSIGN_OR_RETURN(PragmaRows rows, PragmaQuery(conn, db, ex.data, name, arg));
    holder->rows = std::move(rows.rows);
    return Status::OK();
  };
  prog->rows = std::make_unique<DeferredRows>(holder);
  return prog;
}

}  // namespace

Result<std::shared_ptr<Schema>> MutableSchema(ConnectionImpl* conn, int db) {
  db = conn->Canonical(db);
  DOSQL_RETURN_IF_ERROR(conn->EnsureWrite(db));
  DbSlot& slot = conn->dbs[static_cast<size_t>(db)];
  if (!slot.txn_schema) {
    auto cur = conn->SlotSchema(db);
    slot.txn_schema = std::make_shared<Schema>(*cur);
  }
  return slot.txn_schema;
}

Status WriteCatalogRow(ConnectionImpl* conn, Schema& schema, int64_t id, std::string_view type,
                       std::string_view name, std::string_view tbl_name, int64_t root,
                       const std::string* sql) {
  if (schema.catalog_tree == 0) {
    DOSQL_ASSIGN_OR_RETURN(
        schema.catalog_tree,
        conn->router.CreateTree(schema.db_tag, transaction::TreeKind::kInternal));
  }
  // The catalog stores the store's own tree id (rootpage), not the engine's tagged one.
  std::vector<Value> rec{
      Value::Text(std::string(type)), Value::Text(std::string(name)),
      Value::Text(std::string(tbl_name)),
      Value::Integer(static_cast<int64_t>(RawTreeId(static_cast<uint64_t>(root)))),
      sql ? Value::Text(*sql) : Value()};
  return conn->router.Put(schema.catalog_tree, RowidKey(id), EncodeRecord(rec));
}

Status BumpSchemaCookie(ConnectionImpl* conn, Schema& schema) {
  if (schema.catalog_tree == 0) {
    DOSQL_ASSIGN_OR_RETURN(
        schema.catalog_tree,
        conn->router.CreateTree(schema.db_tag, transaction::TreeKind::kInternal));
  }
  schema.schema_version++;
  std::vector<Value> rec{Value::Integer(schema.user_version), Value::Integer(schema.schema_version),
                         Value::Integer(schema.application_id)};
  return conn->router.Put(schema.catalog_tree, RowidKey(0), EncodeRecord(rec));
}

namespace {

// The database a CREATE puts its object in (SQLite's sqlite3TwoPartName): the named one, temp
// for TEMP, else main.
Result<int> CreateDb(ConnectionImpl* conn, const parser::QualifiedName& name, bool temporary,
                     std::string_view what) {
  if (!name.schema) return temporary ? ConnectionImpl::kTemp : ConnectionImpl::kMain;
  int db = conn->FindDb(name.schema->name);
  if (temporary && db != ConnectionImpl::kTemp) {
    (void)what;
    return Err("temporary table name must be unqualified");
  }
  if (db < 0) {
    conn->error_offset = static_cast<int>(name.schema->span.offset);
    return Err("unknown database " + name.schema->name);
  }
  return db;
}

// SQLite's sqlite3FixSrcList: the body of a view or trigger of a non-TEMP database may name
// only that database's objects.
Status CheckFixed(ConnectionImpl* conn, const parser::Statement& s, int db, std::string_view what,
                  const std::string& name) {
  if (db == ConnectionImpl::kTemp) return Status::OK();
  std::vector<const parser::Identifier*> quals = SchemaQualifiers(s);
  if (s.Is<parser::CreateTriggerStmt>() && s.As<parser::CreateTriggerStmt>().table_schema) {
    quals.insert(quals.begin(), &*s.As<parser::CreateTriggerStmt>().table_schema);
  }
  for (const parser::Identifier* q : quals) {
    if (conn->FindDb(q->name) != db) {
      return Err(std::string(what) + " " + name + " cannot reference objects in database " +
                 q->name);
    }
  }
  return Status::OK();
}

// An operand of ATTACH / DETACH: an expression in which a bare identifier means its own name.
Result<std::shared_ptr<CExpr>> AttachOperand(PlanContext& ctx, const parser::Expr& e) {
  if (e.Is<parser::ColumnRef>()) {
    const auto& c = e.As<parser::ColumnRef>();
    if (!c.table && !c.schema) return std::shared_ptr<CExpr>(MakeConst(Value::Text(c.column.name)));
  }
  Scope scope;
  DOSQL_ASSIGN_OR_RETURN(CExprPtr ce, CompileExpr(ctx, scope, e));
  return std::shared_ptr<CExpr>(std::move(ce));
}

Result<std::string> EvalAttachOperand(Exec& ex, const CExpr& e) {
  Value v;
  DOSQL_RETURN_IF_ERROR(e.Eval(ex, &v));
  std::string out;
  if (!v.is_null()) AppendValueText(v, &out);
  return out;
}

}  // namespace

namespace {

// Whether evaluating `e` cannot fail at run time: columns, literals, parameters and operators
// without error cases (SQLite's arithmetic turns overflow into REAL and division by zero into
// NULL). Functions, subqueries, LIKE and the JSON operators can fail.
bool CannotFail(const parser::Expr* e) {
  if (!e) return true;
  if (e->Is<parser::Literal>() || e->Is<parser::ColumnRef>() || e->Is<parser::Parameter>()) {
    return true;
  }
  if (e->Is<parser::UnaryExpr>()) return CannotFail(e->As<parser::UnaryExpr>().operand.get());
  if (e->Is<parser::BinaryExpr>()) {
    const auto& b = e->As<parser::BinaryExpr>();
    if (b.op == parser::BinaryOp::kJsonExtract || b.op == parser::BinaryOp::kJsonExtractText) {
      return false;
    }
    return CannotFail(b.left.get()) && CannotFail(b.right.get());
  }
  if (e->Is<parser::NullTestExpr>()) return CannotFail(e->As<parser::NullTestExpr>().operand.get());
  if (e->Is<parser::BetweenExpr>()) {
    const auto& b = e->As<parser::BetweenExpr>();
    return CannotFail(b.operand.get()) && CannotFail(b.low.get()) && CannotFail(b.high.get());
  }
  if (e->Is<parser::CastExpr>()) return CannotFail(e->As<parser::CastExpr>().operand.get());
  if (e->Is<parser::CaseExpr>()) {
    const auto& c = e->As<parser::CaseExpr>();
    if (!CannotFail(c.operand.get()) || !CannotFail(c.else_result.get())) return false;
    for (const auto& w : c.whens) {
      if (!CannotFail(w.condition.get()) || !CannotFail(w.result.get())) return false;
    }
    return true;
  }
  return false;
}

// Whether computing the index entries of a row of `t` cannot fail: no expression or partial
// index (their expressions can), no user collation (its labels are looked up).
bool IndexEntriesCannotFail(const TableInfo& t) {
  for (const auto& idx : t.indexes) {
    if (idx->where) return false;
    for (const IndexColumn& ic : idx->columns) {
      if (ic.column == -1 || ic.collation.is_user()) return false;
    }
  }
  return true;
}

// Whether a one-row INSERT (no UPSERT, no trigger on `t`) cannot fail once it has written:
// its checks come before its writes, except that REPLACE deletes a conflicting row and goes on
// checking. Under a statement-level REPLACE every conflict is resolved by deleting (nothing
// fails after), given index entries that cannot fail to compute; otherwise no constraint of
// the table may be declared ON CONFLICT REPLACE.
bool OneRowInsertWithoutUndo(const TableInfo* t, bool replace) {
  if (!t) return false;
  if (replace && !IndexEntriesCannotFail(*t)) return false;
  return replace || !t->DeclaresReplace();
}

// Whether an UPDATE or DELETE cannot fail once it has written a row, so that, as SQLite without
// a statement journal, it needs no statement savepoint to undo a partial run:
// - no RETURNING (evaluated after the write), no trigger on the table, and no index entry that
//   could fail to compute (expressions, partial indexes, user collations);
// - DELETE: nothing else can fail after the rows are found;
// - UPDATE without FROM or REPLACE conflict handling (which deletes rows before the remaining
//   checks): either it writes at most one row (`WHERE rowid = <literal or parameter>`: every
//   check comes before the write), or its SET list cannot fail — each value CannotFail() and
//   each column is free of NOT NULL, UNIQUE, CHECK, STRICT and generated columns, and is not
//   the rowid.
// Foreign keys, when on, still take the savepoint (Statement::Step).
bool WriteWithoutUndo(ConnectionImpl* conn, int db, const parser::Statement& s) {
  const parser::UpdateStmt* up = s.Is<parser::UpdateStmt>() ? &s.As<parser::UpdateStmt>() : nullptr;
  const parser::DeleteStmt* del = s.Is<parser::DeleteStmt>() ? &s.As<parser::DeleteStmt>() : nullptr;
  if (!up && !del) return false;
  const parser::QualifiedTableName& target = up ? up->table : del->table;
  if (up ? up->with.get() : del->with.get()) return false;
  if (!(up ? up->returning : del->returning).empty()) return false;
  const TableInfo* t = conn->SlotSchema(db)->FindTable(target.name.name.name);
  if (!t || t->without_rowid) return false;
  const std::string lname = Lower(t->name);
  for (int i : {db, static_cast<int>(ConnectionImpl::kTemp)}) {
    for (const auto& [n, tr] : conn->SlotSchema(i)->triggers) {
      if (tr->table == lname) return false;
    }
  }
  if (!IndexEntriesCannotFail(*t)) return false;
  if (del) return true;
  if (up->from || up->conflict == parser::ConflictAction::kReplace || t->DeclaresReplace()) {
    return false;
  }
  for (const auto& c : t->columns) {
    if (c.not_null_conflict == parser::ConflictAction::kReplace) return false;
  }
  // At most one row: every check of that row comes before its write.
  auto is_key = [&](const parser::Expr& e) {
    if (!e.Is<parser::ColumnRef>()) return false;
    const auto& c = e.As<parser::ColumnRef>();
    if (c.schema) return false;
    const std::string& name = c.column.name;
    int col = t->FindColumn(name);
    return col >= 0 ? col == t->rowid_alias : IsRowidName(name);
  };
  auto is_value = [](const parser::Expr& e) {
    return e.Is<parser::Parameter>() || e.Is<parser::Literal>();
  };
  const parser::Expr* where = up->where.get();
  if (where && where->Is<parser::BinaryExpr>() && up->order_by.empty() && !up->limit) {
    const auto& eq = where->As<parser::BinaryExpr>();
    if (eq.op == parser::BinaryOp::kEq &&
        ((is_key(*eq.left) && is_value(*eq.right)) || (is_value(*eq.left) && is_key(*eq.right)))) {
      return true;
    }
  }
  // Many rows: nothing in the SET list can fail.
  if (t->strict || !t->checks.empty()) return false;
  for (const auto& c : t->columns) {
    if (c.generated) return false;
  }
  for (const auto& sc : up->set) {
    if (sc.columns.size() != 1 || !CannotFail(sc.value.get())) return false;
    int col = t->FindColumn(sc.columns[0].name);
    if (col < 0 || col == t->rowid_alias || t->columns[col].not_null) return false;
    for (const auto& idx : t->indexes) {
      if (!idx->unique) continue;
      for (const IndexColumn& ic : idx->columns) {
        if (ic.column == col) return false;
      }
    }
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<Program>> Compile(ConnectionImpl* conn, const parser::Statement& stmt,
                                         std::string_view sql) {
  auto schema = conn->CurrentSchema();
  using T = parser::NodeType;
  const parser::Statement* s = &stmt;
  switch (s->type()) {
    case T::kSelectStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->ctx->read_only_statement = true;
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
          // As SQLite: the write lock of every database (the temp one once it exists).
          for (size_t i = 0; i < conn->dbs.size(); i++) {
            if (!conn->dbs[i].db) continue;
            Status st = conn->EnsureWrite(static_cast<int>(i));
            if (!st.ok()) {
              conn->RollbackTxn();
              return st;
            }
          }
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
            if (conn->InWriteTxn()) {
              DOSQL_RETURN_IF_ERROR(conn->RollbackTo(conn->savepoints[i].handle));
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
        DOSQL_ASSIGN_OR_RETURN(uint32_t h, conn->Savepoint());
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
            if (conn->InWriteTxn())
              DOSQL_RETURN_IF_ERROR(conn->Release(conn->savepoints[i].handle));
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
      DOSQL_ASSIGN_OR_RETURN(int db, CreateDb(conn, ct.name, ct.temporary, "table"));
      if (Lower(n).rfind("sqlite_", 0) == 0) {
        return Err("object name reserved for internal use: " + n);
      }
      auto target = conn->SlotSchema(db);
      if (!ct.if_not_exists && (target->FindTable(n) || target->FindView(n))) {
        conn->error_offset = static_cast<int>(ct.name.name.span.offset);
        return Err("table " + n + " already exists");
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      prog->write_db = db;
      const auto* cs = &s->As<parser::CreateTableStmt>();
      std::string text(sql);
      prog->run = [conn, cs, text, db](Exec& ex) {
        return ExecCreateTable(conn, ex, *cs, text, db);
      };
      return prog;
    }
    case T::kCreateIndexStmt: {
      const auto& ci = s->As<parser::CreateIndexStmt>();
      DOSQL_ASSIGN_OR_RETURN(int db, CreateDb(conn, ci.name, false, "index"));
      if (!ci.name.schema) {
        // An unqualified index on a TEMP table goes with it.
        auto ctx = NewPlanContext(conn, schema);
        if (LookupObject(*ctx, std::nullopt, ci.table.name).db == ConnectionImpl::kTemp) {
          db = ConnectionImpl::kTemp;
        }
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      prog->write_db = db;
      const auto* cs = &ci;
      std::string text(sql);
      prog->run = [conn, cs, text, db](Exec& ex) {
        return ExecCreateIndex(conn, ex, *cs, text, db);
      };
      return prog;
    }
    case T::kCreateViewStmt: {
      const auto& cv = s->As<parser::CreateViewStmt>();
      DOSQL_ASSIGN_OR_RETURN(int db, CreateDb(conn, cv.name, cv.temporary, "view"));
      DOSQL_RETURN_IF_ERROR(CheckFixed(conn, cv, db, "view", cv.name.name.name));
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      prog->write_db = db;
      const auto* cs = &cv;
      std::string text(sql);
      prog->run = [conn, cs, text, db](Exec&) { return ExecCreateView(conn, *cs, text, db); };
      return prog;
    }
    case T::kCreateTriggerStmt: {
      const auto& ct = s->As<parser::CreateTriggerStmt>();
      int db = ConnectionImpl::kTemp;
      if (ct.temporary) {
        if (ct.name.schema) return Err("temporary trigger may not have qualified name");
      } else {
        DOSQL_ASSIGN_OR_RETURN(db, CreateDb(conn, ct.name, false, "trigger"));
      }
      auto ctx = NewPlanContext(conn, schema);
      if (db != ConnectionImpl::kTemp && !ct.name.schema &&
          LookupObject(*ctx, ct.table_schema, ct.table.name).db == ConnectionImpl::kTemp) {
        db = ConnectionImpl::kTemp;  // an unqualified trigger on a TEMP table is TEMP
      }
      bool found;
      if (db == ConnectionImpl::kTemp) {
        NamedObject obj = LookupObject(*ctx, ct.table_schema, ct.table.name);
        found = obj.table || obj.view;
      } else {
        auto target = conn->SlotSchema(db);
        found = target->FindTable(ct.table.name) || target->FindView(ct.table.name) ||
                (ct.table_schema && conn->FindDb(ct.table_schema->name) != db);
      }
      DOSQL_RETURN_IF_ERROR(CheckFixed(conn, ct, db, "trigger", ct.name.name.name));
      if (!found) {
        conn->error_offset = static_cast<int>(ct.table.span.offset);
        std::string where =
            ct.table_schema ? ct.table_schema->name : conn->dbs[static_cast<size_t>(db)].name;
        return Err("no such table: " + where + "." + ct.table.name);
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      prog->write_db = db;
      const auto* cs = &ct;
      std::string text(sql);
      prog->run = [conn, cs, text, db](Exec&) { return ExecCreateTrigger(conn, *cs, text, db); };
      return prog;
    }
    case T::kDropStmt: {
      const auto& d = s->As<parser::DropStmt>();
      const std::string& n = d.name.name.name;
      using K = parser::DropStmt::ObjectKind;
      // The database holding the object: the named one, or the first in SQLite's order; for
      // DROP TABLE / DROP VIEW one with the other kind of the name (the wrong DROP is reported
      // when it runs).
      auto has = [&](int i, bool other) {
        auto sc = conn->SlotSchema(i);
        switch (d.object) {
          case K::kTable:
            return other ? sc->FindView(n) != nullptr : sc->FindTable(n) != nullptr;
          case K::kView:
            return other ? sc->FindTable(n) != nullptr : sc->FindView(n) != nullptr;
          case K::kIndex:
            return !other && sc->FindIndex(n) != nullptr;
          default:
            return !other && sc->triggers.count(Lower(n)) > 0;
        }
      };
      std::vector<int> where;
      if (d.name.schema) {
        int i = conn->FindDb(d.name.schema->name);
        if (i >= 0) where.push_back(i);
      } else {
        where = SearchOrder(conn);
      }
      int db = -1;
      for (bool other : {false, true}) {
        for (int i : where) {
          if (db < 0 && has(i, other)) db = i;
        }
      }
      if (db < 0) {
        if (d.if_exists) {
          auto prog = std::make_unique<Program>();
          prog->ctx = NewPlanContext(conn, schema);
          return prog;  // nothing to drop
        }
        conn->error_offset = static_cast<int>(d.name.name.span.offset);
        const char* what = d.object == K::kTable ? "table" : d.object == K::kView ? "view"
                           : d.object == K::kIndex ? "index" : "trigger";
        if (d.object == K::kTable && !d.name.schema &&
            (IEquals(n, "sqlite_schema") || IEquals(n, "sqlite_master"))) {
          return Err("table " + n + " may not be dropped");
        }
        return Err(std::string("no such ") + what + ": " +
                   (d.name.schema ? d.name.schema->name + "." : "") + n);
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      prog->write_db = db;
      const auto* ds = &d;
      prog->run = [conn, ds, db](Exec& ex) { return ExecDrop(conn, ex, *ds, db); };
      return prog;
    }
    case T::kAlterTableStmt: {
      const auto& as = s->As<parser::AlterTableStmt>();
      int db = ConnectionImpl::kMain;
      {
        auto ctx = NewPlanContext(conn, schema);
        NamedObject obj = LookupObject(*ctx, as.table.schema, as.table.name.name);
        if (obj.table || obj.view) {
          db = obj.db;
        } else {
          return Err(
              "no such table: " + (as.table.schema ? as.table.schema->name + "." : std::string()) +
              as.table.name.name);
        }
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      prog->write_db = db;
      const auto* ap = &as;
      std::string text(sql);
      prog->run = [conn, ap, text, db](Exec& ex) { return ExecAlter(conn, ex, *ap, text, db); };
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
        bool known =
            conn->FindDb(n) >= 0 || IEquals(n, "sqlite_schema") || IEquals(n, "sqlite_master");
        for (int i : SearchOrder(conn)) {
          auto sc = conn->SlotSchema(i);
          known = known || sc->FindTable(n) || sc->FindIndex(n);
        }
        if (!known) return Err("no such table: " + n);
      }
      prog->run = [conn, as](Exec& ex) { return ExecAnalyze(conn, ex, *as); };
      return prog;
    }
    case T::kVacuumStmt: {
      const auto& vs = s->As<parser::VacuumStmt>();
      if (vs.into) return Status::NotSupported("VACUUM INTO is not supported");
      int db = ConnectionImpl::kMain;
      if (vs.schema) {
        db = conn->FindDb(vs.schema->name);
        if (db < 0) return Err("unknown database " + vs.schema->name);
      }
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      // dosql's VACUUM: write the newest version out (checkpoint), then compact the data
      // segments, deleting those no snapshot uses and rewriting mostly-empty ones.
      prog->run = [conn, db](Exec&) -> Status {
        if (conn->explicit_txn || conn->InWriteTxn()) {
          return Status::InvalidArgument("cannot VACUUM from within a transaction");
        }
        DatabaseImpl* d = conn->dbs[static_cast<size_t>(db)].impl();
        if (!d) return Status::OK();  // temp before its first use
        DOSQL_RETURN_IF_ERROR(d->store->Checkpoint());
        return d->store->Compact();
      };
      return prog;
    }
    case T::kInsertStmt:
    case T::kUpdateStmt:
    case T::kDeleteStmt: {
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      prog->writes = true;
      {
        const parser::QualifiedName& target =
            s->Is<parser::InsertStmt>()   ? s->As<parser::InsertStmt>().table
            : s->Is<parser::UpdateStmt>() ? s->As<parser::UpdateStmt>().table.name
                                          : s->As<parser::DeleteStmt>().table.name;
        NamedObject obj = LookupObject(*prog->ctx, target.schema, target.name.name);
        if (obj.db >= 0) prog->write_db = obj.db;
      }
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
        auto target = conn->SlotSchema(prog->write_db);
        for (int i : {prog->write_db, static_cast<int>(ConnectionImpl::kTemp)}) {
          for (const auto& [n, tr] : conn->SlotSchema(i)->triggers) {
            if (tr->table == Lower(ins.table.name.name)) has_triggers = true;
          }
        }
        if (one_row && ins.upserts.empty() && !has_triggers &&
            OneRowInsertWithoutUndo(target->FindTable(ins.table.name.name),
                                    ins.replace || ins.conflict == parser::ConflictAction::kReplace)) {
          prog->needs_statement_savepoint = false;
        }
      } else if (WriteWithoutUndo(conn, prog->write_db, *s)) {
        prog->needs_statement_savepoint = false;
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
    case T::kAttachStmt: {
      const auto& at = s->As<parser::AttachStmt>();
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      DOSQL_ASSIGN_OR_RETURN(auto file, AttachOperand(*prog->ctx, *at.file));
      DOSQL_ASSIGN_OR_RETURN(auto name, AttachOperand(*prog->ctx, *at.schema_name));
      if (at.key) return Status::NotSupported("ATTACH ... KEY is not supported");
      prog->run = [conn, file, name](Exec& ex) -> Status {
        DOSQL_ASSIGN_OR_RETURN(std::string f, EvalAttachOperand(ex, *file));
        DOSQL_ASSIGN_OR_RETURN(std::string n, EvalAttachOperand(ex, *name));
        return conn->Attach(f, n);
      };
      return prog;
    }
    case T::kDetachStmt: {
      const auto& dt = s->As<parser::DetachStmt>();
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
      DOSQL_ASSIGN_OR_RETURN(auto name, AttachOperand(*prog->ctx, *dt.schema_name));
      prog->run = [conn, name](Exec& ex) -> Status {
        DOSQL_ASSIGN_OR_RETURN(std::string n, EvalAttachOperand(ex, *name));
        return conn->Detach(n);
      };
      return prog;
    }
    default:
      return Status::NotSupported(std::string(parser::NodeTypeName(s->type())) +
                                  " is not supported yet");
  }
}

}  // namespace dosql::engine
