// dosql — the command-line shell (see src/shell.h and docs/shell.md).
#include "src/shell.h"

int main(int argc, char** argv) {
  dosql::shell::Shell shell;
  return shell.Main(argc, argv);
}
