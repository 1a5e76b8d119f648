// Built against an installed dosql (test/install/run.sh): runs SQL through the C++ facade and
// checks the result. Prints "facade_app ok" and exits 0 on success.
#include <cstdio>
#include <string>

#include "dosql/dosql.h"

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "facade_app: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  auto conn = dosql::Connection::Open(":memory:");
  if (!conn.ok()) return Fail("open: " + conn.status().ToString());
  dosql::Status st = (*conn)->Exec(
      "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);"
      "INSERT INTO t(b) VALUES ('one'), ('two'), ('three')");
  if (!st.ok()) return Fail("exec: " + st.ToString());
  auto result = (*conn)->Query("SELECT sum(a), group_concat(b, '+') FROM t");
  if (!result.ok()) return Fail("query: " + result.status().ToString());
  const auto& rows = result->rows;
  if (rows.size() != 1 || rows[0].size() != 2) return Fail("unexpected shape");
  if (rows[0][0].type() != dosql::ValueType::kInteger || rows[0][0].integer() != 6) {
    return Fail("sum(a) = " + rows[0][0].DebugString());
  }
  if (rows[0][1].type() != dosql::ValueType::kText || rows[0][1].view() != "one+two+three") {
    return Fail("group_concat(b) = " + rows[0][1].DebugString());
  }
  std::printf("facade_app ok (dosql %.*s)\n", static_cast<int>(dosql::Version().size()),
              dosql::Version().data());
  return 0;
}
