// Tests for dosql::wal: record encoding, writer/reader, damage handling, group commit, retention
// and time search.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "dosql/core/coding.h"
#include "dosql/core/crc32c.h"
#include "dosql/fsx/fault.h"
#include "dosql/fsx/fsx.h"
#include "dosql/wal/wal.h"
#include "dosql/test_util/status.h"

namespace dosql::wal {
namespace {

using ::testing::HasSubstr;

constexpr size_t kSegmentHeaderBytes = 64;
constexpr size_t kRecordHeaderBytes = 21;
const std::string kDir = "db/wal";

using ::dosql::test_util::Unwrap;

std::string SegmentName(Lsn start) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%020llu.wal", static_cast<unsigned long long>(start));
  return buf;
}
std::string SegmentPath(Lsn start) { return fsx::JoinPath(kDir, SegmentName(start)); }

Record Put(uint64_t tree, std::string key, std::string after) {
  Record r;
  r.type = RecordType::kPut;
  r.tree_id = tree;
  r.key = std::move(key);
  r.has_after = true;
  r.after = std::move(after);
  return r;
}

Record Update(uint64_t tree, std::string key, std::string before, std::string after) {
  Record r = Put(tree, std::move(key), std::move(after));
  r.has_before = true;
  r.before = std::move(before);
  return r;
}

Record Delete(uint64_t tree, std::string key, std::string before) {
  Record r;
  r.type = RecordType::kDelete;
  r.tree_id = tree;
  r.key = std::move(key);
  r.has_before = true;
  r.before = std::move(before);
  return r;
}

// Deterministic contents for transaction number i (1-based).
std::vector<Record> TxnChanges(int i) {
  std::vector<Record> changes;
  const int n = 1 + i % 3;
  for (int j = 0; j < n; j++) {
    std::string key = "key" + std::to_string(i) + "_" + std::to_string(j);
    if (j == 2) {
      changes.push_back(Delete(7, key, "old" + std::to_string(i)));
    } else if (j == 1) {
      changes.push_back(Update(8, key, "b" + std::to_string(i), std::string(i % 17, 'x')));
    } else {
      changes.push_back(Put(9, key, "value-" + std::to_string(i)));
    }
  }
  return changes;
}

int64_t TimeOf(int i) { return 1'000'000 + int64_t{i} * 1000; }

struct Appended {
  Lsn commit_lsn = kInvalidLsn;
  int64_t time_us = 0;
  std::vector<Record> changes;  // with LSNs filled in
};

// Appends transactions first..last (inclusive) with TxnChanges/TimeOf.
std::vector<Appended> AppendTxns(WalWriter& w, int first, int last) {
  std::vector<Appended> out;
  for (int i = first; i <= last; i++) {
    Appended a;
    a.changes = TxnChanges(i);
    a.time_us = TimeOf(i);
    a.commit_lsn = Unwrap(w.AppendTransaction(static_cast<uint64_t>(i), a.changes, a.time_us,
                                              static_cast<uint64_t>(i) * 10));
    out.push_back(std::move(a));
  }
  return out;
}

// Reads everything from `from`; returns the first error of Open or Next.
Status ReadAll(std::shared_ptr<fsx::FileSystem> fs, Lsn from, std::vector<Record>* out) {
  DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<WalReader> reader, WalReader::Open(fs, kDir, from));
  for (;;) {
    Record r;
    DOSQL_ASSIGN_OR_RETURN(bool more, reader->Next(&r));
    if (!more) return Status::OK();
    out->push_back(std::move(r));
  }
}

using Files = std::map<std::string, std::string>;  // path -> bytes

Files Snapshot(fsx::FileSystem& fs) {
  Files files;
  for (const std::string& name : Unwrap(fs.List(kDir))) {
    std::string path = fsx::JoinPath(kDir, name);
    std::string bytes = Unwrap(fsx::ReadFile(fs, path));
    // The active segment is zero-padded past the log (every record ends in a non-zero byte);
    // the tests reason about the log's bytes, so the padding is left out.
    while (bytes.size() > kSegmentHeaderBytes && bytes.back() == '\0') bytes.pop_back();
    files[path] = std::move(bytes);
  }
  return files;
}

void WriteBytes(fsx::FileSystem& fs, const std::string& path, std::string_view data) {
  fsx::OpenOptions oo;
  oo.create = true;
  oo.truncate = true;
  auto file = Unwrap(fs.Open(path, oo));
  ASSERT_OK(file->Append(data));
  ASSERT_OK(file->Close());
}

std::shared_ptr<fsx::FileSystem> Restore(const Files& files) {
  auto fs = fsx::NewMemoryFileSystem();
  EXPECT_OK(fs->CreateDir(kDir));
  for (const auto& [path, bytes] : files) WriteBytes(*fs, path, bytes);
  return fs;
}

struct Located {
  size_t offset = 0;
  Record record;
};

// The records of a segment file's bytes with their offsets.
std::vector<Located> DecodeSegment(const std::string& bytes) {
  std::vector<Located> out;
  std::string_view in(bytes);
  in.remove_prefix(kSegmentHeaderBytes);
  while (!in.empty()) {
    Located l;
    l.offset = bytes.size() - in.size();
    Status s = DecodeRecord(&in, &l.record);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok()) break;
    out.push_back(std::move(l));
  }
  return out;
}

// The record containing byte `byte` of the segment.
const Located& RecordAt(const std::vector<Located>& records, size_t byte) {
  const Located* found = &records.front();
  for (const Located& l : records) {
    if (l.offset <= byte) found = &l;
  }
  return *found;
}

void ExpectSameRecord(const Record& a, const Record& b) {
  EXPECT_EQ(a.lsn, b.lsn);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.txn_id, b.txn_id);
  EXPECT_EQ(a.tree_id, b.tree_id);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.has_before, b.has_before);
  EXPECT_EQ(a.before, b.before);
  EXPECT_EQ(a.has_after, b.has_after);
  EXPECT_EQ(a.after, b.after);
  EXPECT_EQ(a.commit_time_us, b.commit_time_us);
  EXPECT_EQ(a.hlc, b.hlc);
  EXPECT_EQ(a.chain, b.chain);
}

WalOptions Opts(uint64_t segment_bytes, SyncMode mode = SyncMode::kFull) {
  WalOptions o;
  o.segment_bytes = segment_bytes;
  o.sync_mode = mode;
  return o;
}

// ---------------------------------------------------------------------------------------------
// Encoding

std::vector<Record> SampleRecords() {
  std::vector<Record> v;
  v.push_back(Put(1, "k", "v"));
  v.push_back(Update(2, "key", "before", std::string(100000, 'z')));
  v.push_back(Put(3, std::string("\0\x01\xff", 3), ""));  // empty after image, binary key
  v.push_back(Delete(4, "gone", "was here"));
  Record del_no_before;
  del_no_before.type = RecordType::kDelete;
  del_no_before.tree_id = 5;
  del_no_before.key = "k2";
  v.push_back(del_no_before);
  Record create;
  create.type = RecordType::kCreateTree;
  create.tree_id = 1ull << 40;
  create.key = "table:t1";
  v.push_back(create);
  Record drop;
  drop.type = RecordType::kDropTree;
  drop.tree_id = 77;
  v.push_back(drop);
  Record commit;
  commit.type = RecordType::kCommit;
  commit.commit_time_us = -1234567;
  commit.hlc = ~0ull;
  commit.chain = 0xdeadbeef;
  v.push_back(commit);
  Record meta;
  meta.type = RecordType::kMeta;
  meta.key = "2pc-prepare";
  meta.has_after = true;
  meta.after = "gtid=42";
  v.push_back(meta);
  for (size_t i = 0; i < v.size(); i++) {
    v[i].lsn = 1000 + i;
    v[i].txn_id = i == 0 ? 0 : (1ull << (7 * i)) + i;
  }
  return v;
}

