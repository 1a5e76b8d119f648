#include "dosql/transaction/store.h"

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <unordered_set>

#include "dosql/core/coding.h"
#include "dosql/core/crc32c.h"
#include "dosql/core/record.h"
#include "store_internal.h"

namespace dosql::transaction {

namespace {
// The largest emptied transaction log (encoded change records) whose memory the next writer
// reuses.
constexpr size_t kRecycledLogBytes = size_t{4} << 20;
constexpr const char* kDataDir = "data";
constexpr const char* kWalDir = "wal";
constexpr const char* kLockFile = "LOCK";
constexpr uint64_t kManifestRewriteBytes = 1ull << 20;

// Lock waits of the whole process, for deadlock detection: which owner (a connection, say)
// waits for which writer slot. Every slot's state is guarded by the one mutex here, so that a
// wait-for cycle is seen by whoever's wait would close it. Each owner waits for at most one slot
// and each slot has one holder, so the graph is a chain from any waiter.
class WriterSlot;
struct LockGraph {
  std::mutex mu;
  std::unordered_map<uint64_t, WriterSlot*> waiting;  // owner -> the slot it waits for
};
LockGraph& Graph() {
  static LockGraph* g = new LockGraph();
  return *g;
}

// The writer slot: a lock that may be released by a different thread than the one that took it
// (a transaction may be committed from another thread), with a timed wait. Owners are ids
// chosen by the caller (0: anonymous, never part of a deadlock).
class WriterSlot {
 public:
  void set_name(std::string name) { name_ = std::move(name); }

  bool Acquire(std::chrono::milliseconds timeout) { return AcquireFor(0, timeout).ok(); }

  // OK once held; Busy when `timeout` passes, or at once ("deadlock detected: ...") when the
  // holder waits, directly or through other holders, for a slot `owner` holds.
  Status AcquireFor(uint64_t owner, std::chrono::milliseconds timeout) {
    LockGraph& g = Graph();
    std::unique_lock<std::mutex> l(g.mu);
    if (!held_) {
      Take(owner);
      return Status::OK();
    }
    if (owner != 0) {
      std::vector<const WriterSlot*> path{this};
      uint64_t holder = holder_;
      while (holder != 0) {
        if (holder == owner) return Status::Busy(DeadlockMessage(path));
        auto it = g.waiting.find(holder);
        if (it == g.waiting.end() || !it->second->held_ || path.size() > 4096) break;
        path.push_back(it->second);
        holder = it->second->holder_;
      }
      g.waiting[owner] = this;
    }
    bool got = cv_.wait_for(l, timeout, [&] { return !held_; });
    if (owner != 0) g.waiting.erase(owner);
    if (!got) return Status::Busy("timeout");
    Take(owner);
    return Status::OK();
  }
  bool TryAcquire() {
    std::lock_guard<std::mutex> l(Graph().mu);
    if (held_) return false;
    Take(0);
    return true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> l(Graph().mu);
      held_ = false;
      holder_ = 0;
    }
    cv_.notify_one();
  }

 private:
  void Take(uint64_t owner) {
    held_ = true;
    holder_ = owner;
  }
  // The slots of the cycle, from the one wanted to the one the waiter holds.
  static std::string DeadlockMessage(const std::vector<const WriterSlot*>& path) {
    std::string m = "deadlock detected: the write lock of '" + path[0]->name_ + "'";
    if (path.size() == 1) return m + " is already held by this transaction";
    m += " is held by a transaction that waits for '" + path[1]->name_ + "'";
    for (size_t i = 2; i < path.size(); i++) {
      m += ", whose write lock is held by a transaction that waits for '" + path[i]->name_ + "'";
    }
    return m + ", which this transaction holds";
  }

  std::condition_variable cv_;
  bool held_ = false;    // guarded by Graph().mu
  uint64_t holder_ = 0;  // guarded by Graph().mu
  std::string name_;
};

// Two-phase commit markers (kMeta records; docs/formats/atomic_commit.md).
constexpr std::string_view kPrepareKey = "2pc-prepare";
constexpr std::string_view kAbortKey = "2pc-abort";
constexpr uint8_t kMarkerVersion = 1;

std::string EncodeMarker(std::string_view gtid, std::string_view decision_path) {
  std::string out;
  out.push_back(static_cast<char>(kMarkerVersion));
  PutVarint64(&out, gtid.size());
  out.append(gtid);
  PutVarint64(&out, decision_path.size());
  out.append(decision_path);
  return out;
}

bool DecodeMarker(std::string_view in, std::string* gtid, std::string* decision_path) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kMarkerVersion) return false;
  in.remove_prefix(1);
  uint64_t n = 0;
  std::string_view part;
  if (!GetVarint64(&in, &n) || !GetBytes(&in, n, &part)) return false;
  gtid->assign(part);
  if (!GetVarint64(&in, &n) || !GetBytes(&in, n, &part)) return false;
  decision_path->assign(part);
  return in.empty();
}

std::mutex atomic_hook_mu;
std::function<void(std::string_view)>* atomic_hook = nullptr;

void AtomicCommitStep(const std::string& step) {
  std::function<void(std::string_view)> hook;
  {
    std::lock_guard<std::mutex> l(atomic_hook_mu);
    if (atomic_hook) hook = *atomic_hook;
  }
  if (hook) hook(step);
}

}  // namespace

// A prepared transaction found at the end of the WAL by recovery, not yet committed or aborted.
struct UnresolvedPrepared {
  bool present = false;
  uint64_t txn_id = 0;
  Lsn marker_lsn = 0;
  std::string gtid;
  std::string decision_path;
  std::vector<wal::Record> records;
};

struct Store::Impl {
  std::shared_ptr<fsx::FileSystem> fs;
  std::string dir;
  StoreOptions options;
  std::unique_ptr<fsx::FileLock> lock;
  std::shared_ptr<btree::Pager> pager;
  std::unique_ptr<wal::WalWriter> wal;
  std::unique_ptr<Manifest> manifest;  // changed under the writer slot and manifest_mu
  std::mutex manifest_mu;
  std::string wal_dir;

  WriterSlot writer;
  // Guarded by the writer slot:
  VersionRef latest;            // newest version, maybe not yet durable
  uint64_t next_tree_id = 1;
  uint64_t next_txn_id = 1;
  std::atomic<uint64_t> wal_bytes_at_checkpoint{0};

  // What readers see. Guarded by a mutex held only to copy or swap the pointer (libstdc++'s
  // std::atomic<std::shared_ptr> is not understood by ThreadSanitizer); a reader never waits
  // for anything the writer does.
  mutable std::mutex durable_mu;
  VersionRef durable_version;

  std::atomic<uint64_t> next_owner{1};
  std::atomic<uint64_t> version_seq{1};
  std::shared_ptr<VersionRegistry> registry = std::make_shared<VersionRegistry>();
  // Compaction state (guarded by the writer slot).
  uint64_t dead_pages_estimate = 0;        // permanent pages no longer used by the newest version
  std::vector<std::pair<uint64_t, uint64_t>> doomed_segments;  // (segment, dead as of version seq)
  bool compacting = false;
  std::atomic<uint64_t> compactions{0};
  std::atomic<uint64_t> segments_removed{0};
  std::atomic<uint64_t> commits{0};
  std::atomic<uint64_t> checkpoints{0};
  std::atomic<uint64_t> wal_bytes{0};  // appended since open (approximate, for auto checkpoint)
  // The last write transaction's log, emptied, for the next one (touched by the writer only).
  wal::ChangeBuffer spare_log;
  uint64_t recovered_txns = 0;

  std::mutex failure_mu;
  Status failure;  // non-OK once a WAL write/sync failed: no more writes
  Status last_checkpoint_error;  // of the latest automatic checkpoint that failed
  bool closed = false;

  HybridLogicalClock hlc;
  MonotonicMicros commit_clock;

  bool syncing() const { return options.sync_mode != wal::SyncMode::kOff; }

  Status CheckWritable() {
    if (options.read_only) return Status::ReadOnly("store " + dir + " is open read-only");
    std::lock_guard<std::mutex> l(failure_mu);
    if (closed) return Status::InvalidArgument("store " + dir + " is closed");
    if (!failure.ok()) {
      return Status(failure.code(), "store refuses writes after an earlier failure: " +
                                        failure.message());
    }
    return Status::OK();
  }
  void Fail(const Status& s) {
    std::lock_guard<std::mutex> l(failure_mu);
    if (failure.ok()) failure = s;
  }

  VersionRef MakeVersion(btree::PageId root_map, Lsn lsn, int64_t time) {
    auto v = std::make_shared<Version>();
    v->seq = version_seq.fetch_add(1);
    v->root_map = root_map;
    v->lsn = lsn;
    v->commit_time_us = time;
    v->pager = pager;
    v->registry = registry;
    registry->Add(v->seq);
    return v;
  }

