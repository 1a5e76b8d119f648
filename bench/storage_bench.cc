// dosql-storage-bench — the same storage work on dosql's transactional store and on SQLite, in
// one process run, reported as ratios (dosql ÷ SQLite; below 1 means dosql is faster).
//
// SQLite side: `CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)`, page_size 4096,
// journal_mode=WAL, synchronous=FULL, default cache; prepared statements with bind/step/reset.
// dosql side: transaction::Store on fsx::NewLocalFileSystem() with one rowid tree, sync_mode
// kFull, page size 4096, default options; key = RowidKey(id), value = EncodeRecord({NULL, v}) —
// byte for byte the record SQLite stores for that row (the INTEGER PRIMARY KEY column is an alias
// of the rowid and is stored as NULL), so both engines store comparable bytes.
//
// Workloads (each on both engines, engine order alternating per repetition, --reps times;
// median and min..max reported):
//   seq-insert     N rows in one transaction, keys 1..N in order
//   rand-insert    N rows in one transaction, keys a shuffled permutation of 1..N
//   txn-insert     T single-row transactions, each durable (fsync) before the next begins
//   point-lookup   L random-key lookups on the N-row table, reading the value column
//   range-scan     S scans of `scan-len` consecutive rows from random starts, reading the column
// Lookups and scans checksum what they read; the checksums must agree between the engines.
//
// Usage: dosql-storage-bench [--small] [--reps N] [--dir PATH] [--rows N] [--txns N]
//          [--lookups N] [--scans N] [--scan-len N] [--cache-mb N] [--only a,b,...]
//          [--engine dosql|sqlite|both] [--keep]

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "dosql/btree/btree.h"
#include "dosql/core/crc32c.h"
#include "dosql/core/record.h"
#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/fsx/fsx.h"
#include "dosql/transaction/store.h"
#include "dosql/wal/wal.h"

namespace {

using dosql::bench::ReadCpuModel;
using dosql::bench::SplitList;
using dosql::bench::SplitMix64;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using dosql::Result;
using dosql::Status;
using dosql::transaction::Store;
using dosql::transaction::StoreOptions;
using dosql::transaction::TreeId;

// ----------------------------------------------------------------------------------------------
// Small helpers

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "dosql-storage-bench: %s\n", what.c_str());
  std::exit(1);
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

template <typename T>
T Take(Result<T> r, const char* what) {
  if (!r.ok()) Die(std::string(what) + ": " + r.status().ToString());
  return std::move(r).value();
}

void SqlCheck(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    Die(std::string("sqlite: ") + what + ": " + sqlite3_errmsg(db));
}

void SqlExec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "?";
    sqlite3_free(err);
    Die(std::string("sqlite: ") + sql + ": " + msg);
  }
}


// The deterministic row payload for id: 50..100 pseudo-random bytes.
void RowValue(int64_t id, std::string* out) {
  uint64_t h = SplitMix64(static_cast<uint64_t>(id) * 0x2545F4914F6CDD1DULL);
  size_t len = 50 + h % 51;
  out->resize(len);
  char* p = out->data();
  uint64_t s = h;
  for (size_t i = 0; i < len; i += 8) {
    s = SplitMix64(s);
    size_t n = std::min<size_t>(8, len - i);
    std::memcpy(p + i, &s, n);
  }
}

// A cheap, order-sensitive fingerprint of what a read returned (length, head and tail bytes), so
// the work cannot be optimized away and both engines can be compared.
inline uint64_t Fingerprint(const void* data, size_t n) {
  uint64_t head = 0, tail = 0;
  const auto* p = static_cast<const unsigned char*>(data);
  std::memcpy(&head, p, std::min<size_t>(8, n));
  if (n >= 8) std::memcpy(&tail, p + n - 8, 8);
  return SplitMix64(head ^ (tail * 31) ^ (static_cast<uint64_t>(n) << 56));
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }


// ----------------------------------------------------------------------------------------------
// Options

