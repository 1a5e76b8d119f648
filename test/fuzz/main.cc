// dosql-fuzz: the differential fuzzer (docs/fuzzing.md). Generates random schemas, data and
// queries (generator.h), runs every statement on dosql and on the real SQLite in lock step
// (lockstep.h), and stops at the first statement on which they disagree: the failing episode is
// reduced (reducer.h) and printed as a small SQL script with both engines' outcomes.
//
//   dosql-fuzz [--seed N] [--statements M] [--minutes T] [--features SPEC] [--no-reduce]
//              [--trace] [--list-features]
//   dosql-fuzz --replay FILE    runs a script (e.g. a reduced reproduction) through both engines
//                               and prints every statement's outcomes
//
// A crash (fatal signal) or a hang (a statement running over kHangSeconds) is a failure too: the
// signal handler re-executes the program with the same arguments plus --crash-at K, which
// regenerates the same statements (the generator is deterministic), stops before statement K
// and reduces the episode with every trial in a child process.
//
// Exit status: 0 when every statement agreed, 1 on a mismatch, crash or hang, 2 on a usage
// error.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "generator.h"
#include "lockstep/lockstep.h"
#include "reducer.h"

namespace {

using dosql::fuzz::FeatureSet;
using dosql::fuzz::GenStatement;
using dosql::fuzz::Generator;
using Clock = std::chrono::steady_clock;

struct Options {
  uint64_t seed = 1;
  int64_t statements = -1;  // -1: unlimited (with --minutes) or the default
  double minutes = 0;
  FeatureSet features;
  bool reduce = true;
  bool trace = false;
  int64_t crash_at = 0;  // > 0: reduce the crash or hang at this statement (1-based)
};

// For the fatal-signal handler: the arguments to re-execute with, the last one being the
// statement number, formatted in place.
std::vector<std::string> g_exec_args;
std::vector<char*> g_exec_argv;

// The time SQLite gets for one statement before it is interrupted and the statement skipped.

char g_crash_at[24];
volatile int64_t g_current_statement = 0;

extern "C" void OnFatalSignal(int sig) {
  alarm(0);
  char msg[] = "\ndosql-fuzz: crash or hang (fatal signal) at a statement; re-running to reduce it\n";
  if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0) _exit(1);
  int64_t v = g_current_statement;
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (int i = 0; i < n; i++) g_crash_at[i] = digits[n - 1 - i];
  g_crash_at[n] = 0;
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_UNBLOCK, &all, nullptr);
  execv("/proc/self/exe", g_exec_argv.data());
  _exit(128 + sig);
}

void InstallCrashHandler(int argc, char** argv) {
  for (int i = 0; i < argc; i++) g_exec_args.push_back(argv[i]);
  g_exec_args.push_back("--crash-at");
  for (std::string& a : g_exec_args) g_exec_argv.push_back(a.data());
  g_exec_argv.push_back(g_crash_at);
  g_exec_argv.push_back(nullptr);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM}) signal(sig, OnFatalSignal);
}

int Usage(const char* error) {
  if (error) std::fprintf(stderr, "dosql-fuzz: %s\n", error);
  std::fprintf(stderr,
               "usage: dosql-fuzz [--seed N] [--statements M] [--minutes T] [--features SPEC]\n"
               "                  [--no-reduce] [--trace] [--list-features]\n"
               "  SPEC: comma-separated feature names, '-name' turns one off, 'all', 'none',\n"
               "        'default' (e.g. --features=-window,+json)\n");
  return 2;
}

void PrintScript(const std::vector<GenStatement>& script) {
  for (const GenStatement& g : script) std::cout << g.frag.ToSql() << ";\n";
}

void PrintMismatch(const dosql::fuzz::Mismatch& m) {
  std::cout << "-- difference: " << m.diff << "\n"
            << "-- compared: " << (m.how.ordered ? "in order" : "as a multiset")
            << (m.how.loose ? ", loosely (1 = 1.0, 'a' = 'A ')" : "")
            << (m.how.loose_ties ? ", ties in any order" : "") << "\n"
            << "-- dosql:  " << dosql::lockstep::ShowOutcome(m.dosql) << "\n"
            << "-- sqlite: " << dosql::lockstep::ShowOutcome(m.sqlite) << "\n";
}

