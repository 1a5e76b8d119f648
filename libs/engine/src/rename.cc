// ALTER TABLE ... RENAME: finds the identifiers in a stored CREATE statement (view, trigger,
// index, and a table's REFERENCES clauses) that name a renamed table or column, so that their text can be rewritten in place.
#include "rename.h"

#include "catalog.h"

namespace dosql::engine {
namespace {

using namespace parser;

class Walker {
 public:
  Walker(const RenameSpec& spec, std::vector<RenameEdit>* out,
         std::vector<const Identifier*>* quals = nullptr)
      : spec_(spec), out_(out), quals_(quals) {}

  void Stmt(const Statement* s) {
    if (!s) return;
    switch (s->type()) {
      case NodeType::kSelectStmt: Select(&s->As<SelectStmt>()); break;
      case NodeType::kInsertStmt: {
        const auto& i = s->As<InsertStmt>();
        With(i.with.get());
        Qualifier(i.table);
        TableIdent(i.table.name);
        bool target = Lower(i.table.name.name) == spec_.table;
        for (const auto& c : i.columns) {
          if (target) ColumnIdent(c);
        }
        Select(i.select.get());
        for (const auto& u : i.upserts) {
          for (const auto& t : u.target) E(t.expr.get());
          E(u.target_where.get());
          for (const auto& sc : u.set) {
            for (const auto& c : sc.columns) {
              if (target) ColumnIdent(c);
            }
            E(sc.value.get());
          }
          E(u.where.get());
        }
        Results(i.returning);
        break;
      }
      case NodeType::kUpdateStmt: {
        const auto& u = s->As<UpdateStmt>();
        With(u.with.get());
        Qualifier(u.table.name);
        TableIdent(u.table.name.name);
        bool target = Lower(u.table.name.name.name) == spec_.table;
        for (const auto& sc : u.set) {
          for (const auto& c : sc.columns) {
            if (target) ColumnIdent(c);
          }
          E(sc.value.get());
        }
        if (u.from) Ref(u.from.get());
        E(u.where.get());
        Results(u.returning);
        for (const auto& o : u.order_by) E(o.expr.get());
        E(u.limit.get());
        E(u.offset.get());
        break;
      }
      case NodeType::kDeleteStmt: {
        const auto& d = s->As<DeleteStmt>();
        With(d.with.get());
        Qualifier(d.table.name);
        TableIdent(d.table.name.name);
        E(d.where.get());
        Results(d.returning);
        break;
      }
      case NodeType::kCreateViewStmt: Select(s->As<CreateViewStmt>().select.get()); break;
      case NodeType::kCreateTriggerStmt: {
        const auto& t = s->As<CreateTriggerStmt>();
        TableIdent(t.table);
        if (Lower(t.table.name) == spec_.table) {
          for (const auto& c : t.update_columns) ColumnIdent(c);
        }
        E(t.when.get());
        for (const auto& b : t.body) Stmt(b.get());
        break;
      }
      case NodeType::kCreateTableStmt: {
        // Only the REFERENCES clauses (and, in the altered table, its FOREIGN KEY columns).
        const auto& ct = s->As<CreateTableStmt>();
        bool self = Lower(ct.name.name.name) == spec_.table;
        for (const auto& cd : ct.columns) {
          for (const auto& cc : cd->constraints) {
            if (cc.foreign_key) ForeignKey(*cc.foreign_key);
          }
        }
        for (const auto& tc : ct.constraints) {
          if (!tc.foreign_key) continue;
          if (self) {
            for (const auto& c : tc.fk_columns) ColumnIdent(c);
          }
          ForeignKey(*tc.foreign_key);
        }
        break;
      }
      case NodeType::kCreateIndexStmt: {
        const auto& c = s->As<CreateIndexStmt>();
        TableIdent(c.table);
        for (const auto& t : c.columns) E(t.expr.get());
        E(c.where.get());
        break;
      }
      default: break;
    }
  }

