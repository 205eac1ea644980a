#include "app/bootstrap.h"

#include "crypto/secrets.h"

namespace stacklens::app {

Result<std::optional<BootstrapResult>> bootstrap_if_empty(MetaStore& meta) {
  // The usual start finds the store set up and skips the password hashing below.
  SL_TRY(empty, meta.is_empty());
  if (!empty) return std::optional<BootstrapResult>{};
  BootstrapResult out;
  out.admin_email = "admin@stacklens.local";
  out.admin_password = secrets::generate_password();
  auto hash = secrets::hash_password(out.admin_password);
  if (!hash) return make_error(ErrorCode::internal, "password hashing failed (out of memory?)");
  auto key = secrets::generate_api_key();
  const BootstrapSeed seed{"default", out.admin_email, *hash, "bootstrap", key.prefix, key.hash,
                           static_cast<ScopeSet>(Scope::traces_write) | static_cast<ScopeSet>(Scope::prompts_read)};
  // Nodes starting together on one empty store all get here; the store lets exactly one write.
  SL_TRY(info, meta.bootstrap(seed));
  if (!info) return std::optional<BootstrapResult>{};
  out.api_key = key.secret;
  out.scopes = format_scopes(info->scopes);
  return std::optional<BootstrapResult>(std::move(out));
}

}  // namespace stacklens::app
