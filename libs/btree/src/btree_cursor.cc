// dosql::btree — Cursor: ordered iteration with a stack of (page, slot) from the root to a leaf.
//
// There are no sibling links (copy-on-write would have to copy neighbours on every split), so
// moving past the end of a leaf climbs the stack to the nearest ancestor with a further child
// and descends again. The stack is a fixed array of PageRefs: positioning and stepping allocate
// nothing (a cache miss inside the Pager aside). A frame keeps its page after the cursor moves
// up, so the next descent through the same pages (the root, upper levels) skips the cache.

#include <array>
#include <memory>
#include <string>
#include <utility>

#include "btree_internal.h"
#include "dosql/btree/btree.h"
#include "page_format.h"

namespace dosql::btree {

struct Cursor::Impl {
  struct Frame {
    PageRef page;
    internal::NodeHeader h;
    uint32_t idx = 0;  // interior: child index 0..n; leaf: cell index
  };

  Pager* pager;
  PageId root;
  int depth = 0;  // frames in use; path[depth - 1] is the leaf when valid
  bool valid = false;
  internal::LeafCell cell;
  std::array<Frame, internal::kMaxTreeDepth> path;
  // Read-ahead of the leaves a forward scan steps into (made on the first such step).
  std::unique_ptr<ScanRun> scan_run;

  Impl(Pager* p, PageId r) : pager(p), root(r) {}

  Status Invalidate(Status st) {
    valid = false;
    for (int i = 0; i < depth; ++i) path[i].page.reset();
    depth = 0;
    return st;
  }

  // Pushes the node `id` (at `level`, or any level for the root), referenced by page `from`.
  // Leaves a forward step enters come through the cursor's ScanRun (`scanning`).
  Status Push(PageId from, PageId id, int level, bool scanning = false) {
    if (depth >= internal::kMaxTreeDepth) {
      return internal::PageCorruption(id, "tree deeper than the depth limit");
    }
    Frame& f = path[depth];
    if (f.page != nullptr && f.page->id() == id && !f.page->freed()) {
      // The page this frame held at the previous descent (the root, an upper level): no trip
      // through the page cache. Ids are never reused, so it is the page Get would return; its
      // header is read again (a write transaction may have changed its own page in place).
      DOSQL_RETURN_IF_ERROR(internal::CheckReference(from, id));
      DOSQL_RETURN_IF_ERROR(internal::ReadNode(*pager, id, level, *f.page, &f.h));
    } else if (scanning && level == 0) {
      if (scan_run == nullptr) scan_run = std::make_unique<ScanRun>();
      DOSQL_RETURN_IF_ERROR(
          internal::LoadNode(*pager, from, id, level, &f.page, &f.h, scan_run.get()));
    } else {
      DOSQL_RETURN_IF_ERROR(internal::LoadNode(*pager, from, id, level, &f.page, &f.h));
    }
    f.idx = 0;
    depth++;
    return Status::OK();
  }

  // Whether child `child` of interior frame `parent` is a leaf a little way ahead of leaf
  // `here` (page ids in (here, here + kNearLeafPages]): lookups in key order that skip a few
  // pages. Such a leaf is read through the ScanRun: one read for the pages after it too, which
  // the next lookups are likely to reach.
  static constexpr PageId kNearLeafPages = 32;
  bool LeafAhead(const Frame& parent, uint32_t child, PageId here) const {
    PageId next = kInvalidPageId;
    return parent.h.level == 1 &&
           internal::ChildAt(parent.page->data(), parent.page->size(), parent.h, child, &next) &&
           next > here && next - here <= kNearLeafPages;
  }

  // Pushes child f.idx of the top (interior) frame.
  Status PushChild(bool scanning = false) {
    const Frame& f = path[depth - 1];
    PageId child;
    if (!internal::ChildAt(f.page->data(), f.page->size(), f.h, f.idx, &child)) {
      return internal::PageCorruption(f.page->id(), "bad child pointer " + std::to_string(f.idx));
    }
    return Push(f.page->id(), child, f.h.level - 1, scanning);
  }

