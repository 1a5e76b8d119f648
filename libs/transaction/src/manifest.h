// Internal: the MANIFEST file of a store (layout in docs/formats/manifest.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dosql/btree/pager.h"
#include "dosql/core/status.h"
#include "dosql/fsx/fsx.h"

namespace dosql::transaction {

struct CheckpointEntry {
  uint64_t lsn = 0;
  int64_t commit_time_us = 0;
  uint64_t hlc = 0;
  uint32_t chain = 0;
  uint64_t root_map = 0;
  uint64_t next_page_id = 1;
  uint64_t next_tree_id = 1;
  uint64_t max_txn_id = 0;
  int64_t written_at_us = 0;
};

struct ParentLink {
  bool present = false;
  std::string parent_dir;
  uint64_t own_first_segment = 0;              // first segment this store writes itself
  std::vector<btree::SegmentSource> foreign;   // segments read from ancestors
};

struct ChildLink {
  std::string dir;
  uint64_t shared_end_segment = 0;
};

struct ManifestContents {
  uint32_t page_size = 0;
  uint64_t segment_pages = 0;
  ParentLink parent;
  std::vector<ChildLink> children;
  std::vector<CheckpointEntry> checkpoints;  // oldest first
  uint64_t file_bytes = 0;
  uint64_t truncated_bytes = 0;
};

class Manifest {
 public:
  static constexpr const char* kFileName = "MANIFEST";

  // Creates a new manifest file (fails if one exists).
  static Result<std::unique_ptr<Manifest>> Create(std::shared_ptr<fsx::FileSystem> fs,
                                                  const std::string& dir,
                                                  const ManifestContents& contents, bool sync);
  // Reads and validates; cuts a torn final entry (unless read_only).
  static Result<std::unique_ptr<Manifest>> Open(std::shared_ptr<fsx::FileSystem> fs,
                                                const std::string& dir, bool read_only);

  const ManifestContents& contents() const { return contents_; }
  Status AppendCheckpoint(const CheckpointEntry& entry, bool sync);
  Status AppendChild(const ChildLink& child, bool sync);
  // Drops checkpoints older than `keep_from` (index into contents().checkpoints), rewriting the
  // file atomically when it has grown past `rewrite_bytes`.
  Status Prune(size_t keep_from, uint64_t rewrite_bytes, bool sync);

 private:
  Manifest(std::shared_ptr<fsx::FileSystem> fs, std::string dir)
      : fs_(std::move(fs)), dir_(std::move(dir)) {}
  Status AppendEntry(uint8_t type, const std::string& payload, bool sync);
  static std::string Serialize(const ManifestContents& c);

  std::shared_ptr<fsx::FileSystem> fs_;
  std::string dir_;
  std::unique_ptr<fsx::File> file_;
  ManifestContents contents_;
};

}  // namespace dosql::transaction
