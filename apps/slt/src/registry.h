// dosql-slt — the registry of SQL engines a dosql-slt binary can run (--engine NAME).
//
// Each binary builds a BackendRegistry in main() and registers the engines linked into it, one
// line per engine:
//
//   registry.Register("sqlite", &MakeSqliteBackend);
//
// A factory creates a fresh backend; the runner calls Reset() on it before using it. Not
// thread-safe for concurrent Register(); Create() on a fully built registry may be called from
// any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dosql/core/status.h"
#include "src/backend.h"

namespace dosql::slt {

// What a factory gets to build a backend with.
struct BackendOptions {
  // A private, existing, writable directory the backend may keep its database files in. It is
  // removed by the caller when the run ends.
  std::string work_dir;
};

using BackendFactory =
    std::function<Result<std::unique_ptr<SltBackend>>(const BackendOptions& options)>;

class BackendRegistry {
 public:
  // Adds an engine. Names are case-insensitive; registering a name twice is an error.
  [[nodiscard]] Status Register(std::string name, BackendFactory factory);

  // Creates a backend of the named engine, or NotFound naming the engines that exist.
  [[nodiscard]] Result<std::unique_ptr<SltBackend>> Create(std::string_view name,
                                                           const BackendOptions& options) const;

  bool Contains(std::string_view name) const;
  // Registered names, in registration order.
  std::vector<std::string> Names() const;

 private:
  std::vector<std::pair<std::string, BackendFactory>> entries_;
};

}  // namespace dosql::slt
