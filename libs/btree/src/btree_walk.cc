// dosql::btree — whole-tree walks: PersistTree, ForEachPage, DropTree and CheckTree.

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "btree_internal.h"
#include "dosql/btree/btree.h"
#include "dosql/core/coding.h"
#include "page_format.h"

namespace dosql::btree {
namespace internal {
namespace {

// ----- PersistTree -----

// Writes the part of an overflow chain that must change — every page up to the last one that is
// transient or that `move` selects (tail first, so each page can name the permanent id of its
// successor) — and returns the chain's first page id.
Result<PageId> PersistChain(WriteContext& ctx, PageId first, uint64_t value_len,
                            const MovePredicate* move) {
  if (!IsTransient(first) && move == nullptr) return first;
  Pager& pager = *ctx.pager;
  const uint32_t ps = pager.page_size();
  std::vector<PageRef> pages;
  // Validates the whole chain (types, byte counts, termination) while collecting its pages.
  DOSQL_RETURN_IF_ERROR(
      VisitOverflowChain(pager, kInvalidPageId, first, value_len, [&pages](const PageRef& p) {
        pages.push_back(p);
        return Status::OK();
      }));
  size_t rewrite = 0;  // pages [0, rewrite) are written anew
  for (size_t i = 0; i < pages.size(); ++i) {
    const PageId id = pages[i]->id();
    if (IsTransient(id) || (move != nullptr && (*move)(id))) rewrite = i + 1;
  }
  PageId next = rewrite < pages.size() ? pages[rewrite]->id() : kInvalidPageId;
  std::vector<uint8_t> image(ps);
  for (size_t i = rewrite; i-- > 0;) {
    std::copy(pages[i]->data(), pages[i]->data() + ps, image.begin());
    EncodeFixed64(image.data() + kOverflowNextOffset, next);
    DOSQL_ASSIGN_OR_RETURN(PageRef written, pager.WritePermanent(image.data()));
    ctx.replaced.push_back(pages[i]->id());
    next = written->id();
  }
  return next;
}

// Writes node `id` (and what under it must change) to permanent pages when it is transient, is
// selected by `move`, or has a child or overflow chain that was rewritten. Returns its id after.
Result<PageId> PersistNode(WriteContext& ctx, PageId id, int expected_level,
                           const MovePredicate* move) {
  if (!IsTransient(id) && move == nullptr) return id;
  Pager& pager = *ctx.pager;
  const uint32_t ps = pager.page_size();
  PageRef page;
  NodeHeader h;
  DOSQL_RETURN_IF_ERROR(LoadNode(pager, kInvalidPageId, id, expected_level, &page, &h));
  std::vector<uint8_t> image(page->data(), page->data() + ps);
  uint8_t* p = image.data();
  bool changed = IsTransient(id) || (move != nullptr && (*move)(id));
  for (uint32_t i = 0; i < h.n; ++i) {
    const uint32_t off = SlotAt(p, i);
    if (!ValidCellOffset(h, ps, off)) return PageCorruption(id, "bad cell offset");
    if (h.leaf()) {
      LeafCell cell;
      if (!ParseLeafCell(p, ps, off, &cell)) return PageCorruption(id, "malformed cell");
      if (!cell.overflow) continue;
      DOSQL_ASSIGN_OR_RETURN(PageId chain,
                             PersistChain(ctx, cell.first_overflow, cell.value_len, move));
      if (chain != cell.first_overflow) {
        EncodeFixed64(p + off + cell.size - kPageRefSize, chain);
        changed = true;
      }
    } else {
      InteriorCell cell;
      if (!ParseInteriorCell(p, ps, off, &cell)) return PageCorruption(id, "malformed cell");
      DOSQL_ASSIGN_OR_RETURN(PageId child, PersistNode(ctx, cell.child, h.level - 1, move));
      if (child != cell.child) {
        EncodeFixed64(p + off, child);
        changed = true;
      }
    }
  }
  if (!h.leaf()) {
    const PageId right = DecodeFixed64(p + kRightChildOffset);
    if (right == kInvalidPageId) return PageCorruption(id, "null right-most child");
    DOSQL_ASSIGN_OR_RETURN(PageId child, PersistNode(ctx, right, h.level - 1, move));
    if (child != right) {
      EncodeFixed64(p + kRightChildOffset, child);
      changed = true;
    }
  }
  if (!changed) return id;
  DOSQL_ASSIGN_OR_RETURN(PageRef written, pager.WritePermanent(p));
  ctx.replaced.push_back(id);
  return written->id();
}

// ----- ForEachPage -----

Status ForEachRec(Pager& pager, PageId parent, PageId id, int expected_level,
                  const std::function<Status(PageId)>& fn) {
  PageRef page;
  NodeHeader h;
  DOSQL_RETURN_IF_ERROR(LoadNode(pager, parent, id, expected_level, &page, &h));
  DOSQL_RETURN_IF_ERROR(fn(id));
  const uint8_t* p = page->data();
  const uint32_t ps = page->size();
  for (uint32_t i = 0; i < h.n; ++i) {
    const uint32_t off = SlotAt(p, i);
    if (!ValidCellOffset(h, ps, off)) return PageCorruption(id, "bad cell offset");
    if (h.leaf()) {
      LeafCell cell;
      if (!ParseLeafCell(p, ps, off, &cell)) return PageCorruption(id, "malformed cell");
      if (!cell.overflow) continue;
      DOSQL_RETURN_IF_ERROR(
          VisitOverflowChain(pager, id, cell.first_overflow, cell.value_len,
                             [&fn](const PageRef& chain_page) { return fn(chain_page->id()); }));
    } else {
      InteriorCell cell;
      if (!ParseInteriorCell(p, ps, off, &cell)) return PageCorruption(id, "malformed cell");
      DOSQL_RETURN_IF_ERROR(ForEachRec(pager, id, cell.child, h.level - 1, fn));
    }
  }
  if (!h.leaf()) {
    PageId right;
    if (!ChildAt(p, ps, h, h.n, &right)) return PageCorruption(id, "null right-most child");
    DOSQL_RETURN_IF_ERROR(ForEachRec(pager, id, right, h.level - 1, fn));
  }
  return Status::OK();
}

// ----- CheckTree -----

struct Checker {
  Pager& pager;
  TreeStats stats;
  std::unordered_set<PageId> seen;  // every page visited: a page reached twice is corrupt

