// dosql-bench, workload "speedtest": the steps of SQLite's speedtest1 "main" test set, written
// for this bench from speedtest1's published description (the step numbers are speedtest1's).
// N = 500 x --size rows. Every step runs on both engines in lockstep (the engines' order rotates
// with the repetition), on fresh databases for each repetition, either file databases or
// in-memory ones. What each step runs is in its `what` line and in docs/benchmarks.md.
//
// Checks: every query's rows are digested (count, hash, sum of REALs) and the digests of the
// two engines must agree; after each step that writes, an untimed query digests the tables it
// changed on both engines, so the first step where the engines' data diverge is named.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench.h"

namespace dosql_bench {
namespace {

namespace fs = std::filesystem;

// The English name of a number ("one thousand two hundred thirty four"), speedtest1's kind of
// text column.
std::string NumberName(int64_t n) {
  static const char* const kOnes[] = {"zero",    "one",     "two",       "three",    "four",
                                      "five",    "six",     "seven",     "eight",    "nine",
                                      "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
                                      "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static const char* const kTens[] = {"",      "",      "twenty",  "thirty", "forty",
                                      "fifty", "sixty", "seventy", "eighty", "ninety"};
  if (n < 0) return "minus " + NumberName(-n);
  std::string out;
  auto add = [&](const std::string& s) {
    if (!out.empty()) out += ' ';
    out += s;
  };
  const struct {
    int64_t unit;
    const char* name;
  } kBig[] = {{1000000000, "billion"}, {1000000, "million"}, {1000, "thousand"}, {100, "hundred"}};
  for (const auto& b : kBig) {
    if (n >= b.unit) {
      add(NumberName(n / b.unit) + " " + b.name);
      n %= b.unit;
    }
  }
  if (n >= 20) {
    add(kTens[n / 10]);
    n %= 10;
    if (n) add(kOnes[n]);
  } else if (n > 0 || out.empty()) {
    add(kOnes[n]);
  }
  return out;
}

struct Ctx {
  int64_t n = 0;      // rows per table
  int size = 0;       // --size
  int bits = 0;       // maxb = 2^bits - 1 >= n
  int64_t maxb = 0;
  // A bijection of [0, 2^bits): scatters 1..n over the key space (speedtest1's "swizzle").
  int64_t Swz(int64_t i) const {
    uint64_t m = (1ULL << bits) - 1, x = static_cast<uint64_t>(i) & m;
    x = (x * 0x9E3779B97F4A7C15ULL) & m;  // odd multiplier: a bijection mod 2^bits
    x ^= x >> (bits / 2 + 1);
    x = (x * 0xBF58476D1CE4E5B9ULL) & m;
    return static_cast<int64_t>(x);
  }
};

using StepFn = std::function<Digest(Engine&, const Ctx&)>;

struct Step {
  std::string id, what;
  StepFn run;
  std::string check;  // untimed query digesting the tables this step changed ("" = none)
};

// Runs `sql` once and digests its rows.
Digest Query(Engine& e, const std::string& sql, bool ordered = false) {
  auto st = e.Prepare(sql);
  return DigestRows(*st, ordered);
}

// Prepares `sql` once, then `count` times: bind(stmt, i), step to the end (digesting rows), reset.
Digest Loop(Engine& e, const std::string& sql, int64_t count,
            const std::function<void(Stmt&, int64_t)>& bind, bool ordered = false) {
  auto st = e.Prepare(sql);
  Digest d;
  for (int64_t i = 0; i < count; ++i) {
    bind(*st, i);
    d.Add(DigestRows(*st, ordered));
    st->Reset();
  }
  return d;
}

std::string Sum3(const std::string& t) {
  return "SELECT count(*), sum(a), sum(b), total(length(c)), min(c), max(c) FROM " + t;
}

std::vector<Step> MakeSteps() {
  std::vector<Step> s;
  const std::string kCols = "count(*), avg(b), sum(length(c))";
  s.push_back({"100", "N INSERTs into a table with no index (one transaction)",
               [](Engine& e, const Ctx& c) {
                 e.Exec("BEGIN");
                 e.Exec("CREATE TABLE t1(a INTEGER, b INTEGER, c TEXT)");
                 Loop(e, "INSERT INTO t1 VALUES(?1, ?2, ?3)", c.n, [&](Stmt& st, int64_t i) {
                   int64_t x = c.Swz(i + 1);
                   st.BindInt(1, x);
                   st.BindInt(2, i + 1);
                   st.BindText(3, NumberName(x));
                 });
                 e.Exec("COMMIT");
                 return Digest{};
               },
               Sum3("t1")});
  s.push_back({"110", "N ordered INSERTs with an INTEGER PRIMARY KEY",
               [](Engine& e, const Ctx& c) {
                 e.Exec("BEGIN");
                 e.Exec("CREATE TABLE t2(a INTEGER PRIMARY KEY, b INTEGER, c TEXT)");
                 Loop(e, "INSERT INTO t2 VALUES(?1, ?2, ?3)", c.n, [&](Stmt& st, int64_t i) {
                   int64_t x = c.Swz(i + 1);
                   st.BindInt(1, i + 1);
                   st.BindInt(2, x);
                   st.BindText(3, NumberName(x));
                 });
                 e.Exec("COMMIT");
                 return Digest{};
               },
               Sum3("t2")});
  s.push_back({"120", "N unordered INSERTs with an INTEGER PRIMARY KEY",
               [](Engine& e, const Ctx& c) {
                 e.Exec("BEGIN");
                 e.Exec("CREATE TABLE t3(a INTEGER PRIMARY KEY, b INTEGER, c TEXT)");
                 Loop(e, "INSERT INTO t3 VALUES(?1, ?2, ?3)", c.n, [&](Stmt& st, int64_t i) {
                   int64_t x = c.Swz(i + 1);
                   st.BindInt(1, x);
                   st.BindInt(2, i + 1);
                   st.BindText(3, NumberName(i + 1));
                 });
                 e.Exec("COMMIT");
                 return Digest{};
               },
               Sum3("t3")});
  s.push_back({"130", "size/4 SELECTs, numeric BETWEEN, unindexed (full scans)",
               [kCols](Engine& e, const Ctx& c) {
                 Rng rng(130);
                 return Loop(e, "SELECT " + kCols + ", group_concat(c) FROM t1 WHERE b BETWEEN ?1 AND ?2",
                             std::max(1, c.size / 4), [&](Stmt& st, int64_t) {
                               int64_t x = rng.Uniform(0, c.n);
                               st.BindInt(1, x);
                               st.BindInt(2, x + 100);
                             });
               },
               ""});
  auto like_pattern = [](Rng& rng) { return "%" + NumberName(rng.Uniform(1, 999)) + "%"; };
  s.push_back({"140", "size/10 SELECTs, LIKE, unindexed",
               [kCols, like_pattern](Engine& e, const Ctx& c) {
                 Rng rng(140);
                 return Loop(e, "SELECT " + kCols + ", group_concat(c) FROM t1 WHERE c LIKE ?1",
                             std::max(1, c.size / 10),
                             [&](Stmt& st, int64_t) { st.BindText(1, like_pattern(rng)); });
               },
               ""});
  s.push_back({"142", "size/10 SELECTs with ORDER BY, unindexed",
               [like_pattern](Engine& e, const Ctx& c) {
                 Rng rng(142);
                 return Loop(e, "SELECT a, b, c FROM t1 WHERE c LIKE ?1 ORDER BY a",
                             std::max(1, c.size / 10),
                             [&](Stmt& st, int64_t) { st.BindText(1, like_pattern(rng)); }, true);
               },
               ""});
  s.push_back({"145", "size/10 SELECTs with ORDER BY and LIMIT, unindexed",
               [like_pattern](Engine& e, const Ctx& c) {
                 Rng rng(145);
                 return Loop(e, "SELECT a, b, c FROM t1 WHERE c LIKE ?1 ORDER BY a LIMIT 10",
                             std::max(1, c.size / 10),
                             [&](Stmt& st, int64_t) { st.BindText(1, like_pattern(rng)); }, true);
               },
               ""});
  s.push_back({"150", "CREATE INDEX five times (one transaction)",
               [](Engine& e, const Ctx&) {
                 e.Exec("BEGIN");
                 e.Exec("CREATE UNIQUE INDEX t1b ON t1(b)");
                 e.Exec("CREATE INDEX t1c ON t1(c)");
                 e.Exec("CREATE UNIQUE INDEX t2b ON t2(b)");
                 e.Exec("CREATE INDEX t2c ON t2(c DESC)");
                 e.Exec("CREATE INDEX t3bc ON t3(b, c)");
                 e.Exec("COMMIT");
                 return Digest{};
               },
               "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"});
  s.push_back({"160", "N/5 SELECTs, numeric BETWEEN, indexed",
               [kCols](Engine& e, const Ctx& c) {
                 Rng rng(160);
                 return Loop(e, "SELECT " + kCols + ", group_concat(a) FROM t1 WHERE b BETWEEN ?1 AND ?2",
                             c.n / 5, [&](Stmt& st, int64_t) {
                               int64_t x = rng.Uniform(0, c.n);
                               st.BindInt(1, x);
                               st.BindInt(2, x + 10);
                             });
               },
               ""});
  s.push_back({"161", "N/5 SELECTs, numeric BETWEEN, PRIMARY KEY",
               [kCols](Engine& e, const Ctx& c) {
                 Rng rng(161);
                 return Loop(e, "SELECT " + kCols + ", group_concat(a) FROM t2 WHERE a BETWEEN ?1 AND ?2",
                             c.n / 5, [&](Stmt& st, int64_t) {
                               int64_t x = rng.Uniform(0, c.n);
                               st.BindInt(1, x);
                               st.BindInt(2, x + 10);
                             });
               },
               ""});
  s.push_back({"170", "N/5 SELECTs, text BETWEEN, indexed (upper bound from a subquery)",
               [kCols](Engine& e, const Ctx& c) {
                 Rng rng(170);
                 return Loop(e,
                             "SELECT " + kCols + ", group_concat(a) FROM t1 WHERE c BETWEEN ?1 AND "
                             "(SELECT c FROM t1 WHERE c >= ?1 ORDER BY c LIMIT 1 OFFSET 4)",
                             c.n / 5, [&](Stmt& st, int64_t) {
                               st.BindText(1, NumberName(c.Swz(rng.Uniform(1, c.n))));
                             });
               },
               ""});
  s.push_back({"180", "N INSERTs with three indexes (INSERT ... SELECT)",
               [](Engine& e, const Ctx&) {
                 e.Exec("BEGIN");
                 e.Exec("CREATE TABLE t4(a INTEGER UNIQUE NOT NULL, b INTEGER UNIQUE NOT NULL, c TEXT)");
                 e.Exec("CREATE INDEX t4c ON t4(c)");
                 e.Exec("INSERT INTO t4 SELECT * FROM t1");
                 e.Exec("COMMIT");
                 return Digest{};
               },
               Sum3("t4")});
  s.push_back({"190", "DELETE and refill one table",
               [](Engine& e, const Ctx&) {
                 e.Exec("BEGIN");
                 e.Exec("DELETE FROM t2");
                 e.Exec("INSERT INTO t2 SELECT * FROM t1");
                 e.Exec("COMMIT");
                 return Digest{};
               },
               Sum3("t2")});
  s.push_back({"200", "VACUUM (not in the total: the engines do different work)",
               [](Engine& e, const Ctx&) {
                 e.Exec("VACUUM");
                 return Digest{};
               },
               ""});
  s.push_back({"210", "ALTER TABLE ADD COLUMN, and query",
               [](Engine& e, const Ctx&) {
                 e.Exec("ALTER TABLE t2 ADD COLUMN d DEFAULT 123");
                 return Query(e, "SELECT sum(d) FROM t2");
               },
               ""});
  s.push_back({"230", "N/5 UPDATEs, numeric BETWEEN, indexed",
               [](Engine& e, const Ctx& c) {
                 Rng rng(230);
                 e.Exec("BEGIN");
                 Loop(e, "UPDATE t2 SET d = b * 2 WHERE b BETWEEN ?1 AND ?2", c.n / 5,
                      [&](Stmt& st, int64_t) {
                        int64_t x = rng.Uniform(0, c.maxb);
                        st.BindInt(1, x);
                        st.BindInt(2, x + 10);
                      });
                 e.Exec("COMMIT");
                 return Digest{};
               },
               "SELECT count(*), sum(d), sum(a * d % 1000) FROM t2"});
  s.push_back({"240", "N UPDATEs of single rows by INTEGER PRIMARY KEY",
               [](Engine& e, const Ctx& c) {
                 Rng rng(240);
                 e.Exec("BEGIN");
                 Loop(e, "UPDATE t2 SET d = b * 3 WHERE a = ?1", c.n,
                      [&](Stmt& st, int64_t) { st.BindInt(1, rng.Uniform(0, c.maxb)); });
                 e.Exec("COMMIT");
                 return Digest{};
               },
               "SELECT count(*), sum(d), sum(a * d % 1000) FROM t2"});
  s.push_back({"250", "One big UPDATE of the whole table",
               [](Engine& e, const Ctx&) {
                 e.Exec("UPDATE t2 SET d = b * 4");
                 return Digest{};
               },
               "SELECT count(*), sum(d), sum(a * d % 1000) FROM t2"});
  s.push_back({"260", "Query the added column after filling",
               [](Engine& e, const Ctx&) { return Query(e, "SELECT sum(d) FROM t2"); }, ""});
  s.push_back({"270", "N/5 DELETEs, numeric BETWEEN, indexed",
               [](Engine& e, const Ctx& c) {
                 Rng rng(270);
                 e.Exec("BEGIN");
                 Loop(e, "DELETE FROM t2 WHERE b BETWEEN ?1 AND ?2", c.n / 5, [&](Stmt& st, int64_t) {
                   int64_t x = rng.Uniform(0, c.maxb);
                   st.BindInt(1, x);
                   st.BindInt(2, x + 10);
                 });
                 e.Exec("COMMIT");
                 return Digest{};
               },
               Sum3("t2")});
  s.push_back({"280", "N DELETEs of single rows by INTEGER PRIMARY KEY",
               [](Engine& e, const Ctx& c) {
                 Rng rng(280);
                 e.Exec("BEGIN");
                 Loop(e, "DELETE FROM t3 WHERE a = ?1", c.n,
                      [&](Stmt& st, int64_t) { st.BindInt(1, rng.Uniform(0, c.maxb)); });
                 e.Exec("COMMIT");
                 return Digest{};
               },
               Sum3("t3")});
  s.push_back({"290", "Refill two N-row tables using REPLACE",
               [](Engine& e, const Ctx&) {
                 e.Exec("BEGIN");
                 e.Exec("REPLACE INTO t2(a, b, c) SELECT a, b, c FROM t1");
                 e.Exec("REPLACE INTO t3(a, b, c) SELECT a, b, c FROM t1");
                 e.Exec("COMMIT");
                 return Digest{};
               },
               Sum3("t2") + " UNION ALL " + Sum3("t3")});
  s.push_back({"300", "Refill an N-row table in two halves ((b&1)==(a&1), then <>)",
               [](Engine& e, const Ctx&) {
                 e.Exec("BEGIN");
                 e.Exec("DELETE FROM t2");
                 e.Exec("INSERT INTO t2(a, b, c) SELECT a, b, c FROM t1 WHERE (b & 1) == (a & 1)");
                 e.Exec("INSERT INTO t2(a, b, c) SELECT a, b, c FROM t1 WHERE (b & 1) <> (a & 1)");
                 e.Exec("COMMIT");
                 return Digest{};
               },
               Sum3("t2")});
  s.push_back({"310", "N/5 four-way joins",
               [](Engine& e, const Ctx& c) {
                 Rng rng(310);
                 return Loop(e,
                             "SELECT t1.c FROM t1, t2, t3, t4 WHERE t4.a BETWEEN ?1 AND ?2 "
                             "AND t3.a = t4.b AND t2.a = t3.b AND t1.c = t2.c",
                             c.n / 5, [&](Stmt& st, int64_t) {
                               int64_t x = rng.Uniform(0, c.maxb);
                               st.BindInt(1, x);
                               st.BindInt(2, x + 3);
                             });
               },
               ""});
  s.push_back({"320", "N/5 SELECTs with a subquery in the result set",
               [](Engine& e, const Ctx& c) {
                 Rng rng(320);
                 return Loop(e,
                             "SELECT t1.a, substr(t1.c, 10, 20), (SELECT b FROM t2 WHERE t2.a = t1.a) "
                             "FROM t1 WHERE t1.b BETWEEN ?1 AND ?2",
                             c.n / 5, [&](Stmt& st, int64_t) {
                               int64_t x = rng.Uniform(0, c.n);
                               st.BindInt(1, x);
                               st.BindInt(2, x + 10);
                             });
               },
               ""});
  s.push_back({"400", "N REPLACEs on an INTEGER PRIMARY KEY",
               [](Engine& e, const Ctx& c) {
                 Rng rng(400);
                 e.Exec("CREATE TABLE t5(a INTEGER PRIMARY KEY, b)");
                 e.Exec("BEGIN");
                 Loop(e, "REPLACE INTO t5 VALUES(?1, ?2)", c.n, [&](Stmt& st, int64_t) {
                   st.BindInt(1, rng.Uniform(1, c.n));
                   st.BindInt(2, rng.Uniform(0, c.n / 4));
                 });
                 e.Exec("COMMIT");
                 return Digest{};
               },
               "SELECT count(*), sum(a), sum(b) FROM t5"});
  s.push_back({"410", "N point SELECTs on an INTEGER PRIMARY KEY",
               [](Engine& e, const Ctx& c) {
                 Rng rng(410);
                 return Loop(e, "SELECT b FROM t5 WHERE a = ?1", c.n,
                             [&](Stmt& st, int64_t) { st.BindInt(1, rng.Uniform(1, c.n)); });
               },
               ""});
  s.push_back({"500", "N REPLACEs on a TEXT PRIMARY KEY",
               [](Engine& e, const Ctx& c) {
                 Rng rng(500);
                 e.Exec("CREATE TABLE t6(a TEXT PRIMARY KEY, b)");
                 e.Exec("BEGIN");
                 Loop(e, "REPLACE INTO t6 VALUES(?1, ?2)", c.n, [&](Stmt& st, int64_t) {
                   st.BindText(1, NumberName(rng.Uniform(1, c.n)));
                   st.BindInt(2, rng.Uniform(0, c.n / 4));
                 });
                 e.Exec("COMMIT");
                 return Digest{};
               },
               "SELECT count(*), total(length(a)), sum(b), min(a), max(a) FROM t6"});
  s.push_back({"510", "N point SELECTs on a TEXT PRIMARY KEY",
               [](Engine& e, const Ctx& c) {
                 Rng rng(510);
                 return Loop(e, "SELECT b FROM t6 WHERE a = ?1", c.n, [&](Stmt& st, int64_t) {
                   st.BindText(1, NumberName(rng.Uniform(1, c.n)));
                 });
               },
               ""});
  s.push_back({"520", "SELECT DISTINCT on t5 and t6, 5 times each",
               [](Engine& e, const Ctx&) {
                 Digest d;
                 for (int k = 0; k < 5; ++k) {
                   d.Add(Query(e, "SELECT DISTINCT b FROM t5"));
                   d.Add(Query(e, "SELECT DISTINCT b FROM t6"));
                 }
                 return d;
               },
               ""});
  s.push_back({"980", "PRAGMA integrity_check",
               [](Engine& e, const Ctx&) { return Query(e, "PRAGMA integrity_check"); }, ""});
  s.push_back({"990", "ANALYZE",
               [](Engine& e, const Ctx&) {
                 e.Exec("ANALYZE");
                 return Digest{};
               },
               ""});
  return s;
}

}  // namespace

bool RunSpeedtest(const Options& o, const std::string& root, std::vector<ResultRow>* rows) {
  bool ok = true;
  Ctx ctx;
  ctx.size = o.size;
  ctx.n = 500LL * o.size;
  ctx.bits = 1;
  while ((1LL << ctx.bits) - 1 < ctx.n) ++ctx.bits;
  ctx.maxb = (1LL << ctx.bits) - 1;
  const std::vector<Step> steps = MakeSteps();

  for (const std::string& mode : o.modes) {
    const bool memory = mode == "memory";
    const std::string group = mode + ", size " + std::to_string(o.size);
    const size_t first = rows->size();
    for (const Step& st : steps) {
      ResultRow r;
      r.workload = "speedtest";
      r.group = group;
      r.step = st.id;
      r.what = st.what;
      r.in_total = st.id != "200";
      rows->push_back(r);
    }
    Progress("speedtest (%s): N = %lld rows, %d reps", group.c_str(), static_cast<long long>(ctx.n),
             o.reps);
    for (int rep = 0; rep < o.reps; ++rep) {
      std::unique_ptr<Engine> eng[2];
      std::string dirs[2];
      for (int e = 0; e < 2; ++e) {
        EngineOptions eo;
        if (memory) {
          eo.path = ":memory:";
        } else {
          dirs[e] = root + "/speedtest-" + kEngineNames[e] + "-" + std::to_string(rep);
          if (e == kSqlite) {
            fs::create_directories(dirs[e]);
            eo.path = dirs[e] + "/speedtest.db";
          } else {
            eo.path = dirs[e];
          }
        }
        eng[e] = e == kDosql ? OpenDosql(eo) : OpenSqlite(eo);
      }
      for (size_t k = 0; k < steps.size(); ++k) {
        const Step& st = steps[k];
        ResultRow& r = (*rows)[first + k];
        Digest dig[2];
        bool failed[2] = {false, false};
        auto one = [&](int e) {
          return [&, e] {
            auto t0 = Clock::now();
            try {
              dig[e] = st.run(*eng[e], ctx);
            } catch (const EngineError& err) {
              failed[e] = true;
              if (r.failure.empty())
                r.failure = std::string(kEngineNames[e]) + " failed step " + st.id + ": " + err.what();
              // Leave no transaction open for the next step.
              try {
                eng[e]->Exec("ROLLBACK");
              } catch (const EngineError&) {
              }
            }
            if (!failed[e]) r.s[e].ms.push_back(Ms(Clock::now() - t0));
          };
        };
        Interleave(rep, {one(kDosql), one(kSqlite)});
        if (!failed[0] && !failed[1] && !dig[0].Matches(dig[1]) && r.failure.empty())
          r.failure = "RESULT MISMATCH in step " + st.id + ": dosql " + dig[0].ToString() +
                      ", sqlite " + dig[1].ToString();
        if (!st.check.empty() && r.failure.empty()) {
          try {
            Digest c0 = Query(*eng[0], st.check), c1 = Query(*eng[1], st.check);
            if (!c0.Matches(c1))
              r.failure = "DATA MISMATCH after step " + st.id + " (" + st.check + "): dosql " +
                          c0.ToString() + ", sqlite " + c1.ToString();
          } catch (const EngineError& err) {
            r.failure = std::string("check after step ") + st.id + " failed: " + err.what();
          }
        }
        if (!r.failure.empty()) ok = false;
        Progress("  %-4s rep %d  dosql %9.2f ms  sqlite %9.2f ms%s", st.id.c_str(), rep + 1,
                 r.s[0].ms.empty() ? -1.0 : r.s[0].ms.back(), r.s[1].ms.empty() ? -1.0 : r.s[1].ms.back(),
                 r.failure.empty() ? "" : ("  ** " + r.failure).c_str());
      }
      eng[0].reset();
      eng[1].reset();
      if (!o.keep)
        for (auto& d : dirs)
          if (!d.empty()) fs::remove_all(d);
    }
  }
  return ok;
}

}  // namespace dosql_bench
