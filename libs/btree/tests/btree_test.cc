// Tests for the copy-on-write B+tree: a randomized differential test against std::map, snapshot
// isolation of old roots, persistence, rebalancing and space reclamation, overflow values, key
// limits, fill factors, corruption handling and page accounting.

#include "dosql/btree/btree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../src/page_format.h"
#include "dosql/btree/pager.h"
#include "dosql/core/coding.h"
#include "dosql/core/record.h"
#include "dosql/fsx/fsx.h"

namespace dosql::btree {
namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

std::string SegPath(const std::string& dir, uint64_t segment) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "seg-%06llu.dat", static_cast<unsigned long long>(segment));
  return fsx::JoinPath(dir, buf);
}

class BtreeTest : public ::testing::Test {
 protected:
  void OpenPager(uint32_t page_size = 1024, uint64_t cache_bytes = 64ull << 20) {
    fs_ = fsx::NewMemoryFileSystem();
    PagerOptions o;
    o.page_size = page_size;
    o.cache_bytes = cache_bytes;
    o.segment_pages = 4096;
    auto r = Pager::Open(fs_, dir_, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    pager_ = std::move(r).value();
  }

  void SetUp() override { OpenPager(); }

  WriteContext Ctx() {
    WriteContext ctx;
    ctx.pager = pager_.get();
    ctx.owner = next_owner_++;
    return ctx;
  }

  // Frees the transient pages a context replaced (no snapshot of them is kept by the caller).
  void Release(WriteContext& ctx) {
    std::set<PageId> unique(ctx.replaced.begin(), ctx.replaced.end());
    EXPECT_EQ(unique.size(), ctx.replaced.size()) << "a page was listed as replaced twice";
    for (PageId id : ctx.replaced) {
      if (IsTransient(id)) pager_->FreeTransient(id);
    }
    ctx.replaced.clear();
    ctx.created.clear();
  }

  PageId NewTree() {
    WriteContext ctx = Ctx();
    auto r = CreateTree(ctx);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : kInvalidPageId;
  }

  PageId MustPut(WriteContext& ctx, PageId root, std::string_view key, std::string_view value) {
    auto r = Put(ctx, root, key, value);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->root : root;
  }

  Entries Scan(PageId root, bool forward = true) {
    Entries out;
    Cursor c(pager_.get(), root);
    Status st = forward ? c.SeekFirst() : c.SeekLast();
    std::string scratch;
    while (st.ok() && c.Valid()) {
      auto v = c.value(&scratch);
      EXPECT_TRUE(v.ok()) << v.status().ToString();
      if (!v.ok()) break;
      EXPECT_EQ(v->size(), c.value_size());
      out.emplace_back(std::string(c.key()), std::string(*v));
      st = forward ? c.Next() : c.Prev();
    }
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!forward) std::reverse(out.begin(), out.end());
    return out;
  }

  std::vector<PageId> Pages(PageId root) {
    std::vector<PageId> ids;
    Status st = ForEachPage(*pager_, root, [&ids](PageId id) {
      ids.push_back(id);
      return Status::OK();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return ids;
  }

  TreeStats Check(PageId root) {
    auto r = CheckTree(*pager_, root);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : TreeStats{};
  }

  // Average fraction of the usable space of leaf pages taken by cells and slots.
  double LeafFill(PageId root) {
    double sum = 0;
    uint64_t leaves = 0;
    for (PageId id : Pages(root)) {
      auto page = pager_->Get(id);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) continue;
      const uint8_t* p = (*page)->data();
      const uint32_t ps = (*page)->size();
      internal::NodeHeader h;
      if (p[12] != internal::kLeafPage) continue;
      EXPECT_EQ(internal::ReadNodeHeader(p, ps, &h), nullptr);
      sum += static_cast<double>(internal::UsedBytes(h, ps)) / internal::UsableSpace(ps);
      leaves++;
    }
    return leaves == 0 ? 0 : sum / leaves;
  }

  std::string dir_ = "/db";
  std::shared_ptr<fsx::FileSystem> fs_;
  std::unique_ptr<Pager> pager_;
  uint64_t next_owner_ = 1;
};

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t x = rng();
    std::memcpy(s.data() + i, &x, 8);
  }
  for (; i < n; ++i) s[i] = static_cast<char>(rng());
  return s;
}

Entries ToEntries(const std::map<std::string, std::string>& m) {
  return Entries(m.begin(), m.end());
}

// ----- basics -----

TEST_F(BtreeTest, EmptyTree) {
  PageId root = NewTree();
  ASSERT_NE(root, kInvalidPageId);
  auto g = Get(*pager_, root, "a");
  ASSERT_TRUE(g.ok());
  EXPECT_FALSE(g->has_value());
  Cursor c(pager_.get(), root);
  ASSERT_TRUE(c.SeekFirst().ok());
  EXPECT_FALSE(c.Valid());
  ASSERT_TRUE(c.SeekLast().ok());
  EXPECT_FALSE(c.Valid());
  ASSERT_TRUE(c.Seek("x").ok());
  EXPECT_FALSE(c.Valid());
  ASSERT_TRUE(c.SeekForPrev("x").ok());
  EXPECT_FALSE(c.Valid());
  EXPECT_EQ(c.Next().code(), StatusCode::kInvalidArgument);
  TreeStats s = Check(root);
  EXPECT_EQ(s.entries, 0u);
  EXPECT_EQ(s.depth, 1u);
  EXPECT_EQ(s.leaf_pages, 1u);
  EXPECT_EQ(Pages(root).size(), 1u);
}