struct Options {
  int64_t rows = 1'000'000;
  int64_t txns = 100'000;
  int64_t lookups = 1'000'000;
  int64_t scans = 10'000;
  int64_t scan_len = 100;
  int reps = 3;
  int64_t cache_mb = -1;  // -1: each engine's default cache
  std::string dir;
  std::vector<std::string> only;
  bool run_dosql = true;
  bool run_sqlite = true;
  bool keep = false;
  bool small = false;
};

bool Wanted(const Options& o, const std::string& name) {
  return o.only.empty() || std::find(o.only.begin(), o.only.end(), name) != o.only.end();
}

void Usage() {
  std::printf(
      "usage: dosql-storage-bench [options]\n"
      "  --small          cut every size by 10x (quick check)\n"
      "  --reps N         repetitions per workload and engine (default 3)\n"
      "  --dir PATH       work directory (default: a fresh directory under $TMPDIR or /tmp)\n"
      "  --rows N         rows for the insert workloads and the read table (default 1000000)\n"
      "  --txns N         single-row fsynced transactions (default 100000)\n"
      "  --lookups N      point lookups (default 1000000)\n"
      "  --scans N        range scans (default 10000)\n"
      "  --scan-len N     rows per range scan (default 100)\n"
      "  --cache-mb N     give both engines an N MiB page cache (default: each engine's default)\n"
      "  --only LIST      comma-separated subset of: seq-insert,rand-insert,txn-insert,\n"
      "                   point-lookup,range-scan\n"
      "  --engine E       dosql, sqlite or both (default both; ratios need both)\n"
      "  --keep           keep the work directory\n");
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  bool rows_set = false, txns_set = false, lookups_set = false, scans_set = false;
  auto need = [&](int& i) -> std::string {
    if (i + 1 >= argc) Die(std::string("missing value for ") + argv[i]);
    return argv[++i];
  };
  auto num = [&](const std::string& s) -> int64_t {
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (end == s.c_str() || *end != '\0' || v < 0) Die("bad number: " + s);
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--small") o.small = true;
    else if (a == "--reps") o.reps = static_cast<int>(num(need(i)));
    else if (a == "--dir") o.dir = need(i);
    else if (a == "--rows") { o.rows = num(need(i)); rows_set = true; }
    else if (a == "--txns") { o.txns = num(need(i)); txns_set = true; }
    else if (a == "--lookups") { o.lookups = num(need(i)); lookups_set = true; }
    else if (a == "--scans") { o.scans = num(need(i)); scans_set = true; }
    else if (a == "--scan-len") o.scan_len = num(need(i));
    else if (a == "--cache-mb") o.cache_mb = num(need(i));
    else if (a == "--keep") o.keep = true;
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
    if (!rows_set) o.rows /= 10;
    if (!txns_set) o.txns /= 10;
    if (!lookups_set) o.lookups /= 10;
    if (!scans_set) o.scans /= 10;
  }
  if (o.reps < 1) o.reps = 1;
  if (o.rows < 1 || o.scan_len < 1) Die("--rows and --scan-len must be positive");
  for (const auto& w : o.only) {
    if (w != "seq-insert" && w != "rand-insert" && w != "txn-insert" && w != "point-lookup" &&
        w != "range-scan")
      Die("unknown workload in --only: " + w);
  }
  return o;
}

// ----------------------------------------------------------------------------------------------
// The dosql side

struct DosqlDb {
  std::unique_ptr<Store> store;
  TreeId tree = 0;
};

StoreOptions DosqlOptions(const Options& o) {
  StoreOptions so;
  so.create_if_missing = true;
  so.sync_mode = dosql::wal::SyncMode::kFull;
  so.pager.page_size = 4096;
  if (o.cache_mb >= 0) so.pager.cache_bytes = static_cast<uint64_t>(o.cache_mb) << 20;
  return so;
}

// Opens a fresh store in `dir` and creates the table's tree (untimed).
DosqlDb DosqlCreate(const Options& o, const std::string& dir) {
  DosqlDb db;
  db.store = Take(Store::Open(dosql::fsx::NewLocalFileSystem(), dir, DosqlOptions(o)),
                  "dosql Store::Open");
  auto w = Take(db.store->BeginWrite(), "dosql BeginWrite");
  db.tree = Take(w->CreateTree(dosql::transaction::TreeKind::kRowid), "dosql CreateTree");
  Take(w->Commit(), "dosql Commit (create tree)");
  return db;
}

