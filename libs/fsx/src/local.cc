// LocalFileSystem: the POSIX backend.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dosql/fsx/fsx.h"
#include "internal.h"

namespace dosql::fsx {
namespace {

using internal::CheckRange;
using internal::ClosedStatus;
using internal::ErrnoStatus;

// Largest byte count handed to one pread/pwrite call.
constexpr size_t kMaxIoChunk = size_t{1} << 30;

class LocalMapping final : public MappedBytes {
 public:
  LocalMapping(void* addr, uint64_t size) : addr_(addr), size_(size) {}
  ~LocalMapping() override { ::munmap(addr_, size_); }
  const uint8_t* data() const override { return static_cast<const uint8_t*>(addr_); }
  uint64_t size() const override { return size_; }

 private:
  void* const addr_;
  const uint64_t size_;
};

class LocalFile final : public File {
 public:
  LocalFile(std::string path, int fd, bool read_only)
      : path_(std::move(path)), fd_(fd), read_only_(read_only) {}
  ~LocalFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  const std::string& path() const override { return path_; }

  Status ReadAt(uint64_t offset, size_t n, void* dst, size_t* bytes_read) override {
    *bytes_read = 0;
    if (fd_ < 0) return ClosedStatus("read", path_);
    DOSQL_RETURN_IF_ERROR(CheckRange("read", path_, offset, n));
    char* out = static_cast<char*>(dst);
    size_t done = 0;
    while (done < n) {
      const size_t want = std::min(n - done, kMaxIoChunk);
      const ssize_t r = ::pread(fd_, out + done, want, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "read", path_);
      }
      if (r == 0) break;  // end of file
      done += static_cast<size_t>(r);
    }
    *bytes_read = done;
    return Status::OK();
  }

  Status ReadAtScatter(uint64_t offset, std::span<void* const> buffers, size_t size,
                       size_t* bytes_read) override {
    *bytes_read = 0;
    if (fd_ < 0) return ClosedStatus("read", path_);
    constexpr size_t kMaxBuffers = 64;
    if (buffers.size() > kMaxBuffers || size > kMaxIoChunk / kMaxBuffers) {
      return File::ReadAtScatter(offset, buffers, size, bytes_read);
    }
    const size_t total = buffers.size() * size;
    DOSQL_RETURN_IF_ERROR(CheckRange("read", path_, offset, total));
    iovec iov[kMaxBuffers];
    for (size_t i = 0; i < buffers.size(); i++) iov[i] = {buffers[i], size};
    ssize_t r;
    do {
      r = ::preadv(fd_, iov, static_cast<int>(buffers.size()), static_cast<off_t>(offset));
    } while (r < 0 && errno == EINTR);
    if (r < 0) return ErrnoStatus(errno, "read", path_);
    size_t done = static_cast<size_t>(r);
    // A short read before the end of the file (rare): the rest buffer by buffer.
    while (done > 0 && done < total) {
      const size_t i = done / size, in = done % size;
      size_t got = 0;
      DOSQL_RETURN_IF_ERROR(
          ReadAt(offset + done, size - in, static_cast<char*>(buffers[i]) + in, &got));
      done += got;
      if (got < size - in) break;  // end of file
    }
    *bytes_read = done;
    return Status::OK();
  }

  Result<std::shared_ptr<const MappedBytes>> MapReadOnly(uint64_t length) override {
    if (fd_ < 0) return ClosedStatus("map", path_);
    DOSQL_RETURN_IF_ERROR(CheckRange("map", path_, 0, length));
    if (length == 0 || length > SIZE_MAX) {
      return Status::InvalidArgument("map '" + path_ + "': cannot map " + std::to_string(length) +
                                     " bytes");
    }
    DOSQL_ASSIGN_OR_RETURN(uint64_t size, Size());
    if (length > size) {
      return Status::InvalidArgument("map '" + path_ + "': " + std::to_string(length) +
                                     " bytes asked, the file has " + std::to_string(size));
    }
    void* addr = ::mmap(nullptr, static_cast<size_t>(length), PROT_READ, MAP_SHARED, fd_, 0);
    if (addr == MAP_FAILED) return ErrnoStatus(errno, "map", path_);
    return std::shared_ptr<const MappedBytes>(std::make_shared<LocalMapping>(addr, length));
  }

  Status WriteAt(uint64_t offset, const void* src, size_t n) override {
    DOSQL_RETURN_IF_ERROR(CheckWritable("write"));
    DOSQL_RETURN_IF_ERROR(CheckRange("write", path_, offset, n));
    const char* in = static_cast<const char*>(src);
    size_t done = 0;
    while (done < n) {
      const size_t want = std::min(n - done, kMaxIoChunk);
      const ssize_t r = ::pwrite(fd_, in + done, want, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(errno, "write", path_);
      }
      if (r == 0) return ErrnoStatus(EIO, "write", path_);
      done += static_cast<size_t>(r);
    }
    return Status::OK();
  }

