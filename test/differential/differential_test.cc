// Differential test: every statement of every corpus file test/differential/*.sql runs through
// dosql (the engine's public API, in-memory database) and through the real SQLite (C API,
// in-memory database; a test-only dependency) in lock step, and the two must agree:
//
//   * outcome: both succeed or both fail (messages may differ; both are printed when the outcome
//     differs, and error-text differences are listed as notes);
//   * queries (a statement with result columns, including RETURNING): the column count and every
//     value's storage class and value (REAL bit-exact). Rows are compared in order when the
//     statement has a top-level ORDER BY, otherwise as a multiset;
//   * after a successful statement: autocommit(), how much total_changes() grew, the new
//     last_insert_rowid() if it changed in either engine, and (after INSERT/UPDATE/DELETE)
//     changes().
//
// Statements are split with sqlite3_complete() (so statements that are meant to fail to parse,
// and CREATE TRIGGER bodies, split the same way for both engines). Each file starts with fresh
// databases. `known_failures.sql` runs the same way but only reports its mismatches: it holds
// statements on which dosql is known to differ, until the engine is fixed. There, a comment line
// "-- @mismatch" right before a statement marks it as a known mismatch (the run says when one
// starts to agree, so that it can move back to its topic file), and "-- @skip-dosql" marks a
// statement that is not run at all because dosql would hang or exhaust memory on it.
//
// Environment: DOSQL_DIFF_DIR overrides the corpus directory; DOSQL_DIFF_VERBOSE=1 also prints
// every statement whose error messages differ; DOSQL_DIFF_TRACE=1 prints each statement before
// it runs.
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dosql/core/value.h"
#include "dosql/engine/database.h"

#ifndef DOSQL_DIFF_CORPUS_DIR
#define DOSQL_DIFF_CORPUS_DIR "test/differential"
#endif

namespace {

using dosql::Value;
using dosql::ValueType;
namespace fs = std::filesystem;

constexpr const char* kKnownFailuresFile = "known_failures.sql";

std::string CorpusDir() {
  const char* env = std::getenv("DOSQL_DIFF_DIR");
  return env && *env ? std::string(env) : std::string(DOSQL_DIFF_CORPUS_DIR);
}

bool EnvFlag(const char* name) {
  const char* env = std::getenv(name);
  return env && *env && std::string(env) != "0";
}
bool Verbose() { return EnvFlag("DOSQL_DIFF_VERBOSE"); }
// Prints every statement before it runs (to find a statement that hangs or crashes).
bool Trace() { return EnvFlag("DOSQL_DIFF_TRACE"); }

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(CorpusDir(), ec)) {
    if (e.is_regular_file() && e.path().extension() == ".sql") {
      files.push_back(e.path().filename().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// ---------------------------------------------------------------------------------------------
// Splitting and light lexical analysis (independent of both parsers).
// ---------------------------------------------------------------------------------------------

struct CorpusStatement {
  std::string text;     // from the first token to the end of the statement (incl. ';')
  int line = 0;         // 1-based line of the first token
  std::string leading;  // the comments and blank lines before it
};

// Offset of the first character that is not whitespace or inside a comment, from `pos`.
size_t SkipSpaceAndComments(const std::string& s, size_t pos) {
  while (pos < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[pos]);
    if (std::isspace(c)) {
      pos++;
    } else if (c == '-' && pos + 1 < s.size() && s[pos + 1] == '-') {
      while (pos < s.size() && s[pos] != '\n') pos++;
    } else if (c == '/' && pos + 1 < s.size() && s[pos + 1] == '*') {
      size_t end = s.find("*/", pos + 2);
      pos = end == std::string::npos ? s.size() : end + 2;
    } else if (c == ';') {
      pos++;  // empty statements
    } else {
      break;
    }
  }
  return pos;
}

std::vector<CorpusStatement> SplitStatements(const std::string& text) {
  std::vector<CorpusStatement> out;
  size_t start = 0;
  auto line_of = [&text](size_t off) {
    return 1 +
           static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(off), '\n'));
  };
  for (size_t i = 0; i < text.size(); i++) {
    if (text[i] != ';') continue;
    std::string chunk = text.substr(start, i + 1 - start);
    if (!sqlite3_complete(chunk.c_str())) continue;
    size_t first = SkipSpaceAndComments(text, start);
    if (first <= i) {
      out.push_back(
          {text.substr(first, i + 1 - first), line_of(first), text.substr(start, first - start)});
    }
    start = i + 1;
  }
  size_t first = SkipSpaceAndComments(text, start);
  if (first < text.size()) {
    out.push_back({text.substr(first), line_of(first), text.substr(start, first - start)});
  }
  return out;
}

