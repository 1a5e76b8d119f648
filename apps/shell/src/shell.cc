#include "shell.h"

#include <strings.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include "complete.h"
#include "dosql/engine/format.h"
#include "dosql/parser/token.h"

#ifndef DOSQL_SHELL_VERSION
#define DOSQL_SHELL_VERSION "0.0.0"
#endif

namespace dosql::shell {
namespace {

constexpr size_t kFlushBytes = 1 << 16;

bool IsSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && IsSpace(static_cast<unsigned char>(s[pos]))) pos++;
  return pos;
}

// SQLite's primary result code for a failed Status: what sqlite3 appends as " (N)" when it is
// above SQLITE_ERROR, and its exit status for a failed SQL argument.
int ResultCode(const Status& s) {
  const std::string& m = s.message();
  if (m.rfind("datatype mismatch", 0) == 0) return 20;       // SQLITE_MISMATCH
  if (m.rfind("string or blob too big", 0) == 0) return 18;  // SQLITE_TOOBIG
  if (m.rfind("interrupted", 0) == 0) return 9;              // SQLITE_INTERRUPT
  switch (s.code()) {
    case StatusCode::kOk:
      return 0;
    case StatusCode::kInternal:
      return 2;  // SQLITE_INTERNAL
    case StatusCode::kAborted:
      return 4;  // SQLITE_ABORT
    case StatusCode::kNoMemory:
      return 7;  // SQLITE_NOMEM
    case StatusCode::kBusy:
      return 5;  // SQLITE_BUSY
    case StatusCode::kReadOnly:
      return 8;  // SQLITE_READONLY
    case StatusCode::kIOError:
      return 10;  // SQLITE_IOERR
    case StatusCode::kCorruption:
      return 11;  // SQLITE_CORRUPT
    case StatusCode::kNoSpace:
      return 13;  // SQLITE_FULL
    case StatusCode::kConstraint:
      return 19;  // SQLITE_CONSTRAINT
    default:
      return 1;  // SQLITE_ERROR
  }
}

std::string ErrorText(std::string_view phase, const Status& s) {
  std::string out(phase);
  out.append(", ");
  out.append(s.message());
  int rc = ResultCode(s);
  if (rc > 1) out.append(" (" + std::to_string(rc) + ")");
  return out;
}

// sqlite3's shell_error_context(): up to 78 bytes of the statement around the error, white
// space shown as blanks, and a caret under the error. dosql places the caret by characters
// (sqlite3 counts bytes, which misplaces it after non-ASCII text).
std::string ErrorContext(std::string_view sql, int offset) {
  if (offset < 0) return "";
  size_t nul = sql.find('\0');
  if (nul != std::string_view::npos) sql = sql.substr(0, nul);
  size_t pos = std::min(static_cast<size_t>(offset), sql.size());
  size_t start = 0;
  auto cont = [&](size_t i) {
    return i < sql.size() && (static_cast<unsigned char>(sql[i]) & 0xc0) == 0x80;
  };
  while (pos - start > 50) {
    start++;
    while (cont(start)) start++;
  }
  size_t len = std::min<size_t>(sql.size() - start, 78);
  if (len == 78) {
    while (len > 0 && cont(start + len)) len--;
  }
  std::string code(sql.substr(start, len));
  for (char& c : code) {
    if (IsSpace(static_cast<unsigned char>(c))) c = ' ';
  }
  int col = Utf8Chars(sql.substr(start, pos - start));
  std::string out = "\n  " + code + "\n  ";
  if (col < 25) {
    out.append(static_cast<size_t>(col), ' ');
    out.append("^--- error here");
  } else {
    out.append(static_cast<size_t>(col - 14), ' ');
    out.append("error here ---^");
  }
  return out;
}

// The engine's syntax errors say "at line L, column C" counted from the start of the text that
// was prepared (one statement of the buffer). Rewrites that to the position in the user's
// input: `sql` begins at line `first_line`, `first_col` characters into that line.
std::string RebasePosition(const std::string& message, std::string_view sql, size_t offset,
                           int64_t first_line, int first_col) {
  static constexpr std::string_view kLine = " at line ";
  static constexpr std::string_view kColumn = ", column ";
  size_t at = message.rfind(kLine);
  while (at != std::string::npos) {
    size_t p = at + kLine.size();
    size_t digits = p;
    while (p < message.size() && std::isdigit(static_cast<unsigned char>(message[p]))) p++;
    if (p > digits && message.compare(p, kColumn.size(), kColumn) == 0) {
      p += kColumn.size();
      size_t col_digits = p;
      while (p < message.size() && std::isdigit(static_cast<unsigned char>(message[p]))) p++;
      if (p > col_digits) {
        offset = std::min(offset, sql.size());
        std::string_view before = sql.substr(0, offset);
        size_t nl = before.rfind('\n');
        int64_t line = first_line + std::count(before.begin(), before.end(), '\n');
        int64_t col = nl == std::string_view::npos ? first_col + Utf8Chars(before) + 1
                                                   : Utf8Chars(before.substr(nl + 1)) + 1;
        return message.substr(0, at) + " at line " + std::to_string(line) + ", column " +
               std::to_string(col) + message.substr(p);
      }
    }
    if (at == 0) break;
    at = message.rfind(kLine, at - 1);
  }
  return message;
}

// sqlite3's resolve_backslashes(): \a \b \t \n \v \f \r \" \' \\ and octal \NNN.
std::string ResolveBackslashes(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); i++) {
    char c = in[i];
    if (c != '\\' || i + 1 >= in.size()) {
      out.push_back(c);
      continue;
    }
    c = in[++i];
    switch (c) {
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case '"':
        out.push_back('"');
        break;
      case '\'':
        out.push_back('\'');
        break;
      case '\\':
        out.push_back('\\');
        break;
      default:
        if (c >= '0' && c <= '7') {
          int v = c - '0';
          for (int k = 0; k < 2 && i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '7'; k++) {
            v = v * 8 + (in[++i] - '0');
          }
          out.push_back(static_cast<char>(v));
        } else {
          out.push_back('\\');
          out.push_back(c);
        }
    }
  }
  return out;
}

// Splits a dot-command line into arguments as sqlite3 does: white space separates them;
// '...' is literal; "..." and bare words resolve backslash escapes.
std::vector<std::string> SplitMetaArgs(std::string_view line) {
  std::vector<std::string> args;
  size_t h = 0;
  while (h < line.size()) {
    while (h < line.size() && IsSpace(static_cast<unsigned char>(line[h]))) h++;
    if (h >= line.size()) break;
    char c = line[h];
    if (c == '\'' || c == '"') {
      char delim = c;
      size_t start = ++h;
      while (h < line.size() && line[h] != delim) {
        if (line[h] == '\\' && delim == '"' && h + 1 < line.size()) h++;
        h++;
      }
      std::string_view arg = line.substr(start, h - start);
      if (h < line.size()) h++;
      args.push_back(delim == '"' ? ResolveBackslashes(arg) : std::string(arg));
    } else {
      size_t start = h;
      while (h < line.size() && !IsSpace(static_cast<unsigned char>(line[h]))) h++;
      args.push_back(ResolveBackslashes(line.substr(start, h - start)));
    }
  }
  return args;
}

// True if `word` is a prefix of `command` at least `min` characters long.
bool Matches(const std::string& word, const char* command, size_t min = 1) {
  size_t n = word.size();
  return n >= min && n <= std::strlen(command) && std::strncmp(word.c_str(), command, n) == 0;
}

