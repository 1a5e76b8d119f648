// dosql::btree — byte layout of B+tree pages (documented in docs/formats/btree_page.md).
//
// Pure functions over page bytes, shared by the tree, the cursor and the checker. Every offset and
// length read from a page is checked against the page size before it is used: the parsers report
// failure (false or a problem string) instead of reading out of bounds, so corrupt bytes become
// Corruption and never a crash. Writers assume a page they already validated.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "dosql/btree/pager.h"
#include "dosql/core/coding.h"

namespace dosql::btree::internal {

// ----- common header (shared with the Pager) -----
inline constexpr uint32_t kPageCrcOffset = 0;     // u32 CRC32C of bytes [4, page_size)
inline constexpr uint32_t kPageIdOffset = 4;      // u64 page id
inline constexpr uint32_t kPageTypeOffset = 12;   // u8 page type
inline constexpr uint32_t kPageLevelOffset = 13;  // u8 level: 0 leaf, >= 1 interior
inline constexpr uint32_t kCommonHeaderSize = 16;

inline constexpr uint8_t kLeafPage = 1;
inline constexpr uint8_t kInteriorPage = 2;
inline constexpr uint8_t kOverflowPage = 3;

// ----- node (leaf and interior) header -----
inline constexpr uint32_t kCellCountOffset = 16;     // u16 number of cells
inline constexpr uint32_t kFragBytesOffset = 18;     // u16 dead bytes inside the content area
inline constexpr uint32_t kContentStartOffset = 20;  // u32 lowest byte of the content area
inline constexpr uint32_t kRightChildOffset = 24;    // u64 right-most child (interior), 0 (leaf)
inline constexpr uint32_t kNodeHeaderSize = 32;      // the slot array starts here
inline constexpr uint32_t kSlotSize = 2;             // u16 cell offset per slot

// ----- overflow page header -----
inline constexpr uint32_t kOverflowNextOffset = 16;  // u64 next page of the chain, 0 at the end
inline constexpr uint32_t kOverflowUsedOffset = 24;  // u32 data bytes on this page
inline constexpr uint32_t kOverflowHeaderSize = 28;  // data starts here

inline constexpr uint32_t kPageRefSize = 8;  // a page id inside a cell (LE u64)
// Levels are 0..kMaxTreeDepth-1; a tree is at most kMaxTreeDepth pages deep.
inline constexpr int kMaxTreeDepth = 64;

inline uint32_t UsableSpace(uint32_t ps) { return ps - kNodeHeaderSize; }
// Largest cell (excluding its slot) stored in a node page: four of them always fit.
inline uint32_t MaxLocalCell(uint32_t ps) { return UsableSpace(ps) / 4 - kSlotSize; }
inline uint32_t OverflowCapacity(uint32_t ps) { return ps - kOverflowHeaderSize; }
// A non-root node holding fewer bytes (cells + slots) than this is rebalanced after a delete.
inline uint32_t UnderfullThreshold(uint32_t ps) { return UsableSpace(ps) / 3; }

struct NodeHeader {
  uint8_t type = 0;
  uint8_t level = 0;
  uint32_t n = 0;        // cell count
  uint32_t frag = 0;     // fragmented (dead) bytes inside [content, page_size)
  uint32_t content = 0;  // start of the cell content area
  bool leaf() const { return type == kLeafPage; }
};

// Validates and decodes a node header. Returns nullptr when sound, else the problem.
inline const char* ReadNodeHeader(const uint8_t* p, uint32_t ps, NodeHeader* h) {
  h->type = p[kPageTypeOffset];
  h->level = p[kPageLevelOffset];
  if (h->type != kLeafPage && h->type != kInteriorPage) return "not a leaf or interior page";
  if ((h->type == kLeafPage) != (h->level == 0)) return "page type does not match its level";
  if (h->level >= kMaxTreeDepth) return "tree level out of range";
  h->n = DecodeFixed16(p + kCellCountOffset);
  h->frag = DecodeFixed16(p + kFragBytesOffset);
  h->content = DecodeFixed32(p + kContentStartOffset);
  if (h->content > ps) return "content area starts past the page end";
  if (kNodeHeaderSize + kSlotSize * h->n > h->content)
    return "slot array overlaps the content area";
  if (h->frag > ps - h->content) return "fragmented byte count exceeds the content area";
  return nullptr;
}

inline void StoreNodeHeader(uint8_t* p, const NodeHeader& h) {
  p[kPageTypeOffset] = h.type;
  p[kPageLevelOffset] = h.level;
  p[14] = 0;
  p[15] = 0;
  EncodeFixed16(p + kCellCountOffset, static_cast<uint16_t>(h.n));
  EncodeFixed16(p + kFragBytesOffset, static_cast<uint16_t>(h.frag));
  EncodeFixed32(p + kContentStartOffset, h.content);
}

// Bytes taken by cells and slots.
inline uint32_t UsedBytes(const NodeHeader& h, uint32_t ps) {
  return (ps - h.content - h.frag) + kSlotSize * h.n;
}
// Bytes available for new cells and slots (after defragmenting).
inline uint32_t FreeBytes(const NodeHeader& h, uint32_t ps) {
  return h.content - (kNodeHeaderSize + kSlotSize * h.n) + h.frag;
}

inline uint32_t SlotPos(uint32_t i) { return kNodeHeaderSize + kSlotSize * i; }
inline uint32_t SlotAt(const uint8_t* p, uint32_t i) { return DecodeFixed16(p + SlotPos(i)); }
inline bool ValidCellOffset(const NodeHeader& h, uint32_t ps, uint32_t off) {
  return off >= h.content && off < ps;
}

// Varint decoder with a one-byte fast path (key and value lengths are usually < 128).
inline const uint8_t* ReadVarint(const uint8_t* q, const uint8_t* end, uint64_t* v) {
  if (q < end && *q < 0x80) {
    *v = *q;
    return q + 1;
  }
  return DecodeVarint64(q, end, v);
}

// Orders keys by memcmp, shorter first on a common prefix.
inline int CompareKeys(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) {
  size_t skip = 0;
  if (an >= 8 && bn >= 8) {
    // The first 8 bytes as one big-endian number decide most comparisons (rowid keys whole,
    // index keys mostly) without a call to memcmp.
    const uint64_t x = DecodeBigEndian64(a);
    const uint64_t y = DecodeBigEndian64(b);
    if (x != y) return x < y ? -1 : 1;
    skip = 8;
  }
  const size_t m = std::min(an, bn);
  if (m > skip) {
    int c = std::memcmp(a + skip, b + skip, m - skip);
    if (c != 0) return c;
  }
  return (an > bn) - (an < bn);
}
inline int CompareKeys(std::string_view a, std::string_view b) {
  return CompareKeys(reinterpret_cast<const uint8_t*>(a.data()), a.size(),
                     reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

// ----- leaf cells: varint key_len, varint (value_len << 1 | overflow), key,
//       then value_len value bytes (inline) or the u64 first overflow page id. -----
struct LeafCell {
  const uint8_t* key = nullptr;
  uint32_t key_len = 0;
  uint64_t value_len = 0;
  bool overflow = false;
  const uint8_t* value = nullptr;  // inline value bytes
  PageId first_overflow = kInvalidPageId;
  uint32_t size = 0;  // bytes of the whole cell
  std::string_view key_view() const { return {reinterpret_cast<const char*>(key), key_len}; }
};

inline bool ParseLeafCell(const uint8_t* p, uint32_t ps, uint32_t off, LeafCell* c) {
  const uint8_t* start = p + off;
  const uint8_t* end = p + ps;
  uint64_t klen, vword;
  const uint8_t* q = ReadVarint(start, end, &klen);
  if (q == nullptr) return false;
  q = ReadVarint(q, end, &vword);
  if (q == nullptr || klen > static_cast<uint64_t>(end - q)) return false;
  c->key = q;
  c->key_len = static_cast<uint32_t>(klen);
  q += klen;
  c->value_len = vword >> 1;
  c->overflow = (vword & 1) != 0;
  if (c->overflow) {
    if (end - q < static_cast<ptrdiff_t>(kPageRefSize)) return false;
    c->value = nullptr;
    c->first_overflow = DecodeFixed64(q);
    q += kPageRefSize;
  } else {
    if (c->value_len > static_cast<uint64_t>(end - q)) return false;
    c->value = q;
    c->first_overflow = kInvalidPageId;
    q += c->value_len;
  }
  c->size = static_cast<uint32_t>(q - start);
  return true;
}

// (Always inlined: the searches call it per probe, and GCC's size heuristics outline it once
// it has many callers.)
[[gnu::always_inline]] inline bool ParseLeafKey(const uint8_t* p, uint32_t ps, uint32_t off,
                                                const uint8_t** key, uint32_t* key_len) {
  const uint8_t* end = p + ps;
  uint64_t klen, vword;
  const uint8_t* q = ReadVarint(p + off, end, &klen);
  if (q == nullptr) return false;
  q = ReadVarint(q, end, &vword);
  if (q == nullptr || klen > static_cast<uint64_t>(end - q)) return false;
  *key = q;
  *key_len = static_cast<uint32_t>(klen);
  return true;
}

inline uint32_t LeafCellSize(uint64_t klen, uint64_t vlen, bool overflow) {
  uint64_t vword = (vlen << 1) | (overflow ? 1 : 0);
  return static_cast<uint32_t>(VarintLength(klen) + VarintLength(vword) + klen +
                               (overflow ? kPageRefSize : vlen));
}

// Writes a leaf cell; `value` is the inline value (ignored when overflow).
inline uint8_t* EncodeLeafCell(uint8_t* dst, std::string_view key, uint64_t vlen, bool overflow,
                               const char* value, PageId first_overflow) {
  dst += EncodeVarint64(dst, key.size());
  dst += EncodeVarint64(dst, (vlen << 1) | (overflow ? 1 : 0));
  if (!key.empty()) std::memmove(dst, key.data(), key.size());
  dst += key.size();
  if (overflow) {
    EncodeFixed64(dst, first_overflow);
    dst += kPageRefSize;
  } else {
    if (vlen != 0) std::memmove(dst, value, vlen);
    dst += vlen;
  }
  return dst;
}

// ----- interior cells: u64 left child, varint key_len, key. -----
struct InteriorCell {
  PageId child = kInvalidPageId;
  const uint8_t* key = nullptr;
  uint32_t key_len = 0;
  uint32_t size = 0;
  std::string_view key_view() const { return {reinterpret_cast<const char*>(key), key_len}; }
};

inline bool ParseInteriorCell(const uint8_t* p, uint32_t ps, uint32_t off, InteriorCell* c) {
  if (off > ps || ps - off < kPageRefSize + 1) return false;
  const uint8_t* start = p + off;
  const uint8_t* end = p + ps;
  c->child = DecodeFixed64(start);
  uint64_t klen;
  const uint8_t* q = ReadVarint(start + kPageRefSize, end, &klen);
  if (q == nullptr || klen > static_cast<uint64_t>(end - q)) return false;
  c->key = q;
  c->key_len = static_cast<uint32_t>(klen);
  c->size = static_cast<uint32_t>(q + klen - start);
  return true;
}

inline uint32_t InteriorCellSize(size_t klen) {
  return static_cast<uint32_t>(kPageRefSize + VarintLength(klen) + klen);
}

inline uint8_t* EncodeInteriorCell(uint8_t* dst, PageId child, std::string_view key) {
  EncodeFixed64(dst, child);
  dst += kPageRefSize;
  dst += EncodeVarint64(dst, key.size());
  if (!key.empty()) std::memmove(dst, key.data(), key.size());
  return dst + key.size();
}

// Size of the cell at `off` of a node of the given type, or 0 when it is malformed.
inline uint32_t CellSizeAt(const uint8_t* p, uint32_t ps, uint8_t type, uint32_t off) {
  if (type == kLeafPage) {
    LeafCell c;
    return ParseLeafCell(p, ps, off, &c) ? c.size : 0;
  }
  InteriorCell c;
  return ParseInteriorCell(p, ps, off, &c) ? c.size : 0;
}

// ----- searches (false: the page is corrupt) -----

// *idx = the first cell whose key is >= target; *found = that key equals target.
inline bool LeafLowerBound(const uint8_t* p, uint32_t ps, const NodeHeader& h,
                           std::string_view target, uint32_t* idx, bool* found) {
  const auto* t = reinterpret_cast<const uint8_t*>(target.data());
  const size_t tn = target.size();
  uint32_t lo = 0, hi = h.n;
  while (lo < hi) {
    uint32_t mid = (lo + hi) >> 1;
    uint32_t off = SlotAt(p, mid);
    if (!ValidCellOffset(h, ps, off)) return false;
    const uint8_t* k;
    uint32_t kn;
    if (!ParseLeafKey(p, ps, off, &k, &kn)) return false;
    int c = CompareKeys(k, kn, t, tn);
    if (c < 0) {
      lo = mid + 1;
    } else if (c > 0) {
      hi = mid;
    } else {
      *idx = mid;
      *found = true;
      return true;
    }
  }
  *idx = lo;
  *found = false;
  return true;
}

// LeafLowerBound for a write, which often appends (a new rowid is the table's largest): the last
// key is tried before the search.
inline bool LeafLowerBoundForWrite(const uint8_t* p, uint32_t ps, const NodeHeader& h,
                                   std::string_view target, uint32_t* idx, bool* found) {
  if (h.n > 0) {
    const uint32_t off = SlotAt(p, h.n - 1);
    if (!ValidCellOffset(h, ps, off)) return false;
    const uint8_t* k;
    uint32_t kn;
    if (!ParseLeafKey(p, ps, off, &k, &kn)) return false;
    const int c =
        CompareKeys(k, kn, reinterpret_cast<const uint8_t*>(target.data()), target.size());
    if (c <= 0) {
      *idx = c < 0 ? h.n : h.n - 1;
      *found = c == 0;
      return true;
    }
  }
  return LeafLowerBound(p, ps, h, target, idx, found);
}

// *idx = the number of separators <= target: the index of the child whose range holds target.
inline bool InteriorUpperBound(const uint8_t* p, uint32_t ps, const NodeHeader& h,
                               std::string_view target, uint32_t* idx) {
  const auto* t = reinterpret_cast<const uint8_t*>(target.data());
  const size_t tn = target.size();
  uint32_t lo = 0, hi = h.n;
  const uint8_t* end = p + ps;
  while (lo < hi) {
    uint32_t mid = (lo + hi) >> 1;
    uint32_t off = SlotAt(p, mid);
    if (!ValidCellOffset(h, ps, off) || ps - off < kPageRefSize + 1) return false;
    uint64_t kn;
    const uint8_t* k = ReadVarint(p + off + kPageRefSize, end, &kn);
    if (k == nullptr || kn > static_cast<uint64_t>(end - k)) return false;
    if (CompareKeys(k, kn, t, tn) <= 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *idx = lo;
  return true;
}

// Child pointer i (0..n) of an interior page; false when the slot is bad or the id is null.
inline bool ChildAt(const uint8_t* p, uint32_t ps, const NodeHeader& h, uint32_t i, PageId* out) {
  if (i < h.n) {
    uint32_t off = SlotAt(p, i);
    if (!ValidCellOffset(h, ps, off) || ps - off < kPageRefSize) return false;
    *out = DecodeFixed64(p + off);
  } else {
    *out = DecodeFixed64(p + kRightChildOffset);
  }
  return *out != kInvalidPageId;
}

}  // namespace dosql::btree::internal
