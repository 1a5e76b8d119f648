// dosql::btree — Pager implementation: page memory, the sharded LRU page cache, transient pages
// and the data segment files.
//
// ---------------------------------------------------------------------------------------------
// Common page header (every permanent page on disk; shared with the B+tree code)
//
//   offset  size  field
//   0       4     CRC32C (little-endian) of bytes [4, page_size)
//   4       8     page id (little-endian u64): the id this image was written as
//   12      1     page type: 1 = leaf, 2 = interior, 3 = overflow; any other value is invalid
//   13      3     reserved for the tree (the pager copies them verbatim)
//   16      ...   tree-defined contents
//
// WritePermanent stamps the id and then the CRC into a copy of the caller's image; the caller
// fills byte 12 onwards. Get() of a permanent page that is not cached reads the image from its
// segment file and verifies, in this order:
//   * a short read, a missing segment file, or an all-zero image
//       -> Corruption "page N (file F offset O): never written / truncated"
//   * CRC mismatch            -> Corruption "page N (file F offset O): checksum mismatch ..."
//   * stored id != requested  -> Corruption "page N (file F offset O): holds page M (misdirected
//                                write)"
//   * type not in {1, 2, 3}   -> Corruption "page N (file F offset O): invalid page type T"
//
// Segment files: page id (1-based) lives in segment s = (id - 1) / segment_pages at byte offset
// ((id - 1) % segment_pages) * page_size of "seg-<s, at least 6 decimal digits>.dat". Segments
// named in PagerOptions::foreign_segments are read (read-only) from their own directories; all
// others live in this store's directory. Ids are handed out sequentially by WritePermanent, so a
// segment file is filled front to back; sealing skips to the first id of the next segment.
// ---------------------------------------------------------------------------------------------
//
// Locking (outermost first): write_mu (writer state: next id, current segment, dirty set)
// -> seg_mu (segment file handles) -> one cache shard mutex / one transient shard mutex.
// Get() never takes write_mu; a cache hit takes exactly one shard mutex.

#include <algorithm>
#include <array>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dosql/btree/pager.h"
#include "dosql/core/coding.h"
#include "dosql/core/crc32c.h"
#include "page_id_map.h"

namespace dosql::btree {

namespace {

constexpr size_t kPageAlignment = 64;
constexpr size_t kCrcOffset = 0;
constexpr size_t kIdOffset = 4;
constexpr size_t kTypeOffset = 12;
constexpr size_t kHeaderSize = 16;
static_assert(kTypeOffset < kHeaderSize && kHeaderSize <= 1024, "header fits the smallest page");
constexpr uint32_t kMinPageSize = 1024;
constexpr uint32_t kMaxPageSize = 64 * 1024;
constexpr uint64_t kMaxSegmentPages = 1ull << 32;
constexpr size_t kMaxCacheShards = 64;
constexpr size_t kTransientShards = 16;
constexpr uint64_t kReadAheadBytes = 128 << 10;
constexpr uint64_t kNoSegment = std::numeric_limits<uint64_t>::max();

bool ValidPageType(uint8_t type) { return type >= 1 && type <= 3; }

size_t AllocationSize(uint32_t size) {
  size_t n = (static_cast<size_t>(size) + kPageAlignment - 1) & ~(kPageAlignment - 1);
  return n == 0 ? kPageAlignment : n;
}

std::string SegmentFileName(uint64_t segment) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "seg-%06llu.dat", static_cast<unsigned long long>(segment));
  return buf;
}

// Accepts exactly the names SegmentFileName produces.
bool ParseSegmentFileName(std::string_view name, uint64_t* segment) {
  constexpr std::string_view kPrefix = "seg-";
  constexpr std::string_view kSuffix = ".dat";
  if (name.size() < kPrefix.size() + 6 + kSuffix.size()) return false;
  if (name.substr(0, kPrefix.size()) != kPrefix) return false;
  if (name.substr(name.size() - kSuffix.size()) != kSuffix) return false;
  std::string_view digits =
      name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
  if (digits.size() > 20) return false;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  // Reject non-canonical spellings (e.g. extra leading zeros) so a name maps to one segment.
  if (SegmentFileName(v) != name) return false;
  *segment = v;
  return true;
}

bool IsAllZero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

std::string Where(PageId id, const std::string& path, uint64_t offset) {
  return "page " + std::to_string(id) + " (file " + path + " offset " + std::to_string(offset) +
         ")";
}

std::string Hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%08" PRIx32, v);
  return buf;
}

size_t FloorPowerOfTwo(size_t v) {
  size_t p = 1;
  while (p * 2 <= v) p *= 2;
  return p;
}

}  // namespace

// ----- Page -----

Page::Page(PageId id, uint32_t size, Unfilled) : id_(id), size_(size) {
  data_ = static_cast<uint8_t*>(
      ::operator new (AllocationSize(size), std::align_val_t{kPageAlignment}));
}

Page::Page(PageId id, uint32_t size) : Page(id, size, Unfilled{}) {
  std::memset(data_, 0, AllocationSize(size));
}

Page::Page(PageId id, uint32_t size, const uint8_t* bytes, std::shared_ptr<const void> mapping)
    : id_(id), size_(size), data_(const_cast<uint8_t*>(bytes)), mapping_(std::move(mapping)) {}

Page::~Page() {
  if (mapping_ == nullptr) ::operator delete (data_, std::align_val_t{kPageAlignment});
}

// ----- Pager::Impl -----

