// dosql::btree — the copy-on-write B+tree: lookups, inserts, deletes with rebalancing.
//
// Writes descend recursively from the root. Each level returns a NodeResult to its parent: the
// node's (possibly new) page id, and whether it split (left id, separator, right id) or fell under
// a third full. A parent is copied (once per write context) only when a child's id changed, it
// split, or it needs rebalancing, so a transaction that already owns a path modifies it in place.
// Page layout: docs/formats/btree_page.md and page_format.h.

#include "dosql/btree/btree.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "btree_internal.h"
#include "dosql/core/coding.h"
#include "page_format.h"

namespace dosql::btree {
namespace internal {

// ----- shared helpers (declared in btree_internal.h) -----

std::string PageName(PageId id) {
  if (IsTransient(id)) return "transient " + std::to_string(id & ~kTransientBit);
  return std::to_string(id);
}

Status PageCorruption(PageId id, std::string_view problem) {
  std::string m = "btree page ";
  m += PageName(id);
  m += ": ";
  m += problem;
  return Status::Corruption(std::move(m));
}

Status CheckReference(PageId from, PageId to) {
  if (from != kInvalidPageId && !IsTransient(from) && IsTransient(to)) {
    return PageCorruption(from, "permanent page references transient page " + PageName(to));
  }
  return Status::OK();
}

Status LoadNode(Pager& pager, PageId from, PageId id, int expected_level, PageRef* page,
                NodeHeader* h, ScanRun* scan_run) {
  DOSQL_RETURN_IF_ERROR(CheckReference(from, id));
  Result<PageRef> r = scan_run != nullptr ? pager.GetScanning(id, scan_run) : pager.Get(id);
  if (!r.ok()) return r.status();
  *page = std::move(r).value();
  return ReadNode(pager, id, expected_level, **page, h);
}

Status ReadNode(Pager& pager, PageId id, int expected_level, const Page& pg, NodeHeader* h) {
  if (pg.size() != pager.page_size()) return PageCorruption(id, "unexpected page size");
  const char* problem = ReadNodeHeader(pg.data(), pg.size(), h);
  if (problem != nullptr) {
    if (pg.data()[kPageTypeOffset] == kOverflowPage) {
      return PageCorruption(id, "overflow page where a tree node was expected");
    }
    return PageCorruption(id, problem);
  }
  if (expected_level >= 0 && h->level != expected_level) {
    return PageCorruption(id, "level " + std::to_string(h->level) + " where level " +
                                  std::to_string(expected_level) + " was expected");
  }
  return Status::OK();
}

Status VisitOverflowChain(Pager& pager, PageId from, PageId first, uint64_t value_len,
                          const std::function<Status(const PageRef&)>& fn) {
  const uint32_t cap = OverflowCapacity(pager.page_size());
  if (value_len == 0 || value_len > kMaxValueSize) {
    return PageCorruption(first,
                          "overflow value length " + std::to_string(value_len) + " out of range");
  }
  PageId id = first;
  uint64_t remaining = value_len;
  while (remaining > 0) {
    if (id == kInvalidPageId) {
      return PageCorruption(first,
                            "overflow chain ends " + std::to_string(remaining) + " bytes early");
    }
    DOSQL_RETURN_IF_ERROR(CheckReference(from, id));
    Result<PageRef> r = pager.Get(id);
    if (!r.ok()) return r.status();
    const PageRef& page = r.value();
    const uint8_t* p = page->data();
    if (page->size() != pager.page_size()) return PageCorruption(id, "unexpected page size");
    if (p[kPageTypeOffset] != kOverflowPage) {
      return PageCorruption(
          id, "page type " + std::to_string(p[kPageTypeOffset]) + " in an overflow chain");
    }
    const uint32_t used = DecodeFixed32(p + kOverflowUsedOffset);
    const uint64_t expect = std::min<uint64_t>(cap, remaining);
    if (used != expect) {
      return PageCorruption(id, "overflow page holds " + std::to_string(used) +
                                    " bytes where the chain needs " + std::to_string(expect));
    }
    const PageId next = DecodeFixed64(p + kOverflowNextOffset);
    DOSQL_RETURN_IF_ERROR(fn(page));
    remaining -= used;
    if (remaining == 0 && next != kInvalidPageId) {
      return PageCorruption(id, "overflow chain is longer than its value");
    }
    from = id;
    id = next;
  }
  return Status::OK();
}

Status ReadOverflowChain(Pager& pager, PageId from, PageId first, uint64_t value_len,
                         std::string* out) {
  if (value_len <= kMaxValueSize) out->reserve(out->size() + value_len);
  return VisitOverflowChain(pager, from, first, value_len, [out](const PageRef& page) {
    const uint8_t* p = page->data();
    out->append(reinterpret_cast<const char*>(p + kOverflowHeaderSize),
                DecodeFixed32(p + kOverflowUsedOffset));
    return Status::OK();
  });
}

Status AppendLeafValue(Pager& pager, PageId leaf, const LeafCell& cell, std::string* out) {
  if (cell.overflow) {
    return ReadOverflowChain(pager, leaf, cell.first_overflow, cell.value_len, out);
  }
  out->append(reinterpret_cast<const char*>(cell.value), cell.value_len);
  return Status::OK();
}

namespace {

// ----- writing -----

// What a level of a write returns to its parent.
struct NodeResult {
  PageId id = kInvalidPageId;  // the node (the left half when split)
  uint8_t level = 0;
  bool split = false;
  bool underfull = false;
  PageId right = kInvalidPageId;  // the right half when split
  // The first key bound of the right half when split (behind a pointer: a result moves up every
  // level of every write, and a split is rare).
  std::unique_ptr<std::string> sep;
};

// A cell copied out of a page (or built), used when a node is rebuilt.
struct Item {
  const uint8_t* data;
  uint32_t size;
};

class Writer {
 public:
  explicit Writer(WriteContext& ctx) : ctx_(ctx), pager_(*ctx.pager), ps_(ctx.pager->page_size()) {}

  Pager& pager() { return pager_; }
  WriteContext& ctx() { return ctx_; }
  uint32_t page_size() const { return ps_; }

  // A new page of this transaction: zeroed, or a copy of `copy_of`'s bytes (Writable).
  PageRef NewPage(const uint8_t* copy_of = nullptr) {
    PageRef page = pager_.NewTransient(ctx_.owner, copy_of);
    ctx_.created.push_back(page->id());
    ctx_.pages_made++;
    EncodeFixed64(page->data() + kPageIdOffset, page->id());
    return page;
  }

  // The page itself when this context owns it, else a copy that replaces it.
  PageRef Writable(const PageRef& page) {
    if (page->owner() == ctx_.owner) return page;
    PageRef copy = NewPage(page->data());  // (with its own id)
    ctx_.replaced.push_back(page->id());
    return copy;
  }

  // Lists every page of an overflow chain as replaced.
  Status ReleaseChain(PageId leaf, PageId first, uint64_t value_len) {
    return VisitOverflowChain(pager_, leaf, first, value_len, [this](const PageRef& page) {
      ctx_.replaced.push_back(page->id());
      return Status::OK();
    });
  }

  // Stores a value in a new overflow chain and returns its first page.
  PageId WriteChain(std::string_view value) {
    const uint32_t cap = OverflowCapacity(ps_);
    PageRef first;
    PageRef prev;
    for (size_t off = 0; off < value.size(); off += cap) {
      PageRef page = NewPage();
      uint8_t* p = page->data();
      const uint32_t used = static_cast<uint32_t>(std::min<size_t>(cap, value.size() - off));
      p[kPageTypeOffset] = kOverflowPage;
      EncodeFixed64(p + kOverflowNextOffset, kInvalidPageId);
      EncodeFixed32(p + kOverflowUsedOffset, used);
      std::memcpy(p + kOverflowHeaderSize, value.data() + off, used);
      if (prev) {
        EncodeFixed64(prev->data() + kOverflowNextOffset, page->id());
      } else {
        first = page;
      }
      prev = std::move(page);
    }
    return first->id();
  }