// The statement's words outside strings, quoted identifiers and comments, with the parenthesis
// depth of each; used to find a top-level ORDER BY.
bool HasTopLevelOrderBy(const std::string& s) {
  int depth = 0;
  std::string prev;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\'' || c == '"' || c == '`') {
      size_t j = i + 1;
      while (j < s.size()) {
        if (s[j] == c) {
          if (j + 1 < s.size() && s[j + 1] == c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = j + 1;
      prev.clear();
    } else if (c == '[') {
      size_t j = s.find(']', i);
      i = j == std::string::npos ? s.size() : j + 1;
      prev.clear();
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') i++;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t j = s.find("*/", i + 2);
      i = j == std::string::npos ? s.size() : j + 2;
    } else if (c == '(') {
      depth++;
      i++;
      prev.clear();
    } else if (c == ')') {
      depth--;
      i++;
      prev.clear();
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < s.size() &&
             (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '$')) {
        j++;
      }
      std::string word = s.substr(i, j - i);
      for (auto& ch : word) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (depth == 0 && prev == "ORDER" && word == "BY") return true;
      prev = word;
      i = j;
    } else {
      if (!std::isspace(static_cast<unsigned char>(c))) prev.clear();
      i++;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

struct Outcome {
  bool ok = true;
  bool empty = false;   // the text holds no statement
  std::string error;    // for display (dosql: with the status code)
  std::string message;  // the message alone, to compare with SQLite's
  int columns = 0;
  std::vector<std::string> names;
  std::vector<std::vector<Value>> rows;
  int64_t changes = 0;
  int64_t total_changes = 0;
  int64_t last_insert_rowid = 0;
  // The counters before the statement ran (compared as deltas, so that one difference does not
  // repeat for every later statement).
  int64_t total_changes_before = 0;
  int64_t last_insert_rowid_before = 0;
  bool autocommit = true;
  std::string note;  // harness-level anomaly (e.g. text left after the statement)
};

bool SameValue(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case ValueType::kNull:
      return true;
    case ValueType::kInteger:
      return a.integer() == b.integer();
    case ValueType::kReal: {
      double x = a.real(), y = b.real();
      return std::memcmp(&x, &y, sizeof(x)) == 0 || (std::isnan(x) && std::isnan(y));
    }
    default:
      return a.bytes() == b.bytes();
  }
}

// A strict total order consistent with SameValue (for multiset comparison).
int TotalCompare(const Value& a, const Value& b) {
  if (a.type() != b.type()) return a.type() < b.type() ? -1 : 1;
  switch (a.type()) {
    case ValueType::kNull:
      return 0;
    case ValueType::kInteger:
      return a.integer() < b.integer() ? -1 : a.integer() > b.integer();
    case ValueType::kReal: {
      double x = a.real(), y = b.real();
      uint64_t bx, by;
      std::memcpy(&bx, &x, 8);
      std::memcpy(&by, &y, 8);
      return bx < by ? -1 : bx > by;
    }
    default:
      return a.bytes().compare(b.bytes()) < 0 ? -1 : a.bytes() != b.bytes();
  }
}

bool RowLess(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); i++) {
    int c = TotalCompare(a[i], b[i]);
    if (c != 0) return c < 0;
  }
  return a.size() < b.size();
}

bool SameRow(const std::vector<Value>& a, const std::vector<Value>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (!SameValue(a[i], b[i])) return false;
  }
  return true;
}

std::string Show(const Value& v) {
  char buf[64];
  switch (v.type()) {
    case ValueType::kNull:
      return "NULL";
    case ValueType::kInteger:
      return std::to_string(v.integer());
    case ValueType::kReal:
      std::snprintf(buf, sizeof(buf), "%.17g", v.real());
      return std::string("real:") + buf;
    case ValueType::kText:
      return "text:" + v.DebugString();
    case ValueType::kBlob:
      return "blob:" + v.DebugString();
  }
  return "?";
}

