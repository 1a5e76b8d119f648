// WalWriter: recovery scan, appends with segment rolling, group commit, retention and search.

#include <cassert>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <utility>

#include "dosql/core/crc32c.h"
#include "dosql/wal/wal.h"
#include "format.h"

namespace dosql::wal {

using internal::ChunkReader;
using internal::kRecordHeaderSize;
using internal::kSegmentHeaderSize;
using internal::LogPosition;
using internal::RecordVerdict;
using internal::RecordView;
using internal::SegmentCorruption;
using internal::SegmentHeader;

namespace {

// A larger encode buffer than this is released after the write instead of being kept for reuse.
constexpr size_t kMaxRetainedBuffer = 16u << 20;
// How far past the end of the log the active segment file is kept zero-filled: as far as the
// log reaches in it, between 64 KiB and 1 MiB (a new segment's first commit, often the first of a
// new database, does not write and sync a whole MiB of zeros).
constexpr uint64_t kMinPreallocBytes = 64u << 10;
constexpr uint64_t kPreallocBytes = 1u << 20;

struct SegmentMeta {
  Lsn start_lsn = kInvalidLsn;
  Lsn prev_commit_lsn = kInvalidLsn;
  int64_t prev_commit_time_us = 0;
  std::string path;
  std::unique_ptr<fsx::File> unsynced;  // sealed without fsync (SyncMode::kOff); synced by Sync()
};

// What a search needs of a segment, copied out so that the scan runs without the writer's lock.
struct SegmentRef {
  Lsn start_lsn = kInvalidLsn;
  Lsn prev_commit_lsn = kInvalidLsn;
  int64_t prev_commit_time_us = 0;
  std::string path;
  uint64_t limit = 0;  // bytes of the file that hold complete groups (UINT64_MAX: the whole file)
};

// Result of validating the records of one segment.
struct ScanOutcome {
  uint64_t good_end = 0;  // offset just past the last complete write group
  LogPosition good_pos;   // log position at good_end
  bool damaged = false;   // something other than a clean end follows good_end
  bool corrupt = false;   // ... and it is corruption rather than a torn write
  uint64_t damage_offset = 0;
  Lsn damage_lsn = kInvalidLsn;
  std::string why;
};

// Validates every record of a segment from `offset`, tracking write groups.
Result<ScanOutcome> ScanRecords(ChunkReader& reader, uint64_t offset, LogPosition pos) {
  ScanOutcome out;
  out.good_end = offset;
  out.good_pos = pos;
  RecordView view;
  std::string why;
  for (;;) {
    DOSQL_ASSIGN_OR_RETURN(RecordVerdict verdict,
                           internal::ReadRecord(reader, offset, pos.next_lsn, &view, &why));
    if (verdict == RecordVerdict::kRecord && !internal::ApplyRecord(view, &pos, &why)) {
      verdict = RecordVerdict::kCorrupt;
    }
    switch (verdict) {
      case RecordVerdict::kRecord:
        offset += view.bytes.size();
        if (view.group_end) {
          out.good_end = offset;
          out.good_pos = pos;
        }
        continue;
      case RecordVerdict::kEnd:
        if (offset == out.good_end) return out;
        why = "segment ends inside a write group";
        break;
      case RecordVerdict::kTorn:
        break;
      case RecordVerdict::kCorrupt:
        out.corrupt = true;
        break;
    }
    out.damaged = true;
    out.damage_offset = offset;
    out.damage_lsn = pos.next_lsn;
    out.why = std::move(why);
    return out;
  }
}

// Reads the segment header at the front of `file`.
Status ReadSegmentHeader(fsx::File& file, const std::string& path, Lsn name_lsn,
                         SegmentHeader* header, internal::HeaderVerdict* verdict) {
  char buf[kSegmentHeaderSize];
  size_t got = 0;
  DOSQL_RETURN_IF_ERROR(file.ReadAt(0, sizeof(buf), buf, &got));
  std::string why;
  *verdict = internal::DecodeSegmentHeader(std::string_view(buf, got), header, &why);
  if (*verdict == internal::HeaderVerdict::kCorrupt) {
    return SegmentCorruption(path, 0, name_lsn, why);
  }
  if (*verdict == internal::HeaderVerdict::kOk && header->start_lsn != name_lsn) {
    return SegmentCorruption(path, 0, name_lsn,
                             "segment header start LSN " + std::to_string(header->start_lsn) +
                                 " does not match the file name");
  }
  return Status::OK();
}

// Visits the records of one segment in order while fn(view) returns true. The segment must be
// intact up to ref.limit; anything else is Corruption.
template <typename Fn>
Status VisitSegment(fsx::FileSystem& fs, const SegmentRef& ref, Fn&& fn) {
  fsx::OpenOptions ro;
  ro.read_only = true;
  auto opened = fs.Open(ref.path, ro);
  if (!opened.ok()) {
    if (opened.status().IsNotFound()) {
      return Status::OutOfRange("wal: segment " + ref.path + " was removed by retention");
    }
    return opened.status();
  }
  std::unique_ptr<fsx::File> file = std::move(opened).value();
  SegmentHeader header;
  internal::HeaderVerdict hv;
  DOSQL_RETURN_IF_ERROR(ReadSegmentHeader(*file, ref.path, ref.start_lsn, &header, &hv));
  if (hv != internal::HeaderVerdict::kOk) {
    return SegmentCorruption(ref.path, 0, ref.start_lsn, "segment header is cut short");
  }
  ChunkReader reader;
  reader.Reset(file.get(), ref.limit);
  uint64_t offset = kSegmentHeaderSize;
  Lsn lsn = ref.start_lsn;
  RecordView view;
  std::string why;
  for (;;) {
    DOSQL_ASSIGN_OR_RETURN(RecordVerdict verdict,
                           internal::ReadRecord(reader, offset, lsn, &view, &why));
    if (verdict == RecordVerdict::kEnd) return Status::OK();
    if (verdict != RecordVerdict::kRecord) return SegmentCorruption(ref.path, offset, lsn, why);
    if (!fn(view)) return Status::OK();
    offset += view.bytes.size();
    lsn++;
  }
}

}  // namespace

struct WalWriter::Impl {
  Impl(std::shared_ptr<fsx::FileSystem> fs_in, std::string dir_in, WalOptions options_in)
      : fs(std::move(fs_in)), dir(std::move(dir_in)), options(options_in) {}

