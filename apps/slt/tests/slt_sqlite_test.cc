// The runner against the real SQLite (the test oracle): the SQLite backend itself, value
// rendering compared with SQLite's own conversions, the command line, and the whole public
// corpus sample in ../shared/slt, which must pass completely with the counts of its MANIFEST.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "src/cli.h"
#include "src/registry.h"
#include "src/render.h"
#include "src/runner.h"
#include "testing/sqlite_backend.h"

namespace dosql::slt {
namespace {

namespace fs = std::filesystem;

// A fresh directory, removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = ::testing::TempDir() + "slt-test-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class SltSqliteBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    backend_ = std::make_unique<SqliteBackend>(dir_.path() + "/db");
    ASSERT_TRUE(backend_->Reset().ok());
  }
  ScratchDir dir_;
  std::unique_ptr<SqliteBackend> backend_;
};

TEST_F(SltSqliteBackendTest, ColumnTypesMapToValues) {
  Result<QueryResult> r = backend_->Query("SELECT 1, 2.5, 'x', x'00ff', NULL, ''");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->column_count, 6u);
  ASSERT_EQ(r->values.size(), 6u);
  EXPECT_EQ(r->values[0].type(), ValueType::kInteger);
  EXPECT_EQ(r->values[0].integer(), 1);
  EXPECT_EQ(r->values[1].type(), ValueType::kReal);
  EXPECT_EQ(r->values[1].real(), 2.5);
  EXPECT_EQ(r->values[2].type(), ValueType::kText);
  EXPECT_EQ(r->values[2].bytes(), "x");
  EXPECT_EQ(r->values[3].type(), ValueType::kBlob);
  EXPECT_EQ(r->values[3].bytes(), std::string("\0\xff", 2));
  EXPECT_TRUE(r->values[4].is_null());
  EXPECT_EQ(r->values[5].type(), ValueType::kText);
  EXPECT_TRUE(r->values[5].bytes().empty());
  EXPECT_TRUE(r->error.ok());
}

TEST_F(SltSqliteBackendTest, ExecuteRunsEveryStatementAndReportsErrors) {
  ASSERT_TRUE(backend_
                  ->Execute("CREATE TABLE t(x); INSERT INTO t VALUES(1);\n"
                            "INSERT INTO t VALUES(2);")
                  .ok());
  Result<QueryResult> r = backend_->Query("SELECT count(*) FROM t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->values[0].integer(), 2);
  Status st = backend_->Execute("INSERT INTO nowhere VALUES(1)");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("no such table: nowhere"), std::string::npos);
  EXPECT_FALSE(backend_->Query("SELEKT 1").ok());
}

TEST_F(SltSqliteBackendTest, AnErrorWhileSteppingEndsTheResult) {
  Result<QueryResult> r = backend_->Query(
      "SELECT CASE WHEN x = 2 THEN abs(-9223372036854775807 - 1) ELSE x END "
      "FROM (SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->values.size(), 1u);
  EXPECT_FALSE(r->error.ok());
  EXPECT_NE(r->error.message().find("integer overflow"), std::string::npos);
}

TEST_F(SltSqliteBackendTest, RestartKeepsDataAndResetDropsIt) {
  ASSERT_TRUE(backend_->Execute("CREATE TABLE t(x)").ok());
  ASSERT_TRUE(backend_->Execute("INSERT INTO t VALUES(7)").ok());
  ASSERT_TRUE(backend_->Restart().ok());
  Result<QueryResult> r = backend_->Query("SELECT x FROM t");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->values.size(), 1u);
  EXPECT_EQ(r->values[0].integer(), 7);
  ASSERT_TRUE(backend_->Reset().ok());
  EXPECT_FALSE(backend_->Query("SELECT x FROM t").ok());
}

// --------------------------------------------------------------------------------------------
// Rendering against SQLite's own conversions.

// Binds `value` to "SELECT ?" and gives the statement to `read`.
template <typename Bind, typename Read>
void WithBound(sqlite3* db, Bind bind, Read read) {
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT ?", -1, &stmt, nullptr), SQLITE_OK);
  bind(stmt);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  read(stmt);
  sqlite3_finalize(stmt);
}

class SltSqliteOracleTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK); }
  void TearDown() override { sqlite3_close(db_); }

  std::string SqliteText(double v) {
    std::string text;
    WithBound(
        db_, [&](sqlite3_stmt* s) { sqlite3_bind_double(s, 1, v); },
        [&](sqlite3_stmt* s) { text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0)); });
    return text;
  }
  static std::string SqlitePrintf3(double v) {
    char buf[400];
    sqlite3_snprintf(sizeof buf, buf, "%.3f", v);
    return buf;
  }

  sqlite3* db_ = nullptr;
};

// True if rounding |v| to `digits` significant digits is within a hair of a tie: the digits
// that follow start 4999 or 5000.
bool NearTie(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.40e", std::fabs(v));
  std::string d = std::string(1, buf[0]) + std::string(buf + 2, 40);
  if (digits < 0 || digits + 4 > static_cast<int>(d.size())) return false;
  std::string next = d.substr(static_cast<size_t>(digits), 4);
  return next == "4999" || next == "5000";
}

// Significant digits "%.3f" keeps of v.
int FixedDigits(double v) {
  return v == 0 ? 0 : static_cast<int>(std::floor(std::log10(std::fabs(v)))) + 1 + 3;
}

// Random values, compared with the linked SQLite (3.40 here). Its printf computed in long double
// and differs from SQLite 3.43+ and the corpus in rare last places (render.h): values that round
// within a hair of a tie, "%.3f" of values within a relative 3e-16 below a rounding boundary
// (invisible in 3 decimals below 1e6) and exact ties at the 16th digit (from 1e14 up). Those are
// left out; what remains must match exactly.
TEST_F(SltSqliteOracleTest, RealsRenderLikeSqlite) {
  std::mt19937_64 rng(20240607);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::uniform_int_distribution<int> small_exponent(-12, 5);
  std::uniform_int_distribution<int> any_exponent(-30, 13);
  int compared = 0;
  for (int i = 0; i < 20000; ++i) {
    double v = unit(rng) * std::pow(10.0, small_exponent(rng));
    if (!NearTie(v, FixedDigits(v))) {
      ASSERT_EQ(FormatReal3(v), SqlitePrintf3(v)) << std::hexfloat << v;
      ++compared;
    }
    double w = unit(rng) * std::pow(10.0, any_exponent(rng));
    if (!NearTie(w, 15)) {
      ASSERT_EQ(RealToText(w), SqliteText(w)) << std::hexfloat << w;
      ++compared;
    }
  }
  EXPECT_GT(compared, 39800);
  for (double v : {0.0, -0.0, 1.0, -1.0, 0.5, 0.0625, 0.1, 1e14, 1e15, 1e16, 1e20, 1e100, 1e-5,
                   1.5e-7, 123456789.125, 3.0e-320, 4503599627370497.0, -1e300}) {
    EXPECT_EQ(RealToText(v), SqliteText(v)) << v;
  }
  for (double v : {0.0, -0.0, 1.0, -0.0001, 0.0625, 0.0005, 2.0 / 3.0, 9.9996, 1e-300, 1e12}) {
    EXPECT_EQ(FormatReal3(v), SqlitePrintf3(v)) << v;
  }
}

