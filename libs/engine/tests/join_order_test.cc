// Join order: the planner estimates the cost of every order of the joined tables from their
// sizes (an estimate from each table's tree when there are no statistics), the rows per key or
// value of each join and the filters, and takes the cheapest (EXPLAIN QUERY PLAN). The tables
// here have TPC-H's proportions: scanning the big fact table (lineitem) and looking the others
// up by key costs more than scanning orders, whose date range keeps a few of its rows, and
// reaching lineitem through its key index.
#include <algorithm>
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

// Every row of a query's result, one line per row.
std::string Rows(Connection& c, const std::string& sql) {
  auto r = c.Query(sql);
  if (!r.ok()) return "error: " + r.status().message();
  std::string out;
  for (const auto& row : r->rows) {
    for (const auto& v : row) out += v.DebugString() + " ";
    out += "\n";
  }
  return out;
}

class JoinOrderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_ = Unwrap(Connection::Open(":memory:"));
    // 5 regions, 25 nations, 100 suppliers, 1,500 customers, 15,000 orders over seven years,
    // 60,000 line items (four per order).
    ASSERT_TRUE(c_->Exec(R"(
      CREATE TABLE region(r_regionkey INTEGER PRIMARY KEY, r_name TEXT);
      CREATE TABLE nation(n_nationkey INTEGER PRIMARY KEY, n_name TEXT, n_regionkey INTEGER);
      CREATE TABLE supplier(s_suppkey INTEGER PRIMARY KEY, s_nationkey INTEGER);
      CREATE TABLE customer(c_custkey INTEGER PRIMARY KEY, c_nationkey INTEGER,
                            c_mktsegment TEXT);
      CREATE TABLE orders(o_orderkey INTEGER PRIMARY KEY, o_custkey INTEGER, o_orderdate TEXT);
      CREATE TABLE lineitem(l_orderkey INTEGER, l_linenumber INTEGER, l_suppkey INTEGER,
                            l_price REAL, l_shipdate TEXT, PRIMARY KEY(l_orderkey, l_linenumber));
      BEGIN;
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59999)
      INSERT INTO lineitem SELECT i / 4, i % 4, i * 7 % 100, i % 97, date('1992-01-01',
        '+' || (i / 4 % 2555 + i % 4 * 30) || ' days') FROM n;
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 14999)
      INSERT INTO orders SELECT i, i * 13 % 1500, date('1992-01-01', '+' || (i % 2555) || ' days')
        FROM n;
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1499)
      INSERT INTO customer SELECT i, i % 25, CASE i % 5 WHEN 0 THEN 'BUILDING' ELSE 'OTHER' END
        FROM n;
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
      INSERT INTO supplier SELECT i, i * 3 % 25 FROM n;
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 24)
      INSERT INTO nation SELECT i, 'N' || i, i % 5 FROM n;
      INSERT INTO region VALUES (0, 'AFRICA'), (1, 'AMERICA'), (2, 'ASIA'), (3, 'EUROPE'),
                                (4, 'MIDDLE EAST');
      COMMIT;
    )")
                    .ok());
  }
  std::unique_ptr<Connection> c_;
};

