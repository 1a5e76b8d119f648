// dosql-bench — the benchmark suite: named workloads run on dosql and on SQLite through the same
// driver code (engines.h) in one process run, interleaving the engines, repeating each
// measurement and reporting the median and the spread (min–max), with ratios dosql ÷ SQLite
// (below 1: dosql is faster). The analytics workload adds DuckDB as a third column.
//
//   speedtest  SQLite's speedtest1 "main" test set, our implementation (speedtest.cc)
//   oltp       point select / insert / update / delete by key, autocommit and batched (oltp.cc)
//   analytics  TPC-H-style generator and queries, with DuckDB (analytics.cc, tpch.cc)
//
// Usage: dosql-bench [--workload speedtest,oltp,analytics] [--size N] [--modes file,memory]
//          [--scale 0.1,1] [--reps N] [--reps-large N] [--oltp-rows N] [--oltp-auto-ops N]
//          [--oltp-batch-ops N] [--oltp-batch N] [--duckdb | --no-duckdb] [--duckdb-dir DIR]
//          [--only Q1,Q6,...] [--dir PATH] [--tsv FILE] [--keep] [--smoke]
// The Markdown report goes to stdout, progress to stderr. Exit status: 0, or 2 if a statement
// failed or the engines' results differed (the report names it), 1 on a usage error.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench.h"
#include "bench_util.h"

#ifndef DOSQL_BENCH_DUCKDB_DIR
#define DOSQL_BENCH_DUCKDB_DIR "bench/duckdb"
#endif

