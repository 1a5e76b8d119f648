// FaultFileSystem: wraps a FileSystem, injects failures and simulates crashes.
//
// Crash model bookkeeping:
//   * Inode: one per file the wrapper tracks. It carries the undo log of the writes and truncates
//     issued since the file's last Sync (each with the bytes and size it replaced), so Restart can
//     roll the file back to its durable contents and keep a random prefix of the later writes.
//     A Sync clears the log, so memory only ever covers data that is not yet durable.
//   * pending: per directory, for every name changed since the directory's last SyncDir, what
//     the name durably referred to before the first change (nothing, a directory, or a file
//     Inode). SyncDir drops the directory's records. When a recorded file loses its last name,
//     the wrapper keeps a read handle on it (the "keeper") so Restart can bring it back.
//   * Restart computes, for every recorded name, the durable target, and rewrites the backend to
//     match; files that keep their name are rolled back in place through their undo log.
// Paths are tracked in lexically normalized form (see internal::NormalizePath); renaming a
// directory is not supported by this wrapper (NotSupported).
#include "dosql/fsx/fault.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "internal.h"

namespace dosql::fsx {
namespace internal {

Status CrashedStatus() { return Status::IOError("simulated crash"); }

// splitmix64: tiny, fast and identical on every platform, so a seed reproduces a run.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); 0 when n is 0.
  uint64_t Uniform(uint64_t n) { return n == 0 ? 0 : Next() % n; }

 private:
  uint64_t state_;
};

struct UndoRecord {
  bool truncate = false;
  uint64_t offset = 0;    // write: first byte written; truncate: the new size
  uint64_t length = 0;    // write: bytes written
  uint64_t old_size = 0;  // file size before the operation
  // write: previous bytes of [offset, offset + old_bytes.size()) (the part below old_size);
  // truncate: previous bytes of [offset, old_size) when it shrank the file.
  std::string old_bytes;
};

struct Inode {
  std::string path;  // current name, "" once no name leads to it
  std::vector<UndoRecord> log;
  std::unique_ptr<File> keeper;  // read handle while unnamed but restorable
  int handles = 0;               // open FaultFiles
  int pending_refs = 0;          // directory records naming this inode as a durable target
  // Restart plan: log[0, survive) survive whole, log[survive] keeps `keep` bytes (writes only).
  bool planned = false;
  size_t survive = 0;
  uint64_t keep = 0;
};

enum class EntryKind { kAbsent, kFile, kDir };

struct DurableEntry {
  EntryKind kind = EntryKind::kAbsent;
  std::shared_ptr<Inode> inode;  // kFile only
};

struct LockSlot {
  std::mutex mu;
  std::unique_ptr<FileLock> lock;  // reset when released or at a crash
};

// Path of `name` inside the normalized directory `dir`.
std::string ChildPath(const std::string& dir, std::string_view name) {
  if (dir == ".") return std::string(name);
  std::string out = dir;
  if (out.back() != '/') out += '/';
  out.append(name);
  return out;
}

Result<std::string> ReadAll(File& file) {
  DOSQL_ASSIGN_OR_RETURN(uint64_t size, file.Size());
  std::string out;
  out.resize(size);
  size_t got = 0;
  DOSQL_RETURN_IF_ERROR(file.ReadAt(0, out.size(), out.data(), &got));
  out.resize(got);
  return out;
}

// Rolls a file back from its current state to its planned post-crash state by undoing the log
// from the end. `write(offset, data, n)` and `resize(size)` act on the file.
template <typename WriteFn, typename ResizeFn>
Status RollBack(const Inode& x, WriteFn write, ResizeFn resize) {
  for (size_t i = x.log.size(); i-- > x.survive;) {
    const UndoRecord& r = x.log[i];
    if (r.truncate) {
      if (!r.old_bytes.empty()) {
        DOSQL_RETURN_IF_ERROR(write(r.offset, r.old_bytes.data(), r.old_bytes.size()));
      } else {
        DOSQL_RETURN_IF_ERROR(resize(r.old_size));
      }
      continue;
    }
    const uint64_t keep = i == x.survive ? x.keep : 0;
    const uint64_t old_avail = r.old_bytes.size();
    if (keep < old_avail) {
      DOSQL_RETURN_IF_ERROR(write(r.offset + keep, r.old_bytes.data() + keep, old_avail - keep));
    }
    DOSQL_RETURN_IF_ERROR(resize(keep > 0 ? std::max(r.old_size, r.offset + keep) : r.old_size));
  }
  return Status::OK();
}

}  // namespace internal

using internal::CrashedStatus;
using internal::DurableEntry;
using internal::EntryKind;
using internal::Inode;
using internal::LockSlot;
using internal::UndoRecord;

