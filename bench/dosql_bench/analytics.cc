// dosql-bench, workload "analytics": TPC-H-style queries on data from our own generator
// (tpch.h), at each --scale. The generator writes '|'-separated files once per scale; dosql and
// SQLite load them through the adapter (prepared INSERTs, a commit every 100,000 rows, into file
// databases with the tables' primary keys and no other index), DuckDB loads them with COPY into a
// file database (no keys: DuckDB's usual setup). Loads are timed once and reported; the queries
// are timed --reps times (--reps-large at scales >= 1), interleaving the three engines, and their
// results must agree: dosql and SQLite exactly (REAL within 1e-9 relative), DuckDB by value (REAL
// within 1e-6 relative). A mismatch fails the run.
//
// DuckDB runs in a child process: `node bench/duckdb/peer.mjs` (the @duckdb/node-api package,
// SET threads=1), driven over pipes (see peer.mjs for the protocol); the time reported for it is
// measured inside the child around the client call.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench.h"
#include "tpch.h"

namespace dosql_bench {
namespace {

namespace fs = std::filesystem;

struct Query {
  std::string id, what, sql;
};

// The queries, in SQLite's dialect (dates are 'YYYY-MM-DD' text compared with literals; DuckDB
// runs the same text on DATE columns). Where a TPC-H query's ORDER BY leaves ties, a key is added
// so that the engines' rows can be compared in order. Q19 states the part/lineitem join once,
// outside its OR (the same rows as TPC-H's text, which repeats it in each branch).
std::vector<Query> Queries() {
  return {
      {"Q1", "pricing summary report",
       "SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price, "
       "sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price, "
       "sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge, avg(l_quantity) AS avg_qty, "
       "avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc, count(*) AS count_order "
       "FROM lineitem WHERE l_shipdate <= '1998-09-02' "
       "GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus"},
      {"Q3", "shipping priority",
       "SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority "
       "FROM customer, orders, lineitem "
       "WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey "
       "AND o_orderdate < '1995-03-15' AND l_shipdate > '1995-03-15' "
       "GROUP BY l_orderkey, o_orderdate, o_shippriority "
       "ORDER BY revenue DESC, o_orderdate, l_orderkey LIMIT 10"},
      {"Q4", "order priority checking (EXISTS)",
       "SELECT o_orderpriority, count(*) AS order_count FROM orders "
       "WHERE o_orderdate >= '1993-07-01' AND o_orderdate < '1993-10-01' "
       "AND EXISTS (SELECT * FROM lineitem WHERE l_orderkey = o_orderkey AND l_commitdate < l_receiptdate) "
       "GROUP BY o_orderpriority ORDER BY o_orderpriority"},
      {"Q5", "local supplier volume (6-way join)",
       "SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue "
       "FROM customer, orders, lineitem, supplier, nation, region "
       "WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey "
       "AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey "
       "AND r_name = 'ASIA' AND o_orderdate >= '1994-01-01' AND o_orderdate < '1995-01-01' "
       "GROUP BY n_name ORDER BY revenue DESC, n_name"},
      {"Q6", "forecasting revenue change",
       "SELECT sum(l_extendedprice * l_discount) AS revenue FROM lineitem "
       "WHERE l_shipdate >= '1994-01-01' AND l_shipdate < '1995-01-01' "
       "AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24"},
      {"Q10", "returned item reporting",
       "SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue, c_acctbal, n_name, "
       "c_address, c_phone, c_comment FROM customer, orders, lineitem, nation "
       "WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND o_orderdate >= '1993-10-01' "
       "AND o_orderdate < '1994-01-01' AND l_returnflag = 'R' AND c_nationkey = n_nationkey "
       "GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment "
       "ORDER BY revenue DESC, c_custkey LIMIT 20"},
      {"Q12", "shipping modes and order priority",
       "SELECT l_shipmode, "
       "sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) "
       "AS high_line_count, "
       "sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) "
       "AS low_line_count FROM orders, lineitem "
       "WHERE o_orderkey = l_orderkey AND l_shipmode IN ('MAIL', 'SHIP') AND l_commitdate < l_receiptdate "
       "AND l_shipdate < l_commitdate AND l_receiptdate >= '1994-01-01' AND l_receiptdate < '1995-01-01' "
       "GROUP BY l_shipmode ORDER BY l_shipmode"},
      {"Q14", "promotion effect",
       "SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * (1 - l_discount) "
       "ELSE 0 END) / sum(l_extendedprice * (1 - l_discount)) AS promo_revenue FROM lineitem, part "
       "WHERE l_partkey = p_partkey AND l_shipdate >= '1995-09-01' AND l_shipdate < '1995-10-01'"},
      {"Q18", "large volume customer (IN + GROUP BY HAVING)",
       "SELECT c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice, sum(l_quantity) "
       "FROM customer, orders, lineitem WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem "
       "GROUP BY l_orderkey HAVING sum(l_quantity) > 300) AND c_custkey = o_custkey "
       "AND o_orderkey = l_orderkey GROUP BY c_name, c_custkey, o_orderkey, o_orderdate, o_totalprice "
       "ORDER BY o_totalprice DESC, o_orderdate, o_orderkey LIMIT 100"},
      {"Q19", "discounted revenue (OR of three part/lineitem filters)",
       "SELECT sum(l_extendedprice * (1 - l_discount)) AS revenue FROM lineitem, part "
       "WHERE p_partkey = l_partkey AND ("
       "(p_brand = 'Brand#12' AND p_container IN ('SM CASE', 'SM BOX', 'SM PACK', 'SM PKG') "
       "AND l_quantity >= 1 AND l_quantity <= 11 AND p_size BETWEEN 1 AND 5 "
       "AND l_shipmode IN ('AIR', 'AIR REG') AND l_shipinstruct = 'DELIVER IN PERSON') OR "
       "(p_brand = 'Brand#23' AND p_container IN ('MED BAG', 'MED BOX', 'MED PKG', 'MED PACK') "
       "AND l_quantity >= 10 AND l_quantity <= 20 AND p_size BETWEEN 1 AND 10 "
       "AND l_shipmode IN ('AIR', 'AIR REG') AND l_shipinstruct = 'DELIVER IN PERSON') OR "
       "(p_brand = 'Brand#34' AND p_container IN ('LG CASE', 'LG BOX', 'LG PACK', 'LG PKG') "
       "AND l_quantity >= 20 AND l_quantity <= 30 AND p_size BETWEEN 1 AND 15 "
       "AND l_shipmode IN ('AIR', 'AIR REG') AND l_shipinstruct = 'DELIVER IN PERSON'))"},
  };
}

std::string SqlType(char t) { return t == 'i' ? "INTEGER" : t == 'r' ? "REAL" : "TEXT"; }
std::string DuckType(char t) {
  return t == 'i' ? "BIGINT" : t == 'r' ? "DOUBLE" : t == 'd' ? "DATE" : "VARCHAR";
}

std::string CreateSql(const TpchTable& t, bool duck) {
  std::string s = "CREATE TABLE " + t.name + "(";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i) s += ", ";
    s += t.columns[i].name + " " + (duck ? DuckType(t.columns[i].type) : SqlType(t.columns[i].type));
    if (!duck && i == 0 && t.key.empty()) s += " PRIMARY KEY";
  }
  if (!duck && !t.key.empty()) s += ", PRIMARY KEY(" + t.key + ")";
  return s + ")";
}

