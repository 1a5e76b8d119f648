// dosql shell — where input lines come from: a file or pipe, or the terminal through libedit.
//
// A LineSource hands out one line at a time without its line terminator ("\n" or "\r\n").
// The terminal source prompts with "dosql> " for a new statement and "   ...> " for a
// continuation line, offers libedit's line editing and Tab completion, and keeps a history that is
// loaded from and saved to a file (~/.dosql_history unless $DOSQL_HISTORY names another; empty
// disables it). When dosql is built without libedit the terminal source falls back to plain stdin
// reads.
//
// Ownership: FileLineSource does not own its FILE. Not thread-safe (libedit is global state).
#pragma once

#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dosql::shell {

// Ctrl-C: the shell counts SIGINTs (a third one in a row ends the process, as in sqlite3).
// The running statement stops at its next row; at the prompt the pending input is dropped.
void InstallInterruptHandler();
int InterruptCount();
void ResetInterrupts();

enum class ReadResult { kLine, kEof, kInterrupted };

class LineSource {
 public:
  virtual ~LineSource() = default;
  // Reads the next line into *line. `continuation` is true while a statement is incomplete (it
  // selects the prompt). kInterrupted: Ctrl-C was pressed at the prompt.
  virtual ReadResult ReadLine(std::string* line, bool continuation) = 0;
  // True for the interactive terminal.
  virtual bool interactive() const { return false; }
};

class FileLineSource : public LineSource {
 public:
  explicit FileLineSource(FILE* file) : file_(file) {}
  ReadResult ReadLine(std::string* line, bool continuation) override;

 private:
  FILE* file_;
};

class TerminalLineSource : public LineSource {
 public:
  TerminalLineSource(std::string prompt, std::string continuation_prompt);
  ~TerminalLineSource() override;  // saves the history
  ReadResult ReadLine(std::string* line, bool continuation) override;
  bool interactive() const override { return true; }

 private:
  std::string prompt_;
  std::string continuation_prompt_;
  std::string history_path_;
};

// Tab completion at the terminal (libedit's completion hook): `words` is asked for the
// candidates (keywords, table, view and column names) each time Tab is pressed.
void SetCompletionWords(std::function<std::vector<std::string>()> words);
// The candidates that `prefix` begins, ignoring ASCII case, in order. An upper-case candidate
// (a keyword) is offered in lower case when the prefix is typed in lower case.
std::vector<std::string> CompletionMatches(std::string_view prefix,
                                           const std::vector<std::string>& words);

// True if dosql was built with libedit.
bool HaveLineEditing();

}  // namespace dosql::shell
