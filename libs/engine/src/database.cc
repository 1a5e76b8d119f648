#include "dosql/engine/database.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <new>

#include "conn.h"
#include "dosql/core/record.h"
#include "dosql/engine/format.h"
#include "dosql/parser/parser.h"

namespace dosql::engine {

namespace {

// Tags of the tree ids of open stores (catalog.h): 16 bits, reused once a store is closed.
struct TagAllocator {
  std::mutex mu;
  std::vector<uint64_t> free;
  uint64_t next = 1;
};
TagAllocator& Tags() {
  static TagAllocator* t = new TagAllocator();
  return *t;
}
Result<uint64_t> AllocateTag() {
  TagAllocator& t = Tags();
  std::lock_guard<std::mutex> l(t.mu);
  if (!t.free.empty()) {
    uint64_t tag = t.free.back();
    t.free.pop_back();
    return tag;
  }
  if (t.next >= (uint64_t{1} << (64 - kTreeTagShift))) {
    return Status::NoSpace("too many databases open in this process");
  }
  return t.next++;
}
void ReleaseTag(uint64_t tag) {
  if (tag == 0) return;
  TagAllocator& t = Tags();
  std::lock_guard<std::mutex> l(t.mu);
  t.free.push_back(tag);
}

// The file databases open in this process, by canonical path: opening (or attaching) one again
// shares its store, so every connection sees the same data, MVCC versions and writer lock.
struct OpenRegistry {
  std::mutex mu;
  std::map<std::string, std::weak_ptr<Database>> open;
};
OpenRegistry& Registry() {
  static OpenRegistry* r = new OpenRegistry();
  return *r;
}
std::string CanonicalPath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) abs = path;
  std::filesystem::path p = std::filesystem::weakly_canonical(abs, ec);
  if (ec) p = abs.lexically_normal();
  std::string out = p.string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::atomic<uint64_t> next_connection_id{1};

bool IsMemoryPath(const std::string& path) { return path.empty() || path == ":memory:"; }

}  // namespace

DatabaseImpl::~DatabaseImpl() { ReleaseTag(tag); }

// ---------------------------------------------------------------------------------------------
// ConnectionImpl
// ---------------------------------------------------------------------------------------------

ConnectionImpl::ConnectionImpl() : id(next_connection_id.fetch_add(1)) {}

int ConnectionImpl::Canonical(int db) const {
  const Database* d = dbs[static_cast<size_t>(db)].db;
  if (!d) return db;
  for (size_t i = 0; i < static_cast<size_t>(db); i++) {
    if (dbs[i].db == d) return static_cast<int>(i);
  }
  return db;
}

namespace {
// The schema of a database slot with no database yet (an unused TEMP): one for all.
const std::shared_ptr<const Schema>& EmptySchema() {
  static const auto* empty = new std::shared_ptr<const Schema>(std::make_shared<Schema>());
  return *empty;
}
}  // namespace

std::shared_ptr<const Schema> ConnectionImpl::SlotSchema(int db) {
  DbSlot& s = dbs[static_cast<size_t>(Canonical(db))];
  if (s.txn_schema) return s.txn_schema;
  DatabaseImpl* d = s.impl();
  if (!d) return EmptySchema();
  std::lock_guard<std::mutex> lock(d->mu);
  return d->schema;
}

bool ConnectionImpl::SlotSchemaIs(int db, const Schema* schema) {
  DbSlot& s = dbs[static_cast<size_t>(Canonical(db))];
  if (s.txn_schema) return s.txn_schema.get() == schema;
  DatabaseImpl* d = s.impl();
  // (No copy of the shared pointer: its count is shared by every connection's statements.)
  if (!d) return EmptySchema().get() == schema;
  return d->schema_ptr.load(std::memory_order_acquire) == schema;
}

int ConnectionImpl::FindDb(std::string_view name) const {
  for (size_t i = 0; i < dbs.size(); i++) {
    if (IEquals(dbs[i].name, name)) return static_cast<int>(i);
  }
  return -1;
}

double ConnectionImpl::EstimatedRows(transaction::TreeId tree) {
  const int db = DbOfTag(TreeTag(tree));
  if (db < 0) return -1;
  DbSlot& s = dbs[static_cast<size_t>(db)];
  std::unique_ptr<transaction::ReadTransaction> own;  // (outlives the cursor)
  Result<btree::Cursor> cur = Status::NotFound("no reader");
  if (s.txn) {
    cur = s.txn->NewCursor(RawTreeId(tree));
  } else if (s.snapshot) {
    cur = s.snapshot->NewCursor(RawTreeId(tree));
  } else {
    if (explicit_txn || s.impl() == nullptr) return -1;
    auto read = s.impl()->store->BeginRead();
    if (!read.ok()) return -1;
    own = std::move(read).value();
    cur = own->NewCursor(RawTreeId(tree));
  }
  if (!cur.ok() || !cur->SeekFirst().ok()) return -1;
  return static_cast<double>(cur->EstimatedEntries());
}

int ConnectionImpl::DbOfTag(uint64_t tag) const {
  for (size_t i = 0; i < dbs.size(); i++) {
    const DatabaseImpl* d = dbs[i].impl();
    if (d && d->tag == tag) return static_cast<int>(i);
  }
  return -1;
}

Status ConnectionImpl::EnsureTempDb() {
  DbSlot& t = dbs[kTemp];
  if (t.db) return Status::OK();
  DatabaseOptions o;
  o.busy_timeout = dbi->options.busy_timeout;
  o.sync_commits = false;
  DOSQL_ASSIGN_OR_RETURN(t.keep, Database::Open(":memory:", o));
  t.db = t.keep.get();
  t.keep->impl()->connections++;
  attach_generation++;  // plans that saw the empty temp schema are remade
  return Status::OK();
}

bool ConnectionImpl::InWriteTxn() const {
  for (const DbSlot& s : dbs) {
    if (s.txn) return true;
  }
  return false;
}

