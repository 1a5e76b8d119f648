/* Compiled as C: proves dosql.h is a valid C header and that a C program links libdosql.so. */
#include <stdio.h>
#include <string.h>

#include "dosql.h"

static int count_rows(void* arg, int ncol, char** values, char** names) {
  (void)ncol;
  (void)values;
  (void)names;
  ++*(int*)arg;
  return 0;
}

int main(void) {
  dosql* db = NULL;
  dosql_stmt* stmt = NULL;
  char* err = NULL;
  int rows = 0;
  int ok = 1;
  if (dosql_open(":memory:", &db) != DOSQL_OK) return 1;
  if (dosql_exec(db,
                 "CREATE TABLE t(a INTEGER, b TEXT); INSERT INTO t VALUES (1, 'one'), (2, 'two')",
                 NULL, NULL, &err) != DOSQL_OK) {
    fprintf(stderr, "exec: %s\n", err);
    dosql_free(err);
    return 1;
  }
  if (dosql_prepare_v2(db, "SELECT b FROM t WHERE a = ?", -1, &stmt, NULL) != DOSQL_OK) return 1;
  dosql_bind_int(stmt, 1, 2);
  ok = ok && dosql_step(stmt) == DOSQL_ROW;
  ok = ok && strcmp((const char*)dosql_column_text(stmt, 0), "two") == 0;
  ok = ok && dosql_step(stmt) == DOSQL_DONE;
  ok = ok && dosql_finalize(stmt) == DOSQL_OK;
  ok = ok && dosql_exec(db, "SELECT * FROM t", count_rows, &rows, NULL) == DOSQL_OK && rows == 2;
  ok = ok && dosql_close(db) == DOSQL_OK;
  printf("%s %s\n", dosql_libversion(), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
