// Test-only: a deterministic write workload and its model, shared by the crash tests and the
// kill -9 child process.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "dosql/core/record.h"
#include "dosql/transaction/store.h"

namespace dosql::transaction::testing {

struct Op {
  bool del = false;
  std::string key;
  std::string value;
};
struct Txn {
  std::vector<Op> ops;
  bool checkpoint_after = false;
};

// Transaction i of the workload with the given seed: inserts, updates, deletes, and now and
// then a large value that needs overflow pages.
inline Txn MakeTxn(uint64_t seed, uint64_t i) {
  std::mt19937_64 rng(seed * 1000003 + i);
  Txn t;
  int n = 1 + static_cast<int>(rng() % 12);
  for (int k = 0; k < n; k++) {
    Op op;
    int64_t key = static_cast<int64_t>(rng() % 400);
    op.key = RowidKey(key);
    uint64_t kind = rng() % 10;
    if (kind < 2) {
      op.del = true;
    } else {
      size_t len = kind == 9 ? 2000 + rng() % 30000 : 1 + rng() % 80;
      op.value.resize(len);
      for (auto& c : op.value) c = static_cast<char>('a' + rng() % 26);
      op.value += "#" + std::to_string(i);
    }
    t.ops.push_back(std::move(op));
  }
  t.checkpoint_after = rng() % 9 == 0;
  return t;
}

inline void ApplyToModel(const Txn& t, std::map<std::string, std::string>* m) {
  for (const Op& op : t.ops) {
    if (op.del) {
      m->erase(op.key);
    } else {
      (*m)[op.key] = op.value;
    }
  }
}

inline std::map<std::string, std::string> ModelAfter(uint64_t seed, uint64_t n) {
  std::map<std::string, std::string> m;
  for (uint64_t i = 0; i < n; i++) ApplyToModel(MakeTxn(seed, i), &m);
  return m;
}

inline Status ApplyTxn(WriteTransaction& w, TreeId tree, const Txn& t) {
  for (const Op& op : t.ops) {
    if (op.del) {
      DOSQL_RETURN_IF_ERROR(w.Delete(tree, op.key));
    } else {
      DOSQL_RETURN_IF_ERROR(w.Put(tree, op.key, op.value));
    }
  }
  return Status::OK();
}

inline Result<std::map<std::string, std::string>> ReadTree(ReadTransaction& r, TreeId tree) {
  std::map<std::string, std::string> m;
  DOSQL_ASSIGN_OR_RETURN(btree::Cursor c, r.NewCursor(tree));
  DOSQL_RETURN_IF_ERROR(c.SeekFirst());
  std::string scratch;
  while (c.Valid()) {
    DOSQL_ASSIGN_OR_RETURN(std::string_view v, c.value(&scratch));
    m.emplace(std::string(c.key()), std::string(v));
    DOSQL_RETURN_IF_ERROR(c.Next());
  }
  return m;
}

}  // namespace dosql::transaction::testing
