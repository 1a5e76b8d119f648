// The deadlock detector of the writer slots (Store::BeginWrite's `owner`): threads that each
// hold one store's writer and wait for another's. A wait that closes a wait-for cycle fails at
// once with Busy("deadlock detected: ..."), never after the busy timeout; waits without a cycle
// still wait. Run under ThreadSanitizer (label "concurrency").
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include "dosql/fsx/fsx.h"
#include "dosql/transaction/store.h"

namespace dosql::transaction {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kLong{20000};  // a wait this long would fail the test's time bound

std::unique_ptr<Store> OpenStore(std::shared_ptr<fsx::FileSystem> fs, const std::string& dir) {
  StoreOptions o;
  o.pager.page_size = 1024;
  o.busy_timeout = kLong;
  auto s = Store::Open(fs, dir, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

bool IsDeadlock(const Status& s) {
  return s.code() == StatusCode::kBusy && s.message().rfind("deadlock detected", 0) == 0;
}

TEST(DeadlockTest, WaitingForALockYouHoldIsADeadlock) {
  auto fs = fsx::NewMemoryFileSystem();
  auto a = OpenStore(fs, "a");
  auto w = *a->BeginWrite(kLong, 7);
  auto again = a->BeginWrite(kLong, 7);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(IsDeadlock(again.status())) << again.status().ToString();
  EXPECT_EQ(again.status().message(),
            "deadlock detected: the write lock of 'a' is already held by this transaction");
  // Anonymous waits (owner 0) are never deadlocks: they time out.
  auto anon = a->BeginWrite(milliseconds(20));
  EXPECT_EQ(anon.status().code(), StatusCode::kBusy);
  EXPECT_FALSE(IsDeadlock(anon.status()));
}

// Two owners, two stores, opposite orders: exactly one of them fails at once, the other gets
// its second lock when the first gives up its own.
TEST(DeadlockTest, CrossedWaitsFailTheOneThatClosesTheCycle) {
  auto fs = fsx::NewMemoryFileSystem();
  auto a = OpenStore(fs, "a");
  auto b = OpenStore(fs, "b");
  for (int round = 0; round < 20; round++) {
    std::atomic<int> deadlocks{0}, successes{0}, holding{0};
    auto party = [&](Store* first, Store* second, uint64_t owner) {
      auto w1 = first->BeginWrite(kLong, owner);
      ASSERT_TRUE(w1.ok()) << w1.status().ToString();
      holding++;
      while (holding.load() < 2) std::this_thread::yield();  // both hold one lock
      auto w2 = second->BeginWrite(kLong, owner);
      if (!w2.ok()) {
        EXPECT_TRUE(IsDeadlock(w2.status())) << w2.status().ToString();
        deadlocks++;
        (*w1)->Rollback();  // give up: the other party proceeds
        return;
      }
      successes++;
      (*w2)->Rollback();
      (*w1)->Rollback();
    };
    auto start = Clock::now();
    std::thread t1(party, a.get(), b.get(), 1);
    std::thread t2(party, b.get(), a.get(), 2);
    t1.join();
    t2.join();
    EXPECT_EQ(deadlocks.load(), 1);
    EXPECT_EQ(successes.load(), 1);
    EXPECT_LT(Clock::now() - start, milliseconds(5000));
  }
}

TEST(DeadlockTest, ThreeWayCycleNamesEveryStore) {
  auto fs = fsx::NewMemoryFileSystem();
  std::vector<std::unique_ptr<Store>> s;
  for (const char* d : {"x", "y", "z"}) s.push_back(OpenStore(fs, d));
  auto wx = *s[0]->BeginWrite(kLong, 1);
  auto wy = *s[1]->BeginWrite(kLong, 2);
  auto wz = *s[2]->BeginWrite(kLong, 3);
  // 1 waits for y (held by 2), 2 waits for z (held by 3): no cycle yet, both wait.
  std::unique_ptr<WriteTransaction> w1y, w2z;
  std::thread t1([&] {
    auto r = s[1]->BeginWrite(kLong, 1);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    w1y = std::move(r).value();
  });
  std::this_thread::sleep_for(milliseconds(50));
  std::thread t2([&] {
    auto r = s[2]->BeginWrite(kLong, 2);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    w2z = std::move(r).value();
  });
  std::this_thread::sleep_for(milliseconds(50));
  // 3 waiting for x (held by 1) would close x -> y -> z -> x.
  auto start = Clock::now();
  auto r = s[0]->BeginWrite(kLong, 3);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  EXPECT_EQ(r.status().message(),
            "deadlock detected: the write lock of 'x' is held by a transaction that waits for "
            "'y', whose write lock is held by a transaction that waits for 'z', which this "
            "transaction holds");
  wz->Rollback();  // 3 gives up: 2 gets z, then 1 gets y
  t2.join();
  w2z->Rollback();
  wy->Rollback();
  t1.join();
  w1y->Rollback();
  wx->Rollback();
}

// Many owners locking random pairs of stores in random orders: every wait either succeeds or is
// reported as a deadlock (and retried); none times out.
TEST(DeadlockTest, RandomLockOrdersNeverHang) {
  auto fs = fsx::NewMemoryFileSystem();
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < 3; i++) stores.push_back(OpenStore(fs, "s" + std::to_string(i)));
  TreeId tree;
  for (auto& st : stores) {
    auto w = *st->BeginWrite();
    tree = *w->CreateTree(TreeKind::kRowid);
    ASSERT_TRUE(w->Commit().ok());
  }
  constexpr int kThreads = 6, kTxns = 40;
  std::atomic<int> deadlocks{0}, commits{0}, other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1);
      const uint64_t owner = 100 + static_cast<uint64_t>(t);
      int done = 0;
      while (done < kTxns) {
        int i = static_cast<int>(rng() % 3), j = static_cast<int>(rng() % 2);
        if (j >= i) j++;
        auto w1 = stores[i]->BeginWrite(milliseconds(10000), owner);
        if (!w1.ok()) {
          (IsDeadlock(w1.status()) ? deadlocks : other_errors)++;
          continue;
        }
        if (rng() % 4 == 0) std::this_thread::yield();
        auto w2 = stores[j]->BeginWrite(milliseconds(10000), owner);
        if (!w2.ok()) {
          (IsDeadlock(w2.status()) ? deadlocks : other_errors)++;
          continue;  // w1 rolls back here
        }
        std::string key = "t" + std::to_string(t) + "_" + std::to_string(done);
        if (!(*w1)->Put(tree, key, "1").ok() || !(*w2)->Put(tree, key, "1").ok()) {
          other_errors++;
          continue;
        }
        WriteTransaction* both[] = {w1->get(), w2->get()};
        if (!CommitAtomically(both).ok()) {
          other_errors++;
          continue;
        }
        commits++;
        done++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(commits.load(), kThreads * kTxns);
  RecordProperty("deadlocks", deadlocks.load());
  // Every committed key is in exactly two stores.
  size_t keys = 0;
  for (auto& st : stores) {
    auto r = *st->BeginRead();
    auto c = *r->NewCursor(tree);
    ASSERT_TRUE(c.SeekFirst().ok());
    while (c.Valid()) {
      keys++;
      ASSERT_TRUE(c.Next().ok());
    }
  }
  EXPECT_EQ(keys, static_cast<size_t>(2 * kThreads * kTxns));
}

}  // namespace
}  // namespace dosql::transaction
