// CREATE / DROP / ALTER / REINDEX: catalog rows, trees, and the in-memory Schema.
#include <algorithm>

#include "conn.h"
#include "fkey.h"
#include "rename.h"
#include "dosql/core/record.h"
#include "dosql/parser/parser.h"

namespace dosql::engine {

namespace {

Status Err(std::string m) { return Status::InvalidArgument(std::move(m)); }

std::string TrimEnd(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == ';')) {
    s.pop_back();
  }
  return s;
}

// SQLite stores "CREATE <KIND> " followed by the statement text from the object's name on.
std::string CatalogText(std::string_view prefix, std::string_view sql, const parser::Statement& st,
                        uint32_t name_offset) {
  uint32_t end = std::min<uint32_t>(st.span.end, static_cast<uint32_t>(sql.size()));
  if (name_offset > end) return std::string(prefix);
  return TrimEnd(std::string(prefix) + std::string(sql.substr(name_offset, end - name_offset)));
}

Status CheckName(const Schema& s, const std::string& name, std::string_view what) {
  if (Lower(name).rfind("sqlite_", 0) == 0) {
    return Err("object name reserved for internal use: " + name);
  }
  if (s.FindTable(name) || s.FindView(name)) {
    return Err(std::string(what) + " " + name + " already exists");
  }
  if (s.FindIndex(name)) return Err("there is already an index named " + name);
  return Status::OK();
}

std::string DeclTypeFor(Affinity a) {
  switch (a) {
    case Affinity::kInteger: return "INT";
    case Affinity::kReal: return "REAL";
    case Affinity::kText: return "TEXT";
    case Affinity::kNumeric: return "NUM";
    default: return "";
  }
}

std::string QuoteIdent(const std::string& n) {
  bool plain = !n.empty() && !(n[0] >= '0' && n[0] <= '9');
  for (char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      plain = false;
    }
  }
  static const char* kw[] = {"select", "from", "where", "table", "index", "order", "group",
                             "values", "default", "check", "primary", "unique", "key"};
  for (const char* k : kw) {
    if (Lower(n) == k) plain = false;
  }
  if (plain) return n;
  std::string out = "\"";
  for (char c : n) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

Result<std::shared_ptr<parser::Statement>> Reparse(const std::string& sql) {
  DOSQL_ASSIGN_OR_RETURN(auto p, parser::ParseOne(sql));
  if (!p.statement) return Status::Internal("empty statement");
  return std::shared_ptr<parser::Statement>(std::move(p.statement));
}

// A table being created names collations: each must be registered on this connection (SQLite
// fails CREATE TABLE with "no such collation sequence"; an existing schema may name unknown
// ones, which only the statements that need them fail on).
Status CheckCollationsKnown(ConnectionImpl* conn, const TableInfo& t) {
  for (const auto& c : t.columns) {
    if (c.collation.unresolved()) DOSQL_RETURN_IF_ERROR(conn->ResolveCollation(c.collation).status());
  }
  for (const auto& idx : t.indexes) {
    for (const auto& ic : idx->columns) {
      if (ic.collation.unresolved()) {
        DOSQL_RETURN_IF_ERROR(conn->ResolveCollation(ic.collation).status());
      }
    }
  }
  return Status::OK();
}

}  // namespace

// Creates the trees and catalog rows of a table built from `sql`.
Status InstallTable(ConnectionImpl* conn, Schema& schema, const std::string& sql,
                    std::shared_ptr<TableInfo>* out) {
  DOSQL_ASSIGN_OR_RETURN(auto stmt, Reparse(sql));
  DOSQL_ASSIGN_OR_RETURN(auto t, BuildTable(stmt, sql));
  DOSQL_RETURN_IF_ERROR(CheckCollationsKnown(conn, *t));
  DOSQL_ASSIGN_OR_RETURN(t->tree,
                         conn->router.CreateTree(schema.db_tag, transaction::TreeKind::kRowid));
  t->catalog_id = schema.next_catalog_id++;
  DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, schema, t->catalog_id, "table", t->name, t->name,
                                        static_cast<int64_t>(t->tree), &t->sql));
  for (auto& idx : t->indexes) {
    DOSQL_ASSIGN_OR_RETURN(idx->tree,
                           conn->router.CreateTree(schema.db_tag, transaction::TreeKind::kIndex));
    idx->catalog_id = schema.next_catalog_id++;
    DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, schema, idx->catalog_id, "index", idx->name,
                                          t->name, static_cast<int64_t>(idx->tree), nullptr));
    schema.indexes[Lower(idx->name)] = idx;
  }
  schema.tables[Lower(t->name)] = t;
  *out = t;
  return Status::OK();
}

