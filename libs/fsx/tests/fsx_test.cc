// Tests for the fsx helpers and a conformance suite run over every plain backend.
#include <stdlib.h>

#include <atomic>
#include <cstring>
#include <memory>
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

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using ::dosql::test_util::Unwrap;

OpenOptions Create() {
  OpenOptions o;
  o.create = true;
  return o;
}

OpenOptions ReadOnly() {
  OpenOptions o;
  o.read_only = true;
  return o;
}

std::string ReadAllOf(File& f) {
  const uint64_t size = Unwrap(f.Size());
  std::string out(size, '\0');
  size_t got = 0;
  EXPECT_OK(f.ReadAt(0, out.size(), out.data(), &got));
  out.resize(got);
  return out;
}

// ----- helpers -----

TEST(PathTest, JoinPath) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "b"), "a/b");
  EXPECT_EQ(JoinPath("/", "b"), "/b");
  EXPECT_EQ(JoinPath("", "b"), "b");
  EXPECT_EQ(JoinPath("a", ""), "a");
  EXPECT_EQ(JoinPath("a", "/b"), "a/b");
  EXPECT_EQ(JoinPath("/x/y", "z.db"), "/x/y/z.db");
}

TEST(PathTest, ParentDir) {
  EXPECT_EQ(ParentDir("a/b/c"), "a/b");
  EXPECT_EQ(ParentDir("c"), ".");
  EXPECT_EQ(ParentDir("/c"), "/");
  EXPECT_EQ(ParentDir("/"), "/");
  EXPECT_EQ(ParentDir("a/b/"), "a");
  EXPECT_EQ(ParentDir("a//b"), "a");
  EXPECT_EQ(ParentDir(""), ".");
  EXPECT_EQ(ParentDir("/x/y/z.db"), "/x/y");
}

// ----- conformance suite -----

enum class Backend { kLocal, kMemory, kFaultOverMemory };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kLocal:
      return "Local";
    case Backend::kMemory:
      return "Memory";
    case Backend::kFaultOverMemory:
      return "FaultOverMemory";
  }
  return "Unknown";
}

class FileSystemTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Backend::kLocal: {
        fs_ = NewLocalFileSystem();
        char tmpl[] = "/tmp/dosql_fsx_test_XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        root_ = tmpl;
        break;
      }
      case Backend::kMemory:
        fs_ = NewMemoryFileSystem();
        root_ = "/test";
        ASSERT_OK(fs_->CreateDir(root_));
        break;
      case Backend::kFaultOverMemory:
        fs_ = std::make_shared<FaultFileSystem>(NewMemoryFileSystem(), 7);
        root_ = "/test";
        ASSERT_OK(fs_->CreateDir(root_));
        break;
    }
  }

  void TearDown() override {
    if (fs_ && !root_.empty()) {
      EXPECT_OK(RemoveAll(*fs_, root_));
      EXPECT_FALSE(Unwrap(fs_->Exists(root_)));
    }
  }

  std::string P(std::string_view name) const { return JoinPath(root_, name); }

  std::unique_ptr<File> OpenOrDie(const std::string& path, const OpenOptions& opts = Create()) {
    return Unwrap(fs_->Open(path, opts));
  }

  void WriteString(const std::string& path, std::string_view data) {
    ASSERT_OK(WriteFileAtomic(*fs_, path, data));
  }

  std::shared_ptr<FileSystem> fs_;
  std::string root_;
};

TEST_P(FileSystemTest, WriteReadAppendSize) {
  auto f = OpenOrDie(P("a"));
  EXPECT_EQ(f->path(), P("a"));
  EXPECT_EQ(Unwrap(f->Size()), 0u);
  ASSERT_OK(f->WriteAt(0, "hello", 5));
  ASSERT_OK(f->Append(std::string_view(" world")));
  EXPECT_EQ(Unwrap(f->Size()), 11u);
  ASSERT_OK(f->WriteAt(0, "J", 1));
  EXPECT_EQ(ReadAllOf(*f), "Jello world");

  char buf[8];
  size_t got = 0;
  ASSERT_OK(f->ReadAt(6, sizeof(buf), buf, &got));
  EXPECT_EQ(std::string(buf, got), "world");
  ASSERT_OK(f->ReadAt(100, sizeof(buf), buf, &got));
  EXPECT_EQ(got, 0u);
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Close());

  auto g = OpenOrDie(P("a"), ReadOnly());
  EXPECT_EQ(ReadAllOf(*g), "Jello world");
}

