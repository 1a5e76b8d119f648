// The C API (dosql.h) on top of the facade (dosql/dosql.h): handles, SQLite's state machine for
// statements, result codes and messages, and value conversions.
//
// Every exported function catches all exceptions (std::bad_alloc -> DOSQL_NOMEM, anything else
// -> DOSQL_INTERNAL) and records the error on the database handle when there is one. A database
// handle's recursive mutex serializes the calls on it and on its statements (dosql_exec's
// callback may call back into the API on the same handle).
#define DOSQL_NO_DB_TYPEDEF  // namespace dosql and the handle typedef cannot share a name
#include "dosql.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dosql/dosql.h"
#include "dosql/engine/affinity.h"

namespace {

// SQLite's SQLITE_MAX_LENGTH: the largest string or blob.
constexpr uint64_t kMaxLength = 1000000000;

constexpr const char* kUnfinalizedMessage =
    "unable to close due to unfinalized statements or unfinished backups";

const char* ErrStr(int rc) {
  static const char* const kMessages[] = {
      /* DOSQL_OK         */ "not an error",
      /* DOSQL_ERROR      */ "SQL logic error",
      /* DOSQL_INTERNAL   */ nullptr,
      /* DOSQL_PERM       */ "access permission denied",
      /* DOSQL_ABORT      */ "query aborted",
      /* DOSQL_BUSY       */ "database is locked",
      /* DOSQL_LOCKED     */ "database table is locked",
      /* DOSQL_NOMEM      */ "out of memory",
      /* DOSQL_READONLY   */ "attempt to write a readonly database",
      /* DOSQL_INTERRUPT  */ "interrupted",
      /* DOSQL_IOERR      */ "disk I/O error",
      /* DOSQL_CORRUPT    */ "database disk image is malformed",
      /* DOSQL_NOTFOUND   */ "unknown operation",
      /* DOSQL_FULL       */ "database or disk is full",
      /* DOSQL_CANTOPEN   */ "unable to open database file",
      /* DOSQL_PROTOCOL   */ "locking protocol",
      /* DOSQL_EMPTY      */ nullptr,
      /* DOSQL_SCHEMA     */ "database schema has changed",
      /* DOSQL_TOOBIG     */ "string or blob too big",
      /* DOSQL_CONSTRAINT */ "constraint failed",
      /* DOSQL_MISMATCH   */ "datatype mismatch",
      /* DOSQL_MISUSE     */ "bad parameter or other API misuse",
      /* DOSQL_NOLFS      */ nullptr,
      /* DOSQL_AUTH       */ "authorization denied",
      /* DOSQL_FORMAT     */ nullptr,
      /* DOSQL_RANGE      */ "column index out of range",
      /* DOSQL_NOTADB     */ "file is not a database",
      /* DOSQL_NOTICE     */ "notification message",
      /* DOSQL_WARNING    */ "warning message",
  };
  switch (rc) {
    case DOSQL_ABORT_ROLLBACK:
      return "abort due to ROLLBACK";
    case DOSQL_ROW:
      return "another row available";
    case DOSQL_DONE:
      return "no more rows available";
    default: {
      int primary = rc & 0xff;
      if (primary >= 0 && primary < static_cast<int>(sizeof(kMessages) / sizeof(kMessages[0])) &&
          kMessages[primary] != nullptr) {
        return kMessages[primary];
      }
      return "unknown error";
    }
  }
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The result code (extended) for a failed Status.
int CodeFor(const dosql::Status& s) {
  using dosql::StatusCode;
  const std::string& m = s.message();
  if (m == "datatype mismatch") return DOSQL_MISMATCH;
  if (StartsWith(m, "string or blob too big")) return DOSQL_TOOBIG;
  if (StartsWith(m, "no such collation sequence: ")) return DOSQL_ERROR_MISSING_COLLSEQ;
  switch (s.code()) {
    case StatusCode::kOk:
      return DOSQL_OK;
    case StatusCode::kConstraint:
      if (StartsWith(m, "UNIQUE constraint failed")) return DOSQL_CONSTRAINT_UNIQUE;
      if (StartsWith(m, "NOT NULL constraint failed")) return DOSQL_CONSTRAINT_NOTNULL;
      if (StartsWith(m, "CHECK constraint failed")) return DOSQL_CONSTRAINT_CHECK;
      if (StartsWith(m, "FOREIGN KEY constraint failed")) return DOSQL_CONSTRAINT_FOREIGNKEY;
      if (StartsWith(m, "cannot store")) return DOSQL_CONSTRAINT_DATATYPE;
      return DOSQL_CONSTRAINT;
    case StatusCode::kBusy:
      return DOSQL_BUSY;
    case StatusCode::kReadOnly:
      return DOSQL_READONLY;
    case StatusCode::kCorruption:
      return DOSQL_CORRUPT;
    case StatusCode::kIOError:
      return DOSQL_IOERR;
    case StatusCode::kNoSpace:
      return DOSQL_FULL;
    case StatusCode::kAborted:
      if (m == "interrupted") return DOSQL_INTERRUPT;
      return DOSQL_ABORT;
    case StatusCode::kInternal:
      return DOSQL_INTERNAL;
    case StatusCode::kNoMemory:
      return DOSQL_NOMEM;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kOutOfRange:
    case StatusCode::kNotSupported:
    case StatusCode::kSyntaxError:
      return DOSQL_ERROR;
  }
  return DOSQL_ERROR;
}

bool AllDigits(std::string_view s, size_t* pos) {
  size_t start = *pos;
  while (*pos < s.size() && s[*pos] >= '0' && s[*pos] <= '9') ++*pos;
  return *pos > start;
}

// The engine's syntax errors read 'near "X": syntax error at line 1, column 8: expected ...'.
// SQLite's read 'near "X": syntax error': the position (also given by dosql_error_offset) and
// the hint are cut so that programs matching SQLite's messages keep working.
std::string SqliteMessage(const dosql::Status& s) {
  const std::string& m = s.message();
  if (s.code() != dosql::StatusCode::kSyntaxError) return m;
  constexpr std::string_view kAtLine = " at line ";
  constexpr std::string_view kColumn = ", column ";
  for (size_t at = m.find(kAtLine); at != std::string::npos; at = m.find(kAtLine, at + 1)) {
    size_t p = at + kAtLine.size();
    if (!AllDigits(m, &p)) continue;
    if (m.compare(p, kColumn.size(), kColumn) != 0) continue;
    p += kColumn.size();
    if (!AllDigits(m, &p)) continue;
    if (p == m.size() || m[p] == ':') return m.substr(0, at);
  }
  return m;
}

int TypeCode(dosql::ValueType t) {
  switch (t) {
    case dosql::ValueType::kInteger:
      return DOSQL_INTEGER;
    case dosql::ValueType::kReal:
      return DOSQL_FLOAT;
    case dosql::ValueType::kText:
      return DOSQL_TEXT;
    case dosql::ValueType::kBlob:
      return DOSQL_BLOB;
    case dosql::ValueType::kNull:
      return DOSQL_NULL;
  }
  return DOSQL_NULL;
}

// Databases opened read-write from files, by canonical path, so that several handles in one
// process share one store (a store's directory lock admits one opener).
struct Registry {
  std::mutex mu;
  std::map<std::string, std::weak_ptr<dosql::Database>> open;
};

Registry& GetRegistry() {
  static Registry* registry = new Registry();  // never destroyed: handles may outlive statics
  return *registry;
}

std::string CanonicalPath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return path;
  std::filesystem::path canon = std::filesystem::weakly_canonical(abs, ec);
  if (ec) return abs.lexically_normal().string();
  return canon.string();
}

}  // namespace

struct dosql_stmt;

// A collation registered through dosql_create_collation_v2 (see there).
struct CCollation {
  void* arg = nullptr;
  int (*compare)(void*, int, const void*, int, const void*) = nullptr;  // null: deleted
  void (*destroy)(void*) = nullptr;
  // Calls xDestroy once (when replaced, deleted, or at close).
  void Release() {
    if (destroy) {
      auto d = destroy;
      destroy = nullptr;
      d(arg);
    }
  }
};

