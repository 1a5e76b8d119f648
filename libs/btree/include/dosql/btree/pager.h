// dosql::btree — Pager: page identities, the page cache, and the data segment files.
//
// Page ids are 64-bit. A *permanent* page (id without kTransientBit) lives in a data segment file:
// segment s = (id - 1) / segment_pages holds ids [s*segment_pages + 1, (s+1)*segment_pages], page
// id at byte ((id - 1) % segment_pages) * page_size of file "<dir>/seg-<s as 6 digits>.dat".
// Permanent pages are written once (at checkpoint) and never modified afterwards. A *transient*
// page (id with kTransientBit) exists only in memory: it is a page a write transaction created by
// copy-on-write and that no checkpoint has written yet.
//
// Every permanent page carries a CRC32C and its own id (see docs/formats/btree_page.md); Get()
// verifies both and returns Corruption naming the page, file and offset on mismatch.
//
// Mapped segments: a segment no page will be written to any more (the writer has moved past it,
// or it is foreign) is mapped read-only when first read, where the file system can map
// (`local`; PagerOptions::map_segments). Its pages are then read in place, without a read call
// or a copy: a cache miss caches a page that points into the mapping, and a scan past a full
// cache takes its pages straight from it. Each mapped page is verified as above on its first use
// after the segment was mapped (a bit per page remembers it), not on every read. A segment file
// that another process truncates while it is mapped makes a read past its new end fault
// (SIGBUS), as with SQLite's mmap; map_segments = false reads every page with read calls.
//
// Cache: permanent pages are cached in an LRU bounded by PagerOptions::cache_bytes; pages in use
// (referenced by a PageRef) are never evicted. Transient pages stay in memory until FreeTransient.
// Read-ahead: a miss on the page right after the previous miss's reads up to 128 KiB (at most
// 1/16 of the cache) of the following written pages of its segment in one call and caches them,
// each verified when first asked for, so a scan over leaves written in order costs one read per
// run of pages (and no checksum for a page it skips).
//
// Threads: all methods are thread-safe. A Page's bytes are immutable once the page is published
// to readers (committed); only the write transaction that owns a transient page may change it,
// and the transaction layer guarantees no reader sees it until then.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dosql/core/status.h"
#include "dosql/fsx/fsx.h"

namespace dosql::btree {

using PageId = uint64_t;
inline constexpr PageId kInvalidPageId = 0;
inline constexpr PageId kTransientBit = 1ULL << 63;
inline bool IsTransient(PageId id) { return (id & kTransientBit) != 0; }

class Page {
 public:
  Page(PageId id, uint32_t size);  // zero-filled
  // A buffer whose bytes the caller overwrites in full before anyone reads it (a page read from
  // its segment file): not zero-filled.
  struct Unfilled {};
  Page(PageId id, uint32_t size, Unfilled);
  // A permanent page whose bytes live in a mapped segment file (`bytes`, read-only), kept
  // mapped by `mapping` for as long as the page lives.
  Page(PageId id, uint32_t size, const uint8_t* bytes, std::shared_ptr<const void> mapping);
  ~Page();
  Page(const Page&) = delete;
  Page& operator=(const Page&) = delete;

