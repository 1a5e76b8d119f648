// dosql — the facade: the one header an application includes to use dosql from C++.
//
// What it is for: applications and the bindings (bindings/c, later the Node addon) link
// dosql::dosql and include this header only. Today it re-exports the engine's SQL API
// (dosql/engine/database.h) under namespace dosql:
//
//   auto conn = dosql::Connection::Open(":memory:");          // or a directory path
//   auto stmt = (*conn)->Prepare("SELECT ?1 + 1");
//   (*stmt)->Bind(1, dosql::Value::Integer(41));
//   while (*(*stmt)->Step()) use((*stmt)->column(0));
//
// and the value conversions that SQLite's sqlite3_column_text/int64/double perform, so that
// callers render values exactly as SQLite does. Later work grows the facade with the features
// that plug into the engine (time travel, branches, attach, fts, vectors, replication, ...).
//
// Ownership: as in the engine. A Database is shared (std::shared_ptr) by its Connections and
// outlives them; Connection::Open returns a connection that keeps its Database alive. A
// Statement belongs to the caller (std::unique_ptr) and must not outlive its Connection.
//
// Threads: a Connection and its Statements are used by one thread at a time; different
// Connections (also of one Database) may run on different threads. The free functions below
// are pure and may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/database.h"
#include "dosql/transaction.h"

namespace dosql {

// The SQL API (see dosql/engine/database.h for the full contract).
using Database = engine::Database;
using Connection = engine::Connection;
using Statement = engine::Statement;
using DatabaseOptions = engine::DatabaseOptions;
using FunctionFlags = engine::FunctionFlags;
using ScalarFunction = engine::ScalarFunction;
using AggregateCallbacks = engine::AggregateCallbacks;
using AggregateFactory = engine::AggregateFactory;
using CollationFunction = engine::CollationFunction;

// The library's version: "MAJOR.MINOR.PATCH" and MAJOR*1000000 + MINOR*1000 + PATCH (the
// encoding of SQLITE_VERSION_NUMBER).
std::string_view Version();
int VersionNumber();

// sqlite3_column_text(): appends the text of `v` to `out` (INTEGER as decimal, REAL with
// SQLite's "%!.15g" rendering such as "1.5", "1.0e+300", "Inf"; TEXT and BLOB bytes as they
// are). Returns false (and appends nothing) for NULL.
bool AppendValueText(const Value& v, std::string* out);
// sqlite3_column_int64() / sqlite3_column_double(): the numeric value of any value (TEXT and
// BLOB by their leading number, as SQLite parses it; NULL -> 0; REAL -> INTEGER truncates
// toward zero and saturates).
int64_t ValueToInt64(const Value& v);
double ValueToDouble(const Value& v);

}  // namespace dosql