TEST_P(FileSystemTest, WriteBeyondEndZeroFills) {
  auto f = OpenOrDie(P("sparse"));
  ASSERT_OK(f->WriteAt(4, "x", 1));
  EXPECT_EQ(ReadAllOf(*f), std::string("\0\0\0\0x", 5));
  ASSERT_OK(f->Append("y", 1));
  EXPECT_EQ(ReadAllOf(*f), std::string("\0\0\0\0xy", 6));
}

TEST_P(FileSystemTest, AppendGoesToTheCurrentEndAcrossHandles) {
  auto a = OpenOrDie(P("shared"));
  auto b = OpenOrDie(P("shared"), OpenOptions{});
  ASSERT_OK(a->Append(std::string_view("aa")));
  ASSERT_OK(b->Append(std::string_view("bb")));
  ASSERT_OK(a->Append(std::string_view("cc")));
  EXPECT_EQ(ReadAllOf(*b), "aabbcc");
}

TEST_P(FileSystemTest, Truncate) {
  auto f = OpenOrDie(P("t"));
  ASSERT_OK(f->Append(std::string_view("0123456789")));
  ASSERT_OK(f->Truncate(4));
  EXPECT_EQ(ReadAllOf(*f), "0123");
  ASSERT_OK(f->Append(std::string_view("ab")));  // appends at the new end
  EXPECT_EQ(ReadAllOf(*f), "0123ab");
  ASSERT_OK(f->Truncate(8));
  EXPECT_EQ(ReadAllOf(*f), std::string("0123ab\0\0", 8));
  ASSERT_OK(f->Close());

  OpenOptions trunc = Create();
  trunc.truncate = true;
  auto g = OpenOrDie(P("t"), trunc);
  EXPECT_EQ(Unwrap(g->Size()), 0u);
}

// ReadAtScatter fills its buffers in turn from the offset on, and stops at the end of the file
// (a short count, the rest untouched), on every backend (local: one preadv).
TEST_P(FileSystemTest, ReadAtScatterFillsBuffersInTurnUpToTheEnd) {
  auto f = OpenOrDie(P("scatter"));
  ASSERT_OK(f->Append(std::string_view("0123456789abcdefghij")));  // 20 bytes
  char a[4], b[4], c[4];
  void* const buffers[] = {a, b, c};
  size_t got = 0;
  ASSERT_OK(f->ReadAtScatter(2, buffers, 4, &got));
  EXPECT_EQ(got, 12u);
  EXPECT_EQ(std::string(a, 4) + std::string(b, 4) + std::string(c, 4), "23456789abcd");
  std::memset(c, '.', 4);
  ASSERT_OK(f->ReadAtScatter(10, buffers, 4, &got));  // 10 bytes left: two buffers and a half
  EXPECT_EQ(got, 10u);
  EXPECT_EQ(std::string(a, 4) + std::string(b, 4) + std::string(c, 4), "abcdefghij..");
  ASSERT_OK(f->ReadAtScatter(20, buffers, 4, &got));  // at the end
  EXPECT_EQ(got, 0u);
  ASSERT_OK(f->ReadAtScatter(0, std::span<void* const>(), 4, &got));
  EXPECT_EQ(got, 0u);
}

TEST_P(FileSystemTest, ReadExactShortReadIsCorruption) {
  auto f = OpenOrDie(P("short"));
  ASSERT_OK(f->Append(std::string_view("abc")));
  char buf[8];
  ASSERT_OK(f->ReadExact(1, 2, buf));
  EXPECT_EQ(std::string(buf, 2), "bc");
  const Status st = f->ReadExact(1, 5, buf);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr(P("short")));
  EXPECT_THAT(st.message(), HasSubstr("offset 1"));
  EXPECT_THAT(st.message(), HasSubstr("wanted 5"));
  EXPECT_THAT(st.message(), HasSubstr("got 2"));
}

