// dosql::fsx — FaultFileSystem: wraps another FileSystem and injects failures for tests.
//
// It tracks, per file, which writes are not yet durable (since the last File::Sync) and, per
// directory, which names were created, renamed or removed since the last SyncDir. On Crash() every
// later operation fails with IOError("simulated crash") — the process is considered dead. Restart()
// then rewrites the wrapped backend to a state a real crash could have left: durable data intact;
// of the writes that were not durable, a random prefix survives (in issue order) and the first one
// that does not fully survive may be torn at a random byte; names not made durable by SyncDir
// revert (a created file disappears, a rename is undone, a removed file comes back).
//
// Injection knobs (all thread-safe): fail the next N syncs, fail writes after a byte budget, report
// ENOSPC once total file bytes exceed a limit, tear the next write, and crash automatically after a
// given number of mutating operations (writes, syncs, truncates, creates, renames, removes).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "dosql/fsx/fsx.h"

namespace dosql::fsx {

struct FaultStats {
  uint64_t mutating_ops = 0;   // operations counted for CrashAfterOps
  uint64_t syncs = 0;
  uint64_t bytes_written = 0;
  uint64_t injected_failures = 0;
};

class FaultFileSystem : public FileSystem {
 public:
  explicit FaultFileSystem(std::shared_ptr<FileSystem> base, uint64_t seed = 1);
  ~FaultFileSystem() override;

  // --- injection ---
  void FailNextSyncs(int n);                 // next n File::Sync/SyncDir calls return IOError
  void FailWritesAfterBytes(int64_t bytes);  // writes past this budget return IOError; -1 = off
  void SetSpaceLimit(int64_t bytes);         // total size past which writes return NoSpace; -1 = off
  void TearNextWrite();                      // next write stores a random prefix, then IOError
  void CrashAfterOps(int64_t ops);           // Crash() automatically after this many more ops; -1 = off
  void Crash();                              // from now on every operation fails
  bool crashed() const;
  // Applies the crash model to the wrapped backend and re-enables operations. Files opened before
  // the crash stay dead; open them again.
  Status Restart();
  // Forgets all pending (non-durable) state as if everything had been synced. For test setup.
  void MarkAllDurable();
  FaultStats stats() const;

  // --- FileSystem ---
  std::string_view name() const override { return "fault"; }
  Result<std::unique_ptr<File>> Open(const std::string& path, const OpenOptions& opts) override;
  Status Remove(const std::string& path) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Result<bool> Exists(const std::string& path) override;
  Result<std::vector<std::string>> List(const std::string& dir) override;
  Status CreateDir(const std::string& path) override;
  Status RemoveDir(const std::string& path) override;
  Status SyncDir(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> Lock(const std::string& path) override;

  struct State;  // implementation detail, shared with open files

 private:
  std::shared_ptr<State> state_;
};

}  // namespace dosql::fsx
