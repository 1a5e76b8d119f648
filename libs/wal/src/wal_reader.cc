// WalReader: sequential reading across segments, safe alongside an active writer.
//
// The reader only returns records of complete write groups. Before it yields the first record of
// a group it checks the whole group (checksums, LSNs, commit chain); a group that is not complete
// yet at the end of the newest segment is the end of the log for now (the writer may be writing
// it), and the same group is looked at again on the next call.

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "dosql/wal/wal.h"
#include "format.h"

namespace dosql::wal {

using internal::ChunkReader;
using internal::kSegmentHeaderSize;
using internal::LogPosition;
using internal::RecordVerdict;
using internal::RecordView;
using internal::SegmentCorruption;
using internal::SegmentHeader;

struct WalReader::Impl {
  enum class GroupScan { kComplete, kEnd, kPartial };

  Result<bool> OpenSegment();
  Result<GroupScan> ScanGroup();
  Result<Lsn> NextSegmentStart();
  Result<bool> Step(RecordView* view);

  std::shared_ptr<fsx::FileSystem> fs;
  std::string dir;
  Lsn from_lsn = kInvalidLsn;

  LogPosition pos;         // the next record to read
  bool pos_known = false;  // false until the first segment header was read

  std::unique_ptr<fsx::File> file;  // current segment; null while waiting for the next one
  std::string path;
  Lsn segment_start = kInvalidLsn;
  ChunkReader reader;
  uint64_t offset = 0;     // next record in the current segment
  uint64_t group_end = 0;  // [offset, group_end) holds checked, complete groups
  // Where ScanGroup last found an incomplete group.
  uint64_t partial_offset = 0;
  Lsn partial_lsn = kInvalidLsn;
  std::string partial_why;

  Status error;  // sticky
};

// Opens the segment that starts at pos.next_lsn. False if it does not exist (yet) or its header
// is still being written.
Result<bool> WalReader::Impl::OpenSegment() {
  DOSQL_ASSIGN_OR_RETURN(std::vector<internal::SegmentFile> files,
                         internal::ListSegments(*fs, dir));
  auto it = std::find_if(files.begin(), files.end(), [&](const internal::SegmentFile& f) {
    return f.start_lsn == pos.next_lsn;
  });
  if (it == files.end()) {
    const bool older = !files.empty() && files.front().start_lsn < pos.next_lsn;
    const bool newer = !files.empty() && files.back().start_lsn > pos.next_lsn;
    if (newer && older) {
      return Status::Corruption("wal " + dir + ": no segment starts at LSN " +
                                std::to_string(pos.next_lsn) + " but later segments exist");
    }
    if (newer) {
      return Status::OutOfRange("wal " + dir + ": records from LSN " +
                                std::to_string(pos.next_lsn) + " were removed");
    }
    return false;
  }
  const bool is_last = it + 1 == files.end();
  fsx::OpenOptions ro;
  ro.read_only = true;
  DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<fsx::File> f, fs->Open(it->path, ro));
  char buf[kSegmentHeaderSize];
  size_t got = 0;
  DOSQL_RETURN_IF_ERROR(f->ReadAt(0, sizeof(buf), buf, &got));
  SegmentHeader header;
  std::string why;
  switch (internal::DecodeSegmentHeader(std::string_view(buf, got), &header, &why)) {
    case internal::HeaderVerdict::kTorn:
      if (is_last) return false;  // being created
      return SegmentCorruption(it->path, 0, pos.next_lsn, why);
    case internal::HeaderVerdict::kCorrupt:
      return SegmentCorruption(it->path, 0, pos.next_lsn, why);
    case internal::HeaderVerdict::kOk:
      break;
  }
  if (header.start_lsn != it->start_lsn) {
    return SegmentCorruption(it->path, 0, pos.next_lsn,
                             "segment header start LSN " + std::to_string(header.start_lsn) +
                                 " does not match the file name");
  }
  if (pos_known && !pos.Continues(header)) {
    return SegmentCorruption(it->path, 0, pos.next_lsn,
                             "segment header does not continue the previous segment");
  }
  pos = LogPosition::FromHeader(header);
  pos_known = true;
  file = std::move(f);
  path = it->path;
  segment_start = it->start_lsn;
  reader.Reset(file.get());
  offset = kSegmentHeaderSize;
  group_end = kSegmentHeaderSize;
  return true;
}