  Status Recover();
  Result<std::unique_ptr<fsx::File>> CreateSegmentLocked();
  Status RollIfNeededLocked(bool force = false);
  // Writes `data` (default: buf) as one write group and moves the position to new_pos.
  // Writes `pieces` (by default `buf`) as the next bytes of the log, one after the other.
  Status WriteGroupLocked(const LogPosition& new_pos,
                          std::span<const std::string_view> pieces = {});
  Status SyncAllLocked();
  Status GroupSync(Lsn lsn);
  void PublishLocked();
  void AdvanceDurable(Lsn lsn);
  Status Fail(const Status& cause);
  Status CheckUsable();
  // Copies the segment list for a search that runs without the lock.
  std::vector<SegmentRef> SnapshotSegments(LogPosition* pos);

  const std::shared_ptr<fsx::FileSystem> fs;
  const std::string dir;
  const WalOptions options;
  WalState recovered;

  // Appends, the segment list and the active file.
  std::mutex mu;
  std::vector<SegmentMeta> segments;  // oldest first; back() is the active segment
  std::unique_ptr<fsx::File> active;
  uint64_t active_size = 0;       // bytes of the active segment that hold the log
  uint64_t active_allocated = 0;  // bytes of the active segment file (zero padding past the log)
  bool active_has_records = false;
  // Directories whose entries changed without a SyncDir (kOff); Sync() syncs them.
  std::vector<std::string> unsynced_dirs;
  LogPosition pos;
  std::string buf;                       // reused encode buffer
  std::vector<std::string_view> pieces;  // a ChangeBuffer's chunks, for WriteGroupLocked

  // Lock-free mirrors for the getters.
  std::atomic<Lsn> last_lsn{kInvalidLsn};
  std::atomic<Lsn> durable_lsn{kInvalidLsn};
  std::atomic<int64_t> last_commit_time_us{0};
  std::atomic<uint32_t> chain{0};

  // Group commit and the failed state.
  std::mutex sync_mu;
  std::condition_variable sync_cv;
  bool sync_in_flight = false;
  std::atomic<bool> failed{false};
  Status failed_status;  // guarded by sync_mu
};

Status WalWriter::Impl::Recover() {
  const bool sync = options.sync_mode != SyncMode::kOff;
  // Create the directory (and missing parents); each new name is durable once its parent is
  // synced, outermost first.
  DOSQL_ASSIGN_OR_RETURN(std::vector<std::string> changed, fsx::CreateDirs(*fs, dir));
  for (const std::string& d : changed) {
    if (sync) {
      DOSQL_RETURN_IF_ERROR(fs->SyncDir(d));
    } else {
      unsynced_dirs.push_back(d);
    }
  }
  DOSQL_ASSIGN_OR_RETURN(std::vector<internal::SegmentFile> files,
                         internal::ListSegments(*fs, dir));

  // A last segment whose header never fully reached the disk is an interrupted creation.
  if (!files.empty()) {
    const internal::SegmentFile& last = files.back();
    DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<fsx::File> file, fs->Open(last.path, {}));
    DOSQL_ASSIGN_OR_RETURN(uint64_t size, file->Size());
    SegmentHeader header;
    internal::HeaderVerdict hv;
    DOSQL_RETURN_IF_ERROR(ReadSegmentHeader(*file, last.path, last.start_lsn, &header, &hv));
    if (hv == internal::HeaderVerdict::kTorn) {
      if (files.size() == 1 && last.start_lsn != options.initial_lsn) {
        return SegmentCorruption(last.path, 0, last.start_lsn,
                                 "segment header is missing and no earlier segment records the "
                                 "log position");
      }
      DOSQL_RETURN_IF_ERROR(file->Close());
      file.reset();
      DOSQL_RETURN_IF_ERROR(fs->Remove(last.path));
      if (sync) DOSQL_RETURN_IF_ERROR(fs->SyncDir(dir));
      recovered.truncated_bytes += size;
      files.pop_back();
    }
  }

