// Tests for dosql::btree::Pager: segment layout, verification of every page read, the bounded
// page cache, transient pages, foreign segments, concurrency and durability under crashes.

#include "dosql/btree/pager.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dosql/core/coding.h"
#include "dosql/core/crc32c.h"
#include "dosql/fsx/fault.h"
#include "dosql/fsx/fsx.h"

namespace dosql::btree {
namespace {

constexpr uint8_t kLeaf = 1;
constexpr uint8_t kInterior = 2;
constexpr uint8_t kOverflow = 3;

// A page image with type `type` and a body derived from `seed` (bytes 0..11 are left for the
// pager to stamp).
std::vector<uint8_t> MakeImage(uint32_t page_size, uint64_t seed, uint8_t type = kLeaf) {
  std::vector<uint8_t> v(page_size, 0);
  v[12] = type;
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 0x1234567;
  for (size_t i = 13; i < page_size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    v[i] = static_cast<uint8_t>(x);
  }
  return v;
}

// True when the page holds `image` from byte 12 on and carries its own id.
bool Holds(const Page& page, const std::vector<uint8_t>& image) {
  return page.size() == image.size() &&
         std::memcmp(page.data() + 12, image.data() + 12, image.size() - 12) == 0 &&
         DecodeFixed64(page.data() + 4) == page.id();
}

std::string SegPath(const std::string& dir, uint64_t segment) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "seg-%06llu.dat", static_cast<unsigned long long>(segment));
  return fsx::JoinPath(dir, buf);
}

std::string ReadBytes(fsx::FileSystem& fs, const std::string& path, uint64_t offset, size_t n) {
  auto file = fs.Open(path, fsx::OpenOptions{});
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return {};
  std::string out(n, '\0');
  size_t got = 0;
  EXPECT_TRUE((*file)->ReadAt(offset, n, out.data(), &got).ok());
  out.resize(got);
  return out;
}

void WriteBytes(fsx::FileSystem& fs, const std::string& path, uint64_t offset,
                const std::string& bytes) {
  auto file = fs.Open(path, fsx::OpenOptions{});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->WriteAt(offset, bytes.data(), bytes.size()).ok());
  ASSERT_TRUE((*file)->Close().ok());
}

std::unique_ptr<Pager> OpenPager(std::shared_ptr<fsx::FileSystem> fs, const std::string& dir,
                                 PagerOptions options) {
  auto pager = Pager::Open(std::move(fs), dir, std::move(options));
  EXPECT_TRUE(pager.ok()) << pager.status().ToString();
  return pager.ok() ? std::move(pager).value() : nullptr;
}

PagerOptions SmallOptions(uint64_t segment_pages = 4, uint64_t cache_pages = 64) {
  PagerOptions o;
  o.page_size = 1024;
  o.segment_pages = segment_pages;
  o.cache_bytes = cache_pages * o.page_size;
  return o;
}

// Writes `count` pages with seeds 1000 + id and returns id -> image.
std::map<PageId, std::vector<uint8_t>> WritePages(Pager& pager, int count, uint8_t type = kLeaf) {
  std::map<PageId, std::vector<uint8_t>> written;
  for (int i = 0; i < count; ++i) {
    PageId expected = pager.next_permanent_id();
    auto image = MakeImage(pager.page_size(), 1000 + expected, type);
    auto page = pager.WritePermanent(image.data());
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    EXPECT_EQ((*page)->id(), expected);
    EXPECT_TRUE(Holds(**page, image));
    written.emplace((*page)->id(), std::move(image));
  }
  return written;
}

void ExpectCorruptionNaming(const Result<PageRef>& r, PageId id, const std::string& fragment) {
  ASSERT_FALSE(r.ok()) << "page " << id << " read back fine";
  EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("page " + std::to_string(id) + " "), std::string::npos)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().ToString();
}

// ----- Page -----

TEST(PageTest, ZeroedAndAligned) {
  for (uint32_t size : {1024u, 4096u, 65536u, 100u}) {
    Page page(7, size);
    EXPECT_EQ(page.id(), 7u);
    EXPECT_EQ(page.size(), size);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(page.data()) % 64, 0u);
    EXPECT_TRUE(std::all_of(page.data(), page.data() + size, [](uint8_t b) { return b == 0; }));
    EXPECT_EQ(page.owner(), 0u);
    page.set_owner(9);
    EXPECT_EQ(page.owner(), 9u);
  }
}

// ----- options -----

TEST(PagerTest, RejectsBadOptions) {
  auto fs = fsx::NewMemoryFileSystem();
  PagerOptions o;
  o.page_size = 1000;
  EXPECT_EQ(Pager::Open(fs, "root/db", o).status().code(), StatusCode::kInvalidArgument);
  o.page_size = 512;
  EXPECT_EQ(Pager::Open(fs, "root/db", o).status().code(), StatusCode::kInvalidArgument);
  o.page_size = 128 * 1024;
  EXPECT_EQ(Pager::Open(fs, "root/db", o).status().code(), StatusCode::kInvalidArgument);
  o = PagerOptions{};
  o.segment_pages = 0;
  EXPECT_EQ(Pager::Open(fs, "root/db", o).status().code(), StatusCode::kInvalidArgument);
  o = PagerOptions{};
  o.foreign_segments.push_back({3, 3, "root/other"});
  EXPECT_EQ(Pager::Open(fs, "root/db", o).status().code(), StatusCode::kInvalidArgument);
  o.foreign_segments = {{0, 4, "root/a"}, {3, 6, "root/b"}};
  EXPECT_EQ(Pager::Open(fs, "root/db", o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Pager::Open(nullptr, "root/db", PagerOptions{}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Pager::Open(fs, "", PagerOptions{}).status().code(), StatusCode::kInvalidArgument);
}

TEST(PagerTest, OpenCreatesDirectoryAndStartsAtOne) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", PagerOptions{});
  ASSERT_NE(pager, nullptr);
  EXPECT_TRUE(*fs->Exists("root/db"));
  EXPECT_EQ(pager->next_permanent_id(), 1u);
  EXPECT_EQ(pager->page_size(), 4096u);
  EXPECT_EQ(pager->options().segment_pages, 16384u);
  auto segments = pager->ListSegments();
  ASSERT_TRUE(segments.ok());
  EXPECT_TRUE(segments->empty());
  EXPECT_EQ(pager->Get(kInvalidPageId).status().code(), StatusCode::kInvalidArgument);
}

// ----- writing and reading -----

TEST(PagerTest, WriteThenReadBackCachedAndCold) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 10);
  ASSERT_EQ(written.size(), 10u);
  EXPECT_EQ(written.begin()->first, 1u);
  EXPECT_EQ(pager->next_permanent_id(), 11u);
  EXPECT_EQ(pager->stats().pages_written, 10u);

  for (const auto& [id, image] : written) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, image));
    EXPECT_EQ((*page)->owner(), 0u);
  }
  EXPECT_EQ(pager->stats().cache_hits, 10u);
  EXPECT_EQ(pager->stats().cache_misses, 0u);

  pager->DropCache();
  EXPECT_EQ(pager->stats().cached_pages, 0u);
  EXPECT_EQ(pager->stats().cached_bytes, 0u);
  for (const auto& [id, image] : written) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, image));
  }
  // Misses in page order read ahead: 4 pages per read (1/16 of the 64-page cache): 1-4, 5-8, 9-10.
  EXPECT_EQ(pager->stats().cache_misses, 3u);
  // A second read of the same page is a hit and returns the same object.
  auto a = pager->Get(3);
  auto b = pager->Get(3);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ(pager->stats().cache_misses, 3u);
}

