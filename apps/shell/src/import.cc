// dosql shell — ".import FILE TABLE": CSV/ASCII field reading, the column definitions of a table
// made from a header row, and the command itself (sqlite3 3.40's rules; see import.h).
#include "import.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "shell.h"

namespace dosql::shell {
namespace {

constexpr size_t kReadChunk = 1 << 16;
constexpr int64_t kProgressRows = 100000;

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool EqualNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Progress on long imports: on when stderr is a terminal; DOSQL_PROGRESS=1 forces it on (tests),
// DOSQL_PROGRESS=0 off.
bool ProgressWanted() {
  if (const char* env = std::getenv("DOSQL_PROGRESS"); env != nullptr && *env != '\0') {
    return std::strcmp(env, "0") != 0;
  }
  return isatty(2) != 0;
}

}  // namespace

std::string EscapeIdentifier(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out;
}

FieldReader::FieldReader(FILE* in, std::string name, char col_sep, char row_sep, bool csv,
                         std::function<void(const std::string&)> warn)
    : in_(in),
      name_(std::move(name)),
      col_sep_(static_cast<unsigned char>(col_sep)),
      row_sep_(static_cast<unsigned char>(row_sep)),
      csv_(csv),
      warn_(std::move(warn)) {}

int FieldReader::Get() {
  if (buf_pos_ == buf_.size()) {
    buf_.resize(kReadChunk);
    size_t n = std::fread(buf_.data(), 1, kReadChunk, in_);
    buf_.resize(n);
    buf_pos_ = 0;
    if (n == 0) return EOF;
  }
  return static_cast<unsigned char>(buf_[buf_pos_++]);
}

std::string_view FieldReader::field() const {
  std::string_view z = z_;
  size_t nul = z.find('\0');
  return nul == std::string_view::npos ? z : z.substr(0, nul);
}

bool FieldReader::Read() {
  z_.clear();
  int c = Get();
  if (c == EOF || (stop_ && stop_())) {
    term_ = EOF;
    return false;
  }
  if (csv_) return ReadCsv(c);
  while (c != EOF && c != col_sep_ && c != row_sep_) {
    z_.push_back(static_cast<char>(c));
    c = Get();
  }
  if (c == row_sep_) line_++;
  term_ = c;
  return true;
}

// csv_read_one_field(), state machine and warnings included.
bool FieldReader::ReadCsv(int c) {
  constexpr int kQuote = '"';
  if (c == kQuote) {
    int pc = 0, ppc = 0;
    int64_t start_line = line_;
    while (true) {
      c = Get();
      if (c == row_sep_) line_++;
      if (c == kQuote && pc == kQuote) {
        pc = 0;
        continue;
      }
      if ((c == col_sep_ && pc == kQuote) || (c == row_sep_ && pc == kQuote) ||
          (c == row_sep_ && pc == '\r' && ppc == kQuote) || (c == EOF && pc == kQuote)) {
        // Drop the closing quote (and a '\r' after it).
        size_t q = z_.rfind('"');
        z_.resize(q == std::string::npos ? 0 : q);
        term_ = c;
        break;
      }
      if (pc == kQuote && c != '\r') {
        warn_(name_ + ":" + std::to_string(line_) + ": unescaped \" character\n");
      }
      if (c == EOF) {
        warn_(name_ + ":" + std::to_string(start_line) + ": unterminated \"-quoted field\n");
        term_ = c;
        break;
      }
      z_.push_back(static_cast<char>(c));
      ppc = pc;
      pc = c;
    }
  } else {
    // A UTF-8 byte order mark before the first field is skipped.
    if (c == 0xef && !not_first_) {
      z_.push_back(static_cast<char>(c));
      c = Get();
      if (c == 0xbb) {
        z_.push_back(static_cast<char>(c));
        c = Get();
        if (c == 0xbf) {
          not_first_ = true;
          return Read();
        }
      }
    }
    while (c != EOF && c != col_sep_ && c != row_sep_) {
      z_.push_back(static_cast<char>(c));
      c = Get();
    }
    if (c == row_sep_) {
      line_++;
      if (!z_.empty() && z_.back() == '\r') z_.pop_back();
    }
    term_ = c;
  }
  not_first_ = true;
  return true;
}

std::string AutoColumnDefs(const std::vector<std::string>& header, std::string* renames) {
  const size_t n = header.size();
  std::vector<std::string> names(n);
  for (size_t i = 0; i < n; i++) names[i] = header[i].empty() ? "?" : header[i];
  std::vector<bool> repeated(n, false);
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < n && !repeated[i]; j++) {
      repeated[i] = i != j && EqualNoCase(names[i], names[j]);
    }
  }
  // The suffix "_" + position: the fewest extra leading zeros that make every name unique (the
  // uniqueness test pads positions to the digits of the column count, as sqlite3 does).
  int digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : 5;
  auto suffix = [&](size_t i, int zeros, int width) {
    std::string pos = std::to_string(i + 1);
    if (static_cast<int>(pos.size()) < width) pos.insert(0, width - pos.size(), '0');
    return "_" + std::string(zeros, '0') + pos;
  };
  int zeros = 0;
  for (; zeros < 16; zeros++) {
    bool clash = false;
    for (size_t i = 0; i < n && !clash; i++) {
      std::string a = repeated[i] ? names[i] + suffix(i, zeros, digits) : names[i];
      for (size_t j = 0; j < n && !clash; j++) {
        if (i == j) continue;
        std::string b = repeated[j] ? names[j] + suffix(j, zeros, digits) : names[j];
        clash = EqualNoCase(a, b);
      }
    }
    if (!clash) break;
  }
  std::string defs = "(\n";
  renames->clear();
  for (size_t i = 0; i < n; i++) {
    std::string final_name = repeated[i] ? names[i] + suffix(i, zeros, 1) : names[i];
    if (i > 0) defs += i % 4 > 0 ? ", " : ",\n ";
    defs += "\"" + EscapeIdentifier(final_name) + "\" TEXT";
    if (repeated[i]) {
      if (!renames->empty()) renames->append(",\n");
      renames->append("\"" + EscapeIdentifier(names[i]) + "\" to \"" +
                      EscapeIdentifier(final_name) + "\"");
    }
  }
  defs += ")";
  return defs;
}

