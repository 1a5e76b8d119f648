#include "input.h"

#include <signal.h>
#include <unistd.h>

#include <string.h>
#include <cstdlib>
#include <cstring>

#if DOSQL_SHELL_HAVE_EDITLINE
#include <editline/readline.h>
#endif

namespace dosql::shell {
namespace {

// Reads one line (sqlite3's local_getline): strips "\n" or "\r\n"; a last line without a
// terminator is returned as it is.
bool ReadFileLine(FILE* f, std::string* line) {
  line->clear();
  int c;
  bool any = false;
  while ((c = std::fgetc(f)) != EOF) {
    any = true;
    if (c == '\n') {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    line->push_back(static_cast<char>(c));
  }
  return any;
}

std::string HistoryPath() {
  if (const char* env = std::getenv("DOSQL_HISTORY")) return env;
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return "";
  return std::string(home) + "/.dosql_history";
}

constexpr int kHistoryLimit = 2000;

volatile std::sig_atomic_t g_interrupts = 0;

std::function<std::vector<std::string>()> g_completion_words;

#if DOSQL_SHELL_HAVE_EDITLINE
std::vector<std::string> g_matches;
size_t g_next_match = 0;

char* CompletionGenerator(const char* text, int state) {
  if (state == 0) {
    // "t.col": complete the part after the last dot, keep what is before it.
    std::string_view word = text;
    size_t dot = word.rfind('.');
    std::string_view head = dot == std::string_view::npos ? "" : word.substr(0, dot + 1);
    g_matches =
        CompletionMatches(word.substr(head.size()),
                          g_completion_words ? g_completion_words() : std::vector<std::string>());
    for (std::string& m : g_matches) m.insert(0, head);
    g_next_match = 0;
  }
  if (g_next_match >= g_matches.size()) return nullptr;
  return strdup(g_matches[g_next_match++].c_str());
}

char** AttemptCompletion(const char* text, int, int) {
  // Dot-commands take file names (.import, .read, .output): libedit's file name completion.
  if (rl_line_buffer != nullptr && rl_line_buffer[0] == '.') {
    rl_attempted_completion_over = 0;
    return nullptr;
  }
  rl_attempted_completion_over = 1;  // SQL: no file name completion
  return rl_completion_matches(text, CompletionGenerator);
}
#endif

void OnInterrupt(int) {
  g_interrupts = g_interrupts + 1;
  if (g_interrupts > 2) _exit(1);
}

}  // namespace

void InstallInterruptHandler() {
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a read at the prompt returns with EINTR
  sigaction(SIGINT, &sa, nullptr);
}
int InterruptCount() { return g_interrupts; }
void ResetInterrupts() { g_interrupts = 0; }

ReadResult FileLineSource::ReadLine(std::string* line, bool continuation) {
  return ReadFileLine(file_, line) ? ReadResult::kLine : ReadResult::kEof;
}

void SetCompletionWords(std::function<std::vector<std::string>()> words) {
  g_completion_words = std::move(words);
}

std::vector<std::string> CompletionMatches(std::string_view prefix,
                                           const std::vector<std::string>& words) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  bool lower_prefix = !prefix.empty();
  for (char c : prefix) lower_prefix = lower_prefix && !(c >= 'A' && c <= 'Z');
  std::vector<std::string> out;
  for (const std::string& w : words) {
    if (w.size() < prefix.size()) continue;
    bool match = true;
    for (size_t i = 0; i < prefix.size() && match; i++) match = lower(w[i]) == lower(prefix[i]);
    if (!match) continue;
    bool upper_word = true;
    for (char c : w) upper_word = upper_word && !(c >= 'a' && c <= 'z');
    std::string m = w;
    if (lower_prefix && upper_word) {
      for (char& c : m) c = lower(c);
    }
    out.push_back(std::move(m));
  }
  return out;
}

bool HaveLineEditing() { return DOSQL_SHELL_HAVE_EDITLINE != 0; }

TerminalLineSource::TerminalLineSource(std::string prompt, std::string continuation_prompt)
    : prompt_(std::move(prompt)), continuation_prompt_(std::move(continuation_prompt)) {
  history_path_ = HistoryPath();
#if DOSQL_SHELL_HAVE_EDITLINE
  using_history();
  stifle_history(kHistoryLimit);
  rl_attempted_completion_function = AttemptCompletion;
  rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{(,";
  if (!history_path_.empty()) read_history(history_path_.c_str());
#endif
}

TerminalLineSource::~TerminalLineSource() {
#if DOSQL_SHELL_HAVE_EDITLINE
  if (!history_path_.empty()) {
    stifle_history(kHistoryLimit);
    write_history(history_path_.c_str());
  }
#endif
}

ReadResult TerminalLineSource::ReadLine(std::string* line, bool continuation) {
  const std::string& prompt = continuation ? continuation_prompt_ : prompt_;
  ResetInterrupts();
#if DOSQL_SHELL_HAVE_EDITLINE
  char* text = readline(prompt.c_str());
  if (text == nullptr) {
    // libedit's readline() returns NULL both at end of input and when SIGINT interrupts it.
    return InterruptCount() > 0 ? ReadResult::kInterrupted : ReadResult::kEof;
  }
  line->assign(text);
  if (*text != '\0') add_history(text);
  std::free(text);
  return ReadResult::kLine;
#else
  std::fputs(prompt.c_str(), stdout);
  std::fflush(stdout);
  if (ReadFileLine(stdin, line)) return ReadResult::kLine;
  if (InterruptCount() > 0) {
    std::clearerr(stdin);
    return ReadResult::kInterrupted;
  }
  return ReadResult::kEof;
#endif
}

}  // namespace dosql::shell
