#include "reducer.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

namespace dosql::fuzz {

lockstep::Comparison ComparisonFor(const GenStatement& g, const std::string& sql) {
  lockstep::Comparison how = g.how;
  if (how.ordered && !lockstep::HasTopLevelOrderBy(sql)) how.ordered = how.loose_ties = false;
  return how;
}

std::string MismatchKind(const std::string& diff) {
  if (diff.rfind("dosql succeeded", 0) == 0 || diff.rfind("dosql failed", 0) == 0) return diff;
  if (diff.rfind("row", 0) == 0 || diff.rfind("sorted row", 0) == 0 ||
      diff.rfind("column count", 0) == 0) {
    return "results";
  }
  return diff.substr(0, diff.find_first_of(":("));  // a counter, or a split
}

std::optional<Mismatch> Replay(const std::vector<GenStatement>& script) {
  lockstep::DosqlSide dosql;
  lockstep::SqliteSide sqlite;
  dosql.set_limits(kDosqlLimits);
  sqlite.set_limits(kSqliteLimits);
  for (size_t i = 0; i < script.size(); i++) {
    std::string sql = script[i].frag.ToSql();
    Mismatch m;
    m.how = ComparisonFor(script[i], sql);
    m.dosql = dosql.Run(sql);
    m.sqlite = sqlite.Run(sql);
    m.diff = lockstep::Difference(m.dosql, m.sqlite, m.how);
    if (m.diff.empty()) continue;
    if (i + 1 == script.size()) return m;
    return std::nullopt;  // an earlier statement mismatches: a different failure
  }
  return std::nullopt;
}

std::string ProbeInChild(const std::vector<GenStatement>& script, int timeout_seconds) {
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  pid_t pid = fork();
  if (pid < 0) std::abort();
  if (pid == 0) {
    close(fds[0]);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM}) signal(sig, SIG_DFL);
    alarm(static_cast<unsigned>(timeout_seconds));
    auto m = Replay(script);
    std::string kind = m ? MismatchKind(m->diff) : "";
    if (!kind.empty() && write(fds[1], kind.data(), kind.size()) < 0) _exit(3);
    _exit(0);
  }
  close(fds[1]);
  std::string kind;
  char buf[256];
  ssize_t got;
  while ((got = read(fds[0], buf, sizeof(buf))) > 0) kind.append(buf, static_cast<size_t>(got));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGALRM ? "hang" : "crash";
  return kind;
}

namespace {

using Clock = std::chrono::steady_clock;

void Collect(Frag& f, std::vector<Frag*>* out) {
  if (f.dropped) return;
  out->push_back(&f);
  for (Frag& k : f.kids) Collect(k, out);
}

// The expressions directly inside `f` (not inside another expression within it).
void InnerExprs(const Frag& f, std::vector<const Frag*>* out) {
  for (const Frag& k : f.kids) {
    if (k.dropped) continue;
    if (k.expr) {
      out->push_back(&k);
    } else {
      InnerExprs(k, out);
    }
  }
}

Frag Literal(const char* text) {
  Frag f;
  f.text = text;
  f.expr = true;
  return f;
}

class Reducer {
 public:
  Reducer(std::vector<GenStatement> script, std::string kind, const ReduceLimits& limits)
      : script_(std::move(script)), limits_(limits), start_(Clock::now()), kind_(std::move(kind)) {}

  std::vector<GenStatement> Run() {
    if (kind_.empty()) return script_;
    for (int round = 0; round < 4 && !OutOfBudget(); round++) {
      size_t before = Size();
      DropStatements();
      for (size_t i = script_.size(); i-- > 0 && !OutOfBudget();) SimplifyStatement(i);
      if (Size() == before) break;
    }
    return script_;
  }
  int trials() const { return trials_; }

 private:
  size_t Size() const {
    size_t n = 0;
    for (const GenStatement& g : script_) n += g.frag.ToSql().size() + 1;
    return n;
  }
  bool OutOfBudget() const {
    return trials_ >= limits_.max_trials ||
           std::chrono::duration<double>(Clock::now() - start_).count() > limits_.max_seconds;
  }
  bool StillFails(const std::vector<GenStatement>& candidate) {
    trials_++;
    return ProbeInChild(candidate, kind_ == "hang" ? kHangSeconds : 20) == kind_;
  }

  // Delta debugging over the statements before the failing one: drop chunks, halving.
  void DropStatements() {
    for (size_t chunk = std::max<size_t>(1, (script_.size() - 1) / 2); chunk >= 1; chunk /= 2) {
      for (size_t start = 0; start + 1 < script_.size() && !OutOfBudget();) {
        size_t end = std::min(start + chunk, script_.size() - 1);
        std::vector<GenStatement> candidate(script_.begin(), script_.begin() + long(start));
        candidate.insert(candidate.end(), script_.begin() + long(end), script_.end());
        if (StillFails(candidate)) {
          script_ = std::move(candidate);
        } else {
          start = end;
        }
      }
      if (chunk == 1) break;
    }
  }

  // Tries the simplifications of statement i's nodes until none helps.
  void SimplifyStatement(size_t i) {
    bool progress = true;
    while (progress && !OutOfBudget()) {
      progress = false;
      std::vector<Frag*> nodes;
      Collect(script_[i].frag, &nodes);
      for (size_t n = 0; n < nodes.size() && !progress && !OutOfBudget(); n++) {
        for (const Frag& replacement : Candidates(*nodes[n])) {
          std::vector<GenStatement> candidate = script_;
          std::vector<Frag*> cnodes;
          Collect(candidate[i].frag, &cnodes);
          *cnodes[n] = replacement;
          if (StillFails(candidate)) {
            script_ = std::move(candidate);
            progress = true;
            break;
          }
          if (OutOfBudget()) break;
        }
      }
    }
  }

  // Simpler forms of `f`, simplest first.
  static std::vector<Frag> Candidates(const Frag& f) {
    std::vector<Frag> out;
    if (f.optional) {
      Frag d = f;
      d.dropped = true;
      out.push_back(d);
    }
    if (!f.expr) return out;
    bool leaf = f.kind == Frag::kText || (f.kids.size() == 1 && f.kids[0].kind == Frag::kText);
    for (const char* lit : {"NULL", "0", "1", "'a'"}) {
      if (leaf && f.ToSql() == lit) return out;  // already the simplest
    }
    if (!f.opaque) {
      std::vector<const Frag*> inner;
      InnerExprs(f, &inner);
      for (const Frag* e : inner) {
        Frag r = *e;
        r.optional = f.optional;
        out.push_back(r);
      }
    }
    if (!leaf || f.ToSql().size() > 3) {
      for (const char* lit : {"NULL", "0", "1", "'a'"}) {
        Frag r = Literal(lit);
        r.optional = f.optional;
        out.push_back(r);
      }
    }
    return out;
  }

  std::vector<GenStatement> script_;
  ReduceLimits limits_;
  Clock::time_point start_;
  std::string kind_;
  int trials_ = 0;
};

}  // namespace

std::vector<GenStatement> Reduce(std::vector<GenStatement> script, const std::string& kind,
                                 const ReduceLimits& limits, int* trials_out) {
  Reducer r(std::move(script), kind, limits);
  std::vector<GenStatement> out = r.Run();
  if (trials_out) *trials_out = r.trials();
  return out;
}

}  // namespace dosql::fuzz