  ChunkReader reader;
  for (size_t i = 0; i < files.size(); i++) {
    const internal::SegmentFile& sf = files[i];
    const bool is_last = i + 1 == files.size();
    fsx::OpenOptions oo;
    oo.read_only = !is_last;
    DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<fsx::File> file, fs->Open(sf.path, oo));
    SegmentHeader header;
    internal::HeaderVerdict hv;
    DOSQL_RETURN_IF_ERROR(ReadSegmentHeader(*file, sf.path, sf.start_lsn, &header, &hv));
    if (hv != internal::HeaderVerdict::kOk) {
      return SegmentCorruption(sf.path, 0, sf.start_lsn, "segment header is cut short");
    }
    if (i == 0) {
      pos = LogPosition::FromHeader(header);
    } else if (!pos.Continues(header)) {
      return SegmentCorruption(sf.path, 0, pos.next_lsn,
                               "segment header does not continue the previous segment");
    }
    DOSQL_ASSIGN_OR_RETURN(uint64_t size, file->Size());
    uint64_t logical_end = size;
    if (is_last) {
      // The active segment may be zero-padded past the log: the log ends at its last non-zero
      // byte, so a record torn by a crash ends past that point and is cut as a torn tail.
      DOSQL_ASSIGN_OR_RETURN(logical_end, internal::LogicalEnd(*file, kSegmentHeaderSize));
      reader.Reset(file.get(), logical_end);
    } else {
      reader.Reset(file.get());
    }
    DOSQL_ASSIGN_OR_RETURN(ScanOutcome scan, ScanRecords(reader, kSegmentHeaderSize, pos));
    uint64_t end = scan.good_end;
    if (scan.damaged) {
      const bool cut = is_last && (!scan.corrupt || options.truncate_corrupt_tail);
      if (!cut) return SegmentCorruption(sf.path, scan.damage_offset, scan.damage_lsn, scan.why);
      recovered.truncated_bytes += size - end;  // the torn tail and any zero padding after it
    }
    if (is_last && size > end) {  // drop the torn tail and the zero padding
      DOSQL_RETURN_IF_ERROR(file->Truncate(end));
      if (sync) DOSQL_RETURN_IF_ERROR(file->Sync());
    }
    pos = scan.good_pos;
    SegmentMeta meta;
    meta.start_lsn = sf.start_lsn;
    meta.prev_commit_lsn = header.prev_commit_lsn;
    meta.prev_commit_time_us = header.prev_commit_time_us;
    meta.path = sf.path;
    segments.push_back(std::move(meta));
    if (is_last) {
      active = std::move(file);
      active_size = end;
      active_allocated = end;
      active_has_records = pos.next_lsn > sf.start_lsn;
    }
  }

  if (segments.empty()) {
    pos.next_lsn = options.initial_lsn == kInvalidLsn ? 1 : options.initial_lsn;
    pos.chain = options.initial_chain;
    DOSQL_ASSIGN_OR_RETURN(active, CreateSegmentLocked());
  } else if (sync && active_has_records) {
    // What Open found counts as durable from here on.
    DOSQL_RETURN_IF_ERROR(active->Sync());
  }

  recovered.first_lsn =
      pos.next_lsn > segments.front().start_lsn ? segments.front().start_lsn : kInvalidLsn;
  recovered.last_lsn = pos.next_lsn - 1;
  recovered.last_commit_lsn = pos.last_commit_lsn;
  recovered.last_commit_time_us = pos.last_commit_time_us;
  recovered.last_hlc = pos.last_hlc;
  recovered.max_txn_id = pos.max_txn_id;
  recovered.chain = pos.chain;
  PublishLocked();
  // Synced just above (kOff: nothing is known to be durable until Sync()).
  durable_lsn.store(sync ? pos.next_lsn - 1 : kInvalidLsn);
  return Status::OK();
}

// Creates the segment that starts at pos.next_lsn, writes its header and (unless kOff) makes the
// file and its name durable. Appends it to `segments`; the caller installs the returned file.
Result<std::unique_ptr<fsx::File>> WalWriter::Impl::CreateSegmentLocked() {
  const std::string path = fsx::JoinPath(dir, internal::SegmentFileName(pos.next_lsn));
  fsx::OpenOptions oo;
  oo.create = true;
  oo.exclusive = true;
  DOSQL_ASSIGN_OR_RETURN(std::unique_ptr<fsx::File> file, fs->Open(path, oo));
  uint8_t header[kSegmentHeaderSize];
  internal::EncodeSegmentHeader(pos.ToHeader(), header);
  Status s = file->Append(header, sizeof(header));
  if (s.ok() && options.sync_mode != SyncMode::kOff) {
    s = file->Sync();
    if (s.ok()) s = fs->SyncDir(dir);
  }
  if (!s.ok()) return Fail(s);
  if (options.sync_mode == SyncMode::kOff) unsynced_dirs.push_back(dir);
  SegmentMeta meta;
  meta.start_lsn = pos.next_lsn;
  meta.prev_commit_lsn = pos.last_commit_lsn;
  meta.prev_commit_time_us = pos.last_commit_time_us;
  meta.path = path;
  segments.push_back(std::move(meta));
  active_size = kSegmentHeaderSize;
  active_allocated = kSegmentHeaderSize;
  active_has_records = false;
  return file;
}

