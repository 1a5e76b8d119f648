// dosql::wal — the logical write-ahead log.
//
// The log is a sequence of records, each with a log sequence number (LSN, 1, 2, 3, ...). A
// transaction is its row-change records followed by a Commit record carrying the commit time
// (microseconds since the epoch, strictly increasing across commits), the HLC timestamp and the
// rolling checksum of the whole log before the commit record. The log lives in segment files
// "<dir>/<start LSN as 20 digits>.wal"; a segment is sealed (never written again) once it passes
// WalOptions::segment_bytes. Byte layout: docs/formats/wal.md.
//
// Group commit: AppendTransaction only writes; WaitDurable(lsn) returns once the log is synced
// through lsn. Concurrent waiters share one fsync (the first becomes the leader and syncs
// everything appended so far).
//
// Damage: every record has a header checksum and a payload checksum. On Open, a damaged record at
// the very end of the last segment that looks like an interrupted write (the file ends inside it,
// or its header is all zeros) is cut off; any other damage is Corruption naming the segment file,
// byte offset and LSN, unless WalOptions::truncate_corrupt_tail asks to cut there instead.
//
// Threads: WalWriter is thread-safe (appends are serialized internally). A WalReader is for one
// thread; many readers may run alongside the writer and see records once they are appended.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/status.h"
#include "dosql/fsx/fsx.h"

namespace dosql::wal {

using Lsn = uint64_t;
inline constexpr Lsn kInvalidLsn = 0;

enum class RecordType : uint8_t {
  kPut = 1,         // tree_id, key, before (optional), after
  kDelete = 2,      // tree_id, key, before (optional)
  kCreateTree = 3,  // tree_id, key = tree kind/metadata bytes
  kDropTree = 4,    // tree_id
  kCommit = 5,      // commit_time_us, hlc, chain
  kMeta = 6,        // key/after: opaque bytes for upper layers (e.g. 2PC prepare markers)
};

struct Record {
  Lsn lsn = kInvalidLsn;       // assigned by the writer
  RecordType type = RecordType::kPut;
  uint64_t txn_id = 0;
  uint64_t tree_id = 0;
  std::string key;
  bool has_before = false;
  std::string before;
  bool has_after = false;
  std::string after;
  // kCommit only:
  int64_t commit_time_us = 0;
  uint64_t hlc = 0;
  uint32_t chain = 0;  // rolling CRC32C of every record byte before this commit record
};

enum class SyncMode : uint8_t {
  kFull,    // fsync on every commit group (SQLite synchronous=FULL)
  kNormal,  // fsync when a segment is sealed and on explicit Sync (SQLite synchronous=NORMAL in WAL mode)
  kOff,     // never fsync (SQLite synchronous=OFF)
};

struct WalOptions {
  uint64_t segment_bytes = 64ull << 20;
  SyncMode sync_mode = SyncMode::kFull;
  bool truncate_corrupt_tail = false;
  // Where an empty log starts: a store whose history before some LSN lives elsewhere (a branch,
  // or a log trimmed to nothing) continues the LSN sequence and the rolling checksum from there.
  Lsn initial_lsn = 1;
  uint32_t initial_chain = 0;
};

// What Open found in the existing log.
struct WalState {
  Lsn first_lsn = kInvalidLsn;         // oldest record still kept (kInvalidLsn when empty)
  Lsn last_lsn = kInvalidLsn;          // newest record
  Lsn last_commit_lsn = kInvalidLsn;
  int64_t last_commit_time_us = 0;
  uint64_t last_hlc = 0;
  uint64_t max_txn_id = 0;
  uint32_t chain = 0;                  // rolling checksum after the last record
  uint64_t truncated_bytes = 0;        // torn tail cut off during Open
};

// The change records of one write transaction, encoded as they are made (docs/formats/wal.md):
// records laid end to end in chunks of memory instead of a Record with three strings per change.
// A record never spans two chunks, and a chunk is never moved or grown, so a big transaction
// costs no copying as it grows; the chunks are kept (up to Clear's limit) for the next
// transaction. Their LSNs, and the header checksums over them, are filled in by
// WalWriter::AppendTransaction. Used by one thread (the transaction's writer).
class ChangeBuffer {
 public:
  ChangeBuffer() = default;
  ChangeBuffer(ChangeBuffer&&) noexcept = default;
  ChangeBuffer& operator=(ChangeBuffer&&) noexcept = default;