std::string ShowRow(const std::vector<Value>& r) {
  std::string s = "(";
  for (size_t i = 0; i < r.size(); i++) {
    if (i) s += ", ";
    s += Show(r[i]);
  }
  return s + ")";
}

std::string ShowOutcome(const Outcome& o, size_t max_rows = 25) {
  std::ostringstream os;
  if (o.empty) return "(no statement)";
  if (!o.ok) return "error: " + o.error;
  if (o.columns == 0) {
    os << "ok (changes=" << o.changes << ", total_changes=" << o.total_changes_before << "->"
       << o.total_changes << ", last_insert_rowid=" << o.last_insert_rowid_before << "->"
       << o.last_insert_rowid << ", autocommit=" << (o.autocommit ? 1 : 0) << ")";
    return os.str();
  }
  os << o.rows.size() << " row(s) of " << o.columns << " column(s)";
  for (size_t i = 0; i < o.rows.size() && i < max_rows; i++) os << "\n      " << ShowRow(o.rows[i]);
  if (o.rows.size() > max_rows) os << "\n      ... " << (o.rows.size() - max_rows) << " more";
  return os.str();
}

// ---------------------------------------------------------------------------------------------
// The two engines
// ---------------------------------------------------------------------------------------------

Value SqliteColumn(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
      return Value::Integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
      return Value::Real(sqlite3_column_double(st, i));
    case SQLITE_TEXT: {
      auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
      return Value::Text(std::string(p, static_cast<size_t>(sqlite3_column_bytes(st, i))));
    }
    case SQLITE_BLOB: {
      auto* p = static_cast<const char*>(sqlite3_column_blob(st, i));
      int n = sqlite3_column_bytes(st, i);
      return Value::Blob(n ? std::string(p, static_cast<size_t>(n)) : std::string());
    }
    default:
      return Value::Null();
  }
}

// True if `leading` (the text before a statement) has a line that is exactly "-- <marker>".
bool HasMarker(const std::string& leading, const std::string& marker) {
  std::istringstream in(leading);
  std::string line;
  while (std::getline(in, line)) {
    size_t b = line.find_first_not_of(" \t\r");
    size_t e = line.find_last_not_of(" \t\r");
    if (b != std::string::npos && line.substr(b, e + 1 - b) == "-- " + marker) return true;
  }
  return false;
}

bool OnlySpaceOrComments(const char* p) {
  std::string rest(p);
  return SkipSpaceAndComments(rest, 0) >= rest.size();
}

class SqliteSide {
 public:
  SqliteSide() {
    if (sqlite3_open(":memory:", &db_) != SQLITE_OK) std::abort();
  }
  ~SqliteSide() { sqlite3_close_v2(db_); }

  Outcome Run(const std::string& sql) {
    Outcome o;
    o.total_changes_before = sqlite3_total_changes64(db_);
    o.last_insert_rowid_before = sqlite3_last_insert_rowid(db_);
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()) + 1, &st, &tail);
    if (rc != SQLITE_OK) {
      o.ok = false;
      o.error = sqlite3_errmsg(db_);
    } else if (!st) {
      o.empty = true;
    } else {
      if (tail && !OnlySpaceOrComments(tail)) o.note = std::string("sqlite left a tail: ") + tail;
      o.columns = sqlite3_column_count(st);
      for (int i = 0; i < o.columns; i++) o.names.push_back(sqlite3_column_name(st, i));
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        std::vector<Value> row;
        for (int i = 0; i < o.columns; i++) row.push_back(SqliteColumn(st, i));
        o.rows.push_back(std::move(row));
      }
      if (rc != SQLITE_DONE) {
        o.ok = false;
        o.error = sqlite3_errmsg(db_);
        o.rows.clear();
      }
      sqlite3_finalize(st);
    }
    o.changes = sqlite3_changes64(db_);
    o.total_changes = sqlite3_total_changes64(db_);
    o.last_insert_rowid = sqlite3_last_insert_rowid(db_);
    o.autocommit = sqlite3_get_autocommit(db_) != 0;
    return o;
  }

 private:
  sqlite3* db_ = nullptr;
};