Status ConnectionImpl::EnsureWrite(int db) {
  if (db == kTemp) DOSQL_RETURN_IF_ERROR(EnsureTempDb());
  DbSlot& s = dbs[static_cast<size_t>(Canonical(db))];
  if (s.txn) return Status::OK();
  DatabaseImpl* d = s.impl();
  if (!d || !d->store) return Status::InvalidArgument("database " + s.name + " is closed");
  if (d->options.read_only) return Status::ReadOnly("attempt to write a readonly database");
  if (s.snapshot) {
    // A deferred transaction that has read: it may only write if nothing committed since.
    auto stats = d->store->stats();
    if (stats.last_lsn != s.snapshot->lsn()) {
      return Status::Busy("database is locked");
    }
  }
  auto begun = d->store->BeginWrite(busy_timeout, id);
  if (!begun.ok()) return NameDatabases(begun.status());
  s.txn = std::move(begun).value();
  if (s.snapshot) {
    // Re-check under the writer lock.
    auto stats = d->store->stats();
    if (stats.last_lsn != s.snapshot->lsn()) {
      s.txn->Rollback();
      s.txn.reset();
      return Status::Busy("database is locked");
    }
    s.retired.push_back(std::move(s.snapshot));  // running statements may still read it
  }
  // The open savepoint levels cover this transaction too (from its start).
  s.sp_handles.clear();
  for (size_t i = 0; i < sp_levels.size(); i++) {
    auto h = s.txn->Savepoint();
    if (!h.ok()) {
      s.txn->Rollback();
      s.txn.reset();
      s.sp_handles.clear();
      return h.status();
    }
    s.sp_handles.push_back(*h);
  }
  return Status::OK();
}

Status ConnectionImpl::NameDatabases(const Status& st) const {
  // The store names its directories ('dir'); say "database aux" for this connection's ones.
  std::string m = st.message();
  for (const DbSlot& s : dbs) {
    const DatabaseImpl* d = s.impl();
    if (!d || d->in_memory || !d->store) continue;
    const std::string quoted = "'" + d->store->dir() + "'";
    for (size_t pos = m.find(quoted); pos != std::string::npos; pos = m.find(quoted, pos)) {
      const std::string named = "database " + s.name;
      m.replace(pos, quoted.size(), named);
      pos += named.size();
    }
  }
  return Status(st.code(), m);
}

Result<uint32_t> ConnectionImpl::Savepoint() {
  uint32_t level = next_sp_level++;
  for (DbSlot& s : dbs) {
    if (!s.txn) continue;
    DOSQL_ASSIGN_OR_RETURN(uint32_t h, s.txn->Savepoint());
    s.sp_handles.push_back(h);
  }
  sp_levels.push_back(level);
  return level;
}

namespace {
Result<size_t> LevelIndex(const std::vector<uint32_t>& levels, uint32_t level) {
  for (size_t i = levels.size(); i-- > 0;) {
    if (levels[i] == level) return i;
  }
  return Status::NotFound("no savepoint " + std::to_string(level) + " is open");
}
}  // namespace

Status ConnectionImpl::RollbackTo(uint32_t level) {
  DOSQL_ASSIGN_OR_RETURN(size_t i, LevelIndex(sp_levels, level));
  Status st;
  for (DbSlot& s : dbs) {
    if (!s.txn || i >= s.sp_handles.size()) continue;
    Status r = s.txn->RollbackTo(s.sp_handles[i]);
    if (st.ok()) st = r;
    s.sp_handles.resize(i + 1);
  }
  sp_levels.resize(i + 1);
  return st;
}

Status ConnectionImpl::Release(uint32_t level) {
  DOSQL_ASSIGN_OR_RETURN(size_t i, LevelIndex(sp_levels, level));
  Status st;
  for (DbSlot& s : dbs) {
    if (!s.txn || i >= s.sp_handles.size()) continue;
    Status r = s.txn->Release(s.sp_handles[i]);
    if (st.ok()) st = r;
    s.sp_handles.resize(i);
  }
  sp_levels.resize(i);
  return st;
}

Status ConnectionImpl::CheckForeignKeys(bool committing) const {
  if (fk_immediate > 0 || (committing && fk_deferred + fk_deferred_imm > 0)) {
    return Status::Constraint("FOREIGN KEY constraint failed");
  }
  return Status::OK();
}

namespace {
// Ends a database's transaction state (after commit or rollback of its write transaction).
void EndSlotTxn(DbSlot& s) {
  s.snapshot.reset();
  s.retired.clear();
  s.sp_handles.clear();
  s.txn_schema.reset();
}
}  // namespace

Status ConnectionImpl::CommitTxn() {
  DOSQL_RETURN_IF_ERROR(CheckForeignKeys(true));
  fk_deferred = fk_deferred_imm = 0;
  defer_foreign_keys = false;
  savepoints.clear();
  sp_levels.clear();
  explicit_txn = false;
  // The file databases commit together: atomically (two-phase commit with a decision file,
  // transaction::CommitAtomically) when more than one changed. Then the in-memory ones (temp,
  // ":memory:"), which keep no promise across a crash anyway.
  std::vector<transaction::WriteTransaction*> durable, memory;
  for (DbSlot& s : dbs) {
    if (s.txn) (s.impl()->in_memory ? memory : durable).push_back(s.txn.get());
  }
  Status st = transaction::CommitAtomically(durable);
  for (transaction::WriteTransaction* t : memory) {
    if (!st.ok()) {
      t->Rollback();
      continue;
    }
    auto r = t->Commit();
    if (!r.ok()) st = r.status();
  }
  for (DbSlot& s : dbs) {
    if (st.ok() && s.txn && s.txn_schema) {
      DatabaseImpl* d = s.impl();
      std::lock_guard<std::mutex> lock(d->mu);
      d->schema = std::move(s.txn_schema);
      d->schema_ptr.store(d->schema.get(), std::memory_order_release);
    }
    s.txn.reset();
    EndSlotTxn(s);
  }
  return st;
}

void ConnectionImpl::RollbackTxn() {
  fk_deferred = fk_deferred_imm = 0;
  defer_foreign_keys = false;
  savepoints.clear();
  sp_levels.clear();
  explicit_txn = false;
  for (DbSlot& s : dbs) {
    if (s.txn) {
      s.txn->Rollback();
      s.txn.reset();
    }
    EndSlotTxn(s);
  }
}

Status ConnectionImpl::ReloadTxnSchema() {
  for (DbSlot& s : dbs) {
    if (!s.txn || !s.txn_schema) continue;
    DOSQL_ASSIGN_OR_RETURN(auto schema, LoadSchema(*s.txn, s.impl()->tag));
    s.txn_schema = std::move(schema);
  }
  return Status::OK();
}