struct FaultFileSystem::State {
  State(std::shared_ptr<FileSystem> b, uint64_t seed) : base(std::move(b)), rng(seed) {}

  const std::shared_ptr<FileSystem> base;
  std::mutex mu;  // guards everything below except the atomics
  std::atomic<bool> crashed{false};
  std::atomic<uint64_t> epoch{0};  // bumped by Restart: files of older epochs are dead
  internal::Rng rng;

  int fail_syncs = 0;
  int64_t write_budget = -1;
  uint64_t budget_used = 0;
  int64_t space_limit = -1;
  int64_t space_used = 0;  // net bytes added through this wrapper
  bool tear_next = false;
  int64_t crash_after = -1;
  FaultStats stats;

  std::map<std::string, std::shared_ptr<Inode>> by_path;  // current name -> tracked inode
  std::map<std::string, std::map<std::string, DurableEntry>> pending;  // dir -> name -> durable
  std::vector<std::weak_ptr<LockSlot>> locks;

  Status CheckAlive() const { return crashed ? CrashedStatus() : Status::OK(); }

  // ----- everything below requires mu -----

  void CrashLocked() {
    crashed = true;
    crash_after = -1;
    // A dead process holds no locks.
    for (const std::weak_ptr<LockSlot>& weak : locks) {
      if (std::shared_ptr<LockSlot> slot = weak.lock()) {
        std::lock_guard slot_lock(slot->mu);
        slot->lock.reset();
      }
    }
    locks.clear();
  }

  // Counts a mutating operation; crashes (and fails it) when the CrashAfterOps budget is spent.
  Status CountOp() {
    ++stats.mutating_ops;
    if (crash_after == 0) {
      ++stats.injected_failures;
      CrashLocked();
      return CrashedStatus();
    }
    if (crash_after > 0) --crash_after;
    return Status::OK();
  }

  Status InjectedSyncFailure(std::string_view op, std::string_view path) {
    if (fail_syncs <= 0) return Status::OK();
    --fail_syncs;
    ++stats.injected_failures;
    return Status::IOError("injected " + std::string(op) + " failure: '" + std::string(path) + "'");
  }

  Result<EntryKind> BaseKind(const std::string& path) {
    DOSQL_ASSIGN_OR_RETURN(bool exists, base->Exists(path));
    if (!exists) return EntryKind::kAbsent;
    return base->List(path).ok() ? EntryKind::kDir : EntryKind::kFile;
  }

