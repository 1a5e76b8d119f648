#include "dosql/dosql.h"

#include "dosql/engine/format.h"

namespace dosql {

namespace {
constexpr int kVersionMajor = 0;
constexpr int kVersionMinor = 1;
constexpr int kVersionPatch = 0;
}  // namespace

std::string_view Version() { return "0.1.0"; }

int VersionNumber() { return kVersionMajor * 1000000 + kVersionMinor * 1000 + kVersionPatch; }

bool AppendValueText(const Value& v, std::string* out) { return engine::AppendValueText(v, out); }

int64_t ValueToInt64(const Value& v) { return engine::ValueToInt64(v); }

double ValueToDouble(const Value& v) { return engine::ValueToReal(v); }

}  // namespace dosql