Status ConnectionImpl::Attach(const std::string& path, const std::string& name) {
  if (FindDb(name) >= 0) return Status::InvalidArgument("database " + name + " is already in use");
  if (dbs.size() >= static_cast<size_t>(2 + kMaxAttached)) {
    return Status::InvalidArgument("too many attached databases - max " +
                                   std::to_string(kMaxAttached));
  }
  DatabaseOptions o = dbi->options;
  o.create_if_missing = !o.read_only;
  auto opened = Database::Open(path, o);
  if (!opened.ok()) {
    return Status(opened.status().code(), "unable to open database: " + path);
  }
  DbSlot slot;
  slot.name = name;
  slot.keep = std::move(opened).value();
  slot.db = slot.keep.get();
  slot.keep->impl()->connections++;
  dbs.push_back(std::move(slot));
  attach_generation++;
  return Status::OK();
}

Status ConnectionImpl::Detach(const std::string& name) {
  int i = FindDb(name);
  if (i == kMain) return Status::InvalidArgument("cannot detach database " + name);
  if (i < 0 || i == kTemp) return Status::InvalidArgument("no such database: " + name);
  DbSlot& s = dbs[static_cast<size_t>(i)];
  if (s.txn || s.snapshot || s.active_reads > 0) {
    return Status::InvalidArgument("database " + name + " is locked");
  }
  s.keep->impl()->connections--;
  dbs.erase(dbs.begin() + i);
  attach_generation++;
  return Status::OK();
}

void ConnectionImpl::Close() {
  RollbackTxn();
  for (size_t i = 1; i < dbs.size(); i++) {
    if (dbs[i].keep) dbs[i].keep->impl()->connections--;
  }
  dbs.resize(std::min<size_t>(dbs.size(), 1));
}

// ----- TxnRouter -----

Result<transaction::WriteTransaction*> TxnRouter::For(transaction::TreeId tree) {
  const uint64_t tag = TreeTag(tree);
  // The slot the last call found, while it still holds that database's write transaction.
  if (last_db_ < c_->dbs.size()) {
    const DbSlot& s = c_->dbs[last_db_];
    if (s.txn && s.impl() != nullptr && s.impl()->tag == tag) return s.txn.get();
  }
  int db = c_->DbOfTag(tag);
  if (db < 0) return Status::Internal("a tree of a database that is not attached");
  DOSQL_RETURN_IF_ERROR(c_->EnsureWrite(db));
  last_db_ = static_cast<size_t>(db);
  return c_->dbs[static_cast<size_t>(db)].txn.get();
}

Result<transaction::TreeId> TxnRouter::CreateTree(uint64_t tag, transaction::TreeKind kind) {
  int db = c_->DbOfTag(tag);
  if (db < 0) return Status::Internal("a tree of a database that is not attached");
  DOSQL_RETURN_IF_ERROR(c_->EnsureWrite(db));
  DOSQL_ASSIGN_OR_RETURN(transaction::TreeId raw,
                         c_->dbs[static_cast<size_t>(db)].txn->CreateTree(kind));
  return TaggedTreeId(tag, raw);
}

Status TxnRouter::DropTree(transaction::TreeId tree) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  return t->DropTree(RawTreeId(tree));
}

Status TxnRouter::ClearTree(transaction::TreeId tree) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  writes_++;
  return t->ClearTree(RawTreeId(tree));
}

Status TxnRouter::Put(transaction::TreeId tree, std::string_view key, std::string_view value,
                      bool* existed) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  writes_++;
  return t->Put(RawTreeId(tree), key, value, existed);
}

Status TxnRouter::Delete(transaction::TreeId tree, std::string_view key, bool* existed) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  writes_++;
  return t->Delete(RawTreeId(tree), key, existed);
}

Status TxnRouter::Fill(transaction::TreeId tree, const transaction::EntrySource& next) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  writes_++;
  return t->Fill(RawTreeId(tree), next);
}

Result<std::optional<std::string>> TxnRouter::Get(transaction::TreeId tree, std::string_view key) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  return t->Get(RawTreeId(tree), key);
}

Status TxnRouter::GetInto(transaction::TreeId tree, std::string_view key, std::string* value,
                          bool* found) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  return t->GetInto(RawTreeId(tree), key, value, found);
}

uint64_t TxnRouter::TreeShape(transaction::TreeId tree) {
  auto t = For(tree);
  return t.ok() ? t.value()->TreeShape(RawTreeId(tree)) : 0;
}

void TxnRouter::SuggestLeaf(transaction::TreeId tree, uint64_t shape, btree::PageId root,
                            const btree::PageRef& leaf, uint32_t slot) {
  auto t = For(tree);
  if (t.ok()) t.value()->SuggestLeaf(RawTreeId(tree), shape, root, leaf, slot);
}

Result<btree::NeighborKeys> TxnRouter::Neighbors(transaction::TreeId tree, std::string_view key,
                                                 size_t prefix) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  return t->Neighbors(RawTreeId(tree), key, prefix);
}

Result<std::optional<std::string>> TxnRouter::LastKey(transaction::TreeId tree) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  return t->LastKey(RawTreeId(tree));
}

bool TxnRouter::PagesSealed(transaction::TreeId tree) {
  auto t = For(tree);
  return t.ok() && t.value()->PagesSealed();
}

Result<btree::Cursor> TxnRouter::NewCursor(transaction::TreeId tree) {
  DOSQL_ASSIGN_OR_RETURN(auto* t, For(tree));
  return t->NewCursor(RawTreeId(tree));
}

// ----- ConnDataAccess -----

void ConnDataAccess::Release() {
  if (reads_.empty()) return;
  if (!c_->closed) {
    for (Read& r : reads_) {
      for (DbSlot& s : c_->dbs) {
        if (s.db == r.database) s.active_reads--;
      }
    }
  }
  reads_.clear();
}

Result<ConnDataAccess::Source> ConnDataAccess::For(transaction::TreeId tree) {
  int db = c_->DbOfTag(TreeTag(tree));
  if (db < 0) return Status::Internal("a tree of a database that is not attached");
  DbSlot& s = c_->dbs[static_cast<size_t>(db)];
  if (s.txn) return Source{s.txn.get(), nullptr};
  if (s.snapshot) return Source{nullptr, s.snapshot.get()};
  for (Read& r : reads_) {
    if (r.database == s.db) return Source{nullptr, r.txn.get()};
  }
  DatabaseImpl* d = s.impl();
  DOSQL_ASSIGN_OR_RETURN(auto read, d->store->BeginRead());
  if (c_->explicit_txn) {
    // BEGIN DEFERRED: the first read of a database pins its snapshot for the transaction.
    s.snapshot = std::move(read);
    return Source{nullptr, s.snapshot.get()};
  }
  Read r;
  r.db = db;
  r.database = s.db;
  r.keep = s.keep;
  r.txn = std::move(read);
  s.active_reads++;
  reads_.push_back(std::move(r));
  return Source{nullptr, reads_.back().txn.get()};
}

