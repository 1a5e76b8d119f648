#include "generator.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <set>
#include <sstream>
#include <utility>

namespace dosql::fuzz {

const FeatureInfo kFeatureInfo[kFeatureCount] = {
    {"join", true},       {"rightjoin", true},  {"subquery", true},     {"aggregate", true},
    {"compound", true},   {"cte", true},        {"distinct", true},     {"orderlimit", true},
    {"index", true},      {"view", true},       {"constraint", true},   {"upsert", true},
    {"returning", true},  {"txn", true},        {"alter", true},        {"collate", true},
    {"cast", true},       {"functions", true},  {"printf", true},       {"likeglob", true},
    {"bitops", true},     {"withoutrowid", true},
    {"window", true},    {"json", true},      {"date", true},
    {"usercoll", true},
};

FeatureSet::FeatureSet() {
  for (int f = 0; f < kFeatureCount; f++) set(static_cast<Feature>(f), kFeatureInfo[f].on_by_default);
}

bool FeatureSet::Apply(const std::string& spec, std::string* error) {
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    bool on = item[0] != '-';
    std::string name = item[0] == '-' || item[0] == '+' ? item.substr(1) : item;
    if (name == "all" || name == "none") {
      for (int f = 0; f < kFeatureCount; f++) set(static_cast<Feature>(f), on == (name == "all"));
      continue;
    }
    if (name == "default") {
      *this = FeatureSet();
      continue;
    }
    int f = 0;
    while (f < kFeatureCount && name != kFeatureInfo[f].name) f++;
    if (f == kFeatureCount) {
      *error = "unknown feature '" + name + "'";
      return false;
    }
    set(static_cast<Feature>(f), on);
  }
  return true;
}

std::string FeatureSet::ToString() const {
  std::string s;
  for (int f = 0; f < kFeatureCount; f++) {
    if (!has(static_cast<Feature>(f))) continue;
    if (!s.empty()) s += ',';
    s += kFeatureInfo[f].name;
  }
  return s;
}

void Frag::AppendSql(std::string* out) const {
  if (dropped) return;
  switch (kind) {
    case kText:
      *out += text;
      return;
    case kSeq:
      for (const Frag& k : kids) k.AppendSql(out);
      return;
    case kList: {
      bool first = true;
      for (const Frag& k : kids) {
        if (k.dropped) continue;
        if (!first) *out += text;
        first = false;
        k.AppendSql(out);
      }
      return;
    }
  }
}

std::string Frag::ToSql() const {
  std::string s;
  AppendSql(&s);
  return s;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Building fragments
// ---------------------------------------------------------------------------------------------

void AddPart(Frag& f, Frag k) { f.kids.push_back(std::move(k)); }
void AddPart(Frag& f, std::string s) {
  Frag t;
  t.text = std::move(s);
  f.kids.push_back(std::move(t));
}
void AddPart(Frag& f, const char* s) { AddPart(f, std::string(s)); }

template <class... A>
Frag Seq(A&&... parts) {
  Frag f;
  f.kind = Frag::kSeq;
  (AddPart(f, std::forward<A>(parts)), ...);
  return f;
}
// An expression (the reducer may replace it by an expression inside it, or by a literal).
template <class... A>
Frag Ex(A&&... parts) {
  Frag f = Seq(std::forward<A>(parts)...);
  f.expr = true;
  return f;
}
// An expression the reducer must not hoist sub-expressions out of (aggregates, subqueries).
template <class... A>
Frag Opaque(A&&... parts) {
  Frag f = Ex(std::forward<A>(parts)...);
  f.opaque = true;
  return f;
}
Frag Opt(Frag f) {
  f.optional = true;
  return f;
}
Frag List(std::string sep, std::vector<Frag> items, bool optional_items) {
  Frag f;
  f.kind = Frag::kList;
  f.text = std::move(sep);
  for (Frag& i : items) i.optional = optional_items;
  f.kids = std::move(items);
  return f;
}

// splitmix64: the same sequence everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  int Below(int n) { return n <= 1 ? 0 : static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  int Range(int lo, int hi) { return lo + Below(hi - lo + 1); }  // inclusive
  bool Chance(int percent) { return Below(100) < percent; }
  template <class T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Below(static_cast<int>(v.size())))];
  }

 private:
  uint64_t s_;
};

// ---------------------------------------------------------------------------------------------
// The schema model
// ---------------------------------------------------------------------------------------------

enum class Aff { kInteger, kText, kNone, kReal, kNumeric };

struct Column {
  std::string name;
  Aff aff = Aff::kNone;
  std::string collate;  // "" = BINARY
  bool not_null = false;
  bool has_default = false;
  bool ipk = false;  // INTEGER PRIMARY KEY (the rowid)
  // Values equal under the column's collation are identical (same type and bytes): such a
  // column may show as a GROUP BY key and feed min()/max() without an unspecified choice.
  bool Exact() const { return collate.empty() && aff != Aff::kNone; }
};

struct Table {
  std::string name;
  std::vector<Column> cols;
  bool view = false;
  bool without_rowid = false;
  std::vector<std::vector<std::string>> unique_sets;  // PRIMARY KEY/UNIQUE column sets (upsert)
  std::set<std::string> unique_cols;  // columns of any PRIMARY KEY/UNIQUE constraint or index
  int64_t rows_hi = 0;                                 // an upper bound of the row count
  int view_items = 0;  // a view: the number of sources in its FROM (its estimate grows with theirs)
  bool HasRealColumn() const {
    return std::any_of(cols.begin(), cols.end(), [](const Column& c) { return c.aff == Aff::kReal; });
  }
};

struct Source {
  std::string alias;
  const Table* table;
};
struct Scope {
  std::vector<Source> sources;
};

// Where an expression is generated.
struct Ctx {
  std::vector<const Scope*> scopes;  // innermost last
  bool grouped = false;              // an aggregate query's result/HAVING: no bare columns
  std::vector<Frag> keys;            // grouped: the exact GROUP BY keys, usable as values
  bool aggregates = false;           // aggregate functions are allowed
  int sub_depth = 0;                 // nesting of subqueries
  int64_t rows = 1;                  // rows the enclosing levels loop over (a cost estimate)
  // A result column of a view, FROM subquery or CTE: no subquery (SQLite 3.40 flattens such
  // a view into the right side of a LEFT JOIN and then loses the value of an uncorrelated
  // subquery after the first unmatched row, docs/compatibility.md).
  bool derived_column = false;
  // A subquery here may run once per outer row: allowed while that stays cheap.
  bool SubqueryOk() const { return sub_depth < 2 && rows < 300 && !grouped && !derived_column; }
};

// ---------------------------------------------------------------------------------------------
// Literals
// ---------------------------------------------------------------------------------------------

const std::vector<std::string> kInts = {
    "0", "1", "-1", "2", "3", "7", "10", "42", "-17", "100", "255", "1000", "2147483647",
    "-2147483648", "4294967296", "9223372036854775807", "9223372036854775806",
    "-9223372036854775807"};
// Not -9223372036854775808: whether abs() of it (an "integer overflow" error) is evaluated at
// all depends on the join order and on short-circuiting, which differ between plans.
const std::vector<std::string> kReals = {
    "0.0", "0.5", "-0.5", "1.0", "1.5", "2.25", "-3.75", "100.0", "1e10", "1.0e15", "1e100",
    "-1e308", "1.7976931348623157e308", "3.14", "0.1", "2.5e-5", "9.2233720368547758e18",
    "-2.0", "123456789.125"};
const std::vector<std::string> kTexts = {
    "''", "'a'", "'A'", "'abc'", "'ABC'", "'abc '", "' abc'", "'a%b'", "'a_c'", "'10'", "'010'",
    "' 10 '", "'1e3'", "'1.5'", "'-7'", "'0x1A'", "'12abc'", "'x''y'", "'\xc3\xa4'", "'\xc3\x9f'",
    "'9223372036854775808'", "'-0'", "'0.0'", "'NULL'", "'b'", "'Bb'", "'%'", "'_'", "'[a]*'"};
const std::vector<std::string> kBlobs = {"x''", "x'00'", "x'41'", "x'3130'", "x'ff00ff'",
                                         "x'616263'"};
const std::vector<std::string> kCollations = {"BINARY", "NOCASE", "RTRIM"};
const std::vector<std::string> kCollationsWithUser = {"BINARY", "NOCASE", "RTRIM",
                                                      "REV",    "LEN",    "RNOCASE"};

struct DeclType {
  const char* text;
  Aff aff;
};
const std::vector<DeclType> kDeclTypes = {
    {"INTEGER", Aff::kInteger}, {"INT", Aff::kInteger},       {"BIGINT", Aff::kInteger},
    {"TEXT", Aff::kText},       {"VARCHAR(10)", Aff::kText},  {"CLOB", Aff::kText},
    {"REAL", Aff::kReal},       {"DOUBLE", Aff::kReal},       {"FLOAT", Aff::kReal},
    {"NUMERIC", Aff::kNumeric}, {"DECIMAL(5,2)", Aff::kNumeric}, {"BOOLEAN", Aff::kNumeric},
    {"BLOB", Aff::kNone},       {"", Aff::kNone},             {"DATE", Aff::kNumeric}};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------

