#include "src/script.h"

#include <cctype>
#include <charconv>

namespace dosql::slt {
namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

}  // namespace

std::string_view RecordTypeName(RecordType type) {
  switch (type) {
    case RecordType::kStatement:
      return "statement";
    case RecordType::kQuery:
      return "query";
    case RecordType::kHashThreshold:
      return "hash-threshold";
    case RecordType::kHalt:
      return "halt";
    case RecordType::kRestart:
      return "restart";
    case RecordType::kMode:
      return "mode";
    case RecordType::kInvalid:
      return "invalid";
  }
  return "?";
}

std::vector<std::string_view> Tokenize(std::string_view line) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (i > start) tokens.push_back(line.substr(start, i - start));
  }
  return tokens;
}

bool ScriptReader::ReadLine() {
  while (std::getline(in_, line_)) {
    ++line_number_;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    if (IsBlank(line_)) {
      line_.clear();
      return true;
    }
    if (line_[0] != '#') return true;
  }
  line_.clear();
  return false;
}

void ScriptReader::SkipRecord() {
  while (!line_.empty() && ReadLine()) {
  }
}

bool ScriptReader::Next(Record* record) {
  *record = Record();
  do {
    if (!ReadLine()) return false;
  } while (line_.empty());

  std::vector<std::string_view> tokens = Tokenize(line_);
  while (tokens[0] == "skipif" || tokens[0] == "onlyif") {
    if (tokens.size() < 2) {
      record->line = line_number_;
      record->error = std::string(tokens[0]) + " needs an engine name";
      SkipRecord();
      return true;
    }
    record->conditions.push_back(Condition{tokens[0] == "onlyif", std::string(tokens[1])});
    if (!ReadLine() || line_.empty()) {
      record->line = line_number_;
      record->error = "condition without a record";
      return true;
    }
    tokens = Tokenize(line_);
  }
  record->line = line_number_;

  std::string_view command = tokens[0];
  bool ok = true;
  if (command == "statement") {
    ok = ParseStatement(tokens, record);
  } else if (command == "query") {
    ok = ParseQuery(tokens, record);
  } else if (command == "hash-threshold") {
    int64_t n = -1;
    if (tokens.size() >= 2) {
      auto [end, ec] = std::from_chars(tokens[1].data(), tokens[1].data() + tokens[1].size(), n);
      if (ec != std::errc() || end != tokens[1].data() + tokens[1].size()) n = -1;
    }
    if (n < 0) {
      record->error = "hash-threshold needs a non-negative integer";
      ok = false;
    } else {
      record->type = RecordType::kHashThreshold;
      record->hash_threshold = n;
    }
  } else if (command == "halt") {
    record->type = RecordType::kHalt;
  } else if (command == "restart") {
    record->type = RecordType::kRestart;
  } else if (command == "mode") {
    if (tokens.size() >= 2 && (tokens[1] == "skip" || tokens[1] == "unskip")) {
      record->type = RecordType::kMode;
      record->skip = tokens[1] == "skip";
    } else {
      record->error = "unsupported mode '" + std::string(tokens.size() >= 2 ? tokens[1] : "") +
                      "' (expected skip or unskip)";
      ok = false;
    }
  } else {
    record->error = "unknown record type '" + std::string(command) + "'";
    ok = false;
  }
  if (!ok) record->type = RecordType::kInvalid;
  SkipRecord();  // control records and bad records: ignore anything up to the blank line
  return true;
}

bool ScriptReader::ParseStatement(const std::vector<std::string_view>& tokens, Record* record) {
  if (tokens.size() < 2 || (tokens[1] != "ok" && tokens[1] != "error")) {
    record->error = "statement argument should be 'ok' or 'error'";
    return false;
  }
  record->type = RecordType::kStatement;
  record->expect_error = tokens[1] == "error";
  std::string* target = &record->sql;
  while (ReadLine() && !line_.empty()) {
    if (line_ == "----" && target == &record->sql) {
      if (!record->expect_error) {
        record->error = "'----' in a 'statement ok' record";
        return false;
      }
      record->expected_error.emplace();
      target = &*record->expected_error;
      continue;
    }
    if (!target->empty()) *target += '\n';
    *target += line_;
  }
  if (record->sql.empty()) {
    record->error = "statement without SQL";
    return false;
  }
  return true;
}

bool ScriptReader::ParseQuery(const std::vector<std::string_view>& tokens, Record* record) {
  if (tokens.size() < 2) {
    record->error = "missing type string";
    return false;
  }
  for (char c : tokens[1]) {
    if (c != 'I' && c != 'R' && c != 'T') {
      record->error = std::string("unknown type character '") + c + "' in type string";
      return false;
    }
  }
  record->types = std::string(tokens[1]);
  if (tokens.size() >= 3) {
    if (tokens[2] == "nosort") {
      record->sort_mode = SortMode::kNoSort;
    } else if (tokens[2] == "rowsort") {
      record->sort_mode = SortMode::kRowSort;
    } else if (tokens[2] == "valuesort") {
      record->sort_mode = SortMode::kValueSort;
    } else {
      record->error = "unknown sort method '" + std::string(tokens[2]) + "'";
      return false;
    }
  }
  if (tokens.size() >= 4) record->label = std::string(tokens[3]);
  record->type = RecordType::kQuery;
  bool in_results = false;
  while (ReadLine() && !line_.empty()) {
    if (!in_results && line_ == "----") {
      in_results = true;
    } else if (in_results) {
      record->expected.push_back(line_);
    } else {
      if (!record->sql.empty()) record->sql += '\n';
      record->sql += line_;
    }
  }
  if (record->sql.empty()) {
    record->error = "query without SQL";
    return false;
  }
  return true;
}

}  // namespace dosql::slt
