#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <random>
#include <thread>

#include "dosql/core/hlc.h"
#include "dosql/core/record.h"
#include "dosql/fsx/fsx.h"
#include "dosql/transaction/store.h"

namespace dosql::transaction {
namespace {

using Model = std::map<std::string, std::string>;

StoreOptions SmallOptions() {
  StoreOptions o;
  o.pager.page_size = 1024;
  o.pager.segment_pages = 64;
  o.wal_segment_bytes = 16 << 10;
  o.busy_timeout = std::chrono::milliseconds(50);
  return o;
}

std::unique_ptr<Store> OpenOk(std::shared_ptr<fsx::FileSystem> fs, const std::string& dir,
                              StoreOptions o = SmallOptions()) {
  auto s = Store::Open(fs, dir, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

// A fresh directory on the local file system, removed with everything in it at scope exit.
struct LocalTempDir {
  LocalTempDir() {
    std::string tmpl = ::testing::TempDir() + "dosql_store_XXXXXX";
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    path = tmpl;
  }
  ~LocalTempDir() { fsx::RemoveAll(*fsx::NewLocalFileSystem(), path).IgnoreError(); }
  std::string path;
};

Model Scan(const ReadTransaction& r, TreeId t) {
  Model m;
  auto c = r.NewCursor(t);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->SeekFirst().ok());
  std::string scratch;
  while (c->Valid()) {
    auto v = c->value(&scratch);
    EXPECT_TRUE(v.ok());
    m.emplace(std::string(c->key()), std::string(*v));
    EXPECT_TRUE(c->Next().ok());
  }
  return m;
}

Model ScanLatest(Store& s, TreeId t) {
  auto r = s.BeginRead();
  EXPECT_TRUE(r.ok());
  return Scan(**r, t);
}

// Creates a rowid tree holding `rows` in a transaction of its own, committed.
void CommitNewTree(Store& s, const Model& rows, TreeId* t) {
  auto w = s.BeginWrite();
  ASSERT_TRUE(w.ok());
  *t = *(*w)->CreateTree(TreeKind::kRowid);
  for (const auto& [key, value] : rows) ASSERT_TRUE((*w)->Put(*t, key, value).ok());
  ASSERT_TRUE((*w)->Commit().ok());
}

TEST(StoreTest, CreateWriteReadReopen) {
  auto fs = fsx::NewMemoryFileSystem();
  TreeId t;
  Model model;
  {
    auto s = OpenOk(fs, "db");
    auto w = s->BeginWrite();
    ASSERT_TRUE(w.ok());
    t = *(*w)->CreateTree(TreeKind::kRowid);
    for (int i = 0; i < 2000; i++) {
      std::string k = RowidKey(i), v = "value-" + std::to_string(i);
      ASSERT_TRUE((*w)->Put(t, k, v).ok());
      model[k] = v;
    }
    auto lsn = (*w)->Commit();
    ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
    EXPECT_EQ(ScanLatest(*s, t), model);
    // No Close(): recovery must replay the WAL.
  }
  {
    auto s = OpenOk(fs, "db");
    EXPECT_EQ(s->stats().recovered_transactions, 1u);
    EXPECT_EQ(ScanLatest(*s, t), model);
    ASSERT_TRUE(s->CheckIntegrity().ok());
    ASSERT_TRUE(s->Close().ok());
  }
  {
    auto s = OpenOk(fs, "db");
    EXPECT_EQ(s->stats().recovered_transactions, 0u);  // clean close checkpointed
    EXPECT_EQ(ScanLatest(*s, t), model);
  }
}

// A store opened read-only knows where its checkpointed pages end: a scan past its cache reads
// runs of pages (it read every page with a call of its own), and on a file system that can map,
// the finished segments are mapped.
TEST(StoreTest, AReadOnlyStoreReadsAheadAndMapsFinishedSegments) {
  LocalTempDir tmp;
  const std::string& root = tmp.path;
  for (bool local : {false, true}) {
    SCOPED_TRACE(local ? "local" : "memory");
    auto fs = local ? fsx::NewLocalFileSystem() : fsx::NewMemoryFileSystem();
    const std::string dir = local ? fsx::JoinPath(root, "db") : "db";
    TreeId t;
    Model model;
    for (int i = 0; i < 3000; i++)
      model[RowidKey(i)] = std::string(200, static_cast<char>('a' + i % 26));
    {
      auto s = OpenOk(fs, dir);
      CommitNewTree(*s, model, &t);
      ASSERT_TRUE(s->Close().ok());  // checkpointed
    }
    StoreOptions o = SmallOptions();
    o.read_only = true;
    o.pager.cache_bytes = 256 << 10;
    auto s = OpenOk(fs, dir, o);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(ScanLatest(*s, t), model);
    const btree::PagerStats ps = s->stats().pager;
    if (local) {
      EXPECT_GE(ps.mapped_segments, 5u);  // ~700 KiB of 64 KiB segments
      EXPECT_GT(ps.pages_mapped, 500u);
    } else {
      EXPECT_GT(ps.pages_read, 500u);
      EXPECT_LT(ps.cache_misses * 4, ps.pages_read) << ps.cache_misses << " misses";
    }
  }
}

// Fill builds a tree's pages from sorted entries; it is logged like Puts (recovery replays it),
// refuses a tree that is not empty and keys out of order, and a failed fill rolls back with its
// savepoint.
TEST(StoreTest, FillLoadsAnEmptyTreeAsPutsWould) {
  auto fs = fsx::NewMemoryFileSystem();
  TreeId t, other;
  Model model;
  for (int i = 0; i < 3000; i++) model[RowidKey(i * 7)] = i % 3 == 0 ? "" : "v" + std::to_string(i);
  auto source = [](const Model& m) {
    auto it = std::make_shared<Model::const_iterator>(m.begin());
    return [&m, it](std::string_view* key, std::string_view* value) -> Result<bool> {
      if (*it == m.end()) return false;
      *key = (*it)->first;
      *value = (*it)->second;
      ++*it;
      return true;
    };
  };
  {
    auto s = OpenOk(fs, "db");
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kIndex);
    other = *w->CreateTree(TreeKind::kIndex);
    ASSERT_TRUE(w->Fill(t, source(model)).ok());
    // Not empty any more.
    EXPECT_EQ(w->Fill(t, source(model)).code(), StatusCode::kInvalidArgument);
    // Out of order: refused, and the savepoint takes the part loaded away.
    const uint32_t sp = *w->Savepoint();
    Model backwards{{RowidKey(5), "a"}, {RowidKey(9), "b"}};
    bool second = false;  // the larger key first, then the smaller
    Status st = w->Fill(other, [&](std::string_view* key, std::string_view* value) -> Result<bool> {
      *key = second ? backwards.begin()->first : backwards.rbegin()->first;
      *value = "x";
      second = true;
      return true;
    });
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    // An error from the source is returned as it is.
    Status mine = w->Fill(other, [](std::string_view*, std::string_view*) -> Result<bool> {
      return Status::Corruption("from the source");
    });
    EXPECT_EQ(mine.code(), StatusCode::kCorruption);
    ASSERT_TRUE(w->RollbackTo(sp).ok());
    ASSERT_TRUE(w->Put(other, RowidKey(1), "after").ok());
    ASSERT_TRUE(w->Commit().ok());
    EXPECT_EQ(ScanLatest(*s, t), model);
    EXPECT_EQ(ScanLatest(*s, other), (Model{{RowidKey(1), "after"}}));
    ASSERT_TRUE(s->CheckIntegrity().ok());
    // No Close(): recovery replays the fill from the WAL.
  }
  auto s = OpenOk(fs, "db");
  EXPECT_EQ(s->stats().recovered_transactions, 1u);
  EXPECT_EQ(ScanLatest(*s, t), model);
  EXPECT_EQ(ScanLatest(*s, other), (Model{{RowidKey(1), "after"}}));
  ASSERT_TRUE(s->CheckIntegrity().ok());
}

TEST(StoreTest, ErrorsForMissingAndLockedStores) {
  auto fs = fsx::NewMemoryFileSystem();
  StoreOptions o = SmallOptions();
  o.create_if_missing = false;
  auto missing = Store::Open(fs, "nope", o);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto s = OpenOk(fs, "db");
  auto again = Store::Open(fs, "db", SmallOptions());
  EXPECT_EQ(again.status().code(), StatusCode::kBusy) << again.status().ToString();
  StoreOptions bad = SmallOptions();
  bad.pager.page_size = 1000;
  EXPECT_EQ(Store::Open(fs, "db2", bad).status().code(), StatusCode::kInvalidArgument);
}

TEST(StoreTest, RollbackDiscardsAndSecondWriterIsBusy) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  TreeId t;
  {
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    ASSERT_TRUE(w->Put(t, "a", "1").ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  {
    auto w = *s->BeginWrite();
    ASSERT_TRUE(w->Put(t, "b", "2").ok());
    auto w2 = s->BeginWrite(std::chrono::milliseconds(20));
    EXPECT_EQ(w2.status().code(), StatusCode::kBusy);
    EXPECT_NE(w2.status().message().find("locked"), std::string::npos);
    w->Rollback();
    EXPECT_FALSE(w->Put(t, "c", "3").ok());  // no longer active
  }
  EXPECT_EQ(ScanLatest(*s, t), (Model{{"a", "1"}}));
  {
    auto w = *s->BeginWrite();  // slot was released by the rollback
    ASSERT_TRUE(w->Put(t, "d", "4").ok());
    // destroyed without commit: rolled back
  }
  EXPECT_EQ(ScanLatest(*s, t), (Model{{"a", "1"}}));
  auto w = s->BeginWrite();
  ASSERT_TRUE(w.ok());
}

// SuggestLeaf takes a cursor's leaf as the tree's hint only when it is certainly in the tree: a
// leaf read before the transaction replaced it (copy on write) under the same root is ignored,
// and so is a leaf of the transaction's own once the tree's shape changed (a merge may have
// dropped it); reads and writes after a suggestion see the tree as it is.
TEST(StoreTest, SuggestedLeafIsTakenOnlyWhenItIsCertainlyInTheTree) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  TreeId t;
  Model model;
  for (int i = 0; i < 2000; i++) model[RowidKey(i)] = "v" + std::to_string(i);
  ASSERT_NO_FATAL_FAILURE(CommitNewTree(*s, model, &t));
  auto w = s->BeginWrite();
  ASSERT_TRUE(w.ok());
  WriteTransaction& txn = **w;
  auto put = [&](int i, const std::string& v) {
    model[RowidKey(i)] = v;
    ASSERT_TRUE(txn.Put(t, RowidKey(i), v).ok());
  };
  put(1999, "x");  // the root and the last leaf are now the transaction's own
  auto c = txn.NewCursor(t);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->Seek(RowidKey(10)).ok());
  ASSERT_TRUE(c->Valid());
  const uint64_t shape = txn.TreeShape(t);
  const btree::PageRef stale = c->leaf_page();
  const btree::PageId root = c->root();
  ASSERT_TRUE(stale != nullptr);
  put(11, "new11");  // copies the leaf of key 10; the root (owned) changes in place
  auto c2 = txn.NewCursor(t);
  ASSERT_TRUE(c2.ok());
  ASSERT_EQ(c2->root(), root);
  txn.SuggestLeaf(t, shape, root, stale);
  auto got = txn.Get(t, RowidKey(11));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value_or("absent"), "new11");
  put(12, "new12");
  ASSERT_TRUE(c2->Seek(RowidKey(10)).ok());
  ASSERT_TRUE(c2->Valid());
  txn.SuggestLeaf(t, txn.TreeShape(t), c2->root(), c2->leaf_page());
  put(10, "new10");
  // Leaves of the transaction's own read before deletes merged them away (dropped from the
  // tree, not freed yet): no hint once the tree's shape changed.
  std::vector<std::pair<int, btree::PageRef>> read;
  const uint64_t before = txn.TreeShape(t);
  for (int i = 100; i < 900; i += 20) {
    put(i, "own" + std::to_string(i));
    ASSERT_TRUE(c2->Seek(RowidKey(i)).ok());
    read.emplace_back(i, c2->leaf_page());
  }
  const uint64_t shape_read = txn.TreeShape(t);
  EXPECT_NE(shape_read, before);  // the puts copied leaves
  const btree::PageId root_read = c2->root();
  for (int i = 100; i < 900; i++) {
    if (i % 20 == 5) continue;
    model.erase(RowidKey(i));
    ASSERT_TRUE(txn.Delete(t, RowidKey(i)).ok());
  }
  for (const auto& [i, leaf] : read) {
    txn.SuggestLeaf(t, shape_read, root_read, leaf);
    auto v = txn.Get(t, RowidKey(i + 5));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->value_or("absent"), model[RowidKey(i + 5)]) << i;
    txn.SuggestLeaf(t, shape_read, root_read, leaf);
    model.erase(RowidKey(i + 5));
    ASSERT_TRUE(txn.Delete(t, RowidKey(i + 5)).ok());
  }
  ASSERT_TRUE(txn.Commit().ok());
  EXPECT_EQ(ScanLatest(*s, t), model);
  ASSERT_TRUE(s->CheckIntegrity().ok());
}

