// Statement dispatch: turns each kind of statement into a Program.
#include <algorithm>

#include "conn.h"
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


Result<std::unique_ptr<Program>> CompilePragma(ConnectionImpl* conn, const parser::PragmaStmt& p,
                                               std::shared_ptr<const Schema> schema) {
  auto prog = std::make_unique<Program>();
  prog->ctx = NewPlanContext(conn, schema);
  std::string name = Lower(p.name.name.name);
  auto holder = std::make_shared<RowsHolder>();
  auto table_arg = [&]() -> Result<const TableInfo*> {
    const TableInfo* t = schema->FindTable(p.value);
    return t;
  };
  if (name == "table_info" || name == "table_xinfo") {
    prog->columns = {Col("cid"), Col("name"), Col("type"), Col("notnull"), Col("dflt_value"),
                     Col("pk")};
    if (name == "table_xinfo") prog->columns.push_back(Col("hidden"));
    DOSQL_ASSIGN_OR_RETURN(const TableInfo* t, table_arg());
    if (t) {
      int64_t cid = 0;
      for (size_t i = 0; i < t->columns.size(); i++) {
        const ColumnInfo& c = t->columns[i];
        // Generated columns are hidden: table_xinfo lists them (hidden 2 = VIRTUAL, 3 = STORED).
        int64_t hidden = c.generated ? (c.generated_stored ? 3 : 2) : 0;
        if (hidden && name == "table_info") continue;
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
        if (name == "table_xinfo") r.push_back(Value::Integer(hidden));
        holder->rows.push_back(std::move(r));
      }
    } else if (const ViewInfo* v = schema->FindView(p.value)) {
      auto vctx = NewPlanContext(conn, schema);
      DOSQL_ASSIGN_OR_RETURN(CompiledQuery q, PlanSelect(*vctx, *v->select, nullptr, v->sql));
      for (size_t i = 0; i < q.columns.size(); i++) {
        Row r{Value::Integer(static_cast<int64_t>(i)),
              Value::Text(i < v->columns.size() ? v->columns[i] : q.columns[i].name),
              Value::Text(q.columns[i].decl_type), Value::Integer(0), Value(), Value::Integer(0)};
        if (name == "table_xinfo") r.push_back(Value::Integer(0));
        holder->rows.push_back(std::move(r));
      }
    }
  } else if (name == "index_list") {
    prog->columns = {Col("seq"), Col("name"), Col("unique"), Col("origin"), Col("partial")};
    DOSQL_ASSIGN_OR_RETURN(const TableInfo* t, table_arg());
    if (t) {
      int64_t seq = 0;
      std::vector<std::shared_ptr<IndexInfo>> idx = t->indexes;
      std::reverse(idx.begin(), idx.end());
      for (const auto& i : idx) {
        std::string origin = i->auto_index ? (i->primary_key ? "pk" : "u") : "c";
        holder->rows.push_back({Value::Integer(seq++), Value::Text(i->name),
                                Value::Integer(i->unique ? 1 : 0), Value::Text(origin),
                                Value::Integer(i->where ? 1 : 0)});
      }
    }
  } else if (name == "index_info" || name == "index_xinfo") {
    prog->columns = {Col("seqno"), Col("cid"), Col("name")};
    const IndexInfo* idx = schema->FindIndex(p.value);
    if (idx) {
      const TableInfo* t = schema->FindTable(idx->table);
      for (size_t i = 0; i < idx->columns.size(); i++) {
        const IndexColumn& ic = idx->columns[i];
        holder->rows.push_back({Value::Integer(static_cast<int64_t>(i)),
                                Value::Integer(ic.column >= 0 ? ic.column : -2),
                                ic.column >= 0 && t ? Value::Text(t->columns[ic.column].name) : Value()});
      }
    }
  } else if (name == "user_version" || name == "schema_version") {
    if (p.value_kind == parser::PragmaStmt::ValueKind::kNone) {
      prog->columns = {Col(name)};
      int64_t v = name == "user_version" ? schema->user_version : schema->schema_version;
      holder->rows.push_back({Value::Integer(v)});
    } else {
      int64_t v = 0;
      (void)ParseInt64(p.value, &v);
      prog->writes = true;
      bool user = name == "user_version";
      prog->run = [conn, v, user](Exec&) -> Status {
        DOSQL_ASSIGN_OR_RETURN(auto s, MutableSchema(conn));
        if (user) {
          s->user_version = v;
        } else {
          s->schema_version = v - 1;
        }
        return BumpSchemaCookie(conn, *s);
      };
    }
  } else if (name == "integrity_check" || name == "quick_check") {
    prog->columns = {Col(name)};
    prog->run = [conn, holder](Exec&) -> Status {
      holder->rows.clear();
      Status s = conn->dbi->store->CheckIntegrity();
      holder->rows.push_back({Value::Text(s.ok() ? "ok" : s.message())});
      return Status::OK();
    };
  } else if (name == "foreign_keys") {
    if (p.value_kind == parser::PragmaStmt::ValueKind::kNone) {
      prog->columns = {Col("foreign_keys")};
      holder->rows.push_back({Value::Integer(conn->foreign_keys ? 1 : 0)});
    } else {
      std::string v = Lower(p.value);
      bool on = v == "1" || v == "on" || v == "true" || v == "yes";
      prog->run = [conn, on](Exec&) {
        conn->foreign_keys = on;
        return Status::OK();
      };
    }
  } else if (name == "page_size") {
    prog->columns = {Col("page_size")};
    holder->rows.push_back({Value::Integer(static_cast<int64_t>(conn->dbi->store->pager().page_size()))});
  } else if (name == "journal_mode") {
    prog->columns = {Col("journal_mode")};
    holder->rows.push_back({Value::Text(conn->dbi->in_memory ? "memory" : "wal")});
  } else if (name == "table_list") {
    prog->columns = {Col("schema"), Col("name"), Col("type"), Col("ncol"), Col("wr"), Col("strict")};
    for (const auto& [k, t] : schema->tables) {
      holder->rows.push_back({Value::Text("main"), Value::Text(t->name), Value::Text("table"),
                              Value::Integer(static_cast<int64_t>(t->columns.size())),
                              Value::Integer(t->without_rowid), Value::Integer(t->strict)});
    }
    for (const auto& [k, v] : schema->views) {
      holder->rows.push_back({Value::Text("main"), Value::Text(v->name), Value::Text("view"),
                              Value::Integer(static_cast<int64_t>(v->columns.size())),
                              Value::Integer(0), Value::Integer(0)});
    }
  } else if (name == "database_list") {
    prog->columns = {Col("seq"), Col("name"), Col("file")};
    holder->rows.push_back({Value::Integer(0), Value::Text("main"),
                            Value::Text(conn->dbi->in_memory ? "" : conn->dbi->path)});
  } else {
    // Unknown or not applicable pragmas are ignored, as SQLite does.
  }
  if (!prog->columns.empty()) prog->rows = std::make_unique<DeferredRows>(holder);
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
  std::vector<Value> rec{Value::Integer(schema.user_version), Value::Integer(schema.schema_version)};
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
        conn->savepoints.push_back({name, h, started});
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
      prog->run = [conn, ds](Exec&) { return ExecDrop(conn, *ds); };
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
      auto prog = std::make_unique<Program>();
      prog->ctx = NewPlanContext(conn, schema);
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
