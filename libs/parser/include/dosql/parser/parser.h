// dosql::parser — the SQL parser: text in, AST (ast.h) out.
//
// A hand-written recursive-descent parser for SQLite's grammar (parse.y) plus dosql's extensions
// (time travel, branches, URL tables, procedures, HNSW index options). It pulls tokens lazily
// from a Tokenizer, so ParseOne never looks past the first statement, and it runs in time linear
// in the input. Nesting is bounded: more than kMaxNestingDepth nested expressions, subqueries or
// parentheses is an error ("expression nested too deeply"), as is an expression tree higher than
// kMaxExprHeight (SQLite's "Expression tree is too large"), so no input can exhaust the stack.
//
// Errors are Status::SyntaxError with messages in this format:
//   near "FROM": syntax error at line 2, column 8: expected an expression
//   incomplete input at line 1, column 15: expected ")"
//   unrecognized token: "1abc" at line 1, column 8: malformed number
//   <semantic message> at line L, column C        (e.g. "unknown join type: LEFT INNER")
// Lines and columns are 1-based; columns count UTF-8 characters. Callers that need the position
// as data pass a SyntaxErrorInfo*, which is filled on every syntax error.
//
// The returned trees own all their strings and do not reference `sql`. All functions here are
// reentrant and may be called from any thread concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/status.h"
#include "dosql/parser/ast.h"

namespace dosql::parser {

inline constexpr int kMaxNestingDepth = 1000;
inline constexpr int kMaxExprHeight = 1000;
// Largest ?NNN accepted (SQLite's SQLITE_MAX_VARIABLE_NUMBER as built by Debian).
inline constexpr int kMaxParameterNumber = 250000;

// Where a syntax error was found.
struct SyntaxErrorInfo {
  uint32_t offset = 0;  // byte offset of the offending token (input size at end of input)
  uint32_t line = 1;
  uint32_t column = 1;
  std::string token;    // text of the offending token ("" at end of input)
  std::string message;  // the same text as the Status message
};

struct ParsedStatement {
  // Null when the input holds no statement (only whitespace, comments or semicolons).
  std::unique_ptr<Statement> statement;
  // Byte offset just past the statement and its terminating ';' (if any): the start of the rest
  // of the input, as sqlite3_prepare_v2 reports through pzTail.
  uint32_t tail_offset = 0;
  // Number of parameters (the largest index assigned), and the name of each by index - 1: the
  // parameter's text (":a", "@b", "$c", "?3"), or "" for an anonymous "?".
  int parameter_count = 0;
  std::vector<std::string> parameter_names;
};

// Parses every statement of `sql` (separated by ';'). Empty statements are skipped.
Result<std::vector<std::unique_ptr<Statement>>> ParseScript(std::string_view sql,
                                                            SyntaxErrorInfo* error = nullptr);

// Parses the first statement of `sql` and reports where the rest begins.
Result<ParsedStatement> ParseOne(std::string_view sql, SyntaxErrorInfo* error = nullptr);

// Parses a standalone expression (the whole input must be one expression). Parameters are
// numbered as in a statement. Useful for tests, defaults and CHECK text.
Result<ExprPtr> ParseExpression(std::string_view sql, SyntaxErrorInfo* error = nullptr);

}  // namespace dosql::parser