TEST(StoreTest, LastKeyFollowsPutsDeletesAndSavepoints) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  TreeId t;
  Model model;
  for (int i = 0; i < 3000; i += 3) model[RowidKey(i)] = "v";
  ASSERT_NO_FATAL_FAILURE(CommitNewTree(*s, model, &t));
  auto w = s->BeginWrite();
  ASSERT_TRUE(w.ok());
  WriteTransaction& txn = **w;
  // What the tree holds, not what the transaction remembers: its last key by a cursor.
  auto check = [&](const char* where) {
    auto c = txn.NewCursor(t);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE(c->SeekLast().ok());
    auto last = txn.LastKey(t);
    ASSERT_TRUE(last.ok()) << where;
    ASSERT_EQ(last->has_value(), c->Valid()) << where;
    if (c->Valid()) EXPECT_EQ(**last, std::string(c->key())) << where;
    ASSERT_EQ(c->Valid(), !model.empty()) << where;
    if (!model.empty()) EXPECT_EQ(**last, model.rbegin()->first) << where;
  };
  check("committed");
  auto put = [&](int i) {
    model[RowidKey(i)] = "w";
    ASSERT_TRUE(txn.Put(t, RowidKey(i), "w").ok());
  };
  auto del = [&](int i) {
    model.erase(RowidKey(i));
    ASSERT_TRUE(txn.Delete(t, RowidKey(i)).ok());
  };
  put(5000);
  check("put past the end");
  put(10);
  check("put in the middle");
  const uint32_t sp = *txn.Savepoint();
  for (int i = 5001; i < 5400; i++) put(i);
  check("appends");
  del(5399);
  check("last deleted");
  del(5398);
  put(7000);
  del(7000);
  check("new last deleted");
  ASSERT_TRUE(txn.RollbackTo(sp).ok());
  model.clear();
  for (int i = 0; i < 3000; i += 3) model[RowidKey(i)] = "v";
  model[RowidKey(5000)] = model[RowidKey(10)] = "w";
  check("rolled back to the savepoint");
  while (!model.empty()) del(static_cast<int>(*DecodeRowidKey(model.rbegin()->first)));
  check("emptied");
  put(-4);
  check("refilled");
  ASSERT_TRUE(txn.ClearTree(t).ok());
  model.clear();
  check("cleared");
  put(1);
  check("after clear");
}

