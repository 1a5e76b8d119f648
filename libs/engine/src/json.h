// dosql::engine (internal) — SQLite 3.40's JSON functions (json1) over text JSON.
//
// What it is for: the scalar functions json, json_valid, json_extract, -> and ->>, json_type,
// json_array, json_object, json_array_length, json_insert, json_replace, json_set,
// json_remove, json_patch and json_quote (registered in functions.cc's table), the aggregates
// json_group_array and json_group_object (registered in aggregate.cc), and the rows of the
// table-valued functions json_each and json_tree (for the FROM-clause machinery). Results,
// minification, number and string rendering, path syntax, error messages and quirks are those
// of SQLite 3.40's json.c (strict RFC 8259 input, nesting limited to 2000 levels; no JSON5, no
// JSONB). JSON text these functions produce carries the subtype kJsonSubtype, which tells
// another JSON function receiving it directly to embed it as JSON rather than quote it.
//
// Ownership: functions read caller-owned arguments and return new Values; parse trees are
// private to one call. Threads: every function is reentrant and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "aggregate.h"
#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/functions.h"

namespace dosql::engine {

// The subtype of JSON text (SQLite's JSON_SUBTYPE, 'J').
inline constexpr uint8_t kJsonSubtype = 74;

// Scalar functions, with the ScalarFn signature (argument counts are checked by the caller
// against the table in functions.cc).
Result<Value> JsonValidFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonExtractFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonArrowFn(std::span<const Value> a, const FunctionContext& ctx);        // ->
Result<Value> JsonArrowTextFn(std::span<const Value> a, const FunctionContext& ctx);    // ->>
Result<Value> JsonTypeFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonArrayFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonObjectFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonArrayLengthFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonInsertFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonReplaceFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonSetFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonRemoveFn(std::span<const Value> a, const FunctionContext& ctx);  // also json()
Result<Value> JsonPatchFn(std::span<const Value> a, const FunctionContext& ctx);
Result<Value> JsonQuoteFn(std::span<const Value> a, const FunctionContext& ctx);

// json_group_array(X) and json_group_object(NAME, VALUE).
std::unique_ptr<AggregateState> MakeJsonGroupArray(Collation coll);
std::unique_ptr<AggregateState> MakeJsonGroupObject(Collation coll);

// The columns of json_each / json_tree rows, in SQLite's order (json and root are hidden).
enum JsonEachColumn : int {
  kJsonEachKey, kJsonEachValue, kJsonEachType, kJsonEachAtom, kJsonEachId, kJsonEachParent,
  kJsonEachFullkey, kJsonEachPath, kJsonEachJson, kJsonEachRoot, kJsonEachColumnCount
};

// The rows of json_each(json [, path]) (recursive = false) or json_tree(json [, path])
// (recursive = true), each with kJsonEachColumnCount values, in SQLite's order. `path` is
// null when the call has no path argument. A NULL json or path, or a path that selects
// nothing, gives no rows; malformed JSON and bad paths give SQLite's errors.
Result<std::vector<std::vector<Value>>> JsonEachRows(const Value& json, const Value* path,
                                                     bool recursive);

}  // namespace dosql::engine
