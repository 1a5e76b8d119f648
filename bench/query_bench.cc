// dosql-query-bench — the same SQL queries on dosql (through the engine API, dosql/engine/
// database.h) and on SQLite (through its C API), in one process run, on file databases, reported
// as ratios (dosql ÷ SQLite; below 1 means dosql is faster). Results are verified: every execution
// of every query must return the same number of rows and the same checksum on both engines.
//
// Data: a generated order-entry schema of our own (deterministic, seeded), sized by --scale
// (1.0 = 100,000 orders):
//   customers(id INTEGER PRIMARY KEY, name TEXT, city TEXT, balance REAL)     orders/10 rows
//   products (id INTEGER PRIMARY KEY, name TEXT, category TEXT, price REAL)   orders/100 rows
//   orders   (id INTEGER PRIMARY KEY, customer_id INT, amount REAL, status TEXT, created INT)
//   lineitems(order_id INT, product_id INT, qty INT, price REAL)              1..5 per order
//   indexes: customers(city), orders(customer_id), orders(created), lineitems(order_id)
// REAL values are multiples of 0.25, so sums are exact whatever order the engines add them in and
// checksums can compare REAL results bit for bit.
//
// Engines: both on files in a fresh temporary directory (dosql: a directory, SQLite: one file),
// durable commits on both (dosql DatabaseOptions::sync_commits = true, SQLite journal_mode=WAL +
// synchronous=FULL), page cache 64 MiB on both by default (--cache-mb). No ANALYZE on SQLite.
//
// Driver: one code path (class Engine / Stmt below) drives both engines: prepare once per
// measurement, then for each execution bind, step through all rows hashing every column value,
// reset. Each query workload runs --reps times per engine (default 5), alternating which engine
// goes first (the load: --load-reps times, default 3, as each load builds new databases); the
// report gives the median and the min–max spread. The timed region of a query workload is:
// prepare + all executions + finalize. The load workload times BEGIN, the prepared INSERTs of all
// four tables (indexes exist already, so they are maintained row by row) and COMMIT.
//
// Usage: dosql-query-bench [--scale F] [--reps N] [--load-reps N] [--only a,b,...] [--small]
//          [--cache-mb N] [--dir PATH] [--engine dosql|sqlite|both] [--keep-going] [--keep] [--list]

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "bench_util.h"
#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/database.h"

namespace {

using dosql::bench::ReadCpuModel;
using dosql::bench::SplitList;
using dosql::bench::SplitMix64;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// ----------------------------------------------------------------------------------------------
// Small helpers

[[noreturn]] void Die(const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "dosql-query-bench: %s\n", what.c_str());
  std::exit(1);
}

// A query failed on one engine (error from prepare/step). Caught by the workload runner.
struct QueryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};


inline uint64_t HashBytes(std::string_view s) {
  // FNV-1a, 8 bytes at a time would be faster, but this is the same code for both engines.
  return std::hash<std::string_view>{}(s);
}

// The hash of one result value, identical for both engines. The storage class is part of it, so
// an INTEGER 5 and a REAL 5.0 differ (dosql follows SQLite's typing).
inline uint64_t HashInt(int64_t v) { return SplitMix64(0x200 ^ static_cast<uint64_t>(v)); }
inline uint64_t HashReal(double d) {
  if (d == 0) d = 0;  // -0.0 == 0.0
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  return SplitMix64(0x300 ^ bits) * 3;
}
inline uint64_t HashText(std::string_view s) { return SplitMix64(0x400 ^ HashBytes(s)) * 5; }
inline uint64_t HashBlob(std::string_view s) { return SplitMix64(0x500 ^ HashBytes(s)) * 7; }
constexpr uint64_t kHashNull = 0x1234567;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string FmtMs(double ms) {
  return ms >= 100 ? Fmt("%.0f", ms) : ms >= 10 ? Fmt("%.1f", ms) : Fmt("%.2f", ms);
}

std::string WithCommas(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v), out;
  int n = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (n && n % 3 == 0) out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++n;
  }
  return v < 0 ? "-" + out : out;
}


uint64_t DirBytes(const std::string& d) {
  uint64_t total = 0;
  std::error_code ec;
  if (!fs::exists(d, ec)) return 0;
  for (auto& e : fs::recursive_directory_iterator(d, ec))
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  return total;
}

// ----------------------------------------------------------------------------------------------
// Parameters and the engine-neutral driver interface

using Param = std::variant<int64_t, double, std::string>;
using Params = std::vector<Param>;

std::string ParamsToString(const Params& p) {
  std::string s;
  for (size_t i = 0; i < p.size(); ++i) {
    if (i) s += ", ";
    if (auto* v = std::get_if<int64_t>(&p[i])) s += std::to_string(*v);
    else if (auto* d = std::get_if<double>(&p[i])) s += Fmt("%.17g", *d);
    else s += "'" + std::get<std::string>(p[i]) + "'";
  }
  return s;
}

// Substitutes the parameters into the SQL text (for messages: a statement one can paste into
// either engine's shell).
std::string InlineParams(const std::string& sql, const Params& p) {
  std::string out;
  size_t k = 0;
  for (char c : sql) {
    if (c == '?' && k < p.size()) {
      Params one{p[k++]};
      out += ParamsToString(one);
    } else {
      out += c;
    }
  }
  return out;
}

class Stmt {
 public:
  virtual ~Stmt() = default;
  virtual void Bind(const Params& p) = 0;
  virtual bool Step() = 0;  // throws QueryError
  virtual void Reset() = 0;
  virtual int ColumnCount() = 0;
  virtual uint64_t ColumnHash(int i) = 0;
  virtual std::string ColumnString(int i) = 0;  // for mismatch messages
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* name() const = 0;
  virtual void Exec(const std::string& sql) = 0;  // throws QueryError
  virtual std::unique_ptr<Stmt> Prepare(const std::string& sql) = 0;  // throws QueryError
  virtual void Close() = 0;
};

