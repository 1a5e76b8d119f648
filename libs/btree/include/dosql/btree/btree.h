// dosql::btree — copy-on-write B+tree over the Pager.
//
// A tree maps byte-string keys to byte-string values in memcmp order of the keys. Rowid tables use
// 8-byte keys from dosql::RowidKey (so they sort as integers); indexes and WITHOUT ROWID tables use
// dosql::EncodeKey keys. A tree is named by its root PageId; every modification returns a new
// root (path copying), so an old root stays a consistent snapshot for as long as its pages live.
//
// Copy-on-write rule: a page may be changed in place only when page->owner() equals the
// WriteContext's owner tag; any other page is copied first (once per tag), and the id of the page
// it replaces is appended to WriteContext::replaced so the caller can free it when no snapshot
// needs it. Values larger than a page-size-dependent threshold go to overflow page chains; values
// up to kMaxValueSize are supported. Keys are limited to MaxKeySize(page_size) bytes.
//
// Deletes rebalance (borrow from or merge with a sibling, collapse the root), so a tree that
// shrinks uses fewer pages. CheckTree verifies everything a tree promises.
//
// Threads: read functions (Get, Cursor) may run on many threads at once over committed roots.
// Write functions on one WriteContext are for one thread at a time. See pager.h for page lifetime.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/btree/pager.h"
#include "dosql/core/coding.h"
#include "dosql/core/status.h"

