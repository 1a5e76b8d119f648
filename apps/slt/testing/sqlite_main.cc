// dosql-slt-sqlite: the dosql-slt command line with the SQLite test oracle registered as engine
// "sqlite". It checks the runner (and the corpus) against the real SQLite; it is a test tool,
// not part of dosql.
#include <iostream>

#include "src/cli.h"
#include "src/registry.h"
#include "testing/sqlite_backend.h"

int main(int argc, char** argv) {
  dosql::slt::BackendRegistry registry;
  if (!registry.Register("sqlite", &dosql::slt::MakeSqliteBackend).ok()) return 2;
  return dosql::slt::RunCli(argc, argv, registry, std::cout, std::cerr);
}
