// Index keys and the labels of TEXT values under user-defined collations: see index_key.h.
#include "index_key.h"

#include <algorithm>
#include <cmath>

#include "conn.h"
#include "dosql/core/record.h"

namespace dosql::engine {
namespace {

// Ranks: a label's position in the tree's order within its group (the label itself in an ASC
// column, its complement in a DESC one, whose encoding is byte-complemented). The two extremes
// are never used, so that "nothing before" and "nothing after" have ranks too.
constexpr uint64_t kBottom = 0;
constexpr uint64_t kTop = UINT64_MAX;
// A value that goes after (before) every other one in its group takes a label this far from
// its neighbour, so that appending in order leaves room for a long time.
constexpr uint64_t kEdgeStep = uint64_t{1} << 32;

// The first byte of every TEXT key encoding in this direction.
char TextTag(bool desc) {
  std::string t;
  AppendKeyValue(Value::Text(""), desc, &t);
  return t[0];
}

void AppendLabel(uint64_t rank, bool desc, std::string* out) {
  uint64_t label = desc ? ~rank : rank;
  char b[8];
  for (int i = 0; i < 8; i++) b[i] = static_cast<char>(label >> (56 - 8 * i));
  AppendKeyValue(Value::Text(std::string(b, 8)), desc, out);
}

// If `key` holds a label right after `prefix`: true, its rank, and where the rest of the key
// begins.
Result<bool> RankAt(std::string_view key, std::string_view prefix, bool desc, char tag,
                    uint64_t* rank, size_t* rest = nullptr) {
  if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0 ||
      key[prefix.size()] != tag) {
    return false;
  }
  std::string_view in = key.substr(prefix.size());
  Value v;
  DOSQL_RETURN_IF_ERROR(DecodeKeyValue(&in, desc, &v));
  if (v.type() != ValueType::kText || v.bytes().size() != 8) {
    return Status::Corruption("index entry with a malformed collation label");
  }
  uint64_t label = 0;
  for (unsigned char c : v.bytes()) label = label << 8 | c;
  *rank = desc ? ~label : label;
  if (rest) *rest = key.size() - in.size();
  return true;
}

// Column `col` of the values an entry of a labelled index holds (reusing *rr's and *out's
// buffers).
Status EntryColumn(const btree::Cursor& cur, size_t col, std::string* scratch, RecordReader* rr,
                   Value* out) {
  DOSQL_ASSIGN_OR_RETURN(std::string_view rec, cur.value(scratch));
  DOSQL_RETURN_IF_ERROR(rr->Init(rec));
  if (col >= rr->column_count()) return Status::Corruption("index entry without its values");
  return rr->ColumnInto(col, out);
}

struct LabelSearch {
  bool found = false;
  uint64_t rank = 0;  // found: the rank of the values equal to the one searched
  // Not found: the ranks of its neighbours in the tree's order (kBottom / kTop: none).
  uint64_t lo = kBottom;
  uint64_t hi = kTop;
};

// Bisects the labels of group `prefix` for `v`: each round seeks the middle of the rank interval
// still open, and compares v with the entry found there and the one before it.
Result<LabelSearch> FindLabel(btree::Cursor& cur, const std::string& prefix, bool desc, size_t col,
                              const Collation& coll, const Value& v) {
  const char tag = TextTag(desc);
  LabelSearch out;
  uint64_t lo = kBottom, hi = kTop;  // exclusive: every entry whose rank is in (lo, hi) is open
  std::string probe, scratch;
  RecordReader rr;
  Value t;
  // v against an entry's value in the tree's order.
  auto order = [&](const Value& t) {
    int c = CompareValues(v, t, coll);
    return desc ? -c : c;
  };
  for (int round = 0; hi - lo >= 2 && round < 256; round++) {
    const uint64_t m = lo + (hi - lo) / 2;
    probe = prefix;
    AppendLabel(m, desc, &probe);
    // The first entry at or after m.
    DOSQL_RETURN_IF_ERROR(cur.Seek(probe));
    uint64_t r = 0;
    bool in = false;
    if (cur.Valid()) {
      DOSQL_ASSIGN_OR_RETURN(in, RankAt(cur.key(), prefix, desc, tag, &r));
    }
    if (in && r < hi) {
      DOSQL_RETURN_IF_ERROR(EntryColumn(cur, col, &scratch, &rr, &t));
      int c = order(t);
      if (c == 0) {
        out.found = true;
        out.rank = r;
        return out;
      }
      if (c > 0) {
        lo = r;
        continue;
      }
      hi = r;  // nothing open in [m, hi) any more
    }
    // Nothing open in [m, hi): the last entry before m (the one before the cursor).
    if (cur.Valid()) {
      DOSQL_RETURN_IF_ERROR(cur.Prev());
    } else {
      DOSQL_RETURN_IF_ERROR(cur.SeekLast());
    }
    in = false;
    if (cur.Valid()) {
      DOSQL_ASSIGN_OR_RETURN(in, RankAt(cur.key(), prefix, desc, tag, &r));
    }
    if (!in || r <= lo) break;  // nothing open at all
    DOSQL_RETURN_IF_ERROR(EntryColumn(cur, col, &scratch, &rr, &t));
    int c = order(t);
    if (c == 0) {
      out.found = true;
      out.rank = r;
      return out;
    }
    if (c > 0) {
      lo = r;  // r is the last open entry: v goes right after it
      break;
    }
    hi = r;
  }
  out.lo = lo;
  out.hi = hi;
  return out;
}

// A rank strictly between lo and hi, or kBottom if they are adjacent.
uint64_t RankBetween(uint64_t lo, uint64_t hi) {
  if (hi - lo < 2) return kBottom;
  const uint64_t half = (hi - lo) / 2;
  if (lo == kBottom && hi == kTop) return uint64_t{1} << 63;
  if (hi == kTop) return lo + std::min(kEdgeStep, half);
  if (lo == kBottom) return hi - std::min(kEdgeStep, half);
  return lo + half;
}

// Makes room for a new value right after rank `lo` (whose successor rank is taken) in group
// `prefix`: finds the smallest aligned rank range around lo that is sparse enough (the density a
// range of 2^k ranks may have shrinks as 1.5^-k, which bounds the amortized cost), spreads the
// labels in it evenly with the new value among them, rewrites those entries, and returns the
// new value's rank.
Result<uint64_t> Relabel(const IndexKeyAccess& access, const IndexInfo& idx,
                         const std::string& prefix, bool desc, uint64_t lo) {
  const char tag = TextTag(desc);
  std::string probe, scratch;
  // Appends the distinct ranks of the entries with ranks in [a, b], in order, to *out.
  auto scan = [&](uint64_t a, uint64_t b, std::vector<uint64_t>* out) -> Status {
    DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, access.data->NewCursor(idx.tree));
    probe = prefix;
    AppendLabel(a, desc, &probe);
    DOSQL_RETURN_IF_ERROR(cur.Seek(probe));
    while (cur.Valid()) {
      uint64_t r;
      DOSQL_ASSIGN_OR_RETURN(bool in, RankAt(cur.key(), prefix, desc, tag, &r));
      if (!in || r > b) break;
      if (out->empty() || out->back() != r) out->push_back(r);
      DOSQL_RETURN_IF_ERROR(cur.Next());
    }
    return Status::OK();
  };
  // The windows are nested: each level scans only what the previous one did not cover.
  std::vector<uint64_t> ranks;  // the distinct ranks in [seen_base, seen_top]
  uint64_t seen_base = 0, seen_top = 0;
  bool seen = false;
  for (int k = 1; k <= 64; k++) {
    const uint64_t span = k == 64 ? kTop : (uint64_t{1} << k) - 1;  // window size - 1
    const uint64_t base = lo & ~span;
    const uint64_t top = base + span;
    const uint64_t first = std::max<uint64_t>(base, 1);
    const uint64_t last = std::min<uint64_t>(top, kTop - 1);
    const long double room = static_cast<long double>(last - first) + 1;
    if (!seen) {
      DOSQL_RETURN_IF_ERROR(scan(base, top, &ranks));
    } else {
      if (base < seen_base) {
        std::vector<uint64_t> left;
        DOSQL_RETURN_IF_ERROR(scan(base, seen_base - 1, &left));
        ranks.insert(ranks.begin(), left.begin(), left.end());
      }
      if (top > seen_top) DOSQL_RETURN_IF_ERROR(scan(seen_top + 1, top, &ranks));
    }
    seen = true;
    seen_base = base;
    seen_top = top;
    const uint64_t classes = ranks.size();
    const long double allowed = room / std::pow(1.5L, static_cast<long double>(k));
    if (static_cast<long double>(classes + 1) > allowed &&
        !(k == 64 && static_cast<long double>(classes + 2) <= room)) {
      continue;
    }
    if (static_cast<long double>(classes + 2) > room) {
      return Status::Internal("no room for another collation label");
    }
    // Collect the window's entries, then rewrite them with evenly spread labels.
    struct Entry {
      uint64_t rank;
      std::string key;
      size_t rest;
      std::string value;
    };
    std::vector<Entry> entries;
    {
      DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, access.data->NewCursor(idx.tree));
      probe = prefix;
      AppendLabel(base, desc, &probe);
      DOSQL_RETURN_IF_ERROR(cur.Seek(probe));
      while (cur.Valid()) {
        Entry e;
        DOSQL_ASSIGN_OR_RETURN(bool in, RankAt(cur.key(), prefix, desc, tag, &e.rank, &e.rest));
        if (!in || e.rank > top) break;
        e.key = std::string(cur.key());
        DOSQL_ASSIGN_OR_RETURN(std::string_view val, cur.value(&scratch));
        e.value = std::string(val);
        entries.push_back(std::move(e));
        DOSQL_RETURN_IF_ERROR(cur.Next());
      }
    }
    // Item j of the m = classes + 1 labels gets first - 1 + (j + 1) * gap.
    const uint64_t m = classes + 1;
    const unsigned __int128 gap = (static_cast<unsigned __int128>(last - first) + 1) / (m + 1);
    auto rank_of = [&](uint64_t j) {
      return static_cast<uint64_t>(static_cast<unsigned __int128>(first) - 1 + (j + 1) * gap);
    };
    uint64_t new_rank = 0;
    uint64_t j = 0;  // the item index of the current class
    bool placed = false;
    uint64_t prev = 0;
    bool any = false;
    std::vector<std::pair<std::string, std::string>> puts;
    for (Entry& e : entries) {
      if (any && e.rank != prev) j++;
      if (!placed && e.rank > lo) {
        new_rank = rank_of(j);
        placed = true;
        j++;
      }
      prev = e.rank;
      any = true;
      uint64_t r = rank_of(j);
      if (r == e.rank) continue;
      std::string key = prefix;
      AppendLabel(r, desc, &key);
      key.append(e.key, e.rest, std::string::npos);
      DOSQL_RETURN_IF_ERROR(access.txn->Delete(idx.tree, e.key));
      puts.emplace_back(std::move(key), std::move(e.value));
    }
    if (!placed) new_rank = rank_of(any ? j + 1 : 0);
    for (const auto& [key, value] : puts) {
      DOSQL_RETURN_IF_ERROR(access.txn->Put(idx.tree, key, value));
    }
    return new_rank;
  }
  return Status::Internal("no room for another collation label");
}

}  // namespace

