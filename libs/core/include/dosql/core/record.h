// dosql::core — row records and order-preserving keys.
//
// Record (a row's columns, the value stored in a table B-tree):
//   varint column_count, then one varint serial type per column, then the column bodies in order.
//   Serial types (SQLite's numbering): 0 NULL; 1..6 → little-endian two's-complement integer of
//   1, 2, 3, 4, 6, 8 bytes; 7 → IEEE-754 double (8 bytes, little-endian); 8 → integer constant 0;
//   9 → integer constant 1; 10, 11 reserved;
//   N ≥ 12 even → BLOB of (N-12)/2 bytes; N ≥ 13 odd → TEXT of (N-13)/2 bytes.
//   Laid out in docs/formats/record.md. Readers check every length against the buffer: malformed
//   bytes give Corruption, never an out-of-bounds read.
//
// Key (index keys and WITHOUT ROWID primary keys): a concatenation of per-value encodings whose
// memcmp order equals Value::Compare order (and is reversed, byte-complemented, for DESC columns).
// Rowid keys are 8 bytes: the int64 with its sign bit flipped, big-endian.
//
// Pure functions and value types; thread-safe.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/coding.h"
#include "dosql/core/status.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "dosql/core/value.h"

namespace dosql {

// ----- records -----
void EncodeRecord(std::span<const Value> values, std::string* out);
std::string EncodeRecord(std::span<const Value> values);
Result<std::vector<Value>> DecodeRecord(std::string_view record);

// Decodes, in one walk over the header, the columns i < limit of `record` with wanted[i] != 0
// (every column below limit when wanted is null) into out[i]; stops after column limit - 1, so
// the columns after the last wanted one cost nothing. Columns the record does not have are left
// alone; *column_count receives how many it has. Every length is checked as in RecordReader,
// except that bytes after the last column visited are not looked at.
Status DecodeRecordColumns(std::string_view record, size_t limit, const char* wanted, Value* out,
                           size_t* column_count);

// *out = `record` with the columns i not wanted (i >= wanted_size or wanted[i] == 0) made NULL:
// the same column count, the wanted columns' serial types and bytes unchanged. For keeping the
// columns a query reads of many rows in memory. Checked as DecodeRecordColumns checks.
Status ProjectRecord(std::string_view record, const char* wanted, size_t wanted_size,
                     std::string* out);

// One column of a record read in place: NULL, a number, or TEXT/BLOB bytes that point into the
// record (valid while the record's bytes are).
struct ColumnView {
  ValueType type = ValueType::kNull;
  int64_t integer = 0;
  double real = 0;
  std::string_view bytes;
};

namespace record_internal {
// Body bytes of the integer serial types 1..6 (0 for the others).
constexpr int IntBytesForSerial(uint64_t st) {
  switch (st) {
    case 1:
      return 1;
    case 2:
      return 2;
    case 3:
      return 3;
    case 4:
      return 4;
    case 5:
      return 6;
    case 6:
      return 8;
    default:
      return 0;
  }
}

constexpr uint64_t BodySize(uint64_t st) {
  if (st >= 12) return (st - 12) / 2;
  if (st == 7) return 8;
  return static_cast<uint64_t>(IntBytesForSerial(st));
}

// BodySize of the serial types below 128 (one header byte), looked up; kReservedType for the
// reserved types 10 and 11 (no body size is that large).
inline constexpr uint8_t kReservedType = 0xff;
inline constexpr std::array<uint8_t, 128> kSmallBodySize = [] {
  std::array<uint8_t, 128> t{};
  for (uint64_t st = 0; st < 128; st++) {
    t[st] = st == 10 || st == 11 ? kReservedType : static_cast<uint8_t>(BodySize(st));
  }
  return t;
}();

// The offset past `n` varints of base[0, size) from `off` (a record's serial types; the format
// does not store the header's length: a varint ends at its first byte below 0x80, so the n-th
// such byte ends the header), eight bytes at a time; kNoOffset when the bytes end first.
inline constexpr uint64_t kNoOffset = ~uint64_t{0};
inline uint64_t SkipVarints(const uint8_t* base, uint64_t size, uint64_t n, uint64_t off) {
  uint64_t left = n;
  if constexpr (std::endian::native == std::endian::little) {
    // Eight bytes at a time while the n-th end is not among them.
    while (left > 0 && size - off >= 8) {
      const uint64_t w = DecodeFixed64(base + off);
      constexpr uint64_t kOnes = 0x0101010101010101ull;
      constexpr uint64_t kHighs = 0x8080808080808080ull;
      const uint64_t ends = (~w & kHighs) >> 7;  // 1 in each byte below 0x80
      const uint64_t upto = ends * kOnes;        // byte i: the ends in bytes 0..i (at most 8)
      const uint64_t count = upto >> 56;
      if (count >= left) {
        // The first byte whose running count reaches `left` ends them.
        const uint64_t reached = (upto + (0x80 - left) * kOnes) & kHighs;
        off += static_cast<uint64_t>(std::countr_zero(reached) / 8) + 1;
        left = 0;
        break;
      }
      left -= count;
      off += 8;
    }
  }
  for (; left > 0; off++) {
    if (off == size) return kNoOffset;
    if (base[off] < 0x80) --left;
  }
  return off;
}

// The integer body of serial type 1..6 at p, sign-extended: fixed-size loads (a
// memcpy of a variable length is a library call per column).
inline int64_t IntBody(uint64_t st, const uint8_t* p) {
  switch (st) {
    case 1:
      return static_cast<int8_t>(p[0]);
    case 2:
      return static_cast<int16_t>(DecodeFixed16(p));
    case 3:
      return static_cast<int64_t>(static_cast<uint64_t>(DecodeFixed16(p)) << 40 |
                                  static_cast<uint64_t>(p[2]) << 56) >>
             40;
    case 4:
      return static_cast<int32_t>(DecodeFixed32(p));
    case 5:
      return static_cast<int64_t>(static_cast<uint64_t>(DecodeFixed32(p)) << 16 |
                                  static_cast<uint64_t>(DecodeFixed16(p + 4)) << 48) >>
             16;
    default:
      return static_cast<int64_t>(DecodeFixed64(p));
  }
}
}  // namespace record_internal

// The first columns of a record whose serial types up to the last one wanted are one byte each
// (nearly every record: numbers, NULLs, texts and blobs under 58 bytes; a longer text after them
// is fine), located in one inline pass: for a scan that tests a few columns of every row
// (ReadShortHeader), then views them (ShortHeaderColumn) or decodes them (ShortHeaderValue).
// Borrows the record; plain data, any thread.
struct ShortHeader {
  static constexpr size_t kMaxColumns = 64;
  const uint8_t* types = nullptr;  // the serial types (one byte each up to the `last` read)
  const uint8_t* body = nullptr;   // column 0's body
  uint16_t offsets[kMaxColumns];   // column i's body at body + offsets[i] (i <= the `last` read)
};

namespace record_internal {
#if defined(__SSE2__)
// The offsets of columns 0..last (< 16) of a record whose 16 bytes from `types` may be read:
// the body sizes of the first sixteen serial types computed side by side, their running sums
// made in 16-bit lanes (10 to 15 times fewer instructions than a column at a time: a scan's
// filter runs it per row). False when a type up to `last` is long or reserved, or column
// last's body ends past `body_size`.
[[gnu::always_inline]] inline bool ShortOffsets16(const uint8_t* types, size_t last,
                                                  size_t body_size, ShortHeader* h) {
  alignas(16) static constexpr uint8_t kFirst[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                     0xff, 0xff, 0xff, 0xff};
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(types));
  // Lanes 0..last (the others may be other types, or bodies).
  const __m128i valid = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kFirst + 15 - last));
  const __m128i tv = _mm_and_si128(t, valid);
  const __m128i reserved =
      _mm_or_si128(_mm_cmpeq_epi8(tv, _mm_set1_epi8(10)), _mm_cmpeq_epi8(tv, _mm_set1_epi8(11)));
  if (_mm_movemask_epi8(_mm_or_si128(tv, reserved)) != 0) return false;  // long or reserved
  // Body sizes: TEXT/BLOB (12+) (t - 12) / 2; integers 1..4 t, 5 six, 6 and 7 eight; else 0.
  const __m128i big = _mm_cmpgt_epi8(tv, _mm_set1_epi8(11));
  const __m128i big_size =
      _mm_and_si128(_mm_srli_epi16(_mm_subs_epu8(tv, _mm_set1_epi8(12)), 1), _mm_set1_epi8(0x7f));
  const __m128i two = _mm_set1_epi8(2);
  __m128i small = _mm_min_epu8(tv, _mm_set1_epi8(4));
  small = _mm_add_epi8(small, _mm_and_si128(_mm_cmpgt_epi8(tv, _mm_set1_epi8(4)), two));
  small = _mm_add_epi8(small, _mm_and_si128(_mm_cmpgt_epi8(tv, _mm_set1_epi8(5)), two));
  small = _mm_andnot_si128(_mm_cmpgt_epi8(tv, _mm_set1_epi8(7)), small);
  const __m128i sizes = _mm_or_si128(_mm_and_si128(big, big_size), _mm_andnot_si128(big, small));
  // Running sums (inclusive) of the sizes in 16-bit lanes, then shifted one column (exclusive).
  const __m128i zero = _mm_setzero_si128();
  __m128i lo = _mm_unpacklo_epi8(sizes, zero);
  __m128i hi = _mm_unpackhi_epi8(sizes, zero);
  lo = _mm_add_epi16(lo, _mm_slli_si128(lo, 2));
  hi = _mm_add_epi16(hi, _mm_slli_si128(hi, 2));
  lo = _mm_add_epi16(lo, _mm_slli_si128(lo, 4));
  hi = _mm_add_epi16(hi, _mm_slli_si128(hi, 4));
  lo = _mm_add_epi16(lo, _mm_slli_si128(lo, 8));
  hi = _mm_add_epi16(hi, _mm_slli_si128(hi, 8));
  const int lo_total = _mm_extract_epi16(lo, 7);
  hi = _mm_add_epi16(hi, _mm_set1_epi16(static_cast<int16_t>(lo_total)));
  alignas(16) uint16_t ends[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(ends), lo);
  _mm_store_si128(reinterpret_cast<__m128i*>(ends + 8), hi);
  if (ends[last] > body_size) return false;  // a body past the record's end
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h->offsets), _mm_slli_si128(lo, 2));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h->offsets + 8),
                   _mm_insert_epi16(_mm_slli_si128(hi, 2), lo_total, 0));
  return true;
}
#endif
}  // namespace record_internal