struct Pager::Impl {
  // A cached page. The entries of a shard form a doubly linked LRU list by index.
  struct CacheEntry {
    PageRef page;  // null: the entry is free
    uint32_t prev = kNil;  // towards the most recently used end
    uint32_t next = kNil;  // towards the least recently used end
  };
  static constexpr uint32_t kNil = internal::PageIdMap::kAbsent;
  // How many evicted pages a shard keeps for the next misses to read into (saves the
  // allocation, zeroing and release of a page per miss while a scan streams through the cache).
  static constexpr size_t kSparePages = 4;
  struct alignas(64) CacheShard {
    std::mutex mu;
    internal::PageIdMap index;         // page id -> entry
    std::vector<CacheEntry> entries;   // stable indices; free ones listed in free_entries
    std::vector<uint32_t> free_entries;
    uint32_t head = kNil;  // most recently used
    uint32_t tail = kNil;  // least recently used
    uint64_t bytes = 0;
    std::vector<PageRef> spare;  // evicted pages nobody else holds, to be read into again
    // Hits counted under `mu` (a shared atomic counter cost every hit a locked add); read
    // with a relaxed load by stats().
    std::atomic<uint64_t> hits{0};
  };
  // Transient pages by id: an index into `pages` (free slots listed in `free_slots`).
  struct alignas(64) TransientShard {
    std::mutex mu;
    internal::PageIdMap index;
    std::vector<PageRef> pages;
    std::vector<uint32_t> free_slots;
  };
  struct SegmentHandle {
    std::shared_ptr<fsx::File> file;
    bool writable = false;
  };
  // A segment file mapped read-only, and which of its pages were verified since it was mapped.
  struct MappedSegment {
    std::shared_ptr<const fsx::MappedBytes> bytes;
    uint64_t pages = 0;                                 // whole pages in the mapping
    std::unique_ptr<std::atomic<uint64_t>[]> verified;  // a bit per page
  };

  Impl(std::shared_ptr<fsx::FileSystem> fs_in, std::string dir_in, PagerOptions options_in)
      : fs(std::move(fs_in)), dir(std::move(dir_in)), options(std::move(options_in)) {
    uint64_t budget_pages = options.cache_bytes / options.page_size;
    // At least ~8 pages per shard so that a small cache still caches something in every shard.
    num_cache_shards = FloorPowerOfTwo(
        static_cast<size_t>(std::clamp<uint64_t>(budget_pages / 8, 1, kMaxCacheShards)));
    shard_budget = options.cache_bytes / num_cache_shards;
    // Up to kReadAheadBytes per read, and no more than 1/16 of the cache.
    read_ahead_pages = std::clamp<uint64_t>(
        std::min<uint64_t>(kReadAheadBytes / options.page_size, budget_pages / 16), 1, 64);
    cache_shards = std::make_unique<CacheShard[]>(num_cache_shards);
    can_map.store(options.map_segments, std::memory_order_relaxed);
    PageId first = 1;
    for (const SegmentSource& src : options.foreign_segments) {
      first = std::max<PageId>(first, src.end_segment * options.segment_pages + 1);
    }
    next_id.store(first, std::memory_order_relaxed);
  }

  // --- layout ---

  uint64_t SegmentOfId(PageId id) const { return (id - 1) / options.segment_pages; }
  uint64_t OffsetOfId(PageId id) const {
    return ((id - 1) % options.segment_pages) * static_cast<uint64_t>(options.page_size);
  }
  PageId FirstIdOfSegment(uint64_t segment) const { return segment * options.segment_pages + 1; }

  const SegmentSource* ForeignSourceOf(uint64_t segment) const {
    for (const SegmentSource& src : options.foreign_segments) {
      if (segment >= src.first_segment && segment < src.end_segment) return &src;
    }
    return nullptr;
  }

  std::string SegmentPath(uint64_t segment) const {
    const SegmentSource* src = ForeignSourceOf(segment);
    return fsx::JoinPath(src != nullptr ? src->dir : dir, SegmentFileName(segment));
  }

  // --- cache ---

  CacheShard& CacheShardFor(PageId id) const {
    uint64_t h = id * 0x9E3779B97F4A7C15ull;
    return cache_shards[(h >> 40) & (num_cache_shards - 1)];
  }
  TransientShard& TransientShardFor(PageId id) {
    return transient_shards[id & (kTransientShards - 1)];
  }

  static void UnlinkLocked(CacheShard& shard, uint32_t e) {
    CacheEntry& entry = shard.entries[e];
    if (entry.prev != kNil) shard.entries[entry.prev].next = entry.next;
    else shard.head = entry.next;
    if (entry.next != kNil) shard.entries[entry.next].prev = entry.prev;
    else shard.tail = entry.prev;
    entry.prev = entry.next = kNil;
  }

  static void PushFrontLocked(CacheShard& shard, uint32_t e) {
    CacheEntry& entry = shard.entries[e];
    entry.prev = kNil;
    entry.next = shard.head;
    if (shard.head != kNil) shard.entries[shard.head].prev = e;
    shard.head = e;
    if (shard.tail == kNil) shard.tail = e;
  }

  static void TouchLocked(CacheShard& shard, uint32_t e) {
    if (shard.head == e) return;
    UnlinkLocked(shard, e);
    PushFrontLocked(shard, e);
  }

  // Removes entry `e`; returns its page (the caller decides whether to keep it as a spare).
  PageRef EraseLocked(CacheShard& shard, uint32_t e) {
    shard.bytes -= options.page_size;
    cached_pages.fetch_sub(1, std::memory_order_relaxed);
    cached_bytes.fetch_sub(options.page_size, std::memory_order_relaxed);
    UnlinkLocked(shard, e);
    PageRef page = std::move(shard.entries[e].page);
    shard.index.Erase(page->id());
    shard.free_entries.push_back(e);
    return page;
  }

  // Evicts unpinned least-recently-used pages until `incoming` more bytes fit in the shard's
  // budget. Pinned pages (someone else holds a PageRef) are moved to the front and skipped; each
  // entry is looked at most once per call. Evicted pages nobody holds become spares.
  void MakeRoomLocked(CacheShard& shard, uint64_t incoming) {
    size_t to_scan = shard.index.size();
    while (to_scan > 0 && shard.bytes + incoming > shard_budget && shard.tail != kNil) {
      --to_scan;
      const uint32_t last = shard.tail;
      if (shard.entries[last].page.use_count() == 1) {
        PageRef page = EraseLocked(shard, last);
        if (shard.spare.size() < kSparePages && !page->mapped()) {
          shard.spare.push_back(std::move(page));
        }
        evictions.fetch_add(1, std::memory_order_relaxed);
      } else {
        TouchLocked(shard, last);
      }
    }
  }