  Result<uint64_t> BaseFileSize(const std::string& path) {
    OpenOptions opts;
    opts.read_only = true;
    DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<File> file, base->Open(path, opts));
    return file->Size();
  }

  Result<uint64_t> TreeBytes(const std::string& dir) {
    DOSQL_ASSIGN_OR_RETURN(std::vector<std::string> names, base->List(dir));
    uint64_t total = 0;
    for (const std::string& name : names) {
      const std::string child = internal::ChildPath(dir, name);
      DOSQL_ASSIGN_OR_RETURN(EntryKind kind, BaseKind(child));
      if (kind == EntryKind::kAbsent) continue;
      DOSQL_ASSIGN_OR_RETURN(uint64_t bytes,
                             kind == EntryKind::kDir ? TreeBytes(child) : BaseFileSize(child));
      total += bytes;
    }
    return total;
  }

  std::shared_ptr<Inode> GetOrCreateInode(const std::string& path) {
    std::shared_ptr<Inode>& slot = by_path[path];
    if (!slot) {
      slot = std::make_shared<Inode>();
      slot->path = path;
    }
    return slot;
  }

  // Drops bookkeeping nobody needs any more.
  void MaybeForget(const std::shared_ptr<Inode>& x) {
    if (x->pending_refs > 0) return;
    if (x->path.empty()) {
      x->keeper.reset();
      return;
    }
    if (x->handles > 0 || !x->log.empty()) return;
    auto it = by_path.find(x->path);
    if (it != by_path.end() && it->second == x) by_path.erase(it);
  }

  // Records what `path` durably refers to, before its first change since its directory's last
  // SyncDir. `known` skips asking the backend.
  Status NoteEntry(const std::string& path, std::optional<EntryKind> known) {
    std::map<std::string, DurableEntry>& records = pending[ParentDir(path)];
    const std::string name(internal::BaseName(path));
    if (records.count(name) > 0) return Status::OK();
    DurableEntry entry;
    if (known) {
      entry.kind = *known;
    } else {
      DOSQL_ASSIGN_OR_RETURN(entry.kind, BaseKind(path));
    }
    if (entry.kind == EntryKind::kFile) {
      entry.inode = GetOrCreateInode(path);
      ++entry.inode->pending_refs;
    }
    records.emplace(name, std::move(entry));
    return Status::OK();
  }

  // Before `path` stops naming its file: keeps a read handle on the file if Restart may need
  // to bring it back. Returns the tracked inode, if any.
  Result<std::shared_ptr<Inode>> PrepareUnname(const std::string& path) {
    auto it = by_path.find(path);
    if (it == by_path.end()) return std::shared_ptr<Inode>();
    std::shared_ptr<Inode> x = it->second;
    if (x->pending_refs > 0 && !x->keeper) {
      OpenOptions opts;
      opts.read_only = true;
      DOSQL_ASSIGN_OR_RETURN(x->keeper, base->Open(path, opts));
    }
    return x;
  }

  // After `path` stopped naming `x` (which may be null).
  void FinishUnname(const std::shared_ptr<Inode>& x) {
    if (!x) return;
    auto it = by_path.find(x->path);
    if (it != by_path.end() && it->second == x) by_path.erase(it);
    x->path.clear();
    MaybeForget(x);
  }

  // The unname failed: forget a keeper opened for nothing.
  void AbortUnname(const std::shared_ptr<Inode>& x) {
    if (x && !x->path.empty()) x->keeper.reset();
  }

  Status CheckSpace(std::string_view op, std::string_view path, uint64_t growth) {
    if (space_limit < 0 || growth == 0) return Status::OK();
    if (space_used + static_cast<int64_t>(growth) <= space_limit) return Status::OK();
    ++stats.injected_failures;
    return Status::NoSpace(std::string(op) + " '" + std::string(path) +
                           "': injected space limit of " + std::to_string(space_limit) +
                           " bytes reached");
  }

  // A write (or, with `append`, an append) through `file` on inode `x`. Counts the operation.
  Status Write(Inode& x, File& file, bool append, uint64_t offset, const char* src, size_t n) {
    const std::string& path = file.path();
    DOSQL_RETURN_IF_ERROR(CountOp());
    DOSQL_ASSIGN_OR_RETURN(uint64_t size, file.Size());
    if (append) offset = size;
    DOSQL_RETURN_IF_ERROR(internal::CheckRange("write", path, offset, n));
    if (write_budget >= 0 && budget_used + n > static_cast<uint64_t>(write_budget)) {
      ++stats.injected_failures;
      return Status::IOError("write '" + path + "': injected failure after " +
                             std::to_string(write_budget) + " bytes");
    }
    DOSQL_RETURN_IF_ERROR(CheckSpace("write", path, offset + n > size ? offset + n - size : 0));
    const bool torn = tear_next;
    tear_next = false;
    const uint64_t len = torn ? rng.Uniform(n) : n;
    if (len > 0) {
      UndoRecord r;
      r.offset = offset;
      r.length = len;
      r.old_size = size;
      if (offset < size) {
        r.old_bytes.resize(std::min<uint64_t>(len, size - offset));
        DOSQL_RETURN_IF_ERROR(file.ReadExact(offset, r.old_bytes.size(), r.old_bytes.data()));
      }
      // Logged even if the write fails: the backend may hold part of it, and undoing a write
      // that did not happen is harmless.
      x.log.push_back(std::move(r));
      Status st = file.WriteAt(offset, src, len);
      if (!st.ok()) {
        Result<uint64_t> now = file.Size();
        if (now.ok()) space_used += static_cast<int64_t>(*now) - static_cast<int64_t>(size);
        return st;
      }
      const uint64_t end = offset + len;
      space_used += end > size ? static_cast<int64_t>(end - size) : 0;
      budget_used += len;
      stats.bytes_written += len;
    }
    if (torn) {
      ++stats.injected_failures;
      return Status::IOError("write '" + path + "': injected torn write after " +
                             std::to_string(len) + " of " + std::to_string(n) + " bytes");
    }
    return Status::OK();
  }

  // Truncates through `file`, logging the change. Does not count an operation.
  Status DoTruncate(Inode& x, File& file, uint64_t new_size) {
    DOSQL_ASSIGN_OR_RETURN(uint64_t size, file.Size());
    if (new_size == size) return Status::OK();
    DOSQL_RETURN_IF_ERROR(
        CheckSpace("truncate", file.path(), new_size > size ? new_size - size : 0));
    UndoRecord r;
    r.truncate = true;
    r.offset = new_size;
    r.old_size = size;
    if (new_size < size) {
      r.old_bytes.resize(size - new_size);
      DOSQL_RETURN_IF_ERROR(file.ReadExact(new_size, r.old_bytes.size(), r.old_bytes.data()));
    }
    x.log.push_back(std::move(r));
    DOSQL_RETURN_IF_ERROR(file.Truncate(new_size));
    space_used += static_cast<int64_t>(new_size) - static_cast<int64_t>(size);
    return Status::OK();
  }

  Status Sync(Inode* x, File& file) {
    DOSQL_RETURN_IF_ERROR(CountOp());
    ++stats.syncs;
    DOSQL_RETURN_IF_ERROR(InjectedSyncFailure("sync", file.path()));
    DOSQL_RETURN_IF_ERROR(file.Sync());
    if (x != nullptr) {
      x->log.clear();
      x->log.shrink_to_fit();
    }
    return Status::OK();
  }

  // ----- Restart -----

  const DurableEntry* FindRecord(const std::string& path) const {
    auto dir = pending.find(ParentDir(path));
    if (dir == pending.end()) return nullptr;
    auto it = dir->second.find(std::string(internal::BaseName(path)));
    return it == dir->second.end() ? nullptr : &it->second;
  }

  // Whether directory `dir` exists after the crash.
  Result<bool> FinalDirExists(const std::string& dir, std::map<std::string, bool>& memo) {
    if (dir == "." || dir == "/") return true;
    auto it = memo.find(dir);
    if (it != memo.end()) return it->second;
    bool exists;
    if (const DurableEntry* rec = FindRecord(dir)) {
      exists = rec->kind == EntryKind::kDir;
    } else {
      DOSQL_ASSIGN_OR_RETURN(EntryKind kind, BaseKind(dir));
      exists = kind == EntryKind::kDir;
    }
    if (exists) {
      DOSQL_ASSIGN_OR_RETURN(exists, FinalDirExists(ParentDir(dir), memo));
    }
    memo[dir] = exists;
    return exists;
  }

  void Plan(Inode& x) {
    if (x.planned) return;
    x.planned = true;
    const size_t n = x.log.size();
    x.survive = static_cast<size_t>(rng.Uniform(n + 1));
    x.keep = 0;
    if (x.survive < n) {
      const UndoRecord& r = x.log[x.survive];
      if (!r.truncate) x.keep = rng.Uniform(r.length);
    }
  }

  // The post-crash contents of `x`, computed in memory.
  Result<std::string> CrashContents(Inode& x) {
    std::string data;
    if (!x.path.empty()) {
      DOSQL_ASSIGN_OR_RETURN(data, ReadFile(*base, x.path));
    } else if (x.keeper) {
      DOSQL_ASSIGN_OR_RETURN(data, internal::ReadAll(*x.keeper));
    } else {
      return Status::Internal("fault: lost track of a file that must be restored");
    }
    DOSQL_RETURN_IF_ERROR(internal::RollBack(
        x,
        [&](uint64_t offset, const char* src, size_t n) {
          if (data.size() < offset + n) data.resize(offset + n);
          std::memcpy(data.data() + offset, src, n);
          return Status::OK();
        },
        [&](uint64_t size) {
          data.resize(size);
          return Status::OK();
        }));
    return data;
  }

  Status RollBackInPlace(Inode& x) {
    if (x.survive >= x.log.size()) return Status::OK();
    DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<File> file, base->Open(x.path, OpenOptions{}));
    DOSQL_ASSIGN_OR_RETURN(uint64_t before, file->Size());
    DOSQL_RETURN_IF_ERROR(internal::RollBack(
        x,
        [&](uint64_t offset, const char* src, size_t n) { return file->WriteAt(offset, src, n); },
        [&](uint64_t size) { return file->Truncate(size); }));
    DOSQL_ASSIGN_OR_RETURN(uint64_t after, file->Size());
    space_used += static_cast<int64_t>(after) - static_cast<int64_t>(before);
    return file->Close();
  }

  Status RemoveEntry(const std::string& path, EntryKind kind) {
    if (kind == EntryKind::kDir) {
      DOSQL_ASSIGN_OR_RETURN(uint64_t bytes, TreeBytes(path));
      DOSQL_RETURN_IF_ERROR(RemoveAll(*base, path));
      space_used -= static_cast<int64_t>(bytes);
      return Status::OK();
    }
    DOSQL_ASSIGN_OR_RETURN(uint64_t bytes, BaseFileSize(path));
    DOSQL_RETURN_IF_ERROR(base->Remove(path));
    space_used -= static_cast<int64_t>(bytes);
    return Status::OK();
  }

  Status WriteWhole(const std::string& path, const std::string& data) {
    OpenOptions opts;
    opts.create = true;
    opts.truncate = true;
    DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<File> file, base->Open(path, opts));
    DOSQL_RETURN_IF_ERROR(file->WriteAt(0, data.data(), data.size()));
    DOSQL_RETURN_IF_ERROR(file->Sync());
    space_used += static_cast<int64_t>(data.size());
    return file->Close();
  }

  Status RestartLocked() {
    if (!crashed) CrashLocked();

    // 1. Decide every file's fate; the draw order (by name, then by record) is deterministic.
    for (auto& [path, x] : by_path) Plan(*x);
    for (auto& [dir, records] : pending) {
      for (auto& [name, entry] : records) {
        if (entry.inode) Plan(*entry.inode);
      }
    }

    // Whether each relevant directory survives, judged on the backend as the crash left it.
    std::map<std::string, bool> memo;
    for (auto& [dir, records] : pending) DOSQL_RETURN_IF_ERROR(FinalDirExists(dir, memo).status());
    for (auto& [path, x] : by_path) {
      DOSQL_RETURN_IF_ERROR(FinalDirExists(ParentDir(path), memo).status());
    }

    // 2. Read the post-crash contents of every file that returns under another name, before
    //    anything changes.
    std::map<const Inode*, std::string> moved;
    for (auto& [dir, records] : pending) {
      DOSQL_ASSIGN_OR_RETURN(bool dir_exists, FinalDirExists(dir, memo));
      if (!dir_exists) continue;
      for (auto& [name, entry] : records) {
        if (entry.kind != EntryKind::kFile || entry.inode->path == internal::ChildPath(dir, name)) {
          continue;
        }
        if (moved.count(entry.inode.get()) > 0) continue;
        DOSQL_ASSIGN_OR_RETURN(std::string data, CrashContents(*entry.inode));
        moved.emplace(entry.inode.get(), std::move(data));
      }
    }

    // 3. Remove whatever a recorded name holds now but not after the crash.
    for (auto& [dir, records] : pending) {
      DOSQL_ASSIGN_OR_RETURN(bool dir_exists, FinalDirExists(dir, memo));
      if (!dir_exists) continue;  // an ancestor's record removes the whole subtree
      for (auto& [name, entry] : records) {
        const std::string path = internal::ChildPath(dir, name);
        DOSQL_ASSIGN_OR_RETURN(EntryKind now, BaseKind(path));
        if (now == EntryKind::kAbsent) continue;
        const bool keep = (entry.kind == EntryKind::kDir && now == EntryKind::kDir) ||
                          (entry.kind == EntryKind::kFile && now == EntryKind::kFile &&
                           entry.inode->path == path);
        if (!keep) DOSQL_RETURN_IF_ERROR(RemoveEntry(path, now));
      }
    }

    // 4. Bring back directories, then files that return under a recorded name.
    for (auto& [dir, records] : pending) {
      DOSQL_ASSIGN_OR_RETURN(bool dir_exists, FinalDirExists(dir, memo));
      if (!dir_exists) continue;
      for (auto& [name, entry] : records) {
        if (entry.kind != EntryKind::kDir) continue;
        const std::string path = internal::ChildPath(dir, name);
        DOSQL_ASSIGN_OR_RETURN(EntryKind now, BaseKind(path));
        if (now != EntryKind::kDir) DOSQL_RETURN_IF_ERROR(base->CreateDir(path));
      }
    }
    for (auto& [dir, records] : pending) {
      DOSQL_ASSIGN_OR_RETURN(bool dir_exists, FinalDirExists(dir, memo));
      if (!dir_exists) continue;
      for (auto& [name, entry] : records) {
        const std::string path = internal::ChildPath(dir, name);
        if (entry.kind != EntryKind::kFile || entry.inode->path == path) continue;
        DOSQL_RETURN_IF_ERROR(WriteWhole(path, moved.at(entry.inode.get())));
      }
    }

    // 5. Roll back, in place, files that keep their current name.
    for (auto& [path, x] : by_path) {
      DOSQL_ASSIGN_OR_RETURN(bool dir_exists, FinalDirExists(ParentDir(path), memo));
      if (!dir_exists) continue;
      const DurableEntry* rec = FindRecord(path);
      if (rec != nullptr && (rec->kind != EntryKind::kFile || rec->inode != x)) continue;
      DOSQL_RETURN_IF_ERROR(RollBackInPlace(*x));
    }

    // 6. The backend now holds a durable state: forget everything about the dead process.
    auto reset = [](Inode& x) {
      x.path.clear();
      x.log.clear();
      x.keeper.reset();
      x.pending_refs = 0;
    };
    for (auto& [path, x] : by_path) reset(*x);
    for (auto& [dir, records] : pending) {
      for (auto& [name, entry] : records) {
        if (entry.inode) reset(*entry.inode);
      }
    }
    by_path.clear();
    pending.clear();
    tear_next = false;
    ++epoch;
    crashed = false;
    return Status::OK();
  }

  void MarkAllDurableLocked() {
    std::vector<std::shared_ptr<Inode>> touched;
    for (auto& [dir, records] : pending) {
      for (auto& [name, entry] : records) {
        if (!entry.inode) continue;
        --entry.inode->pending_refs;
        touched.push_back(entry.inode);
      }
    }
    pending.clear();
    for (auto& [path, x] : by_path) {
      x->log.clear();
      x->log.shrink_to_fit();
      touched.push_back(x);
    }
    for (const std::shared_ptr<Inode>& x : touched) MaybeForget(x);
  }
};