Status WalWriter::Impl::RollIfNeededLocked(bool force) {
  if (!active_has_records || (!force && active_size < options.segment_bytes)) {
    return Status::OK();
  }
  // A sealed segment ends exactly at its last record: drop the zero padding.
  if (active_allocated > active_size) {
    Status t = active->Truncate(active_size);
    if (!t.ok()) return Fail(t);
    active_allocated = active_size;
  }
  // Seal: the old segment must be complete on disk before a newer one can exist, or a crash
  // could leave a gap in the middle of the log.
  if (options.sync_mode != SyncMode::kOff) {
    Status s = active->Sync();
    if (!s.ok()) return Fail(s);
    AdvanceDurable(pos.next_lsn - 1);
  }
  std::unique_ptr<fsx::File> sealed = std::move(active);
  auto created = CreateSegmentLocked();
  if (!created.ok()) {
    active = std::move(sealed);  // still the active segment; the next append retries the roll
    return created.status();
  }
  active = std::move(created).value();
  if (options.sync_mode == SyncMode::kOff) {
    segments[segments.size() - 2].unsynced = std::move(sealed);  // the segment just sealed
  } else {
    sealed->Close().IgnoreError();
  }
  return Status::OK();
}

Status WalWriter::Impl::WriteGroupLocked(const LogPosition& new_pos,
                                         std::span<const std::string_view> pieces) {
  const std::string_view whole(buf);
  if (pieces.empty()) pieces = std::span<const std::string_view>(&whole, 1);
  uint64_t size = 0;
  for (std::string_view piece : pieces) size += piece.size();
  // The file is grown ahead of the log in zero-filled chunks (written, not fallocated), so that
  // most commits overwrite blocks that already exist and their fdatasync has no file size to
  // commit. Zeros past the log read as its end (docs/formats/wal.md, "Zero padding").
  const uint64_t end = active_size + size;
  if (end > active_allocated && options.sync_mode != SyncMode::kOff) {
    static const std::string kZeros(64 << 10, '\0');
    const uint64_t ahead = std::clamp(active_size, kMinPreallocBytes, kPreallocBytes);
    const uint64_t target = std::max(end, active_size + ahead);
    for (uint64_t off = std::max(active_allocated, end); off < target;) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kZeros.size(), target - off));
      Status z = active->WriteAt(off, kZeros.data(), n);
      if (!z.ok()) return Fail(z);
      off += n;
    }
    active_allocated = target;
  }
  // The writer knows where the log ends: a positional write saves Append's size lookup.
  uint64_t at = active_size;
  for (std::string_view piece : pieces) {
    Status s = active->WriteAt(at, piece.data(), piece.size());
    if (!s.ok()) return Fail(s);
    at += piece.size();
  }
  active_allocated = std::max(active_allocated, end);
  active_size = end;
  active_has_records = true;
  pos = new_pos;
  if (buf.capacity() > kMaxRetainedBuffer) {
    std::string().swap(buf);
  } else {
    buf.clear();
  }
  PublishLocked();
  return Status::OK();
}

void WalWriter::Impl::PublishLocked() {
  last_lsn.store(pos.next_lsn - 1, std::memory_order_release);
  last_commit_time_us.store(pos.last_commit_time_us, std::memory_order_release);
  chain.store(pos.chain, std::memory_order_release);
}

Status WalWriter::Impl::SyncAllLocked() {
  for (SegmentMeta& meta : segments) {
    if (!meta.unsynced) continue;
    Status s = meta.unsynced->Sync();
    if (!s.ok()) return Fail(s);
    meta.unsynced->Close().IgnoreError();
    meta.unsynced.reset();
  }
  Status s = active->Sync();
  if (!s.ok()) return Fail(s);
  for (const std::string& d : unsynced_dirs) {
    s = fs->SyncDir(d);
    if (!s.ok()) return Fail(s);
  }
  unsynced_dirs.clear();
  return Status::OK();
}

void WalWriter::Impl::AdvanceDurable(Lsn lsn) {
  std::lock_guard<std::mutex> l(sync_mu);
  if (lsn > durable_lsn.load()) durable_lsn.store(lsn);
  sync_cv.notify_all();
}