Status ExecCreateTable(ConnectionImpl* conn, Exec& ex, const parser::CreateTableStmt& s,
                       std::string_view sql, int db) {
  DOSQL_ASSIGN_OR_RETURN(auto schema, MutableSchema(conn, db));
  const std::string name = s.name.name.name;
  if (schema->FindTable(name) || schema->FindView(name) || schema->FindIndex(name) ||
      Lower(name) == "sqlite_schema" || Lower(name) == "sqlite_master") {
    if (s.if_not_exists && !schema->FindIndex(name)) return Status::OK();
    if (schema->FindIndex(name)) return Err("there is already an index named " + name);
    return Err("table " + name + " already exists");
  }
  DOSQL_RETURN_IF_ERROR(CheckName(*schema, name, "table"));
  std::string text;
  CompiledQuery q;
  std::unique_ptr<PlanContext> qctx;
  if (s.as_select) {
    qctx = NewPlanContext(conn, schema);
    DOSQL_ASSIGN_OR_RETURN(q, PlanSelect(*qctx, *s.as_select, nullptr, sql));
    // SQLite's createTableStmt(): one line when short, else one column per line.
    size_t n = 0;
    auto ident_len = [](const std::string& z) {
      size_t k = 2;
      for (char ch : z) k += ch == '"' ? 2 : 1;
      return k;
    };
    for (const auto& c : q.columns) n += ident_len(c.name) + 5;
    n += ident_len(name);
    std::string sep = n < 50 ? "" : "\n  ";
    std::string sep2 = n < 50 ? "," : ",\n  ";
    std::string end = n < 50 ? ")" : "\n)";
    text = "CREATE TABLE " + QuoteIdent(name) + "(";
    for (size_t i = 0; i < q.columns.size(); i++) {
      text += i ? sep2 : sep;
      text += QuoteIdent(q.columns[i].name);
      std::string ty = DeclTypeFor(q.columns[i].affinity);
      if (!ty.empty()) text += " " + ty;
    }
    text += end;
  } else {
    text = CatalogText("CREATE TABLE ", sql, s, s.name.name.span.offset);
  }
  std::shared_ptr<TableInfo> t;
  DOSQL_RETURN_IF_ERROR(InstallTable(conn, *schema, text, &t));
  if (t->autoincrement && !schema->FindTable("sqlite_sequence")) {
    std::shared_ptr<TableInfo> seq;
    DOSQL_RETURN_IF_ERROR(
        InstallTable(conn, *schema, "CREATE TABLE sqlite_sequence(name,seq)", &seq));
  }
  DOSQL_RETURN_IF_ERROR(BumpSchemaCookie(conn, *schema));
  if (s.as_select) {
    // Fill it: rows get rowids 1, 2, ... in order.
    if (ex.frames.size() < static_cast<size_t>(qctx->max_level + 1)) {
      ex.frames.resize(static_cast<size_t>(qctx->max_level + 1), nullptr);
    }
    DOSQL_RETURN_IF_ERROR(q.src->Open(ex));
    int64_t rowid = 0;
    while (true) {
      Row r;
      DOSQL_ASSIGN_OR_RETURN(bool ok, q.src->Next(ex, &r));
      if (!ok) break;
      for (size_t i = 0; i < r.size() && i < t->columns.size(); i++) {
        ApplyAffinity(&r[i], t->columns[i].affinity);
      }
      DOSQL_RETURN_IF_ERROR(conn->router.Put(t->tree, RowidKey(++rowid), EncodeRecord(r)));
    }
  }
  return Status::OK();
}