TEST(PagerTest, ReadAheadOnlyForMissesInPageOrder) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 12);
  pager->DropCache();
  // Out of order: one page per miss.
  for (PageId id : {2, 11, 4, 7}) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, written[id]));
  }
  EXPECT_EQ(pager->stats().cache_misses, 4u);
  EXPECT_EQ(pager->stats().cached_pages, 4u);
  // 8 follows 7: pages 8-11 come in one read (11 was cached already and is kept).
  ASSERT_TRUE(pager->Get(8).ok());
  EXPECT_EQ(pager->stats().cache_misses, 5u);
  EXPECT_EQ(pager->stats().cached_pages, 7u);
  for (PageId id : {9, 10, 11}) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, written[id]));
  }
  EXPECT_EQ(pager->stats().cache_misses, 5u);
  // 12 follows 11, the last page written: read alone, nothing past it.
  ASSERT_TRUE(pager->Get(12).ok());
  EXPECT_EQ(pager->stats().cache_misses, 6u);
  EXPECT_EQ(pager->stats().cached_pages, 8u);
}

TEST(PagerTest, ReadAheadPagesAreVerifiedOnFirstUse) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 8);
  WriteBytes(*fs, SegPath("root/db", 0), 2 * 1024 + 700, "\x5a");  // page 3
  pager->DropCache();
  ASSERT_TRUE(pager->Get(1).ok());  // reads 1-4 in one go, 2-4 cached unverified
  EXPECT_EQ(pager->stats().cached_pages, 4u);
  ASSERT_TRUE(pager->Get(2).ok());
  // 3 fails its check on first use: dropped, read again, reported with its file and offset.
  ExpectCorruptionNaming(pager->Get(3), 3, "checksum mismatch");
  EXPECT_EQ(pager->stats().cached_pages, 3u);
  auto four = pager->Get(4);
  ASSERT_TRUE(four.ok());
  EXPECT_TRUE(Holds(**four, written[4]));
  EXPECT_EQ(pager->stats().cache_misses, 2u);
}

// GetScanning: with room in the cache it caches like Get; once the cache is full its misses
// read runs into the ScanRun (one read per run of 4 pages here), leave the cache as it was, and
// check each page on first use, naming the damaged one.
TEST(PagerTest, ScanningReadsBypassAFullCache) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(/*segment_pages=*/256, /*cache_pages=*/64));
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 120);
  WriteBytes(*fs, SegPath("root/db", 0), (90 - 1) * 1024 + 500, "\x33");  // page 90
  pager->DropCache();
  ScanRun run;
  for (PageId id = 1; id <= 40; id++) {  // the cache has room: cached as Get would
    auto page = pager->GetScanning(id, &run);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, written[id]));
  }
  EXPECT_GE(pager->stats().cached_pages, 32u);  // (a shard over its eighth of the budget evicts)
  for (PageId id = 41; id <= 64; id++) ASSERT_TRUE(pager->Get(id).ok());  // now full
  const uint64_t cached = pager->stats().cached_pages;
  ASSERT_GT(cached + 4, 64u);  // no room for a run of 4
  const uint64_t misses = pager->stats().cache_misses;
  for (PageId id = 65; id <= 120; id++) {
    auto page = pager->GetScanning(id, &run);
    if (id == 90) {
      ExpectCorruptionNaming(page, 90, "checksum mismatch");
      EXPECT_NE(page.status().message().find("seg-000000.dat"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(page.ok()) << id << " " << page.status().ToString();
    EXPECT_TRUE(Holds(**page, written[id])) << id;
    EXPECT_EQ((*page)->id(), id);
  }
  EXPECT_EQ(pager->stats().cache_misses - misses, (120u - 64u) / 4u);  // one read per run
  EXPECT_EQ(pager->stats().cached_pages, cached);  // nothing evicted, nothing added
  // A page the scan still holds is not overwritten by the next run's read.
  auto held = pager->GetScanning(1, &run);  // cached: a hit
  ASSERT_TRUE(held.ok());
  auto kept = pager->GetScanning(65, &run);
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE(pager->GetScanning(100, &run).ok());
  EXPECT_TRUE(Holds(**kept, written[65]));
  EXPECT_EQ((*kept)->id(), 65u);
  // The damage is still reported when the page is asked for again, by either path.
  ExpectCorruptionNaming(pager->GetScanning(90, &run), 90, "checksum mismatch");
  ExpectCorruptionNaming(pager->Get(90), 90, "checksum mismatch");
}

// A ScanRun is as long as its last run was useful: lookups that skip ahead a few pages at a
// time (a correlated EXISTS probing in key order) shrink it to a few pages, so they read little
// more than the pages they use; a scan in order grows it back to the full read-ahead.
TEST(PagerTest, ScanRunsShrinkForLookupsThatSkipAndGrowForScans) {
  auto fs = fsx::NewMemoryFileSystem();
  // 1 KiB pages, a 256-page cache: runs of up to 16 pages.
  auto pager = OpenPager(fs, "root/db", SmallOptions(/*segment_pages=*/1024, /*cache_pages=*/256));
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 1000);
  pager->DropCache();
  for (PageId id = 1; id <= 256; id++) ASSERT_TRUE(pager->Get(id).ok());  // the cache is full
  ScanRun run;
  // 40 lookups, each 10 pages after the last: a fixed run of 16 reads 640 pages for them.
  uint64_t before = pager->stats().pages_read;
  for (PageId id = 300; id < 700; id += 10) {
    auto page = pager->GetScanning(id, &run);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, written[id])) << id;
  }
  const uint64_t skipping = pager->stats().pages_read - before;
  EXPECT_LE(skipping, 40u * 4 + 16 + 8) << skipping;  // runs of 16, 8, then 4 pages
  // A scan of the next 240 pages in order: the run doubles back to 16 (4, 8, 16, 16, ...).
  before = pager->stats().pages_read;
  const uint64_t misses = pager->stats().cache_misses;
  for (PageId id = 700; id < 940; id++) {
    auto page = pager->GetScanning(id, &run);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, written[id])) << id;
  }
  const uint64_t scanned = pager->stats().pages_read - before;
  EXPECT_GE(scanned, 240u);  // every page read once, the last run past the end
  EXPECT_LT(scanned, 240u + 16);
  EXPECT_LE(pager->stats().cache_misses - misses, 17u);  // runs of 4, 8, then 15 of 16
}