// Pages are sealed when a transaction begins and after a savepoint, until a write creates a
// page; a cursor made then keeps reading that state while the transaction writes on, also pages
// it had written before the savepoint and now splits: every row the cursor reads is as it was,
// and the tree holds the new values.
TEST(StoreTest, ACursorOverSealedPagesReadsThemWhileTheTransactionWrites) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  TreeId t;
  Model model;
  for (int i = 0; i < 4000; i++) model[RowidKey(i)] = "v";
  ASSERT_NO_FATAL_FAILURE(CommitNewTree(*s, model, &t));
  auto w = s->BeginWrite();
  ASSERT_TRUE(w.ok());
  WriteTransaction& txn = **w;
  EXPECT_TRUE(txn.PagesSealed());
  // The transaction owns every leaf now (it changed each in place afterwards).
  for (int i = 0; i < 4000; i++) ASSERT_TRUE(txn.Put(t, RowidKey(i), "w").ok());
  EXPECT_FALSE(txn.PagesSealed());
  ASSERT_TRUE(txn.Savepoint().ok());
  ASSERT_TRUE(txn.PagesSealed());
  auto c = txn.NewCursor(t);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->SeekFirst().ok());
  const std::string grown(300, 'g');  // every row grows: the leaves split under the cursor
  int n = 0;
  for (; c->Valid(); n++) {
    ASSERT_EQ(std::string(c->key()), RowidKey(n));
    std::string buf;
    auto v = c->value(&buf);
    ASSERT_TRUE(v.ok());
    ASSERT_EQ(std::string(*v), "w") << n;
    ASSERT_TRUE(txn.Put(t, RowidKey(n), grown).ok());
    ASSERT_TRUE(c->Next().ok());
  }
  EXPECT_EQ(n, 4000);
  EXPECT_FALSE(txn.PagesSealed());
  auto check = txn.NewCursor(t);
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(check->SeekFirst().ok());
  for (n = 0; check->Valid(); n++) {
    std::string buf;
    auto v = check->value(&buf);
    ASSERT_TRUE(v.ok());
    ASSERT_EQ(std::string(*v), grown);
    ASSERT_TRUE(check->Next().ok());
  }
  EXPECT_EQ(n, 4000);
  ASSERT_TRUE(txn.Commit().ok());
}

