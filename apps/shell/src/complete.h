// dosql shell — where statements end in typed or piped input.
//
// The shell collects input lines until they form complete SQL: text that ends with a ';' that is
// not inside a string, quoted identifier, comment or the BEGIN ... END body of CREATE TRIGGER.
// IsCompleteSql is SQLite's sqlite3_complete() state machine (complete.c), extended with
// dosql's dollar-quoted strings ($$ ... $$, procedure bodies). It needs no parse, so it accepts
// text that will later fail to parse; the parser reports that when the text runs.
//
// Pure functions of their input; callable from any thread.
#pragma once

#include <string_view>

namespace dosql::shell {

// True if `sql` ends with a statement terminator (sqlite3_complete()).
bool IsCompleteSql(std::string_view sql);

// True if `text` holds only white space and closed comments ("-- ..." or "/* ... */"): such
// input is swallowed instead of run.
bool IsBlankSql(std::string_view text);

// sqlite3_stmt_isexplain() from the text: 2 if `sql` starts (after white space and comments)
// with EXPLAIN QUERY PLAN (the shell draws the plan as a tree), 1 for another EXPLAIN (shown in
// the explain layout under ".explain auto"), else 0.
int ExplainKind(std::string_view sql);

}  // namespace dosql::shell