TEST(PagerTest, StampsIdAndChecksumInHeader) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  auto image = MakeImage(1024, 5, kInterior);
  image[13] = 0xAB;  // reserved bytes are the tree's and are kept verbatim
  image[14] = 0xCD;
  image[15] = 0xEF;
  auto page = pager->WritePermanent(image.data());
  ASSERT_TRUE(page.ok());
  std::string disk = ReadBytes(*fs, SegPath("root/db", 0), 0, 1024);
  ASSERT_EQ(disk.size(), 1024u);
  const auto* p = reinterpret_cast<const uint8_t*>(disk.data());
  EXPECT_EQ(DecodeFixed32(p), crc32c::Value(p + 4, 1020));
  EXPECT_EQ(DecodeFixed64(p + 4), 1u);
  EXPECT_EQ(p[12], kInterior);
  EXPECT_EQ(p[13], 0xAB);
  EXPECT_EQ(p[14], 0xCD);
  EXPECT_EQ(p[15], 0xEF);
  EXPECT_EQ(std::memcmp(p, (*page)->data(), 1024), 0);
}

TEST(PagerTest, RejectsImagesWithInvalidType) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions());
  ASSERT_NE(pager, nullptr);
  for (uint8_t type : {0, 4, 255}) {
    auto image = MakeImage(1024, 1, type);
    EXPECT_EQ(pager->WritePermanent(image.data()).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(pager->WritePermanent(nullptr).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pager->next_permanent_id(), 1u);
  for (uint8_t type : {kLeaf, kInterior, kOverflow}) {
    auto image = MakeImage(1024, type, type);
    ASSERT_TRUE(pager->WritePermanent(image.data()).ok());
  }
  pager->DropCache();
  for (PageId id = 1; id <= 3; ++id) EXPECT_TRUE(pager->Get(id).ok());
}

TEST(PagerTest, ReopenWithNextPermanentId) {
  auto fs = fsx::NewMemoryFileSystem();
  std::map<PageId, std::vector<uint8_t>> written;
  {
    auto pager = OpenPager(fs, "root/db", SmallOptions(4));
    ASSERT_NE(pager, nullptr);
    written = WritePages(*pager, 10);
    ASSERT_TRUE(pager->SyncData().ok());
  }
  auto pager = OpenPager(fs, "root/db", SmallOptions(4));
  ASSERT_NE(pager, nullptr);
  ASSERT_TRUE(pager->SetNextPermanentId(11).ok());
  EXPECT_EQ(pager->next_permanent_id(), 11u);
  for (const auto& [id, image] : written) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, image));
  }
  auto more = WritePages(*pager, 3);
  ASSERT_EQ(more.size(), 3u);
  EXPECT_EQ(more.begin()->first, 11u);
  pager->DropCache();
  for (const auto& [id, image] : more) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(Holds(**page, image));
  }
}

TEST(PagerTest, RestartOverwritesGarbagePastManifestId) {
  auto fs = fsx::NewMemoryFileSystem();
  {
    auto pager = OpenPager(fs, "root/db", SmallOptions(4));
    ASSERT_NE(pager, nullptr);
    WritePages(*pager, 10);
  }
  auto pager = OpenPager(fs, "root/db", SmallOptions(4));
  ASSERT_NE(pager, nullptr);
  // Someone reads a garbage page past the manifest's id before the id is set.
  auto stale = pager->Get(8);
  ASSERT_TRUE(stale.ok());
  ASSERT_TRUE(pager->SetNextPermanentId(6).ok());
  std::map<PageId, std::vector<uint8_t>> fresh;
  for (int i = 0; i < 5; ++i) {
    auto image = MakeImage(1024, 5000 + i);
    auto page = pager->WritePermanent(image.data());
    ASSERT_TRUE(page.ok());
    fresh.emplace((*page)->id(), image);
  }
  EXPECT_EQ(fresh.begin()->first, 6u);
  for (const auto& [id, image] : fresh) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(Holds(**page, image)) << "page " << id;
  }
  pager->DropCache();
  for (const auto& [id, image] : fresh) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(Holds(**page, image)) << "page " << id;
  }
}

