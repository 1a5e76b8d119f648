// dosql-slt: the sqllogictest runner (see src/cli.h for the command line, docs/slt.md for the
// semantics).
//
// This binary runs the engines registered below, one line each: dosql (src/dosql_backend.cc).
// SQLite is a test oracle only and is never linked here: dosql-slt-sqlite
// (testing/sqlite_main.cc) is this CLI with SQLite registered.
#include <iostream>

#include "src/cli.h"
#include "src/dosql_backend.h"
#include "src/registry.h"

int main(int argc, char** argv) {
  dosql::slt::BackendRegistry registry;
  if (!registry.Register("dosql", &dosql::slt::MakeDosqlBackend).ok()) return 2;
  return dosql::slt::RunCli(argc, argv, registry, std::cout, std::cerr);
}
