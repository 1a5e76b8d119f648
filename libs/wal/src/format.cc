#include "format.h"

#include <algorithm>
#include <cstring>

#include "dosql/core/coding.h"
#include "dosql/core/crc32c.h"

namespace dosql::wal::internal {
namespace {

const uint8_t* U8(const char* p) { return reinterpret_cast<const uint8_t*>(p); }

bool AllZero(const char* p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (p[i] != 0) return false;
  }
  return true;
}

// Varint from the front of *in; false if malformed or truncated.
bool TakeVarint(std::string_view* in, uint64_t* v) { return GetVarint64(in, v); }

bool TakeLengthPrefixed(std::string_view* in, std::string_view* out) {
  uint64_t n = 0;
  if (!TakeVarint(in, &n)) return false;
  if (n > in->size()) return false;
  return GetBytes(in, static_cast<size_t>(n), out);
}

// The fields of one record as views: a Record's, or a change being added to a ChangeBuffer.
struct Parts {
  RecordType type = RecordType::kPut;
  uint64_t tree_id = 0;
  std::string_view key;
  const std::string_view* before = nullptr;  // null: absent
  const std::string_view* after = nullptr;
  const Record* commit = nullptr;  // kCommit: its time, HLC and chain
};

size_t PayloadSize(const Parts& r, uint64_t txn_id) {
  size_t n = VarintLength(txn_id) + VarintLength(r.tree_id) + 1 + VarintLength(r.key.size()) +
             r.key.size();
  if (r.before) n += VarintLength(r.before->size()) + r.before->size();
  if (r.after) n += VarintLength(r.after->size()) + r.after->size();
  if (r.commit) {
    n += VarintLength(ZigZagEncode(r.commit->commit_time_us)) + VarintLength(r.commit->hlc) + 4;
  }
  return n + 1;  // kPayloadTrailer
}

uint8_t* PutVarint(uint8_t* p, uint64_t v) { return p + EncodeVarint64(p, v); }

uint8_t* PutBytes(uint8_t* p, std::string_view s) {
  p = PutVarint(p, s.size());
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

// Appends the record: header and payload; the header's LSN and checksum only when `finish`
// (otherwise LSN 0 and no checksum, for FinishRecordHeader).
void EncodeParts(const Parts& r, Lsn lsn, uint64_t txn_id, bool group_end, bool finish,
                 size_t payload_len, uint8_t* base) {
  uint8_t* payload = base + kRecordHeaderSize;
  uint8_t* p = payload;
  p = PutVarint(p, txn_id);
  p = PutVarint(p, r.tree_id);
  *p++ = static_cast<uint8_t>((r.before ? kFlagHasBefore : 0) | (r.after ? kFlagHasAfter : 0));
  p = PutBytes(p, r.key);
  if (r.before) p = PutBytes(p, *r.before);
  if (r.after) p = PutBytes(p, *r.after);
  if (r.commit) {
    p = PutVarint(p, ZigZagEncode(r.commit->commit_time_us));
    p = PutVarint(p, r.commit->hlc);
    EncodeFixed32(p, r.commit->chain);
    p += 4;
  }
  *p++ = kPayloadTrailer;
  EncodeFixed32(base, static_cast<uint32_t>(payload_len));
  base[12] = static_cast<uint8_t>(static_cast<uint8_t>(r.type) | (group_end ? kGroupEndBit : 0));
  EncodeFixed32(base + 13, crc32c::Value(payload, payload_len));
  if (finish) {
    FinishRecordHeader(base, lsn);
  } else {
    EncodeFixed64(base + 4, 0);
    EncodeFixed32(base + 17, 0);
  }
}

void AppendParts(const Parts& r, Lsn lsn, uint64_t txn_id, bool group_end, bool finish,
                 std::string* out) {
  const size_t payload_len = PayloadSize(r, txn_id);
  const size_t start = out->size();
  out->resize(start + kRecordHeaderSize + payload_len);
  EncodeParts(r, lsn, txn_id, group_end, finish, payload_len,
              reinterpret_cast<uint8_t*>(out->data()) + start);
}

// Parts of a Record (views into it).
struct RecordParts {
  explicit RecordParts(const Record& r) : before(r.before), after(r.after) {
    parts.type = r.type;
    parts.tree_id = r.tree_id;
    parts.key = r.key;
    if (r.has_before) parts.before = &before;
    if (r.has_after) parts.after = &after;
    if (r.type == RecordType::kCommit) parts.commit = &r;
  }
  std::string_view before, after;
  Parts parts;
};

}  // namespace

// ----- segment files -----

void EncodeSegmentHeader(const SegmentHeader& h, uint8_t out[kSegmentHeaderSize]) {
  std::memcpy(out, kSegmentMagic, 8);
  EncodeFixed32(out + 8, kFormatVersion);
  EncodeFixed32(out + 12, static_cast<uint32_t>(kSegmentHeaderSize));
  EncodeFixed64(out + 16, h.start_lsn);
  EncodeFixed64(out + 24, h.prev_commit_lsn);
  EncodeFixed64(out + 32, static_cast<uint64_t>(h.prev_commit_time_us));
  EncodeFixed64(out + 40, h.prev_commit_hlc);
  EncodeFixed64(out + 48, h.prev_max_txn_id);
  EncodeFixed32(out + 56, h.chain);
  EncodeFixed32(out + 60, crc32c::Value(out, 60));
}

HeaderVerdict DecodeSegmentHeader(std::string_view bytes, SegmentHeader* h, std::string* why) {
  if (bytes.size() < kSegmentHeaderSize) {
    *why = "segment header is cut short (" + std::to_string(bytes.size()) + " bytes)";
    return HeaderVerdict::kTorn;
  }
  const char* p = bytes.data();
  if (AllZero(p, kSegmentHeaderSize)) {
    *why = "segment header is all zero";
    return HeaderVerdict::kTorn;
  }
  if (std::memcmp(p, kSegmentMagic, 8) != 0) {
    *why = "bad segment magic";
    return HeaderVerdict::kCorrupt;
  }
  if (DecodeFixed32(U8(p + 60)) != crc32c::Value(p, 60)) {
    *why = "segment header checksum mismatch";
    return HeaderVerdict::kCorrupt;
  }
  uint32_t version = DecodeFixed32(U8(p + 8));
  if (version != kFormatVersion) {
    *why = "unsupported wal format version " + std::to_string(version);
    return HeaderVerdict::kCorrupt;
  }
  if (DecodeFixed32(U8(p + 12)) != kSegmentHeaderSize) {
    *why = "bad segment header size";
    return HeaderVerdict::kCorrupt;
  }
  h->start_lsn = DecodeFixed64(U8(p + 16));
  h->prev_commit_lsn = DecodeFixed64(U8(p + 24));
  h->prev_commit_time_us = static_cast<int64_t>(DecodeFixed64(U8(p + 32)));
  h->prev_commit_hlc = DecodeFixed64(U8(p + 40));
  h->prev_max_txn_id = DecodeFixed64(U8(p + 48));
  h->chain = DecodeFixed32(U8(p + 56));
  if (h->start_lsn == kInvalidLsn || h->prev_commit_lsn >= h->start_lsn) {
    *why = "segment header has inconsistent LSNs";
    return HeaderVerdict::kCorrupt;
  }
  return HeaderVerdict::kOk;
}

std::string SegmentFileName(Lsn start_lsn) {
  std::string digits = std::to_string(start_lsn);
  std::string name(kSegmentNameDigits - std::min(digits.size(), kSegmentNameDigits), '0');
  name += digits;
  name += kSegmentSuffix;
  return name;
}

bool ParseSegmentFileName(std::string_view name, Lsn* start_lsn) {
  if (name.size() != kSegmentNameDigits + kSegmentSuffix.size()) return false;
  if (name.substr(kSegmentNameDigits) != kSegmentSuffix) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < kSegmentNameDigits; i++) {
    char c = name[i];
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  if (v == kInvalidLsn) return false;
  *start_lsn = v;
  return true;
}

Result<std::vector<SegmentFile>> ListSegments(fsx::FileSystem& fs, const std::string& dir) {
  DOSQL_ASSIGN_OR_RETURN(std::vector<std::string> names, fs.List(dir));
  std::vector<SegmentFile> out;
  for (const std::string& name : names) {
    Lsn start = kInvalidLsn;
    if (ParseSegmentFileName(name, &start)) out.push_back({start, fsx::JoinPath(dir, name)});
  }
  std::sort(out.begin(), out.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.start_lsn < b.start_lsn; });
  return out;
}