TEST(WalEncodingTest, RoundTripEveryRecordType) {
  std::string all;
  for (const Record& r : SampleRecords()) {
    std::string one;
    EncodeRecord(r, &one);
    std::string_view in(one);
    Record back;
    ASSERT_OK(DecodeRecord(&in, &back));
    EXPECT_TRUE(in.empty());
    ExpectSameRecord(r, back);
    all += one;
  }
  std::string_view in(all);
  for (const Record& r : SampleRecords()) {
    Record back;
    ASSERT_OK(DecodeRecord(&in, &back));
    ExpectSameRecord(r, back);
  }
  EXPECT_TRUE(in.empty());
}

TEST(WalEncodingTest, LayoutMatchesFormatDoc) {
  Record r = Put(7, "k", "v");
  r.lsn = 1;
  r.txn_id = 3;
  std::string bytes;
  EncodeRecord(r, &bytes);
  ASSERT_EQ(bytes.size(), 29u);
  const std::string payload("\x03\x07\x02\x01k\x01v\xc5", 8);  // ends with the trailer byte
  EXPECT_EQ(bytes.substr(kRecordHeaderBytes), payload);
  auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  EXPECT_EQ(DecodeFixed32(p), 8u);
  EXPECT_EQ(DecodeFixed64(p + 4), 1u);
  EXPECT_EQ(p[12], 1u);  // kPut, no group-end flag
  EXPECT_EQ(DecodeFixed32(p + 13), crc32c::Value(payload));
  EXPECT_EQ(DecodeFixed32(p + 17), crc32c::Value(bytes.data(), 17));

  Record c;
  c.type = RecordType::kCommit;
  c.lsn = 2;
  std::string cb;
  EncodeRecord(c, &cb);
  EXPECT_EQ(static_cast<uint8_t>(cb[12]), 0x85);  // kCommit | group end
}

TEST(WalEncodingTest, EveryPrefixIsTornAndEveryByteFlipIsCorruption) {
  for (const Record& r : SampleRecords()) {
    if (r.after.size() > 1000) continue;  // keep the exhaustive loops small
    std::string bytes;
    EncodeRecord(r, &bytes);
    for (size_t n = 0; n < bytes.size(); n++) {
      std::string_view in(bytes.data(), n);
      Record back;
      Status s = DecodeRecord(&in, &back);
      EXPECT_TRUE(s.IsNotFound()) << "prefix " << n << ": " << s.ToString();
      EXPECT_EQ(in.size(), n);
    }
    for (size_t i = 0; i < bytes.size(); i++) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ mask);
        std::string_view in(damaged);
        Record back;
        Status s = DecodeRecord(&in, &back);
        EXPECT_TRUE(s.IsCorruption())
            << "byte " << i << " mask " << int{mask} << ": " << s.ToString();
      }
    }
  }
  std::string zeros(kRecordHeaderBytes + 10, '\0');
  std::string_view in(zeros);
  Record back;
  EXPECT_TRUE(DecodeRecord(&in, &back).IsNotFound());
}

// ---------------------------------------------------------------------------------------------
// Writer and reader

TEST(WalWriterTest, EmptyLog) {
  auto fs = fsx::NewMemoryFileSystem();
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  const WalState& st = w->recovered();
  EXPECT_EQ(st.first_lsn, kInvalidLsn);
  EXPECT_EQ(st.last_lsn, kInvalidLsn);
  EXPECT_EQ(st.last_commit_lsn, kInvalidLsn);
  EXPECT_EQ(st.chain, 0u);
  EXPECT_EQ(st.truncated_bytes, 0u);
  EXPECT_TRUE(Unwrap(fs->Exists(SegmentPath(1))));
  EXPECT_EQ(w->FindCommitAtOrBefore(1 << 30).status().code(), StatusCode::kOutOfRange);
  std::vector<Record> records;
  ASSERT_OK(ReadAll(fs, 1, &records));
  EXPECT_TRUE(records.empty());
  EXPECT_EQ(WalReader::Open(fs, kDir, 2).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(WalReader::Open(fs, kDir, 0).ok(), true);
}

TEST(WalWriterTest, LsnsAndChainContinuousAcrossSegmentsAndReopen) {
  auto fs = fsx::NewMemoryFileSystem();
  std::vector<Appended> txns;
  uint32_t chain_before_close = 0;
  Lsn last_before_close = 0;
  {
    auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(400)));
    txns = AppendTxns(*w, 1, 60);
    chain_before_close = w->chain();
    last_before_close = w->last_lsn();
    EXPECT_EQ(w->last_commit_time_us(), TimeOf(60));
  }
  // LSNs are assigned contiguously and filled into the change records.
  Lsn expect = 1;
  for (const Appended& a : txns) {
    for (const Record& c : a.changes) EXPECT_EQ(c.lsn, expect++);
    EXPECT_EQ(a.commit_lsn, expect++);
  }
  EXPECT_EQ(last_before_close, expect - 1);

  std::vector<std::string> names = Unwrap(fs->List(kDir));
  ASSERT_GE(names.size(), 5u) << "expected several segments";

  {
    auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(400)));
    const WalState& st = w->recovered();
    EXPECT_EQ(st.first_lsn, 1u);
    EXPECT_EQ(st.last_lsn, last_before_close);
    EXPECT_EQ(st.chain, chain_before_close);
    EXPECT_EQ(w->chain(), chain_before_close);
    EXPECT_EQ(st.last_commit_lsn, txns.back().commit_lsn);
    EXPECT_EQ(st.last_commit_time_us, TimeOf(60));
    EXPECT_EQ(st.last_hlc, 600u);
    EXPECT_EQ(st.max_txn_id, 60u);
    EXPECT_EQ(st.truncated_bytes, 0u);
    auto more = AppendTxns(*w, 61, 90);
    EXPECT_EQ(more.front().changes.front().lsn, last_before_close + 1);
    txns.insert(txns.end(), more.begin(), more.end());
    chain_before_close = w->chain();
  }
  const Lsn total = txns.back().commit_lsn;

  // Every segment is named after its first record, and the records of the segments
  // concatenated (headers stripped) have the writer's chain as their CRC32C.
  Files files = Snapshot(*fs);
  std::string all_records;
  for (const auto& [path, bytes] : files) {
    std::string_view in(bytes);
    in.remove_prefix(kSegmentHeaderBytes);
    Record first;
    if (!in.empty()) {
      ASSERT_OK(DecodeRecord(&in, &first));
      EXPECT_EQ(path, SegmentPath(first.lsn));
    }
    all_records += bytes.substr(kSegmentHeaderBytes);
  }
  EXPECT_EQ(crc32c::Value(all_records), chain_before_close);

  // The reader sees every record once, in order; each commit carries the chain before it.
  std::vector<Record> records;
  ASSERT_OK(ReadAll(fs, 1, &records));
  ASSERT_EQ(records.size(), total);
  uint32_t chain = 0;
  size_t t = 0, c = 0;
  for (size_t i = 0; i < records.size(); i++) {
    const Record& r = records[i];
    EXPECT_EQ(r.lsn, i + 1);
    if (r.type == RecordType::kCommit) {
      EXPECT_EQ(r.chain, chain);
      EXPECT_EQ(r.lsn, txns[t].commit_lsn);
      EXPECT_EQ(r.commit_time_us, txns[t].time_us);
      EXPECT_EQ(r.txn_id, t + 1);
      EXPECT_EQ(c, txns[t].changes.size());
      t++;
      c = 0;
    } else {
      ExpectSameRecord(r, txns[t].changes[c++]);
    }
    std::string enc;
    EncodeRecord(r, &enc);
    chain = crc32c::Extend(chain, enc.data(), enc.size());
  }
  EXPECT_EQ(t, txns.size());
  EXPECT_EQ(chain, chain_before_close);
}

