#include "src/runner.h"

#include <strings.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <numeric>
#include <optional>
#include <unordered_map>
#include <utility>

#include "src/md5.h"
#include "src/render.h"

namespace dosql::slt {
namespace {

// Failure reports list at most this many values of a result unless verbose.
constexpr size_t kMaxShownValues = 100;

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> SplitOn(std::string_view line, char separator) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t end = line.find(separator, start);
    fields.emplace_back(line.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return fields;
}

// The expected block of a query, decoded.
struct Expected {
  bool is_hash = false;
  int64_t hash_count = 0;
  std::string hash;
  std::vector<std::string> values;
  bool row_per_line = false;  // DuckDB layout: one row per line
};

// Decodes the lines after "----". The original corpus writes one value per line; DuckDB writes a
// row per line with tab-separated columns (a rendered value never contains a tab, since control
// characters render as '@'). Lines of space-separated columns are accepted as rows when their
// number is not that of the values (`actual_count`, unknown for skipped queries).
Expected DecodeExpected(const std::vector<std::string>& lines, size_t columns,
                        std::optional<size_t> actual_count, SortMode sort_mode) {
  Expected e;
  if (lines.size() == 1 && ParseHashLine(lines[0], &e.hash_count, &e.hash)) {
    e.is_hash = true;
    return e;
  }
  bool has_tab = std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find('\t') != std::string::npos;
  });
  if (has_tab) {
    e.row_per_line = true;
  } else if (columns > 1 && actual_count && lines.size() != *actual_count) {
    e.row_per_line = std::all_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return Tokenize(l).size() == columns;
    });
  }
  if (!e.row_per_line) {
    e.values = lines;
  } else {
    for (const std::string& line : lines) {
      if (has_tab) {
        for (std::string& field : SplitOn(line, '\t')) e.values.push_back(std::move(field));
      } else {
        for (std::string_view field : Tokenize(line)) e.values.emplace_back(field);
      }
    }
  }
  SortValues(e.values, columns, sort_mode);
  return e;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  size_t total = 0;
  for (const auto& l : lines) total += l.size() + 1;
  out.reserve(total);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines[i];
  }
  return out;
}

// Shows values one per line, or one row per line with tab-separated columns.
std::string ShowValues(const std::vector<std::string>& values, size_t columns, bool row_per_line,
                       bool verbose) {
  size_t per_line = row_per_line ? std::max<size_t>(columns, 1) : 1;
  size_t shown = values.size();
  if (!verbose && shown > kMaxShownValues) shown = kMaxShownValues - kMaxShownValues % per_line;
  std::string out;
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) out += (i % per_line == 0) ? '\n' : '\t';
    out += values[i];
  }
  if (shown < values.size()) {
    out += "\n... (" + std::to_string(values.size() - shown) + " more values; --verbose shows all)";
  }
  return out;
}

// The expected block as written, for reports.
std::string ShowExpected(const std::vector<std::string>& lines) {
  return lines.empty() ? "(no rows)" : JoinLines(lines);
}

std::string HashLine(size_t count, const std::string& hash) {
  return std::to_string(count) + " values hashing to " + hash;
}

}  // namespace

void SortValues(std::vector<std::string>& values, size_t columns, SortMode mode) {
  if (mode == SortMode::kNoSort) return;
  if (mode == SortMode::kValueSort || columns <= 1) {
    std::sort(values.begin(), values.end());
    return;
  }
  size_t rows = values.size() / columns;
  std::vector<size_t> order(rows);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    for (size_t c = 0; c < columns; ++c) {
      int cmp = values[a * columns + c].compare(values[b * columns + c]);
      if (cmp != 0) return cmp < 0;
    }
    return false;
  });
  std::vector<std::string> sorted;
  sorted.reserve(values.size());
  for (size_t row : order) {
    for (size_t c = 0; c < columns; ++c) sorted.push_back(std::move(values[row * columns + c]));
  }
  // A partial last row (a malformed expected block) stays at the end.
  for (size_t i = rows * columns; i < values.size(); ++i) sorted.push_back(std::move(values[i]));
  values = std::move(sorted);
}

std::string HashValues(const std::vector<std::string>& values) {
  Md5 md5;
  for (const std::string& v : values) {
    md5.Update(v);
    md5.Update("\n");
  }
  return md5.FinishHex();
}