Result<btree::Cursor> ConnDataAccess::NewCursor(transaction::TreeId tree) {
  DOSQL_ASSIGN_OR_RETURN(Source src, For(tree));
  return src.w ? src.w->NewCursor(RawTreeId(tree)) : src.r->NewCursor(RawTreeId(tree));
}

Result<DataAccess::TreeVersion> ConnDataAccess::Version(transaction::TreeId tree) {
  DOSQL_ASSIGN_OR_RETURN(Source src, For(tree));
  TreeVersion v;
  if (src.w) {
    DOSQL_ASSIGN_OR_RETURN(transaction::TreeInfo info, src.w->GetTree(RawTreeId(tree)));
    v.root = info.root;
    v.changes = src.w->changes();
  } else {
    DOSQL_ASSIGN_OR_RETURN(transaction::TreeInfo info, src.r->GetTree(RawTreeId(tree)));
    v.root = info.root;
  }
  return v;
}

Result<std::optional<std::string>> ConnDataAccess::Get(transaction::TreeId tree,
                                                       std::string_view key) {
  DOSQL_ASSIGN_OR_RETURN(Source src, For(tree));
  return src.w ? src.w->Get(RawTreeId(tree), key) : src.r->Get(RawTreeId(tree), key);
}

Status ConnDataAccess::GetInto(transaction::TreeId tree, std::string_view key, std::string* value,
                               bool* found) {
  DOSQL_ASSIGN_OR_RETURN(Source src, For(tree));
  return src.w ? src.w->GetInto(RawTreeId(tree), key, value, found)
               : src.r->GetInto(RawTreeId(tree), key, value, found);
}

// ---------------------------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------------------------

Database::Database(std::unique_ptr<DatabaseImpl> impl) : impl_(std::move(impl)) {}
Database::~Database() {
  if (impl_ && impl_->store) (void)impl_->store->Close();
}

namespace {

Result<std::shared_ptr<Database>> OpenNew(const std::string& path, const DatabaseOptions& options) {
  auto impl = std::make_unique<DatabaseImpl>();
  impl->path = path;
  impl->options = options;
  impl->in_memory = IsMemoryPath(path);
  std::string dir = path;
  if (impl->in_memory) {
    impl->fs = fsx::NewMemoryFileSystem();
    dir = "/memdb";
  } else {
    impl->fs = fsx::NewLocalFileSystem();
    // Like SQLite, the directory that holds the database must exist.
    std::string parent = fsx::ParentDir(path);
    auto exists = impl->fs->Exists(parent);
    if (!parent.empty() && parent != "." && (!exists.ok() || !*exists)) {
      return Status::NotFound("unable to open database file: " + path +
                              " (directory " + parent + " does not exist)");
    }
  }
  transaction::StoreOptions so;
  so.create_if_missing = options.create_if_missing && !options.read_only;
  so.read_only = options.read_only;
  so.busy_timeout = options.busy_timeout;
  so.pager.cache_bytes = options.cache_bytes;
  so.pager.map_segments = options.map_segments;
  so.log_changes = !impl->in_memory;  // an in-memory database keeps nothing past its Close
  so.sync_mode = options.sync_commits && !impl->in_memory ? wal::SyncMode::kFull
                                                          : wal::SyncMode::kOff;
  auto store = transaction::Store::Open(impl->fs, dir, so);
  if (!store.ok()) {
    Status s = store.status();
    if (s.code() == StatusCode::kNotFound || s.code() == StatusCode::kIOError) {
      return Status(s.code(), "unable to open database file: " + path + " (" + s.message() + ")");
    }
    return s;
  }
  impl->store = std::move(store).value();
  DOSQL_ASSIGN_OR_RETURN(impl->tag, AllocateTag());
  {
    DOSQL_ASSIGN_OR_RETURN(auto rt, impl->store->BeginRead());
    DOSQL_ASSIGN_OR_RETURN(auto schema, LoadSchema(*rt, impl->tag));
    impl->schema = std::move(schema);
    impl->schema_ptr.store(impl->schema.get(), std::memory_order_release);
  }
  return std::make_shared<Database>(std::move(impl));
}

}  // namespace

Result<std::shared_ptr<Database>> Database::Open(const std::string& path,
                                                 const DatabaseOptions& options) {
  if (IsMemoryPath(path)) return OpenNew(path, options);
  // A file database already open in this process (by Open or ATTACH) is shared.
  const std::string key = CanonicalPath(path);
  OpenRegistry& reg = Registry();
  std::lock_guard<std::mutex> l(reg.mu);
  for (auto it = reg.open.begin(); it != reg.open.end();) {
    it = it->second.expired() ? reg.open.erase(it) : std::next(it);
  }
  auto it = reg.open.find(key);
  if (it != reg.open.end()) {
    std::shared_ptr<Database> db = it->second.lock();
    if (db && db->impl()->store && db->impl()->options.read_only == options.read_only) return db;
  }
  DOSQL_ASSIGN_OR_RETURN(auto db, OpenNew(path, options));
  if (!options.read_only) reg.open[key] = db;
  return db;
}

Status Database::Close() {
  if (!impl_->store) return Status::OK();
  if (impl_->connections > 0) return Status::Busy("unable to close due to unfinalized connections");
  Status s = impl_->store->Close();
  impl_->store.reset();
  return s;
}

const std::string& Database::path() const { return impl_->path; }
bool Database::in_memory() const { return impl_->in_memory; }

Result<std::unique_ptr<Connection>> Database::Connect() {
  if (!impl_->store) return Status::InvalidArgument("database is closed");
  auto c = std::make_unique<ConnectionImpl>();
  c->db = this;
  c->dbi = impl_.get();
  c->busy_timeout = impl_->options.busy_timeout;
  c->dbs.resize(2);
  c->dbs[ConnectionImpl::kMain].name = "main";
  c->dbs[ConnectionImpl::kMain].db = this;
  c->dbs[ConnectionImpl::kTemp].name = "temp";
  impl_->connections++;
  return std::make_unique<Connection>(std::move(c));
}

