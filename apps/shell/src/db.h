// dosql shell — the SQL API the shell runs on: the facade (dosql::dosql) when the build has it,
// else the engine's classes directly. Both name the same types.
#pragma once

#if DOSQL_SHELL_USE_FACADE
#include "dosql/dosql.h"
#else
#include "dosql/engine/database.h"
#endif
#include "dosql/core/status.h"
#include "dosql/core/value.h"

namespace dosql::shell {

using Database = engine::Database;
using Connection = engine::Connection;
using Statement = engine::Statement;
using DatabaseOptions = engine::DatabaseOptions;

}  // namespace dosql::shell