bool ParseHashLine(std::string_view line, int64_t* count, std::string* hash) {
  line = TrimRight(line);
  constexpr std::string_view kMiddle = " values hashing to ";
  size_t digits = 0;
  while (digits < line.size() && line[digits] >= '0' && line[digits] <= '9') ++digits;
  if (digits == 0 || digits > 18 || line.substr(digits, kMiddle.size()) != kMiddle) return false;
  std::string_view hex = line.substr(digits + kMiddle.size());
  if (hex.size() != 32) return false;
  std::string lower;
  for (char c : hex) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    lower += c;
  }
  *count = std::stoll(std::string(line.substr(0, digits)));
  *hash = std::move(lower);
  return true;
}

struct Runner::ScriptState {
  std::string name;
  FileSummary summary;
  int64_t hash_threshold = 8;
  bool skip_mode = false;
  bool stop = false;  // stop running this script
  struct LabelHash {
    std::string hash;
    int line = 0;
  };
  std::unordered_map<std::string, LabelHash> labels;
};

Runner::Runner(SltBackend* backend, RunnerOptions options, RunnerListener* listener)
    : backend_(backend), options_(std::move(options)), listener_(listener) {}

FileSummary Runner::RunFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ScriptState state;
    state.name = path;
    state.summary.file = path;
    Fail(state, nullptr, "cannot open script", "", "");
    return state.summary;
  }
  return RunScript(in, path);
}

FileSummary Runner::RunScript(std::istream& in, std::string_view name) {
  auto start = std::chrono::steady_clock::now();
  ScriptState state;
  state.name = std::string(name);
  state.summary.file = state.name;
  state.hash_threshold = options_.hash_threshold;

  if (Status st = backend_->Reset(); !st.ok()) {
    Fail(state, nullptr, "cannot start a new database", "", st.ToString());
    state.stop = true;
  }
  ScriptReader reader(in);
  Record record;
  while (!state.stop && !stopped_ && reader.Next(&record)) {
    const bool excluded = Excluded(record);
    switch (record.type) {
      case RecordType::kStatement:
      case RecordType::kQuery: {
        Outcome outcome;
        if (excluded || state.skip_mode) {
          outcome = Outcome::kSkipped;
          if (record.type == RecordType::kQuery && !RecordSkippedLabel(state, record)) {
            outcome = Outcome::kFailed;
          }
        } else {
          bool passed = record.type == RecordType::kStatement ? RunStatement(state, record)
                                                              : RunQuery(state, record);
          ++(record.type == RecordType::kStatement ? state.summary.statements
                                                   : state.summary.queries);
          outcome = passed ? Outcome::kPassed : Outcome::kFailed;
        }
        if (outcome == Outcome::kPassed) ++state.summary.passed;
        if (outcome == Outcome::kSkipped) ++state.summary.skipped;
        if (listener_ != nullptr) listener_->OnRecord(state.name, record, outcome);
        break;
      }
      case RecordType::kHashThreshold:
        if (!excluded) state.hash_threshold = record.hash_threshold;
        break;
      case RecordType::kHalt:
        if (!excluded) {
          state.summary.halted = true;
          state.stop = true;
        }
        break;
      case RecordType::kRestart:
        if (!excluded) {
          if (Status st = backend_->Restart(); !st.ok()) {
            Fail(state, &record, "restart failed", "", st.ToString());
            state.stop = true;
          }
        }
        break;
      case RecordType::kMode:
        if (!excluded) state.skip_mode = record.skip;
        break;
      case RecordType::kInvalid:
        if (!excluded) {
          Fail(state, &record, "malformed record: " + record.error, "", "");
          state.stop = true;
        }
        break;
    }
  }
  state.summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return state.summary;
}

bool Runner::Excluded(const Record& record) const {
  for (const Condition& condition : record.conditions) {
    bool match = std::any_of(options_.engine_names.begin(), options_.engine_names.end(),
                             [&](const std::string& n) { return SameName(n, condition.engine); });
    if (match != condition.only_if) return true;
  }
  return false;
}

void Runner::Fail(ScriptState& state, const Record* record, std::string message,
                  std::string expected, std::string got) {
  ++state.summary.failed;
  if (options_.fail_fast) stopped_ = true;
  if (listener_ == nullptr) return;
  Failure failure;
  failure.file = state.name;
  failure.line = record != nullptr ? record->line : 0;
  if (record != nullptr) failure.sql = record->sql;
  failure.message = std::move(message);
  failure.expected = std::move(expected);
  failure.got = std::move(got);
  listener_->OnFailure(failure);
}