class DosqlSide {
 public:
  DosqlSide() {
    auto c = dosql::engine::Connection::Open(":memory:");
    if (!c.ok()) {
      std::cerr << "dosql: cannot open an in-memory database: " << c.status().ToString() << "\n";
      std::abort();
    }
    conn_ = std::move(c).value();
  }

  Outcome Run(const std::string& sql) {
    Outcome o;
    o.total_changes_before = conn_->total_changes();
    o.last_insert_rowid_before = conn_->last_insert_rowid();
    size_t tail = 0;
    auto prepared = conn_->Prepare(sql, &tail);
    if (!prepared.ok()) {
      o.ok = false;
      o.error = prepared.status().ToString();
      o.message = prepared.status().message();
    } else if (!*prepared) {
      o.empty = true;
    } else {
      std::unique_ptr<dosql::engine::Statement> st = std::move(prepared).value();
      if (tail < sql.size() && !OnlySpaceOrComments(sql.c_str() + tail)) {
        o.note = "dosql left a tail: " + sql.substr(tail);
      }
      o.columns = st->column_count();
      for (int i = 0; i < o.columns; i++) o.names.push_back(st->column_name(i));
      while (true) {
        auto r = st->Step();
        if (!r.ok()) {
          o.ok = false;
          o.error = r.status().ToString();
          o.message = r.status().message();
          o.rows.clear();
          break;
        }
        if (!*r) break;
        std::vector<Value> row;
        for (int i = 0; i < o.columns; i++) row.push_back(st->column(i));
        o.rows.push_back(std::move(row));
      }
    }
    o.changes = conn_->changes();
    o.total_changes = conn_->total_changes();
    o.last_insert_rowid = conn_->last_insert_rowid();
    o.autocommit = conn_->autocommit();
    return o;
  }

 private:
  std::unique_ptr<dosql::engine::Connection> conn_;
};

// The first keyword of a statement, upper-cased.
std::string FirstKeyword(const std::string& sql) {
  size_t i = SkipSpaceAndComments(sql, 0), j = i;
  while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) j++;
  std::string w = sql.substr(i, j - i);
  for (auto& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return w;
}

bool IsDml(const std::string& sql) {
  std::string k = FirstKeyword(sql);
  return k == "INSERT" || k == "UPDATE" || k == "DELETE" || k == "REPLACE";
}

// Empty when the two outcomes agree; otherwise what differs. `dml`: the statement is an
// INSERT/UPDATE/DELETE, so changes() reports it.
std::string Difference(const Outcome& d, const Outcome& s, bool ordered, bool dml = false) {
  if (!d.note.empty() || !s.note.empty()) return "split: " + d.note + s.note;
  if (d.empty != s.empty) return "one engine saw no statement";
  if (d.empty) return "";
  if (d.ok != s.ok)
    return d.ok ? "dosql succeeded, SQLite failed" : "dosql failed, SQLite succeeded";
  if (!d.ok) return "";
  if (d.columns != s.columns) return "column count";
  if (d.rows.size() != s.rows.size()) return "row count";
  if (d.columns > 0) {
    std::vector<std::vector<Value>> a = d.rows, b = s.rows;
    if (!ordered) {
      std::sort(a.begin(), a.end(), RowLess);
      std::sort(b.begin(), b.end(), RowLess);
    }
    for (size_t i = 0; i < a.size(); i++) {
      if (!SameRow(a[i], b[i])) {
        return std::string(ordered ? "row " : "sorted row ") + std::to_string(i + 1) + ": dosql " +
               ShowRow(a[i]) + " vs SQLite " + ShowRow(b[i]);
      }
    }
  }
  if (dml && d.changes != s.changes) {
    return "changes(): dosql " + std::to_string(d.changes) + " vs SQLite " +
           std::to_string(s.changes);
  }
  int64_t dt = d.total_changes - d.total_changes_before;
  int64_t st = s.total_changes - s.total_changes_before;
  if (dt != st) {
    return "total_changes() grew by " + std::to_string(dt) + " in dosql, by " + std::to_string(st) +
           " in SQLite";
  }
  bool dl = d.last_insert_rowid != d.last_insert_rowid_before;
  bool sl = s.last_insert_rowid != s.last_insert_rowid_before;
  if ((dl || sl) && d.last_insert_rowid != s.last_insert_rowid) {
    return "last_insert_rowid(): dosql " + std::to_string(d.last_insert_rowid) +
           (dl ? "" : " (unchanged)") + " vs SQLite " + std::to_string(s.last_insert_rowid) +
           (sl ? "" : " (unchanged)");
  }
  if (d.autocommit != s.autocommit) {
    return std::string("autocommit(): dosql ") + (d.autocommit ? "true" : "false") + " vs SQLite " +
           (s.autocommit ? "true" : "false");
  }
  return "";
}

