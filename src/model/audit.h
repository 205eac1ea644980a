#pragma once
// GovernAI's audit log: one entry per finding a policy acted on (never the value found), in
// one hash chain over the whole metadata store, checkpointed by signatures; and the
// operator's own statements for a project's EU AI Act Article 13 report.
#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace stacklens {

struct AuditEntry {
  int64_t id = 0;  // position in the chain, from 1: set by MetaStore::append_audit
  Micros time_us = 0;
  int64_t project_id = 0;
  std::string data_type;  // governai type name, e.g. card
  std::string policy;     // allow | redact | block
  std::string field;      // prompt, completion, attributes.<key>, ...
  std::string model, provider, trace_id, span_id;
  // Set by append_audit: hex BLAKE2b-256 of the previous entry (kAuditGenesis for the first)
  // and of this entry's fields with prev_hash (storage/audit_chain.h).
  std::string prev_hash;
  std::string hash;
};

// One project's entries, newest first, older than `before_id` when it is not 0.
struct AuditFilter {
  int64_t project_id = 0;
  std::optional<std::string> data_type, policy, model;
  std::optional<Micros> from_us, to_us;  // [from, to)
  int64_t before_id = 0;
  int limit = 100;
};

// The chain up to entry_id, signed (Ed25519, hex) by the key beside the encryption keys.
struct AuditCheckpoint {
  int64_t entry_id = 0;
  std::string hash;
  std::string signature;
  Micros time_us = 0;
};

// Entries of one type and policy in the bucket starting at bucket_us.
struct AuditCount {
  Micros bucket_us = 0;
  std::string data_type, policy;
  int64_t count = 0;
};

// What only the operator knows, for the Article 13 report; entered once per project.
struct TransparencyInfo {
  int64_t project_id = 0;
  std::string intended_purpose, provider_contact, human_oversight, known_limitations;
  std::string updated_by;
  Micros updated_us = 0;  // 0: never entered
};

}  // namespace stacklens