struct Generator::Impl {
  Impl(uint64_t seed, FeatureSet f) : rng(seed * 0x2545F4914F6CDD1Dull + 1), features(f) {}

  Rng rng;
  FeatureSet features;
  std::vector<Table> tables;  // base tables and views
  std::vector<std::string> indexes;
  int next_name = 0;
  int episode_left = 0;  // statements left in this episode (0: start a new one)
  int setup_left = 0;    // schema/data statements left at the episode's start
  bool in_txn = false;
  int savepoints = 0;
  std::function<void()> on_accept;  // applies the last statement's schema change
  std::function<void(int64_t)> on_outcome;  // given the rows changed, when accepted
  // Tables visible to the statement being generated beyond the model: CTEs, subqueries in FROM.
  std::deque<Table> temps;
  std::vector<const Table*> ctes;
  // The table an INSERT/UPDATE/DELETE writes: its subqueries read neither it nor views (that
  // may read it). SQLite 3.40 probes the live index for `x IN (SELECT c FROM target)` while
  // deleting, so its answer changes as rows go (docs/compatibility.md).
  const Table* dml_target = nullptr;

  bool Has(Feature f) const { return features.has(f); }
  const std::vector<std::string>& Collations() const {
    return Has(kUserCollate) ? kCollationsWithUser : kCollations;
  }
  std::string NewName(const char* prefix) { return prefix + std::to_string(next_name++); }

  // -- literals and values --------------------------------------------------------------------

  Frag Literal() {
    int k = rng.Below(100);
    if (k < 10) return Ex("NULL");
    if (k < 45) return Ex(rng.Pick(kInts));
    if (k < 62) return Ex(rng.Pick(kReals));
    if (k < 92) return Ex(rng.Pick(kTexts));
    return Ex(rng.Pick(kBlobs));
  }
  Frag SmallInt() { return Ex(std::to_string(rng.Range(-3, 12))); }

  // A value to store in `c`, mostly of its affinity.
  Frag ValueFor(const Column& c) {
    if (rng.Chance(c.not_null ? 2 : 10)) return Ex("NULL");
    // Small keys: after 9223372036854775807 SQLite picks a random rowid.
    if (c.ipk) return Ex(std::to_string(rng.Range(-2, 60)));
    if (rng.Chance(30)) return Literal();
    switch (c.aff) {
      case Aff::kInteger:
        return rng.Chance(70) ? SmallInt() : Ex(rng.Pick(kInts));
      case Aff::kReal:
        return rng.Chance(50) ? Ex(rng.Pick(kReals)) : SmallInt();
      case Aff::kText:
        return Ex(rng.Pick(kTexts));
      case Aff::kNumeric:
        return rng.Chance(50) ? SmallInt() : Literal();
      case Aff::kNone:
        return Literal();
    }
    return Literal();
  }

  // -- expressions ----------------------------------------------------------------------------

  // A column reference from the scopes (innermost preferred); false if there is none.
  bool ColumnRef(const Ctx& c, Frag* out, const Column** col = nullptr, bool exact_only = false) {
    std::vector<std::pair<const Source*, const Column*>> all, inner;
    for (size_t s = 0; s < c.scopes.size(); s++) {
      for (const Source& src : c.scopes[s]->sources) {
        for (const Column& column : src.table->cols) {
          if (exact_only && !column.Exact()) continue;
          all.push_back({&src, &column});
          if (s + 1 == c.scopes.size()) inner.push_back({&src, &column});
        }
      }
    }
    if (all.empty()) return false;
    const auto& p = !inner.empty() && rng.Chance(85) ? rng.Pick(inner) : rng.Pick(all);
    *out = Ex(p.first->alias + "." + p.second->name);
    if (col) *col = p.second;
    return true;
  }

  // The column a bare reference "alias.name" names in the scopes (innermost first), or null.
  static const Column* BareColumn(const Ctx& c, const Frag& f) {
    const std::string sql = f.ToSql();
    const size_t dot = sql.find('.');
    if (dot == std::string::npos || sql.find_first_of("( '", 0) != std::string::npos)
      return nullptr;
    const std::string alias = sql.substr(0, dot), name = sql.substr(dot + 1);
    for (auto s = c.scopes.rbegin(); s != c.scopes.rend(); ++s) {
      for (const Source& src : (*s)->sources) {
        if (src.alias != alias) continue;
        for (const Column& col : src.table->cols) {
          if (col.name == name) return &col;
        }
      }
    }
    return nullptr;
  }

  // SQLite 3.40 applies a comparison's numeric affinity to a TEXT column's value in place: a
  // TEXT column compared with an INTEGER, REAL or NUMERIC column then sorts, groups and feeds
  // min()/max() as a number in the rest of the row ('0', '-0' and '0.0' tie;
  // docs/compatibility.md). dosql compares the text it is; the generator avoids the pattern.
  static bool InPlaceAffinityRisk(Aff a, Aff b) {
    auto numeric = [](Aff x) {
      return x == Aff::kInteger || x == Aff::kReal || x == Aff::kNumeric;
    };
    return (a == Aff::kText && numeric(b)) || (b == Aff::kText && numeric(a));
  }
  // When `l` and `r` are such a pair of bare columns, the TEXT one is compared as (x || ''): a
  // value of its own, without affinity, compared the same way.
  static void AvoidInPlaceAffinity(const Ctx& c, Frag* l, Frag* r) {
    const Column* a = BareColumn(c, *l);
    const Column* b = BareColumn(c, *r);
    if (a == nullptr || b == nullptr || !InPlaceAffinityRisk(a->aff, b->aff)) return;
    Frag* text = a->aff == Aff::kText ? l : r;
    Frag wrapped = Ex("(", *text, " || '')");
    wrapped.expr = text->expr;  // (a column the reducer keeps stays kept)
    *text = std::move(wrapped);
  }

  Frag Leaf(const Ctx& c) {
    Frag f;
    if (c.grouped) {
      int k = rng.Below(10);
      if (k < 4 && !c.keys.empty()) return rng.Pick(c.keys);
      if (k < 8 && c.aggregates) return Aggregate(c);
      return Literal();
    }
    if (rng.Chance(70) && ColumnRef(c, &f)) return f;
    return Literal();
  }

  Frag Aggregate(const Ctx& c) {
    // Arguments read only this level: an aggregate of outer columns belongs to the outer query.
    Ctx arg;
    arg.scopes.push_back(c.scopes.back());
    arg.sub_depth = c.sub_depth;
    arg.rows = c.rows;
    auto x = [&] { return Expr(arg, 2); };
    Frag col;
    switch (rng.Below(11)) {
      case 0:
        return Opaque("count(*)");
      case 1:
        return Opaque("count(", x(), ")");
      case 2:
        if (Has(kDistinct)) return Opaque("count(DISTINCT ", x(), ")");
        return Opaque("count(", x(), ")");
      case 3:
      case 4:
      case 5: {
        // The order of the rows is the plan's. SQLite 3.40's sum() reports an integer overflow
        // only if no non-integer came before it, and it adds REALs naively (1e19 + 2 - 1e19
        // is 0 or 2): these read bounded integers, or halves whose sums are exact.
        static const std::vector<std::string> f = {"sum(", "total(", "avg("};
        const std::string& fn = rng.Pick(f);
        if (rng.Chance(50)) return Opaque(fn, "(", x(), ") % 1000000)");
        return Opaque(fn, "(", x(), ") % 1000000 + 0.5)");
      }
      case 6:
      case 7:
        // min/max of equal values that differ (1 and 1.0, 'a' and 'A') is an unspecified
        // choice: only exact columns.
        if (ColumnRef(arg, &col, nullptr, true)) {
          return Opaque(rng.Chance(50) ? "min(" : "max(", col, ")");
        }
        return Opaque("count(*)");
      case 8:
        // The order of group_concat's input is unspecified; its length in bytes is not (length()
        // of text would stop at a NUL from a blob).
        return Opaque("length(CAST(group_concat(", x(), rng.Chance(50) ? ", '|'" : "",
                      ") AS BLOB))");
      case 9:
        if (Has(kDistinct) && ColumnRef(arg, &col, nullptr, true)) {
          // Which of two equal values DISTINCT keeps (0 or 0.0) is the plan's: total() and
          // `+ 0.5` make every kept value REAL.
          if (rng.Chance(50)) return Opaque("total(DISTINCT (", col, ") % 1000000)");
          return Opaque("sum(DISTINCT ((", col, ") % 1000000) + 0.5)");
        }
        return Opaque("count(", x(), ")");
      default:
        return Opaque("count(", x(), ")");
    }
  }