TEST_F(BtreeTest, PutGetOverwriteDelete) {
  WriteContext ctx = Ctx();
  auto root_or = CreateTree(ctx);
  ASSERT_TRUE(root_or.ok());
  PageId root = *root_or;
  std::string old;
  auto p1 = Put(ctx, root, "k1", "v1", &old);
  ASSERT_TRUE(p1.ok());
  EXPECT_FALSE(p1->existed);
  root = p1->root;
  auto p2 = Put(ctx, root, "k1", "value two", &old);
  ASSERT_TRUE(p2.ok());
  EXPECT_TRUE(p2->existed);
  EXPECT_EQ(old, "v1");
  root = p2->root;
  root = MustPut(ctx, root, "", "empty key");
  root = MustPut(ctx, root, "k0", "");
  auto g = Get(*pager_, root, "k1");
  ASSERT_TRUE(g.ok() && g->has_value());
  EXPECT_EQ(**g, "value two");
  g = Get(*pager_, root, "");
  ASSERT_TRUE(g.ok() && g->has_value());
  EXPECT_EQ(**g, "empty key");
  g = Get(*pager_, root, "k0");
  ASSERT_TRUE(g.ok() && g->has_value());
  EXPECT_EQ(**g, "");
  auto d = Delete(ctx, root, "k1", &old);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->existed);
  EXPECT_EQ(old, "value two");
  root = d->root;
  d = Delete(ctx, root, "k1");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->existed);
  EXPECT_EQ(d->root, root);
  EXPECT_EQ(Scan(root), (Entries{{"", "empty key"}, {"k0", ""}}));
  // GetInto: the value replaces the buffer's contents; an absent key leaves them.
  std::string buf = "previous contents, longer than any value here";
  bool found = false;
  ASSERT_TRUE(GetInto(*pager_, root, "", nullptr, &buf, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(buf, "empty key");
  ASSERT_TRUE(GetInto(*pager_, root, "k1", nullptr, &buf, &found).ok());
  EXPECT_FALSE(found);
  EXPECT_EQ(buf, "empty key");
  ASSERT_TRUE(GetInto(*pager_, root, "k0", nullptr, &buf, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(buf, "");
  // One context created everything: nothing was copied.
  EXPECT_TRUE(ctx.replaced.empty());
}

TEST_F(BtreeTest, RejectsBadArguments) {
  WriteContext ctx;
  EXPECT_EQ(CreateTree(ctx).status().code(), StatusCode::kInvalidArgument);
  ctx.pager = pager_.get();
  EXPECT_EQ(CreateTree(ctx).status().code(), StatusCode::kInvalidArgument);  // owner 0
}

// ----- the differential test -----

TEST_F(BtreeTest, RandomizedDifferentialAgainstStdMap) {
  OpenPager(1024, 256 * 1024);  // a small cache: persisted pages get evicted and re-read
  std::mt19937_64 rng(20240611);
  const size_t max_key = MaxKeySize(pager_->page_size());
  // A pool of keys: rowid keys, short strings over a tiny alphabet (long shared prefixes), and
  // some long keys up to the maximum.
  std::vector<std::string> pool;
  for (int i = 0; i < 6000; ++i)
    pool.push_back(RowidKey(static_cast<int64_t>(rng() % 20000) - 5000));
  for (int i = 0; i < 9000; ++i) {
    size_t len = rng() % 100 < 85 ? 1 + rng() % 24 : 1 + rng() % max_key;
    std::string k(len, 'a');
    for (char& ch : k) ch = "abcd\x00\xff"[rng() % (rng() % 10 == 0 ? 6 : 4)];
    if (rng() % 3 == 0) {
      const std::string prefix = "common/prefix/that/is/long/";
      k = prefix + k.substr(0, std::min(k.size(), max_key - prefix.size()));
    }
    pool.push_back(std::move(k));
  }
  pool.push_back("");
  pool.push_back(std::string(max_key, '\xff'));
  auto random_value = [&rng]() {
    const int bucket = static_cast<int>(rng() % 100);
    size_t len;
    if (bucket < 70) {
      len = rng() % 50;
    } else if (bucket < 90) {
      len = 50 + rng() % 350;
    } else if (bucket < 98) {
      len = 400 + rng() % 2600;
    } else {
      len = 3000 + rng() % 17000;
    }
    return RandomBytes(rng, len);
  };

  std::map<std::string, std::string> model;
  PageId root = NewTree();
  const int kOps = 100000;
  const int kBatch = 1000;
  size_t max_entries = 0, max_pages = 0;
  for (int batch = 0; batch < kOps / kBatch; ++batch) {
    WriteContext ctx = Ctx();                      // one "transaction" per batch
    const int put_percent = batch < 50 ? 70 : 30;  // grow, then shrink
    for (int i = 0; i < kBatch; ++i) {
      const std::string& key = pool[rng() % pool.size()];
      std::string old;
      if (static_cast<int>(rng() % 100) < put_percent) {
        std::string value = random_value();
        auto r = Put(ctx, root, key, value, &old);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        auto it = model.find(key);
        ASSERT_EQ(r->existed, it != model.end());
        if (it != model.end()) {
          ASSERT_EQ(old, it->second);
        }
        model[key] = std::move(value);
        root = r->root;
      } else {
        auto r = Delete(ctx, root, key, &old);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        auto it = model.find(key);
        ASSERT_EQ(r->existed, it != model.end());
        if (it != model.end()) {
          ASSERT_EQ(old, it->second);
          model.erase(it);
        }
        root = r->root;
      }
    }
    // The old versions are not needed: free what the batch replaced. Any page still referenced
    // but freed would make the checks below fail with NotFound.
    Release(ctx);
    if (batch % 10 == 9) {
      // Persist, then keep writing over a mix of permanent and transient pages.
      WriteContext pctx = Ctx();
      auto persisted = PersistTree(pctx, root);
      ASSERT_TRUE(persisted.ok()) << persisted.status().ToString();
      root = *persisted;
      EXPECT_FALSE(IsTransient(root));
      Release(pctx);
      if (batch % 20 == 19) pager_->DropCache();
    }

    TreeStats stats = Check(root);
    ASSERT_EQ(stats.entries, model.size());
    const Entries expected = ToEntries(model);
    ASSERT_EQ(Scan(root, true), expected) << "batch " << batch;
    ASSERT_EQ(Scan(root, false), expected) << "batch " << batch;
    // Every transient page in memory is reachable from the root: nothing leaked.
    std::vector<PageId> pages = Pages(root);
    const uint64_t reachable_transient =
        std::count_if(pages.begin(), pages.end(), [](PageId id) { return IsTransient(id); });
    ASSERT_EQ(pager_->stats().transient_pages, reachable_transient) << "batch " << batch;
    max_entries = std::max(max_entries, model.size());
    max_pages = std::max(max_pages, pages.size());

    // Point lookups and seeks at random places.
    Cursor c(pager_.get(), root);
    for (int i = 0; i < 200; ++i) {
      std::string target = rng() % 2 ? pool[rng() % pool.size()] : RandomBytes(rng, rng() % 12);
      auto g = Get(*pager_, root, target);
      ASSERT_TRUE(g.ok()) << g.status().ToString();
      auto mit = model.find(target);
      ASSERT_EQ(g->has_value(), mit != model.end());
      if (mit != model.end()) {
        ASSERT_EQ(**g, mit->second);
      }

      ASSERT_TRUE(c.Seek(target).ok());
      auto lb = model.lower_bound(target);
      ASSERT_EQ(c.Valid(), lb != model.end());
      if (lb != model.end()) {
        ASSERT_EQ(c.key(), lb->first);
        // Step a little both ways from here.
        ASSERT_TRUE(c.Next().ok());
        auto nx = std::next(lb);
        ASSERT_EQ(c.Valid(), nx != model.end());
        if (nx != model.end()) {
          ASSERT_EQ(c.key(), nx->first);
          ASSERT_TRUE(c.Prev().ok());
          ASSERT_TRUE(c.Valid());
          ASSERT_EQ(c.key(), lb->first);
        }
      }
      ASSERT_TRUE(c.SeekForPrev(target).ok());
      auto ub = model.upper_bound(target);
      ASSERT_EQ(c.Valid(), ub != model.begin());
      if (ub != model.begin()) {
        auto le = std::prev(ub);
        ASSERT_EQ(c.key(), le->first);
        std::string scratch;
        auto v = c.value(&scratch);
        ASSERT_TRUE(v.ok());
        ASSERT_EQ(*v, le->second);
        ASSERT_TRUE(c.Prev().ok());
        ASSERT_EQ(c.Valid(), le != model.begin());
        if (le != model.begin()) {
          ASSERT_EQ(c.key(), std::prev(le)->first);
        }
      }
    }
  }
  std::printf("[ differential ] peak %zu entries, peak %zu pages, final %zu entries, %zu pages\n",
              max_entries, max_pages, model.size(), Pages(root).size());
  // The shrink phase gave space back.
  EXPECT_LT(Pages(root).size(), max_pages);
}

// Get, Neighbors, Put and Delete through one LeafHint agree with a model: appends, runs of
// neighbouring keys (the hint's leaf), random keys, reads followed by rewrites of the same key,
// values that grow and shrink in place, overflow values, deletes that empty leaves, new owners
// (pages that must be copied, not changed in place) and persists (which change the tree without the
// hint, so the hint is cleared). Each batch leaves the previous root's snapshot untouched.
TEST_F(BtreeTest, LeafHintAgreesWithTheModel) {
  OpenPager(1024, 64ull << 20);
  std::mt19937_64 rng(20261127);
  std::map<std::string, std::string> model;
  PageId root = NewTree();
  LeafHint hint;
  int64_t last = 0;
  for (int batch = 0; batch < 80; ++batch) {
    WriteContext ctx = Ctx();
    const PageId before = root;
    const Entries before_entries = ToEntries(model);
    // Grow for a while, then shrink, then grow again.
    const int put_percent = batch < 30 ? 60 : batch < 60 ? 25 : 55;
    for (int i = 0; i < 1500; ++i) {
      const int how = static_cast<int>(rng() % 10);
      if (how < 2) {
        last = static_cast<int64_t>(rng() % 6000);  // anywhere
      } else if (how < 4) {
        last = last + 1;  // the next key (appends past the end)
      } else if (how < 9) {
        last = std::max<int64_t>(0, last + static_cast<int64_t>(rng() % 7) - 3);  // near
      }  // else the same key again
      const std::string key = RowidKey(last);
      const int op = static_cast<int>(rng() % 100);
      if (op < 5) {
        // Half of the lookups report only the neighbours that share the key's first 7 bytes
        // (rowids in the same run of 256).
        const size_t prefix = rng() % 2 == 0 ? 0 : 7;
        auto nb = Neighbors(*pager_, root, key, &hint, prefix);
        ASSERT_TRUE(nb.ok()) << nb.status().ToString();
        ASSERT_EQ(nb->found, model.count(key) == 1) << "batch " << batch << " op " << i;
        auto shares = [&](const std::string& k) {
          return k.compare(0, prefix, key, 0, prefix) == 0;
        };
        auto lb = model.lower_bound(key);
        const bool below = lb != model.begin() && shares(std::prev(lb)->first);
        ASSERT_EQ(nb->below.has_value(), below) << "batch " << batch << " op " << i;
        if (below) {
          ASSERT_EQ(*nb->below, std::prev(lb)->first);
        }
        auto ub = model.upper_bound(key);
        const bool above = ub != model.end() && shares(ub->first);
        ASSERT_EQ(nb->above.has_value(), above) << "batch " << batch << " op " << i;
        if (above) {
          ASSERT_EQ(*nb->above, ub->first);
        }
      } else if (op < 15) {
        auto g = Get(*pager_, root, key, &hint);
        ASSERT_TRUE(g.ok()) << g.status().ToString();
        auto it = model.find(key);
        ASSERT_EQ(g->has_value(), it != model.end()) << "batch " << batch << " op " << i;
        if (it != model.end()) {
          ASSERT_EQ(**g, it->second);
        }
      } else if (op < 15 + put_percent) {
        const size_t len = rng() % 50 == 0 ? 300 + rng() % 3000 : rng() % 120;
        std::string value = RandomBytes(rng, len);
        std::string old;
        auto r = Put(ctx, root, key, value, &old, &hint);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        auto it = model.find(key);
        ASSERT_EQ(r->existed, it != model.end()) << "batch " << batch << " op " << i;
        if (it != model.end()) {
          ASSERT_EQ(old, it->second);
        }
        model[key] = std::move(value);
        root = r->root;
      } else {
        std::string old;
        auto r = Delete(ctx, root, key, &old, &hint);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        auto it = model.find(key);
        ASSERT_EQ(r->existed, it != model.end()) << "batch " << batch << " op " << i;
        if (it != model.end()) {
          ASSERT_EQ(old, it->second);
          model.erase(it);
        }
        root = r->root;
      }
    }
    ASSERT_EQ(Scan(before), before_entries) << "batch " << batch << " changed an old snapshot";
    Release(ctx);
    TreeStats stats = Check(root);
    ASSERT_EQ(stats.entries, model.size());
    ASSERT_EQ(Scan(root, true), ToEntries(model)) << "batch " << batch;
    if (batch % 9 == 8) {
      WriteContext pctx = Ctx();
      auto persisted = PersistTree(pctx, root);
      ASSERT_TRUE(persisted.ok()) << persisted.status().ToString();
      root = *persisted;
      hint.Clear();
      Release(pctx);
    }
  }
}

// ----- copy-on-write and snapshots -----

TEST_F(BtreeTest, OldRootsStayReadableAndUnchanged) {
  std::mt19937_64 rng(7);
  WriteContext ctx1 = Ctx();
  auto r = CreateTree(ctx1);
  ASSERT_TRUE(r.ok());
  PageId root1 = *r;
  std::map<std::string, std::string> m1;
  for (int i = 0; i < 3000; ++i) {
    std::string k = RowidKey(rng() % 10000);
    std::string v = RandomBytes(rng, rng() % 10 == 0 ? 2000 : rng() % 80);
    root1 = MustPut(ctx1, root1, k, v);
    m1[k] = v;
  }
  const Entries snapshot1 = ToEntries(m1);
  ASSERT_EQ(Scan(root1), snapshot1);
  const std::vector<PageId> pages1 = Pages(root1);

  // A cursor opened on the old root before the writes, stepped through them.
  Cursor live(pager_.get(), root1);
  ASSERT_TRUE(live.SeekFirst().ok());
  size_t live_pos = 0;

  // A second writer (new owner tag) rewrites, deletes and inserts.
  WriteContext ctx2 = Ctx();
  PageId root2 = root1;
  std::map<std::string, std::string> m2 = m1;
  for (int i = 0; i < 3000; ++i) {
    std::string k = RowidKey(rng() % 12000);
    if (rng() % 3 == 0) {
      auto d = Delete(ctx2, root2, k);
      ASSERT_TRUE(d.ok());
      root2 = d->root;
      m2.erase(k);
    } else {
      std::string v = RandomBytes(rng, rng() % 10 == 0 ? 3000 : rng() % 80);
      root2 = MustPut(ctx2, root2, k, v);
      m2[k] = v;
    }
    if (live.Valid() && i % 2 == 0) {
      ASSERT_EQ(live.key(), snapshot1[live_pos].first);
      std::string scratch;
      ASSERT_EQ(*live.value(&scratch), snapshot1[live_pos].second);
      ASSERT_TRUE(live.Next().ok());
      live_pos++;
    }
  }
  EXPECT_NE(root1, root2);
  // Every page of the old root was left alone (byte for byte, via the scans below), and none was
  // modified in place by the second context.
  for (PageId id : pages1) {
    auto page = pager_->Get(id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ((*page)->owner(), ctx1.owner);
  }
  EXPECT_EQ(Scan(root1), snapshot1);
  EXPECT_EQ(Scan(root2), ToEntries(m2));
  Check(root1);
  Check(root2);
  // What ctx2 replaced are pages of root1, and root2 no longer references them.
  std::set<PageId> old_pages(pages1.begin(), pages1.end());
  std::vector<PageId> pages2 = Pages(root2);
  std::set<PageId> new_pages(pages2.begin(), pages2.end());
  for (PageId id : ctx2.replaced) {
    EXPECT_TRUE(old_pages.count(id) || std::count(ctx2.created.begin(), ctx2.created.end(), id))
        << id;
    EXPECT_FALSE(new_pages.count(id)) << id;
  }
  // Pages shared by both roots belong to ctx1; everything else in root2 was created by ctx2.
  std::set<PageId> created2(ctx2.created.begin(), ctx2.created.end());
  for (PageId id : pages2) EXPECT_TRUE(old_pages.count(id) || created2.count(id)) << id;
}

TEST_F(BtreeTest, OwnedPagesAreModifiedInPlace) {
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20000; ++i) {
    root = MustPut(ctx, root, RowidKey(rng() % 1000000), RandomBytes(rng, 40));
  }
  for (int i = 0; i < 20000; ++i) {
    auto d = Delete(ctx, root, RowidKey(rng() % 1000000));
    ASSERT_TRUE(d.ok());
    root = d->root;
  }
  // Every page created is either in the tree or was dropped by a merge/root collapse; none was
  // ever copied (a copy would list the page it replaced without having created it).
  std::set<PageId> created(ctx.created.begin(), ctx.created.end());
  for (PageId id : ctx.replaced) EXPECT_TRUE(created.count(id)) << id;
  std::vector<PageId> pages = Pages(root);
  EXPECT_EQ(pages.size() + ctx.replaced.size(), ctx.created.size());
  Check(root);
}

// ----- persistence -----

TEST_F(BtreeTest, PersistThenReadBackFromDisk) {
  OpenPager(1024, 128 * 1024);
  std::mt19937_64 rng(11);
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  std::map<std::string, std::string> m;
  for (int i = 0; i < 5000; ++i) {
    std::string k = RandomBytes(rng, 1 + rng() % 40);
    std::string v = RandomBytes(rng, rng() % 20 == 0 ? 1 + rng() % 9000 : rng() % 100);
    root = MustPut(ctx, root, k, v);
    m[k] = v;
  }
  const std::vector<PageId> transient_pages = Pages(root);
  WriteContext pctx = Ctx();
  auto persisted = PersistTree(pctx, root);
  ASSERT_TRUE(persisted.ok()) << persisted.status().ToString();
  const PageId proot = *persisted;
  EXPECT_FALSE(IsTransient(proot));
  // Every transient page was written and listed as replaced; nothing else.
  std::set<PageId> replaced(pctx.replaced.begin(), pctx.replaced.end());
  EXPECT_EQ(replaced, std::set<PageId>(transient_pages.begin(), transient_pages.end()));
  EXPECT_TRUE(pctx.created.empty());
  ASSERT_TRUE(pager_->SyncData().ok());
  Release(ctx);
  Release(pctx);
  for (PageId id : transient_pages) pager_->FreeTransient(id);
  EXPECT_EQ(pager_->stats().transient_pages, 0u);
  pager_->DropCache();

  std::vector<PageId> pages = Pages(proot);
  EXPECT_EQ(pages.size(), transient_pages.size());
  for (PageId id : pages) EXPECT_FALSE(IsTransient(id));
  EXPECT_EQ(Scan(proot), ToEntries(m));
  TreeStats s = Check(proot);
  EXPECT_EQ(s.entries, m.size());
  EXPECT_GT(s.overflow_pages, 0u);

  // A fresh pager over the same files reads the same tree.
  const PageId next = pager_->next_permanent_id();
  pager_.reset();
  PagerOptions o;
  o.page_size = 1024;
  o.segment_pages = 4096;
  auto reopened = Pager::Open(fs_, dir_, o);
  ASSERT_TRUE(reopened.ok());
  pager_ = std::move(reopened).value();
  ASSERT_TRUE(pager_->SetNextPermanentId(next).ok());
  EXPECT_EQ(Scan(proot), ToEntries(m));
  Check(proot);

  // An incremental change writes only the copied path.
  WriteContext ctx2 = Ctx();
  PageId root2 = MustPut(ctx2, proot, "zzzz-new-key", "new value");
  m["zzzz-new-key"] = "new value";
  const uint64_t written_before = pager_->stats().pages_written;
  WriteContext pctx2 = Ctx();
  auto persisted2 = PersistTree(pctx2, root2);
  ASSERT_TRUE(persisted2.ok());
  EXPECT_EQ(pager_->stats().pages_written - written_before, static_cast<uint64_t>(s.depth));
  EXPECT_EQ(pctx2.replaced.size(), static_cast<size_t>(s.depth));
  EXPECT_EQ(Scan(*persisted2), ToEntries(m));
  EXPECT_EQ(Scan(proot).size(), m.size() - 1);  // the old version is intact
}

// ----- shrinking -----

TEST_F(BtreeTest, DeleteEverythingLeavesOneEmptyLeaf) {
  std::mt19937_64 rng(5);
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  std::vector<std::string> keys;
  for (int i = 0; i < 20000; ++i) {
    keys.push_back(RandomBytes(rng, 4 + rng() % 30));
    root = MustPut(ctx, root, keys.back(), RandomBytes(rng, rng() % 50 == 0 ? 3000 : rng() % 60));
  }
  Release(ctx);
  const size_t full_pages = Pages(root).size();
  const TreeStats full = Check(root);
  EXPECT_GE(full.depth, 3u);
  std::shuffle(keys.begin(), keys.end(), rng);
  size_t half_pages = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    WriteContext dctx = Ctx();
    auto d = Delete(dctx, root, keys[i]);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    root = d->root;
    Release(dctx);
    if (i == keys.size() / 2) {
      half_pages = Pages(root).size();
      Check(root);
    }
    if (i == keys.size() * 9 / 10) Check(root);
  }
  std::printf("[ shrink ] pages: full %zu, half %zu, empty %zu\n", full_pages, half_pages,
              Pages(root).size());
  EXPECT_LT(half_pages, full_pages * 7 / 10);
  TreeStats s = Check(root);
  EXPECT_EQ(s.entries, 0u);
  EXPECT_EQ(s.depth, 1u);
  EXPECT_EQ(Pages(root).size(), 1u);
  EXPECT_EQ(pager_->stats().transient_pages, 1u);  // everything else was handed back
}

// ----- big values and keys -----

TEST_F(BtreeTest, SixtyFourMiBValueRoundTripAndOverwrite) {
  std::mt19937_64 rng(64);
  std::string big = RandomBytes(rng, 64u << 20);
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  root = MustPut(ctx, root, "a", "small");
  root = MustPut(ctx, root, "big", big);
  root = MustPut(ctx, root, "c", "small too");
  Release(ctx);
  auto g = Get(*pager_, root, "big");
  ASSERT_TRUE(g.ok() && g->has_value());
  EXPECT_TRUE(**g == big);
  Cursor c(pager_.get(), root);
  ASSERT_TRUE(c.Seek("b").ok());
  ASSERT_TRUE(c.Valid());
  EXPECT_EQ(c.key(), "big");
  EXPECT_EQ(c.value_size(), big.size());
  std::string scratch;
  auto v = c.value(&scratch);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(*v == big);
  TreeStats s = Check(root);
  const uint64_t chain = s.overflow_pages;
  EXPECT_EQ(chain, (big.size() + 1023 - 28) / (1024 - 28));

  // Overwrite with another big value under a new owner: the old chain is replaced.
  std::string big2 = RandomBytes(rng, (64u << 20) - 12345);
  WriteContext ctx2 = Ctx();
  std::string old;
  auto p = Put(ctx2, root, "big", big2, &old);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->existed);
  EXPECT_TRUE(old == big);
  EXPECT_GE(ctx2.replaced.size(), chain);
  PageId root2 = p->root;
  g = Get(*pager_, root2, "big");
  ASSERT_TRUE(g.ok() && g->has_value());
  EXPECT_TRUE(**g == big2);
  g = Get(*pager_, root, "big");  // the old version still reads
  ASSERT_TRUE(g.ok() && g->has_value());
  EXPECT_TRUE(**g == big);
  Release(ctx2);
  Check(root2);

  // Persist and read back from disk.
  WriteContext pctx = Ctx();
  auto persisted = PersistTree(pctx, root2);
  ASSERT_TRUE(persisted.ok());
  Release(pctx);
  pager_->DropCache();
  g = Get(*pager_, *persisted, "big");
  ASSERT_TRUE(g.ok() && g->has_value());
  EXPECT_TRUE(**g == big2);

  // Values beyond the limit are refused.
  EXPECT_EQ(kMaxValueSize, 1ull << 30);
}

TEST_F(BtreeTest, MaxKeySize) {
  const size_t max = MaxKeySize(1024);
  EXPECT_GT(max, 200u);
  EXPECT_LT(max, 1024u / 4);
  EXPECT_GT(MaxKeySize(4096), 900u);
  EXPECT_GT(MaxKeySize(65536), 16000u);
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  auto too_big = Put(ctx, root, std::string(max + 1, 'k'), "v");
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(too_big.status().message(), "key of " + std::to_string(max + 1) +
                                            " bytes exceeds the maximum " + std::to_string(max));
  // Many maximal keys, with values small and large: deep trees of 4-cell pages still work.
  std::mt19937_64 rng(9);
  std::map<std::string, std::string> m;
  // The keys share a long prefix, so that separators cannot be shortened.
  for (int i = 0; i < 2000; ++i) {
    std::string k = std::string(max - 8, 'p') + RandomBytes(rng, 8);
    std::string v = RandomBytes(rng, rng() % 2 ? 0 : rng() % 3000);
    root = MustPut(ctx, root, k, v);
    m[k] = v;
  }
  TreeStats s = Check(root);
  EXPECT_GE(s.depth, 5u);
  EXPECT_EQ(Scan(root), ToEntries(m));
  for (auto it = m.begin(); it != m.end();) {
    auto d = Delete(ctx, root, it->first);
    ASSERT_TRUE(d.ok());
    root = d->root;
    it = m.erase(it);
    if (m.size() % 500 == 0) {
      Check(root);
      EXPECT_EQ(Scan(root), ToEntries(m));
    }
  }
  EXPECT_EQ(Pages(root).size(), 1u);
}

// ----- fill factor -----

TEST_F(BtreeTest, SequentialInsertsFillLeaves) {
  OpenPager(4096);
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  const int kRows = 200000;
  std::string value(100, 'v');
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= kRows; ++i) {
    EncodeFixed32(reinterpret_cast<uint8_t*>(value.data()), static_cast<uint32_t>(i));
    root = MustPut(ctx, root, RowidKey(i), value);
  }
  auto t1 = std::chrono::steady_clock::now();
  EXPECT_TRUE(ctx.replaced.empty());
  TreeStats s = Check(root);
  EXPECT_EQ(s.entries, static_cast<uint64_t>(kRows));
  const double seq_fill = LeafFill(root);

  // Random order for comparison.
  WriteContext ctx2 = Ctx();
  auto r2 = CreateTree(ctx2);
  ASSERT_TRUE(r2.ok());
  PageId root2 = *r2;
  std::vector<int> order(kRows);
  for (int i = 0; i < kRows; ++i) order[i] = i + 1;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(1));
  auto t2 = std::chrono::steady_clock::now();
  for (int i : order) root2 = MustPut(ctx2, root2, RowidKey(i), value);
  auto t3 = std::chrono::steady_clock::now();
  const double random_fill = LeafFill(root2);
  TreeStats s2 = Check(root2);
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  std::printf(
      "[ fill ] %d rows x 100 B, 4 KiB pages: sequential %.1f%% (%llu leaves, %.0f ms), "
      "random %.1f%% (%llu leaves, %.0f ms)\n",
      kRows, seq_fill * 100, static_cast<unsigned long long>(s.leaf_pages), ms(t0, t1),
      random_fill * 100, static_cast<unsigned long long>(s2.leaf_pages), ms(t2, t3));
  EXPECT_GT(seq_fill, 0.95);
  EXPECT_GT(random_fill, 0.6);

  // Point lookups and a full scan.
  auto t4 = std::chrono::steady_clock::now();
  for (int i = 1; i <= kRows; i += 7) {
    auto g = Get(*pager_, root, RowidKey(i));
    ASSERT_TRUE(g.ok() && g->has_value());
  }
  Cursor c(pager_.get(), root);
  int n = 0;
  for (Status st = c.SeekFirst(); c.Valid(); st = c.Next()) {
    ASSERT_TRUE(st.ok());
    ASSERT_EQ(*DecodeRowidKey(c.key()), ++n);
  }
  EXPECT_EQ(n, kRows);
  auto t5 = std::chrono::steady_clock::now();
  std::printf("[ fill ] %d lookups + full scan: %.0f ms\n", kRows / 7, ms(t4, t5));
}

