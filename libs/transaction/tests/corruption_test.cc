// Flipping any byte of a page or of a WAL record must yield Corruption that says where, never a
// crash and never silently wrong data.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dosql/btree/btree.h"
#include "dosql/core/record.h"
#include "dosql/fsx/fsx.h"
#include "dosql/transaction/store.h"

namespace dosql::transaction {
namespace {

using Files = std::map<std::string, std::string>;

StoreOptions Opts() {
  StoreOptions o;
  o.pager.page_size = 1024;
  o.pager.segment_pages = 1024;
  o.checkpoint_wal_bytes = 0;  // only explicit checkpoints
  o.checkpoint_dirty_bytes = 0;
  return o;
}

void Snapshot(fsx::FileSystem& fs, const std::string& dir, Files* out) {
  auto names = fs.List(dir);
  ASSERT_TRUE(names.ok());
  for (const std::string& n : *names) {
    std::string p = fsx::JoinPath(dir, n);
    auto sub = fs.List(p);
    if (sub.ok()) {
      Snapshot(fs, p, out);
    } else if (n != "LOCK") {
      (*out)[p] = *fsx::ReadFile(fs, p);
    }
  }
}

std::shared_ptr<fsx::FileSystem> Materialize(const Files& files) {
  auto fs = fsx::NewMemoryFileSystem();
  for (auto& [path, bytes] : files) {
    EXPECT_TRUE(fs->CreateDir(fsx::ParentDir(path)).ok());
    auto f = fs->Open(path, {.create = true, .truncate = true});
    EXPECT_TRUE(f.ok());
    EXPECT_TRUE((*f)->Append(bytes).ok());
  }
  return fs;
}

// Opens the store and reads everything; returns the first error, or OK plus the contents.
Status ReadAll(std::shared_ptr<fsx::FileSystem> fs, std::map<std::string, std::string>* out) {
  DOSQL_ASSIGN_OR_RETURN(auto s, Store::Open(fs, "db", Opts()));
  DOSQL_RETURN_IF_ERROR(s->CheckIntegrity());
  DOSQL_ASSIGN_OR_RETURN(auto r, s->BeginRead());
  DOSQL_ASSIGN_OR_RETURN(auto trees, r->ListTrees());
  for (auto& t : trees) {
    DOSQL_ASSIGN_OR_RETURN(btree::Cursor c, r->NewCursor(t.id));
    DOSQL_RETURN_IF_ERROR(c.SeekFirst());
    std::string scratch;
    while (c.Valid()) {
      DOSQL_ASSIGN_OR_RETURN(std::string_view v, c.value(&scratch));
      (*out)[std::to_string(t.id) + "/" + std::string(c.key())] = std::string(v);
      DOSQL_RETURN_IF_ERROR(c.Next());
    }
  }
  return Status::OK();
}

Files BuildStore(bool checkpoint_last, std::set<btree::PageId>* live = nullptr) {
  auto fs = fsx::NewMemoryFileSystem();
  auto s = *Store::Open(fs, "db", Opts());
  auto w = *s->BeginWrite();
  TreeId t = *w->CreateTree(TreeKind::kRowid);
  for (int i = 0; i < 120; i++) {
    EXPECT_TRUE(w->Put(t, RowidKey(i), "value number " + std::to_string(i)).ok());
  }
  EXPECT_TRUE(w->Put(t, RowidKey(1000), std::string(1500, 'o')).ok());  // overflow chain
  EXPECT_TRUE(w->Commit().ok());
  EXPECT_TRUE(s->Checkpoint().ok());
  auto w2 = *s->BeginWrite();
  for (int i = 0; i < 5; i++) {
    EXPECT_TRUE(w2->Put(t, RowidKey(i), "after checkpoint").ok());
  }
  EXPECT_TRUE(w2->Delete(t, RowidKey(50)).ok());
  EXPECT_TRUE(w2->Commit().ok());
  if (checkpoint_last) {
    EXPECT_TRUE(s->Checkpoint().ok());
  }
  if (live) {
    auto r = *s->BeginRead();
    for (const TreeInfo& ti : *r->ListTrees()) {
      EXPECT_TRUE(btree::ForEachPage(s->pager(), ti.root, [&](btree::PageId id) {
                    live->insert(id);
                    return Status::OK();
                  }).ok());
    }
  }
  Files files;
  Snapshot(*fs, "db", &files);
  return files;
}

TEST(CorruptionTest, EveryPageByteFlipIsDetected) {
  std::set<btree::PageId> live;
  Files files = BuildStore(/*checkpoint_last=*/true, &live);
  std::map<std::string, std::string> expected;
  ASSERT_TRUE(ReadAll(Materialize(files), &expected).ok());
  ASSERT_GT(expected.size(), 100u);
  // Flip every byte of every page the newest version uses (tree pages, overflow pages) and a
  // sample of the bytes of all other pages (older checkpoints' pages and the root map).
  std::string seg;
  for (auto& [p, b] : files) {
    if (p.find("/data/") != std::string::npos) seg = p;
  }
  ASSERT_FALSE(seg.empty());
  const size_t ps = 1024;
  size_t pages = files[seg].size() / ps;
  ASSERT_GT(pages, 8u);
  ASSERT_GE(live.size(), 4u);
  size_t detected = 0, harmless = 0;
  for (size_t off = 0; off < files[seg].size(); off++) {
    btree::PageId id = off / ps + 1;  // one segment: page id n is at offset (n-1) * page size
    bool exhaustive = live.count(id) > 0;
    if (!exhaustive && off % 37 != 0) continue;
    Files bad = files;
    bad[seg][off] ^= 0x5a;
    std::map<std::string, std::string> got;
    Status st = ReadAll(Materialize(bad), &got);
    if (st.ok()) {
      // Only a page that the newest version does not use may be damaged silently.
      ASSERT_EQ(got, expected) << "flip at " << seg << ":" << off << " changed data silently";
      ASSERT_FALSE(exhaustive) << "flip in a live page at offset " << off << " went unnoticed";
      harmless++;
      continue;
    }
    ASSERT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
    EXPECT_NE(st.message().find("page"), std::string::npos) << st.ToString();
    detected++;
  }
  EXPECT_GE(detected, live.size() * ps);
}

TEST(CorruptionTest, EveryWalByteFlipIsDetected) {
  Files files = BuildStore(/*checkpoint_last=*/false);
  std::map<std::string, std::string> expected;
  ASSERT_TRUE(ReadAll(Materialize(files), &expected).ok());
  std::vector<std::string> wal_files;
  for (auto& [p, b] : files) {
    if (p.find("/wal/") != std::string::npos && !b.empty()) wal_files.push_back(p);
  }
  ASSERT_FALSE(wal_files.empty());
  size_t flips = 0;
  for (const std::string& wf : wal_files) {
    // Every byte of the log; the zero padding the writer keeps past the log holds no record.
    size_t log_end = files[wf].size();
    while (log_end > 0 && files[wf][log_end - 1] == '\0') log_end--;
    for (size_t off = 0; off < log_end; off++) {
      Files bad = files;
      bad[wf][off] ^= 0x01;
      std::map<std::string, std::string> got;
      Status st = ReadAll(Materialize(bad), &got);
      ASSERT_FALSE(st.ok()) << "flip at " << wf << ":" << off << " went unnoticed";
      ASSERT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
      EXPECT_NE(st.message().find(".wal"), std::string::npos)
          << "error does not name the file: " << st.ToString();
      flips++;
    }
  }
  EXPECT_GT(flips, 100u);
}

}  // namespace
}  // namespace dosql::transaction