Status ExecCreateIndex(ConnectionImpl* conn, Exec& ex, const parser::CreateIndexStmt& s,
                       std::string_view sql, int db) {
  (void)ex;
  DOSQL_ASSIGN_OR_RETURN(auto schema, MutableSchema(conn, db));
  const std::string name = s.name.name.name;
  if (s.using_method) return Status::NotSupported("index methods (USING) are not supported yet");
  if (schema->FindIndex(name)) {
    if (s.if_not_exists) return Status::OK();
    return Err("index " + name + " already exists");
  }
  if (schema->FindTable(name) || schema->FindView(name)) {
    return Err("there is already a table named " + name);
  }
  if (Lower(name).rfind("sqlite_", 0) == 0) {
    return Err("object name reserved for internal use: " + name);
  }
  auto it = schema->tables.find(Lower(s.table.name));
  if (it == schema->tables.end()) {
    if (schema->FindView(s.table.name)) return Err("views may not be indexed");
    return Err("no such table: " + conn->dbs[static_cast<size_t>(db)].name + "." + s.table.name);
  }
  std::string text = CatalogText(s.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ", sql, s,
                                 s.name.name.span.offset);
  DOSQL_ASSIGN_OR_RETURN(auto stmt, Reparse(text));
  // The table gets a new TableInfo (schemas share objects; never mutate a published one).
  auto t = std::make_shared<TableInfo>(*it->second);
  DOSQL_ASSIGN_OR_RETURN(auto idx, BuildIndex(*t, stmt, text));
  DOSQL_ASSIGN_OR_RETURN(idx->tree,
                         conn->router.CreateTree(schema->db_tag, transaction::TreeKind::kIndex));
  idx->catalog_id = schema->next_catalog_id++;
  t->indexes.push_back(idx);
  schema->tables[Lower(t->name)] = t;
  schema->indexes[Lower(idx->name)] = idx;
  DOSQL_RETURN_IF_ERROR(PopulateIndex(conn, *t, t->indexes.size() - 1));
  DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, *schema, idx->catalog_id, "index", idx->name, t->name,
                                        static_cast<int64_t>(idx->tree), &idx->sql));
  return BumpSchemaCookie(conn, *schema);
}

Status ExecCreateView(ConnectionImpl* conn, const parser::CreateViewStmt& s, std::string_view sql,
                      int db) {
  DOSQL_ASSIGN_OR_RETURN(auto schema, MutableSchema(conn, db));
  const std::string name = s.name.name.name;
  if (schema->FindView(name)) {
    if (s.if_not_exists) return Status::OK();
    return Err("view " + name + " already exists");
  }
  if (schema->FindTable(name) || schema->FindIndex(name)) {
    if (s.if_not_exists) return Status::OK();
    return Err("table " + name + " already exists");
  }
  DOSQL_RETURN_IF_ERROR(CheckName(*schema, name, "view"));
  std::string text = CatalogText("CREATE VIEW ", sql, s, s.name.name.span.offset);
  DOSQL_ASSIGN_OR_RETURN(auto stmt, Reparse(text));
  auto v = std::make_shared<ViewInfo>();
  const auto& cv = stmt->As<parser::CreateViewStmt>();
  v->name = name;
  for (const auto& c : cv.columns) v->columns.push_back(c.name);
  v->select = cv.select.get();
  v->stmt = stmt;
  v->sql = text;
  v->catalog_id = schema->next_catalog_id++;
  DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, *schema, v->catalog_id, "view", name, name, 0, &v->sql));
  schema->views[Lower(name)] = v;
  return BumpSchemaCookie(conn, *schema);
}