  // A page buffer for reading `id` into: a spare of its shard, or a new one.
  PageRef TakeSpare(PageId id) {
    CacheShard& shard = CacheShardFor(id);
    PageRef page;
    {
      std::lock_guard<std::mutex> lock(shard.mu);
      if (!shard.spare.empty()) {
        page = std::move(shard.spare.back());
        shard.spare.pop_back();
      }
    }
    if (page == nullptr) return std::make_shared<Page>(id, options.page_size, Page::Unfilled{});
    page->Reuse(id);
    return page;
  }

  // Caches `page`. If the id is cached already: with replace=false the cached copy wins and is
  // returned (concurrent misses end up sharing one page) unless it awaits verification (read
  // ahead); with replace=true `page` replaces it.
  PageRef Insert(PageRef page, bool replace) {
    CacheShard& shard = CacheShardFor(page->id());
    std::lock_guard<std::mutex> lock(shard.mu);
    const uint32_t found = shard.index.Find(page->id());
    if (found != kNil) {
      if (!replace && shard.entries[found].page->verified_) {
        TouchLocked(shard, found);
        return shard.entries[found].page;
      }
      EraseLocked(shard, found);
    }
    MakeRoomLocked(shard, options.page_size);
    LinkLocked(shard, page);
    return page;
  }

  // Caches a copy of `image` as page `id`, awaiting verification (Pager::Get verifies it on
  // first use), unless the id is cached already: one lock for the lookup, the buffer (a spare
  // when there is one) and the insert.
  void InsertReadAhead(PageId id, const uint8_t* image) {
    CacheShard& shard = CacheShardFor(id);
    std::lock_guard<std::mutex> lock(shard.mu);
    if (shard.index.Find(id) != kNil) return;
    MakeRoomLocked(shard, options.page_size);
    PageRef page;
    if (!shard.spare.empty()) {
      page = std::move(shard.spare.back());
      shard.spare.pop_back();
      page->Reuse(id);
    } else {
      page = std::make_shared<Page>(id, options.page_size, Page::Unfilled{});
    }
    std::memcpy(page->data(), image, options.page_size);
    page->verified_ = false;
    LinkLocked(shard, std::move(page));
  }

  // Adds `page` (its id not cached, room made) at the front of the shard's LRU list.
  void LinkLocked(CacheShard& shard, PageRef page) {
    uint32_t e;
    if (!shard.free_entries.empty()) {
      e = shard.free_entries.back();
      shard.free_entries.pop_back();
    } else {
      e = static_cast<uint32_t>(shard.entries.size());
      shard.entries.emplace_back();
    }
    const PageId id = page->id();
    shard.entries[e].page = std::move(page);
    PushFrontLocked(shard, e);
    shard.index.Put(id, e);
    shard.bytes += options.page_size;
    cached_pages.fetch_add(1, std::memory_order_relaxed);
    cached_bytes.fetch_add(options.page_size, std::memory_order_relaxed);
  }

  // Removes cached pages whose id satisfies pred; with only_unpinned, pinned pages stay.
  template <typename Pred>
  void DropCachedIf(Pred pred, bool only_unpinned) {
    for (size_t s = 0; s < num_cache_shards; ++s) {
      CacheShard& shard = cache_shards[s];
      std::lock_guard<std::mutex> lock(shard.mu);
      for (uint32_t e = shard.head; e != kNil;) {
        const uint32_t next = shard.entries[e].next;
        const PageRef& page = shard.entries[e].page;
        if (pred(page->id()) && (!only_unpinned || page.use_count() == 1)) {
          EraseLocked(shard, e);
        }
        e = next;
      }
      shard.spare.clear();
    }
  }

  // --- segment files ---

