#include "dosql/core/record.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#include "dosql/core/coding.h"

namespace dosql {
namespace {

using record_internal::BodySize;
using record_internal::IntBody;
using record_internal::IntBytesForSerial;
using record_internal::kReservedType;
using record_internal::kSmallBodySize;

uint64_t SerialTypeFor(const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: return 0;
    case ValueType::kInteger: {
      int64_t i = v.integer();
      if (i == 0) return 8;
      if (i == 1) return 9;
      if (i >= -128 && i <= 127) return 1;
      if (i >= -32768 && i <= 32767) return 2;
      if (i >= -8388608 && i <= 8388607) return 3;
      if (i >= -2147483648LL && i <= 2147483647LL) return 4;
      if (i >= -140737488355328LL && i <= 140737488355327LL) return 5;
      return 6;
    }
    case ValueType::kReal: return 7;
    case ValueType::kText: return 13 + 2 * static_cast<uint64_t>(v.bytes().size());
    case ValueType::kBlob: return 12 + 2 * static_cast<uint64_t>(v.bytes().size());
  }
  return 0;
}

// A varint of a record header; below 128 (nearly every count and serial type) it is one byte,
// read inline.
inline bool GetHeaderVarint(std::string_view* in, uint64_t* v) {
  if (!in->empty() && static_cast<uint8_t>((*in)[0]) < 0x80) {
    *v = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    return true;
  }
  return GetVarint64(in, v);
}

// The column count at the front of a record, checked against the bytes after it.
inline Status ReadColumnCount(std::string_view* in, uint64_t* n) {
  if (!GetHeaderVarint(in, n)) return Status::Corruption("record: bad column count");
  if (*n > in->size()) return Status::Corruption("record: column count exceeds record size");
  return Status::OK();
}

// One column body of serial type st at p (its length already checked) into *out.
inline Status DecodeBody(uint64_t st, const uint8_t* p, Value* out) {
  switch (st) {
    case 0: out->SetNull(); return Status::OK();
    case 7: out->SetReal(std::bit_cast<double>(DecodeFixed64(p))); return Status::OK();
    case 8: out->SetInteger(0); return Status::OK();
    case 9: out->SetInteger(1); return Status::OK();
    default: break;
  }
  if (st >= 12) {
    std::string_view bytes(reinterpret_cast<const char*>(p), (st - 12) / 2);
    if (st & 1) out->SetText(bytes);
    else out->SetBlob(bytes);
    return Status::OK();
  }
  if (IntBytesForSerial(st) == 0) {
    return Status::Corruption("record: unknown serial type " + std::to_string(st));
  }
  out->SetInteger(IntBody(st, p));
  return Status::OK();
}

// The end of a record's header: from `*off` (just after the column count), past `n` serial
// types (record_internal::SkipVarints).
inline Status FindHeaderEnd(const uint8_t* base, uint64_t size, uint64_t n, uint64_t* off_io) {
  const uint64_t off = record_internal::SkipVarints(base, size, n, *off_io);
  if (off == record_internal::kNoOffset) return Status::Corruption("record: bad serial type");
  *off_io = off;
  return Status::OK();
}

// One column body of serial type st at p (its length already checked) as a view.
inline Status ViewBody(uint64_t st, const uint8_t* p, ColumnView* out) {
  switch (st) {
    case 0:
      out->type = ValueType::kNull;
      return Status::OK();
    case 7:
      out->type = ValueType::kReal;
      out->real = std::bit_cast<double>(DecodeFixed64(p));
      return Status::OK();
    case 8:
    case 9:
      out->type = ValueType::kInteger;
      out->integer = static_cast<int64_t>(st - 8);
      return Status::OK();
    default:
      break;
  }
  if (st >= 12) {
    out->type = (st & 1) ? ValueType::kText : ValueType::kBlob;
    out->bytes = std::string_view(reinterpret_cast<const char*>(p), (st - 12) / 2);
    return Status::OK();
  }
  if (IntBytesForSerial(st) == 0) {
    return Status::Corruption("record: unknown serial type " + std::to_string(st));
  }
  out->type = ValueType::kInteger;
  out->integer = IntBody(st, p);
  return Status::OK();
}

}  // namespace