  // Descends from the top frame (positioned) to a leaf, always taking the first or last child.
  Status DescendEdge(bool first, bool scanning = false) {
    for (;;) {
      Frame& f = path[depth - 1];
      if (f.h.leaf()) {
        f.idx = first || f.h.n == 0 ? 0 : f.h.n - 1;
        return Status::OK();
      }
      DOSQL_RETURN_IF_ERROR(PushChild(scanning));
      Frame& c = path[depth - 1];
      c.idx = first ? 0 : c.h.n;
    }
  }

  // Loads the cell at the leaf frame's index into `cell`.
  Status LoadCell() {
    const Frame& f = path[depth - 1];
    const uint8_t* p = f.page->data();
    const uint32_t ps = f.page->size();
    const uint32_t off = internal::SlotAt(p, f.idx);
    if (!internal::ValidCellOffset(f.h, ps, off) || !internal::ParseLeafCell(p, ps, off, &cell)) {
      return internal::PageCorruption(f.page->id(), "malformed cell " + std::to_string(f.idx));
    }
    valid = true;
    return Status::OK();
  }

  // From a leaf frame positioned at or past its end, moves to the first entry of the next
  // non-empty leaf, or becomes invalid at the end of the tree.
  Status SkipForward() {
    for (;;) {
      int d = depth - 2;
      while (d >= 0 && path[d].idx >= path[d].h.n) d--;
      if (d < 0) return Invalidate(Status::OK());
      for (int i = d + 1; i < depth; ++i) path[i].page.reset();
      depth = d + 1;
      path[d].idx++;
      DOSQL_RETURN_IF_ERROR(PushChild(/*scanning=*/true));
      path[depth - 1].idx = 0;
      DOSQL_RETURN_IF_ERROR(DescendEdge(true, /*scanning=*/true));
      if (path[depth - 1].h.n > 0) return LoadCell();
    }
  }

  // From a leaf frame positioned at its first entry (or empty), moves to the last entry of the
  // previous non-empty leaf, or becomes invalid at the start of the tree.
  Status SkipBackward() {
    for (;;) {
      int d = depth - 2;
      while (d >= 0 && path[d].idx == 0) d--;
      if (d < 0) return Invalidate(Status::OK());
      for (int i = d + 1; i < depth; ++i) path[i].page.reset();
      depth = d + 1;
      path[d].idx--;
      DOSQL_RETURN_IF_ERROR(PushChild());
      Frame& c = path[depth - 1];
      c.idx = c.h.leaf() ? 0 : c.h.n;
      DOSQL_RETURN_IF_ERROR(DescendEdge(false));
      if (path[depth - 1].h.n > 0) return LoadCell();
    }
  }

  Status SeekEdge(bool first) {
    valid = false;
    depth = 0;
    DOSQL_RETURN_IF_ERROR(Push(kInvalidPageId, root, -1));
    Frame& f = path[0];
    f.idx = first || f.h.leaf() ? 0 : f.h.n;
    DOSQL_RETURN_IF_ERROR(DescendEdge(first));
    if (path[depth - 1].h.n > 0) return LoadCell();
    return first ? SkipForward() : SkipBackward();
  }

