// kill -9 of a real process on the local backend: a child commits transactions and reports each
// durable commit; the parent kills it at a random moment, reopens the store, and checks that
// every reported commit is present and the state is exactly a prefix of the workload.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "dosql/fsx/fsx.h"
#include "workload.h"

extern char** environ;

namespace dosql::transaction {
namespace {

struct Child {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Child Spawn(const std::string& dir, uint64_t seed) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::string seed_s = std::to_string(seed);
  char* argv[] = {const_cast<char*>(DOSQL_CRASH_CHILD), const_cast<char*>(dir.c_str()),
                  seed_s.data(), nullptr};
  Child c;
  EXPECT_EQ(posix_spawn(&c.pid, DOSQL_CRASH_CHILD, &fa, nullptr, argv, environ), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  c.out = fdopen(fds[0], "r");
  return c;
}

TEST(KillTest, CommittedTransactionsSurviveKill9) {
  std::string dir = (std::filesystem::temp_directory_path() /
                     ("dosql_kill_" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(dir);
  uint64_t seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  int rounds = 12;
  if (const char* env = std::getenv("DOSQL_KILL_ROUNDS")) rounds = std::atoi(env);
  uint64_t total_acked = 0;
  for (int round = 0; round < rounds; round++) {
    Child c = Spawn(dir, seed);
    ASSERT_GT(c.pid, 0);
    // Let it run for a random number of reported commits (or a little time), then kill it.
    uint64_t want = 5 + rng() % 60;
    uint64_t acked = 0, seen = 0;
    char line[128];
    while (seen < want && std::fgets(line, sizeof line, c.out)) {
      unsigned long long n;
      if (std::sscanf(line, "committed %llu", &n) == 1) {
        acked = n;
        seen++;
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    kill(c.pid, SIGKILL);
    // Drain what it reported before dying: those commits were durable too.
    while (std::fgets(line, sizeof line, c.out)) {
      unsigned long long n;
      if (std::sscanf(line, "committed %llu", &n) == 1) acked = n;
    }
    std::fclose(c.out);
    int status;
    waitpid(c.pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited on its own with " << status;

    auto s = Store::Open(fsx::NewLocalFileSystem(), dir, StoreOptions{});
    ASSERT_TRUE(s.ok()) << "round " << round << ": " << s.status().ToString();
    ASSERT_TRUE((*s)->CheckIntegrity().ok());
    auto r = *(*s)->BeginRead();
    if (!r->GetTree(1).ok()) {
      EXPECT_EQ(acked, 0u) << "round " << round << ": the store lost its trees";
      continue;
    }
    auto count = r->Get(1, "count");
    ASSERT_TRUE(count.ok() && count->has_value());
    uint64_t n = std::strtoull((*count)->c_str(), nullptr, 10);
    EXPECT_GE(n, acked) << "round " << round << ": a reported commit was lost";
    EXPECT_LE(n, acked + 1) << "round " << round;
    auto got = testing::ReadTree(*r, 2);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, testing::ModelAfter(seed, n)) << "round " << round;
    total_acked = n;
  }
  EXPECT_GT(total_acked, 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace dosql::transaction