Status WalWriter::Impl::GroupSync(Lsn lsn) {
  std::unique_lock<std::mutex> l(sync_mu);
  for (;;) {
    if (failed.load()) return failed_status;
    if (durable_lsn.load() >= lsn) return Status::OK();
    if (!sync_in_flight) break;
    sync_cv.wait(l);
  }
  // Leader: sync everything appended so far, for this waiter and whoever appended meanwhile.
  sync_in_flight = true;
  l.unlock();
  Lsn target = kInvalidLsn;
  Status s;
  {
    std::lock_guard<std::mutex> g(mu);
    if (!failed.load()) {
      target = pos.next_lsn - 1;
      s = SyncAllLocked();
    }
  }
  l.lock();
  sync_in_flight = false;
  if (s.ok() && !failed.load() && target > durable_lsn.load()) durable_lsn.store(target);
  sync_cv.notify_all();
  if (failed.load()) return failed_status;
  return Status::OK();
}

Status WalWriter::Impl::Fail(const Status& cause) {
  std::lock_guard<std::mutex> l(sync_mu);
  if (!failed.load()) {
    // Keep the cause's code (NoSpace stays NoSpace) so callers can tell the user what to fix.
    failed_status = Status(cause.code() == StatusCode::kOk ? StatusCode::kIOError : cause.code(),
                           "wal is unusable after a failed write/sync: " + cause.ToString());
    failed.store(true);
  }
  sync_cv.notify_all();
  return failed_status;
}

Status WalWriter::Impl::CheckUsable() {
  if (!failed.load(std::memory_order_acquire)) return Status::OK();
  std::lock_guard<std::mutex> l(sync_mu);
  return failed_status;
}

std::vector<SegmentRef> WalWriter::Impl::SnapshotSegments(LogPosition* out_pos) {
  std::lock_guard<std::mutex> l(mu);
  std::vector<SegmentRef> refs;
  refs.reserve(segments.size());
  for (const SegmentMeta& meta : segments) {
    SegmentRef ref;
    ref.start_lsn = meta.start_lsn;
    ref.prev_commit_lsn = meta.prev_commit_lsn;
    ref.prev_commit_time_us = meta.prev_commit_time_us;
    ref.path = meta.path;
    ref.limit = std::numeric_limits<uint64_t>::max();
    refs.push_back(std::move(ref));
  }
  refs.back().limit = active_size;  // a group being appended right now is not part of the log
  *out_pos = pos;
  return refs;
}

// ----- WalWriter -----

WalWriter::WalWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WalWriter::~WalWriter() = default;

Result<std::unique_ptr<WalWriter>> WalWriter::Open(std::shared_ptr<fsx::FileSystem> fs,
                                                   std::string dir, WalOptions options) {
  if (fs == nullptr) return Status::InvalidArgument("wal: no file system");
  if (options.segment_bytes == 0) {
    return Status::InvalidArgument("wal: segment_bytes must be positive");
  }
  auto impl = std::make_unique<Impl>(std::move(fs), std::move(dir), options);
  {
    std::lock_guard<std::mutex> l(impl->mu);
    DOSQL_RETURN_IF_ERROR(impl->Recover());
  }
  return std::unique_ptr<WalWriter>(new WalWriter(std::move(impl)));
}

const WalState& WalWriter::recovered() const { return impl_->recovered; }

namespace {

Status CheckChange(const Record& r) {
  const auto type = static_cast<uint8_t>(r.type);
  if (!internal::IsValidType(type) || r.type == RecordType::kCommit) {
    return Status::InvalidArgument("wal: cannot append a record of type " + std::to_string(type));
  }
  const uint64_t data = uint64_t{r.key.size()} + (r.has_before ? r.before.size() : 0) +
                        (r.has_after ? r.after.size() : 0);
  if (data > internal::kMaxRecordDataBytes) {
    return Status::InvalidArgument("wal: record too large (" + std::to_string(data) + " bytes)");
  }
  return Status::OK();
}

}  // namespace

Result<Lsn> WalWriter::AppendTransaction(uint64_t txn_id, std::span<Record> changes,
                                         int64_t commit_time_us, uint64_t hlc) {
  DOSQL_RETURN_IF_ERROR(impl_->CheckUsable());
  for (const Record& r : changes) DOSQL_RETURN_IF_ERROR(CheckChange(r));
  ChangeBuffer encoded;
  encoded.Reset(txn_id);
  for (const Record& r : changes) {
    const std::string_view before(r.before), after(r.after);
    encoded.Add(r.type, r.tree_id, r.key, r.has_before ? &before : nullptr,
                r.has_after ? &after : nullptr);
  }
  DOSQL_ASSIGN_OR_RETURN(const Lsn commit_lsn, AppendTransaction(encoded, commit_time_us, hlc));
  Lsn assigned = commit_lsn - changes.size();
  for (Record& r : changes) {
    r.lsn = assigned++;
    r.txn_id = txn_id;
  }
  return commit_lsn;
}

