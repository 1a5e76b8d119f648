// Tests for FaultFileSystem: injection knobs and the crash model.
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dosql/fsx/fault.h"
#include "dosql/fsx/fsx.h"
#include "dosql/test_util/status.h"

namespace dosql::fsx {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;

using ::dosql::test_util::Unwrap;

OpenOptions Create() {
  OpenOptions o;
  o.create = true;
  return o;
}

bool IsCrash(const Status& st) { return st.IsIOError() && st.message() == "simulated crash"; }

bool IsPrefixOf(const std::string& a, const std::string& b) {
  return a.size() <= b.size() && b.compare(0, a.size(), a) == 0;
}

struct Fixture {
  explicit Fixture(uint64_t seed = 1)
      : base(NewMemoryFileSystem()), fs(std::make_shared<FaultFileSystem>(base, seed)) {}
  std::string Read(const std::string& path) { return Unwrap(ReadFile(*fs, path)); }
  bool Exists(const std::string& path) { return Unwrap(fs->Exists(path)); }
  void CrashAndRestart() {
    fs->Crash();
    ASSERT_OK(fs->Restart());
  }

  std::shared_ptr<FileSystem> base;
  std::shared_ptr<FaultFileSystem> fs;
};

TEST(FaultFileSystemTest, PassesThroughWhileHealthy) {
  Fixture t;
  EXPECT_EQ(t.fs->name(), "fault");
  ASSERT_OK(t.fs->CreateDir("/db"));
  auto f = Unwrap(t.fs->Open("/db/x", Create()));
  ASSERT_OK(f->Append(std::string_view("abc")));
  // Reads before a crash see everything written, synced or not (the page cache).
  EXPECT_EQ(t.Read("/db/x"), "abc");
  EXPECT_EQ(Unwrap(ReadFile(*t.base, "/db/x")), "abc");
  EXPECT_THAT(Unwrap(t.fs->List("/db")), ElementsAre("x"));
  EXPECT_FALSE(t.fs->crashed());
}

TEST(FaultFileSystemTest, SyncedDataSurvivesUnsyncedMayBeLost) {
  int lost = 0, kept = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Fixture t(seed);
    auto f = Unwrap(t.fs->Open("/f", Create()));
    ASSERT_OK(f->Append(std::string_view("durable")));
    ASSERT_OK(f->Sync());
    ASSERT_OK(t.fs->SyncDir("/"));
    ASSERT_OK(f->Append(std::string_view("-volatile")));
    t.CrashAndRestart();
    const std::string got = t.Read("/f");
    ASSERT_TRUE(IsPrefixOf("durable", got)) << got;
    ASSERT_TRUE(IsPrefixOf(got, "durable-volatile")) << got;
    lost += got == "durable";
    kept += got == "durable-volatile";
  }
  EXPECT_GT(lost, 0);
  EXPECT_GT(kept, 0);
}

TEST(FaultFileSystemTest, CreatedFileWithoutSyncDirDisappears) {
  Fixture t;
  auto f = Unwrap(t.fs->Open("/new", Create()));
  ASSERT_OK(f->Append(std::string_view("synced data, unsynced name")));
  ASSERT_OK(f->Sync());
  t.CrashAndRestart();
  EXPECT_FALSE(t.Exists("/new"));

  auto g = Unwrap(t.fs->Open("/new", Create()));
  ASSERT_OK(g->Append(std::string_view("both synced")));
  ASSERT_OK(g->Sync());
  ASSERT_OK(t.fs->SyncDir("/"));
  t.CrashAndRestart();
  EXPECT_EQ(t.Read("/new"), "both synced");
}

TEST(FaultFileSystemTest, RenameWithoutSyncDirIsUndone) {
  Fixture t;
  ASSERT_OK(WriteFileAtomic(*t.fs, "/cfg", "old"));
  ASSERT_OK(WriteFileAtomic(*t.fs, "/cfg.next", "new"));
  ASSERT_OK(t.fs->Rename("/cfg.next", "/cfg"));
  EXPECT_EQ(t.Read("/cfg"), "new");
  t.CrashAndRestart();
  EXPECT_EQ(t.Read("/cfg"), "old");       // the replaced target is back
  EXPECT_EQ(t.Read("/cfg.next"), "new");  // and so is the source name

  ASSERT_OK(t.fs->Rename("/cfg.next", "/cfg"));
  ASSERT_OK(t.fs->SyncDir("/"));
  t.CrashAndRestart();
  EXPECT_EQ(t.Read("/cfg"), "new");
  EXPECT_FALSE(t.Exists("/cfg.next"));
}

