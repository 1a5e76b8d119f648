#include "dosql/core/status.h"

namespace dosql {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kCorruption: return "Corruption";
    case StatusCode::kIOError: return "IOError";
    case StatusCode::kNoSpace: return "NoSpace";
    case StatusCode::kBusy: return "Busy";
    case StatusCode::kAborted: return "Aborted";
    case StatusCode::kReadOnly: return "ReadOnly";
    case StatusCode::kConstraint: return "Constraint";
    case StatusCode::kOutOfRange: return "OutOfRange";
    case StatusCode::kNotSupported: return "NotSupported";
    case StatusCode::kSyntaxError: return "SyntaxError";
    case StatusCode::kInternal: return "Internal";
    case StatusCode::kNoMemory: return "NoMemory";
  }
  return "Unknown";
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(StatusCodeName(state_->code));
  if (!state_->message.empty()) {
    s += ": ";
    s += state_->message;
  }
  return s;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += state_->message;
  return Status(state_->code, std::move(m));
}

}  // namespace dosql