Result<Lsn> WalWriter::AppendTransaction(ChangeBuffer& changes, int64_t commit_time_us,
                                         uint64_t hlc) {
  DOSQL_RETURN_IF_ERROR(impl_->CheckUsable());
  if (changes.too_large_) {
    return Status::InvalidArgument("wal: record too large (over " +
                                   std::to_string(internal::kMaxRecordDataBytes) + " bytes)");
  }
  const uint64_t txn_id = changes.txn_id_;
  Impl& w = *impl_;
  std::lock_guard<std::mutex> l(w.mu);
  DOSQL_RETURN_IF_ERROR(w.CheckUsable());
  if (w.pos.last_commit_lsn != kInvalidLsn && commit_time_us <= w.pos.last_commit_time_us) {
    return Status::InvalidArgument("wal: commit time " + std::to_string(commit_time_us) +
                                   " does not exceed the last commit time " +
                                   std::to_string(w.pos.last_commit_time_us));
  }
  DOSQL_RETURN_IF_ERROR(w.RollIfNeededLocked());

  Lsn lsn = w.pos.next_lsn;
  for (uint8_t* header : changes.records_) internal::FinishRecordHeader(header, lsn++);
  LogPosition next = w.pos;
  for (size_t i = 0; i < changes.used_; i++) {
    next.chain =
        crc32c::Extend(next.chain, changes.chunks_[i].bytes.get(), changes.chunks_[i].size);
  }
  Record commit;
  commit.type = RecordType::kCommit;
  commit.commit_time_us = commit_time_us;
  commit.hlc = hlc;
  commit.chain = next.chain;
  // The commit record goes after the changes (in their last chunk when it has room: one write
  // for a small transaction), and is taken off again.
  const Lsn commit_lsn = lsn;
  w.buf.clear();
  internal::AppendEncodedRecord(commit, commit_lsn, txn_id, /*group_end=*/true, &w.buf);
  next.chain = crc32c::Extend(next.chain, w.buf.data(), w.buf.size());
  uint8_t* commit_at = changes.Reserve(w.buf.size());
  std::memcpy(commit_at, w.buf.data(), w.buf.size());
  next.next_lsn = commit_lsn + 1;
  next.last_commit_lsn = commit_lsn;
  next.last_commit_time_us = commit_time_us;
  next.last_hlc = hlc;
  next.max_txn_id = std::max(next.max_txn_id, txn_id);
  changes.Pieces(&w.pieces);
  Status st = w.WriteGroupLocked(next, w.pieces);
  changes.TruncateAt(commit_at);
  DOSQL_RETURN_IF_ERROR(st);
  return commit_lsn;
}

Result<Lsn> WalWriter::AppendGroup(uint64_t txn_id, std::span<Record> records) {
  if (records.empty()) return Status::InvalidArgument("wal: an empty write group");
  DOSQL_RETURN_IF_ERROR(impl_->CheckUsable());
  for (const Record& r : records) DOSQL_RETURN_IF_ERROR(CheckChange(r));
  Impl& w = *impl_;
  std::lock_guard<std::mutex> l(w.mu);
  DOSQL_RETURN_IF_ERROR(w.CheckUsable());
  DOSQL_RETURN_IF_ERROR(w.RollIfNeededLocked());
  std::string& buf = w.buf;
  buf.clear();
  size_t total = 0;
  for (const Record& r : records) total += internal::EncodedSize(r, txn_id);
  buf.reserve(total);
  const Lsn first = w.pos.next_lsn;
  Lsn lsn = first;
  for (size_t i = 0; i < records.size(); i++) {
    internal::AppendEncodedRecord(records[i], lsn++, txn_id, i + 1 == records.size(), &buf);
  }
  LogPosition next = w.pos;
  next.chain = crc32c::Extend(w.pos.chain, buf.data(), buf.size());
  next.next_lsn = lsn;
  next.max_txn_id = std::max(next.max_txn_id, txn_id);
  DOSQL_RETURN_IF_ERROR(w.WriteGroupLocked(next));
  Lsn assigned = first;
  for (Record& r : records) {
    r.lsn = assigned++;
    r.txn_id = txn_id;
  }
  return lsn - 1;
}

Result<Lsn> WalWriter::AppendRecord(Record& record) {
  DOSQL_RETURN_IF_ERROR(impl_->CheckUsable());
  DOSQL_RETURN_IF_ERROR(CheckChange(record));
  Impl& w = *impl_;
  std::lock_guard<std::mutex> l(w.mu);
  DOSQL_RETURN_IF_ERROR(w.CheckUsable());
  DOSQL_RETURN_IF_ERROR(w.RollIfNeededLocked());
  const Lsn lsn = w.pos.next_lsn;
  w.buf.clear();
  internal::AppendEncodedRecord(record, lsn, record.txn_id, /*group_end=*/true, &w.buf);
  LogPosition next = w.pos;
  next.chain = crc32c::Extend(w.pos.chain, w.buf.data(), w.buf.size());
  next.next_lsn = lsn + 1;
  next.max_txn_id = std::max(next.max_txn_id, record.txn_id);
  DOSQL_RETURN_IF_ERROR(w.WriteGroupLocked(next));
  record.lsn = lsn;
  return lsn;
}

