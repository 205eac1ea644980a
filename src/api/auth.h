#pragma once
// Who is calling, and may they do this?
//
// Two ways in: an API key ("X-Api-Key: sl-..." or "Authorization: Bearer sl-...")
// bound to one project with scopes, or a dashboard session cookie, whose user's
// role in the chosen project (header X-StackLens-Project, or on a GET its `project`
// query parameter, else the user's first project) gives the scopes. Sessions must
// send X-CSRF-Token on state-changing requests. 401 when nobody is signed in or the
// key is missing, unknown or revoked; 403 when the scope, the membership or the CSRF
// token is missing.
// Keys, sessions and roles are looked up in the MetaStore on every request
// (nothing here caches them), so a revocation, role change or sign-out made by
// another process (the admin subcommand, another node) holds on the next request.
#include <mutex>
#include <unordered_map>

#include "core/error.h"
#include "http/router.h"
#include "model/access.h"
#include "storage/meta_store.h"

namespace stacklens::api {

inline constexpr std::string_view kSessionCookie = "stacklens_session";

struct SessionContext {
  Session session;
  std::vector<Membership> memberships;
  std::optional<size_t> current_index;  // the chosen project; none when the user belongs to none
  const Membership* current() const { return current_index ? &memberships[*current_index] : nullptr; }
};

class Authenticator {
 public:
  explicit Authenticator(MetaStore& meta) : meta_(meta) {}
  Result<Principal> authenticate(const http::Context& ctx, Scope needed);
  // The caller's API key whatever its scopes, for a route that checks each action's scope itself
  // (MCP's tools); sessions are no way in.
  Result<Principal> api_key(const http::Context& ctx);
  // The signed-in dashboard user (no API keys here). With `state_changing`, the CSRF token is checked.
  Result<SessionContext> session(const http::Context& ctx, bool state_changing);

 private:
  Result<Principal> by_key(std::string_view key, std::optional<Scope> needed);
  MetaStore& meta_;
  std::mutex mu_;
  std::unordered_map<int64_t, Micros> last_touch_;  // key id -> when last_used was last written
};

std::optional<std::string> cookie_value(const http::Context& ctx, std::string_view name);
bool is_state_changing(const http::Context& ctx);

}  // namespace stacklens::api