  Frag Expr(const Ctx& c, int depth) {
    if (depth <= 0 || rng.Chance(25)) return Leaf(c);
    auto e = [&] { return Expr(c, depth - 1); };
    switch (rng.Below(24)) {
      case 0:
      case 1: {
        static const std::vector<std::string> ops = {" + ", " - ", " * ", " / ", " % ", " || "};
        return Ex("(", e(), rng.Pick(ops), e(), ")");
      }
      case 2:
      case 3:
      case 4: {
        static const std::vector<std::string> ops = {" = ",  " == ", " <> ", " != ", " < ",
                                                     " <= ", " > ",  " >= ", " IS ", " IS NOT "};
        const std::string& op = rng.Pick(ops);
        Frag l = e(), r = e();
        if (op == " IS " || op == " IS NOT ") r = IsOperand(r);
        AvoidInPlaceAffinity(c, &l, &r);
        return Ex("(", l, op, r, ")");
      }
      case 5: {
        bool is_and = rng.Chance(50);
        Frag l = e(), r = e();
        if (is_and && c.aggregates) {
          // SQLite 3.40 drops the only row of `SELECT count(*) AND 0 FROM t` (an aggregate AND a
          // literal 0/FALSE, docs/compatibility.md): keep literal zeros out of such ANDs.
          auto zero = [](const Frag& f) {
            std::string t = f.ToSql();
            return t == "0" || t == "-0" || t == "+0" || t == "FALSE" || t == "false";
          };
          if (zero(l)) l = Ex("(0 + 0)");
          if (zero(r)) r = Ex("(0 + 0)");
        }
        return Ex("(", l, is_and ? " AND " : " OR ", r, ")");
      }
      case 6:
        return Ex("(NOT ", e(), ")");
      case 7: {
        static const std::vector<std::string> ops = {" IS NULL", " IS NOT NULL", " NOTNULL",
                                                     " ISNULL"};
        Frag x = e();
        // Not on a literal: SQLite 3.40 rewrites `(0 IS NOT NULL)` as TRUE, and in a query with
        // window functions `42 IS NOT (0 IS NOT NULL)` then reads as `42 IS NOT TRUE`
        // (docs/compatibility.md).
        std::string t = x.ToSql();
        bool literal = !t.empty() && (std::isdigit(static_cast<unsigned char>(t[0])) ||
                                      t[0] == '\'' || t[0] == '-' || t[0] == 'x' || t == "NULL");
        if (literal) return Ex("(", x, " IS ", x, ")");
        return Ex("(", x, rng.Pick(ops), ")");
      }
      case 8: {
        Frag x = e(), lo = e(), hi = e();
        const bool negated = rng.Chance(25);
        AvoidInPlaceAffinity(c, &x, &lo);
        AvoidInPlaceAffinity(c, &x, &hi);
        return Ex("(", x, negated ? " NOT" : "", " BETWEEN ", lo, " AND ", hi, ")");
      }
      case 9: {
        Frag x = e();
        // A bare column left of an IN list of three or more elements makes SQLite 3.40 return
        // that column's value, in a grouped and sorted query, as the INTEGER a REAL column
        // stores (docs/compatibility.md): such lists get at most two elements.
        const std::string xs = x.ToSql();
        const bool bare_column =
            !xs.empty() && std::all_of(xs.begin(), xs.end(), [](char ch) {
              return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.';
            }) && !std::isdigit(static_cast<unsigned char>(xs[0]));
        std::vector<Frag> items;
        int n = rng.Range(1, bare_column ? 2 : 4);
        for (int i = 0; i < n; i++) items.push_back(e());
        for (Frag& item : items) AvoidInPlaceAffinity(c, &x, &item);
        return Ex("(", x, rng.Chance(25) ? " NOT" : "", " IN (", List(", ", items, true), "))");
      }
      case 10:
        if (Has(kLikeGlob)) {
          static const std::vector<std::string> pats = {"'a%'", "'%b%'", "'_'",  "'%'",
                                                        "'A_C'", "'1%'", "'%\xc3\xa4%'"};
          static const std::vector<std::string> globs = {"'a*'", "'*[0-9]*'", "'?'", "'[a-c]*'",
                                                         "'*'"};
          int k = rng.Below(4);
          // The left operand is never a bare column: SQLite 3.40's LIKE optimisation on an
          // INTEGER PRIMARY KEY inside a flattened view can drop a LEFT JOIN's row
          // (docs/compatibility.md); + turns the optimisation off and changes nothing else.
          auto lhs = [&] { return Ex("+(", e(), ")"); };
          if (k == 0) return Ex("(", lhs(), " LIKE ", rng.Pick(pats), ")");
          if (k == 1) return Ex("(", lhs(), " NOT LIKE ", e(), ")");
          if (k == 2) return Ex("(", lhs(), " LIKE ", e(), " ESCAPE '\\')");
          return Ex("(", lhs(), " GLOB ", rng.Chance(70) ? Ex(rng.Pick(globs)) : e(), ")");
        }
        return Leaf(c);
      case 11: {
        std::vector<Frag> whens;
        int n = rng.Range(1, 3);
        bool base = rng.Chance(40);
        for (int i = 0; i < n; i++) whens.push_back(Seq(" WHEN ", e(), " THEN ", e()));
        return Ex("CASE", base ? Seq(" ", e()) : Seq(), List("", whens, true),
                  rng.Chance(60) ? Opt(Seq(" ELSE ", e())) : Seq(), " END");
      }
      case 12:
        if (Has(kCast)) {
          static const std::vector<std::string> types = {"INTEGER", "TEXT",    "REAL", "NUMERIC",
                                                         "BLOB",    "INT",     "FLOAT"};
          // Not NUMERIC below the top level: CAST(0.0 AS NUMERIC) is the REAL 0.0, and a view
          // or subquery column of NUMERIC affinity reads it back as 0.0 or 0 depending on
          // whether SQLite's plan materializes it (docs/compatibility.md).
          std::string type = rng.Pick(types);
          if (c.sub_depth > 0 && type == "NUMERIC") type = "REAL";
          // Nor a bare REAL below the top level: a REAL-affinity column holding -0.0 reads back
          // as 0.0 when SQLite materializes the view, CTE or subquery (it stores an integral
          // REAL as an integer) and as -0.0 when it does not; + 0.0 makes -0.0 0.0 and leaves
          // the column without affinity (docs/compatibility.md).
          if (c.sub_depth > 0 && (type == "REAL" || type == "FLOAT")) {
            return Ex("(CAST(", e(), " AS ", type, ") + 0.0)");
          }
          return Ex("CAST(", e(), " AS ", type, ")");
        }
        return Leaf(c);
      case 13:
        if (Has(kCollate)) return Ex("(", e(), " COLLATE ", rng.Pick(Collations()), ")");
        return Leaf(c);
      case 14:
        return Ex("(", rng.Chance(60) ? "-" : (rng.Chance(50) ? "+" : "NOT "), e(), ")");
      case 15:
      case 16:
      case 17:
        if (Has(kFunctions)) return Function(c, depth);
        return Leaf(c);
      case 18:
        if (Has(kBitOps)) {
          static const std::vector<std::string> ops = {" & ", " | ", " << ", " >> "};
          if (rng.Chance(20)) return Ex("(~", e(), ")");
          return Ex("(", e(), rng.Pick(ops), e(), ")");
        }
        return Leaf(c);
      case 19:
      case 20:
        // Not in a grouped result: the subquery could read a bare column of the group.
        if (Has(kSubquery) && c.SubqueryOk()) return SubqueryExpr(c);
        return Leaf(c);
      case 21:
        if (Has(kJson)) return JsonExpr(c, depth);
        return Leaf(c);
      case 22:
        if (Has(kDate)) return DateExpr(c, depth);
        return Leaf(c);
      default:
        return Leaf(c);
    }
  }