TEST(FaultFileSystemTest, RenamedOverFileKeepsItsOwnPendingWrites) {
  // An open handle keeps writing to a file after it is renamed over; if the rename is lost, the
  // file comes back as its durable contents plus a prefix of those writes.
  const std::set<std::string> allowed = {"AAAA", "BAAA", "BBAA", "BBCA", "BBCC"};
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 80; ++seed) {
    Fixture t(seed);
    ASSERT_OK(WriteFileAtomic(*t.fs, "/cfg", "AAAA"));
    ASSERT_OK(WriteFileAtomic(*t.fs, "/tmp", "NEW"));
    auto h = Unwrap(t.fs->Open("/cfg", OpenOptions{}));
    ASSERT_OK(h->WriteAt(0, "BB", 2));
    ASSERT_OK(t.fs->Rename("/tmp", "/cfg"));
    ASSERT_OK(h->WriteAt(2, "CC", 2));
    EXPECT_EQ(t.Read("/cfg"), "NEW");
    t.CrashAndRestart();
    const std::string got = t.Read("/cfg");
    ASSERT_TRUE(allowed.count(got)) << got;
    seen.insert(got);
    EXPECT_EQ(t.Read("/tmp"), "NEW");
    EXPECT_FALSE(h->WriteAt(0, "x", 1).ok());  // handles from before the crash stay dead
  }
  EXPECT_EQ(seen, allowed);
}

TEST(FaultFileSystemTest, RemoveWithoutSyncDirComesBack) {
  Fixture t;
  ASSERT_OK(WriteFileAtomic(*t.fs, "/f", "abc"));
  ASSERT_OK(t.fs->Remove("/f"));
  EXPECT_FALSE(t.Exists("/f"));
  t.CrashAndRestart();
  EXPECT_EQ(t.Read("/f"), "abc");

  ASSERT_OK(t.fs->Remove("/f"));
  ASSERT_OK(t.fs->SyncDir("/"));
  t.CrashAndRestart();
  EXPECT_FALSE(t.Exists("/f"));
}

TEST(FaultFileSystemTest, RemovedFileReturnsWithDurablePrefix) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Fixture t(seed);
    ASSERT_OK(WriteFileAtomic(*t.fs, "/f", "abc"));
    auto f = Unwrap(t.fs->Open("/f", OpenOptions{}));
    ASSERT_OK(f->Append(std::string_view("def")));
    ASSERT_OK(t.fs->Remove("/f"));
    ASSERT_OK(f->Close());
    t.CrashAndRestart();
    const std::string got = t.Read("/f");
    EXPECT_TRUE(IsPrefixOf("abc", got) && IsPrefixOf(got, "abcdef")) << got;
  }
}

TEST(FaultFileSystemTest, OpenWithTruncateIsUndoable) {
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Fixture t(seed);
    ASSERT_OK(WriteFileAtomic(*t.fs, "/f", "hello"));
    OpenOptions trunc;
    trunc.truncate = true;
    auto f = Unwrap(t.fs->Open("/f", trunc));
    EXPECT_EQ(Unwrap(f->Size()), 0u);
    t.CrashAndRestart();
    const std::string got = t.Read("/f");
    EXPECT_THAT(got, AnyOf("hello", ""));
    seen.insert(got);
  }
  EXPECT_EQ(seen.size(), 2u);
}

TEST(FaultFileSystemTest, CreateDirWithoutParentSyncVanishes) {
  Fixture t;
  ASSERT_OK(t.fs->CreateDir("/a/b"));
  ASSERT_OK(WriteFileAtomic(*t.fs, "/a/b/f", "x"));  // syncs /a/b only
  ASSERT_OK(t.fs->SyncDir("/a"));
  t.CrashAndRestart();
  EXPECT_FALSE(t.Exists("/a"));

  ASSERT_OK(t.fs->CreateDir("/a/b"));
  ASSERT_OK(WriteFileAtomic(*t.fs, "/a/b/f", "x"));
  ASSERT_OK(t.fs->SyncDir("/a"));
  ASSERT_OK(t.fs->SyncDir("/"));
  t.CrashAndRestart();
  EXPECT_EQ(t.Read("/a/b/f"), "x");
}