// ----- corruption -----

// Builds a persisted multi-level tree with overflow values and returns its root.
PageId BuildPersisted(Pager& pager, std::map<std::string, std::string>* m, uint64_t owner) {
  std::mt19937_64 rng(owner);
  WriteContext ctx;
  ctx.pager = &pager;
  ctx.owner = owner;
  auto r = CreateTree(ctx);
  EXPECT_TRUE(r.ok());
  PageId root = *r;
  for (int i = 0; i < 800; ++i) {
    std::string k = "key" + std::to_string(rng() % 100000);
    std::string v = RandomBytes(rng, i % 40 == 0 ? 2500 : rng() % 60);
    auto p = Put(ctx, root, k, v);
    EXPECT_TRUE(p.ok());
    root = p->root;
    (*m)[k] = v;
  }
  WriteContext pctx;
  pctx.pager = &pager;
  pctx.owner = owner + 1;
  auto persisted = PersistTree(pctx, root);
  EXPECT_TRUE(persisted.ok());
  for (PageId id : pctx.replaced) pager.FreeTransient(id);
  EXPECT_TRUE(pager.SyncData().ok());
  return *persisted;
}

// Reads everything every way; returns the first error (never crashes).
Status ReadAll(Pager& pager, PageId root, const std::map<std::string, std::string>& m) {
  for (const auto& [k, v] : m) {
    auto g = Get(pager, root, k);
    if (!g.ok()) return g.status();
  }
  Cursor c(&pager, root);
  std::string scratch;
  Status st = c.SeekFirst();
  while (st.ok() && c.Valid()) {
    auto v = c.value(&scratch);
    if (!v.ok()) return v.status();
    st = c.Next();
  }
  if (!st.ok()) return st;
  st = c.SeekLast();
  while (st.ok() && c.Valid()) st = c.Prev();
  if (!st.ok()) return st;
  for (const auto& [k, v] : m) {
    DOSQL_RETURN_IF_ERROR(c.Seek(k));
    DOSQL_RETURN_IF_ERROR(c.SeekForPrev(k));
  }
  return CheckTree(pager, root).status();
}

