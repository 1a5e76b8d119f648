#include "src/registry.h"

#include <strings.h>

namespace dosql::slt {
namespace {

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Status BackendRegistry::Register(std::string name, BackendFactory factory) {
  if (name.empty() || !factory) return Status::InvalidArgument("engine needs a name and a factory");
  if (Contains(name)) return Status::AlreadyExists("engine already registered: " + name);
  entries_.emplace_back(std::move(name), std::move(factory));
  return Status::OK();
}

Result<std::unique_ptr<SltBackend>> BackendRegistry::Create(std::string_view name,
                                                            const BackendOptions& options) const {
  for (const auto& [entry_name, factory] : entries_) {
    if (SameName(entry_name, name)) return factory(options);
  }
  std::string known;
  for (const auto& entry : entries_) known += (known.empty() ? "" : ", ") + entry.first;
  return Status::NotFound("unknown engine '" + std::string(name) +
                          "' (available: " + (known.empty() ? "none in this binary" : known) + ")");
}

bool BackendRegistry::Contains(std::string_view name) const {
  for (const auto& entry : entries_) {
    if (SameName(entry.first, name)) return true;
  }
  return false;
}

std::vector<std::string> BackendRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& entry : entries_) names.push_back(entry.first);
  return names;
}

}  // namespace dosql::slt
