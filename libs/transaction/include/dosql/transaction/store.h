// dosql::transaction — the transactional store: MVCC snapshots over the copy-on-write B+tree,
// durability through the logical WAL, checkpoints, recovery, time travel and branching.
//
// A Store is a directory:
//   MANIFEST     append-only log of checkpoints (root set, LSN, commit time, next page id) and
//                branch links; the last valid checkpoint is where recovery starts.
//   data/        page segment files (see dosql/btree/pager.h)
//   wal/         logical WAL segments (see dosql/wal/wal.h)
//   LOCK         held while a process has the store open
// Byte layouts: docs/formats/manifest.md, btree_page.md, wal.md.
//
// Trees: a store holds any number of B+trees named by TreeId (rowid tables, indexes, WITHOUT
// ROWID tables — the kind is metadata for upper layers). A directory tree (the "root map") maps
// each TreeId to its root page; one committed root-map root plus its LSN and commit time is a
// *version*.
//
// Concurrency: one WriteTransaction at a time (BeginWrite waits up to the busy timeout, then
// returns Busy; a wait that would deadlock with other stores' writers fails at once); any number of ReadTransactions on any threads, each pinned to the version that
// was durable when it began. Readers never block and are never blocked by the writer. Commit
// returns once the transaction's WAL records are durable (group commit: concurrent committers
// share an fsync); a reader never sees a commit before it is durable.
//
// Ownership: the Store must outlive every transaction and cursor it hands out. A btree::Cursor
// from a transaction must not outlive that transaction. Store methods are thread-safe; a
// transaction object is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/btree/btree.h"
#include "dosql/btree/pager.h"
#include "dosql/core/status.h"
#include "dosql/fsx/fsx.h"
#include "dosql/wal/wal.h"

namespace dosql::transaction {

using TreeId = uint64_t;
using Lsn = wal::Lsn;

// What a tree holds. Stored with the tree; the storage engine treats all kinds alike.
enum class TreeKind : uint8_t { kRowid = 1, kIndex = 2, kWithoutRowid = 3, kInternal = 4 };

// Entries for WriteTransaction::Fill, one per call: the next key and value (views that stay valid
// until the next call), and true; false when there are no more. An error stops the fill.
using EntrySource = std::function<Result<bool>(std::string_view* key, std::string_view* value)>;

struct TreeInfo {
  TreeId id = 0;
  TreeKind kind = TreeKind::kRowid;
  btree::PageId root = btree::kInvalidPageId;
};

struct StoreOptions {
  bool create_if_missing = true;
  bool error_if_exists = false;
  bool read_only = false;
  btree::PagerOptions pager;          // page_size and segment_pages apply when creating
  wal::SyncMode sync_mode = wal::SyncMode::kFull;
  // Write each commit's changes to the WAL. A store that does not (an in-memory database, which
  // promises nothing past its Close) only publishes each commit's version: no WAL records, no
  // checkpoints (its pages stay in memory; Checkpoint and Compact have nothing to do), and no
  // time travel, Fork or two-phase commit (NotSupported).
  bool log_changes = true;
  uint64_t wal_segment_bytes = 64ull << 20;
  // Checkpoint automatically after a commit once this much WAL has accumulated since the last
  // checkpoint (0 = never automatically).
  uint64_t checkpoint_wal_bytes = 64ull << 20;
  // ...or once this many bytes of pages are dirty (transient) in memory.
  uint64_t checkpoint_dirty_bytes = 256ull << 20;
  // How far back BeginReadAt may go (WAL and checkpoints are kept this long). 0 = no history.
  std::chrono::microseconds retention{0};
  std::chrono::milliseconds busy_timeout{5000};
  // Recovery: cut the WAL at the first damaged record instead of failing with Corruption.
  bool truncate_corrupt_wal_tail = false;
  // Compact automatically (after a checkpoint) once this fraction of the data pages written is
  // garbage; also the garbage fraction from which a segment's live pages are moved out. 0 = only
  // on Compact().
  double compact_garbage_ratio = 0.5;
};

struct StoreStats {
  Lsn last_lsn = 0;             // newest durable commit
  Lsn checkpoint_lsn = 0;       // newest checkpoint
  int64_t last_commit_time_us = 0;
  uint64_t commits = 0;
  uint64_t checkpoints = 0;
  uint64_t recovered_transactions = 0;  // replayed from the WAL at open
  uint64_t live_versions = 0;
  uint64_t compactions = 0;
  uint64_t segments_removed = 0;    // data segment files deleted by compaction
  std::string last_checkpoint_error = "OK";  // of the latest failed automatic checkpoint
  btree::PagerStats pager;
};

class Store;

// A consistent, read-only view of the store at one committed version.
class ReadTransaction {
 public:
  ~ReadTransaction();
  Lsn lsn() const;                  // LSN of the commit this snapshot shows
  int64_t commit_time_us() const;   // commit time of that commit (0 for an empty store)

