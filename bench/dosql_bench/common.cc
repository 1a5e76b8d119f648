// dosql-bench: the shared helpers declared in bench.h.
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string_view>

#include "bench.h"
#include "bench_util.h"

namespace dosql_bench {

const char* const kEngineNames[kEngines] = {"dosql", "sqlite", "duckdb"};

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string FmtMs(double ms) {
  return ms >= 100 ? Fmt("%.0f", ms) : ms >= 10 ? Fmt("%.1f", ms) : Fmt("%.2f", ms);
}

void Progress(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}

void Interleave(int rep, const std::vector<std::function<void()>>& fns) {
  const size_t n = fns.size();
  for (size_t k = 0; k < n; ++k) {
    const auto& f = fns[(k + static_cast<size_t>(rep)) % n];
    if (f) f();
  }
}

bool Wanted(const Options& o, const std::string& step) {
  return o.only.empty() || std::find(o.only.begin(), o.only.end(), step) != o.only.end();
}

double Sample::Median() const {
  std::vector<double> v = ms;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string CellToString(const Cell& c) {
  switch (c.type) {
    case CellType::kNull: return "NULL";
    case CellType::kInt: return std::to_string(c.i);
    case CellType::kReal: return Fmt("%.17g", c.r) + "(real)";
    case CellType::kText: return "'" + c.s + "'";
    case CellType::kBlob: return "x'...'(" + std::to_string(c.s.size()) + " bytes)";
  }
  return "?";
}

Cell ReadCell(Stmt& st, int col) {
  Cell c;
  c.type = st.ColumnType(col);
  switch (c.type) {
    case CellType::kNull: break;
    case CellType::kInt: c.i = st.ColumnInt(col); break;
    case CellType::kReal: c.r = st.ColumnReal(col); break;
    case CellType::kText:
    case CellType::kBlob: c.s = std::string(st.ColumnText(col)); break;
  }
  return c;
}

std::vector<Row> CollectRows(Stmt& st) {
  std::vector<Row> rows;
  const int n = st.ColumnCount();
  while (st.Step()) {
    Row r;
    r.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) r.push_back(ReadCell(st, i));
    rows.push_back(std::move(r));
  }
  return rows;
}

namespace {

bool IsNumber(const Cell& c) { return c.type == CellType::kInt || c.type == CellType::kReal; }
double AsDouble(const Cell& c) { return c.type == CellType::kInt ? static_cast<double>(c.i) : c.r; }

bool Close(double a, double b, double rel_tol) {
  if (a == b) return true;
  double scale = std::max(std::fabs(a), std::fabs(b));
  return std::fabs(a - b) <= rel_tol * scale + 1e-9;
}

bool SameCell(const Cell& a, const Cell& b, bool strict_types, double rel_tol) {
  if (IsNumber(a) && IsNumber(b)) {
    if (strict_types && a.type != b.type) return false;
    if (a.type == CellType::kInt && b.type == CellType::kInt) return a.i == b.i;
    return Close(AsDouble(a), AsDouble(b), rel_tol);
  }
  if (a.type != b.type) return false;
  return a.s == b.s;
}

uint64_t HashStr(std::string_view s) {
  // group_concat's order is unspecified: a comma-separated list hashes as its sorted items.
  if (s.find(',') != std::string_view::npos) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
      size_t comma = s.find(',', start);
      parts.push_back(s.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                      : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    std::sort(parts.begin(), parts.end());
    uint64_t h = 0x51;
    for (auto p : parts) h = dosql::bench::SplitMix64(h ^ std::hash<std::string_view>{}(p));
    return h;
  }
  return dosql::bench::SplitMix64(std::hash<std::string_view>{}(s));
}

}  // namespace

bool SameRows(const std::vector<Row>& a, const std::vector<Row>& b, bool strict_types, double rel_tol,
              std::string* why) {
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    bool same = i < a.size() && i < b.size() && a[i].size() == b[i].size();
    for (size_t k = 0; same && k < a[i].size(); ++k) same = SameCell(a[i][k], b[i][k], strict_types, rel_tol);
    if (same) continue;
    auto show = [](const std::vector<Row>& rows, size_t i) {
      if (i >= rows.size()) return std::string("(no row)");
      std::string s;
      for (const Cell& c : rows[i]) s += (s.empty() ? "" : " | ") + CellToString(c);
      return s;
    };
    *why = std::to_string(a.size()) + " vs " + std::to_string(b.size()) + " rows; first difference at row " +
           std::to_string(i + 1) + ":\n    " + show(a, i) + "\n    " + show(b, i);
    return false;
  }
  return true;
}

bool Digest::Matches(const Digest& o) const {
  return rows == o.rows && hash == o.hash && Close(real_sum, o.real_sum, 1e-9);
}

std::string Digest::ToString() const {
  char buf[128];
  std::snprintf(buf, sizeof buf, "{%lld rows, hash %016llx, REAL sum %.17g}", static_cast<long long>(rows),
                static_cast<unsigned long long>(hash), real_sum);
  return buf;
}

Digest DigestRows(Stmt& st, bool ordered) {
  using dosql::bench::SplitMix64;
  Digest d;
  const int n = st.ColumnCount();
  while (st.Step()) {
    uint64_t h = ordered ? static_cast<uint64_t>(d.rows + 1) : 0;
    for (int i = 0; i < n; ++i) {
      CellType t = st.ColumnType(i);
      uint64_t ch = static_cast<uint64_t>(t) * 0x100000001b3ULL;
      switch (t) {
        case CellType::kNull: break;
        case CellType::kInt: ch ^= SplitMix64(static_cast<uint64_t>(st.ColumnInt(i))); break;
        case CellType::kReal: d.real_sum += st.ColumnReal(i); break;
        case CellType::kText:
        case CellType::kBlob: ch ^= HashStr(st.ColumnText(i)); break;
      }
      h = SplitMix64(h * 31 + ch);
    }
    d.hash += h;  // order-insensitive sum; ordered results mix the row number into h
    ++d.rows;
  }
  return d;
}

}  // namespace dosql_bench
