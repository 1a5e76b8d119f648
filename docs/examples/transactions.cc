// Transactions that roll back by themselves on an early return, and nested savepoints.
#include <cstdio>

#include "dosql/dosql.h"

// Moves `amount` between accounts; any failure leaves both balances as they were.
dosql::Status Transfer(dosql::Connection& conn, int from, int to, int amount) {
  DOSQL_ASSIGN_OR_RETURN(auto txn, dosql::Transaction::Begin(conn, dosql::TxnMode::kImmediate));
  DOSQL_ASSIGN_OR_RETURN(auto debit, conn.Prepare("UPDATE account SET balance = balance - ?1 WHERE id = ?2"));
  DOSQL_RETURN_IF_ERROR(debit->BindInt64(1, amount));
  DOSQL_RETURN_IF_ERROR(debit->BindInt64(2, from));
  DOSQL_RETURN_IF_ERROR(debit->Step().status());  // CHECK (balance >= 0) may fail here
  DOSQL_ASSIGN_OR_RETURN(auto credit, conn.Prepare("UPDATE account SET balance = balance + ?1 WHERE id = ?2"));
  DOSQL_RETURN_IF_ERROR(credit->BindInt64(1, amount));
  DOSQL_RETURN_IF_ERROR(credit->BindInt64(2, to));
  DOSQL_RETURN_IF_ERROR(credit->Step().status());
  return txn.Commit();  // on any earlier return, ~Transaction rolls back
}

int main() {
  auto conn = dosql::Connection::Open(":memory:");
  if (!conn.ok()) return 1;
  dosql::Connection& c = **conn;
  if (!c.Exec("CREATE TABLE account(id INTEGER PRIMARY KEY, balance INTEGER CHECK (balance >= 0));"
              "INSERT INTO account VALUES (1, 100), (2, 0)").ok()) {
    return 1;
  }
  if (!Transfer(c, 1, 2, 30).ok()) return 1;
  dosql::Status too_much = Transfer(c, 1, 2, 500);
  std::printf("second transfer: %s\n", too_much.ToString().c_str());
  if (too_much.ok() || !c.autocommit()) return 1;  // failed, and nothing is left open

  // A savepoint undoes part of a transaction.
  {
    auto txn = dosql::Transaction::Begin(c);
    if (!txn.ok()) return 1;
    if (!c.Exec("UPDATE account SET balance = balance + 1").ok()) return 1;
    {
      auto sp = dosql::Savepoint::Begin(c, "bonus");
      if (!sp.ok() || !c.Exec("UPDATE account SET balance = balance * 100").ok()) return 1;
      // sp goes out of scope without Release(): the multiplication is undone.
    }
    if (!txn->Commit().ok()) return 1;
  }
  auto rows = c.Query("SELECT group_concat(balance, ',') FROM account");
  if (!rows.ok()) return 1;
  std::printf("balances: %s\n", rows->rows[0][0].bytes().c_str());
  return rows->rows[0][0].bytes() == "71,31" ? 0 : 1;
}