namespace {

class FaultFile final : public File {
 public:
  FaultFile(std::shared_ptr<FaultFileSystem::State> state, std::shared_ptr<Inode> inode,
            std::unique_ptr<File> base, std::string path, uint64_t epoch)
      : state_(std::move(state)),
        inode_(std::move(inode)),
        base_(std::move(base)),
        path_(std::move(path)),
        epoch_(epoch) {}

  ~FaultFile() override {
    if (closed_) return;
    std::lock_guard lock(state_->mu);
    Detach();
  }

  const std::string& path() const override { return path_; }

  Status ReadAt(uint64_t offset, size_t n, void* dst, size_t* bytes_read) override {
    *bytes_read = 0;
    DOSQL_RETURN_IF_ERROR(CheckUsable("read"));
    return base_->ReadAt(offset, n, dst, bytes_read);
  }

  Status WriteAt(uint64_t offset, const void* src, size_t n) override {
    return Write(false, offset, src, n);
  }

  Status Append(const void* src, size_t n) override { return Write(true, 0, src, n); }

  Status Sync() override {
    std::lock_guard lock(state_->mu);
    DOSQL_RETURN_IF_ERROR(CheckUsable("sync"));
    return state_->Sync(inode_.get(), *base_);
  }

  Status Truncate(uint64_t size) override {
    std::lock_guard lock(state_->mu);
    DOSQL_RETURN_IF_ERROR(CheckUsable("truncate"));
    if (!inode_) return base_->Truncate(size);  // read-only: the backend refuses
    DOSQL_RETURN_IF_ERROR(state_->CountOp());
    return state_->DoTruncate(*inode_, *base_, size);
  }