// Fills *h for columns 0..last of `record` (last < ShortHeader::kMaxColumns). False — *h then
// partly written, nothing reported — unless the record has more than `last` columns, its column
// count and serial types 0..last are one byte each, none of them reserved, the header ends
// inside the record and the bodies of columns 0..last lie inside it: LazyRecordReader then
// reads the record (and reports what is wrong with it). Bytes after column last's body are not
// looked at.
[[gnu::always_inline]] inline bool ReadShortHeader(std::string_view record, size_t last,
                                                   ShortHeader* h) {
  const auto* p = reinterpret_cast<const uint8_t*>(record.data());
  const size_t size = record.size();
  if (size == 0) return false;
  const size_t n = p[0];
  if (n >= 0x80 || n <= last || size - 1 < n) return false;
  const uint8_t* types = p + 1;
  // The header's length: n bytes when every serial type is one byte (eight checked at a time),
  // else found past the types up to `last`, which must be one byte each.
  size_t header = n;
  uint64_t high = 0;
  if (n >= 8) {  // the last eight overlapping the words before
    for (size_t i = 0; i + 8 < n; i += 8) high |= DecodeFixed64(types + i);
    high |= DecodeFixed64(types + n - 8);
  } else {
    for (size_t i = 0; i < n; i++) high |= types[i];
  }
  if ((high & 0x8080808080808080ull) != 0) {
    for (size_t k = 0; k <= last; k++) {
      if (types[k] >= 0x80) return false;
    }
    // Past the serial types after column last's.
    header = record_internal::SkipVarints(types, size - 1, n - last - 1, last + 1);
    if (header == record_internal::kNoOffset) return false;
  }
  const size_t body_size = size - 1 - header;
  h->types = types;
  h->body = types + header;
#if defined(__SSE2__)
  if (last < 16 && size > 16) return record_internal::ShortOffsets16(types, last, body_size, h);
#endif
  const auto& size_of = record_internal::kSmallBodySize;
  uint32_t off = 0;
  uint8_t sizes = 0;
  size_t k = 0;
  for (; k + 4 <= last + 1; k += 4) {  // (unrolled: the loop's own work was half the cost)
    const uint8_t s0 = size_of[types[k]], s1 = size_of[types[k + 1]];
    const uint8_t s2 = size_of[types[k + 2]], s3 = size_of[types[k + 3]];
    h->offsets[k] = static_cast<uint16_t>(off);
    h->offsets[k + 1] = static_cast<uint16_t>(off + s0);
    h->offsets[k + 2] = static_cast<uint16_t>(off + s0 + s1);
    h->offsets[k + 3] = static_cast<uint16_t>(off + s0 + s1 + s2);
    off += s0 + s1 + s2 + s3;
    sizes |= s0 | s1 | s2 | s3;
  }
  for (; k <= last; k++) {
    const uint8_t sz = size_of[types[k]];
    h->offsets[k] = static_cast<uint16_t>(off);
    sizes |= sz;
    off += sz;
  }
  return (sizes & 0x80) == 0 && off <= body_size && off <= 0xffff;
}