  // A handle for reading `segment`, opened read-only on first use. NotFound if the file is missing.
  Result<std::shared_ptr<fsx::File>> ReadHandle(uint64_t segment) {
    {
      std::lock_guard<std::mutex> lock(seg_mu);
      auto it = handles.find(segment);
      if (it != handles.end()) return it->second.file;
    }
    fsx::OpenOptions opts;
    opts.read_only = true;
    DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<fsx::File> opened,
                           fs->Open(SegmentPath(segment), opts));
    std::shared_ptr<fsx::File> file(std::move(opened));
    std::lock_guard<std::mutex> lock(seg_mu);
    auto [it, inserted] = handles.try_emplace(segment, SegmentHandle{file, false});
    return it->second.file;
  }

  // The writable handle of own segment `segment`, creating the file if needed. write_mu held.
  Result<std::shared_ptr<fsx::File>> WriteHandleLocked(uint64_t segment) {
    if (segment == cur_segment && cur_file != nullptr) return cur_file;
    if (ForeignSourceOf(segment) != nullptr) {
      return Status::ReadOnly("segment " + std::to_string(segment) +
                              " belongs to a foreign segment source and is read-only");
    }
    std::shared_ptr<fsx::File> file;
    {
      std::lock_guard<std::mutex> lock(seg_mu);
      auto it = handles.find(segment);
      if (it != handles.end() && it->second.writable) file = it->second.file;
    }
    if (file == nullptr) {
      const std::string path = SegmentPath(segment);
      fsx::OpenOptions create;
      create.create = true;
      create.exclusive = true;
      auto created = fs->Open(path, create);
      if (created.ok()) {
        file = std::move(created).value();
        dir_dirty = true;
      } else if (created.status().code() == StatusCode::kAlreadyExists) {
        DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<fsx::File> existing,
                               fs->Open(path, fsx::OpenOptions{}));
        file = std::move(existing);
      } else {
        return created.status().WithContext("creating segment file " + path);
      }
      std::lock_guard<std::mutex> lock(seg_mu);
      handles[segment] = SegmentHandle{file, true};
    }
    cur_segment = segment;
    cur_file = file;
    return file;
  }

  // --- mapped segments ---

  // The mapping of `id`'s segment when it holds `id`, or null. A segment is mapped on first use
  // once no page will be written to it any more (the writer's next id is in a later segment, or
  // the segment is foreign), if the file system can map; a segment that could not be mapped is
  // remembered as such (null) and read with read calls.
  std::shared_ptr<MappedSegment> MappingOf(PageId id) {
    if (!can_map.load(std::memory_order_relaxed)) return nullptr;
    const uint64_t segment = SegmentOfId(id);
    const uint64_t index = (id - 1) % options.segment_pages;
    {
      std::shared_lock lock(map_mu);
      auto it = mapped.find(segment);
      if (it != mapped.end()) {
        return it->second != nullptr && index < it->second->pages ? it->second : nullptr;
      }
    }
    if (ForeignSourceOf(segment) == nullptr &&
        segment >= SegmentOfId(next_id.load(std::memory_order_acquire))) {
      return nullptr;  // still being written
    }
    auto handle = ReadHandle(segment);
    if (!handle.ok()) return nullptr;  // the read that follows reports it
    std::shared_ptr<MappedSegment> m;
    auto size = (*handle)->Size();
    if (!size.ok()) return nullptr;
    const uint64_t pages = std::min<uint64_t>(*size / options.page_size, options.segment_pages);
    if (pages > 0) {
      auto bytes = (*handle)->MapReadOnly(pages * options.page_size);
      if (bytes.ok()) {
        m = std::make_shared<MappedSegment>();
        m->bytes = std::move(bytes).value();
        m->pages = pages;
        m->verified = std::make_unique<std::atomic<uint64_t>[]>((pages + 63) / 64);
      } else if (bytes.status().code() == StatusCode::kNotSupported) {
        can_map.store(false, std::memory_order_relaxed);
        return nullptr;
      }
    }
    std::unique_lock lock(map_mu);
    auto [it, inserted] = mapped.try_emplace(segment, std::move(m));
    return it->second != nullptr && index < it->second->pages ? it->second : nullptr;
  }

  // Page `id` of mapping `m` (which holds it), verified on its first use since the mapping;
  // `keep` (m's owner) keeps the mapping alive for as long as the page lives.
  Result<PageRef> MappedPage(PageId id, const MappedSegment& m, std::shared_ptr<const void> keep) {
    const uint64_t index = (id - 1) % options.segment_pages;
    const uint8_t* image = m.bytes->data() + index * options.page_size;
    std::atomic<uint64_t>& word = m.verified[index / 64];
    const uint64_t bit = uint64_t{1} << (index % 64);
    if ((word.load(std::memory_order_relaxed) & bit) == 0) {
      DOSQL_RETURN_IF_ERROR(VerifyAt(id, image));
      word.fetch_or(bit, std::memory_order_relaxed);
    }
    pages_mapped.fetch_add(1, std::memory_order_relaxed);
    return std::make_shared<Page>(id, options.page_size, image, std::move(keep));
  }

  // Forgets the mappings of the segments that satisfy pred (pages handed out keep theirs alive).
  template <typename Pred>
  void UnmapIf(Pred pred) {
    std::unique_lock lock(map_mu);
    std::erase_if(mapped, [&](const auto& entry) { return pred(entry.first); });
  }

  // Reads and verifies permanent page `id` from its segment file.
  Result<PageRef> ReadPage(PageId id) {
    const uint64_t segment = SegmentOfId(id);
    const uint64_t offset = OffsetOfId(id);
    auto handle = ReadHandle(segment);
    if (!handle.ok()) {
      if (handle.status().IsNotFound()) {
        return Status::Corruption(Where(id, SegmentPath(segment), offset) +
                                  ": never written / truncated (segment file missing)");
      }
      return handle.status().WithContext(Where(id, SegmentPath(segment), offset));
    }
    fsx::File& file = **handle;
    PageRef page = TakeSpare(id);
    size_t got = 0;
    Status st = file.ReadAt(offset, options.page_size, page->data(), &got);
    if (!st.ok()) return st.WithContext(Where(id, file.path(), offset));
    if (got < options.page_size) {
      return Status::Corruption(Where(id, file.path(), offset) + ": never written / truncated");
    }
    pages_read.fetch_add(1, std::memory_order_relaxed);
    DOSQL_RETURN_IF_ERROR(Verify(id, page->data(), file.path(), offset));
    return page;
  }

  // A miss on the page after the previous miss's: reads up to `max_pages` pages from `id` on
  // (same segment, already written) in one call, caches the ones after `id` that are not cached
  // yet, unverified (Pager::Get verifies them on first use), and returns `id`'s page (verified).
  // A scan reading leaves laid out in order then costs one read per run of pages instead of one
  // per page.
  Result<PageRef> ReadRun(PageId id, uint64_t max_pages) {
    thread_local std::vector<uint8_t> buffer;
    uint64_t n = ReadRunImages(id, max_pages, &buffer);
    if (n == 0) return ReadPage(id);  // too short a run, or a failed read (reported there)
    const size_t ps = options.page_size;
    PageRef first;
    for (uint64_t i = 0; i < n; i++) {
      const PageId pid = id + i;
      const uint8_t* image = buffer.data() + i * ps;
      if (i == 0) {
        DOSQL_RETURN_IF_ERROR(VerifyAt(pid, image));
        first = TakeSpare(pid);
        std::memcpy(first->data(), image, ps);
        continue;
      }
      InsertReadAhead(pid, image);
    }
    last_miss.store(id + n - 1, std::memory_order_relaxed);
    return first;
  }

  // How many of up to `max_pages` pages from `id` on one read can bring in: the same segment,
  // already written.
  uint64_t RunLength(PageId id, uint64_t max_pages) {
    uint64_t n =
        std::min<uint64_t>(max_pages, options.segment_pages - (id - 1) % options.segment_pages);
    const PageId written_end = next_id.load(std::memory_order_acquire);
    if (id + n > written_end) n = written_end > id ? written_end - id : 0;
    return n;
  }

  // Reads the pages from `id` on into `buffers` (a page each, RunLength of them at most) with
  // one read; returns how many it filled, 0 when fewer than two could be read (the caller reads
  // the one page, which reports any error).
  uint64_t ReadRunInto(PageId id, std::span<void* const> buffers) {
    if (buffers.size() < 2) return 0;
    auto handle = ReadHandle(SegmentOfId(id));
    if (!handle.ok()) return 0;
    const size_t ps = options.page_size;
    size_t got = 0;
    if (!(*handle)->ReadAtScatter(OffsetOfId(id), buffers, ps, &got).ok() || got < 2 * ps) {
      return 0;
    }
    pages_read.fetch_add(got / ps, std::memory_order_relaxed);
    return got / ps;
  }

  // Reads the images of up to `max_pages` pages from `id` on (same segment, already written)
  // into *buffer with one read; returns how many it holds, 0 when fewer than two could be read
  // (the caller reads the one page, which reports any error).
  uint64_t ReadRunImages(PageId id, uint64_t max_pages, std::vector<uint8_t>* buffer) {
    const uint64_t n = RunLength(id, max_pages);
    if (n < 2) return 0;
    auto handle = ReadHandle(SegmentOfId(id));
    if (!handle.ok()) return 0;
    const size_t ps = options.page_size;
    buffer->resize(n * ps);
    size_t got = 0;
    if (!(*handle)->ReadAt(OffsetOfId(id), n * ps, buffer->data(), &got).ok() || got < 2 * ps) {
      return 0;
    }
    pages_read.fetch_add(got / ps, std::memory_order_relaxed);
    return got / ps;
  }

  // Verify, with the page's file and offset in the message when it fails.
  Status VerifyAt(PageId id, const uint8_t* p) const {
    if (Verify(id, p, std::string(), 0).ok()) return Status::OK();
    return Verify(id, p, SegmentPath(SegmentOfId(id)), OffsetOfId(id));
  }

  // The cached page `id`, verified, or null (a damaged read-ahead page is dropped: reading it
  // again reports the damage with its file and offset).
  PageRef CachedPage(PageId id) {
    CacheShard& shard = CacheShardFor(id);
    std::lock_guard<std::mutex> lock(shard.mu);
    const uint32_t e = shard.index.Find(id);
    if (e == kNil) return nullptr;
    Page* page = shard.entries[e].page.get();
    if (!page->verified_ && !Verify(id, page->data(), std::string(), 0).ok()) {
      EraseLocked(shard, e);
      return nullptr;
    }
    page->verified_ = true;
    TouchLocked(shard, e);
    shard.hits.store(shard.hits.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return shard.entries[e].page;
  }

  Status Verify(PageId id, const uint8_t* p, const std::string& path, uint64_t offset) const {
    const uint32_t n = options.page_size;
    const uint32_t stored_crc = DecodeFixed32(p + kCrcOffset);
    if (stored_crc == 0 && IsAllZero(p, n)) {
      return Status::Corruption(Where(id, path, offset) + ": never written / truncated");
    }
    const uint32_t crc = crc32c::Value(p + kIdOffset, n - kIdOffset);
    if (crc != stored_crc) {
      return Status::Corruption(Where(id, path, offset) + ": checksum mismatch (stored " +
                                Hex32(stored_crc) + ", computed " + Hex32(crc) + ")");
    }
    const uint64_t stored_id = DecodeFixed64(p + kIdOffset);
    if (stored_id != id) {
      return Status::Corruption(Where(id, path, offset) + ": holds page " +
                                std::to_string(stored_id) + " (misdirected write)");
    }
    const uint8_t type = p[kTypeOffset];
    if (!ValidPageType(type)) {
      return Status::Corruption(Where(id, path, offset) + ": invalid page type " +
                                std::to_string(type));
    }
    return Status::OK();
  }

  const std::shared_ptr<fsx::FileSystem> fs;
  const std::string dir;
  const PagerOptions options;

  size_t num_cache_shards = 1;
  uint64_t shard_budget = 0;
  // Read-ahead (ReadRun): the most pages per read, the last page a miss read, and the window of
  // the next read ahead: kFirstReadAhead pages after a miss that did not follow the previous
  // one, doubling with each miss that does, up to read_ahead_pages (the kernel's read-ahead
  // ramp). Two index lookups that land on neighbouring pages then read a few pages, not 128K;
  // a scan reaches the full window after a few reads.
  static constexpr uint64_t kFirstReadAhead = 4;
  uint64_t read_ahead_pages = 1;
  std::atomic<PageId> last_miss{kInvalidPageId};
  std::atomic<uint64_t> read_ahead_window{kFirstReadAhead};
  std::unique_ptr<CacheShard[]> cache_shards;
  std::array<TransientShard, kTransientShards> transient_shards;
  std::atomic<uint64_t> transient_counter{1};

  std::mutex seg_mu;
  std::unordered_map<uint64_t, SegmentHandle> handles;

  std::atomic<bool> can_map{false};  // options.map_segments, until the file system says it cannot
  mutable std::shared_mutex map_mu;
  std::unordered_map<uint64_t, std::shared_ptr<MappedSegment>> mapped;  // null: not mappable
  std::atomic<uint64_t> pages_mapped{0};

  std::mutex write_mu;
  std::atomic<PageId> next_id{1};
  PageId high_water = 1;  // every id below this was handed out by WritePermanent (or skipped)
  uint64_t cur_segment = kNoSegment;
  std::shared_ptr<fsx::File> cur_file;
  std::map<uint64_t, std::shared_ptr<fsx::File>> dirty;  // written since the last SyncData
  bool dir_dirty = false;  // a segment file was created since the last SyncData

  std::atomic<uint64_t> cache_misses{0};
  std::atomic<uint64_t> cached_pages{0};
  std::atomic<uint64_t> cached_bytes{0};
  std::atomic<uint64_t> transient_pages{0};
  std::atomic<uint64_t> pages_written{0};
  std::atomic<uint64_t> pages_read{0};
  std::atomic<uint64_t> evictions{0};
};