// ---------------------------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------------------------

Connection::Connection(std::unique_ptr<ConnectionImpl> impl) : impl_(std::move(impl)) {}

// Ends the run of a statement whose connection closes (defined with StatementImpl).
void AbandonStatement(StatementImpl* s);

Connection::~Connection() {
  if (!impl_) return;
  std::set<StatementImpl*> live = std::move(impl_->statements);
  for (StatementImpl* s : live) AbandonStatement(s);
  impl_->closed = true;
  impl_->Close();
  impl_->dbi->connections--;
  std::shared_ptr<Database> keep = std::move(impl_->db_ref);
  impl_.reset();
  if (keep && keep.use_count() == 1) (void)keep->Close();
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                     const DatabaseOptions& options) {
  DOSQL_ASSIGN_OR_RETURN(auto db, Database::Open(path, options));
  DOSQL_ASSIGN_OR_RETURN(auto conn, db->Connect());
  conn->impl_->db_ref = db;
  return conn;
}

Database& Connection::database() { return *impl_->db; }
int64_t Connection::changes() const { return impl_->changes; }
int64_t Connection::total_changes() const { return impl_->total_changes; }
int64_t Connection::last_insert_rowid() const { return impl_->last_insert_rowid; }
bool Connection::autocommit() const { return !impl_->explicit_txn; }

namespace {

// Adapts a user aggregate to the engine's aggregate state.
class UserAggregateState final : public AggregateState {
 public:
  explicit UserAggregateState(std::unique_ptr<AggregateCallbacks> cb) : cb_(std::move(cb)) {}
  Status Step(std::span<const Value> args) override { return cb_->Step(args); }
  Status Inverse(std::span<const Value> args) override { return cb_->Inverse(args); }
  Result<Value> Final() override { return cb_->Final(); }
  Result<Value> Current() override { return cb_->Current(); }

 private:
  std::unique_ptr<AggregateCallbacks> cb_;
};

Status CheckFunctionName(std::string_view name, int num_args) {
  if (name.empty()) return Status::InvalidArgument("a function needs a name");
  if (num_args < -1 || num_args > 127) {
    return Status::InvalidArgument("a function takes -1 (any) to 127 arguments");
  }
  return Status::OK();
}

Status AddAggregate(ConnectionImpl* conn, std::string_view name, int num_args,
                    AggregateFactory make, FunctionFlags flags, bool window) {
  DOSQL_RETURN_IF_ERROR(CheckFunctionName(name, num_args));
  if (!make) return Status::InvalidArgument("an aggregate needs a factory");
  auto f = std::make_shared<UserFunction>();
  f->name = Lower(name);
  f->num_args = num_args;
  f->flags = flags;
  f->aggregate = std::make_shared<AggregateFunction>();
  f->aggregate->name = f->name;
  f->aggregate->min_args = num_args < 0 ? 0 : num_args;
  f->aggregate->max_args = num_args < 0 ? 127 : num_args;
  f->aggregate->make = [make](Collation) -> std::unique_ptr<AggregateState> {
    std::unique_ptr<AggregateCallbacks> cb = make();
    if (!cb) return nullptr;
    return std::make_unique<UserAggregateState>(std::move(cb));
  };
  f->aggregate->has_inverse = window;
  f->aggregate->has_current = window;
  conn->functions[{f->name, num_args}] = std::move(f);
  conn->functions_generation++;
  return Status::OK();
}

}  // namespace

std::shared_ptr<const UserFunction> ConnectionImpl::FindFunction(std::string_view lower_name,
                                                                 int nargs) const {
  if (functions.empty()) return nullptr;
  auto it = functions.find({std::string(lower_name), nargs});
  if (it == functions.end()) it = functions.find({std::string(lower_name), -1});
  return it == functions.end() ? nullptr : it->second;
}

Status Connection::CreateFunction(std::string_view name, int num_args, ScalarFunction fn,
                                  FunctionFlags flags) {
  DOSQL_RETURN_IF_ERROR(CheckFunctionName(name, num_args));
  if (!fn) return Status::InvalidArgument("a scalar function needs a callable");
  auto f = std::make_shared<UserFunction>();
  f->name = Lower(name);
  f->num_args = num_args;
  f->flags = flags;
  f->scalar = std::move(fn);
  impl_->functions[{f->name, num_args}] = std::move(f);
  impl_->functions_generation++;
  return Status::OK();
}

Status Connection::CreateAggregateFunction(std::string_view name, int num_args,
                                           AggregateFactory make, FunctionFlags flags) {
  return AddAggregate(impl_.get(), name, num_args, std::move(make), flags, false);
}

Status Connection::CreateWindowFunction(std::string_view name, int num_args,
                                        AggregateFactory make, FunctionFlags flags) {
  return AddAggregate(impl_.get(), name, num_args, std::move(make), flags, true);
}

Status Connection::RemoveFunction(std::string_view name, int num_args) {
  if (impl_->functions.erase({Lower(name), num_args}) == 0) {
    return Status::NotFound("no such function: " + std::string(name));
  }
  impl_->functions_generation++;
  return Status::OK();
}

Status Connection::CreateCollation(std::string_view name, CollationFunction compare) {
  if (!compare) {
    (void)RemoveCollation(name);  // removing one that is not there is not an error here
    return Status::OK();
  }
  if (name.empty()) return Status::InvalidArgument("a collation needs a name");
  if (IsBuiltinCollationName(name)) {
    return Status::InvalidArgument("the built-in collation " + Upper(name) +
                                   " cannot be replaced");
  }
  auto u = std::make_shared<UserCollation>();
  u->name = std::string(name);
  u->compare = std::move(compare);
  impl_->collations[Lower(name)] = std::move(u);
  impl_->functions_generation++;
  return Status::OK();
}

Status Connection::RemoveCollation(std::string_view name) {
  if (impl_->collations.erase(Lower(name)) == 0) {
    return Status::NotFound("no such collation sequence: " + std::string(name));
  }
  impl_->functions_generation++;
  return Status::OK();
}

void Connection::SetCollationNeeded(std::function<void(std::string_view)> handler) {
  impl_->collation_needed = std::move(handler);
}

Collation ConnectionImpl::TryResolveCollation(const Collation& c) {
  if (!c.unresolved() || collations.empty()) return c;
  auto it = collations.find(Lower(c.user()->name));
  if (it == collations.end()) return c;
  return Collation::User(it->second);
}