TEST_F(BtreeTest, CorruptBytesOnDiskGiveCorruption) {
  std::map<std::string, std::string> m;
  const PageId root = BuildPersisted(*pager_, &m, 100);
  const std::vector<PageId> pages = Pages(root);
  ASSERT_GT(pages.size(), 20u);
  std::mt19937_64 rng(1);
  const uint32_t ps = pager_->page_size();
  for (int trial = 0; trial < 40; ++trial) {
    const PageId victim = pages[rng() % pages.size()];
    const uint64_t offset = ((victim - 1) % 4096) * ps + 4 + rng() % (ps - 4);
    const std::string path = SegPath(dir_, (victim - 1) / 4096);
    auto file = fs_->Open(path, fsx::OpenOptions{});
    ASSERT_TRUE(file.ok());
    uint8_t byte;
    size_t got;
    ASSERT_TRUE((*file)->ReadAt(offset, 1, &byte, &got).ok());
    const uint8_t flipped = byte ^ static_cast<uint8_t>(1 + rng() % 255);
    ASSERT_TRUE((*file)->WriteAt(offset, &flipped, 1).ok());
    pager_->DropCache();
    Status st = ReadAll(*pager_, root, m);
    EXPECT_TRUE(st.IsCorruption()) << "page " << victim << ": " << st.ToString();
    EXPECT_TRUE(CheckTree(*pager_, root).status().IsCorruption());
    ASSERT_TRUE((*file)->WriteAt(offset, &byte, 1).ok());
    pager_->DropCache();
  }
  EXPECT_TRUE(ReadAll(*pager_, root, m).ok());
}