DosqlDb DosqlReopen(const Options& o, const std::string& dir, TreeId tree) {
  DosqlDb db;
  db.store = Take(Store::Open(dosql::fsx::NewLocalFileSystem(), dir, DosqlOptions(o)),
                  "dosql Store::Open (reopen)");
  db.tree = tree;
  return db;
}

void DosqlClose(DosqlDb& db) {
  if (db.store) Check(db.store->Close(), "dosql Close");
  db.store.reset();
}

// Encodes the row (id INTEGER PRIMARY KEY, v BLOB) as SQLite stores it: the rowid alias column is
// NULL in the record.
struct DosqlRowEncoder {
  std::vector<dosql::Value> values{dosql::Value::Null(), dosql::Value::Null()};
  std::string record;
  std::string payload;
  const std::string& Encode(int64_t id) {
    RowValue(id, &payload);
    values[1] = dosql::Value::Blob(payload);
    record.clear();
    dosql::EncodeRecord(values, &record);
    return record;
  }
};

// Inserts keys[0..n) in one write transaction and commits; returns the time spent in Commit.
double DosqlInsertOneTxn(DosqlDb& db, const std::vector<int64_t>& keys) {
  DosqlRowEncoder enc;
  uint8_t key[dosql::kRowidKeySize];
  auto w = Take(db.store->BeginWrite(), "dosql BeginWrite");
  for (int64_t id : keys) {
    dosql::EncodeRowidKey(id, key);
    Check(w->Put(db.tree,
                 std::string_view(reinterpret_cast<const char*>(key), sizeof key), enc.Encode(id)),
          "dosql Put");
  }
  auto t0 = Clock::now();
  Take(w->Commit(), "dosql Commit");
  return Ms(Clock::now() - t0);
}

void DosqlInsertManyTxns(DosqlDb& db, int64_t n) {
  DosqlRowEncoder enc;
  uint8_t key[dosql::kRowidKeySize];
  for (int64_t id = 1; id <= n; ++id) {
    auto w = Take(db.store->BeginWrite(), "dosql BeginWrite");
    dosql::EncodeRowidKey(id, key);
    Check(w->Put(db.tree,
                 std::string_view(reinterpret_cast<const char*>(key), sizeof key), enc.Encode(id)),
          "dosql Put");
    Take(w->Commit(), "dosql Commit");
  }
}

// Column 1 (v) of a stored record, the way a SQL engine would read it.
inline uint64_t DosqlReadColumn(std::string_view record) {
  dosql::RecordReader rr;
  Check(rr.Init(record), "dosql RecordReader::Init");
  dosql::Value v = Take(rr.Column(1), "dosql RecordReader::Column");
  return Fingerprint(v.view().data(), v.view().size());
}

// One read transaction for the whole batch (SQLite's equivalent is one statement-level snapshot
// per step; a read transaction per lookup would add BeginRead's cost to every lookup).
uint64_t DosqlLookups(DosqlDb& db, const std::vector<int64_t>& ids) {
  auto r = Take(db.store->BeginRead(), "dosql BeginRead");
  uint64_t sum = 0;
  uint8_t key[dosql::kRowidKeySize];
  for (int64_t id : ids) {
    dosql::EncodeRowidKey(id, key);
    auto got = Take(r->Get(db.tree, std::string_view(reinterpret_cast<const char*>(key), sizeof key)),
                    "dosql Get");
    if (!got) Die("dosql Get: missing key " + std::to_string(id));
    sum += DosqlReadColumn(*got);
  }
  return sum;
}

