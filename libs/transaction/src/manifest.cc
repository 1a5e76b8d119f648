#include "manifest.h"

#include <cstring>

#include "dosql/core/coding.h"
#include "dosql/core/crc32c.h"

namespace dosql::transaction {
namespace {

constexpr char kMagic[8] = {'D', 'O', 'S', 'Q', 'L', 'M', 'A', 'N'};
constexpr uint32_t kFormatVersion = 1;
constexpr size_t kHeaderSize = 32;  // magic 8, version 4, page_size 4, segment_pages 8, pad 4, crc 4
constexpr size_t kEntryHeader = 8;  // length u32, crc u32

enum EntryType : uint8_t { kCheckpoint = 1, kParent = 2, kChild = 3 };

void PutString(std::string* out, const std::string& s) {
  PutVarint64(out, s.size());
  out->append(s);
}
bool GetString(std::string_view* in, std::string* s) {
  uint64_t n;
  std::string_view v;
  if (!GetVarint64(in, &n) || !GetBytes(in, n, &v)) return false;
  s->assign(v);
  return true;
}

std::string EncodeCheckpoint(const CheckpointEntry& e) {
  std::string p;
  PutFixed64(&p, e.lsn);
  PutFixed64(&p, static_cast<uint64_t>(e.commit_time_us));
  PutFixed64(&p, e.hlc);
  PutFixed32(&p, e.chain);
  PutFixed64(&p, e.root_map);
  PutFixed64(&p, e.next_page_id);
  PutFixed64(&p, e.next_tree_id);
  PutFixed64(&p, e.max_txn_id);
  PutFixed64(&p, static_cast<uint64_t>(e.written_at_us));
  return p;
}

bool DecodeCheckpoint(std::string_view in, CheckpointEntry* e) {
  uint64_t t, w;
  bool ok = GetFixed64(&in, &e->lsn) && GetFixed64(&in, &t) && GetFixed64(&in, &e->hlc) &&
            GetFixed32(&in, &e->chain) && GetFixed64(&in, &e->root_map) &&
            GetFixed64(&in, &e->next_page_id) && GetFixed64(&in, &e->next_tree_id) &&
            GetFixed64(&in, &e->max_txn_id) && GetFixed64(&in, &w) && in.empty();
  e->commit_time_us = static_cast<int64_t>(t);
  e->written_at_us = static_cast<int64_t>(w);
  return ok;
}

std::string EncodeParent(const ParentLink& p) {
  std::string out;
  PutString(&out, p.parent_dir);
  PutVarint64(&out, p.own_first_segment);
  PutVarint64(&out, p.foreign.size());
  for (const auto& f : p.foreign) {
    PutVarint64(&out, f.first_segment);
    PutVarint64(&out, f.end_segment);
    PutString(&out, f.dir);
  }
  return out;
}

bool DecodeParent(std::string_view in, ParentLink* p) {
  uint64_t n;
  if (!GetString(&in, &p->parent_dir) || !GetVarint64(&in, &p->own_first_segment) ||
      !GetVarint64(&in, &n) || n > 1'000'000) {
    return false;
  }
  p->foreign.clear();
  for (uint64_t i = 0; i < n; i++) {
    btree::SegmentSource s;
    if (!GetVarint64(&in, &s.first_segment) || !GetVarint64(&in, &s.end_segment) ||
        !GetString(&in, &s.dir) || s.end_segment < s.first_segment) {
      return false;
    }
    p->foreign.push_back(std::move(s));
  }
  p->present = true;
  return in.empty();
}

std::string EncodeChild(const ChildLink& c) {
  std::string out;
  PutString(&out, c.dir);
  PutVarint64(&out, c.shared_end_segment);
  return out;
}

bool DecodeChild(std::string_view in, ChildLink* c) {
  return GetString(&in, &c->dir) && GetVarint64(&in, &c->shared_end_segment) && in.empty();
}

std::string EncodeEntry(uint8_t type, const std::string& payload) {
  std::string body;
  body.push_back(static_cast<char>(type));
  body.append(payload);
  std::string out;
  PutFixed32(&out, static_cast<uint32_t>(body.size()));
  uint8_t len[4];
  EncodeFixed32(len, static_cast<uint32_t>(body.size()));
  uint32_t crc = crc32c::Extend(crc32c::Value(len, 4), body.data(), body.size());
  PutFixed32(&out, crc);
  out.append(body);
  return out;
}

std::string EncodeHeader(uint32_t page_size, uint64_t segment_pages) {
  std::string h(kMagic, 8);
  PutFixed32(&h, kFormatVersion);
  PutFixed32(&h, page_size);
  PutFixed64(&h, segment_pages);
  PutFixed32(&h, 0);
  PutFixed32(&h, crc32c::Value(h));
  return h;
}

}  // namespace

std::string Manifest::Serialize(const ManifestContents& c) {
  std::string out = EncodeHeader(c.page_size, c.segment_pages);
  if (c.parent.present) out += EncodeEntry(kParent, EncodeParent(c.parent));
  for (const auto& ch : c.children) out += EncodeEntry(kChild, EncodeChild(ch));
  for (const auto& cp : c.checkpoints) out += EncodeEntry(kCheckpoint, EncodeCheckpoint(cp));
  return out;
}

Result<std::unique_ptr<Manifest>> Manifest::Create(std::shared_ptr<fsx::FileSystem> fs,
                                                   const std::string& dir,
                                                   const ManifestContents& contents, bool sync) {
  std::string path = fsx::JoinPath(dir, kFileName);
  std::string bytes = Serialize(contents);
  if (sync) {
    DOSQL_RETURN_IF_ERROR(fsx::WriteFileAtomic(*fs, path, bytes));
  } else {
    DOSQL_ASSIGN_OR_RETURN(auto f, fs->Open(path, {.create = true, .truncate = true}));
    DOSQL_RETURN_IF_ERROR(f->Append(bytes));
  }
  auto m = std::unique_ptr<Manifest>(new Manifest(fs, dir));
  DOSQL_ASSIGN_OR_RETURN(m->file_, fs->Open(path, {}));
  m->contents_ = contents;
  m->contents_.file_bytes = bytes.size();
  return m;
}

Result<std::unique_ptr<Manifest>> Manifest::Open(std::shared_ptr<fsx::FileSystem> fs,
                                                 const std::string& dir, bool read_only) {
  std::string path = fsx::JoinPath(dir, kFileName);
  DOSQL_ASSIGN_OR_RETURN(std::string bytes, fsx::ReadFile(*fs, path));
  auto corrupt = [&](uint64_t off, const std::string& what) {
    return Status::Corruption(path + " at byte " + std::to_string(off) + ": " + what);
  };
  if (bytes.size() < kHeaderSize) return corrupt(0, "file shorter than its header");
  if (std::memcmp(bytes.data(), kMagic, 8) != 0) return corrupt(0, "not a dosql manifest");
  auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
  if (crc32c::Value(b, kHeaderSize - 4) != DecodeFixed32(b + kHeaderSize - 4)) {
    return corrupt(0, "header checksum mismatch");
  }
  if (DecodeFixed32(b + 8) != kFormatVersion) {
    return Status::NotSupported(path + ": manifest format version " +
                                std::to_string(DecodeFixed32(b + 8)) + " is not supported");
  }
  auto m = std::unique_ptr<Manifest>(new Manifest(fs, dir));
  ManifestContents& c = m->contents_;
  c.page_size = DecodeFixed32(b + 12);
  c.segment_pages = DecodeFixed64(b + 16);
  if (c.page_size < 512 || c.page_size > 65536 || (c.page_size & (c.page_size - 1)) != 0 ||
      c.segment_pages == 0) {
    return corrupt(12, "bad page size or segment size");
  }
  uint64_t off = kHeaderSize;
  uint64_t good_end = off;
  while (off < bytes.size()) {
    uint64_t remain = bytes.size() - off;
    bool zero_header = remain >= kEntryHeader && DecodeFixed64(b + off) == 0;
    if (remain < kEntryHeader || zero_header) break;  // torn tail
    uint32_t len = DecodeFixed32(b + off);
    uint32_t crc = DecodeFixed32(b + off + 4);
    if (len == 0) return corrupt(off, "empty entry");
    if (len > remain - kEntryHeader) break;  // torn tail: entry runs past end of file
    if (crc32c::Extend(crc32c::Value(b + off, 4), b + off + kEntryHeader, len) != crc) {
      return corrupt(off, "entry checksum mismatch");
    }
    std::string_view body(bytes.data() + off + kEntryHeader, len);
    uint8_t type = static_cast<uint8_t>(body[0]);
    body.remove_prefix(1);
    bool ok = false;
    if (type == kCheckpoint) {
      CheckpointEntry e;
      ok = DecodeCheckpoint(body, &e);
      if (ok) c.checkpoints.push_back(e);
    } else if (type == kParent) {
      ok = DecodeParent(body, &c.parent);
    } else if (type == kChild) {
      ChildLink ch;
      ok = DecodeChild(body, &ch);
      if (ok) c.children.push_back(std::move(ch));
    }
    if (!ok) return corrupt(off, "malformed entry of type " + std::to_string(type));
    off += kEntryHeader + len;
    good_end = off;
  }
  if (c.checkpoints.empty()) return corrupt(good_end, "no checkpoint entry");
  c.truncated_bytes = bytes.size() - good_end;
  c.file_bytes = good_end;
  if (!read_only) {
    DOSQL_ASSIGN_OR_RETURN(m->file_, fs->Open(path, {}));
    if (c.truncated_bytes > 0) {
      DOSQL_RETURN_IF_ERROR(m->file_->Truncate(good_end));
      DOSQL_RETURN_IF_ERROR(m->file_->Sync());
    }
  }
  return m;
}

Status Manifest::AppendEntry(uint8_t type, const std::string& payload, bool sync) {
  if (!file_) return Status::ReadOnly("manifest opened read-only");
  std::string e = EncodeEntry(type, payload);
  DOSQL_RETURN_IF_ERROR(file_->WriteAt(contents_.file_bytes, e.data(), e.size()));
  if (sync) DOSQL_RETURN_IF_ERROR(file_->Sync());
  contents_.file_bytes += e.size();
  return Status::OK();
}

Status Manifest::AppendCheckpoint(const CheckpointEntry& entry, bool sync) {
  DOSQL_RETURN_IF_ERROR(AppendEntry(kCheckpoint, EncodeCheckpoint(entry), sync));
  contents_.checkpoints.push_back(entry);
  return Status::OK();
}

Status Manifest::AppendChild(const ChildLink& child, bool sync) {
  DOSQL_RETURN_IF_ERROR(AppendEntry(kChild, EncodeChild(child), sync));
  contents_.children.push_back(child);
  return Status::OK();
}

Status Manifest::Prune(size_t keep_from, uint64_t rewrite_bytes, bool sync) {
  if (keep_from > 0) {
    if (keep_from >= contents_.checkpoints.size()) keep_from = contents_.checkpoints.size() - 1;
    contents_.checkpoints.erase(contents_.checkpoints.begin(),
                                contents_.checkpoints.begin() + static_cast<long>(keep_from));
  }
  if (contents_.file_bytes <= rewrite_bytes) return Status::OK();
  std::string path = fsx::JoinPath(dir_, kFileName);
  std::string bytes = Serialize(contents_);
  if (sync) {
    DOSQL_RETURN_IF_ERROR(fsx::WriteFileAtomic(*fs_, path, bytes));
  } else {
    DOSQL_ASSIGN_OR_RETURN(auto f, fs_->Open(path + ".tmp", {.create = true, .truncate = true}));
    DOSQL_RETURN_IF_ERROR(f->Append(bytes));
    DOSQL_RETURN_IF_ERROR(fs_->Rename(path + ".tmp", path));
  }
  DOSQL_ASSIGN_OR_RETURN(file_, fs_->Open(path, {}));
  contents_.file_bytes = bytes.size();
  return Status::OK();
}

}  // namespace dosql::transaction