TEST(PagerTest, SetNextPermanentIdNeverReusesIds) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(4));
  ASSERT_NE(pager, nullptr);
  WritePages(*pager, 3);
  EXPECT_EQ(pager->SetNextPermanentId(2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pager->SetNextPermanentId(0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pager->SetNextPermanentId(kTransientBit | 5).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pager->next_permanent_id(), 4u);
  ASSERT_TRUE(pager->SetNextPermanentId(4).ok());
  ASSERT_TRUE(pager->SetNextPermanentId(10).ok());
  auto page = pager->WritePermanent(MakeImage(1024, 1).data());
  ASSERT_TRUE(page.ok());
  EXPECT_EQ((*page)->id(), 10u);
  EXPECT_EQ(pager->SetNextPermanentId(9).code(), StatusCode::kInvalidArgument);
}

// ----- segments -----

TEST(PagerTest, SegmentBoundaries) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(4));
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 10);
  ASSERT_EQ(written.size(), 10u);
  EXPECT_EQ(pager->SegmentOf(1), 0u);
  EXPECT_EQ(pager->SegmentOf(4), 0u);
  EXPECT_EQ(pager->SegmentOf(5), 1u);
  EXPECT_EQ(pager->SegmentOf(8), 1u);
  EXPECT_EQ(pager->SegmentOf(9), 2u);
  auto segments = pager->ListSegments();
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<uint64_t>{0, 1, 2}));

  auto size_of = [&](uint64_t s) {
    auto f = fs->Open(SegPath("root/db", s), fsx::OpenOptions{});
    EXPECT_TRUE(f.ok());
    return f.ok() ? (*f)->Size().value_or(0) : 0;
  };
  EXPECT_EQ(size_of(0), 4u * 1024);
  EXPECT_EQ(size_of(1), 4u * 1024);
  EXPECT_EQ(size_of(2), 2u * 1024);
  // Page 6 is the second slot of segment 1.
  std::string disk = ReadBytes(*fs, SegPath("root/db", 1), 1024, 1024);
  ASSERT_EQ(disk.size(), 1024u);
  EXPECT_EQ(DecodeFixed64(reinterpret_cast<const uint8_t*>(disk.data()) + 4), 6u);
  EXPECT_EQ(std::memcmp(disk.data() + 12, written[6].data() + 12, 1024 - 12), 0);

  EXPECT_EQ(pager->SegmentOf(kInvalidPageId), ~0ull);
  EXPECT_EQ(pager->SegmentOf(kTransientBit | 1), ~0ull);
}

TEST(PagerTest, SealCurrentSegment) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(4));
  ASSERT_NE(pager, nullptr);
  // Nothing written: sealing keeps the id.
  pager->SealCurrentSegment();
  EXPECT_EQ(pager->next_permanent_id(), 1u);
  WritePages(*pager, 2);
  pager->SealCurrentSegment();
  EXPECT_EQ(pager->next_permanent_id(), 5u);
  pager->SealCurrentSegment();  // the new segment is still empty
  EXPECT_EQ(pager->next_permanent_id(), 5u);
  auto more = WritePages(*pager, 4);
  EXPECT_EQ(more.begin()->first, 5u);
  EXPECT_EQ(pager->next_permanent_id(), 9u);  // segment 1 filled exactly
  pager->SealCurrentSegment();
  EXPECT_EQ(pager->next_permanent_id(), 9u);
  WritePages(*pager, 1);
  pager->SealCurrentSegment();
  EXPECT_EQ(pager->next_permanent_id(), 13u);
  auto segments = pager->ListSegments();
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<uint64_t>{0, 1, 2}));
  // The hole left by sealing reads as never written.
  pager->DropCache();
  ExpectCorruptionNaming(pager->Get(3), 3, "never written / truncated");
  ExpectCorruptionNaming(pager->Get(13), 13, "never written / truncated");
  EXPECT_TRUE(pager->Get(5).ok());
}

TEST(PagerTest, ListSegmentsIgnoresOtherFiles) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(4));
  ASSERT_NE(pager, nullptr);
  for (const char* name : {"seg-1.dat", "seg-00000x.dat", "seg-000001.tmp", "MANIFEST",
                           "seg-0000001.dat"}) {
    ASSERT_TRUE(fsx::WriteFileAtomic(*fs, fsx::JoinPath("root/db", name), "x").ok());
  }
  ASSERT_TRUE(fsx::WriteFileAtomic(*fs, "root/db/seg-1234567.dat", "x").ok());
  WritePages(*pager, 5);
  auto segments = pager->ListSegments();
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<uint64_t>{0, 1, 1234567}));
}

TEST(PagerTest, RemoveSegment) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(4));
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 10);
  // Segment 2 holds pages 9 and 10 and is being written.
  EXPECT_EQ(pager->RemoveSegment(2).code(), StatusCode::kInvalidArgument);
  auto held = pager->Get(2);  // a reader still holding a page keeps its bytes
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(pager->RemoveSegment(0).ok());
  EXPECT_TRUE(Holds(**held, written[2]));
  auto segments = pager->ListSegments();
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<uint64_t>{1, 2}));
  EXPECT_FALSE(*fs->Exists(SegPath("root/db", 0)));
  ExpectCorruptionNaming(pager->Get(1), 1, "never written / truncated");
  auto p5 = pager->Get(5);
  ASSERT_TRUE(p5.ok());
  EXPECT_TRUE(Holds(**p5, written[5]));
  EXPECT_TRUE(pager->RemoveSegment(0).IsNotFound());
  EXPECT_TRUE(pager->RemoveSegment(7).IsNotFound());
  pager->SealCurrentSegment();
  ASSERT_TRUE(pager->RemoveSegment(2).ok());
  // Writing continues in a fresh segment.
  auto more = WritePages(*pager, 1);
  EXPECT_EQ(more.begin()->first, 13u);
  ASSERT_TRUE(pager->SyncData().ok());
}

// ----- verification of what is read -----

TEST(PagerTest, EveryFlippedByteIsCorruption) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 3);
  const std::string path = SegPath("root/db", 0);
  const uint64_t offset = 1024;  // page 2
  const std::string original = ReadBytes(*fs, path, offset, 1024);
  ASSERT_EQ(original.size(), 1024u);
  for (size_t i = 0; i < 1024; ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      std::string bad = original;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      WriteBytes(*fs, path, offset + i, bad.substr(i, 1));
      pager->DropCache();
      auto r = pager->Get(2);
      ASSERT_FALSE(r.ok()) << "byte " << i << " mask " << int(mask);
      ASSERT_TRUE(r.status().IsCorruption()) << r.status().ToString();
      ASSERT_NE(r.status().message().find("page 2 "), std::string::npos) << r.status().ToString();
      ASSERT_NE(r.status().message().find(path), std::string::npos) << r.status().ToString();
      ASSERT_NE(r.status().message().find("offset 1024"), std::string::npos);
    }
    WriteBytes(*fs, path, offset + i, original.substr(i, 1));
  }
  pager->DropCache();
  for (const auto& [id, image] : written) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, image));
  }
}

