// dosql::engine — SQLite's core scalar functions as pure functions over Values.
//
// What it is for: the binder resolves a function call by name and argument count with
// FindScalarFunction() and the executor calls the returned pointer per row (or per batch). The
// results reproduce SQLite 3.40's func.c for every input class; functions that SQLite added
// after 3.40 (octet_length, concat, concat_ws, unhex) follow SQLite's documentation. The math
// functions are those of SQLITE_ENABLE_MATH_FUNCTIONS; the date and time functions live in
// src/datetime.cc.
// Errors (a non-OK Result) carry SQLite's message, e.g. "integer overflow" for abs(INT64_MIN)
// or "wrong number of arguments to function substr()" from CallScalarFunction().
//
// Ownership: functions read caller-owned arguments and return new Values. Threads: all
// functions are thread-safe; random()/randomblob() use a thread-local generator.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/compare.h"

namespace dosql::engine {

// Per-call context: the collation that applies to the call (min/max/nullif/instr... use it
// where SQLite does), the maximum size of a string or blob result (SQLITE_LIMIT_LENGTH), and
// the running statement's 'now' for the date and time functions: SQLite's current time
// (Julian day x 86'400'000), 0 until the first function reads the clock, after which every
// call of the same statement execution sees the same value. Null: each call reads the clock.
// The executor sets it for non-deterministic functions only.
struct FunctionContext {
  Collation collation = Collation::kBinary;
  int64_t max_length = 1000000000;
  int64_t* statement_time = nullptr;
};

using ScalarFn = Result<Value> (*)(std::span<const Value> args, const FunctionContext& ctx);

struct ScalarFunctionInfo {
  std::string_view name;  // lower case
  int min_args;
  int max_args;           // -1: any number
  bool deterministic;
  ScalarFn fn;
};

// Looks a function up by name (case-insensitive). Returns nullptr if unknown. The argument
// count is checked by CallScalarFunction (or by the caller with min_args/max_args).
const ScalarFunctionInfo* FindScalarFunction(std::string_view name);
// All built-in scalar functions (for PRAGMA function_list and tests).
std::span<const ScalarFunctionInfo> ScalarFunctions();

// Resolves and calls: NotFound "no such function: X" or InvalidArgument "wrong number of
// arguments to function X()" as SQLite reports them.
[[nodiscard]] Result<Value> CallScalarFunction(std::string_view name,
                                               std::span<const Value> args,
                                               const FunctionContext& ctx = {});

// SQLite's quote() of a value (also used for rendering SQL literals): NULL, 12, 1.5,
// 'it''s', X'00FF'.
std::string QuoteValue(const Value& v);
// An identifier as a double-quoted SQL name: Quoted("a\"b") is "a""b" with the quotes.
std::string QuoteIdentifier(std::string_view name);

}  // namespace dosql::engine
