// A statement cache for hot statements, and stopping a runaway query from another thread.
#include <chrono>
#include <cstdio>
#include <thread>

#include "dosql/dosql.h"

int main() {
  auto conn = dosql::Connection::Open(":memory:");
  if (!conn.ok()) return 1;
  dosql::Connection& c = **conn;
  if (!c.Exec("CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT)").ok()) return 1;

  dosql::StatementCache cache(c);
  for (int i = 0; i < 1000; i++) {
    auto put = cache.Prepare("INSERT INTO kv VALUES (?1, ?2)");  // compiled once, reused
    if (!put.ok()) return 1;
    if (!(*put)->BindInt64(1, i).ok() || !(*put)->BindText(2, "value").ok()) return 1;
    if (!(*put)->Step().ok()) return 1;
  }  // each handle returns its statement to the cache, reset and unbound
  std::printf("cache: %zu hits, %zu misses\n", cache.hits(), cache.misses());

  // Interrupt() may be called from any thread; the running statement fails with Aborted.
  std::thread stopper([&c] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.Interrupt();
  });
  auto endless = c.Query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                         "SELECT count(*) FROM n");
  stopper.join();
  std::printf("endless query: %s\n", endless.status().ToString().c_str());
  if (endless.ok() || endless.status().code() != dosql::StatusCode::kAborted) return 1;

  // Or give every statement a time limit.
  c.SetStatementTimeout(std::chrono::milliseconds(20));
  auto slow = c.Query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                      "SELECT max(i) FROM n");
  std::printf("slow query: %s\n", slow.status().ToString().c_str());
  return !slow.ok() && cache.hits() == 999 ? 0 : 1;
}
