// dosql-slt — the sqllogictest script format: records and a streaming reader.
//
// A script is a sequence of records separated by one or more blank lines (lines of only
// whitespace are blank). Lines starting with '#' are comments and are removed before anything
// else, even inside a record (they never separate records). A trailing '\r' is dropped. Records:
//
//   statement ok|error       SQL on the following lines. DuckDB's extension: "statement error"
//                            may be followed by "----" and an expected error message (a
//                            substring of the engine's message).
//   query <types> [nosort|rowsort|valuesort] [<label>]
//                            SQL up to a "----" line, then the expected results up to the end of
//                            the record (none: an empty result). <types> has one letter per
//                            column: I (integer), R (real), T (text).
//   hash-threshold <N>       hash results of more than N values (0: never).
//   halt                     stop running this script.
//   restart                  (DuckDB) close and reopen the database, keeping its contents.
//   mode skip|unskip         (DuckDB) skip the statements and queries that follow / stop doing so.
//
// Any record may be preceded by condition lines "skipif <engine>" / "onlyif <engine>" (text
// after the engine name is a comment). The reader only parses; what records mean is runner.h's.
// ScriptReader streams: it holds one record at a time, so memory does not grow with the script.
// A reader is used by one thread.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dosql::slt {

enum class RecordType { kStatement, kQuery, kHashThreshold, kHalt, kRestart, kMode, kInvalid };
enum class SortMode { kNoSort, kRowSort, kValueSort };

std::string_view RecordTypeName(RecordType type);

struct Condition {
  bool only_if = false;  // "onlyif" (true) or "skipif" (false)
  std::string engine;
};

struct Record {
  RecordType type = RecordType::kInvalid;
  int line = 0;  // 1-based line of the record's command line (after its conditions)
  std::vector<Condition> conditions;

  // kStatement and kQuery: the SQL, its lines joined with '\n'.
  std::string sql;

  // kStatement.
  bool expect_error = false;
  std::optional<std::string> expected_error;  // message after "----" in "statement error"

  // kQuery.
  std::string types;  // one of 'I', 'R', 'T' per result column
  SortMode sort_mode = SortMode::kNoSort;
  std::string label;
  std::vector<std::string> expected;  // the lines after "----", as written

  // kHashThreshold.
  int64_t hash_threshold = 0;

  // kMode: true for "mode skip", false for "mode unskip".
  bool skip = false;

  // kInvalid: why the record could not be parsed.
  std::string error;
};

class ScriptReader {
 public:
  explicit ScriptReader(std::istream& in) : in_(in) {}

  // Reads the next record. Returns false at the end of the script. A malformed record comes back
  // as kInvalid (with `error` and `line`); reading may continue after it.
  bool Next(Record* record);

 private:
  // Reads the next non-comment line into line_ (blank lines come back empty). False at the end.
  bool ReadLine();
  // Consumes the rest of the current record (up to a blank line or the end).
  void SkipRecord();
  bool ParseStatement(const std::vector<std::string_view>& tokens, Record* record);
  bool ParseQuery(const std::vector<std::string_view>& tokens, Record* record);

  std::istream& in_;
  std::string line_;
  int line_number_ = 0;
};

// Splits a line at whitespace.
std::vector<std::string_view> Tokenize(std::string_view line);

}  // namespace dosql::slt