// Column i (<= the `last` given to a successful ReadShortHeader) as a view.
[[gnu::always_inline]] inline void ShortHeaderColumn(const ShortHeader& h, size_t i,
                                                     ColumnView* out) {
  const uint8_t st = h.types[i];
  const uint8_t* p = h.body + h.offsets[i];
  if (st >= 12) {
    out->type = (st & 1) ? ValueType::kText : ValueType::kBlob;
    out->bytes = std::string_view(reinterpret_cast<const char*>(p), (st - 12) / 2);
  } else if (st == 7) {
    out->type = ValueType::kReal;
    out->real = std::bit_cast<double>(DecodeFixed64(p));
  } else if (st == 0) {
    out->type = ValueType::kNull;
  } else if (st >= 8) {
    out->type = ValueType::kInteger;
    out->integer = st - 8;
  } else {
    out->type = ValueType::kInteger;
    out->integer = record_internal::IntBody(st, p);
  }
}

// Column i (<= the `last` given to a successful ReadShortHeader) decoded into *out (its buffer
// reused for TEXT and BLOB).
[[gnu::always_inline]] inline void ShortHeaderValue(const ShortHeader& h, size_t i, Value* out) {
  const uint8_t st = h.types[i];
  const uint8_t* p = h.body + h.offsets[i];
  if (st >= 12) {
    const std::string_view bytes(reinterpret_cast<const char*>(p), (st - 12) / 2);
    if (st & 1) {
      out->SetText(bytes);
    } else {
      out->SetBlob(bytes);
    }
  } else if (st == 7) {
    out->SetReal(std::bit_cast<double>(DecodeFixed64(p)));
  } else if (st == 0) {
    out->SetNull();
  } else if (st >= 8) {
    out->SetInteger(st - 8);
  } else {
    out->SetInteger(record_internal::IntBody(st, p));
  }
}