double TimeDiff(const timeval& a, const timeval& b) {
  return (b.tv_usec - a.tv_usec) * 0.000001 + static_cast<double>(b.tv_sec - a.tv_sec);
}

int64_t NowMillis() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

constexpr const char* kUsageHead =
    "Usage: dosql [OPTIONS] [FILE] [SQL...]\n"
    "FILE is the path of a dosql database (a directory, created if it does not\n"
    "exist). Without FILE, or with \":memory:\", dosql opens a transient in-memory\n"
    "database. SQL arguments (and -c SQL) run in order, then dosql exits;\n"
    "otherwise SQL and dot-commands are read from standard input.\n";

constexpr const char* kOptions =
    "OPTIONS include:\n"
    "   -ascii               set output mode to 'ascii'\n"
    "   -bail                stop after hitting an error\n"
    "   -batch               force batch I/O\n"
    "   -box                 set output mode to 'box'\n"
    "   -c SQL               run SQL (like an SQL argument), then exit\n"
    "   -cmd COMMAND         run \"COMMAND\" before reading stdin\n"
    "   -column              set output mode to 'column'\n"
    "   -csv                 set output mode to 'csv'\n"
    "   -echo                print inputs before execution\n"
    "   -[no]header          turn headers on or off\n"
    "   -help                show this message\n"
    "   -html                set output mode to HTML\n"
    "   -interactive         force interactive I/O\n"
    "   -json                set output mode to 'json'\n"
    "   -line                set output mode to 'line'\n"
    "   -list                set output mode to 'list'\n"
    "   -markdown            set output mode to 'markdown'\n"
    "   -newline SEP         set output row separator. Default: '\\n'\n"
    "   -nullvalue TEXT      set text string for NULL values. Default ''\n"
    "   -quote               set output mode to 'quote'\n"
    "   -readonly            open the database read-only\n"
    "   -separator SEP       set output column separator. Default: '|'\n"
    "   -table               set output mode to 'table'\n"
    "   -tabs                set output mode to 'tabs'\n"
    "   -version             show dosql version\n";

struct HelpLine {
  const char* text;
};
constexpr HelpLine kHelp[] = {
    {".bail on|off             Stop after hitting an error.  Default OFF"},
    {".changes on|off          Show number of rows changed by SQL"},
    {".databases               List names and files of attached databases"},
    {".dump ?OBJECTS?          Render database content as SQL"},
    {"   Options:"},
    {"     --data-only            Output only INSERT statements"},
    {"     --newlines             Allow unescaped newline characters in output"},
    {"     --nosys                Omit system tables (ex: \"sqlite_stat1\")"},
    {"     --preserve-rowids      Include ROWID values in the output"},
    {"   OBJECTS is a LIKE pattern for tables, indexes, triggers or views to dump"},
    {"   Additional LIKE patterns can be given in subsequent arguments"},
    {".echo on|off             Turn command echo on or off"},
    {".exit ?CODE?             Exit this program with return-code CODE"},
    {".explain ?on|off|auto?   Change the EXPLAIN formatting mode.  Default: auto"},
    {".headers on|off          Turn display of headers on or off"},
    {".help ?PATTERN?          Show help text for PATTERN"},
    {".import FILE TABLE       Import data from FILE into TABLE"},
    {"   Options:"},
    {"     --ascii               Use \\037 and \\036 as column and row separators"},
    {"     --csv                 Use , and \\n as column and row separators"},
    {"     --skip N              Skip the first N rows of input"},
    {"     --schema S            Target table to be S.TABLE"},
    {"     -v                    \"Verbose\" - increase auxiliary output"},
    {"   Notes:"},
    {"     *  If TABLE does not exist, it is created.  The first row of input"},
    {"        determines the column names."},
    {"     *  If neither --csv or --ascii are used, the input mode is derived"},
    {"        from the \".mode\" output mode"},
    {"     *  If FILE begins with \"|\" then it is a command that generates the"},
    {"        input text."},
    {".indexes ?TABLE?         Show names of indexes"},
    {".mode MODE ?OPTIONS?     Set output mode"},
    {"   MODE is one of:"},
    {"     ascii       Columns/rows delimited by 0x1F and 0x1E"},
    {"     box         Tables using unicode box-drawing characters"},
    {"     csv         Comma-separated values"},
    {"     column      Output in columns.  (See .width)"},
    {"     html        HTML <table> code"},
    {"     insert      SQL insert statements for TABLE"},
    {"     json        Results in a JSON array"},
    {"     line        One value per line"},
    {"     list        Values delimited by \"|\""},
    {"     markdown    Markdown table format"},
    {"     qbox        Shorthand for \"box --wrap 60 --quote\""},
    {"     quote       Escape answers as for SQL"},
    {"     table       ASCII-art table"},
    {"     tabs        Tab-separated values"},
    {"   OPTIONS: (for columnar modes)"},
    {"     --wrap N       Wrap output lines to no longer than N characters"},
    {"     --wordwrap B   Wrap or not at word boundaries per B (on/off)"},
    {"     --ww           Shorthand for \"--wordwrap 1\""},
    {"     --quote        Quote output text as SQL literals"},
    {"     --noquote      Do not quote output text"},
    {".nullvalue STRING        Use STRING in place of NULL values"},
    {".once ?OPTIONS? ?FILE?   Output for the next SQL command only to FILE"},
    {"     If FILE begins with '|' then open as a pipe"},
    {"       --bom  Put a UTF8 byte-order mark at the beginning"},
    {".open ?FILE?             Close existing database and reopen FILE"},
    {".output ?FILE?           Send output to FILE or stdout if FILE is omitted"},
    {"   If FILE begins with '|' then open it as a pipe."},
    {"   Options:"},
    {"     --bom                 Prefix output with a UTF8 byte-order mark"},
    {".print STRING...         Print literal STRING"},
    {".quit                    Exit this program"},
    {".read FILE               Read input from FILE"},
    {".schema ?PATTERN?        Show the CREATE statements matching PATTERN"},
    {".separator COL ?ROW?     Change the column and row separators"},
    {".show                    Show the current values for various settings"},
    {".tables ?TABLE?          List names of tables matching LIKE pattern TABLE"},
    {".timer on|off            Turn SQL timer on or off"},
    {".version                 Show the dosql version"},
};

}  // namespace

Shell::Shell() = default;
Shell::~Shell() {
  ResetOutput();
  CloseDatabase();
}

