// User-defined functions: a scalar, an aggregate, and a window function with an inverse.
#include <cstdio>
#include <memory>
#include <string>

#include "dosql/dosql.h"

// An aggregate: the longest text of a group.
class Longest final : public dosql::AggregateCallbacks {
 public:
  dosql::Status Step(std::span<const dosql::Value> args) override {
    if (args[0].type() == dosql::ValueType::kText && args[0].bytes().size() > best_.size()) {
      best_ = args[0].bytes();
    }
    return dosql::Status::OK();
  }
  dosql::Result<dosql::Value> Final() override { return dosql::Value::Text(best_); }

 private:
  std::string best_;
};

// A running count of non-NULL values that can also slide (Inverse) over a window frame.
class CountSet final : public dosql::AggregateCallbacks {
 public:
  dosql::Status Step(std::span<const dosql::Value> a) override {
    n_ += a[0].is_null() ? 0 : 1;
    return dosql::Status::OK();
  }
  dosql::Status Inverse(std::span<const dosql::Value> a) override {
    n_ -= a[0].is_null() ? 0 : 1;
    return dosql::Status::OK();
  }
  dosql::Result<dosql::Value> Current() override { return dosql::Value::Integer(n_); }
  dosql::Result<dosql::Value> Final() override { return dosql::Value::Integer(n_); }

 private:
  int64_t n_ = 0;
};

int main() {
  auto conn = dosql::Connection::Open(":memory:");
  if (!conn.ok()) return 1;
  dosql::Connection& c = **conn;
  dosql::FunctionFlags deterministic;
  deterministic.deterministic = true;
  // Scalar: reverse(text). A Status error would fail the statement with its message.
  dosql::Status st = c.CreateFunction(
      "reverse", 1,
      [](std::span<const dosql::Value> a) -> dosql::Result<dosql::Value> {
        if (a[0].is_null()) return dosql::Value();
        std::string s = a[0].bytes();
        return dosql::Value::Text(std::string(s.rbegin(), s.rend()));
      },
      deterministic);
  if (!st.ok()) return 1;
  if (!c.CreateAggregateFunction("longest", 1, [] { return std::make_unique<Longest>(); }).ok()) return 1;
  if (!c.CreateWindowFunction("countset", 1, [] { return std::make_unique<CountSet>(); }).ok()) return 1;

  if (!c.Exec("CREATE TABLE w(x); INSERT INTO w VALUES ('kiwi'), ('banana'), (NULL), ('fig')").ok()) {
    return 1;
  }
  auto r = c.Query(
      "SELECT reverse(x), (SELECT longest(x) FROM w),"
      "       countset(x) OVER (ORDER BY rowid ROWS 1 PRECEDING) FROM w ORDER BY rowid");
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return 1;
  }
  for (const auto& row : r->rows) {
    std::printf("%s %s %lld\n", row[0].is_null() ? "NULL" : row[0].bytes().c_str(),
                row[1].bytes().c_str(), static_cast<long long>(row[2].integer()));
  }
  return r->rows.size() == 4 && r->rows[0][0].bytes() == "iwik" ? 0 : 1;
}