namespace dosql_bench {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void Usage(const std::string& error) {
  std::fprintf(stderr,
               "%s%s"
               "usage: dosql-bench [options]\n"
               "  --workload LIST     speedtest,oltp,analytics (default: all three)\n"
               "  --size N            speedtest size (rows per table = 500 x N; default 4)\n"
               "  --modes LIST        speedtest databases: file,memory (default both)\n"
               "  --scale LIST        analytics TPC-H scale factors (default 0.1,1)\n"
               "  --reps N            repetitions of each measurement (default 3)\n"
               "  --reps-large N      repetitions of analytics queries at scale >= 1 (default 1)\n"
               "  --timeout S         analytics: stop a query after S seconds on an engine and report\n"
               "                      '> S s' (default 60; 0 = no limit)\n"
               "  --oltp-rows N       rows in the oltp table (default 100000)\n"
               "  --oltp-auto-ops N   statements per autocommit measurement (default 300)\n"
               "  --oltp-batch-ops N  statements per batched measurement (default 10000)\n"
               "  --oltp-batch N      statements per transaction when batched (default 1000)\n"
               "  --duckdb / --no-duckdb  DuckDB peer in analytics (default: if installed)\n"
               "  --duckdb-dir DIR    where peer.mjs and node_modules are (default %s)\n"
               "  --only LIST         analytics queries to run (e.g. Q1,Q6)\n"
               "  --dir PATH          work directory (default: a new one under $TMPDIR or /tmp)\n"
               "  --tsv FILE          also write the result rows as tab-separated values\n"
               "  --keep              keep the databases and generated data\n"
               "  --smoke             tiny sizes, one repetition (a check that the suite runs)\n",
               error.c_str(), error.empty() ? "" : "\n", DOSQL_BENCH_DUCKDB_DIR);
  std::exit(1);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  o.duckdb_dir = DOSQL_BENCH_DUCKDB_DIR;
  bool smoke = false;
  std::map<std::string, bool> set;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], v;
    size_t eq = a.find('=');
    bool has_value = eq != std::string::npos;
    if (has_value) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto value = [&]() -> std::string {
      if (has_value) return v;
      if (i + 1 >= argc) Usage("missing value for " + a);
      return argv[++i];
    };
    auto integer = [&]() -> int {
      std::string s = value();
      char* end = nullptr;
      long n = std::strtol(s.c_str(), &end, 10);
      if (end == s.c_str() || *end || n < 0) Usage("bad number for " + a + ": " + s);
      return static_cast<int>(n);
    };
    set[a] = true;
    if (a == "--workload" || a == "--workloads") o.workloads = dosql::bench::SplitList(value());
    else if (a == "--size") o.size = std::max(1, integer());
    else if (a == "--modes" || a == "--mode") o.modes = dosql::bench::SplitList(value());
    else if (a == "--scale" || a == "--scales") {
      o.scales.clear();
      for (const auto& s : dosql::bench::SplitList(value())) {
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (end == s.c_str() || *end || !(d > 0)) Usage("bad scale: " + s);
        o.scales.push_back(d);
      }
    } else if (a == "--reps") o.reps = std::max(1, integer());
    else if (a == "--reps-large") o.reps_large = std::max(1, integer());
    else if (a == "--timeout") o.timeout_s = integer();
    else if (a == "--oltp-rows") o.oltp_rows = std::max(1, integer());
    else if (a == "--oltp-auto-ops") o.oltp_auto_ops = std::max(1, integer());
    else if (a == "--oltp-batch-ops") o.oltp_batch_ops = std::max(1, integer());
    else if (a == "--oltp-batch") o.oltp_batch = std::max(2, integer());
    else if (a == "--duckdb") o.duckdb = 1;
    else if (a == "--no-duckdb") o.duckdb = 0;
    else if (a == "--duckdb-dir") o.duckdb_dir = value();
    else if (a == "--only") o.only = dosql::bench::SplitList(value());
    else if (a == "--dir") o.dir = value();
    else if (a == "--tsv") o.tsv = value();
    else if (a == "--keep") o.keep = true;
    else if (a == "--smoke") smoke = true;
    else if (a == "--help" || a == "-h") Usage("");
    else Usage("unknown option: " + a);
  }
  for (const auto& w : o.workloads)
    if (w != "speedtest" && w != "oltp" && w != "analytics") Usage("unknown workload: " + w);
  for (const auto& m : o.modes)
    if (m != "file" && m != "memory") Usage("unknown mode: " + m);
  if (smoke) {
    if (!set["--size"]) o.size = 1;
    if (!set["--scale"] && !set["--scales"]) o.scales = {0.01};
    if (!set["--reps"]) o.reps = 1;
    if (!set["--oltp-rows"]) o.oltp_rows = 2000;
    if (!set["--oltp-auto-ops"]) o.oltp_auto_ops = 20;
    if (!set["--oltp-batch-ops"]) o.oltp_batch_ops = 400;
    if (!set["--oltp-batch"]) o.oltp_batch = 100;
  }
  if (o.duckdb == -1) {
    const bool installed = fs::exists(o.duckdb_dir + "/node_modules/@duckdb/node-api/package.json") &&
                           std::system("node --version > /dev/null 2>&1") == 0;
    o.duckdb = installed ? 1 : 0;
    if (!installed)
      Progress("note: DuckDB peer not installed (npm ci in %s): analytics runs without it",
               o.duckdb_dir.c_str());
  } else if (o.duckdb == 1 && !fs::exists(o.duckdb_dir + "/peer.mjs")) {
    Usage("no peer.mjs in --duckdb-dir " + o.duckdb_dir);
  }
  if (o.duckdb == 1) o.duckdb_dir = fs::absolute(o.duckdb_dir).string();
  return o;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::string Ratio(const Sample& a, const Sample& b) {
  if (a.empty() || b.empty() || b.Median() <= 0) return "-";
  return Fmt("%.2f", a.Median() / b.Median());
}

std::string Spread(const Sample& s) {
  if (s.empty()) return "-";
  if (s.ms.size() == 1) return "(1 run)";
  return FmtMs(s.Min()) + "–" + FmtMs(s.Max());
}

std::string Cell(const Sample& s, bool timed_out = false) {
  return s.empty() ? "-" : (timed_out ? "> " : "") + FmtMs(s.Median());
}