  Result<uint64_t> Size() override {
    DOSQL_RETURN_IF_ERROR(CheckUsable("size"));
    return base_->Size();
  }

  Status Close() override {
    std::lock_guard lock(state_->mu);
    if (!Alive()) {
      if (!closed_) Detach();
      return CrashedStatus();
    }
    if (closed_) return internal::ClosedStatus("close", path_);
    Detach();
    return base_->Close();
  }

 private:
  bool Alive() const { return !state_->crashed && state_->epoch == epoch_; }

  Status CheckUsable(std::string_view op) const {
    if (!Alive()) return CrashedStatus();
    if (closed_) return internal::ClosedStatus(op, path_);
    return Status::OK();
  }

  Status Write(bool append, uint64_t offset, const void* src, size_t n) {
    std::lock_guard lock(state_->mu);
    DOSQL_RETURN_IF_ERROR(CheckUsable(append ? "append" : "write"));
    if (!inode_) return append ? base_->Append(src, n) : base_->WriteAt(offset, src, n);
    return state_->Write(*inode_, *base_, append, offset, static_cast<const char*>(src), n);
  }

  // Requires state_->mu.
  void Detach() {
    closed_ = true;
    if (!inode_) return;
    --inode_->handles;
    state_->MaybeForget(inode_);
  }

