// dosql-bench: the TPC-H-style generator (tpch.h). Sizes at scale factor SF: supplier 10,000 SF,
// part 200,000 SF, partsupp 4 per part, customer 150,000 SF, orders 1,500,000 SF (sparse keys:
// 8 of every 32, as TPC-H), lineitem 1-7 per order (~6,000,000 SF), nation 25, region 5.
// Distributions follow the TPC-H specification's description (uniform picks from its word lists,
// order dates uniform over 1992-01-01 .. 1998-08-02, ship/commit/receipt offsets, return flags
// and line status relative to 1995-06-17, retail price formula, extended price = quantity x retail
// price, discounts 0-10%, tax 0-8%); comments and addresses are random words/letters. Money is
// written with two decimals from integer cents, so every engine parses the same doubles.
#include "tpch.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "bench.h"

namespace dosql_bench {
namespace {

const char* const kNations[25] = {"ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "EGYPT",
                                  "ETHIOPIA", "FRANCE", "GERMANY", "INDIA", "INDONESIA",
                                  "IRAN", "IRAQ", "JAPAN", "JORDAN", "KENYA",
                                  "MOROCCO", "MOZAMBIQUE", "PERU", "CHINA", "ROMANIA",
                                  "SAUDI ARABIA", "VIETNAM", "RUSSIA", "UNITED KINGDOM", "UNITED STATES"};
const int kNationRegion[25] = {0, 1, 1, 1, 4, 0, 3, 3, 2, 2, 4, 4, 2, 4, 0, 0, 0, 1, 2, 3, 4, 2, 3, 3, 1};
const char* const kRegions[5] = {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"};
const char* const kColors[] = {
    "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue",
    "blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral",
    "cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick",
    "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew",
    "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen",
    "magenta", "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo",
    "navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder",
    "puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell",
    "sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato",
    "turquoise", "violet", "wheat", "white", "yellow"};
const char* const kType1[] = {"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"};
const char* const kType2[] = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"};
const char* const kType3[] = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
const char* const kCont1[] = {"SM", "LG", "MED", "JUMBO", "WRAP"};
const char* const kCont2[] = {"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"};
const char* const kSegments[] = {"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"};
const char* const kPriorities[] = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"};
const char* const kInstructs[] = {"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"};
const char* const kModes[] = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};
const char* const kWords[] = {
    "furiously", "quickly", "carefully", "slyly", "blithely", "ironic", "final", "regular",
    "special", "pending", "express", "bold", "even", "silent", "unusual", "requests", "deposits",
    "packages", "accounts", "instructions", "theodolites", "foxes", "pinto", "beans", "platelets",
    "asymptotes", "dependencies", "ideas", "excuses", "sleep", "wake", "cajole", "haggle", "nag",
    "use", "boost", "affix", "detect", "integrate", "across", "above", "against", "along", "among"};
template <size_t N>
const char* Pick(Rng& rng, const char* const (&a)[N]) {
  return a[rng.Uniform(0, N - 1)];
}

// Days since 1970-01-01 <-> civil date (Howard Hinnant's algorithm, public domain description).
int64_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}
void AppendDate(std::string& out, int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(y), static_cast<int>(m), static_cast<int>(d));
  out += buf;
}

// One table file, written through a buffer.
class Writer {
 public:
  explicit Writer(const std::string& path) : f_(std::fopen(path.c_str(), "wb")) {
    error_ = f_ == nullptr;
    buf_.reserve(1 << 20);
  }
  ~Writer() { Close(); }
  bool ok() const { return !error_; }
  Writer& Int(int64_t v) {
    Sep();
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    buf_.append(tmp, r.ptr);
    return *this;
  }
  // A decimal with two places from hundredths (cents, or percent for rates).
  Writer& Cents(int64_t c) {
    Sep();
    if (c < 0) {
      buf_ += '-';
      c = -c;
    }
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, c / 100);
    buf_.append(tmp, r.ptr);
    buf_ += '.';
    buf_ += static_cast<char>('0' + (c % 100) / 10);
    buf_ += static_cast<char>('0' + c % 10);
    return *this;
  }
  Writer& Text(std::string_view s) {
    Sep();
    buf_.append(s);
    return *this;
  }
  Writer& Date(int64_t days) {
    Sep();
    AppendDate(buf_, days);
    return *this;
  }
  void EndRow() {
    buf_ += '\n';
    first_ = true;
    ++rows_;
    if (buf_.size() > (1 << 20) - 4096) Flush();
  }
  int64_t rows() const { return rows_; }
  void Close() {
    if (!f_) return;
    Flush();
    if (std::fclose(f_) != 0) error_ = true;
    f_ = nullptr;
  }

 private:
  void Sep() {
    if (!first_) buf_ += '|';
    first_ = false;
  }
  void Flush() {
    if (f_ && !buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) error_ = true;
    buf_.clear();
  }
  std::FILE* f_;
  std::string buf_;
  bool first_ = true, error_ = false;
  int64_t rows_ = 0;
};

