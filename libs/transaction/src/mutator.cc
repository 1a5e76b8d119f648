#include "dosql/core/coding.h"
#include "dosql/core/record.h"
#include "store_internal.h"

namespace dosql::transaction {

Version::~Version() {
  if (pager) {
    for (btree::PageId id : garbage) {
      if (btree::IsTransient(id)) pager->FreeTransient(id);
    }
    for (btree::PageId id : private_pages) {
      if (btree::IsTransient(id)) pager->FreeTransient(id);
    }
  }
  if (registry) registry->Remove(seq);
  // Release the chain of newer versions iteratively: a long-lived old reader can keep thousands
  // of versions alive, and recursive destruction would exhaust the stack. A destructor running
  // inside another one hands its successor to the outer one's work list instead of recursing.
  if (!next) return;
  thread_local std::vector<std::shared_ptr<Version>>* pending = nullptr;
  if (pending != nullptr) {
    pending->push_back(std::move(next));
    return;
  }
  std::vector<std::shared_ptr<Version>> work;
  pending = &work;
  work.push_back(std::move(next));
  while (!work.empty()) {
    std::shared_ptr<Version> v = std::move(work.back());
    work.pop_back();
    v.reset();  // may run a nested destructor, which appends to `work`
  }
  pending = nullptr;
}

std::string EncodeTreeEntry(TreeKind kind, btree::PageId root) {
  std::string v;
  v.push_back(static_cast<char>(kind));
  PutFixed64(&v, root);
  return v;
}

Status DecodeTreeEntry(std::string_view v, TreeKind* kind, btree::PageId* root) {
  if (v.size() != 9 || v[0] < 1 || v[0] > 4) {
    return Status::Corruption("root map entry of " + std::to_string(v.size()) +
                              " bytes is malformed");
  }
  *kind = static_cast<TreeKind>(v[0]);
  *root = DecodeFixed64(reinterpret_cast<const uint8_t*>(v.data()) + 1);
  if (*root == btree::kInvalidPageId) return Status::Corruption("root map entry has root 0");
  return Status::OK();
}

Result<TreeInfo> LookupTree(btree::Pager& pager, btree::PageId root_map, TreeId id) {
  DOSQL_ASSIGN_OR_RETURN(auto v, btree::Get(pager, root_map, RowidKey(static_cast<int64_t>(id))));
  if (!v) return Status::NotFound("tree " + std::to_string(id) + " does not exist");
  TreeInfo info;
  info.id = id;
  DOSQL_RETURN_IF_ERROR(DecodeTreeEntry(*v, &info.kind, &info.root));
  return info;
}

Result<std::vector<TreeInfo>> ListTreesIn(btree::Pager& pager, btree::PageId root_map) {
  std::vector<TreeInfo> out;
  btree::Cursor c(&pager, root_map);
  DOSQL_RETURN_IF_ERROR(c.SeekFirst());
  std::string scratch;
  while (c.Valid()) {
    TreeInfo info;
    DOSQL_ASSIGN_OR_RETURN(int64_t id, DecodeRowidKey(c.key()));
    info.id = static_cast<TreeId>(id);
    DOSQL_ASSIGN_OR_RETURN(std::string_view v, c.value(&scratch));
    DOSQL_RETURN_IF_ERROR(DecodeTreeEntry(v, &info.kind, &info.root));
    out.push_back(info);
    DOSQL_RETURN_IF_ERROR(c.Next());
  }
  return out;
}

Mutator::Mutator(btree::Pager* pager, btree::PageId root_map, uint64_t owner)
    : pager_(pager), root_map_(root_map) {
  ctx_.pager = pager;
  ctx_.owner = owner;
}

Result<Mutator::TreeState*> Mutator::Load(TreeId id) const {
  TreeState* st = nullptr;
  for (const auto& [rid, rst] : recent_) {
    if (rst != nullptr && rid == id) {
      st = rst;
      break;
    }
  }
  if (st == nullptr) {
    auto it = trees_.find(id);
    if (it == trees_.end()) {
      DOSQL_ASSIGN_OR_RETURN(TreeInfo info, LookupTree(*pager_, root_map_, id));
      st = &trees_[id];
      st->kind = info.kind;
      st->root = info.root;
    } else {
      st = &it->second;
    }
    // (Elements of an unordered_map stay put until erased.)
    recent_[recent_next_] = {id, st};
    recent_next_ = (recent_next_ + 1) % recent_.size();
  }
  if (st->dropped) return Status::NotFound("tree " + std::to_string(id) + " was dropped");
  return st;
}

Status Mutator::CreateTree(TreeId id, TreeKind kind) {
  auto it = trees_.find(id);
  if (it == trees_.end() || !it->second.dropped) {
    if (it != trees_.end()) return Status::AlreadyExists("tree " + std::to_string(id) + " exists");
    auto existing = LookupTree(*pager_, root_map_, id);
    if (existing.ok()) return Status::AlreadyExists("tree " + std::to_string(id) + " exists");
    if (!existing.status().IsNotFound()) return existing.status();
  }
  DOSQL_ASSIGN_OR_RETURN(btree::PageId root, btree::CreateTree(ctx_));
  TreeState& st = trees_[id];
  st = TreeState{kind, root, true, false};
  st.last = TreeState::Last::kEmpty;
  changed_ = true;
  return Status::OK();
}

Status Mutator::DropTree(TreeId id) {
  DOSQL_ASSIGN_OR_RETURN(TreeState * st, Load(id));
  DOSQL_RETURN_IF_ERROR(btree::DropTree(ctx_, st->root));
  st->hint.Clear();
  st->dropped = true;
  st->dirty = true;
  changed_ = true;
  return Status::OK();
}

Status Mutator::Put(TreeId id, std::string_view key, std::string_view value, std::string* old_value,
                    bool* existed) {
  DOSQL_ASSIGN_OR_RETURN(TreeState * st, Load(id));
  const size_t pages = ctx_.created.size() + ctx_.replaced.size();
  DOSQL_ASSIGN_OR_RETURN(btree::PutResult r,
                         btree::Put(ctx_, st->root, key, value, old_value, &st->hint));
  if (ctx_.created.size() + ctx_.replaced.size() != pages) st->shape++;
  if (r.root != st->root) {
    st->root = r.root;
    st->dirty = true;
  }
  if (st->last == TreeState::Last::kEmpty ||
      (st->last == TreeState::Last::kKey && key > st->last_key)) {
    // A rowid table's largest key makes its next rowid (asked before each insert that names
    // none); another tree's is rarely asked for, and is found again then.
    if (st->kind == TreeKind::kRowid) {
      st->last = TreeState::Last::kKey;
      st->last_key.assign(key);
    } else {
      st->last = TreeState::Last::kUnknown;
    }
  }
  if (existed) *existed = r.existed;
  changed_ = true;
  return Status::OK();
}

Status Mutator::Delete(TreeId id, std::string_view key, std::string* old_value, bool* existed) {
  DOSQL_ASSIGN_OR_RETURN(TreeState * st, Load(id));
  const size_t pages = ctx_.created.size() + ctx_.replaced.size();
  DOSQL_ASSIGN_OR_RETURN(btree::DeleteResult r,
                         btree::Delete(ctx_, st->root, key, old_value, &st->hint));
  if (ctx_.created.size() + ctx_.replaced.size() != pages) st->shape++;
  if (r.root != st->root) {
    st->root = r.root;
    st->dirty = true;
  }
  if (r.existed && st->last == TreeState::Last::kKey && key == st->last_key) {
    st->last = TreeState::Last::kUnknown;
  }
  if (existed) *existed = r.existed;
  if (r.existed) changed_ = true;
  return Status::OK();
}

Status Mutator::Fill(TreeId id, const EntrySource& next) {
  DOSQL_ASSIGN_OR_RETURN(TreeState * st, Load(id));
  {
    btree::Cursor c(pager_, st->root);
    DOSQL_RETURN_IF_ERROR(c.SeekFirst());
    if (c.Valid()) return Status::InvalidArgument("tree " + std::to_string(id) + " is not empty");
  }
  btree::TreeBuilder builder(ctx_);
  bool any = false;
  while (true) {
    std::string_view key, value;
    DOSQL_ASSIGN_OR_RETURN(bool more, next(&key, &value));
    if (!more) break;
    DOSQL_RETURN_IF_ERROR(builder.Add(key, value));
    any = true;
  }
  if (!any) return Status::OK();  // the empty tree it was
  DOSQL_ASSIGN_OR_RETURN(btree::PageId root, builder.Finish());
  DOSQL_RETURN_IF_ERROR(btree::DropTree(ctx_, st->root));  // the empty leaf
  st->root = root;
  st->dirty = true;
  st->hint.Clear();
  st->shape++;
  st->last = TreeState::Last::kUnknown;
  changed_ = true;
  return Status::OK();
}

Result<std::optional<std::string>> Mutator::Get(TreeId id, std::string_view key) const {
  DOSQL_ASSIGN_OR_RETURN(TreeState * st, Load(id));
  return btree::Get(*pager_, st->root, key, &st->hint);
}

Status Mutator::GetInto(TreeId id, std::string_view key, std::string* value, bool* found) const {
  DOSQL_ASSIGN_OR_RETURN(TreeState * st, Load(id));
  return btree::GetInto(*pager_, st->root, key, &st->hint, value, found);
}

Result<btree::NeighborKeys> Mutator::Neighbors(TreeId id, std::string_view key,
                                               size_t prefix) const {
  DOSQL_ASSIGN_OR_RETURN(TreeState * st, Load(id));
  return btree::Neighbors(*pager_, st->root, key, &st->hint, prefix);
}

Result<std::optional<std::string>> Mutator::LastKey(TreeId id) const {
  DOSQL_ASSIGN_OR_RETURN(TreeState * st, Load(id));
  if (st->last == TreeState::Last::kUnknown) {
    btree::Cursor c(pager_, st->root);
    DOSQL_RETURN_IF_ERROR(c.SeekLast());
    if (c.Valid()) {
      st->last_key.assign(c.key());
      st->last = TreeState::Last::kKey;
    } else {
      st->last = TreeState::Last::kEmpty;
    }
  }
  if (st->last == TreeState::Last::kEmpty) return std::optional<std::string>();
  return std::optional<std::string>(st->last_key);
}

uint64_t Mutator::Shape(TreeId id) const {
  auto it = trees_.find(id);
  return it == trees_.end() ? 0 : it->second.shape;
}

void Mutator::SuggestLeaf(TreeId id, uint64_t shape, btree::PageId root, const btree::PageRef& leaf,
                          uint32_t slot) {
  auto it = trees_.find(id);
  if (it == trees_.end() || !leaf) return;
  TreeState& st = it->second;
  // A page of this transaction's (changed in place), reached from the current root while the
  // tree has had no page created or dropped since: it is one of the tree's leaves.
  if (st.dropped || st.shape != shape || st.root != root || leaf->owner() != ctx_.owner ||
      leaf->freed()) {
    return;
  }
  // Already there: the hint's slot (after the last write's) knows of this transaction's
  // inserts and deletes in the leaf since the search read it.
  if (st.hint.leaf == leaf->id() && st.hint.root == root) return;
  st.hint.root = root;
  st.hint.leaf = leaf->id();
  st.hint.slot = slot;
  st.hint.leftmost = false;
  st.hint.rightmost = false;
  st.hint.page = leaf;
}

Result<TreeInfo> Mutator::GetTree(TreeId id) const {
  DOSQL_ASSIGN_OR_RETURN(TreeState * st, Load(id));
  return TreeInfo{id, st->kind, st->root};
}

Result<std::vector<TreeInfo>> Mutator::ListTrees() const {
  DOSQL_ASSIGN_OR_RETURN(std::vector<TreeInfo> base, ListTreesIn(*pager_, root_map_));
  std::vector<TreeInfo> out;
  for (TreeInfo& t : base) {
    auto it = trees_.find(t.id);
    if (it == trees_.end()) {
      out.push_back(t);
    } else if (!it->second.dropped) {
      out.push_back(TreeInfo{t.id, it->second.kind, it->second.root});
    }
  }
  for (auto& [id, st] : trees_) {
    if (st.dropped) continue;
    bool seen = false;
    for (auto& t : base) seen |= t.id == id;
    if (!seen) out.push_back(TreeInfo{id, st.kind, st.root});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return out;
}

Result<btree::PageId> Mutator::Flush() {
  for (auto& [id, st] : trees_) {
    if (!st.dirty) continue;
    std::string key = RowidKey(static_cast<int64_t>(id));
    if (st.dropped) {
      DOSQL_ASSIGN_OR_RETURN(btree::DeleteResult r, btree::Delete(ctx_, root_map_, key));
      root_map_ = r.root;
    } else {
      DOSQL_ASSIGN_OR_RETURN(btree::PutResult r,
                             btree::Put(ctx_, root_map_, key, EncodeTreeEntry(st.kind, st.root)));
      root_map_ = r.root;
    }
    st.dirty = false;
  }
  // Dropped trees are gone from the root map now; forget them so they can be re-created.
  for (auto it = trees_.begin(); it != trees_.end();) {
    it = it->second.dropped ? trees_.erase(it) : std::next(it);
  }
  recent_.fill({});
  return root_map_;
}

Mutator::Saved Mutator::Save() const {
  return Saved{root_map_, trees_, ctx_.created.size(), ctx_.replaced.size(), changed_};
}

std::vector<btree::PageId> Mutator::Restore(const Saved& s) {
  std::vector<btree::PageId> freed(ctx_.created.begin() + static_cast<long>(s.created),
                                   ctx_.created.end());
  ctx_.created.resize(s.created);
  ctx_.replaced.resize(s.replaced);
  root_map_ = s.root_map;
  trees_ = s.trees;
  recent_.fill({});
  for (auto& [id, st] : trees_) st.hint.Clear();  // their leaves may be among the freed pages
  changed_ = s.changed;
  return freed;
}

}  // namespace dosql::transaction
