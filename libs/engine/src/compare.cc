// SQLite's value comparison (sqlite3MemCompare) and its collating sequences.
#include "dosql/engine/compare.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace dosql::engine {
namespace {

inline unsigned char Lower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
}

int Sign(int64_t x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); }

int Binary(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  int r = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (r == 0) return Sign(static_cast<int64_t>(a.size()) - static_cast<int64_t>(b.size()));
  return r;
}

// sqlite3StrNICmp(a, b, n): stops at a NUL in `a`.
int NoCasePrefix(const unsigned char* a, const unsigned char* b, size_t n) {
  while (n > 0 && *a != 0 && Lower(*a) == Lower(*b)) {
    a++;
    b++;
    n--;
  }
  return n == 0 ? 0 : static_cast<int>(Lower(*a)) - static_cast<int>(Lower(*b));
}

}  // namespace

namespace {
bool EqualsLowerName(std::string_view name, std::string_view want) {
  if (name.size() != want.size()) return false;
  for (size_t i = 0; i < name.size(); i++) {
    if (Lower(static_cast<unsigned char>(name[i])) != static_cast<unsigned char>(want[i])) {
      return false;
    }
  }
  return true;
}

bool BuiltinFromName(std::string_view name, Collation::Kind* kind) {
  if (EqualsLowerName(name, "binary")) *kind = Collation::kBinary;
  else if (EqualsLowerName(name, "nocase")) *kind = Collation::kNoCase;
  else if (EqualsLowerName(name, "rtrim")) *kind = Collation::kRTrim;
  else return false;
  return true;
}

bool SameNameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (Lower(static_cast<unsigned char>(a[i])) != Lower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}
}  // namespace

Collation Collation::User(std::shared_ptr<const UserCollation> u) {
  Collation c(kUser);
  c.user_ = std::move(u);
  return c;
}

Collation Collation::Named(std::string_view name) {
  Kind k;
  if (BuiltinFromName(name, &k)) return Collation(k);
  auto u = std::make_shared<UserCollation>();
  u->name = std::string(name);
  return User(std::move(u));
}

bool operator==(const Collation& a, const Collation& b) {
  if (a.kind_ != b.kind_) return false;
  if (a.kind_ != Collation::kUser) return true;
  if (a.user_ == b.user_) return true;
  if (!a.user_ || !b.user_) return false;
  return SameNameIgnoringCase(a.user_->name, b.user_->name);
}

Result<Collation> CollationFromName(std::string_view name) {
  Collation::Kind k;
  if (BuiltinFromName(name, &k)) return Collation(k);
  return Status::NotFound("no such collation sequence: " + std::string(name));
}

bool IsBuiltinCollationName(std::string_view name) {
  Collation::Kind k;
  return BuiltinFromName(name, &k);
}

std::string_view CollationName(const Collation& c) {
  switch (c.kind()) {
    case Collation::kBinary: return "BINARY";
    case Collation::kNoCase: return "NOCASE";
    case Collation::kRTrim: return "RTRIM";
    case Collation::kUser: return c.user() ? std::string_view(c.user()->name) : "BINARY";
  }
  return "BINARY";
}

std::string CollationKeyText(std::string_view text, Collation::Kind kind) {
  std::string s(text);
  if (kind == Collation::kNoCase) {
    const size_t nul = s.find('\0');
    if (nul != std::string::npos) {
      s.resize(nul + 1);
      for (int shift = 56; shift >= 0; shift -= 8) {
        s.push_back(static_cast<char>((static_cast<uint64_t>(text.size()) >> shift) & 0xff));
      }
    }
    for (size_t i = 0; i < s.size() && (nul == std::string::npos || i < nul); i++) {
      if (s[i] >= 'A' && s[i] <= 'Z') s[i] = static_cast<char>(s[i] - 'A' + 'a');
    }
  } else if (kind == Collation::kRTrim) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
  }
  return s;
}

