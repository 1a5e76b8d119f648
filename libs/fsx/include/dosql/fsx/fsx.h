// dosql::fsx — the one door to storage.
//
// Every byte dosql persists goes through a FileSystem. Backends: LocalFileSystem (POSIX, the
// durable local tier), MemoryFileSystem (tests, in-memory databases) and FaultFileSystem (wraps
// another backend and injects failures and crashes for tests). Later: object, tiered, cow.
//
// Durability model (what every backend promises and FaultFileSystem simulates):
//   * File contents written with WriteAt/Append are durable once File::Sync() returns OK.
//   * Creating, renaming or removing a name is durable once SyncDir(parent directory) returns OK.
//   * After a crash, anything not yet durable may be lost, kept, or (for the last write before
//     the crash) torn part-way.
//
// Ownership: Open returns a File the caller owns; a File stays usable after its name is removed.
// Threads: FileSystem methods are thread-safe. A File's ReadAt may be called from many threads
// at once; writes, Sync, Truncate and Close on one File must be serialized by the caller.
// Paths are '/'-separated; relative paths are relative to the process working directory (local)
// or to the root (memory).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/status.h"

namespace dosql::fsx {

struct OpenOptions {
  bool create = false;     // create the file if missing
  bool exclusive = false;  // with create: fail with AlreadyExists if it exists
  bool truncate = false;   // truncate to zero length on open
  bool read_only = false;  // open for reading only
};

// Bytes of a file mapped into memory read-only (see File::MapReadOnly). Unmapped when the last
// holder releases it; stays valid after its File is closed or its name removed. The bytes must not
// be written through the mapping (the pages are mapped read-only: a write faults).
class MappedBytes {
 public:
  virtual ~MappedBytes() = default;
  virtual const uint8_t* data() const = 0;
  virtual uint64_t size() const = 0;
};

class File {
 public:
  virtual ~File() = default;
  virtual const std::string& path() const = 0;

  // Reads up to n bytes at offset into dst; *bytes_read < n only at end of file.
  virtual Status ReadAt(uint64_t offset, size_t n, void* dst, size_t* bytes_read) = 0;
  // Reads the bytes from offset on into `buffers` in turn, `size` bytes each (a run of pages
  // read into the pages, without a staging copy); *bytes_read < buffers.size() * size only at
  // end of file. The default reads each buffer with ReadAt; `local` makes one preadv.
  virtual Status ReadAtScatter(uint64_t offset, std::span<void* const> buffers, size_t size,
                               size_t* bytes_read);
  virtual Status WriteAt(uint64_t offset, const void* src, size_t n) = 0;
  // Writes at the current end of the file.
  virtual Status Append(const void* src, size_t n) = 0;
  // Makes contents (and size) durable.
  virtual Status Sync() = 0;
  virtual Status Truncate(uint64_t size) = 0;
  virtual Result<uint64_t> Size() = 0;
  // Releases the handle. Further calls fail. Destruction closes implicitly.
  virtual Status Close() = 0;

  // Maps the file's first `length` bytes (which must exist: `length` <= Size()) read-only and
  // shared with the OS's page cache, for reading without a copy per read. The mapping shows the
  // file's bytes as they are on each access: callers map only what no one writes any more, and
  // the file must not shrink below `length` while mapped (a read past its end would fault).
  // NotSupported where the backend has no mapping (the default; `memory`, `fault`).
  virtual Result<std::shared_ptr<const MappedBytes>> MapReadOnly(uint64_t length);

  // Reads exactly n bytes or fails: a short read is Corruption naming the file and offset.
  Status ReadExact(uint64_t offset, size_t n, void* dst);
  Status Append(std::string_view data) { return Append(data.data(), data.size()); }
};

// Held while a process owns a database directory. Released on destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual std::string_view name() const = 0;  // "local", "memory", "fault(...)"

  virtual Result<std::unique_ptr<File>> Open(const std::string& path, const OpenOptions& opts) = 0;
  virtual Status Remove(const std::string& path) = 0;  // NotFound if missing
  // Atomically replaces `to` with `from` (both in the same directory tree).
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Result<bool> Exists(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, sorted. NotFound if missing.
  virtual Result<std::vector<std::string>> List(const std::string& dir) = 0;
  // Creates a directory and any missing parents; OK if it exists.
  virtual Status CreateDir(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  // Makes the directory's entries (creates, renames, removes) durable.
  virtual Status SyncDir(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created if missing) for this process; Busy if another
  // holder has it.
  virtual Result<std::unique_ptr<FileLock>> Lock(const std::string& path) = 0;
};

// ----- helpers built on the interface -----

std::string JoinPath(std::string_view dir, std::string_view name);
std::string ParentDir(std::string_view path);  // "a/b/c" -> "a/b"; "c" -> "."

// Reads a whole file.
Result<std::string> ReadFile(FileSystem& fs, const std::string& path);
// Writes `data` to a temporary name, syncs it, renames it over `path` and syncs the directory:
// after a crash the file holds either the old or the new contents, never a mix.
Status WriteFileAtomic(FileSystem& fs, const std::string& path, std::string_view data);
// Creates `path` and any missing parent directories. Returns the directories whose entries
// changed (the parent of each directory created, outermost first): syncing them (SyncDir) makes
// the new directories durable.
Result<std::vector<std::string>> CreateDirs(FileSystem& fs, const std::string& path);
// Removes a directory and everything under it (best effort ordering: files first).
Status RemoveAll(FileSystem& fs, const std::string& path);

// ----- backends -----

std::shared_ptr<FileSystem> NewLocalFileSystem();
std::shared_ptr<FileSystem> NewMemoryFileSystem();

}  // namespace dosql::fsx