  Frag Function(const Ctx& c, int depth) {
    auto e = [&] { return Expr(c, depth - 1); };
    switch (rng.Below(22)) {
      case 0:
        // abs() of a literal: abs(-9223372036854775808) fails, and whether a plan evaluates it
        // for a row at all is the plan's choice (join order, short-circuits).
        return Ex("abs(", Literal(), ")");
      case 1:
        return Ex("length(", e(), ")");
      case 2:
        return Ex(rng.Chance(50) ? "lower(" : "upper(", e(), ")");
      case 3:
        if (rng.Chance(50)) return Ex("substr(", e(), ", ", e(), ")");
        return Ex("substr(", e(), ", ", e(), ", ", e(), ")");
      case 4: {
        static const std::vector<std::string> f = {"trim(", "ltrim(", "rtrim("};
        if (rng.Chance(50)) return Ex(rng.Pick(f), e(), ")");
        return Ex(rng.Pick(f), e(), ", ", e(), ")");
      }
      case 5: {
        // A literal, non-empty pattern: with an empty one SQLite 3.40 returns its first argument
        // converted to text in place, which then skips TEXT affinity in comparisons
        // (docs/compatibility.md).
        static const std::vector<std::string> pats = {"'a'", "'1'", "'.'", "' '", "'ab'", "'-'"};
        return Ex("replace(", e(), ", ", Ex(rng.Pick(pats)), ", ", e(), ")");
      }
      case 6:
        return Ex("instr(", e(), ", ", e(), ")");
      case 7:
        return Ex(rng.Chance(50) ? "hex(" : "quote(", e(), ")");
      case 8:
        if (rng.Chance(50)) return Ex("round(", e(), ")");
        return Ex("round(", e(), ", ", Ex(std::to_string(rng.Range(-1, 4))), ")");
      case 9: {
        std::vector<Frag> args;
        int n = rng.Range(2, 4);
        for (int i = 0; i < n; i++) args.push_back(e());
        return Ex("coalesce(", List(", ", args, false), ")");
      }
      case 10:
        return Ex(rng.Chance(50) ? "ifnull(" : "nullif(", e(), ", ", e(), ")");
      case 11:
        return Ex("iif(", e(), ", ", e(), ", ", e(), ")");
      case 12:
        // Scalar min()/max() return one of their arguments; equal arguments that differ
        // (1 and 1.0) are an unspecified choice only when they tie, which the comparison of
        // typed values would flag: they are compared by value anyway in SQLite's rules.
        return Ex(rng.Chance(50) ? "max(" : "min(", e(), ", ", e(), ")");
      case 13:
      case 14:
        return Ex("typeof(", e(), ")");
      case 15:
        return Ex("unicode(", e(), ")");
      case 16:
        return Ex("char(", Ex(std::to_string(rng.Range(32, 300))), ", ", e(), ")");
      case 17:
        return Ex("zeroblob(", Ex(std::to_string(rng.Range(0, 4))), ")");
      case 18:
        if (Has(kPrintf)) {
          static const std::vector<std::string> fmts = {"'%d'", "'%s'", "'%.2f'", "'%5s|%-5s'",
                                                        "'%x'", "'%g'", "'%q'",   "'%i%%'"};
          return Ex("printf(", rng.Pick(fmts), ", ", e(), ", ", e(), ")");
        }
        return Ex("length(", e(), ")");
      case 19:
        return Ex(rng.Chance(50) ? "likely(" : "unlikely(", e(), ")");
      case 20:
        return Ex("sign(", e(), ")");
      default:
        return Ex("(", e(), " IS DISTINCT FROM ", IsOperand(e()), ")");
    }
  }

  // The right operand of IS / IS NOT / IS [NOT] DISTINCT FROM. SQLite 3.40 rewrites
  // `c IS NOT NULL` on a NOT NULL column (and a NULL test of a constant) as TRUE or FALSE, and
  // in a query with window functions `x IS [NOT] (c IS NOT NULL)` then loses rows
  // (docs/compatibility.md): a unary + keeps the operand an expression.
  static Frag IsOperand(Frag r) {
    std::string t = r.ToSql();
    // Also `(x IS NULL)` and the like on a constant, which SQLite folds to FALSE or TRUE, and a
    // NULL test under a COLLATE, `((c IS NULL) COLLATE REV)`, which SQLite looks through: any
    // operand holding a NULL test gets the +, only the literal NULL itself keeps its IS NULL form.
    if (t != "NULL" && t.find("NULL") != std::string::npos) return Ex("+", r);
    return r;
  }

  Frag JsonExpr(const Ctx& c, int depth) {
    auto e = [&] { return Expr(c, depth - 1); };
    // Only well-formed documents reach the functions that fail on malformed JSON: whether a
    // plan evaluates such a call at all (a CTE nobody reads, a branch of a join) is its choice.
    static const std::vector<std::string> docs = {"'{\"a\":1,\"b\":[1,2,{\"c\":null}]}'",
                                                  "'[1,2.5,\"x\",true]'", "'{}'", "'[]'",
                                                  "'{\"a\":\"A\",\"b\":-0.5e3}'"};
    static const std::vector<std::string> paths = {"'$.a'", "'$.b[1]'", "'$.b[2].c'", "'$[0]'",
                                                   "'$'", "'$[#-1]'", "'$.b'"};
    auto doc = [&]() -> Frag {
      if (rng.Chance(60)) return Ex(rng.Pick(docs));
      // Any value, guarded: CASE evaluates json_extract only for valid JSON.
      Frag x = e();
      return Ex("CASE WHEN json_valid(", x, ") THEN ", x, " END");
    };
    // A value for a JSON builder: a BLOB would fail ("JSON cannot hold BLOB values"), which
    // again depends on the plan evaluating it.
    // A column's value loses its JSON subtype when it comes from a FROM subquery, CTE or view
    // that SQLite materializes, and keeps it when SQLite flattens one (the plan's choice): text
    // read from a column goes in as text (`|| ''` drops the subtype in both engines).
    auto arg = [&]() -> Frag {
      Frag x = e();
      if (x.ToSql().find(".c") != std::string::npos) {
        return Ex("CASE typeof(", x, ") WHEN 'blob' THEN NULL WHEN 'text' THEN ", x,
                  " || '' ELSE ", x, " END");
      }
      return Ex("iif(typeof(", x, ") = 'blob', NULL, ", x, ")");
    };
    switch (rng.Below(9)) {
      case 0:
        return Ex("json_extract(", doc(), ", ", rng.Pick(paths), ")");
      case 1:
        return Ex("json_array(", arg(), ", ", arg(), ")");
      case 2:
        return Ex("json_object('k', ", arg(), ", 'j', ", arg(), ")");
      case 3:
        return Ex("json_type(", doc(), ", ", rng.Pick(paths), ")");
      case 4:
        return Ex("json_quote(", arg(), ")");
      case 5:
        return Ex("json_array_length(", doc(), ")");
      case 6:
        return Ex("(", doc(), rng.Chance(50) ? " -> " : " ->> ", rng.Pick(paths), ")");
      case 7:
        return Ex("json_set(", doc(), ", ", rng.Pick(paths), ", ", arg(), ")");
      default:
        return Ex("json_valid(", e(), ")");
    }
  }

  Frag DateExpr(const Ctx& c, int depth) {
    static const std::vector<std::string> times = {"'2024-02-29'", "'2000-01-01 12:34:56'",
                                                   "'1970-01-01'", "2460000.5", "'2023-12-31T23:59:59.999'"};
    static const std::vector<std::string> mods = {"'+1 day'", "'start of month'", "'-3 hours'",
                                                  "'weekday 0'", "'+1 month'", "'unixepoch'"};
    Frag t = rng.Chance(70) ? Ex(rng.Pick(times)) : Expr(c, depth - 1);
    switch (rng.Below(4)) {
      case 0:
        return Ex("date(", t, ", ", rng.Pick(mods), ")");
      case 1:
        return Ex("datetime(", t, ")");
      case 2:
        return Ex("julianday(", t, ")");
      default:
        return Ex("strftime('%Y-%m-%d %H:%M:%S %j %w', ", t, ")");
    }
  }

  // A window function call in a non-aggregate select list. Only deterministic frames: whole
  // partitions without ORDER BY, or ranking over exact keys (rank is tie-aware, row_number
  // is not).
  Frag WindowExpr(const Ctx& c) {
    Frag key;
    Ctx arg = c;
    bool has_key = ColumnRef(arg, &key, nullptr, true);
    Frag part = has_key && rng.Chance(60) ? Seq("PARTITION BY ", key) : Seq();
    if (has_key && rng.Chance(50)) {
      Frag okey;
      ColumnRef(arg, &okey, nullptr, true);
      return Ex(rng.Chance(50) ? "rank()" : "dense_rank()", " OVER (", part, " ORDER BY ", okey,
                ")");
    }
    // Sums read bounded values (as the aggregates do: the order of the additions is the
    // plan's); min/max read exact columns (which of 1 and 1.0 wins is unspecified).
    Frag call;
    switch (rng.Below(4)) {
      case 0:
        call = Ex("count(", Expr(arg, 1), ")");
        break;
      case 1: {
        static const std::vector<std::string> f = {"sum(", "total(", "avg("};
        call = Ex(rng.Pick(f), "(", Expr(arg, 1), ") % 1000000)");
        break;
      }
      case 2: {
        Frag col;
        if (ColumnRef(arg, &col, nullptr, true)) {
          call = Ex(rng.Chance(50) ? "min(" : "max(", col, ")");
        } else {
          call = Ex("count(*)");
        }
        break;
      }
      default:
        call = Ex("count(*)");
    }
    if (has_key && rng.Chance(50)) {
      // Frames over peers only (RANGE, GROUPS): which rows tie is the data's, not the plan's.
      Frag okey;
      ColumnRef(arg, &okey, nullptr, true);
      static const std::vector<std::string> frames = {
          "",
          " RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
          " RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
          " GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING",
          " GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING EXCLUDE GROUP",
          " GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING",
          " RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES"};
      return Ex(call, " OVER (", part, " ORDER BY ", okey, rng.Chance(30) ? " DESC" : "",
                rng.Pick(frames), ")");
    }
    return Ex(call, " OVER (", part, ")");
  }