TEST(WalReaderTest, FromEveryLsnIncludingMidSegmentAndBoundaries) {
  auto fs = fsx::NewMemoryFileSystem();
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(300)));
  AppendTxns(*w, 1, 30);
  const Lsn last = w->last_lsn();
  std::vector<Record> all;
  ASSERT_OK(ReadAll(fs, 1, &all));
  ASSERT_EQ(all.size(), last);
  for (Lsn from = 1; from <= last + 1; from++) {
    std::vector<Record> part;
    ASSERT_OK(ReadAll(fs, from, &part)) << "from " << from;
    ASSERT_EQ(part.size(), last - from + 1) << "from " << from;
    for (size_t i = 0; i < part.size(); i++) ExpectSameRecord(part[i], all[from - 1 + i]);
  }
  EXPECT_EQ(WalReader::Open(fs, kDir, last + 2).status().code(), StatusCode::kOutOfRange);
  // A reader at the end sees records appended later.
  auto reader = Unwrap(WalReader::Open(fs, kDir, last + 1));
  Record r;
  EXPECT_FALSE(Unwrap(reader->Next(&r)));
  AppendTxns(*w, 31, 40);  // crosses segment boundaries
  Lsn next = last + 1;
  while (Unwrap(reader->Next(&r))) EXPECT_EQ(r.lsn, next++);
  EXPECT_EQ(next, w->last_lsn() + 1);
}

TEST(WalWriterTest, CommitTimeMustStrictlyIncrease) {
  auto fs = fsx::NewMemoryFileSystem();
  {
    auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
    std::vector<Record> c = {Put(1, "a", "1")};
    ASSERT_TRUE(w->AppendTransaction(1, c, 100, 1).ok());
    const Lsn last = w->last_lsn();
    EXPECT_EQ(w->AppendTransaction(2, c, 100, 2).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(w->AppendTransaction(2, c, 99, 2).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(w->last_lsn(), last);
    ASSERT_TRUE(w->AppendTransaction(2, c, 101, 2).ok());
  }
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  std::vector<Record> c = {Put(1, "b", "2")};
  EXPECT_EQ(w->AppendTransaction(3, c, 101, 3).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(w->AppendTransaction(3, c, 102, 3).ok());
}

TEST(WalWriterTest, RejectsBadRecordTypes) {
  auto fs = fsx::NewMemoryFileSystem();
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  Record commit;
  commit.type = RecordType::kCommit;
  EXPECT_EQ(w->AppendRecord(commit).status().code(), StatusCode::kInvalidArgument);
  std::vector<Record> c = {commit};
  EXPECT_EQ(w->AppendTransaction(1, c, 10, 1).status().code(), StatusCode::kInvalidArgument);
  Record bogus;
  bogus.type = static_cast<RecordType>(42);
  EXPECT_EQ(w->AppendRecord(bogus).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->last_lsn(), kInvalidLsn);
}

TEST(WalWriterTest, StandaloneRecordsAndEmptyTransactions) {
  auto fs = fsx::NewMemoryFileSystem();
  {
    auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
    Record meta;
    meta.type = RecordType::kMeta;
    meta.txn_id = 99;
    meta.key = "prepare";
    meta.has_after = true;
    meta.after = "payload";
    EXPECT_EQ(Unwrap(w->AppendRecord(meta)), 1u);
    EXPECT_EQ(meta.lsn, 1u);
    EXPECT_EQ(Unwrap(w->AppendTransaction(5, {}, 10, 1)), 2u);  // commit only
    ASSERT_OK(w->WaitDurable(2));
    EXPECT_EQ(w->durable_lsn(), 2u);
  }
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  EXPECT_EQ(w->recovered().max_txn_id, 99u);
  EXPECT_EQ(w->recovered().last_commit_lsn, 2u);
  std::vector<Record> records;
  ASSERT_OK(ReadAll(fs, 1, &records));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].type, RecordType::kMeta);
  EXPECT_EQ(records[0].after, "payload");
  EXPECT_EQ(records[1].type, RecordType::kCommit);
  EXPECT_EQ(records[1].txn_id, 5u);
}

// AppendGroup: records without a commit, one write group (a prepared transaction); a reader
// sees all of it, and a torn group is cut as a whole.
TEST(WalWriterTest, GroupWithoutCommitIsAllOrNothing) {
  auto fs = fsx::NewMemoryFileSystem();
  std::string before;
  {
    auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
    std::vector<Record> empty;
    EXPECT_FALSE(w->AppendGroup(7, empty).ok());
    std::vector<Record> group = {Put(1, "a", "1"), Put(1, "b", "2")};
    Record marker;
    marker.type = RecordType::kMeta;
    marker.key = "2pc-prepare";
    marker.has_after = true;
    marker.after = "m";
    group.push_back(marker);
    EXPECT_EQ(Unwrap(w->AppendGroup(7, group)), 3u);
    EXPECT_EQ(group[0].lsn, 1u);
    EXPECT_EQ(group[2].txn_id, 7u);
    ASSERT_OK(w->WaitDurable(3));
    EXPECT_EQ(Unwrap(w->AppendTransaction(7, {}, 10, 1)), 4u);  // its commit, later
    ASSERT_OK(w->WaitDurable(4));
    before = Unwrap(fsx::ReadFile(*fs, SegmentPath(1)));
    before.erase(before.find_last_not_of('\0') + 1);  // the zero padding past the log
  }
  std::vector<Record> records;
  ASSERT_OK(ReadAll(fs, 1, &records));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[2].type, RecordType::kMeta);
  EXPECT_EQ(records[3].type, RecordType::kCommit);
  for (const Record& r : records) EXPECT_EQ(r.txn_id, 7u);
  // Without its last record (the marker), the group is a torn tail: none of it is in the log.
  std::vector<Located> located = DecodeSegment(before);
  ASSERT_EQ(located.size(), 4u);
  WriteBytes(*fs, SegmentPath(1), before.substr(0, located[2].offset + 5));
  records.clear();
  ASSERT_OK(ReadAll(fs, 1, &records));
  EXPECT_TRUE(records.empty());
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  EXPECT_EQ(w->recovered().last_lsn, 0u);
}

TEST(WalWriterTest, BulkTransactionLargerThanASegment) {
  auto fs = fsx::NewMemoryFileSystem();
  constexpr int kRows = 200000;
  std::vector<Record> rows;
  rows.reserve(kRows);
  for (int i = 0; i < kRows; i++) {
    rows.push_back(Put(3, "row" + std::to_string(i), "v" + std::to_string(i * 7)));
  }
  {
    auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
    AppendTxns(*w, 1, 2);
    Lsn commit = Unwrap(w->AppendTransaction(100, rows, TimeOf(3), 1));
    EXPECT_EQ(rows.back().lsn + 1, commit);
    AppendTxns(*w, 4, 5);
    ASSERT_OK(w->WaitDurable(w->last_lsn()));
  }
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  std::vector<Record> records;
  ASSERT_OK(ReadAll(fs, rows.front().lsn, &records));
  ASSERT_GE(records.size(), static_cast<size_t>(kRows) + 1);
  for (int i = 0; i < kRows; i += 9973) ExpectSameRecord(records[i], rows[i]);
  EXPECT_EQ(records[kRows].type, RecordType::kCommit);
}

// ---------------------------------------------------------------------------------------------
// Damage

// Builds a log whose last transaction is written into the last segment; returns the files
// before and after that transaction and the LSN before it.
struct TornFixture {
  Files before, after;
  Lsn last_before = 0;
  std::string last_path;
};

TornFixture BuildTornFixture(uint64_t segment_bytes, int txns) {
  TornFixture f;
  auto fs = fsx::NewMemoryFileSystem();
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(segment_bytes)));
  AppendTxns(*w, 1, txns - 1);
  f.last_before = w->last_lsn();
  f.before = Snapshot(*fs);
  AppendTxns(*w, txns, txns);
  f.after = Snapshot(*fs);
  f.last_path = f.after.rbegin()->first;
  return f;
}