Status ExecCreateTrigger(ConnectionImpl* conn, const parser::CreateTriggerStmt& s,
                         std::string_view sql, int db) {
  DOSQL_ASSIGN_OR_RETURN(auto schema, MutableSchema(conn, db));
  const std::string name = s.name.name.name;
  if (schema->triggers.count(Lower(name))) {
    if (s.if_not_exists) return Status::OK();
    return Err("trigger " + name + " already exists");
  }
  if (Lower(name).rfind("sqlite_", 0) == 0) {
    return Err("object name reserved for internal use: " + name);
  }
  // A TEMP trigger may be on a table of any database; the others on one of their own.
  int table_db = db;
  if (db == ConnectionImpl::kTemp) {
    auto ctx = NewPlanContext(conn, conn->CurrentSchema());
    NamedObject obj = LookupObject(*ctx, s.table_schema, s.table.name);
    if (obj.db >= 0) table_db = obj.db;
  }
  auto table_schema =
      table_db == db ? std::shared_ptr<const Schema>(schema) : conn->SlotSchema(table_db);
  const std::string& table_db_name = conn->dbs[static_cast<size_t>(table_db)].name;
  const TableInfo* t = table_schema->FindTable(s.table.name);
  const ViewInfo* v = table_schema->FindView(s.table.name);
  if (!t && !v) return Err("no such table: " + table_db_name + "." + s.table.name);
  if (v && s.timing != parser::CreateTriggerStmt::Timing::kInsteadOf) {
    return Err(std::string("cannot create ") +
               (s.timing == parser::CreateTriggerStmt::Timing::kAfter ? "AFTER" : "BEFORE") +
               " trigger on view: " + table_db_name + "." + s.table.name);
  }
  if (t && s.timing == parser::CreateTriggerStmt::Timing::kInsteadOf) {
    return Err("cannot create INSTEAD OF trigger on table: " + s.table.name);
  }
  std::string text = CatalogText("CREATE TRIGGER ", sql, s, s.name.name.span.offset);
  DOSQL_ASSIGN_OR_RETURN(auto stmt, Reparse(text));
  auto tr = std::make_shared<TriggerInfo>();
  tr->create = &stmt->As<parser::CreateTriggerStmt>();
  tr->name = name;
  tr->table = Lower(s.table.name);
  tr->db_tag = schema->db_tag;
  tr->stmt = stmt;
  tr->sql = text;
  tr->catalog_id = schema->next_catalog_id++;
  DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, *schema, tr->catalog_id, "trigger", name,
                                        t ? t->name : v->name, 0, &tr->sql));
  schema->triggers[Lower(name)] = tr;
  return BumpSchemaCookie(conn, *schema);
}

namespace {
Status DeleteCatalogRow(ConnectionImpl* conn, Schema& schema, int64_t id) {
  return conn->router.Delete(schema.catalog_tree, RowidKey(id));
}

// Drops the TEMP triggers on table `table` of database `db` (DROP TABLE drops them too).
Status DropTempTriggers(ConnectionImpl* conn, int db, const std::string& table) {
  if (db == ConnectionImpl::kTemp || !conn->dbs[ConnectionImpl::kTemp].db) return Status::OK();
  auto temp = conn->SlotSchema(ConnectionImpl::kTemp);
  auto ctx = NewPlanContext(conn, conn->CurrentSchema());
  std::vector<std::string> doomed;
  for (const auto& [n, tr] : temp->triggers) {
    if (tr->table != table) continue;
    if (LookupObject(*ctx, tr->create->table_schema, tr->table).db == db) doomed.push_back(n);
  }
  if (doomed.empty()) return Status::OK();
  DOSQL_ASSIGN_OR_RETURN(auto schema, MutableSchema(conn, ConnectionImpl::kTemp));
  for (const auto& n : doomed) {
    DOSQL_RETURN_IF_ERROR(DeleteCatalogRow(conn, *schema, schema->triggers[n]->catalog_id));
    schema->triggers.erase(n);
  }
  return BumpSchemaCookie(conn, *schema);
}
}  // namespace