Result<Collation> ConnectionImpl::ResolveCollation(const Collation& c) {
  if (!c.unresolved()) return c;
  const std::string& name = c.user() ? c.user()->name : std::string();
  auto it = collations.find(Lower(name));
  if (it == collations.end() && collation_needed) {
    auto handler = collation_needed;  // the handler may replace itself
    handler(name);
    it = collations.find(Lower(name));
  }
  if (it == collations.end()) return Status::NotFound("no such collation sequence: " + name);
  return Collation::User(it->second);
}

void Connection::Interrupt() {
  impl_->interrupt_requests.fetch_add(1, std::memory_order_relaxed);
}

void Connection::SetStatementTimeout(std::chrono::milliseconds limit) {
  impl_->statement_timeout = limit;
}
int Connection::error_offset() const { return impl_->error_offset; }

// ---------------------------------------------------------------------------------------------
// Statement
// ---------------------------------------------------------------------------------------------

struct StatementImpl {
  ConnectionImpl* conn = nullptr;
  std::shared_ptr<ConnectionImpl> conn_ref;  // outlives the Connection to tell it closed
  std::string sql;
  std::unique_ptr<parser::Statement> ast;
  int param_count = 0;
  std::vector<std::string> param_names;
  std::vector<Value> params;
  // The schemas of the connection's databases at compile, and its attach generation.
  std::vector<std::shared_ptr<const Schema>> compiled_schemas;
  uint64_t compiled_attach = 0;
  uint64_t compiled_functions = 0;  // ConnectionImpl::functions_generation at compile
  std::unique_ptr<Program> program;
  std::vector<std::string> names;
  std::vector<std::string> decltypes;
  enum class State { kReady, kRunning, kDone, kFailed };
  State state = State::kReady;
  bool owns_txn = false;       // autocommit: the write transactions it opens are its own
  bool owns_snapshot = false;  // an autocommit read
  std::unique_ptr<ConnDataAccess> data;
  Exec ex;
  int64_t statement_time = 0;  // 'now' of the current execution (0: not read yet)
  Row row;
  static inline std::atomic<uint64_t> generation{0};

  Status EnsureCompiled();
  Status Begin();
  // Ends the statement's own snapshot or autocommit transaction: commits if `ok`, else rolls
  // back. Returns the commit's status (a failed commit is the statement's error).
  Status Finish(bool ok);
};

Status StatementImpl::EnsureCompiled() {
  bool current = program && compiled_functions == conn->functions_generation &&
                 compiled_attach == conn->attach_generation &&
                 compiled_schemas.size() == conn->dbs.size();
  for (size_t i = 0; current && i < conn->dbs.size(); i++) {
    // (The compiled schema is held: its address cannot be another schema's.)
    current = conn->SlotSchemaIs(static_cast<int>(i), compiled_schemas[i].get());
  }
  if (current) return Status::OK();
  compiled_schemas.clear();
  for (size_t i = 0; i < conn->dbs.size(); i++) {
    compiled_schemas.push_back(conn->SlotSchema(static_cast<int>(i)));
  }
  compiled_attach = conn->attach_generation;
  compiled_functions = conn->functions_generation;
  DOSQL_ASSIGN_OR_RETURN(program, Compile(conn, *ast, sql));
  names.clear();
  decltypes.clear();
  for (const auto& c : program->columns) {
    names.push_back(c.name);
    decltypes.push_back(c.decl_type);
  }
  return Status::OK();
}

Status StatementImpl::Begin() {
  DOSQL_RETURN_IF_ERROR(EnsureCompiled());
  // A fresh execution state that keeps the frame table's storage.
  std::vector<Frame*> frames = std::move(ex.frames);
  ex = Exec();
  ex.frames = std::move(frames);
  ex.conn = conn;
  ex.params = &params;
  ex.generation = ++generation;
  ex.interrupt_requests = &conn->interrupt_requests;
  ex.interrupts_seen = conn->interrupt_requests.load(std::memory_order_relaxed);
  if (conn->statement_timeout.count() > 0) {
    ex.deadline = std::chrono::steady_clock::now() + conn->statement_timeout;
  }
  statement_time = 0;
  ex.statement_time = &statement_time;
  // (+ 2: an INSERT's UPSERT frame sits one level above its plan's deepest.)
  ex.frames.assign(static_cast<size_t>(std::max(program->ctx->max_level, 1) + 2), nullptr);
  // Outside BEGIN, the write transactions a statement opens are committed when it ends.
  const bool autocommit = !conn->explicit_txn && !conn->InWriteTxn();
  owns_txn = program->writes && autocommit;
  owns_snapshot = !program->writes && autocommit;
  if (data) {
    data->Release();  // (a no-op when the last execution finished)
  } else {
    data = std::make_unique<ConnDataAccess>(conn);
  }
  if (program->writes && program->write_db < static_cast<int>(conn->dbs.size())) {
    DOSQL_RETURN_IF_ERROR(conn->EnsureWrite(program->write_db));
  }
  ex.data = data.get();
  // Re-check the schema against what this snapshot shows (another connection may have changed
  // it): the committed schema is what new statements compile against.
  return Status::OK();
}

Status StatementImpl::Finish(bool ok) {
  // An autocommit read of the database ends a transaction too, which turns defer_foreign_keys
  // off (SQLite); PRAGMAs do not count.
  if (owns_snapshot && !ast->Is<parser::PragmaStmt>()) conn->defer_foreign_keys = false;
  owns_snapshot = false;
  for (ExecutionMemory* m : ex.held) m->Free();
  ex.held.clear();
  if (data) data->Release();
  Status st;
  if (owns_txn && conn->InWriteTxn()) {
    if (ok) {
      st = conn->CommitTxn();
      if (!st.ok() && conn->InWriteTxn()) conn->RollbackTxn();
    } else {
      conn->RollbackTxn();
    }
  }
  owns_txn = false;
  return st;
}

void AbandonStatement(StatementImpl* s) {
  if (s->state == StatementImpl::State::kRunning) (void)s->Finish(false);
  s->state = StatementImpl::State::kReady;
  s->row.clear();
  s->program.reset();  // its plan may refer to the connection's schema and functions
}

