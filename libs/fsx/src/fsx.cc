// Helpers built on the FileSystem interface, and the private path/errno utilities.
#include "dosql/fsx/fsx.h"

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "internal.h"

namespace dosql::fsx {

namespace internal {

Status ErrnoStatus(int err, std::string_view op, std::string_view path) {
  char buf[256];
  // GNU strerror_r returns a pointer to the text (possibly a static string, not buf).
  const char* text = strerror_r(err, buf, sizeof(buf));
  std::string msg;
  msg.reserve(op.size() + path.size() + 64);
  msg.append(op).append(" '").append(path).append("': ").append(text);
  switch (err) {
    case ENOENT:
      return Status::NotFound(std::move(msg));
    case EEXIST:
      return Status::AlreadyExists(std::move(msg));
    case ENOSPC:
    case EDQUOT:
      return Status::NoSpace(std::move(msg));
    case EROFS:
      return Status::ReadOnly(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

Status ClosedStatus(std::string_view op, std::string_view path) {
  std::string msg(op);
  msg.append(" '").append(path).append("': file is closed");
  return Status::IOError(std::move(msg));
}

Status CheckRange(std::string_view op, std::string_view path, uint64_t offset, uint64_t n) {
  constexpr uint64_t kMax = static_cast<uint64_t>(INT64_MAX);
  if (offset > kMax || n > kMax - offset) {
    std::string msg(op);
    msg.append(" '").append(path).append("': range at offset ").append(std::to_string(offset));
    msg.append(" of ").append(std::to_string(n)).append(" bytes is out of range");
    return Status::InvalidArgument(std::move(msg));
  }
  return Status::OK();
}

std::string NormalizePath(std::string_view path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!absolute) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out.append(parts[i]);
  }
  if (out.empty()) out = ".";
  return out;
}

std::string_view BaseName(std::string_view normalized) {
  const size_t slash = normalized.rfind('/');
  return slash == std::string_view::npos ? normalized : normalized.substr(slash + 1);
}

}  // namespace internal

Status File::ReadAtScatter(uint64_t offset, std::span<void* const> buffers, size_t size,
                           size_t* bytes_read) {
  *bytes_read = 0;
  for (void* buffer : buffers) {
    size_t got = 0;
    DOSQL_RETURN_IF_ERROR(ReadAt(offset + *bytes_read, size, buffer, &got));
    *bytes_read += got;
    if (got < size) break;  // end of file
  }
  return Status::OK();
}

Result<std::shared_ptr<const MappedBytes>> File::MapReadOnly(uint64_t /*length*/) {
  return Status::NotSupported("mapping '" + path() + "': this file system cannot map files");
}

Status File::ReadExact(uint64_t offset, size_t n, void* dst) {
  size_t got = 0;
  DOSQL_RETURN_IF_ERROR(ReadAt(offset, n, dst, &got));
  if (got < n) {
    return Status::Corruption("short read from '" + path() + "' at offset " +
                              std::to_string(offset) + ": wanted " + std::to_string(n) +
                              " bytes, got " + std::to_string(got));
  }
  return Status::OK();
}

std::string JoinPath(std::string_view dir, std::string_view name) {
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (dir.empty()) return std::string(name);
  std::string out(dir);
  if (name.empty()) return out;
  if (out.back() != '/') out += '/';
  out.append(name);
  return out;
}

std::string ParentDir(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  std::string_view parent = path.substr(0, slash);
  while (parent.size() > 1 && parent.back() == '/') parent.remove_suffix(1);
  if (parent.empty()) return "/";
  return std::string(parent);
}

Result<std::string> ReadFile(FileSystem& fs, const std::string& path) {
  OpenOptions opts;
  opts.read_only = true;
  DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs.Open(path, opts));
  DOSQL_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  std::string out;
  out.resize(size);
  size_t got = 0;
  DOSQL_RETURN_IF_ERROR(file->ReadAt(0, out.size(), out.data(), &got));
  out.resize(got);
  // The file may have grown since Size(); read on until end of file.
  char buf[64 * 1024];
  for (;;) {
    size_t more = 0;
    DOSQL_RETURN_IF_ERROR(file->ReadAt(out.size(), sizeof(buf), buf, &more));
    out.append(buf, more);
    if (more < sizeof(buf)) break;
  }
  DOSQL_RETURN_IF_ERROR(file->Close());
  return out;
}

Status WriteFileAtomic(FileSystem& fs, const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  OpenOptions opts;
  opts.create = true;
  opts.truncate = true;
  Status st = [&]() -> Status {
    DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs.Open(tmp, opts));
    DOSQL_RETURN_IF_ERROR(file->Append(data));
    DOSQL_RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }();
  if (st.ok()) st = fs.Rename(tmp, path);
  if (!st.ok()) {
    fs.Remove(tmp).IgnoreError();
    return st;
  }
  return fs.SyncDir(ParentDir(path));
}

namespace {

// Removes the entries of `dir` (already listed as `entries`), files first, then `dir` itself.
Status RemoveTree(FileSystem& fs, const std::string& dir, const std::vector<std::string>& entries) {
  std::vector<std::pair<std::string, std::vector<std::string>>> subdirs;
  for (const std::string& name : entries) {
    std::string child = JoinPath(dir, name);
    Result<std::vector<std::string>> sub = fs.List(child);
    if (sub.ok()) {
      subdirs.emplace_back(std::move(child), std::move(sub).value());
      continue;
    }
    Status st = fs.Remove(child);
    if (!st.ok() && !st.IsNotFound()) return st;
  }
  for (const auto& [child, sub] : subdirs) DOSQL_RETURN_IF_ERROR(RemoveTree(fs, child, sub));
  return fs.RemoveDir(dir);
}

}  // namespace

Result<std::vector<std::string>> CreateDirs(FileSystem& fs, const std::string& path) {
  std::vector<std::string> missing;  // innermost first
  for (std::string p = path; !p.empty() && p != "." && p != "/";) {
    DOSQL_ASSIGN_OR_RETURN(bool exists, fs.Exists(p));
    if (exists) break;
    missing.push_back(p);
    std::string parent = ParentDir(p);
    if (parent == p) break;
    p = std::move(parent);
  }
  DOSQL_RETURN_IF_ERROR(fs.CreateDir(path));
  std::vector<std::string> changed;
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) changed.push_back(ParentDir(*it));
  return changed;
}

Status RemoveAll(FileSystem& fs, const std::string& path) {
  DOSQL_ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) return Status::OK();
  Result<std::vector<std::string>> entries = fs.List(path);
  if (!entries.ok()) {
    // Not a directory: remove it as a file, reporting the listing error if that fails too.
    Status st = fs.Remove(path);
    return st.ok() ? st : entries.status();
  }
  return RemoveTree(fs, path, *entries);
}

}  // namespace dosql::fsx
