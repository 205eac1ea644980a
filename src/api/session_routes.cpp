// Dashboard sign-in: POST /api/v1/auth/login, GET /api/v1/auth/me, POST /api/v1/auth/logout.
#include <fmt/format.h>

#include "api/login_throttle.h"
#include "api/request_helpers.h"
#include "api/routes.h"
#include "crypto/secrets.h"

namespace stacklens::api {
namespace bj = boost::json;
using boost::beast::http::verb;

namespace {

constexpr int64_t kSessionSeconds = 7 * 24 * 3600;

bj::object session_json(const SessionContext& sc) {
  bj::array projects;
  for (const auto& m : sc.memberships) projects.push_back(bj::object{{"name", m.project_name}, {"role", role_name(m.role)}});
  const Membership* current = sc.current();
  // The current project's scopes, as the server derives them from the role: the dashboard shows what they allow.
  bj::array scopes;
  if (current)
    for (const auto& name : scope_list(scopes_of(current->role))) scopes.emplace_back(name);
  return bj::object{{"user", bj::object{{"email", sc.session.user.email}}},
                    {"csrfToken", sc.session.csrf_token},
                    {"projects", std::move(projects)},
                    {"currentProject", current ? bj::value(current->project_name) : bj::value(nullptr)},
                    {"scopes", std::move(scopes)}};
}

// Secure (sent over HTTPS only) when users reach the server over HTTPS: its public URL says so,
// or the TLS proxy in front of it does.
bool over_https(const Settings& settings, const http::Context& ctx) {
  std::string scheme = settings.public_url.substr(0, settings.public_url.find(':'));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme == "https" || ctx.header("X-Forwarded-Proto") == "https";
}

std::string cookie(const Settings& settings, const http::Context& ctx, const std::string& value, int64_t max_age) {
  const bool tls = over_https(settings, ctx);
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}", kSessionCookie, value, max_age,
                     tls ? "; Secure" : "");
}

void login(Services& s, http::Context& ctx, http::Respond respond) {
  auto run = [&]() -> Result<http::Reply> {
    SL_TRY(body, json_body(ctx));
    SL_TRY(obj, json::req_object(body, "body"));
    SL_TRY(email, json::req_string(*obj, "email", "email"));
    SL_TRY(password, json::req_string(*obj, "password", "password"));
    const Micros now = now_micros();
    if (const int64_t wait = s.login_throttle.wait_seconds(email, now); wait > 0) {
      Error e = make_error(ErrorCode::overloaded,
                           fmt::format("too many failed sign-ins for {}: try again in {} s", email, wait));
      http::Reply r = http::error_reply(e);
      for (auto& [k, v] : r.headers)
        if (k == "Retry-After") v = std::to_string(wait);
      return r;
    }
    SL_TRY(user, s.meta.find_user(email));
    // An unknown email costs the same argon2id work as a known one, so timing does not tell them apart.
    static const std::string decoy = secrets::hash_password(secrets::generate_password()).value_or("");
    const bool verified = secrets::verify_password(user ? user->password_hash : decoy, password);
    if (!user || !verified) {
      s.login_throttle.failed(email, now);
      return make_error(ErrorCode::unauthorized, "email or password is wrong");
    }
    s.login_throttle.succeeded(email);
    const std::string token = secrets::random_token(32);
    SL_TRY(created, s.meta.create_session(user->user.id, secrets::hash_api_key(token), secrets::random_token(24),
                                          now + kSessionSeconds * 1000000));
    SessionContext sc;
    sc.session = std::move(created);
    sc.session.user = user->user;
    SL_TRY(memberships, s.meta.memberships_of(user->user.id));
    sc.memberships = std::move(memberships);
    if (!sc.memberships.empty()) sc.current_index = 0;
    http::Reply r = http::json_reply(200, session_json(sc));
    r.headers.emplace_back("Set-Cookie", cookie(s.settings, ctx, token, kSessionSeconds));
    return r;
  };
  auto reply = run();
  respond(reply ? std::move(*reply) : http::error_reply(reply.error()));
}

}  // namespace

void add_session_routes(http::Router& router, Services& s) {
  router.add(verb::post, "/api/v1/auth/login",
             [&s](http::Context& ctx, http::Respond respond) { login(s, ctx, std::move(respond)); });
  router.add(verb::get, "/api/v1/auth/me", [&s](http::Context& ctx, http::Respond respond) {
    auto sc = s.auth.session(ctx, false);
    respond(sc ? http::json_reply(200, session_json(*sc)) : http::error_reply(sc.error()));
  });
  router.add(verb::post, "/api/v1/auth/logout", [&s](http::Context& ctx, http::Respond respond) {
    auto sc = s.auth.session(ctx, true);
    if (!sc) return respond(http::error_reply(sc.error()));
    if (auto st = s.meta.delete_session(secrets::hash_api_key(*cookie_value(ctx, kSessionCookie))); !st)
      return respond(http::error_reply(st.error()));
    http::Reply r = http::json_reply(200, bj::object{});
    r.headers.emplace_back("Set-Cookie", cookie(s.settings, ctx, "", 0));
    respond(std::move(r));
  });
}

}  // namespace stacklens::api