TEST(PagerTest, ChecksumMismatchMessage) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  WritePages(*pager, 2);
  WriteBytes(*fs, SegPath("root/db", 0), 1024 + 500, "\x5a");
  pager->DropCache();
  ExpectCorruptionNaming(pager->Get(2), 2, "checksum mismatch");
}

TEST(PagerTest, ZeroedAndTruncatedPagesAreCorruption) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  WritePages(*pager, 4);
  const std::string path = SegPath("root/db", 0);
  WriteBytes(*fs, path, 1024, std::string(1024, '\0'));
  {
    auto f = fs->Open(path, fsx::OpenOptions{});
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Truncate(3 * 1024 + 100).ok());  // page 4 cut short
  }
  pager->DropCache();
  ExpectCorruptionNaming(pager->Get(2), 2, "never written / truncated");
  ExpectCorruptionNaming(pager->Get(4), 4, "never written / truncated");
  ExpectCorruptionNaming(pager->Get(9), 9, "never written / truncated");   // past end of file
  ExpectCorruptionNaming(pager->Get(77), 77, "never written / truncated");  // no such segment
  EXPECT_TRUE(pager->Get(1).ok());
  EXPECT_TRUE(pager->Get(3).ok());
}

TEST(PagerTest, MisdirectedWriteIsCorruption) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  WritePages(*pager, 3);
  const std::string path = SegPath("root/db", 0);
  const std::string page2 = ReadBytes(*fs, path, 1024, 1024);
  WriteBytes(*fs, path, 2048, page2);  // page 2's image in slot 3
  pager->DropCache();
  ExpectCorruptionNaming(pager->Get(3), 3, "holds page 2 (misdirected write)");
  EXPECT_TRUE(pager->Get(2).ok());
}

TEST(PagerTest, InvalidTypeOnDiskIsCorruption) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  WritePages(*pager, 3);
  for (uint8_t type : {0, 4, 200}) {
    // A well-formed header (right crc and id) with a type the tree never writes.
    std::string image(1024, '\x11');
    auto* p = reinterpret_cast<uint8_t*>(image.data());
    p[12] = type;
    EncodeFixed64(p + 4, 3);
    EncodeFixed32(p, crc32c::Value(p + 4, 1020));
    WriteBytes(*fs, SegPath("root/db", 0), 2048, image);
    pager->DropCache();
    ExpectCorruptionNaming(pager->Get(3), 3, "invalid page type " + std::to_string(type));
  }
}

TEST(PagerTest, RandomGarbageNeverCrashes) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  WritePages(*pager, 2);
  std::mt19937_64 rng(42);
  for (int round = 0; round < 200; ++round) {
    std::string junk(1024, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    if (round % 3 == 0) {
      // Keep the id so the checksum check is the one that fires.
      auto* p = reinterpret_cast<uint8_t*>(junk.data());
      EncodeFixed64(p + 4, 2);
    }
    WriteBytes(*fs, SegPath("root/db", 0), 1024, junk);
    pager->DropCache();
    ExpectCorruptionNaming(pager->Get(2), 2, "(file ");
  }
}

// ----- cache -----

TEST(PagerTest, CacheBudgetRespectedAndPinnedPagesKept) {
  auto fs = fsx::NewMemoryFileSystem();
  constexpr uint64_t kBudgetPages = 16;
  auto pager = OpenPager(fs, "root/db", SmallOptions(64, kBudgetPages));
  ASSERT_NE(pager, nullptr);
  const uint64_t budget = kBudgetPages * 1024;
  auto written = WritePages(*pager, 200);
  ASSERT_EQ(written.size(), 200u);
  EXPECT_LE(pager->stats().cached_bytes, budget + 1024);
  EXPECT_GT(pager->stats().evictions, 0u);

  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [id, image] : written) {
      auto page = pager->Get(id);
      ASSERT_TRUE(page.ok());
      EXPECT_TRUE(Holds(**page, image));
      PagerStats s = pager->stats();
      EXPECT_LE(s.cached_bytes, budget + 1024);
      EXPECT_EQ(s.cached_bytes, s.cached_pages * 1024);
    }
  }

  // Pin more pages than the budget holds: they stay cached (the same objects come back) even
  // while every other page streams through the cache.
  std::vector<PageRef> pinned;
  for (PageId id = 1; id <= 24; ++id) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok());
    pinned.push_back(*page);
  }
  for (int pass = 0; pass < 2; ++pass) {
    for (PageId id = 25; id <= 200; ++id) {
      auto page = pager->Get(id);
      ASSERT_TRUE(page.ok());
      EXPECT_TRUE(Holds(**page, written[id]));
      EXPECT_LE(pager->stats().cached_bytes, budget + 1024 + pinned.size() * 1024);
    }
  }
  const uint64_t misses = pager->stats().cache_misses;
  for (PageId id = 1; id <= 24; ++id) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->get(), pinned[id - 1].get()) << "pinned page " << id << " was evicted";
  }
  EXPECT_EQ(pager->stats().cache_misses, misses);

  // DropCache keeps pinned pages too; once released they go.
  pager->DropCache();
  EXPECT_EQ(pager->stats().cached_pages, pinned.size());
  pinned.clear();
  pager->DropCache();
  EXPECT_EQ(pager->stats().cached_pages, 0u);
  EXPECT_EQ(pager->stats().cached_bytes, 0u);
}

TEST(PagerTest, ZeroCacheBudgetStillServesPages) {
  auto fs = fsx::NewMemoryFileSystem();
  PagerOptions o = SmallOptions(8);
  o.cache_bytes = 0;
  auto pager = OpenPager(fs, "root/db", o);
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 20);
  for (const auto& [id, image] : written) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(Holds(**page, image));
    EXPECT_LE(pager->stats().cached_bytes, 2048u);  // the page just read, while pinned
  }
}

