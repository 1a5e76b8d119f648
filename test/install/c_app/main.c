/* Built against an installed dosql's C API (test/install/run.sh), with CMake (dosql::c) and with
 * pkg-config (dosql.pc). Prints "c_app ok" and exits 0 on success. */
#include <stdio.h>
#include <string.h>

#include <dosql.h>

int main(void) {
  dosql* db = NULL;
  dosql_stmt* stmt = NULL;
  int ok = 1;
  if (dosql_open(":memory:", &db) != DOSQL_OK) return 1;
  ok = ok && dosql_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (20), (22)", NULL, NULL,
                        NULL) == DOSQL_OK;
  ok = ok && dosql_prepare_v2(db, "SELECT sum(x) FROM t", -1, &stmt, NULL) == DOSQL_OK;
  ok = ok && dosql_step(stmt) == DOSQL_ROW && dosql_column_int(stmt, 0) == 42;
  ok = ok && dosql_finalize(stmt) == DOSQL_OK;
  ok = ok && dosql_close(db) == DOSQL_OK;
  printf("c_app %s (libdosql %s)\n", ok ? "ok" : "FAILED", dosql_libversion());
  return ok ? 0 : 1;
}
