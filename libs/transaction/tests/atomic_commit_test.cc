// CommitAtomically: a transaction spanning several stores commits in all of them or in none,
// whatever point a crash interrupts it at. The stores share one FaultFileSystem (one machine);
// a run of the protocol is crashed after every possible number of storage operations, the
// "machine" restarts (unsynced writes lost or torn), and both stores are recovered.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "dosql/fsx/fault.h"
#include "dosql/fsx/fsx.h"
#include "dosql/transaction/store.h"

namespace dosql::transaction {
namespace {

StoreOptions Options() {
  StoreOptions o;
  o.pager.page_size = 1024;
  o.pager.segment_pages = 32;
  o.busy_timeout = std::chrono::milliseconds(10);
  return o;
}

// Each store holds one tree (id 1) with key "k".
Status MakeStore(std::shared_ptr<fsx::FileSystem> fs, const std::string& dir) {
  DOSQL_ASSIGN_OR_RETURN(auto s, Store::Open(fs, dir, Options()));
  DOSQL_ASSIGN_OR_RETURN(auto w, s->BeginWrite());
  DOSQL_ASSIGN_OR_RETURN(TreeId t, w->CreateTree(TreeKind::kRowid));
  if (t != 1) return Status::Internal("unexpected tree id");
  DOSQL_RETURN_IF_ERROR(w->Put(1, "k", "old"));
  DOSQL_RETURN_IF_ERROR(w->Commit().status());
  return s->Close();
}

Result<std::string> ReadK(Store& s) {
  DOSQL_ASSIGN_OR_RETURN(auto r, s.BeginRead());
  DOSQL_ASSIGN_OR_RETURN(auto v, r->Get(1, "k"));
  return v ? *v : std::string("<missing>");
}

// Writes "k" = `value` (and a bulk of other keys, so that the prepare spans several writes) in
// both stores and commits them together.
Status RunAtomic(std::shared_ptr<fsx::FileSystem> fs, const std::string& value) {
  DOSQL_ASSIGN_OR_RETURN(auto a, Store::Open(fs, "a", Options()));
  DOSQL_ASSIGN_OR_RETURN(auto b, Store::Open(fs, "b", Options()));
  DOSQL_ASSIGN_OR_RETURN(auto wa, a->BeginWrite());
  DOSQL_ASSIGN_OR_RETURN(auto wb, b->BeginWrite());
  DOSQL_RETURN_IF_ERROR(wa->Put(1, "k", value));
  DOSQL_RETURN_IF_ERROR(wb->Put(1, "k", value));
  for (int i = 0; i < 20; i++) {
    DOSQL_RETURN_IF_ERROR(wa->Put(1, "a" + std::to_string(i), std::string(100, 'x')));
    DOSQL_RETURN_IF_ERROR(wb->Put(1, "b" + std::to_string(i), std::string(150, 'y')));
  }
  WriteTransaction* both[] = {wa.get(), wb.get()};
  return CommitAtomically(both);
}

TEST(AtomicCommitTest, CommitsBothAndLeavesNoDecisionFile) {
  auto fs = fsx::NewMemoryFileSystem();
  ASSERT_TRUE(MakeStore(fs, "a").ok());
  ASSERT_TRUE(MakeStore(fs, "b").ok());
  ASSERT_TRUE(RunAtomic(fs, "new").ok());
  auto a = *Store::Open(fs, "a", Options());
  auto b = *Store::Open(fs, "b", Options());
  EXPECT_EQ(*ReadK(*a), "new");
  EXPECT_EQ(*ReadK(*b), "new");
  for (const std::string& name : *fs->List("a")) {
    EXPECT_EQ(name.rfind("commit-", 0), std::string::npos) << name;
  }
}

TEST(AtomicCommitTest, PreparedTransactionIsInvisibleAndHoldsTheWriter) {
  auto fs = fsx::NewMemoryFileSystem();
  ASSERT_TRUE(MakeStore(fs, "a").ok());
  auto a = *Store::Open(fs, "a", Options());
  auto w = *a->BeginWrite();
  ASSERT_TRUE(w->Put(1, "k", "new").ok());
  ASSERT_TRUE(w->Prepare("g1", "a/commit-g1").ok());
  EXPECT_TRUE(w->prepared());
  EXPECT_FALSE(w->Put(1, "x", "y").ok());  // no writes after prepare
  EXPECT_EQ(*ReadK(*a), "old");
  EXPECT_EQ(a->BeginWrite(std::chrono::milliseconds(0)).status().code(), StatusCode::kBusy);
  ASSERT_TRUE(w->CommitPrepared().ok());
  EXPECT_EQ(*ReadK(*a), "new");
  // Rolled back after prepare: logged as aborted, recovery agrees even with a decision file.
  auto w2 = *a->BeginWrite();
  ASSERT_TRUE(w2->Put(1, "k", "newer").ok());
  ASSERT_TRUE(w2->Prepare("g2", "a/commit-g2").ok());
  w2->Rollback();
  ASSERT_TRUE(fsx::WriteFileAtomic(*fs, "a/commit-g2", "x").ok());
  a.reset();
  a = *Store::Open(fs, "a", Options());
  EXPECT_EQ(*ReadK(*a), "new");
}

TEST(AtomicCommitTest, RecoveryFollowsTheDecisionFile) {
  for (bool decided : {false, true}) {
    auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
    ASSERT_TRUE(MakeStore(fault, "a").ok());
    {
      auto a = *Store::Open(fault, "a", Options());
      auto w = *a->BeginWrite();
      ASSERT_TRUE(w->Put(1, "k", "new").ok());
      ASSERT_TRUE(w->Prepare("g", "a/commit-g").ok());
      if (decided) ASSERT_TRUE(fsx::WriteFileAtomic(*fault, "a/commit-g", "x").ok());
      fault->Crash();  // the process dies with the transaction prepared
    }
    ASSERT_TRUE(fault->Restart().ok());
    for (int reopen = 0; reopen < 2; reopen++) {  // the outcome is logged: the same next time
      auto a = Store::Open(fault, "a", Options());
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      EXPECT_EQ(*ReadK(**a), decided ? "new" : "old");
      EXPECT_TRUE((*a)->CheckIntegrity().ok());
      if (reopen == 0) (void)fault->Remove("a/commit-g");
    }
  }
}

// The crash test: every storage operation of the protocol is a crash point.
TEST(AtomicCommitTest, CrashAtEveryOperationLeavesBothOldOrBothNew) {
  uint64_t total_ops;
  {
    auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
    ASSERT_TRUE(MakeStore(fault, "a").ok());
    ASSERT_TRUE(MakeStore(fault, "b").ok());
    fault->MarkAllDurable();
    uint64_t before = fault->stats().mutating_ops;
    ASSERT_TRUE(RunAtomic(fault, "new").ok());
    total_ops = fault->stats().mutating_ops - before;
    ASSERT_GT(total_ops, 10u);
  }
  uint64_t seed = 1;
  if (const char* env = std::getenv("DOSQL_CRASH_SEED")) seed = std::strtoull(env, nullptr, 10);
  int old_states = 0, new_states = 0;
  for (uint64_t crash_at = 1; crash_at <= total_ops + 2; crash_at++) {
    for (uint64_t variant = 0; variant < 3; variant++) {  // different torn/lost write choices
      SCOPED_TRACE("crash after " + std::to_string(crash_at) + " ops, variant " +
                   std::to_string(variant));
      auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem(),
                                                          seed * 1000003 + crash_at * 7 + variant);
      ASSERT_TRUE(MakeStore(fault, "a").ok());
      ASSERT_TRUE(MakeStore(fault, "b").ok());
      fault->MarkAllDurable();
      fault->CrashAfterOps(static_cast<int64_t>(crash_at));
      Status run = RunAtomic(fault, "new");
      if (!fault->crashed()) fault->Crash();
      ASSERT_TRUE(fault->Restart().ok());
      // Recover the stores one at a time, b first (any order must work), and use b before a is
      // even opened.
      std::string vb, va;
      {
        auto b = Store::Open(fault, "b", Options());
        ASSERT_TRUE(b.ok()) << b.status().ToString();
        ASSERT_TRUE((*b)->CheckIntegrity().ok());
        vb = *ReadK(**b);
        auto w = *(*b)->BeginWrite();
        ASSERT_TRUE(w->Put(1, "later", "x").ok());
        ASSERT_TRUE(w->Commit().ok());
      }
      {
        auto a = Store::Open(fault, "a", Options());
        ASSERT_TRUE(a.ok()) << a.status().ToString();
        ASSERT_TRUE((*a)->CheckIntegrity().ok());
        va = *ReadK(**a);
      }
      ASSERT_EQ(va, vb) << "the stores disagree";
      ASSERT_TRUE(va == "old" || va == "new") << va;
      if (run.ok()) EXPECT_EQ(va, "new") << "an acknowledged commit was lost";
      (va == "new" ? new_states : old_states)++;
      // Recovery again gives the same answer.
      auto a2 = *Store::Open(fault, "a", Options());
      auto b2 = *Store::Open(fault, "b", Options());
      EXPECT_EQ(*ReadK(*a2), va);
      EXPECT_EQ(*ReadK(*b2), vb);
    }
  }
  // Both outcomes happened (crashes before and after the commit point).
  EXPECT_GT(old_states, 0);
  EXPECT_GT(new_states, 0);
  RecordProperty("crash_points", static_cast<int>(total_ops + 2));
  RecordProperty("old_states", old_states);
  RecordProperty("new_states", new_states);
}

// A failed sync while writing the decision: the transaction aborts everywhere.
TEST(AtomicCommitTest, FailedDecisionAbortsEverywhere) {
  auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
  ASSERT_TRUE(MakeStore(fault, "a").ok());
  ASSERT_TRUE(MakeStore(fault, "b").ok());
  SetAtomicCommitTestHook([&](std::string_view step) {
    if (step == "decide") fault->FailNextSyncs(1);
  });
  Status run = RunAtomic(fault, "new");
  SetAtomicCommitTestHook(nullptr);
  EXPECT_FALSE(run.ok());
  auto a = *Store::Open(fault, "a", Options());
  auto b = *Store::Open(fault, "b", Options());
  EXPECT_EQ(*ReadK(*a), "old");
  EXPECT_EQ(*ReadK(*b), "old");
}

}  // namespace
}  // namespace dosql::transaction