TEST(FaultFileSystemTest, RemoveDirWithoutSyncDirIsUndone) {
  Fixture t;
  ASSERT_OK(t.fs->CreateDir("/d"));
  ASSERT_OK(WriteFileAtomic(*t.fs, "/d/f", "content"));
  ASSERT_OK(t.fs->SyncDir("/"));
  ASSERT_OK(t.fs->Remove("/d/f"));
  ASSERT_OK(t.fs->RemoveDir("/d"));
  t.CrashAndRestart();
  EXPECT_EQ(t.Read("/d/f"), "content");

  ASSERT_OK(t.fs->Remove("/d/f"));
  ASSERT_OK(t.fs->SyncDir("/d"));
  ASSERT_OK(t.fs->RemoveDir("/d"));
  ASSERT_OK(t.fs->SyncDir("/"));
  t.CrashAndRestart();
  EXPECT_FALSE(t.Exists("/d"));
}

TEST(FaultFileSystemTest, RenamingDirectoriesIsNotSupported) {
  Fixture t;
  ASSERT_OK(t.fs->CreateDir("/d"));
  EXPECT_EQ(t.fs->Rename("/d", "/e").code(), StatusCode::kNotSupported);
}

TEST(FaultFileSystemTest, TornWriteStoresAPrefix) {
  std::set<size_t> lengths;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Fixture t(seed);
    auto f = Unwrap(t.fs->Open("/f", Create()));
    t.fs->TearNextWrite();
    const Status st = f->WriteAt(0, "0123456789", 10);
    EXPECT_TRUE(st.IsIOError()) << st.ToString();
    const std::string got = t.Read("/f");
    EXPECT_LT(got.size(), 10u);
    EXPECT_TRUE(IsPrefixOf(got, "0123456789")) << got;
    lengths.insert(got.size());
    ASSERT_OK(f->WriteAt(0, "abc", 3));  // only the next write is torn
    EXPECT_TRUE(IsPrefixOf("abc", t.Read("/f")));
    EXPECT_EQ(t.fs->stats().injected_failures, 1u);
  }
  EXPECT_GT(lengths.size(), 3u);
}

// Applies `data` at `offset` the way a file does (zero-filling any gap).
void ApplyWrite(std::string& s, uint64_t offset, const std::string& data) {
  if (s.size() < offset + data.size()) s.resize(offset + data.size());
  std::memcpy(s.data() + offset, data.data(), data.size());
}

struct ModelOp {
  bool truncate = false;
  uint64_t offset = 0;  // or the new size
  std::string data;
};

// Every state a crash may leave: the durable contents, then ops[0, k), then maybe a prefix of
// ops[k] when it is a write.
std::set<std::string> PossibleStates(const std::string& durable, const std::vector<ModelOp>& ops) {
  std::set<std::string> out;
  std::string s = durable;
  for (size_t k = 0;; ++k) {
    out.insert(s);
    if (k == ops.size()) break;
    const ModelOp& op = ops[k];
    if (op.truncate) {
      s.resize(op.offset);
      continue;
    }
    for (size_t keep = 1; keep < op.data.size(); ++keep) {
      std::string torn = s;
      ApplyWrite(torn, op.offset, op.data.substr(0, keep));
      out.insert(torn);
    }
    ApplyWrite(s, op.offset, op.data);
  }
  return out;
}