TEST_P(FileSystemTest, ListIsSortedAndExcludesDots) {
  EXPECT_THAT(Unwrap(fs_->List(root_)), IsEmpty());
  for (const char* name : {"c", "a", "b.db", "B"}) OpenOrDie(P(name));
  ASSERT_OK(fs_->CreateDir(P("sub")));
  EXPECT_THAT(Unwrap(fs_->List(root_)), ElementsAre("B", "a", "b.db", "c", "sub"));
  const Status missing = fs_->List(P("nope")).status();
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
  EXPECT_FALSE(fs_->List(P("a")).ok());  // a file is not a directory
}

TEST_P(FileSystemTest, RenameReplacesTarget) {
  WriteString(P("from"), "new");
  WriteString(P("to"), "old contents");
  ASSERT_OK(fs_->Rename(P("from"), P("to")));
  EXPECT_FALSE(Unwrap(fs_->Exists(P("from"))));
  EXPECT_EQ(Unwrap(ReadFile(*fs_, P("to"))), "new");
  EXPECT_THAT(Unwrap(fs_->List(root_)), ElementsAre("to"));

  const Status missing = fs_->Rename(P("from"), P("x"));
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();

  ASSERT_OK(fs_->CreateDir(P("d")));
  ASSERT_OK(fs_->Rename(P("to"), P("d/moved")));
  EXPECT_EQ(Unwrap(ReadFile(*fs_, P("d/moved"))), "new");
}

TEST_P(FileSystemTest, OpenFileSurvivesRemoveAndRename) {
  auto f = OpenOrDie(P("doomed"));
  ASSERT_OK(f->Append(std::string_view("keep")));
  ASSERT_OK(fs_->Rename(P("doomed"), P("renamed")));
  ASSERT_OK(f->Append(std::string_view("-1")));
  EXPECT_EQ(Unwrap(ReadFile(*fs_, P("renamed"))), "keep-1");

  ASSERT_OK(fs_->Remove(P("renamed")));
  EXPECT_FALSE(Unwrap(fs_->Exists(P("renamed"))));
  ASSERT_OK(f->Append(std::string_view("-2")));
  EXPECT_EQ(ReadAllOf(*f), "keep-1-2");
  ASSERT_OK(f->Sync());
  ASSERT_OK(f->Close());

  const Status again = fs_->Remove(P("renamed"));
  EXPECT_TRUE(again.IsNotFound()) << again.ToString();
}

TEST_P(FileSystemTest, Exists) {
  EXPECT_FALSE(Unwrap(fs_->Exists(P("x"))));
  OpenOrDie(P("x"));
  EXPECT_TRUE(Unwrap(fs_->Exists(P("x"))));
  EXPECT_TRUE(Unwrap(fs_->Exists(root_)));
  EXPECT_FALSE(Unwrap(fs_->Exists(P("x/y"))));
}

TEST_P(FileSystemTest, CreateDirNestedAndRemoveDir) {
  ASSERT_OK(fs_->CreateDir(P("a/b/c")));
  ASSERT_OK(fs_->CreateDir(P("a/b/c")));  // already there: fine
  ASSERT_OK(fs_->CreateDir(P("a/b")));
  EXPECT_THAT(Unwrap(fs_->List(P("a"))), ElementsAre("b"));
  EXPECT_THAT(Unwrap(fs_->List(P("a/b/c"))), IsEmpty());
  OpenOrDie(P("a/b/c/f"));

  EXPECT_FALSE(fs_->RemoveDir(P("a/b/c")).ok());  // not empty
  ASSERT_OK(fs_->Remove(P("a/b/c/f")));
  ASSERT_OK(fs_->RemoveDir(P("a/b/c")));
  EXPECT_FALSE(Unwrap(fs_->Exists(P("a/b/c"))));
  const Status missing = fs_->RemoveDir(P("a/b/c"));
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();

  OpenOrDie(P("file"));
  EXPECT_FALSE(fs_->CreateDir(P("file")).ok());    // a file is in the way
  EXPECT_FALSE(fs_->CreateDir(P("file/x")).ok());  // a file as a parent
  EXPECT_FALSE(fs_->RemoveDir(P("file")).ok());    // not a directory
  EXPECT_FALSE(fs_->Remove(P("a")).ok());          // not a file
  EXPECT_FALSE(fs_->Open(P("a"), Create()).ok());  // directories do not open as files
}

