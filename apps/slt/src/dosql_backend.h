// dosql-slt's backend for the dosql engine: runs each record through dosql::engine's
// Connection on a file database in the runner's work directory (so "restart" reopens it).
// Used by one runner thread.
#pragma once

#include <memory>

#include "dosql/core/status.h"
#include "src/backend.h"
#include "src/registry.h"

namespace dosql::slt {

Result<std::unique_ptr<SltBackend>> MakeDosqlBackend(const BackendOptions& options);

}  // namespace dosql::slt