void CheckTornCuts(const TornFixture& f) {
  const std::string& full = f.after.at(f.last_path);
  const bool new_segment = f.before.count(f.last_path) == 0;
  const size_t from = new_segment ? 0 : f.before.at(f.last_path).size();
  for (size_t cut = from; cut < full.size(); cut++) {
    Files files = f.after;
    files[f.last_path] = full.substr(0, cut);
    auto fs = Restore(files);
    auto w = WalWriter::Open(fs, kDir, Opts(1 << 20));
    ASSERT_TRUE(w.ok()) << "cut " << cut << ": " << w.status().ToString();
    const WalState& st = (*w)->recovered();
    EXPECT_EQ(st.last_lsn, f.last_before) << "cut " << cut;
    size_t target = from;
    if (new_segment) target = cut < kSegmentHeaderBytes ? 0 : kSegmentHeaderBytes;
    EXPECT_EQ(st.truncated_bytes, cut - target) << "cut " << cut;
    if (new_segment && cut < kSegmentHeaderBytes) {
      EXPECT_FALSE(Unwrap(fs->Exists(f.last_path))) << "cut " << cut;
    } else {
      EXPECT_EQ(Unwrap(fsx::ReadFile(*fs, f.last_path)).size(), target) << "cut " << cut;
    }
    // Earlier transactions survive, and the log continues after the cut.
    std::vector<Record> records;
    ASSERT_OK(ReadAll(fs, 1, &records));
    ASSERT_EQ(records.size(), f.last_before);
    std::vector<Record> c = {Put(1, "after-cut", "x")};
    Lsn commit = Unwrap((*w)->AppendTransaction(1000, c, TimeOf(100000), 1));
    EXPECT_EQ(commit, f.last_before + 2);
    w->reset();
    auto again = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
    EXPECT_EQ(again->recovered().last_lsn, commit);
    EXPECT_EQ(again->recovered().truncated_bytes, 0u);
  }
}

TEST(WalDamageTest, TornTailAtEveryCutLengthIsCutSilently) {
  CheckTornCuts(BuildTornFixture(1 << 20, 6));  // single segment
}

TEST(WalDamageTest, TornTailInNewestOfSeveralSegments) {
  TornFixture f = BuildTornFixture(200, 12);
  ASSERT_GE(f.after.size(), 3u);
  CheckTornCuts(f);
}

TEST(WalDamageTest, TornSegmentCreationIsRemoved) {
  // Find a transaction count whose last transaction creates a new segment.
  TornFixture f;
  for (int n = 2; n < 40; n++) {
    f = BuildTornFixture(200, n);
    if (f.before.count(f.last_path) == 0) break;
  }
  ASSERT_EQ(f.before.count(f.last_path), 0u);
  CheckTornCuts(f);  // covers cuts inside the new segment's header
  // An all-zero header is an interrupted creation too.
  Files files = f.before;
  files[f.last_path] = std::string(kSegmentHeaderBytes, '\0');
  auto fs = Restore(files);
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(200)));
  EXPECT_EQ(w->recovered().last_lsn, f.last_before);
  EXPECT_FALSE(Unwrap(fs->Exists(f.last_path)));
}

TEST(WalDamageTest, OnlySegmentTornCreation) {
  Files files;
  files[SegmentPath(1)] = std::string(10, '\0');
  auto fs = Restore(files);
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  EXPECT_EQ(w->recovered().last_lsn, kInvalidLsn);
  EXPECT_EQ(Unwrap(w->AppendTransaction(1, {}, 5, 1)), 1u);
  // A lone torn segment that does not start at LSN 1 cannot be recovered.
  Files later;
  later[SegmentPath(50)] = "";
  Status s = WalWriter::Open(Restore(later), kDir, Opts(1 << 20)).status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr(SegmentPath(50)));
}

TEST(WalDamageTest, ZeroFilledTailIsTorn) {
  TornFixture f = BuildTornFixture(1 << 20, 4);
  Files files = f.after;
  files[f.last_path] += std::string(100, '\0');
  auto fs = Restore(files);
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  // Zeros past the log are the writer's own padding, not damage: nothing is lost or reported,
  // and the padding is cut off.
  EXPECT_EQ(w->recovered().truncated_bytes, 0u);
  EXPECT_GT(w->recovered().last_lsn, f.last_before);  // the last transaction is intact
  EXPECT_EQ(Unwrap(fsx::ReadFile(*fs, f.last_path)).size(), f.after.at(f.last_path).size());
  // The last transaction's bytes overwritten by zeros: torn as well.
  files = f.after;
  std::string& bytes = files[f.last_path];
  const size_t start = f.before.at(f.last_path).size();
  bytes.replace(start, bytes.size() - start, bytes.size() - start, '\0');
  fs = Restore(files);
  w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  EXPECT_EQ(w->recovered().last_lsn, f.last_before);
}

TEST(WalDamageTest, PartialWriteGroupIsEndOfLogForReaderAndCutByOpen) {
  TornFixture f = BuildTornFixture(1 << 20, 3);
  // Complete, checksum-valid change records of a transaction whose commit never got written.
  std::string orphan;
  for (int i = 0; i < 2; i++) {
    Record r = Put(1, "orphan" + std::to_string(i), "x");
    r.lsn = f.last_before + 1 + i;
    r.txn_id = 77;
    EncodeRecord(r, &orphan);
  }
  Files files = f.before;
  files[f.last_path] += orphan;
  auto fs = Restore(files);
  std::vector<Record> records;
  ASSERT_OK(ReadAll(fs, 1, &records));
  EXPECT_EQ(records.size(), f.last_before);
  EXPECT_EQ(WalReader::Open(fs, kDir, f.last_before + 2).status().code(), StatusCode::kOutOfRange);
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
  EXPECT_EQ(w->recovered().last_lsn, f.last_before);
  EXPECT_EQ(w->recovered().truncated_bytes, orphan.size());
}

// Flips every byte of `path` (each in its own copy of the log) and checks that the writer's Open
// and a reader both report Corruption naming the file and the damaged record's offset.
void CheckEveryFlipIsCorruption(const Files& files, const std::string& path, bool last) {
  const std::string& bytes = files.at(path);
  std::vector<Located> records = DecodeSegment(bytes);
  ASSERT_FALSE(records.empty());
  for (size_t i = 0; i < bytes.size(); i++) {
    Files damaged = files;
    damaged[path][i] = static_cast<char>(damaged[path][i] ^ 0x20);
    const bool in_header = i < kSegmentHeaderBytes;
    const Located& hit = RecordAt(records, i);
    const size_t expect_offset = in_header ? 0 : hit.offset;
    // With truncate_corrupt_tail the log ends before the damaged record's transaction.
    Lsn keep = records.front().record.lsn - 1;
    for (const Located& l : records) {
      if (l.offset < hit.offset && l.record.type == RecordType::kCommit) keep = l.record.lsn;
    }
    const std::string where = path + " offset " + std::to_string(expect_offset) + " ";
    for (bool truncate : {false, true}) {
      WalOptions o = Opts(1 << 20);
      o.truncate_corrupt_tail = truncate;
      auto fs = Restore(damaged);
      auto w = WalWriter::Open(fs, kDir, o);
      if (truncate && last && !in_header) {
        ASSERT_TRUE(w.ok()) << "byte " << i << ": " << w.status().ToString();
        EXPECT_EQ((*w)->recovered().last_lsn, keep) << "byte " << i;
        EXPECT_GT((*w)->recovered().truncated_bytes, 0u);
        continue;
      }
      ASSERT_FALSE(w.ok()) << "byte " << i << " of " << path << " truncate=" << truncate;
      EXPECT_TRUE(w.status().IsCorruption()) << w.status().ToString();
      EXPECT_THAT(w.status().message(), HasSubstr(where)) << "byte " << i;
      EXPECT_THAT(w.status().message(), HasSubstr("expected LSN"));
    }
    std::vector<Record> read;
    Status s = ReadAll(Restore(damaged), 1, &read);
    EXPECT_TRUE(s.IsCorruption()) << "byte " << i << ": " << s.ToString();
    EXPECT_THAT(s.message(), HasSubstr(where)) << "byte " << i;
  }
}

TEST(WalDamageTest, EveryByteFlipInLastSegmentIsCorruption) {
  auto fs = fsx::NewMemoryFileSystem();
  {
    auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(1 << 20)));
    AppendTxns(*w, 1, 4);
  }
  Files files = Snapshot(*fs);
  ASSERT_EQ(files.size(), 1u);
  CheckEveryFlipIsCorruption(files, SegmentPath(1), /*last=*/true);
}