// Pages with valid checksums but damaged contents (what a bug would write): every reader bounds
// checks and reports Corruption; nothing crashes or reads out of bounds.
TEST_F(BtreeTest, DamagedPagesWithValidChecksumsNeverCrash) {
  std::map<std::string, std::string> m;
  const PageId root = BuildPersisted(*pager_, &m, 200);
  const std::vector<PageId> pages = Pages(root);
  const uint32_t ps = pager_->page_size();
  std::mt19937_64 rng(2);
  int corrupt = 0, trials = 0;
  for (PageId victim : pages) {
    auto page = pager_->Get(victim);
    ASSERT_TRUE(page.ok());
    const std::vector<uint8_t> original((*page)->data(), (*page)->data() + ps);
    for (int k = 0; k < 6; ++k) {
      std::vector<uint8_t> image = original;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        // Bias towards the header and slot array, where damage is most interesting. (The page
        // type byte is left alone: the Pager refuses to write an invalid one.)
        const uint32_t pos = rng() % 2 ? 13 + rng() % 60 : 13 + rng() % (ps - 13);
        image[pos] = static_cast<uint8_t>(rng());
      }
      // Rewire the tree to the damaged copy: rewrite the path from the root down to the victim.
      auto damaged = pager_->WritePermanent(image.data());
      ASSERT_TRUE(damaged.ok());
      // Find the parent of the victim and write a copy that points at the damaged page.
      std::function<Result<PageId>(PageId)> rewire = [&](PageId id) -> Result<PageId> {
        if (id == victim) return (*damaged)->id();
        auto pr = pager_->Get(id);
        if (!pr.ok()) return pr.status();
        std::vector<uint8_t> copy((*pr)->data(), (*pr)->data() + ps);
        bool changed = false;
        if (copy[12] == internal::kInteriorPage) {
          internal::NodeHeader h;
          if (internal::ReadNodeHeader(copy.data(), ps, &h) != nullptr) return id;
          for (uint32_t i = 0; i <= h.n; ++i) {
            const uint32_t off =
                i < h.n ? internal::SlotAt(copy.data(), i) : internal::kRightChildOffset;
            PageId child = DecodeFixed64(copy.data() + off);
            DOSQL_ASSIGN_OR_RETURN(PageId nc, rewire(child));
            if (nc != child) {
              EncodeFixed64(copy.data() + off, nc);
              changed = true;
            }
          }
        } else if (copy[12] == internal::kLeafPage) {
          internal::NodeHeader h;
          if (internal::ReadNodeHeader(copy.data(), ps, &h) != nullptr) return id;
          for (uint32_t i = 0; i < h.n; ++i) {
            internal::LeafCell c;
            const uint32_t off = internal::SlotAt(copy.data(), i);
            if (!internal::ParseLeafCell(copy.data(), ps, off, &c) || !c.overflow) continue;
            // Overflow chains: rewire the first page only (the victim may be any page of it).
            if (c.first_overflow == victim) {
              EncodeFixed64(copy.data() + off + c.size - 8, (*damaged)->id());
              changed = true;
            } else {
              PageId cur = c.first_overflow;
              std::vector<std::vector<uint8_t>> chain;
              bool hit = false;
              while (cur != kInvalidPageId) {
                auto op = pager_->Get(cur);
                if (!op.ok()) return op.status();
                chain.emplace_back((*op)->data(), (*op)->data() + ps);
                if (cur == victim) {
                  hit = true;
                  break;
                }
                cur = DecodeFixed64((*op)->data() + 16);
              }
              if (!hit) continue;
              PageId next = (*damaged)->id();
              for (size_t j = chain.size() - 1; j-- > 0;) {
                EncodeFixed64(chain[j].data() + 16, next);
                auto w = pager_->WritePermanent(chain[j].data());
                if (!w.ok()) return w.status();
                next = (*w)->id();
              }
              EncodeFixed64(copy.data() + off + c.size - 8, next);
              changed = true;
            }
          }
        }
        if (!changed) return id;
        auto w = pager_->WritePermanent(copy.data());
        if (!w.ok()) return w.status();
        return (*w)->id();
      };
      auto new_root = rewire(root);
      ASSERT_TRUE(new_root.ok()) << new_root.status().ToString();
      Status st = ReadAll(*pager_, *new_root, m);
      trials++;
      if (!st.ok()) {
        EXPECT_TRUE(st.IsCorruption()) << st.ToString();
        corrupt++;
      }
      // Writers must fail cleanly too.
      WriteContext ctx = Ctx();
      for (int i = 0; i < 5; ++i) {
        auto it = m.begin();
        std::advance(it, rng() % m.size());
        auto p = Put(ctx, *new_root, it->first, "x");
        if (!p.ok()) {
          EXPECT_TRUE(p.status().IsCorruption()) << p.status().ToString();
        }
        auto d = Delete(ctx, *new_root, it->first);
        if (!d.ok()) {
          EXPECT_TRUE(d.status().IsCorruption()) << d.status().ToString();
        }
      }
    }
  }
  // Damage to value bytes, free space or key bytes that keep their order cannot be told from
  // data; everything structural must be reported.
  std::printf("[ damage ] %d damaged trees, %d reported Corruption, the rest read without error\n",
              trials, corrupt);
  EXPECT_GT(corrupt, trials / 3);
}