namespace dosql::btree {

inline constexpr uint64_t kMaxValueSize = 1ull << 30;  // 1 GiB
size_t MaxKeySize(uint32_t page_size);

// The state of one writer: which pages it may change in place, and what it allocated/replaced.
struct WriteContext {
  Pager* pager = nullptr;
  uint64_t owner = 0;                // tag stamped on pages this context creates (never 0)
  std::vector<PageId> created;       // transient pages created by this context, in order
  std::vector<PageId> replaced;      // pages (of any kind) this context copied or dropped
  uint64_t pages_made = 0;           // pages created so far (a count that only grows)
};

// Creates an empty tree (one empty leaf) and returns its root.
Result<PageId> CreateTree(WriteContext& ctx);

// A remembered leaf of one tree, so that the next Get, Put or Delete of a key that belongs to the
// same leaf skips the descent from the root (a row read and then rewritten, the next row of an
// update in key order, appends at the end of a table). Owned by whoever holds the tree's root: a
// write transaction keeps one per tree. It is right only while every change to the tree goes
// through calls given this same hint (each keeps it right or clears it); Clear it when the tree
// changes any other way (dropped, restored to a savepoint). A stale hint is never trusted blindly:
// the leaf must still be a leaf of that root whose keys enclose the key, else the call descends.
// A hint is updated by the calls given it: one thread at a time. It holds the leaf page itself
// (`page`: the one its descent reached, else loaded on first use) so that a hinted call skips the
// page cache; a page freed since (Page::freed) is looked up again, and fails the checks above.
struct LeafHint {
  PageId root = kInvalidPageId;  // the root the leaf was reached from
  PageId leaf = kInvalidPageId;  // kInvalidPageId: no hint
  bool leftmost = false;         // the leaf is the first of the tree (no key sorts before it)
  bool rightmost = false;        // the leaf is the last of the tree
  PageRef page;                  // the page `leaf` when loaded (a cache: may be older or null)
  // The root page the last descent loaded (a cache, kept by Clear: a descent uses it while its id
  // is the root's and it was not freed, instead of a trip through the page cache).
  PageRef root_page;
  // Where in the leaf the next access's key may be or go (the slot after the last write's, for
  // writes in key order; where the last read's key was or would go): tried, and checked against
  // the keys at and before it, before the leaf's search. kNoSlot: no guess.
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  uint32_t slot = kNoSlot;
  void Clear() {
    leaf = kInvalidPageId;
    slot = kNoSlot;
    page.reset();
  }
};

// Point lookup. Returns std::nullopt when the key is absent. `hint` (may be null): see LeafHint.
Result<std::optional<std::string>> Get(Pager& pager, PageId root, std::string_view key,
                                       LeafHint* hint = nullptr);
// Get into the caller's buffer (its storage reused: a point read allocates nothing once the
// buffer has grown): *found false, *value untouched, when the key is absent.
Status GetInto(Pager& pager, PageId root, std::string_view key, LeafHint* hint, std::string* value,
               bool* found);

// The keys next to where `key` sorts (a unique index's check: an entry with the same prefix, if
// any, is next to where the new entry goes). `hint` as for Get. With `prefix`, a neighbour is
// reported only when it begins with the first `prefix` bytes of `key` (the others are not copied).
struct NeighborKeys {
  bool found = false;                // `key` itself is stored
  std::optional<std::string> below;  // the greatest key less than `key`
  std::optional<std::string> above;  // the least key greater than `key`
};
Result<NeighborKeys> Neighbors(Pager& pager, PageId root, std::string_view key,
                               LeafHint* hint = nullptr, size_t prefix = 0);

struct PutResult {
  PageId root = kInvalidPageId;
  bool existed = false;  // the key had a value, which `old_value` received if non-null
};
// Inserts or replaces. `old_value` (may be null) receives the previous value. With a hint whose
// leaf holds the key's place, is owned by ctx and has room, the leaf is changed in place without
// a descent (the result is the same as with the descent).
Result<PutResult> Put(WriteContext& ctx, PageId root, std::string_view key, std::string_view value,
                      std::string* old_value = nullptr, LeafHint* hint = nullptr);

struct DeleteResult {
  PageId root = kInvalidPageId;
  bool existed = false;
};
// Removes a key. `hint` as for Put (the leaf must also stay at least a third full).
Result<DeleteResult> Delete(WriteContext& ctx, PageId root, std::string_view key,
                            std::string* old_value = nullptr, LeafHint* hint = nullptr);

// Marks every page of the tree replaced (the caller frees them when no snapshot needs them).
Status DropTree(WriteContext& ctx, PageId root);

// Builds a new tree from entries given in strictly increasing key order, writing each page once
// (a bulk load: CREATE INDEX's sorted entries). Leaves are filled as sequential Puts fill them;
// the levels above are made at Finish. The result is the tree Puts of the same entries would
// make, up to the placement of the entries among pages. Pages come from ctx as for Put; a builder
// abandoned before Finish leaves its pages in ctx.created. One thread at a time.
class TreeBuilder {
 public:
  explicit TreeBuilder(WriteContext& ctx);
  ~TreeBuilder();
  TreeBuilder(const TreeBuilder&) = delete;
  TreeBuilder& operator=(const TreeBuilder&) = delete;
  // InvalidArgument when the key does not sort after the previous one or is too long, or the
  // value is too large.
  Status Add(std::string_view key, std::string_view value);
  // The new tree's root (an empty leaf when nothing was added). The builder is spent.
  Result<PageId> Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes every transient page reachable from `root` to permanent storage, children before
// parents (rewriting child and overflow references), and returns the permanent root. The
// transient pages are appended to ctx.replaced. Permanent subtrees are left as they are.
Result<PageId> PersistTree(WriteContext& ctx, PageId root);

// Like PersistTree, and also rewrites every permanent page for which `move` returns true (with
// the path above it) to new permanent pages: compaction uses it to empty sparse segments. Reads
// the whole tree. Replaced pages are appended to ctx.replaced.
using MovePredicate = std::function<bool(PageId)>;
Result<PageId> RelocateTree(WriteContext& ctx, PageId root, const MovePredicate& move);

// Calls fn for every page id reachable from root (interior, leaf and overflow pages).
Status ForEachPage(Pager& pager, PageId root, const std::function<Status(PageId)>& fn);

struct TreeStats {
  uint64_t entries = 0;
  uint32_t depth = 0;
  uint64_t leaf_pages = 0;
  uint64_t interior_pages = 0;
  uint64_t overflow_pages = 0;
  uint64_t bytes_used = 0;   // cell bytes across all pages
};
// Full structural check: checksums (via Pager::Get), page types, key order within and across
// pages, separator bounds, uniform leaf depth, cell bounds, overflow chain lengths and value sizes.
// Returns Corruption describing the first problem.
Result<TreeStats> CheckTree(Pager& pager, PageId root);

// The entries after a cursor's in the leaf it stands on, read in place (Cursor::LeafAhead): a scan
// that tests many entries per step reads them here, without a call per entry, then moves the
// cursor to the one it keeps (Cursor::MoveInLeaf). Valid until the cursor moves. The cells are
// parsed with the checks Cursor::NextInLeaf makes (docs/formats/btree_page.md, "Leaf cell").
struct LeafEntries {
  const uint8_t* page = nullptr;
  uint32_t page_size = 0;
  uint32_t content = 0;  // the content area's start (every cell lies in [content, page_size))
  uint32_t next = 0;     // the entries after the cursor's: slots [next, end)
  uint32_t end = 0;

