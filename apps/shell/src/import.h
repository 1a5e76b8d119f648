// dosql shell — the pieces of ".import": reading CSV or ASCII-separated fields from a file the way
// sqlite3 3.40's csv_read_one_field()/ascii_read_one_field() do, and the column definitions of a
// table created from a header row (sqlite3's zAutoColumn(): every column TEXT, duplicate names
// renamed NAME_POS).
//
// The shell's Shell::CmdImport (import.cc) drives them: it binds each row's fields to a prepared
// INSERT inside one transaction, with sqlite3's warnings for short and long rows.
//
// Ownership: a FieldReader does not own its FILE. Not thread-safe.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dosql::shell {

class FieldReader {
 public:
  // `name` is the file name used in warnings ("FILE:LINE: ..."), which go to `warn`. CSV mode
  // honours "..." quoting (doubled quotes, separators and line breaks inside), strips a '\r'
  // before the row separator and skips a UTF-8 byte order mark; ASCII mode splits on the bytes.
  FieldReader(FILE* in, std::string name, char col_sep, char row_sep, bool csv,
              std::function<void(const std::string&)> warn);

  // Reads the next field into field(). False at the end of the input (then term() is EOF).
  bool Read();
  // The field just read, up to its first NUL byte (as sqlite3 binds it, as a C string).
  std::string_view field() const;
  // What ended the field: the column separator, the row separator, or EOF.
  int term() const { return term_; }
  // The current input line (1-based; advanced by each row separator read).
  int64_t line() const { return line_; }
  const std::string& name() const { return name_; }
  // Stops at the next Read() (as if at the end of the input): Ctrl-C.
  void set_stop(std::function<bool()> stop) { stop_ = std::move(stop); }

 private:
  int Get();
  bool ReadCsv(int c);

  FILE* in_;
  std::string name_;
  int col_sep_;
  int row_sep_;
  bool csv_;
  std::function<void(const std::string&)> warn_;
  std::function<bool()> stop_;
  std::string buf_;
  size_t buf_pos_ = 0;
  std::string z_;
  int term_ = 0;
  int64_t line_ = 1;
  bool not_first_ = false;
};

// sqlite3's zAutoColumn(): "(\n\"a\" TEXT, \"b\" TEXT, ...)" for the header fields (a line break
// after every four columns; an empty name becomes "?"). Names equal ignoring ASCII case are
// renamed NAME_POS (POS the 1-based column, zero-padded further if that still collides);
// *renames receives sqlite3's report ("\"a\" to \"a_1\",\n...") or stays empty.
std::string AutoColumnDefs(const std::vector<std::string>& names, std::string* renames);

// sqlite3's "%w": `s` with double quotes doubled.
std::string EscapeIdentifier(std::string_view s);

}  // namespace dosql::shell