void PrintTables(const std::vector<ResultRow>& rows, const Options& o) {
  // Rows come grouped by (workload, group), in order.
  size_t i = 0;
  while (i < rows.size()) {
    const std::string workload = rows[i].workload, group = rows[i].group;
    size_t j = i;
    while (j < rows.size() && rows[j].workload == workload && rows[j].group == group) ++j;
    const bool duck = workload == "analytics" && o.duckdb == 1;
    std::printf("\n### %s — %s\n\n", workload.c_str(), group.c_str());
    if (workload == "oltp") {
      std::printf("| op | what | ops | dosql µs/op | sqlite µs/op | ratio | spread, ms (dosql / sqlite) |\n");
      std::printf("|---|---|---:|---:|---:|---:|---|\n");
    } else if (duck) {
      std::printf("| step | what | rows | dosql ms | sqlite ms | duckdb ms | dosql ÷ sqlite | duckdb ÷ sqlite | "
                  "dosql ÷ duckdb | spread, ms (dosql / sqlite / duckdb) |\n");
      std::printf("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    } else {
      std::printf("| step | what | dosql ms | sqlite ms | ratio | spread, ms (dosql / sqlite) |\n");
      std::printf("|---|---|---:|---:|---:|---|\n");
    }
    Sample total[kEngines];
    bool total_ok = true, total_lower[kEngines] = {false, false, false};
    for (size_t k = i; k < j; ++k) {
      const ResultRow& r = rows[k];
      std::string ratio = r.failure.empty() ? Ratio(r.s[kDosql], r.s[kSqlite]) : "FAILED";
      const bool* to = r.timed_out;
      if (r.failure.empty() && (to[kDosql] || to[kSqlite])) ratio = (to[kDosql] ? "> " : "< ") + ratio;
      std::string ratio_dd = Ratio(r.s[kDosql], r.s[kDuckdb]), ratio_ds = Ratio(r.s[kDuckdb], r.s[kSqlite]);
      if (to[kDosql]) ratio_dd = "> " + ratio_dd;
      if (to[kSqlite]) ratio_ds = "< " + ratio_ds;
      if (workload == "oltp") {
        auto per = [&](const Sample& s) {
          return s.empty() ? std::string("-") : Fmt("%.1f", s.Median() * 1000.0 / static_cast<double>(r.ops));
        };
        std::printf("| %s | %s | %lld | %s | %s | %s | %s / %s |\n", r.step.c_str(), r.what.c_str(),
                    static_cast<long long>(r.ops), per(r.s[kDosql]).c_str(), per(r.s[kSqlite]).c_str(),
                    ratio.c_str(), Spread(r.s[kDosql]).c_str(), Spread(r.s[kSqlite]).c_str());
      } else if (duck) {
        std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s |\n", r.step.c_str(),
                    r.what.c_str(), r.rows_out >= 0 ? std::to_string(r.rows_out).c_str() : "",
                    Cell(r.s[kDosql], to[kDosql]).c_str(), Cell(r.s[kSqlite], to[kSqlite]).c_str(),
                    Cell(r.s[kDuckdb]).c_str(), ratio.c_str(), ratio_ds.c_str(), ratio_dd.c_str(),
                    Spread(r.s[kDosql]).c_str(),
                    Spread(r.s[kSqlite]).c_str(), Spread(r.s[kDuckdb]).c_str());
      } else {
        std::printf("| %s | %s | %s | %s | %s | %s / %s |\n", r.step.c_str(), r.what.c_str(),
                    Cell(r.s[kDosql]).c_str(), Cell(r.s[kSqlite]).c_str(), ratio.c_str(),
                    Spread(r.s[kDosql]).c_str(), Spread(r.s[kSqlite]).c_str());
      }
      if (!r.in_total) continue;
      if (!r.failure.empty() || r.s[kDosql].empty() || r.s[kSqlite].empty()) total_ok = false;
      for (int e = 0; e < kEngines; ++e) total_lower[e] |= to[e];
      for (int e = 0; e < kEngines; ++e)
        if (!r.s[e].empty()) {
          if (total[e].ms.empty()) total[e].ms.push_back(0);
          total[e].ms[0] += r.s[e].Median();
        }
    }
    if (workload != "oltp") {
      std::string ratio = total_ok ? Ratio(total[kDosql], total[kSqlite]) : "-";
      if (duck)
        std::printf("| **total** | sum of the medians%s | | **%s** | **%s** | **%s** | **%s** | **%s** | **%s** | |\n",
                    workload == "analytics" ? " (queries)" : "", Cell(total[kDosql], total_lower[kDosql]).c_str(),
                    Cell(total[kSqlite], total_lower[kSqlite]).c_str(), Cell(total[kDuckdb]).c_str(),
                    ((total_lower[kDosql] ? "> " : "") + ratio).c_str(),
                    Ratio(total[kDuckdb], total[kSqlite]).c_str(),
                    ((total_lower[kDosql] ? "> " : "") + Ratio(total[kDosql], total[kDuckdb])).c_str());
      else
        std::printf("| **total** | sum of the medians | **%s** | **%s** | **%s** | |\n", Cell(total[kDosql]).c_str(),
                    Cell(total[kSqlite]).c_str(), ratio.c_str());
    }
    i = j;
  }
}