// Loads <dir>/<table>.tbl through prepared INSERTs, committing every 100,000 rows.
void LoadTable(Engine& e, const TpchTable& t, const std::string& dir) {
  std::ifstream in(dir + "/" + t.name + ".tbl");
  if (!in) throw EngineError("cannot read " + dir + "/" + t.name + ".tbl");
  std::string sql = "INSERT INTO " + t.name + " VALUES(";
  for (size_t i = 0; i < t.columns.size(); ++i) sql += i ? ", ?" : "?";
  auto st = e.Prepare(sql + ")");
  std::string line;
  int64_t n = 0;
  e.Exec("BEGIN");
  while (std::getline(in, line)) {
    size_t start = 0;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      size_t bar = line.find('|', start);
      if (bar == std::string::npos) bar = line.size();
      std::string_view f(line.data() + start, bar - start);
      const int idx = static_cast<int>(i + 1);
      switch (t.columns[i].type) {
        case 'i': st->BindInt(idx, std::strtoll(std::string(f).c_str(), nullptr, 10)); break;
        case 'r': st->BindReal(idx, std::strtod(std::string(f).c_str(), nullptr)); break;
        default: st->BindText(idx, f); break;
      }
      start = bar + 1;
    }
    while (st->Step()) {
    }
    st->Reset();
    if (++n % 100000 == 0) {
      e.Exec("COMMIT");
      e.Exec("BEGIN");
    }
  }
  e.Exec("COMMIT");
}

