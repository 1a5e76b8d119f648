// MemoryFileSystem: a thread-safe in-memory tree of directories and files.
//
// File contents live in shared FileData objects, so an open File keeps working after its name is
// removed or renamed (POSIX semantics). The tree itself is a flat map from normalized,
// root-relative paths to nodes; each directory node also keeps the sorted names of its children.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
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

// A file's bytes, in fixed-size chunks: growing a file never copies what it holds (a WAL
// segment grows by appends), and a chunk comes from calloc, whose fresh pages are already
// zero, so bytes never written read as zeros without a memset. Requires `mu` for everything.
class FileData {
 public:
  std::shared_mutex mu;

  uint64_t size() const { return size_; }

  // Copies bytes [offset, offset + n) out; the range must lie within size().
  void Read(uint64_t offset, size_t n, char* dst) const {
    while (n > 0) {
      const size_t in = static_cast<size_t>(offset % kChunk);
      const size_t take = std::min(n, kChunk - in);
      std::memcpy(dst, chunks_[offset / kChunk].get() + in, take);
      offset += take;
      dst += take;
      n -= take;
    }
  }

  // Writes bytes at offset, growing the file when they end past it. False when memory ran out.
  bool Write(uint64_t offset, const char* src, size_t n) {
    if (!Resize(std::max(size_, offset + n))) return false;
    while (n > 0) {
      const size_t in = static_cast<size_t>(offset % kChunk);
      const size_t take = std::min(n, kChunk - in);
      std::memcpy(chunks_[offset / kChunk].get() + in, src, take);
      offset += take;
      src += take;
      n -= take;
    }
    return true;
  }

  // Grows (with zeros) or shrinks the file; a shrunk file's cut bytes read as zeros if it
  // grows again. False when memory ran out (the file is then unchanged in size).
  bool Resize(uint64_t size) {
    const size_t want = static_cast<size_t>((size + kChunk - 1) / kChunk);
    if (size < size_) {
      chunks_.resize(want);
      if (size % kChunk != 0) {
        const size_t in = static_cast<size_t>(size % kChunk);
        std::memset(chunks_.back().get() + in, 0, kChunk - in);
      }
    }
    while (chunks_.size() < want) {
      Chunk c(static_cast<char*>(std::calloc(1, kChunk)));
      if (!c) return false;
      try {
        chunks_.push_back(std::move(c));
      } catch (const std::exception&) {
        return false;
      }
    }
    size_ = size;
    return true;
  }

 private:
  static constexpr size_t kChunk = size_t{1} << 18;  // 256 KiB
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  using Chunk = std::unique_ptr<char[], Free>;
  std::vector<Chunk> chunks_;
  uint64_t size_ = 0;
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
    const uint64_t size = data_->size();
    if (offset >= size) return Status::OK();
    const size_t got = static_cast<size_t>(std::min<uint64_t>(n, size - offset));
    data_->Read(offset, got, static_cast<char*>(dst));
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
    return WriteLocked("append", data_->size(), src, n);
  }

  Status Sync() override {
    if (closed_) return ClosedStatus("sync", path_);
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    DOSQL_RETURN_IF_ERROR(CheckWritable("truncate"));
    DOSQL_RETURN_IF_ERROR(CheckRange("truncate", path_, size, 0));
    std::unique_lock lock(data_->mu);
    if (!data_->Resize(size)) return ErrnoStatus(ENOSPC, "truncate", path_);
    return Status::OK();
  }

  Result<uint64_t> Size() override {
    if (closed_) return ClosedStatus("size", path_);
    std::shared_lock lock(data_->mu);
    return data_->size();
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
    if (!data_->Write(offset, static_cast<const char*>(src), n)) return ErrnoStatus(ENOSPC, op, path_);
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
        data->Resize(0);
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
