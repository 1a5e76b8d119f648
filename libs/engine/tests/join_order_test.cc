// Join order: the planner estimates fan-out (rows per outer row) and does not start a chain of
// joins on non-key columns when every table can be reached by key lookups from one scan, nor
// scan a big table when a key lookup drives the join (EXPLAIN QUERY PLAN).
#include <string>

#include <gtest/gtest.h>

#include "dosql/engine/database.h"
#include "dosql/test_util/status.h"

namespace dosql::engine {
namespace {

using test_util::Unwrap;

// The detail column of EXPLAIN QUERY PLAN, one line per step.
std::string Plan(Connection& c, const std::string& sql) {
  auto r = c.Query("EXPLAIN QUERY PLAN " + sql);
  if (!r.ok()) return "error: " + r.status().message();
  std::string out;
  for (const auto& row : r->rows) out += std::string(row.back().bytes()) + "\n";
  return out;
}

class JoinOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = Unwrap(Connection::Open(":memory:"));
    ASSERT_TRUE(c_->Exec(R"(
      CREATE TABLE region(r_regionkey INTEGER PRIMARY KEY, r_name TEXT);
      CREATE TABLE nation(n_nationkey INTEGER PRIMARY KEY, n_name TEXT, n_regionkey INTEGER);
      CREATE TABLE supplier(s_suppkey INTEGER PRIMARY KEY, s_nationkey INTEGER);
      CREATE TABLE customer(c_custkey INTEGER PRIMARY KEY, c_nationkey INTEGER);
      CREATE TABLE orders(o_orderkey INTEGER PRIMARY KEY, o_custkey INTEGER, o_orderdate TEXT);
      CREATE TABLE lineitem(l_orderkey INTEGER, l_linenumber INTEGER, l_suppkey INTEGER,
                            l_price REAL, PRIMARY KEY(l_orderkey, l_linenumber));
      INSERT INTO region VALUES (1, 'ASIA'), (2, 'EUROPE');
      INSERT INTO nation VALUES (10, 'CHINA', 1), (11, 'FRANCE', 2), (12, 'JAPAN', 1);
      INSERT INTO supplier VALUES (100, 10), (101, 11), (102, 12);
      INSERT INTO customer VALUES (1000, 10), (1001, 12), (1002, 11);
      INSERT INTO orders VALUES (1, 1000, '1994-03-01'), (2, 1001, '1994-07-01'),
                                (3, 1002, '1994-02-01'), (4, 1000, '1996-01-01');
      INSERT INTO lineitem VALUES (1, 1, 100, 10.0), (1, 2, 102, 20.0), (2, 1, 102, 5.0),
                                  (3, 1, 101, 7.0), (4, 1, 100, 1.0);
    )").ok());
  }
  std::unique_ptr<Connection> c_;
};

TEST_F(JoinOrderTest, SixWayJoinScansTheFactTableAndLooksUpByKey) {
  const std::string q =
      "SELECT n_name, sum(l_price) FROM customer, orders, lineitem, supplier, nation, region "
      "WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey "
      "AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey "
      "AND r_name = 'ASIA' AND o_orderdate >= '1994-01-01' AND o_orderdate < '1995-01-01' "
      "GROUP BY n_name ORDER BY 2 DESC";
  // Starting at region and joining supplier to customer on the nation (many rows per value)
  // multiplies the rows; SQLite scans lineitem and looks everything else up by key.
  EXPECT_EQ(Plan(*c_, q),
            "SCAN lineitem\n"
            "SEARCH orders USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH customer USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH supplier USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH nation USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH region USING INTEGER PRIMARY KEY (rowid=?)\n"
            "USE TEMP B-TREE FOR GROUP BY\n"
            "USE TEMP B-TREE FOR ORDER BY\n");
  // The lines whose customer and supplier share an Asian nation, in orders of 1994.
  auto r = Unwrap(c_->Query(q));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0][0].DebugString() + r.rows[0][1].DebugString(), "'CHINA'10");
  EXPECT_EQ(r.rows[1][0].DebugString() + r.rows[1][1].DebugString(), "'JAPAN'5");
}

TEST_F(JoinOrderTest, ShippingPriorityScansLineitemRatherThanHashingOrders) {
  ASSERT_TRUE(c_->Exec("ALTER TABLE customer ADD COLUMN c_mktsegment TEXT; "
                       "ALTER TABLE lineitem ADD COLUMN l_shipdate TEXT; "
                       "UPDATE customer SET c_mktsegment = 'BUILDING' WHERE c_custkey <> 1001; "
                       "UPDATE lineitem SET l_shipdate = '1995-04-01' WHERE l_linenumber = 1")
                  .ok());
  const std::string q =
      "SELECT l_orderkey, sum(l_price) AS revenue, o_orderdate FROM customer, orders, lineitem "
      "WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey "
      "AND o_orderdate < '1995-03-15' AND l_shipdate > '1995-03-15' "
      "GROUP BY l_orderkey, o_orderdate ORDER BY revenue DESC, l_orderkey";
  // Hashing orders on o_custkey and then fetching lineitem rows through its key index, one
  // order at a time, reads lineitem in random order; SQLite scans lineitem (one pass, in the
  // order it is stored) and looks orders and customer up by key. The estimate (a table scan, two
  // key lookups per remaining row) is the cheaper one by about a third.
  EXPECT_EQ(Plan(*c_, q),
            "SCAN lineitem\n"
            "SEARCH orders USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH customer USING INTEGER PRIMARY KEY (rowid=?)\n"
            "USE TEMP B-TREE FOR GROUP BY\n"
            "USE TEMP B-TREE FOR ORDER BY\n");
  auto r = Unwrap(c_->Query(q));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0][0].DebugString() + r.rows[0][1].DebugString(), "110");
  EXPECT_EQ(r.rows[1][0].DebugString() + r.rows[1][1].DebugString(), "37");
}

TEST_F(JoinOrderTest, AKeyLookupStillDrivesTheJoin) {
  ASSERT_TRUE(c_->Exec("CREATE INDEX o_cust ON orders(o_custkey)").ok());
  EXPECT_EQ(Plan(*c_,
                 "SELECT o_orderkey FROM orders, customer "
                 "WHERE o_custkey = c_custkey AND c_custkey = 1000"),
            "SEARCH customer USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH orders USING COVERING INDEX o_cust (o_custkey=?)\n");
}

}  // namespace
}  // namespace dosql::engine