Status WalWriter::WaitDurable(Lsn lsn) {
  DOSQL_RETURN_IF_ERROR(impl_->CheckUsable());
  if (lsn > last_lsn()) {
    return Status::InvalidArgument("wal: WaitDurable(" + std::to_string(lsn) +
                                   ") is past the last appended LSN " + std::to_string(last_lsn()));
  }
  if (impl_->options.sync_mode != SyncMode::kFull) return Status::OK();
  return impl_->GroupSync(lsn);
}

Status WalWriter::Sync() {
  DOSQL_RETURN_IF_ERROR(impl_->CheckUsable());
  Lsn target;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    DOSQL_RETURN_IF_ERROR(impl_->CheckUsable());
    target = impl_->pos.next_lsn - 1;
    DOSQL_RETURN_IF_ERROR(impl_->SyncAllLocked());
  }
  impl_->AdvanceDurable(target);
  return Status::OK();
}

Lsn WalWriter::last_lsn() const { return impl_->last_lsn.load(std::memory_order_acquire); }
Lsn WalWriter::durable_lsn() const { return impl_->durable_lsn.load(std::memory_order_acquire); }
int64_t WalWriter::last_commit_time_us() const {
  return impl_->last_commit_time_us.load(std::memory_order_acquire);
}
uint32_t WalWriter::chain() const { return impl_->chain.load(std::memory_order_acquire); }

Status WalWriter::Roll() {
  std::lock_guard<std::mutex> l(impl_->mu);
  DOSQL_RETURN_IF_ERROR(impl_->CheckUsable());
  return impl_->RollIfNeededLocked(/*force=*/true);
}

Status WalWriter::RemoveSegmentsBefore(Lsn lsn) {
  std::vector<std::string> doomed;
  {
    std::lock_guard<std::mutex> l(impl_->mu);
    std::vector<SegmentMeta>& segs = impl_->segments;
    size_t n = 0;
    while (n + 1 < segs.size() && segs[n + 1].start_lsn <= lsn) n++;
    if (n == 0) return Status::OK();
    for (size_t i = 0; i < n; i++) {
      if (segs[i].unsynced) segs[i].unsynced->Close().IgnoreError();
      doomed.push_back(std::move(segs[i].path));
    }
    segs.erase(segs.begin(), segs.begin() + static_cast<ptrdiff_t>(n));
  }
  // Oldest first, so that a crash part-way leaves a contiguous log.
  for (const std::string& path : doomed) {
    Status s = impl_->fs->Remove(path);
    if (!s.ok() && !s.IsNotFound()) return s;
  }
  return impl_->fs->SyncDir(impl_->dir);
}

Result<Lsn> WalWriter::FindCommitAtOrBefore(int64_t time_us) {
  LogPosition pos;
  std::vector<SegmentRef> segs = impl_->SnapshotSegments(&pos);
  const Lsn first_kept = segs.front().start_lsn;
  auto out_of_range = [&]() {
    return Status::OutOfRange("wal: no kept commit at or before time " + std::to_string(time_us));
  };
  if (pos.last_commit_lsn == kInvalidLsn || pos.last_commit_lsn < first_kept) {
    return out_of_range();
  }
  if (time_us >= pos.last_commit_time_us) return pos.last_commit_lsn;

  // The last segment whose preceding commit is at or before time_us (or that has none before
  // it) holds the answer, or the answer is the commit just before it.
  auto it = std::partition_point(segs.begin() + 1, segs.end(), [&](const SegmentRef& s) {
    return s.prev_commit_lsn == kInvalidLsn || s.prev_commit_time_us <= time_us;
  });
  const SegmentRef& seg = *(it - 1);
  Lsn best = kInvalidLsn;
  DOSQL_RETURN_IF_ERROR(VisitSegment(*impl_->fs, seg, [&](const RecordView& v) {
    if (v.type != RecordType::kCommit) return true;
    if (v.payload.commit_time_us > time_us) return false;
    best = v.lsn;
    return true;
  }));
  if (best != kInvalidLsn) return best;
  if (seg.prev_commit_lsn != kInvalidLsn && seg.prev_commit_lsn >= first_kept &&
      seg.prev_commit_time_us <= time_us) {
    return seg.prev_commit_lsn;
  }
  return out_of_range();
}