  // Starts over for transaction txn_id, keeping the memory.
  void Reset(uint64_t txn_id);
  // Appends a change record (any type but kCommit; `before`/`after` may be null: absent).
  void Add(RecordType type, uint64_t tree_id, std::string_view key, const std::string_view* before,
           const std::string_view* after);
  size_t count() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  uint64_t txn_id() const { return txn_id_; }
  size_t encoded_bytes() const { return bytes_; }
  // Drops every change after the first n (a savepoint rolled back to).
  void Truncate(size_t n);
  // Empties the buffer; keeps chunks of up to `keep_bytes` in all for the next transaction.
  void Clear(size_t keep_bytes);
  // The changes as records (lsn unset).
  std::vector<Record> ToRecords() const;

 private:
  friend class WalWriter;
  struct Chunk {
    std::unique_ptr<uint8_t[]> bytes;
    size_t size = 0;  // bytes in use
    size_t capacity = 0;
  };
  // n bytes at the end of the buffer (in the current chunk, else in a new or spare one).
  uint8_t* Reserve(size_t n);
  // Drops everything from `at` (a record's start, or where Reserve put bytes) on.
  void TruncateAt(const uint8_t* at);
  // The bytes in use, chunk by chunk.
  void Pieces(std::vector<std::string_view>* pieces) const;

  uint64_t txn_id_ = 0;
  std::vector<Chunk> chunks_;  // [0, used_) hold records; the rest are empty spares
  size_t used_ = 0;
  size_t bytes_ = 0;               // bytes of the records
  std::vector<uint8_t*> records_;  // where each record starts
  bool too_large_ = false;         // a record over the size limit (AppendTransaction refuses it)
};

class WalWriter {
 public:
  // Opens (creating if needed) the log in `dir`, validates it and cuts a torn tail.
  static Result<std::unique_ptr<WalWriter>> Open(std::shared_ptr<fsx::FileSystem> fs,
                                                 std::string dir, WalOptions options);
  ~WalWriter();

  const WalState& recovered() const;

  // Appends `changes` (their lsn fields are filled in) followed by a Commit record for txn_id with
  // the given time and HLC. commit_time_us must exceed every earlier commit's. Returns the commit
  // record's LSN. Not durable until WaitDurable(lsn) (or Sync) returns.
  Result<Lsn> AppendTransaction(uint64_t txn_id, std::span<Record> changes, int64_t commit_time_us,
                                uint64_t hlc);
  // The same for changes already encoded (txn id changes.txn_id()); `changes` keeps them.
  Result<Lsn> AppendTransaction(ChangeBuffer& changes, int64_t commit_time_us, uint64_t hlc);
  // Appends one standalone record (e.g. kMeta); returns its LSN.
  Result<Lsn> AppendRecord(Record& record);
  // Appends `records` (no Commit among them) as one write group of transaction txn_id: readers
  // and recovery see all of them or none. Returns the last one's LSN. Used for a prepared
  // transaction (its changes and the prepare marker; the Commit record follows later).
  Result<Lsn> AppendGroup(uint64_t txn_id, std::span<Record> records);

  // Blocks until every record through lsn is durable under the sync mode (group commit).
  Status WaitDurable(Lsn lsn);
  // Forces an fsync of everything appended (even with kNormal/kOff).
  Status Sync();

  Lsn last_lsn() const;
  Lsn durable_lsn() const;
  int64_t last_commit_time_us() const;
  uint32_t chain() const;  // rolling checksum after the last appended record

  // Seals the active segment (when it holds records) and starts a new one, so that everything
  // written so far can later be removed by RemoveSegmentsBefore.
  Status Roll();
  // Deletes whole segments all of whose records are below `lsn` (never the active segment).
  Status RemoveSegmentsBefore(Lsn lsn);
  // The LSN of the last commit with commit_time_us <= t; OutOfRange if t precedes every kept
  // commit; kInvalidLsn never returned.
  Result<Lsn> FindCommitAtOrBefore(int64_t time_us);
  // Commit time of the commit record at `lsn` (InvalidArgument if not a commit).
  Result<int64_t> CommitTime(Lsn lsn);

  struct Impl;

 private:
  explicit WalWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads records in LSN order from a starting LSN. Stops cleanly at the end of what has been
// written; a damaged record is Corruption naming the file, offset and LSN.
class WalReader {
 public:
  static Result<std::unique_ptr<WalReader>> Open(std::shared_ptr<fsx::FileSystem> fs,
                                                 std::string dir, Lsn from_lsn);
  ~WalReader();
  // Fills *record and returns true, or returns false at the end of the log.
  Result<bool> Next(Record* record);

  struct Impl;

 private:
  explicit WalReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Encoding helpers shared by writer, reader and tests (see docs/formats/wal.md).
void EncodeRecord(const Record& record, std::string* out);
// Decodes one record from the front of `in` (consuming it). Corruption on a bad checksum or
// malformed payload; NotFound when `in` ends inside the record (a torn tail).
Status DecodeRecord(std::string_view* in, Record* record);

}  // namespace dosql::wal
