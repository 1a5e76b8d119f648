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

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/status.h"
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
