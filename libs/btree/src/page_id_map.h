// dosql::btree — PageIdMap: an open-addressing hash map from a page id to a 32-bit slot number,
// the index of the page cache's shards (internal to the btree library).
//
// Linear probing over a power-of-two table of (id, value) pairs kept at most 7/8 full; id 0
// (kInvalidPageId, never cached) marks an empty slot; erasing shifts the following run back so
// no tombstones accumulate. One lookup touches one or two cache lines, against the node chase
// and integer division of std::unordered_map, which was a tenth of a large table scan's time.
//
// Not thread-safe: each cache shard guards its map with the shard's mutex.

#ifndef DOSQL_BTREE_SRC_PAGE_ID_MAP_H_
#define DOSQL_BTREE_SRC_PAGE_ID_MAP_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "dosql/btree/pager.h"

namespace dosql::btree::internal {

class PageIdMap {
 public:
  static constexpr uint32_t kAbsent = UINT32_MAX;

  PageIdMap() { Rehash(16); }

  size_t size() const { return size_; }

  // The value stored for `id`, or kAbsent.
  uint32_t Find(PageId id) const {
    for (size_t i = Home(id);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == id) return s.value;
      if (s.id == kInvalidPageId) return kAbsent;
    }
  }

  // Stores `value` for `id` (non-zero), replacing any value it had.
  void Put(PageId id, uint32_t value) {
    if ((size_ + 1) * 8 > slots_.size() * 7) Rehash(slots_.size() * 2);
    for (size_t i = Home(id);; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.id == id) {
        s.value = value;
        return;
      }
      if (s.id == kInvalidPageId) {
        s.id = id;
        s.value = value;
        ++size_;
        return;
      }
    }
  }

  // Removes `id` if present (backward-shift deletion: later members of the probe run move into
  // the hole when their home position allows it).
  void Erase(PageId id) {
    size_t i = Home(id);
    while (slots_[i].id != id) {
      if (slots_[i].id == kInvalidPageId) return;
      i = (i + 1) & mask_;
    }
    size_t hole = i;
    for (size_t j = (hole + 1) & mask_; slots_[j].id != kInvalidPageId; j = (j + 1) & mask_) {
      const size_t home = Home(slots_[j].id);
      // Slot j may move to the hole if its home is not in the cyclic range (hole, j].
      const bool home_after_hole = ((j - home) & mask_) < ((j - hole) & mask_);
      if (!home_after_hole) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    --size_;
  }

 private:
  struct Slot {
    PageId id = kInvalidPageId;
    uint32_t value = 0;
  };

  // A finalizer of its own (not the shard selector's multiplier), so that the bits choosing a
  // shard, equal for every id in it, do not choose the slot.
  size_t Home(PageId id) const {
    uint64_t h = id ^ (id >> 31);
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    return static_cast<size_t>(h) & mask_;
  }

  void Rehash(size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    size_ = 0;
    for (const Slot& s : old) {
      if (s.id != kInvalidPageId) Put(s.id, s.value);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace dosql::btree::internal

#endif  // DOSQL_BTREE_SRC_PAGE_ID_MAP_H_