int CompareText(std::string_view a, std::string_view b, const Collation& coll) {
  switch (coll.kind()) {
    case Collation::kBinary:
      return Binary(a, b);
    case Collation::kNoCase: {
      size_t n = std::min(a.size(), b.size());
      int r = NoCasePrefix(reinterpret_cast<const unsigned char*>(a.data()),
                           reinterpret_cast<const unsigned char*>(b.data()), n);
      if (r == 0) return Sign(static_cast<int64_t>(a.size()) - static_cast<int64_t>(b.size()));
      return r;
    }
    case Collation::kRTrim: {
      while (!a.empty() && a.back() == ' ') a.remove_suffix(1);
      while (!b.empty() && b.back() == ' ') b.remove_suffix(1);
      return Binary(a, b);
    }
    case Collation::kUser: {
      const UserCollation* u = coll.user();
      if (u && u->compare) {
        int r = u->compare(a, b);
        return r < 0 ? -1 : (r > 0 ? 1 : 0);
      }
      return Binary(a, b);
    }
  }
  return Binary(a, b);
}

int CompareIntReal(int64_t i, double r) {
  long double x = static_cast<long double>(i);
  if (x < r) return -1;
  if (x > r) return 1;
  return 0;
}

int CompareValues(const Value& a, const Value& b, const Collation& coll) {
  ValueType ta = a.type(), tb = b.type();
  if (ta == ValueType::kNull || tb == ValueType::kNull) {
    if (ta == tb) return 0;
    return ta == ValueType::kNull ? -1 : 1;
  }
  bool na = a.is_numeric(), nb = b.is_numeric();
  if (na || nb) {
    if (!na) return 1;
    if (!nb) return -1;
    if (ta == ValueType::kInteger) {
      if (tb == ValueType::kInteger) {
        return a.integer() < b.integer() ? -1 : (a.integer() > b.integer() ? 1 : 0);
      }
      return CompareIntReal(a.integer(), b.real());
    }
    if (tb == ValueType::kInteger) return -CompareIntReal(b.integer(), a.real());
    double x = a.real(), y = b.real();
    if (x < y) return -1;
    if (x > y) return 1;
    return 0;
  }
  if (ta == ValueType::kText || tb == ValueType::kText) {
    if (ta != ValueType::kText) return 1;
    if (tb != ValueType::kText) return -1;
    return CompareText(a.view(), b.view(), coll);
  }
  return Binary(a.view(), b.view());
}

TriBool TriNot(TriBool a) {
  if (a == TriBool::kNull) return a;
  return a == TriBool::kTrue ? TriBool::kFalse : TriBool::kTrue;
}

TriBool TriAnd(TriBool a, TriBool b) {
  if (a == TriBool::kFalse || b == TriBool::kFalse) return TriBool::kFalse;
  if (a == TriBool::kNull || b == TriBool::kNull) return TriBool::kNull;
  return TriBool::kTrue;
}

TriBool TriOr(TriBool a, TriBool b) {
  if (a == TriBool::kTrue || b == TriBool::kTrue) return TriBool::kTrue;
  if (a == TriBool::kNull || b == TriBool::kNull) return TriBool::kNull;
  return TriBool::kFalse;
}

Value TriToValue(TriBool t) {
  if (t == TriBool::kNull) return Value::Null();
  return Value::Integer(t == TriBool::kTrue ? 1 : 0);
}

TriBool CompareExpr(const Value& lhs, const Value& rhs, CompareOp op, Affinity affinity,
                    const Collation& coll) {
  if (lhs.is_null() || rhs.is_null()) {
    if (op == CompareOp::kIs) return TriFromBool(lhs.is_null() && rhs.is_null());
    if (op == CompareOp::kIsNot) return TriFromBool(!(lhs.is_null() && rhs.is_null()));
    return TriBool::kNull;
  }
  int c;
  bool converts =
      (IsNumericAffinity(affinity) &&
       (lhs.type() == ValueType::kText || rhs.type() == ValueType::kText)) ||
      (affinity == Affinity::kText && (lhs.type() == ValueType::kText ||
                                       rhs.type() == ValueType::kText) &&
       (lhs.is_numeric() || rhs.is_numeric()));
  if (converts) {
    Value l = lhs, r = rhs;
    ApplyComparisonAffinity(&l, &r, affinity);
    c = CompareValues(l, r, coll);
  } else {
    c = CompareValues(lhs, rhs, coll);
  }
  return CompareOutcome(c, op);
}

}  // namespace dosql::engine