TEST(PagerTest, ConcurrentMissesShareOneCopy) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16));
  ASSERT_NE(pager, nullptr);
  WritePages(*pager, 8);
  for (int round = 0; round < 20; ++round) {
    pager->DropCache();
    std::vector<PageRef> got(8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        auto page = pager->Get(5);
        if (page.ok()) got[t] = *page;
      });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < 8; ++t) {
      ASSERT_NE(got[t], nullptr);
      EXPECT_EQ(got[t].get(), got[0].get());
    }
    EXPECT_EQ(pager->stats().cached_pages, 1u);
  }
}

TEST(PagerTest, ConcurrentGetWithEviction) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(32, 16));
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 300);
  ASSERT_EQ(written.size(), 300u);
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t + 1);
      std::vector<PageRef> held;
      for (int i = 0; i < 4000; ++i) {
        PageId id = 1 + rng() % 300;
        auto page = pager->Get(id);
        if (!page.ok() || (*page)->id() != id || !Holds(**page, written.at(id))) {
          failures.fetch_add(1);
          continue;
        }
        // Keep a few pages pinned for a while, as cursors do.
        if (held.size() < 3) {
          held.push_back(*page);
        } else if (rng() % 4 == 0) {
          held[rng() % held.size()] = *page;
        }
      }
    });
  }
  std::thread dropper([&] {
    while (!stop.load()) {
      pager->DropCache();
      std::this_thread::yield();
    }
  });
  for (auto& th : threads) th.join();
  stop.store(true);
  dropper.join();
  EXPECT_EQ(failures.load(), 0);
  PagerStats s = pager->stats();
  EXPECT_EQ(s.cache_hits + s.cache_misses, 8u * 4000);
  EXPECT_GT(s.evictions, 0u);
  // The threads' pinned pages (3 each) may still sit in the cache past the budget.
  EXPECT_LE(s.cached_bytes, 16u * 1024 + 1024 + 8u * 3 * 1024);
}

TEST(PagerTest, ConcurrentWritersGetDistinctIds) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions(16, 32));
  ASSERT_NE(pager, nullptr);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::vector<std::pair<PageId, uint64_t>>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t seed = static_cast<uint64_t>(t) * 1000 + i;
        auto page = pager->WritePermanent(MakeImage(1024, seed).data());
        if (page.ok()) ids[t].emplace_back((*page)->id(), seed);
        if (i % 10 == 0) pager->SyncData().IgnoreError();
      }
    });
  }
  // Readers of already written pages run at the same time.
  std::thread reader([&] {
    for (int i = 0; i < 2000; ++i) {
      PageId next = pager->next_permanent_id();
      if (next > 1) pager->Get(1 + i % (next - 1)).status().IgnoreError();
    }
  });
  for (auto& th : threads) th.join();
  reader.join();
  std::set<PageId> all;
  for (const auto& v : ids) {
    ASSERT_EQ(v.size(), static_cast<size_t>(kPerThread));
    for (const auto& [id, seed] : v) EXPECT_TRUE(all.insert(id).second) << "id " << id;
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<PageId>(kThreads * kPerThread));
  ASSERT_TRUE(pager->SyncData().ok());
  pager->DropCache();
  for (const auto& v : ids) {
    for (const auto& [id, seed] : v) {
      auto page = pager->Get(id);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      EXPECT_TRUE(Holds(**page, MakeImage(1024, seed)));
    }
  }
}

// ----- transient pages -----

TEST(PagerTest, TransientPages) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions());
  ASSERT_NE(pager, nullptr);
  PageRef a = pager->NewTransient(7);
  PageRef b = pager->NewTransient(8);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(IsTransient(a->id()));
  EXPECT_TRUE(IsTransient(b->id()));
  EXPECT_NE(a->id(), b->id());
  EXPECT_EQ(a->owner(), 7u);
  EXPECT_EQ(b->owner(), 8u);
  EXPECT_EQ(a->size(), 1024u);
  EXPECT_TRUE(std::all_of(a->data(), a->data() + a->size(), [](uint8_t x) { return x == 0; }));
  EXPECT_EQ(pager->stats().transient_pages, 2u);
  a->data()[100] = 42;
  auto got = pager->Get(a->id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->get(), a.get());
  EXPECT_EQ((*got)->data()[100], 42);
  const PageId a_id = a->id();
  pager->FreeTransient(a_id);
  EXPECT_TRUE(pager->Get(a_id).status().IsNotFound());
  EXPECT_EQ(pager->stats().transient_pages, 1u);
  EXPECT_EQ(a->data()[100], 42);  // a holder keeps its bytes
  pager->FreeTransient(a_id);     // twice is harmless
  pager->FreeTransient(12345);    // permanent ids are ignored
  EXPECT_EQ(pager->stats().transient_pages, 1u);
  EXPECT_TRUE(pager->Get(b->id()).ok());
  // Transient pages are not in the permanent cache and do not count against it.
  EXPECT_EQ(pager->stats().cached_pages, 0u);
  pager->DropCache();
  EXPECT_TRUE(pager->Get(b->id()).ok());
  pager->FreeTransient(b->id());
  EXPECT_EQ(pager->stats().transient_pages, 0u);
  EXPECT_TRUE(pager->Get(kTransientBit | 999999).status().IsNotFound());
}

TEST(PagerTest, TransientIdsUniqueAcrossThreads) {
  auto fs = fsx::NewMemoryFileSystem();
  auto pager = OpenPager(fs, "root/db", SmallOptions());
  ASSERT_NE(pager, nullptr);
  std::vector<std::vector<PageId>> ids(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        PageRef p = pager->NewTransient(t + 1);
        ids[t].push_back(p->id());
        if (i % 2 == 0) pager->FreeTransient(p->id());
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<PageId> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 2000u);
  EXPECT_EQ(pager->stats().transient_pages, 1000u);
}

// ----- foreign segments -----