// ----------------------------------------------------------------------------------------------
// dosql

class DosqlStmt final : public Stmt {
 public:
  explicit DosqlStmt(std::unique_ptr<dosql::engine::Statement> st) : st_(std::move(st)) {
    ncols_ = st_->column_count();
  }
  void Bind(const Params& p) override {
    for (size_t i = 0; i < p.size(); ++i) {
      dosql::Value v;
      if (auto* x = std::get_if<int64_t>(&p[i])) v = dosql::Value::Integer(*x);
      else if (auto* d = std::get_if<double>(&p[i])) v = dosql::Value::Real(*d);
      else v = dosql::Value::Text(std::get<std::string>(p[i]));
      dosql::Status s = st_->Bind(static_cast<int>(i + 1), std::move(v));
      if (!s.ok()) throw QueryError("dosql bind: " + s.ToString());
    }
  }
  bool Step() override {
    auto r = st_->Step();
    if (!r.ok()) throw QueryError("dosql step: " + r.status().ToString());
    return *r;
  }
  void Reset() override {
    dosql::Status s = st_->Reset();
    if (!s.ok()) throw QueryError("dosql reset: " + s.ToString());
  }
  int ColumnCount() override { return ncols_; }
  uint64_t ColumnHash(int i) override {
    const dosql::Value& v = st_->column(i);
    switch (v.type()) {
      case dosql::ValueType::kNull: return kHashNull;
      case dosql::ValueType::kInteger: return HashInt(v.integer());
      case dosql::ValueType::kReal: return HashReal(v.real());
      case dosql::ValueType::kText: return HashText(v.view());
      case dosql::ValueType::kBlob: return HashBlob(v.view());
    }
    return 0;
  }
  std::string ColumnString(int i) override {
    const dosql::Value& v = st_->column(i);
    if (v.type() == dosql::ValueType::kReal) return Fmt("%.17g", v.real()) + "(real)";
    return v.DebugString();
  }

 private:
  std::unique_ptr<dosql::engine::Statement> st_;
  int ncols_ = 0;
};

class DosqlEngine final : public Engine {
 public:
  DosqlEngine(const std::string& dir, int64_t cache_mb) {
    dosql::engine::DatabaseOptions o;
    o.sync_commits = true;  // fsync at every commit, as SQLite's synchronous=FULL
    if (cache_mb >= 0) o.cache_bytes = static_cast<uint64_t>(cache_mb) << 20;
    auto db = dosql::engine::Database::Open(dir, o);
    if (!db.ok()) Die("dosql Database::Open " + dir + ": " + db.status().ToString());
    db_ = std::move(db).value();
    auto c = db_->Connect();
    if (!c.ok()) Die("dosql Connect: " + c.status().ToString());
    conn_ = std::move(c).value();
  }
  ~DosqlEngine() override { Close(); }
  const char* name() const override { return "dosql"; }
  void Exec(const std::string& sql) override {
    dosql::Status s = conn_->Exec(sql);
    if (!s.ok()) throw QueryError("dosql: " + s.ToString());
  }
  std::unique_ptr<Stmt> Prepare(const std::string& sql) override {
    auto r = conn_->Prepare(sql);
    if (!r.ok()) throw QueryError("dosql prepare: " + r.status().ToString());
    if (!*r) throw QueryError("dosql prepare: no statement");
    return std::make_unique<DosqlStmt>(std::move(r).value());
  }
  void Close() override {
    conn_.reset();
    if (db_) {
      dosql::Status s = db_->Close();
      if (!s.ok()) Die("dosql Database::Close: " + s.ToString());
      db_.reset();
    }
  }

 private:
  std::shared_ptr<dosql::engine::Database> db_;
  std::unique_ptr<dosql::engine::Connection> conn_;
};

// ----------------------------------------------------------------------------------------------
// SQLite

class SqliteStmt final : public Stmt {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) { ncols_ = sqlite3_column_count(st); }
  ~SqliteStmt() override { sqlite3_finalize(st_); }
  void Bind(const Params& p) override {
    for (size_t i = 0; i < p.size(); ++i) {
      int idx = static_cast<int>(i + 1), rc;
      if (auto* x = std::get_if<int64_t>(&p[i])) rc = sqlite3_bind_int64(st_, idx, *x);
      else if (auto* d = std::get_if<double>(&p[i])) rc = sqlite3_bind_double(st_, idx, *d);
      else {
        const std::string& s = std::get<std::string>(p[i]);
        rc = sqlite3_bind_text(st_, idx, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) throw QueryError(std::string("sqlite bind: ") + sqlite3_errmsg(db_));
    }
  }
  bool Step() override {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw QueryError(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  void Reset() override { sqlite3_reset(st_); }
  int ColumnCount() override { return ncols_; }
  uint64_t ColumnHash(int i) override {
    switch (sqlite3_column_type(st_, i)) {
      case SQLITE_NULL: return kHashNull;
      case SQLITE_INTEGER: return HashInt(sqlite3_column_int64(st_, i));
      case SQLITE_FLOAT: return HashReal(sqlite3_column_double(st_, i));
      case SQLITE_TEXT: {
        const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
        return HashText(std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(st_, i))));
      }
      default: {
        const char* p = static_cast<const char*>(sqlite3_column_blob(st_, i));
        return HashBlob(std::string_view(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(st_, i))));
      }
    }
  }
  std::string ColumnString(int i) override {
    switch (sqlite3_column_type(st_, i)) {
      case SQLITE_NULL: return "NULL";
      case SQLITE_INTEGER: return std::to_string(sqlite3_column_int64(st_, i));
      case SQLITE_FLOAT: return Fmt("%.17g", sqlite3_column_double(st_, i)) + "(real)";
      case SQLITE_TEXT:
        return "'" + std::string(reinterpret_cast<const char*>(sqlite3_column_text(st_, i))) + "'";
      default: return "x'...'";
    }
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
  int ncols_ = 0;
};

