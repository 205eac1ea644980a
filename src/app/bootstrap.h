#pragma once
// First run on an empty data directory: a default organisation and project, an
// admin user with a generated password and an API key for ingest and prompt reads.
#include <optional>
#include <string>

#include "core/error.h"
#include "storage/meta_store.h"

namespace stacklens::app {

struct BootstrapResult {
  std::string admin_email;
  std::string admin_password;
  std::string api_key;
  std::string scopes;
};

// Returns nothing when the store was already set up (by this node or another, even one
// starting at the same moment): exactly one start prints the credentials.
Result<std::optional<BootstrapResult>> bootstrap_if_empty(MetaStore& meta);

}  // namespace stacklens::app
