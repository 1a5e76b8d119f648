// dosql shell — rendering result rows in the output modes of the sqlite3 command-line shell.
//
// What it is for: the shell feeds every statement's column names and rows to a Renderer, which
// produces exactly the bytes sqlite3 3.40 prints in the same mode: list, csv, json, box, table,
// markdown, line, column, quote, html, insert, ascii (see docs/shell.md for what differs).
// Numbers become text as sqlite3_column_text() makes them (dosql/engine/format.h); TEXT and
// BLOB values are shown as C strings (up to the first NUL byte) where sqlite3 prints them with
// "%s", and byte for byte where it uses their length (json blobs, quote/insert hex).
//
// Row-at-a-time modes append to the output as each row arrives; the columnar modes (box, table,
// markdown, column) buffer a statement's rows to size the columns and print at EndStatement().
//
// Ownership: a Renderer holds a reference to the settings it was given (they must outlive it)
// and owns its output buffer, which the caller drains with TakeOutput(). Not thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/value.h"

namespace dosql::shell {

enum class Mode {
  kLine,
  kColumn,
  kList,
  kSemi,  // ".schema": the first column followed by ";\n"
  kHtml,
  kInsert,
  kQuote,
  kCsv,
  kAscii,
  kJson,
  kMarkdown,
  kTable,
  kBox,
  kCount,    // "N rows" after each statement that returned rows
  kOff,      // no output
  kExplain,  // ".explain on" (and EXPLAIN under ".explain auto"): fixed-width VDBE-style columns
};

// sqlite3's name of a mode, as ".mode" with no argument prints it ("list", "box", ...).
std::string_view ModeName(Mode mode);
// True for the modes that size columns over the whole result (box, table, markdown, column).
bool IsColumnar(Mode mode);

struct OutputSettings {
  Mode mode = Mode::kList;
  bool show_header = false;
  std::string col_sep = "|";
  std::string row_sep = "\n";
  std::string null_value;
  // Columnar modes: wrap cells wider than `wrap` characters (0 = never), prefer breaking at
  // word boundaries, show values as SQL literals (.mode box --wrap N --wordwrap on --quote).
  int wrap = 0;
  bool word_wrap = false;
  bool quote = false;
  // Insert mode: the (already quoted if needed) table name after INSERT INTO.
  std::string insert_table = "\"table\"";
  // Insert mode: write line breaks in text as they are (".dump --newlines"), not through
  // replace(..., char(10)).
  bool newlines = false;
};

class Renderer {
 public:
  explicit Renderer(const OutputSettings& settings) : s_(settings) {}

  // Starts a statement's result with its column names (there is at least one).
  void BeginStatement(const std::vector<std::string>& names);
  void AddRow(const std::vector<Value>& row);
  // Finishes the statement: columnar modes print here; json closes its array.
  void EndStatement();

  // The output produced so far (removed from the renderer).
  std::string TakeOutput() { return std::move(out_); }
  size_t pending_bytes() const { return out_.size(); }

 private:
  void RowLineMode(const std::vector<Value>& row);
  void RowListMode(const std::vector<Value>& row);
  void RowCsv(const std::vector<Value>& row);
  void RowJson(const std::vector<Value>& row);
  void RowQuote(const std::vector<Value>& row);
  void RowInsert(const std::vector<Value>& row);
  void RowHtml(const std::vector<Value>& row);
  void RowSemi(const std::vector<Value>& row);
  void RowExplain(const std::vector<Value>& row);
  void AddColumnarRow(const std::vector<Value>& row);
  void PrintColumnar();

  const OutputSettings& s_;
  std::vector<std::string> names_;
  int64_t count_ = 0;  // rows seen in this statement
  std::string out_;
  // Columnar modes: display cells, row-major, the header first; one entry per display line.
  std::vector<std::string> cells_;
  std::vector<bool> row_div_;  // per display row: last line of its logical row
  bool multi_line_ = false;
};

// sqlite3's rendering of EXPLAIN QUERY PLAN rows (id, parent, detail) as a tree:
//   QUERY PLAN
//   |--SCAN b
//   `--USE TEMP B-TREE FOR ORDER BY
// Empty when there are no rows.
struct PlanRow {
  int64_t id = 0;
  int64_t parent = 0;
  std::string detail;
};
std::string RenderQueryPlan(const std::vector<PlanRow>& rows);

// Helpers shared with the shell (exposed for tests).

// sqlite3_column_text() as a C string: NULL -> false; TEXT/BLOB up to the first NUL byte.
bool ValueCText(const Value& v, std::string* out);
// Number of UTF-8 characters (bytes that are not continuation bytes) up to the first NUL.
int Utf8Chars(std::string_view s);
// 'text' with quotes doubled (sqlite3's output_quoted_string).
void AppendQuotedString(std::string_view s, std::string* out);
// REAL as quote/insert mode prints it: "N.0" for integral values, else "%!.20g"; insert mode
// (infinity_as_1e999) writes infinities as 1e999/-1e999, quote mode as Inf/-Inf.
void AppendRealLiteral(double r, std::string* out, bool infinity_as_1e999);
// The ".schema" line for one sql text (printSchemaLine with ";\n").
void AppendSchemaLine(std::string_view sql, std::string* out);
// sqlite3's output_c_string(): `z` as a C string literal ("a\tb"), for .show and .import -v.
std::string CString(std::string_view z);
// An identifier quoted with "" if it is not a plain identifier or is a keyword.
std::string QuoteIdentifierIfNeeded(std::string_view name);

}  // namespace dosql::shell