// CheckTree names the specific problems it is documented to catch.
TEST_F(BtreeTest, CheckTreeCatchesStructuralDamage) {
  std::map<std::string, std::string> m;
  const PageId root = BuildPersisted(*pager_, &m, 300);
  const uint32_t ps = pager_->page_size();
  TreeStats good = Check(root);
  ASSERT_GE(good.depth, 2u);

  // Returns a root whose page `victim` is replaced by mutate(image) (victim is a child of root
  // or root itself; for simplicity the damage is placed in the root or its first child).
  auto with_damaged_child = [&](uint32_t child_index,
                                const std::function<void(std::vector<uint8_t>&)>& mutate) {
    auto rp = pager_->Get(root);
    EXPECT_TRUE(rp.ok());
    std::vector<uint8_t> rimg((*rp)->data(), (*rp)->data() + ps);
    internal::NodeHeader h;
    EXPECT_EQ(internal::ReadNodeHeader(rimg.data(), ps, &h), nullptr);
    const uint32_t off = child_index < h.n ? internal::SlotAt(rimg.data(), child_index)
                                           : internal::kRightChildOffset;
    auto cp = pager_->Get(DecodeFixed64(rimg.data() + off));
    EXPECT_TRUE(cp.ok());
    std::vector<uint8_t> cimg((*cp)->data(), (*cp)->data() + ps);
    mutate(cimg);
    auto cw = pager_->WritePermanent(cimg.data());
    EXPECT_TRUE(cw.ok());
    EncodeFixed64(rimg.data() + off, (*cw)->id());
    auto rw = pager_->WritePermanent(rimg.data());
    EXPECT_TRUE(rw.ok());
    return (*rw)->id();
  };
  auto expect_problem = [&](PageId bad_root, const std::string& fragment) {
    auto r = CheckTree(*pager_, bad_root);
    ASSERT_FALSE(r.ok()) << fragment;
    EXPECT_TRUE(r.status().IsCorruption());
    EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find("btree page "), std::string::npos);
  };

  // Keys out of order: swap two slots of a child.
  expect_problem(with_damaged_child(0,
                                    [&](std::vector<uint8_t>& img) {
                                      internal::NodeHeader h;
                                      internal::ReadNodeHeader(img.data(), ps, &h);
                                      uint8_t tmp[2];
                                      std::memcpy(tmp, img.data() + internal::SlotPos(0), 2);
                                      std::memcpy(img.data() + internal::SlotPos(0),
                                                  img.data() + internal::SlotPos(1), 2);
                                      std::memcpy(img.data() + internal::SlotPos(1), tmp, 2);
                                    }),
                 "out of order");
  // A key outside its separator bounds: the right-most child of the root gets the first child's
  // contents.
  {
    auto rp = pager_->Get(root);
    ASSERT_TRUE(rp.ok());
    std::vector<uint8_t> rimg((*rp)->data(), (*rp)->data() + ps);
    internal::NodeHeader h;
    ASSERT_EQ(internal::ReadNodeHeader(rimg.data(), ps, &h), nullptr);
    const PageId first_child = DecodeFixed64(rimg.data() + internal::SlotAt(rimg.data(), 0));
    const PageId second_child = DecodeFixed64(
        rimg.data() + (h.n > 1 ? internal::SlotAt(rimg.data(), 1) : internal::kRightChildOffset));
    EncodeFixed64(
        rimg.data() + (h.n > 1 ? internal::SlotAt(rimg.data(), 1) : internal::kRightChildOffset),
        first_child);
    EncodeFixed64(rimg.data() + internal::SlotAt(rimg.data(), 0), second_child);
    auto rw = pager_->WritePermanent(rimg.data());
    ASSERT_TRUE(rw.ok());
    expect_problem((*rw)->id(), "separator");
  }
  // Non-uniform depth: a child claims another level.
  expect_problem(with_damaged_child(0,
                                    [&](std::vector<uint8_t>& img) {
                                      img[internal::kPageLevelOffset] += 1;
                                      img[internal::kPageTypeOffset] = internal::kInteriorPage;
                                    }),
                 "level");
  // Bad page types (the Pager refuses to write or read an unknown type; these are known types
  // in the wrong place).
  expect_problem(with_damaged_child(0,
                                    [&](std::vector<uint8_t>& img) {
                                      img[internal::kPageTypeOffset] = internal::kOverflowPage;
                                    }),
                 "overflow page where a tree node was expected");
  expect_problem(with_damaged_child(0,
                                    [&](std::vector<uint8_t>& img) {
                                      img[internal::kPageTypeOffset] =
                                          img[internal::kPageTypeOffset] == internal::kLeafPage
                                              ? internal::kInteriorPage
                                              : internal::kLeafPage;
                                    }),
                 "page type does not match its level");
  // A cell offset outside the content area.
  expect_problem(with_damaged_child(0,
                                    [&](std::vector<uint8_t>& img) {
                                      EncodeFixed16(img.data() + internal::SlotPos(0), 40);
                                    }),
                 "outside the content area");
  // A cell running past the page end.
  expect_problem(with_damaged_child(0,
                                    [&](std::vector<uint8_t>& img) {
                                      internal::NodeHeader h;
                                      internal::ReadNodeHeader(img.data(), ps, &h);
                                      EncodeFixed16(img.data() + internal::SlotPos(h.n - 1),
                                                    ps - 1);
                                    }),
                 "past the page end");
  // Overlapping cells / bad accounting: the content-area size no longer adds up.
  expect_problem(with_damaged_child(0,
                                    [&](std::vector<uint8_t>& img) {
                                      internal::NodeHeader h;
                                      internal::ReadNodeHeader(img.data(), ps, &h);
                                      EncodeFixed16(img.data() + internal::kFragBytesOffset,
                                                    static_cast<uint16_t>(h.frag + 3));
                                    }),
                 "accounting");
  // The header's slot array overlapping the content.
  expect_problem(with_damaged_child(0,
                                    [&](std::vector<uint8_t>& img) {
                                      EncodeFixed16(img.data() + internal::kCellCountOffset, 2000);
                                    }),
                 "slot array");

  // An overflow chain whose page claims a wrong byte count.
  {
    PageId leaf_with_overflow = kInvalidPageId, first_ovf = kInvalidPageId;
    for (PageId id : Pages(root)) {
      auto p = pager_->Get(id);
      ASSERT_TRUE(p.ok());
      if ((*p)->data()[12] != internal::kLeafPage) continue;
      internal::NodeHeader h;
      ASSERT_EQ(internal::ReadNodeHeader((*p)->data(), ps, &h), nullptr);
      for (uint32_t i = 0; i < h.n && first_ovf == kInvalidPageId; ++i) {
        internal::LeafCell c;
        ASSERT_TRUE(
            internal::ParseLeafCell((*p)->data(), ps, internal::SlotAt((*p)->data(), i), &c));
        if (c.overflow) {
          leaf_with_overflow = id;
          first_ovf = c.first_overflow;
        }
      }
      if (first_ovf != kInvalidPageId) break;
    }
    ASSERT_NE(first_ovf, kInvalidPageId);
    auto op = pager_->Get(first_ovf);
    ASSERT_TRUE(op.ok());
    std::vector<uint8_t> oimg((*op)->data(), (*op)->data() + ps);
    EncodeFixed32(oimg.data() + internal::kOverflowUsedOffset, 100);
    auto ow = pager_->WritePermanent(oimg.data());
    ASSERT_TRUE(ow.ok());
    // Point a copy of the leaf at the damaged chain, then a copy of the tree at that leaf.
    auto lp = pager_->Get(leaf_with_overflow);
    ASSERT_TRUE(lp.ok());
    std::vector<uint8_t> limg((*lp)->data(), (*lp)->data() + ps);
    internal::NodeHeader lh;
    internal::ReadNodeHeader(limg.data(), ps, &lh);
    for (uint32_t i = 0; i < lh.n; ++i) {
      internal::LeafCell c;
      const uint32_t off = internal::SlotAt(limg.data(), i);
      ASSERT_TRUE(internal::ParseLeafCell(limg.data(), ps, off, &c));
      if (c.overflow && c.first_overflow == first_ovf) {
        EncodeFixed64(limg.data() + off + c.size - 8, (*ow)->id());
      }
    }
    auto lw = pager_->WritePermanent(limg.data());
    ASSERT_TRUE(lw.ok());
    // Rebuild the path from the root to that leaf.
    std::function<PageId(PageId)> rewire = [&](PageId id) -> PageId {
      if (id == leaf_with_overflow) return (*lw)->id();
      auto p = pager_->Get(id);
      EXPECT_TRUE(p.ok());
      if ((*p)->data()[12] != internal::kInteriorPage) return id;
      std::vector<uint8_t> img((*p)->data(), (*p)->data() + ps);
      internal::NodeHeader h;
      internal::ReadNodeHeader(img.data(), ps, &h);
      bool changed = false;
      for (uint32_t i = 0; i <= h.n; ++i) {
        const uint32_t off =
            i < h.n ? internal::SlotAt(img.data(), i) : internal::kRightChildOffset;
        const PageId child = DecodeFixed64(img.data() + off);
        const PageId nc = rewire(child);
        if (nc != child) {
          EncodeFixed64(img.data() + off, nc);
          changed = true;
        }
      }
      if (!changed) return id;
      auto w = pager_->WritePermanent(img.data());
      EXPECT_TRUE(w.ok());
      return (*w)->id();
    };
    const PageId bad_root = rewire(root);
    expect_problem(bad_root, "overflow page holds 100 bytes");
    // Readers see it too.
    Status st = ReadAll(*pager_, bad_root, m);
    EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  }
  // The original is still fine.
  Check(root);
}

// ----- DropTree -----

TEST_F(BtreeTest, DropTreeListsEveryPage) {
  std::mt19937_64 rng(17);
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  for (int i = 0; i < 3000; ++i) {
    root = MustPut(ctx, root, RandomBytes(rng, 8 + rng() % 16),
                   RandomBytes(rng, rng() % 25 == 0 ? 5000 : rng() % 50));
  }
  Release(ctx);
  TreeStats s = Check(root);
  ASSERT_GT(s.overflow_pages, 0u);
  WriteContext dctx = Ctx();
  ASSERT_TRUE(DropTree(dctx, root).ok());
  std::set<PageId> dropped(dctx.replaced.begin(), dctx.replaced.end());
  EXPECT_EQ(dropped.size(), dctx.replaced.size());
  EXPECT_EQ(dropped.size(), s.leaf_pages + s.interior_pages + s.overflow_pages);
  const std::vector<PageId> pages = Pages(root);
  EXPECT_EQ(dropped, std::set<PageId>(pages.begin(), pages.end()));
  Release(dctx);
  EXPECT_EQ(pager_->stats().transient_pages, 0u);
}

// ----- cursor details -----