Status ExecDrop(ConnectionImpl* conn, Exec& ex, const parser::DropStmt& s, int db) {
  DOSQL_ASSIGN_OR_RETURN(auto schema, MutableSchema(conn, db));
  const std::string name = s.name.name.name;
  const std::string lname = Lower(name);
  using K = parser::DropStmt::ObjectKind;
  switch (s.object) {
    case K::kTable: {
      auto it = schema->tables.find(lname);
      if (it == schema->tables.end()) {
        if (schema->FindView(name)) return Err("use DROP VIEW to delete view " + name);
        if (s.if_exists) return Status::OK();
        if (lname == "sqlite_schema" || lname == "sqlite_master") {
          return Err("table " + name + " may not be dropped");
        }
        return Err("no such table: " + name);
      }
      auto t = it->second;
      // With foreign keys on, the table is first emptied as by DELETE (sqlite3FkDropTable).
      DOSQL_RETURN_IF_ERROR(FkDropTable(conn, ex, *t));
      for (const auto& idx : t->indexes) {
        DOSQL_RETURN_IF_ERROR(conn->router.DropTree(idx->tree));
        DOSQL_RETURN_IF_ERROR(DeleteCatalogRow(conn, *schema, idx->catalog_id));
        schema->indexes.erase(Lower(idx->name));
      }
      DOSQL_RETURN_IF_ERROR(conn->router.DropTree(t->tree));
      DOSQL_RETURN_IF_ERROR(DeleteCatalogRow(conn, *schema, t->catalog_id));
      DOSQL_RETURN_IF_ERROR(DropTempTriggers(conn, db, lname));
      for (auto tit = schema->triggers.begin(); tit != schema->triggers.end();) {
        if (tit->second->table == lname) {
          DOSQL_RETURN_IF_ERROR(DeleteCatalogRow(conn, *schema, tit->second->catalog_id));
          tit = schema->triggers.erase(tit);
        } else {
          ++tit;
        }
      }
      schema->tables.erase(it);
      break;
    }
    case K::kIndex: {
      auto it = schema->indexes.find(lname);
      if (it == schema->indexes.end()) {
        if (s.if_exists) return Status::OK();
        return Err("no such index: " + name);
      }
      auto idx = it->second;
      if (idx->auto_index) {
        return Err("index associated with UNIQUE or PRIMARY KEY constraint cannot be dropped");
      }
      DOSQL_RETURN_IF_ERROR(conn->router.DropTree(idx->tree));
      DOSQL_RETURN_IF_ERROR(DeleteCatalogRow(conn, *schema, idx->catalog_id));
      auto tit = schema->tables.find(idx->table);
      if (tit != schema->tables.end()) {
        auto t = std::make_shared<TableInfo>(*tit->second);
        t->indexes.erase(std::remove(t->indexes.begin(), t->indexes.end(), idx), t->indexes.end());
        tit->second = t;
      }
      schema->indexes.erase(it);
      break;
    }
    case K::kView: {
      auto it = schema->views.find(lname);
      if (it == schema->views.end()) {
        if (schema->FindTable(name)) return Err("use DROP TABLE to delete table " + name);
        if (s.if_exists) return Status::OK();
        return Err("no such view: " + name);
      }
      DOSQL_RETURN_IF_ERROR(DeleteCatalogRow(conn, *schema, it->second->catalog_id));
      for (auto tit = schema->triggers.begin(); tit != schema->triggers.end();) {
        if (tit->second->table == lname) {
          DOSQL_RETURN_IF_ERROR(DeleteCatalogRow(conn, *schema, tit->second->catalog_id));
          tit = schema->triggers.erase(tit);
        } else {
          ++tit;
        }
      }
      schema->views.erase(it);
      break;
    }
    case K::kTrigger: {
      auto it = schema->triggers.find(lname);
      if (it == schema->triggers.end()) {
        if (s.if_exists) return Status::OK();
        return Err("no such trigger: " + name);
      }
      DOSQL_RETURN_IF_ERROR(DeleteCatalogRow(conn, *schema, it->second->catalog_id));
      schema->triggers.erase(it);
      break;
    }
  }
  return BumpSchemaCookie(conn, *schema);
}

namespace {

// Replaces [offset, offset+len) of `text` with `with`.
std::string Splice(const std::string& text, size_t offset, size_t len, const std::string& with) {
  return text.substr(0, offset) + with + text.substr(offset + len);
}

}  // namespace