// A record's columns read on demand, in any order, without copies: the header is walked only as
// far as the highest column asked for so far, and where each walked column starts is kept. For
// testing a few columns of a row before deciding to decode it (a scan's filter). Borrows the
// record given to Reset; one thread.
class LazyRecordReader {
 public:
  // Starts on `record` (checks the column count; finds the header's end).
  Status Reset(std::string_view record);
  size_t column_count() const { return count_; }
  // Column i into *out; false (out untouched) when the record has no column i, or i is past the
  // columns this reader keeps (kMaxColumns). Lengths are checked as in DecodeRecordColumns.
  Result<bool> Column(size_t i, ColumnView* out);
  // Column without a Result: *stored tells (a scan's record tests read columns on every row).
  Status Read(size_t i, ColumnView* out, bool* stored);
  // DecodeRecordColumns of the record given to Reset, continuing the header walk made so far
  // (the columns a scan tested, then decodes).
  Status DecodeColumns(size_t limit, const char* wanted, Value* out, size_t* column_count);

  static constexpr size_t kMaxColumns = 64;

 private:
  // Walks the header on to column i (< count_, < kMaxColumns), checking what it walks.
  Status WalkTo(size_t i);

  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  size_t count_ = 0;
  const uint8_t* hp_ = nullptr;  // the next serial type to walk
  const uint8_t* header_end_ = nullptr;
  size_t walked_ = 0;  // columns whose type and offset are known
  uint64_t body_ = 0;  // where column `walked_`'s body starts
  uint64_t types_[kMaxColumns];
  uint32_t offsets_[kMaxColumns];
};

// Random access to the columns of one record without decoding all of them.
// The reader borrows `record`; it must outlive the reader.
class RecordReader {
 public:
  Status Init(std::string_view record);
  size_t column_count() const { return types_.size(); }
  // Column i (columns past the end read as NULL, as after ALTER TABLE ADD COLUMN).
  Result<Value> Column(size_t i) const;
  // The same into *out, reusing its buffer (no allocation for text that fits).
  Status ColumnInto(size_t i, Value* out) const;
  ValueType ColumnType(size_t i) const;

 private:
  std::string_view record_;
  std::vector<uint64_t> types_;
  std::vector<uint32_t> offsets_;  // body offset of each column
};

// ----- keys -----
inline constexpr size_t kRowidKeySize = 8;
void EncodeRowidKey(int64_t rowid, uint8_t out[kRowidKeySize]);
std::string RowidKey(int64_t rowid);
int64_t DecodeRowidKey(const uint8_t key[kRowidKeySize]);
// Checked form: Corruption unless key is exactly 8 bytes.
Result<int64_t> DecodeRowidKey(std::string_view key);

// Appends the order-preserving encoding of v.
void AppendKeyValue(const Value& v, bool descending, std::string* out);
// Consumes one encoded value from the front of *in.
Status DecodeKeyValue(std::string_view* in, bool descending, Value* out);
// Consumes one encoded value from the front of *in without decoding it (checked as
// DecodeKeyValue checks it).
Status SkipKeyValue(std::string_view* in, bool descending);
// Encodes a whole key (all ascending).
std::string EncodeKey(std::span<const Value> values);
// Decodes a key encoded with the given directions (missing entries mean ascending).
Result<std::vector<Value>> DecodeKey(std::string_view key, std::span<const bool> descending = {});

}  // namespace dosql