Statement::Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}
Statement::~Statement() {
  if (!impl_ || impl_->conn->closed) return;
  if (impl_->state == StatementImpl::State::kRunning) (void)impl_->Finish(true);
  impl_->conn->statements.erase(impl_.get());
}

std::string_view Statement::sql() const { return impl_->sql; }
bool Statement::readonly() const {
  using T = parser::NodeType;
  switch (impl_->ast->type()) {
    case T::kSelectStmt:
    case T::kExplainStmt:
    case T::kBeginStmt:
    case T::kCommitStmt:
    case T::kRollbackStmt:
    case T::kSavepointStmt:
    case T::kReleaseStmt:
    case T::kAttachStmt:  // they change the connection, not a database (as SQLite)
    case T::kDetachStmt:
      return true;
    case T::kPragmaStmt:
      return impl_->ast->As<parser::PragmaStmt>().value_kind == parser::PragmaStmt::ValueKind::kNone;
    default:
      return false;
  }
}
int Statement::parameter_count() const { return impl_->param_count; }
std::string_view Statement::parameter_name(int index) const {
  if (index < 1 || index > impl_->param_count) return "";
  return impl_->param_names[index - 1];
}
int Statement::parameter_index(std::string_view name) const {
  for (int i = 0; i < impl_->param_count; i++) {
    if (!name.empty() && impl_->param_names[i] == name) return i + 1;
  }
  return 0;
}

namespace {
// The parameter `index` (1-based) for a new binding.
Result<Value*> BindTarget(StatementImpl* impl, int index) {
  if (index < 1 || index > impl->param_count) {
    return Status::OutOfRange("column index out of range");
  }
  if (impl->state == StatementImpl::State::kRunning) {
    return Status::InvalidArgument("bad parameter or other API misuse: statement is running");
  }
  return &impl->params[static_cast<size_t>(index - 1)];
}
}  // namespace

Status Statement::Bind(int index, Value value) {
  DOSQL_ASSIGN_OR_RETURN(Value * param, BindTarget(impl_.get(), index));
  *param = std::move(value);
  return Status::OK();
}
Status Statement::BindText(int index, std::string_view v) {
  DOSQL_ASSIGN_OR_RETURN(Value * param, BindTarget(impl_.get(), index));
  param->SetText(v);
  param->set_subtype(0);
  return Status::OK();
}
Status Statement::BindBlob(int index, std::string_view bytes) {
  DOSQL_ASSIGN_OR_RETURN(Value * param, BindTarget(impl_.get(), index));
  param->SetBlob(bytes);
  param->set_subtype(0);
  return Status::OK();
}
Status Statement::Bind(std::string_view name, Value value) {
  int index = parameter_index(name);
  if (index == 0) return Status::NotFound("no such parameter: " + std::string(name));
  return Bind(index, std::move(value));
}

ValueType Statement::column_type(int i) const {
  if (i < 0 || i >= column_count()) return ValueType::kNull;
  return column(i).type();
}

int64_t Statement::column_int64(int i) const {
  if (i < 0 || i >= column_count()) return 0;
  return ValueToInt64(column(i));
}

double Statement::column_double(int i) const {
  if (i < 0 || i >= column_count()) return 0;
  return ValueToReal(column(i));
}

std::string Statement::column_text(int i) const {
  std::string out;
  if (i >= 0 && i < column_count()) (void)AppendValueText(column(i), &out);
  return out;
}

void Statement::RowIterator::Advance() {
  auto r = st_->Step();
  if (!r.ok()) st_->rows_status_ = r.status();
  else st_->rows_status_ = Status::OK();
  if (!r.ok() || !*r) st_ = nullptr;
}

Status Statement::ClearBindings() {
  for (auto& p : impl_->params) p = Value();
  return Status::OK();
}

namespace {

Result<bool> StepStatement(StatementImpl& s) {
  if (s.conn->closed) return Status::InvalidArgument("the connection is closed");
  if (s.state == StatementImpl::State::kDone) return false;
  if (s.state == StatementImpl::State::kFailed) {
    return Status::InvalidArgument("statement must be reset after an error");
  }
  if (s.state == StatementImpl::State::kReady) {
    Status st = s.Begin();
    if (!st.ok()) {
      (void)s.Finish(false);
      s.state = StatementImpl::State::kFailed;
      return st;
    }
    s.state = StatementImpl::State::kRunning;
    if (s.program->run) {
      uint32_t sp = 0;
      // Foreign key checks end the statement after its writes: it needs its savepoint.
      bool use_sp = s.program->writes && s.conn->InWriteTxn() && !s.owns_txn &&
                    (s.program->needs_statement_savepoint || s.conn->foreign_keys);
      if (use_sp) {
        auto r = s.conn->Savepoint();
        if (!r.ok()) {
          (void)s.Finish(false);
          s.state = StatementImpl::State::kFailed;
          return r.status();
        }
        sp = *r;
      }
      const uint64_t writes_before = s.conn->router.writes();
      s.conn->error_action = parser::ConflictAction::kNone;
      s.conn->fk_immediate = 0;
      const int64_t fk_deferred = s.conn->fk_deferred;
      const int64_t fk_deferred_imm = s.conn->fk_deferred_imm;
      st = s.program->run(s.ex);
      if (st.ok() && s.program->writes) {
        st = s.conn->CheckForeignKeys(s.owns_txn);
        if (!st.ok()) s.conn->error_action = parser::ConflictAction::kAbort;
      }
      if (!st.ok()) {
        if (s.conn->error_action != parser::ConflictAction::kFail) {
          // The statement is undone, and so are its deferred violations.
          s.conn->fk_deferred = fk_deferred;
          s.conn->fk_deferred_imm = fk_deferred_imm;
        }
        parser::ConflictAction action = s.conn->error_action;
        if (action == parser::ConflictAction::kRollback) {
          // OR ROLLBACK: the whole transaction ends.
          (void)s.Finish(false);
          s.conn->RollbackTxn();
        } else if (action == parser::ConflictAction::kFail) {
          // OR FAIL: what the statement changed before the failure stays.
          if (use_sp && s.conn->InWriteTxn()) (void)s.conn->Release(sp);
          (void)s.Finish(true);  // the constraint error is what is reported
        } else if (!use_sp && s.conn->InWriteTxn() && !s.owns_txn &&
                   s.conn->router.writes() != writes_before) {
          // A statement that runs without a savepoint (it cannot fail after its first write,
          // compile.cc) was stopped mid-way all the same (I/O error, interrupt): its partial
          // changes cannot be undone alone, so the transaction ends, as SQLite does then.
          (void)s.Finish(false);
          s.conn->RollbackTxn();
        } else {
          if (use_sp && s.conn->InWriteTxn()) {
            (void)s.conn->RollbackTo(sp);
            (void)s.conn->Release(sp);
            (void)s.conn->ReloadTxnSchema();
          }
          (void)s.Finish(false);
        }
        s.state = StatementImpl::State::kFailed;
        return st;
      }
      if (use_sp && s.conn->InWriteTxn()) (void)s.conn->Release(sp);
    }
    if (s.program->rows) {
      st = s.program->rows->Open(s.ex);
      if (!st.ok()) {
        (void)s.Finish(false);
        s.state = StatementImpl::State::kFailed;
        return st;
      }
    }
  }
  if (!s.program->rows) {
    Status fs = s.Finish(true);
    if (!fs.ok()) {
      s.state = StatementImpl::State::kFailed;
      return fs;
    }
    s.state = StatementImpl::State::kDone;
    return false;
  }
  auto r = s.program->rows->Next(s.ex, &s.row);
  if (!r.ok()) {
    (void)s.Finish(false);
    s.state = StatementImpl::State::kFailed;
    return r.status();
  }
  if (!*r) {
    Status fs = s.Finish(true);
    if (!fs.ok()) {
      s.state = StatementImpl::State::kFailed;
      return fs;
    }
    s.state = StatementImpl::State::kDone;
    return false;
  }
  return true;
}

}  // namespace

