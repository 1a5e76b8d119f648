// Open a database, create a table, insert with bound parameters, read rows back.
#include <cstdio>

#include "dosql/dosql.h"

dosql::Status Run() {
  DOSQL_ASSIGN_OR_RETURN(auto conn, dosql::Connection::Open(":memory:"));
  DOSQL_RETURN_IF_ERROR(conn->Exec(
      "CREATE TABLE fruit(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL)"));

  DOSQL_ASSIGN_OR_RETURN(auto insert, conn->Prepare("INSERT INTO fruit(name, price) VALUES (:name, ?2)"));
  const struct { const char* name; double price; } kFruit[] = {{"apple", 0.5}, {"pear", 0.75}};
  for (const auto& f : kFruit) {
    DOSQL_RETURN_IF_ERROR(insert->Bind(":name", dosql::Value::Text(f.name)));
    DOSQL_RETURN_IF_ERROR(insert->BindDouble(2, f.price));
    DOSQL_ASSIGN_OR_RETURN(bool row, insert->Step());
    (void)row;  // an INSERT without RETURNING has no rows
    DOSQL_RETURN_IF_ERROR(insert->Reset());
  }
  std::printf("last rowid %lld\n", static_cast<long long>(conn->last_insert_rowid()));

  DOSQL_ASSIGN_OR_RETURN(auto query, conn->Prepare("SELECT name, price FROM fruit ORDER BY price DESC"));
  for (const dosql::Statement& row : query->rows()) {
    std::printf("%s costs %.2f\n", row.column_text(0).c_str(), row.column_double(1));
  }
  return query->rows_status();  // the error that ended the loop, if any
}

int main() {
  dosql::Status st = Run();
  if (!st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}