Status ExecAlter(ConnectionImpl* conn, Exec& ex, const parser::AlterTableStmt& s,
                 std::string_view sql, int db) {
  (void)ex;
  DOSQL_ASSIGN_OR_RETURN(auto schema, MutableSchema(conn, db));
  const std::string name = s.table.name.name;
  auto it = schema->tables.find(Lower(name));
  if (it == schema->tables.end()) {
    if (schema->FindView(name)) return Err("Cannot alter view " + name);
    return Err("no such table: " + name);
  }
  auto old = it->second;
  const auto& ct = old->stmt->As<parser::CreateTableStmt>();
  using A = parser::AlterTableStmt::Action;
  std::string new_sql;
  std::string new_name = old->name;
  switch (s.action) {
    case A::kRenameTable: {
      new_name = s.new_name.name;
      if (Lower(new_name) != Lower(old->name) &&
          (schema->FindTable(new_name) || schema->FindView(new_name) || schema->FindIndex(new_name))) {
        return Err("there is already another table or index with this name: " + new_name);
      }
      if (Lower(new_name).rfind("sqlite_", 0) == 0) {
        return Err("object name reserved for internal use: " + new_name);
      }
      const auto& sp = ct.name.name.span;
      new_sql = Splice(old->sql, sp.offset, sp.end - sp.offset, "\"" + new_name + "\"");
      break;
    }
    case A::kAddColumn: {
      const auto& cd = *s.column;
      for (const auto& cc : cd.constraints) {
        using K = parser::ColumnConstraint::Kind;
        if (cc.kind == K::kPrimaryKey) return Err("Cannot add a PRIMARY KEY column");
        if (cc.kind == K::kUnique) return Err("Cannot add a UNIQUE column");
        if (cc.kind == K::kNotNull) {
          bool has_default = false;
          for (const auto& d : cd.constraints) {
            if (d.kind == K::kDefault && d.expr && !(d.expr->Is<parser::Literal>() &&
                d.expr->As<parser::Literal>().kind == parser::LiteralKind::kNull)) {
              has_default = true;
            }
          }
          if (!has_default) return Err("Cannot add a NOT NULL column with default value NULL");
        }
        if (cc.kind == K::kGenerated && cc.stored) return Err("cannot add a STORED column");
        if (cc.kind == K::kCollate) {
          DOSQL_RETURN_IF_ERROR(
              conn->ResolveCollation(Collation::Named(cc.collation.name)).status());
        }
      }
      if (old->FindColumn(cd.name.name) >= 0) return Err("duplicate column name: " + cd.name.name);
      std::string coldef(sql.substr(cd.span.offset, cd.span.end - cd.span.offset));
      // After the last column definition, before any table constraint (as SQLite does).
      if (ct.columns.empty()) return Status::Internal("malformed table sql");
      size_t end = ct.columns.back()->span.end;
      new_sql = old->sql.substr(0, end) + ", " + coldef + old->sql.substr(end);
      break;
    }
    case A::kRenameColumn: {
      int c = old->FindColumn(s.column_name.name);
      if (c < 0) return Err("no such column: \"" + s.column_name.name + "\"");
      if (old->FindColumn(s.new_name.name) >= 0) {
        return Err("duplicate column name: " + s.new_name.name);
      }
      // Rename the definition and every bare reference in the table's own text.
      std::vector<parser::SourceSpan> spans;
      spans.push_back(ct.columns[c]->name.span);
      auto visit_terms = [&](const std::vector<parser::OrderingTerm>& terms) {
        for (const auto& term : terms) {
          const parser::Expr* e = term.expr.get();
          while (e->Is<parser::CollateExpr>()) e = e->As<parser::CollateExpr>().operand.get();
          if (e->Is<parser::ColumnRef>() &&
              Lower(e->As<parser::ColumnRef>().column.name) == Lower(s.column_name.name)) {
            spans.push_back(e->As<parser::ColumnRef>().column.span);
          }
        }
      };
      for (const auto& tc : ct.constraints) visit_terms(tc.columns);
      std::sort(spans.begin(), spans.end(),
                [](const auto& a, const auto& b) { return a.offset > b.offset; });
      new_sql = old->sql;
      for (const auto& sp : spans) {
        new_sql = Splice(new_sql, sp.offset, sp.end - sp.offset, QuoteIdent(s.new_name.name));
      }
      break;
    }
    case A::kDropColumn: {
      int c = old->FindColumn(s.column_name.name);
      if (c < 0) return Err("no such column: \"" + s.column_name.name + "\"");
      if (old->columns[c].primary_key) {
        return Err("cannot drop PRIMARY KEY column: \"" + s.column_name.name + "\"");
      }
      for (const auto& idx : old->indexes) {
        for (const auto& ic : idx->columns) {
          if (ic.column == c) {
            return Err(std::string("cannot drop ") + (idx->auto_index ? "UNIQUE" : "indexed") +
                       " column: \"" + s.column_name.name + "\"");
          }
        }
      }
      if (old->columns.size() == 1) {
        return Err("cannot drop column \"" + s.column_name.name + "\": no other columns exist");
      }
      // Remove the definition and the comma before it (or after it, for the first column).
      const auto& cd = *ct.columns[c];
      size_t start = cd.span.offset, end = cd.span.end;
      if (c > 0) {
        size_t comma = old->sql.rfind(',', start);
        start = comma;
      } else {
        size_t comma = old->sql.find(',', end);
        end = comma + 1;
        while (end < old->sql.size() && old->sql[end] == ' ') end++;
      }
      new_sql = Splice(old->sql, start, end - start, "");
      // Rewrite every row without the column.
      std::vector<std::pair<std::string, std::string>> rows;
      {
        DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, conn->router.NewCursor(old->tree));
        DOSQL_RETURN_IF_ERROR(cur.SeekFirst());
        std::string scratch;
        while (cur.Valid()) {
          DOSQL_ASSIGN_OR_RETURN(std::string_view v, cur.value(&scratch));
          DOSQL_ASSIGN_OR_RETURN(int64_t rowid, DecodeRowidKey(cur.key()));
          std::vector<Value> vals(old->columns.size());
          DOSQL_RETURN_IF_ERROR(DecodeRowInto(*old, v, rowid, vals.data()));
          if (old->rowid_alias >= 0) vals[old->rowid_alias] = Value();
          vals.erase(vals.begin() + c);
          rows.emplace_back(std::string(cur.key()), EncodeRecord(vals));
          DOSQL_RETURN_IF_ERROR(cur.Next());
        }
      }
      for (const auto& [k, v] : rows) DOSQL_RETURN_IF_ERROR(conn->router.Put(old->tree, k, v));
      break;
    }
  }
  RenameSpec spec;
  spec.table = Lower(old->name);
  if (s.action == A::kRenameTable) spec.new_table = new_name;
  if (s.action == A::kRenameColumn) {
    spec.column = Lower(s.column_name.name);
    spec.new_column = s.new_name.name;
  }
  bool renaming = s.action == A::kRenameTable || s.action == A::kRenameColumn;
  // Rebuild the table object from the new text, keeping trees and catalog ids.
  DOSQL_ASSIGN_OR_RETURN(auto stmt, Reparse(new_sql));
  if (renaming) {
    // Its own foreign keys: a self-reference, the columns of FOREIGN KEY (...).
    std::string fixed = ApplyRename(new_sql, *stmt, spec);
    if (fixed != new_sql) {
      new_sql = std::move(fixed);
      DOSQL_ASSIGN_OR_RETURN(stmt, Reparse(new_sql));
    }
  }
  DOSQL_ASSIGN_OR_RETURN(auto t, BuildTable(stmt, new_sql));
  t->tree = old->tree;
  t->catalog_id = old->catalog_id;
  // Automatic indexes keep their trees (same constraints, same order); renamed with the table.
  for (size_t i = 0; i < t->indexes.size() && i < old->indexes.size(); i++) {
    t->indexes[i]->tree = old->indexes[i]->tree;
    t->indexes[i]->catalog_id = old->indexes[i]->catalog_id;
  }
  for (const auto& idx : old->indexes) schema->indexes.erase(Lower(idx->name));
  size_t autos = t->indexes.size();
  for (size_t i = 0; i < autos; i++) {
    const auto& idx = t->indexes[i];
    DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, *schema, idx->catalog_id, "index", idx->name,
                                          t->name, static_cast<int64_t>(idx->tree), nullptr));
    schema->indexes[Lower(idx->name)] = idx;
  }
  for (const auto& oidx : old->indexes) {
    if (oidx->auto_index) continue;
    std::string isql = renaming ? ApplyRename(oidx->sql, *oidx->stmt, spec) : oidx->sql;
    DOSQL_ASSIGN_OR_RETURN(auto istmt2, Reparse(isql));
    DOSQL_ASSIGN_OR_RETURN(auto idx, BuildIndex(*t, istmt2, isql));
    idx->tree = oidx->tree;
    idx->catalog_id = oidx->catalog_id;
    t->indexes.push_back(idx);
    schema->indexes[Lower(idx->name)] = idx;
    DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, *schema, idx->catalog_id, "index", idx->name,
                                          t->name, static_cast<int64_t>(idx->tree), &idx->sql));
  }
  DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, *schema, t->catalog_id, "table", t->name, t->name,
                                        static_cast<int64_t>(t->tree), &t->sql));
  schema->tables.erase(Lower(old->name));
  schema->tables[Lower(t->name)] = t;
  if (renaming) {
    // The REFERENCES clauses of other tables follow the parent's new name or column.
    for (auto& [n, ot] : schema->tables) {
      if (ot == t) continue;
      std::string osql = ApplyRename(ot->sql, *ot->stmt, spec);
      if (osql == ot->sql) continue;
      DOSQL_ASSIGN_OR_RETURN(auto ostmt, Reparse(osql));
      DOSQL_ASSIGN_OR_RETURN(auto nt, BuildTable(ostmt, osql));
      nt->tree = ot->tree;
      nt->catalog_id = ot->catalog_id;
      for (size_t i = 0; i < nt->indexes.size() && i < ot->indexes.size(); i++) {
        nt->indexes[i]->tree = ot->indexes[i]->tree;
        nt->indexes[i]->catalog_id = ot->indexes[i]->catalog_id;
        schema->indexes[Lower(nt->indexes[i]->name)] = nt->indexes[i];
      }
      for (const auto& idx : ot->indexes) {
        if (!idx->auto_index) nt->indexes.push_back(idx);
      }
      DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, *schema, nt->catalog_id, "table", nt->name,
                                            nt->name, static_cast<int64_t>(nt->tree), &nt->sql));
      ot = nt;
    }
    // Views and triggers that name the table or column are rewritten, as SQLite does.
    for (auto& [n, v] : schema->views) {
      std::string vsql = ApplyRename(v->sql, *v->stmt, spec);
      if (vsql == v->sql) continue;
      DOSQL_ASSIGN_OR_RETURN(auto vstmt, Reparse(vsql));
      auto nv = std::make_shared<ViewInfo>(*v);
      nv->stmt = vstmt;
      nv->select = vstmt->As<parser::CreateViewStmt>().select.get();
      nv->sql = vsql;
      DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, *schema, nv->catalog_id, "view", nv->name,
                                            nv->name, 0, &nv->sql));
      v = nv;
    }
    for (auto& [n, tr] : schema->triggers) {
      std::string tsql = ApplyRename(tr->sql, *tr->stmt, spec);
      if (tsql == tr->sql) continue;
      DOSQL_ASSIGN_OR_RETURN(auto tstmt, Reparse(tsql));
      auto ntr = std::make_shared<TriggerInfo>(*tr);
      ntr->stmt = tstmt;
      ntr->create = &tstmt->As<parser::CreateTriggerStmt>();
      ntr->sql = tsql;
      ntr->table = Lower(ntr->create->table.name);
      DOSQL_RETURN_IF_ERROR(WriteCatalogRow(conn, *schema, ntr->catalog_id, "trigger", ntr->name,
                                            ntr->create->table.name, 0, &ntr->sql));
      tr = ntr;
    }
  }
  return BumpSchemaCookie(conn, *schema);
}