void EncodeRecord(std::span<const Value> values, std::string* out) {
  // The serial types first (held for up to kHeld columns), to size the record once and write it
  // through a pointer.
  constexpr size_t kHeld = 32;
  const size_t n = values.size();
  uint64_t held[kHeld];
  std::vector<uint64_t> more;
  uint64_t* types = held;
  if (n > kHeld) {
    more.resize(n);
    types = more.data();
  }
  size_t size = static_cast<size_t>(VarintLength(n));
  for (size_t i = 0; i < n; i++) {
    types[i] = SerialTypeFor(values[i]);
    size += static_cast<size_t>(VarintLength(types[i])) + BodySize(types[i]);
  }
  const size_t start = out->size();
  out->resize(start + size);
  auto* p = reinterpret_cast<uint8_t*>(out->data() + start);
  p += EncodeVarint64(p, n);
  for (size_t i = 0; i < n; i++) p += EncodeVarint64(p, types[i]);
  for (size_t i = 0; i < n; i++) {
    const uint64_t st = types[i];
    if (st >= 1 && st <= 6) {
      uint8_t buf[8];
      EncodeFixed64(buf, static_cast<uint64_t>(values[i].integer()));
      const int nb = IntBytesForSerial(st);
      std::memcpy(p, buf, static_cast<size_t>(nb));  // the low bytes (little-endian)
      p += nb;
    } else if (st == 7) {
      EncodeFixed64(p, std::bit_cast<uint64_t>(values[i].real()));
      p += 8;
    } else if (st >= 12) {
      const std::string& b = values[i].bytes();
      if (!b.empty()) std::memcpy(p, b.data(), b.size());
      p += b.size();
    }
  }
}

std::string EncodeRecord(std::span<const Value> values) {
  std::string out;
  EncodeRecord(values, &out);
  return out;
}

Status RecordReader::Init(std::string_view record) {
  record_ = record;
  std::string_view in = record;
  auto get = [&in](uint64_t* v) { return GetHeaderVarint(&in, v); };
  uint64_t n;
  DOSQL_RETURN_IF_ERROR(ReadColumnCount(&in, &n));
  // Sized once per shape: a reader reused for rows of one table does not reallocate or clear.
  if (types_.size() != n) {
    types_.resize(n);
    offsets_.resize(n);
  }
  uint64_t* types = types_.data();
  for (uint64_t i = 0; i < n; i++) {
    if (!get(&types[i])) return Status::Corruption("record: bad serial type");
    if (types[i] == 10 || types[i] == 11) {
      return Status::Corruption("record: reserved serial type " + std::to_string(types[i]));
    }
  }
  const uint64_t size = record.size();
  uint64_t off = size - in.size();
  uint32_t* offsets = offsets_.data();
  for (uint64_t i = 0; i < n; i++) {
    offsets[i] = static_cast<uint32_t>(off);
    uint64_t sz = BodySize(types[i]);
    if (sz > size - off) return Status::Corruption("record: column body past end");
    off += sz;
  }
  if (off != size) return Status::Corruption("record: trailing bytes after last column");
  return Status::OK();
}

ValueType RecordReader::ColumnType(size_t i) const {
  if (i >= types_.size()) return ValueType::kNull;
  uint64_t st = types_[i];
  if (st == 0) return ValueType::kNull;
  if (st == 7) return ValueType::kReal;
  if (st >= 13) return (st & 1) ? ValueType::kText : ValueType::kBlob;
  if (st == 12) return ValueType::kBlob;
  return ValueType::kInteger;
}

Result<Value> RecordReader::Column(size_t i) const {
  Value v;
  DOSQL_RETURN_IF_ERROR(ColumnInto(i, &v));
  return v;
}

Status RecordReader::ColumnInto(size_t i, Value* out) const {
  if (i >= types_.size()) {
    out->SetNull();
    return Status::OK();
  }
  return DecodeBody(types_[i],
                    reinterpret_cast<const uint8_t*>(record_.data()) + offsets_[i], out);
}

