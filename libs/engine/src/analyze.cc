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

// "rows avg1 ... avgN" for `idx`: one pass over the index's entries in key order, counting
// where each column prefix changes. Keys compare as bytes: equal encodings are equal values
// under the column's collation (a user-defined collation's values equal under it share a label,
// index_key.h), and a partial index holds exactly the rows its WHERE admits.
Result<std::string> IndexStat(ConnectionImpl* conn, const IndexInfo& idx,
                              std::vector<int64_t>* numbers) {
  const size_t ncols = idx.columns.size();
  std::vector<int64_t> distinct(ncols, 0);
  int64_t n = 0;
  std::string prev;
  std::vector<size_t> prev_ends(ncols), ends(ncols);
  DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, conn->router.NewCursor(idx.tree));
  DOSQL_RETURN_IF_ERROR(cur.SeekFirst());
  while (cur.Valid()) {
    std::string_view key = cur.key();
    std::string_view in = key;
    for (size_t k = 0; k < ncols; k++) {
      DOSQL_RETURN_IF_ERROR(SkipKeyValue(&in, idx.columns[k].desc));
      ends[k] = key.size() - in.size();
    }
    // The first column where this entry differs from the previous one: every longer prefix is new.
    size_t first = 0;
    if (n > 0) {
      while (first < ncols && ends[first] == prev_ends[first] &&
             key.compare(0, ends[first], prev, 0, ends[first]) == 0) {
        first++;
      }
    }
    for (size_t k = first; k < ncols; k++) distinct[k]++;
    n++;
    prev.assign(key.data(), key.size());
    prev_ends.swap(ends);
    DOSQL_RETURN_IF_ERROR(cur.Next());
  }
  numbers->assign(1, n);
  std::string stat = std::to_string(n);
  for (int64_t d : distinct) {
    int64_t avg = d == 0 ? 0 : (n + d - 1) / d;
    // SQLite: an index whose values are nearly all distinct (within 10%) counts as unique.
    if (avg == 2 && n * 10 <= d * 11) avg = 1;
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
  if (prog.rows) DOSQL_RETURN_IF_ERROR(ReadRows(*prog.rows, ex, &rows));
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
      DOSQL_ASSIGN_OR_RETURN(std::string stat, IndexStat(conn, *idx, &numbers));
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