 private:
  WriteContext& ctx_;
  Pager& pager_;
  const uint32_t ps_;
};

// Rewrites the content area so that the free space is one gap. Keeps the slot order.
Status Defragment(Page& page, NodeHeader& h) {
  thread_local std::vector<uint8_t> scratch;
  const uint32_t ps = page.size();
  uint8_t* p = page.data();
  scratch.assign(p, p + ps);
  const uint8_t* s = scratch.data();
  const uint32_t slots_end = SlotPos(h.n);
  uint32_t pos = ps;
  for (uint32_t i = 0; i < h.n; ++i) {
    const uint32_t off = SlotAt(s, i);
    const uint32_t size = ValidCellOffset(h, ps, off) ? CellSizeAt(s, ps, h.type, off) : 0;
    if (size == 0 || size > pos - slots_end) {
      return PageCorruption(page.id(), "bad cell " + std::to_string(i) + " while defragmenting");
    }
    pos -= size;
    std::memcpy(p + pos, s + off, size);
    EncodeFixed16(p + SlotPos(i), static_cast<uint16_t>(pos));
  }
  h.content = pos;
  h.frag = 0;
  StoreNodeHeader(p, h);
  return Status::OK();
}

// Reserves `len` bytes for a new cell at slot idx (defragmenting when needed) and returns where to
// write it, or nullptr when the node lacks room.
Result<uint8_t*> AllocateCell(Page& page, NodeHeader& h, uint32_t idx, uint32_t len) {
  const uint32_t ps = page.size();
  if (FreeBytes(h, ps) < len + kSlotSize) return static_cast<uint8_t*>(nullptr);
  if (h.content - SlotPos(h.n) < len + kSlotSize) {
    DOSQL_RETURN_IF_ERROR(Defragment(page, h));
    if (h.content - SlotPos(h.n) < len + kSlotSize) {
      return PageCorruption(page.id(), "fragmented byte count overstates the free space");
    }
  }
  uint8_t* p = page.data();
  h.content -= len;
  std::memmove(p + SlotPos(idx + 1), p + SlotPos(idx), kSlotSize * (h.n - idx));
  EncodeFixed16(p + SlotPos(idx), static_cast<uint16_t>(h.content));
  h.n++;
  StoreNodeHeader(p, h);
  return p + h.content;
}

// Removes the cell at slot idx (of `size` bytes). A cell inside the content area leaves no hole:
// the cells below it slide up over it (one memmove and a pass over the slots), so the free space
// stays one gap and the next insert into the page need not defragment it. (Without this, a page
// filled by an ordered build and then changed by delete-and-insert pairs — an index under
// UPDATE or REPLACE — was defragmented, every cell copied, on almost every insert.)
void RemoveCell(Page& page, NodeHeader& h, uint32_t idx, uint32_t size) {
  uint8_t* p = page.data();
  const uint32_t off = SlotAt(p, idx);
  std::memmove(p + SlotPos(idx), p + SlotPos(idx + 1), kSlotSize * (h.n - idx - 1));
  h.n--;
  if (h.n == 0) {
    h.content = page.size();
    h.frag = 0;
  } else if (off == h.content) {
    h.content += size;
  } else if (off > h.content && off + size <= page.size()) {
    std::memmove(p + h.content + size, p + h.content, off - h.content);
    uint8_t* slots = p + SlotPos(0);
    const auto below = static_cast<uint16_t>(off), by = static_cast<uint16_t>(size);
    const size_t n = h.n;             // (a local: the byte stores below could alias h)
    for (size_t i = 0; i < n; ++i) {  // branch-free, so that it vectorizes
      uint16_t o;
      std::memcpy(&o, slots + kSlotSize * i, sizeof o);
      o = static_cast<uint16_t>(o + (o < below ? by : 0));
      std::memcpy(slots + kSlotSize * i, &o, sizeof o);
    }
    h.content += size;
  } else {
    h.frag += size;
  }
  StoreNodeHeader(p, h);
}

// Points child i (0..n) of an interior node at id. The slot was validated by the caller's read.
void SetChild(Page& page, const NodeHeader& h, uint32_t i, PageId id) {
  uint8_t* p = page.data();
  EncodeFixed64(p + (i < h.n ? SlotAt(p, i) : kRightChildOffset), id);
}

// Writes a whole node. The items must fit and must not point into `page`.
void WriteNode(Page& page, uint8_t type, uint8_t level, const Item* items, size_t count,
               PageId right) {
  uint8_t* p = page.data();
  const uint32_t ps = page.size();
  uint32_t pos = ps;
  for (size_t i = 0; i < count; ++i) {
    pos -= items[i].size;
    std::memcpy(p + pos, items[i].data, items[i].size);
    EncodeFixed16(p + SlotPos(static_cast<uint32_t>(i)), static_cast<uint16_t>(pos));
  }
  const uint32_t slots_end = SlotPos(static_cast<uint32_t>(count));
  std::memset(p + slots_end, 0, pos - slots_end);
  NodeHeader h;
  h.type = type;
  h.level = level;
  h.n = static_cast<uint32_t>(count);
  h.frag = 0;
  h.content = pos;
  StoreNodeHeader(p, h);
  EncodeFixed64(p + kRightChildOffset, right);
}

// Copies the cells of a node image (in slot order) into *items.
Status CollectItems(PageId id, const uint8_t* image, uint32_t ps, const NodeHeader& h,
                    std::vector<Item>* items) {
  for (uint32_t i = 0; i < h.n; ++i) {
    const uint32_t off = SlotAt(image, i);
    const uint32_t size = ValidCellOffset(h, ps, off) ? CellSizeAt(image, ps, h.type, off) : 0;
    if (size == 0) return PageCorruption(id, "bad cell " + std::to_string(i));
    if (size > MaxLocalCell(ps)) return PageCorruption(id, "oversized cell " + std::to_string(i));
    items->push_back(Item{image + off, size});
  }
  return Status::OK();
}

uint64_t ItemBytes(const Item* items, size_t count) {
  uint64_t total = 0;
  for (size_t i = 0; i < count; ++i) total += items[i].size + kSlotSize;
  return total;
}

std::string_view ItemKey(const Item& item, bool leaf) {
  if (leaf) {
    LeafCell c;
    ParseLeafCell(item.data, item.size, 0, &c);
    return c.key_view();
  }
  InteriorCell c;
  ParseInteriorCell(item.data, item.size, 0, &c);
  return c.key_view();
}

PageId ItemChild(const Item& item) { return DecodeFixed64(item.data); }

// Leaf split point k in [1, count-1] (left = items[0, k)) minimising the larger half.
size_t ChooseLeafSplit(const std::vector<Item>& items) {
  const uint64_t total = ItemBytes(items.data(), items.size());
  uint64_t prefix = 0, best = std::numeric_limits<uint64_t>::max();
  size_t best_k = 1;
  for (size_t k = 1; k < items.size(); ++k) {
    prefix += items[k - 1].size + kSlotSize;
    const uint64_t worst = std::max(prefix, total - prefix);
    if (worst < best) {
      best = worst;
      best_k = k;
    }
  }
  return best_k;
}

// Interior split point k in [1, count-2]: left = items[0, k), items[k] moves up, right = the rest.
size_t ChooseInteriorSplit(const std::vector<Item>& items) {
  const uint64_t total = ItemBytes(items.data(), items.size());
  uint64_t prefix = 0, best = std::numeric_limits<uint64_t>::max();
  size_t best_k = 1;
  for (size_t k = 1; k + 1 < items.size(); ++k) {
    prefix += items[k - 1].size + kSlotSize;
    const uint64_t right = total - prefix - (items[k].size + kSlotSize);
    const uint64_t worst = std::max(prefix, right);
    if (worst < best) {
      best = worst;
      best_k = k;
    }
  }
  return best_k;
}

// The shortest key s with a < s <= b (a < b), when that is worth it; b otherwise. Short keys
// (rowid keys, small index keys) are kept whole so that separators keep their fast compare path.
std::string_view SeparatorBetween(std::string_view a, std::string_view b) {
  if (b.size() <= 16) return b;
  const size_t m = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < m && a[i] == b[i]) ++i;
  return b.substr(0, i + 1);
}

// Splits a node whose cells after a change are `items` (copies, not in `page`) into `page` and a
// new right sibling. `append`: the change added a cell past the last key of the right-most node of
// its level, so the left half keeps all the old cells (sequential inserts fill pages).
Result<NodeResult> SplitNode(Writer& w, const PageRef& page, const NodeHeader& h,
                             const std::vector<Item>& items, PageId right_child, bool append) {
  const uint32_t usable = UsableSpace(w.page_size());
  const bool leaf = h.leaf();
  const size_t count = items.size();
  if (count < (leaf ? 2u : 3u))
    return Status::Internal("btree: split of a node with too few cells");
  size_t k;
  if (leaf) {
    k = append ? count - 1 : ChooseLeafSplit(items);
  } else {
    k = append ? count - 2 : ChooseInteriorSplit(items);
  }
  const size_t right_begin = leaf ? k : k + 1;
  if (ItemBytes(items.data(), k) > usable ||
      ItemBytes(items.data() + right_begin, count - right_begin) > usable) {
    return Status::Internal("btree: no split point fits page " + PageName(page->id()));
  }
  NodeResult r;
  r.level = h.level;
  r.split = true;
  if (leaf) {
    r.sep = std::make_unique<std::string>(
        SeparatorBetween(ItemKey(items[k - 1], true), ItemKey(items[k], true)));
  } else {
    r.sep = std::make_unique<std::string>(ItemKey(items[k], false));
  }
  PageRef right = w.NewPage();
  WriteNode(*right, h.type, h.level, items.data() + right_begin, count - right_begin, right_child);
  WriteNode(*page, h.type, h.level, items.data(), k, leaf ? kInvalidPageId : ItemChild(items[k]));
  r.id = page->id();
  r.right = right->id();
  return r;
}

// Inserts a cell at slot idx of the writable node `page`, splitting the node when it is full.
Result<NodeResult> InsertCell(Writer& w, const PageRef& page, NodeHeader& h, uint32_t idx,
                              const uint8_t* cell, uint32_t len, bool append) {
  DOSQL_ASSIGN_OR_RETURN(uint8_t * dst, AllocateCell(*page, h, idx, len));
  if (dst != nullptr) {
    std::memcpy(dst, cell, len);
    NodeResult r;
    r.id = page->id();
    r.level = h.level;
    return r;
  }
  const uint32_t ps = w.page_size();
  std::vector<uint8_t> image(page->data(), page->data() + ps);
  std::vector<Item> items;
  items.reserve(h.n + 1);
  DOSQL_RETURN_IF_ERROR(CollectItems(page->id(), image.data(), ps, h, &items));
  items.insert(items.begin() + idx, Item{cell, len});
  const PageId right_child =
      h.leaf() ? kInvalidPageId : DecodeFixed64(image.data() + kRightChildOffset);
  return SplitNode(w, page, h, items, right_child, append && idx == h.n);
}

// Applies a child's split to its writable parent: child idx becomes (r.id | r.sep | r.right).
Result<NodeResult> InsertSplit(Writer& w, const PageRef& page, NodeHeader& h, uint32_t idx,
                               const NodeResult& r, bool append) {
  SetChild(*page, h, idx, r.right);
  std::string cell(InteriorCellSize(r.sep->size()), '\0');
  EncodeInteriorCell(reinterpret_cast<uint8_t*>(cell.data()), r.id, *r.sep);
  return InsertCell(w, page, h, idx, reinterpret_cast<const uint8_t*>(cell.data()),
                    static_cast<uint32_t>(cell.size()), append);
}

// ----- Put -----

struct PutArgs {
  std::string_view key;
  std::string_view value;
  std::string* old_value = nullptr;
  bool existed = false;
  // In: where the key is (slot_found) or would go in the leaf, when the caller found out
  // (LeafHint::slot). Out: the slot after it, the next write's likely place.
  uint32_t slot = LeafHint::kNoSlot;
  bool slot_found = false;
  uint32_t next_slot = LeafHint::kNoSlot;
  // In place only (a hinted leaf): when the change needs a split or an overflow chain, nothing is
  // changed and no_room is set.
  bool may_split = true;
  bool no_room = false;
  // The path taken, for a LeafHint: the leaf the key went to (kInvalidPageId when it split) and
  // whether every level took its first / last child.
  PageId leaf = kInvalidPageId;
  PageRef leaf_page;  // the page `leaf` (kept in the hint: its next use needs no page lookup)
  bool leftmost = true;
  bool rightmost = true;
  LeafHint* hint = nullptr;  // its cached root page serves the descent's first level
};

// LoadNode for a descent: the root (no parent) comes through the hint's cached root page when
// it is that page (ids are never reused; a freed transient page is marked), and is cached there.
Status LoadDescending(Pager& pager, PageId parent, PageId id, int level, LeafHint* hint,
                      PageRef* page, NodeHeader* h) {
  if (parent != kInvalidPageId || hint == nullptr) {
    return LoadNode(pager, parent, id, level, page, h);
  }
  if (hint->root_page != nullptr && hint->root_page->id() == id && !hint->root_page->freed()) {
    *page = hint->root_page;
    return ReadNode(pager, id, level, **page, h);
  }
  DOSQL_RETURN_IF_ERROR(LoadNode(pager, parent, id, level, page, h));
  hint->root_page = *page;
  return Status::OK();
}

bool PointsInto(std::string_view s, const Page& page) {
  auto* b = reinterpret_cast<const uint8_t*>(s.data());
  return !s.empty() && b >= page.data() && b < page.data() + page.size();
}

Result<NodeResult> PutLeaf(Writer& w, const PageRef& ref, NodeHeader h, bool rightmost,
                           PutArgs& a) {
  const uint32_t ps = w.page_size();
  const uint8_t* p = ref->data();
  // A key or value that views this very page would move under our feet: copy it first.
  std::string key_copy, value_copy;
  std::string_view key = a.key, value = a.value;
  if (PointsInto(key, *ref)) key = key_copy.assign(key);
  if (PointsInto(value, *ref)) value = value_copy.assign(value);

  uint32_t idx = a.slot;
  bool found = a.slot_found;
  if (idx == LeafHint::kNoSlot && !LeafLowerBoundForWrite(p, ps, h, key, &idx, &found)) {
    return PageCorruption(ref->id(), "bad cell offset or key");
  }
  a.next_slot = idx + 1;
  const uint64_t vlen = value.size();
  // (A cell with an empty value always fits: MaxKeySize leaves room for it.)
  const bool overflow = vlen > 0 && LeafCellSize(key.size(), vlen, false) > MaxLocalCell(ps);
  const uint32_t cell_size = LeafCellSize(key.size(), vlen, overflow);

  LeafCell old;
  if (found && !ParseLeafCell(p, ps, SlotAt(p, idx), &old)) {
    return PageCorruption(ref->id(), "malformed cell " + std::to_string(idx));
  }
  if (!a.may_split) {
    const bool fits =
        !overflow && (found ? !old.overflow && (cell_size <= old.size ||
                                                FreeBytes(h, ps) + old.size >= cell_size)
                            : FreeBytes(h, ps) >= cell_size + kSlotSize);
    if (!fits) {
      a.no_room = true;
      return NodeResult{};
    }
  }
  a.leaf = kInvalidPageId;
  if (found) {
    a.existed = true;
    if (a.old_value != nullptr) {
      a.old_value->clear();
      DOSQL_RETURN_IF_ERROR(AppendLeafValue(w.pager(), ref->id(), old, a.old_value));
    }
    if (ref->owner() == w.ctx().owner && !old.overflow && !overflow && old.size == cell_size) {
      // Same-size inline overwrite of an owned page: just the value bytes change.
      if (vlen != 0) std::memmove(const_cast<uint8_t*>(old.value), value.data(), vlen);
      NodeResult r;
      r.id = ref->id();
      a.leaf = r.id;
      a.leaf_page = ref;
      return r;
    }
    if (old.overflow) {
      DOSQL_RETURN_IF_ERROR(w.ReleaseChain(ref->id(), old.first_overflow, old.value_len));
    }
  }
  const PageId first_overflow = overflow ? w.WriteChain(value) : kInvalidPageId;
  PageRef page = w.Writable(ref);
  uint8_t* wp = page->data();
  if (found) {
    const uint32_t off = SlotAt(wp, idx);
    if (cell_size <= old.size) {
      EncodeLeafCell(wp + off, key, vlen, overflow, value.data(), first_overflow);
      h.frag += old.size - cell_size;
      StoreNodeHeader(wp, h);
      NodeResult r;
      r.id = page->id();
      a.leaf = r.id;
      a.leaf_page = page;
      return r;
    }
    RemoveCell(*page, h, idx, old.size);
  }
  DOSQL_ASSIGN_OR_RETURN(uint8_t * dst, AllocateCell(*page, h, idx, cell_size));
  if (dst != nullptr) {
    EncodeLeafCell(dst, key, vlen, overflow, value.data(), first_overflow);
    NodeResult r;
    r.id = page->id();
    a.leaf = r.id;
    a.leaf_page = std::move(page);
    return r;
  }
  std::string cell(cell_size, '\0');
  EncodeLeafCell(reinterpret_cast<uint8_t*>(cell.data()), key, vlen, overflow, value.data(),
                 first_overflow);
  return InsertCell(w, page, h, idx, reinterpret_cast<const uint8_t*>(cell.data()), cell_size,
                    rightmost && !found);
}

Result<NodeResult> PutRec(Writer& w, PageId parent, PageId id, int expected_level, bool rightmost,
                          PutArgs& a) {
  PageRef ref;
  NodeHeader h;
  DOSQL_RETURN_IF_ERROR(LoadDescending(w.pager(), parent, id, expected_level, a.hint, &ref, &h));
  if (h.leaf()) return PutLeaf(w, ref, h, rightmost, a);
  const uint32_t ps = w.page_size();
  uint32_t idx;
  PageId child;
  if (!InteriorUpperBound(ref->data(), ps, h, a.key, &idx) ||
      !ChildAt(ref->data(), ps, h, idx, &child)) {
    return PageCorruption(id, "bad separator cell");
  }
  const bool child_rightmost = rightmost && idx == h.n;
  a.leftmost = a.leftmost && idx == 0;
  a.rightmost = child_rightmost;
  DOSQL_ASSIGN_OR_RETURN(NodeResult r, PutRec(w, id, child, h.level - 1, child_rightmost, a));
  if (!r.split && r.id == child) {
    NodeResult same;
    same.id = id;
    same.level = h.level;
    return same;
  }
  PageRef page = w.Writable(ref);
  if (r.split) return InsertSplit(w, page, h, idx, r, child_rightmost);
  SetChild(*page, h, idx, r.id);
  NodeResult out;
  out.id = page->id();
  out.level = h.level;
  return out;
}

// A new root above a split node.
Result<PageId> GrowRoot(Writer& w, const NodeResult& r) {
  if (r.level + 1 >= kMaxTreeDepth) return Status::NoSpace("btree: tree depth limit reached");
  std::string cell(InteriorCellSize(r.sep->size()), '\0');
  EncodeInteriorCell(reinterpret_cast<uint8_t*>(cell.data()), r.id, *r.sep);
  Item item{reinterpret_cast<const uint8_t*>(cell.data()), static_cast<uint32_t>(cell.size())};
  PageRef root = w.NewPage();
  WriteNode(*root, kInteriorPage, static_cast<uint8_t>(r.level + 1), &item, 1, r.right);
  return root->id();
}

// ----- Delete -----

struct DeleteArgs {
  std::string_view key;
  std::string* old_value = nullptr;
  bool existed = false;
  uint32_t slot = LeafHint::kNoSlot;  // as in PutArgs
  bool slot_found = false;
  uint32_t next_slot = LeafHint::kNoSlot;
  // In place only (a hinted leaf that is not the root): when the leaf would fall under a third
  // full, nothing is changed and no_room is set.
  bool may_underflow = true;
  bool no_room = false;
  // The path taken, for a LeafHint (as in PutArgs); leaf is kInvalidPageId when the leaf fell
  // under a third full (it is then merged or refilled from a sibling).
  PageId leaf = kInvalidPageId;
  PageRef leaf_page;  // as in PutArgs
  bool leftmost = true;
  bool rightmost = true;
  LeafHint* hint = nullptr;  // as in PutArgs
};

// Merges child idx of the writable interior node `parent` (which fell under a third full) with a
// sibling, or moves cells between them when both do not fit in one page.
Result<NodeResult> Rebalance(Writer& w, const PageRef& parent, NodeHeader& ph, uint32_t idx) {
  NodeResult out;
  out.id = parent->id();
  out.level = ph.level;
  if (ph.n == 0) return out;  // no sibling: the parent is underfull too and is fixed above
  const uint32_t ps = w.page_size();
  const uint32_t l = idx > 0 ? idx - 1 : 0;
  const uint32_t r = l + 1;
  const uint8_t* pp = parent->data();
  PageId lid, rid;
  InteriorCell sep_cell;
  if (!ChildAt(pp, ps, ph, l, &lid) || !ChildAt(pp, ps, ph, r, &rid) ||
      !ParseInteriorCell(pp, ps, SlotAt(pp, l), &sep_cell)) {
    return PageCorruption(parent->id(), "bad separator cell");
  }
  const std::string sep(sep_cell.key_view());
  const uint32_t sep_cell_size = sep_cell.size;
  PageRef lref, rref;
  NodeHeader lh, rh;
  DOSQL_RETURN_IF_ERROR(LoadNode(w.pager(), parent->id(), lid, ph.level - 1, &lref, &lh));
  DOSQL_RETURN_IF_ERROR(LoadNode(w.pager(), parent->id(), rid, ph.level - 1, &rref, &rh));
  const bool leaf = lh.leaf();

  std::vector<uint8_t> limg(lref->data(), lref->data() + ps);
  std::vector<uint8_t> rimg(rref->data(), rref->data() + ps);
  std::vector<Item> items;
  items.reserve(lh.n + rh.n + 1);
  DOSQL_RETURN_IF_ERROR(CollectItems(lid, limg.data(), ps, lh, &items));
  std::string middle;  // interior: the parent's separator comes down over the left right-child
  if (!leaf) {
    middle.resize(InteriorCellSize(sep.size()));
    EncodeInteriorCell(reinterpret_cast<uint8_t*>(middle.data()),
                       DecodeFixed64(limg.data() + kRightChildOffset), sep);
    items.push_back(Item{reinterpret_cast<const uint8_t*>(middle.data()),
                         static_cast<uint32_t>(middle.size())});
  }
  DOSQL_RETURN_IF_ERROR(CollectItems(rid, rimg.data(), ps, rh, &items));
  const PageId right_child = leaf ? kInvalidPageId : DecodeFixed64(rimg.data() + kRightChildOffset);

  if (ItemBytes(items.data(), items.size()) <= UsableSpace(ps)) {
    // Merge into the child that was just written (already owned); the sibling is dropped.
    PageRef dest = w.Writable(idx == l ? lref : rref);
    w.ctx().replaced.push_back(idx == l ? rid : lid);
    WriteNode(*dest, lh.type, lh.level, items.data(), items.size(), right_child);
    SetChild(*parent, ph, r, dest->id());
    RemoveCell(*parent, ph, l, sep_cell_size);
    return out;
  }

  // Redistribute.
  const size_t count = items.size();
  const size_t k = leaf ? ChooseLeafSplit(items) : ChooseInteriorSplit(items);
  const size_t right_begin = leaf ? k : k + 1;
  if (ItemBytes(items.data(), k) > UsableSpace(ps) ||
      ItemBytes(items.data() + right_begin, count - right_begin) > UsableSpace(ps)) {
    return Status::Internal("btree: no redistribution fits under page " + PageName(parent->id()));
  }
  std::string new_sep(leaf ? SeparatorBetween(ItemKey(items[k - 1], true), ItemKey(items[k], true))
                           : ItemKey(items[k], false));
  PageRef lw = w.Writable(lref);
  PageRef rw = w.Writable(rref);
  WriteNode(*lw, lh.type, lh.level, items.data(), k, leaf ? kInvalidPageId : ItemChild(items[k]));
  WriteNode(*rw, rh.type, rh.level, items.data() + right_begin, count - right_begin, right_child);
  SetChild(*parent, ph, r, rw->id());
  RemoveCell(*parent, ph, l, sep_cell_size);
  std::string cell(InteriorCellSize(new_sep.size()), '\0');
  EncodeInteriorCell(reinterpret_cast<uint8_t*>(cell.data()), lw->id(), new_sep);
  return InsertCell(w, parent, ph, l, reinterpret_cast<const uint8_t*>(cell.data()),
                    static_cast<uint32_t>(cell.size()), false);
}

// Removes a.key from the leaf `ref` (a.may_underflow false: only if the leaf stays a third full).
Result<NodeResult> DeleteFromLeaf(Writer& w, const PageRef& ref, NodeHeader h, DeleteArgs& a) {
  const uint32_t ps = w.page_size();
  const uint8_t* p = ref->data();
  const PageId id = ref->id();
  NodeResult out;
  out.id = id;
  out.level = h.level;
  uint32_t idx = a.slot;
  bool found = a.slot_found;
  if (idx == LeafHint::kNoSlot && !LeafLowerBound(p, ps, h, a.key, &idx, &found)) {
    return PageCorruption(id, "bad cell offset or key");
  }
  a.next_slot = idx;  // the key after the removed one slides into its slot
  if (!found) {
    a.leaf = id;
    a.leaf_page = ref;
    return out;
  }
  LeafCell cell;
  if (!ParseLeafCell(p, ps, SlotAt(p, idx), &cell)) {
    return PageCorruption(id, "malformed cell " + std::to_string(idx));
  }
  if (!a.may_underflow && UsedBytes(h, ps) - cell.size - kSlotSize < UnderfullThreshold(ps)) {
    a.no_room = true;
    return out;
  }
  a.existed = true;
  if (a.old_value != nullptr) {
    a.old_value->clear();
    DOSQL_RETURN_IF_ERROR(AppendLeafValue(w.pager(), id, cell, a.old_value));
  }
  if (cell.overflow) {
    DOSQL_RETURN_IF_ERROR(w.ReleaseChain(id, cell.first_overflow, cell.value_len));
  }
  PageRef page = w.Writable(ref);
  RemoveCell(*page, h, idx, cell.size);
  out.id = page->id();
  out.underfull = UsedBytes(h, ps) < UnderfullThreshold(ps);
  a.leaf = out.underfull ? kInvalidPageId : out.id;
  if (!out.underfull) a.leaf_page = std::move(page);
  return out;
}

Result<NodeResult> DeleteRec(Writer& w, PageId parent, PageId id, int expected_level,
                             DeleteArgs& a) {
  PageRef ref;
  NodeHeader h;
  DOSQL_RETURN_IF_ERROR(LoadDescending(w.pager(), parent, id, expected_level, a.hint, &ref, &h));
  if (h.leaf()) return DeleteFromLeaf(w, ref, h, a);
  const uint32_t ps = w.page_size();
  const uint8_t* p = ref->data();
  NodeResult out;
  out.id = id;
  out.level = h.level;
  uint32_t idx;
  PageId child;
  if (!InteriorUpperBound(p, ps, h, a.key, &idx) || !ChildAt(p, ps, h, idx, &child)) {
    return PageCorruption(id, "bad separator cell");
  }
  a.leftmost = a.leftmost && idx == 0;
  a.rightmost = a.rightmost && idx == h.n;
  DOSQL_ASSIGN_OR_RETURN(NodeResult r, DeleteRec(w, id, child, h.level - 1, a));
  if (!r.split && !r.underfull && r.id == child) return out;
  PageRef page = w.Writable(ref);
  if (r.split) {
    DOSQL_ASSIGN_OR_RETURN(out, InsertSplit(w, page, h, idx, r, false));
    if (out.split) return out;
  } else {
    SetChild(*page, h, idx, r.id);
    if (r.underfull) {
      DOSQL_ASSIGN_OR_RETURN(out, Rebalance(w, page, h, idx));
      if (out.split) return out;
    }
  }
  out.id = page->id();
  out.level = h.level;
  out.underfull = UsedBytes(h, ps) < UnderfullThreshold(ps);
  return out;
}

// ----- leaf hints -----

// Loads the hint's leaf into *page / *h when `key` belongs to it: the hint was taken under this
// root, and the key lies between the leaf's first and last keys (or before the first key of the
// first leaf, or after the last key of the last leaf). A key between two keys of a leaf can only
// belong to that leaf, whatever the separators above it are. Any doubt returns false, and the
// caller descends from the root (which reports a corrupt page as such).
// *slot: where the key is (*found) or would go in the leaf when the hint's guess holds it (the
// key there is the key, or the keys on either side of the slot bracket it), else
// LeafHint::kNoSlot.
bool HintedLeaf(Pager& pager, PageId root, LeafHint* hint, std::string_view key, PageRef* page,
                NodeHeader* h, uint32_t* slot = nullptr, bool* found = nullptr) {
  if (slot != nullptr) *slot = LeafHint::kNoSlot;
  if (hint == nullptr || hint->leaf == kInvalidPageId || hint->root != root) return false;
  if (!hint->page || hint->page->id() != hint->leaf || hint->page->freed()) {
    Result<PageRef> r = pager.Get(hint->leaf);
    if (!r.ok()) return false;
    hint->page = std::move(r).value();
  }
  const Page& pg = *hint->page;
  const uint32_t ps = pager.page_size();
  if (pg.size() != ps || ReadNodeHeader(pg.data(), ps, h) != nullptr || !h->leaf()) return false;
  const uint8_t* p = pg.data();
  if (h->n == 0 && !(hint->leftmost && hint->rightmost)) return false;
  const uint8_t* k;
  uint32_t kn;
  const auto* t = reinterpret_cast<const uint8_t*>(key.data());
  if (slot != nullptr && hint->slot <= h->n) {
    const uint32_t s = hint->slot;
    // At the guess: a key >= the key (none past the tree's last leaf); before it: a key < the
    // key (none before the tree's first leaf). Any doubt falls back to the checks below.
    int at = 1;
    bool holds = hint->rightmost;
    if (s < h->n) {
      const uint32_t off = SlotAt(p, s);
      holds = ValidCellOffset(*h, ps, off) && ParseLeafKey(p, ps, off, &k, &kn) &&
              (at = CompareKeys(t, key.size(), k, kn)) <= 0;
    }
    if (holds && at != 0) {
      if (s == 0) {
        holds = hint->leftmost;
      } else {
        const uint32_t off = SlotAt(p, s - 1);
        holds = ValidCellOffset(*h, ps, off) && ParseLeafKey(p, ps, off, &k, &kn) &&
                CompareKeys(t, key.size(), k, kn) > 0;
      }
    }
    if (holds) {
      *slot = s;
      *found = at == 0;
      *page = hint->page;
      return true;
    }
  }
  if (!hint->leftmost) {
    const uint32_t off = SlotAt(p, 0);
    if (!ValidCellOffset(*h, ps, off) || !ParseLeafKey(p, ps, off, &k, &kn) ||
        CompareKeys(t, key.size(), k, kn) < 0) {
      return false;
    }
  }
  if (!hint->rightmost) {
    const uint32_t off = SlotAt(p, h->n - 1);
    if (!ValidCellOffset(*h, ps, off) || !ParseLeafKey(p, ps, off, &k, &kn) ||
        CompareKeys(t, key.size(), k, kn) > 0) {
      return false;
    }
  }
  *page = hint->page;
  return true;
}

// Records (or clears, when `leaf` is kInvalidPageId) where the last access to a tree went;
// `page`: the page `leaf` when the caller has it.
void SetHint(LeafHint* hint, PageId root, PageId leaf, bool leftmost, bool rightmost,
             PageRef page = nullptr) {
  if (hint == nullptr) return;
  hint->root = root;
  hint->leaf = leaf;
  hint->page = leaf != kInvalidPageId ? std::move(page) : nullptr;
  hint->leftmost = leftmost;
  hint->rightmost = rightmost;
  hint->slot = LeafHint::kNoSlot;
}

// ----- Get -----

// The value of `key` in the leaf `page` into *value (its buffer reused; *found false, *value
// untouched, when absent); *slot: where the key is or would go. A *slot other than
// LeafHint::kNoSlot on entry is that place already (FindLeaf's, with *found), not searched again.
Status GetFromLeaf(Pager& pager, const PageRef& page, const NodeHeader& h, std::string_view key,
                   uint32_t* slot, std::string* value, bool* found) {
  const uint32_t ps = pager.page_size();
  const uint8_t* p = page->data();
  uint32_t idx = *slot;
  if (idx == LeafHint::kNoSlot && !LeafLowerBound(p, ps, h, key, &idx, found)) {
    return PageCorruption(page->id(), "bad cell offset or key");
  }
  *slot = idx;
  if (!*found) return Status::OK();
  LeafCell cell;
  if (!ParseLeafCell(p, ps, SlotAt(p, idx), &cell)) {
    return PageCorruption(page->id(), "malformed cell " + std::to_string(idx));
  }
  value->clear();
  return AppendLeafValue(pager, page->id(), cell, value);
}

// Loads the leaf that holds `key`'s place: the hint's when the key belongs to it, else the one a
// descent from the root reaches (which then becomes the hint). *leftmost / *rightmost: whether
// it is the tree's first / last leaf. With `slot`: the key's place in the leaf when the hint's
// guess of it held (*found: the key is there), else LeafHint::kNoSlot.
Status FindLeaf(Pager& pager, PageId root, std::string_view key, LeafHint* hint, PageRef* page,
                NodeHeader* h, bool* leftmost, bool* rightmost, uint32_t* slot = nullptr,
                bool* found = nullptr) {
  if (HintedLeaf(pager, root, hint, key, page, h, slot, found)) {
    *leftmost = hint->leftmost;
    *rightmost = hint->rightmost;
    return Status::OK();
  }
  const uint32_t ps = pager.page_size();
  PageId id = root;
  PageId parent = kInvalidPageId;
  int level = -1;
  *leftmost = *rightmost = true;
  for (;;) {
    DOSQL_RETURN_IF_ERROR(LoadDescending(pager, parent, id, level, hint, page, h));
    if (h->leaf()) {
      SetHint(hint, root, id, *leftmost, *rightmost, *page);
      return Status::OK();
    }
    const uint8_t* p = (*page)->data();
    uint32_t idx;
    parent = id;
    if (!InteriorUpperBound(p, ps, *h, key, &idx) || !ChildAt(p, ps, *h, idx, &id)) {
      return PageCorruption(parent, "bad separator cell");
    }
    *leftmost = *leftmost && idx == 0;
    *rightmost = *rightmost && idx == h->n;
    level = h->level - 1;
  }
}

Status GetImpl(Pager& pager, PageId root, std::string_view key, LeafHint* hint, std::string* value,
               bool* found) {
  PageRef page;
  NodeHeader h;
  bool leftmost, rightmost;
  uint32_t slot = LeafHint::kNoSlot;
  DOSQL_RETURN_IF_ERROR(
      FindLeaf(pager, root, key, hint, &page, &h, &leftmost, &rightmost, &slot, found));
  Status st = GetFromLeaf(pager, page, h, key, &slot, value, found);
  // A write of the key read (an UPDATE of the row) then finds it without a search.
  if (hint != nullptr && hint->leaf == page->id()) hint->slot = slot;
  return st;
}

// The key of cell `i` of a leaf, into *out when it begins with `prefix`.
Status LeafKeyAt(const Page& page, const NodeHeader& h, uint32_t i, std::string_view prefix,
                 std::optional<std::string>* out) {
  const uint8_t* k;
  uint32_t kn;
  const uint32_t off = SlotAt(page.data(), i);
  if (!ValidCellOffset(h, page.size(), off) ||
      !ParseLeafKey(page.data(), page.size(), off, &k, &kn)) {
    return PageCorruption(page.id(), "malformed cell " + std::to_string(i));
  }
  const std::string_view key(reinterpret_cast<const char*>(k), kn);
  if (key.starts_with(prefix)) out->emplace(key);
  return Status::OK();
}

Result<NeighborKeys> NeighborsImpl(Pager& pager, PageId root, std::string_view key, LeafHint* hint,
                                   size_t prefix_len) {
  const std::string_view prefix = key.substr(0, prefix_len);
  PageRef page;
  NodeHeader h;
  bool leftmost, rightmost;
  NeighborKeys out;
  uint32_t idx = LeafHint::kNoSlot;
  DOSQL_RETURN_IF_ERROR(
      FindLeaf(pager, root, key, hint, &page, &h, &leftmost, &rightmost, &idx, &out.found));
  if (idx == LeafHint::kNoSlot &&
      !LeafLowerBound(page->data(), page->size(), h, key, &idx, &out.found)) {
    return PageCorruption(page->id(), "bad cell offset or key");
  }
  // The write that follows a UNIQUE check (the entry itself) then goes there without a search.
  if (hint != nullptr && hint->leaf == page->id()) hint->slot = idx;
  const uint32_t next = out.found ? idx + 1 : idx;
  // A neighbour in another leaf (rare: the key sorts at an edge of its leaf) is found by a cursor.
  const bool below_here = idx > 0 || leftmost;
  const bool above_here = next < h.n || rightmost;
  if (idx > 0) DOSQL_RETURN_IF_ERROR(LeafKeyAt(*page, h, idx - 1, prefix, &out.below));
  if (next < h.n) DOSQL_RETURN_IF_ERROR(LeafKeyAt(*page, h, next, prefix, &out.above));
  if (below_here && above_here) return out;
  Cursor c(&pager, root);
  if (!below_here) {
    DOSQL_RETURN_IF_ERROR(c.SeekForPrev(key));
    if (c.Valid() && c.key() == key) DOSQL_RETURN_IF_ERROR(c.Prev());
    if (c.Valid() && c.key().starts_with(prefix)) out.below = std::string(c.key());
  }
  if (!above_here) {
    DOSQL_RETURN_IF_ERROR(c.Seek(key));
    if (c.Valid() && c.key() == key) DOSQL_RETURN_IF_ERROR(c.Next());
    if (c.Valid() && c.key().starts_with(prefix)) out.above = std::string(c.key());
  }
  return out;
}

// ----- validation of arguments -----

Status CheckContext(const WriteContext& ctx) {
  if (ctx.pager == nullptr) return Status::InvalidArgument("btree: WriteContext has no pager");
  if (ctx.owner == 0) return Status::InvalidArgument("btree: WriteContext owner tag must not be 0");
  return Status::OK();
}

Status CheckKey(const Pager& pager, std::string_view key) {
  const size_t max = MaxKeySize(pager.page_size());
  if (key.size() > max) {
    return Status::InvalidArgument("key of " + std::to_string(key.size()) +
                                   " bytes exceeds the maximum " + std::to_string(max));
  }
  return Status::OK();
}

}  // namespace
}  // namespace internal