// ----- Pager -----

Pager::Pager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pager::~Pager() = default;

Result<std::unique_ptr<Pager>> Pager::Open(std::shared_ptr<fsx::FileSystem> fs, std::string dir,
                                           PagerOptions options) {
  if (fs == nullptr) return Status::InvalidArgument("Pager::Open: no file system");
  if (dir.empty()) return Status::InvalidArgument("Pager::Open: empty directory");
  const uint32_t ps = options.page_size;
  if (ps < kMinPageSize || ps > kMaxPageSize || (ps & (ps - 1)) != 0) {
    return Status::InvalidArgument("Pager::Open: page_size " + std::to_string(ps) +
                                   " is not a power of two in [1024, 65536]");
  }
  if (options.segment_pages == 0 || options.segment_pages > kMaxSegmentPages) {
    return Status::InvalidArgument("Pager::Open: segment_pages " +
                                   std::to_string(options.segment_pages) + " out of range");
  }
  const uint64_t max_segment = (kTransientBit - 1) / options.segment_pages;
  for (size_t i = 0; i < options.foreign_segments.size(); ++i) {
    const SegmentSource& a = options.foreign_segments[i];
    if (a.dir.empty() || a.first_segment >= a.end_segment || a.end_segment > max_segment) {
      return Status::InvalidArgument("Pager::Open: invalid foreign segment range [" +
                                     std::to_string(a.first_segment) + ", " +
                                     std::to_string(a.end_segment) + ") in '" + a.dir + "'");
    }
    for (size_t j = 0; j < i; ++j) {
      const SegmentSource& b = options.foreign_segments[j];
      if (a.first_segment < b.end_segment && b.first_segment < a.end_segment) {
        return Status::InvalidArgument("Pager::Open: foreign segment ranges overlap");
      }
    }
  }
  // Create the directory and any missing ancestors, and make each new name durable.
  DOSQL_ASSIGN_OR_RETURN(std::vector<std::string> changed, fsx::CreateDirs(*fs, dir));
  for (const std::string& d : changed) DOSQL_RETURN_IF_ERROR(fs->SyncDir(d));
  auto impl = std::make_unique<Impl>(std::move(fs), std::move(dir), std::move(options));
  return std::unique_ptr<Pager>(new Pager(std::move(impl)));
}

