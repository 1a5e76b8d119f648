// dosql::core — Status and Result<T>: how every dosql library reports errors.
//
// A Status is either OK or carries a code and a human-readable message. Result<T> holds either a
// value or a non-OK Status. No exception crosses a library boundary: functions that can fail
// return [[nodiscard]] Status or Result<T> and callers propagate with DOSQL_RETURN_IF_ERROR /
// DOSQL_ASSIGN_OR_RETURN. Both types are value types; any thread may use its own instances.
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dosql {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,   // the caller passed something malformed
  kNotFound,          // a named thing does not exist
  kAlreadyExists,     // a named thing exists already
  kCorruption,        // bytes read from storage failed a check
  kIOError,           // the operating system or device reported an error
  kNoSpace,           // the device is full (ENOSPC) or a size limit was hit
  kBusy,              // a lock could not be taken in time
  kAborted,           // the operation was cancelled or rolled back
  kReadOnly,          // a write was attempted on something read-only
  kConstraint,        // a constraint (unique, not null, check, ...) was violated
  kOutOfRange,        // a position, size or time outside what is kept or allowed
  kNotSupported,      // valid request the build or backend cannot serve
  kSyntaxError,       // SQL that does not parse
  kInternal,          // an invariant inside dosql broke (a bug)
  kNoMemory,          // an allocation failed (SQLite's SQLITE_NOMEM)
};

// Returns the canonical name of a code, e.g. "Corruption".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status is one null pointer (made, moved, tested and dropped on every call that
  // succeeds); an error holds its code and message on the heap.
  Status() = default;
  Status(StatusCode code, std::string message)
      : state_(code == StatusCode::kOk ? nullptr : new State{code, std::move(message)}) {}
  Status(const Status& o) : state_(o.state_ ? new State(*o.state_) : nullptr) {}
  Status& operator=(const Status& o) {
    if (this != &o) state_.reset(o.state_ ? new State(*o.state_) : nullptr);
    return *this;
  }
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status NoSpace(std::string m) { return {StatusCode::kNoSpace, std::move(m)}; }
  static Status Busy(std::string m) { return {StatusCode::kBusy, std::move(m)}; }
  static Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
  static Status ReadOnly(std::string m) { return {StatusCode::kReadOnly, std::move(m)}; }
  static Status Constraint(std::string m) { return {StatusCode::kConstraint, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status NotSupported(std::string m) { return {StatusCode::kNotSupported, std::move(m)}; }
  static Status SyntaxError(std::string m) { return {StatusCode::kSyntaxError, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status NoMemory(std::string m) { return {StatusCode::kNoMemory, std::move(m)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return state_ ? state_->code : StatusCode::kOk; }
  const std::string& message() const;
  bool IsCorruption() const { return code() == StatusCode::kCorruption; }
  bool IsNotFound() const { return code() == StatusCode::kNotFound; }
  bool IsBusy() const { return code() == StatusCode::kBusy; }
  bool IsIOError() const { return code() == StatusCode::kIOError; }
  bool IsNoSpace() const { return code() == StatusCode::kNoSpace; }

  // "Corruption: page 12: checksum mismatch", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context` and ": ".
  Status WithContext(std::string_view context) const;

  // Explicitly ignores a status (for best-effort cleanup paths).
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;  // null: OK
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(v_).ok() && "Result constructed from OK status");
  }

  bool ok() const { return v_.index() == 0; }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<1>(v_);
  }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  // On an rvalue the value is moved out (returned by value, so that `for (x : *F())` and
  // `auto& y = *F()` never refer into a destroyed temporary).
  T value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? std::get<0>(v_) : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace dosql

#define DOSQL_STATUS_CONCAT_INNER(a, b) a##b
#define DOSQL_STATUS_CONCAT(a, b) DOSQL_STATUS_CONCAT_INNER(a, b)

#define DOSQL_RETURN_IF_ERROR(expr)                  \
  do {                                               \
    ::dosql::Status _dosql_st = (expr);              \
    if (!_dosql_st.ok()) return _dosql_st;           \
  } while (0)

#define DOSQL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)  \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#define DOSQL_ASSIGN_OR_RETURN(lhs, expr) \
  DOSQL_ASSIGN_OR_RETURN_IMPL(DOSQL_STATUS_CONCAT(_dosql_res_, __LINE__), lhs, expr)