TEST_F(JoinOrderTest, SixWayJoinScansOrdersAndReachesLineitemThroughItsKey) {
  const std::string where =
      "WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey "
      "AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey "
      "AND r_name = 'ASIA' AND o_orderdate >= '1994-01-01' AND o_orderdate < '1995-01-01' "
      "GROUP BY n_name ORDER BY 2 DESC, 1";
  const std::string q =
      "SELECT n_name, sum(l_price) FROM customer, orders, lineitem, supplier, "
      "nation, region " +
      where;
  // Region's one ASIA row, then the year of orders (a seventh), each order's customer and line
  // items (by the key index), their suppliers and nations by key. Joining supplier to customer
  // on the nation first (hundreds of rows per value) or scanning lineitem costs more.
  EXPECT_EQ(Plan(*c_, q),
            "SCAN region\n"
            "SCAN orders\n"
            "SEARCH customer USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH lineitem USING INDEX sqlite_autoindex_lineitem_1 (l_orderkey=?)\n"
            "SEARCH supplier USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH nation USING INTEGER PRIMARY KEY (rowid=?)\n"
            "USE TEMP B-TREE FOR GROUP BY\n"
            "USE TEMP B-TREE FOR ORDER BY\n");
  // The same rows as SQLite's plan, forced with CROSS JOIN (the order as written).
  const std::string forced =
      "SELECT n_name, sum(l_price) FROM lineitem CROSS JOIN orders CROSS JOIN customer "
      "CROSS JOIN supplier CROSS JOIN nation CROSS JOIN region " +
      where;
  EXPECT_EQ(Plan(*c_, forced).substr(0, 14), "SCAN lineitem\n");
  const std::string rows = Rows(*c_, q);
  EXPECT_EQ(rows, Rows(*c_, forced));
  EXPECT_NE(rows.find("'N"), std::string::npos) << rows;
}

TEST_F(JoinOrderTest, ShippingPriorityScansOrdersAndReachesLineitemThroughItsKey) {
  const std::string where =
      "WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey "
      "AND o_orderdate < '1995-03-15' AND l_shipdate > '1995-03-15' "
      "GROUP BY l_orderkey, o_orderdate ORDER BY revenue DESC, l_orderkey LIMIT 10";
  const std::string q =
      "SELECT l_orderkey, sum(l_price) AS revenue, o_orderdate "
      "FROM customer, orders, lineitem " +
      where;
  // Hashing orders on o_custkey (a tenth of the table per value, for all the planner knows)
  // costs more than scanning orders and looking customer up by key; lineitem is then read
  // through its key index, four entries per order, in key order.
  EXPECT_EQ(Plan(*c_, q),
            "SCAN orders\n"
            "SEARCH customer USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH lineitem USING INDEX sqlite_autoindex_lineitem_1 (l_orderkey=?)\n"
            "USE TEMP B-TREE FOR GROUP BY\n"
            "USE TEMP B-TREE FOR ORDER BY\n");
  const std::string forced =
      "SELECT l_orderkey, sum(l_price) AS revenue, o_orderdate "
      "FROM lineitem CROSS JOIN orders CROSS JOIN customer " +
      where;
  const std::string rows = Rows(*c_, q);
  EXPECT_EQ(rows, Rows(*c_, forced));
  EXPECT_EQ(std::count(rows.begin(), rows.end(), '\n'), 10) << rows;
}

TEST_F(JoinOrderTest, SmallTablesKeepTheWrittenConnectedOrder) {
  // Three tables of a few rows: every order costs about the same, none is a fifth cheaper than
  // the connected order the planner starts from, which is kept.
  ASSERT_TRUE(c_->Exec("CREATE TABLE a(x INTEGER PRIMARY KEY, y INTEGER); "
                       "CREATE TABLE b(x INTEGER PRIMARY KEY, y INTEGER); "
                       "CREATE TABLE c(x INTEGER PRIMARY KEY, y INTEGER); "
                       "INSERT INTO a VALUES (1, 2), (2, 3); INSERT INTO b VALUES (2, 3), (3, 4); "
                       "INSERT INTO c VALUES (3, 1), (4, 2)")
                  .ok());
  const std::string q = "SELECT a.x, c.y FROM a, b, c WHERE b.x = a.y AND c.x = b.y ORDER BY 1";
  EXPECT_EQ(Plan(*c_, q),
            "SCAN a\n"
            "SEARCH b USING INTEGER PRIMARY KEY (rowid=?)\n"
            "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)\n"
            "USE TEMP B-TREE FOR ORDER BY\n");
  EXPECT_EQ(Rows(*c_, q), "1 1 \n2 2 \n");
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