  Status Append(const void* src, size_t n) override {
    DOSQL_RETURN_IF_ERROR(CheckWritable("append"));
    // The current end of the file, which other handles may have moved.
    DOSQL_ASSIGN_OR_RETURN(uint64_t end, Size());
    return WriteAt(end, src, n);
  }

  Status Sync() override {
    if (fd_ < 0) return ClosedStatus("sync", path_);
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return ErrnoStatus(errno, "sync", path_);
    }
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    DOSQL_RETURN_IF_ERROR(CheckWritable("truncate"));
    DOSQL_RETURN_IF_ERROR(CheckRange("truncate", path_, size, 0));
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR) return ErrnoStatus(errno, "truncate", path_);
    }
    return Status::OK();
  }

  Result<uint64_t> Size() override {
    if (fd_ < 0) return ClosedStatus("size", path_);
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoStatus(errno, "stat", path_);
    return static_cast<uint64_t>(st.st_size);
  }

  Status Close() override {
    if (fd_ < 0) return ClosedStatus("close", path_);
    const int fd = fd_;
    fd_ = -1;
    // Linux releases the descriptor even when close reports EINTR: never retry.
    if (::close(fd) != 0 && errno != EINTR) return ErrnoStatus(errno, "close", path_);
    return Status::OK();
  }

 private:
  Status CheckWritable(std::string_view op) {
    if (fd_ < 0) return ClosedStatus(op, path_);
    if (read_only_) {
      return Status::ReadOnly(std::string(op) + " '" + path_ + "': file is open read-only");
    }
    return Status::OK();
  }

  const std::string path_;
  int fd_;
  const bool read_only_;
};

class LocalFileLock final : public FileLock {
 public:
  explicit LocalFileLock(int fd) : fd_(fd) {}
  ~LocalFileLock() override { ::close(fd_); }  // closing the descriptor drops the flock

 private:
  const int fd_;
};

class LocalFileSystem final : public FileSystem {
 public:
  std::string_view name() const override { return "local"; }

  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenOptions& opts) override {
    if (opts.read_only && (opts.create || opts.truncate)) {
      return Status::InvalidArgument("open '" + path + "': read_only excludes create/truncate");
    }
    if (opts.exclusive && !opts.create) {
      return Status::InvalidArgument("open '" + path + "': exclusive requires create");
    }
    int flags = O_CLOEXEC | (opts.read_only ? O_RDONLY : O_RDWR);
    if (opts.create) flags |= O_CREAT;
    if (opts.exclusive) flags |= O_EXCL;
    if (opts.truncate) flags |= O_TRUNC;
    int fd;
    do {
      fd = ::open(path.c_str(), flags, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoStatus(errno, "open", path);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "stat", path);
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return ErrnoStatus(EISDIR, "open", path);
    }
    return std::unique_ptr<File>(new LocalFile(path, fd, opts.read_only));
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, "remove", path);
    return Status::OK();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus(errno, "rename", from + "' to '" + to);
    }
    return Status::OK();
  }

  Result<bool> Exists(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return ErrnoStatus(errno, "stat", path);
  }

  Result<std::vector<std::string>> List(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoStatus(errno, "list", dir);
    std::vector<std::string> names;
    for (;;) {
      errno = 0;
      const struct dirent* e = ::readdir(d);
      if (e == nullptr) break;
      const std::string_view name(e->d_name);
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
    const int err = errno;
    ::closedir(d);
    if (err != 0) return ErrnoStatus(err, "list", dir);
    std::sort(names.begin(), names.end());
    return names;
  }

  Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0755) == 0) return Status::OK();
    const int err = errno;
    if (err == EEXIST) {
      struct stat st;
      if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::OK();
      return ErrnoStatus(EEXIST, "mkdir", path).WithContext("not a directory");
    }
    if (err != ENOENT) return ErrnoStatus(err, "mkdir", path);
    // A parent is missing: create it, then retry.
    const std::string parent = ParentDir(path);
    if (parent == path || parent == "." || parent == "/") return ErrnoStatus(err, "mkdir", path);
    DOSQL_RETURN_IF_ERROR(CreateDir(parent));
    if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return Status::OK();
    return ErrnoStatus(errno, "mkdir", path);
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return ErrnoStatus(errno, "rmdir", path);
    return Status::OK();
  }

  Status SyncDir(const std::string& path) override {
    int fd;
    do {
      fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoStatus(errno, "syncdir", path);
    int rc;
    do {
      rc = ::fsync(fd);
    } while (rc != 0 && errno == EINTR);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus(err, "syncdir", path);
    return Status::OK();
  }

  Result<std::unique_ptr<FileLock>> Lock(const std::string& path) override {
    int fd;
    do {
      fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoStatus(errno, "lock", path);
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::Busy("lock '" + path + "': held by another owner");
      }
      return ErrnoStatus(err, "lock", path);
    }
    return std::unique_ptr<FileLock>(new LocalFileLock(fd));
  }
};

}  // namespace

std::shared_ptr<FileSystem> NewLocalFileSystem() { return std::make_shared<LocalFileSystem>(); }

}  // namespace dosql::fsx