  const std::shared_ptr<FaultFileSystem::State> state_;
  const std::shared_ptr<Inode> inode_;  // null for read-only handles
  const std::unique_ptr<File> base_;
  const std::string path_;
  const uint64_t epoch_;
  std::atomic<bool> closed_{false};
};

class FaultFileLock final : public FileLock {
 public:
  explicit FaultFileLock(std::shared_ptr<LockSlot> slot) : slot_(std::move(slot)) {}
  ~FaultFileLock() override {
    std::lock_guard lock(slot_->mu);
    slot_->lock.reset();
  }

 private:
  const std::shared_ptr<LockSlot> slot_;
};

}  // namespace

FaultFileSystem::FaultFileSystem(std::shared_ptr<FileSystem> base, uint64_t seed)
    : state_(std::make_shared<State>(std::move(base), seed)) {}

FaultFileSystem::~FaultFileSystem() = default;

void FaultFileSystem::FailNextSyncs(int n) {
  std::lock_guard lock(state_->mu);
  state_->fail_syncs = std::max(n, 0);
}

void FaultFileSystem::FailWritesAfterBytes(int64_t bytes) {
  std::lock_guard lock(state_->mu);
  state_->write_budget = bytes < 0 ? -1 : bytes;
  state_->budget_used = 0;
}