void Shell::Out(std::string_view text) { std::fwrite(text.data(), 1, text.size(), out_); }
void Shell::Flush() {
  std::fflush(out_);
  if (out_ != stdout) std::fflush(stdout);
}
void Shell::Err(std::string_view text) {
  Flush();
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

bool Shell::BooleanValue(const std::string& arg) {
  auto all_of = [&](size_t from, int (*pred)(int)) {
    if (from >= arg.size()) return false;
    for (size_t k = from; k < arg.size(); k++) {
      if (!pred(static_cast<unsigned char>(arg[k]))) return false;
    }
    return true;
  };
  if (arg.size() > 2 && arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X') &&
      all_of(2, std::isxdigit)) {
    return std::strtoull(arg.c_str() + 2, nullptr, 16) != 0;
  }
  if (all_of(0, std::isdigit)) return std::strtoull(arg.c_str(), nullptr, 10) != 0;
  auto eq = [&](const char* w) { return strcasecmp(arg.c_str(), w) == 0; };
  if (eq("on") || eq("yes")) return true;
  if (eq("off") || eq("no")) return false;
  if (eq("true")) return true;
  if (eq("false")) return false;
  std::fflush(stdout);
  std::fprintf(stderr, "ERROR: Not a boolean value: \"%s\". Assuming \"no\".\n", arg.c_str());
  return false;
}

bool Shell::OpenDatabase(const std::string& path, bool report_errors) {
  CloseDatabase();
  std::string open_path = path.empty() ? ":memory:" : path;
  auto db = Database::Open(open_path, db_options_);
  if (!db.ok()) {
    if (report_errors) {
      Err("Error: unable to open database \"" + path + "\": " + db.status().message() + "\n");
    }
    return false;
  }
  auto conn = (*db)->Connect();
  if (!conn.ok()) {
    if (report_errors) {
      Err("Error: unable to open database \"" + path + "\": " + conn.status().message() + "\n");
    }
    (void)(*db)->Close();
    return false;
  }
  db_ = std::move(db).value();
  conn_ = std::move(conn).value();
  db_path_ = open_path;
  return true;
}

void Shell::CloseDatabase() {
  conn_.reset();
  if (db_) {
    Status s = db_->Close();
    if (!s.ok()) Err("Error: closing \"" + db_path_ + "\": " + s.message() + "\n");
    db_.reset();
  }
}

// ---------------------------------------------------------------------------------------------
// Running SQL
// ---------------------------------------------------------------------------------------------

int Shell::RunQueryPlan(Statement& stmt, std::string* err) {
  std::vector<PlanRow> rows;
  while (true) {
    auto stepped = stmt.Step();
    if (!stepped.ok()) {
      Out(RenderQueryPlan(rows));
      *err = ErrorText("stepping", stepped.status());
      return ResultCode(stepped.status());
    }
    if (!*stepped) break;
    PlanRow row;
    row.id = engine::ValueToInt64(stmt.column(0));
    row.parent = engine::ValueToInt64(stmt.column(1));
    ValueCText(stmt.column(3), &row.detail);
    rows.push_back(std::move(row));
  }
  Out(RenderQueryPlan(rows));
  return 0;
}

int Shell::RunStatement(Statement& stmt, const OutputSettings& settings, std::string* err) {
  const int ncol = stmt.column_count();
  Renderer renderer(settings);
  std::vector<std::string> names;
  if (ncol > 0) {
    for (int i = 0; i < ncol; i++) names.push_back(stmt.column_name(i));
    renderer.BeginStatement(names);
  }
  std::vector<Value> row(static_cast<size_t>(std::max(ncol, 0)));
  while (true) {
    auto stepped = stmt.Step();
    if (!stepped.ok()) {
      if (ncol > 0) renderer.EndStatement();
      Out(renderer.TakeOutput());
      *err = ErrorText("stepping", stepped.status());
      return ResultCode(stepped.status());
    }
    if (!*stepped) break;
    if (ncol > 0) {
      for (int i = 0; i < ncol; i++) row[i] = stmt.column(i);
      renderer.AddRow(row);
      if (renderer.pending_bytes() >= kFlushBytes) Out(renderer.TakeOutput());
    }
    if (InterruptCount() > 0) {
      (void)stmt.Reset();
      if (ncol > 0) renderer.EndStatement();
      Out(renderer.TakeOutput());
      *err = "stepping, interrupted (9)";
      return 9;
    }
  }
  if (ncol > 0) renderer.EndStatement();
  Out(renderer.TakeOutput());
  return 0;
}

int Shell::ExecSql(std::string_view sql, std::string* err, int64_t first_line, int first_col) {
  if (!conn_) {
    *err = "in prepare, no database is open";
    return 1;
  }
  size_t pos = SkipSpace(sql, 0);
  while (pos < sql.size() && sql[pos] != '\0') {
    std::string_view rest = sql.substr(pos);
    size_t tail = 0;
    auto prepared = conn_->Prepare(rest, &tail);
    if (!prepared.ok()) {
      Status status = prepared.status();
      int offset = conn_->error_offset();
      if (status.code() == StatusCode::kSyntaxError && offset >= 0) {
        status = Status(status.code(),
                        RebasePosition(status.message(), sql, pos + offset, first_line, first_col));
      }
      *err = ErrorText("in prepare", status) + ErrorContext(rest, offset);
      return ResultCode(status);
    }
    std::unique_ptr<Statement> stmt = std::move(prepared).value();
    if (stmt) {
      // Under ".explain auto" (sqlite3's autoExplain) EXPLAIN QUERY PLAN is drawn as a tree and
      // EXPLAIN is shown in the explain layout, whatever the output mode.
      int explain = auto_explain_ ? ExplainKind(rest.substr(0, tail)) : 0;
      int rc;
      if (explain == 2 && stmt->column_count() == 4) {
        rc = RunQueryPlan(*stmt, err);
      } else if (explain == 1) {
        OutputSettings layout = settings_;
        layout.mode = Mode::kExplain;
        rc = RunStatement(*stmt, layout, err);
      } else {
        rc = RunStatement(*stmt, settings_, err);
      }
      if (rc != 0) return rc;
    }
    if (tail == 0 || tail > rest.size()) break;
    pos = SkipSpace(sql, pos + tail);
  }
  return 0;
}

int Shell::RunSqlBuffer(const std::string& sql, int64_t start_line, int start_col,
                        bool from_terminal) {
  rusage ru_begin{};
  int64_t t_begin = 0;
  if (timer_) {
    t_begin = NowMillis();
    getrusage(RUSAGE_SELF, &ru_begin);
  }
  std::string err;
  // Interactive errors name no input line (as in sqlite3): positions count from the statement.
  int rc = from_terminal ? ExecSql(sql, &err, 1, 0) : ExecSql(sql, &err, start_line, start_col);
  if (timer_) {
    rusage ru_end{};
    getrusage(RUSAGE_SELF, &ru_end);
    char buf[160];
    std::snprintf(buf, sizeof(buf), "Run Time: real %.3f user %f sys %f\n",
                  static_cast<double>(NowMillis() - t_begin) * 0.001,
                  TimeDiff(ru_begin.ru_utime, ru_end.ru_utime),
                  TimeDiff(ru_begin.ru_stime, ru_end.ru_stime));
    Out(buf);
  }
  if (rc != 0 || !err.empty()) {
    std::string type = "Error";
    std::string tail = err;
    if (err.rfind("in prepare, ", 0) == 0) {
      type = "Parse error";
      tail = err.substr(12);
    } else if (err.rfind("stepping, ", 0) == 0) {
      type = "Runtime error";
      tail = err.substr(10);
    }
    std::string prefix =
        from_terminal ? type + ":" : type + " near line " + std::to_string(start_line) + ":";
    Err(prefix + " " + tail + "\n");
    return 1;
  }
  if (count_changes_ && conn_) {
    char buf[96];
    std::snprintf(buf, sizeof(buf), "changes: %lld   total_changes: %lld\n",
                  static_cast<long long>(conn_->changes()),
                  static_cast<long long>(conn_->total_changes()));
    Out(buf);
  }
  return 0;
}

bool Shell::ProcessInput(LineSource& in) {
  if (input_nesting_ >= 25) {
    Err("Input nesting limit (25) reached at line " + std::to_string(lineno_) +
        ". Check recursion.\n");
    return true;
  }
  input_nesting_++;
  const bool terminal = in.interactive();
  lineno_ = 0;
  int errors = 0;
  std::string line;
  std::string sql;
  int64_t start_line = 0;
  int start_col = 0;
  while (errors == 0 || !bail_ || terminal) {
    Flush();
    ReadResult read = in.ReadLine(&line, !sql.empty());
    if (read == ReadResult::kInterrupted) {
      // Ctrl-C at the prompt: drop what was typed so far and prompt again.
      std::fputs("\n", stdout);
      sql.clear();
      continue;
    }
    if (read == ReadResult::kEof) {
      if (terminal) std::fputs("\n", stdout);
      break;
    }
    if (InterruptCount() > 0) {
      if (!terminal) break;
      ResetInterrupts();
    }
    lineno_++;
    if (sql.empty() && IsBlankSql(line)) {
      if (echo_) Out(line + "\n");
      continue;
    }
    if (sql.empty() && !line.empty() && (line[0] == '.' || line[0] == '#')) {
      if (echo_) Out(line + "\n");
      if (line[0] == '.') {
        MetaResult r = DoMetaCommand(line);
        if (r == kMetaExit || exit_all_) break;
        if (r != kMetaOk) errors++;
      }
      continue;
    }
    if (sql.empty()) {
      size_t i = SkipSpace(line, 0);
      sql.assign(line, i, std::string::npos);
      start_line = lineno_;
      start_col = Utf8Chars(std::string_view(line).substr(0, i));
    } else {
      sql.push_back('\n');
      sql.append(line);
    }
    if (IsCompleteSql(sql)) {
      if (echo_) Out(sql + "\n");
      errors += RunSqlBuffer(sql, start_line, start_col, terminal);
      sql.clear();
      if (out_count_ > 0) ResetOutput();  // ".once" output ends with this statement
    } else if (IsBlankSql(sql)) {
      if (echo_) Out(sql + "\n");
      sql.clear();
    }
  }
  if (!sql.empty() && (errors == 0 || !bail_ || terminal)) {
    // Incomplete text at the end of the input: let the parser report what is missing.
    if (echo_) Out(sql + "\n");
    errors += RunSqlBuffer(sql, start_line, start_col, terminal);
    if (out_count_ > 0) ResetOutput();
  }
  Flush();
  input_nesting_--;
  return errors > 0;
}

// ---------------------------------------------------------------------------------------------
// Dot-commands
// ---------------------------------------------------------------------------------------------

bool Shell::QueryRows(const std::string& sql, const std::vector<Value>& params,
                      std::vector<std::vector<Value>>* rows, std::vector<std::string>* names) {
  if (!conn_) {
    Err("Error: no database is open\n");
    return false;
  }
  auto prepared = conn_->Prepare(sql);
  if (!prepared.ok()) {
    Err("Error: " + prepared.status().message() + "\n");
    return false;
  }
  std::unique_ptr<Statement> stmt = std::move(prepared).value();
  if (!stmt) return true;
  for (size_t i = 0; i < params.size(); i++) {
    Status s = stmt->Bind(static_cast<int>(i + 1), params[i]);
    if (!s.ok()) {
      Err("Error: " + s.message() + "\n");
      return false;
    }
  }
  if (names) {
    names->clear();
    for (int i = 0; i < stmt->column_count(); i++) names->push_back(stmt->column_name(i));
  }
  while (true) {
    auto stepped = stmt->Step();
    if (!stepped.ok()) {
      Err("Error: " + stepped.status().message() + "\n");
      return false;
    }
    if (!*stepped) break;
    std::vector<Value> row;
    for (int i = 0; i < stmt->column_count(); i++) row.push_back(stmt->column(i));
    rows->push_back(std::move(row));
  }
  return true;
}

Shell::MetaResult Shell::DoMetaCommand(const std::string& line) {
  std::vector<std::string> args = SplitMetaArgs(std::string_view(line).substr(1));
  if (args.empty()) return kMetaOk;
  MetaResult r = DispatchMetaCommand(args);
  // ".once" sets the count to 2: this command (the .once itself) and the next one.
  if (out_count_ > 0 && --out_count_ == 0) ResetOutput();
  return r;
}

Shell::MetaResult Shell::DispatchMetaCommand(const std::vector<std::string>& args) {
  const std::string& cmd = args[0];
  const size_t n = args.size();
  auto usage = [&](const char* text) {
    Err(std::string("Usage: ") + text + "\n");
    return kMetaError;
  };

  if (Matches(cmd, "bail")) {
    if (n != 2) return usage(".bail on|off");
    bail_ = BooleanValue(args[1]);
    return kMetaOk;
  }
  if (Matches(cmd, "changes", 2)) {
    if (n != 2) return usage(".changes on|off");
    count_changes_ = BooleanValue(args[1]);
    return kMetaOk;
  }
  if (Matches(cmd, "dump", 1)) return CmdDump(args);
  if (Matches(cmd, "explain", 3)) return CmdExplain(args);
  if (Matches(cmd, "import", 2)) return CmdImport(args);
  if (Matches(cmd, "once", 2)) return CmdOutput(args, true);
  if (Matches(cmd, "output", 2)) return CmdOutput(args, false);
  if (Matches(cmd, "echo", 1)) {
    if (n != 2) return usage(".echo on|off");
    echo_ = BooleanValue(args[1]);
    return kMetaOk;
  }
  if (Matches(cmd, "exit", 2)) {
    if (n > 1) {
      int code = std::atoi(args[1].c_str());
      if (code != 0) {
        // Like sqlite3: a nonzero code ends the program at once, also inside .read.
        exit_code_ = code;
        exit_all_ = true;
      }
    }
    return kMetaExit;
  }
  if (Matches(cmd, "headers", 1) || Matches(cmd, "header", 1)) {
    if (n != 2) return usage(".headers on|off");
    settings_.show_header = BooleanValue(args[1]);
    header_set_ = true;
    return kMetaOk;
  }
  if (Matches(cmd, "databases", 2)) return CmdDatabases();
  if (Matches(cmd, "help", 2)) return CmdHelp(args);
  if (Matches(cmd, "indexes", 1) || Matches(cmd, "indices", 1)) return CmdTables(args, true);
  if (Matches(cmd, "mode", 1)) return CmdMode(args);
  if (Matches(cmd, "nullvalue", 1)) {
    if (n != 2) return usage(".nullvalue STRING");
    settings_.null_value = args[1].substr(0, 19);
    return kMetaOk;
  }
  if (Matches(cmd, "open", 2)) return CmdOpen(args);
  if (Matches(cmd, "print", 2)) {
    std::string text;
    for (size_t i = 1; i < n; i++) {
      if (i > 1) text.push_back(' ');
      text.append(args[i]);
    }
    text.push_back('\n');
    Out(text);
    return kMetaOk;
  }
  if (Matches(cmd, "quit", 1)) return kMetaExit;
  if (Matches(cmd, "read", 2)) return CmdRead(args);
  if (Matches(cmd, "schema", 2)) return CmdSchema(args);
  if (Matches(cmd, "separator", 2)) {
    if (n < 2 || n > 3) {
      usage(".separator COL ?ROW?");
      if (n < 2) return kMetaError;
    }
    settings_.col_sep = args[1].substr(0, 19);
    if (n >= 3) settings_.row_sep = args[2].substr(0, 19);
    return n > 3 ? kMetaError : kMetaOk;
  }
  if (Matches(cmd, "show", 2)) return CmdShow();
  if (Matches(cmd, "tables", 2)) return CmdTables(args, false);
  if (Matches(cmd, "timer", 2)) {
    if (n != 2) return usage(".timer on|off");
    timer_ = BooleanValue(args[1]);
    return kMetaOk;
  }
  if (Matches(cmd, "version", 2)) {
    Out(std::string("dosql ") + DOSQL_SHELL_VERSION + "\n");
    return kMetaOk;
  }
  Err("Error: unknown command or invalid arguments:  \"" + cmd + "\". Enter \".help\" for help\n");
  return kMetaError;
}

Shell::MetaResult Shell::CmdMode(const std::vector<std::string>& args) {
  std::string mode_arg;
  std::string table_arg;
  // Options of the columnar modes; every .mode command starts from the defaults (sqlite3's
  // ColModeOpts_default), so ".mode box" alone resets --wrap to 60.
  int wrap = 60;
  bool word_wrap = false;
  bool quote = false;
  auto option = [](const std::string& z, const char* name) {
    std::string_view v = z;
    if (v.substr(0, 2) == "--") {
      v.remove_prefix(2);
    } else if (v.substr(0, 1) == "-") {
      v.remove_prefix(1);
    } else {
      return false;
    }
    return v == name;
  };
  for (size_t i = 1; i < args.size(); i++) {
    const std::string& z = args[i];
    if (option(z, "wrap") && i + 1 < args.size()) {
      wrap = std::atoi(args[++i].c_str());
    } else if (option(z, "ww")) {
      word_wrap = true;
    } else if (option(z, "wordwrap") && i + 1 < args.size()) {
      word_wrap = BooleanValue(args[++i]);
    } else if (option(z, "quote")) {
      quote = true;
    } else if (option(z, "noquote")) {
      quote = false;
    } else if (mode_arg.empty()) {
      mode_arg = z;
      if (z == "qbox") {  // box --wrap 60 --quote, options after it still apply
        mode_arg = "box";
        wrap = 60;
        quote = true;
      }
    } else if (table_arg.empty()) {
      table_arg = z;
    } else if (z[0] == '-') {
      Err("unknown option: " + z + "\n");
      return kMetaError;
    } else {
      Err("extra argument: \"" + z + "\"\n");
      return kMetaError;
    }
  }
  if (mode_arg.empty()) {
    // Print the mode, then apply it again as sqlite3 does (which resets its separators and
    // options).
    std::string text = "current output mode: " + std::string(ModeName(settings_.mode));
    if (IsColumnar(settings_.mode)) {
      text += " --wrap " + std::to_string(settings_.wrap) + " --wordwrap " +
              (settings_.word_wrap ? "on" : "off") + (settings_.quote ? " --quote" : " --noquote");
    }
    Out(text + "\n");
    mode_arg = std::string(ModeName(settings_.mode));
  }
  const std::string& m = mode_arg;
  auto set_columnar = [&](Mode mode) {
    settings_.mode = mode;
    settings_.wrap = wrap;
    settings_.word_wrap = word_wrap;
    settings_.quote = quote;
  };
  // Prefix matching in sqlite3's order (".mode c" is column, ".mode t" would be tcl).
  if (Matches(m, "lines", 3)) {
    settings_.mode = Mode::kLine;
    settings_.row_sep = "\n";
  } else if (Matches(m, "columns", 1)) {
    set_columnar(Mode::kColumn);
    if (!header_set_) settings_.show_header = true;
    settings_.row_sep = "\n";
  } else if (Matches(m, "list", 3)) {
    settings_.mode = Mode::kList;
    settings_.col_sep = "|";
    settings_.row_sep = "\n";
  } else if (Matches(m, "html", 1)) {
    settings_.mode = Mode::kHtml;
  } else if (Matches(m, "csv", 1)) {
    settings_.mode = Mode::kCsv;
    settings_.col_sep = ",";
    settings_.row_sep = "\r\n";
  } else if (Matches(m, "tabs", 2)) {
    settings_.mode = Mode::kList;
    settings_.col_sep = "\t";
  } else if (Matches(m, "insert", 1)) {
    settings_.mode = Mode::kInsert;
    settings_.insert_table = QuoteIdentifierIfNeeded(table_arg.empty() ? "table" : table_arg);
  } else if (Matches(m, "quote", 1)) {
    settings_.mode = Mode::kQuote;
    settings_.col_sep = ",";
    settings_.row_sep = "\n";
  } else if (Matches(m, "ascii", 1)) {
    settings_.mode = Mode::kAscii;
    settings_.col_sep = "\x1f";
    settings_.row_sep = "\x1e";
  } else if (Matches(m, "markdown", 1)) {
    set_columnar(Mode::kMarkdown);
  } else if (Matches(m, "table", 2)) {
    set_columnar(Mode::kTable);
  } else if (Matches(m, "box", 1)) {
    set_columnar(Mode::kBox);
  } else if (Matches(m, "count", 2)) {
    settings_.mode = Mode::kCount;
  } else if (Matches(m, "off", 1)) {
    settings_.mode = Mode::kOff;
  } else if (Matches(m, "json", 1)) {
    settings_.mode = Mode::kJson;
  } else {
    Err("Error: mode should be one of: ascii box column count csv html insert json line list "
        "markdown off qbox quote table tabs\n");
    return kMetaError;
  }
  return kMetaOk;
}

// sqlite3's ".databases": "NAME: FILE r/w" per database ("" for an in-memory one).
Shell::MetaResult Shell::CmdDatabases() {
  std::vector<std::vector<Value>> rows;
  if (!QueryRows("PRAGMA database_list", {}, &rows, nullptr)) return kMetaError;
  std::string out;
  for (const auto& row : rows) {
    std::string name, file;
    if (row.size() > 1) ValueCText(row[1], &name);
    if (row.size() > 2) ValueCText(row[2], &file);
    out += name + ": " + (file.empty() ? "\"\"" : file) +
           (db_options_.read_only ? " r/o\n" : " r/w\n");
  }
  Out(out);
  return kMetaOk;
}

Shell::MetaResult Shell::CmdTables(const std::vector<std::string>& args, bool indexes) {
  if (indexes && args.size() > 2) {
    Err("Usage: .indexes ?LIKE-PATTERN?\n");
    return kMetaError;
  }
  std::string sql;
  std::vector<Value> params;
  if (indexes) {
    sql = "SELECT name FROM sqlite_schema WHERE type='index' AND tbl_name LIKE ?1 ORDER BY 1";
  } else {
    sql =
        "SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE "
        "'sqlite_%' AND name LIKE ?1 ORDER BY 1";
  }
  params.push_back(Value::Text(args.size() > 1 ? args[1] : "%"));
  std::vector<std::vector<Value>> rows;
  if (!QueryRows(sql, params, &rows, nullptr)) return kMetaError;
  std::vector<std::string> names;
  for (const auto& row : rows) {
    std::string name;
    if (!row.empty()) ValueCText(row[0], &name);
    names.push_back(std::move(name));
  }
  if (names.empty()) return kMetaOk;
  // sqlite3's layout: columns filled top to bottom, as many as fit in 80 characters.
  size_t maxlen = 0;
  for (const auto& name : names) maxlen = std::max(maxlen, name.size());
  size_t ncol = std::max<size_t>(80 / (maxlen + 2), 1);
  size_t nrow = (names.size() + ncol - 1) / ncol;
  std::string out;
  for (size_t i = 0; i < nrow; i++) {
    for (size_t j = i; j < names.size(); j += nrow) {
      if (j >= nrow) out.append("  ");
      out.append(names[j]);
      out.append(maxlen - names[j].size(), ' ');
    }
    out.push_back('\n');
  }
  Out(out);
  return kMetaOk;
}

Shell::MetaResult Shell::CmdSchema(const std::vector<std::string>& args) {
  std::string pattern;
  for (size_t i = 1; i < args.size(); i++) {
    if (args[i] == "--indent" || args[i] == "--nosys") continue;
    if (!pattern.empty()) {
      Err("Usage: .schema ?--indent? ?--nosys? ?LIKE-PATTERN?\n");
      return kMetaError;
    }
    pattern = args[i];
  }
  std::string where;
  std::vector<Value> params;
  if (!pattern.empty()) {
    bool glob = pattern.find_first_of("*?[") != std::string::npos;
    where = glob ? "lower(tbl_name) GLOB ?1 AND " : "lower(tbl_name) LIKE ?1 ESCAPE '\\' AND ";
    params.push_back(Value::Text(pattern));
  }
  std::vector<std::vector<Value>> rows;
  std::string base = "SELECT sql, type, name FROM sqlite_schema WHERE " + where + "sql IS NOT NULL";
  // sqlite3 lists the schema in creation order (rowid); fall back if rowid is not offered.
  bool ok = false;
  {
    auto probe = conn_ ? conn_->Prepare(base + " ORDER BY rowid")
                       : Result<std::unique_ptr<Statement>>(Status::Internal("no database"));
    ok = probe.ok();
  }
  if (!QueryRows(ok ? base + " ORDER BY rowid" : base, params, &rows, nullptr)) return kMetaError;
  OutputSettings semi;
  semi.mode = Mode::kSemi;
  Renderer renderer(semi);
  renderer.BeginStatement({"sql"});
  for (auto& row : rows) {
    std::string sql, type, name;
    ValueCText(row[0], &sql);
    ValueCText(row[1], &type);
    ValueCText(row[2], &name);
    // sqlite3's shell_add_schema(): a view's column names follow its SQL as a comment.
    if (sql.rfind("CREATE VIEW ", 0) == 0) {
      auto view = conn_->Prepare("SELECT * FROM " + QuoteIdentifierIfNeeded(name));
      if (view.ok() && *view && (*view)->column_count() > 0) {
        std::string fake = QuoteIdentifierIfNeeded(name);
        for (int i = 0; i < (*view)->column_count(); i++) {
          fake += i == 0 ? "(" : ",";
          fake += QuoteIdentifierIfNeeded((*view)->column_name(i));
        }
        fake += ")";
        sql += "\n/* " + fake + " */";
      }
    }
    renderer.AddRow({Value::Text(sql)});
  }
  renderer.EndStatement();
  Out(renderer.TakeOutput());
  return kMetaOk;
}

Shell::MetaResult Shell::CmdRead(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    Err("Usage: .read FILE\n");
    return kMetaError;
  }
  FILE* f = std::fopen(args[1].c_str(), "rb");
  if (f == nullptr) {
    Err("Error: cannot open \"" + args[1] + "\"\n");
    return kMetaError;
  }
  int64_t saved_lineno = lineno_;
  FileLineSource source(f);
  bool failed = ProcessInput(source);
  std::fclose(f);
  lineno_ = saved_lineno;
  return failed ? kMetaError : kMetaOk;
}