class SqliteEngine final : public Engine {
 public:
  SqliteEngine(const std::string& dir, int64_t cache_mb, bool create) {
    std::string path = dir + "/bench.db";
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK)
      Die("sqlite3_open_v2 " + path + ": " + (db_ ? sqlite3_errmsg(db_) : "?"));
    if (create) Exec("PRAGMA page_size=4096");
    Exec("PRAGMA journal_mode=WAL");
    Exec("PRAGMA synchronous=FULL");
    if (cache_mb >= 0) Exec("PRAGMA cache_size=-" + std::to_string(cache_mb * 1024));
  }
  ~SqliteEngine() override { Close(); }
  const char* name() const override { return "sqlite"; }
  void Exec(const std::string& sql) override {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw QueryError("sqlite: " + msg);
    }
  }
  std::unique_ptr<Stmt> Prepare(const std::string& sql) override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      throw QueryError(std::string("sqlite prepare: ") + sqlite3_errmsg(db_));
    return std::make_unique<SqliteStmt>(db_, st);
  }
  void Close() override {
    if (db_ && sqlite3_close(db_) != SQLITE_OK) Die(std::string("sqlite3_close: ") + sqlite3_errmsg(db_));
    db_ = nullptr;
  }

 private:
  sqlite3* db_ = nullptr;
};

// ----------------------------------------------------------------------------------------------
// Options

struct Options {
  double scale = 1.0;
  int reps = 5;
  int load_reps = 3;  // each load builds fresh databases (slow on dosql today): fewer than --reps
  int64_t cache_mb = 64;  // -1: each engine's default cache
  std::string dir;
  std::vector<std::string> only;
  bool small = false;
  bool run_dosql = true;
  bool run_sqlite = true;
  bool keep_going = false;
  bool keep = false;
  bool list = false;
  double exec_factor = 1.0;  // multiplies every workload's execution count (--small: 0.1)
};

void Usage() {
  std::printf(
      "usage: dosql-query-bench [options]\n"
      "  --scale F        data size: F x 100,000 orders (default 1)\n"
      "  --reps N         repetitions per query workload and engine (default 5)\n"
      "  --load-reps N    repetitions of the timed load (default 3: each builds new databases)\n"
      "  --only LIST      comma-separated workloads (see --list); 'load' times the load\n"
      "  --small          quick run: scale 0.1 and a tenth of the executions\n"
      "  --cache-mb N     page cache for both engines in MiB (default 64; -1: engine defaults)\n"
      "  --dir PATH       work directory (default: a fresh directory under $TMPDIR or /tmp)\n"
      "  --engine E       dosql, sqlite or both (default both; ratios and checks need both)\n"
      "  --keep-going     on a mismatch or query error, report it and go on (default: abort)\n"
      "  --keep           keep the databases\n"
      "  --list           list the workloads and their SQL, then exit\n");
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  bool scale_set = false;
  auto need = [&](int& i) -> std::string {
    if (i + 1 >= argc) Die(std::string("missing value for ") + argv[i]);
    return argv[++i];
  };
  auto num = [&](const std::string& s) -> double {
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str() || *end != '\0') Die("bad number: " + s);
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--small") o.small = true;
    else if (a == "--scale") { o.scale = num(need(i)); scale_set = true; }
    else if (a == "--reps") o.reps = static_cast<int>(num(need(i)));
    else if (a == "--load-reps") o.load_reps = static_cast<int>(num(need(i)));
    else if (a == "--cache-mb") o.cache_mb = static_cast<int64_t>(num(need(i)));
    else if (a == "--dir") o.dir = need(i);
    else if (a == "--keep-going") o.keep_going = true;
    else if (a == "--keep") o.keep = true;
    else if (a == "--list") o.list = true;
    else if (a == "--only") {
      o.only = SplitList(need(i));
    } else if (a == "--engine") {
      std::string e = need(i);
      if (e == "dosql") o.run_sqlite = false;
      else if (e == "sqlite") o.run_dosql = false;
      else if (e != "both") Die("bad --engine: " + e);
    } else if (a == "--help" || a == "-h") {
      Usage();
      std::exit(0);
    } else {
      Usage();
      Die("unknown option: " + a);
    }
  }
  if (o.small) {
    if (!scale_set) o.scale = 0.1;
    o.exec_factor = 0.1;
  }
  if (o.reps < 1) o.reps = 1;
  if (o.load_reps < 1) o.load_reps = 1;
  if (!(o.scale > 0)) Die("--scale must be positive");
  if (o.cache_mb < -1) Die("--cache-mb must be >= -1");
  return o;
}

// ----------------------------------------------------------------------------------------------
// Data

const char* const kStatuses[] = {"pending", "shipped", "delivered", "returned", "cancelled"};
constexpr int kCities = 50;
constexpr int kCategories = 20;
constexpr int64_t kCreatedBase = 1'700'000'000;  // seconds
constexpr int64_t kCreatedSpan = 365LL * 86400;  // one year

struct Data {
  int64_t n_customers = 0, n_products = 0, n_orders = 0;
  std::vector<Params> customers, products, orders, items;
};

std::string CityName(int i) {
  static const char* const kBase[] = {"Aberdeen", "Bergen", "Cork", "Delft", "Esbjerg",
                                      "Faro", "Graz", "Haarlem", "Izmir", "Jena"};
  return std::string(kBase[i % 10]) + "-" + std::to_string(i / 10);
}

