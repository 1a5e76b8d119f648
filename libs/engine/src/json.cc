// SQLite 3.40's JSON functions (json1) over text JSON; see json.h.
//
// A JSON argument is parsed into a tree of JNodes that point into the argument's text. Edits
// (json_set, json_remove, json_patch) change the tree the way SQLite's json.c changes its node
// array, so that its observable quirks carry over: a value put in by a path is opaque to later
// paths of the same call, removed nodes keep their place for key lookups, json_patch searches
// only a target object's original members. Nodes are numbered as SQLite numbers them (values
// and object labels, in document order), which json_each/json_tree report as ids.
#include "json.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "dosql/engine/format.h"
#include "dosql/engine/like.h"

namespace dosql::engine {
namespace {

using Args = std::span<const Value>;
using Ctx = FunctionContext;

constexpr size_t kMaxDepth = 2000;  // nesting that SQLite 3.40 accepts

enum class JKind : uint8_t { kNull, kTrue, kFalse, kInt, kReal, kString, kArray, kObject, kSql };

// json_type() names, by JKind.
constexpr std::string_view kTypeNames[] = {"null", "true",  "false", "integer",
                                           "real", "text",  "array", "object"};

struct JNode {
  JKind kind = JKind::kNull;
  bool removed = false;   // dropped by json_remove or json_patch
  bool patched = false;   // json_patch replaced this member value
  bool raw = false;       // kString: `text` is the string itself (a label made from a path)
  bool escaped = false;   // kString: `text` holds backslash escapes
  uint32_t id = 0;        // SQLite's node number
  uint32_t parsed_kids = 0;      // kids.size() after parsing; later ones were appended by edits
  std::string_view text;         // kInt/kReal: as written; kString: between the quotes
  const Value* value = nullptr;  // kSql: the SQL value put here by json_set & co.
  std::vector<JNode> kids;       // kArray: elements; kObject: label, value, label, value...

  JNode() = default;
  explicit JNode(JKind k) : kind(k) {}
  JNode(JNode&&) noexcept = default;
  JNode& operator=(JNode&&) noexcept = default;
  ~JNode();

