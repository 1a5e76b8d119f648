#include "render.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "complete.h"
#include "dosql/engine/format.h"
#include "dosql/parser/token.h"

namespace dosql::shell {
namespace {

// Box drawing characters (sqlite3's BOX_xx: 1 = up, 2 = right, 3 = down, 4 = left).
constexpr const char* kBox24 = "\xe2\x94\x80";    // ─
constexpr const char* kBox13 = "\xe2\x94\x82";    // │
constexpr const char* kBox23 = "\xe2\x94\x8c";    // ┌
constexpr const char* kBox34 = "\xe2\x94\x90";    // ┐
constexpr const char* kBox12 = "\xe2\x94\x94";    // └
constexpr const char* kBox14 = "\xe2\x94\x98";    // ┘
constexpr const char* kBox123 = "\xe2\x94\x9c";   // ├
constexpr const char* kBox134 = "\xe2\x94\xa4";   // ┤
constexpr const char* kBox234 = "\xe2\x94\xac";   // ┬
constexpr const char* kBox124 = "\xe2\x94\xb4";   // ┴
constexpr const char* kBox1234 = "\xe2\x94\xbc";  // ┼

constexpr size_t kNoTail = std::string_view::npos;

bool AsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool CSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// sqlite3's translateForDisplayAndDup(): the first display line of z[start..] for a columnar
// cell at most `max_width` characters wide (0: unlimited). Tabs expand to the next multiple of
// 8; any other control character ends the line (CR LF counts as one). *tail receives the offset
// where the next line starts, or kNoTail.
std::string TranslateForDisplay(std::string_view z, size_t start, size_t* tail, int max_width,
                                bool word_wrap) {
  auto at = [&](size_t i) -> unsigned char {
    return i < z.size() ? static_cast<unsigned char>(z[i]) : 0;
  };
  int mx = max_width < 0 ? -max_width : max_width;
  if (mx == 0) mx = 1000000;
  size_t i = start;
  int n = 0;
  while (n < mx) {
    unsigned char c = at(i);
    if (c >= ' ') {
      n++;
      do {
        i++;
      } while ((at(i) & 0xc0) == 0x80);
      continue;
    }
    if (c == '\t') {
      do {
        n++;
      } while ((n & 7) != 0 && n < mx);
      i++;
      continue;
    }
    break;
  }
  size_t k;
  if (n >= mx && word_wrap) {
    size_t half = start + (i - start) / 2;
    for (k = i; k > half; k--) {
      if (CSpace(at(k - 1))) break;
    }
    if (k <= half) {
      for (k = i; k > half; k--) {
        if (AsciiAlnum(at(k - 1)) != AsciiAlnum(at(k)) && (at(k) & 0xc0) != 0x80) break;
      }
    }
    if (k <= half) {
      k = i;
    } else {
      i = k;
      while (at(i) == ' ') i++;
    }
  } else {
    k = i;
  }
  if (n >= mx && at(i) >= ' ') {
    *tail = i;
  } else if (at(i) == '\r' && at(i + 1) == '\n') {
    *tail = at(i + 2) ? i + 2 : kNoTail;
  } else if (at(i) == 0 || at(i + 1) == 0) {
    *tail = kNoTail;
  } else {
    *tail = i + 1;
  }
  std::string out;
  i = start;
  n = 0;
  while (i < k) {
    unsigned char c = at(i);
    if (c >= ' ') {
      n++;
      do {
        out.push_back(static_cast<char>(at(i)));
        i++;
      } while ((at(i) & 0xc0) == 0x80);
      continue;
    }
    if (c == '\t') {
      do {
        n++;
        out.push_back(' ');
      } while ((n & 7) != 0 && n < mx);
      i++;
      continue;
    }
    break;
  }
  return out;
}

// sqlite3's needCsvQuote[]: control characters, space, '"', '\'', DEL and every byte >= 0x80.
bool NeedsCsvQuote(unsigned char c) { return c < 0x21 || c == '"' || c == '\'' || c >= 0x7f; }

void AppendCsv(const std::string* z, const OutputSettings& s, bool sep, std::string* out) {
  if (z == nullptr) {
    out->append(s.null_value);
  } else {
    bool quote = z->empty();
    for (unsigned char c : *z) {
      if (NeedsCsvQuote(c)) {
        quote = true;
        break;
      }
    }
    if (!quote && !s.col_sep.empty() && z->find(s.col_sep) != std::string::npos) quote = true;
    if (quote) {
      out->push_back('"');
      for (char c : *z) {
        if (c == '"') out->push_back('"');
        out->push_back(c);
      }
      out->push_back('"');
    } else {
      out->append(*z);
    }
  }
  if (sep) out->append(s.col_sep);
}

// sqlite3's output_json_string().
void AppendJsonString(std::string_view z, std::string* out) {
  out->push_back('"');
  for (unsigned char c : z) {
    if (c == '\\' || c == '"') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c <= 0x1f) {
      out->push_back('\\');
      switch (c) {
        case '\b':
          out->push_back('b');
          break;
        case '\f':
          out->push_back('f');
          break;
        case '\n':
          out->push_back('n');
          break;
        case '\r':
          out->push_back('r');
          break;
        case '\t':
          out->push_back('t');
          break;
        default: {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "u%04x", c);
          out->append(buf);
        }
      }
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

void AppendHtml(std::string_view z, std::string* out) {
  for (char c : z) {
    switch (c) {
      case '<':
        out->append("&lt;");
        break;
      case '&':
        out->append("&amp;");
        break;
      case '>':
        out->append("&gt;");
        break;
      case '"':
        out->append("&quot;");
        break;
      case '\'':
        out->append("&#39;");
        break;
      default:
        out->push_back(c);
    }
  }
}

void AppendHexBlob(std::string_view b, char x, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back(x);
  out->push_back('\'');
  for (unsigned char c : b) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
  out->push_back('\'');
}

// sqlite3's unused_string(): zA or zB if `z` does not contain it, else "(zA<n>)".
std::string UnusedString(std::string_view z, const char* a, const char* b) {
  if (z.find(a) == std::string_view::npos) return a;
  if (z.find(b) == std::string_view::npos) return b;
  for (unsigned i = 0;; i++) {
    std::string cand = "(" + std::string(a) + std::to_string(i) + ")";
    if (z.find(cand) == std::string_view::npos) return cand;
  }
}

// sqlite3's output_quoted_escaped_string(): like 'text', but newlines and carriage returns are
// written as replace('..\n..','\n',char(10)).
void AppendQuotedEscaped(std::string_view z, std::string* out) {
  if (z.find_first_of("\n\r") == std::string_view::npos) {
    AppendQuotedString(z, out);
    return;
  }
  bool has_nl = z.find('\n') != std::string_view::npos;
  bool has_cr = z.find('\r') != std::string_view::npos;
  std::string nl, cr;
  if (has_nl) {
    out->append("replace(");
    nl = UnusedString(z, "\\n", "\\012");
  }
  if (has_cr) {
    out->append("replace(");
    cr = UnusedString(z, "\\r", "\\015");
  }
  out->push_back('\'');
  for (char c : z) {
    if (c == '\'') {
      out->append("''");
    } else if (c == '\n') {
      out->append(nl);
    } else if (c == '\r') {
      out->append(cr);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('\'');
  if (has_cr) out->append(",'" + cr + "',char(13))");
  if (has_nl) out->append(",'" + nl + "',char(10))");
}

// sqlite3's quoted_column() (box/table/markdown --quote).
std::string QuotedCell(const Value& v) {
  std::string out;
  switch (v.type()) {
    case ValueType::kNull:
      return "NULL";
    case ValueType::kInteger:
    case ValueType::kReal:
      engine::AppendValueText(v, &out);
      return out;
    case ValueType::kText: {
      std::string t;
      ValueCText(v, &t);
      AppendQuotedString(t, &out);
      return out;
    }
    case ValueType::kBlob:
      AppendHexBlob(v.view(), 'x', &out);
      return out;
  }
  return out;
}

void AppendRepeat(std::string* out, const char* s, int n) {
  for (int i = 0; i < n; i++) out->append(s);
}

void AppendPadded(std::string* out, std::string_view z, int w) {
  // sqlite3's utf8_width_print() with a non-negative width: left-aligned, truncated to w chars.
  int n = 0;
  size_t i = 0;
  for (; i < z.size(); i++) {
    if ((static_cast<unsigned char>(z[i]) & 0xc0) != 0x80) {
      n++;
      if (n == w) {
        do {
          i++;
        } while (i < z.size() && (static_cast<unsigned char>(z[i]) & 0xc0) == 0x80);
        break;
      }
    }
  }
  if (n >= w) {
    out->append(z.substr(0, i));
  } else {
    out->append(z);
    out->append(static_cast<size_t>(w - n), ' ');
  }
}

void AppendCentered(std::string* out, std::string_view z, int w) {
  int n = Utf8Chars(z);
  int left = (w - n) / 2;
  int right = (w - n + 1) / 2;
  if (left > 0) out->append(static_cast<size_t>(left), ' ');
  out->append(z);
  if (right > 0) out->append(static_cast<size_t>(right), ' ');
}

}  // namespace

std::string_view ModeName(Mode mode) {
  switch (mode) {
    case Mode::kLine:
      return "line";
    case Mode::kColumn:
      return "column";
    case Mode::kList:
      return "list";
    case Mode::kSemi:
      return "semi";
    case Mode::kHtml:
      return "html";
    case Mode::kInsert:
      return "insert";
    case Mode::kQuote:
      return "quote";
    case Mode::kCsv:
      return "csv";
    case Mode::kAscii:
      return "ascii";
    case Mode::kJson:
      return "json";
    case Mode::kMarkdown:
      return "markdown";
    case Mode::kTable:
      return "table";
    case Mode::kBox:
      return "box";
    case Mode::kCount:
      return "count";
    case Mode::kOff:
      return "off";
    case Mode::kExplain:
      return "explain";
  }
  return "list";
}

bool IsColumnar(Mode mode) {
  return mode == Mode::kColumn || mode == Mode::kTable || mode == Mode::kMarkdown ||
         mode == Mode::kBox;
}

bool ValueCText(const Value& v, std::string* out) {
  switch (v.type()) {
    case ValueType::kNull:
      return false;
    case ValueType::kInteger:
    case ValueType::kReal:
      engine::AppendValueText(v, out);
      return true;
    case ValueType::kText:
    case ValueType::kBlob: {
      std::string_view b = v.view();
      size_t nul = b.find('\0');
      out->append(nul == std::string_view::npos ? b : b.substr(0, nul));
      return true;
    }
  }
  return false;
}

int Utf8Chars(std::string_view s) {
  int n = 0;
  for (unsigned char c : s) {
    if (c == 0) break;
    if ((c & 0xc0) != 0x80) n++;
  }
  return n;
}

void AppendQuotedString(std::string_view s, std::string* out) {
  out->push_back('\'');
  for (char c : s) {
    if (c == '\'') out->push_back('\'');
    out->push_back(c);
  }
  out->push_back('\'');
}

void AppendRealLiteral(double r, std::string* out, bool infinity_as_1e999) {
  if (infinity_as_1e999) {
    uint64_t bits;
    std::memcpy(&bits, &r, sizeof(bits));
    if (bits == 0x7ff0000000000000ull) {
      out->append("1e999");
      return;
    }
    if (bits == 0xfff0000000000000ull) {
      out->append("-1e999");
      return;
    }
  }
  // sqlite3 tests r == (double)(sqlite3_int64)r; out-of-range conversions give INT64_MIN on
  // x86-64, which never equals an out-of-range r.
  if (r >= -9223372036854775808.0 && r < 9223372036854775808.0) {
    int64_t ir = static_cast<int64_t>(r);
    if (r == static_cast<double>(ir)) {
      engine::AppendInteger(ir, out);
      out->append(".0");
      return;
    }
  }
  Value arg = Value::Real(r);
  engine::AppendPrintf("%!.20g", std::span<const Value>(&arg, 1), out).IgnoreError();
}

void AppendSchemaLine(std::string_view sql, std::string* out) {
  std::string text(sql);
  if (text.find("/*") != std::string::npos || text.find("--") != std::string::npos) {
    static const char* kTerm[] = {"", "*/", "\n"};
    for (const char* term : kTerm) {
      std::string candidate = text + term + ";";
      if (IsCompleteSql(candidate)) {
        candidate.pop_back();
        text = std::move(candidate);
        break;
      }
    }
  }
  // sqlite3_strglob("CREATE TABLE ['\"]*", z)
  if (text.size() > 13 && text.compare(0, 13, "CREATE TABLE ") == 0 &&
      (text[13] == '\'' || text[13] == '"')) {
    out->append("CREATE TABLE IF NOT EXISTS ");
    out->append(text, 13);
  } else {
    out->append(text);
  }
  out->append(";\n");
}

std::string CString(std::string_view z) {
  std::string out = "\"";
  for (unsigned char c : z) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\%03o", c);
          out.append(buf);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string QuoteIdentifierIfNeeded(std::string_view name) {
  bool plain =
      !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) {
    if (!AsciiAlnum(static_cast<unsigned char>(c)) && c != '_') plain = false;
  }
  if (plain && parser::LookupKeyword(name) == parser::Keyword::kNone) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

namespace {

void RenderPlanLevel(const std::vector<PlanRow>& rows, int64_t parent, std::string* prefix,
                     std::string* out) {
  auto next = [&](size_t from) {
    for (size_t i = from; i < rows.size(); i++) {
      if (rows[i].parent == parent) return i;
    }
    return rows.size();
  };
  for (size_t i = next(0); i < rows.size();) {
    size_t after = next(i + 1);
    bool more = after < rows.size();
    out->append(*prefix);
    out->append(more ? "|--" : "`--");
    out->append(rows[i].detail);
    out->push_back('\n');
    if (prefix->size() < 93) {  // sqlite3's 100-byte prefix buffer
      size_t n = prefix->size();
      prefix->append(more ? "|  " : "   ");
      RenderPlanLevel(rows, rows[i].id, prefix, out);
      prefix->resize(n);
    }
    i = after;
  }
}

}  // namespace

std::string RenderQueryPlan(const std::vector<PlanRow>& rows) {
  if (rows.empty()) return "";
  std::string out = "QUERY PLAN\n";
  std::string prefix;
  RenderPlanLevel(rows, 0, &prefix, &out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Renderer
// ---------------------------------------------------------------------------------------------

void Renderer::BeginStatement(const std::vector<std::string>& names) {
  names_ = names;
  count_ = 0;
  cells_.clear();
  row_div_.clear();
  multi_line_ = false;
  if (IsColumnar(s_.mode)) {
    for (const std::string& name : names_) {
      size_t tail;
      cells_.push_back(TranslateForDisplay(name, 0, &tail, s_.wrap, s_.word_wrap));
    }
  }
}

void Renderer::AddRow(const std::vector<Value>& row) {
  switch (s_.mode) {
    case Mode::kLine:
      RowLineMode(row);
      break;
    case Mode::kList:
    case Mode::kAscii:
      RowListMode(row);
      break;
    case Mode::kCsv:
      RowCsv(row);
      break;
    case Mode::kJson:
      RowJson(row);
      break;
    case Mode::kQuote:
      RowQuote(row);
      break;
    case Mode::kInsert:
      RowInsert(row);
      break;
    case Mode::kHtml:
      RowHtml(row);
      break;
    case Mode::kSemi:
      RowSemi(row);
      break;
    case Mode::kColumn:
    case Mode::kTable:
    case Mode::kMarkdown:
    case Mode::kBox:
      AddColumnarRow(row);
      break;
    case Mode::kExplain:
      RowExplain(row);
      break;
    case Mode::kCount:
    case Mode::kOff:
      break;
  }
  count_++;
}

void Renderer::EndStatement() {
  if (IsColumnar(s_.mode)) {
    if (count_ > 0) PrintColumnar();
    cells_.clear();
    row_div_.clear();
  } else if (s_.mode == Mode::kJson && count_ > 0) {
    out_.append("]\n");
  } else if (s_.mode == Mode::kCount && count_ > 0) {
    out_.append(std::to_string(count_) + (count_ == 1 ? " row\n" : " rows\n"));
  }
  count_ = 0;
}

// sqlite3's MODE_Explain: the first row brings the column names and dashes (whatever .headers
// says) in widths 4, 13, 4, 4, 4, 13, 2, 13; a value wider than its column widens it; at most
// eight columns.
void Renderer::RowExplain(const std::vector<Value>& row) {
  static constexpr int kWidths[] = {4, 13, 4, 4, 4, 13, 2, 13};
  const size_t n = std::min(row.size(), std::size(kWidths));
  if (count_ == 0) {
    for (size_t i = 0; i < n; i++) {
      AppendPadded(&out_, std::string_view(names_[i].c_str()), kWidths[i]);
      out_.append(i + 1 == n ? "\n" : "  ");
    }
    for (size_t i = 0; i < n; i++) {
      out_.append(static_cast<size_t>(kWidths[i]), '-');
      out_.append(i + 1 == n ? "\n" : "  ");
    }
  }
  for (size_t i = 0; i < n; i++) {
    std::string text;
    if (!ValueCText(row[i], &text)) text = s_.null_value;
    int w = std::max(i + 1 == n ? 0 : kWidths[i], Utf8Chars(text));
    AppendPadded(&out_, text, w);
    out_.append(i + 1 == n ? "\n" : "  ");
  }
}

void Renderer::RowLineMode(const std::vector<Value>& row) {
  size_t w = 5;
  for (const std::string& name : names_) w = std::max(w, std::strlen(name.c_str()));
  if (count_ > 0) out_.append(s_.row_sep);
  for (size_t i = 0; i < row.size(); i++) {
    const std::string& name = names_[i];
    if (name.size() < w) out_.append(w - name.size(), ' ');
    out_.append(name);
    out_.append(" = ");
    if (!ValueCText(row[i], &out_)) out_.append(s_.null_value);
    out_.append(s_.row_sep);
  }
}

void Renderer::RowListMode(const std::vector<Value>& row) {
  if (count_ == 0 && s_.show_header) {
    for (size_t i = 0; i < names_.size(); i++) {
      out_.append(names_[i]);
      out_.append(i + 1 == names_.size() ? s_.row_sep : s_.col_sep);
    }
  }
  for (size_t i = 0; i < row.size(); i++) {
    if (!ValueCText(row[i], &out_)) out_.append(s_.null_value);
    out_.append(i + 1 == row.size() ? s_.row_sep : s_.col_sep);
  }
}

void Renderer::RowCsv(const std::vector<Value>& row) {
  if (count_ == 0 && s_.show_header) {
    for (size_t i = 0; i < names_.size(); i++) {
      AppendCsv(&names_[i], s_, i + 1 < names_.size(), &out_);
    }
    out_.append(s_.row_sep);
  }
  if (!row.empty()) {
    std::string text;
    for (size_t i = 0; i < row.size(); i++) {
      text.clear();
      bool not_null = ValueCText(row[i], &text);
      AppendCsv(not_null ? &text : nullptr, s_, i + 1 < row.size(), &out_);
    }
    out_.append(s_.row_sep);
  }
}

void Renderer::RowJson(const std::vector<Value>& row) {
  out_.append(count_ == 0 ? "[{" : ",\n{");
  for (size_t i = 0; i < row.size(); i++) {
    AppendJsonString(std::string_view(names_[i].c_str()), &out_);
    out_.push_back(':');
    const Value& v = row[i];
    switch (v.type()) {
      case ValueType::kNull:
        out_.append("null");
        break;
      case ValueType::kReal: {
        uint64_t bits;
        double r = v.real();
        std::memcpy(&bits, &r, sizeof(bits));
        if (bits == 0x7ff0000000000000ull) {
          out_.append("1e999");
        } else if (bits == 0xfff0000000000000ull) {
          out_.append("-1e999");
        } else {
          engine::AppendPrintf("%!.20g", std::span<const Value>(&v, 1), &out_).IgnoreError();
        }
        break;
      }
      case ValueType::kBlob:
        AppendJsonString(v.view(), &out_);
        break;
      case ValueType::kText: {
        std::string t;
        ValueCText(v, &t);
        AppendJsonString(t, &out_);
        break;
      }
      case ValueType::kInteger:
        engine::AppendValueText(v, &out_);
        break;
    }
    if (i + 1 < row.size()) out_.push_back(',');
  }
  out_.push_back('}');
}

void Renderer::RowQuote(const std::vector<Value>& row) {
  if (count_ == 0 && s_.show_header) {
    for (size_t i = 0; i < names_.size(); i++) {
      if (i > 0) out_.append(s_.col_sep);
      AppendQuotedString(std::string_view(names_[i].c_str()), &out_);
    }
    out_.append(s_.row_sep);
  }
  for (size_t i = 0; i < row.size(); i++) {
    if (i > 0) out_.append(s_.col_sep);
    const Value& v = row[i];
    switch (v.type()) {
      case ValueType::kNull:
        out_.append("NULL");
        break;
      case ValueType::kInteger:
        engine::AppendValueText(v, &out_);
        break;
      case ValueType::kReal:
        AppendRealLiteral(v.real(), &out_, /*infinity_as_1e999=*/false);
        break;
      case ValueType::kText: {
        std::string t;
        ValueCText(v, &t);
        AppendQuotedString(t, &out_);
        break;
      }
      case ValueType::kBlob:
        AppendHexBlob(v.view(), 'X', &out_);
        break;
    }
  }
  out_.append(s_.row_sep);
}

void Renderer::RowInsert(const std::vector<Value>& row) {
  out_.append("INSERT INTO ");
  out_.append(s_.insert_table);
  if (s_.show_header) {
    out_.push_back('(');
    for (size_t i = 0; i < names_.size(); i++) {
      if (i > 0) out_.push_back(',');
      out_.append(QuoteIdentifierIfNeeded(names_[i]));
    }
    out_.push_back(')');
  }
  for (size_t i = 0; i < row.size(); i++) {
    out_.append(i > 0 ? "," : " VALUES(");
    const Value& v = row[i];
    switch (v.type()) {
      case ValueType::kNull:
        out_.append("NULL");
        break;
      case ValueType::kInteger:
        engine::AppendValueText(v, &out_);
        break;
      case ValueType::kReal:
        AppendRealLiteral(v.real(), &out_, /*infinity_as_1e999=*/true);
        break;
      case ValueType::kText: {
        std::string t;
        ValueCText(v, &t);
        if (s_.newlines) {
          AppendQuotedString(t, &out_);
        } else {
          AppendQuotedEscaped(t, &out_);
        }
        break;
      }
      case ValueType::kBlob:
        AppendHexBlob(v.view(), 'X', &out_);
        break;
    }
  }
  out_.append(");\n");
}

void Renderer::RowHtml(const std::vector<Value>& row) {
  if (count_ == 0 && s_.show_header) {
    out_.append("<TR>");
    for (const std::string& name : names_) {
      out_.append("<TH>");
      AppendHtml(std::string_view(name.c_str()), &out_);
      out_.append("</TH>\n");
    }
    out_.append("</TR>\n");
  }
  out_.append("<TR>");
  std::string t;
  for (const Value& v : row) {
    out_.append("<TD>");
    t.clear();
    if (!ValueCText(v, &t)) t = s_.null_value;
    AppendHtml(t, &out_);
    out_.append("</TD>\n");
  }
  out_.append("</TR>\n");
}

void Renderer::RowSemi(const std::vector<Value>& row) {
  if (row.empty()) return;
  std::string t;
  if (!ValueCText(row[0], &t)) return;
  AppendSchemaLine(t, &out_);
}

void Renderer::AddColumnarRow(const std::vector<Value>& row) {
  const size_t ncol = names_.size();
  std::vector<std::string> src(ncol);
  std::vector<size_t> next(ncol, kNoTail);
  for (size_t i = 0; i < ncol; i++) {
    const Value& v = i < row.size() ? row[i] : Value();
    if (s_.quote) {
      src[i] = QuotedCell(v);
    } else if (!ValueCText(v, &src[i])) {
      src[i] = s_.null_value;
    }
  }
  bool first = true;
  bool more = true;
  while (more) {
    more = false;
    row_div_.push_back(true);
    for (size_t i = 0; i < ncol; i++) {
      size_t start = 0;
      std::string_view z = src[i];
      if (!first) {
        if (next[i] == kNoTail) {
          z = std::string_view();
        } else {
          start = next[i];
        }
      }
      size_t tail;
      cells_.push_back(TranslateForDisplay(z, start, &tail, s_.wrap, s_.word_wrap));
      next[i] = tail;
      if (tail != kNoTail) {
        more = true;
        row_div_.back() = false;
        multi_line_ = true;
      }
    }
    first = false;
  }
}

void Renderer::PrintColumnar() {
  const size_t ncol = names_.size();
  if (ncol == 0) return;
  std::vector<int> width(ncol, 0);
  for (size_t i = 0; i < cells_.size(); i++) {
    width[i % ncol] = std::max(width[i % ncol], Utf8Chars(cells_[i]));
  }
  auto dashes = [&](const char* sep) {
    for (size_t i = 0; i < ncol; i++) {
      out_.append(sep);
      out_.append(static_cast<size_t>(width[i] + 2), '-');
    }
    out_.append(sep);
    out_.push_back('\n');
  };
  auto box_line = [&](const char* left, const char* mid, const char* right) {
    for (size_t i = 0; i < ncol; i++) {
      out_.append(i == 0 ? left : mid);
      AppendRepeat(&out_, kBox24, width[i] + 2);
    }
    out_.append(right);
    out_.push_back('\n');
  };
  std::string col_sep, row_sep;
  switch (s_.mode) {
    case Mode::kColumn:
      col_sep = "  ";
      row_sep = "\n";
      if (s_.show_header) {
        for (size_t i = 0; i < ncol; i++) {
          AppendPadded(&out_, cells_[i], width[i]);
          out_.append(i + 1 == ncol ? "\n" : "  ");
        }
        for (size_t i = 0; i < ncol; i++) {
          out_.append(static_cast<size_t>(width[i]), '-');
          out_.append(i + 1 == ncol ? "\n" : "  ");
        }
      }
      break;
    case Mode::kTable:
      col_sep = " | ";
      row_sep = " |\n";
      dashes("+");
      out_.append("| ");
      for (size_t i = 0; i < ncol; i++) {
        AppendCentered(&out_, cells_[i], width[i]);
        out_.append(i + 1 == ncol ? " |\n" : " | ");
      }
      dashes("+");
      break;
    case Mode::kMarkdown:
      col_sep = " | ";
      row_sep = " |\n";
      out_.append("| ");
      for (size_t i = 0; i < ncol; i++) {
        AppendCentered(&out_, cells_[i], width[i]);
        out_.append(i + 1 == ncol ? " |\n" : " | ");
      }
      dashes("|");
      break;
    case Mode::kBox:
      col_sep = std::string(" ") + kBox13 + " ";
      row_sep = std::string(" ") + kBox13 + "\n";
      box_line(kBox23, kBox234, kBox34);
      out_.append(kBox13);
      out_.push_back(' ');
      for (size_t i = 0; i < ncol; i++) {
        AppendCentered(&out_, cells_[i], width[i]);
        out_.append(i + 1 == ncol ? row_sep : col_sep);
      }
      box_line(kBox123, kBox1234, kBox134);
      break;
    default:
      return;
  }
  const size_t total = cells_.size();
  for (size_t i = ncol, j = 0; i < total; i++, j++) {
    if (j == 0 && s_.mode != Mode::kColumn) {
      if (s_.mode == Mode::kBox) {
        out_.append(kBox13);
        out_.push_back(' ');
      } else {
        out_.append("| ");
      }
    }
    AppendPadded(&out_, cells_[i], width[j]);
    if (j == ncol - 1) {
      out_.append(row_sep);
      size_t display_row = i / ncol - 1;
      if (multi_line_ && row_div_[display_row] && i + 1 < total) {
        if (s_.mode == Mode::kTable) {
          dashes("+");
        } else if (s_.mode == Mode::kBox) {
          box_line(kBox123, kBox1234, kBox134);
        } else if (s_.mode == Mode::kColumn) {
          out_.push_back('\n');
        }
      }
      j = static_cast<size_t>(-1);
    } else {
      out_.append(col_sep);
    }
  }
  if (s_.mode == Mode::kTable) {
    dashes("+");
  } else if (s_.mode == Mode::kBox) {
    box_line(kBox12, kBox124, kBox14);
  }
}

}  // namespace dosql::shell