// Runs every statement of `path` through both engines; 1 if any differs (compared as multisets).
int ReplayFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Usage(("cannot read " + path).c_str());
  std::stringstream buf;
  buf << in.rdbuf();
  dosql::lockstep::DosqlSide dosql;
  dosql::lockstep::SqliteSide sqlite;
  dosql.set_limits(dosql::fuzz::kDosqlLimits);
  sqlite.set_limits(dosql::fuzz::kSqliteLimits);
  int differing = 0;
  for (const auto& st : dosql::lockstep::SplitScript(buf.str())) {
    dosql::lockstep::Outcome d = dosql.Run(st.text), s = sqlite.Run(st.text);
    dosql::lockstep::Comparison how;
    how.ordered = dosql::lockstep::HasTopLevelOrderBy(st.text);
    how.dml = dosql::lockstep::IsDml(st.text);
    std::string diff = dosql::lockstep::Difference(d, s, how);
    std::cout << st.text << "\n  " << (diff.empty() ? "agree" : "DIFFER: " + diff)
              << "\n  dosql:  " << dosql::lockstep::ShowOutcome(d)
              << "\n  sqlite: " << dosql::lockstep::ShowOutcome(s) << "\n";
    if (!diff.empty()) differing++;
  }
  return differing ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  {
    rlimit lim{};
    if (getrlimit(RLIMIT_AS, &lim) == 0 &&
        (lim.rlim_max == RLIM_INFINITY || lim.rlim_max > dosql::fuzz::kAddressSpaceBytes)) {
      lim.rlim_cur = dosql::fuzz::kAddressSpaceBytes;
      (void)setrlimit(RLIMIT_AS, &lim);
    }
  }
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    std::string value;
    size_t eq = a.find('=');
    if (eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto need_value = [&]() -> bool {
      if (eq != std::string::npos) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    if (a == "--seed") {
      if (!need_value()) return Usage("--seed needs a value");
      opt.seed = std::strtoull(value.c_str(), nullptr, 10);
    } else if (a == "--statements") {
      if (!need_value()) return Usage("--statements needs a value");
      opt.statements = std::strtoll(value.c_str(), nullptr, 10);
    } else if (a == "--minutes") {
      if (!need_value()) return Usage("--minutes needs a value");
      opt.minutes = std::strtod(value.c_str(), nullptr);
    } else if (a == "--features") {
      if (!need_value()) return Usage("--features needs a value");
      std::string error;
      if (!opt.features.Apply(value, &error)) return Usage(error.c_str());
    } else if (a == "--crash-at") {
      if (!need_value()) return Usage("--crash-at needs a value");
      opt.crash_at = std::strtoll(value.c_str(), nullptr, 10);
    } else if (a == "--replay") {
      if (!need_value()) return Usage("--replay needs a file");
      return ReplayFile(value);
    } else if (a == "--no-reduce") {
      opt.reduce = false;
    } else if (a == "--trace") {
      opt.trace = true;
    } else if (a == "--list-features") {
      for (int f = 0; f < dosql::fuzz::kFeatureCount; f++) {
        std::printf("%-14s %s\n", dosql::fuzz::kFeatureInfo[f].name,
                    dosql::fuzz::kFeatureInfo[f].on_by_default ? "on" : "off");
      }
      return 0;
    } else {
      return Usage(("unknown argument " + a).c_str());
    }
  }
  if (opt.statements < 0 && opt.minutes <= 0) opt.statements = 10000;
  std::printf("dosql-fuzz: seed %llu, features %s\n", static_cast<unsigned long long>(opt.seed),
              opt.features.ToString().c_str());
  std::fflush(stdout);
  if (opt.crash_at == 0) InstallCrashHandler(argc, argv);

  Generator gen(opt.seed, opt.features);
  auto t0 = Clock::now();
  auto last_report = t0;
  std::unique_ptr<dosql::lockstep::DosqlSide> dosql;
  std::unique_ptr<dosql::lockstep::SqliteSide> sqlite;
  std::vector<GenStatement> episode;
  int64_t n = 0, queries = 0, both_failed = 0, episodes = 0, rows = 0, sqlite_timeouts = 0;
  int64_t dosql_no_memory = 0;
  double dosql_secs = 0, sqlite_secs = 0;
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  while (true) {
    if (opt.statements >= 0 && n >= opt.statements) break;
    if (opt.minutes > 0 && (n & 63) == 0 && elapsed() > opt.minutes * 60) break;
    GenStatement g = gen.Next();
    if (g.new_episode || !dosql) {
      dosql = std::make_unique<dosql::lockstep::DosqlSide>();
      sqlite = std::make_unique<dosql::lockstep::SqliteSide>();
      // A statement over an engine's limits (reducer.h) is not compared, and its episode ends.
      sqlite->set_limits(dosql::fuzz::kSqliteLimits);
      dosql->set_limits(dosql::fuzz::kDosqlLimits);
      episode.clear();
      episodes++;
    }
    std::string sql = g.frag.ToSql();
    if (opt.trace) std::cout << "[" << n + 1 << "] " << sql << ";" << std::endl;
    episode.push_back(g);
    if (n + 1 == opt.crash_at) {
      std::cout << "\n=== CRASH OR HANG at statement " << n + 1 << " (seed " << opt.seed
                << ", episode " << episodes << ", statement " << episode.size() << " of it)\n"
                << "-- statement: " << sql << ";\n";
      std::string kind = dosql::fuzz::ProbeInChild(episode, dosql::fuzz::kHangSeconds);
      if (kind != "crash" && kind != "hang") {
        std::cout << "-- it does not reproduce in a child process (outcome: '" << kind << "')\n";
        return 1;
      }
      int trials = 0;
      std::vector<GenStatement> script =
          opt.reduce ? dosql::fuzz::Reduce(episode, kind, {}, &trials) : episode;
      std::cout << "\n=== REDUCED (" << episode.size() << " -> " << script.size()
                << " statements, " << trials << " trials): the last statement makes an engine "
                << (kind == "crash" ? "crash" : "hang") << "\n";
      PrintScript(script);
      return 1;
    }
    g_current_statement = n + 1;
    alarm(dosql::fuzz::kHangSeconds);  // a hang is a failure
    auto ta = Clock::now();
    dosql::lockstep::Outcome d = dosql->Run(sql);
    auto tb = Clock::now();
    dosql::lockstep::Outcome s = sqlite->Run(sql);
    alarm(0);
    dosql_secs += std::chrono::duration<double>(tb - ta).count();
    sqlite_secs += std::chrono::duration<double>(Clock::now() - tb).count();
    n++;
    // SQLite's implementation limits — the parser's fixed stack (YYSTACKDEPTH), "more than 2000
    // aggregate terms" once nested views multiply an expression — are not dosql's: such a
    // statement is not compared (docs/compatibility.md).
    if (s.timed_out || (d.timed_out && !s.ok) ||
        (!s.ok && (s.error == "parser stack overflow" || s.error.rfind("more than ", 0) == 0))) {
      sqlite_timeouts++;
      gen.EndEpisode();
      dosql.reset();
      continue;
    }
    // dosql out of memory (kAddressSpaceBytes): a resource limit, counted, not compared.
    if (!d.ok && d.error.rfind("NoMemory", 0) == 0) {
      dosql_no_memory++;
      std::cout << "\n-- dosql out of memory at statement " << n << " (seed " << opt.seed
                << ", not compared): " << sql << ";\n";
      gen.EndEpisode();
      dosql.reset();
      continue;
    }
    std::string diff = dosql::lockstep::Difference(d, s, dosql::fuzz::ComparisonFor(g, sql));
    if (!diff.empty()) {
      std::cout << "\n=== MISMATCH at statement " << n << " (seed " << opt.seed << ", episode "
                << episodes << ", statement " << episode.size() << " of it)\n"
                << "-- statement: " << sql << ";\n";
      dosql::fuzz::Mismatch m{diff, d, s, dosql::fuzz::ComparisonFor(g, sql)};
      PrintMismatch(m);
      std::vector<GenStatement> script = episode;
      if (opt.reduce) {
        int trials = 0;
        auto r0 = Clock::now();
        script = dosql::fuzz::Reduce(episode, dosql::fuzz::MismatchKind(diff), {}, &trials);
        std::cout << "\n=== REDUCED (" << episode.size() << " -> " << script.size()
                  << " statements, " << trials << " trials, "
                  << std::chrono::duration<double>(Clock::now() - r0).count() << " s)\n";
        if (auto rm = dosql::fuzz::Replay(script)) {
          PrintScript(script);
          PrintMismatch(*rm);
        } else {
          std::cout << "(the mismatch does not reproduce on fresh databases; the whole episode:)\n";
          PrintScript(script);
        }
      } else {
        std::cout << "\n=== EPISODE (" << script.size() << " statements)\n";
        PrintScript(script);
      }
      return 1;
    }
    if (s.ok && s.columns > 0) {
      queries++;
      rows += static_cast<int64_t>(s.rows.size());
    }
    if (!d.ok && !s.ok) both_failed++;
    gen.Accepted(d.ok && s.ok, s.changes);
    if (opt.minutes > 0 && std::chrono::duration<double>(Clock::now() - last_report).count() > 30) {
      last_report = Clock::now();
      std::printf("  %lld statements, %.0f/s\n", static_cast<long long>(n), n / elapsed());
      std::fflush(stdout);
    }
  }
  double secs = elapsed();
  std::printf(
      "dosql-fuzz: %lld statements agreed (%lld episodes, %lld queries returning %lld rows, %lld "
      "failing in both, %lld not compared: SQLite over %d s, a result over the row limit or out of "
      "parser stack; %lld not compared: dosql out of memory) in %.1f s (dosql %.1f s, SQLite "
      "%.1f s): %.0f statements/s\n",
      static_cast<long long>(n), static_cast<long long>(episodes),
      static_cast<long long>(queries), static_cast<long long>(rows),
      static_cast<long long>(both_failed), static_cast<long long>(sqlite_timeouts),
      static_cast<int>(dosql::fuzz::kSqliteLimits.seconds), static_cast<long long>(dosql_no_memory),
      secs, dosql_secs, sqlite_secs, n / secs);
  return 0;
}