bool IsLabelledIndex(const IndexInfo& idx) {
  for (const IndexColumn& ic : idx.columns) {
    if (ic.collation.is_user()) return true;
  }
  return false;
}

Result<std::vector<Collation>> ResolveIndexCollations(ConnectionImpl* conn, const IndexInfo& idx) {
  std::vector<Collation> out;
  out.reserve(idx.columns.size());
  for (const IndexColumn& ic : idx.columns) {
    if (!ic.collation.unresolved()) {
      out.push_back(ic.collation);
    } else if (conn) {
      DOSQL_ASSIGN_OR_RETURN(Collation c, conn->ResolveCollation(ic.collation));
      out.push_back(std::move(c));
    } else {
      return Status::NotFound("no such collation sequence: " +
                              std::string(CollationName(ic.collation)));
    }
  }
  return out;
}

namespace {
// Whether an index stores `v` under `coll` as other text (NOCASE folds, RTRIM trims).
bool KeyTextDiffers(const Value& v, const Collation& coll) {
  return v.type() == ValueType::kText &&
         (coll.kind() == Collation::kNoCase || coll.kind() == Collation::kRTrim);
}
}  // namespace

Value IndexKeyValue(const Value& v, const Collation& coll) {
  if (!KeyTextDiffers(v, coll)) return v;
  return Value::Text(CollationKeyText(v.view(), coll.kind()));
}

