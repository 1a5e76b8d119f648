// A stress test of transactions through the SQL API: 8 threads on their own connections to one
// file database, writers moving money between accounts (BEGIN IMMEDIATE / DEFERRED, savepoints
// rolled back or released, whole transactions rolled back, busy retries) and readers checking
// snapshot invariants; at the end the database must equal a model built from the commits the
// writers saw succeed. Label `concurrency`: run again under ThreadSanitizer by scripts/test.sh.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dosql/engine/database.h"
#include "dosql/test_util/status.h"

namespace dosql::engine {
namespace {

namespace fs = std::filesystem;
using test_util::Unwrap;

constexpr int kAccounts = 16;
constexpr int64_t kInitial = 1000;
constexpr int kWriters = 4;
constexpr int kReaders = 4;
constexpr int kOpsPerWriter = 150;

struct Transfer {
  int from;
  int to;
  int64_t amount;
};

int64_t One(Connection& c, std::string_view sql) {
  auto r = c.Query(sql);
  if (!r.ok() || r->rows.empty() || r->rows[0].empty()) return INT64_MIN;
  return r->rows[0][0].integer();
}

// Runs `sql` with integer parameters; returns the status.
Status RunSql(Connection& c, std::string_view sql, std::vector<int64_t> params) {
  DOSQL_ASSIGN_OR_RETURN(auto st, c.Prepare(sql));
  for (size_t i = 0; i < params.size(); i++) {
    DOSQL_RETURN_IF_ERROR(st->Bind(static_cast<int>(i) + 1, Value::Integer(params[i])));
  }
  while (true) {
    DOSQL_ASSIGN_OR_RETURN(bool row, st->Step());
    if (!row) return Status::OK();
  }
}

TEST(StressTest, EightThreadsOfTransfersMatchTheModel) {
  fs::path dir = fs::temp_directory_path() /
                 ("dosql_stress_" + std::to_string(::getpid()) + "_" +
                  std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  DatabaseOptions options;
  options.busy_timeout = std::chrono::milliseconds(20000);
  options.sync_commits = false;  // durability is tested elsewhere; this is about concurrency
  auto db = Unwrap(Database::Open(dir.string(), options));
  {
    auto c = Unwrap(db->Connect());
    ASSERT_TRUE(c->Exec("CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);"
                        "CREATE TABLE transfer(seq INTEGER PRIMARY KEY, src, dst, amount);"
                        "CREATE INDEX transfer_src ON transfer(src)")
                    .ok());
    for (int i = 0; i < kAccounts; i++) {
      ASSERT_TRUE(RunSql(*c, "INSERT INTO account VALUES (?1, ?2)", {i, kInitial}).ok());
    }
  }

  std::mutex model_mu;
  std::vector<Transfer> committed;  // what the writers saw commit
  std::atomic<int> writers_done{0};
  std::atomic<int64_t> reader_checks{0};
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard<std::mutex> l(model_mu);
    failures.push_back(std::move(what));
  };

  auto writer = [&](int id) {
    auto c = Unwrap(db->Connect());
    std::mt19937 rng(static_cast<unsigned>(id) * 7919u + 1);
    for (int op = 0; op < kOpsPerWriter; op++) {
      Transfer t{static_cast<int>(rng() % kAccounts), static_cast<int>(rng() % kAccounts),
                 static_cast<int64_t>(rng() % 50) + 1};
      int kind = static_cast<int>(rng() % 10);
      const char* begin = kind % 2 ? "BEGIN IMMEDIATE" : "BEGIN";
      Status st = c->Exec(begin);
      if (!st.ok()) {
        fail("writer " + std::to_string(id) + ": " + st.ToString());
        return;
      }
      auto body = [&]() -> Status {
        DOSQL_RETURN_IF_ERROR(RunSql(*c, "UPDATE account SET balance = balance - ?1 WHERE id = ?2",
                                  {t.amount, t.from}));
        DOSQL_RETURN_IF_ERROR(RunSql(*c, "UPDATE account SET balance = balance + ?1 WHERE id = ?2",
                                  {t.amount, t.to}));
        DOSQL_RETURN_IF_ERROR(RunSql(*c, "INSERT INTO transfer(src, dst, amount) VALUES (?1, ?2, ?3)",
                                  {t.from, t.to, t.amount}));
        // A savepoint whose work is undone: a bogus transfer that must leave no trace.
        if (kind == 3 || kind == 4) {
          DOSQL_RETURN_IF_ERROR(c->Exec("SAVEPOINT bogus"));
          DOSQL_RETURN_IF_ERROR(c->Exec("UPDATE account SET balance = balance * 2"));
          DOSQL_RETURN_IF_ERROR(c->Exec("INSERT INTO transfer(src, dst, amount) VALUES (-1, -1, 0)"));
          DOSQL_RETURN_IF_ERROR(c->Exec("ROLLBACK TO bogus"));
          DOSQL_RETURN_IF_ERROR(c->Exec("RELEASE bogus"));
        }
        // A released savepoint keeps its work.
        if (kind == 5) {
          DOSQL_RETURN_IF_ERROR(c->Exec("SAVEPOINT keep"));
          DOSQL_RETURN_IF_ERROR(c->Exec("UPDATE account SET balance = balance + 0"));
          DOSQL_RETURN_IF_ERROR(c->Exec("RELEASE keep"));
        }
        // A statement that fails inside the transaction is undone by itself.
        if (kind == 6) {
          Status bad = c->Exec("INSERT INTO account VALUES (0, 1)");  // duplicate key
          if (bad.ok()) return Status::Internal("duplicate key accepted");
        }
        return Status::OK();
      };
      st = body();
      if (!st.ok()) {
        // A deferred transaction may lose the race for the write lock: roll back and go on.
        (void)c->Exec("ROLLBACK");
        if (st.code() != StatusCode::kBusy) {
          fail("writer " + std::to_string(id) + ": " + st.ToString());
          return;
        }
        continue;
      }
      if (kind == 9) {  // changed its mind
        st = c->Exec("ROLLBACK");
        if (!st.ok()) fail("rollback: " + st.ToString());
        continue;
      }
      st = c->Exec("COMMIT");
      if (!st.ok()) {
        fail("commit: " + st.ToString());
        (void)c->Exec("ROLLBACK");
        continue;
      }
      std::lock_guard<std::mutex> l(model_mu);
      committed.push_back(t);
    }
    writers_done++;
  };

  auto reader = [&](int id) {
    auto c = Unwrap(db->Connect());
    while (writers_done.load() < kWriters) {
      if (!c->Exec("BEGIN").ok()) {
        fail("reader begin");
        return;
      }
      int64_t total = One(*c, "SELECT sum(balance) FROM account");
      int64_t moved = One(*c, "SELECT count(*) FROM transfer");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      int64_t total2 = One(*c, "SELECT sum(balance) FROM account");
      int64_t moved2 = One(*c, "SELECT count(*) FROM transfer");
      int64_t bogus = One(*c, "SELECT count(*) FROM transfer WHERE src = -1");
      (void)c->Exec("COMMIT");
      if (total != kInitial * kAccounts || total2 != total) {
        fail("reader " + std::to_string(id) + " saw total " + std::to_string(total) + " then " +
             std::to_string(total2));
      }
      if (moved2 != moved) fail("reader snapshot moved: " + std::to_string(moved) + " -> " +
                                std::to_string(moved2));
      if (bogus != 0) fail("a rolled-back savepoint's row is visible");
      reader_checks++;
    }
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; i++) threads.emplace_back(writer, i);
  for (int i = 0; i < kReaders; i++) threads.emplace_back(reader, i);
  for (auto& t : threads) t.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_GT(reader_checks.load(), 0);
  std::printf("%zu transfers committed, %lld reader snapshots checked\n", committed.size(),
              static_cast<long long>(reader_checks.load()));

  // The database equals the model.
  std::map<int, int64_t> balance;
  for (int i = 0; i < kAccounts; i++) balance[i] = kInitial;
  for (const Transfer& t : committed) {
    balance[t.from] -= t.amount;
    balance[t.to] += t.amount;
  }
  auto check = [&](Connection& c) {
    auto rows = Unwrap(c.Query("SELECT id, balance FROM account ORDER BY id"));
    ASSERT_EQ(rows.rows.size(), static_cast<size_t>(kAccounts));
    for (const auto& r : rows.rows) {
      EXPECT_EQ(r[1].integer(), balance[static_cast<int>(r[0].integer())]) << "account " << r[0].integer();
    }
    EXPECT_EQ(One(c, "SELECT count(*) FROM transfer"), static_cast<int64_t>(committed.size()));
    auto ic = Unwrap(c.Query("PRAGMA integrity_check"));
    EXPECT_EQ(ic.rows[0][0].bytes(), "ok");
  };
  {
    auto c = Unwrap(db->Connect());
    check(*c);
  }
  EXPECT_GT(committed.size(), static_cast<size_t>(kWriters * kOpsPerWriter / 2));
  // And after reopening.
  ASSERT_TRUE(db->Close().ok());
  db.reset();
  auto db2 = Unwrap(Database::Open(dir.string(), options));
  {
    auto c = Unwrap(db2->Connect());
    check(*c);
  }
  ASSERT_TRUE(db2->Close().ok());
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace dosql::engine
