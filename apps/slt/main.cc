// dosql-slt: the sqllogictest runner (see src/cli.h for the command line, docs/slt.md for the
// semantics).
//
// This binary runs the engines registered below, one line each. The dosql engine registers here
// once it exists, as
//   registry.Register("dosql", &MakeDosqlBackend)
// with its backend in its own target linked into dosql-slt. SQLite is a test oracle only and is
// never linked here: dosql-slt-sqlite (testing/sqlite_main.cc) is this CLI with SQLite registered.
#include <iostream>

#include "src/cli.h"
#include "src/registry.h"

int main(int argc, char** argv) {
  dosql::slt::BackendRegistry registry;
  return dosql::slt::RunCli(argc, argv, registry, std::cout, std::cerr);
}