  // Appends `v` after `latest`, handing `garbage` (pages v no longer uses) to the old version.
  void Chain(VersionRef v, std::vector<btree::PageId> garbage) {
    for (btree::PageId id : garbage) dead_pages_estimate += btree::IsTransient(id) ? 0 : 1;
    if (latest) {
      latest->garbage = std::move(garbage);
      latest->next = v;
    }
    latest = std::move(v);
  }

  VersionRef Durable() const {
    std::lock_guard<std::mutex> l(durable_mu);
    return durable_version;
  }

  void Publish(const VersionRef& v) {
    VersionRef old;  // released after unlocking: it may free a chain of versions
    std::lock_guard<std::mutex> l(durable_mu);
    if (!durable_version || durable_version->seq < v->seq) {
      old = std::move(durable_version);
      durable_version = v;
    }
  }

  Status CheckpointLocked(bool force);
  Status CompactLocked();
  Status ReclaimSegments();
  Status CheckpointEntryFor(const VersionRef& v, btree::PageId root_map);
  Result<VersionRef> InstallCheckpoint(btree::WriteContext& ctx, btree::PageId root_map);
  // Applies committed WAL transactions in (from, to] to `m`. With `recovering`, also advances
  // the store's id counters and clocks past what the log holds. `unresolved` (if given)
  // receives a prepared transaction the log ends with (two-phase commit).
  Status Replay(Mutator& m, Lsn from, Lsn to, bool recovering, Lsn* last_applied,
                int64_t* last_time, uint64_t* txns, UnresolvedPrepared* unresolved = nullptr);
  // Applies one change record of a committed transaction.
  Status ApplyRecord(Mutator& m, const wal::Record& c, bool recovering);
  // After a commit: checkpoints if enough WAL or dirty pages accumulated and nobody writes.
  void MaybeCheckpoint();
  size_t RetentionBase() const;
};

// ---------------------------------------------------------------------------------------------
// ReadTransaction

struct ReadTransaction::Impl {
  VersionRef version;
  // Roots looked up so far (a version never changes, so they stay right).
  mutable std::vector<std::pair<TreeId, TreeInfo>> roots;

  Result<TreeInfo> Tree(TreeId id) const {
    for (const auto& [tid, info] : roots) {
      if (tid == id) return info;
    }
    const Version& v = *version;
    std::optional<TreeInfo> found;
    {
      std::lock_guard<std::mutex> l(v.roots_mu);
      for (const auto& [tid, info] : v.roots) {
        if (tid == id) found = info;
      }
    }
    if (!found) {
      DOSQL_ASSIGN_OR_RETURN(found, LookupTree(*v.pager, v.root_map, id));
      std::lock_guard<std::mutex> l(v.roots_mu);
      if (v.roots.size() < Version::kCachedRoots) v.roots.emplace_back(id, *found);
    }
    if (roots.size() < 16) roots.emplace_back(id, *found);
    return *found;
  }
};