namespace {
// AppendKeyValue(IndexKeyValue(v, coll), ...) without copying a value stored unchanged.
void AppendCollatedKeyValue(const Value& v, const Collation& coll, bool desc, std::string* key) {
  if (KeyTextDiffers(v, coll)) {
    AppendKeyValue(IndexKeyValue(v, coll), desc, key);
  } else {
    AppendKeyValue(v, desc, key);
  }
}
}  // namespace

Status AppendIndexKey(const IndexInfo& idx, size_t col, const Collation& coll, const Value& v,
                      LabelMode mode, const IndexKeyAccess& access, std::string* key,
                      bool* absent) {
  const bool desc = idx.columns[col].desc;
  if (!coll.is_user() || v.type() != ValueType::kText) {
    AppendCollatedKeyValue(v, coll, desc, key);
    return Status::OK();
  }
  if (coll.unresolved()) {
    return Status::NotFound("no such collation sequence: " + std::string(CollationName(coll)));
  }
  LabelSearch s;
  {
    DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, access.data->NewCursor(idx.tree));
    DOSQL_ASSIGN_OR_RETURN(s, FindLabel(cur, *key, desc, col, coll, v));
  }
  if (s.found) {
    AppendLabel(s.rank, desc, key);
    return Status::OK();
  }
  if (mode == LabelMode::kLookup) {
    *absent = true;
    return Status::OK();
  }
  if (!access.txn) return Status::Internal("a new collation label needs the write transaction");
  uint64_t r = RankBetween(s.lo, s.hi);
  if (r == kBottom) {
    DOSQL_ASSIGN_OR_RETURN(r, Relabel(access, idx, *key, desc, s.lo));
  }
  AppendLabel(r, desc, key);
  return Status::OK();
}