// The DuckDB child process.
class DuckPeer {
 public:
  ~DuckPeer() { Stop(); }
  // Starts node on `script`; false (with *error) if it cannot.
  bool Start(const std::string& script, std::string* error) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) {
      *error = "pipe failed";
      return false;
    }
    pid_ = fork();
    if (pid_ < 0) {
      *error = "fork failed";
      return false;
    }
    if (pid_ == 0) {
      dup2(to_child[0], 0);
      dup2(from_child[1], 1);
      close(to_child[0]);
      close(to_child[1]);
      close(from_child[0]);
      close(from_child[1]);
      execlp("node", "node", script.c_str(), static_cast<char*>(nullptr));
      std::perror("dosql-bench: exec node");
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in_ = fdopen(to_child[1], "w");
    out_ = fdopen(from_child[0], "r");
    return in_ && out_;
  }
  void Stop() {
    if (pid_ <= 0) return;
    if (in_) {
      std::fputs("{\"cmd\":\"quit\"}\n", in_);
      std::fclose(in_);
      in_ = nullptr;
    }
    if (out_) {
      std::fclose(out_);
      out_ = nullptr;
    }
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // Sends a command; returns the reply's fields after "OK" (throws EngineError on ERR).
  std::vector<std::string> Call(const std::string& cmd, const std::string& key, const std::string& value) {
    std::string line = "{\"cmd\":\"" + cmd + "\",\"" + key + "\":\"" + JsonEscape(value) + "\"}\n";
    if (!in_ || std::fputs(line.c_str(), in_) < 0 || std::fflush(in_) != 0)
      throw EngineError("duckdb peer: cannot write to the child process");
    std::string reply = ReadLine();
    std::vector<std::string> f = Split(reply, '\t');
    if (f.empty() || f[0] != "OK") throw EngineError("duckdb: " + (f.size() > 1 ? f[1] : reply));
    f.erase(f.begin());
    return f;
  }
  // Runs a query: its time in ms (measured in the child) and its rows.
  double Query(const std::string& sql, std::vector<Row>* rows) {
    std::vector<std::string> f = Call("query", "sql", sql);
    if (f.size() < 3) throw EngineError("duckdb peer: bad reply");
    const double ms = std::strtod(f[0].c_str(), nullptr);
    const long n = std::strtol(f[1].c_str(), nullptr, 10);
    rows->clear();
    for (long i = 0; i < n; ++i) {
      Row r;
      for (const std::string& c : Split(ReadLine(), '\t')) r.push_back(ParseCell(c));
      rows->push_back(std::move(r));
    }
    return ms;
  }
  double Exec(const std::string& sql) { return std::strtod(Call("exec", "sql", sql).at(0).c_str(), nullptr); }

 private:
  static std::string JsonEscape(const std::string& s) {
    std::string o;
    for (char c : s) {
      if (c == '"' || c == '\\') o += '\\', o += c;
      else if (c == '\n') o += "\\n";
      else if (c == '\t') o += "\\t";
      else o += c;
    }
    return o;
  }
  static std::vector<std::string> Split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
      size_t p = s.find(sep, start);
      out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
      if (p == std::string::npos) break;
      start = p + 1;
    }
    return out;
  }
  static Cell ParseCell(const std::string& s) {
    Cell c;
    if (s.empty() || s[0] == 'n') return c;
    if (s[0] == 'i') {
      c.type = CellType::kInt;
      c.i = std::strtoll(s.c_str() + 1, nullptr, 10);
      // HUGEINT sums beyond int64 would not fit; TPC-H's do.
    } else if (s[0] == 'r') {
      c.type = CellType::kReal;
      c.r = std::strtod(s.c_str() + 1, nullptr);
    } else {
      c.type = CellType::kText;
      for (size_t i = 1; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          char n = s[++i];
          c.s += n == 't' ? '\t' : n == 'n' ? '\n' : n;
        } else {
          c.s += s[i];
        }
      }
    }
    return c;
  }
  std::string ReadLine() {
    std::string line;
    int ch;
    while ((ch = std::fgetc(out_)) != EOF && ch != '\n') line += static_cast<char>(ch);
    if (ch == EOF && line.empty()) throw EngineError("duckdb peer: the child process ended");
    return line;
  }
  pid_t pid_ = -1;
  std::FILE* in_ = nullptr;
  std::FILE* out_ = nullptr;
};

}  // namespace