// ----- records -----

bool IsValidType(uint8_t type) {
  return type >= static_cast<uint8_t>(RecordType::kPut) &&
         type <= static_cast<uint8_t>(RecordType::kMeta);
}

size_t EncodedSize(const Record& record, uint64_t txn_id) {
  return kRecordHeaderSize + PayloadSize(RecordParts(record).parts, txn_id);
}

void AppendEncodedRecord(const Record& r, Lsn lsn, uint64_t txn_id, bool group_end,
                         std::string* out) {
  AppendParts(RecordParts(r).parts, lsn, txn_id, group_end, /*finish=*/true, out);
}

namespace {

Parts ChangeParts(RecordType type, uint64_t tree_id, std::string_view key,
                  const std::string_view* before, const std::string_view* after) {
  Parts parts;
  parts.type = type;
  parts.tree_id = tree_id;
  parts.key = key;
  parts.before = before;
  parts.after = after;
  return parts;
}

}  // namespace

size_t PendingChangeSize(uint64_t txn_id, uint64_t tree_id, std::string_view key,
                         const std::string_view* before, const std::string_view* after) {
  const uint64_t data =
      uint64_t{key.size()} + (before ? before->size() : 0) + (after ? after->size() : 0);
  if (data > kMaxRecordDataBytes) return 0;
  return kRecordHeaderSize +
         PayloadSize(ChangeParts(RecordType::kPut, tree_id, key, before, after), txn_id);
}