  bool IsContainer() const { return kind == JKind::kArray || kind == JKind::kObject; }
};

// Iterative: a tree built by json_set paths may be deeper than the stack allows.
JNode::~JNode() {
  if (kids.empty()) return;
  std::vector<JNode> work = std::move(kids);
  while (!work.empty()) {
    JNode n = std::move(work.back());
    work.pop_back();
    for (JNode& k : n.kids) work.push_back(std::move(k));
    n.kids.clear();  // moved-from nodes: no children left to recurse into
  }
}

Status Malformed() { return Status::InvalidArgument("malformed JSON"); }

Status PathError(std::string_view at) {
  std::string m = "JSON path error near '";
  for (char c : at) {
    m.push_back(c);
    if (c == '\'') m.push_back('\'');
  }
  m.push_back('\'');
  return Status::InvalidArgument(std::move(m));
}

Value JsonText(std::string s) {
  Value v = Value::Text(std::move(s));
  v.set_subtype(kJsonSubtype);
  return v;
}

// sqlite3_value_text() of an argument as a C string (cut at the first NUL); nullopt for NULL.
std::optional<std::string_view> CText(const Value& v, std::string* buf) {
  std::string_view s;
  if (v.is_null()) return std::nullopt;
  if (v.type() == ValueType::kText || v.type() == ValueType::kBlob) {
    s = v.view();
  } else {
    buf->clear();
    AppendValueText(v, buf);
    s = *buf;
  }
  return s.substr(0, s.find('\0'));
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Four hex digits at s[i..i+3], or -1.
int32_t Hex4(std::string_view s, size_t i) {
  if (i + 4 > s.size()) return -1;
  int32_t v = 0;
  for (size_t k = i; k < i + 4; k++) {
    int h = HexValue(s[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// --- parsing ---------------------------------------------------------------------------------

// The end of the string whose opening quote is s[i], or npos if it is not a valid JSON string.
size_t ScanString(std::string_view s, size_t i, bool* escaped) {
  for (i++; i < s.size(); i++) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20) return std::string_view::npos;
    if (c == '"') return i + 1;
    if (c != '\\') continue;
    if (++i >= s.size()) return std::string_view::npos;
    c = static_cast<unsigned char>(s[i]);
    if (std::string_view("\"\\/bfnrt").find(static_cast<char>(c)) == std::string_view::npos &&
        (c != 'u' || Hex4(s, i + 1) < 0)) {
      return std::string_view::npos;
    }
    *escaped = true;
  }
  return std::string_view::npos;
}

// The end of the number starting at s[i] (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), or
// npos; *real tells whether it has a fraction or an exponent.
size_t ScanNumber(std::string_view s, size_t i, bool* real) {
  auto digits = [&](size_t j) {
    while (j < s.size() && IsSqlDigit(s[j])) j++;
    return j;
  };
  if (s[i] == '-') i++;
  if (i >= s.size() || !IsSqlDigit(s[i])) return std::string_view::npos;
  i = s[i] == '0' ? i + 1 : digits(i);
  *real = false;
  if (i < s.size() && s[i] == '.') {
    if (i + 1 >= s.size() || !IsSqlDigit(s[i + 1])) return std::string_view::npos;
    i = digits(i + 1);
    *real = true;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
    if (i >= s.size() || !IsSqlDigit(s[i])) return std::string_view::npos;
    i = digits(i);
    *real = true;
  }
  return i;
}

// Parses the whole of `s` (one value, white space around it) into `root`. Iterative, so any
// input is safe; more than kMaxDepth levels of nesting is malformed, as in SQLite 3.40.
bool ParseJson(std::string_view s, JNode* root) {
  std::vector<JNode*> open;  // containers not yet closed; each is its parent's last child
  uint32_t next_id = 0;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && IsJsonSpace(s[i])) i++;
  };
  enum class State { kValue, kLabel, kAfter } state = State::kValue;
  for (;;) {
    skip_space();
    if (state == State::kAfter) {
      if (open.empty()) return i == s.size();
      JNode* top = open.back();
      bool obj = top->kind == JKind::kObject;
      if (i < s.size() && s[i] == ',') {
        i++;
        state = obj ? State::kLabel : State::kValue;
      } else if (i < s.size() && s[i] == (obj ? '}' : ']')) {
        i++;
        top->parsed_kids = static_cast<uint32_t>(top->kids.size());
        open.pop_back();
      } else {
        return false;
      }
      continue;
    }
    if (i >= s.size()) return false;
    JNode* n = open.empty() ? root : &open.back()->kids.emplace_back();
    n->id = next_id++;
    char c = s[i];
    if (state == State::kLabel && c != '"') return false;
    state = State::kAfter;
    if (c == '"') {
      size_t end = ScanString(s, i, &n->escaped);
      if (end == std::string_view::npos) return false;
      n->kind = JKind::kString;
      n->text = s.substr(i + 1, end - i - 2);
      i = end;
      if (!open.empty() && open.back()->kind == JKind::kObject &&
          open.back()->kids.size() % 2 == 1) {
        // An object label: a ':' and the member value follow.
        skip_space();
        if (i >= s.size() || s[i] != ':') return false;
        i++;
        state = State::kValue;
      }
    } else if (c == '{' || c == '[') {
      if (open.size() >= kMaxDepth) return false;
      n->kind = c == '{' ? JKind::kObject : JKind::kArray;
      i++;
      skip_space();
      if (i < s.size() && s[i] == (c == '{' ? '}' : ']')) {
        i++;  // empty
      } else {
        open.push_back(n);
        state = c == '{' ? State::kLabel : State::kValue;
      }
    } else if (c == '-' || IsSqlDigit(c)) {
      bool real;
      size_t end = ScanNumber(s, i, &real);
      if (end == std::string_view::npos) return false;
      n->kind = real ? JKind::kReal : JKind::kInt;
      n->text = s.substr(i, end - i);
      i = end;
    } else {
      static constexpr std::pair<std::string_view, JKind> kWords[] = {
          {"null", JKind::kNull}, {"true", JKind::kTrue}, {"false", JKind::kFalse}};
      bool found = false;
      for (const auto& [w, k] : kWords) {
        if (s.substr(i, w.size()) == w) {
          n->kind = k;
          i += w.size();
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
  }
}

// --- values out ------------------------------------------------------------------------------

// SQLite's jsonAppendString: `s` as a JSON string literal.
void AppendJsonString(std::string_view s, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      out->push_back('\\');
      switch (c) {
        case '\b': out->push_back('b'); break;
        case '\t': out->push_back('t'); break;
        case '\n': out->push_back('n'); break;
        case '\f': out->push_back('f'); break;
        case '\r': out->push_back('r'); break;
        default:
          out->append("u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
      }
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

// SQLite's jsonAppendValue: an SQL value as JSON (JSON-subtyped text goes in as it is).
Status AppendSqlValue(const Value& v, std::string* out) {
  switch (v.type()) {
    case ValueType::kNull: out->append("null"); break;
    case ValueType::kInteger:
    case ValueType::kReal: AppendValueText(v, out); break;
    case ValueType::kText:
      if (v.subtype() == kJsonSubtype) {
        out->append(v.view());
      } else {
        AppendJsonString(v.view(), out);
      }
      break;
    case ValueType::kBlob: return Status::InvalidArgument("JSON cannot hold BLOB values");
  }
  return Status::OK();
}

Status AppendScalar(const JNode& n, std::string* out) {
  switch (n.kind) {
    case JKind::kNull: out->append("null"); break;
    case JKind::kTrue: out->append("true"); break;
    case JKind::kFalse: out->append("false"); break;
    case JKind::kString:
      if (n.raw) {
        AppendJsonString(n.text, out);
        break;
      }
      out->push_back('"');
      out->append(n.text);
      out->push_back('"');
      break;
    case JKind::kSql: return AppendSqlValue(*n.value, out);
    default: out->append(n.text); break;  // numbers as written
  }
  return Status::OK();
}

// Appends the minified JSON text of `root`, leaving out removed nodes. Iterative.
Status Render(const JNode& root, std::string* out) {
  if (!root.IsContainer()) return AppendScalar(root, out);
  struct Frame {
    const JNode* n;
    size_t next;
    bool first;
  };
  std::vector<Frame> stack;
  const JNode* enter = &root;
  for (;;) {
    if (enter) {
      out->push_back(enter->kind == JKind::kObject ? '{' : '[');
      stack.push_back({enter, 0, true});
      enter = nullptr;
    }
    if (stack.empty()) return Status::OK();
    Frame& f = stack.back();
    const auto& kids = f.n->kids;
    bool obj = f.n->kind == JKind::kObject;
    size_t step = obj ? 2 : 1;
    while (f.next < kids.size() && kids[f.next + step - 1].removed) f.next += step;
    if (f.next >= kids.size()) {
      out->push_back(obj ? '}' : ']');
      stack.pop_back();
      continue;
    }
    if (!f.first) out->push_back(',');
    f.first = false;
    if (obj) {
      DOSQL_RETURN_IF_ERROR(AppendScalar(kids[f.next], out));
      out->push_back(':');
    }
    const JNode& child = kids[f.next + step - 1];
    f.next += step;
    if (child.IsContainer()) {
      enter = &child;
    } else {
      DOSQL_RETURN_IF_ERROR(AppendScalar(child, out));
    }
  }
}

Result<Value> RenderValue(const JNode& n) {
  std::string out;
  DOSQL_RETURN_IF_ERROR(Render(n, &out));
  return JsonText(std::move(out));
}

// The string a kString node stands for (escapes decoded as SQLite 3.40 does: \u0000 ends it).
std::string DecodeString(const JNode& n) {
  std::string_view s = n.text;
  if (n.raw || !n.escaped) return std::string(s);
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    c = s[++i];
    switch (c) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        auto v = static_cast<uint32_t>(Hex4(s, i + 1));
        i += 4;
        if (v == 0) return out;
        if ((v & 0xfc00) == 0xd800 && i + 6 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u' &&
            (Hex4(s, i + 3) & 0xfc00) == 0xdc00) {
          // A surrogate pair; a lone surrogate is written as it is.
          v = ((v & 0x3ff) << 10) + (static_cast<uint32_t>(Hex4(s, i + 3)) & 0x3ff) + 0x10000;
          i += 6;
        }
        AppendUtf8(v, &out);
        break;
      }
      default: out.push_back(c); break;  // " \ /
    }
  }
  return out;
}

// SQLite's jsonReturn: the SQL value of a node (arrays and objects as JSON text).
Result<Value> NodeValue(const JNode& n) {
  switch (n.kind) {
    case JKind::kNull: return Value();
    case JKind::kTrue: return Value::Integer(1);
    case JKind::kFalse: return Value::Integer(0);
    case JKind::kInt: {
      int64_t i;
      IntParse p = ParseInt64(n.text, &i);
      if (p != IntParse::kOverflow && p != IntParse::kTwoPow63) return Value::Integer(i);
      [[fallthrough]];
    }
    case JKind::kReal: {
      double d;
      (void)ParseReal(n.text, &d);
      return Value::Real(d);
    }
    case JKind::kString: return Value::Text(DecodeString(n));
    case JKind::kSql: return *n.value;
    default: return RenderValue(n);
  }
}

// --- paths -----------------------------------------------------------------------------------

// The key of a ".key" or ."key" step; `p` starts after the '.'. False on a syntax error.
bool ParseKey(std::string_view p, std::string_view* key, size_t* used) {
  if (!p.empty() && p[0] == '"') {
    size_t e = p.find('"', 1);
    if (e == std::string_view::npos) return false;
    *key = p.substr(1, e - 1);
    *used = e + 1;
    return true;
  }
  size_t e = std::min(p.find_first_of(".["), p.size());
  if (e == 0) return false;
  *key = p.substr(0, e);
  *used = e;
  return true;
}

JNode Label(std::string_view key) {
  JNode l(JKind::kString);
  l.raw = true;
  l.text = key;
  return l;
}

// json_set's creation of what `rest` names under a missing member `key` of object `parent` (or
// a missing element of array `parent`): objects for ".key" steps, arrays for "[0]" steps, and
// a null node at the end for the caller to replace. Any other step creates nothing.
JNode* Append(JNode* parent, std::string_view key, std::string_view rest,
              std::optional<std::string_view>* err) {
  std::string_view k;
  size_t used;
  // SQLite attaches nothing unless every step can be created: check them all first.
  for (std::string_view r = rest; !r.empty();) {
    if (r[0] == '.') {
      if (!ParseKey(r.substr(1), &k, &used)) {
        *err = r.substr(1);
        return nullptr;
      }
      r = r.substr(1 + used);
    } else if (r.substr(0, 3) == "[0]") {
      r = r.substr(3);
    } else {
      return nullptr;
    }
  }
  if (parent->kind == JKind::kObject) parent->kids.push_back(Label(key));
  JNode* cur = &parent->kids.emplace_back();
  while (!rest.empty()) {
    if (rest[0] == '.') {
      (void)ParseKey(rest.substr(1), &k, &used);
      cur->kind = JKind::kObject;
      cur->kids.push_back(Label(k));
      rest = rest.substr(1 + used);
    } else {
      cur->kind = JKind::kArray;
      rest = rest.substr(3);
    }
    cur = &cur->kids.emplace_back();
  }
  return cur;
}

// One step of the way from the root to a node: the container and the index of the child
// taken (for objects, the member value's index).
using Trail = std::vector<std::pair<const JNode*, size_t>>;

// SQLite's jsonLookupStep: the node `path` (what follows the '$') selects under `node`, or
// nullptr. Syntax errors are found only as far as the walk gets; *err is then set to the rest
// of the path. With `append`, json_set's missing members and elements are created and
// *appended set. `trail` (optional) receives the steps taken.
JNode* Lookup(JNode* node, std::string_view path, bool append, bool* appended,
              std::optional<std::string_view>* err, Trail* trail = nullptr) {
  for (;;) {
    if (path.empty()) return node;
    if (node->kind == JKind::kSql) return nullptr;
    auto& kids = node->kids;
    size_t k;
    if (path[0] == '.') {
      if (node->kind != JKind::kObject) return nullptr;
      std::string_view key;
      size_t used;
      if (!ParseKey(path.substr(1), &key, &used)) {
        *err = path.substr(1);
        return nullptr;
      }
      path = path.substr(1 + used);
      for (k = 0; k < kids.size() && kids[k].text != key; k += 2) {
      }
      if (k >= kids.size()) {
        if (!append) return nullptr;
        *appended = true;
        return Append(node, key, path, err);
      }
      k++;
    } else if (path[0] == '[') {
      uint32_t idx = 0;  // wraps as SQLite's u32 does
      size_t j = 1;
      for (; j < path.size() && IsSqlDigit(path[j]); j++) idx = idx * 10 + (path[j] - '0');
      if (j < 2 || j >= path.size() || path[j] != ']') {
        if (path.size() < 2 || path[1] != '#') {
          *err = path;
          return nullptr;
        }
        if (node->kind != JKind::kArray) return nullptr;
        idx = 0;
        for (const JNode& e : kids) idx += e.removed ? 0 : 1;
        j = 2;
        if (path.size() > 3 && path[2] == '-' && IsSqlDigit(path[3])) {
          uint32_t x = 0;
          for (j = 3; j < path.size() && IsSqlDigit(path[j]); j++) x = x * 10 + (path[j] - '0');
          if (x > idx) return nullptr;
          idx -= x;
        }
        if (j >= path.size() || path[j] != ']') {
          *err = path;
          return nullptr;
        }
      }
      if (node->kind != JKind::kArray) return nullptr;
      path = path.substr(j + 1);
      // SQLite keeps the elements json_set appended in this call as one-element segments
      // after the parsed ones, and its walk goes on to the next segment even once it has
      // counted down to the element: with appended elements, every index up to the last
      // selects the last element.
      size_t seg_begin = 0;
      size_t seg_end = std::min<size_t>(node->parsed_kids, kids.size());
      for (;;) {
        for (k = seg_begin; k < seg_end && (idx > 0 || kids[k].removed); k++) {
          if (!kids[k].removed) idx--;
        }
        if (seg_end >= kids.size()) break;
        seg_begin = seg_end++;
      }
      if (k >= kids.size()) {
        if (idx != 0 || !append) return nullptr;
        *appended = true;
        return Append(node, {}, path, err);
      }
    } else {
      *err = path;
      return nullptr;
    }
    if (trail) trail->emplace_back(node, k);
    node = &kids[k];
  }
}

// A parsed JSON argument. Not movable: the tree points into `buf`.
struct Doc {
  std::string buf;
  std::string_view text;
  JNode root;
};

// Parses `v` into `d`: false for NULL, "malformed JSON" if it is not JSON.
Result<bool> ParseArg(const Value& v, Doc* d) {
  auto t = CText(v, &d->buf);
  if (!t) return false;
  d->text = *t;
  if (!ParseJson(d->text, &d->root)) return Malformed();
  return true;
}

// SQLite's jsonLookup: the node SQL path `p` selects (nullptr for a NULL path or nothing).
Result<JNode*> Find(JNode* root, const Value& p, bool append = false, bool* appended = nullptr,
                    Trail* trail = nullptr) {
  std::string buf;
  auto path = CText(p, &buf);
  if (!path) return nullptr;
  if (path->empty() || (*path)[0] != '$') return PathError(*path);
  std::optional<std::string_view> err;
  JNode* n = Lookup(root, path->substr(1), append, appended, &err, trail);
  if (err) return PathError(*err);
  return n;
}

// ->, ->> and json_extract with one path.
Result<Value> Extract(Args a, bool abbreviated, bool as_json) {
  Doc d;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArg(a[0], &d));
  if (!ok) return Value();
  JNode* n;
  std::string buf;
  auto path = CText(a[1], &buf);
  if (!path) return Value();
  if (abbreviated && (path->empty() || (*path)[0] != '$')) {
    // PostgreSQL-style: 2 -> $[2], key -> $.key, [2] -> $[2].
    std::string p(*path);
    std::string full = p.empty()          ? "$."
                       : IsSqlDigit(p[0]) ? "$[" + p + "]"
                       : p[0] == '['      ? "$" + p
                                          : "$." + p;
    DOSQL_ASSIGN_OR_RETURN(n, Find(&d.root, Value::Text(std::move(full))));
  } else {
    DOSQL_ASSIGN_OR_RETURN(n, Find(&d.root, a[1]));
  }
  if (!n) return Value();
  if (as_json) return RenderValue(*n);
  DOSQL_ASSIGN_OR_RETURN(Value v, NodeValue(*n));
  if (abbreviated) v.set_subtype(0);
  return v;
}

enum class EditMode { kInsert, kReplace, kSet };

// json_insert / json_replace / json_set.
Result<Value> Edit(Args a, EditMode mode, std::string_view name) {
  if (a.empty()) return Value();
  if (a.size() % 2 == 0) {
    return Status::InvalidArgument("json_" + std::string(name) +
                                   "() needs an odd number of arguments");
  }
  Doc d;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArg(a[0], &d));
  if (!ok) return Value();
  for (size_t i = 1; i < a.size(); i += 2) {
    bool appended = false;
    DOSQL_ASSIGN_OR_RETURN(JNode * n, Find(&d.root, a[i], mode != EditMode::kReplace, &appended));
    if (n && (appended || mode != EditMode::kInsert)) {
      n->kind = JKind::kSql;
      n->value = &a[i + 1];
      n->kids.clear();
    }
  }
  if (d.root.kind == JKind::kSql) return *d.root.value;
  return RenderValue(d.root);
}

// json_patch's node: members with null values dropped, in nested objects too.
void RemoveNulls(JNode* obj) {
  for (size_t k = 1; k < obj->kids.size(); k += 2) {
    JNode& v = obj->kids[k];
    if (v.kind == JKind::kNull) v.removed = true;
    if (v.kind == JKind::kObject) RemoveNulls(&v);
  }
}

// RFC 7396 merge of `patch` into `*target` as SQLite 3.40 does it. Recursion is bounded by the
// parse depth limit.
void MergePatch(JNode* target, JNode* patch) {
  if (patch->kind != JKind::kObject) {
    *target = std::move(*patch);
    return;
  }
  if (target->kind != JKind::kObject) {
    RemoveNulls(patch);
    *target = std::move(*patch);
    return;
  }
  bool appended = false;
  for (size_t i = 0; i + 1 < patch->kids.size(); i += 2) {
    std::string_view key = patch->kids[i].text;
    JNode& val = patch->kids[i + 1];
    size_t j = 0;
    for (; j < target->parsed_kids && target->kids[j].text != key; j += 2) {
    }
    if (j < target->parsed_kids) {
      JNode& member = target->kids[j + 1];
      if (member.removed || member.patched) continue;
      if (val.kind == JKind::kNull) {
        member.removed = true;
      } else {
        bool replaces = val.kind != JKind::kObject || member.kind != JKind::kObject;
        MergePatch(&member, &val);
        member.patched = replaces;
      }
    } else if (val.kind != JKind::kNull) {
      if (val.kind == JKind::kObject) RemoveNulls(&val);
      if (!appended) {
        // SQLite re-links the append chain of the target: members appended by an earlier
        // merge into this object (a duplicate label in the patch) are lost.
        target->kids.erase(target->kids.begin() + target->parsed_kids, target->kids.end());
        appended = true;
      }
      target->kids.push_back(std::move(patch->kids[i]));
      target->kids.push_back(std::move(val));
    }
  }
}

// --- json_each / json_tree -------------------------------------------------------------------

// A path step to an object member, as SQLite 3.40 prints it in fullkey/path: the label as
// written, in double quotes unless it is a letter followed by letters and digits.
void AppendKeyStep(const JNode& label, std::string* out) {
  auto alpha = [](char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; };
  std::string_view t = label.text;
  bool bare = !t.empty() && alpha(t[0]);
  for (size_t i = 1; bare && i < t.size(); i++) bare = alpha(t[i]) || IsSqlDigit(t[i]);
  out->push_back('.');
  if (!bare) out->push_back('"');
  out->append(t);
  if (!bare) out->push_back('"');
}

void AppendIndexStep(size_t i, std::string* out) {
  out->push_back('[');
  AppendInteger(static_cast<int64_t>(i), out);
  out->push_back(']');
}

class EachBuilder {
 public:
  EachBuilder(Value json, Value root) : json_(std::move(json)), root_(std::move(root)) {}

  Status Row(const JNode& n, Value key, Value parent, std::string fullkey, std::string path) {
    std::vector<Value> r(kJsonEachColumnCount);
    r[kJsonEachKey] = std::move(key);
    DOSQL_ASSIGN_OR_RETURN(r[kJsonEachValue], NodeValue(n));
    r[kJsonEachType] = Value::Text(std::string(kTypeNames[static_cast<int>(n.kind)]));
    if (!n.IsContainer()) r[kJsonEachAtom] = r[kJsonEachValue];
    r[kJsonEachId] = Value::Integer(n.id);
    r[kJsonEachParent] = std::move(parent);
    r[kJsonEachFullkey] = Value::Text(std::move(fullkey));
    r[kJsonEachPath] = Value::Text(std::move(path));
    r[kJsonEachJson] = json_;
    r[kJsonEachRoot] = root_;
    rows_.push_back(std::move(r));
    return Status::OK();
  }

  // The children of `c` (whose full key is `path`), and with `recursive` their descendants.
  Status Children(const JNode& c, const std::string& path, bool recursive) {
    bool obj = c.kind == JKind::kObject;
    Value parent = recursive ? Value::Integer(c.id) : Value();
    for (size_t k = obj ? 1 : 0, idx = 0; k < c.kids.size(); k += obj ? 2 : 1, idx++) {
      const JNode& n = c.kids[k];
      std::string full = path;
      if (obj) {
        AppendKeyStep(c.kids[k - 1], &full);
      } else {
        AppendIndexStep(idx, &full);
      }
      Value key = obj ? Value::Text(DecodeString(c.kids[k - 1]))
                      : Value::Integer(static_cast<int64_t>(idx));
      DOSQL_RETURN_IF_ERROR(Row(n, std::move(key), parent, full, path));
      if (recursive && n.IsContainer()) DOSQL_RETURN_IF_ERROR(Children(n, full, true));
    }
    return Status::OK();
  }

  std::vector<std::vector<Value>> Take() { return std::move(rows_); }

 private:
  Value json_, root_;
  std::vector<std::vector<Value>> rows_;
};

// --- aggregates ------------------------------------------------------------------------------

class JsonGroupState final : public AggregateState {
 public:
  explicit JsonGroupState(bool object) : object_(object) {}
  Status Step(std::span<const Value> args) override {
    out_.push_back(out_.empty() ? (object_ ? '{' : '[') : ',');
    if (object_) {
      // A NULL label appends nothing at all, as in SQLite.
      std::string label;
      if (AppendValueText(args[0], &label)) AppendJsonString(label, &out_);
      out_.push_back(':');
    }
    return AppendSqlValue(args[object_ ? 1 : 0], &out_);
  }
  Result<Value> Final() override {
    if (out_.empty()) return JsonText(object_ ? "{}" : "[]");
    return JsonText(out_ + (object_ ? '}' : ']'));
  }

 private:
  bool object_;
  std::string out_;
};

}  // namespace

// --- the SQL functions -----------------------------------------------------------------------

Result<Value> JsonValidFn(Args a, const Ctx&) {
  Doc d;
  auto r = ParseArg(a[0], &d);
  return Value::Integer(r.ok() && *r ? 1 : 0);
}

Result<Value> JsonExtractFn(Args a, const Ctx&) {
  if (a.size() < 2) return Value();
  if (a.size() == 2) return Extract(a, false, false);
  Doc d;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArg(a[0], &d));
  if (!ok) return Value();
  std::string out = "[";
  for (size_t i = 1; i < a.size(); i++) {
    DOSQL_ASSIGN_OR_RETURN(JNode * n, Find(&d.root, a[i]));
    if (i > 1) out.push_back(',');
    if (n) {
      DOSQL_RETURN_IF_ERROR(Render(*n, &out));
    } else {
      out.append("null");
    }
  }
  out.push_back(']');
  return JsonText(std::move(out));
}

Result<Value> JsonArrowFn(Args a, const Ctx&) { return Extract(a, true, true); }
Result<Value> JsonArrowTextFn(Args a, const Ctx&) { return Extract(a, true, false); }

// json_type/json_array_length(json[, path]): the node the optional path selects; nullptr for a
// NULL argument or a path that selects nothing.
Result<JNode*> PathNode(Args a, Doc* d) {
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArg(a[0], d));
  if (!ok) return nullptr;
  if (a.size() < 2) return &d->root;
  return Find(&d->root, a[1]);
}