TEST(WalDamageTest, EveryByteFlipInSealedSegmentIsCorruption) {
  auto fs = fsx::NewMemoryFileSystem();
  {
    auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(150)));
    AppendTxns(*w, 1, 8);
  }
  Files files = Snapshot(*fs);
  ASSERT_GE(files.size(), 3u);
  auto second = std::next(files.begin());
  CheckEveryFlipIsCorruption(files, second->first, /*last=*/false);
}

TEST(WalDamageTest, TruncateCorruptTailCutsAtDamagedTransaction) {
  TornFixture f = BuildTornFixture(1 << 20, 5);
  Files files = f.after;
  std::string& bytes = files[f.last_path];
  const size_t start = f.before.at(f.last_path).size();
  bytes[start + kRecordHeaderBytes + 1] ^= 0x01;  // payload of the first record of the last txn
  EXPECT_TRUE(WalWriter::Open(Restore(files), kDir, Opts(1 << 20)).status().IsCorruption());
  WalOptions o = Opts(1 << 20);
  o.truncate_corrupt_tail = true;
  auto fs = Restore(files);
  auto w = Unwrap(WalWriter::Open(fs, kDir, o));
  EXPECT_EQ(w->recovered().last_lsn, f.last_before);
  EXPECT_EQ(w->recovered().truncated_bytes, bytes.size() - start);
}

// Rewrites the header of the record at `offset` with `lsn` and a valid header checksum.
void RewriteLsn(std::string* bytes, size_t offset, Lsn lsn) {
  auto* p = reinterpret_cast<uint8_t*>(bytes->data()) + offset;
  EncodeFixed64(p + 4, lsn);
  EncodeFixed32(p + 17, crc32c::Value(p, 17));
}

TEST(WalDamageTest, LsnOutOfSequenceIsCorruptionEvenAtTheTail) {
  TornFixture f = BuildTornFixture(1 << 20, 3);
  Files files = f.after;
  const Located last = DecodeSegment(files[f.last_path]).back();
  RewriteLsn(&files[f.last_path], last.offset, 999);
  Status s = WalWriter::Open(Restore(files), kDir, Opts(1 << 20)).status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("offset " + std::to_string(last.offset) + " "));
  EXPECT_THAT(s.message(), HasSubstr("expected LSN " + std::to_string(last.record.lsn) + ")"));
  EXPECT_THAT(s.message(), HasSubstr("out of sequence"));
  // Even cut short (a valid header whose payload runs past the end), a wrong LSN is not torn.
  files[f.last_path].resize(files[f.last_path].size() - 1);
  EXPECT_TRUE(WalWriter::Open(Restore(files), kDir, Opts(1 << 20)).status().IsCorruption());
}

TEST(WalDamageTest, DivergedCommitChainIsCorruption) {
  TornFixture f = BuildTornFixture(1 << 20, 3);
  Files files = f.before;
  Record commit;
  commit.type = RecordType::kCommit;
  commit.lsn = f.last_before + 1;
  commit.txn_id = 5;
  commit.commit_time_us = TimeOf(50);
  commit.chain = 12345;  // not the log's chain
  EncodeRecord(commit, &files[f.last_path]);
  Status s = WalWriter::Open(Restore(files), kDir, Opts(1 << 20)).status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("chain"));
  std::vector<Record> records;
  s = ReadAll(Restore(files), 1, &records);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(WalDamageTest, MissingMiddleSegmentIsCorruption) {
  auto fs = fsx::NewMemoryFileSystem();
  {
    auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(150)));
    AppendTxns(*w, 1, 10);
  }
  Files files = Snapshot(*fs);
  ASSERT_GE(files.size(), 3u);
  files.erase(std::next(files.begin()));
  EXPECT_TRUE(WalWriter::Open(Restore(files), kDir, Opts(150)).status().IsCorruption());
  std::vector<Record> records;
  EXPECT_TRUE(ReadAll(Restore(files), 1, &records).IsCorruption());
}

// ---------------------------------------------------------------------------------------------
// Durability

// A FileSystem whose File::Sync takes a while, so that concurrent committers pile up.
class SlowSyncFile : public fsx::File {
 public:
  explicit SlowSyncFile(std::unique_ptr<fsx::File> base) : base_(std::move(base)) {}
  const std::string& path() const override { return base_->path(); }
  Status ReadAt(uint64_t o, size_t n, void* d, size_t* r) override {
    return base_->ReadAt(o, n, d, r);
  }
  Status WriteAt(uint64_t o, const void* s, size_t n) override { return base_->WriteAt(o, s, n); }
  Status Append(const void* s, size_t n) override { return base_->Append(s, n); }
  Status Sync() override {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return base_->Sync();
  }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Result<uint64_t> Size() override { return base_->Size(); }
  Status Close() override { return base_->Close(); }

 private:
  std::unique_ptr<fsx::File> base_;
};

class SlowSyncFileSystem : public fsx::FileSystem {
 public:
  explicit SlowSyncFileSystem(std::shared_ptr<fsx::FileSystem> base) : base_(std::move(base)) {}
  std::string_view name() const override { return "slowsync"; }
  Result<std::unique_ptr<fsx::File>> Open(const std::string& p,
                                          const fsx::OpenOptions& o) override {
    DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<fsx::File> f, base_->Open(p, o));
    return std::unique_ptr<fsx::File>(new SlowSyncFile(std::move(f)));
  }
  Status Remove(const std::string& p) override { return base_->Remove(p); }
  Status Rename(const std::string& a, const std::string& b) override { return base_->Rename(a, b); }
  Result<bool> Exists(const std::string& p) override { return base_->Exists(p); }
  Result<std::vector<std::string>> List(const std::string& d) override { return base_->List(d); }
  Status CreateDir(const std::string& p) override { return base_->CreateDir(p); }
  Status RemoveDir(const std::string& p) override { return base_->RemoveDir(p); }
  Status SyncDir(const std::string& p) override { return base_->SyncDir(p); }
  Result<std::unique_ptr<fsx::FileLock>> Lock(const std::string& p) override {
    return base_->Lock(p);
  }

 private:
  std::shared_ptr<fsx::FileSystem> base_;
};

TEST(WalDurabilityTest, GroupCommitSharesFsyncs) {
  auto fault = std::make_shared<fsx::FaultFileSystem>(
      std::make_shared<SlowSyncFileSystem>(fsx::NewMemoryFileSystem()));
  auto w = Unwrap(WalWriter::Open(fault, kDir, Opts(64 << 10)));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  const uint64_t syncs_before = fault->stats().syncs;
  std::atomic<int> failures{0};
  std::atomic<int64_t> clock{1000};
  std::mutex time_mu;  // commit times must be handed out in append order
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        std::vector<Record> c = {Put(1, "t" + std::to_string(t) + "_" + std::to_string(i), "v")};
        Result<Lsn> lsn = Status::Internal("unset");
        {
          std::lock_guard<std::mutex> l(time_mu);
          lsn = w->AppendTransaction(t * 1000 + i, c, clock++, 1);
        }
        if (!lsn.ok() || !w->WaitDurable(*lsn).ok()) {
          failures++;
          continue;
        }
        if (w->durable_lsn() < *lsn) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const uint64_t syncs = fault->stats().syncs - syncs_before;
  const uint64_t commits = kThreads * kPerThread;
  EXPECT_LT(syncs, commits) << "group commit should share fsyncs";
  EXPECT_GT(syncs, 0u);
  EXPECT_EQ(w->durable_lsn(), w->last_lsn());
}

