#include "app/bootstrap.h"

#include "crypto/secrets.h"

namespace stacklens::app {

Result<std::optional<BootstrapResult>> bootstrap_if_empty(MetaStore& meta) {
  SL_TRY(empty, meta.is_empty());
  if (!empty) return std::optional<BootstrapResult>{};
  SL_TRY(project, meta.create_project("default"));
  BootstrapResult out;
  out.admin_email = "admin@stacklens.local";
  out.admin_password = secrets::generate_password();
  auto hash = secrets::hash_password(out.admin_password);
  if (!hash) return make_error(ErrorCode::internal, "password hashing failed (out of memory?)");
  SL_TRY(user, meta.create_user(out.admin_email, *hash));
  if (auto st = meta.set_role(user.id, project.id, Role::admin); !st) return st.error();
  const ScopeSet scopes =
      static_cast<ScopeSet>(Scope::traces_write) | static_cast<ScopeSet>(Scope::prompts_read);
  auto key = secrets::generate_api_key();
  SL_TRY(info, meta.create_key(project.id, "bootstrap", key.prefix, key.hash, scopes));
  out.api_key = key.secret;
  out.scopes = format_scopes(info.scopes);
  return std::optional<BootstrapResult>(std::move(out));
}

}  // namespace stacklens::app