Status DecodeRecordColumns(std::string_view record, size_t limit, const char* wanted, Value* out,
                           size_t* column_count) {
  std::string_view in = record;
  uint64_t n;
  DOSQL_RETURN_IF_ERROR(ReadColumnCount(&in, &n));
  *column_count = static_cast<size_t>(n);
  const size_t visit = std::min<uint64_t>(n, limit);
  // The bodies start after the whole header, whose length the format does not store: find its
  // end first (a varint ends at its first byte below 0x80, so the n-th such byte ends the
  // header), then read the serial types of the visited columns and their bodies together.
  const uint8_t* base = reinterpret_cast<const uint8_t*>(record.data());
  const uint64_t size = record.size();
  uint64_t off = size - in.size();
  DOSQL_RETURN_IF_ERROR(FindHeaderEnd(base, size, n, &off));
  const uint8_t* hp = base + (size - in.size());  // the serial types, up to base + off
  const uint8_t* const header_end = base + off;
  // A column not wanted only moves `off` (by at most 57 bytes on the one-byte path, so it cannot
  // wrap); bounds are checked before a body is read and once at the end.
  for (size_t i = 0; i < visit; i++) {
    uint64_t st, sz;
    if (*hp < 0x80) {  // a one-byte serial type (hp < header_end: the header has n ends)
      st = *hp++;
      sz = kSmallBodySize[st];
      if (sz == kReservedType) {
        return Status::Corruption("record: reserved serial type " + std::to_string(st));
      }
    } else {
      hp = DecodeVarint64(hp, header_end, &st);
      if (hp == nullptr) return Status::Corruption("record: bad serial type");
      sz = BodySize(st);
      if (off > size || sz > size - off) {
        return Status::Corruption("record: column body past end");
      }
    }
    if (wanted == nullptr || wanted[i]) {
      if (off > size || sz > size - off) {
        return Status::Corruption("record: column body past end");
      }
      DOSQL_RETURN_IF_ERROR(DecodeBody(st, base + off, &out[i]));
    }
    off += sz;
  }
  if (off > size) return Status::Corruption("record: column body past end");
  return Status::OK();
}

Status ProjectRecord(std::string_view record, const char* wanted, size_t wanted_size,
                     std::string* out) {
  std::string_view in = record;
  uint64_t n;
  DOSQL_RETURN_IF_ERROR(ReadColumnCount(&in, &n));
  const uint8_t* base = reinterpret_cast<const uint8_t*>(record.data());
  const uint64_t size = record.size();
  uint64_t off = size - in.size();
  DOSQL_RETURN_IF_ERROR(FindHeaderEnd(base, size, n, &off));
  const uint8_t* const types = base + (size - in.size());
  const uint8_t* const header_end = base + off;
  const uint64_t body_start = off;
  out->clear();
  PutVarint64(out, n);
  // First walk: the header (a column not wanted becomes serial type 0) and the bounds.
  const uint8_t* hp = types;
  for (uint64_t i = 0; i < n; i++) {
    const uint8_t* at = hp;
    uint64_t st;
    hp = DecodeVarint64(hp, header_end, &st);
    if (hp == nullptr) return Status::Corruption("record: bad serial type");
    if (st == 10 || st == 11) {
      return Status::Corruption("record: reserved serial type " + std::to_string(st));
    }
    const uint64_t sz = BodySize(st);
    if (sz > size - off) return Status::Corruption("record: column body past end");
    off += sz;
    if (i < wanted_size && wanted[i]) {
      out->append(reinterpret_cast<const char*>(at), static_cast<size_t>(hp - at));
    } else {
      out->push_back('\0');
    }
  }
  // Second walk: the wanted columns' bodies.
  hp = types;
  off = body_start;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t st;
    hp = DecodeVarint64(hp, header_end, &st);
    const uint64_t sz = BodySize(st);
    if (i < wanted_size && wanted[i]) out->append(record.substr(off, sz));
    off += sz;
  }
  return Status::OK();
}

Status LazyRecordReader::Reset(std::string_view record) {
  std::string_view in = record;
  uint64_t n;
  DOSQL_RETURN_IF_ERROR(ReadColumnCount(&in, &n));
  base_ = reinterpret_cast<const uint8_t*>(record.data());
  size_ = record.size();
  count_ = static_cast<size_t>(n);
  uint64_t off = size_ - in.size();
  hp_ = base_ + off;
  DOSQL_RETURN_IF_ERROR(FindHeaderEnd(base_, size_, n, &off));
  header_end_ = base_ + off;
  body_ = off;
  walked_ = 0;
  return Status::OK();
}