// ----- public API -----

size_t MaxKeySize(uint32_t page_size) {
  using internal::kPageRefSize;
  if (page_size < 256) return 0;
  // The last answer, (page size << 32) | size: asked on every write, for one page size.
  static std::atomic<uint64_t> last{0};
  const uint64_t known = last.load(std::memory_order_relaxed);
  if (known >> 32 == page_size) return static_cast<size_t>(known & 0xffffffffu);
  const uint32_t local = internal::MaxLocalCell(page_size);
  const uint32_t vword_len = static_cast<uint32_t>(VarintLength((kMaxValueSize << 1) | 1));
  size_t k = local - kPageRefSize - vword_len;
  while (k > 0 && k + VarintLength(k) + kPageRefSize + vword_len > local) --k;
  last.store(uint64_t{page_size} << 32 | k, std::memory_order_relaxed);
  return k;
}

// ----- TreeBuilder -----

namespace internal {
namespace {
// The cells laid one after another in `cells`, each beginning at its entry of `starts`.
std::vector<Item> ItemsOf(const std::string& cells, const std::vector<uint32_t>& starts) {
  std::vector<Item> items(starts.size());
  for (size_t i = 0; i < starts.size(); i++) {
    const uint32_t end =
        i + 1 < starts.size() ? starts[i + 1] : static_cast<uint32_t>(cells.size());
    items[i] = {reinterpret_cast<const uint8_t*>(cells.data()) + starts[i], end - starts[i]};
  }
  return items;
}
}  // namespace
}  // namespace internal

