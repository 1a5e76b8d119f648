#include "lockstep.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string_view>
#include <utility>

#include "dosql/engine/database.h"

namespace dosql::lockstep {

bool SameValue(const Value& a, const Value& b) {
  if (IdenticalValues(a, b)) return true;
  // (NaN is the same value as NaN here, whatever its bits.)
  return a.type() == ValueType::kReal && b.type() == ValueType::kReal && std::isnan(a.real()) &&
         std::isnan(b.real());
}

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

namespace {

// The SQLite optimisations the oracle runs without (SqliteSide's constructor says why).
constexpr int kPushDown = 0x1000;      // SQLITE_PushDown
constexpr int kOmitNoopJoin = 0x0100;  // SQLITE_OmitNoopJoin
constexpr int kOffOptimizations = kPushDown | kOmitNoopJoin;
constexpr int kQueryFlattener = 0x0001;  // SQLITE_QueryFlattener

bool RowLess(const Row& a, const Row& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); i++) {
    int c = TotalCompare(a[i], b[i]);
    if (c != 0) return c < 0;
  }
  return a.size() < b.size();
}

bool SameRow(const Row& a, const Row& b, double tolerance) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (SameValue(a[i], b[i])) continue;
    if (tolerance > 0 && a[i].type() == ValueType::kReal && b[i].type() == ValueType::kReal) {
      double x = a[i].real(), y = b[i].real();
      if (std::fabs(x - y) <= tolerance * std::max(std::fabs(x), std::fabs(y))) continue;
    }
    return false;
  }
  return true;
}

// The representative of `v`'s class under Comparison::loose.
Value LooseCanonical(const Value& v) {
  if (v.type() == ValueType::kReal) {
    double x = v.real();
    // Every integral double in [-2^63, 2^63) is an int64 (-2^63 itself too).
    if (x == std::floor(x) && x >= -9223372036854775808.0 && x < 9223372036854775808.0) {
      return Value::Integer(static_cast<int64_t>(x));
    }
  } else if (v.type() == ValueType::kText) {
    std::string t(v.bytes());
    const size_t nul = t.find('\0');
    if (nul != std::string::npos) {
      // NOCASE stops comparing at a NUL and then compares lengths: texts with the same
      // (case-folded) prefix and the same length are equal.
      t.replace(nul, std::string::npos, t.size() - nul, '\0');
    } else {
      while (!t.empty() && t.back() == ' ') t.pop_back();
    }
    for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return Value::Text(t);
  }
  return v;
}

std::vector<Row> LooseRows(const std::vector<Row>& rows) {
  std::vector<Row> out = rows;
  for (Row& r : out) {
    for (Value& v : r) v = LooseCanonical(v);
  }
  return out;
}

// "" if a and b hold the same rows in the same order.
std::string RowsDiffer(const std::vector<Row>& a, const std::vector<Row>& b, const char* what,
                       double tolerance) {
  for (size_t i = 0; i < a.size(); i++) {
    if (!SameRow(a[i], b[i], tolerance)) {
      return std::string(what) + std::to_string(i + 1) + ": dosql " + ShowRow(a[i]) +
             " vs SQLite " + ShowRow(b[i]);
    }
  }
  return "";
}

std::string MultisetsDiffer(std::vector<Row> a, std::vector<Row> b, const char* what,
                            double tolerance) {
  std::sort(a.begin(), a.end(), RowLess);
  std::sort(b.begin(), b.end(), RowLess);
  return RowsDiffer(a, b, what, tolerance);
}

bool OnlySpaceOrComments(const char* p) {
  std::string rest(p);
  return SkipSpaceAndComments(rest, 0) >= rest.size();
}

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

}  // namespace

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

std::string ShowRow(const Row& r) {
  std::string s = "(";
  for (size_t i = 0; i < r.size(); i++) {
    if (i) s += ", ";
    s += Show(r[i]);
  }
  return s + ")";
}

std::string ShowOutcome(const Outcome& o, size_t max_rows) {
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

namespace {

// The user-defined collations both sides register (lockstep.h). Equal values are equal bytes
// (REV, LEN) or differ only in ASCII case (RNOCASE), so that SQLite 3.40's Bloom filters, which
// hash TEXT by its length, stay exact.
int CompareBytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}
int CollRev(std::string_view a, std::string_view b) { return -CompareBytes(a, b); }
int CollLen(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return CompareBytes(a, b);
}
int CollRNoCase(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; i++) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return x < y ? 1 : -1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? 1 : -1);
}
using CollFn = int (*)(std::string_view, std::string_view);
const std::pair<const char*, CollFn> kCollations[] = {
    {"REV", CollRev}, {"LEN", CollLen}, {"RNOCASE", CollRNoCase}};

int SqliteCollation(void* fn, int na, const void* a, int nb, const void* b) {
  return reinterpret_cast<CollFn>(fn)(
      std::string_view(static_cast<const char*>(a), static_cast<size_t>(na)),
      std::string_view(static_cast<const char*>(b), static_cast<size_t>(nb)));
}

}  // namespace