TEST(WalDurabilityTest, FailedFsyncMakesWriterUnusable) {
  auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
  auto w = Unwrap(WalWriter::Open(fault, kDir, Opts(1 << 20)));
  auto first = AppendTxns(*w, 1, 1);
  ASSERT_OK(w->WaitDurable(first[0].commit_lsn));
  auto second = AppendTxns(*w, 2, 2);
  fault->FailNextSyncs(1);
  Status s = w->WaitDurable(second[0].commit_lsn);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("wal is unusable after a failed write/sync"));
  EXPECT_EQ(w->durable_lsn(), first[0].commit_lsn);
  std::vector<Record> c = {Put(1, "x", "y")};
  Result<Lsn> r = w->AppendTransaction(3, c, TimeOf(3), 3);
  EXPECT_TRUE(r.status().IsIOError());
  EXPECT_THAT(r.status().message(), HasSubstr("wal is unusable"));
  Record meta;
  meta.type = RecordType::kMeta;
  EXPECT_TRUE(w->AppendRecord(meta).status().IsIOError());
  EXPECT_TRUE(w->WaitDurable(first[0].commit_lsn).IsIOError());
  EXPECT_TRUE(w->Sync().IsIOError());
  w.reset();
  // Reopening recovers a consistent log.
  auto again = Unwrap(WalWriter::Open(fault, kDir, Opts(1 << 20)));
  EXPECT_GE(again->recovered().last_commit_lsn, first[0].commit_lsn);
}

TEST(WalDurabilityTest, FailedWriteMakesWriterUnusable) {
  auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
  auto w = Unwrap(WalWriter::Open(fault, kDir, Opts(1 << 20)));
  AppendTxns(*w, 1, 2);
  fault->FailWritesAfterBytes(0);
  std::vector<Record> c = {Put(1, "x", "y")};
  EXPECT_FALSE(w->AppendTransaction(3, c, TimeOf(3), 3).ok());
  fault->FailWritesAfterBytes(-1);
  Result<Lsn> r = w->AppendTransaction(4, c, TimeOf(4), 4);
  EXPECT_TRUE(r.status().IsIOError());
  EXPECT_THAT(r.status().message(), HasSubstr("wal is unusable after a failed write/sync"));
}

TEST(WalDurabilityTest, SyncModes) {
  {
    auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
    auto w = Unwrap(WalWriter::Open(fault, kDir, Opts(1 << 20, SyncMode::kNormal)));
    const uint64_t base = fault->stats().syncs;
    auto t = AppendTxns(*w, 1, 5);
    ASSERT_OK(w->WaitDurable(t.back().commit_lsn));
    EXPECT_EQ(fault->stats().syncs, base);  // kNormal: no fsync per commit
    ASSERT_OK(w->Sync());
    EXPECT_GT(fault->stats().syncs, base);
    EXPECT_EQ(w->durable_lsn(), w->last_lsn());
  }
  {
    auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
    auto w = Unwrap(WalWriter::Open(fault, kDir, Opts(200, SyncMode::kNormal)));
    const uint64_t base = fault->stats().syncs;
    AppendTxns(*w, 1, 20);  // several segments get sealed
    EXPECT_GT(fault->stats().syncs, base);
  }
  {
    auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem());
    auto w = Unwrap(WalWriter::Open(fault, kDir, Opts(200, SyncMode::kOff)));
    const uint64_t base = fault->stats().syncs;
    auto t = AppendTxns(*w, 1, 20);
    ASSERT_OK(w->WaitDurable(t.back().commit_lsn));
    EXPECT_EQ(fault->stats().syncs, base);  // kOff: never
    const size_t segments = Unwrap(fault->List(kDir)).size();
    ASSERT_GE(segments, 3u);
    ASSERT_OK(w->Sync());  // the sealed segments, the active one and the directory
    EXPECT_GE(fault->stats().syncs, base + segments);
    // Everything is durable now: a crash loses nothing.
    fault->Crash();
    w.reset();
    ASSERT_OK(fault->Restart());
    auto again = Unwrap(WalWriter::Open(fault, kDir, Opts(200, SyncMode::kOff)));
    EXPECT_EQ(again->recovered().last_lsn, t.back().commit_lsn);
  }
}

// Runs transactions against a FaultFileSystem that crashes after a random number of operations,
// restarts it, and checks that every acknowledged commit survived and the log is intact.
// kFull acknowledges after WaitDurable; kNormal only after an explicit Sync every few commits,
// so many unsynced writes are pending at the crash (random prefixes survive, the last torn).
void CrashRecovery(SyncMode mode, uint64_t seed) {
  auto fault = std::make_shared<fsx::FaultFileSystem>(fsx::NewMemoryFileSystem(), seed);
  std::mt19937_64 rng(seed);
  fault->CrashAfterOps(static_cast<int64_t>(5 + rng() % 150));
  std::vector<Appended> acked;
  {
    auto w = WalWriter::Open(fault, kDir, Opts(300, mode));
    std::vector<Appended> pending;
    for (int i = 1; w.ok() && i <= 200; i++) {
      Appended a;
      a.changes = TxnChanges(i);
      a.time_us = TimeOf(i);
      Result<Lsn> lsn = (*w)->AppendTransaction(i, a.changes, a.time_us, i);
      if (!lsn.ok()) break;
      a.commit_lsn = *lsn;
      pending.push_back(std::move(a));
      Status s = mode == SyncMode::kFull ? (*w)->WaitDurable(*lsn)
                 : i % 7 == 0            ? (*w)->Sync()
                                         : Status::NotFound("not synced yet");
      if (s.IsNotFound()) continue;
      if (!s.ok()) break;
      for (Appended& p : pending) acked.push_back(std::move(p));
      pending.clear();
    }
  }
  fault->Crash();
  ASSERT_OK(fault->Restart());
  auto w = WalWriter::Open(fault, kDir, Opts(300, mode));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  const Lsn acked_lsn = acked.empty() ? 0 : acked.back().commit_lsn;
  ASSERT_GE((*w)->recovered().last_commit_lsn, acked_lsn);
  std::vector<Record> records;
  ASSERT_OK(ReadAll(fault, 1, &records));
  ASSERT_EQ(records.size(), (*w)->recovered().last_lsn);
  ASSERT_TRUE(records.empty() || records.back().type == RecordType::kCommit);
  for (const Appended& a : acked) {
    for (const Record& c : a.changes) ExpectSameRecord(records[c.lsn - 1], c);
    EXPECT_EQ(records[a.commit_lsn - 1].commit_time_us, a.time_us);
  }
  // The recovered log accepts new transactions.
  std::vector<Record> c = {Put(1, "post", "crash")};
  ASSERT_TRUE((*w)->AppendTransaction(9999, c, TimeOf(100000), 1).ok());
  ASSERT_OK((*w)->WaitDurable((*w)->last_lsn()));
  ASSERT_OK((*w)->Sync());
}