uint32_t Pager::page_size() const { return impl_->options.page_size; }
const PagerOptions& Pager::options() const { return impl_->options; }

Result<PageRef> Pager::Get(PageId id) {
  Impl& d = *impl_;
  if (id == kInvalidPageId) return Status::InvalidArgument("Pager::Get: page id 0 is invalid");
  if (IsTransient(id)) {
    Impl::TransientShard& shard = d.TransientShardFor(id);
    std::lock_guard<std::mutex> lock(shard.mu);
    const uint32_t slot = shard.index.Find(id);
    if (slot == Impl::kNil) {
      return Status::NotFound("transient page " + std::to_string(id & ~kTransientBit) +
                              " not found (freed)");
    }
    return PageRef(shard.pages[slot]);
  }
  if (PageRef page = d.CachedPage(id)) return page;
  d.cache_misses.fetch_add(1, std::memory_order_relaxed);
  if (std::shared_ptr<Impl::MappedSegment> m = d.MappingOf(id)) {
    DOSQL_ASSIGN_OR_RETURN(PageRef page, d.MappedPage(id, *m, m));
    return d.Insert(std::move(page), /*replace=*/false);
  }
  const PageId previous = d.last_miss.exchange(id, std::memory_order_relaxed);
  PageRef page;
  if (previous + 1 == id) {
    const uint64_t window = d.read_ahead_window.load(std::memory_order_relaxed);
    d.read_ahead_window.store(std::min(window * 2, d.read_ahead_pages), std::memory_order_relaxed);
    DOSQL_ASSIGN_OR_RETURN(page, d.ReadRun(id, std::min(window, d.read_ahead_pages)));
  } else {
    d.read_ahead_window.store(Impl::kFirstReadAhead, std::memory_order_relaxed);
    DOSQL_ASSIGN_OR_RETURN(page, d.ReadPage(id));
  }
  return d.Insert(std::move(page), /*replace=*/false);
}