ReadTransaction::ReadTransaction(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ReadTransaction::~ReadTransaction() = default;
Lsn ReadTransaction::lsn() const { return impl_->version->lsn; }
int64_t ReadTransaction::commit_time_us() const { return impl_->version->commit_time_us; }

Result<TreeInfo> ReadTransaction::GetTree(TreeId id) const { return impl_->Tree(id); }
Result<std::vector<TreeInfo>> ReadTransaction::ListTrees() const {
  return ListTreesIn(*impl_->version->pager, impl_->version->root_map);
}
Result<std::optional<std::string>> ReadTransaction::Get(TreeId tree, std::string_view key) const {
  DOSQL_ASSIGN_OR_RETURN(TreeInfo info, GetTree(tree));
  return btree::Get(*impl_->version->pager, info.root, key);
}
Status ReadTransaction::GetInto(TreeId tree, std::string_view key, std::string* value,
                                bool* found) const {
  DOSQL_ASSIGN_OR_RETURN(TreeInfo info, GetTree(tree));
  return btree::GetInto(*impl_->version->pager, info.root, key, nullptr, value, found);
}
Result<btree::Cursor> ReadTransaction::NewCursor(TreeId tree) const {
  DOSQL_ASSIGN_OR_RETURN(TreeInfo info, GetTree(tree));
  return btree::Cursor(impl_->version->pager.get(), info.root);
}

// ---------------------------------------------------------------------------------------------
// WriteTransaction

struct WriteTransaction::Impl {
  std::shared_ptr<Store::Impl> store;
  uint64_t txn_id = 0;
  std::unique_ptr<Mutator> mutator;
  wal::ChangeBuffer log;  // this transaction's changes, encoded as WAL records
  // An unlogged store's transaction (StoreOptions::log_changes off) counts its changes instead.
  bool logging = true;
  size_t unlogged = 0;
  uint64_t changes = 0;   // see WriteTransaction::changes
  std::string before;     // Put's and Delete's old value (its buffer kept from call to call)
  struct SavepointState {
    uint32_t id;
    Mutator::Saved saved;
    size_t log_size;
  };
  std::vector<SavepointState> savepoints;
  uint32_t next_savepoint = 1;
  bool active = true;
  // Two-phase commit: prepared (durable in the WAL, waiting for CommitPrepared or Rollback).
  bool prepared = false;
  std::string gtid;
  btree::PageId prepared_root = btree::kInvalidPageId;
  std::string dir;  // the store's directory (kept after End)

  void FreePages(const std::vector<btree::PageId>& pages) {
    for (btree::PageId id : pages) store->pager->FreeTransient(id);
  }
  void End() {
    if (!active) return;
    active = false;
    // The emptied log goes to the next writer: a transaction then does not grow a fresh buffer
    // (allocation, page faults, moves) record by record.
    log.Clear(kRecycledLogBytes);
    store->spare_log = std::move(log);
    store->writer.Release();
    store.reset();  // a finished transaction does not keep the store open
  }
  // `log_abort`: a prepared transaction records that it aborted (not when its outcome is left
  // to recovery, see Abandon).
  void RollbackNow(bool log_abort = true) {
    if (!active) return;
    if (prepared && log_abort) {
      wal::Record r;
      r.type = wal::RecordType::kMeta;
      r.txn_id = txn_id;
      r.key.assign(kAbortKey);
      r.has_after = true;
      r.after = EncodeMarker(gtid, "");
      (void)store->wal->AppendRecord(r);  // recovery finds no decision file anyway
    }
    prepared = false;
    FreePages(mutator->ctx().created);
    mutator.reset();
    End();
  }
  // Ends a prepared transaction whose outcome only recovery may decide: the store refuses
  // writes until it is reopened.
  void Abandon(const Status& why) {
    if (!active) return;
    store->Fail(why);
    RollbackNow(/*log_abort=*/false);
  }
  Status Check() const {
    if (!active) return Status::InvalidArgument("transaction is no longer active");
    if (prepared) return Status::InvalidArgument("transaction is prepared");
    return Status::OK();
  }
  // The change log: WAL records, or only their count when the store is unlogged.
  void Log(wal::RecordType type, TreeId tree, std::string_view key, const std::string_view* before,
           const std::string_view* after) {
    if (logging) {
      log.Add(type, tree, key, before, after);
    } else {
      unlogged++;
    }
  }
  size_t LogCount() const { return logging ? log.count() : unlogged; }
  void TruncateLog(size_t count) {
    if (logging) {
      log.Truncate(count);
    } else {
      unlogged = count;
    }
  }
  // Creates (or re-creates) tree `id` and logs it.
  Status CreateTreeAs(TreeId id, TreeKind kind) {
    changes++;
    DOSQL_RETURN_IF_ERROR(mutator->CreateTree(id, kind));
    const char k = static_cast<char>(kind);
    Log(wal::RecordType::kCreateTree, id, std::string_view(&k, 1), nullptr, nullptr);
    return Status::OK();
  }
  Status DropTreeNow(TreeId id) {
    changes++;
    DOSQL_RETURN_IF_ERROR(mutator->DropTree(id));
    Log(wal::RecordType::kDropTree, id, {}, nullptr, nullptr);
    return Status::OK();
  }
};

WriteTransaction::WriteTransaction(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WriteTransaction::~WriteTransaction() {
  if (impl_) impl_->RollbackNow();
}
uint64_t WriteTransaction::txn_id() const { return impl_->txn_id; }
bool WriteTransaction::active() const { return impl_->active; }
uint64_t WriteTransaction::changes() const { return impl_->changes; }
bool WriteTransaction::HasChanges() const { return impl_->active && impl_->LogCount() > 0; }
bool WriteTransaction::prepared() const { return impl_->active && impl_->prepared; }
const std::string& WriteTransaction::store_dir() const { return impl_->dir; }

Result<TreeId> WriteTransaction::CreateTree(TreeKind kind) {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  TreeId id = impl_->store->next_tree_id;
  DOSQL_RETURN_IF_ERROR(impl_->CreateTreeAs(id, kind));
  impl_->store->next_tree_id = id + 1;
  return id;
}

Status WriteTransaction::DropTree(TreeId tree) {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  return impl_->DropTreeNow(tree);
}

Status WriteTransaction::ClearTree(TreeId tree) {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  DOSQL_ASSIGN_OR_RETURN(TreeInfo info, impl_->mutator->GetTree(tree));
  DOSQL_RETURN_IF_ERROR(impl_->DropTreeNow(tree));
  return impl_->CreateTreeAs(tree, info.kind);
}

Result<TreeInfo> WriteTransaction::GetTree(TreeId id) const {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  return impl_->mutator->GetTree(id);
}

Result<std::vector<TreeInfo>> WriteTransaction::ListTrees() const {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  return impl_->mutator->ListTrees();
}

Status WriteTransaction::Put(TreeId tree, std::string_view key, std::string_view value,
                             bool* existed) {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  std::string& before = impl_->before;
  bool had = false;
  impl_->changes++;
  // (An unlogged store records no before image.)
  DOSQL_RETURN_IF_ERROR(
      impl_->mutator->Put(tree, key, value, impl_->logging ? &before : nullptr, &had));
  const std::string_view before_view(before);
  impl_->Log(wal::RecordType::kPut, tree, key, had ? &before_view : nullptr, &value);
  if (existed) *existed = had;
  return Status::OK();
}

Status WriteTransaction::Fill(TreeId tree, const EntrySource& next) {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  Impl& d = *impl_;
  return d.mutator->Fill(tree, [&](std::string_view* key, std::string_view* value) -> Result<bool> {
    DOSQL_ASSIGN_OR_RETURN(bool more, next(key, value));
    if (more) {
      d.changes++;
      d.Log(wal::RecordType::kPut, tree, *key, nullptr, value);
    }
    return more;
  });
}

Status WriteTransaction::Delete(TreeId tree, std::string_view key, bool* existed) {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  std::string& before = impl_->before;
  bool had = false;
  impl_->changes++;
  DOSQL_RETURN_IF_ERROR(
      impl_->mutator->Delete(tree, key, impl_->logging ? &before : nullptr, &had));
  if (had) {
    const std::string_view before_view(before);
    impl_->Log(wal::RecordType::kDelete, tree, key, &before_view, nullptr);
  }
  if (existed) *existed = had;
  return Status::OK();
}

Result<std::optional<std::string>> WriteTransaction::Get(TreeId tree, std::string_view key) const {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  return impl_->mutator->Get(tree, key);
}

Status WriteTransaction::GetInto(TreeId tree, std::string_view key, std::string* value,
                                 bool* found) const {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  return impl_->mutator->GetInto(tree, key, value, found);
}

Result<std::optional<std::string>> WriteTransaction::LastKey(TreeId tree) const {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  return impl_->mutator->LastKey(tree);
}

uint64_t WriteTransaction::TreeShape(TreeId tree) const { return impl_->mutator->Shape(tree); }

void WriteTransaction::SuggestLeaf(TreeId tree, uint64_t shape, btree::PageId root,
                                   const btree::PageRef& leaf, uint32_t slot) {
  if (impl_->Check().ok()) impl_->mutator->SuggestLeaf(tree, shape, root, leaf, slot);
}

Result<btree::NeighborKeys> WriteTransaction::Neighbors(TreeId tree, std::string_view key,
                                                        size_t prefix) const {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  return impl_->mutator->Neighbors(tree, key, prefix);
}

Result<btree::Cursor> WriteTransaction::NewCursor(TreeId tree) const {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  DOSQL_ASSIGN_OR_RETURN(TreeInfo info, impl_->mutator->GetTree(tree));
  return btree::Cursor(impl_->store->pager.get(), info.root);
}

bool WriteTransaction::PagesSealed() const { return impl_->mutator->Sealed(); }

Result<uint32_t> WriteTransaction::Savepoint() {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  uint32_t id = impl_->next_savepoint++;
  impl_->savepoints.push_back({id, impl_->mutator->Save(), impl_->LogCount()});
  // Pages written so far belong to the savepoint's state: later writes must copy them.
  impl_->mutator->NewOwner(impl_->store->next_owner.fetch_add(1));
  return id;
}

Status WriteTransaction::RollbackTo(uint32_t savepoint) {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  auto& sps = impl_->savepoints;
  auto it = std::find_if(sps.begin(), sps.end(), [&](auto& s) { return s.id == savepoint; });
  if (it == sps.end()) {
    return Status::NotFound("no savepoint " + std::to_string(savepoint) + " is open");
  }
  impl_->changes++;
  impl_->FreePages(impl_->mutator->Restore(it->saved));
  impl_->TruncateLog(it->log_size);
  sps.erase(it + 1, sps.end());
  impl_->mutator->NewOwner(impl_->store->next_owner.fetch_add(1));
  return Status::OK();
}

Status WriteTransaction::Release(uint32_t savepoint) {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  auto& sps = impl_->savepoints;
  auto it = std::find_if(sps.begin(), sps.end(), [&](auto& s) { return s.id == savepoint; });
  if (it == sps.end()) {
    return Status::NotFound("no savepoint " + std::to_string(savepoint) + " is open");
  }
  // The pages this savepoint kept for a rollback are garbage now: transient pages created after
  // the previous open savepoint (so no earlier savepoint can need them) and replaced after this
  // one. Freeing them now keeps a long transaction of many statements (each under a statement
  // savepoint) from holding every page version it ever wrote until commit.
  btree::WriteContext& ctx = impl_->mutator->ctx();
  size_t idx = static_cast<size_t>(it - sps.begin());
  size_t created_floor = idx > 0 ? sps[idx - 1].saved.created : 0;
  size_t replaced_mark = std::min(it->saved.replaced, ctx.replaced.size());
  if (created_floor < ctx.created.size() && replaced_mark < ctx.replaced.size()) {
    // Transient ids come from a counter, so ctx.created is ascending: a binary search tells
    // whether a page is one of ours, in time independent of how many pages the transaction
    // created before (a set of them, built per statement, made long transactions quadratic).
    auto own_first = ctx.created.begin() + static_cast<long>(created_floor);
    size_t out = replaced_mark;
    std::vector<btree::PageId> freed;
    for (size_t i = replaced_mark; i < ctx.replaced.size(); i++) {
      btree::PageId id = ctx.replaced[i];
      if (btree::IsTransient(id) && std::binary_search(own_first, ctx.created.end(), id)) {
        freed.push_back(id);
      } else {
        ctx.replaced[out++] = id;
      }
    }
    ctx.replaced.resize(out);
    impl_->FreePages(freed);
  }
  sps.erase(it, sps.end());
  return Status::OK();
}

void WriteTransaction::Rollback() { impl_->RollbackNow(); }

Result<Lsn> WriteTransaction::Commit() {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  Impl& t = *impl_;
  std::shared_ptr<Store::Impl> keep = t.store;  // End() drops t.store
  Store::Impl& s = *keep;
  if (t.LogCount() == 0) {  // nothing to make durable
    Lsn lsn = s.latest->lsn;
    t.RollbackNow();
    return lsn;
  }
  Status st = s.CheckWritable();
  if (!st.ok()) {
    t.RollbackNow();
    return st;
  }
  Result<btree::PageId> root = t.mutator->Flush();
  if (!root.ok()) {
    t.RollbackNow();
    return root.status();
  }
  int64_t time = s.commit_clock.Next();
  uint64_t hlc = s.hlc.Now().raw;
  // An unlogged store's commit is only its new version (the next LSN, nothing to wait for).
  const bool logged = t.logging;
  Lsn lsn = s.latest->lsn + 1;
  if (logged) {
    Result<Lsn> appended = s.wal->AppendTransaction(t.log, time, hlc);
    if (!appended.ok()) {
      s.Fail(appended.status());
      t.RollbackNow();
      return appended.status();
    }
    lsn = *appended;
    s.wal_bytes.fetch_add(t.log.encoded_bytes(), std::memory_order_relaxed);
  }
  VersionRef v = s.MakeVersion(*root, lsn, time);
  s.Chain(v, std::move(t.mutator->ctx().replaced));
  t.mutator.reset();
  t.End();  // the next writer may start while we wait for the fsync (group commit)

  if (logged) {
    Status durable = s.wal->WaitDurable(lsn);
    if (!durable.ok()) {
      s.Fail(durable);
      return durable;
    }
  }
  s.Publish(v);
  s.commits.fetch_add(1, std::memory_order_relaxed);
  if (logged) s.MaybeCheckpoint();
  return lsn;
}

void Store::Impl::MaybeCheckpoint() {
  // Automatic checkpoint, when nobody else is writing.
  uint64_t wal_since = wal_bytes.load(std::memory_order_relaxed) -
                       wal_bytes_at_checkpoint.load(std::memory_order_relaxed);
  uint64_t dirty = pager->stats().transient_pages * pager->page_size();
  bool want = (options.checkpoint_wal_bytes && wal_since >= options.checkpoint_wal_bytes) ||
              (options.checkpoint_dirty_bytes && dirty >= options.checkpoint_dirty_bytes);
  if (want && writer.TryAcquire()) {
    // The commit is durable whatever happens here: a failed checkpoint leaves the WAL as the
    // record (the next checkpoint retries), so it is remembered, not reported as a failed commit.
    Status cs = CheckpointLocked(false);
    writer.Release();
    if (!cs.ok()) {
      std::lock_guard<std::mutex> l(failure_mu);
      last_checkpoint_error = cs;
    }
  }
}

Status WriteTransaction::Prepare(std::string_view gtid, const std::string& decision_path) {
  DOSQL_RETURN_IF_ERROR(impl_->Check());
  Impl& t = *impl_;
  Store::Impl& s = *t.store;
  if (!t.logging) {
    return Status::NotSupported("two-phase commit needs a logged store (" + s.dir + " is not)");
  }
  Status st = s.CheckWritable();
  if (!st.ok()) {
    t.RollbackNow();
    return st;
  }
  Result<btree::PageId> root = t.mutator->Flush();
  if (!root.ok()) {
    t.RollbackNow();
    return root.status();
  }
  // The changes and the prepare marker form one write group: recovery sees both or neither.
  std::vector<wal::Record> group = t.log.ToRecords();
  t.log.Clear(kRecycledLogBytes);
  wal::Record& marker = group.emplace_back();
  marker.type = wal::RecordType::kMeta;
  marker.txn_id = t.txn_id;
  marker.key.assign(kPrepareKey);
  marker.has_after = true;
  marker.after = EncodeMarker(gtid, decision_path);
  Result<Lsn> lsn = s.wal->AppendGroup(t.txn_id, group);
  if (!lsn.ok()) {
    s.Fail(lsn.status());
    t.RollbackNow();
    return lsn.status();
  }
  for (const wal::Record& r : group) {
    s.wal_bytes.fetch_add(r.key.size() + r.before.size() + r.after.size() + 32,
                          std::memory_order_relaxed);
  }
  t.prepared = true;
  t.gtid.assign(gtid);
  t.prepared_root = *root;
  Status durable = s.wal->WaitDurable(*lsn);
  if (!durable.ok()) {
    // Whether the prepare reached the disk is unknown; without a decision file it aborts.
    s.Fail(durable);
    t.RollbackNow(/*log_abort=*/false);
    return durable;
  }
  return Status::OK();
}

Result<Lsn> WriteTransaction::CommitPrepared() {
  Impl& t = *impl_;
  if (!t.active) return Status::InvalidArgument("transaction is no longer active");
  if (!t.prepared) return Status::InvalidArgument("transaction is not prepared");
  std::shared_ptr<Store::Impl> keep = t.store;
  Store::Impl& s = *keep;
  int64_t time = s.commit_clock.Next();
  uint64_t hlc = s.hlc.Now().raw;
  Result<Lsn> lsn = s.wal->AppendTransaction(t.txn_id, {}, time, hlc);
  if (!lsn.ok()) {
    // The outcome was decided (commit): recovery applies it from the prepare marker.
    t.Abandon(lsn.status());
    return lsn.status();
  }
  VersionRef v = s.MakeVersion(t.prepared_root, *lsn, time);
  s.Chain(v, std::move(t.mutator->ctx().replaced));
  t.mutator.reset();
  t.prepared = false;
  t.End();
  Status durable = s.wal->WaitDurable(*lsn);
  if (!durable.ok()) {
    s.Fail(durable);
    return durable;
  }
  s.Publish(v);
  s.commits.fetch_add(1, std::memory_order_relaxed);
  s.MaybeCheckpoint();
  return *lsn;
}

namespace {

// "<32 lowercase hex digits>": 128 random bits.
std::string NewGtid() {
  static std::mutex mu;
  static std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{
        rd(), rd(), rd(), rd(),
        static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count())};
    return std::mt19937_64(seq);
  }();
  uint64_t a, b;
  {
    std::lock_guard<std::mutex> l(mu);
    a = rng();
    b = rng();
  }
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

// The decision file's contents (docs/formats/atomic_commit.md): what it decides and for whom.
std::string EncodeDecision(const std::string& gtid, const std::vector<std::string>& dirs) {
  std::string out = "DOSQLDEC";
  PutFixed32(&out, 1);
  PutFixed32(&out, static_cast<uint32_t>(gtid.size()));
  out += gtid;
  PutFixed32(&out, static_cast<uint32_t>(dirs.size()));
  for (const std::string& d : dirs) {
    PutFixed32(&out, static_cast<uint32_t>(d.size()));
    out += d;
  }
  PutFixed32(&out, crc32c::Value(out));
  return out;
}

}  // namespace

void SetAtomicCommitTestHook(std::function<void(std::string_view step)> hook) {
  std::lock_guard<std::mutex> l(atomic_hook_mu);
  delete atomic_hook;
  atomic_hook = hook ? new std::function<void(std::string_view)>(std::move(hook)) : nullptr;
}

Status CommitAtomically(std::span<WriteTransaction* const> txns) {
  std::vector<WriteTransaction*> parts;
  for (WriteTransaction* t : txns) {
    if (!t || !t->active()) continue;
    if (t->HasChanges()) {
      parts.push_back(t);
    } else {
      t->Rollback();  // nothing to make durable
    }
  }
  if (parts.empty()) return Status::OK();
  if (parts.size() == 1) return parts[0]->Commit().status();
  auto rollback_all = [&] {
    for (WriteTransaction* t : parts) t->Rollback();
  };
  const std::string gtid = NewGtid();
  std::shared_ptr<Store::Impl> coord = parts[0]->impl_->store;
  std::shared_ptr<fsx::FileSystem> fs = coord->fs;
  const std::string decision = fsx::JoinPath(coord->dir, "commit-" + gtid);
  std::vector<std::string> dirs;
  for (size_t i = 0; i < parts.size(); i++) {
    dirs.push_back(parts[i]->impl_->dir);
    AtomicCommitStep("prepare " + std::to_string(i));
    Status st = parts[i]->Prepare(gtid, decision);
    if (!st.ok()) {
      rollback_all();
      return st.WithContext("preparing the commit of " + parts[i]->impl_->dir);
    }
  }
  // The commit point: the decision file, durable.
  AtomicCommitStep("decide");
  Status decided = fsx::WriteFileAtomic(*fs, decision, EncodeDecision(gtid, dirs));
  if (!decided.ok()) {
    // It may have reached the disk in part; make sure it is gone before aborting.
    Status gone = fs->Remove(decision);
    if (gone.ok() || gone.IsNotFound()) gone = fs->SyncDir(coord->dir);
    if (gone.ok()) {
      rollback_all();
      return decided.WithContext("committing across " + std::to_string(parts.size()) +
                                 " databases");
    }
    for (WriteTransaction* t : parts) t->impl_->Abandon(decided);
    return Status(decided.code(),
                  "the outcome of a commit across databases is unknown until they are reopened "
                  "(decision file " +
                      decision + "): " + decided.message());
  }
  Status first;
  for (size_t i = 0; i < parts.size(); i++) {
    AtomicCommitStep("commit " + std::to_string(i));
    Result<Lsn> r = parts[i]->CommitPrepared();
    if (!r.ok() && first.ok()) {
      first = Status(r.status().code(), "committed, but " + dirs[i] +
                                            " failed to record it (it shows the commit "
                                            "once reopened): " +
                                            r.status().message());
    }
  }
  if (!first.ok()) return first;  // the decision file stays for the failed store's recovery
  AtomicCommitStep("cleanup");
  (void)fs->Remove(decision);  // every store has its Commit record; the file decides nothing now
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Store

Store::Store(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  if (!impl_) return;
  std::lock_guard<std::mutex> l(impl_->failure_mu);
  impl_->closed = true;
}

const std::string& Store::dir() const { return impl_->dir; }
btree::Pager& Store::pager() { return *impl_->pager; }

Status Store::Close() {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> l(s.failure_mu);
    if (s.closed) return Status::OK();
  }
  Status st;
  if (!s.options.read_only && s.options.log_changes && s.CheckWritable().ok()) {
    if (!s.writer.Acquire(s.options.busy_timeout)) {
      return Status::Busy("cannot close " + s.dir + ": a write transaction is still active");
    }
    st = s.CheckpointLocked(false);
    s.writer.Release();
  }
  {
    std::lock_guard<std::mutex> l(s.failure_mu);
    s.closed = true;
  }
  s.lock.reset();
  return st;
}

StoreStats Store::stats() const {
  StoreStats st;
  VersionRef d = impl_->Durable();
  st.last_lsn = d ? d->lsn : 0;
  st.last_commit_time_us = d ? d->commit_time_us : 0;
  {
    std::lock_guard<std::mutex> l(impl_->manifest_mu);
    st.checkpoint_lsn = impl_->manifest->contents().checkpoints.back().lsn;
  }
  st.commits = impl_->commits.load();
  st.checkpoints = impl_->checkpoints.load();
  st.recovered_transactions = impl_->recovered_txns;
  st.live_versions = impl_->registry->Count();
  st.compactions = impl_->compactions.load();
  {
    std::lock_guard<std::mutex> l(impl_->failure_mu);
    st.last_checkpoint_error = impl_->last_checkpoint_error.ToString();
  }
  st.segments_removed = impl_->segments_removed.load();
  st.pager = impl_->pager->stats();
  return st;
}

Result<std::unique_ptr<ReadTransaction>> Store::BeginRead() {
  auto impl = std::make_unique<ReadTransaction::Impl>();
  impl->version = impl_->Durable();
  return std::make_unique<ReadTransaction>(std::move(impl));
}

Result<std::unique_ptr<WriteTransaction>> Store::BeginWrite(
    std::optional<std::chrono::milliseconds> timeout, uint64_t owner) {
  Impl& s = *impl_;
  DOSQL_RETURN_IF_ERROR(s.CheckWritable());
  auto wait = timeout.value_or(s.options.busy_timeout);
  Status got = s.writer.AcquireFor(owner, wait);
  if (!got.ok()) {
    if (got.message() != "timeout") return got;  // a deadlock
    return Status::Busy("database " + s.dir + " is locked: another write transaction is active "
                        "(waited " + std::to_string(wait.count()) + " ms)");
  }
  Status st = s.CheckWritable();
  if (!st.ok()) {
    s.writer.Release();
    return st;
  }
  auto impl = std::make_unique<WriteTransaction::Impl>();
  impl->store = impl_;
  impl->dir = s.dir;
  impl->txn_id = s.next_txn_id++;
  impl->logging = s.options.log_changes;
  if (impl->logging) {
    impl->log = std::move(s.spare_log);
    impl->log.Reset(impl->txn_id);
  }
  impl->mutator =
      std::make_unique<Mutator>(s.pager.get(), s.latest->root_map, s.next_owner.fetch_add(1));
  return std::make_unique<WriteTransaction>(std::move(impl));
}

Status Store::Checkpoint() {
  Impl& s = *impl_;
  DOSQL_RETURN_IF_ERROR(s.CheckWritable());
  if (!s.options.log_changes) return Status::OK();  // the pages stay in memory
  if (!s.writer.Acquire(s.options.busy_timeout)) {
    return Status::Busy("checkpoint of " + s.dir + " timed out waiting for the writer");
  }
  Status st = s.CheckpointLocked(true);
  s.writer.Release();
  return st;
}

Status Store::Compact() {
  Impl& s = *impl_;
  DOSQL_RETURN_IF_ERROR(s.CheckWritable());
  if (!s.options.log_changes) return Status::OK();  // no data segments to compact
  if (!s.writer.Acquire(s.options.busy_timeout)) {
    return Status::Busy("compaction of " + s.dir + " timed out waiting for the writer");
  }
  Status st = s.CompactLocked();
  s.writer.Release();
  return st;
}

size_t Store::Impl::RetentionBase() const {
  // The newest checkpoint at or before (now - retention): history before it is not needed.
  const auto& cps = manifest->contents().checkpoints;
  if (options.retention.count() <= 0) return cps.size() - 1;
  int64_t horizon = WallMicros() - options.retention.count();
  size_t base = 0;
  for (size_t i = 0; i < cps.size(); i++) {
    if (cps[i].commit_time_us <= horizon) base = i;
  }
  return base;
}

Status Store::Impl::CheckpointLocked(bool force) {
  const CheckpointEntry& last = manifest->contents().checkpoints.back();
  if (!force && latest->lsn == last.lsn && !btree::IsTransient(latest->root_map)) {
    return Status::OK();
  }
  // Commits covered by the checkpoint must be durable in the WAL first, or a crash could leave
  // a checkpoint ahead of the log.
  if (syncing()) {
    Status ws = wal->Sync();
    if (!ws.ok()) {
      Fail(ws);
      return ws;
    }
  }
  Publish(latest);
  btree::WriteContext ctx;
  ctx.pager = pager.get();
  ctx.owner = next_owner.fetch_add(1);
  btree::PageId root_map = latest->root_map;
  if (btree::IsTransient(root_map)) {
    DOSQL_ASSIGN_OR_RETURN(std::vector<TreeInfo> trees, ListTreesIn(*pager, root_map));
    for (const TreeInfo& t : trees) {
      if (!btree::IsTransient(t.root)) continue;
      DOSQL_ASSIGN_OR_RETURN(btree::PageId root, btree::PersistTree(ctx, t.root));
      DOSQL_ASSIGN_OR_RETURN(
          btree::PutResult r,
          btree::Put(ctx, root_map, RowidKey(static_cast<int64_t>(t.id)), EncodeTreeEntry(t.kind, root)));
      root_map = r.root;
    }
    DOSQL_ASSIGN_OR_RETURN(root_map, btree::PersistTree(ctx, root_map));
  }
  DOSQL_RETURN_IF_ERROR(InstallCheckpoint(ctx, root_map).status());
  checkpoints.fetch_add(1, std::memory_order_relaxed);
  wal_bytes_at_checkpoint.store(wal_bytes.load(std::memory_order_relaxed));

  // History: keep checkpoints (and the WAL after the oldest of them) for the retention window.
  Lsn keep_from;
  {
    std::lock_guard<std::mutex> l(manifest_mu);
    size_t base = RetentionBase();
    keep_from = manifest->contents().checkpoints[base].lsn + 1;
    DOSQL_RETURN_IF_ERROR(manifest->Prune(base, kManifestRewriteBytes, syncing()));
  }
  // Start a new WAL segment so that the one holding only checkpointed records can be removed.
  if (keep_from > latest->lsn) DOSQL_RETURN_IF_ERROR(wal->Roll());
  DOSQL_RETURN_IF_ERROR(wal->RemoveSegmentsBefore(keep_from));
  DOSQL_RETURN_IF_ERROR(ReclaimSegments());
  // Automatic compaction once enough of the data segments is garbage.
  const uint64_t seg_pages = pager->options().segment_pages;
  const uint64_t own_first = manifest->contents().parent.present
                                 ? manifest->contents().parent.own_first_segment
                                 : 0;
  const uint64_t written = pager->next_permanent_id() - 1 - own_first * seg_pages;
  if (!compacting && options.compact_garbage_ratio > 0 && written >= 2 * seg_pages &&
      dead_pages_estimate >= options.compact_garbage_ratio * static_cast<double>(written)) {
    return CompactLocked();
  }
  return Status::OK();
}

// Makes the pages `ctx` wrote durable, records a checkpoint of the newest commit with root map
// `root_map`, and installs that as a new version (same LSN and data, all pages permanent).
Result<VersionRef> Store::Impl::InstallCheckpoint(btree::WriteContext& ctx,
                                                  btree::PageId root_map) {
  if (syncing()) {
    Status ss = pager->SyncData();
    if (!ss.ok()) {
      Fail(ss);
      return ss;
    }
  }
  DOSQL_RETURN_IF_ERROR(CheckpointEntryFor(latest, root_map));
  // Transient pages the checkpoint created itself (root-map copies) were persisted too: all of
  // ctx.created is garbage together with the replaced pages.
  std::vector<btree::PageId> garbage = std::move(ctx.replaced);
  garbage.insert(garbage.end(), ctx.created.begin(), ctx.created.end());
  std::sort(garbage.begin(), garbage.end());
  garbage.erase(std::unique(garbage.begin(), garbage.end()), garbage.end());
  VersionRef v = MakeVersion(root_map, latest->lsn, latest->commit_time_us);
  Chain(v, std::move(garbage));
  Publish(v);
  return v;
}

Status Store::Impl::CheckpointEntryFor(const VersionRef& v, btree::PageId root_map) {
  CheckpointEntry e;
  e.lsn = v->lsn;
  e.commit_time_us = v->commit_time_us;
  e.hlc = hlc.Last().raw;
  e.chain = wal->chain();
  e.root_map = root_map;
  e.next_page_id = pager->next_permanent_id();
  e.next_tree_id = next_tree_id;
  e.max_txn_id = next_txn_id - 1;
  e.written_at_us = WallMicros();
  Status ms;
  {
    std::lock_guard<std::mutex> l(manifest_mu);
    ms = manifest->AppendCheckpoint(e, syncing());
  }
  if (!ms.ok()) Fail(ms);
  return ms;
}

Status Store::Impl::ReclaimSegments() {
  const uint64_t oldest = registry->Min();
  for (auto it = doomed_segments.begin(); it != doomed_segments.end();) {
    if (it->second > oldest) {  // an older version may still read it
      ++it;
      continue;
    }
    Status rs = pager->RemoveSegment(it->first);
    if (!rs.ok() && !rs.IsNotFound()) return rs;
    segments_removed.fetch_add(1, std::memory_order_relaxed);
    it = doomed_segments.erase(it);
  }
  return Status::OK();
}

// Compaction: the live pages of the newest version are counted per data segment; segments with
// no live page are removed once no older version can read them, and segments that are mostly
// garbage have their live pages rewritten (with the paths above them) into the current segment,
// after which they are removed the same way. Segments shared with branches or used by retained
// history (time-travel checkpoints) are left alone.
Status Store::Impl::CompactLocked() {
  compacting = true;
  struct Reset {
    bool& b;
    ~Reset() { b = false; }
  } reset{compacting};
  DOSQL_RETURN_IF_ERROR(CheckpointLocked(false));
  const uint64_t seg_pages = pager->options().segment_pages;
  std::set<uint64_t> pinned;  // segments no compaction may touch
  uint64_t own_first = 0;
  std::vector<CheckpointEntry> history;
  {
    std::lock_guard<std::mutex> l(manifest_mu);
    const ManifestContents& mc = manifest->contents();
    if (mc.parent.present) own_first = mc.parent.own_first_segment;
    for (const ChildLink& c : mc.children) {
      for (uint64_t seg = own_first; seg < c.shared_end_segment; seg++) pinned.insert(seg);
    }
    // Checkpoints kept for time travel pin their segments. With history kept, that includes the
    // newest checkpoint too: it becomes history once this compaction records its own.
    // (CheckpointLocked above pruned what retention no longer needs.)
    const bool keep_history = options.retention.count() > 0;
    history.assign(mc.checkpoints.begin(), mc.checkpoints.end() - (keep_history ? 0 : 1));
  }
  auto walk = [&](btree::PageId root_map, const std::function<void(btree::PageId)>& fn) -> Status {
    auto visit = [&](btree::PageId id) {
      fn(id);
      return Status::OK();
    };
    DOSQL_RETURN_IF_ERROR(btree::ForEachPage(*pager, root_map, visit));
    DOSQL_ASSIGN_OR_RETURN(std::vector<TreeInfo> trees, ListTreesIn(*pager, root_map));
    for (const TreeInfo& t : trees) DOSQL_RETURN_IF_ERROR(btree::ForEachPage(*pager, t.root, visit));
    return Status::OK();
  };
  for (const CheckpointEntry& e : history) {
    DOSQL_RETURN_IF_ERROR(
        walk(e.root_map, [&](btree::PageId id) { pinned.insert(pager->SegmentOf(id)); }));
  }
  std::map<uint64_t, uint64_t> live;  // segment -> live pages of the newest version
  uint64_t live_total = 0;
  DOSQL_RETURN_IF_ERROR(walk(latest->root_map, [&](btree::PageId id) {
    live[pager->SegmentOf(id)]++;
    live_total++;
  }));
  const uint64_t active = pager->SegmentOf(pager->next_permanent_id());
  DOSQL_ASSIGN_OR_RETURN(std::vector<uint64_t> segments, pager->ListSegments());
  std::vector<uint64_t> dead;
  std::set<uint64_t> sparse;
  std::set<uint64_t> already;
  for (auto& d : doomed_segments) already.insert(d.first);
  for (uint64_t seg : segments) {
    if (seg < own_first || seg >= active || pinned.count(seg) || already.count(seg)) continue;
    uint64_t n = live.count(seg) ? live[seg] : 0;
    if (n == 0) {
      dead.push_back(seg);
    } else if (static_cast<double>(seg_pages - n) >=
               options.compact_garbage_ratio * static_cast<double>(seg_pages)) {
      sparse.insert(seg);
    }
  }
  uint64_t dead_as_of = latest->seq;
  if (!sparse.empty()) {
    btree::WriteContext ctx;
    ctx.pager = pager.get();
    ctx.owner = next_owner.fetch_add(1);
    btree::MovePredicate move = [&](btree::PageId id) {
      return sparse.count(pager->SegmentOf(id)) > 0;
    };
    btree::PageId root_map = latest->root_map;
    DOSQL_ASSIGN_OR_RETURN(std::vector<TreeInfo> trees, ListTreesIn(*pager, root_map));
    for (const TreeInfo& t : trees) {
      DOSQL_ASSIGN_OR_RETURN(btree::PageId root, btree::RelocateTree(ctx, t.root, move));
      if (root == t.root) continue;
      DOSQL_ASSIGN_OR_RETURN(btree::PutResult r,
                             btree::Put(ctx, root_map, RowidKey(static_cast<int64_t>(t.id)),
                                        EncodeTreeEntry(t.kind, root)));
      root_map = r.root;
    }
    DOSQL_ASSIGN_OR_RETURN(root_map, btree::RelocateTree(ctx, root_map, move));
    DOSQL_ASSIGN_OR_RETURN(VersionRef v, InstallCheckpoint(ctx, root_map));
    dead_as_of = v->seq;
    // Without history, the checkpoint just superseded still names the relocated pages: drop it
    // from the manifest before their segments go.
    {
      std::lock_guard<std::mutex> l(manifest_mu);
      DOSQL_RETURN_IF_ERROR(manifest->Prune(RetentionBase(), kManifestRewriteBytes, syncing()));
    }
    dead.insert(dead.end(), sparse.begin(), sparse.end());
  }
  for (uint64_t seg : dead) doomed_segments.emplace_back(seg, dead_as_of);
  const uint64_t written = pager->next_permanent_id() - 1 - own_first * seg_pages;
  const uint64_t garbage = written > live_total ? written - live_total : 0;
  const uint64_t reclaimed = dead.size() * seg_pages;  // garbage leaving with the dead segments
  dead_pages_estimate = garbage > reclaimed ? garbage - reclaimed : 0;
  compactions.fetch_add(1, std::memory_order_relaxed);
  return ReclaimSegments();
}

Status Store::Impl::ApplyRecord(Mutator& m, const wal::Record& c, bool recovering) {
  Status st;
  switch (c.type) {
    case wal::RecordType::kPut:
      st = m.Put(c.tree_id, c.key, c.after, nullptr, nullptr);
      break;
    case wal::RecordType::kDelete:
      st = m.Delete(c.tree_id, c.key, nullptr, nullptr);
      break;
    case wal::RecordType::kCreateTree: {
      TreeKind kind = c.key.empty() ? TreeKind::kRowid : static_cast<TreeKind>(c.key[0]);
      st = m.CreateTree(c.tree_id, kind);
      if (recovering) next_tree_id = std::max(next_tree_id, c.tree_id + 1);
      break;
    }
    case wal::RecordType::kDropTree:
      st = m.DropTree(c.tree_id);
      break;
    default:
      break;
  }
  if (!st.ok()) {
    return st.WithContext("replaying WAL record " + std::to_string(c.lsn) + " of " + wal_dir);
  }
  return Status::OK();
}

Status Store::Impl::Replay(Mutator& m, Lsn from, Lsn to, bool recovering, Lsn* last_applied,
                           int64_t* last_time, uint64_t* txns, UnresolvedPrepared* unresolved) {
  DOSQL_ASSIGN_OR_RETURN(auto reader, wal::WalReader::Open(fs, wal_dir, from));
  std::vector<wal::Record> pending;
  uint64_t pending_txn = 0;
  // The pending transaction is prepared (two-phase commit): its marker.
  bool prepared = false;
  Lsn marker_lsn = 0;
  std::string gtid, decision;
  wal::Record r;
  for (;;) {
    DOSQL_ASSIGN_OR_RETURN(bool more, reader->Next(&r));
    if (!more || r.lsn > to) break;
    if (r.type == wal::RecordType::kMeta) {
      if (r.key == kPrepareKey) {
        if (r.txn_id != pending_txn) {
          pending.clear();
          pending_txn = r.txn_id;
        }
        prepared = DecodeMarker(r.after, &gtid, &decision);
        if (!prepared) {
          return Status::Corruption("malformed prepare marker at WAL record " +
                                    std::to_string(r.lsn) + " of " + wal_dir);
        }
        marker_lsn = r.lsn;
      } else if (r.key == kAbortKey && r.txn_id == pending_txn) {
        pending.clear();  // a prepared transaction that rolled back
        prepared = false;
      }
      continue;
    }
    if (r.type != wal::RecordType::kCommit) {
      if (r.txn_id != pending_txn) {  // records of a transaction that never committed
        pending.clear();
        pending_txn = r.txn_id;
        prepared = false;
      }
      pending.push_back(std::move(r));
      r = wal::Record();
      continue;
    }
    if (r.txn_id != pending_txn) pending.clear();
    for (const wal::Record& c : pending) DOSQL_RETURN_IF_ERROR(ApplyRecord(m, c, recovering));
    pending.clear();
    prepared = false;
    *last_applied = r.lsn;
    *last_time = r.commit_time_us;
    if (recovering) {
      next_txn_id = std::max(next_txn_id, r.txn_id + 1);
      hlc.Observe(HlcTimestamp{r.hlc});
      commit_clock.Observe(r.commit_time_us);
    }
    (*txns)++;
  }
  if (prepared && unresolved) {
    unresolved->present = true;
    unresolved->txn_id = pending_txn;
    unresolved->marker_lsn = marker_lsn;
    unresolved->gtid = gtid;
    unresolved->decision_path = decision;
    unresolved->records = std::move(pending);
  }
  return Status::OK();
}

Result<std::unique_ptr<Store>> Store::Open(std::shared_ptr<fsx::FileSystem> fs, std::string dir,
                                           StoreOptions options) {
  auto s = std::make_shared<Impl>();
  s->fs = fs;
  s->dir = dir;
  s->options = options;
  s->wal_dir = fsx::JoinPath(dir, kWalDir);
  s->writer.set_name(dir);
  const bool sync = options.sync_mode != wal::SyncMode::kOff;

  DOSQL_ASSIGN_OR_RETURN(bool exists, fs->Exists(fsx::JoinPath(dir, Manifest::kFileName)));
  if (exists && options.error_if_exists) {
    return Status::AlreadyExists("database " + dir + " already exists");
  }
  if (!exists && (!options.create_if_missing || options.read_only)) {
    return Status::NotFound("database " + dir + " does not exist");
  }
  if (!exists) {
    DOSQL_RETURN_IF_ERROR(fs->CreateDir(dir));
    DOSQL_RETURN_IF_ERROR(fs->CreateDir(fsx::JoinPath(dir, kDataDir)));
    DOSQL_RETURN_IF_ERROR(fs->CreateDir(s->wal_dir));
  }
  if (!options.read_only) {
    DOSQL_ASSIGN_OR_RETURN(s->lock, fs->Lock(fsx::JoinPath(dir, kLockFile)));
  }
  if (!exists) {
    // A new store: an empty root map, written and checkpointed at LSN 0.
    uint32_t ps = options.pager.page_size;
    if (ps < 1024 || ps > 65536 || (ps & (ps - 1)) != 0) {
      return Status::InvalidArgument("page size " + std::to_string(ps) +
                                     " is not a power of two between 1024 and 65536");
    }
    DOSQL_ASSIGN_OR_RETURN(auto pager,
                           btree::Pager::Open(fs, fsx::JoinPath(dir, kDataDir), options.pager));
    btree::WriteContext ctx;
    ctx.pager = pager.get();
    ctx.owner = s->next_owner.fetch_add(1);
    DOSQL_ASSIGN_OR_RETURN(btree::PageId empty, btree::CreateTree(ctx));
    DOSQL_ASSIGN_OR_RETURN(btree::PageId root, btree::PersistTree(ctx, empty));
    for (btree::PageId id : ctx.created) pager->FreeTransient(id);
    if (sync) DOSQL_RETURN_IF_ERROR(pager->SyncData());
    ManifestContents c;
    c.page_size = ps;
    c.segment_pages = options.pager.segment_pages;
    CheckpointEntry e;
    e.root_map = root;
    e.next_page_id = pager->next_permanent_id();
    e.written_at_us = WallMicros();
    c.checkpoints.push_back(e);
    DOSQL_RETURN_IF_ERROR(Manifest::Create(fs, dir, c, sync).status());
    if (sync) {
      DOSQL_RETURN_IF_ERROR(fs->SyncDir(dir));  // data/ and wal/
      DOSQL_RETURN_IF_ERROR(fs->SyncDir(fsx::ParentDir(dir)));
    }
  }

  DOSQL_ASSIGN_OR_RETURN(s->manifest, Manifest::Open(fs, dir, options.read_only));
  const ManifestContents& mc = s->manifest->contents();
  const CheckpointEntry cp = mc.checkpoints.back();
  btree::PagerOptions po = options.pager;
  po.page_size = mc.page_size;
  po.segment_pages = mc.segment_pages;
  po.foreign_segments = mc.parent.foreign;
  DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<btree::Pager> pager,
                         btree::Pager::Open(fs, fsx::JoinPath(dir, kDataDir), po));
  s->pager = std::move(pager);
  // Also read-only: the pager reads ahead and maps only below the next id (the pages written and
  // checkpointed), so a store without it read every page with a call of its own.
  DOSQL_RETURN_IF_ERROR(s->pager->SetNextPermanentId(cp.next_page_id));
  s->next_tree_id = cp.next_tree_id;
  s->next_txn_id = cp.max_txn_id + 1;
  s->hlc.Observe(HlcTimestamp{cp.hlc});
  s->commit_clock.Observe(cp.commit_time_us);

  // The WAL must continue right after the checkpoint (a branch starts with an empty log).
  if (!options.read_only) {
    wal::WalOptions wo;
    wo.segment_bytes = options.wal_segment_bytes;
    wo.sync_mode = options.sync_mode;
    wo.truncate_corrupt_tail = options.truncate_corrupt_wal_tail;
    wo.initial_lsn = cp.lsn + 1;
    wo.initial_chain = cp.chain;
    DOSQL_ASSIGN_OR_RETURN(s->wal, wal::WalWriter::Open(fs, s->wal_dir, wo));
    const wal::WalState& ws = s->wal->recovered();
    if (ws.last_lsn != wal::kInvalidLsn && ws.last_lsn < cp.lsn) {
      return Status::Corruption("WAL of " + dir + " ends at LSN " + std::to_string(ws.last_lsn) +
                                " but the last checkpoint is at LSN " + std::to_string(cp.lsn));
    }
    if (ws.first_lsn != wal::kInvalidLsn && ws.first_lsn > cp.lsn + 1) {
      return Status::Corruption("WAL of " + dir + " starts at LSN " +
                                std::to_string(ws.first_lsn) + " but recovery needs LSN " +
                                std::to_string(cp.lsn + 1) + " (segments are missing)");
    }
    s->next_txn_id = std::max(s->next_txn_id, ws.max_txn_id + 1);
  }

  // Recovery: the checkpoint's root set plus every committed transaction after it.
  Mutator m(s->pager.get(), cp.root_map, s->next_owner.fetch_add(1));
  Lsn last = cp.lsn;
  int64_t last_time = cp.commit_time_us;
  uint64_t txns = 0;
  UnresolvedPrepared up;
  DOSQL_RETURN_IF_ERROR(s->Replay(m, cp.lsn + 1, UINT64_MAX, true, &last, &last_time, &txns, &up));
  if (up.present) {
    // A prepared transaction of an atomic commit across stores, never resolved: the decision
    // file decides (docs/formats/atomic_commit.md), and the outcome is logged.
    DOSQL_ASSIGN_OR_RETURN(bool commit, fs->Exists(up.decision_path));
    if (commit) {
      for (const wal::Record& c : up.records) DOSQL_RETURN_IF_ERROR(s->ApplyRecord(m, c, true));
      s->next_txn_id = std::max(s->next_txn_id, up.txn_id + 1);
      txns++;
      if (s->wal) {
        int64_t time = s->commit_clock.Next();
        DOSQL_ASSIGN_OR_RETURN(Lsn lsn,
                               s->wal->AppendTransaction(up.txn_id, {}, time, s->hlc.Now().raw));
        DOSQL_RETURN_IF_ERROR(s->wal->WaitDurable(lsn));
        last = lsn;
        last_time = time;
      } else {
        last = up.marker_lsn;  // read-only: the commit exists only in memory
      }
    } else if (s->wal) {
      wal::Record abort;
      abort.type = wal::RecordType::kMeta;
      abort.txn_id = up.txn_id;
      abort.key.assign(kAbortKey);
      abort.has_after = true;
      abort.after = EncodeMarker(up.gtid, "");
      DOSQL_ASSIGN_OR_RETURN(Lsn lsn, s->wal->AppendRecord(abort));
      DOSQL_RETURN_IF_ERROR(s->wal->WaitDurable(lsn));
    }
  }
  DOSQL_ASSIGN_OR_RETURN(btree::PageId root_map, m.Flush());
  for (btree::PageId id : m.ctx().replaced) {
    if (btree::IsTransient(id)) s->pager->FreeTransient(id);  // no version ever saw them
  }
  s->recovered_txns = txns;
  VersionRef v = s->MakeVersion(root_map, last, last_time);
  s->latest = v;
  s->Publish(v);
  if (txns > 0 && !options.read_only) {
    // Replayed pages live only in memory; a checkpoint now bounds the next recovery.
    DOSQL_RETURN_IF_ERROR(s->CheckpointLocked(false));
  }
  return std::unique_ptr<Store>(new Store(std::move(s)));
}

