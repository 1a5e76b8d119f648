#include "src/cli.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "src/runner.h"

namespace dosql::slt {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUsage =
    "usage: dosql-slt [--engine NAME] [--fail-fast] [--verbose] PATH...\n"
    "Runs sqllogictest scripts (files, or directories searched for *.test files).\n"
    "  --engine NAME  the SQL engine to test (registered in this binary: %s; default:\n"
    "                 dosql if registered, else the first)\n"
    "  --fail-fast    stop at the first failure\n"
    "  --verbose      print every record as it runs, and whole results in failures\n";

std::string Usage(const BackendRegistry& registry) {
  std::string names;
  for (const std::string& n : registry.Names()) names += (names.empty() ? "" : ", ") + n;
  if (names.empty()) names = "none";
  std::string text(kUsage);
  text.replace(text.find("%s"), 2, names);
  return text;
}

void Indent(std::ostream& out, std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out << "    " << text.substr(start, end - start) << '\n';
    start = end + 1;
  }
}

class PrintingListener : public RunnerListener {
 public:
  PrintingListener(std::ostream& out, bool verbose) : out_(out), verbose_(verbose) {}

  void OnFailure(const Failure& f) override {
    out_ << f.file << ':' << f.line << ": " << f.message << '\n';
    if (!f.sql.empty()) {
      out_ << "  sql:\n";
      Indent(out_, f.sql);
    }
    if (!f.expected.empty()) {
      out_ << "  expected:\n";
      Indent(out_, f.expected);
    }
    if (!f.got.empty()) {
      out_ << "  got:\n";
      Indent(out_, f.got);
    }
  }

  void OnRecord(std::string_view file, const Record& record, Outcome outcome) override {
    if (!verbose_) return;
    static constexpr std::string_view kOutcome[] = {"PASS", "FAIL", "SKIP"};
    std::string_view sql = std::string_view(record.sql).substr(0, record.sql.find('\n'));
    out_ << file << ':' << record.line << ": " << kOutcome[static_cast<int>(outcome)] << ' '
         << RecordTypeName(record.type) << ": " << sql << '\n';
  }

 private:
  std::ostream& out_;
  bool verbose_;
};

// A temporary directory removed when it goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / "dosql-slt-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string FormatSeconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fs", seconds);
  return buf;
}

}  // namespace

int RunCli(int argc, const char* const* argv, const BackendRegistry& registry, std::ostream& out,
           std::ostream& err) {
  RunnerOptions options;
  std::string engine;
  std::vector<std::string> paths;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (options_done || arg.empty() || arg[0] != '-') {
      paths.emplace_back(arg);
    } else if (arg == "--") {
      options_done = true;
    } else if (arg == "--engine" && i + 1 < argc) {
      engine = argv[++i];
    } else if (arg.substr(0, 9) == "--engine=") {
      engine = std::string(arg.substr(9));
    } else if (arg == "--fail-fast") {
      options.fail_fast = true;
    } else if (arg == "--verbose" || arg == "-v") {
      options.verbose = true;
    } else if (arg == "--help" || arg == "-h") {
      out << Usage(registry);
      return 0;
    } else {
      err << "dosql-slt: unknown option " << arg << '\n' << Usage(registry);
      return 2;
    }
  }
  if (paths.empty()) {
    err << "dosql-slt: no script given\n" << Usage(registry);
    return 2;
  }
  if (engine.empty()) {
    std::vector<std::string> names = registry.Names();
    if (registry.Contains("dosql")) {
      engine = "dosql";
    } else if (!names.empty()) {
      engine = names.front();
    } else {
      err << "dosql-slt: no SQL engine is registered in this binary\n";
      return 2;
    }
  }

  TempDir work_dir;
  if (work_dir.path().empty()) {
    err << "dosql-slt: cannot create a temporary directory\n";
    return 2;
  }
  Result<std::unique_ptr<SltBackend>> backend = registry.Create(engine, {work_dir.path()});
  if (!backend.ok()) {
    err << "dosql-slt: " << backend.status().message() << '\n';
    return 2;
  }

  // Expand directories into their *.test files, in path order.
  int64_t passed = 0, failed = 0, skipped = 0;
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".test") {
          found.push_back(it->path().string());
        }
      }
      if (ec) {
        out << path << ": cannot list directory: " << ec.message() << '\n';
        ++failed;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      out << path << ": no such file or directory\n";
      ++failed;
    }
  }

  PrintingListener listener(out, options.verbose);
  const bool fail_fast = options.fail_fast;
  Runner runner(backend->get(), std::move(options), &listener);
  for (const std::string& file : files) {
    if (fail_fast && failed > 0) break;
    FileSummary s = runner.RunFile(file);
    passed += s.passed;
    failed += s.failed;
    skipped += s.skipped;
    out << s.file << ": " << s.passed << " passed, " << s.failed << " failed, " << s.skipped
        << " skipped (" << FormatSeconds(s.seconds) << (s.halted ? ", halted" : "") << ")\n";
    out.flush();
    if (runner.stopped()) break;
  }
  out << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  out.flush();
  return failed > 0 ? 1 : 0;
}

}  // namespace dosql::slt