Shell::MetaResult Shell::CmdOpen(const std::vector<std::string>& args) {
  std::string path;
  bool read_only = false;
  for (size_t i = 1; i < args.size(); i++) {
    if (args[i] == "--readonly" || args[i] == "-readonly") {
      read_only = true;
    } else if (args[i][0] == '-') {
      Err("unknown option: " + args[i] + "\n");
      return kMetaError;
    } else if (path.empty()) {
      path = args[i];
    } else {
      Err("extra argument: \"" + args[i] + "\"\n");
      return kMetaError;
    }
  }
  if (path.empty()) path = ":memory:";
  db_options_.read_only = read_only;
  if (!OpenDatabase(path, true)) {
    db_options_.read_only = false;
    // Like sqlite3, stay usable on a fresh in-memory database.
    OpenDatabase(":memory:", false);
    return kMetaError;
  }
  return kMetaOk;
}

Shell::MetaResult Shell::CmdShow() {
  auto line = [](const char* label, const std::string& value) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%12.12s: ", label);
    return std::string(buf) + value + "\n";
  };
  std::string out;
  out += line("echo", echo_ ? "on" : "off");
  out +=
      line("explain", !auto_explain_ ? (settings_.mode == Mode::kExplain ? "on" : "off") : "auto");
  out += line("headers", settings_.show_header ? "on" : "off");
  out += line("mode", std::string(ModeName(settings_.mode)));
  out += line("nullvalue", CString(settings_.null_value));
  out += line("output", out_name_.empty() ? "stdout" : out_name_);
  out += line("colseparator", CString(settings_.col_sep));
  out += line("rowseparator", CString(settings_.row_sep));
  out += line("timer", timer_ ? "on" : "off");
  out += line("bail", bail_ ? "on" : "off");
  out += line("filename", db_path_);
  Out(out);
  return kMetaOk;
}