// Checks the write group at `offset` without consuming it.
Result<WalReader::Impl::GroupScan> WalReader::Impl::ScanGroup() {
  LogPosition p = pos;
  uint64_t off = offset;
  RecordView view;
  std::string why;
  for (;;) {
    DOSQL_ASSIGN_OR_RETURN(RecordVerdict verdict,
                           internal::ReadRecord(reader, off, p.next_lsn, &view, &why));
    switch (verdict) {
      case RecordVerdict::kRecord:
        if (!internal::ApplyRecord(view, &p, &why)) {
          return SegmentCorruption(path, off, p.next_lsn, why);
        }
        off += view.bytes.size();
        if (view.group_end) {
          group_end = off;
          return GroupScan::kComplete;
        }
        continue;
      case RecordVerdict::kEnd:
        if (off == offset) return GroupScan::kEnd;
        why = "segment ends inside a write group";
        break;
      case RecordVerdict::kTorn:
        break;
      case RecordVerdict::kCorrupt:
        return SegmentCorruption(path, off, p.next_lsn, why);
    }
    partial_offset = off;
    partial_lsn = p.next_lsn;
    partial_why = std::move(why);
    return GroupScan::kPartial;
  }
}

// The start LSN of the first segment after the current one, kInvalidLsn if there is none.
Result<Lsn> WalReader::Impl::NextSegmentStart() {
  DOSQL_ASSIGN_OR_RETURN(std::vector<internal::SegmentFile> files,
                         internal::ListSegments(*fs, dir));
  for (const internal::SegmentFile& f : files) {
    if (f.start_lsn > segment_start) return f.start_lsn;
  }
  return kInvalidLsn;
}

// Consumes the next record of a complete group. False at the end of the log.
Result<bool> WalReader::Impl::Step(RecordView* view) {
  for (;;) {
    if (file == nullptr) {
      DOSQL_ASSIGN_OR_RETURN(bool opened, OpenSegment());
      if (!opened) return false;
    }
    if (offset < group_end) {
      std::string why;
      DOSQL_ASSIGN_OR_RETURN(RecordVerdict verdict,
                             internal::ReadRecord(reader, offset, pos.next_lsn, view, &why));
      if (verdict != RecordVerdict::kRecord) {
        return SegmentCorruption(path, offset, pos.next_lsn,
                                 why.empty() ? "record changed while being read" : why);
      }
      if (!internal::ApplyRecord(*view, &pos, &why)) {
        return SegmentCorruption(path, offset, pos.next_lsn, why);
      }
      offset += view->bytes.size();
      return true;
    }
    Result<GroupScan> first = ScanGroup();
    if (!first.ok()) {
      // In the newest segment the writer may be copying a group into the zero padding right
      // now, and a read can see part of it. Damage that is still there after the write had
      // ample time to finish is real.
      DOSQL_ASSIGN_OR_RETURN(Lsn newer, NextSegmentStart());
      for (int attempt = 0; !first.ok() && newer == kInvalidLsn && attempt < 50; attempt++) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        reader.Reset(file.get());
        first = ScanGroup();
      }
      if (!first.ok()) return first.status();
    }
    GroupScan scan = *first;
    if (scan == GroupScan::kComplete) continue;
    // Nothing complete at `offset`. Unless a newer segment exists, that is the end of the log.
    DOSQL_ASSIGN_OR_RETURN(Lsn next_start, NextSegmentStart());
    if (next_start == kInvalidLsn) {
      // The window may hold zero padding read before the writer wrote there: read afresh
      // before calling this the end of the log.
      reader.Reset(file.get());
      DOSQL_ASSIGN_OR_RETURN(scan, ScanGroup());
      if (scan == GroupScan::kComplete) continue;
      reader.Reset(file.get());
      return false;
    }
    // The writer moved on, so this segment is final: what is there now is all there will be
    // (re-read it: its zero padding was cut off when it was sealed).
    reader.Reset(file.get());
    DOSQL_ASSIGN_OR_RETURN(scan, ScanGroup());
    if (scan == GroupScan::kComplete) continue;
    if (scan == GroupScan::kPartial) {
      return SegmentCorruption(path, partial_offset, partial_lsn, partial_why);
    }
    if (next_start != pos.next_lsn) {
      return SegmentCorruption(
          path, offset, pos.next_lsn,
          "segment ends but the next segment starts at LSN " + std::to_string(next_start));
    }
    file.reset();
    reader.Reset(nullptr);
  }
}

