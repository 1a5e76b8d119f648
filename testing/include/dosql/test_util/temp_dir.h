// Test-only: a uniquely named directory under the system temp directory, removed with
// everything in it when the object goes away. Shared by the test binaries through the
// dosql_test_util interface target; never linked by a library.
//
//   TempDir dir("dosql_attach_test");  // created at once
//   dir.path()                         // the directory
//   dir.Path("a.db")                   // a name inside it
//
// Thread-safe to construct from several threads (names take a process-wide counter).
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace dosql::test_util {

class TempDir {
 public:
  // `create`: make the directory now (else only the name is reserved, for code that insists
  // on creating the directory itself).
  explicit TempDir(std::string_view prefix, bool create = true) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            (std::string(prefix) + "_" + std::to_string(::getpid()) + "_" +
             std::to_string(counter.fetch_add(1)) + "_" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    if (create) std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  std::string Path(std::string_view name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace dosql::test_util
