#include "api/auth.h"

#include <fmt/format.h>
#include <sodium.h>

#include "crypto/secrets.h"

namespace stacklens::api {
namespace {
constexpr Micros kTouchEveryUs = 60'000'000;

std::string_view api_key_of(const http::Context& ctx) {
  std::string_view key = ctx.header("X-Api-Key");
  if (key.empty()) {
    std::string_view authz = ctx.header("Authorization");
    if (authz.size() > 7 && (authz.substr(0, 7) == "Bearer " || authz.substr(0, 7) == "bearer ")) key = authz.substr(7);
  }
  while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
  return key;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string> cookie_value(const http::Context& ctx, std::string_view name) {
  std::string_view all = ctx.header("Cookie");
  while (!all.empty()) {
    size_t end = all.find(';');
    std::string_view item = all.substr(0, end);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.size() > name.size() && item.substr(0, name.size()) == name && item[name.size()] == '=')
      return std::string(item.substr(name.size() + 1));
    if (end == std::string_view::npos) break;
    all.remove_prefix(end + 1);
  }
  return std::nullopt;
}

bool is_state_changing(const http::Context& ctx) {
  using boost::beast::http::verb;
  const auto m = ctx.req.method();
  return m != verb::get && m != verb::head && m != verb::options;
}

Result<Principal> Authenticator::authenticate(const http::Context& ctx, Scope needed) {
  if (auto key = api_key_of(ctx); !key.empty()) return by_key(key, needed);
  if (!cookie_value(ctx, kSessionCookie))
    return make_error(ErrorCode::unauthorized,
                      "API key missing: send it as X-Api-Key: sl-... or Authorization: Bearer sl-..., or sign in");
  SL_TRY(sc, session(ctx, is_state_changing(ctx)));
  const Membership* m = sc.current();
  if (!m) return make_error(ErrorCode::forbidden, "you are not a member of any project");
  const ScopeSet scopes = scopes_of(m->role);
  if (!has_scope(scopes, needed))
    return make_error(ErrorCode::forbidden, fmt::format("your role in project {} is {}, which lacks the {} scope",
                                                        m->project_name, role_name(m->role), scope_name(needed)));
  return Principal{m->project_id, scopes, "user:" + sc.session.user.email};
}

Result<Principal> Authenticator::api_key(const http::Context& ctx) {
  const auto key = api_key_of(ctx);
  if (key.empty())
    return make_error(ErrorCode::unauthorized, "API key missing: send it as X-Api-Key: sl-... or Authorization: Bearer sl-...");
  return by_key(key, std::nullopt);
}

Result<SessionContext> Authenticator::session(const http::Context& ctx, bool state_changing) {
  auto token = cookie_value(ctx, kSessionCookie);
  if (!token || token->empty()) return make_error(ErrorCode::unauthorized, "not signed in");
  SL_TRY(found, meta_.find_session(secrets::hash_api_key(*token), now_micros()));
  if (!found) return make_error(ErrorCode::unauthorized, "your session has expired or was signed out: sign in again");
  if (state_changing && !same_secret(ctx.header("X-CSRF-Token"), found->csrf_token))
    return make_error(ErrorCode::forbidden, "CSRF token missing or wrong: send the X-CSRF-Token of your session");
  SessionContext sc;
  sc.session = std::move(*found);
  SL_TRY(memberships, meta_.memberships_of(sc.session.user.id));
  sc.memberships = std::move(memberships);
  std::string wanted(ctx.header("X-StackLens-Project"));
  // A download link cannot send a header: on a GET the project may come as a query parameter.
  if (wanted.empty() && !is_state_changing(ctx)) wanted = ctx.query_param("project").value_or("");
  for (size_t i = 0; i < sc.memberships.size() && !sc.current_index; ++i)
    if (wanted.empty() || sc.memberships[i].project_name == wanted) sc.current_index = i;
  if (!wanted.empty() && !sc.current_index)
    return make_error(ErrorCode::forbidden, fmt::format("you are not a member of project '{}'", wanted));
  return sc;
}

Result<Principal> Authenticator::by_key(std::string_view key, std::optional<Scope> needed) {
  if (!secrets::looks_like_api_key(key))
    return make_error(ErrorCode::unauthorized, "API key is malformed: StackLens keys start with sl-");
  auto found = meta_.find_key_by_hash(secrets::hash_api_key(key));
  if (!found) return found.error();
  if (!*found) return make_error(ErrorCode::unauthorized, "API key is invalid");
  const KeyLookup& k = **found;
  if (k.revoked) return make_error(ErrorCode::unauthorized, fmt::format("API key {} has been revoked", k.key.prefix));
  if (needed && !has_scope(k.key.scopes, *needed))
    return make_error(ErrorCode::forbidden, fmt::format("API key {} lacks the {} scope (it has: {})", k.key.prefix,
                                                        scope_name(*needed), format_scopes(k.key.scopes)));
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