WalReader::WalReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WalReader::~WalReader() = default;

Result<std::unique_ptr<WalReader>> WalReader::Open(std::shared_ptr<fsx::FileSystem> fs,
                                                   std::string dir, Lsn from_lsn) {
  if (fs == nullptr) return Status::InvalidArgument("wal: no file system");
  auto impl = std::make_unique<Impl>();
  impl->fs = std::move(fs);
  impl->dir = std::move(dir);
  DOSQL_ASSIGN_OR_RETURN(std::vector<internal::SegmentFile> files,
                         internal::ListSegments(*impl->fs, impl->dir));
  if (files.empty()) {
    // A log that has not been created yet: it will start at LSN 1.
    if (from_lsn > 1) {
      return Status::OutOfRange("wal " + impl->dir + ": LSN " + std::to_string(from_lsn) +
                                " is past the end of the (empty) log");
    }
    impl->from_lsn = 1;
    impl->pos.next_lsn = 1;
    return std::unique_ptr<WalReader>(new WalReader(std::move(impl)));
  }
  if (from_lsn == kInvalidLsn) from_lsn = files.front().start_lsn;
  if (from_lsn < files.front().start_lsn) {
    return Status::OutOfRange("wal " + impl->dir + ": LSN " + std::to_string(from_lsn) +
                              " is before the first kept LSN " +
                              std::to_string(files.front().start_lsn));
  }
  impl->from_lsn = from_lsn;
  auto it = std::partition_point(files.begin(), files.end(), [&](const internal::SegmentFile& f) {
    return f.start_lsn <= from_lsn;
  });
  size_t index = static_cast<size_t>(it - files.begin()) - 1;
  // Start at the segment holding from_lsn; if its header is still being written, start one
  // segment earlier so that the log position (chain) is known.
  for (;;) {
    impl->pos.next_lsn = files[index].start_lsn;
    DOSQL_ASSIGN_OR_RETURN(bool opened, impl->OpenSegment());
    if (opened || index == 0) break;
    index--;
  }
  // Skip to from_lsn.
  RecordView view;
  while (impl->pos.next_lsn < from_lsn) {
    DOSQL_ASSIGN_OR_RETURN(bool more, impl->Step(&view));
    if (!more) {
      return Status::OutOfRange("wal " + impl->dir + ": LSN " + std::to_string(from_lsn) +
                                " is past the end of the log (next LSN " +
                                std::to_string(impl->pos.next_lsn) + ")");
    }
  }
  return std::unique_ptr<WalReader>(new WalReader(std::move(impl)));
}

Result<bool> WalReader::Next(Record* record) {
  Impl& r = *impl_;
  if (!r.error.ok()) return r.error;
  RecordView view;
  for (;;) {
    Result<bool> more = r.Step(&view);
    if (!more.ok()) {
      r.error = more.status();
      return r.error;
    }
    if (!*more) return false;
    if (view.lsn < r.from_lsn) continue;
    internal::FillRecord(view, record);
    return true;
  }
}

}  // namespace dosql::wal
