#include "api/auth.h"

#include <fmt/format.h>

#include "crypto/secrets.h"

namespace stacklens::api {
namespace {
constexpr Micros kTouchEveryUs = 60'000'000;

std::string_view scope_label(Scope s) {
  for (const auto& sn : kScopeNames)
    if (sn.scope == s) return sn.name;
  return "?";
}
}  // namespace

Result<Principal> Authenticator::authenticate(const http::Context& ctx, Scope needed) {
  std::string_view key = ctx.header("X-Api-Key");
  if (key.empty()) {
    std::string_view authz = ctx.header("Authorization");
    if (authz.size() > 7 && (authz.substr(0, 7) == "Bearer " || authz.substr(0, 7) == "bearer ")) key = authz.substr(7);
  }
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  if (key.empty())
    return make_error(ErrorCode::unauthorized, "API key missing: send it as X-Api-Key: sl-... or Authorization: Bearer sl-...");
  if (!secrets::looks_like_api_key(key))
    return make_error(ErrorCode::unauthorized, "API key is malformed: StackLens keys start with sl-");
  auto found = meta_.find_key_by_hash(secrets::hash_api_key(key));
  if (!found) return found.error();
  if (!*found) return make_error(ErrorCode::unauthorized, "API key is invalid");
  const KeyLookup& k = **found;
  if (k.revoked) return make_error(ErrorCode::unauthorized, fmt::format("API key {} has been revoked", k.key.prefix));
  if (!has_scope(k.key.scopes, needed))
    return make_error(ErrorCode::forbidden, fmt::format("API key {} lacks the {} scope (it has: {})", k.key.prefix,
                                                        scope_label(needed), format_scopes(k.key.scopes)));
  const Micros now = now_micros();
  bool touch = false;
  {
    std::lock_guard lock(mu_);
    auto& last = last_touch_[k.key.id];
    if (now - last > kTouchEveryUs) last = now, touch = true;
  }
  if (touch) (void)meta_.touch_key(k.key.id, now);  // best effort: last-used is informational
  return Principal{k.key.project_id, k.key.scopes, "key:" + k.key.prefix};
}

}  // namespace stacklens::api