Data Generate(double scale) {
  Data d;
  d.n_orders = std::max<int64_t>(100, std::llround(100'000 * scale));
  d.n_customers = std::max<int64_t>(10, d.n_orders / 10);
  d.n_products = std::max<int64_t>(10, d.n_orders / 100);
  std::mt19937_64 rng(0xD05C1);
  auto uni = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  char buf[64];
  d.customers.reserve(static_cast<size_t>(d.n_customers));
  for (int64_t id = 1; id <= d.n_customers; ++id) {
    std::snprintf(buf, sizeof buf, "customer-%07lld", static_cast<long long>(id * 7919 % 10'000'019));
    d.customers.push_back(Params{id, std::string(buf), CityName(static_cast<int>(uni(0, kCities - 1))),
                                 static_cast<double>(uni(-4000, 36000)) / 4.0});
  }
  for (int64_t id = 1; id <= d.n_products; ++id) {
    std::snprintf(buf, sizeof buf, "product-%05lld", static_cast<long long>(id));
    std::snprintf(buf + 32, 32, "category-%02d", static_cast<int>(uni(0, kCategories - 1)));
    d.products.push_back(Params{id, std::string(buf), std::string(buf + 32),
                                static_cast<double>(uni(4, 800)) / 4.0});
  }
  for (int64_t id = 1; id <= d.n_orders; ++id) {
    int64_t r = uni(0, 99);
    int s = r < 10 ? 0 : r < 30 ? 1 : r < 85 ? 2 : r < 90 ? 3 : 4;  // 10/20/55/5/10 %
    d.orders.push_back(Params{id, uni(1, d.n_customers), static_cast<double>(uni(4, 4000)) / 4.0,
                              std::string(kStatuses[s]), kCreatedBase + uni(0, kCreatedSpan - 1)});
    int64_t n = uni(1, 5);
    for (int64_t k = 0; k < n; ++k)
      d.items.push_back(Params{id, uni(1, d.n_products), uni(1, 10),
                               static_cast<double>(uni(4, 800)) / 4.0});
  }
  return d;
}

const char* const kSchema[] = {
    "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, city TEXT, balance REAL)",
    "CREATE TABLE products(id INTEGER PRIMARY KEY, name TEXT, category TEXT, price REAL)",
    "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INT, amount REAL, status TEXT, "
    "created INT)",
    "CREATE TABLE lineitems(order_id INT, product_id INT, qty INT, price REAL)",
    "CREATE INDEX customers_city ON customers(city)",
    "CREATE INDEX orders_customer ON orders(customer_id)",
    "CREATE INDEX orders_created ON orders(created)",
    "CREATE INDEX lineitems_order ON lineitems(order_id)",
};

// The timed part of a load: one transaction of prepared INSERTs.
void Load(Engine& e, const Data& d) {
  e.Exec("BEGIN");
  auto insert_all = [&](const char* sql, const std::vector<Params>& rows) {
    auto st = e.Prepare(sql);
    for (const Params& p : rows) {
      st->Bind(p);
      while (st->Step()) {
      }
      st->Reset();
    }
  };
  insert_all("INSERT INTO customers(id, name, city, balance) VALUES(?, ?, ?, ?)", d.customers);
  insert_all("INSERT INTO products(id, name, category, price) VALUES(?, ?, ?, ?)", d.products);
  insert_all("INSERT INTO orders(id, customer_id, amount, status, created) VALUES(?, ?, ?, ?, ?)",
             d.orders);
  insert_all("INSERT INTO lineitems(order_id, product_id, qty, price) VALUES(?, ?, ?, ?)", d.items);
  e.Exec("COMMIT");
}

// ----------------------------------------------------------------------------------------------
// Workloads

struct Workload {
  std::string name;
  std::string what;  // one line for the report
  std::string sql;
  bool ordered = false;  // the result order is defined (ORDER BY): checksums are order-sensitive
  std::vector<Params> execs;
};

std::vector<Workload> MakeWorkloads(const Data& d, const Options& o) {
  std::mt19937_64 rng(0xBE7C4);
  auto uni = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  auto count = [&](int64_t base) {
    return std::max<int64_t>(1, std::llround(static_cast<double>(base) * o.exec_factor));
  };
  std::vector<Workload> w;

  {
    Workload q{"pk-lookup", "order by primary key, random ids",
               "SELECT customer_id, amount, status, created FROM orders WHERE id = ?", false, {}};
    for (int64_t i = 0, n = count(20'000); i < n; ++i) q.execs.push_back({uni(1, d.n_orders)});
    w.push_back(std::move(q));
  }
  {
    Workload q{"index-eq", "orders of one customer (index orders(customer_id)), random customers",
               "SELECT id, amount, status FROM orders WHERE customer_id = ?", false, {}};
    for (int64_t i = 0, n = count(5'000); i < n; ++i) q.execs.push_back({uni(1, d.n_customers)});
    w.push_back(std::move(q));
  }
  // A window of 0.2% of the year: ~200 orders at scale 1.
  const int64_t window = kCreatedSpan / 500;
  {
    Workload q{"index-range", "orders in a 0.2% window of created (index orders(created))",
               "SELECT id, customer_id, amount FROM orders WHERE created BETWEEN ? AND ?", false, {}};
    for (int64_t i = 0, n = count(20); i < n; ++i) {
      int64_t lo = kCreatedBase + uni(0, kCreatedSpan - window);
      q.execs.push_back({lo, lo + window - 1});
    }
    w.push_back(std::move(q));
  }
  {
    Workload q{"scan-filter", "full scan of orders, unindexed predicate (~1% of rows)",
               "SELECT id, customer_id, amount, status FROM orders WHERE amount > ? AND status <> "
               "'cancelled'",
               false, {}};
    for (int64_t i = 0, n = count(5); i < n; ++i)
      q.execs.push_back({static_cast<double>(985 + uni(0, 10))});
    w.push_back(std::move(q));
  }
  {
    Workload q{"group-status", "aggregate of all orders by status (5 groups)",
               "SELECT status, count(*), sum(amount), avg(amount), min(created), max(created) "
               "FROM orders GROUP BY status",
               false, {}};
    for (int64_t i = 0, n = count(3); i < n; ++i) q.execs.push_back({});
    w.push_back(std::move(q));
  }
  {
    Workload q{"group-customer", "aggregate of all orders by customer_id (one group per customer)",
               "SELECT customer_id, count(*), sum(amount), max(amount) FROM orders "
               "GROUP BY customer_id",
               false, {}};
    for (int64_t i = 0, n = count(2); i < n; ++i) q.execs.push_back({});
    w.push_back(std::move(q));
  }
  {
    Workload q{"group-city", "customers' count and avg balance by city (50 groups), ordered",
               "SELECT city, count(*), avg(balance), sum(balance > 0) FROM customers "
               "GROUP BY city ORDER BY city",
               true, {}};
    for (int64_t i = 0, n = count(20); i < n; ++i) q.execs.push_back({});
    w.push_back(std::move(q));
  }
  {
    Workload q{"topn", "top 20 orders by amount (unindexed sort key)",
               "SELECT id, customer_id, amount FROM orders ORDER BY amount DESC, id LIMIT 20",
               true, {}};
    for (int64_t i = 0, n = count(3); i < n; ++i) q.execs.push_back({});
    w.push_back(std::move(q));
  }
  {
    Workload q{"topn-indexed", "latest 20 orders (ORDER BY an indexed column)",
               "SELECT id, customer_id, created FROM orders ORDER BY created DESC, id DESC LIMIT 20",
               true, {}};
    for (int64_t i = 0, n = count(3); i < n; ++i) q.execs.push_back({});
    w.push_back(std::move(q));
  }
  {
    Workload q{"join2", "customers of one city JOIN their orders",
               "SELECT c.name, o.id, o.amount FROM customers c JOIN orders o ON o.customer_id = c.id "
               "WHERE c.city = ?",
               false, {}};
    for (int64_t i = 0, n = count(20); i < n; ++i)
      q.execs.push_back({CityName(static_cast<int>(uni(0, kCities - 1)))});
    w.push_back(std::move(q));
  }
  {
    Workload q{"join2-scan", "orders with an unindexed filter JOIN customers by primary key",
               "SELECT o.id, o.amount, c.name, c.city FROM orders o JOIN customers c "
               "ON c.id = o.customer_id WHERE o.amount > ?",
               false, {}};
    for (int64_t i = 0, n = count(5); i < n; ++i)
      q.execs.push_back({static_cast<double>(980 + uni(0, 10))});
    w.push_back(std::move(q));
  }
  {
    Workload q{"join3", "orders in a 0.2% created window JOIN customers JOIN lineitems",
               "SELECT o.id, c.name, l.product_id, l.qty * l.price FROM orders o "
               "JOIN customers c ON c.id = o.customer_id JOIN lineitems l ON l.order_id = o.id "
               "WHERE o.created BETWEEN ? AND ?",
               false, {}};
    for (int64_t i = 0, n = count(20); i < n; ++i) {
      int64_t lo = kCreatedBase + uni(0, kCreatedSpan - window);
      q.execs.push_back({lo, lo + window - 1});
    }
    w.push_back(std::move(q));
  }
  {
    Workload q{"join3-agg", "revenue of one status by product category: lineitems JOIN orders JOIN products, GROUP BY",
               "SELECT p.category, count(*), sum(l.qty * l.price) FROM lineitems l "
               "JOIN orders o ON l.order_id = o.id JOIN products p ON p.id = l.product_id "
               "WHERE o.status = ? GROUP BY p.category",
               false, {}};
    for (int64_t i = 0, n = count(2); i < n; ++i) q.execs.push_back({std::string(kStatuses[(i + 2) % 5])});
    w.push_back(std::move(q));
  }
  {
    // A join equality spelled with the rowid column first (ON o.id = l.order_id). Before commit
    // ebab28e dosql used such an equality only as a rowid lookup into orders and, with orders as
    // the outer loop, scanned all of lineitems per order: join3-agg spelled this way ran for more
    // than 25 minutes. Kept as a guard; the filter is narrow so that a regression stays short.
    Workload q{"join-rowid-lhs",
               "lineitems JOIN orders ON o.id = l.order_id (rowid column on the left), "
               "selective filter on orders",
               "SELECT count(*), sum(l.qty * l.price) FROM lineitems l JOIN orders o "
               "ON o.id = l.order_id WHERE o.status = ? AND o.amount > ?",
               false, {}};
    for (int64_t i = 0, n = count(2); i < n; ++i)
      q.execs.push_back({std::string(kStatuses[3 + i % 2]), 999.0});
    w.push_back(std::move(q));
  }
  {
    Workload q{"subq-in", "orders whose customer is in one city: IN (subquery)",
               "SELECT count(*), sum(amount) FROM orders WHERE customer_id IN "
               "(SELECT id FROM customers WHERE city = ?)",
               false, {}};
    for (int64_t i = 0, n = count(4); i < n; ++i)
      q.execs.push_back({CityName(static_cast<int>(uni(0, kCities - 1)))});
    w.push_back(std::move(q));
  }
  {
    Workload q{"subq-corr", "customers whose balance exceeds their order total: correlated scalar subquery",
               "SELECT c.id, c.name FROM customers c WHERE c.balance > "
               "(SELECT sum(o.amount) FROM orders o WHERE o.customer_id = c.id)",
               false, {}};
    for (int64_t i = 0, n = count(2); i < n; ++i) q.execs.push_back({});
    w.push_back(std::move(q));
  }
  {
    Workload q{"subq-exists", "customers with no returned order: NOT EXISTS (correlated)",
               "SELECT count(*) FROM customers c WHERE NOT EXISTS "
               "(SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = 'returned')",
               false, {}};
    for (int64_t i = 0, n = count(2); i < n; ++i) q.execs.push_back({});
    w.push_back(std::move(q));
  }
  return w;
}

// ----------------------------------------------------------------------------------------------
// Running a query

struct ExecResult {
  int64_t rows = 0;
  uint64_t hash = 0;
  bool operator==(const ExecResult& o) const { return rows == o.rows && hash == o.hash; }
};

struct RunResult {
  double ms = 0;
  std::vector<ExecResult> execs;
  int64_t rows = 0;
};

// Prepare, run every execution (bind, step to the end hashing each value, reset), finalize.
RunResult RunQuery(Engine& e, const Workload& w) {
  RunResult r;
  r.execs.reserve(w.execs.size());
  auto t0 = Clock::now();
  {
    auto st = e.Prepare(w.sql);
    const int ncols = st->ColumnCount();
    for (const Params& p : w.execs) {
      st->Bind(p);
      ExecResult x;
      while (st->Step()) {
        uint64_t h = 0x5bd1e995;
        for (int c = 0; c < ncols; ++c) h = SplitMix64(h ^ st->ColumnHash(c)) + static_cast<uint64_t>(c);
        if (w.ordered) x.hash = SplitMix64(x.hash ^ h) + 1;
        else x.hash += SplitMix64(h);
        ++x.rows;
      }
      st->Reset();
      r.execs.push_back(x);
      r.rows += x.rows;
    }
  }
  r.ms = Ms(Clock::now() - t0);
  return r;
}

// All rows of one execution as text (sorted when the order is not defined), for messages.
std::vector<std::string> CollectRows(Engine& e, const Workload& w, const Params& p) {
  std::vector<std::string> out;
  try {
    auto st = e.Prepare(w.sql);
    st->Bind(p);
    while (st->Step()) {
      std::string row;
      for (int c = 0; c < st->ColumnCount(); ++c) {
        if (c) row += " | ";
        row += st->ColumnString(c);
      }
      out.push_back(std::move(row));
    }
    st->Reset();
  } catch (const QueryError& err) {
    out.push_back(std::string("ERROR: ") + err.what());
  }
  if (!w.ordered) std::sort(out.begin(), out.end());
  return out;
}

// ----------------------------------------------------------------------------------------------
// Measurement and reporting

struct Sample {
  std::vector<double> ms;
  double Median() const {
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  double Min() const { return *std::min_element(ms.begin(), ms.end()); }
  double Max() const { return *std::max_element(ms.begin(), ms.end()); }
};

std::string Spread(const Sample& s) {
  if (s.ms.empty()) return "-";
  return FmtMs(s.Min()) + "–" + FmtMs(s.Max());
}

struct ReportRow {
  std::string workload;
  int64_t execs = 0;
  int64_t rows = 0;  // rows returned (or inserted) per measurement
  Sample dosql, sqlite;
  std::string failure;
};

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {}

  int Run() {
    auto t_start = Clock::now();
    data_ = Generate(o_.scale);
    workloads_ = MakeWorkloads(data_, o_);
    if (o_.list) {
      std::printf("load: BEGIN; INSERT ... x %s rows; COMMIT\n",
                  WithCommas(static_cast<int64_t>(data_.customers.size() + data_.products.size() +
                                                  data_.orders.size() + data_.items.size()))
                      .c_str());
      for (const auto& w : workloads_)
        std::printf("%s (%zu executions): %s\n", w.name.c_str(), w.execs.size(), w.sql.c_str());
      return 0;
    }
    for (const auto& n : o_.only) {
      bool known = n == "load";
      for (const auto& w : workloads_) known = known || w.name == n;
      if (!known) Die("unknown workload in --only: " + n + " (see --list)");
    }
    SetUpDir();
    std::fprintf(stderr, "data: %s customers, %s products, %s orders, %s lineitems\n",
                 WithCommas(data_.n_customers).c_str(), WithCommas(data_.n_products).c_str(),
                 WithCommas(data_.n_orders).c_str(),
                 WithCommas(static_cast<int64_t>(data_.items.size())).c_str());

    LoadWorkload();
    OpenForQueries();
    for (const auto& w : workloads_)
      if (Wanted(w.name)) QueryWorkload(w);
    if (dosql_) dosql_->Close();
    if (sqlite_) sqlite_->Close();

    total_s_ = Ms(Clock::now() - t_start) / 1000.0;
    PrintReport();
    if (!o_.keep) {
      std::error_code ec;
      fs::remove_all(root_, ec);
    } else {
      std::fprintf(stderr, "kept: %s\n", root_.c_str());
    }
    return failed_ ? 2 : 0;
  }

 private:
  bool Wanted(const std::string& name) const {
    return o_.only.empty() || std::find(o_.only.begin(), o_.only.end(), name) != o_.only.end();
  }
  bool Both() const { return o_.run_dosql && o_.run_sqlite; }

  void SetUpDir() {
    fs::path base = o_.dir.empty() ? fs::temp_directory_path() : fs::path(o_.dir);
    fs::create_directories(base);
    std::string tmpl = (base / "dosql-qbench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) Die("mkdtemp in " + base.string());
    root_ = tmpl;
    std::fprintf(stderr, "work directory: %s\n", root_.c_str());
  }

  void Interleaved(int rep, const std::function<void()>& dosql_fn,
                   const std::function<void()>& sqlite_fn) {
    if (rep % 2 == 0) {
      if (o_.run_dosql) dosql_fn();
      if (o_.run_sqlite) sqlite_fn();
    } else {
      if (o_.run_sqlite) sqlite_fn();
      if (o_.run_dosql) dosql_fn();
    }
  }

  void Progress(const std::string& w, int rep, const char* engine, double ms) {
    std::fprintf(stderr, "  %-15s rep %d %-6s %10.2f ms\n", w.c_str(), rep + 1, engine, ms);
  }

  // Fresh databases with the schema (untimed).
  std::unique_ptr<Engine> CreateDb(bool dosql, const std::string& dir) {
    std::unique_ptr<Engine> e;
    if (dosql) e = std::make_unique<DosqlEngine>(dir, o_.cache_mb);
    else {
      fs::create_directories(dir);
      e = std::make_unique<SqliteEngine>(dir, o_.cache_mb, true);
    }
    try {
      for (const char* sql : kSchema) e->Exec(sql);
    } catch (const QueryError& err) {
      Die(std::string(e->name()) + ": schema: " + err.what());
    }
    return e;
  }

  // Loads fresh databases --load-reps times (timed when "load" is wanted, else once, untimed); the
  // databases of the last repetition are kept for the queries.
  void LoadWorkload() {
    const bool timed = Wanted("load");
    const int reps = timed ? o_.load_reps : 1;
    int64_t nrows = static_cast<int64_t>(data_.customers.size() + data_.products.size() +
                                         data_.orders.size() + data_.items.size());
    ReportRow row{"load", 1, nrows, {}, {}, {}};
    if (!timed) std::fprintf(stderr, "loading %s rows on each engine (untimed)\n", WithCommas(nrows).c_str());
    for (int rep = 0; rep < reps; ++rep) {
      const bool last = rep == reps - 1;
      auto one = [&](bool dosql) {
        std::string dir = root_ + (dosql ? "/dosql-" : "/sqlite-") + std::to_string(rep);
        auto e = CreateDb(dosql, dir);
        auto t0 = Clock::now();
        try {
          Load(*e, data_);
        } catch (const QueryError& err) {
          Die(std::string(e->name()) + ": load: " + err.what());
        }
        double ms = Ms(Clock::now() - t0);
        (dosql ? row.dosql : row.sqlite).ms.push_back(ms);
        if (timed) Progress("load", rep, e->name(), ms);
        e->Close();
        if (last) {
          (dosql ? dosql_dir_ : sqlite_dir_) = dir;
        } else if (!o_.keep) {
          std::error_code ec;
          fs::remove_all(dir, ec);
        }
      };
      Interleaved(rep, [&] { one(true); }, [&] { one(false); });
    }
    if (timed) rows_.push_back(std::move(row));
    if (o_.run_dosql) dosql_bytes_ = DirBytes(dosql_dir_);
    if (o_.run_sqlite) sqlite_bytes_ = DirBytes(sqlite_dir_);
  }

  // Reopens the loaded databases (so both start from their files) and checks the row counts.
  void OpenForQueries() {
    if (o_.run_dosql) dosql_ = std::make_unique<DosqlEngine>(dosql_dir_, o_.cache_mb);
    if (o_.run_sqlite) sqlite_ = std::make_unique<SqliteEngine>(sqlite_dir_, o_.cache_mb, false);
    const std::pair<const char*, size_t> tables[] = {{"customers", data_.customers.size()},
                                                     {"products", data_.products.size()},
                                                     {"orders", data_.orders.size()},
                                                     {"lineitems", data_.items.size()}};
    for (Engine* e : {static_cast<Engine*>(dosql_.get()), static_cast<Engine*>(sqlite_.get())}) {
      if (!e) continue;
      for (const auto& [t, n] : tables) {
        try {
          auto st = e->Prepare(std::string("SELECT count(*) FROM ") + t);
          if (!st->Step()) Die(std::string(e->name()) + ": count(*) returned no row");
          std::string got = st->ColumnString(0);
          if (got != std::to_string(n))
            Die(std::string(e->name()) + ": " + t + " has " + got + " rows after the load, expected " +
                std::to_string(n));
        } catch (const QueryError& err) {
          Die(std::string(e->name()) + ": count(*): " + err.what());
        }
      }
    }
  }

  // Compares two runs execution by execution; returns false (after reporting) on a difference.
  bool Verify(const Workload& w, const RunResult& a, Engine& ea, const char* la, const RunResult& b,
              Engine& eb, const char* lb, int rep, ReportRow& row) {
    size_t n = std::min(a.execs.size(), b.execs.size());
    for (size_t i = 0; i < n; ++i) {
      if (a.execs[i] == b.execs[i]) continue;
      const Params& p = w.execs[i];
      char ha[24], hb[24];
      std::snprintf(ha, sizeof ha, "%016llx", static_cast<unsigned long long>(a.execs[i].hash));
      std::snprintf(hb, sizeof hb, "%016llx", static_cast<unsigned long long>(b.execs[i].hash));
      std::string msg = "RESULT MISMATCH in workload " + w.name + " (rep " + std::to_string(rep + 1) +
                        ", execution " + std::to_string(i + 1) + " of " +
                        std::to_string(w.execs.size()) + ")\n";
      msg += "  SQL: " + InlineParams(w.sql, p) + ";\n";
      msg += std::string("  ") + la + ": " + std::to_string(a.execs[i].rows) + " rows, checksum " + ha + "\n";
      msg += std::string("  ") + lb + ": " + std::to_string(b.execs[i].rows) + " rows, checksum " + hb + "\n";
      auto ra = CollectRows(ea, w, p), rb = CollectRows(eb, w, p);
      size_t k = 0;
      while (k < ra.size() && k < rb.size() && ra[k] == rb[k]) ++k;
      msg += "  now: " + std::to_string(ra.size()) + " vs " + std::to_string(rb.size()) +
             " rows; they agree up to row " + std::to_string(k) +
             std::string(w.ordered ? "" : " (both sorted)") + "; next rows:\n";
      for (size_t j = k; j < k + 5 && j < std::max(ra.size(), rb.size()); ++j) {
        msg += std::string("    ") + la + ": " + (j < ra.size() ? ra[j] : std::string("(none)")) + "\n";
        msg += std::string("    ") + lb + ": " + (j < rb.size() ? rb[j] : std::string("(none)")) + "\n";
      }
      Fail(w.name, msg, row);
      return false;
    }
    return true;
  }

  void Fail(const std::string& workload, const std::string& msg, ReportRow& row) {
    failed_ = true;
    std::fprintf(stderr, "\n%s\n", msg.c_str());
    failures_.push_back(msg);
    row.failure = msg.substr(0, msg.find('\n'));
    if (!o_.keep_going) {
      rows_.push_back(row);
      PrintReport();
      std::fflush(stdout);
      std::fprintf(stderr, "dosql-query-bench: aborting (use --keep-going to continue); databases kept in %s\n",
                   root_.c_str());
      std::exit(2);
    }
  }

  void QueryWorkload(const Workload& w) {
    ReportRow row{w.name, static_cast<int64_t>(w.execs.size()), 0, {}, {}, {}};
    std::optional<RunResult> first_d, first_s;
    for (int rep = 0; rep < o_.reps; ++rep) {
      std::optional<RunResult> d, s;
      std::string error;
      auto run = [&](Engine& e, std::optional<RunResult>& out, Sample& sample) {
        if (!error.empty()) return;
        try {
          out = RunQuery(e, w);
        } catch (const QueryError& err) {
          error = std::string(e.name()) + " failed on workload " + w.name + ": " + err.what() +
                  "\n  SQL: " + w.sql + ";";
          return;
        }
        sample.ms.push_back(out->ms);
        row.rows = out->rows;
        Progress(w.name, rep, e.name(), out->ms);
      };
      Interleaved(rep, [&] { run(*dosql_, d, row.dosql); }, [&] { run(*sqlite_, s, row.sqlite); });
      if (!error.empty()) {
        Fail(w.name, "QUERY ERROR: " + error, row);
        rows_.push_back(std::move(row));
        return;
      }
      // Each engine must agree with itself across repetitions, and the engines with each other.
      bool ok = true;
      if (ok && d && first_d)
        ok = Verify(w, *d, *dosql_, "dosql (this rep)", *first_d, *dosql_, "dosql (rep 1)", rep, row);
      if (ok && s && first_s)
        ok = Verify(w, *s, *sqlite_, "sqlite (this rep)", *first_s, *sqlite_, "sqlite (rep 1)", rep, row);
      if (ok && d && s) ok = Verify(w, *d, *dosql_, "dosql", *s, *sqlite_, "sqlite", rep, row);
      if (!ok) {
        rows_.push_back(std::move(row));
        return;
      }
      if (!first_d && d) first_d = std::move(d);
      if (!first_s && s) first_s = std::move(s);
    }
    if (first_d && first_s) verified_.push_back(w.name);
    rows_.push_back(std::move(row));
  }

  void PrintReport() {
    std::time_t now = std::time(nullptr);
    char date[64];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&now));
    std::printf("## dosql-query-bench\n\n");
    std::printf("- date: %s\n", date);
    std::printf("- machine: nproc %u, CPU %s; SQLite %s\n", std::thread::hardware_concurrency(),
                ReadCpuModel().c_str(), sqlite3_libversion());
    std::printf("- data: scale %g: %s customers, %s products, %s orders, %s lineitems", o_.scale,
                WithCommas(data_.n_customers).c_str(), WithCommas(data_.n_products).c_str(),
                WithCommas(data_.n_orders).c_str(),
                WithCommas(static_cast<int64_t>(data_.items.size())).c_str());
    if (dosql_bytes_ || sqlite_bytes_)
      std::printf("; on disk after load and close: dosql %.1f MiB, SQLite %.1f MiB",
                  dosql_bytes_ / 1048576.0, sqlite_bytes_ / 1048576.0);
    std::printf("\n");
    std::printf(
        "- settings: file databases, durable commits (dosql sync_commits, SQLite journal_mode=WAL "
        "synchronous=FULL); page cache %s; reps %d, load reps %d (median, min–max)%s\n",
        o_.cache_mb >= 0 ? (std::to_string(o_.cache_mb) + " MiB on both").c_str()
                         : "each engine's default",
        o_.reps, o_.load_reps, total_s_ > 0 ? (Fmt("; total run %.0f s", total_s_)).c_str() : "");
    std::printf("\n| workload | execs | rows out | dosql ms | sqlite ms | ratio | spread (dosql / sqlite, ms) |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---|\n");
    for (const auto& r : rows_) {
      bool d = !r.dosql.ms.empty(), s = !r.sqlite.ms.empty();
      std::string ratio = d && s ? Fmt("%.2f", r.dosql.Median() / r.sqlite.Median()) : "-";
      if (!r.failure.empty()) ratio = "FAILED";
      std::printf("| %s | %s | %s | %s | %s | %s | %s / %s |\n", r.workload.c_str(),
                  WithCommas(r.execs).c_str(), WithCommas(r.rows).c_str(),
                  d ? FmtMs(r.dosql.Median()).c_str() : "-",
                  s ? FmtMs(r.sqlite.Median()).c_str() : "-", ratio.c_str(), Spread(r.dosql).c_str(),
                  Spread(r.sqlite).c_str());
    }
    std::printf("\nratio = dosql ÷ SQLite median time; below 1 means dosql is faster. "
                "rows out: rows returned per measurement (load: rows inserted).\n");
    std::printf("\n| workload | dosql µs/exec | sqlite µs/exec |\n|---|---:|---:|\n");
    for (const auto& r : rows_) {
      // The load is one execution; per row is the useful figure there.
      const bool load = r.workload == "load";
      const double ops = static_cast<double>(load ? r.rows : r.execs);
      auto per = [&](const Sample& s) {
        return s.ms.empty() ? std::string("-")
                            : Fmt("%.1f", s.Median() * 1000.0 / ops) + (load ? " per row" : "");
      };
      std::printf("| %s | %s | %s |\n", r.workload.c_str(), per(r.dosql).c_str(), per(r.sqlite).c_str());
    }
    if (Both()) {
      std::printf("\nresults verified equal (row count + checksum of every execution, every rep): %zu of %zu query workloads",
                  verified_.size(), rows_.size() - (Wanted("load") && !rows_.empty() && rows_[0].workload == "load" ? 1 : 0));
      std::printf("\n");
    }
    for (const auto& f : failures_) std::printf("\n```\n%s```\n", f.c_str());
  }

  Options o_;
  Data data_;
  std::vector<Workload> workloads_;
  std::string root_, dosql_dir_, sqlite_dir_;
  std::unique_ptr<Engine> dosql_, sqlite_;
  std::vector<ReportRow> rows_;
  std::vector<std::string> verified_, failures_;
  uint64_t dosql_bytes_ = 0, sqlite_bytes_ = 0;
  double total_s_ = 0;
  bool failed_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  Bench bench(o);
  return bench.Run();
}