TEST(StoreTest, NestedSavepoints) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  auto w = *s->BeginWrite();
  TreeId t = *w->CreateTree(TreeKind::kRowid);
  for (int i = 0; i < 300; i++) {
    ASSERT_TRUE(w->Put(t, RowidKey(i), "base").ok());
  }
  uint32_t sp1 = *w->Savepoint();
  for (int i = 0; i < 300; i += 2) {
    ASSERT_TRUE(w->Put(t, RowidKey(i), "sp1").ok());
  }
  uint32_t sp2 = *w->Savepoint();
  for (int i = 0; i < 300; i += 3) {
    ASSERT_TRUE(w->Delete(t, RowidKey(i)).ok());
  }
  TreeId t2 = *w->CreateTree(TreeKind::kIndex);
  ASSERT_TRUE(w->Put(t2, "x", "y").ok());
  ASSERT_TRUE(w->RollbackTo(sp2).ok());
  EXPECT_EQ(w->GetTree(t2).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(**w->Get(t, RowidKey(0)), "sp1");
  EXPECT_EQ(**w->Get(t, RowidKey(3)), "base");
  // The savepoint stays open after ROLLBACK TO; change again and roll back again.
  ASSERT_TRUE(w->Put(t, RowidKey(1), "again").ok());
  ASSERT_TRUE(w->RollbackTo(sp2).ok());
  EXPECT_EQ(**w->Get(t, RowidKey(1)), "base");
  ASSERT_TRUE(w->RollbackTo(sp1).ok());
  EXPECT_EQ(**w->Get(t, RowidKey(0)), "base");
  ASSERT_TRUE(w->Put(t, RowidKey(5), "after").ok());
  uint32_t sp3 = *w->Savepoint();
  ASSERT_TRUE(w->Put(t, RowidKey(6), "kept").ok());
  ASSERT_TRUE(w->Release(sp3).ok());
  EXPECT_EQ(w->RollbackTo(sp3).code(), StatusCode::kNotFound);
  ASSERT_TRUE(w->Commit().ok());
  auto r = *s->BeginRead();
  Model m = Scan(*r, t);
  EXPECT_EQ(m.size(), 300u);
  EXPECT_EQ(m[RowidKey(5)], "after");
  EXPECT_EQ(m[RowidKey(6)], "kept");
  EXPECT_EQ(m[RowidKey(0)], "base");
  ASSERT_TRUE(s->CheckIntegrity().ok());
}

// A long transaction of many statements, each under its own savepoint (as the SQL engine runs
// them inside BEGIN): released savepoints give their page copies back at once, and an outer
// savepoint still rolls back correctly.
TEST(StoreTest, ReleasedSavepointsFreeTheirPages) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  auto w = *s->BeginWrite();
  TreeId t = *w->CreateTree(TreeKind::kRowid);
  for (int i = 0; i < 2000; i++) ASSERT_TRUE(w->Put(t, RowidKey(i), "base").ok());
  uint32_t outer = *w->Savepoint();
  uint64_t after_first = 0;
  for (int i = 0; i < 2000; i++) {
    uint32_t sp = *w->Savepoint();
    ASSERT_TRUE(w->Put(t, RowidKey(i), "stmt " + std::to_string(i)).ok());
    ASSERT_TRUE(w->Release(sp).ok());
    if (i == 100) after_first = s->stats().pager.transient_pages;
  }
  // Without freeing at Release, every statement would leave a copied leaf and path behind.
  EXPECT_LT(s->stats().pager.transient_pages, after_first + 200);
  EXPECT_EQ(**w->Get(t, RowidKey(1999)), "stmt 1999");
  ASSERT_TRUE(w->RollbackTo(outer).ok());
  for (int i = 0; i < 2000; i += 97) EXPECT_EQ(**w->Get(t, RowidKey(i)), "base");
  uint32_t sp = *w->Savepoint();
  ASSERT_TRUE(w->Put(t, RowidKey(7), "final").ok());
  ASSERT_TRUE(w->Release(sp).ok());
  ASSERT_TRUE(w->Release(outer).ok());
  ASSERT_TRUE(w->Commit().ok());
  auto r = *s->BeginRead();
  Model m = Scan(*r, t);
  EXPECT_EQ(m.size(), 2000u);
  EXPECT_EQ(m[RowidKey(7)], "final");
  EXPECT_EQ(m[RowidKey(8)], "base");
  ASSERT_TRUE(s->CheckIntegrity().ok());
}

