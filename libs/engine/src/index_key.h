// dosql::engine (internal) — index keys, and the labels that stand for TEXT values under a
// user-defined collation.
//
// An index entry's key is the concatenation of the AppendKeyValue encodings of its column values
// (DESC columns byte-complemented), then the row's RowidKey; the B-tree keeps entries in memcmp
// order of keys. For BINARY, NOCASE and RTRIM a TEXT value is encoded after a transformation
// (NOCASE folds ASCII letters, RTRIM drops trailing spaces) whose memcmp order is the
// collation's. A user-defined collation is a function with no such transformation, and the tree
// (also in WAL replay, where no connection and no collation exist) can only compare bytes. So
// in an index column that uses one, a TEXT value is stored as a *label*: an unsigned 64-bit
// number, encoded as an 8-byte big-endian TEXT key value, chosen so that among the entries
// that share the preceding key columns (a "group") label order is the collation's order and
// values equal under the collation share one label. NULLs, numbers and BLOBs are encoded as
// usual (a collation orders only TEXT).
//
// Such an index is "labelled": its entries' values hold the record of their column values (what
// the labels stand for), so the label of a value is found by bisecting the group's labels with
// cursor seeks and comparing the value with the entries' values through the collation:
// O(log n) seeks and collation calls. A new value takes a label between its neighbours'; when
// they are adjacent, the labels of the smallest enclosing aligned range of the group that is
// sparse enough are spread evenly again (order-maintenance relabelling, rewriting those entries
// in the same transaction). Lookups, range bounds, UNIQUE checks, ORDER BY walks and foreign key
// parent lookups all work on labelled indexes. If a collation is re-registered with a different
// order, its indexes are out of order until REINDEX (as in SQLite); nothing crashes, and a row's
// entry is still found for deletion (by a scan when its label cannot be).
//
// Threads: as the statement that calls these.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.h"
#include "dosql/core/status.h"
#include "dosql/core/value.h"
#include "dosql/engine/compare.h"
#include "dosql/transaction/store.h"
#include "exec.h"

namespace dosql::engine {

class TxnRouter;  // conn.h

struct ConnectionImpl;

// True if a column of `idx` uses a user-defined collation (TEXT values stored as labels).
bool IsLabelledIndex(const IndexInfo& idx);

// The collations of the columns of `idx`, user-defined ones with this connection's function;
// "no such collation sequence: NAME" if one is not registered.
Result<std::vector<Collation>> ResolveIndexCollations(ConnectionImpl* conn, const IndexInfo& idx);

// A value as an index column under a built-in collation stores it (NOCASE folds ASCII letters,
// RTRIM drops trailing spaces; otherwise unchanged).
Value IndexKeyValue(const Value& v, const Collation& coll);

enum class LabelMode : uint8_t {
  kLookup,  // only find the label of a value equal to one already in the index
  kInsert,  // also give a new value a label (an entry with it is about to be written)
};

// Reads (and, for kInsert, writes) of the index tree.
struct IndexKeyAccess {
  DataAccess* data = nullptr;
  TxnRouter* txn = nullptr;  // needed for kInsert (writes through the connection's router)
};

// Appends the key encoding of `v`, the value of column `col` of `idx` (collation `coll`,
// resolved if user-defined), to *key, which holds the encodings of columns 0..col-1. For a TEXT
// value under a user-defined collation this is its label in the group *key: kLookup sets
// *absent (appending nothing) when no entry's value equals v, so no entry can match the key.
Status AppendIndexKey(const IndexInfo& idx, size_t col, const Collation& coll, const Value& v,
                      LabelMode mode, const IndexKeyAccess& access, std::string* key, bool* absent);

// Appends a range bound for `v` on column `col` after *key (the equality prefix): where the
// entries that are >= v in the tree's order begin. *exact is false when no entry equals v under
// the collation; the bound then serves as both the inclusive and the exclusive one.
Status AppendIndexBound(const IndexInfo& idx, size_t col, const Collation& coll, const Value& v,
                        DataAccess* data, std::string* key, bool* exact);

// The value stored with an entry: a labelled index's entries hold the record of their column
// values; other indexes store nothing.
std::string IndexEntryValue(const IndexInfo& idx, std::span<const Value> column_values);

// Removes the entry `key` of row `rowid`. For a labelled index whose key could not be built
// (`absent`, the labels disagree with the collation) or is not there, the entry is found by
// scanning for the rowid.
Status DeleteIndexEntry(TxnRouter* txn, const IndexInfo& idx,
                        std::string_view key, bool absent, int64_t rowid);

}  // namespace dosql::engine
