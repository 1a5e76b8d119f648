// dosql-inspect: prints the structure of a dosql store directory — its checkpoint, data
// segments, WAL, and every tree with its shape — and runs a full integrity check.
//
//   dosql-inspect [--demo] [--records] DIR
//     --demo      create DIR (if missing) and fill it with a small sample first
//     --records   also list the WAL records
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "dosql/btree/btree.h"
#include "dosql/core/hlc.h"
#include "dosql/core/record.h"
#include "dosql/fsx/fsx.h"
#include "dosql/transaction/store.h"
#include "dosql/wal/wal.h"

using namespace dosql;
using namespace dosql::transaction;

namespace {

std::string FormatTime(int64_t us) {
  if (us == 0) return "-";
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lldZ", static_cast<long long>(us % 1000000));
  return std::string(buf) + frac;
}

const char* KindName(TreeKind k) {
  switch (k) {
    case TreeKind::kRowid: return "rowid";
    case TreeKind::kIndex: return "index";
    case TreeKind::kWithoutRowid: return "without-rowid";
    case TreeKind::kInternal: return "internal";
  }
  return "?";
}

Status Demo(std::shared_ptr<fsx::FileSystem> fs, const std::string& dir) {
  DOSQL_ASSIGN_OR_RETURN(bool exists, fs->Exists(fsx::JoinPath(dir, "MANIFEST")));
  if (exists) {
    std::printf("demo: %s already exists; inspecting it as it is\n\n", dir.c_str());
    return Status::OK();
  }
  DOSQL_ASSIGN_OR_RETURN(auto store, Store::Open(fs, dir, StoreOptions{}));
  DOSQL_ASSIGN_OR_RETURN(auto w, store->BeginWrite());
  DOSQL_ASSIGN_OR_RETURN(TreeId people, w->CreateTree(TreeKind::kRowid));
  DOSQL_ASSIGN_OR_RETURN(TreeId by_name, w->CreateTree(TreeKind::kIndex));
  const char* names[] = {"ada", "grace", "edsger", "barbara", "donald", "frances", "leslie"};
  for (int64_t i = 1; i <= 5000; i++) {
    std::string name = std::string(names[i % 7]) + std::to_string(i);
    Value row[] = {Value::Text(name), Value::Integer(1900 + i % 120)};
    DOSQL_RETURN_IF_ERROR(w->Put(people, RowidKey(i), EncodeRecord(row)));
    Value key[] = {Value::Text(name), Value::Integer(i)};
    DOSQL_RETURN_IF_ERROR(w->Put(by_name, EncodeKey(key), ""));
  }
  DOSQL_RETURN_IF_ERROR(w->Commit().status());
  DOSQL_ASSIGN_OR_RETURN(auto w2, store->BeginWrite());
  for (int64_t i = 1; i <= 5000; i += 10) DOSQL_RETURN_IF_ERROR(w2->Delete(people, RowidKey(i)));
  DOSQL_RETURN_IF_ERROR(w2->Commit().status());
  std::printf("demo: wrote 5000 rows and an index, deleted 500 rows\n\n");
  return store->Close();
}

int Run(int argc, char** argv) {
  bool demo = false, records = false;
  std::string dir;
  for (int i = 1; i < argc; i++) {
    if (!std::strcmp(argv[i], "--demo")) {
      demo = true;
    } else if (!std::strcmp(argv[i], "--records")) {
      records = true;
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    } else {
      dir = argv[i];
    }
  }
  if (dir.empty()) {
    std::fprintf(stderr, "usage: dosql-inspect [--demo] [--records] DIR\n");
    return 2;
  }
  auto fs = fsx::NewLocalFileSystem();
  if (demo) {
    Status st = Demo(fs, dir);
    if (!st.ok()) {
      std::fprintf(stderr, "demo failed: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  StoreOptions o;
  o.create_if_missing = false;
  o.read_only = true;
  auto store = Store::Open(fs, dir, o);
  if (!store.ok()) {
    std::fprintf(stderr, "cannot open %s: %s\n", dir.c_str(), store.status().ToString().c_str());
    return 1;
  }
  Store& s = **store;
  StoreStats st = s.stats();
  std::printf("store        %s\n", dir.c_str());
  std::printf("page size    %u bytes\n", s.pager().page_size());
  std::printf("newest LSN   %llu (commit time %s)\n", (unsigned long long)st.last_lsn,
              FormatTime(st.last_commit_time_us).c_str());
  std::printf("checkpoint   LSN %llu; %llu transaction(s) replayed from the WAL\n",
              (unsigned long long)st.checkpoint_lsn,
              (unsigned long long)st.recovered_transactions);

  auto segs = s.pager().ListSegments();
  if (segs.ok()) {
    std::printf("data         %zu segment file(s)", segs->size());
    for (uint64_t seg : *segs) std::printf(" %llu", (unsigned long long)seg);
    std::printf("\n");
  }
  std::string wal_dir = fsx::JoinPath(dir, "wal");
  auto wal_files = fs->List(wal_dir);
  if (wal_files.ok()) {
    uint64_t bytes = 0;
    for (auto& f : *wal_files) {
      auto file = fs->Open(fsx::JoinPath(wal_dir, f), {.read_only = true});
      if (file.ok()) bytes += (*file)->Size().value_or(0);
    }
    std::printf("wal          %zu segment file(s), %llu bytes\n", wal_files->size(),
                (unsigned long long)bytes);
  }
  auto reader = wal::WalReader::Open(fs, wal_dir, st.checkpoint_lsn + 1);
  if (reader.ok()) {
    uint64_t n = 0, commits = 0;
    wal::Record r;
    for (;;) {
      auto more = (*reader)->Next(&r);
      if (!more.ok()) {
        std::printf("wal          ERROR %s\n", more.status().ToString().c_str());
        break;
      }
      if (!*more) break;
      n++;
      if (r.type == wal::RecordType::kCommit) commits++;
      if (records) {
        static const char* kNames[] = {"?", "put", "delete", "create-tree", "drop-tree",
                                       "commit", "meta"};
        int ti = static_cast<int>(r.type);
        std::printf("  lsn %-8llu txn %-6llu %-11s tree %llu key %zuB before %s after %s",
                    (unsigned long long)r.lsn, (unsigned long long)r.txn_id,
                    ti >= 1 && ti <= 6 ? kNames[ti] : "?", (unsigned long long)r.tree_id,
                    r.key.size(), r.has_before ? std::to_string(r.before.size()).c_str() : "-",
                    r.has_after ? std::to_string(r.after.size()).c_str() : "-");
        if (r.type == wal::RecordType::kCommit) {
          std::printf(" at %s", FormatTime(r.commit_time_us).c_str());
        }
        std::printf("\n");
      }
    }
    std::printf("wal          %llu record(s) after the checkpoint, %llu commit(s)\n",
                (unsigned long long)n, (unsigned long long)commits);
  }

  auto rt = s.BeginRead();
  if (!rt.ok()) return 1;
  auto trees = (*rt)->ListTrees();
  if (!trees.ok()) {
    std::fprintf(stderr, "cannot list trees: %s\n", trees.status().ToString().c_str());
    return 1;
  }
  std::printf("\n%-6s %-14s %-20s %10s %6s %8s %8s %9s %7s\n", "tree", "kind", "root", "entries",
              "depth", "leaves", "interior", "overflow", "fill");
  int rc = 0;
  for (const TreeInfo& t : *trees) {
    auto ts = btree::CheckTree(s.pager(), t.root);
    if (!ts.ok()) {
      std::printf("%-6llu %-14s CORRUPT: %s\n", (unsigned long long)t.id, KindName(t.kind),
                  ts.status().ToString().c_str());
      rc = 1;
      continue;
    }
    uint64_t pages = ts->leaf_pages + ts->interior_pages;
    double fill = pages ? 100.0 * ts->bytes_used / (pages * s.pager().page_size()) : 0;
    std::printf("%-6llu %-14s %-20llu %10llu %6u %8llu %8llu %9llu %6.1f%%\n",
                (unsigned long long)t.id, KindName(t.kind), (unsigned long long)t.root,
                (unsigned long long)ts->entries, ts->depth, (unsigned long long)ts->leaf_pages,
                (unsigned long long)ts->interior_pages, (unsigned long long)ts->overflow_pages,
                fill);
  }
  Status integrity = s.CheckIntegrity();
  std::printf("\nintegrity    %s\n", integrity.ok() ? "ok" : integrity.ToString().c_str());
  return integrity.ok() ? rc : 1;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
