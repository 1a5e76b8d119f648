// Test helper process for kill_test.cc: runs the deterministic workload on a local store and
// prints "committed N" after transaction N is durable. The number of applied transactions is
// stored in the database itself (tree 1, key "count"), so a restarted child resumes where the
// recovered store stands.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dosql/fsx/fsx.h"
#include "workload.h"

using namespace dosql;
using namespace dosql::transaction;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DIR SEED\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  StoreOptions o;
  o.pager.page_size = 4096;
  o.checkpoint_wal_bytes = 256 << 10;
  o.wal_segment_bytes = 128 << 10;
  auto s = Store::Open(fsx::NewLocalFileSystem(), dir, o);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.status().ToString().c_str());
    return 1;
  }
  TreeId meta = 1, data = 2;
  uint64_t n = 0;
  {
    auto r = *(*s)->BeginRead();
    if (!r->GetTree(meta).ok()) {
      auto w = *(*s)->BeginWrite();
      if (*w->CreateTree(TreeKind::kInternal) != meta || *w->CreateTree(TreeKind::kRowid) != data) {
        std::fprintf(stderr, "unexpected tree ids\n");
        return 1;
      }
      if (!w->Put(meta, "count", "0").ok() || !w->Commit().ok()) return 1;
    } else {
      auto c = r->Get(meta, "count");
      if (!c.ok() || !c->has_value()) return 1;
      n = std::strtoull((*c)->c_str(), nullptr, 10);
    }
  }
  std::printf("start %llu\n", static_cast<unsigned long long>(n));
  std::fflush(stdout);
  for (;; n++) {
    testing::Txn txn = testing::MakeTxn(seed, n);
    auto w = (*s)->BeginWrite();
    if (!w.ok()) return 1;
    if (!testing::ApplyTxn(**w, data, txn).ok()) return 1;
    if (!(*w)->Put(meta, "count", std::to_string(n + 1)).ok()) return 1;
    auto c = (*w)->Commit();
    if (!c.ok()) {
      std::fprintf(stderr, "commit: %s\n", c.status().ToString().c_str());
      return 1;
    }
    std::printf("committed %llu\n", static_cast<unsigned long long>(n + 1));
    std::fflush(stdout);
    if (txn.checkpoint_after && !(*s)->Checkpoint().ok()) return 1;
  }
}