void FaultFileSystem::SetSpaceLimit(int64_t bytes) {
  std::lock_guard lock(state_->mu);
  state_->space_limit = bytes < 0 ? -1 : bytes;
}

void FaultFileSystem::TearNextWrite() {
  std::lock_guard lock(state_->mu);
  state_->tear_next = true;
}

void FaultFileSystem::CrashAfterOps(int64_t ops) {
  std::lock_guard lock(state_->mu);
  state_->crash_after = ops < 0 ? -1 : ops;
}

void FaultFileSystem::Crash() {
  std::lock_guard lock(state_->mu);
  state_->CrashLocked();
}

bool FaultFileSystem::crashed() const { return state_->crashed; }

Status FaultFileSystem::Restart() {
  std::lock_guard lock(state_->mu);
  return state_->RestartLocked();
}

void FaultFileSystem::MarkAllDurable() {
  std::lock_guard lock(state_->mu);
  state_->MarkAllDurableLocked();
}

FaultStats FaultFileSystem::stats() const {
  std::lock_guard lock(state_->mu);
  return state_->stats;
}

Result<std::unique_ptr<File>> FaultFileSystem::Open(const std::string& path,
                                                    const OpenOptions& opts) {
  if (opts.read_only && (opts.create || opts.truncate)) {
    return Status::InvalidArgument("open '" + path + "': read_only excludes create/truncate");
  }
  if (opts.exclusive && !opts.create) {
    return Status::InvalidArgument("open '" + path + "': exclusive requires create");
  }
  State& s = *state_;
  std::lock_guard lock(s.mu);
  DOSQL_RETURN_IF_ERROR(s.CheckAlive());
  const std::string p = internal::NormalizePath(path);
  if (opts.create || opts.truncate) DOSQL_RETURN_IF_ERROR(s.CountOp());
  bool existed = true;
  if (opts.create) {
    DOSQL_ASSIGN_OR_RETURN(existed, s.base->Exists(p));
  }
  OpenOptions base_opts = opts;
  base_opts.truncate = false;  // done below, through the undo log
  DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<File> base_file, s.base->Open(p, base_opts));
  if (!existed) DOSQL_RETURN_IF_ERROR(s.NoteEntry(p, EntryKind::kAbsent));
  std::shared_ptr<Inode> inode;
  if (!opts.read_only) {
    inode = s.GetOrCreateInode(p);
    ++inode->handles;
    if (opts.truncate) {
      Status st = s.DoTruncate(*inode, *base_file, 0);
      if (!st.ok()) {
        --inode->handles;
        s.MaybeForget(inode);
        return st;
      }
    }
  }
  return std::unique_ptr<File>(
      new FaultFile(state_, std::move(inode), std::move(base_file), path, s.epoch));
}

Status FaultFileSystem::Remove(const std::string& path) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  DOSQL_RETURN_IF_ERROR(s.CheckAlive());
  const std::string p = internal::NormalizePath(path);
  DOSQL_RETURN_IF_ERROR(s.CountOp());
  DOSQL_ASSIGN_OR_RETURN(EntryKind kind, s.BaseKind(p));
  if (kind != EntryKind::kFile) return s.base->Remove(p);  // the backend reports why not
  DOSQL_RETURN_IF_ERROR(s.NoteEntry(p, EntryKind::kFile));
  DOSQL_ASSIGN_OR_RETURN(uint64_t bytes, s.BaseFileSize(p));
  DOSQL_ASSIGN_OR_RETURN(std::shared_ptr<Inode> x, s.PrepareUnname(p));
  Status st = s.base->Remove(p);
  if (!st.ok()) {
    s.AbortUnname(x);
    return st;
  }
  s.space_used -= static_cast<int64_t>(bytes);
  s.FinishUnname(x);
  return Status::OK();
}