TEST_F(BtreeTest, CursorEdgesAndSeeks) {
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  for (int i = 0; i < 5000; i += 2) root = MustPut(ctx, root, RowidKey(i), std::to_string(i));
  Cursor c(pager_.get(), root);
  ASSERT_TRUE(c.Seek(RowidKey(-5)).ok());
  ASSERT_TRUE(c.Valid());
  EXPECT_EQ(*DecodeRowidKey(c.key()), 0);
  ASSERT_TRUE(c.Prev().ok());
  EXPECT_FALSE(c.Valid());
  EXPECT_EQ(c.Prev().code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(c.SeekForPrev(RowidKey(-1)).ok());
  EXPECT_FALSE(c.Valid());
  ASSERT_TRUE(c.Seek(RowidKey(4999)).ok());
  EXPECT_FALSE(c.Valid());
  ASSERT_TRUE(c.SeekForPrev(RowidKey(100000)).ok());
  ASSERT_TRUE(c.Valid());
  EXPECT_EQ(*DecodeRowidKey(c.key()), 4998);
  ASSERT_TRUE(c.Next().ok());
  EXPECT_FALSE(c.Valid());
  for (int i = 1; i < 4998; i += 98) {
    ASSERT_TRUE(c.Seek(RowidKey(i)).ok());
    ASSERT_EQ(*DecodeRowidKey(c.key()), i + 1);
    ASSERT_TRUE(c.SeekForPrev(RowidKey(i)).ok());
    ASSERT_EQ(*DecodeRowidKey(c.key()), i - 1);
    ASSERT_TRUE(c.Seek(RowidKey(i + 1)).ok());
    ASSERT_EQ(*DecodeRowidKey(c.key()), i + 1);
    std::string scratch;
    ASSERT_EQ(*c.value(&scratch), std::to_string(i + 1));
  }
  // Moves keep working; a moved cursor keeps its position.
  ASSERT_TRUE(c.Seek(RowidKey(10)).ok());
  Cursor moved = std::move(c);
  ASSERT_TRUE(moved.Valid());
  ASSERT_TRUE(moved.Next().ok());
  EXPECT_EQ(*DecodeRowidKey(moved.key()), 12);
}

// SeekNear lands where Seek does, whether the target is on the cursor's leaf (no descent),
// before it, after it or past the end; Next and Prev keep working from there; after Reset the
// cursor reads another root.
TEST_F(BtreeTest, SeekNearAgreesWithSeek) {
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  for (int i = 0; i < 20000; i += 3) root = MustPut(ctx, root, RowidKey(i), std::to_string(i));
  Cursor near(pager_.get(), root);
  Cursor plain(pager_.get(), root);
  std::mt19937 rng(7);
  int target = -10;
  for (int step = 0; step < 20000; step++) {
    // Mostly small steps forward (a join probing nearby keys), sometimes a jump either way.
    target = step % 50 == 0 ? static_cast<int>(rng() % 20100) - 50 : target + static_cast<int>(rng() % 7);
    ASSERT_TRUE(near.SeekNear(RowidKey(target)).ok());
    ASSERT_TRUE(plain.Seek(RowidKey(target)).ok());
    ASSERT_EQ(near.Valid(), plain.Valid()) << target;
    if (!plain.Valid()) continue;
    ASSERT_EQ(near.key(), plain.key()) << target;
    if (step % 97 == 0) {
      ASSERT_TRUE(near.Next().ok());
      ASSERT_TRUE(plain.Next().ok());
      ASSERT_EQ(near.Valid(), plain.Valid());
      if (plain.Valid()) ASSERT_EQ(near.key(), plain.key());
      ASSERT_TRUE(near.Prev().ok());
      ASSERT_TRUE(plain.Prev().ok());
      ASSERT_EQ(near.Valid(), plain.Valid());
      if (plain.Valid()) ASSERT_EQ(near.key(), plain.key());
    }
  }
  const PageId other = NewTree();
  near.Reset(other);
  EXPECT_EQ(near.root(), other);
  ASSERT_TRUE(near.SeekNear(RowidKey(30)).ok());
  EXPECT_FALSE(near.Valid());
}

// NextInLeaf steps as Next does while the next entry is in the same leaf and inline, and
// declines (the cursor unchanged) at a leaf's end, before an overflowed value and when the
// cursor is not positioned: a scan taking NextInLeaf where it can and Next otherwise reads
// every entry in order, once.
TEST_F(BtreeTest, NextInLeafStepsWithinALeafAndDeclinesElsewhere) {
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  std::mt19937_64 rng(20261128);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 3000; i++) {
    // Mostly short values, some long enough to overflow a 1 KiB page.
    const std::string key = RowidKey(static_cast<int64_t>(rng() % 100000));
    const std::string v = RandomBytes(rng, i % 37 == 0 ? 3000 : rng() % 60);
    root = MustPut(ctx, root, key, v);
    model[key] = v;
  }
  ASSERT_EQ(Scan(root), ToEntries(model));
  Cursor c(pager_.get(), root);
  std::string_view k, v;
  EXPECT_FALSE(c.NextInLeaf(&k, &v));  // not positioned
  ASSERT_TRUE(c.SeekFirst().ok());
  Entries seen;
  size_t in_leaf = 0, declined = 0;
  std::string scratch;
  while (c.Valid()) {
    if (seen.empty()) {
      auto val = c.value(&scratch);
      ASSERT_TRUE(val.ok());
      seen.emplace_back(std::string(c.key()), std::string(*val));
    }
    const std::string before(c.key());
    if (c.NextInLeaf(&k, &v)) {
      in_leaf++;
      ASSERT_EQ(k, c.key());
      auto val = c.value(&scratch);
      ASSERT_TRUE(val.ok());
      ASSERT_EQ(v, *val);
      seen.emplace_back(std::string(k), std::string(v));
      continue;
    }
    declined++;
    ASSERT_TRUE(c.Valid());
    ASSERT_EQ(c.key(), before);  // unchanged
    ASSERT_TRUE(c.Next().ok());
    if (!c.Valid()) break;
    auto val = c.value(&scratch);
    ASSERT_TRUE(val.ok());
    seen.emplace_back(std::string(c.key()), std::string(*val));
  }
  EXPECT_EQ(seen, ToEntries(model));
  EXPECT_GT(in_leaf, declined);        // most steps stay in their leaf
  EXPECT_GT(declined, 20u);            // leaf ends and overflowed values
  EXPECT_FALSE(c.NextInLeaf(&k, &v));  // past the end
}

// LeafAhead reads the entries after the cursor's in its leaf as Next would reach them (values of
// one- and two-byte length words), declines an overflowed value (Next takes that step), and
// MoveInLeaf moves the cursor to any of them: a scan that reads each leaf through LeafAhead,
// keeps some entries and skips others, sees every entry once, in order.
TEST_F(BtreeTest, LeafAheadReadsTheLeafAsNextDoes) {
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  std::mt19937_64 rng(20261129);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 3000; i++) {
    const std::string key = RowidKey(static_cast<int64_t>(rng() % 100000));
    const std::string v = RandomBytes(rng, i % 41 == 0 ? 3000 : rng() % 230);
    root = MustPut(ctx, root, key, v);
    model[key] = v;
  }
  Cursor c(pager_.get(), root);
  LeafEntries leaf;
  EXPECT_FALSE(c.LeafAhead(&leaf));  // not positioned
  ASSERT_TRUE(c.SeekFirst().ok());
  Entries seen;
  std::string scratch;
  size_t from_leaf = 0, moves = 0;
  auto take_current = [&] {
    auto val = c.value(&scratch);
    ASSERT_TRUE(val.ok());
    seen.emplace_back(std::string(c.key()), std::string(*val));
  };
  take_current();
  while (c.Valid()) {
    ASSERT_TRUE(c.LeafAhead(&leaf));
    ASSERT_EQ(leaf.next, c.leaf_slot() + 1);
    uint32_t i = leaf.next;
    std::string_view k, v;
    for (; i < leaf.end && leaf.Entry(i, &k, &v); i++) {
      seen.emplace_back(std::string(k), std::string(v));
      from_leaf++;
      if (rng() % 4 == 0) {  // keep this one: the cursor moves to it
        c.MoveInLeaf(i);
        moves++;
        ASSERT_EQ(c.leaf_slot(), i);
        ASSERT_EQ(c.key(), k);
        auto val = c.value(&scratch);
        ASSERT_TRUE(val.ok());
        ASSERT_EQ(*val, v);
        ASSERT_TRUE(c.LeafAhead(&leaf));
        ASSERT_EQ(leaf.next, i + 1);
      }
    }
    if (i > c.leaf_slot() + 1) c.MoveInLeaf(i - 1);  // past the entries read
    ASSERT_TRUE(c.Next().ok());  // the next leaf, or the overflowed value LeafAhead declined
    if (!c.Valid()) break;
    take_current();
  }
  EXPECT_EQ(seen, ToEntries(model));
  EXPECT_GT(from_leaf, model.size() / 2);
  EXPECT_GT(moves, 100u);
}

// SkipLeaf passes over the rest of a leaf to the next leaf's first entry: summed from the first
// entry it counts every entry once (also from a position inside a leaf, and with emptied
// leaves between), lands on the entries a scan reaches next, and reports a cursor that is not
// positioned.
TEST_F(BtreeTest, SkipLeafCountsTheEntriesOfEachLeaf) {
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  for (int i = 0; i < 5000; i++) root = MustPut(ctx, root, RowidKey(i), std::string(i % 50, 'v'));
  for (int i = 1000; i < 1400; i++) {
    auto d = Delete(ctx, root, RowidKey(i));
    ASSERT_TRUE(d.ok());
    root = d->root;
  }
  Cursor c(pager_.get(), root);
  uint64_t n = 0;
  EXPECT_FALSE(c.SkipLeaf(&n).ok());
  ASSERT_TRUE(c.SeekFirst().ok());
  uint64_t total = 0, leaves = 0;
  while (c.Valid()) {
    const std::string first(c.key());
    ASSERT_TRUE(c.SkipLeaf(&n).ok());
    ASSERT_GT(n, 0u);
    total += n;
    leaves++;
    // Where it lands is where n steps of Next land.
    Cursor step(pager_.get(), root);
    ASSERT_TRUE(step.Seek(first).ok());
    for (uint64_t i = 0; i < n; i++) ASSERT_TRUE(step.Next().ok());
    ASSERT_EQ(step.Valid(), c.Valid());
    if (c.Valid()) ASSERT_EQ(step.key(), c.key());
  }
  EXPECT_EQ(total, 4600u);
  EXPECT_GT(leaves, 10u);
  // From inside a leaf: the entries from there on.
  ASSERT_TRUE(c.Seek(RowidKey(4990)).ok());
  total = 0;
  while (c.Valid()) {
    ASSERT_TRUE(c.SkipLeaf(&n).ok());
    total += n;
  }
  EXPECT_EQ(total, 10u);
}