TEST(PagerTest, ForeignSegmentsAreReadFromTheirDirectory) {
  auto fs = fsx::NewMemoryFileSystem();
  std::map<PageId, std::vector<uint8_t>> parent_pages;
  {
    auto parent = OpenPager(fs, "root/parent", SmallOptions(4));
    ASSERT_NE(parent, nullptr);
    parent_pages = WritePages(*parent, 8);  // segments 0 and 1
    parent->SealCurrentSegment();
    ASSERT_TRUE(parent->SyncData().ok());
  }
  PagerOptions o = SmallOptions(4);
  o.foreign_segments.push_back({0, 2, "root/parent"});
  auto branch = OpenPager(fs, "root/branch", o);
  ASSERT_NE(branch, nullptr);
  EXPECT_EQ(branch->next_permanent_id(), 9u);  // first id past the foreign segments
  for (const auto& [id, image] : parent_pages) {
    auto page = branch->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, image));
  }
  auto own = WritePages(*branch, 3);
  EXPECT_EQ(own.begin()->first, 9u);
  EXPECT_TRUE(*fs->Exists(SegPath("root/branch", 2)));
  EXPECT_FALSE(*fs->Exists(SegPath("root/branch", 0)));
  EXPECT_FALSE(*fs->Exists(SegPath("root/parent", 2)));
  auto segments = branch->ListSegments();
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<uint64_t>{2}));
  EXPECT_EQ(branch->RemoveSegment(0).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(*fs->Exists(SegPath("root/parent", 0)));
  EXPECT_EQ(branch->SetNextPermanentId(3).code(), StatusCode::kInvalidArgument);
  // Corruption in a foreign segment names the foreign file.
  WriteBytes(*fs, SegPath("root/parent", 1), 0, "\x01\x02");
  branch->DropCache();
  ExpectCorruptionNaming(branch->Get(5), 5, SegPath("root/parent", 1));
  branch->DropCache();
  for (const auto& [id, image] : own) {
    auto page = branch->Get(id);
    ASSERT_TRUE(page.ok());
    EXPECT_TRUE(Holds(**page, image));
  }
}

// ----- durability -----

TEST(PagerTest, SyncedPagesSurviveCrash) {
  int lost = 0;  // unsynced pages the crash took away, over all seeds
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    auto base = fsx::NewMemoryFileSystem();
    auto fault = std::make_shared<fsx::FaultFileSystem>(base, seed);
    std::map<PageId, std::vector<uint8_t>> durable;
    std::map<PageId, std::vector<uint8_t>> pending;
    {
      auto pager = OpenPager(fault, "root/db", SmallOptions(4));
      ASSERT_NE(pager, nullptr);
      durable = WritePages(*pager, 6);  // segments 0 and 1
      ASSERT_TRUE(pager->SyncData().ok());
      pending = WritePages(*pager, 5);  // more of segment 1 and a new segment 2
      fault->Crash();
      EXPECT_FALSE(pager->SyncData().ok());
    }
    ASSERT_TRUE(fault->Restart().ok());
    auto pager = OpenPager(fault, "root/db", SmallOptions(4));
    ASSERT_NE(pager, nullptr);
    ASSERT_TRUE(pager->SetNextPermanentId(7).ok());
    for (const auto& [id, image] : durable) {
      auto page = pager->Get(id);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      EXPECT_TRUE(Holds(**page, image));
    }
    // Unsynced pages may or may not have survived; either way reading them is safe.
    for (const auto& [id, image] : pending) {
      auto page = pager->Get(id);
      if (page.ok()) {
        EXPECT_TRUE(Holds(**page, image));
      } else {
        EXPECT_TRUE(page.status().IsCorruption()) << page.status().ToString();
        ++lost;
      }
    }
    // Writing resumes over the garbage and is durable after SyncData.
    auto fresh = WritePages(*pager, 5);
    ASSERT_EQ(fresh.begin()->first, 7u);
    ASSERT_TRUE(pager->SyncData().ok());
    fault->Crash();
    pager.reset();
    ASSERT_TRUE(fault->Restart().ok());
    pager = OpenPager(fault, "root/db", SmallOptions(4));
    ASSERT_NE(pager, nullptr);
    ASSERT_TRUE(pager->SetNextPermanentId(12).ok());
    for (const auto* set : {&durable, &fresh}) {
      for (const auto& [id, image] : *set) {
        auto page = pager->Get(id);
        ASSERT_TRUE(page.ok()) << page.status().ToString();
        EXPECT_TRUE(Holds(**page, image));
      }
    }
  }
  // The crash model really drops unsynced writes, so survival above is SyncData's doing.
  EXPECT_GT(lost, 0);
}

TEST(PagerTest, FailedSyncIsReportedAndRetried) {
  auto base = fsx::NewMemoryFileSystem();
  auto fault = std::make_shared<fsx::FaultFileSystem>(base, 3);
  std::map<PageId, std::vector<uint8_t>> written;
  {
    auto pager = OpenPager(fault, "root/db", SmallOptions(4));
    ASSERT_NE(pager, nullptr);
    written = WritePages(*pager, 6);
    fault->FailNextSyncs(1);
    EXPECT_FALSE(pager->SyncData().ok());
    ASSERT_TRUE(pager->SyncData().ok());
    fault->Crash();
  }
  ASSERT_TRUE(fault->Restart().ok());
  auto pager = OpenPager(fault, "root/db", SmallOptions(4));
  ASSERT_NE(pager, nullptr);
  ASSERT_TRUE(pager->SetNextPermanentId(7).ok());
  for (const auto& [id, image] : written) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, image));
  }
}

TEST(PagerTest, WriteErrorsAreReportedWithoutConsumingIds) {
  auto base = fsx::NewMemoryFileSystem();
  auto fault = std::make_shared<fsx::FaultFileSystem>(base, 5);
  auto pager = OpenPager(fault, "root/db", SmallOptions(4));
  ASSERT_NE(pager, nullptr);
  WritePages(*pager, 2);
  fault->FailWritesAfterBytes(0);
  auto failed = pager->WritePermanent(MakeImage(1024, 1).data());
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("page 3"), std::string::npos)
      << failed.status().ToString();
  EXPECT_EQ(pager->next_permanent_id(), 3u);
  fault->FailWritesAfterBytes(-1);
  auto image = MakeImage(1024, 77);
  auto ok = pager->WritePermanent(image.data());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)->id(), 3u);
  pager->DropCache();
  auto page = pager->Get(3);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(Holds(**page, image));
}

// ----- local file system -----

class LocalPagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "dosql_pager_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    fs_ = fsx::NewLocalFileSystem();
  }
  void TearDown() override {
    if (!root_.empty()) fsx::RemoveAll(*fs_, root_).IgnoreError();
  }
  std::string root_;
  std::shared_ptr<fsx::FileSystem> fs_;
};