struct dosql_db {
  std::recursive_mutex mu;
  std::shared_ptr<dosql::Database> database;
  std::unique_ptr<dosql::Connection> conn;  // null if the open failed
  std::string filename;                     // absolute path; "" for in-memory
  std::string registry_key;                 // "" if not shared through the registry
  bool read_only = false;
  bool extended_codes = false;
  bool zombie = false;      // dosql_close_v2 with statements left: closes at the last finalize
  int err_code = DOSQL_OK;  // extended
  std::string err_msg;      // "" -> the code's ErrStr
  // dosql_db_filename of attached and temp databases, by name (the pointers handed out stay
  // valid while the handle is open).
  std::map<std::string, std::unique_ptr<std::string>> db_filenames;
  int err_offset = -1;
  dosql_stmt* stmts = nullptr;  // newest first
  int stepping = 0;             // dosql_step calls running on this handle (callbacks nest)
  // Collations from dosql_create_collation_v2 by lower-case name (also deleted ones that still
  // owe their xDestroy call), and the dosql_collation_needed callback.
  std::map<std::string, std::shared_ptr<CCollation>> collations;
  void* collation_needed_arg = nullptr;
  void (*collation_needed)(void*, dosql_db*, int, const char*) = nullptr;

  void SetError(int code, std::string_view msg = {}, int offset = -1) {
    err_code = code;
    err_offset = offset;
    try {
      err_msg.assign(msg);
    } catch (...) {
      err_msg.clear();
    }
  }
  void SetError(const dosql::Status& s, int offset = -1) {
    SetError(CodeFor(s), SqliteMessage(s), offset);
  }
  // The code as functions return it: the primary code unless extended codes are on.
  int Ret(int code) const { return extended_codes ? code : (code & 0xff); }
};

struct dosql_stmt {
  enum class State { kReady, kRow, kDone, kFailed };

  dosql_db* db = nullptr;
  std::unique_ptr<dosql::Statement> stmt;
  std::string sql;  // the statement's text through its ';' (sqlite3_sql)
  std::vector<std::string> param_names;
  State state = State::kReady;
  bool legacy = false;  // dosql_prepare: errors from dosql_step are DOSQL_ERROR
  int last_error = DOSQL_OK;
  std::string last_msg;
  int last_offset = -1;
  // Per column of the current row: the text rendering of a number (valid if text_valid), and
  // whether a BLOB was read as text (SQLite then reports it as TEXT).
  std::vector<std::string> text;
  std::vector<char> text_valid;
  std::vector<char> blob_as_text;
  dosql_stmt* prev = nullptr;
  dosql_stmt* next = nullptr;

  void ClearRowCache() {
    std::fill(text_valid.begin(), text_valid.end(), 0);
    std::fill(blob_as_text.begin(), blob_as_text.end(), 0);
  }
  // Sizes the caches for the current column count; called before a row is exposed, so that no
  // pointer into `text` is invalidated by a resize.
  void PrepareRowCache() {
    size_t n = static_cast<size_t>(stmt->column_count());
    if (text.size() != n) {
      text.resize(n);
      text_valid.assign(n, 0);
      blob_as_text.assign(n, 0);
    } else {
      ClearRowCache();
    }
  }
  bool HasColumn(int i) const {
    return state == State::kRow && i >= 0 && i < stmt->column_count() &&
           static_cast<size_t>(i) < text.size();
  }
};

namespace {

void Link(dosql_db* db, dosql_stmt* s) {
  s->db = db;
  s->next = db->stmts;
  if (db->stmts) db->stmts->prev = s;
  db->stmts = s;
}

void Unlink(dosql_stmt* s) {
  if (s->prev) {
    s->prev->next = s->next;
  } else {
    s->db->stmts = s->next;
  }
  if (s->next) s->next->prev = s->prev;
  s->prev = s->next = nullptr;
}

// Releases the connection and the database (closing it if this was the last user) and frees
// the handle. The caller holds no lock on db->mu.
void DestroyDb(dosql_db* db) {
  try {
    db->conn.reset();
    for (auto& [name, c] : db->collations) c->Release();
    db->collations.clear();
    std::shared_ptr<dosql::Database> database = std::move(db->database);
    if (database) {
      if (!db->registry_key.empty()) {
        Registry& reg = GetRegistry();
        std::lock_guard<std::mutex> lock(reg.mu);
        if (database.use_count() == 1) {
          reg.open.erase(db->registry_key);
          database->Close().IgnoreError();
        }
        database.reset();
      } else {
        if (database.use_count() == 1) database->Close().IgnoreError();
        database.reset();
      }
    }
  } catch (...) {
  }
  delete db;
}

// Runs `fn` under the handle's lock, turning exceptions into DOSQL_NOMEM / DOSQL_INTERNAL.
template <typename Fn>
int Guarded(dosql_db* db, Fn&& fn) noexcept {
  try {
    std::lock_guard<std::recursive_mutex> lock(db->mu);
    try {
      return fn();
    } catch (const std::bad_alloc&) {
      db->SetError(DOSQL_NOMEM);
      return DOSQL_NOMEM;
    } catch (...) {
      db->SetError(DOSQL_INTERNAL, "internal error: unexpected exception");
      return DOSQL_INTERNAL;
    }
  } catch (...) {
    return DOSQL_INTERNAL;
  }
}

// The same for functions that return a value; `fallback` on an exception.
template <typename T, typename Fn>
T GuardedValue(dosql_db* db, T fallback, Fn&& fn) noexcept {
  try {
    std::lock_guard<std::recursive_mutex> lock(db->mu);
    try {
      return fn();
    } catch (const std::bad_alloc&) {
      db->SetError(DOSQL_NOMEM);
    } catch (...) {
      db->SetError(DOSQL_INTERNAL, "internal error: unexpected exception");
    }
  } catch (...) {
  }
  return fallback;
}

int OpenImpl(const char* filename, dosql_db** ppDb, int flags) noexcept {
  if (ppDb == nullptr) return DOSQL_MISUSE;
  *ppDb = nullptr;
  dosql_db* db = new (std::nothrow) dosql_db();
  if (db == nullptr) return DOSQL_NOMEM;
  *ppDb = db;  // as SQLite: a handle (to close) even when the open fails
  db->extended_codes = (flags & DOSQL_OPEN_EXRESCODE) != 0;
  return Guarded(db, [&]() -> int {
    // One of READONLY, READWRITE, READWRITE|CREATE (SQLite's check).
    if (((1 << (flags & 7)) & 0x46) == 0) {
      db->SetError(DOSQL_MISUSE);
      return DOSQL_MISUSE;
    }
    std::string path = filename ? filename : "";
    bool in_memory = path.empty() || path == ":memory:" || (flags & DOSQL_OPEN_MEMORY) != 0;
    dosql::DatabaseOptions options;
    options.read_only = (flags & DOSQL_OPEN_READONLY) != 0;
    options.create_if_missing = (flags & DOSQL_OPEN_CREATE) != 0;
    db->read_only = options.read_only;
    auto fail = [&](const dosql::Status& s) {
      int code = CodeFor(s);
      if (code == DOSQL_ERROR || code == DOSQL_IOERR || s.code() == dosql::StatusCode::kNotFound) {
        code = DOSQL_CANTOPEN;
      }
      if (code == DOSQL_CANTOPEN) {
        db->SetError(code);  // SQLite's message: "unable to open database file"
      } else {
        db->SetError(code, s.message());
      }
      return db->Ret(code);
    };
    if (in_memory) {
      // An in-memory database starts empty: it is always writable.
      options.read_only = false;
      options.create_if_missing = true;
      db->read_only = false;
      auto opened = dosql::Database::Open(":memory:", options);
      if (!opened.ok()) return fail(opened.status());
      db->database = std::move(opened).value();
    } else {
      db->filename = CanonicalPath(path);
      // As SQLite: the directory that holds the database must exist (the engine would create
      // missing parents).
      std::error_code ec;
      std::filesystem::path parent = std::filesystem::path(db->filename).parent_path();
      if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
        db->SetError(DOSQL_CANTOPEN);
        return db->Ret(DOSQL_CANTOPEN);
      }
      if (options.read_only) {
        // A read-only open never takes the store's lock: it gets its own Database.
        auto opened = dosql::Database::Open(path, options);
        if (!opened.ok()) return fail(opened.status());
        db->database = std::move(opened).value();
      } else {
        Registry& reg = GetRegistry();
        std::lock_guard<std::mutex> lock(reg.mu);
        auto it = reg.open.find(db->filename);
        if (it != reg.open.end()) db->database = it->second.lock();
        if (!db->database) {
          auto opened = dosql::Database::Open(path, options);
          if (!opened.ok()) return fail(opened.status());
          db->database = std::move(opened).value();
          reg.open[db->filename] = db->database;
        }
        db->registry_key = db->filename;
      }
    }
    auto conn = db->database->Connect();
    if (!conn.ok()) return fail(conn.status());
    db->conn = std::move(conn).value();
    db->SetError(DOSQL_OK);
    return DOSQL_OK;
  });
}

