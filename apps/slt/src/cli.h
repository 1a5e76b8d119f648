// dosql-slt — the command line: dosql-slt [--engine NAME] [--fail-fast] [--verbose] PATH...
//
// Each PATH is a script file or a directory searched recursively for *.test files (run in path
// order). For every failure it prints file:line, the SQL, what was expected and what the engine
// gave; then a line per file ("path: N passed, N failed, N skipped (1.23s)") and, last, exactly
// "N passed, N failed, N skipped" on a line of its own. Exit status: 0 if nothing failed, 1 if
// something did (a path that cannot be read counts as a failure), 2 for a usage error.
//
// The engines come from the registry the binary's main() fills (registry.h). Without --engine,
// "dosql" is used if registered, otherwise the first engine registered.
#pragma once

#include <ostream>

#include "src/registry.h"

namespace dosql::slt {

// Runs the command line `argv` (argv[0] is the program name). Results go to `out`, usage errors
// to `err`. Returns the exit status.
int RunCli(int argc, const char* const* argv, const BackendRegistry& registry, std::ostream& out,
           std::ostream& err);

}  // namespace dosql::slt