Status ExecReindex(ConnectionImpl* conn, Exec& ex, const parser::ReindexStmt& s) {
  (void)ex;
  std::vector<std::pair<std::shared_ptr<TableInfo>, size_t>> todo;
  std::string target = s.target ? Lower(s.target->name.name) : "";
  bool found = target.empty();
  bool is_collation = target == "binary" || target == "nocase" || target == "rtrim" ||
                      conn->collations.count(target) > 0;
  std::vector<int> dbs;
  if (s.target && s.target->schema) {
    int db = conn->FindDb(s.target->schema->name);
    if (db < 0) return Err("unknown database " + s.target->schema->name);
    dbs.push_back(db);
    is_collation = false;
  } else {
    for (size_t i = 0; i < conn->dbs.size(); i++) dbs.push_back(static_cast<int>(i));
  }
  for (int db : dbs) {
    auto schema = conn->SlotSchema(db);
    for (const auto& [tn, t] : schema->tables) {
      for (size_t i = 0; i < t->indexes.size(); i++) {
        const auto& idx = t->indexes[i];
        bool take = target.empty() || tn == target || Lower(idx->name) == target;
        if (is_collation) {
          for (const auto& ic : idx->columns) {
            if (Lower(std::string(CollationName(ic.collation))) == target) take = true;
          }
        }
        if (tn == target || Lower(idx->name) == target) found = true;
        if (take) todo.emplace_back(t, i);
      }
      if (tn == target) found = true;
    }
  }
  if (!found && !is_collation) return Err("unable to identify the object to be reindexed");
  for (const auto& [t, i] : todo) {
    const auto& idx = t->indexes[i];
    // Empty the index tree, then rebuild it.
    DOSQL_RETURN_IF_ERROR(conn->router.ClearTree(idx->tree));
    DOSQL_RETURN_IF_ERROR(PopulateIndex(conn, *t, i));
  }
  return Status::OK();
}

}  // namespace dosql::engine
