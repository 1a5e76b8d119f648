// Deadlocks between connections writing attached databases in opposite orders, on real
// threads: the connection whose lock wait would close the cycle gets Busy("deadlock detected:
// ...") at once, naming the databases, instead of waiting out its busy timeout; after it rolls
// back the other one proceeds. Run under ThreadSanitizer (label "concurrency").
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dosql/engine/database.h"
#include "dosql/test_util/status.h"
#include "dosql/test_util/temp_dir.h"

namespace dosql::engine {
namespace {

using test_util::Unwrap;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool IsDeadlock(const Status& s) {
  return s.code() == StatusCode::kBusy && s.message().rfind("deadlock detected", 0) == 0;
}

// n connections to one main database, each with the same databases attached as d1, d2, ...
struct Databases {
  test_util::TempDir dir{"dosql_deadlock_test"};
  std::shared_ptr<Database> db;
  std::vector<std::unique_ptr<Connection>> conns;

  Databases(int connections, int attached) {
    DatabaseOptions o;
    o.busy_timeout = std::chrono::milliseconds(20000);
    db = Unwrap(Database::Open(dir.Path("main.db"), o));
    for (int c = 0; c < connections; c++) {
      conns.push_back(Unwrap(db->Connect()));
      for (int i = 1; i <= attached; i++) {
        Status s = conns.back()->Exec("ATTACH '" + dir.Path("d" + std::to_string(i) + ".db") +
                                      "' AS d" + std::to_string(i));
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
    }
    Status s = conns[0]->Exec("CREATE TABLE main.t(v)");
    for (int i = 1; i <= attached && s.ok(); i++) {
      s = conns[0]->Exec("CREATE TABLE d" + std::to_string(i) + ".t(v)");
    }
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
};

TEST(EngineDeadlockTest, OppositeOrdersFailOneConnectionAtOnce) {
  for (int round = 0; round < 5; round++) {
    Databases s(2, 1);
    Connection& c1 = *s.conns[0];
    Connection& c2 = *s.conns[1];
    ASSERT_TRUE(c1.Exec("BEGIN; INSERT INTO main.t VALUES (1)").ok());
    ASSERT_TRUE(c2.Exec("BEGIN; INSERT INTO d1.t VALUES (2)").ok());
    std::atomic<int> deadlocks{0};
    std::string message;
    auto second_write = [&](Connection& c, const std::string& sql) {
      Status st = c.Exec(sql);
      if (IsDeadlock(st)) {
        message = st.message();
        deadlocks++;
        EXPECT_TRUE(c.Exec("ROLLBACK").ok());  // let the other one go on
        return;
      }
      EXPECT_TRUE(st.ok()) << st.ToString();
      EXPECT_TRUE(c.Exec("COMMIT").ok());
    };
    auto start = Clock::now();
    std::thread t1(second_write, std::ref(c1), "INSERT INTO d1.t VALUES (1)");
    std::thread t2(second_write, std::ref(c2), "INSERT INTO main.t VALUES (2)");
    t1.join();
    t2.join();
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(5000));
    EXPECT_EQ(deadlocks.load(), 1);
    EXPECT_TRUE(message ==
                    "deadlock detected: the write lock of database d1 is held by a transaction "
                    "that waits for database main, which this transaction holds" ||
                message ==
                    "deadlock detected: the write lock of database main is held by a "
                    "transaction that waits for database d1, which this transaction holds")
        << message;
    // Exactly one transaction committed, whole.
    auto r =
        Unwrap(c1.Query("SELECT (SELECT group_concat(v) FROM main.t), "
                        "(SELECT group_concat(v) FROM d1.t)"));
    ASSERT_EQ(r.rows.size(), 1u);
    std::string m = r.rows[0][0].bytes(), d = r.rows[0][1].bytes();
    EXPECT_TRUE((m == "1" && d == "1") || (m == "2" && d == "2")) << m << " / " << d;
  }
}

TEST(EngineDeadlockTest, ThreeConnectionsInACircle) {
  Databases s(3, 2);
  const char* dbs[] = {"main", "d1", "d2"};
  for (int i = 0; i < 3; i++) {
    ASSERT_TRUE(s.conns[i]
                    ->Exec(std::string("BEGIN; INSERT INTO ") + dbs[i] + ".t VALUES (" +
                           std::to_string(i) + ")")
                    .ok());
  }
  // Connection i then writes database i+1: the third wait closes the circle.
  std::atomic<int> deadlocks{0}, committed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; i++) {
    threads.emplace_back([&, i] {
      if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 * i));
      Connection& c = *s.conns[i];
      Status st = c.Exec(std::string("INSERT INTO ") + dbs[(i + 1) % 3] + ".t VALUES (" +
                         std::to_string(i) + ")");
      if (IsDeadlock(st)) {
        deadlocks++;
        EXPECT_TRUE(c.Exec("ROLLBACK").ok());
        return;
      }
      EXPECT_TRUE(st.ok()) << st.ToString();
      EXPECT_TRUE(c.Exec("COMMIT").ok());
      committed++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(deadlocks.load(), 1);
  EXPECT_EQ(committed.load(), 2);
}

TEST(EngineDeadlockTest, WaitsWithoutACycleStillWait) {
  Databases s(2, 1);
  Connection& c1 = *s.conns[0];
  Connection& c2 = *s.conns[1];
  ASSERT_TRUE(c1.Exec("BEGIN; INSERT INTO main.t VALUES (1); INSERT INTO d1.t VALUES (1)").ok());
  std::atomic<bool> done{false};
  std::thread t([&] {
    Status st = c2.Exec("INSERT INTO d1.t VALUES (2)");  // waits for c1's COMMIT
    EXPECT_TRUE(st.ok()) << st.ToString();
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(done.load());
  ASSERT_TRUE(c1.Exec("COMMIT").ok());
  t.join();
  auto r = Unwrap(c1.Query("SELECT count(*) FROM d1.t"));
  EXPECT_EQ(r.rows[0][0].integer(), 2);
}

// Many connections moving values between three databases in random orders, retrying after a
// deadlock: the total stays the same and nothing hangs.
TEST(EngineDeadlockTest, RandomTransfersKeepTheTotal) {
  constexpr int kConns = 4, kTransfers = 30;
  Databases s(kConns, 2);
  ASSERT_TRUE(s.conns[0]
                  ->Exec("INSERT INTO main.t VALUES (100); INSERT INTO d1.t VALUES (100); "
                         "INSERT INTO d2.t VALUES (100)")
                  .ok());
  std::atomic<int> deadlocks{0}, failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kConns; c++) {
    threads.emplace_back([&, c] {
      const char* dbs[] = {"main", "d1", "d2"};
      unsigned seed = static_cast<unsigned>(c) * 2654435761u + 1;
      Connection& conn = *s.conns[c];
      for (int done = 0; done < kTransfers;) {
        seed = seed * 1103515245u + 12345u;
        int from = static_cast<int>((seed >> 16) % 3);
        int to = (from + 1 + static_cast<int>((seed >> 20) % 2)) % 3;
        Status st = conn.Exec(std::string("BEGIN; UPDATE ") + dbs[from] + ".t SET v = v - 1; " +
                              "UPDATE " + dbs[to] + ".t SET v = v + 1; COMMIT");
        if (st.ok()) {
          done++;
          continue;
        }
        (IsDeadlock(st) ? deadlocks : failures)++;
        if (!IsDeadlock(st)) ADD_FAILURE() << st.ToString();
        (void)conn.Exec("ROLLBACK");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto r = Unwrap(s.conns[0]->Query(
      "SELECT (SELECT v FROM main.t) + (SELECT v FROM d1.t) + (SELECT v FROM d2.t)"));
  EXPECT_EQ(r.rows[0][0].integer(), 300);
  RecordProperty("deadlocks", deadlocks.load());
}

}  // namespace
}  // namespace dosql::engine