Result<int64_t> WalWriter::CommitTime(Lsn lsn) {
  LogPosition pos;
  std::vector<SegmentRef> segs = impl_->SnapshotSegments(&pos);
  if (lsn != kInvalidLsn && lsn == pos.last_commit_lsn) return pos.last_commit_time_us;
  if (lsn < segs.front().start_lsn || lsn >= pos.next_lsn) {
    return Status::OutOfRange("wal: LSN " + std::to_string(lsn) + " is not in the kept log");
  }
  auto it = std::partition_point(segs.begin(), segs.end(),
                                 [&](const SegmentRef& s) { return s.start_lsn <= lsn; });
  const SegmentRef& seg = *(it - 1);
  bool found = false;
  Record record;
  DOSQL_RETURN_IF_ERROR(VisitSegment(*impl_->fs, seg, [&](const RecordView& v) {
    if (v.lsn < lsn) return true;
    found = true;
    record.type = v.type;
    record.commit_time_us = v.payload.commit_time_us;
    return false;
  }));
  if (!found) {
    return Status::OutOfRange("wal: LSN " + std::to_string(lsn) + " is not in the kept log");
  }
  if (record.type != RecordType::kCommit) {
    return Status::InvalidArgument("wal: LSN " + std::to_string(lsn) + " is not a commit record");
  }
  return record.commit_time_us;
}

// ----- ChangeBuffer -----

namespace {

// A new chunk holds at least this much, and at most kMaxChunkBytes unless one record needs more;
// in between, each new chunk is as big as the buffer so far (the buffer doubles, as a string
// would, but nothing is copied).
constexpr size_t kMinChunkBytes = size_t{64} << 10;
constexpr size_t kMaxChunkBytes = size_t{8} << 20;

}  // namespace

void ChangeBuffer::Reset(uint64_t txn_id) {
  txn_id_ = txn_id;
  for (size_t i = 0; i < used_; i++) chunks_[i].size = 0;
  used_ = 0;
  bytes_ = 0;
  records_.clear();
  too_large_ = false;
}

uint8_t* ChangeBuffer::Reserve(size_t n) {
  if (used_ == 0 || chunks_[used_ - 1].capacity - chunks_[used_ - 1].size < n) {
    if (used_ == chunks_.size() || chunks_[used_].capacity < n) {
      Chunk c;
      c.capacity = std::max(n, std::clamp(bytes_, kMinChunkBytes, kMaxChunkBytes));
      c.bytes = std::make_unique_for_overwrite<uint8_t[]>(c.capacity);
      chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(used_), std::move(c));
    }
    used_++;
  }
  Chunk& c = chunks_[used_ - 1];
  uint8_t* out = c.bytes.get() + c.size;
  c.size += n;
  bytes_ += n;
  return out;
}

void ChangeBuffer::TruncateAt(const uint8_t* at) {
  while (used_ > 0) {
    Chunk& c = chunks_[used_ - 1];
    const uint8_t* begin = c.bytes.get();
    if (at >= begin && at <= begin + c.size) {
      const auto keep = static_cast<size_t>(at - begin);
      bytes_ -= c.size - keep;
      c.size = keep;
      if (keep == 0) used_--;
      return;
    }
    bytes_ -= c.size;
    c.size = 0;
    used_--;
  }
}

void ChangeBuffer::Pieces(std::vector<std::string_view>* pieces) const {
  pieces->clear();
  for (size_t i = 0; i < used_; i++) {
    pieces->emplace_back(reinterpret_cast<const char*>(chunks_[i].bytes.get()), chunks_[i].size);
  }
}

void ChangeBuffer::Add(RecordType type, uint64_t tree_id, std::string_view key,
                       const std::string_view* before, const std::string_view* after) {
  const size_t n = internal::PendingChangeSize(txn_id_, tree_id, key, before, after);
  if (n == 0) {
    too_large_ = true;
    return;
  }
  uint8_t* out = Reserve(n);
  internal::EncodePendingChange(type, txn_id_, tree_id, key, before, after, out);
  records_.push_back(out);
}

void ChangeBuffer::Truncate(size_t n) {
  if (n >= records_.size()) return;
  TruncateAt(records_[n]);
  records_.resize(n);
}

void ChangeBuffer::Clear(size_t keep_bytes) {
  Reset(txn_id_);
  size_t kept = 0, i = 0;
  while (i < chunks_.size() && kept + chunks_[i].capacity <= keep_bytes)
    kept += chunks_[i++].capacity;
  chunks_.resize(i);
  if (records_.capacity() > keep_bytes / 64) std::vector<uint8_t*>().swap(records_);
}

std::vector<Record> ChangeBuffer::ToRecords() const {
  std::vector<Record> out;
  out.reserve(records_.size());
  for (const uint8_t* header : records_) {
    const std::string_view bytes(reinterpret_cast<const char*>(header),
                                 internal::EncodedRecordSize(header));
    const auto type =
        static_cast<RecordType>(static_cast<uint8_t>(bytes[12]) & internal::kTypeMask);
    internal::PayloadView v;
    // The buffer holds what Add encoded: its payloads parse.
    const bool ok = internal::ParsePayload(type, bytes.substr(internal::kRecordHeaderSize), &v);
    assert(ok);
    (void)ok;
    Record& r = out.emplace_back();
    r.type = type;
    r.txn_id = v.txn_id;
    r.tree_id = v.tree_id;
    r.key.assign(v.key);
    r.has_before = v.has_before;
    r.before.assign(v.before);
    r.has_after = v.has_after;
    r.after.assign(v.after);
  }
  return out;
}

}  // namespace dosql::wal
