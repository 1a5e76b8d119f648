// MemoryFileSystem: a thread-safe in-memory tree of directories and files.
//
// File contents live in shared FileData objects, so an open File keeps working after its name is
// removed or renamed (POSIX semantics). The tree itself is a flat map from normalized,
// root-relative paths to nodes; each directory node also keeps the sorted names of its children.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "dosql/fsx/fsx.h"
#include "internal.h"

namespace dosql::fsx {
namespace {

using internal::CheckRange;
using internal::ClosedStatus;
using internal::ErrnoStatus;

struct FileData {
  std::shared_mutex mu;
  std::string bytes;
};

struct Node {
  bool is_dir = false;
  std::shared_ptr<FileData> data;  // files only
  std::set<std::string> children;  // directories only: entry names
};

struct LockTable {
  std::mutex mu;
  std::set<std::string> held;  // keys of locked paths
};

// Root-relative key of a path: "/a//b/./c" and "a/b/c" both give "a/b/c"; the root is "".
// ".." never climbs above the root.
std::string Key(std::string_view path) {
  std::string norm = internal::NormalizePath(path);
  std::string_view v(norm);
  if (!v.empty() && v.front() == '/') v.remove_prefix(1);
  while (v == ".." || v.substr(0, 3) == "../") v.remove_prefix(std::min<size_t>(3, v.size()));
  if (v == ".") v = "";
  return std::string(v);
}

std::string ParentKey(const std::string& key) {
  const size_t slash = key.rfind('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash);
}

std::string NameOf(const std::string& key) {
  const size_t slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

// Grows `bytes` to at least `size`, turning allocation failure into NoSpace.
Status Grow(std::string& bytes, uint64_t size, std::string_view op, const std::string& path) {
  if (size <= bytes.size()) return Status::OK();
  try {
    bytes.resize(size);
  } catch (const std::exception&) {
    return ErrnoStatus(ENOSPC, op, path);
  }
  return Status::OK();
}

class MemoryFile final : public File {
 public:
  MemoryFile(std::string path, std::shared_ptr<FileData> data, bool read_only)
      : path_(std::move(path)), data_(std::move(data)), read_only_(read_only) {}

  const std::string& path() const override { return path_; }

  Status ReadAt(uint64_t offset, size_t n, void* dst, size_t* bytes_read) override {
    *bytes_read = 0;
    if (closed_) return ClosedStatus("read", path_);
    DOSQL_RETURN_IF_ERROR(CheckRange("read", path_, offset, n));
    std::shared_lock lock(data_->mu);
    const std::string& bytes = data_->bytes;
    if (offset >= bytes.size()) return Status::OK();
    const size_t got = std::min<uint64_t>(n, bytes.size() - offset);
    std::memcpy(dst, bytes.data() + offset, got);
    *bytes_read = got;
    return Status::OK();
  }

  Status WriteAt(uint64_t offset, const void* src, size_t n) override {
    DOSQL_RETURN_IF_ERROR(CheckWritable("write"));
    std::unique_lock lock(data_->mu);
    return WriteLocked("write", offset, src, n);
  }

  Status Append(const void* src, size_t n) override {
    DOSQL_RETURN_IF_ERROR(CheckWritable("append"));
    std::unique_lock lock(data_->mu);
    return WriteLocked("append", data_->bytes.size(), src, n);
  }

  Status Sync() override {
    if (closed_) return ClosedStatus("sync", path_);
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    DOSQL_RETURN_IF_ERROR(CheckWritable("truncate"));
    DOSQL_RETURN_IF_ERROR(CheckRange("truncate", path_, size, 0));
    std::unique_lock lock(data_->mu);
    std::string& bytes = data_->bytes;
    if (size <= bytes.size()) {
      bytes.resize(size);
      if (bytes.capacity() > 2 * size + 4096) bytes.shrink_to_fit();
      return Status::OK();
    }
    return Grow(bytes, size, "truncate", path_);
  }

  Result<uint64_t> Size() override {
    if (closed_) return ClosedStatus("size", path_);
    std::shared_lock lock(data_->mu);
    return static_cast<uint64_t>(data_->bytes.size());
  }

  Status Close() override {
    if (closed_.exchange(true)) return ClosedStatus("close", path_);
    data_.reset();
    return Status::OK();
  }

 private:
  Status CheckWritable(std::string_view op) const {
    if (closed_) return ClosedStatus(op, path_);
    if (read_only_) {
      return Status::ReadOnly(std::string(op) + " '" + path_ + "': file is open read-only");
    }
    return Status::OK();
  }

  Status WriteLocked(std::string_view op, uint64_t offset, const void* src, size_t n) {
    DOSQL_RETURN_IF_ERROR(CheckRange(op, path_, offset, n));
    std::string& bytes = data_->bytes;
    DOSQL_RETURN_IF_ERROR(Grow(bytes, offset + n, op, path_));
    if (n > 0) std::memcpy(bytes.data() + offset, src, n);
    return Status::OK();
  }

  const std::string path_;
  std::shared_ptr<FileData> data_;  // null once closed
  const bool read_only_;
  std::atomic<bool> closed_{false};
};

class MemoryFileLock final : public FileLock {
 public:
  MemoryFileLock(std::shared_ptr<LockTable> table, std::string key)
      : table_(std::move(table)), key_(std::move(key)) {}
  ~MemoryFileLock() override {
    std::lock_guard lock(table_->mu);
    table_->held.erase(key_);
  }

 private:
  const std::shared_ptr<LockTable> table_;
  const std::string key_;
};

class MemoryFileSystem final : public FileSystem {
 public:
  MemoryFileSystem() { nodes_[""].is_dir = true; }

  std::string_view name() const override { return "memory"; }

  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenOptions& opts) override {
    if (opts.read_only && (opts.create || opts.truncate)) {
      return Status::InvalidArgument("open '" + path + "': read_only excludes create/truncate");
    }
    if (opts.exclusive && !opts.create) {
      return Status::InvalidArgument("open '" + path + "': exclusive requires create");
    }
    std::lock_guard lock(mu_);
    DOSQL_ASSIGN_OR_RETURN(std::shared_ptr<FileData> data,
                           OpenLocked(Key(path), path, "open", opts));
    return std::unique_ptr<File>(new MemoryFile(path, std::move(data), opts.read_only));
  }

  Status Remove(const std::string& path) override {
    const std::string key = Key(path);
    std::lock_guard lock(mu_);
    auto it = nodes_.find(key);
    if (it == nodes_.end()) return ErrnoStatus(ENOENT, "remove", path);
    if (it->second.is_dir) return ErrnoStatus(EISDIR, "remove", path);
    Unlink(key);
    return Status::OK();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    const std::string fk = Key(from);
    const std::string tk = Key(to);
    std::lock_guard lock(mu_);
    auto src = nodes_.find(fk);
    if (src == nodes_.end()) return RenameError(ENOENT, from, to);
    if (fk.empty() || tk.empty()) return RenameError(EBUSY, from, to);
    DOSQL_RETURN_IF_ERROR(CheckParent(tk, to, "rename"));
    if (fk == tk) return Status::OK();
    auto dst = nodes_.find(tk);
    if (!src->second.is_dir) {
      if (dst != nodes_.end() && dst->second.is_dir) return RenameError(EISDIR, from, to);
      Node moved = std::move(src->second);
      Unlink(fk);
      Link(tk, std::move(moved));
      return Status::OK();
    }
    // Directory: the target must not lie inside the source, and may only replace an empty
    // directory.
    const std::string prefix = fk + "/";
    if (tk.compare(0, prefix.size(), prefix) == 0) return RenameError(EINVAL, from, to);
    if (dst != nodes_.end()) {
      if (!dst->second.is_dir) return RenameError(ENOTDIR, from, to);
      if (!dst->second.children.empty()) return RenameError(ENOTEMPTY, from, to);
      Unlink(tk);
    }
    std::vector<std::pair<std::string, Node>> subtree;
    for (auto it = nodes_.lower_bound(prefix);
         it != nodes_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
      subtree.emplace_back(tk + it->first.substr(fk.size()), std::move(it->second));
      it = nodes_.erase(it);
    }
    Node moved = std::move(nodes_.find(fk)->second);
    Unlink(fk);
    Link(tk, std::move(moved));
    for (auto& [key, node] : subtree) nodes_.emplace(std::move(key), std::move(node));
    return Status::OK();
  }

  Result<bool> Exists(const std::string& path) override {
    const std::string key = Key(path);
    std::lock_guard lock(mu_);
    return nodes_.count(key) > 0;
  }

  Result<std::vector<std::string>> List(const std::string& dir) override {
    const std::string key = Key(dir);
    std::lock_guard lock(mu_);
    auto it = nodes_.find(key);
    if (it == nodes_.end()) return ErrnoStatus(ENOENT, "list", dir);
    if (!it->second.is_dir) return ErrnoStatus(ENOTDIR, "list", dir);
    return std::vector<std::string>(it->second.children.begin(), it->second.children.end());
  }

  Status CreateDir(const std::string& path) override {
    const std::string key = Key(path);
    std::lock_guard lock(mu_);
    size_t pos = 0;
    while (pos <= key.size() && !key.empty()) {
      size_t end = key.find('/', pos);
      if (end == std::string::npos) end = key.size();
      const std::string prefix = key.substr(0, end);
      pos = end + 1;
      auto it = nodes_.find(prefix);
      if (it == nodes_.end()) {
        Node dir;
        dir.is_dir = true;
        Link(prefix, std::move(dir));
      } else if (!it->second.is_dir) {
        return ErrnoStatus(end == key.size() ? EEXIST : ENOTDIR, "mkdir", path);
      }
    }
    return Status::OK();
  }

  Status RemoveDir(const std::string& path) override {
    const std::string key = Key(path);
    std::lock_guard lock(mu_);
    auto it = nodes_.find(key);
    if (it == nodes_.end()) return ErrnoStatus(ENOENT, "rmdir", path);
    if (!it->second.is_dir) return ErrnoStatus(ENOTDIR, "rmdir", path);
    if (key.empty()) return ErrnoStatus(EBUSY, "rmdir", path);
    if (!it->second.children.empty()) return ErrnoStatus(ENOTEMPTY, "rmdir", path);
    Unlink(key);
    return Status::OK();
  }

  Status SyncDir(const std::string& path) override {
    const std::string key = Key(path);
    std::lock_guard lock(mu_);
    auto it = nodes_.find(key);
    if (it == nodes_.end()) return ErrnoStatus(ENOENT, "syncdir", path);
    if (!it->second.is_dir) return ErrnoStatus(ENOTDIR, "syncdir", path);
    return Status::OK();
  }

  Result<std::unique_ptr<FileLock>> Lock(const std::string& path) override {
    const std::string key = Key(path);
    {
      std::lock_guard lock(mu_);
      OpenOptions opts;
      opts.create = true;
      DOSQL_RETURN_IF_ERROR(OpenLocked(key, path, "lock", opts).status());
    }
    std::lock_guard lock(locks_->mu);
    if (!locks_->held.insert(key).second) {
      return Status::Busy("lock '" + path + "': held by another owner");
    }
    return std::unique_ptr<FileLock>(new MemoryFileLock(locks_, key));
  }

 private:
  // Finds or creates the file `key` as `opts` ask. Requires mu_.
  Result<std::shared_ptr<FileData>> OpenLocked(const std::string& key, const std::string& path,
                                               std::string_view op, const OpenOptions& opts) {
    auto it = nodes_.find(key);
    if (it != nodes_.end()) {
      if (it->second.is_dir) return ErrnoStatus(EISDIR, op, path);
      if (opts.create && opts.exclusive) return ErrnoStatus(EEXIST, op, path);
      std::shared_ptr<FileData> data = it->second.data;
      if (opts.truncate) {
        std::unique_lock data_lock(data->mu);
        data->bytes.clear();
        data->bytes.shrink_to_fit();
      }
      return data;
    }
    if (!opts.create) return ErrnoStatus(ENOENT, op, path);
    DOSQL_RETURN_IF_ERROR(CheckParent(key, path, op));
    Node file;
    file.data = std::make_shared<FileData>();
    std::shared_ptr<FileData> data = file.data;
    Link(key, std::move(file));
    return data;
  }

  // OK if the parent of `key` exists and is a directory. Requires mu_.
  Status CheckParent(const std::string& key, const std::string& path, std::string_view op) const {
    auto parent = nodes_.find(ParentKey(key));
    if (parent == nodes_.end()) return ErrnoStatus(ENOENT, op, path);
    if (!parent->second.is_dir) return ErrnoStatus(ENOTDIR, op, path);
    return Status::OK();
  }

  // Adds or replaces the node `key` and its entry in the parent directory. Requires mu_.
  void Link(const std::string& key, Node node) {
    nodes_[ParentKey(key)].children.insert(NameOf(key));
    nodes_[key] = std::move(node);
  }

  // Removes the node `key` (not its descendants) and its entry in the parent. Requires mu_.
  void Unlink(const std::string& key) {
    nodes_.erase(key);
    auto parent = nodes_.find(ParentKey(key));
    if (parent != nodes_.end()) parent->second.children.erase(NameOf(key));
  }

  static Status RenameError(int err, const std::string& from, const std::string& to) {
    return ErrnoStatus(err, "rename", from + "' to '" + to);
  }

  std::mutex mu_;
  std::map<std::string, Node> nodes_;  // root-relative key -> node; "" is the root
  const std::shared_ptr<LockTable> locks_ = std::make_shared<LockTable>();
};

}  // namespace

std::shared_ptr<FileSystem> NewMemoryFileSystem() { return std::make_shared<MemoryFileSystem>(); }

}  // namespace dosql::fsx