Result<std::unique_ptr<ReadTransaction>> Store::BeginReadAtLsn(Lsn lsn) {
  Impl& s = *impl_;
  if (!s.options.log_changes) {
    return Status::NotSupported("time travel needs a logged store (" + s.dir + " is not)");
  }
  VersionRef cur = s.Durable();
  if (lsn > cur->lsn) {
    return Status::OutOfRange("LSN " + std::to_string(lsn) + " is after the newest commit (LSN " +
                              std::to_string(cur->lsn) + ")");
  }
  if (lsn == cur->lsn) return BeginRead();
  CheckpointEntry base;
  bool found = false;
  {
    std::lock_guard<std::mutex> l(s.manifest_mu);
    for (const CheckpointEntry& e : s.manifest->contents().checkpoints) {
      if (e.lsn <= lsn) {
        base = e;
        found = true;
      }
    }
  }
  if (!found) {
    return Status::OutOfRange("LSN " + std::to_string(lsn) +
                              " is before the retention window of " + s.dir);
  }
  Mutator m(s.pager.get(), base.root_map, s.next_owner.fetch_add(1));
  Lsn last = base.lsn;
  int64_t last_time = base.commit_time_us;
  uint64_t txns = 0;
  if (lsn > base.lsn) {
    Result<std::unique_ptr<wal::WalReader>> probe = wal::WalReader::Open(s.fs, s.wal_dir, base.lsn + 1);
    if (!probe.ok()) {
      if (probe.status().code() == StatusCode::kOutOfRange) {
        return Status::OutOfRange("LSN " + std::to_string(lsn) +
                                  " is before the retention window of " + s.dir);
      }
      return probe.status();
    }
    Status st = s.Replay(m, base.lsn + 1, lsn, false, &last, &last_time, &txns);
    if (!st.ok()) {
      for (btree::PageId id : m.ctx().created) s.pager->FreeTransient(id);
      return st;
    }
  }
  Result<btree::PageId> root = m.Flush();
  auto v = std::make_shared<Version>();
  v->pager = s.pager;
  v->private_pages = std::move(m.ctx().created);
  v->registry = s.registry;  // seq 0: segments are not removed while a snapshot built by replay lives
  s.registry->Add(0);
  if (!root.ok()) return root.status();
  v->root_map = *root;
  v->lsn = last;
  v->commit_time_us = last_time;
  auto impl = std::make_unique<ReadTransaction::Impl>();
  impl->version = std::move(v);
  return std::make_unique<ReadTransaction>(std::move(impl));
}