TEST(FaultFileSystemTest, RestartLeavesDurableStatePlusAPrefixOfLaterWrites) {
  constexpr int kFiles = 3;
  std::set<size_t> survivors_seen;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Fixture t(seed);
    std::mt19937_64 gen(seed * 7919);
    std::vector<std::unique_ptr<File>> files;
    std::vector<std::string> durable(kFiles), current(kFiles);
    std::vector<std::vector<ModelOp>> ops(kFiles);
    for (int i = 0; i < kFiles; ++i) {
      files.push_back(Unwrap(t.fs->Open("/f" + std::to_string(i), Create())));
    }
    ASSERT_OK(t.fs->SyncDir("/"));
    const int steps = 5 + static_cast<int>(gen() % 40);
    for (int step = 0; step < steps; ++step) {
      const int i = static_cast<int>(gen() % kFiles);
      File& f = *files[i];
      const int what = static_cast<int>(gen() % 10);
      if (what == 0) {
        ASSERT_OK(f.Sync());
        durable[i] = current[i];
        ops[i].clear();
      } else if (what == 1) {
        ModelOp op;
        op.truncate = true;
        op.offset = gen() % (current[i].size() + 8);
        ASSERT_OK(f.Truncate(op.offset));
        current[i].resize(op.offset);
        ops[i].push_back(op);
      } else {
        ModelOp op;
        op.offset = what == 2 ? current[i].size() : gen() % (current[i].size() + 8);
        const size_t len = 1 + gen() % 24;
        for (size_t b = 0; b < len; ++b) op.data += static_cast<char>('a' + gen() % 26);
        if (what == 2) {
          ASSERT_OK(f.Append(op.data));
        } else {
          ASSERT_OK(f.WriteAt(op.offset, op.data.data(), op.data.size()));
        }
        ApplyWrite(current[i], op.offset, op.data);
        ops[i].push_back(op);
      }
    }
    for (int i = 0; i < kFiles; ++i) {
      ASSERT_EQ(t.Read("/f" + std::to_string(i)), current[i]);  // the page cache view
    }
    t.CrashAndRestart();
    for (int i = 0; i < kFiles; ++i) {
      const std::string got = t.Read("/f" + std::to_string(i));
      const std::set<std::string> possible = PossibleStates(durable[i], ops[i]);
      ASSERT_TRUE(possible.count(got) > 0)
          << "seed " << seed << " file " << i << " got '" << got << "' durable '" << durable[i]
          << "' with " << ops[i].size() << " pending ops";
      if (!ops[i].empty()) {
        survivors_seen.insert(got == durable[i] ? 0 : got == current[i] ? 2 : 1);
      }
    }
  }
  // Over all seeds: some crashes lost everything pending, some kept everything, some in between.
  EXPECT_EQ(survivors_seen, (std::set<size_t>{0, 1, 2}));
}

TEST(FaultFileSystemTest, SameSeedSameOutcome) {
  auto run = [](uint64_t seed) {
    Fixture t(seed);
    auto f = Unwrap(t.fs->Open("/f", Create()));
    EXPECT_OK(t.fs->SyncDir("/"));
    for (int i = 0; i < 20; ++i) EXPECT_OK(f->Append(std::string(10, static_cast<char>('a' + i))));
    t.CrashAndRestart();
    return t.Read("/f");
  };
  EXPECT_EQ(run(42), run(42));
  std::set<std::string> outcomes;
  for (uint64_t seed = 1; seed <= 10; ++seed) outcomes.insert(run(seed));
  EXPECT_GT(outcomes.size(), 1u);
}

TEST(FaultFileSystemTest, WriteFileAtomicIsAtomicAtEveryCrashPoint) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    bool completed = false;
    for (int64_t ops = 0; !completed; ++ops) {
      ASSERT_LT(ops, 50) << "WriteFileAtomic never completed";
      Fixture t(seed);
      ASSERT_OK(WriteFileAtomic(*t.fs, "/cfg", "old contents"));
      t.fs->CrashAfterOps(ops);
      const Status st = WriteFileAtomic(*t.fs, "/cfg", "new contents!");
      completed = st.ok();
      if (completed) {
        EXPECT_FALSE(t.fs->crashed());
        t.fs->Crash();
      } else {
        EXPECT_TRUE(IsCrash(st)) << st.ToString();
        EXPECT_TRUE(t.fs->crashed());
      }
      ASSERT_OK(t.fs->Restart());
      const std::string got = t.Read("/cfg");
      if (completed) {
        EXPECT_EQ(got, "new contents!");
      } else {
        EXPECT_THAT(got, AnyOf("old contents", "new contents!")) << "crash after " << ops;
      }
    }
  }
}

TEST(FaultFileSystemTest, FailNextSyncs) {
  Fixture t;
  auto f = Unwrap(t.fs->Open("/f", Create()));
  ASSERT_OK(f->Append(std::string_view("x")));
  t.fs->FailNextSyncs(2);
  EXPECT_TRUE(f->Sync().IsIOError());
  EXPECT_TRUE(t.fs->SyncDir("/").IsIOError());
  EXPECT_OK(f->Sync());
  EXPECT_OK(t.fs->SyncDir("/"));
  const FaultStats stats = t.fs->stats();
  EXPECT_EQ(stats.syncs, 4u);
  EXPECT_EQ(stats.injected_failures, 2u);
  t.CrashAndRestart();
  EXPECT_EQ(t.Read("/f"), "x");
}