std::string Words(Rng& rng, int min_len, int max_len) {
  int target = static_cast<int>(rng.Uniform(min_len, max_len));
  std::string s;
  while (static_cast<int>(s.size()) < target) {
    if (!s.empty()) s += ' ';
    s += Pick(rng, kWords);
  }
  s.resize(static_cast<size_t>(target));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string Letters(Rng& rng, int min_len, int max_len) {
  static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,. ";
  int n = static_cast<int>(rng.Uniform(min_len, max_len));
  std::string s;
  for (int i = 0; i < n; ++i) s += kAlnum[rng.Uniform(0, sizeof kAlnum - 2)];
  return s;
}

std::string Phone(Rng& rng, int64_t nation) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%d-%03d-%03d-%04d", static_cast<int>(nation + 10),
                static_cast<int>(rng.Uniform(100, 999)), static_cast<int>(rng.Uniform(100, 999)),
                static_cast<int>(rng.Uniform(1000, 9999)));
  return buf;
}

std::string Numbered(const char* prefix, int64_t k) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s#%09lld", prefix, static_cast<long long>(k));
  return buf;
}

int64_t RetailCents(int64_t pk) { return 90000 + ((pk / 10) % 20001) + 100 * (pk % 1000); }

// The supplier of part `pk` in slot i (0..3), as TPC-H pairs parts and suppliers.
int64_t PartSupplier(int64_t pk, int i, int64_t s) { return (pk + i * (s / 4 + (pk - 1) / s)) % s + 1; }

}  // namespace

std::vector<TpchTable> TpchTables() {
  return {
      {"region", {{"r_regionkey", 'i'}, {"r_name", 't'}, {"r_comment", 't'}}, "", 0},
      {"nation", {{"n_nationkey", 'i'}, {"n_name", 't'}, {"n_regionkey", 'i'}, {"n_comment", 't'}}, "", 0},
      {"supplier",
       {{"s_suppkey", 'i'}, {"s_name", 't'}, {"s_address", 't'}, {"s_nationkey", 'i'}, {"s_phone", 't'},
        {"s_acctbal", 'r'}, {"s_comment", 't'}},
       "", 0},
      {"part",
       {{"p_partkey", 'i'}, {"p_name", 't'}, {"p_mfgr", 't'}, {"p_brand", 't'}, {"p_type", 't'},
        {"p_size", 'i'}, {"p_container", 't'}, {"p_retailprice", 'r'}, {"p_comment", 't'}},
       "", 0},
      {"partsupp",
       {{"ps_partkey", 'i'}, {"ps_suppkey", 'i'}, {"ps_availqty", 'i'}, {"ps_supplycost", 'r'},
        {"ps_comment", 't'}},
       "ps_partkey, ps_suppkey", 0},
      {"customer",
       {{"c_custkey", 'i'}, {"c_name", 't'}, {"c_address", 't'}, {"c_nationkey", 'i'}, {"c_phone", 't'},
        {"c_acctbal", 'r'}, {"c_mktsegment", 't'}, {"c_comment", 't'}},
       "", 0},
      {"orders",
       {{"o_orderkey", 'i'}, {"o_custkey", 'i'}, {"o_orderstatus", 't'}, {"o_totalprice", 'r'},
        {"o_orderdate", 'd'}, {"o_orderpriority", 't'}, {"o_clerk", 't'}, {"o_shippriority", 'i'},
        {"o_comment", 't'}},
       "", 0},
      {"lineitem",
       {{"l_orderkey", 'i'}, {"l_partkey", 'i'}, {"l_suppkey", 'i'}, {"l_linenumber", 'i'},
        {"l_quantity", 'i'}, {"l_extendedprice", 'r'}, {"l_discount", 'r'}, {"l_tax", 'r'},
        {"l_returnflag", 't'}, {"l_linestatus", 't'}, {"l_shipdate", 'd'}, {"l_commitdate", 'd'},
        {"l_receiptdate", 'd'}, {"l_shipinstruct", 't'}, {"l_shipmode", 't'}, {"l_comment", 't'}},
       "l_orderkey, l_linenumber", 0},
  };
}

