// dosql::btree — helpers shared by the tree operations, the cursor and the checker.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "dosql/btree/btree.h"
#include "page_format.h"

namespace dosql::btree::internal {

// "17" for a permanent page, "transient 5" for a transient one.
std::string PageName(PageId id);
// Corruption("btree page <id>: <problem>").
Status PageCorruption(PageId id, std::string_view problem);

// Corruption unless a reference from page `from` (kInvalidPageId for a root) to page `to` is
// allowed: a permanent page may only reference permanent pages.
Status CheckReference(PageId from, PageId to);

// Reads a leaf or interior page referenced by `from` (kInvalidPageId for a root) and validates
// its header. With expected_level >= 0 the page must be at that level (so a tree's depth is
// uniform and a page cannot reference itself or an ancestor).
Status LoadNode(Pager& pager, PageId from, PageId id, int expected_level, PageRef* page,
                NodeHeader* h, ScanRun* scan_run = nullptr);
// (With scan_run: the page comes through Pager::GetScanning.)
// LoadNode's checks on a page already at hand (`pg`, page `id`).
Status ReadNode(Pager& pager, PageId id, int expected_level, const Page& pg, NodeHeader* h);

// Calls fn for each page of the overflow chain holding a value of value_len bytes, after checking
// its type, its byte count and its link (every page is full except the last, which ends the
// chain).
// `from` is the leaf holding the reference.
Status VisitOverflowChain(Pager& pager, PageId from, PageId first, uint64_t value_len,
                          const std::function<Status(const PageRef&)>& fn);
// Appends the value held by an overflow chain to *out.
Status ReadOverflowChain(Pager& pager, PageId from, PageId first, uint64_t value_len,
                         std::string* out);

// Appends the value of a cell of leaf `leaf` (inline or overflowed) to *out.
Status AppendLeafValue(Pager& pager, PageId leaf, const LeafCell& cell, std::string* out);

}  // namespace dosql::btree::internal