  Frag SubqueryExpr(const Ctx& c) {
    if (dml_target && tables.size() < 2) return Leaf(c);
    int k = rng.Below(3);
    if (k == 0) {
      // A scalar subquery with an aggregate: exactly one row.
      Frag q = SimpleSelect(c, /*aggregate_only=*/true);
      return Opaque("(", q, ")");
    }
    if (k == 1) {
      Frag q = SimpleSelect(c, false);
      return Opaque("(", rng.Chance(25) ? "NOT " : "", "EXISTS (", q, "))");
    }
    Frag q = SimpleSelect(c, false);
    return Opaque("(", Expr(c, 1), rng.Chance(25) ? " NOT" : "", " IN (", q, "))");
  }

  // SELECT <one column> FROM <one or two sources> [WHERE ...], for subquery expressions.
  // Correlated: the enclosing scopes stay visible.
  Frag SimpleSelect(const Ctx& outer, bool aggregate_only) {
    Scope* scope = NewScope();
    int64_t rows = 1;
    Frag from = FromClause(scope, outer, 1, &rows);
    Ctx c = outer;
    c.grouped = false;
    c.keys.clear();
    c.scopes.push_back(scope);
    c.sub_depth++;
    c.rows *= rows;
    c.aggregates = false;
    Frag item = aggregate_only ? Aggregate(c) : Expr(c, 2);
    Frag where = rng.Chance(70) ? Opt(Seq(" WHERE ", Expr(c, 3))) : Seq();
    return Seq("SELECT ", item, " FROM ", from, where);
  }

  std::deque<Scope> scopes_store;
  Scope* NewScope() {
    scopes_store.emplace_back();
    return &scopes_store.back();
  }

  // -- FROM -----------------------------------------------------------------------------------

  // A table, view or CTE to read, with an alias; or a subquery in FROM.
  Frag FromItem(Scope* scope, const Ctx& outer, int max_depth) {
    std::string alias = NewName("a");
    std::vector<const Table*> cands;
    for (const Table& t : tables) {
      if (!dml_target || (!t.view && &t != dml_target)) cands.push_back(&t);
    }
    for (const Table* t : ctes) {
      if (!dml_target) cands.push_back(t);
    }
    if (cands.empty()) {
      // Nothing to read (a DML statement on the only table): a one-row constant table.
      Table& t = temps.emplace_back();
      t.name = alias;
      t.rows_hi = 1;
      t.cols.push_back({"c0"});
      t.cols.push_back({"c1"});
      scope->sources.push_back({alias, &t});
      return Seq("(SELECT 1 AS c0, 'a' AS c1) AS ", alias);
    }
    if (Has(kSubquery) && max_depth > 0 && outer.sub_depth < 2 && rng.Chance(12) &&
        !dml_target) {
      int n = rng.Range(1, 3);
      Table& t = temps.emplace_back();
      t.name = alias;
      t.rows_hi = 100;
      Ctx none;  // not correlated (no LATERAL)
      none.sub_depth = outer.sub_depth + 1;
      Frag q = Query(none, n, /*top=*/false, nullptr);
      for (int i = 0; i < n; i++) t.cols.push_back({"c" + std::to_string(i)});
      scope->sources.push_back({alias, &t});
      return Seq("(", q, ") AS ", alias);
    }
    const Table* t = rng.Pick(cands);
    scope->sources.push_back({alias, t});
    return Seq(t->name, " AS ", alias);
  }

  int64_t RowsOf(const Source& s) const {
    if (!s.table->view) return s.table->rows_hi;
    // A view's rows grow with the tables it reads (its estimate at creation would let a join
    // of a view of a self-join explode once the table has grown): bound each of its sources by
    // the largest table now.
    int64_t largest = 1;
    for (const Table& t : tables) {
      if (!t.view) largest = std::max(largest, t.rows_hi);
    }
    int64_t est = 4;
    for (int i = 0; i < s.table->view_items && est < (int64_t{1} << 40); i++) est *= largest;
    return std::max(s.table->rows_hi, est);
  }

  // *rows: the product of the items' row estimates.
  Frag FromClause(Scope* scope, const Ctx& outer, int max_items, int64_t* rows) {
    int n = Has(kJoin) ? rng.Range(1, max_items) : 1;
    // A clause with RIGHT or FULL joins has only column-equality ON clauses that the reducer
    // keeps: SQLite 3.40 takes a constant false ON of an inner join before a RIGHT join for a
    // false WHERE (docs/compatibility.md). Only at the top level: SQLite 3.40 also rejects a
    // RIGHT join in a flattened UNION ALL subquery ("ON clause references tables to its right").
    bool right_mode = Has(kRightJoin) && outer.sub_depth == 0 && n > 1 && rng.Chance(15);
    Frag f = FromItem(scope, outer, 1);
    int64_t product = std::max<int64_t>(1, RowsOf(scope->sources.back()));
    for (int i = 1; i < n; i++) {
      size_t before = scope->sources.size();
      Frag item = FromItem(scope, outer, 0);
      const Source& right = scope->sources[before];
      if (product * std::max<int64_t>(1, RowsOf(right)) > 400) {  // too many rows: not joined
        scope->sources.pop_back();
        break;
      }
      product *= std::max<int64_t>(1, RowsOf(right));
      Ctx on = outer;
      on.grouped = false;
      on.aggregates = false;
      on.keys.clear();
      on.scopes.push_back(scope);
      int k = rng.Below(10);
      // NATURAL and USING compare same-named columns: not a TEXT one with a numeric one (see
      // AvoidInPlaceAffinity); such a pair is cross joined instead.
      if (k == 1 || k == 2) {
        for (size_t j = 0; j < before && k != 0; j++) {
          for (const Column& lc : scope->sources[j].table->cols) {
            for (const Column& rc : right.table->cols) {
              if (lc.name == rc.name && (k == 1 || lc.name == "c0") &&
                  InPlaceAffinityRisk(lc.aff, rc.aff)) {
                k = 0;
              }
            }
          }
        }
      }
      if (right_mode) {
        static const std::vector<std::string> kinds = {" JOIN ", " LEFT JOIN ", " RIGHT JOIN ",
                                                       " FULL JOIN "};
        const Source& left = scope->sources[static_cast<size_t>(rng.Below(static_cast<int>(before)))];
        Frag l = Seq(left.alias + "." + rng.Pick(left.table->cols).name);
        Frag r = Seq(right.alias + "." + rng.Pick(right.table->cols).name);
        AvoidInPlaceAffinity(on, &l, &r);
        f = Seq(f, rng.Pick(kinds), item, " ON ", l, " = ", r);
      } else if (k == 0) {
        f = Seq(f, Opt(Seq(rng.Chance(50) ? ", " : " CROSS JOIN ", item)));
      } else if (k == 1) {
        f = Seq(f, Opt(Seq(rng.Chance(70) ? " NATURAL JOIN " : " NATURAL LEFT JOIN ", item)));
      } else if (k == 2) {
        f = Seq(f, Opt(Seq(rng.Chance(50) ? " JOIN " : " LEFT JOIN ", item, " USING (c0)")));
      } else {
        std::string kind = rng.Chance(40) ? " LEFT JOIN " : " JOIN ";
        // Usually an equality between the new item and an earlier one, plus maybe more.
        Frag cond;
        const Source& left = scope->sources[static_cast<size_t>(rng.Below(static_cast<int>(before)))];
        const Column& lc = left.table->cols[static_cast<size_t>(rng.Below(static_cast<int>(left.table->cols.size())))];
        const Column& rc = right.table->cols[static_cast<size_t>(rng.Below(static_cast<int>(right.table->cols.size())))];
        Frag l = Ex(left.alias + "." + lc.name), r = Ex(right.alias + "." + rc.name);
        AvoidInPlaceAffinity(on, &l, &r);
        cond = Ex("(", l, " = ", r, ")");
        if (rng.Chance(35)) cond = Ex("(", cond, " AND ", Expr(on, 2), ")");
        if (rng.Chance(15)) cond = Expr(on, 3);
        f = Seq(f, Opt(Seq(kind, item, " ON ", cond)));
      }
    }
    *rows = product;
    return f;
  }

  // -- SELECT ---------------------------------------------------------------------------------

  struct QueryInfo {
    bool ordered = false;
    bool loose = false;
    int64_t rows = 1;  // the FROM clause's row estimate (of the last core)
    int items = 0;     // the number of sources in that FROM clause
  };