Status AppendIndexBound(const IndexInfo& idx, size_t col, const Collation& coll, const Value& v,
                        DataAccess* data, std::string* key, bool* exact) {
  *exact = true;
  const bool desc = idx.columns[col].desc;
  if (!coll.is_user() || v.type() != ValueType::kText) {
    AppendCollatedKeyValue(v, coll, desc, key);
    return Status::OK();
  }
  if (coll.unresolved()) {
    return Status::NotFound("no such collation sequence: " + std::string(CollationName(coll)));
  }
  DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, data->NewCursor(idx.tree));
  DOSQL_ASSIGN_OR_RETURN(LabelSearch s, FindLabel(cur, *key, desc, col, coll, v));
  if (s.found) {
    AppendLabel(s.rank, desc, key);
  } else {
    *exact = false;
    AppendLabel(s.hi, desc, key);
  }
  return Status::OK();
}

std::string IndexEntryValue(const IndexInfo& idx, std::span<const Value> column_values) {
  if (!IsLabelledIndex(idx)) return std::string();
  return EncodeRecord(column_values);
}

Status DeleteIndexEntry(TxnRouter* txn, const IndexInfo& idx,
                        std::string_view key, bool absent, int64_t rowid) {
  const bool labelled = IsLabelledIndex(idx);
  if (!absent) {
    bool existed = false;
    DOSQL_RETURN_IF_ERROR(txn->Delete(idx.tree, key, &existed));
    if (existed || !labelled) return Status::OK();
  } else if (!labelled) {
    return Status::OK();
  }
  const std::string want = RowidKey(rowid);
  std::string found;
  {
    DOSQL_ASSIGN_OR_RETURN(btree::Cursor cur, txn->NewCursor(idx.tree));
    DOSQL_RETURN_IF_ERROR(cur.SeekFirst());
    while (cur.Valid()) {
      std::string_view k = cur.key();
      if (k.size() >= want.size() && k.substr(k.size() - want.size()) == want) {
        found = std::string(k);
        break;
      }
      DOSQL_RETURN_IF_ERROR(cur.Next());
    }
  }
  if (!found.empty()) DOSQL_RETURN_IF_ERROR(txn->Delete(idx.tree, found));
  return Status::OK();
}

}  // namespace dosql::engine