void EncodePendingChange(RecordType type, uint64_t txn_id, uint64_t tree_id, std::string_view key,
                         const std::string_view* before, const std::string_view* after,
                         uint8_t* out) {
  const Parts parts = ChangeParts(type, tree_id, key, before, after);
  EncodeParts(parts, 0, txn_id, /*group_end=*/false, /*finish=*/false, PayloadSize(parts, txn_id),
              out);
}

size_t EncodedRecordSize(const uint8_t* header) {
  return kRecordHeaderSize + DecodeFixed32(header);
}

void FinishRecordHeader(uint8_t* header, Lsn lsn) {
  EncodeFixed64(header + 4, lsn);
  EncodeFixed32(header + 17, crc32c::Value(header, 17));
}

bool ParsePayload(RecordType type, std::string_view in, PayloadView* v) {
  if (in.empty() || static_cast<uint8_t>(in.back()) != kPayloadTrailer) return false;
  in.remove_suffix(1);
  if (!TakeVarint(&in, &v->txn_id)) return false;
  if (!TakeVarint(&in, &v->tree_id)) return false;
  if (in.empty()) return false;
  const uint8_t flags = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  if ((flags & ~(kFlagHasBefore | kFlagHasAfter)) != 0) return false;
  v->has_before = (flags & kFlagHasBefore) != 0;
  v->has_after = (flags & kFlagHasAfter) != 0;
  if (!TakeLengthPrefixed(&in, &v->key)) return false;
  v->before = {};
  v->after = {};
  if (v->has_before && !TakeLengthPrefixed(&in, &v->before)) return false;
  if (v->has_after && !TakeLengthPrefixed(&in, &v->after)) return false;
  v->commit_time_us = 0;
  v->hlc = 0;
  v->chain = 0;
  if (type == RecordType::kCommit) {
    uint64_t zz = 0;
    if (!TakeVarint(&in, &zz)) return false;
    v->commit_time_us = ZigZagDecode(zz);
    if (!TakeVarint(&in, &v->hlc)) return false;
    if (!GetFixed32(&in, &v->chain)) return false;
  }
  return in.empty();
}

void FillRecord(const RecordView& view, Record* r) {
  const PayloadView& p = view.payload;
  r->lsn = view.lsn;
  r->type = view.type;
  r->txn_id = p.txn_id;
  r->tree_id = p.tree_id;
  r->key.assign(p.key.data(), p.key.size());
  r->has_before = p.has_before;
  r->before.assign(p.before.data(), p.before.size());
  r->has_after = p.has_after;
  r->after.assign(p.after.data(), p.after.size());
  r->commit_time_us = p.commit_time_us;
  r->hlc = p.hlc;
  r->chain = p.chain;
}