Result<Value> JsonTypeFn(Args a, const Ctx&) {
  Doc d;
  DOSQL_ASSIGN_OR_RETURN(JNode* n, PathNode(a, &d));
  if (!n) return Value();
  return Value::Text(std::string(kTypeNames[static_cast<int>(n->kind)]));
}

Result<Value> JsonArrayFn(Args a, const Ctx&) {
  std::string out = "[";
  for (size_t i = 0; i < a.size(); i++) {
    if (i > 0) out.push_back(',');
    DOSQL_RETURN_IF_ERROR(AppendSqlValue(a[i], &out));
  }
  out.push_back(']');
  return JsonText(std::move(out));
}

Result<Value> JsonObjectFn(Args a, const Ctx&) {
  if (a.size() % 2 != 0) {
    return Status::InvalidArgument("json_object() requires an even number of arguments");
  }
  std::string out = "{";
  for (size_t i = 0; i < a.size(); i += 2) {
    if (a[i].type() != ValueType::kText) {
      return Status::InvalidArgument("json_object() labels must be TEXT");
    }
    if (i > 0) out.push_back(',');
    AppendJsonString(a[i].view(), &out);
    out.push_back(':');
    DOSQL_RETURN_IF_ERROR(AppendSqlValue(a[i + 1], &out));
  }
  out.push_back('}');
  return JsonText(std::move(out));
}