TEST_F(SltSqliteOracleTest, IntegerAndRealConversionsMatchSqlite) {
  // clang-format off
  const std::vector<std::string> texts = {
      "", "0", "42", "-42", "+7", "  12abc", "\t\n 5", "abc", "1.9", "-1.9", "1e5", "0x10",
      "00000000000000000000000000042", "9223372036854775807", "9223372036854775808",
      "-9223372036854775808", "-9223372036854775809", "99999999999999999999",
      "18446744073709551616", "1.5e2x", ".5", "5.", "-.25e1", "1e", "1e+", "--1", "+-1", " ",
      "3.14159 and more", "7 "};
  // clang-format on
  for (const std::string& t : texts) {
    WithBound(
        db_,
        [&](sqlite3_stmt* s) {
          sqlite3_bind_text(s, 1, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
        },
        [&](sqlite3_stmt* s) {
          EXPECT_EQ(TextToInteger(t), sqlite3_column_int64(s, 0)) << "'" << t << "'";
        });
    WithBound(
        db_,
        [&](sqlite3_stmt* s) {
          sqlite3_bind_text(s, 1, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
        },
        [&](sqlite3_stmt* s) {
          EXPECT_EQ(TextToReal(t), sqlite3_column_double(s, 0)) << "'" << t << "'";
        });
  }
  for (double v :
       {0.0, -0.0, 2.5, -2.5, 1e18, 9.2e18, 9.3e18, -9.3e18, 1e300, -1e300, 4503599627370497.0}) {
    WithBound(
        db_, [&](sqlite3_stmt* s) { sqlite3_bind_double(s, 1, v); },
        [&](sqlite3_stmt* s) { EXPECT_EQ(RealToInteger(v), sqlite3_column_int64(s, 0)) << v; });
  }
}

// --------------------------------------------------------------------------------------------
// The command line, with SQLite registered.

const std::string kData = DOSQL_SLT_TEST_DATA_DIR;

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

CliRun RunWith(const BackendRegistry& registry, std::vector<std::string> args) {
  args.insert(args.begin(), "dosql-slt");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int status = RunCli(static_cast<int>(argv.size()), argv.data(), registry, out, err);
  return {status, out.str(), err.str()};
}

CliRun RunCliWithSqlite(std::vector<std::string> args) {
  BackendRegistry registry;
  EXPECT_TRUE(registry.Register("sqlite", &MakeSqliteBackend).ok());
  return RunWith(registry, std::move(args));
}

std::string LastLine(const std::string& text) {
  size_t end = text.empty() ? 0 : text.size() - 1;  // text ends with '\n'
  size_t start = text.rfind('\n', end == 0 ? 0 : end - 1);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - (start + 1));
}

TEST(SltCliTest, PassingScript) {
  CliRun run = RunCliWithSqlite({kData + "/pass.test"});
  EXPECT_EQ(run.status, 0) << run.out << run.err;
  EXPECT_EQ(LastLine(run.out), "7 passed, 0 failed, 2 skipped");
  EXPECT_NE(run.out.find(kData + "/pass.test: 7 passed, 0 failed, 2 skipped ("), std::string::npos);
}

TEST(SltCliTest, FailuresAreReportedWithLocationSqlExpectedAndGot) {
  CliRun run = RunCliWithSqlite({"--engine", "sqlite", kData + "/fail.test"});
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.out.find(kData + "/fail.test:8: wrong result\n"
                                 "  sql:\n"
                                 "    SELECT a FROM t\n"
                                 "  expected:\n"
                                 "    2\n"
                                 "  got:\n"
                                 "    1\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find(kData + "/fail.test:13: statement failed\n"
                                 "  sql:\n"
                                 "    INSERT INTO missing VALUES(1)\n"
                                 "  expected:\n"
                                 "    ok\n"
                                 "  got:\n"
                                 "    error: no such table: missing\n"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(LastLine(run.out), "2 passed, 2 failed, 0 skipped");
}

TEST(SltCliTest, DirectoriesAreSearchedForTestFilesInOrder) {
  CliRun run = RunCliWithSqlite({kData});
  EXPECT_EQ(run.status, 1);
  size_t fail = run.out.find(kData + "/fail.test: 2 passed, 2 failed, 0 skipped");
  size_t nested = run.out.find(kData + "/nested/restart.test: 3 passed, 0 failed, 0 skipped");
  size_t pass = run.out.find(kData + "/pass.test: 7 passed, 0 failed, 2 skipped");
  ASSERT_NE(fail, std::string::npos) << run.out;
  ASSERT_NE(nested, std::string::npos) << run.out;
  ASSERT_NE(pass, std::string::npos) << run.out;
  EXPECT_LT(fail, nested);
  EXPECT_LT(nested, pass);
  EXPECT_EQ(run.out.find("not-a-script"), std::string::npos);
  EXPECT_EQ(LastLine(run.out), "12 passed, 2 failed, 2 skipped");
}

TEST(SltCliTest, FailFastStopsAtTheFirstFailure) {
  CliRun run = RunCliWithSqlite({"--fail-fast", kData + "/fail.test", kData + "/pass.test"});
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.out.find("pass.test"), std::string::npos) << run.out;
  EXPECT_EQ(LastLine(run.out), "2 passed, 1 failed, 0 skipped");
}

TEST(SltCliTest, VerboseListsEveryRecord) {
  CliRun run = RunCliWithSqlite({"--verbose", kData + "/nested/restart.test"});
  EXPECT_EQ(run.status, 0);
  EXPECT_NE(run.out.find("restart.test:2: PASS statement: CREATE TABLE kept(x)\n"),
            std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("restart.test:10: PASS query: SELECT x FROM kept\n"), std::string::npos);
}

TEST(SltCliTest, MissingPathIsAFailure) {
  CliRun run = RunCliWithSqlite({kData + "/no-such.test", kData + "/nested"});
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.out.find("no-such.test: no such file or directory"), std::string::npos);
  EXPECT_EQ(LastLine(run.out), "3 passed, 1 failed, 0 skipped");
}