TEST_F(LocalPagerTest, WriteReopenCorruptAndRemove) {
  const std::string dir = fsx::JoinPath(root_, "db");
  PagerOptions o;
  o.page_size = 4096;
  o.segment_pages = 8;
  o.cache_bytes = 16 * 4096;
  std::map<PageId, std::vector<uint8_t>> written;
  {
    auto pager = OpenPager(fs_, dir, o);
    ASSERT_NE(pager, nullptr);
    written = WritePages(*pager, 20, kOverflow);  // segments 0, 1, 2
    ASSERT_TRUE(pager->SyncData().ok());
    ASSERT_TRUE(pager->SyncData().ok());  // nothing left to sync
  }
  auto pager = OpenPager(fs_, dir, o);
  ASSERT_NE(pager, nullptr);
  ASSERT_TRUE(pager->SetNextPermanentId(21).ok());
  for (const auto& [id, image] : written) {
    auto page = pager->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_TRUE(Holds(**page, image));
  }
  auto segments = pager->ListSegments();
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<uint64_t>{0, 1, 2}));

  // Page 10 = segment 1, slot 1.
  const std::string path = SegPath(dir, 1);
  const std::string original = ReadBytes(*fs_, path, 4096 + 777, 1);
  WriteBytes(*fs_, path, 4096 + 777, std::string(1, static_cast<char>(original[0] ^ 0x10)));
  pager->DropCache();
  ExpectCorruptionNaming(pager->Get(10), 10, "checksum mismatch");
  WriteBytes(*fs_, path, 4096 + 777, original);
  pager->DropCache();
  EXPECT_TRUE(pager->Get(10).ok());

  pager->SealCurrentSegment();
  ASSERT_TRUE(pager->RemoveSegment(0).ok());
  EXPECT_FALSE(*fs_->Exists(SegPath(dir, 0)));
  ExpectCorruptionNaming(pager->Get(1), 1, "never written / truncated");
  auto more = WritePages(*pager, 2);
  EXPECT_EQ(more.begin()->first, 25u);
  ASSERT_TRUE(pager->SyncData().ok());
  segments = pager->ListSegments();
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<uint64_t>{1, 2, 3}));
}

// Segments the writer has moved past are mapped where the file system can map: their pages are
// read in place and verified on their first use after the mapping; the segment being written
// is read with read calls; a page still held keeps its bytes when its segment is removed.
TEST_F(LocalPagerTest, FinishedSegmentsAreReadThroughAMapping) {
  const std::string dir = fsx::JoinPath(root_, "db");
  PagerOptions o;
  o.page_size = 4096;
  o.segment_pages = 8;
  o.cache_bytes = 64 * 4096;
  auto pager = OpenPager(fs_, dir, o);
  ASSERT_NE(pager, nullptr);
  auto written = WritePages(*pager, 20);  // segments 0 and 1 full, 2 being written (17..20)
  ASSERT_TRUE(pager->SyncData().ok());
  pager->DropCache();
  // Page 10 (segment 1, slot 1) damaged on disk before anyone maps it.
  const std::string path = SegPath(dir, 1);
  const std::string original = ReadBytes(*fs_, path, 4096 + 777, 1);
  WriteBytes(*fs_, path, 4096 + 777, std::string(1, static_cast<char>(original[0] ^ 0x10)));
  for (PageId id = 1; id <= 20; id++) {
    auto page = pager->Get(id);
    if (id == 10) {
      ExpectCorruptionNaming(page, 10, "checksum mismatch");
      EXPECT_NE(page.status().message().find("seg-000001.dat"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(page.ok()) << id << " " << page.status().ToString();
    EXPECT_TRUE(Holds(**page, written[id])) << id;
    EXPECT_EQ((*page)->mapped(), id <= 16) << id;
  }
  EXPECT_EQ(pager->stats().mapped_segments, 2u);
  EXPECT_EQ(pager->stats().pages_mapped, 15u);
  // A damaged page stays damaged; once repaired, the mapping shows the repaired bytes.
  ExpectCorruptionNaming(pager->Get(10), 10, "checksum mismatch");
  WriteBytes(*fs_, path, 4096 + 777, original);
  auto repaired = pager->Get(10);
  ASSERT_TRUE(repaired.ok()) << repaired.status().ToString();
  EXPECT_TRUE(Holds(**repaired, written[10]));
  // A scan takes mapped pages as well, and a new mapping verifies again.
  repaired = Status::NotFound("released");
  pager->DropCache();
  EXPECT_EQ(pager->stats().mapped_segments, 0u);
  WriteBytes(*fs_, path, 4096 + 2000, "\x55");  // page 10 again
  ScanRun run;
  for (PageId id = 1; id <= 16; id++) {
    auto page = pager->GetScanning(id, &run);
    if (id == 10) {
      ExpectCorruptionNaming(page, 10, "checksum mismatch");
      continue;
    }
    ASSERT_TRUE(page.ok()) << id << " " << page.status().ToString();
    EXPECT_TRUE(Holds(**page, written[id])) << id;
    EXPECT_TRUE((*page)->mapped());
  }
  // Removing a segment leaves the pages readers hold readable.
  auto held = pager->Get(5);
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE((*held)->mapped());
  ASSERT_TRUE(pager->RemoveSegment(0).ok());
  EXPECT_TRUE(Holds(**held, written[5]));
  ExpectCorruptionNaming(pager->Get(1), 1, "never written / truncated");
  EXPECT_EQ(pager->stats().mapped_segments, 1u);

  // map_segments = false: every page is read with read calls.
  o.map_segments = false;
  pager.reset();
  auto unmapped = OpenPager(fs_, dir, o);
  ASSERT_NE(unmapped, nullptr);
  ASSERT_TRUE(unmapped->SetNextPermanentId(21).ok());
  for (PageId id = 11; id <= 20; id++) {
    auto page = unmapped->Get(id);
    ASSERT_TRUE(page.ok()) << id << " " << page.status().ToString();
    EXPECT_FALSE((*page)->mapped());
  }
  EXPECT_EQ(unmapped->stats().mapped_segments, 0u);
  EXPECT_EQ(unmapped->stats().pages_mapped, 0u);
}

}  // namespace
}  // namespace dosql::btree
