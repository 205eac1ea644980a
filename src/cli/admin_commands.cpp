#include "cli/admin_commands.h"

#include <fmt/format.h>

#include <cstdio>

#include "app/storage_factory.h"
#include "crypto/sealer.h"
#include "crypto/secrets.h"

namespace stacklens::cli {
namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

Result<int64_t> project_id(MetaStore& meta, const std::string& name) {
  SL_TRY(p, meta.find_project(name));
  if (!p) return make_error(ErrorCode::not_found, fmt::format("no project '{}' (see: stacklens projects list)", name));
  return p->id;
}

std::string when(std::optional<Micros> t) { return t ? format_iso8601(*t) : "-"; }

// The given password, or a generated one (then `generated` is set), checked and hashed.
Result<std::string> password_hash(std::optional<std::string>& password, bool& generated) {
  generated = !password;
  if (!password) password = secrets::generate_password();
  if (password->size() < 8) return make_error(ErrorCode::bad_request, "password must be at least 8 characters");
  auto hash = secrets::hash_password(*password);
  if (!hash) return make_error(ErrorCode::internal, "password hashing failed");
  return *hash;
}

}  // namespace

#define OPEN_META(var)                           \
  auto var##_r = app::open_meta_store(s);        \
  if (!var##_r) return fail(var##_r.error().message); \
  MetaStore& var = **var##_r

int keys_create(const Settings& s, const std::string& project, const std::string& scopes, const std::string& name) {
  OPEN_META(meta);
  std::string bad;
  auto set = parse_scopes(scopes, &bad);
  if (!set)
    return fail(bad.empty() ? "--scopes is empty"
                            : fmt::format("unknown scope '{}'; known: traces:write, traces:read, prompts:read, "
                                          "prompts:write, keys:manage",
                                          bad));
  auto pid = project_id(meta, project);
  if (!pid) return fail(pid.error().message);
  auto key = secrets::generate_api_key();
  auto info = meta.create_key(*pid, name, key.prefix, key.hash, *set);
  if (!info) return fail(info.error().message);
  std::fprintf(stderr, "created key %lld %s for project %s with scopes %s (the secret below is shown once)\n",
               static_cast<long long>(info->id), info->prefix.c_str(), project.c_str(), format_scopes(*set).c_str());
  std::printf("%s\n", key.secret.c_str());
  return 0;
}

int keys_list(const Settings& s, const std::optional<std::string>& project) {
  OPEN_META(meta);
  std::optional<int64_t> pid;
  if (project) {
    auto id = project_id(meta, *project);
    if (!id) return fail(id.error().message);
    pid = *id;
  }
  auto keys = meta.list_keys(pid);
  if (!keys) return fail(keys.error().message);
  std::printf("%-5s %-12s %-12s %-16s %-52s %-28s %-28s %s\n", "ID", "PREFIX", "PROJECT", "NAME", "SCOPES", "CREATED",
              "LAST USED", "REVOKED");
  for (const auto& k : *keys)
    std::printf("%-5lld %-12s %-12s %-16s %-52s %-28s %-28s %s\n", static_cast<long long>(k.id), k.prefix.c_str(),
                k.project_name.c_str(), k.name.c_str(), format_scopes(k.scopes).c_str(), format_iso8601(k.created_us).c_str(),
                when(k.last_used_us).c_str(), when(k.revoked_us).c_str());
  return 0;
}

int keys_revoke(const Settings& s, const std::string& id_or_prefix, const std::optional<std::string>& project) {
  OPEN_META(meta);
  std::optional<int64_t> pid;
  if (project) {
    auto id = project_id(meta, *project);
    if (!id) return fail(id.error().message);
    pid = *id;
  }
  auto k = meta.revoke_key(id_or_prefix, pid);
  if (!k) return fail(k.error().message);
  std::printf("revoked key %lld %s\n", static_cast<long long>(k->id), k->prefix.c_str());
  return 0;
}

int projects_create(const Settings& s, const std::string& name) {
  OPEN_META(meta);
  if (name.empty() || name.size() > 64) return fail("project name must be 1 to 64 characters");
  auto p = meta.create_project(name);
  if (!p) return fail(p.error().message);
  std::printf("created project %lld %s\n", static_cast<long long>(p->id), p->name.c_str());
  return 0;
}

int projects_list(const Settings& s) {
  OPEN_META(meta);
  auto ps = meta.list_projects();
  if (!ps) return fail(ps.error().message);
  for (const auto& p : *ps)
    std::printf("%lld\t%s\t%s\n", static_cast<long long>(p.id), p.name.c_str(), format_iso8601(p.created_us).c_str());
  return 0;
}

int users_create(const Settings& s, const std::string& email, std::optional<std::string> password,
                 const std::string& project, const std::string& role_text) {
  OPEN_META(meta);
  if (email.find('@') == std::string::npos) return fail(fmt::format("'{}' is not an email address", email));
  auto role = parse_role(role_text);
  if (!role) return fail(fmt::format("unknown role '{}': use admin, member or viewer", role_text));
  auto pid = project_id(meta, project);
  if (!pid) return fail(pid.error().message);
  bool generated = false;
  auto hash = password_hash(password, generated);
  if (!hash) return fail(hash.error().message);
  auto u = meta.create_user(email, *hash);
  if (!u) return fail(u.error().message);
  if (auto st = meta.set_role(u->id, *pid, *role); !st) return fail(st.error().message);
  std::printf("created user %s (%s in project %s)\n", email.c_str(), role_text.c_str(), project.c_str());
  if (generated) std::printf("password: %s\n", password->c_str());
  return 0;
}

int users_reset_password(const Settings& s, const std::string& email, std::optional<std::string> password) {
  OPEN_META(meta);
  bool generated = false;
  auto hash = password_hash(password, generated);
  if (!hash) return fail(hash.error().message);
  if (auto st = meta.set_password(email, *hash); !st) return fail(st.error().message);
  std::printf("password of %s reset\n", email.c_str());
  if (generated) std::printf("password: %s\n", password->c_str());
  return 0;
}

int users_list(const Settings& s) {
  OPEN_META(meta);
  auto us = meta.list_users();
  if (!us) return fail(us.error().message);
  for (const auto& u : *us)
    std::printf("%lld\t%s\t%s\n", static_cast<long long>(u.id), u.email.c_str(), format_iso8601(u.created_us).c_str());
  return 0;
}

int encryption_rotate(const Settings& s) {
  if (auto st = app::prepare_data_dir(s); !st) return fail(st.error().message);
  if (auto sealer = Sealer::open_or_create(s.key_file()); !sealer) return fail(sealer.error().message);
  auto id = Sealer::rotate(s.key_file());
  if (!id) return fail(id.error().message);
  std::printf("new encryption key %d; restart the server to seal new text with it\n", *id);
  return 0;
}

}  // namespace stacklens::cli
