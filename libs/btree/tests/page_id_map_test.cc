// Tests of the page cache's open-addressing index (internal::PageIdMap) against std::map,
// with ids clustered the way a shard sees them so that probe runs are long and erasure's
// backward shift is exercised.

#include <cstdint>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "../src/page_id_map.h"

namespace dosql::btree::internal {
namespace {

void ExpectSame(const PageIdMap& m, const std::map<PageId, uint32_t>& ref, PageId max_id) {
  ASSERT_EQ(m.size(), ref.size());
  for (PageId id = 1; id <= max_id; ++id) {
    auto it = ref.find(id);
    ASSERT_EQ(m.Find(id), it == ref.end() ? PageIdMap::kAbsent : it->second) << "id " << id;
  }
}

TEST(PageIdMapTest, RandomPutEraseMatchesStdMap) {
  std::mt19937_64 rng(42);
  for (PageId max_id : {PageId{7}, PageId{64}, PageId{5000}}) {
    PageIdMap m;
    std::map<PageId, uint32_t> ref;
    std::uniform_int_distribution<PageId> pick(1, max_id);
    for (int step = 0; step < 40000; ++step) {
      const PageId id = pick(rng);
      if (rng() % 3 == 0) {
        m.Erase(id);
        ref.erase(id);
      } else {
        const uint32_t v = static_cast<uint32_t>(rng());
        m.Put(id, v == PageIdMap::kAbsent ? 0 : v);
        ref[id] = v == PageIdMap::kAbsent ? 0 : v;
      }
      if (step % 4999 == 0) ExpectSame(m, ref, max_id);
    }
    ExpectSame(m, ref, max_id);
    for (auto& [id, v] : ref) m.Erase(id);
    EXPECT_EQ(m.size(), 0u);
    EXPECT_EQ(m.Find(1), PageIdMap::kAbsent);
  }
}

TEST(PageIdMapTest, LargeIdsAndGrowth) {
  PageIdMap m;
  const PageId base = PageId{1} << 40;
  for (uint32_t i = 0; i < 100000; ++i) m.Put(base + i * 64, i);
  EXPECT_EQ(m.size(), 100000u);
  for (uint32_t i = 0; i < 100000; i += 7) EXPECT_EQ(m.Find(base + i * 64), i);
  EXPECT_EQ(m.Find(base + 1), PageIdMap::kAbsent);
  for (uint32_t i = 0; i < 100000; i += 2) m.Erase(base + i * 64);
  for (uint32_t i = 0; i < 100000; ++i) {
    EXPECT_EQ(m.Find(base + i * 64), i % 2 == 0 ? PageIdMap::kAbsent : i);
  }
}

}  // namespace
}  // namespace dosql::btree::internal