// sqlite3 3.40's ".import" (shell.c do_meta_command), step for step.
Shell::MetaResult Shell::CmdImport(const std::vector<std::string>& args) {
  std::string file, table, schema;
  int64_t skip = 0;
  int verbose = 0;
  bool csv = settings_.mode != Mode::kAscii;
  bool use_output_mode = true;
  char col_sep = 0, row_sep = 0;
  auto usage_error = [&](const std::string& text) {
    Out(text + "  Usage:\n");
    CmdHelp({"help", "import"});
    return kMetaError;
  };
  for (size_t i = 1; i < args.size(); i++) {
    std::string z = args[i];
    if (z.size() > 1 && z[0] == '-' && z[1] == '-') z = z.substr(1);
    if (z.empty() || z[0] != '-') {
      if (file.empty()) {
        file = z;
      } else if (table.empty()) {
        table = z;
      } else {
        return usage_error("ERROR: extra argument: \"" + z + "\".");
      }
    } else if (z == "-v") {
      verbose++;
    } else if (z == "-schema" && i + 1 < args.size()) {
      schema = args[++i];
    } else if (z == "-skip" && i + 1 < args.size()) {
      skip = std::atoll(args[++i].c_str());
    } else if (z == "-ascii") {
      col_sep = '\x1f';
      row_sep = '\x1e';
      csv = false;
      use_output_mode = false;
    } else if (z == "-csv") {
      col_sep = ',';
      row_sep = '\n';
      csv = true;
      use_output_mode = false;
    } else {
      return usage_error("ERROR: unknown option: \"" + z + "\".");
    }
  }
  if (table.empty()) {
    // (sqlite3 puts one space before "Usage:" here, two after the other errors)
    Out(std::string("ERROR: missing ") + (file.empty() ? "FILE" : "TABLE") + " argument. Usage:\n");
    CmdHelp({"help", "import"});
    return kMetaError;
  }
  ResetInterrupts();
  if (use_output_mode) {
    // The separators of the output mode (".mode csv" imports CSV).
    std::string rsep = settings_.row_sep;
    if (settings_.col_sep.empty()) {
      Err("Error: non-null column separator required for import\n");
      return kMetaError;
    }
    if (settings_.col_sep.size() > 1) {
      Err("Error: multi-character column separators not allowed for import\n");
      return kMetaError;
    }
    if (rsep.empty()) {
      Err("Error: non-null row separator required for import\n");
      return kMetaError;
    }
    if (rsep == "\r\n" && settings_.mode == Mode::kCsv) rsep = "\n";
    if (rsep.size() > 1) {
      Err("Error: multi-character row separators not allowed for import\n");
      return kMetaError;
    }
    col_sep = settings_.col_sep[0];
    row_sep = rsep[0];
  }
  FILE* in = nullptr;
  bool pipe = file[0] == '|';
  in = pipe ? popen(file.c_str() + 1, "r") : std::fopen(file.c_str(), "rb");
  if (in == nullptr) {
    Err("Error: cannot open \"" + file + "\"\n");
    return kMetaError;
  }
  struct Closer {
    FILE* f;
    bool pipe;
    ~Closer() { pipe ? pclose(f) : std::fclose(f); }
  } closer{in, pipe};
  if (verbose >= 2 || (verbose >= 1 && use_output_mode)) {
    Out("Column separator " + CString(std::string(1, col_sep)) + ", row separator " +
        CString(std::string(1, row_sep)) + "\n");
  }
  FieldReader reader(in, pipe ? "<pipe>" : file, col_sep, row_sep, csv,
                     [this](const std::string& text) { Err(text); });
  reader.set_stop([] { return InterruptCount() > 0; });
  while (skip-- > 0) {
    while (reader.Read() && reader.term() == col_sep) {
    }
  }
  std::string full_name =
      schema.empty() ? "\"" + EscapeIdentifier(table) + "\""
                     : "\"" + EscapeIdentifier(schema) + "\".\"" + EscapeIdentifier(table) + "\"";
  if (!conn_) {
    Err("Error: no database is open\n");
    return kMetaError;
  }
  const std::string select = "SELECT * FROM " + full_name;
  auto probe = conn_->Prepare(select);
  if (!probe.ok() && probe.status().message().rfind("no such table: ", 0) == 0) {
    // A new table: the first row names its columns.
    std::vector<std::string> header;
    while (reader.Read()) {
      header.emplace_back(reader.field());
      if (reader.term() != col_sep) break;
    }
    if (header.empty()) {
      Err(reader.name() + ": empty file\n");
      return kMetaError;
    }
    std::string renames;
    std::string create = "CREATE TABLE " + full_name + AutoColumnDefs(header, &renames) + "\n";
    if (!renames.empty()) {
      std::string text = "Columns renamed during .import " + reader.name() +
                         " due to duplicates:\n" + renames + "\n";
      if (interactive_ && input_nesting_ == 1) {
        Out(text);
      } else {
        Err(text);
      }
    }
    if (verbose >= 1) Out(create + "\n");
    Status s = conn_->Exec(create);
    if (!s.ok()) {
      Err(create + " failed:\n" + s.message() + "\n");
      return kMetaError;
    }
    probe = conn_->Prepare(select);
  }
  if (!probe.ok()) {
    Err("Error: " + probe.status().message() + "\n");
    return kMetaError;
  }
  const int ncol = *probe ? (*probe)->column_count() : 0;
  if (*probe) probe->reset();
  if (ncol == 0) return kMetaOk;
  std::string insert = "INSERT INTO " + full_name + " VALUES(?";
  for (int i = 1; i < ncol; i++) insert += ",?";
  insert += ")";
  if (verbose >= 2) Out("Insert using: " + insert + "\n");
  auto prepared = conn_->Prepare(insert);
  if (!prepared.ok()) {
    Err("Error: " + prepared.status().message() + "\n");
    return kMetaError;
  }
  std::unique_ptr<Statement> stmt = std::move(prepared).value();
  const bool need_commit = conn_->autocommit();
  if (need_commit) (void)conn_->Exec("BEGIN");
  const bool progress = ProgressWanted();
  bool progress_shown = false;
  int64_t rows = 0, errors = 0;
  const std::string& name = reader.name();
  do {
    const int64_t start_line = reader.line();
    int i = 0;
    for (; i < ncol; i++) {
      bool got = reader.Read();
      if (!got && i == 0) break;
      // sqlite3 tests the output mode here, not the --ascii option.
      if (settings_.mode == Mode::kAscii && (!got || reader.field().empty()) && i == 0) break;
      (void)stmt->Bind(i + 1, got ? Value::Text(std::string(reader.field())) : Value());
      if (i < ncol - 1 && reader.term() != col_sep) {
        Err(name + ":" + std::to_string(start_line) + ": expected " + std::to_string(ncol) +
            " columns but found " + std::to_string(i + 1) + " - filling the rest with NULL\n");
        for (i += 2; i <= ncol; i++) (void)stmt->Bind(i, Value());
      }
    }
    if (reader.term() == col_sep) {
      do {
        reader.Read();
        i++;
      } while (reader.term() == col_sep);
      Err(name + ":" + std::to_string(start_line) + ": expected " + std::to_string(ncol) +
          " columns but found " + std::to_string(i) + " - extras ignored\n");
    }
    if (i >= ncol) {
      auto stepped = stmt->Step();
      Status reset = stmt->Reset();
      Status s = stepped.ok() ? reset : stepped.status();
      if (!s.ok()) {
        Err(name + ":" + std::to_string(start_line) + ": INSERT failed: " + s.message() + "\n");
        errors++;
      } else if (++rows % kProgressRows == 0 && progress) {
        std::fprintf(stderr, "\rimported %lld rows...", static_cast<long long>(rows));
        std::fflush(stderr);
        progress_shown = true;
      }
    }
  } while (reader.term() != EOF);
  if (progress_shown) std::fprintf(stderr, "\r%*s\r", 40, "");
  stmt.reset();
  if (need_commit) {
    Status s = conn_->Exec("COMMIT");
    if (!s.ok()) {
      Err("Error: " + s.message() + "\n");
      return kMetaError;
    }
  }
  if (verbose > 0) {
    Out("Added " + std::to_string(rows) + " rows with " + std::to_string(errors) +
        " errors using " + std::to_string(reader.line() - 1) + " lines of input\n");
  }
  return kMetaOk;
}

}  // namespace dosql::shell