Shell::MetaResult Shell::CmdHelp(const std::vector<std::string>& args) {
  std::string out;
  std::string_view current;  // the command the detail lines below belong to
  for (const HelpLine& h : kHelp) {
    std::string_view text = h.text;
    if (text[0] == '.') current = text.substr(1);
    if (args.size() > 1) {
      // The commands whose name starts with the pattern, with their detail lines.
      if (current.substr(0, args[1].size()) != args[1]) continue;
    } else if (text[0] != '.') {
      continue;
    }
    out.append(text);
    out.push_back('\n');
  }
  if (out.empty()) out = "Nothing matches '" + args[1] + "'\n";
  Out(out);
  return kMetaOk;
}

// sqlite3 3.40's ".dump": the tables (CREATE, then one INSERT per row in insert mode), then the
// indexes, triggers and views, all in sqlite_schema's order, in one transaction.
Shell::MetaResult Shell::CmdDump(const std::vector<std::string>& args) {
  std::string like;
  std::vector<Value> params;
  bool data_only = false, newlines = false, nosys = false, preserve_rowids = false;
  for (size_t i = 1; i < args.size(); i++) {
    std::string z = args[i];
    if (!z.empty() && z[0] == '-') {
      if (z.size() > 1 && z[1] == '-') z = z.substr(1);
      if (z == "-preserve-rowids") {
        preserve_rowids = true;
      } else if (z == "-newlines") {
        newlines = true;
      } else if (z == "-data-only") {
        data_only = true;
      } else if (z == "-nosys") {
        nosys = true;
      } else {
        Err("Unknown option \"" + args[i] + "\" on \".dump\"\n");
        return kMetaError;
      }
      continue;
    }
    params.push_back(Value::Text(args[i]));
    std::string expr = "name LIKE ?" + std::to_string(params.size()) + " ESCAPE '\\'";
    like = like.empty() ? expr : like + " OR " + expr;
  }
  if (like.empty()) like = "true";
  if (!conn_) {
    Err("Error: no database is open\n");
    return kMetaError;
  }
  // sqlite3 lists sqlite_schema in rowid (creation) order.
  const std::string order =
      conn_->Prepare("SELECT 1 FROM sqlite_schema ORDER BY rowid").ok() ? " ORDER BY rowid" : "";
  std::vector<std::vector<Value>> tables;
  std::string sql = "SELECT name, type, sql FROM sqlite_schema AS o WHERE (" + like +
                    ") AND type=='table' AND sql NOT NULL";
  sql += order.empty() ? " ORDER BY tbl_name='sqlite_sequence'"
                       : " ORDER BY tbl_name='sqlite_sequence', rowid";
  if (!QueryRows(sql, params, &tables, nullptr)) return kMetaError;
  if (!data_only) Out("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n");
  OutputSettings insert;
  insert.mode = Mode::kInsert;
  insert.newlines = newlines;
  int errors = 0;
  for (const auto& t : tables) {
    std::string name, text;
    ValueCText(t[0], &name);
    ValueCText(t[2], &text);
    std::string out;
    if (name == "sqlite_sequence" && !nosys) {
      if (!data_only) out = "DELETE FROM sqlite_sequence;\n";
    } else if (name.rfind("sqlite_stat", 0) == 0 && name.size() == 12 && !nosys) {
      if (!data_only) out = "ANALYZE sqlite_schema;\n";
    } else if (name.rfind("sqlite_", 0) == 0) {
      continue;
    } else if (!data_only) {
      AppendSchemaLine(text, &out);
    }
    Out(out);
    // The columns (sqlite3's tableColumnList), and the rowid if it is to be kept and is not an
    // INTEGER PRIMARY KEY column already.
    std::vector<std::vector<Value>> info;
    const std::string table = QuoteIdentifierIfNeeded(name);
    if (!QueryRows("PRAGMA table_info(" + table + ")", {}, &info, nullptr)) {
      errors++;
      continue;
    }
    std::string rowid;
    if (preserve_rowids) {
      int pk_count = 0;
      bool integer_pk = false;
      for (const auto& col : info) {
        if (engine::ValueToInt64(col[5]) == 0) continue;
        std::string type;
        ValueCText(col[2], &type);
        integer_pk = ++pk_count == 1 && strcasecmp(type.c_str(), "INTEGER") == 0;
      }
      bool keep = true;
      if (integer_pk) {
        // An INTEGER PRIMARY KEY is the rowid unless it is backed by an index (DESC, or
        // WITHOUT ROWID).
        std::vector<std::vector<Value>> pk;
        keep = QueryRows("SELECT 1 FROM pragma_index_list(?1) WHERE origin='pk'",
                         {Value::Text(name)}, &pk, nullptr) &&
               !pk.empty();
      }
      for (const char* candidate : {"rowid", "_rowid_", "oid"}) {
        if (!keep) break;
        bool taken = false;
        for (const auto& col : info) {
          std::string col_name;
          ValueCText(col[1], &col_name);
          taken = taken || strcasecmp(col_name.c_str(), candidate) == 0;
        }
        if (taken) continue;
        if (conn_->Prepare("SELECT " + std::string(candidate) + " FROM " + table).ok()) {
          rowid = candidate;
        }
        break;
      }
    }
    std::string columns;
    for (const auto& col : info) {
      std::string col_name;
      ValueCText(col[1], &col_name);
      if (!columns.empty()) columns += ",";
      columns += QuoteIdentifierIfNeeded(col_name);
    }
    insert.insert_table = rowid.empty() ? table : table + "(" + rowid + "," + columns + ")";
    std::string select = "SELECT " + (rowid.empty() ? "" : rowid + ",") +
                         (columns.empty() ? "*" : columns) + " FROM " + table;
    auto stmt = conn_->Prepare(select);
    std::string err;
    if (!stmt.ok()) {
      err = stmt.status().message();
    } else if (*stmt) {
      RunStatement(**stmt, insert, &err);
    }
    if (!err.empty()) {
      Err("Error: " + err + "\n");
      errors++;
    }
  }
  if (!data_only) {
    std::vector<std::vector<Value>> others;
    if (!QueryRows("SELECT sql FROM sqlite_schema AS o WHERE (" + like +
                       ") AND sql NOT NULL AND type IN ('index','trigger','view')" + order,
                   params, &others, nullptr)) {
      errors++;
    }
    std::string out;
    for (const auto& o : others) {
      std::string text;
      ValueCText(o[0], &text);
      out += text;
      // sqlite3's run_table_dump_query(): "--" anywhere in the text (it may be a line comment
      // at the end) puts the ';' on a line of its own.
      out += text.find("--") != std::string::npos ? "\n;\n" : ";\n";
    }
    out += errors > 0 ? "ROLLBACK; -- due to errors\n" : "COMMIT;\n";
    Out(out);
  }
  return errors > 0 ? kMetaError : kMetaOk;
}

