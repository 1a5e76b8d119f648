// dosql-bench: a TPC-H-style data generator of our own (not dbgen): the eight TPC-H tables with
// TPC-H-like sizes, keys and value distributions, from a fixed seed, written as '|'-separated
// text files (one per table, no header, no trailing delimiter) that every engine loads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dosql_bench {

struct TpchColumn {
  std::string name;
  char type;  // 'i' integer, 'r' real (money, rates), 't' text, 'd' date ('YYYY-MM-DD' text)
};

struct TpchTable {
  std::string name;
  std::vector<TpchColumn> columns;
  std::string key;  // PRIMARY KEY clause for dosql/SQLite ("" = the first column is the rowid)
  int64_t rows = 0;  // filled by GenerateTpch
};

// The tables, in load order.
std::vector<TpchTable> TpchTables();

// Writes <dir>/<table>.tbl for every table at scale factor `sf` (1 = 6M lineitem rows) unless
// <dir>/DONE already names the same scale; fills `tables[i].rows`. Returns false on I/O error.
bool GenerateTpch(double sf, const std::string& dir, std::vector<TpchTable>* tables, std::string* error);

}  // namespace dosql_bench