TEST_P(FileSystemTest, OpenErrors) {
  Status st = fs_->Open(P("missing"), OpenOptions{}).status();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr(P("missing")));

  st = fs_->Open(P("no/such/dir/file"), Create()).status();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();

  OpenOrDie(P("exists"));
  OpenOptions excl = Create();
  excl.exclusive = true;
  st = fs_->Open(P("exists"), excl).status();
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists) << st.ToString();
  EXPECT_TRUE(fs_->Open(P("fresh"), excl).ok());

  OpenOptions bad = ReadOnly();
  bad.create = true;
  EXPECT_EQ(fs_->Open(P("exists"), bad).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(FileSystemTest, ReadOnlyHandleRefusesWrites) {
  WriteString(P("ro"), "data");
  auto f = OpenOrDie(P("ro"), ReadOnly());
  EXPECT_EQ(f->WriteAt(0, "x", 1).code(), StatusCode::kReadOnly);
  EXPECT_EQ(f->Append("x", 1).code(), StatusCode::kReadOnly);
  EXPECT_EQ(f->Truncate(0).code(), StatusCode::kReadOnly);
  EXPECT_EQ(ReadAllOf(*f), "data");
}

TEST_P(FileSystemTest, UseAfterCloseFails) {
  auto f = OpenOrDie(P("closed"));
  ASSERT_OK(f->Append(std::string_view("abc")));
  ASSERT_OK(f->Close());
  char buf[4];
  size_t got = 0;
  EXPECT_FALSE(f->ReadAt(0, 3, buf, &got).ok());
  EXPECT_FALSE(f->WriteAt(0, "x", 1).ok());
  EXPECT_FALSE(f->Append("x", 1).ok());
  EXPECT_FALSE(f->Sync().ok());
  EXPECT_FALSE(f->Truncate(0).ok());
  EXPECT_FALSE(f->Size().ok());
  EXPECT_FALSE(f->Close().ok());
  EXPECT_EQ(Unwrap(ReadFile(*fs_, P("closed"))), "abc");
}

TEST_P(FileSystemTest, LockIsExclusiveAndReleasable) {
  auto lock = Unwrap(fs_->Lock(P("LOCK")));
  EXPECT_TRUE(Unwrap(fs_->Exists(P("LOCK"))));
  const Status busy = fs_->Lock(P("LOCK")).status();
  EXPECT_TRUE(busy.IsBusy()) << busy.ToString();
  EXPECT_THAT(busy.message(), HasSubstr(P("LOCK")));
  auto other = Unwrap(fs_->Lock(P("LOCK2")));  // other paths are independent
  lock.reset();
  auto again = Unwrap(fs_->Lock(P("LOCK")));
  EXPECT_NE(again, nullptr);
  const Status no_dir = fs_->Lock(P("nodir/LOCK")).status();
  EXPECT_TRUE(no_dir.IsNotFound()) << no_dir.ToString();
}

TEST_P(FileSystemTest, SyncDir) {
  ASSERT_OK(fs_->SyncDir(root_));
  const Status st = fs_->SyncDir(P("missing"));
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
}

TEST_P(FileSystemTest, WriteFileAtomicAndReadFile) {
  WriteString(P("cfg"), "v1");
  EXPECT_EQ(Unwrap(ReadFile(*fs_, P("cfg"))), "v1");
  WriteString(P("cfg"), std::string(200000, 'z'));  // longer than one read chunk
  EXPECT_EQ(Unwrap(ReadFile(*fs_, P("cfg"))), std::string(200000, 'z'));
  WriteString(P("cfg"), "");
  EXPECT_EQ(Unwrap(ReadFile(*fs_, P("cfg"))), "");
  EXPECT_THAT(Unwrap(fs_->List(root_)), ElementsAre("cfg"));  // no temporary left behind
  EXPECT_TRUE(ReadFile(*fs_, P("nope")).status().IsNotFound());
}

TEST_P(FileSystemTest, RemoveAll) {
  ASSERT_OK(fs_->CreateDir(P("tree/a/b")));
  ASSERT_OK(fs_->CreateDir(P("tree/empty")));
  WriteString(P("tree/f1"), "1");
  WriteString(P("tree/a/f2"), "2");
  WriteString(P("tree/a/b/f3"), "3");
  ASSERT_OK(RemoveAll(*fs_, P("tree")));
  EXPECT_FALSE(Unwrap(fs_->Exists(P("tree"))));
  ASSERT_OK(RemoveAll(*fs_, P("tree")));  // missing: fine
  WriteString(P("single"), "x");
  ASSERT_OK(RemoveAll(*fs_, P("single")));  // a plain file
  EXPECT_FALSE(Unwrap(fs_->Exists(P("single"))));
}

TEST_P(FileSystemTest, ConcurrentReadAt) {
  constexpr size_t kBlock = 512;
  constexpr size_t kBlocks = 64;
  auto f = OpenOrDie(P("shared"));
  std::string data;
  for (size_t i = 0; i < kBlocks; ++i) data.append(kBlock, static_cast<char>('A' + i % 26));
  ASSERT_OK(f->WriteAt(0, data.data(), data.size()));

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      char buf[kBlock];
      for (int iter = 0; iter < 500; ++iter) {
        const size_t block = (iter * 7 + t * 13) % kBlocks;
        size_t got = 0;
        if (!f->ReadAt(block * kBlock, kBlock, buf, &got).ok() || got != kBlock ||
            std::memcmp(buf, data.data() + block * kBlock, kBlock) != 0) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_P(FileSystemTest, PathSpellingsAgree) {
  ASSERT_OK(fs_->CreateDir(P("dir")));
  WriteString(P("dir/f"), "x");
  EXPECT_TRUE(Unwrap(fs_->Exists(root_ + "//dir/./f")));
  EXPECT_EQ(Unwrap(ReadFile(*fs_, root_ + "/dir/../dir/f")), "x");
}

INSTANTIATE_TEST_SUITE_P(Backends, FileSystemTest,
                         ::testing::Values(Backend::kLocal, Backend::kMemory,
                                           Backend::kFaultOverMemory),
                         BackendName);

// ----- backend specifics -----

TEST(LocalFileSystemTest, ErrorsCarryOperationPathAndSystemText) {
  auto fs = NewLocalFileSystem();
  EXPECT_EQ(fs->name(), "local");
  const Status st = fs->Open("/nonexistent-dosql-dir/x", OpenOptions{}).status();
  EXPECT_TRUE(st.IsNotFound());
  EXPECT_THAT(st.message(), HasSubstr("open '/nonexistent-dosql-dir/x'"));
  EXPECT_THAT(st.message(), HasSubstr("No such file or directory"));
}

TEST(LocalFileSystemTest, LockConflictsAcrossFileSystemObjects) {
  char tmpl[] = "/tmp/dosql_fsx_lock_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  auto a = NewLocalFileSystem();
  auto b = NewLocalFileSystem();
  {
    auto lock = Unwrap(a->Lock(dir + "/LOCK"));
    EXPECT_TRUE(b->Lock(dir + "/LOCK").status().IsBusy());
  }
  EXPECT_TRUE(b->Lock(dir + "/LOCK").ok());
  EXPECT_OK(RemoveAll(*a, dir));
}

// `local` maps a file read-only: the mapping shows the file's bytes (also bytes written after
// it was made), outlives the File and the name, and refuses lengths the file does not have.
// Other backends say they cannot map.
TEST_P(FileSystemTest, MapReadOnlyWhereTheBackendCan) {
  auto f = OpenOrDie(P("m"));
  std::string data(10000, 'a');
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>('a' + i % 26);
  ASSERT_OK(f->WriteAt(0, data.data(), data.size()));
  auto mapped = f->MapReadOnly(8192);
  if (GetParam() != Backend::kLocal) {
    EXPECT_EQ(mapped.status().code(), StatusCode::kNotSupported) << mapped.status().ToString();
    return;
  }
  ASSERT_OK(mapped.status());
  std::shared_ptr<const MappedBytes> bytes = *mapped;
  ASSERT_EQ(bytes->size(), 8192u);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(bytes->data()), 8192),
            std::string_view(data).substr(0, 8192));
  ASSERT_OK(f->WriteAt(100, "XYZ", 3));
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(bytes->data()) + 99, 5), "vXYZz");
  const Status too_long = f->MapReadOnly(10001).status();
  EXPECT_EQ(too_long.code(), StatusCode::kInvalidArgument) << too_long.ToString();
  EXPECT_THAT(too_long.message(), HasSubstr("the file has 10000"));
  EXPECT_EQ(f->MapReadOnly(0).status().code(), StatusCode::kInvalidArgument);
  ASSERT_OK(f->Close());
  ASSERT_OK(fs_->Remove(P("m")));
  EXPECT_EQ(bytes->data()[8191], static_cast<uint8_t>('a' + 8191 % 26));
  EXPECT_FALSE(f->MapReadOnly(10).ok());  // closed
}