// sqlite3's ".output"/".once": FILE, "|COMMAND" (the rest of the line), "stdout", "stderr";
// nothing is stdout. ".once" lasts for the next command only.
Shell::MetaResult Shell::CmdOutput(const std::vector<std::string>& args, bool once) {
  std::string file;
  bool bom = false;
  for (size_t i = 1; i < args.size(); i++) {
    const std::string& z = args[i];
    if (z[0] == '-') {
      if (z == "--bom" || z == "-bom") {
        bom = true;
        continue;
      }
      Out("ERROR: unknown option: \"" + z + "\".  Usage:\n");
      CmdHelp({"help", args[0]});
      return kMetaError;
    }
    if (!file.empty()) {
      Out("ERROR: extra parameter: \"" + z + "\".  Usage:\n");
      CmdHelp({"help", args[0]});
      return kMetaError;
    }
    file = z;
    if (file[0] == '|') {
      while (i + 1 < args.size()) file += " " + args[++i];
    }
  }
  if (file.empty()) file = "stdout";
  out_count_ = once ? 2 : 0;
  ResetOutput();
  FILE* f = nullptr;
  if (file[0] == '|') {
    Flush();
    f = popen(file.c_str() + 1, "w");
    if (f == nullptr) {
      Err("Error: cannot open pipe \"" + file.substr(1) + "\"\n");
      return kMetaError;
    }
    out_is_pipe_ = true;
  } else if (file == "stdout") {
    f = stdout;
  } else if (file == "stderr") {
    f = stderr;
  } else if (file != "off") {
    f = std::fopen(file.c_str(), "wb");
    if (f == nullptr) Err("Error: cannot open \"" + file + "\"\n");
  }
  if (f == nullptr) {
    // "off" as well: sqlite3 3.40 stays on stdout and reports failure.
    if (file != "off") Err("Error: cannot write to \"" + file + "\"\n");
    return kMetaError;
  }
  out_ = f;
  if (f != stdout) out_name_ = file;
  if (bom) Out("\xef\xbb\xbf");
  return kMetaOk;
}