  // Descends towards target; leaves the leaf frame at the first key >= target. *found: equal.
  Status Descend(std::string_view target, bool* found) {
    valid = false;
    depth = 0;
    DOSQL_RETURN_IF_ERROR(Push(kInvalidPageId, root, -1));
    for (;;) {
      Frame& f = path[depth - 1];
      const uint8_t* p = f.page->data();
      const uint32_t ps = f.page->size();
      if (f.h.leaf()) {
        if (!internal::LeafLowerBound(p, ps, f.h, target, &f.idx, found)) {
          return internal::PageCorruption(f.page->id(), "bad cell offset or key");
        }
        return Status::OK();
      }
      if (!internal::InteriorUpperBound(p, ps, f.h, target, &f.idx)) {
        return internal::PageCorruption(f.page->id(), "bad separator cell");
      }
      // The leaf the next frame held at the previous descent, if any (past the depth limit
      // there is none: Push reports the corruption).
      const Page* before = depth < internal::kMaxTreeDepth ? path[depth].page.get() : nullptr;
      DOSQL_RETURN_IF_ERROR(PushChild(before != nullptr && LeafAhead(f, f.idx, before->id())));
    }
  }
};

Cursor::Cursor(Pager* pager, PageId root) : impl_(std::make_unique<Impl>(pager, root)) {}
Cursor::~Cursor() = default;
Cursor::Cursor(Cursor&&) noexcept = default;
Cursor& Cursor::operator=(Cursor&&) noexcept = default;

Status Cursor::SeekFirst() {
  Status st = impl_->SeekEdge(true);
  return st.ok() ? st : impl_->Invalidate(std::move(st));
}

Status Cursor::SeekLast() {
  Status st = impl_->SeekEdge(false);
  return st.ok() ? st : impl_->Invalidate(std::move(st));
}

Status Cursor::Seek(std::string_view target) {
  Impl& m = *impl_;
  bool found;
  Status st = m.Descend(target, &found);
  if (st.ok()) {
    st = m.path[m.depth - 1].idx < m.path[m.depth - 1].h.n ? m.LoadCell() : m.SkipForward();
  }
  return st.ok() ? st : m.Invalidate(std::move(st));
}

Status Cursor::SeekNear(std::string_view target) {
  Impl& m = *impl_;
  if (m.valid && m.depth > 0) {
    Impl::Frame& leaf = m.path[m.depth - 1];
    // Past the entry it stands on and at most the next one (lookups of consecutive keys in
    // order: a table's rows through an index that follows them): that entry, no search.
    const uint32_t next = leaf.idx + 1;
    if (next < leaf.h.n && internal::CompareKeys(target, m.cell.key_view()) > 0) {
      const uint8_t* p = leaf.page->data();
      const uint32_t ps = leaf.page->size();
      const uint32_t off = internal::SlotAt(p, next);
      const uint8_t* k;
      uint32_t kn;
      if (internal::ValidCellOffset(leaf.h, ps, off) &&
          internal::ParseLeafKey(p, ps, off, &k, &kn) &&
          internal::CompareKeys(reinterpret_cast<const uint8_t*>(target.data()), target.size(), k,
                                kn) <= 0) {
        leaf.idx = next;
        Status st = m.LoadCell();
        return st.ok() ? st : m.Invalidate(std::move(st));
      }
    }
    uint32_t idx = 0;
    bool found = false;
    // A target past the leaf's last key (or before its first) is not searched for here (lookups
    // in no order: a table's rows through an index that does not follow them).
    bool outside = leaf.h.n == 0;
    auto beyond = [&](uint32_t edge, int side) {  // the target sorts past cell `edge` on `side`
      const uint8_t* p = leaf.page->data();
      const uint32_t ps = leaf.page->size();
      const uint32_t off = internal::SlotAt(p, edge);
      const uint8_t* k;
      uint32_t kn;
      // (A bad cell is left to the search below, which reports it.)
      if (!internal::ValidCellOffset(leaf.h, ps, off) ||
          !internal::ParseLeafKey(p, ps, off, &k, &kn)) {
        return false;
      }
      const auto* t = reinterpret_cast<const uint8_t*>(target.data());
      return internal::CompareKeys(t, target.size(), k, kn) * side > 0;
    };
    if (!outside) outside = beyond(leaf.h.n - 1, 1) || beyond(0, -1);
    if (!outside && !internal::LeafLowerBound(leaf.page->data(), leaf.page->size(), leaf.h, target,
                                              &idx, &found)) {
      return m.Invalidate(internal::PageCorruption(leaf.page->id(), "bad cell offset or key"));
    }
    // Between this leaf's first and last keys: it is the leaf Seek would reach.
    if (!outside && ((idx > 0 && idx < leaf.h.n) || (idx == 0 && found))) {
      leaf.idx = idx;
      Status st = m.LoadCell();
      return st.ok() ? st : m.Invalidate(std::move(st));
    }
    // Past either end of the leaf, but between two separators of its parent: the child between
    // them is the leaf Seek would reach (a lookup of the next keys in order, on a sibling).
    if (m.depth >= 2) {
      Impl::Frame& parent = m.path[m.depth - 2];
      uint32_t child;
      if (!internal::InteriorUpperBound(parent.page->data(), parent.page->size(), parent.h, target,
                                        &child)) {
        return m.Invalidate(internal::PageCorruption(parent.page->id(), "bad separator cell"));
      }
      if (child > 0 && child < parent.h.n) {
        // A leaf a little way ahead of this one (lookups in key order skipping a few pages)
        // comes through the cursor's ScanRun: one read for the pages around it, which the next
        // lookups are likely to reach too.
        const bool ahead = child > parent.idx && m.LeafAhead(parent, child, leaf.page->id());
        m.valid = false;
        leaf.page.reset();
        m.depth--;
        parent.idx = child;
        Status st = m.PushChild(/*scanning=*/ahead);
        if (st.ok()) {
          Impl::Frame& next = m.path[m.depth - 1];
          if (!next.h.leaf() || !internal::LeafLowerBound(next.page->data(), next.page->size(),
                                                          next.h, target, &next.idx, &found)) {
            st = internal::PageCorruption(next.page->id(), "bad cell offset or key");
          } else {
            st = next.idx < next.h.n ? m.LoadCell() : m.SkipForward();
          }
        }
        return st.ok() ? st : m.Invalidate(std::move(st));
      }
    }
  }
  return Seek(target);
}

void Cursor::Reset(PageId root) {
  impl_->Invalidate(Status::OK()).IgnoreError();
  impl_->root = root;
}

PageId Cursor::root() const { return impl_->root; }

PageRef Cursor::leaf_page() const {
  return impl_->valid && impl_->depth > 0 ? impl_->path[impl_->depth - 1].page : nullptr;
}

uint32_t Cursor::leaf_slot() const {
  return impl_->valid && impl_->depth > 0 ? impl_->path[impl_->depth - 1].idx : LeafHint::kNoSlot;
}

Status Cursor::SeekForPrev(std::string_view target) {
  Impl& m = *impl_;
  bool found;
  Status st = m.Descend(target, &found);
  if (st.ok()) {
    Impl::Frame& leaf = m.path[m.depth - 1];
    if (found) {
      st = m.LoadCell();
    } else if (leaf.idx > 0) {
      leaf.idx--;
      st = m.LoadCell();
    } else {
      st = m.SkipBackward();
    }
  }
  return st.ok() ? st : m.Invalidate(std::move(st));
}

Status Cursor::Next() {
  Impl& m = *impl_;
  if (!m.valid) return Status::InvalidArgument("Cursor::Next on a cursor that is not positioned");
  Impl::Frame& leaf = m.path[m.depth - 1];
  leaf.idx++;
  Status st = leaf.idx < leaf.h.n ? m.LoadCell() : m.SkipForward();
  return st.ok() ? st : m.Invalidate(std::move(st));
}

bool Cursor::NextInLeaf(std::string_view* key, std::string_view* value) {
  Impl& m = *impl_;
  if (!m.valid) return false;
  Impl::Frame& leaf = m.path[m.depth - 1];
  const uint32_t i = leaf.idx + 1;
  if (i >= leaf.h.n) return false;
  const uint8_t* p = leaf.page->data();
  const uint32_t ps = leaf.page->size();
  const uint32_t off = internal::SlotAt(p, i);
  // Parsed straight into the cursor's cell: building a local LeafCell and copying it over made
  // GCC stage the copy through the stack with mismatched store and load widths, and the stalled
  // store forwarding cost more than the parse. On failure the cell is parsed again at the old
  // position (which parsed before), so the cursor is left as it was.
  if (!internal::ValidCellOffset(leaf.h, ps, off) || !internal::ParseLeafCell(p, ps, off, &m.cell) ||
      m.cell.overflow) {
    m.LoadCell().IgnoreError();
    return false;
  }
  leaf.idx = i;
  *key = m.cell.key_view();
  *value = std::string_view(reinterpret_cast<const char*>(m.cell.value), m.cell.value_len);
  return true;
}

static_assert(internal::kNodeHeaderSize == 32 && internal::kSlotSize == 2,
              "LeafEntries::Entry reads the slot array where page_format.h lays it out");

bool Cursor::LeafAhead(LeafEntries* out) const {
  const Impl& m = *impl_;
  if (!m.valid) return false;
  const Impl::Frame& leaf = m.path[m.depth - 1];
  out->page = leaf.page->data();
  out->page_size = leaf.page->size();
  out->content = leaf.h.content;
  out->next = leaf.idx + 1;
  out->end = leaf.h.n;
  return true;
}

void Cursor::MoveInLeaf(uint32_t i) {
  Impl& m = *impl_;
  Impl::Frame& leaf = m.path[m.depth - 1];
  const uint32_t old = leaf.idx;
  leaf.idx = i;
  if (!m.LoadCell().ok()) {  // (LeafEntries::Entry read it: a programmer error)
    leaf.idx = old;
    m.LoadCell().IgnoreError();
  }
}

Status Cursor::SkipLeaf(uint64_t* skipped) {
  Impl& m = *impl_;
  *skipped = 0;
  if (!m.valid)
    return Status::InvalidArgument("Cursor::SkipLeaf on a cursor that is not positioned");
  Impl::Frame& leaf = m.path[m.depth - 1];
  *skipped = leaf.h.n - leaf.idx;
  leaf.idx = leaf.h.n;
  Status st = m.SkipForward();
  return st.ok() ? st : m.Invalidate(std::move(st));
}

Status Cursor::Prev() {
  Impl& m = *impl_;
  if (!m.valid) return Status::InvalidArgument("Cursor::Prev on a cursor that is not positioned");
  Impl::Frame& leaf = m.path[m.depth - 1];
  Status st;
  if (leaf.idx > 0) {
    leaf.idx--;
    st = m.LoadCell();
  } else {
    st = m.SkipBackward();
  }
  return st.ok() ? st : m.Invalidate(std::move(st));
}

bool Cursor::Valid() const { return impl_ != nullptr && impl_->valid; }

std::string_view Cursor::key() const {
  if (!Valid()) return {};
  return impl_->cell.key_view();
}

Result<std::string_view> Cursor::value(std::string* scratch) const {
  if (!Valid()) return Status::InvalidArgument("Cursor::value on a cursor that is not positioned");
  const internal::LeafCell& cell = impl_->cell;
  if (!cell.overflow) {
    return std::string_view(reinterpret_cast<const char*>(cell.value), cell.value_len);
  }
  scratch->clear();
  DOSQL_RETURN_IF_ERROR(internal::ReadOverflowChain(*impl_->pager,
                                                    impl_->path[impl_->depth - 1].page->id(),
                                                    cell.first_overflow, cell.value_len, scratch));
  return std::string_view(*scratch);
}

uint64_t Cursor::value_size() const { return Valid() ? impl_->cell.value_len : 0; }

uint64_t Cursor::EstimatedEntries() const {
  if (!Valid()) return 0;
  uint64_t n = 1;
  for (int i = 0; i + 1 < impl_->depth; i++) n *= uint64_t{impl_->path[i].h.n} + 1;
  return n * impl_->path[impl_->depth - 1].h.n;
}

}  // namespace dosql::btree
