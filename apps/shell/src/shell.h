// dosql shell — the `dosql` command-line program: an sqlite3-style shell on a dosql database.
//
//   dosql [OPTIONS] [FILE] [SQL...]
//
// FILE is a database path (a file database is a directory); none or ":memory:" opens a private
// in-memory database. SQL arguments (and -c SQL) run in order and the program exits; otherwise
// SQL and dot-commands are read from stdin: with line editing, history and prompts when stdin is
// a terminal, silently when it is a pipe or file. Output modes, dot-commands, error messages and
// exit codes follow sqlite3 3.40's command-line shell; docs/shell.md lists what differs.
//
// Threads: one Shell runs on one thread; it installs a SIGINT handler (process-global state).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db.h"
#include "input.h"
#include "render.h"

namespace dosql::shell {

class Shell {
 public:
  Shell();
  ~Shell();

  // Runs the program with the command-line arguments; returns the exit status.
  int Main(int argc, char** argv);

 private:
  // Result codes of a dot-command (sqlite3's do_meta_command).
  enum MetaResult { kMetaOk = 0, kMetaError = 1, kMetaExit = 2 };

  bool OpenDatabase(const std::string& path, bool report_errors);
  void CloseDatabase();

  // Reads and runs lines until the end of `in`; returns true if any error occurred.
  bool ProcessInput(LineSource& in);
  // Runs one complete buffer of SQL read from input (sqlite3's runOneSqlLine); returns 1 if it
  // failed (after printing the error), else 0.
  // `sql` starts at input line `start_line`, `start_col` characters into it.
  int RunSqlBuffer(const std::string& sql, int64_t start_line, int start_col, bool from_terminal);
  // Runs every statement of `sql`, rendering rows. Returns 0, or SQLite's result code of the
  // failure with *err set to "in prepare, ..." / "stepping, ..." (sqlite3's shell_exec).
  // Syntax error positions are reported relative to the input (sql[0] is at `first_line`,
  // `first_col` characters into it).
  int ExecSql(std::string_view sql, std::string* err, int64_t first_line, int first_col);
  // Renders the rows of `stmt` with `settings` (the output settings, or the explain layout).
  int RunStatement(Statement& stmt, const OutputSettings& settings, std::string* err);
  int RunQueryPlan(Statement& stmt, std::string* err);
  // Runs one line starting with '.'; then ends a ".once" redirection that has served its
  // command.
  MetaResult DoMetaCommand(const std::string& line);
  MetaResult DispatchMetaCommand(const std::vector<std::string>& args);

  MetaResult CmdMode(const std::vector<std::string>& args);
  MetaResult CmdTables(const std::vector<std::string>& args, bool indexes);
  MetaResult CmdDatabases();
  MetaResult CmdSchema(const std::vector<std::string>& args);
  MetaResult CmdRead(const std::vector<std::string>& args);
  MetaResult CmdOpen(const std::vector<std::string>& args);
  MetaResult CmdShow();
  MetaResult CmdHelp(const std::vector<std::string>& args);
  MetaResult CmdDump(const std::vector<std::string>& args);
  MetaResult CmdImport(const std::vector<std::string>& args);  // import.cc
  MetaResult CmdOutput(const std::vector<std::string>& args, bool once);
  MetaResult CmdExplain(const std::vector<std::string>& args);

  // Output redirection (.output/.once): back to stdout, closing a file or pipe.
  void ResetOutput();
  // Candidates for tab completion: keywords, table, view and column names.
  std::vector<std::string> CompletionWords();

  // Runs a query of the shell's own (dot-commands) and returns its rows; prints errors.
  bool QueryRows(const std::string& sql, const std::vector<Value>& params,
                 std::vector<std::vector<Value>>* rows, std::vector<std::string>* names);

  void Out(std::string_view text);
  void Flush();
  void Err(std::string_view text);

  // Parses on/off/yes/no/true/false/integers like sqlite3's booleanValue().
  static bool BooleanValue(const std::string& arg);

  std::string db_path_;
  std::shared_ptr<Database> db_;
  std::unique_ptr<Connection> conn_;
  DatabaseOptions db_options_;

  OutputSettings settings_;
  // Where results go: stdout, or the file or pipe of .output/.once (out_name_ names it).
  FILE* out_ = stdout;
  std::string out_name_;
  bool out_is_pipe_ = false;
  int out_count_ = 0;  // .once: commands left before the output goes back to stdout
  // .explain: auto (EXPLAIN in the explain layout, EXPLAIN QUERY PLAN as a tree), on (every
  // result in the explain layout: settings_.mode is kExplain, normal_mode_ the mode before),
  // off (EXPLAIN rows in the current mode).
  bool auto_explain_ = true;
  Mode normal_mode_ = Mode::kList;
  bool header_set_ = false;  // -header/-noheader or .headers used: .mode column keeps it
  bool bail_ = false;
  bool echo_ = false;
  bool timer_ = false;
  bool count_changes_ = false;
  bool interactive_ = false;  // stdin is the terminal (or -interactive)
  int64_t lineno_ = 0;
  int input_nesting_ = 0;
  int exit_code_ = 0;      // set by ".exit N"
  bool exit_all_ = false;  // ".exit N" with N != 0: leave every nested .read too
};

}  // namespace dosql::shell