Result<std::unique_ptr<ReadTransaction>> Store::BeginReadAtTime(int64_t time_us) {
  Impl& s = *impl_;
  if (!s.options.log_changes) {
    return Status::NotSupported("time travel needs a logged store (" + s.dir + " is not)");
  }
  if (time_us > WallMicros()) {
    return Status::OutOfRange("time " + std::to_string(time_us) + " is in the future");
  }
  VersionRef cur = s.Durable();
  if (time_us >= cur->commit_time_us) return BeginRead();
  if (!s.wal) return Status::NotSupported("time travel needs a writable store");
  Result<Lsn> lsn = s.wal->FindCommitAtOrBefore(time_us);
  if (lsn.ok()) return BeginReadAtLsn(*lsn);
  if (lsn.status().code() != StatusCode::kOutOfRange) return lsn.status();
  // Before every commit still in the WAL: a retained checkpoint may still describe that time.
  std::optional<Lsn> at;
  {
    std::lock_guard<std::mutex> l(s.manifest_mu);
    for (const CheckpointEntry& e : s.manifest->contents().checkpoints) {
      // The checkpoint of a new store (LSN 0) describes it from its creation on.
      int64_t from = e.lsn == 0 ? e.written_at_us : e.commit_time_us;
      if (from <= time_us) at = e.lsn;
    }
  }
  if (!at) {
    return Status::OutOfRange("time " + std::to_string(time_us) +
                              " is before the retention window of " + s.dir);
  }
  return BeginReadAtLsn(*at);
}