Result<PageRef> Pager::GetScanning(PageId id, ScanRun* run) {
  Impl& d = *impl_;
  if (id == kInvalidPageId || IsTransient(id)) return Get(id);
  // A page of the run, checked on its first use.
  auto from_run = [&]() -> Result<PageRef> {
    PageRef& page = run->pages_[id - run->first_];
    if (!page->verified_) {
      DOSQL_RETURN_IF_ERROR(d.VerifyAt(id, page->data()));
      page->verified_ = true;
      run->used_++;
    }
    return page;
  };
  if (id >= run->first_ && id - run->first_ < run->count_) return from_run();
  const uint64_t ps = d.options.page_size;
  if (d.cached_bytes.load(std::memory_order_relaxed) + d.read_ahead_pages * ps <=
      d.options.cache_bytes) {
    return Get(id);  // room in the cache: the pages go there
  }
  // A mapped segment's pages come straight from the mapping, cached or not (the run keeps the
  // segment's mapping at hand: no lookup, no lock per page).
  const uint64_t segment = d.SegmentOfId(id);
  if (run->mapping_ == nullptr || run->mapping_segment_ != segment) {
    run->mapping_ = d.MappingOf(id);
    run->mapping_segment_ = segment;
  }
  if (run->mapping_ != nullptr) {
    auto* m = static_cast<Impl::MappedSegment*>(run->mapping_.get());
    const uint64_t index = (id - 1) % d.options.segment_pages;
    if (index < m->pages) {
      // A scan reads the next pages next: start loading the one after next into the CPU's caches
      // now (the read calls this replaces copied whole runs through the caches; a mapping is read
      // line by line as the cursor gets there).
      constexpr uint64_t kAhead = 2;  // (1 was a little slower on scale-1 TPC-H scans; 4 no faster)
      if (index + kAhead < m->pages) {
        const uint8_t* next = m->bytes->data() + (index + kAhead) * d.options.page_size;
        for (uint32_t off = 0; off < d.options.page_size; off += 64) __builtin_prefetch(next + off);
      }
      return d.MappedPage(id, *m, run->mapping_);
    }
  }
  if (PageRef page = d.CachedPage(id)) return page;
  d.cache_misses.fetch_add(1, std::memory_order_relaxed);
  size_t window = run->window_ == 0 ? d.read_ahead_pages : run->window_;
  if (run->count_ > 0) {
    window = run->used_ * 2 < run->count_ ? std::max<size_t>(Impl::kFirstReadAhead, window / 2)
                                          : std::min<size_t>(d.read_ahead_pages, window * 2);
  }
  run->window_ = window;
  run->count_ = 0;
  run->used_ = 0;
  // The run is read straight into its pages (one scatter read, no staging copy).
  const uint64_t want = d.RunLength(id, window);
  uint64_t n = 0;
  if (want >= 2) {
    if (run->pages_.size() < want) run->pages_.resize(want);
    std::vector<void*>& buffers = run->buffers_;
    buffers.resize(want);
    for (uint64_t i = 0; i < want; i++) {
      PageRef& page = run->pages_[i];
      if (page == nullptr || page.use_count() != 1) {  // still held by someone: a new buffer
        page = std::make_shared<Page>(id + i, d.options.page_size, Page::Unfilled{});
      }
      buffers[i] = page->data();
    }
    n = d.ReadRunInto(id, buffers);
  }
  if (n == 0) {
    DOSQL_ASSIGN_OR_RETURN(PageRef page, d.ReadPage(id));
    return d.Insert(std::move(page), /*replace=*/false);
  }
  for (uint64_t i = 0; i < n; i++) {
    run->pages_[i]->Reuse(id + i);
    run->pages_[i]->verified_ = false;
  }
  run->first_ = id;
  run->count_ = n;
  return from_run();
}

PageRef Pager::NewTransient(uint64_t owner, const uint8_t* copy_of) {
  Impl& d = *impl_;
  const PageId id = kTransientBit | d.transient_counter.fetch_add(1, std::memory_order_relaxed);
  const uint32_t size = d.options.page_size;
  std::shared_ptr<Page> page;
  if (copy_of != nullptr) {
    page = std::make_shared<Page>(id, size, Page::Unfilled{});
    std::memcpy(page->data(), copy_of, size);
    std::memset(page->data() + size, 0, AllocationSize(size) - size);  // (alignment padding)
  } else {
    page = std::make_shared<Page>(id, size);
  }
  page->set_owner(owner);
  Impl::TransientShard& shard = d.TransientShardFor(id);
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    uint32_t slot;
    if (!shard.free_slots.empty()) {
      slot = shard.free_slots.back();
      shard.free_slots.pop_back();
      shard.pages[slot] = page;
    } else {
      slot = static_cast<uint32_t>(shard.pages.size());
      shard.pages.push_back(page);
    }
    shard.index.Put(id, slot);
  }
  d.transient_pages.fetch_add(1, std::memory_order_relaxed);
  return page;
}

void Pager::FreeTransient(PageId id) {
  if (!IsTransient(id)) return;
  Impl& d = *impl_;
  Impl::TransientShard& shard = d.TransientShardFor(id);
  PageRef dropped;  // released after the lock
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    const uint32_t slot = shard.index.Find(id);
    if (slot == Impl::kNil) return;
    dropped = std::move(shard.pages[slot]);
    shard.index.Erase(id);
    shard.free_slots.push_back(slot);
  }
  dropped->set_owner(Page::kFreedOwner);
  d.transient_pages.fetch_sub(1, std::memory_order_relaxed);
}

PageId Pager::next_permanent_id() const {
  return impl_->next_id.load(std::memory_order_acquire);
}

Status Pager::SetNextPermanentId(PageId id) {
  Impl& d = *impl_;
  if (id == kInvalidPageId || IsTransient(id)) {
    return Status::InvalidArgument("SetNextPermanentId: invalid page id " + std::to_string(id));
  }
  std::lock_guard<std::mutex> lock(d.write_mu);
  if (id < d.high_water) {
    return Status::InvalidArgument("SetNextPermanentId(" + std::to_string(id) +
                                   "): this pager already handed out ids below " +
                                   std::to_string(d.high_water));
  }
  if (d.ForeignSourceOf(d.SegmentOfId(id)) != nullptr) {
    return Status::InvalidArgument("SetNextPermanentId(" + std::to_string(id) +
                                   "): segment " + std::to_string(d.SegmentOfId(id)) +
                                   " is a read-only foreign segment");
  }
  d.next_id.store(id, std::memory_order_release);
  // Ids from here on will be written again: whatever was read from their slots is garbage.
  d.DropCachedIf([id](PageId p) { return p >= id; }, /*only_unpinned=*/false);
  const uint64_t first_written = d.SegmentOfId(id);
  d.UnmapIf([first_written](uint64_t segment) { return segment >= first_written; });
  return Status::OK();
}

void Pager::SealCurrentSegment() {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.write_mu);
  const PageId id = d.next_id.load(std::memory_order_relaxed);
  if ((id - 1) % d.options.segment_pages != 0) {
    d.next_id.store(d.FirstIdOfSegment(d.SegmentOfId(id) + 1), std::memory_order_release);
  }
  d.cur_segment = kNoSegment;
  d.cur_file.reset();
}