Result<bool> Statement::Step() {
  StatementImpl& s = *impl_;
  try {
    return StepStatement(s);
  } catch (const std::bad_alloc&) {
    // Intermediate rows (sorts, windows, hash tables, materialized subqueries) are held in
    // memory: when an allocation fails the statement fails, as with SQLite's SQLITE_NOMEM. What
    // it held goes with its plan (recompiled on the next run); a write transaction it wrote in
    // ends, since the statement may have stopped half-way through a change.
    const bool wrote = s.program && s.program->writes && s.conn->InWriteTxn() && !s.owns_txn;
    (void)s.Finish(false);
    if (wrote) s.conn->RollbackTxn();
    s.row.clear();
    s.row.shrink_to_fit();
    s.program.reset();
    s.state = StatementImpl::State::kFailed;
    return Status::NoMemory("out of memory");
  }
}

Status Statement::Reset() {
  StatementImpl& s = *impl_;
  if (s.conn->closed) return Status::InvalidArgument("the connection is closed");
  Status st;
  if (s.state == StatementImpl::State::kRunning) st = s.Finish(true);
  s.state = StatementImpl::State::kReady;
  s.row.clear();
  return st;
}

int Statement::column_count() const { return static_cast<int>(impl_->names.size()); }
const std::string& Statement::column_name(int i) const {
  static const std::string kNone;
  return i >= 0 && static_cast<size_t>(i) < impl_->names.size() ? impl_->names[i] : kNone;
}
const std::string& Statement::column_decltype(int i) const {
  static const std::string kNone;
  return i >= 0 && static_cast<size_t>(i) < impl_->decltypes.size() ? impl_->decltypes[i] : kNone;
}
const Value& Statement::column(int i) const {
  static const Value kNull;
  if (i < 0 || static_cast<size_t>(i) >= impl_->row.size()) return kNull;
  return impl_->row[i];
}

namespace {
std::string WithPosition(const parser::SyntaxErrorInfo& info) { return info.message; }
}  // namespace

Result<std::unique_ptr<Statement>> Connection::Prepare(std::string_view sql, size_t* tail_offset) {
  impl_->error_offset = -1;
  parser::SyntaxErrorInfo info;
  auto parsed = parser::ParseOne(sql, &info);
  if (!parsed.ok()) {
    impl_->error_offset = static_cast<int>(info.offset);
    return Status::SyntaxError(WithPosition(info));
  }
  if (tail_offset) *tail_offset = parsed->tail_offset;
  if (!parsed->statement) return std::unique_ptr<Statement>();
  auto si = std::make_unique<StatementImpl>();
  si->conn = impl_.get();
  si->conn_ref = impl_;
  uint32_t begin = parsed->statement->span.offset;
  uint32_t end = parsed->statement->span.end;
  si->sql = std::string(sql.substr(0, std::max(end, begin)));
  si->ast = std::move(parsed->statement);
  si->param_count = parsed->parameter_count;
  si->param_names = parsed->parameter_names;
  si->params.assign(static_cast<size_t>(si->param_count), Value());
  Status st = si->EnsureCompiled();
  if (!st.ok()) return st;
  impl_->error_offset = -1;
  impl_->statements.insert(si.get());
  return std::make_unique<Statement>(std::move(si));
}

Status Connection::Exec(std::string_view sql) {
  size_t pos = 0;
  while (pos < sql.size()) {
    size_t tail = 0;
    auto r = Prepare(sql.substr(pos), &tail);
    if (!r.ok()) {
      if (impl_->error_offset >= 0) impl_->error_offset += static_cast<int>(pos);
      return r.status();
    }
    std::unique_ptr<Statement> st = std::move(r).value();
    if (st) {
      while (true) {
        DOSQL_ASSIGN_OR_RETURN(bool row, st->Step());
        if (!row) break;
      }
    }
    if (tail == 0) break;
    pos += tail;
  }
  return Status::OK();
}

Result<Connection::QueryResult> Connection::Query(std::string_view sql) {
  QueryResult out;
  size_t pos = 0;
  while (pos < sql.size()) {
    size_t tail = 0;
    DOSQL_ASSIGN_OR_RETURN(auto st, Prepare(sql.substr(pos), &tail));
    if (st) {
      bool has_cols = st->column_count() > 0;
      std::vector<std::vector<Value>> rows;
      while (true) {
        DOSQL_ASSIGN_OR_RETURN(bool row, st->Step());
        if (!row) break;
        std::vector<Value> r;
        for (int i = 0; i < st->column_count(); i++) r.push_back(st->column(i));
        rows.push_back(std::move(r));
      }
      if (has_cols) {
        out.column_names.clear();
        for (int i = 0; i < st->column_count(); i++) out.column_names.push_back(st->column_name(i));
        out.rows = std::move(rows);
      }
    }
    if (tail == 0) break;
    pos += tail;
  }
  return out;
}

}  // namespace dosql::engine
