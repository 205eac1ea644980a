#pragma once
// The audit chain's one rule, applied by every MetaStore backend when it appends and by
// `stacklens audit verify` when it checks: an entry's hash covers its id, its fields and the
// previous entry's hash, so changing, removing or reordering any entry breaks every later link.
#include <string>

#include "model/audit.h"

namespace stacklens {

// The prev_hash of entry 1.
inline const std::string kAuditGenesis(64, '0');

// Hex BLAKE2b-256 over entry.id, its fields and entry.prev_hash, each length-prefixed.
std::string audit_entry_hash(const AuditEntry& entry);

}  // namespace stacklens