// EstimatedEntries: exact on a one-page tree, within a small factor of the truth from any
// position in a deep one (it multiplies the fan-outs of one path), 0 when not positioned.
TEST_F(BtreeTest, EstimatedEntriesFromTheCursorPath) {
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  for (int i = 0; i < 10; i++) root = MustPut(ctx, root, RowidKey(i), "v");
  Cursor small(pager_.get(), root);
  EXPECT_EQ(small.EstimatedEntries(), 0u);
  ASSERT_TRUE(small.SeekFirst().ok());
  EXPECT_EQ(small.EstimatedEntries(), 10u);
  constexpr int kEntries = 60000;
  for (int i = 10; i < kEntries; i++) root = MustPut(ctx, root, RowidKey(i), std::to_string(i));
  Cursor c(pager_.get(), root);
  for (int target = 0; target < kEntries; target += 997) {
    ASSERT_TRUE(c.Seek(RowidKey(target)).ok());
    const uint64_t estimate = c.EstimatedEntries();
    EXPECT_GE(estimate, kEntries / 4) << target;
    EXPECT_LE(estimate, kEntries * 4) << target;
  }
}

// Lookups in key order that skip a few leaves at a time, on a tree larger than a full cache:
// SeekNear reads the leaves a little way ahead through the cursor's run (one read for several
// leaves) and lands where Seek does.
TEST_F(BtreeTest, SeekNearReadsLeavesAheadInRuns) {
  OpenPager(1024, 256 * 1024);  // 16-page runs; the tree is ~3x the cache
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  constexpr int kKeys = 30000;
  for (int i = 0; i < kKeys; i++)
    root = MustPut(ctx, root, RowidKey(i), "value " + std::to_string(i));
  WriteContext pctx = Ctx();
  auto persisted = PersistTree(pctx, root);
  ASSERT_TRUE(persisted.ok());
  root = *persisted;
  ASSERT_TRUE(pager_->SyncData().ok());
  {  // fill the cache with other pages of the tree
    Cursor fill(pager_.get(), root);
    ASSERT_TRUE(fill.SeekLast().ok());
    for (int i = 0; i < 12000 && fill.Valid(); i++) ASSERT_TRUE(fill.Prev().ok());
  }
  std::mt19937 rng(11);
  std::vector<int> targets;
  for (int t = 0; t < kKeys - 4000; t += 1 + static_cast<int>(rng() % 120)) targets.push_back(t);
  Cursor near(pager_.get(), root);
  std::set<PageId> leaves;
  std::vector<std::string> values;
  const uint64_t misses_before = pager_->stats().cache_misses;
  std::string scratch;
  for (int t : targets) {
    ASSERT_TRUE(near.SeekNear(RowidKey(t)).ok());
    ASSERT_TRUE(near.Valid());
    leaves.insert(near.leaf_page()->id());
    ASSERT_EQ(*DecodeRowidKey(near.key()), t);
    values.emplace_back(*near.value(&scratch));
  }
  const uint64_t misses = pager_->stats().cache_misses - misses_before;
  EXPECT_LT(misses * 4, leaves.size()) << misses << " misses for " << leaves.size() << " leaves";
  Cursor plain(pager_.get(), root);
  for (size_t i = 0; i < targets.size(); i++) {
    ASSERT_TRUE(plain.Seek(RowidKey(targets[i])).ok());
    ASSERT_EQ(*plain.value(&scratch), values[i]) << targets[i];
  }
}

// Readers on many threads over one committed (persisted) root, with a cache too small to hold
// the tree, while a writer builds new versions from it.
TEST_F(BtreeTest, ConcurrentReadersOverACommittedRoot) {
  OpenPager(1024, 64 * 1024);
  std::map<std::string, std::string> m;
  const PageId root = BuildPersisted(*pager_, &m, 400);
  const Entries expected = ToEntries(m);
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      for (int round = 0; round < 20; ++round) {
        Cursor c(pager_.get(), root);
        std::string scratch;
        size_t i = 0;
        for (Status st = c.SeekFirst(); c.Valid(); st = c.Next(), ++i) {
          auto v = c.value(&scratch);
          if (!st.ok() || !v.ok() || i >= expected.size() || c.key() != expected[i].first ||
              *v != expected[i].second) {
            failures++;
            break;
          }
        }
        if (i != expected.size()) failures++;
        for (int k = 0; k < 50; ++k) {
          const auto& e = expected[rng() % expected.size()];
          auto g = Get(*pager_, root, e.first);
          if (!g.ok() || !g->has_value() || **g != e.second) failures++;
        }
      }
    });
  }
  WriteContext ctx = Ctx();
  PageId r2 = root;
  for (int i = 0; i < 2000; ++i) r2 = MustPut(ctx, r2, "w" + std::to_string(i), "value");
  for (std::thread& th : readers) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Scan(root), expected);
  EXPECT_EQ(Check(r2).entries, m.size() + 2000);
}

TEST_F(BtreeTest, PutWithKeyViewingTheTree) {
  WriteContext ctx = Ctx();
  auto r = CreateTree(ctx);
  ASSERT_TRUE(r.ok());
  PageId root = *r;
  for (int i = 0; i < 300; ++i) {
    root = MustPut(ctx, root, "key-" + std::to_string(i * 7919 % 1000), std::string(30, 'a'));
  }
  // Rewrite every value through keys that point into the tree's own (owned) pages.
  Cursor c(pager_.get(), root);
  std::vector<std::string> keys;
  for (Status st = c.SeekFirst(); c.Valid(); st = c.Next()) keys.emplace_back(c.key());
  for (const std::string& k : keys) {
    ASSERT_TRUE(c.Seek(k).ok());
    ASSERT_TRUE(c.Valid());
    root = MustPut(ctx, root, c.key(), std::string(90, 'b'));
  }
  Entries got = Scan(root);
  ASSERT_EQ(got.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(got[i].first, keys[i]);
    EXPECT_EQ(got[i].second, std::string(90, 'b'));
  }
  Check(root);
}

// A bulk-built tree holds exactly its entries, passes CheckTree at every size (an empty tree, one
// leaf, one interior level, several: 1 KiB pages, keys up to the maximum so that separators are
// truncated and interior pages hold few), takes Puts and Deletes afterwards, and its leaves are
// as full as sequential Puts leave them.
TEST_F(BtreeTest, TreeBuilderBuildsTheTreeOfItsEntries) {
  std::mt19937_64 rng(20261128);
  const size_t max_key = MaxKeySize(1024);
  for (size_t count : {0, 1, 2, 20, 300, 5000}) {
    for (int shape = 0; shape < 3; ++shape) {
      std::map<std::string, std::string> model;
      while (model.size() < count) {
        std::string key;
        if (shape == 0) {
          key = RowidKey(static_cast<int64_t>(model.size()) * 3);
        } else {
          // Long shared prefixes (suffix-truncated separators), some keys as long as allowed.
          const size_t len = rng() % 8 == 0 ? max_key : 20 + rng() % 60;
          key = std::string(len, 'k');
          for (size_t i = len > 12 ? len - 12 : 0; i < len; ++i)
            key[i] = static_cast<char>('a' + rng() % 26);
        }
        // Values: empty (index entries), small, and now and then one that overflows.
        const size_t vlen = shape == 2 ? (rng() % 40 == 0 ? 900 + rng() % 3000 : rng() % 50) : 0;
        model[key] = RandomBytes(rng, vlen);
      }
      WriteContext ctx = Ctx();
      TreeBuilder b(ctx);
      for (const auto& [k, v] : model) ASSERT_TRUE(b.Add(k, v).ok());
      auto root = b.Finish();
      ASSERT_TRUE(root.ok()) << root.status().ToString();
      const TreeStats stats = Check(*root);
      ASSERT_EQ(stats.entries, count) << "count " << count << " shape " << shape;
      ASSERT_EQ(Scan(*root), ToEntries(model));
      ASSERT_EQ(Scan(*root, false), ToEntries(model));
      for (const auto& [k, v] : model) {
        auto g = Get(*pager_, *root, k);
        ASSERT_TRUE(g.ok() && g->has_value() && **g == v) << "count " << count;
      }
      if (count >= 5000 && shape == 0) EXPECT_GT(LeafFill(*root), 0.95);
      // The built tree is an ordinary tree: change it.
      WriteContext more = Ctx();
      PageId r = *root;
      for (int i = 0; i < 200 && !model.empty(); ++i) {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        if (i % 2 == 0) {
          auto d = Delete(more, r, it->first);
          ASSERT_TRUE(d.ok() && d->existed) << d.status().ToString();
          r = d->root;
          model.erase(it);
        } else {
          std::string k = it->first + "+";
          if (k.size() > max_key) continue;
          r = MustPut(more, r, k, "v");
          model[k] = "v";
        }
      }
      Check(r);
      ASSERT_EQ(Scan(r), ToEntries(model));
    }
  }
}

TEST_F(BtreeTest, TreeBuilderRefusesKeysOutOfOrder) {
  WriteContext ctx = Ctx();
  TreeBuilder b(ctx);
  ASSERT_TRUE(b.Add("b", "").ok());
  Status same = b.Add("b", "");
  EXPECT_EQ(same.code(), StatusCode::kInvalidArgument) << same.ToString();
  Status before = b.Add("a", "");
  EXPECT_EQ(before.code(), StatusCode::kInvalidArgument) << before.ToString();
  Status too_long = b.Add(std::string(MaxKeySize(1024) + 1, 'z'), "");
  EXPECT_EQ(too_long.code(), StatusCode::kInvalidArgument) << too_long.ToString();
  ASSERT_TRUE(b.Add("c", "").ok());
  auto root = b.Finish();
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(Scan(*root), (Entries{{"b", ""}, {"c", ""}}));
  EXPECT_EQ(b.Finish().status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace dosql::btree
