// Simulated crashes: a write workload runs on the fault backend, which "crashes" after a random
// number of storage operations (dropping or tearing everything not yet synced). After each crash
// the store must recover with every acknowledged commit present, no unacknowledged one except
// possibly the commit in flight, and every tree structurally sound.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "dosql/fsx/fault.h"
#include "dosql/fsx/fsx.h"
#include "workload.h"

namespace dosql::transaction {
namespace {

using testing::MakeTxn;
using testing::ModelAfter;

StoreOptions CrashOptions() {
  StoreOptions o;
  o.pager.page_size = 1024;
  o.pager.segment_pages = 32;
  o.wal_segment_bytes = 8 << 10;
  o.checkpoint_wal_bytes = 24 << 10;
  o.busy_timeout = std::chrono::milliseconds(10);
  return o;
}

constexpr uint64_t kTxnsPerRun = 40;

struct RunResult {
  uint64_t acked = 0;     // commits that returned OK
  bool crashed = false;
  uint64_t segments_removed = 0;  // by compaction, in a run that did not crash
  std::string error;              // the failure that ended the run
};

// Runs the workload from transaction `start` until it finishes or storage fails.
RunResult RunWorkload(std::shared_ptr<fsx::FileSystem> fs, uint64_t seed, uint64_t start,
                      TreeId* tree) {
  RunResult rr;
  rr.acked = start;
  auto fail = [&](const Status& st) {
    rr.crashed = true;
    rr.error = st.ToString();
    return rr;
  };
  auto s = Store::Open(fs, "db", CrashOptions());
  if (!s.ok()) return fail(s.status());
  if (*tree == 0) {
    auto w = (*s)->BeginWrite();
    if (!w.ok()) return fail(w.status());
    auto t = (*w)->CreateTree(TreeKind::kRowid);
    if (!t.ok()) return fail(t.status());
    auto c = (*w)->Commit();
    if (!c.ok()) return fail(c.status());
    *tree = *t;
  }
  for (uint64_t i = start; i < start + kTxnsPerRun; i++) {
    testing::Txn txn = MakeTxn(seed, i);
    auto w = (*s)->BeginWrite();
    if (!w.ok()) return fail(w.status());
    Status applied = testing::ApplyTxn(**w, *tree, txn);
    if (!applied.ok()) return fail(applied);
    auto c = (*w)->Commit();
    if (!c.ok()) return fail(c.status());
    rr.acked = i + 1;
    if (txn.checkpoint_after) {
      Status cp = (*s)->Checkpoint();
      if (!cp.ok()) return fail(cp);
    }
    if (i % 13 == 12) {
      Status cs = (*s)->Compact();
      if (!cs.ok()) return fail(cs);
    }

  }
  rr.segments_removed = (*s)->stats().segments_removed;
  return rr;
}

TEST(CrashTest, RecoversFromThousandsOfRandomCrashPoints) {
  uint64_t base_seed = static_cast<uint64_t>(
      std::chrono::steady_clock::now().time_since_epoch().count());
  if (const char* env = std::getenv("DOSQL_CRASH_SEED")) base_seed = std::strtoull(env, nullptr, 10);
  int iterations = 1000;
  if (const char* env = std::getenv("DOSQL_CRASH_ITERATIONS")) iterations = std::atoi(env);
  SCOPED_TRACE("DOSQL_CRASH_SEED=" + std::to_string(base_seed));

  // Measure how many storage operations one full run takes, to place crash points across it.
  uint64_t total_ops;
  {
    auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
    TreeId tree = 0;
    RunResult rr = RunWorkload(fault, base_seed, 0, &tree);
    ASSERT_FALSE(rr.crashed) << rr.error;
    total_ops = fault->stats().mutating_ops;
    ASSERT_GT(total_ops, 100u);
  }

  std::mt19937_64 rng(base_seed);
  uint64_t torn_or_lost = 0;
  for (int it = 0; it < iterations; it++) {
    uint64_t seed = base_seed + static_cast<uint64_t>(it);
    auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem(), seed);
    uint64_t crash_at = 1 + rng() % (total_ops + total_ops / 10);
    fault->CrashAfterOps(static_cast<int64_t>(crash_at));
    TreeId tree = 0;
    RunResult rr = RunWorkload(fault, seed, 0, &tree);
    if (!rr.crashed) continue;  // the crash point fell after the end
    ASSERT_TRUE(fault->crashed()) << "a storage error without a crash at op " << crash_at << ": "
                                  << rr.error;
    ASSERT_TRUE(fault->Restart().ok());

    // Recover and check.
    auto s = Store::Open(fault, "db", CrashOptions());
    if (!s.ok() && s.status().IsNotFound()) continue;  // crashed before the store was created
    ASSERT_TRUE(s.ok()) << "iteration " << it << " crash at op " << crash_at << ": "
                        << s.status().ToString();
    ASSERT_TRUE((*s)->CheckIntegrity().ok()) << "iteration " << it;
    auto r = (*s)->BeginRead();
    ASSERT_TRUE(r.ok());
    auto trees = (*r)->ListTrees();
    ASSERT_TRUE(trees.ok());
    if (trees->empty()) {
      ASSERT_EQ(rr.acked, 0u) << "iteration " << it << ": the committed tree is missing";
      continue;
    }
    tree = (*trees)[0].id;
    auto got = testing::ReadTree(**r, tree);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    bool match_acked = *got == ModelAfter(seed, rr.acked);
    bool match_next = !match_acked && *got == ModelAfter(seed, rr.acked + 1);
    if (match_next) torn_or_lost++;
    ASSERT_TRUE(match_acked || match_next)
        << "iteration " << it << " (seed " << seed << ", crash at op " << crash_at
        << "): recovered state matches neither " << rr.acked << " nor " << rr.acked + 1
        << " committed transactions";

    // The recovered store keeps working: continue the workload, then reopen cleanly.
    r->reset();
    uint64_t have = match_acked ? rr.acked : rr.acked + 1;
    s->reset();
    if (it % 50 == 0) {
      RunResult more = RunWorkload(fault, seed, have, &tree);
      ASSERT_FALSE(more.crashed) << more.error;
      auto s2 = Store::Open(fault, "db", CrashOptions());
      ASSERT_TRUE(s2.ok()) << s2.status().ToString();
      auto r2 = *(*s2)->BeginRead();
      EXPECT_EQ(*testing::ReadTree(*r2, tree), ModelAfter(seed, more.acked));
    }
  }
  RecordProperty("in_flight_commit_survived", static_cast<int>(torn_or_lost));
}

TEST(CrashTest, FailedSyncMakesStoreRefuseWritesButKeepsCommittedData) {
  auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
  TreeId tree;
  {
    auto s = *Store::Open(fault, "db", CrashOptions());
    auto w = *s->BeginWrite();
    tree = *w->CreateTree(TreeKind::kRowid);
    ASSERT_TRUE(w->Put(tree, "a", "1").ok());
    ASSERT_TRUE(w->Commit().ok());
    fault->FailNextSyncs(1);
    auto w2 = *s->BeginWrite();
    ASSERT_TRUE(w2->Put(tree, "b", "2").ok());
    auto c = w2->Commit();
    EXPECT_FALSE(c.ok());
    auto w3 = s->BeginWrite();
    EXPECT_FALSE(w3.ok());
    EXPECT_NE(w3.status().message().find("earlier failure"), std::string::npos);
    auto r = *s->BeginRead();
    EXPECT_FALSE(r->Get(tree, "b")->has_value());  // never published
  }
  auto s = *Store::Open(fault, "db", CrashOptions());
  auto r = *s->BeginRead();
  EXPECT_EQ(**r->Get(tree, "a"), "1");
}

TEST(CrashTest, NoSpaceIsReportedAndDataSurvives) {
  auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
  TreeId tree;
  auto s = *Store::Open(fault, "db", CrashOptions());
  {
    auto w = *s->BeginWrite();
    tree = *w->CreateTree(TreeKind::kRowid);
    ASSERT_TRUE(w->Put(tree, "a", "1").ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  fault->SetSpaceLimit(1);  // everything further is out of space
  auto w = *s->BeginWrite();
  // Larger than the WAL's zero-filled reserve, so the log file has to grow.
  ASSERT_TRUE(w->Put(tree, "b", std::string(3 << 20, 'x')).ok());
  auto c = w->Commit();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNoSpace) << c.status().ToString();
  s.reset();
  fault->SetSpaceLimit(-1);
  auto s2 = Store::Open(fault, "db", CrashOptions());
  ASSERT_TRUE(s2.ok()) << s2.status().ToString();
  auto r = *(*s2)->BeginRead();
  EXPECT_EQ(**r->Get(tree, "a"), "1");
  EXPECT_FALSE(r->Get(tree, "b")->has_value());
}

}  // namespace
}  // namespace dosql::transaction

namespace dosql::transaction {
namespace {

// Without crashes, every seed of the workload (checkpoints, compaction, large values) must run to
// the end. (Seed 9082781036907 once found compaction removing segments a superseded checkpoint
// entry still named.)
TEST(CrashTest, WorkloadWithoutCrashesIsExactForManySeeds) {
  for (uint64_t seed = 9082781036396; seed < 9082781036396 + 1100; seed++) {
    auto fs = fsx::NewMemoryFileSystem();
    TreeId tree = 0;
    RunResult rr = RunWorkload(fs, seed, 0, &tree);
    ASSERT_FALSE(rr.crashed) << "seed " << seed << ": " << rr.error;
  }
}

}  // namespace
}  // namespace dosql::transaction