struct TreeBuilder::Impl {
  explicit Impl(WriteContext& c)
      : ctx(c), w(c), usable(internal::UsableSpace(c.pager->page_size())) {}

  WriteContext& ctx;
  internal::Writer w;
  const uint32_t usable;
  bool any = false;
  bool spent = false;
  std::string last;  // the key added last
  // The leaf being filled: its cells one after another, where each begins, and the bytes they
  // and their slots take.
  std::string cells;
  std::vector<uint32_t> starts;
  uint32_t used = 0;
  std::string first;      // its first key
  std::string prev_last;  // the last key of the leaf written before it
  // The children of the level being built (the leaves, as they are written) and the separator
  // before each (seps[0] unused).
  std::vector<PageId> children;
  std::vector<std::string> seps;

  void WriteLeaf() {
    const std::vector<internal::Item> items = internal::ItemsOf(cells, starts);
    PageRef page = w.NewPage();
    internal::WriteNode(*page, internal::kLeafPage, 0, items.data(), items.size(), kInvalidPageId);
    seps.emplace_back(children.empty() ? std::string_view()
                                       : internal::SeparatorBetween(prev_last, first));
    children.push_back(page->id());
    prev_last = last;
    cells.clear();
    starts.clear();
    used = 0;
  }

  // Writes the level above `children` (at `level`), which then become its pages.
  Status WriteLevel(uint8_t level) {
    if (level >= internal::kMaxTreeDepth) return Status::NoSpace("btree: tree depth limit reached");
    // Pages of consecutive children [begin, end): a cell (child, the next child's separator) for
    // each but the last, which is the right-most child. Each page takes what fits; the last page
    // takes one child from the one before when it would have none to the left of its right-most.
    std::vector<std::pair<size_t, size_t>> pages{{0, 0}};  // [first, last] children
    uint64_t bytes = 0;
    for (size_t i = 0; i + 1 < children.size(); i++) {
      const uint64_t cell = internal::InteriorCellSize(seps[i + 1].size()) + internal::kSlotSize;
      if (bytes + cell > usable) {
        // Child i is the page's right-most; the next page begins with child i + 1.
        pages.back().second = i;
        pages.emplace_back(i + 1, 0);
        bytes = 0;
        continue;
      }
      bytes += cell;
    }
    pages.back().second = children.size() - 1;
    if (pages.size() > 1 && pages.back().first == pages.back().second) {
      pages[pages.size() - 2].second--;
      pages.back().first--;
    }
    std::vector<PageId> up;
    std::vector<std::string> up_seps;
    std::string cell_bytes;
    for (const auto& [b, e] : pages) {
      cell_bytes.clear();
      std::vector<uint32_t> at;
      for (size_t i = b; i < e; i++) {
        at.push_back(static_cast<uint32_t>(cell_bytes.size()));
        const size_t start = cell_bytes.size();
        cell_bytes.resize(start + internal::InteriorCellSize(seps[i + 1].size()));
        internal::EncodeInteriorCell(reinterpret_cast<uint8_t*>(cell_bytes.data() + start),
                                     children[i], seps[i + 1]);
      }
      const std::vector<internal::Item> items = internal::ItemsOf(cell_bytes, at);
      PageRef page = w.NewPage();
      internal::WriteNode(*page, internal::kInteriorPage, level, items.data(), items.size(),
                          children[e]);
      // The separator before this page's first child bounds the page from below.
      up_seps.push_back(up.empty() ? std::string() : std::move(seps[b]));
      up.push_back(page->id());
    }
    children = std::move(up);
    seps = std::move(up_seps);
    return Status::OK();
  }
};