int CloseImpl(dosql_db* db, bool v2) noexcept {
  if (db == nullptr) return DOSQL_OK;
  int rc = Guarded(db, [&]() -> int {
    if (db->stmts != nullptr) {
      if (v2) {
        db->zombie = true;
        return DOSQL_OK;
      }
      db->SetError(DOSQL_BUSY, kUnfinalizedMessage);
      return DOSQL_BUSY;
    }
    return -1;  // close now, outside the lock
  });
  if (rc != -1) return rc;
  DestroyDb(db);
  return DOSQL_OK;
}

int PrepareImpl(dosql_db* db, const char* zSql, int nByte, dosql_stmt** ppStmt, const char** pzTail,
                bool legacy) noexcept {
  if (ppStmt == nullptr) return DOSQL_MISUSE;
  *ppStmt = nullptr;
  if (pzTail) *pzTail = zSql;
  if (db == nullptr) return DOSQL_MISUSE;
  return Guarded(db, [&]() -> int {
    if (!db->conn || db->zombie) return DOSQL_MISUSE;
    if (zSql == nullptr) {
      db->SetError(DOSQL_MISUSE);
      return DOSQL_MISUSE;
    }
    size_t len = nByte < 0 ? std::strlen(zSql) : strnlen(zSql, static_cast<size_t>(nByte));
    std::string_view sql(zSql, len);
    size_t tail = len;
    auto prepared = db->conn->Prepare(sql, &tail);
    if (tail > len) tail = len;
    if (pzTail) *pzTail = zSql + tail;
    if (!prepared.ok()) {
      const dosql::Status& s = prepared.status();
      int offset = db->conn->error_offset();
      // SQLite reports no position when the input ends early.
      if (s.code() == dosql::StatusCode::kSyntaxError &&
          StartsWith(s.message(), "incomplete input")) {
        offset = -1;
      }
      db->SetError(s, offset);
      return db->Ret(CodeFor(s));
    }
    std::unique_ptr<dosql::Statement> engine_stmt = std::move(prepared).value();
    db->SetError(DOSQL_OK);
    if (!engine_stmt) return DOSQL_OK;  // only spaces, comments or ';'
    auto s = std::make_unique<dosql_stmt>();
    s->stmt = std::move(engine_stmt);
    s->sql.assign(zSql, tail);
    s->legacy = legacy;
    int n = s->stmt->parameter_count();
    s->param_names.reserve(static_cast<size_t>(n));
    for (int i = 1; i <= n; i++) s->param_names.emplace_back(s->stmt->parameter_name(i));
    Link(db, s.get());
    *ppStmt = s.release();
    return DOSQL_OK;
  });
}

// Runs the checks SQLite's bind functions make, then binds `make()`'s value.
template <typename MakeValue>
int BindImpl(dosql_stmt* s, int i, MakeValue&& make) noexcept {
  if (s == nullptr) return DOSQL_MISUSE;
  dosql_db* db = s->db;
  return Guarded(db, [&]() -> int {
    if (s->state != dosql_stmt::State::kReady) {
      db->SetError(DOSQL_MISUSE);
      return DOSQL_MISUSE;
    }
    if (i < 1 || i > s->stmt->parameter_count()) {
      db->SetError(DOSQL_RANGE);
      return DOSQL_RANGE;
    }
    db->SetError(DOSQL_OK);  // as SQLite: a bind that passes the checks clears the error
    dosql::Value v;
    int rc = make(&v);
    if (rc != DOSQL_OK) {
      db->SetError(rc);
      return db->Ret(rc);
    }
    dosql::Status st = s->stmt->Bind(i, std::move(v));
    if (!st.ok()) {
      int code = st.code() == dosql::StatusCode::kOutOfRange ? DOSQL_RANGE : CodeFor(st);
      db->SetError(code, st.message());
      return db->Ret(code);
    }
    return DOSQL_OK;
  });
}

bool IsCallableDestructor(void (*xDel)(void*)) {
  return xDel != DOSQL_STATIC && xDel != DOSQL_TRANSIENT;
}

// Text or blob bind: copies the bytes, then calls a caller-supplied destructor (also on failure).
int BindBytes(dosql_stmt* s, int i, const void* data, uint64_t n, bool negative_len,
              void (*xDel)(void*), bool text) noexcept {
  struct CallDestructor {
    const void* data;
    void (*xDel)(void*);
    ~CallDestructor() {
      if (data != nullptr && IsCallableDestructor(xDel)) xDel(const_cast<void*>(data));
    }
  } guard{data, xDel};
  return BindImpl(s, i, [&](dosql::Value* v) -> int {
    if (data == nullptr) return DOSQL_OK;  // same as dosql_bind_null
    const char* p = static_cast<const char*>(data);
    if (negative_len) {
      if (!text) return DOSQL_MISUSE;
      n = std::strlen(p);
    }
    if (n > kMaxLength) return DOSQL_TOOBIG;
    std::string bytes(p, static_cast<size_t>(n));
    *v = text ? dosql::Value::Text(std::move(bytes)) : dosql::Value::Blob(std::move(bytes));
    return DOSQL_OK;
  });
}

// The value of column i of the current row, or null (with DOSQL_RANGE recorded, as SQLite
// does) if there is no row or no such column. The caller holds the lock.
const dosql::Value* ColumnValue(dosql_stmt* s, int i) {
  if (!s->HasColumn(i)) {
    s->db->SetError(DOSQL_RANGE);
    return nullptr;
  }
  return &s->stmt->column(i);
}

