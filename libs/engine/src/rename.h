// dosql::engine (internal) — rewriting stored CREATE texts for ALTER TABLE ... RENAME.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "dosql/parser/ast.h"

namespace dosql::engine {

struct RenameSpec {
  std::string table;       // lower-case name of the table being altered
  std::string new_table;   // RENAME TO: the new name (written quoted, as SQLite does)
  std::string column;      // RENAME COLUMN: lower-case old column name
  std::string new_column;
};

struct RenameEdit {
  parser::SourceSpan span;
  std::string text;
};

// `sql` with every identifier of `stmt` (parsed from `sql`) that names the renamed table or
// column replaced.
std::string ApplyRename(const std::string& sql, const parser::Statement& stmt,
                        const RenameSpec& spec);

// The database qualifiers of the tables `stmt` names (FROM items, IN tables, the targets of
// DML), in the order they appear: what SQLite's sqlite3FixSrcList checks in the body of a view
// or trigger.
std::vector<const parser::Identifier*> SchemaQualifiers(const parser::Statement& stmt);

}  // namespace dosql::engine