  Result<TreeInfo> GetTree(TreeId id) const;  // NotFound if the tree does not exist here
  Result<std::vector<TreeInfo>> ListTrees() const;
  Result<std::optional<std::string>> Get(TreeId tree, std::string_view key) const;
  // Get into the caller's buffer (reused; *found false and *value untouched when absent).
  Status GetInto(TreeId tree, std::string_view key, std::string* value, bool* found) const;
  // A cursor over one tree of this snapshot (positioned nowhere; Seek it first).
  Result<btree::Cursor> NewCursor(TreeId tree) const;

  struct Impl;
  explicit ReadTransaction(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// The single writer. Reads see the transaction's own writes. Destroying an uncommitted
// transaction rolls it back.
class WriteTransaction {
 public:
  ~WriteTransaction();
  uint64_t txn_id() const;

  Result<TreeId> CreateTree(TreeKind kind);
  Status DropTree(TreeId tree);
  // Empties a tree, keeping its id and kind (logged as a drop and a re-creation): DELETE
  // without WHERE without visiting each row.
  Status ClearTree(TreeId tree);
  Result<TreeInfo> GetTree(TreeId id) const;
  Result<std::vector<TreeInfo>> ListTrees() const;

  // Inserts or replaces. `existed` (may be null) tells whether the key had a value.
  Status Put(TreeId tree, std::string_view key, std::string_view value, bool* existed = nullptr);
  // Removes a key; `existed` tells whether it was there.
  Status Delete(TreeId tree, std::string_view key, bool* existed = nullptr);
  // Fills an empty tree with the entries `next` gives in strictly increasing key order, building
  // its pages directly (btree::TreeBuilder: a bulk load, as CREATE INDEX's) instead of a Put per
  // entry; each entry is logged as a Put. InvalidArgument when the tree is not empty or a key
  // is out of order; an error from `next` is returned as it is. On an error the tree may hold
  // part of the entries: roll back to a savepoint.
  Status Fill(TreeId tree, const EntrySource& next);
  Result<std::optional<std::string>> Get(TreeId tree, std::string_view key) const;
  // Get into the caller's buffer (reused; *found false and *value untouched when absent).
  Status GetInto(TreeId tree, std::string_view key, std::string* value, bool* found) const;
  // The keys next to where `key` sorts that begin with its first `prefix` bytes (btree::Neighbors).
  Result<btree::NeighborKeys> Neighbors(TreeId tree, std::string_view key, size_t prefix = 0) const;
  // The tree's largest key (none when it is empty), as this transaction sees it. Kept per tree
  // while the transaction writes, so asking again after inserts at the end costs no search (a
  // new rowid).
  Result<std::optional<std::string>> LastKey(TreeId tree) const;
  // Grows whenever a write of `tree` creates or drops one of its pages (a split, a merge, a copy
  // on write); the same value means the tree's pages are the ones it had.
  uint64_t TreeShape(TreeId tree) const;
  // Where the next write of `tree` is likely to go: the leaf on which a cursor of this
  // transaction (reading from `root`) found a key while TreeShape was `shape`. Taken as the
  // tree's leaf hint only while the shape and root are unchanged and the page is one this
  // transaction changes in place; the write checks the key against the leaf's first and last
  // keys, as for any hint. `slot`: where in the leaf the key was (Cursor::leaf_slot), tried
  // first and checked.
  void SuggestLeaf(TreeId tree, uint64_t shape, btree::PageId root, const btree::PageRef& leaf,
                   uint32_t slot = btree::LeafHint::kNoSlot);
  // A cursor over the transaction's current state of one tree. It is invalidated by the next
  // write to that tree, unless PagesSealed() was true when it was made.
  Result<btree::Cursor> NewCursor(TreeId tree) const;
  // Whether every page of the transaction's current state is one that a write copies instead
  // of changing it: true when the transaction begins and after a savepoint or a rollback to one,
  // until a write creates a page. A cursor made while it is true keeps reading that state,
  // unchanged, while the transaction writes on (a one-pass UPDATE reads its rows with one).
  bool PagesSealed() const;
  // Grows with every change (a write, a tree created or dropped, a rollback to a savepoint):
  // while it stays the same, a cursor keeps showing the transaction's current state.
  uint64_t changes() const;

  // Nested savepoints: Savepoint returns a handle; RollbackTo undoes everything after it (the
  // savepoint stays open, as in SQL); Release forgets it and every savepoint opened after it.
  Result<uint32_t> Savepoint();
  Status RollbackTo(uint32_t savepoint);
  Status Release(uint32_t savepoint);

  // Makes the transaction durable and visible; returns its commit LSN. On error the transaction
  // is rolled back (a failed WAL write or sync also makes the store refuse further writes until
  // it is reopened, because what reached the disk is unknown).
  Result<Lsn> Commit();
  // Destroying or rolling back a prepared transaction logs that it aborted.
  void Rollback();
  bool active() const;
  // Whether Commit would write anything.
  bool HasChanges() const;

  // Two-phase commit (what CommitAtomically runs): Prepare makes the changes durable in the
  // WAL as *prepared* — not visible, the writer slot still held, no more writes — and names
  // `decision_path`, a file whose existence decides the outcome if the process dies before
  // CommitPrepared or Rollback: recovery commits a prepared transaction if the file exists and
  // rolls it back otherwise. `gtid` identifies the global transaction (in the WAL marker).
  // Layout: docs/formats/atomic_commit.md. On error the transaction is rolled back.
  Status Prepare(std::string_view gtid, const std::string& decision_path);
  // Commits a prepared transaction (a Commit record, then as Commit).
  Result<Lsn> CommitPrepared();
  bool prepared() const;
  const std::string& store_dir() const;

  struct Impl;
  explicit WriteTransaction(std::unique_ptr<Impl> impl);

 private:
  friend Status CommitAtomically(std::span<WriteTransaction* const> txns);
  std::unique_ptr<Impl> impl_;
};

// Commits write transactions of different stores as one: after a crash at any point, recovery
// of the stores finds all of them committed or none. Two-phase commit in WAL terms: each
// transaction with changes is prepared (durable, invisible); then a *decision file* is written
// (and synced) in the directory of the first one's store — the commit point; then each commits
// (a Commit record) and the decision file is removed. Recovery of a store whose WAL ends in a
// prepared transaction commits it if the decision file named in its prepare marker exists, and
// rolls it back otherwise. Transactions without changes just end; with one transaction with
// changes this is its Commit. All the stores must share one file system namespace (paths) and
// sync their commits (a store with SyncMode::kOff keeps no promise across a crash).
// Errors: before the commit point everything is rolled back and the error returned. If the
// decision file cannot be made or removed with certainty, the stores refuse writes until they
// are reopened, and recovery decides. A failure after the commit point is returned too, but the
// transaction is committed (the failed store shows it once reopened).
// Byte layouts: docs/formats/atomic_commit.md.
Status CommitAtomically(std::span<WriteTransaction* const> txns);

// For crash tests: a function called before each step of CommitAtomically ("prepare N",
// "decide", "commit N", "cleanup"; N counts from 0); the test may end the process there. Null
// to remove. Process-wide.
void SetAtomicCommitTestHook(std::function<void(std::string_view step)> hook);

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(std::shared_ptr<fsx::FileSystem> fs, std::string dir,
                                             StoreOptions options);
  // Closes without a final checkpoint (recovery replays the WAL); call Close for a clean one.
  ~Store();
  // Checkpoints (unless read-only or failed) and releases the directory lock.
  Status Close();

  Result<std::unique_ptr<ReadTransaction>> BeginRead();
  // A snapshot as of the commit at `lsn` (the newest commit at or before it); OutOfRange when
  // lsn is before the retention window or after the newest commit.
  Result<std::unique_ptr<ReadTransaction>> BeginReadAtLsn(Lsn lsn);
  // A snapshot as of wall-clock time t (microseconds since the epoch): the newest commit with
  // commit time <= t. OutOfRange when t is before the retention window or in the future.
  Result<std::unique_ptr<ReadTransaction>> BeginReadAtTime(int64_t time_us);
  // Waits up to `timeout` (default: the store's busy_timeout) for the writer slot, then Busy.
  // `owner` names who waits (a connection; 0: anonymous) for the process-wide deadlock detector:
  // the writer slots of every store form one wait-for graph, and a wait that would close a cycle
  // (this owner holds a slot that the holder of this one waits for, directly or through others)
  // fails at once with Busy("deadlock detected: ...", naming the stores) instead of waiting.
  Result<std::unique_ptr<WriteTransaction>> BeginWrite(
      std::optional<std::chrono::milliseconds> timeout = std::nullopt, uint64_t owner = 0);

  // Writes all dirty pages of the newest version and records a checkpoint in the MANIFEST.
  Status Checkpoint();
  // Reclaims disk space: data segments no version uses any more are deleted (once no reader can
  // reach them) and mostly-empty segments have their live pages moved out first. Runs by itself
  // after checkpoints (see StoreOptions::compact_garbage_ratio).
  Status Compact();

  // Creates a branch store in `branch_dir` that shares every existing page and diverges from
  // now on. The branch is opened with Store::Open(branch_dir) and starts at this store's newest
  // commit. This store must keep its directory while the branch exists.
  Status Fork(const std::string& branch_dir);

  // Full structural check of every tree in the newest version; Corruption on the first problem.
  Status CheckIntegrity();

  StoreStats stats() const;
  const std::string& dir() const;
  btree::Pager& pager();

  struct Impl;

 private:
  explicit Store(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace dosql::transaction