// The text of a numeric column, rendered once per row.
const std::string& NumberText(dosql_stmt* s, int i, const dosql::Value& v) {
  size_t k = static_cast<size_t>(i);
  if (!s->text_valid[k]) {
    s->text[k].clear();
    dosql::AppendValueText(v, &s->text[k]);
    s->text_valid[k] = 1;
  }
  return s->text[k];
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------------------------------------
// Version and memory
// ---------------------------------------------------------------------------------------------

const char* dosql_libversion(void) { return DOSQL_VERSION; }
int dosql_libversion_number(void) { return DOSQL_VERSION_NUMBER; }
int dosql_threadsafe(void) { return 1; }

void* dosql_malloc(int n) { return n <= 0 ? nullptr : std::malloc(static_cast<size_t>(n)); }
void* dosql_malloc64(dosql_uint64 n) {
  return n == 0 || n > SIZE_MAX ? nullptr : std::malloc(static_cast<size_t>(n));
}
void* dosql_realloc(void* p, int n) {
  if (n <= 0) {
    std::free(p);
    return nullptr;
  }
  return std::realloc(p, static_cast<size_t>(n));
}
void* dosql_realloc64(void* p, dosql_uint64 n) {
  if (n == 0) {
    std::free(p);
    return nullptr;
  }
  if (n > SIZE_MAX) return nullptr;
  return std::realloc(p, static_cast<size_t>(n));
}
void dosql_free(void* p) { std::free(p); }

// ---------------------------------------------------------------------------------------------
// Open and close
// ---------------------------------------------------------------------------------------------

int dosql_open(const char* filename, dosql_db** ppDb) {
  return OpenImpl(filename, ppDb, DOSQL_OPEN_READWRITE | DOSQL_OPEN_CREATE);
}

int dosql_open_v2(const char* filename, dosql_db** ppDb, int flags, const char* zVfs) {
  (void)zVfs;  // there is one storage layer; the VFS name is ignored
  return OpenImpl(filename, ppDb, flags);
}

int dosql_close(dosql_db* db) { return CloseImpl(db, false); }
int dosql_close_v2(dosql_db* db) { return CloseImpl(db, true); }

namespace {

// The file of the database `name` of the handle (temp or attached; PRAGMA database_list), or
// nullopt if there is no such database.
std::optional<std::string> AttachedFile(dosql_db* db, const char* name) {
  if (!db->conn) return std::nullopt;
  auto st = db->conn->Prepare("SELECT file FROM pragma_database_list WHERE name = ?1");
  if (!st.ok() || !*st) return std::nullopt;
  if (!(*st)->BindText(1, name).ok()) return std::nullopt;
  auto row = (*st)->Step();
  if (!row.ok() || !*row) {
    // temp before its first use is a database all the same (SQLite answers "").
    if (std::strcmp(name, "temp") == 0) return std::string();
    return std::nullopt;
  }
  return (*st)->column_text(0);
}

}  // namespace

const char* dosql_db_filename(dosql_db* db, const char* zDbName) {
  if (db == nullptr) return nullptr;
  if (zDbName == nullptr || std::strcmp(zDbName, "main") == 0) return db->filename.c_str();
  return GuardedValue<const char*>(db, nullptr, [&]() -> const char* {
    std::optional<std::string> file = AttachedFile(db, zDbName);
    if (!file) return nullptr;
    auto& slot = db->db_filenames[zDbName];
    if (!slot || *slot != *file) slot = std::make_unique<std::string>(*file);
    return slot->c_str();
  });
}

int dosql_db_readonly(dosql_db* db, const char* zDbName) {
  if (db == nullptr) return -1;
  if (zDbName != nullptr && std::strcmp(zDbName, "main") != 0) {
    // Attached databases are opened with the handle's options.
    bool exists = GuardedValue<bool>(db, false, [&] { return AttachedFile(db, zDbName).has_value(); });
    if (!exists) return -1;
  }
  return db->read_only ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

int dosql_errcode(dosql_db* db) {
  if (db == nullptr) return DOSQL_NOMEM;
  // Extended codes when they are on, as SQLite's errMask does.
  return GuardedValue<int>(db, DOSQL_NOMEM, [&] { return db->Ret(db->err_code); });
}

int dosql_extended_errcode(dosql_db* db) {
  if (db == nullptr) return DOSQL_NOMEM;
  return GuardedValue<int>(db, DOSQL_NOMEM, [&] { return db->err_code; });
}

const char* dosql_errmsg(dosql_db* db) {
  if (db == nullptr) return ErrStr(DOSQL_NOMEM);
  return GuardedValue<const char*>(db, ErrStr(DOSQL_NOMEM), [&] {
    if (db->err_code == DOSQL_OK || db->err_msg.empty()) return ErrStr(db->err_code);
    // (a message set by an earlier error outlives DOSQL_ROW/DOSQL_DONE, as in SQLite)
    return db->err_msg.c_str();
  });
}

const char* dosql_errstr(int rc) { return ErrStr(rc); }

int dosql_error_offset(dosql_db* db) {
  if (db == nullptr) return -1;
  return GuardedValue<int>(db, -1, [&] { return db->err_code == DOSQL_OK ? -1 : db->err_offset; });
}

int dosql_extended_result_codes(dosql_db* db, int onoff) {
  if (db == nullptr) return DOSQL_MISUSE;
  return Guarded(db, [&] {
    db->extended_codes = onoff != 0;
    return DOSQL_OK;
  });
}

// ---------------------------------------------------------------------------------------------
// Prepare, step, reset, finalize
// ---------------------------------------------------------------------------------------------

int dosql_prepare(dosql_db* db, const char* zSql, int nByte, dosql_stmt** ppStmt,
                  const char** pzTail) {
  return PrepareImpl(db, zSql, nByte, ppStmt, pzTail, /*legacy=*/true);
}

int dosql_prepare_v2(dosql_db* db, const char* zSql, int nByte, dosql_stmt** ppStmt,
                     const char** pzTail) {
  return PrepareImpl(db, zSql, nByte, ppStmt, pzTail, /*legacy=*/false);
}

int dosql_prepare_v3(dosql_db* db, const char* zSql, int nByte, unsigned int prepFlags,
                     dosql_stmt** ppStmt, const char** pzTail) {
  (void)prepFlags;
  return PrepareImpl(db, zSql, nByte, ppStmt, pzTail, /*legacy=*/false);
}

int dosql_step(dosql_stmt* s) {
  if (s == nullptr) return DOSQL_MISUSE;
  dosql_db* db = s->db;
  return Guarded(db, [&]() -> int {
    using State = dosql_stmt::State;
    if (s->state == State::kDone || s->state == State::kFailed) {
      // Since SQLite 3.6.23.1, stepping a finished statement resets it first.
      s->stmt->Reset().IgnoreError();
      s->state = State::kReady;
      s->last_error = DOSQL_OK;
    }
    s->ClearRowCache();
    struct Stepping {
      dosql_db* db;
      ~Stepping() { db->stepping--; }
    } stepping{db};
    db->stepping++;
    auto r = s->stmt->Step();
    if (!r.ok()) {
      const dosql::Status& st = r.status();
      s->state = State::kFailed;
      s->last_error = CodeFor(st);
      s->last_msg = SqliteMessage(st);
      s->last_offset = -1;
      if (s->legacy) {
        // The legacy interface reports a generic error; dosql_reset gives the specific one.
        db->SetError(DOSQL_ERROR);
        return DOSQL_ERROR;
      }
      db->SetError(s->last_error, s->last_msg);
      return db->Ret(s->last_error);
    }
    // As SQLite, ROW and DONE become the handle's code but leave an earlier message in place
    // (dosql_errmsg shows it until something clears it).
    db->err_offset = -1;
    if (*r) {
      s->state = State::kRow;
      s->PrepareRowCache();
      db->err_code = DOSQL_ROW;
      return DOSQL_ROW;
    }
    s->state = State::kDone;
    db->err_code = DOSQL_DONE;
    return DOSQL_DONE;
  });
}

int dosql_reset(dosql_stmt* s) {
  if (s == nullptr) return DOSQL_OK;
  dosql_db* db = s->db;
  return Guarded(db, [&]() -> int {
    bool ran = s->state != dosql_stmt::State::kReady;
    int rc = s->state == dosql_stmt::State::kFailed ? s->last_error : DOSQL_OK;
    dosql::Status st = s->stmt->Reset();
    s->state = dosql_stmt::State::kReady;
    s->ClearRowCache();
    s->last_error = DOSQL_OK;
    // As SQLite: resetting a statement that ran leaves its outcome as the handle's error.
    if (ran) db->SetError(rc, rc == DOSQL_OK ? std::string_view() : s->last_msg, s->last_offset);
    if (rc != DOSQL_OK) return db->Ret(rc);
    if (!st.ok()) {
      db->SetError(st);
      return db->Ret(CodeFor(st));
    }
    return DOSQL_OK;
  });
}

int dosql_finalize(dosql_stmt* s) {
  if (s == nullptr) return DOSQL_OK;
  dosql_db* db = s->db;
  bool close_db = false;
  int rc = Guarded(db, [&]() -> int {
    int code = s->state == dosql_stmt::State::kFailed ? s->last_error : DOSQL_OK;
    if (s->state != dosql_stmt::State::kReady) {
      db->SetError(code, code == DOSQL_OK ? std::string_view() : s->last_msg, s->last_offset);
    }
    Unlink(s);
    delete s;  // the engine statement finishes a running statement (commits its autocommit work)
    close_db = db->zombie && db->stmts == nullptr;
    return db->Ret(code);
  });
  if (close_db) DestroyDb(db);
  return rc;
}

// ---------------------------------------------------------------------------------------------
// Statement properties
// ---------------------------------------------------------------------------------------------

const char* dosql_sql(dosql_stmt* s) {
  if (s == nullptr) return nullptr;
  return s->sql.c_str();
}

int dosql_stmt_readonly(dosql_stmt* s) {
  if (s == nullptr) return 1;
  return GuardedValue<int>(s->db, 0, [&] { return s->stmt->readonly() ? 1 : 0; });
}

int dosql_stmt_busy(dosql_stmt* s) {
  if (s == nullptr) return 0;
  return GuardedValue<int>(s->db, 0, [&] { return s->state == dosql_stmt::State::kRow ? 1 : 0; });
}

dosql_db* dosql_db_handle(dosql_stmt* s) { return s == nullptr ? nullptr : s->db; }

dosql_stmt* dosql_next_stmt(dosql_db* db, dosql_stmt* s) {
  if (db == nullptr) return nullptr;
  return GuardedValue<dosql_stmt*>(db, nullptr, [&] { return s == nullptr ? db->stmts : s->next; });
}

// ---------------------------------------------------------------------------------------------
// Bind
// ---------------------------------------------------------------------------------------------

int dosql_bind_blob(dosql_stmt* s, int i, const void* zData, int nData, void (*xDel)(void*)) {
  return BindBytes(s, i, zData, nData < 0 ? 0 : static_cast<uint64_t>(nData), nData < 0, xDel,
                   /*text=*/false);
}

int dosql_bind_blob64(dosql_stmt* s, int i, const void* zData, dosql_uint64 nData,
                      void (*xDel)(void*)) {
  return BindBytes(s, i, zData, nData, false, xDel, /*text=*/false);
}

int dosql_bind_text(dosql_stmt* s, int i, const char* zData, int nData, void (*xDel)(void*)) {
  return BindBytes(s, i, zData, nData < 0 ? 0 : static_cast<uint64_t>(nData), nData < 0, xDel,
                   /*text=*/true);
}

int dosql_bind_text64(dosql_stmt* s, int i, const char* zData, dosql_uint64 nData,
                      void (*xDel)(void*), unsigned char encoding) {
  if (encoding != DOSQL_UTF8) {
    if (zData != nullptr && IsCallableDestructor(xDel)) xDel(const_cast<char*>(zData));
    if (s != nullptr) {
      Guarded(s->db, [&] {
        s->db->SetError(DOSQL_ERROR, "unsupported text encoding (only DOSQL_UTF8)");
        return DOSQL_ERROR;
      });
    }
    return s == nullptr ? DOSQL_MISUSE : DOSQL_ERROR;
  }
  return BindBytes(s, i, zData, nData, false, xDel, /*text=*/true);
}

int dosql_bind_double(dosql_stmt* s, int i, double rValue) {
  return BindImpl(s, i, [&](dosql::Value* v) {
    // As SQLite: a NaN binds as NULL.
    *v = std::isnan(rValue) ? dosql::Value::Null() : dosql::Value::Real(rValue);
    return DOSQL_OK;
  });
}

int dosql_bind_int(dosql_stmt* s, int i, int iValue) { return dosql_bind_int64(s, i, iValue); }

int dosql_bind_int64(dosql_stmt* s, int i, dosql_int64 iValue) {
  return BindImpl(s, i, [&](dosql::Value* v) {
    *v = dosql::Value::Integer(iValue);
    return DOSQL_OK;
  });
}

int dosql_bind_null(dosql_stmt* s, int i) {
  return BindImpl(s, i, [&](dosql::Value* v) {
    *v = dosql::Value::Null();
    return DOSQL_OK;
  });
}

int dosql_bind_zeroblob64(dosql_stmt* s, int i, dosql_uint64 n) {
  return BindImpl(s, i, [&](dosql::Value* v) -> int {
    if (n > kMaxLength) return DOSQL_TOOBIG;
    *v = dosql::Value::Blob(std::string(static_cast<size_t>(n), '\0'));
    return DOSQL_OK;
  });
}

int dosql_bind_zeroblob(dosql_stmt* s, int i, int n) {
  return dosql_bind_zeroblob64(s, i, n < 0 ? 0 : static_cast<dosql_uint64>(n));
}

int dosql_bind_parameter_count(dosql_stmt* s) {
  if (s == nullptr) return 0;
  return static_cast<int>(s->param_names.size());
}

const char* dosql_bind_parameter_name(dosql_stmt* s, int i) {
  if (s == nullptr || i < 1 || static_cast<size_t>(i) > s->param_names.size()) return nullptr;
  const std::string& name = s->param_names[static_cast<size_t>(i - 1)];
  return name.empty() ? nullptr : name.c_str();
}

int dosql_bind_parameter_index(dosql_stmt* s, const char* zName) {
  if (s == nullptr || zName == nullptr) return 0;
  for (size_t k = 0; k < s->param_names.size(); k++) {
    if (!s->param_names[k].empty() && s->param_names[k] == zName) return static_cast<int>(k + 1);
  }
  return 0;
}

int dosql_clear_bindings(dosql_stmt* s) {
  if (s == nullptr) return DOSQL_OK;
  dosql_db* db = s->db;
  return Guarded(db, [&]() -> int {
    dosql::Status st = s->stmt->ClearBindings();
    if (!st.ok()) {
      db->SetError(st);
      return db->Ret(CodeFor(st));
    }
    return DOSQL_OK;
  });
}

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

int dosql_column_count(dosql_stmt* s) {
  if (s == nullptr) return 0;
  return GuardedValue<int>(s->db, 0, [&] { return s->stmt->column_count(); });
}

int dosql_data_count(dosql_stmt* s) {
  if (s == nullptr) return 0;
  return GuardedValue<int>(
      s->db, 0, [&] { return s->state == dosql_stmt::State::kRow ? s->stmt->column_count() : 0; });
}

const char* dosql_column_name(dosql_stmt* s, int iCol) {
  if (s == nullptr) return nullptr;
  return GuardedValue<const char*>(s->db, nullptr, [&]() -> const char* {
    if (iCol < 0 || iCol >= s->stmt->column_count()) return nullptr;
    return s->stmt->column_name(iCol).c_str();
  });
}

const char* dosql_column_decltype(dosql_stmt* s, int iCol) {
  if (s == nullptr) return nullptr;
  return GuardedValue<const char*>(s->db, nullptr, [&]() -> const char* {
    if (iCol < 0 || iCol >= s->stmt->column_count()) return nullptr;
    const std::string& t = s->stmt->column_decltype(iCol);
    return t.empty() ? nullptr : t.c_str();
  });
}

int dosql_column_type(dosql_stmt* s, int iCol) {
  if (s == nullptr) return DOSQL_NULL;
  return GuardedValue<int>(s->db, DOSQL_NULL, [&] {
    const dosql::Value* v = ColumnValue(s, iCol);
    if (v == nullptr) return DOSQL_NULL;
    if (v->type() == dosql::ValueType::kBlob && s->blob_as_text[static_cast<size_t>(iCol)]) {
      return DOSQL_TEXT;
    }
    return TypeCode(v->type());
  });
}

const unsigned char* dosql_column_text(dosql_stmt* s, int iCol) {
  if (s == nullptr) return nullptr;
  return GuardedValue<const unsigned char*>(s->db, nullptr, [&]() -> const unsigned char* {
    const dosql::Value* v = ColumnValue(s, iCol);
    if (v == nullptr) return nullptr;
    switch (v->type()) {
      case dosql::ValueType::kNull:
        return nullptr;
      case dosql::ValueType::kBlob:
        s->blob_as_text[static_cast<size_t>(iCol)] = 1;
        [[fallthrough]];
      case dosql::ValueType::kText:
        return reinterpret_cast<const unsigned char*>(v->bytes().c_str());
      case dosql::ValueType::kInteger:
      case dosql::ValueType::kReal:
        return reinterpret_cast<const unsigned char*>(NumberText(s, iCol, *v).c_str());
    }
    return nullptr;
  });
}

const void* dosql_column_blob(dosql_stmt* s, int iCol) {
  if (s == nullptr) return nullptr;
  return GuardedValue<const void*>(s->db, nullptr, [&]() -> const void* {
    const dosql::Value* v = ColumnValue(s, iCol);
    if (v == nullptr) return nullptr;
    switch (v->type()) {
      case dosql::ValueType::kNull:
        return nullptr;
      case dosql::ValueType::kText:
      case dosql::ValueType::kBlob:
        // SQLite returns a null pointer for a zero-length value.
        return v->bytes().empty() ? nullptr : v->bytes().data();
      case dosql::ValueType::kInteger:
      case dosql::ValueType::kReal:
        return NumberText(s, iCol, *v).c_str();
    }
    return nullptr;
  });
}

int dosql_column_bytes(dosql_stmt* s, int iCol) {
  if (s == nullptr) return 0;
  return GuardedValue<int>(s->db, 0, [&]() -> int {
    const dosql::Value* v = ColumnValue(s, iCol);
    if (v == nullptr) return 0;
    switch (v->type()) {
      case dosql::ValueType::kNull:
        return 0;
      case dosql::ValueType::kText:
      case dosql::ValueType::kBlob:
        return static_cast<int>(v->bytes().size());
      case dosql::ValueType::kInteger:
      case dosql::ValueType::kReal:
        return static_cast<int>(NumberText(s, iCol, *v).size());
    }
    return 0;
  });
}

double dosql_column_double(dosql_stmt* s, int iCol) {
  if (s == nullptr) return 0.0;
  return GuardedValue<double>(s->db, 0.0, [&] {
    const dosql::Value* v = ColumnValue(s, iCol);
    return v == nullptr ? 0.0 : dosql::ValueToDouble(*v);
  });
}

dosql_int64 dosql_column_int64(dosql_stmt* s, int iCol) {
  if (s == nullptr) return 0;
  return GuardedValue<dosql_int64>(s->db, 0, [&]() -> dosql_int64 {
    const dosql::Value* v = ColumnValue(s, iCol);
    return v == nullptr ? 0 : dosql::ValueToInt64(*v);
  });
}

int dosql_column_int(dosql_stmt* s, int iCol) {
  // As SQLite: the 64-bit value truncated to 32 bits.
  return static_cast<int>(
      static_cast<uint32_t>(static_cast<uint64_t>(dosql_column_int64(s, iCol))));
}

// ---------------------------------------------------------------------------------------------
// Connection state
// ---------------------------------------------------------------------------------------------

int dosql_changes(dosql_db* db) { return static_cast<int>(dosql_changes64(db)); }

dosql_int64 dosql_changes64(dosql_db* db) {
  if (db == nullptr) return 0;
  return GuardedValue<dosql_int64>(
      db, 0, [&]() -> dosql_int64 { return db->conn ? db->conn->changes() : 0; });
}

int dosql_total_changes(dosql_db* db) { return static_cast<int>(dosql_total_changes64(db)); }

dosql_int64 dosql_total_changes64(dosql_db* db) {
  if (db == nullptr) return 0;
  return GuardedValue<dosql_int64>(
      db, 0, [&]() -> dosql_int64 { return db->conn ? db->conn->total_changes() : 0; });
}

dosql_int64 dosql_last_insert_rowid(dosql_db* db) {
  if (db == nullptr) return 0;
  return GuardedValue<dosql_int64>(
      db, 0, [&]() -> dosql_int64 { return db->conn ? db->conn->last_insert_rowid() : 0; });
}

int dosql_get_autocommit(dosql_db* db) {
  if (db == nullptr) return 0;
  return GuardedValue<int>(db, 0, [&] { return db->conn && !db->conn->autocommit() ? 0 : 1; });
}

// ---------------------------------------------------------------------------------------------
// exec
// ---------------------------------------------------------------------------------------------

int dosql_exec(dosql_db* db, const char* sql, dosql_callback callback, void* arg, char** errmsg) {
  if (errmsg) *errmsg = nullptr;
  if (db == nullptr) return DOSQL_MISUSE;
  int rc = Guarded(db, [&]() -> int {
    if (!db->conn || db->zombie) return DOSQL_MISUSE;
    db->SetError(DOSQL_OK);
    const char* z = sql ? sql : "";
    int result = DOSQL_OK;
    std::vector<char*> cols;  // names then values, as sqlite3_exec passes them
    while (result == DOSQL_OK && *z) {
      dosql_stmt* st = nullptr;
      const char* tail = z;
      result = dosql_prepare_v2(db, z, -1, &st, &tail);
      if (result != DOSQL_OK) break;
      if (st == nullptr) {
        z = tail;  // a comment or empty statement
        continue;
      }
      bool names_done = false;
      int ncol = dosql_column_count(st);
      while (true) {
        int step = dosql_step(st);
        if (callback != nullptr && step == DOSQL_ROW) {
          if (!names_done) {
            cols.assign(static_cast<size_t>(2 * ncol + 1), nullptr);
            for (int i = 0; i < ncol; i++) {
              cols[static_cast<size_t>(i)] = const_cast<char*>(dosql_column_name(st, i));
            }
            names_done = true;
          }
          char** values = cols.data() + ncol;
          for (int i = 0; i < ncol; i++) {
            values[i] =
                reinterpret_cast<char*>(const_cast<unsigned char*>(dosql_column_text(st, i)));
            if (values[i] == nullptr && dosql_column_type(st, i) != DOSQL_NULL) {
              dosql_finalize(st);
              db->SetError(DOSQL_NOMEM);
              return DOSQL_NOMEM;
            }
          }
          // The callback may call the API on this handle (the mutex is recursive).
          if (callback(arg, ncol, values, cols.data()) != 0) {
            dosql_finalize(st);
            db->SetError(DOSQL_ABORT);
            return db->Ret(DOSQL_ABORT);
          }
        }
        if (step != DOSQL_ROW) {
          result = dosql_finalize(st);
          z = tail;
          break;
        }
      }
    }
    if (result == DOSQL_OK) db->SetError(DOSQL_OK);
    return result;
  });
  if (rc != DOSQL_OK && errmsg != nullptr) {
    const char* msg = dosql_errmsg(db);
    size_t n = std::strlen(msg) + 1;
    char* copy = static_cast<char*>(std::malloc(n));
    if (copy != nullptr) std::memcpy(copy, msg, n);
    *errmsg = copy;
  }
  return rc;
}


// ---------------------------------------------------------------------------------------------
// user-defined functions
// ---------------------------------------------------------------------------------------------

}  // extern "C"

// An argument as the C API sees it: the value and, once asked for, its text rendering.
struct dosql_value {
  const dosql::Value* v = nullptr;
  std::string text;
  bool text_valid = false;
  // SQLite converts a value in place: a BLOB read as text reports TEXT afterwards, and text
  // that dosql_value_numeric_type found numeric reports INTEGER or FLOAT. 0: no conversion.
  int type_after = 0;
};

// The call's context: the function's user data, the result being built, and (aggregates) the
// group's memory.
struct dosql_context {
  dosql_db* db = nullptr;
  void* user_data = nullptr;
  dosql::Value result;
  bool failed = false;
  int error_code = DOSQL_ERROR;
  std::string error;
  std::vector<unsigned char>* agg_memory = nullptr;  // aggregates only
};

namespace {

// What a registration shares between its callables: the callbacks and pApp, whose destructor
// runs when the last plan or registration using it goes away.
struct CFunction {
  void* app = nullptr;
  void (*destroy)(void*) = nullptr;
  void (*func)(dosql_context*, int, dosql_value**) = nullptr;
  void (*step)(dosql_context*, int, dosql_value**) = nullptr;
  void (*final)(dosql_context*) = nullptr;
  void (*value)(dosql_context*) = nullptr;
  void (*inverse)(dosql_context*, int, dosql_value**) = nullptr;
  dosql_db* db = nullptr;
  ~CFunction() {
    if (destroy) destroy(app);
  }
};

// Calls `fn` with the arguments wrapped as dosql_value*, returning the context's outcome.
template <typename Fn>
dosql::Result<dosql::Value> CallC(const CFunction& f, std::vector<unsigned char>* memory,
                                  std::span<const dosql::Value> args, Fn&& fn) {
  dosql_context ctx;
  ctx.db = f.db;
  ctx.user_data = f.app;
  ctx.agg_memory = memory;
  std::vector<dosql_value> vals(args.size());
  std::vector<dosql_value*> ptrs(args.size());
  for (size_t i = 0; i < args.size(); i++) {
    vals[i].v = &args[i];
    ptrs[i] = &vals[i];
  }
  fn(&ctx, static_cast<int>(args.size()), ptrs.data());
  if (ctx.failed) {
    if (ctx.error_code == DOSQL_NOMEM) return dosql::Status::Internal("out of memory");
    if (ctx.error_code == DOSQL_TOOBIG) return dosql::Status::InvalidArgument("string or blob too big");
    return dosql::Status::InvalidArgument(ctx.error);
  }
  return std::move(ctx.result);
}

class CAggregate final : public dosql::AggregateCallbacks {
 public:
  explicit CAggregate(std::shared_ptr<const CFunction> f) : f_(std::move(f)) {}
  dosql::Status Step(std::span<const dosql::Value> args) override {
    return CallC(*f_, &memory_, args, f_->step).status();
  }
  dosql::Status Inverse(std::span<const dosql::Value> args) override {
    return CallC(*f_, &memory_, args, f_->inverse).status();
  }
  dosql::Result<dosql::Value> Current() override {
    return CallC(*f_, &memory_, {}, [&](dosql_context* c, int, dosql_value**) { f_->value(c); });
  }
  dosql::Result<dosql::Value> Final() override {
    return CallC(*f_, &memory_, {}, [&](dosql_context* c, int, dosql_value**) { f_->final(c); });
  }

 private:
  std::shared_ptr<const CFunction> f_;
  std::vector<unsigned char> memory_;
};

int CreateFunction(dosql_db* db, const char* name, int nArg, int eTextRep, void* pApp,
                   void (*xFunc)(dosql_context*, int, dosql_value**),
                   void (*xStep)(dosql_context*, int, dosql_value**),
                   void (*xFinal)(dosql_context*), void (*xValue)(dosql_context*),
                   void (*xInverse)(dosql_context*, int, dosql_value**),
                   void (*xDestroy)(void*)) {
  if (db == nullptr) return DOSQL_MISUSE;
  int rc = Guarded(db, [&]() -> int {
    bool window = xValue || xInverse;
    bool aggregate = xStep || xFinal;
    bool valid = name != nullptr && nArg >= -1 && nArg <= 127 && db->conn &&
                 ((xFunc && !aggregate && !window) || (!xFunc && xStep && xFinal && !window) ||
                  (!xFunc && xStep && xFinal && xValue && xInverse) ||
                  (!xFunc && !aggregate && !window));
    // As SQLite, success and misuse leave the handle's error state as it was.
    if (!valid) return DOSQL_MISUSE;
    if (!xFunc && !aggregate) {  // deletion
      (void)db->conn->RemoveFunction(name, nArg);
      if (xDestroy) xDestroy(pApp);
      return DOSQL_OK;
    }
    auto f = std::make_shared<CFunction>();
    f->app = pApp;
    f->db = db;
    f->func = xFunc;
    f->step = xStep;
    f->final = xFinal;
    f->value = xValue;
    f->inverse = xInverse;
    f->destroy = xDestroy;
    dosql::FunctionFlags flags;
    flags.deterministic = (eTextRep & DOSQL_DETERMINISTIC) != 0;
    dosql::Status st;
    if (xFunc) {
      st = db->conn->CreateFunction(
          name, nArg,
          [f](std::span<const dosql::Value> args) { return CallC(*f, nullptr, args, f->func); },
          flags);
    } else {
      dosql::AggregateFactory make = [f]() -> std::unique_ptr<dosql::AggregateCallbacks> {
        return std::make_unique<CAggregate>(f);
      };
      st = window ? db->conn->CreateWindowFunction(name, nArg, std::move(make), flags)
                  : db->conn->CreateAggregateFunction(name, nArg, std::move(make), flags);
    }
    if (!st.ok()) {
      f->destroy = nullptr;  // SQLite calls xDestroy on failure too: once, here
      if (xDestroy) xDestroy(pApp);
      db->SetError(st);
      return DOSQL_ERROR;
    }
    return DOSQL_OK;
  });
  return rc == DOSQL_ERROR ? db->Ret(rc) : rc;
}

const std::string& ValueText(dosql_value* v) {
  if (!v->text_valid) {
    v->text.clear();
    dosql::AppendValueText(*v->v, &v->text);
    v->text_valid = true;
  }
  return v->text;
}

}  // namespace

extern "C" {

int dosql_create_function(dosql_db* db, const char* zFunctionName, int nArg, int eTextRep,
                          void* pApp, void (*xFunc)(dosql_context*, int, dosql_value**),
                          void (*xStep)(dosql_context*, int, dosql_value**),
                          void (*xFinal)(dosql_context*)) {
  return CreateFunction(db, zFunctionName, nArg, eTextRep, pApp, xFunc, xStep, xFinal, nullptr,
                        nullptr, nullptr);
}

int dosql_create_function_v2(dosql_db* db, const char* zFunctionName, int nArg, int eTextRep,
                             void* pApp, void (*xFunc)(dosql_context*, int, dosql_value**),
                             void (*xStep)(dosql_context*, int, dosql_value**),
                             void (*xFinal)(dosql_context*), void (*xDestroy)(void*)) {
  return CreateFunction(db, zFunctionName, nArg, eTextRep, pApp, xFunc, xStep, xFinal, nullptr,
                        nullptr, xDestroy);
}

int dosql_create_window_function(dosql_db* db, const char* zFunctionName, int nArg,
                                 int eTextRep, void* pApp,
                                 void (*xStep)(dosql_context*, int, dosql_value**),
                                 void (*xFinal)(dosql_context*), void (*xValue)(dosql_context*),
                                 void (*xInverse)(dosql_context*, int, dosql_value**),
                                 void (*xDestroy)(void*)) {
  if (!xStep || !xFinal || !xValue || !xInverse) return DOSQL_MISUSE;
  return CreateFunction(db, zFunctionName, nArg, eTextRep, pApp, nullptr, xStep, xFinal, xValue,
                        xInverse, xDestroy);
}

int dosql_create_collation_v2(dosql_db* db, const char* zName, int eTextRep, void* pArg,
                              int (*xCompare)(void*, int, const void*, int, const void*),
                              void (*xDestroy)(void*)) {
  if (db == nullptr || zName == nullptr) return DOSQL_MISUSE;
  int rc = Guarded(db, [&]() -> int {
    if (!db->conn || db->zombie) return DOSQL_MISUSE;
    int enc = eTextRep;
    if (enc < DOSQL_UTF8 || (enc > DOSQL_UTF16 && enc != DOSQL_UTF16_ALIGNED)) return DOSQL_MISUSE;
    if (enc != DOSQL_UTF8) {
      db->SetError(DOSQL_ERROR, "dosql supports only DOSQL_UTF8 collations");
      return DOSQL_ERROR;
    }
    std::string key(zName);
    for (char& c : key) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    auto old = db->collations.find(key);
    if (old != db->collations.end() && old->second->compare) {
      // As SQLite: a collation in use by a running statement cannot change.
      bool active = db->stepping > 0;
      for (dosql_stmt* st = db->stmts; st && !active; st = st->next) {
        active = st->state == dosql_stmt::State::kRow;
      }
      if (active) {
        db->SetError(DOSQL_BUSY,
                     "unable to delete/modify collation sequence due to active statements");
        return DOSQL_BUSY;
      }
    }
    auto c = std::make_shared<CCollation>();
    c->arg = pArg;
    c->compare = xCompare;
    dosql::Status st;
    if (xCompare) {
      st = db->conn->CreateCollation(zName, [c](std::string_view a, std::string_view b) {
        if (!c->compare) return a.compare(b);  // released (never called by a live plan)
        return c->compare(c->arg, static_cast<int>(a.size()), a.data(),
                          static_cast<int>(b.size()), b.data());
      });
    } else {
      st = db->conn->CreateCollation(zName, nullptr);  // deletes it
    }
    if (!st.ok()) {  // SQLite does not call xDestroy when the call fails
      db->SetError(st);
      return DOSQL_ERROR;
    }
    c->destroy = xDestroy;
    if (old != db->collations.end()) {
      old->second->Release();
      old->second->compare = nullptr;
      old->second = std::move(c);
    } else {
      db->collations.emplace(std::move(key), std::move(c));
    }
    return DOSQL_OK;
  });
  return rc == DOSQL_ERROR || rc == DOSQL_BUSY ? db->Ret(rc) : rc;
}

int dosql_create_collation(dosql_db* db, const char* zName, int eTextRep, void* pArg,
                           int (*xCompare)(void*, int, const void*, int, const void*)) {
  return dosql_create_collation_v2(db, zName, eTextRep, pArg, xCompare, nullptr);
}

int dosql_collation_needed(dosql_db* db, void* pArg,
                           void (*xNeeded)(void*, dosql_db*, int eTextRep, const char*)) {
  if (db == nullptr) return DOSQL_MISUSE;
  return Guarded(db, [&]() -> int {
    if (!db->conn) return DOSQL_MISUSE;
    db->collation_needed = xNeeded;
    db->collation_needed_arg = pArg;
    if (!xNeeded) {
      db->conn->SetCollationNeeded(nullptr);
      return DOSQL_OK;
    }
    db->conn->SetCollationNeeded([db](std::string_view name) {
      if (db->collation_needed) {
        std::string n(name);
        db->collation_needed(db->collation_needed_arg, db, DOSQL_UTF8, n.c_str());
      }
    });
    return DOSQL_OK;
  });
}

void dosql_interrupt(dosql_db* db) {
  // No lock: the statement being interrupted holds it.
  if (db && db->conn) db->conn->Interrupt();
}

void* dosql_user_data(dosql_context* ctx) { return ctx ? ctx->user_data : nullptr; }
dosql_db* dosql_context_db_handle(dosql_context* ctx) { return ctx ? ctx->db : nullptr; }

void* dosql_aggregate_context(dosql_context* ctx, int nBytes) {
  if (!ctx || !ctx->agg_memory) return nullptr;
  if (ctx->agg_memory->empty()) {
    if (nBytes <= 0) return nullptr;
    ctx->agg_memory->assign(static_cast<size_t>(nBytes), 0);
  }
  return ctx->agg_memory->data();
}

int dosql_value_type(dosql_value* v) {
  if (!v || !v->v) return DOSQL_NULL;
  if (v->type_after) return v->type_after;
  switch (v->v->type()) {
    case dosql::ValueType::kInteger: return DOSQL_INTEGER;
    case dosql::ValueType::kReal: return DOSQL_FLOAT;
    case dosql::ValueType::kText: return DOSQL_TEXT;
    case dosql::ValueType::kBlob: return DOSQL_BLOB;
    case dosql::ValueType::kNull: return DOSQL_NULL;
  }
  return DOSQL_NULL;
}

int dosql_value_numeric_type(dosql_value* v) {
  if (!v || !v->v || v->v->type() != dosql::ValueType::kText) return dosql_value_type(v);
  // Text that looks like a number counts as that number (sqlite3_value_numeric_type).
  dosql::Value n = *v->v;
  dosql::engine::ApplyAffinity(&n, dosql::engine::Affinity::kNumeric);
  if (n.type() == dosql::ValueType::kInteger) return v->type_after = DOSQL_INTEGER;
  if (n.type() == dosql::ValueType::kReal) return v->type_after = DOSQL_FLOAT;
  return DOSQL_TEXT;
}

dosql_int64 dosql_value_int64(dosql_value* v) {
  return v && v->v ? dosql::ValueToInt64(*v->v) : 0;
}
int dosql_value_int(dosql_value* v) { return static_cast<int>(dosql_value_int64(v)); }
double dosql_value_double(dosql_value* v) { return v && v->v ? dosql::ValueToDouble(*v->v) : 0.0; }

const unsigned char* dosql_value_text(dosql_value* v) {
  if (!v || !v->v || v->v->is_null()) return nullptr;
  if (v->v->type() == dosql::ValueType::kBlob && !v->type_after) v->type_after = DOSQL_TEXT;
  if (v->v->type() == dosql::ValueType::kText || v->v->type() == dosql::ValueType::kBlob) {
    return reinterpret_cast<const unsigned char*>(v->v->bytes().c_str());
  }
  return reinterpret_cast<const unsigned char*>(ValueText(v).c_str());
}

const void* dosql_value_blob(dosql_value* v) {
  if (!v || !v->v || v->v->is_null()) return nullptr;
  if (v->v->type() == dosql::ValueType::kText || v->v->type() == dosql::ValueType::kBlob) {
    return v->v->bytes().empty() ? nullptr : v->v->bytes().data();
  }
  return ValueText(v).data();
}

int dosql_value_bytes(dosql_value* v) {
  if (!v || !v->v || v->v->is_null()) return 0;
  if (v->v->type() == dosql::ValueType::kText || v->v->type() == dosql::ValueType::kBlob) {
    return static_cast<int>(v->v->bytes().size());
  }
  return static_cast<int>(ValueText(v).size());
}

void dosql_result_null(dosql_context* ctx) {
  if (ctx) ctx->result = dosql::Value();
}
void dosql_result_int(dosql_context* ctx, int v) { dosql_result_int64(ctx, v); }
void dosql_result_int64(dosql_context* ctx, dosql_int64 v) {
  if (ctx) ctx->result = dosql::Value::Integer(v);
}
void dosql_result_double(dosql_context* ctx, double v) {
  if (ctx) ctx->result = std::isnan(v) ? dosql::Value() : dosql::Value::Real(v);
}

void dosql_result_text(dosql_context* ctx, const char* z, int n, dosql_destructor_type xDel) {
  if (!ctx) return;
  if (!z) {
    ctx->result = dosql::Value();
  } else {
    size_t len = n < 0 ? std::strlen(z) : static_cast<size_t>(n);
    ctx->result = dosql::Value::Text(std::string(z, len));
  }
  if (xDel && xDel != DOSQL_TRANSIENT) xDel(const_cast<char*>(z));
}

void dosql_result_blob(dosql_context* ctx, const void* z, int n, dosql_destructor_type xDel) {
  if (!ctx) return;
  size_t len = n < 0 ? 0 : static_cast<size_t>(n);
  ctx->result = dosql::Value::Blob(z ? std::string(static_cast<const char*>(z), len) : std::string());
  if (xDel && xDel != DOSQL_TRANSIENT) xDel(const_cast<void*>(z));
}

void dosql_result_zeroblob(dosql_context* ctx, int n) {
  if (ctx) ctx->result = dosql::Value::Blob(std::string(n < 0 ? 0 : static_cast<size_t>(n), '\0'));
}

void dosql_result_value(dosql_context* ctx, dosql_value* v) {
  if (ctx) ctx->result = v && v->v ? *v->v : dosql::Value();
}

void dosql_result_error(dosql_context* ctx, const char* z, int n) {
  if (!ctx) return;
  ctx->failed = true;
  ctx->error_code = DOSQL_ERROR;
  ctx->error = z ? std::string(z, n < 0 ? std::strlen(z) : static_cast<size_t>(n)) : "";
}

void dosql_result_error_code(dosql_context* ctx, int code) {
  if (!ctx) return;
  ctx->failed = true;
  ctx->error_code = code;
  if (ctx->error.empty()) ctx->error = dosql_errstr(code);
}

void dosql_result_error_nomem(dosql_context* ctx) { dosql_result_error_code(ctx, DOSQL_NOMEM); }
void dosql_result_error_toobig(dosql_context* ctx) { dosql_result_error_code(ctx, DOSQL_TOOBIG); }

}  // extern "C"
