// Readers on snapshots against a committing writer. Run under ThreadSanitizer (label
// "concurrency"): readers check an invariant (a fixed total across accounts) on every snapshot
// while a writer commits transfers, rolls back some, and checkpoints.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "dosql/core/coding.h"
#include "dosql/core/record.h"
#include "dosql/fsx/fsx.h"
#include "dosql/transaction/store.h"

namespace dosql::transaction {
namespace {

constexpr int kAccounts = 200;
constexpr int64_t kInitial = 1000;

std::string Enc(int64_t v) { return std::to_string(v); }
int64_t Dec(std::string_view s) { return std::strtoll(std::string(s).c_str(), nullptr, 10); }

TEST(ConcurrencyTest, ReadersSeeConsistentSnapshotsWhileWriterCommits) {
  auto fs = fsx::NewMemoryFileSystem();
  StoreOptions o;
  o.pager.page_size = 1024;
  o.pager.cache_bytes = 64 << 10;  // small: readers also exercise eviction
  o.checkpoint_wal_bytes = 64 << 10;
  o.retention = std::chrono::hours(1);
  auto s = *Store::Open(fs, "db", o);
  TreeId t;
  {
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    for (int i = 0; i < kAccounts; i++) {
      ASSERT_TRUE(w->Put(t, RowidKey(i), Enc(kInitial)).ok());
    }
    ASSERT_TRUE(w->Commit().ok());
  }
  const Lsn first_lsn = s->stats().last_lsn;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> snapshots{0};
  std::atomic<int> violations{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; r++) {
    readers.emplace_back([&, r] {
      Lsn last_seen = 0;
      std::mt19937 rng(r);
      while (!done.load()) {
        std::unique_ptr<ReadTransaction> rt;
        if (r == 2 && rng() % 4 == 0) {
          Lsn now = s->stats().last_lsn;
          auto x = s->BeginReadAtLsn(first_lsn + rng() % (now - first_lsn + 1));
          if (!x.ok()) {
            violations++;
            continue;
          }
          rt = std::move(*x);
        } else {
          rt = *s->BeginRead();
          if (rt->lsn() < last_seen) violations++;  // snapshots never go back in time
          last_seen = rt->lsn();
        }
        auto c = rt->NewCursor(t);
        if (!c.ok() || !c->SeekFirst().ok()) {
          violations++;
          continue;
        }
        int64_t total = 0;
        int n = 0;
        std::string scratch;
        while (c->Valid()) {
          total += Dec(*c->value(&scratch));
          n++;
          if (!c->Next().ok()) break;
        }
        if (n != kAccounts || total != kAccounts * kInitial) violations++;
        snapshots++;
      }
    });
  }
  std::mt19937 rng(99);
  int transfers = 5000;
#ifdef DOSQL_TSAN_BUILD
  transfers = 1500;
#endif
  for (int i = 0; i < transfers; i++) {
    auto w = *s->BeginWrite();
    int a = static_cast<int>(rng() % kAccounts), b = static_cast<int>(rng() % kAccounts);
    int64_t amount = static_cast<int64_t>(rng() % 50);
    int64_t va = Dec(**w->Get(t, RowidKey(a)));
    ASSERT_TRUE(w->Put(t, RowidKey(a), Enc(va - amount)).ok());
    int64_t vb = Dec(**w->Get(t, RowidKey(b)));
    ASSERT_TRUE(w->Put(t, RowidKey(b), Enc(vb + amount)).ok());
    if (i % 10 == 0) {
      // A half-done transfer inside a savepoint that is rolled back.
      uint32_t sp = *w->Savepoint();
      ASSERT_TRUE(w->Put(t, RowidKey(a), Enc(-999999)).ok());
      ASSERT_TRUE(w->RollbackTo(sp).ok());
    }
    if (i % 17 == 0) {
      w->Rollback();
      continue;
    }
    ASSERT_TRUE(w->Commit().ok());
    if (i % 200 == 0) {
      ASSERT_TRUE(s->Checkpoint().ok());
    }
  }
  done = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(violations.load(), 0);
  EXPECT_GT(snapshots.load(), 10u);
  ASSERT_TRUE(s->CheckIntegrity().ok());
}

}  // namespace
}  // namespace dosql::transaction