  Status See(PageId id) {
    if (!seen.insert(id).second) return Fail(id, "referenced more than once in the tree");
    return Status::OK();
  }

  Status Fail(PageId id, const std::string& problem) { return PageCorruption(id, problem); }

  // lo (inclusive) and hi (exclusive) bound the keys of the subtree; null means unbounded.
  Status Node(PageId parent, PageId id, int expected_level, uint32_t depth,
              const std::string_view* lo, const std::string_view* hi) {
    PageRef page;
    NodeHeader h;
    DOSQL_RETURN_IF_ERROR(LoadNode(pager, parent, id, expected_level, &page, &h));
    DOSQL_RETURN_IF_ERROR(See(id));
    const uint8_t* p = page->data();
    const uint32_t ps = page->size();
    const size_t max_key = MaxKeySize(ps);
    if (depth == 1) stats.depth = h.level + 1u;
    if (!h.leaf() && h.n == 0) return Fail(id, "interior page without separators");

    // Cells: offsets, bounds, overlaps and free-space accounting.
    struct Extent {
      uint32_t off, size;
    };
    std::vector<Extent> extents;
    extents.reserve(h.n);
    std::vector<std::string_view> keys;
    keys.reserve(h.n);
    std::vector<LeafCell> leaf_cells;
    std::vector<PageId> children;
    uint64_t cell_bytes = 0;
    for (uint32_t i = 0; i < h.n; ++i) {
      const uint32_t off = SlotAt(p, i);
      const std::string where = "cell " + std::to_string(i) + " at offset " + std::to_string(off);
      if (!ValidCellOffset(h, ps, off)) return Fail(id, where + " is outside the content area");
      std::string_view key;
      uint32_t size;
      if (h.leaf()) {
        LeafCell cell;
        if (!ParseLeafCell(p, ps, off, &cell)) return Fail(id, where + " runs past the page end");
        key = cell.key_view();
        size = cell.size;
        if (cell.value_len > kMaxValueSize) return Fail(id, where + " has an oversized value");
        if (cell.overflow && cell.first_overflow == kInvalidPageId) {
          return Fail(id, where + " has a null overflow page");
        }
        leaf_cells.push_back(cell);
      } else {
        InteriorCell cell;
        if (!ParseInteriorCell(p, ps, off, &cell)) {
          return Fail(id, where + " runs past the page end");
        }
        key = cell.key_view();
        size = cell.size;
        if (cell.child == kInvalidPageId) return Fail(id, where + " has a null child");
        children.push_back(cell.child);
      }
      if (size > MaxLocalCell(ps)) {
        return Fail(id, where + " is " + std::to_string(size) + " bytes, over the maximum " +
                            std::to_string(MaxLocalCell(ps)));
      }
      if (key.size() > max_key) {
        return Fail(id, where + " has a key of " + std::to_string(key.size()) +
                            " bytes, over the maximum " + std::to_string(max_key));
      }
      if (!keys.empty() && CompareKeys(keys.back(), key) >= 0) {
        return Fail(id, "keys out of order at cell " + std::to_string(i));
      }
      if (lo != nullptr && CompareKeys(key, *lo) < 0) {
        return Fail(id, where + " has a key below its parent's separator");
      }
      if (hi != nullptr && CompareKeys(key, *hi) >= 0) {
        return Fail(id, where + " has a key at or above its parent's separator");
      }
      keys.push_back(key);
      extents.push_back(Extent{off, size});
      cell_bytes += size;
    }
    std::sort(extents.begin(), extents.end(),
              [](const Extent& a, const Extent& b) { return a.off < b.off; });
    for (size_t i = 1; i < extents.size(); ++i) {
      if (extents[i - 1].off + extents[i - 1].size > extents[i].off) {
        return Fail(id, "cells at offsets " + std::to_string(extents[i - 1].off) + " and " +
                            std::to_string(extents[i].off) + " overlap");
      }
    }
    if (cell_bytes + h.frag != ps - h.content) {
      return Fail(id, "free-space accounting mismatch: " + std::to_string(cell_bytes) +
                          " cell bytes + " + std::to_string(h.frag) +
                          " fragmented bytes != content area of " + std::to_string(ps - h.content));
    }
    stats.bytes_used += cell_bytes;

    if (h.leaf()) {
      if (depth != stats.depth)
        return Fail(id, "leaf at depth " + std::to_string(depth) + " in a tree of depth " +
                            std::to_string(stats.depth));
      stats.leaf_pages++;
      stats.entries += h.n;
      const uint32_t cap = OverflowCapacity(ps);
      for (const LeafCell& cell : leaf_cells) {
        if (!cell.overflow) continue;
        uint64_t pages = 0;
        DOSQL_RETURN_IF_ERROR(VisitOverflowChain(pager, id, cell.first_overflow, cell.value_len,
                                                 [&](const PageRef& chain_page) {
                                                   pages++;
                                                   return See(chain_page->id());
                                                 }));
        if (pages != (cell.value_len + cap - 1) / cap) {
          return Fail(cell.first_overflow, "overflow chain length mismatch");
        }
        stats.overflow_pages += pages;
      }
      return Status::OK();
    }

    stats.interior_pages++;
    PageId right;
    if (!ChildAt(p, ps, h, h.n, &right)) return Fail(id, "null right-most child");
    children.push_back(right);
    for (size_t i = 0; i < children.size(); ++i) {
      const std::string_view* child_lo = i == 0 ? lo : &keys[i - 1];
      const std::string_view* child_hi = i == keys.size() ? hi : &keys[i];
      DOSQL_RETURN_IF_ERROR(Node(id, children[i], h.level - 1, depth + 1, child_lo, child_hi));
    }
    return Status::OK();
  }
};

}  // namespace
}  // namespace internal

Result<PageId> PersistTree(WriteContext& ctx, PageId root) {
  if (ctx.pager == nullptr) return Status::InvalidArgument("btree: WriteContext has no pager");
  return internal::PersistNode(ctx, root, -1, nullptr);
}

Result<PageId> RelocateTree(WriteContext& ctx, PageId root, const MovePredicate& move) {
  if (ctx.pager == nullptr) return Status::InvalidArgument("btree: WriteContext has no pager");
  return internal::PersistNode(ctx, root, -1, &move);
}

Status ForEachPage(Pager& pager, PageId root, const std::function<Status(PageId)>& fn) {
  return internal::ForEachRec(pager, kInvalidPageId, root, -1, fn);
}

Status DropTree(WriteContext& ctx, PageId root) {
  if (ctx.pager == nullptr) return Status::InvalidArgument("btree: WriteContext has no pager");
  std::vector<PageId> pages;
  DOSQL_RETURN_IF_ERROR(ForEachPage(*ctx.pager, root, [&pages](PageId id) {
    pages.push_back(id);
    return Status::OK();
  }));
  // Only a fully readable tree is dropped, so a failed walk leaves ctx unchanged.
  ctx.replaced.insert(ctx.replaced.end(), pages.begin(), pages.end());
  return Status::OK();
}

Result<TreeStats> CheckTree(Pager& pager, PageId root) {
  internal::Checker checker{pager, {}, {}};
  DOSQL_RETURN_IF_ERROR(checker.Node(kInvalidPageId, root, -1, 1, nullptr, nullptr));
  return checker.stats;
}

}  // namespace dosql::btree