TEST(MemoryFileSystemTest, InstancesAreIndependentAndRootIsShared) {
  auto a = NewMemoryFileSystem();
  auto b = NewMemoryFileSystem();
  EXPECT_EQ(a->name(), "memory");
  ASSERT_OK(WriteFileAtomic(*a, "x", "1"));
  EXPECT_FALSE(Unwrap(b->Exists("x")));
  // Relative paths are relative to the root.
  EXPECT_EQ(Unwrap(ReadFile(*a, "/x")), "1");
  EXPECT_THAT(Unwrap(a->List("/")), ElementsAre("x"));
  EXPECT_THAT(Unwrap(a->List(".")), ElementsAre("x"));
  EXPECT_FALSE(a->RemoveDir("/").ok());
}

TEST(MemoryFileSystemTest, RenameDirectoryMovesSubtree) {
  auto fs = NewMemoryFileSystem();
  ASSERT_OK(fs->CreateDir("a/b"));
  ASSERT_OK(WriteFileAtomic(*fs, "a/b/f", "data"));
  ASSERT_OK(fs->CreateDir("c"));
  ASSERT_OK(fs->Rename("a", "c"));  // replaces an empty directory
  EXPECT_FALSE(Unwrap(fs->Exists("a")));
  EXPECT_EQ(Unwrap(ReadFile(*fs, "c/b/f")), "data");
  EXPECT_FALSE(fs->Rename("c", "c/b/inside").ok());
}

TEST(MemoryFileSystemTest, ConcurrentWritersAndReaders) {
  auto fs = NewMemoryFileSystem();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::string name = "f" + std::to_string(t);
      auto f = Unwrap(fs->Open(name, Create()));
      for (int i = 0; i < 200; ++i) EXPECT_OK(f->Append("0123456789", 10));
      EXPECT_OK(fs->Rename(name, name + ".done"));
      EXPECT_EQ(Unwrap(f->Size()), 2000u);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_THAT(Unwrap(fs->List("")), ElementsAre("f0.done", "f1.done", "f2.done", "f3.done"));
}

}  // namespace
}  // namespace dosql::fsx

namespace dosql::fsx {
namespace {

TEST(FsxHelpersTest, CreateDirsReportsTheDirectoriesToSync) {
  auto fs = NewMemoryFileSystem();
  ASSERT_TRUE(fs->CreateDir("a").ok());
  auto changed = CreateDirs(*fs, "a/b/c");
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(*changed, (std::vector<std::string>{"a", "a/b"}));
  EXPECT_TRUE(*fs->Exists("a/b/c"));
  auto again = CreateDirs(*fs, "a/b/c");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

}  // namespace
}  // namespace dosql::fsx
