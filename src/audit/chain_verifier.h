#pragma once
// Checks GovernAI's whole audit chain: every entry's hash (storage/audit_chain.h), every link,
// ids without gaps, and every signed checkpoint, which also catches entries removed from the
// end and a chain rewritten with fresh hashes up to a checkpoint.
#include <cstdint>
#include <optional>
#include <string>

#include "crypto/audit_signer.h"
#include "storage/meta_store.h"

namespace stacklens::audit {

struct ChainCheck {
  int64_t entries = 0;          // entries read
  int64_t checkpoints = 0;      // signed checkpoints checked
  int64_t signed_through = 0;   // the last checkpoint's entry: later entries are not signed yet
  std::optional<int64_t> first_bad;  // the first entry changed, removed or reordered
  std::string problem;               // what is wrong, naming first_bad; empty when intact
  bool intact() const { return problem.empty(); }
};

// Errors are the store's; a broken chain is a ChainCheck with a problem.
Result<ChainCheck> verify_chain(MetaStore& meta, const AuditSigner& signer);

}  // namespace stacklens::audit
