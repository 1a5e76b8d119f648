// dosql::engine (internal) — SQLite's date and time functions.
//
// What it is for: functions.cc registers these in its function table; the binder also uses them
// for CURRENT_DATE / CURRENT_TIME / CURRENT_TIMESTAMP. They reproduce SQLite 3.40's date.c for
// every time-value format and modifier, plus what later SQLite releases added (timediff(), the
// 'subsec' modifier, '±YYYY-MM-DD[ HH:MM[:SS[.SSS]]]' modifiers, strftime's %e %F %G %g %I %k %l
// %p %P %R %T %u %U %V), following SQLite's documentation.
//
// 'now' is read once per statement execution through FunctionContext::statement_time (the
// functions are registered as non-deterministic so that the binder never folds them).
//
// Threads: reentrant and thread-safe ('localtime'/'utc' use localtime_r).
#pragma once

#include <cstdint>
#include <span>

#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/functions.h"

namespace dosql::engine {

using DateArgs = std::span<const Value>;

Result<Value> FnDate(DateArgs args, const FunctionContext& ctx);
Result<Value> FnTime(DateArgs args, const FunctionContext& ctx);
Result<Value> FnDatetime(DateArgs args, const FunctionContext& ctx);
Result<Value> FnJulianday(DateArgs args, const FunctionContext& ctx);
Result<Value> FnUnixepoch(DateArgs args, const FunctionContext& ctx);
Result<Value> FnStrftime(DateArgs args, const FunctionContext& ctx);
Result<Value> FnTimediff(DateArgs args, const FunctionContext& ctx);

// The current time as SQLite's iCurrentTime: Julian day number × 86'400'000. Reads the clock
// the first time per statement (*ctx.statement_time == 0), then returns the same value.
int64_t StatementTime(const FunctionContext& ctx);

}  // namespace dosql::engine
