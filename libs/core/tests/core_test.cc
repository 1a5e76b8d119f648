#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include <sys/mman.h>
#include <unistd.h>

#include "dosql/core/coding.h"
#include "dosql/core/crc32c.h"
#include "dosql/core/hash.h"
#include "dosql/core/hlc.h"
#include "dosql/core/record.h"
#include "dosql/core/status.h"
#include "dosql/core/value.h"

namespace dosql {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}
Result<int> Quarter(int x) {
  DOSQL_ASSIGN_OR_RETURN(int h, Half(x));
  DOSQL_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, PropagatesAndFormats) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().ToString(), "InvalidArgument: odd: 3");
  EXPECT_EQ(Status::Corruption("x").WithContext("page 7").ToString(), "Corruption: page 7: x");
  EXPECT_TRUE(Status::OK().ok());
}

TEST(CodingTest, VarintRoundTripAndTruncation) {
  std::vector<uint64_t> vals = {0, 1, 127, 128, 300, 1ULL << 32, ~0ULL, (1ULL << 63) + 5};
  for (uint64_t v : vals) {
    std::string s;
    PutVarint64(&s, v);
    EXPECT_EQ(static_cast<int>(s.size()), VarintLength(v));
    std::string_view in = s;
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
    EXPECT_TRUE(in.empty());
    std::string_view cut = std::string_view(s).substr(0, s.size() - 1);
    EXPECT_FALSE(GetVarint64(&cut, &got)) << v;
  }
  std::string overlong(11, '\x80');
  std::string_view in = overlong;
  uint64_t got;
  EXPECT_FALSE(GetVarint64(&in, &got));
  for (int64_t v : std::vector<int64_t>{0, -1, 1, -64, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(ZigZagDecode(ZigZagEncode(v)), v);
  }
}

TEST(Crc32cTest, KnownVectorsAndHardwareMatchesPortable) {
  // RFC 3720 B.4 test vectors.
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c::Value(zeros), 0x8a9136aau);
  std::string ones(32, '\xff');
  EXPECT_EQ(crc32c::Value(ones), 0x62a8ab43u);
  EXPECT_EQ(crc32c::Value("123456789"), 0xe3069283u);
  std::mt19937_64 rng(1);
  std::string buf(4099, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (size_t off : {0, 1, 3, 7}) {
    for (size_t n : {0, 1, 8, 15, 767, 768, 769, 1000, 1543, 2304, 4090}) {
      EXPECT_EQ(crc32c::Extend(0, buf.data() + off, n),
                crc32c::ExtendPortable(0, buf.data() + off, n));
    }
  }
  uint32_t whole = crc32c::Value(buf);
  uint32_t part = crc32c::Extend(crc32c::Value(buf.data(), 1000), buf.data() + 1000, 3099);
  EXPECT_EQ(whole, part);
}

TEST(HashTest, StableAndSpread) {
  EXPECT_EQ(Hash64("", 0), Hash64("", 0));
  EXPECT_NE(Hash64("a"), Hash64("b"));
  EXPECT_NE(Hash64("abc", 1), Hash64("abc", 2));
  std::string long_s(100, 'x');
  std::string long_t = long_s;
  long_t[77] = 'y';
  EXPECT_NE(Hash64(long_s), Hash64(long_t));
  // XXH64 reference values for the empty input with seed 0 and for "a".
  EXPECT_EQ(Hash64("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(Hash64("a", 0), 0xD24EC4F1A98C6E5BULL);
}

TEST(HlcTest, MonotonicEvenWhenWallClockGoesBack) {
  uint64_t now = 1000;
  HybridLogicalClock clock([&] { return now; });
  HlcTimestamp a = clock.Now();
  now = 500;  // clock steps back
  HlcTimestamp b = clock.Now();
  EXPECT_LT(a, b);
  EXPECT_EQ(b.physical_ms(), 1000u);
  EXPECT_EQ(b.logical(), 1);
  HlcTimestamp remote = HlcTimestamp::Make(5000, 7);
  HlcTimestamp c = clock.Update(remote);
  EXPECT_GT(c, remote);
  now = 6000;
  HlcTimestamp d = clock.Now();
  EXPECT_EQ(d.physical_ms(), 6000u);
  EXPECT_EQ(d.logical(), 0);
  MonotonicMicros m;
  m.Observe(WallMicros() + 10'000'000);
  int64_t x = m.Next(), y = m.Next();
  EXPECT_LT(x, y);
}

// Identity, not SQL equality: the storage class and the bits or bytes.
TEST(ValueTest, IdenticalValuesComparesClassAndBits) {
  EXPECT_TRUE(IdenticalValues(Value::Null(), Value::Null()));
  EXPECT_TRUE(IdenticalValues(Value::Integer(7), Value::Integer(7)));
  EXPECT_FALSE(IdenticalValues(Value::Integer(1), Value::Real(1.0)));
  EXPECT_TRUE(IdenticalValues(Value::Real(2.5), Value::Real(2.5)));
  EXPECT_FALSE(IdenticalValues(Value::Real(0.0), Value::Real(-0.0)));
  EXPECT_TRUE(IdenticalValues(Value::Text("a"), Value::Text("a")));
  EXPECT_FALSE(IdenticalValues(Value::Text("a"), Value::Text("A")));
  EXPECT_FALSE(IdenticalValues(Value::Text("a"), Value::Blob("a")));
  EXPECT_FALSE(IdenticalValues(Value::Null(), Value::Integer(0)));
}

TEST(ValueTest, CrossClassOrder) {
  std::vector<Value> ordered = {Value::Null(),        Value::Integer(-5),  Value::Real(-4.5),
                                Value::Integer(0),    Value::Real(0.5),    Value::Integer(1),
                                Value::Text(""),      Value::Text("a"),    Value::Text("b"),
                                Value::Blob(""),      Value::Blob("\x01")};
  for (size_t i = 0; i < ordered.size(); i++) {
    for (size_t j = 0; j < ordered.size(); j++) {
      int c = Value::Compare(ordered[i], ordered[j]);
      EXPECT_EQ(c < 0, i < j) << ordered[i].DebugString() << " vs " << ordered[j].DebugString();
      EXPECT_EQ(c == 0, i == j);
    }
  }
  EXPECT_EQ(Value::Compare(Value::Integer(3), Value::Real(3.0)), 0);
  // 2^53 + 1 is not representable as a double; exact comparison still orders it.
  int64_t big = (1LL << 53) + 1;
  EXPECT_GT(Value::Compare(Value::Integer(big), Value::Real(static_cast<double>(1LL << 53))), 0);
  EXPECT_LT(Value::Compare(Value::Integer(std::numeric_limits<int64_t>::max()),
                           Value::Real(9223372036854775808.0)),
            0);
}

TEST(RecordTest, RoundTripEveryClass) {
  std::vector<Value> row = {Value::Null(),
                            Value::Integer(0),
                            Value::Integer(1),
                            Value::Integer(-1),
                            Value::Integer(200),
                            Value::Integer(-70000),
                            Value::Integer(1LL << 40),
                            Value::Integer(std::numeric_limits<int64_t>::min()),
                            Value::Real(3.25),
                            Value::Text("héllo"),
                            Value::Blob(std::string("\0\1\2", 3)),
                            Value::Text("")};
  std::string rec = EncodeRecord(row);
  auto back = DecodeRecord(rec);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), row.size());
  for (size_t i = 0; i < row.size(); i++) {
    EXPECT_EQ((*back)[i].type(), row[i].type()) << i;
    EXPECT_EQ(Value::Compare((*back)[i], row[i]), 0) << i;
  }
  RecordReader r;
  ASSERT_TRUE(r.Init(rec).ok());
  EXPECT_EQ(r.ColumnType(9), ValueType::kText);
  EXPECT_TRUE(r.Column(40)->is_null());  // past the end reads NULL
}

TEST(RecordTest, MalformedBytesGiveCorruption) {
  std::vector<Value> row = {Value::Integer(123456), Value::Text("abcdef"), Value::Real(1.5)};
  std::string rec = EncodeRecord(row);
  for (size_t cut = 0; cut < rec.size(); cut++) {
    auto r = DecodeRecord(std::string_view(rec).substr(0, cut));
    if (cut == 0) {
      EXPECT_FALSE(r.ok());
      continue;
    }
    EXPECT_FALSE(r.ok()) << cut;
    if (!r.ok()) {
      EXPECT_TRUE(r.status().IsCorruption());
    }
  }
  // Every single-byte change either decodes to something or reports Corruption; never crashes.
  for (size_t i = 0; i < rec.size(); i++) {
    for (int bit = 0; bit < 8; bit++) {
      std::string bad = rec;
      bad[i] ^= static_cast<char>(1 << bit);
      auto r = DecodeRecord(bad);
      if (!r.ok()) {
        EXPECT_TRUE(r.status().IsCorruption());
      }
    }
  }
}

TEST(RecordTest, DecodeColumnsSelectsAndStops) {
  std::vector<Value> row = {Value::Integer(7),   Value::Text("seven"),
                            Value::Null(),       Value::Real(-2.5),
                            Value::Integer(1),   Value::Blob(std::string("\xff\x00", 2)),
                            Value::Integer(1LL << 50)};
  const std::string rec = EncodeRecord(row);
  // Every limit, with every column wanted and with every other one.
  for (size_t limit = 0; limit <= row.size() + 2; limit++) {
    for (int pattern = 0; pattern < 2; pattern++) {
      std::vector<char> wanted(limit, 1);
      if (pattern == 1) {
        for (size_t i = 0; i < limit; i++) wanted[i] = static_cast<char>(i % 2);
      }
      std::vector<Value> out(row.size() + 2, Value::Text("untouched"));
      size_t count = 0;
      ASSERT_TRUE(DecodeRecordColumns(rec, limit, pattern == 0 ? nullptr : wanted.data(),
                                      out.data(), &count)
                      .ok());
      EXPECT_EQ(count, row.size());
      for (size_t i = 0; i < out.size(); i++) {
        const bool decoded = i < limit && i < row.size() && (pattern == 0 || wanted[i]);
        if (decoded) {
          EXPECT_EQ(out[i].type(), row[i].type()) << i;
          EXPECT_EQ(Value::Compare(out[i], row[i]), 0) << i;
        } else {
          EXPECT_EQ(out[i].type(), ValueType::kText) << i;
          EXPECT_EQ(out[i].bytes(), "untouched") << i;
        }
      }
    }
  }
  // Truncations and bit flips: Corruption or a result, never a read out of bounds.
  for (size_t cut = 0; cut < rec.size(); cut++) {
    std::vector<Value> out(row.size());
    size_t count = 0;
    Status st = DecodeRecordColumns(std::string_view(rec).substr(0, cut), row.size(), nullptr,
                                    out.data(), &count);
    EXPECT_FALSE(st.ok()) << cut;
    EXPECT_TRUE(st.IsCorruption()) << cut;
  }
  for (size_t i = 0; i < rec.size(); i++) {
    for (int bit = 0; bit < 8; bit++) {
      std::string bad = rec;
      bad[i] ^= static_cast<char>(1 << bit);
      std::vector<Value> out(row.size() + 300);
      size_t count = 0;
      Status st = DecodeRecordColumns(bad, out.size(), nullptr, out.data(), &count);
      if (!st.ok()) EXPECT_TRUE(st.IsCorruption());
    }
  }
}

// A row of n random values of every storage class; texts and blobs long enough for two- and
// three-byte serial types (headers whose varints span several bytes), and the
// integer constants 0 and 1 (bodiless serial types 8 and 9). `mostly_short`: texts and blobs
// under 58 bytes (one-byte serial types) but one in 40.
std::vector<Value> RandomRow(std::mt19937_64& rng, size_t n, bool mostly_short = false) {
  auto length = [&](size_t usual) -> size_t {
    if (!mostly_short) return usual;
    return rng() % 40 == 0 ? 58 + rng() % 100 : rng() % 58;
  };
  std::vector<Value> row;
  for (size_t i = 0; i < n; i++) {
    switch (rng() % 6) {
      case 0:
        row.push_back(Value::Null());
        break;
      case 1:
        row.push_back(Value::Integer(static_cast<int64_t>(rng()) >> (rng() % 64)));
        break;
      case 2:
        row.push_back(Value::Real(static_cast<double>(rng() % 100000) / 7.0));
        break;
      case 3:
        row.push_back(
            Value::Text(std::string(length(rng() % 3 == 0 ? rng() % 9000 : rng() % 60), 'x')));
        break;
      case 4:
        row.push_back(Value::Blob(std::string(length(rng() % 300), '\x80')));
        break;
      default:
        row.push_back(Value::Integer(static_cast<int64_t>(rng() % 2)));
        break;
    }
  }
  return row;
}

// Records of many shapes (up to 40 columns; texts and blobs long enough for two- and three-byte
// serial types, so headers whose varints span several bytes): DecodeRecordColumns agrees with
// RecordReader for every column limit, and a truncated header is Corruption.
TEST(RecordTest, DecodeColumnsAgreesWithReaderOnManyShapes) {
  std::mt19937_64 rng(20261127);
  for (int round = 0; round < 400; round++) {
    const size_t n = rng() % 41;
    const std::vector<Value> row = RandomRow(rng, n);
    const std::string rec = EncodeRecord(row);
    RecordReader reader;
    ASSERT_TRUE(reader.Init(rec).ok());
    for (size_t limit = 0; limit <= n; limit += 1 + n / 8) {
      std::vector<Value> out(n);
      size_t count = 0;
      ASSERT_TRUE(DecodeRecordColumns(rec, limit, nullptr, out.data(), &count).ok());
      ASSERT_EQ(count, n);
      for (size_t i = 0; i < limit; i++) {
        auto v = reader.Column(i);
        ASSERT_TRUE(v.ok());
        ASSERT_EQ(out[i].type(), v->type()) << round << " " << i;
        ASSERT_EQ(Value::Compare(out[i], *v), 0) << round << " " << i;
      }
    }
    // Any cut inside the header is Corruption.
    size_t header_end = 1;
    for (size_t ends = 0; ends < n; header_end++) {
      if (static_cast<uint8_t>(rec[header_end]) < 0x80) ends++;
    }
    for (size_t cut = 0; cut < header_end; cut++) {
      std::vector<Value> out(n);
      size_t count = 0;
      Status st =
          DecodeRecordColumns(std::string_view(rec).substr(0, cut), n, nullptr, out.data(), &count);
      ASSERT_TRUE(st.IsCorruption()) << round << " cut " << cut;
    }
  }
}

// LazyRecordReader agrees with RecordReader column by column, whatever order the columns are
// asked for in, across records of many shapes; columns past the record (or past kMaxColumns)
// are "absent"; a record cut short is Corruption from Reset or Column, never a read past it.
TEST(RecordTest, LazyReaderAgreesWithReaderInAnyOrder) {
  std::mt19937_64 rng(20261128);
  auto view_equals = [](const ColumnView& c, const Value& v) {
    if (c.type != v.type()) return false;
    switch (c.type) {
      case ValueType::kNull:
        return true;
      case ValueType::kInteger:
        return c.integer == v.integer();
      case ValueType::kReal:
        return c.real == v.real();
      default:
        return c.bytes == v.view();
    }
  };
  for (int round = 0; round < 400; round++) {
    const size_t n = rng() % 80;
    const std::vector<Value> row = RandomRow(rng, n);
    const std::string rec = EncodeRecord(row);
    LazyRecordReader lazy;
    ASSERT_TRUE(lazy.Reset(rec).ok());
    ASSERT_EQ(lazy.column_count(), n);
    for (int probe = 0; probe < 30; probe++) {
      const size_t i = rng() % (n + 3);
      ColumnView c;
      auto got = lazy.Column(i, &c);
      ASSERT_TRUE(got.ok()) << round << " " << i;
      if (i >= n || i >= LazyRecordReader::kMaxColumns) {
        EXPECT_FALSE(*got) << round << " " << i;
        continue;
      }
      ASSERT_TRUE(*got);
      ASSERT_TRUE(view_equals(c, row[i])) << round << " " << i;
    }
    // Cut short: Reset or a Column call reports Corruption (some cut keeps every column asked).
    const size_t cut = rng() % (rec.size() + 1);
    if (cut == rec.size()) continue;
    const std::string part = rec.substr(0, cut);  // its own buffer: reads past it would show
    Status st = lazy.Reset(part);
    if (st.ok()) {
      for (size_t i = 0; i < n && st.ok(); i++) {
        ColumnView c;
        auto got = lazy.Column(i, &c);
        st = got.status();
      }
      if (n > 0 && n <= LazyRecordReader::kMaxColumns) EXPECT_FALSE(st.ok()) << round;
    }
    if (!st.ok()) EXPECT_TRUE(st.IsCorruption()) << round << " " << st.ToString();
  }
}

// `size` bytes (a multiple of the page size) followed by a page that may not be read.
class GuardedBuffer {
 public:
  explicit GuardedBuffer(size_t size) : size_(size) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    map_ = static_cast<char*>(
        mmap(nullptr, size_ + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    EXPECT_NE(map_, MAP_FAILED);
    EXPECT_EQ(mprotect(map_ + size_, page, PROT_NONE), 0);
    total_ = size_ + page;
  }
  ~GuardedBuffer() { munmap(map_, total_); }
  char* data() { return map_; }
  size_t size() const { return size_; }

 private:
  char* map_ = nullptr;
  size_t size_ = 0, total_ = 0;
};

// ReadShortHeader locates columns 0..last exactly where LazyRecordReader finds them (and
// ShortHeaderValue decodes them as they were written), for records whose serial types up to
// `last` are one byte each (longer ones after them passed over; the SSE2 path for `last` < 16
// and records over 16 bytes, the scalar one otherwise); it declines every other record (a
// two-byte serial type up to `last`, too few columns, a header or a body of a wanted column past
// the end of a record cut short), never reading past it.
TEST(RecordTest, ShortHeaderAgreesWithLazyReader) {
  std::mt19937_64 rng(20261129);
  auto same = [](const ColumnView& a, const ColumnView& b) {
    return a.type == b.type && a.integer == b.integer &&
           (a.real == b.real || (std::isnan(a.real) && std::isnan(b.real))) && a.bytes == b.bytes;
  };
  int read = 0, declined = 0;
  GuardedBuffer guard(64 * 1024);
  for (int round = 0; round < 6000; round++) {
    const size_t n = rng() % (round % 3 == 0 ? 80 : 20);
    const std::vector<Value> row = RandomRow(rng, n, /*mostly_short=*/true);
    const std::string full = EncodeRecord(row);
    const bool cut = round % 5 == 4 && !full.empty();
    const std::string bytes = cut ? full.substr(0, rng() % full.size()) : full;
    if (bytes.size() > guard.size()) continue;
    // The record ends where the guard page begins: a read past it faults.
    char* at = guard.data() + guard.size() - bytes.size();
    std::memcpy(at, bytes.data(), bytes.size());
    const std::string_view rec(at, bytes.size());
    const size_t last = rng() % std::min<size_t>(n + 2, ShortHeader::kMaxColumns);
    ShortHeader h;
    const bool ok = ReadShortHeader(rec, last, &h);
    // Serial types 0..last one byte each (longer ones after them are passed over).
    bool one_byte_types = n < 0x80 && last < n;
    for (size_t i = 0; one_byte_types && i <= last; i++) {
      one_byte_types &= (static_cast<uint8_t>(full[1 + i]) & 0x80) == 0;
    }
    if (!cut) {
      ASSERT_EQ(ok, one_byte_types) << round << " n " << n << " last " << last;
    }
    if (!ok) {
      declined++;
      continue;
    }
    read++;
    ASSERT_TRUE(one_byte_types) << round;
    LazyRecordReader lazy;
    ASSERT_TRUE(lazy.Reset(full).ok()) << round;
    for (size_t i = 0; i <= last; i++) {
      ColumnView want, got;
      ASSERT_TRUE(*lazy.Column(i, &want)) << round << " " << i;
      ShortHeaderColumn(h, i, &got);
      ASSERT_TRUE(same(want, got)) << round << " column " << i;
      Value decoded = Value::Text("reused buffer");
      ShortHeaderValue(h, i, &decoded);
      ASSERT_EQ(decoded.type(), row[i].type()) << round << " column " << i;
      ASSERT_EQ(Value::Compare(decoded, row[i]), 0) << round << " column " << i;
      if (got.type == ValueType::kText || got.type == ValueType::kBlob) {
        ASSERT_LE(got.bytes.data() + got.bytes.size(), rec.data() + rec.size())
            << round << " " << i;
      }
    }
  }
  EXPECT_GT(read, 1000);
  EXPECT_GT(declined, 1000);
}

// LazyRecordReader::DecodeColumns gives what DecodeRecordColumns gives (values, column count,
// the slots of unwanted columns untouched), after any partial walk by Column; a record cut
// short is Corruption from one of them, and only then.
TEST(RecordTest, LazyDecodeColumnsAgreesWithDecodeRecordColumns) {
  std::mt19937_64 rng(20261130);
  for (int round = 0; round < 400; round++) {
    const size_t n = rng() % 80;
    const std::vector<Value> row = RandomRow(rng, n);
    std::string rec = EncodeRecord(row);
    if (round % 4 == 3 && !rec.empty()) rec.resize(rng() % rec.size());  // cut short
    const size_t limit = rng() % (n + 3);
    std::vector<char> wanted(limit + 1);
    for (char& w : wanted) w = static_cast<char>(rng() % 3 != 0);
    const char* mask = round % 5 == 0 ? nullptr : wanted.data();
    std::vector<Value> want(n + 3, Value::Text("untouched")), got(n + 3, Value::Text("untouched"));
    size_t want_count = 0, got_count = 0;
    Status want_st = DecodeRecordColumns(rec, limit, mask, want.data(), &want_count);
    LazyRecordReader lazy;
    Status got_st = lazy.Reset(rec);
    if (got_st.ok() && std::min(n, limit) > 0) {
      ColumnView c;  // a walk part of the way first (within the columns decoded)
      got_st = lazy.Column(rng() % std::min(n, limit), &c).status();
    }
    if (got_st.ok()) got_st = lazy.DecodeColumns(limit, mask, got.data(), &got_count);
    ASSERT_EQ(want_st.ok(), got_st.ok())
        << round << " " << want_st.ToString() << " / " << got_st.ToString();
    if (!want_st.ok()) {
      EXPECT_TRUE(got_st.IsCorruption()) << round;
      continue;
    }
    ASSERT_EQ(want_count, got_count) << round;
    for (size_t i = 0; i < want.size(); i++) {
      ASSERT_EQ(want[i].type(), got[i].type()) << round << " " << i;
      if (want[i].type() == ValueType::kReal) {
        EXPECT_EQ(want[i].real(), got[i].real()) << round << " " << i;
      } else if (want[i].type() == ValueType::kInteger) {
        EXPECT_EQ(want[i].integer(), got[i].integer()) << round << " " << i;
      } else if (want[i].type() != ValueType::kNull) {
        EXPECT_EQ(want[i].view(), got[i].view()) << round << " " << i;
      }
    }
  }
}

TEST(RecordTest, ProjectRecordKeepsTheWantedColumnsAndNullsTheRest) {
  std::mt19937_64 rng(20261129);
  std::string projected;
  for (int round = 0; round < 400; round++) {
    const size_t n = rng() % 40;
    const std::vector<Value> row = RandomRow(rng, n);
    const std::string rec = EncodeRecord(row);
    std::vector<char> wanted(rng() % (n + 3));
    for (char& w : wanted) w = static_cast<char>(rng() % 2);
    ASSERT_TRUE(ProjectRecord(rec, wanted.data(), wanted.size(), &projected).ok()) << round;
    std::vector<Value> expected = row;
    for (size_t i = 0; i < n; i++) {
      if (i >= wanted.size() || !wanted[i]) expected[i] = Value();
    }
    EXPECT_EQ(projected, EncodeRecord(expected)) << round;
    // Cut short: Corruption, never a read past the bytes.
    const size_t cut = rng() % (rec.size() + 1);
    if (cut == rec.size()) continue;
    const std::string part = rec.substr(0, cut);
    Status st = ProjectRecord(part, wanted.data(), wanted.size(), &projected);
    if (n > 0 || cut == 0) EXPECT_TRUE(st.IsCorruption()) << round << " " << st.ToString();
  }
}

TEST(KeyTest, RowidKeysSortAsIntegers) {
  std::vector<int64_t> ids = {std::numeric_limits<int64_t>::min(), -100, -1, 0, 1, 255, 256,
                              std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i + 1 < ids.size(); i++) {
    EXPECT_LT(RowidKey(ids[i]), RowidKey(ids[i + 1]));
    EXPECT_EQ(*DecodeRowidKey(RowidKey(ids[i])), ids[i]);
  }
  EXPECT_FALSE(DecodeRowidKey(std::string_view("abc")).ok());
}

TEST(KeyTest, MemcmpOrderMatchesValueOrder) {
  std::mt19937_64 rng(42);
  std::vector<Value> vals = {Value::Null(),
                             Value::Integer(std::numeric_limits<int64_t>::min()),
                             Value::Integer(std::numeric_limits<int64_t>::max()),
                             Value::Integer(std::numeric_limits<int64_t>::max() - 1),
                             Value::Real(9223372036854775808.0),
                             Value::Real(-9223372036854775808.0),
                             Value::Integer((1LL << 53) + 1),
                             Value::Real(static_cast<double>(1LL << 53)),
                             Value::Real(-0.0),
                             Value::Real(0.0),
                             Value::Integer(0),
                             Value::Real(std::numeric_limits<double>::infinity()),
                             Value::Real(-std::numeric_limits<double>::infinity()),
                             Value::Text(""),
                             Value::Text(std::string("a\0b", 3)),
                             Value::Text("a"),
                             Value::Text("ab"),
                             Value::Blob(""),
                             Value::Blob(std::string("\0", 1)),
                             Value::Blob("\xff")};
  for (int i = 0; i < 200; i++) {
    switch (rng() % 4) {
      case 0: vals.push_back(Value::Integer(static_cast<int64_t>(rng()))); break;
      case 1: vals.push_back(Value::Integer(static_cast<int64_t>(rng() % 1000) - 500)); break;
      case 2: vals.push_back(Value::Real((static_cast<double>(rng() % 100000) - 50000) / 7.0)); break;
      case 3: {
        std::string s(rng() % 4, '\0');
        for (auto& c : s) c = "a\0b"[rng() % 3];
        vals.push_back(rng() % 2 ? Value::Text(s) : Value::Blob(s));
      }
    }
  }
  for (bool desc : {false, true}) {
    for (size_t i = 0; i < vals.size(); i++) {
      std::string ki;
      AppendKeyValue(vals[i], desc, &ki);
      std::string_view in = ki;
      Value back;
      ASSERT_TRUE(DecodeKeyValue(&in, desc, &back).ok());
      EXPECT_TRUE(in.empty());
      EXPECT_EQ(Value::Compare(back, vals[i]), 0) << vals[i].DebugString();
      if (!vals[i].is_numeric()) {  // NULL, TEXT and BLOB come back as they were, byte for byte
        EXPECT_EQ(back.type(), vals[i].type());
        if (!vals[i].is_null()) EXPECT_EQ(back.bytes(), vals[i].bytes());
      }
      // Skipping consumes exactly the value; a cut anywhere in it is Corruption for both.
      const std::string with_tail = ki + "tail";
      std::string_view rest = with_tail;
      ASSERT_TRUE(SkipKeyValue(&rest, desc).ok());
      EXPECT_EQ(rest, "tail");
      for (size_t cut = 0; cut < ki.size(); cut++) {
        std::string_view part(ki.data(), cut);
        std::string_view part2 = part;
        EXPECT_EQ(SkipKeyValue(&part, desc).code(), StatusCode::kCorruption) << cut;
        EXPECT_EQ(DecodeKeyValue(&part2, desc, &back).code(), StatusCode::kCorruption) << cut;
      }
      for (size_t j = 0; j < vals.size(); j++) {
        std::string kj;
        AppendKeyValue(vals[j], desc, &kj);
        int vc = Value::Compare(vals[i], vals[j]);
        int kc = ki.compare(kj);
        kc = kc < 0 ? -1 : (kc > 0 ? 1 : 0);
        if (desc) vc = -vc;
        EXPECT_EQ(kc, vc) << vals[i].DebugString() << " vs " << vals[j].DebugString();
      }
    }
  }
}

TEST(KeyTest, CompositeKeysCompareColumnByColumn) {
  std::string a = EncodeKey(std::vector<Value>{Value::Text("a"), Value::Integer(9)});
  std::string b = EncodeKey(std::vector<Value>{Value::Text("ab"), Value::Integer(1)});
  EXPECT_LT(a, b);  // "a" < "ab" decides before the second column
  auto back = DecodeKey(a);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->size(), 2u);
  std::string bad = a.substr(0, 2);
  EXPECT_TRUE(DecodeKey(bad).status().IsCorruption());
}

}  // namespace
}  // namespace dosql