TEST(FaultFileSystemTest, FailedSyncDoesNotMakeDataDurable) {
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Fixture t(seed);
    auto f = Unwrap(t.fs->Open("/f", Create()));
    ASSERT_OK(t.fs->SyncDir("/"));
    ASSERT_OK(f->Append(std::string_view("x")));
    t.fs->FailNextSyncs(1);
    EXPECT_FALSE(f->Sync().ok());
    t.CrashAndRestart();
    seen.insert(t.Read("/f"));
  }
  EXPECT_EQ(seen, (std::set<std::string>{"", "x"}));
}

TEST(FaultFileSystemTest, FailWritesAfterBytes) {
  Fixture t;
  auto f = Unwrap(t.fs->Open("/f", Create()));
  t.fs->FailWritesAfterBytes(10);
  ASSERT_OK(f->Append(std::string_view("123456")));
  EXPECT_TRUE(f->Append(std::string_view("789012")).IsIOError());
  ASSERT_OK(f->Append(std::string_view("7890")));
  EXPECT_TRUE(f->Append(std::string_view("x")).IsIOError());
  EXPECT_EQ(t.Read("/f"), "1234567890");
  t.fs->FailWritesAfterBytes(-1);
  ASSERT_OK(f->Append(std::string_view("x")));
  EXPECT_EQ(t.fs->stats().injected_failures, 2u);
  EXPECT_EQ(t.fs->stats().bytes_written, 11u);
}

TEST(FaultFileSystemTest, SpaceLimitReportsNoSpace) {
  Fixture t;
  t.fs->SetSpaceLimit(100);
  auto f = Unwrap(t.fs->Open("/f", Create()));
  ASSERT_OK(f->Append(std::string(80, 'a')));
  const Status full = f->Append(std::string(30, 'b'));
  EXPECT_TRUE(full.IsNoSpace()) << full.ToString();
  EXPECT_EQ(Unwrap(f->Size()), 80u);
  ASSERT_OK(f->WriteAt(0, std::string(30, 'c').data(), 30));  // overwriting needs no space
  EXPECT_TRUE(f->Truncate(200).IsNoSpace());
  ASSERT_OK(f->Truncate(50));
  ASSERT_OK(f->Append(std::string(30, 'd')));
  EXPECT_TRUE(f->Append(std::string(30, 'e')).IsNoSpace());
  auto g = Unwrap(t.fs->Open("/g", Create()));
  EXPECT_TRUE(g->Append(std::string(30, 'g')).IsNoSpace());
  ASSERT_OK(t.fs->Remove("/f"));  // frees its 80 bytes
  ASSERT_OK(g->Append(std::string(30, 'g')));
  t.fs->SetSpaceLimit(-1);
  ASSERT_OK(g->Append(std::string(1000, 'g')));
}

TEST(FaultFileSystemTest, CrashAfterOpsCountsThenFailsEverything) {
  Fixture t;
  ASSERT_OK(WriteFileAtomic(*t.fs, "/durable", "kept"));
  const uint64_t before = t.fs->stats().mutating_ops;
  t.fs->CrashAfterOps(3);
  auto f = Unwrap(t.fs->Open("/f", Create()));    // 1
  ASSERT_OK(f->Append(std::string_view("abc")));  // 2
  EXPECT_TRUE(t.Exists("/f"));                    // reads are not counted
  ASSERT_OK(f->Sync());                           // 3
  EXPECT_FALSE(t.fs->crashed());
  const Status st = t.fs->SyncDir("/");  // 4: crashes
  EXPECT_TRUE(IsCrash(st)) << st.ToString();
  EXPECT_TRUE(t.fs->crashed());
  EXPECT_EQ(t.fs->stats().mutating_ops - before, 4u);

  char buf[4];
  size_t got = 0;
  EXPECT_TRUE(IsCrash(f->ReadAt(0, 3, buf, &got)));
  EXPECT_TRUE(IsCrash(f->Append("x", 1)));
  EXPECT_TRUE(IsCrash(f->Size().status()));
  EXPECT_TRUE(IsCrash(t.fs->Exists("/f").status()));
  EXPECT_TRUE(IsCrash(t.fs->List("/").status()));
  EXPECT_TRUE(IsCrash(t.fs->Open("/durable", OpenOptions{}).status()));
  EXPECT_TRUE(IsCrash(t.fs->CreateDir("/x")));
  EXPECT_TRUE(IsCrash(t.fs->Lock("/LOCK").status()));
  EXPECT_TRUE(IsCrash(t.fs->Remove("/durable")));

  ASSERT_OK(t.fs->Restart());
  EXPECT_FALSE(t.fs->crashed());
  EXPECT_TRUE(IsCrash(f->ReadAt(0, 3, buf, &got)));  // still dead after Restart
  EXPECT_TRUE(IsCrash(f->Close()));
  EXPECT_FALSE(t.Exists("/f"));  // its name was never made durable
  EXPECT_EQ(t.Read("/durable"), "kept");
  auto g = Unwrap(t.fs->Open("/f", Create()));
  ASSERT_OK(g->Append(std::string_view("after")));  // CrashAfterOps is spent
}