Status Store::Fork(const std::string& branch_dir) {
  Impl& s = *impl_;
  DOSQL_RETURN_IF_ERROR(s.CheckWritable());
  if (!s.options.log_changes) {
    return Status::NotSupported("fork needs a logged store (" + s.dir + " is not)");
  }
  DOSQL_ASSIGN_OR_RETURN(bool exists, s.fs->Exists(branch_dir));
  if (exists) return Status::AlreadyExists("branch directory " + branch_dir + " already exists");
  if (!s.writer.Acquire(s.options.busy_timeout)) {
    return Status::Busy("fork of " + s.dir + " timed out waiting for the writer");
  }
  struct Unlock {
    WriterSlot& w;
    ~Unlock() { w.Release(); }
  } unlock{s.writer};
  DOSQL_RETURN_IF_ERROR(s.CheckpointLocked(true));
  // Segments written so far become immutable and shared; both stores write new ones.
  s.pager->SealCurrentSegment();
  std::lock_guard<std::mutex> ml(s.manifest_mu);
  const ManifestContents& mc = s.manifest->contents();
  uint64_t shared_end = (s.pager->next_permanent_id() - 1) / mc.segment_pages;
  ManifestContents child;
  child.page_size = mc.page_size;
  child.segment_pages = mc.segment_pages;
  child.parent.present = true;
  child.parent.parent_dir = s.dir;
  child.parent.own_first_segment = shared_end;
  child.parent.foreign = mc.parent.foreign;
  uint64_t own_first = mc.parent.present ? mc.parent.own_first_segment : 0;
  if (shared_end > own_first) {
    child.parent.foreign.push_back(
        btree::SegmentSource{own_first, shared_end, fsx::JoinPath(s.dir, kDataDir)});
  }
  CheckpointEntry cp = mc.checkpoints.back();
  cp.next_page_id = shared_end * mc.segment_pages + 1;
  cp.written_at_us = WallMicros();
  child.checkpoints.push_back(cp);
  const bool sync = s.syncing();
  DOSQL_RETURN_IF_ERROR(s.fs->CreateDir(branch_dir));
  DOSQL_RETURN_IF_ERROR(s.fs->CreateDir(fsx::JoinPath(branch_dir, kDataDir)));
  DOSQL_RETURN_IF_ERROR(s.fs->CreateDir(fsx::JoinPath(branch_dir, kWalDir)));
  DOSQL_RETURN_IF_ERROR(Manifest::Create(s.fs, branch_dir, child, sync).status());
  if (sync) {
    DOSQL_RETURN_IF_ERROR(s.fs->SyncDir(branch_dir));
    DOSQL_RETURN_IF_ERROR(s.fs->SyncDir(fsx::ParentDir(branch_dir)));
  }
  return s.manifest->AppendChild(ChildLink{branch_dir, shared_end}, sync);
}

Status Store::CheckIntegrity() {
  VersionRef v = impl_->Durable();
  btree::Pager& p = *impl_->pager;
  auto rm = btree::CheckTree(p, v->root_map);
  if (!rm.ok()) return rm.status().WithContext("root map");
  DOSQL_ASSIGN_OR_RETURN(std::vector<TreeInfo> trees, ListTreesIn(p, v->root_map));
  for (const TreeInfo& t : trees) {
    auto r = btree::CheckTree(p, t.root);
    if (!r.ok()) return r.status().WithContext("tree " + std::to_string(t.id));
  }
  return Status::OK();
}

}  // namespace dosql::transaction