TEST(WalDurabilityTest, CrashRecoveryKeepsEveryAcknowledgedCommit) {
  for (SyncMode mode : {SyncMode::kFull, SyncMode::kNormal}) {
    for (uint64_t seed = 1; seed <= 40; seed++) {
      SCOPED_TRACE("mode " + std::to_string(static_cast<int>(mode)) + " seed " +
                   std::to_string(seed));
      CrashRecovery(mode, seed);
      if (HasFatalFailure()) return;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Retention and time search

TEST(WalRetentionTest, RemoveSegmentsBeforeKeepsActiveAndEverythingAtOrAbove) {
  auto fs = fsx::NewMemoryFileSystem();
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(200)));
  AppendTxns(*w, 1, 30);
  std::vector<Record> all;
  ASSERT_OK(ReadAll(fs, 1, &all));
  std::vector<std::string> names = Unwrap(fs->List(kDir));
  ASSERT_GE(names.size(), 5u);
  std::vector<Lsn> starts;
  for (const Record& r : all) {
    if (Unwrap(fs->Exists(SegmentPath(r.lsn)))) starts.push_back(r.lsn);
  }
  ASSERT_EQ(starts.size(), names.size());

  // Cut in the middle of the third segment: the first two go, the third stays.
  const Lsn cut = starts[2] + 1;
  ASSERT_OK(w->RemoveSegmentsBefore(cut));
  EXPECT_FALSE(Unwrap(fs->Exists(SegmentPath(starts[0]))));
  EXPECT_FALSE(Unwrap(fs->Exists(SegmentPath(starts[1]))));
  EXPECT_TRUE(Unwrap(fs->Exists(SegmentPath(starts[2]))));
  std::vector<Record> rest;
  ASSERT_OK(ReadAll(fs, cut, &rest));
  EXPECT_EQ(rest.size(), all.size() - cut + 1);
  EXPECT_EQ(WalReader::Open(fs, kDir, starts[2] - 1).status().code(), StatusCode::kOutOfRange);
  rest.clear();
  ASSERT_OK(ReadAll(fs, kInvalidLsn, &rest));  // from the oldest kept record
  EXPECT_EQ(rest.front().lsn, starts[2]);

  // Exactly at a segment start: that segment stays, the ones before go.
  ASSERT_OK(w->RemoveSegmentsBefore(starts[3]));
  EXPECT_FALSE(Unwrap(fs->Exists(SegmentPath(starts[2]))));
  EXPECT_TRUE(Unwrap(fs->Exists(SegmentPath(starts[3]))));

  // Far past the end: only the active segment survives.
  const uint32_t chain = w->chain();
  ASSERT_OK(w->RemoveSegmentsBefore(1ull << 60));
  EXPECT_EQ(Unwrap(fs->List(kDir)).size(), 1u);
  EXPECT_TRUE(Unwrap(fs->Exists(SegmentPath(starts.back()))));

  // Reopen: state comes back from the remaining segment's header and records.
  w.reset();
  w = Unwrap(WalWriter::Open(fs, kDir, Opts(200)));
  EXPECT_EQ(w->recovered().first_lsn, starts.back());
  EXPECT_EQ(w->recovered().last_lsn, all.size());
  EXPECT_EQ(w->recovered().chain, chain);
  EXPECT_EQ(w->recovered().last_commit_time_us, TimeOf(30));
  EXPECT_EQ(w->recovered().max_txn_id, 30u);
  AppendTxns(*w, 31, 35);
  rest.clear();
  ASSERT_OK(ReadAll(fs, starts.back(), &rest));
  EXPECT_EQ(rest.back().lsn, w->last_lsn());
}

TEST(WalRetentionTest, RemovingAllSealedSegmentsKeepsTheLogPosition) {
  auto fs = fsx::NewMemoryFileSystem();
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(100)));
  AppendTxns(*w, 1, 5);
  const Lsn last = w->last_lsn();
  const uint32_t chain = w->chain();
  ASSERT_OK(w->RemoveSegmentsBefore(1ull << 60));
  w.reset();
  w = Unwrap(WalWriter::Open(fs, kDir, Opts(100)));
  EXPECT_EQ(w->recovered().last_lsn, last);
  EXPECT_EQ(w->recovered().chain, chain);
  EXPECT_EQ(w->recovered().last_commit_lsn, last);
  EXPECT_EQ(w->recovered().last_commit_time_us, TimeOf(5));
  std::vector<Record> c = {Put(1, "a", "b")};
  EXPECT_EQ(w->AppendTransaction(6, c, TimeOf(5), 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Unwrap(w->AppendTransaction(6, c, TimeOf(6), 1)), last + 2);
}

TEST(WalSearchTest, FindCommitAtOrBeforeAndCommitTime) {
  auto fs = fsx::NewMemoryFileSystem();
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(250)));
  std::vector<Appended> txns = AppendTxns(*w, 1, 40);
  ASSERT_GE(Unwrap(fs->List(kDir)).size(), 5u);

  auto check_all = [&](WalWriter& writer, Lsn first_kept) {
    for (size_t i = 0; i < txns.size(); i++) {
      const Appended& a = txns[i];
      Result<Lsn> exact = writer.FindCommitAtOrBefore(a.time_us);
      Result<Lsn> between = writer.FindCommitAtOrBefore(a.time_us + 500);
      Result<Lsn> just_before = writer.FindCommitAtOrBefore(a.time_us - 1);
      if (a.commit_lsn < first_kept) {
        EXPECT_EQ(exact.status().code(), StatusCode::kOutOfRange) << i;
        continue;
      }
      EXPECT_EQ(Unwrap(std::move(exact)), a.commit_lsn) << i;
      EXPECT_EQ(Unwrap(std::move(between)), a.commit_lsn) << i;
      if (i > 0 && txns[i - 1].commit_lsn >= first_kept) {
        EXPECT_EQ(Unwrap(std::move(just_before)), txns[i - 1].commit_lsn) << i;
      } else {
        EXPECT_EQ(just_before.status().code(), StatusCode::kOutOfRange) << i;
      }
      EXPECT_EQ(Unwrap(writer.CommitTime(a.commit_lsn)), a.time_us) << i;
    }
    EXPECT_EQ(Unwrap(writer.FindCommitAtOrBefore(int64_t{1} << 62)), txns.back().commit_lsn);
    EXPECT_EQ(writer.FindCommitAtOrBefore(0).status().code(), StatusCode::kOutOfRange);
  };
  check_all(*w, 1);
  EXPECT_EQ(w->CommitTime(txns[3].changes[0].lsn).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->CommitTime(w->last_lsn() + 1).status().code(), StatusCode::kOutOfRange);

  // After reopen the segment metadata is rebuilt from the headers.
  w.reset();
  w = Unwrap(WalWriter::Open(fs, kDir, Opts(250)));
  check_all(*w, 1);

  // After retention, commits in removed segments are out of range.
  ASSERT_OK(w->RemoveSegmentsBefore(txns[20].commit_lsn));
  std::vector<Record> kept;
  ASSERT_OK(ReadAll(fs, kInvalidLsn, &kept));
  const Lsn first_kept = kept.front().lsn;
  ASSERT_GT(first_kept, 1u);
  check_all(*w, first_kept);
  EXPECT_EQ(w->CommitTime(first_kept - 1).status().code(), StatusCode::kOutOfRange);
}

// ---------------------------------------------------------------------------------------------
// Concurrency and the local file system

void ConcurrentReadWhileWriting(std::shared_ptr<fsx::FileSystem> fs, uint64_t segment_bytes) {
  auto w = Unwrap(WalWriter::Open(fs, kDir, Opts(segment_bytes, SyncMode::kNormal)));
  constexpr int kTxns = 400;
  std::atomic<bool> done{false};
  std::vector<Appended> txns;
  std::thread writer([&] {
    txns = AppendTxns(*w, 1, kTxns);
    done = true;
  });
  auto reader = Unwrap(WalReader::Open(fs, kDir, 1));
  std::vector<Record> seen;
  for (;;) {
    const bool finished = done.load();
    Record r;
    Result<bool> more = reader->Next(&r);
    if (!more.ok()) {
      ADD_FAILURE() << more.status().ToString();
      break;
    }
    if (*more) {
      EXPECT_EQ(r.lsn, seen.size() + 1);
      seen.push_back(std::move(r));
      continue;
    }
    if (finished) break;
    std::this_thread::yield();
  }
  writer.join();
  ASSERT_EQ(seen.size(), w->last_lsn());
  size_t idx = 0;
  for (const Appended& a : txns) {
    for (const Record& c : a.changes) ExpectSameRecord(seen[idx++], c);
    EXPECT_EQ(seen[idx++].lsn, a.commit_lsn);
  }
}

TEST(WalConcurrencyTest, ReaderFollowsActiveWriter) {
  ConcurrentReadWhileWriting(fsx::NewMemoryFileSystem(), 2048);
}

class LocalDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dosql_wal_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    char cwd[4096];
    ASSERT_NE(getcwd(cwd, sizeof(cwd)), nullptr);
    old_cwd_ = cwd;
    fs_ = fsx::NewLocalFileSystem();
    // kDir is relative: run inside the temporary directory.
    ASSERT_EQ(chdir(root_.c_str()), 0);
  }
  void TearDown() override {
    EXPECT_EQ(chdir(old_cwd_.c_str()), 0);
    EXPECT_OK(fsx::RemoveAll(*fs_, root_));
  }
  std::string root_;
  std::string old_cwd_;
  std::shared_ptr<fsx::FileSystem> fs_;
};

