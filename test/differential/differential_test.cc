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
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dosql/core/value.h"
#include "lockstep/lockstep.h"

#ifndef DOSQL_DIFF_CORPUS_DIR
#define DOSQL_DIFF_CORPUS_DIR "test/differential"
#endif

namespace {

using dosql::Value;
using dosql::lockstep::Comparison;
using dosql::lockstep::DosqlSide;
using dosql::lockstep::HasTopLevelOrderBy;
using dosql::lockstep::IsDml;
using dosql::lockstep::Outcome;
using dosql::lockstep::ScriptStatement;
using dosql::lockstep::ShowOutcome;
using dosql::lockstep::SplitScript;
using dosql::lockstep::SqliteSide;
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
  const std::vector<ScriptStatement> stmts = SplitScript(buf.str());
  ASSERT_FALSE(stmts.empty()) << name << " holds no statement";

  auto t0 = std::chrono::steady_clock::now();
  DosqlSide dosql;
  SqliteSide sqlite;
  int queries = 0, rows = 0, mismatches = 0, messages = 0, skipped = 0;
  for (const ScriptStatement& cs : stmts) {
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
    Comparison how;
    how.ordered = ordered;
    how.dml = IsDml(cs.text);
    std::string diff = Difference(d, s, how);
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
  auto v = SplitScript(
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
  using dosql::lockstep::Difference;
  Outcome a, b;
  a.columns = b.columns = 1;
  a.rows = {{Value::Integer(1)}, {Value::Real(0.0)}};
  b.rows = {{Value::Real(0.0)}, {Value::Integer(1)}};
  Comparison unordered, ordered, loose;
  ordered.ordered = true;
  loose.loose = true;
  EXPECT_EQ(Difference(a, b, unordered), "");
  EXPECT_NE(Difference(a, b, ordered), "");
  b.rows = {{Value::Real(-0.0)}, {Value::Integer(1)}};
  EXPECT_NE(Difference(a, b, unordered), "");
  b.rows = {{Value::Real(1.0)}, {Value::Real(0.0)}};
  EXPECT_NE(Difference(a, b, unordered), "");
  EXPECT_EQ(Difference(a, b, loose), "");
  b.rows = {{Value::Text("1")}, {Value::Real(0.0)}};
  EXPECT_NE(Difference(a, b, unordered), "");
  EXPECT_NE(Difference(a, b, loose), "");
}

TEST(DifferentialHarness, LooseTiesInOrder) {
  using dosql::lockstep::Difference;
  Outcome a, b;
  a.columns = b.columns = 1;
  a.rows = {{Value::Text("a")}, {Value::Text("A")}, {Value::Text("b")}};
  b.rows = {{Value::Text("A")}, {Value::Text("a")}, {Value::Text("b")}};
  Comparison ties;
  ties.ordered = ties.loose_ties = true;
  EXPECT_EQ(Difference(a, b, ties), "");
  b.rows = {{Value::Text("A")}, {Value::Text("A")}, {Value::Text("b")}};
  EXPECT_NE(Difference(a, b, ties), "");  // the multiset differs
  b.rows = {{Value::Text("b")}, {Value::Text("a")}, {Value::Text("A")}};
  EXPECT_NE(Difference(a, b, ties), "");  // out of order
}

TEST(DifferentialHarness, LooseTextIsNocaseAndRtrimEquality) {
  using dosql::lockstep::Difference;
  using namespace std::string_literals;
  Outcome a, b;
  a.columns = b.columns = 1;
  Comparison loose;
  loose.ordered = loose.loose = true;
  a.rows = {{Value::Integer(-3)}, {Value::Text("ab \0x1"s)}};
  b.rows = {{Value::Integer(-3)}, {Value::Text("AB \0y2"s)}};
  EXPECT_EQ(Difference(a, b, loose), "");  // NOCASE stops at the NUL, then compares lengths
  b.rows = {{Value::Integer(-3)}, {Value::Text("AB \0y"s)}};
  EXPECT_NE(Difference(a, b, loose), "");
  b.rows = {{Value::Integer(-3)}, {Value::Text("AC \0x1"s)}};
  EXPECT_NE(Difference(a, b, loose), "");
  a.rows = {{Value::Integer(-3)}, {Value::Text("ab  ")}};
  b.rows = {{Value::Integer(-3)}, {Value::Text("AB")}};
  EXPECT_EQ(Difference(a, b, loose), "");
}

}  // namespace