// Totals over the whole run, printed at exit.
struct Totals {
  int files = 0;
  int statements = 0;
  int queries = 0;
  int rows = 0;
  int mismatches = 0;
  int known_mismatches = 0;
  int message_differences = 0;
  double seconds = 0;
};
Totals g_totals;

class SummaryPrinter : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf(
        "[differential] %d file(s), %d statement(s) compared, %d of them queries (%d rows); "
        "%d mismatch(es), %d known mismatch(es); %d error-message difference(s); %.2f s\n",
        g_totals.files, g_totals.statements, g_totals.queries, g_totals.rows, g_totals.mismatches,
        g_totals.known_mismatches, g_totals.message_differences, g_totals.seconds);
  }
};
const auto* const g_env = ::testing::AddGlobalTestEnvironment(new SummaryPrinter);

class Differential : public ::testing::TestWithParam<std::string> {};

TEST_P(Differential, AgreesWithSqlite) {
  const std::string& name = GetParam();
  const bool known = name == kKnownFailuresFile;
  std::ifstream in(fs::path(CorpusDir()) / name, std::ios::binary);
  ASSERT_TRUE(in.good()) << "cannot read " << name;
  std::stringstream buf;
  buf << in.rdbuf();
  const std::vector<CorpusStatement> stmts = SplitStatements(buf.str());
  ASSERT_FALSE(stmts.empty()) << name << " holds no statement";

  auto t0 = std::chrono::steady_clock::now();
  DosqlSide dosql;
  SqliteSide sqlite;
  int queries = 0, rows = 0, mismatches = 0, messages = 0, skipped = 0;
  for (const CorpusStatement& cs : stmts) {
    const bool marked = known && HasMarker(cs.leading, "@mismatch");
    if (known && HasMarker(cs.leading, "@skip-dosql")) {
      skipped++;
      std::cout << "[known failure, not run] " << name << ":" << cs.line << ": " << cs.text << "\n";
      continue;
    }
    if (Trace()) std::cout << "[trace] " << name << ":" << cs.line << ": " << cs.text << std::endl;
    Outcome d = dosql.Run(cs.text);
    Outcome s = sqlite.Run(cs.text);
    const bool ordered = HasTopLevelOrderBy(cs.text);
    if (s.ok && s.columns > 0) {
      queries++;
      rows += static_cast<int>(s.rows.size());
    }
    std::string diff = Difference(d, s, ordered, IsDml(cs.text));
    if (!diff.empty()) {
      mismatches++;
      std::ostringstream msg;
      msg << name << ":" << cs.line << ": " << diff << "\n  statement: " << cs.text
          << "\n  dosql:  " << ShowOutcome(d) << "\n  sqlite: " << ShowOutcome(s)
          << (ordered ? "\n  (compared in order: top-level ORDER BY)" : "");
      if (known) {
        std::cout << (marked ? "[known failure] " : "[known failures file, unmarked mismatch] ")
                  << msg.str() << "\n";
      } else {
        ADD_FAILURE() << msg.str();
      }
    } else if (marked) {
      std::cout << "[known failure now agrees: move it back to its topic file] " << name << ":"
                << cs.line << ": " << cs.text << "\n";
    }
    if (diff.empty() && !d.ok && !s.ok) {
      // Both failed: the messages need not match; note when they differ (dosql may add a
      // position to SQLite's text).
      if (d.message.rfind(s.error, 0) != 0) {
        messages++;
        if (Verbose()) {
          std::cout << "[message] " << name << ":" << cs.line << ": " << cs.text
                    << "\n  dosql:  " << d.error << "\n  sqlite: " << s.error << "\n";
        }
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "[differential] %s: %zu statement(s)%s, %d query(ies), %d row(s), %d mismatch(es)%s, "
      "%d error-message difference(s), %.3f s\n",
      name.c_str(), stmts.size() - skipped,
      skipped ? (" (+" + std::to_string(skipped) + " not run)").c_str() : "", queries, rows,
      mismatches, known ? " (known, not failing)" : "", messages, secs);
  g_totals.files++;
  g_totals.statements += static_cast<int>(stmts.size()) - skipped;
  g_totals.queries += queries;
  g_totals.rows += rows;
  (known ? g_totals.known_mismatches : g_totals.mismatches) += mismatches;
  g_totals.message_differences += messages;
  g_totals.seconds += secs;
}

std::string FileTestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = fs::path(info.param).stem().string();
  for (auto& c : n) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(Corpus, Differential, ::testing::ValuesIn(CorpusFiles()), FileTestName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Differential);

// The harness's own pieces.
TEST(DifferentialHarness, CorpusIsThere) {
  std::vector<std::string> files = CorpusFiles();
  EXPECT_GE(files.size(), 2u) << "no corpus in " << CorpusDir();
  EXPECT_NE(std::find(files.begin(), files.end(), kKnownFailuresFile), files.end());
}

TEST(DifferentialHarness, SplitsLikeSqlite) {
  auto v = SplitStatements(
      "-- c\nSELECT 1; SELECT ';' ; /* x; */ CREATE TRIGGER t AFTER INSERT ON a BEGIN "
      "SELECT 1; SELECT 2; END;\n;;SELECT 3");
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].text, "SELECT 1;");
  EXPECT_EQ(v[0].line, 2);
  EXPECT_EQ(v[1].text, "SELECT ';' ;");
  EXPECT_EQ(v[2].text.rfind("CREATE TRIGGER", 0), 0u);
  EXPECT_EQ(v[2].text.back(), ';');
  EXPECT_EQ(v[3].text, "SELECT 3");
  EXPECT_EQ(v[3].line, 3);
  EXPECT_EQ(v[0].leading, "-- c\n");
  EXPECT_TRUE(HasMarker("-- x\n  -- @mismatch\n", "@mismatch"));
  EXPECT_FALSE(HasMarker("-- a @mismatch is marked by ...\n", "@mismatch"));
}