RecordVerdict CheckRecord(std::string_view avail, Lsn expected_lsn, RecordView* view,
                          std::string* why) {
  if (avail.empty()) return RecordVerdict::kEnd;
  if (avail.size() < kRecordHeaderSize) {
    *why = "segment ends inside a record header";
    return RecordVerdict::kTorn;
  }
  const char* h = avail.data();
  if (AllZero(h, kRecordHeaderSize)) {
    *why = "record header is all zero";
    return RecordVerdict::kTorn;
  }
  if (DecodeFixed32(U8(h + 17)) != crc32c::Value(h, 17)) {
    *why = "record header checksum mismatch";
    return RecordVerdict::kCorrupt;
  }
  const uint32_t payload_len = DecodeFixed32(U8(h));
  const Lsn lsn = DecodeFixed64(U8(h + 4));
  const uint8_t type_byte = static_cast<uint8_t>(h[12]);
  const uint32_t payload_crc = DecodeFixed32(U8(h + 13));
  if (expected_lsn != kInvalidLsn && lsn != expected_lsn) {
    *why = "LSN out of sequence (found " + std::to_string(lsn) + ")";
    return RecordVerdict::kCorrupt;
  }
  const uint8_t type = type_byte & kTypeMask;
  if (!IsValidType(type)) {
    *why = "unknown record type " + std::to_string(type);
    return RecordVerdict::kCorrupt;
  }
  if (payload_len > avail.size() - kRecordHeaderSize) {
    *why = "record extends past the end of the segment";
    return RecordVerdict::kTorn;
  }
  std::string_view payload = avail.substr(kRecordHeaderSize, payload_len);
  if (crc32c::Value(payload) != payload_crc) {
    if (payload_len > 0 && payload.back() == 0) {
      // A complete payload ends in kPayloadTrailer: this one is still being written (a reader
      // following the writer) or was torn by a crash into the zero padding.
      *why = "record was not completely written";
      return RecordVerdict::kTorn;
    }
    *why = "record payload checksum mismatch";
    return RecordVerdict::kCorrupt;
  }
  view->lsn = lsn;
  view->type = static_cast<RecordType>(type);
  view->group_end = (type_byte & kGroupEndBit) != 0;
  view->bytes = avail.substr(0, kRecordHeaderSize + payload_len);
  if (!ParsePayload(view->type, payload, &view->payload)) {
    *why = "malformed record payload";
    return RecordVerdict::kCorrupt;
  }
  return RecordVerdict::kRecord;
}

LogPosition LogPosition::FromHeader(const SegmentHeader& h) {
  LogPosition pos;
  pos.next_lsn = h.start_lsn;
  pos.chain = h.chain;
  pos.last_commit_lsn = h.prev_commit_lsn;
  pos.last_commit_time_us = h.prev_commit_time_us;
  pos.last_hlc = h.prev_commit_hlc;
  pos.max_txn_id = h.prev_max_txn_id;
  return pos;
}

SegmentHeader LogPosition::ToHeader() const {
  SegmentHeader h;
  h.start_lsn = next_lsn;
  h.chain = chain;
  h.prev_commit_lsn = last_commit_lsn;
  h.prev_commit_time_us = last_commit_time_us;
  h.prev_commit_hlc = last_hlc;
  h.prev_max_txn_id = max_txn_id;
  return h;
}

bool LogPosition::Continues(const SegmentHeader& h) const {
  return h.start_lsn == next_lsn && h.chain == chain && h.prev_commit_lsn == last_commit_lsn &&
         h.prev_commit_time_us == last_commit_time_us && h.prev_commit_hlc == last_hlc &&
         h.prev_max_txn_id == max_txn_id;
}

bool ApplyRecord(const RecordView& v, LogPosition* pos, std::string* why) {
  if (v.type == RecordType::kCommit) {
    if (v.payload.chain != pos->chain) {
      *why = "commit record chain mismatch (log diverged)";
      return false;
    }
    if (pos->last_commit_lsn != kInvalidLsn &&
        v.payload.commit_time_us <= pos->last_commit_time_us) {
      *why = "commit time does not increase";
      return false;
    }
    pos->last_commit_lsn = v.lsn;
    pos->last_commit_time_us = v.payload.commit_time_us;
    pos->last_hlc = v.payload.hlc;
  }
  pos->chain = crc32c::Extend(pos->chain, v.bytes.data(), v.bytes.size());
  pos->next_lsn = v.lsn + 1;
  if (v.payload.txn_id > pos->max_txn_id) pos->max_txn_id = v.payload.txn_id;
  return true;
}

Status SegmentCorruption(const std::string& path, uint64_t offset, Lsn expected_lsn,
                         std::string_view why) {
  return Status::Corruption("wal segment " + path + " offset " + std::to_string(offset) +
                            " (expected LSN " + std::to_string(expected_lsn) +
                            "): " + std::string(why));
}