bool GenerateTpch(double sf, const std::string& dir, std::vector<TpchTable>* tables, std::string* error) {
  const std::string marker = dir + "/DONE";
  const std::string tag = Fmt("scale %.6g v1", sf);
  {
    std::ifstream in(marker);
    std::string line;
    if (in && std::getline(in, line) && line == tag) {
      // Already generated: read the row counts.
      std::map<std::string, int64_t> counts;
      std::string name;
      int64_t n;
      while (in >> name >> n) counts[name] = n;
      for (auto& t : *tables) t.rows = counts[t.name];
      return true;
    }
  }
  auto scaled = [&](double base) { return std::max<int64_t>(1, std::llround(base * sf)); };
  const int64_t n_supp = std::max<int64_t>(10, scaled(10000));
  const int64_t n_part = std::max<int64_t>(20, scaled(200000));
  const int64_t n_cust = std::max<int64_t>(30, scaled(150000));
  const int64_t n_orders = std::max<int64_t>(150, scaled(1500000));
  const int64_t kStart = DaysFromCivil(1992, 1, 1);
  const int64_t kLastOrder = DaysFromCivil(1998, 8, 2);
  const int64_t kCurrent = DaysFromCivil(1995, 6, 17);
  std::map<std::string, int64_t> counts;
  auto finish = [&](Writer& w, const std::string& name) {
    w.Close();
    if (!w.ok()) {
      *error = "write error in " + dir + "/" + name + ".tbl";
      return false;
    }
    counts[name] = w.rows();
    return true;
  };
  auto path = [&](const char* t) { return dir + "/" + t + ".tbl"; };
  {
    Rng rng(1);
    Writer w(path("region"));
    for (int r = 0; r < 5; ++r) w.Int(r).Text(kRegions[r]).Text(Words(rng, 31, 115)).EndRow();
    if (!finish(w, "region")) return false;
  }
  {
    Rng rng(2);
    Writer w(path("nation"));
    for (int n = 0; n < 25; ++n)
      w.Int(n).Text(kNations[n]).Int(kNationRegion[n]).Text(Words(rng, 31, 114)).EndRow();
    if (!finish(w, "nation")) return false;
  }
  {
    Rng rng(3);
    Writer w(path("supplier"));
    for (int64_t s = 1; s <= n_supp; ++s) {
      int64_t nation = rng.Uniform(0, 24);
      w.Int(s).Text(Numbered("Supplier", s)).Text(Letters(rng, 10, 40)).Int(nation).Text(Phone(rng, nation));
      w.Cents(rng.Uniform(-99999, 999999)).Text(Words(rng, 25, 100)).EndRow();
    }
    if (!finish(w, "supplier")) return false;
  }
  {
    Rng rng(4);
    Writer w(path("part")), ps(path("partsupp"));
    for (int64_t p = 1; p <= n_part; ++p) {
      std::string name;
      for (int k = 0; k < 5; ++k) name += (k ? " " : "") + std::string(Pick(rng, kColors));
      int64_t m = rng.Uniform(1, 5);
      std::string type = std::string(Pick(rng, kType1)) + " " + Pick(rng, kType2) + " " + Pick(rng, kType3);
      std::string cont = std::string(Pick(rng, kCont1)) + " " + Pick(rng, kCont2);
      w.Int(p).Text(name).Text("Manufacturer#" + std::to_string(m));
      w.Text("Brand#" + std::to_string(m) + std::to_string(rng.Uniform(1, 5))).Text(type);
      w.Int(rng.Uniform(1, 50)).Text(cont).Cents(RetailCents(p)).Text(Words(rng, 5, 22)).EndRow();
      for (int i = 0; i < 4; ++i) {
        ps.Int(p).Int(PartSupplier(p, i, n_supp)).Int(rng.Uniform(1, 9999)).Cents(rng.Uniform(100, 100000));
        ps.Text(Words(rng, 49, 198)).EndRow();
      }
    }
    if (!finish(w, "part") || !finish(ps, "partsupp")) return false;
  }
  {
    Rng rng(5);
    Writer w(path("customer"));
    for (int64_t c = 1; c <= n_cust; ++c) {
      int64_t nation = rng.Uniform(0, 24);
      w.Int(c).Text(Numbered("Customer", c)).Text(Letters(rng, 10, 40)).Int(nation).Text(Phone(rng, nation));
      w.Cents(rng.Uniform(-99999, 999999)).Text(Pick(rng, kSegments)).Text(Words(rng, 29, 116)).EndRow();
    }
    if (!finish(w, "customer")) return false;
  }
  {
    Rng rng(6);
    Writer w(path("orders")), li(path("lineitem"));
    struct Line {
      int64_t part, supp, qty, ext, disc, tax, ship, commit, receipt;
    };
    std::vector<Line> lines;
    for (int64_t i = 0; i < n_orders; ++i) {
      const int64_t okey = (i / 8) * 32 + i % 8 + 1;
      int64_t cust;
      do cust = rng.Uniform(1, n_cust);
      while (cust % 3 == 0);  // a third of the customers place no orders, as in TPC-H
      const int64_t odate = kStart + rng.Uniform(0, kLastOrder - kStart);
      const int64_t nlines = rng.Uniform(1, 7);
      lines.clear();
      int64_t total = 0;  // cents
      int n_f = 0;
      for (int64_t l = 0; l < nlines; ++l) {
        Line x;
        x.part = rng.Uniform(1, n_part);
        x.supp = PartSupplier(x.part, static_cast<int>(rng.Uniform(0, 3)), n_supp);
        x.qty = rng.Uniform(1, 50);
        x.ext = x.qty * RetailCents(x.part);
        x.disc = rng.Uniform(0, 10);
        x.tax = rng.Uniform(0, 8);
        x.ship = odate + rng.Uniform(1, 121);
        x.commit = odate + rng.Uniform(30, 90);
        x.receipt = x.ship + rng.Uniform(1, 30);
        total += (x.ext * (100 + x.tax) * (100 - x.disc) + 5000) / 10000;
        if (x.ship <= kCurrent) ++n_f;
        lines.push_back(x);
      }
      const char* status = n_f == nlines ? "F" : n_f == 0 ? "O" : "P";
      char clerk[32];
      std::snprintf(clerk, sizeof clerk, "Clerk#%09lld",
                    static_cast<long long>(rng.Uniform(1, std::max<int64_t>(1, n_orders / 1500))));
      w.Int(okey).Int(cust).Text(status).Cents(total).Date(odate).Text(Pick(rng, kPriorities)).Text(clerk);
      w.Int(0).Text(Words(rng, 19, 78)).EndRow();
      for (int64_t l = 0; l < nlines; ++l) {
        const Line& x = lines[static_cast<size_t>(l)];
        const char* flag = x.receipt <= kCurrent ? (rng.Uniform(0, 1) ? "R" : "A") : "N";
        li.Int(okey).Int(x.part).Int(x.supp).Int(l + 1).Int(x.qty).Cents(x.ext).Cents(x.disc).Cents(x.tax);
        li.Text(flag).Text(x.ship > kCurrent ? "O" : "F").Date(x.ship).Date(x.commit).Date(x.receipt);
        li.Text(Pick(rng, kInstructs)).Text(Pick(rng, kModes)).Text(Words(rng, 10, 43)).EndRow();
      }
    }
    if (!finish(w, "orders") || !finish(li, "lineitem")) return false;
  }
  for (auto& t : *tables) t.rows = counts[t.name];
  std::ofstream out(marker);
  out << tag << "\n";
  for (auto& [name, n] : counts) out << name << " " << n << "\n";
  if (!out) {
    *error = "cannot write " + marker;
    return false;
  }
  return true;
}

}  // namespace dosql_bench