  // Entry i (next <= i < end): true with its key and inline value; false when its value
  // overflows or its cell does not parse (the cursor's Next() takes that step, and reports it).
  [[gnu::always_inline]] bool Entry(uint32_t i, std::string_view* key,
                                    std::string_view* value) const {
    const uint32_t off = DecodeFixed16(page + 32 + 2 * i);
    if (off < content || off >= page_size) return false;
    const uint8_t* q = page + off;
    const uint8_t* limit = page + page_size;
    uint64_t key_len, value_word;
    if (limit - q >= 3 && q[0] < 0x80 && q[1] < 0x80) {  // (short values)
      key_len = q[0];
      value_word = q[1];
      q += 2;
    } else if (limit - q >= 3 && q[0] < 0x80 && q[2] < 0x80) {  // (values up to 8 KiB)
      key_len = q[0];
      value_word = (q[1] & 0x7fu) | uint64_t{q[2]} << 7;
      q += 3;
    } else {
      q = DecodeVarint64(q, limit, &key_len);
      if (q == nullptr) return false;
      q = DecodeVarint64(q, limit, &value_word);
      if (q == nullptr) return false;
    }
    if ((value_word & 1) != 0) return false;  // overflows
    const uint64_t value_len = value_word >> 1;
    if (key_len > static_cast<uint64_t>(limit - q) ||
        value_len > static_cast<uint64_t>(limit - q) - key_len) {
      return false;
    }
    *key = std::string_view(reinterpret_cast<const char*>(q), key_len);
    *value = std::string_view(reinterpret_cast<const char*>(q + key_len), value_len);
    return true;
  }
};

// A position in a tree. Holds references to the pages on its path, so the snapshot it reads stays
// valid while the cursor lives. Not thread-safe; use one cursor per thread.
class Cursor {
 public:
  Cursor(Pager* pager, PageId root);
  ~Cursor();
  Cursor(Cursor&&) noexcept;
  Cursor& operator=(Cursor&&) noexcept;

  Status SeekFirst();
  Status SeekLast();
  // First entry with key >= target.
  Status Seek(std::string_view target);
  // The same, starting from the leaf the cursor is on when target lies between its first and
  // last key (the entry after the current one is tried before a search: lookups of consecutive
  // keys), or from that leaf's parent when target lies between two of its separators (no
  // descent from the root: lookups of nearby keys); otherwise, and for a cursor positioned
  // nowhere, from the root. Only for a cursor whose tree has not changed since it was
  // positioned (Reset one that may be stale).
  Status SeekNear(std::string_view target);
  // Forgets the position and reads the tree rooted at `root` (of the same pager) from now on.
  void Reset(PageId root);
  PageId root() const;
  // The leaf page the cursor stands on; null when it is not Valid(). leaf_slot: the entry's
  // slot in it (LeafHint::slot).
  PageRef leaf_page() const;
  uint32_t leaf_slot() const;
  // Last entry with key <= target.
  Status SeekForPrev(std::string_view target);
  Status Next();
  Status Prev();
  // Next() when the next entry is in the same leaf and its value is stored inline (a scan's
  // common step, without a Status): true with *key and *value viewing it (valid until the
  // cursor moves). False, the cursor unchanged, when the entry is on another leaf, overflows or
  // does not parse, or the cursor is not positioned: Next() then takes the step (and reports
  // a corrupt cell).
  bool NextInLeaf(std::string_view* key, std::string_view* value);
  // The entries after the current one in its leaf (*out); false when the cursor is not positioned.
  bool LeafAhead(LeafEntries* out) const;
  // Moves to entry i of the leaf (LeafAhead's next <= i < end, an entry its Entry() read), as
  // i - leaf_slot() NextInLeaf calls would.
  void MoveInLeaf(uint32_t i);
  // Moves past the rest of the leaf the cursor stands on to the first entry of the next
  // non-empty leaf (not Valid() at the end of the tree); *skipped: the entries passed over, the
  // current one included. Counts a tree's entries leaf by leaf without reading them.
  Status SkipLeaf(uint64_t* skipped);

  bool Valid() const;
  std::string_view key() const;  // valid until the cursor moves
  // The value; for an overflowed value it is assembled in *scratch and the view points there.
  Result<std::string_view> value(std::string* scratch) const;
  // Size of the value without reading overflow pages.
  uint64_t value_size() const;
  // An estimate of the tree's entries from the path the cursor stands on: the product of the
  // child counts of the interior pages on it times the entries of its leaf (exact for a tree of
  // one page). 0 when the cursor is not positioned. Reads no page.
  uint64_t EstimatedEntries() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosql::btree