  // One SELECT core with `ncols` result columns (named c0.. when `named`).
  Frag Core(const Ctx& outer, int ncols, bool named, bool top, QueryInfo* info,
            bool strip_affinity = false) {
    Scope* scope = NewScope();
    int64_t rows = 1;
    Frag from = FromClause(scope, outer, 3, &rows);
    info->rows = rows;
    info->items = static_cast<int>(scope->sources.size());
    Ctx c = outer;
    c.scopes.push_back(scope);
    c.rows = outer.rows * rows;
    c.grouped = false;
    c.keys.clear();
    c.aggregates = false;
    Frag where = rng.Chance(60) ? Opt(Seq(" WHERE ", Expr(c, 3))) : Seq();
    Frag group;
    bool grouped = Has(kAggregate) && rng.Chance(25);
    Ctx sel = c;
    if (grouped) {
      sel.grouped = true;
      sel.aggregates = true;
      if (rng.Chance(75)) {
        std::vector<Frag> keys;
        int n = rng.Range(1, 2);
        for (int i = 0; i < n; i++) {
          Frag k;
          const Column* col = nullptr;
          if (!ColumnRef(c, &k, &col)) break;
          // Only exact keys of this level may show: which of several equal values represents
          // a group is unspecified (known_failures.sql [1]).
          bool own = false;
          for (const Source& s : scope->sources) {
            if (k.ToSql().rfind(s.alias + ".", 0) == 0) own = true;
          }
          if (col->Exact() && own) sel.keys.push_back(k);
          // The reducer must not replace a key (GROUP BY NULL would make the bare key columns
          // in the result an unspecified choice).
          k.expr = false;
          keys.push_back(k);
        }
        if (!keys.empty()) group = Seq(" GROUP BY ", List(", ", keys, false));
        if (!keys.empty() && rng.Chance(40)) group = Seq(group, Opt(Seq(" HAVING ", Expr(sel, 2))));
      }
    }
    std::vector<Frag> items;
    Ctx item_ctx = sel;
    if (!top) item_ctx.derived_column = true;
    for (int i = 0; i < ncols; i++) {
      Frag e = Has(kWindow) && !grouped && top && rng.Chance(10) ? WindowExpr(c) : Expr(item_ctx, 3);
      if (strip_affinity) e = Seq("+(", e, ")");
      items.push_back(named ? Seq(e, " AS c" + std::to_string(i)) : e);
    }
    bool distinct = top && Has(kDistinct) && rng.Chance(10);
    if (distinct) info->loose = true;  // which of several equal rows shows is unspecified
    return Seq("SELECT ", distinct ? "DISTINCT " : "", List(", ", items, true), " FROM ", from,
               where, group);
  }

  // A whole query: [WITH] core [compound core...] [ORDER BY all columns [LIMIT]].
  Frag Query(const Ctx& outer, int ncols, bool top, QueryInfo* info) {
    QueryInfo local;
    if (!info) info = &local;
    size_t ctes_before = ctes.size();
    Frag with;
    if (Has(kCte) && rng.Chance(top ? 20 : 5) && outer.sub_depth < 2) with = WithClause(outer);
    // Below the top level (a subquery in FROM, a CTE) only UNION ALL: which of two equal rows a
    // set operation keeps (1 or 1.0) would show in the outer query's results. There the first
    // arm's columns lose their affinity (unary +): SQLite applies it to the other arms' values
    // only when its plan materializes the compound (docs/compatibility.md).
    bool compound = Has(kCompound) && rng.Chance(top ? 15 : 6);
    Frag q = Core(outer, ncols, !top, top, info, compound && !top);
    if (compound) {
      static const std::vector<std::string> ops = {" UNION ALL ", " UNION ", " INTERSECT ",
                                                   " EXCEPT "};
      int n = rng.Range(1, 2);
      for (int i = 0; i < n; i++) {
        const std::string& op = top ? rng.Pick(ops) : ops[0];
        if (op != " UNION ALL ") info->loose = true;
        q = Seq(q, op, Core(outer, ncols, false, top, info));
      }
    }
    if (top && Has(kOrderLimit) && rng.Chance(45)) {
      // ORDER BY every result column: the order is total except among rows that are equal under
      // the columns' collations (compared with loose ties).
      std::vector<Frag> terms;
      for (int i = 1; i <= ncols; i++) {
        static const std::vector<std::string> dirs = {"", " ASC", " DESC", " NULLS FIRST",
                                                      " DESC NULLS LAST"};
        terms.push_back(Seq(std::to_string(i), rng.Pick(dirs)));
      }
      info->ordered = true;
      if (rng.Chance(60)) {
        // The reducer may drop the whole clause (then rows are compared as a multiset), not
        // terms: the order must stay total.
        q = Seq(q, Opt(Seq(" ORDER BY ", List(", ", terms, false))));
      } else {
        // With LIMIT the order must stay total: the terms stay.
        q = Seq(q, " ORDER BY ", List(", ", terms, false));
        // Rows that tie at the cut differ only as equal values do (1 and 1.0, 'a' and 'A').
        info->loose = true;
        q = Seq(q, Opt(Seq(" LIMIT ", std::to_string(rng.Range(0, 6)),
                           rng.Chance(40) ? " OFFSET " + std::to_string(rng.Range(0, 3)) : "")));
      }
    } else if (top && rng.Chance(3)) {
      q = Seq(q, " LIMIT 0");
    }
    ctes.resize(ctes_before);
    return Seq(with, q);
  }

  Frag WithClause(const Ctx& outer) {
    std::vector<Frag> defs;
    bool recursive = rng.Chance(30);
    int n = rng.Range(1, 2);
    for (int i = 0; i < n; i++) {
      Table& t = temps.emplace_back();
      t.name = NewName("w");
      if (recursive && i == 0) {
        int start = rng.Range(-2, 5), stop = start + rng.Range(0, 12);
        t.cols.push_back({"c0"});
        t.rows_hi = stop - start + 1;
        defs.push_back(Seq(t.name, "(c0) AS (SELECT ", std::to_string(start),
                           " UNION ALL SELECT c0 + 1 FROM ", t.name, " WHERE c0 < ",
                           std::to_string(stop), ")"));
      } else {
        int cols = rng.Range(1, 3);
        Ctx none;
        none.sub_depth = outer.sub_depth + 1;
        Frag q = Query(none, cols, false, nullptr);
        std::vector<Frag> names;
        for (int j = 0; j < cols; j++) {
          t.cols.push_back({"c" + std::to_string(j)});
          names.push_back(Seq("c" + std::to_string(j)));
        }
        t.rows_hi = 100;
        defs.push_back(Seq(t.name, "(", List(", ", names, false), ") AS (", q, ")"));
      }
      ctes.push_back(&t);
    }
    return Seq(recursive ? "WITH RECURSIVE " : "WITH ", List(", ", defs, true), " ");
  }

  // -- statements -----------------------------------------------------------------------------

  GenStatement Select() {
    GenStatement g;
    QueryInfo info;
    Ctx none;
    g.frag = Query(none, rng.Range(1, 4), true, &info);
    g.how.ordered = info.ordered;
    g.how.loose_ties = info.ordered;
    g.how.loose = info.loose;
    // SQLite 3.40 adds REALs in sum()/total()/avg() naively, in the plan's row order: the last
    // bits may differ.
    g.how.real_tolerance = 1e-13;
    return g;
  }

  std::vector<Table*> BaseTables() {
    std::vector<Table*> v;
    for (Table& t : tables) {
      if (!t.view) v.push_back(&t);
    }
    return v;
  }

  // Inside a transaction only ABORT: SQLite 3.40 runs ROLLBACK, IGNORE, REPLACE and FAIL
  // statements without a statement journal, so an error that is not a constraint (a datatype
  // mismatch) leaves their earlier rows in place, where dosql undoes the statement
  // (docs/compatibility.md).
  std::string ConflictClause(const char* prefix) {
    static const std::vector<std::string> acts = {"ROLLBACK", "ABORT", "FAIL", "IGNORE",
                                                  "REPLACE"};
    if (!Has(kConstraint) || !rng.Chance(30)) return "";
    if (in_txn) return std::string(prefix) + "ABORT ";
    return std::string(prefix) + rng.Pick(acts) + " ";
  }

  // RETURNING, only on tables without REAL columns, and only of bare columns. SQLite 3.40 returns
  // an integral REAL as INTEGER there (known_failures.sql [3]); with a REAL column before an
  // INTEGER PRIMARY KEY it returns the key as REAL; and in RETURNING expressions a column can
  // take the affinity of another column ('10' >= 9223372036854775807 is false) (all in
  // docs/compatibility.md).
  Frag Returning(Table* t) {
    if (!Has(kReturning) || !rng.Chance(15) || t->HasRealColumn()) return Seq();
    if (rng.Chance(30)) return Opt(Seq(" RETURNING *"));
    std::vector<Frag> items;
    int n = rng.Range(1, 3);
    for (int i = 0; i < n; i++) {
      const Column& c = rng.Pick(t->cols);
      items.push_back(rng.Chance(50) ? Seq(c.name) : Seq(t->name, ".", c.name));
    }
    return Opt(Seq(" RETURNING ", List(", ", items, true)));
  }

  Ctx TableCtx(Table* t) {
    Scope* scope = NewScope();
    scope->sources.push_back({t->name, t});
    Ctx c;
    c.scopes.push_back(scope);
    c.rows = std::max<int64_t>(1, t->rows_hi);
    return c;
  }