TEST_F(LocalDirTest, LocalFileSystemEndToEnd) {
  std::vector<Appended> txns;
  uint32_t chain = 0;
  {
    auto w = Unwrap(WalWriter::Open(fs_, kDir, Opts(4096)));
    txns = AppendTxns(*w, 1, 150);
    ASSERT_OK(w->WaitDurable(w->last_lsn()));
    EXPECT_EQ(w->durable_lsn(), w->last_lsn());
    chain = w->chain();
  }
  EXPECT_TRUE(Unwrap(fs_->Exists(fsx::JoinPath(root_, kDir + "/" + SegmentName(1)))));
  auto w = Unwrap(WalWriter::Open(fs_, kDir, Opts(4096)));
  EXPECT_EQ(w->recovered().chain, chain);
  EXPECT_EQ(w->recovered().last_commit_lsn, txns.back().commit_lsn);
  std::vector<Record> records;
  ASSERT_OK(ReadAll(fs_, 1, &records));
  EXPECT_EQ(records.size(), txns.back().commit_lsn);
  EXPECT_EQ(Unwrap(w->FindCommitAtOrBefore(TimeOf(75) + 1)), txns[74].commit_lsn);
  w.reset();
  ASSERT_OK(fsx::RemoveAll(*fs_, kDir));
  ConcurrentReadWhileWriting(fs_, 4096);
}


// A transaction's changes encoded as they are made (ChangeBuffer) make the same log, byte for
// byte, as the same changes appended as Records; a truncated buffer (a savepoint rolled back
// to) leaves out exactly the dropped changes; ToRecords gives the changes back.
TEST(WalWriterTest, ChangeBufferWritesTheSameBytesAsRecords) {
  auto by_records = fsx::NewMemoryFileSystem();
  auto by_buffer = fsx::NewMemoryFileSystem();
  auto wr = Unwrap(WalWriter::Open(by_records, kDir, Opts(1 << 12)));
  auto wb = Unwrap(WalWriter::Open(by_buffer, kDir, Opts(1 << 12)));
  ChangeBuffer buf;
  for (int i = 1; i <= 40; i++) {
    std::vector<Record> changes = TxnChanges(i);
    Record create;
    create.type = RecordType::kCreateTree;
    create.tree_id = 100 + static_cast<uint64_t>(i);
    create.key.assign(1, '\x02');
    changes.push_back(create);
    buf.Reset(static_cast<uint64_t>(i));
    for (const Record& r : changes) {
      const std::string_view before(r.before), after(r.after);
      buf.Add(r.type, r.tree_id, r.key, r.has_before ? &before : nullptr,
              r.has_after ? &after : nullptr);
    }
    // A change added and dropped again, as after ROLLBACK TO.
    const size_t kept = buf.count();
    const std::string_view junk("dropped");
    buf.Add(RecordType::kPut, 5, "junk", nullptr, &junk);
    buf.Truncate(kept);
    ASSERT_EQ(buf.count(), changes.size());
    std::vector<Record> back = buf.ToRecords();
    ASSERT_EQ(back.size(), changes.size());
    for (size_t j = 0; j < back.size(); j++) {
      EXPECT_EQ(back[j].type, changes[j].type);
      EXPECT_EQ(back[j].tree_id, changes[j].tree_id);
      EXPECT_EQ(back[j].key, changes[j].key);
      EXPECT_EQ(back[j].has_before, changes[j].has_before);
      EXPECT_EQ(back[j].before, changes[j].before);
      EXPECT_EQ(back[j].has_after, changes[j].has_after);
      EXPECT_EQ(back[j].after, changes[j].after);
      EXPECT_EQ(back[j].txn_id, static_cast<uint64_t>(i));
    }
    const Lsn a = Unwrap(wr->AppendTransaction(static_cast<uint64_t>(i), changes, TimeOf(i), 7));
    const Lsn b = Unwrap(wb->AppendTransaction(buf, TimeOf(i), 7));
    EXPECT_EQ(a, b);
    EXPECT_EQ(buf.count(), changes.size());  // the buffer keeps its changes
  }
  EXPECT_EQ(Snapshot(*by_records), Snapshot(*by_buffer));
  std::vector<Record> read;
  ASSERT_TRUE(ReadAll(by_buffer, 1, &read).ok());
  EXPECT_EQ(read.back().lsn, wb->last_lsn());
}

// A transaction bigger than a ChangeBuffer chunk (records of every size, some bigger than a
// chunk) is written as the same bytes as the Records path; a savepoint rolled back across chunk
// boundaries drops exactly its changes, and the kept chunks serve the next transaction.
TEST(WalWriterTest, ChangeBufferSpanningChunksWritesTheSameBytesAsRecords) {
  auto by_records = fsx::NewMemoryFileSystem();
  auto by_buffer = fsx::NewMemoryFileSystem();
  auto wr = Unwrap(WalWriter::Open(by_records, kDir, Opts(1 << 20)));
  auto wb = Unwrap(WalWriter::Open(by_buffer, kDir, Opts(1 << 20)));
  ChangeBuffer buf;
  std::mt19937 rng(7);
  auto change = [&](uint64_t txn, int j) {
    Record r;
    r.type = j % 7 == 3 ? RecordType::kDelete : RecordType::kPut;
    r.tree_id = 3 + static_cast<uint64_t>(j % 4);
    r.key = "k" + std::to_string(txn) + "." + std::to_string(j);
    const size_t len = j % 97 == 5 ? 100000 + rng() % 50000 : rng() % 300;
    r.has_before = j % 3 == 0;
    if (r.has_before) r.before.assign(len / 2, static_cast<char>('a' + j % 26));
    r.has_after = r.type == RecordType::kPut;
    if (r.has_after) r.after.assign(len, static_cast<char>('A' + j % 26));
    return r;
  };
  auto add = [&](const Record& r) {
    const std::string_view before(r.before), after(r.after);
    buf.Add(r.type, r.tree_id, r.key, r.has_before ? &before : nullptr,
            r.has_after ? &after : nullptr);
  };
  for (uint64_t txn = 1; txn <= 3; txn++) {
    buf.Reset(txn);
    std::vector<Record> changes;
    for (int j = 0; j < 3000; j++) {
      changes.push_back(change(txn, j));
      add(changes.back());
    }
    const size_t bytes = buf.encoded_bytes();
    ASSERT_GT(bytes, size_t{1} << 20);  // many chunks
    // Changes after a savepoint, across several chunks, rolled back.
    for (int j = 0; j < 2000; j++) add(change(txn + 100, j));
    buf.Truncate(changes.size());
    ASSERT_EQ(buf.count(), changes.size());
    ASSERT_EQ(buf.encoded_bytes(), bytes);
    // A rollback into the middle of the kept changes, then more changes.
    buf.Truncate(1234);
    changes.resize(1234);
    for (int j = 3000; j < 3500; j++) {
      changes.push_back(change(txn, j));
      add(changes.back());
    }
    std::vector<Record> back = buf.ToRecords();
    ASSERT_EQ(back.size(), changes.size());
    for (size_t j = 0; j < back.size(); j++) {
      ASSERT_EQ(back[j].key, changes[j].key);
      ASSERT_EQ(back[j].after, changes[j].after);
      ASSERT_EQ(back[j].before, changes[j].before);
    }
    const Lsn a = Unwrap(wr->AppendTransaction(txn, changes, TimeOf(static_cast<int>(txn)), 7));
    const Lsn b = Unwrap(wb->AppendTransaction(buf, TimeOf(static_cast<int>(txn)), 7));
    EXPECT_EQ(a, b);
    EXPECT_EQ(buf.count(), changes.size());
    buf.Clear(size_t{1} << 20);
    EXPECT_TRUE(buf.empty());
    EXPECT_EQ(buf.encoded_bytes(), 0u);
  }
  EXPECT_EQ(Snapshot(*by_records), Snapshot(*by_buffer));
  std::vector<Record> read;
  ASSERT_OK(ReadAll(by_buffer, 1, &read));
  EXPECT_EQ(read.back().lsn, wb->last_lsn());
}

}  // namespace
}  // namespace dosql::wal