TEST(DifferentialHarness, TopLevelOrderBy) {
  EXPECT_TRUE(HasTopLevelOrderBy("SELECT a FROM t ORDER BY a"));
  EXPECT_TRUE(HasTopLevelOrderBy("WITH c AS (SELECT 1) SELECT * FROM c order\n by 1"));
  EXPECT_FALSE(HasTopLevelOrderBy("SELECT * FROM (SELECT a FROM t ORDER BY a)"));
  EXPECT_FALSE(HasTopLevelOrderBy("SELECT 'ORDER BY' FROM t"));
  EXPECT_FALSE(HasTopLevelOrderBy("SELECT group_concat(a ORDER BY a) FROM t"));
  EXPECT_FALSE(HasTopLevelOrderBy("SELECT \"order\" by_ FROM t -- ORDER BY"));
}

TEST(DifferentialHarness, ComparesTypesAndRealBits) {
  Outcome a, b;
  a.columns = b.columns = 1;
  a.rows = {{Value::Integer(1)}, {Value::Real(0.0)}};
  b.rows = {{Value::Real(0.0)}, {Value::Integer(1)}};
  EXPECT_EQ(Difference(a, b, false), "");
  EXPECT_NE(Difference(a, b, true), "");
  b.rows = {{Value::Real(-0.0)}, {Value::Integer(1)}};
  EXPECT_NE(Difference(a, b, false), "");
  b.rows = {{Value::Real(1.0)}, {Value::Real(0.0)}};
  EXPECT_NE(Difference(a, b, false), "");
  b.rows = {{Value::Text("1")}, {Value::Real(0.0)}};
  EXPECT_NE(Difference(a, b, false), "");
}

}  // namespace
