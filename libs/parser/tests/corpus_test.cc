// Parses every SQL record of the sqllogictest sample in ../shared/slt (read in place, never
// copied): every `statement ok` and `query` record that SQLite runs must parse. Records guarded
// by `onlyif <other engine>` or `skipif sqlite` are parsed too but only counted, and so are
// `statement error` records (most of those are semantic errors that parse fine).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dosql/parser/parser.h"

#ifndef DOSQL_SLT_DIR
#define DOSQL_SLT_DIR ""
#endif

namespace dosql::parser {
namespace {

struct Record {
  std::string file;
  int line = 0;
  enum Kind { kStatementOk, kStatementError, kQuery } kind = kStatementOk;
  bool applies = true;  // SQLite runs it
  std::string sql;
};

bool StartsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

std::vector<Record> ReadRecords(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(std::move(l));
  }
  std::vector<Record> out;
  bool applies = true;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty()) {
      applies = true;
      continue;
    }
    if (StartsWith(l, "#")) continue;
    std::istringstream words(l);
    std::string w0, w1;
    words >> w0 >> w1;
    if (w0 == "onlyif") {
      if (w1 != "sqlite") applies = false;
      continue;
    }
    if (w0 == "skipif") {
      if (w1 == "sqlite") applies = false;
      continue;
    }
    if (w0 == "halt") {
      if (applies) break;
      applies = true;
      continue;
    }
    if (w0 != "statement" && w0 != "query") continue;
    Record r;
    r.file = path.string();
    r.line = static_cast<int>(i + 1);
    r.kind = w0 == "query" ? Record::kQuery
             : w1 == "ok"  ? Record::kStatementOk
                           : Record::kStatementError;
    r.applies = applies;
    size_t j = i + 1;
    for (; j < lines.size() && !lines[j].empty() && lines[j] != "----"; ++j) {
      if (!r.sql.empty()) r.sql += '\n';
      r.sql += lines[j];
    }
    // Skip the expected results of a query.
    if (j < lines.size() && lines[j] == "----") {
      while (j < lines.size() && !lines[j].empty()) ++j;
    }
    i = j;
    applies = true;
    out.push_back(std::move(r));
  }
  return out;
}

TEST(SltCorpus, EveryRunnableRecordParses) {
  std::filesystem::path dir(DOSQL_SLT_DIR);
  if (dir.empty() || !std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "sqllogictest corpus not found at '" << DOSQL_SLT_DIR << "'";
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".test") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  int must = 0, must_ok = 0, other = 0, other_ok = 0, err = 0, err_parse_fail = 0;
  std::vector<std::string> failures;
  for (const auto& f : files) {
    for (const Record& r : ReadRecords(f)) {
      auto parsed = ParseScript(r.sql);
      bool ok = parsed.ok() && !parsed->empty();
      if (r.kind == Record::kStatementError) {
        ++err;
        if (!ok) ++err_parse_fail;
      } else if (r.applies) {
        ++must;
        if (ok) {
          ++must_ok;
        } else if (failures.size() < 20) {
          failures.push_back(r.file + ":" + std::to_string(r.line) + ": " + r.sql + "\n    " +
                             parsed.status().ToString());
        }
      } else {
        ++other;
        if (ok) ++other_ok;
      }
    }
  }
  std::printf("[ corpus   ] %zu files; statement ok + query run by SQLite: %d/%d parse\n",
              files.size(), must_ok, must);
  std::printf("[ corpus   ] other engines' records (onlyif/skipif): %d/%d parse\n", other_ok,
              other);
  std::printf("[ corpus   ] statement error records: %d, of which %d are syntax errors\n", err,
              err_parse_fail);
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_EQ(must_ok, must);
  EXPECT_GT(must, 30000);
}

}  // namespace
}  // namespace dosql::parser
