// dosql::engine (internal) — table-valued functions: names usable in FROM with arguments,
// `FROM pragma_table_info('t')`, `FROM t, json_each(t.doc)`.
//
// A TableFunction describes the visible columns, the hidden columns that echo the arguments (as
// SQLite's `arg`/`schema` of pragma functions or `json`/`root` of json_each), and how to make the
// rows for given argument values. The planner binds a TableFunctionRef to a source whose
// arguments may read earlier FROM items (the function is then re-run for every row of them), and
// TableFunctionOp produces the rows.
//
// Created by the planner for one statement; used by one thread.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exec.h"

namespace dosql::engine {

struct TableFunction {
  std::string name;
  std::vector<std::string> columns;  // visible
  std::vector<std::string> hidden;   // one per argument position, in order
  size_t min_args = 0;
  // The rows for the argument values: the visible columns, optionally followed by the hidden
  // ones (missing hidden values echo the arguments).
  std::function<Result<std::vector<Row>>(Exec& ex, std::span<const Value> args)> rows;
};

// Looks up a table-valued function by name (case-insensitive): json_each, json_tree, and
// pragma_<name> for the pragmas that only read. NotFound ("no such table: name") otherwise.
Result<TableFunction> FindTableFunction(ConnectionImpl* conn, std::string_view name);

class TableFunctionOp final : public Op {
 public:
  TableFunctionOp(TableFunction fn, std::vector<CExprPtr> args, int level, int base)
      : fn_(std::move(fn)), args_(std::move(args)), level_(level), base_(base) {}
  Status Open(Exec& ex) override;
  Result<bool> Next(Exec& ex) override;
  void NullRow(Exec& ex) override;
  std::string Describe(int indent) const override;

 private:
  TableFunction fn_;
  std::vector<CExprPtr> args_;
  int level_;
  int base_;
  std::vector<Value> arg_values_;
  std::vector<Row> rows_;
  size_t pos_ = 0;
};

}  // namespace dosql::engine
