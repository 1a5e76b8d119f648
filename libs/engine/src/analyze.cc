// ANALYZE: counts the rows of each table and the distinct values of each index's column
// prefixes, writes them to sqlite_stat1 in SQLite's format ("rows avg1 avg2 ..."), and gives the
// planner the same numbers (IndexInfo::stat, TableInfo::stat_rows). The statistics are read again
// from sqlite_stat1 whenever the schema is loaded.
#include <string>
#include <vector>

#include "conn.h"
#include "index_key.h"
#include "dosql/engine/functions.h"
#include "dosql/parser/parser.h"

namespace dosql::engine {
namespace {

Status Err(std::string m) { return Status::InvalidArgument(std::move(m)); }

// Compiles `sql` (one statement) on `conn` and runs it inside `ex` with `params`.
Result<std::vector<Row>> RunSql(ConnectionImpl* conn, Exec& ex, const std::string& sql,
                                std::vector<Value> params = {}) {
  DOSQL_ASSIGN_OR_RETURN(auto parsed, parser::ParseOne(sql));
  if (!parsed.statement) return Status::Internal("empty statement");
  DOSQL_ASSIGN_OR_RETURN(auto prog, Compile(conn, *parsed.statement, sql));
  const std::vector<Value>* saved = ex.params;
  ex.params = &params;
  auto rows = RunNested(*prog, ex);
  ex.params = saved;
  return rows;
}

// The SQL text of an index's key terms: "a", "lower(b) COLLATE NOCASE", ...
std::vector<std::string> KeyTerms(const TableInfo& t, const IndexInfo& idx) {
  std::vector<std::string> terms;
  for (const IndexColumn& ic : idx.columns) {
    std::string term = ic.column >= 0   ? QuoteIdentifier(t.columns[ic.column].name)
                       : ic.column == -2 ? std::string("rowid")
                       : ic.expr        ? "(" + parser::ToSql(*ic.expr) + ")"
                                        : std::string("NULL");
    term += " COLLATE " + (ic.collation.is_user()
                               ? QuoteIdentifier(std::string(CollationName(ic.collation)))
                               : std::string(CollationName(ic.collation)));
    terms.push_back(std::move(term));
  }
  return terms;
}

// "rows avg1 ... avgN" for `idx`: one ordered pass counting where each prefix changes.
Result<std::string> IndexStat(ConnectionImpl* conn, Exec& ex, const TableInfo& t,
                              const IndexInfo& idx, std::vector<int64_t>* numbers) {
  std::vector<std::string> terms = KeyTerms(t, idx);
  std::string list;
  for (size_t i = 0; i < terms.size(); i++) list += (i ? ", " : "") + terms[i];
  std::string sql = "SELECT " + list + " FROM " + QuoteIdentifier(t.name);
  if (idx.where) sql += " WHERE " + parser::ToSql(*idx.where);
  sql += " ORDER BY " + list;
  DOSQL_ASSIGN_OR_RETURN(std::vector<Row> rows, RunSql(conn, ex, sql));
  DOSQL_ASSIGN_OR_RETURN(std::vector<Collation> colls, ResolveIndexCollations(conn, idx));
  std::vector<int64_t> distinct(terms.size(), 0);
  for (size_t r = 0; r < rows.size(); r++) {
    // The first column where this row differs from the previous one: every longer prefix is new.
    size_t first = 0;
    if (r > 0) {
      while (first < terms.size() &&
             CompareValues(rows[r][first], rows[r - 1][first], colls[first]) == 0) {
        first++;
      }
    }
    for (size_t k = first; k < terms.size(); k++) distinct[k]++;
  }
  const int64_t n = static_cast<int64_t>(rows.size());
  numbers->assign(1, n);
  std::string stat = std::to_string(n);
  for (int64_t d : distinct) {
    int64_t avg = d == 0 ? 0 : (n + d - 1) / d;
    numbers->push_back(avg);
    stat += " " + std::to_string(avg);
  }
  return stat;
}

bool Analyzable(const TableInfo& t) {
  return !t.is_schema_table && Lower(t.name).rfind("sqlite_", 0) != 0;
}

}  // namespace

Result<std::vector<Row>> RunNested(Program& prog, Exec& outer) {
  Exec ex;
  ex.data = outer.data;
  ex.conn = outer.conn;
  ex.params = outer.params;
  ex.fctx = outer.fctx;
  ex.generation = outer.generation;
  ex.interrupt_requests = outer.interrupt_requests;
  ex.interrupts_seen = outer.interrupts_seen;
  ex.deadline = outer.deadline;
  ex.frames.assign(static_cast<size_t>(std::max(prog.ctx ? prog.ctx->max_level : 0, 1) + 1),
                   nullptr);
  if (prog.run) DOSQL_RETURN_IF_ERROR(prog.run(ex));
  std::vector<Row> rows;
  if (prog.rows) {
    DOSQL_RETURN_IF_ERROR(prog.rows->Open(ex));
    while (true) {
      Row r;
      DOSQL_ASSIGN_OR_RETURN(bool ok, prog.rows->Next(ex, &r));
      if (!ok) break;
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

namespace {

// ANALYZE in database `db`: every table (`target` empty), one table, or one index's table.
Status AnalyzeIn(ConnectionImpl* conn, Exec& ex, int db, const std::string& target,
                 const std::string& as_written) {
  ResolveIn pin(conn, db);  // the SQL below names tables of this database
  {
    // Nothing to do (no table to count, no sqlite_stat1 to create): no write transaction.
    auto current = conn->SlotSchema(db);
    bool any = target == "sqlite_schema" || target == "sqlite_master";
    for (const auto& [name, t] : current->tables) any = any || Analyzable(*t);
    if (!any) return Status::OK();
  }
  DOSQL_ASSIGN_OR_RETURN(auto schema, MutableSchema(conn, db));
  std::vector<std::shared_ptr<TableInfo>> tables;
  const IndexInfo* only_index = nullptr;
  if (target.empty()) {
    for (const auto& [name, t] : schema->tables) {
      if (Analyzable(*t)) tables.push_back(t);
    }
  } else if (target == "sqlite_schema" || target == "sqlite_master") {
    // Nothing to count; as SQLite, sqlite_stat1 is created (.dump relies on it).
  } else if (auto t = schema->tables.find(target); t != schema->tables.end()) {
    if (Analyzable(*t->second)) tables.push_back(t->second);
  } else if (auto i = schema->indexes.find(target); i != schema->indexes.end()) {
    only_index = i->second.get();
    tables.push_back(schema->tables.at(Lower(i->second->table)));
  } else {
    return Err("no such table: " + as_written);
  }
  bool schema_only = target == "sqlite_schema" || target == "sqlite_master";
  if (tables.empty() && !schema_only) return Status::OK();
  if (!schema->FindTable("sqlite_stat1")) {
    std::shared_ptr<TableInfo> stat1;
    DOSQL_RETURN_IF_ERROR(
        InstallTable(conn, *schema, "CREATE TABLE sqlite_stat1(tbl,idx,stat)", &stat1));
    DOSQL_RETURN_IF_ERROR(BumpSchemaCookie(conn, *schema));
  }
  for (const auto& t : tables) {
    if (only_index) {
      DOSQL_RETURN_IF_ERROR(RunSql(conn, ex, "DELETE FROM sqlite_stat1 WHERE tbl = ?1 AND idx = ?2",
                                   {Value::Text(t->name), Value::Text(only_index->name)})
                                .status());
    } else {
      DOSQL_RETURN_IF_ERROR(
          RunSql(conn, ex, "DELETE FROM sqlite_stat1 WHERE tbl = ?1", {Value::Text(t->name)})
              .status());
    }
    bool any_index = false;
    for (const auto& idx : t->indexes) {
      if (only_index && idx.get() != only_index) continue;
      any_index = true;
      std::vector<int64_t> numbers;
      DOSQL_ASSIGN_OR_RETURN(std::string stat, IndexStat(conn, ex, *t, *idx, &numbers));
      if (numbers[0] == 0) continue;  // SQLite writes no row for an empty index
      DOSQL_RETURN_IF_ERROR(RunSql(conn, ex, "INSERT INTO sqlite_stat1 VALUES (?1, ?2, ?3)",
                                   {Value::Text(t->name), Value::Text(idx->name), Value::Text(stat)})
                                .status());
      idx->stat = std::move(numbers);
      if (!idx->where) t->stat_rows = idx->stat[0];
    }
    if (!any_index && !only_index) {
      DOSQL_ASSIGN_OR_RETURN(std::vector<Row> n,
                             RunSql(conn, ex, "SELECT count(*) FROM " + QuoteIdentifier(t->name)));
      int64_t rows = n.empty() ? 0 : n[0][0].integer();
      t->stat_rows = rows;
      if (rows > 0) {
        DOSQL_RETURN_IF_ERROR(RunSql(conn, ex, "INSERT INTO sqlite_stat1 VALUES (?1, NULL, ?2)",
                                     {Value::Text(t->name), Value::Text(std::to_string(rows))})
                                  .status());
      }
    }
  }
  return Status::OK();
}

}  // namespace

Status ExecAnalyze(ConnectionImpl* conn, Exec& ex, const parser::AnalyzeStmt& s) {
  if (!s.target) {
    // Every database but temp, as SQLite.
    for (size_t i = 0; i < conn->dbs.size(); i++) {
      if (i == ConnectionImpl::kTemp) continue;
      DOSQL_RETURN_IF_ERROR(AnalyzeIn(conn, ex, static_cast<int>(i), "", ""));
    }
    return Status::OK();
  }
  const std::string& name = s.target->name.name;
  if (s.target->schema) {
    int db = conn->FindDb(s.target->schema->name);
    if (db < 0) return Err("unknown database " + s.target->schema->name);
    return AnalyzeIn(conn, ex, db, Lower(name), name);
  }
  // ANALYZE name: a database, else a table or index in SQLite's order.
  if (int db = conn->FindDb(name); db >= 0) return AnalyzeIn(conn, ex, db, "", name);
  std::vector<int> order{ConnectionImpl::kTemp, ConnectionImpl::kMain};
  for (size_t i = 2; i < conn->dbs.size(); i++) order.push_back(static_cast<int>(i));
  for (int db : order) {
    auto sc = conn->SlotSchema(db);
    if (sc->FindTable(name) || sc->FindIndex(name))
      return AnalyzeIn(conn, ex, db, Lower(name), name);
  }
  return AnalyzeIn(conn, ex, ConnectionImpl::kMain, Lower(name), name);
}

}  // namespace dosql::engine