uint64_t DosqlScans(DosqlDb& db, const std::vector<int64_t>& starts, int64_t len) {
  auto r = Take(db.store->BeginRead(), "dosql BeginRead");
  auto cur = Take(r->NewCursor(db.tree), "dosql NewCursor");
  uint64_t sum = 0;
  uint8_t lo[dosql::kRowidKeySize], hi[dosql::kRowidKeySize];
  std::string scratch;
  for (int64_t start : starts) {
    dosql::EncodeRowidKey(start, lo);
    dosql::EncodeRowidKey(start + len - 1, hi);
    std::string_view hi_key(reinterpret_cast<const char*>(hi), sizeof hi);
    Check(cur.Seek(std::string_view(reinterpret_cast<const char*>(lo), sizeof lo)), "dosql Seek");
    int64_t rows = 0;
    while (cur.Valid() && cur.key() <= hi_key) {
      std::string_view rec = Take(cur.value(&scratch), "dosql Cursor::value");
      sum += DosqlReadColumn(rec);
      ++rows;
      Check(cur.Next(), "dosql Next");
    }
    sum += static_cast<uint64_t>(rows) << 40;
  }
  return sum;
}

// ----------------------------------------------------------------------------------------------
// The SQLite side

struct SqliteDb {
  sqlite3* db = nullptr;
};

SqliteDb SqliteOpen(const Options& o, const std::string& dir, bool create) {
  fs::create_directories(dir);
  SqliteDb s;
  std::string path = dir + "/test.db";
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &s.db, flags, nullptr) != SQLITE_OK)
    Die("sqlite3_open_v2 " + path + ": " + (s.db ? sqlite3_errmsg(s.db) : "?"));
  if (create) SqlExec(s.db, "PRAGMA page_size=4096");
  SqlExec(s.db, "PRAGMA journal_mode=WAL");
  SqlExec(s.db, "PRAGMA synchronous=FULL");
  if (o.cache_mb >= 0) {
    std::string pragma = "PRAGMA cache_size=-" + std::to_string(o.cache_mb * 1024);
    SqlExec(s.db, pragma.c_str());
  }
  if (create) SqlExec(s.db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  return s;
}

void SqliteClose(SqliteDb& s) {
  if (s.db && sqlite3_close(s.db) != SQLITE_OK) Die(std::string("sqlite3_close: ") + sqlite3_errmsg(s.db));
  s.db = nullptr;
}

sqlite3_stmt* Prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  SqlCheck(db, sqlite3_prepare_v2(db, sql, -1, &st, nullptr), sql);
  return st;
}

void SqliteInsert(sqlite3* db, sqlite3_stmt* ins, int64_t id, std::string* payload) {
  RowValue(id, payload);
  sqlite3_bind_int64(ins, 1, id);
  sqlite3_bind_blob(ins, 2, payload->data(), static_cast<int>(payload->size()), SQLITE_STATIC);
  int rc = sqlite3_step(ins);
  if (rc != SQLITE_DONE) SqlCheck(db, rc == SQLITE_ROW ? SQLITE_ERROR : rc, "insert step");
  sqlite3_reset(ins);
}

// Returns the time spent in COMMIT (which includes SQLite's automatic WAL checkpoint).
double SqliteInsertOneTxn(SqliteDb& s, const std::vector<int64_t>& keys) {
  sqlite3_stmt* ins = Prepare(s.db, "INSERT INTO t(id, v) VALUES(?, ?)");
  std::string payload;
  SqlExec(s.db, "BEGIN");
  for (int64_t id : keys) SqliteInsert(s.db, ins, id, &payload);
  auto t0 = Clock::now();
  SqlExec(s.db, "COMMIT");
  double ms = Ms(Clock::now() - t0);
  sqlite3_finalize(ins);
  return ms;
}

void SqliteInsertManyTxns(SqliteDb& s, int64_t n) {
  sqlite3_stmt* ins = Prepare(s.db, "INSERT INTO t(id, v) VALUES(?, ?)");
  std::string payload;
  for (int64_t id = 1; id <= n; ++id) SqliteInsert(s.db, ins, id, &payload);  // autocommit
  sqlite3_finalize(ins);
}