TEST(StoreTest, SnapshotsAreIsolatedFromLaterCommitsAndCheckpoints) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  TreeId t;
  {
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    for (int i = 0; i < 500; i++) {
      ASSERT_TRUE(w->Put(t, RowidKey(i), "v1").ok());
    }
    ASSERT_TRUE(w->Commit().ok());
  }
  auto old = *s->BeginRead();
  Model before = Scan(*old, t);
  for (int round = 0; round < 5; round++) {
    auto w = *s->BeginWrite();
    for (int i = 0; i < 500; i += 1 + round) {
      if (i % 7 == 0) {
        ASSERT_TRUE(w->Delete(t, RowidKey(i)).ok());
      } else {
        ASSERT_TRUE(w->Put(t, RowidKey(i), "v" + std::to_string(round + 2)).ok());
      }
    }
    ASSERT_TRUE(w->Commit().ok());
    if (round % 2) {
      ASSERT_TRUE(s->Checkpoint().ok());
    }
  }
  EXPECT_EQ(Scan(*old, t), before);
  EXPECT_GT(s->stats().live_versions, 1u);
  old.reset();
  EXPECT_LE(s->stats().live_versions, 2u);  // old versions were reclaimed
  EXPECT_NE(ScanLatest(*s, t), before);
}

// Total bytes of the files directly under `dir`.
uint64_t DirBytes(fsx::FileSystem& fs, const std::string& dir) {
  uint64_t total = 0;
  auto names = fs.List(dir);
  EXPECT_TRUE(names.ok()) << names.status().ToString();
  for (const std::string& n : names.ok() ? *names : std::vector<std::string>{}) {
    auto f = fs.Open(fsx::JoinPath(dir, n), fsx::OpenOptions{});
    if (!f.ok()) continue;  // a subdirectory
    total += *(*f)->Size();
  }
  return total;
}

