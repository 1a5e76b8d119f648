// Internal state shared by Store, ReadTransaction and WriteTransaction.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "dosql/btree/btree.h"
#include "dosql/btree/pager.h"
#include "dosql/core/hlc.h"
#include "dosql/transaction/store.h"
#include "dosql/wal/wal.h"
#include "manifest.h"

namespace dosql::transaction {

// The sequence numbers of the versions still alive (readers, time-travel snapshots), so that
// compaction knows when no one can reach a segment any more. Shared with the versions, which may
// outlive the store.
struct VersionRegistry {
  std::mutex mu;
  std::multiset<uint64_t> seqs;
  void Add(uint64_t seq) {
    std::lock_guard<std::mutex> l(mu);
    seqs.insert(seq);
  }
  void Remove(uint64_t seq) {
    std::lock_guard<std::mutex> l(mu);
    auto it = seqs.find(seq);
    if (it != seqs.end()) seqs.erase(it);
  }
  uint64_t Min() {
    std::lock_guard<std::mutex> l(mu);
    return seqs.empty() ? UINT64_MAX : *seqs.begin();
  }
  size_t Count() {
    std::lock_guard<std::mutex> l(mu);
    return seqs.size();
  }
};

// One committed state of the whole store. Versions form a chain from older to newer: an older
// version keeps every newer one alive, so when a version dies every older one is gone too, and
// the pages the next version replaced (`garbage`) can no longer be reached by any reader.
struct Version {
  uint64_t seq = 0;
  btree::PageId root_map = btree::kInvalidPageId;
  Lsn lsn = 0;
  int64_t commit_time_us = 0;
  std::shared_ptr<btree::Pager> pager;
  std::shared_ptr<Version> next;         // set once, when a newer version is created
  std::vector<btree::PageId> garbage;    // pages the next version no longer uses
  std::vector<btree::PageId> private_pages;  // for snapshots built by replay: all their pages
  std::shared_ptr<VersionRegistry> registry;  // may outlive the store
  // Tree roots looked up in this version so far, for the next reader of it (a statement that
  // runs again on an unchanged store then finds its trees without reading the root map).
  static constexpr size_t kCachedRoots = 64;
  mutable std::mutex roots_mu;
  mutable std::vector<std::pair<TreeId, TreeInfo>> roots;

  ~Version();
};
using VersionRef = std::shared_ptr<Version>;

// The tree-level edits of a writer, without logging: used by WriteTransaction and by WAL replay
// (recovery and time-travel snapshots).
class Mutator {
 public:
  Mutator(btree::Pager* pager, btree::PageId root_map, uint64_t owner);

  Status CreateTree(TreeId id, TreeKind kind);
  Status DropTree(TreeId id);
  Status Put(TreeId id, std::string_view key, std::string_view value, std::string* old_value,
             bool* existed);
  Status Delete(TreeId id, std::string_view key, std::string* old_value, bool* existed);
  // WriteTransaction::Fill, unlogged.
  Status Fill(TreeId id, const EntrySource& next);
  Result<std::optional<std::string>> Get(TreeId id, std::string_view key) const;
  Status GetInto(TreeId id, std::string_view key, std::string* value, bool* found) const;
  Result<btree::NeighborKeys> Neighbors(TreeId id, std::string_view key, size_t prefix) const;
  // WriteTransaction::LastKey.
  Result<std::optional<std::string>> LastKey(TreeId id) const;
  // WriteTransaction::TreeShape and SuggestLeaf.
  uint64_t Shape(TreeId id) const;
  void SuggestLeaf(TreeId id, uint64_t shape, btree::PageId root, const btree::PageRef& leaf,
                   uint32_t slot);
  Result<TreeInfo> GetTree(TreeId id) const;
  Result<std::vector<TreeInfo>> ListTrees() const;
  // Writes every changed tree root into the root map and returns the root map's root.
  Result<btree::PageId> Flush();

  btree::WriteContext& ctx() { return ctx_; }
  bool changed() const { return changed_; }
  void NewOwner(uint64_t owner) {
    ctx_.owner = owner;
    sealed_at_ = ctx_.pages_made;
  }
  // No page was created since the last NewOwner (or since the start): every page is one that a
  // write copies.
  bool Sealed() const { return ctx_.pages_made == sealed_at_; }

  struct TreeState {
    TreeKind kind = TreeKind::kRowid;
    btree::PageId root = btree::kInvalidPageId;
    bool dirty = false;
    bool dropped = false;
    // Where the last Get, Put or Delete of the tree went: every change to the tree goes through
    // Put and Delete here, which keep it right; DropTree and Restore clear it.
    btree::LeafHint hint;
    // Grows with every Put or Delete that creates or drops a page of the tree (a split, a merge,
    // a copy on write): a leaf read before it changed may no longer be in the tree.
    uint64_t shape = 0;
    // The tree's largest key, once a LastKey or a CreateTree found it: Put and Delete keep it
    // right (a Put beyond it moves it, a Delete of it forgets it); Save/Restore carry it.
    enum class Last : uint8_t { kUnknown, kEmpty, kKey };
    Last last = Last::kUnknown;
    std::string last_key;
  };
  struct Saved {
    btree::PageId root_map;
    std::unordered_map<TreeId, TreeState> trees;
    size_t created;
    size_t replaced;
    bool changed;
  };
  Saved Save() const;
  // Restores a saved state; returns the transient pages created since (for freeing).
  std::vector<btree::PageId> Restore(const Saved& s);

 private:
  Result<TreeState*> Load(TreeId id) const;

  btree::Pager* pager_;
  btree::PageId root_map_;
  btree::WriteContext ctx_;
  uint64_t sealed_at_ = 0;  // ctx_.pages_made at the last NewOwner (see Sealed)
  mutable std::unordered_map<TreeId, TreeState> trees_;
  // The trees Load found last (a row's writes go to its table and its indexes, in turn).
  mutable std::array<std::pair<TreeId, TreeState*>, 4> recent_{};
  mutable size_t recent_next_ = 0;
  bool changed_ = false;
};

std::string EncodeTreeEntry(TreeKind kind, btree::PageId root);
Status DecodeTreeEntry(std::string_view v, TreeKind* kind, btree::PageId* root);

// Looks a tree up in a committed root map.
Result<TreeInfo> LookupTree(btree::Pager& pager, btree::PageId root_map, TreeId id);
Result<std::vector<TreeInfo>> ListTreesIn(btree::Pager& pager, btree::PageId root_map);

}  // namespace dosql::transaction