Result<PageRef> Pager::WritePermanent(const uint8_t* image) {
  Impl& d = *impl_;
  if (image == nullptr) return Status::InvalidArgument("WritePermanent: null image");
  if (!ValidPageType(image[kTypeOffset])) {
    return Status::InvalidArgument("WritePermanent: invalid page type " +
                                   std::to_string(image[kTypeOffset]));
  }
  const uint32_t n = d.options.page_size;
  std::lock_guard<std::mutex> lock(d.write_mu);
  const PageId id = d.next_id.load(std::memory_order_relaxed);
  if (IsTransient(id)) return Status::OutOfRange("WritePermanent: page ids exhausted");
  const uint64_t segment = d.SegmentOfId(id);
  const uint64_t offset = d.OffsetOfId(id);
  DOSQL_ASSIGN_OR_RETURN(std::shared_ptr<fsx::File> file, d.WriteHandleLocked(segment));

  auto page = std::make_shared<Page>(id, n);
  uint8_t* p = page->data();
  std::memcpy(p, image, n);
  EncodeFixed64(p + kIdOffset, id);
  EncodeFixed32(p + kCrcOffset, crc32c::Value(p + kIdOffset, n - kIdOffset));
  Status st = file->WriteAt(offset, p, n);
  if (!st.ok()) return st.WithContext("writing " + Where(id, file->path(), offset));
  d.dirty[segment] = file;
  d.next_id.store(id + 1, std::memory_order_release);
  d.high_water = id + 1;
  d.pages_written.fetch_add(1, std::memory_order_relaxed);
  return d.Insert(std::move(page), /*replace=*/true);
}

Status Pager::SyncData() {
  Impl& d = *impl_;
  std::lock_guard<std::mutex> lock(d.write_mu);
  for (auto it = d.dirty.begin(); it != d.dirty.end();) {
    Status st = it->second->Sync();
    if (!st.ok()) return st.WithContext("syncing segment file " + it->second->path());
    it = d.dirty.erase(it);
  }
  if (d.dir_dirty) {
    DOSQL_RETURN_IF_ERROR(d.fs->SyncDir(d.dir));
    d.dir_dirty = false;
  }
  return Status::OK();
}

Result<std::vector<uint64_t>> Pager::ListSegments() {
  DOSQL_ASSIGN_OR_RETURN(std::vector<std::string> names, impl_->fs->List(impl_->dir));
  std::vector<uint64_t> segments;
  for (const std::string& name : names) {
    uint64_t segment = 0;
    if (ParseSegmentFileName(name, &segment)) segments.push_back(segment);
  }
  std::sort(segments.begin(), segments.end());
  return segments;
}

Status Pager::RemoveSegment(uint64_t segment) {
  Impl& d = *impl_;
  if (d.ForeignSourceOf(segment) != nullptr) {
    return Status::InvalidArgument("RemoveSegment: segment " + std::to_string(segment) +
                                   " is not owned by this store");
  }
  std::lock_guard<std::mutex> lock(d.write_mu);
  const PageId next = d.next_id.load(std::memory_order_relaxed);
  if (d.SegmentOfId(next) == segment && (next - 1) % d.options.segment_pages != 0) {
    return Status::InvalidArgument("RemoveSegment: segment " + std::to_string(segment) +
                                   " is being written; seal it first");
  }
  std::shared_ptr<fsx::File> dropped;  // readers may still hold the handle; it closes with them
  {
    std::lock_guard<std::mutex> seg_lock(d.seg_mu);
    auto it = d.handles.find(segment);
    if (it != d.handles.end()) {
      dropped = std::move(it->second.file);
      d.handles.erase(it);
    }
  }
  d.dirty.erase(segment);
  if (d.cur_segment == segment) {
    d.cur_segment = kNoSegment;
    d.cur_file.reset();
  }
  const PageId first = d.FirstIdOfSegment(segment);
  const PageId end = first + d.options.segment_pages;
  d.DropCachedIf([first, end](PageId p) { return p >= first && p < end; },
                 /*only_unpinned=*/false);
  d.UnmapIf([segment](uint64_t s) { return s == segment; });
  DOSQL_RETURN_IF_ERROR(d.fs->Remove(d.SegmentPath(segment)));
  {
    // A concurrent reader may have reopened the file meanwhile; forget that handle too.
    std::lock_guard<std::mutex> seg_lock(d.seg_mu);
    d.handles.erase(segment);
  }
  return d.fs->SyncDir(d.dir);
}

uint64_t Pager::SegmentOf(PageId id) const {
  if (id == kInvalidPageId || IsTransient(id)) return kNoSegment;
  return impl_->SegmentOfId(id);
}

void Pager::DropCache() {
  impl_->DropCachedIf([](PageId) { return true; }, /*only_unpinned=*/true);
  impl_->UnmapIf([](uint64_t) { return true; });
}

PagerStats Pager::stats() const {
  const Impl& d = *impl_;
  PagerStats s;
  s.cache_hits = 0;
  for (size_t i = 0; i < d.num_cache_shards; i++) {
    s.cache_hits += d.cache_shards[i].hits.load(std::memory_order_relaxed);
  }
  s.cache_misses = d.cache_misses.load(std::memory_order_relaxed);
  s.cached_pages = d.cached_pages.load(std::memory_order_relaxed);
  s.cached_bytes = d.cached_bytes.load(std::memory_order_relaxed);
  s.transient_pages = d.transient_pages.load(std::memory_order_relaxed);
  s.pages_written = d.pages_written.load(std::memory_order_relaxed);
  s.pages_read = d.pages_read.load(std::memory_order_relaxed);
  s.evictions = d.evictions.load(std::memory_order_relaxed);
  s.pages_mapped = d.pages_mapped.load(std::memory_order_relaxed);
  {
    std::shared_lock lock(d.map_mu);
    for (const auto& entry : d.mapped) s.mapped_segments += entry.second != nullptr ? 1 : 0;
  }
  return s;
}

}  // namespace dosql::btree