bool RunAnalytics(Options& o, const std::string& root, std::vector<ResultRow>* rows) {
  bool ok = true;
  const std::vector<Query> queries = Queries();
  signal(SIGPIPE, SIG_IGN);
  for (double sf : o.scales) {
    const std::string group = "scale " + Fmt("%g", sf);
    const std::string data_dir = root + "/tpch-" + Fmt("%g", sf);
    fs::create_directories(data_dir);
    std::vector<TpchTable> tables = TpchTables();
    std::string error;
    auto t0 = Clock::now();
    if (!GenerateTpch(sf, data_dir, &tables, &error)) {
      Progress("analytics: %s", error.c_str());
      return false;
    }
    int64_t lineitems = 0;
    for (auto& t : tables)
      if (t.name == "lineitem") lineitems = t.rows;
    Progress("analytics (%s): data generated in %.1f s (%lld lineitem rows) in %s", group.c_str(),
             Ms(Clock::now() - t0) / 1000, static_cast<long long>(lineitems), data_dir.c_str());

    // Load every engine, timed once. The three loads run at the same time (dosql and SQLite on
    // two threads of this process, DuckDB in its child) to keep the suite short; each engine's
    // time is its own wall time.
    ResultRow load;
    load.workload = "analytics";
    load.group = group;
    load.step = "load";
    load.what = "load the generated files, the engines loading at the same time (not in the total)";
    load.in_total = false;
    std::unique_ptr<Engine> eng[2];
    std::string load_error[2];
    for (int e = 0; e < 2; ++e) {
      std::string dir = root + "/analytics-" + Fmt("%g", sf) + "-" + kEngineNames[e];
      EngineOptions eo;
      eo.timeout_ms = int64_t{o.timeout_s} * 1000;
      if (e == kSqlite) {
        fs::create_directories(dir);
        eo.path = dir + "/tpch.db";
      } else {
        eo.path = dir;
      }
      eng[e] = e == kDosql ? OpenDosql(eo) : OpenSqlite(eo);
      for (const auto& t : tables) eng[e]->Exec(CreateSql(t, false));
    }
    std::unique_ptr<DuckPeer> duck;
    if (o.duckdb == 1) {
      duck = std::make_unique<DuckPeer>();
      std::string dir = root + "/analytics-" + Fmt("%g", sf) + "-duckdb";
      fs::create_directories(dir);
      try {
        if (!duck->Start(o.duckdb_dir + "/peer.mjs", &error)) throw EngineError(error);
        o.duckdb_version = duck->Call("open", "path", dir + "/tpch.duckdb").at(1);
        for (const auto& t : tables) duck->Exec(CreateSql(t, true));
      } catch (const EngineError& err) {
        load.failure = std::string("duckdb: ") + err.what();
        Progress("** %s", load.failure.c_str());
        ok = false;
        duck.reset();
      }
    }
    {
      std::vector<std::thread> threads;
      for (int e = 0; e < 2; ++e) {
        threads.emplace_back([&, e] {
          try {
            auto t1 = Clock::now();
            for (const auto& t : tables) LoadTable(*eng[e], t, data_dir);
            load.s[e].ms.push_back(Ms(Clock::now() - t1));
          } catch (const EngineError& err) {
            load_error[e] = std::string(kEngineNames[e]) + " load failed: " + err.what();
          }
        });
      }
      if (duck) {
        try {
          double ms = 0;
          for (const auto& t : tables)
            ms += duck->Exec("COPY " + t.name + " FROM '" + data_dir + "/" + t.name +
                             ".tbl' (DELIMITER '|', HEADER false, DATEFORMAT '%Y-%m-%d')");
          load.s[kDuckdb].ms.push_back(ms);
        } catch (const EngineError& err) {
          load.failure = std::string("duckdb load: ") + err.what();
          ok = false;
          duck.reset();
        }
      }
      for (auto& t : threads) t.join();
    }
    for (int e = 0; e < 2; ++e) {
      if (!load_error[e].empty()) {
        load.failure = load_error[e];
        Progress("** %s", load.failure.c_str());
        rows->push_back(load);
        return false;
      }
    }
    Progress("  load (concurrent): dosql %.0f ms, sqlite %.0f ms, duckdb %.0f ms", load.s[0].ms.at(0),
             load.s[1].ms.at(0), load.s[2].ms.empty() ? -1.0 : load.s[2].ms[0]);
    rows->push_back(load);

    // Every engine must hold every generated row.
    for (const auto& t : tables) {
      std::string sql = "SELECT count(*) FROM " + t.name;
      std::vector<int64_t> counts;
      try {
        for (int e = 0; e < 2; ++e) {
          auto st = eng[e]->Prepare(sql);
          counts.push_back(st->Step() ? st->ColumnInt(0) : -1);
        }
        if (duck) {
          std::vector<Row> r;
          duck->Query(sql, &r);
          counts.push_back(r.empty() ? -1 : r[0][0].i);
        }
      } catch (const EngineError& err) {
        counts.push_back(-1);
        Progress("** count(*) of %s: %s", t.name.c_str(), err.what());
      }
      for (size_t e = 0; e < counts.size(); ++e) {
        if (counts[e] != t.rows) {
          rows->back().failure = std::string(kEngineNames[e]) + " holds " + std::to_string(counts[e]) +
                                 " rows of " + t.name + ", generated " + std::to_string(t.rows);
          Progress("** %s", rows->back().failure.c_str());
          ok = false;
        }
      }
    }

    const int reps = sf >= 1 ? o.reps_large : o.reps;
    for (const Query& q : queries) {
      if (!Wanted(o, q.id)) continue;
      ResultRow r;
      r.workload = "analytics";
      r.group = group;
      r.step = q.id;
      r.what = q.what;
      std::vector<Row> first[kEngines];
      bool have[kEngines] = {false, false, false};
      for (int rep = 0; rep < reps; ++rep) {
        auto run = [&](int e) -> std::function<void()> {
          if (e == kDuckdb && !duck) return nullptr;
          return [&, e] {
            if (!r.failure.empty() || r.timed_out[e]) return;
            std::vector<Row> got;
            try {
              if (e == kDuckdb) {
                r.s[e].ms.push_back(duck->Query(q.sql, &got));
              } else {
                auto t1 = Clock::now();
                auto st = eng[e]->Prepare(q.sql);
                got = CollectRows(*st);
                st.reset();
                r.s[e].ms.push_back(Ms(Clock::now() - t1));
              }
            } catch (const EngineError& err) {
              if (err.timed_out) {  // not an error: the time is reported as "> limit"
                r.timed_out[e] = true;
                r.s[e].ms.push_back(o.timeout_s * 1000.0);
                Progress("  %s %s: %s timed out after %d s", q.id.c_str(), group.c_str(), kEngineNames[e],
                         o.timeout_s);
                return;
              }
              r.failure = std::string(kEngineNames[e]) + " failed " + q.id + ": " + err.what();
              return;
            }
            if (!have[e]) {
              first[e] = std::move(got);
              have[e] = true;
            }
          };
        };
        Interleave(rep, {run(kDosql), run(kSqlite), run(kDuckdb)});
        Progress("  %-4s %s rep %d  dosql %9.1f ms  sqlite %9.1f ms  duckdb %9.1f ms", q.id.c_str(),
                 group.c_str(), rep + 1, r.s[0].ms.empty() ? -1.0 : r.s[0].ms.back(),
                 r.s[1].ms.empty() ? -1.0 : r.s[1].ms.back(), r.s[2].ms.empty() ? -1.0 : r.s[2].ms.back());
        if (!r.failure.empty()) break;
      }
      std::string why;
      if (r.failure.empty() && have[kDosql] && have[kSqlite] &&
          !SameRows(first[kDosql], first[kSqlite], true, 1e-9, &why))
        r.failure = "RESULT MISMATCH " + q.id + " dosql vs sqlite: " + why;
      if (r.failure.empty() && have[kDuckdb] && have[kSqlite] &&
          !SameRows(first[kDuckdb], first[kSqlite], false, 1e-6, &why))
        r.failure = "RESULT MISMATCH " + q.id + " duckdb vs sqlite: " + why;
      if (!r.failure.empty()) {
        ok = false;
        Progress("** %s", r.failure.c_str());
      } else if (have[kSqlite]) {
        r.rows_out = static_cast<int64_t>(first[kSqlite].size());
      }
      rows->push_back(std::move(r));
    }
    eng[0].reset();
    eng[1].reset();
    if (duck) duck->Stop();
    if (!o.keep) {
      for (const char* e : kEngineNames) fs::remove_all(root + "/analytics-" + Fmt("%g", sf) + "-" + e);
      fs::remove_all(data_dir);
    }
  }
  return ok;
}

}  // namespace dosql_bench