TEST(FaultFileSystemTest, CrashAfterZeroOpsFailsTheNextOne) {
  Fixture t;
  t.fs->CrashAfterOps(0);
  EXPECT_TRUE(IsCrash(t.fs->CreateDir("/d")));
  ASSERT_OK(t.fs->Restart());
  EXPECT_FALSE(t.Exists("/d"));
}

TEST(FaultFileSystemTest, CrashReleasesLocks) {
  Fixture t;
  ASSERT_OK(t.fs->CreateDir("/db"));
  ASSERT_OK(t.fs->SyncDir("/"));
  auto lock = Unwrap(t.fs->Lock("/db/LOCK"));
  EXPECT_TRUE(t.fs->Lock("/db/LOCK").status().IsBusy());
  t.CrashAndRestart();
  auto again = Unwrap(t.fs->Lock("/db/LOCK"));  // the dead process's lock is gone
  lock.reset();                                 // destroying the stale lock is harmless
  EXPECT_TRUE(t.fs->Lock("/db/LOCK").status().IsBusy());
}

TEST(FaultFileSystemTest, MarkAllDurable) {
  Fixture t;
  ASSERT_OK(t.fs->CreateDir("/db"));
  auto f = Unwrap(t.fs->Open("/db/f", Create()));
  ASSERT_OK(f->Append(std::string_view("setup")));
  t.fs->MarkAllDurable();
  ASSERT_OK(f->Append(std::string_view("!")));
  ASSERT_OK(f->Sync());
  t.CrashAndRestart();
  EXPECT_EQ(t.Read("/db/f"), "setup!");
}

TEST(FaultFileSystemTest, RestartWithoutCrashActsAsCrash) {
  Fixture t;
  auto f = Unwrap(t.fs->Open("/f", Create()));
  ASSERT_OK(t.fs->Restart());
  EXPECT_TRUE(IsCrash(f->Append("x", 1)));
  EXPECT_FALSE(t.Exists("/f"));
}

TEST(FaultFileSystemTest, ConcurrentReadAtThroughFault) {
  Fixture t;
  auto f = Unwrap(t.fs->Open("/f", Create()));
  std::string data(64 * 1024, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  ASSERT_OK(f->Append(data));
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      char buf[256];
      for (int i = 0; i < 1000; ++i) {
        const uint64_t off = (static_cast<uint64_t>(i) * 997 + th * 4099) % (data.size() - 256);
        size_t got = 0;
        if (!f->ReadAt(off, 256, buf, &got).ok() || got != 256 ||
            std::memcmp(buf, data.data() + off, 256) != 0) {
          ++bad;
        }
      }
    });
  }
  // A writer on another file runs at the same time.
  auto g = Unwrap(t.fs->Open("/g", Create()));
  for (int i = 0; i < 200; ++i) EXPECT_OK(g->Append(std::string_view("0123456789")));
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(FaultFileSystemTest, WorksOverLocalFileSystem) {
  char tmpl[] = "/tmp/dosql_fault_local_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  auto local = NewLocalFileSystem();
  auto fs = std::make_shared<FaultFileSystem>(local, 3);
  ASSERT_OK(WriteFileAtomic(*fs, dir + "/cfg", "old"));
  ASSERT_OK(WriteFileAtomic(*fs, dir + "/next", "new"));
  ASSERT_OK(fs->Rename(dir + "/next", dir + "/cfg"));
  auto f = Unwrap(fs->Open(dir + "/scratch", Create()));
  ASSERT_OK(f->Append(std::string_view("zzz")));
  fs->Crash();
  ASSERT_OK(fs->Restart());
  EXPECT_EQ(Unwrap(ReadFile(*local, dir + "/cfg")), "old");
  EXPECT_EQ(Unwrap(ReadFile(*local, dir + "/next")), "new");
  EXPECT_FALSE(Unwrap(local->Exists(dir + "/scratch")));
  f.reset();
  EXPECT_OK(RemoveAll(*local, dir));
}

}  // namespace
}  // namespace dosql::fsx
