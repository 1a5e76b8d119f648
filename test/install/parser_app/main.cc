// Built against an installed dosql, linking only dosql::parser (test/install/run.sh): parses a
// statement, prints it back as canonical SQL, and checks that a syntax error has its position.
// Prints "parser_app ok" and exits 0 on success.
#include <cstdio>
#include <string>

#include "dosql/parser/ast.h"
#include "dosql/parser/parser.h"

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "parser_app: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main() {
  namespace parser = dosql::parser;
  auto parsed = parser::ParseOne("select a, b+1 from t where c>2 order by a; SELECT 2");
  if (!parsed.ok()) return Fail("parse: " + parsed.status().ToString());
  if (!parsed->statement || parsed->statement->type() != parser::NodeType::kSelectStmt) {
    return Fail("not a SELECT statement");
  }
  const std::string sql = parser::ToSql(*parsed->statement);
  if (sql != "SELECT a, b + 1 FROM t WHERE c > 2 ORDER BY a") return Fail("ToSql gave: " + sql);
  if (parsed->tail_offset != 42) return Fail("tail offset " + std::to_string(parsed->tail_offset));

  parser::SyntaxErrorInfo error;
  auto bad = parser::ParseOne("SELECT 1\nFROM WHERE", &error);
  if (bad.ok()) return Fail("a syntax error was accepted");
  if (error.line != 2 || error.column != 6) {
    return Fail("error at " + std::to_string(error.line) + ":" + std::to_string(error.column) +
                ": " + error.message);
  }
  std::printf("parser_app ok: %s\n", sql.c_str());
  return 0;
}