SqliteSide::SqliteSide() {
  if (sqlite3_open(":memory:", &db_) != SQLITE_OK) std::abort();
  // SQLite 3.40 builds automatic indexes with the wrong collation in some joins
  // (docs/compatibility.md: a join `rtrim_col = binary_col` loses rows); results must not depend
  // on the plan, so the oracle runs without that optimisation.
  if (sqlite3_exec(db_, "PRAGMA automatic_index=off", nullptr, nullptr, nullptr) != SQLITE_OK) {
    std::abort();
  }
  // SQLite 3.40's push-down optimisation moves a LEFT JOIN's ON term into the subquery on its
  // left (`(SELECT NULL AS x FROM (SELECT 1)) AS a LEFT JOIN t ON a.x` loses its row when `t`
  // has an index): the oracle runs without it (0x1000 is SQLITE_PushDown). The query flattener
  // stays on: without it SQLite materializes views and subqueries, and a materialized column
  // applies its affinity (NUMERIC turns 0.0 into 0), which a flattened one does not.
  // SQLite 3.40's omission of a LEFT JOIN whose right table nothing reads (0x0100,
  // SQLITE_OmitNoopJoin) returns wrong rows under ORDER BY ... DESC LIMIT ... OFFSET when a
  // cross join follows (docs/compatibility.md): off as well.
  sqlite3_test_control(SQLITE_TESTCTRL_OPTIMIZATIONS, db_, kOffOptimizations);
  for (const auto& [name, fn] : kCollations) {
    if (sqlite3_create_collation(db_, name, SQLITE_UTF8, reinterpret_cast<void*>(fn),
                                 &SqliteCollation) != SQLITE_OK) {
      std::abort();
    }
  }
}
SqliteSide::~SqliteSide() { sqlite3_close_v2(db_); }

int SqliteSide::Progress(void* self) {
  auto* side = static_cast<SqliteSide*>(self);
  if (std::chrono::steady_clock::now() < side->deadline_) return 0;
  side->interrupted_ = true;
  return 1;
}

Outcome SqliteSide::Run(const std::string& sql) {
  Outcome o;
  interrupted_ = false;
  if (limits_.seconds > 0) {
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(limits_.seconds));
    sqlite3_progress_handler(db_, 100000, &SqliteSide::Progress, this);
  }
  o.total_changes_before = sqlite3_total_changes64(db_);
  o.last_insert_rowid_before = sqlite3_last_insert_rowid(db_);
  sqlite3_stmt* st = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()) + 1, &st, &tail);
  if (rc != SQLITE_OK &&
      std::string_view(sqlite3_errmsg(db_)) == "ON clause references tables to its right") {
    // SQLite 3.40's query flattener turns some valid joins into this error: a CTE or view whose
    // body joins a compound subquery, joined after a FULL JOIN (without the flattener SQLite
    // accepts the statement; docs/compatibility.md). The statement failed to prepare (nothing
    // ran): prepare it again without the flattener; if it still fails, that is SQLite's answer.
    sqlite3_test_control(SQLITE_TESTCTRL_OPTIMIZATIONS, db_, kOffOptimizations | kQueryFlattener);
    rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()) + 1, &st, &tail);
    sqlite3_test_control(SQLITE_TESTCTRL_OPTIMIZATIONS, db_, kOffOptimizations);
  }
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
      if (limits_.max_rows > 0 && o.rows.size() >= limits_.max_rows) {
        interrupted_ = true;
        rc = SQLITE_DONE;
        o.rows.clear();
        break;
      }
      Row row;
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
  o.timed_out = interrupted_;
  return o;
}

DosqlSide::DosqlSide() {
  auto c = engine::Connection::Open(":memory:");
  if (!c.ok()) {
    std::cerr << "dosql: cannot open an in-memory database: " << c.status().ToString() << "\n";
    std::abort();
  }
  conn_ = std::move(c).value();
  for (const auto& [name, fn] : kCollations) {
    if (!conn_->CreateCollation(name, fn).ok()) std::abort();
  }
}
DosqlSide::~DosqlSide() = default;

void DosqlSide::set_limits(Limits limits) {
  limits_ = limits;
  conn_->SetStatementTimeout(std::chrono::milliseconds(static_cast<int64_t>(limits.seconds * 1000)));
}

Outcome DosqlSide::Run(const std::string& sql) {
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
    std::unique_ptr<engine::Statement> st = std::move(prepared).value();
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
        o.timed_out = limits_.seconds > 0 &&
                      r.status().message().find("timed out") != std::string::npos;
        break;
      }
      if (!*r) break;
      if (limits_.max_rows > 0 && o.rows.size() >= limits_.max_rows) {
        o.timed_out = true;
        o.rows.clear();
        break;
      }
      Row row;
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

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

std::string Difference(const Outcome& d, const Outcome& s, const Comparison& how) {
  if (!d.note.empty() || !s.note.empty()) return "split: " + d.note + s.note;
  if (d.empty != s.empty) return "one engine saw no statement";
  if (d.empty) return "";
  if (d.ok != s.ok)
    return d.ok ? "dosql succeeded, SQLite failed" : "dosql failed, SQLite succeeded";
  if (!d.ok) return "";
  if (d.columns != s.columns) return "column count";
  if (d.rows.size() != s.rows.size()) return "row count";
  if (d.columns > 0) {
    std::string diff;
    if (how.ordered) {
      const double tol = how.real_tolerance;
      diff = how.loose || how.loose_ties
                 ? RowsDiffer(LooseRows(d.rows), LooseRows(s.rows), "row ", tol)
                 : RowsDiffer(d.rows, s.rows, "row ", tol);
    }
    if (diff.empty() && !(how.ordered && !how.loose && !how.loose_ties)) {
      diff = how.loose ? MultisetsDiffer(LooseRows(d.rows), LooseRows(s.rows), "sorted row ",
                                         how.real_tolerance)
                       : MultisetsDiffer(d.rows, s.rows, "sorted row ", how.real_tolerance);
    }
    if (!diff.empty()) return diff;
  }
  if (how.dml && d.changes != s.changes) {
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

// ---------------------------------------------------------------------------------------------
// Lexical helpers
// ---------------------------------------------------------------------------------------------

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

std::vector<ScriptStatement> SplitScript(const std::string& text) {
  std::vector<ScriptStatement> out;
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

}  // namespace dosql::lockstep
