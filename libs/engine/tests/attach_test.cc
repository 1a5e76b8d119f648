// ATTACH / DETACH and the TEMP schema through the engine's API, where files matter: attached file
// databases are durable, shared by every connection of the process that opens or attaches them
// (one store, one writer lock, one MVCC history), and refuse to close or detach while in use.
// The SQL semantics (name resolution, DDL, errors) are covered by test/sql/attach/*.test.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dosql/engine/database.h"
#include "dosql/test_util/status.h"
#include "dosql/test_util/temp_dir.h"
#include "dosql/transaction/store.h"

namespace dosql::engine {
namespace {

using test_util::Unwrap;
namespace fs = std::filesystem;

std::string Quote(const std::string& s) { return "'" + s + "'"; }

std::vector<std::vector<Value>> Rows(Connection& c, std::string_view sql) {
  auto r = c.Query(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  if (!r.ok()) return {};
  return r->rows;
}

int64_t Count(Connection& c, std::string_view sql) {
  auto rows = Rows(c, sql);
  if (rows.size() != 1 || rows[0].size() != 1) {
    ADD_FAILURE() << sql << ": not one value";
    return -1;
  }
  return rows[0][0].integer();
}

void Exec(Connection& c, std::string_view sql) {
  Status s = c.Exec(sql);
  ASSERT_TRUE(s.ok()) << sql << ": " << s.ToString();
}

TEST(AttachTest, FileAttachmentIsDurable) {
  test_util::TempDir dir("dosql_attach_test");
  {
    auto c = Unwrap(Connection::Open(dir.Path("main.db")));
    Exec(*c, "ATTACH " + Quote(dir.Path("aux.db")) + " AS aux");
    Exec(*c, "CREATE TABLE aux.t(a, b); INSERT INTO aux.t VALUES (1, 'one'), (2, 'two')");
    Exec(*c, "CREATE TABLE main.m(x); INSERT INTO m VALUES (10)");
    auto files = Rows(*c, "SELECT name, file FROM pragma_database_list ORDER BY seq");
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[1][0].bytes(), "aux");
    EXPECT_EQ(fs::path(files[1][1].bytes()), fs::absolute(dir.Path("aux.db")).lexically_normal());
  }
  // The attached database is a database of its own: open it directly.
  {
    auto c = Unwrap(Connection::Open(dir.Path("aux.db")));
    EXPECT_EQ(Count(*c, "SELECT sum(a) FROM t"), 3);
    auto err = c->Query("SELECT * FROM m");
    EXPECT_FALSE(err.ok());
  }
  // And attached again, under another name.
  auto c = Unwrap(Connection::Open(dir.Path("main.db")));
  Exec(*c, "ATTACH DATABASE " + Quote(dir.Path("aux.db")) + " AS other");
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM other.t JOIN m ON m.x = 10"), 2);
}

TEST(AttachTest, ConnectionsShareTheAttachedStore) {
  test_util::TempDir dir("dosql_attach_test");
  const std::string aux = dir.Path("shared.db");
  auto db = Unwrap(Database::Open(dir.Path("main.db")));
  auto c1 = Unwrap(db->Connect());
  auto c2 = Unwrap(db->Connect());
  Exec(*c1, "ATTACH " + Quote(aux) + " AS a");
  Exec(*c2, "ATTACH " + Quote(aux) + " AS b");
  Exec(*c1, "CREATE TABLE a.t(v)");
  // c2 sees the table c1 created (a plan made before is remade).
  Exec(*c1, "INSERT INTO a.t VALUES (1)");
  EXPECT_EQ(Count(*c2, "SELECT count(*) FROM b.t"), 1);
  // A third way in: the same directory opened as a Database is the same store.
  auto direct = Unwrap(Database::Open(aux));
  auto c3 = Unwrap(direct->Connect());
  Exec(*c3, "INSERT INTO t VALUES (2)");
  EXPECT_EQ(Count(*c1, "SELECT sum(v) FROM a.t"), 3);
  EXPECT_EQ(Count(*c2, "SELECT sum(v) FROM t"), 3);  // unqualified: found in b

  // One writer at a time across all of them; readers keep their snapshot.
  Exec(*c2, "PRAGMA busy_timeout = 50");
  Exec(*c1, "BEGIN");
  Exec(*c1, "INSERT INTO a.t VALUES (4)");
  Status busy = c2->Exec("INSERT INTO b.t VALUES (5)");
  EXPECT_EQ(busy.code(), StatusCode::kBusy) << busy.ToString();
  EXPECT_EQ(Count(*c3, "SELECT sum(v) FROM t"), 3);
  Exec(*c1, "COMMIT");
  Exec(*c2, "INSERT INTO b.t VALUES (5)");
  EXPECT_EQ(Count(*c3, "SELECT sum(v) FROM t"), 12);

  // The attached database cannot be closed while connections use it.
  Status close = direct->Close();
  EXPECT_EQ(close.code(), StatusCode::kBusy) << close.ToString();
}

TEST(AttachTest, DetachRefusesWhileInUse) {
  test_util::TempDir dir("dosql_attach_test");
  auto c = Unwrap(Connection::Open(":memory:"));
  Exec(*c, "ATTACH " + Quote(dir.Path("d.db")) + " AS d");
  Exec(*c, "CREATE TABLE d.t(v); INSERT INTO d.t VALUES (1), (2), (3)");
  // A statement still reading it.
  auto st = Unwrap(c->Prepare("SELECT v FROM d.t"));
  ASSERT_TRUE(Unwrap(st->Step()));
  Status s = c->Exec("DETACH d");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "database d is locked");
  ASSERT_TRUE(st->Reset().ok());
  // An open transaction that wrote it.
  Exec(*c, "BEGIN; INSERT INTO d.t VALUES (4)");
  s = c->Exec("DETACH d");
  EXPECT_EQ(s.message(), "database d is locked");
  Exec(*c, "COMMIT");
  Exec(*c, "DETACH d");
  // The prepared statement is remade and now fails to find the table.
  auto r = st->Step();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "no such table: d.t");
}