TEST(SltCliTest, UsageErrors) {
  EXPECT_EQ(RunCliWithSqlite({}).status, 2);
  EXPECT_EQ(RunCliWithSqlite({"--bogus", kData}).status, 2);
  CliRun unknown = RunCliWithSqlite({"--engine", "postgres", kData});
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("unknown engine 'postgres' (available: sqlite)"), std::string::npos);
  CliRun help = RunCliWithSqlite({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("registered in this binary: sqlite"), std::string::npos);
  // dosql-slt itself has no engine until dosql registers one.
  BackendRegistry empty;
  CliRun none = RunWith(empty, {kData});
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.err.find("no SQL engine is registered"), std::string::npos);
}

// --------------------------------------------------------------------------------------------
// The public corpus sample.

struct ManifestRow {
  int64_t statements = 0;
  int64_t queries = 0;
  int64_t skipped = 0;
};

// Reads the per-file rows of MANIFEST.txt: "path bytes statements queries skipped".
std::map<std::string, ManifestRow> ReadManifest(const std::string& path) {
  std::map<std::string, ManifestRow> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string file;
    int64_t bytes;
    ManifestRow row;
    if (fields >> file >> bytes >> row.statements >> row.queries >> row.skipped &&
        file.size() > 5 && file.substr(file.size() - 5) == ".test") {
      rows[file] = row;
    }
  }
  return rows;
}

class FailurePrinter : public RunnerListener {
 public:
  void OnFailure(const Failure& f) override {
    if (++count_ <= 20) {
      ADD_FAILURE() << f.file << ":" << f.line << ": " << f.message << "\n"
                    << f.sql << "\nexpected:\n"
                    << f.expected << "\ngot:\n"
                    << f.got;
    }
  }

 private:
  int count_ = 0;
};

TEST(SltCorpusTest, SqlitePassesTheWholeSampleWithTheManifestCounts) {
  const std::string corpus = DOSQL_SLT_CORPUS_DIR;
  if (!fs::is_directory(corpus)) GTEST_SKIP() << "no sqllogictest corpus at " << corpus;
  std::map<std::string, ManifestRow> manifest = ReadManifest(corpus + "/MANIFEST.txt");
  ASSERT_EQ(manifest.size(), 15u);

  ScratchDir dir;
  SqliteBackend backend(dir.path() + "/db");
  FailurePrinter printer;
  Runner runner(&backend, RunnerOptions(), &printer);
  ManifestRow total;
  int64_t passed = 0, failed = 0, files = 0;
  for (const auto& [file, expected] : manifest) {
    FileSummary s = runner.RunFile(corpus + "/" + file);
    ++files;
    EXPECT_EQ(s.failed, 0) << file;
    EXPECT_EQ(s.statements, expected.statements) << file;
    EXPECT_EQ(s.queries, expected.queries) << file;
    EXPECT_EQ(s.skipped, expected.skipped) << file;
    total.statements += s.statements;
    total.queries += s.queries;
    total.skipped += s.skipped;
    passed += s.passed;
    failed += s.failed;
  }
  EXPECT_EQ(files, 15);
  EXPECT_EQ(total.statements, 6777);
  EXPECT_EQ(total.queries, 26345);
  EXPECT_EQ(total.skipped, 2257);
  EXPECT_EQ(passed, 6777 + 26345);
  EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace dosql::slt
