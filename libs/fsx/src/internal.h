// Private helpers shared by the fsx backends. Not part of the public API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "dosql/core/status.h"

namespace dosql::fsx::internal {

// Maps an errno value to a Status whose message names the operation, the path and the system's
// description of the error: "open 'db/x': No such file or directory".
Status ErrnoStatus(int err, std::string_view op, std::string_view path);

// The error every backend returns when a File is used after Close: "read 'x': file is closed".
Status ClosedStatus(std::string_view op, std::string_view path);

// InvalidArgument unless [offset, offset + n) fits in a signed 64-bit file offset.
Status CheckRange(std::string_view op, std::string_view path, uint64_t offset, uint64_t n);

// Lexically normalizes a path: collapses repeated '/', drops "." components and resolves ".."
// against the preceding component. Keeps a leading '/' for absolute paths. "" and "." give ".".
std::string NormalizePath(std::string_view path);

// The last component of a normalized path ("a/b" -> "b", "a" -> "a", "/" -> "").
std::string_view BaseName(std::string_view normalized);

}  // namespace dosql::fsx::internal