Result<Value> JsonArrayLengthFn(Args a, const Ctx&) {
  Doc d;
  DOSQL_ASSIGN_OR_RETURN(JNode* n, PathNode(a, &d));
  if (!n) return Value();
  return Value::Integer(n->kind == JKind::kArray ? static_cast<int64_t>(n->kids.size()) : 0);
}

Result<Value> JsonInsertFn(Args a, const Ctx&) { return Edit(a, EditMode::kInsert, "insert"); }
Result<Value> JsonReplaceFn(Args a, const Ctx&) { return Edit(a, EditMode::kReplace, "replace"); }
Result<Value> JsonSetFn(Args a, const Ctx&) { return Edit(a, EditMode::kSet, "set"); }

Result<Value> JsonRemoveFn(Args a, const Ctx&) {
  if (a.empty()) return Value();
  Doc d;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArg(a[0], &d));
  if (!ok) return Value();
  for (size_t i = 1; i < a.size(); i++) {
    if (a[i].is_null()) return Value();
    DOSQL_ASSIGN_OR_RETURN(JNode * n, Find(&d.root, a[i]));
    if (n) n->removed = true;
  }
  if (d.root.removed) return Value();
  return RenderValue(d.root);
}

Result<Value> JsonPatchFn(Args a, const Ctx&) {
  Doc target, patch;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArg(a[0], &target));
  if (!ok) return Value();
  DOSQL_ASSIGN_OR_RETURN(ok, ParseArg(a[1], &patch));
  if (!ok) return Value();
  MergePatch(&target.root, &patch.root);
  return RenderValue(target.root);
}