// (Always inlined: Column, on every scanned row, lost ~5% of its speed to the call.)
[[gnu::always_inline]] inline Status LazyRecordReader::WalkTo(size_t i) {
  // Walked with locals (the members are written back once). A one-byte serial type's body is
  // at most 57 bytes, so a run of them is checked once at its end (the offsets only grow) and
  // its reserved types (size 0xff) by OR-ing the sizes together.
  const uint8_t* hp = hp_;
  uint64_t body = body_;  // never past size_ at the end of a walk
  size_t w = walked_;
  uint8_t sizes = 0;
  if constexpr (std::endian::native == std::endian::little) {
    // Eight one-byte serial types at a time (most headers are only those), while eight more
    // columns are in the header and the reader keeps them.
    const size_t limit = std::min(count_, kMaxColumns);
    while (w <= i && w + 8 <= limit && header_end_ - hp >= 8) {
      uint64_t word;
      std::memcpy(&word, hp, 8);
      if (word & 0x8080808080808080ull) break;  // a longer serial type among them
      for (size_t k = 0; k < 8; k++) {
        const uint8_t st = static_cast<uint8_t>(word >> (8 * k));
        const uint8_t sz = kSmallBodySize[st];
        sizes |= sz;
        types_[w + k] = st;
        offsets_[w + k] = static_cast<uint32_t>(body);
        body += sz;
      }
      hp += 8;
      w += 8;
    }
  }
  while (w <= i) {
    uint64_t st = *hp;  // hp < header_end_: the header holds count_ serial types
    uint64_t sz;
    if (st < 0x80) {
      hp++;
      sz = kSmallBodySize[st];
      sizes |= static_cast<uint8_t>(sz);
    } else {
      hp = DecodeVarint64(hp, header_end_, &st);
      if (hp == nullptr) return Status::Corruption("record: bad serial type");
      if (st == 10 || st == 11) {
        return Status::Corruption("record: reserved serial type " + std::to_string(st));
      }
      sz = BodySize(st);
      if (body > size_ || sz > size_ - body) {
        return Status::Corruption("record: column body past end");
      }
    }
    types_[w] = st;
    offsets_[w] = static_cast<uint32_t>(body);
    body += sz;
    w++;
  }
  if (sizes & 0x80) {
    for (size_t k = walked_; k < w; k++) {
      if (types_[k] == 10 || types_[k] == 11) {
        return Status::Corruption("record: reserved serial type " + std::to_string(types_[k]));
      }
    }
  }
  if (body > size_) return Status::Corruption("record: column body past end");
  hp_ = hp;
  body_ = body;
  walked_ = w;
  return Status::OK();
}

Status LazyRecordReader::Read(size_t i, ColumnView* out, bool* stored) {
  *stored = i < count_ && i < kMaxColumns;
  if (!*stored) return Status::OK();
  if (walked_ <= i) DOSQL_RETURN_IF_ERROR(WalkTo(i));
  return ViewBody(types_[i], base_ + offsets_[i], out);
}

Result<bool> LazyRecordReader::Column(size_t i, ColumnView* out) {
  bool stored;
  DOSQL_RETURN_IF_ERROR(Read(i, out, &stored));
  return stored;
}

Status LazyRecordReader::DecodeColumns(size_t limit, const char* wanted, Value* out,
                                       size_t* column_count) {
  const size_t visit = std::min(count_, limit);
  if (visit > kMaxColumns) {
    return DecodeRecordColumns(std::string_view(reinterpret_cast<const char*>(base_), size_), limit,
                               wanted, out, column_count);
  }
  *column_count = count_;
  if (visit == 0) return Status::OK();
  if (walked_ < visit) DOSQL_RETURN_IF_ERROR(WalkTo(visit - 1));
  for (size_t i = 0; i < visit; i++) {
    if (wanted == nullptr || wanted[i]) {
      DOSQL_RETURN_IF_ERROR(DecodeBody(types_[i], base_ + offsets_[i], &out[i]));
    }
  }
  return Status::OK();
}

Result<std::vector<Value>> DecodeRecord(std::string_view record) {
  RecordReader r;
  DOSQL_RETURN_IF_ERROR(r.Init(record));
  std::vector<Value> out;
  out.reserve(r.column_count());
  for (size_t i = 0; i < r.column_count(); i++) {
    DOSQL_ASSIGN_OR_RETURN(Value v, r.Column(i));
    out.push_back(std::move(v));
  }
  return out;
}

// ----- keys -----