Status FaultFileSystem::Rename(const std::string& from, const std::string& to) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  DOSQL_RETURN_IF_ERROR(s.CheckAlive());
  const std::string f = internal::NormalizePath(from);
  const std::string t = internal::NormalizePath(to);
  DOSQL_RETURN_IF_ERROR(s.CountOp());
  DOSQL_ASSIGN_OR_RETURN(EntryKind from_kind, s.BaseKind(f));
  if (from_kind == EntryKind::kAbsent) return s.base->Rename(f, t);  // reports NotFound
  if (from_kind == EntryKind::kDir) {
    return Status::NotSupported("rename '" + from + "': the fault file system cannot rename " +
                                "directories");
  }
  if (f == t) return Status::OK();
  DOSQL_ASSIGN_OR_RETURN(EntryKind to_kind, s.BaseKind(t));
  if (to_kind == EntryKind::kDir) return s.base->Rename(f, t);  // reports the error
  DOSQL_RETURN_IF_ERROR(s.NoteEntry(f, EntryKind::kFile));
  DOSQL_RETURN_IF_ERROR(s.NoteEntry(t, to_kind));
  uint64_t replaced_bytes = 0;
  if (to_kind == EntryKind::kFile) {
    DOSQL_ASSIGN_OR_RETURN(replaced_bytes, s.BaseFileSize(t));
  }
  DOSQL_ASSIGN_OR_RETURN(std::shared_ptr<Inode> replaced, s.PrepareUnname(t));
  Status st = s.base->Rename(f, t);
  if (!st.ok()) {
    s.AbortUnname(replaced);
    return st;
  }
  s.space_used -= static_cast<int64_t>(replaced_bytes);
  s.FinishUnname(replaced);
  auto it = s.by_path.find(f);
  if (it != s.by_path.end()) {
    std::shared_ptr<Inode> x = std::move(it->second);
    s.by_path.erase(it);
    x->path = t;
    s.by_path[t] = std::move(x);
  }
  return Status::OK();
}

Result<bool> FaultFileSystem::Exists(const std::string& path) {
  DOSQL_RETURN_IF_ERROR(state_->CheckAlive());
  return state_->base->Exists(internal::NormalizePath(path));
}

Result<std::vector<std::string>> FaultFileSystem::List(const std::string& dir) {
  DOSQL_RETURN_IF_ERROR(state_->CheckAlive());
  return state_->base->List(internal::NormalizePath(dir));
}

Status FaultFileSystem::CreateDir(const std::string& path) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  DOSQL_RETURN_IF_ERROR(s.CheckAlive());
  const std::string p = internal::NormalizePath(path);
  DOSQL_RETURN_IF_ERROR(s.CountOp());
  // The directories this call creates, outermost first.
  std::vector<std::string> created;
  std::string prefix;
  size_t pos = p.front() == '/' ? 1 : 0;
  while (pos < p.size() && p != ".") {
    size_t end = p.find('/', pos);
    if (end == std::string::npos) end = p.size();
    prefix = p.substr(0, end);
    pos = end + 1;
    DOSQL_ASSIGN_OR_RETURN(bool exists, s.base->Exists(prefix));
    if (!exists) created.push_back(prefix);
  }
  DOSQL_RETURN_IF_ERROR(s.base->CreateDir(p));
  for (const std::string& dir : created) {
    DOSQL_RETURN_IF_ERROR(s.NoteEntry(dir, EntryKind::kAbsent));
  }
  return Status::OK();
}

Status FaultFileSystem::RemoveDir(const std::string& path) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  DOSQL_RETURN_IF_ERROR(s.CheckAlive());
  const std::string p = internal::NormalizePath(path);
  DOSQL_RETURN_IF_ERROR(s.CountOp());
  DOSQL_RETURN_IF_ERROR(s.base->RemoveDir(p));
  return s.NoteEntry(p, EntryKind::kDir);
}

Status FaultFileSystem::SyncDir(const std::string& path) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  DOSQL_RETURN_IF_ERROR(s.CheckAlive());
  const std::string p = internal::NormalizePath(path);
  DOSQL_RETURN_IF_ERROR(s.CountOp());
  ++s.stats.syncs;
  DOSQL_RETURN_IF_ERROR(s.InjectedSyncFailure("syncdir", path));
  DOSQL_RETURN_IF_ERROR(s.base->SyncDir(p));
  auto it = s.pending.find(p);
  if (it == s.pending.end()) return Status::OK();
  std::vector<std::shared_ptr<Inode>> released;
  for (auto& [name, entry] : it->second) {
    if (!entry.inode) continue;
    --entry.inode->pending_refs;
    released.push_back(std::move(entry.inode));
  }
  s.pending.erase(it);
  for (const std::shared_ptr<Inode>& x : released) s.MaybeForget(x);
  return Status::OK();
}

Result<std::unique_ptr<FileLock>> FaultFileSystem::Lock(const std::string& path) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  DOSQL_RETURN_IF_ERROR(s.CheckAlive());
  const std::string p = internal::NormalizePath(path);
  DOSQL_ASSIGN_OR_RETURN(bool existed, s.base->Exists(p));
  DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<FileLock> base_lock, s.base->Lock(p));
  if (!existed) DOSQL_RETURN_IF_ERROR(s.NoteEntry(p, EntryKind::kAbsent));
  auto slot = std::make_shared<LockSlot>();
  slot->lock = std::move(base_lock);
  std::erase_if(s.locks, [](const std::weak_ptr<LockSlot>& w) { return w.expired(); });
  s.locks.push_back(slot);
  return std::unique_ptr<FileLock>(new FaultFileLock(std::move(slot)));
}

}  // namespace dosql::fsx