bool Runner::RunStatement(ScriptState& state, const Record& record) {
  Status st = backend_->Execute(record.sql);
  if (!record.expect_error) {
    if (st.ok()) return true;
    Fail(state, &record, "statement failed", "ok", "error: " + st.message());
    return false;
  }
  std::string expected = "error";
  if (record.expected_error) expected += " containing: " + *record.expected_error;
  if (st.ok()) {
    Fail(state, &record, "statement succeeded but an error was expected", expected, "ok");
    return false;
  }
  if (record.expected_error && st.message().find(*record.expected_error) == std::string::npos) {
    Fail(state, &record, "wrong error message", expected, "error: " + st.message());
    return false;
  }
  return true;
}

bool Runner::RunQuery(ScriptState& state, const Record& record) {
  Result<QueryResult> result = backend_->Query(record.sql);
  if (!result.ok()) {
    Fail(state, &record, "query failed", ShowExpected(record.expected),
         "error: " + result.status().message());
    return false;
  }
  const size_t columns = record.types.size();
  if (result->column_count != columns || (columns > 0 && result->values.size() % columns != 0)) {
    Fail(state, &record, "wrong number of result columns",
         std::to_string(columns) + " columns (" + record.types + ")",
         std::to_string(result->column_count) + " columns");
    return false;
  }
  std::vector<std::string> actual;
  actual.reserve(result->values.size());
  for (size_t i = 0; i < result->values.size(); ++i) {
    actual.push_back(RenderValue(result->values[i], record.types[i % columns]));
  }
  SortValues(actual, columns, record.sort_mode);

  Expected expected = DecodeExpected(record.expected, columns, actual.size(), record.sort_mode);
  std::string actual_hash;  // computed when needed
  auto hash = [&]() -> const std::string& {
    if (actual_hash.empty()) actual_hash = HashValues(actual);
    return actual_hash;
  };
  bool match = expected.is_hash ? (expected.hash_count == static_cast<int64_t>(actual.size()) &&
                                   expected.hash == hash())
                                : expected.values == actual;
  // The first query with a label fixes the label's hash with its expected block, whether or not
  // it passes, so one wrong result does not make its correct siblings fail too.
  const ScriptState::LabelHash* label = nullptr;
  if (!record.label.empty()) {
    auto [it, inserted] = state.labels.try_emplace(record.label);
    if (inserted) {
      it->second = {expected.is_hash ? expected.hash : HashValues(expected.values), record.line};
    }
    label = &it->second;
  }
  if (!match) {
    std::string got;
    bool hashed = expected.is_hash || (state.hash_threshold > 0 &&
                                       static_cast<int64_t>(actual.size()) > state.hash_threshold);
    if (hashed) got = HashLine(actual.size(), hash());
    if (!hashed || options_.verbose) {
      if (!got.empty()) got += '\n';
      got += actual.empty() ? "(no rows)"
                            : ShowValues(actual, columns, expected.row_per_line, options_.verbose);
    }
    if (!result->error.ok()) {
      got += "\n(the query stopped with an error after " + std::to_string(result->row_count()) +
             " rows: " + result->error.message() + ")";
    }
    Fail(state, &record, "wrong result", ShowExpected(record.expected), std::move(got));
    return false;
  }
  if (label != nullptr && label->hash != hash()) {
    Fail(state, &record,
         "labeled result [" + record.label + "] does not agree with line " +
             std::to_string(label->line),
         "values hashing to " + label->hash, HashLine(actual.size(), hash()));
    return false;
  }
  return true;
}

bool Runner::RecordSkippedLabel(ScriptState& state, const Record& record) {
  if (record.label.empty()) return true;
  Expected expected =
      DecodeExpected(record.expected, record.types.size(), std::nullopt, record.sort_mode);
  std::string hash = expected.is_hash ? expected.hash : HashValues(expected.values);
  auto [it, inserted] = state.labels.try_emplace(record.label);
  if (inserted) {
    it->second = {std::move(hash), record.line};
    return true;
  }
  if (it->second.hash == hash) return true;
  Fail(state, &record,
       "labeled result [" + record.label + "] of a skipped query does not agree with line " +
           std::to_string(it->second.line),
       "values hashing to " + it->second.hash, "values hashing to " + hash);
  return false;
}

}  // namespace dosql::slt