uint64_t SqliteLookups(SqliteDb& s, const std::vector<int64_t>& ids) {
  sqlite3_stmt* st = Prepare(s.db, "SELECT v FROM t WHERE id=?");
  uint64_t sum = 0;
  for (int64_t id : ids) {
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) Die("sqlite lookup: missing key " + std::to_string(id));
    const void* p = sqlite3_column_blob(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    sum += Fingerprint(p, static_cast<size_t>(n));
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return sum;
}

uint64_t SqliteScans(SqliteDb& s, const std::vector<int64_t>& starts, int64_t len) {
  sqlite3_stmt* st = Prepare(s.db, "SELECT v FROM t WHERE id BETWEEN ? AND ?");
  uint64_t sum = 0;
  for (int64_t start : starts) {
    sqlite3_bind_int64(st, 1, start);
    sqlite3_bind_int64(st, 2, start + len - 1);
    int64_t rows = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const void* p = sqlite3_column_blob(st, 0);
      int n = sqlite3_column_bytes(st, 0);
      sum += Fingerprint(p, static_cast<size_t>(n));
      ++rows;
    }
    SqlCheck(s.db, rc, "scan step");
    sqlite3_reset(st);
    sum += static_cast<uint64_t>(rows) << 40;
  }
  sqlite3_finalize(st);
  return sum;
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

struct Row {
  std::string workload;
  int64_t rows = 0;  // operations (rows inserted, lookups, rows scanned)
  int64_t ops = 0;   // operations for per-op figures (rows, transactions, lookups, scans)
  std::string op_name;
  Sample dosql, sqlite;
  std::string note;
};

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string FmtMs(double ms) { return ms >= 100 ? Fmt("%.0f", ms) : Fmt("%.1f", ms); }

std::string Spread(const Sample& s) {
  if (s.ms.empty()) return "-";
  return FmtMs(s.Min()) + "–" + FmtMs(s.Max());
}

std::string WithCommas(int64_t v) {
  std::string s = std::to_string(v), out;
  int n = 0;
  for (auto it = s.rbegin(); it != s.rend(); ++it) {
    if (n && n % 3 == 0) out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++n;
  }
  return out;
}

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {}

  void Run() {
    SetUpDir();
    std::mt19937_64 rng(20240601);
    std::vector<int64_t> seq(static_cast<size_t>(o_.rows));
    for (int64_t i = 0; i < o_.rows; ++i) seq[static_cast<size_t>(i)] = i + 1;

    if (Wanted(o_, "seq-insert")) InsertWorkload("seq-insert", seq, "keys 1..N in order, one transaction");
    if (Wanted(o_, "rand-insert")) {
      std::vector<int64_t> perm = seq;
      std::shuffle(perm.begin(), perm.end(), rng);
      InsertWorkload("rand-insert", perm, "shuffled permutation of 1..N, one transaction");
    }
    if (Wanted(o_, "txn-insert")) TxnWorkload();
    if (Wanted(o_, "point-lookup") || Wanted(o_, "range-scan")) ReadWorkloads(seq, rng);

    PrintReport();
    if (!o_.keep) {
      std::error_code ec;
      fs::remove_all(root_, ec);
    }
  }

 private:
  void SetUpDir() {
    if (!o_.dir.empty()) {
      fs::create_directories(o_.dir);
      std::string tmpl = (fs::path(o_.dir) / "dosql-bench-XXXXXX").string();
      if (!mkdtemp(tmpl.data())) Die("mkdtemp in " + o_.dir);
      root_ = tmpl;
    } else {
      std::string tmpl = (fs::temp_directory_path() / "dosql-bench-XXXXXX").string();
      if (!mkdtemp(tmpl.data())) Die("mkdtemp");
      root_ = tmpl;
    }
    std::fprintf(stderr, "work directory: %s\n", root_.c_str());
  }

  std::string FreshDir(const std::string& tag) {
    std::string d = root_ + "/" + tag + "-" + std::to_string(seq_++);
    fs::create_directories(d);
    return d;
  }

  void Remove(const std::string& d) const {
    if (o_.keep) return;
    std::error_code ec;
    fs::remove_all(d, ec);
  }

  // dosql first on even repetitions, SQLite first on odd ones.
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
    std::fprintf(stderr, "  %-13s rep %d %-6s %10.1f ms\n", w.c_str(), rep + 1, engine, ms);
  }

  void InsertWorkload(const std::string& name, const std::vector<int64_t>& keys,
                      const std::string& note) {
    Row row{name, o_.rows, o_.rows, "row", {}, {}, note};
    uint64_t auto_checkpoints = 0;
    Sample d_commit, s_commit;
    for (int rep = 0; rep < o_.reps; ++rep) {
      Interleaved(
          rep,
          [&] {
            std::string d = FreshDir("dosql-" + name);
            DosqlDb db = DosqlCreate(o_, d);
            uint64_t cps = db.store->stats().checkpoints;
            auto t0 = Clock::now();
            d_commit.ms.push_back(DosqlInsertOneTxn(db, keys));
            double ms = Ms(Clock::now() - t0);
            auto_checkpoints = db.store->stats().checkpoints - cps;
            row.dosql.ms.push_back(ms);
            Progress(name, rep, "dosql", ms);
            DosqlClose(db);
            Remove(d);
          },
          [&] {
            std::string d = FreshDir("sqlite-" + name);
            SqliteDb s = SqliteOpen(o_, d, true);
            auto t0 = Clock::now();
            s_commit.ms.push_back(SqliteInsertOneTxn(s, keys));
            double ms = Ms(Clock::now() - t0);
            row.sqlite.ms.push_back(ms);
            Progress(name, rep, "sqlite", ms);
            SqliteClose(s);
            Remove(d);
          });
    }
    if (o_.run_dosql)
      row.note += "; dosql auto-checkpoints inside the timed commit: " +
                  std::to_string(auto_checkpoints);
    row.note += "; of which commit ms: dosql " +
                (d_commit.ms.empty() ? std::string("-") : FmtMs(d_commit.Median())) + ", sqlite " +
                (s_commit.ms.empty() ? std::string("-") : FmtMs(s_commit.Median()));
    rows_.push_back(std::move(row));
  }

  void TxnWorkload() {
    const std::string name = "txn-insert";
    Row row{name, o_.txns, o_.txns, "txn", {}, {}, "one row per transaction, fsync per commit (FULL)"};
    for (int rep = 0; rep < o_.reps; ++rep) {
      Interleaved(
          rep,
          [&] {
            std::string d = FreshDir("dosql-" + name);
            DosqlDb db = DosqlCreate(o_, d);
            auto t0 = Clock::now();
            DosqlInsertManyTxns(db, o_.txns);
            double ms = Ms(Clock::now() - t0);
            row.dosql.ms.push_back(ms);
            Progress(name, rep, "dosql", ms);
            DosqlClose(db);
            Remove(d);
          },
          [&] {
            std::string d = FreshDir("sqlite-" + name);
            SqliteDb s = SqliteOpen(o_, d, true);
            auto t0 = Clock::now();
            SqliteInsertManyTxns(s, o_.txns);
            double ms = Ms(Clock::now() - t0);
            row.sqlite.ms.push_back(ms);
            Progress(name, rep, "sqlite", ms);
            SqliteClose(s);
            Remove(d);
          });
    }
    rows_.push_back(std::move(row));
  }

  // Builds one N-row table per engine (untimed: sequential inserts, checkpoint, close, reopen so
  // the engines start from their on-disk files), then runs the read workloads on it.
  void ReadWorkloads(const std::vector<int64_t>& seq, std::mt19937_64& rng) {
    std::fprintf(stderr, "building the %s-row read table on each engine (untimed)\n",
                 WithCommas(o_.rows).c_str());
    std::string ddir = FreshDir("dosql-read"), sdir = FreshDir("sqlite-read");
    DosqlDb ddb;
    SqliteDb sdb;
    if (o_.run_dosql) {
      DosqlDb b = DosqlCreate(o_, ddir);
      DosqlInsertOneTxn(b, seq);
      Check(b.store->Checkpoint(), "dosql Checkpoint");
      TreeId tree = b.tree;
      DosqlClose(b);
      ddb = DosqlReopen(o_, ddir, tree);
    }
    if (o_.run_sqlite) {
      SqliteDb b = SqliteOpen(o_, sdir, true);
      SqliteInsertOneTxn(b, seq);
      SqlExec(b.db, "PRAGMA wal_checkpoint(TRUNCATE)");
      SqliteClose(b);
      sdb = SqliteOpen(o_, sdir, false);
    }

    if (Wanted(o_, "point-lookup")) {
      std::vector<int64_t> ids(static_cast<size_t>(o_.lookups));
      std::uniform_int_distribution<int64_t> dist(1, o_.rows);
      for (auto& id : ids) id = dist(rng);
      Row row{"point-lookup", o_.lookups, o_.lookups, "lookup", {}, {},
              "random keys; dosql: one ReadTransaction for the batch, Get + record column read"};
      std::optional<uint64_t> dsum, ssum;
      for (int rep = 0; rep < o_.reps; ++rep) {
        Interleaved(
            rep,
            [&] {
              auto t0 = Clock::now();
              uint64_t sum = DosqlLookups(ddb, ids);
              double ms = Ms(Clock::now() - t0);
              if (dsum && *dsum != sum) Die("dosql lookup checksum changed between repetitions");
              dsum = sum;
              row.dosql.ms.push_back(ms);
              Progress(row.workload, rep, "dosql", ms);
            },
            [&] {
              auto t0 = Clock::now();
              uint64_t sum = SqliteLookups(sdb, ids);
              double ms = Ms(Clock::now() - t0);
              ssum = sum;
              row.sqlite.ms.push_back(ms);
              Progress(row.workload, rep, "sqlite", ms);
            });
      }
      checksums_.push_back({row.workload, dsum, ssum});
      rows_.push_back(std::move(row));
    }

    if (Wanted(o_, "range-scan")) {
      int64_t len = std::min(o_.scan_len, o_.rows);
      std::vector<int64_t> starts(static_cast<size_t>(o_.scans));
      std::uniform_int_distribution<int64_t> dist(1, o_.rows - len + 1);
      for (auto& s : starts) s = dist(rng);
      Row row{"range-scan", o_.scans * len, o_.scans, "scan", {}, {},
              std::to_string(o_.scans) + " scans of " + std::to_string(len) +
                  " rows; dosql: one cursor, Seek + Next + record column read"};
      std::optional<uint64_t> dsum, ssum;
      for (int rep = 0; rep < o_.reps; ++rep) {
        Interleaved(
            rep,
            [&] {
              auto t0 = Clock::now();
              uint64_t sum = DosqlScans(ddb, starts, len);
              double ms = Ms(Clock::now() - t0);
              dsum = sum;
              row.dosql.ms.push_back(ms);
              Progress(row.workload, rep, "dosql", ms);
            },
            [&] {
              auto t0 = Clock::now();
              uint64_t sum = SqliteScans(sdb, starts, len);
              double ms = Ms(Clock::now() - t0);
              ssum = sum;
              row.sqlite.ms.push_back(ms);
              Progress(row.workload, rep, "sqlite", ms);
            });
      }
      checksums_.push_back({row.workload, dsum, ssum});
      rows_.push_back(std::move(row));
    }

    if (o_.run_dosql) {
      auto st = ddb.store->stats();
      pager_note_ = "dosql pager after reads: cache hits " + WithCommas(static_cast<int64_t>(st.pager.cache_hits)) +
                    ", misses " + WithCommas(static_cast<int64_t>(st.pager.cache_misses)) +
                    ", cached pages " + WithCommas(static_cast<int64_t>(st.pager.cached_pages)) +
                    ", evictions " + WithCommas(static_cast<int64_t>(st.pager.evictions));
      DosqlClose(ddb);
    }
    if (o_.run_sqlite) SqliteClose(sdb);
    ReportSizes(ddir, sdir);
    Remove(ddir);
    Remove(sdir);
  }

  void ReportSizes(const std::string& ddir, const std::string& sdir) {
    auto du = [](const std::string& d) {
      uint64_t total = 0;
      std::error_code ec;
      if (!fs::exists(d, ec)) return total;
      for (auto& e : fs::recursive_directory_iterator(d, ec))
        if (e.is_regular_file(ec)) total += e.file_size(ec);
      return total;
    };
    auto mib = [](uint64_t b) { return Fmt("%.1f", b / 1048576.0); };
    uint64_t d_data = du(ddir + "/data"), d_wal = du(ddir + "/wal"), d_all = du(ddir);
    size_note_ = "on-disk size of the " + WithCommas(o_.rows) +
                 "-row table after checkpoint and close: dosql " + mib(d_all) + " MiB (data " +
                 mib(d_data) + ", wal " + mib(d_wal) + "), SQLite " + mib(du(sdir)) +
                 " MiB (WAL checkpointed with TRUNCATE)";
  }

  void PrintReport() {
    std::time_t now = std::time(nullptr);
    char date[64];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&now));
    std::printf("## dosql-storage-bench\n\n");
    std::printf("- date: %s\n", date);
    std::printf("- machine: nproc %u, CPU %s; SQLite %s; dosql CRC32C hardware: %s\n",
                std::thread::hardware_concurrency(), ReadCpuModel().c_str(), sqlite3_libversion(),
                dosql::crc32c::HardwareAccelerated() ? "yes" : "no");
    std::printf(
        "- settings: page size 4096; SQLite journal_mode=WAL, synchronous=FULL; dosql "
        "SyncMode::kFull; cache: %s; reps %d (median, min–max)\n",
        o_.cache_mb >= 0 ? (std::to_string(o_.cache_mb) + " MiB on both engines").c_str()
                         : "each engine's default (SQLite 2000 KiB, dosql 64 MiB)",
        o_.reps);
    std::printf("\n| workload | rows | dosql ms | sqlite ms | ratio | spread (dosql / sqlite, ms) |\n");
    std::printf("|---|---:|---:|---:|---:|---|\n");
    for (const auto& r : rows_) {
      bool d = !r.dosql.ms.empty(), s = !r.sqlite.ms.empty();
      std::string ratio = d && s ? Fmt("%.2f", r.dosql.Median() / r.sqlite.Median()) : "-";
      std::printf("| %s | %s | %s | %s | %s | %s / %s |\n", r.workload.c_str(),
                  WithCommas(r.rows).c_str(), d ? FmtMs(r.dosql.Median()).c_str() : "-",
                  s ? FmtMs(r.sqlite.Median()).c_str() : "-", ratio.c_str(),
                  Spread(r.dosql).c_str(), Spread(r.sqlite).c_str());
    }
    std::printf("\nratio = dosql ÷ SQLite median time; below 1 means dosql is faster.\n\n");
    std::printf("| workload | dosql µs/op | sqlite µs/op | op | notes |\n|---|---:|---:|---|---|\n");
    for (const auto& r : rows_) {
      auto per = [&](const Sample& s) {
        return s.ms.empty() ? std::string("-") : Fmt("%.2f", s.Median() * 1000.0 / r.ops);
      };
      std::printf("| %s | %s | %s | %s | %s |\n", r.workload.c_str(), per(r.dosql).c_str(),
                  per(r.sqlite).c_str(), r.op_name.c_str(), r.note.c_str());
    }
    if (!checksums_.empty()) {
      std::printf("\nchecksums (must agree):\n");
      for (const auto& c : checksums_) {
        auto hex = [](const std::optional<uint64_t>& v) {
          if (!v) return std::string("-");
          char buf[24];
          std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(*v));
          return std::string(buf);
        };
        const char* verdict = c.dosql && c.sqlite ? (*c.dosql == *c.sqlite ? "agree" : "MISMATCH")
                                                  : "one engine only";
        if (c.dosql && c.sqlite && *c.dosql != *c.sqlite) mismatch_ = true;
        std::printf("- %s: dosql %s, sqlite %s: %s\n", c.workload.c_str(), hex(c.dosql).c_str(),
                    hex(c.sqlite).c_str(), verdict);
      }
    }
    if (!pager_note_.empty()) std::printf("\n%s\n", pager_note_.c_str());
    if (!size_note_.empty()) std::printf("%s\n", size_note_.c_str());
  }

  struct Checksum {
    std::string workload;
    std::optional<uint64_t> dosql, sqlite;
  };

  Options o_;
  std::string root_;
  int seq_ = 0;
  std::vector<Row> rows_;
  std::vector<Checksum> checksums_;
  std::string pager_note_, size_note_;

 public:
  bool mismatch_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  Options o = ParseArgs(argc, argv);
  Bench bench(o);
  bench.Run();
  if (bench.mismatch_) {
    std::fprintf(stderr, "dosql-storage-bench: checksum mismatch between the engines\n");
    return 2;
  }
  return 0;
}