Result<Value> JsonQuoteFn(Args a, const Ctx&) {
  std::string out;
  DOSQL_RETURN_IF_ERROR(AppendSqlValue(a[0], &out));
  return JsonText(std::move(out));
}

std::unique_ptr<AggregateState> MakeJsonGroupArray(Collation) {
  return std::make_unique<JsonGroupState>(false);
}
std::unique_ptr<AggregateState> MakeJsonGroupObject(Collation) {
  return std::make_unique<JsonGroupState>(true);
}

Result<std::vector<std::vector<Value>>> JsonEachRows(const Value& json, const Value* path,
                                                     bool recursive) {
  Doc d;
  DOSQL_ASSIGN_OR_RETURN(bool ok, ParseArg(json, &d));
  if (!ok || (path && path->is_null())) return std::vector<std::vector<Value>>{};
  JNode* start = &d.root;
  Trail trail;
  std::string root_text = "$";
  if (path) {
    DOSQL_ASSIGN_OR_RETURN(start, Find(&d.root, *path, false, nullptr, &trail));
    if (!start) return std::vector<std::vector<Value>>{};
    std::string buf;
    root_text = std::string(*CText(*path, &buf));
  }
  EachBuilder b(Value::Text(std::string(d.text)), Value::Text(root_text));
  if (!recursive) {
    if (start->IsContainer()) {
      DOSQL_RETURN_IF_ERROR(b.Children(*start, root_text, false));
    } else {
      DOSQL_RETURN_IF_ERROR(b.Row(*start, Value(), Value(), root_text, root_text));
    }
    return b.Take();
  }
  // json_tree: the start node's full key as SQLite 3.40 computes it, with index 0 for every
  // array step above the start node (it never iterated those arrays).
  std::string full = "$", up = "$";
  for (const auto& [c, k] : trail) {
    up = full;
    if (c->kind == JKind::kObject) {
      AppendKeyStep(c->kids[k - 1], &full);
    } else {
      full.append("[0]");
    }
  }
  Value key;
  if (!trail.empty() && trail.back().first->kind == JKind::kObject && start->IsContainer()) {
    key = Value::Text(DecodeString(trail.back().first->kids[trail.back().second - 1]));
  }
  DOSQL_RETURN_IF_ERROR(b.Row(*start, std::move(key), Value(), full, up));
  if (start->IsContainer()) DOSQL_RETURN_IF_ERROR(b.Children(*start, full, true));
  return b.Take();
}

}  // namespace dosql::engine
