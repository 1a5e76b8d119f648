// dosql::wal internals — byte layout of segments and records (docs/formats/wal.md), the checks
// shared by the writer's Open, the reader and the search helpers, and a buffered sequential reader.
// Not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "dosql/core/status.h"
#include "dosql/fsx/fsx.h"
#include "dosql/wal/wal.h"

namespace dosql::wal::internal {

inline constexpr char kSegmentMagic[8] = {'D', 'O', 'S', 'Q', 'L', 'W', 'A', 'L'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kSegmentHeaderSize = 64;
inline constexpr size_t kRecordHeaderSize = 21;
inline constexpr uint8_t kGroupEndBit = 0x80;
inline constexpr uint8_t kTypeMask = 0x7f;
inline constexpr uint8_t kFlagHasBefore = 0x01;
inline constexpr uint8_t kFlagHasAfter = 0x02;
// Every payload ends with this byte. Segments are grown ahead of the log with zeros, so a record
// whose last byte is still zero was never completely written (a torn tail), while a complete
// record always ends in a non-zero byte: the log's end is the last non-zero byte of the file.
inline constexpr uint8_t kPayloadTrailer = 0xC5;
inline constexpr size_t kSegmentNameDigits = 20;
inline constexpr std::string_view kSegmentSuffix = ".wal";

// ----- segment files -----

struct SegmentHeader {
  Lsn start_lsn = kInvalidLsn;
  Lsn prev_commit_lsn = kInvalidLsn;
  int64_t prev_commit_time_us = 0;
  uint64_t prev_commit_hlc = 0;
  uint64_t prev_max_txn_id = 0;
  uint32_t chain = 0;
};

void EncodeSegmentHeader(const SegmentHeader& header, uint8_t out[kSegmentHeaderSize]);

enum class HeaderVerdict { kOk, kTorn, kCorrupt };
// Checks and decodes a segment header from the first bytes of a segment (`bytes` may be shorter
// than a header: then it is torn). kTorn also for an all-zero header. *why explains kCorrupt.
HeaderVerdict DecodeSegmentHeader(std::string_view bytes, SegmentHeader* header, std::string* why);

std::string SegmentFileName(Lsn start_lsn);
// True if `name` is exactly 20 digits + ".wal"; sets *start_lsn.
bool ParseSegmentFileName(std::string_view name, Lsn* start_lsn);

struct SegmentFile {
  Lsn start_lsn = kInvalidLsn;
  std::string path;
};
// The segment files of `dir`, ordered by start LSN. NotFound if the directory is missing.
Result<std::vector<SegmentFile>> ListSegments(fsx::FileSystem& fs, const std::string& dir);

// ----- records -----

bool IsValidType(uint8_t type);

// Bytes AppendEncodedRecord adds for `record` (header + payload).
size_t EncodedSize(const Record& record, uint64_t txn_id);

// Appends the encoded record (header + payload) to *out with the given LSN, txn id and group-end
// flag; the other fields come from `record`. Reuses *out's capacity; no other allocation.
void AppendEncodedRecord(const Record& record, Lsn lsn, uint64_t txn_id, bool group_end,
                         std::string* out);

// A change record whose LSN is not known yet: its header holds LSN 0 and no header checksum
// until FinishRecordHeader; the payload checksum is final. PendingChangeSize gives its encoded
// size (header + payload), or 0 when key + before + after exceed kMaxRecordDataBytes;
// EncodePendingChange writes exactly that many bytes at `out`.
size_t PendingChangeSize(uint64_t txn_id, uint64_t tree_id, std::string_view key,
                         const std::string_view* before, const std::string_view* after);
void EncodePendingChange(RecordType type, uint64_t txn_id, uint64_t tree_id, std::string_view key,
                         const std::string_view* before, const std::string_view* after,
                         uint8_t* out);
// The encoded size (header + payload) of the record whose header starts at `header`.
size_t EncodedRecordSize(const uint8_t* header);
// Sets the LSN of the record whose header starts at `header` and checksums the header.
void FinishRecordHeader(uint8_t* header, Lsn lsn);

struct PayloadView {
  uint64_t txn_id = 0;
  uint64_t tree_id = 0;
  bool has_before = false;
  bool has_after = false;
  std::string_view key;
  std::string_view before;
  std::string_view after;
  int64_t commit_time_us = 0;
  uint64_t hlc = 0;
  uint32_t chain = 0;
};

// Parses a payload (whose checksum already matched). False if malformed.
bool ParsePayload(RecordType type, std::string_view payload, PayloadView* view);

struct RecordView {
  Lsn lsn = kInvalidLsn;
  RecordType type = RecordType::kPut;
  bool group_end = false;
  std::string_view bytes;  // the whole encoded record (header + payload)
  PayloadView payload;
};

void FillRecord(const RecordView& view, Record* record);

enum class RecordVerdict { kRecord, kEnd, kTorn, kCorrupt };
// Classifies the record at the front of `avail` (every byte from the record's offset to the end
// of the file as far as it is known) following the rules of docs/formats/wal.md. If
// expected_lsn != kInvalidLsn the record's LSN must equal it. On kRecord fills *view (pointing
// into `avail`); on kTorn/kCorrupt sets *why. Commit chain and time checks are the caller's.
RecordVerdict CheckRecord(std::string_view avail, Lsn expected_lsn, RecordView* view,
                          std::string* why);

// "wal segment <path> offset <offset> (expected LSN <lsn>): <why>"
Status SegmentCorruption(const std::string& path, uint64_t offset, Lsn expected_lsn,
                         std::string_view why);

// Largest key + before + after size of one record (the payload length is a u32).
inline constexpr uint64_t kMaxRecordDataBytes = 0xFFFF0000ull;

// The log's running state: what the next record must look like and what the records so far
// established. Segment headers store it as of the segment's start.
struct LogPosition {
  Lsn next_lsn = 1;
  uint32_t chain = 0;
  Lsn last_commit_lsn = kInvalidLsn;
  int64_t last_commit_time_us = 0;
  uint64_t last_hlc = 0;
  uint64_t max_txn_id = 0;

  static LogPosition FromHeader(const SegmentHeader& header);
  SegmentHeader ToHeader() const;
  // True if `header` (of the next segment) matches this position exactly.
  bool Continues(const SegmentHeader& header) const;
};

// Checks a record's commit fields against the position (chain, increasing time) and advances the
// position past it. False (with *why) if the record contradicts the log before it.
bool ApplyRecord(const RecordView& view, LogPosition* pos, std::string* why);

// ----- buffered sequential reading -----

// Reads a segment front to back through a reusable window so that records cost no syscalls of
// their own. Tolerates a file that grows between calls (a concurrent writer): a view that ends at
// the end of the file is re-read next time it is asked for more.
// The end of the log in the active (last) segment: one past its last non-zero byte (the file may
// be zero-padded past the log). Never less than `min_end`.
Result<uint64_t> LogicalEnd(fsx::File& file, uint64_t min_end);

class ChunkReader {
 public:
  static constexpr size_t kChunkBytes = 1 << 20;

  void Reset(fsx::File* file, uint64_t limit = std::numeric_limits<uint64_t>::max());
  // Sets *out to up to `n` bytes at `offset`; shorter only at the end of the file (or the limit).
  Status Read(uint64_t offset, size_t n, std::string_view* out);

 private:
  fsx::File* file_ = nullptr;
  uint64_t limit_ = std::numeric_limits<uint64_t>::max();
  std::string buf_;
  uint64_t buf_offset_ = 0;
  size_t buf_len_ = 0;
};

// Reads the record at `offset` through `reader` and classifies it (see CheckRecord). The view
// stays valid until the next call on `reader`. IOError etc. are returned as a non-OK Result.
Result<RecordVerdict> ReadRecord(ChunkReader& reader, uint64_t offset, Lsn expected_lsn,
                                 RecordView* view, std::string* why);

}  // namespace dosql::wal::internal