void WriteTsv(const std::vector<ResultRow>& rows, const std::string& path) {
  std::ofstream out(path);
  out << "workload\tgroup\tstep\tdosql_ms\tsqlite_ms\tduckdb_ms\tdosql_over_sqlite\tduckdb_over_sqlite\tfailure\n";
  for (const auto& r : rows) {
    auto med = [&](int e) { return r.s[e].empty() ? std::string("") : Fmt("%.4f", r.s[e].Median()); };
    auto ratio = [&](int a, int b) {
      return r.s[a].empty() || r.s[b].empty() || !r.failure.empty() ? std::string("")
                                                                      : Fmt("%.4f", r.s[a].Median() / r.s[b].Median());
    };
    out << r.workload << '\t' << r.group << '\t' << r.step << '\t' << med(kDosql) << '\t' << med(kSqlite) << '\t'
        << med(kDuckdb) << '\t' << ratio(kDosql, kSqlite) << '\t' << ratio(kDuckdb, kSqlite) << '\t' << r.failure
        << '\n';
  }
}

int Main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  fs::path base = o.dir.empty() ? fs::temp_directory_path() : fs::path(o.dir);
  fs::create_directories(base);
  std::string tmpl = (base / "dosql-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "dosql-bench: mkdtemp in %s failed\n", base.c_str());
    return 1;
  }
  const std::string root = tmpl;
  Progress("dosql-bench: work directory %s", root.c_str());
  const std::string load_before = LoadAverage();
  auto t0 = Clock::now();
  std::vector<ResultRow> rows;
  bool ok = true;
  auto want = [&](const char* w) { return std::find(o.workloads.begin(), o.workloads.end(), w) != o.workloads.end(); };
  try {
    if (want("speedtest")) ok &= RunSpeedtest(o, root, &rows);
    if (want("oltp")) ok &= RunOltp(o, root, &rows);
    if (want("analytics")) ok &= RunAnalytics(o, root, &rows);
  } catch (const EngineError& e) {
    std::fprintf(stderr, "dosql-bench: %s\n", e.what());
    ok = false;
  }
  const double total_s = Ms(Clock::now() - t0) / 1000;

  std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M %Z", std::localtime(&now));
  std::printf("## dosql-bench results\n\n");
  std::printf("- date: %s; the suite took %.0f s\n", date, total_s);
  std::printf("- machine: %s, %u cores (nproc); load average before %s, after %s\n",
              dosql::bench::ReadCpuModel().c_str(), std::thread::hardware_concurrency(), load_before.c_str(),
              LoadAverage().c_str());
  std::printf("- engines: dosql %s; SQLite %s", DosqlVersion().c_str(), SqliteVersion().c_str());
  if (!o.duckdb_version.empty()) std::printf("; DuckDB %s (@duckdb/node-api, threads=1)", o.duckdb_version.c_str());
  std::printf("\n- settings: reps %d (analytics at scale >= 1: %d); speedtest size %d (%d rows); oltp %d rows, "
              "%d autocommit / %d batched statements (%d per transaction)\n",
              o.reps, o.reps_large, o.size, 500 * o.size, o.oltp_rows, o.oltp_auto_ops, o.oltp_batch_ops,
              o.oltp_batch);
  if (o.timeout_s > 0)
    std::printf("- analytics: a query stopped at the %d s time limit shows \"> %d000\" (a lower bound)\n",
              o.timeout_s, o.timeout_s);
  std::printf("- times are medians in ms (oltp: µs per statement); ratio = dosql ÷ SQLite (below 1: dosql is "
              "faster); spread = min–max over the repetitions\n");
  PrintTables(rows, o);
  bool any_failure = false;
  for (const auto& r : rows)
    if (!r.failure.empty()) {
      if (!any_failure) std::printf("\n### Failures\n\n");
      any_failure = true;
      std::printf("- %s %s %s: %s\n", r.workload.c_str(), r.group.c_str(), r.step.c_str(), r.failure.c_str());
    }
  if (!o.tsv.empty()) WriteTsv(rows, o.tsv);
  if (!o.keep) fs::remove_all(root);
  else Progress("kept: %s", root.c_str());
  Progress("dosql-bench: %s in %.0f s", ok && !any_failure ? "done" : "FAILED (see the report)", total_s);
  return ok && !any_failure ? 0 : 2;
}

}  // namespace
}  // namespace dosql_bench

int main(int argc, char** argv) { return dosql_bench::Main(argc, argv); }