void EncodeRowidKey(int64_t rowid, uint8_t out[kRowidKeySize]) {
  EncodeBigEndian64(out, static_cast<uint64_t>(rowid) ^ (1ULL << 63));
}

std::string RowidKey(int64_t rowid) {
  std::string s(kRowidKeySize, '\0');
  EncodeRowidKey(rowid, reinterpret_cast<uint8_t*>(s.data()));
  return s;
}

int64_t DecodeRowidKey(const uint8_t key[kRowidKeySize]) {
  return static_cast<int64_t>(DecodeBigEndian64(key) ^ (1ULL << 63));
}

Result<int64_t> DecodeRowidKey(std::string_view key) {
  if (key.size() != kRowidKeySize) {
    return Status::Corruption("rowid key has " + std::to_string(key.size()) + " bytes, not 8");
  }
  return DecodeRowidKey(reinterpret_cast<const uint8_t*>(key.data()));
}

namespace {
constexpr uint8_t kTagNull = 0x05;
constexpr uint8_t kTagNumber = 0x15;
constexpr uint8_t kTagText = 0x25;
constexpr uint8_t kTagBlob = 0x35;

uint64_t OrderedDoubleBits(double d) {
  if (std::isnan(d)) return 0;  // below every number
  if (d == 0) d = 0.0;          // fold -0.0 into +0.0
  uint64_t b = std::bit_cast<uint64_t>(d);
  return (b & (1ULL << 63)) ? ~b : (b | (1ULL << 63));
}
double DoubleFromOrderedBits(uint64_t b) {
  if (b == 0) return std::nan("");
  return std::bit_cast<double>((b & (1ULL << 63)) ? (b & ~(1ULL << 63)) : ~b);
}

void AppendEscaped(std::string_view s, std::string* out) {
  // Runs without a NUL byte are copied whole; each NUL is followed by 0xff.
  while (true) {
    const void* nul = s.empty() ? nullptr : std::memchr(s.data(), 0, s.size());
    if (nul == nullptr) {
      out->append(s.data(), s.size());
      break;
    }
    const size_t n = static_cast<size_t>(static_cast<const char*>(nul) - s.data());
    out->append(s.data(), n);
    out->append("\0\xff", 2);
    s.remove_prefix(n + 1);
  }
  out->append("\0\x01", 2);
}
}  // namespace

void AppendKeyValue(const Value& v, bool descending, std::string* out) {
  size_t start = out->size();
  switch (v.type()) {
    case ValueType::kNull: out->push_back(static_cast<char>(kTagNull)); break;
    case ValueType::kInteger:
    case ValueType::kReal: {
      out->push_back(static_cast<char>(kTagNumber));
      double d;
      int64_t residual = 0;
      if (v.type() == ValueType::kInteger) {
        int64_t i = v.integer();
        d = static_cast<double>(i);
        // (double)i is integral and within 2^10 of i for every int64 (it may be 2^63).
        residual = static_cast<int64_t>(static_cast<__int128>(i) - static_cast<__int128>(d));
      } else {
        d = v.real();
      }
      uint8_t buf[10];
      EncodeBigEndian64(buf, OrderedDoubleBits(d));
      uint16_t r16 = static_cast<uint16_t>(static_cast<int32_t>(residual) + 0x8000);
      buf[8] = static_cast<uint8_t>(r16 >> 8);
      buf[9] = static_cast<uint8_t>(r16);
      out->append(reinterpret_cast<char*>(buf), 10);
      break;
    }
    case ValueType::kText:
      out->push_back(static_cast<char>(kTagText));
      AppendEscaped(v.bytes(), out);
      break;
    case ValueType::kBlob:
      out->push_back(static_cast<char>(kTagBlob));
      AppendEscaped(v.bytes(), out);
      break;
  }
  if (descending) {
    for (size_t i = start; i < out->size(); i++) (*out)[i] = static_cast<char>(~(*out)[i]);
  }
}

