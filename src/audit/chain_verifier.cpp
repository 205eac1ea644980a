#include "audit/chain_verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "storage/audit_chain.h"

namespace stacklens::audit {
namespace {

constexpr int kPage = 2000;

void fail(ChainCheck& c, int64_t id, std::string problem) {
  c.first_bad = id;
  c.problem = std::move(problem);
}

}  // namespace

Result<ChainCheck> verify_chain(MetaStore& meta, const AuditSigner& signer) {
  ChainCheck c;
  auto checkpoints = meta.list_audit_checkpoints();
  if (!checkpoints) return checkpoints.error();
  std::map<int64_t, const AuditCheckpoint*> signed_at;
  for (const AuditCheckpoint& cp : *checkpoints) {
    if (!signer.verify(cp.entry_id, cp.hash, cp.signature)) {
      fail(c, cp.entry_id,
           fmt::format("the checkpoint at entry {} has a signature this key did not make", cp.entry_id));
      return c;
    }
    signed_at[cp.entry_id] = &cp;
    ++c.checkpoints;
    c.signed_through = std::max(c.signed_through, cp.entry_id);
  }
  int64_t expected = 1, last_signed = 0;
  std::string prev = kAuditGenesis;
  for (;;) {
    auto page = meta.audit_chain(expected - 1, kPage);
    if (!page) return page.error();
    for (const AuditEntry& e : *page) {
      if (e.id != expected) {
        fail(c, expected, fmt::format("entry {} was removed (the chain goes on at entry {})", expected, e.id));
        return c;
      }
      const bool self_consistent = audit_entry_hash(e) == e.hash;
      if (e.prev_hash != prev && self_consistent && expected > 1) {
        // This entry is as it was written, so the one before it changed (and was hashed again).
        fail(c, expected - 1, fmt::format("entry {} was changed: entry {} was chained to another hash", expected - 1,
                                          expected));
        return c;
      }
      if (e.prev_hash != prev || !self_consistent) {
        fail(c, expected, fmt::format("entry {} was changed or moved: its hash does not match its contents and "
                                      "place in the chain",
                                      expected));
        return c;
      }
      if (auto cp = signed_at.find(e.id); cp != signed_at.end()) {
        if (cp->second->hash != e.hash) {
          fail(c, last_signed + 1,
               fmt::format("entries {} to {} were rewritten: entry {} no longer has the hash signed at its checkpoint",
                           last_signed + 1, e.id, e.id));
          return c;
        }
        last_signed = e.id;
      }
      prev = e.hash;
      ++c.entries;
      ++expected;
    }
    if (page->size() < static_cast<size_t>(kPage)) break;
  }
  if (c.signed_through >= expected)
    fail(c, expected,
         fmt::format("entries {} to {} were removed: a checkpoint signed entry {}", expected, c.signed_through,
                     c.signed_through));
  return c;
}

}  // namespace stacklens::audit