  GenStatement Insert(Table* t, bool bulk) {
    GenStatement g;
    dml_target = t;
    g.how.dml = true;
    std::vector<const Column*> cols;
    bool listed = rng.Chance(40);
    for (const Column& c : t->cols) {
      if (!listed || !c.has_default || rng.Chance(60)) cols.push_back(&c);
    }
    if (listed && rng.Chance(30)) {
      for (size_t i = cols.size(); i > 1; i--) std::swap(cols[i - 1], cols[static_cast<size_t>(rng.Below(static_cast<int>(i)))]);
    }
    if (cols.empty()) cols.push_back(&t->cols[0]);
    Frag head = Seq(!in_txn && rng.Chance(5) ? "REPLACE " : std::string("INSERT ") + ConflictClause("OR "),
                    "INTO ", t->name);
    if (listed) {
      std::vector<Frag> names;
      for (const Column* c : cols) names.push_back(Seq(c->name));
      head = Seq(head, "(", List(", ", names, false), ")");
    }
    Frag body;
    if (!bulk && Has(kAggregate) && rng.Chance(12) && t->rows_hi < 15) {
      // INSERT ... SELECT from one source, in a total order: the order decides which rows an OR
      // FAIL/IGNORE/REPLACE keeps and which rowids they get.
      Scope* scope = NewScope();
      Ctx none;
      none.sub_depth = 1;
      Frag from = FromItem(scope, none, 0);
      Ctx c = none;
      c.scopes.push_back(scope);
      std::vector<Frag> items;
      for (const Column* col : cols) {
        // Rowids stay small (see ValueFor).
        items.push_back(col->ipk ? Ex("((", Expr(c, 2), ") % 100)") : Expr(c, 2));
      }
      std::vector<Frag> order;
      for (size_t i = 1; i <= cols.size(); i++) order.push_back(Seq(std::to_string(i)));
      body = Seq(" SELECT ", List(", ", items, false), " FROM ", from,
                 Opt(Seq(" WHERE ", Expr(c, 2))), " ORDER BY ", List(", ", order, false));
    } else if (!bulk && !listed && rng.Chance(3)) {
      body = Seq(" DEFAULT VALUES");
    } else {
      std::vector<Frag> rows;
      int n = bulk ? rng.Range(2, 8) : rng.Range(1, 3);
      for (int r = 0; r < n; r++) {
        std::vector<Frag> vals;
        for (const Column* c : cols) vals.push_back(ValueFor(*c));
        rows.push_back(Seq("(", List(", ", vals, false), ")"));
      }
      body = Seq(" VALUES ", List(", ", rows, true));
    }
    Frag upsert;
    if (Has(kUpsert) && !in_txn && !t->unique_sets.empty() && rng.Chance(15) && head.ToSql().rfind("INSERT INTO", 0) == 0 &&
        body.ToSql().rfind(" VALUES", 0) == 0) {
      const auto& target = rng.Pick(t->unique_sets);
      std::vector<Frag> tcols;
      for (const std::string& n : target) tcols.push_back(Seq(n));
      Frag tgt = rng.Chance(20) ? Seq() : Seq("(", List(", ", tcols, false), ")");
      if (rng.Chance(40)) {
        upsert = Seq(" ON CONFLICT", tgt, " DO NOTHING");
      } else {
        Table& excluded = temps.emplace_back(*t);
        Scope* scope = NewScope();
        scope->sources.push_back({t->name, t});
        scope->sources.push_back({"excluded", &excluded});
        Ctx c;
        c.scopes.push_back(scope);
        c.sub_depth = 1;
        const Column& col = t->cols[static_cast<size_t>(rng.Below(static_cast<int>(t->cols.size())))];
        // The rowid from a value like the UPDATE's: a computed one may reach 2^63-1, after which
        // SQLite picks the next new rowid at random.
        upsert = Seq(" ON CONFLICT", tgt, " DO UPDATE SET ", col.name, " = ",
                     col.ipk ? ValueFor(col) : Expr(c, 2),
                     rng.Chance(30) ? Opt(Seq(" WHERE ", Expr(c, 2))) : Seq());
      }
    }
    g.frag = Seq(head, body, upsert, Returning(t));
    Table* target = t;
    on_outcome = [target](int64_t changes) { target->rows_hi += changes; };
    return g;
  }

  GenStatement Update(Table* t) {
    GenStatement g;
    dml_target = t;
    g.how.dml = true;
    Ctx c = TableCtx(t);
    std::vector<Frag> sets;
    int n = rng.Range(1, 2);
    for (int i = 0; i < n; i++) {
      const Column& col = t->cols[static_cast<size_t>(rng.Below(static_cast<int>(t->cols.size())))];
      // A UNIQUE column gets a constant: with values computed from the row, whether a transient
      // duplicate fails depends on the order the rows are visited in (SQLite may walk an index
      // on the WHERE's columns instead of the table).
      bool unique = col.ipk || t->unique_cols.count(col.name) > 0;
      for (const auto& set : t->unique_sets) {
        unique = unique || std::find(set.begin(), set.end(), col.name) != set.end();
      }
      sets.push_back(Seq(col.name, " = ", rng.Chance(50) || unique ? ValueFor(col) : Expr(c, 2)));
    }
    // Only ROLLBACK/ABORT: which rows an UPDATE OR IGNORE/REPLACE/FAIL keeps depends on the
    // order it visits them in, which is the plan's.
    std::string conflict = ConflictClause("OR ");
    if (conflict.find("ROLLBACK") == std::string::npos) conflict.clear();
    g.frag = Seq("UPDATE ", conflict, t->name, " SET ", List(", ", sets, true),
                 rng.Chance(80) ? Opt(Seq(" WHERE ", Expr(c, 3))) : Seq(), Returning(t));
    return g;
  }

  GenStatement Delete(Table* t) {
    GenStatement g;
    dml_target = t;
    g.how.dml = true;
    Ctx c = TableCtx(t);
    g.frag = Seq("DELETE FROM ", t->name, rng.Chance(85) ? Opt(Seq(" WHERE ", Expr(c, 3))) : Seq(),
                 Returning(t));
    on_outcome = [t](int64_t changes) { t->rows_hi = std::max<int64_t>(0, t->rows_hi - changes); };
    return g;
  }

  GenStatement CreateTable() {
    GenStatement g;
    Table t;
    t.name = NewName("t");
    int n = rng.Range(1, 5);
    bool has_pk = false;
    std::vector<Frag> defs;
    t.without_rowid = Has(kWithoutRowid) && rng.Chance(10);
    for (int i = 0; i < n; i++) {
      Column c;
      c.name = "c" + std::to_string(i);
      const DeclType& dt = rng.Pick(kDeclTypes);
      c.aff = dt.aff;
      Frag def = Seq(c.name, *dt.text ? std::string(" ") + dt.text : "");
      if (!has_pk && !t.without_rowid && std::string(dt.text) == "INTEGER" && rng.Chance(35) &&
          Has(kConstraint)) {
        has_pk = true;  // "c INTEGER PRIMARY KEY DESC"-free spelling of a rowid alias
        def = Seq(def, " PRIMARY KEY");
        c.ipk = true;
        t.unique_sets.push_back({c.name});
      } else if (!has_pk && rng.Chance(i == 0 ? 35 : 8) && Has(kConstraint)) {
        has_pk = true;
        if (!t.without_rowid && rng.Chance(60)) {
          def = Seq(c.name, " INTEGER PRIMARY KEY", rng.Chance(20) ? " AUTOINCREMENT" : "");
          c.aff = Aff::kInteger;
          c.ipk = true;
        } else {
          def = Seq(def, " PRIMARY KEY");
          if (t.without_rowid) c.not_null = true;
          if (!t.without_rowid && std::string(dt.text) == "INTEGER") c.ipk = true;
        }
        t.unique_sets.push_back({c.name});
      } else if (Has(kConstraint)) {
        if (rng.Chance(15)) {
          c.not_null = true;
          def = Seq(def, " NOT NULL");
        }
        if (rng.Chance(12)) {
          def = Seq(def, " UNIQUE");
          t.unique_sets.push_back({c.name});
        }
      }
      if (!c.ipk && Has(kCollate) && rng.Chance(20)) {
        c.collate = rng.Pick(Collations());
        def = Seq(def, " COLLATE ", c.collate);
        if (c.collate == "BINARY") c.collate.clear();
      }
      if (!c.ipk && Has(kConstraint) && (c.not_null ? rng.Chance(80) : rng.Chance(15))) {
        c.has_default = true;
        Frag v = ValueFor(c);
        if (c.not_null && v.ToSql() == "NULL") v = Ex("0");
        def = Seq(def, " DEFAULT ", v.ToSql().find_first_of(" (") == std::string::npos
                                        ? v
                                        : Seq("(", v, ")"));
      }
      if (Has(kConstraint) && rng.Chance(5)) {
        def = Seq(def, " CHECK (", c.name, rng.Chance(50) ? " IS NOT 13)" : " <> 'zz')");
      }
      t.cols.push_back(c);
      defs.push_back(def);
    }
    if (t.without_rowid && !has_pk) {
      // WITHOUT ROWID needs a PRIMARY KEY: a table constraint over one or two columns.
      std::string pk = t.cols[0].name + (n > 1 && rng.Chance(50) ? ", " + t.cols[1].name : "");
      defs.push_back(Seq("PRIMARY KEY (", pk, ")"));
      t.unique_sets.push_back({t.cols[0].name});
      if (pk.find(',') != std::string::npos) t.unique_sets.back().push_back(t.cols[1].name);
      for (Column& c : t.cols) {
        if (pk.find(c.name) != std::string::npos) c.not_null = true;
      }
    } else if (Has(kConstraint) && n > 1 && rng.Chance(15)) {
      defs.push_back(Seq("UNIQUE (", t.cols[0].name, ", ", t.cols[n - 1].name, ")"));
      // Not an upsert target with the INTEGER PRIMARY KEY in it (see CreateIndex).
      if (!t.cols[0].ipk && !t.cols[n - 1].ipk) {
        t.unique_sets.push_back({t.cols[0].name, t.cols[n - 1].name});
      }
    }
    g.frag = Seq("CREATE TABLE ", t.name, "(", List(", ", defs, false), ")",
                 t.without_rowid ? " WITHOUT ROWID" : "");
    on_accept = [this, t] { tables.push_back(t); };
    return g;
  }