// ----- buffered sequential reading -----

void ChunkReader::Reset(fsx::File* file, uint64_t limit) {
  file_ = file;
  limit_ = limit;
  buf_offset_ = 0;
  buf_len_ = 0;
}

Status ChunkReader::Read(uint64_t offset, size_t n, std::string_view* out) {
  if (offset >= limit_) {
    *out = {};
    return Status::OK();
  }
  if (limit_ - offset < n) n = static_cast<size_t>(limit_ - offset);
  if (offset >= buf_offset_ && offset + n <= buf_offset_ + buf_len_) {
    *out = std::string_view(buf_.data() + (offset - buf_offset_), n);
    return Status::OK();
  }
  if (n > kChunkBytes) {
    // Never size the window beyond the file: a length field is only trusted up to what exists.
    DOSQL_ASSIGN_OR_RETURN(uint64_t size, file_->Size());
    const uint64_t left = size > offset ? size - offset : 0;
    if (left < n) n = static_cast<size_t>(left);
  }
  size_t want = std::max(n, kChunkBytes);
  if (limit_ - offset < want) want = static_cast<size_t>(limit_ - offset);
  if (buf_.size() < want) buf_.resize(want);
  size_t got = 0;
  buf_len_ = 0;
  DOSQL_RETURN_IF_ERROR(file_->ReadAt(offset, want, buf_.data(), &got));
  buf_offset_ = offset;
  buf_len_ = got;
  *out = std::string_view(buf_.data(), std::min(n, got));
  return Status::OK();
}

Result<uint64_t> LogicalEnd(fsx::File& file, uint64_t min_end) {
  DOSQL_ASSIGN_OR_RETURN(uint64_t size, file.Size());
  std::string buf;
  uint64_t end = size;
  while (end > min_end) {
    const uint64_t n = std::min<uint64_t>(end - min_end, 64 << 10);
    buf.resize(static_cast<size_t>(n));
    DOSQL_RETURN_IF_ERROR(file.ReadExact(end - n, static_cast<size_t>(n), buf.data()));
    for (size_t i = buf.size(); i-- > 0;) {
      if (buf[i] != 0) return end - n + i + 1;
    }
    end -= n;
  }
  return min_end;
}

Result<RecordVerdict> ReadRecord(ChunkReader& reader, uint64_t offset, Lsn expected_lsn,
                                 RecordView* view, std::string* why) {
  std::string_view bytes;
  DOSQL_RETURN_IF_ERROR(reader.Read(offset, kRecordHeaderSize, &bytes));
  if (bytes.size() == kRecordHeaderSize) {
    // Header complete: fetch the whole record (or whatever of it exists) in one view.
    const uint32_t payload_len = DecodeFixed32(U8(bytes.data()));
    const uint64_t total = kRecordHeaderSize + static_cast<uint64_t>(payload_len);
    // Bound the request by what a checksum-valid header can ask for; a garbage length is caught
    // by CheckRecord before it is trusted, but must not make us allocate gigabytes first.
    if (crc32c::Value(bytes.data(), 17) == DecodeFixed32(U8(bytes.data() + 17))) {
      DOSQL_RETURN_IF_ERROR(reader.Read(offset, static_cast<size_t>(total), &bytes));
    }
  }
  return CheckRecord(bytes, expected_lsn, view, why);
}

}  // namespace dosql::wal::internal

namespace dosql::wal {

void EncodeRecord(const Record& record, std::string* out) {
  internal::AppendEncodedRecord(record, record.lsn, record.txn_id,
                                /*group_end=*/record.type == RecordType::kCommit, out);
}

Status DecodeRecord(std::string_view* in, Record* record) {
  internal::RecordView view;
  std::string why;
  switch (internal::CheckRecord(*in, kInvalidLsn, &view, &why)) {
    case internal::RecordVerdict::kEnd:
      return Status::NotFound("wal record: input is empty");
    case internal::RecordVerdict::kTorn:
      return Status::NotFound("wal record: " + why);
    case internal::RecordVerdict::kCorrupt:
      return Status::Corruption("wal record: " + why);
    case internal::RecordVerdict::kRecord:
      break;
  }
  internal::FillRecord(view, record);
  in->remove_prefix(view.bytes.size());
  return Status::OK();
}

}  // namespace dosql::wal