TreeBuilder::TreeBuilder(WriteContext& ctx) : impl_(std::make_unique<Impl>(ctx)) {}
TreeBuilder::~TreeBuilder() = default;

Status TreeBuilder::Add(std::string_view key, std::string_view value) {
  Impl& d = *impl_;
  if (d.spent) return Status::InvalidArgument("btree: TreeBuilder::Add after Finish");
  DOSQL_RETURN_IF_ERROR(internal::CheckContext(d.ctx));
  DOSQL_RETURN_IF_ERROR(internal::CheckKey(*d.ctx.pager, key));
  if (value.size() > kMaxValueSize) {
    return Status::InvalidArgument("value of " + std::to_string(value.size()) +
                                   " bytes exceeds the maximum " + std::to_string(kMaxValueSize));
  }
  if (d.any && internal::CompareKeys(d.last, key) >= 0) {
    return Status::InvalidArgument("btree: TreeBuilder keys must be strictly increasing");
  }
  const uint32_t ps = d.ctx.pager->page_size();
  const uint64_t vlen = value.size();
  const bool overflow =
      vlen > 0 && internal::LeafCellSize(key.size(), vlen, false) > internal::MaxLocalCell(ps);
  const uint32_t size = internal::LeafCellSize(key.size(), vlen, overflow);
  if (!d.starts.empty() && d.used + size + internal::kSlotSize > d.usable) d.WriteLeaf();
  const PageId chain = overflow ? d.w.WriteChain(value) : kInvalidPageId;
  if (d.starts.empty()) d.first.assign(key);
  const size_t start = d.cells.size();
  d.starts.push_back(static_cast<uint32_t>(start));
  d.cells.resize(start + size);
  internal::EncodeLeafCell(reinterpret_cast<uint8_t*>(d.cells.data() + start), key, vlen, overflow,
                           value.data(), chain);
  d.used += size + internal::kSlotSize;
  d.last.assign(key);
  d.any = true;
  return Status::OK();
}