// The same file under two names (given once relative, once absolute) is one database: writes
// through either name go to one transaction, and there is no deadlock with itself.
TEST(AttachTest, SameFileAttachedTwice) {
  test_util::TempDir dir("dosql_attach_test");
  const std::string abs = dir.Path("twice.db");
  const std::string rel = fs::relative(abs).string();
  auto c = Unwrap(Connection::Open(":memory:"));
  Exec(*c, "ATTACH " + Quote(rel) + " AS a");
  Exec(*c, "ATTACH " + Quote(abs) + " AS b");
  Exec(*c, "CREATE TABLE a.t(x); INSERT INTO b.t VALUES (1)");
  Exec(*c, "BEGIN; INSERT INTO a.t VALUES (2); INSERT INTO b.t VALUES (3); COMMIT");
  EXPECT_EQ(Count(*c, "SELECT sum(x) FROM a.t"), 6);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM b.sqlite_master"), 1);
  Exec(*c, "DETACH a");
  EXPECT_EQ(Count(*c, "SELECT sum(x) FROM b.t"), 6);
}

TEST(AttachTest, UnopenableFileReportsSQLiteMessage) {
  test_util::TempDir dir("dosql_attach_test");
  auto c = Unwrap(Connection::Open(":memory:"));
  std::string path = dir.Path("missing/dir/x.db");
  Status s = c->Exec("ATTACH " + Quote(path) + " AS x");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "unable to open database: " + path);
  // Parameters work as in SQLite.
  auto st = Unwrap(c->Prepare("ATTACH ?1 AS ?2"));
  ASSERT_TRUE(st->BindText(1, dir.Path("p.db")).ok());
  ASSERT_TRUE(st->BindText(2, "p").ok());
  ASSERT_FALSE(Unwrap(st->Step()));
  Exec(*c, "CREATE TABLE p.t(x)");
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM p.sqlite_master"), 1);
}

TEST(AttachTest, TempSchemaIsPrivateToItsConnection) {
  test_util::TempDir dir("dosql_attach_test");
  auto db = Unwrap(Database::Open(dir.Path("main.db")));
  auto c1 = Unwrap(db->Connect());
  auto c2 = Unwrap(db->Connect());
  Exec(*c1, "CREATE TABLE t(v); INSERT INTO t VALUES ('main')");
  Exec(*c1, "CREATE TEMP TABLE t(v); INSERT INTO t VALUES ('temp of c1')");
  auto r1 = Rows(*c1, "SELECT v FROM t");
  ASSERT_EQ(r1.size(), 1u);
  EXPECT_EQ(r1[0][0].bytes(), "temp of c1");
  auto r2 = Rows(*c2, "SELECT v FROM t");
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r2[0][0].bytes(), "main");
  EXPECT_EQ(Count(*c2, "SELECT count(*) FROM sqlite_temp_master"), 0);
  // A TEMP trigger of c1 on the shared main table fires only for c1's writes.
  Exec(*c1, "CREATE TEMP TABLE log(m)");
  Exec(*c1,
       "CREATE TEMP TRIGGER tr AFTER INSERT ON main.t BEGIN INSERT INTO log VALUES (new.v); END");
  Exec(*c2, "INSERT INTO t VALUES ('from c2')");
  Exec(*c1, "INSERT INTO main.t VALUES ('from c1')");
  EXPECT_EQ(Count(*c1, "SELECT count(*) FROM log"), 1);
  c1.reset();
  auto c3 = Unwrap(db->Connect());
  EXPECT_EQ(Count(*c3, "SELECT count(*) FROM t"), 3);
  EXPECT_EQ(Count(*c3, "SELECT count(*) FROM sqlite_temp_master"), 0);
}