void Shell::ResetOutput() {
  if (out_ != stdout) {
    if (out_is_pipe_) {
      pclose(out_);
    } else if (out_ == stderr) {
      std::fflush(stderr);
    } else {
      std::fclose(out_);
    }
  }
  out_ = stdout;
  out_is_pipe_ = false;
  out_name_.clear();
}

Shell::MetaResult Shell::CmdExplain(const std::vector<std::string>& args) {
  int val = 1;
  if (args.size() >= 2) val = args[1] == "auto" ? 99 : BooleanValue(args[1]) ? 1 : 0;
  if (val == 1 && settings_.mode != Mode::kExplain) {
    normal_mode_ = settings_.mode;
    settings_.mode = Mode::kExplain;
    auto_explain_ = false;
  } else if (val == 0 || val == 99) {
    if (settings_.mode == Mode::kExplain) settings_.mode = normal_mode_;
    auto_explain_ = val == 99;
  }
  return kMetaOk;
}

std::vector<std::string> Shell::CompletionWords() {
  std::vector<std::string> words;
  for (int k = 1; k <= parser::kKeywordCount; k++) {
    words.emplace_back(parser::KeywordText(static_cast<parser::Keyword>(k)));
  }
  std::vector<std::vector<Value>> rows;
  if (conn_ && conn_->Prepare("SELECT name FROM sqlite_schema").ok() &&
      QueryRows("SELECT name, type FROM sqlite_schema WHERE type IN ('table','view')", {}, &rows,
                nullptr)) {
    for (const auto& row : rows) {
      std::string name;
      ValueCText(row[0], &name);
      auto stmt = conn_->Prepare("SELECT * FROM " + QuoteIdentifierIfNeeded(name));
      words.push_back(std::move(name));
      if (!stmt.ok() || !*stmt) continue;
      for (int i = 0; i < (*stmt)->column_count(); i++) words.push_back((*stmt)->column_name(i));
    }
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

// ---------------------------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------------------------

int Shell::Main(int argc, char** argv) {
  std::string db_path;
  bool have_db = false;
  std::vector<std::string> commands;      // SQL arguments and -c
  std::vector<std::string> pre_commands;  // -cmd
  interactive_ = isatty(0) != 0;
  const std::string program = "dosql";

  auto need_value = [&](int& i, const std::string& opt) -> const char* {
    if (i + 1 >= argc) {
      Err(program + ": Error: missing argument to " + opt + "\n");
      std::exit(1);
    }
    return argv[++i];
  };

  for (int i = 1; i < argc; i++) {
    std::string z = argv[i];
    if (z.empty() || z[0] != '-' || z == "-") {
      if (!have_db) {
        db_path = z;
        have_db = true;
      } else {
        commands.push_back(z);
      }
      continue;
    }
    if (z.size() > 1 && z[1] == '-') z = z.substr(1);  // --option is -option
    if (z == "-bail") {
      bail_ = true;
    } else if (z == "-batch") {
      interactive_ = false;
    } else if (z == "-interactive") {
      interactive_ = true;
    } else if (z == "-box") {
      settings_.mode = Mode::kBox;
    } else if (z == "-table") {
      settings_.mode = Mode::kTable;
    } else if (z == "-markdown") {
      settings_.mode = Mode::kMarkdown;
    } else if (z == "-column") {
      settings_.mode = Mode::kColumn;
    } else if (z == "-csv") {
      settings_.mode = Mode::kCsv;
      settings_.col_sep = ",";
    } else if (z == "-json") {
      settings_.mode = Mode::kJson;
    } else if (z == "-line") {
      settings_.mode = Mode::kLine;
    } else if (z == "-list") {
      settings_.mode = Mode::kList;
    } else if (z == "-html") {
      settings_.mode = Mode::kHtml;
    } else if (z == "-quote") {
      settings_.mode = Mode::kQuote;
      settings_.col_sep = ",";
      settings_.row_sep = "\n";
    } else if (z == "-tabs") {
      settings_.mode = Mode::kList;
      settings_.col_sep = "\t";
    } else if (z == "-ascii") {
      settings_.mode = Mode::kAscii;
      settings_.col_sep = "\x1f";
      settings_.row_sep = "\x1e";
    } else if (z == "-separator") {
      settings_.col_sep = ResolveBackslashes(need_value(i, z)).substr(0, 19);
    } else if (z == "-newline") {
      settings_.row_sep = ResolveBackslashes(need_value(i, z)).substr(0, 19);
    } else if (z == "-nullvalue") {
      settings_.null_value = ResolveBackslashes(need_value(i, z)).substr(0, 19);
    } else if (z == "-header") {
      settings_.show_header = true;
      header_set_ = true;
    } else if (z == "-noheader") {
      settings_.show_header = false;
      header_set_ = true;
    } else if (z == "-echo") {
      echo_ = true;
    } else if (z == "-readonly") {
      db_options_.read_only = true;
    } else if (z == "-c") {
      commands.push_back(need_value(i, z));
    } else if (z == "-cmd") {
      pre_commands.push_back(need_value(i, z));
    } else if (z == "-version") {
      Out(std::string("dosql ") + DOSQL_SHELL_VERSION + "\n");
      return 0;
    } else if (z == "-help" || z == "-h") {
      Out(kUsageHead);
      Out(kOptions);
      return 0;
    } else {
      Err(program + ": Error: unknown option: " + argv[i] + "\nUse -help for a list of options.\n");
      return 1;
    }
  }
  if (!commands.empty()) interactive_ = false;

  InstallInterruptHandler();

  if (!OpenDatabase(have_db ? db_path : ":memory:", true)) return 1;
  db_path_ = have_db ? db_path : ":memory:";

  int rc = 0;
  for (const std::string& cmd : pre_commands) {
    if (!cmd.empty() && cmd[0] == '.') {
      MetaResult r = DoMetaCommand(cmd);
      if (r == kMetaExit) return exit_code_;
      if (r != kMetaOk && bail_) return r;
    } else {
      std::string err;
      int crc = ExecSql(cmd, &err, 1, 0);
      if (crc != 0 || !err.empty()) {
        Err("Error: " + err + "\n");
        if (bail_) return crc != 0 ? crc : 1;
      }
    }
  }

  if (!commands.empty()) {
    for (const std::string& cmd : commands) {
      if (!cmd.empty() && cmd[0] == '.') {
        MetaResult r = DoMetaCommand(cmd);
        if (r == kMetaExit) {
          rc = exit_code_;
          break;
        }
        if (r != kMetaOk) {
          rc = r;
          break;
        }
      } else {
        std::string err;
        int crc = ExecSql(cmd, &err, 1, 0);
        if (crc != 0 || !err.empty()) {
          Err("Error: " + err + "\n");
          rc = crc != 0 ? crc : 1;
          break;
        }
      }
    }
  } else if (interactive_) {
    std::string banner = std::string("dosql version ") + DOSQL_SHELL_VERSION +
                         "\nEnter \".help\" for usage hints.\n";
    if (db_->in_memory()) {
      banner +=
          "Connected to a transient in-memory database.\n"
          "Use \".open FILENAME\" to reopen on a persistent database.\n";
    }
    Out(banner);
    SetCompletionWords([this] { return CompletionWords(); });
    TerminalLineSource terminal("dosql> ", "   ...> ");
    rc = ProcessInput(terminal) ? 1 : 0;
  } else {
    FileLineSource source(stdin);
    rc = ProcessInput(source) ? 1 : 0;
  }
  if (exit_code_ != 0) rc = exit_code_;
  Flush();
  CloseDatabase();
  return rc;
}

}  // namespace dosql::shell
