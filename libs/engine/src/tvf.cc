#include "tvf.h"

#include "catalog.h"
#include "conn.h"
#include "json.h"
#include "dosql/engine/format.h"

namespace dosql::engine {
namespace {

// The pragmas that only read, which SQLite also offers as pragma_<name> functions.
constexpr std::string_view kPragmaFunctions[] = {
    "application_id",  "collation_list", "database_list",     "foreign_key_check",
    "foreign_key_list", "foreign_keys",  "index_info",        "index_list",
    "index_xinfo",     "integrity_check", "journal_mode",     "page_size",
    "quick_check",     "schema_version", "table_info",        "table_list",
    "table_xinfo",     "user_version",
};

Result<TableFunction> PragmaFunction(ConnectionImpl* conn, const std::string& pragma) {
  DOSQL_ASSIGN_OR_RETURN(PragmaRows shape, PragmaQuery(conn, -1, nullptr, pragma, std::nullopt));
  TableFunction fn;
  fn.name = "pragma_" + pragma;
  for (const auto& c : shape.columns) fn.columns.push_back(c.name);
  fn.hidden = {"arg", "schema"};
  fn.rows = [conn, pragma](Exec& ex, std::span<const Value> args) -> Result<std::vector<Row>> {
    int db = -1;
    if (args.size() > 1 && !args[1].is_null()) {
      std::string schema;
      AppendValueText(args[1], &schema);
      db = conn->FindDb(schema);
      if (db < 0) return Status::InvalidArgument("unknown database '" + schema + "'");
    }
    std::optional<std::string> arg;
    if (!args.empty() && !args[0].is_null()) {
      arg.emplace();
      AppendValueText(args[0], &*arg);
    }
    DOSQL_ASSIGN_OR_RETURN(PragmaRows r, PragmaQuery(conn, db, ex.data, pragma, arg));
    return std::move(r.rows);
  };
  return fn;
}

// json_each(json[, path]) and json_tree(...): SQLite's columns, the hidden json and root too.
TableFunction JsonFunction(bool recursive) {
  TableFunction fn;
  fn.name = recursive ? "json_tree" : "json_each";
  fn.columns = {"key", "value", "type", "atom", "id", "parent", "fullkey", "path"};
  fn.hidden = {"json", "root"};
  fn.min_args = 1;
  fn.rows = [recursive](Exec&, std::span<const Value> args) -> Result<std::vector<Row>> {
    if (args.empty()) return std::vector<Row>();
    return JsonEachRows(args[0], args.size() > 1 ? &args[1] : nullptr, recursive);
  };
  return fn;
}

}  // namespace

Result<TableFunction> FindTableFunction(ConnectionImpl* conn, std::string_view name) {
  std::string lname = Lower(name);
  if (lname == "json_each" || lname == "json_tree") return JsonFunction(lname == "json_tree");
  if (lname.rfind("pragma_", 0) == 0) {
    std::string pragma = lname.substr(7);
    for (std::string_view p : kPragmaFunctions) {
      if (p == pragma) return PragmaFunction(conn, pragma);
    }
  }
  return Status::NotFound("no such table: " + std::string(name));
}

Status TableFunctionOp::Open(Exec& ex) {
  pos_ = 0;
  arg_values_.assign(args_.size(), Value());
  for (size_t i = 0; i < args_.size(); i++) DOSQL_RETURN_IF_ERROR(args_[i]->Eval(ex, &arg_values_[i]));
  DOSQL_ASSIGN_OR_RETURN(rows_, fn_.rows(ex, arg_values_));
  return Status::OK();
}

Result<bool> TableFunctionOp::Next(Exec& ex) {
  if (pos_ >= rows_.size()) return false;
  Row& r = rows_[pos_++];
  auto& slots = ex.frames[level_]->slots;
  size_t base = static_cast<size_t>(base_);
  for (size_t i = 0; i < fn_.columns.size(); i++) {
    slots[base + i] = i < r.size() ? std::move(r[i]) : Value();
  }
  // Hidden columns: the row's own values for them if it has some, else the arguments.
  for (size_t i = 0; i < fn_.hidden.size(); i++) {
    size_t k = fn_.columns.size() + i;
    slots[base + k] = k < r.size()                ? std::move(r[k])
                      : i < arg_values_.size() ? arg_values_[i]
                                               : Value();
  }
  return true;
}

void TableFunctionOp::NullRow(Exec& ex) {
  auto& slots = ex.frames[level_]->slots;
  for (size_t i = 0; i < fn_.columns.size() + fn_.hidden.size(); i++) {
    slots[static_cast<size_t>(base_) + i] = Value();
  }
}

std::string TableFunctionOp::Describe(int indent) const {
  return std::string(static_cast<size_t>(indent) * 2, ' ') + "SCAN " + fn_.name +
         " VIRTUAL TABLE\n";
}

}  // namespace dosql::engine