namespace {
// The TEXT or BLOB key value at the front of `in` (tag included): its encoded length, and its
// bytes appended to *out when out is non-null. Runs of bytes up to the next (encoded) 0x00 are
// copied whole; then the escape after it: 0x00 0x01 ends the value, 0x00 0xFF stands for 0x00.
Result<size_t> WalkKeyString(std::string_view in, bool descending, std::string* out) {
  const char stop = descending ? '\xff' : '\0';
  size_t i = 1;
  for (;;) {
    const void* hit = i < in.size() ? std::memchr(in.data() + i, stop, in.size() - i) : nullptr;
    if (hit == nullptr) return Status::Corruption("key: unterminated string");
    const size_t z = static_cast<size_t>(static_cast<const char*>(hit) - in.data());
    if (out != nullptr) {
      const size_t run = out->size();
      out->append(in.data() + i, z - i);
      if (descending) {
        for (size_t k = run; k < out->size(); k++) (*out)[k] = static_cast<char>(~(*out)[k]);
      }
    }
    if (z + 1 >= in.size()) return Status::Corruption("key: truncated escape");
    uint8_t e = static_cast<uint8_t>(in[z + 1]);
    if (descending) e = static_cast<uint8_t>(~e);
    i = z + 2;
    if (e == 0x01) return i;
    if (e != 0xff) return Status::Corruption("key: bad escape byte");
    if (out != nullptr) out->push_back('\0');
  }
}
}  // namespace

Status DecodeKeyValue(std::string_view* in, bool descending, Value* out) {
  auto byte_at = [&](size_t i) -> uint8_t {
    uint8_t b = static_cast<uint8_t>((*in)[i]);
    return descending ? static_cast<uint8_t>(~b) : b;
  };
  if (in->empty()) return Status::Corruption("key: truncated (no tag)");
  uint8_t tag = byte_at(0);
  switch (tag) {
    case kTagNull:
      in->remove_prefix(1);
      *out = Value::Null();
      return Status::OK();
    case kTagNumber: {
      if (in->size() < 11) return Status::Corruption("key: truncated number");
      uint8_t buf[10];
      for (int i = 0; i < 10; i++) buf[i] = byte_at(1 + i);
      double d = DoubleFromOrderedBits(DecodeBigEndian64(buf));
      int32_t residual = static_cast<int32_t>((buf[8] << 8) | buf[9]) - 0x8000;
      in->remove_prefix(11);
      // Integers and reals share the encoding; a value that is integral, in range and either has
      // a residual or fits exactly is decoded as INTEGER. Index keys therefore decode numbers
      // with integral values as INTEGER; callers that need the original class keep it in the row.
      bool integral = d == std::trunc(d) && d >= -9223372036854775808.0 &&
                      d <= 9223372036854775808.0;
      if (integral && (residual != 0 || std::fabs(d) < 9007199254740992.0)) {
        *out = Value::Integer(static_cast<int64_t>(static_cast<__int128>(d) + residual));
      } else {
        *out = Value::Real(d);
      }
      return Status::OK();
    }
    case kTagText:
    case kTagBlob: {
      std::string s;
      DOSQL_ASSIGN_OR_RETURN(size_t n, WalkKeyString(*in, descending, &s));
      in->remove_prefix(n);
      *out = tag == kTagText ? Value::Text(std::move(s)) : Value::Blob(std::move(s));
      return Status::OK();
    }
    default:
      return Status::Corruption("key: unknown tag byte " + std::to_string(tag));
  }
}

Status SkipKeyValue(std::string_view* in, bool descending) {
  if (in->empty()) return Status::Corruption("key: truncated (no tag)");
  const uint8_t tag = static_cast<uint8_t>(descending ? ~(*in)[0] : (*in)[0]);
  switch (tag) {
    case kTagNull:
      in->remove_prefix(1);
      return Status::OK();
    case kTagNumber:
      if (in->size() < 11) return Status::Corruption("key: truncated number");
      in->remove_prefix(11);
      return Status::OK();
    case kTagText:
    case kTagBlob: {
      DOSQL_ASSIGN_OR_RETURN(size_t n, WalkKeyString(*in, descending, nullptr));
      in->remove_prefix(n);
      return Status::OK();
    }
    default:
      return Status::Corruption("key: unknown tag byte " + std::to_string(tag));
  }
}

std::string EncodeKey(std::span<const Value> values) {
  std::string out;
  for (const Value& v : values) AppendKeyValue(v, false, &out);
  return out;
}

Result<std::vector<Value>> DecodeKey(std::string_view key, std::span<const bool> descending) {
  std::vector<Value> out;
  while (!key.empty()) {
    bool desc = out.size() < descending.size() && descending[out.size()];
    Value v;
    DOSQL_RETURN_IF_ERROR(DecodeKeyValue(&key, desc, &v));
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace dosql