Result<PageId> TreeBuilder::Finish() {
  Impl& d = *impl_;
  if (d.spent) return Status::InvalidArgument("btree: TreeBuilder::Finish called twice");
  DOSQL_RETURN_IF_ERROR(internal::CheckContext(d.ctx));
  d.spent = true;
  if (!d.starts.empty() || d.children.empty()) d.WriteLeaf();
  for (uint8_t level = 1; d.children.size() > 1; level++) {
    DOSQL_RETURN_IF_ERROR(d.WriteLevel(level));
  }
  return d.children[0];
}

Result<PageId> CreateTree(WriteContext& ctx) {
  DOSQL_RETURN_IF_ERROR(internal::CheckContext(ctx));
  internal::Writer w(ctx);
  PageRef root = w.NewPage();
  internal::WriteNode(*root, internal::kLeafPage, 0, nullptr, 0, kInvalidPageId);
  return root->id();
}

Result<std::optional<std::string>> Get(Pager& pager, PageId root, std::string_view key,
                                       LeafHint* hint) {
  std::string value;
  bool found = false;
  DOSQL_RETURN_IF_ERROR(internal::GetImpl(pager, root, key, hint, &value, &found));
  if (!found) return std::optional<std::string>();
  return std::optional<std::string>(std::move(value));
}

