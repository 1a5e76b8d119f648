#include "dosql/engine/database.h"

#include <algorithm>

#include "conn.h"
#include "dosql/core/record.h"
#include "dosql/engine/format.h"
#include "dosql/parser/parser.h"

namespace dosql::engine {

// ---------------------------------------------------------------------------------------------
// ConnectionImpl
// ---------------------------------------------------------------------------------------------

std::shared_ptr<const Schema> ConnectionImpl::CurrentSchema() {
  if (txn_schema) return txn_schema;
  std::lock_guard<std::mutex> lock(dbi->mu);
  return dbi->schema;
}

Status ConnectionImpl::EnsureWrite() {
  if (txn) return Status::OK();
  if (dbi->options.read_only) return Status::ReadOnly("attempt to write a readonly database");
  if (snapshot) {
    // A deferred transaction that has read: it may only write if nothing committed since.
    auto stats = dbi->store->stats();
    if (stats.last_lsn != snapshot->lsn()) {
      return Status::Busy("database is locked");
    }
  }
  DOSQL_ASSIGN_OR_RETURN(txn, dbi->store->BeginWrite(busy_timeout));
  if (snapshot && txn) {
    // Re-check under the writer lock.
    auto stats = dbi->store->stats();
    if (stats.last_lsn != snapshot->lsn()) {
      txn->Rollback();
      txn.reset();
      return Status::Busy("database is locked");
    }
    snapshot.reset();
  }
  return Status::OK();
}

Status ConnectionImpl::CheckForeignKeys(bool committing) const {
  if (fk_immediate > 0 || (committing && fk_deferred + fk_deferred_imm > 0)) {
    return Status::Constraint("FOREIGN KEY constraint failed");
  }
  return Status::OK();
}

Status ConnectionImpl::CommitTxn() {
  DOSQL_RETURN_IF_ERROR(CheckForeignKeys(true));
  fk_deferred = fk_deferred_imm = 0;
  defer_foreign_keys = false;
  snapshot.reset();
  savepoints.clear();
  explicit_txn = false;
  if (!txn) {
    txn_schema.reset();
    return Status::OK();
  }
  auto t = std::move(txn);
  auto r = t->Commit();
  if (!r.ok()) {
    txn_schema.reset();
    return r.status();
  }
  if (txn_schema) {
    std::lock_guard<std::mutex> lock(dbi->mu);
    dbi->schema = std::move(txn_schema);
  }
  txn_schema.reset();
  return Status::OK();
}

void ConnectionImpl::RollbackTxn() {
  fk_deferred = fk_deferred_imm = 0;
  defer_foreign_keys = false;
  snapshot.reset();
  savepoints.clear();
  explicit_txn = false;
  if (txn) {
    txn->Rollback();
    txn.reset();
  }
  txn_schema.reset();
}

Status ConnectionImpl::ReloadTxnSchema() {
  if (!txn || !txn_schema) return Status::OK();
  DOSQL_ASSIGN_OR_RETURN(auto s, LoadSchema(*txn));
  txn_schema = std::move(s);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Database
// ---------------------------------------------------------------------------------------------

Database::Database(std::unique_ptr<DatabaseImpl> impl) : impl_(std::move(impl)) {}
Database::~Database() {
  if (impl_ && impl_->store) (void)impl_->store->Close();
}

Result<std::shared_ptr<Database>> Database::Open(const std::string& path,
                                                 const DatabaseOptions& options) {
  auto impl = std::make_unique<DatabaseImpl>();
  impl->path = path;
  impl->options = options;
  impl->in_memory = path.empty() || path == ":memory:";
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
  {
    DOSQL_ASSIGN_OR_RETURN(auto rt, impl->store->BeginRead());
    DOSQL_ASSIGN_OR_RETURN(auto schema, LoadSchema(*rt));
    impl->schema = std::move(schema);
  }
  return std::make_shared<Database>(std::move(impl));
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
  impl_->RollbackTxn();
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
  std::shared_ptr<const Schema> compiled_schema;
  uint64_t compiled_functions = 0;  // ConnectionImpl::functions_generation at compile
  std::unique_ptr<Program> program;
  std::vector<std::string> names;
  std::vector<std::string> decltypes;
  enum class State { kReady, kRunning, kDone, kFailed };
  State state = State::kReady;
  bool owns_txn = false;       // autocommit write transaction opened by this statement
  bool owns_snapshot = false;  // autocommit read snapshot
  std::unique_ptr<transaction::ReadTransaction> read;
  std::unique_ptr<TxnDataAccess> data;
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
  auto schema = conn->CurrentSchema();
  if (program && schema == compiled_schema && compiled_functions == conn->functions_generation) {
    return Status::OK();
  }
  compiled_schema = schema;
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
  ex = Exec();
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
  ex.frames.assign(static_cast<size_t>(std::max(program->ctx->max_level, 1) + 1), nullptr);
  owns_txn = false;
  owns_snapshot = false;
  if (program->writes) {
    if (!conn->txn) {
      DOSQL_RETURN_IF_ERROR(conn->EnsureWrite());
      owns_txn = !conn->explicit_txn;
    }
  }
  if (conn->txn) {
    data = std::make_unique<TxnDataAccess>(conn->txn.get(), nullptr);
  } else if (conn->snapshot) {
    data = std::make_unique<TxnDataAccess>(nullptr, conn->snapshot.get());
  } else {
    DOSQL_ASSIGN_OR_RETURN(read, conn->dbi->store->BeginRead());
    if (conn->explicit_txn) {
      // BEGIN DEFERRED: the first read pins the snapshot for the whole transaction.
      conn->snapshot = std::move(read);
      data = std::make_unique<TxnDataAccess>(nullptr, conn->snapshot.get());
    } else {
      owns_snapshot = true;
      data = std::make_unique<TxnDataAccess>(nullptr, read.get());
    }
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
  if (owns_snapshot) read.reset();
  owns_snapshot = false;
  Status st;
  if (owns_txn) {
    if (ok) {
      st = conn->CommitTxn();
      if (!st.ok() && conn->txn) conn->RollbackTxn();
    } else {
      conn->RollbackTxn();
    }
  }
  owns_txn = false;
  data.reset();
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
Status Statement::Bind(int index, Value value) {
  if (index < 1 || index > impl_->param_count) {
    return Status::OutOfRange("column index out of range");
  }
  if (impl_->state == StatementImpl::State::kRunning) {
    return Status::InvalidArgument("bad parameter or other API misuse: statement is running");
  }
  impl_->params[index - 1] = std::move(value);
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

Result<bool> Statement::Step() {
  StatementImpl& s = *impl_;
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
      bool use_sp = s.program->writes && s.conn->txn && !s.owns_txn &&
                    (s.program->needs_statement_savepoint || s.conn->foreign_keys);
      if (use_sp) {
        auto r = s.conn->txn->Savepoint();
        if (!r.ok()) {
          (void)s.Finish(false);
          s.state = StatementImpl::State::kFailed;
          return r.status();
        }
        sp = *r;
      }
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
          if (use_sp && s.conn->txn) (void)s.conn->txn->Release(sp);
          (void)s.Finish(true);  // the constraint error is what is reported
        } else {
          if (use_sp && s.conn->txn) {
            (void)s.conn->txn->RollbackTo(sp);
            (void)s.conn->txn->Release(sp);
            (void)s.conn->ReloadTxnSchema();
          }
          (void)s.Finish(false);
        }
        s.state = StatementImpl::State::kFailed;
        return st;
      }
      if (use_sp && s.conn->txn) (void)s.conn->txn->Release(sp);
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