TEST(AttachTest, TransactionsSpanDatabases) {
  test_util::TempDir dir("dosql_attach_test");
  auto c = Unwrap(Connection::Open(dir.Path("main.db")));
  Exec(*c, "ATTACH " + Quote(dir.Path("aux.db")) + " AS aux");
  Exec(*c, "CREATE TABLE m(v); CREATE TABLE aux.a(v)");
  Exec(*c, "BEGIN; INSERT INTO m VALUES (1); INSERT INTO aux.a VALUES (1); ROLLBACK");
  EXPECT_EQ(Count(*c, "SELECT (SELECT count(*) FROM m) + (SELECT count(*) FROM aux.a)"), 0);
  // A failing statement inside BEGIN undoes its writes to every database (statement savepoint).
  Exec(*c,
       "CREATE TEMP TRIGGER tr AFTER INSERT ON m BEGIN INSERT INTO a VALUES (new.v); "
       "SELECT RAISE(ABORT, 'no') WHERE new.v = 2; END");
  Exec(*c, "BEGIN; INSERT INTO m VALUES (1)");
  Status s = c->Exec("INSERT INTO m VALUES (2)");
  EXPECT_FALSE(s.ok());
  Exec(*c, "COMMIT");
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM m"), 1);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM aux.a"), 1);
  EXPECT_TRUE(c->autocommit());
}

// A COMMIT writing main and an attached file database, in a child process that dies at each
// step of the atomic commit: afterwards both databases show the transaction or neither does.
TEST(AttachTest, ProcessDyingDuringCommitLeavesBothOldOrBothNew) {
  const std::vector<std::string> steps = {"prepare 0", "prepare 1", "decide", "commit 0",
                                          "commit 1",  "cleanup",   ""};
  for (size_t k = 0; k < steps.size(); k++) {
    SCOPED_TRACE("dies before step '" + steps[k] + "'");
    test_util::TempDir dir("dosql_attach_test");
    const std::string attach = "ATTACH " + Quote(dir.Path("aux.db")) + " AS aux";
    {
      auto c = Unwrap(Connection::Open(dir.Path("main.db")));
      Exec(*c, attach);
      Exec(*c,
           "CREATE TABLE m(v); CREATE TABLE aux.a(v); INSERT INTO m VALUES ('old');"
           "INSERT INTO aux.a VALUES ('old')");
    }
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The child: commit, dying at step k (or finishing, for the last entry).
      const std::string die_at = steps[k];
      transaction::SetAtomicCommitTestHook([die_at](std::string_view step) {
        if (step == die_at) ::_exit(3);
      });
      auto c = Connection::Open(dir.Path("main.db"));
      if (!c.ok() || !(*c)->Exec(attach).ok()) ::_exit(1);
      Status s = (*c)->Exec(
          "BEGIN; UPDATE m SET v = 'new'; UPDATE aux.a SET v = 'new'; "
          "INSERT INTO m VALUES ('extra'); COMMIT");
      ::_exit(s.ok() ? 0 : 2);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    const bool finished = steps[k].empty();
    EXPECT_EQ(WEXITSTATUS(status), finished ? 0 : 3);
    // The aux database alone first (its recovery consults the decision file in main's
    // directory), then both together.
    std::string aux_alone;
    {
      auto a = Unwrap(Connection::Open(dir.Path("aux.db")));
      aux_alone = Rows(*a, "SELECT v FROM a")[0][0].bytes();
    }
    auto c = Unwrap(Connection::Open(dir.Path("main.db")));
    Exec(*c, attach);
    auto rows = Rows(*c, "SELECT (SELECT group_concat(v) FROM m), (SELECT v FROM aux.a)");
    ASSERT_EQ(rows.size(), 1u);
    const std::string m = rows[0][0].bytes(), a = rows[0][1].bytes();
    const bool committed = k >= 3;  // the decision file is the commit point
    EXPECT_EQ(m, committed ? "new,extra" : "old");
    EXPECT_EQ(a, committed ? "new" : "old");
    EXPECT_EQ(aux_alone, a);
  }
}

}  // namespace
}  // namespace dosql::engine