  PageId id() const { return id_; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  uint32_t size() const { return size_; }
  // Tag of the write context allowed to modify this page in place (0 = nobody: immutable).
  uint64_t owner() const { return owner_.load(std::memory_order_relaxed); }
  void set_owner(uint64_t o) { owner_.store(o, std::memory_order_relaxed); }
  // A transient page that Pager::FreeTransient dropped (whoever still holds it must not use it as
  // a page of any tree; nobody may change it).
  bool freed() const { return owner() == kFreedOwner; }
  // The bytes are a read-only view of a segment file's mapping (never written through).
  bool mapped() const { return mapping_ != nullptr; }
  static constexpr uint64_t kFreedOwner = ~uint64_t{0};

 private:
  friend class Pager;
  // The pager's page cache reads another page into an evicted page that nobody else holds.
  void Reuse(PageId id) {
    id_ = id;
    owner_.store(0, std::memory_order_relaxed);
    verified_ = true;
  }

  PageId id_;
  uint32_t size_;
  uint8_t* data_;
  std::atomic<uint64_t> owner_{0};
  // False for a page read ahead and cached before anyone asked for it: the first Get verifies
  // it (under its cache shard's lock) before handing it out.
  bool verified_ = true;
  std::shared_ptr<const void> mapping_;  // set: data_ points into it (not owned)
};
using PageRef = std::shared_ptr<Page>;

// Where segments that this store does not own live (a branch reads its parent's sealed segments).
struct SegmentSource {
  uint64_t first_segment = 0;  // inclusive
  uint64_t end_segment = 0;    // exclusive
  std::string dir;             // directory holding seg-*.dat for that range (read-only)
};

struct PagerOptions {
  uint32_t page_size = 4096;             // power of two, 1 KiB .. 64 KiB
  uint64_t cache_bytes = 64ull << 20;    // budget for cached permanent pages
  uint64_t segment_pages = 16384;        // pages per segment file (64 MiB at 4 KiB)
  std::vector<SegmentSource> foreign_segments;
  bool map_segments = true;  // map finished segments where the file system can
};

struct PagerStats {
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
  uint64_t cached_pages = 0;
  uint64_t cached_bytes = 0;
  uint64_t transient_pages = 0;
  uint64_t pages_written = 0;
  uint64_t pages_read = 0;  // from segment files, read-ahead included
  uint64_t evictions = 0;
  uint64_t mapped_segments = 0;  // segments mapped now
  uint64_t pages_mapped = 0;     // pages taken from a mapping (cache misses and scans)
};

// A forward scan's own read-ahead (see Pager::GetScanning): the pages of its latest run of
// reads, held outside the page cache. Owned by one cursor; one thread at a time. Holds up to
// the pager's read-ahead size of pages (128 KiB) until it is destroyed; reused run to run.
// A run is as long as the last one was useful: halved when the cursor used less than half of
// the last run's pages (lookups that skip ahead), doubled up to the read-ahead size when it
// used more (a scan).
class ScanRun {
 public:
  ScanRun() = default;
  ScanRun(const ScanRun&) = delete;
  ScanRun& operator=(const ScanRun&) = delete;

 private:
  friend class Pager;
  PageId first_ = kInvalidPageId;  // pages_[i] holds page first_ + i, for i < count_
  size_t count_ = 0;
  size_t used_ = 0;    // pages of the run the cursor took
  size_t window_ = 0;  // pages the next run reads (0: the pager's read-ahead size)
  std::vector<PageRef> pages_;
  std::vector<void*> buffers_;  // the pages' bytes, for the scatter read
  std::shared_ptr<void> mapping_;  // the last segment's mapping (null: not mapped)
  uint64_t mapping_segment_ = 0;
};

class Pager {
 public:
  // `dir` holds this store's own segment files (created if missing).
  static Result<std::unique_ptr<Pager>> Open(std::shared_ptr<fsx::FileSystem> fs, std::string dir,
                                             PagerOptions options);
  ~Pager();

  uint32_t page_size() const;
  const PagerOptions& options() const;

  // Returns the page, reading and verifying it when permanent and not cached. NotFound for a
  // transient id that was freed; Corruption for a bad checksum or id.
  Result<PageRef> Get(PageId id);
  // Get for a cursor reading a tree's leaves in order. While the cache has room it is Get; once
  // the cache is full, a miss reads the run of pages from `id` on (as Get's read-ahead does)
  // into `run` instead of the cache, and the next calls take their pages from there (verified
  // on first use). A scan of a tree larger than the cache then neither evicts the pages others
  // use nor pays the cache's bookkeeping per page (PostgreSQL's ring buffer for large scans).
  Result<PageRef> GetScanning(PageId id, ScanRun* run);

  // A new transient page owned by `owner`: zeroed, or with `copy_of`'s page_size() bytes (a
  // copy-on-write of a page: no zeroing of what the copy overwrites).
  PageRef NewTransient(uint64_t owner, const uint8_t* copy_of = nullptr);
  // Drops a transient page from memory (no version references it any more).
  void FreeTransient(PageId id);

  // The id the next WritePermanent will use. Persisted by the caller in its manifest and given
  // back with SetNextPermanentId after a restart (pages past it are garbage and get overwritten).
  PageId next_permanent_id() const;
  Status SetNextPermanentId(PageId id);
  // Starts a new segment file at the next page write (the current one becomes sealed, read-only).
  void SealCurrentSegment();

  // Writes a page image (page_size bytes) to the next permanent id: stamps the id and checksum
  // into the image, writes it to its segment and caches it. Not durable until SyncData.
  Result<PageRef> WritePermanent(const uint8_t* image);
  // Makes every permanent page written so far durable (fsync of touched segment files and of
  // the directory when a segment file was created).
  Status SyncData();

  // Segment files present in this store's own directory (sorted), and removal of one (GC).
  Result<std::vector<uint64_t>> ListSegments();
  Status RemoveSegment(uint64_t segment);
  uint64_t SegmentOf(PageId id) const;

  // Drops every cached clean page and every segment mapping (for tests of cold reads; the next
  // read of a mapped page verifies it again).
  void DropCache();
  PagerStats stats() const;

  struct Impl;

 private:
  explicit Pager(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dosql::btree