TEST(StoreTest, UnloggedStoreCommitsWithoutTheWal) {
  auto fs = fsx::NewMemoryFileSystem();
  StoreOptions o = SmallOptions();
  o.log_changes = false;
  auto s = OpenOk(fs, "db", o);
  const uint64_t wal_bytes = DirBytes(*fs, "db/wal");
  const uint64_t data_bytes = DirBytes(*fs, "db/data");
  TreeId t;
  Model model;
  {
    auto w = *s->BeginWrite();
    EXPECT_FALSE(w->HasChanges());
    t = *w->CreateTree(TreeKind::kRowid);
    EXPECT_TRUE(w->HasChanges());
    for (int i = 0; i < 500; i++) {
      ASSERT_TRUE(w->Put(t, RowidKey(i), "v1").ok());
      model[RowidKey(i)] = "v1";
    }
    ASSERT_TRUE(w->Commit().ok());
  }
  const uint64_t pages_after_load = s->stats().pager.transient_pages;
  EXPECT_GT(pages_after_load, 0u);
  auto old = *s->BeginRead();
  const Model first = model;
  for (int round = 0; round < 20; round++) {
    auto w = *s->BeginWrite();
    for (int i = round % 3; i < 500; i += 3) {
      bool existed = false;
      if (i % 7 == 0) {
        ASSERT_TRUE(w->Delete(t, RowidKey(i), &existed).ok());
        EXPECT_EQ(existed, model.erase(RowidKey(i)) == 1);
      } else {
        const std::string v = "r" + std::to_string(round) + std::string(i % 40, 'x');
        ASSERT_TRUE(w->Put(t, RowidKey(i), v, &existed).ok());
        EXPECT_EQ(existed, model.count(RowidKey(i)) == 1);
        model[RowidKey(i)] = v;
      }
    }
    // A savepoint rolled back takes its changes (and only those) away.
    uint32_t sp = *w->Savepoint();
    ASSERT_TRUE(w->Put(t, RowidKey(1000 + round), "gone").ok());
    ASSERT_TRUE(w->RollbackTo(sp).ok());
    ASSERT_TRUE(w->Release(sp).ok());
    EXPECT_GT(*w->Commit(), 0u);
    if (round % 5 == 4) ASSERT_TRUE(s->Checkpoint().ok());
  }
  EXPECT_EQ(ScanLatest(*s, t), model);
  EXPECT_EQ(Scan(*old, t), first);  // snapshots work as in a logged store
  old.reset();
  EXPECT_LE(s->stats().live_versions, 2u);
  // Replaced pages are freed once no version needs them: 20 rewrites of the table leave about
  // one table's worth of pages.
  EXPECT_LT(s->stats().pager.transient_pages, 3 * pages_after_load);
  // A transaction whose only change was rolled back has nothing to commit.
  {
    auto w = *s->BeginWrite();
    uint32_t sp = *w->Savepoint();
    ASSERT_TRUE(w->Put(t, RowidKey(5000), "x").ok());
    EXPECT_TRUE(w->HasChanges());
    ASSERT_TRUE(w->RollbackTo(sp).ok());
    EXPECT_FALSE(w->HasChanges());
    const Lsn before = s->stats().last_lsn;
    EXPECT_EQ(*w->Commit(), before);
  }
  // Nothing went to the WAL or the data segments; what needs the log says so.
  EXPECT_EQ(DirBytes(*fs, "db/wal"), wal_bytes);
  EXPECT_EQ(DirBytes(*fs, "db/data"), data_bytes);
  EXPECT_EQ(s->BeginReadAtLsn(1).status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(s->BeginReadAtTime(1).status().code(), StatusCode::kNotSupported);
  EXPECT_EQ(s->Fork("branch").code(), StatusCode::kNotSupported);
  {
    auto w = *s->BeginWrite();
    ASSERT_TRUE(w->Put(t, RowidKey(1), "p").ok());
    EXPECT_EQ(w->Prepare("g", "db-decision").code(), StatusCode::kNotSupported);
  }
  EXPECT_EQ(ScanLatest(*s, t), model);
  ASSERT_TRUE(s->Close().ok());
  EXPECT_EQ(DirBytes(*fs, "db/data"), data_bytes);  // Close did not checkpoint either
}

TEST(StoreTest, TreesCreateDropAndList) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  TreeId a, b;
  {
    auto w = *s->BeginWrite();
    a = *w->CreateTree(TreeKind::kRowid);
    b = *w->CreateTree(TreeKind::kIndex);
    ASSERT_TRUE(w->Put(b, "k", "v").ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  {
    auto w = *s->BeginWrite();
    ASSERT_TRUE(w->DropTree(a).ok());
    EXPECT_FALSE(w->Put(a, "x", "y").ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  auto r = *s->BeginRead();
  auto trees = *r->ListTrees();
  ASSERT_EQ(trees.size(), 1u);
  EXPECT_EQ(trees[0].id, b);
  EXPECT_EQ(trees[0].kind, TreeKind::kIndex);
  EXPECT_EQ(r->GetTree(a).status().code(), StatusCode::kNotFound);
  s.reset();
  auto s2 = OpenOk(fs, "db");
  auto r2 = *s2->BeginRead();
  EXPECT_EQ(r2->ListTrees()->size(), 1u);
  EXPECT_EQ(**r2->Get(b, "k"), "v");
  // Tree ids are never reused.
  auto w = *s2->BeginWrite();
  EXPECT_GT(*w->CreateTree(TreeKind::kRowid), b);
}

TEST(StoreTest, ClearTreeKeepsIdAndKindAndSurvivesRecovery) {
  auto fs = fsx::NewMemoryFileSystem();
  TreeId t;
  {
    auto s = OpenOk(fs, "db");
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kIndex);
    for (int i = 0; i < 300; i++) ASSERT_TRUE(w->Put(t, RowidKey(i), "old").ok());
    ASSERT_TRUE(w->Commit().ok());
    auto before = *s->BeginRead();  // a snapshot taken before the clear keeps its rows
    auto w2 = *s->BeginWrite();
    ASSERT_TRUE(w2->ClearTree(t).ok());
    EXPECT_FALSE((*w2->Get(t, RowidKey(5))).has_value());
    ASSERT_TRUE(w2->Put(t, RowidKey(7), "new").ok());
    ASSERT_TRUE(w2->Commit().ok());
    EXPECT_EQ(Scan(*before, t).size(), 300u);
    EXPECT_EQ(ScanLatest(*s, t).size(), 1u);
    // A clear rolled back leaves the tree as it was.
    auto w3 = *s->BeginWrite();
    ASSERT_TRUE(w3->ClearTree(t).ok());
    w3->Rollback();
    EXPECT_EQ(ScanLatest(*s, t).size(), 1u);
  }
  auto s = OpenOk(fs, "db");  // replays the drop and re-creation from the log
  auto r = *s->BeginRead();
  EXPECT_EQ(r->GetTree(t)->kind, TreeKind::kIndex);
  EXPECT_EQ(Scan(*r, t).size(), 1u);
  EXPECT_EQ(**r->Get(t, RowidKey(7)), "new");
}

TEST(StoreTest, LargeValuesSurviveRecoveryAndCheckpoint) {
  auto fs = fsx::NewMemoryFileSystem();
  std::string big(3 << 20, '\0');
  std::mt19937 rng(7);
  for (auto& c : big) c = static_cast<char>(rng());
  TreeId t;
  {
    auto s = OpenOk(fs, "db");
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    ASSERT_TRUE(w->Put(t, RowidKey(1), big).ok());
    ASSERT_TRUE(w->Put(t, RowidKey(2), "small").ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  {
    auto s = OpenOk(fs, "db");  // recovery (then an automatic checkpoint)
    auto r = *s->BeginRead();
    EXPECT_EQ(**r->Get(t, RowidKey(1)), big);
    ASSERT_TRUE(s->Close().ok());
  }
  auto s = OpenOk(fs, "db");
  s->pager().DropCache();
  auto r = *s->BeginRead();
  EXPECT_EQ(**r->Get(t, RowidKey(1)), big);
  ASSERT_TRUE(s->CheckIntegrity().ok());
}

TEST(StoreTest, TimeTravelByLsnAndTime) {
  auto fs = fsx::NewMemoryFileSystem();
  StoreOptions o = SmallOptions();
  o.retention = std::chrono::hours(1);
  auto s = OpenOk(fs, "db", o);
  TreeId t;
  std::vector<Lsn> lsns;
  std::vector<int64_t> times;
  std::vector<Model> states;
  Model model;
  {
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    lsns.push_back(*w->Commit());
    times.push_back(s->stats().last_commit_time_us);
    states.push_back(model);
  }
  for (int round = 0; round < 12; round++) {
    auto w = *s->BeginWrite();
    for (int i = 0; i < 40; i++) {
      int k = (round * 17 + i * 5) % 100;
      std::string key = RowidKey(k);
      if (i % 4 == 3) {
        ASSERT_TRUE(w->Delete(t, key).ok());
        model.erase(key);
      } else {
        std::string v = "r" + std::to_string(round) + "-" + std::to_string(i);
        ASSERT_TRUE(w->Put(t, key, v).ok());
        model[key] = v;
      }
    }
    lsns.push_back(*w->Commit());
    times.push_back(s->stats().last_commit_time_us);
    states.push_back(model);
    if (round % 4 == 1) {
      ASSERT_TRUE(s->Checkpoint().ok());
    }
  }
  for (size_t i = 0; i < lsns.size(); i++) {
    auto r = s->BeginReadAtLsn(lsns[i]);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->lsn(), lsns[i]);
    EXPECT_EQ(Scan(**r, t), states[i]) << "at LSN " << lsns[i];
    auto rt = s->BeginReadAtTime(times[i]);
    ASSERT_TRUE(rt.ok()) << rt.status().ToString();
    EXPECT_EQ(Scan(**rt, t), states[i]) << "at time " << times[i];
  }
  // An LSN between commits shows the newest commit at or before it.
  auto mid = s->BeginReadAtLsn(lsns[3] + 1);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ((*mid)->lsn(), lsns[3]);
  EXPECT_EQ(s->BeginReadAtLsn(lsns.back() + 100).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(s->BeginReadAtTime(WallMicros() + 60'000'000).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(s->BeginReadAtTime(times[0] - 1'000'000).status().code(), StatusCode::kOutOfRange);
  // Still there after a restart.
  s.reset();
  s = OpenOk(fs, "db", o);
  auto r = s->BeginReadAtLsn(lsns[5]);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Scan(**r, t), states[5]);
}

TEST(StoreTest, WithoutRetentionOldLsnsAreOutOfRange) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  TreeId t;
  Lsn first;
  {
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    ASSERT_TRUE(w->Put(t, "a", "1").ok());
    first = *w->Commit();
  }
  {
    auto w = *s->BeginWrite();
    ASSERT_TRUE(w->Put(t, "a", "2").ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  ASSERT_TRUE(s->Checkpoint().ok());
  auto r = s->BeginReadAtLsn(first);
  EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange) << r.status().ToString();
}

// (Run on `memory` and on `local`, where a branch reads its parent's segments through mappings.)
void ForkSharesDataAndDiverges(std::shared_ptr<fsx::FileSystem> fs, const std::string& root) {
  const std::string main_dir = fsx::JoinPath(root, "main");
  const std::string branch_dir = fsx::JoinPath(root, "branch");
  const std::string twig_dir = fsx::JoinPath(root, "twig");
  auto main = OpenOk(fs, main_dir);
  TreeId t;
  Model base;
  {
    auto w = *main->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    for (int i = 0; i < 1000; i++) {
      ASSERT_TRUE(w->Put(t, RowidKey(i), "base" + std::to_string(i)).ok());
      base[RowidKey(i)] = "base" + std::to_string(i);
    }
    ASSERT_TRUE(w->Commit().ok());
  }
  ASSERT_TRUE(main->Fork(branch_dir).ok());
  EXPECT_EQ(main->Fork(branch_dir).code(), StatusCode::kAlreadyExists);
  auto branch = OpenOk(fs, branch_dir);
  EXPECT_EQ(ScanLatest(*branch, t), base);
  Model on_main = base, on_branch = base;
  {
    auto w = *main->BeginWrite();
    ASSERT_TRUE(w->Put(t, RowidKey(1), "main").ok());
    on_main[RowidKey(1)] = "main";
    ASSERT_TRUE(w->Commit().ok());
  }
  {
    auto w = *branch->BeginWrite();
    ASSERT_TRUE(w->Put(t, RowidKey(1), "branch").ok());
    ASSERT_TRUE(w->Delete(t, RowidKey(2)).ok());
    on_branch[RowidKey(1)] = "branch";
    on_branch.erase(RowidKey(2));
    ASSERT_TRUE(w->Commit().ok());
  }
  ASSERT_TRUE(main->Checkpoint().ok());
  ASSERT_TRUE(branch->Checkpoint().ok());
  EXPECT_EQ(ScanLatest(*main, t), on_main);
  EXPECT_EQ(ScanLatest(*branch, t), on_branch);
  // Both survive a restart, reading shared pages from main's segments.
  main.reset();
  branch.reset();
  main = OpenOk(fs, main_dir);
  branch = OpenOk(fs, branch_dir);
  main->pager().DropCache();
  branch->pager().DropCache();
  EXPECT_EQ(ScanLatest(*main, t), on_main);
  EXPECT_EQ(ScanLatest(*branch, t), on_branch);
  ASSERT_TRUE(branch->CheckIntegrity().ok());
  if (fs->name() == "local") EXPECT_GT(branch->stats().pager.mapped_segments, 0u);
  // A branch of a branch.
  ASSERT_TRUE(branch->Fork(twig_dir).ok());
  auto twig = OpenOk(fs, twig_dir);
  EXPECT_EQ(ScanLatest(*twig, t), on_branch);
  // LSNs continue from the fork point.
  EXPECT_GE(twig->stats().last_lsn, branch->stats().last_lsn);
}

TEST(StoreTest, ForkSharesDataAndDiverges) {
  ForkSharesDataAndDiverges(fsx::NewMemoryFileSystem(), "");
}

TEST(StoreTest, ForkSharesDataAndDivergesOnLocalFiles) {
  LocalTempDir tmp;
  ForkSharesDataAndDiverges(fsx::NewLocalFileSystem(), tmp.path);
}

TEST(StoreTest, GroupCommitFromManyThreads) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = OpenOk(fs, "db");
  TreeId t;
  {
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    ASSERT_TRUE(w->Commit().ok());
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int th = 0; th < 4; th++) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < 100; i++) {
        auto w = s->BeginWrite(std::chrono::seconds(10));
        if (!w.ok()) {
          failures++;
          continue;
        }
        if (!(*w)->Put(t, RowidKey(th * 1000 + i), "x").ok() || !(*w)->Commit().ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ScanLatest(*s, t).size(), 400u);
  EXPECT_EQ(s->stats().commits, 401u);
}

}  // namespace
}  // namespace dosql::transaction

namespace dosql::transaction {
namespace {

size_t SegmentFiles(fsx::FileSystem& fs, const std::string& dir) {
  auto names = fs.List(fsx::JoinPath(dir, "data"));
  return names.ok() ? names->size() : 0;
}

// (Run on `memory` and on `local`, where finished segments are read through mappings: a reader
// keeps reading the segments compaction removes.)
void CompactionGivesSpaceBackAndWaitsForReaders(std::shared_ptr<fsx::FileSystem> fs,
                                                const std::string& root) {
  const std::string db = fsx::JoinPath(root, "db");
  StoreOptions o = SmallOptions();
  o.compact_garbage_ratio = 0;  // compaction only when asked, so the test controls it
  auto s = OpenOk(fs, db, o);
  TreeId t;
  Model model;
  {
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    ASSERT_TRUE(w->Commit().ok());
  }
  for (int batch = 0; batch < 10; batch++) {
    auto w = *s->BeginWrite();
    for (int i = 0; i < 500; i++) {
      int k = batch * 500 + i;
      std::string v(100, static_cast<char>('a' + batch));
      ASSERT_TRUE(w->Put(t, RowidKey(k), v).ok());
      model[RowidKey(k)] = v;
    }
    ASSERT_TRUE(w->Commit().ok());
    ASSERT_TRUE(s->Checkpoint().ok());
  }
  size_t before = SegmentFiles(*fs, db);
  ASSERT_GT(before, 8u);
  auto old_reader = *s->BeginRead();  // keeps seeing all rows while compaction runs
  {
    auto w = *s->BeginWrite();
    for (int k = 0; k < 5000; k++) {
      if (k % 10 == 0) continue;
      ASSERT_TRUE(w->Delete(t, RowidKey(k)).ok());
      model.erase(RowidKey(k));
    }
    ASSERT_TRUE(w->Commit().ok());
  }
  ASSERT_TRUE(s->Compact().ok());
  s->pager().DropCache();
  EXPECT_EQ(ScanLatest(*s, t), model);
  EXPECT_EQ(Scan(*old_reader, t).size(), 5000u);  // its segments were kept for it
  if (fs->name() == "local") EXPECT_GT(s->stats().pager.mapped_segments, 0u);
  old_reader.reset();
  Status second = s->Compact();
  ASSERT_TRUE(second.ok()) << second.ToString();
  size_t after = SegmentFiles(*fs, db);
  EXPECT_LT(after, before / 2) << "before " << before << " after " << after;
  EXPECT_GT(s->stats().segments_removed, 0u);
  ASSERT_TRUE(s->CheckIntegrity().ok());
  s.reset();
  s = OpenOk(fs, db, o);
  s->pager().DropCache();
  EXPECT_EQ(ScanLatest(*s, t), model);
  ASSERT_TRUE(s->CheckIntegrity().ok());
}

TEST(StoreTest, CompactionGivesSpaceBackAndWaitsForReaders) {
  CompactionGivesSpaceBackAndWaitsForReaders(fsx::NewMemoryFileSystem(), "");
}

TEST(StoreTest, CompactionGivesSpaceBackAndWaitsForReadersOnLocalFiles) {
  LocalTempDir tmp;
  CompactionGivesSpaceBackAndWaitsForReaders(fsx::NewLocalFileSystem(), tmp.path);
}

TEST(StoreTest, AutomaticCompactionKeepsFilesBounded) {
  auto fs = fsx::NewMemoryFileSystem();
  StoreOptions o = SmallOptions();
  o.compact_garbage_ratio = 0.5;
  auto s = OpenOk(fs, "db", o);
  TreeId t;
  {
    auto w = *s->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    ASSERT_TRUE(w->Commit().ok());
  }
  // Rewrite the same 300 rows over and over: without compaction the files would grow forever.
  for (int round = 0; round < 60; round++) {
    auto w = *s->BeginWrite();
    for (int k = 0; k < 300; k++) {
      ASSERT_TRUE(w->Put(t, RowidKey(k), std::string(50, static_cast<char>('a' + round % 26))).ok());
    }
    ASSERT_TRUE(w->Commit().ok());
    ASSERT_TRUE(s->Checkpoint().ok());
  }
  EXPECT_GT(s->stats().compactions, 0u);
  EXPECT_LT(SegmentFiles(*fs, "db"), 12u);
  EXPECT_EQ(ScanLatest(*s, t).size(), 300u);
  ASSERT_TRUE(s->CheckIntegrity().ok());
}

TEST(StoreTest, CompactionLeavesBranchSegmentsAlone) {
  auto fs = fsx::NewMemoryFileSystem();
  StoreOptions o = SmallOptions();
  o.compact_garbage_ratio = 0;
  auto main = OpenOk(fs, "main", o);
  TreeId t;
  {
    auto w = *main->BeginWrite();
    t = *w->CreateTree(TreeKind::kRowid);
    for (int k = 0; k < 3000; k++) ASSERT_TRUE(w->Put(t, RowidKey(k), std::string(80, 'x')).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  ASSERT_TRUE(main->Fork("branch").ok());
  {
    auto w = *main->BeginWrite();
    for (int k = 0; k < 3000; k++) ASSERT_TRUE(w->Delete(t, RowidKey(k)).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  ASSERT_TRUE(main->Compact().ok());
  ASSERT_TRUE(main->Compact().ok());
  auto branch = OpenOk(fs, "branch", o);
  branch->pager().DropCache();
  EXPECT_EQ(ScanLatest(*branch, t).size(), 3000u);
  ASSERT_TRUE(branch->CheckIntegrity().ok());
}

}  // namespace
}  // namespace dosql::transaction