Status GetInto(Pager& pager, PageId root, std::string_view key, LeafHint* hint, std::string* value,
               bool* found) {
  return internal::GetImpl(pager, root, key, hint, value, found);
}

Result<NeighborKeys> Neighbors(Pager& pager, PageId root, std::string_view key, LeafHint* hint,
                               size_t prefix) {
  return internal::NeighborsImpl(pager, root, key, hint, prefix);
}

Result<PutResult> Put(WriteContext& ctx, PageId root, std::string_view key, std::string_view value,
                      std::string* old_value, LeafHint* hint) {
  DOSQL_RETURN_IF_ERROR(internal::CheckContext(ctx));
  DOSQL_RETURN_IF_ERROR(internal::CheckKey(*ctx.pager, key));
  if (value.size() > kMaxValueSize) {
    return Status::InvalidArgument("value of " + std::to_string(value.size()) +
                                   " bytes exceeds the maximum " + std::to_string(kMaxValueSize));
  }
  internal::Writer w(ctx);
  internal::PutArgs a;
  a.key = key;
  a.value = value;
  a.old_value = old_value;
  a.hint = hint;
  PutResult out;
  {
    PageRef leaf;
    internal::NodeHeader h;
    if (internal::HintedLeaf(*ctx.pager, root, hint, key, &leaf, &h, &a.slot, &a.slot_found) &&
        leaf->owner() == ctx.owner) {
      a.may_split = false;
      DOSQL_RETURN_IF_ERROR(internal::PutLeaf(w, leaf, h, false, a).status());
      if (!a.no_room) {
        out.existed = a.existed;
        out.root = root;
        hint->slot = a.next_slot;
        return out;
      }
      a.may_split = true;
    }
    a.slot = LeafHint::kNoSlot;
  }
  if (hint != nullptr) hint->Clear();  // set again when the descent succeeds
  DOSQL_ASSIGN_OR_RETURN(internal::NodeResult r,
                         internal::PutRec(w, kInvalidPageId, root, -1, true, a));
  out.existed = a.existed;
  out.root = r.id;
  if (r.split) {
    DOSQL_ASSIGN_OR_RETURN(out.root, internal::GrowRoot(w, r));
  }
  internal::SetHint(hint, out.root, a.leaf, a.leftmost, a.rightmost, std::move(a.leaf_page));
  if (hint != nullptr && a.leaf != kInvalidPageId) hint->slot = a.next_slot;
  return out;
}