 private:
  void Qualifier(const QualifiedName& n) {
    if (quals_ && n.schema) quals_->push_back(&*n.schema);
  }
  void TableIdent(const Identifier& id) {
    if (!spec_.new_table.empty() && Lower(id.name) == spec_.table) {
      out_->push_back({id.span, "\"" + spec_.new_table + "\""});
    }
  }
  void ForeignKey(const ForeignKeyClause& fk) {
    TableIdent(fk.table);
    if (Lower(fk.table.name) != spec_.table) return;
    for (const auto& c : fk.columns) ColumnIdent(c);
  }
  void ColumnIdent(const Identifier& id) {
    if (!spec_.column.empty() && Lower(id.name) == spec_.column) {
      out_->push_back({id.span, spec_.new_column});
    }
  }
  void With(const WithClause* w) {
    if (!w) return;
    for (const auto& c : w->ctes) Select(c.select.get());
  }
  void Results(const std::vector<ResultColumn>& rc) {
    for (const auto& r : rc) E(r.expr.get());
  }
  void Select(const SelectStmt* s) {
    if (!s) return;
    With(s->with.get());
    for (const auto& core : s->cores) {
      Results(core->columns);
      for (const auto& rc : core->columns) {
        if (rc.kind == ResultColumn::Kind::kTableStar) TableIdent(rc.table);
      }
      if (core->from) Ref(core->from.get());
      E(core->where.get());
      for (const auto& g : core->group_by) E(g.get());
      E(core->having.get());
      for (const auto& row : core->rows) {
        for (const auto& e : row) E(e.get());
      }
    }
    for (const auto& o : s->order_by) E(o.expr.get());
    E(s->limit.get());
    E(s->offset.get());
  }
  void Ref(const TableRef* r) {
    if (!r) return;
    switch (r->type()) {
      case NodeType::kTableName:
        Qualifier(r->As<TableName>().name);
        TableIdent(r->As<TableName>().name.name);
        break;
      case NodeType::kSubqueryRef: Select(r->As<SubqueryRef>().select.get()); break;
      case NodeType::kTableFunctionRef:
        for (const auto& a : r->As<TableFunctionRef>().args) E(a.get());
        break;
      case NodeType::kJoinClause: {
        const auto& j = r->As<JoinClause>();
        Ref(j.first.get());
        for (const auto& ji : j.joins) {
          Ref(ji.table.get());
          E(ji.on.get());
          if (ji.using_columns) {
            for (const auto& c : *ji.using_columns) ColumnIdent(c);
          }
        }
        break;
      }
      default: break;
    }
  }
  void E(const Expr* e) {
    if (!e) return;
    switch (e->type()) {
      case NodeType::kColumnRef: {
        const auto& c = e->As<ColumnRef>();
        if (c.table) {
          TableIdent(*c.table);
          std::string q = Lower(c.table->name);
          if (q == spec_.table || q == "new" || q == "old") ColumnIdent(c.column);
        } else {
          ColumnIdent(c.column);
        }
        break;
      }
      case NodeType::kUnary: E(e->As<UnaryExpr>().operand.get()); break;
      case NodeType::kBinary:
        E(e->As<BinaryExpr>().left.get());
        E(e->As<BinaryExpr>().right.get());
        break;
      case NodeType::kNullTest: E(e->As<NullTestExpr>().operand.get()); break;
      case NodeType::kBetween: {
        const auto& b = e->As<BetweenExpr>();
        E(b.operand.get());
        E(b.low.get());
        E(b.high.get());
        break;
      }
      case NodeType::kIn: {
        const auto& in = e->As<InExpr>();
        E(in.operand.get());
        for (const auto& x : in.list) E(x.get());
        Select(in.select.get());
        if (in.kind == InExpr::Kind::kTable) {
          Qualifier(in.table);
          TableIdent(in.table.name);
        }
        break;
      }
      case NodeType::kLike: {
        const auto& l = e->As<LikeExpr>();
        E(l.operand.get());
        E(l.pattern.get());
        E(l.escape.get());
        break;
      }
      case NodeType::kCollate: E(e->As<CollateExpr>().operand.get()); break;
      case NodeType::kCase: {
        const auto& c = e->As<CaseExpr>();
        E(c.operand.get());
        for (const auto& w : c.whens) {
          E(w.condition.get());
          E(w.result.get());
        }
        E(c.else_result.get());
        break;
      }
      case NodeType::kCast: E(e->As<CastExpr>().operand.get()); break;
      case NodeType::kExists: Select(e->As<ExistsExpr>().select.get()); break;
      case NodeType::kSubquery: Select(e->As<SubqueryExpr>().select.get()); break;
      case NodeType::kFunctionCall: {
        const auto& f = e->As<FunctionCall>();
        for (const auto& a : f.args) E(a.get());
        for (const auto& o : f.order_by) E(o.expr.get());
        E(f.filter.get());
        break;
      }
      case NodeType::kRowValue:
        for (const auto& x : e->As<RowValueExpr>().elements) E(x.get());
        break;
      default: break;
    }
  }

  const RenameSpec& spec_;
  std::vector<RenameEdit>* out_;
  std::vector<const Identifier*>* quals_;
};

}  // namespace

std::string ApplyRename(const std::string& sql, const parser::Statement& stmt,
                        const RenameSpec& spec) {
  std::vector<RenameEdit> edits;
  Walker(spec, &edits).Stmt(&stmt);
  std::sort(edits.begin(), edits.end(),
            [](const RenameEdit& a, const RenameEdit& b) { return a.span.offset > b.span.offset; });
  std::string out = sql;
  uint32_t last = UINT32_MAX;
  for (const auto& e : edits) {
    if (e.span.offset == last || e.span.end > out.size()) continue;
    last = e.span.offset;
    out = out.substr(0, e.span.offset) + e.text + out.substr(e.span.end);
  }
  return out;
}

std::vector<const parser::Identifier*> SchemaQualifiers(const parser::Statement& stmt) {
  RenameSpec none;
  std::vector<RenameEdit> edits;
  std::vector<const parser::Identifier*> quals;
  Walker(none, &edits, &quals).Stmt(&stmt);
  return quals;
}

}  // namespace dosql::engine
