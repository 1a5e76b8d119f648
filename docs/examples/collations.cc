// User-defined collations: a case- and accent-insensitive order for a column and its UNIQUE
// constraint (whose index keeps that order), and a one-off COLLATE in a query.
#include <cstdio>
#include <string>
#include <string_view>

#include "dosql/dosql.h"

// Folds ASCII letters to lower case and the accented Latin-1 letters used here to their base
// letter (a real application would use a Unicode library).
std::string Fold(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s.compare(i, 2, "é") == 0 || s.compare(i, 2, "É") == 0) {
      out += 'e';
      i++;
    } else {
      char c = s[i];
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
  }
  return out;
}

int main() {
  auto conn = dosql::Connection::Open(":memory:");
  if (!conn.ok()) return 1;
  dosql::Connection& c = **conn;
  // <0, 0 or >0, like std::string_view::compare: a total order over the UTF-8 bytes.
  dosql::Status st = c.CreateCollation(
      "unaccent", [](std::string_view a, std::string_view b) { return Fold(a).compare(Fold(b)); });
  if (!st.ok()) return 1;

  // The column's collation applies to its comparisons, ORDER BY, GROUP BY and DISTINCT, to the
  // UNIQUE constraint and to the index on it.
  if (!c.Exec("CREATE TABLE city(name TEXT UNIQUE COLLATE unaccent, country TEXT);"
              "INSERT INTO city VALUES ('Orléans', 'FR'), ('Geneve', 'CH'), ('Lyon', 'FR')")
           .ok()) {
    return 1;
  }
  dosql::Status dup = c.Exec("INSERT INTO city VALUES ('ORLEANS', 'FR')");
  std::printf("duplicate: %s\n", dup.ToString().c_str());
  if (dup.ok()) return 1;  // 'ORLEANS' equals 'Orléans' under the collation

  auto r = c.Query("SELECT name FROM city WHERE name = 'orleans' OR name > 'k' ORDER BY name");
  if (!r.ok()) return 1;
  for (const auto& row : r->rows) std::printf("%s\n", row[0].bytes().c_str());
  // COLLATE picks a collation for one comparison or sort.
  auto e = c.Query("SELECT 'ÉTÉ' = 'ete', 'ÉTÉ' = 'ete' COLLATE unaccent");
  if (!e.ok()) return 1;
  std::printf("binary %lld, unaccent %lld\n", static_cast<long long>(e->rows[0][0].integer()),
              static_cast<long long>(e->rows[0][1].integer()));
  bool as_expected = r->rows.size() == 2 && r->rows[0][0].bytes() == "Lyon" &&
                     e->rows[0][0].integer() == 0 && e->rows[0][1].integer() == 1;
  return as_expected ? 0 : 1;
}