  GenStatement CreateIndex() {
    GenStatement g;
    std::vector<Table*> base = BaseTables();
    Table* t = rng.Pick(base);
    std::string name = NewName("i");
    bool unique = rng.Chance(30);
    std::vector<Frag> keys;
    std::vector<std::string> plain;
    int n = rng.Range(1, std::min<int>(3, static_cast<int>(t->cols.size())));
    bool simple = true;
    for (int i = 0; i < n; i++) {
      const Column& c = t->cols[static_cast<size_t>(rng.Below(static_cast<int>(t->cols.size())))];
      Frag k = Seq(c.name);
      if (Has(kCollate) && rng.Chance(15)) {
        k = Seq(k, " COLLATE ", rng.Pick(Collations()));
        simple = false;
      }
      if (rng.Chance(10)) {
        k = Seq("(", c.name, " + 1)");
        simple = false;
      }
      // Not on the first column: SQLite 3.40 misses the NULLs of a DESC index when it answers
      // NOT IN (SELECT ...) with it (docs/compatibility.md).
      if (i > 0 && rng.Chance(20)) k = Seq(k, " DESC");
      keys.push_back(k);
      plain.push_back(c.name);
    }
    Frag where;
    if (rng.Chance(15)) {
      const Column& c = rng.Pick(t->cols);
      where = Seq(" WHERE ", c.name, rng.Chance(50) ? " IS NOT NULL" : " > 0");
      simple = false;
    }
    g.frag = Seq("CREATE ", unique ? "UNIQUE " : "", "INDEX ", name, " ON ", t->name, "(",
                 List(", ", keys, false), ")", where);
    // SQLite cannot match an ON CONFLICT target to a multi-column index that holds the INTEGER
    // PRIMARY KEY (docs/compatibility.md): not used as an upsert target.
    for (const std::string& col : plain) {
      for (const Column& c : t->cols) {
        if (c.name == col && c.ipk && plain.size() > 1) simple = false;
      }
    }
    std::string tname = t->name;
    on_accept = [this, name, tname, unique, simple, plain] {
      indexes.push_back(name);
      for (Table& t : tables) {
        if (t.name != tname || !unique) continue;
        if (simple) t.unique_sets.push_back(plain);
        t.unique_cols.insert(plain.begin(), plain.end());
      }
    };
    return g;
  }

  GenStatement CreateView() {
    GenStatement g;
    Table v;
    v.name = NewName("v");
    v.view = true;
    int n = rng.Range(1, 3);
    Ctx none;
    none.sub_depth = 1;
    QueryInfo info;
    Frag q = Core(none, n, false, false, &info);
    std::vector<Frag> names;
    for (int i = 0; i < n; i++) {
      v.cols.push_back({"c" + std::to_string(i)});
      names.push_back(Seq("c" + std::to_string(i)));
    }
    // The tables it reads may grow: a margin over today's estimate.
    v.rows_hi = std::max<int64_t>(20, info.rows * 4);
    v.view_items = info.items;
    g.frag = Seq("CREATE VIEW ", v.name, "(", List(", ", names, false), ") AS ", q);
    on_accept = [this, v] { tables.push_back(v); };
    return g;
  }

  GenStatement AlterAddColumn() {
    GenStatement g;
    std::vector<Table*> base = BaseTables();
    Table* t = rng.Pick(base);
    Column c;
    c.name = "c" + std::to_string(t->cols.size());
    const DeclType& dt = rng.Pick(kDeclTypes);
    c.aff = dt.aff;
    Frag def = Seq(c.name, *dt.text ? std::string(" ") + dt.text : "");
    if (rng.Chance(40)) {
      c.has_default = true;
      Frag v = ValueFor(c);
      // SQLite 3.40 indexes an added REAL column's integer default as the integer but reads
      // the column as REAL: beyond 2^53 the two differ, and its index lookups and UPDATEs
      // then disagree with its scans ("database disk image is malformed";
      // docs/compatibility.md). Such a column gets a small default.
      if (c.aff == Aff::kReal) {
        std::string t = v.ToSql();
        size_t digits = t.find_first_not_of("0123456789", t[0] == '-' ? 1 : 0);
        if (digits == std::string::npos && t.size() > 15) v = Ex("1");
      }
      def = Seq(def, " DEFAULT ", v.ToSql().find_first_of(" (") == std::string::npos ? v : Seq("(", v, ")"));
    }
    if (Has(kCollate) && rng.Chance(15)) {
      c.collate = rng.Pick(Collations());
      def = Seq(def, " COLLATE ", c.collate);
      if (c.collate == "BINARY") c.collate.clear();
    }
    g.frag = Seq("ALTER TABLE ", t->name, " ADD COLUMN ", def);
    std::string tname = t->name;
    on_accept = [this, tname, c] {
      for (Table& x : tables) {
        if (x.name == tname) x.cols.push_back(c);
      }
    };
    return g;
  }

  GenStatement Txn() {
    GenStatement g;
    if (!in_txn) {
      g.frag = Seq(rng.Chance(70) ? "BEGIN" : "BEGIN IMMEDIATE");
      on_accept = [this] {
        in_txn = true;
        savepoints = 0;
      };
      return g;
    }
    int k = rng.Below(10);
    if (k < 3) {
      std::string sp = "sp" + std::to_string(savepoints);
      g.frag = Seq("SAVEPOINT ", sp);
      on_accept = [this] { savepoints++; };
    } else if (k < 5 && savepoints > 0) {
      g.frag = Seq(rng.Chance(50) ? "RELEASE sp" : "ROLLBACK TO sp",
                   std::to_string(rng.Below(savepoints)));
    } else {
      g.frag = Seq(rng.Chance(60) ? "COMMIT" : "ROLLBACK");
      in_txn = false;  // ended either way (an error means there was no transaction)
    }
    return g;
  }

  GenStatement NextImpl() {
    temps.clear();
    ctes.clear();
    dml_target = nullptr;
    scopes_store.clear();
    on_accept = nullptr;
    on_outcome = nullptr;
    if (episode_left == 0) {
      tables.clear();
      indexes.clear();
      next_name = 0;
      in_txn = false;
      episode_left = rng.Range(30, 160);
      setup_left = rng.Range(2, 9);
      GenStatement g = CreateTable();
      g.new_episode = true;
      return g;
    }
    episode_left--;
    std::vector<Table*> base = BaseTables();
    if (setup_left > 0) {
      setup_left--;
      int k = rng.Below(10);
      if (k < 2 || base.empty()) return CreateTable();
      if (k < 3 && Has(kIndex)) return CreateIndex();
      if (k < 4 && Has(kView)) return CreateView();
      return Insert(rng.Pick(base), true);
    }
    int k = rng.Below(100);
    if (k < 4 && !in_txn) {
      int d = rng.Below(10);
      if (d < 3 && Has(kIndex)) return CreateIndex();
      if (d < 5 && Has(kView)) return CreateView();
      if (d < 7 && Has(kAlter)) return AlterAddColumn();
      if (d < 8 && Has(kIndex) && !indexes.empty()) {
        GenStatement g;
        std::string name = rng.Pick(indexes);
        g.frag = Seq("DROP INDEX ", name);
        on_accept = [this, name] {
          indexes.erase(std::find(indexes.begin(), indexes.end(), name));
        };
        return g;
      }
      return CreateTable();
    }
    if (k < 7 && Has(kTxn)) return Txn();
    if (k < 40) {
      Table* t = rng.Pick(base);
      int d = rng.Below(10);
      if (d < 5 && t->rows_hi < 25) return Insert(t, false);
      if (d < 8) return Update(t);
      return Delete(t);
    }
    return Select();
  }
};

Generator::Generator(uint64_t seed, FeatureSet features)
    : impl_(std::make_unique<Impl>(seed, features)) {}
Generator::~Generator() = default;

GenStatement Generator::Next() { return impl_->NextImpl(); }

void Generator::EndEpisode() { impl_->episode_left = 0; }

void Generator::Accepted(bool ok, int64_t changes) {
  if (ok && impl_->on_accept) impl_->on_accept();
  if (ok && impl_->on_outcome) impl_->on_outcome(changes);
  impl_->on_accept = nullptr;
  impl_->on_outcome = nullptr;
}

}  // namespace dosql::fuzz
