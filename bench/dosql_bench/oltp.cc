// dosql-bench, workload "oltp": point select, insert, update and delete by primary key on a
// sysbench-like table, on file databases, in two modes:
//   autocommit: every statement is its own transaction, durable before the next one starts (both
//               engines at their durable defaults: dosql sync_commits = true, SQLite
//               journal_mode=WAL + synchronous=FULL);
//   batched:    the same statements inside BEGIN ... COMMIT of --oltp-batch statements each.
// The table is preloaded (untimed) with --oltp-rows rows. Inserts use new ids and the deletes of
// the same repetition remove them again, so every repetition starts from the same table. At the
// end, the engines' tables and the rows their point selects returned must agree.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench.h"

namespace dosql_bench {
namespace {

namespace fs = std::filesystem;

// sysbench's c/pad columns: groups of 11 digits joined by '-'.
std::string Filler(uint64_t seed, int groups) {
  Rng rng(seed);
  std::string s;
  for (int g = 0; g < groups; ++g) {
    if (g) s += '-';
    for (int k = 0; k < 11; ++k) s += static_cast<char>('0' + rng.Uniform(0, 9));
  }
  return s;
}

}  // namespace

bool RunOltp(const Options& o, const std::string& root, std::vector<ResultRow>* rows) {
  bool ok = true;
  const int64_t n = o.oltp_rows;
  std::unique_ptr<Engine> eng[2];
  for (int e = 0; e < 2; ++e) {
    EngineOptions eo;
    std::string dir = root + "/oltp-" + kEngineNames[e];
    if (e == kSqlite) {
      fs::create_directories(dir);
      eo.path = dir + "/oltp.db";
    } else {
      eo.path = dir;
    }
    eng[e] = e == kDosql ? OpenDosql(eo) : OpenSqlite(eo);
    Engine& en = *eng[e];
    en.Exec("CREATE TABLE sbtest(id INTEGER PRIMARY KEY, k INTEGER NOT NULL DEFAULT 0, "
            "c TEXT NOT NULL DEFAULT '', pad TEXT NOT NULL DEFAULT '')");
    en.Exec("CREATE INDEX k_idx ON sbtest(k)");
    en.Exec("BEGIN");
    auto ins = en.Prepare("INSERT INTO sbtest(id, k, c, pad) VALUES(?1, ?2, ?3, ?4)");
    Rng rng(7);
    for (int64_t id = 1; id <= n; ++id) {
      ins->BindInt(1, id);
      ins->BindInt(2, rng.Uniform(1, n));
      ins->BindText(3, Filler(static_cast<uint64_t>(id), 10));
      ins->BindText(4, Filler(static_cast<uint64_t>(id) + (1ULL << 40), 5));
      while (ins->Step()) {
      }
      ins->Reset();
    }
    ins.reset();
    en.Exec("COMMIT");
  }
  Progress("oltp: %lld rows loaded; %d reps", static_cast<long long>(n), o.reps);

  const char* const kOps[] = {"point-select", "insert", "update", "delete"};
  const char* const kSql[] = {"SELECT c FROM sbtest WHERE id = ?1",
                              "INSERT INTO sbtest(id, k, c, pad) VALUES(?1, ?2, ?3, ?4)",
                              "UPDATE sbtest SET c = ?2 WHERE id = ?1",
                              "DELETE FROM sbtest WHERE id = ?1"};
  const char* const kWhat[] = {"SELECT c FROM sbtest WHERE id = ? (random id)",
                               "INSERT INTO sbtest VALUES(?, ?, ?, ?) (new ids)",
                               "UPDATE sbtest SET c = ? WHERE id = ? (random id)",
                               "DELETE FROM sbtest WHERE id = ? (the ids just inserted)"};
  const size_t first = rows->size();
  for (int mode = 0; mode < 2; ++mode) {
    for (int op = 0; op < 4; ++op) {
      ResultRow r;
      r.workload = "oltp";
      r.group = mode == 0 ? "autocommit" : "batched";
      r.step = kOps[op];
      r.what = std::string(kWhat[op]) +
               (mode == 0 ? ", one transaction each"
                          : ", " + std::to_string(o.oltp_batch) + " per transaction");
      r.ops = mode == 0 ? o.oltp_auto_ops : o.oltp_batch_ops;
      rows->push_back(r);
    }
  }
  Digest selects[2];
  int64_t next_id = n + 1;
  for (int rep = 0; rep < o.reps; ++rep) {
    for (int mode = 0; mode < 2; ++mode) {
      const int64_t ops = mode == 0 ? o.oltp_auto_ops : o.oltp_batch_ops;
      const int64_t batch = mode == 0 ? 1 : o.oltp_batch;
      const int64_t base = next_id;
      next_id += ops;
      for (int op = 0; op < 4; ++op) {
        ResultRow& r = (*rows)[first + static_cast<size_t>(mode * 4 + op)];
        auto one = [&](int e) {
          return [&, e] {
            Rng rng(static_cast<uint64_t>(1000 * rep + 10 * mode + op));
            Engine& en = *eng[e];
            try {
              auto t0 = Clock::now();
              auto st = en.Prepare(kSql[op]);
              for (int64_t i = 0; i < ops; ++i) {
                if (batch > 1 && i % batch == 0) en.Exec("BEGIN");
                switch (op) {
                  case 0: st->BindInt(1, rng.Uniform(1, n)); break;
                  case 1:
                    st->BindInt(1, base + i);
                    st->BindInt(2, rng.Uniform(1, n));
                    st->BindText(3, Filler(static_cast<uint64_t>(base + i), 10));
                    st->BindText(4, Filler(static_cast<uint64_t>(base + i) + (1ULL << 40), 5));
                    break;
                  case 2:
                    st->BindInt(1, rng.Uniform(1, n));
                    st->BindText(2, Filler(rng.Next(), 10));
                    break;
                  case 3: st->BindInt(1, base + i); break;
                }
                if (op == 0) selects[e].Add(DigestRows(*st, false));
                else while (st->Step()) {
                  }
                st->Reset();
                if (batch > 1 && (i % batch == batch - 1 || i == ops - 1)) en.Exec("COMMIT");
              }
              st.reset();
              r.s[e].ms.push_back(Ms(Clock::now() - t0));
            } catch (const EngineError& err) {
              if (r.failure.empty()) r.failure = std::string(en.name()) + " failed: " + err.what();
              try {
                en.Exec("ROLLBACK");
              } catch (const EngineError&) {
              }
            }
          };
        };
        Interleave(rep, {one(kDosql), one(kSqlite)});
        if (!r.failure.empty()) ok = false;
        Progress("  %-10s %-12s rep %d  dosql %9.2f ms  sqlite %9.2f ms", r.group.c_str(), r.step.c_str(),
                 rep + 1, r.s[0].ms.empty() ? -1.0 : r.s[0].ms.back(),
                 r.s[1].ms.empty() ? -1.0 : r.s[1].ms.back());
      }
    }
  }
  // The engines must hold the same table and have read the same rows.
  const std::string check = "SELECT count(*), sum(id), sum(k), total(length(c)), max(c) FROM sbtest";
  Digest d0 = [&] { auto st = eng[0]->Prepare(check); return DigestRows(*st, false); }();
  Digest d1 = [&] { auto st = eng[1]->Prepare(check); return DigestRows(*st, false); }();
  if (!d0.Matches(d1) || !selects[0].Matches(selects[1])) {
    ResultRow& r = (*rows)[first];
    r.failure = "RESULT MISMATCH in oltp: table dosql " + d0.ToString() + " sqlite " + d1.ToString() +
                "; point selects dosql " + selects[0].ToString() + " sqlite " + selects[1].ToString();
    Progress("** %s", r.failure.c_str());
    ok = false;
  }
  eng[0].reset();
  eng[1].reset();
  if (!o.keep)
    for (int e = 0; e < 2; ++e) fs::remove_all(root + "/oltp-" + kEngineNames[e]);
  return ok;
}

}  // namespace dosql_bench