Result<DeleteResult> Delete(WriteContext& ctx, PageId root, std::string_view key,
                            std::string* old_value, LeafHint* hint) {
  DOSQL_RETURN_IF_ERROR(internal::CheckContext(ctx));
  DeleteResult out;
  out.root = root;
  if (key.size() > MaxKeySize(ctx.pager->page_size())) return out;  // cannot be present
  internal::Writer w(ctx);
  internal::DeleteArgs a;
  a.key = key;
  a.old_value = old_value;
  a.hint = hint;
  {
    PageRef leaf;
    internal::NodeHeader h;
    if (internal::HintedLeaf(*ctx.pager, root, hint, key, &leaf, &h, &a.slot, &a.slot_found) &&
        leaf->owner() == ctx.owner) {
      // The root may hold any number of keys; another leaf must stay a third full.
      a.may_underflow = leaf->id() == root;
      DOSQL_RETURN_IF_ERROR(internal::DeleteFromLeaf(w, leaf, h, a).status());
      if (!a.no_room) {  // an owned leaf changed in place: the root stays
        out.existed = a.existed;
        hint->slot = a.next_slot;
        return out;
      }
      a.may_underflow = true;
    }
    a.slot = LeafHint::kNoSlot;
  }
  if (hint != nullptr) hint->Clear();  // set again when the descent succeeds
  DOSQL_ASSIGN_OR_RETURN(internal::NodeResult r,
                         internal::DeleteRec(w, kInvalidPageId, root, -1, a));
  out.existed = a.existed;
  out.root = r.id;
  if (r.split) {
    DOSQL_ASSIGN_OR_RETURN(out.root, internal::GrowRoot(w, r));
    internal::SetHint(hint, out.root, kInvalidPageId, false, false);
    return out;
  }
  // Collapse interior roots left with a single child (they report themselves underfull).
  while (r.underfull && r.level > 0) {
    PageRef page;
    internal::NodeHeader h;
    DOSQL_RETURN_IF_ERROR(internal::LoadNode(*ctx.pager, kInvalidPageId, out.root, -1, &page, &h));
    if (h.leaf() || h.n > 0) break;
    PageId child;
    if (!internal::ChildAt(page->data(), page->size(), h, 0, &child)) {
      return internal::PageCorruption(out.root, "null right-most child");
    }
    ctx.replaced.push_back(out.root);
    out.root = child;
    r.level = h.level - 1;
  }
  // The leaf keeps its key range (merges and moves above it keep the order of the separators)
  // unless it fell under a third full, when a.leaf is kInvalidPageId.
  internal::SetHint(hint, out.root, a.leaf, a.leftmost, a.rightmost, std::move(a.leaf_page));
  if (hint != nullptr && a.leaf != kInvalidPageId) hint->slot = a.next_slot;
  return out;
}

}  // namespace dosql::btree
